"""lib.lemons against independent routes: closed forms written out here, the incomplete beta function
(scipy.special.betainc) for Beta quality, scipy's quad-based expect, brute-force grids and a Monte Carlo market."""
import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize, special, stats

from lib import lemons as L
from lib.distributions import beta, truncated_normal, uniform


# ------------------------------------------------------------------------------------------------ helpers

def beta_partial(a, bb, lo, hi, p):
    """E[q; q <= p] for q = lo + (hi - lo) X, X ~ Beta(a, bb): lo F(p) + (hi - lo) a/(a + bb) I_x(a + 1, bb)."""
    x = np.clip((np.asarray(p, dtype=float) - lo) / (hi - lo), 0.0, 1.0)
    return lo * special.betainc(a, bb, x) + (hi - lo) * a / (a + bb) * special.betainc(a + 1, bb, x)


def beta_largest_price(a, bb, lo, hi, b):
    """Largest fixed point of p = b E[q | q <= min(p, hi)] by a brute-force scan with the betainc formula."""
    mean = lo + (hi - lo) * a / (a + bb)
    if b * mean >= hi:
        return b * mean
    def h(p):  # b E[q | q <= p] - p, and its limit (b - 1) lo at p = lo
        F = special.betainc(a, bb, (p - lo) / (hi - lo))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(F > 0, b * beta_partial(a, bb, lo, hi, p) / np.where(F > 0, F, 1) - p, (b - 1) * lo - p)
    grid = np.linspace(lo, hi, 20001)
    values = h(grid)
    values[0] = (b - 1) * lo
    positive = np.flatnonzero(values > 0)
    if positive.size == 0:
        return lo
    i = positive[-1]
    left = grid[i] if i > 0 else lo + (grid[1] - lo) * 1e-9
    if h(left) <= 0:
        return lo
    return optimize.brentq(h, left, grid[i + 1], xtol=1e-14)


MIXTURE = stats.rv_histogram(([0.3, 0.0, 0.7], [0.5, 1.0, 2.0, 3.0]), density=False).freeze()
"""30% lemons U[0.5, 1], 70% peaches U[2, 3]: three equilibria at b = 1.8 (chapter 1)."""


# ------------------------------------------------------------------------------------------------ validation

@pytest.mark.parametrize("b", [1.0, 0.5, -2.0, math.nan, math.inf])
def test_buyer_premium_must_exceed_one(b):
    with pytest.raises(ValueError, match="buyer_premium"):
        L.market_equilibrium(uniform(0, 1), b)


@pytest.mark.parametrize("b", ["1.5", None, True, [1.5]])
def test_buyer_premium_must_be_a_number(b):
    with pytest.raises(ValueError, match="buyer_premium"):
        L.market_equilibrium(uniform(0, 1), b)
    with pytest.raises(TypeError):  # InputTypeError is both
        L.market_equilibrium(uniform(0, 1), b)


@pytest.mark.parametrize("quality", [stats.norm(1, 1), stats.expon(), stats.lognorm(0.5)])
def test_unbounded_quality_is_rejected(quality):
    with pytest.raises(ValueError, match="quality"):
        L.market_equilibrium(quality, 1.5)


@pytest.mark.parametrize("quality", [3.0, None, "uniform", stats.uniform, [0.2, 0.5], stats.poisson(3),
                                     stats.uniform(loc=[0, 1], scale=1)])
def test_non_distribution_is_a_value_error_naming_quality(quality):
    for call in (lambda: L.market_equilibrium(quality, 1.5), lambda: L.certification_equilibrium(quality, 1.5, 0.1),
                 lambda: L.simulate_market(quality, 1.5, 10)):
        with pytest.raises(ValueError, match="quality"):
            call()


def test_negative_quality_is_rejected():
    with pytest.raises(ValueError, match="quality"):
        L.market_equilibrium(uniform(-0.5, 1), 1.5)


@pytest.mark.parametrize("kwargs, name", [
    (dict(mean=0.0, buyer_premium=1.5), "mean"), (dict(mean=-1.0, buyer_premium=1.5), "mean"),
    (dict(mean=1.0, buyer_premium=1.0), "buyer_premium"), (dict(mean="1", buyer_premium=1.5), "mean")])
def test_exit_threshold_validation(kwargs, name):
    with pytest.raises(ValueError, match=name):
        L.uniform_exit_threshold(**kwargs)


@pytest.mark.parametrize("spread", [0.0, -0.1, 1.01, math.nan, [0.5, 2.0], []])
def test_uniform_market_spread_validation(spread):
    with pytest.raises(ValueError, match="spread"):
        L.uniform_market(1.0, spread, 1.5)


@pytest.mark.parametrize("cost", [-0.1, math.nan, "0.1"])
def test_cost_validation(cost):
    with pytest.raises(ValueError, match="cost"):
        L.certification_equilibrium(uniform(0, 1), 1.5, cost)
    with pytest.raises(ValueError, match="cost"):
        L.uniform_certification(1.0, 0.5, 1.5, cost)


@pytest.mark.parametrize("n, seed", [(0, 1), (1.5, 1), ("10", 1), (10, -1), (10, 1.5)])
def test_simulation_validation(n, seed):
    with pytest.raises(ValueError):
        L.simulate_market(uniform(0, 1), 1.5, n, seed)


def test_results_are_frozen():
    eq = L.market_equilibrium(uniform(0.4, 1.6), 1.5)
    with pytest.raises(Exception):
        eq.price = 0.0


# ------------------------------------------------------------------------------------------------ uniform quality

def uniform_closed_form(mu, sigma, b):
    """The chapter's result, typed in from the derivation (not from lib): price, share, average, welfare."""
    lo, hi = mu - sigma, mu + sigma
    if b * mu >= hi:
        return b * mu, 1.0, mu, (b - 1) * mu
    p = b * lo / (2 - b)
    share = (p - lo) / (hi - lo)
    return p, share, (lo + p) / 2, (b - 1) ** 2 * lo**2 / ((2 - b) ** 2 * sigma)


@pytest.mark.parametrize("mu, sigma, b, expected", [
    (1.0, 0.6, 1.5, (1.2, 2 / 3, 0.8, 4 / 15)),      # chapter 1's worked example
    (1.0, 0.8, 1.5, (0.6, 0.25, 0.4, 0.05)),
    (1.0, 0.4, 1.5, (1.5, 1.0, 1.0, 0.5)),
    (1.0, 1.0, 1.5, (0.0, 0.0, 0.0, 0.0)),           # q_lo = 0: total unravelling
    (2.0, 1.5, 1.2, (0.75, 0.0833333333333333, 0.625, 0.0104166666666667)),
])
def test_worked_uniform_numbers(mu, sigma, b, expected):
    eq = L.market_equilibrium(uniform(mu - sigma, mu + sigma), b)
    got = (eq.price, eq.traded_share, eq.average_quality, eq.welfare)
    assert np.allclose(got, expected, atol=1e-12)
    assert np.allclose(got, uniform_closed_form(mu, sigma, b), atol=1e-12)
    assert eq.full_information_welfare == pytest.approx((b - 1) * mu, abs=1e-15)


@settings(max_examples=40, deadline=None)
@given(mu=st.floats(0.2, 5.0), ratio=st.floats(0.02, 1.0), b=st.floats(1.02, 3.0))
def test_uniform_solver_matches_closed_form(mu, ratio, b):
    sigma = ratio * mu
    eq = L.market_equilibrium(uniform(mu - sigma, mu + sigma), b)
    closed = uniform_closed_form(mu, sigma, b)
    vec = L.uniform_market(mu, sigma, b)
    for got, want, vec_value in zip((eq.price, eq.traded_share, eq.average_quality, eq.welfare), closed,
                                    (vec.price, vec.traded_share, vec.average_quality, vec.welfare)):
        assert got == pytest.approx(want, abs=1e-10 * max(1.0, mu))
        assert float(vec_value) == pytest.approx(want, abs=1e-12 * max(1.0, mu))


@settings(max_examples=40, deadline=None)
@given(mu=st.floats(0.2, 5.0), b=st.floats(1.02, 1.98), eps=st.floats(1e-4, 0.05))
def test_exit_threshold_separates_the_regimes(mu, b, eps):
    sigma_star = L.uniform_exit_threshold(mu, b)
    assert sigma_star == pytest.approx((b - 1) * mu, rel=1e-15)
    below = L.market_equilibrium(uniform(mu * (1 - (b - 1) * (1 - eps)), mu * (1 + (b - 1) * (1 - eps))), b)
    assert below.regime == "all sell" and below.traded_share == 1.0
    sigma = sigma_star * (1 + eps)
    if sigma < mu:
        above = L.market_equilibrium(uniform(mu - sigma, mu + sigma), b)
        assert above.regime == "top sellers exit" and above.price < mu + sigma
        assert above.price == pytest.approx(b * (mu - sigma) / (2 - b), rel=1e-10)
    # at sigma* both formulas give the price b mu = mu + sigma* (continuity)
    assert b * (mu - sigma_star) / (2 - b) == pytest.approx(b * mu, rel=1e-12)


@pytest.mark.parametrize("b", [2.0, 2.3, 3.0])
@pytest.mark.parametrize("ratio", [0.3, 0.9, 1.0])
def test_b_at_least_two_never_exits(b, ratio):
    eq = L.market_equilibrium(uniform(1 - ratio, 1 + ratio), b)
    assert eq.regime == "all sell" and eq.price == pytest.approx(b) and eq.efficiency == pytest.approx(1.0)
    assert L.uniform_exit_threshold(1.0, b) >= 1.0


