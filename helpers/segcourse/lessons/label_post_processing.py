"""Lesson 08, label post-processing: the exercises, and the lesson's label image they are checked against.

- ``predict_dilation``: before running it, what dilating the labels by 2 pixels does to the object count
  (nothing: label dilation stops where objects meet, so touching objects never merge).
- ``edge_mean_area``: the mean area in pixels of the objects that touch the image border (211.4, against 379.6
  for the others). Recognises the mean of the objects that do not touch the border, of all objects, the
  background counted among the border objects, their number and their total area.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from segcourse.data import load
from segcourse.exercises import ChoiceExercise, NumberExercise

__all__ = ["predict_dilation", "edge_mean_area", "lesson_labels", "edge_ids", "edge_areas"]


@lru_cache(maxsize=1)
def _labels() -> np.ndarray:
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    labels = np.asarray(nsbatwm.voronoi_otsu_labeling(load("blobs"), spot_sigma=3.5, outline_sigma=1))
    labels.flags.writeable = False
    return labels


def lesson_labels() -> np.ndarray:
    """The lesson's label image: Voronoi-Otsu labelling of blobs (spot_sigma=3.5, outline_sigma=1), a copy."""
    return _labels().copy()


def edge_ids(labels) -> np.ndarray:
    """Ids of the labels that touch the image border (on its first or last row or column)."""
    labels = np.asarray(labels)
    border = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    ids = np.unique(border)
    return ids[ids > 0]


# --- exercise 1: predict, then run ---------------------------------------------------------------------------
predict_dilation = ChoiceExercise(
    "label_post_processing.predict_dilation",
    options={"a": "fewer than 66: objects that touch after growing merge into one",
             "b": "66: every object grows, but keeps its own id",
             "c": "more than 66: growing splits objects"},
    answer="b",
    explanations={
        "a": ("That is what happens when you dilate a *binary* image and label it again (see below). Label "
              "dilation grows each object only into the background and stops where it meets another object: "
              "ids never merge."),
        "b": ("Yes: label dilation grows each object into the background and stops where it meets another: "
              "66 objects, each a little larger."),
        "c": "Growing adds pixels to objects; it never cuts one into pieces.",
    },
    hints=["Label dilation writes each object's own id into the background pixels around it. Can two ids "
           "become one?"],
    solution_text='prediction = "b"  # 66: objects grow, but never merge',
)


# --- exercise 2: the mean area of the objects on the border --------------------------------------------------
@lru_cache(maxsize=1)
def edge_areas() -> dict:
    """Mean area (pixels) of all labels, of those touching the border and of the others; count, total, ..."""
    labels = _labels()
    areas = np.bincount(labels.ravel())
    ids = np.flatnonzero(areas)
    ids = ids[ids > 0]
    on_edge = edge_ids(labels)
    inner = np.setdiff1d(ids, on_edge)
    with_background = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return {"all": float(areas[ids].mean()), "edge": float(areas[on_edge].mean()),
            "inner": float(areas[inner].mean()), "edge count": int(len(on_edge)),
            "edge total": int(areas[on_edge].sum()), "edge with background": float(areas[with_background].mean())}


def _area(name):
    return lambda: edge_areas()[name]


edge_mean_area = NumberExercise(
    "label_post_processing.edge_mean_area",
    expected=_area("edge"),
    decimals=1,
    unit="pixels",
    mistakes=[
        (_area("inner"), "That is the mean area of the objects that do NOT touch the border (what "
                         "`exclude_labels_on_edges` keeps). We want the ones it removes."),
        (_area("all"), "That is the mean area of all objects. We want only those that touch the border."),
        (_area("edge with background"),
         "The background (0) is among your ids: the border rows and columns hold background pixels too. Leave "
         "out id 0 before you average."),
        (_area("edge total"), "That is the total area of the border objects. Divide by their number: the mean."),
        (_area("edge count"), "That is the number of objects on the border, not their mean area."),
    ],
    wrong=("That is not the mean area of the objects on the border. List the ids on the first and last row and "
           "column of `labels` (without 0), then average their areas from `np.bincount(labels.ravel())`."),
    success=("The image border cuts these objects: on average they measure 211.4 pixels, against 379.6 for the "
             "objects inside, 44% smaller. Keep them, and every mean area is pulled down."),
    hints=["The objects that touch the border have an id on the first or last row or column of `labels`: "
           "`labels[0]`, `labels[-1]`, `labels[:, 0]`, `labels[:, -1]`.",
           "`np.unique(np.concatenate([...]))` lists those ids, and 0, the background: drop it.",
           "`np.bincount(labels.ravel())` gives the area of every id; index it with the edge ids and take the "
           "mean."],
    solution_text=("border = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])\n"
                   "ids_on_edge = np.unique(border[border > 0])\n"
                   "edge_mean = np.bincount(labels.ravel())[ids_on_edge].mean()"),
)
