"""Layout of the built book in Chromium: phones, the desktop text column, sliders on a phone, dark mode.

Every page is discovered from the build (tests/book_site.py), so a lesson added or renamed is checked as it is.
"""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from book_site import (DESKTOP, PHONE, browser, build, html, lesson_pages, pages_containing, reader_pages,  # noqa: F401
                       site, visit)

CODE_LINE = 88                       # the longest code line a lesson may have (tests/test_notebook_hygiene.py)
CLASSIC_SCROLLBAR = 17               # px a desktop browser with classic scrollbars takes from the width
THUMB = 28                           # px, the slider handle on the book's pages
TOUCH_TARGET = 44                    # px, the height of a slider's touch area

WIDEST = """() => {
    const width = document.documentElement.clientWidth;
    const offenders = [];
    for (const el of document.querySelectorAll('.bd-main *')) {
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.right <= width + 0.5 || !el.checkVisibility()) continue;
        if ([...el.children].some(child => child.getBoundingClientRect().right > width + 0.5)) continue;
        offenders.push(`${el.tagName.toLowerCase()}.${String(el.className).split(' ')[0]} ends at `
                       + `${Math.round(box.right)} px: ${(el.textContent || '').trim().slice(0, 50)}`);
    }
    return [document.documentElement.scrollWidth, offenders.slice(0, 5)];
}"""


def test_no_page_is_wider_than_a_phone(html, site, visit):
    tab = visit(viewport=PHONE, is_mobile=True, has_touch=True)
    problems = []
    for path in reader_pages(html):
        page = tab.open(f"{site}/{path}")
        width, offenders = page.evaluate(WIDEST)
        if width > PHONE["width"]:
            problems.append(f"{path}: {width} px wide; " + "; ".join(offenders))
    assert not problems, f"pages wider than a {PHONE['width']} px screen (they scroll sideways):\n" + "\n".join(
        problems)


def test_wide_tables_scroll_inside_themselves_on_a_phone(html, site, visit):
    """A table wider than the column (the learning path, DataFrames, stackview) scrolls in its own box."""
    tab = visit(viewport=PHONE)
    problems = []
    for path in reader_pages(html):
        page = tab.open(f"{site}/{path}")
        problems += [f"{path}: {problem}" for problem in page.evaluate("""() => {
            const column = document.querySelector('article.bd-article') || document.body;
            const right = column.getBoundingClientRect().right;
            const problems = [];
            for (const table of column.querySelectorAll('table')) {
                if (table.parentElement.closest('table')) continue;   // tables inside tables scroll with theirs
                if (table.getBoundingClientRect().right <= right + 0.5) continue;
                let box = table.parentElement;
                while (box && box !== column && !/(auto|scroll)/.test(getComputedStyle(box).overflowX))
                    box = box.parentElement;
                if (!box || box === column || box.getBoundingClientRect().right > right + 0.5)
                    problems.push('a table ' + Math.round(table.getBoundingClientRect().width)
                                  + ' px wide that does not scroll inside the column: '
                                  + table.textContent.trim().slice(0, 40));
            }
            return problems;
        }""")]
    assert not problems, "\n".join(problems)


def test_code_cells_fit_the_text_column_at_1366_px(html, site, visit):
    tab = visit(viewport=DESKTOP)
    problems = []
    for path in lesson_pages(html):
        page = tab.open(f"{site}/{path}")
        for index, hidden, line in page.evaluate("""() => [...document.querySelectorAll('div.cell_input pre')]
            .map((pre, index) => [index, pre.scrollWidth - pre.clientWidth,
                                  pre.textContent.split('\\n').reduce((a, b) => b.length > a.length ? b : a, '')])
            .filter(([, hidden]) => hidden > 0)"""):
            problems.append(f"{path}, code cell {index}: {hidden} px hidden; its longest line has {len(line)} "
                            f"characters (at most {CODE_LINE}): {line[:60]!r}")
    assert not problems, "code cells wider than the text column at 1366 px:\n" + "\n".join(problems)


