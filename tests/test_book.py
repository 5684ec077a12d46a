"""The rendered course book: it builds with warnings as errors, works offline, and its sliders move.

The book is built once per session into a temporary folder (tools/build_book.py, the same code as `make book`).
Static checks read the HTML; browser checks open every page in headless Chromium (Debian's /usr/bin/chromium,
driven by Playwright from PyPI) served by a local http.server on 127.0.0.1, and fail on any request that leaves
127.0.0.1. Without Chromium the browser checks are skipped, unless SEGCOURSE_REQUIRE_ALL=1 (CI), where they fail.
"""
from __future__ import annotations

import fnmatch
import functools
import json
import re
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_book  # noqa: E402

from browser import CHROMIUM_ARGS, require_chromium  # noqa: E402
BUILD_SECONDS_TARGET = 120
GLOSSARY_TERMS = ["intensity image", "binary image", "label image", "instance segmentation",
                  "semantic segmentation", "dense annotation", "sparse annotation", "CCA", "Otsu's method",
                  "Voronoi tessellation", "watershed", "anisotropy", "voxel", "marching cubes", "mesh",
                  "Jaccard index", "Dice coefficient", "precision", "recall", "Hausdorff distance"]


# --- what the book must contain, from the repository itself ----------------------------------------------------
def lesson_notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def notebook_cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def explorer_count(path: Path) -> int:
    """segcourse.explore outputs in a saved notebook."""
    count = 0
    for cell in notebook_cells(path):
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html", "")
            html = html if isinstance(html, str) else "".join(html)
            count += html.count('class="segcourse-explorer"')
    return count


def lessons_with_sliders() -> list[str]:
    return [path.stem for path in lesson_notebooks() if explorer_count(path)]


# --- the build -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def build(tmp_path_factory):
    output = tmp_path_factory.mktemp("book")
    code, seconds, log = build_book.build(output)
    if code != 0:
        log = re.sub(r"\x1b\[[0-9;]*m", "", log)   # no terminal colours in the report
        warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
        lexer = [line for line in warnings if "myst-nb.lexer" in line]   # one per cell of an unexecuted notebook
        summary = [line for line in warnings if line not in lexer][:40]
        if lexer:
            summary.append(f"... and {len(lexer)} 'No source code lexer' warnings (a notebook saved unexecuted)")
        pytest.fail("The book build failed (warnings are errors):\n" + ("\n".join(summary) or log[-8000:]))
    html = build_book.html_dir(output)
    print(f"\nbook: {len(build_book.pages(html))} pages built in {seconds:.1f} s")
    return html, seconds


@pytest.fixture(scope="session")
def html(build) -> Path:
    return build[0]


def lesson_page(html: Path, stem: str) -> Path:
    return html / "notebooks" / f"{stem}.html"


def test_the_book_builds_in_time(build):
    html, seconds = build
    assert seconds < BUILD_SECONDS_TARGET, f"book build took {seconds:.0f} s (target < {BUILD_SECONDS_TARGET} s)"
    assert (html / "index.html").is_file()


def test_every_lesson_and_page_is_built(html):
    missing = [path.name for path in lesson_notebooks() if not lesson_page(html, path.stem).is_file()]
    missing += [f"book/{page.stem}.md" for page in (ROOT / "book").glob("*.md")
                if not (html / "book" / f"{page.stem}.html").is_file()]
    assert not missing, f"not in the built book: {missing}"
    assert len(build_book.pages(html)) == len(lesson_notebooks()) + len(list((ROOT / "book").glob("*.md")))


def test_lessons_are_not_copied_into_the_book_folder():
    copies = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "book").rglob("*.ipynb") if "_build" not in p.parts)
    assert not copies, f"the book renders notebooks/ itself; remove the copies {copies}"


def test_no_page_loads_anything_from_outside_the_site(html):
    assert build_book.external_loads(html) == []


def test_internal_links_and_anchors_resolve(html):
    assert build_book.broken_links(html) == []


