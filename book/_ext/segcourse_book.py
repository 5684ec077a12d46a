"""Sphinx extension of the course book (book/_config.yml loads it as a local extension).

- ``{segcourse-lessons}``: the learning path, read at build time from notebooks/NN_*.ipynb: number, title and
  minutes by ``segcourse.timing`` (helpers/segcourse/timing.py, the course's one rule for lesson times, which the
  start page and the README's table use too), objectives from each lesson's header. A new lesson appears on the
  landing page and in the instructor notes with no edit.
- ``{segcourse-classes}``: class plans (90-minute classes by default) from the same times, packed in lesson order
  or for a chosen set of lessons; a class longer than its minutes is a build warning.
- ``{segcourse-data-files}``: every file in data/ with the row of data/SOURCES.md that attributes it
  (SOURCES.md stays the one source of truth; a file without a row is a build warning, so an error under -W).
- Alt text: an ``<img>`` inside an HTML output (a stackview table, for example) gets the alt text of its
  cell (``mystnb: image: alt:`` metadata, the same that myst-nb uses for PNG outputs). Its picture, if embedded
  as a PNG data URI, is written to ``_images/`` and loaded lazily (a slider keeps its frames inline).
- Checks, as warnings: an image without alt text, an ipywidget output with no static fallback (offline it
  would be an empty box), a matplotlib figure saved only as its text, a lesson whose first cell has no title.
- Stream outputs merged as nbval compares them: a progress bar shows its last state, as in JupyterLab.
- Folded code cells (tag hide-input) with a summary named by its visible text ("Show code cell source").
- DataFrame outputs: no empty table header cells (a screen reader announces nothing for them): the index
  column's header says "index" to screen readers, a separate row holding only the index name is folded into it.
- The repository's address from pyproject.toml ([project.urls] Repository), the one place it is written: the
  repository, edit and issue buttons and the launch buttons (Binder; a class's JupyterHub through nbgitpuller when
  SEGCOURSE_JUPYTERHUB_URL names it) are built from it.
- Search: the text of every page, section by section, stored in ``_static/segcourse-search-text.js`` so that the
  search page shows snippets without fetching each result page (a browser refuses that from file://).
- A lighter site: the theme's fontawesome.js, source maps and unused MathJax components are removed from the build
  (the pages do not load them; see book/_templates/layout.html).
"""
from __future__ import annotations

import base64
import fnmatch
import hashlib
import html
import importlib.util
import json
import os
import posixpath
import re
import shutil
import struct
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

LOGGER = logging.getLogger(__name__)
LESSON_PATTERN = "[0-9][0-9]_*.ipynb"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
FIGURE_REPR = re.compile(r"<Figure size \d+x\d+ with \d+ Axes>")
IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt\s*=)", re.IGNORECASE)
IMG_WITH_EMPTY_ALT = re.compile(r"(<img\b[^>]*\balt\s*=\s*)(\"\"|'')", re.IGNORECASE)
JUPYTERHUB_VARIABLE = "SEGCOURSE_JUPYTERHUB_URL"


# --- lessons -------------------------------------------------------------------------------------------------
def timing(root: Path):
    """helpers/segcourse/timing.py of the book's own source tree: the course's one rule for lesson times (the
    start page, the README's table and the tests use it too). It needs only the standard library, so it is loaded
    from its file, without importing the helper package (numpy and the rest)."""
    path = root / "helpers" / "segcourse" / "timing.py"
    name = "_segcourse_book_timing"
    module = sys.modules.get(name)
    if module is None or Path(module.__file__) != path:
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or not path.is_file():
            raise ExtensionError(f"{path} is missing: the book takes the lessons' titles and times from it")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module   # dataclasses look their module up while the file runs
        spec.loader.exec_module(module)
    return module


@dataclass
class Lesson:
    """One lesson: number, title and minutes as segcourse.timing reads them, and the objectives of its header."""
    path: Path
    number: str
    title: str
    minutes: int
    has_title: bool = True
    objectives: list[str] = field(default_factory=list)

    @property
    def docname(self) -> str:
        return f"notebooks/{self.path.stem}"

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}"


OBJECTIVES = re.compile(r"\*\*Objectives:?\*\*:?[^\n]*\n", re.IGNORECASE)
BULLET = re.compile(r"^\s*(?:[-*]|\d+\.)\s+")


