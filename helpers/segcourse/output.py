"""Where lessons write files: a per-user folder, never the course's data/ or notebooks/."""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["output_dir"]


def output_dir(lesson: str | None = None) -> Path:
    """``$SEGCOURSE_OUTPUT`` or ``~/segcourse-output``, created if needed; a sub-folder per lesson if given."""
    folder = Path(os.environ.get("SEGCOURSE_OUTPUT") or Path.home() / "segcourse-output")
    if lesson:
        folder = folder / lesson
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".segcourse-write-test"
        probe.write_bytes(b"")  # an existing folder may still be read-only: find out now, not mid-lesson
        probe.unlink()
    except OSError as error:  # a read-only home, or SEGCOURSE_OUTPUT pointing at a file
        raise type(error)(f"Cannot write to the folder for lesson outputs, {folder} ({error.strerror or error}). "
                          "Set SEGCOURSE_OUTPUT to a folder you can write to, e.g. "
                          "`export SEGCOURSE_OUTPUT=/tmp/segcourse-output`, then restart the kernel.") from error
    return folder
