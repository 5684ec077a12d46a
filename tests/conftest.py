import pytest


@pytest.fixture
def rng():
    import numpy as np
    return np.random.default_rng(42)


@pytest.fixture(autouse=True)
def own_output_folder(tmp_path_factory, monkeypatch):
    """Every test writes lesson outputs and exercise progress to a folder of its own: checks made by one test
    never show up in another test's progress, nor in the start page's saved output that nbval compares."""
    monkeypatch.setenv("SEGCOURSE_OUTPUT", str(tmp_path_factory.mktemp("segcourse-output")))