def read_objectives(text: str) -> list[str]:
    """The bullet list after **Objectives** (bullets may wrap over several lines)."""
    match = OBJECTIVES.search(text)
    if not match:
        return []
    items: list[str] = []
    for line in text[match.end():].splitlines():
        if not line.strip() or (not BULLET.match(line) and not line.startswith((" ", "\t"))):
            if items:
                break
            continue
        if BULLET.match(line):
            items.append(BULLET.sub("", line).strip())
        elif items:
            items[-1] += " " + line.strip()
    return items


def header_text(path: Path) -> str:
    """The markdown cells before a notebook's first code cell (its header)."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return ""
    markdown = []
    for cell in cells:
        if cell.get("cell_type") == "code" and markdown:
            break
        if cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            markdown.append(source if isinstance(source, str) else "".join(source))
    return "\n".join(markdown)


def read_lessons(root: Path) -> list[Lesson]:
    """The lessons in notebooks/, in order: number, title and minutes by segcourse.timing (the time is the one
    the course's rule gives, which each lesson's header must state), objectives from the header."""
    found = []
    rule = timing(root)
    for timed in rule.lessons(root / "notebooks"):
        found.append(Lesson(path=timed.path, number=timed.number, title=timed.title, minutes=timed.minutes,
                            has_title=timed.title != timed.path.stem,
                            objectives=read_objectives(header_text(timed.path))))
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


INLINE_MATHS = re.compile(r"(?<![\\$])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\d$])")   # myst's dollarmath rules
TEX_SYMBOLS = {r"\neq": "≠", r"\ne": "≠", r"\leq": "≤", r"\le": "≤", r"\geq": "≥", r"\ge": "≥",
               r"\times": "×", r"\cdot": "·", r"\approx": "≈", r"\pm": "±", r"\mu": "µ"}
TEX_SYMBOL = re.compile("|".join(re.escape(name) + r"(?![A-Za-z])" for name in
                                 sorted(TEX_SYMBOLS, key=len, reverse=True)))


def plain_maths(text: str) -> str:
    """Simple inline formulas ($l_x = l_y \\neq l_z$) as text: the landing page's table of objectives then needs
    no MathJax. Anything beyond letters with one-character subscripts and a few symbols stays maths."""
    def convert(match: re.Match) -> str:
        formula = TEX_SYMBOL.sub(lambda symbol: TEX_SYMBOLS[symbol.group(0)], match.group(1))
        formula = re.sub(r"\b([A-Za-z])_([A-Za-z0-9])\b", r"*\1*{sub}`\2`", formula)
        formula = re.sub(r"(?<![*`\w])([A-Za-z])(?![*`\w])", r"*\1*", formula)
        return match.group(0) if re.search(r"[\\^{}_]", formula.replace("{sub}", "")) else formula

    return INLINE_MATHS.sub(convert, text)


def note_lesson_page(env) -> None:
    """Pages with tables made from the lessons or data files are re-read on every build."""
    env.segcourse_lesson_docs = getattr(env, "segcourse_lesson_docs", set()) | {env.docname}


def lesson_link(lesson: Lesson) -> str:
    return f"{{doc}}`{_cell(lesson.label)} </{lesson.docname}>`"


class LessonsDirective(SphinxDirective):
    """A table of the lessons: ``:columns: number, lesson, minutes, objectives`` (all by default)."""

    has_content = False
    option_spec = {"columns": directives.unchanged}
    COLUMNS = {"number": "#", "lesson": "lesson", "minutes": "minutes", "objectives": "you will be able to"}

    def run(self):
        root = Path(self.env.srcdir)
        columns = [c.strip() for c in self.options.get("columns", ",".join(self.COLUMNS)).split(",") if c.strip()]
        unknown = [c for c in columns if c not in self.COLUMNS]
        if unknown:
            raise self.error(f"unknown column(s) {unknown}; choose from {list(self.COLUMNS)}")
        note_lesson_page(self.env)
        lessons = read_lessons(root)
        if not lessons:
            LOGGER.warning("no lessons found in notebooks/ (%s)", LESSON_PATTERN, location=self.get_location())
        rows = ["| " + " | ".join(self.COLUMNS[c] for c in columns) + " |", "|" + "---|" * len(columns)]
        for lesson in lessons:
            self.env.note_dependency(str(lesson.path))
            if not lesson.has_title:
                LOGGER.warning("%s: its first cell has no '# NN Title' heading", lesson.path.name,
                               location=self.get_location())
            values = {
                "number": lesson.number,
                "lesson": f"{{doc}}`{_cell(lesson.title)} </{lesson.docname}>`",
                "minutes": str(lesson.minutes),
                "objectives": "<br>".join(_cell(plain_maths(item)) for item in lesson.objectives),
            }
            rows.append("| " + " | ".join(values[c] for c in columns) + " |")
        if "minutes" in columns:
            total = sum(lesson.minutes for lesson in lessons)
            rows.append("| " + " | ".join({"minutes": f"**{total}**", columns[0]: "**total**"}.get(c, "")
                                          for c in columns) + " |")
        # the full table (the landing page's learning path) turns into one card per lesson on a phone
        cards = ["segcourse-lessons-cards"] if columns == list(self.COLUMNS) else []
        container = nodes.container(classes=["segcourse-lessons", *cards])
        self.state.nested_parse(StringList(rows, source="notebooks/"), self.content_offset, container)
        return [container]


def plan_classes(lessons: list[Lesson], minutes: int) -> list[list[Lesson]]:
    """The lessons in order, packed into classes of at most ``minutes`` each (a lesson longer than a class gets
    a class of its own)."""
    classes: list[list[Lesson]] = []
    for lesson in lessons:
        if classes and sum(item.minutes for item in classes[-1]) + lesson.minutes <= minutes:
            classes[-1].append(lesson)
        else:
            classes.append([lesson])
    return classes


def _numbers(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


class ClassesDirective(SphinxDirective):
    """Class plans with the lessons' times by the course's rule (segcourse.timing), so they cannot drift.

    - ``:minutes: 90``: the length of one class;
    - ``:before: 00``: lessons the learners do before the first class (listed first, in no class);
    - ``:lessons: 00, 04, 05, 13``: one class of just these lessons (by number), instead of the whole course
      packed in order into classes.

    A class (or a chosen set of lessons) longer than ``:minutes:`` and a lesson number that matches no lesson are
    build warnings (errors under -W).
    """

    has_content = False
    option_spec = {"minutes": directives.positive_int, "before": directives.unchanged,
                   "lessons": directives.unchanged}

    def run(self):
        note_lesson_page(self.env)
        limit = self.options.get("minutes", 90)
        lessons = read_lessons(Path(self.env.srcdir))
        for lesson in lessons:
            self.env.note_dependency(str(lesson.path))
        by_number = {}
        for lesson in lessons:
            by_number.setdefault(lesson.number, []).append(lesson)

        def chosen(option: str) -> list[Lesson]:
            picked = []
            for number in _numbers(self.options.get(option, "")):
                if number not in by_number:
                    LOGGER.warning("segcourse-classes :%s: names lesson %s, which does not exist (lessons: %s)",
                                   option, number, ", ".join(by_number), location=self.get_location())
                picked += by_number.get(number, [])
            return picked

        rows = ["| class | lessons | minutes |", "|---|---|---|"]
        if "lessons" in self.options:
            classes, before = [chosen("lessons")], []
        else:
            before = chosen("before")
            classes = plan_classes([lesson for lesson in lessons if lesson not in before], limit)
        if before:
            rows.append(f"| before the first class | {'<br>'.join(map(lesson_link, before))} "
                        f"| {sum(lesson.minutes for lesson in before)} |")
        for number, group in enumerate(classes, start=1):
            total = sum(lesson.minutes for lesson in group)
            if total > limit:
                LOGGER.warning("segcourse-classes: %s take %d minutes by the course's rule, more than a class "
                               "of %d minutes", ", ".join(lesson.number for lesson in group), total, limit,
                               location=self.get_location())
            name = "the class" if "lessons" in self.options else str(number)
            rows.append(f"| {name} | {'<br>'.join(map(lesson_link, group))} | {total} |")
        container = nodes.container(classes=["segcourse-lessons", "segcourse-classes"])
        self.state.nested_parse(StringList(rows, source="notebooks/"), self.content_offset, container)
        return [container]


# --- data files ----------------------------------------------------------------------------------------------
def read_sources(path: Path) -> list[dict]:
    """Rows of the first table in data/SOURCES.md, as dicts keyed by the header cells."""
    rows, header = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            if header is not None and rows:
                break
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if header is None:
            header = cells
        elif set("".join(cells)) <= set("-: "):
            continue
        else:
            rows.append(dict(zip(header, cells)))
    return rows


def _human_size(size: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError


class DataFilesDirective(SphinxDirective):
    """Every file in data/, with its size and the licence from the SOURCES.md row that covers it."""

    has_content = False

    def run(self):
        data = Path(self.env.srcdir) / "data"
        sources_path = data / "SOURCES.md"
        self.env.note_dependency(str(sources_path))
        note_lesson_page(self.env)
        sources = read_sources(sources_path)
        skip = {"SOURCES.md", "SHA256SUMS"}
        files = sorted(p for p in data.rglob("*") if p.is_file() and p.name not in skip
                       and not any(part.startswith(".") for part in p.relative_to(data).parts))
        rows = ["| file | size | licence |", "|---|---|---|"]
        for path in files:
            relative = path.relative_to(data).as_posix()
            row = next((r for r in sources if fnmatch.fnmatch(relative, r.get("file", "").strip("`"))), None)
            if row is None:
                LOGGER.warning("data/%s has no row in data/SOURCES.md (every data file needs its source and "
                               "licence)", relative, location=self.get_location())
                row = {}
            rows.append(f"| `{relative}` | {_human_size(path.stat().st_size)} | {row.get('licence', '?')} |")
        container = nodes.container(classes=["segcourse-data-files"])
        self.state.nested_parse(StringList(rows, source="data/SOURCES.md"), self.content_offset, container)
        return [container]


# --- outputs: alt text and static fallbacks ------------------------------------------------------------------
def _cell_alt(metadata) -> str:
    try:
        alt = metadata.get("mystnb", {}).get("image", {}).get("alt", "")
    except AttributeError:
        return ""
    return str(alt or "").strip()


def check_outputs(app, doctree, docname):
    for raw in list(doctree.findall(nodes.raw)):
        if "text/x-thebe-config" in raw.astext():   # inert, but it names a Binder repository: no thebe here
            raw.parent.remove(raw)
    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") != "cell_code":
            continue
        alt = _cell_alt(cell.get("cell_metadata") or {})
        index = cell.get("cell_index")
        for raw in list(cell.findall(nodes.raw)):
            if "html" not in raw.get("format", "").split():
                continue
            text = raw.astext()
            if text.lstrip().startswith(f'<script type="{WIDGET_VIEW}"'):
                LOGGER.warning("%s, cell %s: an ipywidget output with no static HTML fallback shows as an empty "
                               "box on the static page; use segcourse.explore or a static figure", docname, index,
                               location=raw)
                continue
            if 'class="dataframe"' in text:
                labelled = label_dataframe_headers(text)
                if labelled != text:
                    new = nodes.raw("", labelled, format=raw["format"])
                    raw.replace_self(new)
                    raw, text = new, labelled
            if "<img" not in text.lower():
                continue
            missing = IMG_WITHOUT_ALT.search(text) or IMG_WITH_EMPTY_ALT.search(text)
            if missing and not alt:
                LOGGER.warning("%s, cell %s: an HTML output shows an image but the cell has no "
                               "'mystnb: image: alt:' metadata to describe it", docname, index, location=raw)
                continue
            if missing:
                quoted = html.escape(alt, quote=True)
                text = IMG_WITHOUT_ALT.sub(f'<img alt="{quoted}"', text)
                text = IMG_WITH_EMPTY_ALT.sub(lambda m: f'{m.group(1)}"{quoted}"', text)
                raw.replace_self(nodes.raw("", text, format="html"))
        images = list(cell.findall(nodes.image))
        figures = [block for block in cell.findall(nodes.literal_block) if FIGURE_REPR.fullmatch(block.astext().strip())]
        if figures and not images:
            LOGGER.warning("%s, cell %s: a matplotlib figure was saved only as its text (%s), not as a picture; "
                           "the notebook must be re-executed so that the figure is drawn (an inline backend)",
                           docname, index, figures[0].astext().strip(), location=figures[0])
        for image in images:
            if not str(image.get("alt", "")).strip():
                LOGGER.warning("%s, cell %s: an image output has no alt text; give the cell "
                               "'mystnb: image: alt:' metadata", docname, index, location=image)
    for image in doctree.findall(nodes.image):
        if image.get("alt") is not None and not str(image["alt"]).strip():
            LOGGER.warning("%s: an image has empty alt text", docname, location=image)


# --- pictures inside HTML outputs as files -----------------------------------------------------------------------
IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
PNG_DATA = re.compile(r'\bsrc="data:image/png;base64,([A-Za-z0-9+/=]+)"')
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def pictures_as_files(app, doctree, docname):
    """PNG pictures embedded in HTML outputs (stackview's tables) become files in _images/: the page's HTML is up
    to 300 kB smaller, so the browser parses it sooner, and the pictures load lazily, their size known in advance.
    A slider's input picture goes too; its result keeps the data URI (its script swaps the frames in by value)."""
    if app.builder.format != "html":
        return
    folder = Path(app.outdir) / "_images"
    prefix = posixpath.relpath("_images", posixpath.dirname(docname) or ".")

    def as_file(tag: re.Match) -> str:
        if "segcourse-explorer" in text and 'class="segcourse-input"' not in tag.group(0):
            return tag.group(0)   # a slider's result: its script swaps the frames in by value
        match = PNG_DATA.search(tag.group(0))
        data = base64.b64decode(match.group(1)) if match else b""
        if not data.startswith(PNG_SIGNATURE):
            return tag.group(0)
        name = hashlib.sha256(data).hexdigest()[:32] + ".png"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        width, height = struct.unpack(">II", data[16:24])
        size = "" if re.search(r"\b(width|height)\s*=", tag.group(0)) else f' width="{width}" height="{height}"'
        return PNG_DATA.sub(f'src="{prefix}/{name}"{size} loading="lazy" decoding="async"', tag.group(0), count=1)

    for raw in list(doctree.findall(nodes.raw)):
        text = raw.astext()
        if "html" in raw.get("format", "").split() and "data:image/png" in text:
            raw.replace_self(nodes.raw("", IMG_TAG.sub(as_file, text), format=raw["format"]))


# --- DataFrame tables: no empty header cells -------------------------------------------------------------------
TABLE_HEAD = re.compile(r"(<table\b[^>]*\bclass=\"dataframe\"[^>]*>\s*<thead>)(.*?)(</thead>)", re.S)
HEAD_ROW = re.compile(r"<tr\b[^>]*>.*?</tr>", re.S)
HEAD_CELL = re.compile(r"<th\b([^>]*)>(.*?)</th>", re.S)
EMPTY_HEAD_CELL = re.compile(r"<th\b([^>]*)>\s*</th>")


def label_dataframe_headers(text: str) -> str:
    """pandas leaves the index column's header empty (and writes a named index as a second header row).

    The index name, if any, moves up into that corner cell; otherwise the cell says "index" to screen readers
    only. Any other empty header cell is no header: it becomes a data cell.
    """
    def head(match: re.Match) -> str:
        rows = HEAD_ROW.findall(match.group(2))
        if len(rows) == 2 and EMPTY_HEAD_CELL.match(HEAD_CELL.search(rows[0]).group(0)):
            cells = HEAD_CELL.findall(rows[1])
            if cells and cells[0][1].strip() and not any(content.strip() for _, content in cells[1:]):
                rows = [EMPTY_HEAD_CELL.sub(lambda m: f"<th{m.group(1)}>{cells[0][1].strip()}</th>", rows[0], count=1)]
        if rows:
            rows[0] = EMPTY_HEAD_CELL.sub(
                lambda m: f'<th{m.group(1)}><span class="visually-hidden">index</span></th>', rows[0], count=1)
        rows = [EMPTY_HEAD_CELL.sub(r"<td\1></td>", row) for row in rows]
        return match.group(1) + "\n    " + "\n    ".join(rows) + "\n  " + match.group(3)

    return TABLE_HEAD.sub(head, text)


# --- stream outputs as a terminal shows them -------------------------------------------------------------------
def merge_streams(app, docname, source):
    """Each cell's stream outputs merged as nbval compares them (``nbval.plugin.coalesce_streams``): the chunks
    of a stream joined as they were written, then a carriage return not followed by a newline wipes its line.

    A progress bar (tqdm) writes one chunk per update, each starting with a carriage return: a terminal and
    JupyterLab show its last state only. myst-nb's own merging (``nb_merge_streams``) puts a newline after every
    chunk, and without it each chunk is a block of its own: either way the page showed every intermediate state.
    """
    if not docname.startswith("notebooks/") or not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    import nbformat
    from nbval.plugin import coalesce_streams

    notebook = nbformat.reads(source[0], as_version=4)
    changed = False
    for cell in notebook.cells:
        streams = [output for output in cell.get("outputs", []) if output.get("output_type") == "stream"]
        names = [output.get("name") for output in streams]
        if len(set(names)) < len(names) or any(re.search(r"[\r\b]", output.get("text", "")) for output in streams):
            cell.outputs = coalesce_streams(cell.outputs)
            changed = True
    if changed:
        source[0] = nbformat.writes(notebook)


# --- notebooks that were never executed --------------------------------------------------------------------
def check_executed(app, env, docnames):
    """The book shows saved outputs and runs nothing: say so plainly when a lesson was saved unexecuted.

    (myst-nb then warns "No source code lexer found" for every cell, which does not name the cause.)
    """
    for docname in sorted(docnames):
        if not docname.startswith("notebooks/"):
            continue
        path = Path(env.srcdir) / f"{docname}.ipynb"
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        code = [cell for cell in notebook.get("cells", []) if cell.get("cell_type") == "code"]
        if "language_info" not in notebook.get("metadata", {}) or (code and not any(
                cell.get("execution_count") for cell in code)):
            LOGGER.warning("%s.ipynb has not been executed: the book shows a lesson's saved outputs and runs "
                           "nothing; run `make notebooks NOTEBOOKS=%s.ipynb` first", docname, docname,
                           location=docname)


# --- page assets ---------------------------------------------------------------------------------------------
def drop_thebe_assets(app, pagename, templatename, context, doctree):
    """The book has no launch buttons, so no thebe: drop the scripts sphinx-thebe adds to every page anyway.

    (Jupyter Book always loads sphinx-thebe; its inline config script names a CDN URL and is added twice, which
    raises "Identifier 'THEBE_JS_URL' has already been declared" in the browser console.)
    """
    def is_thebe(asset) -> bool:
        body = str(getattr(asset, "attributes", {}).get("body", ""))
        return "thebe" in str(getattr(asset, "filename", asset) or "") or "THEBE_JS_URL" in body

    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not is_thebe(asset)]


