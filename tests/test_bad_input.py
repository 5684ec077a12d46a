"""What a learner sees when the input is wrong: an error that names the problem and the fix, or a documented result.

One table, one row per case: (case, call, expected error type, expected message fragment). ``call`` takes a
``Situation`` that can set up a damaged data copy or a machine without an OpenCL device. Where the expected error
type is ``None`` the call must succeed and the fragment must appear in ``str(result)`` (a documented result,
e.g. "0 objects" for an all-background label image).
"""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from skimage.measure import label

import segcourse
from segcourse import data
from segcourse.data import DataFileError, UnknownDatasetError
from segcourse.exercises import Exercise
from segcourse.explore import render_png
from segcourse.setup_check import NoOpenCLDeviceError, check_setup, opencl_device

ROOT = Path(__file__).resolve().parents[1]
NO_DEVICE_FIX = 'pip install "pyopencl[pocl]"'


def threshold_labels(image, threshold=100):
    return label(image > threshold)


def blur(image, sigma=1.0):
    from skimage.filters import gaussian
    return gaussian(image, sigma=sigma)


def cle_blur(image, sigma=1.0):
    import pyclesperanto_prototype as cle
    return cle.pull(cle.gaussian_blur(image, sigma_x=sigma, sigma_y=sigma))


BLOBS = segcourse.load("blobs")
SQUARE = np.zeros((8, 8), dtype=np.uint8)
SQUARE[2:6, 2:6] = 1


