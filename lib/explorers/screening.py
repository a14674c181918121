"""Explorers for chapter 4: the monopolist's menu for three types, and the Rothschild–Stiglitz insurance market
(with its existence region and the Wilson–Miyazaki–Spence menu)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from lib.explorers import COLOURS, live_explorer, static_explorer
from lib.screening import monopoly_menu, rothschild_stiglitz, rs_existence_threshold, wilson_miyazaki_spence

__all__ = ["draw_screening", "explore_screening", "static_screening", "draw_rs", "explore_rs", "static_rs",
           "SCREENING_TYPES", "RS_DEFAULTS"]

SCREENING_TYPES = (1.0, 2.0, 3.0)
"""The three types of the menu explorer."""

RS_DEFAULTS = {"loss_prob_low": 0.1, "loss_prob_high": 0.3, "wealth": 100.0, "loss": 50.0}
"""The insurance market of chapter 4 (log utility)."""


def draw_screening(axes, prob_low: float = 0.3, mid_share: float = 0.5, theta_high: float = 3.0) -> dict:
    """Types (1, 2, theta_high) with probabilities (prob_low, (1 - prob_low) mid_share, the rest). Left: quantities
    (second best against first best q = theta); right: transfers and information rents. Returns the numbers shown."""
    types = (SCREENING_TYPES[0], SCREENING_TYPES[1], theta_high)
    probs = (prob_low, (1 - prob_low) * mid_share, (1 - prob_low) * (1 - mid_share))
    menu = monopoly_menu(types, probs)
    left, right = axes
    x = np.arange(3)
    width = 0.38
    left.bar(x - width / 2, types, width, color=COLOURS["sky"], label="first best q = θ")
    left.bar(x + width / 2, menu.quantities, width, color=COLOURS["blue"], label="menu q")
    for xi, q, ex in zip(x, menu.quantities, menu.excluded):
        left.text(xi + width / 2, q + 0.05, "excluded" if ex else f"{q:.2f}", ha="center", fontsize=7)
    labels = [f"θ={t:g}\nf={p:.2f}" for t, p in zip(types, probs)]
    left.set(xticks=x, xticklabels=labels, ylabel="quantity q", ylim=(0, theta_high * 1.25))
    left.legend(loc="upper left", fontsize=7)
    right.bar(x - width / 2, menu.transfers, width, color=COLOURS["orange"], label="transfer t")
    right.bar(x + width / 2, menu.rents, width, color=COLOURS["red"], label="information rent U")
    for xi, u in zip(x, menu.rents):
        right.text(xi + width / 2, u + 0.05, f"{u:.2f}", ha="center", fontsize=7)
    right.set(xticks=x, xticklabels=labels, ylabel="transfer, rent", ylim=(0, theta_high**2 * 1.15))
    right.legend(loc="upper left", fontsize=7)
    right.text(0.98, 0.97, f"profit {menu.profit:.3f}\nfirst best {menu.first_best_profit:.3f}"
               + ("\nironed (pooled types)" if menu.ironed else ""), transform=right.transAxes, ha="right",
               va="top", fontsize=8)
    n_out = sum(menu.excluded)
    left.figure.suptitle(f"f_1 = {prob_low:.2f}: {n_out} type(s) excluded; only the top type gets q = θ", fontsize=9)
    return {"quantities": menu.quantities, "transfers": menu.transfers, "rents": menu.rents,
            "profit": menu.profit, "excluded": menu.excluded, "ironed": menu.ironed}


def explore_screening():
    """Live sliders for the lowest type's probability, the middle type's share of the rest and theta_3."""
    import ipywidgets as widgets

    live_explorer(draw_screening, {
        "prob_low": widgets.FloatSlider(value=0.3, min=0.02, max=0.9, step=0.02, description="f_1"),
        "mid_share": widgets.FloatSlider(value=0.5, min=0.05, max=0.95, step=0.05, description="f_2/(1−f_1)"),
        "theta_high": widgets.FloatSlider(value=3.0, min=2.2, max=5.0, step=0.1, description="θ_3"),
    }, figsize=(8.5, 3.4))


def static_screening():
    """Kernel-free version: one slider for the lowest type's probability (5 frames)."""
    return static_explorer(draw_screening, sliders={"prob_low": [0.1, 0.3, 0.5, 0.7, 0.9]},
                           start={"prob_low": 0.3}, title="Monopoly screening: the menu as the type mix changes",
                           ncols=2, figsize=(8.5, 3.4))


