"""segcourse.metrics against reference implementations, on course data and random label images.

Reference implementations: scikit-learn (confusion_matrix, jaccard_score, f1_score, precision_score, recall_score,
balanced_accuracy_score, hamming_loss), scipy (directed_hausdorff, cKDTree), scikit-image (hausdorff_distance,
contingency_table, find_boundaries) and the-segmentation-game (binary metrics, jaccard_index_sparse).
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp
from scipy.spatial import cKDTree
from scipy.spatial.distance import directed_hausdorff
from skimage.measure import label
from skimage.metrics import contingency_table, hausdorff_distance as skimage_hausdorff
from skimage.segmentation import find_boundaries, relabel_sequential
from sklearn import metrics as skm

import segcourse
from segcourse import metrics
from segcourse.metrics import UndefinedMetricError

# importing nsbatwm imports napari, whose npe2 plugin manifests use deprecated pydantic features: not ours
pytestmark = pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince20")


# ------------------------------------------------------------------------------------------------ test data

@pytest.fixture(scope="module")
def bbbc039():
    """Dense ground truth (110 nuclei) and a Voronoi-Otsu segmentation of the same image."""
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    annotation = segcourse.load("bbbc039_ground_truth")
    labels = nsbatwm.voronoi_otsu_labeling(segcourse.load("bbbc039_nuclei"), spot_sigma=4, outline_sigma=1)
    return annotation, labels


@pytest.fixture(scope="module")
def blobs():
    """Blobs: Otsu binary (reference) and ImageJ's watershed of it (prediction, a few pixels differ)."""
    return segcourse.load("blobs_otsu") > 0, segcourse.load("blobs_otsu_watershed_imagej") > 0


@pytest.fixture(scope="module")
def platynereis_crop():
    """A 3D crop of the Platynereis ground truth (with an id gap) and its Voronoi-Otsu segmentation."""
    crop = (slice(40, 64), slice(64, 192), slice(64, 192))
    return segcourse.load("platynereis_ground_truth")[crop], segcourse.load("platynereis_voronoi_otsu")[crop]


def random_labels(rng, shape, count=6, fill=0.5):
    """A random label image: connected components of a smoothed random binary image."""
    from scipy import ndimage as ndi
    noise = ndi.gaussian_filter(rng.random(shape), sigma=2)
    return label(noise > np.quantile(noise, 1 - fill))


@pytest.fixture(params=["bbbc039", "blobs", "platynereis_crop", "random_2d", "random_3d"])
def image_pair(request, rng):
    if request.param == "random_2d":
        return random_labels(rng, (64, 80)), random_labels(rng, (64, 80))
    if request.param == "random_3d":
        return random_labels(rng, (12, 30, 40)), random_labels(rng, (12, 30, 40))
    return request.getfixturevalue(request.param)


def sklearn_inputs(reference, prediction):
    return (np.asarray(reference) > 0).ravel(), (np.asarray(prediction) > 0).ravel()


# ------------------------------------------------------------------------ pixel-wise metrics vs scikit-learn

def test_confusion_counts_match_sklearn(image_pair):
    y_true, y_pred = sklearn_inputs(*image_pair)
    tn, fp, fn, tp = skm.confusion_matrix(y_true, y_pred, labels=[False, True]).ravel()
    assert metrics.confusion_counts(*image_pair) == (tp, fp, fn, tn)


def test_overlap_scores_match_sklearn(image_pair):
    y_true, y_pred = sklearn_inputs(*image_pair)
    assert metrics.jaccard_index(*image_pair) == pytest.approx(skm.jaccard_score(y_true, y_pred))
    assert metrics.dice_index(*image_pair) == pytest.approx(skm.f1_score(y_true, y_pred))
    assert metrics.precision(*image_pair) == pytest.approx(skm.precision_score(y_true, y_pred))
    assert metrics.recall(*image_pair) == pytest.approx(skm.recall_score(y_true, y_pred))
    assert metrics.specificity(*image_pair) == pytest.approx(skm.recall_score(y_true, y_pred, pos_label=False))


