"""Every exercise notebook, the student's and its reference solution, reproduces its committed outputs.

Each notebook is executed in this process by IPython's ``InteractiveShell`` (the shell a Jupyter kernel runs), in a
fresh namespace and working directory of its own, with its outputs recorded in the order a kernel sends them:
stdout and stderr as streams, ``display()`` calls, and each cell's result in every format the display formatter
gives; a warning is written to stderr as a kernel would show it, so an unexpected one makes the cell's outputs
differ. The executed copy is then compared with the committed notebook by nbval's own comparison
(tests/notebook_outputs.py). In the reference solutions every check cell also asserts that the answer is accepted.

Why not a kernel per notebook (nbval): each of the fourteen would start a process and import numpy, scipy, sympy and
matplotlib again, about 50 s of CPU in all, for the same verdict on notebooks that use no magics and draw no
figures. A notebook that draws a figure would need the inline backend: ``test_no_exercise_needs_a_kernel`` keeps
that assumption honest. A real kernel still runs a student's exercise end to end in JupyterLab
(tests/browser/test_lab.py), and nbval works on an exercise directly:
`pytest --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg exercises/X.ipynb`.
"""
from __future__ import annotations

import contextlib
import copy
import os
import sys
import warnings
from pathlib import Path

import nbformat
import pytest
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from notebook_outputs import differing_cells

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "exercises").glob("*.ipynb")) + sorted((ROOT / "exercises" / "solutions").glob("*.ipynb"))


class _Stream:
    """sys.stdout or sys.stderr of the notebook: consecutive writes become one stream output, as a kernel sends."""

    encoding = "utf-8"

    def __init__(self, outputs: list, name: str):
        self.outputs, self.name = outputs, name

    def write(self, text: str) -> int:
        if text:
            last = self.outputs[-1] if self.outputs else None
            if last is not None and last.output_type == "stream" and last.name == self.name:
                last.text += text
            else:
                self.outputs.append(nbformat.v4.new_output("stream", name=self.name, text=text))
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class _Publisher(DisplayPublisher):
    """display(...) in the notebook: a display_data output."""

    outputs: list = []

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        self.outputs.append(nbformat.v4.new_output("display_data", data=data, metadata=metadata or {}))

    def clear_output(self, wait=False):
        self.outputs.clear()


class _Result(DisplayHook):
    """A cell's last expression: an execute_result output with every format (no prompt, nothing printed)."""

    outputs: list = []

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        self.outputs.append(nbformat.v4.new_output("execute_result", data=format_dict, metadata=md_dict or {},
                                                   execution_count=self.prompt_count))

    def finish_displayhook(self):
        pass


@pytest.fixture(scope="module")
def shell():
    """One shell for the module (each notebook resets its namespace); afterwards the test process is as before:
    no IPython instance (``get_ipython()`` is None again) and the process's own ``__main__``, which the shell
    replaces with the notebooks' namespace."""
    main = sys.modules.get("__main__")
    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config)
    shell.display_pub = _Publisher(shell=shell)
    shell.displayhook = _Result(shell=shell, cache_size=1000)
    shell.display_trap.hook = shell.displayhook
    yield shell
    shell.reset(new_session=False)
    InteractiveShell.clear_instance()
    if main is not None:
        sys.modules["__main__"] = main


def _show(outputs: list, message: warnings.WarningMessage) -> None:
    # A cell's own code is named <ipython-input-N-hash> here and by a path in a temporary folder in a kernel.
    where = "<cell>" if message.filename.startswith("<ipython-input") else message.filename
    _Stream(outputs, "stderr").write(warnings.formatwarning(message.message, message.category, where,
                                                            message.lineno, message.line))


