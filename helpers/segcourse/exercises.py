"""Checked exercises: ``check(answer)``, graded ``hint()``s and a ``solution()``; progress saved for the start page.

Each lesson has a module in ``segcourse.lessons`` that defines its exercises once; the notebook imports it as
``exercises`` and calls ``exercises.count_nuclei.check(number_of_nuclei)``. Three kinds:

- ``NumberExercise``: the answer is one number. Every scalar type the course's libraries return counts (Python
  and numpy numbers, 0-d arrays, stackview's StackViewNDArray, pyclesperanto-prototype's OCLArray), so
  ``labels.max()`` works whichever library made ``labels``. A correctly rounded answer is accepted (``0.84`` for
  0.8357) down to ``decimals`` places; fewer places get "close: don't round". Typical mistakes (the background
  counted, the wrong channel) get their own message.
- ``ChoiceExercise``: pick one of a few options, e.g. "predict, then run" (``"b"``).
- ``Exercise``: anything else, with a checker function that returns ``(correct, message)``.

``None`` (or ``...``) means "not yet attempted". Each check is recorded in the learner's progress file
(``segcourse.progress``), never in the course folder.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

__all__ = ["Exercise", "NumberExercise", "ChoiceExercise", "Feedback", "Hint", "NotANumber", "as_number",
           "is_number"]


class NotANumber(ValueError):
    """The answer is not one number; the message says what it is instead and what to give."""


def as_number(answer) -> int | float:
    """One number from any scalar the course's libraries return; NotANumber with a learner's message otherwise.

    Accepted: ``19``, ``19.0``, ``np.int64(19)``, ``np.float32(0.5)``, ``np.array(19)``, a 0-d or one-element
    StackViewNDArray or OCLArray (``labels.max()`` from nsbatwm or cle), ``cle.pull(...)`` results.
    """
    import numpy as np

    if answer is None or answer is Ellipsis:
        raise NotANumber("There is no answer yet: replace `None` with your answer.")
    if isinstance(answer, (bool, np.bool_)):
        raise NotANumber(f"`{answer}` is a yes/no value, not a number.")
    if isinstance(answer, (str, bytes)):
        text = answer.decode() if isinstance(answer, bytes) else answer
        try:
            float(text)
        except ValueError:
            raise NotANumber(f"{text!r} is text, not a number.") from None
        raise NotANumber(f"{text!r} is text: give the number itself, without quotes (`{text.strip()}`, or the "
                         "variable that holds it).")
    if hasattr(answer, "get") and type(answer).__module__.startswith(("pyopencl", "pyclesperanto")):
        answer = answer.get()  # an OpenCL array (cle.OCLArray): copy it from the device
    try:
        array = np.asarray(answer)
    except Exception:  # an object numpy cannot turn into an array
        raise NotANumber(f"Expected one number, got a {type(answer).__name__}.") from None
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise NotANumber(f"Expected one number, got a {type(answer).__name__}.")
    if array.size != 1:
        what = f"a {type(answer).__name__} of {array.size} values" + (f" (shape {array.shape})" if array.ndim > 1 else "")
        kind = " (a mask: count its True pixels with `.sum()`)" if array.dtype == bool else ""
        raise NotANumber(f"Expected one number, got {what}{kind}.")
    if np.issubdtype(array.dtype, np.complexfloating) or array.dtype == bool:
        raise NotANumber(f"Expected one real number, got {array.reshape(())[()]!r}.")
    scalar = array.reshape(())[()]
    if array.dtype.kind == "f" and array.dtype.itemsize < 8:
        # float32 0.89 is 0.8899999857 as a Python float: keep the digits the learner saw printed
        value = float(np.format_float_positional(scalar, unique=True))
    else:
        value = scalar.item()
    if isinstance(value, float) and math.isnan(value):
        raise NotANumber("The answer is NaN (not a number): a calculation divided by zero or used an empty "
                         "selection.")
    return value


def is_number(answer) -> bool:
    """True for one number of any type the course's libraries return (see :func:`as_number`)."""
    try:
        as_number(answer)
    except NotANumber:
        return False
    return True


def decimals_of(value: float) -> int | None:
    """How many decimal places a number was written with: 0.84 -> 2, 12.0 -> 0 (None for very long ones)."""
    if isinstance(value, int):
        return 0
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else None
    return places if places is not None and places <= 6 else None


@dataclass
class Feedback:
    """What check() says: status is 'correct', 'incorrect' or 'not attempted'."""
    status: str
    message: str

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        mark = {"correct": "Correct", "incorrect": "Not quite", "not attempted": "Your turn"}[self.status]
        return f"{mark}: {self.message}"

    def _repr_markdown_(self) -> str:
        icon = {"correct": "✅", "incorrect": "❌", "not attempted": "✏️"}[self.status]
        return f"{icon} {repr(self)}"


