"""Exercises for the section "Beyond uniform values" (ids "bne.*"); expected values computed with sympy, with lib.bne
certified by lib.double_auction's best-response check, and (bne.existence at k = 1/2) by an own shooting code.

The references take about a second to compute (equilibrium solves and two sympy calculations), so they are
``Lazy``: computed on first use, not when ``lib.checks`` is imported.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from lib.checks import Choice, Lazy, Numeric, register


@lru_cache(maxsize=None)
def _beta22():
    from lib.bne import solve_double_auction
    from lib.distributions import beta

    prior = beta(2, 2)
    result = solve_double_auction(prior, prior, 0.5)
    return result, result.outcomes()


@lru_cache(maxsize=None)
def _lowest_price_beta22() -> float:
    # h'(p_lo) = 1 + k L with L = 1/2 for Beta(2,2); p_lo solves (1-k)(1-F(p)) = (1 + k L) f(p) p
    p = sp.symbols("p", positive=True)
    F, f = 3 * p**2 - 2 * p**3, 6 * p * (1 - p)
    k, L = sp.Rational(1, 2), sp.Rational(1, 2)
    roots = [r for r in sp.solve(sp.Eq((1 - k) * (1 - F), (1 + k * L) * f * p), p) if r.is_real and 0 < r < 1]
    return float(roots[0])


@lru_cache(maxsize=None)
def _first_best_beta22() -> float:
    v, c = sp.symbols("v c", positive=True)
    f = lambda x: 6 * x * (1 - x)  # noqa: E731 - the Beta(2,2) density
    return float(sp.integrate(sp.integrate((v - c) * f(v), (v, c, 1)) * f(c), (c, 0, 1)))


register(Numeric(
    id="bne.lowest_price",
    title="Lowest trading price with Beta(2,2) priors, k = 1/2",
    hint="At the lowest price p_lo the buyer's slope is h'(p_lo) = 1 + k L with L = lim F(x)/(x f(x)) = 1/2; "
         "put it into the buyer's equation h' = (1-k)(1-F(h))/(f(h)(p-g)) at p = p_lo, h = p_lo, g = 0.",
    reference=Lazy(_lowest_price_beta22),
    digits=3,
))

register(Numeric(
    id="bne.efficiency",
    title="Efficiency of the regular equilibrium with Beta(2,2) priors, k = 1/2",
    hint="Solve with lib.bne.solve_double_auction(beta(2, 2), beta(2, 2), 0.5) and use the result's outcomes(); "
         "efficiency = expected gains / first-best gains.",
    reference=Lazy(lambda: _beta22()[1].efficiency),
    mistakes=((27 / 32, "That is the efficiency with uniform values and costs (27/32); with Beta(2,2) priors the "
                        "equilibrium strategies are not linear: solve them."),),
    digits=5,   # the uniform case's 27/32 = 0.84375 differs by 9e-5: 3 or 4 digits cannot tell them apart
))

register(Numeric(
    id="bne.first_best",
    title="First-best gains from trade with Beta(2,2) values and costs",
    hint="E[max(v - c, 0)] with v, c independent Beta(2,2): integrate (v - c) f(v) f(c) over v > c.",
    reference=Lazy(_first_best_beta22),
    digits=3,
))


def _symmetric_half_curve(a: float, k: float, log_slopes):
    """Own route (no lib.bne): for Beta(a, a) values and costs, integrate the half of a regular equilibrium that
    starts at p_lo (g(p_lo) = 0, h(p_lo) = p_lo, h'(p_lo) = 1 + k/a since L = 1/a, g'(p_lo) = sigma) up to the
    middle price 1/2 with solve_ivp and the Beta formulas of scipy.special; returns (h, g) at 1/2 for each slope
    (nan where the path leaves h > p > g). At k = 1/2 the half from p_hi = 1 - p_lo with slope tau is the mirror
    image (1 - g, 1 - h) of the half from p_lo with slope tau, so a regular equilibrium (symmetric or not) is a
    crossing of this curve with its mirror image."""
    import numpy as np
    from scipy import optimize, special
    from scipy.integrate import solve_ivp

    F = lambda x: special.betainc(a, a, x)  # noqa: E731
    f = lambda x: (x * (1 - x)) ** (a - 1) / special.beta(a, a)  # noqa: E731
    p_lo = optimize.brentq(lambda q: (1 - k) * (1 - F(q)) - (1 + k / a) * f(q) * q, 1e-6, 1 - 1e-6)
    eps = 1e-7

    def rhs(q, y):
        h, g = y
        if not (h > q > g > 0 and h < 1):
            return [0.0, 0.0]
        return [(1 - k) * (1 - F(h)) / (f(h) * (q - g)), k * F(g) / (f(g) * (h - q))]

    out = []
    for s in log_slopes:
        sol = solve_ivp(rhs, (p_lo + eps, 0.5), [p_lo + (1 + k / a) * eps, np.exp(s) * eps], method="DOP853",
                        rtol=1e-9, atol=1e-13)
        h, g = sol.y[:, -1]
        out.append((h, g) if sol.status == 0 and h > 0.5 > g > 0 and h < 1 else (np.nan, np.nan))
    return np.array(out)


def _crosses(P, Q) -> bool:
    """Whether the polygonal curves P and Q (rows of points, nan rows skipped) cross."""
    import numpy as np

    P, Q = P[np.all(np.isfinite(P), axis=1)], Q[np.all(np.isfinite(Q), axis=1)]
    for i in range(len(P) - 1):
        for j in range(len(Q) - 1):
            d1, d2, r = P[i + 1] - P[i], Q[j + 1] - Q[j], Q[j] - P[i]
            det = d1[0] * (-d2[1]) + d2[0] * d1[1]
            if det == 0:
                continue
            s = (r[0] * (-d2[1]) + d2[0] * r[1]) / det
            t = (d1[0] * r[1] - d1[1] * r[0]) / det
            if 0 <= s <= 1 and 0 <= t <= 1:
                return True
    return False


def _where_regular_exists() -> str:
    """k = 1/2 by an own route: the half-curve from p_lo for 49 slopes sigma in [1e-2, 1e2] (log-spaced) against its
    mirror image (see _symmetric_half_curve); a crossing is a regular equilibrium. k = 1/4 (where the mirror trick
    does not apply): lib.bne's answer counts only if it is certified by the independent best-response check of
    lib.double_auction and has finite, non-zero end slopes."""
    import numpy as np

    from lib.bne import ConvergenceError, solve_double_auction
    from lib.distributions import beta

    P = _symmetric_half_curve(1.05, 0.5, np.linspace(np.log(1e-2), np.log(1e2), 49))
    exists = {"1/2": _crosses(P, 1 - P[:, ::-1])}
    prior = beta(1.05, 1.05)
    try:
        r = solve_double_auction(prior, prior, 0.25)
        exists["1/4"] = bool(r.best_response_gap(n_types=5).relative_gap < 1e-8
                             and all(0 < x < np.inf for x in r.end_slopes))
    except ConvergenceError:
        exists["1/4"] = False
    if all(exists.values()):
        return "both"
    return next((label for label, ok in exists.items() if ok), "neither")


register(Choice(
    id="bne.existence",
    title="Where does a regular equilibrium exist for Beta(1.05, 1.05) priors?",
    hint="Call solve_double_auction(beta(1.05, 1.05), beta(1.05, 1.05), k) for k = 0.5 and k = 0.25 inside "
         "try/except lib.bne.ConvergenceError; uniform priors at k = 1/2 are a degenerate case.",
    reference=Lazy(_where_regular_exists),
    options=("1/2", "1/4", "both", "neither"),
))


@lru_cache(maxsize=None)
def _family_member_beta105() -> float:
    """The more efficient smooth equilibrium with trading range [0.245, 0.76] for Beta(1.05, 1.05) values and costs at
    k = 1/2 (lib.bne.smooth_equilibria), counted only if the independent best-response check of lib.double_auction
    certifies it."""
    from lib.bne import smooth_equilibria
    from lib.distributions import beta

    prior = beta(1.05, 1.05)
    best = smooth_equilibria(prior, prior, 0.5, 0.245, 0.76, rtol=1e-9, tol=1e-7)[0]  # welfare to ~1e-7
    if not best.equilibrium.best_response_gap(n_types=5).relative_gap < 1e-8:  # pragma: no cover - a lib defect
        raise RuntimeError("the reference member is not certified by the best-response check")
    return best.efficiency


register(Numeric(
    id="bne.family",
    title="The best smooth equilibrium with given ends, Beta(1.05, 1.05) priors, k = 1/2",
    hint=("There is no regular equilibrium here, but the smooth family is selected by the ends of the trading range: "
          "call lib.bne.smooth_equilibria(prior, prior, 0.5, p_lo, p_hi) with the ends given.",
          "It returns a tuple of members, best first; each has an efficiency attribute. Several members can share "
          "the same ends."),
    reference=Lazy(_family_member_beta105),
    mistakes=((0.830058, "That is a member with these ends, but not the more efficient one: look at every member "
                         "returned."),
              (27 / 32, "That is the efficiency of the linear equilibrium for uniform priors; solve for the member "
                        "of the family with the ends given.")),
    digits=4,
))
