"""Lesson 06, binary watershed: the exercises, and the lesson's blobs pipeline they are checked against.

- ``seed_count``: how many seeds (local maxima of the distance map blurred with ``sigma=2``) the blobs binary
  gives. Recognises the lesson's sigma=3.5, no blur, another sigma, the blurred image or binary instead of the
  distance map, maxima searched without ``labels=``, and the count of connected components.
- ``flood_blobs``: the learner's watershed of the blobs, a label image (``split_labels``). It is compared
  object by object (ids may differ) with the right one and with the typical wrong methods, each recognised:
  the distance map without the minus sign (flooded from its hill tops), the intensity image (or its negation)
  instead of the distance map, the unblurred distance map, no mask, seeds from another sigma, the connected
  components or the seeds themselves. Without ``watershed_line=True`` the split is right and accepted, with a
  note.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from segcourse.data import load
from segcourse.exercises import Exercise, NumberExercise, is_number

__all__ = ["seed_count", "flood_blobs", "SIGMA", "EXERCISE_SIGMA", "blobs", "seeds_for", "seed_counts",
           "flood_variants", "same_objects", "object_count"]

SIGMA = 3.5           # the blur of the distance map in the lesson
EXERCISE_SIGMA = 2    # the blur exercise 1 asks for


@lru_cache(maxsize=1)
def blobs() -> dict:
    """The lesson's arrays: image, Otsu binary, connected components, distance map and its blur (read-only)."""
    from scipy import ndimage as ndi
    from skimage.filters import gaussian, threshold_otsu
    from skimage.measure import label

    image = load("blobs")
    binary = image > threshold_otsu(image)
    distance = ndi.distance_transform_edt(binary)
    arrays = {"image": image, "binary": binary, "blob_labels": label(binary), "distance": distance,
              "blurred_distance": gaussian(distance, sigma=SIGMA)}
    for array in arrays.values():
        array.flags.writeable = False
    return arrays


