"""The rendered course book: it builds with warnings as errors, works offline, its sliders move, search works.

The book is built once per test run into a temporary folder (tests/book_site.py, with tools/build_book.py, the same
code as `make book`). Static checks read the HTML; browser checks open every page in headless Chromium (Debian's
/usr/bin/chromium, driven by Playwright from PyPI) served by a local http.server on 127.0.0.1, and fail on any
request that leaves 127.0.0.1. Without Chromium the browser checks are skipped, unless SEGCOURSE_REQUIRE_ALL=1
(CI), where they fail. Accessibility, layout and page weight have their own modules (test_book_a11y.py,
test_book_layout.py, test_book_weight.py).
"""
from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from book_site import (ROOT, browser, build, build_book, html, lesson_pages, pages_containing,  # noqa: F401
                       reader_pages, site, visit)

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


def test_simple_formulas_on_the_learning_path_need_no_mathjax():
    """Lesson objectives on the landing page: a formula such as $l_x = l_y \\neq l_z$ becomes text (the page would
    otherwise load MathJax for it); anything beyond letters, subscripts and a few symbols stays maths."""
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from segcourse_book import plain_maths
    assert plain_maths(r"anisotropy ($l_x = l_y \neq l_z$)") == "anisotropy (*l*{sub}`x` = *l*{sub}`y` ≠ *l*{sub}`z`)"
    assert plain_maths(r"a $3 \times 3$ grid of $n$ pixels") == "a 3 × 3 grid of *n* pixels"
    assert plain_maths(r"area $\pi r^2$") == r"area $\pi r^2$"
    assert plain_maths("between $5 and $6") == "between $5 and $6"


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


def test_every_slider_has_the_current_accessible_markup(html):
    """Each static slider names its sliders (<label>), says the value shown (aria-valuetext), shows its first and
    last value, and announces its caption (aria-live). A lesson saved before segcourse.explore got this markup
    must be executed again."""
    problems = []
    for path in pages_containing(html, 'class="segcourse-explorer"', lesson_pages(html)):
        text = (html / path).read_text(encoding="utf-8")
        for explorer in re.findall(r'<div class="segcourse-explorer".*?</script></div>', text, re.S):
            inputs = re.findall(r"<input\b[^>]*>", explorer)
            checks = {
                "a <label for> per slider": all(re.search(rf'<label for="{re.escape(ident)}">', explorer)
                                                for ident in re.findall(r'<input id="([^"]+)"', explorer))
                and len(re.findall(r'<input id="', explorer)) == len(inputs),
                "aria-valuetext": all("aria-valuetext=" in tag for tag in inputs),
                "first and last value shown": explorer.count('class="segcourse-min"') == len(inputs)
                and explorer.count('class="segcourse-max"') == len(inputs),
                "a live caption": 'class="segcourse-caption" aria-live="polite"' in explorer,
            }
            missing = [name for name, ok in checks.items() if not ok]
            if missing:
                stem = Path(path).stem
                problems.append(f"{path}: a slider without {', '.join(missing)} (saved with an older "
                                f"segcourse.explore: `make notebooks NOTEBOOKS=notebooks/{stem}.ipynb`)")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("stem", lessons_with_sliders())
