"""The whole book as one PDF, offline: `python tools/pdf.py [--out DIR]` (run by `make pdf`).

1. Builds the single-page HTML of the book (Sphinx's singlehtml builder through Jupyter Book, warnings are errors,
   sharing the execution cache of `make book`) into DIR/_build/singlehtml.
2. Prints it with headless Chromium (Debian's, driven by Playwright: no browser download), after MathJax (served
   from the site) has typeset every equation and every font (the CJK subset among them) has loaded; solutions
   are printed open, every chapter starts on a new page, each kernel-free explorer prints one frame and a line
   saying where the interactive version is (print rules in `_assets/course.css`).
3. Writes DIR/_build/pdf/book.pdf and copies it to DIR/_build/html/book.pdf, where every page's footer links to it.

Jupyter Book's own `pdfhtml` builder cannot run here: it downloads a browser (pyppeteer).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

# Before printing: open every solution and dropdown, mark where each document of the book starts (Sphinx's singlehtml
# puts <span id="document-NAME"> before each one) so print CSS breaks the page there, and report what is left.
PREPARE = """() => {
    document.querySelectorAll('details').forEach(d => { d.open = true; });
    document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
    document.querySelectorAll('.dropdown.admonition.toggle-hidden, .admonition.dropdown').forEach(e => {
        e.classList.remove('toggle-hidden');
        e.querySelectorAll('.toggle-hidden').forEach(c => c.classList.remove('toggle-hidden'));
    });
    const starts = [...document.querySelectorAll('span[id^="document-"]')];
    // The root document (the preface) has no span: every span starts a chapter or a reference page.
    starts.forEach(s => { s.classList.add('pdf-chapter-start'); s.style.display = 'block'; });
    const raw = [...document.querySelectorAll('.math')].filter(m => !m.querySelector('mjx-container'));
    return {documents: starts.map(s => s.id.slice('document-'.length)),
            math: document.querySelectorAll('mjx-container').length,
            untypeset: raw.map(m => m.textContent.slice(0, 80)),
            explorers: document.querySelectorAll('.kf-explorer').length};
}"""

FOOTER = ('<div style="font-size:8px;width:100%;text-align:center;color:#444">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')


def build_singlehtml(out: Path) -> Path:
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT), "--builder", "singlehtml",
               "-W", "-n", "--keep-going", "--path-output", str(out)]
    result = subprocess.run(command, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit("tools/pdf.py: the single-page build failed (warnings are errors)")
    index = out / "_build" / "singlehtml" / "index.html"
    if not index.is_file():
        raise SystemExit(f"tools/pdf.py: {index} was not written")
    return index


def print_pdf(index: Path, pdf: Path) -> dict:
    from playwright.sync_api import sync_playwright

    from conftest import CHROMIUM_FLAGS, chromium_path  # tests/browser/conftest.py: the same browser as the tests

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        context = browser.new_context(offline=True)  # nothing may come from the network
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(index.as_uri(), wait_until="load", timeout=120_000)
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=120_000)
        page.evaluate("() => MathJax.startup.promise")
        stats = page.evaluate(PREPARE)
        # Typeset whatever the opened dropdowns revealed, then wait for every font (MathJax's, the CJK subset).
        page.evaluate("() => MathJax.typesetPromise ? MathJax.typesetPromise() : null")
        page.evaluate("() => document.fonts.ready")
        page.wait_for_timeout(500)
        stats["untypeset"] = page.evaluate(
            "() => [...document.querySelectorAll('.math')].filter(m => !m.querySelector('mjx-container'))"
            ".map(m => m.textContent.slice(0, 80))")
        stats["cjk_font"] = page.evaluate(
            "() => [...document.fonts].filter(f => f.family.includes('Book CJK')).map(f => f.status)")
        if stats["untypeset"]:
            raise SystemExit(f"tools/pdf.py: {len(stats['untypeset'])} equations not typeset: {stats['untypeset'][:3]}")
        if "loaded" not in stats["cjk_font"]:
            raise SystemExit(f"tools/pdf.py: the CJK font did not load ({stats['cjk_font']})")
        from test_fonts import unrendered_cjk  # tests/browser/test_fonts.py: which fonts drew the CJK text

        boxes = unrendered_cjk(page, None)
        if boxes:
            raise SystemExit(f"tools/pdf.py: CJK text not drawn by the subset font: {boxes[:3]}")
        if errors:
            raise SystemExit(f"tools/pdf.py: page errors: {errors[:3]}")
        pdf.parent.mkdir(parents=True, exist_ok=True)
        page.pdf(path=str(pdf), format="A4", print_background=True, outline=True, tagged=True,
                 margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
                 display_header_footer=True, header_template="<span></span>", footer_template=FOOTER)
        browser.close()
    return stats


def ensure_poppler() -> None:
    """pdftotext, pdffonts, pdfinfo (Debian's poppler-utils) for the PDF's check: installed with apt when missing."""
    if shutil.which("pdftotext"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing Debian's poppler-utils for the PDF check (apt-get) ...")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "poppler-utils"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        return
    raise SystemExit("tools/pdf.py: the PDF check needs poppler-utils (sudo apt-get install poppler-utils)")


def page_count(pdf: Path) -> int | None:
    if shutil.which("pdfinfo") is None:
        return None
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return next((int(line.split()[-1]) for line in out.splitlines() if line.startswith("Pages:")), None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT, help="folder that receives _build/ (default: repo)")
    parser.add_argument("--print-only", action="store_true",
                        help="print the existing single-page build again, without rebuilding it")
    args = parser.parse_args()
    out = args.out.resolve()
    start = time.perf_counter()
    index = out / "_build" / "singlehtml" / "index.html"
    if not (args.print_only and index.is_file()):
        index = build_singlehtml(out)
    built = time.perf_counter()
    pdf = out / "_build" / "pdf" / "book.pdf"
    stats = print_pdf(index, pdf)
    html = out / "_build" / "html"
    if html.is_dir():
        shutil.copy2(pdf, html / "book.pdf")
    ensure_poppler()
    pages = page_count(pdf)
    print(f"wrote {pdf}: {pages or '?'} pages, {pdf.stat().st_size / 1e6:.2f} MB; {len(stats['documents'])} documents, "
          f"{stats['math']} equations typeset, {stats['explorers']} explorers; single-page build "
          f"{built - start:.1f} s, printing {time.perf_counter() - built:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
