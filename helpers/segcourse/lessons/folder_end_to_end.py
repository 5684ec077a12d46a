"""Lesson 19, a folder end to end: the exercises, and the lesson's folder workflow they are checked against.

- ``annotated_nuclei``: how many nuclei the six BBBC007 annotations hold together (42). Recognises the sum of
  the largest ids (44: two annotations have gaps in their ids), the background counted as an object in each
  file (48), one file only, and the number of files.
- ``radius_20_score``: the mean sparse Jaccard index over the six images of the workflow with the grid's sigmas
  (spot_sigma=3, outline_sigma=1) and a top-hat radius of 20. Recognises the radius-10 score of the grid, the
  lecture's spot_sigma=5, the annotations with gaps scored by the-segmentation-game, the median instead of the
  mean, the sum, and one image alone.

The files are read by path with tifffile, as the lesson does, from ``segcourse.data.data_dir() / "BBBC007"``.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from segcourse.data import data_dir
from segcourse.exercises import NumberExercise

__all__ = ["annotated_nuclei", "radius_20_score", "folder", "read_pairs", "segment", "mean_score", "grid_scores",
           "SPOT_SIGMAS", "OUTLINE_SIGMAS", "RADIUS", "CHOSEN"]

RADIUS = 10                       # the top-hat radius of the grid search
SPOT_SIGMAS = (2, 3, 4, 5, 6)
OUTLINE_SIGMAS = (1, 2, 3)
CHOSEN = {"radius": 10, "spot_sigma": 3, "outline_sigma": 1}   # the grid's best, as the lesson finds it


def folder():
    """The BBBC007 folder: images/ and annotations/ with the same file names."""
    return data_dir() / "BBBC007"


@lru_cache(maxsize=1)
def read_pairs():
    """(images, annotations as stored, annotations relabelled sequentially), dicts by file name, read by path."""
    import tifffile
    from skimage.segmentation import relabel_sequential

    paths = sorted((folder() / "images").glob("*.tif"))
    images = {path.name: tifffile.imread(path) for path in paths}
    stored = {name: tifffile.imread(folder() / "annotations" / name) for name in images}
    relabelled = {name: relabel_sequential(annotation)[0] for name, annotation in stored.items()}
    return images, stored, relabelled


def segment(image, radius=10, spot_sigma=5, outline_sigma=1):
    """The lesson's workflow: white top-hat, then Voronoi-Otsu labelling (nsbatwm); a numpy label image."""
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    background_removed = nsbatwm.white_tophat(image, radius=radius)
    return np.asarray(nsbatwm.voronoi_otsu_labeling(background_removed, spot_sigma=spot_sigma,
                                                    outline_sigma=outline_sigma))


@lru_cache(maxsize=None)
def _scores(radius, spot_sigma, outline_sigma, scorer="segcourse", annotations="relabelled") -> tuple:
    from segcourse.metrics import sparse_jaccard
    images, stored, relabelled = read_pairs()
    references = relabelled if annotations == "relabelled" else stored
    if scorer == "segcourse":
        score = sparse_jaccard
    else:
        from the_segmentation_game.metrics import jaccard_index_sparse as score
    return tuple(float(score(references[name], segment(image, radius, spot_sigma, outline_sigma)))
                 for name, image in images.items())


def mean_score(radius, spot_sigma, outline_sigma, **kwargs) -> float:
    """Mean sparse Jaccard index over the folder (annotations relabelled sequentially)."""
    return float(np.mean(_scores(radius, spot_sigma, outline_sigma, **kwargs)))


def grid_scores() -> dict:
    """{(spot_sigma, outline_sigma): mean sparse Jaccard} at the top-hat radius of the grid search."""
    return {(spot, outline): mean_score(RADIUS, spot, outline) for spot in SPOT_SIGMAS for outline in OUTLINE_SIGMAS}


# --- exercise 1: the annotated nuclei of the folder ------------------------------------------------------------
def _annotation_counts() -> dict:
    _, stored, _ = read_pairs()
    return {name: len(np.unique(annotation)) - 1 for name, annotation in stored.items()}


