"""Segmentation quality metrics: the lecture's formulas, one small function each.

>>> from segcourse import metrics
>>> annotation = [[0, 1, 1, 2]]            # the reference B: two objects
>>> labels = [[0, 0, 1, 1]]                # the prediction A
>>> metrics.confusion_counts(annotation, labels)
Counts(tp=2, fp=0, fn=1, tn=1)
>>> metrics.jaccard_index(annotation, labels)
0.6666666666666666

Every function compares a prediction A (your segmentation) with a reference B (the ground truth, an annotation)
and takes them in the order ``metric(reference, prediction)``, like scikit-learn's ``(y_true, y_pred)`` and
the-segmentation-game's ``(reference_label_image, test_label_image)``.

Inputs are 2D or 3D numpy arrays of the same shape: binary images (bool or 0/1) or label images (integer ids,
0 = background). Pixel-wise metrics treat every pixel > 0 as foreground, so a label image counts as the union of
its objects. Object-wise metrics (``iou_table`` ... ``sparse_jaccard``) use the ids; gaps in the ids do no harm.

The counts behind the pixel-wise metrics (the lecture's "theory of sets"):
TP = |A ∩ B|, FP = |A \\ B|, FN = |B \\ A|, TN = pixels in neither A nor B.

Empty images, decided once for every metric:

- Images that agree everywhere get the perfect value, even where a formula would divide by zero (two empty
  images): 1.0 for scores (Jaccard, Dice, precision, recall, specificity, Youden index), 0.0 for errors and
  distances.
- Any other division by zero raises ``UndefinedMetricError`` (a ``ValueError``) that names the count that is zero,
  e.g. recall when the reference has no foreground but the prediction has some.
- A distance between an empty and a non-empty image is infinite, in both directions, as in
  ``skimage.metrics.hausdorff_distance`` (the distance to an empty set is the minimum over no points).
- ``sparse_jaccard`` needs at least one annotated object and raises otherwise.

The contour C(A) of a binary image A: the foreground pixels that have a background pixel among their face
neighbours (4 in 2D, 6 in 3D); pixels outside the image count as background, so every non-empty object has a
contour. For objects that do not touch the image border this is
``skimage.segmentation.find_boundaries(A, mode="inner")``.

Distances are Euclidean, computed with ``scipy.ndimage.distance_transform_edt``, in pixels or, with
``spacing=(z, y, x)`` voxel sizes, in physical units.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import ndimage as ndi
from scipy.optimize import linear_sum_assignment

__all__ = ["UndefinedMetricError", "Counts", "ObjectCounts", "IoUTable",
           "confusion_counts", "jaccard_index", "dice_index", "jaccard_from_dice", "precision", "recall",
           "specificity", "youden_index", "volume_error", "relative_volume_error", "volume_standard_deviation",
           "hamming_distance", "classification_error", "contour", "mean_contour_distance",
           "bilateral_mean_contour_distance", "hausdorff_distance", "bilateral_hausdorff_distance",
           "simplified_hausdorff_distance", "percentile_hausdorff_distance", "iou_table", "match_objects",
           "object_counts", "object_precision", "object_recall", "sparse_jaccard"]


class UndefinedMetricError(ValueError):
    """A metric divides by zero for these images (and they do not agree everywhere)."""


class Counts(NamedTuple):
    """Pixel (voxel) counts of a comparison: true/false positives/negatives."""
    tp: int
    fp: int
    fn: int
    tn: int


class ObjectCounts(NamedTuple):
    """Object counts: matched pairs (tp), unmatched predicted objects (fp), unmatched reference objects (fn)."""
    tp: int
    fp: int
    fn: int


class IoUTable(NamedTuple):
    """IoU of every reference object (rows) with every predicted object (columns), with their ids."""
    reference_ids: np.ndarray
    prediction_ids: np.ndarray
    iou: np.ndarray


# ---------------------------------------------------------------------------------------------- input checks

def _check_image(image, name: str) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(f"{name} must be a 2D or 3D image, but it has {image.ndim} dimension(s), shape "
                         f"{image.shape}. Pass one channel or one time point, e.g. image[0] or np.squeeze(image).")
    if image.dtype.kind == "f":
        if np.isnan(image).any():
            raise ValueError(f"{name} contains NaN values ({int(np.isnan(image).sum())} pixels). A binary or label "
                             "image holds 0 for background and whole numbers for objects: find where the NaN come "
                             "from, or replace them with np.nan_to_num(image).")
        raise ValueError(f"{name} holds floating-point values (dtype {image.dtype}); metrics need a binary image "
                         "or a label image of integer ids. Threshold an intensity image first (image > threshold), "
                         "or convert whole-number labels with image.astype(np.uint32).")
    if image.dtype.kind not in "biu":
        raise ValueError(f"{name} has dtype {image.dtype}; expected bool or integer labels.")
    if image.dtype.kind == "i" and image.size and image.min() < 0:
        raise ValueError(f"{name} contains negative ids (minimum {image.min()}). Label images use 0 for "
                         "background and 1, 2, ... for objects: relabel with skimage.measure.label(image > 0).")
    return image


def _check_pair(reference, prediction) -> tuple[np.ndarray, np.ndarray]:
    reference = _check_image(reference, "reference")
    prediction = _check_image(prediction, "prediction")
    if reference.shape != prediction.shape:
        raise ValueError(f"reference has shape {reference.shape} but prediction has shape {prediction.shape}. "
                         "Compare a segmentation with the annotation of the same image (same size, same "
                         "orientation); crop or resample one of them first.")
    return reference, prediction


def _foregrounds(reference, prediction) -> tuple[np.ndarray, np.ndarray]:
    """B and A as boolean masks (pixel > 0)."""
    reference, prediction = _check_pair(reference, prediction)
    return reference > 0, prediction > 0


def _ratio(numerator, denominator, undefined: str) -> float:
    if denominator == 0:
        raise UndefinedMetricError(undefined)
    return float(numerator / denominator)


# ---------------------------------------------------------------------------------------- pixel-wise metrics

def confusion_counts(reference, prediction) -> Counts:
    """TP = |A ∩ B|, FP = |A \\ B|, FN = |B \\ A|, TN = |not A and not B| (A prediction, B reference)."""
    b, a = _foregrounds(reference, prediction)
    return Counts(tp=int(np.sum(a & b)), fp=int(np.sum(a & ~b)), fn=int(np.sum(~a & b)), tn=int(np.sum(~a & ~b)))


def jaccard_index(reference, prediction) -> float:
    """Jaccard index (overlap, IoU): JI = |A ∩ B| / |A ∪ B| = TP / (TP + FP + FN). 1.0 for two empty images."""
    tp, fp, fn, _ = confusion_counts(reference, prediction)
    return 1.0 if tp + fp + fn == 0 else tp / (tp + fp + fn)


def dice_index(reference, prediction) -> float:
    """Dice index (F1 score): DI = 2 |A ∩ B| / (|A| + |B|) = 2 TP / (2 TP + FP + FN). 1.0 for two empty images."""
    tp, fp, fn, _ = confusion_counts(reference, prediction)
    return 1.0 if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)


def jaccard_from_dice(dice: float) -> float:
    """The identity JI = DI / (2 - DI): Jaccard and Dice rank segmentations in the same order."""
    return dice / (2 - dice)


def precision(reference, prediction) -> float:
    """Precision: TP / (TP + FP), the fraction of predicted foreground that is really foreground."""
    tp, fp, fn, _ = confusion_counts(reference, prediction)
    if tp + fp + fn == 0:
        return 1.0
    return _ratio(tp, tp + fp, "Precision is undefined: the prediction has no foreground (TP + FP = 0) while "
                               "the reference has some. Report recall (it is 0) instead.")


def recall(reference, prediction) -> float:
    """Recall (sensitivity, true-positive rate): TP / (TP + FN), the fraction of the reference that was found."""
    tp, fp, fn, _ = confusion_counts(reference, prediction)
    if tp + fp + fn == 0:
        return 1.0
    return _ratio(tp, tp + fn, "Recall is undefined: the reference has no foreground (TP + FN = 0) while the "
                               "prediction has some. Report precision (it is 0) instead.")


def specificity(reference, prediction) -> float:
    """Specificity (true-negative rate): TN / (TN + FP), the fraction of the reference background kept as such."""
    tp, fp, fn, tn = confusion_counts(reference, prediction)
    if fp + fn == 0:
        return 1.0
    return _ratio(tn, tn + fp, "Specificity is undefined: the reference has no background (TN + FP = 0).")


def youden_index(reference, prediction) -> float:
    """Youden index: YI = p_TP + p_TN - 1 = sensitivity + specificity - 1, with the rates
    p_TP = TP / (TP + FN) and p_TN = TN / (TN + FP). 1 is perfect, 0 is no better than chance."""
    return recall(reference, prediction) + specificity(reference, prediction) - 1


def volume_error(reference, prediction) -> int:
    """Absolute volume error: Delta_V = V_A - V_B, in pixels (voxels). Positive: the prediction is too large.
    Multiply by the volume of one voxel for physical units."""
    b, a = _foregrounds(reference, prediction)
    return int(np.sum(a)) - int(np.sum(b))


def relative_volume_error(reference, prediction) -> float:
    """Relative volume error: delta_V = Delta_V / V_B = (V_A - V_B) / V_B."""
    b, a = _foregrounds(reference, prediction)
    volume_a, volume_b = int(np.sum(a)), int(np.sum(b))
    if volume_a == volume_b == 0:
        return 0.0
    return _ratio(volume_a - volume_b, volume_b, "The relative volume error is undefined: the reference has no "
                                                 "foreground (V_B = 0). Report the absolute volume error instead.")


def volume_standard_deviation(reference, prediction) -> float:
    """Volume standard deviation: 2 |V_A - V_B| / |V_A + V_B|; 0 for equal volumes, at most 2. Symmetric."""
    b, a = _foregrounds(reference, prediction)
    volume_a, volume_b = int(np.sum(a)), int(np.sum(b))
    return 0.0 if volume_a + volume_b == 0 else 2 * abs(volume_a - volume_b) / abs(volume_a + volume_b)


def hamming_distance(reference, prediction) -> int:
    """Hamming distance: d_h = |A ∪ B| - |A ∩ B| = |FP| + |FN|, the number of pixels that disagree."""
    _, fp, fn, _ = confusion_counts(reference, prediction)
    return fp + fn


def classification_error(reference, prediction) -> float:
    """Classification error: e = H / (|TP| + |FN|), the Hamming distance relative to the reference volume."""
    tp, fp, fn, _ = confusion_counts(reference, prediction)
    if fp + fn == 0:
        return 0.0
    return _ratio(fp + fn, tp + fn, "The classification error is undefined: the reference has no foreground "
                                    "(TP + FN = 0). Report the Hamming distance instead.")


# ------------------------------------------------------------------------------------- contours and distances

def contour(image) -> np.ndarray:
    """C(A): the foreground pixels with a background face neighbour (outside the image counts as background)."""
    foreground = _check_image(image, "image") > 0
    face_neighbours = ndi.generate_binary_structure(foreground.ndim, 1)
    interior = ndi.binary_erosion(foreground, structure=face_neighbours, border_value=0)
    return foreground & ~interior


def _check_spacing(spacing, ndim: int):
    if spacing is None:
        return None
    spacing = tuple(float(s) for s in np.atleast_1d(spacing))
    if len(spacing) != ndim or not all(s > 0 for s in spacing):
        raise ValueError(f"spacing must give one positive voxel size per axis ({ndim} values, e.g. (z, y, x)), "
                         f"got {spacing}.")
    return spacing


def _directed(points: np.ndarray, target: np.ndarray, spacing, reduce) -> float:
    """reduce(d_e,min(a, target) for every a in points), e.g. their mean or their max."""
    if not points.any() and not target.any():
        return 0.0
    if not points.any() or not target.any():
        return float("inf")
    # The nearest target pixel of any point lies inside the bounding box of both: crop there, it is faster.
    box = ndi.find_objects((points | target).astype(np.uint8))[0]
    distance_to_target = ndi.distance_transform_edt(~target[box], sampling=spacing)  # 0 on the target
    return float(reduce(distance_to_target[points[box]]))


def mean_contour_distance(reference, prediction, spacing=None) -> float:
    """Mean contour distance from A to B: d_c(A, B) = sum over a in C(A) of d_e,min(a, C(B)), divided by |C(A)|.
    Directed: how far the prediction's contour lies, on average, from the reference contour."""
    b, a = _foregrounds(reference, prediction)
    return _directed(contour(a), contour(b), _check_spacing(spacing, a.ndim), np.mean)


