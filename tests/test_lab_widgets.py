"""The sliders are live in JupyterLab: a real browser moves one and the kernel sends the new image.

`segcourse.explore(...)` gives one output with two faces (see helpers/segcourse/explore.py). The book test
(tests/test_book.py) checks the static face; this test checks the live one. It writes a small notebook into a
temporary folder, starts JupyterLab from the course venv the way `make lab` does (with every setting and runtime
folder in the temporary folder), opens the notebook in headless Chromium (Debian's /usr/bin/chromium driven by
Playwright), runs all cells from the Run menu, and then checks that:
- the ipywidgets widget renders (the widget view outranks the static text/html copy for a live kernel);
- pressing ArrowRight/ArrowLeft on the slider changes the result image and the caption to the object count that
  Python computes for that threshold. The browser holds no frames: each step is a round trip to the live kernel
  (explore() computes the frames once, when the cell runs, so a step costs no recomputation);
- no request leaves 127.0.0.1 (every browser request is routed; others are aborted and reported). JupyterLab can
  reach the internet in three places, all through its server (so out of the browser's sight), and all switched
  off by configuration rather than allowed: the news feed and the check for a newer JupyterLab on PyPI (off by
  default until the learner opts in on the "get notified about news?" toast; here --LabApp.news_url=None,
  --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate and the announcements plugin disabled in a
  temporary page_config.json, so the toast does not appear either), and the extension manager's PyPI search
  (--LabApp.extension_manager=readonly). Measured without these settings: no request left 127.0.0.1 either.
It prints (pytest -s) the live slider latency (key press to new image, in the browser) and saves a screenshot of
the widget (set SEGCOURSE_LAB_SCREENSHOT=/path/file.png to keep it). Without Chromium it is skipped, unless
SEGCOURSE_REQUIRE_ALL=1 (CI), where it fails.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest
from skimage.measure import label

import segcourse

from browser import CHROMIUM_ARGS, require_chromium
TOKEN = "segcourse-lab-widgets"
THRESHOLDS = [60, 80, 100, 120, 140]          # the slider starts in the middle, at 100
# From the start: right to the end, then left to the other end: every value, six steps.
KEYS = ["ArrowRight", "ArrowRight", "ArrowLeft", "ArrowLeft", "ArrowLeft", "ArrowLeft"]
# Plugins that would reach the internet from the browser; switched off rather than let through.
DISABLED_PLUGINS = ["@jupyterlab/apputils-extension:announcements"]

CELLS = [
    "import segcourse\nfrom skimage.measure import label",
    "def threshold_labels(image, threshold=100):\n    return label(image > threshold)",
    'image = segcourse.load("blobs")',
    f'segcourse.explore(threshold_labels, image, sliders={{"threshold": {THRESHOLDS}}})',
]


def object_count(threshold: int) -> str:
    """The caption Python gives for one threshold (what the widget must show)."""
    count = int(label(segcourse.load("blobs") > threshold).max())
    return f"{count} object{'s' if count != 1 else ''}"


def write_notebook(path: Path) -> None:
    cells = [{"cell_type": "code", "execution_count": None, "id": f"cell-{i}", "metadata": {}, "outputs": [],
              "source": source} for i, source in enumerate(CELLS)]
    notebook = {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                            "language": "python"},
                             "language_info": {"name": "python"}}}
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chromium_path() -> Path:
    return require_chromium("the live-widget test needs a browser")


@pytest.fixture
def lab(tmp_path):
    """JupyterLab from the course venv on 127.0.0.1, serving tmp_path (holding test.ipynb); yields its URL."""
    root = tmp_path / "notebooks"
    root.mkdir()
    write_notebook(root / "test.ipynb")
    home = tmp_path / "jupyter"
    config = home / "config"
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {name: True for name in DISABLED_PLUGINS}}), encoding="utf-8")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(home / "lab-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "lab-workspaces"), IPYTHONDIR=str(home / "ipython"))
    port = free_port()
    jupyter = Path(sys.executable).parent / "jupyter"      # .venv/bin/jupyter, as `make lab` runs it
    command = [str(jupyter), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly"]
    if os.getuid() == 0:
        command.append("--allow-root")
    log = tmp_path / "jupyterlab.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer on {url}; its log:\n{log.read_text()[-4000:]}")
                time.sleep(0.3)
        yield url, log
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """End JupyterLab's process group; then any kernel it started that outlived it (kernels get their own session,
    so killpg does not reach them; the server shuts them down on SIGTERM, this is for when it could not)."""
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    _, alive = psutil.wait_procs(children, timeout=10)
    for child in alive:
        child.kill()


def test_slider_is_live_in_jupyterlab(chromium_path, lab, tmp_path):
    from playwright.sync_api import sync_playwright

    url, log = lab
    expected = {threshold: object_count(threshold) for threshold in THRESHOLDS}
    outside, errors = [], []

    def route(request_route):
        if urlsplit(request_route.request.url).hostname == "127.0.0.1":
            request_route.continue_()
        else:
            outside.append(request_route.request.url)
            request_route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, service_workers="block")
            context.route("**/*", route)
            page = context.new_page()
            page.set_default_timeout(60_000)
            page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
            page.on("console", lambda message: message.type == "error" and errors.append(
                f"console: {message.text} ({message.location.get('url', '')})"))
            try:
                page.goto(f"{url}/lab/tree/test.ipynb?token={TOKEN}", wait_until="domcontentloaded")
                page.wait_for_selector(".jp-Notebook .jp-Cell")
                config = json.loads(page.locator("#jupyter-config-data").text_content())
                assert set(DISABLED_PLUGINS) <= set(config.get("disabledExtensions", [])), \
                    f"JupyterLab did not read the test's page_config.json: {config.get('disabledExtensions')}"
                # The kernel is up when the status bar says so ("Python 3 (ipykernel) | Idle").
                page.wait_for_function("() => /Python 3.*\\|\\s*Idle/.test("
                                       "document.querySelector('#jp-main-statusbar')?.textContent || '')")
                page.get_by_role("menuitem", name="Run", exact=True).click()
                page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

                widget = page.locator(".jp-OutputArea-output .widget-vbox").first
                widget.wait_for(state="visible", timeout=90_000)
                images = widget.locator("img.widget-image")
                result = images.nth(1)
                caption = widget.locator(":scope > .widget-label")
                handle = widget.locator(".widget-slider .noUi-handle")
                readout = widget.locator(".widget-slider .widget-readout")
                page.wait_for_function("el => el.src && el.complete && el.naturalWidth > 0",
                                       arg=result.element_handle())
                assert images.count() == 2, "expected the input image and the result image side by side"
                assert page.locator(".segcourse-explorer").count() == 0, "the static copy shows, not the widget"
                assert readout.text_content().strip() == "100"
                assert caption.text_content() == expected[100]

                widget.scroll_into_view_if_needed()
                shot = Path(os.environ.get("SEGCOURSE_LAB_SCREENSHOT") or tmp_path / "widget.png")
                widget.screenshot(path=str(shot))

                # Time each step in the browser: key down (capture phase) to the result <img> getting a new src.
                page.evaluate("""img => {
                    window.__steps = {keys: [], changes: []};
                    document.addEventListener('keydown', () => window.__steps.keys.push(performance.now()), true);
                    new MutationObserver(() => window.__steps.changes.push(performance.now()))
                        .observe(img, {attributes: true, attributeFilter: ['src']});
                }""", result.element_handle())
                handle.focus()
                index, seen = THRESHOLDS.index(100), []
                for step, key in enumerate(KEYS, start=1):
                    before = result.get_attribute("src")
                    index += 1 if key == "ArrowRight" else -1
                    threshold = THRESHOLDS[index]
                    page.keyboard.press(key)
                    page.wait_for_function("([img, src]) => img.src !== src && img.complete && img.naturalWidth > 0",
                                           arg=[result.element_handle(), before], timeout=30_000)
                    page.wait_for_function("([el, text]) => el.textContent === text",
                                           arg=[caption.element_handle(), expected[threshold]], timeout=30_000)
                    assert readout.text_content().strip() == str(threshold)
                    assert page.evaluate("() => window.__steps.changes.length") == step, \
                        "one key press should change the image once"
                    seen.append(threshold)
                assert seen == [120, 140, 120, 100, 80, 60]
                page.screenshot(path=str(tmp_path / "lab.png"))
                timings = page.evaluate("() => window.__steps")
                latencies = [change - key for key, change in zip(timings["keys"], timings["changes"])]
                print(f"\nlive slider, key press to new image in the browser (ms): "
                      f"{', '.join(f'{t:.0f}' for t in latencies)}; median {statistics.median(latencies):.0f}")
                print(f"captions: {', '.join(f'{t}: {expected[t]}' for t in THRESHOLDS)}; screenshot: {shot}")
            except Exception:
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(tmp_path / "failure.png"))
                print(f"screenshot of the failure: {tmp_path / 'failure.png'}\nJupyterLab log:\n"
                      f"{log.read_text()[-4000:]}")
                raise
            finally:
                context.close()
        finally:
            browser.close()
    assert not outside, f"requests that left 127.0.0.1: {sorted(set(outside))}"
    assert not errors, "\n".join(errors)
