"""What the book's pages load, and how soon a lesson page is ready.

- No page loads the theme's fontawesome.js (1.5 MB: the theme's stylesheet already draws its icons with the Font
  Awesome web font), Sphinx's search scripts and index outside the search page, or MathJax without maths
  (book/_templates/layout.html, book/_ext/segcourse_book.py).
- Every lesson page reaches DOMContentLoaded within 1 s on localhost, with an empty cache and the CPU slowed down
  4x (Chrome DevTools Protocol: Emulation.setCPUThrottlingRate), the best of up to five fresh loads. This is a time
  measured on the machine that runs the tests: a machine busy with other work is slower, so the failure message
  gives the time an empty page took under the same conditions.
"""
from __future__ import annotations

import re

from book_site import browser, build, html, lesson_pages, reader_pages, site  # noqa: F401

DCL_BUDGET_MS = 1000
CPU_SLOWDOWN = 4
LOADS = 5
THEME_BUDGET_BYTES = 1_000_000      # scripts, styles and fonts from _static/ on a first visit (MathJax aside)
SCRIPT_SRC = re.compile(r'<script\b[^>]*\bsrc="([^"]+)"')


def test_pages_load_only_what_they_use(html):
    problems = []
    for path in reader_pages(html):
        text = (html / path).read_text(encoding="utf-8")
        scripts = [src.split("?")[0].rsplit("/", 1)[-1] for src in SCRIPT_SRC.findall(text)]
        if "fontawesome.js" in scripts:
            problems.append(f"{path}: loads fontawesome.js")
        search = {"searchindex.js", "searchtools.js", "language_data.js"} & set(scripts)
        if path != "search.html" and search:
            problems.append(f"{path}: loads the search machinery {sorted(search)}")
        has_maths, loads_mathjax = 'class="math' in text, bool({"segcourse-mathjax.js", "tex-chtml.js"} & set(scripts))
        if has_maths != loads_mathjax:
            problems.append(f"{path}: {'maths' if has_maths else 'no maths'}, "
                            f"{'loads' if loads_mathjax else 'does not load'} MathJax")
    assert not problems, "\n".join(problems)
    shipped = [p.relative_to(html).as_posix() for p in (html / "_static").rglob("*")
               if p.name == "fontawesome.js" or p.suffix == ".map"]
    assert not shipped, f"files no page loads are still in the site: {shipped}"


def first_visit(browser, url: str, slowdown: float = 1) -> tuple[float, dict[str, int]]:
    """(DOMContentLoaded in ms, bytes by resource) for one load with an empty cache."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, service_workers="block")
    try:
        page = context.new_page()
        if slowdown != 1:
            context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
        page.goto(url, wait_until="load")
        return page.evaluate("""() => {
            const navigation = performance.getEntriesByType('navigation')[0];
            const sizes = {};
            for (const entry of performance.getEntriesByType('resource')) sizes[entry.name] = entry.encodedBodySize;
            sizes[location.href] = navigation.encodedBodySize;
            return [navigation.domContentLoadedEventEnd, sizes];
        }""")
    finally:
        context.close()


SEARCH_DATA = ("searchindex.js", "segcourse-search-text.js")   # the search page's data, not the theme's


def test_theme_assets_on_a_first_visit(html, site, browser):
    """Scripts, stylesheets and fonts of the theme that a first visit fetches (2.45 MB before the cuts)."""
    sizes, problems = {}, []
    for path in ["book/intro.html", *lesson_pages(html)[:1], "search.html"]:
        _, loaded = first_visit(browser, f"{site}/{path}")
        theme = {url: size for url, size in loaded.items() if "/_static/" in url and "/_static/mathjax/" not in url
                 and not url.split("?")[0].endswith(SEARCH_DATA)}
        sizes[path] = sum(theme.values())
        if sizes[path] >= THEME_BUDGET_BYTES:
            largest = sorted(theme.items(), key=lambda item: -item[1])
            problems.append(f"{path}: {sizes[path] / 1e6:.2f} MB of theme assets: " + ", ".join(
                f"{url.rsplit('/', 1)[-1]} {size // 1000} kB" for url, size in largest))
    print("\ntheme assets on a first visit: " + ", ".join(f"{p} {s / 1e6:.2f} MB" for p, s in sizes.items()))
    assert not problems, "\n".join(problems)


def test_lesson_pages_reach_domcontentloaded_within_1_s(html, site, browser):
    floor = min(first_visit(browser, "data:text/html,<!doctype html><title>empty</title><p>empty", CPU_SLOWDOWN)[0]
                for _ in range(LOADS))
    times, slow = {}, []
    for path in lesson_pages(html):
        measured = []
        while len(measured) < LOADS and (not measured or min(measured) > DCL_BUDGET_MS):
            measured.append(first_visit(browser, f"{site}/{path}", CPU_SLOWDOWN)[0])
        times[path] = measured
        if min(measured) > DCL_BUDGET_MS:
            slow.append(f"{path}: {' / '.join(f'{t:.0f}' for t in measured)} ms")
    print(f"\nDOMContentLoaded with {CPU_SLOWDOWN}x CPU slowdown, empty cache (best of up to {LOADS}; an empty page "
          f"{floor:.0f} ms): " + ", ".join(f"{p.rsplit('/', 1)[-1]} {min(t):.0f}" for p, t in times.items()))
    assert not slow, (f"lesson pages over {DCL_BUDGET_MS} ms to DOMContentLoaded ({CPU_SLOWDOWN}x CPU slowdown, "
                      f"empty cache; on this machine an empty page took {floor:.0f} ms):\n" + "\n".join(slow))
