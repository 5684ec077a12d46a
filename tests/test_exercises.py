"""The exercise framework, and one rule for every exercise of every lesson.

- Every scalar type the course's libraries return counts as a number: Python and numpy scalars, 0-d and
  one-element arrays, stackview's StackViewNDArray (what nsbatwm returns), pyclesperanto-prototype's OCLArray.
- A correctly rounded answer is accepted down to the exercise's stated decimals; fewer decimals get "close";
  a percentage gets "as a fraction"; text gets "without quotes". A learner with the right number is never told
  to redo the work.
- Asking for a hint after the last one points to the solution.
The matrix runs over every NumberExercise in segcourse.lessons, so a new lesson's exercises are covered with no edit.
"""
import importlib
import pkgutil

import numpy as np
import pytest

import segcourse.lessons
from segcourse.exercises import ChoiceExercise, Exercise, NumberExercise, as_number, decimals_of


def all_exercises():
    found = []
    for module in pkgutil.iter_modules(segcourse.lessons.__path__):
        lesson = importlib.import_module(f"segcourse.lessons.{module.name}")
        found += [value for value in vars(lesson).values() if isinstance(value, Exercise)]
    return found


NUMBER_EXERCISES = [e for e in all_exercises() if isinstance(e, NumberExercise)]


def scalar_types(value):
    """The same number as each type a learner may hold it in."""
    import pyclesperanto_prototype as cle
    from stackview._static_view import StackViewNDArray
    forms = {"python": value, "numpy float64": np.float64(value), "0-d array": np.array(value),
             "one-element array": np.array([value]), "StackViewNDArray (0-d, as nsbatwm's labels.max())": StackViewNDArray(np.array([value])).max(),
             "OCLArray": cle.push(np.array([value], dtype=np.float32))}
    if float(value).is_integer():
        forms.update({"numpy int64": np.int64(value), "float (a count from cle)": float(value),
                      "numpy float32": np.float32(value)})
    return forms


def test_every_lesson_has_number_exercises_covered():
    assert len(all_exercises()) >= 1


@pytest.mark.parametrize("exercise", NUMBER_EXERCISES, ids=lambda e: e.name)
def test_each_scalar_type_counts(exercise):
    value = exercise.value()
    for kind, answer in scalar_types(value).items():
        if kind == "OCLArray" and not np.isclose(np.float32(value), value, rtol=exercise.rtol):
            continue  # float32 cannot hold this value to the exercise's tolerance
        feedback = exercise.check(answer)
        assert feedback.correct, f"{exercise.name}: the right value as {kind} was rejected: {feedback}"


@pytest.mark.parametrize("exercise", NUMBER_EXERCISES, ids=lambda e: e.name)
def test_rounding_and_text(exercise):
    value = exercise.value()
    if exercise.decimals is not None and not float(value).is_integer():
        rounded = round(value, exercise.decimals)
        assert exercise.check(rounded).correct, f"{exercise.name}: {rounded} (rounded) was rejected"
        if exercise.decimals > 0 and round(value, exercise.decimals - 1) != rounded:
            feedback = exercise.check(round(value, exercise.decimals - 1))
            assert not feedback.correct and "Close" in feedback.message, feedback
    text = exercise.check(str(value))
    assert not text.correct and "without quotes" in text.message, text
    assert exercise.check(None).status == "not attempted"


@pytest.mark.parametrize("exercise", all_exercises(), ids=lambda e: e.name)
def test_hints_end_at_the_solution(exercise):
    exercise._hint_level = 0
    for _ in exercise.hints:
        exercise.hint()
    assert ".solution()" in exercise.hint()
    assert exercise.solution_text.strip() and exercise.solution_text.strip() in exercise.solution()


# --- the framework itself, on small made-up exercises ----------------------------------------------------

count = NumberExercise("demo.count", expected=64, mistakes=[(65, "You counted the background.")],
                       hints=["Use labels.max().", "The labels are sequential."], solution_text="count = labels.max()")
jaccard = NumberExercise("demo.jaccard", expected=0.8357392602053431, decimals=2)


def test_not_attempted_is_short_and_names_the_hint():
    feedback = count.check(None)
    assert feedback.status == "not attempted" and "exercises.count.hint()" in feedback.message


def test_right_wrong_and_typical_mistake():
    assert count.check(64).correct and count.check(64.0).correct
    assert "not the value" in count.check(63).message
    assert count.check(65).message == "You counted the background."
    assert not count.check(64.4).correct  # a count is not rounded


@pytest.mark.parametrize("answer, verdict", [
    (0.8357392602053431, "correct"), (0.84, "correct"), (0.836, "correct"), (np.float32(0.8357392602), "correct"),
    (np.float32(0.84), "correct"), (0.8, "Close"), (83.57, "percentage"), (84, "percentage"), (0.83, "not the value"),
])
def test_rounded_answers(answer, verdict):
    feedback = jaccard.check(answer)
    assert (feedback.correct if verdict == "correct" else verdict in feedback.message), (answer, feedback)


@pytest.mark.parametrize("answer, words", [
    ("64", "without quotes"), ("sixty-four", "is text"), ([64, 1], "list of 2 values"), (True, "yes/no"),
    (np.array([[1, 2], [3, 4]]), "4 values"), (float("nan"), "NaN"), (1 + 2j, "real number"), (object(), "object"),
])
def test_not_a_number_says_what_it_is(answer, words):
    feedback = count.check(answer)
    assert not feedback.correct and words in feedback.message, feedback


def test_as_number_keeps_the_digits_of_float32():
    assert as_number(np.float32(0.89)) == 0.89
    assert decimals_of(0.89) == 2 and decimals_of(12.0) == 0 and decimals_of(1 / 3) is None


def test_checker_crash_is_feedback():
    broken = Exercise("demo.broken", checker=lambda answer: (answer.shape == (1,), ""))
    assert "could not be checked" in broken.check(5).message


def test_hints_are_graded_then_point_to_the_solution():
    exercise = NumberExercise("demo.e", expected=1, hints=["one", "two"], solution_text="x = 1")
    assert exercise.hint() == "Hint 1 of 2: one"
    assert exercise.hint() == "Hint 2 of 2: two"
    assert "exercises.e.solution()" in exercise.hint()
    assert exercise.hint(1) == "Hint 1 of 2: one"
    assert "x = 1" in exercise.solution()


def test_choice_exercise():
    predict = ChoiceExercise("demo.predict", options={"a": "more objects", "b": "fewer objects"}, answer="b",
                             explanations={"a": "Blur merges neighbours, it never splits them."})
    assert predict.check("b").correct and predict.check(" (B) ").correct
    assert predict.check("a").message == "Blur merges neighbours, it never splits them."
    assert "one of" in predict.check("c").message and "as text" in predict.check(2).message
