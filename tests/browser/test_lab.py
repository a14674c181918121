"""The JupyterLab journey, as a student makes it, in headless Chromium.

A JupyterLab server is started on a free local port with a random token, on a temporary copy of the chapters
and exercises (so nothing is written into the repository; its workspaces and settings live in that copy too). One
browser page loads JupyterLab once and opens the notebooks one after another with its own commands, as a student
opens them from the file browser. For each chapter: open it (a fresh kernel), run its import cells and every
explorer cell (`explore_*()`), assert that none of them produced an error; move a slider of the first ipywidgets
explorer and assert that the explorer's figure changed; close the notebook and shut its kernel down. Then open an
exercise notebook, run all its cells, type a correct answer into its first numeric answer cell, run the check cell
and assert the "correct" message.

Every cell of every chapter is executed by the book build, and its outputs compared with the committed ones, in the
same test run: the journey checks what only JupyterLab adds, that the widgets render and respond in its front end.
`make test` makes the first chapter's journey and the student's; `make site-checks` (CI) every other chapter's.
"""
from __future__ import annotations

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
               "jupyterlab.handlers.announcements.NeverCheckForUpdate", "--ServerApp.port_retries=0",
               # JupyterLab's defaults, not the settings and saved workspaces of whoever runs the tests
               f"--LabApp.user_settings_dir={workdir / '.lab' / 'settings'}",
               f"--LabApp.workspaces_dir={workdir / '.lab' / 'workspaces'}"]
    log = open(workdir / "lab.log", "w")
    # No terminal on stdin: with one, the server answers SIGINT with a confirmation prompt instead of stopping.
    server = subprocess.Popen(command, cwd=workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
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
                time.sleep(0.2)
        yield base, token, workdir
    finally:
        server.send_signal(signal.SIGTERM)  # stops the server, which shuts down the kernels still running
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="class")
def lab_page(browser, lab):
    """One page with JupyterLab loaded, for every notebook of a test class (each opened with a kernel of its own).

    Whatever notebook a test leaves open is closed, and its kernel shut down, before the next test opens its own."""
    base, token, _ = lab
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{base}/lab/workspaces/journey-{secrets.token_hex(4)}?reset&token={token}",
              wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp", timeout=90_000, polling=100)
    page.evaluate("() => window.jupyterapp.restored.then(() => true)")
    page.evaluate(_CLOSE)
    try:
        yield page
        # The kernels of the closed notebooks were shut down without waiting (the next notebook starts meanwhile):
        # every shutdown must have succeeded.
        failed = page.evaluate("() => Promise.all(window.journeyShutdowns || []).then(r => r.filter(m => m))")
        assert failed == [], failed
    finally:
        context.close()


_OPEN = """async (path) => {
  const app = window.jupyterapp;
  if (window.journey) window.journeyClose();
  const nb = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  window.journey = nb;
  await nb.context.ready;
  await nb.sessionContext.ready;
  app.shell.activateById(nb.id);
  return nb.context.path;
}"""

# Close the journey's notebook and shut its kernel down, without waiting for the kernel to exit (the failures are
# collected and checked when the page closes). The notebook was only run, not edited: nothing to save.
_CLOSE = """() => {
  window.journeyClose = () => {
    const nb = window.journey;
    window.journey = null;
    (window.journeyShutdowns = window.journeyShutdowns || []).push(
      nb.sessionContext.shutdown().then(() => '', e => `${nb.context.path}: kernel shutdown failed: ${e}`));
    nb.context.model.dirty = false;
    nb.dispose();
  };
}"""

_IDLE = """() => {
  const nb = window.journey;
  const kernel = nb.sessionContext.session && nb.sessionContext.session.kernel;
  const running = [...nb.content.node.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'));
  return kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle' && !running;
}"""


def _open(page, relative: str) -> None:
    """Open a notebook in the page's JupyterLab (closing the one open before) and wait for its kernel."""
    assert page.evaluate(_OPEN, relative) == relative
    page.wait_for_function(_IDLE, timeout=90_000, polling=100)


