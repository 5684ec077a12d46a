"""Lesson 05, Voronoi-Otsu labelling: every number the lesson states, the step-by-step rebuild against an independent
reference, and both exercises with right and wrong answers."""
import json
from pathlib import Path

import napari_segment_blobs_and_things_with_membranes as nsbatwm
import numpy as np
import pyclesperanto_prototype as cle
import pytest
from stackview._static_view import StackViewNDArray

import segcourse
from segcourse import metrics
from segcourse.lessons import gauss_otsu_labeling as lesson_04
from segcourse.lessons import voronoi_otsu_labeling as exercises

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "05_voronoi_otsu_labeling.ipynb"


@pytest.fixture(scope="module")
def nuclei():
    return segcourse.load("bbbc022")[0]


@pytest.fixture(scope="module")
def blobs():
    return segcourse.load("blobs")


def step_by_step(image, spot_sigma, outline_sigma):
    """An independent rebuild of cle.voronoi_otsu_labeling from its source (pyclesperanto_prototype/_tier9/
    _voronoi_otsu_labeling.py), sigma_z included, to check the lesson's steps and numbers against."""
    blurred_spots = cle.gaussian_blur(image, sigma_x=spot_sigma, sigma_y=spot_sigma, sigma_z=spot_sigma)
    spots = cle.detect_maxima_box(blurred_spots, radius_x=0, radius_y=0, radius_z=0)
    blurred_outline = cle.gaussian_blur(image, sigma_x=outline_sigma, sigma_y=outline_sigma, sigma_z=outline_sigma)
    binary = cle.threshold_otsu(blurred_outline)
    seeds = cle.binary_and(spots, binary)
    voronoi = cle.masked_voronoi_labeling(seeds, binary)
    return spots, seeds, cle.pull(cle.mask(voronoi, binary))


def lesson_steps(image, spot_sigma, outline_sigma):
    """The lesson's cells, as written in the notebook (2D calls, no sigma_z)."""
    blurred_spots = cle.gaussian_blur(image, sigma_x=spot_sigma, sigma_y=spot_sigma)
    spots = cle.detect_maxima_box(blurred_spots, radius_x=0, radius_y=0)
    blurred_outline = cle.gaussian_blur(image, sigma_x=outline_sigma, sigma_y=outline_sigma)
    binary = cle.threshold_otsu(blurred_outline)
    seeds = cle.binary_and(spots, binary)
    return cle.pull(cle.mask(cle.masked_voronoi_labeling(seeds, binary), binary))


def compare(labels_a, labels_b):
    """Objects in each, matched one to one?, foreground pixels of each, foreground in only one, in both but in
    different objects (each id of a translated into the id of b it overlaps most)."""
    labels_a, labels_b = np.asarray(labels_a), np.asarray(labels_b)
    translated = np.zeros_like(labels_b)
    for label_id in range(1, labels_a.max() + 1):
        inside = labels_a == label_id
        translated[inside] = np.bincount(labels_b[inside]).argmax()
    both = (labels_a > 0) & (labels_b > 0)
    return (len(np.unique(labels_a)) - 1, len(np.unique(labels_b)) - 1,
            len(np.unique(translated[translated > 0])) == labels_a.max(),
            int(np.sum(labels_a > 0)), int(np.sum(labels_b > 0)),
            int(np.sum((labels_a > 0) != (labels_b > 0))), int(np.sum(translated[both] != labels_b[both])))


# --- the drawing --------------------------------------------------------------------------------------------------

def test_the_voronoi_drawing():
    """The folded cell's tiny example: two touching nuclei are one blob, the masked partition cuts it in two, and
    cle's masked Voronoi labelling (the lesson's step 6) draws almost the same objects."""
    from skimage.draw import disk
    from skimage.measure import label
    from skimage.segmentation import expand_labels
    binary_tiny = np.zeros((9, 18), dtype=int)
    for centre, radius in [((4, 3), 3.2), ((4, 9), 3.2), ((4, 15.5), 1.8)]:
        binary_tiny[disk(centre, radius, shape=binary_tiny.shape)] = 1
    seeds_tiny = np.zeros_like(binary_tiny)
    seeds_tiny[3, 3], seeds_tiny[5, 10], seeds_tiny[4, 15] = 1, 2, 3
    assert label(binary_tiny).max() == 2 and (binary_tiny[seeds_tiny > 0] == 1).all()
    regions = expand_labels(seeds_tiny, distance=20)
    assert (regions > 0).all() and set(np.unique(regions)) == {1, 2, 3}
    objects = regions * binary_tiny
    assert all(label(objects == i).max() == 1 for i in (1, 2, 3))   # each region inside the binary: one piece
    assert set(np.unique(objects[label(binary_tiny) == 1])) == {1, 2}   # the blob is cut in two
    by_cle = cle.pull(cle.masked_voronoi_labeling(seeds_tiny > 0, binary_tiny))
    assert compare(objects, by_cle)[:3] == (3, 3, True) and compare(objects, by_cle)[6] <= 1


