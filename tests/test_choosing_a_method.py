"""Lesson 21, choosing a method: every score the lesson states (tables, guide, key points), the timing protocol,
the notebook's methods against the module's, and both exercises with right and wrong answers."""
import ast
import json
import re
import time
from pathlib import Path

import numpy as np
import pytest

import segcourse
from segcourse import metrics
from segcourse.lessons import choosing_a_method as exercises

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "21_choosing_a_method.ipynb"


def cells():
    return json.loads(NOTEBOOK.read_text())["cells"]


def notebook_code() -> str:
    return "\n".join("".join(cell["source"]) for cell in cells() if cell["cell_type"] == "code")


def notebook_text() -> str:
    return "\n".join("".join(cell["source"]) for cell in cells())


def printed() -> str:
    return "\n".join("".join(output.get("text", "")) for cell in cells() if cell["cell_type"] == "code"
                     for output in cell.get("outputs", []))


@pytest.fixture(scope="module")
def truth():
    return segcourse.load("bbbc039_ground_truth")


# --- the notebook runs what the module runs -----------------------------------------------------------------------

def test_the_notebook_uses_the_modules_strokes_and_parameters():
    code = notebook_code()
    tree = ast.parse("\n".join(line for line in code.splitlines() if not line.startswith("%")))
    strokes = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "train_classifier":
            keywords = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
            strokes[keywords["name"]] = (keywords["nucleus_strokes"], keywords["background_strokes"])
    assert strokes == {"bbbc039": exercises.BBBC039_STROKES, "bbbc007": exercises.BBBC007_STROKES}
    assert f'crops["{exercises.BBBC007_TRAINING_CROP}"]' in code
    assert f'features="{exercises.FEATURES}"' in code
    for call in ["nsbatwm.gauss_otsu_labeling(image, outline_sigma=2)",
                 "nsbatwm.voronoi_otsu_labeling(image, spot_sigma=5,\n" + " " * 52 + "outline_sigma=1)",
                 "gaussian(image, sigma=2, preserve_range=True)",
                 "split_touching_objects(blurred > threshold_otsu(blurred), sigma=3.5)",
                 "gaussian(image, sigma=1, preserve_range=True)",
                 "label(local_maxima(gaussian(image, sigma=5)) & mask)",
                 "seeded_watershed_with_mask(-blurred, seeds, mask)"]:
        assert call in code, call
    assert 'output = segcourse.output_dir("21_choosing_a_method")' in code
    assert 'opencl_filename=str(output / f"{name}.cl")' in code


def test_bbbc007_strokes_avoid_the_annotated_nuclei():
    crop = exercises.BBBC007_TRAINING_CROP
    annotation = segcourse.load(f"bbbc007_annotation/{crop}")
    drawn = exercises._annotate(exercises.BBBC007_STROKES, annotation.shape)
    assert not (annotation[drawn > 0] > 0).any()
    labels = exercises.voronoi_otsu(segcourse.load(f"bbbc007/{crop}"))   # nuclei found by Voronoi-Otsu
    assert (labels[drawn == 2] > 0).mean() == 1 and (labels[drawn == 1] == 0).all()


# --- the scores -----------------------------------------------------------------------------------------------------

def test_bbbc039_table(truth):
    rows = {}
    for name, labels in exercises.bbbc039_labels().items():
        precision, recall, f1 = exercises.object_scores(truth, labels)
        rows[name] = (len(np.unique(labels)) - 1, f"{precision:.3f}", f"{recall:.3f}", f"{f1:.3f}",
                      f"{metrics.jaccard_index(truth, labels):.3f}")
    assert rows == {"Gauss-Otsu": (88, "0.898", "0.718", "0.798", "0.870"),
                    "Voronoi-Otsu": (97, "0.948", "0.836", "0.889", "0.888"),
                    "binary watershed": (102, "0.931", "0.864", "0.896", "0.864"),
                    "seeded watershed": (97, "0.948", "0.836", "0.889", "0.888"),
                    "classifier": (99, "0.848", "0.764", "0.804", "0.929")}
    for name, (objects, precision, recall, f1, jaccard) in rows.items():
        assert re.search(rf"{name}\s+{objects}\s+{precision}\s+{recall}\s+{f1}\s+{jaccard}", printed()), name


