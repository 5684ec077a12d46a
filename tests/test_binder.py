"""Binder (repo2docker) builds the course from the same pins as every other install path.

repo2docker reads only .binder/ when that folder exists, so everything it needs is there:
- environment.yml: a symlink to ../environment.yml, which tests/test_pins.py keeps equal to the file generated
  from requirements.txt;
- apt.txt: the system libraries for offscreen rendering and napari's window, the set .ci/run installs (minus the
  browser that only the book tests use);
- postBuild: ``python course.py jupyter-setup``, as on a learner's laptop (the helper package, the course kernel
  "segcourse", JupyterLab's quiet offline settings), then warms the OpenCL kernel cache by running the lessons that
  use pyclesperanto-prototype in that kernel (.binder/warm_opencl_cache.py);
- start: a virtual screen (Xvfb) for napari at each session start.
These tests check the files and their consistency; building the image needs Docker and the internet.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / ".binder"
# Files repo2docker would read from .binder/ and that would change what it builds: only ours may be there.
REPO2DOCKER_CONFIG = {"environment.yml", "requirements.txt", "Pipfile", "Pipfile.lock", "setup.py", "Project.toml",
                      "REQUIRE", "install.R", "DESCRIPTION", "apt.txt", "postBuild", "start", "runtime.txt",
                      "Dockerfile", "default.nix", "pyproject.toml", "environment.lock", "conda-lock.yml"}
OURS = {"environment.yml", "apt.txt", "postBuild", "start", "warm_opencl_cache.py"}
NOT_FOR_BINDER = {"chromium"}  # .ci/run installs it for the book's browser tests only


def pins() -> list[str]:
    return [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def test_binder_reads_the_projects_environment_yml():
    link = BINDER / "environment.yml"
    assert link.is_symlink() and os.readlink(link) == "../environment.yml", \
        "make .binder/environment.yml a symlink: ln -sfn ../environment.yml .binder/environment.yml"
    assert link.resolve() == (ROOT / "environment.yml").resolve()


def test_binder_environment_has_every_pin_and_a_supported_python():
    environment = yaml.safe_load((BINDER / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    assert pip_section == pins()
    python = next(item for item in environment["dependencies"] if isinstance(item, str) and item.startswith("python"))
    assert re.fullmatch(r"python=3\.1[12](\.\d+)?", python), python  # pyproject: >=3.11,<3.13
    lower = {pin.split("==")[0].lower() for pin in pip_section}
    # what the Binder session needs besides the lessons' libraries: an OpenCL driver for the CPU, Qt for nppas,
    # the-segmentation-game and napari, and the notebook server
    assert {"pyopencl", "pocl-binary-distribution", "pyqt6", "jupyterlab", "ipywidgets", "nbclient"} <= lower


def test_binder_folder_holds_only_our_configuration():
    present = {path.name for path in BINDER.iterdir()}
    assert present <= OURS, f"unexpected files in .binder/: {sorted(present - OURS)}"
    assert not (present & REPO2DOCKER_CONFIG) - OURS


def ci_rendering_packages() -> set[str]:
    text = (ROOT / ".ci" / "run").read_text()
    match = re.search(r'packages="([^"]+)"', text)
    assert match, ".ci/run no longer lists its packages as packages=\"...\"; update this test"
    return set(match.group(1).split())


def apt_packages() -> list[str]:
    lines = (BINDER / "apt.txt").read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def test_apt_txt_covers_what_ci_installs_for_rendering():
    packages = apt_packages()
    assert len(packages) == len(set(packages)), "a package is listed twice in .binder/apt.txt"
    missing = ci_rendering_packages() - NOT_FOR_BINDER - set(packages)
    assert not missing, f".binder/apt.txt lacks what .ci/run installs for rendering: {sorted(missing)}"
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9.+\-]+", p) for p in packages), packages


def test_post_build_sets_up_jupyter_as_course_py_does_and_warms_the_cache():
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK), "chmod +x .binder/postBuild"
    text = post_build.read_text()
    assert text.startswith("#!/bin/bash") and "set -euo pipefail" in text
    commands = [line.strip() for line in text.splitlines() if line.strip().startswith('"$PYTHON"')]
    assert commands == ['"$PYTHON" course.py jupyter-setup', '"$PYTHON" .binder/warm_opencl_cache.py']
    subprocess.run(["bash", "-n", str(post_build)], check=True)
    assert 'kernel_name="segcourse"' in (BINDER / "warm_opencl_cache.py").read_text()


def test_jupyter_setup_gives_binder_the_kernel_settings_and_helper_package(tmp_path):
    """What postBuild's `course.py jupyter-setup` leaves in an environment, tried in a fresh virtual environment
    that sees this one's packages (so nothing is downloaded) but not the helper package."""
    venv = tmp_path / "binder-env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([sys.executable, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    target = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                            capture_output=True, text=True, check=True).stdout.strip()
    # this environment's packages, minus the helper package, as the pins repo2docker installed
    Path(target, "outer.pth").write_text(site + "\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PIP_NO_INDEX"] = "1"
    hidden = [Path(site, name) for name in os.listdir(site) if re.match(r"(__editable__.*segcourse|segcourse)", name)]
    assert hidden, "the helper package is not installed in this environment as an editable install"
    code = "import importlib.util, sys; sys.exit(importlib.util.find_spec('segcourse') is not None)"
    if subprocess.run([str(python), "-c", code], env=env).returncode:
        pytest.skip("the helper package is visible in a fresh environment through " + site)
    process = subprocess.run([str(python), str(ROOT / "course.py"), "jupyter-setup"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=600)
    assert process.returncode == 0, process.stdout + process.stderr
    assert "installing the course's helper package (segcourse) into this environment" in process.stdout
    share = venv / "share" / "jupyter"
    spec = json.loads((share / "kernels" / "segcourse" / "kernel.json").read_text())
    assert spec["argv"][0] == str(python) and spec["display_name"] == "Image segmentation course"
    assert "fetchNews" in (share / "lab" / "settings" / "overrides.json").read_text()
    found = subprocess.run([str(python), "-c", "import segcourse, sys; print(segcourse.__file__)"], env=env,
                           capture_output=True, text=True)
    assert found.stdout.strip() == str(ROOT / "helpers" / "segcourse" / "__init__.py"), found.stderr


def test_start_script_hands_over_to_the_server():
    start = BINDER / "start"
    assert os.access(start, os.X_OK), "chmod +x .binder/start"
    text = start.read_text()
    assert text.rstrip().endswith('exec "$@"') and "Xvfb" in text
    subprocess.run(["bash", "-n", str(start)], check=True)


def test_warm_up_runs_the_lessons_that_use_opencl():
    process = subprocess.run([sys.executable, str(BINDER / "warm_opencl_cache.py"), "--list"], cwd=ROOT,
                             capture_output=True, text=True, check=True)
    listed = process.stdout.split()
    lessons = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

    def code(path):
        cells = json.loads(path.read_text())["cells"]
        return "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    using_cle = [p.name for p in lessons if "pyclesperanto_prototype" in code(p) and "napari.Viewer(" not in code(p)]
    assert listed == using_cle


def test_start_script_gives_a_display(tmp_path):
    """With a stand-in Xvfb on PATH (no real X server is started): DISPLAY is set and Xvfb gets that display."""
    stub = tmp_path / "bin" / "Xvfb"
    stub.parent.mkdir()
    stub.write_text(f'#!/bin/sh\necho "$@" > {tmp_path / "xvfb-args"}\n')
    stub.chmod(0o755)
    env = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    env["PATH"] = f"{stub.parent}:{env['PATH']}"
    process = subprocess.run(["bash", str(BINDER / "start"), "bash", "-c", 'sleep 0.5; echo "$DISPLAY"'],
                             env=env, capture_output=True, text=True, timeout=60)
    display = process.stdout.strip()
    assert re.fullmatch(r":\d+", display), process.stdout + process.stderr
    assert (tmp_path / "xvfb-args").read_text().split()[0] == display