# --- the lesson's numbers ----------------------------------------------------------------------------------------

def test_the_lectures_one_liner(nuclei):
    labels = nsbatwm.voronoi_otsu_labeling(nuclei, spot_sigma=5, outline_sigma=1)
    assert isinstance(labels, StackViewNDArray)
    assert labels.shape == (395, 695) and labels.dtype == np.int32 and str(labels.max()) == "25"
    assert str(nsbatwm.gauss_otsu_labeling(nuclei, outline_sigma=2).max()) == "23"


def test_the_figure_shows_the_two_split_pairs(nuclei):
    gauss_otsu = np.asarray(nsbatwm.gauss_otsu_labeling(nuclei, outline_sigma=2))[0:90, 320:695]
    voronoi_otsu = np.asarray(nsbatwm.voronoi_otsu_labeling(nuclei, spot_sigma=5, outline_sigma=1))[0:90, 320:695]
    split = [i for i in np.unique(gauss_otsu[gauss_otsu > 0])
             if len(np.unique(voronoi_otsu[(gauss_otsu == i) & (voronoi_otsu > 0)])) == 2]
    assert len(split) == 2


def test_smaller_spot_sigma_cuts_nuclei(nuclei):
    assert nsbatwm.voronoi_otsu_labeling(nuclei, spot_sigma=2, outline_sigma=1).max() == 44


def test_hilltops_and_seeds(nuclei):
    spots, seeds, labels = step_by_step(nuclei, 5, 1)
    assert int(cle.sum_of_all_pixels(spots)) == 231
    assert int(cle.sum_of_all_pixels(seeds)) == 25 == labels.max()
    top_half_seeds = cle.pull(seeds)[:200]
    assert 0 < top_half_seeds.sum() < 25   # the figure shows the top half


@pytest.mark.parametrize("name, spot_sigma, outline_sigma", [
    ("bbbc022", 5, 1), ("blobs", 3.5, 1), ("blobs", 2, 2), ("neubias_membranes_nuclei", 1.5, 0.5)])
def test_steps_equal_the_one_liner(name, spot_sigma, outline_sigma):
    image = segcourse.load(name)
    image = image[0] if name == "bbbc022" else image[1] if name == "neubias_membranes_nuclei" else image
    one_liner = cle.pull(cle.voronoi_otsu_labeling(image, spot_sigma=spot_sigma, outline_sigma=outline_sigma))
    assert np.sum(step_by_step(image, spot_sigma, outline_sigma)[2] != one_liner) == 0
    assert np.sum(lesson_steps(image, spot_sigma, outline_sigma) != one_liner) == 0
    assert one_liner.max() > 1


def test_slider_scores():
    image = segcourse.load("bbbc007/17P1_POS0013_D_1UL")
    annotation = segcourse.load("bbbc007_annotation/17P1_POS0013_D_1UL")
    table = {}
    for spot_sigma in segcourse.values(1, 7, 1):
        for outline_sigma in segcourse.values(0.5, 2, 0.5):
            labels = np.asarray(nsbatwm.voronoi_otsu_labeling(image, spot_sigma=spot_sigma,
                                                              outline_sigma=outline_sigma))
            table[spot_sigma, outline_sigma] = (labels.max(), metrics.sparse_jaccard(annotation, labels))
    assert all(0.82 <= table[s, 1.0][1] <= 0.85 for s in range(2, 7))
    assert table[1, 1.0][0] == 87 and table[1, 1.0][1] < 0.6 and table[7, 1.0][1] < 0.7
    assert all(max(segcourse.values(0.5, 2, 0.5), key=lambda o: table[s, o][1]) == 0.5 for s in range(2, 7))
    assert f"{max(score for _, score in lesson_04.sigma_scores().values()):.2f}" == "0.56"   # Gauss-Otsu's best


def test_the_lectures_score_with_background_subtraction():
    image = segcourse.load("bbbc007/17P1_POS0013_D_1UL")
    annotation = segcourse.load("bbbc007_annotation/17P1_POS0013_D_1UL")
    labels = nsbatwm.voronoi_otsu_labeling(nsbatwm.white_tophat(image, radius=10), spot_sigma=5, outline_sigma=1)
    assert metrics.sparse_jaccard(annotation, labels) == pytest.approx(0.8357392602053431, abs=1e-12)


