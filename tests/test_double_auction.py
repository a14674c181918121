"""Tests for lib/double_auction.py: every number the chapter reports, each by an independent route."""
import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st
from scipy import stats

from lib.distributions import beta, uniform
from lib.double_auction import (best_response_gap, first_best_gains, linear_equilibrium, linear_outcomes,
                                one_price_equilibrium, one_price_outcomes, outcomes, simulate)

FIELDS = ("trade_probability", "gains", "buyer_surplus", "seller_surplus", "first_best", "efficiency")
K, V, C, X = sp.symbols("k v c x", real=True)


def sympy_linear_equilibrium(k):
    """Independent route: solve the two first-order conditions for linear strategies by coefficient matching."""
    ab, bb, as_, bs, pb, ps = sp.symbols("alpha_b beta_b alpha_s beta_s p_b p_s", real=True)
    # buyer facing s(c) = as + bs c, c ~ U[0,1]: trades with c <= (pb - as)/bs
    tau = (pb - as_) / bs
    u_b = sp.integrate(V - k * pb - (1 - k) * (as_ + bs * C), (C, 0, tau))
    foc_b = sp.solve(sp.diff(u_b, pb), pb)[0]
    sigma = (ps - ab) / bb
    u_s = sp.integrate(k * (ab + bb * V) + (1 - k) * ps - C, (V, sigma, 1))
    foc_s = sp.solve(sp.diff(u_s, ps), ps)[0]
    eqs = [sp.Eq(sp.expand(foc_b).coeff(V, 1), bb), sp.Eq(sp.expand(foc_b).coeff(V, 0), ab),
           sp.Eq(sp.expand(foc_s).coeff(C, 1), bs), sp.Eq(sp.expand(foc_s).coeff(C, 0), as_)]
    sol = sp.solve(eqs, [ab, bb, as_, bs], dict=True)
    sol = [s for s in sol if s[bb] != 0 and s[bs] != 0][0]
    return sol[ab], sol[bb], sol[as_], sol[bs]


# ---------------------------------------------------------------------------------------------- closed forms

def test_half_is_the_seed_result():
    eq = linear_equilibrium(0.5)
    assert (eq.alpha_b, eq.beta_b, eq.alpha_s, eq.beta_s) == pytest.approx((1 / 12, 2 / 3, 1 / 4, 2 / 3), abs=1e-15)
    assert eq.trade_threshold == pytest.approx((0.25, 1.0), abs=1e-15)
    assert eq.bid(np.array([0.0, 1.0])) == pytest.approx([1 / 12, 3 / 4])
    assert eq.ask(np.array([0.0, 1.0])) == pytest.approx([1 / 4, 11 / 12])


@pytest.mark.parametrize("k", [sp.Rational(0), sp.Rational(1, 5), sp.Rational(1, 2), sp.Rational(3, 4), sp.Rational(1)])
def test_general_k_matches_sympy_coefficient_matching(k):
    want = [float(x) for x in sympy_linear_equilibrium(k)]
    eq = linear_equilibrium(float(k))
    assert [eq.alpha_b, eq.beta_b, eq.alpha_s, eq.beta_s] == pytest.approx(want, abs=1e-14)


@pytest.mark.parametrize("k", [0.0, 0.25, 0.5, 0.9, 1.0])
def test_linear_outcomes_match_sympy_double_integrals(k):
    eq = linear_equilibrium(k)
    kk = sp.nsimplify(k)
    b = sp.nsimplify(eq.alpha_b) + sp.nsimplify(eq.beta_b) * V
    s = sp.nsimplify(eq.alpha_s) + sp.nsimplify(eq.beta_s) * C
    t = sp.solve(sp.Eq(b, s), V)[0]  # lowest trading value for cost c
    c_max = sp.solve(sp.Eq(t, 1), C)[0]
    p = kk * b + (1 - kk) * s

    def integral(f):
        return float(sp.integrate(sp.integrate(f, (V, t, 1)), (C, 0, c_max)))

    got = linear_outcomes(k)
    assert got.trade_probability == pytest.approx(integral(1), abs=1e-14)
    assert got.gains == pytest.approx(integral(V - C), abs=1e-14)
    assert got.buyer_surplus == pytest.approx(integral(V - p), abs=1e-14)
    assert got.seller_surplus == pytest.approx(integral(p - C), abs=1e-14)


def test_headline_numbers_k_half():
    o = linear_outcomes(0.5)
    assert (o.trade_probability, o.gains, o.first_best, o.efficiency) == pytest.approx((9 / 32, 9 / 64, 1 / 6, 27 / 32))
    assert o.buyer_surplus == pytest.approx(9 / 128) and o.seller_surplus == pytest.approx(9 / 128)
    # Myerson-Satterthwaite: the best mechanism for U[0,1] trades iff v - c >= 1/4; its gains are 9/64
    best = sp.integrate(sp.integrate(V - C, (V, C + sp.Rational(1, 4), 1)), (C, 0, sp.Rational(3, 4)))
    assert o.gains == pytest.approx(float(best), abs=1e-15)
    # k = 1/2 maximises gains over k
    ks = np.linspace(0, 1, 101)
    assert ks[np.argmax([linear_outcomes(k).gains for k in ks])] == pytest.approx(0.5)


