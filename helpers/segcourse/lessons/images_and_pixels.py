"""Lesson 01, images and pixels: its exercises.

- ``grey_value``: the grey value of the blobs image at x = 60, y = 200, given as (x, y) the way viewers report a
  position: ``image[200, 60]`` = 48. Recognises the swapped coordinates (``image[60, 200]`` = 168, inside a
  blob) and a whole row (one index instead of two).
- ``blob_area``: the number of pixels of the blob at x = 120, y = 200 in the lesson's label image (blobs above
  120, labelled by scikit-image): id 48, 578 pixels. Recognises the swapped coordinates (they land on the
  background: its pixel count), the id itself, the pixels of all blobs, every pixel of the image, the grey value
  at that pixel and the pixels of `image` with that grey value, ``len()`` of a 2D array (its rows), the sum of
  the ids over the blob (48 x 578), and the blob's binary image given instead of its pixel count.
"""
from functools import lru_cache

import numpy as np

from segcourse.data import load
from segcourse.exercises import NumberExercise

__all__ = ["grey_value", "blob_area", "THRESHOLD", "GREY_X", "GREY_Y", "BLOB_X", "BLOB_Y", "blobs"]

THRESHOLD = 120           # the lesson's threshold: blobs' Otsu threshold (lesson 02 computes it)
GREY_X, GREY_Y = 60, 200  # exercise 1 asks for the grey value here
BLOB_X, BLOB_Y = 120, 200  # exercise 2 asks for the size of the blob here


@lru_cache(maxsize=1)
def blobs() -> dict:
    """The lesson's arrays (read-only): the blobs image, its binary above 120 and its label image."""
    from skimage.measure import label

    image = load("blobs")
    binary = image > THRESHOLD
    arrays = {"image": image, "binary": binary, "labels": label(binary)}
    for array in arrays.values():
        array.flags.writeable = False
    return arrays


class _PixelsExercise(NumberExercise):
    """A NumberExercise that says what a learner passed when it is a row or a whole image instead of a number."""

    def _check(self, answer):
        if isinstance(answer, np.ndarray) and answer.ndim == 2:
            what = "a binary image" if answer.dtype == bool else "an image"
            return False, (f"That is {what} of shape {answer.shape}, not a number. To count its True pixels: "
                           "`np.count_nonzero(...)`.")
        if isinstance(answer, np.ndarray) and answer.ndim == 1 and answer.size == blobs()["image"].shape[1]:
            return False, ("That is a whole row of the image: one number in the brackets picks a row. Give the "
                           "column too: `image[y, x]`.")
        return super()._check(answer)


# --- exercise 1: a position given as (x, y) is read as image[y, x] ----------------------------------------------
def _grey(y, x):
    return lambda: blobs()["image"][y, x]


_SWAPPED = (f"That is `image[{GREY_X}, {GREY_Y}]`: row {GREY_X}, column {GREY_Y}, a pixel inside a blob. The "
            f"position was given as x = {GREY_X}, y = {GREY_Y}, and NumPy takes the row (y) first: "
            f"`image[{GREY_Y}, {GREY_X}]`.")

grey_value = _PixelsExercise(
    "images_and_pixels.grey_value",
    expected=_grey(GREY_Y, GREY_X),
    mistakes=[(_grey(GREY_X, GREY_Y), _SWAPPED)],
    wrong=f"Not the grey value of `image` at x = {GREY_X}, y = {GREY_Y}. Index the image with the row (y) first: "
          "`image[y, x]`.",
    hints=["A position given as (x, y) is column x and row y. Which of the two does NumPy take first?",
           "NumPy indexes `image[row, column]`, and the row is y.",
           f"`image[{GREY_Y}, {GREY_X}]`"],
    solution_text=f"grey_value = image[{GREY_Y}, {GREY_X}]",
    success=f"`image[{GREY_Y}, {GREY_X}]`: row (y) first, column (x) second. This pixel is background: the other "
            f"way round, `image[{GREY_X}, {GREY_Y}]`, you would have landed inside a blob.",
)


# --- exercise 2: the pixels of one object in a label image --------------------------------------------------
def _blob_id():
    return int(blobs()["labels"][BLOB_Y, BLOB_X])


def _area_of_id_at(y, x):
    def area():
        labels = blobs()["labels"]
        return int(np.count_nonzero(labels == labels[y, x]))
    return area


def _pixels_with_grey_value():
    image = blobs()["image"]
    return int(np.count_nonzero(image == image[BLOB_Y, BLOB_X]))


def _sum_of_ids():
    return _blob_id() * _area_of_id_at(BLOB_Y, BLOB_X)()


blob_area = _PixelsExercise(
    "images_and_pixels.blob_area",
    expected=_area_of_id_at(BLOB_Y, BLOB_X),
    unit="pixels",
    mistakes=[
        (_area_of_id_at(BLOB_X, BLOB_Y),
         f"That is the number of background pixels: `labels[{BLOB_X}, {BLOB_Y}]` is 0, the background. The "
         f"coordinates are swapped: the blob is at row (y) {BLOB_Y}, column (x) {BLOB_X}."),
        (_blob_id, "That is the blob's id, its number in the label image, not its size. Count the pixels that "
                   "carry this id."),
        (lambda: np.count_nonzero(blobs()["labels"]),
         "That counts the pixels of all 64 blobs. Count only the pixels whose id is this blob's id."),
        (lambda: blobs()["labels"].size, "That is every pixel of the image. Count only the pixels whose id is this "
                                         "blob's id."),
        (lambda: blobs()["image"][BLOB_Y, BLOB_X],
         "That is the grey value of `image` at that position. The size of the blob is the number of pixels of "
         "`labels` that carry its id."),
        (_pixels_with_grey_value,
         "That counts the pixels of `image` with the same grey value, all over the image. Use the label image: "
         "its pixels with the blob's id."),
        (lambda: blobs()["labels"].shape[0],
         "That is the number of rows: `len()` of a 2D array counts its rows. `np.count_nonzero(...)` counts the "
         "True pixels of a binary image."),
        (_sum_of_ids, "That adds up the ids of the blob's pixels (each is the id, not 1). Count the pixels instead: "
                      "`np.count_nonzero(labels == blob_id)`."),
    ],
    wrong=f"Not the size of the blob at x = {BLOB_X}, y = {BLOB_Y}. Read its id from `labels` (row first), then "
          "count the pixels that carry this id.",
    hints=["Two steps: which id does the label image have at that position? How many pixels carry that id?",
           f"`labels[{BLOB_Y}, {BLOB_X}]` is the id (row y first). `labels == blob_id` is a binary image of this "
           "blob alone.",
           "`np.count_nonzero(labels == blob_id)` counts its True pixels."],
    solution_text=(f"blob_id = labels[{BLOB_Y}, {BLOB_X}]\n"
                   "area = np.count_nonzero(labels == blob_id)"),
    success="The blob's size in pixels: its id read at [y, x], then the pixels with that id counted.",
)
