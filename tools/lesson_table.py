"""The learning path as a Markdown table, from the lessons themselves (segcourse.timing's rule).

    python tools/lesson_table.py          # print the table
    python tools/lesson_table.py --write  # put it into README.md between the lessons markers

tests/test_lesson_times.py fails when README.md's table differs from the lessons.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- lessons:start -->", "<!-- lessons:end -->"


def table() -> str:
    sys.path.insert(0, str(ROOT / "helpers"))
    from segcourse.timing import lessons
    rows = ["| # | lesson | minutes |", "|---|---|---|"]
    found = lessons(ROOT / "notebooks")
    rows += [f"| {lesson.number} | [{lesson.title}](notebooks/{lesson.path.name}) | {lesson.minutes} |"
             for lesson in found]
    rows.append(f"| | **in all** | **{sum(lesson.minutes for lesson in found)}** |")
    return "\n".join(rows)


def readme_with_table(text: str) -> str:
    if START not in text or END not in text:
        raise SystemExit(f"README.md has no {START} ... {END} block")
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    return f"{before}{START}\n{table()}\n{END}{after}"


if __name__ == "__main__":
    if "--write" in sys.argv:
        readme = ROOT / "README.md"
        readme.write_text(readme_with_table(readme.read_text()))
        print("README.md: lesson table updated")
    else:
        print(table())