def test_bbbc007_table():
    scores = exercises.bbbc007_scores()
    rows = {name: (f"{np.mean(values):.3f}", f"{np.min(values):.3f}") for name, values in scores.items()}
    assert rows == {"Gauss-Otsu": ("0.503", "0.337"), "Voronoi-Otsu": ("0.680", "0.485"),
                    "binary watershed": ("0.667", "0.395"), "seeded watershed": ("0.666", "0.485"),
                    "classifier": ("0.451", "0.008")}
    text = re.sub(r"\s+", " ", printed())
    for name, (mean, worst) in rows.items():
        assert f"{name} {mean} {worst}" in text, name


def test_the_worst_classifier_crop_joins_a_cluster_with_its_haze():
    classifier = exercises.methods_for("bbbc007")["classifier"]
    crop = "AS_09125_040701150004_A02f00d0"
    image, annotation = segcourse.load(f"bbbc007/{crop}"), segcourse.load(f"bbbc007_annotation/{crop}")
    labels = classifier(image)
    largest = np.bincount(labels.ravel())[1:].argmax() + 1
    assert np.median(image) > 5 * np.median(segcourse.load("bbbc007/17P1_POS0013_D_1UL"))   # bright background
    covered = [i for i in np.unique(annotation[annotation > 0]) if (labels[annotation == i] == largest).mean() > 0.9]
    assert len(covered) >= 5 and np.sum(labels == largest) > 10 * np.bincount(annotation.ravel())[1:].max()


def test_same_seeds_same_mask_same_objects(truth):
    """Exercise 1's answer: Voronoi-Otsu and the seeded watershed give the same objects, borders apart."""
    labels = exercises.bbbc039_labels()
    voronoi, seeded = labels["Voronoi-Otsu"], labels["seeded watershed"]
    assert np.array_equal(voronoi > 0, seeded > 0)
    assert metrics.object_counts(truth, voronoi) == metrics.object_counts(truth, seeded) == (92, 5, 18)
    moved = np.count_nonzero(voronoi != seeded)
    assert 0 < moved < 0.05 * np.count_nonzero(voronoi)


def test_f1_at_strict_thresholds():
    assert {name: round(value, 3) for name, value in exercises.f1_at(0.9).items()} == {
        "Gauss-Otsu": 0.414, "Voronoi-Otsu": 0.483, "binary watershed": 0.415, "seeded watershed": 0.522,
        "classifier": 0.679}


def test_membranes():
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    membranes = segcourse.load("membranes_2d")
    annotation = segcourse.load("membranes_2d_sparse_labels")
    assert len(np.unique(annotation)) - 1 == 3
    seeded = np.asarray(nsbatwm.local_minima_seeded_watershed(membranes, spot_sigma=10))
    assert f"{metrics.sparse_jaccard(annotation, seeded):.3f}" == "0.882"
    voronoi = exercises.voronoi_otsu(membranes)
    assert f"{metrics.sparse_jaccard(annotation, voronoi):.3f}" == "0.031"
    # "segments what is bright, the membranes": its objects are brighter than the cells' inside
    assert membranes[voronoi > 0].mean() > 2 * membranes[annotation > 0].mean()
    assert "seeded watershed: sparse Jaccard 0.882" in printed() and "Voronoi-Otsu: sparse Jaccard 0.031" in printed()


def test_the_text_states_the_measured_numbers():
    text = notebook_text()
    for number in ["0.889", "0.896", "0.864", "0.718", "0.764", "0.929", "0.680", "0.503", "0.451", "0.008",
                   "0.798", "0.667", "0.882", "0.031", "0.679", "0.804", "110 nuclei", "3 cells"]:
        assert number in text, number


