"""lib.screening: monopoly menus against the textbook two-type formulas and a direct SLSQP search over every IC and
IR constraint; the continuum schedule against the uniform closed form and the exact discrete algorithm; the
Rothschild–Stiglitz contracts against fsolve on the defining equations and dense grids; the Wilson–Miyazaki–Spence
allocation against SLSQP over whole menus and its threshold against the slope of L's best utility in the subsidy."""
import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.stats as stats
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from lib.screening import (iron, monopoly_menu, monopoly_schedule, rothschild_stiglitz, rs_existence_threshold,
                            wilson_miyazaki_spence)
from lib.validation import InputTypeError


# ------------------------------------------------------------------------------------------------ references

def slsqp_menu(types, probs):
    """Maximise sum f_i (t_i - q_i^2/2) over (q, t) subject to ALL IC constraints (every pair, both directions),
    every IR constraint and q >= 0: a convex QP, solved directly with SLSQP (no use of the virtual types)."""
    th, f = np.asarray(types, float), np.asarray(probs, float)
    n = len(th)

    def neg(x):
        q, t = x[:n], x[n:]
        return -np.sum(f * (t - q**2 / 2))

    def jac(x):
        q = x[:n]
        return -np.concatenate([-f * q, f])

    # one row per constraint, A x >= 0: IR_i: theta_i q_i - t_i; IC_ij: theta_i (q_i - q_j) - (t_i - t_j)
    rows = []
    for i in range(n):
        r = np.zeros(2 * n)
        r[i], r[n + i] = th[i], -1
        rows.append(r)
        for j in range(n):
            if i != j:
                r = np.zeros(2 * n)
                r[i], r[j], r[n + i], r[n + j] = th[i], -th[i], -1, 1
                rows.append(r)
    A = np.array(rows)
    cons = [{"type": "ineq", "fun": lambda x: A @ x, "jac": lambda x: A}]
    x0 = np.concatenate([th / 2, th**2 / 8])
    res = optimize.minimize(neg, x0, jac=jac, method="SLSQP", constraints=cons,
                            bounds=[(0, None)] * n + [(None, None)] * n, options={"ftol": 1e-13, "maxiter": 500})
    assert res.success, res.message
    return res.x[:n], res.x[n:], -res.fun


def best_single_contract(types, probs) -> float:
    """One contract (q, t) for everyone: with cut-off type k it sells to the types above at t = theta_k q, profit
    S_k (theta_k q - q^2/2), best at q = theta_k; the best cut-off found by enumeration."""
    pairs = sorted(zip(types, probs))
    return max(sum(p for _, p in pairs[k:]) * pairs[k][0] ** 2 / 2 for k in range(len(pairs)))


def check_ic_ir(menu, tol=1e-9):
    th, q, t = map(np.asarray, (menu.types, menu.quantities, menu.transfers))
    own = th * q - t
    scale = max(1.0, float(np.max(th)) ** 2)
    assert np.all(own >= -tol * scale), "IR"
    cross = th[:, None] * q[None, :] - t[None, :]
    assert np.all(own[:, None] >= cross - tol * scale), "IC"
    assert np.allclose(own, menu.rents, atol=tol * scale)


# ------------------------------------------------------------------------------------------------ two types

@pytest.mark.parametrize("tl,th,fl", [(1, 2, 0.6), (1, 2, 0.9), (2, 3, 0.5), (0.5, 4, 0.95), (1, 1.01, 0.3)])
def test_two_types_match_textbook_closed_form(tl, th, fl):
    # Textbook (e.g. Bolton and Dewatripont 2005, ch. 2): q_H = theta_H (no distortion at the top),
    # q_L = max(0, theta_L - (f_H/f_L)(theta_H - theta_L)), t_L = theta_L q_L, rent_H = (theta_H - theta_L) q_L.
    fh = 1 - fl
    m = monopoly_menu([tl, th], [fl, fh])
    ql = max(0.0, tl - fh / fl * (th - tl))
    assert m.quantities == pytest.approx((ql, th), abs=1e-12)
    assert m.rents == pytest.approx((0.0, (th - tl) * ql), abs=1e-12)
    assert m.transfers == pytest.approx((tl * ql, th * th - (th - tl) * ql), abs=1e-12)
    assert m.profit == pytest.approx(fl * (tl * ql - ql**2 / 2) + fh * (th * th - (th - tl) * ql - th**2 / 2))


def test_two_types_exact_fractions():
    # theta = (1, 2), f_L = 3/5: q_L = 1 - (2/3) = 1/3 exactly; profit in fractions
    m = monopoly_menu([Fraction(1), Fraction(2)], [Fraction(3, 5), Fraction(2, 5)])
    ql = Fraction(1, 3)
    profit = Fraction(3, 5) * (ql - ql**2 / 2) + Fraction(2, 5) * (4 - ql - 2)
    assert m.quantities[0] == pytest.approx(float(ql), abs=1e-15)
    assert m.profit == pytest.approx(float(profit), abs=1e-15)


def test_input_order_is_kept():
    a = monopoly_menu([2, 1, 3], [0.2, 0.5, 0.3])
    b = monopoly_menu([1, 2, 3], [0.5, 0.2, 0.3])
    assert a.quantities == (b.quantities[1], b.quantities[0], b.quantities[2])
    assert a.transfers == (b.transfers[1], b.transfers[0], b.transfers[2])
    assert a.types == (2.0, 1.0, 3.0)


@pytest.mark.parametrize("ratio", [0.25, 0.5, 0.8])
def test_exclusion_exactly_below_threshold(ratio):
    # low type excluded iff f_L <= 1 - theta_L/theta_H; against the SLSQP search on each side of the threshold
    tl, th = ratio * 2.0, 2.0
    cut = 1 - tl / th
    for fl in (cut - 0.02, cut + 0.02):
        m = monopoly_menu([tl, th], [fl, 1 - fl])
        q, _, profit = slsqp_menu([tl, th], [fl, 1 - fl])
        assert m.excluded[0] == (fl <= cut) == (q[0] < 1e-6)
        assert m.profit == pytest.approx(profit, rel=1e-7)


