"""`make book SOLUTIONS=0` builds a student site: exercises are there, their solutions are not."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ["01_information_asymmetry", "02_double_auction", "03_signaling"]


def _count(html: str, css_class: str) -> int:
    return html.count(f'class="{css_class} ') + html.count(f'class="{css_class}"') \
        + html.count(f' {css_class} ') + html.count(f' {css_class}"')


def test_student_site_has_exercises_but_no_solutions(built_site, tmp_path):
    for chapter in CHAPTERS:
        html = (built_site / "chapters" / f"{chapter}.html").read_text()
        assert "solution" in html and 'id="ex-' in html or "exercise" in html, chapter
    env = dict(os.environ, SOLUTIONS="0")
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py"), "--out", str(tmp_path)],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    for chapter in CHAPTERS:
        full = (built_site / "chapters" / f"{chapter}.html").read_text()
        student = (tmp_path / "_build" / "html" / "chapters" / f"{chapter}.html").read_text()
        assert full.count("solution dropdown") >= 4, f"{chapter}: expected at least four exercise solutions"
        assert student.count("solution dropdown") == 0, f"{chapter}: the student site shows solutions"
        assert student.count('class="admonition exercise') >= 4 or student.count("exercise admonition") >= 4
