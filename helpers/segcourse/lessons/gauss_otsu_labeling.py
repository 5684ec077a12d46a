"""Lesson 04, Gauss-Otsu labelling: the exercises.

- ``count_nuclei``: how many objects Gauss-Otsu labelling with ``outline_sigma=2`` finds in the nuclei channel
  (channel 1) of the NEUBIAS epithelium. Any scalar type counts (``labels.max()`` from nsbatwm is a 0-d
  StackViewNDArray, from cle a float32 such as ``31.0``). Recognises the background counted
  (``len(np.unique(labels))``), the membranes channel, both channels segmented at once, no blur, a channel taken
  along the wrong axis, and foreground pixels counted instead of objects.
- ``best_outline_sigma``: the ``outline_sigma`` among ``segcourse.values(0.5, 4, 0.5)`` whose Gauss-Otsu labels
  score the highest sparse Jaccard index against the annotation of the BBBC007 crop ``17P1_POS0013_D_1UL``
  (1.0 with nsbatwm and with cle). Any other value of the list is told its score and which way to go; the score
  given instead of the sigma, a number of objects, and a value outside the list get their own message.

Both are checked with nsbatwm (scikit-image): the answers are the same with pyclesperanto-prototype.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from segcourse.data import load
from segcourse.exercises import Exercise, NotANumber, NumberExercise, as_number

__all__ = ["count_nuclei", "best_outline_sigma", "gauss_otsu", "neubias_count", "sigma_scores",
           "COUNT_SIGMA", "SIGMAS", "BBBC007_CROP"]

COUNT_SIGMA = 2                                       # exercise 1's outline_sigma
SIGMAS = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]     # segcourse.values(0.5, 4, 0.5), exercise 2's candidates
BBBC007_CROP = "17P1_POS0013_D_1UL"                  # exercise 2's image and annotation


def gauss_otsu(image, outline_sigma: float) -> np.ndarray:
    """nsbatwm's Gauss-Otsu labelling as a plain numpy array (nsbatwm is imported on first use: it is slow)."""
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    return np.asarray(nsbatwm.gauss_otsu_labeling(image, outline_sigma=outline_sigma))


# --- Exercise 1: count the nuclei of another image ------------------------------------------------------------

def _epithelium():
    return load("neubias_membranes_nuclei")


def neubias_count() -> int:
    """Objects found by Gauss-Otsu labelling (outline_sigma=2) in channel 1 (nuclei) of the NEUBIAS image: 31."""
    return int(gauss_otsu(_epithelium()[1], COUNT_SIGMA).max())


def _variant(which: str):
    """The picture and sigma of a typical wrong workflow (or of the right one, "right")."""
    image = _epithelium()
    return {"right": (image[1], COUNT_SIGMA), "membranes": (image[0], COUNT_SIGMA),
            "both channels": (image, COUNT_SIGMA), "no blur": (image[1], 0),
            "last axis": (image[..., 1], COUNT_SIGMA), "middle axis": (image[:, 1], COUNT_SIGMA)}[which]


@lru_cache(maxsize=None)
def variant_labels(which: str, library: str) -> np.ndarray:
    """Labels of a (wrong or right) workflow made with "nsbatwm" or "cle": their counts can differ by a few."""
    picture, sigma = _variant(which)
    if library == "nsbatwm":
        return gauss_otsu(picture, sigma)
    import pyclesperanto_prototype as cle
    return cle.pull(cle.gauss_otsu_labeling(picture, outline_sigma=sigma))


def _count(which: str, library: str):
    return lambda: int(variant_labels(which, library).max())


def _pixels(library: str):
    return lambda: int(np.sum(variant_labels("right", library) > 0))


_BACKGROUND = ("One too many: that is `len(np.unique(labels))`, which counts the background (id 0) as well. "
               "(Or did you segment both channels at once? Take channel 1: `epithelium[1]`.)")
_MEMBRANES = "That is the count of channel 0, the membranes. The nuclei are channel 1: `epithelium[1]`."
_BOTH = ("That comes from both channels at once: the image has shape (2, 354, 475), channel first. Take the "
         "nuclei, channel 1: `epithelium[1]`.")
_AXIS = ("That image was cut along the wrong axis: the channel is the first axis, so the nuclei are "
         "`epithelium[1]` (shape (354, 475)), not `epithelium[..., 1]` or `epithelium[:, 1]`.")
_NO_BLUR = ("That is the count without blurring (`outline_sigma=0`): noise specks become objects. Use "
            "`outline_sigma=2`.")
_PIXELS = ("That is the number of foreground pixels, not of objects: each object has one id, so the largest id "
           "(`labels.max()`) is the count.")

class _CountExercise(NumberExercise):
    """A count: an image given instead of a number gets told where the count is."""

    def _check(self, answer):
        correct, message = super()._check(answer)
        if not correct and getattr(answer, "ndim", 0) >= 2:
            message += (" That looks like the label image itself: its largest id, `.max()`, is the number of "
                        "objects.")
        return correct, message


