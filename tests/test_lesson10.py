"""Lesson 10 (segmentation in napari): exercises, the numbers the lesson states, its screenshots, the Xvfb plugin."""
import importlib.util
import re
import time
from pathlib import Path
from queue import Empty

import nbformat
import numpy as np
import pytest

import segcourse
import xvfb_plugin
from segcourse.lessons import lesson10

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "10_napari.ipynb"
IMAGES = ROOT / "book" / "images" / "napari"


def _screenshot_tool():
    spec = importlib.util.spec_from_file_location("napari_screenshots", ROOT / "tools" / "napari_screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # defines names only; napari is imported when the tool runs
    return module


def _markdown() -> str:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


# --- exercise 1: annotate a third blob ---------------------------------------------------------------------

BRUSH_POSITIONS = [(78, 60), (78, 68), (84, 56), (84, 64), (84, 72), (90, 60), (90, 68)]
OUTLINE = [(122, 102), (115, 92), (106, 92), (102, 99), (102, 107), (109, 114), (117, 114)]


@pytest.fixture
def labels_layer():
    """The notebook's annotation: labels 1 (brush) and 2 (polygon), painted by a napari Labels layer."""
    from napari.layers import Labels

    layer = Labels(np.zeros((254, 256), dtype=np.uint32))
    layer.brush_size = 10
    for position in BRUSH_POSITIONS:
        layer.paint(position, new_label=1)
    layer.paint_polygon(OUTLINE, new_label=2)
    return layer


def test_annotation_pixel_counts_printed_by_the_lesson(labels_layer):
    values, counts = np.unique(labels_layer.data, return_counts=True)
    assert dict(zip(values.tolist(), counts.tolist())) == {0: 64194, 1: 469, 2: 361}


def test_annotate_third_blob_solution_is_correct(labels_layer):
    labels_layer.brush_size = 20
    labels_layer.paint((147, 67), new_label=3)
    feedback = lesson10.annotate_third_blob.check(labels_layer.data)
    assert feedback.correct, feedback.message


def test_annotate_third_blob_not_attempted():
    assert lesson10.annotate_third_blob.check(None).status == "not attempted"


def _disk(shape, centre, radius):
    rows, columns = np.ogrid[:shape[0], :shape[1]]
    return (rows - centre[0]) ** 2 + (columns - centre[1]) ** 2 <= radius ** 2


@pytest.mark.parametrize("change, expected", [
    (lambda a: a[:100], "shape (254, 256)"),
    (lambda a: a.astype(float), "holds integers"),
    (lambda a: a, "No pixel has label 3"),
    (lambda a: np.where(_disk(a.shape, (147, 67), 8), 4, a), "you painted label 4 instead"),
    (lambda a: np.where(a == 1, 0, a), "Label 1 is gone"),
    (lambda a: np.where(_disk(a.shape, (45, 112), 6), 3, a), "dark background"),  # between blobs
    (lambda a: np.where(_disk(a.shape, (84, 64), 4), 3, a), "same blob as label 1"),
    (lambda a: np.where(_disk(a.shape, (147, 67), 2), 3, a), "covers only"),
    (lambda a: np.where(_disk(a.shape, (147, 67), 8) | _disk(a.shape, (166, 214), 8), 3, a), "two or more blobs"),
])
def test_annotate_third_blob_wrong_answers(labels_layer, change, expected):
    feedback = lesson10.annotate_third_blob.check(change(labels_layer.data.copy()))
    assert feedback.status == "incorrect"
    assert expected in feedback.message


def test_annotate_third_blob_hints_and_solution():
    exercise = lesson10.annotate_third_blob
    assert len(exercise.hints) == 3
    assert "paint((147, 67), new_label=3)" in exercise.solution()


# --- exercise 2: the workflow with sigma 3 -----------------------------------------------------------------

def test_objects_with_sigma_3_right_answer():
    assert lesson10.objects_with_sigma_3.check(59).correct
    assert lesson10.objects_with_sigma_3.check(np.int64(59)).correct


@pytest.mark.parametrize("answer, expected", [
    (62, "count with sigma 1"),
    (61, "sigma_y=1"),
    (42, "touch the image border"),
    (21602, "pixels, not of objects"),
    (np.arange(3), "not an array"),
    ("many", "Expected a number"),
    (57, "Not 57"),
])
def test_objects_with_sigma_3_wrong_answers(answer, expected):
    feedback = lesson10.objects_with_sigma_3.check(answer)
    assert feedback.status == "incorrect"
    assert expected in feedback.message


def test_solutions_in_the_notebook_match_the_helpers():
    markdown = _markdown()
    for exercise in (lesson10.annotate_third_blob, lesson10.objects_with_sigma_3):
        assert exercise.solution_text.strip() in markdown


def test_workflow_counts_claimed_by_the_lesson():
    """gaussian_blur -> threshold_otsu (cle) -> connected_component_labeling (nsbatwm), as the assistant runs it."""
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    import pyclesperanto_prototype as cle

    image = segcourse.load("blobs")
    for (sigma_x, sigma_y), count in lesson10.OBJECTS_BY_SIGMA.items():
        binary = cle.threshold_otsu(cle.gaussian_blur(image, None, sigma_x, sigma_y, 0))
        assert nsbatwm.connected_component_labeling(binary).max() == count
    binary = cle.threshold_otsu(cle.gaussian_blur(image, sigma_x=3, sigma_y=3))
    assert nsbatwm.connected_component_labeling(binary, True).max() == lesson10.OBJECTS_SIGMA_3_NOT_ON_EDGES


def test_tools_menu_counts_claimed_by_the_lesson():
    import warnings

    import napari_segment_blobs_and_things_with_membranes as nsbatwm

    image = segcourse.load("blobs")
    assert nsbatwm.voronoi_otsu_labeling(image, spot_sigma=3.5, outline_sigma=1).max() == 66
    binary = nsbatwm.threshold_otsu(nsbatwm.gaussian_blur(image, sigma=1))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="`binary_opening` is deprecated", category=FutureWarning)
        split = nsbatwm.split_touching_objects(binary, sigma=3.5)
    assert nsbatwm.connected_component_labeling(binary).max() == 62
    assert nsbatwm.connected_component_labeling(split).max() == 66


