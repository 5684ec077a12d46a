"""Measure the course on this machine and compare with its targets.

    python tools/benchmark.py                  # everything: a few minutes on 2 cores
    python tools/benchmark.py --quick          # skip the cold-cache course run and the book build
    python tools/benchmark.py --notebooks 'notebooks/03_*.ipynb' --json /tmp/bench.json

What it measures (all on the machine it runs on):

- every lesson slider, found by running the lessons: a first cell wraps ``segcourse.explore.Explorer.__init__``
  in the lesson's own kernel and records each explorer the lesson creates (no list to keep by hand). After the
  lesson has run, each slider is swept through all its values: the live step (``Explorer.compute``: the
  function plus the PNG the widget draws, p50/p95) and the time to precompute the static book slider on a fresh
  Explorer (``Explorer.precompute``);
- pyclesperanto-prototype on the OpenCL device vs nsbatwm/scikit-image for the same operations, 2D and 3D;
- the whole course, every notebook in a fresh kernel (nbclient), with an empty OpenCL kernel cache
  (``POCL_CACHE_DIR`` = a new temporary folder) and then warm; the peak memory (max RSS) of each lesson's kernel;
- import time of ``segcourse`` and of the course stack, each in a fresh process;
- the book build (``tools/build_book.py``), then how soon each of its pages is ready: DOMContentLoaded of a first
  visit (empty cache) with the CPU slowed down 4x, per page type, target 1 s (``--only book-pages`` runs this
  section alone on an existing build, ``--book-html DIR``);
- the size of ``.venv``, and what fits in a classroom machine.

It prints a table with the targets (PASS/MISS) and writes everything as JSON (default
``benchmark-results.json`` at the repository root, git-ignored). Benchmarks are not tests: a MISS never fails
anything; the exit status is non-zero only if the benchmark itself could not run.
"""
from __future__ import annotations

import argparse
import asyncio
import glob
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable

TARGETS = {
    "slider_2d_p95_ms": 100.0,
    "slider_3d_p95_ms": 1000.0,
    "course_warm_s": 180.0,
    "course_cold_s": 360.0,
    "book_build_s": 120.0,
    "import_segcourse_s": 1.0,
    "first_cell_s": 2.0,
    "book_page_dcl_ms": 1000.0,
}
ANSI_COLOURS = re.compile(r"\x1b\[[0-9;]*m")
CLASSROOM_RAM_GB = 24
CLASSROOM_RESERVED_GB = 2.0   # operating system, JupyterHub proxy and hub, page cache headroom

COURSE_STACK = {
    "segcourse": "segcourse",
    "pyclesperanto_prototype": "cle",
    "napari_segment_blobs_and_things_with_membranes": "nsbatwm",
    "napari_process_points_and_surfaces": "nppas",
    "the_segmentation_game": "the_segmentation_game",
    "stackview": "stackview",
}

# --------------------------------------------------------------------------------------- code run in kernels
# Cell 0 of every lesson (slider run only): record every Explorer the lesson creates, with its arguments.
HOOK_CELL = """\
import importlib
_benchmark_explore = importlib.import_module("segcourse.explore")  # the package also exports a function `explore`
_benchmark_created = []
_benchmark_original_init = _benchmark_explore.Explorer.__init__
def _benchmark_recording_init(self, *args, **kwargs):
    _benchmark_original_init(self, *args, **kwargs)
    _benchmark_created.append((args, kwargs))
_benchmark_explore.Explorer.__init__ = _benchmark_recording_init
"""

# After the lesson: the kernel's peak memory, before anything the benchmark itself does.
MEMORY_CELL = """\
import json as _benchmark_json, resource as _benchmark_resource, sys as _benchmark_sys
_benchmark_kb = _benchmark_resource.getrusage(_benchmark_resource.RUSAGE_SELF).ru_maxrss
_benchmark_mb = _benchmark_kb / 1024 if _benchmark_sys.platform != "darwin" else _benchmark_kb / 2**20
with open(__RESULT_PATH__, "w") as _benchmark_file:
    _benchmark_json.dump({"peak_rss_mb": _benchmark_mb}, _benchmark_file)
"""

