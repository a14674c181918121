"""Checks that kill mutants of lib/lemons.py (tools/mutate.py) the other tests let live."""
import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from scipy import optimize, special, stats

from lib import lemons
from lib.distributions import beta, truncated_normal, uniform


@pytest.mark.parametrize("mean,b", [(1e308, 1.5), (1.5e308, 1.2), (1e-300, 1.9)])
def test_exit_threshold_near_the_ends_of_the_floats(mean, b):
    """sigma* = (b - 1) mu is a finite float for these means, so it must be returned (not rejected as an overflow);
    the reference multiplies in exact rationals."""
    from fractions import Fraction

    expected = float((Fraction(b) - 1) * Fraction(mean))
    assert lemons.uniform_exit_threshold(mean, b) == pytest.approx(expected, rel=1e-15)


def test_uniform_certification_case_b_prices_the_pool_as_its_own_lemons_market():
    """Case B (theta = q_c = c/(b - 1), the pool [lo, q_c] does not sell entirely): the uncertified cars trade at the
    lemons price of quality U[lo, q_c], b lo/(2 - b). The vectorised closed form against the general solvers
    (quadrature and brentq) on that truncated market and on the whole certification equilibrium."""
    from lib.distributions import uniform

    b, c = 1.2, 0.1
    sigma = np.array([0.85, 0.9, 0.95])
    vec = lemons.uniform_certification(1.0, sigma, b, c)
    assert list(vec.case) == ["B", "B", "B"]
    q_c = c / (b - 1)
    for s, theta, p_u in zip(sigma, vec.threshold, vec.uncertified_price):
        truncated = lemons.market_equilibrium(uniform(1 - s, q_c), b)
        general = lemons.certification_equilibrium(uniform(1 - s, 1 + s), b, c)
        assert theta == pytest.approx(q_c, rel=1e-12) and general.case == "B"
        assert p_u == pytest.approx(truncated.price, rel=1e-10)
        assert p_u == pytest.approx(general.uncertified_price, rel=1e-10)


@pytest.mark.parametrize("width", [1e-6, 1.0, 1e6])
def test_slope_of_the_no_trade_equilibrium_is_scale_free(width):
    """For U[0, w], E[q | q <= p] = p/2, so g(p) = b p/2 and g'(0) = b/2 whatever the unit of money (w)."""
    from lib.distributions import uniform

    eq = lemons.market_equilibrium(uniform(0.0, width), 1.5)
    assert eq.price == 0.0 and len(eq.equilibria) == 1
    assert eq.equilibria[0].slope == pytest.approx(0.75, rel=1e-9) and eq.equilibria[0].stable


def test_simulated_full_information_welfare_is_the_welfare_when_every_car_trades():
    """With sigma = 0.1 <= sigma* = 0.5 every car trades, so the sample's welfare is its full-information welfare;
    both are (b - 1) times the sample mean, within 5 standard errors of (b - 1) E[q] = 0.5."""
    from lib.distributions import uniform

    n = 20_000
    sim = lemons.simulate_market(uniform(0.9, 1.1), 1.5, n_sellers=n, seed=7)
    assert sim.traded_share == 1.0
    assert sim.full_information_welfare == pytest.approx(sim.welfare, rel=1e-12)
    assert abs(sim.full_information_welfare - 0.5) < 5 * 0.5 * (0.2 / math.sqrt(12)) / math.sqrt(n)


class _SmallStep(stats.rv_continuous):
    """Density 1e-9 on [s, 0.5) (s inside a panel of the base grid), the rest of the mass uniform on [0.5, 1]."""

    S, EPS = 0.1234567, 1e-9

    def _pdf(self, x):
        low = np.where((x >= self.S) & (x < 0.5), self.EPS, 0.0)
        return low + np.where(x >= 0.5, (1 - self.EPS * (0.5 - self.S)) / 0.5, 0.0)


def test_pdf_only_density_with_a_tiny_step_is_integrated_to_full_accuracy():
    """Below 0.5 the pool is uniform on [s, p], so E[q | q <= p] = (s + p)/2 and E[q; q <= p] = eps (p^2 - s^2)/2,
    although the mass there is only 4e-10: the panels around the step must be refined (the absolute floor of the
    refinement is per unit of the support, not larger)."""
    quality = _SmallStep(a=0.0, b=1.0)()
    s, eps = _SmallStep.S, _SmallStep.EPS
    p = np.array([0.13, 0.2, 0.3, 0.45])
    assert np.allclose(lemons.conditional_mean(quality, p), (s + p) / 2, rtol=1e-10, atol=0)
    assert np.allclose(lemons.partial_expectation(quality, p), eps * (p - s) * (p + s) / 2, rtol=1e-9, atol=0)


@pytest.mark.parametrize("lo, hi, b, c", [(0.02, 1.98, 1.1, 0.052), (0.0, 2.0, 1.3, 0.04)])
def test_optimum_at_the_laissez_faire_case_b_threshold_needs_no_tax(lo, hi, b, c):
    """Uniform quality, case B: without a tax the threshold is q_c = c/(b - 1) and the pool below it is a lemons
    market. A brute-force planner over 4001 thresholds (closed-form uniform welfare) finds no better threshold, so
    the tax that implements the optimum is 0 and its equilibrium is the laissez-faire one."""
    from lib.distributions import uniform

    quality = uniform(lo, hi)
    opt = lemons.optimal_certification(quality, b, c)
    free = lemons.certification_equilibrium(quality, b, c)
    assert free.case == "B" and free.threshold == pytest.approx(c / (b - 1), rel=1e-12)

    theta = np.linspace(lo, hi, 4001)
    whole = b * (lo + theta) / 2 >= theta                            # the pool [lo, theta] sells entirely
    sold = np.where(whole, theta, np.minimum(b * lo / (2 - b), theta))  # else up to its lemons price
    welfare = (b - 1) * ((sold**2 - lo**2) + (hi**2 - theta**2)) / (2 * (hi - lo)) / 2 - c * (hi - theta) / (hi - lo)
    assert welfare.max() <= opt.welfare + 1e-9
    assert opt.threshold == pytest.approx(free.threshold, rel=1e-9) and opt.welfare == pytest.approx(free.welfare)
    assert opt.tax == 0.0 and opt.equilibrium is not None and opt.equilibrium.threshold == pytest.approx(opt.threshold)


def test_top_slope_uses_the_left_limit_of_the_density():
    """Density 2q on [0, 1) written with the value 1/2 at q = 1 (another version of the same density): E[q | q <= p]
    = 2p/3 for p < 1, so g(p) = 2bp/3 and g'(1-) = 2b/3; the value at the single point q = 1 is irrelevant."""

    class Ramp(stats.rv_continuous):
        def _pdf(self, x):
            return np.where(x < 1.0, 2.0 * x, 0.5)

    b = 1.5
    assert lemons.top_slope(Ramp(a=0.0, b=1.0)(), b) == pytest.approx(2 * b / 3, rel=1e-9)


def test_a_quality_with_probability_zero_changes_nothing():
    """Adding a quality level of probability 0 (at the top, at the bottom) leaves the market as it was: the same
    support, prices, shares and welfare (the best car that can be offered is still 2, so is the exit quality)."""
    plain = lemons.market_equilibrium(stats.rv_discrete(values=([1.0, 2.0], [0.5, 0.5])), 2.5)
    for values in (([1.0, 2.0, 3.0], [0.5, 0.5, 0.0]), ([0.0, 1.0, 2.0], [0.0, 0.5, 0.5])):
        padded = lemons.market_equilibrium(stats.rv_discrete(values=values), 2.5)
        assert padded == plain
        assert padded.support == (1.0, 2.0) and padded.exit_quality == 2.0


def test_simulated_two_quality_market_draws_both_qualities():
    """Qualities 1 and 2 with probability 1/2 each, b = 1.8: b E[q] = 2.7 >= 2, so every car trades; the sample's
    average quality is within 5 standard errors (0.5 / sqrt(n)) of 1.5 and the price is 1.8 times it."""
    n = 20_000
    sim = lemons.simulate_market(stats.rv_discrete(values=([1.0, 2.0], [0.5, 0.5])), 1.8, n_sellers=n, seed=3)
    assert sim.traded_share == 1.0
    assert abs(sim.average_quality - 1.5) < 5 * 0.5 / math.sqrt(n)
    assert sim.price == pytest.approx(1.8 * sim.average_quality, rel=1e-12)


def test_discrete_quality_too_large_for_floats_is_rejected():
    """b q_hi = 1.5e308 * 2 overflows: a ValueError naming quality (the model is homogeneous: rescale)."""
    huge = stats.rv_discrete(values=([1.0, 1.5e308], [0.5, 0.5]))
    with pytest.raises(ValueError, match="quality"):
        lemons.market_equilibrium(huge, 2.0)


@pytest.mark.parametrize("p", [True, "0.5", None, [0.2, "a"], 1 + 2j, np.array([True, False])])
def test_prices_that_are_not_real_numbers_are_type_errors_naming_p(p):
    from lib.distributions import uniform

    for call in (lemons.conditional_mean, lemons.partial_expectation):
        with pytest.raises(TypeError, match="p"):
            call(uniform(0, 1), p)


@pytest.mark.parametrize("p", [math.nan, math.inf, [0.5, -math.inf], 10**400])
def test_prices_that_are_not_finite_are_value_errors_naming_p(p):
    from lib.distributions import uniform

    for call in (lemons.conditional_mean, lemons.partial_expectation):
        with pytest.raises(ValueError, match="p"):
            call(uniform(0, 1), p)


# ------------------------------------------------------------------------------------------------ pools and fixed points

def _histogram(weights, edges):
    """A frozen rv_histogram with these bin counts (not densities) on these edges."""
    return stats.rv_histogram((np.asarray(weights, dtype=float), np.asarray(edges, dtype=float)), density=False)()


def test_histograms_with_the_same_support_are_different_markets():
    """Three histograms on the same bins [0, 1/2, 1] with different weights: each conditional mean at p = 3/4 is its
    own, computed in exact rationals from the piecewise-constant density (a pool built for one histogram must not be
    reused for another with the same support)."""
    p = Fraction(3, 4)
    for w in ([1, 3], [3, 1], [1, 1]):
        f0, f1 = (Fraction(2 * v, sum(w)) for v in w)  # densities on [0, 1/2) and [1/2, 1]
        F = f0 / 2 + f1 * (p - Fraction(1, 2))
        partial = f0 * Fraction(1, 8) + f1 * (p * p - Fraction(1, 4)) / 2
        assert lemons.conditional_mean(_histogram(w, [0.0, 0.5, 1.0]), 0.75) == pytest.approx(float(partial / F),
                                                                                             rel=1e-13)


def test_all_mass_just_below_the_top_quality_sells_entirely():
    """Density zero on [0, e), uniform on [e, 1] with e = 1 - 2^-24 (exact in binary): E[q] = (1 + e)/2, and
    b E[q] = 1.5 (1 + e)/2 >= 1 = q_hi, so every car trades: traded share exactly 1, regime "all sell"."""
    e = 1 - 2.0**-24
    eq = lemons.market_equilibrium(_histogram([0.0, 1.0], [0.0, e, 1.0]), 1.5)
    assert eq.regime == "all sell" and eq.traded_share == 1.0
    assert eq.price == pytest.approx(1.5 * (1 + e) / 2, rel=1e-14)


def test_slope_at_a_fixed_point_on_the_top_quality_is_the_left_derivative():
    """Uniform histogram on [1, 3], b = 1.5: b E[q] = 3 = q_hi, so p = 3 is the equilibrium. E[q | q <= p] =
    (1 + p)/2, so g'(3-) = b/2 = 0.75 (the histogram's density at q_hi itself is 0 by scipy's convention, which
    must not be used)."""
    eq = lemons.market_equilibrium(_histogram([1.0, 1.0], [1.0, 2.0, 3.0]), 1.5)
    assert eq.price == 3.0 and eq.regime == "all sell"
    assert eq.equilibria[-1].slope == pytest.approx(0.75, rel=1e-9) and eq.equilibria[-1].stable