@pytest.mark.parametrize("b", [1.1, 1.5, 1.99])
def test_zero_lower_end_unravels_completely(b):
    eq = L.market_equilibrium(uniform(0.0, 2.0), b)
    assert (eq.price, eq.traded_share, eq.welfare, eq.regime) == (0.0, 0.0, 0.0, "no trade")
    assert eq.welfare_loss == pytest.approx((b - 1) * 1.0)


def test_zero_lower_end_with_large_premium_lists_no_trade_as_the_other_equilibrium():
    eq = L.market_equilibrium(uniform(0.0, 2.0), 2.5)
    assert eq.price == pytest.approx(2.5) and eq.other_prices == (0.0,)


# ------------------------------------------------------------------------------------------------ general quality

@settings(max_examples=12, deadline=None)
@given(a=st.floats(0.6, 5.0), bb=st.floats(0.6, 5.0), lo=st.floats(0.0, 2.0), width=st.floats(0.2, 3.0),
       b=st.floats(1.05, 2.5))
def test_beta_quality_largest_fixed_point_by_brute_force(a, bb, lo, width, b):
    hi = lo + width
    eq = L.market_equilibrium(beta(a, bb, lo, hi), b)
    want = beta_largest_price(a, bb, lo, hi, b)
    assert eq.price == pytest.approx(want, abs=2e-7 * hi)
    top = min(eq.price, hi)
    assert eq.welfare == pytest.approx((b - 1) * beta_partial(a, bb, lo, hi, top), abs=1e-7 * hi)
    assert 0.0 <= eq.welfare <= eq.full_information_welfare + 1e-12
    # a lower end within 1e-13 q_hi of 0 is taken as 0 (lib.lemons' documented rounding)
    assert 0.0 <= eq.traded_share <= 1.0 and lo - 1e-13 * hi <= eq.average_quality <= top + 1e-12


@pytest.mark.parametrize("quality", [beta(2, 2, 0.5, 2.0), beta(3, 1.5, 0.2, 1.2), truncated_normal(1.0, 0.4, 0.3, 2.5)])
def test_price_is_a_fixed_point_by_quad(quality):
    """p = b E[q | q <= p] with the expectation from scipy's quad-based expect (independent of lib's rule)."""
    b = 1.3
    eq = L.market_equilibrium(quality, b)
    lo, hi = quality.support()
    top = min(eq.price, hi)
    value = quality.expect(lambda x: x, lb=lo, ub=top, conditional=True)
    assert eq.price == pytest.approx(b * value, abs=1e-8)
    # and it is the largest: above it buyers value the cars offered less than the price
    for p in np.linspace(eq.price, max(eq.price, hi), 8)[1:]:
        assert b * quality.expect(lambda x: x, lb=lo, ub=min(p, hi), conditional=True) < p


def test_partial_expectation_and_conditional_mean_against_betainc():
    a, bb, lo, hi = 2.5, 1.7, 0.3, 2.1
    dist = beta(a, bb, lo, hi)
    p = np.linspace(0.0, 2.5, 57)
    assert np.allclose(L.partial_expectation(dist, p), beta_partial(a, bb, lo, hi, p), atol=1e-12)
    F = dist.cdf(p)
    inside = F > 1e-6
    assert np.allclose(L.conditional_mean(dist, p)[inside], beta_partial(a, bb, lo, hi, p)[inside] / F[inside],
                       atol=1e-9)
    assert L.conditional_mean(dist, 0.1) == lo and L.conditional_mean(dist, 5.0) == pytest.approx(dist.mean())
    assert isinstance(L.conditional_mean(dist, 1.0), float)


def test_mixture_has_three_equilibria():
    """Lemons U[0.5, 1] (30%) and peaches U[2, 3] (70%), b = 1.8. Closed forms: all sell at 1.8 x 1.975;
    only lemons at 1.8 x 0.75 = 1.35; a middle one solving 0.07 p^2 - 1.1 p + 2.115 = 0."""
    eq = L.market_equilibrium(MIXTURE, 1.8)
    middle = (1.1 - math.sqrt(1.1**2 - 4 * 0.07 * 2.115)) / (2 * 0.07)
    assert eq.price == pytest.approx(1.8 * 1.975, abs=1e-12) and eq.regime == "all sell"
    assert np.allclose(eq.other_prices, (1.35, middle), atol=1e-7)
    low = L.market_equilibrium(stats.rv_histogram(([1.0], [0.5, 1.0]), density=False).freeze(), 1.8)
    assert low.regime == "all sell"  # the lemons alone trade among themselves


# ------------------------------------------------------------------------------------------------ Monte Carlo

def test_simulation_stops_at_a_fixed_point_of_its_sample():
    sim = L.simulate_market(uniform(0.4, 1.6), 1.5, n_sellers=20_000, seed=7)
    q = np.sort(uniform(0.4, 1.6).rvs(size=20_000, random_state=np.random.default_rng(7)))
    offered = q[q <= sim.price]
    assert sim.price == pytest.approx(1.5 * offered.mean(), rel=1e-12)
    assert sim.traded_share == len(offered) / len(q)
    assert np.all(np.diff(sim.price_path) <= 0)  # the bid never rises
    assert sim.price_path[0] == pytest.approx(1.5 * q.mean(), rel=1e-12)


@pytest.mark.parametrize("quality, b", [(uniform(0.4, 1.6), 1.5), (uniform(0.6, 1.4), 1.5),
                                        (beta(2, 3, 0.2, 2.0), 1.4), (MIXTURE, 1.8)])
def test_simulation_converges_to_the_equilibrium(quality, b):
    eq = L.market_equilibrium(quality, b)
    sim = L.simulate_market(quality, b, n_sellers=400_000, seed=2026)
    assert sim.price == pytest.approx(eq.price, abs=0.01)
    assert sim.traded_share == pytest.approx(eq.traded_share, abs=0.01)
    assert sim.welfare == pytest.approx(eq.welfare, abs=0.005)
    assert sim.average_quality == pytest.approx(eq.average_quality, abs=0.01)


def test_simulation_error_shrinks_with_the_market():
    eq = L.market_equilibrium(uniform(0.4, 1.6), 1.5)
    errors = [np.mean([abs(L.simulate_market(uniform(0.4, 1.6), 1.5, n, seed).price - eq.price)
                       for seed in range(6)]) for n in (1_000, 100_000)]
    assert errors[1] < errors[0] / 3


def test_simulation_with_zero_lower_end_keeps_only_the_worst_cars():
    sim = L.simulate_market(uniform(0.0, 2.0), 1.5, n_sellers=50_000, seed=1)
    assert sim.traded_share < 1e-3 and sim.price < 1e-3


# ------------------------------------------------------------------------------------------------ certification

def uniform_certification_closed_form(mu, sigma, b, c):
    """Typed from the chapter's derivation: the unique equilibrium for uniform quality."""
    lo, hi = mu - sigma, mu + sigma
    q_c = c / (b - 1)
    p_lemons = b * mu if b * mu >= hi else b * lo / (2 - b)
    if c == 0:
        theta, p_u = lo, b * lo
    elif b * hi - c <= max(p_lemons, hi):
        theta, p_u = hi, p_lemons
    elif lo + 2 * c / b >= q_c:
        theta = lo + 2 * c / b
        p_u = b * (lo + theta) / 2
    else:
        theta, p_u = q_c, b * lo / (2 - b)
    sold = min(p_u, theta)
    welfare = (b - 1) * ((sold**2 - lo**2) + (hi**2 - theta**2)) / (4 * sigma) - c * (hi - theta) / (2 * sigma)
    return theta, p_u, welfare


@pytest.mark.parametrize("mu, sigma, b, c, expected", [
    (1.0, 0.6, 1.5, 0.1, (0.4 + 0.2 / 1.5, 0.7, 0.5 - 0.1 * (1.6 - 0.4 - 0.2 / 1.5) / 1.2)),   # chapter 1
    (1.0, 1.0, 1.5, 0.1, (0.2, 0.0, 0.5 * 0.9 * 1.1 - 0.1 * 0.9)),                            # case B
    (1.0, 0.6, 1.5, 2.0, (1.6, 1.2, 4 / 15)),                                                  # case C
    (1.0, 0.6, 1.5, 0.0, (0.4, 0.6, 0.5)),                                                     # case D
])
def test_worked_certification_numbers(mu, sigma, b, c, expected):
    eq = L.certification_equilibrium(uniform(mu - sigma, mu + sigma), b, c)
    assert np.allclose((eq.threshold, eq.uncertified_price, eq.welfare), expected, atol=1e-12)
    assert np.allclose(expected, uniform_certification_closed_form(mu, sigma, b, c), atol=1e-12)


def test_chapter_certification_example_recovers_most_of_the_loss():
    eq = L.certification_equilibrium(uniform(0.4, 1.6), 1.5, 0.1)
    assert eq.case == "A" and eq.traded_share == pytest.approx(1.0)
    assert eq.certified_share == pytest.approx(8 / 9) and eq.certification_spending == pytest.approx(0.8 / 9)
    assert eq.share_recovered == pytest.approx((0.5 - 0.8 / 9 - 4 / 15) / (0.5 - 4 / 15))
    # below sigma*: the lemons market loses nothing and certification only wastes money
    waste = L.certification_equilibrium(uniform(0.7, 1.3), 1.5, 0.1)
    assert waste.share_recovered is None and waste.welfare_recovered < 0 and waste.certified_share > 0


