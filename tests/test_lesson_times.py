"""One time per lesson, from one rule (segcourse.timing): the README's learning path states what the rule gives.
(The lessons' headers are checked by tests/test_notebook_hygiene.py; the book builds its tables from the rule.)"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import lesson_table  # noqa: E402


def test_readme_learning_path_follows_the_rule():
    readme = (ROOT / "README.md").read_text()
    assert lesson_table.readme_with_table(readme) == readme, (
        "README.md's lesson table differs from the lessons: run `python tools/lesson_table.py --write`")
