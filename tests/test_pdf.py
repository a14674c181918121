"""The PDF of the whole book (`make pdf`, tools/pdf.py), read back with poppler's pdftotext, pdffonts and pdfimages.

Every expected value is computed from the sources: the titles from the chapters and pages of `_toc.yml`, the
Chinese terms from the glossary's tables, the explorers and figures from the chapters' code cells.
Run by `make pdf` after printing (BOOK_PDF names the file); `make test` does not build the PDF, so without BOOK_PDF
this module does not run.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PDF = Path(os.environ.get("BOOK_PDF") or ROOT / "_build" / "pdf" / "book.pdf")
pytestmark = pytest.mark.skipif(not os.environ.get("BOOK_PDF"),
                                reason="the PDF is built and checked by `make pdf` (BOOK_PDF=...), not by make test")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def toc_sources() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    names, stack = [toc["root"]], [c for part in toc["parts"] for c in part["chapters"]]
    while stack:
        entry = stack.pop(0)
        names.append(entry["file"])
        stack[:0] = entry.get("sections", [])
    return [next(ROOT / (n + s) for s in (".ipynb", ".md") if (ROOT / (n + s)).is_file()) for n in names]


def _cells(path: Path) -> list[dict]:
    if path.suffix == ".ipynb":
        return json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [{"cell_type": "markdown", "source": path.read_text(encoding="utf-8")}]


def title(path: Path) -> str:
    """The first level-1 heading of a page, as the reader sees it (Markdown emphasis, code and math marks dropped)."""
    for cell in _cells(path):
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return re.sub(r"[*_`]", "", line[2:]).strip()
    raise AssertionError(f"{path} has no level-1 heading")


def code_sources() -> str:
    return "\n\0\n".join("".join(c["source"]) for p in toc_sources() if p.suffix == ".ipynb"
                     for c in _cells(p) if c["cell_type"] == "code")


def _pdftotext(*options: str) -> list[str]:
    return subprocess.run(["pdftotext", *options, "-enc", "UTF-8", str(PDF), "-"], capture_output=True, text=True,
                          check=True).stdout.split("\f")


@pytest.fixture(scope="module")
def pages() -> list[str]:
    """The text of each page in the order it was drawn (-raw: a table cell's lines stay together)."""
    assert PDF.is_file(), f"{PDF} does not exist: run `make pdf`"
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is missing: apt-get install poppler-utils")
    return _pdftotext("-raw")


def test_pdf_has_every_page_of_the_book_each_starting_a_page(pages):
    assert PDF.stat().st_size > 200_000
    # The top of each page in reading order (pdftotext's default: top to bottom, left to right).
    tops = [_squash("".join(p.strip().splitlines()[:4])) for p in _pdftotext()]
    whole = _squash("".join(pages))
    missing, not_at_top = [], []
    for source in toc_sources():
        heading = _squash(title(source))
        if heading not in whole:
            missing.append(title(source))
        elif source != toc_sources()[0] and not any(top.startswith(re.sub(r"^\d+(\.\d+)*\.?", "", heading)[:25])
                                                     or heading[:25] in top for top in tops):
            not_at_top.append(title(source))
    assert not missing, f"titles not in the PDF: {missing}"
    assert not not_at_top, f"pages that do not start a new PDF page: {not_at_top}"
    assert len(pages) >= len(toc_sources())


def test_chinese_terms_are_text(pages):
    """Every Chinese term of the glossary's tables is in the PDF's text layer (not boxes, not pictures)."""
    terms = []
    for line in (ROOT / "glossary.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and re.search(r"[\u4e00-\u9fff]", cells[1]) and cells[1] != "中文":
            terms.append(cells[1])
    assert len(terms) >= 20
    whole = _squash("".join(pages))
    # A term with math in it ($k$) is checked run by run of its CJK text (MathJax draws the math).
    absent = [t for t in terms if any(run not in whole for run in re.findall(r"[\u3000-\u9fff\uff00-\uffef]+", t))]
    assert not absent, f"Chinese terms missing from the PDF text: {absent}"


def test_the_cjk_subset_is_embedded():
    out = subprocess.run(["pdffonts", str(PDF)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in out.splitlines() if "NotoSansCJK" in line]
    assert cjk, out
    assert all(" yes " in line for line in cjk), cjk  # embedded (and subset)


def test_no_raw_tex(pages):
    """No TeX left untypeset. A TeX command is allowed only where it is code: text printed from a code cell."""
    whole = _squash("".join(pages))
    code = _squash(code_sources())
    # A code cell's last characters are followed in the PDF by its output, so there the window runs past the code.
    ends = [_squash(c) for c in code_sources().split("\n\0\n")]
    raw = []
    for match in re.finditer(r"\\frac|\\begin|\$\$|\\\(|\\\[|\\mathbb|\\sigma", whole):
        window = whole[match.start():match.start() + 24]
        at_end = any(e.endswith(window[:n]) for e in ends for n in range(10, len(window) + 1))
        if window not in code and not at_end:
            raw.append(whole[max(0, match.start() - 30):match.start() + 40])
    assert not raw, "raw TeX in the PDF:\n" + "\n".join(raw[:10])


def test_each_explorer_is_one_frame_with_a_pointer_to_the_interactive_version(pages):
    # A static explorer cell is one call on its own line, with or without arguments (chapter 5 hands one over).
    explorers = len(re.findall(r"^\s*static_\w+\([\w, ]*\)\s*$", code_sources(), flags=re.M))
    assert explorers >= 4
    whole = _squash("".join(pages))
    assert whole.count(_squash("Printed: one frame of an interactive explorer")) == explorers
    assert whole.count(_squash("open this chapter on the course website")) == explorers


def test_figures_are_in(pages):
    figures = sum(1 for source in toc_sources() if source.suffix == ".ipynb" for cell in _cells(source)
                  if cell["cell_type"] == "code" and re.search(r"plt\.(subplots|figure)\(", "".join(cell["source"])))
    out = subprocess.run(["pdfimages", "-list", str(PDF)], capture_output=True, text=True, check=True).stdout
    images = [line for line in out.splitlines()[2:] if line.split()[2:3] == ["image"]]
    assert figures >= 8
    # one image per figure and per explorer (its printed frame), plus none lost
    # A static explorer cell is one call on its own line, with or without arguments (chapter 5 hands one over).
    explorers = len(re.findall(r"^\s*static_\w+\([\w, ]*\)\s*$", code_sources(), flags=re.M))
    assert len(images) >= figures + explorers, (len(images), figures, explorers)


def test_the_site_links_to_the_pdf():
    html = PDF.parent.parent / "html"  # _build/pdf/book.pdf -> _build/html
    if not (html / "intro.html").is_file():
        pytest.fail("no site in _build/html: run `make book` before `make pdf` to check the link")
    copy = html / "book.pdf"
    assert copy.is_file() and copy.read_bytes() == PDF.read_bytes()
    assert 'href="book.pdf"' in (html / "intro.html").read_text(encoding="utf-8")
    assert 'href="../book.pdf"' in (html / "chapters" / "01_information_asymmetry.html").read_text(encoding="utf-8")
