"""Lesson 02 (kinds of segmentation): every number it states, and its exercises' right and wrong answers."""
import numpy as np
import pytest
from skimage.filters import gaussian, threshold_li, threshold_otsu, threshold_triangle
from skimage.measure import label

import segcourse
from segcourse.lessons import kinds_of_segmentation as exercises

TINY_IMAGE = np.array([
    [8, 10, 12, 9, 8, 9],
    [10, 60, 72, 11, 9, 10],
    [9, 70, 80, 12, 50, 11],
    [11, 12, 10, 13, 62, 58],
    [9, 10, 11, 10, 12, 10],
])


@pytest.fixture(scope="module")
def image():
    return segcourse.load("blobs")


# ------------------------------------------------------------------------------- numbers the lesson states

def test_tiny_image_has_two_groups():
    values = np.sort(TINY_IMAGE, axis=None)
    dark, bright = values[values <= 13], values[values >= 50]
    assert (len(dark), len(bright)) == (23, 7) and len(dark) + len(bright) == values.size


def test_three_thresholds_on_blobs(image):
    assert threshold_otsu(image) == 120
    assert f"{threshold_li(image):.4g}" == "103.6"
    assert threshold_triangle(image) == 49
    assert exercises.thresholds() == pytest.approx({"Otsu": 120, "Li": threshold_li(image), "triangle": 49})
    stated = {name: f"{fraction:.1%}" for name, fraction in exercises.fractions().items()}
    assert stated == {"Otsu": "34.2%", "Li": "38.4%", "triangle": "64.3%"}


def test_triangle_sits_next_to_the_background_peak(image):
    values, counts = np.unique(image, return_counts=True)
    peak = values[np.argmax(counts)]
    assert peak == 48 and threshold_triangle(image) == peak + 1
    # blobs has a second hump: the bright blob pixels around 200
    assert counts[values == 208][0] > counts[values == 136][0]


def test_triangle_merges_blobs(image):
    assert label(image > 120).max() == 64
    assert label(image > threshold_triangle(image)).max() == 119  # fragments of background, merged blobs
    assert np.count_nonzero(image > threshold_triangle(image)) > 0.6 * image.size


def test_bbbc022_semantic_and_instance():
    cells = segcourse.load("bbbc022")
    assert cells.shape == (3, 395, 695)
    nuclei, cytoplasm = cells[0], cells[1]
    smooth = gaussian(cytoplasm, sigma=2, preserve_range=True)
    semantic = np.zeros(nuclei.shape, dtype=np.uint8)
    semantic[smooth > threshold_li(smooth)] = 1
    semantic[nuclei > threshold_otsu(nuclei)] = 2
    assert np.array_equal(np.unique(semantic), [0, 1, 2])
    assert threshold_li(smooth) < threshold_otsu(smooth)  # Li's is the lower one for the dim cytoplasm
    nuclei_labels = label(semantic == 2)
    assert nuclei_labels.max() == 23 == len(np.unique(nuclei_labels)) - 1


def test_annotations():
    blobs_annotation = segcourse.load("blobs_sparse_labels")
    assert np.array_equal(np.unique(blobs_annotation), np.arange(8))
    ground_truth = segcourse.load("bbbc039_ground_truth")
    assert len(np.unique(ground_truth)) - 1 == 110
    crop = ground_truth[:260, :350]
    assert len(np.unique(crop)) - 1 > 30  # the corner shown is full of nuclei, all annotated


# ------------------------------------------------------------------------------- exercise 1: foreground fraction

def test_foreground_fraction_right(image):
    binary_li = image > threshold_li(image)
    right = np.count_nonzero(binary_li) / binary_li.size
    assert f"{right:.4f}" == "0.3840"
    for answer in [right, np.mean(binary_li), binary_li.mean(), 0.38, 0.384, np.float32(right)]:
        assert exercises.foreground_fraction.check(answer).correct, answer


@pytest.mark.parametrize("answer, words", [
    (lambda image: np.mean(image > threshold_otsu(image)), "Otsu's"),
    (lambda image: np.mean(image > threshold_triangle(image)), "triangle"),
    (lambda image: np.mean(image <= threshold_li(image)), "background"),
    (lambda image: threshold_li(image), "threshold itself"),
    (lambda image: np.count_nonzero(image > threshold_li(image)), "Divide it by the number of all pixels"),
    (lambda image: 100 * np.mean(image > threshold_li(image)), "percentage"),
    (lambda image: 0.4, "Close"),
    (lambda image: 0.37, "Not the fraction"),
    (lambda image: image > threshold_li(image), "binary image of shape (254, 256)"),
    (lambda image: image.ravel(), "65024 values"),
])
def test_foreground_fraction_mistakes(image, answer, words):
    feedback = exercises.foreground_fraction.check(answer(image))
    assert not feedback.correct and words in feedback.message, feedback


# ------------------------------------------------------------------------------- exercise 2: count annotated

def test_count_annotated():
    annotation = segcourse.load(exercises.ANNOTATION)
    ids = np.unique(annotation)
    assert np.array_equal(ids, [0, 1, 2, 3, 5, 6, 7, 8, 9])  # id 4 is not used
    assert exercises.count_annotated.check(len(ids) - 1).correct
    assert exercises.count_annotated.check(np.count_nonzero(ids)).correct
    assert exercises.count_annotated.check(8).correct


@pytest.mark.parametrize("answer, words", [
    (lambda annotation: annotation.max(), "largest id"),
    (lambda annotation: len(np.unique(annotation)), "counting the background 0"),
    (lambda annotation: np.count_nonzero(annotation), "annotated pixels"),
    (lambda annotation: annotation.size, "whole image"),
    (lambda annotation: 7, "Not the number"),
    (lambda annotation: np.unique(annotation), "list of 9 values"),
    (lambda annotation: annotation, "image of shape (340, 340)"),
])
def test_count_annotated_mistakes(answer, words):
    annotation = segcourse.load(exercises.ANNOTATION)
    feedback = exercises.count_annotated.check(answer(annotation))
    assert not feedback.correct and words in feedback.message, feedback
