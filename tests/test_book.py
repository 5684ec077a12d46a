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
GLOSSARY_TERMS = [   # the lesson engineers' lists, by the glossary's own term names
    "pixel", "histogram", "threshold", "Li's method", "triangle method", "colour map", "id", "OCLArray", "cle.pull",
    "StackViewNDArray", "area", "sequential labels", "relabel_sequential", "4-connectivity", "8-connectivity",
    "intensity image", "binary image", "label image", "instance segmentation", "semantic segmentation",
    "dense annotation", "sparse annotation", "annotation", "CCA", "Gaussian blur", "sigma", "Otsu's method",
    "Otsu's threshold", "Gauss-Otsu labelling", "Jaccard index", "IoU", "sparse Jaccard index", "seed",
    "Voronoi partition", "Voronoi tessellation", "masked Voronoi labelling", "spot_sigma", "outline_sigma",
    "isotropic", "square pixels", "watershed", "markers", "distance map", "local maximum", "peak_local_max",
    "watershed line", "dam", "basin", "mask", "seeded watershed", "label erosion", "label dilation", "opening",
    "closing", "label smoothing", "border objects", "edge objects", "size filter", "image stack", "voxel",
    "voxel size", "anisotropy", "anisotropic", "point spread function", "PSF", "z step", "undersampling",
    "Nyquist rule", "side view", "orthogonal view", "resampling", "upsampling", "downsampling", "interpolation",
    "nearest-neighbour interpolation", "linear interpolation", "aspect ratio", "mesh", "surface mesh", "vertex",
    "face", "vertex table", "face table", "marching cubes", "MB", "MiB", "staircase artefact", "decimation",
    "windowed-sinc smoothing", "pixel-wise metric", "object-wise metric", "object matching", "IoU threshold",
    "accuracy", "specificity", "precision", "recall", "F1 score", "Dice coefficient", "white top-hat",
    "morphological opening", "distance transform", "directed distance", "bilateral distance",
    "mean contour distance", "Hausdorff distance", "simplified Hausdorff distance", "HD95", "volume error",
    "Hamming distance", "classification error", "Youden index", "Metrics Reloaded", "DataFrame", "index",
    "regionprops_table", "centroid", "bounding box", "perimeter", "circularity", "solidity", "major axis length",
    "minor axis length", "spacing", "tidy table", "CSV", "grid search", "progress bar", "tqdm", "provenance record",
    "bad files", "classifier", "random forest", "decision tree", "feature image", "training", "prediction",
    "stroke", "over-fitting", "deep learning", "StarDist", "Cellpose", "pretrained weights"]


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


def markdown_details(path: Path) -> list[str]:
    """The summaries of the collapsed <details> blocks in a lesson's markdown (solutions, going further, ...)."""
    return [summary for cell in notebook_cells(path) if cell["cell_type"] == "markdown"
            for summary in re.findall(r"<details>\s*<summary>(.*?)</summary>", "".join(cell["source"]), re.S)]


def test_solutions_and_side_roads_are_collapsed(html):
    """Every <details> block of a lesson (solutions, "Going further", notes for the lecture's audience) is on its page,
    closed; and no MyST-only block is left as text (JupyterLab would show it, solutions included)."""
    problems = []
    for notebook in lesson_notebooks():
        text = lesson_page(html, notebook.stem).read_text(encoding="utf-8")
        shown = re.findall(r"<details\b([^>]*)>\s*<summary>(.*?)</summary>", text, re.S)
        missing = [summary for summary in markdown_details(notebook)
                   if summary.strip() not in [content.strip() for _, content in shown]]
        if missing:
            problems.append(f"{notebook.stem}: collapsed blocks not on the page: {missing}")
        if any(re.search(r"\bopen\b", attributes) for attributes, _ in shown):
            problems.append(f"{notebook.stem}: a <details> block is open on the page")
        if re.search(r":::\{(dropdown|admonition)\}", text):
            problems.append(f"{notebook.stem}: a MyST block was left as text")
    assert not problems, "\n".join(problems)
    assert sum(len(markdown_details(path)) for path in lesson_notebooks()) > len(lesson_notebooks())


def timed_lessons():
    """The lessons as segcourse.timing reads them: the course's one rule for lesson times."""
    sys.path.insert(0, str(ROOT / "helpers"))
    from segcourse.timing import lessons
    return lessons(ROOT / "notebooks")