def bilateral_mean_contour_distance(reference, prediction, spacing=None) -> float:
    """Bilateral mean contour distance: (d_c(A, B) + d_c(B, A)) / 2. Symmetric."""
    return (mean_contour_distance(reference, prediction, spacing)
            + mean_contour_distance(prediction, reference, spacing)) / 2


def hausdorff_distance(reference, prediction, spacing=None) -> float:
    """Hausdorff distance from A to B: d_H(A, B) = max over all points a in A of d_e,min(a, B).
    Directed: the farthest any predicted pixel lies from the reference (pixels inside B contribute 0)."""
    b, a = _foregrounds(reference, prediction)
    return _directed(a, b, _check_spacing(spacing, a.ndim), np.max)


def bilateral_hausdorff_distance(reference, prediction, spacing=None) -> float:
    """Bilateral Hausdorff distance: max(d_H(A, B), d_H(B, A)). Symmetric."""
    return max(hausdorff_distance(reference, prediction, spacing), hausdorff_distance(prediction, reference, spacing))


def simplified_hausdorff_distance(reference, prediction, spacing=None) -> float:
    """Simplified Hausdorff distance from A to B: max over contour points a in C(A) of d_e,min(a, C(B)).
    Directed, like the lecture's formula; take the max of both directions for a symmetric value."""
    b, a = _foregrounds(reference, prediction)
    return _directed(contour(a), contour(b), _check_spacing(spacing, a.ndim), np.max)


