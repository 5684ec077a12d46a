"""Lesson 08 (label post-processing): every number the lesson states, and both exercises with right and wrong
answers."""
import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage.measure import label
from skimage.morphology import disk

import segcourse
from segcourse.lessons import label_post_processing as lesson

nsbatwm = pytest.importorskip("napari_segment_blobs_and_things_with_membranes")
cle = pytest.importorskip("pyclesperanto_prototype")
# pyopencl reports pocl's compiler messages (kernel compilation, not our code) as CompilerWarning
pytestmark = pytest.mark.filterwarnings("ignore::pyopencl.CompilerWarning")


def measure(labels):
    """What the lesson's measure() prints, as numbers."""
    areas = np.bincount(np.asarray(labels).ravel())[1:]
    areas = areas[areas > 0]
    return len(areas), round(float(areas.mean()), 1)


@pytest.fixture(scope="module")
def labels():
    return lesson.lesson_labels()


def test_lesson_labels(labels):
    image = segcourse.load("blobs")
    assert np.array_equal(labels, np.asarray(nsbatwm.voronoi_otsu_labeling(image, spot_sigma=3.5, outline_sigma=1)))
    assert measure(labels) == (66, 333.7)
    assert labels.size == 65024


def test_erode(labels):
    eroded = cle.pull(cle.erode_labels(labels, radius=2))
    assert measure(eroded) == (65, 235.4)
    assert 0.29 < 1 - 235.4 / 333.7 < 0.30  # "drops by almost 30%"
    gone = [i for i in range(1, 67) if not (eroded[labels == i] > 0).any()]
    assert gone == [35] and np.count_nonzero(labels == 35) == 19
    assert np.array_equal(np.unique(labels * (eroded > 0)), np.setdiff1d(np.arange(67), [35]))  # the figure's ids
    # Going further: erosion by hand, with a disk, keeps the same pixels
    minimum = ndi.minimum_filter(labels, footprint=disk(2))
    maximum = ndi.maximum_filter(labels, footprint=disk(2))
    assert np.array_equal(labels * (minimum == maximum) > 0, eroded > 0)


def test_dilate_does_not_merge(labels):
    dilated = cle.pull(cle.dilate_labels(labels, radius=2))
    assert measure(dilated) == (66, 470.6)
    assert np.array_equal(np.unique(dilated), np.unique(labels))  # same ids: the figure's colours match
    binary = labels > 0
    assert label(binary).max() == 61
    assert label(ndi.binary_dilation(binary, disk(2))).max() == 59
    voronoi = cle.pull(cle.extend_labeling_via_voronoi(labels))  # Going further
    assert measure(voronoi) == (66, 985.2) and round(65024 / 66, 1) == 985.2


def test_opening_closing_smoothing(labels):
    binary = labels > 0
    opened = cle.pull(cle.opening_labels(labels, radius=2))
    assert measure(opened) == (65, 356.7)
    assert [i for i in range(1, 67) if not (opened[labels == i] > 0).any()] == [35]  # the same object as erosion
    assert np.count_nonzero((opened > 0) & (labels == 0)) == 1207  # Going further: cle's opening adds pixels
    assert np.count_nonzero((opened == 0) & (labels > 0)) == 48
    assert measure(cle.pull(cle.closing_labels(labels, radius=2))) == (66, 334.1)
    smoothed = cle.pull(cle.smooth_labels(labels, radius=2))
    assert np.array_equal(smoothed > 0, binary)  # the foreground stays the same
    assert measure(smoothed) == (65, 338.9)
    owners = np.unique(smoothed[labels == 35])  # the 19-pixel object went to its neighbours
    assert all(set(np.unique(labels[smoothed == owner])) - {35} for owner in owners)


def test_slider_frames(labels):
    def erode_or_dilate(labels, radius):
        if radius < 0:
            return cle.pull(cle.erode_labels(labels, radius=-radius))
        return cle.pull(cle.dilate_labels(labels, radius=radius))
    assert measure(erode_or_dilate(labels, -2)) == (65, 235.4)
    assert measure(erode_or_dilate(labels, 0)) == (66, 333.7)
    assert measure(erode_or_dilate(labels, 2)) == (66, 470.6)
    assert measure(erode_or_dilate(labels, -6))[0] < measure(erode_or_dilate(labels, -1))[0]


def test_edges(labels):
    without_edges = cle.pull(cle.exclude_labels_on_edges(labels))
    assert measure(without_edges) == (48, 379.6)
    assert round(1 - 333.7 / 379.6, 2) == 0.12  # "pulled it down by 12%"
    assert len(lesson.edge_ids(labels)) == 18
    assert np.array_equal(np.asarray(nsbatwm.remove_labels_on_edges(labels)), without_edges)  # Going further


def test_size_filters(labels):
    assert measure(cle.pull(cle.exclude_small_labels(labels, maximum_size=100))) == (57, 376.8)
    assert measure(cle.pull(cle.exclude_large_labels(labels, minimum_size=600))) == (60, 294.9)


# --- exercise 1 ----------------------------------------------------------------------------------------------
def test_predict_dilation():
    exercise = lesson.predict_dilation
    assert exercise.check("b").correct and exercise.check("(b)").correct
    assert "*binary* image" in exercise.check("a").message
    assert "never cuts" in exercise.check("c").message
    assert "as text" in exercise.check(66).message
    namespace = {}
    exec(exercise.solution_text, namespace)
    assert exercise.check(namespace["prediction"]).correct


# --- exercise 2 ----------------------------------------------------------------------------------------------
def test_edge_mean_area_solution(labels):
    namespace = {"np": np, "labels": labels}
    exec(lesson.edge_mean_area.solution_text, namespace)
    assert round(namespace["edge_mean"], 1) == 211.4
    feedback = lesson.edge_mean_area.check(namespace["edge_mean"])
    assert feedback.correct and "44% smaller" in feedback.message
    areas = lesson.edge_areas()
    assert round(areas["inner"], 1) == 379.6 and round(1 - areas["edge"] / areas["inner"], 2) == 0.44
    # the same objects found another way, from the lesson's cle call
    without_edges = cle.pull(cle.exclude_labels_on_edges(labels))
    removed = np.unique(labels[(labels > 0) & (without_edges == 0)])
    assert lesson.edge_mean_area.check(np.bincount(labels.ravel())[removed].mean()).correct
    assert lesson.edge_mean_area.check(211.4).correct


@pytest.mark.parametrize("answer, words", [
    (379.6, "do NOT touch"), (379.5833333333333, "do NOT touch"), (333.7, "all objects"),
    (2463.4, "background (0)"), (3806, "total area"), (18, "number of objects on the border"),
    (211, "Close"), (250, "not the mean area"), ("211.4", "without quotes"),
])
def test_edge_mean_area_mistakes(answer, words):
    feedback = lesson.edge_mean_area.check(answer)
    assert not feedback.correct and words in feedback.message, feedback
