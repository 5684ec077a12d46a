"""Lesson 12, measuring surfaces: the exercises, and the measurements they are checked against.

- ``voxel_face_error``: the relative error, (measured - true) / true, of the surface area of a digital ball of
  radius 10 counted as voxel faces, against 4 pi r^2: +0.514 (radius 20: +0.500). Recognises the ratio instead
  of the error, the error divided by the measured area, the sign turned round, the error of the marching cubes
  mesh, the radius-20 ball, the volume's error, and the face count or the sphere's area themselves.
- ``decimated_area_change``: the relative change of the surface area of the lesson's nuclei mesh when
  ``nppas.decimate_quadric`` keeps a fraction of 0.1 of its vertices: -0.027. Recognises the ratio, the sign
  turned round, the change divided by the decimated area, the volume's change, the change against the voxel
  faces, the 0.05 and 0.01 fractions, the difference in µm², and the numbers of vertices and faces left.

The lesson's functions are here too, so that the checks measure what the lesson measures: ``digital_ball``,
``count_voxel_faces``, ``mesh_volume`` and ``measure``.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from segcourse.exercises import NumberExercise

__all__ = ["voxel_face_error", "decimated_area_change", "digital_ball", "count_voxel_faces", "mesh_volume",
           "measure", "ball_errors", "decimation", "BALL_RADIUS", "FRACTION"]

BALL_RADIUS = 10  # the ball of exercise 1, in voxels
FRACTION = 0.1    # the decimation of exercise 2


def digital_ball(radius: int) -> np.ndarray:
    """A binary 3D image of a ball: the voxels whose centre is at most `radius` from the middle one."""
    grid = slice(-radius - 1, radius + 2)  # one background voxel around the ball
    z, y, x = np.ogrid[grid, grid, grid]
    return z**2 + y**2 + x**2 <= radius**2


def count_voxel_faces(binary) -> int:
    """The number of faces between a foreground and a background voxel: the staircase's area."""
    padded = np.pad(np.asarray(binary, dtype=bool), 1)
    return sum(int(np.diff(padded, axis=axis).sum()) for axis in range(3))


def mesh_volume(vertices, faces) -> float:
    """Volume enclosed by a closed triangle mesh: the sum of the signed volumes of the tetrahedra that its
    triangles form with the origin (the divergence theorem)."""
    vertices, faces = np.asarray(vertices, dtype=float), np.asarray(faces)
    a, b, c = vertices[faces[:, 0]], vertices[faces[:, 1]], vertices[faces[:, 2]]
    return float(abs(np.sum(a * np.cross(b, c)) / 6))


def measure(mesh) -> tuple[float, float]:
    """(surface area, volume) of a mesh (vertices, faces), in the units of its coordinates."""
    from skimage.measure import mesh_surface_area
    vertices, faces = np.asarray(mesh[0]), np.asarray(mesh[1])
    return float(mesh_surface_area(vertices, faces)), mesh_volume(vertices, faces)


# --- exercise 1: the staircase error of a smaller ball ------------------------------------------------------
@lru_cache(maxsize=None)
def ball_errors(radius: int = BALL_RADIUS) -> dict:
    """Voxel faces, voxel count, sphere area and volume, and the marching cubes mesh's area of a digital ball."""
    from skimage.measure import marching_cubes
    ball = digital_ball(radius)
    vertices, faces, _, _ = marching_cubes(ball, level=0.5)
    return {"faces": count_voxel_faces(ball), "voxels": int(ball.sum()), "sphere": 4 * np.pi * radius**2,
            "ball volume": 4 / 3 * np.pi * radius**3, "mesh": measure((vertices, faces))[0]}


def _error(measured="faces", true="sphere", divide_by=None, radius=BALL_RADIUS, sign=1):
    def value():
        numbers = ball_errors(radius)
        return sign * (numbers[measured] - numbers[true]) / numbers[divide_by or true]
    return value