def percentile_hausdorff_distance(reference, prediction, percentile: float = 95, spacing=None) -> float:
    """Percentile Hausdorff distance from A to B (HD95 for percentile=95): the given percentile, instead of the
    maximum, of d_e,min(a, C(B)) over the contour points a in C(A). Directed, like the simplified Hausdorff
    distance (percentile=100 gives it); robust to a few outlying points. Not in the lecture; common in
    Metrics Reloaded and medical image analysis (MONAI's compute_hausdorff_distance(percentile=95) takes the
    larger of both directions)."""
    if not 0 <= percentile <= 100:
        raise ValueError(f"percentile must lie between 0 and 100, got {percentile}.")
    b, a = _foregrounds(reference, prediction)
    return _directed(contour(a), contour(b), _check_spacing(spacing, a.ndim),
                     lambda distances: np.percentile(distances, percentile))


# --------------------------------------------------------------------------------------- object-wise metrics

def iou_table(reference, prediction) -> IoUTable:
    """IoU = |A_j ∩ B_i| / |A_j ∪ B_i| of every reference object B_i with every predicted object A_j."""
    reference, prediction = _check_pair(reference, prediction)
    in_any_object = (reference > 0) | (prediction > 0)  # pixels where both are background do not matter
    reference_ids, reference_index = np.unique(reference[in_any_object], return_inverse=True)
    prediction_ids, prediction_index = np.unique(prediction[in_any_object], return_inverse=True)
    pair_index = reference_index * len(prediction_ids) + prediction_index
    overlap = np.bincount(pair_index, minlength=len(reference_ids) * len(prediction_ids))
    overlap = overlap.reshape(len(reference_ids), len(prediction_ids))
    union = overlap.sum(axis=1, keepdims=True) + overlap.sum(axis=0, keepdims=True) - overlap
    iou = overlap / union
    rows, columns = reference_ids > 0, prediction_ids > 0  # drop the background
    return IoUTable(reference_ids[rows], prediction_ids[columns], iou[np.ix_(rows, columns)])


