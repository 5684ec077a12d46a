"""Lesson 12, measuring surfaces: every number the lesson states, and its exercises with right and wrong answers."""
import numpy as np
import pytest
from skimage.measure import find_contours, marching_cubes

import segcourse
from segcourse.lessons import measuring_surfaces as exercises
from segcourse.lessons.measuring_surfaces import count_voxel_faces, digital_ball, measure
from segcourse.lessons.surfaces_from_labels import nuclei

pytestmark = [
    # vedo 2023.4.4 (pinned for nppas 0.5.0) calls VTK methods that VTK 9.7 deprecates: not ours to fix
    pytest.mark.filterwarnings("ignore::DeprecationWarning:vedo"),
]

SPHERE_20 = 4 * np.pi * 20**2
BALL_VOLUME_20 = 4 / 3 * np.pi * 20**3


def percent(new, old):
    return round(100 * (new / old - 1), 1) + 0.0


# --- the staircase ---------------------------------------------------------------------------------------------
def test_ball_radius_20():
    ball = digital_ball(20)
    assert ball.sum() == 33401 and round(BALL_VOLUME_20, 1) == 33510.3 and percent(ball.sum(), BALL_VOLUME_20) == -0.3
    assert count_voxel_faces(ball) == 7542 and round(SPHERE_20, 1) == 5026.5
    assert round(count_voxel_faces(ball) / SPHERE_20, 3) == 1.500


def test_faces_counted_like_the_old_way():
    """The lesson counts faces with np.diff of a boolean image: the same as |differences| of 0/1 integers."""
    for radius in (3, 6, 10):
        padded = np.pad(digital_ball(radius), 1).astype(np.int8)
        assert count_voxel_faces(digital_ball(radius)) == sum(int(np.abs(np.diff(padded, axis=a)).sum())
                                                               for a in range(3))


def test_staircase_ratio_tends_to_three_halves():
    """'over a whole sphere they add up to exactly 3/2 of its area': at every radius the ratio stays near 1.5."""
    ratios = [count_voxel_faces(digital_ball(r)) / (4 * np.pi * r**2) for r in (10, 20, 40)]
    assert all(abs(ratio - 1.5) < 0.02 for ratio in ratios)


def test_middle_slice_figure():
    middle = digital_ball(6)[7]
    assert middle.shape == (15, 15) and middle[7, 7] and middle[7, 13] and not middle[7, 14]
    contour = find_contours(middle.astype(float), level=0.5)
    assert len(contour) == 1  # one closed line: the mesh cut by the slice


def test_ball_mesh_and_smoothing():
    import napari_process_points_and_surfaces as nppas
    vertices, faces, _, _ = marching_cubes(digital_ball(20), level=0.5)
    assert len(vertices) == 7542 and len(faces) == 15080
    area, volume = measure((vertices, faces))
    assert round(area, 1) == 5452.9 and round(area / SPHERE_20, 3) == 1.085 and round(volume / BALL_VOLUME_20, 3) == 0.995
    smoothed = nppas.smooth_surface((vertices, faces))
    assert len(smoothed[0]) == 7542 and len(smoothed[1]) == 15080  # "keeps every vertex and face"
    area, volume = measure(smoothed)
    assert round(area / SPHERE_20, 3) == 1.022 and round(volume / BALL_VOLUME_20, 3) == 0.996