# After the lesson: sweep every recorded slider in the lesson's own (warm) kernel.
SLIDER_CELL = """\
def _benchmark_sliders(path):
    import inspect, json, time
    import numpy as np
    Explorer = _benchmark_explore.Explorer
    Explorer.__init__ = _benchmark_original_init
    results = []
    for index, (args, kwargs) in enumerate(_benchmark_created):
        entry = {"index": index}
        try:
            fresh = Explorer(*args, **dict(kwargs, precompute=False))
            entry.update(title=fresh.title, sliders={k: [str(v) for v in o] for k, o in fresh.sliders.items()},
                         frames=len(list(fresh.settings())),
                         image_shape=list(np.shape(fresh.image)), kind=fresh.kind)
            function = fresh.function
            entry["function"] = (getattr(function, "__module__", None) or "") + "." + getattr(
                function, "__qualname__", getattr(function, "__name__", "?"))
            try:
                source = inspect.getsource(function)
            except (OSError, TypeError):
                source = ""
            entry["uses_cle"] = entry["function"].startswith("pyclesperanto") or "cle." in source
            start = time.perf_counter()
            fresh.precompute()
            entry["book_precompute_s"] = time.perf_counter() - start
            live = Explorer(*args, **dict(kwargs, precompute=False))
            middle = {name: options[len(options) // 2] for name, options in live.sliders.items()}
            # the widget draws the middle setting when it appears: not a slider step, so not timed
            result = live.function(live.image, **live.fixed, **middle)
            entry["result_ndim"] = int(np.ndim(np.asarray(result)))
            live.compute(**middle)
            steps = []
            for setting in live.settings():
                start = time.perf_counter()
                live.compute(**setting)
                steps.append(time.perf_counter() - start)
            steps_ms = np.array(steps) * 1000
            entry.update(steps_ms=[round(float(s), 3) for s in steps_ms],
                         p50_ms=float(np.percentile(steps_ms, 50)), p95_ms=float(np.percentile(steps_ms, 95)),
                         max_ms=float(steps_ms.max()))
        except Exception as error:  # report, do not stop the other sliders
            entry["error"] = f"{type(error).__name__}: {error}"
        results.append(entry)
    with open(path, "w") as file:
        json.dump(results, file)
_benchmark_sliders(__RESULT_PATH__)
"""


# ------------------------------------------------------------------------------------------------ helpers
def lesson_notebooks(patterns: list[str] | None = None) -> list[Path]:
    """The lessons that exist now (notebooks/NN_*.ipynb), or those matching the given patterns."""
    if patterns:
        found = sorted({Path(p).resolve() for pattern in patterns for p in glob.glob(pattern)})
    else:
        found = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    return found


def notebook_source(path: Path) -> str:
    import nbformat
    notebook = nbformat.read(path, as_version=4)
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")


def needs_display(path: Path) -> bool:
    return "napari.Viewer" in notebook_source(path) or "napari.viewer.Viewer" in notebook_source(path)


class VirtualDisplay:
    """An Xvfb server for lessons that open a napari window (16, 17), if no display is set."""

    def __init__(self):
        self.process = None
        self.previous = os.environ.get("DISPLAY")

    def __enter__(self):
        if self.previous or not shutil.which("Xvfb"):
            return self
        for number in range(90, 140):
            if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
                break
        self.process = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not Path(f"/tmp/.X11-unix/X{number}").exists():
            time.sleep(0.1)
        os.environ["DISPLAY"] = f":{number}"
        return self

    def __exit__(self, *exc):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            if self.previous is None:
                os.environ.pop("DISPLAY", None)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# ---------------------------------------------------------------------------------------- the course runs
async def _run_notebook(path: Path, scratch: Path, measure_sliders: bool, timeout: int) -> dict:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, DeadKernelError, CellTimeoutError

    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    lesson_cells = list(notebook.cells)
    record = {"notebook": path.name}
    hook = nbformat.v4.new_code_cell(HOOK_CELL) if measure_sliders and "explore" in notebook_source(path) else None
    memory_path = scratch / f"{path.stem}.memory.json"
    slider_path = scratch / f"{path.stem}.sliders.json"
    extra = [nbformat.v4.new_code_cell(MEMORY_CELL.replace("__RESULT_PATH__", repr(str(memory_path))))]
    if hook is not None:
        extra.append(nbformat.v4.new_code_cell(SLIDER_CELL.replace("__RESULT_PATH__", repr(str(slider_path)))))
    # The lesson's first code cell runs first, alone, so that its time is what a learner waits for after opening
    # the lesson (the slider hook imports segcourse, which would make it look faster).
    first = next((i for i, cell in enumerate(lesson_cells) if cell.cell_type == "code"), None)
    if first is not None and hook is not None:
        lesson_cells = lesson_cells[:first + 1] + [hook] + lesson_cells[first + 1:]
    notebook.cells = lesson_cells + extra
    client = NotebookClient(notebook, timeout=timeout, kernel_name="segcourse",
                            resources={"metadata": {"path": str(path.parent)}})
    client.reset_execution_trackers()
    start = time.perf_counter()
    hook_seconds = 0.0
    async with client.async_setup_kernel(stderr=subprocess.DEVNULL):  # ipykernel's start-up notice
        try:
            current = None
            for index, cell in enumerate(lesson_cells):
                current = cell
                cell_start = time.perf_counter()
                await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
                if cell is hook:
                    hook_seconds = time.perf_counter() - cell_start
                elif index == first:
                    record["first_cell_s"] = time.perf_counter() - cell_start
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
            if isinstance(error, CellExecutionError):
                summary = f"{error.ename}: {ANSI_COLOURS.sub('', str(error.evalue))}"
            elif isinstance(error, CellTimeoutError):
                summary = f"cell timed out after {timeout} s"
            else:
                summary = "the kernel died"
            first_line = (current.source.strip().splitlines() or [""])[0] if current is not None else ""
            record["error"] = f"{summary} (in the cell starting {first_line[:60]!r})"[:300]
            dead = isinstance(error, DeadKernelError)
        else:
            dead = False
        record["seconds"] = time.perf_counter() - start - hook_seconds
        if not dead:
            for offset, cell in enumerate(extra):
                try:
                    await client.async_execute_cell(cell, len(notebook.cells) - len(extra) + offset,
                                                    execution_count=client.code_cells_executed + 1)
                except Exception as error:  # the lesson ran; only this measurement is missing
                    record.setdefault("measurement_error", f"{type(error).__name__}: "
                                                           f"{str(error).strip().splitlines()[0]}"[:200])
                    break
    if memory_path.exists():
        record.update(json.loads(memory_path.read_text()))
    if slider_path.exists():
        record["sliders"] = json.loads(slider_path.read_text())
    return record


