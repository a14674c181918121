"""Notebook housekeeping: execute notebooks in place, normalise them, or check they are normalised.

    python tools/nb.py execute chapters/01_information_asymmetry.ipynb ...   # run, then normalise
    python tools/nb.py normalise PATH ...                                   # normalise only
    python tools/nb.py check PATH ...                                       # exit 1 if any is not normalised

Normalised means: execution counts renumbered 1, 2, ... over the code cells (nbval treats a cell with outputs
and no count as an error, so counts stay, but deterministic); only the notebook metadata needed to open it (kernelspec,
language_info name); no cell metadata except ``tags``; no image payloads (the text/plain stand-in of a figure is
kept, which is what nbval compares); no outputs at all in cells tagged ``nbval-ignore-output`` (widget ids and
pre-rendered frames vary and are large); consecutive stream outputs of one stream merged (the kernel cuts a
stream into messages differently from run to run); stable cell ids; a trailing newline. Committed notebooks must be
normalised (``tests/test_notebooks_normalised.py``), so that diffs stay small and reviewable.
"""
from __future__ import annotations

import copy
import hashlib
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
DROP_MIME = ("image/png", "image/jpeg", "image/svg+xml", "application/pdf",
             "application/vnd.jupyter.widget-view+json")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    nb.metadata = nbformat.from_dict({"kernelspec": KERNELSPEC, "language_info": {"name": "python"}})
    nb.nbformat, nb.nbformat_minor = 4, 5
    count = 0
    for index, cell in enumerate(nb.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        cell.metadata = nbformat.from_dict({"tags": tags} if tags else {})
        cell.id = hashlib.sha1(f"{index}:{cell.source}".encode()).hexdigest()[:8]
        if cell.cell_type == "markdown":
            cell.pop("attachments", None)
        if cell.cell_type != "code":
            continue
        count += 1
        cell.execution_count = count
        if "nbval-ignore-output" in tags:
            cell.outputs = []
            continue
        outputs = []
        for out in cell.outputs:
            if out.output_type == "execute_result":
                out.execution_count = count
            if out.output_type in ("display_data", "execute_result"):
                out.metadata = {}
                for mime in DROP_MIME:
                    out.data.pop(mime, None)
                if not out.data:
                    continue
            if (out.output_type == "stream" and outputs and outputs[-1].output_type == "stream"
                    and outputs[-1].name == out.name):  # how the kernel cut a stream into messages varies by run
                outputs[-1].text += out.text
                continue
            outputs.append(out)
        cell.outputs = outputs
    return nb


def _text(nb) -> str:
    return nbformat.writes(nb) + "\n"


def execute(path: Path, timeout: int = 300) -> None:
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    path.write_text(_text(normalise(nb)))


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in {"execute", "normalise", "check"}:
        print(__doc__)
        return 2
    command, paths = argv[0], [Path(p) for p in argv[1:]]
    bad = []
    for path in paths:
        if command == "execute":
            execute(path)
            print(f"executed and normalised {path}")
            continue
        text = path.read_text()
        fixed = _text(normalise(nbformat.reads(text, as_version=4)))
        if command == "normalise":
            path.write_text(fixed)
        elif text != fixed:
            bad.append(path)
    for path in bad:
        print(f"{path} is not normalised: run `python tools/nb.py normalise {path}`")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
