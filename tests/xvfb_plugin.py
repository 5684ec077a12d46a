"""pytest plugin: a virtual screen for notebooks that open a napari window, and no hang when a kernel dies.

napari draws its window with Qt and OpenGL, so it needs a screen. A test machine (CI, a server) has none, and
there `napari.Viewer()` kills the Jupyter kernel. This plugin, loaded from the repository's top-level conftest.py
(so it is active for `pytest notebooks/16_napari_annotation.ipynb` alone as well):

- on Linux, when DISPLAY is unset, starts `Xvfb -screen 0 1920x1080x24` on a free display number before any
  notebook kernel starts, sets DISPLAY for the kernels, and stops Xvfb when the session ends;
- if Xvfb is missing (or does not start), skips the notebooks that open a napari viewer with the reason, or fails
  them when SEGCOURSE_REQUIRE_ALL=1 (set by .ci/run);
- makes nbval notice a dead kernel within about a second, instead of waiting for the cell timeout
  (`--nbval-cell-timeout`, 600 s): the cell fails with "the notebook's kernel died";
- gives the napari notebooks a short cell timeout (NAPARI_CELL_TIMEOUT) instead of the suite's 600 s, so that a
  kernel that stops answering (Qt's event loop and the kernel's ZeroMQ sockets share its main thread) fails the
  lesson in about a minute; before nbval interrupts such a kernel, the Python stack of each of its threads is
  printed (faulthandler, on SIGUSR1), so the report shows where it was stuck.
"""
from __future__ import annotations

import os
import select
import signal
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from queue import Empty

import pytest

SCREEN = "1920x1080x24"
STARTUP_TIMEOUT = 30  # seconds for Xvfb to report its display number
NEEDS_DISPLAY = "napari.Viewer("  # a notebook whose source contains this opens a napari window
# Slowest cell of lessons 16 and 17 with empty caches (every OpenCL kernel compiles): 6 s on an idle 2-core machine.
NAPARI_CELL_TIMEOUT = float(os.environ.get("SEGCOURSE_NAPARI_CELL_TIMEOUT", 60))  # seconds
# Run once in a napari notebook's kernel before its first cell: SIGUSR1 then writes every thread's stack to a file.
_STACK_DUMP_CODE = ("import faulthandler, signal\n"
                    "faulthandler.register(signal.SIGUSR1, file=open({path!r}, 'w'), all_threads=True)")

_state: dict = {"process": None, "display": None, "problem": None, "log": None, "stack_files": []}
_needs_display_cache: dict[Path, bool] = {}


def needs_display(path: Path) -> bool:
    """True for a notebook that opens a napari viewer."""
    path = Path(path)
    if path.suffix != ".ipynb":
        return False
    if path not in _needs_display_cache:
        try:
            _needs_display_cache[path] = NEEDS_DISPLAY in path.read_text(encoding="utf-8")
        except OSError:
            _needs_display_cache[path] = False
    return _needs_display_cache[path]


def start_xvfb(screen: str = SCREEN) -> tuple[subprocess.Popen, str, Path]:
    """Start Xvfb on a display number it picks itself (-displayfd: no race with other X servers)."""
    executable = shutil.which("Xvfb")
    if executable is None:
        raise FileNotFoundError("Xvfb is not installed (Debian/Ubuntu: apt-get install xvfb xauth, "
                                "plus the GL/xcb libraries listed in .ci/run)")
    log = Path(tempfile.mkstemp(prefix="segcourse-xvfb-", suffix=".log")[1])
    read_fd, write_fd = os.pipe()
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            [executable, "-displayfd", str(write_fd), "-screen", "0", screen, "-nolisten", "tcp"],
            pass_fds=(write_fd,), stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT)
    os.close(write_fd)
    number = b""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    try:
        while not number.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([read_fd], [], [], max(remaining, 0))
            if not ready:
                raise TimeoutError(f"Xvfb did not report a display within {STARTUP_TIMEOUT} s")
            chunk = os.read(read_fd, 16)
            if not chunk:  # Xvfb exited
                raise RuntimeError(f"Xvfb exited with code {process.wait()}: {log.read_text()[-500:]}")
            number += chunk
    except Exception:
        stop_xvfb(process)
        raise
    finally:
        os.close(read_fd)
    return process, f":{int(number)}", log