def test_moving_a_slider_changes_the_image_and_what_is_announced(site, visit, stem):
    tab = visit()
    page = tab.open(f"{site}/notebooks/{stem}.html")
    explorer = page.locator(".segcourse-explorer").first
    explorer.scroll_into_view_if_needed()
    result = explorer.locator("img.segcourse-result")
    caption = explorer.locator(".segcourse-caption")
    data = json.loads(re.search(r"var d=(\{.*?\});", explorer.locator("script").text_content()).group(1))
    seen_sources, seen_values = set(), []
    for index in range(explorer.locator("input[type=range]").count()):
        slider = explorer.locator("input[type=range]").nth(index)
        shown = slider.locator("xpath=..").locator(".segcourse-value")
        steps = int(slider.get_attribute("max")) - int(slider.get_attribute("min"))
        slider.focus()
        page.keyboard.press("Home")
        assert slider.locator("xpath=..").locator(".segcourse-min").text_content() == data["values"][index][0]
        for step in range(steps + 1):
            value = data["values"][index][step]
            assert shown.text_content() == value, f"{stem}: the value shown does not follow the slider"
            assert slider.get_attribute("aria-valuetext") == value, f"{stem}: aria-valuetext is not the value shown"
            assert caption.text_content() in data["captions"]
            seen_sources.add(result.get_attribute("src"))
            seen_values.append(value)
            page.keyboard.press("ArrowRight")
        assert slider.locator("xpath=..").locator(".segcourse-max").text_content() == data["values"][index][-1]
    frame = data["frames"].index(result.get_attribute("src"))
    assert caption.text_content() == data["captions"][frame], f"{stem}: the live caption is not the image's"
    assert len(seen_sources) > 1, f"{stem}: moving the sliders never changed the image"
    assert len(set(seen_values)) > 1, f"{stem}: the slider's value label does not follow the slider"
    assert not tab.errors and not tab.outside, tab.errors + tab.outside


def test_maths_is_typeset_offline_on_every_page_with_maths(html, site, visit):
    pages = pages_containing(html, "segcourse-mathjax.js")
    assert "book/glossary.html" in pages
    tab = visit()
    problems = []
    for path in pages:
        page = tab.open(f"{site}/{path}")
        formulas = page.locator(".math").count()
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20000)
        page.evaluate("() => MathJax.startup.promise")
        typeset, errors = page.locator(".math mjx-container").count(), page.locator("mjx-merror").count()
        if not formulas or typeset < formulas or errors:
            problems.append(f"{path}: {formulas} formulas, {typeset} typeset, {errors} errors")
    assert not problems, "\n".join(problems)
    assert not tab.outside and not tab.errors, tab.errors + tab.outside


def test_every_page_has_the_favicon(html):
    icon = html / "_static" / "favicon.svg"
    assert ElementTree.parse(icon).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    missing = [path for path in reader_pages(html)
               if not re.search(r'<link rel="icon" href="(\.\./)*_static/favicon\.svg"', (html / path).read_text())]
    assert not missing, f"pages without the favicon: {missing}"


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


SEARCH_TERM = "Jaccard"   # a glossary term (book/glossary.md), taught in the metrics lesson too


@pytest.mark.parametrize("opened_from", ["server", "file"])
def test_search_shows_snippets_without_fetching_the_result_pages(html, site, visit, opened_from):
    """Each result shows the passage around the search word, cut from text stored in the site, so that search
    also works when the book is opened from file:// (where fetching a page is a CORS error)."""
    tab = visit(local_files=opened_from == "file")
    root = site if opened_from == "server" else html.as_uri()
    page = tab.open(f"{root}/search.html?q={SEARCH_TERM}", wait_until="load")
    page.wait_for_function("() => /finished/i.test(document.querySelector('#search-results .search-summary')"
                           "?.textContent || '')", timeout=30000)
    results = page.eval_on_selector_all("#search-results ul.search > li", """items => items.map(item => [
        item.querySelector('a').getAttribute('href'), item.querySelector('p.context')?.textContent || ''])""")
    assert results, f"no result for {SEARCH_TERM!r}"
    empty = [href for href, snippet in results if not snippet.strip()]
    assert not empty, f"results without a snippet: {empty}"
    assert any(SEARCH_TERM.lower() in snippet.lower() for _, snippet in results), results
    chrome = [snippet[:60] for _, snippet in results if re.search(r"Skip to main content|Toggle navigation|Ctrl\+K",
                                                                 snippet)]
    assert not chrome, f"snippets made of the page's navigation, not its text: {chrome}"
    assert page.locator("#search-results p.context span.highlighted").count() > 0, "the search word is not marked"
    fetched = [url for url in tab.requests if url.split("?")[0].endswith(".html") and "search.html" not in url]
    assert not fetched, f"the search page fetched result pages: {fetched[:5]}"
    assert not tab.errors and not tab.outside, tab.errors + tab.outside
