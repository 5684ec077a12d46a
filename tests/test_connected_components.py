"""Lesson 03 (connected components): the lecture's grid, every number the lesson states, and its exercises."""
import numpy as np
import pyclesperanto_prototype as cle
import pytest
from skimage.measure import label
from skimage.segmentation import relabel_sequential

import segcourse
from segcourse.lessons import connected_components as exercises
from segcourse.lessons.connected_components import same_objects

# pocl's OpenCL compiler prints notes while building some of cle's kernels; pyopencl relays them as this warning.
pytestmark = pytest.mark.filterwarnings("ignore::pyopencl.CompilerWarning")

# The lecture's slide "Connected component labelling", typed in: the lesson's `binary` is its foreground.
LECTURE_LABELS = np.array([
    [1, 0, 0, 0, 0, 0, 0],
    [1, 1, 0, 0, 0, 0, 0],
    [1, 1, 1, 0, 0, 0, 0],
    [1, 1, 0, 0, 0, 3, 0],
    [0, 0, 0, 0, 3, 3, 3],
    [0, 0, 0, 3, 3, 3, 3],
    [2, 2, 0, 3, 3, 3, 3],
])
BINARY = (LECTURE_LABELS > 0).astype(np.uint8)
DIAGONAL = np.array([
    [1, 1, 0, 0, 0],
    [1, 1, 0, 0, 0],
    [0, 0, 1, 1, 0],
    [0, 0, 1, 1, 0],
    [0, 0, 0, 0, 1],
], dtype=np.uint8)


@pytest.fixture(scope="module")
def blobs():
    return segcourse.load("blobs")


# ------------------------------------------------------------------------------- the lecture's grid

@pytest.mark.parametrize("function", [cle.connected_components_labeling_box,
                                      cle.connected_components_labeling_diamond])
def test_cle_reproduces_the_lecture_grid_exactly(function):
    labels = cle.pull(function(BINARY))
    assert np.array_equal(labels, LECTURE_LABELS)
    assert labels.max() == 3 and str(labels.max()) == "3"  # pulled: a NumPy integer, printed as 3


def test_areas_with_bincount():
    assert np.array_equal(np.bincount(LECTURE_LABELS.ravel())[1:], [8, 2, 12])


def test_skimage_swaps_ids_2_and_3():
    labels = label(BINARY)
    swapped = np.where(LECTURE_LABELS == 2, 3, np.where(LECTURE_LABELS == 3, 2, LECTURE_LABELS))
    assert np.array_equal(labels, swapped)
    assert (labels[6, 0], labels[3, 5]) == (3, 2) and (LECTURE_LABELS[6, 0], LECTURE_LABELS[3, 5]) == (2, 3)
    assert same_objects(labels, LECTURE_LABELS)
    assert np.array_equal(label(BINARY.T).T, LECTURE_LABELS)  # cle numbers as a column-by-column scan


def test_cle_numbers_in_column_order():
    rng = np.random.default_rng(0)
    for _ in range(5):
        binary = (rng.random((12, 17)) > 0.6).astype(np.uint8)
        box = cle.pull(cle.connected_components_labeling_box(binary))
        diamond = cle.pull(cle.connected_components_labeling_diamond(binary))
        assert np.array_equal(box, label(binary.T, connectivity=2).T)
        assert np.array_equal(diamond, label(binary.T, connectivity=1).T)


def test_same_objects():
    assert same_objects(LECTURE_LABELS, LECTURE_LABELS * 5)
    merged = np.where(LECTURE_LABELS == 2, 1, LECTURE_LABELS)
    assert not same_objects(merged, LECTURE_LABELS) and not same_objects(LECTURE_LABELS, merged)
    grown = LECTURE_LABELS.copy()
    grown[0, 1] = 1
    assert not same_objects(grown, LECTURE_LABELS)
    assert not same_objects(LECTURE_LABELS, LECTURE_LABELS[:6])


# ------------------------------------------------------------------------------- 4 vs 8 connectivity

def test_diagonal_grid_4_vs_8():
    assert np.array_equal(cle.pull(cle.connected_components_labeling_diamond(DIAGONAL)),
                          label(DIAGONAL, connectivity=1))
    assert cle.pull(cle.connected_components_labeling_diamond(DIAGONAL)).max() == 3
    assert cle.pull(cle.connected_components_labeling_box(DIAGONAL)).max() == 1
    assert label(DIAGONAL, connectivity=2).max() == 1 == label(DIAGONAL).max()  # 8 is scikit-image's 2D default


def test_the_neighbourhoods_are_scipys():
    from scipy import ndimage as ndi
    assert np.array_equal(ndi.generate_binary_structure(2, 1), [[0, 1, 0], [1, 1, 1], [0, 1, 0]])
    assert ndi.generate_binary_structure(2, 2).all()