def run_course(notebooks: list[Path], cache_dir: str | None, measure_sliders: bool, label: str,
               timeout: int = 900) -> dict:
    """Every notebook in a fresh kernel, one after the other; pocl's kernel cache in cache_dir if given."""
    saved = {name: os.environ.get(name) for name in ("POCL_CACHE_DIR", "SEGCOURSE_OUTPUT")}
    scratch = Path(tempfile.mkdtemp(prefix="segcourse-benchmark-"))
    if cache_dir:
        os.environ["POCL_CACHE_DIR"] = cache_dir
    os.environ["SEGCOURSE_OUTPUT"] = str(scratch / "output")
    records = []
    try:
        with VirtualDisplay() if any(needs_display(p) for p in notebooks) else _nothing():
            for path in notebooks:
                print(f"  [{label}] {path.name} ...", end="", flush=True)
                record = asyncio.run(_run_notebook(path, scratch, measure_sliders, timeout))
                print(f" {record['seconds']:.1f} s" + (f"  ERROR {record['error']}" if "error" in record else ""),
                      flush=True)
                records.append(record)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(scratch, ignore_errors=True)
    total = sum(r["seconds"] for r in records)
    return {"total_s": total, "complete": all("error" not in r for r in records), "notebooks": records,
            "cache_dir": cache_dir or os.environ.get("POCL_CACHE_DIR") or "~/.cache/pocl/kcache (pocl default)"}


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# ------------------------------------------------------------------------------------ cle versus nsbatwm
def backends_worker(out: str) -> None:
    """Run in a fresh process: each operation through cle (OpenCL) and nsbatwm (scikit-image), 2D and 3D."""
    import numpy as np
    import pyclesperanto_prototype as cle
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    from scipy import ndimage as ndi
    from skimage.morphology import ball, disk
    import segcourse

    def erode_labels_scipy(labels, radius):
        footprint = disk(radius) if labels.ndim == 2 else ball(radius)
        low = ndi.minimum_filter(labels, footprint=footprint)
        high = ndi.maximum_filter(labels, footprint=footprint)
        return np.where(low == high, labels, 0)

    images = {"2D blobs": segcourse.load("blobs"), "3D neubias_nuclei_3d": segcourse.load("neubias_nuclei_3d")}
    results = {"device": cle.get_device().name, "rows": []}
    for data_name, image in images.items():
        labels = np.asarray(nsbatwm.voronoi_otsu_labeling(image, spot_sigma=3.5, outline_sigma=1)).astype(np.uint32)
        three = image.ndim == 3
        operations = [
            ("gaussian_blur (sigma 2)",
             lambda: cle.gaussian_blur(image, sigma_x=2, sigma_y=2, sigma_z=2 if three else 0),
             lambda: nsbatwm.gaussian_blur(image, sigma=2), "nsbatwm"),
            ("threshold_otsu",
             lambda: cle.threshold_otsu(image), lambda: nsbatwm.threshold_otsu(image), "nsbatwm"),
            ("gauss_otsu_labeling (outline_sigma 2)",
             lambda: cle.gauss_otsu_labeling(image, outline_sigma=2),
             lambda: nsbatwm.gauss_otsu_labeling(image, outline_sigma=2), "nsbatwm"),
            ("voronoi_otsu_labeling (3.5, 1)",
             lambda: cle.voronoi_otsu_labeling(image, spot_sigma=3.5, outline_sigma=1),
             lambda: nsbatwm.voronoi_otsu_labeling(image, spot_sigma=3.5, outline_sigma=1), "nsbatwm"),
            ("dilate labels (radius 2)",
             lambda: cle.dilate_labels(labels, radius=2), lambda: nsbatwm.expand_labels(labels, distance=2),
             "nsbatwm expand_labels"),
            ("erode labels (radius 1)",
             lambda: cle.erode_labels(labels, radius=1), lambda: erode_labels_scipy(labels, 1),
             "scipy min/max filter"),
        ]
        repeats = 3 if three else 7
        for name, cle_call, cpu_call, cpu_name in operations:
            row = {"operation": name, "data": data_name, "cpu_backend": cpu_name}
            for key, call in (("cle", lambda: cle.pull(cle_call())), ("cpu", lambda: np.asarray(cpu_call()))):
                try:
                    start = time.perf_counter()
                    call()
                    row[f"{key}_first_ms"] = (time.perf_counter() - start) * 1000
                    times = []
                    for _ in range(repeats):
                        start = time.perf_counter()
                        call()
                        times.append((time.perf_counter() - start) * 1000)
                    row[f"{key}_ms"] = statistics.median(times)
                except Exception as error:
                    row[f"{key}_error"] = f"{type(error).__name__}: {error}"[:200]
            if "cle_ms" in row and "cpu_ms" in row:
                row["ratio_cle_over_cpu"] = row["cle_ms"] / max(row["cpu_ms"], 1e-6)
                row["use"] = "cle" if row["cle_ms"] < row["cpu_ms"] else "nsbatwm/scikit-image"
            results["rows"].append(row)
    Path(out).write_text(json.dumps(results))