@lru_cache(maxsize=256)
def _threshold(loss_prob_low: float, loss_prob_high: float, wealth: float, loss: float) -> float:
    """lambda* does not depend on the share of high risks: computed once per market, not once per slider move."""
    return rs_existence_threshold(loss_prob_low, loss_prob_high, wealth, loss)


def _curve(p, level, x1):
    """x2 on the log-utility indifference curve (1 - p) ln x1 + p ln x2 = level."""
    return np.exp((level - (1 - p) * np.log(x1)) / p)


def _lambda_strip(ax, share_high: float, lam_star: float, lam_wms: float) -> None:
    """A strip in axes coordinates for lambda in [0, 1]: the existence region [lambda*, 1) shaded, [0, lambda_WMS)
    hatched (where the Wilson–Miyazaki–Spence menu subsidises H), a marker at the chosen lambda."""
    from matplotlib.patches import Rectangle

    x0, width, y0, height = 0.03, 0.42, 0.2, 0.045

    def at(lam):
        return x0 + width * lam

    tr = ax.transAxes
    ax.add_patch(Rectangle((x0, y0), width, height, transform=tr, facecolor="white", edgecolor=COLOURS["black"],
                           lw=0.6))
    ax.add_patch(Rectangle((at(lam_star), y0), width * (1 - lam_star), height, transform=tr,
                           facecolor=COLOURS["sky"], alpha=0.6, lw=0))
    ax.add_patch(Rectangle((x0, y0), width * lam_wms, height, transform=tr, fill=False, hatch="///",
                           edgecolor=COLOURS["orange"], lw=0))
    inside = share_high >= lam_star
    ax.plot([at(share_high)], [y0 + height + 0.015], "v", transform=tr, ms=6,
            color=COLOURS["blue"] if inside else COLOURS["red"])
    ax.text(x0, y0 - 0.012, "λ = 0", transform=tr, fontsize=6, va="top")
    ax.text(x0 + width, y0 - 0.012, "1", transform=tr, fontsize=6, va="top", ha="right")
    ax.text(x0 + width / 2, y0 + height + 0.045, "share of high risks: shaded = RS exists, hatched = WMS subsidy",
            transform=tr, fontsize=6, ha="center")


