"""Lesson 20, a classifier from sparse annotations: the exercises.

- ``one_stroke_prediction``: predict, then run. An APOC object segmenter trained on one stroke across one
  of the brightest nuclei of the BBBC039 field and one stroke of background classifies all 35 annotated pixels
  correctly. What does it find in the rest of the field? The bright nuclei; dim ones are missed or broken into
  pieces (158 objects, object F1 0.33 at IoU 0.5). Each wrong letter gets the reason it is wrong.
- ``unseen_half_f1``: the object-wise F1 score at IoU 0.5 of the classifier trained on 6 strokes per class (all
  in the left half of the field) on the right half, columns 348 and beyond, which no stroke touches: 0.857.
  Recognised: the whole field (or its top rows, which score the same), the left half, the bottom rows,
  precision or recall instead of F1, the pixel-wise Dice index (pixel F1), the one-stroke classifier,
  Voronoi-Otsu's labels.

The classifier is trained here exactly as in the notebook (same strokes, features and defaults: 100 trees of
depth 2, ``random_state=0`` inside APOC), into a temporary file; nothing is written to the course folder.
"""
from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from segcourse.data import load
from segcourse.exercises import ChoiceExercise, NumberExercise

__all__ = ["one_stroke_prediction", "unseen_half_f1", "annotate", "train_and_predict", "object_f1",
           "NUCLEUS_STROKES", "BACKGROUND_STROKES", "FEATURES", "HALF", "BACKGROUND", "NUCLEUS"]

BACKGROUND, NUCLEUS = 1, 2
# (y0, x0, y1, x1) of each stroke, all in the left half of the field (columns < 348), as in the notebook
NUCLEUS_STROKES = [(113, 211, 122, 224), (416, 136, 438, 138), (462, 282, 478, 280),
                   (337, 297, 356, 292), (128, 261, 142, 279), (241, 202, 260, 197)]
BACKGROUND_STROKES = [(359, 5, 379, 5), (369, 184, 389, 184), (462, 100, 482, 100),
                      (80, 288, 100, 288), (270, 151, 290, 151), (291, 235, 311, 235)]
FEATURES = "original gaussian_blur=1 sobel_of_gaussian_blur=1"
HALF = 348   # the first column of the right half of the 696 columns


def annotate(nucleus_strokes, background_strokes, shape) -> np.ndarray:
    """A sparse annotation: 0 not annotated, 1 background, 2 nucleus; each stroke a 1-pixel line."""
    from skimage.draw import line
    annotation = np.zeros(shape, dtype=np.uint8)
    for value, strokes in [(BACKGROUND, background_strokes), (NUCLEUS, nucleus_strokes)]:
        for y0, x0, y1, x1 in strokes:
            annotation[line(y0, x0, y1, x1)] = value
    return annotation


def train_and_predict(strokes_per_class: int, image=None) -> np.ndarray:
    """Labels of an APOC ObjectSegmenter trained on the first strokes of each class on the BBBC039 field, applied
    to `image` (default: the field itself). The classifier file lives in a temporary folder."""
    import apoc
    field = load("bbbc039_nuclei")
    annotation = annotate(NUCLEUS_STROKES[:strokes_per_class], BACKGROUND_STROKES[:strokes_per_class],
                          field.shape)
    with tempfile.TemporaryDirectory() as folder:
        classifier = apoc.ObjectSegmenter(opencl_filename=str(Path(folder) / "nuclei.cl"),
                                          positive_class_identifier=NUCLEUS)
        classifier.train(features=FEATURES, ground_truth=annotation, image=field)
        return np.asarray(classifier.predict(image=field if image is None else image))


def object_f1(reference, prediction, threshold: float = 0.5) -> float:
    """Object-wise F1 score: 2 TP / (2 TP + FP + FN), objects matched at IoU >= threshold."""
    from segcourse.metrics import object_counts
    tp, fp, fn = object_counts(reference, prediction, threshold=threshold)
    return 2 * tp / (2 * tp + fp + fn)


@lru_cache(maxsize=None)
def _labels(strokes_per_class: int) -> np.ndarray:
    return train_and_predict(strokes_per_class)


@lru_cache(maxsize=None)
def _voronoi_otsu() -> np.ndarray:
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    return np.asarray(nsbatwm.voronoi_otsu_labeling(load("bbbc039_nuclei"), spot_sigma=5, outline_sigma=1))


def _truth() -> np.ndarray:
    return load("bbbc039_ground_truth")


# --- Exercise 1: predict what one stroke per class teaches -----------------------------------------------------

