"""Lesson 10, segmentation in 3D: every number the lesson states (66 vs 97 nuclei and why, the marked nucleus, the
three stacked nuclei, sigmas per axis, the slider's counts), and both exercises with right and wrong answers."""
import numpy as np
import pytest

import segcourse
from segcourse.lessons import segmentation_in_3d as exercises


VOXEL_SIZE = (4.0, 0.8286, 0.8286)
MARKED = (86, 48, 33)             # the marked nucleus at 1 µm voxels (z, y, x), lesson 09's at (21, 58, 38)
STACKED = [(71, 38, 86), (97, 39, 86), (117, 38, 87)]   # three nuclei above one another, 1 µm voxels


def voronoi_otsu(image, spot_sigma, outline_sigma):
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    return np.asarray(nsbatwm.voronoi_otsu_labeling(image, spot_sigma=spot_sigma, outline_sigma=outline_sigma))


def to_1um(stack, linear=False):
    import pyclesperanto_prototype as cle
    z, y, x = VOXEL_SIZE
    return cle.pull(cle.scale(stack, factor_z=z, factor_y=y, factor_x=x, auto_size=True,
                              linear_interpolation=linear))


@pytest.fixture(scope="module")
def image():
    return segcourse.load("neubias_nuclei_3d")


@pytest.fixture(scope="module")
def isotropic(image):
    return to_1um(image, linear=True)


@pytest.fixture(scope="module")
def labels(image, isotropic):
    recorded = voronoi_otsu(image, 3, 1)
    return recorded, voronoi_otsu(isotropic, 3, 1), to_1um(recorded).astype(int)


def test_counts_66_and_97(labels, isotropic):
    recorded, resampled, recorded_1um = labels
    assert isotropic.shape == (148, 98, 109)
    assert recorded.max() == 66 and len(np.unique(recorded)) == 67
    assert resampled.max() == 97 and len(np.unique(resampled)) == 98
    assert recorded_1um.shape == (148, 98, 109) and len(np.unique(recorded_1um)) == 67  # nearest keeps every id


def test_lecture_box_nearest_interpolation_also_gives_97(image):
    assert voronoi_otsu(to_1um(image), 3, 1).max() == 97


def test_cle_finds_the_same_count_on_the_recorded_stack(image):
    import pyclesperanto_prototype as cle
    assert cle.pull(cle.voronoi_otsu_labeling(image, spot_sigma=3, outline_sigma=1)).max() == 66


def test_sigmas_in_micrometres():
    assert [f"{3 * size:5.2f}" for size in VOXEL_SIZE] == ["12.00", " 2.49", " 2.49"]


def test_the_marked_nucleus(image, labels, isotropic):
    """Foreground in both, no label as recorded (its foreground has no hilltop: its blurred hill climbs into the bright
    nucleus 6 slices, 24 µm, below), its own label at 1 µm."""
    from skimage.filters import gaussian, threshold_otsu
    from skimage.measure import label
    from skimage.morphology import local_maxima
    recorded, resampled, recorded_1um = labels
    blurred_outline = gaussian(image, 1)
    binary = blurred_outline > threshold_otsu(blurred_outline)
    assert binary[21, 58, 38] and recorded[21, 58, 38] == 0
    assert recorded_1um[MARKED] == 0 and resampled[MARKED] > 0
    own = label(binary) == label(binary)[21, 58, 38]
    assert not (local_maxima(gaussian(image, 3)) & own).any()
    blurred = gaussian(image, 3)
    here = np.array([21, 58, 38])
    while True:   # climb the blurred hill
        z, y, x = here
        window = blurred[max(z - 1, 0):z + 2, max(y - 1, 0):y + 2, max(x - 1, 0):x + 2]
        step = np.array(np.unravel_index(np.argmax(window), window.shape)) + [max(z - 1, 0), max(y - 1, 0),
                                                                              max(x - 1, 0)]
        if (step == here).all():
            break
        here = step
    assert here[0] - 21 == 6 and recorded[tuple(here)] > 0 and not own[tuple(here)]
    # the lesson's arrows: x 31, depth 86 in the view from 40
    assert isotropic[86, 48, 31] > 150


