"""Lesson 09 (quality metrics): its exercises and the numbers it states."""
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage.draw import disk
from skimage.measure import label
from skimage.segmentation import expand_labels, relabel_sequential

import segcourse
from segcourse import metrics
from segcourse.lessons import lesson09

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "09_quality_metrics.ipynb"

# importing nsbatwm imports napari, whose npe2 plugin manifests use deprecated pydantic features: not ours
pytestmark = pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince20")


def workflow(image):
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    return nsbatwm.voronoi_otsu_labeling(nsbatwm.white_tophat(image, radius=10), spot_sigma=5, outline_sigma=1)


# ------------------------------------------------------------------------------------------------ exercises

def test_not_attempted():
    for exercise in [lesson09.lecture_precision_recall, lesson09.dice_from_jaccard, lesson09.folder_quality]:
        assert exercise.check(None).status == "not attempted"


def test_lecture_precision_recall():
    assert lesson09.lecture_precision_recall.check((0.6, 0.75))
    assert lesson09.lecture_precision_recall.check([3 / 5, 3 / 4])
    swapped = lesson09.lecture_precision_recall.check((0.75, 0.6))
    assert not swapped and "swapped" in repr(swapped)
    percent = lesson09.lecture_precision_recall.check((60, 75))
    assert not percent and "percentages" in repr(percent)
    assert "Expected two numbers" in repr(lesson09.lecture_precision_recall.check(0.6))
    assert "is not it" in repr(lesson09.lecture_precision_recall.check((0.5, 0.5)))


def test_dice_from_jaccard():
    assert lesson09.dice_from_jaccard.check(2 * 0.8 / 1.8)
    wrong_way = lesson09.dice_from_jaccard.check(0.8 / 1.2)
    assert not wrong_way and "wrong way round" in repr(wrong_way)
    assert "never smaller than Jaccard" in repr(lesson09.dice_from_jaccard.check(0.7))
    assert "could not be checked" in repr(lesson09.dice_from_jaccard.check([0.8, 0.9]))


def test_folder_quality_feedback():
    assert lesson09.folder_quality.check(0.7022)
    assert lesson09.folder_quality.check(np.float64(lesson09.BBBC007_MEAN))
    gaps = lesson09.folder_quality.check(0.6738)
    assert not gaps and "gaps" in repr(gaps) and "relabel_sequential" in repr(gaps)
    assert "first image only" in repr(lesson09.folder_quality.check(0.8357))
    assert "one number" in repr(lesson09.folder_quality.check([0.8, 0.7]))
    assert "not the expected mean" in repr(lesson09.folder_quality.check(0.5))


def test_folder_quality_numbers_are_measured():
    import napari_segment_blobs_and_things_with_membranes  # noqa: F401 (import napari before the game's Qt)
    from the_segmentation_game import metrics as game_metrics
    ours, game_stored, game_sequential = [], [], []
    for name in segcourse.bbbc007_names():
        annotation = segcourse.load(f"bbbc007_annotation/{name}")
        labels = workflow(segcourse.load(f"bbbc007/{name}"))
        ours.append(metrics.sparse_jaccard(annotation, labels))
        game_stored.append(game_metrics.jaccard_index_sparse(annotation, labels))
        game_sequential.append(game_metrics.jaccard_index_sparse(relabel_sequential(annotation)[0], labels))
    assert np.mean(ours) == pytest.approx(lesson09.BBBC007_MEAN, abs=1e-12)
    assert np.mean(game_sequential) == pytest.approx(lesson09.BBBC007_MEAN, abs=1e-12)
    assert round(np.mean(ours), 4) == 0.7022                                   # stack-facts.md
    assert np.mean(game_stored) == pytest.approx(lesson09.BBBC007_MEAN_STORED, abs=1e-12)
    assert ours[0] == pytest.approx(lesson09.BBBC007_FIRST, abs=1e-15)
    assert round(min(ours), 2) == 0.46 and round(max(ours), 2) == 0.84       # "range from 0.46 to 0.84"


