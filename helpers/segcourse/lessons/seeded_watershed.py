"""Lesson 07, seeded watershed: the exercises, and the lesson's BBBC022 pipeline they are checked against.

- ``predict_cells``: before running it, how many cells a seeded watershed makes from 31 nuclei (one per seed).
- ``largest_cell``: the area in pixels of the largest cell when the mask comes from Otsu's threshold instead of
  the triangle threshold. Unlike the mean area (which a mask fixes whatever the flooding does), the largest
  cell depends on where the borders between touching cells run, so each typical wrong method gives its own,
  recognised answer: the cytoplasm flooded without the minus sign, the triangle mask of the lesson, Li's
  threshold, a mask from the unblurred stain, no mask at all, the mean instead of the largest area, the
  background counted as a cell, the number of cells.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from segcourse.data import load
from segcourse.exercises import ChoiceExercise, NumberExercise

__all__ = ["predict_cells", "largest_cell", "bbbc022", "bbbc022_results", "SPOT_SIGMA", "CYTOPLASM_SIGMA"]

SPOT_SIGMA = 4          # Voronoi-Otsu labelling of the nuclei, with outline_sigma=1
CYTOPLASM_SIGMA = 2     # blur of the cytoplasm stain before flooding and thresholding


def _nsbatwm():
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    return nsbatwm


# --- exercise 1: predict, then run ---------------------------------------------------------------------------
predict_cells = ChoiceExercise(
    "seeded_watershed.predict_cells",
    options={"a": "31: one cell per nucleus",
             "b": "more than 31: every dark basin of the membrane image becomes a cell",
             "c": "fewer than 31: neighbouring cells without a clear membrane between them merge"},
    answer="a",
    explanations={
        "a": ("Yes: a seeded watershed makes exactly one region per seed. The membranes decide only where the "
              "borders between the regions run."),
        "b": ("The water rises only from the seeds you give it: a basin without a seed is flooded by its "
              "neighbours' water and never becomes a cell of its own."),
        "c": ("Each seed keeps its own flood, and two floods never merge: where the wall between them is faint, "
              "the border only runs in a less sensible place."),
    },
    hints=["Think of the flooding in the binary watershed lesson: how many objects did 68 seeds give?"],
    solution_text='prediction = "a"  # one cell per seed: 31',
)


# --- exercise 2: the largest cell with Otsu's mask -----------------------------------------------------------
@lru_cache(maxsize=1)
def bbbc022() -> dict:
    """The lesson's BBBC022 arrays: nuclei labels and the blurred cytoplasm stain (channel 1), read-only."""
    from skimage.filters import gaussian
    image = load("bbbc022")
    arrays = {"nuclei_labels": np.asarray(_nsbatwm().voronoi_otsu_labeling(image[0], spot_sigma=SPOT_SIGMA,
                                                                           outline_sigma=1)),
              "blurred_cytoplasm": gaussian(image[1], sigma=CYTOPLASM_SIGMA, preserve_range=True)}
    for array in arrays.values():
        array.flags.writeable = False
    return arrays


@lru_cache(maxsize=1)
def bbbc022_results() -> dict:
    """Cells of the BBBC022 crop per (mask, sign of the landscape): count, coverage, mean and largest area."""
    from skimage import filters
    nsbatwm = _nsbatwm()
    arrays = bbbc022()
    nuclei, blurred = arrays["nuclei_labels"], arrays["blurred_cytoplasm"]
    masks = {name: blurred > getattr(filters, f"threshold_{name}")(blurred) for name in ("triangle", "otsu", "li")}
    raw = load("bbbc022")[1]
    masks["otsu of the raw stain"] = raw > filters.threshold_otsu(raw)
    masks["none"] = None
    results = {}
    for mask_name, mask in masks.items():
        for sign_name, sign in (("negated", -1), ("as is", 1)):
            landscape = sign * blurred
            if mask is None:
                cells = np.asarray(nsbatwm.seeded_watershed(landscape, nuclei))
            else:
                cells = np.asarray(nsbatwm.seeded_watershed_with_mask(landscape, nuclei, mask))
            counts = np.bincount(cells.ravel())
            areas = counts[1:][counts[1:] > 0]
            results[mask_name, sign_name] = {"cells": len(areas), "coverage": np.count_nonzero(cells) / cells.size,
                                             "mean": float(areas.mean()), "largest": int(areas.max()),
                                             "background": int(counts[0])}
    return results


