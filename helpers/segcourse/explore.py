"""Sliders over a function's parameters: live in JupyterLab, precomputed for the static book.

>>> explore(nsbatwm.gauss_otsu_labeling, image, sliders={"outline_sigma": [1, 2, 3]})

One call gives one output with two faces. In a running notebook it is an ipywidgets slider that
recomputes the result. In the rendered book (no Python kernel) it is a plain HTML range input that
switches between images computed once, when the notebook was executed.
"""
from __future__ import annotations

import base64
import hashlib
import html
import inspect
import io
import itertools
import json
import time
from collections.abc import Mapping
from typing import Callable, Sequence

import numpy as np

__all__ = ["explore", "Explorer", "render_png", "label_colors", "values"]

MAX_FRAMES = 64
KINDS = ("labels", "binary", "intensity")


def values(start: float, stop: float, step: float) -> list[float]:
    """Evenly spaced slider values from start to stop, both included (``values(0.5, 3, 0.5)``)."""
    if not step or (stop - start) * step < 0:
        raise ValueError(f"values({start!r}, {stop!r}, {step!r}) cannot step from start to stop: the step must not be "
                         f"0 and must point from start towards stop, e.g. values(0.5, 3, 0.5).")
    count = int(round((stop - start) / step)) + 1
    return [round(start + i * step, 6) for i in range(count)]


def label_colors(count: int = 256) -> np.ndarray:
    """The course's colour table for label images (segcourse.palette): 0 is black, id i gets palette colour i-1."""
    from .show import label_rgb
    return label_rgb(np.arange(count)[None, :])[0]


_LABEL_COLORS = label_colors()


def _to_rgb(array: np.ndarray, kind: str, value_range: tuple[float, float] | None = None) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim != 2:
        raise ValueError(f"Can only draw 2D images, got shape {array.shape}; pass a slice or projection.")
    if kind == "labels":
        ids = array.astype(np.int64)
        ids = np.where(ids > 0, (ids - 1) % (len(_LABEL_COLORS) - 1) + 1, 0)
        return _LABEL_COLORS[ids]
    if kind == "binary":
        grey = np.where(array > 0, 255, 0).astype(np.uint8)
    else:  # grey values; pixels that are not finite numbers (NaN, inf) are drawn black
        numbers = array.astype(np.float64)
        finite = np.isfinite(numbers)
        if value_range is not None:
            low, high = value_range
        elif finite.any():
            low, high = float(numbers[finite].min()), float(numbers[finite].max())
        else:
            low, high = 0.0, 1.0
        scaled = (np.where(finite, numbers, low) - low) / (high - low if high > low else 1.0)
        grey = np.where(finite, np.clip(np.round(scaled * 255), 0, 255), 0).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=-1)


def render_png(array: np.ndarray, kind: str = "intensity", value_range=None, min_width: int = 256) -> bytes:
    """Draw a 2D image as PNG bytes: labels in the course's label colours, intensities in grey."""
    from PIL import Image

    rgb = _to_rgb(array, kind, value_range)
    zoom = max(1, int(np.ceil(min_width / rgb.shape[1])))
    if zoom > 1:
        rgb = rgb.repeat(zoom, axis=0).repeat(zoom, axis=1)
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _count_objects(labels: np.ndarray) -> str:
    count = len(np.unique(labels[labels > 0]))
    return f"{count} object{'s' if count != 1 else ''}"