@pytest.mark.parametrize("bad", [-0.01, 1.01, float("nan"), float("inf"), "0.5", None, True])
def test_bad_k_raises(bad):
    with pytest.raises(ValueError, match="k must be"):
        linear_equilibrium(bad)
    with pytest.raises(ValueError, match="k must be"):
        outcomes(lambda v: v, lambda c: c, k=bad)


def test_dataclasses_are_frozen():
    eq = linear_equilibrium()
    with pytest.raises(AttributeError):
        eq.alpha_b = 0.0
    with pytest.raises(AttributeError):
        linear_outcomes().gains = 0.0


# ---------------------------------------------------------------------------------------------- quadrature

@pytest.mark.parametrize("k", [0.0, 0.3, 0.5, 0.8, 1.0])
def test_quadrature_equals_closed_form_linear(k):
    eq = linear_equilibrium(k)
    got, want = outcomes(eq.bid, eq.ask, k=k), linear_outcomes(k)
    for f in FIELDS:
        assert getattr(got, f) == pytest.approx(getattr(want, f), abs=1e-12), f


@pytest.mark.parametrize("price", [0.2, 0.5, 1 / 3, 0.77])
def test_quadrature_equals_closed_form_step(price):
    eq = one_price_equilibrium(price)
    for k in (0.0, 0.5, 1.0):
        got, want = outcomes(eq.bid, eq.ask, k=k), one_price_outcomes(price)
        for f in FIELDS:
            assert getattr(got, f) == pytest.approx(getattr(want, f), abs=1e-12), (f, k)


def test_one_price_closed_form_by_sympy():
    x = sp.Rational(1, 2)
    gains = sp.integrate(sp.integrate(V - C, (V, x, 1)), (C, 0, x))
    assert one_price_outcomes(0.5).gains == pytest.approx(float(gains)) and float(gains) == 0.125
    # the best one-price equilibrium is at x = 1/2, below the linear equilibrium's 9/64
    xs = np.linspace(0.01, 0.99, 99)
    assert xs[np.argmax([one_price_outcomes(x).gains for x in xs])] == pytest.approx(0.5)


def test_mixed_linear_against_step_is_located_exactly():
    # a step bid against a linear ask: trade iff v >= 0.6 and 1/4 + 2c/3 <= 0.6, i.e. c <= 0.525
    bid = lambda v: np.where(v >= 0.6, 0.6, 0.0)  # noqa: E731
    ask = linear_equilibrium(0.5).ask
    got = outcomes(bid, ask)
    assert got.trade_probability == pytest.approx(0.4 * 0.525, abs=1e-12)
    assert got.gains == pytest.approx(0.525 * (1 - 0.36) / 2 - 0.4 * 0.525 ** 2 / 2, abs=1e-12)


def test_first_best_beta_by_sympy():
    f = 6 * V * (1 - V)
    g = 6 * C * (1 - C)
    want = sp.integrate(sp.integrate((V - C) * f, (V, C, 1)) * g, (C, 0, 1))
    assert first_best_gains(beta(2, 2), beta(2, 2)) == pytest.approx(float(want), abs=1e-12)
    assert first_best_gains() == pytest.approx(1 / 6, abs=1e-14)


def test_outcomes_other_priors_agree_with_monte_carlo():
    prior = beta(2, 3)
    eq = linear_equilibrium(0.5)
    q = outcomes(eq.bid, eq.ask, prior, prior)
    mc = simulate(eq.bid, eq.ask, prior, prior, n=200_000)
    for f in FIELDS:
        assert abs(getattr(q, f) - getattr(mc, f)) <= 4 * getattr(mc, f + "_se"), f


@settings(max_examples=25, deadline=None)
@given(k=st.floats(0, 1), a=st.floats(0, 0.5), b=st.floats(0.05, 1.5), x=st.floats(0, 0.5), y=st.floats(0.05, 1.5))
def test_invariants_any_monotone_strategies(k, a, b, x, y):
    o = outcomes(lambda v: a + b * v, lambda c: x + y * c, k=k)
    assert -1e-12 <= o.trade_probability <= 1 + 1e-12
    assert -1e-12 <= o.gains <= o.first_best + 1e-12
    assert o.buyer_surplus + o.seller_surplus == pytest.approx(o.gains, abs=1e-12)


