"""Lesson 10, segmentation in napari: a screen check and the lesson's exercises."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from functools import lru_cache

import numpy as np

from segcourse.data import load
from segcourse.exercises import Exercise

NO_SCREEN = (
    "napari needs a screen, and this Jupyter kernel has none (DISPLAY is not set), so napari.Viewer() would "
    "kill the kernel. On a laptop, start JupyterLab from a terminal of your desktop session (`make lab`). "
    "On a server without a desktop, start JupyterLab under a virtual screen: "
    "xvfb-run -a -s '-screen 0 1920x1080x24' jupyter lab   (Debian/Ubuntu: apt-get install xvfb). "
    "Or read this lesson in the course book: its pictures show every step."
)

# A screen that exists but where Qt cannot open a window (a stale DISPLAY, missing xcb libraries) kills the
# process that tries: try it in a separate process, never in the kernel.
_QT_PROBE = "from qtpy.QtWidgets import QApplication; QApplication([])"


def check_screen() -> None:
    """Make sure napari can open its window here; raise a clear error instead of a dead kernel."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise RuntimeError(NO_SCREEN)
    probe = subprocess.run([sys.executable, "-c", _QT_PROBE], capture_output=True, text=True, timeout=120)
    if probe.returncode != 0:
        detail = (probe.stderr.strip().splitlines() or [f"exit code {probe.returncode}"])[-1]
        raise RuntimeError(f"Qt cannot open a window on this screen ({detail}). " + NO_SCREEN)
    print("A screen is available: napari can open its window.")


# --- the kernel's Qt event loop -----------------------------------------------------------------------------

POLL_MS = 100


def keep_kernel_responsive(poll_ms: int = POLL_MS) -> None:
    """Make the kernel check for the next cell every `poll_ms` while it waits in Qt's event loop (`%gui qt`).

    With `%gui qt`, ipykernel 6 runs Qt's event loop between cells and leaves it when Qt reports activity on the
    kernel's ZeroMQ shell socket. That socket signals only changes (edge-triggered), and in about 1 run of lesson 10
    in 30 (measured with nbclient) the signal is missed: the kernel stays idle in Qt's loop with the next cell
    waiting, and the notebook hangs. ipykernel's Tk and wx loops poll on a timer instead; this adds the same poll
    to the Qt loop, doing what ipykernel does when the signal arrives. Call it after `%gui qt`."""
    from IPython import get_ipython
    from qtpy.QtCore import QTimer

    kernel = getattr(get_ipython(), "kernel", None)
    if kernel is None or getattr(kernel, "_segcourse_poll", None) is not None:
        return  # not in a Jupyter kernel, or already polling

    def poll():
        app = getattr(kernel, "app", None)
        if app is None or not getattr(app, "_in_event_loop", False):
            return  # a cell is running: the kernel reads its messages after it
        if kernel.shell_stream.flush(limit=1):  # a message was waiting: leave Qt's loop to handle it
            notifier = getattr(kernel, "_qt_notifier", None)
            if notifier is not None:
                notifier.setEnabled(False)
            app.qt_event_loop.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(poll_ms)
    kernel._segcourse_poll = timer


@contextmanager
def background_updates_paused(viewer, wait: float = 30):
    """Pause the napari-assistant's background recomputing while the block runs (for example an undo).

    napari-workflows recomputes steps whose input changed in a background thread, and that thread also creates
    and changes napari layers and Qt widgets, which only the main thread may do. While the assistant rebuilds the
    layers of a workflow (undo), the two can collide: Qt warnings ("Cannot create children for a parent that is in
    a different thread"), or a layer added twice. The pause takes effect when the thread finishes its current step;
    the block runs after that, and the recomputing resumes after the block."""
    from napari_workflows import WorkflowManager

    manager = WorkflowManager.install(viewer)
    worker = manager.worker
    if worker is None:
        yield
        return
    manager.pause_update()
    deadline = time.monotonic() + wait
    while not worker.is_paused:
        if time.monotonic() > deadline:
            manager.resume_update()
            raise RuntimeError(f"napari-workflows' background thread did not pause within {wait:g} s")
        time.sleep(0.01)
    try:
        yield
    finally:
        manager.resume_update()


# --- exercise 1: annotate a third blob ---------------------------------------------------------------------

@lru_cache(maxsize=1)
def _blobs() -> np.ndarray:
    """The bright blobs of the image as connected components of its Otsu foreground (0 = background)."""
    from skimage.filters import threshold_otsu
    from skimage.measure import label

    image = load("blobs")
    return label(image > threshold_otsu(image))