@settings(max_examples=40, deadline=None)
@given(mu=st.floats(0.3, 3.0), ratio=st.floats(0.05, 1.0), b=st.floats(1.05, 2.8), c_rel=st.floats(0.0, 1.5))
def test_certification_matches_uniform_closed_forms(mu, ratio, b, c_rel):
    sigma, c = ratio * mu, c_rel * mu
    eq = L.certification_equilibrium(uniform(mu - sigma, mu + sigma), b, c)
    theta, p_u, welfare = uniform_certification_closed_form(mu, sigma, b, c)
    vec = L.uniform_certification(mu, sigma, b, c)
    tol = 1e-9 * max(1.0, mu)
    assert eq.threshold == pytest.approx(theta, abs=tol) and float(vec.threshold) == pytest.approx(theta, abs=tol)
    assert eq.uncertified_price == pytest.approx(p_u, abs=tol)
    assert float(vec.uncertified_price) == pytest.approx(p_u, abs=tol)
    assert eq.welfare == pytest.approx(welfare, abs=tol) and float(vec.welfare) == pytest.approx(welfare, abs=tol)
    assert str(vec.case) in "ABCD" and eq.case in "ABCD"
    if c == 0 or abs((mu - sigma) + 2 * c / b - c / (b - 1)) > 1e-9:  # (A) and (B) meet where theta_A = q_c
        assert str(vec.case) == eq.case
    assert eq.welfare <= eq.full_information_welfare + 1e-12


def _check_seller_optimality(quality, b, c, eq, lo, hi):
    """Every seller's choice is optimal given p_u, and p_u = b E[q | uncertified and sold] (by quad)."""
    q = np.linspace(lo, hi, 2001)
    certify = b * q - c >= np.maximum(eq.uncertified_price, q) - 1e-9
    assert np.all(certify[q > eq.threshold + 1e-6]) and not np.any(certify[q < eq.threshold - 1e-6])
    sold = min(eq.uncertified_price, eq.threshold)
    if sold > lo + 1e-9:
        pool = quality.expect(lambda x: x, lb=lo, ub=sold, conditional=True)
        assert eq.uncertified_price == pytest.approx(b * pool, abs=1e-7)


@settings(max_examples=12, deadline=None)
@given(a=st.floats(1.0, 4.0), bb=st.floats(1.0, 4.0), lo=st.floats(0.0, 1.0), width=st.floats(0.3, 2.0),
       b=st.floats(1.1, 2.0), c_rel=st.floats(0.01, 0.8))
def test_certification_equilibrium_conditions_for_beta_quality(a, bb, lo, width, b, c_rel):
    hi = lo + width
    quality, c = beta(a, bb, lo, hi), c_rel * width
    eq = L.certification_equilibrium(quality, b, c)
    _check_seller_optimality(quality, b, c, eq, lo, hi)
    assert eq.welfare <= eq.full_information_welfare + 1e-12
    assert eq.certified_share == pytest.approx(1 - quality.cdf(eq.threshold), abs=1e-12)


def test_free_certification_unravels_disclosure():
    for quality in (uniform(0.4, 1.6), beta(2, 5, 0.0, 2.0), MIXTURE):
        eq = L.certification_equilibrium(quality, 1.5, 0.0)
        assert eq.case == "D" and eq.threshold == quality.support()[0]
        assert eq.welfare == pytest.approx(eq.full_information_welfare, abs=1e-12)


def test_prohibitive_cost_leaves_the_lemons_market():
    eq = L.certification_equilibrium(MIXTURE, 1.8, 100.0)
    assert eq.case == "C" and eq.welfare == eq.lemons.welfare and eq.certified_share == 0.0


# ------------------------------------------------------------------------------------------------ explorer

@pytest.mark.parametrize("spread, regime", [(0.3, "all sell"), (0.6, "top sellers exit"), (1.0, "no trade")])
def test_explorer_shows_the_solvers_numbers(spread, regime):
    from lib.explorers import new_axes
    from lib.explorers.lemons import draw_lemons

    fig, axes = new_axes(2)
    shown = draw_lemons(axes, buyer_premium=1.5, mean=1.0, spread=spread, cost=0.1)
    eq = L.market_equilibrium(uniform(1 - spread, 1 + spread), 1.5)
    cert = L.certification_equilibrium(uniform(1 - spread, 1 + spread), 1.5, 0.1)
    assert shown["regime"] == eq.regime == regime
    assert shown["price"] == eq.price and shown["efficiency"] == eq.efficiency
    assert shown["exit_threshold"] == pytest.approx(0.5, abs=1e-15)
    assert shown["certification_welfare"] == cert.welfare and shown["certification_case"] == cert.case
    assert spread <= 0.5 or eq.price == pytest.approx((1.5 * (1 - spread)) / 0.5, abs=1e-10)


def test_explorer_rejects_invalid_parameters():
    from lib.explorers import new_axes
    from lib.explorers.lemons import draw_lemons

    fig, axes = new_axes(2)
    with pytest.raises(ValueError, match="buyer_premium"):
        draw_lemons(axes, buyer_premium=0.9)
    with pytest.raises(ValueError, match="quality"):
        draw_lemons(axes, mean=0.5, spread=0.6)  # quality would be negative


def test_static_explorer_frames():
    from lib.explorers.lemons import static_lemons

    explorer = static_lemons()
    assert len(explorer.frames) == 11 and len(set(explorer.frames)) == 11
    assert len(explorer._repr_html_()) < 700_000


# ------------------------------------------------------------------------------------------------ cdf underflow
# References in arbitrary precision (mpmath): the truncated normal's E[q | q <= p] from its closed form
# mu - s (phi(beta) - phi(alpha)) / (Phi(beta) - Phi(alpha)); Beta's from the regularised incomplete beta function.

import mpmath as mp  # noqa: E402


def mp_h_truncnorm(mu, s, lo, hi, b):
    def h(p):
        with mp.workdps(60):
            al, be = (mp.mpf(lo) - mu) / s, (mp.mpf(p) - mu) / s
            mass = mp.ncdf(be) - mp.ncdf(al)
            return b * (mu - s * (mp.npdf(be) - mp.npdf(al)) / mass) - p
    return h


def quad_h_beta(a, bb, lo, hi, b):
    """h(p) = b E[q | q <= p] - p for Beta(a, bb) on [lo, hi] by scipy quad on the density scaled by its maximum over
    [lo, p] (the log-density (a - 1) log u + (bb - 1) log(1 - u) typed here), so nothing underflows."""
    w = hi - lo
    sd = w * math.sqrt(a * bb / ((a + bb) ** 2 * (a + bb + 1)))
    mode = lo + w * (a - 1) / (a + bb - 2) if a > 1 and bb > 1 else (hi if bb < 1 <= a else lo)

    def logf(x):
        u = (x - lo) / w
        return (a - 1) * math.log(u) + (bb - 1) * math.log1p(-u)

    def h(p):
        p = float(p)
        c = min(p, mode) if a >= 1 else p
        M = logf(c) if c > lo else logf(p)
        kappa = abs((a - 1) / (p - lo) - (bb - 1) / (hi - p)) if p < hi else 1 / sd
        s = min(sd, 1 / kappa) if kappa > 0 else sd
        pts = sorted({min(max(c - k * s, lo + 1e-300), p) for k in (40, 10, 3, 1)} - {p, lo})
        kw = dict(points=pts or None, limit=400, epsabs=0, epsrel=1e-13)
        f = lambda x: math.exp(logf(x) - M)  # noqa: E731
        mass = integrate.quad(f, lo, p, **kw)[0]
        mom = integrate.quad(lambda x: (x - lo) * f(x), lo, p, **kw)[0]
        return b * (lo + mom / mass) - p
    return h


def mp_roots(h, grid):
    """Sign changes of h on a grid, refined by bisection in mpmath (the reference's own root finder)."""
    values = [h(p) for p in grid]
    out = []
    for (p0, v0), (p1, v1) in zip(zip(grid, values), zip(grid[1:], values[1:])):
        if v0 * v1 < 0:
            a, z = mp.mpf(p0), mp.mpf(p1)
            for _ in range(60):
                m = (a + z) / 2
                a, z = (m, z) if h(m) * h(a) > 0 else (a, m)
            out.append(float((a + z) / 2))
    return out


def assert_verified(h, eq, rel=1e-6):
    """Every reported fixed point p > 0 below q_hi: h changes sign across p (the reference h)."""
    hi = eq.support[1]
    for fp in eq.equilibria:
        if 0 < fp.price < hi:
            left, right = h(fp.price * (1 - rel)), h(fp.price * (1 + rel))
            assert left * right < 0, (fp.price, left, right)


def test_truncated_normal_deep_tail_root_is_found_and_no_fake_one():
    quality, b = truncated_normal(1.0, 0.02, 0.0, 2.0), 1.2
    eq = L.market_equilibrium(quality, b)
    h = mp_h_truncnorm(1.0, 0.02, 0.0, 2.0, b)
    grid = list(np.geomspace(1e-5, 1.99, 400))
    want = mp_roots(h, grid)
    assert len(want) == 2 and h(0.2311) > 0  # the value the cdf-underflow bug reported is no fixed point
    assert np.allclose(eq.other_prices, (0.0, want[0]), rtol=1e-9, atol=0)
    assert eq.price == pytest.approx(want[1], rel=1e-9)
    assert_verified(h, eq)
    assert [fp.stable for fp in eq.equilibria] == [True, False, True]
    assert eq.equilibria[0].slope == pytest.approx(b / 2, rel=1e-6)  # E[q | q <= p] ~ p/2 as p -> 0


