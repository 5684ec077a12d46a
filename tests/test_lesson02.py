"""Lesson 02 (connected component labelling): the lecture grid, 4 vs 8 counts, gaps, and each exercise."""
import json
import re
from pathlib import Path

import numpy as np
import pyclesperanto_prototype as cle
import pytest
from skimage.measure import label
from skimage.segmentation import relabel_sequential

import segcourse
from segcourse.lessons import lesson02
from segcourse.lessons.lesson02 import same_objects

# pocl's OpenCL compiler prints notes while building some of cle's kernels; pyopencl relays them as this warning.
pytestmark = pytest.mark.filterwarnings("ignore::pyopencl.CompilerWarning")

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "02_connected_components.ipynb"

# The lecture's slide "Connected component labelling", typed in.
LECTURE_LABELS = np.array([
    [1, 0, 0, 0, 0, 0, 0],
    [1, 1, 0, 0, 0, 0, 0],
    [1, 1, 1, 0, 0, 0, 0],
    [1, 1, 0, 0, 0, 3, 0],
    [0, 0, 0, 0, 3, 3, 3],
    [0, 0, 0, 3, 3, 3, 3],
    [2, 2, 0, 3, 3, 3, 3],
])
LECTURE_BINARY = (LECTURE_LABELS > 0).astype(np.uint8)


# --- the lecture's grid -------------------------------------------------------------------------------------
@pytest.mark.parametrize("function", [cle.connected_components_labeling_box, cle.connected_components_labeling_diamond])
def test_cle_reproduces_the_lecture_grid_exactly(function):
    assert np.array_equal(cle.pull(function(LECTURE_BINARY)), LECTURE_LABELS)


def test_skimage_numbers_the_lecture_grid_in_row_order():
    labels = label(LECTURE_BINARY)
    assert not np.array_equal(labels, LECTURE_LABELS)
    assert np.array_equal(labels, np.where(LECTURE_LABELS == 2, 3, np.where(LECTURE_LABELS == 3, 2, LECTURE_LABELS)))
    assert same_objects(labels, LECTURE_LABELS)


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
    assert not same_objects(merged, LECTURE_LABELS)
    assert not same_objects(LECTURE_LABELS, merged)
    grown = LECTURE_LABELS.copy()
    grown[0, 1] = 1
    assert not same_objects(grown, LECTURE_LABELS)
    assert not same_objects(LECTURE_LABELS, LECTURE_LABELS[:6])


# --- 4 vs 8 connectivity -------------------------------------------------------------------------------------
DIAGONAL = np.array([
    [1, 1, 0, 0, 0],
    [1, 1, 0, 0, 0],
    [0, 0, 1, 1, 0],
    [0, 0, 1, 1, 0],
    [0, 0, 0, 0, 1],
], dtype=np.uint8)


def test_diagonal_grid_4_vs_8():
    assert cle.pull(cle.connected_components_labeling_diamond(DIAGONAL)).max() == 3
    assert cle.pull(cle.connected_components_labeling_box(DIAGONAL)).max() == 1
    assert label(DIAGONAL, connectivity=1).max() == 3
    assert label(DIAGONAL, connectivity=2).max() == 1 == label(DIAGONAL).max()  # 8 is scikit-image's 2D default


@pytest.fixture(scope="module")
def blobs():
    return segcourse.load("blobs")


def test_blobs_otsu_same_count_for_4_and_8(blobs):
    binary = cle.threshold_otsu(blobs)
    assert np.array_equal(cle.pull(binary) > 0, blobs > 120)
    assert cle.maximum_of_all_pixels(cle.connected_components_labeling_diamond(binary)) == 64
    assert cle.maximum_of_all_pixels(cle.connected_components_labeling_box(binary)) == 64
    assert label(blobs > 120, connectivity=1).max() == 64 == label(blobs > 120, connectivity=2).max()


def test_blobs_cle_and_skimage_same_objects_other_ids(blobs):
    cle_labels = cle.pull(cle.connected_components_labeling_box(blobs > 120))
    skimage_labels = label(blobs > 120)
    assert (cle_labels[152, 92], skimage_labels[152, 92]) == (22, 38)
    assert same_objects(cle_labels, skimage_labels)


