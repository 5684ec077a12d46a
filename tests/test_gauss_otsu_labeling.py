"""Lesson 04, Gauss-Otsu labelling: every number the lesson states, and both exercises with right and wrong answers."""
import ast
import builtins
import json
import re
from pathlib import Path

import napari_segment_blobs_and_things_with_membranes as nsbatwm
import numpy as np
import pyclesperanto_prototype as cle
import pytest
from stackview._static_view import StackViewNDArray

import segcourse
from segcourse import metrics
from segcourse.lessons import gauss_otsu_labeling as exercises

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "04_gauss_otsu_labeling.ipynb"


@pytest.fixture(scope="module")
def nuclei():
    return segcourse.load("bbbc022")[0]


@pytest.fixture(scope="module")
def steps(nuclei):
    """The lesson's three cle steps with outline_sigma=2."""
    blurred = cle.gaussian_blur(nuclei, sigma_x=2, sigma_y=2)
    binary = cle.threshold_otsu(blurred)
    return blurred, binary, cle.connected_components_labeling_box(binary)


@pytest.fixture(scope="module")
def bbbc007():
    return segcourse.load("bbbc007/17P1_POS0013_D_1UL"), segcourse.load("bbbc007_annotation/17P1_POS0013_D_1UL")


def sizes(labels):
    """The slider's caption numbers: count, median area, largest area."""
    areas = np.bincount(np.asarray(labels).ravel())[1:]
    return len(areas), float(np.median(areas)), int(areas.max())


# --- the lesson's numbers ------------------------------------------------------------------------------------

def test_three_steps(nuclei, steps):
    blurred, binary, labels = steps
    assert nuclei.shape == (395, 695)
    assert type(blurred).__name__ == "OCLArray" and blurred.dtype == np.float32
    assert isinstance(cle.pull(blurred), np.ndarray) and type(cle.pull(blurred)) is np.ndarray
    assert labels.dtype == np.uint32
    assert str(labels.max()) == "23.0" and isinstance(labels.max(), np.float32)  # why counts come back as 23.0
    assert int(labels.max()) == 23 == len(np.unique(cle.pull(labels))) - 1   # ids without gaps


def test_one_liner_equals_the_steps(nuclei, steps):
    one_liner = cle.pull(cle.gauss_otsu_labeling(nuclei, outline_sigma=2))
    assert np.sum(one_liner != cle.pull(steps[2])) == 0


def test_nsbatwm_returns_a_stackview_array(nuclei):
    labels = nsbatwm.gauss_otsu_labeling(nuclei, outline_sigma=2)
    assert isinstance(labels, StackViewNDArray) and isinstance(labels, np.ndarray)
    assert labels.dtype == np.int32 and str(labels.max()) == "23"
    assert type(np.asarray(labels)) is np.ndarray


def test_merged_pairs(nuclei, steps):
    """2 of the 23 objects hold two Voronoi-Otsu nuclei each (25 in all); the pair in the figure's crop."""
    gauss_otsu = cle.pull(steps[2])
    voronoi_otsu = cle.pull(cle.voronoi_otsu_labeling(nuclei, spot_sigma=5, outline_sigma=1))
    assert voronoi_otsu.max() == 25
    merged = {}
    for label_id in range(1, gauss_otsu.max() + 1):
        inside = np.unique(voronoi_otsu[(gauss_otsu == label_id) & (voronoi_otsu > 0)])
        if len(inside) > 1:
            merged[label_id] = (int(np.sum(gauss_otsu == label_id)), len(inside))
    assert merged == {13: (970, 2), 20: (941, 2)}
    top = gauss_otsu[0:150, 310:460]
    assert 13 in top and not (top == 20).any()   # the figure's crop shows one of the two pairs


def test_slider_captions(nuclei):
    table = {sigma: sizes(nsbatwm.gauss_otsu_labeling(nuclei, outline_sigma=sigma))
             for sigma in segcourse.values(0.5, 10, 0.5)}
    assert all(table[sigma][0] == 23 for sigma in segcourse.values(0.5, 6, 0.5))
    assert table[1.0][1] == 636 and table[6.0][1] == 768
    count, median, largest = table[6.5]
    assert count == 22 and f"{largest / median:.1f}" == "2.6"
    assert table[10.0][0] == 14
    assert all(table[sigma][2] / table[sigma][1] < 1.8 for sigma in segcourse.values(0.5, 6, 0.5))


def test_score_against_the_annotation(bbbc007):
    image, annotation = bbbc007
    assert len(np.unique(annotation)) - 1 == 8
    labels = nsbatwm.gauss_otsu_labeling(image, outline_sigma=2)
    assert f"{metrics.sparse_jaccard(annotation, labels):.3f}" == "0.520"
    best = metrics.iou_table(annotation, labels).iou.max(axis=1)
    assert np.sum(best >= 0.85) == 3
    assert [f"{value:.2f}" for value in (best[best < 0.85].min(), best[best < 0.85].max())] == ["0.20", "0.42"]


