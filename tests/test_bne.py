"""Tests for lib/bne.py: closed form, invariants, independent best-response check (lib.double_auction), symmetry,
the Beta family including near-uniform priors, loud failure where no regular equilibrium exists."""
from functools import lru_cache

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

from lib.bne import BNEResult, ConvergenceError, linear_uniform, solve_double_auction
from lib.double_auction import best_response_gap
from lib.distributions import beta, truncated_normal, uniform


@lru_cache(maxsize=None)
def solved(name: str, k: float = 0.5):
    priors = {
        "uniform": (uniform(), uniform()),
        "beta22": (beta(2, 2), beta(2, 2)),
        "beta23": (beta(2, 3), beta(3, 2)),
        "truncnorm": (truncated_normal(0.5, 0.25), truncated_normal(0.5, 0.25)),
    }[name]
    return priors, solve_double_auction(*priors, k)


@pytest.mark.parametrize("k", [0.1, 0.3, 0.5, 0.7, 0.9])
def test_uniform_reproduces_chatterjee_samuelson(k):
    _, r = solved("uniform", k)
    a_b, b_b, a_s, b_s = linear_uniform(k)
    assert r.price_range == pytest.approx(((1 - k) / 2, 1 - k / 2), abs=1e-9)
    v = np.linspace(r.price_range[0], 1, 501)
    c = np.linspace(0, r.price_range[1], 501)
    assert np.max(np.abs(r.bid(v) - (a_b + b_b * v))) <= 1e-8
    assert np.max(np.abs(r.ask(c) - (a_s + b_s * c))) <= 1e-8


def test_linear_uniform_satisfies_first_order_conditions():
    # independent route: the linear strategies solve the buyer's and seller's FOCs for U[0,1]
    for k in (0.2, 0.5, 0.8):
        a_b, b_b, a_s, b_s = linear_uniform(k)
        v = 0.9
        b = a_b + b_b * v  # buyer FOC: v - b = k (b - a_s)
        assert v - b == pytest.approx(k * (b - a_s))
        c = 0.1
        s = a_s + b_s * c  # seller FOC: s - c = (1 - k) (beta_b + alpha_b - s)
        assert s - c == pytest.approx((1 - k) * (b_b + a_b - s))


def test_k_half_known_numbers():
    _, r = solved("uniform", 0.5)
    assert r.bid(np.array([0.25, 1.0])) == pytest.approx([0.25, 2 / 3 + 1 / 12], abs=1e-10)
    assert r.ask(np.array([0.0, 0.75])) == pytest.approx([0.25, 0.75], abs=1e-10)


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(["uniform", "beta22", "beta23"]),
       x=st.lists(st.floats(0, 1), min_size=2, max_size=20))
def test_invariants(name, x):
    _, r = solved(name)
    x = np.sort(np.array(x))
    b, s = r.bid(x), r.ask(x)
    assert np.all(np.diff(b) >= -1e-12) and np.all(np.diff(s) >= -1e-12)  # monotone
    assert np.all(b <= x + 1e-12)  # bid <= value
    assert np.all(s >= x - 1e-12)  # ask >= cost
    # no trade at a loss: if bid(v) >= ask(c) then the price lies between c and v
    bb, ss = np.meshgrid(b, s)
    vv, cc = np.meshgrid(x, x)
    trade = bb >= ss
    price = 0.5 * bb + 0.5 * ss
    assert np.all(price[trade] <= vv[trade] + 1e-12) and np.all(price[trade] >= cc[trade] - 1e-12)


@pytest.mark.parametrize("name", ["beta22", "truncnorm", "uniform"])
def test_gains_below_first_best(name):
    (buyer, seller), r = solved(name)
    rng = np.random.default_rng(2026)
    v, c = buyer.rvs(200_000, random_state=rng), seller.rvs(200_000, random_state=rng)
    realised = np.mean((r.bid(v) >= r.ask(c)) * (v - c))
    first_best = np.mean(np.maximum(v - c, 0))
    assert 0 < realised < first_best


@pytest.mark.parametrize("name", ["beta22", "truncnorm"])
def test_independent_best_response_check(name):
    (buyer, seller), r = solved(name)
    gap = best_response_gap(r.bid, r.ask, buyer, seller, r.k, n_types=5)
    assert gap.relative_gap <= 1e-6 and gap.buyer_utility > 0 and gap.seller_utility > 0