one_stroke_prediction = ChoiceExercise(
    "classifier_from_annotations.one_stroke_prediction",
    options={"a": "nearly all 110 nuclei: it is right on every pixel it was trained on",
             "b": "the bright nuclei; dim ones are missed or broken into pieces",
             "c": "only the nucleus its stroke lies on"},
    answer="b",
    explanations={
        "a": ("Being right on its 35 training pixels says little: one stroke shows the forest one kind of nucleus, "
              "a bright one. Any rule that separates those pixels from the background stroke passes, e.g. "
              "'brighter than the dim nuclei are'. Run the next cell to see what it learned."),
        "b": ("Right: the only nucleus it has seen is one of the brightest, so it learned 'nucleus = about "
              "that bright'. Dim nuclei fall below what it learned, and only their brightest specks pass. Run the "
              "next cell to see."),
        "c": ("The classifier does not remember where the stroke was: it decides for every pixel of the image "
              "from that pixel's features alone. Any pixel that looks like the stroke's pixels becomes nucleus, "
              "anywhere in the image."),
    },
    hints=["The classifier decides pixel by pixel from the features (the grey value, the blurred grey value, the "
           "edge strength), anywhere in the image.",
           "Its only example of a nucleus is one of the brightest nuclei of the field. What does a dim nucleus "
           "look like to a rule learned from it?"],
    solution_text='prediction = "b"  # it learned a bright nucleus: dim ones fall below its rule',
)


# --- Exercise 2: the F1 score on the half that no stroke touches -----------------------------------------------

def _right(array) -> np.ndarray:
    return np.asarray(array)[:, HALF:]


def _expected() -> float:
    return object_f1(_right(_truth()), _right(_labels(6)))


def _count_ratio(kind: str):
    def compute():
        from segcourse.metrics import object_counts
        tp, fp, fn = object_counts(_right(_truth()), _right(_labels(6)), threshold=0.5)
        return tp / (tp + fp) if kind == "precision" else tp / (tp + fn)
    return compute


def _pixel_dice() -> float:
    from segcourse.metrics import dice_index
    return dice_index(_right(_truth()), _right(_labels(6)))


_HALF_HELP = ("Crop both images the same way, `[:, 348:]` (all rows, columns 348 and beyond), and compute "
              "`object_f1(ground_truth[:, 348:], labels[:, 348:])`.")

unseen_half_f1 = NumberExercise(
    "classifier_from_annotations.unseen_half_f1",
    expected=_expected,
    decimals=2,
    mistakes=[
        (lambda: object_f1(_truth(), _labels(6)),
         "That is the F1 score of the whole field, strokes included (or of its top 348 rows, which scores the "
         "same to 2 decimals: `[:348]` takes the top rows, as the first index is the row). The question asks for "
         "the right half only. " + _HALF_HELP),
        (lambda: object_f1(np.asarray(_truth())[:, :HALF], _labels(6)[:, :HALF]),
         "That is the left half, `[:, :348]`, where the strokes are. The unseen half is the right one: "
         "`[:, 348:]`."),
        (lambda: object_f1(np.asarray(_truth())[HALF:], _labels(6)[HALF:]),
         "That crop takes rows 348 and beyond (the bottom of the field): the first index is the row (y), the "
         "second the column (x). The right half is `[:, 348:]`."),
        (_count_ratio("precision"),
         "That is the object-wise precision of the right half, TP / (TP + FP). The F1 score combines precision and "
         "recall: 2 TP / (2 TP + FP + FN), as `object_f1` computes it."),
        (_count_ratio("recall"),
         "That is the object-wise recall of the right half, TP / (TP + FN). The F1 score combines precision and "
         "recall: 2 TP / (2 TP + FP + FN), as `object_f1` computes it."),
        (_pixel_dice,
         "That is the pixel-wise Dice index (the F1 score of pixels) of the right half. The question asks for "
         "objects: match them at IoU 0.5 with `object_f1` (it uses `metrics.object_counts`)."),
        (lambda: object_f1(_right(_truth()), _right(_labels(1))),
         "That is the score of the one-stroke classifier (`labels_1`). Use `labels`, the classifier trained on "
         "6 strokes per class."),
        (lambda: object_f1(_right(_truth()), _right(_voronoi_otsu())),
         "That is Voronoi-Otsu's score on the right half (`labels_voronoi`). Use `labels`, the classifier's."),
    ],
    wrong="That is not the object F1 score of `labels` on the right half. " + _HALF_HELP,
    hints=["The right half is every row and the columns from 348 on: `image[:, 348:]` (rows first, then columns).",
           "Crop the ground truth and the classifier's `labels` alike, then score them with `object_f1` from the "
           "scoring cell above.",
           "`unseen_f1 = object_f1(ground_truth[:, 348:], labels[:, 348:])`"],
    solution_text="unseen_f1 = object_f1(ground_truth[:, 348:], labels[:, 348:])",
    success=("The half no stroke touches scores as well as the whole field, even better: it holds fewer touching "
             "nuclei, which connected components merge. A forest of 100 trees of depth 2 on 3 features learns a "
             "few thresholds; it has little room to learn the left half by heart."),
)
