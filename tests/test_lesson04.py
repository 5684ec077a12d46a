"""Lesson 04, Voronoi-Otsu labelling: step by step == one-liner, the numbers the lesson prints, the exercises."""
import json
import re
from pathlib import Path

import napari_segment_blobs_and_things_with_membranes as nsbatwm
import numpy as np
import pyclesperanto_prototype as cle
import pytest

import segcourse
from segcourse.lessons import lesson04

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "04_voronoi_otsu_labeling.ipynb"


@pytest.fixture(scope="module")
def blobs():
    return segcourse.load("blobs")


@pytest.fixture(scope="module")
def nuclei():
    return segcourse.load("bbbc022")[0]


def step_by_step(image, spot_sigma, outline_sigma):
    """The cells of 'How does it work?', in the order of cle's source."""
    blurred_spots = cle.gaussian_blur(image, sigma_x=spot_sigma, sigma_y=spot_sigma, sigma_z=spot_sigma)
    spots = cle.detect_maxima_box(blurred_spots, radius_x=0, radius_y=0, radius_z=0)
    blurred_outline = cle.gaussian_blur(image, sigma_x=outline_sigma, sigma_y=outline_sigma, sigma_z=outline_sigma)
    binary = cle.threshold_otsu(blurred_outline)
    seeds = cle.binary_and(spots, binary)
    voronoi = cle.masked_voronoi_labeling(seeds, binary)
    return spots, seeds, cle.pull(cle.mask(voronoi, binary))


def compare(labels_a, labels_b):
    """As in the notebook: objects, one to one?, foreground pixels, foreground in only one, in both but other object."""
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


@pytest.mark.parametrize("name, spot_sigma, outline_sigma", [
    ("bbbc022", 5, 1), ("blobs", 3.5, 1), ("blobs", 2, 2), ("neubias_membranes_nuclei", 1.5, 0.5)])
def test_step_by_step_equals_one_liner(name, spot_sigma, outline_sigma):
    image = segcourse.load(name)
    image = image[0] if name == "bbbc022" else image[1] if name == "neubias_membranes_nuclei" else image
    _, _, labels = step_by_step(image, spot_sigma, outline_sigma)
    one_liner = cle.pull(cle.voronoi_otsu_labeling(image, spot_sigma=spot_sigma, outline_sigma=outline_sigma))
    assert np.sum(labels != one_liner) == 0
    assert labels.max() > 1


def test_spots_and_seeds(nuclei):
    spots, seeds, labels = step_by_step(nuclei, 5, 1)
    assert int(cle.sum_of_all_pixels(spots)) == 231
    assert int(cle.sum_of_all_pixels(seeds)) == 25 == labels.max()


def test_the_lectures_numbers(nuclei):
    labels = nsbatwm.voronoi_otsu_labeling(nuclei, spot_sigma=5, outline_sigma=1)
    assert labels.shape == (395, 695) and labels.dtype == np.int32 and labels.max() == 25


def test_cle_and_nsbatwm_agree_up_to_a_few_pixels(nuclei, blobs):
    assert compare(cle.voronoi_otsu_labeling(nuclei, spot_sigma=5, outline_sigma=1),
                   nsbatwm.voronoi_otsu_labeling(nuclei, spot_sigma=5, outline_sigma=1)) == (25, 25, True, 14819, 14882, 63, 12)
    assert compare(cle.voronoi_otsu_labeling(blobs, spot_sigma=3.5, outline_sigma=1),
                   nsbatwm.voronoi_otsu_labeling(blobs, spot_sigma=3.5, outline_sigma=1)) == (66, 66, True, 22029, 22026, 3, 87)


def test_otsu_thresholds_differ(nuclei):
    from skimage.filters import threshold_otsu
    blurred = cle.pull(cle.gaussian_blur(nuclei, sigma_x=1, sigma_y=1))
    binary = cle.pull(cle.threshold_otsu(blurred))
    assert f"{threshold_otsu(blurred):.1f}" == "404.1"
    assert (f"{blurred[binary == 0].max():.1f}", f"{blurred[binary == 1].min():.1f}") == ("407.5", "407.6")


def test_sigma_tables(nuclei):
    spot = {s: int(nsbatwm.voronoi_otsu_labeling(nuclei, spot_sigma=s, outline_sigma=1).max()) for s in range(1, 7)}
    assert spot == {1: 124, 2: 44, 3: 31, 4: 28, 5: 25, 6: 25}
    outline = {}
    for sigma in [0.5, 1, 2, 4]:
        labels = np.asarray(nsbatwm.voronoi_otsu_labeling(nuclei, spot_sigma=5, outline_sigma=sigma))
        outline[sigma] = (int(labels.max()), int(np.sum(labels > 0)))
    assert outline == {0.5: (25, 14889), 1: (25, 14882), 2: (25, 15133), 4: (25, 16347)}