class _PdfUniform(stats.rv_continuous):
    """The uniform density written with only _pdf (no cdf, no ppf), so the pool's panels are the equal ones."""

    def _pdf(self, x):
        return np.full(np.shape(x), 1.0 / (self.b - self.a))


def test_case_b_threshold_inside_the_first_panel_prices_its_own_lemons_market():
    """U[1, 2049] (pdf only: base panels of width 1), b = 1.2, c = 0.36: q_c = 1.8 lies in the first panel. Case A
    fails (lo + 2c/b = 1.6 < q_c), C fails (b q_hi - c > q_hi), and b (1 + 1.8)/2 = 1.68 <= 1.8, so theta = 1.8
    (case B) and the pool U[1, 1.8] trades at its lemons price b lo/(2 - b) = 1.5 (chapter 1's closed form)."""
    eq = lemons.certification_equilibrium(_PdfUniform(a=1.0, b=2049.0)(), 1.2, 0.36)
    assert eq.case == "B" and eq.threshold == pytest.approx(1.8, rel=1e-12)
    assert eq.uncertified_price == pytest.approx(1.5, rel=1e-10)


def test_a_nearly_empty_top_quality_adds_no_second_equilibrium():
    """Qualities 1 and 2 with probabilities 1 and 1e-14 (normalised), b = 3. In exact rationals the only fixed point
    is b E[q] (the mean of both, >= 2): p = 3 m_1 with m_1 the mean of quality 1 alone would need 3 < 2."""
    values, probs = [1.0, 2.0], [1.0, 1e-14]
    eq = lemons.market_equilibrium(stats.rv_discrete(values=(values, probs)), 3.0)
    P, V = [Fraction(p) for p in probs], [Fraction(v) for v in values]
    mean = (V[0] * P[0] + V[1] * P[1]) / (P[0] + P[1])
    assert [fp.price for fp in eq.equilibria] == [pytest.approx(float(3 * mean), rel=1e-15)]


@pytest.mark.parametrize("scale", [1e-6, 1e6])
def test_case_b_certification_is_scale_free(scale):
    """The model is homogeneous in the unit of money: U[0.02 s, 1.98 s], b = 1.1, c = 0.052 s is case B at every
    scale s, with theta = c/(b - 1) and the pool's lemons price b lo/(2 - b) (chapter 1's closed forms)."""
    lo, hi, b, c = 0.02, 1.98, 1.1, 0.052
    eq = lemons.certification_equilibrium(uniform(lo * scale, hi * scale), b, c * scale)
    assert eq.case == "B" and eq.threshold == pytest.approx(c / (b - 1) * scale, rel=1e-12)
    assert eq.uncertified_price == pytest.approx(b * lo / (2 - b) * scale, rel=1e-10)
    assert eq.other_thresholds == ()


def test_case_a_threshold_in_the_last_scan_interval():
    """U[0, 1], b = 2.5, c = (b/2)(1 - 1e-5): the indifferent seller solves b (t - t/2) = c, t = 2c/b = 1 - 1e-5,
    inside the last panel below q_hi; q_c = c/(b - 1) < t and b q_hi - c > b E[q] = 1.25, so it is case A."""
    b = 2.5
    c = b / 2 * (1 - 1e-5)
    eq = lemons.certification_equilibrium(uniform(0.0, 1.0), b, c)
    assert eq.case == "A" and eq.threshold == pytest.approx(2 * c / b, rel=1e-13)
    assert eq.uncertified_price == pytest.approx(b * eq.threshold - c, rel=1e-13)


def test_the_tax_that_stops_wasteful_certification():
    """U[0.9, 1.1], b = 1.5, c = 0.05: every car trades without certification (b E[q] = 1.5 >= 1.1), yet the best
    seller certifies (b q_hi - c = 1.6 > 1.5). The planner's optimum is that nobody certifies; the smallest tax that
    implements it is b q_hi - c - b E[q] = 0.1, and at that tax the best equilibrium has nobody certifying (case C)."""
    lo, hi, b, c = 0.9, 1.1, 1.5, 0.05
    opt = lemons.optimal_certification(uniform(lo, hi), b, c)
    assert opt.threshold == hi and opt.certification_spending == 0.0
    assert opt.tax == pytest.approx(b * hi - c - b * (lo + hi) / 2, rel=1e-8)
    taxed = lemons.certification_equilibrium(uniform(lo, hi), b, c, tax=opt.tax)
    assert taxed.case == "C" and taxed.certified_share == 0.0 and opt.equilibrium.case == "C"


@pytest.mark.parametrize("scale", [1e4, 1e7])
def test_laissez_faire_case_b_optimum_needs_no_tax_at_large_scales(scale):
    """U[0, 2 s], b = 1.3, c = 0.04 s: the optimum is the laissez-faire case-B threshold q_c = c/(b - 1) at every
    scale s (the test above checks it against a brute-force planner at s = 1), so the implementing tax is 0 up to
    rounding, not 'no tax implements it' (at these scales (b - 1) q_c - c rounds to a tiny negative number)."""
    lo, hi, b, c = 0.0, 2.0 * scale, 1.3, 0.04 * scale
    opt = lemons.optimal_certification(uniform(lo, hi), b, c)
    assert opt.threshold == pytest.approx(c / (b - 1), rel=1e-9)
    assert opt.tax is not None and abs(opt.tax) <= 1e-12 * hi
    assert opt.equilibrium.threshold == pytest.approx(opt.threshold, rel=1e-9)


def test_conditional_mean_deep_in_the_tail_of_a_narrow_normal():
    """Normal(1, 1e-4) truncated to [0, 2]: at p = 1 - z sd (z = 10, 20, 30; F(p) from 1e-23 to 1e-197, every
    point within four base panels of the support) E[q | q <= p] agrees with the closed form mu - sd (phi(beta) -
    phi(alpha)) / (Phi(beta) - Phi(alpha)) evaluated in 50-digit arithmetic, to 1e-9 of p - E."""
    import mpmath as mp

    sd = 1e-4
    quality = stats.truncnorm(-1 / sd, 1 / sd, loc=1.0, scale=sd)
    with mp.workdps(50):
        for z in (10.0, 20.0, 30.0):
            p = 1 - z * sd
            alpha, beta_ = (0 - mp.mpf(1)) / sd, (mp.mpf(p) - 1) / sd
            E = 1 - sd * (mp.npdf(beta_) - mp.npdf(alpha)) / (mp.ncdf(beta_) - mp.ncdf(alpha))
            assert abs(lemons.conditional_mean(quality, p) - E) <= 1e-9 * (p - E)


def _truncnorm_forms(mu, sd, lo, hi):
    """F(t) and E[q; q <= t] of Normal(mu, sd) truncated to [lo, hi], from the normal cdf and density."""
    phi = lambda z: np.exp(-z * z / 2) / np.sqrt(2 * np.pi)  # noqa: E731
    al = (lo - mu) / sd
    Z = special.ndtr((hi - mu) / sd) - special.ndtr(al)
    F = lambda t: (special.ndtr((np.asarray(t) - mu) / sd) - special.ndtr(al)) / Z  # noqa: E731
    partial = lambda t: (mu * Z * F(t) - sd * (phi((np.asarray(t) - mu) / sd) - phi(al))) / Z  # noqa: E731
    return truncated_normal(mu, sd, lo, hi), F, partial


def _beta_forms(a, bb, lo, hi):
    """F(t) and E[q; q <= t] of lo + (hi - lo) Beta(a, bb), from the regularised incomplete beta function."""
    x = lambda t: np.clip((np.asarray(t) - lo) / (hi - lo), 0, 1)  # noqa: E731
    F = lambda t: special.betainc(a, bb, x(t))  # noqa: E731
    partial = lambda t: lo * F(t) + (hi - lo) * a / (a + bb) * special.betainc(a + 1, bb, x(t))  # noqa: E731
    return beta(a, bb, lo, hi), F, partial


@pytest.mark.parametrize("forms, b, c", [(_truncnorm_forms(1.0, 0.4, 0.3, 2.5), 1.5, 0.05),
                                         (_beta_forms(2, 2, 0.5, 2.0), 1.5, 0.05)])
def test_optimal_certification_attains_the_supremum_at_a_fixed_point(forms, b, c):
    """The planner's welfare W(theta) from closed forms (normal cdf and density; incomplete beta): on a grid of 4001
    thresholds, and at every fixed point r of the market (found by brentq on the closed-form h), where the pool
    [q_lo, r] sells entirely at p = r, W(r) = (b - 1) E[q] - c (1 - F(r)) (the supremum of W just below r, where
    the pool still sells entirely). optimal_certification reaches the largest of these values."""
    quality, F, partial = forms
    lo, hi = quality.support()
    mean = float(partial(hi))
    h = lambda p: b * partial(p) / F(p) - p  # noqa: E731
    grid = np.linspace(lo + 1e-9, hi, 4001)
    hv = h(grid)
    roots = np.array([optimize.brentq(h, grid[i], grid[i + 1], xtol=1e-15)
                      for i in np.flatnonzero(hv[:-1] * hv[1:] < 0)])
    below = np.array([max(roots[roots < t], default=lo) for t in grid])
    s = np.where(b * partial(grid) >= grid * F(grid), grid, below)  # sold up to s: theta, or the fixed point below
    W = (b - 1) * (partial(s) + mean - partial(grid)) - c * (1 - F(grid))
    best = max([W.max()] + [(b - 1) * mean - c * (1 - F(r)) for r in roots])
    assert roots.size >= 1
    assert lemons.optimal_certification(quality, b, c).welfare == pytest.approx(best, rel=1e-10)


@pytest.mark.parametrize("mu, sigma, b", [(0.99, 0.84, 1.32), (1.94, 1.57, 1.54), (1.74, 1.6, 1.64)])
def test_cost_at_which_the_best_seller_is_indifferent_about_certifying(mu, sigma, b):
    """c = (b - 1) q_hi: the best seller gets b q_hi - c = q_hi by certifying, exactly her own value, so nobody
    strictly gains and the best equilibrium is case C: threshold q_hi, the lemons market's welfare (chapter 1's
    closed form for uniform quality). For these inputs b q_hi - c rounds to just above q_hi."""
    lo, hi = mu - sigma, mu + sigma
    c = (b - 1) * hi
    lemons_welfare = (b - 1) ** 2 * lo**2 / ((2 - b) ** 2 * sigma)  # top sellers exit: sigma > (b - 1) mu
    closed = lemons.uniform_certification(mu, sigma, b, c)
    general = lemons.certification_equilibrium(uniform(lo, hi), b, c)
    for eq in (closed, general):
        assert str(np.asarray(eq.case).ravel()[0]) == "C"
        assert float(np.asarray(eq.threshold).ravel()[0]) == hi
        assert float(np.asarray(eq.welfare).ravel()[0]) == pytest.approx(lemons_welfare, rel=1e-9)


# ------------------------------------------------------------------------------------------------ pdf-only densities

_C = 2.0**-11  # the first panel end of the base grid of [0, 1] (exact in binary)


class _LateStart(stats.rv_continuous):
    """Declared on [0, 1], density 0 on [0, c] and uniform on (c, 1] with c = 2^-11: no car is worse than c."""

    def _pdf(self, x):
        return np.where(x > _C, 1 / (1 - _C), 0.0)


def test_a_density_that_starts_inside_the_support_has_no_no_trade_equilibrium():
    """Every car is worth at least c > 0, so b E[q | q <= p] >= b c > p for p < b c: p = 0 is not a fixed point.
    For p >= c the pool is U[c, p], E = (c + p)/2, and p = b (c + p)/2 gives p = b c/(2 - b) (chapter 1's form with
    q_lo = c). Where nobody offers, E[q | q <= p] is its limit, the lowest quality c."""
    b = 1.2
    eq = lemons.market_equilibrium(_LateStart(a=0.0, b=1.0)(), b)
    assert [e.price for e in eq.equilibria] == [pytest.approx(b * _C / (2 - b), rel=1e-12)]
    assert lemons.conditional_mean(_LateStart(a=0.0, b=1.0)(), _C / 2) == pytest.approx(_C, rel=1e-12)


