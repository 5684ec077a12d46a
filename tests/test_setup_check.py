"""The setup check: ready here, and the right advice for each operating system's common failures.

The advice depends only on facts (Machine, OpenCLFindings, QtFindings), so each OS's messages are tested here with
made-up facts; the real machine is tested by the first tests and by tests/test_bad_input.py (no OpenCL driver).
"""
import importlib.metadata
from pathlib import Path

import pytest

from segcourse.setup_check import (Machine, OpenCLDevice, OpenCLFindings, QtFindings, check_setup, diagnose,
                                   find_opencl, find_qt, no_opencl_advice, opencl_device)

LINUX = Machine("Linux", "x86_64", (3, 11, 7), "/home/ana/course/.venv", {"DISPLAY": ":0"})
LINUX_ARM = Machine("Linux", "aarch64", (3, 12, 3), "/home/ana/course/.venv", {"DISPLAY": ":0"})
MAC_ARM = Machine("Darwin", "arm64", (3, 12, 8), "/Users/ana/course/.venv")
MAC_INTEL = Machine("Darwin", "x86_64", (3, 11, 9), "/Users/ana/course/.venv")
POCL = OpenCLDevice("pthread-AMD Ryzen 5 5600U", "Portable Computing Language", True)
APPLE_M1 = OpenCLDevice("Apple M1", "Apple", False)
QT = QtFindings("PyQt6 6.9.1")
NO_PLATFORM = "LogicError: clGetPlatformIDs failed: PLATFORM_NOT_FOUND_KHR"
MAC_VM = "LogicError: clGetDeviceIDs failed: INVALID_VALUE"


def windows(tmp_path, runtime=False, env=None):
    """A Windows machine whose environment is tmp_path, with or without Intel's runtime installed in it."""
    if runtime:
        dll = tmp_path / "Library" / "bin" / "intelocl64.dll"
        dll.parent.mkdir(parents=True)
        dll.write_bytes(b"MZ")
    return Machine("Windows", "AMD64", (3, 12, 10), str(tmp_path), env or {})


def found(device):
    return OpenCLFindings((device,), device, None)


def missing(error=NO_PLATFORM):
    return OpenCLFindings((), None, error)


# --- this machine

def test_setup_is_ready_here():
    report = check_setup()
    assert report.ok, repr(report)
    assert repr(report).endswith("Ready for the course.")


def test_opencl_device_is_found():
    assert opencl_device() == find_opencl().chosen.name


def test_this_machines_facts():
    findings = find_opencl()
    assert findings.error is None and findings.chosen in findings.devices
    assert find_qt(Machine.here()).binding == f"PyQt6 {importlib.metadata.version('PyQt6')}"
    here = Machine.here()
    assert here.python_command == ("py" if here.system == "Windows" else "python3")


# --- no OpenCL device, per operating system

def test_linux_x86_64_without_opencl_points_at_pocl():
    advice = no_opencl_advice(LINUX, NO_PLATFORM)
    assert advice.startswith("No OpenCL device found. The course installs a CPU driver, pocl, from PyPI: run "
                             "`python3 course.py setup` again, or in this environment `pip install \"pyopencl[pocl]\"`.")
    assert "`sudo apt install pocl-opencl-icd` (Debian/Ubuntu)" in advice
    assert f"({NO_PLATFORM})" in advice
    assert advice.endswith("scikit-image and nsbatwm work without it.")


def test_linux_arm_without_opencl_needs_the_distributions_pocl():
    advice = no_opencl_advice(LINUX_ARM)
    assert "PyPI has no CPU driver (pocl) for Linux on aarch64" in advice
    assert "`sudo apt install pocl-opencl-icd` (Debian/Ubuntu) or `sudo dnf install pocl` (Fedora)" in advice
    assert "pip install" not in advice


def test_windows_without_the_runtime_reinstalls_the_pins(tmp_path):
    advice = no_opencl_advice(windows(tmp_path))
    assert "Intel's OpenCL CPU runtime (the intel-opencl-rt package, for Intel and AMD x86-64 processors)" in advice
    assert "run `py course.py setup` again" in advice and "graphics driver" in advice


