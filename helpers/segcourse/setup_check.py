"""Is this machine ready for the course? Package versions, OpenCL device, course data."""
from __future__ import annotations

import importlib.metadata
import platform
import sys
from dataclasses import dataclass, field

from .data import verify_all

__all__ = ["check_setup", "opencl_device", "SetupReport", "NoOpenCLDeviceError"]

PACKAGES = ["numpy", "scikit-image", "pyclesperanto-prototype", "pyopencl",
            "napari-segment-blobs-and-things-with-membranes", "napari-process-points-and-surfaces",
            "the-segmentation-game", "stackview", "ipywidgets", "napari"]

NO_DEVICE_HELP = ("No OpenCL device found. On a machine without a GPU, install the CPU driver that the course pins: "
                  "`pip install \"pyopencl[pocl]\"` (it comes with `make lab`), or Debian's `pocl-opencl-icd`. "
                  "Lessons that use pyclesperanto-prototype need it; nsbatwm and scikit-image work without it.")


class NoOpenCLDeviceError(RuntimeError):
    pass


def opencl_device() -> str:
    """Name of the OpenCL device pyclesperanto-prototype uses; NoOpenCLDeviceError with what to install if none."""
    try:
        import pyclesperanto_prototype as cle
        names = cle.available_device_names()
    except Exception as error:  # pyopencl raises LogicError(PLATFORM_NOT_FOUND_KHR) without a driver
        raise NoOpenCLDeviceError(f"{NO_DEVICE_HELP} ({type(error).__name__}: {error})") from None
    if not names:
        raise NoOpenCLDeviceError(NO_DEVICE_HELP)
    return cle.get_device().name


@dataclass
class SetupReport:
    python: str
    versions: dict[str, str]
    device: str | None
    device_problem: str | None
    data: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (self.device is not None and all(v != "missing" for v in self.versions.values())
                and all(status == "ok" for status in self.data.values()))

    def __repr__(self) -> str:
        lines = [f"Python {self.python}"]
        lines += [f"  {name:48s} {version}" for name, version in self.versions.items()]
        if self.device:
            lines.append(f"OpenCL device: {self.device}")
        else:
            lines.append(f"OpenCL: {self.device_problem}")
        bad = {path: status for path, status in self.data.items() if status != "ok"}
        lines.append(f"Course data: {len(self.data) - len(bad)} of {len(self.data)} files intact")
        lines += [f"  {status.upper()}: data/{path} (restore with `git checkout -- data/`)" for path, status in bad.items()]
        lines.append("Ready for the course." if self.ok else "Not ready yet: fix the lines above.")
        return "\n".join(lines)


def check_setup() -> SetupReport:
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "missing"
    try:
        device, problem = opencl_device(), None
    except NoOpenCLDeviceError as error:
        device, problem = None, str(error)
    return SetupReport(python=platform.python_version(), versions=versions, device=device,
                       device_problem=problem, data=verify_all())
