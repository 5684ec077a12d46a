"""Lesson 00, setup check: a prediction about a blur, then the brightest pixel of blobs.

- predict_blur_sum: a 5x5 image with one pixel of value 1 is blurred; what is the sum of its pixels afterwards?
  A Gaussian blur spreads brightness over the neighbours and keeps the total (about 1; a little leaks out of a
  5x5 image at its border).
- brightest_pixel: the largest pixel value of the blobs image, 248; the pixel count, the mean, the smallest
  value, 255 (the largest value uint8 can hold) and the position of the brightest pixel are recognised mistakes.
"""
import numpy as np

from segcourse.data import load
from segcourse.exercises import ChoiceExercise, NumberExercise

predict_blur_sum = ChoiceExercise(
    "setup_check.predict_blur_sum",
    options={"a": "0: blurring removes the bright pixel", "b": "about 1: the brightness is spread out, not lost",
             "c": "25: every pixel becomes 1"},
    answer="b",
    explanations={
        "a": "The bright pixel gets darker, but its neighbours get brighter by as much.",
        "b": "A blur is a weighted mean whose weights add up to 1, so the total stays (almost) the same.",
        "c": "The blur spreads the one bright pixel's value; it does not make new brightness.",
    },
    hints=["A Gaussian blur replaces each pixel by a weighted mean of its neighbourhood; the weights add up to 1.",
           "Brightness moves from the bright pixel to its neighbours. Is any created or destroyed?"],
    solution_text='prediction = "b"',
)


def _blobs():
    return load("blobs")


brightest_pixel = NumberExercise(
    "setup_check.brightest_pixel",
    expected=lambda: _blobs().max(),
    mistakes=[
        (lambda: _blobs().size, "That is the number of pixels (254 x 256), not the brightest value."),
        (lambda: _blobs().mean(), "That is the mean pixel value; the question asks for the largest."),
        (lambda: _blobs().min(), "That is the smallest pixel value (the darkest); the question asks for the largest."),
        (255, "255 is the largest value an 8-bit image *can* hold (`np.iinfo(image.dtype).max`); the brightest pixel "
              "of this image is darker. Compute it from the pixels."),
        (lambda: np.argmax(_blobs()), "That is where the brightest pixel is (its position in the flattened image), "
                                      "not its value."),
    ],
    wrong="That is not the largest pixel value of `image`: is `image` the blobs image, and did you take the maximum "
          "of the whole image?",
    hints=["numpy arrays have a `.max()` method.", "`image.max()` returns the largest pixel value."],
    solution_text="brightest = image.max()",
    success="248 is the brightest pixel value of blobs (an 8-bit image: values from 0 to 255).",
)