@pytest.mark.parametrize("exercise, namespace", [
    (lesson09.lecture_precision_recall, {}),
    (lesson09.dice_from_jaccard, {}),
    (lesson09.folder_quality, None),
])
def test_solutions_are_correct(exercise, namespace):
    if namespace is None:
        import napari_segment_blobs_and_things_with_membranes as nsbatwm
        namespace = {"segcourse": segcourse, "nsbatwm": nsbatwm, "metrics": metrics, "np": np}
    exec(exercise.solution_text, namespace)
    assert exercise.check(namespace["answer"]).correct


def test_notebook_dropdowns_show_the_solutions():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    dropdowns = [re.search(r"```python\n(.*?)\n```", cell.source, re.S).group(1)
                 for cell in notebook.cells if cell.cell_type == "markdown" and "{dropdown} Solution" in cell.source]
    expected = [lesson09.lecture_precision_recall, lesson09.dice_from_jaccard, lesson09.folder_quality]
    assert dropdowns == [exercise.solution_text.strip() for exercise in expected]
    for exercise in expected:
        assert exercise.solution_text.strip() in exercise.solution()


# ------------------------------------------------------------------------------- numbers the lesson states

def draw_disks(disks, shape=(110, 150)):
    image = np.zeros(shape, dtype=np.uint8)
    for object_id, (row, column, radius) in enumerate(disks, start=1):
        image[disk((row, column), radius, shape=shape)] = object_id
    return image


def test_tiny_example_counts():
    reference = np.zeros((6, 8), dtype=bool)
    reference[1, 1:4] = reference[2, 1:5] = reference[3, 1:5] = reference[4, 2:4] = True
    prediction = np.zeros((6, 8), dtype=bool)
    prediction[1, 2:5] = prediction[2, 2:6] = prediction[3, 1:6] = prediction[4, 2:5] = True
    assert metrics.confusion_counts(reference, prediction) == (11, 4, 2, 31)
    assert reference.sum() == 13 and prediction.sum() == 15
    assert metrics.jaccard_index(reference, prediction) == pytest.approx(11 / 17)


def test_lecture_example_1():
    reference = draw_disks([(row, column, 10) for row in (25, 55, 85) for column in (25, 55, 85)])
    prediction = draw_disks([(26, 26, 10), (25, 57, 9), (24, 85, 11), (55, 24, 10), (55, 55, 5), (55, 125, 8)])
    assert metrics.object_counts(reference, prediction, threshold=0.5) == (4, 2, 5)   # TP 4, FP 2, FN 5
    assert np.sum(prediction == 5) / np.sum(reference == 5) == pytest.approx(0.25, abs=0.03)  # "a quarter"
    assert metrics.iou_table(reference, prediction).iou[4, 4] < 0.25                        # "IoU below 0.25"
    assert metrics.object_precision(reference, prediction) == pytest.approx(4 / 6)
    assert metrics.object_recall(reference, prediction) == pytest.approx(4 / 9)
    assert f"{4 / 6:.1%}" == "66.7%" and f"{4 / 9:.1%}" == "44.4%"


def test_lecture_example_2():
    reference = draw_disks([(30, 30, 12), (30, 80, 12), (80, 30, 12), (80, 80, 12)])
    prediction = draw_disks([(31, 31, 12), (29, 79, 11), (80, 30, 12), (55, 125, 8)])
    prediction[(prediction == 3) & (np.indices(prediction.shape)[1] < 26)] = 5
    assert np.sum(prediction == 5) / np.sum(reference == 3) == pytest.approx(0.25, abs=0.03)  # "one quarter"
    assert metrics.object_counts(reference, prediction, threshold=0.5) == (3, 2, 1)   # TP 3, FP 2, FN 1
    assert metrics.object_precision(reference, prediction) == pytest.approx(0.6)      # the slide says 75 %
    assert metrics.object_recall(reference, prediction) == pytest.approx(0.75)        # the slide says 60 %


