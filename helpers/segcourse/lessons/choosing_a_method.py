"""Lesson 21, choosing a method: the exercises, and the methods as the lesson runs them.

- ``predict_seeded``: predict, then run. Voronoi-Otsu labelling and the seeded watershed on the nucleus image use
  the same seeds (maxima of the image blurred with sigma 5, inside the mask) and the same mask (Otsu's threshold of
  the image blurred with sigma 1); only the borders between touching nuclei differ. Their object F1 scores at
  IoU 0.5 on BBBC039 are identical (0.889, the same 92 matches): a border moved by a few pixels rarely carries an
  IoU across 0.5. Each wrong letter gets the reason it is wrong.
- ``strict_outlines``: which method has the highest object F1 at IoU 0.9 on BBBC039? The classifier (0.679;
  seeded watershed 0.522, Voronoi-Otsu 0.483, binary watershed 0.415, Gauss-Otsu 0.414). The answer is the
  method's name as the lesson's ``methods`` dictionary spells it ("APOC" also counts). Each other method is told
  its score and why it is not the best; a number, the best method at IoU 0.5 (binary watershed) and a
  name that is not a method get their own message.

The classifiers are trained here as in the notebook, into temporary files; nothing is written to the course folder.
"""
from __future__ import annotations

import tempfile
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np

from segcourse.data import bbbc007_names, load
from segcourse.exercises import ChoiceExercise, Exercise

__all__ = ["predict_seeded", "strict_outlines", "gauss_otsu", "voronoi_otsu", "binary_watershed",
           "seeded_watershed", "train_classifier", "methods_for", "object_scores", "f1_at",
           "BBBC039_STROKES", "BBBC007_STROKES", "FEATURES", "BBBC007_TRAINING_CROP"]

FEATURES = "original gaussian_blur=1 sobel_of_gaussian_blur=1"
# (nucleus strokes, background strokes), each stroke (y0, x0, y1, x1): lesson 20's for BBBC039, and strokes on
# one BBBC007 crop, none on its annotated nuclei
BBBC039_STROKES = ([(113, 211, 122, 224), (416, 136, 438, 138), (462, 282, 478, 280),
                    (337, 297, 356, 292), (128, 261, 142, 279), (241, 202, 260, 197)],
                   [(359, 5, 379, 5), (369, 184, 389, 184), (462, 100, 482, 100),
                    (80, 288, 100, 288), (270, 151, 290, 151), (291, 235, 311, 235)])
BBBC007_STROKES = ([(224, 329, 235, 328), (230, 196, 240, 199), (314, 159, 325, 148),
                    (193, 134, 195, 124), (36, 13, 42, 4), (70, 95, 71, 104)],
                   [(283, 8, 298, 8), (110, 34, 125, 34), (147, 276, 162, 276),
                    (214, 158, 229, 158), (91, 219, 106, 219), (113, 126, 128, 126)])
BBBC007_TRAINING_CROP = "17P1_POS0013_D_1UL"


# --- the methods, with the parameters of their lessons ---------------------------------------------------------

def _nsbatwm():
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    return nsbatwm


def gauss_otsu(image):
    return np.asarray(_nsbatwm().gauss_otsu_labeling(image, outline_sigma=2))


def voronoi_otsu(image):
    return np.asarray(_nsbatwm().voronoi_otsu_labeling(image, spot_sigma=5, outline_sigma=1))


def binary_watershed(image):
    from skimage.filters import gaussian, threshold_otsu
    from skimage.measure import label
    blurred = gaussian(image, sigma=2, preserve_range=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="`binary_opening` is deprecated")
        split = _nsbatwm().split_touching_objects(blurred > threshold_otsu(blurred), sigma=3.5)
    return label(np.asarray(split))


def seeded_watershed(image):
    from skimage.filters import gaussian, threshold_otsu
    from skimage.measure import label
    from skimage.morphology import local_maxima
    blurred = gaussian(image, sigma=1, preserve_range=True)
    mask = blurred > threshold_otsu(blurred)
    seeds = label(local_maxima(gaussian(image, sigma=5)) & mask)
    return np.asarray(_nsbatwm().seeded_watershed_with_mask(-blurred, seeds, mask))