def test_youden_index_is_adjusted_balanced_accuracy(image_pair):
    y_true, y_pred = sklearn_inputs(*image_pair)
    expected = skm.balanced_accuracy_score(y_true, y_pred, adjusted=True)  # 2 * balanced accuracy - 1
    assert metrics.youden_index(*image_pair) == pytest.approx(expected)


def test_hamming_distance_and_classification_error_match_sklearn(image_pair):
    y_true, y_pred = sklearn_inputs(*image_pair)
    hamming = skm.hamming_loss(y_true, y_pred) * y_true.size
    assert metrics.hamming_distance(*image_pair) == pytest.approx(hamming)
    assert metrics.classification_error(*image_pair) == pytest.approx(hamming / y_true.sum())


def test_volume_errors_from_pixel_counts(image_pair):
    reference, prediction = image_pair
    volume_b, volume_a = np.count_nonzero(reference), np.count_nonzero(prediction)
    assert metrics.volume_error(*image_pair) == volume_a - volume_b
    assert metrics.relative_volume_error(*image_pair) == pytest.approx((volume_a - volume_b) / volume_b)
    assert metrics.volume_standard_deviation(*image_pair) == pytest.approx(
        2 * abs(volume_a - volume_b) / (volume_a + volume_b))


def test_binary_metrics_match_the_segmentation_game(bbbc039):
    from the_segmentation_game import metrics as game
    annotation, labels = bbbc039
    assert metrics.jaccard_index(annotation, labels) == pytest.approx(game.jaccard_index_binary(annotation, labels))
    assert metrics.dice_index(annotation, labels) == pytest.approx(game.roc_f1score_binary(annotation, labels))
    assert metrics.precision(annotation, labels) == pytest.approx(
        game.roc_positive_predictive_value_binary(annotation, labels))
    assert metrics.recall(annotation, labels) == pytest.approx(game.roc_true_positive_rate_binary(annotation, labels))
    assert metrics.youden_index(annotation, labels) == pytest.approx(
        2 * game.roc_balanced_accuracy_binary(annotation, labels) - 1)


def test_jaccard_dice_identity(image_pair):
    dice = metrics.dice_index(*image_pair)
    assert metrics.jaccard_from_dice(dice) == pytest.approx(metrics.jaccard_index(*image_pair))


# ---------------------------------------------------------------------------------- contours and distances

def points(mask, spacing=None):
    coordinates = np.argwhere(mask).astype(float)
    return coordinates * np.asarray(spacing) if spacing is not None else coordinates


def test_contour_is_find_boundaries_inner_away_from_the_border(image_pair):
    padded = np.pad(np.asarray(image_pair[0]) > 0, 1)  # no object touches the border
    assert np.array_equal(metrics.contour(padded), find_boundaries(padded, mode="inner"))


def test_contour_includes_pixels_on_the_image_border():
    full = np.ones((4, 5), dtype=bool)
    assert metrics.contour(full).sum() == 4 * 5 - 2 * 3


@pytest.mark.parametrize("spacing", [None, "anisotropic"])
def test_hausdorff_distances_match_scipy_and_skimage(image_pair, spacing):
    reference, prediction = (np.asarray(image) > 0 for image in image_pair)
    if spacing == "anisotropic":
        spacing = (3.0, 0.5, 0.7)[-reference.ndim:]
    b, a = points(reference, spacing), points(prediction, spacing)
    assert metrics.hausdorff_distance(reference, prediction, spacing) == pytest.approx(directed_hausdorff(a, b)[0])
    assert metrics.hausdorff_distance(prediction, reference, spacing) == pytest.approx(directed_hausdorff(b, a)[0])
    if spacing is None:
        assert metrics.bilateral_hausdorff_distance(reference, prediction) == pytest.approx(
            skimage_hausdorff(reference, prediction))
    contour_b = points(metrics.contour(reference), spacing)
    contour_a = points(metrics.contour(prediction), spacing)
    assert metrics.simplified_hausdorff_distance(reference, prediction, spacing) == pytest.approx(
        directed_hausdorff(contour_a, contour_b)[0])