def _close(page) -> None:
    page.evaluate("() => { if (window.journey) window.journeyClose(); }")


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
    """Run the given cells one after another as a student would (select, Ctrl+Enter: the command resolves once the
    cell has run), wait for the kernel, and return the errors: an error output, or a cell that did not run."""
    for i in indices:
        page.evaluate("(i) => { const nb = window.journey; window.jupyterapp.shell.activateById(nb.id);"
                      " nb.content.activeCellIndex = i;"
                      " return window.jupyterapp.commands.execute('notebook:run-cell').then(() => true); }", i)
        page.wait_for_function(_IDLE, timeout=120_000, polling=100)
    return page.evaluate("""(indices) => {
      const cells = window.journey.content.model.cells;
      const errors = [];
      for (const i of indices) {
        const cell = cells.get(i).toJSON();
        for (const out of cell.outputs) {
          if (out.output_type === 'error') errors.push(`cell ${i}: ${out.ename}: ${out.evalue}`);
        }
        if (cell.execution_count === null) errors.push(`cell ${i} did not run`);
      }
      return errors; }""", indices)


# The figures the explorer cell shows (the explorer's output widget: the sliders are a separate output of the
# same cell, so a moved slider's own label is not counted as a change).
_FIGURES = ("(i) => [...window.journey.content.widgets[i].node.querySelectorAll('.jp-Cell-outputArea img')]"
            ".map(m => m.src).join('|')")


def _move_first_slider(page, index: int) -> None:
    """Move the first slider of the explorer in cell `index` one step with the keyboard and wait until the figure
    has been redrawn with a different image."""
    # JupyterLab renders only the cells in view: make the explorer's cell active and scroll it into view, so that
    # its output (the sliders) is in view too.
    page.evaluate("(i) => { const nb = window.journey.content; nb.activeCellIndex = i;"
                  " return Promise.resolve(nb.scrollToItem(i, 'start')).then(() => true); }", index)
    page.evaluate("(i) => window.journey.content.widgets[i].node.setAttribute('data-journey-explorer', '')", index)
    handle = page.locator("[data-journey-explorer] .jp-Cell-outputArea .widget-slider .noUi-handle").first
    handle.scroll_into_view_if_needed(timeout=30_000)
    handle.wait_for(state="visible", timeout=30_000)
    before = page.evaluate(_FIGURES, index)
    assert "data:image/png" in before or "blob:" in before, "the explorer shows no figure"
    at_max = handle.evaluate("h => h.getAttribute('aria-valuenow') === h.getAttribute('aria-valuemax')")
    handle.focus()
    page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
    page.wait_for_function(f"([i, before]) => {{ const now = ({_FIGURES})(i);"
                           " return now !== '' && now !== before; }", arg=[index, before], timeout=60_000,
                           polling=100)
    page.wait_for_function(_IDLE, timeout=60_000, polling=100)


def _chapter_journey(page, lab, chapter: Path) -> None:
    """Run the chapter's imports and explorers in JupyterLab, assert no error output, move the first explorer's
    slider, see its figure change."""
    run, explorers = _journey_cells(lab[2] / "chapters" / chapter.name)  # the copy JupyterLab serves
    try:
        _open(page, f"chapters/{chapter.name}")
        assert _run_cells(page, run) == []
        _move_first_slider(page, explorers[0])
    finally:
        _close(page)


