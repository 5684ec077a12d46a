"""Lesson 05 (watershed): the numbers the lesson states, and each exercise with right and wrong answers."""
import warnings

import numpy as np
import pytest
from scipy import ndimage as ndi
from skimage import filters
from skimage.feature import peak_local_max
from skimage.measure import label
from skimage.segmentation import watershed

import segcourse
from segcourse.lessons import lesson05

nsbatwm = pytest.importorskip("napari_segment_blobs_and_things_with_membranes")


def split(binary, sigma=3.5):
    with warnings.catch_warnings():  # nsbatwm 0.3.12 uses skimage's deprecated binary_opening
        warnings.filterwarnings("ignore", message="`binary_opening` is deprecated", category=FutureWarning)
        return np.asarray(nsbatwm.split_touching_objects(binary, sigma=sigma))


def seeds_from_maxima(distance_map, blob_labels):
    peaks = peak_local_max(distance_map, footprint=np.ones((3, 3)), labels=blob_labels)
    maxima = np.zeros(distance_map.shape, dtype=bool)
    maxima[tuple(peaks.T)] = True
    return label(maxima)


def pieces_per_blob(blob_labels, labels):
    pairs = np.unique(np.stack([blob_labels.ravel(), labels.ravel()])[:, labels.ravel() > 0], axis=1)
    ids, pieces = np.unique(pairs[0], return_counts=True)
    return ids[pieces > 1].tolist()


def count_matches(labels_a, labels_b, min_iou=0.5):
    pairs, overlap = np.unique(np.stack([labels_a.ravel(), labels_b.ravel()]), axis=1, return_counts=True)
    area_a, area_b = np.bincount(labels_a.ravel()), np.bincount(labels_b.ravel())
    iou = overlap / (area_a[pairs[0]] + area_b[pairs[1]] - overlap)
    return int(np.count_nonzero((pairs[0] > 0) & (pairs[1] > 0) & (iou > min_iou)))


@pytest.fixture(scope="module")
def blobs():
    image = segcourse.load("blobs")
    binary = image > filters.threshold_otsu(image)
    blob_labels = label(binary)
    blurred_distance = filters.gaussian(ndi.distance_transform_edt(binary), sigma=3.5)
    seeds = seeds_from_maxima(blurred_distance, blob_labels)
    split_labels = watershed(-blurred_distance, markers=seeds, mask=binary, watershed_line=True)
    split_binary = split(binary)
    imagej_binary = segcourse.load("blobs_otsu_watershed_imagej") > 0
    return dict(image=image, binary=binary, blob_labels=blob_labels, seeds=seeds, split_labels=split_labels,
                split_binary=split_binary, nsbatwm_labels=label(split_binary), imagej_binary=imagej_binary,
                imagej_labels=label(imagej_binary))


def test_otsu_binary_is_the_course_binary(blobs):
    assert np.array_equal(blobs["binary"], segcourse.load("blobs_otsu") > 0)
    assert blobs["blob_labels"].max() == 64


def test_seeds_and_step_by_step_watershed(blobs):
    assert blobs["seeds"].max() == 68
    distance = ndi.distance_transform_edt(blobs["binary"])
    assert seeds_from_maxima(distance, blobs["blob_labels"]).max() == 123  # unblurred: far too many
    assert round(float(distance.max()), 2) == 16.55
    assert blobs["split_labels"].max() == 68
    cuts = blobs["binary"] & (blobs["split_labels"] == 0)
    assert np.count_nonzero(cuts) == 57


def test_nsbatwm_and_imagej_counts(blobs):
    assert blobs["nsbatwm_labels"].max() == 66
    assert blobs["imagej_labels"].max() == 68
    assert label(blobs["imagej_binary"], connectivity=1).max() == 68  # ImageJ's cuts separate in 4- and 8-connectivity


def test_comparison_table(blobs):
    imagej_binary, imagej_labels = blobs["imagej_binary"], blobs["imagej_labels"]
    expected = {"blob_labels": (64, [], 64, 65), "split_labels": (68, [1, 31, 33, 38], 68, 62),
                "nsbatwm_labels": (66, [1, 31, 33, 38], 66, 140), "imagej_labels": (68, [1, 31, 33, 38], 68, 0)}
    for name, (objects, cut, matches, differing) in expected.items():
        labels = blobs[name]
        assert labels.max() == objects, name
        assert pieces_per_blob(blobs["blob_labels"], labels) == cut, name
        assert count_matches(labels, imagej_labels) == matches, name
        assert np.count_nonzero((labels > 0) != imagej_binary) == differing, name
    assert round(100 * np.mean((blobs["split_labels"] > 0) == imagej_binary), 2) == 99.90
    assert round(100 * np.mean((blobs["nsbatwm_labels"] > 0) == imagej_binary), 2) == 99.78


