"""The one pin file installs on every learner's laptop: Linux, macOS and Windows, every Python the project declares.

1. Resolution (needs PyPI): uv resolves requirements.txt for each supported platform and each Python in
   pyproject's requires-python (the lowest patch release of each minor version, where python_full_version markers
   bite), from wheels only (vedo 2023.4.4 is a pure-Python sdist, allowed). A gap fails with the package and the
   platform. The resolved set must equal the pins whose markers hold there: no package is missing a pin.
   Offline (PyPI unreachable) these tests skip with the reason; in CI (SEGCOURSE_REQUIRE_ALL=1) they fail.
2. Markers (offline): each platform gets the OpenCL driver, Qt and server pieces tools/requirements.in says.
3. course.py's platform-specific set-up (Windows: Intel's OpenCL runtime for the course kernel), with made-up
   environment folders.

Supported: Linux x86_64 with glibc 2.28 or newer, macOS 12 or newer (arm64 and x86_64), Windows x86-64. Linux
aarch64 resolves too (glibc 2.39, PyQt6 6.11), but PyPI has no OpenCL CPU driver for it: the learner installs the
distribution's pocl (`sudo apt install pocl-opencl-icd`).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements.txt"
REQUIRE_ALL = os.environ.get("SEGCOURSE_REQUIRE_ALL") == "1"
sys.path.insert(0, str(ROOT))
import course  # noqa: E402  (standard library only)

# uv's --python-platform target -> (name in messages, marker values)
PLATFORMS = {
    "x86_64-manylinux_2_28": ("Linux x86_64 (glibc 2.28)", "linux", "Linux", "posix", "x86_64"),
    "aarch64-manylinux_2_39": ("Linux aarch64 (glibc 2.39)", "linux", "Linux", "posix", "aarch64"),
    "x86_64-apple-darwin": ("macOS 12 x86_64", "darwin", "Darwin", "posix", "x86_64"),
    "aarch64-apple-darwin": ("macOS 12 arm64", "darwin", "Darwin", "posix", "arm64"),
    "x86_64-pc-windows-msvc": ("Windows x86-64", "win32", "Windows", "nt", "AMD64"),
}
MACOS = "12.0"  # oldest macOS the wheels (and Qt 6.9's binaries, LC_BUILD_VERSION minos 12.0) support


def declared_pythons() -> list[str]:
    """The lowest patch release of every Python minor version pyproject's requires-python allows."""
    spec = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
    return [f"3.{minor}.0" for minor in range(6, 30) if spec.contains(f"3.{minor}.0") or spec.contains(f"3.{minor}.5")]


PYTHONS = declared_pythons()
MATRIX = [(target, python) for target in PLATFORMS for python in PYTHONS]


def marker_environment(target: str, python: str) -> dict[str, str]:
    _, sys_platform, system, os_name, machine = PLATFORMS[target]
    return {"implementation_name": "cpython", "platform_python_implementation": "CPython",
            "implementation_version": python, "os_name": os_name, "sys_platform": sys_platform,
            "platform_system": system, "platform_machine": machine, "platform_release": "", "platform_version": "",
            "python_version": ".".join(python.split(".")[:2]), "python_full_version": python}


def requirement_lines() -> list[str]:
    return [line.strip() for line in REQUIREMENTS.read_text().splitlines() if line.strip() and not line.startswith("#")]


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins_for(target: str, python: str) -> dict[str, str]:
    """{package: version} of the pins whose markers hold on that platform and Python."""
    chosen: dict[str, str] = {}
    environment = marker_environment(target, python)
    for line in requirement_lines():
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            name = normal(requirement.name)
            assert name not in chosen, f"{name} is pinned twice for {PLATFORMS[target][0]}, Python {python}"
            chosen[name] = str(requirement.specifier).removeprefix("==")
    return chosen


# --- 1. resolution with uv, wheels only

def skip_or_fail(reason: str):
    if REQUIRE_ALL:
        pytest.fail(reason + " [SEGCOURSE_REQUIRE_ALL=1]", pytrace=False)
    pytest.skip(reason)


