"""Lesson 09, voxels and anisotropy: the exercises.

- ``voxel_volume``: the volume of one voxel of the NEUBIAS nuclei stack in µm³, 4.0 x 0.8286 x 0.8286 = 2.7463
  (2.75 counts). Recognised mistakes: a cube of the pixel width, the pixel's area, the z step alone, two of the
  three sizes, the sizes added, 1 µm³ (a voxel after resampling to 1 µm), the number of voxels and the volume of
  the whole stack.
- ``shape_at_pixel_width``: the (z, y, x) shape that ``cle.scale`` gives when the stack is resampled to cubic
  voxels as wide as its pixels (0.8286 µm): z upsampled 4.83 times, x and y kept, (179, 118, 132). Recognised:
  the 1 µm and 4 µm shapes of the lesson, the recorded shape, the order reversed, the factors inverted, the
  resampled stack or the voxel size given instead of a shape, and (accepted, with a note) 178 slices from a
  rounded pixel width.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from segcourse.data import describe, load
from segcourse.exercises import Exercise, NotANumber, NumberExercise, as_number

__all__ = ["voxel_volume", "shape_at_pixel_width", "resampled_shape", "STACK"]

STACK = "neubias_nuclei_3d"


def _voxel_size() -> tuple[float, float, float]:
    return describe(STACK).voxel_size_zyx


# --- Exercise 1: the volume of one voxel --------------------------------------------------------------------------

def _size(index: int) -> float:
    return _voxel_size()[index]


voxel_volume = NumberExercise(
    "voxels_and_anisotropy.voxel_volume",
    expected=lambda: float(np.prod(_voxel_size())),
    decimals=2,
    rtol=1e-3,  # 0.828643 (the unrounded pixel width from the TIFF tags) counts as well as 0.8286
    unit="µm³",
    mistakes=[
        (1.0, "1 µm³ is the volume of a voxel after resampling to 1 µm cubes; the question is about the voxels "
              "of the stack as recorded."),
        (lambda: _size(2) ** 3, "That is a cube of the pixel width. The voxels are not cubes: they are 4.0 µm "
                                "deep in z, and 0.8286 µm wide in y and x."),
        (lambda: _size(1) * _size(2), "That is the area of one pixel within a slice (µm²); a voxel's volume "
                                      "multiplies it by the z step as well."),
        (lambda: _size(0), "That is the z step alone; a volume multiplies the sizes along z, y and x."),
        (lambda: _size(0) * _size(2), "You multiplied two of the three sizes; a volume needs all three: z, y "
                                      "and x."),
        (lambda: sum(_voxel_size()), "You added the three sizes; a volume multiplies them."),
        (lambda: load(STACK).size, "That is the number of voxels in the stack (`image.size`); the question asks "
                                   "for the volume of one of them, in µm³."),
        (lambda: load(STACK).size * float(np.prod(_voxel_size())),
         "That is the volume of the whole stack; the question asks for one voxel."),
    ],
    wrong="That is not the volume of one voxel: multiply the voxel sizes along z, y and x (in µm).",
    hints=["A voxel is a box with edges of length l_z, l_y and l_x.",
           "The edge lengths are `voxel_size_z`, `voxel_size_y` and `voxel_size_x`, from the cell that read the "
           "voxel size.",
           "`voxel_size_z * voxel_size_y * voxel_size_x`"],
    solution_text="one_voxel_volume = voxel_size_z * voxel_size_y * voxel_size_x  # µm³",
    success="One voxel holds 4.0 x 0.8286 x 0.8286 = 2.75 µm³. A count of voxels times this volume is a "
            "volume in µm³, whatever the voxels' shape.",
)


# --- Exercise 2: the shape at the recorded pixel width ------------------------------------------------------------

@lru_cache(maxsize=None)
def resampled_shape(new_size_zyx: tuple[float, float, float]) -> tuple[int, int, int]:
    """The (z, y, x) shape ``cle.scale(..., auto_size=True)`` gives the stack resampled to voxels of that size."""
    import pyclesperanto_prototype as cle
    factors = [old / new for old, new in zip(_voxel_size(), new_size_zyx)]
    scaled = cle.scale(load(STACK), factor_z=factors[0], factor_y=factors[1], factor_x=factors[2],
                       auto_size=True)
    return tuple(int(n) for n in scaled.shape)


def _cubes(size: float) -> tuple[float, float, float]:
    return (size, size, size)


def _as_shape(answer) -> tuple[int, ...]:
    """Whole numbers from a tuple, list or array of up to 3 numbers; ValueError with the learner's message."""
    if hasattr(answer, "get") and type(answer).__module__.startswith(("pyopencl", "pyclesperanto")):
        answer = answer.get()
    if isinstance(answer, (str, bytes)):
        raise ValueError(f"{answer!r} is text. Give the shape itself, `resampled.shape` (a tuple of three "
                         "numbers), without quotes.")
    array = np.asarray(answer)
    if array.ndim == 0:
        raise ValueError("That is one number; a shape has three, (z, y, x): give `resampled.shape`.")
    if array.ndim == 3:
        raise ValueError("That is the resampled stack itself; the answer is its shape, `resampled.shape`.")
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.number):
        raise ValueError("Expected a shape: three numbers (z, y, x), e.g. `resampled.shape`.")
    if len(array) != 3:
        raise ValueError(f"Expected three numbers (z, y, x), got {len(array)}.")
    values = [as_number(value) for value in array]
    if not all(float(value).is_integer() for value in values):
        raise ValueError(f"{tuple(values)} are not whole numbers: a shape counts voxels. Did you give the voxel "
                         "size or the factors? The answer is `resampled.shape`.")
    return tuple(int(value) for value in values)