def test_cut_lines_against_imagej(blobs):
    cuts = blobs["binary"] & (blobs["split_labels"] == 0)
    imagej_cuts = blobs["binary"] & ~blobs["imagej_binary"]
    assert np.count_nonzero(imagej_cuts) == 65
    assert np.count_nonzero(imagej_cuts & cuts) == 30
    assert round(np.count_nonzero(imagej_cuts & cuts) / np.count_nonzero(imagej_cuts | cuts), 2) == 0.33


def test_nsbatwm_misses_two_specks(blobs):
    imagej_labels = blobs["imagej_labels"]
    missing = [i for i in range(1, imagej_labels.max() + 1) if not blobs["split_binary"][imagej_labels == i].any()]
    assert missing == [63, 64]
    assert [np.count_nonzero(imagej_labels == i) for i in missing] == [3, 1]


def test_binary_watershed_ignores_grey_values(blobs):
    image, binary = blobs["image"], blobs["binary"]
    flat_image = np.where(binary, 200, image).astype(image.dtype)
    assert np.count_nonzero(flat_image != image) == 20023
    flat_binary = flat_image > filters.threshold_otsu(flat_image)
    assert np.array_equal(flat_binary, binary)
    assert np.array_equal(split(flat_binary), blobs["split_binary"])


@pytest.fixture(scope="module")
def neubias():
    tissue = segcourse.load("neubias_membranes_nuclei")
    nuclei = np.asarray(nsbatwm.voronoi_otsu_labeling(tissue[1], spot_sigma=4, outline_sigma=1))
    cells = np.asarray(nsbatwm.seeded_watershed(tissue[0], nuclei))
    return tissue, nuclei, cells


def test_seeded_watershed_one_cell_per_nucleus(neubias):
    tissue, nuclei, cells = neubias
    assert tissue.shape == (2, 354, 475)
    assert nuclei.max() == 31
    assert len(np.unique(cells[cells > 0])) == 31
    assert np.count_nonzero(cells) == cells.size  # every pixel in a cell
    blurred = filters.gaussian(tissue[0], sigma=1, preserve_range=True)
    smooth = np.asarray(nsbatwm.seeded_watershed(blurred, nuclei))
    assert len(np.unique(smooth[smooth > 0])) == 31
    assert np.count_nonzero(smooth != cells) == 4201


def test_bbbc022_background_and_mask():
    areas = lesson05.bbbc022_mean_areas()
    assert areas["cells"] == 28
    assert round(areas["unmasked"], 1) == 9804.5
    assert round(areas["triangle"], 1) == 3060.2
    assert round(areas["otsu"], 1) == 1155.6
    image = segcourse.load("bbbc022")
    nuclei = np.asarray(nsbatwm.voronoi_otsu_labeling(image[0], spot_sigma=4, outline_sigma=1))
    blurred = filters.gaussian(image[1], sigma=2, preserve_range=True)
    mask = blurred > filters.threshold_triangle(blurred)
    cells = np.asarray(nsbatwm.seeded_watershed_with_mask(-blurred, nuclei, mask))
    assert f"{np.count_nonzero(cells) / cells.size:.1%}" == "31.2%"
    assert len(np.unique(cells[cells > 0])) == 28


# --- exercises ---------------------------------------------------------------------------------------------
def test_split_count_exercise():
    exercise = lesson05.split_count
    assert exercise.check(None).status == "not attempted"
    assert lesson05.split_counts()[2] == 70
    assert exercise.check(70).correct
    assert exercise.check(np.int64(70)).correct
    assert "before splitting" in repr(exercise.check(64))
    assert "default sigma=3.5" in repr(exercise.check(66))
    assert "binary image" in repr(exercise.check(1))
    assert "pixels" in repr(exercise.check(22029))
    assert "sigma=1" in repr(exercise.check(72))
    assert "not an image" in repr(exercise.check(np.zeros((3, 3), dtype=int)))
    assert not exercise.check(71)


def test_split_count_solution_is_in_the_notebook():
    from pathlib import Path
    notebook = (Path(__file__).resolve().parents[1] / "notebooks" / "05_watershed.ipynb").read_text()
    for line in lesson05.split_count.solution_text.splitlines() + \
            lesson05.masked_mean_area.solution_text.splitlines():
        assert line.replace('"', '\\"') in notebook, line


def test_masked_mean_area_exercise():
    exercise = lesson05.masked_mean_area
    areas = lesson05.bbbc022_mean_areas()
    assert exercise.check(None).status == "not attempted"
    assert exercise.check(areas["otsu"]).correct
    assert exercise.check(1155.6).correct
    assert "triangle" in repr(exercise.check(3060.2))
    assert "without a mask" in repr(exercise.check(9804.5))
    assert "background (label 0)" in repr(exercise.check(areas["with background"]))
    assert "number of cells" in repr(exercise.check(28))
    assert "one number" in repr(exercise.check([1155.6, 3060.2]))
    assert not exercise.check(1200)
