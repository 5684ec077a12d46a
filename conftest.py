# Top-level conftest: pytest loads it for any path (tests/ or notebooks/ alone).
# - Lessons write to a per-user output folder; under test that is a temporary one, set before nbval starts any
#   kernel so that the kernels inherit it.
# - nbval's kernels capture what C libraries write, as JupyterLab's kernels do (see below).
# - The napari notebook always gets a screen: the plugin lives in tests/ (not importable as `tests.xvfb_plugin`:
#   site-packages has a `tests` package).
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))
pytest_plugins = ["xvfb_plugin"]


def pytest_configure(config):
    os.environ.setdefault("SEGCOURSE_OUTPUT", tempfile.mkdtemp(prefix="segcourse-test-output-"))


def _kernels_capture_c_output() -> None:
    """Start nbval's kernels without PYTEST_CURRENT_TEST in their environment.

    pytest sets that variable while a test runs, and ipykernel, seeing it, leaves the process's stdout and stderr
    file descriptors alone: what a C library writes (a compiler's warnings, Qt's or Mesa's messages) would reach
    this terminal instead of the cell, and the comparison would never see what a learner sees in JupyterLab.
    tools/execute_notebooks.py starts its kernels the same way, so the saved outputs hold exactly that too."""
    import nbval.kernel

    if getattr(nbval.kernel.RunningKernel.__init__, "segcourse", False):
        return
    original = nbval.kernel.RunningKernel.__init__

    def __init__(self, *args, **kwargs):
        current = os.environ.pop("PYTEST_CURRENT_TEST", None)
        try:
            original(self, *args, **kwargs)
        finally:
            if current is not None:
                os.environ["PYTEST_CURRENT_TEST"] = current

    __init__.segcourse = True
    nbval.kernel.RunningKernel.__init__ = __init__


_kernels_capture_c_output()
