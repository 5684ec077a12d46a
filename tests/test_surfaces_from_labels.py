"""Lesson 11, surfaces from labels: every number the lesson states, and its exercises with right and wrong answers."""
import contextlib
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from skimage.measure import marching_cubes, mesh_surface_area

import segcourse
from segcourse.lessons import surfaces_from_labels as exercises

pytestmark = [
    # vedo 2023.4.4 (pinned for nppas 0.5.0) calls VTK methods that VTK 9.7 deprecates: not ours to fix
    pytest.mark.filterwarnings("ignore::DeprecationWarning:vedo"),
]

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "11_surfaces_from_labels.ipynb"
MIB = 2**20


def markdown():
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    return "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")


# --- memory ------------------------------------------------------------------------------------------------
def test_memory_of_one_stack():
    voxels = 100 * 1024 * 1024
    assert round(voxels / 1e6, 1) == 104.9 and voxels / MIB == 100
    assert round(2 * voxels / 1e6, 1) == 209.7 and 2 * voxels / MIB == 200
    assert round(4 * voxels / 1e6, 1) == 419.4 and 4 * voxels / MIB == 400


def test_workflow_in_the_main_text():
    voxels = 100 * 1024 * 1024
    sizes = [2 * voxels, 2 * voxels, voxels, 2 * voxels]
    assert sum(sizes) / MIB == 200 + 200 + 100 + 200 == 700
    assert max(a + b for a, b in zip(sizes, sizes[1:])) / MIB == 400


def test_going_further_memory_table_is_what_its_code_prints():
    """The collapsed block states its code and the table it prints: run the code, compare the table."""
    text = markdown()
    block = text[text.index("Going further: the lecture's memory table"):]
    code, table = re.findall(r"```(?:python)?\n(.*?)```", block, re.DOTALL)[:2]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(code, {})
    assert printed.getvalue() == table
    assert "700.0 MiB" in table and "400.0 MiB" in table and "1100.0 MiB" in table
    assert "4000.0 MiB" in table and "7000.0 MiB" in table
    assert round(4000 * MIB / 1e9, 1) == 4.2 and round(4000 / 1024, 1) == 3.9  # "4.2 GB or 3.9 GiB"


# --- a mesh is two tables; marching cubes --------------------------------------------------------------------
def test_single_voxel_octahedron():
    single = np.zeros((3, 3, 3), dtype=bool)
    single[1, 1, 1] = True
    vertices, faces, _, _ = marching_cubes(single, level=0.5)
    assert len(vertices) == 6 and len(faces) == 8
    assert vertices[0].tolist() == [0.5, 1.0, 1.0] and faces[0].tolist() == [2, 1, 0]
    assert vertices[5].tolist() == [1.5, 1.0, 1.0]  # "vertex 0 at the bottom, 5 at the top"


def test_small_ball_figure():
    z, y, x = np.ogrid[-7:8, -7:8, -7:8]
    ball = z**2 + y**2 + x**2 <= 6**2
    vertices, faces, _, _ = marching_cubes(ball, level=0.5)
    assert ball.sum() == 925 and len(faces) == 1352
    padded = np.pad(ball, 1)
    voxel_faces = sum(int(np.diff(padded, axis=axis).sum()) for axis in range(3))
    assert len(vertices) == voxel_faces == 678  # "one vertex per voxel face between foreground and background"


# --- nuclei --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def segmentation():
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    import pyclesperanto_prototype as cle
    image = segcourse.load("neubias_nuclei_3d")
    assert image.shape == (37, 118, 132) and image.dtype == np.uint8
    z, y, x = segcourse.voxel_size_from_file("neubias_nuclei_3d")
    isotropic = cle.pull(cle.scale(image, factor_z=z, factor_y=y, factor_x=x, auto_size=True))
    labels = nsbatwm.voronoi_otsu_labeling(isotropic, spot_sigma=3, outline_sigma=1)
    return isotropic, labels, np.asarray(nsbatwm.remove_labels_on_edges(labels))


@pytest.fixture(scope="module")
def surface(segmentation):
    import napari_process_points_and_surfaces as nppas
    return nppas.all_labels_to_surface(segmentation[2] > 0)


def test_resampled_stack_and_labels(segmentation):
    isotropic, labels, inner_labels = segmentation
    assert isotropic.shape == (148, 98, 109) and isotropic.dtype == np.float32
    assert labels.max() == 97 and inner_labels.max() == 64
    assert np.array_equal(inner_labels, exercises.nuclei())  # the exercises check against the lesson's labels
    assert len(np.unique(inner_labels[90])) - 1 == 18  # "Eighteen nuclei have coloured outlines"


def test_mesh_of_the_nuclei(segmentation, surface):
    inner_labels = segmentation[2]
    vertices, faces = surface
    assert len(vertices) == 37970 and len(faces) == 75716
    assert inner_labels.size == 1_580_936 and round(inner_labels.nbytes / 1e6, 1) == 6.3
    assert round((vertices.nbytes + faces.nbytes) / 1e6, 1) == 2.3


def test_corner_figure(segmentation):
    import napari_process_points_and_surfaces as nppas
    inner_labels = segmentation[2]
    corner_ids = np.unique(inner_labels[:, :49, :55])[1:]
    corner = nppas.all_labels_to_surface(np.isin(inner_labels, corner_ids))
    assert len(corner_ids) == 18 and len(corner[1]) == 20588


