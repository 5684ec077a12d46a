"""Execute lessons top to bottom in fresh kernels, as a new learner would, and save them with their outputs.

    python tools/execute_notebooks.py                 # every notebook
    python tools/execute_notebooks.py notebooks/03_*.ipynb

Each notebook runs twice in the course kernel, which sees a new, empty home directory and no XDG_* overrides.
The first run is a learner's first day (napari has no plugin cache, pocl compiles every OpenCL kernel, matplotlib
builds its font cache, Qt and napari have no settings); the second run finds those caches filled. As in
JupyterLab, the kernel also captures what C libraries write to stdout and stderr. A notebook is saved (from the
second run) only if both runs give the same outputs, compared as nbval compares them (tests/sanitize.cfg), with no
errors and no stderr output. tests/test_fresh_home.py uses the same functions.
"""
from __future__ import annotations

import copy
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbval.plugin import coalesce_streams, get_sanitize_patterns, transform_streams_for_comparison

ROOT = Path(__file__).resolve().parents[1]
SANITIZE = ROOT / "tests" / "sanitize.cfg"
# Not compared, as in nbval: images (checked by value in the tests), widget model ids, counts, metadata.
SKIP_COMPARE = {"metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
                "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg"}


def kernel_env(home: Path) -> dict[str, str]:
    """The environment of a new learner's kernel: this one, with an empty home and no XDG_* directories.

    PYTEST_CURRENT_TEST goes too: with it, ipykernel does not capture C-level output (JupyterLab's kernel does)."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("XDG_") and name != "PYTEST_CURRENT_TEST"}
    env["HOME"] = str(home)
    env.setdefault("SEGCOURSE_OUTPUT", tempfile.mkdtemp(prefix="segcourse-execute-"))
    return env


def run(path: Path, home: Path, timeout: float = 600) -> nbformat.NotebookNode:
    """Execute a notebook top to bottom in a fresh course kernel whose HOME is `home`; returns it with outputs."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(notebook, timeout=timeout, kernel_name="segcourse", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=kernel_env(home))
    return notebook


def comparable(outputs: list, patterns: list[tuple[str, str]] | None = None) -> dict[str, list]:
    """A cell's outputs as nbval compares them: streams merged, sanitized, keyed by stream name or MIME type."""
    import re

    if patterns is None:
        patterns = get_sanitize_patterns(SANITIZE.read_text())

    def sanitize(value):
        if isinstance(value, str):
            for regex, replace in patterns:
                value = re.sub(regex, replace, value)
        return value

    result = defaultdict(list)
    for output in transform_streams_for_comparison(coalesce_streams(copy.deepcopy(list(outputs)))):
        for key, value in output.items():
            if key == "data":
                for mime, data in value.items():
                    if mime not in SKIP_COMPARE:
                        result[mime].append(sanitize(data))
            elif key not in SKIP_COMPARE:
                result[key].append(sanitize(value))
    return dict(result)


def differences(expected: nbformat.NotebookNode, actual: nbformat.NotebookNode) -> list[str]:
    """Code cells whose outputs differ (as nbval sees them), described in a few lines each."""
    patterns = get_sanitize_patterns(SANITIZE.read_text())
    found = []
    code_cells = zip([c for c in expected.cells if c.cell_type == "code"],
                     [c for c in actual.cells if c.cell_type == "code"])
    for number, (left, right) in enumerate(code_cells):
        if "nbval-ignore-output" in left.metadata.get("tags", []):
            continue  # nbval does not compare it either (the cell says why)
        a, b = comparable(left.outputs, patterns), comparable(right.outputs, patterns)
        if a != b:
            detail = "; ".join(f"{key}: {a.get(key)!r:.300} != {b.get(key)!r:.300}"
                               for key in sorted(set(a) | set(b)) if a.get(key) != b.get(key))
            found.append(f"code cell {number} ({left.source.splitlines()[0][:60] if left.source else ''}): "
                         f"{detail}")
    return found


def problems(notebook: nbformat.NotebookNode) -> list[str]:
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            if output.output_type == "error":
                found.append(f"cell {index}: {output.ename}: {output.evalue}")
            if output.output_type == "stream" and output.name == "stderr":
                found.append(f"cell {index}: stderr: {output.text[:200]!r}")
    return found


def clean(notebook: nbformat.NotebookNode) -> None:
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    notebook.metadata.pop("widgets", None)
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = {"display_name": "Image segmentation course", "language": "python",
                                      "name": "segcourse"}


def execute(path: Path) -> tuple[nbformat.NotebookNode, list[str]]:
    """First and second run under one new empty home; returns the second run and what is wrong with it."""
    home = Path(tempfile.mkdtemp(prefix="segcourse-home-"))
    try:
        first = run(path, home)
        second = run(path, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    found = [f"first run, {line}" for line in problems(first)] + [f"second run, {line}" for line in problems(second)]
    found += [f"first run differs from the second: {line}" for line in differences(first, second)]
    if any("warnings generated." in line for line in found):
        found.append("(pocl printed its OpenCL compiler's warnings on the first run, as JupyterLab shows a new "
                     "learner; the course kernel needs POCL_EXTRA_BUILD_FLAGS=-w in its environment: course.py "
                     "kernel_env, or export it before running this tool)")
    return second, found


def main(paths):
    paths = [Path(p) for p in paths] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    failed = False
    for path in paths:
        start = time.perf_counter()
        notebook, found = execute(path)
        if found:
            failed = True
            print(f"NOT SAVED {path.name}:\n  " + "\n  ".join(found))
            continue
        clean(notebook)
        nbformat.write(notebook, path)
        print(f"saved {path.name} ({time.perf_counter() - start:.1f} s for two runs)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
