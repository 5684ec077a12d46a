"""Resolve tools/requirements.in into requirements.txt, the one file of exact pins, and regenerate environment.yml.

    python tools/update_pins.py            # keep today's versions where they still fit (uv's preferences)
    python tools/update_pins.py --upgrade  # newest versions that fit

One universal resolution (uv's ``--universal``): a package that only one platform needs carries an environment
marker (``; sys_platform == "win32"``), so the same file installs on Linux, macOS and Windows. The project
declares Python 3.11 and 3.12; markers about later Pythons that uv adds are dropped. Then run
``pytest tests/test_platforms.py`` to prove that every supported platform gets wheels for every pin.
"""
from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = """\
# Exact pins for everything the course installs, on Linux, macOS and Windows, Python 3.11 and 3.12, CPU only.
# Read by: course.py (pip), environment.yml (conda, generated), .ci/run, Binder, the GitHub workflow.
# Generated from tools/requirements.in by `python tools/update_pins.py`: do not edit by hand.
"""
LATER_PYTHON = re.compile(r"python_full_version\s*(>=|<)\s*'3\.1[3-9](\.\d+)?'")


def simplify(line: str) -> str | None:
    """Drop a pin that only Pythons after 3.12 get; strip a marker that only excludes them."""
    if ";" not in line:
        return line
    pin, marker = (part.strip() for part in line.split(";", 1))
    match = LATER_PYTHON.fullmatch(marker)
    if match is None:  # a platform marker, or a compound one: keep it
        return f"{pin} ; {marker}"
    return pin if match.group(1) == "<" else None


def resolve(upgrade: bool = False) -> str:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "requirements.txt"
        output.write_text((ROOT / "requirements.txt").read_text())  # today's versions are uv's preferences
        command = [sys.executable, "-m", "uv", "pip", "compile", str(ROOT / "tools" / "requirements.in"),
                   "--universal", "--python-version", "3.11", "--no-header", "--no-annotate", "--quiet",
                   "-o", str(output)]
        if upgrade:
            command.append("--upgrade")
        subprocess.run(command, check=True)
        lines = [simplify(line) for line in output.read_text().splitlines() if line.strip()]
    return HEADER + "\n".join(line for line in lines if line) + "\n"


def main(argv: list[str]) -> int:
    (ROOT / "requirements.txt").write_text(resolve(upgrade="--upgrade" in argv))
    sys.path.insert(0, str(ROOT / "tools"))
    import make_environment
    (ROOT / "environment.yml").write_text(make_environment.environment_yml())
    print("wrote requirements.txt and environment.yml")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