def run_worker(kind: str, timeout: int = 600) -> dict:
    with tempfile.TemporaryDirectory(prefix="segcourse-benchmark-") as folder:
        out = Path(folder) / "out.json"
        process = subprocess.run([PYTHON, __file__, "--worker", kind, "--worker-out", str(out)], cwd=ROOT,
                                 capture_output=True, text=True, timeout=timeout)
        if process.returncode != 0 or not out.exists():
            return {"error": (process.stderr or process.stdout).strip().splitlines()[-1:] or ["failed"]}
        return json.loads(out.read_text())


# ----------------------------------------------------------------------------------------- import times
def import_seconds(module: str, repeats: int = 2) -> dict:
    code = (f"import time; start = time.perf_counter(); import {module}; "
            "print(time.perf_counter() - start)")
    env = dict(os.environ, MPLBACKEND=os.environ.get("MPLBACKEND", "Agg"))
    times = []
    for _ in range(repeats):
        process = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
        if process.returncode != 0:
            return {"error": (process.stderr.strip().splitlines() or ["failed"])[-1][:200]}
        times.append(float(process.stdout.strip().splitlines()[-1]))
    return {"first_s": times[0], "median_s": statistics.median(times)}


def measure_imports() -> dict:
    results = {"segcourse": import_seconds("segcourse", repeats=3)}
    results["course stack together"] = import_seconds(", ".join(m for m in COURSE_STACK if m != "segcourse"))
    for module, name in COURSE_STACK.items():
        if module != "segcourse":
            results[name] = import_seconds(module, repeats=1)
    return results