@pytest.mark.parametrize("spacing", [None, "anisotropic"])
def test_percentile_hausdorff_distance_matches_nearest_neighbour_search(image_pair, spacing):
    reference, prediction = image_pair
    if spacing == "anisotropic":
        spacing = (3.0, 0.5, 0.7)[-reference.ndim:]
    contour_b = points(metrics.contour(reference), spacing)
    contour_a = points(metrics.contour(prediction), spacing)
    distances = cKDTree(contour_b).query(contour_a)[0]
    for percentile in (50, 95):
        assert metrics.percentile_hausdorff_distance(reference, prediction, percentile, spacing) == pytest.approx(
            np.percentile(distances, percentile))
    assert metrics.percentile_hausdorff_distance(reference, prediction, 100, spacing) == pytest.approx(
        metrics.simplified_hausdorff_distance(reference, prediction, spacing))


@pytest.mark.parametrize("spacing", [None, "anisotropic"])
def test_mean_contour_distance_matches_nearest_neighbour_search(image_pair, spacing):
    reference, prediction = image_pair
    if spacing == "anisotropic":
        spacing = (3.0, 0.5, 0.7)[-reference.ndim:]
    contour_b = points(metrics.contour(reference), spacing)
    contour_a = points(metrics.contour(prediction), spacing)
    a_to_b = cKDTree(contour_b).query(contour_a)[0].mean()
    b_to_a = cKDTree(contour_a).query(contour_b)[0].mean()
    assert metrics.mean_contour_distance(reference, prediction, spacing) == pytest.approx(a_to_b)
    assert metrics.bilateral_mean_contour_distance(reference, prediction, spacing) == pytest.approx(
        (a_to_b + b_to_a) / 2)


def test_distances_on_a_tiny_example():
    reference = np.zeros((7, 7), dtype=bool)
    reference[1:4, 1:4] = True           # a 3x3 square
    prediction = np.zeros((7, 7), dtype=bool)
    prediction[1:4, 1:4] = True
    prediction[5, 5] = True              # one stray pixel, (2, 2) from the square's corner (3, 3)
    assert metrics.hausdorff_distance(reference, prediction) == pytest.approx(np.sqrt(8))
    assert metrics.hausdorff_distance(prediction, reference) == 0
    assert metrics.bilateral_hausdorff_distance(reference, prediction, spacing=(2, 1)) == pytest.approx(np.sqrt(20))
    # 8 contour pixels of the square at distance 0, the stray pixel at sqrt(8): mean over 9 contour pixels
    assert metrics.mean_contour_distance(reference, prediction) == pytest.approx(np.sqrt(8) / 9)
    assert metrics.mean_contour_distance(prediction, reference) == 0


# -------------------------------------------------------------------------------------- object-wise metrics

def test_iou_table_matches_skimage_contingency_table(image_pair):
    reference, prediction = (np.asarray(image, dtype=np.int64) for image in image_pair)
    table = metrics.iou_table(reference, prediction)
    overlap = contingency_table(reference, prediction).toarray()
    union = overlap.sum(axis=1, keepdims=True) + overlap.sum(axis=0, keepdims=True) - overlap
    with np.errstate(invalid="ignore"):
        expected = overlap / union
    assert np.allclose(table.iou, expected[np.ix_(table.reference_ids, table.prediction_ids)])
    assert set(table.reference_ids) == set(np.unique(reference)) - {0}
    assert set(table.prediction_ids) == set(np.unique(prediction)) - {0}


def brute_force_matches(reference, prediction, threshold):
    """Pairs with IoU > threshold >= 0.5, object by object with masks (unique without any assignment)."""
    found = []
    for i in np.unique(reference[reference > 0]):
        for j in np.unique(prediction[reference == i]):
            if j == 0:
                continue
            a, b = prediction == j, reference == i
            iou = np.sum(a & b) / np.sum(a | b)
            if iou > threshold:
                found.append((int(i), int(j), iou))
    return found


