"""Lesson 10, segmentation in 3D: the exercises.

- ``count_prediction``: predict, then run. nsbatwm's Voronoi-Otsu labelling with ``spot_sigma=3`` and
  ``outline_sigma=1`` on the NEUBIAS nuclei stack as recorded (voxels 4.0 x 0.83 x 0.83 µm) and resampled to
  1 µm cubes: which finds more nuclei? The 1 µm stack (97 against 66): on the recorded stack 3 voxels of blur
  reach 12 µm along z, so nuclei above one another share one hilltop. Each wrong letter gets its reason.
- ``spot_sigma_per_axis``: the spot_sigma, one value per axis in (z, y, x) order and in voxels of the recorded
  stack, that blurs 3 µm along every axis: 3 µm / voxel size = (0.75, 3.62, 3.62). Values within 1.5 % count.
  Recognised: 3 voxels on every axis, the sizes multiplied instead of divided, the order (x, y, z), only z
  converted, the voxel size itself, the factors inverted, the 1 µm outline sigma, one number for all axes, and
  values rounded too far.
"""
from __future__ import annotations

import numpy as np

from segcourse.data import describe
from segcourse.exercises import ChoiceExercise, Exercise, NotANumber, as_number

__all__ = ["count_prediction", "spot_sigma_per_axis", "sigma_in_voxels", "SPOT_SIGMA_UM", "OUTLINE_SIGMA_UM",
           "STACK"]

STACK = "neubias_nuclei_3d"
SPOT_SIGMA_UM = 3     # spot_sigma=3 on the 1 µm stack: 3 µm along every axis
OUTLINE_SIGMA_UM = 1


def sigma_in_voxels(sigma_um: float) -> tuple[float, float, float]:
    """A blur of `sigma_um` µm as one sigma per axis (z, y, x), in voxels of the recorded stack."""
    return tuple(sigma_um / size for size in describe(STACK).voxel_size_zyx)


# --- Exercise 1: predict which stack gives more nuclei ------------------------------------------------------------

count_prediction = ChoiceExercise(
    "segmentation_in_3d.count_prediction",
    options={"a": "the stack as recorded", "b": "both about the same", "c": "the stack with 1 µm voxels"},
    answer="c",
    explanations={
        "a": ("More voxels along z do not mean more seeds: a sigma of 3 voxels on the recorded stack is 3 slices, "
              "12 µm, along z. That blur joins nuclei that lie above one another into one hill with one hilltop, "
              "so the recorded stack gives fewer seeds, not more. Run the next cell."),
        "b": ("The call is the same, but the sigmas count voxels, and a voxel of the recorded stack is 4.0 µm "
              "deep where one of the resampled stack is 1 µm. The same 3 voxels blur four times as far along z. "
              "Run the next cell."),
        "c": ("On the recorded stack 3 voxels of blur reach 12 µm along z, and nuclei above one another melt into "
              "one hill with one seed; on the 1 µm stack the blur is 3 µm in every direction. Run the next "
              "cell to see by how much."),
    },
    hints=["A sigma is a number of voxels. How many µm are 3 voxels along z in each stack?",
           "Two nuclei above one another, blurred 12 µm along z: one hill or two? One hill has one hilltop, and "
           "each hilltop is a seed."],
    solution_text='prediction = "c"  # 3 voxels are 12 µm along z as recorded: stacked nuclei merge',
)


# --- Exercise 2: spot_sigma per axis ------------------------------------------------------------------------------

def _numbers(answer) -> list[float]:
    if isinstance(answer, (str, bytes)):
        raise ValueError(f"{answer!r} is text; give three numbers, e.g. `(0.5, 2.0, 2.0)`, without quotes.")
    if hasattr(answer, "get") and type(answer).__module__.startswith(("pyopencl", "pyclesperanto")):
        answer = answer.get()
    array = np.asarray(answer, dtype=object if isinstance(answer, (list, tuple)) else None)
    if array.ndim == 0:
        value = as_number(answer)
        raise ValueError(f"{value:g} is one number for all axes, but the voxels differ along z and across: give "
                         "three numbers, one per axis, in (z, y, x) order.")
    if array.ndim != 1 or len(array) != 3:
        raise ValueError("Expected three numbers, one sigma per axis in (z, y, x) order, e.g. a tuple "
                         "`(sigma_z, sigma_y, sigma_x)`.")
    return [float(as_number(value)) for value in array]


def _close(values, target, tolerance) -> bool:
    return all(abs(value - goal) <= tolerance * abs(goal) + 1e-9 for value, goal in zip(values, target))


def _check_spot_sigma(answer):
    try:
        sigmas = _numbers(answer)
    except (ValueError, NotANumber) as problem:
        return False, str(problem)
    voxel_size = describe(STACK).voxel_size_zyx
    expected = sigma_in_voxels(SPOT_SIGMA_UM)
    shown = ", ".join(f"{value:.2f}" for value in expected)
    if _close(sigmas, expected, 0.015):
        return True, (f"({shown}) voxels: 3 µm along each axis (3 / 4.0 slices along z, 3 / 0.8286 pixels across). "
                      "Run the next cell to segment the recorded stack with it.")
    if _close(sigmas, expected, 0.1):
        return False, (f"Close: the right idea, rounded too far. Give at least 2 decimals ({shown}), or better "
                       "compute them: `tuple(3 / size for size in voxel_size)`.")
    mistakes = [
        ((SPOT_SIGMA_UM,) * 3, "3 voxels along every axis is what the recorded stack got: 12 µm along z, 2.5 µm "
                               "across. Convert 3 µm into voxels along each axis: µm / (µm per voxel)."),
        (tuple(SPOT_SIGMA_UM * size for size in voxel_size),
         "You multiplied 3 by the voxel size: that turns 3 voxels into µm. The other way round, 3 µm in voxels "
         "is 3 divided by the voxel size."),
        (tuple(reversed(expected)), "Right numbers, wrong order: numpy and scikit-image take (z, y, x), so z comes "
                                    "first."),
        ((expected[0], SPOT_SIGMA_UM, SPOT_SIGMA_UM),
         "z is right, but y and x are not: a pixel is 0.8286 µm wide, not 1 µm, so 3 pixels are only 2.5 µm. "
         "Divide 3 µm by the pixel width too."),
        (tuple(voxel_size), "That is the voxel size. The sigma in voxels is 3 µm divided by it."),
        (tuple(size / SPOT_SIGMA_UM for size in voxel_size),
         "Inverted: you divided the voxel size by 3. The sigma in voxels is 3 µm divided by the voxel size."),
        (sigma_in_voxels(OUTLINE_SIGMA_UM), "That is 1 µm along each axis, the outline sigma. spot_sigma is 3 µm."),
    ]
    for target, message in mistakes:
        if _close(sigmas, target, 0.015):
            return False, message
    return False, (f"({', '.join(f'{value:g}' for value in sigmas)}) is not 3 µm along each axis. Along each "
                   "axis: sigma in voxels = 3 µm / voxel size, in (z, y, x) order.")


spot_sigma_per_axis = Exercise(
    "segmentation_in_3d.spot_sigma_per_axis",
    checker=_check_spot_sigma,
    hints=["How many voxels along z make 3 µm, when one voxel is 4.0 µm deep? And across, at 0.8286 µm per pixel?",
           "sigma in voxels = sigma in µm / voxel size, once per axis; `voxel_size` holds (z, y, x).",
           "`tuple(3 / size for size in voxel_size)`"],
    solution_text="spot_sigma_voxels = tuple(3 / size for size in voxel_size)  # 3 µm along z, y and x",
)
