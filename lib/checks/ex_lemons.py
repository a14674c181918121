"""Exercises for chapter 1, information asymmetry and the market for lemons (ids "lemons.*").

The exit thresholds and the two-type answers are derived here with sympy; the other numbers come from the
general solvers of lib.lemons (quadrature of the distribution function and root finding, which know nothing of the
uniform closed forms, and the planner's optimum of lib.lemons.optimal_certification), or, for the stability of the equilibria of a mixture, from scipy quadrature and root finding.
tests/test_lemons_exercises.py checks every reference against an independent route (closed forms typed from the
derivations, brute-force grids, scipy quad, simulated adjustment), so a planted error fails there.

Numeric answers are accepted to 3 significant digits (``digits=3``), which the statements ask for. Hints come in
two levels, a nudge and then the method, and typical wrong answers get a nudge about that mistake; no hint gives
the answer (tests/test_checks.py checks that for every exercise).

References are computed on first use (lib.checks.Lazy), so importing the checks stays fast;
the welfare-loss and optimal-tax references are functions and solve only when a student's answer is checked.
"""
from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
import sympy as sp

from lib.checks import Choice, Function, Lazy, Numeric, Symbolic, register

# The parameters the statements give (exercises/01_information_asymmetry.ipynb).
PRICE_MARKET = {"low": 0.25, "high": 1.75, "buyer_premium": 1.5}           # mu = 1, sigma = 0.75
LOSS_MEAN, LOSS_PREMIUM = 1.0, 1.5                                          # welfare loss as a function of sigma
LOSS_POINTS = (0.1, 0.3, 0.5, 0.55, 0.6, 0.75, 0.9, 1.0)                   # both regimes; sigma* = 0.5
CERT_MARKET = {"low": 0.25, "high": 1.75, "buyer_premium": 1.5, "cost": 0.15}
BETA_MARKET = {"a": 2, "b": 5, "low": 0.2, "high": 2.2, "buyer_premium": 1.5}
TWO_TYPES = {"lemon_share": sp.Rational(35, 100), "low": 1, "high": 2, "buyer_premium": sp.Rational(14, 10)}
MIXTURE = {"weights": (0.4, 0.0, 0.6), "edges": (0.4, 1.8, 2.4, 3.0), "buyer_premium": 1.6}
STABILITY_OPTIONS = ("none", "lowest", "middle", "highest", "lowest and middle", "lowest and highest",
                     "middle and highest", "all three")
TAX_MEAN, TAX_PREMIUM, TAX_COST = 1.0, 1.5, 0.1                           # the chapter's certification example
TAX_POINTS = (0.05, 0.2, 0.4, 0.5, 0.55, 0.6, 0.75, 0.9)                  # c/b = 0.0667, sigma* = 0.5
EXIT_DOMAIN = {"b": (1.0, 2.0), "mu": (0.1, 10.0)}          # exit needs b < 2 (for b >= 2 every seller sells)
TRIANGULAR_DOMAIN = {"b": (1.0, 3.0), "mu": (0.1, 10.0)}    # for b >= 3 every seller sells at every sigma <= mu


@lru_cache(maxsize=None)
def exit_threshold() -> sp.Expr:
    """sigma* in b and mu: every seller sells iff the all-sell price b E[q] = b mu covers the best car mu + sigma."""
    b, mu, sigma = sp.symbols("b mu sigma", positive=True)
    return sp.solve(sp.Eq(b * mu, mu + sigma), sigma)[0]


