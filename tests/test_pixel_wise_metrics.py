"""Lesson 13 (pixel-wise metrics): every number it states, and its exercises' right and wrong answers."""
import numpy as np
import pytest
from scipy import ndimage as ndi
from sklearn import metrics as skm

import segcourse
from segcourse import metrics
from segcourse.lessons import pixel_wise_metrics as exercises

# importing nsbatwm imports napari, whose npe2 plugin manifests use deprecated pydantic features: not ours
pytestmark = pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince20")

REFERENCE = np.array([[0, 0, 0, 0, 0, 0, 0, 0],
                      [0, 1, 1, 1, 0, 0, 0, 0],
                      [0, 1, 1, 1, 1, 0, 0, 0],
                      [0, 1, 1, 1, 1, 0, 0, 0],
                      [0, 0, 1, 1, 0, 0, 0, 0],
                      [0, 0, 0, 0, 0, 0, 0, 0]], dtype=bool)
PREDICTION = np.array([[0, 0, 0, 0, 0, 0, 0, 0],
                       [0, 0, 1, 1, 1, 0, 0, 0],
                       [0, 0, 1, 1, 1, 1, 0, 0],
                       [0, 1, 1, 1, 1, 1, 0, 0],
                       [0, 0, 1, 1, 1, 0, 0, 0],
                       [0, 0, 0, 0, 0, 0, 0, 0]], dtype=bool)


@pytest.fixture(scope="module")
def bbbc039():
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    nuclei = segcourse.load("bbbc039_nuclei")
    labels = np.asarray(nsbatwm.voronoi_otsu_labeling(nuclei, spot_sigma=5, outline_sigma=1))
    return nuclei, segcourse.load("bbbc039_ground_truth"), labels


# ------------------------------------------------------------------------------- numbers the lesson states

def test_tiny_example():
    assert REFERENCE.sum() == 13 and PREDICTION.sum() == 15
    counts = metrics.confusion_counts(REFERENCE, PREDICTION)
    assert counts == (11, 4, 2, 31) and (exercises.TP, exercises.FP, exercises.FN, exercises.TN) == counts
    assert (PREDICTION & ~REFERENCE).sum() == 4 and (~PREDICTION & REFERENCE).sum() == 2
    stated = {metrics.jaccard_index: "0.647", metrics.dice_index: "0.786", metrics.precision: "0.733",
              metrics.recall: "0.846"}
    for metric, text in stated.items():
        assert f"{metric(REFERENCE, PREDICTION):.3f}" == text


def test_scikit_learn_and_the_segmentation_game_agree_on_the_tiny_example():
    import napari_segment_blobs_and_things_with_membranes  # noqa: F401 (napari before the game's Qt import)
    from the_segmentation_game import metrics as game
    y_true, y_pred = REFERENCE.ravel(), PREDICTION.ravel()
    assert skm.confusion_matrix(y_true, y_pred).tolist() == [[31, 4], [2, 11]]  # [[TN, FP], [FN, TP]]
    assert game.compute_tp_tn_fp_fn(REFERENCE, PREDICTION) == (11, 31, 4, 2)
    pairs = [(metrics.jaccard_index, skm.jaccard_score, game.jaccard_index_binary),
             (metrics.dice_index, skm.f1_score, game.roc_f1score_binary),
             (metrics.precision, skm.precision_score, game.roc_positive_predictive_value_binary),
             (metrics.recall, skm.recall_score, game.roc_true_positive_rate_binary)]
    for ours, sklearn_score, game_score in pairs:
        assert ours(REFERENCE, PREDICTION) == pytest.approx(sklearn_score(y_true, y_pred))
        assert ours(REFERENCE, PREDICTION) == pytest.approx(game_score(REFERENCE, PREDICTION))


def test_dice_and_jaccard_identity_in_going_further():
    dice = metrics.dice_index(REFERENCE, PREDICTION)
    assert metrics.jaccard_from_dice(dice) == pytest.approx(metrics.jaccard_index(REFERENCE, PREDICTION))
    assert f"{2 * 0.8 / (1 + 0.8):.3f}" == "0.889" and metrics.jaccard_from_dice(2 * 0.8 / 1.8) == pytest.approx(0.8)


def test_bbbc039_scores(bbbc039):
    _, ground_truth, labels = bbbc039
    assert len(np.unique(ground_truth)) - 1 == 110
    stated = {metrics.jaccard_index: "0.888", metrics.dice_index: "0.940", metrics.precision: "0.983",
              metrics.recall: "0.901"}
    for metric, text in stated.items():
        assert f"{metric(ground_truth, labels):.3f}" == text
    assert 0.09 < 1 - metrics.recall(ground_truth, labels) < 0.11           # "we miss about a tenth"


