"""One way to draw images, labels and overlays in every lesson.

    >>> fig, axes = segcourse.panels(2)
    >>> segcourse.show(image, ax=axes[0], title="nuclei", pixel_size=0.65)
    >>> segcourse.show(image, labels, ax=axes[1], title="outlines of 25 labels")

- intensity images in grey, axes off, a scale bar when the pixel size is known;
- label images filled with the course palette on black (``show(labels=labels)``), or as coloured outlines over
  the image (``show(image, labels)``), which shows both the objects and what they were made from;
- categorical overlays (``show_overlay``) in colour-blind-safe colours with a legend;
- tiny grids with each pixel's value written in it (``show_grid``), histograms with thresholds
  (``show_histogram``), and figures sized for the book's column and a phone (``panels``).

Outside the course you do the same with matplotlib and scikit-image: ``plt.imshow(image, cmap="gray")``,
``skimage.segmentation.find_boundaries(labels, mode="inner")`` for outlines, ``skimage.color.label2rgb`` for fills,
and ``matplotlib_scalebar.scalebar.ScaleBar(pixel_size, "um")`` for the scale bar. In napari:
``viewer.add_labels(labels)``.
"""
from __future__ import annotations

import numpy as np

from .palette import CATEGORY_COLORS, LABEL_COLORS

__all__ = ["show", "show_grid", "show_histogram", "show_overlay", "panels", "label_rgb", "label_colormap"]

FONT_SIZE = 11
_RGB = np.array([[int(color[i:i + 2], 16) for i in (1, 3, 5)] for color in LABEL_COLORS], dtype=np.uint8)


def _array(data, what: str) -> np.ndarray:
    """A plain 2D numpy array from numpy, stackview or cle data, or a clear error."""
    if hasattr(data, "get") and type(data).__module__.startswith(("pyopencl", "pyclesperanto")):
        data = data.get()
    array = np.asarray(data)
    if array.ndim == 3 and array.shape[-1] in (3, 4) and what == "image":
        return array  # an RGB(A) picture
    if array.ndim != 2:
        raise ValueError(f"show() draws 2D images; the {what} has shape {array.shape}. Pass one slice "
                         f"(`{what}[z]`) or a projection (`{what}.max(axis=0)`).")
    return array


def label_rgb(labels) -> np.ndarray:
    """RGB picture of a label image: background black, label i in the course palette's colour i-1 (wrapping)."""
    ids = _array(labels, "labels").astype(np.int64)
    if ids.min(initial=0) < 0:
        raise ValueError("Label images hold whole numbers from 0 (background) up; this one has negative values.")
    rgb = _RGB[(ids - 1) % len(_RGB)]
    rgb[ids == 0] = 0
    return rgb


def label_colormap(count: int = 256):
    """A matplotlib colormap for label ids 0..count-1 (0 black), for `plt.imshow(labels, cmap=..., vmin=0,
    vmax=count-1, interpolation="nearest")`."""
    from matplotlib.colors import ListedColormap
    colors = [(0, 0, 0)] + [tuple(_RGB[(i - 1) % len(_RGB)] / 255) for i in range(1, count)]
    return ListedColormap(colors, name="segcourse_labels")


def panels(count: int = 1, *, width: float = 8, height: float | None = None, columns: int | None = None):
    """A figure with `count` panels, at most 3 per row, sized for the book's column (8 inches wide by default)."""
    import matplotlib.pyplot as plt
    columns = columns or min(count, 3)
    rows = -(-count // columns)
    height = height or width / columns * rows
    fig, axes = plt.subplots(rows, columns, figsize=(width, height), layout="constrained", squeeze=False)
    axes = axes.ravel()
    for extra in axes[count:]:
        extra.remove()
    return fig, (axes[0] if count == 1 else axes[:count])


def _axes(ax):
    if ax is not None:
        return ax
    return panels(1, width=5)[1]


def _scale_bar(ax, pixel_size: float | None, unit: str) -> None:
    if pixel_size:
        from matplotlib_scalebar.scalebar import ScaleBar
        ax.add_artist(ScaleBar(pixel_size, unit, location="lower right", box_alpha=0.7, font_properties={
            "size": FONT_SIZE - 2}))


def _outlines(labels: np.ndarray) -> np.ndarray:
    """RGBA layer with each label's inner boundary in its colour (thicker for large images)."""
    from skimage.segmentation import find_boundaries
    mode = "thick" if max(labels.shape) > 600 else "inner"
    boundary = find_boundaries(labels, mode=mode) & (labels > 0)
    rgba = np.zeros(labels.shape + (4,), dtype=np.uint8)
    rgba[..., :3] = label_rgb(labels)
    rgba[..., 3] = np.where(boundary, 255, 0)
    return rgba


def show(image=None, labels=None, *, ax=None, title: str | None = None, pixel_size: float | None = None,
         unit: str = "um", cmap: str = "gray", vmin=None, vmax=None, fill: bool = False,
         legend: dict | None = None) -> None:
    """Draw an intensity image, a label image, or label outlines over an image (see the module's docstring).

    pixel_size: micrometres per pixel, for a scale bar. fill: labels as translucent fills instead of outlines.
    legend: {label id: name} for semantic classes (e.g. {1: "water", 2: "forest"}).
    """
    if image is None and labels is None:
        raise ValueError("show() needs an image, labels, or both: show(image), show(labels=labels), "
                         "show(image, labels).")
    ax = _axes(ax)
    if image is not None:
        picture = _array(image, "image")
        if picture.dtype == bool:
            picture = picture.astype(np.uint8)
        ax.imshow(picture, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    if labels is not None:
        ids = _array(labels, "labels")
        if image is None:
            ax.imshow(label_rgb(ids), interpolation="nearest")
        elif fill:
            rgba = np.dstack([label_rgb(ids), np.where(ids > 0, 110, 0).astype(np.uint8)])
            ax.imshow(rgba, interpolation="nearest")
        else:
            ax.imshow(_outlines(ids), interpolation="nearest")
        if legend:
            from matplotlib.patches import Patch
            handles = [Patch(color=_RGB[(int(i) - 1) % len(_RGB)] / 255, label=name) for i, name in legend.items()]
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=FONT_SIZE - 1,
                      frameon=False)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=FONT_SIZE)
    _scale_bar(ax, pixel_size, unit)


