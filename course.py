"""Set up and run the course on Linux, macOS or Windows: only Python's standard library, no make, no Unix shell.

    python course.py lab      set up .venv (first time only), then open JupyterLab on the start page
    python course.py test     set up .venv (first time only), then run every test (pytest; extra arguments pass on)

On Windows write `py course.py lab`; on Linux and macOS `python3 course.py lab`. Maintainers also have
`setup`, `book`, `bench`, `notebooks`, `screenshots`, `classroom`, `learner-path` and `jupyter-setup` (see `--help`).

Setting up means: a virtual environment in .venv made with the Python that runs this script if it is 3.11 or 3.12
(else with python3.12/python3.11, or `py -3.12`/`py -3.11` on Windows, when one is installed),
every package at the version in requirements.txt (the one pin file), the course's helper package, a Jupyter
kernel named "Image segmentation course", and JupyterLab settings that keep it quiet and offline (no news pop-up,
no update check). Nothing needs root or administrator rights. A second run finds .venv up to date (it compares a
fingerprint of requirements.txt, pyproject.toml and this file) and installs nothing.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import platform
import re
import shutil
import string
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


def python_version(command: list) -> tuple[int, int] | None:
    """(major, minor) of the Python that `command` starts, or None if it does not start."""
    try:
        result = subprocess.run([str(part) for part in command] + ["-c", "import sys; print(*sys.version_info[:2])"],
                                capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    parts = result.stdout.split()
    return (int(parts[0]), int(parts[1])) if result.returncode == 0 and len(parts) == 2 else None


def supported_python() -> list[str]:
    """A command that starts Python 3.11 or 3.12: the one running this script, else one installed beside it
    (python3.12 / python3.11 on PATH; on Windows the py launcher's -3.12 / -3.11)."""
    if sys.version_info[:2] in SUPPORTED:
        return [sys.executable]
    for major, minor in reversed(SUPPORTED):
        if os.name == "nt":
            candidate = [shutil.which("py") or "py", f"-{major}.{minor}"]
        else:
            candidate = [shutil.which(f"python{major}.{minor}") or f"python{major}.{minor}"]
        if python_version(candidate) == (major, minor):
            say(f"this is Python {platform.python_version()}; the course uses Python {major}.{minor} "
                f"({' '.join(candidate)})")
            return candidate
    found = platform.python_version()
    if os.name == "nt":
        how = ("install Python 3.12 from https://www.python.org/downloads/windows/ (the py launcher finds it), "
               "then run: py -3.12 course.py ...")
    elif sys.platform == "darwin":
        how = ("install Python 3.12 from https://www.python.org/downloads/macos/ (or `brew install python@3.12`), "
               "then run: python3.12 course.py ...")
    else:
        how = ("install Python 3.12 or 3.11 from your system's packages (e.g. `sudo apt install python3.11-venv` "
               "on Debian 12, `sudo dnf install python3.12` on Fedora) or use conda (see README.md), "
               "then run: python3.12 course.py ...")
    raise SystemExit(f"[course] The course needs Python 3.11 or 3.12; this is Python {found} ({sys.executable}) "
                     f"and no Python 3.11 or 3.12 was found beside it. To fix: {how}")


SITE_PACKAGES_DEPTH = 150  # characters of the deepest file the pins install below site-packages (measured: 139)


def long_path_problem(venv: Path, long_paths_enabled: bool) -> str | None:
    """Windows refuses paths of 260 characters or more unless long paths are enabled (administrator setting)."""
    longest = len(str(venv / "Lib" / "site-packages")) + 1 + SITE_PACKAGES_DEPTH
    if longest < 260 or long_paths_enabled:
        return None
    return (f"[course] The course folder's path is too long for Windows: {venv} plus the deepest file its packages "
            f"install make about {longest} characters, over Windows' limit of 260 (long paths are not enabled on "
            f"this computer). Move the course folder somewhere shorter, e.g. C:\\course, and run the command there "
            f"again (or let an administrator enable long paths: "
            f"https://learn.microsoft.com/windows/win32/fileio/maximum-file-path-limitation).")


def windows_long_paths_enabled() -> bool:
    import winreg
    try:
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"SYSTEM\CurrentControlSet\Control\FileSystem") as key:
            return winreg.QueryValueEx(key, "LongPathsEnabled")[0] == 1
    except OSError:
        return False


