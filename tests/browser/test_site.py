"""The built site in a real browser: every page loads with no request to another host, no console error,
rendered math where the page has math, and no broken internal link."""
from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

import yaml

SKIP_PAGES = {"genindex.html", "search.html"}  # Sphinx's generated index and search pages have no content
ROOT = Path(__file__).resolve().parents[2]
PDF_NAME = "book.pdf"  # the whole book, at the site's root once `make pdf` has run


def toc_files() -> list[str]:
    """Every page the table of contents lists (root, chapters and their sections), as paths without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files, stack = [toc["root"]], [c for part in toc["parts"] for c in part["chapters"]]
    while stack:
        entry = stack.pop(0)
        files.append(entry["file"])
        stack[:0] = entry.get("sections", [])
    return files


CHAPTER_PAGES = [f + ".html" for f in toc_files() if f.startswith("chapters/")]


def _pages(html_root: Path) -> list[Path]:
    return sorted(p for p in html_root.rglob("*.html")
                  if "_static" not in p.parts and "_sources" not in p.parts and p.name not in SKIP_PAGES)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in {"link", "script", "img"} and (attrs.get("href") or attrs.get("src")):
            self.links.append(attrs.get("href") or attrs.get("src"))


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_site_has_the_expected_pages(built_site):
    names = {p.relative_to(built_site).as_posix() for p in _pages(built_site)}
    assert CHAPTER_PAGES, "the table of contents lists no chapter"
    for page in [f + ".html" for f in toc_files()]:
        assert page in names


def test_no_broken_internal_links(built_site):
    parsed = {p: _parse(p) for p in _pages(built_site)}
    broken = []
    for page, links in parsed.items():
        for href in links.links:
            url = urlparse(href)
            if url.scheme or url.netloc:  # http(s), mailto, data: not a file of this site
                continue
            target, fragment = url.path, url.fragment
            target_path = (page.parent / unquote(target)).resolve() if target else page
            if target_path == (built_site / PDF_NAME).resolve():
                continue  # the footer's link to the PDF, which `make pdf` builds (tests/test_pdf.py checks it)
            if not target_path.exists():
                broken.append(f"{page.relative_to(built_site)} -> {href}")
            elif fragment and target_path in parsed and unquote(fragment) not in parsed[target_path].ids:
                broken.append(f"{page.relative_to(built_site)} -> {href} (no such anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(broken[:30])


_VISIBLE_FRAME = """(root) => [...root.querySelectorAll('img.kf-frame')].findIndex(m => m.style.display !== 'none')"""


def _explorer_problems(page, relative: str) -> list[str]:
    """Each chapter page has an explorer that works with no kernel: moving each of its sliders one step with the
    keyboard shows another pre-rendered figure (loaded) and changes the slider's label. Returns what failed."""
    explorers = page.locator(".kf-explorer")
    if explorers.count() < 1:
        return [f"{relative} has no kernel-free explorer"]
    problems = []
    for i in range(explorers.count()):
        root = explorers.nth(i)
        slider = root.locator("input.kf-slider").first
        frame_before = root.evaluate(_VISIBLE_FRAME)
        label_before = root.locator("output").first.inner_text()
        slider.scroll_into_view_if_needed()
        slider.focus()
        at_end = slider.evaluate("s => +s.value === +s.max")
        page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
        frame_after = root.evaluate(_VISIBLE_FRAME)
        if not (frame_after != frame_before and frame_after >= 0):
            problems.append(f"{relative}: explorer {i}: frame {frame_before} -> {frame_after}")
        elif not root.locator("img.kf-frame").nth(frame_after).evaluate("m => m.complete && m.naturalWidth > 0"):
            problems.append(f"{relative}: explorer {i}: frame {frame_after} is not a loaded image")
        if root.locator("output").first.inner_text() == label_before:
            problems.append(f"{relative}: explorer {i}: the slider's label did not change")
    return problems


def test_every_page_is_offline_clean_renders_math_and_its_explorers_respond(built_site, site_url, watched_page):
    """Every page loads with no request to another host and no console error, its math is typeset, and on each
    chapter page every kernel-free explorer responds to its slider (checked on the same load of the page)."""
    page, watch = watched_page
    report = []
    assert CHAPTER_PAGES, "the table of contents lists no chapter"
    pages = {path.relative_to(built_site).as_posix(): path for path in _pages(built_site)}
    assert set(CHAPTER_PAGES) <= set(pages), "chapter pages missing from the build"
    for relative, path in pages.items():
        watch.external.clear()
        watch.errors.clear()
        page.goto(f"{site_url}/{relative}", wait_until="load")
        has_math = 'class="math' in path.read_text(encoding="utf-8")
        if has_math:
            # attached, not visible: some math sits in collapsed solution dropdowns
            page.wait_for_selector("mjx-container", state="attached", timeout=30000)
        if relative in CHAPTER_PAGES:
            report += _explorer_problems(page, relative)
        page.wait_for_timeout(200)  # let late scripts report errors
        if watch.external or watch.errors:
            report.append(f"{relative}: external={watch.external[:5]} errors={watch.errors[:5]}")
    assert not report, "\n".join(report)


def test_preface_math_renders_with_the_network_off(built_site, browser):
    """Open the preface straight from disk with every non-file request blocked: equations still typeset."""
    context = browser.new_context(offline=True)
    page = context.new_page()
    page.goto((built_site / "intro.html").as_uri(), wait_until="load")
    page.wait_for_selector("mjx-container", state="attached", timeout=30000)
    assert page.locator("mjx-container").count() >= 1
    page.goto((built_site / "glossary.html").as_uri(), wait_until="load")
    assert "逆向选择" in page.content() or "信息不对称" in page.content()
    context.close()


# ------------------------------------------------------------------------------------------------ student build
# `make book SOLUTIONS=0` builds a student site: exercises are there, their solutions are not. (In this module
# because it needs the built site too: `make test` keeps a module's tests on one worker, and only one worker may build into _build.)

CHAPTERS = [Path(page).stem for page in CHAPTER_PAGES]


@pytest.mark.site_checks  # a second whole build: make site-checks (CI), not make test
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
