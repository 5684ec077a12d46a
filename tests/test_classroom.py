"""A class on one server: a short rehearsal on JupyterHub with faults, and the Zero to JupyterHub values file.

`test_short_rehearsal` runs tools/classroom.py with 3 learners (plus one working alone first, and one who stays
idle) and every fault, with short think times and a 40-second idle-culler timeout, and checks its JSON report:
every cell of the lesson ran without error for everyone; each learner's slider step brought a new PNG; every
exercise solution was accepted; the killed kernel came back and the learner re-ran the lesson up to where they
were; the oversized allocation failed with MemoryError under the per-learner limit and the kernel lived on; the
hub restart left every server and kernel running; the read-only output folder gave output_dir's clear message;
the culler stopped the idle server (not before its timeout); nothing of the rehearsal is left running or on disk.
It takes two to four minutes on two cores. Without configurable-http-proxy (tests/node, `npm ci --prefix tests/node`)
or node it is skipped with the reason, and fails where SEGCOURSE_REQUIRE_ALL=1 (CI).

The lesson is not named here: the rehearsal chooses it by a rule when it runs (lessons get renamed and split), and
the rule itself is tested on small notebooks written by the tests.

The values file (tools/classroom/z2jh/values.yaml) is merged over the chart's defaults and validated against the
chart's JSON schema (Draft 7), as Helm does; no cluster is needed (none is available here).
"""
from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "classroom.py"
Z2JH = ROOT / "tools" / "classroom" / "z2jh"
REQUIRE_ALL = os.environ.get("SEGCOURSE_REQUIRE_ALL") == "1"
LEARNERS = 3
CULL_TIMEOUT = 40


def load_tool():
    spec = importlib.util.spec_from_file_location("classroom_tool", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules["classroom_tool"] = module      # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


classroom = load_tool()


# --- the lesson rule, on notebooks written here -------------------------------------------------------------------

def write_notebook(path: Path, *sources: str, tags: dict | None = None) -> Path:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# A lesson"}]
    for i, source in enumerate(sources):
        cells.append({"cell_type": "code", "execution_count": None, "metadata": {"tags": (tags or {}).get(i, [])},
                      "outputs": [], "source": source})
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_lesson_rule_takes_the_first_lesson_with_a_slider_and_a_checked_exercise(tmp_path):
    write_notebook(tmp_path / "00_setup.ipynb", "import segcourse", "exercises.ready.check(True)")
    write_notebook(tmp_path / "01_viewer.ipynb", "viewer = napari.Viewer()", "segcourse.explore(f, image, sliders={})",
                   "exercises.paint.check(labels)")
    write_notebook(tmp_path / "02_sliders_only.ipynb", "segcourse.explore(f, image, sliders={'s': [1, 2]})")
    wanted = write_notebook(
        tmp_path / "03_threshold.ipynb",
        "import segcourse\nfrom segcourse.lessons import thresholds as exercises",
        "segcourse.explore(threshold, image,\n                  sliders={'t': [1, 2]})",
        "1 / 0", "count = None  # your answer\nexercises.count_blobs.check(count)  # run me",
        "exercises.area.check(area)", tags={2: ["raises-exception"]})
    write_notebook(tmp_path / "04_later.ipynb", "segcourse.explore(f, image, sliders={})", "ex.a.check(1)")
    lesson = classroom.choose_lesson(tmp_path)
    assert lesson.path == wanted
    assert (lesson.explore_cell, lesson.exercise, lesson.answer) == (1, "exercises.count_blobs", "count")
    assert [cell.may_fail for cell in lesson.cells] == [False, False, True, False, False]


def test_lesson_rule_says_what_is_missing(tmp_path):
    write_notebook(tmp_path / "01_plain.ipynb", "print(1)")
    with pytest.raises(SystemExit, match="explore\\(.*check\\(.*napari"):
        classroom.choose_lesson(tmp_path)


@pytest.mark.parametrize("line, found", [
    ("exercises.count_nuclei.check(number_of_nuclei)", ("exercises.count_nuclei", "number_of_nuclei")),
    ("feedback = lesson03.sigma_for_20.check(sigma)", ("lesson03.sigma_for_20", "sigma")),
    ("exercises.pick.check('b')  # predict first", ("exercises.pick", "'b'")),
    ("exercises.area.check(labels.max())", ("exercises.area", "labels.max()")),
    ("print(check(x))", None),
])
def test_exercise_calls_are_found(line, found):
    match = classroom.CHECK_CALL.search(line)
    assert (match and (match["exercise"], match["answer"].strip())) == found or (match is None and found is None)


# --- the rehearsal ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def report(tmp_path_factory):
    missing = classroom.missing_prerequisites()
    if missing:
        reason = "the classroom rehearsal cannot run: " + "; ".join(missing)
        if REQUIRE_ALL:
            pytest.fail(reason + " [SEGCOURSE_REQUIRE_ALL=1]")
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("classroom") / "results.json"
    command = [sys.executable, str(TOOL), "--learners", str(LEARNERS), "--think", "0.1,0.3", "--arrival", "2",
               "--cull-timeout", str(CULL_TIMEOUT), "--cull-every", "5", "--json", str(out)]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1200)
    print(run.stdout[-6000:])
    assert out.exists(), f"no report (exit {run.returncode}):\n{run.stdout[-4000:]}\n{run.stderr[-6000:]}"
    results = json.loads(out.read_text())
    results["exit_code"] = run.returncode
    return results


