"""Lesson 16, napari annotation: the steps the lesson paints, and its two exercises.

- ``predict_overwrite`` (predict, then run): a brush stroke of label 2 over the edge of blob 1, which has label 1.
  The pixels under it become label 2: napari's brush overwrites other labels unless *preserve labels* is ticked.
  Each wrong letter gets its reason.
- ``saved_annotation`` (done in the napari window, checked from the file): paint a third blob of the blobs image
  with label 3 in the labels layer, beside labels 1 and 2 that the lesson painted, and save the layer with
  *File > Save Selected Layers...* as a TIFF in the lesson's output folder. The check reads that file. Right: a
  label image of the blobs' shape in which label 3 covers at least half of one blob that labels 1 and 2 do not
  cover, and mostly that blob. Recognised: no file (with what the folder holds), a folder, an SVG or another
  format, the image layer saved instead of the labels layer, a file saved before painting label 3 (or with another
  label), labels 1 or 2 painted over, label 3 on the background, on two blobs, on blob 1 or 2, or too little of it.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from segcourse.data import load
from segcourse.exercises import ChoiceExercise, Exercise
from segcourse.output import output_dir

__all__ = ["predict_overwrite", "saved_annotation", "OUTPUT_FOLDER", "BRUSH_SIZE", "BRUSH_POSITIONS",
           "POLYGON", "THIRD_BLOB", "OVERLAP_DAB"]

OUTPUT_FOLDER = "16_napari_annotation"  # segcourse.output_dir(OUTPUT_FOLDER): where the learner saves

# What the lesson paints (the notebook, the screenshots and the tests use the same positions, as (row, column)).
BRUSH_SIZE = 10
BRUSH_POSITIONS = [(78, 60), (78, 68), (84, 56), (84, 64), (84, 72), (90, 60), (90, 68)]  # label 1: 469 pixels
POLYGON = [(122, 102), (115, 92), (106, 92), (102, 99), (102, 107), (109, 114), (117, 114)]  # label 2: 361
THIRD_BLOB = (147, 67)  # a blob without a label: the solution paints it with label 3

SAVE_HOW = ("In napari, click the labels layer 'annotation' in the layer list, then *File > Save Selected "
            "Layers...*, type the name `annotation.tif` and press Save.")


@lru_cache(maxsize=1)
def _blobs() -> np.ndarray:
    """The bright blobs of the image as connected components of its Otsu foreground (0 = background)."""
    from skimage.filters import threshold_otsu
    from skimage.measure import label

    image = load("blobs")
    return label(image > threshold_otsu(image))


def _as_path(answer) -> Path:
    """The file the learner names: a path, or a bare name looked for in the lesson's output folder."""
    if isinstance(answer, np.ndarray) or hasattr(answer, "__array__"):
        raise ValueError("That is an array; the check reads the file you saved. Give its path, e.g. "
                         "`output_folder / \"annotation.tif\"`.")
    if not isinstance(answer, (str, Path)):
        raise ValueError(f"Expected the path of the file you saved (text or a Path), e.g. "
                         f"`output_folder / \"annotation.tif\"`; got {answer!r}.")
    path = Path(answer).expanduser()
    if not path.is_absolute() and not path.exists():
        path = output_dir(OUTPUT_FOLDER) / path
    if not path.suffix and not path.exists() and path.with_suffix(".tif").is_file():
        path = path.with_suffix(".tif")  # napari adds .tif to a name typed without it
    return path


def _read_labels(path: Path) -> np.ndarray:
    """The label image in the file, or ValueError with what to do instead."""
    if path.is_dir():
        inside = sorted(p.name for p in path.iterdir())[:5]
        raise ValueError(f"{path.name} is a folder (holding {inside or 'nothing'}), not a file: napari writes a "
                         "folder when you choose 'Save to Folder' or save several layers at once. Save only the "
                         "labels layer: " + SAVE_HOW)
    if not path.exists():
        files = sorted(p.name for p in path.parent.iterdir() if not p.name.startswith(".")) \
            if path.parent.is_dir() else []
        there = f" The folder holds: {', '.join(files)}." if files else " The folder is empty."
        raise ValueError(f"There is no file {path.name} in {path.parent}.{there} " + SAVE_HOW
                         + " (The save dialog opens in that folder.)")
    if path.suffix.lower() == ".svg":
        raise ValueError(f"{path.name} is an SVG drawing of the layer, not its pixels. Save again and choose the "
                         "format 'napari builtins labels (*.tif ...)' with a name ending in .tif.")
    if path.suffix.lower() not in (".tif", ".tiff"):
        raise ValueError(f"{path.name} is not a TIFF file. Save the labels layer with a name ending in .tif: "
                         + SAVE_HOW)
    import tifffile

    try:
        return tifffile.imread(path)
    except Exception as error:  # a damaged or half-written file
        raise ValueError(f"{path.name} cannot be read as a TIFF ({error}); save it again: " + SAVE_HOW) from None


