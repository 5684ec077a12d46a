"""Lesson 16, napari annotation: the numbers the lesson states, both exercises with right and wrong answers (the
GUI exercise with right and wrong files), the napari screenshots of lessons 16 and 17, and the napari helpers that
keep a notebook alive (segcourse.napari_tools: the screen check, the lost wake-ups) and the Xvfb plugin."""
import importlib.util
import re
import time
from pathlib import Path
from queue import Empty

import nbformat
import numpy as np
import pytest
import tifffile

import segcourse
import xvfb_plugin
from segcourse import napari_tools
from segcourse.lessons import napari_annotation as exercises


ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "16_napari_annotation.ipynb"
WORKFLOWS = ROOT / "notebooks" / "17_napari_workflows.ipynb"
IMAGES = ROOT / "book" / "images" / "napari"
LESSONS = {"16": NOTEBOOK, "17": WORKFLOWS}


def _screenshot_tool():
    spec = importlib.util.spec_from_file_location("napari_screenshots", ROOT / "tools" / "napari_screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # defines names only; napari is imported when the tool runs
    return module


def _markdown(path: Path) -> str:
    notebook = nbformat.read(path, as_version=4)
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def _code(path: Path) -> str:
    notebook = nbformat.read(path, as_version=4)
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")


# --- the annotation the lesson paints ----------------------------------------------------------------------------

def _painted():
    """The lesson's annotation: labels 1 (brush) and 2 (polygon), painted by a napari Labels layer."""
    from napari.layers import Labels

    layer = Labels(np.zeros((254, 256), dtype=np.uint32))
    layer.brush_size = exercises.BRUSH_SIZE
    for position in exercises.BRUSH_POSITIONS:
        layer.paint(position, new_label=1)
    layer.paint_polygon(exercises.POLYGON, new_label=2)
    return layer


@pytest.fixture
def labels_layer():
    import npe2

    # napari's own file writers are a plugin that a viewer registers when it starts; here there is no viewer
    npe2.PluginManager.instance().discover(include_npe1=False)
    return _painted()


def counts(array) -> dict:
    values, numbers = np.unique(array, return_counts=True)
    return dict(zip(values.tolist(), numbers.tolist()))


def test_pixel_counts_printed_by_the_lesson(labels_layer):
    assert counts(labels_layer.data) == {0: 64194, 1: 469, 2: 361}


def test_a_dab_of_label_2_overwrites_label_1_and_undo_restores_it(labels_layer):
    labels_layer.paint(exercises.OVERLAP_DAB, new_label=2)
    assert np.sum(labels_layer.data == 1) == 436  # the lesson prints it
    labels_layer.undo()
    assert counts(labels_layer.data) == {0: 64194, 1: 469, 2: 361}


def test_preserve_labels_keeps_the_brush_off_other_labels(labels_layer):
    labels_layer.preserve_labels = True
    labels_layer.paint(exercises.OVERLAP_DAB, new_label=2)
    assert np.sum(labels_layer.data == 1) == 469


def test_the_fill_bucket_with_label_0_deletes_an_object(labels_layer):
    labels_layer.fill((84, 64), new_label=0)
    assert counts(labels_layer.data) == {0: 64194 + 469, 2: 361}


def test_layer_save_writes_a_tiff_that_tifffile_reads(labels_layer, tmp_path):
    path = tmp_path / "two_blobs.tif"
    labels_layer.save(str(path))
    saved = tifffile.imread(path)
    assert saved.shape == (254, 256) and saved.dtype == np.uint32
    assert np.unique(saved).tolist() == [0, 1, 2]


# --- exercise 1: predict, then run --------------------------------------------------------------------------------

@pytest.mark.parametrize("answer, correct, words", [
    ("a", True, "preserve"), (" A ", True, "whatever is there"),
    ("b", False, "preserve labels"), ("c", False, "refuses no stroke"),
])
def test_predict_overwrite(answer, correct, words):
    feedback = exercises.predict_overwrite.check(answer)
    assert feedback.correct == correct
    assert words in feedback.message


def test_predict_overwrite_not_attempted_and_not_a_letter():
    assert exercises.predict_overwrite.check(None).status == "not attempted"
    assert "one of" in exercises.predict_overwrite.check("d").message
    assert "as text" in exercises.predict_overwrite.check(2).message


# --- exercise 2: annotate a third blob in the window, checked from the saved file --------------------------------

def _disk(shape, centre, radius):
    rows, columns = np.ogrid[:shape[0], :shape[1]]
    return (rows - centre[0]) ** 2 + (columns - centre[1]) ** 2 <= radius ** 2


@pytest.fixture
def folder():
    """The lesson's output folder (under the test's own SEGCOURSE_OUTPUT)."""
    return segcourse.output_dir(exercises.OUTPUT_FOLDER)


def test_the_solution_saved_by_napari_is_right(labels_layer, folder):
    namespace = {"labels_layer": labels_layer, "output_folder": folder}
    exec(exercises.saved_annotation.solution_text, namespace)
    feedback = exercises.saved_annotation.check(namespace["saved_file"])
    assert feedback.correct, feedback.message
    assert "labels 1, 2 and 3" in feedback.message


def test_a_bare_name_and_text_are_found_in_the_output_folder(labels_layer, folder):
    labels_layer.paint(exercises.THIRD_BLOB, new_label=3)
    labels_layer.brush_size = 20
    labels_layer.paint(exercises.THIRD_BLOB, new_label=3)
    labels_layer.save(str(folder / "annotation.tif"))
    assert exercises.saved_annotation.check("annotation.tif").correct
    assert exercises.saved_annotation.check(folder / "annotation").correct  # napari adds the .tif
    assert exercises.saved_annotation.check(str(folder / "annotation.tif")).correct


def test_not_attempted():
    assert exercises.saved_annotation.check(None).status == "not attempted"


WRONG_ARRAYS = [
    (lambda a: a[:100], "shape (100, 256)"),
    (lambda a: a.astype(np.float32), "whole numbers"),
    (lambda a: a, "save before painting"),
    (lambda a: np.where(_disk(a.shape, (147, 67), 8), 4, a), "label 4 but no label 3"),
    (lambda a: np.where(a == 1, 0, np.where(_disk(a.shape, (147, 67), 8), 3, a)), "Label 1 is missing"),
    (lambda a: np.where(_disk(a.shape, (45, 112), 6), 3, a), "dark background"),  # between blobs
    (lambda a: np.where(_disk(a.shape, (84, 64), 4), 3, a), "same blob as label 1"),
    (lambda a: np.where(_disk(a.shape, (147, 67), 2), 3, a), "covers only"),
    (lambda a: np.where(_disk(a.shape, (147, 67), 8) | _disk(a.shape, (166, 214), 8), 3, a), "two or more blobs"),
]


@pytest.mark.parametrize("change, expected", WRONG_ARRAYS)
def test_wrong_annotations_in_the_file(labels_layer, folder, change, expected):
    path = folder / "annotation.tif"
    tifffile.imwrite(path, change(labels_layer.data.copy()))
    feedback = exercises.saved_annotation.check(path)
    assert feedback.status == "incorrect"
    assert expected in feedback.message, feedback.message


def test_the_image_layer_saved_instead_of_the_labels(folder):
    tifffile.imwrite(folder / "annotation.tif", segcourse.load("blobs"))
    feedback = exercises.saved_annotation.check(folder / "annotation.tif")
    assert not feedback.correct and "blobs image itself" in feedback.message


def test_no_file_says_what_the_folder_holds(labels_layer, folder):
    feedback = exercises.saved_annotation.check(folder / "annotation.tif")
    assert "There is no file annotation.tif" in feedback.message and "The folder is empty" in feedback.message
    tifffile.imwrite(folder / "annotaton.tif", labels_layer.data)
    feedback = exercises.saved_annotation.check(folder / "annotation.tif")
    assert "The folder holds: annotaton.tif" in feedback.message
    assert "Save Selected Layers" in feedback.message


@pytest.mark.parametrize("name, expected", [
    ("annotation.svg", "SVG drawing"), ("annotation.png", "not a TIFF"), ("annotation.tif", "cannot be read"),
])
def test_other_formats_and_broken_files(folder, name, expected):
    (folder / name).write_text("<svg/>")
    feedback = exercises.saved_annotation.check(folder / name)
    assert not feedback.correct and expected in feedback.message, feedback.message


def test_a_folder_instead_of_a_file(folder):
    (folder / "annotation").mkdir()
    (folder / "annotation" / "annotation.tif").write_bytes(b"")
    feedback = exercises.saved_annotation.check(folder / "annotation")
    assert not feedback.correct and "is a folder" in feedback.message and "annotation.tif" in feedback.message


@pytest.mark.parametrize("answer, expected", [
    (np.zeros((254, 256), dtype=np.uint32), "That is an array"), (3, "got 3"),
])
def test_answers_that_are_not_paths(answer, expected):
    feedback = exercises.saved_annotation.check(answer)
    assert not feedback.correct and expected in feedback.message


def test_hints_end_with_the_code():
    assert len(exercises.saved_annotation.hints) == 3
    assert "paint((147, 67), new_label=3)" in exercises.saved_annotation.hints[-1]


# --- the 3D part -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def segmentations():
    import napari_segment_blobs_and_things_with_membranes as nsbatwm

    stack = segcourse.load("neubias_nuclei_3d")
    voxel_size = segcourse.voxel_size_from_file("neubias_nuclei_3d")
    in_voxels = nsbatwm.voronoi_otsu_labeling(stack, spot_sigma=3, outline_sigma=1)
    in_um = nsbatwm.voronoi_otsu_labeling(stack, spot_sigma=tuple(3 / s for s in voxel_size),
                                          outline_sigma=tuple(1 / s for s in voxel_size))
    return np.asarray(in_voxels), np.asarray(in_um), voxel_size


def test_66_and_97_nuclei(segmentations):
    in_voxels, in_um, voxel_size = segmentations
    assert (in_voxels.max(), in_um.max()) == (66, 97)
    assert voxel_size == (4.0, 0.8286, 0.8286)
    assert voxel_size[0] / voxel_size[2] == pytest.approx(4.8, abs=0.05)  # "4.8 times too flat" without scale


def test_the_picked_label_is_64_um_tall_and_holds_three_nuclei(segmentations):
    in_voxels, in_um, voxel_size = segmentations
    label_id = in_voxels[24, 47, 104]
    assert label_id == 54
    z = np.nonzero(in_voxels == label_id)[0]
    assert (z.max() - z.min() + 1) * voxel_size[0] == 64.0
    inside = np.where(in_voxels == label_id, in_um, 0)
    assert np.unique(inside)[1:].tolist() == [19, 65, 93]
    for nucleus in (19, 65, 93):  # each lies almost wholly inside the tall label: three whole nuclei
        assert np.mean(in_voxels[in_um == nucleus] == label_id) > 0.7


# --- the notebook ------------------------------------------------------------------------------------------------

def test_the_notebook_paints_what_the_module_says():
    code = _code(NOTEBOOK)
    assert f"brush_positions = {exercises.BRUSH_POSITIONS}" in code
    outline = re.search(r"outline = (\[.*?\])\n(?!\s)", code, re.S).group(1)
    assert eval(re.sub(r"#.*", "", outline)) == exercises.POLYGON
    assert f"labels_layer.paint({exercises.OVERLAP_DAB}, new_label=2)" in code
    assert f'segcourse.output_dir("{exercises.OUTPUT_FOLDER}")' in code


@pytest.mark.parametrize("path", LESSONS.values(), ids=lambda p: p.name)
def test_the_napari_rules_of_issue_11(path):
    """Every lesson that opens a viewer: all_operations() in the viewer cell right after napari.Viewer(); %gui qt
    then keep_kernel_responsive(); the napari import after the first cell."""
    notebook = nbformat.read(path, as_version=4)
    code_cells = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    viewer_cell = next(source for source in code_cells if "viewer = napari.Viewer()" in source)
    lines = viewer_cell.splitlines()
    at = lines.index("viewer = napari.Viewer()")
    assert lines[at + 1] == "assistant_operations = all_operations()  # prints the message explained above"
    gui = next(source for source in code_cells if "%gui qt" in source)
    assert gui.splitlines() == ["%gui qt", "napari_tools.keep_kernel_responsive()"]
    assert not re.search(r"^\s*(import|from) napari\b", code_cells[0], re.M)
    undo = [source for source in code_cells if "undo_action" in source or "load_workflow(" in source
            and "assistant." in source]
    for source in undo:
        assert "background_updates_paused(viewer)" in source


# --- screenshots made by tools/napari_screenshots.py (lessons 16 and 17) ------------------------------------------

def test_screenshots_exist_and_fit_the_column():
    tool = _screenshot_tool()
    present = sorted(path.name for path in IMAGES.glob("*.png"))
    assert present == sorted(tool.SCREENSHOTS), "run `python course.py screenshots` (tools/napari_screenshots.py)"
    from PIL import Image
    for name in present:
        path = IMAGES / name
        assert path.stat().st_size < tool.MAX_BYTES, name
        with Image.open(path) as image:  # kept at 1:1: at most the book's column, so menu text stays readable
            assert image.format == "PNG" and image.width <= 700, (name, image.size)


def test_every_screenshot_is_shown_by_its_lesson_with_alt_text():
    for name, (lesson, _) in _screenshot_tool().SCREENSHOTS.items():
        markdown = _markdown(LESSONS[lesson])
        match = re.search(r"!\[([^\]]*)\]\(\.\./book/images/napari/" + re.escape(name) + r"\)", markdown)
        assert match, f"{name} is not shown in lesson {lesson}"
        assert len(match.group(1)) > 30, f"{name} needs real alt text"


@pytest.mark.parametrize("path", LESSONS.values(), ids=lambda p: p.name)
def test_the_step_numbers_in_the_alt_text_are_in_the_text(path):
    """A screenshot framed with step N belongs to a text that names step N."""
    markdown = _markdown(path)
    for alt in re.findall(r"!\[([^\]]*)\]\(\.\./book/images/napari/", markdown):
        for number in re.findall(r"(?:number|step) (\d)", alt):
            assert re.search(rf"\*\*(?:Step )?{number}[.:]|step {number}", markdown), (path.name, alt)


@pytest.mark.parametrize("path", LESSONS.values(), ids=lambda p: p.name)
def test_every_image_link_resolves_from_notebooks(path):
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", _markdown(path))
    assert links
    for link in links:
        assert (path.parent / link).resolve().is_file(), link


def test_course_script_makefile_and_readme_give_the_screenshot_command():
    """`make screenshots` calls `course.py screenshots`, which runs the tool under xvfb-run."""
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^[a-z -]*\bscreenshots\b[a-z -]*:\n\t\$\(PYTHON\) course.py \$@", makefile, re.M)
    course = (ROOT / "course.py").read_text()
    assert re.search(r'"screenshots":.*\n.*"xvfb-run".*\n.*"tools/napari_screenshots.py"', course)
    assert "course.py screenshots" in (ROOT / "README.md").read_text()


def test_the_screenshot_marks_are_drawn_inside_the_picture():
    from PIL import Image

    tool = _screenshot_tool()
    image = tool.draw_marks(Image.new("RGB", (100, 40)), [((0, 0, 150, 20), 1), ((50, 5, 90, 30), 2, "right")],
                            origin=(0, 0))
    pixels = np.asarray(image)
    assert (pixels == tool.MARK).all(axis=-1).any()  # the frames and badges are orange
    assert (pixels[:, -1] == 0).all()  # a frame wider than the picture is clipped inside it


# --- segcourse.napari_tools: the screen check and the Qt event loop -------------------------------------------------

def test_napari_tools_imports_neither_napari_nor_qt():
    import subprocess
    import sys

    probe = ("import sys, segcourse.napari_tools, segcourse.lessons.napari_annotation, "
             "segcourse.lessons.napari_workflows\n"
             "print(sorted(m for m in ('napari', 'qtpy', 'PyQt6') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "[]", result.stderr


def test_check_screen_without_display_raises_a_clear_error(monkeypatch):
    monkeypatch.setattr(napari_tools.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(RuntimeError, match="xvfb-run"):
        napari_tools.check_screen()


def test_check_screen_reports_a_broken_display(monkeypatch):
    monkeypatch.setattr(napari_tools.sys, "platform", "linux")
    monkeypatch.setattr(napari_tools, "_QT_PROBE", "raise SystemExit('could not connect to display')")
    monkeypatch.setenv("DISPLAY", ":4242")
    with pytest.raises(RuntimeError, match="Qt cannot open a window"):
        napari_tools.check_screen()


def _run_with_lost_wakeups(keep_responsive: bool, timeout: float):
    """Run a notebook whose kernel never hears Qt's signal for its shell socket: the missed wake-up behind the
    napari lessons' rare hang, made certain by giving ipykernel a socket notifier on a pipe nobody writes to. Then
    only ipykernel's look at the socket when it enters Qt's loop (or our poll) finds the next cell. Returns the
    printed text, or None when a cell timed out."""
    import os

    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError

    setup = ("%gui qt\nimport os\nfrom qtpy.QtCore import QSocketNotifier\n\n"
             "never_readable, _ = os.pipe()\n"
             "get_ipython().kernel._qt_notifier = QSocketNotifier(never_readable, QSocketNotifier.Type.Read)\n")
    if keep_responsive:
        setup += "from segcourse import napari_tools\n\nnapari_tools.keep_kernel_responsive()\n"
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


# --- the Xvfb plugin -------------------------------------------------------------------------------------------

def test_plugin_knows_which_notebooks_need_a_screen():
    assert xvfb_plugin.needs_display(NOTEBOOK) and xvfb_plugin.needs_display(WORKFLOWS)
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