def test_the_three_stacked_nuclei(labels, isotropic):
    recorded, resampled, recorded_1um = labels
    assert len({recorded_1um[point] for point in STACKED}) == 1 and recorded_1um[STACKED[0]] > 0
    assert len({resampled[point] for point in STACKED}) == 3 and all(resampled[point] > 0 for point in STACKED)
    # dark gaps between them along the column
    column = isotropic[:, 38, 86]
    assert all(column[point[0]] > 2 * column[(point[0] + following[0]) // 2]
               for point, following in zip(STACKED, STACKED[1:]))


def test_counting_the_differences(labels):
    """The Going further block: 9 nuclei without a recorded label, 18 labels holding 41 nuclei, 1 label without a
    nucleus, 47 one to one."""
    recorded, resampled, recorded_1um = labels
    partner = [np.bincount(recorded_1um[resampled == nucleus]).argmax()
               for nucleus in range(1, resampled.max() + 1)]
    nuclei_per_label = np.bincount(partner, minlength=recorded.max() + 1)
    shared = nuclei_per_label[1:] > 1
    assert nuclei_per_label[0] == 9 and shared.sum() == 18 and nuclei_per_label[1:][shared].sum() == 41
    assert np.sum(nuclei_per_label[1:] == 0) == 1 and np.sum(nuclei_per_label[1:] == 1) == 47
    assert 9 + 41 + 47 == 97


def iou_matches(reference, other):
    from skimage.metrics import contingency_table
    overlap = contingency_table(reference, other).toarray()
    union = np.bincount(reference.ravel())[:, None] + np.bincount(other.ravel())[None, :] - overlap
    iou = overlap / np.maximum(union, 1)
    return int(np.sum(iou[1:, 1:].max(axis=1) > 0.5))


def test_sigmas_per_axis_give_97_matching_92(image, labels):
    recorded, resampled, recorded_1um = labels
    per_axis = voronoi_otsu(image, exercises.sigma_in_voxels(3), exercises.sigma_in_voxels(1))
    assert per_axis.max() == 97
    assert iou_matches(resampled, to_1um(per_axis).astype(int)) == 92
    assert f"{image.size / 1e6:.2f}" == "0.58" and f"{resampled.size / 1e6:.2f}" == "1.58"
    assert f"{np.prod(VOXEL_SIZE):.2f}" == "2.75"


def test_slider_counts(isotropic):
    counts = [int(voronoi_otsu(isotropic, sigma, 1).max()) for sigma in segcourse.values(1, 5, 0.5)]
    assert counts == [101, 99, 98, 98, 97, 95, 91, 86, 84]


# --- exercise 1: predict -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("answer, correct, words", [
    ("c", True, "12 µm"), (" (C) ", True, "12 µm"), ("a", False, "fewer seeds"), ("b", False, "four times"),
    ("d", False, "not one of the options"), (3, False, "as text"),
])
def test_count_prediction(answer, correct, words):
    feedback = exercises.count_prediction.check(answer)
    assert feedback.correct == correct and words in feedback.message, feedback


# --- exercise 2: spot_sigma per axis ------------------------------------------------------------------------------

@pytest.mark.parametrize("answer", [(0.75, 3.6206, 3.6206), (0.75, 3.62, 3.62), [0.75, 3.6, 3.6],
                                    np.array([0.75, 3.62, 3.62]), tuple(3 / s for s in VOXEL_SIZE),
                                    (np.float32(0.75), np.float64(3.62), 3.62)])
def test_spot_sigma_per_axis_right(answer):
    feedback = exercises.spot_sigma_per_axis.check(answer)
    assert feedback.correct and "(0.75, 3.62, 3.62)" in feedback.message, feedback


@pytest.mark.parametrize("answer, message", [
    ((3, 3, 3), "3 voxels along every axis"),
    ((12, 2.4858, 2.4858), "multiplied"),
    ((3.62, 3.62, 0.75), "wrong order"),
    ((0.75, 3, 3), "z is right"),
    ((4.0, 0.8286, 0.8286), "the voxel size"),
    ((4 / 3, 0.2762, 0.2762), "Inverted"),
    ((0.25, 1.2069, 1.2069), "outline sigma"),
    ((0.8, 3.5, 3.5), "Close"),
    (0.75, "one number for all axes"),
    (3, "one number for all axes"),
    ((0.75, 3.62), "three numbers"),
    ("0.75, 3.62, 3.62", "is text"),
    ((1, 2, 3), "is not 3 µm along each axis"),
])
def test_spot_sigma_per_axis_wrong(answer, message):
    feedback = exercises.spot_sigma_per_axis.check(answer)
    assert feedback.status == "incorrect" and message in feedback.message, feedback


def test_solution_runs():
    namespace = {"voxel_size": VOXEL_SIZE}
    exec(exercises.spot_sigma_per_axis.solution_text, namespace)
    assert exercises.spot_sigma_per_axis.check(namespace["spot_sigma_voxels"]).correct
    namespace = {}
    exec(exercises.count_prediction.solution_text, namespace)
    assert exercises.count_prediction.check(namespace["prediction"]).correct
