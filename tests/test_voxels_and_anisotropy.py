"""Lesson 09, voxels and anisotropy: every number the lesson states, and both exercises with right and wrong
answers (each typical mistake's message included)."""
import numpy as np
import pytest
import tifffile

import segcourse
from segcourse.data import data_dir
from segcourse.lessons import voxels_and_anisotropy as exercises


VOXEL_SIZE = (4.0, 0.8286, 0.8286)
Z, Y, NUCLEUS_X = 21, 58, 38   # the lesson's slice, row and marked nucleus


@pytest.fixture(scope="module")
def image():
    return segcourse.load("neubias_nuclei_3d")


def scale(image, new_size, linear=False):
    import pyclesperanto_prototype as cle
    z, y, x = VOXEL_SIZE
    return cle.scale(image, factor_z=z / new_size, factor_y=y / new_size, factor_x=x / new_size, auto_size=True,
                     linear_interpolation=linear)


# --- the voxel size -----------------------------------------------------------------------------------------------

def test_voxel_size_in_the_file_tags(image):
    """The lesson's 'Going further' block: unit, spacing and the XResolution fraction."""
    assert image.shape == (37, 118, 132) and image.dtype == np.uint8
    with tifffile.TiffFile(data_dir() / segcourse.describe("neubias_nuclei_3d").path) as tif:
        assert tif.imagej_metadata["unit"] == "micron" and tif.imagej_metadata["spacing"] == 4.0
        assert tif.pages[0].tags["XResolution"].value == (1206792, 1000000)
    assert round(1000000 / 1206792, 6) == 0.828643
    assert segcourse.voxel_size_from_file("neubias_nuclei_3d") == VOXEL_SIZE
    assert f"{VOXEL_SIZE[0] / VOXEL_SIZE[2]:.2f}" == "4.83"


def test_the_psf_model():
    """0.28 µm wide and 0.71 µm long at half maximum, 2.5 times longer along z."""
    from scipy import ndimage as ndi
    point = np.zeros((101, 101, 101))
    point[50, 50, 50] = 1
    psf = ndi.gaussian_filter(point, sigma=(15, 6, 6))
    fwhm = 2 * np.sqrt(2 * np.log(2))
    assert f"{fwhm * 6 * 0.02:.2f}" == "0.28" and f"{fwhm * 15 * 0.02:.2f}" == "0.71"
    # the drawn arrays agree with the formula within one model voxel
    assert abs(np.sum(psf[50, 50, :] > psf.max() / 2) * 0.02 - fwhm * 0.12) <= 0.02
    assert abs(np.sum(psf[:, 50, 50] > psf.max() / 2) * 0.02 - fwhm * 0.3) <= 0.02


def test_the_marked_nucleus_from_the_side(image):
    """At half its brightness: 10 pixels (8 µm) wide, 3 slices (12 µm) tall; in slices 10-32, row 11 of the view."""
    side = image[:, Y, :].astype(float)
    assert np.unravel_index(np.argmax(side[15:26, 30:50]), (11, 20)) == (Z - 15, NUCLEUS_X - 30)
    peak = side[Z, NUCLEUS_X]
    along_x = side[Z, 25:60] > peak / 2
    along_z = side[14:26, NUCLEUS_X] > peak / 2
    assert along_x.sum() == 10 and np.flatnonzero(along_z).tolist() == [6, 7, 8]   # slices 20, 21, 22
    assert round(10 * VOXEL_SIZE[2]) == 8 and 3 * VOXEL_SIZE[0] == 12


# --- resampling ---------------------------------------------------------------------------------------------------

