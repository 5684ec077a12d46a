"""The slider API: one call, a live widget and a kernel-free static slider with the same frames."""
import base64
import io
import json
import re

import numpy as np
import pytest
from PIL import Image
from skimage.measure import label

import segcourse
from segcourse.explore import Explorer, render_png, values


def threshold_labels(image, threshold=100):
    return label(image > threshold)


@pytest.fixture
def blobs():
    return segcourse.load("blobs")


def test_values_includes_both_ends():
    assert values(0.5, 3, 0.5) == [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]


def test_frames_match_direct_computation(blobs):
    explorer = segcourse.explore(threshold_labels, blobs, sliders={"threshold": [50, 100, 150]})
    for threshold in [50, 100, 150]:
        png, caption = explorer.frame(threshold=threshold)
        expected = threshold_labels(blobs, threshold)
        assert caption == f"{expected.max()} objects"
        decoded = np.asarray(Image.open(io.BytesIO(png)))
        assert decoded.shape[:2] == expected.shape
        assert ((decoded.sum(axis=-1) > 0) == (expected > 0)).all()


def test_bundle_has_live_widget_and_static_html(blobs):
    explorer = segcourse.explore(threshold_labels, blobs, sliders={"threshold": [50, 100]})
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == "Explorer of threshold_labels (threshold: 2 values from 50 to 100)"
    html = bundle["text/html"]
    assert html.count('type="range"') == 1 and "<script" in html and "alt=" in html


def test_static_html_is_deterministic_and_contains_every_frame(blobs):
    first = segcourse.explore(threshold_labels, blobs, sliders={"threshold": [50, 100, 150]}).static_html()
    second = segcourse.explore(threshold_labels, blobs, sliders={"threshold": [50, 100, 150]}).static_html()
    assert first == second
    data = json.loads(re.search(r"var d=(\{.*?\});", first).group(1))
    assert len(data["frames"]) == 3 and data["values"] == [["50", "100", "150"]]
    assert all(frame.startswith("data:image/png;base64,") for frame in data["frames"])


def test_two_sliders_make_every_combination(blobs):
    def blur_threshold(image, sigma=1.0, threshold=100):
        from skimage.filters import gaussian
        return label(gaussian(image, sigma=sigma, preserve_range=True) > threshold)
    explorer = segcourse.explore(blur_threshold, blobs, sliders={"sigma": [1, 2], "threshold": [80, 120, 160]})
    data = json.loads(re.search(r"var d=(\{.*?\});", explorer.static_html()).group(1))
    assert len(data["frames"]) == 6
    # the frame order is row-major over the sliders, as the inline script expects
    png = base64.b64decode(data["frames"][1 * 3 + 2].split(",")[1])
    assert png == explorer.frame(sigma=2, threshold=160)[0]


def test_live_widget_updates_on_slider_change(blobs):
    explorer = segcourse.explore(threshold_labels, blobs, sliders={"threshold": [50, 100, 150]})
    widget = explorer.widget
    slider = widget.children[1]
    result_image, caption = widget.children[2].children[1], widget.children[3]
    slider.value = 150
    assert result_image.value == explorer.frame(threshold=150)[0]
    assert caption.value == f"{threshold_labels(blobs, 150).max()} objects"


def test_3d_images_show_one_slice():
    volume = np.zeros((5, 20, 20), dtype=np.uint8)
    volume[2, 5:10, 5:10] = 200
    explorer = segcourse.explore(threshold_labels, volume, sliders={"threshold": [100, 150]})
    png, caption = explorer.frame(threshold=100)
    assert caption == "1 object"


def test_too_many_frames_is_refused(blobs):
    with pytest.raises(ValueError, match="too many"):
        Explorer(threshold_labels, blobs, sliders={"threshold": list(range(100))})


def test_no_slider_is_refused(blobs):
    with pytest.raises(ValueError, match="at least one slider"):
        Explorer(threshold_labels, blobs, sliders={})


def test_label_colours_keep_background_black():
    labels = np.array([[0, 1], [2, 300]])
    rgb = np.asarray(Image.open(io.BytesIO(render_png(labels, "labels", min_width=2))))
    assert (rgb[0, 0] == 0).all() and (rgb[0, 1] > 0).any() and (rgb[1, 1] > 0).any()
