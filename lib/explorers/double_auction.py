"""Explorer: the linear equilibrium of the k-double auction (U[0, 1] values and costs) and a one-price equilibrium."""
from __future__ import annotations

import numpy as np

from lib.double_auction import linear_equilibrium, linear_outcomes, one_price_outcomes
from lib.explorers import COLOURS, live_explorer, static_explorer

__all__ = ["draw_double_auction", "explore_double_auction", "static_double_auction"]


def draw_double_auction(axes, k: float = 0.5, price: float = 0.5) -> dict:
    """Left: bid b(v) and ask s(c) of the linear equilibrium against truthful offers; right: the trade region
    {v >= (1-k)/2 + c(1+k)/(2-k)} against the efficient region {v >= c} and the one-price region
    {c <= price <= v}. Welfare numbers are the closed forms of lib.double_auction."""
    k, price = float(k), float(price)
    eq, out, step = linear_equilibrium(k), linear_outcomes(k), one_price_outcomes(price)
    left, right = axes
    x = np.linspace(0, 1, 101)
    left.plot(x, x, color=COLOURS["black"], lw=0.8, ls=":", label="truthful")
    left.plot(x, eq.bid(x), color=COLOURS["blue"], label=f"bid b(v) = {eq.alpha_b:.3f} + {eq.beta_b:.3f} v")
    left.plot(x, eq.ask(x), color=COLOURS["orange"], label=f"ask s(c) = {eq.alpha_s:.3f} + {eq.beta_s:.3f} c")
    left.set(xlabel="value v or cost c", ylabel="bid or ask", xlim=(0, 1), ylim=(0, 1.05))
    left.legend(loc="upper left", fontsize=7)
    a, m = eq.trade_threshold
    right.fill_between(x, x, 1, color=COLOURS["sky"], alpha=0.2, label="efficient: v ≥ c")
    right.fill_between(x, np.minimum(a + m * x, 1), 1, color=COLOURS["green"], alpha=0.45, label="linear equilibrium")
    right.plot([0, price, price, 0, 0], [price, price, 1, 1, price], color=COLOURS["red"], lw=1.2, ls="--",
               label=f"one price x = {price:.2f}")
    right.plot(x, x, color=COLOURS["black"], lw=0.8)
    right.set(xlabel="seller's cost c", ylabel="buyer's value v", xlim=(0, 1), ylim=(0, 1))
    right.legend(loc="lower right", fontsize=7)
    right.text(0.5, 0.3, f"linear: {100 * out.efficiency:.1f}% of first best\n"
               f"one price: {100 * step.efficiency:.1f}%", transform=right.transAxes, fontsize=8)
    left.figure.suptitle(f"k = {k:.2f}: trade needs v ≥ {a:.2f} + {m:.2f} c; the linear equilibrium realises "
                         f"{100 * out.efficiency:.1f}% of the gains", fontsize=9)
    return {"efficiency": out.efficiency, "trade_probability": out.trade_probability, "gains": out.gains,
            "buyer_surplus": out.buyer_surplus, "seller_surplus": out.seller_surplus,
            "step_efficiency": step.efficiency}


def explore_double_auction():
    """Live sliders for k and the one-price equilibrium's price (needs a kernel)."""
    import ipywidgets as widgets

    live_explorer(draw_double_auction, {
        "k": widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05, description="k"),
        "price": widgets.FloatSlider(value=0.5, min=0.05, max=0.95, step=0.05, description="price x"),
    }, figsize=(7.5, 3.3))


def static_double_auction():
    """Kernel-free version: one slider for k (11 frames), one-price equilibrium at x = 1/2."""
    return static_explorer(draw_double_auction, sliders={"k": [round(0.1 * i, 1) for i in range(11)]},
                           fixed={"price": 0.5}, title="Linear equilibrium of the k-double auction", ncols=2,
                           figsize=(7.5, 3.3))