@pytest.mark.parametrize("threshold", [0.51, 0.7, 0.9])
def test_object_matching_matches_brute_force(image_pair, threshold):
    reference, prediction = image_pair
    matches = metrics.match_objects(reference, prediction, threshold)
    expected = brute_force_matches(reference, prediction, threshold)
    assert [(i, j) for i, j, _ in sorted(matches)] == [(i, j) for i, j, _ in sorted(expected)]
    assert np.allclose([iou for *_, iou in sorted(matches)], [iou for *_, iou in sorted(expected)])
    tp, fp, fn = metrics.object_counts(reference, prediction, threshold)
    n_reference, n_prediction = len(np.unique(reference)) - 1, len(np.unique(prediction)) - 1
    assert (tp, fp, fn) == (len(expected), n_prediction - len(expected), n_reference - len(expected))
    assert metrics.object_precision(reference, prediction, threshold) == pytest.approx(tp / (tp + fp))
    assert metrics.object_recall(reference, prediction, threshold) == pytest.approx(tp / (tp + fn))


def test_matching_below_one_half_is_one_to_one():
    reference = np.array([[1, 1, 2, 2]])
    prediction = np.array([[3, 3, 3, 3]])  # IoU 0.5 with both: only one of them may match
    assert metrics.object_counts(reference, prediction, threshold=0.3) == (1, 0, 1)


def test_matching_prefers_more_pairs_to_higher_iou():
    reference = np.array([[1] * 10 + [2]])          # object 1: pixels 0-9, object 2: pixel 10
    prediction = np.array([[4] + [3] * 10])         # object 4: pixel 0, object 3: pixels 1-10
    # IoU(1, 3) = 9/11 alone, or the two pairs 1-4 and 2-3 (IoU 1/10 each): the two pairs win
    matches = metrics.match_objects(reference, prediction, threshold=0.09)
    assert sorted((i, j) for i, j, _ in matches) == [(1, 4), (2, 3)]
    assert metrics.match_objects(reference, prediction, threshold=0.5) == [(1, 3, pytest.approx(9 / 11))]


def test_object_counts_on_bbbc039(bbbc039):
    annotation, labels = bbbc039
    tp, fp, fn = metrics.object_counts(annotation, labels, threshold=0.5)
    assert tp + fn == 110 and tp + fp == len(np.unique(labels)) - 1


@pytest.mark.parametrize("name", segcourse.bbbc007_names())
def test_sparse_jaccard_matches_the_segmentation_game_on_bbbc007(name):
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    from the_segmentation_game import metrics as game
    image = segcourse.load(f"bbbc007/{name}")
    annotation = relabel_sequential(segcourse.load(f"bbbc007_annotation/{name}"))[0]  # the game needs no gaps
    labels = nsbatwm.voronoi_otsu_labeling(nsbatwm.white_tophat(image, radius=10), spot_sigma=5, outline_sigma=1)
    assert metrics.sparse_jaccard(annotation, labels) == pytest.approx(game.jaccard_index_sparse(annotation, labels))


def test_sparse_jaccard_lecture_value_and_gaps_do_no_harm():
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    image = segcourse.load("bbbc007/17P1_POS0013_D_1UL")
    annotation = segcourse.load("bbbc007_annotation/17P1_POS0013_D_1UL")
    labels = nsbatwm.voronoi_otsu_labeling(nsbatwm.white_tophat(image, radius=10), spot_sigma=5, outline_sigma=1)
    assert metrics.sparse_jaccard(annotation, labels) == pytest.approx(0.8357392602053431, abs=1e-15)
    gapped = np.where(annotation > 0, annotation * 3 + 7, 0)  # same objects, ids 10, 13, 16, ...
    assert metrics.sparse_jaccard(gapped, labels) == pytest.approx(0.8357392602053431, abs=1e-15)


def test_sparse_jaccard_matches_the_segmentation_game_on_random_labels(rng):
    from the_segmentation_game import metrics as game
    for _ in range(5):
        reference = random_labels(rng, (40, 50), fill=0.3)
        prediction = random_labels(rng, (40, 50), fill=0.4)
        assert metrics.sparse_jaccard(reference, prediction) == pytest.approx(
            game.jaccard_index_sparse(reference, prediction))