@pytest.mark.parametrize("a, lo, want_others", [(1000, 0.0, (0.0,)), (2000, 0.1, ())])
def test_concentrated_beta_has_no_fake_equilibria(a, lo, want_others):
    quality, b = beta(a, a, lo, 2.0), 1.2
    eq = L.market_equilibrium(quality, b)
    h = quad_h_beta(a, a, lo, 2.0, b)
    grid = list(lo + np.geomspace(1e-4, 1.9, 150))
    want = mp_roots(h, grid)
    assert len(want) == 1 and eq.price == pytest.approx(want[0], rel=1e-9)
    assert eq.other_prices == want_others
    assert_verified(h, eq)
    if lo == 0:  # E[q | q <= p] ~ p a/(a + 1) near 0: g'(0) = b a/(a + 1) > 1, unstable
        assert eq.equilibria[0].slope == pytest.approx(b * a / (a + 1), rel=1e-5) and not eq.equilibria[0].stable


@settings(max_examples=12, deadline=None)
@given(mu=st.floats(0.05, 1.95), log_sd=st.floats(-3.5, 0.0), b=st.floats(1.02, 2.5))
def test_truncated_normal_equilibria_are_verified_in_arbitrary_precision(mu, log_sd, b):
    sd = 10.0**log_sd
    eq = L.market_equilibrium(truncated_normal(mu, sd, 0.0, 2.0), b)
    h = mp_h_truncnorm(mu, sd, 0.0, 2.0, b)
    assert_verified(h, eq, rel=1e-7)
    assert all(np.isfinite([eq.price, eq.traded_share, eq.welfare, eq.average_quality]))
    prices = [fp.price for fp in eq.equilibria]
    assert prices == sorted(prices) and prices[-1] == eq.price
    if eq.price < 2.0:  # the largest: above it h < 0 (reference values on a grid up to q_hi)
        assert all(h(p) < 0 for p in np.linspace(max(eq.price * (1 + 1e-6), 1e-9), 2.0, 25))


@settings(max_examples=10, deadline=None)
@given(a=st.floats(0.5, 3000.0), bb=st.floats(0.5, 3000.0), lo=st.floats(0.0, 1.0), width=st.floats(1e-3, 3.0),
       b=st.floats(1.02, 2.5))
def test_beta_equilibria_are_verified_in_arbitrary_precision(a, bb, lo, width, b):
    eq = L.market_equilibrium(beta(a, bb, lo, lo + width), b)
    h = quad_h_beta(a, bb, lo, lo + width, b)
    assert_verified(h, eq, rel=1e-7)
    assert all(np.isfinite([eq.price, eq.traded_share, eq.welfare, eq.average_quality]))
    assert 0.0 <= eq.welfare <= eq.full_information_welfare * (1 + 1e-12)


# ------------------------------------------------------------------------------------------------ pdf-only densities

class TwoBlocks(stats.rv_continuous):
    """A student's density: the mixture 0.3 U[0.5, 1] + 0.7 U[2, 3] written as _pdf only, support [0, 3]."""

    def _pdf(self, x):
        return np.where((x >= 0.5) & (x < 1.0), 0.6, 0.0) + np.where((x >= 2.0) & (x <= 3.0), 0.7, 0.0)


class TwoBumps(stats.rv_continuous):
    """0.4 Beta(2, 5) + 0.6 Beta(5, 2) on [0, 3], as _pdf only."""

    def _pdf(self, x):
        return 0.4 * stats.beta.pdf(x, 2, 5, scale=3) + 0.6 * stats.beta.pdf(x, 5, 2, scale=3)


def mixture_middle_root():
    return (1.1 - math.sqrt(1.1**2 - 4 * 0.07 * 2.115)) / (2 * 0.07)


def test_pdf_only_mixture_matches_the_histogram_and_the_closed_form():
    eq = L.market_equilibrium(TwoBlocks(a=0.0, b=3.0)(), 1.8)
    ref = L.market_equilibrium(MIXTURE, 1.8)
    want = (1.35, mixture_middle_root(), 1.8 * 1.975)
    assert np.allclose([fp.price for fp in eq.equilibria], want, rtol=1e-9)
    assert np.allclose([fp.price for fp in ref.equilibria], want, rtol=1e-9)
    assert eq.welfare == pytest.approx(0.8 * 1.975, rel=1e-9)
    assert [fp.stable for fp in eq.equilibria] == [True, False, True]


@pytest.mark.parametrize("b", [1.3, 1.9, 2.4])
def test_pdf_only_smooth_mixture_against_betainc(b):
    def partial(p):  # E[q; q <= p] by the incomplete beta function, X = q/3
        x = np.clip(p / 3, 0, 1)
        return 3 * (0.4 * 2 / 7 * special.betainc(3, 5, x) + 0.6 * 5 / 7 * special.betainc(6, 2, x))

    def cdf(p):
        x = np.clip(p / 3, 0, 1)
        return 0.4 * special.betainc(2, 5, x) + 0.6 * special.betainc(5, 2, x)

    def h(p):
        return b * partial(p) / cdf(p) - p

    mean = partial(3.0)
    grid = np.linspace(1e-3, 3.0, 3001)
    values = h(grid)
    if b * mean >= 3:
        want = b * mean
    else:
        pos = np.flatnonzero(values > 0)
        want = 0.0 if pos.size == 0 else optimize.brentq(h, grid[pos[-1]], grid[pos[-1] + 1], xtol=1e-14)
    eq = L.market_equilibrium(TwoBumps(a=0.0, b=3.0)(), b)
    assert eq.price == pytest.approx(want, abs=1e-9)
    assert eq.welfare == pytest.approx((b - 1) * partial(min(want, 3.0)), abs=1e-9)
    assert L.conditional_mean(TwoBumps(a=0.0, b=3.0)(), 2.0) == pytest.approx(partial(2.0) / cdf(2.0), rel=1e-10)


def test_pdf_only_density_that_does_not_integrate_to_one_is_refused():
    class Half(stats.rv_continuous):
        def _pdf(self, x):
            return 0.5 + 0 * x

    with pytest.raises(ValueError, match="quality's density must integrate to 1 .* integrates to 0.5"):
        L.market_equilibrium(Half(a=0.0, b=1.0)(), 1.5)


def _root_law(lo, top: bool, zero_at_end: bool, with_cdf: bool):
    """Density 1 / (2 sqrt(t)) of the distance t to q_lo (or to q_hi) on [lo, lo + 1], infinite at that end (or set
    to 0 exactly there), as _pdf only or with its cdf sqrt(t) (or 1 - sqrt(t))."""
    class Root(stats.rv_continuous):
        def _pdf(self, q):
            t = lo + 1 - q if top else q - lo
            with np.errstate(divide="ignore"):
                return np.where(t > 0, 0.5 / np.sqrt(t), 0.0) if zero_at_end else 0.5 / np.sqrt(t)

        if with_cdf:
            def _cdf(self, q):
                return 1 - np.sqrt(lo + 1 - q) if top else np.sqrt(q - lo)

    return Root(a=lo, b=lo + 1)()


@pytest.mark.parametrize("top", [False, True])
@pytest.mark.parametrize("zero_at_end", [False, True])
def test_pdf_only_density_infinite_at_an_end_far_from_zero(top, zero_at_end):
    """On [1e6, 1e6 + 1] a float step near the support is 1.2e-10, and 1/(2 sqrt(t)) puts mass sqrt(1.2e-10) = 1.1e-5
    within one step of the end, where no density value can be had: a _pdf-only law is refused with a message naming
    the end and the remedy (not "does not integrate to 1"), and with its cdf it is solved. E[q] = lo + 1/3 (lo + 2/3
    for the top end); E[q | q <= p] - lo = (p - lo)/3 for the lower end, so b E[q | q <= p] > p up to q_hi (b = 1.5,
    lo = 1e6): everyone sells at b E[q], as for the top end, whose conditional mean exceeds the lower end's."""
    lo, b = 1e6, 1.5
    end = "q_hi = 1000001.0" if top else "q_lo = 1000000.0"
    with warnings.catch_warnings():  # the refusal is the only signal: no RuntimeWarning before it
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=f"only _pdf given\\) cannot be integrated at {end}: .* give the distribution a _cdf"):
            L.market_equilibrium(_root_law(lo, top, zero_at_end, False), b)
    eq = L.market_equilibrium(_root_law(lo, top, zero_at_end, True), b)
    mean = lo + (2 / 3 if top else 1 / 3)
    assert eq.regime == "all sell" and eq.traded_share == 1.0
    assert eq.price == pytest.approx(b * mean, rel=1e-15, abs=1e-9) and eq.welfare == pytest.approx((b - 1) * mean, abs=1e-9)


@pytest.mark.parametrize("lo", [0.0, 1.0, 100.0])
def test_pdf_only_density_infinite_at_q_lo_near_zero_is_integrated(lo):
    """Nearer 0 the float steps are small enough: 1/(2 sqrt(q - lo)) on [lo, lo + 1] as _pdf only is integrated, and
    agrees with the closed form: E[q | q <= p] = lo + (p - lo)/3, so b E[q | q <= p] = p at p - lo = lo (b = 3/2):
    no trade for lo = 0 (unique fixed point q_lo), everyone sells for lo >= 1 (b E[q] = 1.5 lo + 1/2 >= lo + 1)."""
    b = 1.5
    eq = L.market_equilibrium(_root_law(lo, False, False, False), b)
    assert eq.full_information_welfare == pytest.approx((b - 1) * (lo + 1 / 3), rel=1e-7)  # measured 3.5e-8 at lo = 0
    if lo == 0.0:
        assert eq.price == 0.0 and eq.traded_share == 0.0
    else:
        assert eq.regime == "all sell" and eq.price == pytest.approx(b * (lo + 1 / 3), rel=1e-8)
    assert L.conditional_mean(_root_law(lo, False, False, False), lo + 0.25) == pytest.approx(lo + 0.25 / 3, abs=1e-7)


def test_pdf_only_simulation_uses_the_distribution():
    sim = L.simulate_market(TwoBlocks(a=0.0, b=3.0)(), 1.8, n_sellers=200_000, seed=3)
    assert sim.price == pytest.approx(1.8 * 1.975, abs=0.01) and sim.traded_share == 1.0