count_nuclei = _CountExercise(
    "gauss_otsu_labeling.count_nuclei",
    expected=neubias_count,
    mistakes=[(lambda: neubias_count() + 1, _BACKGROUND)]
    + [(_count(which, library), message) for which, message in
       [("membranes", _MEMBRANES), ("both channels", _BOTH), ("last axis", _AXIS), ("middle axis", _AXIS),
        ("no blur", _NO_BLUR)] for library in ("nsbatwm", "cle")]
    + [(_pixels(library), _PIXELS) for library in ("nsbatwm", "cle")],
    wrong=("That is not the number of objects Gauss-Otsu labelling with `outline_sigma=2` finds in channel 1. "
           "Check the channel (`epithelium[1]`), the sigma, and that you give the largest label "
           "(`labels.max()`)."),
    hints=["The nuclei are channel 1 of the image: `epithelium[1]` (channel 0 shows the membranes).",
           "`nsbatwm.gauss_otsu_labeling(epithelium[1], outline_sigma=2)` labels them, as the lesson labelled "
           "the BBBC022 nuclei.",
           "The labels are numbered 1, 2, 3, ... without gaps, so `labels.max()` is the count."],
    solution_text="""epithelium_nuclei = epithelium[1]
labels_epithelium = nsbatwm.gauss_otsu_labeling(epithelium_nuclei, outline_sigma=2)
number_of_nuclei = labels_epithelium.max()""",
    success=("That is the number of objects Gauss-Otsu labelling finds in the nuclei channel. Look at them "
             "(`segcourse.show(epithelium_nuclei, labels_epithelium)`): in a dense epithelium some touching "
             "nuclei share one outline, the limit this lesson comes to next."),
)


# --- Exercise 2: tune outline_sigma against an annotation ----------------------------------------------------

def _bbbc007():
    return load(f"bbbc007/{BBBC007_CROP}"), load(f"bbbc007_annotation/{BBBC007_CROP}")


@lru_cache(maxsize=None)
def sigma_scores() -> dict[float, tuple[int, float]]:
    """{outline_sigma: (objects, sparse Jaccard index)} of nsbatwm's Gauss-Otsu on the BBBC007 crop."""
    from segcourse.metrics import sparse_jaccard
    image, annotation = _bbbc007()
    scores = {}
    for sigma in SIGMAS:
        labels = gauss_otsu(image, sigma)
        scores[sigma] = (int(labels.max()), sparse_jaccard(annotation, labels))
    return scores


def _best_sigma() -> float:
    scores = sigma_scores()
    return max(scores, key=lambda sigma: scores[sigma][1])


def _check_sigma(answer):
    try:
        sigma = as_number(answer)
    except NotANumber as problem:
        return False, f"{problem} The answer is one value of `outline_sigma`, e.g. `best_outline_sigma = 2.5`."
    scores = sigma_scores()
    best = _best_sigma()
    best_score = scores[best][1]
    listed = ", ".join(f"{value:g}" for value in SIGMAS)
    if sigma not in SIGMAS:
        if 0 < sigma < 1 and any(abs(sigma - score) < 0.006 for _, score in scores.values()):
            return False, (f"{sigma:g} looks like a score (a sparse Jaccard index between 0 and 1). The answer "
                           "is the `outline_sigma` that gives the highest score, not the score itself.")
        if sigma > 10 and float(sigma).is_integer():
            return False, (f"{sigma:g} looks like a number of objects. The answer is a value of `outline_sigma` "
                           "(a blur width in pixels), the one whose labels score highest against the annotation.")
        return False, f"Pick one of the values the exercise lists ({listed}), not {sigma:g}."
    count, score = scores[sigma]
    if sigma == best:
        return True, (f"outline_sigma={sigma:g} scores {score:.3f}, the best of the list ({count} objects). "
                      f"At 4 the score falls to {scores[4.0][1]:.2f}: the blur closes the dark gaps and "
                      "neighbouring nuclei merge, so an annotated nucleus shares its object with a neighbour. "
                      f"Even the best sigma reaches only {best_score:.2f} here: the annotated nuclei touch their "
                      "neighbours, and Gauss-Otsu cannot split touching nuclei (Voronoi-Otsu labelling, the "
                      "next lesson, can). If your scores were far lower (about 0.09), you passed the labels "
                      "first: the annotation comes first, `metrics.sparse_jaccard(annotation, labels)`.")
    direction = "less blur (a smaller sigma)" if sigma > best else "a little more blur (a larger sigma)"
    return False, (f"outline_sigma={sigma:g} scores {score:.3f} ({count} objects), but another value of the list "
                   f"scores higher: try {direction}. Score each value with `metrics.sparse_jaccard(annotation, "
                   "labels)` (the annotation first), print the scores with 3 decimals and compare.")


best_outline_sigma = Exercise(
    "gauss_otsu_labeling.best_outline_sigma",
    checker=_check_sigma,
    hints=["Score one sigma first: label `bbbc007_image` with `nsbatwm.gauss_otsu_labeling(..., "
           "outline_sigma=...)`, then `metrics.sparse_jaccard(annotation, labels)`, as the lesson did with 2.",
           "Loop over the values: `for sigma in segcourse.values(0.5, 4, 0.5):` and print each sigma with "
           "its score (`f\"{score:.3f}\"`).",
           "The answer is the sigma printed beside the highest score, as a number: "
           "`best_outline_sigma = ...`."],
    solution_text="""scores = {}
for sigma in segcourse.values(0.5, 4, 0.5):
    labels_sigma = nsbatwm.gauss_otsu_labeling(bbbc007_image, outline_sigma=sigma)
    scores[sigma] = metrics.sparse_jaccard(annotation, labels_sigma)
    print(f"outline_sigma={sigma}: sparse Jaccard {scores[sigma]:.3f}")
best_outline_sigma = max(scores, key=scores.get)""",
)