def _first_numeric_exercise(root: Path):
    """(notebook, answer cell index, check cell index, exercise id, answer variable) of the first exercise with a
    single-number answer, in the student notebooks under `root` in file order."""
    for path in sorted((root / "exercises").glob("*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        for i, cell in enumerate(cells):
            match = re.search(r'check\(\s*"([^"]+)"\s*,\s*(\w+)\s*\)', cell.source) if cell.cell_type == "code" else None
            if match and isinstance(checks.get(match.group(1)), checks.Numeric) \
                    and not isinstance(checks.get(match.group(1)).reference, tuple):
                answer = max(j for j in range(i) if cells[j].cell_type == "code" and match.group(2) in cells[j].source)
                return path, answer, i, match.group(1), match.group(2)
    pytest.fail("no student notebook has an exercise with a single-number answer")


def _student_journey(page, lab) -> None:
    """Type the right answer to an exercise in a student notebook and get "correct"."""
    path, answer_cell, check_cell, exercise_id, variable = _first_numeric_exercise(lab[2])
    reference = float(checks.get(exercise_id).reference)
    try:
        _open(page, f"exercises/{path.name}")
        # the blank notebook runs: every check says "not attempted" (the command resolves once every cell has run)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells').then(() => true)")
        page.wait_for_function(_IDLE, timeout=120_000, polling=100)
        # JupyterLab renders only the cells in view: make the answer cell active (it scrolls there) and edit it.
        page.evaluate("(i) => { const nb = window.journey.content; nb.activeCellIndex = i; nb.mode = 'edit'; }",
                      answer_cell)
        page.wait_for_function("(i) => { const nb = window.journey.content;"
                               " return nb.activeCell && nb.activeCell.editor && nb.activeCell.editor.hasFocus(); }",
                               arg=answer_cell, timeout=60_000)
        page.keyboard.press("Control+A")
        page.keyboard.type(f"{variable} = {reference!r}")
        page.wait_for_function("([i, text]) => window.journey.content.model.cells.get(i)"
                               ".toJSON().source.toString() === text",
                               arg=[answer_cell, f"{variable} = {reference!r}"], timeout=30_000)
        for _ in range(2):  # run the answer cell, then the check cell below it (what Shift+Enter does)
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-cell-and-select-next')")
        page.wait_for_function("([i, id]) => window.journey.content.model.cells.get(i)"
                               ".toJSON().outputs.some(o => JSON.stringify(o).includes(id + ': correct'))",
                               arg=[check_cell, exercise_id], timeout=60_000, polling=100)
        page.wait_for_function(_IDLE, timeout=30_000, polling=100)
        source = page.evaluate("(i) => window.journey.content.model.cells.get(i).toJSON().source", answer_cell)
        assert (source if isinstance(source, str) else "".join(source)) == f"{variable} = {reference!r}"
        text = page.evaluate("""(i) => window.journey.content.model.cells.get(i).toJSON()
            .outputs.map(o => { const t = (o.data && o.data['text/plain']) || o.text || '';
                                return Array.isArray(t) ? t.join('') : t; }).join('\\n')""", check_cell)
        assert f"✔ {exercise_id}: correct." in text, text
    finally:
        _close(page)


# ------------------------------------------------------------------------------------------- the journeys
# `make test` makes the journey of the first chapter and the student's: they show that JupyterLab, its kernel, the
# ipywidgets front end and the checker work. The journey of every other chapter (about 10 s each on an idle machine,
# twice that beside the other tests) is a site check, run by `make site-checks` (CI runs it after make test): each
# chapter's explorers are executed in make test anyway, by the book's build and by their own unit tests.


class TestJourney:
    @pytest.mark.parametrize("chapter", CHAPTERS[:1], ids=lambda p: p.stem)
    def test_chapter_runs_in_jupyterlab_and_its_explorer_responds(self, lab, lab_page, chapter):
        _chapter_journey(lab_page, lab, chapter)

    def test_student_types_a_correct_answer_and_is_told_so(self, lab, lab_page):
        _student_journey(lab_page, lab)


@pytest.mark.site_checks
class TestJourneyEveryOtherChapter:
    @pytest.mark.parametrize("chapter", CHAPTERS[1:], ids=lambda p: p.stem)
    def test_chapter_runs_in_jupyterlab_and_its_explorer_responds(self, lab, lab_page, chapter):
        _chapter_journey(lab_page, lab, chapter)