def test_exclusion_scan_against_direct_profit_comparison():
    # q_L > 0 exactly when serving both beats serving H alone: compare the two profits directly on a grid
    th = 2.0
    for tl in np.linspace(0.1, 1.9, 10):
        for fl in np.linspace(0.01, 0.99, 50):
            m = monopoly_menu([tl, th], [fl, 1 - fl])
            only_h = (1 - fl) * th**2 / 2
            cut = 1 - tl / th
            if abs(fl - cut) < 1e-9:  # on the threshold q_L = 0 up to rounding
                assert m.quantities[0] < 1e-12 and m.profit == pytest.approx(only_h)
                continue
            assert (m.profit > only_h + 1e-12) == (not m.excluded[0]) == (fl > cut)


# ------------------------------------------------------------------------------------------------ n types, ironing

@pytest.mark.parametrize("types,probs", [
    ([1, 2, 3], [0.2, 0.3, 0.5]),
    ([1, 2, 3], [0.3, 0.1, 0.6]),               # phi not monotone: ironing
    ([1, 1.5, 2, 4], [0.4, 0.05, 0.35, 0.2]),   # ironing of the bottom pair (both excluded)
    ([1, 2, 2.5, 4], [0.2, 0.4, 0.1, 0.3]),     # ironing of an interior pair, served
    ([0.5, 1, 3, 3.2, 5], [0.1, 0.3, 0.05, 0.35, 0.2]),
    ([1, 2, 3, 4, 5], [0.05, 0.05, 0.05, 0.05, 0.8]),
    ([3, 1, 2], [0.6, 0.3, 0.1]),               # unsorted input
])
def test_menu_matches_slsqp_over_all_constraints(types, probs):
    m = monopoly_menu(types, probs)
    q, t, profit = slsqp_menu(types, probs)
    assert m.profit == pytest.approx(profit, rel=1e-7, abs=1e-9)
    assert np.allclose(m.quantities, q, atol=2e-4)
    check_ic_ir(m)


def test_ironing_pools_types_on_one_contract():
    m = monopoly_menu([1, 2, 2.5, 4], [0.2, 0.4, 0.1, 0.3])
    phi = m.virtual_types
    assert phi[1] > phi[2]  # not monotone
    assert m.ironed
    assert m.quantities[1] == pytest.approx(m.quantities[2]) and m.transfers[1] == pytest.approx(m.transfers[2])
    # the pooled value is the probability-weighted mean of the two virtual types, and positive here
    assert m.quantities[1] == pytest.approx((0.4 * phi[1] + 0.1 * phi[2]) / 0.5) and m.quantities[1] > 0
    # without ironing (q = max(0, phi)) the menu would break IC: the next-lower type takes the contract above it
    q = np.maximum(phi, 0)
    assert np.any(np.diff(q) < 0)


def test_iron_is_the_isotonic_regression():
    # against a brute-force least-squares fit over non-decreasing sequences (SLSQP)
    v, w = np.array([3.0, 1.0, 2.0, 0.5, 4.0]), np.array([1.0, 2.0, 1.0, 3.0, 1.0])
    res = optimize.minimize(lambda x: np.sum(w * (x - v) ** 2), v, method="SLSQP",
                            constraints=[{"type": "ineq", "fun": lambda x: np.diff(x)}], options={"ftol": 1e-14})
    assert np.allclose(iron(v, w), res.x, atol=1e-6)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 6).flatmap(lambda n: st.tuples(
    st.lists(st.floats(0.01, 100), min_size=n, max_size=n, unique=True),
    st.lists(st.floats(0.01, 1), min_size=n, max_size=n))))
def test_property_ic_ir_and_bounds(data):
    types, weights = data
    if min(abs(a - b) for i, a in enumerate(types) for b in types[i + 1:]) < 1e-6:
        return
    probs = np.asarray(weights) / np.sum(weights)
    probs[-1] = 1 - probs[:-1].sum()
    if probs[-1] <= 0:
        return
    m = monopoly_menu(types, list(probs))
    check_ic_ir(m)
    assert m.profit >= best_single_contract(types, probs) - 1e-9 * max(types) ** 2
    assert m.profit <= m.first_best_profit + 1e-12 * max(types) ** 2
    top = int(np.argmax(types))
    assert m.quantities[top] == pytest.approx(types[top])  # no distortion at the top
    assert all(q <= th + 1e-12 for q, th in zip(m.quantities, types))  # downward distortion elsewhere


@pytest.mark.parametrize("types,probs,name", [
    ([1, 2], [0.5], "probabilities"), ([1, 1], [0.5, 0.5], "types"), ([0, 1], [0.5, 0.5], "types"),
    ([-1, 1], [0.5, 0.5], "types"), ([1, 2], [0.6, 0.6], "probabilities"), ([1, 2], [0, 1], "probabilities"),
    ([1, 2], [1.5, -0.5], "probabilities"), ([1, math.nan], [0.5, 0.5], "types"),
    ([1, math.inf], [0.5, 0.5], "types"), ([1, 2], [0.5, math.nan], "probabilities"), ([], [], "types"),
])
def test_bad_menu_input_names_parameter(types, probs, name):
    with pytest.raises(ValueError, match=name):
        monopoly_menu(types, probs)


@pytest.mark.parametrize("types,probs", [(["a", 2], [0.5, 0.5]), ([1, 2], [None, 0.5]), (1.0, [1.0]),
                                         ("12", [0.5, 0.5]), ([[1, 2]], [1.0]), ([True, 2], [0.5, 0.5])])
def test_non_numeric_menu_input_is_type_error(types, probs):
    with pytest.raises(TypeError):
        monopoly_menu(types, probs)


# ------------------------------------------------------------------------------------------------ continuum

