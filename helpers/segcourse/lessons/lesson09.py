"""Lesson 09, quality metrics."""
import numpy as np

from segcourse.exercises import Exercise

# Object counts of the lecture's second worked example (as printed on the slide).
LECTURE_TP, LECTURE_FN, LECTURE_FP = 3, 1, 2

# Mean sparse Jaccard index of white_tophat(radius=10) + voronoi_otsu_labeling(spot_sigma=5, outline_sigma=1)
# over the six BBBC007 crops, annotations relabelled sequentially (measured; see stack-facts and tests).
BBBC007_MEAN = 0.7022377433729999
BBBC007_MEAN_STORED = 0.6737920474180696  # the same with the-segmentation-game on the stored, gapped annotations
BBBC007_FIRST = 0.8357392602053431        # 17P1_POS0013_D_1UL alone


def _number(answer):
    if isinstance(answer, (str, bytes)) or np.ndim(answer) != 0:
        raise TypeError("expected one number")
    return float(answer)


def _check_precision_recall(answer):
    try:
        precision, recall = (float(value) for value in answer)
    except (TypeError, ValueError):
        return False, "Expected two numbers, `(precision, recall)`, e.g. `(tp / (tp + fp), tp / (tp + fn))`."
    expected = (3 / 5, 3 / 4)
    if np.allclose((precision, recall), expected, atol=1e-3):
        return True, ("Precision 3/5 = 60 %, recall 3/4 = 75 %. The slide swapped them: its 3/4 and 3/5 would "
                      "follow from FN = 2 and FP = 1.")
    if np.allclose((precision, recall), expected[::-1], atol=1e-3):
        return False, ("Those are the slide's numbers, but they are swapped: precision divides by the predicted "
                       "objects (TP + FP), recall by the reference objects (TP + FN).")
    if np.allclose((precision, recall), (60, 75), atol=0.1):
        return False, "Right values, but as percentages: give fractions between 0 and 1 (0.6, not 60)."
    return False, (f"({precision:.3g}, {recall:.3g}) is not it. With TP = 3, FN = 1, FP = 2: "
                   "precision = TP / (TP + FP), recall = TP / (TP + FN).")


lecture_precision_recall = Exercise(
    "lesson09.lecture_precision_recall", checker=_check_precision_recall,
    hints=["Precision asks: of the objects I predicted, how many are right? Recall asks: of the objects in the "
           "reference, how many did I find?",
           "Predicted objects = TP + FP = 5, reference objects = TP + FN = 4.",
           "`(tp / (tp + fp), tp / (tp + fn))`"],
    solution_text="tp, fn, fp = 3, 1, 2\nanswer = (tp / (tp + fp), tp / (tp + fn))  # (0.6, 0.75)",
)


def _check_dice(answer):
    jaccard = 0.8
    value = _number(answer)
    expected = 2 * jaccard / (1 + jaccard)
    if abs(value - expected) < 1e-3:
        return True, (f"Dice {expected:.4f}: solving JI = DI / (2 - DI) for DI gives DI = 2 JI / (1 + JI). "
                      "Dice is never smaller than Jaccard.")
    if abs(value - jaccard / (2 - jaccard)) < 1e-3:
        return False, ("That is JI / (2 - JI): you used the identity the wrong way round. JI = DI / (2 - DI) turns "
                       "Dice into Jaccard; solve it for DI.")
    if value < jaccard:
        return False, f"{value:.4g} is smaller than the Jaccard index 0.8, but Dice is never smaller than Jaccard."
    return False, f"{value:.4g} is not it. Solve JI = DI / (2 - DI) for DI and put in JI = 0.8."


dice_from_jaccard = Exercise(
    "lesson09.dice_from_jaccard", checker=_check_dice,
    hints=["Start from JI = DI / (2 - DI) and multiply both sides by (2 - DI).",
           "JI (2 - DI) = DI gives 2 JI = DI (1 + JI).",
           "`2 * 0.8 / (1 + 0.8)`"],
    solution_text="jaccard = 0.8\nanswer = 2 * jaccard / (1 + jaccard)  # 0.8889",
)


def _check_folder_mean(answer):
    if isinstance(answer, (str, bytes)) or np.ndim(answer) != 0:
        return False, ("Expected one number, the mean over the six images: `np.mean(scores)` rather than the "
                       "list of scores.")
    value = float(answer)
    if abs(value - BBBC007_MEAN) < 5e-4:
        return True, (f"Mean sparse Jaccard index {value:.4f} over the six BBBC007 crops. One number hides a lot: "
                      "the six scores range from 0.46 to 0.84.")
    if abs(value - BBBC007_MEAN_STORED) < 5e-4:
        return False, ("You scored the stored annotations with the-segmentation-game: two of them have gaps in "
                       "their ids, which count as objects with IoU 0. Relabel each annotation with "
                       "`relabel_sequential(annotation)[0]` first (or use `metrics.sparse_jaccard`).")
    if abs(value - BBBC007_FIRST) < 5e-4:
        return False, "That is the score of the first image only; average over all six."
    return False, (f"{value:.4f} is not the expected mean. Use every name in `segcourse.bbbc007_names()`, the "
                   "workflow white_tophat(radius=10) then voronoi_otsu_labeling(spot_sigma=5, outline_sigma=1), "
                   "and score each result against its annotation.")


folder_quality = Exercise(
    "lesson09.folder_quality", checker=_check_folder_mean,
    hints=["Loop over `segcourse.bbbc007_names()`; load `f\"bbbc007/{name}\"` and `f\"bbbc007_annotation/{name}\"`.",
           "Inside the loop: segment with the workflow above, then append "
           "`metrics.sparse_jaccard(annotation, labels)` to a list.",
           "`answer = np.mean(scores)` after the loop."],
    solution_text="""scores = []
for name in segcourse.bbbc007_names():
    image = segcourse.load(f"bbbc007/{name}")
    annotation = segcourse.load(f"bbbc007_annotation/{name}")
    background_removed = nsbatwm.white_tophat(image, radius=10)
    labels = nsbatwm.voronoi_otsu_labeling(background_removed, spot_sigma=5, outline_sigma=1)
    scores.append(metrics.sparse_jaccard(annotation, labels))
answer = np.mean(scores)  # 0.7022""",
)