class Explorer:
    """The result of :func:`explore`: a live widget in a kernel, a precomputed slider in the book."""

    def __init__(self, function: Callable, image: np.ndarray, sliders: dict[str, Sequence],
                 fixed: dict | None = None, kind: str = "labels", caption: Callable | None = None,
                 title: str | None = None, z: int | None = None, precompute: bool = True):
        _check_function(function, image)
        if not sliders:
            raise ValueError("explore() needs at least one slider, e.g. sliders={'sigma': [1, 2, 3]}.")
        if not isinstance(sliders, Mapping):
            raise TypeError(f"sliders must be a dict of parameter name -> list of values, e.g. "
                            f"sliders={{'sigma': [1, 2, 3]}}; got a {type(sliders).__name__}.")
        for name, options in sliders.items():
            if isinstance(options, (str, bytes)) or not hasattr(options, "__iter__"):
                raise TypeError(f"Slider {name!r} needs a list of values, e.g. sliders={{{name!r}: [1, 2, 3]}} or "
                                f"values(1, 5, 1); got {options!r}.")
        self.function = function
        self.image = _check_image(image)
        self.sliders = {name: list(options) for name, options in sliders.items()}
        for name, options in self.sliders.items():
            if len(options) == 0:
                raise ValueError(f"Slider {name!r} has no values.")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))} (how to draw the result), "
                             f"got {kind!r}.")
        self.fixed = dict(fixed or {})
        self.kind = kind
        self.caption = caption or (_count_objects if kind == "labels" else (lambda result: ""))
        self.title = title or getattr(function, "__name__", "function")
        _check_parameters(function, self.title, [*self.sliders, *self.fixed])
        if self.image.ndim == 3 and z is not None and not -self.image.shape[0] <= z < self.image.shape[0]:
            raise ValueError(f"z={z} is outside the stack: it has {self.image.shape[0]} slices, "
                             f"z=0 to z={self.image.shape[0] - 1}.")
        self.z = self.image.shape[0] // 2 if (z is None and self.image.ndim == 3) else z
        frame_count = int(np.prod([len(options) for options in self.sliders.values()]))
        if frame_count > MAX_FRAMES:
            raise ValueError(f"{frame_count} slider combinations is too many to precompute for the book "
                             f"(at most {MAX_FRAMES}); use fewer slider values.")
        self._results: dict[tuple, tuple[bytes, str]] = {}
        self._widget = None
        if precompute:
            self.precompute()

    # --- computing one frame -------------------------------------------------------------
    def _view(self, array: np.ndarray) -> np.ndarray:
        array = np.asarray(array)
        return array[self.z] if array.ndim == 3 else array

    def compute(self, **parameters) -> tuple[bytes, str]:
        """Run the function for one slider setting; returns (PNG of the result, caption)."""
        try:
            result = self.function(self.image, **self.fixed, **parameters)
        except Exception as error:
            _raise_if_no_opencl(error)
            setting = ", ".join(f"{name}={value!r}" for name, value in parameters.items())
            error.add_note(f"(in explore(): while computing {self.title} with {setting})")
            raise
        result = _check_result(result, self.title, self.kind, parameters)
        return render_png(self._view(result), self.kind), self.caption(result)

    def frame(self, **parameters) -> tuple[bytes, str]:
        key = tuple(parameters[name] for name in self.sliders)
        if key not in self._results:
            self._results[key] = self.compute(**parameters)
        return self._results[key]

    def settings(self):
        """Every combination of slider values, as dicts, in the order of the static frames."""
        names = list(self.sliders)
        for combination in itertools.product(*self.sliders.values()):
            yield dict(zip(names, combination))

    def precompute(self) -> float:
        """Compute every frame once (for the book); returns the seconds it took."""
        start = time.perf_counter()
        for setting in self.settings():
            self.frame(**setting)
        return time.perf_counter() - start

    def _input_png(self) -> bytes:
        return render_png(self._view(self.image), "intensity" if self.image.dtype.kind == "f" or
                          self.image.max() > 1 else "binary")

    # --- the live widget ---------------------------------------------------------------------
    @property
    def widget(self):
        if self._widget is None:
            self._widget = self._build_widget()
        return self._widget

    def _build_widget(self):
        import ipywidgets as widgets

        controls = {name: widgets.SelectionSlider(options=options, value=options[len(options) // 2],
                                                  description=name, continuous_update=True,
                                                  style={"description_width": "initial"},
                                                  layout=widgets.Layout(width="420px"))
                    for name, options in self.sliders.items()}
        original = widgets.Image(value=self._input_png(), format="png")
        result = widgets.Image(format="png")
        caption = widgets.Label()

        def update(_change=None):
            png, text = self.frame(**{name: control.value for name, control in controls.items()})
            result.value = png
            caption.value = text

        for control in controls.values():
            control.observe(update, names="value")
        update()
        return widgets.VBox([widgets.HTML(f"<b>{html.escape(self.title)}</b>"), *controls.values(),
                             widgets.HBox([original, result]), caption])

    # --- the static slider -----------------------------------------------------------------
    def _element_id(self) -> str:
        digest = hashlib.sha1()
        digest.update(self.title.encode())
        digest.update(repr(self.sliders).encode())
        digest.update(repr(sorted(self.fixed.items())).encode())
        digest.update(np.ascontiguousarray(self.image).tobytes())
        return "segcourse-explore-" + digest.hexdigest()[:12]

    def static_html(self) -> str:
        """Self-contained HTML: range inputs, precomputed frames, a small inline script; no kernel needed.

        Accessible as a form control should be: each slider has a <label>, announces the value shown
        (aria-valuetext, not its position), shows its first and last value, and the caption under the images
        (the object count, by default) is a live region that screen readers read when it changes. The book's
        stylesheet (book/_static/segcourse.css) lays it out; without it the parts simply stack.
        """
        self.precompute()
        element_id = self._element_id()
        names = list(self.sliders)
        settings = list(self.settings())
        frames = [_data_uri(self._results[tuple(s[n] for n in names)][0]) for s in settings]
        captions = [self._results[tuple(s[n] for n in names)][1] for s in settings]
        start = {name: len(options) // 2 for name, options in self.sliders.items()}
        start_index = 0
        for name in names:
            start_index = start_index * len(self.sliders[name]) + start[name]
        fixed = ", ".join(f"{k}={v!r}" for k, v in self.fixed.items())
        drawn = "label image in label colours" if self.kind == "labels" else f"{self.kind} image"
        alt_result = (f"Result of {self.title}{' with ' + fixed if fixed else ''} "
                      f"for the slider setting shown above; {drawn}")
        shown = {name: [str(value) for value in options] for name, options in self.sliders.items()}
        # The first/last-value columns are as wide as the longest value, so that the sliders line up.
        ends = min(12, max(len(text) for texts in shown.values() for text in texts))
        inputs = "".join(
            f'<div class="segcourse-slider">'
            f'<label for="{element_id}-{k}">{html.escape(name)}</label>'
            f'<span class="segcourse-value" aria-hidden="true">{html.escape(texts[start[name]])}</span>'
            f'<span class="segcourse-min" aria-hidden="true">{html.escape(texts[0])}</span>'
            f'<input id="{element_id}-{k}" type="range" min="0" max="{len(texts) - 1}" step="1" '
            f'value="{start[name]}" data-name="{html.escape(name)}" '
            f'aria-valuetext="{html.escape(texts[start[name]])}">'
            f'<span class="segcourse-max" aria-hidden="true">{html.escape(texts[-1])}</span></div>'
            for k, (name, texts) in enumerate(shown.items()))
        data = json.dumps({"names": names, "values": [shown[n] for n in names],
                           "frames": frames, "captions": captions})
        return (
            f'<div class="segcourse-explorer" id="{element_id}">'
            f'<p class="segcourse-title"><b>{html.escape(self.title)}</b> '
            f'(precomputed: move the slider, no Python needed)</p>'
            f'<div class="segcourse-sliders" style="--segcourse-ends:{ends + 1}ch">{inputs}</div>'
            f'<div class="segcourse-images">'
            f'<figure><img class="segcourse-input" src="{_data_uri(self._input_png())}" '
            f'alt="Input image of {html.escape(self.title)}, grey values"><figcaption>input</figcaption></figure>'
            f'<figure><img class="segcourse-result" src="{frames[start_index]}" alt="{html.escape(alt_result)}">'
            f'<figcaption>result</figcaption></figure></div>'
            f'<p class="segcourse-caption" aria-live="polite" aria-atomic="true">'
            f'{html.escape(captions[start_index])}</p>'
            f'<script type="text/javascript">(function(){{'
            f'var root=document.getElementById("{element_id}");var d={data};'
            f'var inputs=root.querySelectorAll("input[type=range]");'
            f'function update(){{var i=0;inputs.forEach(function(el,k){{var at=parseInt(el.value,10);'
            f'i=i*d.values[k].length+at;el.setAttribute("aria-valuetext",d.values[k][at]);'
            f'el.parentNode.querySelector(".segcourse-value").textContent=d.values[k][at];}});'
            f'root.querySelector("img.segcourse-result").src=d.frames[i];'
            f'root.querySelector(".segcourse-caption").textContent=d.captions[i];}}'
            f'inputs.forEach(function(el){{el.addEventListener("input",update);}});}})();</script></div>'
        )

    # --- Jupyter display ---------------------------------------------------------------------
    def __repr__(self) -> str:
        sliders = ", ".join(f"{name}: {len(options)} values from {options[0]} to {options[-1]}"
                            for name, options in self.sliders.items())
        return f"Explorer of {self.title} ({sliders})"

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(self.widget._repr_mimebundle_() or {})
        bundle["text/html"] = self.static_html()
        bundle["text/plain"] = repr(self)
        return bundle


def _check_function(function, image) -> None:
    if not callable(function):
        swapped = " (did you swap them? explore(function, image, sliders=...))" if callable(image) else ""
        raise TypeError(f"explore() needs a function as its first argument and the image second; the first "
                        f"argument is a {type(function).__name__}{swapped}.")


def _check_image(image) -> np.ndarray:
    if isinstance(image, str):
        raise TypeError(f"explore() needs the image itself, not the text {image!r}: load it first, e.g. "
                        f"image = segcourse.load({image!r}).")
    array = np.asarray(image)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"explore() needs an image of numbers (bool, integer or float); this one has dtype "
                        f"{array.dtype}. Convert it, e.g. np.asarray(image, dtype=float).")
    if array.size == 0:
        raise ValueError(f"The image is empty (shape {array.shape}): check the line that loaded or cropped it.")
    if array.ndim not in (2, 3):
        raise ValueError(f"explore() shows 2D images and 3D stacks (one slice at a time); this image has "
                         f"{array.ndim} dimension(s), shape {array.shape}. Pass one channel or time point, "
                         f"e.g. image[0], or np.squeeze(image).")
    return array


def _check_parameters(function, title: str, names: list[str]) -> None:
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):  # builtins and ufuncs: nothing to check
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    unknown = [name for name in names if name not in parameters]
    if unknown:
        known = ", ".join(list(parameters)[1:]) or "none besides the image"
        raise ValueError(f"{title} has no parameter {', '.join(map(repr, unknown))}; the slider and fixed names "
                         f"must be its parameter names. Its parameters after the image: {known}.")


