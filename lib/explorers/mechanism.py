"""Explorer: the trading regions of the first best, the second-best mechanism and the k-double auction's regular
equilibrium in the (c, v) square, for a few prior pairs, with each one's share of the first best."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from lib.bne import ConvergenceError, solve_double_auction
from lib.distributions import beta, uniform
from lib.double_auction import linear_equilibrium, linear_outcomes
from lib.explorers import COLOURS, static_explorer
from lib.mechanism import posted_price, second_best

__all__ = ["PRIOR_PAIRS", "priors", "solved_mechanism", "solved_auction", "draw_mechanism", "explore_mechanism",
           "static_mechanism"]

# name -> (buyer's prior, seller's prior), all on [0, 1]
PRIOR_PAIRS = {
    "uniform": ((1, 1), (1, 1)),
    "Beta(2,2)": ((2, 2), (2, 2)),
    "Beta(3,3)": ((3, 3), (3, 3)),
    "Beta(4,4)": ((4, 4), (4, 4)),
    "Beta(5,2)/Beta(2,5)": ((5, 2), (2, 5)),
}


def priors(name: str):
    """(buyer, seller) frozen priors of a named pair (uniform is lib.distributions.uniform on [0, 1])."""
    if name not in PRIOR_PAIRS:
        raise ValueError(f"name must be one of {sorted(PRIOR_PAIRS)}; got {name!r}")
    if name == "uniform":
        return uniform(), uniform()
    (a1, b1), (a2, b2) = PRIOR_PAIRS[name]
    return beta(a1, b1), beta(a2, b2)


@lru_cache(maxsize=None)
def solved_mechanism(name: str):
    """Cached (second best, best posted price) for a named prior pair."""
    buyer, seller = priors(name)
    return second_best(buyer, seller), posted_price(buyer, seller)


@lru_cache(maxsize=64)
def solved_auction(name: str, k: float):
    """Cached k-double auction for a named pair: ("linear", LinearEquilibrium, Outcomes) for uniform priors
    (Chatterjee and Samuelson's closed form), ("bne", BNEResult, Outcomes) from lib.bne's regular equilibrium
    (mismatch tolerance 1e-8, rtol 1e-9), or ("none", message, None) where lib.bne finds none."""
    k = round(float(k), 4)
    if name == "uniform":
        return "linear", linear_equilibrium(k), linear_outcomes(k)
    buyer, seller = priors(name)
    try:
        result = solve_double_auction(buyer, seller, k, rtol=1e-9, tol=1e-8)
    except (ConvergenceError, ValueError) as error:
        return "none", str(error), None
    return "bne", result, result.outcomes()


def _auction_boundary(kind, eq, c):
    """Lowest buyer type who trades with seller type c in the auction's equilibrium (nan where c never trades)."""
    if kind == "linear":
        ask = eq.alpha_s + eq.beta_s * c
        v = (ask - eq.alpha_b) / eq.beta_b
        return np.where(v <= 1, v, np.nan)
    c_top = eq.seller_range[1]
    inside = c < c_top
    v = np.full(c.shape, np.nan)
    v[inside] = eq.inverse(eq.ask(c[inside]))[0]
    return v


def draw_mechanism(ax, prior: str = "Beta(2,2)", k: float = 0.5) -> dict:
    """The (c, v) square: first best v >= c (light), second best (green), the k-double auction's equilibrium
    boundary (orange) and the best posted price (dashed); returns each one's share of the first best."""
    sb, pp = solved_mechanism(prior)
    kind, eq, out = solved_auction(prior, k)
    c = np.linspace(0, 1, 301)
    v = np.linspace(0, 1, 301)
    # second best: lowest v that trades with c, by inverting the non-decreasing threshold t(v) on a grid of types
    t = np.maximum.accumulate(sb.threshold(np.clip(v, 1e-9, 1 - 1e-9)))
    idx = np.searchsorted(t, c, side="left")
    v_sb = np.where(idx < v.size, v[np.minimum(idx, v.size - 1)], np.nan)
    ax.fill_between(c, c, 1, color=COLOURS["sky"], alpha=0.2, label="first best: v ≥ c")
    ax.fill_between(c, np.where(np.isnan(v_sb), 1, v_sb), 1, color=COLOURS["green"], alpha=0.4,
                    label=f"second best: {100 * sb.efficiency:.1f}%")
    if out is not None:
        ax.plot(c, _auction_boundary(kind, eq, c), color=COLOURS["orange"], lw=2,
                label=f"double auction, k = {k:g}: {100 * out.efficiency:.1f}%")
        da = out.efficiency
    else:
        ax.text(0.03, 0.92, "no regular equilibrium found by lib.bne", transform=ax.transAxes, fontsize=8)
        da = None
    p = pp.price
    ax.plot([0, p, p], [p, p, 1], color=COLOURS["black"], ls="--", lw=1,
            label=f"posted price {p:.2f}: {100 * pp.efficiency:.1f}%")
    ax.plot(c, c, color=COLOURS["black"], lw=0.8)
    ax.set(xlabel="seller's cost c", ylabel="buyer's value v", xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="lower right", fontsize=7)
    ax.set_title(f"{prior} priors: every mechanism leaves out pairs near v = c", fontsize=10)
    return {"second_best": sb.efficiency, "double_auction": da, "posted_price": pp.efficiency}


def explore_mechanism():
    """Live controls for the prior pair and k (needs a kernel); a new Beta setting takes about 0.5 s to solve."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    controls = {
        "prior": widgets.Dropdown(options=list(PRIOR_PAIRS), value="Beta(2,2)", description="priors"),
        "k": widgets.FloatSlider(value=0.5, min=0.1, max=0.9, step=0.1, description="k"),
    }

    def show(prior, k):
        fig, ax = plt.subplots(figsize=(5.5, 4.5), layout="constrained")
        draw_mechanism(ax, prior=prior, k=k)
        plt.show()

    out = widgets.interactive_output(show, controls)
    display(widgets.HBox(list(controls.values())), out)


def static_mechanism():
    """Kernel-free version: one slider over the prior pairs at k = 1/2 (5 frames; reuses cached solutions)."""
    return static_explorer(draw_mechanism, sliders={"prior": list(PRIOR_PAIRS)}, fixed={"k": 0.5},
                           start={}, title="Trading regions of the first best, the second best and the double "
                           "auction (k = 1/2)", ncols=1, figsize=(5.5, 4.5), fmt="{}")
