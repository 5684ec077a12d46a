"""Build the course book (Jupyter Book 1.x) from the lessons in notebooks/ and the pages in book/.

    python tools/build_book.py                  # -> book/_build/html   (`make book`)
    python tools/build_book.py --output DIR     # -> DIR/_build/html    (the tests build into a temporary folder)
    python tools/build_book.py --jupyterhub https://hub.example.edu   # adds a class's JupyterHub launch button

The source folder is the repository root, so the book renders the notebooks themselves (no copies); the table of
contents (book/_toc.yml) picks up every notebooks/NN_*.ipynb by a glob. Notebooks are not executed: they are
saved with their outputs, and nbval (`make test`) proves those outputs are current.

Every build is a fresh one (Sphinx reports warnings only for the pages it re-reads) and warnings are errors.
After the build, the offline checks run on the HTML: no page may load anything from outside the site, and every
internal link and anchor must resolve. Prints the build time, the page count and the site's size.

The repository's address comes from pyproject.toml ([project.urls] Repository); a JupyterHub launch button (an
nbgitpuller link that clones the repository into each learner's home) appears when a hub's address is given with
--jupyterhub or the environment variable SEGCOURSE_JUPYTERHUB_URL.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"

# Tags and attributes through which a browser loads something by itself (links a reader clicks are not loads).
LOADING_ATTRIBUTES = {
    "script": ["src"], "img": ["src", "srcset"], "iframe": ["src"], "frame": ["src"], "embed": ["src"],
    "source": ["src", "srcset"], "video": ["src", "poster"], "audio": ["src"], "track": ["src"],
    "object": ["data"], "input": ["src"],
}
LOADING_LINK_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "preconnect", "dns-prefetch", "icon",
                     "shortcut", "apple-touch-icon", "manifest"}
NOT_FILES = ("http:", "https:", "mailto:", "data:", "javascript:", "tel:", "ftp:", "//")


JUPYTERHUB_VARIABLE = "SEGCOURSE_JUPYTERHUB_URL"   # read by book/_ext/segcourse_book.py


def build(output: Path = BOOK, quiet: bool = True, jupyterhub: str | None = None) -> tuple[int, float, str]:
    """Run jupyter-book; returns (exit code, seconds, log). The HTML lands in output/_build/html.

    jupyterhub: a class's JupyterHub address for the launch buttons (default: SEGCOURSE_JUPYTERHUB_URL, if set).
    """
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book) if jupyter_book.exists() else "jupyter-book", "build", ".",
               "--config", "book/_config.yml", "--toc", "book/_toc.yml", "--path-output", str(output),
               "--all", "-W", "--keep-going", "-n"]
    if quiet:
        command.append("--quiet")
    # A fresh build: no page of a renamed or deleted lesson may survive from an earlier one.
    shutil.rmtree(output / "_build", ignore_errors=True)
    start = time.perf_counter()
    environment = dict(os.environ)
    if jupyterhub is not None:
        environment[JUPYTERHUB_VARIABLE] = jupyterhub
    process = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env=environment)
    return process.returncode, time.perf_counter() - start, process.stdout


def html_dir(output: Path = BOOK) -> Path:
    return output / "_build" / "html"


def pages(html: Path) -> list[Path]:
    """The book's pages: one per document in the table of contents (no search, index or redirect pages)."""
    skip = {"search.html", "genindex.html", "index.html", "py-modindex.html"}
    return sorted(p for p in html.rglob("*.html")
                  if p.name not in skip and not any(part.startswith("_") for part in p.relative_to(html).parts))


def site_pages(html: Path) -> list[Path]:
    """Every HTML page a reader can open (pages(), plus index, search and genindex; not the theme's templates)."""
    return sorted(p for p in html.rglob("*.html") if not any(part.startswith("_") for part in p.relative_to(html).parts))


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []       # every href/src that points at a file
        self.loads: list[str] = []       # every URL the browser fetches by itself

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("id", "name") if tag == "a" else ("id",):
            if attributes.get(name):
                self.ids.add(attributes[name])
        for name in LOADING_ATTRIBUTES.get(tag, []):
            value = attributes.get(name)
            if value:
                urls = [part.strip().split(" ")[0] for part in value.split(",")] if name == "srcset" else [value]
                self.loads.extend(urls)
                self.links.extend(urls)
        if tag == "link" and attributes.get("href"):
            rels = set((attributes.get("rel") or "").lower().split())
            if rels & LOADING_LINK_RELS:
                self.loads.append(attributes["href"])
            self.links.append(attributes["href"])
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        style = attributes.get("style") or ""
        self.loads.extend(re.findall(r"url\(\s*['\"]?([^'\")]+)", style))


def parse(path: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def is_external(url: str) -> bool:
    return url.strip().lower().startswith(("http:", "https:", "//", "ftp:"))


def external_loads(html: Path) -> list[str]:
    """Everything in the built site that would make the browser fetch from outside the site."""
    problems = []
    for page in site_pages(html):
        for url in parse(page).loads:
            if is_external(url):
                problems.append(f"{page.relative_to(html)}: loads {url}")
    for sheet in sorted(html.rglob("*.css")):
        text = sheet.read_text(encoding="utf-8", errors="replace")
        for url in re.findall(r"(?:url\(\s*['\"]?|@import\s+['\"])((?:https?:)?//[^'\")\s]+)", text):
            problems.append(f"{sheet.relative_to(html)}: loads {url}")
    return problems


def broken_links(html: Path) -> list[str]:
    """Internal links (href/src) whose file or #anchor does not exist in the built site."""
    parsed: dict[Path, _PageParser] = {}

    def page(path: Path) -> _PageParser:
        if path not in parsed:
            parsed[path] = parse(path)
        return parsed[path]

    problems = []
    for source in site_pages(html):
        for url in page(source).links:
            url = url.strip()
            if not url or url.lower().startswith(NOT_FILES):
                continue
            parts = urlsplit(url)
            target = source if not parts.path else (source.parent / unquote(parts.path)).resolve()
            if parts.path.endswith("/") or target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{source.relative_to(html)}: {url} -> missing file")
                continue
            if parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in page(target).ids:
                problems.append(f"{source.relative_to(html)}: {url} -> missing anchor #{parts.fragment}")
    return problems


def site_size(html: Path) -> int:
    """Bytes of every file in the built site."""
    return sum(path.stat().st_size for path in html.rglob("*") if path.is_file())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=BOOK,
                        help="folder for _build/ (default: book/, so the HTML is in book/_build/html)")
    parser.add_argument("--jupyterhub", metavar="URL", default=None,
                        help=f"a class's JupyterHub, for the launch buttons (default: ${JUPYTERHUB_VARIABLE})")
    parser.add_argument("--verbose", action="store_true", help="show Sphinx's progress output")
    args = parser.parse_args(argv)
    code, seconds, log = build(args.output.resolve(), quiet=not args.verbose, jupyterhub=args.jupyterhub)
    print(log, end="")
    html = html_dir(args.output.resolve())
    if code != 0:
        print(f"Book build FAILED after {seconds:.0f} s (warnings are errors; see above).", file=sys.stderr)
        return code or 1
    problems = external_loads(html) + broken_links(html)
    for problem in problems:
        print("ERROR:", problem, file=sys.stderr)
    print(f"Built {len(pages(html))} pages ({site_size(html) / 1e6:.1f} MB) in {seconds:.1f} s: {html / 'index.html'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
