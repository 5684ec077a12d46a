"""The course runs from a read-only checkout, and running a lesson leaves the repository as it was.

A classroom often serves the course from a shared, read-only folder (a JupyterHub image, a Binder, a lab
server), so a lesson must never write next to itself: not into data/, notebooks/ or helpers/. Lessons write only
to ``segcourse.output_dir(...)`` (``$SEGCOURSE_OUTPUT`` or ``~/segcourse-output``).

- ``test_lessons_run_from_a_read_only_copy`` copies notebooks/, helpers/ and data/ (not .venv) to a temporary
  folder, removes every write permission (``chmod -R a-w``), and runs two lessons there in fresh kernels
  (nbclient, this venv): the setup check, which reads every data file, and the first lesson that writes files
  (it calls ``output_dir``). ``PYTHONPATH`` points at the copy's helpers, so the copy's ``segcourse`` and its
  data folder are used (checked from inside the kernel). Afterwards no file or folder in the copy was added,
  removed or changed, and the written files are in ``SEGCOURSE_OUTPUT``. As root, permissions do not stop a
  write, so the before/after comparison is what catches one; Python's own bytecode cache is switched off
  (``PYTHONDONTWRITEBYTECODE``) because in a real read-only checkout Python skips writing it silently.
- ``test_running_a_lesson_leaves_git_status_unchanged`` runs that lesson in the repository itself and compares
  ``git status --porcelain`` before and after (the tree need not be clean).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NEEDS_DISPLAY = "napari.Viewer("


def lessons() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def code_of(path: Path) -> str:
    notebook = nbformat.read(path, as_version=4)
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")


def writing_lesson() -> Path | None:
    """The first lesson that writes files (calls output_dir) and needs no screen."""
    for path in lessons():
        source = code_of(path)
        if "output_dir(" in source and NEEDS_DISPLAY not in source:
            return path
    return None


def representative_lessons() -> list[Path]:
    chosen = sorted((ROOT / "notebooks").glob("00_*.ipynb"))[:1]
    writer = writing_lesson()
    if writer is not None:
        chosen.append(writer)
    return chosen


def run_notebook(path: Path, extra_code: str = "") -> nbformat.NotebookNode:
    """Run a notebook top to bottom in a fresh kernel (inheriting os.environ); optionally one more cell."""
    notebook = nbformat.read(path, as_version=4)
    if extra_code:
        notebook.cells.append(nbformat.v4.new_code_cell(extra_code))
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return notebook


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder below folder: relative path -> sha256 (files) or 'dir'."""
    entries = {}
    for path in sorted(folder.rglob("*")):
        relative = str(path.relative_to(folder))
        entries[relative] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return entries


def set_writable(folder: Path, writable: bool) -> None:
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat().st_mode
        if writable:
            path.chmod(mode | stat.S_IWUSR)
        else:
            path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


WHERE_AM_I = ("import json, segcourse, segcourse.data; "
              "print('SEGCOURSE-PATHS', json.dumps([segcourse.__file__, str(segcourse.data.data_dir())]))")


def printed_paths(notebook) -> list[str]:
    for output in notebook.cells[-1].outputs:
        if output.get("name") == "stdout" and "SEGCOURSE-PATHS" in output.text:
            return json.loads(output.text.split("SEGCOURSE-PATHS", 1)[1])
    raise AssertionError("the kernel did not report where segcourse came from")


@pytest.fixture
def read_only_copy(tmp_path):
    copy = tmp_path / "course"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints")
    for folder in ("notebooks", "helpers", "data"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=ignore)
    set_writable(copy, False)
    yield copy
    set_writable(copy, True)  # so that pytest can remove tmp_path


def test_lessons_run_from_a_read_only_copy(read_only_copy, tmp_path, monkeypatch):
    output = tmp_path / "output"
    # A learner's kernel has no MPLBACKEND (matplotlib's inline backend); with MPLBACKEND=Agg in the caller's env,
    # matplotlib 3.8 under IPython 9 fails at the first figure (ImportError: backend2gui).
    monkeypatch.delenv("MPLBACKEND", raising=False)
    monkeypatch.setenv("SEGCOURSE_OUTPUT", str(output))
    monkeypatch.setenv("PYTHONPATH", str(read_only_copy / "helpers"))
    monkeypatch.delenv("SEGCOURSE_DATA", raising=False)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    before = snapshot(read_only_copy)
    chosen = representative_lessons()
    assert chosen, "no lessons found"
    for lesson in chosen:
        notebook = run_notebook(read_only_copy / "notebooks" / lesson.name, extra_code=WHERE_AM_I)
        module_file, data_folder = printed_paths(notebook)
        assert Path(module_file).is_relative_to(read_only_copy / "helpers"), module_file
        assert Path(data_folder) == read_only_copy / "data"
    after = snapshot(read_only_copy)
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(path for path in set(before) & set(after) if before[path] != after[path])
    assert not (added or removed or changed), f"the lessons wrote into the course: added {added}, " \
                                              f"removed {removed}, changed {changed}"
    if writing_lesson() is not None:
        written = [p for p in output.rglob("*") if p.is_file()]
        assert written, f"{writing_lesson().name} calls output_dir but wrote nothing to SEGCOURSE_OUTPUT"
        lesson_folders = {p.relative_to(output).parts[0] for p in written}
        assert all(folder[:2].isdigit() for folder in lesson_folders), lesson_folders


def git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_running_a_lesson_leaves_git_status_unchanged(tmp_path, monkeypatch):
    monkeypatch.setenv("SEGCOURSE_OUTPUT", str(tmp_path / "output"))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    lesson = writing_lesson() or representative_lessons()[0]
    before = git_status()
    run_notebook(lesson)
    after = git_status()
    assert after == before, f"running {lesson.name} changed the repository:\nbefore:\n{before}\nafter:\n{after}"