# --- folded code cells ---------------------------------------------------------------------------------------------
def visit_folded_code(self, node):
    """A cell tagged hide-input, as myst-nb draws it, but its summary named by what it shows ("Show code cell
    source"): myst-nb labels it "Toggle hidden content", a name that is not its visible text (axe:
    label-content-name-mismatch, serious; a speech-input user says what they see)."""
    self.body.append(f'<details class="admonition hide {" ".join(node["classes"])}">\n<summary>\n'
                     f'<p class="collapsed admonition-title">{html.escape(node["prompt_show"])}</p>\n'
                     f'<p class="expanded admonition-title">{html.escape(node["prompt_hide"])}</p>\n</summary>\n')


def depart_folded_code(self, node):
    self.body.append("</details>\n")


# --- the repository's address -------------------------------------------------------------------------------
def repository_url(root: Path) -> str:
    """pyproject.toml's [project.urls] Repository: the one place where the repository's address is written."""
    path = root / "pyproject.toml"
    try:
        url = str(tomllib.loads(path.read_text(encoding="utf-8"))["project"]["urls"]["Repository"]).rstrip("/")
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError) as error:
        raise ExtensionError(f"{path} names no repository ({type(error).__name__}: {error}); the book's "
                             f"repository and launch buttons need [project.urls] Repository = "
                             f"\"https://github.com/OWNER/NAME\"") from error
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or len(parts.path.strip("/").split("/")) != 2:
        raise ExtensionError(f"{path}: [project.urls] Repository = {url!r} is not a repository's address such as "
                             f"https://github.com/OWNER/NAME")
    return url