@pytest.mark.parametrize("c", [0.0007, 2.0**-11 + 1e-7, 0.31])
def test_a_density_that_jumps_up_off_the_grid_inside_the_support(c):
    """As above with the jump at c not on a base panel end (2^-11 + 1e-7 lies 1e-7 right of one, between every
    Gauss-Legendre node of that panel and of its halves): the lemons price is still b c/(2 - b) and
    E[q | q <= p] = (c + p)/2 (the pool U[c, p])."""

    class Jump(stats.rv_continuous):
        def _pdf(self, x):
            return np.where(x > c, 1 / (1 - c), 0.0)

    b = 1.2
    q = Jump(a=0.0, b=1.0)()
    eq = lemons.market_equilibrium(q, b)
    assert [e.price for e in eq.equilibria] == [pytest.approx(b * c / (2 - b), rel=1e-12)]
    p = np.array([1.5 * c, c + (1 - c) / 2, 1.0])
    assert lemons.conditional_mean(q, p) == pytest.approx((c + p) / 2, rel=1e-12)


class _Power(stats.rv_continuous):
    """Density 11 q^10 on [0, 1] written with only _pdf: F(p) = p^11, E[q | q <= p] = 11 p / 12."""

    def _pdf(self, x):
        return 11 * x**10


@pytest.mark.parametrize("p", [2e-5, 1e-4, 3e-4])
def test_steep_pdf_only_density_inside_the_first_panel(p):
    """p inside the first base panel [0, 2^-11], where F(p) is up to 1e-15 of F at the panel's end: F, E[q; q <= p]
    and E[q | q <= p] against the closed forms p^11, 11 p^12 / 12 and 11 p / 12 (so F(p) must be integrated from
    q_lo, not obtained as a difference from the panel's end)."""
    q = _Power(a=0.0, b=1.0)()
    assert lemons.partial_expectation(q, p) == pytest.approx(11 * p**12 / 12, rel=1e-12)
    assert lemons.conditional_mean(q, p) == pytest.approx(11 * p / 12, rel=1e-12)


class _Stripes(stats.rv_continuous):
    """3000 stripes of width 1/3000 on [0, 1], density 1/2 and 3/2 alternately: 2999 jumps, none on the base grid."""

    def _pdf(self, x):
        return np.where(np.floor(x * 3000) % 2 == 0, 0.5, 1.5)


def test_panel_refinement_stops_at_its_cap_and_stays_accurate():
    """Each jump would need about 29 halvings to reach 1e-12 relative (a jump's error does not shrink relative to
    its panel), 2999 x 29 > 40,000, so the refinement must stop at its documented cap of 40,000 panels. The answer
    stays within what the unresolved panels allow: on a panel of width w holding one jump of size 1, the 8-point rule
    (weights summing to w) errs by at most w in the mass and in the moment, so E[q | q <= p] errs by at most
    (1 + E) sum(w) / F(p) against the exact sum over the stripes (rationals)."""
    q = _Stripes(a=0.0, b=1.0)()
    pool = lemons._pool(q)
    assert pool.x.size - 1 <= lemons._MAX_PANELS
    p = 0.7003
    k = int(p * 3000)  # full stripes [j/3000, (j+1)/3000), j < k
    dens = lambda j: Fraction(1, 2) if j % 2 == 0 else Fraction(3, 2)  # noqa: E731
    mass = sum(dens(j) for j in range(k)) / 3000 + dens(k) * (Fraction(p) - Fraction(k, 3000))
    mom = (sum(dens(j) * (2 * j + 1) for j in range(k)) / (2 * 3000**2)
           + dens(k) * (Fraction(p) ** 2 - Fraction(k, 3000) ** 2) / 2)
    exact = float(mom / mass)
    ends = pool.x[np.searchsorted(pool.x, np.arange(1, k + 1) / 3000)[:, None] - [1, 0]]  # panels holding the jumps
    bound = (1 + exact) * float((ends[:, 1] - ends[:, 0]).sum()) / float(mass)
    assert abs(lemons.conditional_mean(q, p) - exact) <= bound


_L = 1e7


class _FarStep(stats.rv_continuous):
    """On [L, L + 1], L = 1e7 (pdf only): density 1/2 on [L, L + 0.3), 0.85/0.7 on [L + 0.3, L + 1]."""

    def _pdf(self, x):
        return np.where(x < _L + 0.3, 0.5, 0.85 / 0.7)


def test_pdf_only_density_far_from_zero_is_integrated_in_units_of_its_width():
    """A support of width 1 at 1e7: the panels and tolerances are relative to the width 1 (not to q_hi + q_lo), so
    the jump at L + 0.3 is resolved. E[q | q <= L + 0.7] - L = (0.5 x 0.3^2/2 + 0.85/0.7 x (0.7^2 - 0.3^2)/2) /
    (0.15 + 0.85/0.7 x 0.4) (closed form); floats at 1e7 are 1.9e-9 apart."""
    F = 0.15 + 0.85 / 0.7 * 0.4
    part = 0.5 * 0.3**2 / 2 + 0.85 / 0.7 * (0.7**2 - 0.3**2) / 2
    assert lemons.conditional_mean(_FarStep(a=_L, b=_L + 1)(), _L + 0.7) - _L == pytest.approx(part / F, abs=1e-8)


class _Heavy(stats.rv_continuous):
    """A constant density on [0, 1] whose integral is 1 + 1.005e-6 (it does not integrate to 1 within 1e-6)."""

    def _pdf(self, x):
        return np.full(np.shape(x), 1 + 1.005e-6)


def test_a_density_that_misses_one_by_more_than_1e_6_is_rejected():
    """The module's contract: a pdf-only density must integrate to 1 within 1e-6 (1.000001005 does not)."""
    with pytest.raises(ValueError, match="integrate to 1"):
        lemons.conditional_mean(_Heavy(a=0.0, b=1.0)(), 0.5)


# ------------------------------------------------------------------------------------------------ discrete, top, closed forms

def test_discrete_quality_is_vectorised_in_p():
    """Atoms 1, 2, 4 with probabilities 0.2, 0.3, 0.5: E[q | q <= p] and E[q; q <= p] at an array of prices, against
    the direct sums over the atoms q <= p (q_lo, the limit, where nobody offers); a scalar p gives a float."""
    xk, pk = np.array([1.0, 2.0, 4.0]), np.array([0.2, 0.3, 0.5])
    d = stats.rv_discrete(values=(xk, pk))
    p = np.array([0.5, 1.0, 2.5, 4.0, 9.0])
    part = np.array([pk[xk <= t] @ xk[xk <= t] for t in p])
    mass = np.array([pk[xk <= t].sum() for t in p])
    assert np.allclose(lemons.partial_expectation(d, p), part, rtol=1e-14, atol=0)
    assert np.allclose(lemons.conditional_mean(d, p), np.where(mass > 0, part / np.maximum(mass, 1e-300), 1.0),
                       rtol=1e-14, atol=0)
    assert isinstance(lemons.conditional_mean(d, 2.5), float)


def test_top_slope_is_zero_when_no_car_is_near_the_top():
    """Histogram with all mass on [0, 1/2] of the support [0, 1]: g(p) = b E[q | q <= p] is constant on [1/2, 1],
    so its left derivative at q_hi = 1 is 0 (a difference quotient of the conditional mean says the same)."""
    q = _histogram([1.0, 0.0], [0.0, 0.5, 1.0])
    b = 1.5
    quotient = b * (lemons.conditional_mean(q, 1.0) - lemons.conditional_mean(q, 0.9)) / 0.1
    assert quotient == pytest.approx(0.0, abs=1e-12)
    assert lemons.top_slope(q, b) == 0.0


@pytest.mark.parametrize("mu", [0.5, 2.0])
def test_uniform_market_full_information_welfare_against_the_general_solver(mu):
    """(b - 1) E[q] of U[mu - sigma, mu + sigma] by the closed form and by the quadrature of the general solver,
    for a mean other than 1."""
    b, sigma = 1.3, np.array([0.2 * mu, 0.9 * mu])
    closed = lemons.uniform_market(mu, sigma, b)
    for s in sigma:
        general = lemons.market_equilibrium(uniform(mu - s, mu + s), b)
        assert float(closed.full_information_welfare) == pytest.approx(general.full_information_welfare, rel=1e-12)


def test_ten_million_sellers_is_inside_the_documented_range():
    """n_sellers in [1, 10_000_000] (the documented range, both ends included): at the upper end the call gets past
    the n_sellers check and stops at the next one (an invalid seed), so no ten-million-car market is simulated;
    one more seller is refused, naming n_sellers."""
    with pytest.raises(ValueError, match="seed"):
        lemons.simulate_market(uniform(0, 1), 1.5, 10_000_000, -1)
    with pytest.raises(ValueError, match="n_sellers"):
        lemons.simulate_market(uniform(0, 1), 1.5, 10_000_001, -1)


_GAP, _POWER = 1e-4, 30


class _EmptyStart(stats.rv_continuous):
    """Declared on [0, 1] but with no mass on [0, GAP]: F(u) = ((u - GAP)_+ / (1 - GAP))^30, smooth enough at GAP
    that the first base panel [0, 1/2048] is not refined, so it holds mass and q_lo counts as where the density
    starts, while the log-density is -inf on all of [0, GAP]."""

    def _cdf(self, u):
        return (np.clip(u - _GAP, 0, None) / (1 - _GAP)) ** _POWER

    def _pdf(self, u):
        return _POWER / (1 - _GAP) * (np.clip(u - _GAP, 0, None) / (1 - _GAP)) ** (_POWER - 1)

    def _munp(self, n):  # the mean (n = 1, all that is asked): GAP + (1 - GAP) 30/31
        return _GAP + (1 - _GAP) * _POWER / (_POWER + 1)


class _NanBelowStart(_EmptyStart):
    """The same law with its cdf written for [GAP, 1] only: a negative base to the power 30.5 is nan on [0, GAP)."""

    def _cdf(self, u):
        return ((u - _GAP) / (1 - _GAP)) ** (_POWER + 0.5)

    def _pdf(self, u):
        return (_POWER + 0.5) / (1 - _GAP) * ((u - _GAP) / (1 - _GAP)) ** (_POWER - 0.5)

    def _munp(self, n):
        return _GAP + (1 - _GAP) * (_POWER + 0.5) / (_POWER + 1.5)


def _late_partial(p, m):
    """E[q; q <= p] for q = 1 + u, F(u) = ((u - GAP)_+ / (1 - GAP))^m: with t = (p - 1 - GAP)/(1 - GAP),
    int_0^t (1 + GAP + (1 - GAP) s) m s^(m - 1) ds = (1 + GAP) t^m + (1 - GAP) m/(m + 1) t^(m + 1)."""
    t = max(p - 1 - _GAP, 0.0) / (1 - _GAP)
    return (1 + _GAP) * t ** m + (1 - _GAP) * m / (m + 1) * t ** (m + 1)


@pytest.mark.parametrize("law,m", [(_EmptyStart, _POWER), (_NanBelowStart, _POWER + 0.5)])
def test_a_density_with_no_mass_just_above_q_lo(law, m):
    """A cdf that is 0 (or nan, written for its true support) on [q_lo, q_lo + GAP]: E[q; q <= p] is 0 there (F is
    0, not an overflowed exp(+inf) or a nan read as 1) and the closed form beyond it, deep in the tail included."""
    q = law(a=0, b=1, name="late")(loc=1)
    p = np.array([1 + _GAP / 10, 1 + _GAP / 2, 1.5, 1.9, 2.0])
    expected = np.array([_late_partial(x, m) for x in p])
    with np.errstate(invalid="ignore"):
        got = lemons.partial_expectation(q, p)
    assert got[:2].tolist() == [0.0, 0.0]
    assert got[2:] == pytest.approx(expected[2:], rel=1e-10)


class _AlmostNormalised(stats.rv_continuous):
    """2 q (1 - 5e-7) on [0, 1]: integrates to 1 - 5e-7, inside the accepted 1e-6, so it is renormalised to 2 q."""

    def _pdf(self, x):
        return 2 * x * (1 - 5e-7)


