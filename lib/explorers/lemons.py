"""Explorer for chapter 1: the lemons market with uniform quality on [mu - sigma, mu + sigma].

Left: the fixed-point diagram, price p against b E[q | q <= p] (the buyers' valuation of the cars offered at p);
an equilibrium is where the curve meets the 45-degree line. Only the fixed points lib.lemons verifies are marked:
filled if stable under the repricing p -> b E[q | q <= p], hollow if unstable. Right: as the information gap sigma grows, the share of
cars traded and the efficiency (welfare / full-information welfare) without and with certification, with the exit
threshold sigma* = (b - 1) mu marked.
"""
from __future__ import annotations

import numpy as np

from lib import lemons
from lib.distributions import uniform
from lib.explorers import COLOURS, live_explorer, static_explorer

__all__ = ["draw_lemons", "explore_lemons", "static_lemons"]


def draw_lemons(axes, buyer_premium: float = 1.5, mean: float = 1.0, spread: float = 0.6, cost: float = 0.1) -> dict:
    """Draw the two panels for quality U[mean - spread, mean + spread]; return the numbers shown.

    Needs buyer_premium > 1, mean > 0, 0 < spread <= mean (quality non-negative) and cost >= 0 (lib.lemons
    raises ValueError otherwise)."""
    left, right = axes
    b, mu, sigma = float(buyer_premium), float(mean), float(spread)
    quality = uniform(mu - sigma, mu + sigma)
    cert = lemons.certification_equilibrium(quality, b, cost)
    eq = cert.lemons
    sigma_star = lemons.uniform_exit_threshold(mu, b)

    # left: fixed-point diagram
    top = 1.15 * max(b * mu, mu + sigma)
    p = np.linspace(0.0, top, 240)
    left.plot(p, b * lemons.conditional_mean(quality, p), color=COLOURS["blue"], lw=2,
              label="b·E[q | q ≤ p]: buyers' value of cars offered")
    left.plot([0, top], [0, top], color=COLOURS["black"], ls="--", lw=0.9, label="45° line: price p")
    left.axvline(mu + sigma, color=COLOURS["orange"], ls=":", lw=1.2, label="best car μ + σ")
    # only the verified fixed points lib reports; hollow = unstable under p -> b E[q | q <= p]
    for fp in eq.equilibria[:-1]:
        left.plot([fp.price], [fp.price], "o", color=COLOURS["red"], mfc=COLOURS["red"] if fp.stable else "white")
    left.plot([eq.price], [eq.price], "o", color=COLOURS["red"], ms=7,
              mfc=COLOURS["red"] if eq.equilibria[-1].stable else "white", label="equilibrium (largest)")
    left.annotate(f"p* = {eq.price:.2f}\ntraded {eq.traded_share:.0%}", (eq.price, eq.price),
                  textcoords="offset points", xytext=(8, -26), fontsize=8)
    left.set(xlim=(0, top), ylim=(0, top), xlabel="price p", ylabel="value to buyers")
    left.legend(loc="upper left", fontsize=7)

    # right: outcomes against the information gap
    s = np.linspace(mu / 200, mu, 200)
    market = lemons.uniform_market(mu, s, b)
    certified = lemons.uniform_certification(mu, s, b, cost)
    fi = market.full_information_welfare
    right.plot(s, market.traded_share, color=COLOURS["sky"], lw=2, label="share of cars traded")
    right.plot(s, market.welfare / fi, color=COLOURS["blue"], lw=2, label="efficiency, lemons market")
    right.plot(s, certified.welfare / fi, color=COLOURS["green"], lw=2, ls="--",
               label=f"efficiency with certification (c = {cost:.2f})")
    right.plot([sigma], [eq.efficiency], "o", color=COLOURS["red"], ms=7)
    right.axvline(sigma, color=COLOURS["red"], lw=0.8)
    if sigma_star < mu:
        right.axvline(sigma_star, color=COLOURS["orange"], ls=":", lw=1.5)
        right.text(sigma_star, 0.03, f" σ* = {sigma_star:.2f}", color=COLOURS["black"], fontsize=8)
    else:
        right.text(0.02, 0.03, f"σ* = (b − 1)μ = {sigma_star:.2f} ≥ μ: no exit", transform=right.transAxes,
                   fontsize=8)
    right.text(0.98, 0.6, f"efficiency {eq.efficiency:.0%}\nwith certification {cert.welfare / fi:.0%}",
               transform=right.transAxes, ha="right", fontsize=8)
    right.set(xlim=(0, mu), ylim=(0, 1.05), xlabel="information gap σ", ylabel="share / efficiency")
    right.legend(loc="lower left", fontsize=7, bbox_to_anchor=(0.0, 0.08))

    if eq.regime == "all sell":
        finding = f"σ = {sigma:.2f} ≤ σ* = {sigma_star:.2f}: every car trades"
    elif eq.regime == "no trade":
        finding = f"σ = {sigma:.2f} = μ: the market unravels completely"
    else:
        finding = f"σ = {sigma:.2f} > σ* = {sigma_star:.2f}: sellers above {eq.exit_quality:.2f} exit"
    left.figure.suptitle(f"{finding}; {eq.efficiency:.0%} of the gains from trade realised (b = {b:.2f})",
                         fontsize=9)
    return {"price": eq.price, "traded_share": eq.traded_share, "welfare": eq.welfare,
            "full_information_welfare": eq.full_information_welfare, "efficiency": eq.efficiency,
            "exit_threshold": sigma_star, "regime": eq.regime, "certification_threshold": cert.threshold,
            "certification_welfare": cert.welfare, "certification_case": cert.case,
            "equilibria": tuple(fp.price for fp in eq.equilibria), "stable": tuple(fp.stable for fp in eq.equilibria)}


def explore_lemons():
    """Live sliders for b, mu, sigma and the certification cost (needs a kernel). sigma's maximum follows mu."""
    import ipywidgets as widgets

    sliders = {
        "buyer_premium": widgets.FloatSlider(value=1.5, min=1.05, max=2.5, step=0.05, description="b"),
        "mean": widgets.FloatSlider(value=1.0, min=0.5, max=2.0, step=0.05, description="μ"),
        "spread": widgets.FloatSlider(value=0.6, min=0.02, max=1.0, step=0.02, description="σ"),
        "cost": widgets.FloatSlider(value=0.1, min=0.0, max=1.0, step=0.02, description="cost c"),
    }

    def follow_mean(change):  # keep quality non-negative: sigma <= mu
        sliders["spread"].max = change["new"]

    sliders["mean"].observe(follow_mean, names="value")
    live_explorer(draw_lemons, sliders, figsize=(9, 3.6), rows=[["buyer_premium", "mean"], ["spread", "cost"]])


def static_lemons():
    """Kernel-free version: one slider for the information gap sigma (11 frames, about 0.6 MB); b = 1.5, mu = 1,
    c = 0.1, so sigma* = 0.5 (three frames near it)."""
    spreads = [0.1, 0.2, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 1.0]
    return static_explorer(draw_lemons, sliders={"spread": spreads}, start={"spread": 0.6},
                           title="The lemons market: drag the information gap σ", ncols=2, figsize=(8, 3.2),
                           dpi=64)
