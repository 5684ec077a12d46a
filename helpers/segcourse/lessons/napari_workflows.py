"""Lesson 17, napari workflows: the lesson's steps, and its two exercises.

- ``objects_inside``: run *Tools > Segmentation post-processing > Remove labeled objects at the image border* on
  the Voronoi-Otsu labels of blobs (spot sigma 3.5, outline sigma 1: 66 objects) and count what is left: 48
  (``nsbatwm.remove_labels_on_edges``, which numbers the rest 1 to 48). Recognised: 66 (nothing removed), 18 (the
  removed ones), 62 and 44 (the Gauss-Otsu labels, before and after), 31 (the function run on the intensity
  image).
- ``exported_workflow`` (done in the napari window, checked from the file): in the napari-assistant, set the
  blur's sigma_x and sigma_y to 3 and export the workflow with *Save and load workflows > Export workflow to file*
  into the lesson's output folder. The check loads the YAML file, reads the blur's sigmas and runs the workflow on
  blobs: 59 objects (62 with sigma 1, 61 with only sigma_x at 3, 42 when border objects are excluded).
  Recognised: no file, exported code (.py, .ipynb) instead of the workflow, a file that is not a workflow, no blur,
  sigmas unchanged or one of them only, another threshold than Otsu, no label step, border objects excluded.
"""
from __future__ import annotations

import inspect
from functools import lru_cache
from pathlib import Path

import numpy as np

from segcourse.data import load
from segcourse.exercises import Exercise, NumberExercise
from segcourse.output import output_dir

__all__ = ["objects_inside", "exported_workflow", "OUTPUT_FOLDER", "SPOT_SIGMA", "OUTLINE_SIGMA",
           "ASSISTANT_STEPS", "OBJECTS_BY_SIGMA", "OBJECTS_SIGMA_3_NOT_ON_EDGES", "count_objects"]

OUTPUT_FOLDER = "17_napari_workflows"  # segcourse.output_dir(OUTPUT_FOLDER): where the learner exports

SPOT_SIGMA, OUTLINE_SIGMA = 3.5, 1  # Voronoi-Otsu labelling from the Tools menu, as in lesson 05
# The assistant's workflow: (button, text typed into its search field) per step.
ASSISTANT_STEPS = [("Remove noise", "gaussian_blur"), ("Binarize", "threshold_otsu"),
                   ("Label", "connected component")]

# Objects found by gaussian_blur (cle) -> threshold_otsu (cle) -> connected_component_labeling (nsbatwm) on blobs,
# as the assistant runs them; tests/test_napari_workflows.py recomputes each.
OBJECTS_BY_SIGMA = {(1, 1): 62, (3, 3): 59, (3, 1): 61, (1, 3): 59}
OBJECTS_SIGMA_3_NOT_ON_EDGES = 42


def count_objects(sigma_x: float, sigma_y: float, exclude_on_edges: bool = False) -> int:
    """The assistant's workflow on blobs with the blur's two sigmas: the number of objects."""
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    import pyclesperanto_prototype as cle

    blurred = cle.gaussian_blur(load("blobs"), sigma_x=sigma_x, sigma_y=sigma_y)
    labels = nsbatwm.connected_component_labeling(cle.threshold_otsu(blurred), exclude_on_edges)
    return int(labels.max())


# --- exercise 1: remove the objects on the border -----------------------------------------------------------------

def _voronoi_labels():
    import napari_segment_blobs_and_things_with_membranes as nsbatwm

    return nsbatwm.voronoi_otsu_labeling(load("blobs"), spot_sigma=SPOT_SIGMA, outline_sigma=OUTLINE_SIGMA)


@lru_cache(maxsize=1)
def _inside() -> int:
    import napari_segment_blobs_and_things_with_membranes as nsbatwm

    return int(nsbatwm.remove_labels_on_edges(_voronoi_labels()).max())


def _gauss_otsu(remove_edges: bool) -> int:
    import napari_segment_blobs_and_things_with_membranes as nsbatwm

    labels = nsbatwm.gauss_otsu_labeling(load("blobs"), outline_sigma=1)
    return int((nsbatwm.remove_labels_on_edges(labels) if remove_edges else labels).max())


