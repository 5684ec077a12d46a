import os
import tempfile

import pytest


def pytest_configure(config):
    # Lessons write to a per-user output folder; during tests that is a temporary one.
    # Set here, before nbval starts any kernel, so that the notebook kernels inherit it.
    os.environ.setdefault("SEGCOURSE_OUTPUT", tempfile.mkdtemp(prefix="segcourse-test-output-"))


@pytest.fixture
def rng():
    import numpy as np
    return np.random.default_rng(42)
