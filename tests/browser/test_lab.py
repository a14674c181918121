"""The JupyterLab journey, as a student makes it, in headless Chromium.

A JupyterLab server is started on a free local port with a random token, on a temporary copy of the chapters
and exercises (so nothing is written into the repository). For each chapter: open it, run its import cells and
every explorer cell (`explore_*()`), wait for the kernel to go idle, assert that none of them produced an error;
move a slider of the first ipywidgets explorer and assert that the explorer's output changed. Then open an exercise
notebook, run all its cells, type a correct answer into its first numeric answer cell, run the check cell and
assert the "correct" message.

Every cell of every chapter is executed, and its outputs compared, by nbval in the same test run (and by the book
build): the journey checks what only JupyterLab adds, that the widgets render and respond in its front end, and does
not execute each chapter a third time.
"""
from __future__ import annotations

import json
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from lib import checks

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
assert CHAPTERS, "no chapter notebooks"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("lab")
    for folder in ("chapters", "exercises"):
        shutil.copytree(ROOT / folder, workdir / folder)
    token, port = secrets.token_hex(16), _free_port()
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--expose-app-in-browser",
               f"--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={workdir}", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
               "jupyterlab.handlers.announcements.NeverCheckForUpdate", "--ServerApp.port_retries=0"]
    log = open(workdir / "lab.log", "w")
    server = subprocess.Popen(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + (workdir / "lab.log").read_text()[-3000:])
                time.sleep(0.5)
        yield base, token
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _shutdown_kernels(lab) -> None:
    """Stop every session the server runs, so one notebook's kernel does not slow the next test."""
    base, token = lab
    with urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=10) as response:
        sessions = json.load(response)
    for session in sessions:
        request = urllib.request.Request(f"{base}/api/sessions/{session['id']}?token={token}", method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


def _open(page, lab, relative: str):
    base, token = lab
    # A workspace of its own, reset: otherwise JupyterLab restores the notebooks earlier tests opened as hidden tabs,
    # and one of them may become the current widget while this test works.
    workspace = re.sub(r"\W", "-", relative)
    page.goto(f"{base}/lab/workspaces/{workspace}/tree/{relative}?reset&token={token}", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                           ".connectionStatus === 'connected'", timeout=90_000)
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
                           " === 'idle'", timeout=90_000)


_BUSY = """() => {
  const nb = window.jupyterapp.shell.currentWidget;
  const kernel = nb.sessionContext.session.kernel;
  const running = [...nb.content.node.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'));
  return kernel.status === 'idle' && !running;
}"""

def _run_all(page):
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_timeout(500)
    page.wait_for_function(_BUSY, timeout=120_000, polling=250)


_EXPLORER = re.compile(r"^explore_\w*\(", re.M)


def _journey_cells(chapter: Path) -> tuple[list[int], list[int]]:
    """(the code cells to run in order, the explorer cells among them): the code cells before the first explorer
    that only import (and set up matplotlib), then every explorer cell. The explorers take no arguments, so they
    need the imports only."""
    cells = nbformat.read(chapter, as_version=4).cells
    explorers = [i for i, c in enumerate(cells) if c.cell_type == "code" and _EXPLORER.search(c.source)]
    assert explorers, f"{chapter.name} has no explore_ cell (ipywidgets explorer)"
    setup = re.compile(r"(import|from|%matplotlib)\s|#|\)|\s+\w")  # an import, a magic, a comment or a continuation
    imports = [i for i, c in enumerate(cells[:explorers[0]]) if c.cell_type == "code" and c.source.strip()
               and all(setup.match(line) for line in c.source.splitlines() if line.strip())]
    assert imports, f"{chapter.name} imports nothing before its first explorer"
    return imports + explorers, explorers


def _run_cells(page, indices: list[int]) -> list[str]:
    """Run the given cells one after another as a student would (select, Ctrl+Enter), wait for the kernel, and
    return the errors: an error output, or a cell that did not run."""
    for i in indices:
        page.evaluate("(i) => { const nb = window.jupyterapp.shell.currentWidget.content; nb.activeCellIndex = i;"
                      " return window.jupyterapp.commands.execute('notebook:run-cell'); }", i)
        page.wait_for_timeout(200)
        page.wait_for_function(_BUSY, timeout=120_000, polling=250)
    return page.evaluate("""(indices) => {
      const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
      const errors = [];
      for (const i of indices) {
        const cell = cells.get(i).toJSON();
        for (const out of cell.outputs) {
          if (out.output_type === 'error') errors.push(`cell ${i}: ${out.ename}: ${out.evalue}`);
        }
        if (cell.execution_count === null) errors.push(`cell ${i} did not run`);
      }
      return errors; }""", indices)


def _explorer_state(page) -> str:
    """What the first slider-driven output shows: the source of its images and its text."""
    return page.evaluate("""() => {
      const slider = window.jupyterapp.shell.currentWidget.node.querySelector('.jp-OutputArea .widget-slider');
      const box = slider.closest('.jp-OutputArea-output');
      return [...box.querySelectorAll('img')].map(i => i.src.slice(-200)).join('|') + box.innerText;
    }""")


