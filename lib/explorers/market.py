"""Explorers for chapter 5: supply and demand of the m-trader k-double auction (true values and costs against the
equilibrium bids and asks, with the clearing price) as m grows, and continuous double auction price paths with
ZI-U and ZI-C traders, market by market.

Both are fast on a slider move because nothing is solved or simulated there: the equilibria and the simulated
markets are computed once (or handed over by the chapter, which has computed them already) and cached; a move only
draws.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Mapping

import numpy as np

from lib.explorers import COLOURS, live_explorer, static_explorer
from lib.market import GODE_SUNDER_MARKETS, CDAResult, KDoubleAuction, clear, competitive_equilibrium, gode_sunder, \
    k_double_auction

__all__ = ["draw_supply_demand", "explore_supply_demand", "static_supply_demand", "draw_cda", "explore_cda",
           "static_cda", "MARKET_SIZES", "REPLICATIONS"]

MARKET_SIZES = (1, 2, 4, 8, 16)   # the supply-and-demand explorer's values of m
REPLICATIONS = 200                # replications per market for the CDA explorer: the chapter's table, seed 2026

# --------------------------------------------------------------------------------------------------------------
# supply and demand with the equilibrium offers
# --------------------------------------------------------------------------------------------------------------

_EQUILIBRIA: dict[tuple[int, float], KDoubleAuction] = {}


def remember(equilibria) -> None:
    """Add already computed equilibria (KDoubleAuction results, or a mapping whose values are) to the cache used
    by :func:`draw_supply_demand`, so that the explorer does not solve them again."""
    values = equilibria.values() if isinstance(equilibria, Mapping) else equilibria
    for e in values:
        if not isinstance(e, KDoubleAuction):
            raise TypeError(f"equilibria must be KDoubleAuction results; got {type(e).__name__}")
        _EQUILIBRIA[(e.m, e.k)] = e


def _equilibrium(m: int, k: float) -> KDoubleAuction:
    key = (int(m), float(k))
    if key not in _EQUILIBRIA:
        _EQUILIBRIA[key] = k_double_auction(*key)
    return _EQUILIBRIA[key]


@lru_cache(maxsize=256)
def _sample(m: int, draw: int):
    """The values and costs of one market: m buyers' values and m sellers' costs, U[0, 1], seeded by (m, draw)."""
    rng = np.random.default_rng([2026, m, draw])
    v, c = rng.random(m), rng.random(m)
    return v, c


def _steps(levels):
    """x, y of a step curve: level i on the quantity interval [i/m, (i+1)/m] (quantity as a share of m)."""
    n = len(levels)
    x = np.repeat(np.arange(n + 1) / n, 2)[1:-1]
    return x, np.repeat(levels, 2)


def draw_supply_demand(ax, m: int = 4, draw: int = 0, k: float = 0.5) -> dict:
    """One market of m buyers and m sellers with values and costs drawn from U[0, 1] (seeded by m and ``draw``):
    true demand (values, highest first) and supply (costs, lowest first) as step curves, against the demand and
    supply of the equilibrium bids b(v) and asks a(c) of :func:`lib.market.k_double_auction`; the k-double auction's
    clearing price of the offers and the band of competitive prices of the true values and costs. Quantity is
    shown as a share of m so that markets of different sizes compare. Returns the numbers the figure displays:
    trades at the equilibrium offers and efficient trades in this market, this market's realised efficiency (None
    when no value exceeds any cost: there are no gains to realise), and the equilibrium's expected efficiency."""
    m = int(m)
    e = _equilibrium(m, k)
    v, c = _sample(m, int(draw))
    bids, asks = np.asarray(e.bid(v), float), np.asarray(e.ask(c), float)
    offers = clear(bids, asks, k)
    truthful = clear(v, c, k)
    best = float(np.sum(np.maximum(np.sort(v)[::-1] - np.sort(c), 0)))
    realised = float(np.sum(v[np.array(offers.buyers_trade)]) - np.sum(c[np.array(offers.sellers_trade)]))
    share = realised / best if best > 0 else None      # no value above any cost: no gains to realise
    lo = float(np.sort(np.r_[v, c])[m - 1])
    hi = float(np.sort(np.r_[v, c])[m])
    ax.axhspan(lo, hi, color=COLOURS["green"], alpha=0.3, lw=0, label="competitive prices (true values)")
    for levels, colour, style, label in (
            (np.sort(v)[::-1], COLOURS["blue"], "-", "demand: values"),
            (np.sort(c), COLOURS["orange"], "-", "supply: costs"),
            (np.sort(bids)[::-1], COLOURS["blue"], "--", "equilibrium bids b(v)"),
            (np.sort(asks), COLOURS["orange"], "--", "equilibrium asks a(c)")):
        ax.plot(*_steps(levels), style, color=colour, lw=1.4, label=label)
    ax.axhline(offers.price, color=COLOURS["black"], lw=0.9, ls=":", label=f"clearing price {offers.price:.3f}")
    ax.set(xlabel="quantity (share of the m traders per side)", ylabel="value, cost or offer", xlim=(0, 1),
           ylim=(-0.02, 1.02))
    ax.legend(loc="center right", fontsize=7)
    ax.text(0.02, 0.04, f"{offers.trades} trades at the offers, {truthful.trades} efficient\n"
            + (f"this market: {100 * share:.1f}% of the gains" if share is not None else
               "this market: no gains from trade")
            + f"\nexpected: {100 * e.efficiency:.2f}%",
            transform=ax.transAxes, fontsize=8)
    ax.set_title(f"m = {m} buyers and sellers: offers shade values by up to {e.misreport:.3f}; expected efficiency "
                 f"{100 * e.efficiency:.2f}%", fontsize=9)
    return {"m": m, "price": offers.price, "trades": offers.trades, "efficient_trades": truthful.trades,
            "competitive_prices": (lo, hi), "realised_efficiency": share, "efficiency": e.efficiency,
            "misreport": e.misreport}


