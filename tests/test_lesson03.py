"""Lesson 03, Gauss-Otsu labelling: the numbers the lesson prints, step by step == one-liner, the exercises."""
import json
import re
from pathlib import Path

import napari_segment_blobs_and_things_with_membranes as nsbatwm
import numpy as np
import pyclesperanto_prototype as cle
import pytest

import segcourse
from segcourse.lessons import lesson03

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "03_gauss_otsu_labeling.ipynb"


@pytest.fixture(scope="module")
def blobs():
    return segcourse.load("blobs")


@pytest.fixture(scope="module")
def nuclei():
    return segcourse.load("bbbc022")[0]


def count(labels):
    return int(np.asarray(labels).max())


def test_step_by_step_equals_one_liner(blobs):
    blurred = cle.gaussian_blur(blobs, sigma_x=1, sigma_y=1)
    labels = cle.pull(cle.connected_components_labeling_box(cle.threshold_otsu(blurred)))
    one_liner = cle.pull(cle.gauss_otsu_labeling(blobs, outline_sigma=1))
    assert np.sum(labels != one_liner) == 0
    assert labels.max() == 62 and len(np.unique(labels)) == 63  # sequential ids: max is the count


def test_cle_and_nsbatwm_agree_on_blobs(blobs):
    labels_cle = cle.pull(cle.gauss_otsu_labeling(blobs, outline_sigma=1))
    labels_nsbatwm = np.asarray(nsbatwm.gauss_otsu_labeling(blobs, outline_sigma=1))
    assert count(labels_nsbatwm) == 62
    assert np.sum((labels_cle > 0) != (labels_nsbatwm > 0)) == 3


def test_otsu_threshold_printed(blobs):
    from skimage.filters import threshold_otsu
    blurred = cle.pull(cle.gaussian_blur(blobs, sigma_x=1, sigma_y=1))
    assert f"{threshold_otsu(blurred):.0f}" == "125"


def test_sigma_table_on_blobs(blobs):
    table = {}
    for sigma in [0, 1, 2, 4, 8]:
        labels = np.asarray(nsbatwm.gauss_otsu_labeling(blobs, outline_sigma=sigma))
        table[sigma] = (count(labels), int(np.bincount(labels.ravel())[1:].min()))
    assert table == {0: (64, 1), 1: (62, 7), 2: (61, 5), 4: (58, 5), 8: (33, 23)}


def test_bbbc022_merged_pairs(nuclei):
    gauss_otsu = cle.pull(cle.gauss_otsu_labeling(nuclei, outline_sigma=2))
    voronoi_otsu = cle.pull(cle.voronoi_otsu_labeling(nuclei, spot_sigma=5, outline_sigma=1))
    assert count(gauss_otsu) == 23 and count(voronoi_otsu) == 25
    merged = {}
    for label_id in range(1, gauss_otsu.max() + 1):
        inside = np.unique(voronoi_otsu[(gauss_otsu == label_id) & (voronoi_otsu > 0)])
        if len(inside) > 1:
            merged[label_id] = (int(np.sum(gauss_otsu == label_id)), len(inside))
    assert merged == {13: (970, 2), 20: (941, 2)}
    # the area heuristic: the two pairs plus one large single nucleus (object 21, bottom right)
    areas = np.bincount(gauss_otsu.ravel())[1:]
    median_area = np.median(areas)
    assert median_area == 646
    assert list(np.nonzero(areas > 1.4 * median_area)[0] + 1) == [13, 20, 21]
    assert areas[20] == 1088
    assert [f"{areas[i - 1] / median_area:.2f}" for i in (13, 20, 21)] == ["1.50", "1.46", "1.68"]


def test_sigma_table_on_bbbc022(nuclei):
    counts = {sigma: count(nsbatwm.gauss_otsu_labeling(nuclei, outline_sigma=sigma)) for sigma in [1, 2, 4, 6, 10]}
    assert counts == {1: 23, 2: 23, 4: 23, 6: 23, 10: 14}


# --- exercises -----------------------------------------------------------------------------------

def test_count_nuclei_right_and_wrong():
    assert lesson03.neubias_count() == 31
    assert lesson03.count_nuclei.check(None).status == "not attempted"
    assert lesson03.count_nuclei.check(31).correct
    assert lesson03.count_nuclei.check(np.float32(31.0)).correct   # cle's labels.max() is a float
    nuclei = segcourse.load("neubias_membranes_nuclei")[1]
    pixels = int(np.sum(np.asarray(nsbatwm.gauss_otsu_labeling(nuclei, outline_sigma=2)) > 0))
    assert "pixels" in repr(lesson03.count_nuclei.check(pixels))
    assert "background" in repr(lesson03.count_nuclei.check(32))
    assert "membranes" in repr(lesson03.count_nuclei.check(17))
    assert "without blurring" in repr(lesson03.count_nuclei.check(36))
    assert not lesson03.count_nuclei.check(30)
    assert "one number" in repr(lesson03.count_nuclei.check(np.zeros((3, 3))))


def test_sigma_for_20_right_and_wrong():
    assert lesson03.sigma_for_20.check(8.0).correct
    assert lesson03.sigma_for_20.check(8).correct
    assert "more than 20: blur more" in repr(lesson03.sigma_for_20.check(7.5))
    assert "fewer than 20: blur less" in repr(lesson03.sigma_for_20.check(9))
    assert "sensible range" in repr(lesson03.sigma_for_20.check(0))
    assert "one number" in repr(lesson03.sigma_for_20.check("8"))


def _notebook_solutions(path):
    cells = json.loads(path.read_text())["cells"]
    markdown = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown"]
    return [match.strip() for text in markdown
            for match in re.findall(r":::\{dropdown\} Solution\n```python\n(.*?)```\n:::", text, re.S)]


@pytest.mark.parametrize("exercise", [lesson03.count_nuclei, lesson03.sigma_for_20])
def test_solutions_are_in_the_book_and_correct(exercise):
    assert exercise.solution_text.strip() in _notebook_solutions(NOTEBOOK)
    namespace = {"segcourse": segcourse, "nsbatwm": nsbatwm, "nuclei": segcourse.load("bbbc022")[0]}
    exec(exercise.solution_text, namespace)
    answer_name = {"lesson03.count_nuclei": "number_of_nuclei",
                   "lesson03.sigma_for_20": "sigma_with_20_objects"}[exercise.name]
    assert exercise.check(namespace[answer_name]).correct