def jupyterhub_url() -> str:
    """A class's JupyterHub, from SEGCOURSE_JUPYTERHUB_URL ("" when unset: no JupyterHub button)."""
    url = os.environ.get(JUPYTERHUB_VARIABLE, "").strip().rstrip("/")
    parts = urlsplit(url)
    if url and (parts.scheme not in ("http", "https") or not parts.netloc):
        raise ExtensionError(f"{JUPYTERHUB_VARIABLE}={url!r} is not a JupyterHub's address such as "
                             f"https://hub.example.edu")
    return url


def configure_repository(app, config):
    """Repository, edit and issue buttons and launch links, all from the address in pyproject.toml."""
    options = config.html_theme_options
    options.update(repository_url=repository_url(Path(app.srcdir)), use_repository_button=True,
                   use_edit_page_button=True, use_issues_button=True)
    launch = dict(options.get("launch_buttons") or {})
    if hub := jupyterhub_url():
        launch["jupyterhub_url"] = hub
    options["launch_buttons"] = launch


# --- search snippets -------------------------------------------------------------------------------------------
SEARCH_TEXT_FILE = "segcourse-search-text.js"
NOT_SEARCH_TEXT = (nodes.raw, nodes.image, nodes.comment, nodes.system_message, nodes.substitution_definition)