# ------------------------------------------------------------------------------------------------ extremes and types

def test_overflowing_scales_raise_naming_the_parameter():
    with pytest.raises(ValueError, match="mean"):
        L.uniform_market(1e308, 0.9e308, 1.5)
    with pytest.raises(ValueError, match="mean"):
        L.uniform_certification(1e308, 0.9e308, 1.5, 0.1)
    for call in (L.market_equilibrium, L.top_slope, lambda q, b: L.certification_equilibrium(q, b, 0.1),
                 lambda q, b: L.optimal_certification(q, b, 0.1), lambda q, b: L.simulate_market(q, b, 10)):
        with pytest.raises(ValueError, match="quality"):
            call(uniform(0.4e308, 1.6e308), 1.5)


@pytest.mark.parametrize("spread", [True, np.bool_(False), "0.5", 0.5 + 0j, [0.5, "a"], None])
def test_spread_of_the_wrong_kind_is_refused(spread):
    for call in (lambda: L.uniform_market(1.0, spread, 1.5), lambda: L.uniform_certification(1.0, spread, 1.5, 0.1)):
        with pytest.raises(L.InputTypeError, match="spread"):
            call()


def test_tax_validation():
    for tax in (-0.1, math.nan, "0.1", True):
        with pytest.raises(ValueError, match="tax"):
            L.certification_equilibrium(uniform(0.4, 1.6), 1.5, 0.1, tax=tax)


@pytest.mark.parametrize("scale", [1e-300, 1e300])
def test_every_public_function_at_huge_and_tiny_scales(scale):
    """Homogeneity: prices, qualities and welfare scale with the unit of money; compare with the closed forms."""
    mu, sigma, b, c = 1.0, 0.6, 1.5, 0.1
    closed = uniform_closed_form(mu, sigma, b)
    q = uniform(0.4 * scale, 1.6 * scale)
    eq = L.market_equilibrium(q, b)
    assert (eq.price / scale, eq.traded_share, eq.average_quality / scale, eq.welfare / scale) == \
        pytest.approx(closed, rel=1e-9)
    vec = L.uniform_market(mu * scale, sigma * scale, b)
    assert (float(vec.price) / scale, float(vec.traded_share), float(vec.welfare) / scale) == \
        pytest.approx((closed[0], closed[1], closed[3]), rel=1e-12)
    theta, p_u, welfare = uniform_certification_closed_form(mu, sigma, b, c)
    cert = L.certification_equilibrium(q, b, c * scale)
    ucert = L.uniform_certification(mu * scale, sigma * scale, b, c * scale)
    for got in ((cert.threshold, cert.uncertified_price, cert.welfare),
                (float(ucert.threshold), float(ucert.uncertified_price), float(ucert.welfare))):
        assert tuple(v / scale for v in got) == pytest.approx((theta, p_u, welfare), rel=1e-9)
    opt = L.optimal_certification(q, b, c * scale)
    assert (opt.threshold / scale, opt.welfare / scale, opt.tax / scale) == pytest.approx((1.2, 0.7 / 1.5, 0.5),
                                                                                            rel=1e-9)
    assert L.top_slope(q, b) == pytest.approx(b / 2, rel=1e-12)
    assert L.uniform_exit_threshold(mu * scale, b) == pytest.approx(0.5 * scale, rel=1e-15)
    assert L.conditional_mean(q, 1.0 * scale) / scale == pytest.approx(0.7, rel=1e-12)
    assert L.partial_expectation(q, 1.0 * scale) / scale == pytest.approx(0.35, rel=1e-12)
    sim = L.simulate_market(q, b, n_sellers=50_000, seed=1)
    assert sim.price / scale == pytest.approx(closed[0], abs=0.02)
    disc = L.market_equilibrium(stats.rv_discrete(values=([1000 * scale, 2000 * scale], [0.5, 0.5])), 1.2)
    assert disc.price / scale == pytest.approx(1200, rel=1e-12) and disc.traded_share == 0.5


# ------------------------------------------------------------------------------------------------ discrete quality

def test_two_quality_levels_only_the_lemons_trade():
    eq = L.market_equilibrium(stats.rv_discrete(values=([1000, 2000], [0.5, 0.5])), 1.2)
    # all-sell price 1.2 x 1500 = 1800 < 2000; at p in [1000, 2000) only the 1000s offer: p = 1.2 x 1000
    assert eq.price == pytest.approx(1200, rel=1e-15) and eq.other_prices == ()
    assert eq.traded_share == 0.5 and eq.average_quality == 1000 and eq.welfare == pytest.approx(0.2 * 500)
    assert eq.equilibria[0].stable and eq.equilibria[0].slope == 0.0
    frozen = L.market_equilibrium(stats.rv_discrete(values=([1000, 2000], [0.5, 0.5])).freeze(), 1.2)
    assert frozen.price == eq.price
    sim = L.simulate_market(stats.rv_discrete(values=([1000, 2000], [0.5, 0.5])), 1.2, n_sellers=10_000, seed=5)
    assert sim.price == pytest.approx(1200, rel=1e-12) and sim.average_quality == pytest.approx(1000)
    with pytest.raises(ValueError, match="quality"):
        L.certification_equilibrium(stats.rv_discrete(values=([1000, 2000], [0.5, 0.5])), 1.2, 10.0)
    assert L.top_slope(stats.rv_discrete(values=([1000, 2000], [0.5, 0.5])), 1.2) == math.inf


def fraction_fixed_points(values, probs, b):
    """Every p with p = b E[q | q <= min(p, q_n)], in exact rational arithmetic: on [q_k, q_{k+1}) the offered set
    is {q_1..q_k}, so p must equal b times their mean and lie in that interval."""
    from fractions import Fraction as Fr

    pairs = sorted((Fr(v), Fr(w)) for v, w in zip(values, probs) if w > 0)
    out = []
    for k in range(len(pairs)):
        mass = sum(w for _, w in pairs[:k + 1])
        p = Fr(b) * sum(v * w for v, w in pairs[:k + 1]) / mass
        upper = pairs[k + 1][0] if k + 1 < len(pairs) else None
        if pairs[k][0] <= p and (upper is None or p < upper):
            out.append(float(p))
    return out


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.integers(0, 60), min_size=1, max_size=8, unique=True),
       weights=st.lists(st.integers(1, 9), min_size=8, max_size=8), b=st.sampled_from([1.1, 1.25, 1.5, 2.0, 3.0]))
def test_discrete_fixed_points_against_exact_arithmetic(values, weights, b):
    probs = np.array(weights[:len(values)], dtype=float)
    probs /= probs.sum()
    quality = stats.rv_discrete(values=(values, probs))
    eq = L.market_equilibrium(quality, b)
    want = fraction_fixed_points(values, probs, b)
    assert np.allclose([fp.price for fp in eq.equilibria], want, rtol=1e-12, atol=0)
    sold = np.array(values)[np.array(values) <= eq.price]
    assert eq.traded_share == pytest.approx(probs[np.array(values) <= eq.price].sum(), rel=1e-12)
    assert sold.size > 0


def test_binomial_quality():
    eq = L.market_equilibrium(stats.binom(5, 0.5), 1.5)
    assert np.allclose([fp.price for fp in eq.equilibria],
                       fraction_fixed_points(range(6), stats.binom(5, 0.5).pmf(range(6)), 1.5), rtol=1e-12)
    assert eq.other_prices[0] == 0.0


def test_akerlof_example_collapses_completely():
    """Akerlof (1970): quality U[0, 2], buyers value 3q/2. E[q | q <= p] = p/2, so b E = 3p/4 < p for p > 0."""
    eq = L.market_equilibrium(uniform(0.0, 2.0), 1.5)
    assert (eq.price, eq.traded_share, eq.welfare, eq.regime) == (0.0, 0.0, 0.0, "no trade")
    assert len(eq.equilibria) == 1 and eq.equilibria[0].slope == pytest.approx(0.75, rel=1e-6)


# ------------------------------------------------------------------------------------------------ stability

def test_mixture_equilibria_slopes_against_a_finite_difference_of_the_closed_form():
    def g(p):  # b E[q | q <= p] for 30% U[0.5, 1], 70% U[2, 3], p in [2, 3]
        mass = 0.3 + 0.7 * (p - 2)
        return 1.8 * (0.3 * 0.75 + 0.7 * (p - 2) * (p + 2) / 2) / mass

    eq = L.market_equilibrium(MIXTURE, 1.8)
    middle = mixture_middle_root()
    slope = (g(middle + 1e-6) - g(middle - 1e-6)) / 2e-6
    assert slope == pytest.approx(2.67, abs=0.01)
    assert [fp.price for fp in eq.equilibria] == pytest.approx([1.35, middle, 3.555], rel=1e-9)
    assert [fp.slope for fp in eq.equilibria] == pytest.approx([0.0, slope, 0.0], abs=1e-6)
    assert [fp.stable for fp in eq.equilibria] == [True, False, True]


def arcsine_g(mu, s, b):
    """b E[q | q <= p] for Beta(1/2, 1/2) on [mu - s, mu + s], by the incomplete beta function."""
    lo, w = mu - s, 2 * s

    def g(p):
        x = np.clip((p - lo) / w, 0, 1)
        return b * (lo + w * 0.5 * special.betainc(1.5, 0.5, x) / special.betainc(0.5, 0.5, x))
    return g