@pytest.mark.parametrize("width", [DESKTOP["width"], DESKTOP["width"] - CLASSIC_SCROLLBAR])
def test_a_code_line_of_88_characters_fits_the_column(html, site, visit, width):
    """Room for 88 characters of the code font in every lesson's code cells, also beside a classic scrollbar."""
    tab = visit(viewport={"width": width, "height": DESKTOP["height"]})
    problems = []
    for path in lesson_pages(html):
        page = tab.open(f"{site}/{path}")
        room = page.evaluate("""count => [...document.querySelectorAll('div.cell_input pre')].map(pre => {
            const style = getComputedStyle(pre);
            const line = document.createElement('span');
            line.textContent = 'M'.repeat(count);
            pre.appendChild(line);
            const needed = line.getBoundingClientRect().width;
            line.remove();
            return [pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight), needed];
        })""", CODE_LINE)
        problems += [f"{path}: {needed:.0f} px needed, {have:.0f} px of room" for have, needed in room
                     if needed > have + 0.5]
    assert not problems, "\n".join(sorted(set(problems))[:20])


# --- sliders on a phone ---------------------------------------------------------------------------------------------
def slider_pages(html) -> list[str]:
    return pages_containing(html, 'class="segcourse-explorer"', lesson_pages(html))


def thumb_size(png: bytes, colour: tuple[int, int, int]) -> tuple[int, int]:
    """Width and height of the area drawn in the thumb's colour in a screenshot of a range input."""
    pixels = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = pixels.size
    xs, ys = [], []
    data = pixels.load()
    for y in range(height):
        for x in range(width):
            if sum(abs(a - b) for a, b in zip(data[x, y], colour)) < 40:
                xs.append(x)
                ys.append(y)
    return (max(xs) - min(xs) + 1, max(ys) - min(ys) + 1) if xs else (0, 0)


