"""Your progress through the course: which exercises you solved, tried or not started yet.

Every ``exercises.<name>.check(answer)`` records its result in ``progress.json`` in your output folder
(``~/segcourse-output``, or ``$SEGCOURSE_OUTPUT``): on your machine, or in your own home on a class's JupyterHub,
never in the course folder. The start page (``notebooks/START_HERE.ipynb``) shows it:

    >>> import segcourse.progress
    >>> segcourse.progress.show()     # the learning path with minutes and your progress
    >>> segcourse.progress.reset()    # start again (the old record is kept as a backup file)

A damaged progress file is never overwritten: it is renamed to ``progress-damaged-<time>.json`` and a new record
starts, with a message that says so.
"""
from __future__ import annotations

import html
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["record", "load", "show", "reset", "progress_file", "ProgressError"]

FILE_NAME = "progress.json"
VERSION = 1


class ProgressError(RuntimeError):
    """The progress file cannot be read or written; the message says why and what to do."""


def progress_file() -> Path:
    from .output import output_dir
    return output_dir() / FILE_NAME


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")


def _set_aside(path: Path, reason: str) -> str:
    backup = path.with_name(f"progress-damaged-{time.strftime('%Y%m%d-%H%M%S')}.json")
    path.replace(backup)
    return (f"Your progress file could not be read ({reason}); it was kept as {backup.name} in "
            f"{path.parent} and a new record was started.")


def load() -> tuple[dict, str | None]:
    """(record, note): the exercises recorded so far, and a note if the file had to be set aside."""
    path = progress_file()
    if not path.exists():
        return {}, None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("exercises"), dict):
            raise ValueError("it is not a course progress record")
        return data["exercises"], None
    except (ValueError, UnicodeDecodeError) as error:  # damaged: keep it aside, never overwrite it
        return {}, _set_aside(path, str(error).split("\n")[0][:80])
    except OSError as error:
        raise ProgressError(f"Cannot read your progress file {path} ({error.strerror or error}).") from None


def _save(exercises: dict) -> None:
    path = progress_file()
    text = json.dumps({"version": VERSION, "exercises": exercises}, indent=1, sort_keys=True) + "\n"
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".progress-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)  # atomic: a crash never leaves half a file
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def record(name: str, correct: bool) -> str | None:
    """Record one checked answer. Returns a note for the learner when something went wrong, else None.

    Progress is a convenience: a folder that cannot be written never stops an exercise from being checked.
    """
    try:
        exercises, note = load()
        entry = exercises.setdefault(name, {"status": "attempted", "attempts": 0, "first": _now()})
        entry["attempts"] += 1
        entry["last"] = _now()
        if correct and entry["status"] != "solved":
            entry["status"], entry["solved"] = "solved", _now()
        _save(exercises)
        return note
    except (OSError, ProgressError) as error:
        return f"your progress was not saved: {error}"


def reset() -> str:
    """Start a new record; the old one is kept as progress-before-reset-<time>.json."""
    path = progress_file()
    if not path.exists():
        return "Nothing to reset: no exercise has been checked yet."
    backup = path.with_name(f"progress-before-reset-{time.strftime('%Y%m%d-%H%M%S')}.json")
    path.replace(backup)
    return f"Progress reset. The old record is kept as {backup.name} in {path.parent}."


@dataclass
class LessonProgress:
    number: str
    title: str
    file: str
    minutes: int
    solved: int
    attempted: int
    total: int

    @property
    def status(self) -> str:
        if self.total and self.solved == self.total:
            return "done"
        if self.solved or self.attempted:
            return "started"
        return "not started"


class Progress:
    """The learning path with each lesson's minutes and your exercises; a table in a notebook."""

    ICONS = {"done": "✅ done", "started": "◐ started", "not started": "○ not started"}

    def __init__(self, rows: list[LessonProgress], note: str | None):
        self.rows, self.note = rows, note

    @property
    def next_lesson(self) -> LessonProgress | None:
        return next((row for row in self.rows if row.status != "done"), None)

    def summary(self) -> str:
        solved = sum(row.solved for row in self.rows)
        total = sum(row.total for row in self.rows)
        minutes = sum(row.minutes for row in self.rows)
        left = sum(row.minutes for row in self.rows if row.status != "done")
        text = (f"{len(self.rows)} lessons, about {minutes} minutes in all. You solved {solved} of {total} "
                f"exercises; about {left} minutes to go.")
        if self.next_lesson and (solved or any(row.attempted for row in self.rows)):
            text += f" Next: {self.next_lesson.number} {self.next_lesson.title}."
        return text

    def __repr__(self) -> str:
        lines = [self.summary()] + ([self.note] if self.note else [])
        for row in self.rows:
            lines.append(f"{row.number}  {row.title:45.45s} {row.minutes:3d} min  "
                         f"{row.solved}/{row.total} solved  {row.status}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><td>{row.number}</td><td style=\"text-align:left\"><a href=\"{html.escape(row.file)}\">{html.escape(row.title)}</a></td>"
            f"<td style=\"text-align:right\">{row.minutes}</td>"
            f"<td style=\"text-align:right\">{row.solved} of {row.total}</td>"
            f"<td>{self.ICONS[row.status]}</td></tr>" for row in self.rows)
        note = f"<p><strong>Note:</strong> {html.escape(self.note)}</p>" if self.note else ""
        return (f"<p>{html.escape(self.summary())}</p>{note}<table><thead><tr><th scope=\"col\">#</th>"
                "<th scope=\"col\" style=\"text-align:left\">lesson</th><th scope=\"col\">minutes</th><th scope=\"col\">exercises solved</th>"
                f"<th scope=\"col\">status</th></tr></thead><tbody>{body}</tbody></table>")


def show(folder: Path | None = None) -> Progress:
    """The learning path with minutes per lesson and your progress (see the module's docstring)."""
    from .timing import lessons
    try:
        exercises, note = load()
    except ProgressError as error:
        exercises, note = {}, str(error)
    rows = []
    for lesson in lessons(folder):
        states = [exercises.get(name, {}).get("status") for name in lesson.exercises]
        rows.append(LessonProgress(number=lesson.number, title=lesson.title, file=lesson.path.name,
                                   minutes=lesson.minutes, solved=states.count("solved"),
                                   attempted=states.count("attempted"), total=len(lesson.exercises)))
    return Progress(rows, note)