def test_a_density_within_the_tolerance_is_renormalised():
    """After renormalisation the law is F(p) = p^2: E[q; q <= p] = 2 p^3/3 and E[q | q <= p] = 2 p/3 (both the
    mass and the first moment are divided by the same total)."""
    q = _AlmostNormalised(a=0.0, b=1.0)()
    p = np.array([0.25, 0.5, 1.0])
    assert lemons.partial_expectation(q, p) == pytest.approx(2 * p**3 / 3, rel=1e-10)
    assert lemons.conditional_mean(q, p) == pytest.approx(2 * p / 3, rel=1e-10)


@pytest.mark.parametrize("law", [stats.poisson(3.0), stats.geom(0.4), stats.nbinom(3, 0.5, loc=2)])
def test_discrete_quality_with_an_unbounded_support_is_rejected_as_unbounded(law):
    """A discrete quality with infinitely many levels (support [lo, inf)) has no finite q_hi: a ValueError that
    names quality and says the support must be bounded (not that it is merely too large for the atom list)."""
    with pytest.raises(ValueError, match=r"quality must have a bounded support \[lo, hi\]; got \[\d+\.0, inf\]"):
        lemons.market_equilibrium(law, 1.5)


def test_lower_end_just_above_the_rounding_allowance_is_kept():
    """The lower end is taken as 0 only within 1e-13 q_hi of 0 (scipy's rounding of loc + a scale). For U[lo, 1]
    with lo = 1.005e-13 > 1e-13 the end is kept: E[q | q <= p] = (lo + p)/2 and, as b = 1.5 < 2 and
    sigma > sigma*, the price is the closed form b lo/(2 - b) = 3 lo, not the no-trade price 0; the same lower
    end below 0 is a negative quality, a ValueError naming quality."""
    lo, b = 1.005e-13, 1.5
    quality = stats.uniform(lo, 1.0 - lo)
    eq = lemons.market_equilibrium(quality, b)
    assert eq.support[0] == lo
    assert eq.price == pytest.approx(b * lo / (2 - b), rel=1e-9) and len(eq.equilibria) == 1
    p = np.array([2e-13, 1e-12, 0.5])
    assert np.allclose(lemons.conditional_mean(quality, p), (lo + p) / 2, rtol=1e-9, atol=0)
    with pytest.raises(ValueError, match="quality must have a non-negative support"):
        lemons.market_equilibrium(stats.uniform(-lo, 1.0 + lo), b)


@pytest.mark.parametrize("loc, scale", [(2.0, 1.0), (0.5, 1.5)])
def test_shifted_histogram_conditional_mean_is_exact(loc, scale):
    """An rv_histogram quality with 60 unequal bins, shifted and scaled: its cdf is linear on every bin, so with
    the panels cut at the bin edges (loc + scale e_i) the 8-point rule is exact on each panel. The reference sums
    the bins in closed form: on [a, z] the density d contributes mass d (z - a) and first moment d (z^2 - a^2)/2."""
    edges = np.linspace(0.0, 1.0, 61) ** 1.3
    counts = 1.0 + (np.arange(60) * 7919 % 13)
    quality = stats.rv_histogram((counts, edges), density=False)(loc=loc, scale=scale)
    a_all, z_all = loc + scale * edges[:-1], loc + scale * edges[1:]
    dens = counts / counts.sum() / (z_all - a_all)
    p = np.linspace(loc, loc + scale, 37)[1:]
    z = np.minimum(z_all[None, :], p[:, None])
    width = np.clip(z - a_all, 0.0, None)
    mass = (dens * width).sum(axis=1)
    moment = (dens * width * (a_all + np.maximum(z, a_all)) / 2).sum(axis=1)
    assert np.allclose(lemons.conditional_mean(quality, p), moment / mass, rtol=1e-13, atol=0)


class _Wavy(stats.rv_continuous):
    """1 + 3 cos(2 pi q) on [0, 1]: integrates to 1 but is negative where cos(2 pi q) < -1/3 (not a density)."""

    def _pdf(self, x):
        return 1.0 + 3.0 * np.cos(2 * np.pi * x)


def test_a_pdf_that_is_negative_somewhere_is_rejected_even_if_it_integrates_to_one():
    """The integral of 1 + 3 cos(2 pi q) over [0, 1] is 1 (the cosine integrates to 0), so only the sign check can
    reject it: a ValueError naming quality's pdf, not a market computed from negative probabilities."""
    with pytest.raises(ValueError, match="quality's pdf must be a non-negative number"):
        lemons.market_equilibrium(_Wavy(a=0.0, b=1.0)(), 1.5)


class _PowerK(stats.rv_continuous):
    """Density (k + 1) q^k on [0, 1] with k a class attribute (a user-written law edited between two solves)."""

    k = 1.0

    def _pdf(self, q):
        return (self.k + 1.0) * q ** self.k


def test_a_user_written_law_edited_between_solves_is_solved_afresh():
    """A user-written generator is cached by identity only: after the class's k changes, a newly frozen law is a
    new market. For the density (k + 1) q^k, E[q | q <= p] = (k + 1) p / (k + 2) (closed form)."""
    old = _PowerK.k
    try:
        for k in (1.0, 3.0):
            _PowerK.k = k
            quality = _PowerK(a=0.0, b=1.0, name="power_k")()
            assert lemons.conditional_mean(quality, 0.5) == pytest.approx((k + 1) / (k + 2) * 0.5, rel=1e-12)
    finally:
        _PowerK.k = old


class _Triangle(stats.rv_continuous):
    """Density 2 q on [0, 1], written with only _pdf (the integrate-the-density route)."""

    def _pdf(self, q):
        return 2.0 * q


@pytest.mark.parametrize("p", [1e-9, 1e-7, 5e-7, 9e-7, 2e-4, 9.9e-4])
def test_pdf_only_density_within_1e_3_of_q_lo_uses_its_log_density(p):
    """Within 1e-3 of the width from q_lo the statistics come from the log-density on [q_lo, p]. For f(q) = 2 q:
    F(p) = p^2, E[q | q <= p] = 2 p / 3 and E[q; q <= p] = 2 p^3 / 3 (closed forms)."""
    quality = _Triangle(a=0.0, b=1.0, name="triangle")()
    assert lemons.conditional_mean(quality, p) == pytest.approx(2 * p / 3, rel=1e-12)
    assert lemons.partial_expectation(quality, p) == pytest.approx(2 * p ** 3 / 3, rel=1e-12)


def _g(atoms, probs, b, p):
    """g(p) = b x (mean of the atoms <= p), directly from the atoms (np.nan when nobody offers)."""
    atoms, probs = np.asarray(atoms), np.asarray(probs)
    sel = atoms <= p
    return b * float(np.dot(atoms[sel], probs[sel]) / probs[sel].sum()) if sel.any() else np.nan


def test_discrete_fixed_points_between_and_on_atoms_have_the_slopes_of_the_step_function():
    """g is a step function of p: a fixed point strictly between two atoms has g constant around it (slope 0,
    stable); one on an atom q_k, k > 1, sits on an upward jump of g (slope inf, unstable). Checked on g computed
    directly from the atoms, at the fixed point and one step of 1e-9 either side."""
    for atoms, probs, b in [([1.0, 2.0, 10.0], [0.3, 0.5, 0.2], 1.5), ([1.0, 3.0], [0.5, 0.5], 1.5)]:
        quality = stats.rv_discrete(values=(atoms, probs))
        eq = lemons.market_equilibrium(quality, b)
        assert len(eq.equilibria) == 2
        for fp in eq.equilibria:
            p = fp.price
            assert _g(atoms, probs, b, p) == pytest.approx(p, rel=1e-15)
            left, right = _g(atoms, probs, b, p * (1 - 1e-9)), _g(atoms, probs, b, p * (1 + 1e-9))
            if left == right:  # g flat around p
                assert fp.slope == 0.0 and fp.stable
            else:  # g jumps up at p
                assert left < p and fp.slope == math.inf and not fp.stable
        assert [fp.slope for fp in eq.equilibria] == ([0.0, 0.0] if len(atoms) == 3 else [0.0, math.inf])


def test_a_market_with_one_seller():
    """n_sellers = 1 is inside the documented range [1, 10_000_000]: the one car sells at b q, q the seller's draw
    (the same seeded generator's first draw)."""
    quality = uniform(0.5, 1.5)
    sim = lemons.simulate_market(quality, 1.5, n_sellers=1, seed=3)
    q = float(quality.rvs(size=1, random_state=np.random.default_rng(3))[0])
    assert sim.traded_share == 1.0 and sim.rounds == 1
    assert sim.average_quality == pytest.approx(q, rel=1e-15)
    assert sim.price == pytest.approx(1.5 * q, rel=1e-15)


@pytest.mark.parametrize("width", [1e-300, 1e-310])
def test_nothing_to_recover_at_tiny_scales(width):
    """U[0, w] with b = 2.5 >= 2: b E[q] = 1.25 w >= w, so every car sells and the lemons market loses nothing;
    share_recovered is None at any scale, also where 1e-15 of the full-information welfare underflows to 0."""
    quality = uniform(0.0, width)
    opt = lemons.optimal_certification(quality, 2.5, 0.0)
    ce = lemons.certification_equilibrium(quality, 2.5, 0.0)
    assert opt.lemons.regime == "all sell" and opt.lemons.welfare_loss == 0.0
    assert opt.share_recovered is None and ce.share_recovered is None


@pytest.mark.parametrize("a", [0.05, 0.2, 0.5])
@pytest.mark.parametrize("loc", [0.0, 1.0])
def test_a_density_singular_at_q_lo_near_q_lo(a, loc):
    """Beta(a, 1) shifted to [loc, loc + 1]: F(p) = t^a and E[q | q <= p] = loc + a t / (a + 1), t = p - loc (closed
    forms), so E[q; q <= p] = t^a (loc + a t / (a + 1)). Near q_lo (t < 1e-3 of the width: the log-density route)
    the mass crowds against q_lo (a share (t' / t)^a within t' of it: 18 % within 1e-15 t for a = 0.05) and must be
    counted; at t = 2e-3 (the cdf route) the same formulas hold."""
    quality = stats.beta(a, 1.0, loc=loc)
    p = loc + np.array([1e-12, 1e-9, 1e-6, 5e-4, 9.99e-4, 2e-3])
    t = p - loc  # exact (Sterbenz), the distance of the float p
    mean = lemons.conditional_mean(quality, p)
    offset = a * t / (a + 1)  # E - q_lo; at loc = 1 the mean is exact to its float spacing 2.2e-16
    assert np.all(np.abs(mean - (loc + offset)) <= 1e-11 * offset + 2.3e-16 * loc)
    assert np.max(np.abs(lemons.partial_expectation(quality, p) / (t ** a * (loc + a * t / (a + 1))) - 1)) < 1e-11


@pytest.mark.parametrize("b", [1.2, 1.5])
def test_histogram_with_an_empty_first_bin_has_no_equilibrium_below_its_mass(b):
    """rv_histogram with weights (0, 1) on the bins [0, 1], [1, 2]: quality U[1, 2] on the support [0, 2]. Below 1
    nobody offers, and on [1, 2] E[q | q <= p] = (1 + p)/2, so the only fixed point is p = b/(2 - b) when that is
    below 2 (b = 1.2: 1.5), else everyone sells at b E[q] = 1.5 b (b = 1.5: 2.25); no equilibrium at 0 or at 1."""
    q = stats.rv_histogram((np.array([0.0, 1.0]), np.array([0.0, 1.0, 2.0])))()
    eq = lemons.market_equilibrium(q, b)
    expected = b / (2 - b) if b / (2 - b) < 2 else 1.5 * b
    assert [fp.price for fp in eq.equilibria] == [pytest.approx(expected, rel=1e-12)]
    assert lemons.conditional_mean(q, 1.5) == pytest.approx(1.25, rel=1e-13)


