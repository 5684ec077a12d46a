"""Lesson 08, surfaces: the numbers the lesson states, and its exercises with right and wrong answers."""
from pathlib import Path

import numpy as np
import pytest
from skimage.measure import marching_cubes, mesh_surface_area

import segcourse
from segcourse.lessons import lesson08
from segcourse.lessons.lesson08 import _ball, _face_count

pytestmark = [
    # vedo 2023.4.4 (pinned for nppas 0.5.0) calls VTK methods that VTK 9.7 deprecates: not ours to fix
    pytest.mark.filterwarnings("ignore::DeprecationWarning:vedo"),
    # importing nsbatwm imports napari and npe2, whose pydantic models use APIs pydantic 2 deprecates: not ours to fix
    pytest.mark.filterwarnings("ignore::DeprecationWarning:npe2"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:pydantic"),
    # pyopencl says pocl printed compiler messages (only while the OpenCL kernel cache is cold)
    pytest.mark.filterwarnings("ignore::pyopencl.CompilerWarning"),
]

MIB = 2**20
VOXELS = 1024 * 1024 * 100


def mesh_volume(vertices, faces):
    a, b, c = vertices[faces[:, 0]], vertices[faces[:, 1]], vertices[faces[:, 2]]
    return abs(np.sum(a * np.cross(b, c)) / 6)


def measure(surface):
    return mesh_surface_area(surface[0], surface[1]), mesh_volume(surface[0], surface[1])


# --- memory -----------------------------------------------------------------------------------------------------
def test_memory_of_one_stack():
    assert VOXELS * 2 == 209_715_200 and VOXELS * 2 / MIB == 200 and round(VOXELS * 2 / 1e6, 1) == 209.7
    assert VOXELS * 1 == 104_857_600 and VOXELS / MIB == 100 and round(VOXELS / 1e6, 1) == 104.9
    assert VOXELS * 4 / MIB == 400 and VOXELS * 8 / MIB == 800


def test_lecture_workflow_numbers():
    sizes = [VOXELS * np.dtype(t).itemsize for t in ("uint16", "uint16", "uint8", "uint16")]
    assert sum(sizes) == 734_003_200 and sum(sizes) / MIB == 700                            # "700 MB"
    assert max(a + b for a, b in zip(sizes, sizes[1:])) / MIB == 400                         # "400 MB"
    assert sum(VOXELS * np.dtype(t).itemsize for t in ("uint16", "float32", "uint8", "uint32")) / MIB == 1100
    assert 10 * VOXELS * 4 / MIB == 4000 and round(4000 * MIB / 1e9, 1) == 4.2 and round(4000 / 1024, 1) == 3.9
    assert 10 * sum(sizes) == 7_340_032_000 and 10 * sum(sizes) / MIB == 7000


# --- staircase and marching cubes ------------------------------------------------------------------------------
def test_ball_radius_20():
    ball = _ball(20)
    sphere = 4 * np.pi * 20**2
    assert ball.sum() == 33401 and round(100 * (ball.sum() / (4 / 3 * np.pi * 20**3) - 1), 1) == -0.3
    assert _face_count(ball) == 7542 and round(_face_count(ball) / sphere, 3) == 1.500
    vertices, faces, _, _ = marching_cubes(ball, level=0.5)
    assert len(vertices) == 7542 and len(faces) == 15080
    assert round(mesh_surface_area(vertices, faces) / sphere, 3) == 1.085


def test_small_ball_figure_and_octahedron():
    small = _ball(6)
    assert _face_count(small) == 678 and len(marching_cubes(small, level=0.5)[1]) == 1352
    single = np.zeros((3, 3, 3), dtype=bool)
    single[1, 1, 1] = True
    vertices, faces, _, _ = marching_cubes(single, level=0.5)
    assert len(vertices) == 6 and len(faces) == 8
    assert np.isclose(mesh_surface_area(vertices, faces), np.sqrt(3), atol=1e-6)
    assert vertices[0].tolist() == [0.5, 1.0, 1.0] and faces[0].tolist() == [2, 1, 0]


# --- nuclei surfaces ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def nuclei():
    import pyclesperanto_prototype as cle
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    image = segcourse.load("neubias_nuclei_3d")
    z, y, x = segcourse.voxel_size_from_file("neubias_nuclei_3d")
    isotropic = cle.pull(cle.scale(image, factor_x=x, factor_y=y, factor_z=z, auto_size=True))
    labels = nsbatwm.voronoi_otsu_labeling(isotropic, spot_sigma=3, outline_sigma=1)
    inner_labels = nsbatwm.remove_labels_on_edges(labels)
    return labels, inner_labels


@pytest.fixture(scope="module")
def surface(nuclei):
    import napari_process_points_and_surfaces as nppas
    return nppas.all_labels_to_surface(nuclei[1] > 0)


def test_segmentation(nuclei):
    labels, inner_labels = nuclei
    assert labels.max() == 97 and inner_labels.max() == 64 and (inner_labels > 0).sum() == 49928
    assert labels.size == 1_580_936


def test_surface_of_binary_and_label_images(nuclei, surface):
    import napari_process_points_and_surfaces as nppas
    inner_labels = nuclei[1]
    assert len(surface[0]) == 37970 and len(surface[1]) == 75716
    assert len(marching_cubes(inner_labels == 0, level=0.5)[0]) == 37970
    assert _face_count(inner_labels > 0) == 37970  # one vertex per voxel face
    assert len(nppas.all_labels_to_surface(inner_labels)[0]) == 76278
    # the pitfall: background plus every label but the last
    ids = np.unique(inner_labels)[:-1]
    assert ids[0] == 0 and inner_labels.max() not in ids
    assert sum(len(marching_cubes(inner_labels == i)[0]) for i in ids) == 76278


def test_mesh_measurements(nuclei, surface):
    area, volume = measure(surface)
    assert round(area) == 28533 and round(volume) == 49191
    assert round(37970 / area - 1, 2) == 0.33                    # "a third more area"
    assert abs(volume / 49928 - 1) < 0.015                        # "within 1.5 %"


def test_decimation_table(surface):
    import napari_process_points_and_surfaces as nppas
    area, volume = measure(surface)
    found = {}
    for fraction in (0.5, 0.05, 0.01):
        simplified = nppas.decimate_quadric(surface, fraction=fraction)
        a, v = measure(simplified)
        found[fraction] = (len(simplified[0]), len(simplified[1]), round(100 * (a / area - 1), 1),
                           round(100 * (v / volume - 1), 1))
    assert found == {0.5: (19041, 37858, 0.0, -0.0), 0.05: (2005, 3785, -6.8, -5.8), 0.01: (482, 756, -22.7, -33.9)}


def test_smoothing(surface):
    import napari_process_points_and_surfaces as nppas
    area, volume = measure(surface)
    smoothed = nppas.smooth_surface(surface)
    a, v = measure(smoothed)
    assert len(smoothed[0]) == 37970 and round(a) == 27147 and round(v) == 49148
    assert round(100 * (a / area - 1), 1) == -4.9 and round(100 * (v / volume - 1), 1) == -0.1
    ball_vertices, ball_faces, _, _ = marching_cubes(_ball(20), level=0.5)
    smoothed_ball = nppas.smooth_surface(nppas.SurfaceTuple((ball_vertices, ball_faces)))
    a, v = measure(smoothed_ball)
    assert round(a / (4 * np.pi * 400), 3) == 1.022 and round(v / (4 / 3 * np.pi * 8000), 3) == 0.996


def test_gastruloid():
    import napari_process_points_and_surfaces as nppas
    vertices, faces = segcourse.load("gastruloid")
    assert vertices.shape == (3324, 3) and faces.shape == (6643, 3)
    area, volume = measure((vertices, faces))
    found = {}
    for fraction in (0.5, 0.05, 0.01):
        simplified = nppas.decimate_quadric(nppas.SurfaceTuple((vertices, faces)), fraction=fraction)
        a, v = measure(simplified)
        found[fraction] = (len(simplified[0]), round(100 * (a / area - 1), 1), round(100 * (v / volume - 1), 1))
    assert found == {0.5: (1663, 0.0, -0.1), 0.05: (168, -0.1, -2.4), 0.01: (35, -2.6, -14.4)}


def test_saved_mesh_reads_back(surface, tmp_path):
    import vedo
    path = tmp_path / "nuclei_smoothed.ply"
    vedo.write(vedo.Mesh([surface[0], surface[1]]), str(path))
    assert vedo.load(str(path)).npoints == 37970


# --- exercises ------------------------------------------------------------------------------------------------
def test_memory_mb_right():
    assert lesson08.memory_mb.check(148 * 98 * 109 * 4 / 1e6).correct
    assert lesson08.memory_mb.check(6.32).correct


@pytest.mark.parametrize("answer, message", [
    (148 * 98 * 109 * 4, "in bytes"),
    (148 * 98 * 109 * 4 / 2**20, "MiB"),
    (148 * 98 * 109 / 1e6, "counted voxels"),
    (148 * 98 * 109 * 8 / 1e6, "float64"),
    (148 * 98 * 109 * 2 / 1e6, "16-bit"),
    (148 * 98 * 109 * 32 / 1e6, "4 bytes"),
    ("6.3 MB", "one number"),
    (1.0, "not the size"),
])
def test_memory_mb_wrong(answer, message):
    feedback = lesson08.memory_mb.check(answer)
    assert feedback.status == "incorrect" and message in feedback.message


def test_voxel_face_error_right():
    faces = _face_count(_ball(10))
    assert faces == 1902
    sphere = 4 * np.pi * 100
    assert lesson08.voxel_face_error.check((faces - sphere) / sphere).correct
    assert round(lesson08.voxel_face_error_expected(), 3) == 0.514


@pytest.mark.parametrize("answer, message", [
    (1902 / (400 * np.pi), "ratio"),
    (100 * (1902 / (400 * np.pi) - 1), "percent"),
    ((400 * np.pi - 1902) / 1902, "formula"),
    (lesson08.voxel_face_error_expected(20), "radius-20"),
    ((1372.04 - 400 * np.pi) / (400 * np.pi), "marching cubes"),
    (0.3, "not the relative error"),
    ([0.5], "one number"),
])
def test_voxel_face_error_wrong(answer, message):
    feedback = lesson08.voxel_face_error.check(answer)
    assert feedback.status == "incorrect" and message in feedback.message


def test_not_attempted_hints_and_solutions():
    import nbformat
    notebook = nbformat.read(Path(__file__).resolve().parents[1] / "notebooks" / "08_surfaces.ipynb", 4)
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    for exercise in (lesson08.memory_mb, lesson08.voxel_face_error):
        assert exercise.check(None).status == "not attempted"
        assert len(exercise.hints) >= 2
        assert f"```python\n{exercise.solution_text.strip()}\n```" in markdown