def _check_saved_annotation(answer):
    try:
        annotation = _read_labels(_as_path(answer))
    except ValueError as problem:
        return False, str(problem)
    blobs = _blobs()
    if annotation.shape != blobs.shape:
        return False, (f"The file holds an array of shape {annotation.shape}; the annotation of the blobs image "
                       f"has its shape, {blobs.shape}. Did you save another layer? " + SAVE_HOW)
    if not np.issubdtype(annotation.dtype, np.integer):
        return False, f"A label image holds whole numbers; this file holds {annotation.dtype}. " + SAVE_HOW
    image = load("blobs")
    if np.array_equal(annotation, image):
        return False, ("The file holds the blobs image itself: the image layer was selected when you saved. "
                       "Select the labels layer 'annotation' and save again.")
    for label in (1, 2):
        if not (annotation == label).any():
            return False, (f"Label {label} is missing from the file: did you paint over it with another label, or "
                           "erase it? Press Ctrl+Z in napari to undo strokes, or run the lesson's painting cells "
                           "again, then paint label 3 and save.")
    mask = annotation == 3
    if not mask.any():
        higher = sorted(int(v) for v in np.unique(annotation) if v > 3)
        if higher:
            return False, (f"The file has label {higher[0]} but no label 3: the third object gets the next label. "
                           "Set the label to 3 (the - button next to *label*), paint the blob, and save again.")
        return False, ("The file has labels 1 and 2 but no label 3: did you save before painting? Set the label "
                       "to 3 (+ next to *label*), paint a blob without a label, then save again.")
    on_blob = blobs[mask] > 0
    if on_blob.mean() < 0.5:
        return False, (f"Most of label 3 ({100 * (1 - on_blob.mean()):.0f} %) lies on the dark background. Paint "
                       "over a bright blob.")
    ids, counts = np.unique(blobs[mask][on_blob], return_counts=True)
    blob = ids[np.argmax(counts)]
    if counts.max() < 0.8 * counts.sum():
        return False, "Label 3 spreads over two or more blobs: one label per object, paint one blob only."
    for label in (1, 2):
        if (blobs[annotation == label] == blob).mean() > 0.5:
            return False, f"Label 3 is on the same blob as label {label}: each object gets its own label."
    coverage = (blobs[mask] == blob).sum() / (blobs == blob).sum()
    if coverage < 0.5:
        return False, (f"Label 3 covers only {100 * coverage:.0f} % of its blob: paint more of it (a larger brush, "
                       "or the polygon tool around its outline), then save again.")
    return True, (f"The file holds labels 1, 2 and 3; label 3 covers {100 * coverage:.0f} % of a blob of "
                  f"{(blobs == blob).sum()} pixels.")


saved_annotation = Exercise(
    "napari_annotation.saved_annotation", checker=_check_saved_annotation,
    hints=[
        "In the layer list, click 'annotation'. Press + next to *label* until it shows 3, pick the brush (P) and "
        "paint over a bright blob that has no colour yet.",
        "Save with *File > Save Selected Layers...*: the dialog opens in the lesson's output folder; type "
        "`annotation.tif` and press Save. Then give `output_folder / \"annotation.tif\"` to the check.",
        "From code: `labels_layer.paint((147, 67), new_label=3)` with `labels_layer.brush_size = 20`, then "
        "`labels_layer.save(str(output_folder / \"annotation.tif\"))`.",
    ],
    solution_text="""
labels_layer.selected_label = 3
labels_layer.brush_size = 20
labels_layer.paint((147, 67), new_label=3)  # or paint in the window
labels_layer.save(str(output_folder / "annotation.tif"))  # File > Save Selected Layers
saved_file = output_folder / "annotation.tif"
""",
)


# --- exercise 1: predict what a stroke over another label does ------------------------------------------------

OVERLAP_DAB = (84, 78)  # (row, column): a dab of label 2 on the right edge of blob 1 (label 1)

predict_overwrite = ChoiceExercise(
    "napari_annotation.predict_overwrite",
    options={"a": "they become label 2", "b": "they stay label 1: the brush paints only the background",
             "c": "napari refuses the stroke"},
    answer="a",
    explanations={
        "a": ("The brush writes its label over whatever is there, another object's label included. Tick *preserve "
              "labels* (or press `B`) to paint only where the label is 0. Run the next cell to see it."),
        "b": ("That is what the brush does with *preserve labels* ticked (`B`), which is off by default: then it "
              "paints only where the label is 0. Run the next cell."),
        "c": ("napari refuses no stroke: a label image has one label per pixel, and the brush writes its own. Run "
              "the next cell."),
    },
    hints=["A label image holds one number per pixel. Which number does a pixel hold after the brush passes?",
           "Look at the layer controls: what could the box *preserve labels* be for?"],
    solution_text='prediction = "a"  # the brush overwrites other labels unless "preserve labels" is ticked',
)