def test_sparse_jaccard_is_the_segmentation_games(bbbc007):
    """The lesson says the-segmentation-game's jaccard_index_sparse gives the same number."""
    from the_segmentation_game.metrics import jaccard_index_sparse
    image, annotation = bbbc007
    labels = np.asarray(nsbatwm.gauss_otsu_labeling(image, outline_sigma=2))
    assert jaccard_index_sparse(annotation, labels) == pytest.approx(metrics.sparse_jaccard(annotation, labels))


def test_going_further_numbers(nuclei, steps):
    labels_cle = cle.pull(steps[2])
    labels_nsbatwm = np.asarray(nsbatwm.gauss_otsu_labeling(nuclei, outline_sigma=2))
    foreground_cle, foreground_nsbatwm = labels_cle > 0, labels_nsbatwm > 0
    assert (foreground_cle.sum(), foreground_nsbatwm.sum()) == (15027, 15133)
    assert np.sum(foreground_cle != foreground_nsbatwm) == 106
    both = foreground_cle & foreground_nsbatwm
    assert not np.any(labels_cle[both] == labels_nsbatwm[both])   # not one object has the same id

    def first_seen(array):   # ids in the order a scan of the rows of `array` meets them
        values = array.ravel()
        return list(dict.fromkeys(values[values > 0]))
    assert first_seen(labels_cle.T) == list(range(1, 24))       # cle: column by column
    assert first_seen(labels_nsbatwm) == list(range(1, 24))     # scikit-image: row by row
    areas = np.bincount(labels_cle.ravel())[1:]
    assert np.median(areas) == 646
    assert list(np.nonzero(areas > 1.4 * np.median(areas))[0] + 1) == [13, 20, 21]
    assert (areas[12], areas[19], areas[20]) == (970, 941, 1088)


# --- exercise 1 ----------------------------------------------------------------------------------------------

def test_count_nuclei_right_in_every_form():
    epithelium = segcourse.load("neubias_membranes_nuclei")
    assert exercises.neubias_count() == 31
    by_nsbatwm = nsbatwm.gauss_otsu_labeling(epithelium[1], outline_sigma=2).max()   # 0-d StackViewNDArray
    by_cle = cle.gauss_otsu_labeling(epithelium[1], outline_sigma=2).max()           # float32 31.0
    for answer in [31, 31.0, np.int64(31), by_nsbatwm, by_cle, np.array(31), cle.push(np.array([31.0]))]:
        assert exercises.count_nuclei.check(answer).correct, repr(answer)
    assert exercises.count_nuclei.check(None).status == "not attempted"


@pytest.mark.parametrize("answer, words", [
    (32, "counts the background"),
    (17, "channel 0, the membranes"), (19, "channel 0, the membranes"),   # nsbatwm and cle
    (28, "both channels at once"),
    (8, "wrong axis"), (9, "wrong axis"), (10, "wrong axis"),
    (36, "without blurring"),
    (14286, "foreground pixels"), (14345, "foreground pixels"),
    (30, "Check the channel"),
    ("31", "without quotes"), ([31, 32], "2 values"),
])
def test_count_nuclei_mistakes(answer, words):
    feedback = exercises.count_nuclei.check(answer)
    assert not feedback.correct and words in feedback.message, feedback


def test_the_label_image_itself_is_told_where_the_count_is():
    epithelium = segcourse.load("neubias_membranes_nuclei")
    for labels in (nsbatwm.gauss_otsu_labeling(epithelium[1], outline_sigma=2),
                   cle.gauss_otsu_labeling(epithelium[1], outline_sigma=2)):
        feedback = exercises.count_nuclei.check(labels)
        assert not feedback.correct and "the label image itself" in feedback.message and ".max()" in feedback.message


def test_count_nuclei_mistakes_are_what_the_wrong_workflows_give():
    epithelium = segcourse.load("neubias_membranes_nuclei")
    assert len(np.unique(nsbatwm.gauss_otsu_labeling(epithelium[1], outline_sigma=2))) == 32
    assert nsbatwm.gauss_otsu_labeling(epithelium[0], outline_sigma=2).max() == 17
    assert cle.pull(cle.gauss_otsu_labeling(epithelium[0], outline_sigma=2)).max() == 19
    assert nsbatwm.gauss_otsu_labeling(epithelium, outline_sigma=2).max() == 28
    assert nsbatwm.gauss_otsu_labeling(epithelium[1], outline_sigma=0).max() == 36


# --- exercise 2 ----------------------------------------------------------------------------------------------

def test_sigma_scores():
    scores = exercises.sigma_scores()
    assert list(scores) == segcourse.values(0.5, 4, 0.5)
    assert [f"{scores[sigma][1]:.3f}" for sigma in (0.5, 1.0, 1.5, 2.0)] == ["0.553", "0.557", "0.540", "0.520"]
    assert f"{scores[4.0][1]:.2f}" == "0.29"
    assert max(scores, key=lambda sigma: scores[sigma][1]) == 1.0