def test_every_image_on_a_lesson_page_has_alt_text(html):
    problems = []
    for notebook in lesson_notebooks():
        page = lesson_page(html, notebook.stem)
        for tag in re.findall(r"<img\b[^>]*>", page.read_text(encoding="utf-8")):
            alt = re.search(r"\balt\s*=\s*(\"[^\"]*\"|'[^']*')", tag)
            src = re.search(r"\bsrc\s*=\s*[\"']([^\"']{0,80})", tag)
            text = alt.group(1)[1:-1].strip() if alt else ""
            # Sphinx falls back to the file name when a figure has no alt text: that describes nothing.
            if not text or (src and text in src.group(1)) or re.fullmatch(r"[\w./-]+\.(png|jpe?g|svg|gif)", text):
                problems.append(f"{page.name}: {tag[:120]}")
    assert not problems, "images without a real alt text:\n" + "\n".join(problems)


def test_no_output_is_an_empty_widget_box(html):
    """ipywidgets cannot run on a static page: the book must show the precomputed slider instead."""
    problems = []
    for notebook in lesson_notebooks():
        text = lesson_page(html, notebook.stem).read_text(encoding="utf-8")
        if "application/vnd.jupyter.widget-view+json" in text:
            problems.append(f"{notebook.stem}: an ipywidget view (an empty box offline)")
        expected, shown = explorer_count(notebook), text.count('class="segcourse-explorer"')
        if shown != expected:
            problems.append(f"{notebook.stem}: {expected} sliders in the notebook, {shown} on the page")
    assert not problems, "\n".join(problems)
    assert "ipywidgets" not in (html / "book" / "intro.html").read_text(encoding="utf-8")


def test_solutions_are_collapsed_dropdowns(html):
    for notebook in lesson_notebooks():
        dropdowns = sum("".join(cell["source"]).count(":::{dropdown}") for cell in notebook_cells(notebook)
                        if cell["cell_type"] == "markdown")
        text = lesson_page(html, notebook.stem).read_text(encoding="utf-8")
        assert text.count("sd-dropdown") >= dropdowns, notebook.stem
        assert ":::{dropdown}" not in text, f"{notebook.stem}: a dropdown was not parsed (colon_fence)"


def test_landing_page_gives_the_learning_path_with_times(html):
    text = (html / "book" / "intro.html").read_text(encoding="utf-8")
    for notebook in lesson_notebooks():
        assert f'href="../notebooks/{notebook.stem}.html"' in text, notebook.stem
    table = text[text.index("segcourse-lessons"):]
    assert re.search(r"<strong>total</strong>.*?<strong>\d+</strong>", table, re.S)


def test_data_page_lists_every_data_file_with_its_licence(html):
    text = (html / "book" / "data.html").read_text(encoding="utf-8")
    files = [line.split(maxsplit=1)[1] for line in (ROOT / "data" / "SHA256SUMS").read_text().splitlines()
             if line.strip()]
    missing = [name for name in files if f"<code class=\"docutils literal notranslate\"><span class=\"pre\">{name}"
               not in text]
    assert not missing, f"data files missing on the data page: {missing}"
    assert "Attribution lines to keep" in text     # data/SOURCES.md itself is included
    assert "CC0" in text and "CC BY 4.0" in text