def _check_shape(answer):
    try:
        shape = _as_shape(answer)
    except (ValueError, NotANumber) as problem:
        return False, str(problem)
    pixel_width = _voxel_size()[2]
    expected = resampled_shape(_cubes(pixel_width))
    voxels = int(np.prod(expected))
    memory = (f"{voxels / 1e6:.2f} million voxels, {voxels * 4 / 1e6:.1f} MB as 32-bit floats: "
              f"{voxels / load(STACK).size:.1f} times the voxels of the recorded stack, and "
              f"{voxels / np.prod(resampled_shape(_cubes(1.0))):.1f} times those of the 1 µm stack")
    if shape == expected:
        return True, (f"{expected}: z upsampled {_voxel_size()[0] / pixel_width:.2f} times, y and x "
                      f"unchanged. {memory}. Every recorded pixel is kept; only memory limits this choice.")
    if shape == resampled_shape(_cubes(round(pixel_width, 2))):
        return True, (f"{shape} comes from the pixel width rounded to {round(pixel_width, 2)} µm; with "
                      f"`voxel_size_x` itself cle.scale makes {expected}. {memory}.")
    if shape == resampled_shape(_cubes(1.0)):
        return False, ("That is the shape for 1 µm voxels, from the lesson. The new voxel size here is the pixel "
                       "width, `voxel_size_x`: divide each voxel size by it to get the factors.")
    if shape == resampled_shape(_voxel_size()[0:1] * 3):
        return False, ("That is the shape for 4 µm voxels (the z step), from the lesson. The new voxel size here is "
                       "the pixel width, `voxel_size_x`.")
    if shape == tuple(load(STACK).shape):
        return False, "That is the recorded shape: did `cle.scale` get the factors? Print `resampled.shape`."
    if shape == tuple(reversed(expected)):
        return False, "Right numbers, wrong order: numpy shapes are (z, y, x), not (x, y, z)."
    inverted = tuple(int(n) for n in np.round(np.array(load(STACK).shape) / np.array(
        [old / pixel_width for old in _voxel_size()])))
    if shape[0] < load(STACK).shape[0] or shape == inverted:
        return False, ("Your stack has fewer slices than the recorded one, but the new voxels (0.83 µm) are "
                       "thinner than the 4.0 µm slices: there must be more of them. The factor is old voxel size "
                       "/ new voxel size, not the other way round.")
    return False, (f"{shape} is not the shape of the stack resampled to {pixel_width} µm cubes. Use "
                   "`factor = voxel size / voxel_size_x` for each axis with `cle.scale(..., auto_size=True)`.")


shape_at_pixel_width = Exercise(
    "voxels_and_anisotropy.shape_at_pixel_width",
    checker=_check_shape,
    hints=["Each factor is old voxel size / new voxel size, and the new voxel size is `voxel_size_x`.",
           "Along y and x the factor is 1 (nothing changes); along z it is `voxel_size_z / voxel_size_x`, "
           "about 4.83. Run `cle.scale` as in the cell above, with these factors.",
           "`cle.scale(image, factor_z=voxel_size_z / voxel_size_x, factor_y=1, factor_x=1, "
           "auto_size=True).shape`"],
    solution_text="""new_size = voxel_size_x  # µm: the recorded pixel width
resampled_fine = cle.scale(image, factor_z=voxel_size_z / new_size,
                           factor_y=voxel_size_y / new_size,
                           factor_x=voxel_size_x / new_size, auto_size=True)
shape_at_pixel_width = resampled_fine.shape""",
)
