"""Every notebook of the book reproduces its committed outputs: nbval's check, on the build's own execution.

`make test` builds the book first, and the build executes every chapter (tools/build_book.py, into the execution
cache). Running nbval on the chapters afterwards would execute each of them a second time for the same answer, so
here each chapter's executed copy is taken from that cache and compared, code cell by code cell, with the committed
notebook by nbval's own comparison (``IPyNbCell.compare_outputs``, with the sanitizers of tests/nbval_sanitize.cfg
and nbval's default list of ignored keys: images, widget ids, execution counts, metadata). As under nbval, cells
tagged ``nbval-ignore-output`` and cells never run are not compared. A cell that raises fails the build itself
(``allow_errors: false``, warnings are errors), so every derivation cell's assertions are checked there.

The cache is used only if it was filled from today's code cells (jupyter-cache matches them) and today's lib/ and
requirements (the build's fingerprint); otherwise the notebook is executed here, as the build would execute it, so
this test is right on its own too (`pytest tests/test_book_execution.py`, slower). nbval still works on a chapter
directly: `pytest --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg chapters/X.ipynb`.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import importlib.util
import math
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest

from notebook_outputs import differing_cells

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "_build" / ".jupyter_cache"

_spec = importlib.util.spec_from_file_location("tools_build_book", ROOT / "tools" / "build_book.py")
build_book = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_book)


def executed_copy(path: Path) -> tuple[nbformat.NotebookNode, str]:
    """The executed notebook: from the build's cache when it is current, else executed here."""
    committed = nbformat.read(path, as_version=4)
    if CACHE.is_dir() and build_book.cache_is_current(CACHE):
        from jupyter_cache import get_cache
        cache = get_cache(str(CACHE))
        try:
            record = cache.match_cache_notebook(committed)
        except KeyError:
            pass
        else:
            return cache.get_cache_bundle(record.pk).nb, "the build's execution"
    execute = build_book.yaml.safe_load((ROOT / "_config.yml").read_text())["execute"]
    _, text, _, error, _ = build_book._execute(str(path), int(execute["timeout"]), False)
    assert error is None, f"{path.name} does not execute: {error}"
    return nbformat.reads(text, as_version=4), "executed by this test"


@pytest.mark.parametrize("path", build_book.toc_notebooks(), ids=lambda p: p.stem)
def test_executed_notebook_reproduces_its_committed_outputs(path):
    committed = nbformat.read(path, as_version=4)
    executed, source = executed_copy(path)
    problems = differing_cells(committed, executed)
    assert not problems, f"{path.name} ({source}):\n" + "\n\n".join(problems)


def test_the_comparison_notices_a_changed_number_and_ignores_what_nbval_ignores():
    """The check can fail: a changed digit in a printed result is caught, a new figure id or widget id is not."""
    committed = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("print(0.8682)", execution_count=1,
                                  outputs=[nbformat.v4.new_output("stream", name="stdout", text="0.8682\n")]),
        nbformat.v4.new_code_cell("fig", execution_count=2, outputs=[nbformat.v4.new_output(
            "display_data", data={"text/plain": "<Figure size 640x480 with 1 Axes>"})]),
        nbformat.v4.new_code_cell("w", execution_count=3, metadata={"tags": ["nbval-ignore-output"]}),
    ])
    same = nbformat.from_dict(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("print(0.8682)", execution_count=7, outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="0.86"),
            nbformat.v4.new_output("stream", name="stdout", text="82\n")]),
        nbformat.v4.new_code_cell("fig", execution_count=8, outputs=[nbformat.v4.new_output(
            "display_data", data={"text/plain": "<Figure size 700x300 with 2 Axes>", "image/png": "iVBOR"})]),
        nbformat.v4.new_code_cell("w", execution_count=9, outputs=[nbformat.v4.new_output(
            "display_data", data={"text/plain": "interactive(...)"})]),
    ]))
    assert differing_cells(committed, same) == []
    changed = copy.deepcopy(same)
    changed.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="0.8683\n")]
    problems = differing_cells(committed, changed)
    assert len(problems) == 1 and problems[0].startswith("cell 0") and "0.8683" in problems[0]
    missing = copy.deepcopy(same)
    missing.cells[1].outputs = []
    assert [p.split(" ")[1] for p in differing_cells(committed, missing)] == ["1"]


def test_slowest_cells_reads_nbclient_timestamps():
    """The build's report of the slowest cells: durations from hand-written timestamps (2.5 s and 0.25 s), cells
    without timestamps or not code skipped, longest first."""
    nb = nbformat.v4.new_notebook()
    timed = {1: ("2026-12-03T11:00:00.000Z", "2026-12-03T11:00:02.500Z"),
             2: ("2026-12-03T11:00:03.000Z", "2026-12-03T11:00:03.250Z")}
    nb.cells = [nbformat.v4.new_markdown_cell("text"), nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("y = 2"), nbformat.v4.new_code_cell("z = 3")]
    for index, (start, end) in timed.items():
        nb.cells[index].metadata["execution"] = {"iopub.execute_input": start, "shell.execute_reply": end}
    assert build_book.slowest_cells(nb) == [(1, 2.5), (2, 0.25)]
    assert build_book.slowest_cells(nb, count=1) == [(1, 2.5)]