@pytest.mark.parametrize("width", [1e-6, 1e6])
def test_pdf_only_density_infinite_at_zero_on_tiny_and_huge_supports(width):
    """1 / (2 sqrt(q w)) on [0, w] (as _pdf only): the scaled root law, E[q] = w/3 and E[q | q <= p] = p/3 at every
    scale, so the panels' smallest width must scale with the support (1e-12 w): measured 3.5e-8 relative at both
    scales."""
    class Root(stats.rv_continuous):
        def _pdf(self, q):
            return 0.5 / np.sqrt(q * width)

    q = Root(a=0.0, b=width)()
    eq = lemons.market_equilibrium(q, 1.5)
    assert eq.full_information_welfare == pytest.approx(0.5 * width / 3, rel=1e-7)
    assert lemons.conditional_mean(q, 0.25 * width) == pytest.approx(0.25 * width / 3, rel=1e-6)


def test_two_types_with_a_worthless_lemon():
    """Qualities 0 and 1, each with probability 1/2, b = 1.5: below 1 only the worthless cars are offered, so
    g(p) = b E[q | q <= p] = 0 on [0, 1) (flat: slope 0, stable) and b/2 = 0.75 < 1 above; the only equilibrium is
    p = 0, stable (it sits on the lowest atom, which is no jump of g)."""
    eq = lemons.market_equilibrium(stats.rv_discrete(values=([0.0, 1.0], [0.5, 0.5])), 1.5)
    assert eq.equilibria == (lemons.FixedPoint(price=0.0, slope=0.0, stable=True),)


def test_optimal_certification_at_zero_cost_certifies_nobody():
    """U[1, 2], b = 1.5, cost 0: the lemons market already trades everything (b E[q] = 2.25 >= 2), so every threshold
    gives W = (b - 1) E[q] = 0.75 (certification is free and moves no car); the documented tie rule takes the
    highest threshold, q_hi (nobody certifies), not q_lo (everyone does)."""
    o = lemons.optimal_certification(uniform(1.0, 2.0), 1.5, 0.0)
    assert o.welfare == pytest.approx(0.75, rel=1e-14)
    assert o.threshold == 2.0 and o.certified_share == 0.0


def test_certification_with_the_top_seller_exactly_indifferent():
    """U[1, 2], b = 1.5: the lemons market trades everything at 2.25, and at cost 0.75 the best car certified fetches
    b q_hi - c = 2.25 as well, so nobody certifying is an equilibrium (case C: threshold q_hi, W = (b - 1) E[q] = 0.75)
    at that exact tie, as at any higher cost (1.0)."""
    for c in (0.75, 1.0):
        e = lemons.certification_equilibrium(uniform(1.0, 2.0), 1.5, c)
        assert e.case == "C" and e.threshold == 2.0 and e.certified_share == 0.0
        assert e.welfare == pytest.approx(0.75, rel=1e-14)


def test_conditional_mean_in_the_last_panel_next_to_a_density_step():
    """A _pdf-only density 1 on [0, 2047) and 3 on [2047, 2048] (over 2050): the step lies on the last cut of the
    2048 equal panels, so E[q | q <= p] for p in the last panel must integrate from that cut, not across the step.
    Closed form: F(p) = (2047 + 3 (p - 2047))/2050, E[q; q <= p] = (2047^2/2 + 3 (p^2 - 2047^2)/2)/2050
    (measured agreement 9e-16 relative)."""
    class Step(stats.rv_continuous):
        def _pdf(self, x):
            return np.where(x < 2047.0, 1.0, 3.0) / 2050.0

    q = Step(a=0.0, b=2048.0)()
    for p in (2047.25, 2047.5, 2047.999):
        F = (2047.0 + 3.0 * (p - 2047.0)) / 2050
        M = (2047.0 ** 2 / 2 + 3.0 * (p * p - 2047.0 ** 2) / 2) / 2050
        assert lemons.conditional_mean(q, p) == pytest.approx(M / F, rel=1e-13)



@pytest.mark.parametrize("lo, hi, b", [(1.0, 3.0, 1.2), (0.5, 2.0, 1.5), (2.0, 7.0, 1.3)])
@pytest.mark.parametrize("delta", [1e-14, 1e-13])
def test_certification_at_the_border_of_cases_a_and_b_is_one_threshold(lo, hi, b, delta):
    """U[lo, hi] with q_c = c/(b - 1) = (1 + delta) b lo/(2 - b): in exact arithmetic case B holds (b (lo + q_c)/2
    <= q_c iff q_c >= b lo/(2 - b)) and case A does not (its root lo + 2c/b = q_c - delta lo lies below q_c), so the
    equilibrium is unique: theta = q_c, and the pool [lo, q_c] trades at its lemons price b lo/(2 - b) (by hand).
    Case A's root is within rounding (1e-12 q_hi) of q_c: the solver must report one threshold, not two."""
    q_c = b * lo / (2 - b) * (1 + delta)
    c = q_c * (b - 1)
    ce = lemons.certification_equilibrium(uniform(lo, hi), b, c)
    assert ce.other_thresholds == ()
    assert abs(ce.threshold - q_c) <= 1e-12 * hi
    assert abs(ce.uncertified_price - b * lo / (2 - b)) <= 1e-12 * hi
    assert abs(ce.certified_share - (hi - q_c) / (hi - lo)) <= 1e-12


@pytest.mark.parametrize("n, b", [(5, 1.5), (4, 2.5)])
def test_binomial_quality_keeps_its_top_atom(n, b):
    """Binomial(n, 1/2) quality on {0, ..., n}: the pmf C(n, k) / 2^n by hand in fractions; the mean n/2 and the
    traded share P(q <= p) at the best price (every atom counts, the top one n included)."""
    from math import comb

    pk = [Fraction(comb(n, k), 2 ** n) for k in range(n + 1)]
    eq = lemons.market_equilibrium(stats.binom(n, 0.5), b)
    assert eq.full_information_welfare == pytest.approx(float((Fraction(b) - 1) * Fraction(n, 2)), rel=1e-15)
    assert eq.traded_share == pytest.approx(float(sum(w for k, w in enumerate(pk) if k <= eq.price)), rel=1e-15)
    assert eq.support == (0.0, float(n))


def test_exit_threshold_overflow_is_refused_and_tiny_means_are_not():
    """(b - 1) mu overflows for mu = 1e308, b = 3 (2e308 > 1.8e308): ValueError naming mean; for mu = 1e-300 and
    b - 1 = 1e10 it is 1e-290, a float (exact rationals), so it is returned."""
    with pytest.raises(ValueError, match="mean"):
        lemons.uniform_exit_threshold(1e308, 3.0)
    b = 1.0 + 1e10
    assert lemons.uniform_exit_threshold(1e-300, b) == pytest.approx(float((Fraction(b) - 1) * Fraction(1e-300)),
                                                                     rel=1e-15)


def test_simulation_default_seed_is_2026():
    """The documented default seed (signature: seed = 2026, as every seeded example in the book): the default run is
    the run with seed 2026 and differs from seed 2027's."""
    q = uniform(0.0, 2.0)
    default = lemons.simulate_market(q, 1.5, n_sellers=2000)
    assert default == lemons.simulate_market(q, 1.5, n_sellers=2000, seed=2026)
    assert default != lemons.simulate_market(q, 1.5, n_sellers=2000, seed=2027)


def _exact_bidding_rule(quality, b, n, seed, lo, hi):
    """The bidding rule bid = b mean{q_i : q_i <= bid}, iterated from all n offered, in exact rationals on the very
    draws simulate_market uses (the same seeded generator, clipped to [lo, hi], sorted). Returns (number offered,
    bid, the sorted draws as Fractions)."""
    q = np.sort(np.clip(quality.rvs(size=n, random_state=np.random.default_rng(seed)), lo, hi))
    fq = [Fraction(float(v)) for v in q]
    offered = n
    while True:
        bid = Fraction(b) * sum(fq[:offered]) / offered
        now = sum(1 for v in fq if v <= bid)
        if now == offered:
            return offered, bid, fq
        offered = now


@pytest.mark.parametrize("hi", [1e-315, 1e-310])
def test_simulation_at_subnormal_scales_against_exact_rationals(hi):
    """U[0, hi] with hi subnormal: the bidding rule bid = b mean{q_i : q_i <= bid} on the very draws the simulation
    uses (same seeded generator, sorted), run in exact rationals, gives the price; the simulation must match it to
    1e-12 relative (an average of subnormal numbers computed without rescaling keeps only 5e-324 / mean, 1e-8)."""
    quality, b, n, seed = uniform(0.0, hi), 1.9, 1000, 11
    offered, bid, fq = _exact_bidding_rule(quality, b, n, seed, 0.0, hi)
    sim = lemons.simulate_market(quality, b, n_sellers=n, seed=seed)
    assert sim.traded_share == offered / n
    assert sim.price == pytest.approx(float(bid), rel=1e-12)
    assert sim.average_quality == pytest.approx(float(sum(fq[:offered]) / offered), rel=1e-12)


@pytest.mark.parametrize("sigma", [0.3, 0.6, 0.9])
def test_uniform_certification_uncertified_share_against_the_general_solver(sigma):
    """U[mu - sigma, mu + sigma] with mu = 1, b = 1.2, c = 0.05 (q_lo > 0): the closed form's share of uncertified
    cars traded, F(min(p_u, theta)), against certification_equilibrium's on the same prior (quadrature, brentq)."""
    b, c = 1.2, 0.05
    closed = lemons.uniform_certification(1.0, sigma, b, c)
    general = lemons.certification_equilibrium(uniform(1.0 - sigma, 1.0 + sigma), b, c)
    assert float(closed.threshold) == pytest.approx(general.threshold, rel=1e-9)
    assert float(closed.uncertified_traded_share) == pytest.approx(general.uncertified_traded_share, rel=1e-9,
                                                                  abs=1e-12)


def _root_law_of_width(lo, w, top: bool, with_cdf: bool):
    """Density 1/(2 sqrt(t w)) of the distance t to q_lo (or to q_hi) on [lo, lo + w], infinite at that end, as
    _pdf only or with its cdf sqrt(t/w) (or 1 - sqrt(t/w))."""
    class Root(stats.rv_continuous):
        def _pdf(self, q):
            t = lo + w - q if top else q - lo
            with np.errstate(divide="ignore"):
                return 0.5 / np.sqrt(t * w)

        if with_cdf:
            def _cdf(self, q):
                return 1 - np.sqrt((lo + w - q) / w) if top else np.sqrt((q - lo) / w)

    return Root(a=lo, b=lo + w)()


@pytest.mark.parametrize("width", [1e-2, 1e-4, 1e-6])
@pytest.mark.parametrize("top", [False, True])
def test_pdf_only_density_infinite_at_an_end_of_a_narrow_far_support_names_that_end(width, top):
    """On [1e6, 1e6 + w] a float step is 1.2e-10 and 1/(2 sqrt(t w)) holds sqrt(1.2e-10 / w) (1.1e-4 to 1.1e-2) of
    its mass within one step of the singular end: the _pdf-only law is refused by a message naming that end (q_lo
    or q_hi) and the remedy, without a RuntimeWarning first (at w = 1e-4 a node rounded onto the end made the
    integral inf, and at w = 1e-2 the panel cap stopped the halving: both gave 'must integrate to 1'). With its cdf
    the law is solved: E[q | q <= p] - lo = (p - lo)/3 (lower end) or the top end's larger conditional means, so
    b E[q | q <= p] > p on the support (b = 3/2, lo = 1e6) and everyone sells at b E[q], E[q] = lo + w/3 (lower
    end) or lo + 2w/3 (top end)."""
    lo, b = 1e6, 1.5
    name = "q_hi" if top else "q_lo"
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=f"only _pdf given\\) cannot be integrated at {name} = .* give the "
                                             f"distribution a _cdf"):
            lemons.market_equilibrium(_root_law_of_width(lo, width, top, False), b)
    eq = lemons.market_equilibrium(_root_law_of_width(lo, width, top, True), b)
    mean = lo + (2 / 3 if top else 1 / 3) * width
    assert eq.regime == "all sell" and eq.traded_share == 1.0
    assert eq.price == pytest.approx(b * mean, rel=1e-15, abs=1e-9)


