"""Checks that kill mutants of lib/lemons.py (tools/mutate.py) the other tests let live."""
import math

import numpy as np
import pytest
from scipy import stats

from lib import lemons


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