class Situation:
    """Set-ups some rows need; undone by pytest's monkeypatch after each row."""

    def __init__(self, tmp_path, monkeypatch):
        self.tmp_path, self.monkeypatch = tmp_path, monkeypatch

    def damaged(self, relative: str) -> "Situation":
        """A copy of data/ in which one file has one byte changed; SEGCOURSE_DATA points at it."""
        import shutil
        target = self.tmp_path / "data"
        shutil.copytree(ROOT / "data", target)
        path = target / relative
        content = bytearray(path.read_bytes())
        content[len(content) // 2] ^= 0xFF
        path.write_bytes(bytes(content))
        self.monkeypatch.setenv("SEGCOURSE_DATA", str(target))
        data._expected_checksums.cache_clear()
        return self

    def no_opencl(self) -> "Situation":
        """No OpenCL driver: pyopencl raises LogicError(PLATFORM_NOT_FOUND_KHR), as it does on such a machine."""
        import pyopencl
        import pyclesperanto_prototype as cle

        def no_platforms():
            raise pyopencl.LogicError(pyopencl._cl._ErrorRecord(
                msg="clGetPlatformIDs failed: PLATFORM_NOT_FOUND_KHR",
                code=pyopencl.status_code.PLATFORM_NOT_FOUND_KHR, routine="clGetPlatformIDs"))
        self.monkeypatch.setattr(pyopencl, "get_platforms", no_platforms)
        self.monkeypatch.setattr(cle._tier0._device._current_device, "_instance", None)
        return self

    def output_is_a_file(self) -> "Situation":
        blocker = self.tmp_path / "not-a-folder"
        blocker.write_text("a file where the output folder should be")
        self.monkeypatch.setenv("SEGCOURSE_OUTPUT", str(blocker))
        return self

    @property
    def metrics(self):
        return pytest.importorskip("segcourse.metrics")


def explore(*args, **kwargs):
    return segcourse.explore(*args, **kwargs)


exercise = Exercise("demo.count", checker=lambda answer: (int(answer) == 3, "Count objects, not pixels."),
                    hints=["one", "two"], solution_text="count = labels.max()")

# (case, call, expected error type or None for a documented result, fragment of the message or result)
CASES = [
    # --- data: segcourse.load / describe
    ("unknown dataset name", lambda s: segcourse.load("blob"), UnknownDatasetError, "Known datasets: bbbc007/"),
    ("dataset name in the wrong case", lambda s: segcourse.load("BLOBS"), UnknownDatasetError, "Unknown dataset 'BLOBS'"),
    ("dataset name is not text", lambda s: segcourse.load(None), UnknownDatasetError, "Unknown dataset None"),
    ("dataset name is a list", lambda s: segcourse.describe(["blobs"]), UnknownDatasetError, "Known datasets"),
    ("describe an unknown dataset", lambda s: segcourse.describe("nuclei"), UnknownDatasetError, "Known datasets"),
    ("damaged data file", lambda s: s.damaged("blobs/blobs.tif") and segcourse.load("blobs"),
     DataFileError, "blobs/blobs.tif is damaged"),
    ("damaged data file: the fix", lambda s: s.damaged("blobs/blobs.tif") and segcourse.load("blobs"),
     DataFileError, "git checkout -- data/"),
    ("damaged 3D file", lambda s: s.damaged("NEUBIAS/xyz_8bit__nuclei_autothresh.tif")
     and segcourse.load("neubias_nuclei_3d"), DataFileError, "is damaged"),
    ("damaged file in the setup check", lambda s: s.damaged("blobs/blobs.tif") and repr(check_setup()),
     None, "DAMAGED: data/blobs/blobs.tif (restore with `git checkout -- data/`)"),

    # --- explore: the function, the image
    ("function and image swapped", lambda s: explore(BLOBS, threshold_labels, sliders={"threshold": [1]}),
     TypeError, "did you swap them?"),
    ("dataset name instead of the image", lambda s: explore(threshold_labels, "blobs", sliders={"threshold": [1]}),
     TypeError, "image = segcourse.load('blobs')"),
    ("empty image", lambda s: explore(threshold_labels, np.zeros((0, 0)), sliders={"threshold": [1]}),
     ValueError, "The image is empty (shape (0, 0))"),
    ("1D image", lambda s: explore(threshold_labels, np.arange(5), sliders={"threshold": [1]}),
     ValueError, "this image has 1 dimension(s)"),
    ("4D image (channels or time)", lambda s: explore(threshold_labels, np.zeros((2, 3, 8, 8)),
                                                      sliders={"threshold": [1]}),
     ValueError, "Pass one channel or time point, e.g. image[0]"),
    ("image of objects (wrong dtype)", lambda s: explore(threshold_labels, np.array([[None, 1]]),
                                                         sliders={"threshold": [1]}),
     TypeError, "has dtype object"),
    ("complex image (wrong dtype)", lambda s: explore(threshold_labels, np.ones((4, 4), complex),
                                                      sliders={"threshold": [1]}),
     TypeError, "has dtype complex128"),
    ("NaN in an intensity image: drawn black", lambda s: explore(
        lambda image, factor=1: image * factor, np.array([[np.nan, 1.0], [2.0, 3.0]]), sliders={"factor": [1]},
        kind="intensity").frame(factor=1)[1], None, ""),
    ("bool image", lambda s: explore(threshold_labels, BLOBS > 128, sliders={"threshold": [0]}).frame(threshold=0)[1],
     None, "objects"),

    # --- explore: sliders, kind, z
    ("slider given one value, not a list", lambda s: explore(threshold_labels, BLOBS, sliders={"threshold": 100}),
     TypeError, "Slider 'threshold' needs a list of values"),
    ("slider given a string", lambda s: explore(threshold_labels, BLOBS, sliders={"threshold": "100"}),
     TypeError, "needs a list of values"),
    ("sliders not a dict", lambda s: explore(threshold_labels, BLOBS, sliders=[("threshold", [1])]),
     TypeError, "sliders must be a dict"),
    ("no sliders", lambda s: explore(threshold_labels, BLOBS, sliders={}), ValueError, "at least one slider"),
    ("slider without values", lambda s: explore(threshold_labels, BLOBS, sliders={"threshold": []}),
     ValueError, "Slider 'threshold' has no values"),
    ("slider name the function does not have", lambda s: explore(threshold_labels, BLOBS, sliders={"sigma": [1]}),
     ValueError, "threshold_labels has no parameter 'sigma'"),
    ("fixed name the function does not have", lambda s: explore(threshold_labels, BLOBS, sliders={"threshold": [1]},
                                                                fixed={"spot_sigma": 2}),
     ValueError, "Its parameters after the image: threshold"),
    ("kind misspelt", lambda s: explore(threshold_labels, BLOBS, sliders={"threshold": [1]}, kind="label"),
     ValueError, "kind must be one of 'labels', 'binary', 'intensity'"),
    ("z outside the stack", lambda s: explore(threshold_labels, np.zeros((3, 8, 8)), sliders={"threshold": [1]}, z=7),
     ValueError, "z=7 is outside the stack: it has 3 slices"),
    ("too many slider combinations", lambda s: explore(threshold_labels, BLOBS, sliders={"threshold": range(100)}),
     ValueError, "too many to precompute"),
    ("values() with step 0", lambda s: segcourse.values(0, 1, 0), ValueError, "the step must not be 0"),
    ("values() counting the wrong way", lambda s: segcourse.values(5, 1, 1), ValueError, "cannot step from start"),

    # --- explore: what the function returns
    ("all-background labels: a documented result",
     lambda s: explore(threshold_labels, BLOBS, sliders={"threshold": [255]}).frame(threshold=255)[1],
     None, "0 objects"),
    ("function returns None", lambda s: explore(lambda image, threshold=1: None, BLOBS, sliders={"threshold": [1]}),
     TypeError, "is a `return` missing?"),
    ("function returns a 1D array", lambda s: explore(lambda image, threshold=1: image.ravel(), BLOBS,
                                                      sliders={"threshold": [1]}),
     ValueError, "returned an array of shape (65024,)"),
    ("negative labels", lambda s: explore(lambda image, threshold=1: -label(image > threshold), BLOBS,
                                          sliders={"threshold": [100]}),
     ValueError, "returned negative values for threshold=100"),
    ("float labels (a blurred image drawn as labels)",
     lambda s: explore(blur, BLOBS, sliders={"sigma": [1]}),
     ValueError, "Draw grey values with kind='intensity'"),
    ("NaN labels", lambda s: explore(lambda image, factor=1: np.where(image > 100, np.nan, 0.0), BLOBS,
                                     sliders={"factor": [1]}),
     ValueError, "returned NaN values"),
    ("whole-number float labels are fine", lambda s: explore(
        lambda image, threshold=1: label(image > threshold).astype(float), BLOBS,
        sliders={"threshold": [100]}).frame(threshold=100)[1], None, "65 objects"),
    ("error inside the function names the slider setting",
     lambda s: explore(lambda image, sigma=1: 1 / 0, BLOBS, sliders={"sigma": [2]}),
     ZeroDivisionError, "division by zero"),

    # --- no OpenCL device
    ("no OpenCL device: opencl_device()", lambda s: s.no_opencl() and opencl_device(),
     NoOpenCLDeviceError, NO_DEVICE_FIX),
    ("no OpenCL device: the setup check says what to install",
     lambda s: s.no_opencl() and repr(check_setup()), None, NO_DEVICE_FIX),
    ("no OpenCL device: the setup check is not ready", lambda s: s.no_opencl() and repr(check_setup()),
     None, "Not ready yet: fix the lines above."),
    ("no OpenCL device: a slider over a cle function",
     lambda s: s.no_opencl() and explore(cle_blur, BLOBS, sliders={"sigma": [1]}), NoOpenCLDeviceError, NO_DEVICE_FIX),

    # --- output folder
    ("output folder cannot be created", lambda s: s.output_is_a_file() and segcourse.output_dir("03_gauss_otsu"),
     NotADirectoryError, "Set SEGCOURSE_OUTPUT to a folder you can write to"),

    # --- exercises
    ("exercise not attempted", lambda s: exercise.check(None), None, "Your turn: replace `None`"),
    ("exercise answer of the wrong type", lambda s: exercise.check("three"), None,
     "Your answer could not be checked (ValueError"),
    ("exercise answer wrong", lambda s: exercise.check(64), None, "Not quite: Count objects, not pixels."),
    ("hint level out of range is clamped", lambda s: exercise.hint(level=99), None, "Hint 2 of 2: two"),
    ("hint level 0 is clamped", lambda s: exercise.hint(level=0), None, "Hint 1 of 2: one"),

    # --- metrics (segcourse.metrics; rows are skipped while it does not exist)
    ("metrics: mismatched shapes", lambda s: s.metrics.jaccard_index(SQUARE, SQUARE[:6]),
     ValueError, "reference has shape (8, 8) but prediction has shape (6, 8)"),
    ("metrics: float labels", lambda s: s.metrics.jaccard_index(SQUARE, SQUARE * 1.0),
     ValueError, "holds floating-point values"),
    ("metrics: NaN", lambda s: s.metrics.dice_index(SQUARE, np.where(SQUARE > 0, np.nan, 0)),
     ValueError, "contains NaN values"),
    ("metrics: negative labels", lambda s: s.metrics.jaccard_index(SQUARE, -SQUARE.astype(int)),
     ValueError, "contains negative ids"),
    ("metrics: wrong number of dimensions", lambda s: s.metrics.jaccard_index(SQUARE[None, None], SQUARE[None, None]),
     ValueError, "must be a 2D or 3D image"),
    ("metrics: all background in both", lambda s: s.metrics.jaccard_index(0 * SQUARE, 0 * SQUARE), None, "1.0"),
    ("metrics: recall of an empty reference", lambda s: s.metrics.recall(0 * SQUARE, SQUARE),
     ValueError, "Recall is undefined: the reference has no foreground"),
    ("metrics: sparse Jaccard without annotations", lambda s: s.metrics.sparse_jaccard(0 * SQUARE, SQUARE),
     ValueError, "Annotate at least one object"),
    ("metrics: IoU threshold out of range", lambda s: s.metrics.object_counts(SQUARE, SQUARE, threshold=0),
     ValueError, "threshold must be an IoU in (0, 1]"),
    ("metrics: wrong spacing", lambda s: s.metrics.hausdorff_distance(SQUARE, SQUARE, spacing=(1,)),
     ValueError, "one positive voxel size per axis"),
]


@pytest.mark.parametrize("case, call, error, fragment", CASES, ids=[row[0] for row in CASES])
def test_bad_input(case, call, error, fragment, tmp_path, monkeypatch):
    situation = Situation(tmp_path, monkeypatch)
    try:
        if error is None:
            result = call(situation)
            assert fragment in str(result), f"{case}: {fragment!r} not in {str(result)!r}"
        else:
            with pytest.raises(error) as raised:
                call(situation)
            message = str(raised.value) + "".join(getattr(raised.value, "__notes__", []))
            assert fragment in message, f"{case}: {fragment!r} not in {message!r}"
    finally:
        data._expected_checksums.cache_clear()


def test_errors_inside_a_slider_function_name_the_setting():
    with pytest.raises(ZeroDivisionError) as raised:
        explore(lambda image, sigma=1: 1 / 0, BLOBS, sliders={"sigma": [2]}, title="broken")
    assert raised.value.__notes__ == ["(in explore(): while computing broken with sigma=2)"]


def test_nan_pixels_are_drawn_black_without_warnings():
    import warnings
    from io import BytesIO
    from PIL import Image
    image = np.array([[np.nan, 1.0], [2.0, np.inf]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = render_png(image, "intensity", min_width=2)
    pixels = np.asarray(Image.open(BytesIO(png)))[..., 0]
    assert pixels.tolist() == [[0, 0], [255, 0]]


def test_setup_check_without_any_opencl_driver_says_what_to_install():
    """The real failure, not a simulation: pyopencl's ICD loader pointed at a folder that does not exist."""
    env = dict(os.environ, OCL_ICD_VENDORS=str(ROOT / "no-such-opencl-vendors-folder"))
    code = "from segcourse.setup_check import check_setup; print(repr(check_setup()))"
    process = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert process.returncode == 0, process.stderr
    assert "PLATFORM_NOT_FOUND_KHR" in process.stdout, "the simulated machine still found an OpenCL device"
    assert NO_DEVICE_FIX in process.stdout and "Not ready yet" in process.stdout
