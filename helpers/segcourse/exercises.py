"""Checked exercises: ``check(answer)``, graded ``hint()``s and a ``solution()``.

A lesson defines its exercises once, in ``segcourse.lessons``-style modules or in this file::

    count_blobs = Exercise(
        "count_blobs",
        checker=lambda answer: (answer == 64, "Count the labels, not the pixels."),
        hints=["`labels.max()` is the count when ids are sequential."],
        solution="number_of_blobs = labels.max()",
    )

In the notebook: ``count_blobs.check(number_of_blobs)``. ``None`` (or ``...``) means "not yet attempted".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["Exercise", "Feedback", "is_number"]


def is_number(answer) -> bool:
    """True for one number (Python or numpy, 0-d arrays too); False for text, lists, arrays and booleans."""
    import numpy as np
    return np.ndim(answer) == 0 and np.issubdtype(np.asarray(answer).dtype, np.number)


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
        mark = {"correct": "Correct", "incorrect": "Not quite", "not attempted": "Not yet attempted"}[self.status]
        return f"{mark}: {self.message}"

    def _repr_markdown_(self) -> str:
        icon = {"correct": "✅", "incorrect": "❌", "not attempted": "✏️"}[self.status]
        return f"{icon} {repr(self)}"


@dataclass
class Exercise:
    """One exercise: a checker, hints from gentle to explicit, and a solution."""
    name: str
    checker: Callable[[Any], tuple[bool, str]]
    hints: list[str] = field(default_factory=list)
    solution_text: str = ""
    success: str = "Well done."

    def check(self, answer: Any) -> Feedback:
        if answer is None or answer is Ellipsis:
            return Feedback("not attempted", f"Replace `None` with your answer, then run `{self.name}.check(...)` "
                                             f"again. `{self.name}.hint()` gives a hint.")
        try:
            correct, message = self.checker(answer)
        except Exception as error:  # a malformed answer is feedback, not a crash
            return Feedback("incorrect", f"Your answer could not be checked ({type(error).__name__}: {error}).")
        return Feedback("correct", message or self.success) if correct else Feedback("incorrect", message)

    def hint(self, level: int | None = None) -> "Hint":
        """The next hint (or hint number `level`, starting at 1)."""
        if not self.hints:
            return Hint("No hints for this one: look at the cells above.")
        if level is None:
            self._hint_level = min(getattr(self, "_hint_level", 0) + 1, len(self.hints))
            level = self._hint_level
        level = max(1, min(level, len(self.hints)))
        return Hint(f"Hint {level} of {len(self.hints)}: {self.hints[level - 1]}")

    def solution(self) -> "Hint":
        return Hint(f"Solution:\n\n```python\n{self.solution_text.strip()}\n```")


class Hint(str):
    """Text shown as Markdown in a notebook and as plain text elsewhere."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        return str(self)
