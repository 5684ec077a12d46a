"""Execute lessons top to bottom in a fresh kernel and save them with their outputs.

    python tools/execute_notebooks.py                 # every notebook
    python tools/execute_notebooks.py notebooks/03_*.ipynb

Each notebook runs twice: the first run fills the OpenCL kernel cache (pocl prints compile
messages to the C-level stderr on a cold cache), the second run is the one saved. The saved
notebook must have no errors and no stderr output (warnings are noise for a learner).
"""
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def execute(path: Path, runs: int = 2) -> nbformat.NotebookNode:
    env_output = tempfile.mkdtemp(prefix="segcourse-execute-")
    os.environ["SEGCOURSE_OUTPUT"] = env_output
    for _ in range(runs):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        client = NotebookClient(notebook, timeout=900, kernel_name="segcourse",
                                resources={"metadata": {"path": str(path.parent)}})
        client.execute()
    return notebook


def clean(notebook: nbformat.NotebookNode) -> list[str]:
    problems = []
    for index, cell in enumerate(notebook.cells):
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            if output.output_type == "error":
                problems.append(f"cell {index}: {output.ename}: {output.evalue}")
            if output.output_type == "stream" and output.name == "stderr":
                problems.append(f"cell {index}: stderr: {output.text[:200]!r}")
    notebook.metadata.pop("widgets", None)
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = {"display_name": "Image segmentation course", "language": "python",
                                      "name": "segcourse"}
    return problems


def main(paths):
    paths = [Path(p) for p in paths] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    failed = False
    for path in paths:
        start = time.perf_counter()
        notebook = execute(path)
        problems = clean(notebook)
        if problems:
            failed = True
            print(f"NOT SAVED {path.name}:\n  " + "\n  ".join(problems))
            continue
        nbformat.write(notebook, path)
        print(f"saved {path.name} ({time.perf_counter() - start:.1f} s for two runs)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