def test_resampled_shapes_and_memory(image):
    assert f"{image.size / 1e6:.2f} {image.nbytes / 1e6:.2f}" == "0.58 0.58"
    one = scale(image, 1.0)
    four = scale(image, VOXEL_SIZE[0])
    assert one.shape == (148, 98, 109) and one.dtype == np.float32
    assert f"{one.size / 1e6:.2f} {one.nbytes / 1e6:.1f}" == "1.58 6.3"
    assert four.shape == (37, 24, 27) and f"{four.size / 1e6:.2f} {four.nbytes / 1e6:.1f}" == "0.02 0.1"
    assert round(one.size / image.size, 1) == 2.7
    fine = scale(image, VOXEL_SIZE[2])
    assert fine.shape == (179, 118, 132) == exercises.resampled_shape((0.8286,) * 3)


def test_the_memory_example():
    """100 slices of 1024 x 1024 pixels of 0.2 µm, 1 µm apart: 500 slices at 0.2 µm (2.1 GB as float32), 17 MB at
    1 µm. Checked with cle's own rounding on a stack of the same z extent and a 1024-pixel row."""
    import pyclesperanto_prototype as cle
    column = np.zeros((100, 1, 1), dtype=np.uint8)
    row = np.zeros((1, 1, 1024), dtype=np.uint8)
    slices_fine = cle.scale(column, factor_z=1 / 0.2, auto_size=True).shape[0]
    width_coarse = cle.scale(row, factor_x=0.2 / 1, auto_size=True).shape[2]
    assert slices_fine == 500 and width_coarse == 205
    assert f"{slices_fine * 1024 * 1024 * 4 / 1e9:.1f}" == "2.1"
    assert round(100 * width_coarse * width_coarse * 4 / 1e6) == 17


def test_tiny_labels_interpolation():
    import pyclesperanto_prototype as cle
    tiny = np.array([[0, 1, 1, 0, 0], [0, 1, 1, 3, 3], [0, 0, 0, 3, 3]])
    nearest = cle.pull(cle.scale(tiny, factor_y=3, auto_size=True))
    linear = cle.pull(cle.scale(tiny, factor_y=3, auto_size=True, linear_interpolation=True)).round(2)
    assert nearest.shape == linear.shape == (9, 5)
    assert np.array_equal(nearest, np.repeat(tiny, 3, axis=0))
    # between the background and object 3 linear interpolation passes through 1 and 2; 0.67 is no id at all
    assert linear[2, 3] == 1 and linear[3, 3] == 2 and linear[4, 3] == 3
    assert np.isclose(linear[0, 1], 0.67)
    assert np.allclose(sorted(set(np.unique(linear)) - {0, 1, 3}), [0.33, 0.67, 2])


def test_nearest_repeats_slices_and_the_row_at_1_um(image):
    import pyclesperanto_prototype as cle
    nearest = cle.pull(scale(image, 1.0))
    linear = cle.pull(scale(image, 1.0, linear=True))
    assert all(np.array_equal(nearest[0], nearest[k]) for k in (1, 2, 3)) and not np.array_equal(nearest[0],
                                                                                               nearest[4])
    assert round(Y * VOXEL_SIZE[1]) == 48 and round(NUCLEUS_X * VOXEL_SIZE[2]) == 31 and round(Z * 4.0) == 84
    # the view 40:132 holds the nucleus, and linear interpolation changes the in-between slices
    assert nearest[84, 48, 31] > 200 and linear[84, 48, 31] > 150
    assert not np.array_equal(nearest[85], linear[85])


def test_lecture_box_subsampled_blobs():
    from skimage.filters import threshold_otsu
    from skimage.measure import label
    blobs = segcourse.load("blobs")
    found = {}
    for step in (1, 2, 5, 10):
        subsampled = blobs[::step]
        binary = subsampled > threshold_otsu(subsampled)
        found[step] = (int(label(binary, connectivity=1).max()), int(binary.sum()) * step)
    assert {step: count for step, (count, _) in found.items()} == {1: 64, 2: 64, 5: 62, 10: 53}
    areas = [area for _, area in found.values()]
    assert max(abs(area / areas[0] - 1) for area in areas) < 0.03


# --- exercise 1: the volume of one voxel --------------------------------------------------------------------------