def _raise_if_no_opencl(error: Exception) -> None:
    if type(error).__module__.startswith("pyopencl") and any(
            code in str(error) for code in ("PLATFORM_NOT_FOUND", "DEVICE_NOT_FOUND")):
        from .setup_check import NO_DEVICE_HELP, NoOpenCLDeviceError
        raise NoOpenCLDeviceError(f"{NO_DEVICE_HELP} ({type(error).__name__}: {error})") from error


def _check_result(result, title: str, kind: str, parameters: dict) -> np.ndarray:
    setting = ", ".join(f"{name}={value!r}" for name, value in parameters.items())
    if result is None:
        raise TypeError(f"{title} returned None for {setting}: the function must return the result image "
                        f"(is a `return` missing?).")
    array = np.asarray(result)
    if array.ndim not in (2, 3) or array.size == 0:
        raise ValueError(f"{title} returned an array of shape {array.shape} for {setting}; explore() draws "
                         f"2D images or 3D stacks.")
    if kind == "labels" and array.dtype.kind == "f":
        if np.isnan(array).any():
            raise ValueError(f"{title} returned NaN values for {setting}, so it is not a label image. Draw grey "
                             f"values with kind='intensity'.")
        if (array != np.round(array)).any():
            raise ValueError(f"{title} returned fractional values for {setting}, so it is not a label image "
                             f"(whole-number ids). Draw grey values with kind='intensity'.")
    if kind == "labels" and array.dtype.kind in "if" and array.min() < 0:
        raise ValueError(f"{title} returned negative values for {setting}; label images hold 0 for background "
                         f"and positive ids. Draw grey values with kind='intensity', or relabel with "
                         f"skimage.measure.label(labels > 0).")
    return array


def explore(function: Callable, image: np.ndarray, *, sliders: dict[str, Sequence], fixed: dict | None = None,
            kind: str = "labels", caption: Callable | None = None, title: str | None = None,
            z: int | None = None) -> Explorer:
    """Sliders over ``function(image, **fixed, **slider_values)``.

    sliders: parameter name -> the values the slider steps through (e.g. ``values(0.5, 5, 0.5)``).
    fixed:   parameters that stay put.
    kind:    how to draw the result: "labels" (label colours), "binary" or "intensity" (grey; NaN and inf
             pixels black).
    caption: result -> text under the image; default for labels: the object count.
    z:       for 3D images, the slice drawn (default: the middle one).
    """
    return Explorer(function, image, sliders=sliders, fixed=fixed, kind=kind, caption=caption, title=title, z=z)