def execute_here(shell: InteractiveShell, path: Path) -> nbformat.NotebookNode:
    """``path`` executed cell by cell in ``shell`` (see the module's docstring); a cell that raises fails the test."""
    notebook = nbformat.read(path, as_version=4)
    executed = copy.deepcopy(notebook)
    shell.reset(new_session=False)
    previous = os.getcwd()
    os.chdir(path.parent)
    try:
        for number, cell in enumerate(executed.cells):
            if cell.cell_type != "code":
                continue
            outputs: list = []
            shell.display_pub.outputs = shell.displayhook.outputs = outputs
            with warnings.catch_warnings(record=True) as caught:
                # Python's default filters, as in a kernel: deprecations are shown only when __main__ causes them.
                warnings.resetwarnings()
                warnings.filterwarnings("default")
                for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
                    warnings.filterwarnings("ignore", category=category)
                warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
                with contextlib.redirect_stdout(_Stream(outputs, "stdout")), \
                        contextlib.redirect_stderr(_Stream(outputs, "stderr")):
                    result = shell.run_cell(cell.source, store_history=True)
            for message in caught:
                _show(outputs, message)
            if not result.success:
                error = result.error_in_exec or result.error_before_exec
                raise AssertionError(f"{path.name} cell {number} raises {error!r}:\n{cell.source}")
            cell.outputs = outputs
            cell.execution_count = shell.execution_count - 1
    finally:
        os.chdir(previous)
    return executed


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "exercises")))
def test_exercise_notebook_reproduces_its_committed_outputs(shell, path):
    problems = differing_cells(nbformat.read(path, as_version=4), execute_here(shell, path))
    assert not problems, f"{path.relative_to(ROOT)}:\n" + "\n\n".join(problems)


def test_no_exercise_needs_a_kernel():
    """What in-process execution cannot reproduce is absent: magics, shell escapes, figures, widgets."""
    found = []
    for path in NOTEBOOKS:
        for number, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type != "code":
                continue
            lines = [line.lstrip() for line in cell.source.splitlines()]
            if any(line.startswith(("%", "!")) for line in lines) or "matplotlib" in cell.source \
                    or "ipywidgets" in cell.source:
                found.append(f"{path.relative_to(ROOT)} cell {number}")
            for output in cell.outputs:
                if set(output.get("data", {})) & {"image/png", "image/svg+xml", "application/vnd.jupyter.widget-view+json"}:
                    found.append(f"{path.relative_to(ROOT)} cell {number}: a figure or widget output")
    assert not found, "run these notebooks under nbval (a kernel) instead: " + ", ".join(found)


def test_the_in_process_run_notices_a_wrong_output_a_warning_and_an_error(shell, tmp_path):
    """The check can fail: a changed printed number, a result's changed value, a new warning, a raising cell."""
    cells = [nbformat.v4.new_code_cell("print(1 + 1)"), nbformat.v4.new_code_cell("x = 21\nx * 2"),
             nbformat.v4.new_code_cell("import warnings\nwarnings.warn('careful')\n'done'")]
    notebook = nbformat.v4.new_notebook(cells=cells)
    path = tmp_path / "probe.ipynb"
    nbformat.write(notebook, path)
    executed = execute_here(shell, path)
    assert [o.output_type for o in executed.cells[0].outputs] == ["stream"]
    assert executed.cells[0].outputs[0].text == "2\n"
    assert executed.cells[1].outputs[0].data["text/plain"] == "42"
    assert [o.output_type for o in executed.cells[2].outputs] == ["execute_result", "stream"]
    assert "UserWarning: careful" in executed.cells[2].outputs[1].text
    committed = copy.deepcopy(executed)
    assert differing_cells(committed, execute_here(shell, path)) == []
    committed.cells[0].outputs[0].text = "3\n"
    committed.cells[1].outputs[0].data["text/plain"] = "41"
    committed.cells[2].outputs = committed.cells[2].outputs[:1]
    assert [p.split(" ")[1] for p in differing_cells(committed, execute_here(shell, path))] == ["0", "1", "2"]
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")]), path)
    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        execute_here(shell, path)