def _check_annotation(answer):
    blobs = _blobs()
    annotation = np.asarray(answer)
    if annotation.shape != blobs.shape:
        return False, (f"Expected the labels layer's data, an array of shape {blobs.shape} like the image, "
                       f"not shape {annotation.shape}: give `labels_layer.data`.")
    if not np.issubdtype(annotation.dtype, np.integer):
        return False, f"A label image holds integers; this array holds {annotation.dtype}. Give `labels_layer.data`."
    for label in (1, 2):
        if not (annotation == label).any():
            return False, (f"Label {label} is gone: did you paint over it with another label, or erase it? "
                           "Run the cells that paint labels 1 and 2 again.")
    mask = annotation == 3
    if not mask.any():
        higher = sorted(int(v) for v in np.unique(annotation) if v > 3)
        extra = f" (you painted label {higher[0]} instead)" if higher else ""
        return False, ("No pixel has label 3 yet" + extra + ": set `labels_layer.selected_label = 3` (the + "
                       "button next to the label number) and paint with `new_label=3`.")
    on_blob = blobs[mask] > 0
    if on_blob.mean() < 0.5:
        return False, (f"Most of label 3 ({100 * (1 - on_blob.mean()):.0f} %) lies on the dark background. "
                       "Positions are (row, column) = (y, x): pick a bright blob in the screenshot.")
    ids, counts = np.unique(blobs[mask][on_blob], return_counts=True)
    blob = ids[np.argmax(counts)]
    if counts.max() < 0.8 * counts.sum():
        return False, "Label 3 spreads over two or more blobs: one label per object, paint one blob only."
    for label in (1, 2):
        if (blobs[annotation == label] == blob).mean() > 0.5:
            return False, f"Label 3 is on the same blob as label {label}: each object gets its own label."
    coverage = (blobs[mask] == blob).sum() / (blobs == blob).sum()
    if coverage < 0.5:
        return False, (f"Label 3 covers only {100 * coverage:.0f} % of its blob: paint more of it (a larger "
                       "`brush_size`, more positions, or `paint_polygon` around its outline).")
    return True, (f"Label 3 covers {100 * coverage:.0f} % of a blob of {(blobs == blob).sum()} pixels, "
                  "and labels 1 and 2 are still there.")


annotate_third_blob = Exercise(
    "lesson10.annotate_third_blob", checker=_check_annotation,
    hints=[
        "Pick a bright blob in the screenshot that has no label yet and read its (row, column) position "
        "from the axes of the image, or hover over it in napari: the status bar shows the position.",
        "Set the next label first: `labels_layer.selected_label = 3`, then paint with `new_label=3`.",
        "`labels_layer.paint((147, 67), new_label=3)` with `labels_layer.brush_size = 20` covers most of the "
        "blob at row 147, column 67.",
    ],
    solution_text="""
labels_layer.selected_label = 3
labels_layer.brush_size = 20
labels_layer.paint((147, 67), new_label=3)
annotation_with_three_labels = labels_layer.data
""",
)


# --- exercise 2: the workflow with a wider blur ------------------------------------------------------------

# Objects found by gaussian_blur (cle) -> threshold_otsu (cle) -> connected_component_labeling (nsbatwm) on blobs;
# tests/test_lesson10.py recomputes each.
OBJECTS_BY_SIGMA = {(1, 1): 62, (3, 3): 59, (3, 1): 61}
OBJECTS_SIGMA_3_NOT_ON_EDGES = 42


def _check_sigma_3(answer):
    if np.ndim(answer) != 0:
        return False, "Expected one number, the count of objects, not an array: `labels.max()`."
    try:
        count = float(answer)
    except (TypeError, ValueError):
        return False, f"Expected a number, got {type(answer).__name__}."
    expected = OBJECTS_BY_SIGMA[(3, 3)]
    if count == expected:
        return True, (f"{expected} objects with sigma 3 against {OBJECTS_BY_SIGMA[(1, 1)]} with sigma 1: "
                      "a wider blur merges some neighbouring blobs.")
    if count == OBJECTS_BY_SIGMA[(1, 1)]:
        return False, (f"{OBJECTS_BY_SIGMA[(1, 1)]} is the count with sigma 1, the assistant's default: "
                       "blur with sigma_x=3 and sigma_y=3.")
    if count == OBJECTS_BY_SIGMA[(3, 1)]:
        return False, (f"{OBJECTS_BY_SIGMA[(3, 1)]} is the count with sigma_x=3 but sigma_y=1: "
                       "set both sigmas to 3.")
    if count == OBJECTS_SIGMA_3_NOT_ON_EDGES:
        return False, ("That count leaves out the objects that touch the image border (exclude_on_edges=True); "
                       "count all of them.")
    if count > 1000:
        return False, "That is a number of pixels, not of objects: count the labels with `labels.max()`."
    return False, (f"Not {answer}: blur with sigma 3 in x and y, threshold with Otsu, label the connected "
                   "components, then count them with `.max()`.")


objects_with_sigma_3 = Exercise(
    "lesson10.objects_with_sigma_3", checker=_check_sigma_3,
    hints=[
        "The exported code has one line per step; the blur's sigmas are its 3rd and 4th arguments.",
        "`cle.gaussian_blur(image, sigma_x=3, sigma_y=3)`, then `cle.threshold_otsu(...)`, then "
        "`nsbatwm.connected_component_labeling(...)`.",
        "The number of objects is the largest label: `int(labels.max())`.",
    ],
    solution_text="""
blurred = cle.gaussian_blur(image, sigma_x=3, sigma_y=3)
binary = cle.threshold_otsu(blurred)
labels = nsbatwm.connected_component_labeling(binary)
objects_with_sigma_3 = int(labels.max())
""",
)
