"""Each lesson runs on its own, in a fresh kernel, in any order.

The argument, and what is tested where:

- Python state: nbval (``pytest notebooks/``) runs every notebook in its own fresh kernel, top to bottom, and
  compares every output. So no lesson depends on variables, imports or settings left by another: that part
  needs no extra test.
- Order: the only things that outlive a kernel are files. pocl's OpenCL kernel cache changes speed, never
  results. The course data is read-only (``segcourse.load`` verifies checksums; tests/test_data.py and
  tests/test_readonly.py show nothing writes there). That leaves the lessons' own output files: nbval runs the
  lessons in one order with one shared ``SEGCOURSE_OUTPUT``, so a lesson that read a file an earlier lesson
  wrote would pass nbval and fail for a learner who starts with it. The static checks below rule that out:
  each lesson writes only into its own output folder (``output_dir("NN_...")`` with its own number), names no
  other lesson's folder or notebook, loads course data only by dataset name (no paths into data/), and shares
  no variables between kernels (no ``%store``, ``%run``). tests/test_readonly.py runs a writing lesson from an
  empty output folder, which shows it reads back only what it wrote itself.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

import segcourse

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SHARING_MAGICS = {"store", "run", "load", "loadpy", "bookmark"}


def parsed_code(path: Path) -> ast.Module:
    """All code cells of a notebook as one Python module (IPython magics turned into get_ipython() calls)."""
    notebook = nbformat.read(path, as_version=4)
    transformer = TransformerManager()
    cells = [transformer.transform_cell(cell.source) for cell in notebook.cells if cell.cell_type == "code"]
    return ast.parse("\n".join(cells), filename=str(path))


def called_name(node: ast.Call) -> str:
    function = node.func
    if isinstance(function, ast.Attribute):
        return function.attr
    if isinstance(function, ast.Name):
        return function.id
    return ""


def calls(tree: ast.Module, name: str) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and called_name(node) == name]


def string_constants(tree: ast.Module) -> list[str]:
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def output_folders(path: Path) -> list[str]:
    return [call.args[0].value for call in calls(parsed_code(path), "output_dir")
            if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)]


def data_file_names() -> set[str]:
    lines = (ROOT / "data" / "SHA256SUMS").read_text().splitlines()
    relative = {line.split(maxsplit=1)[1].strip() for line in lines if line.strip()}
    return relative | {Path(p).name for p in relative}


def names_file(text: str, name: str) -> bool:
    """True if the text holds the file name as a whole name (a lesson's own "two_blobs.tif" is not "blobs.tif")."""
    return re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])", text) is not None


@pytest.fixture(scope="module")
def all_output_folders() -> dict[str, list[str]]:
    return {path.name: output_folders(path) for path in LESSONS}


def test_there_are_lessons():
    assert LESSONS


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_each_lesson_writes_only_to_its_own_output_folder(lesson):
    number = lesson.name[:2]
    for call in calls(parsed_code(lesson), "output_dir"):
        assert len(call.args) == 1 and not call.keywords, \
            f"{lesson.name} line {call.lineno}: call output_dir with one folder name, e.g. output_dir(\"{lesson.stem}\")"
        argument = call.args[0]
        assert isinstance(argument, ast.Constant) and isinstance(argument.value, str), \
            f"{lesson.name} line {call.lineno}: output_dir's folder must be written out, e.g. \"{lesson.stem}\""
        assert argument.value.startswith(f"{number}_") and "/" not in argument.value \
            and ".." not in argument.value, \
            f"{lesson.name} writes to output_dir({argument.value!r}); use its own folder, \"{number}_...\""


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_no_lesson_names_another_lessons_files(lesson, all_output_folders):
    others = set()
    for path in LESSONS:
        if path != lesson:
            others |= {path.name, path.stem, *all_output_folders[path.name]}
    own = {lesson.stem, *all_output_folders[lesson.name]}
    others -= own
    for text in string_constants(parsed_code(lesson)):
        named = sorted(name for name in others if name in text)
        assert not named, f"{lesson.name} refers to another lesson's files ({named}) in {text[:80]!r}"


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_course_data_is_loaded_by_name_only(lesson):
    files = data_file_names()
    tree = parsed_code(lesson)
    for text in string_constants(tree):
        assert not re.search(r"(^|[/\\])data[/\\]", text), \
            f"{lesson.name} uses a path into data/ ({text[:80]!r}); load course data with segcourse.load(name)"
        named = sorted(name for name in files if names_file(text, name))
        assert not named, f"{lesson.name} names the data file(s) {named}; load them with segcourse.load(name)"
    known = set(segcourse.dataset_names())
    for call in calls(tree, "load"):
        if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str) \
                and "/" not in call.args[0].value and called_name(call) == "load" \
                and isinstance(call.func, ast.Attribute) and getattr(call.func.value, "id", "") == "segcourse":
            assert call.args[0].value in known, f"{lesson.name}: unknown dataset {call.args[0].value!r}"


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_no_variables_shared_between_kernels(lesson):
    for call in calls(parsed_code(lesson), "run_line_magic") + calls(parsed_code(lesson), "run_cell_magic"):
        if call.args and isinstance(call.args[0], ast.Constant):
            assert call.args[0].value not in SHARING_MAGICS, \
                f"{lesson.name} line {call.lineno} uses %{call.args[0].value}: each lesson must stand alone"


def test_the_checks_catch_a_lesson_that_reads_another_lessons_output(tmp_path, all_output_folders):
    """The static checks are not vacuous: a made-up lesson 99 that reads a real lesson's output folder is caught."""
    folders = [folder for names in all_output_folders.values() for folder in names]
    if not folders:
        pytest.skip("no lesson writes files yet")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        f"import segcourse\nmesh = segcourse.output_dir({folders[0]!r}) / 'surface.ply'")])
    fake = tmp_path / "99_fake.ipynb"  # a number no lesson has, so every lesson's folder is another's
    nbformat.write(notebook, fake)
    with pytest.raises(AssertionError, match="use its own folder"):
        test_each_lesson_writes_only_to_its_own_output_folder(fake)


@pytest.mark.parametrize("text, caught", [
    ("blobs.tif", True), ("../data/blobs.tif", True), ("C:\\course\\blobs.tif", True), ("open blobs.tif now", True),
    ("two_blobs.tif", False), ("blobs.tiff", False), ("my-blobs.tif", False)])
def test_a_data_file_is_named_only_as_a_whole_name(text, caught):
    assert names_file(text, "blobs.tif") is caught
