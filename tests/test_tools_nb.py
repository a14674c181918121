"""The notebook normaliser drops what varies and keeps what nbval compares."""
import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from tools_nb import normalise


def _notebook():
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}, "widgets": {"state": {}}, "toc": 1})
    figure = new_output("display_data", data={"image/png": "iVBOR...", "text/plain": "<Figure size 640x480 with 1 Axes>"})
    text = new_output("execute_result", data={"text/plain": "0.1406"}, execution_count=3)
    nb.cells = [
        new_code_cell("plot()", execution_count=2, outputs=[figure], metadata={"scrolled": True, "tags": ["x"]}),
        new_code_cell("explore()", execution_count=4, outputs=[text], metadata={"tags": ["nbval-ignore-output"]}),
        new_code_cell("0.1406", execution_count=3, outputs=[text]),
    ]
    return nb


def test_normalise_strips_noise_and_keeps_text():
    nb = normalise(_notebook())
    assert set(nb.metadata) == {"kernelspec", "language_info"}
    first, ignored, kept = nb.cells
    assert first.execution_count == 1 and first.metadata == {"tags": ["x"]}
    assert first.outputs[0].data == {"text/plain": "<Figure size 640x480 with 1 Axes>"}
    assert ignored.outputs == []
    assert kept.outputs[0].data == {"text/plain": "0.1406"} and kept.outputs[0].execution_count == 3 == kept.execution_count


def test_normalise_is_idempotent():
    once = normalise(_notebook())
    assert nbformat.writes(normalise(once)) == nbformat.writes(once)


def test_consecutive_outputs_of_one_stream_are_merged():
    nb = new_notebook()
    nb.cells = [new_code_cell("report()", execution_count=1, outputs=[
        new_output("stream", name="stdout", text="scan: 48 of 48"), new_output("stream", name="stdout", text="\n"),
        new_output("stream", name="stderr", text="warning\n"), new_output("stream", name="stdout", text="done\n")])]
    outputs = normalise(nb).cells[0].outputs
    assert [(o.name, o.text) for o in outputs] == [("stdout", "scan: 48 of 48\n"), ("stderr", "warning\n"),
                                                   ("stdout", "done\n")]
