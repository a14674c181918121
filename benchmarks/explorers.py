"""Explorer update times and page weights (target: median update <= 50 ms).

An update is what a slider move costs in JupyterLab: clear the axes, call the pure `draw_*` function (which
solves the model) and render the figure with Agg. Each explorer is timed over REPEATS updates with its default
parameters. Page weights are read from the built site (`make book` first) when it exists.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import statistics
import sys
import time
from pathlib import Path

import lib.explorers as explorers
from lib.explorers import new_axes, panels

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 30
VERBOSE = "-v" in sys.argv  # list each page's largest resources


def _draw_functions():
    for info in sorted(pkgutil.iter_modules(explorers.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"lib.explorers.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("draw_") and function.__module__ == module.__name__:
                yield f"{info.name}.{name}", function


def time_draw(function) -> tuple[float, float]:
    fig, axes = new_axes(panels(function))
    axes_list = list(axes.flat) if hasattr(axes, "flat") else [axes]
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for ax in axes_list:
            ax.clear()
        function(axes)
        fig.canvas.draw()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3, max(times) * 1e3


def main() -> None:
    print(f"{'explorer':45s} {'median ms':>10s} {'max ms':>8s}  target <= 50 ms median")
    for name, function in _draw_functions():
        median, worst = time_draw(function)
        flag = "ok" if median <= 50 else "SLOW"
        print(f"{name:45s} {median:10.1f} {worst:8.1f}  {flag}")
    html = ROOT / "_build" / "html"
    if not html.exists():
        print("\n(no built site: run `make book` to report page weights)")
        return
    print("\npage weight: bytes a browser with an empty cache loads for each chapter page (HTML, explorer frames,")
    print("theme, MathJax and fonts), measured in headless Chromium; the HTML alone in brackets")
    for relative, total, page_bytes in page_weights(html):
        print(f"  {relative:45s} {total / 1e6:6.2f} MB  ({page_bytes / 1e6:.2f} MB HTML)")


def page_weights(html: Path):
    """(page, bytes loaded by a cold browser, bytes of the HTML itself) for each chapter page."""
    import functools
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    results = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--headless", "--no-sandbox", "--disable-gpu",
                                              "--disable-background-networking"])
            for page_path in sorted((html / "chapters").glob("*.html")):
                context = browser.new_context()
                page = context.new_page()
                responses = []
                page.on("response", lambda r: responses.append(r))
                page.goto(f"{base}/{page_path.relative_to(html).as_posix()}", wait_until="networkidle")
                sizes = {r.url: len(r.body()) for r in responses if r.ok}  # bodies read before the page closes
                context.close()
                if VERBOSE:
                    for url, size in sorted(sizes.items(), key=lambda item: -item[1])[:12]:
                        print(f"    {size / 1e3:8.0f} kB  {url.removeprefix(base)}")
                results.append((page_path.relative_to(html).as_posix(), sum(sizes.values()), page_path.stat().st_size))
            browser.close()
    finally:
        server.shutdown()
    return results

if __name__ == "__main__":
    main()