def test_blobs_4_vs_8(blobs):
    assert label(blobs > 120, connectivity=1).max() == 64 == label(blobs > 120, connectivity=2).max()
    high_4, high_8 = label(blobs > 176, connectivity=1), label(blobs > 176, connectivity=2)
    assert (high_4.max(), high_8.max()) == (66, 64)
    close_up = (slice(43, 75), slice(185, 204))
    assert len(np.unique(high_4[close_up])) - 1 == 3 and len(np.unique(high_8[close_up])) - 1 == 1
    (blob,) = np.unique(high_8[close_up])[1:]
    assert len(np.unique(high_4[high_8 == blob])) == 3  # the whole blob is in the close-up


def test_blobs_cle_and_skimage_same_objects_other_ids(blobs):
    cle_labels = cle.pull(cle.connected_components_labeling_box(blobs > 120))
    skimage_labels = label(blobs > 120)
    assert (cle_labels[152, 92], skimage_labels[152, 92]) == (22, 38)
    assert same_objects(cle_labels, skimage_labels)


def test_slider_counts(blobs):
    """The slider's range, 120 to 216: the counts differ between the connectivities only at some thresholds."""
    counts = {t: (label(blobs > t, connectivity=1).max(), label(blobs > t, connectivity=2).max())
              for t in range(120, 217, 8)}
    assert counts[120] == (64, 64) and counts[176] == (66, 64)


# ------------------------------------------------------------------------------- gaps

def test_label_map_with_index_gaps():
    labels = segcourse.load("label_map_with_index_gaps")
    assert labels.max() == 8
    areas = np.bincount(labels.ravel())[1:]
    assert np.array_equal(areas, [293, 252, 0, 700, 0, 0, 0, 204])
    assert list(np.nonzero(areas == 0)[0] + 1) == [3, 5, 6, 7]
    assert len(np.unique(labels)) - 1 == 4
    relabelled, forward_map, inverse_map = relabel_sequential(labels)
    assert np.array_equal(np.unique(relabelled), [0, 1, 2, 3, 4])
    assert np.array_equal(inverse_map[1:], [1, 2, 4, 8])
    assert same_objects(relabelled, labels)
    assert np.array_equal(cle.pull(cle.relabel_sequential(labels)), relabelled)


# ------------------------------------------------------------------------------- exercise 1

def test_exercise_grid():
    grid = exercises.EXERCISE_GRID
    assert (label(grid, connectivity=1).max(), label(grid, connectivity=2).max(), grid.sum()) == (10, 3, 19)
    with pytest.raises(ValueError):
        grid[0, 0] = 5


def test_count_4_connected_right():
    grid = exercises.EXERCISE_GRID
    labels_4 = cle.pull(cle.connected_components_labeling_diamond(grid))
    for answer in [labels_4.max(), label(grid, connectivity=1).max(), 10,
                   cle.connected_components_labeling_diamond(grid).max(),  # a float32 from cle
                   cle.maximum_of_all_pixels(cle.connected_components_labeling_diamond(grid))]:
        assert exercises.count_4_connected.check(answer).correct, answer


@pytest.mark.parametrize("answer, words", [
    (lambda grid: label(grid, connectivity=2).max(), "8-connectivity"),
    (lambda grid: label(grid).max(), "unless you pass `connectivity=1`"),  # scikit-image's default in 2D
    (lambda grid: grid.sum(), "foreground pixels"),
    (lambda grid: len(np.unique(label(grid, connectivity=1))), "background"),
    (lambda grid: label(grid, connectivity=1), "label image, not a number"),
    (lambda grid: cle.connected_components_labeling_diamond(grid), "label image, not a number"),
    (lambda grid: 9, "Not the number"),
])
def test_count_4_connected_mistakes(answer, words):
    feedback = exercises.count_4_connected.check(answer(exercises.EXERCISE_GRID))
    assert not feedback.correct and words in feedback.message, feedback


# ------------------------------------------------------------------------------- exercise 2

@pytest.fixture(scope="module")
def annotation():
    annotation = segcourse.load(exercises.ANNOTATION)
    assert np.array_equal(np.unique(annotation), [0, 1, 2, 4, 5, 6, 7, 8])  # the id 3 is not used
    return annotation


def test_relabel_right(annotation):
    for answer in [relabel_sequential(annotation)[0], cle.relabel_sequential(annotation),
                   cle.pull(cle.relabel_sequential(annotation)), label(annotation > 0)]:
        feedback = exercises.relabel.check(answer)
        assert feedback.correct, feedback


def test_relabel_mistakes(annotation):
    def message(answer):
        feedback = exercises.relabel.check(answer)
        assert not feedback.correct, feedback
        return feedback.message

    assert "three things" in message(relabel_sequential(annotation))
    assert "unchanged" in message(annotation)
    gaps = segcourse.load("label_map_with_index_gaps")
    assert "labels_with_gaps" in message(relabel_sequential(gaps)[0])
    assert "binary image" in message(annotation > 0)
    assert "ids should be 0 to 7" in message((annotation > 0).astype(np.uint8))
    merged = relabel_sequential(annotation)[0]
    merged[merged == 7] = 6
    assert "ids should be 0 to 7" in message(merged)
    moved = relabel_sequential(annotation)[0]
    moved[0, 0] = 1  # a background pixel joins object 1
    assert "objects changed" in message(moved)
    assert "shape" in message(annotation[:100])
