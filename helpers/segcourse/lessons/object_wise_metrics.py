"""Lesson 14, object-wise metrics: its exercises, and the spoiled ground truths it compares.

- ``predict_split``: predict the pixel-wise Jaccard index of a ground truth whose nuclei are each cut into four
  quarters (1.0: the same pixels are foreground). Explains the two wrong predictions.
- ``example_precision``: the object-wise precision of the lesson's second drawn example (the lecture's), at
  IoU 0.5: TP 3, FP 2, FN 1 gives 3/5 = 0.6. Recognises the recall (3/4, as the lecture's slide has it), the
  pixel-wise precision, both pieces of the cut nucleus counted as matches (4/5), and the count of matches (3).

``spoiled_versions(ground_truth)`` builds the four deliberately wrong segmentations the lesson starts from; the
lesson shows its code in a "Going further" block.
"""
import numpy as np

from segcourse.exercises import ChoiceExercise, NumberExercise


def spoiled_versions(ground_truth):
    """The ground truth, spoiled in four ways: objects too large, too small, cut in four, merged."""
    from scipy import ndimage as ndi
    from skimage.measure import label
    from skimage.segmentation import expand_labels, find_boundaries

    ground_truth = np.asarray(ground_truth)
    # too large: every object grows by 3 pixels (into the background only)
    too_large = expand_labels(ground_truth, distance=3)
    # too small: remove the outline and 2 more pixels from every object (tiny ones vanish)
    edges = find_boundaries(ground_truth)
    too_small = np.where(ndi.binary_erosion(~edges, iterations=2), ground_truth, 0)
    # over-segmented: each object cut into four quarters through its centre
    ids = np.arange(ground_truth.max() + 1)
    centres = np.array([(0, 0)] + ndi.center_of_mass(ground_truth > 0, ground_truth, ids[1:]))
    rows, columns = np.indices(ground_truth.shape)
    quarter = 2 * (rows > centres[ground_truth, 0]) + (columns > centres[ground_truth, 1])
    over_segmented = np.where(ground_truth > 0, 4 * (ground_truth - 1) + quarter + 1, 0)
    # under-segmented: objects closer than about 10 pixels merged into one
    merged = label(expand_labels(ground_truth, distance=5) > 0)
    under_segmented = np.where(ground_truth > 0, merged, 0)
    return {"too large": too_large, "too small": too_small, "over-segmented": over_segmented,
            "under-segmented": under_segmented}


predict_split = ChoiceExercise(
    "object_wise_metrics.predict_split",
    options={"a": "about 0.25: each quarter covers a quarter of its nucleus",
             "b": "1.0: the same pixels are foreground as in the ground truth",
             "c": "0: no object is right any more"},
    answer="b",
    explanations={
        "a": "The pixel-wise Jaccard index does not look at objects or ids: it compares foreground with "
             "background. Every quarter lies inside its nucleus, and together they cover it completely.",
        "b": "Right: the quarters cover exactly the nuclei's pixels, so TP is every nucleus pixel and FP = FN = 0. "
             "Pixel-wise metrics cannot see splits (or merges).",
        "c": "That is what an object-wise metric will say. The pixel-wise Jaccard index only compares foreground "
             "with background, and every nucleus pixel is still foreground.",
    },
    hints=["Pixel-wise metrics see a label image as foreground (id > 0) against background (0).",
           "Which pixels are foreground in the over-segmented version, and which in the ground truth?"],
    solution_text='guess = "b"  # the quarters cover exactly the nuclei: TP = every nucleus pixel, '
                  'FP = FN = 0',
)

# Object counts of the second drawn example at IoU 0.5, and its pixel-wise precision (measured; see the tests)
EXAMPLE_TP, EXAMPLE_FP, EXAMPLE_FN = 3, 2, 1
EXAMPLE_PIXEL_PRECISION = 0.8388888888888889

example_precision = NumberExercise(
    "object_wise_metrics.example_precision",
    expected=EXAMPLE_TP / (EXAMPLE_TP + EXAMPLE_FP),
    decimals=2,
    mistakes=[  # 4/5 first: 0.8 is also the recall or the pixel-wise precision rounded to 1 decimal
        (4 / 5, "That counts both pieces of the cut nucleus as matches. Each reference nucleus matches at most one "
                "predicted object, and the small piece (IoU below 0.5) is a false positive."),
        (EXAMPLE_TP / (EXAMPLE_TP + EXAMPLE_FN),
         "That is the recall, 3/4: the fraction of reference nuclei that were found. Precision divides by the "
         "predicted objects instead: TP / (TP + FP)."),
        (EXAMPLE_PIXEL_PRECISION,
         "That is the pixel-wise precision. Count objects: `metrics.object_counts(reference_2, prediction_2)`, "
         "or `metrics.object_precision(...)`."),
        (EXAMPLE_TP, "That is the number of matched pairs (TP). Precision is the fraction TP / (TP + FP)."),
    ],
    wrong="Not the object-wise precision of example 2. `metrics.object_counts(reference_2, prediction_2, "
          "threshold=0.5)` gives TP, FP and FN; precision is TP / (TP + FP).",
    hints=["Precision asks: of the objects I predicted, what fraction matches a reference object?",
           "`metrics.object_counts(reference_2, prediction_2, threshold=0.5)` gives the counts.",
           "`metrics.object_precision(reference_2, prediction_2, threshold=0.5)`"],
    solution_text="precision = metrics.object_precision(reference_2, prediction_2, threshold=0.5)",
    success="3 of the 5 predicted objects match a reference nucleus: precision 3/5 = 0.6.",
)
