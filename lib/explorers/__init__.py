"""Interactive explorers, in two forms built from the same pure drawing functions.

Each model module here (``lib/explorers/<model>.py``) provides

- ``draw_<name>(axes, **params)``: pure; computes with ``lib`` and draws on the given matplotlib axes (a
  first parameter named ``ax`` takes one panel, ``axes`` a (left, right) pair, unless the function has an
  ``ncols`` attribute; ``benchmarks/explorers.py`` relies on this);
  returns a small dict of the headline numbers it displays (tested in ``tests/``);
- ``explore_<name>()``: a thin ipywidgets wrapper (sliders whose ranges keep the model valid) for a kernel, made
  with :func:`live_explorer`;
- ``static_<name>()``: the kernel-free version for the website, made with :func:`static_explorer`.

:func:`static_explorer` renders the drawing function once per slider position at build time and returns HTML
with native range inputs that swap the pre-rendered frames. It needs no kernel, no JavaScript library and no
network, so it works on the static site and in JupyterLab alike.
"""
from __future__ import annotations

import base64
import html
import inspect
import io
import itertools
import json
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

# No matplotlib.use(...) here: it would switch a notebook away from the inline backend (its figures would then
# vanish); a standalone Figure renders to PNG without any pyplot backend.
from matplotlib.figure import Figure

__all__ = ["StaticExplorer", "static_explorer", "live_explorer", "panels", "new_axes", "COLOURS"]

# Okabe–Ito colour-blind-safe palette.
COLOURS = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "red": "#D55E00",
    "purple": "#CC79A7", "sky": "#56B4E9", "yellow": "#F0E442", "black": "#000000",
}

# One handler for every slider: combine the slider positions into a frame index, show that frame, and tell assistive
# technology the new value (aria-valuetext "name = value"; the <output> beside the slider shows the same value).
_HANDLER = (
    "(function(r){var k=0;r.querySelectorAll('input.kf-slider').forEach(function(x){"
    "var v=JSON.parse(x.dataset.labels)[+x.value];k=k*(+x.max+1)+(+x.value);"
    "x.nextElementSibling.textContent=v;x.setAttribute('aria-valuetext',x.dataset.name+' = '+v);});"
    "r.querySelectorAll('img.kf-frame').forEach(function(m,i){m.style.display=(i===k)?'':'none';});"
    "})(this.closest('.kf-explorer'))"
)


def new_axes(ncols: int = 1, figsize: tuple[float, float] = (8.0, 3.6)):
    """A standalone figure (not registered with pyplot) and its axes, for drawing functions and tests."""
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, ncols)
    return fig, axes


def panels(draw: Callable) -> int:
    """How many axes a drawing function takes: ``draw_x(ax, ...)`` one, ``draw_x(axes, ...)`` a (left, right)
    pair, unless it says otherwise with an ``ncols`` attribute."""
    first = next(iter(inspect.signature(draw).parameters))
    return getattr(draw, "ncols", 1 if first == "ax" else 2)