@lru_cache(maxsize=None)
def triangular_threshold() -> sp.Expr:
    """sigma* for the density (mu + sigma - q)/(2 sigma^2) on [mu - sigma, mu + sigma]: b E[q] = mu + sigma."""
    b, mu, sigma, q = sp.symbols("b mu sigma q", positive=True)
    density = (mu + sigma - q) / (2 * sigma**2)
    assert sp.simplify(sp.integrate(density, (q, mu - sigma, mu + sigma)) - 1) == 0
    mean = sp.integrate(q * density, (q, mu - sigma, mu + sigma))
    return sp.factor(sp.solve(sp.Eq(b * mean, mu + sigma), sigma)[0])


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
    with warnings.catch_warnings():  # scipy's Beta ppf warns at the extreme levels of the solver's grid; the
        warnings.simplefilter("ignore", RuntimeWarning)  # result is checked by betainc and quad in the tests
        eq = market_equilibrium(beta(m["a"], m["b"], m["low"], m["high"]), m["buyer_premium"])
    return eq.price, eq.efficiency


@lru_cache(maxsize=None)
def two_types() -> tuple[float, float, float]:
    """(smallest b at which the good cars trade, welfare in the best and in the worst equilibrium at b = 1.4).

    With two types only two offer sets exist: the lemons alone (price b q_L, an equilibrium iff q_L <= b q_L < q_H)
    and every car (price b E[q], an equilibrium iff b E[q] >= q_H)."""
    lam, lo, hi, b = (TWO_TYPES[k] for k in ("lemon_share", "low", "high", "buyer_premium"))
    x = sp.Symbol("b", positive=True)
    mean = lam * lo + (1 - lam) * hi
    b_min = sp.solve(sp.Eq(x * mean, hi), x)[0]
    assert b * mean >= hi and lo <= b * lo < hi          # at b = 1.4 both offer sets are equilibria
    best, worst = (b - 1) * mean, (b - 1) * lam * lo
    return float(b_min), float(best), float(worst)


@lru_cache(maxsize=None)
def stability() -> str:
    """Which equilibria of the mixture are stable under p_{t+1} = g(p_t): g'(p*) < 1 (g is non-decreasing).

    Fixed points of g(p) = b E[q | q <= min(p, q_hi)] by a grid and brentq, E by scipy quad split at the density's
    jumps; g'(p) = b f(p) (p - E[q | q <= p]) / F(p) (0 above q_hi and inside the gap, where f = 0)."""
    from scipy import integrate, optimize, stats

    w, edges, b = MIXTURE["weights"], MIXTURE["edges"], MIXTURE["buyer_premium"]
    quality = stats.rv_histogram((np.array(w), np.array(edges)), density=False)
    lo, hi = edges[0], edges[-1]

    def mean_below(p):
        top = min(p, hi)
        inner = [e for e in edges[1:-1] if e < top] or None
        return integrate.quad(lambda x: x * quality.pdf(x), lo, top, points=inner)[0] / quality.cdf(top)

    h = lambda p: b * mean_below(p) - p  # noqa: E731
    grid = np.linspace(lo + 1e-9, b * hi, 601)
    values = np.array([h(p) for p in grid])
    roots = [optimize.brentq(h, grid[i], grid[i + 1], xtol=1e-13)
             for i in np.flatnonzero(np.sign(values[:-1]) != np.sign(values[1:]))]
    if len(roots) != 3:
        raise RuntimeError(f"expected three equilibria, found {roots}")
    slopes = [0.0 if p >= hi else b * quality.pdf(p) * (p - mean_below(p)) / quality.cdf(p) for p in roots]
    stable = [s < 1 for s in slopes]
    names = [n for n, ok in zip(("lowest", "middle", "highest"), stable) if ok]
    return {0: "none", 3: "all three"}.get(len(names), " and ".join(names))


def optimal_tax(sigma: float) -> float:
    """The smallest rebated certification tax at which the best certification equilibrium is the planner's
    constrained optimum, quality U[1 - sigma, 1 + sigma], b = 1.5, c = 0.1 (lib.lemons.optimal_certification)."""
    return _optimal_tax(float(sigma))


@lru_cache(maxsize=64)
def _optimal_tax(sigma: float) -> float:
    from lib.distributions import uniform
    from lib.lemons import optimal_certification

    best = optimal_certification(uniform(TAX_MEAN - sigma, TAX_MEAN + sigma), TAX_PREMIUM, TAX_COST)
    if best.tax is None:
        raise ValueError(f"no rebated tax implements the constrained optimum at sigma = {sigma}")
    return best.tax