def seeds_for(landscape) -> np.ndarray:
    """A seeds image: one id per local maximum of `landscape` inside the blobs (as the lesson makes it)."""
    from skimage.feature import peak_local_max
    peaks = peak_local_max(np.asarray(landscape), labels=blobs()["blob_labels"])
    seeds = np.zeros(blobs()["binary"].shape, dtype=int)
    seeds[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
    return seeds


def same_objects(labels_a, labels_b) -> bool:
    """True if two label images hold the same objects (the same pixels in each), whatever their ids."""
    labels_a, labels_b = np.asarray(labels_a), np.asarray(labels_b)
    if labels_a.shape != labels_b.shape or not np.array_equal(labels_a == 0, labels_b == 0):
        return False
    pairs = np.unique(np.stack([labels_a.ravel(), labels_b.ravel()]), axis=1)
    return pairs.shape[1] == len(np.unique(labels_a)) == len(np.unique(labels_b))


def object_count(labels) -> int:
    """Number of distinct ids other than 0 (the count even when ids have gaps)."""
    ids = np.unique(np.asarray(labels))
    return int(np.count_nonzero(ids))


# --- exercise 1: seeds with a smaller sigma ------------------------------------------------------------------
@lru_cache(maxsize=1)
def seed_counts() -> dict:
    """Seeds found by the lesson's method and by typical variants (for the right answer and the mistakes)."""
    from skimage.feature import peak_local_max
    from skimage.filters import gaussian

    arrays = blobs()
    counts = {f"sigma={sigma}": len(peak_local_max(gaussian(arrays["distance"], sigma=sigma),
                                                   labels=arrays["blob_labels"]))
              for sigma in (1, EXERCISE_SIGMA, 2.5, 3, SIGMA, 4)}
    counts["no blur"] = len(peak_local_max(arrays["distance"], labels=arrays["blob_labels"]))
    counts["blurred image"] = len(peak_local_max(gaussian(arrays["image"].astype(float), sigma=EXERCISE_SIGMA),
                                                 labels=arrays["blob_labels"]))
    counts["blurred binary"] = len(peak_local_max(gaussian(arrays["binary"].astype(float), sigma=EXERCISE_SIGMA),
                                                  labels=arrays["blob_labels"]))
    counts["no labels"] = len(peak_local_max(gaussian(arrays["distance"], sigma=EXERCISE_SIGMA)))
    counts["components"] = int(arrays["blob_labels"].max())
    return counts


seed_count = NumberExercise(
    "binary_watershed.seed_count",
    expected=lambda: seed_counts()[f"sigma={EXERCISE_SIGMA}"],
    mistakes=[
        (lambda: seed_counts()["sigma=3.5"],
         f"That is the count with the lesson's sigma={SIGMA} (printed above). Blur the distance map with "
         f"sigma={EXERCISE_SIGMA} instead."),
        (lambda: seed_counts()["components"],
         "That is the number of connected components (blob_labels.max()), not of seeds: find the local maxima "
         "of the blurred distance map with `peak_local_max` and count the rows it returns."),
        (lambda: seed_counts()["no blur"],
         "That is the count in the distance map without blurring: every flat top and ridge gives maxima. Blur "
         f"it first: `gaussian(distance, sigma={EXERCISE_SIGMA})`."),
        (lambda: seed_counts()["blurred image"],
         "That is the count of maxima in the blurred *image*. The seeds come from the distance map: "
         "`ndi.distance_transform_edt(binary)`, then blur that."),
        (lambda: seed_counts()["blurred binary"],
         "That is the count of maxima in the blurred binary image. The seeds come from the distance map: "
         "`ndi.distance_transform_edt(binary)`, then blur that."),
        (lambda: seed_counts()["no labels"],
         "Without `labels=blob_labels`, `peak_local_max` leaves out the maxima on the image border, so the "
         "blobs cut by the border get no seed. Pass `labels=blob_labels`, as above."),
        *[(lambda sigma=sigma: seed_counts()[f"sigma={sigma}"],
           f"That is the count for sigma={sigma}; blur the distance map with sigma={EXERCISE_SIGMA}.")
          for sigma in (1, 2.5, 3, 4)],
    ],
    wrong=(f"That is not the number of seeds with sigma={EXERCISE_SIGMA}. Blur the distance map of `binary` "
           f"with sigma={EXERCISE_SIGMA}, find its maxima with `peak_local_max(..., labels=blob_labels)` and "
           "count them with `len(...)`."),
    success=(f"Fewer blur, more seeds: sigma={EXERCISE_SIGMA} keeps small bumps of the distance map as maxima, "
             "so more blobs would be cut."),
    hints=[f"Only the blur changes: `gaussian(ndi.distance_transform_edt(binary), sigma={EXERCISE_SIGMA})`. "
           "Give the result a new name, so that `blurred_distance` stays as it is.",
           "`peak_local_max(..., labels=blob_labels)` returns one row per maximum; `len(...)` counts the rows."],
    solution_text=(f"blurred_2 = gaussian(ndi.distance_transform_edt(binary), sigma={EXERCISE_SIGMA})\n"
                   "seed_count = len(peak_local_max(blurred_2, labels=blob_labels))"),
)

# --- exercise 2: flood the blobs ------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def flood_variants() -> dict:
    """The right watershed of the blobs and the typical wrong ones, by name (label images)."""
    from skimage.filters import gaussian
    from skimage.segmentation import watershed

    arrays = blobs()
    binary, image, blurred = arrays["binary"], arrays["image"], arrays["blurred_distance"]
    seeds = seeds_for(blurred)
    other_seeds = seeds_for(gaussian(arrays["distance"], sigma=EXERCISE_SIGMA))

    def flood(landscape, markers=seeds, mask=binary, line=True):
        return watershed(landscape, markers=markers, mask=mask, watershed_line=line)

    return {
        "right": flood(-blurred),
        "no line": flood(-blurred, line=False),
        "no minus": flood(blurred),
        "no minus, no line": flood(blurred, line=False),
        "image": flood(image),
        "negated image": flood(-image),  # what `-image` gives for an 8-bit image (values wrap around)
        "unblurred": flood(-arrays["distance"]),
        "unblurred, no minus": flood(arrays["distance"]),
        "no mask": flood(-blurred, mask=None),
        "no mask, no minus": flood(blurred, mask=None),
        "sigma 2 seeds": flood(-blurred, markers=other_seeds),
    }


def cut_pixels(labels) -> int:
    """Foreground pixels of the blobs binary that a result leaves as background: its cut lines."""
    return int(np.count_nonzero(blobs()["binary"] & (np.asarray(labels) == 0)))


MESSAGES = {
    "no minus": ("These are the cuts of the distance map flooded as it is, without the minus sign. The seeds sit "
                 "on the hill tops of the distance map, so the water runs downhill from them and the floods meet "
                 "in odd places. Flood `-blurred_distance`: upside down, the hill tops become valleys."),
    "image": ("You flooded the grey values of `image`. A binary watershed floods the (negated, blurred) distance "
              "map, made from the binary only: `-blurred_distance`."),
    "negated image": ("You flooded the negated image, `-image`. A binary watershed floods the negated, blurred "
                      "distance map, made from the binary only: `-blurred_distance`. (And beware: for an 8-bit "
                      "image `-image` wraps around, 1 becomes 255.)"),
    "unblurred": ("You flooded the raw distance map. The seeds came from the blurred one: flood that same "
                  "landscape, `-blurred_distance`."),
    "no mask": ("Without `mask=binary` the water also floods the background: every pixel of the image ends up in "
                "an object. Pass `mask=binary`."),
    "sigma 2 seeds": (f"Your seeds come from sigma={EXERCISE_SIGMA} (exercise 1?): this result has "
                      "{count} objects. Re-run the cells that make `peaks` and `seeds` with "
                      f"sigma={SIGMA}, then flood again."),
}
ALIASES = {"no minus, no line": "no minus",
           "unblurred, no minus": "no minus", "no mask, no minus": "no mask"}


def _check_flood_blobs(answer):
    arrays = blobs()
    if isinstance(answer, tuple):
        return False, "Expected one label image, not a tuple."
    if is_number(answer):
        return False, ("Expected the label image the watershed returns (`split_labels`), not a number.")
    if type(answer).__module__.startswith(("pyopencl", "pyclesperanto")):
        answer = answer.get()  # an OpenCL array: copy it from the device
    answer = np.asarray(answer)
    if answer.shape != arrays["binary"].shape:
        return False, f"Expected a label image of shape {arrays['binary'].shape}, got shape {answer.shape}."
    if answer.dtype == bool or (answer.dtype.kind in "iu" and answer.max() <= 1):
        return False, ("That is a binary image. Pass the label image that `watershed` returns: one id per "
                       "object.")
    if answer.dtype.kind == "f" and not np.array_equal(answer, np.round(answer)):
        return False, ("That holds fractions, like a distance map. Pass the label image that `watershed` "
                       "returns.")
    variants = flood_variants()
    count = object_count(variants["right"])
    if same_objects(answer, variants["right"]):
        return True, (f"{count} objects from {count} seeds, with {cut_pixels(answer)} pixels of cut lines: "
                      "each seed's flood became one object, and the dams cut the touching blobs.")
    if same_objects(answer, variants["no line"]):
        return True, (f"The split is right: {count} objects. Without `watershed_line=True` the cut objects touch "
                      "(no line of background between them); that is fine for counting, but the lesson's "
                      "comparison with ImageJ uses the lines.")
    for name, variant in variants.items():
        if name not in ("right", "no line") and same_objects(answer, variant):
            message = MESSAGES[ALIASES.get(name, name)]
            return False, message.format(count=object_count(answer))
    if same_objects(answer, arrays["blob_labels"]):
        return False, ("That is the connected component labelling from the start, nothing was cut. Flood "
                       "`-blurred_distance` from `seeds`.")
    if np.array_equal(answer > 0, np.asarray(seeds_for(arrays["blurred_distance"])) > 0):
        return False, "Those are the seeds themselves. Pass them as `markers=` to `watershed`."
    if np.any((answer > 0) & ~arrays["binary"]):
        return False, ("Your objects cover background pixels: keep the flood inside the blobs with "
                       "`mask=binary`.")
    if object_count(answer) != count:
        return False, (f"Your result has {object_count(answer)} objects; one object per seed gives {count}. "
                       "Pass `markers=seeds` (the seeds image made above).")
    return False, ("The number of objects is right, but the cuts run elsewhere. Flood the blurred distance map "
                   "upside down: `watershed(-blurred_distance, markers=seeds, mask=binary, "
                   "watershed_line=True)`.")


flood_blobs = Exercise(
    "binary_watershed.flood_blobs", checker=_check_flood_blobs,
    hints=["Do what the two discs showed, with the blobs' arrays: the landscape, `markers=`, `mask=` and "
           "`watershed_line=True`.",
           "The landscape is the blurred distance map upside down: `-blurred_distance`. The seeds are `seeds`, "
           "the mask is `binary`."],
    solution_text=("split_labels = watershed(-blurred_distance, markers=seeds, mask=binary,\n"
                   "                         watershed_line=True)"),
)
