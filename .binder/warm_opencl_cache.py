"""Fill pocl's OpenCL kernel cache while the Binder image is built (run by .binder/postBuild).

pyclesperanto-prototype compiles each OpenCL kernel the first time a process uses it: on a CPU that takes
seconds per kernel, and a lesson uses dozens. pocl keeps compiled kernels in ``$POCL_CACHE_DIR`` (default
``~/.cache/pocl/kcache``), which on Binder becomes part of the image. Kernels are compiled per operation, image
dimension and pixel type, so the surest way to compile exactly the ones the lessons use is to run the code of
every lesson that uses pyclesperanto-prototype once, in a fresh course kernel (installed just before by
`course.py jupyter-setup`). Nothing is saved: the notebooks stay as
they are and the lessons' output files go to a temporary folder that is removed afterwards. Lessons that open a
napari window are left out (they need a screen). A lesson that fails is reported but does not fail the build:
the course still works, its first run is only slower.

    python .binder/warm_opencl_cache.py          # run them
    python .binder/warm_opencl_cache.py --list   # list the lessons it would run
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEEDS_DISPLAY = "napari.Viewer("


def code_of(path: Path) -> str:
    import nbformat
    notebook = nbformat.read(path, as_version=4)
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")


def lessons_to_warm() -> list[Path]:
    """Lessons that use pyclesperanto-prototype and need no screen."""
    chosen = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        code = code_of(path)
        if "pyclesperanto_prototype" in code and NEEDS_DISPLAY not in code:
            chosen.append(path)
    return chosen


def warm(path: Path) -> tuple[float, int]:
    """Run the lesson's code once; returns (seconds, cells that raised)."""
    import nbformat
    from nbclient import NotebookClient
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=1800, kernel_name="segcourse", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    errors = sum(1 for cell in notebook.cells if cell.cell_type == "code"
                 for output in cell.get("outputs", []) if output.output_type == "error")
    return time.perf_counter() - start, errors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="only list the lessons it would run")
    args = parser.parse_args(argv)
    lessons = lessons_to_warm()
    if args.list:
        print("\n".join(path.name for path in lessons))
        return 0
    output = tempfile.mkdtemp(prefix="segcourse-warm-")
    os.environ["SEGCOURSE_OUTPUT"] = output
    os.environ.pop("MPLBACKEND", None)
    try:
        for path in lessons:
            try:
                seconds, errors = warm(path)
            except Exception as error:  # a dead kernel, a timeout: report, go on
                print(f"warm-up of {path.name} failed: {type(error).__name__}: {error}", file=sys.stderr)
                continue
            note = f", {errors} cell(s) raised an error" if errors else ""
            print(f"OpenCL kernels of {path.name} compiled and cached ({seconds:.0f} s{note})", flush=True)
    finally:
        shutil.rmtree(output, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
