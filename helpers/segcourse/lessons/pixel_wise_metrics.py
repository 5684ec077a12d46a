"""Lesson 13, pixel-wise metrics: its exercises.

- ``jaccard_by_hand``: the Jaccard index of the lesson's tiny example from its counts (TP 11, FP 4, FN 2,
  TN 31), TP / (TP + FP + FN) = 11/17. Recognises the other scores of the lesson (precision, recall, Dice,
  accuracy), the true negatives counted in the union and the intersection counted twice.
- ``accuracy_of_nothing``: the accuracy (TP + TN) / all pixels of a prediction that finds nothing, against the
  BBBC039 ground truth: the fraction of background pixels, 0.8047. Recognises 0 (the true negatives forgotten),
  the foreground fraction (the wrong pixels instead of the right ones), the count of true negatives (not divided
  by all pixels) and the accuracy of the Voronoi-Otsu labels.
"""
from segcourse.exercises import NumberExercise

# The lesson's tiny example
TP, FP, FN, TN = 11, 4, 2, 31

jaccard_by_hand = NumberExercise(
    "pixel_wise_metrics.jaccard_by_hand",
    expected=TP / (TP + FP + FN),
    decimals=2,
    mistakes=[
        (TP / (TP + FP + FN + TN), "That divides by every pixel of the grid: the union A ∪ B holds the pixels that "
                                   "are foreground in A or in B, so the true negatives are not part of it."),
        (TP / (TP + FP), "That is the precision, TP / (TP + FP). The Jaccard index divides by the union: "
                         "TP + FP + FN."),
        (TP / (TP + FN), "That is the recall, TP / (TP + FN). The Jaccard index divides by the union: TP + FP + FN."),
        (2 * TP / (2 * TP + FP + FN), "That is the Dice index, which counts the intersection twice. The Jaccard "
                                      "index is TP / (TP + FP + FN)."),
        ((TP + TN) / (TP + FP + FN + TN), "That is the fraction of pixels that agree (the accuracy), true negatives "
                                          "included. The Jaccard index is TP / (TP + FP + FN)."),
        (TP / (2 * TP + FP + FN), "The union counts each pixel once: TP + FP + FN, not 2 TP + FP + FN."),
    ],
    wrong="Not the Jaccard index of the tiny example. Take the counts from `counts` and divide the intersection "
          "(TP) by the union (TP + FP + FN).",
    hints=["The Jaccard index is |A ∩ B| / |A ∪ B|: the pixels in both, divided by the pixels in either.",
           "In counts: the intersection is TP; the union is TP + FP + FN (every pixel that A or B calls "
           "foreground).",
           "`jaccard = tp / (tp + fp + fn)`"],
    solution_text="tp, fp, fn, tn = counts\njaccard = tp / (tp + fp + fn)",
    success="11 / 17: the Jaccard index of the tiny example. No true negatives in it: the background does not "
            "inflate the score.",
)


def _background_fraction():
    from segcourse.data import load
    return float((load("bbbc039_ground_truth") == 0).mean())


def _foreground_fraction():
    return 1 - _background_fraction()


def _background_count():
    from segcourse.data import load
    return int((load("bbbc039_ground_truth") == 0).sum())


def _voronoi_otsu_accuracy():
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    import numpy as np
    from segcourse.data import load
    ground_truth = load("bbbc039_ground_truth")
    labels = nsbatwm.voronoi_otsu_labeling(load("bbbc039_nuclei"), spot_sigma=5, outline_sigma=1)
    return float(np.mean((ground_truth > 0) == (np.asarray(labels) > 0)))


accuracy_of_nothing = NumberExercise(
    "pixel_wise_metrics.accuracy_of_nothing",
    expected=_background_fraction,
    decimals=1,  # 0.80 arrives as 0.8: one decimal is enough to tell it from every typical mistake
    mistakes=[
        (0, "An empty prediction gets every background pixel right: those are its true negatives, and accuracy "
            "counts them. Use all four counts: (TP + TN) / (TP + FP + FN + TN)."),
        (_foreground_fraction, "That is the fraction of pixels the empty prediction gets wrong (every nucleus "
                               "pixel is a false negative). Accuracy is the fraction it gets right: "
                               "(TP + TN) / all pixels."),
        (_background_count, "That is how many pixels the empty prediction gets right (its true negatives). "
                            "Accuracy is a fraction of all pixels: (TP + TN) / (TP + FP + FN + TN)."),
        (_voronoi_otsu_accuracy, "That is the accuracy of the Voronoi-Otsu labels. Compare `nothing` with "
                                 "`ground_truth` instead."),
    ],
    wrong="Not the accuracy of `nothing`. Count with `metrics.confusion_counts(ground_truth, nothing)`, then "
          "compute (TP + TN) / (TP + FP + FN + TN).",
    hints=["Which of the four sets does each pixel of `ground_truth` fall in when the prediction is all "
           "background? Only two of them are not empty.",
           "`metrics.confusion_counts(ground_truth, nothing)` gives TP, FP, FN and TN; accuracy is "
           "(TP + TN) / (TP + FP + FN + TN).",
           "`tp, fp, fn, tn = metrics.confusion_counts(ground_truth, nothing)`, then "
           "`accuracy = (tp + tn) / (tp + fp + fn + tn)`"],
    solution_text="tp, fp, fn, tn = metrics.confusion_counts(ground_truth, nothing)\n"
                  "accuracy = (tp + tn) / (tp + fp + fn + tn)",
    success="A prediction that finds no nucleus at all is 80 % accurate, because 80 % of the image is background.",
)
