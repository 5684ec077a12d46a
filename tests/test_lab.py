"""The learner's first minutes: `python course.py lab` (the README's command) under a new, empty home.

A real browser (Debian's chromium, driven by Playwright) opens JupyterLab as `course.py lab` starts it, with nothing
but the port and token added, and a HOME that has never run JupyterLab. Checked:
- it opens the start page (notebooks/START_HERE.ipynb) with the kernel named "Image segmentation course";
- no pop-up asks about Jupyter news, and JupyterLab never asks its server for news or for a newer version
  (/lab/api/news, /lab/api/update: the server would fetch those from jupyter.org and PyPI); the overrides that
  `course.py jupyter-setup` writes into the environment turn both off;
- every request the browser makes goes to 127.0.0.1 (every request is routed: others are aborted and reported);
- in a lesson, every solution is collapsed: its code is not on screen until the learner opens "Solution".
Without chromium it is skipped with the reason (fails in CI, SEGCOURSE_REQUIRE_ALL=1).
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest

from browser import CHROMIUM_ARGS, require_chromium

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "segcourse-first-minutes"
QUIET_SECONDS = 8  # JupyterLab asks about news a few seconds after start: wait that long, then look


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def course_lab(tmp_path):
    """`python course.py lab` with an empty HOME; yields (url, log path)."""
    port = free_port()
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("JUPYTER", "XDG_"))}
    env.update(HOME=str(home))
    log = tmp_path / "lab.log"
    command = [sys.executable, str(ROOT / "course.py"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--IdentityProvider.token={TOKEN}"]
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/contents/notebooks?token={TOKEN}", timeout=2) as answer:
                    names = {item["name"] for item in json.load(answer)["content"]}
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"course.py lab did not answer on {url}; its log:\n{log.read_text()[-4000:]}")
                time.sleep(0.5)
        assert "START_HERE.ipynb" in names and "00_setup_check.ipynb" in names
        yield url, log
    finally:
        children = psutil.Process(process.pid).children(recursive=True) if process.poll() is None else []
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        for child in psutil.wait_procs(children, timeout=10)[1]:
            child.kill()


@contextlib.contextmanager
def lab_page(what: str, log: Path, tmp_path: Path, route=None):
    """A Chromium page at 1400x900 (every request through `route` if given); on failure a screenshot and the
    end of JupyterLab's log are printed."""
    chromium = require_chromium(f"the JupyterLab {what} test needs a browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900}, service_workers="block")
            if route is not None:
                context.route("**/*", route)
            page = context.new_page()
            page.set_default_timeout(90_000)
            try:
                yield page
            except Exception:
                page.screenshot(path=str(tmp_path / "failure.png"))
                print(f"screenshot: {tmp_path / 'failure.png'}\nlog:\n{log.read_text()[-4000:]}")
                raise
            finally:
                context.close()
        finally:
            browser.close()


def test_first_minutes_in_jupyterlab(course_lab, tmp_path):
    url, log = course_lab
    requests, outside = [], []

    def route(request_route):
        request = request_route.request
        requests.append(request.url)
        if urlsplit(request.url).hostname == "127.0.0.1":
            request_route.continue_()
        else:
            outside.append(request.url)
            request_route.abort()

    with lab_page("first-minutes", log, tmp_path, route) as page:
        page.goto(f"{url}/?token={TOKEN}", wait_until="domcontentloaded")  # as the browser opens it
        page.wait_for_selector(".jp-Notebook .jp-Cell")
        page.wait_for_function("() => /Image segmentation course\\s*\\|\\s*Idle/.test("
                               "document.querySelector('#jp-main-statusbar')?.textContent || '')")
        tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current").first.text_content()
        assert "START_HERE" in tab, f"the start page did not open; the current tab is {tab!r}"
        page.wait_for_timeout(QUIET_SECONDS * 1000)
        toasts = page.locator(".Toastify__toast").all_text_contents()
        page.screenshot(path=str(tmp_path / "first-minutes.png"))
    assert not [text for text in toasts if "news" in text.lower()], f"a news prompt appeared: {toasts}"
    asked = [request for request in requests if "/lab/api/news" in request or "/lab/api/update" in request]
    assert not asked, f"JupyterLab asked its server to fetch news or updates: {asked}"
    assert not outside, f"requests that left 127.0.0.1: {sorted(set(outside))}"
    assert len(requests) > 20, "the page made almost no requests: did JupyterLab load?"


def solution_lesson() -> tuple[str, str]:
    """The first lesson with a collapsed solution, and that solution's first line of code."""
    import re
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            match = re.search(r"<summary>Solution</summary>\s*```python\n(.+)", "".join(cell["source"]))
            if cell["cell_type"] == "markdown" and match:
                return path.name, match.group(1).strip()
    pytest.fail("no lesson has a <details> solution")


def test_solutions_stay_hidden_in_jupyterlab(course_lab, tmp_path):
    """JupyterLab renders Markdown, not MyST: the solutions are HTML <details>, closed until the learner opens one."""
    url, log = course_lab
    lesson, first_line = solution_lesson()
    with lab_page("solutions", log, tmp_path) as page:
        page.goto(f"{url}/lab/tree/notebooks/{lesson}?token={TOKEN}", wait_until="domcontentloaded")
        page.wait_for_selector(".jp-Notebook .jp-MarkdownCell")
        page.wait_for_selector(".jp-RenderedMarkdown details summary", state="attached", timeout=30_000)
        solutions = page.locator(".jp-RenderedMarkdown details", has=page.locator("summary", has_text="Solution"))
        solutions.first.scroll_into_view_if_needed()
        assert solutions.count() >= 1
        for index in range(solutions.count()):
            assert solutions.nth(index).get_attribute("open") is None, f"{lesson}: solution {index} is open"
        code = solutions.first.locator("pre")
        assert first_line in code.text_content()          # it is there ...
        assert not code.is_visible(), f"{lesson}: the solution's code is on screen before it is asked for"
        solutions.first.locator("summary").click()       # ... and shows when asked for
        page.wait_for_timeout(300)
        assert code.is_visible(), f"{lesson}: opening 'Solution' does not show its code"
