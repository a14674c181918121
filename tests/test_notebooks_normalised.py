"""Committed notebooks are normalised (tools/nb.py): small, deterministic, reviewable diffs."""
from pathlib import Path

import nbformat
import pytest

from tools_nb import normalise  # noqa: E402  (conftest puts tools/ on the path)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for folder in ("chapters", "exercises") for p in (ROOT / folder).rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_notebook_is_normalised(path):
    text = path.read_text()
    fixed = nbformat.writes(normalise(nbformat.reads(text, as_version=4))) + "\n"
    assert text == fixed, f"run `python tools/nb.py normalise {path.relative_to(ROOT)}`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_notebook_is_small(path):
    assert path.stat().st_size < 200_000, "committed notebooks keep only small text outputs"


def test_every_student_notebook_has_a_solution():
    students = {p.name for p in (ROOT / "exercises").glob("*.ipynb")}
    solutions = {p.name for p in (ROOT / "exercises" / "solutions").glob("*.ipynb")}
    assert students == solutions
