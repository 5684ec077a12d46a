"""Citing the course, and the one place that holds the repository's address.

pyproject.toml ([project.urls] Repository) names the repository. CITATION.cff, the README and the built book
(repository, edit and issue buttons, Binder and JupyterHub launch links) must say the same; CITATION.cff must be
valid for `cffconvert --validate`, which is checked as cffconvert does it: the CFF 1.2.0 JSON schema (stored in
tests/citation-file-format with its licence) and the pinned jsonschema, dates read as text.
"""
from __future__ import annotations

import json
import re
import sys
import tomllib
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
import yaml

from book_site import ROOT, TEST_JUPYTERHUB, build, html, lesson_pages  # noqa: F401

SCHEMA = ROOT / "tests" / "citation-file-format" / "schema-1.2.0.json"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
REPOSITORY = PYPROJECT["project"]["urls"]["Repository"]


class CffLoader(yaml.SafeLoader):
    """YAML as cffconvert reads it: dates stay text (the schema wants strings)."""


CffLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def citation() -> dict:
    return yaml.load((ROOT / "CITATION.cff").read_text(encoding="utf-8"), Loader=CffLoader)


def test_citation_file_is_valid_cff_1_2_0():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$id"] == "https://citation-file-format.github.io/1.2.0/schema.json"
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = [f"{'/'.join(map(str, error.path)) or '(top)'}: {error.message}"
              for error in validator.iter_errors(citation())]
    assert not errors, "CITATION.cff is not valid CFF 1.2.0:\n" + "\n".join(errors)


def test_the_validator_would_catch_a_broken_citation_file():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = dict(citation())
    broken.pop("authors")
    broken["cff-version"] = "1.2"
    assert len(list(jsonschema.Draft7Validator(schema).iter_errors(broken))) >= 2


def test_the_schema_carries_its_licence():
    licence = (SCHEMA.parent / "LICENSE.md").read_text(encoding="utf-8")
    assert SCHEMA.name in licence and "CC BY 4.0" in licence and "creativecommons.org/licenses/by/4.0" in licence


def test_repository_address_and_version_are_in_step():
    parts = urlsplit(REPOSITORY)
    owner, name = parts.path.strip("/").split("/")
    cff = citation()
    assert cff["repository-code"] == REPOSITORY
    assert cff["version"] == PYPROJECT["project"]["version"]
    if parts.netloc == "github.com":   # the book is published with GitHub Pages
        assert cff["url"] == f"https://{owner.lower()}.github.io/{name}/"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert REPOSITORY in readme
    others = set(re.findall(r"https://github\.com/[\w.-]+/image-segmentation-course\b", readme))
    assert others == {REPOSITORY}, f"the README names other addresses for this repository: {others}"


def test_changelog_has_a_section_for_what_comes_next():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(r"^## \[Unreleased\]$", text, re.M), "CHANGELOG.md needs an '## [Unreleased]' section"
    assert PYPROJECT["project"]["version"] in text


def test_book_buttons_use_the_repository_address(html):
    parts = urlsplit(REPOSITORY)
    owner, name = parts.path.strip("/").split("/")
    for path in lesson_pages(html)[:3]:
        stem = path.rsplit("/", 1)[-1].removesuffix(".html")
        text = (html / path).read_text(encoding="utf-8")
        links = set(re.findall(r'href="(https?://[^"]+)"', text))
        source = f"notebooks/{stem}.ipynb"
        assert REPOSITORY in links, f"{path}: no repository button"
        assert f"{REPOSITORY}/edit/main/{source}" in links, f"{path}: no edit button"
        assert any(link.startswith(f"{REPOSITORY}/issues/new?") for link in links), f"{path}: no issue button"
        assert f"https://mybinder.org/v2/gh/{owner}/{name}/main?urlpath=lab/tree/{source}" in links, path
        hub = [link for link in links if link.startswith(f"{TEST_JUPYTERHUB}/hub/user-redirect/git-pull?")]
        assert len(hub) == 1, f"{path}: no JupyterHub (nbgitpuller) link"
        query = parse_qs(urlsplit(hub[0].replace("&amp;", "&")).query)
        assert query == {"repo": [REPOSITORY], "urlpath": [f"lab/tree/{name}/{source}"], "branch": ["main"]}


def test_a_missing_or_odd_repository_address_is_a_clear_build_error(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    import segcourse_book
    from sphinx.errors import ExtensionError

    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    with pytest.raises(ExtensionError, match=r"\[project.urls\] Repository"):
        segcourse_book.repository_url(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[project.urls]\nRepository = "github.com/a"\n')
    with pytest.raises(ExtensionError, match="is not a repository's address"):
        segcourse_book.repository_url(tmp_path)
    assert segcourse_book.repository_url(ROOT) == REPOSITORY
    monkeypatch.setenv("SEGCOURSE_JUPYTERHUB_URL", "hub.example.edu")
    with pytest.raises(ExtensionError, match="is not a JupyterHub's address"):
        segcourse_book.jupyterhub_url()
