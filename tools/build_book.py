"""Build the site with warnings as errors: `python tools/build_book.py [--out DIR]`.

SOLUTIONS=0 in the environment builds a student site whose exercise solutions are left out
(sphinx-exercise's `hide_solutions`). The build output goes to DIR/_build/html (default: the repository).
Exits non-zero on any warning, including a notebook cell that fails while executing.

Before Sphinx starts, the book's notebooks that are not in the execution cache are executed in parallel, one per
core (Sphinx executes them one after another), and cached where myst-nb looks for them: the build itself then only
reads the cache. A notebook that fails is not cached, so the build executes it again and reports the error.

The cache is keyed by the notebooks' code cells, so a change in lib/ alone would leave stale outputs in it: the
cache is therefore emptied whenever the fingerprint of what the notebooks import (lib/ and the pinned requirements)
changes. tests/test_book_execution.py compares these executions with the committed outputs, as nbval does.

The kernels run with one BLAS/OpenMP thread each (OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = MKL_NUM_THREADS = 1,
unless already set): two kernels on two cores, each with its own pool of busy-waiting BLAS threads, oversubscribe the
cores, and the notebooks' matrices are small. Each execution prints the notebook's three slowest cells (from
nbclient's per-cell timestamps) and how its wall clock splits into kernel start, cells and shutdown, so that a chapter
that takes much longer than usual says where.

The client waits for each message in slices of POLL_SLICE seconds (`SlicedChannel`). nbclient's single wait for a
cell's reply lasts up to the cell timeout, and pyzmq's asyncio poll looks at the socket one last time when its
timeout fires: a wake-up that the event loop misses is therefore recovered only then. That is consistent with the
120 s stall (the `_config.yml` timeout) seen in most fresh-clone builds before this change, with cells of a few
seconds by the kernel's own clock and no error, though no build has yet shown a missed wake-up directly. Sliced, a
missed wake-up costs at most one slice: each new poll makes pyzmq re-read the socket's (edge-triggered) events and
handle what is pending, a reply to read or a request still to send. Each execution reports the largest gap between a
cell's time on the client's clock and on the kernel's (a request sent late, or any stall inside a cell's wait), the
number of messages that were ready only when a slice ran out (a poll that returned on its timeout path with a
message: a missed wake-up, or one arriving in the slice's last instant), and the largest lag between the kernel's
stamp of a message and its receipt (which also counts queueing in the kernel, scheduling on busy cores and iopub
messages left unread between cells).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def toc_notebooks() -> list[Path]:
    """The notebooks the table of contents names, largest file first (a proxy for the longest to execute)."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str) and (ROOT / node[key]).with_suffix(".ipynb").exists():
                    found.append((ROOT / node[key]).with_suffix(".ipynb"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load((ROOT / "_toc.yml").read_text()))
    return sorted(set(found), key=lambda p: -p.stat().st_size)


FINGERPRINT_FILE = "lib-fingerprint.txt"


def execution_fingerprint() -> str:
    """A hash of every file a notebook's outputs depend on besides its own code: lib/ and the requirements."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "lib").rglob("*.py")) + [ROOT / "requirements.txt", ROOT / "pyproject.toml"]:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def cache_is_current(cache_path: Path) -> bool:
    """Whether the execution cache at ``cache_path`` was filled with today's lib/ and requirements."""
    stamp = cache_path / FINGERPRINT_FILE
    return stamp.is_file() and stamp.read_text().strip() == execution_fingerprint()


THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
POLL_SLICE = 0.5  # seconds: the longest wait for one message before the socket is looked at again


def _sliced_client_classes():
    """(kernel manager class, its client class, channel class): nbclient's async classes, with the shell, iopub,
    stdin and control channels' ``get_msg`` waiting in slices of POLL_SLICE seconds up to the caller's timeout (None: no limit). The channel
    counts, in ``found_late``, the messages that were ready only when a full slice ran out, and keeps the
    ``largest_lag`` between the kernel's stamp of a message (its header's date; kernel and client share the
    machine's clock) and its receipt."""
    from queue import Empty

    from jupyter_client.asynchronous.client import AsyncKernelClient
    from jupyter_client.channels import AsyncZMQSocketChannel
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import Type, default

    class SlicedChannel(AsyncZMQSocketChannel):
        """``get_msg`` in slices of POLL_SLICE seconds up to ``timeout`` (None or negative: no limit, as pyzmq's
        poll; 0: one look)."""
        found_late = 0  # messages that were ready only when a full slice ran out (the poll's timeout path)
        largest_lag = 0.0  # the largest receipt time minus the kernel's stamp of the message

        async def get_msg(self, timeout: float | None = None):
            deadline = None if timeout is None or timeout < 0 else time.monotonic() + timeout
            while True:
                left = math.inf if deadline is None else max(0.0, deadline - time.monotonic())
                wait = min(POLL_SLICE, left)
                began = time.monotonic()
                if await self.socket.poll(round(wait * 1000)):
                    if wait == POLL_SLICE and time.monotonic() - began >= POLL_SLICE:
                        SlicedChannel.found_late += 1
                    msg = await self._recv()
                    sent = msg.get("header", {}).get("date")
                    if hasattr(sent, "timestamp"):
                        SlicedChannel.largest_lag = max(SlicedChannel.largest_lag, time.time() - sent.timestamp())
                    return msg
                if left <= wait:
                    raise Empty

    class SlicedClient(AsyncKernelClient):
        shell_channel_class = Type(SlicedChannel)
        iopub_channel_class = Type(SlicedChannel)
        stdin_channel_class = Type(SlicedChannel)
        control_channel_class = Type(SlicedChannel)

    class SlicedManager(AsyncKernelManager):
        @default("client_factory")
        def _sliced_client(self):
            return SlicedClient

    return SlicedManager, SlicedClient, SlicedChannel


def client_gaps(nb, client_seconds: dict[int, float]) -> tuple[int, float] | None:
    """(index, seconds) of the code cell whose time on the client's clock (``client_seconds``, from nbclient's
    on_cell_start and on_cell_executed hooks) most exceeds its time on the kernel's (execute_input to
    execute_reply), or None if no cell has both."""
    kernel = dict(slowest_cells(nb, count=len(nb.cells)))
    gaps = [(index, seconds - kernel[index]) for index, seconds in client_seconds.items() if index in kernel]
    return max(gaps, key=lambda item: item[1]) if gaps else None


def slowest_cells(nb, count: int = 3) -> list[tuple[int, float]]:
    """(index, seconds) of the ``count`` slowest code cells, from the execute_input and execute_reply timestamps
    nbclient records in each cell's metadata (cells without them are skipped)."""
    from datetime import datetime
    timed = []
    for index, cell in enumerate(nb.cells):
        stamps = cell.get("metadata", {}).get("execution", {})
        start, end = stamps.get("iopub.execute_input"), stamps.get("shell.execute_reply")
        if cell.cell_type == "code" and start and end:
            seconds = (datetime.fromisoformat(end.replace("Z", "+00:00"))
                       - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
            timed.append((index, seconds))
    return sorted(timed, key=lambda item: -item[1])[:count]


def _execute(path: str, timeout: int, allow_errors: bool):
    """Execute one notebook. Returns (path, executed notebook as text, seconds, error or None, report): the report
    names the three slowest cells by the kernel's timestamps and splits the client's wall clock into kernel start,
    cells and shutdown (nbclient's hooks), names the cell with the largest gap between the client's clock and the
    kernel's, and counts the messages that reached the client late (see the module's docstring)."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution
    nb = nbformat.read(path, as_version=4)
    manager, _, channel = _sliced_client_classes()
    clock = {"entry": time.perf_counter()}
    started: dict[int, float] = {}
    client_seconds: dict[int, float] = {}

    def cell_executed(cell_index, **_):
        clock["last_cell"] = time.perf_counter()
        client_seconds[cell_index] = clock["last_cell"] - started[cell_index]

    hooks = dict(on_notebook_start=lambda **_: clock.setdefault("ready", time.perf_counter()),
                 on_cell_start=lambda cell_index, **_: started.__setitem__(cell_index, time.perf_counter()),
                 on_cell_executed=cell_executed,
                 on_notebook_complete=lambda **_: clock.setdefault("done", time.perf_counter()))
    result = single_nb_execution(nb, cwd=str(Path(path).parent), allow_errors=allow_errors, timeout=timeout,
                                 meta_override=True, record_timing=True, kernel_manager_class=manager, **hooks)
    cells = ", ".join(f"cell {index} {seconds:.1f} s" for index, seconds in slowest_cells(nb))
    ready, last, done = (clock.get(key, math.nan) for key in ("ready", "last_cell", "done"))
    gap = client_gaps(nb, client_seconds)
    report = (f"slowest: {cells}; kernel start {ready - clock['entry']:.1f} s, cells {last - ready:.1f} s, "
              f"shutdown {done - last:.1f} s, of the cells' time {last - ready - sum(client_seconds.values()):.1f} s "
              f"between cells; largest client-over-kernel gap "
              f"{'none' if gap is None else f'cell {gap[0]} {gap[1]:.2f} s'}; "
              f"messages ready only when a slice ran out {channel.found_late}; "
              f"largest lag from the kernel's stamp {channel.largest_lag:.2f} s")
    for cell in nb.cells:  # the timestamps served their purpose: cache the notebook as it would be without them
        cell.get("metadata", {}).pop("execution", None)
    return path, nbformat.writes(nb), result.time, None if result.err is None else repr(result.err), report


def prefill_cache(cache_path: Path, execute: dict, workers: int | None = None) -> None:
    """Execute the book's uncached notebooks in parallel and add them to the jupyter-cache at ``cache_path``."""
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    if execute.get("execute_notebooks", "auto") != "cache":
        return
    if cache_path.exists() and not cache_is_current(cache_path):
        print(f"lib/ or the requirements changed since {cache_path} was filled: emptying it")
        shutil.rmtree(cache_path)
    cache = get_cache(str(cache_path))
    cache_path.mkdir(parents=True, exist_ok=True)
    (cache_path / FINGERPRINT_FILE).write_text(execution_fingerprint() + "\n")
    todo = []
    for path in toc_notebooks():
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            todo.append(path)
    if not todo:
        return
    workers = workers or min(len(todo), os.cpu_count() or 1)
    for name in THREAD_VARIABLES:  # inherited by the pool's processes and their kernels
        os.environ.setdefault(name, "1")
    start = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        jobs = [pool.submit(_execute, str(path), int(execute.get("timeout", 30)),
                            bool(execute.get("allow_errors", False))) for path in todo]
        for job in concurrent.futures.as_completed(jobs):
            path, text, seconds, error, report = job.result()
            name = Path(path).relative_to(ROOT)
            if error is not None:
                print(f"{name}: execution failed ({error}); the build will execute it again and report it")
                continue
            cache.add_nb_to_project(path)
            cache.cache_notebook_bundle(CacheBundleIn(nbformat.reads(text, as_version=4), path,
                                                      data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            print(f"{name}: executed in {seconds:.1f} s ({report})")
    print(f"executed {len(todo)} notebooks on {workers} workers in {time.perf_counter() - start:.1f} s")


def build(out: Path, solutions: bool) -> int:
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT),
               "-W", "-n", "--keep-going", "--path-output", str(out)]
    with tempfile.TemporaryDirectory() as tmp:
        if not solutions:
            config = yaml.safe_load((ROOT / "_config.yml").read_text())
            config["sphinx"]["config"]["hide_solutions"] = True
            # Share the execution cache of the main build, so a student build does not re-run every notebook.
            config["execute"]["cache"] = str(ROOT / "_build" / ".jupyter_cache")
            # Paths in a config are read relative to the config file: make them absolute for the copy.
            config["sphinx"]["local_extensions"] = {
                name: str(ROOT / path) for name, path in config["sphinx"]["local_extensions"].items()}
            config["bibtex_bibfiles"] = [str(ROOT / f) for f in config["bibtex_bibfiles"]]
            config["html"]["favicon"] = str(ROOT / config["html"]["favicon"])
            (Path(tmp) / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
            command += ["--config", str(Path(tmp) / "_config.yml")]
        execute = yaml.safe_load((ROOT / "_config.yml").read_text()).get("execute", {})
        prefill_cache(ROOT / "_build" / ".jupyter_cache" if not solutions else out / "_build" / ".jupyter_cache",
                      execute)
        start = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if result.returncode == 0:
        print(f"built {out / '_build' / 'html' / 'index.html'} in {elapsed:.1f} s"
              f"{' (solutions hidden)' if not solutions else ''}")
    return result.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT, help="folder that receives _build/ (default: repo)")
    args = parser.parse_args()
    solutions = os.environ.get("SOLUTIONS", "1") not in {"0", "false", "no"}
    return build(args.out.resolve(), solutions)


if __name__ == "__main__":
    sys.exit(main())
