"""nbval's verdict on a notebook's outputs without nbval's runner: compare an executed copy with the committed one.

Used by tests/test_book_execution.py (the chapters, executed by the book's build) and tests/test_exercise_notebooks.py
(the exercises, executed in the test process). The comparison is nbval's own (``IPyNbCell.compare_outputs``), with
the sanitizers of tests/nbval_sanitize.cfg and nbval's default list of ignored keys: images, widget ids, execution
counts, metadata. As under nbval, cells tagged ``nbval-ignore-output`` and cells never run are not compared.
"""
from __future__ import annotations

import copy
from collections import OrderedDict
from pathlib import Path
from types import SimpleNamespace

import nbformat
from nbval.plugin import IPyNbCell, coalesce_streams, get_sanitize_patterns, nocolors

ROOT = Path(__file__).resolve().parents[1]

# nbval's own defaults (IPyNbFile.__init__, without --nbdime): keys of an output that are never compared.
SKIP_COMPARE = ('metadata', 'traceback', 'prompt_number', 'output_type', 'name', 'execution_count',
                'application/vnd.jupyter.widget-view+json', 'image/png', 'image/jpeg')


class _Comparison:
    """Just enough of an nbval cell item to run nbval's output comparison on two lists of outputs."""
    colors = nocolors
    compare_outputs = IPyNbCell.compare_outputs
    format_output_compare = IPyNbCell.format_output_compare
    sanitize = IPyNbCell.sanitize

    def __init__(self):
        patterns = OrderedDict(get_sanitize_patterns((ROOT / "tests" / "nbval_sanitize.cfg").read_text()))
        self.parent = SimpleNamespace(skip_compare=SKIP_COMPARE, sanitize_patterns=patterns)
        self.ihook = SimpleNamespace(pytest_assertrepr_compare=lambda **_: [])  # nbval's fallback diff
        self.config = None
        self.comparison_traceback = []


def differing_cells(committed: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> list[str]:
    """nbval's verdict on every code cell: one message per cell whose outputs differ."""
    reference = [cell for cell in committed.cells if cell.cell_type == "code"]
    test = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert [c.source for c in reference] == [c.source for c in test], "the executed copy has other code cells"
    index = [i for i, cell in enumerate(committed.cells) if cell.cell_type == "code"]
    problems = []
    for number, ref, new in zip(index, reference, test):
        if "nbval-ignore-output" in ref.get("metadata", {}).get("tags", []):
            continue
        if ref.execution_count is None:  # nbval: a reference cell never run is not compared
            assert not ref.outputs, f"cell {number}: unrun reference cell has outputs"
            continue
        comparison = _Comparison()
        # coalesce_streams merges consecutive stream outputs in place: give it copies.
        fresh, stored = coalesce_streams(copy.deepcopy(new.outputs)), coalesce_streams(copy.deepcopy(ref.outputs))
        if not comparison.compare_outputs(fresh, stored):
            problems.append(f"cell {number} outputs differ:\n" + "\n".join(comparison.comparison_traceback))
    return problems
