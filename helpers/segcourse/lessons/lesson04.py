"""Lesson 04, Voronoi-Otsu labelling: choose spot_sigma against a ground truth count; rebuild the one-liner."""
from functools import lru_cache
from numbers import Real

import numpy as np

from segcourse.data import load
from segcourse.exercises import Exercise

SPOT_SIGMAS = [2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0]   # segcourse.values(2, 6, 0.5)
OUTLINE_SIGMA = 1
GROUND_TRUTH_COUNT = 110   # nuclei in segcourse.load("bbbc039_ground_truth")


def _is_number(answer):
    return isinstance(answer, (Real, np.integer, np.floating)) and not isinstance(answer, bool) \
        and np.ndim(answer) == 0


# --- Exercise 1: which spot_sigma counts the BBBC039 nuclei best? -----------------------------------

@lru_cache(maxsize=None)
def bbbc039_count(spot_sigma: float) -> int:
    """Objects found by nsbatwm.voronoi_otsu_labeling(spot_sigma, outline_sigma=1) on the BBBC039 nuclei."""
    import napari_segment_blobs_and_things_with_membranes as nsbatwm
    labels = nsbatwm.voronoi_otsu_labeling(load("bbbc039_nuclei"), spot_sigma=spot_sigma,
                                           outline_sigma=OUTLINE_SIGMA)
    return int(np.asarray(labels).max())


def best_spot_sigma() -> float:
    """The spot_sigma of SPOT_SIGMAS whose count is closest to the ground truth's 110 nuclei."""
    return min(SPOT_SIGMAS, key=lambda sigma: abs(bbbc039_count(sigma) - GROUND_TRUTH_COUNT))


def _check_spot_sigma(answer):
    if not _is_number(answer):
        return False, f"Expected one number, a value of spot_sigma, not a {type(answer).__name__}."
    if float(answer) not in SPOT_SIGMAS:
        if answer == GROUND_TRUTH_COUNT or answer > 20:
            return False, "The answer is a spot_sigma (a blur width in pixels), not a number of nuclei."
        return False, f"Pick one of the values 2, 2.5, ..., 6 (`segcourse.values(2, 6, 0.5)`), not {answer}."
    count = bbbc039_count(float(answer))
    best = best_spot_sigma()
    if float(answer) == best:
        return True, (f"spot_sigma={answer} finds {count} nuclei, {abs(count - GROUND_TRUTH_COUNT)} off the "
                      f"ground truth's {GROUND_TRUTH_COUNT}. A matching count does not prove that each nucleus is "
                      "segmented right: lesson 09 compares the objects themselves.")
    direction = ("too many: a larger spot_sigma merges spots that belong to one nucleus" if count > GROUND_TRUTH_COUNT
                 else "too few: a smaller spot_sigma keeps the spots of neighbouring nuclei apart")
    return False, (f"spot_sigma={answer} finds {count} nuclei, {abs(count - GROUND_TRUTH_COUNT)} off the "
                   f"{GROUND_TRUTH_COUNT} of the ground truth; {direction}. Another value comes closer.")


spot_sigma_for_bbbc039 = Exercise(
    "lesson04.spot_sigma_for_bbbc039", checker=_check_spot_sigma,
    hints=["Loop over `segcourse.values(2, 6, 0.5)` and print the count for each spot_sigma.",
           "`nsbatwm.voronoi_otsu_labeling(bbbc039, spot_sigma=spot_sigma_value, outline_sigma=1).max()` is the count.",
           "Compare each count with 110 and keep the spot_sigma with the smallest difference."],
    solution_text="""bbbc039 = segcourse.load("bbbc039_nuclei")
for spot_sigma_value in segcourse.values(2, 6, 0.5):
    count = nsbatwm.voronoi_otsu_labeling(bbbc039, spot_sigma=spot_sigma_value, outline_sigma=1).max()
    print(spot_sigma_value, count, abs(count - 110))
best_spot_sigma = 3.5""",
)


# --- Exercise 2: rebuild cle.voronoi_otsu_labeling from its steps -----------------------------------

CHECK_CASES = [("blobs", 3.5, 1.0), ("blobs", 2.0, 2.0)]