def test_windows_outside_the_course_kernel_is_told_to_switch_kernel(tmp_path):
    machine = windows(tmp_path, runtime=True)
    advice = no_opencl_advice(machine)
    assert f"Intel's OpenCL CPU runtime is installed ({tmp_path / 'Library' / 'bin' / 'intelocl64.dll'})" in advice
    assert "kernel 'Image segmentation course' (Kernel > Change Kernel...)" in advice
    assert "OCL_ICD_FILENAMES" in advice and "`py course.py jupyter-setup`" in advice


def test_windows_runtime_that_does_not_load(tmp_path):
    runtime = str(tmp_path / "Library" / "bin" / "intelocl64.dll")
    advice = no_opencl_advice(windows(tmp_path, runtime=True, env={"OCL_ICD_FILENAMES": runtime}))
    assert f"although OCL_ICD_FILENAMES points at {runtime}" in advice
    assert "`py course.py setup --force`" in advice and "TBB" in advice and "cl.cfg" in advice


def test_mac_needs_no_driver_and_a_virtual_mac_has_no_device():
    advice = no_opencl_advice(MAC_ARM, MAC_VM)
    assert "macOS has OpenCL built in (Apple's OpenCL framework, which pyopencl uses directly: nothing to install)" in advice
    assert "it runs on the GPU (Apple silicon has no OpenCL CPU device)" in advice
    assert "virtual machine" in advice and f"({MAC_VM})" in advice
    assert "pip install" not in advice and "apt" not in advice
    assert "the processor and the GPU" in no_opencl_advice(MAC_INTEL)


def test_no_opencl_makes_the_report_not_ready(tmp_path):
    for machine in (LINUX, LINUX_ARM, MAC_ARM, windows(tmp_path)):
        report = check_setup(machine, missing(), QT)
        assert not report.ok
        text = repr(report)
        assert f"OpenCL: {no_opencl_advice(machine, NO_PLATFORM)}" in text.splitlines()
        assert text.endswith("Not ready yet: fix the lines above.")


# --- Apple silicon: OpenCL without double precision

def test_apple_silicon_without_double_precision_is_ready_with_a_note():
    report = check_setup(MAC_ARM, found(APPLE_M1), QT)
    assert report.ok and report.device == "Apple M1" and not report.problems
    (note,) = report.notes
    assert note.startswith("Apple M1 computes in single precision only (no cl_khr_fp64), as on every Mac with "
                           "Apple silicon. The lessons run: pyclesperanto-prototype works in float32 anyway")
    assert "differ from the saved outputs in the last digits" in note and "`double`" in note
    assert f"Note: {note}" in repr(report).splitlines()


def test_double_precision_gives_no_note():
    assert diagnose(LINUX, found(POCL), QT).notes == []


# --- Qt and napari's window

def test_no_qt_binding_is_a_problem():
    report = check_setup(LINUX, found(POCL), QtFindings())
    assert not report.ok
    (problem,) = report.problems
    assert problem.startswith("No Qt binding: nsbatwm, nppas and the segmentation game are napari plugins and "
                              "import Qt, so most lessons from 04 on stop at their first cell")
    assert "run `python3 course.py setup` again" in problem
    assert "Qt: none" in repr(report).splitlines()


def test_qt_missing_a_system_library_on_linux_names_the_package():
    qt = QtFindings("PyQt6 6.9.1", error="libEGL.so.1: cannot open shared object file: No such file or directory")
    (problem,) = diagnose(LINUX, found(POCL), qt).problems
    assert "the system library libEGL.so.1 is missing: `sudo apt install libegl1` (Debian/Ubuntu)" in problem
    qt = QtFindings("PyQt6 6.9.1", error="libxkbcommon.so.0: cannot open shared object file: No such file")
    assert "`sudo apt install libxkbcommon0`" in diagnose(LINUX, found(POCL), qt).problems[0]


def test_qt_that_does_not_load_on_windows_is_reinstalled(tmp_path):
    qt = QtFindings("PyQt6 6.9.1", error="DLL load failed while importing QtWidgets")
    (problem,) = diagnose(windows(tmp_path), found(POCL), qt).problems
    assert "DLL load failed while importing QtWidgets" in problem and "`py course.py setup --force`" in problem


