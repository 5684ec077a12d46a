"""Lesson 07, 3D and anisotropy: exercises on voxel volume and the shape of a resampled stack."""
import numpy as np

from segcourse.data import describe
from segcourse.exercises import Exercise, is_number

__all__ = ["voxel_volume", "shape_at_2um", "SHAPE_AT_2UM"]

# The (z, y, x) shape that `cle.scale(image, factor_x=vx / 2, factor_y=vy / 2, factor_z=vz / 2, auto_size=True)`
# gives for the NEUBIAS 3D stack (37, 118, 132) with voxels of 4.0 x 0.8286 x 0.8286 um; tests check it against cle.
SHAPE_AT_2UM = (74, 49, 55)
SHAPE_AT_1UM = (148, 98, 109)
ORIGINAL_SHAPE = (37, 118, 132)


# --- exercise 1: the volume of one voxel -----------------------------------------------------------------------
def _check_voxel_volume(answer):
    z, y, x = describe("neubias_nuclei_3d").voxel_size_zyx
    expected = z * y * x
    if not is_number(answer):
        return False, "Expected one number, the volume of one voxel in cubic micrometres."
    answer = float(answer)

    def close(value):
        return np.isclose(answer, value, rtol=1e-3)

    if close(expected):
        return True, (f"One voxel holds {z} x {y} x {x} = {expected:.4f} µm³. After resampling to 1 µm voxels "
                      f"one voxel is 1 µm³, so each original voxel became about {expected:.2f} new ones.")
    if close(x ** 3):
        return False, (f"{x ** 3:.4f} µm³ assumes a cube of {x} µm. The voxels are not cubes: they are {z} µm "
                       "deep in z.")
    if close(y * x):
        return False, f"{y * x:.4f} is the area of a pixel in x/y (µm²); multiply by the z step as well."
    if close(z):
        return False, f"{z} µm is only the z step; a volume multiplies the sizes along z, y and x."
    if close(z * x):
        return False, "You multiplied two of the three sizes; a volume needs all three: z, y and x."
    if close(1.0):
        return False, ("1 µm³ is the voxel after resampling to isotropic 1 µm voxels; the question asks about the "
                       "original voxels.")
    if close(z + y + x):
        return False, "You added the sizes; a volume multiplies them."
    return False, (f"{answer} is not the volume of one voxel. Multiply the voxel sizes along z, y and x "
                   "(in micrometres).")


voxel_volume = Exercise(
    "lesson07.voxel_volume", checker=_check_voxel_volume,
    hints=["A voxel is a box with edges of length l_z, l_y and l_x.",
           "The edge lengths are `voxel_size_z`, `voxel_size_y` and `voxel_size_x` from above.",
           "`voxel_size_z * voxel_size_y * voxel_size_x`"],
    solution_text="one_voxel_volume = voxel_size_z * voxel_size_y * voxel_size_x  # µm³",
)


# --- exercise 2: the shape of the stack resampled to 2 µm voxels -------------------------------------------------
def _check_shape_at_2um(answer):
    try:
        shape = tuple(int(n) for n in answer)
    except TypeError:
        return False, "Expected a shape: three numbers (z, y, x), e.g. `resampled.shape`."
    if len(shape) != 3:
        return False, f"Expected three numbers (z, y, x), got {len(shape)}."
    if shape == SHAPE_AT_2UM:
        return True, (f"{SHAPE_AT_2UM}: each factor is (voxel size) / (new voxel size), so every axis has "
                      "about half as many voxels as in the 1 µm stack.")
    if shape == SHAPE_AT_1UM:
        return False, ("That is the shape for 1 µm voxels, from the lesson. For 2 µm voxels divide each voxel size "
                       "by 2 to get the factors.")
    if shape == ORIGINAL_SHAPE:
        return False, "That is the original shape: did you scale at all? Pass the factors to `cle.scale`."
    if shape == tuple(reversed(SHAPE_AT_2UM)):
        return False, "Right numbers, wrong order: numpy shapes are (z, y, x), not (x, y, z)."
    if shape[0] < ORIGINAL_SHAPE[0]:
        return False, ("Your stack got fewer z slices than the original, whose z step (4 µm) is already larger "
                       "than 2 µm. The factor is voxel size / new voxel size, not the other way round.")
    return False, (f"{shape} is not the shape after resampling to 2 µm voxels. Use "
                   "`factor = voxel_size / 2` for each axis with `cle.scale(..., auto_size=True)`.")


shape_at_2um = Exercise(
    "lesson07.shape_at_2um", checker=_check_shape_at_2um,
    hints=["The factor tells how many new voxels one old voxel becomes along an axis: old size / new size.",
           "Along z: 4.0 µm / 2 µm = 2, so 37 slices become 74. Along x and y the factor is 0.8286 / 2.",
           "`cle.scale(image, factor_x=voxel_size_x / 2, factor_y=voxel_size_y / 2, factor_z=voxel_size_z / 2, "
           "auto_size=True).shape`"],
    solution_text=("new_voxel_size = 2  # µm\n"
                   "resampled_2um = cle.scale(image, factor_x=voxel_size_x / new_voxel_size,\n"
                   "                          factor_y=voxel_size_y / new_voxel_size,\n"
                   "                          factor_z=voxel_size_z / new_voxel_size, auto_size=True)\n"
                   "shape_2um = resampled_2um.shape"),
)