def test_a_smooth_pdf_only_density_on_a_narrow_far_support_is_not_called_singular():
    """2 t / w^2 (t = q - q_lo) on [1e6, 1e6 + 1e-4] is bounded (its largest value 2/w is reached at q_hi over
    many float steps, not within one): if it cannot be integrated the message must not say it grows without bound
    (it does not); on [1e6, 1e6 + 1e-2] it is integrated, and everyone sells at b E[q] = b (lo + 2w/3)."""
    def law(lo, w):
        class Linear(stats.rv_continuous):
            def _pdf(self, q):
                return 2 * (q - lo) / w ** 2
        return Linear(a=lo, b=lo + w)()

    b, lo = 1.5, 1e6
    try:
        lemons.market_equilibrium(law(lo, 1e-4), b)
    except ValueError as exc:
        assert "grows without bound" not in str(exc)
    eq = lemons.market_equilibrium(law(lo, 1e-2), b)
    assert eq.regime == "all sell" and eq.price == pytest.approx(b * (lo + 2 / 3 * 1e-2), rel=1e-15, abs=1e-9)


def test_discrete_uniform_with_a_million_atoms_is_accepted():
    """randint(0, 10^6) has exactly 10^6 support points, the most allowed: it is solved (one or two more are refused). b = 5/2: b E[q | q <= k]
    = 5k/4 >= k on every atom, so everyone sells at b (n - 1)/2 (exact rationals)."""
    b, n = 2.5, 10 ** 6
    eq = lemons.market_equilibrium(stats.randint(0, n), b)
    assert eq.regime == "all sell" and eq.traded_share == 1.0
    assert eq.price == float(Fraction(b) * Fraction(n - 1, 2))
    for extra in (1, 2):  # 10^6 + 1 and 10^6 + 2 points: refused by name
        with pytest.raises(ValueError, match="more than 1000000 support points"):
            lemons.market_equilibrium(stats.randint(0, n + extra), b)


@pytest.mark.parametrize("lo", [1.0, 100.0])
def test_pdf_only_conditional_mean_next_to_an_infinite_q_lo(lo):
    """1/(2 sqrt(q - lo)) on [lo, lo + 1] as _pdf only: within 1e-3 of q_lo the log-space route is used, and its
    nodes next to q_lo round onto q_lo (float steps 2.2e-16 lo), where the density is infinite; they are left out,
    and E[q | q <= p] - lo = (p - lo)/3 (closed form) to 1e-4 relative at p - lo = 1e-4 and 1e-3 (measured 8.6e-6),
    not the lower end lo."""
    class Root(stats.rv_continuous):
        def _pdf(self, q):
            with np.errstate(divide="ignore"):
                return 0.5 / np.sqrt(q - lo)

    law = Root(a=lo, b=lo + 1)()
    for d in (1e-4, 1e-3):
        assert lemons.conditional_mean(law, lo + d) - lo == pytest.approx(d / 3, rel=1e-4)


def test_three_equilibria_with_the_largest_below_the_all_sell_price():
    """Histogram 0.3 U[0.5, 1] + 0.4 U[2, 3] + 0.3 U[6, 10], b = 2. By hand, piece by piece (exact rationals below):
    on the gap [1, 2] E = 3/4, so p = 3/2; on [2, 3] 2 (9/40 + (p^2 - 4)/5) = p (3/10 + 2 (p - 2)/5) gives p = 23/10;
    on the gap [3, 6] E = (9/40 + 1)/(7/10) = 7/4, so p = 7/2; on [6, 10] the equation reduces to p = -1 (none),
    and b E[q] = 29/4 < 10. The largest, 7/2, is interior: it lies right of the last point where h > 0."""
    law = stats.rv_histogram((np.array([0.3, 0.0, 0.4, 0.0, 0.3]), np.array([0.5, 1, 2, 3, 6, 10.0])),
                             density=False).freeze()
    b = Fraction(2)
    pieces = [(Fraction(1, 2), Fraction(1), Fraction(3, 5)), (Fraction(2), Fraction(3), Fraction(2, 5)),
              (Fraction(6), Fraction(10), Fraction(3, 40))]  # (from, to, density)

    def h(p):
        F = sum(d * (min(p, z) - a) for a, z, d in pieces if p > a)
        M = sum(d * (min(p, z) ** 2 - a ** 2) / 2 for a, z, d in pieces if p > a)
        return b * M / F - p

    expected = [Fraction(3, 2), Fraction(23, 10), Fraction(7, 2)]
    assert all(h(p) == 0 for p in expected)
    eq = lemons.market_equilibrium(law, float(b))
    assert [e.price for e in eq.equilibria] == pytest.approx([float(p) for p in expected], rel=1e-12)
    assert eq.price == pytest.approx(3.5, rel=1e-12)


@pytest.mark.parametrize("with_ppf", [False, True])
def test_simulation_of_a_law_with_a_cdf_uses_scipys_draws(with_ppf):
    """A user-written law with a _cdf (F(q) = q^2 on [0, 1]), with or without a _ppf (sqrt), and no _rvs: simulate_market
    draws with quality.rvs on its seeded generator (the pool's interpolated cdf is only for laws with neither). The
    bidding rule bid = b mean{q_i : q_i <= bid} run in exact rationals on scipy's own draws (same generator, sorted)
    gives the simulation's price and traded share."""
    class Square(stats.rv_continuous):
        def _pdf(self, q):
            return 2 * q

        def _cdf(self, q):
            return q * q

        if with_ppf:
            def _ppf(self, u):
                return np.sqrt(u)

    quality, b, n, seed = Square(a=0.0, b=1.0)(), 1.6, 400, 5
    offered, bid, _ = _exact_bidding_rule(quality, b, n, seed, 0.0, 1.0)
    sim = lemons.simulate_market(quality, b, n_sellers=n, seed=seed)
    assert sim.traded_share == offered / n
    assert sim.price == pytest.approx(float(bid), rel=1e-14)


def test_uniform_certification_case_b_with_q_lo_zero_prices_the_pool_at_zero():
    """U[0, 2], b = 3/2, c = 1/2: q_c = 1 < 2 and b q_c/2 <= q_c, so case B; the pool [0, 1] is a uniform lemons
    market with q_lo = 0, whose price is 0 (b p/2 < p for p > 0): nothing uncertified trades. Against the general
    solver (quadrature, brentq) on the same prior."""
    closed = lemons.uniform_certification(1.0, 1.0, 1.5, 0.5)
    general = lemons.certification_equilibrium(uniform(0.0, 2.0), 1.5, 0.5)
    assert str(closed.case) == general.case == "B"
    assert float(closed.uncertified_price) == general.uncertified_price == 0.0
    assert float(closed.uncertified_traded_share) == general.uncertified_traded_share == 0.0


@pytest.mark.parametrize("b, lo, hi", [(1.5, 0.5, 2.5), (1.25, 1.0, 3.0), (1.2, 0.7, 1.3)])
def test_uniform_certification_on_the_float_border_of_cases_a_and_b(b, lo, hi):
    """At q_c = b lo/(2 - b) cases A and B meet (theta_A = lo + 2c/b = q_c there). Stepping c up by float steps
    from (b - 1) b lo/(2 - b), the first c at which case B's test b (lo + q_c)/2 <= q_c holds with equality in
    floats while theta_A rounds below q_c (so case A is out) must still be case B, and agree with the general
    solver on the same prior."""
    c = (b - 1) * b * lo / (2 - b)
    for _ in range(64):
        q_c, theta_a = c / (b - 1), lo + 2 * c / b
        if b * (lo / 2 + q_c / 2) == q_c and theta_a < q_c:
            break
        c = float(np.nextafter(c, np.inf))
    else:
        pytest.fail("no float tie within 64 steps")
    mu, sigma = (lo + hi) / 2, (hi - lo) / 2
    assert mu - sigma == lo and mu + sigma == hi
    closed = lemons.uniform_certification(mu, sigma, b, c)
    general = lemons.certification_equilibrium(uniform(lo, hi), b, c)
    assert float(closed.threshold) == pytest.approx(general.threshold, rel=1e-12)
    assert float(closed.uncertified_price) == pytest.approx(general.uncertified_price, rel=1e-12)
    assert float(closed.welfare) == pytest.approx(general.welfare, rel=1e-12)


@pytest.mark.parametrize("scale", [1e20, 1e100, 1e300])
def test_arcsine_on_huge_supports_lists_no_rounding_noise_roots(scale):
    """Beta(1/2, 1/2) on [0, s]: E[q | q <= p] = s E_1[u | u <= p/s] (betainc), so the fixed points are s times those
    on [0, 1]. At b = 3/2, h(u) = b (1/2) I_u(3/2, 1/2)/I_u(1/2, 1/2) - u < 0 on (0, 1] (h/u -> b/3 - 1 < 0 as u -> 0,
    checked on a grid): only p = 0. At b = 5/2 there are 0, s u* (u* by brentq on the betainc form) and b s/2. For a
    huge scale the log-space route's node offsets over the scale are subnormal up to 2.2e-293 s from 0: nothing
    there may be listed (a resolution divided by the scale instead listed 2.5e-304 s-scaled noise roots)."""
    def h(u, b):
        return b * 0.5 * special.betainc(1.5, 0.5, u) / special.betainc(0.5, 0.5, u) - u

    u = np.geomspace(1e-300, 1.0, 2000)
    assert np.all(h(u, 1.5) < 0)
    law = stats.beta(0.5, 0.5, loc=0.0, scale=scale)
    assert [e.price for e in lemons.market_equilibrium(law, 1.5).equilibria] == [0.0]
    grid = np.geomspace(1e-12, 1.0, 4000)
    sign = np.sign(h(grid, 2.5))
    (k,) = np.flatnonzero(sign[:-1] != sign[1:])  # one sign change inside (0, 1): u*
    u_star = optimize.brentq(lambda t: h(t, 2.5), grid[k], grid[k + 1], xtol=1e-16, rtol=1e-15)
    prices = [e.price for e in lemons.market_equilibrium(law, 2.5).equilibria]
    assert prices == pytest.approx([0.0, scale * u_star, 1.25 * scale], rel=1e-10)


def test_a_renormalised_pdf_only_density_has_the_renormalised_cdf_everywhere():
    """(1 - 5e-7) 2q on [0, 1] as _pdf only integrates to 1 - 5e-7 (within the 1e-6 allowance): it is the law with
    F(p) = p^2 once renormalised, so E[q; q <= p] = 2p^3/3 (closed form) in the log-space route next to q_lo
    (p = 1e-6, 1e-4) and on the panels (p = 0.1, 0.9), to 1e-12 (measured 2e-15); a density scaled the wrong way
    is off by 1e-6 there."""
    class Short(stats.rv_continuous):
        def _pdf(self, q):
            return (1 - 5e-7) * 2 * q

    law = Short(a=0.0, b=1.0)()
    for p in (1e-6, 1e-4, 0.1, 0.9):
        assert lemons.partial_expectation(law, p) == pytest.approx(2 * p ** 3 / 3, rel=1e-12)


def test_uniform_market_at_the_exit_threshold_everyone_sells():
    """sigma = (b - 1) mu in floats, for seeded (mu, b) at which the exact rationals of those floats satisfy
    sigma <= (b - 1) mu: every car trades (share exactly 1, never above) at b mu (the product in exact rationals,
    rounded once). The interior formula b lo/(2 - b) there gives the same price only up to rounding, and shares
    up to 1 + 1e-14."""
    rng = np.random.default_rng(3)
    ties = 0
    for _ in range(2000):
        mu, b = float(rng.uniform(0.1, 10.0)), float(rng.uniform(1.01, 1.99))
        sigma = (b - 1) * mu
        if not Fraction(sigma) <= (Fraction(b) - 1) * Fraction(mu):
            continue
        ties += 1
        m = lemons.uniform_market(mu, sigma, b)
        assert float(m.traded_share) == 1.0
        assert float(m.price) == float(Fraction(b) * Fraction(mu))
    assert ties > 500


