"""Sphinx extension of the course book (book/_config.yml loads it as a local extension).

- ``{segcourse-lessons}``: the learning path, read at build time from notebooks/NN_*.ipynb (number, title,
  minutes, objectives), so a new lesson appears on the landing page and in the instructor notes with no edit.
- ``{segcourse-data-files}``: every file in data/ with the row of data/SOURCES.md that attributes it
  (SOURCES.md stays the one source of truth; a file without a row is a build warning, so an error under -W).
- Alt text: an ``<img>`` inside an HTML output (a stackview table, for example) gets the alt text of its
  cell (``mystnb: image: alt:`` metadata, the same that myst-nb uses for PNG outputs).
- Checks, as warnings: an image without alt text, an ipywidget output with no static fallback (offline it
  would be an empty box), a matplotlib figure saved only as its text, a lesson whose first cell states no title
  or no time.
"""
from __future__ import annotations

import fnmatch
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

LOGGER = logging.getLogger(__name__)
LESSON_PATTERN = "[0-9][0-9]_*.ipynb"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
FIGURE_REPR = re.compile(r"<Figure size \d+x\d+ with \d+ Axes>")
IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt\s*=)", re.IGNORECASE)
IMG_WITH_EMPTY_ALT = re.compile(r"(<img\b[^>]*\balt\s*=\s*)(\"\"|'')", re.IGNORECASE)


# --- lessons -------------------------------------------------------------------------------------------------
@dataclass
class Lesson:
    path: Path
    number: str
    title: str = ""
    minutes: int | None = None
    objectives: list[str] = field(default_factory=list)

    @property
    def docname(self) -> str:
        return f"notebooks/{self.path.stem}"


TITLE = re.compile(r"^#\s+(?:(\d\d)\s+)?(.+?)\s*$", re.MULTILINE)
TIME = re.compile(r"\*\*Time:?\*\*\s*:?\s*(?:about\s+|~\s*)?(\d+)", re.IGNORECASE)
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


def read_lessons(root: Path) -> list[Lesson]:
    """The lessons in notebooks/, in order, with what their first markdown cells say about them."""
    lessons = []
    for path in sorted((root / "notebooks").glob(LESSON_PATTERN)):
        lesson = Lesson(path=path, number=path.name[:2])
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            lessons.append(lesson)
            continue
        markdown = []
        for cell in notebook.get("cells", []):
            if cell.get("cell_type") == "code" and markdown:
                break
            if cell.get("cell_type") == "markdown":
                source = cell.get("source", "")
                markdown.append(source if isinstance(source, str) else "".join(source))
        head = "\n".join(markdown)
        if match := TITLE.search(head):
            lesson.title = match.group(2)
        if match := TIME.search(head):
            lesson.minutes = int(match.group(1))
        lesson.objectives = read_objectives(head)
        lessons.append(lesson)
    return lessons


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


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
        self.env.segcourse_lesson_docs = getattr(self.env, "segcourse_lesson_docs", set()) | {self.env.docname}
        lessons = read_lessons(root)
        if not lessons:
            LOGGER.warning("no lessons found in notebooks/ (%s)", LESSON_PATTERN, location=self.get_location())
        rows = ["| " + " | ".join(self.COLUMNS[c] for c in columns) + " |", "|" + "---|" * len(columns)]
        for lesson in lessons:
            self.env.note_dependency(str(lesson.path))
            if not lesson.title:
                LOGGER.warning("%s: its first cell has no '# NN Title' heading", lesson.path.name,
                               location=self.get_location())
            if lesson.minutes is None:
                LOGGER.warning("%s: its first cell states no time ('**Time**: N minutes')", lesson.path.name,
                               location=self.get_location())
            values = {
                "number": lesson.number,
                "lesson": f"{{doc}}`{_cell(lesson.title or lesson.path.stem)} </{lesson.docname}>`",
                "minutes": str(lesson.minutes) if lesson.minutes is not None else "?",
                "objectives": "<br>".join(_cell(item) for item in lesson.objectives),
            }
            rows.append("| " + " | ".join(values[c] for c in columns) + " |")
        if "minutes" in columns:
            total = sum(lesson.minutes or 0 for lesson in lessons)
            rows.append("| " + " | ".join({"minutes": f"**{total}**", columns[0]: "**total**"}.get(c, "")
                                          for c in columns) + " |")
        container = nodes.container(classes=["segcourse-lessons"])
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
        self.env.segcourse_lesson_docs = getattr(self.env, "segcourse_lesson_docs", set()) | {self.env.docname}
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
    app.add_directive("segcourse-data-files", DataFilesDirective)
    app.connect("doctree-resolved", check_outputs, priority=900)  # after sphinx-thebe and myst-nb
    app.connect("env-before-read-docs", check_executed)
    app.connect("html-page-context", drop_thebe_assets)
    app.connect("env-get-outdated", outdated)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
