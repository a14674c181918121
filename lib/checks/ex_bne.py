"""Exercises for the section "Beyond uniform values" (ids "bne.*"); expected values computed with lib.bne and sympy.

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


def _where_regular_exists() -> str:
    from lib.bne import ConvergenceError, solve_double_auction
    from lib.distributions import beta

    prior = beta(1.05, 1.05)
    exists = {}
    for label, k in (("1/2", 0.5), ("1/4", 0.25)):
        try:
            solve_double_auction(prior, prior, k)
            exists[label] = True
        except ConvergenceError:
            exists[label] = False
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