def stop_xvfb(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def pytest_configure(config):
    if not sys.platform.startswith("linux") or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return  # a desktop session, xvfb-run, or macOS/Windows (no X server needed)
    try:
        process, display, log = start_xvfb()
    except Exception as error:  # reported per notebook in pytest_runtest_setup
        _state["problem"] = f"no screen for napari: DISPLAY is unset and Xvfb could not start ({error})"
        return
    _state.update(process=process, display=display, log=log)
    os.environ["DISPLAY"] = display  # inherited by the notebook kernels nbval starts later


def pytest_unconfigure(config):
    for stack_file in _state["stack_files"]:
        stack_file.unlink(missing_ok=True)
    _state["stack_files"].clear()
    process = _state.get("process")
    if process is not None:
        stop_xvfb(process)
        if os.environ.get("DISPLAY") == _state["display"]:
            del os.environ["DISPLAY"]
        if _state["log"] is not None:
            _state["log"].unlink(missing_ok=True)
        _state.update(process=None, display=None, log=None)


def pytest_report_header(config):
    if _state["display"]:
        return f"virtual screen: Xvfb on DISPLAY={_state['display']} ({SCREEN})"
    if _state["problem"]:
        return _state["problem"]
    return None


def pytest_runtest_setup(item):
    if _state["problem"] and needs_display(item.path):
        message = f"{_state['problem']}; install it (see .ci/run) or run under xvfb-run"
        if os.environ.get("SEGCOURSE_REQUIRE_ALL") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    kernel = getattr(getattr(item, "parent", None), "kernel", None)
    if kernel is None or not (hasattr(kernel, "get_message") and hasattr(kernel, "is_alive")):
        yield
        return
    _guard_against_dead_kernel(kernel)
    if not needs_display(item.path):
        yield
        return
    _prepare_stack_dump(kernel)
    option = item.config.option
    suite_timeout = getattr(option, "nbval_cell_timeout", None)
    option.nbval_cell_timeout = min(float(suite_timeout or NAPARI_CELL_TIMEOUT), NAPARI_CELL_TIMEOUT)
    try:
        yield
    finally:
        option.nbval_cell_timeout = suite_timeout


def _prepare_stack_dump(kernel) -> None:
    """Register faulthandler for SIGUSR1 in the kernel (once), writing to a file this process reads later."""
    if getattr(kernel, "_segcourse_stack_file", None) or not hasattr(kernel, "kc") or os.name != "posix":
        return
    stack_file = Path(tempfile.mkstemp(prefix="segcourse-kernel-stacks-", suffix=".txt")[1])
    msg_id = kernel.kc.execute(_STACK_DUMP_CODE.format(path=str(stack_file)), silent=True, store_history=False)
    _state["stack_files"].append(stack_file)
    kernel.await_reply(msg_id, timeout=30)
    kernel._segcourse_stack_file = stack_file


def _dump_kernel_stacks(kernel) -> str:
    """The Python stack of every thread of a (stuck) kernel, via the faulthandler registered above."""
    stack_file = getattr(kernel, "_segcourse_stack_file", None)
    pid = getattr(getattr(getattr(kernel, "km", None), "provisioner", None), "pid", None)
    if stack_file is None or pid is None:
        return "(no stack dump: faulthandler not registered in this kernel)"
    os.kill(pid, signal.SIGUSR1)
    time.sleep(1.0)
    return stack_file.read_text() or "(the kernel wrote no stack dump within 1 s)"


def _guard_against_dead_kernel(kernel, poll: float = 1.0) -> None:
    """Wrap nbval's RunningKernel.get_message: wait in short slices and stop waiting when the kernel is gone."""
    if getattr(kernel, "_segcourse_guarded", False):
        return
    original = kernel.get_message

    def get_message(stream, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            remaining = poll if deadline is None else min(poll, deadline - time.monotonic())
            try:
                return original(stream, timeout=max(remaining, 0))
            except Empty:
                if not kernel.is_alive():
                    raise RuntimeError("The notebook's kernel died (for napari: is there a working screen? "
                                       "see tests/xvfb_plugin.py)") from None
                if deadline is not None and time.monotonic() >= deadline:
                    if stream == "shell" and getattr(kernel, "_segcourse_stack_file", None):
                        # nbval is about to interrupt the kernel: first show where each thread is
                        print(f"The kernel did not answer within {timeout:g} s. Its threads:\n"
                              + _dump_kernel_stacks(kernel), file=sys.stderr)
                    raise

    kernel.get_message = get_message
    kernel._segcourse_guarded = True