def explore_supply_demand(equilibria=()):
    """Live controls: m (1, 2, 4, 8, 16) and which random market is drawn; k = 1/2. ``equilibria``: already
    computed k_double_auction results to reuse (see :func:`remember`)."""
    import ipywidgets as widgets

    remember(equilibria)
    controls = {
        "m": widgets.SelectionSlider(options=list(MARKET_SIZES), value=4, description="m"),
        "draw": widgets.IntSlider(value=0, min=0, max=9, step=1, description="market drawn"),
    }
    live_explorer(draw_supply_demand, controls, figsize=(8, 3.6))


def static_supply_demand(equilibria=()):
    """Kernel-free version: one slider for m (5 frames), the first market drawn, k = 1/2."""
    remember(equilibria)
    return static_explorer(draw_supply_demand, sliders={"m": list(MARKET_SIZES)}, fixed={"draw": 0},
                           start={"m": 4}, title="Supply, demand and the equilibrium offers as m grows",
                           figsize=(8, 3.4), dpi=60, fmt="{:.0f}")


# --------------------------------------------------------------------------------------------------------------
# continuous double auction price paths
# --------------------------------------------------------------------------------------------------------------

_RUNS: dict[tuple[int, str], CDAResult] = {}


def remember_runs(runs: Mapping) -> None:
    """Add simulated markets to the cache used by :func:`draw_cda`: {(market, traders): CDAResult} of
    ``gode_sunder(market, traders, periods=6, replications=200, steps=300, seed=2026)`` (the chapter's table), the
    runs :func:`draw_cda` would otherwise simulate itself; runs of another size are refused."""
    for (market, traders), res in runs.items():
        if not isinstance(res, CDAResult):
            raise TypeError(f"runs must map (market, traders) to CDAResult; got {type(res).__name__}")
        if (res.periods, res.replications, res.steps) != (6, REPLICATIONS, 300):
            raise ValueError(f"runs must have 6 periods, {REPLICATIONS} replications and 300 steps (those draw_cda "
                             f"simulates); got {res.periods}, {res.replications} and {res.steps}")
        _RUNS[(int(market), str(traders))] = res