def table_rows(text: str, marker: str) -> list[list[str]]:
    """The body rows of the table that follows `marker` in a page, as the text of their cells."""
    table = re.search(r"<tbody>(.*?)</tbody>", text[text.index(marker):], re.S).group(1)
    return [[re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
             for cell in re.findall(r"<td\b[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", table, re.S)]


def test_landing_page_gives_the_learning_path_with_times(html):
    text = (html / "book" / "intro.html").read_text(encoding="utf-8")
    for notebook in lesson_notebooks():
        assert f'href="../notebooks/{notebook.stem}.html"' in text, notebook.stem
    rows = table_rows(text, "segcourse-lessons")
    lessons = timed_lessons()
    assert [(row[0], row[2]) for row in rows[:-1]] == [(lesson.number, str(lesson.minutes)) for lesson in lessons]
    assert rows[-1][0] == "total" and rows[-1][2] == str(sum(lesson.minutes for lesson in lessons))


def test_class_plans_use_the_lesson_times_of_the_rule(html):
    """The instructor notes' timings and 90-minute class plans are the times segcourse.timing gives: every lesson in
    order in exactly one class (the setup check before the first), no class longer than 90 minutes, sums right."""
    text = (html / "book" / "instructor-notes.html").read_text(encoding="utf-8")
    lessons = timed_lessons()
    minutes = {f"{lesson.number} {lesson.title}": lesson.minutes for lesson in lessons}
    timings = table_rows(text, "segcourse-lessons")
    assert [(row[0], row[2]) for row in timings[:-1]] == [(lesson.number, str(lesson.minutes)) for lesson in lessons]
    plans = text.split("segcourse-classes")[1:]
    assert len(plans) == 2, "the whole course in classes, and one single class"
    course = table_rows(plans[0], "<table")
    assert course[0][0] == "before the first class"
    seen = []
    for name, cell, total in course:
        listed = [label for label in minutes if label in cell]
        assert int(total) == sum(minutes[label] for label in listed), (name, cell, total)
        assert name == "before the first class" or int(total) <= 90, (name, total)
        seen += sorted(listed, key=cell.index)
    assert seen == list(minutes), "every lesson once, in order"
    [(name, cell, total)] = table_rows(plans[1], "<table")
    assert int(total) == sum(minutes[label] for label in minutes if label in cell) <= 90


def test_class_plans_pack_lessons_in_order_into_classes():
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from segcourse_book import plan_classes

    class Lesson:
        def __init__(self, minutes):
            self.minutes = minutes

    lessons = [Lesson(minutes) for minutes in (25, 25, 25, 25, 15, 35, 40, 100, 5)]
    assert [[lesson.minutes for lesson in group] for group in plan_classes(lessons, 90)] == [
        [25, 25, 25], [25, 15, 35], [40], [100], [5]]


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


def glossary_id(term: str) -> str:
    """The anchor Sphinx gives a glossary term (sphinx.util.nodes.make_id)."""
    return "term-" + re.sub(r"[^a-zA-Z0-9._]+", "-", term).strip("-")


def test_glossary_defines_the_course_terms(html):
    text = (html / "book" / "glossary.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'<dt id="(term-[^"]+)"', text))
    missing = [term for term in GLOSSARY_TERMS if glossary_id(term) not in ids]
    assert not missing, f"glossary terms missing: {missing} (have {sorted(ids)})"


def test_every_glossary_entry_links_to_the_lesson_that_teaches_it(html):
    text = (html / "book" / "glossary.html").read_text(encoding="utf-8")
    entries = re.findall(r'<dt id="(term-[^"]+)".*?</dt>\s*<dd>(.*?)</dd>', text, re.S)
    lessons = {path.stem for path in lesson_notebooks()}
    problems = [term for term, definition in entries
                if not set(re.findall(r'href="\.\./notebooks/([^"#]+)\.html"', definition)) & lessons]
    assert len(entries) > 100
    assert not problems, f"glossary entries without a link to a lesson: {problems}"


def test_a_progress_bar_shows_its_last_state_only(html):
    """tqdm writes one chunk per update, each starting with a carriage return; the page shows what a terminal and
    JupyterLab show: the bar's final state (the book merges streams as nbval compares them)."""
    stems = [path.stem for path in lesson_notebooks() if any(
        "\r" in "".join(output.get("text", "")) for cell in notebook_cells(path) for output in cell.get("outputs", [])
        if output.get("output_type") == "stream")]
    assert "19_folder_end_to_end" in stems
    for stem in stems:
        page = lesson_page(html, stem).read_text(encoding="utf-8")
        bars = re.findall(r"images:\s+(\d+)%\|[^|]*\|\s*(\d+)/(\d+)", page)
        if stem == "19_folder_end_to_end":
            assert bars == [("100", "6", "6"), ("100", "9", "9")], bars
        assert all(percent == "100" and done == total for percent, done, total in bars), (stem, bars)


def test_streams_merge_as_nbval_compares_them():
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    import nbformat
    from segcourse_book import merge_streams

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("run()", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="\rbar:   0%| | 0/2"),
        nbformat.v4.new_output("stream", name="stdout", text="\rbar:  50%| | 1/2"),
        nbformat.v4.new_output("stream", name="stderr", text="a warning\n"),
        nbformat.v4.new_output("stream", name="stdout", text="\rbar: 100%| | 2/2\ndone\n")])])

    class Env:
        @staticmethod
        def doc2path(docname):
            return ROOT / f"{docname}.ipynb"

    class App:
        env = Env()

    source = [nbformat.writes(notebook)]
    merge_streams(App(), "notebooks/99_test", source)
    outputs = nbformat.reads(source[0], as_version=4).cells[0].outputs
    assert [(output.name, output.text) for output in outputs] == [("stdout", "bar: 100%| | 2/2\ndone\n"),
                                                                  ("stderr", "a warning\n")]
    untouched = [nbformat.writes(notebook)]
    merge_streams(App(), "book/intro", untouched)
    assert untouched[0] == nbformat.writes(notebook)


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


def test_a_solution_stays_hidden_until_asked_for(site, visit):
    stem = next(path.stem for path in lesson_notebooks() if "Solution" in markdown_details(path))
    page = visit().open(f"{site}/notebooks/{stem}.html")
    solution = page.locator("details", has=page.locator("summary", has_text="Solution")).first
    solution.scroll_into_view_if_needed()
    assert solution.get_attribute("open") is None
    assert not solution.locator("pre").first.is_visible(), f"{stem}: the solution's code shows before a click"
    solution.locator("summary").click()
    page.wait_for_function("d => d.open", arg=solution.element_handle())
    assert solution.locator("pre").first.is_visible()


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