def resolve(target: str, python: str, folder: Path) -> dict:
    """uv pip compile for one platform and Python: {"pins": {...}} or {"error": text}, plus "seconds"."""
    output = folder / f"{target}-{python}.txt"
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="never", MACOSX_DEPLOYMENT_TARGET=MACOS, UV_NO_PROGRESS="1")
    # --python: the interpreter that builds vedo's sdist metadata (pure Python, the same for every target)
    command = [sys.executable, "-m", "uv", "pip", "compile", str(REQUIREMENTS), "--python", sys.executable,
               "--python-platform", target, "--python-version", python, "--only-binary", ":all:",
               "--no-binary", "vedo", "--no-header", "--no-annotate", "--quiet", "-o", str(output)]
    start = time.perf_counter()
    process = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    seconds = time.perf_counter() - start
    if process.returncode:
        return {"error": process.stderr.strip(), "seconds": seconds}
    pins = {}
    for line in output.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line.split(";")[0].strip())
            pins[normal(requirement.name)] = str(requirement.specifier).removeprefix("==")
    return {"pins": pins, "seconds": seconds}


@pytest.fixture(scope="module")
def resolutions(tmp_path_factory):
    """Every (platform, Python) resolved, four at a time (each takes a few seconds, mostly waiting for PyPI)."""
    # No reachability check from this process: tests/test_offline.py cuts the pytest process off the network for
    # the whole session. uv is a separate program that talks to the registry as an install does; when it cannot
    # reach PyPI, explain() says so and the test skips (fails in CI).
    folder = tmp_path_factory.mktemp("resolutions")
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(MATRIX, pool.map(lambda pair: resolve(*pair, folder), MATRIX)))
    print(f"\nresolved {len(MATRIX)} platform/Python pairs in {time.perf_counter() - start:.1f} s: "
          + ", ".join(f"{t} {p} {r['seconds']:.1f} s" for (t, p), r in results.items()))
    return results


def explain(error: str, target: str, python: str) -> str:
    where = f"{PLATFORMS[target][0]}, Python {python}"
    if re.search(r"error sending request|failed to fetch|dns error|connect|timed out|network was disabled", error,
                 re.I):
        return f"__offline__ uv could not reach PyPI for {where}: {error}"
    match = re.search(r"Because ([A-Za-z0-9_.\-]+)==(\S+) has no (?:usable )?wheels?", error)
    if match:
        return f"{match.group(1)}=={match.group(2)} has no wheel for {where}. uv said: {error}"
    return f"requirements.txt does not resolve for {where}: {error}"


@pytest.mark.parametrize("target,python", MATRIX, ids=[f"{t}-py{p}" for t, p in MATRIX])
def test_pins_install_from_wheels(resolutions, target, python):
    result = resolutions[(target, python)]
    if "error" in result:
        message = explain(result["error"], target, python)
        if message.startswith("__offline__"):
            skip_or_fail(message.removeprefix("__offline__ "))
        pytest.fail(message, pytrace=False)
    wanted = pins_for(target, python)
    resolved = result["pins"]
    unpinned = sorted(set(resolved) - set(wanted))
    assert not unpinned, (f"{PLATFORMS[target][0]}, Python {python} needs {unpinned}, which requirements.txt does "
                          f"not pin there: run `python tools/update_pins.py`")
    assert resolved == wanted


def test_a_gap_names_the_package_and_the_platform():
    """uv's own words (uv 0.13) for a wheel-less pin and for an unreachable index."""
    gap = ("error: No solution found when resolving dependencies\n  cause: Because pocl-binary-distribution==3.0 has "
           "no wheels with a matching platform tag (e.g., `macosx_12_0_arm64`) and you require "
           "pocl-binary-distribution==3.0, we can conclude that your requirements are unsatisfiable.")
    assert explain(gap, MAC_ARM, "3.12.0").startswith(
        "pocl-binary-distribution==3.0 has no wheel for macOS 12 arm64, Python 3.12.0. uv said: error:")
    offline = ("error: Request failed after 3 retries in 3.8s\n  cause: Failed to fetch: "
               "https://pypi.org/simple/napari-time-slicer/\n  cause: error sending request for url")
    assert explain(offline, WINDOWS, "3.11.0").startswith("__offline__ uv could not reach PyPI for Windows x86-64")


def test_the_declared_pythons_are_3_11_and_3_12():
    assert PYTHONS == ["3.11.0", "3.12.0"]


# --- 2. the markers do what tools/requirements.in says

LINUX, LINUX_ARM, MAC_INTEL, MAC_ARM, WINDOWS = PLATFORMS


