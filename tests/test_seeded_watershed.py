"""Lesson 07 (seeded watershed): every number the lesson states, and both exercises with right and wrong answers."""
import numpy as np
import pytest
from skimage.filters import gaussian, threshold_otsu, threshold_triangle

import segcourse
from segcourse.lessons import seeded_watershed as lesson

nsbatwm = pytest.importorskip("napari_segment_blobs_and_things_with_membranes")


def count(cells):
    return len(np.unique(cells[cells > 0]))


@pytest.fixture(scope="module")
def neubias():
    tissue = segcourse.load("neubias_membranes_nuclei")
    nuclei = np.asarray(nsbatwm.voronoi_otsu_labeling(tissue[1], spot_sigma=4, outline_sigma=1))
    cells = np.asarray(nsbatwm.seeded_watershed(tissue[0], nuclei))
    return tissue, nuclei, cells


def test_one_cell_per_nucleus(neubias):
    tissue, nuclei, cells = neubias
    assert tissue.shape == (2, 354, 475)
    assert nuclei.max() == 31 and count(cells) == 31
    assert f"{np.count_nonzero(cells) / cells.size:.1%}" == "100.0%"
    assert np.array_equal(np.unique(cells), np.arange(1, 32))  # each cell keeps its nucleus's id


def test_blurring_the_membranes(neubias):
    tissue, nuclei, cells = neubias
    smooth = np.asarray(nsbatwm.seeded_watershed(gaussian(tissue[0], sigma=1, preserve_range=True), nuclei))
    assert count(smooth) == 31
    assert np.count_nonzero(smooth != cells) == 4201


def test_bbbc022_background_and_mask():
    image = segcourse.load("bbbc022")
    arrays = lesson.bbbc022()
    nuclei = np.asarray(nsbatwm.voronoi_otsu_labeling(image[0], spot_sigma=4, outline_sigma=1))
    blurred = gaussian(image[1], sigma=2, preserve_range=True)
    assert np.array_equal(arrays["nuclei_labels"], nuclei) and np.array_equal(arrays["blurred_cytoplasm"], blurred)
    assert nuclei.max() == 28
    assert round(threshold_triangle(blurred), 1) == 246.5 and round(threshold_otsu(blurred), 1) == 431.1
    results = lesson.bbbc022_results()
    unmasked, masked = results["none", "negated"], results["triangle", "negated"]
    assert unmasked["cells"] == masked["cells"] == 28
    assert f"{unmasked['coverage']:.1%}" == "100.0%" and f"{masked['coverage']:.1%}" == "31.2%"
    assert round(unmasked["mean"], 1) == 9804.5 and round(masked["mean"], 1) == 3060.2
    # the histogram's story: the background peak lies below the triangle threshold, Otsu's in the tail
    peak = np.argmax(np.bincount(np.round(blurred).astype(int).ravel()))
    assert peak < threshold_triangle(blurred) < threshold_otsu(blurred)


# --- exercise 1 ----------------------------------------------------------------------------------------------
def test_predict_cells():
    exercise = lesson.predict_cells
    assert exercise.check("a").correct and exercise.check(" A ").correct
    assert "never becomes a cell" in exercise.check("b").message
    assert "never merge" in exercise.check("c").message
    assert "one of" in exercise.check("d").message
    assert "as text" in exercise.check(31).message
    namespace = {}
    exec(exercise.solution_text, namespace)
    assert exercise.check(namespace["prediction"]).correct


# --- exercise 2 ----------------------------------------------------------------------------------------------
def test_largest_cell_solution_and_values():
    arrays = lesson.bbbc022()
    namespace = dict(np=np, nsbatwm=nsbatwm, threshold_otsu=threshold_otsu, **arrays)
    exec(lesson.largest_cell.solution_text, namespace)
    assert namespace["largest"] == 2334
    feedback = lesson.largest_cell.check(namespace["largest"])
    assert feedback.correct and "6,082 to 2,334" in feedback.message
    results = lesson.bbbc022_results()
    assert results["triangle", "negated"]["largest"] == 6082
    # the mean depends only on the mask, the largest cell also on the landscape: the minus sign shows
    assert results["otsu", "negated"]["mean"] == results["otsu", "as is"]["mean"]
    assert results["otsu", "as is"]["largest"] == 3452


@pytest.mark.parametrize("answer, words", [
    (3452, "without the minus sign"), (6082, "triangle mask"), (28399, "without the minus sign"),
    (3415, "Li's threshold"), (2258, "raw cytoplasm stain"), (79026, "without any mask"),
    (258755, "without a mask and without the minus"),
    (1155.607142857143, "mean cell area"), (1155.6, "mean cell area"), (1156, "mean cell area"),
    (242168, "background pixels"), (28, "number of cells"), (2000, "not the area of the largest cell"),
    (2336.5, "not the area"), ("2334", "without quotes"),
])
def test_largest_cell_mistakes(answer, words):
    feedback = lesson.largest_cell.check(answer)
    assert not feedback.correct and words in feedback.message, feedback
