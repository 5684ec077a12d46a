# Top-level conftest: pytest loads it for any path (tests/ or notebooks/ alone).
# - Lessons write to a per-user output folder; under test that is a temporary one, set before nbval starts any
#   kernel so that the kernels inherit it.
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
