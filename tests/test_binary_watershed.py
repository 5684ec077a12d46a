"""Lesson 06 (binary watershed): every number the lesson states, and both exercises with right and wrong answers."""
import warnings

import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage.draw import disk
from skimage.feature import peak_local_max
from skimage.filters import gaussian, threshold_otsu
from skimage.measure import label
from skimage.segmentation import watershed

import segcourse
from segcourse.lessons import binary_watershed as lesson
from segcourse.metrics import match_objects

nsbatwm = pytest.importorskip("napari_segment_blobs_and_things_with_membranes")

CLOSE_UP = (slice(100, 190), slice(70, 185))


def split(binary, sigma=3.5):
    with warnings.catch_warnings():  # nsbatwm 0.3.12 uses skimage's deprecated binary_opening
        warnings.filterwarnings("ignore", message="`binary_opening` is deprecated", category=FutureWarning)
        return np.asarray(nsbatwm.split_touching_objects(binary, sigma=sigma))


@pytest.fixture(scope="module")
def blobs():
    """The lesson's pipeline, written out as the notebook writes it."""
    image = segcourse.load("blobs")
    binary = image > threshold_otsu(image)
    blob_labels = label(binary)
    blurred_distance = gaussian(ndi.distance_transform_edt(binary), sigma=3.5)
    peaks = peak_local_max(blurred_distance, labels=blob_labels)
    seeds = np.zeros(binary.shape, dtype=int)
    seeds[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
    split_labels = watershed(-blurred_distance, markers=seeds, mask=binary, watershed_line=True)
    split_binary = split(binary)
    imagej_labels = label(segcourse.load("blobs_otsu_watershed_imagej") > 0)
    return dict(image=image, binary=binary, blob_labels=blob_labels, blurred_distance=blurred_distance, peaks=peaks,
                seeds=seeds, split_labels=split_labels, split_binary=split_binary, imagej_labels=imagej_labels)


def test_the_module_uses_the_lessons_arrays(blobs):
    arrays = lesson.blobs()
    for name in ("image", "binary", "blob_labels", "blurred_distance"):
        assert np.array_equal(arrays[name], blobs[name]), name
    assert np.array_equal(lesson.seeds_for(arrays["blurred_distance"]), blobs["seeds"])
    assert np.array_equal(lesson.flood_variants()["right"], blobs["split_labels"])
    assert np.array_equal(blobs["binary"], segcourse.load("blobs_otsu") > 0)  # ImageJ's input is our binary


def test_touching_blobs(blobs):
    assert blobs["blob_labels"].max() == 64


def test_two_discs():
    two_discs = np.zeros((9, 15), dtype=bool)
    two_discs[disk((4, 4), 3.6)] = True
    two_discs[disk((4, 10), 3.6)] = True
    distance = ndi.distance_transform_edt(two_discs)
    assert round(distance[4, 4], 1) == round(distance[4, 10], 1) == 3.6  # the two hills
    assert distance.max() == distance[4, 4]
    assert np.round(distance[3:6, 7], 1).tolist() == [1, 2, 1]  # the pass at the neck
    seeds = np.zeros(two_discs.shape, dtype=int)
    seeds[4, 4], seeds[4, 10] = 1, 2
    two_objects = watershed(-distance, markers=seeds, mask=two_discs, watershed_line=True)
    cut = two_discs & (two_objects == 0)
    assert np.count_nonzero(cut) == 3 and set(np.nonzero(cut)[1]) == {7}
    assert set(np.unique(two_objects[:, :7])) == {0, 1} and set(np.unique(two_objects[:, 8:])) == {0, 2}


def test_flooding_picture_has_one_dam():
    x = np.arange(60)
    landscape = 10 - 6 * np.exp(-((x - 15) / 8) ** 2) - 8 * np.exp(-((x - 42) / 9) ** 2)
    seeds = np.zeros(x.shape, dtype=int)
    seeds[[15, 42]] = [1, 2]
    basins = watershed(landscape, markers=seeds)
    dam = np.flatnonzero(np.diff(basins))
    assert len(dam) == 1 and landscape[dam[0]] == landscape[10:50].max()  # the dam stands on the pass


def test_seeds_and_split(blobs):
    assert len(blobs["peaks"]) == 68
    assert blobs["split_labels"].max() == 68
    cuts = blobs["binary"] & (blobs["split_labels"] == 0)
    cut_ids = np.unique(blobs["blob_labels"][cuts])
    assert cut_ids.tolist() == [1, 31, 33, 38]
    in_close_up = np.unique(blobs["blob_labels"][CLOSE_UP][cuts[CLOSE_UP]])
    assert in_close_up.tolist() == [31, 33, 38]  # "three of the four blobs that were cut"


def test_nsbatwm_and_imagej(blobs):
    assert label(blobs["split_binary"]).max() == 66
    assert blobs["imagej_labels"].max() == 68
    pieces = lambda labels: np.unique(blobs["blob_labels"][(labels > 0)])  # noqa: E731
    for labels in (blobs["split_labels"], label(blobs["split_binary"]), blobs["imagej_labels"]):
        per_blob = [len(np.unique(labels[(blobs["blob_labels"] == i) & (labels > 0)])) for i in pieces(labels)]
        cut = [i for i, count in zip(pieces(labels), per_blob) if count > 1]
        assert cut == [1, 31, 33, 38]  # "both cut the same four blobs", and so does ImageJ


def test_binary_watershed_ignores_grey_values(blobs):
    image, binary = blobs["image"], blobs["binary"]
    flat_image = np.where(binary, 200, image).astype(image.dtype)
    assert np.count_nonzero(flat_image != image) == 20023
    flat_binary = flat_image > threshold_otsu(flat_image)
    assert np.array_equal(split(flat_binary), blobs["split_binary"])


def test_going_further_comparison_with_imagej(blobs):
    imagej_labels = blobs["imagej_labels"]
    assert len(match_objects(imagej_labels, blobs["split_labels"])) == 68
    assert len(match_objects(imagej_labels, label(blobs["split_binary"]))) == 66
    assert len(match_objects(imagej_labels, blobs["blob_labels"])) == 64
    missing = [i for i in range(1, 69) if not blobs["split_binary"][imagej_labels == i].any()]
    assert missing == [63, 64] and [np.count_nonzero(imagej_labels == i) for i in missing] == [3, 1]
    our_cuts = blobs["binary"] & (blobs["split_labels"] == 0)
    imagej_cuts = blobs["binary"] & (imagej_labels == 0)
    both = our_cuts & imagej_cuts
    assert (our_cuts.sum(), imagej_cuts.sum(), both.sum()) == (57, 65, 30)
    assert f"{both.sum() / (our_cuts | imagej_cuts).sum():.2f}" == "0.33"
    assert f"{np.mean((blobs['blob_labels'] > 0) == (imagej_labels > 0)):.2%}" == "99.90%"
    assert blobs["binary"].size == 65024


# --- exercise 1 ----------------------------------------------------------------------------------------------
def test_seed_count_right_answer_and_solution(blobs):
    namespace = dict(np=np, ndi=ndi, gaussian=gaussian, peak_local_max=peak_local_max, binary=blobs["binary"],
                     blob_labels=blobs["blob_labels"])
    exec(lesson.seed_count.solution_text, namespace)
    assert namespace["seed_count"] == 73
    assert lesson.seed_count.check(namespace["seed_count"]).correct
    assert lesson.seed_count.check(np.int64(73)).correct


@pytest.mark.parametrize("answer, words", [
    (68, "lesson's sigma=3.5"), (64, "connected components"), (180, "without blurring"), (100, "blurred *image*"),
    (655, "blurred binary"), (60, "labels=blob_labels"), (79, "sigma=1"), (71, "sigma=2.5"), (69, "sigma=3"),
    (74, "not the number of seeds"), ("73", "without quotes"),
])
def test_seed_count_mistakes(answer, words):
    feedback = lesson.seed_count.check(answer)
    assert not feedback.correct and words in feedback.message, feedback


def test_seed_counts_of_the_mistakes_are_what_they_say():
    counts = lesson.seed_counts()
    assert counts == {"sigma=1": 79, "sigma=2": 73, "sigma=2.5": 71, "sigma=3": 69, "sigma=3.5": 68, "sigma=4": 69,
                      "no blur": 180, "blurred image": 100, "blurred binary": 655, "no labels": 60, "components": 64}


# --- exercise 2 ----------------------------------------------------------------------------------------------
def test_flood_blobs_right_answer_and_solution(blobs):
    namespace = dict(watershed=watershed, **{k: blobs[k] for k in ("blurred_distance", "seeds", "binary")})
    exec(lesson.flood_blobs.solution_text, namespace)
    feedback = lesson.flood_blobs.check(namespace["split_labels"])
    assert feedback.correct and "68 objects" in feedback.message and "57 pixels of cut lines" in feedback.message
    # other ids, other dtypes, other array types: the same objects count
    relabelled = np.where(blobs["split_labels"] > 0, 1000 - blobs["split_labels"], 0)
    assert lesson.flood_blobs.check(relabelled).correct
    assert lesson.flood_blobs.check(blobs["split_labels"].astype(np.uint32)).correct
    assert lesson.flood_blobs.check(blobs["split_labels"].astype(float)).correct
    from stackview._static_view import StackViewNDArray
    assert lesson.flood_blobs.check(StackViewNDArray(blobs["split_labels"])).correct


def test_flood_blobs_without_lines_is_accepted_with_a_note(blobs):
    no_line = watershed(-blobs["blurred_distance"], markers=blobs["seeds"], mask=blobs["binary"])
    feedback = lesson.flood_blobs.check(no_line)
    assert feedback.correct and "watershed_line=True" in feedback.message


@pytest.mark.parametrize("make, words", [
    (lambda b: watershed(b["blurred_distance"], markers=b["seeds"], mask=b["binary"], watershed_line=True),
     "without the minus sign"),
    (lambda b: watershed(b["blurred_distance"], markers=b["seeds"], mask=b["binary"]), "without the minus sign"),
    (lambda b: watershed(b["image"], markers=b["seeds"], mask=b["binary"], watershed_line=True),
     "grey values of `image`"),
    (lambda b: watershed(-b["image"], markers=b["seeds"], mask=b["binary"], watershed_line=True),
     "negated image"),
    (lambda b: watershed(-b["image"].astype(float), markers=b["seeds"], mask=b["binary"], watershed_line=True),
     "negated image"),
    (lambda b: watershed(-ndi.distance_transform_edt(b["binary"]), markers=b["seeds"], mask=b["binary"],
                         watershed_line=True), "raw distance map"),
    (lambda b: watershed(-b["blurred_distance"], markers=b["seeds"], watershed_line=True), "mask=binary"),
    (lambda b: watershed(b["blurred_distance"], markers=b["seeds"], watershed_line=True), "mask=binary"),
    (lambda b: watershed(-b["blurred_distance"], markers=lesson.seeds_for(
        gaussian(ndi.distance_transform_edt(b["binary"]), sigma=2)), mask=b["binary"], watershed_line=True),
     "sigma=2 (exercise 1?): this result has 73 objects"),
    (lambda b: b["blob_labels"], "nothing was cut"),
    (lambda b: b["seeds"], "seeds themselves"),
    (lambda b: b["split_labels"] > 0, "binary image"),
    (lambda b: b["blurred_distance"], "fractions"),
    (lambda b: 57, "not a number"),
    (lambda b: (b["split_labels"], 68), "not a tuple"),
    (lambda b: b["split_labels"][:100], "shape"),
    (lambda b: watershed(-b["blurred_distance"], markers=b["seeds"], mask=b["binary"],
                         watershed_line=True, compactness=1), "cuts run elsewhere"),
    (lambda b: watershed(-b["blurred_distance"], markers=label(b["seeds"] > 1), mask=b["binary"],
                         watershed_line=True), "one object per seed gives 68"),
])
def test_flood_blobs_mistakes(blobs, make, words):
    feedback = lesson.flood_blobs.check(make(blobs))
    assert not feedback.correct and words in feedback.message, feedback


def test_the_mistakes_differ_from_the_right_answer():
    variants = lesson.flood_variants()
    cuts = {name: lesson.cut_pixels(labels) for name, labels in variants.items()}
    assert cuts["right"] == 57 and cuts["no minus"] == 16 and cuts["image"] == 31 and cuts["unblurred"] == 54
    for name, labels in variants.items():
        if name not in ("right", "no line"):
            assert not lesson.same_objects(labels, variants["right"]), name
