"""Lesson 01, terminology: exercises on label images, [y, x] indexing and instance vs semantic segmentation."""
from functools import lru_cache

import numpy as np

from segcourse.data import load
from segcourse.exercises import Exercise, is_number

__all__ = ["blobs_labels", "pixel_value", "count_annotated", "instance_or_semantic",
           "PIXEL_Y", "PIXEL_X", "ANNOTATION"]

PIXEL_Y, PIXEL_X = 40, 180                      # the pixel the first exercise asks about
ANNOTATION = "bbbc007_annotation/20P1_POS0007_D_1UL"  # the annotation the second exercise asks about


@lru_cache(maxsize=1)
def _blobs_image_and_labels():
    from skimage.filters import threshold_otsu
    from skimage.measure import label

    image = load("blobs")
    labels = label(image > threshold_otsu(image))
    labels.flags.writeable = False
    return image, labels


def blobs_labels() -> np.ndarray:
    """The label image of the lesson: blobs, Otsu threshold, connected components (scikit-image), 64 objects."""
    return _blobs_image_and_labels()[1].copy()


# --- exercise 1: read a pixel value at [y, x] ------------------------------------------------------------
def _check_pixel_value(answer):
    image, labels = _blobs_image_and_labels()
    expected = int(labels[PIXEL_Y, PIXEL_X])
    if not is_number(answer):
        return False, ("Expected one number, the value of one pixel. `labels[y, x]` with two numbers gives one "
                       "pixel; a slice like `labels[y]` gives a whole row.")
    if answer == expected:
        return True, (f"`labels[{PIXEL_Y}, {PIXEL_X}]` is {expected}: this pixel belongs to object number "
                      f"{expected}. Row (y) first, column (x) second.")
    if answer == labels[PIXEL_X, PIXEL_Y]:
        return False, (f"{answer} is the value at y={PIXEL_X}, x={PIXEL_Y}: the coordinates are swapped. "
                       "numpy indexes rows first: `labels[y, x]`.")
    if answer == image[PIXEL_Y, PIXEL_X]:
        return False, (f"{answer} is the grey value of `image` at that pixel; the question asks for the id in the "
                       "label image `labels`.")
    if answer == image[PIXEL_X, PIXEL_Y]:
        return False, ("That is a grey value of `image`, and at swapped coordinates: read `labels`, rows (y) first.")
    return False, (f"{answer} is not the value of `labels` at y={PIXEL_Y}, x={PIXEL_X}. Index the label image "
                   "with the row first: `labels[y, x]`.")


pixel_value = Exercise(
    "lesson01.pixel_value", checker=_check_pixel_value,
    hints=["A 2D numpy array is indexed `array[row, column]`, and the row is the y coordinate.",
           f"Read the label image `labels` (not `image`) at row {PIXEL_Y}, column {PIXEL_X}.",
           f"`labels[{PIXEL_Y}, {PIXEL_X}]`"],
    solution_text=f"value = labels[{PIXEL_Y}, {PIXEL_X}]",
)


# --- exercise 2: how many objects does an annotation hold? ------------------------------------------------
def _check_count_annotated(answer):
    annotation = load(ANNOTATION)
    ids = np.unique(annotation)
    expected = int(np.count_nonzero(ids))
    if not is_number(answer):
        return False, "Expected one number, the count of annotated objects, not an array or a list of ids."
    if answer == expected:
        return True, (f"{expected} nuclei are annotated: the distinct non-zero values of the annotation "
                      f"({', '.join(str(i) for i in ids[ids > 0])}).")
    if answer == len(ids):
        return False, (f"{answer} counts every distinct value, including 0. Zero is not an object: it marks "
                       "pixels nobody annotated.")
    if answer == np.count_nonzero(annotation):
        return False, "You counted annotated pixels, not objects: each object covers many pixels with one id."
    if answer == annotation.size:
        return False, "That is the number of pixels in the whole image, not of objects."
    return False, (f"{answer} is not the number of annotated objects in {ANNOTATION!r}. Count the distinct "
                   "values other than 0.")


count_annotated = Exercise(
    "lesson01.count_annotated", checker=_check_count_annotated,
    hints=["Each annotated object has its own number; background (not annotated) is 0.",
           "`np.unique(annotation)` lists the distinct values. Which of them is not an object?",
           "`len(np.unique(annotation)) - 1`, or count the non-zero entries of `np.unique(annotation)`."],
    solution_text=(f'annotation = segcourse.load("{ANNOTATION}")\n'
                   "ids = np.unique(annotation)\n"
                   "number_of_objects = np.count_nonzero(ids)  # every id except the background 0"),
)


# --- exercise 3: instance or semantic? --------------------------------------------------------------------
KINDS = {
    "labels": ("instance", "every blob has its own number, so two blobs can be told apart"),
    "binary": ("semantic", "every blob pixel has the same value 1: the image says 'blob or not', not which blob"),
    "classes": ("semantic", "all nucleus pixels are 2 and all cytoplasm pixels 1, whichever cell they belong to"),
    "nuclei_labels": ("instance", "each nucleus has its own id"),
    "ground_truth": ("instance", "each of the 110 nuclei has its own id"),
    "land_use": ("semantic", "all forest pixels share one value, all water pixels another: regions, not objects"),
}


def _check_kinds(answer):
    if not isinstance(answer, dict):
        return False, ('Expected a dict such as {"labels": "instance", "binary": "semantic", ...} with one entry per '
                       "example.")
    missing = [name for name in KINDS if name not in answer]
    if missing:
        return False, f"Some examples have no answer yet: {', '.join(missing)}."
    unknown = [name for name in answer if name not in KINDS]
    if unknown:
        return False, f"Unknown example name(s): {', '.join(map(str, unknown))}. Use: {', '.join(KINDS)}."
    wrong = []
    for name, (kind, reason) in KINDS.items():
        given = str(answer[name]).strip().lower()
        if given not in ("instance", "semantic"):
            return False, f'Answer "instance" or "semantic" for {name!r}, not {answer[name]!r}.'
        if given != kind:
            wrong.append(f"`{name}` is {kind}: {reason}")
    if wrong:
        return False, "Not all are right. " + "; ".join(wrong) + "."
    return True, ("All right: an instance segmentation gives each object its own id; a semantic segmentation gives "
                  "each class (type of region) one value.")


instance_or_semantic = Exercise(
    "lesson01.instance_or_semantic", checker=_check_kinds,
    hints=["Ask of each example: can two objects of the same kind have different values?",
           "If yes, it is an instance segmentation; if all objects of a kind share one value, it is semantic.",
           "Binary images are semantic (two classes). Label images with one id per object are instance."],
    solution_text=("kinds = {\n"
                   + "".join(f'    "{name}": "{kind}",\n' for name, (kind, _) in KINDS.items())
                   + "}"),
)
