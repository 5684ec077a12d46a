"""One file of exact pins, read by every install path."""
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))


def pins():
    return [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def pins_for_this_machine():
    """(name, version) of each pin whose environment marker holds here."""
    from packaging.requirements import Requirement
    chosen = []
    for pin in pins():
        requirement = Requirement(pin)
        if requirement.marker is None or requirement.marker.evaluate():
            chosen.append((requirement.name, str(requirement.specifier).removeprefix("==")))
    return chosen


def test_every_requirement_is_an_exact_pin():
    for pin in pins():
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[a-z,]+\])?==[A-Za-z0-9_.+\-]+( ; .+)?", pin), pin


def test_environment_yml_has_the_same_pins():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    assert pip_section == pins()
    import make_environment
    assert (ROOT / "environment.yml").read_text() == make_environment.environment_yml()


def test_stack_facts_constraints_hold():
    lower = {name.lower().replace("_", "-"): version for name, version in pins_for_this_machine()}
    assert lower["numpy"].startswith("1.")
    assert lower["vedo"] == "2023.4.4"
    assert tuple(map(int, lower["matplotlib"].split(".")[:2])) < (3, 9)
    assert tuple(map(int, lower["scikit-image"].split(".")[:2])) < (0, 28)
    assert "pyqt6" in lower and "apoc" in lower
    assert lower["jupyter-book"].startswith("1.")


def test_installed_versions_are_the_pinned_ones():
    from importlib.metadata import version, PackageNotFoundError
    wrong = []
    for name, wanted in pins_for_this_machine():
        try:
            have = version(name)
        except PackageNotFoundError:
            have = "missing"
        if have != wanted:
            wrong.append(f"{name}: pinned {wanted}, installed {have}")
    assert not wrong, "\n".join(wrong)