register(Symbolic(
    id="lemons.exit_threshold",
    title="The exit threshold sigma* for quality uniform on [mu - sigma, mu + sigma], 1 < b < 2",
    hint=("sigma* is a spread, not a price. As the gap grows, which seller is the first to stop selling, and what "
          "do buyers pay while every seller still sells?",
          "While every seller sells, buyers pay b times the mean quality of all cars. The best seller sells iff "
          "that price covers her own value, the top of the support; solve that condition for the largest sigma."),
    mistakes=(
        (sp.sympify("b*mu"), "b mu is the price buyers pay while every seller sells; the threshold is a spread: "
                             "how far above the mean can the best car be?"),
        (sp.sympify("mu/(b - 1)"), "This grows without bound as b falls to 1, but a smaller premium should make "
                                   "the best sellers leave sooner."),
        (sp.sympify("(b - 1)*mu/b"), "Compare the price with the best seller's value directly: she values her car "
                                     "at its quality, so there is nothing to divide by."),
        (sp.sympify("(b + 1)*mu"), "Check the sign: with b close to 1 (almost no gains from trade) even a small "
                                   "gap makes the best seller leave."),
    ),
    reference=Lazy(exit_threshold),
    variables=("b", "mu"),
    domains=EXIT_DOMAIN,
))

register(Numeric(
    id="lemons.price",
    title="Equilibrium price and share of cars traded, quality U[0.25, 1.75], b = 1.5",
    hint=("Buyers pay b times the average quality of the cars OFFERED at the price, not of all cars. Is b times "
          "the mean of all cars enough for the best seller to sell?",
          "At a price p below the best car the cars offered are uniform on [0.25, p]: write their average, set p "
          "equal to b times it and solve for p. The share traded is F(p) for this uniform distribution."),
    mistakes=(
        ((1.5, None), "1.5 is b times the mean of ALL cars; at that price the best cars (up to 1.75) are not "
                      "offered, so the average offered is lower."),
        ((None, 1.0), "Not every car trades: the best sellers leave. The share traded is F(p)."),
        ((None, 2 / 3), "The share traded is the share of cars with quality at most the price, F(p), not the "
                        "share above it."),
    ),
    reference=Lazy(price_and_share),
    digits=3,
))

register(Function(
    id="lemons.welfare_loss",
    title="Welfare lost to the information gap as a function of sigma (mu = 1, b = 1.5)",
    hint=("Treat the two regimes separately: below the exit threshold every car trades, so what is lost? Beyond it "
          "only the cars with q <= p trade.",
          "Beyond the threshold find the price from p = b E[q | q <= p] for quality uniform on [1 - sigma, "
          "1 + sigma]; then W = (b - 1) F(p) E[q | q <= p], the share traded times the average quality traded. "
          "The loss is W_FI - W, with W_FI = (b - 1) mu."),
    mistakes=(
        (lambda s: 0.5 - (1 - s) ** 2 / s,
         "Below sigma* every car trades: the loss there is zero, not the exit-regime formula."),
        (lambda s: 0.0 if s <= 0.5 else 0.5 - 0.5 * 2 * (1 - s),
         "W counts only the cars that trade: multiply the average quality traded by the share traded, F(p)."),
        (lambda s: 0.5 if s <= 0.5 else (1 - s) ** 2 / s,
         "That is the welfare W; the exercise asks for what is lost, W_FI - W."),
        (lambda s: 0.0 if s <= 0.5 else 0.5 * (1 - (1 - s) / s),
         "Each car that does not trade loses (b - 1) q: the cars that leave are the best ones, so weigh them by "
         "their quality, not just their number."),
    ),
    reference=welfare_loss,
    points=tuple((s,) for s in LOSS_POINTS),
    abs_tol=1e-6,
))