def _result(mask, sign="negated", what="largest"):
    return lambda: bbbc022_results()[mask, sign][what]


largest_cell = NumberExercise(
    "seeded_watershed.largest_cell",
    expected=_result("otsu"),
    decimals=0,  # a count of pixels; the mistakes below are also recognised when rounded (a mean of 1155.6)
    unit="pixels",
    mistakes=[
        (_result("otsu", "as is"),
         "That is the largest cell when the cytoplasm stain is flooded as it is, without the minus sign: then "
         "the dams form on the brightest ridges, inside the cells, instead of in the dark gaps between them. "
         "Flood `-blurred_cytoplasm`, as above: upside down, the bright cells become basins."),
        (_result("triangle"),
         "That is the largest cell with the lesson's triangle mask. Make the mask with "
         "`threshold_otsu(blurred_cytoplasm)` instead."),
        (_result("triangle", "as is"),
         "That is the triangle mask, and the cytoplasm flooded without the minus sign. Make the mask with "
         "`threshold_otsu` and flood `-blurred_cytoplasm`."),
        (_result("otsu of the raw stain"),
         "Your mask comes from the raw cytoplasm stain, `cell_painting[1]`. Threshold the blurred one, as the "
         "triangle mask above: `blurred_cytoplasm > threshold_otsu(blurred_cytoplasm)`."),
        (_result("li"),
         "That is the largest cell with Li's threshold. Make the mask with `threshold_otsu(blurred_cytoplasm)`."),
        (_result("none"),
         "That is the largest cell without any mask: it reaches far into the background. Pass the Otsu mask to "
         "`nsbatwm.seeded_watershed_with_mask`."),
        (_result("none", "as is"),
         "That is the largest cell without a mask and without the minus sign. Flood `-blurred_cytoplasm` with "
         "`nsbatwm.seeded_watershed_with_mask` and the Otsu mask."),
        (_result("otsu", what="mean"),
         "That is the mean cell area with Otsu's mask. We want the area of the largest cell: `.max()` of the "
         "areas."),
        (_result("otsu", what="background"),
         "That is the number of background pixels (label 0): `np.bincount(...)` starts with the background. "
         "Leave it out with `[1:]` before taking the maximum."),
        (_result("otsu", what="cells"), "That is the number of cells, not an area."),
    ],
    wrong=("That is not the area of the largest cell with Otsu's mask. Threshold `blurred_cytoplasm` with "
           "`threshold_otsu`, flood `-blurred_cytoplasm` from `nuclei_labels` inside that mask, then take the "
           "largest of the areas `np.bincount(cells.ravel())[1:]`."),
    success=("Otsu's threshold is higher than the triangle threshold, so the mask is smaller and cuts off the "
             "dim edges of the cells: the cells shrink, the largest from 6,082 to 2,334 pixels. The "
             "threshold of the mask decides where a cell ends."),
    hints=["Only the mask changes: `otsu_mask = blurred_cytoplasm > threshold_otsu(blurred_cytoplasm)`.",
           "Flood as above, with the new mask: `nsbatwm.seeded_watershed_with_mask(-blurred_cytoplasm, "
           "nuclei_labels, otsu_mask)`.",
           "`np.bincount(cells.ravel())[1:]` lists the area of every cell; `.max()` gives the largest."],
    solution_text=("otsu_mask = blurred_cytoplasm > threshold_otsu(blurred_cytoplasm)\n"
                   "cells_otsu = nsbatwm.seeded_watershed_with_mask(-blurred_cytoplasm, nuclei_labels,\n"
                   "                                                otsu_mask)\n"
                   "largest = np.bincount(np.asarray(cells_otsu).ravel())[1:].max()"),
)