def _run(market: int, traders: str) -> CDAResult:
    """REPLICATIONS seeded replications of six periods of 300 steps, simulated at once (vectorised) the first time."""
    key = (int(market), traders)
    if key not in _RUNS:
        _RUNS[key] = gode_sunder(market, traders, periods=6, replications=REPLICATIONS, steps=300, seed=2026)
    return _RUNS[key]


def draw_cda(ax, market: int = 1, replication: int = 0) -> dict:
    """Replication ``replication`` of the cached six-period runs of market ``market`` (1-5) with ZI-U and ZI-C
    traders: the trade prices in order (periods separated by dotted lines, ZI-C's) against the band of competitive
    prices. Returns the replication's efficiencies and numbers of trades shown."""
    market, replication = int(market), int(replication)
    q, lo, hi = competitive_equilibrium(GODE_SUNDER_MARKETS[market])
    shown = {"market": market, "replication": replication, "competitive_quantity": q, "competitive_prices": (lo, hi)}
    ax.axhspan(lo - 0.5, hi + 0.5, color=COLOURS["green"], alpha=0.3, lw=0, label="competitive price(s)")
    for traders, colour in (("ZI-U", COLOURS["orange"]), ("ZI-C", COLOURS["blue"])):
        res = _run(market, traders)
        prices = res.prices[replication]
        counts = res.trades[replication]
        traded = ~np.isnan(prices)
        # one polyline with a gap (nan) after each period
        ys = np.concatenate([np.r_[p[t], np.nan] for p, t in zip(prices, traded)])
        xs = np.concatenate([np.r_[np.arange(x0, x0 + n), np.nan]
                             for x0, n in zip(np.r_[0, np.cumsum(counts)[:-1]], counts)])
        if traders == "ZI-C":
            ax.vlines(np.cumsum(counts) - 0.5, 0, 250, colors=COLOURS["black"], lw=0.4, ls=":")
        efficiency = float(res.efficiencies[replication])
        ax.plot(xs, ys, ".-", ms=2.5, lw=0.8, color=colour,
                label=f"{traders}: efficiency {100 * efficiency:.1f}%, {int(counts.sum())} trades")
        shown[traders] = {"efficiency": efficiency, "trades": int(counts.sum())}
    ax.set(xlabel="trade number", ylabel="price", ylim=(0, 250))
    ax.legend(loc="upper right", fontsize=7)
    ax.set_title(f"Market {GODE_SUNDER_MARKETS[market].name}: {q} competitive trades per period", fontsize=9)
    return shown


def explore_cda(runs: Mapping | None = None):
    """Live controls: the market (1-5) and the replication shown. ``runs``: already simulated markets to reuse
    (see :func:`remember_runs`)."""
    import ipywidgets as widgets

    remember_runs(runs or {})
    controls = {
        "market": widgets.IntSlider(value=1, min=1, max=5, step=1, description="market"),
        "replication": widgets.IntSlider(value=0, min=0, max=REPLICATIONS - 1, step=1, description="replication"),
    }
    live_explorer(draw_cda, controls, figsize=(8, 3.4))


def static_cda(runs: Mapping | None = None):
    """Kernel-free version: one slider for the market (5 frames), replication 0."""
    remember_runs(runs or {})
    return static_explorer(draw_cda, sliders={"market": [1, 2, 3, 4, 5]}, fixed={"replication": 0},
                           start={"market": 1},
                           title="Continuous double auction: ZI-U and ZI-C price paths by market",
                           figsize=(8, 3.2), dpi=60, fmt="{:.0f}")