objects_inside = NumberExercise(
    "napari_workflows.objects_inside",
    expected=_inside,
    mistakes=[
        (lambda: int(_voronoi_labels().max()), "66 is the number of Voronoi-Otsu objects before removing any: "
                                              "run *Remove labeled objects at the image border* on that layer, "
                                              "then count the objects of its result."),
        (lambda: int(_voronoi_labels().max()) - _inside(),
         "That is how many objects touch the border (the ones removed); the question asks how many are left."),
        (lambda: _gauss_otsu(False), "62 is the Gauss-Otsu count of lesson 04; use the Voronoi-Otsu labels, "
                                     "`voronoi_labels` (the layer 'Voronoi-Otsu labels')."),
        (lambda: _gauss_otsu(True), "That is the Gauss-Otsu labels without their border objects; use the "
                                    "Voronoi-Otsu labels, `voronoi_labels` (the layer 'Voronoi-Otsu labels')."),
        (lambda: int(__import__("napari_segment_blobs_and_things_with_membranes").remove_labels_on_edges(
            load("blobs")).max()),
         "That ran on the blobs image, whose grey values are not labels: give it the Voronoi-Otsu labels."),
    ],
    wrong="That is not the number of Voronoi-Otsu objects that do not touch the border: run *Remove labeled "
          "objects at the image border* on the layer 'Voronoi-Otsu labels' and take the largest label of the "
          "result, `.max()` (the function numbers the objects it keeps 1, 2, 3, ...).",
    hints=["In the window: select the layer 'Voronoi-Otsu labels', then *Tools > Segmentation post-processing > "
           "Remove labeled objects at the image border*, and Run. The result is a new layer.",
           "The result's largest label is its number of objects: `viewer.layers[-1].data.max()`; or call the "
           "function behind the menu entry yourself: `nsbatwm.remove_labels_on_edges(voronoi_labels)`."],
    solution_text="objects_inside = nsbatwm.remove_labels_on_edges(voronoi_labels).max()",
    success="48 of the 66 objects do not touch the image border; 18 do.",
)


# --- exercise 2: a workflow with sigma 3, exported from the assistant ------------------------------------------

EXPORT_HOW = ("In the assistant, click *Save and load workflows*, then *Export workflow to file*; in the dialog's "
              "File name field, paste the lesson's output folder (Ctrl+V, after the lesson's cell that saves "
              "blobs_workflow.yaml), add `sigma_3.yaml` and press Save.")


def _as_path(answer) -> Path:
    if not isinstance(answer, (str, Path)):
        raise ValueError(f"Expected the path of the workflow file you exported (text or a Path), e.g. "
                         f"`output_folder / \"sigma_3.yaml\"`; got {answer!r}.")
    path = Path(answer).expanduser()
    if not path.is_absolute() and not path.exists():
        path = output_dir(OUTPUT_FOLDER) / path
    return path


def _load(path: Path):
    """The workflow in a YAML file, or ValueError with what to do instead."""
    if path.is_dir():
        raise ValueError(f"{path.name} is a folder; give the workflow file inside it (.yaml). " + EXPORT_HOW)
    if not path.exists():
        files = sorted(p.name for p in path.parent.iterdir() if p.is_file()) if path.parent.is_dir() else []
        there = f" The folder holds: {', '.join(files)}." if files else ""
        raise ValueError(f"There is no file {path.name} in {path.parent}.{there} " + EXPORT_HOW)
    if path.suffix.lower() in (".py", ".ipynb"):
        raise ValueError(f"{path.name} is exported code (*Generate code...*). The exercise checks the workflow "
                         "itself: " + EXPORT_HOW)
    from napari_workflows import Workflow
    from napari_workflows._io_yaml_v1 import load_workflow  # napari-workflows 0.2 has no public loader

    try:
        workflow = load_workflow(str(path))
    except Exception as error:
        raise ValueError(f"{path.name} cannot be read as a workflow ({type(error).__name__}). " + EXPORT_HOW) from None
    if not isinstance(workflow, Workflow):
        raise ValueError(f"{path.name} holds no napari workflow. " + EXPORT_HOW)
    return workflow


def _steps(workflow) -> dict:
    """Every step that leads to a leaf of the workflow: {name: (function, {parameter: value})}."""
    steps, todo = {}, list(workflow.leafs())
    while todo:
        name = todo.pop()
        if name in steps:
            continue
        try:
            task = workflow.get_task(name)
        except KeyError:
            continue  # an input image: not a step
        if not (isinstance(task, tuple) and callable(task[0])):
            continue
        function, args = task[0], task[1:]
        try:
            parameters = dict(inspect.signature(function).bind_partial(*args).arguments)
        except (TypeError, ValueError):
            parameters = {}
        steps[name] = (function, parameters)
        todo += workflow.sources_of(name)
    return steps


def _sigmas(parameters: dict) -> tuple[float, float] | None:
    if "sigma_x" in parameters or "sigma_y" in parameters:
        return float(parameters.get("sigma_x", 0)), float(parameters.get("sigma_y", 0))
    if "sigma" in parameters:
        sigma = np.ravel(parameters["sigma"]).astype(float)
        return float(sigma[-1]), float(sigma[-2] if sigma.size > 1 else sigma[0])
    return None


