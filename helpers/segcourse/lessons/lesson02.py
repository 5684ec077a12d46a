"""Lesson 02, connected component labelling: exercises on connectivity, label gaps and sequential relabelling."""
import numpy as np

from segcourse.data import load
from segcourse.exercises import Exercise, is_number

__all__ = ["EXERCISE_GRID", "count_4_connected", "objects_with_gaps", "relabel", "same_objects"]

# The grid of the first exercise: 10 objects with 4-connectivity, 3 with 8-connectivity, 19 foreground pixels.
EXERCISE_GRID = np.array([
    [1, 1, 0, 0, 1, 0, 0],
    [1, 0, 0, 1, 0, 0, 0],
    [0, 1, 1, 0, 0, 1, 1],
    [0, 0, 1, 0, 0, 1, 0],
    [1, 0, 0, 1, 1, 0, 0],
    [0, 1, 0, 0, 1, 0, 1],
    [0, 0, 1, 0, 0, 0, 1],
], dtype=np.uint8)
EXERCISE_GRID.flags.writeable = False


def same_objects(labels_a, labels_b) -> bool:
    """True if two label images hold the same objects, whatever numbers they carry (equal up to renumbering)."""
    labels_a, labels_b = np.asarray(labels_a), np.asarray(labels_b)
    if labels_a.shape != labels_b.shape or not np.array_equal(labels_a == 0, labels_b == 0):
        return False
    pairs = np.unique(np.stack([labels_a.ravel(), labels_b.ravel()]), axis=1)  # each (id in a, id in b) once
    return pairs.shape[1] == len(np.unique(labels_a)) == len(np.unique(labels_b))


def _grid_counts():
    from skimage.measure import label
    return (int(label(EXERCISE_GRID, connectivity=1).max()), int(label(EXERCISE_GRID, connectivity=2).max()),
            int(np.count_nonzero(EXERCISE_GRID)))


# --- exercise 1: label a small grid with 4-connectivity ----------------------------------------------------
def _check_count_4(answer):
    four, eight, pixels = _grid_counts()
    if not is_number(answer):
        return False, ("Expected one number, the count of objects. If you passed the label image, give its number of "
                       "objects instead, e.g. its maximum.")
    if answer == four:
        return True, (f"{four} objects with 4-connectivity. With 8-connectivity pixels that touch at a corner join, "
                      f"and there are only {eight}.")
    if answer == eight:
        return False, (f"{eight} is the count with 8-connectivity (neighbours across corners count too). "
                       "With 4-connectivity only the left, right, upper and lower neighbours connect.")
    if answer == pixels:
        return False, f"{pixels} is the number of foreground pixels, not of objects."
    if answer == four + 1:
        return False, "One too many: did you count the background 0 as an object?"
    return False, (f"{answer} is not the number of 4-connected objects. Label the grid with 4-connectivity and take "
                   "the largest id.")


count_4_connected = Exercise(
    "lesson02.count_4_connected", checker=_check_count_4,
    hints=["4-connectivity: a pixel connects only to its left, right, upper and lower neighbour, not across corners.",
           "`cle.connected_components_labeling_diamond` and `skimage.measure.label(..., connectivity=1)` use "
           "4-connectivity.",
           "`skimage.measure.label(exercise_grid, connectivity=1).max()`"],
    solution_text=("labels_4 = cle.connected_components_labeling_diamond(exercise_grid)\n"
                   "count_4 = int(labels_4.max())"),
)


# --- exercise 2: how many objects in a label image with gaps? ------------------------------------------------
def _check_objects_with_gaps(answer):
    labels = load("label_map_with_index_gaps")
    ids = np.unique(labels)
    expected = int(np.count_nonzero(ids))
    if not is_number(answer):
        return False, "Expected one number, the count of objects, not a list of ids or an image."
    if answer == expected:
        return True, (f"{expected} objects, with ids {', '.join(str(i) for i in ids[ids > 0])}: the maximum "
                      f"({ids.max()}) is not the count when ids have gaps.")
    if answer == labels.max():
        return False, (f"{answer} is the largest id, but not every id up to {answer} is used. Which ids occur in the "
                       "image?")
    if answer == len(ids):
        return False, f"{answer} counts the background 0 as well. Count only the ids other than 0."
    if answer == np.count_nonzero(labels):
        return False, "You counted labelled pixels, not objects."
    return False, f"{answer} is not the number of objects. List the ids with `np.unique` and count those above 0."


objects_with_gaps = Exercise(
    "lesson02.objects_with_gaps", checker=_check_objects_with_gaps,
    hints=["The maximum is the count only if the ids are 1, 2, 3, ... with none missing.",
           "`np.unique(labels)` lists the ids that occur, including the background 0.",
           "`len(np.unique(labels)) - 1`"],
    solution_text=('labels = segcourse.load("label_map_with_index_gaps")\n'
                   "number_of_objects = len(np.unique(labels)) - 1  # minus the background 0"),
)


# --- exercise 3: relabel sequentially ------------------------------------------------------------------------
def _check_relabel(answer):
    labels = load("label_map_with_index_gaps")
    count = len(np.unique(labels)) - 1
    if isinstance(answer, tuple):
        return False, ("`relabel_sequential` returns three things: the new label image, and the forward and inverse "
                       "maps. Pass only the first, e.g. `relabelled, _, _ = relabel_sequential(labels)`.")
    answer = np.asarray(answer)
    if answer.shape != labels.shape:
        return False, f"Expected a label image of shape {labels.shape}, got shape {answer.shape}."
    ids = np.unique(answer)
    if np.array_equal(answer, labels):
        return False, "That is the original label image; its ids still have gaps."
    if not np.array_equal(ids, np.arange(count + 1)):
        return False, (f"The ids should be 0 to {count} with none missing; yours are {', '.join(map(str, ids))}.")
    if not same_objects(answer, labels):
        return False, ("The ids are sequential now, but the objects changed (merged, split or moved). Relabelling "
                       "must only change the numbers.")
    return True, f"Ids 1 to {count}, same objects: now the maximum is the count."


relabel = Exercise(
    "lesson02.relabel", checker=_check_relabel,
    hints=["Renumber the objects 1, 2, 3, ... without changing which pixel belongs to which object.",
           "`skimage.segmentation.relabel_sequential` and `cle.relabel_sequential` do that.",
           "`relabel_sequential` from scikit-image returns three values; the first is the label image."],
    solution_text=("relabelled, forward_map, inverse_map = relabel_sequential(labels_with_gaps)"),
)
