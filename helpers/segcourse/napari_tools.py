"""What a notebook needs to drive a napari window: a screen check, a responsive kernel, and two assistant helpers.

Lessons 16 (napari annotation) and 17 (napari workflows) open napari from a notebook. napari's window and the
notebook's kernel share one Python process and one thread, so a few things need care:

- ``check_screen()``: napari needs a screen. Where there is none, ``napari.Viewer()`` kills the kernel without a
  word; this check says what to do instead.
- ``keep_kernel_responsive()``: after ``%gui qt`` the kernel waits for the next cell inside Qt's event loop, and
  now and then it misses that a cell has arrived. This makes it look every tenth of a second.
- ``background_updates_paused(viewer)``: the napari-assistant recomputes changed steps in a background thread;
  pause it while the assistant rebuilds its layers (undo, loading a workflow).
- ``click_assistant_button(assistant, button, search)``: add a step to the assistant's workflow the way a learner
  does, by typing into its search field and clicking one of its buttons.

Nothing here imports napari or Qt until it is called, so ``import segcourse.napari_tools`` is fast.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager

__all__ = ["check_screen", "keep_kernel_responsive", "background_updates_paused", "click_assistant_button"]

NO_SCREEN = (
    "napari needs a screen, and this Jupyter kernel has none (DISPLAY is not set), so napari.Viewer() would "
    "kill the kernel. On a laptop, start JupyterLab from a terminal of your desktop session (`python course.py "
    "lab`). On a server without a desktop, start JupyterLab under a virtual screen: "
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


# --- the kernel's Qt event loop -------------------------------------------------------------------------------

POLL_MS = 100


def keep_kernel_responsive(poll_ms: int = POLL_MS) -> None:
    """Make the kernel check for the next cell every `poll_ms` while it waits in Qt's event loop (`%gui qt`).

    With `%gui qt`, ipykernel 6 runs Qt's event loop between cells and leaves it when Qt reports activity on the
    kernel's ZeroMQ shell socket. That socket signals only changes (edge-triggered), and in about 1 run of a
    napari lesson in 30 (measured with nbclient) the signal is missed: the kernel stays idle in Qt's loop with
    the next cell waiting, and the notebook hangs. ipykernel's Tk and wx loops poll on a timer instead; this adds
    the same poll to the Qt loop, doing what ipykernel does when the signal arrives. Call it after `%gui qt`."""
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


# --- the napari-assistant ---------------------------------------------------------------------------------------

@contextmanager
def background_updates_paused(viewer, wait: float = 30):
    """Pause the napari-assistant's background recomputing while the block runs (an undo, loading a workflow).

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


def click_assistant_button(assistant, button: str, search: str = "") -> None:
    """Type `search` into the napari-assistant's search field, then click its button `button` ("Remove noise").

    This is what a learner does with the mouse: the search narrows the operations each button offers (and hides
    the buttons that offer none), the click adds a step on the selected layer, with the first operation that
    matches. The step's result appears as a new layer, selected, so the next click works on it; its settings
    dock on the right, in ``viewer.window.dock_widgets[button]``.

    napari-assistant 0.6 has no public function that adds a step (its buttons call an internal method), so this
    clicks the button with Qt's testing tool, QTest, as GUI tests do."""
    from qtpy.QtCore import Qt
    from qtpy.QtTest import QTest

    assistant.seach_field.setText(search)  # (sic: the assistant's attribute is spelled so)
    grid = assistant.icon_grid
    items = grid.findItems(button, Qt.MatchFlag.MatchExactly)
    if not items:
        shown = [grid.item(row).text() for row in range(grid.count())]
        raise ValueError(f"The assistant shows no button {button!r} after searching for {search!r}; it shows "
                         f"{shown}. Check the spelling, or search for an operation of that kind.")
    grid.scrollToItem(items[0])
    centre = grid.visualItemRect(items[0]).center()
    QTest.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