def test_lesson_functions_match_the_module():
    """The notebook defines digital_ball, count_voxel_faces, mesh_volume and measure; the checks use the module's."""
    import json
    from pathlib import Path
    cells = json.loads((Path(__file__).resolve().parents[1] / "notebooks" / "12_measuring_surfaces.ipynb").read_text())
    namespace = {"np": np}
    for cell in cells["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and ("def digital_ball" in source or "def mesh_volume" in source):
            exec(source, namespace)
    ball = namespace["digital_ball"](7)
    assert np.array_equal(ball, digital_ball(7))
    assert namespace["count_voxel_faces"](ball) == count_voxel_faces(ball)
    mesh = marching_cubes(ball, level=0.5)[:2]
    assert np.allclose(namespace["measure"](mesh), measure(mesh), rtol=1e-6)
    table = namespace["compare"]({"a": mesh, "b": mesh})
    assert list(table.columns) == ["vertices", "area", "volume", "area change %", "volume change %"]
    assert table.loc["b", "area change %"] == 0.0 and str(table.loc["b", "volume change %"]) == "0.0"


# --- nuclei ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def inner_labels():
    return nuclei()


@pytest.fixture(scope="module")
def surface(inner_labels):
    import napari_process_points_and_surfaces as nppas
    return nppas.all_labels_to_surface(inner_labels > 0)


def test_nuclei_in_square_and_cubic_micrometres(inner_labels, surface):
    assert count_voxel_faces(inner_labels > 0) == 37970 and np.count_nonzero(inner_labels) == 49928
    area, volume = measure(surface)
    assert round(area) == 28533 and round(volume) == 49191
    assert round(37970 / area - 1, 2) == 0.33              # "a third more area"
    assert abs(volume / 49928 - 1) < 0.015                  # "agree within 1.5 %"


def test_decimation_table(surface):
    import napari_process_points_and_surfaces as nppas
    area, volume = measure(surface)
    found = {}
    for fraction in (0.5, 0.05, 0.01):
        simplified = nppas.decimate_quadric(surface, fraction=fraction)
        a, v = measure(simplified)
        found[fraction] = (len(simplified[0]), percent(a, area), percent(v, volume))
    assert found == {0.5: (19041, 0.0, 0.0), 0.05: (2005, -6.8, -5.8), 0.01: (482, -22.7, -33.9)}
    assert round(2005 / 64) == 31 and round(482 / 64, 1) == 7.5  # "about 30", "7 or 8 vertices per nucleus"


def test_smoothing_the_nuclei(surface):
    import napari_process_points_and_surfaces as nppas
    area, volume = measure(surface)
    smoothed = nppas.smooth_surface(surface)
    a, v = measure(smoothed)
    assert len(smoothed[0]) == 37970 and round(a) == 27147 and round(v) == 49148
    assert percent(a, area) == -4.9 and percent(v, volume) == -0.1


def test_one_nucleus_through_every_step(inner_labels):
    import napari_process_points_and_surfaces as nppas
    nucleus = inner_labels == 30
    z, y, x = np.nonzero(nucleus)
    assert (z.ptp() + 1, y.ptp() + 1, x.ptp() + 1) == (16, 9, 9)
    assert count_voxel_faces(nucleus) == 608
    mesh = nppas.all_labels_to_surface(nucleus)
    areas = [measure(mesh)[0], measure(nppas.smooth_surface(mesh))[0]]
    areas += [measure(nppas.decimate_quadric(mesh, fraction))[0] for fraction in (0.5, 0.05, 0.01)]
    assert [round(a) for a in areas] == [450, 429, 450, 419, 341]


def test_gastruloid():
    import napari_process_points_and_surfaces as nppas
    vertices, faces = segcourse.load("gastruloid")
    assert vertices.shape == (3324, 3) and faces.shape == (6643, 3)
    area, volume = measure((vertices, faces))
    found = {}
    for fraction in (0.5, 0.05, 0.01):
        simplified = nppas.decimate_quadric((vertices, faces), fraction)
        a, v = measure(simplified)
        found[fraction] = (len(simplified[0]), percent(a, area), percent(v, volume))
    assert found == {0.5: (1663, 0.0, -0.1), 0.05: (168, -0.1, -2.4), 0.01: (35, -2.6, -14.4)}


# --- exercise 1: the staircase error at radius 10 ------------------------------------------------------------------
def test_voxel_face_error_value():
    assert count_voxel_faces(digital_ball(10)) == 1902
    assert round(exercises.voxel_face_error.value(), 3) == 0.514


@pytest.mark.parametrize("answer", [(1902 - 400 * np.pi) / (400 * np.pi), 0.51, 0.514, np.float32(0.5136)])
def test_voxel_face_error_right(answer):
    assert exercises.voxel_face_error.check(answer).correct


@pytest.mark.parametrize("answer, message", [
    (1902 / (400 * np.pi), "ratio"),
    (100 * (1902 / (400 * np.pi) - 1), "percentage"),
    ((1902 - 400 * np.pi) / 1902, "not by the measured one"),
    ((400 * np.pi - 1902) / (400 * np.pi), "sign is turned round"),
    ((400 * np.pi - 1902) / 1902, "Check the formula"),
    (0.0918, "marching cubes"),
    (exercises.ball_errors(20)["faces"] / (4 * np.pi * 400) - 1, "radius-20"),
    (0.5, "Close"),
    (1902, "number of voxel faces"),
    (400 * np.pi, "true area"),
    (0.2, "not the relative error"),
    ([0.5, 0.6], "Expected one number"),
])
def test_voxel_face_error_wrong(answer, message):
    feedback = exercises.voxel_face_error.check(answer)
    assert feedback.status == "incorrect" and message in feedback.message, feedback


def test_voxel_face_error_recognises_the_volume_error():
    ball = digital_ball(10)
    volume_error = (ball.sum() - 4 / 3 * np.pi * 1000) / (4 / 3 * np.pi * 1000)
    assert "volume" in exercises.voxel_face_error.check(volume_error).message


def test_voxel_face_error_solution_runs():
    namespace = {"np": np, "digital_ball": digital_ball, "count_voxel_faces": count_voxel_faces}
    exec(exercises.voxel_face_error.solution_text, namespace)
    assert exercises.voxel_face_error.check(namespace["relative_error"]).correct


# --- exercise 2: decimation to 0.1 -----------------------------------------------------------------------------
def test_decimated_area_change_value():
    numbers = exercises.decimation()
    assert numbers["0.1 vertices"] == 3900 and numbers["0.1 faces"] == 7570
    assert percent(numbers[0.1][0], numbers["original"][0]) == -2.7
    assert percent(numbers[0.1][1], numbers["original"][1]) == -2.0
    assert round(exercises.decimated_area_change.value(), 3) == -0.027


def wrong_answers():
    numbers = exercises.decimation()
    new, old = numbers[0.1][0], numbers["original"][0]
    return [
        (-(new - old) / old, "sign is turned round"),
        (new / old, "ratio"),
        ((old - new) / new, "Divide by the original"),
        (100 * (new - old) / old, "percentage"),
        (numbers[0.1][1] / numbers["original"][1] - 1, "volume"),
        (new / numbers["voxel faces"] - 1, "voxel faces"),
        (numbers[0.05][0] / old - 1, "0.05"),
        (numbers[0.01][0] / old - 1, "0.01"),
        (new - old, "µm²"),
        (3900, "vertices left"),
        (7570, "faces left"),
        (-0.5, "not the relative change"),
    ]


def test_decimated_area_change_right():
    numbers = exercises.decimation()
    new, old = numbers[0.1][0], numbers["original"][0]
    for answer in [(new - old) / old, new / old - 1, -0.027, -0.0267, np.float32((new - old) / old)]:
        assert exercises.decimated_area_change.check(answer).correct, answer
    assert "Close" in exercises.decimated_area_change.check(-0.03).message


def test_decimated_area_change_wrong():
    for answer, message in wrong_answers():
        feedback = exercises.decimated_area_change.check(answer)
        assert feedback.status == "incorrect" and message in feedback.message, (answer, feedback)


def test_decimated_area_change_solution_runs():
    import napari_process_points_and_surfaces as nppas
    surface = nppas.all_labels_to_surface(nuclei() > 0)
    namespace = {"np": np, "nppas": nppas, "measure": measure, "surface": surface,
                 "surface_area": measure(surface)[0]}
    exec(exercises.decimated_area_change.solution_text, namespace)
    assert exercises.decimated_area_change.check(namespace["area_change"]).correct


def test_exercises_not_attempted_and_hinted():
    for exercise in (exercises.voxel_face_error, exercises.decimated_area_change):
        assert exercise.check(None).status == "not attempted"
        assert len(exercise.hints) >= 2


def test_draw_mesh_is_the_same_in_both_surface_lessons():
    """Lesson 12 says it draws 'as in surfaces from labels': the two copies must not drift apart."""
    import json
    from pathlib import Path
    folder = Path(__file__).resolve().parents[1] / "notebooks"
    copies = []
    for name in ("11_surfaces_from_labels.ipynb", "12_measuring_surfaces.ipynb"):
        cells = json.loads((folder / name).read_text())["cells"]
        copies += ["".join(c["source"]) for c in cells if "def draw_mesh" in "".join(c["source"])]
    assert len(copies) == 2 and copies[0] == copies[1]