# ------------------------------------------------------------------------------ properties (hypothesis)

@st.composite
def label_image_pairs(draw, max_id=4):
    shape = draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=7))
    images = hnp.arrays(np.uint8, shape, elements=st.integers(0, max_id))
    return draw(images), draw(images)


def defined(function, *args):
    try:
        return function(*args)
    except UndefinedMetricError:
        return None


SCORES = [metrics.jaccard_index, metrics.dice_index, metrics.precision, metrics.recall, metrics.specificity,
          metrics.sparse_jaccard, metrics.object_precision, metrics.object_recall]
SYMMETRIC = [metrics.jaccard_index, metrics.dice_index, metrics.hamming_distance, metrics.volume_standard_deviation,
             metrics.bilateral_hausdorff_distance, metrics.bilateral_mean_contour_distance]
PERFECT_ONE = [metrics.jaccard_index, metrics.dice_index, metrics.precision, metrics.recall, metrics.specificity,
               metrics.youden_index, metrics.object_precision, metrics.object_recall]
PERFECT_ZERO = [metrics.volume_error, metrics.relative_volume_error, metrics.volume_standard_deviation,
                metrics.hamming_distance, metrics.classification_error, metrics.mean_contour_distance,
                metrics.bilateral_mean_contour_distance, metrics.hausdorff_distance,
                metrics.bilateral_hausdorff_distance, metrics.simplified_hausdorff_distance,
                metrics.percentile_hausdorff_distance]


@settings(max_examples=150, deadline=None)
@given(label_image_pairs())
def test_scores_lie_between_zero_and_one(pair):
    for function in SCORES:
        value = defined(function, *pair)
        assert value is None or 0 <= value <= 1, function.__name__
    youden = defined(metrics.youden_index, *pair)
    assert youden is None or -1 <= youden <= 1
    assert 0 <= metrics.volume_standard_deviation(*pair) <= 2


@settings(max_examples=150, deadline=None)
@given(label_image_pairs())
def test_symmetric_metrics_are_symmetric(pair):
    reference, prediction = pair
    for function in SYMMETRIC:
        assert function(reference, prediction) == pytest.approx(function(prediction, reference)), function.__name__
    tp, fp, fn = metrics.object_counts(reference, prediction)
    assert metrics.object_counts(prediction, reference) == (tp, fn, fp)
    assert np.array_equal(metrics.iou_table(reference, prediction).iou, metrics.iou_table(prediction, reference).iou.T)


@settings(max_examples=150, deadline=None)
@given(label_image_pairs())
def test_identical_images_get_the_perfect_score(pair):
    image = pair[0]
    for function in PERFECT_ONE:
        assert function(image, image) == 1.0, function.__name__
    for function in PERFECT_ZERO:
        assert function(image, image) == 0.0, function.__name__
    if image.any():
        assert metrics.sparse_jaccard(image, image) == 1.0


@settings(max_examples=150, deadline=None)
@given(label_image_pairs())
def test_random_pairs_agree_with_sklearn_and_identity(pair):
    y_true, y_pred = sklearn_inputs(*pair)
    assert metrics.hamming_distance(*pair) == round(skm.hamming_loss(y_true, y_pred) * y_true.size)
    if y_true.any() or y_pred.any():
        assert metrics.jaccard_index(*pair) == pytest.approx(skm.jaccard_score(y_true, y_pred))
        assert metrics.jaccard_from_dice(metrics.dice_index(*pair)) == pytest.approx(metrics.jaccard_index(*pair))


# ----------------------------------------------------------------------------- empty images (the policy)

EMPTY = np.zeros((5, 6), dtype=np.uint8)
SOME = np.pad(np.ones((2, 2), dtype=np.uint8), ((1, 2), (1, 3)))


def test_two_empty_images_agree_perfectly():
    for function in PERFECT_ONE:
        assert function(EMPTY, EMPTY) == 1.0
    for function in PERFECT_ZERO:
        assert function(EMPTY, EMPTY) == 0.0