# ------------------------------------------------------------------------------- book, disk, jupyter server
def measure_book() -> dict:
    script = ROOT / "tools" / "build_book.py"
    if not script.exists():
        return {"status": "n/a (tools/build_book.py does not exist yet)"}
    start = time.perf_counter()
    process = subprocess.run([PYTHON, str(script)], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    result = {"seconds": seconds, "returncode": process.returncode}
    if process.returncode != 0:
        result["error"] = ((process.stderr or process.stdout).strip().splitlines() or ["failed"])[-1][:300]
    return result


def folder_size_bytes(folder: Path) -> int | None:
    if not folder.exists():
        return None
    if shutil.which("du"):
        process = subprocess.run(["du", "-sk", str(folder)], capture_output=True, text=True)
        if process.returncode == 0:
            return int(process.stdout.split()[0]) * 1024
    total = 0
    for base, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(base, name)).st_blocks * 512
            except OSError:
                pass
    return total


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure_server_memory() -> dict:
    """Resident memory of an idle JupyterLab server (each learner on a JupyterHub has one)."""
    import psutil
    import urllib.request

    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="segcourse-benchmark-lab-") as folder:
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=folder)
        process = subprocess.Popen([PYTHON, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                                    "--IdentityProvider.token=benchmark", "--allow-root",
                                    f"--notebook-dir={ROOT / 'notebooks'}"], env=env, cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token=benchmark", timeout=2).read()
                    break
                except OSError:
                    time.sleep(0.5)
            else:
                return {"error": "JupyterLab did not answer within 60 s"}
            time.sleep(1)
            server = psutil.Process(process.pid)
            rss = server.memory_info().rss + sum(c.memory_info().rss for c in server.children(recursive=True))
            return {"idle_server_rss_mb": rss / 2**20}
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def machine_info() -> dict:
    import psutil
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    return {"system": f"{platform.system()} {platform.machine()}", "cpu": cpu, "cores": cores,
            "ram_gb": psutil.virtual_memory().total / 2**30, "python": platform.python_version()}


# ------------------------------------------------------------------------------------------ book page load
BOOK_PAGE_SLOWDOWN = 4        # Chrome DevTools' CPU throttling: a slow laptop or a phone
BOOK_PAGE_LOADS = 3           # fresh loads per page; the median is compared with the target
BOOK_PAGE_VIEWPORT = {"width": 1366, "height": 768}


def book_page_type(path: str) -> str:
    if path == "book/intro.html":
        return "landing page"
    if path.startswith("notebooks/"):
        return "lesson"
    if path == "search.html":
        return "search"
    return "book page"


def measure_book_pages(html: Path, loads: int = BOOK_PAGE_LOADS) -> dict:
    """DOMContentLoaded of every page of the built book (tools/build_book.py), as a reader's first visit: served
    from 127.0.0.1, an empty cache (a new browser context for every load), the CPU slowed down 4x. Each page is
    loaded `loads` times; the median is compared with the target. An empty page under the same conditions and the
    machine's load average say how busy the machine was."""
    sys.path.insert(0, str(ROOT / "tools"))
    sys.path.insert(0, str(ROOT / "tests"))
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    import build_book
    from browser import CHROMIUM, CHROMIUM_ARGS   # the browser tests' Chromium and flags
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        return {"status": f"skipped: playwright is not installed ({error})"}
    if not CHROMIUM.exists():
        return {"status": f"skipped: {CHROMIUM} not found (Debian: apt-get install chromium)"}
    if not (html / "book" / "intro.html").exists():
        return {"status": f"skipped: no built book in {html} (make book)"}

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format, *args):
            pass

    def first_visit(browser, url: str) -> float:
        context = browser.new_context(viewport=BOOK_PAGE_VIEWPORT, service_workers="block")
        try:
            page = context.new_page()
            context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": BOOK_PAGE_SLOWDOWN})
            page.goto(url, wait_until="load")
            return page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
        finally:
            context.close()

    pages = [p.relative_to(html).as_posix() for p in build_book.site_pages(html) if p.name != "index.html"
             or p.parent != html]
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{server.server_address[1]}"
    load_before = os.getloadavg()
    results = {"slowdown": BOOK_PAGE_SLOWDOWN, "loads": loads, "viewport": BOOK_PAGE_VIEWPORT, "pages": {}}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            try:
                results["empty_page_ms"] = [first_visit(browser, "data:text/html,<!doctype html><title>e</title>")
                                            for _ in range(loads)]
                for path in pages:
                    times = [first_visit(browser, f"{site}/{path}") for _ in range(loads)]
                    results["pages"][path] = {"type": book_page_type(path), "dcl_ms": times,
                                              "median_ms": statistics.median(times), "best_ms": min(times),
                                              "html_bytes": (html / path).stat().st_size}
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    results["load_average"] = {"before": load_before, "after": os.getloadavg()}
    results["cores"] = machine_info()["cores"]
    return results


