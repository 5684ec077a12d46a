"""The learner's progress record: written when an exercise is checked, shown on the start page, never lost.

The record lives in the learner's output folder (tests/conftest.py gives each test its own); a damaged file is set
aside, not overwritten; an unwritable folder never stops an exercise from being checked.
"""
import json
import os
from pathlib import Path

import pytest

from segcourse import progress
from segcourse.exercises import NumberExercise
from segcourse.timing import lessons

ROOT = Path(__file__).resolve().parents[1]
exercise = NumberExercise("demo.count", expected=64)


def saved():
    return json.loads(progress.progress_file().read_text())["exercises"]


def test_missing_file_means_nothing_started():
    assert not progress.progress_file().exists()
    assert progress.load() == ({}, None)
    report = progress.show(ROOT / "notebooks")
    assert all(row.status == "not started" for row in report.rows)
    assert "You solved 0 of" in report.summary()


def test_not_attempted_is_not_recorded():
    exercise.check(None)
    assert not progress.progress_file().exists()


def test_attempts_then_solved():
    exercise.check(63)
    assert saved()["demo.count"]["status"] == "attempted"
    exercise.check(64)
    exercise.check(63)  # a later wrong answer does not undo a solved exercise
    entry = saved()["demo.count"]
    assert entry["status"] == "solved" and entry["attempts"] == 3


@pytest.mark.parametrize("damage", ["{not json", "[1, 2]", '{"exercises": 3}', "\x00\xff"])
def test_damaged_file_is_kept_aside_with_a_message(damage):
    path = progress.progress_file()
    path.write_bytes(damage.encode("latin-1"))
    feedback = exercise.check(64)
    assert feedback.correct
    assert "could not be read" in feedback.message and "progress-damaged-" in feedback.message
    backups = list(path.parent.glob("progress-damaged-*.json"))
    assert len(backups) == 1 and backups[0].read_bytes() == damage.encode("latin-1")  # nothing lost
    assert saved()["demo.count"]["status"] == "solved"


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder the progress record cannot be written to, for any user."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    if os.geteuid() != 0:
        return folder
    # root (CI) ignores permission bits; a folder under a regular file cannot be made by root either
    # (NotADirectoryError, an OSError as PermissionError is)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder's parent should be")
    return blocker / "output"


def test_unwritable_folder_still_checks(tmp_path, monkeypatch):
    monkeypatch.setenv("SEGCOURSE_OUTPUT", str(unwritable_folder(tmp_path)))
    feedback = exercise.check(64)
    assert feedback.correct and "progress was not saved" in feedback.message


def test_unwritable_file_still_checks(monkeypatch):
    def refuse(exercises):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(progress, "_save", refuse)
    feedback = exercise.check(64)
    assert feedback.correct and "progress was not saved" in feedback.message


def test_reset_keeps_a_backup():
    assert "Nothing to reset" in progress.reset()
    exercise.check(64)
    message = progress.reset()
    assert "progress-before-reset-" in message and not progress.progress_file().exists()
    backup = next(progress.progress_file().parent.glob("progress-before-reset-*.json"))
    assert json.loads(backup.read_text())["exercises"]["demo.count"]["status"] == "solved"


def test_show_counts_a_lessons_exercises():
    lesson = next((lesson for lesson in lessons(ROOT / "notebooks") if lesson.exercises), None)
    if lesson is None:
        pytest.skip("no lesson imports its exercises as `exercises` yet")
    module, name = lesson.exercises[0].split(".")
    path = progress.progress_file()
    path.write_text(json.dumps({"version": 1, "exercises": {lesson.exercises[0]: {"status": "solved",
                                                                                   "attempts": 1}}}))
    report = progress.show(ROOT / "notebooks")
    row = next(row for row in report.rows if row.number == lesson.number)
    assert row.solved == 1 and row.status in ("started", "done")
    assert f"Next: {lesson.number}" in report.summary() or row.status == "done"
    assert "<table>" in report._repr_html_() and lesson.path.name in report._repr_html_()


def test_each_learner_has_their_own_record(tmp_path, monkeypatch):
    """On a JupyterHub every learner's output folder is in their own home."""
    for learner in ("ada", "ben"):
        monkeypatch.delenv("SEGCOURSE_OUTPUT", raising=False)
        monkeypatch.setenv("HOME", str(tmp_path / learner))
        exercise.check(64 if learner == "ada" else 1)
    assert json.loads((tmp_path / "ada/segcourse-output/progress.json").read_text())["exercises"]["demo.count"][
        "status"] == "solved"
    assert json.loads((tmp_path / "ben/segcourse-output/progress.json").read_text())["exercises"]["demo.count"][
        "status"] == "attempted"


def test_the_start_page_shows_the_progress_table():
    cells = json.loads((ROOT / "notebooks" / "START_HERE.ipynb").read_text())["cells"]
    code = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    assert "segcourse.progress.show()" in code and "segcourse.progress.reset()" in code


def test_existing_read_only_output_folder_is_named_at_once(tmp_path, monkeypatch):
    """An output folder that exists but cannot be written fails in output_dir() with the fix, not mid-lesson."""
    import pathlib
    from segcourse import output_dir
    monkeypatch.setenv("SEGCOURSE_OUTPUT", str(tmp_path))
    (tmp_path / "18_measuring_objects").mkdir()

    def refuse(self, data):
        raise PermissionError(13, "Permission denied", str(self))
    monkeypatch.setattr(pathlib.Path, "write_bytes", refuse)
    with pytest.raises(PermissionError, match="Set SEGCOURSE_OUTPUT to a folder you can write to"):
        output_dir("18_measuring_objects")
