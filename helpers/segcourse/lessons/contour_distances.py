"""Lesson 15, contour distances: its exercises.

- ``predict_direction``: predict which direction of the Hausdorff distance between the Platynereis ground truth
  and its Voronoi-Otsu segmentation is larger (from the reference to the prediction: the segmentation misses a
  nucleus entirely). Explains the two wrong predictions.
- ``worst_nucleus``: the id of the reference nucleus that holds the voxel farthest from any predicted voxel (14,
  the voxel behind the Hausdorff distance of 35.59). Recognises 0 (the prediction read there, or a voxel outside
  every nucleus), the distance transform of the prediction instead of its background, the other direction, the
  nearest predicted object, and positions in a flattened array.
"""
from functools import lru_cache

import numpy as np

from segcourse.exercises import ChoiceExercise, NumberExercise

predict_direction = ChoiceExercise(
    "contour_distances.predict_direction",
    options={"a": "from the prediction to the reference: `metrics.hausdorff_distance(reference_3d, prediction_3d)`",
             "b": "from the reference to the prediction: `metrics.hausdorff_distance(prediction_3d, reference_3d)`",
             "c": "neither: the Hausdorff distance is the same both ways"},
    answer="b",
    explanations={
        "a": "From the prediction to the reference asks how far any predicted voxel lies from the reference. "
             "Every predicted nucleus lies on or next to an annotated one, so that distance stays small. A missed nucleus "
             "is far from every predicted voxel: it shows up from the reference to the prediction.",
        "b": "Right: a nucleus that was missed entirely lies far from every predicted voxel, and the Hausdorff "
             "distance from the reference to the prediction reports exactly that worst place.",
        "c": "The lecture's d_H(A, B) is directed: the farthest point of A from B. Only the bilateral version, "
             "the larger of the two directions, is symmetric.",
    },
    hints=["d_H(A, B) takes every point of A and asks how far the nearest point of B is; the answer is the "
           "largest of those distances.",
           "A missed nucleus has reference voxels but no predicted voxels. From which set's point of view is it "
           "far away?"],
    solution_text='guess = "b"  # a missed nucleus lies far from every predicted voxel',
)


@lru_cache(maxsize=1)
def _distances():
    """The lesson's data, and the places a learner's search may end up (computed once)."""
    from scipy import ndimage as ndi

    from segcourse.data import load
    reference = load("platynereis_ground_truth")
    prediction = load("platynereis_voronoi_otsu")
    to_prediction = ndi.distance_transform_edt(prediction == 0)
    anywhere = np.unravel_index(np.argmax(to_prediction), reference.shape)
    inside_reference = np.where(reference > 0, to_prediction, 0)
    worst = np.unravel_index(np.argmax(inside_reference), reference.shape)
    inside_prediction = ndi.distance_transform_edt(prediction)        # the prediction, not its background
    centre = np.unravel_index(np.argmax(inside_prediction), reference.shape)
    to_reference = np.where(prediction > 0, ndi.distance_transform_edt(reference == 0), 0)
    other_direction = np.unravel_index(np.argmax(to_reference), reference.shape)
    from skimage.metrics import hausdorff_pair
    _, nearest_predicted = hausdorff_pair(reference > 0, prediction > 0)
    return {"worst": int(reference[worst]), "outside": int(reference[anywhere]),
            "flat": int(np.argmax(inside_reference)),
            "flat within reference": int(np.argmax(to_prediction[reference > 0])),
            "centre reference": int(reference[centre]), "centre prediction": int(prediction[centre]),
            "other direction": int(prediction[other_direction]),
            "nearest predicted": int(prediction[tuple(nearest_predicted)])}


def _value(key):
    return lambda: _distances()[key]


worst_nucleus = NumberExercise(
    "contour_distances.worst_nucleus",
    expected=_value("worst"),
    mistakes=[
        (0, "0 is background. Either you read `prediction_3d` at the farthest place (nothing was predicted there: "
            "that is why it is far), or the farthest voxel you found lies outside every nucleus. Keep only the "
            "distances inside the reference (`distance[reference_3d == 0] = 0`), then read `reference_3d` "
            "there."),
        (_value("centre reference"), "That is the reference id at the centre of the largest predicted nucleus: "
                                     "`distance_transform_edt(prediction_3d)` measures, inside the prediction, the "
                                     "distance to its background. For the distance to the prediction, pass its "
                                     "background: `distance_transform_edt(prediction_3d == 0)`."),
        (_value("centre prediction"), "That is the id of the largest predicted nucleus, from the distance transform "
                                      "of the prediction itself. Pass its background, `prediction_3d == 0`, and "
                                      "read the reference's id."),
        (_value("other direction"), "That is the predicted object farthest from the reference (the other direction, "
                                    "4.9 voxels). We want the reference voxel farthest from the prediction: the "
                                    "distance transform of `prediction_3d == 0`, read inside the reference."),
        (_value("nearest predicted"), "That is the predicted object nearest to the worst place. Read the "
                                      "reference's id at that place instead."),
        (_value("flat"), "That is a position in the flattened volume, not an id. Turn it into (z, y, x) with "
                         "`np.unravel_index(index, reference_3d.shape)`, then read `reference_3d` there."),
        (_value("flat within reference"), "That is a position among the reference's voxels, not an id. Read the id "
                                          "there: `reference_3d[reference_3d > 0][index]`."),
    ],
    wrong="Not the nucleus that holds the voxel farthest from the prediction. Compute every voxel's distance to "
          "the nearest predicted voxel, keep those inside the reference, find the largest, and read "
          "`reference_3d` at that place.",
    hints=["`ndi.distance_transform_edt(prediction_3d == 0)` gives every voxel's distance to the nearest "
           "predicted voxel (0 on the prediction).",
           "Set the distances outside the reference to 0, then `np.argmax` finds the farthest voxel; "
           "`np.unravel_index(index, reference_3d.shape)` turns its position into (z, y, x).",
           "`nucleus = reference_3d[worst]`, where `worst` is that (z, y, x)."],
    solution_text="distance_to_prediction = ndi.distance_transform_edt(prediction_3d == 0)\n"
                  "distance_to_prediction[reference_3d == 0] = 0  # look inside the reference only\n"
                  "worst = np.unravel_index(np.argmax(distance_to_prediction), reference_3d.shape)\n"
                  "nucleus = reference_3d[worst]",
    success="Nucleus 14: no predicted voxel anywhere inside it, and its farthest voxel is 35.6 voxels from the "
            "prediction.",
)