@pytest.mark.parametrize("answer", [4.0 * 0.8286 ** 2, 2.75, 2.746, 4.0 / 1.206792 ** 2, np.float32(2.7463)])
def test_voxel_volume_right(answer):
    assert exercises.voxel_volume.check(answer).correct


@pytest.mark.parametrize("answer, message", [
    (0.8286 ** 3, "cube of the pixel width"),
    (0.8286 ** 2, "area of one pixel"),
    (4.0, "z step alone"),
    (4.0 * 0.8286, "two of the three"),
    (4.0 + 2 * 0.8286, "added"),
    (1.0, "after resampling to 1 µm"),
    (37 * 118 * 132, "number of voxels"),
    (37 * 118 * 132 * 4.0 * 0.8286 ** 2, "whole stack"),
    (2.7, "Close"),
    ((4.0, 0.8286, 0.8286), "Expected one number"),
    ("2.75", "without quotes"),
    (3.0, "Close"),
    (5.0, "multiply the voxel sizes"),
])
def test_voxel_volume_wrong(answer, message):
    feedback = exercises.voxel_volume.check(answer)
    assert feedback.status == "incorrect" and message in feedback.message, feedback


# --- exercise 2: the shape at the pixel width ---------------------------------------------------------------------

@pytest.mark.parametrize("answer", [(179, 118, 132), [179, 118, 132], np.array([179, 118, 132]),
                                    (179.0, 118.0, 132.0)])
def test_shape_right(answer):
    feedback = exercises.shape_at_pixel_width.check(answer)
    assert feedback.correct and "11.2 MB" in feedback.message and "4.8 times" in feedback.message, feedback


def test_shape_from_the_real_call_and_from_a_rounded_width(image):
    import pyclesperanto_prototype as cle
    z, y, x = VOXEL_SIZE
    assert exercises.shape_at_pixel_width.check(scale(image, x).shape).correct
    rounded = cle.scale(image, factor_z=z / 0.83, factor_y=y / 0.83, factor_x=x / 0.83, auto_size=True).shape
    assert rounded == (178, 118, 132)
    feedback = exercises.shape_at_pixel_width.check(rounded)
    assert feedback.correct and "rounded to 0.83" in feedback.message


@pytest.mark.parametrize("answer, message", [
    ((148, 98, 109), "1 µm voxels"),
    ((37, 24, 27), "4 µm voxels"),
    ((37, 118, 132), "recorded shape"),
    ((132, 118, 179), "wrong order"),
    ((8, 118, 132), "other way round"),
    ((179, 118), "three numbers"),
    (179, "one number"),
    ("(179, 118, 132)", "is text"),
    ((4.0, 0.8286, 0.8286), "not whole numbers"),
    ((180, 118, 132), "not the shape"),
])
def test_shape_wrong(answer, message):
    feedback = exercises.shape_at_pixel_width.check(answer)
    assert feedback.status == "incorrect" and message in feedback.message, feedback


def test_shape_given_the_stack_itself(image):
    feedback = exercises.shape_at_pixel_width.check(scale(image, VOXEL_SIZE[2]))
    assert feedback.status == "incorrect" and "its shape" in feedback.message, feedback


def test_exercise_names_and_solution_runs(image):
    """The solution text, run as the notebook would, gives the accepted answer."""
    import pyclesperanto_prototype as cle
    z, y, x = VOXEL_SIZE
    namespace = {"cle": cle, "image": image, "voxel_size_z": z, "voxel_size_y": y, "voxel_size_x": x}
    exec(exercises.shape_at_pixel_width.solution_text, namespace)
    exec(exercises.voxel_volume.solution_text, namespace)
    assert exercises.shape_at_pixel_width.check(namespace["shape_at_pixel_width"]).correct
    assert exercises.voxel_volume.check(namespace["one_voxel_volume"]).correct
    assert [e.name for e in (exercises.voxel_volume, exercises.shape_at_pixel_width)] == [
        "voxels_and_anisotropy.voxel_volume", "voxels_and_anisotropy.shape_at_pixel_width"]