def _check_exported_workflow(answer):
    try:
        workflow = _load(_as_path(answer))
    except ValueError as problem:
        return False, str(problem)
    steps = _steps(workflow)
    names = ", ".join(getattr(function, "__name__", "?") for function, _ in steps.values()) or "none"
    blurs = {name: _sigmas(parameters) for name, (function, parameters) in steps.items()
             if "gaussian" in getattr(function, "__name__", "")}
    if not blurs:
        return False, (f"The workflow has no Gaussian blur (its steps: {names}). Build it as in the lesson: Remove "
                       "noise (gaussian_blur), Binarize (threshold_otsu), Label; set the blur's sigmas to 3, then "
                       "export it.")
    sigmas = next(iter(blurs.values()))
    if sigmas is not None and not np.allclose(sigmas, (3, 3)):
        sigma_x, sigma_y = sigmas
        if np.allclose(sigmas, (1, 1)):
            return False, ("The blur in this file still has sigma_x = sigma_y = 1: in the *Remove noise* widget, "
                           "type 3 into sigma_x and into sigma_y (press Enter after each), then export again.")
        if 3 in (sigma_x, sigma_y):
            other = "sigma_y" if sigma_x == 3 else "sigma_x"
            return False, (f"The blur has sigma_x = {sigma_x:g} and sigma_y = {sigma_y:g}: set {other} to 3 as "
                           "well, then export again.")
        return False, (f"The blur has sigma_x = {sigma_x:g} and sigma_y = {sigma_y:g}; the exercise asks for 3 and "
                       "3. Change them in the *Remove noise* widget, then export again.")
    thresholds = [getattr(function, "__name__", "") for function, _ in steps.values()
                  if "threshold" in getattr(function, "__name__", "")]
    if not thresholds:
        return False, (f"The workflow has no Binarize step (its steps: {names}): after the blur, click Binarize "
                       "(threshold_otsu), then Label, and export again.")
    if not any("otsu" in name for name in thresholds):
        return False, (f"The Binarize step uses {thresholds[0]}, not threshold_otsu: pick threshold_otsu in its "
                       "pull-down, then export again.")
    for root in workflow.roots():
        workflow.set(root, load("blobs"))
    counts = {}
    for leaf in workflow.leafs():
        try:
            counts[leaf] = int(np.max(np.asarray(workflow.get(leaf))))
        except Exception:  # a step the checker cannot run (a plugin that needs the viewer): ignore that branch
            continue
    expected = OBJECTS_BY_SIGMA[(3, 3)]
    if expected in counts.values():
        return True, (f"The workflow in the file finds {expected} objects with sigma 3, against "
                      f"{OBJECTS_BY_SIGMA[(1, 1)]} with sigma 1: a wider blur merges neighbouring blobs.")
    if OBJECTS_SIGMA_3_NOT_ON_EDGES in counts.values():
        return False, (f"The workflow finds {OBJECTS_SIGMA_3_NOT_ON_EDGES} objects: its Label step leaves out the "
                       "objects on the image border (exclude_on_edges is ticked). Untick it, then export again.")
    if counts and max(counts.values()) <= 1:
        return False, ("The workflow ends with a binary image (0 and 1), not labels: after Binarize, click Label "
                       "(connected component labeling), then export again.")
    found = ", ".join(str(count) for count in counts.values()) or "nothing"
    return False, (f"Run on blobs, the workflow in the file gives {found} (its steps: {names}); blur (sigma 3), "
                   f"threshold_otsu and connected component labeling give {expected} objects. Rebuild it as in "
                   "the lesson and export again.")


exported_workflow = Exercise(
    "napari_workflows.exported_workflow", checker=_check_exported_workflow,
    hints=[
        "Click the layer 'Result of gaussian_blur ...' in the layer list: the assistant shows its *Remove noise* "
        "widget. Type 3 into sigma_x and sigma_y; the later steps compute again.",
        "Then *Save and load workflows > Export workflow to file*: paste the output folder into the File name "
        "field (Ctrl+V), add `sigma_3.yaml`, save, and give `output_folder / \"sigma_3.yaml\"` to the check.",
        "From code: `blur_widget = viewer.window.dock_widgets[\"Remove noise\"]`, then `blur_widget.x.value = 3` "
        "and `blur_widget.y.value = 3` (the assistant names its number fields x, y, ... and labels them sigma_x, "
        "sigma_y), then `assistant.to_file(str(output_folder / \"sigma_3.yaml\"))`.",
    ],
    solution_text="""
blur_widget = viewer.window.dock_widgets["Remove noise"]
blur_widget.x.value = 3  # the field labelled sigma_x
blur_widget.y.value = 3  # sigma_y
assistant.to_file(str(output_folder / "sigma_3.yaml"))  # Export workflow to file
exported_file = output_folder / "sigma_3.yaml"
""",
)
