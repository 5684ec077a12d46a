"""Lesson 01 (terminology): the numbers the lesson states, and each exercise with right and wrong answers."""
import json
import re
from pathlib import Path

import numpy as np
import pytest
from skimage.filters import gaussian, threshold_li, threshold_otsu
from skimage.measure import label

import segcourse
from segcourse.lessons import lesson01

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "01_terminology.ipynb"


@pytest.fixture(scope="module")
def blobs():
    image = segcourse.load("blobs")
    binary = image > threshold_otsu(image)
    return image, binary, label(binary)


# --- numbers the lesson states ---------------------------------------------------------------------------
def test_three_kinds_of_image(blobs):
    image, binary, labels = blobs
    assert threshold_otsu(image) == 120
    assert (image.min(), image.max(), len(np.unique(image))) == (8, 248, 31)
    assert np.array_equal(np.unique(binary), [False, True])
    assert np.array_equal(np.unique(labels), np.arange(65))  # background and 64 blobs, no gaps
    assert np.array_equal(labels, lesson01.blobs_labels())


def test_pixel_152_92_is_inside_a_blob_and_swapped_is_background(blobs):
    image, binary, labels = blobs
    assert image[152, 92] == 176 and binary[152, 92]
    assert labels[152, 92] == 38
    assert labels[92, 152] == 0


def test_display_does_not_change_values(blobs):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = blobs[2]
    before = labels.copy()
    fig, axes = plt.subplots(1, 2)
    axes[0].imshow(labels, cmap="gray")
    axes[1].imshow(labels, cmap="tab20")
    fig.canvas.draw()
    plt.close(fig)
    assert np.array_equal(labels, before) and labels[152, 92] == 38


def test_bbbc022_semantic_and_instance():
    cells = segcourse.load("bbbc022")
    nuclei, cytoplasm = cells[0], cells[1]
    smooth = gaussian(cytoplasm, sigma=2, preserve_range=True)
    classes = np.zeros(nuclei.shape, dtype=np.uint8)
    classes[smooth > threshold_li(smooth)] = 1
    classes[nuclei > threshold_otsu(nuclei)] = 2
    assert np.array_equal(np.unique(classes), [0, 1, 2])
    nuclei_labels = label(classes == 2)
    assert nuclei_labels.max() == 23 == len(np.unique(nuclei_labels)) - 1


def test_annotation_counts():
    count = lambda name: np.count_nonzero(np.unique(segcourse.load(name)))  # noqa: E731
    assert count("blobs_sparse_labels") == 7
    assert count("bbbc007_annotation/17P1_POS0013_D_1UL") == 8
    assert count("bbbc039_ground_truth") == 110
    assert count(lesson01.ANNOTATION) == 7


# --- exercise 1: pixel value ----------------------------------------------------------------------------------
def test_pixel_value(blobs):
    image, _, labels = blobs
    assert lesson01.pixel_value.check(None).status == "not attempted"
    assert lesson01.pixel_value.check(labels[40, 180]).correct
    assert labels[40, 180] == 11
    swapped = lesson01.pixel_value.check(labels[180, 40])
    assert not swapped and "swapped" in repr(swapped)
    grey = lesson01.pixel_value.check(image[40, 180])
    assert not grey and "grey value" in repr(grey)
    row = lesson01.pixel_value.check(labels[40])
    assert not row and "one number" in repr(row)
    assert not lesson01.pixel_value.check(12)


# --- exercise 2: count annotated objects ----------------------------------------------------------------------
def test_count_annotated():
    annotation = segcourse.load(lesson01.ANNOTATION)
    assert lesson01.count_annotated.check(len(np.unique(annotation)) - 1).correct
    with_background = lesson01.count_annotated.check(len(np.unique(annotation)))
    assert not with_background and "including 0" in repr(with_background)
    pixels = lesson01.count_annotated.check(np.count_nonzero(annotation))
    assert not pixels and "pixels, not objects" in repr(pixels)
    assert "not an array" in repr(lesson01.count_annotated.check(np.unique(annotation)))


# --- exercise 3: instance or semantic -----------------------------------------------------------------------
RIGHT = {"labels": "instance", "binary": "semantic", "classes": "semantic", "nuclei_labels": "instance",
         "ground_truth": "instance", "land_use": "semantic"}


def test_instance_or_semantic():
    assert lesson01.instance_or_semantic.check(RIGHT).correct
    assert lesson01.instance_or_semantic.check({k: v.upper() for k, v in RIGHT.items()}).correct
    wrong = lesson01.instance_or_semantic.check({**RIGHT, "binary": "instance"})
    assert not wrong and "`binary` is semantic" in repr(wrong) and "`labels`" not in repr(wrong)
    missing = lesson01.instance_or_semantic.check({"labels": "instance"})
    assert not missing and "no answer yet" in repr(missing)
    assert "instance\" or \"semantic" in repr(lesson01.instance_or_semantic.check({**RIGHT, "classes": "both"}))
    assert "Expected a dict" in repr(lesson01.instance_or_semantic.check("instance"))


# --- the book's solution dropdowns say what .solution() says ----------------------------------------------------
def test_dropdowns_match_solutions():
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    markdown = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
    dropdowns = re.findall(r":::\{dropdown\} Solution\n```python\n(.*?)\n```\n:::", markdown, flags=re.S)
    expected = [exercise.solution_text.strip() for exercise in
                (lesson01.pixel_value, lesson01.count_annotated, lesson01.instance_or_semantic)]
    assert dropdowns == expected