def page_text(doctree) -> dict:
    """What a reader reads on a page (text, titles and code; no cell outputs, raw HTML or images), as one string,
    and where in it each anchor (section, glossary term, target) starts: {"text": ..., "anchors": {id: offset}}."""
    parts: list[str] = []
    anchors: dict[str, int] = {}
    length = 0

    def add(text: str) -> None:
        nonlocal length
        parts.append(text)
        length += len(text)

    def walk(node) -> None:
        if isinstance(node, nodes.Text):
            add(re.sub(r"\s+", " ", str(node)))
            return
        if isinstance(node, NOT_SEARCH_TEXT) or (isinstance(node, nodes.container)
                                                 and node.get("nb_element") == "cell_code_output"):
            return
        for ident in node.get("ids", []) if isinstance(node, nodes.Element) else []:
            anchors.setdefault(ident, length)
        for child in node.children:
            walk(child)
        if not isinstance(node, nodes.Inline):   # paragraphs, titles, code blocks, list items: words apart
            add(" ")

    walk(doctree)
    text = "".join(parts)
    squeezed, offsets, kept = [], {}, 0   # one space between words; move the anchors with the text
    previous_space = True
    for index, char in enumerate(text):
        offsets[index] = kept
        if char == " " and previous_space:
            continue
        squeezed.append(char)
        previous_space = char == " "
        kept += 1
    offsets[len(text)] = kept
    return {"text": "".join(squeezed).strip(),
            "anchors": {ident: offsets[offset] for ident, offset in anchors.items()}}


