"""lib.lemons against independent routes: closed forms written out here, the incomplete beta function
(scipy.special.betainc) for Beta quality, scipy's quad-based expect, brute-force grids and a Monte Carlo market."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, special, stats

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

@settings(max_examples=25, deadline=None)
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
    assert 0.0 <= eq.traded_share <= 1.0 and lo <= eq.average_quality <= top + 1e-12


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


@settings(max_examples=20, deadline=None)
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