@pytest.mark.parametrize("python", PYTHONS)
def test_each_platform_gets_its_opencl_driver(python):
    pins = {target: pins_for(target, python) for target in PLATFORMS}
    for target, chosen in pins.items():
        assert "pyopencl" in chosen and "pyclesperanto-prototype" in chosen, target
    # Linux x86_64: pocl's wheel, found by pyopencl with no setting and no root
    assert "pocl-binary-distribution" in pins[LINUX] and "intel-opencl-rt" not in pins[LINUX]
    # Windows: Intel's CPU runtime and what it loads (TBB, TCM, its licence package); no pocl (no Windows wheel)
    assert {"intel-opencl-rt", "tbb", "tcmlib", "intel-cmplr-lic-rt"} <= set(pins[WINDOWS])
    assert "pocl-binary-distribution" not in pins[WINDOWS]
    # macOS: Apple's OpenCL framework, nothing installed; Linux aarch64: no wheel, the distribution's pocl
    for target in (MAC_INTEL, MAC_ARM, LINUX_ARM):
        assert not {"pocl-binary-distribution", "intel-opencl-rt", "tbb"} & set(pins[target]), target


@pytest.mark.parametrize("python", PYTHONS)
def test_qt_6_9_reaches_glibc_2_28_and_linux_arm_gets_6_11(python):
    for target in PLATFORMS:
        chosen = pins_for(target, python)
        if target == LINUX_ARM:
            assert chosen["pyqt6"].startswith("6.11.") and chosen["pyqt6-qt6"].startswith("6.11."), chosen["pyqt6"]
        else:
            assert (chosen["pyqt6"], chosen["pyqt6-qt6"]) == ("6.9.1", "6.9.1"), target


def test_jupyterhub_only_on_linux_and_windows_extras_only_on_windows():
    for target in PLATFORMS:
        chosen = pins_for(target, "3.12.0")
        on_linux = PLATFORMS[target][1] == "linux"
        assert {"jupyterhub", "jupyterhub-idle-culler", "nbgitpuller"} <= set(chosen) if on_linux else \
            not {"jupyterhub", "jupyterhub-idle-culler", "nbgitpuller"} & set(chosen), target
        assert ("pywin32" in chosen) == (target == WINDOWS) and ("appnope" in chosen) == (PLATFORMS[target][1] == "darwin")


def test_soupsieve_for_python_3_11_before_3_11_5_and_argon2_bindings_everywhere():
    assert pins_for(LINUX, "3.11.0")["soupsieve"] == pins_for(LINUX, "3.11.4")["soupsieve"] == "2.10"
    newer = pins_for(LINUX, "3.11.5")["soupsieve"]
    assert newer == pins_for(LINUX, "3.12.0")["soupsieve"] and int(newer.split(".")[0]) >= 4
    assert {pins_for(target, python)["argon2-cffi-bindings"] for target, python in MATRIX} == {"25.1.0"}


def test_every_pin_is_used_somewhere_and_every_package_everywhere_has_one_version():
    used = set()
    for target, python in MATRIX + [(LINUX, "3.11.5"), (LINUX, "3.12.13")]:
        environment = marker_environment(target, python)
        for line in requirement_lines():
            marker = Requirement(line).marker
            if marker is None or marker.evaluate(environment):
                used.add(line)
        pins_for(target, python)  # asserts one version per package
    assert set(requirement_lines()) == used, f"pins no supported platform uses: {set(requirement_lines()) - used}"


def test_requirements_in_markers_survive_into_the_pins():
    """A package tools/requirements.in restricts to some platforms is pinned on exactly those."""
    for line in (ROOT / "tools" / "requirements.in").read_text().splitlines():
        line = line.split("#")[0].strip()
        if ";" not in line:
            continue
        requirement = Requirement(line)
        for target, python in MATRIX:
            wanted = requirement.marker.evaluate(marker_environment(target, python))
            pinned = pins_for(target, python).get(normal(requirement.name))
            if wanted:
                assert pinned is not None and requirement.specifier.contains(pinned, prereleases=True), (line, target)
            elif normal(requirement.name) not in ("pyqt6", "pyqt6-qt6"):  # Qt: one pin or the other applies
                assert pinned is None, (line, target)


# --- 3. course.py on Windows (Intel's OpenCL CPU runtime in the environment)

def fake_windows_environment(folder: Path) -> Path:
    library = folder / "Library"
    (library / "bin").mkdir(parents=True)
    (library / "bin" / "intelocl64.dll").write_bytes(b"MZ")
    (library / "bin" / "cl.cfg").write_bytes(CL_CFG)
    return library