register(Numeric(
    id="lemons.certification",
    title="Certification at cost 0.15, quality U[0.25, 1.75], b = 1.5: threshold and share of the loss recovered",
    hint=("An uncertified car still sells, at the buyers' value of the uncertified pool. Who certifies? Compare "
          "what the marginal seller gets with and without a certificate.",
          "Suppose the uncertified pool [0.25, theta] sells in full at p_u = b E[q | q <= theta]. The seller at "
          "theta is indifferent, b theta - c = p_u: solve for theta and check p_u >= theta. Welfare with "
          "certification is the gains of every traded car minus c times the share certifying; the share recovered "
          "is (W_cert - W_lemons)/(W_FI - W_lemons), with W_lemons from Exercise 2."),
    mistakes=(
        ((0.3, None), "c/(b - 1) is where certifying beats keeping the car; but an uncertified car still sells, at "
                      "p_u, so the marginal seller compares b theta - c with p_u."),
        ((0.35, None), "The uncertified price is b times the AVERAGE of the pool [0.25, theta], not b times its "
                       "bottom."),
        ((None, 1.0), "Certification spends c per certifier, so it cannot recover all of the loss: subtract c "
                      "times the share certifying."),
        ((None, 0.37), "That is the welfare with certification, not the share of the loss it recovers."),
    ),
    reference=Lazy(certification),
    digits=3,
))

register(Numeric(
    id="lemons.beta_price",
    title="Price and efficiency when quality is Beta(2, 5) on [0.2, 2.2], b = 1.5",
    hint=("Is b E[q] enough for the best seller (quality 2.2)? If not, the price solves p = b E[q | q <= p] "
          "below 2.2. Efficiency is a ratio of welfares, not the share of cars traded.",
          "Write h(p) = b E[q | q <= p] - p with quality.expect(lambda x: x, lb=0.2, ub=p, conditional=True) and "
          "find its root with scipy.optimize.brentq on a bracket where h changes sign (h > 0 just above 0.2, "
          "h < 0 at 2.2). Efficiency = E[q; q <= p] / E[q] (the factor b - 1 cancels)."),
    mistakes=(
        ((1.5 * (0.2 + 2 * 2 / 7), None), "That is b E[q], the price if every seller sold; it is below the best "
                                          "car, so the best sellers do not sell at it and the average is lower."),
        ((None, 0.6503742491), "That is the share of cars traded, F(p). Efficiency weighs each traded car by its "
                               "quality: E[q; q <= p] / E[q]."),
    ),
    reference=Lazy(beta_price_and_efficiency),
    digits=3,
))

register(Symbolic(
    id="lemons.triangular_threshold",
    title="The exit threshold when the density falls linearly from mu - sigma to zero at mu + sigma, 1 < b < 3",
    hint=("Whether every seller sells does not depend on the shape of F, but the mean does: is mu the mean of "
          "this density?",
          "Compute E[q], the integral of q f(q) over [mu - sigma, mu + sigma] (sympy.integrate); every seller "
          "sells iff b E[q] covers the best car's value mu + sigma: solve that for sigma."),
    mistakes=(
        (sp.sympify("(b - 1)*mu"), "That is the threshold when the mean is mu. This density puts more weight on "
                                   "the poor cars: compute its mean."),
        (sp.sympify("3*(b - 1)*mu/(3 - b)"), "Check the sign of the mean's shift: the density is highest at the "
                                             "bottom of the support, so E[q] is below mu."),
    ),
    reference=Lazy(triangular_threshold),
    variables=("b", "mu"),
    domains=TRIANGULAR_DOMAIN,
))

