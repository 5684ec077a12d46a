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
    folder.mkdir(parents=True, exist_ok=True)
    return folder
