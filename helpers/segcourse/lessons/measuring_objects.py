"""Lesson 18, measuring objects: the exercises, and the lesson's measurements they are checked against.

- ``brightest_nucleus``: the label of the nucleus with the highest mean intensity in channel 2 of BBBC022
  (measured with the nuclei's labels from channel 0). Recognises the other channels (0, and 1 for "the second
  channel"), the row position instead of the label (``np.argmax`` counts rows from 0), the brightest single
  pixel (``max_intensity``), the largest total intensity (the largest nucleus), the dimmest nucleus, and the
  intensity itself instead of the label.
- ``disc_circularity``: predict, then run: the circularity regionprops' perimeter gives a digital disc of
  radius 5 (more than 1: the outline through the boundary pixels' centres is short).
- ``median_volume``: the median volume, in µm³, of the 3D nuclei segmented after stretching z to (almost)
  cubic voxels, 0.8268 x 0.8286 x 0.8286 µm. Recognises voxel counts (no ``spacing``), the stored anisotropic
  voxel size applied to the resampled labels, perfectly cubic voxels of 0.8286 µm (the rounding of the slice
  count ignored), µm² or µm per voxel instead of µm³, the mean instead of the median, and the background counted as an object.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from segcourse.data import describe, load
from segcourse.exercises import ChoiceExercise, NumberExercise

__all__ = ["brightest_nucleus", "disc_circularity", "median_volume", "bbbc022_measurements", "nuclei_3d",
           "disc_circularities", "SPOT_SIGMA", "OUTLINE_SIGMA", "SPOT_SIGMA_3D", "PROPERTIES"]

SPOT_SIGMA, OUTLINE_SIGMA = 5, 1      # Voronoi-Otsu on the BBBC022 nuclei, as in lesson 05
SPOT_SIGMA_3D = 3                     # Voronoi-Otsu on the cubic 3D stack, as in lesson 10
PROPERTIES = ("label", "area", "mean_intensity", "perimeter", "solidity", "axis_major_length",
              "axis_minor_length", "bbox")


def _nsbatwm():
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    return nsbatwm


@lru_cache(maxsize=1)
def bbbc022_measurements():
    """The lesson's BBBC022 labels and its table of every channel (pandas DataFrame indexed by label)."""
    import pandas as pd
    from skimage.measure import regionprops_table

    image = load("bbbc022")
    labels = np.asarray(_nsbatwm().voronoi_otsu_labeling(image[0], spot_sigma=SPOT_SIGMA,
                                                         outline_sigma=OUTLINE_SIGMA))
    channels_last = np.moveaxis(image, 0, -1)
    table = pd.DataFrame(regionprops_table(labels, intensity_image=channels_last,
                                           properties=PROPERTIES + ("max_intensity",))).set_index("label")
    labels.flags.writeable = False
    return labels, table


@lru_cache(maxsize=1)
def nuclei_3d():
    """The 3D nuclei of the NEUBIAS stack, segmented on resampled, almost cubic voxels:
    (labels, the resampled voxel size, the stored voxel size), sizes (z, y, x) in µm."""
    from skimage.transform import rescale

    stack = load("neubias_nuclei_3d")
    voxel_size = describe("neubias_nuclei_3d").voxel_size_zyx
    cubic = rescale(stack, (voxel_size[0] / voxel_size[2], 1, 1), order=1, preserve_range=True)
    labels = np.asarray(_nsbatwm().voronoi_otsu_labeling(cubic, spot_sigma=SPOT_SIGMA_3D,
                                                         outline_sigma=OUTLINE_SIGMA))
    labels.flags.writeable = False
    depth = stack.shape[0] * voxel_size[0] / cubic.shape[0]   # rescale rounds to a whole number of slices
    return labels, (depth, voxel_size[1], voxel_size[2]), voxel_size


def _volumes(spacing=None):
    from skimage.measure import regionprops_table
    labels, _, _ = nuclei_3d()
    kwargs = {} if spacing is None else {"spacing": spacing}
    return np.asarray(regionprops_table(labels, properties=("area",), **kwargs)["area"])


def disc_circularities(radii=(3, 5, 10, 40)) -> dict:
    """4 pi area / perimeter^2 of digital discs (regionprops' perimeter), by radius."""
    from skimage.draw import disk
    from skimage.measure import regionprops_table

    result = {}
    for radius in radii:
        disc = np.zeros((2 * radius + 3,) * 2, dtype=int)
        disc[disk((radius + 1, radius + 1), radius)] = 1
        props = regionprops_table(disc, properties=("area", "perimeter"))
        result[radius] = float(4 * np.pi * props["area"][0] / props["perimeter"][0] ** 2)
    return result


# --- exercise 1: the brightest nucleus in channel 2 ------------------------------------------------------------
def _brightest(column: str, reduce="idxmax"):
    table = bbbc022_measurements()[1]
    return int(getattr(table[column], reduce)())


