"""Lesson 07, 3D and anisotropy: the numbers the lesson states, and its exercises with right and wrong answers."""
import numpy as np
import pytest
import tifffile

import segcourse
from segcourse.data import data_dir
from segcourse.lessons import lesson07

pytestmark = [
    # importing nsbatwm imports napari and npe2, whose pydantic models use APIs pydantic 2 deprecates: not ours to fix
    pytest.mark.filterwarnings("ignore::DeprecationWarning:npe2"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:pydantic"),
    # pyopencl says pocl printed compiler messages (only while the OpenCL kernel cache is cold)
    pytest.mark.filterwarnings("ignore::pyopencl.CompilerWarning"),
]

VOXEL_SIZE = (4.0, 0.8286, 0.8286)


@pytest.fixture(scope="module")
def image():
    return segcourse.load("neubias_nuclei_3d")


@pytest.fixture(scope="module")
def isotropic(image):
    import pyclesperanto_prototype as cle
    z, y, x = VOXEL_SIZE
    return cle.pull(cle.scale(image, factor_x=x, factor_y=y, factor_z=z, auto_size=True))


@pytest.fixture(scope="module")
def labels(image, isotropic):
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    return (nsbatwm.voronoi_otsu_labeling(image, spot_sigma=3, outline_sigma=1),
            nsbatwm.voronoi_otsu_labeling(isotropic, spot_sigma=3, outline_sigma=1))


def test_voxel_size_in_the_file_tags(image):
    assert image.shape == (37, 118, 132)
    with tifffile.TiffFile(data_dir() / segcourse.describe("neubias_nuclei_3d").path) as tif:
        assert tif.imagej_metadata["spacing"] == 4.0 and tif.imagej_metadata["unit"] == "micron"
        numerator, denominator = tif.pages[0].tags["XResolution"].value
    assert (numerator, denominator) == (1206792, 1000000)
    assert round(denominator / numerator, 6) == 0.828643
    assert segcourse.voxel_size_from_file("neubias_nuclei_3d") == VOXEL_SIZE
    assert round(VOXEL_SIZE[0] / VOXEL_SIZE[2], 2) == 4.83


def test_squeezed_blobs_counts_and_areas():
    from skimage.filters import threshold_otsu
    from skimage.measure import label
    blobs = segcourse.load("blobs")
    found = {}
    for step in (1, 2, 5, 10):
        subsampled = blobs[::step]
        binary = subsampled > threshold_otsu(subsampled)
        found[step] = (subsampled.shape[0], int(label(binary, connectivity=1).max()), int(binary.sum()) * step)
    assert found == {1: (254, 64, 22243), 2: (127, 64, 22154), 5: (51, 62, 22440), 10: (26, 53, 22890)}
    areas = [area for _, _, area in found.values()]
    assert max(abs(a / areas[0] - 1) for a in areas) < 0.03  # "within 3 % of the original"


def test_isotropic_shape_and_nearest_neighbour_slices(isotropic):
    assert isotropic.shape == (148, 98, 109) and isotropic.dtype == np.float32
    assert all(np.array_equal(isotropic[0], isotropic[k]) for k in (1, 2, 3))
    assert not np.array_equal(isotropic[0], isotropic[4])


def test_shape_at_2um_matches_cle(image):
    import pyclesperanto_prototype as cle
    z, y, x = VOXEL_SIZE
    resampled = cle.scale(image, factor_x=x / 2, factor_y=y / 2, factor_z=z / 2, auto_size=True)
    assert resampled.shape == lesson07.SHAPE_AT_2UM


def test_voronoi_otsu_counts_differ(labels):
    anisotropic, isotropic = labels
    assert anisotropic.max() == 66 and len(np.unique(anisotropic)) == 67
    assert isotropic.max() == 97 and len(np.unique(isotropic)) == 98


def test_cle_finds_the_same_count_on_the_anisotropic_stack(image):
    import pyclesperanto_prototype as cle
    assert cle.pull(cle.voronoi_otsu_labeling(image, spot_sigma=3, outline_sigma=1)).max() == 66


def test_the_lost_nucleus(image, labels):
    """The nucleus at z=21, y=59, x=40 is foreground but unlabelled in the anisotropic result only."""
    from skimage.filters import gaussian, threshold_otsu
    anisotropic, isotropic = labels
    blurred = gaussian(image, 1)
    assert blurred[21, 59, 40] > threshold_otsu(blurred)
    assert anisotropic[21, 59, 40] == 0
    assert isotropic[round(21 * 4.0), round(59 * 0.8286), round(40 * 0.8286)] > 0


def test_slider_counts(isotropic):
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    counts = [int(nsbatwm.voronoi_otsu_labeling(isotropic, spot_sigma=s, outline_sigma=1).max())
              for s in segcourse.values(1, 5, 0.5)]
    assert counts == [105, 99, 98, 98, 97, 95, 93, 87, 84]


# --- exercises ------------------------------------------------------------------------------------------------
def test_voxel_volume_right():
    z, y, x = VOXEL_SIZE
    assert lesson07.voxel_volume.check(z * y * x).correct
    assert lesson07.voxel_volume.check(4.0 / 1.206792 ** 2).correct  # unrounded pixel width


@pytest.mark.parametrize("answer, message", [
    (0.8286 ** 3, "not cubes"),
    (0.8286 ** 2, "area of a pixel"),
    (4.0, "only the z step"),
    (1.0, "after resampling"),
    (4.0 + 2 * 0.8286, "added"),
    (np.array([4.0, 0.8286, 0.8286]), "one number"),
    (3.0, "not the volume"),
])
def test_voxel_volume_wrong(answer, message):
    feedback = lesson07.voxel_volume.check(answer)
    assert feedback.status == "incorrect" and message in feedback.message


def test_shape_at_2um_right():
    assert lesson07.shape_at_2um.check((74, 49, 55)).correct
    assert lesson07.shape_at_2um.check(np.array([74, 49, 55])).correct


@pytest.mark.parametrize("answer, message", [
    ((148, 98, 109), "1 µm voxels"),
    ((37, 118, 132), "original shape"),
    ((55, 49, 74), "wrong order"),
    ((18, 285, 319), "other way round"),
    ((74, 49), "three numbers"),
    (74, "Expected a shape"),
    ((75, 49, 55), "not the shape"),
])
def test_shape_at_2um_wrong(answer, message):
    feedback = lesson07.shape_at_2um.check(answer)
    assert feedback.status == "incorrect" and message in feedback.message


def test_not_attempted_hints_and_solutions():
    for exercise in (lesson07.voxel_volume, lesson07.shape_at_2um):
        assert exercise.check(None).status == "not attempted"
        assert len(exercise.hints) >= 2 and exercise.solution_text.strip()


def test_solutions_in_the_notebook_match_the_exercises():
    import nbformat
    from pathlib import Path
    notebook = nbformat.read(Path(__file__).resolve().parents[1] / "notebooks" / "07_3d_anisotropy.ipynb", 4)
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    for exercise in (lesson07.voxel_volume, lesson07.shape_at_2um):
        assert f"```python\n{exercise.solution_text.strip()}\n```" in markdown