# the end of the wheel's cl.cfg (intel-opencl-rt 2026.2.0, Windows line ends): the TBB path is left empty
CL_CFG = (b"# Intel(R) CPU Runtime for OpenCL(TM) Applications Configuration file\r\n"
          b"#CL_CONFIG_CPU_TBB_NUM_WORKERS = 32\r\nCL_CONFIG_TBB_VERSION = 2023.2.0\r\n"
          b"CL_CONFIG_TBB_DLL_PATH =\r\nCL_CONFIG_CPU_TARGET_ARCH = auto\r\n")


def test_course_kernel_on_windows_points_the_opencl_loader_at_intels_runtime(tmp_path):
    library = fake_windows_environment(tmp_path)
    env = course.kernel_env(tmp_path, windows=True)
    assert env == {"OCL_ICD_FILENAMES": str(library / "bin" / "intelocl64.dll"),
                   "PATH": f"{library / 'bin'};${{PATH}}"}
    assert course.kernel_env(tmp_path, windows=False) == {}
    assert course.kernel_env(tmp_path / "elsewhere", windows=True) == {}  # no runtime (conda without it, a GPU PC)


def test_intels_runtime_is_told_where_tbb_is(tmp_path):
    library = fake_windows_environment(tmp_path)
    assert course.configure_intel_opencl(tmp_path) == [library / "bin" / "cl.cfg"]
    expected = CL_CFG.replace(b"CL_CONFIG_TBB_DLL_PATH =", f"CL_CONFIG_TBB_DLL_PATH = {library / 'bin'}".encode())
    assert (library / "bin" / "cl.cfg").read_bytes() == expected  # that line only, line ends kept
    assert course.configure_intel_opencl(tmp_path) == []  # a second run changes nothing


def test_course_py_finds_a_supported_python_or_says_how_to_get_one(monkeypatch, capsys):
    monkeypatch.setattr(course.sys, "version_info", (3, 13, 1, "final", 0))
    monkeypatch.setattr(course.platform, "python_version", lambda: "3.13.1")
    found = {("python3.12",): None, ("python3.11",): (3, 11)}
    monkeypatch.setattr(course.shutil, "which", lambda name: name)
    monkeypatch.setattr(course.os, "name", "posix")
    monkeypatch.setattr(course, "python_version", lambda command: found.get(tuple(command)))
    assert course.supported_python() == ["python3.11"]
    assert "this is Python 3.13.1; the course uses Python 3.11 (python3.11)" in capsys.readouterr().out
    found.clear()
    monkeypatch.setattr(course.sys, "platform", "darwin")
    with pytest.raises(SystemExit, match=r"The course needs Python 3\.11 or 3\.12; this is Python 3\.13\.1 .* "
                                         r"https://www\.python\.org/downloads/macos/"):
        course.supported_python()
    monkeypatch.setattr(course.os, "name", "nt")
    found[("py", "-3.12")] = (3, 12)
    assert course.supported_python() == ["py", "-3.12"]


def test_python_version_of_a_real_interpreter():
    assert course.python_version([sys.executable]) == tuple(sys.version_info[:2])
    assert course.python_version([str(ROOT / "no-such-python")]) is None


def test_windows_path_length_check_covers_the_deepest_installed_file(tmp_path):
    """course.py stops on Windows before pip fails halfway on a path over 260 characters: its allowance for the
    deepest file below site-packages covers what the pins install (measured in this environment)."""
    import sysconfig
    site = Path(sysconfig.get_path("purelib"))
    deepest = max(len(str(path.relative_to(site))) for path in site.rglob("*") if path.is_file())
    assert deepest <= course.SITE_PACKAGES_DEPTH, f"raise SITE_PACKAGES_DEPTH in course.py to at least {deepest}"
    short = Path("C:/course/.venv")
    assert course.long_path_problem(short, long_paths_enabled=False) is None
    deep = Path("C:/Users/firstname.lastname/Downloads/image-segmentation-course-main/"
                "image-segmentation-course-main/.venv")
    problem = course.long_path_problem(deep, long_paths_enabled=False)
    assert problem.startswith("[course] The course folder's path is too long for Windows:")
    assert "e.g. C:\\course" in problem
    assert course.long_path_problem(deep, long_paths_enabled=True) is None