def test_what_the_crop_shows(bbbc039):
    _, ground_truth, labels = bbbc039
    crop = (slice(0, 150), slice(250, 450))
    ids = np.unique(ground_truth[crop])[1:]
    found = dict(zip(ids, ndi.mean(labels[crop] > 0, ground_truth[crop], ids)))
    touching_top = [i for i in ids if (ground_truth[0, 250:450] == i).any()]
    missed = [i for i in ids if found[i] == 0]
    assert missed and set(missed) <= set(touching_top)                  # dim nuclei at the top edge, not found
    assert sum(0 < found[i] < 1 for i in ids) >= 5                      # rims: found, but not completely
    # the false positives form a rim around the brightest nucleus of the crop
    nuclei = segcourse.load("bbbc039_nuclei")[crop]
    brightest = ground_truth[crop][np.unravel_index(np.argmax(nuclei), nuclei.shape)]
    false_positive = (labels[crop] > 0) & (ground_truth[crop] == 0)
    near_brightest = ndi.binary_dilation(ground_truth[crop] == brightest, iterations=3)
    assert (false_positive & near_brightest).sum() > 0.5 * false_positive.sum()


def test_an_empty_prediction(bbbc039):
    _, ground_truth, _ = bbbc039
    nothing = np.zeros_like(ground_truth)
    tp, fp, fn, tn = metrics.confusion_counts(ground_truth, nothing)
    accuracy = (tp + tn) / (tp + fp + fn + tn)
    assert accuracy == pytest.approx(skm.accuracy_score(ground_truth.ravel() > 0, nothing.ravel() > 0))
    assert round(accuracy, 4) == 0.8047 and f"{accuracy:.0%}" == "80%"
    assert metrics.jaccard_index(ground_truth, nothing) == metrics.dice_index(ground_truth, nothing) == 0
    assert metrics.recall(ground_truth, nothing) == 0


# ------------------------------------------------------------------------------------------------ exercises

def test_jaccard_by_hand():
    from stackview._static_view import StackViewNDArray
    check = exercises.jaccard_by_hand.check
    assert check(np.array(11 / 17).view(StackViewNDArray))    # a 0-d result of a stackview array's method
    assert check(11 / 17) and check(0.65) and check(0.647) and check(np.float32(11 / 17))
    assert "Close" in check(0.6).message
    assert "percentage" in check(64.7).message
    assert "every pixel of the grid" in check(11 / 48).message
    assert "precision" in check(11 / 15).message and "precision" in check(0.73).message
    assert "recall" in check(11 / 13).message
    assert "Dice" in check(22 / 28).message
    assert "accuracy" in check(42 / 48).message
    assert "each pixel once" in check(11 / 28).message
    assert "Not the Jaccard index" in check(0.5).message
    assert "without quotes" in check("0.647").message


def test_accuracy_of_nothing(bbbc039):
    _, ground_truth, labels = bbbc039
    check = exercises.accuracy_of_nothing.check
    assert check(np.mean(ground_truth == 0)) and check(0.8) and check(0.80) and check(0.8047)
    assert check(skm.accuracy_score(ground_truth.ravel(), np.zeros(ground_truth.size, ground_truth.dtype)))
    assert "Close" in check(1.0).message
    assert "percentage" in check(80.47).message
    assert "true negatives" in check(0).message
    assert "gets wrong" in check(np.mean(ground_truth > 0)).message and "gets wrong" in check(0.195).message
    assert "Voronoi-Otsu" in check(np.mean((ground_truth > 0) == (labels > 0))).message
    assert "true negatives" in check(int(np.sum(ground_truth == 0))).message
    assert "Not the accuracy" in check(0.5).message


@pytest.mark.parametrize("exercise", [exercises.jaccard_by_hand, exercises.accuracy_of_nothing],
                         ids=lambda e: e.name)
def test_solutions_are_correct(exercise, bbbc039):
    _, ground_truth, _ = bbbc039
    namespace = {"np": np, "metrics": metrics, "ground_truth": ground_truth,
                 "nothing": np.zeros_like(ground_truth), "counts": metrics.confusion_counts(REFERENCE, PREDICTION)}
    exec(exercise.solution_text, namespace)
    answer = namespace["jaccard" if exercise is exercises.jaccard_by_hand else "accuracy"]
    assert exercise.check(answer).correct
