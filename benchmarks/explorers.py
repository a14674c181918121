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
import time
from pathlib import Path

import lib.explorers as explorers
from lib.explorers import new_axes

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 30


def _draw_functions():
    for info in sorted(pkgutil.iter_modules(explorers.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"lib.explorers.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("draw_") and function.__module__ == module.__name__:
                yield f"{info.name}.{name}", function


def time_draw(function) -> tuple[float, float]:
    fig, axes = new_axes(getattr(function, "ncols", 1))  # a draw function with several panels says how many
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
    if html.exists():
        print("\npage weights of the built site (HTML incl. embedded explorer frames; images it links)")
        for page in sorted((html / "chapters").glob("*.html")):
            print(f"  {page.relative_to(html).as_posix():45s} {page.stat().st_size / 1e3:8.0f} kB")
        images = html / "_images"
        if images.exists():
            total = sum(p.stat().st_size for p in images.iterdir())
            print(f"  {'_images/ (all figures, shared)':45s} {total / 1e3:8.0f} kB")
        static = sum(p.stat().st_size for p in (html / "_static").rglob("*") if p.is_file())
        print(f"  {'_static/ (theme, MathJax, widget manager; cached)':45s} {static / 1e3:8.0f} kB")
    else:
        print("\n(no built site: run `make book` to report page weights)")


if __name__ == "__main__":
    main()