def _annotate(strokes, shape):
    from skimage.draw import line
    nucleus_strokes, background_strokes = strokes
    annotation = np.zeros(shape, dtype=np.uint8)
    for value, group in [(1, background_strokes), (2, nucleus_strokes)]:
        for y0, x0, y1, x1 in group:
            annotation[line(y0, x0, y1, x1)] = value
    return annotation


def train_classifier(image, strokes, folder):
    """An APOC ObjectSegmenter trained on `strokes` drawn on `image`; returns image -> labels."""
    import apoc
    Path(folder).mkdir(parents=True, exist_ok=True)
    classifier = apoc.ObjectSegmenter(opencl_filename=str(Path(folder) / "classifier.cl"),
                                      positive_class_identifier=2)
    classifier.train(features=FEATURES, ground_truth=_annotate(strokes, np.shape(image)), image=image)
    return lambda picture: np.asarray(classifier.predict(image=picture))


_FOLDER = None


def _folder() -> str:
    global _FOLDER
    if _FOLDER is None:
        _FOLDER = tempfile.TemporaryDirectory(prefix="segcourse-lesson21-")
    return _FOLDER.name


@lru_cache(maxsize=None)
def methods_for(image_set: str) -> dict:
    """{name: image -> labels} for "bbbc039" or "bbbc007" (the classifier is trained per image set)."""
    if image_set == "bbbc039":
        classifier = train_classifier(load("bbbc039_nuclei"), BBBC039_STROKES, Path(_folder()) / "bbbc039")
    else:
        classifier = train_classifier(load(f"bbbc007/{BBBC007_TRAINING_CROP}"), BBBC007_STROKES,
                                      Path(_folder()) / "bbbc007")
    return {"Gauss-Otsu": gauss_otsu, "Voronoi-Otsu": voronoi_otsu, "binary watershed": binary_watershed,
            "seeded watershed": seeded_watershed, "classifier": classifier}


@lru_cache(maxsize=None)
def bbbc039_labels() -> dict:
    image = load("bbbc039_nuclei")
    return {name: method(image) for name, method in methods_for("bbbc039").items()}


def object_scores(reference, prediction, threshold: float = 0.5) -> tuple[float, float, float]:
    """Object-wise precision, recall and F1 at IoU >= threshold."""
    from segcourse.metrics import object_counts
    tp, fp, fn = object_counts(reference, prediction, threshold=threshold)
    return tp / (tp + fp), tp / (tp + fn), 2 * tp / (2 * tp + fp + fn)


@lru_cache(maxsize=None)
def f1_at(threshold: float) -> dict:
    """{method: object F1 on BBBC039 at IoU >= threshold}."""
    truth = load("bbbc039_ground_truth")
    return {name: object_scores(truth, labels, threshold)[2] for name, labels in bbbc039_labels().items()}


@lru_cache(maxsize=None)
def bbbc007_scores() -> dict:
    """{method: [sparse Jaccard index of each of the 6 crops]}."""
    from segcourse.metrics import sparse_jaccard
    results = {}
    for name, method in methods_for("bbbc007").items():
        results[name] = [sparse_jaccard(load(f"bbbc007_annotation/{crop}"), method(load(f"bbbc007/{crop}")))
                         for crop in bbbc007_names()]
    return results


# --- Exercise 1: predict ------------------------------------------------------------------------------------------

