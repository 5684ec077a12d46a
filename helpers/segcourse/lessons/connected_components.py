"""Lesson 03, connected components: its exercises, and ``same_objects`` for comparing label images.

- ``count_4_connected``: the number of objects in ``EXERCISE_GRID`` with 4-connectivity: 10. Recognises the
  count with 8-connectivity (3), the number of foreground pixels (19), the background counted as an object
  (11) and a label image given instead of its count.
- ``relabel``: ``ANNOTATION`` (ids 1, 2, 4, 5, 6, 7, 8: the id 3 is not used) renumbered 1 to 7 with the same
  objects. Recognises the whole tuple that ``skimage.segmentation.relabel_sequential`` returns, the annotation
  unchanged, the lesson's other label image (``label_map_with_index_gaps``), a binary image, ids that are still
  not 1 to 7 (merged objects) and objects that changed; any numbering of the same objects with ids 1 to 7 is
  right (``cle.relabel_sequential``, or a new labelling of ``annotation > 0``).
"""
import numpy as np

from segcourse.data import load
from segcourse.exercises import Exercise, NumberExercise

__all__ = ["EXERCISE_GRID", "ANNOTATION", "count_4_connected", "relabel", "same_objects"]

# The grid of exercise 1: 10 objects with 4-connectivity, 3 with 8-connectivity, 19 foreground pixels.
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

ANNOTATION = "bbbc007_annotation/AS_09125_040701150004_A02f00d0"  # exercise 2: ids 1-8 without 3


def same_objects(labels_a, labels_b) -> bool:
    """True if two label images hold the same objects, whatever ids they carry (equal up to renumbering)."""
    labels_a, labels_b = np.asarray(labels_a), np.asarray(labels_b)
    if labels_a.shape != labels_b.shape or not np.array_equal(labels_a == 0, labels_b == 0):
        return False
    pairs = np.unique(np.stack([labels_a.ravel(), labels_b.ravel()]), axis=1)  # each (id in a, id in b) once
    return pairs.shape[1] == len(np.unique(labels_a)) == len(np.unique(labels_b))


def _count(connectivity):
    def count():
        from skimage.measure import label
        return int(label(EXERCISE_GRID, connectivity=connectivity).max())
    return count


class _CountExercise(NumberExercise):
    """A NumberExercise that recognises a label image given instead of its number of objects."""

    def _check(self, answer):
        array = np.asarray(answer) if hasattr(answer, "shape") else None
        if array is not None and array.shape == EXERCISE_GRID.shape:
            return False, ("That is a label image, not a number. Its number of objects is its largest id, "
                           "`.max()`, because the ids of a fresh labelling run 1, 2, 3, ... without gaps.")
        return super()._check(answer)


count_4_connected = _CountExercise(
    "connected_components.count_4_connected",
    expected=_count(1),
    mistakes=[
        (_count(2), "That is the count with 8-connectivity, where pixels that touch at a corner join (scikit-image's "
                    "`label` uses it unless you pass `connectivity=1`). With 4-connectivity only the left, right, "
                    "upper and lower neighbours connect."),
        (lambda: np.count_nonzero(EXERCISE_GRID), "That is the number of foreground pixels, not of objects."),
        (lambda: _count(1)() + 1, "One too many: did you count the background 0 as an object?"),
    ],
    wrong="Not the number of 4-connected objects. Label the grid with 4-connectivity and take the largest id.",
    hints=["4-connectivity: a pixel connects only to its left, right, upper and lower neighbours, not across "
           "corners.",
           "`cle.connected_components_labeling_diamond` and scikit-image's `label(..., connectivity=1)` use "
           "4-connectivity.",
           "`label(exercise_grid, connectivity=1).max()`"],
    solution_text=("labels_4 = cle.pull(cle.connected_components_labeling_diamond(exercise_grid))\n"
                   "count_4 = labels_4.max()"),
    success="With 8-connectivity, pixels that touch at a corner join, and there are only 3 objects.",
)


def _check_relabel(answer):
    annotation = load(ANNOTATION)
    count = len(np.unique(annotation)) - 1
    if isinstance(answer, tuple):
        return False, ("`relabel_sequential` returns three things: the new label image and two maps between old "
                       "and new ids. Keep only the first: `relabelled, forward_map, inverse_map = "
                       "relabel_sequential(annotation)`.")
    answer = np.asarray(answer)
    if answer.shape == load("label_map_with_index_gaps").shape:
        return False, "That has the shape of `labels_with_gaps`, the lesson's example. Relabel `annotation`."
    if answer.shape != annotation.shape:
        return False, f"Expected a label image of shape {annotation.shape}, got shape {answer.shape}."
    if answer.dtype == bool:
        return False, ("That is a binary image: all objects share the value True. Relabel the label image "
                       "`annotation` itself.")
    if np.array_equal(answer, annotation):
        return False, "That is `annotation` unchanged: its ids still have a gap."
    ids = np.unique(answer)
    if not np.array_equal(ids, np.arange(count + 1)):
        shown = ", ".join(str(i) for i in ids[:12]) + (", ..." if len(ids) > 12 else "")
        return False, f"The ids should be 0 to {count} with none missing; yours are {shown}."
    if not same_objects(answer, annotation):
        return False, ("The ids run 1 to 7 now, but the objects changed (merged, split or moved). Relabelling "
                       "changes only the numbers.")
    return True, f"Ids 1 to {count}, the same objects: now the largest id is the number of objects again."


relabel = Exercise(
    "connected_components.relabel", checker=_check_relabel,
    hints=["Renumber the objects 1, 2, 3, ... without changing which pixel belongs to which object.",
           "`relabel_sequential` from `skimage.segmentation` (or `cle.relabel_sequential`) does that.",
           "scikit-image's `relabel_sequential(annotation)` returns three things; the first is the label image."],
    solution_text="relabelled, forward_map, inverse_map = relabel_sequential(annotation)",
)