def test_uniform_schedule_closed_form():
    # U[0,1]: phi = 2 theta - 1, q = max(0, 2 theta - 1), profit = int_{1/2}^1 (2 theta - 1)^2 / 2 = 1/12
    s = monopoly_schedule(stats.uniform(0, 1), n_grid=4000)
    assert s.monotone
    assert np.allclose(s.quantities, np.maximum(0, 2 * s.types - 1), atol=1e-12)
    assert s.profit == pytest.approx(1 / 12, abs=1e-6)
    assert s.cutoff == pytest.approx(0.5, abs=1e-3)
    # U(theta) = (theta - 1/2)^2 above the cut-off
    assert np.allclose(s.rents, np.maximum(0, s.types - 0.5) ** 2, atol=1e-6)


def test_uniform_high_support_serves_everyone():
    # U[2, 3]: phi = 2 theta - 3 >= 1 > 0, every type is served; profit = E[t - q^2/2] by quadrature
    s = monopoly_schedule(stats.uniform(2, 1), n_grid=4000)
    assert s.cutoff == 2.0
    from scipy.integrate import quad
    # t(theta) = theta q - int_2^theta q = theta (2 theta - 3) - (theta^2 - 3 theta + 2)
    exact = quad(lambda x: x * (2 * x - 3) - (x * x - 3 * x + 2) - (2 * x - 3) ** 2 / 2, 2, 3)[0]
    assert s.profit == pytest.approx(exact, abs=1e-6)


@pytest.mark.parametrize("prior", [stats.beta(0.3, 0.3, loc=1), stats.beta(2, 5), stats.truncnorm(-1, 1, loc=2, scale=1)])
def test_schedule_matches_discrete_menu_on_fine_grid(prior):
    # the exact discrete algorithm on 3000 cells with probabilities F(b_k) - F(b_{k-1}) (an independent route:
    # distinct grid, discrete virtual types, weighted ironing) converges to the continuum profit
    s = monopoly_schedule(prior, n_grid=3000)
    lo, hi = prior.support()
    edges = np.linspace(lo, hi, 3001)
    mids = (edges[1:] + edges[:-1]) / 2
    probs = np.diff(prior.cdf(edges))
    keep = probs > 0
    probs = probs[keep] / probs[keep].sum()
    m = monopoly_menu(list(mids[keep]), list(probs))
    assert s.profit == pytest.approx(m.profit, rel=5e-3)


def hull_profit(prior, n=20001):
    """Myerson's construction in the quantile w = F(theta): R(w) = -(1 - w) theta(w) has slope phi; the ironed
    virtual valuation is the slope of R's lower convex hull (monotone chain), and the profit is
    int max(0, slope)^2 / 2 dw. No virtual valuations on a grid, no isotonic regression."""
    w = np.linspace(0, 1, n)
    th = prior.ppf(w)
    th[0], th[-1] = prior.support()
    r = -(1 - w) * th
    hull = [0]
    for i in range(1, n):
        while len(hull) >= 2 and ((r[hull[-1]] - r[hull[-2]]) * (w[i] - w[hull[-2]])
                                  >= (r[i] - r[hull[-2]]) * (w[hull[-1]] - w[hull[-2]])):
            hull.pop()
        hull.append(i)
    slopes = np.diff(r[hull]) / np.diff(w[hull])
    return float(np.sum(np.maximum(slopes, 0) ** 2 / 2 * np.diff(w[hull])))


def test_non_mhr_prior_is_ironed_and_incentive_compatible():
    # Beta(0.3, 0.3) on [1, 2]: everyone is served, phi falls near the bottom, so max(0, phi) is not monotone and
    # ironing changes q (with q = max(0, phi) every assert below but the IC one fails)
    prior = stats.beta(0.3, 0.3, loc=1)
    s = monopoly_schedule(prior, n_grid=2000)
    naive = np.maximum(s.virtual_valuations, 0)
    assert not s.monotone and np.any(np.diff(naive) < 0)
    assert np.all(np.diff(s.quantities) >= 0) and np.abs(s.quantities - naive).max() > 0.4
    assert s.cutoff == 1.0 and np.all(s.quantities > 0)
    assert s.profit == pytest.approx(hull_profit(prior), rel=1e-5)
    # IC on the grid: each type's utility from its own contract is at least that from any other
    th, q, t = s.types, s.quantities, s.transfers
    own = th * q - t
    cross = th[:, None] * q[None, :] - t[None, :]
    assert np.all(own[:, None] >= cross - 2e-3)
    assert np.all(own >= -1e-12)


@pytest.mark.parametrize("prior", [stats.beta(0.5, 0.5, loc=0.5), stats.beta(2, 5), stats.beta(5, 1),
                                   stats.uniform(1, 2), stats.beta(1, 0.2)])
def test_schedule_profit_against_convex_hull(prior):
    assert monopoly_schedule(prior).profit == pytest.approx(hull_profit(prior), rel=1e-5)


@pytest.mark.parametrize("prior,exc", [(stats.norm(0, 1), ValueError), ("uniform", TypeError),
                                       (stats.uniform(-1, 2), ValueError), (stats.poisson(2), TypeError)])
def test_schedule_bad_prior(prior, exc):
    with pytest.raises(exc, match="prior"):
        monopoly_schedule(prior)


def test_schedule_bad_grid():
    with pytest.raises(ValueError, match="n_grid"):
        monopoly_schedule(stats.uniform(0, 1), n_grid=10)


# ------------------------------------------------------------------------------------------------ Rothschild–Stiglitz

def eu(u, p, w, d, c, prem):
    return (1 - p) * u(w - prem) + p * u(w - prem - d + c)