# --- the screen check ----------------------------------------------------------------------------------------

def test_check_screen_without_display_raises_a_clear_error(monkeypatch):
    monkeypatch.setattr(lesson10.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(RuntimeError, match="xvfb-run"):
        lesson10.check_screen()


def test_check_screen_reports_a_broken_display(monkeypatch):
    monkeypatch.setattr(lesson10.sys, "platform", "linux")
    monkeypatch.setattr(lesson10, "_QT_PROBE", "raise SystemExit('could not connect to display')")
    monkeypatch.setenv("DISPLAY", ":4242")
    with pytest.raises(RuntimeError, match="Qt cannot open a window"):
        lesson10.check_screen()


# --- screenshots made by tools/napari_screenshots.py ---------------------------------------------------------

def test_screenshots_exist_small_and_few():
    names = _screenshot_tool().SCREENSHOTS
    present = sorted(path.name for path in IMAGES.glob("*.png"))
    assert present == sorted(names), "run `make screenshots` (tools/napari_screenshots.py)"
    assert len(present) <= 10
    from PIL import Image
    for name in present:
        path = IMAGES / name
        assert path.stat().st_size < 150_000, name
        with Image.open(path) as image:
            assert image.format == "PNG" and max(image.size) <= 1100, name


def test_every_screenshot_is_shown_by_the_notebook_with_alt_text():
    markdown = _markdown()
    for name in _screenshot_tool().SCREENSHOTS:
        match = re.search(r"!\[([^\]]*)\]\(\.\./book/images/napari/" + re.escape(name) + r"\)", markdown)
        assert match, f"{name} is not shown in {NOTEBOOK.name}"
        assert len(match.group(1)) > 30, f"{name} needs real alt text"


def test_every_image_link_in_the_notebook_resolves_from_notebooks():
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", _markdown())
    assert links
    for link in links:
        assert (NOTEBOOK.parent / link).resolve().is_file(), link


def test_course_script_makefile_and_readme_give_the_screenshot_command():
    """`make screenshots` calls `course.py screenshots`, which runs the tool under xvfb-run."""
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^[a-z -]*\bscreenshots\b[a-z -]*:\n\t\$\(PYTHON\) course.py \$@", makefile, re.M)
    course = (ROOT / "course.py").read_text()
    assert re.search(r'"screenshots":.*\n.*"xvfb-run".*\n.*"tools/napari_screenshots.py"', course)
    assert "make screenshots" in (ROOT / "README.md").read_text()


# --- the Xvfb plugin -------------------------------------------------------------------------------------------

def test_plugin_knows_which_notebooks_need_a_screen():
    assert xvfb_plugin.needs_display(NOTEBOOK)
    assert not xvfb_plugin.needs_display(ROOT / "notebooks" / "00_setup_check.ipynb")
    assert not xvfb_plugin.needs_display(Path(__file__))


@pytest.mark.skipif(xvfb_plugin.shutil.which("Xvfb") is None, reason="Xvfb is not installed")
def test_plugin_starts_and_stops_xvfb():
    process, display, log = xvfb_plugin.start_xvfb(screen="320x240x24")
    try:
        assert re.fullmatch(r":\d+", display)
        assert process.poll() is None
        assert Path(f"/tmp/.X11-unix/X{display[1:]}").exists()
    finally:
        xvfb_plugin.stop_xvfb(process)
        log.unlink(missing_ok=True)
    assert process.poll() is not None


class _Item:
    path = NOTEBOOK


@pytest.mark.parametrize("require_all, outcome", [("0", pytest.skip.Exception), ("1", pytest.fail.Exception)])
def test_plugin_skips_or_fails_the_napari_notebook_without_a_screen(monkeypatch, require_all, outcome):
    monkeypatch.setitem(xvfb_plugin._state, "problem", "no screen for napari: Xvfb is not installed")
    monkeypatch.setenv("SEGCOURSE_REQUIRE_ALL", require_all)
    with pytest.raises(outcome, match="no screen for napari"):
        xvfb_plugin.pytest_runtest_setup(_Item())


class _FakeKernel:
    """Like nbval's RunningKernel: get_message waits up to `timeout` seconds, then raises Empty."""

    def __init__(self, alive: bool):
        self.alive = alive

    def get_message(self, stream, timeout=None):
        time.sleep(min(timeout, 0.05) if timeout is not None else 0.05)
        raise Empty

    def is_alive(self):
        return self.alive


def test_dead_kernel_fails_fast_instead_of_waiting_for_the_cell_timeout():
    kernel = _FakeKernel(alive=False)
    xvfb_plugin._guard_against_dead_kernel(kernel, poll=0.05)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="kernel died"):
        kernel.get_message("shell", timeout=600)
    assert time.monotonic() - start < 5


