"""Lesson 08, surfaces: exercises on the memory of a stack and the staircase error of counting voxel faces."""
import numpy as np

from segcourse.exercises import Exercise, is_number

__all__ = ["memory_mb", "voxel_face_error", "ISOTROPIC_SHAPE", "BALL_RADIUS"]

ISOTROPIC_SHAPE = (148, 98, 109)  # lesson 07: the NEUBIAS stack resampled to 1 µm voxels, float32
BALL_RADIUS = 10                  # the ball of the second exercise, in voxels


# --- exercise 1: memory of the isotropic stack ----------------------------------------------------------------
def _check_memory_mb(answer):
    voxels = int(np.prod(ISOTROPIC_SHAPE))
    expected = voxels * 4 / 1e6
    if not is_number(answer):
        return False, "Expected one number, the size in megabytes (MB)."
    answer = float(answer)

    def close(value):
        return np.isclose(answer, value, rtol=2e-3)

    if close(expected):
        return True, (f"{voxels:,} voxels x 4 bytes = {voxels * 4:,} bytes = {expected:.2f} MB "
                      f"({voxels * 4 / 2**20:.2f} MiB). The original uint8 stack took {37 * 118 * 132 / 1e6:.2f} MB: "
                      "resampling and float32 made it 11 times larger.")
    if close(voxels * 4):
        return False, "That is the size in bytes; one MB is 10^6 bytes."
    if close(voxels * 4 / 2**20):
        return False, (f"{answer:.2f} is in MiB (2^20 bytes). The question asks for MB (10^6 bytes): "
                       "divide the bytes by 1e6.")
    if close(voxels / 1e6) or close(voxels):
        return False, "You counted voxels, not bytes: each float32 voxel takes 4 bytes."
    if close(voxels * 8 / 1e6):
        return False, "8 bytes per voxel is float64; the stack is float32, 4 bytes per voxel."
    if close(voxels * 2 / 1e6):
        return False, "2 bytes per voxel is 16-bit; the stack is float32, 4 bytes per voxel."
    if close(voxels * 32 / 1e6):
        return False, "float32 has 32 bits, which are 4 bytes: multiply by 4, not by 32."
    return False, (f"{answer} MB is not the size of a {ISOTROPIC_SHAPE} float32 stack. Multiply the number of voxels "
                   "by the bytes per voxel and divide by 10^6.")


memory_mb = Exercise(
    "lesson08.memory_mb", checker=_check_memory_mb,
    hints=["Memory = number of voxels x bytes per voxel.",
           "A float32 voxel takes 4 bytes; `np.dtype(np.float32).itemsize` says so. One MB is 10^6 bytes.",
           "`np.prod((148, 98, 109)) * 4 / 1e6`, or `isotropic.nbytes / 1e6` if you have the array."],
    solution_text=("isotropic_shape = (148, 98, 109)\n"
                   "isotropic_mb = np.prod(isotropic_shape) * np.dtype(np.float32).itemsize / 1e6"),
)


# --- exercise 2: relative error of the voxel-face area of a ball of radius 10 -------------------------------------
def _ball(radius):
    grid = np.arange(-radius - 1, radius + 2)
    z, y, x = np.meshgrid(grid, grid, grid, indexing="ij")
    return z ** 2 + y ** 2 + x ** 2 <= radius ** 2


def _face_count(binary):
    padded = np.pad(binary, 1).astype(np.int8)
    return int(sum(np.abs(np.diff(padded, axis=axis)).sum() for axis in range(3)))


def voxel_face_error_expected(radius=BALL_RADIUS) -> float:
    """(exposed voxel faces - 4 pi r^2) / (4 pi r^2) for the digital ball of the given radius."""
    sphere = 4 * np.pi * radius ** 2
    return (_face_count(_ball(radius)) - sphere) / sphere


def _marching_cubes_error(radius) -> float:
    from skimage.measure import marching_cubes, mesh_surface_area
    vertices, faces, _, _ = marching_cubes(_ball(radius), level=0.5)
    sphere = 4 * np.pi * radius ** 2
    return (mesh_surface_area(vertices, faces) - sphere) / sphere


def _check_voxel_face_error(answer):
    faces = _face_count(_ball(BALL_RADIUS))
    sphere = 4 * np.pi * BALL_RADIUS ** 2
    expected = (faces - sphere) / sphere
    if not is_number(answer):
        return False, "Expected one number, the relative error (a fraction such as 0.1 for 10 %)."
    answer = float(answer)

    def close(value):
        return abs(answer - value) < 0.002

    if close(expected):
        return True, (f"{faces} voxel faces against 4 pi r^2 = {sphere:.1f}: {expected:+.3f}, i.e. "
                      f"{100 * expected:.0f} % too much. For large balls the error tends to 50 %: a finer grid "
                      "does not remove the staircase.")
    if close(faces / sphere):
        return False, ("That is the ratio measured / true. The relative error is (measured - true) / true, "
                       "which is the ratio minus 1.")
    if abs(answer - 100 * expected) < 0.2:
        return False, "That is in percent; give the error as a fraction (divide by 100)."
    if close((sphere - faces) / faces) or close((faces - sphere) / faces) or close(-expected):
        return False, "Check the formula: (measured - true) / true, with the sphere 4 pi r^2 as the true value."
    if close(_marching_cubes_error(BALL_RADIUS)):
        return False, ("That is the error of the marching cubes mesh. The exercise asks for the voxel faces: "
                       "count them with `count_voxel_faces`.")
    if close(voxel_face_error_expected(20)):
        return False, "That is the error of the radius-20 ball from the lesson; this exercise asks for radius 10."
    return False, (f"{answer} is not the relative error for a ball of radius {BALL_RADIUS}. Count the exposed faces "
                   "of `digital_ball(10)` and compare with 4 pi r^2.")


voxel_face_error = Exercise(
    "lesson08.voxel_face_error", checker=_check_voxel_face_error,
    hints=["Build the ball with `digital_ball(10)` and count its faces with `count_voxel_faces` from the lesson.",
           "The true area of a sphere is `4 * np.pi * radius**2`.",
           "Relative error = (measured - true) / true."],
    solution_text=("radius = 10\n"
                   "faces = count_voxel_faces(digital_ball(radius))\n"
                   "sphere_area = 4 * np.pi * radius**2\n"
                   "relative_error = (faces - sphere_area) / sphere_area"),
)
