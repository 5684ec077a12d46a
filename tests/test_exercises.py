"""The exercise framework: not attempted, correct, incorrect with a reason, graded hints, solution."""
from segcourse.exercises import Exercise

count = Exercise("count", checker=lambda answer: (answer == 64, f"{answer} is not the number of blobs."),
                 hints=["Use labels.max().", "The labels are sequential."], solution_text="count = labels.max()")


def test_not_attempted():
    assert count.check(None).status == "not attempted"


def test_right_and_wrong():
    assert count.check(64).correct
    feedback = count.check(63)
    assert not feedback and "63 is not the number" in repr(feedback)


def test_checker_crash_is_feedback():
    broken = Exercise("broken", checker=lambda answer: (answer.shape == (1,), ""))
    assert "could not be checked" in repr(broken.check(5))


def test_hints_are_graded_and_solution_shows_code():
    exercise = Exercise("e", checker=lambda a: (True, ""), hints=["one", "two"], solution_text="x = 1")
    assert exercise.hint() == "Hint 1 of 2: one"
    assert exercise.hint() == "Hint 2 of 2: two"
    assert exercise.hint() == "Hint 2 of 2: two"
    assert "x = 1" in exercise.solution()


def test_lesson00_exercise():
    from segcourse.lessons import lesson00
    assert lesson00.brightest_pixel.check(248).correct
    assert "not the largest" in repr(lesson00.brightest_pixel.check(200))
    assert "is text" in repr(lesson00.brightest_pixel.check("248"))
    assert "not an array" in repr(lesson00.brightest_pixel.check([248, 1]))