@pytest.fixture(scope="module")
def bbbc039():
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    ground_truth = segcourse.load("bbbc039_ground_truth")
    labels = nsbatwm.voronoi_otsu_labeling(segcourse.load("bbbc039_nuclei"), spot_sigma=5, outline_sigma=1)
    return ground_truth, labels


def test_bbbc039_numbers(bbbc039):
    ground_truth, labels = bbbc039
    assert len(np.unique(ground_truth)) - 1 == 110 and labels.max() == 97
    assert metrics.object_counts(ground_truth, labels, threshold=0.5) == (92, 5, 18)
    assert metrics.precision(ground_truth, labels) > metrics.recall(ground_truth, labels)
    precisions = [metrics.object_precision(ground_truth, labels, t) for t in (0.5, 0.75, 0.8, 0.95)]
    assert precisions[0] == pytest.approx(0.948, abs=5e-4) and precisions[1] == pytest.approx(0.866, abs=5e-4)
    assert precisions[3] < 0.25


def test_spoiled_ground_truths(bbbc039):
    from skimage.segmentation import find_boundaries
    ground_truth, _ = bbbc039
    ids = np.arange(ground_truth.max() + 1)
    centres = np.array([(0, 0)] + ndi.center_of_mass(ground_truth > 0, ground_truth, ids[1:]))
    rows, columns = np.indices(ground_truth.shape)
    quarter = 2 * (rows > centres[ground_truth, 0]) + (columns > centres[ground_truth, 1])
    over_segmented = np.where(ground_truth > 0, 4 * (ground_truth - 1) + quarter + 1, 0)
    under_segmented = label(expand_labels(ground_truth, distance=5) > 0) * (ground_truth > 0)
    too_small = np.where(ndi.binary_erosion(~find_boundaries(ground_truth), iterations=2), ground_truth, 0)
    for spoiled in [over_segmented, under_segmented]:  # pixel-wise blind to splits and merges
        assert metrics.jaccard_index(ground_truth, spoiled) == 1.0
    assert len(np.unique(over_segmented)) - 1 == 440
    assert metrics.object_counts(ground_truth, over_segmented) == (0, 440, 110)
    assert metrics.object_recall(ground_truth, under_segmented) == pytest.approx(0.545, abs=5e-4)
    assert metrics.precision(ground_truth, too_small) == 1.0


def test_platynereis_numbers():
    reference = segcourse.load("platynereis_ground_truth")
    prediction = segcourse.load("platynereis_voronoi_otsu")
    ids = np.unique(reference)
    assert len(ids) - 1 == 36 and reference.max() == 37 and 34 not in ids
    assert metrics.volume_error(reference, prediction) == -1717
    assert metrics.hamming_distance(reference, prediction) == 38047
    assert metrics.classification_error(reference, prediction) == pytest.approx(0.34, abs=0.005)
    assert metrics.youden_index(reference, prediction) == pytest.approx(0.82, abs=0.005)
    assert metrics.hausdorff_distance(reference, prediction) == pytest.approx(np.sqrt(24))      # 4.90
    assert metrics.hausdorff_distance(prediction, reference) == pytest.approx(35.59, abs=0.005)
    assert metrics.simplified_hausdorff_distance(reference, prediction) == pytest.approx(np.sqrt(24))
    assert metrics.mean_contour_distance(reference, prediction) == pytest.approx(0.95, abs=0.005)


def test_label_gap_pitfall():
    import napari_segment_blobs_and_things_with_membranes  # noqa: F401
    from the_segmentation_game import metrics as game_metrics
    annotation = segcourse.load("bbbc007_annotation/A9_p7d")
    labels = workflow(segcourse.load("bbbc007/A9_p7d"))
    stored = game_metrics.jaccard_index_sparse(annotation, labels)
    sequential = game_metrics.jaccard_index_sparse(relabel_sequential(annotation)[0], labels)
    assert (round(stored, 4), round(sequential, 4)) == (0.7066, 0.7949)                  # SOURCES.md
    assert stored == pytest.approx(sequential * 8 / 9)
    assert metrics.sparse_jaccard(annotation, labels) == pytest.approx(sequential)