def _chapter_journey(browser, lab, chapter):
    """Run the chapter's imports and explorers in JupyterLab, assert no error output, move the first explorer's
    slider, see the output change."""
    run, explorers = _journey_cells(chapter)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        _open(page, lab, f"chapters/{chapter.name}")
        assert _run_cells(page, run) == []
        # JupyterLab renders only the cells in view: make the first explorer's cell active and scroll it to the top
        # of the notebook, so that its output (the sliders) is in view too.
        index = explorers[0]
        page.evaluate("(i) => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = i; }", index)
        # Only this notebook's sliders: JupyterLab may restore earlier notebooks as hidden tabs in the same page.
        panel = page.evaluate("() => window.jupyterapp.shell.currentWidget.id")
        handle = page.locator(f"[id='{panel}'] .jp-OutputArea .widget-slider .noUi-handle").first
        for _ in range(30):
            page.evaluate("(i) => window.jupyterapp.shell.currentWidget.content.scrollToItem(i, 'start')", index)
            page.evaluate("() => { const s = window.jupyterapp.shell.currentWidget.node.querySelector('.jp-OutputArea .widget-slider');"
                          " if (s) s.scrollIntoView({block: 'center'}); }")
            if handle.is_visible():
                break
            page.wait_for_timeout(1000)
        handle.wait_for(state="visible", timeout=5_000)
        before = _explorer_state(page)
        handle.focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(_BUSY, timeout=30_000, polling=250)
        page.wait_for_function("(before) => { const s = window.jupyterapp.shell.currentWidget.node.querySelector('.jp-OutputArea .widget-slider');"
                               " const b = s.closest('.jp-OutputArea-output');"
                               " return ([...b.querySelectorAll('img')].map(i => i.src.slice(-200)).join('|')"
                               " + b.innerText) !== before; }", arg=before, timeout=30_000)
        assert _explorer_state(page) != before
    finally:
        context.close()
        _shutdown_kernels(lab)


def _first_numeric_exercise():
    """(notebook, answer cell index, check cell index, exercise id, answer variable) of the first exercise with a
    single-number answer, in the student notebooks in file order."""
    for path in sorted((ROOT / "exercises").glob("*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        for i, cell in enumerate(cells):
            match = re.search(r'check\(\s*"([^"]+)"\s*,\s*(\w+)\s*\)', cell.source) if cell.cell_type == "code" else None
            if match and isinstance(checks.get(match.group(1)), checks.Numeric) \
                    and not isinstance(checks.get(match.group(1)).reference, tuple):
                answer = max(j for j in range(i) if cells[j].cell_type == "code" and match.group(2) in cells[j].source)
                return path, answer, i, match.group(1), match.group(2)
    pytest.fail("no student notebook has an exercise with a single-number answer")


def _student_journey(browser, lab):
    """Type the right answer to an exercise in a student notebook and get "correct"."""
    path, answer_cell, check_cell, exercise_id, variable = _first_numeric_exercise()
    reference = float(checks.get(exercise_id).reference)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        _open(page, lab, f"exercises/{path.name}")
        _run_all(page)  # the blank notebook runs: every check says "not attempted"
        # JupyterLab renders only the cells in view: make the answer cell active (it scrolls there) and edit it.
        page.evaluate("(i) => { const nb = window.jupyterapp.shell.currentWidget.content;"
                      " nb.activeCellIndex = i; nb.mode = 'edit'; }", answer_cell)
        page.wait_for_function("(i) => { const nb = window.jupyterapp.shell.currentWidget.content;"
                               " return nb.activeCell && nb.activeCell.editor && nb.activeCell.editor.hasFocus(); }",
                               arg=answer_cell, timeout=60_000)
        page.keyboard.press("Control+A")
        page.keyboard.type(f"{variable} = {reference!r}")
        page.wait_for_function("([i, text]) => window.jupyterapp.shell.currentWidget.content.model.cells.get(i)"
                               ".toJSON().source.toString() === text",
                               arg=[answer_cell, f"{variable} = {reference!r}"], timeout=30_000)
        for _ in range(2):  # run the answer cell, then the check cell below it (what Shift+Enter does)
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-cell-and-select-next')")
        page.wait_for_function("([i, id]) => window.jupyterapp.shell.currentWidget.content.model.cells.get(i)"
                               ".toJSON().outputs.some(o => JSON.stringify(o).includes(id + ': correct'))",
                               arg=[check_cell, exercise_id], timeout=60_000, polling=250)
        page.wait_for_function(_BUSY, timeout=30_000, polling=250)
        source = page.evaluate("(i) => window.jupyterapp.shell.currentWidget.content.model.cells.get(i)"
                               ".toJSON().source", answer_cell)
        assert (source if isinstance(source, str) else "".join(source)) == f"{variable} = {reference!r}"
        text = page.evaluate("""(i) => window.jupyterapp.shell.currentWidget.content.model.cells.get(i).toJSON()
            .outputs.map(o => { const t = (o.data && o.data['text/plain']) || o.text || '';
                                return Array.isArray(t) ? t.join('') : t; }).join('\\n')""", check_cell)
        assert f"✔ {exercise_id}: correct." in text, text
    finally:
        context.close()


# The journey in two halves: `make test` runs on two workers and keeps each class on one worker (pytest-xdist
# --dist loadscope), so the halves run side by side, each with its own JupyterLab server (the `lab` fixture is
# per module and per worker). Together they cover every chapter notebook.

class TestJourneyFirstHalf:
    @pytest.mark.parametrize("chapter", CHAPTERS[0::2], ids=lambda p: p.stem)
    def test_chapter_runs_in_jupyterlab_and_its_explorer_responds(self, browser, lab, chapter):
        _chapter_journey(browser, lab, chapter)

    def test_student_types_a_correct_answer_and_is_told_so(self, browser, lab):
        _student_journey(browser, lab)


class TestJourneySecondHalf:
    @pytest.mark.parametrize("chapter", CHAPTERS[1::2], ids=lambda p: p.stem)
    def test_chapter_runs_in_jupyterlab_and_its_explorer_responds(self, browser, lab, chapter):
        _chapter_journey(browser, lab, chapter)
