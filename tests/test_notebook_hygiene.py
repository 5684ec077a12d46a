"""What nbval does not check: saved lessons follow CONTRIBUTING.md, are complete, clean and run top to bottom."""
import importlib
import json
import re
from pathlib import Path

import pytest

from segcourse.timing import MAX_MINUTES, read_lesson

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ALL_NOTEBOOKS = NOTEBOOKS + [ROOT / "notebooks" / "START_HERE.ipynb"]
SLOW_IMPORTS = ["napari", "napari_segment_blobs_and_things_with_membranes", "napari_process_points_and_surfaces",
                "the_segmentation_game", "apoc", "vedo"]
SOLUTION = re.compile(r"<details>\s*<summary>\s*Solution\s*</summary>\s*```python\n(.*?)```\s*</details>", re.DOTALL)
lesson_ids = dict(ids=lambda p: p.name)


def cells(path):
    return json.loads(path.read_text())["cells"]


def text_of(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def is_setup_check(path):
    return path.name.startswith("00_")


@pytest.mark.parametrize("path", NOTEBOOKS, **lesson_ids)
def test_lesson_header_and_key_points(path):
    header = text_of(cells(path)[0])
    assert re.match(r"#\s*\d\d\s", header), "first cell: '# NN Title'"
    for part in ["**Questions**", "**Objectives**", "**Prerequisites**", "**Time**"]:
        assert part in header, f"{path.name}: the first cell lacks {part} (see CONTRIBUTING.md)"
    markdown = "\n".join(text_of(c) for c in cells(path) if c["cell_type"] == "markdown")
    assert re.search(r"^##\s*Key points", markdown, re.MULTILINE), f"{path.name} lacks '## Key points'"


@pytest.mark.parametrize("path", NOTEBOOKS, **lesson_ids)
def test_time_follows_the_rule(path):
    lesson = read_lesson(path)
    assert lesson.stated_minutes == lesson.minutes, (
        f"{path.name} states {lesson.stated_minutes} minutes; the rule in segcourse.timing gives {lesson.minutes} "
        f"({lesson.words} words, {lesson.code_cells} code cells, {lesson.slider_cells} with sliders, exercises "
        f"{lesson.exercise_minutes} min): write '**Time**: about {lesson.minutes} minutes'")
    assert lesson.minutes <= MAX_MINUTES, f"{path.name} takes {lesson.minutes} minutes: split it (one idea per lesson)"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, **lesson_ids)
def test_no_myst_only_syntax(path):
    """JupyterLab shows MyST directives as plain text (solutions in plain view): plain Markdown and <details> only."""
    for index, cell in enumerate(cells(path)):
        if cell["cell_type"] == "markdown":
            text = text_of(cell)
            found = re.findall(r"(?::::*|```+)\s*\{[a-z-]+\}|\{(?:dropdown|admonition|tab-set|tab-item)\}", text)
            assert not found, f"{path.name} cell {index}: MyST-only syntax {found}; use <details> (CONTRIBUTING.md)"


@pytest.mark.parametrize("path", NOTEBOOKS, **lesson_ids)
def test_exercises_through_the_lesson(path):
    all_cells = cells(path)
    checks = [i for i, c in enumerate(all_cells) if c["cell_type"] == "code" and ".check(" in text_of(c)]
    wanted = 1 if is_setup_check(path) else 2
    assert len(checks) >= wanted, f"{path.name}: {len(checks)} checked exercise(s); at least {wanted}"
    if not is_setup_check(path):
        assert checks[0] < len(all_cells) / 2, f"{path.name}: the first exercise must come in the first half"
    code = "\n".join(text_of(c) for c in all_cells if c["cell_type"] == "code")
    assert re.search(r"from segcourse\.lessons import \w+ as exercises", code), (
        f"{path.name}: import the lesson's exercises as `exercises` (CONTRIBUTING.md)")
    for index in checks:
        source = text_of(all_cells[index])
        assert re.search(r"=\s*None\b", source), f"{path.name} cell {index}: save exercise cells unattempted (None)"
    headings = re.findall(r"^#{2,4}\s*Exercise[^\n]*", "\n".join(text_of(c) for c in all_cells
                                                                    if c["cell_type"] == "markdown"), re.MULTILINE)
    for heading in headings:
        assert re.search(r"\(\d+\s*min\)", heading), f"{path.name}: '{heading}' states no time, e.g. '(5 min)'"