def test_blobs_high_threshold_4_vs_8_differ(blobs):
    binary = blobs > 176
    high_4, high_8 = label(binary, connectivity=1), label(binary, connectivity=2)
    assert (high_4.max(), high_8.max()) == (66, 64)
    assert cle.maximum_of_all_pixels(cle.connected_components_labeling_diamond(binary)) == 66
    assert cle.maximum_of_all_pixels(cle.connected_components_labeling_box(binary)) == 64
    close_up = (slice(43, 75), slice(185, 204))
    assert np.array_equal(np.unique(high_4[close_up]), [0, 18, 20, 21])
    assert np.array_equal(np.unique(high_8[close_up]), [0, 18])
    pieces_of_18 = np.unique(high_4[high_8 == 18])
    assert np.array_equal(pieces_of_18, [18, 20, 21])  # the whole blob is in the close-up


# --- gaps ---------------------------------------------------------------------------------------------------------
def test_label_map_with_index_gaps():
    labels = segcourse.load("label_map_with_index_gaps")
    assert np.array_equal(np.unique(labels), [0, 1, 2, 4, 8])
    assert labels.max() == 8 and len(np.unique(labels)) - 1 == 4
    relabelled, forward_map, inverse_map = relabel_sequential(labels)
    assert np.array_equal(np.unique(relabelled), [0, 1, 2, 3, 4])
    assert np.array_equal(inverse_map[1:], [1, 2, 4, 8])
    assert same_objects(relabelled, labels)
    relabelled_cle = cle.pull(cle.relabel_sequential(labels))
    assert np.array_equal(relabelled_cle, relabelled)


# --- exercise 1: 4-connected count -----------------------------------------------------------------------------
def test_count_4_connected():
    grid = lesson02.EXERCISE_GRID
    assert lesson02.count_4_connected.check(None).status == "not attempted"
    assert lesson02.count_4_connected.check(int(cle.connected_components_labeling_diamond(grid).max())).correct
    assert lesson02.count_4_connected.check(label(grid, connectivity=1).max()).correct
    assert label(grid, connectivity=1).max() == 10
    eight = lesson02.count_4_connected.check(label(grid, connectivity=2).max())
    assert not eight and "8-connectivity" in repr(eight)
    pixels = lesson02.count_4_connected.check(grid.sum())
    assert not pixels and "foreground pixels" in repr(pixels)
    background = lesson02.count_4_connected.check(11)
    assert not background and "background" in repr(background)
    image = lesson02.count_4_connected.check(label(grid, connectivity=1))
    assert not image and "one number" in repr(image)


def test_exercise_grid_is_read_only():
    with pytest.raises(ValueError):
        lesson02.EXERCISE_GRID[0, 0] = 5


# --- exercise 2: objects with gaps ------------------------------------------------------------------------------
def test_objects_with_gaps():
    labels = segcourse.load("label_map_with_index_gaps")
    assert lesson02.objects_with_gaps.check(len(np.unique(labels)) - 1).correct
    maximum = lesson02.objects_with_gaps.check(labels.max())
    assert not maximum and "largest id" in repr(maximum)
    with_background = lesson02.objects_with_gaps.check(len(np.unique(labels)))
    assert not with_background and "background" in repr(with_background)
    pixels = lesson02.objects_with_gaps.check(np.count_nonzero(labels))
    assert not pixels and "pixels" in repr(pixels)


# --- exercise 3: relabel -------------------------------------------------------------------------------------------
def test_relabel():
    labels = segcourse.load("label_map_with_index_gaps")
    assert lesson02.relabel.check(relabel_sequential(labels)[0]).correct
    assert lesson02.relabel.check(cle.relabel_sequential(labels)).correct
    assert lesson02.relabel.check(cle.pull(cle.relabel_sequential(labels))).correct
    original = lesson02.relabel.check(labels)
    assert not original and "still have gaps" in repr(original)
    whole_tuple = lesson02.relabel.check(relabel_sequential(labels))
    assert not whole_tuple and "three things" in repr(whole_tuple)
    merged = relabel_sequential(labels)[0]
    merged[merged == 4] = 3
    merged_feedback = lesson02.relabel.check(merged)
    assert not merged_feedback and "ids should be 0 to 4" in repr(merged_feedback)
    binary = lesson02.relabel.check(labels > 0)
    assert not binary and "ids should be" in repr(binary)
    shifted = relabel_sequential(labels)[0]
    shifted[0, 0] = 1  # a background pixel joins object 1
    assert "objects changed" in repr(lesson02.relabel.check(shifted))


# --- the book's solution dropdowns say what .solution() says ----------------------------------------------------
def test_dropdowns_match_solutions():
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    markdown = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
    dropdowns = re.findall(r":::\{dropdown\} Solution\n```python\n(.*?)\n```\n:::", markdown, flags=re.S)
    expected = [exercise.solution_text.strip() for exercise in
                (lesson02.count_4_connected, lesson02.objects_with_gaps, lesson02.relabel)]
    assert dropdowns == expected
