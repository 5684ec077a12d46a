"""Lesson 06 (label post-processing): the numbers the lesson states, slider speed, and each exercise."""

import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage.measure import label
from skimage.morphology import disk
from skimage.segmentation import clear_border

import segcourse
from segcourse.lessons import lesson06

nsbatwm = pytest.importorskip("napari_segment_blobs_and_things_with_membranes")
cle = pytest.importorskip("pyclesperanto_prototype")
# pyopencl reports pocl's compiler messages (kernel compilation, not our code) as CompilerWarning
pytestmark = pytest.mark.filterwarnings("ignore::pyopencl.CompilerWarning")


def measure(labels):
    areas = np.bincount(np.asarray(labels).ravel())[1:]
    areas = areas[areas > 0]
    return len(areas), round(float(areas.mean()), 1)


def erode_labels_disk(labels, radius):
    minimum = ndi.minimum_filter(labels, footprint=disk(radius))
    maximum = ndi.maximum_filter(labels, footprint=disk(radius))
    return labels * (minimum == maximum)


def segment_and_resize(image, radius):
    labels = np.asarray(nsbatwm.voronoi_otsu_labeling(image, spot_sigma=3.5, outline_sigma=1))
    if radius < 0:
        return erode_labels_disk(labels, -radius)
    return np.asarray(nsbatwm.expand_labels(labels, distance=radius))


def segment_and_filter_by_size(image, minimum_size, maximum_size):
    labels = np.asarray(nsbatwm.voronoi_otsu_labeling(image, spot_sigma=3.5, outline_sigma=1))
    areas = np.bincount(labels.ravel())
    keep = (areas >= minimum_size) & (areas <= maximum_size)
    keep[0] = False
    return labels * keep[labels]


@pytest.fixture(scope="module")
def labels():
    return lesson06.lesson_labels()


def test_lesson_labels(labels):
    image = segcourse.load("blobs")
    assert np.array_equal(labels, np.asarray(nsbatwm.voronoi_otsu_labeling(image, spot_sigma=3.5, outline_sigma=1)))
    assert measure(labels) == (66, 333.7)


def test_erode(labels):
    eroded = cle.pull(cle.erode_labels(labels, radius=2))
    assert measure(eroded) == (65, 235.4)
    assert np.array_equal(erode_labels_disk(labels, 2) > 0, eroded > 0)


def test_dilate_does_not_merge(labels):
    assert measure(cle.pull(cle.dilate_labels(labels, radius=2))) == (66, 470.6)
    binary = labels > 0
    assert label(binary).max() == 61
    assert label(ndi.binary_dilation(binary, structure=disk(2))).max() == 59
    voronoi = cle.pull(cle.extend_labeling_via_voronoi(labels))
    assert measure(voronoi) == (66, 985.2)
    assert np.count_nonzero(voronoi) == voronoi.size == 65024


def test_opening_closing_smoothing(labels):
    binary = labels > 0
    opened = cle.pull(cle.opening_labels(labels, radius=2))
    assert measure(opened) == (65, 356.7)
    assert np.count_nonzero((opened > 0) & ~binary) == 1207
    assert np.count_nonzero((opened == 0) & binary) == 48
    assert measure(cle.pull(cle.closing_labels(labels, radius=2))) == (66, 334.1)
    smoothed = cle.pull(cle.smooth_labels(labels, radius=2))
    assert np.array_equal(smoothed > 0, binary)
    assert measure(smoothed) == (65, 338.9)


def test_edges(labels):
    without_edges = cle.pull(cle.exclude_labels_on_edges(labels))
    assert measure(without_edges) == (48, 379.6)
    assert np.array_equal(np.asarray(nsbatwm.remove_labels_on_edges(labels)), without_edges)
    assert len(lesson06.edge_ids(labels)) == 18


def test_size_filters(labels):
    assert measure(cle.pull(cle.exclude_small_labels(labels, maximum_size=100))) == (57, 376.8)
    assert measure(cle.pull(cle.exclude_large_labels(labels, minimum_size=600))) == (60, 294.9)
    in_range = cle.pull(cle.exclude_labels_outside_size_range(labels, minimum_size=100, maximum_size=600))
    assert measure(in_range) == (51, 336.2)
    image = segcourse.load("blobs")
    assert measure(segment_and_filter_by_size(image, 100, 600)) == (51, 336.2)  # the slider agrees with cle


# --- exercises ---------------------------------------------------------------------------------------------
def test_clean_labels_exercise(labels):
    exercise = lesson06.clean_labels
    assert exercise.check(None).status == "not attempted"
    cleaned = cle.pull(cle.exclude_small_labels(cle.exclude_labels_on_edges(labels), maximum_size=100))
    assert measure(cleaned) == (46, 392.4)
    feedback = exercise.check(cleaned)
    assert feedback.correct and "46 objects" in repr(feedback)
    # the same objects by other routes are right too
    areas = np.bincount(labels.ravel())
    by_numpy = clear_border(labels) * (areas >= 100)[clear_border(labels)]
    assert exercise.check(by_numpy).correct
    assert exercise.check(np.asarray(nsbatwm.remove_labels_on_edges(
        cle.pull(cle.exclude_small_labels(labels, maximum_size=100))))).correct
    # wrong answers, each with its reason
    assert "nothing was removed" in repr(exercise.check(labels))
    assert "smaller than 100" in repr(exercise.check(cle.pull(cle.exclude_labels_on_edges(labels))))
    assert "touch the image border" in repr(exercise.check(cle.pull(cle.exclude_small_labels(labels, maximum_size=100))))
    assert "lost some of their pixels" in repr(exercise.check(cle.pull(cle.erode_labels(cleaned, radius=1))))
    assert "changed shape" in repr(exercise.check(cle.pull(cle.dilate_labels(cleaned, radius=1))))
    too_much = cle.pull(cle.exclude_large_labels(cleaned, minimum_size=600))
    assert "removed too much" in repr(exercise.check(too_much))
    assert "binary" in repr(exercise.check(cleaned > 0))
    assert "not a number" in repr(exercise.check(46))
    assert "not a tuple" in repr(exercise.check((cleaned, None)))
    assert "shape" in repr(exercise.check(cleaned[:10]))


def test_edge_mean_area_exercise(labels):
    exercise = lesson06.edge_mean_area
    means = lesson06.edge_mean_areas()
    assert round(means["edge"], 1) == 211.4 and round(means["inner"], 1) == 379.6 and means["edge count"] == 18
    namespace = {"np": np, "labels": labels}
    exec(exercise.solution_text, namespace)
    feedback = exercise.check(namespace["edge_mean"])
    assert feedback.correct and "44% smaller" in repr(feedback)
    assert exercise.check(None).status == "not attempted"
    assert "do NOT touch" in repr(exercise.check(379.6))
    assert "all objects" in repr(exercise.check(333.7))
    assert "number of objects on the border" in repr(exercise.check(18))
    assert "one number" in repr(exercise.check(labels))
    assert not exercise.check(250)


def test_solutions_are_in_the_notebook():
    from pathlib import Path
    notebook = (Path(__file__).resolve().parents[1] / "notebooks" / "06_label_post_processing.ipynb").read_text()
    for line in lesson06.clean_labels.solution_text.splitlines() + lesson06.edge_mean_area.solution_text.splitlines():
        assert line in notebook, line