def format_book_pages(section: dict) -> list[str]:
    lines = [f"Book page load (DOMContentLoaded, first visit: empty cache, CPU slowed {BOOK_PAGE_SLOWDOWN}x, "
             f"127.0.0.1; median of {section.get('loads', BOOK_PAGE_LOADS)} loads per page)"]
    if "pages" not in section:
        return lines + [f"  {section.get('status', 'skipped')}"]
    target = TARGETS["book_page_dcl_ms"]
    before, after = section["load_average"]["before"], section["load_average"]["after"]
    lines.append(f"  machine: {section['cores']} cores, load average {before[0]:.2f} before, {after[0]:.2f} after "
                 f"(1 min); an empty page: median {statistics.median(section['empty_page_ms']):.0f} ms")
    lines.append(f"  {'page type':<14} {'pages':>5} {'median ms':>10} {'slowest page':<44} {'its median':>10}  target")
    by_type: dict[str, list[tuple[str, dict]]] = {}
    for path, record in section["pages"].items():
        by_type.setdefault(record["type"], []).append((path, record))
    for kind in ("landing page", "book page", "lesson", "search"):
        records = by_type.get(kind, [])
        if not records:
            continue
        slowest_path, slowest = max(records, key=lambda item: item[1]["median_ms"])
        typical = statistics.median(record["median_ms"] for _, record in records)
        lines.append(f"  {kind:<14} {len(records):>5} {typical:>10.0f} {slowest_path[-44:]:<44} "
                     f"{slowest['median_ms']:>10.0f}  < {target:.0f} ms {verdict(slowest['median_ms'], target)}")
    misses = [(path, record) for path, record in section["pages"].items() if record["median_ms"] >= target]
    for path, record in misses:
        lines.append(f"  MISS {path}: {' / '.join(f'{t:.0f}' for t in record['dcl_ms'])} ms "
                     f"({record['html_bytes'] / 1e3:.0f} kB of HTML)")
    return lines


# ---------------------------------------------------------------------------------------------- the report
def verdict(value, target) -> str:
    if value is None or target is None:
        return ""
    return "PASS" if value < target else "MISS"