def test_swapped_arguments_still_find_the_best_sigma_and_are_told(bbbc007):
    """metrics.sparse_jaccard(labels, annotation), the arguments swapped, scores about 0.09 but still picks 1.0:
    the success message says what far lower scores mean."""
    image, annotation = bbbc007
    swapped = {sigma: metrics.sparse_jaccard(exercises.gauss_otsu(image, sigma), annotation)
               for sigma in segcourse.values(0.5, 4, 0.5)}
    assert max(swapped, key=swapped.get) == 1.0 and f"{max(swapped.values()):.2f}" == "0.09"
    assert "you passed the labels first" in exercises.best_outline_sigma.check(1.0).message
    assert "(the annotation first)" in exercises.best_outline_sigma.check(2.0).message


def test_cle_finds_the_same_best_sigma(bbbc007):
    image, annotation = bbbc007
    scores = {sigma: metrics.sparse_jaccard(annotation, cle.gauss_otsu_labeling(image, outline_sigma=sigma))
              for sigma in segcourse.values(0.5, 4, 0.5)}
    assert max(scores, key=scores.get) == 1.0


def test_best_outline_sigma_right_in_every_form():
    from stackview._static_view import StackViewNDArray as View
    for answer in [1.0, 1, np.float32(1.0), np.int64(1), np.array(1.0), View(np.array([1.0])), View(np.array([0.5, 1.0])).max(),
                   cle.push(np.array([1.0], dtype=np.float32))]:
        feedback = exercises.best_outline_sigma.check(answer)
        assert feedback.correct and "0.557" in feedback.message and "0.56" in feedback.message, (answer, feedback)


@pytest.mark.parametrize("answer, words", [
    (0.5, "0.553 (42 objects), but another value of the list scores higher: try a little more blur"),
    (2.0, "0.520 (41 objects), but another value of the list scores higher: try less blur"),
    (4, "0.294"),
    (0.557, "looks like a score"), (0.56, "looks like a score"), (0.55, "looks like a score"),
    (41, "looks like a number of objects"),
    (1.2, "Pick one of the values"), (7, "Pick one of the values"),
    ("1.0", "without quotes"), (True, "yes/no"), ([1.0, 2.0], "2 values"),
])
def test_best_outline_sigma_mistakes(answer, words):
    feedback = exercises.best_outline_sigma.check(answer)
    assert not feedback.correct and words in feedback.message, feedback


# --- solutions and hints fit the notebook ---------------------------------------------------------------------

def _cells():
    return json.loads(NOTEBOOK.read_text())["cells"]


def _defined_before(index):
    """Names the notebook's code cells assign, import or define before cell `index`."""
    names = set()
    for cell in _cells()[:index]:
        if cell["cell_type"] != "code":
            continue
        source = "\n".join(line for line in "".join(cell["source"]).splitlines() if not line.startswith("%"))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
    return names


def _free_names(code):
    tree = ast.parse(code)
    assigned = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    return used - assigned - set(dir(builtins))


def _exercise_cell(name):
    return next(i for i, cell in enumerate(_cells()) if f"exercises.{name}.check(" in "".join(cell["source"]))


@pytest.mark.parametrize("name", ["count_nuclei", "best_outline_sigma"])
def test_solution_and_hints_use_names_the_notebook_defines(name):
    """Lesson 03's old hint used `nuclei`, which held another image: every name a solution or a hint's code uses
    exists in the notebook before the exercise (or is set in the exercise cell itself)."""
    index = _exercise_cell(name)
    defined = _defined_before(index + 1)
    exercise = getattr(exercises, name)
    assert _free_names(exercise.solution_text) <= defined
    for hint in exercise.hints:
        for span in re.findall(r"`([^`]+)`", hint):
            try:
                free = _free_names(span)
            except SyntaxError:
                continue   # a fragment such as `f"{score:.3f}"` or `for ...:`
            assert free <= defined | {"labels", "score", "sigma"}, (hint, free - defined)


def test_solutions_run_and_are_correct(bbbc007, capsys):
    namespace = {"segcourse": segcourse, "nsbatwm": nsbatwm, "metrics": metrics, "np": np,
                 "epithelium": segcourse.load("neubias_membranes_nuclei"),
                 "bbbc007_image": bbbc007[0], "annotation": bbbc007[1]}
    exec(exercises.count_nuclei.solution_text, namespace)
    assert exercises.count_nuclei.check(namespace["number_of_nuclei"]).correct
    exec(exercises.best_outline_sigma.solution_text, namespace)
    assert exercises.best_outline_sigma.check(namespace["best_outline_sigma"]).correct
    assert "outline_sigma=1.0: sparse Jaccard 0.557" in capsys.readouterr().out
