"""Explorer for chapter 5: continuous double auction price paths with ZI-U and ZI-C traders, market by market."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from lib.explorers import COLOURS, static_explorer
from lib.market import GODE_SUNDER_MARKETS, competitive_equilibrium, gode_sunder

__all__ = ["draw_cda", "explore_cda", "static_cda"]


@lru_cache(maxsize=64)
def _run(market: int, traders: str, periods: int, seed: int):
    """One replication, cached: moving a slider back to a market already drawn does not simulate it again."""
    return gode_sunder(market, traders, periods=periods, replications=1, seed=seed)


def draw_cda(ax, market: int = 1, seed: int = 2026, periods: int = 6) -> dict:
    """One seeded replication of market ``market`` (1-5) for ``periods`` periods with ZI-U and with ZI-C traders:
    the trade prices in order (periods separated by dotted lines, ZI-C's) against the band of competitive prices.
    Returns the efficiencies and the numbers of trades shown."""
    market = int(market)
    q, lo, hi = competitive_equilibrium(GODE_SUNDER_MARKETS[market])
    shown = {"market": market, "competitive_quantity": q, "competitive_prices": (lo, hi)}
    ax.axhspan(lo - 0.5, hi + 0.5, color=COLOURS["green"], alpha=0.3, lw=0, label="competitive price(s)")
    for traders, colour in (("ZI-U", COLOURS["orange"]), ("ZI-C", COLOURS["blue"])):
        res = _run(market, traders, int(periods), int(seed))
        prices = res.prices[0]
        x0, xs, ys = 0, [], []
        for period in range(periods):
            p = prices[period][~np.isnan(prices[period])]
            xs.append(np.r_[np.arange(x0, x0 + p.size), np.nan])
            ys.append(np.r_[p, np.nan])
            x0 += p.size
            if traders == "ZI-C":
                ax.axvline(x0 - 0.5, color=COLOURS["black"], lw=0.4, ls=":")
        ax.plot(np.concatenate(xs), np.concatenate(ys), ".-", ms=2.5, lw=0.8, color=colour,
                label=f"{traders}: efficiency {100 * res.efficiency:.1f}%, {int(res.trades.sum())} trades")
        shown[traders] = {"efficiency": res.efficiency, "trades": int(res.trades.sum())}
    ax.set(xlabel="trade number", ylabel="price", ylim=(0, 250))
    ax.legend(loc="upper right", fontsize=7)
    ax.set_title(f"Market {GODE_SUNDER_MARKETS[market].name}: {q} competitive trades per period", fontsize=9)
    return shown


def explore_cda():
    """Live controls: the market (1-5) and the seed of the replication."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    controls = {
        "market": widgets.IntSlider(value=1, min=1, max=5, step=1, description="market"),
        "seed": widgets.IntSlider(value=2026, min=2020, max=2040, step=1, description="seed"),
    }

    def show(**params):
        fig, ax = plt.subplots(figsize=(8, 3.4), layout="constrained")
        draw_cda(ax, **params)
        plt.show()

    out = widgets.interactive_output(show, controls)
    display(widgets.HBox(list(controls.values())), out)


def static_cda():
    """Kernel-free version: one slider for the market (5 frames)."""
    return static_explorer(draw_cda, sliders={"market": [1, 2, 3, 4, 5]}, start={"market": 1},
                           title="Continuous double auction: ZI-U and ZI-C price paths by market",
                           figsize=(8, 3.2), dpi=60, fmt="{:.0f}")