class Hint(str):
    """Text shown as Markdown in a notebook and as plain text elsewhere."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        return str(self)


@dataclass
class Exercise:
    """One exercise: a checker, hints from gentle to explicit, and a solution (code that sets the answer)."""
    name: str
    checker: Callable[[Any], tuple[bool, str]] | None = None
    hints: list[str] = field(default_factory=list)
    solution_text: str = ""
    success: str = "Well done."

    @property
    def call(self) -> str:
        """How the notebook reaches this exercise: lessons import their module as `exercises`."""
        return "exercises." + self.name.rsplit(".", 1)[-1]

    def check(self, answer: Any) -> Feedback:
        if answer is None or answer is Ellipsis:
            return Feedback("not attempted", "replace `None` with your answer, then run this cell again. "
                                             f"Stuck? `{self.call}.hint()`")
        try:
            correct, message = self._check(answer)
        except Exception as error:  # a malformed answer is feedback, not a crash
            correct, message = False, f"Your answer could not be checked ({type(error).__name__}: {error})."
        feedback = Feedback("correct", message or self.success) if correct else Feedback("incorrect", message)
        from . import progress
        note = progress.record(self.name, feedback.correct)
        if note:
            feedback.message += f"\n\n({note})"
        return feedback

    def _check(self, answer: Any) -> tuple[bool, str]:
        return self.checker(answer)

    def hint(self, level: int | None = None) -> Hint:
        """The next hint (or hint number `level`, starting at 1); after the last one, where the solution is."""
        if not self.hints:
            return Hint(f"No hints for this one: look at the cells above, or `{self.call}.solution()`.")
        if level is None:
            shown = getattr(self, "_hint_level", 0)
            if shown >= len(self.hints):
                return Hint(f"That was the last hint ({len(self.hints)} of {len(self.hints)}). "
                            f"`{self.call}.solution()` shows a solution.")
            self._hint_level = level = shown + 1
        level = max(1, min(level, len(self.hints)))
        return Hint(f"Hint {level} of {len(self.hints)}: {self.hints[level - 1]}")

    def solution(self) -> Hint:
        return Hint(f"Solution:\n\n```python\n{self.solution_text.strip()}\n```")


@dataclass
class NumberExercise(Exercise):
    """An exercise whose answer is one number.

    expected: the right value, or a function that computes it (called once, when first needed).
    decimals: an answer within half a unit of this decimal place counts (2: 0.84 or 0.836 for 0.8357; None: no
        rounding accepted, e.g. for counts); the right value rounded to fewer places gets "close: don't round". rtol: relative tolerance for unrounded answers (float32 vs float64 arithmetic).
    mistakes: (value or function, message) pairs for typical wrong answers; compared like the right one.
    wrong: what to say about any other number (the default says only that it is not the right one).
    unit: appended to numbers in messages ("pixels", "µm³").
    """
    expected: Any = None
    decimals: int | None = None
    rtol: float = 1e-6
    mistakes: list = field(default_factory=list)
    wrong: str = ""
    unit: str = ""

    def value(self):
        if callable(self.expected):
            self.expected = self.expected()
        return as_number(self.expected)

    def _matches(self, answer: float, target: float, places: int | None = None) -> str | None:
        """'exact', 'rounded' (within half a unit of the stated decimals), 'too rounded' (the right value rounded
        to fewer decimals), or None. places: the decimals the answer was written with (found if not given)."""
        if math.isclose(answer, target, rel_tol=self.rtol, abs_tol=1e-12):
            return "exact"
        if self.decimals is None:
            return None
        if abs(answer - target) <= 0.5 * 10.0 ** -self.decimals + 1e-12:
            return "rounded"  # 0.84 or 0.836 for 0.8357, and 0.80 (typed) for 0.8047
        places = decimals_of(answer) if places is None else places
        if places is not None and places < self.decimals and abs(answer - target) <= 0.5 * 10.0 ** -places + 1e-12:
            return "too rounded"
        return None

    def _check(self, answer: Any) -> tuple[bool, str]:
        try:
            number = as_number(answer)
        except NotANumber as problem:
            return False, str(problem)
        expected = self.value()
        unit = f" {self.unit}" if self.unit else ""
        match = self._matches(number, expected)
        if match == "exact":
            return True, self.success
        if match == "rounded":
            return True, f"{number}{unit} is {expected:.6g}{unit} rounded. {self.success}"
        if match == "too rounded":
            places = decimals_of(number)
            return False, (f"Close: {number}{unit} is the right value rounded to {places} decimal "
                           f"place{'s' if places != 1 else ''}. Your workflow is right; give at least "
                           f"{self.decimals} decimal{'s' if self.decimals != 1 else ''}, or better the unrounded number "
                           "(the variable itself).")
        places = decimals_of(number)
        as_fraction = self._matches(number / 100, expected, None if places is None else places + 2)
        if 0 < abs(expected) <= 1 and as_fraction in ("exact", "rounded"):
            return False, (f"{number} is the right value as a percentage. Your workflow is right; give it as a "
                           f"fraction, not a percentage ({number / 100:g}).")
        for mistake, message in self.mistakes:
            target = mistake() if callable(mistake) else mistake
            if self._matches(number, as_number(target)) in ("exact", "rounded"):
                return False, message
        return False, self.wrong or f"{number}{unit} is not the value we are looking for."


@dataclass
class ChoiceExercise(Exercise):
    """Pick one option by its letter, e.g. a prediction before running a cell: ``check("b")``.

    options: {"a": "text of option a", ...}; answer: the right letter; explanations: {letter: why it is (not)}.
    """
    options: dict = field(default_factory=dict)
    answer: str = ""
    explanations: dict = field(default_factory=dict)

    def _check(self, answer: Any) -> tuple[bool, str]:
        letters = ", ".join(f'"{letter}"' for letter in self.options)
        if not isinstance(answer, str):
            return False, f"Give the letter of your choice as text: one of {letters}."
        letter = answer.strip().strip("()").lower()
        if letter not in self.options:
            return False, f"{answer!r} is not one of the options; give one of {letters}."
        explanation = self.explanations.get(letter, "")
        if letter == self.answer:
            return True, explanation or self.success
        return False, explanation or f'"{letter}" is not it: {self.options[letter]}'