# --- timing -------------------------------------------------------------------------------------------------------

def test_timing_is_drawn_not_printed_and_the_order_holds():
    """Times vary, so the notebook draws them (the PNG is not compared); the order the text states holds."""
    timing_cell = next(cell for cell in cells() if "time.perf_counter()" in "".join(cell["source"]))
    assert all("text" not in output for output in timing_cell["outputs"])
    assert any("image/png" in output.get("data", {}) for output in timing_cell["outputs"])
    image = segcourse.load("bbbc039_nuclei")
    medians = {}
    for name, method in exercises.methods_for("bbbc039").items():
        method(image)
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            method(image)
            runs.append(time.perf_counter() - start)
        medians[name] = np.median(runs)
    assert medians["Gauss-Otsu"] < medians["Voronoi-Otsu"] < medians["classifier"]
    assert medians["classifier"] > 3 * medians["seeded watershed"]


def test_the_classifiers_time_is_connected_components():
    """'most of that is pyclesperanto-prototype's connected-component labelling'."""
    import pyclesperanto_prototype as cle
    image = segcourse.load("bbbc039_nuclei")
    classifier = exercises.methods_for("bbbc039")["classifier"]
    labels = classifier(image)
    binary = cle.push((labels > 0).astype(np.uint8))
    cle.connected_components_labeling_diamond(binary)
    start = time.perf_counter()
    classifier(image)
    whole = time.perf_counter() - start
    start = time.perf_counter()
    cle.connected_components_labeling_diamond(binary)
    labelling = time.perf_counter() - start
    assert labelling > 0.5 * whole


# --- exercise 1 ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("answer, verdict, words", [
    ("a", True, "same seeds and same mask"), (" A", True, "same seeds"), ("(a)", True, "same seeds"),
    ("b", False, "rough overlap"), ("c", False, "finds the same objects"),
    ("d", False, "not one of the options"), (0.889, False, "as text"),
])
def test_predict_seeded(answer, verdict, words):
    feedback = exercises.predict_seeded.check(answer)
    assert feedback.correct is verdict and words in feedback.message, feedback


def test_predict_solution_is_right():
    namespace = {}
    exec(exercises.predict_seeded.solution_text, namespace)
    assert exercises.predict_seeded.check(namespace["prediction"]).correct


# --- exercise 2 ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("answer", ["classifier", "Classifier", " classifier ", "APOC", "the classifier",
                                    "'classifier'"])
def test_strict_outlines_right(answer):
    feedback = exercises.strict_outlines.check(answer)
    assert feedback.correct and "0.679" in feedback.message and "0.804" in feedback.message, feedback


@pytest.mark.parametrize("answer, words", [
    ("binary watershed", "best at IoU 0.5"), ("seeded watershed", "0.522"), ("Voronoi-Otsu", "0.483"),
    ("voronoi otsu", "0.483"), ("Gauss-Otsu", "merges touching nuclei"), ("cellpose", "not one of the methods"),
    (0.679, "is a score"), (0.522, "is a score"), (3, "name as text"), (["classifier"], "name as text"),
])
def test_strict_outlines_mistakes(answer, words):
    feedback = exercises.strict_outlines.check(answer)
    assert not feedback.correct and words in feedback.message, feedback


def test_strict_outlines_not_attempted():
    assert exercises.strict_outlines.check(None).status == "not attempted"


def test_strict_outlines_solution_runs(truth, capsys):
    namespace = {"object_scores": exercises.object_scores, "ground_truth": truth,
                 "bbbc039_labels": exercises.bbbc039_labels()}
    exec(exercises.strict_outlines.solution_text, namespace)
    assert exercises.strict_outlines.check(namespace["best_method"]).correct


def test_the_notebook_defines_what_the_exercises_use():
    code = notebook_code()
    for name in ("object_scores", "ground_truth", "bbbc039_labels"):
        assert re.search(rf"^(def )?{name}\b", code, re.MULTILINE), name
    assert "def object_scores(reference, prediction, threshold=0.5):" in code