annotated_nuclei = NumberExercise(
    "folder_end_to_end.annotated_nuclei",
    expected=lambda: sum(_annotation_counts().values()),
    mistakes=[
        (lambda: sum(int(annotation.max()) for annotation in read_pairs()[1].values()),
         "That is the sum of the largest ids. Two annotations have gaps in their ids (an id is missing), so "
         "their largest id is more than their count. Count the distinct ids other than 0: "
         "`len(np.unique(annotation)) - 1`."),
        (lambda: sum(len(np.unique(annotation)) for annotation in read_pairs()[1].values()),
         "That counts the background (0) of each file as a nucleus: six too many. Leave 0 out of each count."),
        (lambda: sum(int(annotation.max()) + 1 for annotation in read_pairs()[1].values()),
         "That adds one per file to the largest ids: it counts the background, and two files have gaps in "
         "their ids. Count the distinct ids other than 0."),
        (lambda: next(iter(_annotation_counts().values())),
         "That is the count of the first annotation only: add up all six."),
        (6, "That is the number of files. Count the nuclei in each annotation, and add them up."),
    ],
    wrong=("That is not the number of annotated nuclei in the folder. In each annotation count the distinct "
           "ids other than 0, and add up the six counts."),
    success=("42 annotated nuclei, although the largest ids add up to 44: two annotations have a gap in their "
             "ids."),
    hints=["Each annotated nucleus has its own id; 0 is the background. `np.unique(annotation)` lists the ids "
           "of one annotation.",
           "`sum(len(np.unique(annotation)) - 1 for annotation in annotations.values())`"],
    solution_text="annotated = sum(len(np.unique(annotation)) - 1 for annotation in annotations.values())",
)

# --- exercise 2: a larger top-hat radius ----------------------------------------------------------------------
_SIGMAS = {"spot_sigma": CHOSEN["spot_sigma"], "outline_sigma": CHOSEN["outline_sigma"]}

radius_20_score = NumberExercise(
    "folder_end_to_end.radius_20_score",
    expected=lambda: mean_score(20, **_SIGMAS),
    decimals=3,
    mistakes=[
        (lambda: mean_score(10, **_SIGMAS),
         "That is the score with radius 10, the grid's best. Pass `radius=20` to `segment`."),
        (lambda: mean_score(20, 5, 1),
         "That is radius 20 with spot_sigma=5, the default of `segment` (the lecture's value). Use the sigmas "
         "the grid chose: spot_sigma=3, outline_sigma=1."),
        (lambda: mean_score(20, **_SIGMAS, scorer="game", annotations="stored"),
         "That score used the annotations as stored, with gaps in their ids: jaccard_index_sparse counts a "
         "missing id as a nucleus with IoU 0. Use the relabelled `annotations` (the cell after exercise 1)."),
        (lambda: float(np.median(_scores(20, **_SIGMAS))),
         "That is the median of the six scores; the grid chose by the mean (`np.mean`)."),
        (lambda: float(np.sum(_scores(20, **_SIGMAS))),
         "That is the sum of the six scores; divide by their number, or use `np.mean`."),
        (lambda: _scores(20, **_SIGMAS)[0],
         "That is the score of the first image alone: average the scores of all six images."),
    ],
    wrong=("That is not the mean sparse Jaccard index of the six images with radius=20, spot_sigma=3 and "
           "outline_sigma=1. Score each image as the grid search does, then take the mean."),
    success=("A larger radius is no better here: radius 20 scores a little below radius 10. Once the radius is "
             "well above the nuclei's (about 8 pixels), it changes the score little."),
    hints=["Do what the grid search does, for one combination: segment each image with radius=20, "
           "spot_sigma=3 and outline_sigma=1, score it against its annotation, and average.",
           "`[sparse_jaccard(annotations[name], segment(image, radius=20, spot_sigma=3, outline_sigma=1)) "
           "for name, image in images.items()]`, then `np.mean(...)`."],
    solution_text=("scores = [sparse_jaccard(annotations[name],\n"
                   "                         segment(image, radius=20, spot_sigma=3, outline_sigma=1))\n"
                   "          for name, image in images.items()]\n"
                   "radius_20_score = np.mean(scores)"),
)