brightest_nucleus = NumberExercise(
    "measuring_objects.brightest_nucleus",
    expected=lambda: _brightest("mean_intensity-2"),
    mistakes=[
        (lambda: _brightest("mean_intensity-2") - 1,
         "That is the row position of the brightest nucleus, not its label: rows count from 0, labels from 1 "
         "(`np.argmax` and `.argmax()` count rows). `table[\"mean_intensity-2\"].idxmax()` gives the index, "
         "which is the label here."),
        (lambda: _brightest("mean_intensity-1"),
         "That is the brightest nucleus in channel 1. Channels count from 0: channel 2 is the third, "
         "`mean_intensity-2`."),
        (lambda: _brightest("mean_intensity-0"),
         "That is the brightest nucleus in channel 0, the DNA stain. Use channel 2: `mean_intensity-2`."),
        (lambda: _brightest("max_intensity-2"),
         "That nucleus holds the brightest single pixel of channel 2 (`max_intensity`). The exercise asks for "
         "the highest mean over the nucleus: `mean_intensity-2`."),
        (lambda: int((bbbc022_measurements()[1]["mean_intensity-2"]
                      * bbbc022_measurements()[1]["area"]).idxmax()),
         "That nucleus has the largest total intensity (mean times area), because it is the largest. The "
         "exercise asks for the highest mean: `mean_intensity-2`."),
        (lambda: _brightest("mean_intensity-2", "idxmin"),
         "That is the dimmest nucleus in channel 2 (the lowest mean): look for the largest value."),
        (lambda: float(bbbc022_measurements()[1]["mean_intensity-2"].max()),
         "That is the highest mean intensity itself. Give the label of the nucleus that has it: `.idxmax()` "
         "instead of `.max()`."),
    ],
    wrong=("That is not the label of the nucleus with the highest mean intensity in channel 2. Find the largest "
           "value in the column `mean_intensity-2` of `table`, and give that row's label."),
    success=("Its label is the table's index, so `idxmax` gives it directly. The labels came from the DNA "
             "channel; any channel of the same shape can be measured with them."),
    hints=["The column `mean_intensity-2` holds each nucleus' mean in channel 2; the table's index is the label.",
           "`table[\"mean_intensity-2\"].idxmax()` returns the index (the label) of the largest value."],
    solution_text='brightest = table["mean_intensity-2"].idxmax()',
)

# --- exercise 2: predict the circularity of a small digital disc ------------------------------------------------
disc_circularity = ChoiceExercise(
    "measuring_objects.disc_circularity",
    options={"a": "exactly 1: the disc is as round as pixels allow",
             "b": "more than 1",
             "c": "less than 1"},
    answer="b",
    explanations={
        "a": ("Not exactly: a disc of pixels has a staircase outline, and regionprops estimates its length. Run "
              "the next cell: it is more than 1."),
        "b": ("Right, although a circle cannot do better than 1: regionprops traces the outline through the "
              "centres of the outer pixels, so a small disc's perimeter comes out short (27.3 pixels instead of "
              "2π × 5 = 31.4), and 4π area / perimeter² exceeds 1. Run the next cell."),
        "c": ("That happens to large discs, whose staircase is longer than the circle. A small disc's measured "
              "outline is short: the circularity is more than 1. Run the next cell."),
    },
    hints=["`perimeter` follows a path through the centres of the object's outer pixels. Is that path longer "
           "or shorter than the disc's true edge, half a pixel further out?"],
    solution_text='prediction = "b"  # the outline through the outer pixels\' centres is short',
)

# --- exercise 3: the median volume in µm³ -------------------------------------------------------------------------
def _median(spacing=None, factor=1.0, reduce=np.median):
    return float(reduce(_volumes(spacing)) * factor)


median_volume = NumberExercise(
    "measuring_objects.median_volume",
    expected=lambda: _median(nuclei_3d()[1]),
    decimals=1,
    unit="µm³",
    mistakes=[
        (lambda: _median(),
         "That is the median in voxels: without `spacing=` regionprops counts voxels. Pass "
         "`spacing=new_voxel` (µm per voxel along z, y, x) and `area` comes in µm³."),
        (lambda: _median(nuclei_3d()[2]),
         "You passed the stored stack's voxel size (4.0 µm deep), but `labels_3d` lives on the resampled "
         "grid, about 0.83 µm in every direction: `spacing=new_voxel`."),
        (lambda: _median((nuclei_3d()[2][2],) * 3),
         "Close, but that takes the voxels as perfect cubes of 0.8286 µm. The resampled stack has 179 slices "
         "over 148 µm: its voxels are 0.8268 µm deep. Pass `spacing=new_voxel`."),
        (lambda: _median(factor=nuclei_3d()[2][2] ** 2),
         "That multiplies the voxel count by 0.8286², an area: a voxel's volume is its depth times its width "
         "times its height, `np.prod(new_voxel)` µm³."),
        (lambda: _median(factor=nuclei_3d()[2][2]),
         "That multiplies the voxel count by 0.8286, a length: a voxel's volume is its depth times its width "
         "times its height, `np.prod(new_voxel)` µm³."),
        (lambda: _median(nuclei_3d()[1], reduce=np.mean),
         "That is the mean volume; the exercise asks for the median (`.median()`)."),
        (lambda: float(np.median(np.bincount(np.ravel(nuclei_3d()[0]))) * np.prod(nuclei_3d()[1])),
         "That median includes the background, counted as an object: `np.bincount(...)` starts at label 0; "
         "leave it out with `[1:]`, or measure with `regionprops_table`, which never measures the background."),
    ],
    wrong=("That is not the median nucleus volume in µm³. Measure `labels_3d` with "
           "`regionprops_table(..., spacing=new_voxel, properties=(\"label\", \"area\"))` and take the median "
           "of `area`."),
    success=("In 3D regionprops' `area` is the volume; with `spacing=` it comes in µm³. A median nucleus of "
             "about 690 µm³ is a ball about 11 µm across."),
    hints=["In 3D, regionprops' `area` counts voxels: the volume. `spacing=new_voxel` turns it into µm³.",
           "`pd.DataFrame(regionprops_table(labels_3d, spacing=new_voxel, properties=(\"label\", \"area\")))`, "
           "then `[\"area\"].median()`."],
    solution_text=('volumes = pd.DataFrame(regionprops_table(labels_3d, spacing=new_voxel,\n'
                   '                                         properties=("label", "area")))\n'
                   'median_volume = volumes["area"].median()'),
)
