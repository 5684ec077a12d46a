"""Is this machine ready for the course? Package versions, OpenCL device, Qt, course data, and for each problem
what to do about it on this operating system.

``check_setup()`` looks at this machine. The advice is computed from plain facts (a ``Machine``, ``OpenCLFindings``,
``QtFindings``), so every message can be produced, and tested, for Linux, macOS and Windows on any one of them:
``diagnose(machine, opencl, qt)``.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import platform
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .data import verify_all

__all__ = ["check_setup", "opencl_device", "SetupReport", "NoOpenCLDeviceError", "Machine", "OpenCLFindings",
           "OpenCLDevice", "QtFindings", "Diagnosis", "diagnose", "no_opencl_advice"]

SUPPORTED_PYTHONS = ((3, 11), (3, 12))
PACKAGES = ["numpy", "scikit-image", "pyclesperanto-prototype", "pyopencl",
            "napari-segment-blobs-and-things-with-membranes", "napari-process-points-and-surfaces",
            "the-segmentation-game", "stackview", "ipywidgets", "napari"]
QT_BINDINGS = ("PyQt6", "PySide6", "PyQt5", "PySide2")
# Debian/Ubuntu packages of the system libraries that PyQt6's wheels expect (Qt loads them when imported)
DEBIAN_PACKAGE_OF = {"libEGL.so.1": "libegl1", "libGL.so.1": "libgl1", "libOpenGL.so.0": "libopengl0",
                     "libxkbcommon.so.0": "libxkbcommon0", "libfontconfig.so.1": "libfontconfig1",
                     "libfreetype.so.6": "libfreetype6", "libX11.so.6": "libx11-6", "libdbus-1.so.3": "libdbus-1-3",
                     "libglib-2.0.so.0": "libglib2.0-0", "libgthread-2.0.so.0": "libglib2.0-0",
                     "libxkbcommon-x11.so.0": "libxkbcommon-x11-0", "libxcb-cursor.so.0": "libxcb-cursor0",
                     "libxcb-icccm.so.4": "libxcb-icccm4", "libxcb-keysyms.so.1": "libxcb-keysyms1",
                     "libxcb-shape.so.0": "libxcb-shape0", "libxcb-image.so.0": "libxcb-image0",
                     "libxcb-render-util.so.0": "libxcb-render-util0", "libxcb-randr.so.0": "libxcb-randr0",
                     "libxcb-xkb.so.1": "libxcb-xkb1", "libxcb-xinerama.so.0": "libxcb-xinerama0"}
# The lessons that open napari's window and the first lesson that imports a napari plugin (and with it Qt);
# tests/test_setup_check.py keeps both equal to the notebooks.
NAPARI_WINDOW_LESSONS = "lessons 16 and 17"
FIRST_QT_LESSON = "04"

# What Qt's X11 window plugin (napari's window, lessons 16 and 17) needs on Debian/Ubuntu
QT_WINDOW_PACKAGES = ("libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-image0 "
                      "libxcb-render-util0 libxcb-randr0 libxcb-xkb1 libxcb-xinerama0")
WITHOUT_OPENCL = ("Lessons and cells that use pyclesperanto-prototype need it (so do APOC and the segmentation "
                  "game's metrics); scikit-image and nsbatwm work without it.")


class NoOpenCLDeviceError(RuntimeError):
    pass


@dataclass(frozen=True)
class Machine:
    """The facts about a computer the advice depends on; ``Machine.here()`` reads them, tests make their own."""
    system: str                    # as platform.system() says: "Linux", "Darwin" (macOS) or "Windows"
    arch: str                      # as platform.machine() says: "x86_64", "arm64", "aarch64", "AMD64"
    python: tuple[int, int, int] = (3, 11, 7)
    prefix: str = ""               # the environment's folder (sys.prefix)
    env: dict[str, str] = field(default_factory=dict)  # DISPLAY, WAYLAND_DISPLAY, OCL_ICD_FILENAMES

    @classmethod
    def here(cls) -> "Machine":
        names = ("DISPLAY", "WAYLAND_DISPLAY", "OCL_ICD_FILENAMES")
        return cls(system=platform.system(), arch=platform.machine(), python=tuple(sys.version_info[:3]),
                   prefix=sys.prefix, env={name: os.environ[name] for name in names if os.environ.get(name)})

    @property
    def os_name(self) -> str:
        return {"Darwin": "macOS"}.get(self.system, self.system)

    @property
    def apple_silicon(self) -> bool:
        return self.system == "Darwin" and self.arch == "arm64"

    @property
    def python_command(self) -> str:
        return "py" if self.system == "Windows" else "python3"

    @property
    def has_display(self) -> bool:
        """A Linux machine needs an X11 or Wayland display for a window; a Mac or a Windows PC has its desktop."""
        return self.system != "Linux" or bool(self.env.get("DISPLAY") or self.env.get("WAYLAND_DISPLAY"))

    @property
    def intel_opencl_runtime(self) -> Path:
        """Where the intel-opencl-rt wheel puts Intel's OpenCL CPU runtime (Windows)."""
        return Path(self.prefix) / "Library" / "bin" / "intelocl64.dll"