def test_pitfalls_of_nppas(segmentation, surface):
    import napari_process_points_and_surfaces as nppas
    inner_labels = segmentation[2]
    # all_labels_to_surface on a label image: the background and every label but the last
    assert len(nppas.all_labels_to_surface(inner_labels)[0]) == 76278
    ids = np.unique(inner_labels)[:-1]
    assert ids[0] == 0 and inner_labels.max() not in ids
    assert sum(len(marching_cubes(inner_labels == i)[0]) for i in ids) == 76278
    assert len(marching_cubes(inner_labels == 0, level=0.5)[0]) == len(surface[0])
    # label_to_surface runs marching cubes at level 0: one voxel larger on every side, area 18 % larger
    level_zero = nppas.label_to_surface(inner_labels, label_id=12)
    half = nppas.all_labels_to_surface(inner_labels == 12)
    assert np.array_equal(np.ptp(level_zero[0], axis=0), np.ptp(half[0], axis=0) + 1)
    ratio = mesh_surface_area(*map(np.asarray, level_zero[:2])) / mesh_surface_area(*map(np.asarray, half[:2]))
    assert round(100 * (ratio - 1)) == 18


def test_nucleus_12(segmentation):
    extents = exercises.nucleus_extents()
    assert (extents["z"], extents["y"], extents["x"]) == (12, 7, 9)
    assert extents["voxel centres"] == 11 and extents["label_to_surface"] == 13 and extents["all nuclei"] == 81
    assert extents["voxels"] == 446 and extents["vertices"] == 420 and extents["all columns"] == 59


def test_saved_mesh_reads_back(surface, tmp_path):
    import vedo
    path = tmp_path / "nuclei.ply"
    vedo.write(vedo.Mesh([surface[0], surface[1]]), str(path))
    assert vedo.load(str(path)).npoints == 37970


# --- exercise 1: the peak of the workflow with cle's data types ---------------------------------------------------
VOXELS = 100 * 1024 * 1024


def test_workflow_peak_value():
    assert exercises.workflow_peak_mib.value() == 600
    assert VOXELS * (2 + 4 + 1 + 4) / MIB == 1100  # all kept, the Going further block's "with cle's data types"


@pytest.mark.parametrize("answer", [600, 600.0, np.float64(600), np.int64(600), VOXELS * 6 / MIB, 600.4])
def test_workflow_peak_right(answer):
    feedback = exercises.workflow_peak_mib.check(answer)
    assert feedback.correct, feedback
    assert "600 MiB" in feedback.message


@pytest.mark.parametrize("answer, message", [
    (1100, "keeps all four images"),
    (800, "never in memory together"),
    (400, "one float32 image alone, or the 16-bit workflow"),
    (500, "second step"),
    (700, "16-bit workflow of the text with all images kept"),
    (VOXELS * 6 / 1e6, "in MB"),
    (629, "in MB"),
    (VOXELS * 11 / 1e6, "and is in MB"),
    (VOXELS * 6, "in bytes"),
    (VOXELS * 6 / 2**30, "GiB"),
    (6, "bytes per voxel of the largest pair"),
    (900, "not the peak"),
    ("600 MiB", "is text"),
])
def test_workflow_peak_wrong(answer, message):
    feedback = exercises.workflow_peak_mib.check(answer)
    assert feedback.status == "incorrect" and message in feedback.message, feedback


def test_workflow_peak_solution_runs():
    namespace = {"np": np}
    exec(exercises.workflow_peak_mib.solution_text, namespace)
    assert exercises.workflow_peak_mib.check(namespace["peak_mib"]).correct


# --- exercise 2: the height of nucleus 12 ----------------------------------------------------------------------
@pytest.mark.parametrize("answer", [12, 12.0, np.float32(12.0), np.array(12.0)])
def test_nucleus_height_right(answer):
    assert exercises.nucleus_height.check(answer).correct


@pytest.mark.parametrize("answer, message", [
    (7, "along y"),
    (9, "along x"),
    (11, "centres of the nucleus's lowest and highest voxels"),
    (13, "label_to_surface"),
    (81, "all nuclei"),
    (48, "no need to multiply by 4"),
    (12 * 0.8286, "no need to multiply by 0.8286"),
    (59, "z, y and x mixed"),
    (446, "number of voxels"),
    (420, "number of vertices"),
    (15, "not the height of nucleus 12"),
])
def test_nucleus_height_wrong(answer, message):
    feedback = exercises.nucleus_height.check(answer)
    assert feedback.status == "incorrect" and message in feedback.message, feedback


def test_nucleus_height_solution_runs(segmentation):
    import napari_process_points_and_surfaces as nppas
    namespace = {"np": np, "nppas": nppas, "inner_labels": segmentation[2]}
    exec(exercises.nucleus_height.solution_text, namespace)
    assert exercises.nucleus_height.check(namespace["height"]).correct


def test_exercises_not_attempted_and_hinted():
    for exercise in (exercises.workflow_peak_mib, exercises.nucleus_height):
        assert exercise.check(None).status == "not attempted"
        assert len(exercise.hints) >= 2