def format_report(results: dict) -> str:
    lines = []
    machine = results["machine"]
    lines.append(f"Machine: {machine['system']}, {machine['cores']} cores ({machine['cpu']}), "
                 f"{machine['ram_gb']:.1f} GiB RAM, Python {machine['python']}, "
                 f"OpenCL device: {results.get('backends', {}).get('device', '?')}")

    lines.append("")
    lines.append("First code cell of each lesson (what a learner waits for after opening it; warm machine)")
    warm_records = (results.get("course_warm") or {}).get("notebooks", [])
    for record in warm_records:
        if "first_cell_s" in record:
            lines.append(f"  {record['notebook']:<40} {record['first_cell_s']:6.2f} s  target < "
                         f"{TARGETS['first_cell_s']:.0f} s {verdict(record['first_cell_s'], TARGETS['first_cell_s'])}")
    lines.append("")
    lines.append("Slider steps (live: function + PNG the widget draws; book: precompute of a fresh Explorer)")
    header = f"  {'lesson':<22} {'slider':<44} {'dims':>4} {'frames':>6} {'p50 ms':>8} {'p95 ms':>8} {'book s':>7}  target"
    lines.append(header)
    warm = results.get("course_warm") or {}
    slider_count = 0
    for record in warm.get("notebooks", []):
        for entry in record.get("sliders", []):
            slider_count += 1
            name = f"{entry.get('title', '?')}: {', '.join(entry.get('sliders', {}))}"
            if "error" in entry:
                lines.append(f"  {record['notebook'][:22]:<22} {name[:44]:<44} ERROR {entry['error'][:80]}")
                continue
            three = entry.get("result_ndim") == 3
            target = TARGETS["slider_3d_p95_ms"] if three else TARGETS["slider_2d_p95_ms"]
            backend = " (cle)" if entry.get("uses_cle") else ""
            lines.append(f"  {record['notebook'][:22]:<22} {name[:44]:<44} {'3D' if three else '2D':>4} "
                         f"{entry['frames']:>6} {entry['p50_ms']:>8.1f} {entry['p95_ms']:>8.1f} "
                         f"{entry['book_precompute_s']:>7.2f}  p95 < {target:.0f} ms "
                         f"{verdict(entry['p95_ms'], target)}{backend}")
    if not slider_count:
        lines.append("  (no sliders found: no lesson calls segcourse.explore yet, or the slider run was skipped)")

    backends = results.get("backends") or {}
    lines.append("")
    lines.append("Same operation: pyclesperanto-prototype (OpenCL on this device) vs nsbatwm/scikit-image "
                 "(median ms after a first call)")
    lines.append(f"  {'operation':<38} {'data':<21} {'cle 1st':>8} {'cle':>8} {'cpu':>8} {'cle/cpu':>8}  faster")
    if "error" in backends:
        lines.append(f"  ERROR {backends['error']}")
    for row in backends.get("rows", []):
        if "ratio_cle_over_cpu" not in row:
            lines.append(f"  {row['operation']:<38} {row['data']:<21} ERROR "
                         f"{row.get('cle_error') or row.get('cpu_error')}")
            continue
        lines.append(f"  {row['operation']:<38} {row['data']:<21} {row['cle_first_ms']:>8.1f} {row['cle_ms']:>8.1f} "
                     f"{row['cpu_ms']:>8.1f} {row['ratio_cle_over_cpu']:>8.1f}  {row['use']}"
                     + ("" if row["cpu_backend"] == "nsbatwm" else f" ({row['cpu_backend']})"))

    lines.append("")
    lines.append("Whole course (every notebook in a fresh kernel, nbclient)")
    cold = results.get("course_cold")
    for label, run, target in (("warm OpenCL cache", warm, TARGETS["course_warm_s"]),
                               ("empty OpenCL cache", cold, TARGETS["course_cold_s"])):
        if not run:
            lines.append(f"  {label:<20} skipped (--quick)" if label.startswith("empty") else f"  {label:<20} skipped")
            continue
        failed = [r for r in run["notebooks"] if "error" in r]
        note = "" if not failed else (f"  (incomplete: {len(failed)} notebook(s) failed, see below; the others "
                                      f"took {sum(r['seconds'] for r in run['notebooks'] if 'error' not in r):.1f} s)")
        lines.append(f"  {label:<20} {run['total_s']:>7.1f} s  ({len(run['notebooks'])} notebooks)  "
                     f"target < {target:.0f} s {verdict(run['total_s'], target)}{note}")
    cold_by_name = {r["notebook"]: r for r in (cold or {}).get("notebooks", [])}
    lines.append(f"  {'notebook':<34} {'warm s':>7} {'cold s':>7} {'peak RSS MB':>12}")
    for record in warm.get("notebooks", []):
        cold_record = cold_by_name.get(record["notebook"], {})
        cold_text = f"{cold_record['seconds']:>7.1f}" if cold_record else f"{'-':>7}"
        peak = record.get("peak_rss_mb")
        lines.append(f"  {record['notebook'][:34]:<34} {record['seconds']:>7.1f} {cold_text} "
                     f"{(f'{peak:.0f}' if peak else '-'):>12}"
                     + (f"  ERROR {record['error'][:90]}" if "error" in record else "")
                     + (f"  (measurement after the lesson failed: {record['measurement_error'][:60]})"
                        if "measurement_error" in record else ""))
        if "error" in cold_record:
            lines.append(f"  {'':<34} cold run ERROR {cold_record['error'][:100]}")

    lines.append("")
    lines.append("Import time in a fresh process (median of the runs; the first run in brackets)")
    for name, value in (results.get("imports") or {}).items():
        if "error" in value:
            lines.append(f"  {name:<24} ERROR {value['error']}")
            continue
        target = TARGETS["import_segcourse_s"] if name == "segcourse" else None
        text = f"  {name:<24} {value['median_s']:>6.2f} s  ({value['first_s']:.2f} s)"
        if target:
            text += f"  target < {target:.0f} s {verdict(value['median_s'], target)}"
        lines.append(text)

    lines.append("")
    book = results.get("book") or {"status": "skipped (--quick)"}
    if "seconds" in book and not book.get("returncode"):
        lines.append(f"Book build (tools/build_book.py): {book['seconds']:.1f} s  target < "
                     f"{TARGETS['book_build_s']:.0f} s {verdict(book['seconds'], TARGETS['book_build_s'])}")
    elif "seconds" in book:
        lines.append(f"Book build (tools/build_book.py): FAILED after {book['seconds']:.1f} s, no time to compare "
                     f"({book.get('error', '')[:100]})")
    else:
        lines.append(f"Book build: {book['status']}")
    if results.get("book_pages"):
        lines.append("")
        lines.extend(format_book_pages(results["book_pages"]))
    size = results.get("venv_bytes")
    lines.append(f"Environment on disk (.venv): {size / 2**30:.2f} GiB" if size else "Environment on disk: no .venv")

    classroom = results.get("classroom") or {}
    if classroom.get("heaviest_lesson"):
        lines.append("")
        lines.append(f"Classroom ({CLASSROOM_RAM_GB} GB, {classroom['assumed_cores']} cores): heaviest lesson "
                     f"{classroom['heaviest_lesson']} peaks at {classroom['heaviest_peak_mb']:.0f} MB per kernel"
                     f"; idle JupyterLab server {classroom.get('server_mb', 0):.0f} MB; "
                     f"{classroom['per_learner_mb']:.0f} MB per learner -> {classroom['learners_by_memory']} learners "
                     f"fit in memory ({CLASSROOM_RESERVED_GB:.0f} GB kept for the system)")
    return "\n".join(lines)