def test_empty_reference():
    assert metrics.jaccard_index(EMPTY, SOME) == 0.0 and metrics.dice_index(EMPTY, SOME) == 0.0
    assert metrics.precision(EMPTY, SOME) == 0.0
    for function in [metrics.recall, metrics.youden_index, metrics.relative_volume_error,
                     metrics.classification_error, metrics.object_recall]:
        with pytest.raises(UndefinedMetricError, match="reference has no"):
            function(EMPTY, SOME)
    with pytest.raises(UndefinedMetricError, match="no annotated objects"):
        metrics.sparse_jaccard(EMPTY, SOME)
    assert metrics.hausdorff_distance(EMPTY, SOME) == np.inf
    assert metrics.mean_contour_distance(EMPTY, SOME) == np.inf
    assert metrics.hausdorff_distance(SOME, EMPTY) == np.inf  # one image empty: infinite in both directions


def test_empty_prediction():
    assert metrics.recall(SOME, EMPTY) == 0.0 and metrics.jaccard_index(SOME, EMPTY) == 0.0
    assert metrics.sparse_jaccard(SOME, EMPTY) == 0.0 and metrics.object_recall(SOME, EMPTY) == 0.0
    for function in [metrics.precision, metrics.object_precision]:
        with pytest.raises(UndefinedMetricError, match="prediction has no"):
            function(SOME, EMPTY)
    assert metrics.bilateral_hausdorff_distance(SOME, EMPTY) == np.inf


def test_reference_without_background():
    full = np.ones((4, 4), dtype=np.uint8)
    assert metrics.youden_index(full, full) == 1.0
    with pytest.raises(UndefinedMetricError, match="no background"):
        metrics.specificity(full, SOME[:4, :4])


# --------------------------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("reference, prediction, message", [
    (np.zeros((5, 5), int), np.zeros((5, 6), int), r"shape \(5, 5\) but prediction has shape \(5, 6\)"),
    (np.zeros((5, 5), float), np.zeros((5, 5), int), "floating-point.*image > threshold"),
    (np.full((5, 5), np.nan), np.zeros((5, 5), int), "NaN"),
    (np.zeros((5, 5), int), -np.ones((5, 5), int), "negative ids.*skimage.measure.label"),
    (np.zeros(5, int), np.zeros(5, int), "2D or 3D.*1 dimension"),
    (np.zeros((2, 2, 2, 2), int), np.zeros((2, 2, 2, 2), int), "2D or 3D.*4 dimension"),
    (np.zeros((5, 5), complex), np.zeros((5, 5), int), "dtype complex"),
])
def test_bad_input_names_problem_and_fix(reference, prediction, message):
    for function in [metrics.jaccard_index, metrics.hausdorff_distance, metrics.object_counts]:
        with pytest.raises(ValueError, match=message):
            function(reference, prediction)


def test_nan_is_reported_before_float():
    image = np.zeros((3, 3))
    image[1, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN values \(1 pixels\)"):
        metrics.dice_index(image, np.zeros((3, 3), int))


def test_bad_spacing_and_threshold():
    with pytest.raises(ValueError, match="one positive voxel size per axis"):
        metrics.hausdorff_distance(SOME, SOME, spacing=(1, 1, 1))
    with pytest.raises(ValueError, match="one positive voxel size per axis"):
        metrics.mean_contour_distance(SOME, SOME, spacing=(0, 1))
    with pytest.raises(ValueError, match="percentile must lie between 0 and 100"):
        metrics.percentile_hausdorff_distance(SOME, SOME, percentile=95 / 100 - 1)
    with pytest.raises(ValueError, match=r"threshold must be an IoU in \(0, 1\]"):
        metrics.object_counts(SOME, SOME, threshold=1.5)


def test_docstring_example_runs():
    import doctest
    result = doctest.testmod(metrics)
    assert result.attempted >= 3 and result.failed == 0


def test_importable_from_the_package():
    import segcourse.metrics
    assert segcourse.metrics.jaccard_index is metrics.jaccard_index
