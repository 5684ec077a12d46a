"""The lessons in order, with the time a learner working alone needs for each, by one written rule.

    >>> from segcourse.timing import lessons
    >>> [(lesson.number, lesson.title, lesson.minutes) for lesson in lessons()][:2]

The rule (also in CONTRIBUTING.md; the lesson headers, the README, the book's landing page and the instructor
notes state the times it gives, and the tests keep them equal):

- reading: the main text at 150 words per minute (a learner reading technical text in a second language, and
  looking back at figures); text inside collapsed ``<details>`` blocks (solutions, "Going further", notes for
  those who attended the lecture) is optional and not counted;
- code: 30 seconds per code cell (read it, run it, look at its output), 2 minutes for a cell with sliders
  (``segcourse.explore``); cells tagged ``going-further`` are optional and not counted;
- exercises: the minutes each exercise's heading states, e.g. ``## Exercise 1: count the nuclei (5 min)``;
- the sum, rounded up to a multiple of 5 minutes.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Lesson", "lessons", "read_lesson", "estimate_minutes", "notebooks_folder",
           "WORDS_PER_MINUTE", "MINUTES_PER_CELL", "MINUTES_PER_SLIDER", "MAX_MINUTES"]

WORDS_PER_MINUTE = 150
MINUTES_PER_CELL = 0.5
MINUTES_PER_SLIDER = 2.0
MAX_MINUTES = 25
OPTIONAL_TAG = "going-further"

DETAILS = re.compile(r"<details\b.*?</details>", re.DOTALL | re.IGNORECASE)
EXERCISE_HEADING = re.compile(r"^#{2,4}\s*(Exercise[^\n]*?)\((\d+)\s*min\)", re.MULTILINE)
TIME_LINE = re.compile(r"\*\*Time\*\*:\s*(?:about\s+)?(\d+)\s*min", re.IGNORECASE)
TITLE = re.compile(r"^#\s*(\d\d)\s+(.+)$", re.MULTILINE)
EXERCISE_MODULE = re.compile(r"from segcourse\.lessons import (\w+) as exercises")
EXERCISE_CALL = re.compile(r"exercises\.(\w+)\.check\(")


@dataclass
class Lesson:
    """What the start page, the book and the tests need to know about one lesson notebook."""
    path: Path
    number: str
    title: str
    stated_minutes: int | None
    words: int
    code_cells: int
    slider_cells: int
    exercise_minutes: list[int] = field(default_factory=list)
    exercises: list[str] = field(default_factory=list)   # progress ids, "<module>.<exercise>", in order

    @property
    def minutes(self) -> int:
        """The time by the rule (what the header must state)."""
        return estimate_minutes(self.words, self.code_cells, self.slider_cells, self.exercise_minutes)

    @property
    def reading_and_code_minutes(self) -> int:
        return self.minutes - sum(self.exercise_minutes)


def estimate_minutes(words: int, code_cells: int, slider_cells: int, exercise_minutes: list[int]) -> int:
    raw = (words / WORDS_PER_MINUTE + (code_cells - slider_cells) * MINUTES_PER_CELL
           + slider_cells * MINUTES_PER_SLIDER + sum(exercise_minutes))
    return max(5, 5 * math.ceil(raw / 5 - 1e-9))


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def read_lesson(path: Path) -> Lesson:
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    first = _source(cells[0]) if cells else ""
    title = TITLE.search(first)
    stated = TIME_LINE.search(first)
    words = code = sliders = 0
    exercise_minutes, module, names = [], None, []
    for cell in cells:
        text = _source(cell)
        if cell["cell_type"] == "markdown":
            exercise_minutes += [int(minutes) for _, minutes in EXERCISE_HEADING.findall(DETAILS.sub("", text))]
            words += len(re.findall(r"[A-Za-z0-9µ]+(?:[-'][A-Za-z0-9]+)*", DETAILS.sub("", text)))
        elif cell["cell_type"] == "code":
            module = module or (EXERCISE_MODULE.search(text) or [None, None])[1]
            names += [name for name in EXERCISE_CALL.findall(text) if name not in names]
            if OPTIONAL_TAG in cell.get("metadata", {}).get("tags", []):
                continue
            code += 1
            sliders += "segcourse.explore(" in text
    return Lesson(path=Path(path), number=title.group(1) if title else Path(path).name[:2],
                  title=title.group(2).strip() if title else Path(path).stem,
                  stated_minutes=int(stated.group(1)) if stated else None, words=words, code_cells=code,
                  slider_cells=sliders, exercise_minutes=exercise_minutes,
                  exercises=[f"{module}.{name}" for name in names] if module else [])


def notebooks_folder() -> Path:
    """The course's notebooks folder: the working directory if it holds the lessons (a learner's copy on a
    JupyterHub), else the one beside this package (a clone with the package installed from it)."""
    here = Path.cwd()
    for candidate in (here, here / "notebooks", Path(__file__).resolve().parents[2] / "notebooks"):
        if any(candidate.glob("[0-9][0-9]_*.ipynb")):
            return candidate
    raise FileNotFoundError("Cannot find the course's notebooks folder: open this notebook from the course's "
                            "notebooks/ folder.")


def lessons(folder: Path | None = None) -> list[Lesson]:
    """Every lesson notebook (NN_name.ipynb) in order."""
    folder = Path(folder) if folder else notebooks_folder()
    return [read_lesson(path) for path in sorted(folder.glob("[0-9][0-9]_*.ipynb"))]