@dataclass(frozen=True)
class OpenCLDevice:
    name: str
    platform: str
    fp64: bool  # double precision (the cl_khr_fp64 extension)


@dataclass(frozen=True)
class OpenCLFindings:
    devices: tuple[OpenCLDevice, ...] = ()
    chosen: OpenCLDevice | None = None  # the device pyclesperanto-prototype uses
    error: str | None = None            # why there is none, e.g. "LogicError: clGetPlatformIDs failed: ..."


@dataclass(frozen=True)
class QtFindings:
    binding: str | None = None          # e.g. "PyQt6 6.9.1"
    error: str | None = None            # Qt is installed but its widgets do not load (a missing system library)
    window_error: str | None = None     # Linux: Qt's X11 window plugin does not load


@dataclass
class Diagnosis:
    problems: list[str] = field(default_factory=list)  # something a lesson needs is missing
    notes: list[str] = field(default_factory=list)     # the course works; one part behaves differently
    opencl: str | None = None                          # what to do when there is no OpenCL device


def find_opencl() -> OpenCLFindings:
    """Every OpenCL device pyopencl finds, and the one pyclesperanto-prototype picks."""
    devices = []
    try:
        import pyopencl
        for cl_platform in pyopencl.get_platforms():
            for device in cl_platform.get_devices():
                devices.append(OpenCLDevice(device.name.strip(), cl_platform.name.strip(),
                                            "cl_khr_fp64" in device.extensions))
        import pyclesperanto_prototype as cle
        chosen = cle.get_device().device
        chosen = OpenCLDevice(chosen.name.strip(), chosen.platform.name.strip(), "cl_khr_fp64" in chosen.extensions)
    except Exception as error:  # no driver: LogicError(PLATFORM_NOT_FOUND_KHR); a Mac VM: INVALID_VALUE
        return OpenCLFindings(tuple(devices), None, f"{type(error).__name__}: {error}")
    if not devices:
        return OpenCLFindings((), None, "no OpenCL device")
    return OpenCLFindings(tuple(devices), chosen, None)


def find_qt(machine: Machine) -> QtFindings:
    """The installed Qt binding, whether its widgets load, and (Linux, X11) whether its window plugin loads."""
    name = next((name for name in QT_BINDINGS if importlib.util.find_spec(name) is not None), None)
    if name is None:
        return QtFindings()
    binding = f"{name} {importlib.metadata.version(name)}"
    try:
        importlib.import_module(f"{name}.QtWidgets")
    except ImportError as error:
        return QtFindings(binding, error=str(error))
    window_error = None
    if machine.system == "Linux" and not machine.env.get("WAYLAND_DISPLAY"):
        import ctypes
        package = Path(importlib.util.find_spec(name).origin).parent
        for plugin in sorted(package.glob("Qt*/plugins/platforms/libqxcb.so")):
            try:
                ctypes.CDLL(str(plugin))
            except OSError as error:
                window_error = str(error)
    return QtFindings(binding, window_error=window_error)


def missing_library(error: str) -> str | None:
    match = re.search(r"(lib[\w.+-]+\.so(\.\d+)*): cannot open shared object file", error)
    return match.group(1) if match else None


def python_problem(machine: Machine) -> str | None:
    if machine.python[:2] in SUPPORTED_PYTHONS:
        return None
    version = ".".join(map(str, machine.python))
    how = "py -3.12 course.py lab" if machine.system == "Windows" else "python3.12 course.py lab"
    return (f"Python {version} is not one the course supports (3.11 or 3.12): its pinned packages are built for "
            f"those. Install Python 3.12 (python.org, or your system's packages), run `{how}` from the course "
            f"folder (it makes .venv with that Python), and use the kernel 'Image segmentation course'.")