register(Numeric(
    id="lemons.two_types",
    title="Two types (35% lemons of quality 1, good cars of quality 2): smallest b for trade, welfare at b = 1.4",
    hint=("With two types, at any price either only the lemons are offered or every car is. Each offer set gives "
          "a candidate equilibrium: can both hold at once?",
          "The good cars trade iff the price when every car is offered, b E[q], covers a good car: solve for b. At "
          "b = 1.4 check each candidate: lemons only at p = b (is it below 2, and at least 1?), every car at "
          "p = b E[q] (is it at least 2?). Welfare is (b - 1) E[q; q traded] per potential seller."),
    mistakes=(
        ((2.0, None, None), "b = 2 makes the lemons' price cover a good car; but once the good cars are offered "
                            "buyers pay for the average of all cars, which is above 1."),
        ((None, None, 0.4 * 1.65), "At b = 1.4 there are two equilibria: check whether a price at which only the "
                                   "lemons are offered confirms itself."),
        ((None, None, 0.0), "In the worst equilibrium the lemons still trade: their owners are paid more than 1."),
        ((None, 0.4, None), "b - 1 is the gain per unit of quality: multiply it by the average quality traded, "
                            "per potential seller."),
        ((None, 1.4 * 1.65, None), "That is the price; welfare is the gains from trade, (b - 1) q per traded car, "
                                   "per potential seller."),
    ),
    reference=Lazy(two_types),
    digits=3,
))

register(Choice(
    id="lemons.stability",
    title="Which equilibria of a two-bump market are stable under p_{t+1} = g(p_t)?",
    hint=("At each equilibrium compare the slope of g with that of the 45° line: does g cross it from above or "
          "from below?",
          "g'(p) = b f(p) (p - E[q | q <= p]) / F(p), with f = 0 where there are no cars and above the best car. "
          "Find the equilibria with brentq on g(p) - p over a grid and evaluate g' at each; or iterate "
          "p_{t+1} = g(p_t) from just above and just below each one."),
    mistakes=(
        ("all three", "An equilibrium where g crosses the 45° line from below (g' > 1) pushes nearby prices away: "
                      "compute g' at each one."),
        ("highest", "Compute g' at every equilibrium, the lowest included (f is not zero there)."),
        ("middle", "At the middle equilibrium, does a price slightly above it move further up or come back?"),
    ),
    reference=Lazy(stability),
    options=STABILITY_OPTIONS,
))

register(Function(
    id="lemons.optimal_tax",
    title="The welfare-maximising rebated certification tax as a function of sigma (mu = 1, b = 1.5, c = 0.1)",
    hint=("Split the range of sigma: where nobody certifies even without a tax, where every car would trade without "
          "certification (sigma <= sigma*), and beyond sigma*. In each, which certification threshold does the "
          "planner want?",
          "Where every car trades anyway, the planner wants nobody to certify: find the smallest tau at which the "
          "best seller prefers the uncertified price, b times the mean, to b q_H - c - tau. Beyond sigma* she "
          "certifies exactly the cars the lemons market loses, theta = p*, and tau makes the seller at p* "
          "indifferent (the uncertified pool then sells at b E[q | q <= p*] = p*)."),
    mistakes=(
        (lambda s: 0.0 if s <= 0.5 else 0.5 * 3 * (1 - s) - 0.1,
         "Below sigma* every car trades, but without a tax the best sellers still certify (once sigma > c/b), "
         "spending c each for nothing: the planner wants to stop that."),
        (lambda s: 0.5 * 3 * (1 - s) - 0.1,
         "b (mu - sigma)/(2 - b) is the lemons price only beyond sigma*; below it the uncertified pool is the whole "
         "market."),
        (lambda s: 1.5 * s - 0.1 if s <= 0.5 else 0.5 * 3 * (1 - s) - 0.1,
         "A negative tax is a subsidy: for sigma <= c/b nobody certifies even without a tax."),
        (lambda s: max(1.5 * s, 0.0) if s <= 0.5 else 0.5 * 3 * (1 - s),
         "The tax comes on top of the fee c: subtract it."),
    ),
    reference=optimal_tax,
    points=tuple((s,) for s in TAX_POINTS),
    abs_tol=1e-6,
))