def fsolve_rs(pl, ph, w, d, u=np.log):
    """(c_L, pi_L) from the two equations pi = p_L c and V_H(c, pi) = u(W - p_H d), solved jointly by fsolve from
    the midpoint (an independent route to lib's one-dimensional brentq)."""
    uh = u(w - ph * d)
    sol, info, ier, msg = optimize.fsolve(
        lambda x: [x[1] - pl * x[0], eu(u, ph, w, d, x[0], x[1]) - uh], [d / 2, pl * d / 2],
        full_output=True, xtol=1e-13)
    assert ier == 1, msg
    return sol


@pytest.mark.parametrize("pl,ph,lam,w,d", [(0.1, 0.3, 0.5, 100, 50), (0.01, 0.02, 0.9, 1, 0.9),
                                           (0.4, 0.9, 0.2, 10, 1), (0.2, 0.25, 0.7, 5, 4.9)])
def test_rs_separating_contract_against_fsolve(pl, ph, lam, w, d):
    r = rothschild_stiglitz(pl, ph, lam, w, d)
    c, prem = fsolve_rs(pl, ph, w, d)
    assert r.low_coverage == pytest.approx(c, rel=1e-8)
    assert r.low_premium == pytest.approx(prem, rel=1e-8)
    assert r.high_coverage == d and r.high_premium == pytest.approx(ph * d)
    assert 0 < r.low_coverage < d
    # L does not envy H and H is indifferent
    assert eu(np.log, pl, w, d, d, ph * d) < r.low_utility
    assert eu(np.log, ph, w, d, r.low_coverage, r.low_premium) == pytest.approx(r.high_utility, abs=1e-12)


def test_rs_cara_utility_against_fsolve():
    u = lambda x: -np.exp(-0.5 * x)
    r = rothschild_stiglitz(0.05, 0.2, 0.5, 10, 6, utility=u)
    c, _ = fsolve_rs(0.05, 0.2, 10, 6, u)
    assert r.low_coverage == pytest.approx(c, rel=1e-8)


def test_rs_scalar_only_utility_accepted():
    r = rothschild_stiglitz(0.1, 0.3, 0.5, 100, 50, utility=math.log)
    assert r.low_coverage == pytest.approx(rothschild_stiglitz(0.1, 0.3, 0.5, 100, 50).low_coverage, rel=1e-12)


@pytest.mark.parametrize("lam", [0.05, 0.1, 0.2, 0.5, 0.9])
def test_rs_exists_against_grid_of_pooled_contracts(lam):
    pl, ph, w, d = 0.1, 0.3, 100, 50
    r = rothschild_stiglitz(pl, ph, lam, w, d)
    pbar = lam * ph + (1 - lam) * pl
    c = np.linspace(0, d, 200001)
    v = eu(np.log, pl, w, d, c, pbar * c)
    assert r.pooled_utility_low == pytest.approx(v.max(), abs=1e-10)
    assert r.exists == (v.max() <= r.low_utility)


def test_rs_threshold_against_fsolve_on_tangency():
    # log utility: at lambda*, L's best pooled contract is interior (FOC) and gives exactly L's separating
    # utility; solve (FOC, equal utility) for (lambda, c) with fsolve
    pl, ph, w, d = 0.1, 0.3, 100, 50
    v_sep = rothschild_stiglitz(pl, ph, 0.5, w, d).low_utility

    def eqs(x):
        lam, c = x
        pb = lam * ph + (1 - lam) * pl
        foc = -pb * (1 - pl) / (w - pb * c) + pl * (1 - pb) / (w - pb * c - d + c)
        return [foc, eu(np.log, pl, w, d, c, pb * c) - v_sep]

    sol = optimize.fsolve(eqs, [0.2, 20], xtol=1e-13)
    lam_star = rs_existence_threshold(pl, ph, w, d)
    assert lam_star == pytest.approx(sol[0], rel=1e-7)
    assert not rothschild_stiglitz(pl, ph, lam_star * 0.999, w, d).exists
    assert rothschild_stiglitz(pl, ph, min(lam_star * 1.001, 0.999), w, d).exists


def log_pooled_best(pl, pb, w, d):
    """Log utility: L's best coverage on the line pi = pb c in closed form (first-order condition
    (1 - p) pb / (W - pb c) = p (1 - pb) / (W - d + (1 - pb) c)), clipped to [0, d], and L's utility there."""
    c = min(max((pl * (1 - pb) * w - (1 - pl) * pb * (w - d)) / (pb * (1 - pb)), 0.0), d)
    return c, (1 - pl) * math.log(w - pb * c) + pl * math.log(w - d + (1 - pb) * c)


@pytest.mark.parametrize("w,d", [(100, 50), (100, 1), (10, 6), (1, 0.99)])
def test_rs_threshold_against_log_closed_form(w, d):
    pl, ph = 0.1, 0.3
    v_sep = rothschild_stiglitz(pl, ph, 0.5, w, d).low_utility
    ref = optimize.brentq(lambda lam: log_pooled_best(pl, lam * ph + (1 - lam) * pl, w, d)[1] - v_sep, 1e-12, 1,
                          xtol=1e-15)
    assert rs_existence_threshold(pl, ph, w, d) == pytest.approx(ref, rel=1e-6)


def test_rs_threshold_below_one_for_very_risk_averse_buyers():
    # u = -1/x^9 and a small gap: lambda* < 1 (at lambda = 1 the pooled line is H's fair line) and the verdict of
    # rothschild_stiglitz switches there
    u = lambda x: -x ** -9.0  # noqa: E731
    lam_star = rs_existence_threshold(0.3, 0.35, 10, 9, utility=u)
    assert 0 < lam_star < 1
    assert not rothschild_stiglitz(0.3, 0.35, 0.99 * lam_star, 10, 9, utility=u).exists
    assert rothschild_stiglitz(0.3, 0.35, min(1.01 * lam_star, 0.999), 10, 9, utility=u).exists


@pytest.mark.parametrize("w,d", [(100, 0.002), (1e6, 20), (100, 0.01), (1e4, 1)])
def test_rs_loss_too_small_to_resolve_is_refused(w, d):
    # true lambda* 8.959e-6 (first two) and 4.45429e-5 (mpmath); float64 cannot resolve it to 1e-6: refuse
    with pytest.raises(ValueError, match="existence threshold.*loss=.*wealth="):
        rs_existence_threshold(0.1, 0.3, w, d)