def test_the_docstring_states_isotropy():
    assert "* This operation assumes input images are isotropic." in cle.voronoi_otsu_labeling.__doc__


# --- Going further -----------------------------------------------------------------------------------------------

def test_cle_and_nsbatwm_differ_by_a_few_pixels(nuclei, blobs):
    assert compare(cle.voronoi_otsu_labeling(nuclei, spot_sigma=5, outline_sigma=1),
                   nsbatwm.voronoi_otsu_labeling(nuclei, spot_sigma=5, outline_sigma=1)) == (
        25, 25, True, 14819, 14882, 63, 12)
    assert compare(cle.voronoi_otsu_labeling(blobs, spot_sigma=3.5, outline_sigma=1),
                   nsbatwm.voronoi_otsu_labeling(blobs, spot_sigma=3.5, outline_sigma=1)) == (
        66, 66, True, 22029, 22026, 3, 87)


def test_otsu_thresholds_differ(nuclei):
    from skimage.filters import threshold_otsu
    blurred = cle.pull(cle.gaussian_blur(nuclei, sigma_x=1, sigma_y=1))
    binary_cle = cle.pull(cle.threshold_otsu(blurred))
    assert f"{threshold_otsu(blurred):.1f}" == "404.1"
    assert (f"{blurred[binary_cle == 0].max():.1f}", f"{blurred[binary_cle == 1].min():.1f}") == ("407.5", "407.6")


def test_border_pixels_come_from_flooding(nuclei):
    """scikit-image's watershed from cle's own seeds in cle's own binary: same foreground, 12 border pixels apart."""
    from skimage.measure import label
    from skimage.segmentation import watershed
    _, seeds, labels_cle = step_by_step(nuclei, 5, 1)
    binary = labels_cle > 0
    flooded = watershed(binary, label(cle.pull(seeds)), mask=binary)
    assert compare(labels_cle.astype(np.uint32), flooded)[3:] == (14819, 14819, 0, 12)


def test_non_square_pixels(blobs):
    squeezed = blobs[::2]
    resampled = cle.scale(squeezed, factor_x=1, factor_y=2, auto_size=True)
    assert squeezed.shape == (127, 256) and resampled.shape == (254, 256)
    counts = [int(cle.pull(cle.voronoi_otsu_labeling(image, spot_sigma=3.5, outline_sigma=1)).max())
              for image in (blobs, squeezed, resampled)]
    assert counts == [66, 62, 66]
    # the 4 missing blobs are 4 pairs of neighbours above each other that now share one label
    original = cle.pull(cle.voronoi_otsu_labeling(blobs, spot_sigma=3.5, outline_sigma=1))[::2]
    labels_squeezed = cle.pull(cle.voronoi_otsu_labeling(squeezed, spot_sigma=3.5, outline_sigma=1))
    merged_pairs = 0
    for label_id in range(1, labels_squeezed.max() + 1):
        inside = labels_squeezed == label_id
        covered = [i for i in np.unique(original[inside & (original > 0)])
                   if np.sum(inside & (original == i)) > 0.3 * np.sum(original == i)]
        merged_pairs += len(covered) == 2
    assert merged_pairs == 4


# --- exercise 1 --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("answer, verdict, words", [
    ("c", True, "several hilltops"), (" C ", True, "several hilltops"), ("(c)", True, "several hilltops"),
    ("a", False, "Merging comes from more blur"), ("b", False, "Less blur leaves more hilltops"), ("b", False, "becomes a seed"),
    ("d", False, "not one of the options"), (44, False, "as text"),
])
def test_spot_sigma_prediction(answer, verdict, words):
    feedback = exercises.spot_sigma_prediction.check(answer)
    assert feedback.correct is verdict and words in feedback.message, feedback


def test_prediction_solution_is_right():
    namespace = {}
    exec(exercises.spot_sigma_prediction.solution_text, namespace)
    assert exercises.spot_sigma_prediction.check(namespace["prediction"]).correct


# --- exercise 2 --------------------------------------------------------------------------------------------------

def test_spot_sigma_scores():
    scores = exercises.spot_sigma_scores()
    assert list(scores) == segcourse.values(2, 8, 0.5)
    assert exercises.annotated_count() == 110
    assert (scores[5.5][0], f"{scores[5.5][1]:.3f}") == (96, "0.774")
    assert (scores[3.5][0], f"{scores[3.5][1]:.3f}") == (108, "0.753")
    assert f"{scores[5.0][1]:.3f}" == f"{scores[6.0][1]:.3f}" == "0.770"
    assert max(scores, key=lambda sigma: scores[sigma][1]) == 5.5