def test_client_gaps_compares_client_and_kernel_clocks():
    """The cell whose client-side time most exceeds its kernel-side time: cell 2 (client 3.0 s, kernel 0.25 s)
    rather than cell 1 (client 2.6 s, kernel 2.5 s); a cell the kernel did not time is left out; None without
    any."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(f"x = {i}") for i in range(4)]
    nb.cells[1].metadata["execution"] = {"iopub.execute_input": "2026-12-03T11:00:00.000Z",
                                         "shell.execute_reply": "2026-12-03T11:00:02.500Z"}
    nb.cells[2].metadata["execution"] = {"iopub.execute_input": "2026-12-03T11:00:03.000Z",
                                         "shell.execute_reply": "2026-12-03T11:00:03.250Z"}
    index, gap = build_book.client_gaps(nb, {1: 2.6, 2: 3.0, 3: 50.0})
    assert index == 2 and abs(gap - 2.75) < 1e-9
    assert build_book.client_gaps(nb, {0: 1.0}) is None


class _Clock:
    """A fake clock for build_book's ``time``: monotonic() and time() advance only when a fake socket waits."""

    def __init__(self):
        self.now = 0.0

    def monotonic(self):
        return self.now

    def time(self):
        return 1.8e9 + self.now


class _FakeSocket:
    """A socket with one message that becomes ready at ``ready_at`` on the fake clock. ``wakes=False``: its poll
    never wakes on arrival and sees the message only when its own timeout runs out, as pyzmq's asyncio poll does
    after a missed wake-up (its last look at the socket); ``wakes=True``: it returns at the arrival. Records the
    timeouts it is polled with."""

    def __init__(self, clock, ready_at: float, wakes: bool):
        self.clock, self.ready_at, self.wakes, self.polls = clock, ready_at, wakes, []

    async def poll(self, timeout_ms):
        self.polls.append(timeout_ms)
        end = self.clock.now + timeout_ms / 1000
        if self.wakes and self.ready_at <= end:
            self.clock.now = max(self.clock.now, self.ready_at)
            return 1
        self.clock.now = end
        return int(self.clock.now >= self.ready_at)


def _run(coroutine):
    """Run a coroutine to completion on a fresh event loop in its own thread (another test of the session may have
    left a running loop in this one, where asyncio.run refuses)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture
def sliced(monkeypatch):
    """A fresh SlicedChannel class and a factory of channels reading a fake socket on a fake clock."""
    clock = _Clock()
    monkeypatch.setattr(build_book, "time", clock)
    _, _, channel_class = build_book._sliced_client_classes()

    def channel(ready_at: float, wakes: bool = False):
        ch = channel_class.__new__(channel_class)
        ch.socket = _FakeSocket(clock, ready_at, wakes)
        stamp = datetime.fromtimestamp(1.8e9 + ready_at, tz=timezone.utc) if math.isfinite(ready_at) else None

        async def recv():
            return {"msg": "reply", "header": {"date": stamp}}
        ch._recv = recv
        return ch
    return channel_class, channel, clock


def test_sliced_wait_recovers_a_missed_wake_up_within_one_slice(sliced):
    """A reply ready 0.1 s into a 30 s wait, on a socket that misses its wake-up: read at the end of the first
    slice (one poll of 500 ms, not one of 30 000), counted as ready only when a slice ran out, lag 0.4 s."""
    channel_class, channel, clock = sliced
    ch = channel(ready_at=0.1)
    assert _run(ch.get_msg(timeout=30))["msg"] == "reply"
    assert ch.socket.polls == [500] and clock.now == 0.5
    assert channel_class.found_late == 1
    assert channel_class.largest_lag == pytest.approx(0.4, abs=1e-6)


def test_a_wake_up_on_time_is_not_counted_late(sliced):
    """The same reply on a socket that wakes: returned at 0.1 s, not counted, lag 0."""
    channel_class, channel, clock = sliced
    ch = channel(ready_at=0.1, wakes=True)
    assert _run(ch.get_msg(timeout=30))["msg"] == "reply"
    assert clock.now == 0.1 and channel_class.found_late == 0
    assert channel_class.largest_lag == pytest.approx(0, abs=1e-6)


def test_sliced_wait_keeps_the_callers_timeout(sliced):
    """No message: slices of 500, 500 and the remaining 200 ms, then Empty at the caller's 1.2 s; 0 looks once."""
    from queue import Empty
    _, channel, clock = sliced
    ch = channel(ready_at=math.inf)
    with pytest.raises(Empty):
        _run(ch.get_msg(timeout=1.2))
    assert ch.socket.polls == [500, 500, 200] and clock.now == pytest.approx(1.2)
    ch = channel(ready_at=math.inf)
    with pytest.raises(Empty):
        _run(ch.get_msg(timeout=0))
    assert ch.socket.polls == [0]


@pytest.mark.parametrize("timeout", [None, -1])
def test_sliced_wait_without_a_limit_waits_for_the_message(sliced, timeout):
    """timeout None (or negative, as pyzmq's poll): no deadline; a message ready at 1.3 s is read after three
    slices."""
    _, channel, clock = sliced
    ch = channel(ready_at=1.3)
    assert _run(ch.get_msg(timeout=timeout))["msg"] == "reply"
    assert ch.socket.polls == [500, 500, 500] and clock.now == 1.5


def test_the_kernel_manager_gives_sliced_channels():
    """The manager passed to nbclient builds clients whose shell, iopub, stdin and control channels are sliced."""
    manager, client, channel = build_book._sliced_client_classes()
    kc = manager().client()
    assert isinstance(kc, client)
    for name in ("shell", "iopub", "stdin", "control"):
        assert getattr(kc, f"{name}_channel_class") is channel
