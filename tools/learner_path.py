"""The learner's path on a fresh computer, as CI walks it on macOS and Windows: the setup-check notebook, then every
lesson that opens no window, each in a fresh course kernel ("segcourse"), top to bottom, nothing saved.

    python course.py learner-path                   # run them (or: .venv/bin/python tools/learner_path.py)
    python course.py learner-path --list            # only list the lessons it would run
    python course.py learner-path --require-opencl  # a machine without an OpenCL device fails
    python course.py learner-path notebooks/0[0-2]_*.ipynb   # only these (still only those on the path)

Which lessons: notebooks/NN_*.ipynb whose code opens no window: no napari viewer (`napari.Viewer(`) and no Qt
event loop (`%gui qt`, `QApplication(`). The rule reads the notebooks, so a new lesson is picked up with no edit
here. Importing Qt (nppas, the segmentation game) needs no window and is part of the path.

Without --require-opencl, a machine with no OpenCL device (a Mac in a virtual machine, like GitHub's macOS runners:
Apple's OpenCL there has no GPU and no CPU device) passes as long as the setup check names that as the only
problem and every lesson that fails does so only for want of OpenCL; the summary lists those lessons. Any other
error fails. Outputs are not compared with the saved ones: device names and last digits differ between platforms
(the tests compare them on Linux).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OPENS_A_WINDOW = ("napari.Viewer(", "%gui qt", "QApplication(")
OPENCL_MISSING = re.compile(r"clGetPlatformIDs|clGetDeviceIDs|PLATFORM_NOT_FOUND|DEVICE_NOT_FOUND|NoOpenCLDeviceError"
                            r"|No OpenCL device")
CELL_TIMEOUT = 900  # seconds; a lesson's slowest cell on a 2-core CPU with a cold OpenCL cache is about a minute


def code_of(path: Path) -> str:
    import json
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")


def lessons(folder: Path = ROOT / "notebooks") -> list[Path]:
    """The lessons on the path, in order: those whose code opens no window."""
    return [path for path in sorted(folder.glob("[0-9][0-9]_*.ipynb"))
            if not any(marker in code_of(path) for marker in OPENS_A_WINDOW)]


def run(path: Path) -> dict:
    """Execute a lesson in a fresh course kernel; returns seconds, error (ename, evalue) or None, stderr, texts."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, kernel_name="segcourse", timeout=CELL_TIMEOUT,
                            resources={"metadata": {"path": str(path.parent)}})
    start, error = time.perf_counter(), None
    try:
        client.execute()
    except CellExecutionError as failure:
        error = (failure.ename, failure.evalue)
    except Exception as failure:  # a dead kernel, a timeout
        error = (type(failure).__name__, str(failure))
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])]
    texts = [output.get("text") or output.get("data", {}).get("text/plain", "") for output in outputs]
    stderr = [output.text for output in outputs if output.output_type == "stream" and output.name == "stderr"]
    return {"seconds": time.perf_counter() - start, "error": error, "stderr": stderr, "texts": texts}


def setup_report(texts: list[str]) -> str | None:
    return next((text for text in texts if "Ready for the course." in text or "Not ready yet" in text), None)


def only_opencl_is_missing(report: str) -> bool:
    """The setup check found no OpenCL device and nothing else wrong."""
    lines = report.splitlines()
    return (any(line.startswith("OpenCL: ") for line in lines) and not any(line.startswith("Problem: ") for line in lines)
            and not any(" missing" in line or "DAMAGED" in line for line in lines))


def walk(paths: list[Path], require_opencl: bool) -> tuple[bool, list[tuple[str, str]]]:
    """Run the lessons; returns (passed, rows of (lesson, result)) and prints as it goes."""
    passed, no_opencl, rows = True, False, []
    for path in paths:
        result = run(path)
        seconds, error = result["seconds"], result["error"]
        report = setup_report(result["texts"])
        if report:
            print(report, flush=True)
            if "Not ready yet" in report:
                if only_opencl_is_missing(report) and not require_opencl:
                    no_opencl = True
                else:
                    passed = False
                    rows.append((path.name, "the setup check is not ready (see the log)"))
        if error is None:
            outcome = f"ran in {seconds:.0f} s"
        elif no_opencl and OPENCL_MISSING.search(f"{error[0]}: {error[1]}"):
            outcome = f"stopped for want of OpenCL after {seconds:.0f} s ({error[0]}), as expected on this machine"
        else:
            passed = False
            outcome = f"FAILED after {seconds:.0f} s: {error[0]}: {error[1][:2000]}"
        if result["stderr"]:
            outcome += f"; stderr: {' | '.join(text.strip()[:300] for text in result['stderr'])}"
        rows.append((path.name, outcome))
        print(f"{path.name}: {outcome}", flush=True)
    return passed, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="only list the lessons it would run")
    parser.add_argument("--require-opencl", action="store_true", help="fail when there is no OpenCL device")
    parser.add_argument("notebooks", nargs="*", type=Path, help="only these lessons (default: all on the path)")
    args = parser.parse_args(argv)
    paths = [path for path in lessons() if not args.notebooks
             or any(path.resolve() == wanted.resolve() for wanted in args.notebooks)]
    if args.list:
        print("\n".join(path.name for path in paths))
        return 0
    output = tempfile.mkdtemp(prefix="segcourse-learner-path-")
    os.environ["SEGCOURSE_OUTPUT"] = output  # lessons write their files here, not to ~/segcourse-output
    try:
        passed, rows = walk(paths, args.require_opencl)
    finally:
        shutil.rmtree(output, ignore_errors=True)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as file:
            file.write("| lesson | result |\n|---|---|\n"
                       + "".join(f"| {name} | {outcome.replace('|', '/')} |\n" for name, outcome in rows))
    print("learner's path: " + ("passed" if passed else "FAILED"))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