def show_grid(values, *, ax=None, title: str | None = None, labels: bool = False, vmin=None, vmax=None) -> None:
    """A tiny image (up to about 12x12) with each pixel's value written in it; labels=True colours the ids.

    Masks (True/False) are written as 1/0. vmin/vmax fix the grey range (e.g. to compare two grids)."""
    array = _array(values, "image")
    if array.dtype == bool:
        array = array.astype(np.uint8)
    if array.shape[0] * array.shape[1] > 400:
        raise ValueError(f"show_grid() writes every value: use it for tiny arrays, not {array.shape}; use show().")
    ax = _axes(ax)
    if labels:
        ax.imshow(label_rgb(array), interpolation="nearest")
        dark = array == 0
    else:
        low = float(array.min()) if vmin is None else float(vmin)
        high = float(array.max()) if vmax is None else float(vmax)
        if high <= low:  # all values equal: mid-grey, not black
            low, high = low - 1, low + 1
        ax.imshow(array, cmap="gray", interpolation="nearest", vmin=low, vmax=high)
        dark = array <= (low + high) / 2
    for (y, x), value in np.ndenumerate(array):
        text = f"{value:g}" if isinstance(value, (float, np.floating)) else str(value)
        ax.text(x, y, text, ha="center", va="center", fontsize=FONT_SIZE - 1,
                color="white" if dark[y, x] else "black")
    ax.set_xticks(range(array.shape[1]))
    ax.set_yticks(range(array.shape[0]))
    ax.tick_params(length=0, labelsize=FONT_SIZE - 2)
    ax.set_xlabel("x (column)", fontsize=FONT_SIZE - 1)
    ax.set_ylabel("y (row)", fontsize=FONT_SIZE - 1)
    if title:
        ax.set_title(title, fontsize=FONT_SIZE)


def show_histogram(image, *, thresholds: dict | None = None, ax=None, bins: int = 128, title: str | None = None,
                   log: bool = False) -> None:
    """Histogram of the pixel values, with named thresholds as vertical lines ({"Otsu": 125.0})."""
    ax = ax if ax is not None else panels(1, width=7, height=2.8)[1]
    values = np.asarray(_array(image, "image"), dtype=float).ravel()
    ax.hist(values, bins=bins, color="0.45", log=log)
    styles = ["-", "--", ":", "-."]
    colors = [CATEGORY_COLORS["first"], CATEGORY_COLORS["second"], "#009E73", "#CC79A7"]
    for index, (name, value) in enumerate((thresholds or {}).items()):
        ax.axvline(float(value), color=colors[index % 4], linestyle=styles[index % 4], linewidth=2,
                   label=f"{name}: {float(value):.4g}")
    if thresholds:
        ax.legend(fontsize=FONT_SIZE - 1, frameon=False)
    ax.set_xlabel("pixel value", fontsize=FONT_SIZE)
    ax.set_ylabel("number of pixels", fontsize=FONT_SIZE)
    ax.tick_params(labelsize=FONT_SIZE - 2)
    if title:
        ax.set_title(title, fontsize=FONT_SIZE)


def show_overlay(image, masks: dict, *, ax=None, title: str | None = None, pixel_size: float | None = None,
                 unit: str = "um", alpha: float = 0.6) -> None:
    """Binary masks over a grey image in colour-blind-safe colours (blue, vermillion, yellow) with a legend.

    masks: {name: boolean mask}, e.g. {"false negative": missed, "false positive": extra}.
    """
    from matplotlib.patches import Patch
    if len(masks) > 3:
        raise ValueError("show_overlay() takes up to 3 masks, so that each keeps a distinct colour.")
    ax = _axes(ax)
    show(image, ax=ax, pixel_size=pixel_size, unit=unit)
    handles = []
    for color, (name, mask) in zip(CATEGORY_COLORS.values(), masks.items()):
        mask = _array(mask, "mask").astype(bool)
        rgba = np.zeros(mask.shape + (4,))
        rgba[mask] = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)] + [alpha]
        ax.imshow(rgba, interpolation="nearest")
        handles.append(Patch(color=color, label=name))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=FONT_SIZE - 1, frameon=False)
    if title:
        ax.set_title(title, fontsize=FONT_SIZE)