def _matches(table: IoUTable, threshold: float) -> list[tuple[int, int, float]]:
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be an IoU in (0, 1], got {threshold}.")
    # each allowed pair is worth 1 (most pairs first) plus a tie-breaker < 1 in total (then the highest IoU)
    tie_breaker = table.iou / (2 * max(1, min(table.iou.shape)))
    worth = np.where(table.iou >= threshold, 1 + tie_breaker, 0.0)
    rows, columns = linear_sum_assignment(worth, maximize=True)
    return [(int(table.reference_ids[i]), int(table.prediction_ids[j]), float(table.iou[i, j]))
            for i, j in zip(rows, columns) if worth[i, j] > 0]


def match_objects(reference, prediction, threshold: float = 0.5) -> list[tuple[int, int, float]]:
    """Pairs (reference id, prediction id, IoU) matched one-to-one with IoU >= threshold.

    Each object is used at most once. The matching has the most pairs possible and, among those, the largest summed
    IoU (Hungarian algorithm, as in StarDist's ``matching``). For threshold > 0.5 there is nothing to choose: an
    object can overlap only one other object with an IoU above one half."""
    return _matches(iou_table(reference, prediction), threshold)


def object_counts(reference, prediction, threshold: float = 0.5) -> ObjectCounts:
    """Object TP (matched pairs), FP (predicted objects without a match), FN (reference objects without one)."""
    table = iou_table(reference, prediction)
    tp = len(_matches(table, threshold))
    return ObjectCounts(tp=tp, fp=len(table.prediction_ids) - tp, fn=len(table.reference_ids) - tp)