def test_non_monotone_or_bad_inputs_fail_loudly():
    with pytest.raises(ValueError, match="non-decreasing"):
        outcomes(lambda v: np.sin(6 * v), lambda c: c)
    with pytest.raises(TypeError, match="vectorised function"):
        outcomes(0.5, lambda c: c)
    with pytest.raises(ValueError, match="non-finite"):
        outcomes(lambda v: np.full_like(v, np.nan), lambda c: c)
    with pytest.raises(ValueError, match="bounded support"):
        outcomes(lambda v: v, lambda c: c, buyer=stats.norm())
    with pytest.raises(TypeError, match="frozen continuous"):
        best_response_gap(lambda v: v, lambda c: c, seller="uniform")
    with pytest.raises(ValueError, match="n_types"):
        best_response_gap(lambda v: v, lambda c: c, n_types=1)
    with pytest.raises(ValueError, match="price must be"):
        one_price_equilibrium(1.5)
    with pytest.raises(ValueError, match="seed"):
        simulate(lambda v: v, lambda c: c, seed=-1)


# ---------------------------------------------------------------------------------------------- best responses

@pytest.mark.parametrize("k", [0.0, 0.25, 0.5, 0.75, 1.0])
def test_linear_equilibrium_has_no_profitable_deviation(k):
    eq = linear_equilibrium(k)
    gap = best_response_gap(eq.bid, eq.ask, k=k)
    assert gap.max_gap <= 1e-12
    want = linear_outcomes(k)
    assert gap.buyer_utility == pytest.approx(want.buyer_surplus, abs=1e-12)
    assert gap.seller_utility == pytest.approx(want.seller_surplus, abs=1e-12)


@pytest.mark.parametrize("price", [0.25, 0.5, 0.8])
@pytest.mark.parametrize("k", [0.0, 0.5, 1.0])
def test_one_price_equilibria_have_no_profitable_deviation(price, k):
    eq = one_price_equilibrium(price)
    assert best_response_gap(eq.bid, eq.ask, k=k).max_gap <= 1e-12


def test_truthful_bidding_is_not_an_equilibrium():
    # buyer v = 1 bidding x against truthful asks: x - 3x^2/4, best x = 2/3 (1/3) instead of x = 1 (1/4)
    gap = best_response_gap(lambda v: v, lambda c: c)
    assert gap.buyer_gap == pytest.approx(1 / 12, abs=1e-12)
    assert gap.seller_gap == pytest.approx(1 / 12, abs=1e-12)
    assert gap.buyer_types[np.argmax(gap.buyer_gaps)] == pytest.approx(1.0)


@pytest.mark.parametrize("delta", [1e-3, 1e-4, 3e-5])
def test_small_deviations_are_resolved(delta):
    # buyer bids b(v) + delta v: U_b'' = -9/4 on the trading range, so the gap of type v = 1 is 9/8 delta^2
    eq = linear_equilibrium(0.5)
    gap = best_response_gap(lambda v: eq.bid(v) + delta * v, eq.ask)
    assert gap.buyer_gap == pytest.approx(9 / 8 * delta ** 2, rel=1e-4)


def test_planted_coefficient_error_is_detected():
    eq = linear_equilibrium(0.5)
    wrong = lambda c: eq.alpha_s + 1e-3 + eq.beta_s * c  # noqa: E731
    assert best_response_gap(eq.bid, wrong).max_gap > 1e-7


# ---------------------------------------------------------------------------------------------- Monte Carlo

def test_simulation_agrees_with_closed_form_and_is_seeded():
    eq = linear_equilibrium(0.5)
    mc = simulate(eq.bid, eq.ask, n=100_000)
    want = linear_outcomes(0.5)
    for f in FIELDS:
        assert abs(getattr(mc, f) - getattr(want, f)) <= 4 * getattr(mc, f + "_se"), f
    assert simulate(eq.bid, eq.ask, n=1000) == simulate(eq.bid, eq.ask, n=1000)
    assert simulate(eq.bid, eq.ask, n=1000, seed=1) != simulate(eq.bid, eq.ask, n=1000)
    assert math.isclose(mc.efficiency, mc.gains / mc.first_best)


# ---------------------------------------------------------------------------------------------- explorer

def test_draw_double_auction_headline_numbers():
    from lib.explorers import new_axes
    from lib.explorers.double_auction import draw_double_auction

    fig, axes = new_axes(2)
    numbers = draw_double_auction(axes, k=0.5, price=0.5)
    assert numbers["efficiency"] == pytest.approx(27 / 32) and numbers["trade_probability"] == pytest.approx(9 / 32)
    assert numbers["step_efficiency"] == pytest.approx(0.75)
    assert axes[0].get_xlabel() and axes[1].get_ylabel() and "84.4%" in fig._suptitle.get_text()
    # the numbers shown are the ones quadrature finds for the drawn strategies
    eq = linear_equilibrium(0.2)
    fig, axes = new_axes(2)
    numbers = draw_double_auction(axes, k=0.2, price=0.3)
    assert numbers["gains"] == pytest.approx(outcomes(eq.bid, eq.ask, k=0.2).gains, abs=1e-12)
    for k in (0.0, 1.0):  # the extreme price rules draw too (speed: benchmarks/explorers.py, not asserted here)
        fig, axes = new_axes(2)
        assert 0 < draw_double_auction(axes, k=k)["efficiency"] < 1


