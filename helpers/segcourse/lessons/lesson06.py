"""Lesson 06, label post-processing: exercises on removing edge and small labels, and on what edge objects measure."""
from functools import lru_cache

import numpy as np

from segcourse.data import load
from segcourse.exercises import Exercise, is_number

__all__ = ["clean_labels", "edge_mean_area", "MINIMUM_SIZE", "lesson_labels", "edge_ids", "edge_mean_areas", "same_objects"]

MINIMUM_SIZE = 100  # pixels; objects smaller than this are removed in the first exercise


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
    """Ids of the labels that touch the image border."""
    labels = np.asarray(labels)
    border = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    ids = np.unique(border)
    return ids[ids > 0]


def same_objects(labels_a, labels_b) -> bool:
    """True if two label images hold the same objects, whatever ids they carry."""
    labels_a, labels_b = np.asarray(labels_a), np.asarray(labels_b)
    if labels_a.shape != labels_b.shape or not np.array_equal(labels_a == 0, labels_b == 0):
        return False
    pairs = np.unique(np.stack([labels_a.ravel(), labels_b.ravel()]), axis=1)
    return pairs.shape[1] == len(np.unique(labels_a)) == len(np.unique(labels_b))


def _areas(labels):
    areas = np.bincount(np.asarray(labels).ravel())
    return areas


# --- exercise 1: remove edge labels and small labels --------------------------------------------------------
def _expected_clean():
    labels = _labels()
    areas = _areas(labels)
    keep = areas >= MINIMUM_SIZE
    keep[0] = False
    keep[edge_ids(labels)] = False
    return labels * keep[labels]


def _describe(labels):
    areas = _areas(labels)[1:]
    areas = areas[areas > 0]
    return len(areas), float(areas.mean())


def _check_clean_labels(answer):
    labels = _labels()
    if isinstance(answer, tuple):
        return False, "Expected one label image, not a tuple. If a function returned several things, pass the first."
    if is_number(answer):
        return False, "Expected the label image itself, not a number: pass the cleaned label image."
    answer = np.asarray(answer)
    if answer.shape != labels.shape:
        return False, f"Expected a label image of shape {labels.shape}, got shape {answer.shape}."
    if answer.dtype == bool or answer.max() <= 1:
        return False, "That looks like a binary image. Pass the label image, with one id per object."
    expected = _expected_clean()
    count, mean_area = _describe(expected)
    if same_objects(answer, expected):
        return True, (f"{count} objects remain, mean area {mean_area:.1f} pixels (66 objects and 333.7 pixels "
                      "before): neither cut-off border objects nor small specks pull the mean down any more.")
    if same_objects(answer, labels):
        return False, "That is the original label image: nothing was removed."
    inside = answer > 0
    if np.any(inside & (labels == 0)):
        return False, ("Your objects cover pixels that are background in `labels`, so they changed shape (dilated, "
                       "closed or smoothed?). Only remove whole objects.")
    kept_ids = np.unique(labels[inside])
    kept_ids = kept_ids[kept_ids > 0]
    partly = [i for i in kept_ids if not np.all(inside[labels == i])]
    if partly:
        return False, (f"{len(partly)} objects lost some of their pixels (eroded or opened?). Remove whole objects, "
                       "keep the others unchanged.")
    areas = _areas(labels)
    on_edge = np.intersect1d(kept_ids, edge_ids(labels))
    small = kept_ids[areas[kept_ids] < MINIMUM_SIZE]
    problems = []
    if len(on_edge):
        problems.append(f"{len(on_edge)} objects still touch the image border")
    if len(small):
        problems.append(f"{len(small)} objects are smaller than {MINIMUM_SIZE} pixels")
    if problems:
        return False, " and ".join(problems).capitalize() + ". Remove both kinds."
    return False, (f"You removed too much: {count} objects should remain, you kept {len(kept_ids)}. Keep every "
                   f"object of {MINIMUM_SIZE} pixels or more that does not touch the border (did you also exclude "
                   "large labels?).")


clean_labels = Exercise(
    "lesson06.clean_labels", checker=_check_clean_labels,
    hints=["Two steps, in either order: remove the labels on the image edges, then the small ones.",
           "`cle.exclude_labels_on_edges(labels)` and `cle.exclude_small_labels(..., maximum_size=100)`: it "
           "removes objects smaller than `maximum_size` pixels.",
           "`cle.exclude_small_labels(cle.exclude_labels_on_edges(labels), maximum_size=100)`, then `cle.pull`."],
    solution_text=("without_edges = cle.exclude_labels_on_edges(labels)\n"
                   "cleaned = cle.pull(cle.exclude_small_labels(without_edges, maximum_size=100))"),
)


# --- exercise 2: the mean area of the objects on the border -------------------------------------------------
def edge_mean_areas() -> dict:
    """Mean area (pixels) of all labels, of those touching the border and of the others; and the edge count."""
    labels = _labels()
    areas = _areas(labels)
    ids = np.arange(1, labels.max() + 1)
    ids = ids[areas[ids] > 0]
    on_edge = edge_ids(labels)
    inner = np.setdiff1d(ids, on_edge)
    return {"all": float(areas[ids].mean()), "edge": float(areas[on_edge].mean()),
            "inner": float(areas[inner].mean()), "edge count": int(len(on_edge))}


def _check_edge_mean_area(answer):
    means = edge_mean_areas()
    if not is_number(answer):
        return False, "Expected one number, the mean area in pixels of the objects that touch the border."

    def close(value):
        return abs(float(answer) - value) < 0.1

    if close(means["edge"]):
        return True, (f"{means['edge']:.1f} pixels, against {means['inner']:.1f} for the objects inside: the image "
                      f"border cuts the edge objects, so they measure {1 - means['edge'] / means['inner']:.0%} "
                      "smaller on average.")
    if close(means["inner"]):
        return False, ("That is the mean area of the objects that do NOT touch the border (what "
                       "`exclude_labels_on_edges` keeps). We want the ones it removes.")
    if close(means["all"]):
        return False, "That is the mean area of all objects. We want only those that touch the border."
    if answer == means["edge count"]:
        return False, f"{means['edge count']} is the number of objects on the border, not their mean area."
    return False, (f"{answer} is not the mean area of the border objects. Find the ids on the first and last row and "
                   "column, then average their areas.")


edge_mean_area = Exercise(
    "lesson06.edge_mean_area", checker=_check_edge_mean_area,
    hints=["The objects that touch the border have an id on the first or last row or column of `labels`.",
           "`np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))` lists those ids "
           "(and 0, the background: drop it).",
           "`np.bincount(labels.ravel())` gives the area of every id; index it with the edge ids and take the mean."],
    solution_text=("border = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])\n"
                   "edge_ids = np.unique(border[border > 0])\n"
                   "edge_mean = np.bincount(labels.ravel())[edge_ids].mean()"),
)