def _one_liner(image, spot_sigma, outline_sigma):
    import pyclesperanto_prototype as cle
    return cle.pull(cle.voronoi_otsu_labeling(image, spot_sigma=spot_sigma, outline_sigma=outline_sigma))


def _check_function(answer):
    if not callable(answer):
        return False, ("Expected a function, e.g. `def my_voronoi_otsu_labeling(image, spot_sigma, outline_sigma): "
                       "...`, then pass `my_voronoi_otsu_labeling` itself (without calling it).")
    for name, spot_sigma, outline_sigma in CHECK_CASES:
        image = load(name)
        expected = _one_liner(image, spot_sigma, outline_sigma)
        result = answer(image, spot_sigma=spot_sigma, outline_sigma=outline_sigma)
        if result is None:
            return False, "Your function returns None: end it with `return labels`."
        result = np.asarray(result)
        if result.shape != expected.shape:
            return False, f"Your function returns an array of shape {result.shape}, the image has {expected.shape}."
        different = int(np.sum(result != expected))
        if different == 0:
            continue
        case = f"On {name} with spot_sigma={spot_sigma}, outline_sigma={outline_sigma}"
        if np.array_equal(result, _one_liner(image, outline_sigma, spot_sigma)):
            return False, f"{case} you get the result of swapped sigmas: blur with spot_sigma before detecting maxima."
        import napari_segment_blobs_and_things_with_membranes as nsbatwm
        nsbatwm_labels = np.asarray(nsbatwm.voronoi_otsu_labeling(image, spot_sigma=spot_sigma,
                                                                   outline_sigma=outline_sigma))
        if np.array_equal(result, nsbatwm_labels):
            return False, (f"{case} your labels equal nsbatwm's: scikit-image numbers the objects differently and "
                           "puts a few edge pixels elsewhere (another Otsu histogram, another flooding). "
                           "Build the steps with cle functions.")
        pairs = np.unique(np.stack([result.ravel(), expected.ravel()]), axis=1).shape[1]
        if pairs == len(np.unique(result)) == len(np.unique(expected)):
            return False, (f"{case} your objects are right but numbered differently (ids with gaps?). Keep only the "
                           "spots inside the binary (`cle.binary_and(spots, binary)`) before the Voronoi labelling.")
        count, expected_count = len(np.unique(result[result > 0])), int(expected.max())
        if count != expected_count:
            return False, (f"{case} you get {count} objects, the one-liner {expected_count}. Check the spots: "
                           "detect_maxima_box with radius 0 on the image blurred with spot_sigma, then keep only "
                           "the spots inside the binary (`cle.binary_and`).")
        return False, (f"{case} {different} pixels differ from the one-liner although the number of objects is "
                       "the same. Check that the binary comes from the image blurred with outline_sigma, that the maxima "
                       "radius is 0, and that masked_voronoi_labeling gets that binary as its mask.")
    return True, "Your steps give exactly the one-liner's labels, pixel for pixel."


voronoi_otsu_steps = Exercise(
    "lesson04.voronoi_otsu_steps", checker=_check_function,
    hints=["Copy the cells of 'How does it work?' into one function `def my_voronoi_otsu_labeling(image, "
           "spot_sigma, outline_sigma):` and return the labels.",
           "Two blurs: `spot_sigma` for the spots (`cle.detect_maxima_box`), `outline_sigma` for the binary "
           "(`cle.threshold_otsu`).",
           "Keep the spots inside the binary with `cle.binary_and(spots, binary)`, then "
           "`cle.masked_voronoi_labeling(seeds, binary)` and `cle.mask(..., binary)`."],
    solution_text="""def my_voronoi_otsu_labeling(image, spot_sigma, outline_sigma):
    blurred_spots = cle.gaussian_blur(image, sigma_x=spot_sigma, sigma_y=spot_sigma, sigma_z=spot_sigma)
    spots = cle.detect_maxima_box(blurred_spots, radius_x=0, radius_y=0, radius_z=0)
    blurred_outline = cle.gaussian_blur(image, sigma_x=outline_sigma, sigma_y=outline_sigma, sigma_z=outline_sigma)
    binary = cle.threshold_otsu(blurred_outline)
    seeds = cle.binary_and(spots, binary)
    voronoi = cle.masked_voronoi_labeling(seeds, binary)
    return cle.mask(voronoi, binary)""",
)
