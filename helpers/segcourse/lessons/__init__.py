"""Exercises of each lesson: ``from segcourse.lessons import lesson02`` then ``lesson02.<exercise>.check(answer)``."""
