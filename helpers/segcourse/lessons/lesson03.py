"""Lesson 03, Gauss-Otsu labelling: count objects, and find the sigma that gives a wanted count."""
from numbers import Real

import numpy as np

from segcourse.data import load
from segcourse.exercises import Exercise

NEUBIAS_OUTLINE_SIGMA = 2
TARGET_COUNT = 20


def _gauss_otsu(image, outline_sigma):
    """nsbatwm's Gauss-Otsu labelling (scikit-image inside); imported here so the module loads fast."""
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    return np.asarray(nsbatwm.gauss_otsu_labeling(image, outline_sigma=outline_sigma))


def _is_number(answer):
    return isinstance(answer, (Real, np.integer, np.floating)) and not isinstance(answer, bool) \
        and np.ndim(answer) == 0


# --- Exercise 1: count nuclei with Gauss-Otsu -------------------------------------------------------

def neubias_count() -> int:
    """Number of objects Gauss-Otsu labelling (outline_sigma=2) finds in the NEUBIAS nuclei channel."""
    return int(_gauss_otsu(load("neubias_membranes_nuclei")[1], NEUBIAS_OUTLINE_SIGMA).max())


def _check_count_nuclei(answer):
    if not _is_number(answer):
        return False, ("Expected one number, the count of objects (for example `labels.max()`), "
                       f"not a {type(answer).__name__}.")
    expected = neubias_count()
    if answer == expected:
        return True, (f"{expected} objects. Gauss-Otsu finds only the nuclei bright enough to pass Otsu's threshold: "
                      "look at the image, several dim nuclei are missing.")
    nuclei, membranes = load("neubias_membranes_nuclei")[1], load("neubias_membranes_nuclei")[0]
    labels = _gauss_otsu(nuclei, NEUBIAS_OUTLINE_SIGMA)
    if answer == int((labels > 0).sum()):
        return False, "You counted foreground pixels, not objects: each object has one label id."
    if answer == expected + 1:
        return False, ("One too many: did you count the background? `np.unique(labels)` includes 0, "
                       "which is background, not an object.")
    if answer == int(_gauss_otsu(membranes, NEUBIAS_OUTLINE_SIGMA).max()):
        return False, "That is the count of channel 0, the membranes. The nuclei are channel 1: `image[1]`."
    if answer == int(_gauss_otsu(nuclei, 0).max()):
        return False, "That is the count without blurring. Use `outline_sigma=2`."
    return False, (f"{answer} is not what Gauss-Otsu labelling with outline_sigma={NEUBIAS_OUTLINE_SIGMA} gives "
                   "on the nuclei channel. Check the channel (`[1]`) and the sigma.")


count_nuclei = Exercise(
    "lesson03.count_nuclei", checker=_check_count_nuclei,
    hints=["The nuclei are channel 1 of `segcourse.load(\"neubias_membranes_nuclei\")`.",
           "`nsbatwm.gauss_otsu_labeling(nuclei, outline_sigma=2)` (or the cle one-liner) gives the labels.",
           "The labels are numbered 1, 2, 3, ... without gaps, so `labels.max()` is the count."],
    solution_text="""epithelium_nuclei = segcourse.load("neubias_membranes_nuclei")[1]
labels = nsbatwm.gauss_otsu_labeling(epithelium_nuclei, outline_sigma=2)
number_of_nuclei = int(labels.max())""",
)


# --- Exercise 2: which sigma gives 20 objects on BBBC022? -------------------------------------------

def bbbc022_count(outline_sigma: float) -> int:
    """Number of objects Gauss-Otsu labelling finds in the BBBC022 nuclei channel with this sigma."""
    return int(_gauss_otsu(load("bbbc022")[0], float(outline_sigma)).max())


def _check_sigma(answer):
    if not _is_number(answer):
        return False, f"Expected one number, a value of outline_sigma, not a {type(answer).__name__}."
    if not 0 < answer <= 50:
        return False, f"outline_sigma={answer} is outside the sensible range: try values between 0.5 and 20."
    count = bbbc022_count(answer)
    if count == TARGET_COUNT:
        return True, (f"With outline_sigma={answer} Gauss-Otsu finds {count} objects instead of 23: so much blur "
                      "merges neighbouring nuclei. A count that matches is not a good segmentation.")
    if count > TARGET_COUNT:
        return False, (f"With outline_sigma={answer} Gauss-Otsu finds {count} objects, more than "
                       f"{TARGET_COUNT}: blur more (a larger sigma).")
    return False, (f"With outline_sigma={answer} Gauss-Otsu finds {count} objects, fewer than "
                   f"{TARGET_COUNT}: blur less (a smaller sigma).")


sigma_for_20 = Exercise(
    "lesson03.sigma_for_20", checker=_check_sigma,
    hints=["At small sigma the BBBC022 nuclei give 23 objects; a larger sigma merges neighbours.",
           "Reuse the slider on the nuclei: `segcourse.explore(nsbatwm.gauss_otsu_labeling, nuclei, "
           "sliders={\"outline_sigma\": segcourse.values(0.5, 10, 0.5)})` and read the captions.",
           "Or loop: `for sigma in segcourse.values(6, 10, 0.5): print(sigma, "
           "nsbatwm.gauss_otsu_labeling(nuclei, outline_sigma=sigma).max())`."],
    solution_text="""for sigma in segcourse.values(6, 10, 0.5):
    print(sigma, nsbatwm.gauss_otsu_labeling(nuclei, outline_sigma=sigma).max())
sigma_with_20_objects = 8.0""",
)