def test_glossary_defines_the_course_terms(html):
    text = (html / "book" / "glossary.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'<dt id="(term-[^"]+)"', text))
    missing = [term for term in GLOSSARY_TERMS if "term-" + re.sub(r"[^\w]+", "-", term).strip("-") not in ids]
    assert not missing, f"glossary terms missing: {missing} (have {sorted(ids)})"


# --- the browser -----------------------------------------------------------------------------------------------
class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def site(html):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(html)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")  # stopped after this module: Playwright's sync API allows one loop at a time
def browser():
    chromium_path = require_chromium("browser tests of the book need it")
    from playwright.sync_api import sync_playwright
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


class Visit:
    """A browser tab that records console errors, page errors, failed loads and any request off 127.0.0.1."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
        self.outside, self.errors = [], []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(
            f"console: {message.text} ({message.location.get('url', '')})"))
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on("requestfailed", lambda request: urlsplit(request.url).hostname == "127.0.0.1"
                     and self.errors.append(f"failed to load {request.url}: {request.failure}"))
        self.page.on("response", lambda response: response.status >= 400 and self.errors.append(
            f"HTTP {response.status} for {response.url}"))

    def _route(self, route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def open(self, url: str):
        self.page.goto(url, wait_until="networkidle")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser):
    visits = []

    def make():
        visits.append(Visit(browser))
        return visits[-1]

    yield make
    for item in visits:
        item.close()


def test_every_page_loads_without_errors_or_outside_requests(html, site, visit):
    tab = visit()
    problems = []
    for page in build_book.site_pages(html):
        path = page.relative_to(html).as_posix()
        tab.errors.clear()
        tab.open(f"{site}/{path}")
        problems += [f"{path}: {error}" for error in tab.errors]
    assert not tab.outside, f"requests that left 127.0.0.1: {sorted(set(tab.outside))}"
    assert not problems, "\n".join(problems)


def test_sidebar_lists_every_lesson_in_order(site, visit):
    page = visit().open(f"{site}/book/intro.html")
    links = page.eval_on_selector_all(
        "nav.bd-docs-nav a.reference.internal", "links => links.map(a => [a.getAttribute('href'), a.textContent.trim()])")
    lessons = [(href, text) for href, text in links if "notebooks/" in href]
    expected = [f"../notebooks/{path.stem}.html" for path in lesson_notebooks()]
    assert [href for href, _ in lessons] == expected
    for (_, text), path in zip(lessons, lesson_notebooks()):
        assert text.startswith(path.name[:2]), f"sidebar entry {text!r} does not start with its number"


def test_every_image_on_a_lesson_page_loads(site, visit):
    tab = visit()
    broken = []
    for notebook in lesson_notebooks():
        page = tab.open(f"{site}/notebooks/{notebook.stem}.html")
        images = page.evaluate("""async () => {
            const images = Array.from(document.images);
            await Promise.all(images.map(img => { img.loading = 'eager'; return img.decode().catch(() => null); }));
            return images.map(img => [img.getAttribute('src').slice(0, 80), img.naturalWidth, img.alt]);
        }""")
        broken += [f"{notebook.stem}: {src}" for src, width, _ in images if width == 0]
    assert not broken, "images that did not load:\n" + "\n".join(broken)


@pytest.mark.parametrize("stem", lessons_with_sliders())
def test_moving_a_slider_changes_the_image(site, visit, stem):
    tab = visit()
    page = tab.open(f"{site}/notebooks/{stem}.html")
    explorer = page.locator(".segcourse-explorer").first
    explorer.scroll_into_view_if_needed()
    result = explorer.locator("img.segcourse-result")
    seen_sources, seen_values = set(), []
    for index in range(explorer.locator("input[type=range]").count()):
        slider = explorer.locator("input[type=range]").nth(index)
        steps = int(slider.get_attribute("max")) - int(slider.get_attribute("min"))
        slider.focus()
        page.keyboard.press("Home")
        for _ in range(steps + 1):
            seen_sources.add(result.get_attribute("src"))
            seen_values.append(slider.locator("xpath=following-sibling::output").text_content())
            page.keyboard.press("ArrowRight")
    assert len(seen_sources) > 1, f"{stem}: moving the sliders never changed the image"
    assert len(set(seen_values)) > 1, f"{stem}: the slider's value label does not follow the slider"
    assert not tab.errors and not tab.outside, tab.errors + tab.outside


def test_maths_is_typeset_offline(site, visit):
    tab = visit()
    page = tab.open(f"{site}/book/glossary.html")
    page.wait_for_selector("mjx-container", timeout=15000)
    assert page.locator("mjx-container").count() >= 5
    assert page.locator("mjx-merror").count() == 0
    assert not tab.outside and not tab.errors, tab.errors + tab.outside


def test_solution_dropdowns_open(site, visit):
    stems = [path.stem for path in lesson_notebooks()
             if any(":::{dropdown}" in "".join(cell["source"]) for cell in notebook_cells(path))]
    if not stems:
        pytest.skip("no lesson has a solution dropdown yet")
    page = visit().open(f"{site}/notebooks/{stems[0]}.html")
    dropdown = page.locator("details.sd-dropdown").first
    assert dropdown.get_attribute("open") is None
    dropdown.locator("summary").click()
    page.wait_for_function("d => d.open", arg=dropdown.element_handle())
    assert dropdown.locator("pre").first.is_visible()