voxel_face_error = NumberExercise(
    "measuring_surfaces.voxel_face_error",
    expected=_error(),
    decimals=2,
    mistakes=[
        (lambda: ball_errors()["faces"] / ball_errors()["sphere"],
         "That is the ratio measured / true. The relative error is (measured - true) / true: the ratio minus 1."),
        (_error(divide_by="faces"), "Divide by the true area, 4 pi r^2, not by the measured one: "
                                    "(measured - true) / true."),
        (_error(sign=-1), "The sign is turned round: the voxel faces measure MORE than the sphere, so "
                          "(measured - true) / true is positive."),
        (_error(divide_by="faces", sign=-1), "Check the formula: (measured - true) / true, with the sphere's "
                                             "area 4 pi r^2 as the true value."),
        (_error(measured="mesh"), "That is the error of the marching cubes mesh. The exercise asks for the voxel "
                                  "faces: count them with `count_voxel_faces`."),
        (_error(radius=20), "That is the error of the radius-20 ball from above; this exercise asks for a ball of "
                            "radius 10."),
        (_error(measured="voxels", true="ball volume"),
         "That is the error of the volume (the voxel count against 4/3 pi r^3). The exercise asks for the area: "
         "the voxel faces against 4 pi r^2."),
        (lambda: ball_errors()["faces"], "That is the number of voxel faces, the measured area. Compare it with the "
                                         "true area: (measured - true) / true."),
        (lambda: ball_errors()["sphere"], "That is the true area, 4 pi r^2. Count the voxel faces and compare: "
                                          "(measured - true) / true."),
    ],
    wrong=("That is not the relative error of the voxel-face area of a ball of radius 10. Count the faces of "
           "`digital_ball(10)` with `count_voxel_faces` and compare with 4 pi r^2: (measured - true) / true."),
    success=("1902 voxel faces against 4 pi r^2 = 1256.6: the staircase measures 51 % too much, as much as at "
             "radius 20 (50 %). A finer grid, or a larger object, does not remove the staircase error."),
    hints=["Build the ball with `digital_ball(10)` and count its faces with `count_voxel_faces`.",
           "The true area of a sphere of radius r is `4 * np.pi * r**2`.",
           "Relative error = (measured - true) / true, as a fraction (0.1 for 10 %)."],
    solution_text=("small_radius = 10\n"
                   "measured = count_voxel_faces(digital_ball(small_radius))\n"
                   "true = 4 * np.pi * small_radius**2\n"
                   "relative_error = (measured - true) / true"),
)


# --- exercise 2: what decimation to 0.1 does to the nuclei's surface area -------------------------------
@lru_cache(maxsize=1)
def decimation() -> dict:
    """Area and volume of the lesson's nuclei mesh, of its decimations (0.1, 0.05, 0.01), and its voxel faces."""
    import napari_process_points_and_surfaces as nppas
    from segcourse.lessons.surfaces_from_labels import nuclei, quiet_vedo
    inner_labels = nuclei()
    with quiet_vedo():
        surface = nppas.all_labels_to_surface(inner_labels > 0)
        result = {"voxel faces": count_voxel_faces(inner_labels > 0), "original": measure(surface)}
        for fraction in (FRACTION, 0.05, 0.01):
            decimated = nppas.decimate_quadric(surface, fraction=fraction)
            result[fraction] = measure(decimated)
            result[f"{fraction} vertices"], result[f"{fraction} faces"] = len(decimated[0]), len(decimated[1])
    return result


def _change(fraction=FRACTION, what=0, against="original", divide_by_new=False, sign=1):
    def value():
        numbers = decimation()
        new = numbers[fraction][what]
        old = numbers[against] if against == "voxel faces" else numbers[against][what]
        return sign * (new - old) / (new if divide_by_new else old)
    return value


decimated_area_change = NumberExercise(
    "measuring_surfaces.decimated_area_change",
    expected=_change(),
    decimals=3,
    mistakes=[
        (_change(sign=-1), "The sign is turned round: decimation shrinks the area, so (decimated - original) / "
                           "original is negative."),
        (lambda: decimation()[FRACTION][0] / decimation()["original"][0],
         "That is the ratio decimated / original. The relative change is the ratio minus 1."),
        (_change(divide_by_new=True, sign=-1), "Divide by the original area, the marching cubes mesh's: "
                                               "(decimated - original) / original."),
        (_change(divide_by_new=True), "Divide by the original area, the marching cubes mesh's: "
                                      "(decimated - original) / original."),
        (_change(what=1), "That is the change of the volume, the second number `measure` returns. The exercise "
                          "asks for the area, the first."),
        (_change(against="voxel faces"), "That compares the decimated mesh with the voxel faces. Compare it with "
                                         "the mesh it was made from, `surface`."),
        (_change(fraction=0.05), "That is the change at a fraction of 0.05 (from the table above); the exercise "
                                 "asks for 0.1."),
        (_change(fraction=0.01), "That is the change at a fraction of 0.01 (from the table above); the exercise "
                                 "asks for 0.1."),
        (lambda: decimation()[FRACTION][0] - decimation()["original"][0],
         "That is the change in µm². The exercise asks for the relative change: divide by the original area."),
        (lambda: decimation()[f"{FRACTION} vertices"], "That is the number of vertices left, not the change of "
                                                       "the area."),
        (lambda: decimation()[f"{FRACTION} faces"], "That is the number of faces left, not the change of the "
                                                    "area."),
    ],
    wrong=("That is not the relative change of the area. Decimate `surface` with `fraction=0.1`, measure both "
           "meshes with `measure`, and compute (decimated - original) / original from their areas."),
    success=("Keeping a tenth of the vertices (3,900 of 37,970, about 60 per nucleus) shrinks the area by 2.7 % and "
             "the volume by 2.0 %: harmless for many purposes, unlike 0.05 (-6.8 %) or 0.01 (-22.7 %)."),
    hints=["`nppas.decimate_quadric(surface, fraction=0.1)` makes the simplified mesh.",
           "`measure(mesh)` returns (area, volume); take the area of both meshes.",
           "Relative change = (decimated - original) / original: negative if the area shrinks."],
    solution_text=("decimated = nppas.decimate_quadric(surface, fraction=0.1)\n"
                   "decimated_area, decimated_volume = measure(decimated)\n"
                   "area_change = (decimated_area - surface_area) / surface_area"),
)