predict_seeded = ChoiceExercise(
    "choosing_a_method.predict_seeded",
    options={"a": "the same F1 score",
             "b": "a clearly higher F1 score for the seeded watershed",
             "c": "a clearly lower F1 score for the seeded watershed"},
    answer="a",
    explanations={
        "a": ("Right: same seeds and same mask give the same objects; only the border between two touching nuclei "
              "moves by a few pixels, and that rarely carries an IoU across 0.5. Run the next cell."),
        "b": ("Following the dark valley between two nuclei does place their shared border better, but by a few "
              "pixels: at IoU 0.5 a match needs only rough overlap, so the same nuclei match either way."),
        "c": ("Nothing the seeded watershed does loses objects: it starts from the same seeds inside the same "
              "mask, so it finds the same objects; only the borders between touching nuclei move a little."),
    },
    hints=["Count the objects: one per seed inside the mask. Are the seeds and the mask the same in both?",
           "At IoU 0.5 a match needs only rough overlap. Does a border moved by a pixel or two change a match?"],
    solution_text='prediction = "a"  # same seeds and mask: the same objects, borders moved by a few pixels',
)


# --- Exercise 2: the best method for strict outlines -------------------------------------------------------------

_ALIASES = {"gauss-otsu": "Gauss-Otsu", "gauss otsu": "Gauss-Otsu", "voronoi-otsu": "Voronoi-Otsu",
            "voronoi otsu": "Voronoi-Otsu", "binary watershed": "binary watershed",
            "seeded watershed": "seeded watershed", "classifier": "classifier", "apoc": "classifier",
            "the classifier": "classifier", "classifier (apoc)": "classifier", "apoc classifier": "classifier"}

_WHY = {
    "Gauss-Otsu": "it merges touching nuclei into one object, which matches neither of them",
    "Voronoi-Otsu": ("its outlines come from Otsu's threshold of a blurred image, and its borders between "
                     "touching nuclei lie halfway between the seeds, not on the dark valley"),
    "binary watershed": ("it is the best at IoU 0.5, but its cut lines and the final opening take pixels from "
                         "every object it splits or smooths, and at 0.9 a few pixels decide"),
    "seeded watershed": "it is second: its borders follow the dark valleys, but its outlines come from Otsu's "
                        "threshold of a blurred image",
}


def _check_strict(answer):
    scores = f1_at(0.9)
    best = max(scores, key=scores.get)
    listed = ", ".join(f'"{name}"' for name in scores)
    if not isinstance(answer, str):
        from segcourse.exercises import NotANumber, as_number
        try:
            number = as_number(answer)
        except NotANumber:
            return False, f"Give the method's name as text, one of {listed}."
        if any(abs(number - value) < 0.0051 for value in scores.values()):
            return False, (f"{number:g} is a score. The question asks which method reaches the highest F1 at IoU "
                           f"0.9: give its name as text, one of {listed}.")
        return False, f"Give the method's name as text, one of {listed}."
    name = _ALIASES.get(answer.strip().strip("\"'").lower())
    if name is None:
        return False, f"{answer!r} is not one of the methods; give one of {listed}."
    scores_05 = f1_at(0.5)
    if name == best:
        return True, (f"The classifier scores {scores[name]:.3f} at IoU 0.9 and only {scores_05[name]:.3f} at "
                      "0.5: its outlines are the closest to the annotator's, but it merges touching nuclei. The "
                      "best method depends on what you measure: counts need objects apart, areas and shapes need "
                      "outlines.")
    return False, (f"{name} scores {scores[name]:.3f} at IoU 0.9: {_WHY[name]}. Another method scores higher; "
                   "compute `object_scores(ground_truth, labels, threshold=0.9)` for each.")


strict_outlines = Exercise(
    "choosing_a_method.strict_outlines",
    checker=_check_strict,
    hints=["Loop over `bbbc039_labels.items()` and compute each method's F1 with "
           "`object_scores(ground_truth, labels, threshold=0.9)` (the third value it returns).",
           "The answer is the name beside the highest F1, as text, e.g. `best_method = \"Gauss-Otsu\"`, or "
           "`max(scores, key=scores.get)` of a dictionary {name: F1}."],
    solution_text="""f1_strict = {name: object_scores(ground_truth, labels, threshold=0.9)[2]
             for name, labels in bbbc039_labels.items()}
print(f1_strict)
best_method = max(f1_strict, key=f1_strict.get)""",
)
