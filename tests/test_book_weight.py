"""What the book's pages load: budgets of bytes and requests, counted on a first visit, and nothing a page does
not use.

- No page loads the theme's fontawesome.js (1.5 MB: the theme's stylesheet already draws its icons with the Font
  Awesome web font), Sphinx's search scripts and index outside the search page, or MathJax without maths
  (book/_templates/layout.html, book/_ext/segcourse_book.py).
- Every page stays within its budgets on a first visit (an empty cache, 1366x768, until the load event): its own
  HTML, the theme's scripts, styles and fonts, MathJax where the page has maths, the pictures it shows at once,
  everything together, and the number of requests. These are counts, the same on every machine.

How soon a page is ready is a time, which depends on the machine and on what else runs on it: the benchmark
measures it (`python tools/benchmark.py --only book-pages`: DOMContentLoaded of every page with the CPU slowed
down 4x, target 1 s), not a test.
"""
from __future__ import annotations

import re
import sys

from book_site import ROOT, browser, build, html, reader_pages, site  # noqa: F401

SCRIPT_SRC = re.compile(r'<script\b[^>]*\bsrc="([^"]+)"')
SEARCH_DATA = ("searchindex.js", "segcourse-search-text.js")   # the search page's data, not the theme's
BUDGETS = {                       # bytes (as served) and requests on a first visit, per page
    "html": 400_000,              # the page itself: the browser parses all of it before DOMContentLoaded
    "theme": 1_000_000,           # scripts, styles and fonts from _static/ (2.45 MB before the cuts)
    "mathjax": 1_400_000,         # MathJax and its fonts, on pages with maths only (about 1.2 MB)
    "search": 600_000,            # the search page's index and stored text
    "pictures": 1_500_000,        # figures shown at once (stackview pictures load lazily)
    "total": 3_000_000,
    "requests": 45,
}


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


def first_visit(browser, url: str) -> tuple[int, dict[str, int]]:
    """(requests, bytes by URL) for one load with an empty cache, until the load event."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, service_workers="block")
    try:
        page = context.new_page()
        requests = []
        page.on("requestfinished", lambda request: requests.append(request.url))
        page.goto(url, wait_until="load")
        sizes = page.evaluate("""() => {
            const sizes = {};
            for (const entry of performance.getEntriesByType('resource')) sizes[entry.name] = entry.encodedBodySize;
            sizes[location.href] = performance.getEntriesByType('navigation')[0].encodedBodySize;
            return sizes;
        }""")
        return len(requests), sizes
    finally:
        context.close()


def weigh(url: str, sizes: dict[str, int]) -> dict[str, int]:
    """A first visit's bytes by kind."""
    kinds = dict.fromkeys(BUDGETS, 0)
    for resource, size in sizes.items():
        name = resource.split("?")[0]
        kind = ("html" if resource == url else "mathjax" if "/_static/mathjax/" in name
                else "search" if name.endswith(SEARCH_DATA) else "theme" if "/_static/" in name
                else "pictures" if "/_images/" in name or name.startswith("data:image") else "total")
        kinds[kind] += size
        if kind != "total":
            kinds["total"] += size
    return kinds


def test_every_page_stays_within_its_byte_and_request_budgets(html, site, browser):
    rows, problems = [], []
    for path in reader_pages(html):
        url = f"{site}/{path}"
        requests, sizes = first_visit(browser, url)
        kinds = weigh(url, sizes) | {"requests": requests}
        rows.append(f"{path:<48} {requests:>3} requests, {kinds['total'] / 1e6:.2f} MB (HTML "
                    f"{kinds['html'] / 1e3:.0f} kB, theme {kinds['theme'] / 1e3:.0f} kB, MathJax "
                    f"{kinds['mathjax'] / 1e3:.0f} kB, pictures {kinds['pictures'] / 1e3:.0f} kB)")
        over = [f"{kind} {kinds[kind]:,} > {budget:,}" for kind, budget in BUDGETS.items() if kinds[kind] > budget]
        if over:
            problems.append(f"{path}: " + ", ".join(over))
        if kinds["theme"] == 0 or kinds["html"] == 0:
            problems.append(f"{path}: nothing measured ({kinds})")
    print("\nfirst visit, 1366x768, until the load event:\n" + "\n".join(rows))
    assert not problems, "pages over their budgets (book/_ext, book/_templates, or lighter lesson outputs):\n" + \
        "\n".join(problems)


def test_page_load_times_are_the_benchmarks_business():
    """The timing this module once asserted is a section of the benchmark, with its target and verdict."""
    sys.path.insert(0, str(ROOT / "tools"))
    import benchmark

    section = {"loads": 3, "cores": 2, "load_average": {"before": (0.5, 0.4, 0.3), "after": (1.5, 0.9, 0.5)},
               "empty_page_ms": [40.0, 41.0, 39.0], "pages": {
                   "book/intro.html": {"type": "landing page", "dcl_ms": [500.0, 520.0, 480.0], "median_ms": 500.0,
                                       "best_ms": 480.0, "html_bytes": 38_000},
                   "notebooks/03_x.html": {"type": "lesson", "dcl_ms": [1200.0, 1100.0, 1300.0],
                                           "median_ms": 1200.0, "best_ms": 1100.0, "html_bytes": 268_000}}}
    report = "\n".join(benchmark.format_book_pages(section))
    assert "load average 0.50 before, 1.50 after" in report
    assert re.search(r"landing page\s+1\s+500 book/intro.html\s+500\s+< 1000 ms PASS", report)
    assert re.search(r"lesson\s+1\s+1200 notebooks/03_x.html\s+1200\s+< 1000 ms MISS", report)
    assert "MISS notebooks/03_x.html: 1200 / 1100 / 1300 ms (268 kB of HTML)" in report
    assert benchmark.TARGETS["book_page_dcl_ms"] == 1000.0