def test_rs_exists_unresolvable_is_refused():
    with pytest.raises(ValueError, match="whether the equilibrium exists.*loss=.*wealth="):
        rothschild_stiglitz(0.1, 0.3, 0.5, 100, 0.002)


def test_log_utility_with_tiny_loss_names_loss_not_concavity():
    with pytest.raises(ValueError, match="loss=1e-05 is too small relative to wealth=100.0: the curvature"):
        rothschild_stiglitz(0.1, 0.3, 0.5, 100, 1e-5)


@settings(max_examples=40, deadline=None)
@given(pl=st.floats(0.01, 0.9), gap=st.floats(0.01, 0.99), lam=st.floats(0.01, 0.99),
       wealth=st.floats(1, 1000), loss_share=st.floats(0.05, 0.95))
def test_rs_property_ic_zero_profit(pl, gap, lam, wealth, loss_share):
    ph = pl + gap * (1 - pl) * 0.999
    if not pl < ph < 1:
        return
    d = loss_share * wealth
    r = rothschild_stiglitz(pl, ph, lam, wealth, d)
    assert 0 < r.low_coverage < d
    assert r.low_premium == pytest.approx(pl * r.low_coverage)
    # H weakly prefers its contract (indifferent), L strictly prefers its own
    vh_l = eu(np.log, ph, wealth, d, r.low_coverage, r.low_premium)
    assert vh_l == pytest.approx(r.high_utility, abs=1e-9 * max(1, abs(r.high_utility)))
    assert eu(np.log, pl, wealth, d, d, ph * d) < r.low_utility + 1e-12
    # L's best pooled contract beats every coverage on a coarse grid of the pooled line
    c = np.linspace(0, d, 2001)
    assert r.pooled_utility_low >= np.max(eu(np.log, pl, wealth, d, c, r.pooled_loss_prob * c)) - 1e-12


@pytest.mark.parametrize("kwargs,name", [
    (dict(loss_prob_low=0.3, loss_prob_high=0.1), "loss_prob_low"),
    (dict(loss_prob_low=0.0), "loss_prob_low"), (dict(loss_prob_high=1.0), "loss_prob_high"),
    (dict(share_high=0.0), "share_high"), (dict(share_high=1.0), "share_high"),
    (dict(loss=100.0), "loss"), (dict(loss=0.0), "loss"), (dict(wealth=-1.0), "wealth"),
    (dict(wealth=math.nan), "wealth"), (dict(utility=lambda x: x), "utility"),
    (dict(utility=lambda x: x**2), "utility"), (dict(utility=lambda x: -x), "utility"),
    (dict(utility=lambda x: np.log(x - 60)), "utility"),
])
def test_rs_bad_input(kwargs, name):
    base = dict(loss_prob_low=0.1, loss_prob_high=0.3, share_high=0.5, wealth=100.0, loss=50.0)
    with pytest.raises(ValueError, match=name):
        rothschild_stiglitz(**{**base, **kwargs})


def test_rs_non_callable_utility_is_type_error():
    with pytest.raises(TypeError, match="utility"):
        rothschild_stiglitz(0.1, 0.3, 0.5, 100, 50, utility="log")
    with pytest.raises(TypeError):
        rs_existence_threshold("0.1", 0.3, 100, 50)


# ------------------------------------------------------------------------------------------------ explorers

def test_draw_screening_numbers_match_the_three_type_formulas():
    from lib.explorers import new_axes
    from lib.explorers.screening import draw_screening

    fig, axes = new_axes(2)
    out = draw_screening(axes, prob_low=0.3, mid_share=0.5, theta_high=3.0)
    # f = (0.3, 0.35, 0.35): phi_1 = 1 - 0.7/0.3 < 0 (excluded), phi_2 = 2 - 0.35/0.35 = 1, q_3 = 3;
    # rents U_3 = (3 - 2) q_2 = 1; t_2 = 2 q_2 = 2
    assert out["excluded"] == (True, False, False)
    assert out["quantities"] == pytest.approx((0.0, 1.0, 3.0))
    assert out["rents"] == pytest.approx((0.0, 0.0, 1.0)) and out["transfers"][1] == pytest.approx(2.0)
    assert "excluded" in [t.get_text() for t in axes[0].texts]


@pytest.mark.parametrize("share", [0.08, 0.5])
def test_draw_rs_verdict_matches_dense_pooled_grid(share):
    from lib.explorers import new_axes
    from lib.explorers.screening import RS_DEFAULTS, draw_rs

    fig, ax = new_axes(1)
    out = draw_rs(ax, share_high=share)
    pl, ph, w, d = (RS_DEFAULTS[k] for k in ("loss_prob_low", "loss_prob_high", "wealth", "loss"))
    c = np.linspace(0, d, 100001)
    pbar = share * ph + (1 - share) * pl
    best = np.max(eu(np.log, pl, w, d, c, pbar * c))
    assert out["exists"] == (best <= out["low_utility"]) == (share >= out["threshold"])
    assert len(ax.lines) >= 8  # three zero-profit lines, certainty line, two curves, contracts
    # the strip: the existence region [lambda*, 1) and the subsidy region [0, lambda_WMS), and the title's verdict
    assert len(ax.patches) == 3 and ("outside the existence region" in ax.get_title()) == (not out["exists"])
    x0, width = ax.patches[0].get_x(), ax.patches[0].get_width()
    assert ax.patches[1].get_x() == pytest.approx(x0 + width * out["threshold"])
    assert ax.patches[2].get_width() == pytest.approx(width * out["wms_threshold"])
    # the WMS menu shown: subsidised (two more markers) exactly below lambda_WMS, as SLSQP over whole menus finds
    x, v_ref = slsqp_wms(pl, ph, share, w, d)
    assert out["wms_low_utility"] == pytest.approx(v_ref, abs=1e-9) and (out["wms_subsidy"] > 0) == (share < 0.17)



