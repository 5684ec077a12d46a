"""Lesson 14 (object-wise metrics): every number it states, and its exercises' right and wrong answers."""
import inspect
import json
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage.draw import disk
from skimage.segmentation import relabel_sequential

import segcourse
from segcourse import metrics
from segcourse.lessons import object_wise_metrics as exercises

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "14_object_wise_metrics.ipynb"

# importing nsbatwm imports napari, whose npe2 plugin manifests use deprecated pydantic features: not ours
pytestmark = pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince20")


def draw_disks(disks, shape=(110, 150)):
    image = np.zeros(shape, dtype=np.uint8)
    for object_id, (row, column, radius) in enumerate(disks, start=1):
        image[disk((row, column), radius, shape=shape)] = object_id
    return image


def example_1():
    reference = draw_disks([(row, column, 10) for row in (25, 55, 85) for column in (25, 55, 85)])
    found = [(26, 26, 10), (25, 57, 9), (24, 85, 11), (55, 24, 10)]
    return reference, draw_disks(found + [(55, 55, 5), (55, 125, 8)])


def example_2():
    reference = draw_disks([(30, 30, 12), (30, 80, 12), (80, 30, 12), (80, 80, 12)])
    prediction = draw_disks([(31, 31, 12), (29, 79, 11), (80, 30, 12), (55, 125, 8)])
    prediction[(prediction == 3) & (np.indices(prediction.shape)[1] < 26)] = 5
    return reference, prediction


def workflow(image):
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    return nsbatwm.voronoi_otsu_labeling(nsbatwm.white_tophat(image, radius=10), spot_sigma=5, outline_sigma=1)


@pytest.fixture(scope="module")
def ground_truth():
    return segcourse.load("bbbc039_ground_truth")


# ------------------------------------------------------------------------------- numbers the lesson states

def test_spoiled_versions(ground_truth):
    spoiled = exercises.spoiled_versions(ground_truth)
    table = {name: (len(np.unique(labels)) - 1, f"{metrics.jaccard_index(ground_truth, labels):.3f}",
                    f"{metrics.dice_index(ground_truth, labels):.3f}") for name, labels in spoiled.items()}
    assert table == {"too large": (110, "0.713", "0.832"), "too small": (108, "0.643", "0.783"),
                     "over-segmented": (440, "1.000", "1.000"), "under-segmented": (68, "1.000", "1.000")}
    # what the text says they are
    assert np.array_equal(spoiled["over-segmented"] > 0, ground_truth > 0)
    assert np.array_equal(spoiled["under-segmented"] > 0, ground_truth > 0)
    assert metrics.object_counts(ground_truth, spoiled["over-segmented"]) == (0, 440, 110)
    grown = (spoiled["too large"] > 0) & (ground_truth == 0)
    assert ndi.distance_transform_edt(ground_truth == 0)[grown].max() <= 3
    from skimage.segmentation import find_boundaries
    survivors = np.isin(ground_truth, np.unique(spoiled["too small"])[1:])
    shrunk = survivors & (spoiled["too small"] == 0)       # the outline pixel and up to 2 more: "about 3 pixels"
    outside_or_outline = np.pad(find_boundaries(ground_truth), 1, constant_values=True)
    assert ndi.distance_transform_edt(~outside_or_outline)[1:-1, 1:-1][shrunk].max() == 2


def test_going_further_shows_the_code_of_spoiled_versions():
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    block = next("".join(c["source"]) for c in cells if "how the spoiled versions are built" in "".join(c["source"]))
    shown = re.search(r"```python\n(.*?)\n```", block, re.S).group(1)
    assert shown == inspect.getsource(exercises.spoiled_versions).strip()


def test_example_1_is_the_lectures_first():
    reference, prediction = example_1()
    assert [(r, p, f"{iou:.2f}") for r, p, iou in metrics.match_objects(reference, prediction)] == [
        (1, 1, "0.83"), (2, 2, "0.73"), (3, 3, "0.82"), (4, 4, "0.88")]
    assert metrics.object_counts(reference, prediction, threshold=0.5) == (4, 2, 5)     # TP 4, FP 2, FN 5
    assert f"{4 / 6:.1%}" == "66.7%" and f"{4 / 9:.1%}" == "44.4%"
    assert metrics.object_precision(reference, prediction) == pytest.approx(4 / 6)
    assert metrics.object_recall(reference, prediction) == pytest.approx(4 / 9)
    middle_iou = metrics.iou_table(reference, prediction).iou[4, 4]                     # "an IoU of 0.23"
    assert f"{middle_iou:.2f}" == "0.23"
    assert np.sum(prediction == 5) / np.sum(reference == 5) == pytest.approx(0.25, abs=0.03)  # "a quarter"


