"""Lesson 05, watershed: exercises on splitting touching objects and on masking a seeded watershed."""
import warnings
from functools import lru_cache

import numpy as np

from segcourse.data import load
from segcourse.exercises import Exercise, is_number

__all__ = ["split_count", "masked_mean_area", "SPLIT_SIGMA", "split_counts", "bbbc022_mean_areas"]

SPLIT_SIGMA = 2  # the sigma the first exercise asks for


def _split(binary, sigma):
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    with warnings.catch_warnings():  # nsbatwm 0.3.12 calls skimage's binary_opening, deprecated in scikit-image 0.26
        warnings.filterwarnings("ignore", message="`binary_opening` is deprecated", category=FutureWarning)
        return np.asarray(nsbatwm.split_touching_objects(binary, sigma=sigma))


@lru_cache(maxsize=1)
def split_counts() -> dict:
    """Objects in the blobs Otsu binary: before splitting (key None) and after split_touching_objects per sigma."""
    from skimage.filters import threshold_otsu
    from skimage.measure import label
    image = load("blobs")
    binary = image > threshold_otsu(image)
    counts = {None: int(label(binary).max())}
    for sigma in (1, 2, 3, 3.5, 4, 5):
        counts[sigma] = int(label(_split(binary, sigma)).max())
    return counts


# --- exercise 1: split touching blobs with a smaller sigma -------------------------------------------------
def _check_split_count(answer):
    counts = split_counts()
    expected = counts[SPLIT_SIGMA]
    if not is_number(answer):
        return False, ("Expected one number, the count of objects, not an image. Label the split binary with "
                       "`label(...)` and take its `.max()`.")
    if answer == expected:
        return True, (f"{expected} objects with sigma={SPLIT_SIGMA}, against {counts[3.5]} with the default 3.5 and "
                      f"{counts[None]} before splitting: a smaller sigma keeps more maxima in the distance map, "
                      "so more blobs are cut.")
    if answer == counts[None]:
        return False, (f"{answer} is the count before splitting (connected components of the Otsu binary). "
                       "Count the objects of the split binary.")
    if answer == counts[3.5]:
        return False, (f"{answer} is the count with the default sigma=3.5. Pass `sigma={SPLIT_SIGMA}` to "
                       "`split_touching_objects`.")
    if answer in (0, 1, 255):
        return False, (f"{answer} looks like the maximum of a binary image. A binary image has no object ids: "
                       "label it with connected components first, then take the maximum.")
    if answer > 1000:
        return False, "That is a number of pixels, not of objects."
    other = [sigma for sigma, count in counts.items() if sigma not in (None, SPLIT_SIGMA) and count == answer]
    if other:
        return False, f"{answer} is the count for sigma={other[0]}. Use sigma={SPLIT_SIGMA}."
    return False, (f"{answer} is not the number of objects after splitting with sigma={SPLIT_SIGMA}. Split the "
                   "Otsu binary, label it with connected components and take the maximum.")


split_count = Exercise(
    "lesson05.split_count", checker=_check_split_count,
    hints=["`nsbatwm.split_touching_objects(binary, sigma=...)` returns a binary image with cut lines.",
           "A binary image has no ids: label it (`skimage.measure.label`) before counting.",
           f"`label(nsbatwm.split_touching_objects(binary, sigma={SPLIT_SIGMA})).max()`"],
    solution_text=(f"split_binary = nsbatwm.split_touching_objects(binary, sigma={SPLIT_SIGMA})\n"
                   "number_of_objects = label(split_binary).max()"),
)


# --- exercise 2: mask a seeded watershed with Otsu's threshold ---------------------------------------------
@lru_cache(maxsize=1)
def bbbc022_mean_areas() -> dict:
    """Mean cell area (pixels) of the lesson's BBBC022 seeded watershed: unmasked and with each threshold's mask."""
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    from skimage import filters
    image = load("bbbc022")
    nuclei_labels = np.asarray(nsbatwm.voronoi_otsu_labeling(image[0], spot_sigma=4, outline_sigma=1))
    blurred_cytoplasm = filters.gaussian(image[1], sigma=2, preserve_range=True)

    def mean_area(cells):
        areas = np.bincount(cells.ravel())[1:]
        return float(areas[areas > 0].mean())

    cells = np.asarray(nsbatwm.seeded_watershed(-blurred_cytoplasm, nuclei_labels))
    result = {"unmasked": mean_area(cells), "cells": int(len(np.unique(cells[cells > 0]))),
              "with background": float(np.bincount(cells.ravel()).mean())}
    for name in ("otsu", "triangle"):
        mask = blurred_cytoplasm > getattr(filters, f"threshold_{name}")(blurred_cytoplasm)
        masked = np.asarray(nsbatwm.seeded_watershed_with_mask(-blurred_cytoplasm, nuclei_labels, mask))
        result[name] = mean_area(masked)
    return result


def _check_masked_mean_area(answer):
    areas = bbbc022_mean_areas()
    if not is_number(answer):
        return False, ("Expected one number, the mean cell area in pixels. If you have a list of areas, take its "
                       "mean.")

    def close(value):
        return abs(float(answer) - value) < 0.5

    if close(areas["otsu"]):
        return True, (f"{areas['otsu']:.1f} pixels per cell with Otsu's mask, against {areas['triangle']:.1f} with "
                      f"the triangle mask and {areas['unmasked']:.1f} without a mask: the threshold decides where "
                      "a cell ends. Otsu's threshold is higher here and cuts off the dim edges of the cells.")
    if close(areas["triangle"]):
        return False, ("That is the mean area with the triangle threshold from above. Make the mask with "
                       "`threshold_otsu(blurred_cytoplasm)` instead.")
    if close(areas["unmasked"]):
        return False, ("That is the mean area without a mask: every pixel of the image was given to a cell. Pass "
                       "the Otsu mask to `nsbatwm.seeded_watershed_with_mask`.")
    if close(areas["with background"]):
        return False, ("You averaged over the background (label 0) too. Leave out label 0 when you average the "
                       "areas.")
    if answer == areas["cells"]:
        return False, f"{areas['cells']} is the number of cells, not their mean area."
    return False, (f"{answer} is not the mean cell area with Otsu's mask. Threshold `blurred_cytoplasm` with "
                   "`threshold_otsu`, flood with `seeded_watershed_with_mask` and average the areas of labels 1 "
                   "and up.")


masked_mean_area = Exercise(
    "lesson05.masked_mean_area", checker=_check_masked_mean_area,
    hints=["Only the mask changes: `otsu_mask = blurred_cytoplasm > threshold_otsu(blurred_cytoplasm)`.",
           "Flood with `nsbatwm.seeded_watershed_with_mask(-blurred_cytoplasm, nuclei_labels, otsu_mask)`.",
           "`np.bincount(cells.ravel())[1:]` lists the area of every label except the background; take the mean "
           "of the non-zero ones."],
    solution_text=("otsu_mask = blurred_cytoplasm > threshold_otsu(blurred_cytoplasm)\n"
                   "cells_otsu = nsbatwm.seeded_watershed_with_mask(-blurred_cytoplasm, nuclei_labels, otsu_mask)\n"
                   "areas = np.bincount(np.asarray(cells_otsu).ravel())[1:]\n"
                   "mean_area = areas[areas > 0].mean()"),
)