# ------------------------------------------------------------------------------------------------ edge cases

@pytest.mark.parametrize("types", [{1.0, 2.0}, {1.0: "a", 2.0: "b"}])
def test_unordered_containers_are_type_errors(types):
    # a set or a dict has no order to match the probabilities with
    with pytest.raises(TypeError, match="types"):
        monopoly_menu(types, [0.5, 0.5])


def test_schedule_grid_size_range():
    with pytest.raises(ValueError, match="n_grid"):
        monopoly_schedule(stats.uniform(0, 1), n_grid=10**6 + 1)


class _Gap(stats.rv_continuous):
    """Density 1.25 on [0, 0.4) and (0.6, 1], zero in between: a support with a gap."""

    def _pdf(self, x):
        return np.where((x < 0.4) | (x > 0.6), 1.25, 0.0)

    def _cdf(self, x):
        return np.where(x < 0.4, 1.25 * x, np.where(x <= 0.6, 0.5, 0.5 + 1.25 * (x - 0.6)))

    def _ppf(self, u):
        return np.where(u <= 0.5, u / 1.25, 0.6 + (u - 0.5) / 1.25)


def test_schedule_refuses_a_gap_in_the_support():
    # with 101 grid points the middle quantile is exactly 0.5, at the gap's edge 0.4 where the density is zero
    with pytest.raises(ValueError, match="prior"):
        monopoly_schedule(_Gap(a=0, b=1)(), n_grid=101)


def test_rs_refuses_weakly_concave_utility():
    # linear below 75 and above it: concave only at the kink, so not strictly concave on [50, 100]
    with pytest.raises(ValueError, match="utility"):
        rothschild_stiglitz(0.1, 0.3, 0.5, 100, 50, utility=lambda x: np.minimum(x, 75 + 0.5 * (x - 75)))


def test_rs_pooled_corner_is_exact():
    # at share 0.5 L's utility along the pooled line has a negative slope at c = 0 (computed here) and is concave,
    # so its best pooled contract is no insurance: exactly c = 0 and V_L(0, 0)
    pl, ph, lam, w, d = 0.1, 0.3, 0.5, 100.0, 50.0
    pbar = lam * ph + (1 - lam) * pl
    assert -pbar * (1 - pl) / w + pl * (1 - pbar) / (w - d) < 0
    r = rothschild_stiglitz(pl, ph, lam, w, d)
    assert r.pooled_coverage == 0.0 and r.pooled_premium == 0.0
    assert r.pooled_utility_low == eu(np.log, pl, w, d, 0.0, 0.0)


def test_rs_loss_probabilities_equal_in_floating_point_are_refused():
    # p_H = p_L + 1e-15: log(75) and log(75 - 5e-14) are the same float, so H's indifference cannot be resolved;
    # one step up (1e-14) H's indifference is resolved, but L's pooled and separating utilities differ by ~4e-15,
    # so the existence verdict is refused
    with pytest.raises(ValueError, match="loss_prob_high"):
        rothschild_stiglitz(0.5, 0.5 + 1e-15, 0.5, 100.0, 50.0)
    with pytest.raises(ValueError, match="whether the equilibrium exists.*loss_prob_high are too close"):
        rothschild_stiglitz(0.5, 0.5 + 1e-14, 0.5, 100.0, 50.0)


def test_first_best_profit_against_per_type_maximisation():
    # full information: each type pays its whole value theta q, the seller maximises theta q - q^2/2 type by type
    types, probs = [0.5, 1.3, 2.0, 4.5], [0.1, 0.2, 0.3, 0.4]
    best = [-optimize.minimize_scalar(lambda q, th=th: -(th * q - q * q / 2), bounds=(0, 10), method="bounded",
                                      options={"xatol": 1e-10}).fun for th in types]
    assert monopoly_menu(types, probs).first_best_profit == pytest.approx(np.dot(probs, best), rel=1e-9)


def test_rs_loss_nearly_certain_is_refused():
    # p_H one float below 1: H's Jensen gap (1 - p_H) u(W) + p_H u(W - d) - u(W - p_H d) rounds to 0 (or above),
    # so the separating contract cannot be resolved; lib must refuse rather than return c_L = 0
    for w, d in ((10.0, 1.0), (1.0, 0.5)):
        with pytest.raises(ValueError, match="loss_prob_high"):
            rothschild_stiglitz(0.5, np.nextafter(1.0, 0.0), 0.5, w, d)


def test_rs_array_only_utility_is_used_vectorised():
    # a utility written for arrays (it indexes its argument) works: lib calls it on arrays, not element by element
    r = rothschild_stiglitz(0.1, 0.3, 0.5, 100, 50, utility=lambda x: np.log(x[...]))
    assert r.low_coverage == pytest.approx(rothschild_stiglitz(0.1, 0.3, 0.5, 100, 50).low_coverage, rel=1e-12)


def test_pooling_deviation_interval_against_utilities():
    # exercise 7: a cut of k per unit of cover given up attracts only L exactly for k in (k_lo, k_hi); checked on
    # the utilities at eps = 1e-4 (first-order rates vs the exact change) and a dense scan of k
    from lib.checks.ex_screening import RS_MARKET, _pooling_deviation

    k_lo, k_hi = _pooling_deviation()
    pl, ph, w, d = (RS_MARKET[k] for k in ("loss_prob_low", "loss_prob_high", "wealth", "loss"))
    c, prem, eps = d / 2, 0.5 * (pl + ph) * d / 2, 1e-6
    ks = np.linspace(0, 0.5, 5001)
    only_l = (eu(np.log, pl, w, d, c - eps, prem - ks * eps) > eu(np.log, pl, w, d, c, prem)) & (
        eu(np.log, ph, w, d, c - eps, prem - ks * eps) < eu(np.log, ph, w, d, c, prem))
    assert ks[only_l].min() == pytest.approx(k_lo, abs=2e-4) and ks[only_l].max() == pytest.approx(k_hi, abs=2e-4)
    assert np.all(only_l[(ks > k_lo + 1e-3) & (ks < k_hi - 1e-3)])