def test_arcsine_quality_has_three_equilibria():
    g = arcsine_g(1.0, 0.45, 1.5)
    grid = np.linspace(0.5501, 1.45, 4000)
    d = g(grid) - grid
    roots = [optimize.brentq(lambda p: g(p) - p, grid[i], grid[i + 1], xtol=1e-14)
             for i in np.flatnonzero(d[:-1] * d[1:] < 0)]
    eq = L.market_equilibrium(beta(0.5, 0.5, 0.55, 1.45), 1.5)
    assert len(roots) == 2 and [round(r, 4) for r in roots] == [1.2088, 1.43]
    assert [fp.price for fp in eq.equilibria] == pytest.approx(roots + [1.5], rel=1e-9)
    slopes = [(g(r + 1e-7) - g(r - 1e-7)) / 2e-7 for r in roots]
    assert [fp.slope for fp in eq.equilibria[:2]] == pytest.approx(slopes, rel=1e-5)
    assert [fp.stable for fp in eq.equilibria] == [True, False, True]


# ------------------------------------------------------------------------------------------------ jump at the threshold

def test_top_slope():
    for lo, hi, b in ((0.4, 1.6, 1.5), (1.0, 3.0, 1.2), (0.0, 1e-3, 2.5)):
        assert L.top_slope(uniform(lo, hi), b) == pytest.approx(b / 2, rel=1e-12)  # b (1/w)(w/2)
    assert L.top_slope(beta(0.5, 0.5, 0.5, 1.5), 1.5) == math.inf
    assert L.top_slope(MIXTURE, 1.8) == pytest.approx(1.8 * 0.7 * (3 - 1.975), rel=1e-12)
    # Beta(2, 1) on [0, 1]: f(1) = 2, E = 2/3, so 1.5 x 2 x (1/3) = 1
    assert L.top_slope(beta(2, 1, 0, 1), 1.5) == pytest.approx(1.0, rel=1e-12)


def test_arcsine_market_jumps_at_the_exit_threshold():
    at = L.market_equilibrium(beta(0.5, 0.5, 0.5, 1.5), 1.5)
    assert at.price == pytest.approx(1.5, rel=1e-15) and at.traded_share == 1.0
    g = arcsine_g(1.0, 0.5001, 1.5)
    grid = np.linspace(0.5, 1.5001, 20001)[1:]
    d = g(grid) - grid
    i = np.flatnonzero(d > 0)[-1]
    want = optimize.brentq(lambda p: g(p) - p, grid[i], grid[i + 1], xtol=1e-14)
    share = stats.beta(0.5, 0.5).cdf((want - 0.4999) / 1.0002)
    efficiency = share * (want / 1.5) / 1.0  # F(p) E[q | q <= p] / E[q], E[q | q <= p] = p / b
    beyond = L.market_equilibrium(beta(0.5, 0.5, 0.4999, 1.5001), 1.5)
    assert beyond.price == pytest.approx(want, rel=1e-9) and round(want, 3) == 1.059
    assert beyond.traded_share == pytest.approx(share, rel=1e-9) and round(share, 2) == 0.54
    assert beyond.efficiency == pytest.approx(efficiency, rel=1e-9) and round(efficiency, 2) == 0.38
    # uniform: continuous (top slope b/2 < 1): just beyond sigma* the price is still close to q_hi
    near = L.market_equilibrium(uniform(0.4999, 1.5001), 1.5)
    assert near.price == pytest.approx(1.5 * 0.4999 / 0.5, rel=1e-12) and near.price > 1.499


# ------------------------------------------------------------------------------------------------ tax and optimum

def uniform_optimum_closed_form(lo, hi, b, c):
    """The planner's problem for uniform quality, derived by hand: the pool [lo, t] sells entirely iff
    t <= t_bar = b lo/(2 - b) (b < 2); there W = (b - 1) mu - c (hi - t)/(hi - lo), rising in t; beyond t_bar the
    pool sells up to t_bar and dW/dt = (c - (b - 1) t)/(hi - lo), so with t_bar >= c/(b - 1) the optimum is t_bar."""
    t_bar = b * lo / (2 - b)
    assert c / (b - 1) <= t_bar < hi
    mu = (lo + hi) / 2
    return t_bar, (b - 1) * mu - c * (hi - t_bar) / (hi - lo)


def uniform_planner_welfare(lo, hi, b, c, t):
    """W(t) for uniform quality by the same derivation (brute-force reference over a grid of t)."""
    sold = np.where(b * (lo + t) / 2 >= t, t, b * lo / (2 - b) if b < 2 else t)
    traded = (sold**2 - lo**2 + hi**2 - t**2) / (2 * (hi - lo))
    return (b - 1) * traded - c * (hi - t) / (hi - lo)


def test_worked_optimal_certification():
    lo, hi, b, c = 0.4, 1.6, 1.5, 0.1
    eq = L.certification_equilibrium(uniform(lo, hi), b, c)
    lemons_w = 4 / 15
    assert eq.threshold == pytest.approx(lo + 2 * c / b, rel=1e-12)
    assert eq.welfare == pytest.approx(0.5 - c * (hi - eq.threshold) / (hi - lo), rel=1e-12)
    assert round(eq.threshold, 4) == 0.5333 and round(eq.welfare, 4) == 0.4111 and round(eq.share_recovered, 2) == 0.62
    opt = L.optimal_certification(uniform(lo, hi), b, c)
    t_star, w_star = uniform_optimum_closed_form(lo, hi, b, c)
    grid = np.linspace(lo, hi, 120_001)
    brute = uniform_planner_welfare(lo, hi, b, c, grid)
    assert opt.threshold == pytest.approx(t_star, rel=1e-9) and t_star == pytest.approx(1.2)
    assert opt.welfare == pytest.approx(w_star, rel=1e-12) and w_star == pytest.approx(brute.max(), abs=1e-9)
    assert opt.certification_spending == pytest.approx(c * (hi - t_star) / (hi - lo), rel=1e-9)
    assert round(opt.certification_spending, 4) == 0.0333 and round(opt.welfare, 4) == 0.4667
    assert opt.share_recovered == pytest.approx((w_star - lemons_w) / (0.5 - lemons_w), rel=1e-9)
    assert round(opt.share_recovered, 2) == 0.86
    # the tax: case A at cost c + tau puts the threshold at lo + 2 (c + tau)/b = t_star
    assert opt.tax == pytest.approx(b * (t_star - lo) / 2 - c, rel=1e-9) and opt.tax == pytest.approx(0.5)
    assert opt.equilibrium.threshold == pytest.approx(t_star, rel=1e-9)
    assert opt.equilibrium.welfare == pytest.approx(w_star, rel=1e-9) and opt.equilibrium.tax == opt.tax


@settings(max_examples=30, deadline=None)
@given(mu=st.floats(0.3, 3.0), ratio=st.floats(0.05, 1.0), b=st.floats(1.05, 2.8), c_rel=st.floats(0.0, 1.0),
       tax_rel=st.floats(0.0, 1.0))
def test_taxed_certification_against_the_uniform_closed_form(mu, ratio, b, c_rel, tax_rel):
    sigma, c, tau = ratio * mu, c_rel * mu, tax_rel * mu
    eq = L.certification_equilibrium(uniform(mu - sigma, mu + sigma), b, c, tax=tau)
    theta, p_u, _ = uniform_certification_closed_form(mu, sigma, b, c + tau)  # sellers face c + tau
    lo, hi = mu - sigma, mu + sigma
    sold = min(p_u, theta)
    welfare = (b - 1) * ((sold**2 - lo**2) + (hi**2 - theta**2)) / (4 * sigma) - c * (hi - theta) / (2 * sigma)
    tol = 1e-9 * max(1.0, mu)
    assert eq.threshold == pytest.approx(theta, abs=tol) and eq.welfare == pytest.approx(welfare, abs=tol)
    assert eq.tax == tau and eq.cost == c


@settings(max_examples=15, deadline=None)
@given(mu=st.floats(0.3, 3.0), ratio=st.floats(0.05, 1.0), b=st.floats(1.05, 2.8), c_rel=st.floats(0.0, 1.0))
def test_optimal_certification_beats_a_brute_force_grid(mu, ratio, b, c_rel):
    sigma, c = ratio * mu, c_rel * mu
    lo, hi = mu - sigma, mu + sigma
    opt = L.optimal_certification(uniform(lo, hi), b, c)
    brute = uniform_planner_welfare(lo, hi, b, c, np.linspace(lo, hi, 4001))
    assert opt.welfare >= brute.max() - 1e-10 * mu
    assert opt.welfare == pytest.approx(float(uniform_planner_welfare(lo, hi, b, c, np.array(opt.threshold))),
                                        abs=1e-10 * mu)
    eq = L.certification_equilibrium(uniform(lo, hi), b, c)
    assert opt.welfare >= eq.welfare - 1e-10 * mu  # the planner can do what the market does
    if opt.tax is not None:
        taxed = L.certification_equilibrium(uniform(lo, hi), b, c, tax=opt.tax)
        assert taxed.threshold == pytest.approx(opt.threshold, abs=1e-7 * hi)
        assert taxed.welfare == pytest.approx(opt.welfare, abs=1e-9 * mu)


def test_optimal_certification_for_beta_quality_against_a_grid():
    a, bb, lo, hi, b, c = 2.0, 3.0, 0.2, 2.0, 1.4, 0.05
    quality = beta(a, bb, lo, hi)
    opt = L.optimal_certification(quality, b, c)
    mean = lo + (hi - lo) * a / (a + bb)

    def planner(t):  # the pool [lo, t]: its own best lemons price by the betainc brute force on the truncated pool
        F_t = special.betainc(a, bb, (t - lo) / (hi - lo))
        pe_t = beta_partial(a, bb, lo, hi, t)
        if b * pe_t / F_t >= t:
            s = t
        else:
            grid = np.linspace(lo, t, 801)[1:]
            hv = b * beta_partial(a, bb, lo, hi, grid) / special.betainc(a, bb, (grid - lo) / (hi - lo)) - grid
            s = grid[np.flatnonzero(hv > 0)[-1]] if np.any(hv > 0) else lo
        return (b - 1) * (beta_partial(a, bb, lo, hi, s) + mean - pe_t) - c * (1 - F_t)

    brute = max(planner(t) for t in np.linspace(lo + 1e-3, hi - 1e-9, 400))
    # just below a fixed point r of the market the pool [lo, theta] sells entirely (h > 0 there)
    assert opt.welfare >= brute - 1e-4 and opt.welfare == pytest.approx(planner(opt.threshold * (1 - 1e-9)), abs=1e-6)