@pytest.mark.parametrize("c", [4.0, 4.5, 5.0])
def test_certification_case_b_trades_the_pool_at_its_largest_fixed_point(c):
    """The three-equilibrium histogram of test_three_equilibria_with_the_largest_below_the_all_sell_price (b = 2):
    with cost c in [4, 5], q_c = c/(b - 1) = c lies in the gap [3, 6], where E[q | q <= q_c] = 7/4 and b 7/4 = 7/2
    <= q_c, so case B: theta = q_c and the pool [1/2, q_c] trades at its best (largest) lemons price, 7/2 (its fixed
    points are those of the whole market below q_c: 3/2, 23/10, 7/2, found by hand in exact rationals), not 3/2."""
    law = stats.rv_histogram((np.array([0.3, 0.0, 0.4, 0.0, 0.3]), np.array([0.5, 1, 2, 3, 6, 10.0])),
                             density=False).freeze()
    ce = lemons.certification_equilibrium(law, 2.0, c)
    assert ce.case == "B" and ce.threshold == pytest.approx(c, rel=1e-12)
    assert ce.uncertified_price == pytest.approx(3.5, rel=1e-12)


# ------------------------------------------------------------------------------------------------ sample of 83; the sample of 79's survivors

class _ScalarPdfRamp(stats.rv_continuous):
    """F(q) = q^2 on [0, 1] with its _cdf, and a _pdf written for a list of prices (float() of each element): it
    fails on the 2-d arrays of offsets the log-space route passes, so the public logpdf is used there."""

    def _cdf(self, x):
        return x * x

    def _pdf(self, x):
        return np.array([2.0 * float(v) for v in x])


@pytest.mark.parametrize("p", [1e-4, 1e-7, 3e-10])
def test_log_space_route_of_a_law_whose_private_pdf_takes_only_a_list(p):
    """Within 1e-3 of q_lo the conditional mean is computed from the log-density at offsets right of q_lo. For
    f(q) = 2q on [0, 1], E[q | q <= p] = (2p^3/3) / p^2 = 2p/3 (exact rationals) and F(p) = p^2."""
    quality = _ScalarPdfRamp(a=0.0, b=1.0, name="ramp")()
    exact = float(Fraction(2, 3) * Fraction(p))
    assert lemons.conditional_mean(quality, p) == pytest.approx(exact, rel=1e-9)
    assert lemons.partial_expectation(quality, p) == pytest.approx(float(Fraction(2, 3) * Fraction(p) ** 3), rel=1e-9)


_TAIL_EPS = Fraction(1, 10 ** 300)


class _TailedPower(stats.rv_continuous):
    """F(q) = e q + (1 - e) q^40 on [0, 1], e = 1e-300: below 1e-8 the uniform part dominates (E[q | q <= p] ~ p/2,
    F < 1e-280), above it q^40 (E ~ 40 p/41)."""

    def _cdf(self, x):
        return 1e-300 * x + (1 - 1e-300) * x ** 40

    def _pdf(self, x):
        return 1e-300 + 40 * (1 - 1e-300) * x ** 39


def _tailed_cond_mean(p: Fraction) -> Fraction:
    e = _TAIL_EPS
    return (e * p ** 2 / 2 + (1 - e) * Fraction(40, 41) * p ** 41) / (e * p + (1 - e) * p ** 40)


def test_case_b_threshold_below_the_first_panel_with_mass_prices_only_the_pool_below_it():
    """b = 3/2, c = 5e-11: q_c = c / (b - 1) = 1e-10, where F(q_c) ~ 1e-310 (below every panel end with F >= 1e-280).
    In exact rationals: on the pool [0, q_c] b E[q | q <= p] < p (it unravels: p_u = 0), phi(t) = b (t - E[q | q <= t])
    - c > 0 on [q_c, 1) (no indifferent seller at or above q_c: no case A) and b q_hi - c > b E[q] = p_L >= q_hi
    (not case C), so the best threshold is case B at q_c with welfare (b - 1) (E[q] - E[q; q <= q_c]) - c (1 -
    F(q_c)). Above q_c the whole market's h(p) = b E[q | q <= p] - p is positive: the truncated pool's fixed points
    must be looked for below q_c only."""
    b, c = Fraction(3, 2), Fraction(5, 10 ** 11)
    q_c = c / (b - 1)
    e = _TAIL_EPS
    for k in range(1, 41):
        p = q_c * k / 40
        assert b * _tailed_cond_mean(p) < p
    for t in [q_c * 2 ** k for k in range(34)]:
        if t < 1:
            assert b * (t - _tailed_cond_mean(t)) - c > 0
    mean = e / 2 + (1 - e) * Fraction(40, 41)
    assert b * 1 - c > b * mean >= 1
    F_qc = e * q_c + (1 - e) * q_c ** 40
    partial_qc = e * q_c ** 2 / 2 + (1 - e) * Fraction(40, 41) * q_c ** 41
    welfare = (b - 1) * (mean - partial_qc) - c * (1 - F_qc)
    ce = lemons.certification_equilibrium(_TailedPower(a=0.0, b=1.0, name="tailed")(), float(b), float(c))
    assert ce.case == "B" and ce.threshold == pytest.approx(float(q_c), rel=1e-12)
    assert ce.uncertified_price == 0.0 and ce.uncertified_traded_share == 0.0
    assert ce.welfare == pytest.approx(float(welfare), rel=1e-12)


def _shifted_root_law(shift: float, mass: float):
    """Density mass (q + s)^(-1/2) / (2 (sqrt(1 + s) - sqrt(s))) on [0, 1] (s = shift): bounded (by its value at 0,
    s^(-1/2) times the constant), steep next to 0 for small s, integrating to ``mass``."""
    norm = 2 * (math.sqrt(1 + shift) - math.sqrt(shift))

    class ShiftedRoot(stats.rv_continuous):
        def _pdf(self, q):
            return mass * (q + shift) ** -0.5 / norm

    return ShiftedRoot(a=0.0, b=1.0, name=f"shifted_root_{shift}_{mass}")()


@pytest.mark.parametrize("shift", [2.0 ** -24, 2.0 ** -30, 2.0 ** -40])
def test_a_bounded_steep_density_that_does_not_integrate_to_one_is_not_called_singular(shift):
    """(q + s)^(-1/2) is bounded on [0, 1] (it is the same within the float steps next to 0) but steep there, so
    its first panel is halved many times (13 to 29 times for these s). Scaled to integrate to 3/2 it is refused for
    that (the message names the integral, 1.5 to 10 digits), not said to grow without bound; scaled to 1 it is
    solved: E[q; q <= p] = [(2/3)(q + s)^(3/2) - 2 s (q + s)^(1/2)]_0^p / (2 (sqrt(1 + s) - sqrt(s)))."""
    with pytest.raises(ValueError, match=r"must integrate to 1 .* integrates to 1\.5 ") as info:
        lemons.conditional_mean(_shifted_root_law(shift, 1.5), 0.5)
    assert "grows without bound" not in str(info.value)
    s = shift
    norm = 2 * (math.sqrt(1 + s) - math.sqrt(s))
    for p in (1e-6, 0.01, 0.5):
        partial = ((2 / 3) * ((p + s) ** 1.5 - s ** 1.5) - 2 * s * ((p + s) ** 0.5 - s ** 0.5)) / norm
        assert lemons.partial_expectation(_shifted_root_law(shift, 1.0), p) == pytest.approx(partial, rel=1e-9)


def test_the_middle_equilibrium_of_a_law_whose_first_panel_end_has_f_above_1e_minus_280():
    """F(q) = e q + (1 - e) q^40 (e = 1e-300) with b = 3/2: h(p) = b E[q | q <= p] - p is < 0 below about 1e-8 (the
    uniform part: E ~ p/2) and > 0 above (E ~ 40 p/41), with b E[q] = b (e/2 + (1 - e) 40/41) >= 1: the equilibria are
    0, the crossing r (F(r) ~ 1e-308, between 0 and the first panel end, 1/2048) and the all-sell price b E[q]. r is
    bracketed by bisection on floats with h's sign in exact rationals."""
    b = Fraction(3, 2)
    h = lambda p: b * _tailed_cond_mean(Fraction(p)) - Fraction(p)  # noqa: E731
    lo, hi = 1e-12, 1e-4
    assert h(lo) < 0 < h(hi)
    for _ in range(200):
        mid = (lo + hi) / 2
        if not lo < mid < hi:
            break
        lo, hi = (mid, hi) if h(mid) < 0 else (lo, mid)
    eq = lemons.market_equilibrium(_TailedPower(a=0.0, b=1.0, name="tailed")(), float(b))
    prices = [fp.price for fp in eq.equilibria]
    mean = Fraction(1, 10 ** 300) / 2 + (1 - Fraction(1, 10 ** 300)) * Fraction(40, 41)
    assert len(prices) == 3 and prices[0] == 0.0
    assert prices[1] == pytest.approx(lo, rel=1e-12)
    assert prices[2] == pytest.approx(float(b * mean), rel=1e-12) and eq.regime == "all sell"


@pytest.mark.parametrize("top", [False, True])
def test_a_singular_end_where_the_pdf_is_written_as_zero_on_the_end_itself_is_named(top):
    """1/(2 sqrt(t w)) of the distance t to the end of [1e6, 1e6 + w], w = 1e-2, written as 0 at t = 0 (a common
    convention at a support's end): within one float step (1.2e-10) of the end it holds sqrt(1.2e-10 / w) = 1.1e-4
    of its mass (closed form), which cannot be integrated, so the law is refused by the message naming that end."""
    lo, w = 1e6, 1e-2

    class RootZeroAtEnd(stats.rv_continuous):
        def _pdf(self, q):
            t = lo + w - q if top else q - lo
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(t > 0, 0.5 / np.sqrt(t * w), 0.0)

    step = float(np.spacing(lo + w))
    assert math.sqrt(step / w) > 1e-6
    name = "q_hi" if top else "q_lo"
    with pytest.raises(ValueError, match=f"only _pdf given\\) cannot be integrated at {name} = "):
        lemons.market_equilibrium(RootZeroAtEnd(a=lo, b=lo + w, name=f"root_zero_{top}")(), 1.5)


@pytest.mark.parametrize("width", [1e-4, 1.0, 1e2])
def test_a_log_singular_top_end_far_from_zero_is_solved_or_named_never_an_infinite_integral(width):
    """-log(t/w)/w of the distance t to q_hi on [1e6, 1e6 + w] integrates to 1, is infinite at q_hi and holds only
    t (1 - log(t/w))/w of its mass within t of it; a float step next to q_hi is 1.2e-10 or more, so a Gauss node can
    round onto q_hi, where the density is infinite. Either the law is solved (everyone sells at b E[q] with the
    mean distance w/4 from q_hi: int_0^1 u (-log u) du = 1/4) or it is refused by the message naming q_hi and the
    remedy, never by 'integrates to inf'."""
    lo, b = 1e6, 1.5

    class LogTop(stats.rv_continuous):
        def _pdf(self, q):
            with np.errstate(divide="ignore"):
                return -np.log((lo + width - q) / width) / width

    try:
        eq = lemons.market_equilibrium(LogTop(a=lo, b=lo + width, name=f"log_top_{width}")(), b)
    except ValueError as exc:
        assert "only _pdf given) cannot be integrated at q_hi = " in str(exc)
        assert "give the distribution a _cdf" in str(exc)
    else:
        assert eq.regime == "all sell"
        assert eq.price == pytest.approx(b * (lo + width - width / 4), rel=1e-12)


@pytest.mark.parametrize("width", [1e-300, 1e-310, 1e-312])
def test_optimal_certification_at_subnormal_scales(width):
    """U[0, w], b = 3/2, c = w/20: the pool [0, theta] unravels (b < 2), so W(theta) = (b - 1)(E[q] - theta^2/(2w))
    - c (1 - theta/w), maximised at theta = c/(b - 1) = w/10 with W = 81 w/400 (exact rationals). At w = 1e-310 and
    1e-312 every quantity is subnormal (a float step is 5e-324, 5e-14 and 5e-12 of w), where the tie allowance
    1e-13 ((b - 1) E[q] + c) rounds to 0 at 1e-312 and the best candidate must still be found."""
    b, c = Fraction(3, 2), Fraction(width) / 20
    w = Fraction(width)
    theta = c / (b - 1)
    welfare = (b - 1) * (w / 2 - theta ** 2 / (2 * w)) - c * (1 - theta / w)
    assert welfare == Fraction(81, 400) * w
    rel = max(1e-12, 100 * 5e-324 / width)
    oc = lemons.optimal_certification(uniform(0.0, width), float(b), float(c))
    assert oc.threshold == pytest.approx(float(theta), rel=rel)
    assert oc.welfare == pytest.approx(float(welfare), rel=rel)