def test_sliders_are_usable_on_a_phone(html, site, visit):
    pages = slider_pages(html)
    if not pages:
        pytest.skip("no lesson has a slider (segcourse.explore) yet")
    tab = visit(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=1)
    problems = []
    for path in pages:
        page = tab.open(f"{site}/{path}")
        explorer = page.locator(".segcourse-explorer").first
        explorer.scroll_into_view_if_needed()
        geometry = explorer.evaluate("""root => {
            const box = el => el.getBoundingClientRect();
            const inner = box(root).width - parseFloat(getComputedStyle(root).paddingLeft)
                          - parseFloat(getComputedStyle(root).paddingRight) - 2;
            const ranges = [...root.querySelectorAll('input[type=range]')].map(box);
            const result = box(root.querySelector('img.segcourse-result'));
            const input = box(root.querySelector('img.segcourse-input'));
            return {inner, result: [result.width, result.top], input: [input.width, input.top],
                    lefts: ranges.map(r => r.left), rights: ranges.map(r => r.right),
                    heights: ranges.map(r => r.height)};
        }""")
        inner = geometry["inner"]
        if min(geometry["result"][0], geometry["input"][0]) < 0.9 * inner:
            problems.append(f"{path}: images {geometry['result'][0]:.0f} and {geometry['input'][0]:.0f} px wide "
                            f"in a {inner:.0f} px slider box (want the full width on a phone)")
        if geometry["result"][1] > geometry["input"][1]:
            problems.append(f"{path}: the result is below the input (want it right under the slider)")
        if max(geometry["lefts"]) - min(geometry["lefts"]) > 1 or max(geometry["rights"]) - min(geometry["rights"]) > 1:
            problems.append(f"{path}: the sliders do not line up: left edges {geometry['lefts']}, "
                            f"right edges {geometry['rights']}")
        if min(geometry["heights"]) < TOUCH_TARGET:
            problems.append(f"{path}: slider touch area {min(geometry['heights']):.0f} px high (want {TOUCH_TARGET})")
        slider = explorer.locator("input[type=range]").first
        primary = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--pst-color-primary')")
        colour = tuple(int(primary.strip().lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
        size = thumb_size(slider.screenshot(), colour)
        if min(size) < THUMB - 2:
            problems.append(f"{path}: the slider's handle is {size[0]}x{size[1]} px (want {THUMB})")
        # a tap near the right end of the track moves the handle there
        box = slider.bounding_box()
        before = int(slider.input_value())
        page.touchscreen.tap(box["x"] + box["width"] * 0.97, box["y"] + box["height"] / 2)
        after = int(slider.input_value())
        if after != int(slider.get_attribute("max")) or after == before:
            problems.append(f"{path}: tapping the end of the slider set it to {after} (from {before}, "
                            f"max {slider.get_attribute('max')})")
    assert not problems, "\n".join(problems)
    assert not tab.errors and not tab.outside, tab.errors + tab.outside


# --- dark mode -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("system", ["light", "dark"])
def test_colour_mode_follows_the_operating_system_from_the_first_paint(site, visit, system):
    tab = visit(color_scheme=system)
    # without the theme's script: the colour mode is set in the page's head, before anything is drawn
    tab.context.route("**/pydata-sphinx-theme.js*", lambda route: route.abort())
    page = tab.open(f"{site}/book/intro.html", wait_until="load")
    assert page.evaluate("document.documentElement.dataset.theme") == system
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == (
        "rgb(255, 255, 255)" if system == "light" else "rgb(18, 18, 18)")


def test_a_colour_mode_chosen_by_the_reader_wins(site, visit):
    tab = visit(color_scheme="dark")
    page = tab.open(f"{site}/book/intro.html", wait_until="load")
    page.evaluate("localStorage.setItem('mode', 'light')")
    page.reload(wait_until="load")
    assert page.evaluate("document.documentElement.dataset.theme") == "light"


FIGURE_STYLE = """() => [...document.querySelectorAll('div.cell_output > img, .segcourse-explorer img')].map(img => {
    const style = getComputedStyle(img);
    return [img.closest('.segcourse-explorer') ? 'slider' : 'figure', img.getAttribute('src').slice(0, 60),
            style.backgroundColor, style.filter, style.paddingTop];
})"""


def test_figures_are_readable_in_dark_mode(html, site, visit):
    """Figures keep a white card, dimmed (no glare, and a transparent figure stays readable); pictures of data in
    the sliders are shown as they are."""
    tab = visit(color_scheme="dark")
    problems = []
    for path in lesson_pages(html):
        page = tab.open(f"{site}/{path}")
        for kind, source, background, filter_, padding in page.evaluate(FIGURE_STYLE):
            dim = re.fullmatch(r"brightness\(([\d.]+)\)", filter_)
            if kind == "figure" and (background != "rgb(255, 255, 255)" or not dim or not 0.7 <= float(dim[1]) < 1):
                problems.append(f"{path}: figure {source}: background {background}, filter {filter_}")
            if kind == "slider" and (filter_ != "none" or padding != "0px"):
                problems.append(f"{path}: slider picture {source}: filter {filter_}, padding {padding}")
    assert not problems, "\n".join(problems[:30])
    light = visit(color_scheme="light")
    for path in lesson_pages(html)[:3]:
        page = light.open(f"{site}/{path}")
        changed = [item for item in page.evaluate(FIGURE_STYLE) if item[3] != "none"]
        assert not changed, f"{path}: figures altered in light mode: {changed[:3]}"


CONTRAST = """() => {
    const luminance = rgb => {
        const [r, g, b] = rgb.match(/[\\d.]+/g).slice(0, 3).map(v => v / 255)
            .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const background = el => {
        for (; el; el = el.parentElement) {
            const colour = getComputedStyle(el).backgroundColor;
            const alpha = colour.match(/[\\d.]+/g)[3];
            if (alpha === undefined || parseFloat(alpha) > 0.5) return colour;
        }
        return 'rgb(255, 255, 255)';
    };
    return [...document.querySelectorAll('div.cell_output a')].map(a => {
        const [l1, l2] = [luminance(getComputedStyle(a).color), luminance(background(a))].sort((x, y) => y - x);
        return [a.textContent.trim().slice(0, 30), (l1 + 0.05) / (l2 + 0.05)];
    });
}"""


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_links_in_outputs_have_contrast(html, site, visit, mode):
    """stackview's header links sit on the theme's light output card in dark mode (they measured 2.2:1)."""
    tab = visit(color_scheme=mode)
    problems = []
    for path in pages_containing(html, "<a ", lesson_pages(html)):
        page = tab.open(f"{site}/{path}")
        problems += [f"{path}: link {text!r} {ratio:.2f}:1" for text, ratio in page.evaluate(CONTRAST) if ratio < 4.5]
    assert not problems, f"links in outputs below 4.5:1 in {mode} mode:\n" + "\n".join(sorted(set(problems)))