@pytest.mark.parametrize("path", NOTEBOOKS, **lesson_ids)
def test_solutions_are_hidden_and_equal_to_solution(path):
    """Each exercise cell is followed by a collapsed <details> solution whose code is the exercise's solution()."""
    all_cells = cells(path)
    code = "\n".join(text_of(c) for c in all_cells if c["cell_type"] == "code")
    module = re.search(r"from segcourse\.lessons import (\w+) as exercises", code)
    if module is None:
        pytest.fail(f"{path.name}: no `from segcourse.lessons import <topic> as exercises`")
    exercises = importlib.import_module(f"segcourse.lessons.{module.group(1)}")
    for index, cell in enumerate(all_cells):
        names = re.findall(r"exercises\.(\w+)\.check\(", text_of(cell)) if cell["cell_type"] == "code" else []
        for name in names:
            following = next((text_of(c) for c in all_cells[index + 1:] if c["cell_type"] == "markdown"), "")
            match = SOLUTION.search(following)
            assert match, f"{path.name} cell {index}: put the solution of {name} in a <details> block right after it"
            expected = getattr(exercises, name).solution_text.strip()
            assert match.group(1).strip() == expected, f"{path.name}: the hidden solution of {name} differs " \
                                                       "from exercises.{name}.solution_text"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, **lesson_ids)
def test_code_lines_fit_the_book(path):
    for index, cell in enumerate(cells(path)):
        if cell["cell_type"] == "code":
            long = [line for line in text_of(cell).splitlines() if len(line) > 88]
            assert not long, f"{path.name} cell {index}: lines over 88 characters are cut off in the book: {long[0]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, **lesson_ids)
def test_first_code_cell_imports_only_fast_libraries(path):
    """A learner waits for the first cell: slow imports (napari's Qt layer: 2-4 s) happen where first used."""
    first = next(text_of(c) for c in cells(path) if c["cell_type"] == "code")
    slow = [name for name in SLOW_IMPORTS if re.search(rf"^\s*(import|from)\s+{name}\b", first, re.MULTILINE)]
    assert not slow, f"{path.name}: the first code cell imports {slow}; import them where the lesson first uses them"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, **lesson_ids)
def test_executed_top_to_bottom_in_one_kernel(path):
    counts = [c["execution_count"] for c in cells(path) if c["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name} was not run top to bottom in a fresh kernel"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, **lesson_ids)
def test_saved_with_the_course_kernel(path):
    assert json.loads(path.read_text())["metadata"]["kernelspec"]["name"] == "segcourse"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, **lesson_ids)
def test_outputs_are_clean(path):
    for index, cell in enumerate(cells(path)):
        for output in cell.get("outputs", []):
            where = f"{path.name} cell {index}"
            assert output["output_type"] != "error", where
            assert not (output["output_type"] == "stream" and output["name"] == "stderr"), f"{where}: stderr"
            data = output.get("data", {})
            plain = "".join(data.get("text/plain", "")) + "".join(output.get("text", ""))
            # a matplotlib figure saved as text only: the picture was lost (ipykernel's first-figure bug)
            assert not (plain.startswith("<Figure") and "image/png" not in data), f"{where}: figure has no image"
            assert not re.match(r"<(matplotlib|Axes)", plain), f"{where}: a stray object repr ({plain[:40]!r})"
            blob = json.dumps(output)
            for pattern in ["/tmp/", "/work/", "/root/", "/home/", "warnings generated", "Warning:",
                            "made image", "StackViewNDArray"]:
                assert pattern not in blob, f"{where}: output contains {pattern!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, **lesson_ids)
def test_every_picture_has_alt_text(path):
    for index, cell in enumerate(cells(path)):
        has_picture = any("image/png" in o.get("data", {}) for o in cell.get("outputs", []))
        if has_picture:
            alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt) > 10, f"{path.name} cell {index} shows an image without alt text (mystnb.image.alt)"
