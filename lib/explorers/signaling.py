"""Explorers for chapter 3: the open-source signalling game (disclosure vs non-disclosure) and the Spence primer."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from lib.explorers import COLOURS, static_explorer
from lib.signaling import DEFAULTS, NoSwitchError, OpenSourceGame, solve, threshold
from lib.spence import SpenceGame

__all__ = ["draw_signaling", "explore_signaling", "static_signaling", "draw_spence", "explore_spence",
           "static_spence"]

_POLICY = {"disclosure": COLOURS["sky"], "non-disclosure": COLOURS["blue"]}


@lru_cache(maxsize=256)
def _threshold(prior_high: float, gamma: float, delta: float, c0: float) -> float | None:
    """threshold(game, n_scan=24) for the explorer's game; it does not depend on the gap (the scan varies it) nor on
    the audit cost (which enters disclosure only), so the frames of one slider setting share it."""
    game = OpenSourceGame(**{**DEFAULTS, "prior_high": prior_high, "gamma": gamma, "delta": delta, "c0": c0})
    try:
        return threshold(game, n_scan=24)
    except NoSwitchError:
        return None


def draw_signaling(axes, gap: float = 0.2, prior_high: float = 0.5, gamma: float = 1.0, delta: float = 0.3,
                   c0: float = 2.0, audit_cost: float = 0.0) -> dict:
    """Left: openness of H and L under disclosure and non-disclosure; right: their period-1 and period-2 demand.
    q_H = 1, q_L = 1 - gap; ``audit_cost`` phi: a disclosing vendor of quality q pays phi (1/q - 1/q_H)
    (lib.signaling.audit_fee); the other parameters are lib.signaling.DEFAULTS. Returns the numbers shown."""
    game = OpenSourceGame(**{**DEFAULTS, "q_low": 1.0 - gap, "prior_high": prior_high, "gamma": gamma,
                             "delta": delta, "c0": c0, "audit_cost": audit_cost})
    d, nd = solve(game, True), solve(game, False)
    g_star = _threshold(game.prior_high, game.gamma, game.delta, game.c0)
    left, right = axes
    width = 0.38
    for k, (name, out) in enumerate((("disclosure", d), ("non-disclosure", nd))):
        x = np.arange(2) + (k - 0.5) * width
        values = [out.high.openness, out.low.openness]
        left.bar(x, values, width, color=_POLICY[name], label=name)
        for xi, v in zip(x, values):
            left.text(xi, v + 0.02, f"{v:.2f}", ha="center", fontsize=7, in_layout=False)
        x = np.arange(4) + (k - 0.5) * width
        values = [out.high.demand1, out.high.demand2, out.low.demand1, out.low.demand2]
        right.bar(x, values, width, color=_POLICY[name], label=name)
        for xi, v in zip(x, values):
            right.text(xi, v + 0.03, f"{v:.2f}", ha="center", fontsize=6, in_layout=False)
    left.set(xticks=[0, 1], xticklabels=["H", "L"], ylabel="open-source degree s", ylim=(0, 1.12))
    left.legend(loc="upper right", fontsize=7)
    if g_star is None:
        where = "no pooling→separating switch"
    else:
        where = f"threshold gap g* = {g_star:.3f}"
    left.text(0.03, 0.95, f"{nd.regime}\n{where}", transform=left.transAxes, fontsize=8, va="top")
    top = max(d.high.demand1, nd.high.demand1, nd.low.demand1, d.high.demand2) * 1.35
    fee = f" (audit φ = {game.audit_cost:.2f})" if game.audit_cost else ""
    right.text(0.98, 0.97, f"profit change from disclosing{fee}:\nH {d.high.profit - nd.high.profit:+.3f}, "
               f"L {d.low.profit - nd.low.profit:+.3f}", transform=right.transAxes, ha="right", va="top", fontsize=8)
    right.set(xticks=range(4), xticklabels=["H: D1", "H: D2", "L: D1", "L: D2"], ylabel="demand", ylim=(0, top))
    left.figure.suptitle(f"gap {gap:.2f}, λ = {prior_high:.2f}: non-disclosure is {nd.regime}; H opens "
                         f"{nd.high.openness:.2f} (vs {d.high.openness:.2f} with disclosure)", fontsize=9)
    return {"regime": nd.regime, "threshold": g_star,
            "openness": {"H": (d.high.openness, nd.high.openness), "L": (d.low.openness, nd.low.openness)},
            "demand1": {"H": (d.high.demand1, nd.high.demand1), "L": (d.low.demand1, nd.low.demand1)},
            "demand2": {"H": (d.high.demand2, nd.high.demand2), "L": (d.low.demand2, nd.low.demand2)},
            "profit": {"H": (d.high.profit, nd.high.profit), "L": (d.low.profit, nd.low.profit)}}


def explore_signaling():
    """Live sliders for the gap, the prior, gamma, delta, c0 and the audit cost phi (needs a kernel)."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    sliders = {
        "gap": widgets.FloatSlider(value=0.2, min=0.02, max=0.95, step=0.01, description="gap q_H − q_L"),
        "prior_high": widgets.FloatSlider(value=0.5, min=0.05, max=0.95, step=0.05, description="λ"),
        "gamma": widgets.FloatSlider(value=1.0, min=0.0, max=2.0, step=0.1, description="γ"),
        "delta": widgets.FloatSlider(value=0.3, min=0.0, max=1.0, step=0.05, description="δ"),
        "c0": widgets.FloatSlider(value=2.0, min=0.5, max=4.0, step=0.1, description="c0"),
        "audit_cost": widgets.FloatSlider(value=0.0, min=0.0, max=0.2, step=0.01, description="audit φ"),
    }

    def show(**params):
        fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.4), layout="constrained")
        draw_signaling(axes, **params)
        plt.show()

    out = widgets.interactive_output(show, sliders)
    display(widgets.VBox([widgets.HBox(list(sliders.values())[:3]), widgets.HBox(list(sliders.values())[3:])]),
            out)