def test_best_response_check_detects_a_wrong_strategy():
    (buyer, seller), r = solved("beta22")
    gap = best_response_gap(lambda v: np.minimum(r.bid(v), 0.6), r.ask, buyer, seller, 0.5, n_types=5)
    assert gap.relative_gap > 1e-3


@pytest.mark.parametrize("name", ["beta22", "truncnorm"])
def test_symmetric_priors_symmetric_strategies(name):
    _, r = solved(name)
    c = np.linspace(0, 1, 201)
    assert np.max(np.abs(r.ask(c) - (1 - r.bid(1 - c)))) <= 1e-8


def test_result_diagnostics():
    _, r = solved("beta23")
    assert isinstance(r, BNEResult)
    assert r.residual < 1e-10 and r.ode_residual < 1e-4 and r.iterations > 0 and r.method
    # h'(p_lo) = 1 + k L with L = lim F_S/(x f_S) = 1/3 for a Beta(3, 2) seller; g'(p_hi) = 1 + (1-k) R, R = 1/2
    assert r.end_slopes[0] == pytest.approx(1 + 0.5 / 3, rel=1e-8)
    assert r.end_slopes[3] == pytest.approx(1 + 0.5 / 3, rel=1e-8)


@pytest.mark.parametrize("bad", [dict(k=-0.1), dict(k=1.5), dict(k=float("nan")), dict(k=0.0), dict(k=1.0),
                                 dict(k="half")])
def test_bad_k(bad):
    with pytest.raises(ValueError, match="k must"):
        solve_double_auction(uniform(), uniform(), **bad)


def test_bad_priors():
    with pytest.raises(TypeError):
        solve_double_auction("uniform", uniform())
    with pytest.raises(ValueError):
        solve_double_auction(stats.norm(), uniform())
    with pytest.raises(ValueError):
        solve_double_auction(uniform(0, 1), uniform(2, 3))  # no gains from trade


def test_outcomes_uniform_closed_form():
    (buyer, seller), r = solved("uniform", 0.5)
    out = r.outcomes()
    # Chatterjee-Samuelson k = 1/2: trade iff v >= c + 1/4, gains 9/64, first best 1/6, efficiency 27/32
    assert out.gains == pytest.approx(9 / 64, abs=1e-9)
    assert out.first_best == pytest.approx(1 / 6, abs=1e-12)
    assert out.efficiency == pytest.approx(27 / 32, abs=1e-8)
    assert out.trade_probability == pytest.approx(0.75**2 / 2, abs=1e-9)


def test_draw_bne_headline_numbers():
    from lib.explorers import new_axes
    from lib.explorers.bne import draw_bne
    fig, axes = new_axes(2)
    numbers = draw_bne(axes, a=1.0, b=1.0, k=0.5)
    assert numbers["efficiency"] == pytest.approx(27 / 32, abs=1e-8)
    assert numbers["p_lo"] == pytest.approx(0.25, abs=1e-9) and numbers["p_hi"] == pytest.approx(0.75, abs=1e-9)
    assert axes[0].get_xlabel() and axes[1].get_ylabel() and fig._suptitle.get_text()


def test_exercise_references_agree_with_lib():
    from lib.checks import check, get
    (buyer, seller), r = solved("beta22")
    assert check("bne.lowest_price", r.price_range[0]).correct
    for exercise_id in ("bne.lowest_price", "bne.efficiency", "bne.first_best", "bne.existence"):
        assert check(exercise_id, get(exercise_id).reference).correct
    assert get("bne.existence").reference == "1/4"  # agrees with test_near_uniform_at_k_half_fails_loudly
    assert get("bne.first_best").reference == pytest.approx(9 / 70, abs=1e-12)


def test_result_carries_its_certificate():
    (buyer, seller), r = solved("beta23")
    gap = r.best_response_gap(n_types=3)
    assert gap.relative_gap <= 1e-6 and gap.buyer_utility > 0 and gap.seller_utility > 0


# The Beta(a, b) family (values and costs both Beta(a, b)), including near-uniform priors. Which cases have a regular
# equilibrium was mapped on a grid a, b in {1, 1.01, 1.05, 1.2, 1.5, 2, 3, 4}, k in {1/4, 1/2, 3/4}: near-uniform
# priors converge at k = 1/4 and 3/4; at k = 1/2 they have none (uniform priors at k = 1/2 are a degenerate point).
CONVERGE = [(1.01, 1.0, 0.25), (1.05, 1.05, 0.25), (1.0, 1.05, 0.75), (1.01, 1.01, 0.75), (1.05, 4.0, 0.25),
            (4.0, 1.2, 0.75), (1.2, 1.2, 0.5), (1.0, 1.2, 0.5), (4.0, 1.0, 0.5)]