@pytest.mark.parametrize("scale", [1e-150, 1e-3, 1e150])
def test_two_types_extreme_scales_against_closed_form(scale):
    # q_L = theta_H - (theta_H - theta_L) / f_L, q_H = theta_H, profit = f_L theta_L q_L - f_L q_L^2 / 2 + f_H (theta_H^2 / 2
    # - (theta_H - theta_L) q_L), typed from the textbook formulas, at types (1, 2) * scale, f_L = 0.6
    with np.errstate(all="raise"):
        m = monopoly_menu([scale, 2 * scale], [0.6, 0.4])
    ql = 2 * scale - scale / 0.6
    profit = 0.6 * (scale * ql - ql**2 / 2) + 0.4 * ((2 * scale) ** 2 / 2 - scale * ql)
    assert m.quantities == pytest.approx((ql, 2 * scale), rel=1e-12)
    assert m.profit == pytest.approx(profit, rel=1e-12) and math.isfinite(m.first_best_profit)


@pytest.mark.parametrize("types,probs,name", [([1e155, 2e155], [0.5, 0.5], "types"),
                                              ([1, 2, 3], [5e-324, 0.5, 0.5], "probabilities"),
                                              ([1, 2, 3], [1e-310, 0.5, 0.5 - 1e-310], "probabilities")])
def test_menu_extreme_inputs_are_refused_by_name(types, probs, name):
    with pytest.raises(ValueError, match=name):
        monopoly_menu(types, probs)



# ------------------------------------------------------------------------------------------------ Wilson–Miyazaki–Spence

def slsqp_wms(pl, ph, lam, w, d, u=np.log, cap=None):
    """The WMS problem over whole menus, without lib's reduction to one subsidy: maximise V_L over (c_L, pi_L, c_H,
    pi_H) in [0, d]^4 subject to the menu breaking even on average, both incentive constraints and H getting at least
    its fair full insurance u(W - p_H d); SLSQP from two starts, the better feasible one. `cap` bounds H's coverage
    c_H (a menu that distorts the top)."""
    def v(p, c, prem):
        return (1 - p) * u(w - prem) + p * u(w - prem - d + c)

    cons = [lambda x: (1 - lam) * (x[1] - pl * x[0]) + lam * (x[3] - ph * x[2]),
            lambda x: v(ph, x[2], x[3]) - v(ph, x[0], x[1]), lambda x: v(pl, x[0], x[1]) - v(pl, x[2], x[3]),
            lambda x: v(ph, x[2], x[3]) - u(w - ph * d)]
    best = None
    for start in (0.3, 0.7):
        top = d if cap is None else cap
        res = optimize.minimize(lambda x: -v(pl, x[0], x[1]), [start * d, pl * start * d, top, ph * top],
                                method="SLSQP",
                                constraints=[{"type": "ineq", "fun": f} for f in cons],
                                bounds=[(0, d), (0, d), (0, d if cap is None else cap), (0, d)],
                                options={"ftol": 1e-15, "maxiter": 1000})
        if res.success and min(f(res.x) for f in cons) > -1e-9 and (best is None or res.fun < best.fun):
            best = res
    assert best is not None
    return best.x, -best.fun


@pytest.mark.parametrize("pl,ph,lam,w,d", [(0.1, 0.3, 0.08, 100, 50), (0.1, 0.3, 0.15, 100, 50),
                                           (0.1, 0.3, 0.3, 100, 50), (0.05, 0.2, 0.1, 10, 6),
                                           (0.02, 0.6, 0.05, 3, 2.5), (0.3, 0.35, 0.5, 10, 9)])
def test_wms_against_slsqp_over_whole_menus(pl, ph, lam, w, d):
    m = wilson_miyazaki_spence(pl, ph, lam, w, d)
    x, v_ref = slsqp_wms(pl, ph, lam, w, d)
    # lib's menu is feasible and at least as good as SLSQP's; SLSQP's optimum is at least as good as lib's up to
    # its tolerance. SLSQP's H coverage is not compared with d: V_L is flat to second order in it (on one machine
    # SLSQP stopped at c_H = 49.986 of 50 with V_L equal to lib's within 1e-9). No distortion at the top is checked
    # instead by SLSQP itself: capping H's coverage at 90 % of the loss makes L strictly worse off than lib's menu.
    assert m.low_utility >= v_ref - 1e-12 and m.low_utility <= v_ref + 1e-9 * abs(v_ref)
    _, v_capped = slsqp_wms(pl, ph, lam, w, d, cap=0.9 * d)
    assert v_capped < m.low_utility - 1e-7 * abs(m.low_utility)
    assert m.high_coverage == d and m.high_premium == pytest.approx(ph * d - m.subsidy, rel=1e-14)
    assert (1 - lam) * (m.low_premium - pl * m.low_coverage) == pytest.approx(lam * m.subsidy, abs=1e-12 * d)
    assert eu(np.log, ph, w, d, m.low_coverage, m.low_premium) <= m.high_utility + 1e-12
    assert m.equals_rs == (m.subsidy == 0) and (m.low_utility == m.rs_low_utility) == m.equals_rs


def test_wms_equals_rs_when_high_risks_are_many():
    rs = rothschild_stiglitz(0.1, 0.3, 0.5, 100, 50)
    m = wilson_miyazaki_spence(0.1, 0.3, 0.5, 100, 50)
    assert m.equals_rs and m.subsidy == 0 and m.low_surcharge == 0
    assert (m.low_coverage, m.low_premium, m.high_premium) == (rs.low_coverage, rs.low_premium, rs.high_premium)
    assert m.low_utility == rs.low_utility == m.rs_low_utility and m.high_utility == rs.high_utility