def static_signaling():
    """Kernel-free version: one slider for the gap (12 frames), other parameters at their defaults."""
    gaps = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    return static_explorer(draw_signaling, sliders={"gap": gaps}, start={"gap": 0.2},
                           title="Open-source degree as a signal: disclosure vs non-disclosure", ncols=2,
                           figsize=(8.5, 3.4))


def draw_spence(ax, prior_high: float = 0.5, theta_high: float = 2.0, theta_low: float = 1.0) -> dict:
    """The (education, wage) plane of the Spence model: indifference curves through L's point (0, theta_L), the
    least-cost separating point (e*, theta_H), the pooled wage and the pooling range."""
    game = SpenceGame(theta_high, theta_low, prior_high)
    e_star, e_max = game.separating_range()
    pool_hi = game.pooling_range()[1]
    w_p = game.pooled_wage
    e = np.linspace(0, 1.15 * e_max, 200)
    ax.plot(e, theta_low + e / theta_low, color=COLOURS["orange"], label="L indifferent to (0, θ_L)")
    ax.plot(e, theta_low + e / theta_high, color=COLOURS["blue"], label="H indifferent to (0, θ_L)")
    pick = game.h_preferred()
    ax.plot(e, pick.payoff_high + e / theta_high, color=COLOURS["blue"], ls="--", lw=0.9,
            label=f"H's best PBE payoff ({pick.kind})")
    ax.axhline(theta_high, color=COLOURS["black"], lw=0.6, ls=":")
    ax.axhline(w_p, color=COLOURS["green"], lw=0.9, label=f"pooled wage w_p = {w_p:.2f}")
    ax.plot([0, pool_hi], [w_p, w_p], color=COLOURS["green"], lw=5, alpha=0.5, label="pooling range")
    ax.plot([e_star, e_max], [theta_high, theta_high], color=COLOURS["red"], lw=5, alpha=0.5,
            label="separating range (H)")
    ax.plot([e_star], [theta_high], "o", color=COLOURS["red"])
    ax.annotate(f"e* = {e_star:.2f}", (e_star, theta_high), textcoords="offset points", xytext=(4, -12),
                fontsize=8)
    ax.set(xlabel="education e", ylabel="wage w", xlim=(0, e[-1]), ylim=(theta_low * 0.9, theta_high * 1.25))
    ax.legend(loc="upper left", fontsize=7)
    sep_u, pool_u = game.separating().payoff_high, game.pooling(0.0).payoff_high
    ax.text(0.98, 0.04, f"H: separating {sep_u:.3f} vs pooling {pool_u:.3f}", transform=ax.transAxes,
            ha="right", fontsize=8)
    side = "λ > " if pick.kind == "pooling" else "λ ≤ "
    cut = 1 - theta_low / theta_high
    ax.set_title(f"λ = {prior_high:.2f}: H prefers {pick.kind} ({side}1 − θ_L/θ_H = {cut:.2f})", fontsize=9)
    return {"kind": pick.kind, "e_star": e_star, "pooled_wage": w_p, "separating_payoff_high": sep_u,
            "pooling_payoff_high": pool_u}


def explore_spence():
    """Live sliders for the prior and the two productivities (needs a kernel)."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    sliders = {
        "prior_high": widgets.FloatSlider(value=0.5, min=0.05, max=0.95, step=0.05, description="λ"),
        "theta_high": widgets.FloatSlider(value=2.0, min=1.1, max=3.0, step=0.1, description="θ_H"),
        "theta_low": widgets.FloatSlider(value=1.0, min=0.5, max=1.0, step=0.05, description="θ_L"),
    }

    def show(**params):
        fig, ax = plt.subplots(figsize=(6, 3.6), layout="constrained")
        draw_spence(ax, **params)
        plt.show()

    out = widgets.interactive_output(show, sliders)
    display(widgets.HBox(list(sliders.values())), out)


def static_spence():
    """Kernel-free version: one slider for the prior λ (9 frames), θ_H = 2, θ_L = 1."""
    return static_explorer(draw_spence, sliders={"prior_high": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]},
                           start={"prior_high": 0.3},
                           title="Spence: which equilibrium does the high type prefer?", ncols=1,
                           figsize=(6, 3.6))
