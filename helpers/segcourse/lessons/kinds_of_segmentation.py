"""Lesson 02, kinds of segmentation: its exercises.

- ``foreground_fraction``: the fraction of the blobs image's pixels above Li's threshold (103.6): 0.3840.
  Recognises the fractions with Otsu's (0.3421) and the triangle threshold (0.6431), the background fraction,
  the threshold itself, the foreground pixel count (not divided by the number of pixels) and the binary image
  itself; a percentage and a rounded answer get the framework's messages.
- ``count_annotated``: the number of nuclei in the sparse annotation ``bbbc007_annotation/A9_p7d``: 8, with the
  ids 1 to 9 but not 4. Recognises the largest id (9, which is also the number of distinct values with the
  background), the annotated pixels, all pixels of the image, and the list of ids or the image itself.
"""
from functools import lru_cache

import numpy as np

from segcourse.data import load
from segcourse.exercises import NumberExercise

__all__ = ["foreground_fraction", "count_annotated", "ANNOTATION", "thresholds", "fractions"]

ANNOTATION = "bbbc007_annotation/A9_p7d"  # the annotation exercise 2 asks about: ids 1-9 without 4


@lru_cache(maxsize=1)
def thresholds() -> dict:
    """Otsu's, Li's and the triangle threshold of the blobs image, as the lesson computes them."""
    from skimage.filters import threshold_li, threshold_otsu, threshold_triangle

    image = load("blobs")
    return {"Otsu": float(threshold_otsu(image)), "Li": float(threshold_li(image)),
            "triangle": float(threshold_triangle(image))}


@lru_cache(maxsize=1)
def fractions() -> dict:
    """The fraction of the blobs image's pixels above each threshold."""
    image = load("blobs")
    return {name: float(np.mean(image > value)) for name, value in thresholds().items()}


class _ArrayAwareExercise(NumberExercise):
    """A NumberExercise that says what a learner passed when it is an image or a list of ids instead of a number.

    about_images / about_lists: what to do instead (empty: the framework's general message).
    """
    about_images: str = ""
    about_lists: str = ""

    def _check(self, answer):
        if isinstance(answer, np.ndarray) and answer.ndim == 2 and self.about_images:
            what = "a binary image" if answer.dtype == bool else "an image"
            return False, f"That is {what} of shape {answer.shape}, not a number. {self.about_images}"
        if isinstance(answer, np.ndarray) and answer.ndim == 1 and answer.size > 1 and self.about_lists:
            return False, f"That is a list of {answer.size} values, not a number. {self.about_lists}"
        return super()._check(answer)


def _pixels_above_li():
    return int(np.count_nonzero(load("blobs") > thresholds()["Li"]))


foreground_fraction = _ArrayAwareExercise(
    "kinds_of_segmentation.foreground_fraction",
    expected=lambda: fractions()["Li"],
    decimals=2,
    mistakes=[
        (lambda: fractions()["Otsu"], "That is the fraction above Otsu's threshold. The question asks for Li's: "
                                      "`threshold_li(image)`."),
        (lambda: fractions()["triangle"], "That is the fraction above the triangle threshold. The question asks for "
                                          "Li's: `threshold_li(image)`."),
        (lambda: 1 - fractions()["Li"], "That is the background: the fraction of pixels at or below Li's threshold. "
                                        "The foreground is `image > threshold`."),
        (lambda: thresholds()["Li"], "That is Li's threshold itself, a grey value. The question asks what fraction "
                                     "of the pixels lie above it."),
        (_pixels_above_li, "That is the number of foreground pixels. Divide it by the number of all pixels "
                           "(`binary.size`) to get the fraction."),
    ],
    wrong="Not the fraction of pixels above Li's threshold. Make the binary image `image > threshold_li(image)`, "
          "count its True pixels and divide by the number of all pixels.",
    hints=["Two steps: the binary image above Li's threshold, then the share of its pixels that are True.",
           "`np.count_nonzero(binary)` counts the True pixels; `binary.size` is the number of all pixels.",
           "`binary_li = image > threshold_li(image)`, then "
           "`np.count_nonzero(binary_li) / binary_li.size`."],
    solution_text=("binary_li = image > threshold_li(image)\n"
                   "foreground_fraction = np.count_nonzero(binary_li) / binary_li.size"),
    success="38 % of the pixels are foreground with Li's threshold. (`np.mean(binary_li)` gives the same: True "
            "counts as 1.)",
)
foreground_fraction.about_images = ("The fraction is its number of True pixels divided by its number of pixels: "
                                    "`np.count_nonzero(binary) / binary.size`.")


def _annotation():
    return load(ANNOTATION)


count_annotated = _ArrayAwareExercise(
    "kinds_of_segmentation.count_annotated",
    expected=lambda: np.count_nonzero(np.unique(_annotation())),
    mistakes=[
        (lambda: _annotation().max(),
         "9 is the largest id, and also the number of distinct values counting the background 0. Neither is the "
         "count here: 0 is not a nucleus, and one id between 1 and 9 is not used. Count the distinct ids other "
         "than 0."),
        (lambda: np.count_nonzero(_annotation()), "That counts annotated pixels, not nuclei: each nucleus covers "
                                                  "many pixels with one id."),
        (lambda: _annotation().size, "That is the number of pixels of the whole image."),
    ],
    wrong=f"Not the number of annotated nuclei in {ANNOTATION!r}. List its ids with `np.unique` and count those "
          "other than 0.",
    hints=["Each annotated nucleus has its own id; 0 marks the pixels nobody annotated.",
           "`np.unique(annotation)` lists the ids. Which of them is not a nucleus?",
           "`len(np.unique(annotation)) - 1`: the distinct ids without the 0."],
    solution_text=(f'annotation = segcourse.load("{ANNOTATION}")\n'
                   "number_of_nuclei = len(np.unique(annotation)) - 1  # without the 0"),
    success="8 nuclei, with ids from 1 to 9: the id 4 is not used (a gap, as when an annotator deletes an object). "
            "The largest id, 9, is not the count.",
)
count_annotated.about_images = "Count the distinct ids of the annotation other than 0: `np.unique` lists them."
count_annotated.about_lists = "If these are the ids from `np.unique`, count them, without the 0."
