"""Lesson 01 (images and pixels): every number it states, and its exercises' right and wrong answers."""
import numpy as np
import pytest
import tifffile
from skimage.filters import threshold_otsu
from skimage.measure import label

import segcourse
from segcourse.data import data_dir
from segcourse.lessons import images_and_pixels as exercises

TINY_IMAGE = np.array([
    [8, 10, 12, 9, 8, 9],
    [10, 60, 72, 11, 9, 10],
    [9, 70, 80, 12, 50, 11],
    [11, 12, 10, 13, 62, 58],
    [9, 10, 11, 10, 12, 10],
])
TINY_LABELS = np.array([
    [0, 0, 0, 0, 0, 0],
    [0, 1, 1, 0, 0, 0],
    [0, 1, 1, 0, 2, 0],
    [0, 0, 0, 0, 2, 2],
    [0, 0, 0, 0, 0, 0],
])


@pytest.fixture(scope="module")
def blobs():
    arrays = exercises.blobs()
    return arrays["image"], arrays["binary"], arrays["labels"]


# ------------------------------------------------------------------------------- numbers the lesson states

def test_tiny_image():
    assert TINY_IMAGE.shape == (5, 6)
    assert TINY_IMAGE[2, 4] == 50          # row 2, column 4: in the right spot
    assert TINY_IMAGE[4, 2] == 11          # swapped: a dark pixel in the bottom row
    binary = TINY_IMAGE > 30
    assert np.count_nonzero(binary) == 7
    assert np.array_equal(label(binary), TINY_LABELS)  # the typed-in label image is what labelling gives


def test_load_is_tifffile_imread():
    image = segcourse.load("blobs")
    assert segcourse.describe("blobs").path == "blobs/blobs.tif"
    assert np.array_equal(image, tifffile.imread(data_dir() / "blobs" / "blobs.tif"))


def test_three_kinds_of_image(blobs):
    image, binary, labels = blobs
    assert image.shape == (254, 256) and image.dtype == np.uint8
    assert (image.min(), image.max(), len(np.unique(image))) == (8, 248, 31)
    assert exercises.THRESHOLD == threshold_otsu(image) == 120  # lesson 02 computes it
    assert np.count_nonzero(binary) == 22243
    assert np.array_equal(np.unique(labels), np.arange(65))  # background and 64 blobs, no gaps
    assert labels.dtype == np.int32 and labels.max() == 64


def test_the_crossed_pixel(blobs):
    image, binary, labels = blobs
    assert image[152, 92] == 176 and binary[152, 92]
    assert labels[152, 92] == 38
    assert labels[92, 152] == 0  # the lecture box: swapped, our image holds the slide's 0


def test_scikit_image_numbers_blobs_from_top_to_bottom(blobs):
    labels = blobs[2]
    first_rows = [np.nonzero(labels == i)[0].min() for i in range(1, 65)]
    assert first_rows == sorted(first_rows)


def test_display_does_not_change_values(blobs):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = blobs[2]
    fig, axes = segcourse.panels(3)
    segcourse.show(labels=labels, ax=axes[0])
    segcourse.show(labels, ax=axes[1], cmap="gray")
    segcourse.show(labels, ax=axes[2], cmap="viridis")
    fig.canvas.draw()
    plt.close(fig)
    assert labels[152, 92] == 38 and not labels.flags.writeable


# ------------------------------------------------------------------------------- exercise 1: grey value

def test_grey_value_right(blobs):
    image = blobs[0]
    assert (exercises.GREY_X, exercises.GREY_Y) == (60, 200)
    assert image[200, 60] == 48
    assert exercises.grey_value.check(image[200, 60]).correct
    assert exercises.grey_value.check(48).correct
    assert exercises.grey_value.check(None).status == "not attempted"


def test_grey_value_swapped(blobs):
    image = blobs[0]
    assert image[60, 200] == 168
    feedback = exercises.grey_value.check(image[60, 200])
    assert not feedback.correct and "row (y) first" in feedback.message and "image[200, 60]" in feedback.message


def test_grey_value_other_numbers():
    feedback = exercises.grey_value.check(49)
    assert not feedback.correct and "Index the image with the row (y) first" in feedback.message
    assert "row" in exercises.grey_value.hint(2)


def test_grey_value_a_whole_row(blobs):
    feedback = exercises.grey_value.check(blobs[0][200])
    assert not feedback.correct and "whole row" in feedback.message


# ------------------------------------------------------------------------------- exercise 2: blob area

def test_blob_area_right(blobs):
    image, binary, labels = blobs
    blob_id = labels[200, 120]
    assert blob_id == 48
    area = np.count_nonzero(labels == blob_id)
    assert area == 578
    for answer in [area, (labels == blob_id).sum(), np.sum(labels == 48), float(area)]:
        assert exercises.blob_area.check(answer).correct, answer
    assert np.bincount(labels.ravel())[48] == 578  # as lesson 03 will count areas


@pytest.mark.parametrize("mistake, answer, words", [
    ("swapped: the background", lambda image, binary, labels: np.count_nonzero(labels == labels[120, 200]),
     "coordinates are swapped"),
    ("the id", lambda image, binary, labels: labels[200, 120], "blob's id"),
    ("all blobs", lambda image, binary, labels: np.count_nonzero(labels), "all 64 blobs"),
    ("all blobs, from binary", lambda image, binary, labels: binary.sum(), "all 64 blobs"),
    ("every pixel", lambda image, binary, labels: (labels == 48).size, "every pixel"),
    ("grey value", lambda image, binary, labels: image[200, 120], "grey value of `image`"),
    ("same grey value", lambda image, binary, labels: np.count_nonzero(image == image[200, 120]), "same grey"),
    ("len of a 2D array", lambda image, binary, labels: len(labels == 48), "number of rows"),
    ("sum of the ids", lambda image, binary, labels: labels[labels == 48].sum(), "adds up the ids"),
])
def test_blob_area_mistakes(blobs, mistake, answer, words):
    value = answer(*blobs)
    feedback = exercises.blob_area.check(value)
    assert not feedback.correct and words in feedback.message, (mistake, value, feedback)


def test_blob_area_mistake_values_are_distinct(blobs):
    values = [exercises.blob_area.value()] + [m() for m, _ in exercises.blob_area.mistakes]
    assert len(set(int(v) for v in values)) == len(values), values
    assert blobs[2][exercises.BLOB_X, exercises.BLOB_Y] == 0  # swapped, the position is background


def test_blob_area_not_a_number(blobs):
    labels = blobs[2]
    feedback = exercises.blob_area.check(labels == 48)
    assert not feedback.correct and "binary image of shape (254, 256)" in feedback.message
    assert "Not the size" in exercises.blob_area.check(577).message