@pytest.mark.parametrize("a, b, k", CONVERGE)
def test_beta_family_converges_and_is_an_equilibrium(a, b, k):
    prior = beta(a, b)
    r = solve_double_auction(prior, prior, k)
    assert r.residual < 1e-10 and r.ode_residual < 1e-4
    gap = best_response_gap(r.bid, r.ask, prior, prior, k, n_types=5)
    assert gap.relative_gap <= 1e-6


def test_near_uniform_k_quarter_is_close_to_linear():
    # k = 1/4 is a regular point of the uniform problem: a small change of the prior moves the strategies a little
    lin = linear_uniform(0.25)
    r = solve_double_auction(beta(1.01, 1.0), beta(1.01, 1.0), 0.25)
    v = np.linspace(r.price_range[0], 1, 101)
    assert np.max(np.abs(r.bid(v) - (lin[0] + lin[1] * v))) < 0.01


@pytest.mark.parametrize("buyer, seller", [(beta(1.05, 1.05), beta(1.05, 1.05)), (beta(1.05, 1), beta(1, 1.05)),
                                           (beta(1.01, 1.0), beta(1.01, 1.0))])
def test_near_uniform_at_k_half_fails_loudly(buyer, seller):
    with pytest.raises(ConvergenceError, match="no regular equilibrium found") as info:
        solve_double_auction(buyer, seller, 0.5)
    assert "closest sampled approach" in str(info.value)


@settings(max_examples=4, deadline=None)
@given(a=st.floats(1.0, 4.0), b=st.floats(1.0, 4.0), k=st.sampled_from([0.25, 0.5, 0.75]))
def test_beta_family_never_silently_wrong(a, b, k):
    prior = beta(a, b)
    try:
        r = solve_double_auction(prior, prior, k)
    except ConvergenceError as error:
        assert "no regular equilibrium" in str(error)
        return
    assert r.residual < 1e-10
    assert r.best_response_gap(n_types=3).relative_gap <= 1e-6


def test_uniform_has_a_second_regular_equilibrium_near_k_half():
    # Independent route (own integration, not lib.bne's shooting) for the module docstring's claim that uniform
    # priors at k = 0.45 have a second regular equilibrium besides the linear one (branches cross at k = 1/2).
    from scipy import optimize
    from scipy.integrate import solve_ivp
    from lib.double_auction import linear_outcomes, outcomes

    k, eps = 0.45, 1e-7
    p_lo, p_hi = (1 - k) / 2, 1 - k / 2

    def rhs(p, y):
        h, g = y
        return [(1 - k) * (1 - h) / (p - g), k * g / (h - p)]

    def halves(z):
        low = solve_ivp(rhs, (p_lo + eps, 0.5), [p_lo + (1 + k) * eps, z[0] * eps], method="DOP853", rtol=1e-12,
                        atol=1e-14, dense_output=True)
        high = solve_ivp(rhs, (p_hi - eps, 0.5), [1 - z[1] * eps, p_hi - (2 - k) * eps], method="DOP853",
                         rtol=1e-12, atol=1e-14, dense_output=True)
        return low, high

    def mismatch(z):
        low, high = halves(z)
        return low.y[:, -1] - high.y[:, -1]

    z = optimize.fsolve(mismatch, [1.75, 1.62], xtol=1e-10)
    assert np.max(np.abs(mismatch(z))) < 1e-10
    assert abs(z[0] - (2 - k)) > 0.1 and abs(z[1] - (1 + k)) > 0.1  # not the linear equilibrium's slopes
    low, high = halves(z)
    p = np.linspace(p_lo + eps, p_hi - eps, 4001)
    h, g = np.where(p <= 0.5, low.sol(p), high.sol(p))
    p, h, g = np.r_[p_lo, p, p_hi], np.r_[p_lo, h, 1.0], np.r_[0.0, g, p_hi]
    assert np.all(np.diff(h) > 0) and np.all(np.diff(g) > 0)
    bid = lambda v: np.where(v <= p_lo, v, np.interp(v, h, p))  # noqa: E731
    ask = lambda c: np.where(c >= p_hi, c, np.interp(c, g, p))  # noqa: E731
    assert best_response_gap(bid, ask, k=k, n_types=9).relative_gap < 1e-8
    assert outcomes(bid, ask, k=k).efficiency < linear_outcomes(k).efficiency - 1e-5
