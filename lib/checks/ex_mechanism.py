"""Exercises for the section "Mechanism design" (ids "mechanism.*"); expected values computed with sympy and
lib.mechanism, ``Lazy`` so that importing ``lib.checks`` stays fast."""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from lib.checks import Choice, Lazy, Numeric, register


@lru_cache(maxsize=None)
def _gap_uniform_0_2() -> float:
    # U[0, 2] values and costs: phi_B = 2v - 2, phi_S = 2c; the budget over the triangle v - c >= d vanishes
    v, c, d = sp.symbols("v c d", positive=True)
    density = sp.Rational(1, 4)
    budget = sp.integrate(sp.integrate((2 * v - 2 - 2 * c) * density, (v, c + d, 2)), (c, 0, 2 - d))
    return float([r for r in sp.solve(budget, d) if 0 < r < 2][0])


@lru_cache(maxsize=None)
def _deficit_reason() -> str:
    # "a" is right iff the efficient rule's deficit equals the whole first best for uniform priors (each side keeps
    # a rent equal to the gains); computed, so a change of lib's deficit would show here
    from lib.distributions import uniform
    from lib.double_auction import first_best_gains
    from lib.mechanism import second_best

    deficit = second_best(uniform(), uniform()).efficient_deficit
    return "a" if abs(deficit - first_best_gains(uniform(), uniform())) < 1e-9 else "c"


@lru_cache(maxsize=None)
def _efficiency_beta25_52() -> float:
    from lib.distributions import beta
    from lib.mechanism import second_best

    return second_best(beta(2, 5), beta(5, 2)).efficiency


@lru_cache(maxsize=None)
def _posted_uniform() -> float:
    p, v, c = sp.symbols("p v c", positive=True)
    gains = sp.integrate(sp.integrate(v - c, (c, 0, p)), (v, p, 1))
    best = [r for r in sp.solve(sp.diff(gains, p), p) if 0 < r < 1][0]
    return float(gains.subs(p, best))


register(Numeric(
    id="mechanism.gap",
    title="The second best's gap d for U[0, 2] values and costs",
    hint=("The rule is 'trade iff v - c >= d'; find the virtual value and cost of U[0, 2] first.",
          "Integrate (phi_B(v) - phi_S(c)) times the density 1/4 over the triangle v - c >= d inside [0, 2]^2 and "
          "solve 'budget = 0' for d."),
    reference=Lazy(_gap_uniform_0_2),
    mistakes=((0.25, "That is the gap on [0, 1]; the square here is twice as wide."),),
    digits=3,
))

register(Choice(
    id="mechanism.deficit_reason",
    title="Why the efficient rule runs a deficit",
    hint=("Compute each side's expected rent under the efficient rule with the formula from the envelope argument "
          "and compare it with the gains from trade.",
          "The buyer's rent is the integral of (1 - F_B) Q_B and Q_B(x) = F_S(x) under the efficient rule."),
    reference=Lazy(_deficit_reason),
    options=("a", "b", "c"),
))

register(Numeric(
    id="mechanism.efficiency",
    title="Second best's share of the first best for Beta(2, 5) values and Beta(5, 2) costs",
    hint=("Before computing, predict: here trade is rarely worth much, so must the budget constraint bind harder "
          "(a larger multiplier) than for buyer Beta(5, 2) / seller Beta(2, 5)?",
          "The second best is the rule that maximises the gains subject to E[(phi_B - phi_S) q] >= 0; mind which "
          "prior is the buyer's."),
    reference=Lazy(_efficiency_beta25_52),
    digits=4,
))

register(Numeric(
    id="mechanism.posted",
    title="Gains of the best posted price for U[0, 1] values and costs",
    hint=("Trade happens iff c <= p <= v: integrate v - c over that rectangle.",
          "The gains are a polynomial in p; set its derivative to zero."),
    reference=Lazy(_posted_uniform),
    mistakes=((0.5, "That is the best price; the exercise asks for its gains."),),
    digits=3,
))
