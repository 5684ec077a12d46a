"""Lesson 05, Voronoi-Otsu labelling: the exercises.

- ``spot_sigma_prediction``: predict, then run. With ``spot_sigma=2`` instead of 5 on the BBBC022 nuclei, does
  Voronoi-Otsu labelling find fewer, the same or more objects? More (44 instead of 25): less blur leaves several
  hilltops, and so several seeds, on a large nucleus. Each wrong letter gets the reason it is wrong.
- ``best_spot_sigma``: the ``spot_sigma`` among ``segcourse.values(2, 8, 0.5)`` (``outline_sigma=1``) whose
  Voronoi-Otsu labels of the BBBC039 field score the highest sparse Jaccard index against its dense annotation
  (5.5 with nsbatwm and with cle). Any other value of the list is told its score and which way to go; the
  spot_sigma whose count is closest to the 110 annotated nuclei (3.5) is told why a matching count is not the
  best segmentation; the score given instead of the sigma, a number of objects, and a value outside the list
  get their own message.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from segcourse.data import load
from segcourse.exercises import ChoiceExercise, Exercise, NotANumber, as_number

__all__ = ["spot_sigma_prediction", "best_spot_sigma", "voronoi_otsu", "spot_sigma_scores", "SPOT_SIGMAS",
           "OUTLINE_SIGMA"]

SPOT_SIGMAS = [2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0]   # segcourse.values(2, 8, 0.5)
OUTLINE_SIGMA = 1


def voronoi_otsu(image, spot_sigma: float, outline_sigma: float) -> np.ndarray:
    """nsbatwm's Voronoi-Otsu labelling as a plain numpy array (nsbatwm is imported on first use: it is slow)."""
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    return np.asarray(nsbatwm.voronoi_otsu_labeling(image, spot_sigma=spot_sigma, outline_sigma=outline_sigma))


# --- Exercise 1: predict what a smaller spot_sigma does --------------------------------------------------------

spot_sigma_prediction = ChoiceExercise(
    "voronoi_otsu_labeling.spot_sigma_prediction",
    options={"a": "fewer objects: neighbouring nuclei merge",
             "b": "the same 25 objects",
             "c": "more objects: nuclei are cut into pieces"},
    answer="c",
    explanations={
        "a": ("Merging comes from more blur, not less: a strong blur melts two neighbouring hills into one, "
              "with one hilltop and so one seed. With `spot_sigma=2` the blur is weaker than with 5."),
        "b": ("The count depends on the seeds, and the seeds are the hilltops of the image blurred with "
              "`spot_sigma`. Less blur leaves more hilltops, and each hilltop inside the foreground becomes a seed, "
              "and so an object."),
        "c": ("Right: with less blur a large nucleus keeps several hilltops, each becomes a seed, and the "
              "Voronoi partition cuts the nucleus between them. Run the next cell to see how many."),
    },
    hints=["`spot_sigma` is the blur applied before the seeds are looked for: one seed per hilltop.",
           "A weaker blur keeps more of the bumps inside a nucleus: does a large nucleus then have one hilltop, or "
           "several?"],
    solution_text='prediction = "c"  # less blur: several hilltops, so several seeds, per large nucleus',
)


# --- Exercise 2: tune spot_sigma against an annotation ---------------------------------------------------------

@lru_cache(maxsize=None)
def spot_sigma_scores() -> dict[float, tuple[int, float]]:
    """{spot_sigma: (objects, sparse Jaccard index)} of nsbatwm's Voronoi-Otsu (outline_sigma=1) on BBBC039."""
    from segcourse.metrics import sparse_jaccard
    image, ground_truth = load("bbbc039_nuclei"), load("bbbc039_ground_truth")
    scores = {}
    for sigma in SPOT_SIGMAS:
        labels = voronoi_otsu(image, sigma, OUTLINE_SIGMA)
        scores[sigma] = (int(labels.max()), sparse_jaccard(ground_truth, labels))
    return scores