def write_search_text(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    texts = {docname: page_text(app.env.get_doctree(docname)) for docname in sorted(app.env.found_docs)}
    target = Path(app.outdir) / "_static" / SEARCH_TEXT_FILE
    target.write_text("// The text of every page and where its anchors start, for search snippets (book/_ext).\n"
                      "window.SEGCOURSE_SEARCH_TEXT = " + json.dumps(texts, ensure_ascii=False, separators=(",", ":"))
                      + ";\n", encoding="utf-8")


# --- a lighter site ----------------------------------------------------------------------------------------------
# MathJax: pages load the combined tex-chtml.js; its fonts, TeX extensions, menu, accessibility explorer (with the
# speech rules and the MathML input it needs) are fetched from the folder on demand. The other combined bundles,
# the SVG output and the node.js entry are never used.
MATHJAX_UNUSED = ["tex-chtml-full.js", "tex-chtml-full-speech.js", "tex-mml-chtml.js", "tex-mml-svg.js",
                  "tex-svg.js", "tex-svg-full.js", "mml-chtml.js", "mml-svg.js", "node-main.js", "latest.js",
                  "output/svg", "output/svg.js", "adaptors", "input/asciimath.js", "input/tex-full.js",
                  "input/tex-base.js"]


def prune_assets(app, exception):
    """Remove from the build what no page loads: the theme's fontawesome.js (book/_templates/layout.html does not
    load it; the stylesheet draws the icons with the web font), source maps, TrueType copies of the web fonts
    (every browser the theme supports reads WOFF2), unused MathJax components, and MathJax itself when no page
    has maths."""
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    doomed = [static / "scripts" / "fontawesome.js", static / "scripts" / "fontawesome.js.LICENSE.txt"]
    doomed += static.rglob("*.map")
    doomed += [font for font in (static / "vendor").rglob("*.ttf") if font.with_suffix(".woff2").exists()]
    mathjax = static / "mathjax"
    uses_mathjax = re.compile(r"mathjax/tex-chtml\.js|segcourse-mathjax\.js")
    pages_with_maths = [page for page in Path(app.outdir).rglob("*.html")
                        if uses_mathjax.search(page.read_text(encoding="utf-8", errors="replace"))]
    if mathjax.is_dir():
        doomed += [mathjax] if not pages_with_maths else [mathjax / name for name in MATHJAX_UNUSED]
    for path in doomed:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def has_maths(doctree) -> bool:
    """Formulas in the page itself: maths nodes, or TeX delimiters in an HTML output (MathJax reads those too)."""
    if doctree is None:
        return False
    if next(iter(doctree.findall(lambda node: isinstance(node, (nodes.math, nodes.math_block)))), None):
        return True
    return any(re.search(r"\\\(|\\\[|\$\$", raw.astext()) for raw in doctree.findall(nodes.raw))


def load_mathjax_after_parsing(app, pagename, templatename, context, doctree):
    """MathJax only on pages with formulas (Sphinx also adds it to a page whose sub-pages have some: the landing
    page), and there through _static/segcourse-mathjax.js, which starts MathJax once the page is parsed: deferred
    or async, MathJax typesets inside DOMContentLoaded and holds the page up."""
    mathjax_path = app.config.mathjax_path
    names = {mathjax_path, f"_static/{mathjax_path}"}
    scripts = context.get("script_files", [])
    if not any(str(getattr(asset, "filename", asset) or "") in names for asset in scripts):
        return
    if not has_maths(doctree):
        context["script_files"] = [asset for asset in scripts
                                   if str(getattr(asset, "filename", asset) or "") not in names
                                   and not str(getattr(asset, "attributes", {}).get("body", "")).startswith(
                                       "window.MathJax")]
        return
    if mathjax_path != "mathjax/tex-chtml.js":
        raise ExtensionError(f"mathjax_path is {mathjax_path!r}; book/_static/segcourse-mathjax.js starts "
                             f"mathjax/tex-chtml.js (from sphinx-mathjax-offline): update one of them")
    mathjax = next(asset for asset in scripts if str(getattr(asset, "filename", asset) or "") in names)
    loader = type(mathjax)("_static/segcourse-mathjax.js", priority=getattr(mathjax, "priority", 500))
    context["script_files"] = [loader if asset is mathjax else asset for asset in scripts
                               if asset is mathjax or str(getattr(asset, "filename", asset) or "") not in names]


BRAND_ICONS = {"fab fa-github": "fa-segcourse-github"}   # drawn by book/_static/segcourse.css, no brands font


def use_own_brand_icons(app, pagename, templatename, context, doctree):
    """The repository buttons' GitHub icon without Font Awesome's brands font (117 kB for one icon)."""
    def swap(buttons):
        for button in buttons:
            button["icon"] = BRAND_ICONS.get(button.get("icon"), button.get("icon"))
            swap(button.get("buttons", []))

    swap(context.get("header_buttons", []))


# --- rebuild bookkeeping -----------------------------------------------------------------------------------
def outdated(app, env, added, changed, removed):
    """Pages with generated tables are re-read on every build: lessons and data files may have come and gone."""
    return sorted(getattr(env, "segcourse_lesson_docs", set()) - set(removed))


def purge(app, env, docname):
    if hasattr(env, "segcourse_lesson_docs"):
        env.segcourse_lesson_docs.discard(docname)


def merge(app, env, docnames, other):
    env.segcourse_lesson_docs = (getattr(env, "segcourse_lesson_docs", set())
                                 | getattr(other, "segcourse_lesson_docs", set()))


def setup(app):
    app.add_directive("segcourse-lessons", LessonsDirective)
    app.add_directive("segcourse-classes", ClassesDirective)
    from myst_nb.sphinx_ import HideCodeCellNode
    app.add_node(HideCodeCellNode, override=True, html=(visit_folded_code, depart_folded_code))
    app.add_directive("segcourse-data-files", DataFilesDirective)
    app.connect("doctree-resolved", check_outputs, priority=900)  # after sphinx-thebe and myst-nb
    app.connect("doctree-resolved", pictures_as_files, priority=950)  # after the alt text is in
    app.connect("env-before-read-docs", check_executed)
    app.connect("source-read", merge_streams)
    app.connect("html-page-context", drop_thebe_assets)
    app.connect("html-page-context", load_mathjax_after_parsing, priority=600)   # after sphinx.ext.mathjax
    app.connect("html-page-context", use_own_brand_icons, priority=600)   # after sphinx-book-theme's buttons
    app.connect("env-get-outdated", outdated)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("config-inited", configure_repository)
    app.connect("build-finished", write_search_text)
    app.connect("build-finished", prune_assets, priority=900)   # after sphinx-mathjax-offline copies MathJax
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
