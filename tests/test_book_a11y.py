"""Accessibility of the built book: axe-core on every page, light and dark, on a desktop and on a phone.

axe-core comes from the npm registry (tests/node, `npm ci --prefix tests/node`) and is injected into each page
from there; the rules are WCAG 2.0, 2.1 and 2.2 A/AA plus axe's best practices, none switched off. A serious or
critical violation anywhere, the theme's own included, fails; the counts of every impact are printed. The
colour mode is the operating system's (Chromium's prefers-color-scheme), which the book follows.
"""
from __future__ import annotations

import re
from collections import Counter

import pytest

from book_site import (DESKTOP, PHONE, ROOT, browser, build, html, reader_pages, require_axe, site,  # noqa: F401
                       visit)

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_RUN = """async tags => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
    return result.violations.map(v => ({rule: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.html.slice(0, 160))}));
}"""
FAILING = {"serious", "critical"}


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_no_serious_or_critical_axe_violation(html, site, visit, device, mode):
    axe = require_axe()
    tab = visit(viewport=DESKTOP if device == "desktop" else PHONE, color_scheme=mode)
    counts, serious = Counter(), []
    for path in reader_pages(html):
        page = tab.open(f"{site}/{path}")
        assert page.evaluate("document.documentElement.dataset.theme") == mode, f"{path}: not in {mode} mode"
        page.add_script_tag(path=str(axe))
        for violation in page.evaluate(AXE_RUN, AXE_TAGS):
            counts[violation["impact"]] += len(violation["nodes"])
            if violation["impact"] in FAILING:
                serious += [f"{path}: {violation['rule']} ({violation['impact']}, {violation['help']}): {node}"
                            for node in violation["nodes"]]
    print(f"\naxe-core, {device} {mode}: violations by impact {dict(counts) or 'none'} "
          f"on {len(reader_pages(html))} pages")
    assert not serious, f"{len(serious)} serious or critical axe violations:\n" + "\n".join(serious[:60])
    assert not tab.outside, f"requests that left 127.0.0.1: {sorted(set(tab.outside))}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_one_search_box(html, site, visit, viewport):
    """One search control on screen (the theme showed two on a desktop), named by what it shows."""
    tab = visit(viewport=viewport)
    for path in ["book/intro.html", *[p for p in reader_pages(html) if p.startswith("notebooks/")][:1]]:
        page = tab.open(f"{site}/{path}")
        visible = page.eval_on_selector_all(
            ".search-button__button, form.bd-search",
            "els => els.filter(el => el.checkVisibility() && el.getBoundingClientRect().width > 0)"
            ".map(el => el.getAttribute('aria-label') || el.textContent.replace(/\\s+/g, ' ').trim())")
        assert len(visible) == 1, f"{path} at {viewport['width']} px: {len(visible)} search controls: {visible}"


def test_no_empty_header_cells_in_dataframe_tables(html):
    """pandas leaves the index column's header empty; the book fills it (see book/_ext)."""
    problems = []
    for path in reader_pages(html):
        text = (html / path).read_text(encoding="utf-8")
        for head in re.findall(r'<table\b[^>]*class="dataframe"[^>]*>\s*<thead>(.*?)</thead>', text, re.S):
            empty = re.findall(r"<th\b[^>]*>\s*</th>", head)
            if empty:
                problems.append(f"{path}: {len(empty)} empty <th> in a DataFrame header")
    assert not problems, "\n".join(problems)


def test_dataframe_headers_are_labelled_as_pandas_writes_them():
    """The book's rewrite of pandas' HTML, on what pandas writes for a plain and a named index."""
    pandas = pytest.importorskip("pandas")
    import sys
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from segcourse_book import label_dataframe_headers

    plain = pandas.DataFrame({"objects": [64, 68]}, index=["Otsu", "ImageJ"]).to_html()
    labelled = label_dataframe_headers(plain)
    assert re.search(r'<th><span class="visually-hidden">index</span></th>\s*<th>objects</th>', labelled)
    assert not re.search(r"<th\b[^>]*>\s*</th>", labelled)

    named = pandas.DataFrame({"z": [0.5], "y": [1.0]}, index=pandas.Index([0], name="vertex")).to_html()
    labelled = label_dataframe_headers(named)
    head = re.search(r"<thead>(.*?)</thead>", labelled, re.S).group(1)
    assert head.count("<tr") == 1, "the row holding only the index name is folded into the header row"
    assert re.search(r"<th>vertex</th>\s*<th>z</th>\s*<th>y</th>", head)
    assert re.search(r"<tbody>\s*<tr>\s*<th>0</th>\s*<td>0.5</td>", labelled), "the body is left as it was"