def test_static_explorer_is_small():
    from lib.explorers.double_auction import static_double_auction

    explorer = static_double_auction()
    assert len(explorer.frames) == 11 and explorer.nbytes < 600_000


# ---------------------------------------------------------------------------------------------- exercises

def test_exercise_references_agree_with_lib():
    from lib.checks import check, get

    assert get("double_auction.trade_probability").reference == pytest.approx(linear_outcomes(0.5).trade_probability)
    eff = get("double_auction.efficiency").reference
    gains = get("double_auction.one_price_gains").reference
    for k in (0.0, 0.3, 0.5, 1.0):
        assert eff(k) == pytest.approx(linear_outcomes(k).efficiency, abs=1e-12)
    assert check("double_auction.seller_strategy", "1/4 + 2*c/3").status == "incorrect"  # k = 1/2 only
    for x in (0.2, 0.5, 0.9):
        assert gains(x) == pytest.approx(one_price_outcomes(x).gains, abs=1e-12)
    seller = get("double_auction.seller_strategy").reference
    c, k = sp.symbols("c k", real=True)
    for kv in (0.2, 0.5, 0.8):
        eq = linear_equilibrium(kv)
        expr = seller.subs({s: {"c": c, "k": k}[s.name] for s in seller.free_symbols}).subs(k, kv)
        assert float(expr.subs(c, 0)) == pytest.approx(eq.alpha_s) and float(expr.subs(c, 1)) == pytest.approx(eq.alpha_s + eq.beta_s)
    best_ask, gain = get("double_auction.truthful_deviation").reference
    gap = best_response_gap(lambda v: v, lambda c: c)
    assert gain == pytest.approx(gap.seller_gaps[0], abs=1e-12) and best_ask == pytest.approx(1 / 3)


@pytest.mark.parametrize("buyer, seller", [
    (stats.beta(2, 3, loc=1.0, scale=1.0), stats.beta(3, 2, loc=0.0, scale=1.0)),  # touching at 1
    (stats.truncnorm(-1, 2, loc=2.5, scale=0.4), stats.uniform(0.2, 1.3)),  # gap (1.5, 2.1)
])
def test_one_price_equilibrium_for_supports_that_do_not_overlap(buyer, seller):
    """v_lo >= c_hi: every price in [c_hi, v_lo] is a one-price equilibrium in which every pair trades; its gains
    (by lib's quadrature of the strategies) equal the first best E[v] - E[c], here by scipy's quad of the means."""
    from scipy import integrate

    (v_lo, v_hi), (c_lo, c_hi) = buyer.support(), seller.support()
    mean_v = integrate.quad(lambda v: v * buyer.pdf(v), v_lo, v_hi, epsabs=1e-14, epsrel=1e-13)[0]
    mean_c = integrate.quad(lambda c: c * seller.pdf(c), c_lo, c_hi, epsabs=1e-14, epsrel=1e-13)[0]
    for price in (c_hi, 0.5 * (c_hi + v_lo), v_lo):
        eq = one_price_equilibrium(price, buyer, seller)
        assert eq.price == price
        v, c = np.linspace(v_lo, v_hi, 101), np.linspace(c_lo, c_hi, 101)
        assert np.all(eq.bid(v) == price) and np.all(eq.ask(c) == price)  # every type names the price
        for k in (0.0, 0.5, 1.0):
            out = outcomes(eq.bid, eq.ask, buyer, seller, k)
            assert out.trade_probability == pytest.approx(1.0, abs=1e-12)
            assert out.gains == pytest.approx(mean_v - mean_c, rel=1e-10)
            assert out.efficiency == pytest.approx(1.0, abs=1e-10)
            gap = best_response_gap(eq.bid, eq.ask, buyer, seller, k, n_types=9, n_bids=401)
            assert gap.relative_gap <= 1e-9
    for bad in (c_hi - 1e-3, v_lo + 1e-3):
        with pytest.raises(ValueError, match=r"price must be in \[.*(c_hi, v_lo\]|overlap of the supports)"):
            one_price_equilibrium(bad, buyer, seller)
    with pytest.raises(ValueError, match="no gains from trade"):  # the buyer's support wholly below the seller's
        one_price_equilibrium(0.5, seller, buyer) if c_hi < v_lo else one_price_equilibrium(
            0.5, stats.uniform(0, 1), stats.uniform(2, 1))