@pytest.mark.parametrize("b", [1.1, 1.2, 1.5])
def test_free_certification_optimum_loses_at_most_rounding_of_the_welfare_scale(b):
    """U[0, 1], c = 0: a pool [0, theta] unravels (b < 2), so W(theta) = (b - 1)(1/2 - theta^2/2) (exact rationals),
    with supremum (b - 1)/2 at theta = 0. Ties are broken towards the higher threshold only within rounding of the
    welfare scale (b - 1) E[q] + c = (b - 1)/2: the reported threshold loses at most 2e-13 of it."""
    bb = Fraction(b)
    oc = lemons.optimal_certification(uniform(0.0, 1.0), b, 0.0)
    theta = Fraction(oc.threshold)
    welfare = (bb - 1) * (Fraction(1, 2) - theta ** 2 / 2)
    assert (bb - 1) / 2 - welfare <= Fraction(2, 10 ** 13) * (bb - 1) / 2
    assert oc.welfare == pytest.approx(float(welfare), rel=1e-13)


# ------------------------------------------------------------------------------------------------ sample of 89

@pytest.mark.parametrize("lo", [10 ** 6, 3 * 10 ** 6])
def test_few_atoms_far_from_zero_are_counted_from_q_lo(lo):
    """The number of support points of randint(lo, lo + n) is q_hi - q_lo + 1 = n whatever lo (not a function of
    q_hi alone): three atoms lo, lo + 1, lo + 2 far from 0 are solved, and 10^6 + 1 points from lo are refused by
    name. b = 5/2: b E[q | q <= k] = 5 (lo + k)/4 >= k on every atom, so everyone sells at b (lo + 1) (exact
    rationals)."""
    b = 2.5
    few = lemons.market_equilibrium(stats.randint(lo, lo + 3), b)
    assert few.regime == "all sell" and few.traded_share == 1.0
    assert few.price == float(Fraction(b) * (lo + 1)) and few.equilibria[-1].stable
    with pytest.raises(ValueError, match="more than 1000000 support points"):
        lemons.market_equilibrium(stats.randint(lo, lo + 10 ** 6 + 1), b)


class _LateRoot(stats.rv_continuous):
    """Density 0 on [0, s] and (q - s)^(-1/2) on (s, 1] (s = 1e-10): it integrates to 2 sqrt(1 - s), not 1."""

    S = 1e-10

    def _pdf(self, x):
        with np.errstate(all="ignore"):
            return np.where(x > self.S, 1 / np.sqrt(np.maximum(x - self.S, 0.0)), 0.0)


def test_a_density_that_is_zero_next_to_q_lo_and_misses_one_is_refused_for_its_integral():
    """The density is 0 within the float steps next to q_lo (flat there, not rising, so q_lo is not a singular end,
    although the first panel, next to the singularity at s = 1e-10, is halved far more than a smooth density needs)
    and it integrates to 2 sqrt(1 - s) (by hand): the refusal is for that integral, which the message reports,
    never 'grows without bound' at q_lo."""
    with pytest.raises(ValueError, match="must integrate to 1") as info:
        lemons.market_equilibrium(_LateRoot(a=0.0, b=1.0)(), 1.5)
    assert "grows without bound" not in str(info.value)
    reported = float(str(info.value).split("integrates to ")[1].split()[0])
    assert reported == pytest.approx(2 * math.sqrt(1 - _LateRoot.S), rel=1e-5)


@pytest.mark.parametrize("alpha", [0.3, 0.4])
def test_a_power_singularity_that_integrates_to_three_is_refused_for_that(alpha):
    """3 alpha q^(alpha - 1) on [0, 1] integrates to 3 (by hand) and grows without bound at q_lo = 0 like the power
    t^(alpha - 1), alpha < 1/2 (the exponent read from the density 1 and 4 float steps from 0 is alpha). Refused by
    the message naming the integral, whose mass next to q_lo the message bounds: the integral it reports plus that
    bound is at least 3, and it is within 1e-3 of 3; not by the one blaming the float resolution at q_lo."""

    class Power(stats.rv_continuous):
        def _pdf(self, q):
            return 3 * alpha * q ** (alpha - 1)

    with pytest.raises(ValueError, match="must integrate to 1") as info:
        lemons.conditional_mean(Power(a=0.0, b=1.0, name=f"power_{alpha}")(), 0.5)
    message = str(info.value)
    assert "cannot be integrated" not in message
    total = float(message.split("integrates to about ")[1].split("(")[1].split(",")[0])
    held = float(message.split("besides at most about ")[1].split()[0])
    assert total + held >= 3 and abs(total - 3) < 1e-3


class _ArrayShapePower(stats.rv_continuous):
    """F(q) = q^c on [0, 1] with shape c, its private methods written for the arrays of shapes that scipy's public
    methods pass (c.astype): called with the float shape of the frozen law they fail, so the public ones are used."""

    def _cdf(self, x, c):
        return np.power(x, c.astype(float))

    def _pdf(self, x, c):
        return c.astype(float) * np.power(x, c.astype(float) - 1)


@pytest.mark.parametrize("c", [0.25, 0.5])
def test_no_trade_slope_on_a_tiny_support_through_the_public_logpdf(c):
    """F(q) = (q/w)^c on [0, w], so E[q | q <= p] = c p/(c + 1) and g(p) = b c p/(c + 1): for b = 3/2 the only
    equilibrium is p = 0, with slope b c/(c + 1) (exact rationals). On these supports 1e-9 w from q_lo is below the
    float resolution of E (w = 1e-300), so the slope is the limit read from the density at 1e-9 w and 2e-9 w (here
    through the public logpdf, at those points of the support)."""
    b, width = Fraction(3, 2), 1e-300
    eq = lemons.market_equilibrium(_ArrayShapePower(a=0.0, b=1.0, name="array_shape_power")(c, scale=width),
                                   float(b))
    assert eq.price == 0.0 and len(eq.equilibria) == 1 and eq.equilibria[0].stable
    assert eq.equilibria[0].slope == pytest.approx(float(b * Fraction(c) / (Fraction(c) + 1)), rel=1e-12)


class _LateCdf(stats.rv_continuous):
    """Uniform on [s, 1] (s = 1e-6, inside the first panel) with its _cdf: the density is 0 on [0, s)."""

    S = 1e-6

    def _cdf(self, x):
        return np.clip((x - self.S) / (1 - self.S), 0.0, 1.0)

    def _pdf(self, x):
        return np.where(x >= self.S, 1 / (1 - self.S), 0.0)


def test_no_trade_slope_where_the_density_vanishes_next_to_q_lo_of_a_tiny_support():
    """On [0, w], w = 1e-300, the density is 0 on [0, s w): no car is worse than s w, so (as for _LateStart) p = 0 is
    not a fixed point and the only one is b s w / (2 - b) = 3e-306 at b = 3/2 (the pool is U[s w, p]), with slope
    b/2. Prices of 3e-306 are normal floats and the start s w is found inside the first panel, so the law is
    solved, not refused as too narrow."""
    eq = lemons.market_equilibrium(_LateCdf(a=0.0, b=1.0, name="late_cdf")(scale=1e-300), 1.5)
    assert [fp.price for fp in eq.equilibria] == [pytest.approx(3e-306, rel=1e-12)]
    assert eq.equilibria[0].slope == pytest.approx(0.75, rel=1e-9)


def _late_uniform(s: float, with_cdf: bool):
    """Declared on [0, 1], density 1 / (1 - s) on [s, 1] and 0 on [0, s) (with its _cdf, or _pdf only)."""
    ns = {"_pdf": lambda self, x: np.where(x >= s, 1 / (1 - s), 0.0)}
    if with_cdf:
        ns["_cdf"] = lambda self, x: np.clip((x - s) / (1 - s), 0.0, 1.0)
    return type("LateUniform", (stats.rv_continuous,), ns)(a=0.0, b=1.0)()


@pytest.mark.parametrize("s", [1e-9, 1e-6, 1e-4, 0.2])
@pytest.mark.parametrize("with_cdf", [True, False])
@pytest.mark.parametrize("b", [1.2, 1.5, 1.9])
def test_a_density_that_starts_inside_the_first_panel_is_solved_exactly(s, with_cdf, b):
    """Density 0 on [0, s) and uniform on [s, 1]: for p in [s, 1] the pool is U[s, p], E[q | q <= p] = (s + p)/2,
    so p = b (s + p)/2 gives p = b s/(2 - b) (exact rationals), or every car sells at b (1 + s)/2 when that is >= 1;
    below s nobody offers and E is its limit s, so neither p = 0 nor the start s is a fixed point. A start inside
    the first panel (s < 2^-11) was not seen: at s = 1e-6, b = 1.5 the price came out 2.99433e-6 (1.9e-3 low),
    with 0 and the jump at 1e-6 (slope 0.81, 'stable') listed as equilibria, and the law without _cdf was refused
    (its integral 1 + s)."""
    S, B = Fraction(s), Fraction(b)
    exact = B * S / (2 - B)
    if exact >= 1:
        exact = B * (1 + S) / 2
    eq = lemons.market_equilibrium(_late_uniform(s, with_cdf), b)
    assert [fp.price for fp in eq.equilibria] == [pytest.approx(float(exact), rel=1e-12)]
    assert eq.price == pytest.approx(float(exact), rel=1e-12)
    assert lemons.conditional_mean(_late_uniform(s, with_cdf), 3 * s) == pytest.approx(2 * s, rel=1e-12)


@pytest.mark.parametrize("law", [uniform, stats.uniform])
def test_every_car_sells_at_b_equal_two_on_a_tiny_uniform_support(law):
    """U[0, w], w = 1e-300, b = 2: g(p) = b p/2 = p on [0, w], so every price there is a fixed point, and the
    largest is b E[q] = w = q_hi exactly (exact rationals): every car sells at w (an exact tie b E[q] = q_hi, on a
    support whose top is within the float resolution of E of q_lo)."""
    w = 1e-300
    assert Fraction(2) * Fraction(w) / 2 == Fraction(w)
    eq = lemons.market_equilibrium(law(0.0, w), 2.0)
    assert eq.price == w and eq.regime == "all sell" and eq.traded_share == 1.0
    assert [fp.price for fp in eq.equilibria] == [0.0, w]


@pytest.mark.parametrize("lo, hi", [(1e-322, 1e-310), (5e-323, 1e-311)])
@pytest.mark.parametrize("b", [1.001, 1.01])
def test_a_subnormal_lowest_quality_where_b_q_lo_rounds_to_q_lo_is_solved(lo, hi, b):
    """Uniform on [lo, hi] with lo subnormal and b so close to 1 that b lo rounds to lo: h(q_lo) = (b - 1) q_lo > 0
    holds in exact arithmetic only, and the market is solved (no 'no fixed point found'). The fixed point is
    b lo/(2 - b) (exact rationals), whose nearest float is lo itself; nobody else trades at it."""
    assert b * lo == lo
    exact = Fraction(b) * Fraction(lo) / (2 - Fraction(b))
    eq = lemons.market_equilibrium(stats.uniform(lo, hi - lo), b)
    assert eq.price == float(exact) == lo
    assert eq.traded_share == pytest.approx(float((exact - Fraction(lo)) / (Fraction(hi) - Fraction(lo))), abs=1e-12)


def test_simulation_default_market_size_is_100000():
    """The documented default market size (signature: n_sellers = 100_000): the default run is the run with 100,000
    sellers (and the default seed)."""
    q = uniform(0.9, 1.1)
    default = lemons.simulate_market(q, 1.5)
    assert default == lemons.simulate_market(q, 1.5, n_sellers=100_000, seed=2026)
    assert default.n_sellers == 100_000
