"""`make book SOLUTIONS=0` builds a student site: exercises are there, their solutions are not."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
from test_site import CHAPTER_PAGES

CHAPTERS = [Path(page).stem for page in CHAPTER_PAGES]


def _count(html: str, css_class: str) -> int:
    return html.count(f'class="{css_class} ') + html.count(f'class="{css_class}"') \
        + html.count(f' {css_class} ') + html.count(f' {css_class}"')


def test_student_site_has_exercises_but_no_solutions(built_site, tmp_path):
    env = dict(os.environ, SOLUTIONS="0")
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py"), "--out", str(tmp_path)],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    for chapter in CHAPTERS:
        full = (built_site / "chapters" / f"{chapter}.html").read_text()
        student = (tmp_path / "_build" / "html" / "chapters" / f"{chapter}.html").read_text()
        assert full.count("solution dropdown") >= 2, f"{chapter}: expected exercises with solutions"
        assert student.count("solution dropdown") == 0, f"{chapter}: the student site shows solutions"
        assert student.count("exercise") >= full.count("solution dropdown")
