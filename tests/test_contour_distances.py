"""Lesson 15 (contour distances): every number it states, and its exercises' right and wrong answers."""
import numpy as np
import pytest
from scipy import ndimage as ndi
from sklearn import metrics as skm

import segcourse
from segcourse import metrics
from segcourse.lessons import contour_distances as exercises


@pytest.fixture(scope="module")
def volumes():
    return segcourse.load("platynereis_ground_truth"), segcourse.load("platynereis_voronoi_otsu")


# ------------------------------------------------------------------------------- numbers the lesson states

def test_tiny_example():
    reference = np.zeros((7, 9), dtype=bool)
    reference[1:6, 1:6] = True
    contour_b = metrics.contour(reference)
    assert contour_b.sum() == 16 and not contour_b[2:5, 2:5].any()
    distance = ndi.distance_transform_edt(~contour_b).round(1)
    assert distance[3, 3] == 2 and distance[0, 8] == 3.2 and distance[3, 8] == 3   # "2 in the centre, 3.2"
    prediction = np.zeros((7, 9), dtype=bool)
    prediction[2:6, 2:8] = True
    distances = distance[metrics.contour(prediction)]
    assert distances.tolist() == [1, 1, 1, 0, 1, 2, 1, 2, 1, 2, 0, 0, 0, 0, 1, 2]
    assert distances.mean() == 0.9375 and distances.max() == 2
    assert metrics.mean_contour_distance(reference, prediction) == 0.9375
    assert metrics.simplified_hausdorff_distance(reference, prediction) == 2


def test_the_volumes(volumes):
    reference, prediction = volumes
    assert reference.shape == (103, 256, 256)
    assert len(np.unique(reference)) - 1 == 36 and reference.max() == 37 and 34 not in reference  # the box
    assert len(np.unique(prediction)) - 1 == 33                                   # alt text
    assert not reference[:, 160:].any() and not prediction[:, 160:].any()          # "the top 160 rows"


def test_directed_distances(volumes):
    reference, prediction = volumes
    stated = {metrics.mean_contour_distance: ("0.95", "1.77"), metrics.hausdorff_distance: ("4.90", "35.59"),
              metrics.simplified_hausdorff_distance: ("4.90", "35.59")}
    for metric, (a_to_b, b_to_a) in stated.items():
        assert (f"{metric(reference, prediction):.2f}", f"{metric(prediction, reference):.2f}") == (a_to_b, b_to_a)


def test_skimage_counterparts(volumes):
    from skimage.metrics import hausdorff_distance, hausdorff_pair
    reference, prediction = volumes
    assert hausdorff_distance(reference > 0, prediction > 0) == pytest.approx(35.59, abs=0.005)
    in_reference, _ = hausdorff_pair(reference > 0, prediction > 0)
    assert reference[tuple(in_reference)] == 14


def test_the_worst_nucleus(volumes):
    reference, prediction = volumes
    z, _, _ = np.nonzero(reference == 14)
    assert (z.min(), z.max()) == (86, 102) and z.max() == reference.shape[0] - 1     # "the last slices"
    assert not prediction[reference == 14].any()                                    # "not one predicted voxel"
    without_14 = np.where(reference == 14, 0, reference)
    hausdorff = metrics.hausdorff_distance(prediction, without_14)
    assert f"{hausdorff:.2f}" == "8.94"
    assert hausdorff / metrics.hausdorff_distance(prediction, reference) == pytest.approx(0.25, abs=0.01)


def test_voxel_counts(volumes):
    reference, prediction = volumes
    stated = {metrics.volume_error: -1717, metrics.relative_volume_error: -0.0153,
              metrics.volume_standard_deviation: 0.0154, metrics.hamming_distance: 38047,
              metrics.classification_error: 0.3383, metrics.youden_index: 0.8205}
    for metric, value in stated.items():
        assert round(metric(reference, prediction), 4) == value, metric.__name__
    assert abs(metrics.relative_volume_error(reference, prediction)) < 0.015 + 0.001   # "within 1.5 %"
    assert metrics.classification_error(reference, prediction) == pytest.approx(1 / 3, abs=0.01)  # "a third"
    assert metrics.specificity(reference, prediction) > 0.99
    assert metrics.youden_index(reference, prediction) == pytest.approx(metrics.recall(reference, prediction),
                                                                        abs=0.005)
    y_true, y_pred = (reference > 0).ravel(), (prediction > 0).ravel()            # scikit-learn's counterparts
    assert metrics.youden_index(reference, prediction) == pytest.approx(
        skm.balanced_accuracy_score(y_true, y_pred, adjusted=True))
    assert metrics.hamming_distance(reference, prediction) == round(skm.hamming_loss(y_true, y_pred) * y_true.size)


def test_going_further_percentiles(volumes):
    reference, prediction = volumes
    values = [metrics.percentile_hausdorff_distance(prediction, reference, percentile=p) for p in (50, 95, 100)]
    assert [f"{value:.2f}" for value in values] == ["1.00", "4.00", "35.59"]


# ------------------------------------------------------------------------------------------------ exercises

def test_predict_direction(volumes):
    reference, prediction = volumes
    assert metrics.hausdorff_distance(prediction, reference) > metrics.hausdorff_distance(reference, prediction)
    check = exercises.predict_direction.check
    assert check("b") and check("B")
    assert "stays small" in check("a").message
    assert "directed" in check("c").message


def test_worst_nucleus(volumes):
    reference, prediction = volumes
    from stackview._static_view import StackViewNDArray
    check = exercises.worst_nucleus.check
    assert check(np.array(14, dtype=np.int32).view(StackViewNDArray))  # 0-d, as a stackview array's max()
    assert check(14) and check(np.int32(14)) and check(reference[86:103].max() * 0 + 14)
    assert not check(14.4).correct
    assert "0 is background" in check(0).message
    assert "centre of the largest predicted nucleus" in check(17).message
    assert "largest predicted nucleus" in check(26).message
    assert "other direction" in check(9).message
    assert "nearest to the worst place" in check(33).message
    distance = ndi.distance_transform_edt(prediction == 0)
    flat = int(np.argmax(np.where(reference > 0, distance, 0)))
    assert "flattened volume" in check(flat).message
    assert "among the reference's voxels" in check(int(np.argmax(distance[reference > 0]))).message
    assert "Not the nucleus" in check(12).message


def test_solutions_are_correct(volumes):
    reference, prediction = volumes
    namespace = {}
    exec(exercises.predict_direction.solution_text, namespace)
    assert exercises.predict_direction.check(namespace["guess"]).correct
    namespace = {"np": np, "ndi": ndi, "reference_3d": reference, "prediction_3d": prediction}
    exec(exercises.worst_nucleus.solution_text, namespace)
    assert exercises.worst_nucleus.check(namespace["nucleus"]).correct