def test_explorer_marks_only_verified_fixed_points():
    from lib.explorers import new_axes
    from lib.explorers.lemons import draw_lemons

    fig, axes = new_axes(2)
    shown = draw_lemons(axes, buyer_premium=1.5, mean=1.0, spread=1.0, cost=0.1)
    assert shown["equilibria"] == (0.0,) and shown["stable"] == (True,)  # U[0, 2]: E[q | q <= p] = p/2, slope 3/4
    markers = [line for line in axes[0].get_lines() if line.get_marker() == "o"]
    assert [float(m.get_xdata()[0]) for m in markers] == list(shown["equilibria"])


def test_knife_edge_at_q_lo_reports_no_rounding_root():
    """0.4 Beta(2, 5) + 0.6 Beta(5, 2) on [0, 3] at b = 3/2: the density is linear at 0, so b E[q | q <= p] / p -> b 2/3
    = 1 there (a tangency at q_lo = 0) and h(p) = b E[q | q <= p] - p < 0 for every p in (0, 3], by 50-digit mpmath
    and closed-form incomplete betas (E[q 1{q <= p}] = 3 sum w a/(a + b) I_x(a + 1, b), x = p/3). The only fixed
    point is 0: no trade (a rounding-noise root at p = 5e-15 was reported as the market price)."""
    import mpmath as mp

    parts = ((0.4, 2, 5), (0.6, 5, 2))

    class Mix(stats.rv_continuous):
        def _pdf(self, x):
            return sum(w * stats.beta(a, b_).pdf(x) for w, a, b_ in parts)

        def _cdf(self, x):
            return sum(w * stats.beta(a, b_).cdf(x) for w, a, b_ in parts)

    mp.mp.dps = 50
    for x in np.concatenate((np.geomspace(1e-15, 1e-2, 27), np.linspace(0.02, 1, 50))):
        X = mp.mpf(float(x))
        F = sum(w * mp.betainc(a, b_, 0, X, regularized=True) for w, a, b_ in parts)
        partial = 3 * sum(w * mp.mpf(a) / (a + b_) * mp.betainc(a + 1, b_, 0, X, regularized=True) for w, a, b_ in parts)
        assert mp.mpf(3) / 2 * partial / F - 3 * X < 0, x
    eq = L.market_equilibrium(Mix(a=0, b=1)(scale=3), 1.5)
    assert [p.price for p in eq.equilibria] == [0.0]
    assert eq.price == 0.0 and eq.traded_share == 0.0 and eq.regime == "no trade"
    # just above the knife edge the slope at 0 exceeds 1 and a positive equilibrium exists (h(0+) > 0, h(3) < 0)
    assert L.market_equilibrium(Mix(a=0, b=1)(scale=3), 1.5 * (1 + 1e-3)).price > 0


@pytest.mark.parametrize("scale", [1e-9, 1e6])
def test_fixed_points_scale_with_the_support(scale):
    """Prices are measured in the units of quality: stretching the support by s multiplies every fixed point by s.
    The chapter's arcsine market (Beta(1/2, 1/2) on [0.55, 1.45], b = 3/2: three equilibria 1.2088, 1.4300, 1.5,
    each checked against incomplete-beta closed forms in the chapter) and Beta(2, 5) on [0, 3] at b = 1.6 (0 and an
    interior price) keep their lists at supports of order 1e-9 and 1e6, so the rounding allowance of h scales with p."""
    for (a, b_, lo, hi, prem) in ((0.5, 0.5, 0.55, 1.45, 1.5), (2, 5, 0.0, 3.0, 1.6)):
        base = [p.price for p in L.market_equilibrium(beta(a, b_, lo, hi), prem).equilibria]
        scaled = [p.price / scale for p in L.market_equilibrium(beta(a, b_, lo * scale, hi * scale), prem).equilibria]
        assert len(base) == len(scaled) and len(base) >= 2
        assert scaled == pytest.approx(base, rel=1e-12, abs=1e-300)


def _listing_by_closed_form(h, E_top, s, b, u_min):
    """Fixed points of p = b E[q | q <= min(p, s)] on a support [0, s] from a closed form h(p) = b E[q | q <= p] - p
    (vectorised): 0, every sign change of h on a grid of [u_min s, s] (geometric and linear, 1,201 points) located
    by brentq, and b E[q] if that is >= s (every seller sells). The caller shows that h has no root on (0, u_min s]."""
    grid = np.unique(np.concatenate((np.geomspace(u_min, 1.0, 600), np.linspace(0.0, 1.0, 601)[1:]))) * s
    y = h(grid)
    out = [0.0]
    for i in np.flatnonzero(np.sign(y[:-1]) * np.sign(y[1:]) < 0):
        out.append(optimize.brentq(lambda p: float(h(np.array([p]))[0]), grid[i], grid[i + 1], xtol=1e-300,
                                   rtol=1e-14))
    if b * E_top >= s:
        out.append(b * E_top)
    return out


def _arcsine_h(s, b):
    """Beta(1/2, 1/2) on [0, s]: E[q | q <= p] = s (1/2) I_u(3/2, 1/2) / I_u(1/2, 1/2), u = p/s (betainc is accurate
    to 4e-16 relative down to u = 1e-200 against 40-digit mpmath; below it underflows). Near 0, E[q | q <= p] =
    p/3 + (2/45) p u + O(p u^2) (the series of arcsin), so h(p) / p -> b/3 - 1, which is < 0 for b = 3/2 and
    5/6 - 1 for b = 5/2: no root on (0, 1e-200 s]."""
    def h(p):
        u = np.asarray(p, dtype=float) / s
        return b * s * 0.5 * special.betainc(1.5, 0.5, u) / special.betainc(0.5, 0.5, u) - p
    return h, 0.5 * s, 1e-200


def _beta22_h(s, b):
    """Beta(2, 2) on [0, s]: E[q | q <= p] = (2p/3)(1 - 3u/4)/(1 - 2u/3), u = p/s (the moments of 6u(1 - u)); at
    b = 3/2 that is the tangency b E / p -> 1 at 0, and h(p) = -p (u/12)/(1 - 2u/3) < 0 on (0, s] in this
    cancellation-free form: no root but 0."""
    assert b == 1.5
    return (lambda p: -np.asarray(p) * (np.asarray(p) / s / 12) / (1 - 2 * np.asarray(p) / s / 3)), 0.5 * s, 1e-300


def _uniform_h(s, b):
    """U[0, s]: E[q | q <= p] = p/2, h(p) = (b/2 - 1) p: of one sign on (0, s]."""
    return (lambda p: (b / 2 - 1) * np.asarray(p, dtype=float)), 0.5 * s, 1e-300


def _truncnorm_h(s, b):
    """N(0.3 s, (0.2 s)^2) truncated to [0, s]: E[q | q <= p] = m + sd (phi(al) - phi(z)) / (Phi(z) - Phi(al)),
    al = -m/sd, z = (p - m)/sd (it loses about 1e-16 / u relative to cancellation at u = p/s, hence u >= 1e-6).
    The density is positive, finite and smooth at 0, so E[q | q <= p] = p/2 + O(p u) and h(p)/p -> b/2 - 1 < 0
    for b = 3/2: no root on (0, 1e-6 s] (h / p is below -0.24 at u = 1e-6)."""
    m, sd = 0.3 * s, 0.2 * s
    al = -m / sd

    def h(p):
        z = (np.asarray(p, dtype=float) - m) / sd
        E = m + sd * (stats.norm.pdf(al) - stats.norm.pdf(z)) / (special.ndtr(z) - special.ndtr(al))
        return b * E - p
    return h, float(h(np.array([s]))[0] + s) / b, 1e-6


@pytest.mark.parametrize("s", [1e-6, 1.0, 2e6, 1e8])
@pytest.mark.parametrize("law, b", [("arcsine", 1.5), ("arcsine", 2.5), ("beta22", 1.5), ("uniform", 1.5),
                                     ("truncnorm", 1.5)])
def test_no_fixed_points_of_rounding_noise_at_subnormal_prices(law, b, s):
    """The listing of fixed points equals the closed form's (see _listing_by_closed_form and the laws' helpers), at
    supports [0, s] from 1e-6 to 1e8. At subnormal prices E[q | q <= p] is not resolved (the log-space route's node
    offsets underflow): Beta(1/2, 1/2) on [0, 2e6] at b = 3/2 listed 4.9e-318 and 1.5e-317 besides 0, the larger as
    the market price, though h < 0 on (0, 2e6]."""
    quality = {"arcsine": stats.beta(0.5, 0.5, loc=0, scale=s), "beta22": stats.beta(2, 2, loc=0, scale=s),
               "uniform": stats.uniform(0, s),
               "truncnorm": stats.truncnorm(-1.5, 3.5, loc=0.3 * s, scale=0.2 * s)}[law]
    h, mean, u_min = {"arcsine": _arcsine_h, "beta22": _beta22_h, "uniform": _uniform_h,
                      "truncnorm": _truncnorm_h}[law](s, b)
    with np.errstate(all="ignore"):
        expected = _listing_by_closed_form(h, mean, s, b, u_min)
    eq = L.market_equilibrium(quality, b)
    got = [fp.price for fp in eq.equilibria]
    assert len(got) == len(expected), (got, expected)
    assert got == pytest.approx(expected, rel=1e-9, abs=0.0)
    if len(expected) == 1:
        assert eq.price == 0.0 and eq.regime == "no trade" and eq.other_prices == ()