def draw_rs(ax, share_high: float = 0.5, loss_prob_low: float = 0.1, loss_prob_high: float = 0.3,
            wealth: float = 100.0, loss: float = 50.0) -> dict:
    """The (wealth if no loss, wealth if loss) plane with log utility: the endowment, the zero-profit lines of L,
    H and the pool, the certainty line, H's and L's indifference curves through the separating contracts, L's
    best pooled contract and, where they differ, the Wilson–Miyazaki–Spence contracts; a strip shows the existence
    region lambda >= lambda* and the subsidy region lambda < lambda_WMS with the chosen lambda. Returns the numbers
    shown."""
    r = rothschild_stiglitz(loss_prob_low, loss_prob_high, share_high, wealth, loss)
    m = wilson_miyazaki_spence(loss_prob_low, loss_prob_high, share_high, wealth, loss)
    lam_star = _threshold(loss_prob_low, loss_prob_high, wealth, loss)
    c = np.linspace(0, loss, 50)
    for p, colour, label in ((loss_prob_low, COLOURS["orange"], "L's zero-profit line"),
                             (loss_prob_high, COLOURS["blue"], "H's zero-profit line"),
                             (r.pooled_loss_prob, COLOURS["green"], "pooled zero-profit line")):
        ax.plot(wealth - p * c, wealth - p * c - loss + c, color=colour, lw=1, ls="--", label=label)
    lo, hi = wealth - loss, wealth
    ax.plot([lo, hi], [lo, hi], color=COLOURS["black"], lw=0.6, ls=":", label="certainty line")
    x1 = np.linspace(wealth - loss_prob_high * loss - 0.35 * loss, wealth + 0.02 * loss, 120)
    ax.plot(x1, _curve(loss_prob_high, r.high_utility, x1), color=COLOURS["blue"], lw=1.3, label="H indifference")
    ax.plot(x1, _curve(loss_prob_low, r.low_utility, x1), color=COLOURS["orange"], lw=1.3, label="L indifference")
    h = (wealth - r.high_premium, wealth - r.high_premium - loss + r.high_coverage)
    l_ = (wealth - r.low_premium, wealth - r.low_premium - loss + r.low_coverage)
    pool = (wealth - r.pooled_premium, wealth - r.pooled_premium - loss + r.pooled_coverage)
    ax.plot(*h, "o", color=COLOURS["blue"])
    ax.plot(*l_, "s", color=COLOURS["orange"])
    ax.plot(*pool, "^", color=COLOURS["green"], label="L's best pooled contract")
    if not m.equals_rs:
        ax.plot([wealth - m.high_premium, wealth - m.low_premium],
                [wealth - m.high_premium, wealth - m.low_premium - loss + m.low_coverage], "D", ms=5,
                color=COLOURS["purple"], label="WMS contracts (H, L)")
    ax.plot(wealth, wealth - loss, "k.", ms=6)
    ax.annotate("endowment", (wealth, wealth - loss), textcoords="offset points", xytext=(-58, 0), fontsize=7)
    ax.set(xlabel="wealth if no loss", ylabel="wealth if loss", xlim=(x1[0], x1[-1]),
           ylim=(wealth - loss - 0.02 * loss, wealth + 0.02 * loss))
    _lambda_strip(ax, share_high, lam_star, m.threshold)
    ax.legend(loc="upper left", fontsize=6)
    if r.exists:
        verdict = f"λ = {share_high:.2f} ≥ λ* = {lam_star:.3f}: the separating equilibrium exists"
    else:
        verdict = f"λ = {share_high:.2f} < λ* = {lam_star:.3f}: no equilibrium (outside the existence region)"
    ax.set_title(verdict, fontsize=9)
    wms = ("WMS: the RS pair (no subsidy helps L)" if m.equals_rs else
           f"WMS: H subsidised {m.subsidy:.2f}, L's coverage {m.low_coverage:.2f}")
    ax.text(0.02, 0.04, f"L: coverage {r.low_coverage:.2f} of {loss:g}\nL's utility: separating "
            f"{r.low_utility:.4f}, best pooled {r.pooled_utility_low:.4f}\n{wms}", transform=ax.transAxes,
            ha="left", fontsize=7)
    return {"exists": r.exists, "threshold": lam_star, "low_coverage": r.low_coverage,
            "low_utility": r.low_utility, "pooled_utility_low": r.pooled_utility_low,
            "wms_threshold": m.threshold, "wms_subsidy": m.subsidy, "wms_low_coverage": m.low_coverage,
            "wms_low_utility": m.low_utility}


draw_rs.ncols = 1


def explore_rs():
    """Live sliders for the share of high risks and the two loss probabilities (needs a kernel)."""
    import ipywidgets as widgets

    live_explorer(draw_rs, {
        "share_high": widgets.FloatSlider(value=0.5, min=0.02, max=0.98, step=0.02, description="λ"),
        "loss_prob_low": widgets.FloatSlider(value=0.1, min=0.02, max=0.25, step=0.01, description="p_L"),
        "loss_prob_high": widgets.FloatSlider(value=0.3, min=0.27, max=0.6, step=0.01, description="p_H"),
    }, figsize=(6.5, 4.2))


def static_rs():
    """Kernel-free version: one slider for the share of high risks (5 frames), other parameters RS_DEFAULTS."""
    return static_explorer(draw_rs, sliders={"share_high": [0.05, 0.1, 0.15, 0.3, 0.7]},
                           start={"share_high": 0.3}, title="Rothschild–Stiglitz: separating contracts and pooling",
                           ncols=1, figsize=(6.5, 4.2))