def slope_in_subsidy(pl, ph, lam, w, d, u, eps=1e-6):
    """(V_L(eps) - V_L(0)) / eps, V_L(s) L's utility at the coverage where H is indifferent given subsidy s (fsolve
    on H's indifference, started at the midpoint): the right derivative of L's best utility in s at s = 0."""
    r = lam / (1 - lam)

    def v_low(s):
        c = optimize.fsolve(lambda c: eu(u, ph, w, d, c, pl * c + r * s) - u(w - ph * d + s), d / 2, xtol=1e-12)[0]
        return eu(u, pl, w, d, c, pl * c + r * s)

    return (v_low(eps) - v_low(0.0)) / eps


@pytest.mark.parametrize("pl,ph,w,d,u", [(0.1, 0.3, 100, 50, np.log), (0.05, 0.2, 10, 6, np.sqrt),
                                         (0.05, 0.2, 10, 6, lambda x: -np.exp(-0.5 * x)),
                                         (0.3, 0.35, 10, 9, lambda x: -x ** -9.0)])
def test_wms_threshold_where_the_subsidy_slope_vanishes(pl, ph, w, d, u):
    m = wilson_miyazaki_spence(pl, ph, 0.5, w, d, utility=u)
    ref = optimize.brentq(lambda lam: slope_in_subsidy(pl, ph, lam, w, d, u), 1e-3, 0.999, xtol=1e-12)
    assert m.threshold == pytest.approx(ref, rel=1e-4)
    below = wilson_miyazaki_spence(pl, ph, 0.9 * m.threshold, w, d, utility=u)
    above = wilson_miyazaki_spence(pl, ph, min(1.1 * m.threshold, 0.999), w, d, utility=u)
    assert below.subsidy > 0 and below.low_utility > below.rs_low_utility and above.equals_rs


def test_wms_log_threshold_against_sympy_implicit_derivative():
    import sympy as sp
    pl, ph, w, d = 0.1, 0.3, 100, 50
    c_rs = rothschild_stiglitz(pl, ph, 0.5, w, d).low_coverage
    c, s, r = sp.symbols("c s r", real=True)
    prem = pl * c + r * s
    v_low = (1 - pl) * sp.log(w - prem) + pl * sp.log(w - prem - d + c)
    h_binds = (1 - ph) * sp.log(w - prem) + ph * sp.log(w - prem - d + c) - sp.log(w - ph * d + s)
    gain = (sp.diff(v_low, s) - sp.diff(v_low, c) * sp.diff(h_binds, s) / sp.diff(h_binds, c)).subs({s: 0, c: c_rs})
    r_ref = float(sp.solve(gain, r)[0])
    assert wilson_miyazaki_spence(pl, ph, 0.5, w, d).threshold == pytest.approx(r_ref / (1 + r_ref), rel=1e-8)


def test_wms_dense_grid_finds_no_better_menu():
    # brute force over (s, c) on a 401 x 4001 grid of H-incentive-compatible break-even menus: none beats lib's
    pl, ph, lam, w, d = 0.1, 0.3, 0.08, 100.0, 50.0
    m = wilson_miyazaki_spence(pl, ph, lam, w, d)
    r = lam / (1 - lam)
    s, c = np.meshgrid(np.linspace(0, (1 - lam) * (ph - pl) * d, 401), np.linspace(0, d, 4001), indexing="ij")
    with np.errstate(invalid="ignore"):
        ok = eu(np.log, ph, w, d, c, pl * c + r * s) <= np.log(w - ph * d + s)
        v = np.where(ok, eu(np.log, pl, w, d, c, pl * c + r * s), -np.inf)
    assert np.nanmax(v) <= m.low_utility + 1e-13
    assert np.nanmax(v) >= m.low_utility - 1e-5  # the grid's resolution


@settings(max_examples=15, deadline=None)
@given(pl=st.floats(0.005, 0.9), gap=st.floats(0.01, 0.99), lam=st.floats(0.005, 0.995),
       wealth=st.floats(0.01, 1e4), loss_share=st.floats(0.02, 0.98))
def test_wms_property_feasible_and_not_worse_than_rs(pl, gap, lam, wealth, loss_share):
    ph = pl + gap * (1 - pl) * 0.999
    d = loss_share * wealth
    m = wilson_miyazaki_spence(pl, ph, lam, wealth, d)
    values = (m.low_coverage, m.low_premium, m.high_premium, m.subsidy, m.low_utility, m.threshold)
    assert all(math.isfinite(x) for x in values) and 0 < m.threshold < 1
    assert 0 <= m.subsidy <= (1 - lam) * (ph - pl) * d and 0 < m.low_coverage <= d
    assert m.low_utility >= m.rs_low_utility
    tol = 1e-9 * max(1.0, abs(m.high_utility))
    assert eu(np.log, ph, wealth, d, m.low_coverage, m.low_premium) <= m.high_utility + tol
    assert m.high_utility >= math.log(wealth - ph * d)
    if lam > 1.01 * m.threshold:
        assert m.equals_rs
    if lam < 0.99 * m.threshold:
        assert m.subsidy > 0


@pytest.mark.parametrize("kwargs,name", [
    (dict(loss_prob_low=0.3, loss_prob_high=0.1), "loss_prob_low"), (dict(share_high=1.0), "share_high"),
    (dict(share_high=0.0), "share_high"), (dict(loss=100.0), "loss"), (dict(wealth=math.inf), "wealth"),
    (dict(utility=lambda x: x), "utility"), (dict(loss=1e-5), "loss"),
])
def test_wms_bad_input(kwargs, name):
    base = dict(loss_prob_low=0.1, loss_prob_high=0.3, share_high=0.5, wealth=100.0, loss=50.0)
    with pytest.raises(ValueError, match=name):
        wilson_miyazaki_spence(**{**base, **kwargs})