def setup(force: bool = False) -> Path:
    """Create or update .venv; returns its Python."""
    python, stamp = venv_python(), VENV / ".installed"
    if not force and python.exists() and stamp.exists() and stamp.read_text().strip() == fingerprint():
        return python
    if os.name == "nt":
        problem = long_path_problem(VENV, windows_long_paths_enabled())
        if problem:
            raise SystemExit(problem)
    if not python.exists():
        base = supported_python()
        say(f"creating the virtual environment {VENV} (first time: about 2-5 minutes, 2.5 GB)")
        run(base + ["-m", "venv", VENV])
    elif python_version([python]) not in SUPPORTED:
        raise SystemExit(f"[course] {VENV} holds a Python other than 3.11 or 3.12 ({python}); delete the folder "
                         f"{VENV} and run this command again to make a new one.")
    pip = [python, "-m", "pip", "--disable-pip-version-check"]
    say("installing the pinned packages from requirements.txt")
    run(pip + ["install", "--quiet", "-r", ROOT / "requirements.txt"])
    run(pip + ["install", "--quiet", "--no-deps", "--no-build-isolation", "-e", ROOT])
    run([python, __file__, "jupyter-setup"])
    stamp.write_text(fingerprint() + "\n")
    say("set-up done")
    return python


def intel_opencl_runtime(prefix: Path) -> Path:
    """Where the intel-opencl-rt wheel (Windows) puts Intel's OpenCL CPU runtime in an environment."""
    return Path(prefix) / "Library" / "bin" / "intelocl64.dll"


# pocl (the CPU OpenCL driver on Linux) compiles each kernel once per user and has its compiler print notes such as
# "8 warnings generated." into the notebook: noise for a learner, seen only on a first run. -w silences them.
QUIET_OPENCL_COMPILER = {"POCL_EXTRA_BUILD_FLAGS": "-w"}


def kernel_env(prefix: Path = Path(sys.prefix), windows: bool = os.name == "nt") -> dict[str, str]:
    """Environment of the course kernel. On Windows it points pyopencl's OpenCL loader (the Khronos ICD loader,
    which honours OCL_ICD_FILENAMES) at Intel's CPU runtime in the environment, so that no driver has to be
    registered with administrator rights, and puts the runtime's folder (with its TBB libraries) on PATH.
    Jupyter expands ${PATH} when it starts the kernel."""
    runtime = intel_opencl_runtime(prefix)
    if not (windows and runtime.exists()):
        return {}
    return {"OCL_ICD_FILENAMES": str(runtime), "PATH": f"{runtime.parent};${{PATH}}"}


def configure_intel_opencl(prefix: Path = Path(sys.prefix)) -> list[Path]:
    """Tell Intel's OpenCL CPU runtime where its TBB libraries are (Windows). Since 2022.2 it finds TBB only
    through the Windows registry or CL_CONFIG_TBB_DLL_PATH in its cl.cfg; the conda package fills in the path in
    a post-link script, which pip does not run. Returns the files changed."""
    library = Path(prefix) / "Library"
    changed = []
    for config in (library / "bin" / "cl.cfg", library / "lib" / "cl.cfg"):
        if not config.exists():
            continue
        with open(config, encoding="ascii", errors="replace", newline="") as file:  # keep its CRLF line ends
            text = file.read()
        wanted = f"CL_CONFIG_TBB_DLL_PATH = {library / 'bin'}"
        new, count = re.subn(r"^CL_CONFIG_TBB_DLL_PATH *=[^\r\n]*", lambda _: wanted, text, flags=re.M)
        if count == 0:
            end = "\r\n" if "\r\n" in text else "\n"
            new = text.rstrip("\r\n") + end + wanted + end
        if new != text:
            with open(config, "w", encoding="ascii", newline="") as file:
                file.write(new)
            changed.append(config)
    return changed


def jupyter_setup() -> None:
    """Install the course kernel and JupyterLab's quiet settings into the running Python's environment (and
    the course's helper package, if this environment lacks it: the conda path)."""
    if importlib.util.find_spec("segcourse") is None:
        say("installing the course's helper package (segcourse) into this environment")
        run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "-e", ROOT])
    if os.name == "nt" and intel_opencl_runtime(Path(sys.prefix)).exists():
        for config in configure_intel_opencl(Path(sys.prefix)):
            say(f"Intel's OpenCL CPU runtime: TBB path set in {config}")
    data = Path(sysconfig.get_path("data")) / "share" / "jupyter"
    kernel = data / "kernels" / KERNEL_NAME
    kernel.mkdir(parents=True, exist_ok=True)
    spec = {"argv": [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": KERNEL_DISPLAY_NAME, "language": "python",
            "metadata": {"debugger": True}, "env": {**QUIET_OPENCL_COMPILER, **kernel_env()}}
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
    """Run the environment's Python with the course kernel's environment (OpenCL on Windows), e.g. for pytest."""
    python = setup()
    env = dict(os.environ)
    for name, value in kernel_env(VENV).items():
        env[name] = string.Template(value).safe_substitute(os.environ)
    return subprocess.call([str(part) for part in [python] + arguments], cwd=ROOT, env=env)


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
    "learner-path": ("run the setup check and the lessons that need no window, as CI does on macOS and Windows",
                     lambda extra: in_venv(["tools/learner_path.py"] + extra)),
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