def annotated_count() -> int:
    """Nuclei in the BBBC039 annotation (110)."""
    return int(load("bbbc039_ground_truth").max())


def _best() -> float:
    scores = spot_sigma_scores()
    return max(scores, key=lambda sigma: scores[sigma][1])


def _closest_count() -> float:
    scores = spot_sigma_scores()
    return min(scores, key=lambda sigma: abs(scores[sigma][0] - annotated_count()))


def _check_spot_sigma(answer):
    try:
        sigma = as_number(answer)
    except NotANumber as problem:
        return False, f"{problem} The answer is one value of `spot_sigma`, e.g. `best_spot_sigma = 2.5`."
    scores = spot_sigma_scores()
    best = _best()
    listed = ", ".join(f"{value:g}" for value in SPOT_SIGMAS)
    if sigma not in SPOT_SIGMAS:
        if 0 < sigma < 1 and any(abs(sigma - score) < 0.006 for _, score in scores.values()):
            return False, (f"{sigma:g} looks like a score (a sparse Jaccard index between 0 and 1). The answer "
                           "is the `spot_sigma` that gives the highest score, not the score itself.")
        if sigma > 20 and float(sigma).is_integer():
            return False, (f"{sigma:g} looks like a number of nuclei. The answer is a value of `spot_sigma` "
                           "(a blur width in pixels), the one whose labels score highest against the annotation.")
        return False, f"Pick one of the values the exercise lists ({listed}), not {sigma:g}."
    count, score = scores[sigma]
    closest = _closest_count()
    if sigma == best:
        closest_count, closest_score = scores[closest]
        return True, (f"spot_sigma={sigma:g} scores {score:.3f} with {count} objects. The count closest to the "
                      f"{annotated_count()} annotated nuclei comes at {closest:g} ({closest_count} objects), which "
                      f"scores only {closest_score:.3f}: there some nuclei are cut in pieces while elsewhere two "
                      "nuclei share one object, and in the count the two errors cancel. Tune by a score, not "
                      "by a count.")
    if sigma == closest:
        return False, (f"spot_sigma={sigma:g} gives {count} objects, the count closest to the "
                       f"{annotated_count()} annotated nuclei, but its score is {score:.3f}, and another value "
                       "scores higher. A matching count can hide nuclei cut in pieces and pairs merged into one "
                       "object. Compare the scores, not the counts.")
    direction = "less blur (a smaller spot_sigma)" if sigma > best else "more blur (a larger spot_sigma)"
    return False, (f"spot_sigma={sigma:g} scores {score:.3f} ({count} objects), but another value of the list "
                   f"scores higher: try {direction}. Score each value with `metrics.sparse_jaccard(ground_truth, "
                   "labels)` (the annotation first), print the scores with 3 decimals and compare.")


best_spot_sigma = Exercise(
    "voronoi_otsu_labeling.best_spot_sigma",
    checker=_check_spot_sigma,
    hints=["Score one value first: `nsbatwm.voronoi_otsu_labeling(bbbc039_image, spot_sigma=3, "
           "outline_sigma=1)`, then `metrics.sparse_jaccard(ground_truth, labels)`.",
           "Loop over `segcourse.values(2, 8, 0.5)` and print each spot_sigma with its score "
           "(`f\"{score:.3f}\"`); lesson 04's Exercise 2 has the same loop for `outline_sigma`.",
           "The answer is the spot_sigma printed beside the highest score, as a number: `best_spot_sigma = ...`."],
    solution_text="""scores = {}
for sigma in segcourse.values(2, 8, 0.5):
    labels_sigma = nsbatwm.voronoi_otsu_labeling(bbbc039_image, spot_sigma=sigma,
                                                 outline_sigma=1)
    scores[sigma] = metrics.sparse_jaccard(ground_truth, labels_sigma)
    print(f"spot_sigma={sigma}: {labels_sigma.max()} objects, {scores[sigma]:.3f}")
best_spot_sigma = max(scores, key=scores.get)""",
)