def classroom_figures(results: dict) -> dict:
    records = [r for r in (results.get("course_warm") or {}).get("notebooks", []) if r.get("peak_rss_mb")]
    if not records:
        return {}
    heaviest = max(records, key=lambda r: r["peak_rss_mb"])
    server = (results.get("server") or {}).get("idle_server_rss_mb", 0.0)
    per_learner = heaviest["peak_rss_mb"] + server
    available_mb = (CLASSROOM_RAM_GB - CLASSROOM_RESERVED_GB) * 1000 * 1000 * 1000 / 2**20
    return {"heaviest_lesson": heaviest["notebook"], "heaviest_peak_mb": heaviest["peak_rss_mb"],
            "server_mb": server, "per_learner_mb": per_learner,
            "learners_by_memory": int(available_mb // per_learner), "assumed_cores": 2,
            "peak_rss_mb_by_lesson": {r["notebook"]: r["peak_rss_mb"] for r in records}}


# ------------------------------------------------------------------------------------------------- main
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="Targets: 2D slider step p95 < 100 ms, 3D < 1 s; whole course < 3 min "
                                            "warm, < 6 min cold; book build < 2 min; import segcourse < 1 s; "
                                            "book pages DOMContentLoaded < 1 s (4x CPU slowdown).")
    parser.add_argument("--quick", action="store_true",
                        help="skip the whole-course run with an empty OpenCL kernel cache and the book build")
    parser.add_argument("--json", default=str(ROOT / "benchmark-results.json"),
                        help="where to write the results as JSON (default: benchmark-results.json in the repo)")
    parser.add_argument("--notebooks", nargs="*", metavar="GLOB",
                        help="only these notebooks (default: every notebooks/NN_*.ipynb that exists now)")
    parser.add_argument("--timeout", type=int, default=180,
                        help="seconds a notebook cell may take before the lesson counts as failed (default 180)")
    parser.add_argument("--only", choices=["book-pages"],
                        help="run one section only: book-pages (DOMContentLoaded of every page of the built book)")
    parser.add_argument("--book-html", type=Path, default=ROOT / "book" / "_build" / "html",
                        help="the built book for the book-pages section (default: book/_build/html; the full run "
                             "builds it first)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker == "backends":
        backends_worker(args.worker_out)
        return 0

    started = time.perf_counter()
    if args.only == "book-pages":
        results = {"machine": machine_info(), "targets": TARGETS,
                   "book_pages": measure_book_pages(args.book_html.resolve())}
        print("\n".join(format_book_pages(results["book_pages"])))
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
        print(f"\n(benchmark took {time.perf_counter() - started:.0f} s; results in {args.json})")
        return 0 if "pages" in results["book_pages"] else 1
    notebooks = lesson_notebooks(args.notebooks)
    results = {"quick": args.quick, "targets": TARGETS, "machine": machine_info(),
               "notebooks": [p.name for p in notebooks]}
    print(f"Benchmarking {len(notebooks)} notebooks on {results['machine']['cores']} cores"
          f"{' (quick)' if args.quick else ''} ...", flush=True)

    print("- import times", flush=True)
    results["imports"] = measure_imports()

    cache_dir = None
    if not args.quick:
        cache_dir = tempfile.mkdtemp(prefix="segcourse-benchmark-pocl-")
        print(f"- whole course, empty OpenCL kernel cache ({cache_dir})", flush=True)
        results["course_cold"] = run_course(notebooks, cache_dir, measure_sliders=False, label="cold",
                                            timeout=args.timeout)
    print("- whole course, warm OpenCL kernel cache, then every slider in each lesson's kernel", flush=True)
    results["course_warm"] = run_course(notebooks, cache_dir, measure_sliders=True, label="warm",
                                        timeout=args.timeout)

    print("- pyclesperanto-prototype vs nsbatwm", flush=True)
    saved_cache = os.environ.get("POCL_CACHE_DIR")
    if cache_dir:
        os.environ["POCL_CACHE_DIR"] = cache_dir
    try:
        results["backends"] = run_worker("backends")
    finally:
        if cache_dir:
            if saved_cache is None:
                os.environ.pop("POCL_CACHE_DIR", None)
            else:
                os.environ["POCL_CACHE_DIR"] = saved_cache
            shutil.rmtree(cache_dir, ignore_errors=True)

    if not args.quick:
        print("- book build", flush=True)
        results["book"] = measure_book()
        if not results["book"].get("returncode"):
            print("- book page load", flush=True)
            results["book_pages"] = measure_book_pages(ROOT / "book" / "_build" / "html")
    print("- environment size, idle JupyterLab server memory", flush=True)
    results["venv_bytes"] = folder_size_bytes(ROOT / ".venv")
    try:
        results["server"] = measure_server_memory()
    except Exception as error:
        results["server"] = {"error": f"{type(error).__name__}: {error}"}
    results["classroom"] = classroom_figures(results)
    results["benchmark_seconds"] = time.perf_counter() - started

    report = format_report(results)
    print()
    print(report)
    print(f"\n(benchmark took {results['benchmark_seconds']:.0f} s; results in {args.json})")
    Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