def live_explorer(draw: Callable, controls: Mapping[str, object], *, figsize: tuple[float, float],
                  rows: Sequence[Sequence[str]] | None = None) -> None:
    """Display ipywidgets ``controls`` (parameter name -> widget) and redraw ``draw(axes, **values)`` on a fresh
    pyplot figure whenever one of them moves (needs a kernel). ``rows`` groups the controls by name into rows
    (default: one row)."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    ncols = panels(draw)

    def show(**params):
        fig, axes = plt.subplots(1, ncols, figsize=figsize, layout="constrained")
        draw(axes, **params)
        plt.show()

    out = widgets.interactive_output(show, dict(controls))
    rows = rows or [list(controls)]
    boxes = [widgets.HBox([controls[name] for name in row]) for row in rows]
    display(boxes[0] if len(boxes) == 1 else widgets.VBox(boxes), out)


@dataclass(frozen=True)
class StaticExplorer:
    """Pre-rendered frames of a drawing function over a grid of slider values; displays as HTML."""

    title: str
    names: tuple[str, ...]
    labels: tuple[tuple[str, ...], ...]
    start: tuple[int, ...]
    frames: tuple[str, ...]  # base64 PNGs in row-major order of the sliders

    @property
    def nbytes(self) -> int:
        """Size of the HTML this explorer adds to a page."""
        return len(self._repr_html_().encode())

    def __repr__(self) -> str:
        return f"StaticExplorer({self.title!r}, {len(self.frames)} frames)"

    def frame_alt(self, index: int) -> str:
        """Alt text of frame `index` (row-major over the sliders): the explorer's title and every parameter's value."""
        values, rest = [], index
        for labels in reversed(self.labels):
            rest, position = divmod(rest, len(labels))
            values.append(labels[position])
        settings = ", ".join(f"{name} = {value}" for name, value in zip(self.names, reversed(values)))
        return f"{self.title}: the figure for {settings}"

    def _repr_html_(self) -> str:
        handler = html.escape(_HANDLER, quote=True)
        flat = 0
        for size, index in zip((len(l) for l in self.labels), self.start):
            flat = flat * size + index
        sliders = "".join(
            f'<label style="margin-right:1.5em">{html.escape(name)} '
            f'<input type="range" class="kf-slider" min="0" max="{len(labels) - 1}" step="1" value="{index}" '
            f'data-labels="{html.escape(json.dumps(list(labels)), quote=True)}" '
            f'data-name="{html.escape(name, quote=True)}" oninput="{handler}" '
            f'aria-label="{html.escape(name, quote=True)}" '
            f'aria-valuetext="{html.escape(f"{name} = {labels[index]}", quote=True)}">'
            f'<output aria-hidden="true">{html.escape(labels[index])}</output></label>'
            for name, labels, index in zip(self.names, self.labels, self.start)
        )
        images = "".join(
            f'<img class="kf-frame" alt="{html.escape(self.frame_alt(i), quote=True)}" style="max-width:100%;'
            f'{"" if i == flat else "display:none"}" src="data:image/png;base64,{frame}">'
            for i, frame in enumerate(self.frames)
        )
        shown = ", ".join(f"{name} = {labels[index]}" for name, labels, index in
                          zip(self.names, self.labels, self.start))
        # Shown in print only (the site's print stylesheet): a printed page has one frame and no working slider.
        note = (f'<p class="kf-print-note" style="display:none">Printed: one frame of an interactive explorer '
                f'({html.escape(shown)}). To move the sliders, open this chapter on the course website '
                f'(it works offline, with no kernel) or run the chapter notebook in JupyterLab.</p>')
        return (
            f'<div class="kf-explorer" role="group" aria-label="{html.escape(self.title, quote=True)}" '
            f'style="border:1px solid #767676;padding:8px;border-radius:4px">'
            f'<div style="font-weight:bold">{html.escape(self.title)}</div>'
            f'<div class="kf-controls">{sliders}</div>{images}{note}</div>'
        )


def _png(fig: Figure, dpi: int) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def static_explorer(
    draw: Callable,
    sliders: Mapping[str, Sequence[float]],
    *,
    fixed: Mapping[str, object] | None = None,
    start: Mapping[str, float] | None = None,
    title: str = "Explorer",
    ncols: int = 1,
    figsize: tuple[float, float] = (8.0, 3.6),
    dpi: int = 72,
    fmt: str = "{:.2f}",
) -> StaticExplorer:
    """Render ``draw(axes, **fixed, **slider_values)`` for every combination of slider values.

    ``sliders`` maps a parameter name to the values its slider steps through (keep the product small: each
    combination is one image, about 20-40 kB). ``start`` picks the initial value of each slider (default: the
    middle one).
    """
    fixed = dict(fixed or {})
    names = tuple(sliders)
    if not names:
        raise ValueError("sliders must name at least one parameter")
    grids = [list(sliders[n]) for n in names]
    if any(len(g) < 2 for g in grids):
        raise ValueError("every slider needs at least two values")
    start = dict(start or {})
    start_index = tuple(
        min(range(len(g)), key=lambda i: abs(g[i] - start[n])) if n in start else len(g) // 2
        for n, g in zip(names, grids)
    )
    frames = []
    for values in itertools.product(*grids):
        fig, axes = new_axes(ncols, figsize)
        draw(axes, **fixed, **dict(zip(names, values)))
        frames.append(_png(fig, dpi))
    labels = tuple(tuple(fmt.format(v) for v in g) for g in grids)
    return StaticExplorer(title, names, labels, start_index, tuple(frames))