def test_a_matching_count_hides_errors_that_cancel():
    """The feedback's claim: at spot_sigma=3.5 (108 objects) some annotated nuclei are cut in pieces while elsewhere
    one object holds two annotated nuclei."""
    image, truth = segcourse.load("bbbc039_nuclei"), segcourse.load("bbbc039_ground_truth")
    labels = exercises.voronoi_otsu(image, 3.5, 1)
    cut = sum(np.sum(np.bincount(labels[truth == i])[1:] > 0.2 * np.sum(truth == i)) > 1
              for i in range(1, truth.max() + 1))
    holding_two = sum(np.sum(np.bincount(truth[labels == j], minlength=truth.max() + 1)[1:]
                             > 0.2 * np.bincount(truth.ravel())[1:]) > 1
                      for j in range(1, labels.max() + 1))
    assert cut >= 5 and holding_two >= 5


def test_swapped_arguments_are_told_the_order():
    """metrics.sparse_jaccard(labels, ground_truth), the arguments swapped, makes 6.5 the best: its feedback names
    the order."""
    image, truth = segcourse.load("bbbc039_nuclei"), segcourse.load("bbbc039_ground_truth")
    swapped = {sigma: metrics.sparse_jaccard(exercises.voronoi_otsu(image, sigma, 1), truth)
               for sigma in segcourse.values(2, 8, 0.5)}
    assert max(swapped, key=swapped.get) == 6.5
    assert "(the annotation first)" in exercises.best_spot_sigma.check(6.5).message


def test_cle_finds_the_same_best_spot_sigma():
    image, truth = segcourse.load("bbbc039_nuclei"), segcourse.load("bbbc039_ground_truth")
    scores = {sigma: metrics.sparse_jaccard(truth, cle.voronoi_otsu_labeling(image, spot_sigma=sigma,
                                                                             outline_sigma=1))
              for sigma in (5.0, 5.5, 6.0)}
    assert max(scores, key=scores.get) == 5.5


def test_best_spot_sigma_right_in_every_form():
    for answer in [5.5, np.float32(5.5), np.float64(5.5), np.array(5.5), StackViewNDArray(np.array([5.5])),
                   StackViewNDArray(np.array([2.0, 5.5])).max(), cle.push(np.array([5.5], dtype=np.float32))]:
        feedback = exercises.best_spot_sigma.check(answer)
        assert feedback.correct and "0.774" in feedback.message and "3.5 (108 objects)" in feedback.message, (
            answer, feedback)
    assert exercises.best_spot_sigma.check(None).status == "not attempted"


@pytest.mark.parametrize("answer, words", [
    (3.5, "the count closest to the 110 annotated nuclei, but its score is 0.753"),
    (5.0, "0.770 (97 objects), but another value of the list scores higher: try more blur"),
    (6, "0.770 (95 objects), but another value of the list scores higher: try less blur"),
    (2, "try more blur"),
    (0.774, "looks like a score"), (0.77, "looks like a score"),
    (110, "looks like a number of nuclei"), (96, "looks like a number of nuclei"),
    (5.2, "Pick one of the values"), (9, "Pick one of the values"),
    ("5.5", "without quotes"), ([5.5, 6], "2 values"), (False, "yes/no"),
])
def test_best_spot_sigma_mistakes(answer, words):
    feedback = exercises.best_spot_sigma.check(answer)
    assert not feedback.correct and words in feedback.message, feedback


def test_best_spot_sigma_solution_runs_and_is_right(capsys):
    namespace = {"segcourse": segcourse, "nsbatwm": nsbatwm, "metrics": metrics,
                 "bbbc039_image": segcourse.load("bbbc039_nuclei"),
                 "ground_truth": segcourse.load("bbbc039_ground_truth")}
    exec(exercises.best_spot_sigma.solution_text, namespace)
    assert exercises.best_spot_sigma.check(namespace["best_spot_sigma"]).correct
    assert "spot_sigma=5.5: 96 objects, 0.774" in capsys.readouterr().out


def test_the_notebook_loads_what_the_exercises_use():
    code = "\n".join("".join(cell["source"]) for cell in json.loads(NOTEBOOK.read_text())["cells"]
                     if cell["cell_type"] == "code")
    for name in ("bbbc039_image", "ground_truth", "nsbatwm", "metrics"):
        assert f"{name} = " in code or f"import {name}" in code or f"as {name}" in code, name
