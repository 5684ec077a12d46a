"""Lesson 00, setup check."""
import numpy as np

from segcourse.data import load
from segcourse.exercises import Exercise


def _check_brightest(answer):
    expected = int(load("blobs").max())
    if isinstance(answer, str):
        return False, f"{answer!r} is text; give the number itself, e.g. `image.max()`, without quotes."
    if np.ndim(answer) != 0:
        return False, "Expected one number, the largest pixel value, not an array."
    if answer == expected:
        return True, f"{expected} is the brightest pixel value of blobs."
    return False, f"{answer} is not the largest value in `image`; is it the maximum of the whole image?"


brightest_pixel = Exercise(
    "lesson00.brightest_pixel", checker=_check_brightest,
    hints=["numpy arrays have a `.max()` method.", "`image.max()` returns the largest pixel value."],
    solution_text="brightest = image.max()",
)