def test_live_kernel_still_times_out_normally():
    kernel = _FakeKernel(alive=True)
    xvfb_plugin._guard_against_dead_kernel(kernel, poll=0.05)
    start = time.monotonic()
    with pytest.raises(Empty):
        kernel.get_message("iopub", timeout=0.3)
    assert 0.25 < time.monotonic() - start < 3


def test_a_stuck_napari_notebook_fails_fast_and_shows_where_it_hangs(tmp_path):
    """A cell that never returns (and ignores the interrupt) fails after NAPARI_CELL_TIMEOUT, not 600 s, and the
    report holds the kernel's thread stacks. Run in a pytest of its own, with a 3 s timeout."""
    import os
    import subprocess
    import sys

    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "segcourse", "language": "python",
                                                                  "display_name": "Image segmentation course"}})
    stuck = ("import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)  # interrupting does not help\n\n"
             "def wait_forever():\n    time.sleep(3600)\n\nwait_forever()")
    notebook.cells = [nbformat.v4.new_code_cell("# stands for a lesson that calls napari.Viewer()", execution_count=1),
                      nbformat.v4.new_code_cell(stuck, execution_count=2),
                      nbformat.v4.new_code_cell("print('never')", execution_count=3)]
    path = tmp_path / "stuck_napari.ipynb"
    nbformat.write(notebook, path)
    assert xvfb_plugin.needs_display(path)
    env = dict(os.environ, SEGCOURSE_NAPARI_CELL_TIMEOUT="3", PYTHONPATH=str(ROOT / "tests"))
    env.pop("PYTEST_CURRENT_TEST", None)
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:warnings",
                             "-p", "xvfb_plugin", "--nbval", "--nbval-kernel-name", "segcourse", "-rA", str(path)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    elapsed = time.monotonic() - start
    assert result.returncode == 1, result.stdout[-3000:]
    assert "Timeout of 3 seconds exceeded while executing cell" in result.stdout
    assert "XFAIL" in result.stdout and "Previous cell timed out" in result.stdout  # the rest is not run
    assert "The kernel did not answer within 3 s. Its threads:" in result.stdout
    assert re.search(r"line 5 in wait_forever\n.*line 7 in <module>", result.stdout), result.stdout[-3000:]
    assert elapsed < 120, elapsed


