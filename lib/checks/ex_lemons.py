"""Exercises for chapter 1, information asymmetry and the market for lemons (ids "lemons.*").

The exit threshold is derived here with sympy; the numbers come from the general solvers of lib.lemons
(quadrature of the distribution function and root finding, which know nothing of the uniform closed forms).
tests/test_lemons_exercises.py checks every reference against an independent route (closed forms typed from the
derivations, brute-force grids, scipy quad), so a planted error in lib.lemons fails there.

References are computed on first use (lib.checks.Lazy), so importing the checks stays fast;
the welfare-loss reference is a function and solves only when a student's answer is checked.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from lib.checks import Function, Lazy, Numeric, Symbolic, register

# The parameters the statements give (exercises/01_information_asymmetry.ipynb).
PRICE_MARKET = {"low": 0.25, "high": 1.75, "buyer_premium": 1.5}           # mu = 1, sigma = 0.75
LOSS_MEAN, LOSS_PREMIUM = 1.0, 1.5                                          # welfare loss as a function of sigma
LOSS_POINTS = (0.1, 0.3, 0.5, 0.55, 0.6, 0.75, 0.9, 1.0)                   # both regimes; sigma* = 0.5
CERT_MARKET = {"low": 0.25, "high": 1.75, "buyer_premium": 1.5, "cost": 0.15}
BETA_MARKET = {"a": 2, "b": 5, "low": 0.2, "high": 2.2, "buyer_premium": 1.5}


@lru_cache(maxsize=None)
def exit_threshold() -> sp.Expr:
    """sigma* in b and mu: every seller sells iff the all-sell price b E[q] = b mu covers the best car mu + sigma."""
    b, mu, sigma = sp.symbols("b mu sigma", positive=True)
    return sp.solve(sp.Eq(b * mu, mu + sigma), sigma)[0]


@lru_cache(maxsize=None)
def price_and_share() -> tuple[float, float]:
    from lib.distributions import uniform
    from lib.lemons import market_equilibrium

    m = PRICE_MARKET
    eq = market_equilibrium(uniform(m["low"], m["high"]), m["buyer_premium"])
    return eq.price, eq.traded_share


def welfare_loss(sigma: float) -> float:
    """Gains from trade lost to the information gap, (b - 1) E[q; q > p], quality U[mu - sigma, mu + sigma]."""
    return _welfare_loss(float(sigma))


@lru_cache(maxsize=64)
def _welfare_loss(sigma: float) -> float:
    from lib.distributions import uniform
    from lib.lemons import market_equilibrium

    return market_equilibrium(uniform(LOSS_MEAN - sigma, LOSS_MEAN + sigma), LOSS_PREMIUM).welfare_loss


@lru_cache(maxsize=None)
def certification() -> tuple[float, float]:
    """(threshold quality above which sellers certify, share of the lemons market's welfare loss recovered)."""
    from lib.distributions import uniform
    from lib.lemons import certification_equilibrium

    m = CERT_MARKET
    eq = certification_equilibrium(uniform(m["low"], m["high"]), m["buyer_premium"], m["cost"])
    return eq.threshold, eq.share_recovered


@lru_cache(maxsize=None)
def beta_price_and_efficiency() -> tuple[float, float]:
    from lib.distributions import beta
    from lib.lemons import market_equilibrium

    m = BETA_MARKET
    eq = market_equilibrium(beta(m["a"], m["b"], m["low"], m["high"]), m["buyer_premium"])
    return eq.price, eq.efficiency


register(Symbolic(
    id="lemons.exit_threshold",
    title="The exit threshold sigma* for quality uniform on [mu - sigma, mu + sigma]",
    hint="Every seller sells iff the price buyers pay when all cars are offered, b E[q] = b mu, is at least what "
         "the best seller asks, her own value mu + sigma. Solve b mu = mu + sigma for sigma (sigma* is a spread, "
         "not a price: b mu is the price at the threshold).",
    reference=Lazy(exit_threshold),
    variables=("b", "mu"),
))

register(Numeric(
    id="lemons.price",
    title="Equilibrium price and share of cars traded, quality U[0.25, 1.75], b = 1.5",
    hint="Buyers pay b times the average quality of the cars OFFERED at the price (those with q <= p), not of "
         "all cars: b mu = 1.5 is below the best car 1.75, so the best sellers leave. Solve p = b (0.25 + p)/2; "
         "the share traded is F(p) = (p - 0.25)/1.5.",
    reference=Lazy(price_and_share),
    abs_tol=1e-6,
))

register(Function(
    id="lemons.welfare_loss",
    title="Welfare lost to the information gap as a function of sigma (mu = 1, b = 1.5)",
    hint="Full information gives (b - 1) mu = 0.5. For sigma <= sigma* = 0.5 every car trades and nothing is "
         "lost (do not use the exit formula there). Beyond it only cars with q <= p = b (mu - sigma)/(2 - b) "
         "trade: W = (b - 1) E[q; q <= p] = (b - 1) F(p) E[q | q <= p], with the share F(p), not just the "
         "average. The loss is 0.5 - W, not W.",
    reference=welfare_loss,

    points=tuple((s,) for s in LOSS_POINTS),
    abs_tol=1e-6,
))

register(Numeric(
    id="lemons.certification",
    title="Certification at cost 0.15, quality U[0.25, 1.75], b = 1.5: threshold and share of the loss recovered",
    hint="A seller certifies iff b q - c >= what she gets uncertified. The uncertified cars [0.25, theta] sell "
         "at p_u = b E[q | q <= theta] (not at the lemons price, and theta is not c/(b - 1)): the marginal "
         "seller is indifferent, b theta - c = b (0.25 + theta)/2. Welfare with certification counts the cost "
         "c (1 - F(theta)); share recovered = (W_cert - W_lemons)/(W_full - W_lemons).",
    reference=Lazy(certification),
    abs_tol=1e-6,
))

register(Numeric(
    id="lemons.beta_price",
    title="Price and efficiency when quality is Beta(2, 5) on [0.2, 2.2], b = 1.5",
    hint="b E[q] is below the best car 2.2, so the best sellers leave and p solves h(p) = b E[q | q <= p] - p "
         "= 0 with p < 2.2: use quality.expect(lambda x: x, lb=0.2, ub=p, conditional=True) and "
         "scipy.optimize.brentq on a bracket where h changes sign (h > 0 just above 0.2, h < 0 at 2.2). "
         "Efficiency = E[q; q <= p] / E[q] (the (b - 1) cancels), not F(p).",
    reference=Lazy(beta_price_and_efficiency),
    abs_tol=1e-6,
))