def no_opencl_advice(machine: Machine, error: str | None = None) -> str:
    """What to do when pyopencl finds no OpenCL device, on this operating system."""
    python = machine.python_command
    if machine.system == "Linux" and machine.arch == "x86_64":
        advice = ("No OpenCL device found. The course installs a CPU driver, pocl, from PyPI: run "
                  f"`{python} course.py setup` again, or in this environment `pip install \"pyopencl[pocl]\"`. "
                  "Your distribution's pocl works too: `sudo apt install pocl-opencl-icd` (Debian/Ubuntu).")
    elif machine.system == "Linux":
        advice = (f"No OpenCL device found. PyPI has no CPU driver (pocl) for Linux on {machine.arch}: install "
                  "your distribution's, which needs administrator rights once: `sudo apt install pocl-opencl-icd` "
                  "(Debian/Ubuntu) or `sudo dnf install pocl` (Fedora). A GPU driver with OpenCL works too.")
    elif machine.system == "Windows":
        runtime = machine.intel_opencl_runtime
        if not runtime.exists():
            advice = ("No OpenCL device found. The course installs Intel's OpenCL CPU runtime (the intel-opencl-rt "
                      f"package, for Intel and AMD x86-64 processors): run `{python} course.py setup` again. A "
                      "graphics driver with OpenCL (NVIDIA, AMD, Intel) works too.")
        elif not machine.env.get("OCL_ICD_FILENAMES"):
            advice = (f"No OpenCL device found. Intel's OpenCL CPU runtime is installed ({runtime}), but this "
                      "Python was not told to use it: open the notebook with the kernel 'Image segmentation "
                      "course' (Kernel > Change Kernel...), which sets OCL_ICD_FILENAMES to it. "
                      f"`{python} course.py jupyter-setup` installs that kernel again.")
        else:
            advice = (f"No OpenCL device found, although OCL_ICD_FILENAMES points at {machine.env['OCL_ICD_FILENAMES']}. "
                      f"Run `{python} course.py setup --force` (it tells Intel's runtime where its TBB libraries "
                      "are, in cl.cfg next to it), then restart the kernel. Intel's runtime needs an x86-64 processor "
                      "with SSE4.2; a graphics driver with OpenCL (NVIDIA, AMD, Intel) works too.")
    elif machine.system == "Darwin":
        where = ("the GPU (Apple silicon has no OpenCL CPU device)" if machine.apple_silicon
                 else "the processor and the GPU")
        advice = ("No OpenCL device found. macOS has OpenCL built in (Apple's OpenCL framework, which pyopencl "
                  f"uses directly: nothing to install); it runs on {where}. A Mac in a virtual machine (UTM, Parallels, GitHub's macOS runners) may have no GPU for OpenCL "
                  "and so no device: use the Mac itself.")
    else:
        advice = f"No OpenCL device found, and the course has no OpenCL driver for {machine.system}."
    detail = f" ({error})" if error else ""
    return f"{advice}{detail} {WITHOUT_OPENCL}"


def fp64_note(device: OpenCLDevice, machine: Machine) -> str | None:
    if device.fp64:
        return None
    which = "as on every Mac with Apple silicon" if machine.apple_silicon else "as on some GPUs"
    return (f"{device.name} computes in single precision only (no cl_khr_fp64), {which}. The lessons run: "
            "pyclesperanto-prototype works in float32 anyway (it stores float64 images as float32). Results of "
            "OpenCL steps can differ from the saved outputs in the last digits, and an OpenCL kernel you write "
            "with `double` does not compile on this device.")