def test_example_2_is_the_lectures_second():
    reference, prediction = example_2()
    assert metrics.object_counts(reference, prediction, threshold=0.5) == (3, 2, 1)     # TP 3, FP 2, FN 1
    assert (exercises.EXAMPLE_TP, exercises.EXAMPLE_FP, exercises.EXAMPLE_FN) == (3, 2, 1)
    assert metrics.object_precision(reference, prediction) == pytest.approx(0.6)        # the slide says 75 %
    assert metrics.object_recall(reference, prediction) == pytest.approx(0.75)          # the slide says 60 %
    assert metrics.precision(reference, prediction) == exercises.EXAMPLE_PIXEL_PRECISION
    assert np.sum(prediction == 5) / np.sum(reference == 3) == pytest.approx(0.25, abs=0.03)  # "one quarter"
    # the cut changes no foreground pixel of the uncut prediction
    uncut = draw_disks([(31, 31, 12), (29, 79, 11), (80, 30, 12), (55, 125, 8)])
    assert np.array_equal(uncut > 0, prediction > 0)


@pytest.fixture(scope="module")
def bbbc039_labels():
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    return nsbatwm.voronoi_otsu_labeling(segcourse.load("bbbc039_nuclei"), spot_sigma=5, outline_sigma=1)


def test_precision_and_recall_over_iou_thresholds(ground_truth, bbbc039_labels):
    table = [metrics.object_counts(ground_truth, bbbc039_labels, threshold=t)
             for t in [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]]
    assert table == [(92, 5, 18), (91, 6, 19), (88, 9, 22), (87, 10, 23), (85, 12, 25), (84, 13, 26),
                     (78, 19, 32), (66, 31, 44), (50, 47, 60), (21, 76, 89)]
    precision = [tp / (tp + fp) for tp, fp, fn in table]
    assert f"{precision[0]:.3f}" == "0.948" and f"{precision[-1]:.3f}" == "0.216"
    # "up to 0.75 they fall slowly, above 0.8 fast"
    assert precision[0] - precision[5] < 0.1 and precision[6] - precision[-1] > 0.5


def test_white_tophat_is_image_minus_its_opening():
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    image = segcourse.load("bbbc007/17P1_POS0013_D_1UL")
    background_removed = np.asarray(nsbatwm.white_tophat(image, radius=10))
    opening = ndi.grey_opening(image.astype(float), size=21)                  # a 21 x 21 square
    assert np.allclose(background_removed, image - opening)
    assert np.allclose(opening, ndi.grey_dilation(ndi.grey_erosion(image.astype(float), size=21), size=21))
    assert (image - background_removed)[40].max() <= 21                       # "dark already", row 40


def test_sparse_jaccard_is_the_lectures_number():
    import napari_segment_blobs_and_things_with_membranes  # noqa: F401 (napari before the game's Qt)
    from the_segmentation_game import metrics as game_metrics
    annotation = segcourse.load("bbbc007_annotation/17P1_POS0013_D_1UL")
    labels = workflow(segcourse.load("bbbc007/17P1_POS0013_D_1UL"))
    assert annotation.max() == 8 and len(np.unique(annotation)) - 1 == 8 and labels.max() == 44
    assert game_metrics.jaccard_index_sparse(annotation, labels) == 0.8357392602053431
    assert metrics.sparse_jaccard(annotation, labels) == 0.8357392602053431


def test_label_gap_pitfall():
    import napari_segment_blobs_and_things_with_membranes  # noqa: F401
    from the_segmentation_game import metrics as game_metrics
    annotation = segcourse.load("bbbc007_annotation/A9_p7d")
    assert np.unique(annotation).tolist() == [0, 1, 2, 3, 5, 6, 7, 8, 9]
    labels = workflow(segcourse.load("bbbc007/A9_p7d"))
    stored = game_metrics.jaccard_index_sparse(annotation, labels)
    sequential = game_metrics.jaccard_index_sparse(relabel_sequential(annotation)[0], labels)
    assert (f"{stored:.4f}", f"{sequential:.4f}") == ("0.7066", "0.7949")
    assert stored == pytest.approx(sequential * 8 / 9)
    assert metrics.sparse_jaccard(annotation, labels) == pytest.approx(sequential)


# ------------------------------------------------------------------------------------------------ exercises

def test_predict_split():
    check = exercises.predict_split.check
    assert check("b") and check(" (B) ")
    assert "does not look at objects" in check("a").message
    assert "object-wise metric" in check("c").message
    assert "as text" in check(1.0).message


def test_example_precision():
    from stackview._static_view import StackViewNDArray
    check = exercises.example_precision.check
    assert check(np.array(0.6).view(StackViewNDArray))        # a 0-d result of a stackview array's method
    assert check(0.6) and check(3 / 5) and check(np.float64(0.6)) and check(0.60)
    assert "percentage" in check(60).message
    assert "recall" in check(0.75).message and "recall" in check(3 / 4).message
    assert "pixel-wise" in check(exercises.EXAMPLE_PIXEL_PRECISION).message and "pixel-wise" in check(0.84).message
    assert "both pieces" in check(0.8).message
    assert "matched pairs" in check(3).message
    assert "Not the object-wise precision" in check(0.5).message


def test_solutions_are_correct():
    namespace = {"guess": None}
    exec(exercises.predict_split.solution_text, namespace)
    assert exercises.predict_split.check(namespace["guess"]).correct
    reference_2, prediction_2 = example_2()
    namespace = {"metrics": metrics, "reference_2": reference_2, "prediction_2": prediction_2}
    exec(exercises.example_precision.solution_text, namespace)
    assert exercises.example_precision.check(namespace["precision"]).correct