def object_precision(reference, prediction, threshold: float = 0.5) -> float:
    """Object-wise precision: TP / (TP + FP), the fraction of predicted objects that match a reference object."""
    tp, fp, fn = object_counts(reference, prediction, threshold)
    if tp + fp + fn == 0:
        return 1.0
    return _ratio(tp, tp + fp, "Object-wise precision is undefined: the prediction has no objects.")


def object_recall(reference, prediction, threshold: float = 0.5) -> float:
    """Object-wise recall: TP / (TP + FN), the fraction of reference objects that were found."""
    tp, fp, fn = object_counts(reference, prediction, threshold)
    if tp + fp + fn == 0:
        return 1.0
    return _ratio(tp, tp + fn, "Object-wise recall is undefined: the reference has no objects.")


def sparse_jaccard(reference, prediction) -> float:
    """Sparse Jaccard index: the mean, over the annotated reference objects, of the best IoU any predicted object
    reaches with it (not one-to-one). Predicted objects that touch no annotated object do not count: suited to
    sparse annotations, where only some objects are drawn. The ids may have gaps."""
    table = iou_table(reference, prediction)
    if len(table.reference_ids) == 0:
        raise UndefinedMetricError("The sparse Jaccard index is undefined: the reference has no annotated "
                                   "objects. Annotate at least one object (ids > 0).")
    if len(table.prediction_ids) == 0:
        return 0.0
    return float(table.iou.max(axis=1).mean())
