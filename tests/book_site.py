"""The built course book, for the book tests (test_book*.py, test_citation.py): one build, a server, Chromium.

The book is built once per pytest process (tools/build_book.py, the code of `make book`) into a temporary folder,
with a JupyterHub address so that the nbgitpuller launch links are built too. Pages are discovered from the build:
whatever lessons notebooks/ holds when the tests run are the pages tested.

Browser checks use Debian's /usr/bin/chromium driven by Playwright (skipped with the reason when either is
missing, a failure when SEGCOURSE_REQUIRE_ALL=1, as in CI) and axe-core from the npm registry, installed into
tests/node by `npm ci --prefix tests/node` and injected from there: nothing is fetched from outside 127.0.0.1.
"""
from __future__ import annotations

import atexit
import functools
import re
import shutil
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_book  # noqa: E402

from browser import CHROMIUM_ARGS, REQUIRE_ALL, require_chromium  # noqa: E402

TEST_JUPYTERHUB = "https://hub.example.edu"
AXE = ROOT / "tests" / "node" / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 360, "height": 800}
REDIRECT = re.compile(r'<meta\s+http-equiv="refresh"', re.IGNORECASE)


# --- the build ---------------------------------------------------------------------------------------------------
@functools.cache
def built_book() -> tuple[Path, float, str, int]:
    """(html folder, build seconds, log, exit code) of the one build of this test run."""
    output = Path(tempfile.mkdtemp(prefix="segcourse-book-"))
    atexit.register(shutil.rmtree, output, True)
    code, seconds, log = build_book.build(output, jupyterhub=TEST_JUPYTERHUB)
    return build_book.html_dir(output), seconds, log, code


def build_failure(log: str) -> str:
    log = re.sub(r"\x1b\[[0-9;]*m", "", log)   # no terminal colours in the report
    warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
    lexer = [line for line in warnings if "myst-nb.lexer" in line]   # one per cell of an unexecuted notebook
    summary = [line for line in warnings if line not in lexer][:40]
    if lexer:
        summary.append(f"... and {len(lexer)} 'No source code lexer' warnings (a notebook saved unexecuted)")
    return "The book build failed (warnings are errors):\n" + ("\n".join(summary) or log[-8000:])


@pytest.fixture(scope="session")
def build() -> tuple[Path, float]:
    html, seconds, log, code = built_book()
    if code != 0:
        pytest.fail(build_failure(log))
    return html, seconds


@pytest.fixture(scope="session")
def html(build) -> Path:
    return build[0]


def reader_pages(html: Path) -> list[str]:
    """Every page a reader can open (lessons, book pages, search, index), as paths below the site's root.

    index.html, which only redirects to the landing page, is left out."""
    return [page.relative_to(html).as_posix() for page in build_book.site_pages(html)
            if not REDIRECT.search(page.read_text(encoding="utf-8", errors="replace")[:2000])]


def lesson_pages(html: Path) -> list[str]:
    """The built lesson pages (one per notebooks/NN_*.ipynb in the build), in order."""
    return sorted(page.relative_to(html).as_posix() for page in (html / "notebooks").glob("*.html"))


def pages_containing(html: Path, marker: str, pages: list[str] | None = None) -> list[str]:
    return [path for path in (pages if pages is not None else reader_pages(html))
            if marker in (html / path).read_text(encoding="utf-8", errors="replace")]


# --- the browser -------------------------------------------------------------------------------------------------
class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):   # a tab that navigated away mid-download
            super().handle_error(request, client_address)


@pytest.fixture(scope="session")
def site(html):
    server = _QuietServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(html)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")  # stopped after its module: Playwright's sync API allows one loop at a time
def browser():
    chromium_path = require_chromium("browser tests of the book need it")
    from playwright.sync_api import sync_playwright
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


class Visit:
    """A browser tab that records console errors, page errors, failed loads and any request off 127.0.0.1.

    viewport, color_scheme ("light"/"dark": the operating system's setting), has_touch and is_mobile go to
    Playwright's new_context; local_files=True also lets file:// pages load their files."""

    def __init__(self, browser, viewport=None, color_scheme="light", local_files=False, **options):
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900},
                                           color_scheme=color_scheme, service_workers="block", **options)
        self.local_files = local_files
        self.outside, self.errors, self.requests = [], [], []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(
            f"console: {message.text} ({message.location.get('url', '')})"))
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        # (net::ERR_ABORTED is a request cut short by the next navigation, e.g. a font MathJax still wanted; a file
        # that is missing answers 404, recorded below)
        self.page.on("requestfailed", lambda request: self._is_local(request.url)
                     and "ERR_ABORTED" not in (request.failure or "")
                     and self.errors.append(f"failed to load {request.url}: {request.failure}"))
        self.page.on("response", lambda response: response.status >= 400 and self.errors.append(
            f"HTTP {response.status} for {response.url}"))

    def _is_local(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.hostname == "127.0.0.1" or (self.local_files and parts.scheme == "file")

    def _route(self, route):
        url = route.request.url
        if self._is_local(url) or url.startswith("data:"):
            self.requests.append(url)
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open(self, url: str, wait_until: str = "networkidle"):
        self.page.goto(url, wait_until=wait_until)
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser):
    visits = []

    def make(**options):
        visits.append(Visit(browser, **options))
        return visits[-1]

    yield make
    for item in visits:
        item.close()


def require_axe() -> Path:
    """axe-core's axe.min.js from tests/node; skip with the reason when missing (fail when SEGCOURSE_REQUIRE_ALL=1)."""
    if not AXE.is_file():
        reason = (f"{AXE.relative_to(ROOT)} is missing: install the test tools from the npm registry with "
                  f"`npm ci --prefix tests/node` (needs node and npm)")
        if REQUIRE_ALL:
            pytest.fail(reason + " [SEGCOURSE_REQUIRE_ALL=1]")
        pytest.skip(reason)
    return AXE
