"""Set up and run the course on Linux, macOS or Windows: only Python's standard library, no make, no Unix shell.

    python course.py lab      set up .venv (first time only), then open JupyterLab on the start page
    python course.py test     set up .venv (first time only), then run every test (pytest; extra arguments pass on)

On Windows write `py -3.11 course.py lab`; on Linux and macOS `python3 course.py lab`. Maintainers also have
`setup`, `book`, `bench`, `notebooks`, `screenshots`, `classroom` and `jupyter-setup` (see `--help`).

Setting up means: a virtual environment in .venv made with the Python that runs this script (3.11 or 3.12),
every package at the version in requirements.txt (the one pin file), the course's helper package, a Jupyter
kernel named "Image segmentation course", and JupyterLab settings that keep it quiet and offline (no news pop-up,
no update check). Nothing needs root or administrator rights. A second run finds .venv up to date (it compares a
fingerprint of requirements.txt, pyproject.toml and this file) and installs nothing.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("SEGCOURSE_VENV", ROOT / ".venv"))
SUPPORTED = ((3, 11), (3, 12))
KERNEL_NAME = "segcourse"
KERNEL_DISPLAY_NAME = "Image segmentation course"
START_PAGE = "notebooks/START_HERE.ipynb"
# JupyterLab asks a new user whether to fetch news from jupyter.org, and may check PyPI for a newer JupyterLab:
# an offline course turns both off for every user of this environment (JupyterLab reads overrides.json from
# <prefix>/share/jupyter/lab/settings/). The extension manager would search PyPI when opened: off as well.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/extensionmanager-extension:plugin": {"enabled": False},
}


def venv_python(venv: Path = VENV) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("requirements.txt", "pyproject.toml", "course.py"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def say(message: str) -> None:
    print(f"[course] {message}", flush=True)


def run(command: list, **kwargs) -> None:
    result = subprocess.run([str(part) for part in command], **kwargs)
    if result.returncode:
        raise SystemExit(f"[course] this step failed (exit code {result.returncode}): "
                         f"{' '.join(str(part) for part in command)}")


def check_python() -> None:
    if sys.version_info[:2] not in SUPPORTED:
        found = ".".join(map(str, sys.version_info[:3]))
        hint = ("py -3.11 course.py ..." if os.name == "nt" else "python3.11 course.py ...")
        raise SystemExit(f"[course] The course needs Python 3.11 or 3.12; this is Python {found} ({sys.executable}). "
                         f"Install Python 3.11 (python.org, or your system's packages) and run: {hint}")


def setup(force: bool = False) -> Path:
    """Create or update .venv; returns its Python."""
    python, stamp = venv_python(), VENV / ".installed"
    if not force and python.exists() and stamp.exists() and stamp.read_text().strip() == fingerprint():
        return python
    check_python()
    if not python.exists():
        say(f"creating the virtual environment {VENV} (first time: about 2-5 minutes, 2.5 GB)")
        run([sys.executable, "-m", "venv", VENV])
    pip = [python, "-m", "pip", "--disable-pip-version-check"]
    say("installing the pinned packages from requirements.txt")
    run(pip + ["install", "--quiet", "-r", ROOT / "requirements.txt"])
    run(pip + ["install", "--quiet", "--no-deps", "--no-build-isolation", "-e", ROOT])
    run([python, __file__, "jupyter-setup"])
    stamp.write_text(fingerprint() + "\n")
    say("set-up done")
    return python


def kernel_env() -> dict[str, str]:
    """Environment of the course kernel. On Windows it points the OpenCL loader at Intel's CPU runtime, which
    the pins install into the environment (no administrator rights needed to register it)."""
    env = {}
    if os.name == "nt":
        runtime = Path(sys.prefix) / "Library" / "bin" / "intelocl64.dll"
        if runtime.exists():
            env["OCL_ICD_FILENAMES"] = str(runtime)
    return env


def jupyter_setup() -> None:
    """Install the course kernel and JupyterLab's quiet settings into the running Python's environment."""
    data = Path(sysconfig.get_path("data")) / "share" / "jupyter"
    kernel = data / "kernels" / KERNEL_NAME
    kernel.mkdir(parents=True, exist_ok=True)
    spec = {"argv": [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": KERNEL_DISPLAY_NAME, "language": "python",
            "metadata": {"debugger": True}, "env": kernel_env()}
    (kernel / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
    try:
        import ipykernel
        for logo in Path(ipykernel.__file__).parent.joinpath("resources").glob("logo-*.png"):
            shutil.copy(logo, kernel / logo.name)
    except ImportError:
        pass
    settings = data / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "overrides.json").write_text(json.dumps(LAB_SETTINGS, indent=1) + "\n")
    # Offer only the course kernel in this environment's JupyterLab, so that no lesson runs in another by mistake.
    server_config = Path(sysconfig.get_path("data")) / "etc" / "jupyter" / "jupyter_server_config.d"
    server_config.mkdir(parents=True, exist_ok=True)
    (server_config / "segcourse.json").write_text(json.dumps(
        {"KernelSpecManager": {"allowed_kernelspecs": [KERNEL_NAME]}}, indent=1) + "\n")
    say(f"kernel '{KERNEL_DISPLAY_NAME}' and JupyterLab settings installed in {data}")


def lab(extra: list[str]) -> int:
    python = setup()
    command = [python, "-m", "jupyter", "lab", f"--ServerApp.root_dir={ROOT}",
               f"--LabApp.default_url=/lab/tree/{START_PAGE}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    return subprocess.call([str(part) for part in command + extra], cwd=ROOT)


def in_venv(arguments: list) -> int:
    return subprocess.call([str(part) for part in [setup()] + arguments], cwd=ROOT)


COMMANDS = {
    "lab": ("set up, then open JupyterLab on the start page", lab),
    "test": ("set up, then run every test", lambda extra: in_venv(["-m", "pytest"] + extra)),
    "setup": ("only set up (or update) .venv", lambda extra: setup(force="--force" in extra) and 0),
    "book": ("render the book into book/_build/html", lambda extra: in_venv(["tools/build_book.py"] + extra)),
    "bench": ("run the benchmarks", lambda extra: in_venv(["tools/benchmark.py"] + extra)),
    "notebooks": ("re-execute lessons and save them", lambda extra: in_venv(["tools/execute_notebooks.py"] + extra)),
    "screenshots": ("redraw the napari screenshots (Linux, xvfb-run)",
                    lambda extra: subprocess.call(["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24",
                                                   str(setup()), "tools/napari_screenshots.py"] + extra, cwd=ROOT)),
    "classroom": ("rehearse a class on JupyterHub (Linux)", lambda extra: in_venv(["tools/classroom.py"] + extra)),
    "jupyter-setup": ("install the course kernel and JupyterLab settings into this Python",
                      lambda extra: jupyter_setup() or 0),
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="course.py", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(f"  {name:14s} {text}" for name, (text, _) in COMMANDS.items()))
    parser.add_argument("command", choices=COMMANDS, metavar="command")
    arguments, extra = parser.parse_known_args(argv)
    return COMMANDS[arguments.command][1](extra)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