def qt_advice(machine: Machine, qt: QtFindings) -> tuple[str | None, str | None]:
    """(problem, note) about Qt: napari plugins used from lesson 04 on import Qt; lessons 16, 17 open a window."""
    python = machine.python_command
    if qt.binding is None:
        return (f"No Qt binding: nsbatwm, nppas and the segmentation game are napari plugins and import Qt, so "
                f"most lessons from {FIRST_QT_LESSON} on stop at their first cell, and napari "
                f"({NAPARI_WINDOW_LESSONS}) draws with it. The course pins PyQt6: run `{python} course.py setup` "
                f"again."), None
    if qt.error:
        library = missing_library(qt.error)
        if machine.system == "Linux" and library:
            package = DEBIAN_PACKAGE_OF.get(library, library)
            fix = f"the system library {library} is missing: `sudo apt install {package}` (Debian/Ubuntu)"
        else:
            fix = f"run `{python} course.py setup --force` to reinstall it"
        return (f"{qt.binding} is installed but Qt does not load ({qt.error}); {fix}. Most lessons from "
                f"{FIRST_QT_LESSON} on need it."), None
    if machine.system != "Linux":
        return None, None
    if not machine.has_display:
        return None, (f"No display (DISPLAY is not set): {NAPARI_WINDOW_LESSONS} open napari's window. Start "
                      f"JupyterLab on a virtual screen, `xvfb-run -a -s \"-screen 0 1920x1080x24\" {python} "
                      "course.py lab` (Debian/Ubuntu: `sudo apt install xvfb xauth`), or follow them as a "
                      "demonstration in the book. Every other lesson works without a display.")
    if qt.window_error:
        library = missing_library(qt.window_error) or qt.window_error
        return None, (f"napari's window ({NAPARI_WINDOW_LESSONS}) needs Qt's X11 libraries and {library} is missing. "
                      f"Debian/Ubuntu: `sudo apt install {QT_WINDOW_PACKAGES}`. Every other lesson works "
                      "without them.")
    return None, None


def diagnose(machine: Machine, opencl: OpenCLFindings, qt: QtFindings) -> Diagnosis:
    """Everything that is wrong or different on this machine, each with what to do."""
    diagnosis = Diagnosis()
    problem = python_problem(machine)
    if problem:
        diagnosis.problems.append(problem)
    if opencl.chosen is None:
        diagnosis.opencl = no_opencl_advice(machine, opencl.error)
    else:
        note = fp64_note(opencl.chosen, machine)
        if note:
            diagnosis.notes.append(note)
    problem, note = qt_advice(machine, qt)
    diagnosis.problems += [problem] if problem else []
    diagnosis.notes += [note] if note else []
    return diagnosis


NO_DEVICE_HELP = no_opencl_advice(Machine.here())


def opencl_device() -> str:
    """Name of the OpenCL device pyclesperanto-prototype uses; NoOpenCLDeviceError with what to do if none."""
    findings = find_opencl()
    if findings.chosen is None:
        raise NoOpenCLDeviceError(no_opencl_advice(Machine.here(), findings.error))
    return findings.chosen.name


@dataclass
class SetupReport:
    python: str
    versions: dict[str, str]
    device: str | None
    device_problem: str | None
    data: dict[str, str] = field(default_factory=dict)
    system: str = ""
    qt: str | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.device is not None and not self.problems
                and all(v != "missing" for v in self.versions.values())
                and all(status == "ok" for status in self.data.values()))

    def __repr__(self) -> str:
        lines = [f"Python {self.python} ({self.system})" if self.system else f"Python {self.python}"]
        lines += [f"  {name:48s} {version}" for name, version in self.versions.items()]
        lines.append(f"OpenCL device: {self.device}" if self.device else f"OpenCL: {self.device_problem}")
        lines.append(f"Qt: {self.qt or 'none'}")
        bad = {path: status for path, status in self.data.items() if status != "ok"}
        lines.append(f"Course data: {len(self.data) - len(bad)} of {len(self.data)} files intact")
        lines += [f"  {status.upper()}: data/{path} (restore with `git checkout -- data/`)"
                  for path, status in bad.items()]
        lines += [f"Problem: {problem}" for problem in self.problems]
        lines += [f"Note: {note}" for note in self.notes]
        lines.append("Ready for the course." if self.ok else "Not ready yet: fix the lines above.")
        return "\n".join(lines)


def check_setup(machine: Machine | None = None, opencl: OpenCLFindings | None = None,
                qt: QtFindings | None = None) -> SetupReport:
    """The setup report for this machine (or for the facts given, which tests use)."""
    machine = machine or Machine.here()
    opencl = opencl or find_opencl()
    qt = qt or find_qt(machine)
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "missing"
    diagnosis = diagnose(machine, opencl, qt)
    return SetupReport(python="{}.{}".format(*machine.python[:2]), versions=versions,
                       device=opencl.chosen.name if opencl.chosen else None, device_problem=diagnosis.opencl,
                       data=verify_all(), system=f"{machine.os_name} {machine.arch}", qt=qt.binding,
                       problems=diagnosis.problems, notes=diagnosis.notes)