def test_isotropy_demo(blobs):
    assert "* This operation assumes input images are isotropic." in cle.voronoi_otsu_labeling.__doc__
    squeezed = blobs[::2]
    resampled = cle.scale(squeezed, factor_x=1, factor_y=2, auto_size=True)
    assert squeezed.shape == (127, 256) and resampled.shape == (254, 256)
    original = cle.pull(cle.voronoi_otsu_labeling(blobs, spot_sigma=3.5, outline_sigma=1))
    labels_squeezed = cle.pull(cle.voronoi_otsu_labeling(squeezed, spot_sigma=3.5, outline_sigma=1))
    labels_resampled = cle.pull(cle.voronoi_otsu_labeling(resampled, spot_sigma=3.5, outline_sigma=1))
    assert (original.max(), labels_squeezed.max(), labels_resampled.max()) == (66, 62, 66)
    # the 4 missing blobs are 4 pairs of neighbours that now share one label
    rows = original[::2]
    merged_pairs = 0
    for label_id in range(1, labels_squeezed.max() + 1):
        inside = labels_squeezed == label_id
        covered = [i for i in np.unique(rows[inside & (rows > 0)]) if np.sum(inside & (rows == i)) > 0.3 * np.sum(rows == i)]
        merged_pairs += len(covered) == 2
    assert merged_pairs == 4


# --- exercises -----------------------------------------------------------------------------------

def test_spot_sigma_right_and_wrong():
    exercise = lesson04.spot_sigma_for_bbbc039
    assert lesson04.best_spot_sigma() == 3.5 and lesson04.bbbc039_count(3.5) == 108
    assert exercise.check(None).status == "not attempted"
    assert exercise.check(3.5).correct
    assert "125 nuclei" in repr(exercise.check(3.0)) and "too many" in repr(exercise.check(3.0))
    assert "104 nuclei" in repr(exercise.check(4)) and "too few" in repr(exercise.check(4))
    assert "not a number of nuclei" in repr(exercise.check(110))
    assert "Pick one of the values" in repr(exercise.check(3.7))
    assert "one number" in repr(exercise.check([3.5]))


def test_cle_counts_agree_for_the_exercise_answer():
    bbbc039 = segcourse.load("bbbc039_nuclei")
    assert cle.pull(cle.voronoi_otsu_labeling(bbbc039, spot_sigma=3.5, outline_sigma=1)).max() == 108


def test_voronoi_otsu_steps_right_and_wrong():
    exercise = lesson04.voronoi_otsu_steps
    assert exercise.check(lambda image, spot_sigma, outline_sigma: step_by_step(image, spot_sigma, outline_sigma)[2]).correct

    def swapped(image, spot_sigma, outline_sigma):
        return step_by_step(image, outline_sigma, spot_sigma)[2]

    def without_binary_and(image, spot_sigma, outline_sigma):
        spots = cle.detect_maxima_box(cle.gaussian_blur(image, sigma_x=spot_sigma, sigma_y=spot_sigma))
        binary = cle.threshold_otsu(cle.gaussian_blur(image, sigma_x=outline_sigma, sigma_y=outline_sigma))
        return cle.mask(cle.masked_voronoi_labeling(spots, binary), binary)

    def one_blur(image, spot_sigma, outline_sigma):
        return step_by_step(image, spot_sigma, spot_sigma)[2]

    def with_nsbatwm(image, spot_sigma, outline_sigma):
        return nsbatwm.voronoi_otsu_labeling(image, spot_sigma=spot_sigma, outline_sigma=outline_sigma)

    assert "swapped sigmas" in repr(exercise.check(swapped))
    assert "numbered differently" in repr(exercise.check(without_binary_and))
    assert "you get 65 objects, the one-liner 66" in repr(exercise.check(one_blur))
    assert "equal nsbatwm's" in repr(exercise.check(with_nsbatwm))
    assert "returns None" in repr(exercise.check(lambda image, spot_sigma, outline_sigma: None))
    assert "Expected a function" in repr(exercise.check(5))


def _notebook_solutions(path):
    cells = json.loads(path.read_text())["cells"]
    markdown = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown"]
    return [match.strip() for text in markdown
            for match in re.findall(r":::\{dropdown\} Solution\n```python\n(.*?)```\n:::", text, re.S)]


@pytest.mark.parametrize("exercise, answer_name", [(lesson04.spot_sigma_for_bbbc039, "best_spot_sigma"),
                                                   (lesson04.voronoi_otsu_steps, "my_voronoi_otsu_labeling")])
def test_solutions_are_in_the_book_and_correct(exercise, answer_name, capsys):
    assert exercise.solution_text.strip() in _notebook_solutions(NOTEBOOK)
    namespace = {"segcourse": segcourse, "nsbatwm": nsbatwm, "cle": cle}
    exec(exercise.solution_text, namespace)
    assert exercise.check(namespace[answer_name]).correct


def test_border_pixels_come_from_flooding(nuclei):
    """scikit-image's watershed from cle's own seeds in cle's own binary: same foreground, 12 border pixels apart."""
    from skimage.measure import label
    from skimage.segmentation import watershed
    spots, seeds, labels_cle = step_by_step(nuclei, 5, 1)
    binary = labels_cle > 0
    flooded = watershed(binary, label(cle.pull(seeds)), mask=binary)
    assert compare(labels_cle.astype(np.uint32), flooded)[3:] == (14819, 14819, 0, 12)