def _run_with_lost_wakeups(keep_responsive: bool, timeout: float):
    """Run a notebook whose kernel never hears Qt's signal for its shell socket: the missed wake-up behind
    lesson 10's rare hang, made certain by giving ipykernel a socket notifier on a pipe nobody writes to. Then
    only ipykernel's look at the socket when it enters Qt's loop (or our poll) finds the next cell. Returns the
    printed text, or None when a cell timed out."""
    import os

    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError

    setup = ("%gui qt\nimport os\nfrom qtpy.QtCore import QSocketNotifier\n\n"
             "never_readable, _ = os.pipe()\n"
             "get_ipython().kernel._qt_notifier = QSocketNotifier(never_readable, QSocketNotifier.Type.Read)\n")
    if keep_responsive:
        setup += "from segcourse.lessons import lesson10\n\nlesson10.keep_kernel_responsive()\n"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(setup)] + [
        nbformat.v4.new_code_cell(f"import time\n\ntime.sleep(0.2)\nprint('cell {number} ran')")
        for number in range(2, 8)]
    env = {name: value for name, value in os.environ.items() if name != "PYTEST_CURRENT_TEST"}
    env["QT_QPA_PLATFORM"] = "offscreen"  # a plain Qt application needs no screen
    client = NotebookClient(notebook, timeout=timeout, kernel_name="segcourse")
    try:
        client.execute(env=env)
    except CellTimeoutError:
        return None
    return "".join(output.get("text", "") for cell in notebook.cells for output in cell.outputs)


def test_keep_kernel_responsive_picks_up_cells_the_qt_loop_misses():
    start = time.monotonic()
    expected = "".join(f"cell {number} ran\n" for number in range(2, 8))
    assert _run_with_lost_wakeups(keep_responsive=True, timeout=60) == expected
    assert time.monotonic() - start < 60


def test_without_keep_kernel_responsive_the_lost_wakeup_hangs():
    """The control: without the poll the same notebook hangs (so the test above means something)."""
    assert _run_with_lost_wakeups(keep_responsive=False, timeout=5) is None


class _FakeWorker:
    def __init__(self, pauses: bool):
        self.pauses, self.is_paused = pauses, False


class _FakeManager:
    """Like napari-workflows' WorkflowManager: pause_update asks the worker to pause; it does at its next step."""

    def __init__(self, pauses: bool = True):
        self.worker, self.calls = _FakeWorker(pauses), []

    def pause_update(self):
        self.calls.append("pause")
        self.worker.is_paused = self.worker.pauses

    def resume_update(self):
        self.calls.append("resume")
        self.worker.is_paused = False


def test_background_updates_paused_runs_the_block_while_the_worker_is_paused(monkeypatch):
    import napari_workflows

    manager = _FakeManager()
    monkeypatch.setattr(napari_workflows.WorkflowManager, "install", staticmethod(lambda viewer: manager))
    with lesson10.background_updates_paused(viewer=None):
        assert manager.worker.is_paused
        manager.calls.append("block")
    assert manager.calls == ["pause", "block", "resume"]


def test_background_updates_paused_says_when_the_worker_does_not_pause(monkeypatch):
    import napari_workflows

    manager = _FakeManager(pauses=False)
    monkeypatch.setattr(napari_workflows.WorkflowManager, "install", staticmethod(lambda viewer: manager))
    with pytest.raises(RuntimeError, match="did not pause within 0.2 s"):
        with lesson10.background_updates_paused(viewer=None, wait=0.2):
            pass
    assert manager.calls == ["pause", "resume"]