def test_linux_without_a_display_gets_a_note_for_the_napari_lessons():
    headless = Machine("Linux", "x86_64", (3, 11, 7), "/srv/course/.venv", {})
    report = check_setup(headless, found(POCL), QT)
    assert report.ok
    (note,) = report.notes
    assert note.startswith("No display (DISPLAY is not set): lessons 16 and 17 open napari's window.")
    assert '`xvfb-run -a -s "-screen 0 1920x1080x24" python3 course.py lab`' in note
    assert "Every other lesson works without a display." in note
    assert diagnose(Machine("Linux", "x86_64", env={"WAYLAND_DISPLAY": "wayland-0"}), found(POCL), QT).notes == []


def test_mac_and_windows_have_a_desktop(tmp_path):
    assert diagnose(MAC_ARM, found(OpenCLDevice("Apple M2", "Apple", True)), QT).notes == []
    assert diagnose(windows(tmp_path), found(POCL), QT).notes == []


def test_missing_x11_libraries_for_napari_window_are_named():
    qt = QtFindings("PyQt6 6.9.1", window_error="libxcb-cursor.so.0: cannot open shared object file: No such file")
    report = check_setup(LINUX, found(POCL), qt)
    assert report.ok
    (note,) = report.notes
    assert note.startswith("napari's window (lessons 16 and 17) needs Qt's X11 libraries and libxcb-cursor.so.0 is "
                           "missing.")
    assert "`sudo apt install libxcb-cursor0 libxkbcommon-x11-0" in note


# --- Python versions

@pytest.mark.parametrize("version", [(3, 10, 12), (3, 13, 1), (3, 14, 0)])
def test_python_outside_3_11_and_3_12_is_a_problem(version, tmp_path):
    for machine, command in [(Machine("Linux", "x86_64", version, "/x", {"DISPLAY": ":0"}), "python3.12 course.py lab"),
                             (Machine("Windows", "AMD64", version, str(tmp_path)), "py -3.12 course.py lab")]:
        report = check_setup(machine, found(POCL), QT)
        assert not report.ok
        (problem,) = report.problems
        assert problem.startswith(f"Python {'.'.join(map(str, version))} is not one the course supports (3.11 or 3.12)")
        assert f"run `{command}`" in problem


@pytest.mark.parametrize("version", [(3, 11, 0), (3, 11, 2), (3, 12, 0), (3, 12, 12)])
def test_python_3_11_and_3_12_are_fine(version):
    machine = Machine("Linux", "x86_64", version, "/x", {"DISPLAY": ":0"})
    report = check_setup(machine, found(POCL), QT)
    assert report.ok and not report.problems
    assert repr(report).splitlines()[0] == f"Python {version[0]}.{version[1]} (Linux x86_64)"


def test_report_lines_for_a_mac():
    lines = repr(check_setup(MAC_ARM, found(OpenCLDevice("Apple M2", "Apple", True)), QT)).splitlines()
    assert lines[0] == "Python 3.12 (macOS arm64)"
    assert "OpenCL device: Apple M2" in lines and "Qt: PyQt6 6.9.1" in lines
    assert lines[-1] == "Ready for the course."


def test_the_lessons_named_for_qt_and_napari_are_the_notebooks_that_use_them():
    """The messages name lesson numbers; they must follow the notebooks when lessons are renumbered."""
    import re
    from segcourse import setup_check
    lessons = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    windows = [p.name[:2] for p in lessons if "napari.Viewer(" in p.read_text()]
    assert len(windows) >= 2
    assert setup_check.NAPARI_WINDOW_LESSONS == f"lessons {', '.join(windows[:-1])} and {windows[-1]}"
    plugins = re.compile(r"napari_segment_blobs_and_things_with_membranes|napari_process_points_and_surfaces|"
                         r"the_segmentation_game|import napari")
    assert next(p.name[:2] for p in lessons if plugins.search(p.read_text())) == setup_check.FIRST_QT_LESSON