@pytest.mark.parametrize("b, c", [(1.1, 1.8), (1.3, 1.0), (1.1, 0.4), (1.5, 1.8)])
def test_optimal_certification_when_nothing_is_worth_certifying(b, c):
    """Beta(2, 5) on [0, 3] with b <= 3/2: the density is linear at 0, so b E[q | q <= p] / p -> 2b/3 <= 1 and the
    lemons market does not trade (price 0, welfare 0; test_knife_edge_at_q_lo_reports_no_rounding_root for
    b = 3/2); with c >= (b - 1) q_hi every certified car gains (b - 1) q - c <= 0, and the uncertified pool [0, theta]
    trades at the whole market's largest fixed point below theta, 0. So W(theta) <= 0 with equality only at
    theta = q_hi: nobody certifies, welfare 0, and the smallest tax making that an equilibrium is
    max(0, b q_hi - c - q_hi) (0 here up to rounding). Rounding noise of W about 1e-16 had chosen theta = 2.9985
    (welfare 2e-16, no tax) at b = 1.1, c = 1.8."""
    assert c >= (b - 1) * 3.0 and b <= 1.5
    opt = L.optimal_certification(beta(2, 5, 0.0, 3.0), b, c)
    assert opt.lemons.price == 0.0 and opt.lemons.welfare == 0.0
    assert opt.threshold == 3.0 and opt.certified_share == 0.0 and opt.uncertified_traded_share == 0.0
    assert abs(opt.welfare) <= 1e-15
    assert opt.tax is not None and 0.0 <= opt.tax <= max(0.0, b * 3.0 - c - 3.0) + 1e-15
    assert opt.equilibrium.threshold == 3.0 and opt.equilibrium.case == "C"


# ------------------------------------------------------------------------------------------------ g = p on an interval

def _flat_law(tail: float, with_cdf: bool):
    """(1 - m) times 0.18 on [1, 3] and 0.08 q on [3, 5], plus m/2 on [5, 7] when m = tail > 0 (support [1, 5] when
    m = 0), as a user-written rv_continuous with only _pdf or with its _cdf too."""
    m = tail

    class Flat(stats.rv_continuous):
        def _pdf(self, q):
            return np.where(q < 3, 0.18 * (1 - m), np.where(q < 5, 0.08 * q * (1 - m), m / 2))

    class FlatCdf(Flat):
        def _cdf(self, q):
            return np.where(q < 3, 0.18 * (q - 1) * (1 - m),
                            np.where(q < 5, (0.36 + 0.04 * (q * q - 9)) * (1 - m), 1 - m + m / 2 * (q - 5)))

    return (FlatCdf if with_cdf else Flat)(a=1.0, b=7.0 if m else 5.0, name=f"flat_{m}_{with_cdf}")()


def _flat_g(p: Fraction, m: Fraction, b: Fraction) -> Fraction:
    """g(p) = b E[q | q <= min(p, q_hi)] of _flat_law in exact rationals (piecewise polynomial partial moments)."""
    c1, c2 = Fraction(18, 100) * (1 - m), Fraction(8, 100) * (1 - m)
    top = 7 if m else 5
    p = min(p, Fraction(top))
    if p <= 3:
        F, M = c1 * (p - 1), c1 * (p * p - 1) / 2
    else:
        F, M = c1 * 2 + c2 * (p * p - 9) / 2, c1 * 4 + c2 * (p ** 3 - 27) / 3
        if p > 5:
            F, M = F - c2 * (p * p - 25) / 2 + m / 2 * (p - 5), M - c2 * (p ** 3 - 125) / 3 + m / 4 * (p * p - 25)
    return b * M / F


@pytest.mark.parametrize("with_cdf", [False, True])
@pytest.mark.parametrize("tail", [0.0, 0.2])
def test_an_interval_of_equilibria_reports_its_right_end(tail, with_cdf):
    """0.18 on [1, 3] and 0.08 q on [3, 5] (times 1 - m, plus m/2 on [5, 7]) with b = 3/2: E[q | q <= p] = 2p/3 on
    [3, 5], so g(p) = p on all of [3, 5] (exact rationals), g > p below 3 and g < p above 5. Every p in [3, 5] is an
    equilibrium and the largest, 5, must be reported (everyone sells when m = 0); 3.0 with 'top sellers exit' was
    reported (values of h within rounding of 0 after the last clearly positive one were taken for a crossing).
    Every price listed must lie in [3, 5] (by the exact g), the lower end 3 among them when m > 0."""
    b, m = Fraction(3, 2), Fraction(str(tail))
    assert all(_flat_g(Fraction(k, 8), m, b) == Fraction(k, 8) for k in range(24, 41))
    assert all(_flat_g(Fraction(k, 8), m, b) > Fraction(k, 8) for k in range(9, 24))
    if m:
        assert all(_flat_g(Fraction(k, 8), m, b) < Fraction(k, 8) for k in range(41, 57))
    eq = L.market_equilibrium(_flat_law(tail, with_cdf), float(b))
    assert eq.price == pytest.approx(5.0, rel=1e-13)
    if m:
        assert eq.regime == "top sellers exit" and eq.traded_share == pytest.approx(0.8, rel=1e-12)
        assert any(abs(fp.price - 3.0) < 1e-8 for fp in eq.equilibria)
    else:
        assert eq.regime == "all sell" and eq.traded_share == 1.0
    assert all(3.0 - 1e-8 <= fp.price <= 5.0 + 1e-12 for fp in eq.equilibria)


@pytest.mark.parametrize("with_cdf", [False, True])
def test_an_interval_of_equilibria_from_zero_reports_its_right_end(with_cdf):
    """0.4 on [0, 2] and 0.1 on [2, 4] with b = 2: E[q | q <= p] = p/2 on [0, 2], so g = p there; above 2,
    g(p) = 2 (0.8 + 0.05 (p^2 - 4)) / (0.8 + 0.1 (p - 2)) < p (exact rationals). The largest equilibrium is 2 (0, no
    trade, was reported: h within rounding of 0 from q_lo = 0 on was merged into the bottom of the support)."""
    def g(p):
        return 2 * (Fraction(4, 10) * p * p / 2 if p <= 2 else Fraction(8, 10) + Fraction(5, 100) * (p * p - 4)) / (
            Fraction(4, 10) * p if p <= 2 else Fraction(8, 10) + Fraction(1, 10) * (p - 2))
    assert all(g(Fraction(k, 8)) == Fraction(k, 8) for k in range(1, 17))
    assert all(g(Fraction(k, 8)) < Fraction(k, 8) for k in range(17, 33))

    class Step(stats.rv_continuous):
        def _pdf(self, q):
            return np.where(q < 2, 0.4, 0.1)

    class StepCdf(Step):
        def _cdf(self, q):
            return np.where(q < 2, 0.4 * q, 0.8 + 0.1 * (q - 2))

    eq = L.market_equilibrium((StepCdf if with_cdf else Step)(a=0.0, b=4.0, name=f"step_{with_cdf}")(), 2.0)
    assert eq.price == pytest.approx(2.0, rel=1e-12)
    assert eq.traded_share == pytest.approx(0.8, rel=1e-12) and eq.regime == "top sellers exit"


@pytest.mark.parametrize("width", [1e-300, 1e-310, 1e-312, 1e-315, 1e-320, 5e-324])
def test_slope_at_zero_on_a_subnormal_support(width):
    """U[0, w] and Beta(1/2, 1) on [0, w] with b = 3/2 < 2 unravel: price 0, no trade. The slope of g at 0 is the
    limit of b E[q | q <= p] / p: b/2 for the uniform, b a/(a + 1) = 1/2 for Beta(a, 1) (closed forms
    E[q | q <= p] = p/2 and a p/(a + 1)). At w = 1e-315 the secant point 1e-9 w underflowed to 0 (ZeroDivisionError);
    at 1e-310 and 1e-312 it gave slopes 0.747 and 0."""
    b = 1.5
    for quality, slope in ((stats.uniform(0.0, width), b / 2), (stats.beta(0.5, 1.0, scale=width), b * 0.5 / 1.5)):
        eq = L.market_equilibrium(quality, b)
        assert eq.price == 0.0 and eq.regime == "no trade" and len(eq.equilibria) == 1
        assert eq.equilibria[0].slope == pytest.approx(slope, rel=1e-12) and eq.equilibria[0].stable


def test_a_singular_density_that_integrates_to_one_and_a_half_is_refused_for_that():
    """0.75 / sqrt(q) on [0, 1] integrates to 1.5 (closed form 0.75 * 2 sqrt(1)): refused by the message that names
    the integral (about 1.5), not by the one blaming the float resolution at q_lo (which holds at most about 1e-6
    of the mass there)."""
    assert integrate.quad(lambda q: 0.75 / math.sqrt(q), 0.0, 1.0)[0] == pytest.approx(1.5, rel=1e-9)

    class Root(stats.rv_continuous):
        def _pdf(self, q):
            return 0.75 / np.sqrt(q)

    with pytest.raises(ValueError, match=r"must integrate to 1 .* integrates to about 1\.5 ") as info:
        L.market_equilibrium(Root(a=0.0, b=1.0, name="root_1.5")(), 1.5)
    assert "cannot be integrated" not in str(info.value)
