"""Explorer: the regular equilibrium of the k-double auction when both values and costs are Beta(a, b)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from lib.bne import ConvergenceError, solve_double_auction
from lib.distributions import beta
from lib.explorers import COLOURS, new_axes, static_explorer

__all__ = ["draw_bne", "explore_bne", "static_bne", "solved_beta"]


@lru_cache(maxsize=512)
def solved_beta(a: float, b: float, k: float):
    """Cached (result, outcomes) for buyer and seller priors Beta(a, b) on [0, 1], or (None, message) where no
    regular equilibrium exists (the solver's ConvergenceError, NoRegularEquilibrium included, cached as well). Solved
    to mismatch 1e-8 (rtol 1e-9), ample for a figure; where there are several regular equilibria it is the solver's
    default, the Pareto-best (0.5-3 s per new setting, then cached)."""
    prior = beta(a, b)
    try:
        result = solve_double_auction(prior, prior, k, rtol=1e-9, tol=1e-8)
    except ConvergenceError as error:
        return None, str(error)
    return result, result.outcomes()


def draw_bne(axes, a: float = 2.0, b: float = 2.0, k: float = 0.5) -> dict:
    """Left: bid b(v) and ask s(c) against the 45-degree line; right: the trade region in (c, v)."""
    a, b, k = round(float(a), 2), round(float(b), 2), round(float(k), 2)
    result, out = solved_beta(a, b, k)
    left, right = axes
    x = np.linspace(0, 1, 201)
    if result is None:  # say so on the figure rather than draw something wrong
        for ax in axes:
            ax.plot(x, x, color=COLOURS["black"], lw=0.8, ls=":")
            ax.set(xlim=(0, 1), ylim=(0, 1))
        left.set(xlabel="value v or cost c", ylabel="bid or ask")
        right.set(xlabel="seller's cost c", ylabel="buyer's value v")
        right.text(0.03, 0.9, "no regular equilibrium", transform=right.transAxes)
        left.figure.suptitle(f"Beta({a:g}, {b:g}) priors, k = {k:g}: no equilibrium with finite, non-zero end "
                             "slopes", fontsize=10)
        return {"efficiency": None, "trade_probability": None, "p_lo": None, "p_hi": None}
    left.plot(x, x, color=COLOURS["black"], lw=0.8, ls=":", label="truthful")
    left.plot(x, result.bid(x), color=COLOURS["blue"], label="bid b(v)")
    left.plot(x, result.ask(x), color=COLOURS["orange"], label="ask s(c)")
    left.set(xlabel="value v or cost c", ylabel="bid or ask", xlim=(0, 1), ylim=(0, 1))
    left.legend(loc="upper left", fontsize=8)
    c = np.linspace(0, result.price_range[1], 201)
    threshold = result.inverse(result.ask(c))[0]  # the lowest buyer type who trades with seller c
    right.fill_between(c, threshold, 1, color=COLOURS["green"], alpha=0.35, label="trade")
    right.fill_between(x, x, 1, color=COLOURS["sky"], alpha=0.15, label="first best")
    right.plot(x, x, color=COLOURS["black"], lw=0.8)
    right.set(xlabel="seller's cost c", ylabel="buyer's value v", xlim=(0, 1), ylim=(0, 1))
    right.legend(loc="lower right", fontsize=8)
    right.text(0.03, 0.9, f"efficiency {100 * out.efficiency:.1f}%", transform=right.transAxes)
    left.figure.suptitle(f"Beta({a:g}, {b:g}) priors, k = {k:g}: trade needs v well above c; "
                         f"{100 * out.efficiency:.1f}% of the first best", fontsize=10)
    return {"efficiency": out.efficiency, "trade_probability": out.trade_probability,
            "p_lo": result.price_range[0], "p_hi": result.price_range[1]}


def explore_bne():
    """Live sliders for a, b and k (needs a kernel); a new setting takes 0.5-3 s to solve, then it is cached."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    sliders = {
        "a": widgets.FloatSlider(value=2.0, min=1.0, max=4.0, step=0.5, description="a"),
        "b": widgets.FloatSlider(value=2.0, min=1.0, max=4.0, step=0.5, description="b"),
        "k": widgets.FloatSlider(value=0.5, min=0.1, max=0.9, step=0.1, description="k"),
    }

    def show(a, b, k):
        fig, axes = plt.subplots(1, 2, figsize=(8, 3.6), layout="constrained")
        draw_bne(axes, a=a, b=b, k=k)
        plt.show()

    out = widgets.interactive_output(show, sliders)
    display(widgets.HBox(list(sliders.values())), out)


def static_bne():
    """Kernel-free version: one slider for k at Beta(2, 2) priors (3 frames: each new k is a solve)."""
    return static_explorer(draw_bne, sliders={"k": [0.25, 0.5, 0.75]}, fixed={"a": 2.0, "b": 2.0},
                           title="Regular equilibrium with Beta(2, 2) values and costs", ncols=2)