def test_rehearsal_passes(report):
    assert report["problems"] == [] and report["ok"] and report["exit_code"] == 0


def test_lesson_was_chosen_by_the_rule_from_the_published_commit(report, tmp_path):
    """The rehearsal publishes HEAD; the rule applied to that commit's notebooks picks the lesson it ran."""
    commit = report["settings"]["commit"]
    names = subprocess.run(["git", "ls-tree", "--name-only", commit, "notebooks/"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split()
    for name in names:
        if name.endswith(".ipynb"):
            text = subprocess.run(["git", "show", f"{commit}:{name}"], cwd=ROOT, check=True,
                                  capture_output=True).stdout
            (tmp_path / Path(name).name).write_bytes(text)
    lesson = classroom.choose_lesson(tmp_path)
    assert report["lesson"]["path"] == f"notebooks/{lesson.path.name}"
    assert report["lesson"]["code_cells"] == len(lesson.cells)
    assert report["lesson"]["exercise"] == f"{lesson.exercise}.check({lesson.answer})"


def test_every_learner_ran_every_cell(report):
    cells = report["lesson"]["code_cells"]
    learners = [report["alone"]] + report["learners"]
    assert [l["name"] for l in learners] == ["alone"] + [f"learner{i:02d}" for i in range(1, LEARNERS + 1)]
    for learner in learners:
        assert learner["error"] is None and learner["cells_failed"] == 0, learner["failed"]
        first_pass = sorted({c["index"] for c in learner["cells"] if not c["rerun"]})
        assert first_pass == list(range(cells)), learner["name"]
        assert learner["cells_run"] == cells + learner["cells_rerun"]
        assert learner["exercise"]["status"] == "correct" and learner["exercise"]["correct"] is True
        assert learner["segcourse_from_own_copy"], learner["segcourse"]
        assert learner["server"]["rss_mb"] > 50 and learner["kernel"]["rss_mb"] > 100
    assert report["class"]["cells_failed"] == 0


def test_slider_steps_bring_new_images(report):
    for learner in [report["alone"]] + report["learners"]:
        slider = learner["slider"]
        assert slider["steps"] >= 2 and slider["new_images"] >= 1 and slider["pngs"] == slider["new_images"]
        assert slider["p95_ms"] is not None


def test_killed_kernel_comes_back_and_the_learner_catches_up(report):
    kill = report["faults"]["kill"]
    learner = next(l for l in report["learners"] if "kill" in l["faults"])
    assert kill["new_pid"] != kill["killed_pid"] and kill["cells_lost"] == 1
    assert kill["rerun_cells"] == kill["at_cell"] == report["lesson"]["code_cells"] // 2
    assert learner["cells_rerun"] == kill["rerun_cells"]
    others = [l for l in report["learners"] if "kill" not in l["faults"]]
    assert all(l["cells_rerun"] == 0 and l["cells_failed"] == 0 for l in others)


def test_memory_limit_stops_one_learner_only(report):
    memory = report["faults"]["memory"]
    assert memory["kernel_rlimit_as"] == memory["limit_bytes"] == 4 * 2 ** 30
    assert memory["allocated_bytes"] == 2 * memory["limit_bytes"]
    assert memory["error"]["ename"] == "MemoryError" and "8.00 GiB" in memory["error"]["evalue"]
    assert memory["kernel_alive_after"] and memory["same_kernel"]


def test_hub_restart_leaves_servers_and_kernels_running(report):
    restart = report["faults"]["hub-restart"]
    assert restart["learners"] == LEARNERS
    assert restart["new_hub_pid"] != restart["old_hub_pid"]
    assert restart["servers_and_kernels_survived"] and restart["same_processes_after"]
    assert restart["hub_sees_servers_ready"] and restart["culler_running_after"]


def test_read_only_output_folder_gets_a_clear_message(report):
    read_only = report["faults"]["read-only"]
    assert read_only["error"]["ename"] == "PermissionError"
    assert read_only["folder"] in read_only["error"]["evalue"] and "SEGCOURSE_OUTPUT" in read_only["error"]["evalue"]
    assert read_only["exercise_checked"] == "correct" and read_only["progress_note"]


def test_idle_culler_stops_the_idle_server_after_its_timeout(report):
    idle = report["faults"]["idle"]
    assert idle["checked"] and idle["timeout_s"] == CULL_TIMEOUT
    assert CULL_TIMEOUT <= idle["culled_after_s"] <= CULL_TIMEOUT + 60


def test_hub_memory_is_reported(report):
    assert report["hub"]["rss_mb"] > 50 and report["hub"]["processes"] == 2      # before and after the restart
    assert report["proxy"]["rss_mb"] > 10 and report["culler"]["rss_mb"] > 10


def test_nothing_is_left_behind(report):
    assert not Path(report["settings"]["root"]).exists()
    left = []
    for process in psutil.process_iter(["pid"]):
        try:
            if process.environ().get("CLASSROOM_RUN") == report["settings"]["run_id"]:
                left.append(process.pid)
        except psutil.Error:
            continue
    assert left == []


# --- Zero to JupyterHub -------------------------------------------------------------------------------------------

def test_values_file_passes_the_charts_schema():
    errors = classroom.validate_values(Z2JH / "values.yaml")
    assert errors == []


def test_schema_check_catches_a_misspelt_key(tmp_path):
    values = yaml.safe_load((Z2JH / "values.yaml").read_text())
    wrong = copy.deepcopy(values)
    wrong["singleuser"]["memory"]["limitt"] = wrong["singleuser"]["memory"].pop("limit")
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(wrong))
    errors = classroom.validate_values(path)
    assert len(errors) == 1 and "limitt" in errors[0]


def test_values_file_builds_the_image_from_binder_and_uses_the_measured_limits():
    values = yaml.safe_load((Z2JH / "values.yaml").read_text())
    single = values["singleuser"]
    assert single["cpu"]["guarantee"] <= single["cpu"]["limit"]
    assert classroom.parse_bytes(single["memory"]["guarantee"]) <= classroom.parse_bytes(single["memory"]["limit"])
    assert values["cull"]["enabled"] is True and values["cull"]["timeout"] >= 600
    text = (Z2JH / "values.yaml").read_text()
    assert "repo2docker" in text and "--target-repo-dir /srv/segcourse" in text and (ROOT / ".binder").is_dir()


def test_values_file_points_at_the_pulled_copy_of_the_repository():
    """nbgitpuller clones into ~/<repository name>; the kernel takes the helper package from there."""
    import tomllib
    values = yaml.safe_load((Z2JH / "values.yaml").read_text())
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text()).get("project", {}).get("urls", {})
    if "Repository" not in urls:
        pytest.skip("pyproject.toml names no repository address ([project.urls] Repository)")
    name = urls["Repository"].rstrip("/").removesuffix(".git").rsplit("/", 1)[-1]
    assert values["singleuser"]["extraEnv"]["PYTHONPATH"] == f"/home/jovyan/{name}/helpers"
    assert f"repo=https%3A%2F%2F{urls['Repository'].split('://', 1)[1].replace('/', '%2F')}" in \
        (Z2JH / "values.yaml").read_text()
