"""Tests for lib/mechanism.py by independent routes: sympy closed forms for uniform priors on any intervals, a
2-D midpoint quadrature of gains and budget written here (not lib's one-dimensional reduction), a brute-force
search over the multiplier and over other feasible rule families, the efficient rule's deficit against
lib.double_auction's first best, hypothesis over Beta shapes, and bad inputs."""
from functools import lru_cache

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st
from scipy import optimize, special, stats
from scipy.integrate import quad

from lib.double_auction import first_best_gains
from lib.mechanism import (_Ironing, _Problem, is_regular, posted_price, second_best, threshold_rule, virtual_cost,
                           virtual_value)
from lib.validation import InputTypeError
from monotone_lp import lp_second_best

N_GRID = 1500  # midpoints per side of the 2-D check; its error is O(1/N) along the rule's boundary


@lru_cache(maxsize=None)
def uniform_closed_form():
    """Uniform buyer U[a1, b1], seller U[a2, b2] with a1 <= a2 + d and b1 <= b2 + d (the trading region is the
    triangle a2 <= c, v <= b1, v - c >= d): phi_B = 2v - b1, phi_S = 2c - a2, and the second best trades iff
    v - c >= d with the budget binding. Returns (d, gains, first best) as sympy expressions in a1, b1, a2, b2."""
    a1, b1, a2, b2, v, c, d = sp.symbols("a1 b1 a2 b2 v c d", real=True)
    density = 1 / ((b1 - a1) * (b2 - a2))
    F_B, f_B = (v - a1) / (b1 - a1), 1 / (b1 - a1)
    F_S, f_S = (c - a2) / (b2 - a2), 1 / (b2 - a2)
    phi_b = sp.simplify(v - (1 - F_B) / f_B)
    phi_s = sp.simplify(c + F_S / f_S)
    assert sp.simplify(phi_b - (2 * v - b1)) == 0 and sp.simplify(phi_s - (2 * c - a2)) == 0

    def over_triangle(integrand, gap):
        return sp.integrate(sp.integrate(integrand * density, (v, c + gap, b1)), (c, a2, b1 - gap))

    budget = sp.factor(over_triangle(phi_b - phi_s, d))
    roots = [r for r in sp.solve(budget, d) if sp.simplify(r - (b1 - a2)) != 0]
    assert len(roots) == 1
    gap = sp.factor(roots[0])
    gains = sp.factor(over_triangle(v - c, gap))
    first = sp.factor(over_triangle(v - c, 0))
    return (a1, b1, a2, b2), gap, gains, first


@pytest.mark.parametrize("intervals", [(0, 1, 0, 1), (0, 2, 1, 3), (-1, 1, 0, 3), (0.5, 1.5, 0.5, 4), (0, 1, 0, 1.2)])
def test_uniform_closed_form_on_intervals(intervals):
    (a1, b1, a2, b2), gap, gains, first = uniform_closed_form()
    subs = dict(zip((a1, b1, a2, b2), map(sp.nsimplify, intervals)))
    d, g, fb = (float(x.subs(subs)) for x in (gap, gains, first))
    lo1, hi1, lo2, hi2 = intervals
    assert lo1 <= lo2 + d and hi1 <= hi2 + d  # the triangle case the closed form assumes
    r = second_best(stats.uniform(lo1, hi1 - lo1), stats.uniform(lo2, hi2 - lo2))
    assert r.gains == pytest.approx(g, rel=1e-10)
    assert r.first_best == pytest.approx(fb, rel=1e-10)
    # the rule is v - c >= d: check the threshold t(v) = v - d where it is inside the seller's support
    v = np.linspace(max(lo1, lo2 + d) + 1e-3, min(hi1, hi2 + d) - 1e-3, 7)
    assert np.max(np.abs(r.threshold(v) - (v - d))) < 1e-10
    assert r.budget == pytest.approx(0, abs=1e-12)


def test_uniform_unit_square_textbook_numbers():
    (a1, b1, a2, b2), gap, gains, first = uniform_closed_form()
    unit = {a1: 0, b1: 1, a2: 0, b2: 1}
    assert (gap.subs(unit), gains.subs(unit), first.subs(unit)) == (sp.Rational(1, 4), sp.Rational(9, 64),
                                                                   sp.Rational(1, 6))
    r = second_best(stats.uniform(), stats.uniform())
    # trade iff v - c >= 1/4 <=> v - alpha (1 - v) >= c + alpha c with alpha / (1 + alpha) = 1/4: alpha = 1/3
    assert r.alpha == pytest.approx(1 / 3, abs=1e-12) and r.multiplier == pytest.approx(0.5, abs=1e-12)
    assert r.trades(0.6, 0.34) == 1 and r.trades(0.6, 0.36) == 0


def _grid(buyer, seller, n=N_GRID):
    """Midpoints and probability weights of the two supports (cdf differences: exact cell masses)."""
    (v_lo, v_hi), (c_lo, c_hi) = buyer.support(), seller.support()
    ev, ec = np.linspace(v_lo, v_hi, n + 1), np.linspace(c_lo, c_hi, n + 1)
    v, c = 0.5 * (ev[1:] + ev[:-1]), 0.5 * (ec[1:] + ec[:-1])
    return v, np.diff(buyer.cdf(ev)), c, np.diff(seller.cdf(ec))


def _grid_rule_values(buyer, seller, alphas, n=N_GRID):
    """Gains and budget of q_alpha on a 2-D midpoint grid, virtual values from their definition here."""
    v, wv, c, wc = _grid(buyer, seller, n)
    rb, rs = buyer.sf(v) / buyer.pdf(v), seller.cdf(c) / seller.pdf(c)
    out = []
    for a in alphas:
        q = (v - a * rb)[:, None] >= (c + a * rs)[None, :]
        w = wv[:, None] * wc[None, :] * q
        gains = np.sum(w * (v[:, None] - c[None, :]))
        budget = np.sum(w * ((v - rb)[:, None] - (c + rs)[None, :]))
        out.append((gains, budget))
    return np.array(out)


PRIORS = {
    "beta22": (stats.beta(2, 2), stats.beta(2, 2)),
    "beta52_25": (stats.beta(5, 2), stats.beta(2, 5)),
    "skewed_shifted": (stats.beta(1.5, 4, loc=0.2, scale=1.0), stats.beta(3, 1.2, loc=-0.1, scale=0.8)),
    "truncnorm": (stats.truncnorm(-2, 2, loc=0.5, scale=0.25), stats.truncnorm(-1, 3, loc=0.3, scale=0.2)),
    "concentrated": (stats.beta(50, 30), stats.beta(30, 50)),
}


@lru_cache(maxsize=None)
def solved(name):
    """second_best and posted_price of a named pair of PRIORS, computed once for all the tests that use them."""
    buyer, seller = PRIORS[name]
    return second_best(buyer, seller), posted_price(buyer, seller)


@pytest.mark.parametrize("name", sorted(PRIORS))
def test_budget_binds_and_gains_by_2d_quadrature(name):
    buyer, seller = PRIORS[name]
    r = solved(name)[0]
    (g, b), = _grid_rule_values(buyer, seller, [r.alpha])
    assert r.gains == pytest.approx(g, rel=2e-3)
    assert abs(b) < 2e-3 * r.gains  # the budget condition binds on the independent grid too
    assert abs(r.budget) < 1e-10
    # the route's own value for this alpha matches
    assert threshold_rule(buyer, seller, r.alpha).gains == pytest.approx(r.gains, rel=1e-12)


@pytest.mark.parametrize("name", sorted(PRIORS))
def test_chosen_alpha_is_best_feasible_by_brute_force(name):
    # brute force over the family q_alpha on the independent 2-D grid: the feasible members (budget >= 0) with the
    # largest gains sit at the smallest feasible alpha, and lib's alpha is in the grid cell where feasibility starts
    buyer, seller = PRIORS[name]
    r = solved(name)[0]
    alphas = np.linspace(0, 1, 41)
    values = _grid_rule_values(buyer, seller, alphas, n=400)
    feasible = values[:, 1] >= 0
    assert feasible[-1] and not feasible[0]
    best = int(np.argmax(np.where(feasible, values[:, 0], -np.inf)))
    assert best == int(np.argmax(feasible))
    assert alphas[best - 1] - 0.01 < r.alpha <= alphas[best] + 0.01  # grid error of the budget at n = 500
    assert r.gains >= values[best, 0] * (1 - 2e-3)
    # gains fall and the budget rises with alpha (the monotonicity the root finding relies on), by lib's route
    lib_values = np.array([[x.gains, x.budget] for x in (threshold_rule(buyer, seller, a) for a in alphas[::5])])
    assert np.all(np.diff(lib_values[:, 0]) < 0) and np.all(np.diff(lib_values[:, 1]) > 0)


@pytest.mark.parametrize("name", sorted(PRIORS))
def test_second_best_beats_other_feasible_families(name):
    # constant-gap rules v - c >= d and posted prices: each feasible member gains no more than the second best
    buyer, seller = PRIORS[name]
    r = solved(name)[0]
    v, wv, c, wc = _grid(buyer, seller, 400)
    rb, rs = buyer.sf(v) / buyer.pdf(v), seller.cdf(c) / seller.pdf(c)
    diff = v[:, None] - c[None, :]
    vphi = (v - rb)[:, None] - (c + rs)[None, :]
    w = wv[:, None] * wc[None, :]
    width = buyer.support()[1] - seller.support()[0]
    best_gap = max(np.sum(w * diff * (diff >= d)) for d in np.linspace(0, width, 81)
                   if np.sum(w * vphi * (diff >= d)) >= 0)
    assert best_gap <= r.gains * (1 + 5e-3)
    p = solved(name)[1]
    assert p.gains <= r.gains
    q = (c[None, :] <= p.price) & (v[:, None] >= p.price)
    assert p.gains == pytest.approx(np.sum(w * diff * q), rel=1e-2)
    prices = np.linspace(*seller.support(), 101)
    brute = max(np.sum(w * diff * ((c[None, :] <= x) & (v[:, None] >= x))) for x in prices)
    assert p.gains >= brute * (1 - 1e-2)


@pytest.mark.parametrize("name", sorted(PRIORS))
def test_efficient_deficit_closed_form(name):
    # integrating the information rents by parts, the efficient rule's deficit -E[(phi_B - phi_S) 1{v >= c}] is
    # int over the overlap [max(v_lo, c_lo), min(v_hi, c_hi)] of F_S(x) (1 - F_B(x)) dx: quad of that integral
    # here against lib's virtual-value route; on equal supports it equals the first best E[(v - c)^+]
    buyer, seller = PRIORS[name]
    r = solved(name)[0]
    lo, hi = max(buyer.support()[0], seller.support()[0]), min(buyer.support()[1], seller.support()[1])
    deficit, _ = quad(lambda x: seller.cdf(x) * buyer.sf(x), lo, hi, epsabs=1e-13, epsrel=1e-12)
    assert r.efficient_deficit == pytest.approx(deficit, rel=1e-8)
    assert r.first_best == pytest.approx(first_best_gains(buyer, seller), rel=1e-8)
    if buyer.support() == seller.support():
        assert r.efficient_deficit == pytest.approx(r.first_best, rel=1e-8)
    else:
        assert r.efficient_deficit < r.first_best


def test_deficit_by_monte_carlo():
    buyer, seller = PRIORS["beta52_25"]
    rng = np.random.default_rng(2026)
    v, c = buyer.rvs(200_000, random_state=rng), seller.rvs(200_000, random_state=rng)
    x = (virtual_value(buyer)(v) - virtual_cost(seller)(c)) * (v >= c)
    r = solved("beta52_25")[0]
    assert abs(-x.mean() - r.efficient_deficit) < 6 * x.std() / np.sqrt(x.size)


def test_no_deficit_when_supports_do_not_overlap():
    r = second_best(stats.uniform(2, 1), stats.uniform(0, 1.5))
    assert r.alpha == 0 and r.efficiency == 1 and r.gains == pytest.approx(2.5 - 0.75, rel=1e-12)  # E v - E c
    # E[phi_B] = v_lo and E[phi_S] = c_hi, so the surplus is v_lo - c_hi = 0.5 (a price in [1.5, 2] always trades)
    assert r.efficient_deficit == pytest.approx(-0.5, abs=1e-12)
    p = posted_price(stats.uniform(2, 1), stats.uniform(0, 1.5))
    assert 1.5 <= p.price <= 2 and p.efficiency == pytest.approx(1, abs=1e-12)


def test_posted_price_uniform_closed_form():
    p, v, c = sp.symbols("p v c", real=True)
    g = sp.integrate(sp.integrate(v - c, (c, 0, p)), (v, p, 1))
    p_star = sp.solve(sp.diff(g, p), p)[0]
    r = posted_price(stats.uniform(), stats.uniform())
    assert r.price == pytest.approx(float(p_star), abs=1e-7)
    assert r.gains == pytest.approx(float(g.subs(p, p_star)), rel=1e-10)


def test_virtual_values_and_regularity():
    v = np.linspace(0.05, 0.95, 5)
    assert np.allclose(virtual_value(stats.uniform())(v), 2 * v - 1)
    assert np.allclose(virtual_cost(stats.uniform())(v), 2 * v)
    assert is_regular(stats.beta(2, 5), "buyer") and is_regular(stats.beta(5, 2), "seller")
    assert not is_regular(stats.beta(0.5, 0.5), "buyer")
    with pytest.raises(ValueError, match="side"):
        is_regular(stats.uniform(), "middle")


@settings(max_examples=2, deadline=None)
@given(a=st.floats(1.0, 8.0), b=st.floats(1.0, 8.0), a2=st.floats(1.0, 8.0), b2=st.floats(1.0, 8.0))
def test_beta_shapes_property(a, b, a2, b2):
    buyer, seller = stats.beta(a, b), stats.beta(a2, b2)
    r = second_best(buyer, seller)
    assert 0 < r.gains < r.first_best and 0 < r.alpha < 1 and abs(r.budget) < 1e-9
    assert r.first_best == pytest.approx(first_best_gains(buyer, seller), rel=1e-8)
    (g, bud), = _grid_rule_values(buyer, seller, [r.alpha], n=400)
    assert r.gains == pytest.approx(g, rel=5e-3) and abs(bud) < 5e-3 * r.gains
    assert posted_price(buyer, seller).gains <= r.gains


def test_bad_inputs():
    u = stats.uniform()
    with pytest.raises(ValueError, match="buyer.*bounded"):
        second_best(stats.norm(), u)
    with pytest.raises(ValueError, match="seller.*scale"):
        second_best(u, stats.uniform(0, 0))
    with pytest.raises(TypeError, match="buyer"):
        second_best("uniform", u)
    with pytest.raises(InputTypeError, match="seller"):
        posted_price(u, 0.5)
    with pytest.raises(ValueError, match="no gains from trade"):
        second_best(stats.uniform(0, 1), stats.uniform(1, 1))
    with pytest.raises(ValueError, match="buyer's density must be positive"):
        second_best(stats.beta(200, 200), u)
    with pytest.raises(ValueError, match="alpha"):
        threshold_rule(u, u, 1.5)
    with pytest.raises(ValueError, match="alpha"):
        threshold_rule(u, u, float("nan"))


def test_draw_mechanism_headline_numbers():
    # uniform priors: second best 27/32 (9/64 of 1/6), the linear double auction equals it, posted price 3/4
    from lib.explorers import new_axes
    from lib.explorers.mechanism import draw_mechanism, priors

    fig, ax = new_axes(1, (5.5, 4.5))
    numbers = draw_mechanism(ax, prior="uniform", k=0.5)
    assert numbers["second_best"] == pytest.approx(27 / 32, abs=1e-9)
    assert numbers["double_auction"] == pytest.approx(27 / 32, abs=1e-12)
    assert numbers["posted_price"] == pytest.approx(3 / 4, abs=1e-9)
    with pytest.raises(ValueError, match="name"):
        priors("lognormal")


def test_trade_probabilities_and_accessors():
    # uniform: the second best trades on the triangle v - c >= 1/4, probability (3/4)^2 / 2 = 9/32; the best posted
    # price 1/2 trades with probability 1/4; a 2-D grid gives both for skewed priors
    u = stats.uniform()
    r = second_best(u, u)
    assert r.trade_probability == pytest.approx(9 / 32, rel=1e-10)
    assert r.efficiency == pytest.approx((9 / 64) / (1 / 6), rel=1e-10)
    assert posted_price(u, u).trade_probability == pytest.approx(1 / 4, rel=1e-10)
    x = np.linspace(0.1, 0.9, 5)
    assert np.allclose(r.virtual_value(x), 2 * x - 1) and np.allclose(r.virtual_cost(x), 2 * x)
    buyer, seller = PRIORS["beta52_25"]
    r = solved("beta52_25")[0]
    v, wv, c, wc = _grid(buyer, seller, 800)
    q = r.trades(v[:, None], c[None, :])
    assert set(np.unique(q)) <= {0.0, 1.0}
    assert r.trade_probability == pytest.approx(np.sum(wv[:, None] * wc[None, :] * q), rel=3e-3)
    p = solved("beta52_25")[1]
    inside = (c[None, :] <= p.price) & (v[:, None] >= p.price)
    assert p.trade_probability == pytest.approx(np.sum(wv[:, None] * wc[None, :] * inside), rel=3e-3)
    assert p.efficiency == pytest.approx(p.gains / first_best_gains(buyer, seller), rel=1e-12)
    assert threshold_rule(buyer, seller, r.alpha).trade_probability == pytest.approx(r.trade_probability, rel=1e-12)


def _seller_side_second_best(a1, b1, a2, b2):
    """Independent route: integrate over the seller's cost c, with u(c) = lowest buyer type who trades (brentq),
    and the inner integrals over v in closed form through Beta cdfs:
    int_u^1 phi_B f_B dv = u (1 - F_B(u)),  int_u^1 (v - c) f_B dv = m_B (1 - F_{Beta(a1+1,b1)}(u)) - c (1 - F_B(u))."""
    FB = lambda x: special.betainc(a1, b1, x)
    FB1 = lambda x: special.betainc(a1 + 1, b1, x)
    fB = lambda x: x ** (a1 - 1) * (1 - x) ** (b1 - 1) / special.beta(a1, b1)
    FS = lambda x: special.betainc(a2, b2, x)
    fS = lambda x: x ** (a2 - 1) * (1 - x) ** (b2 - 1) / special.beta(a2, b2)
    mB = a1 / (a1 + b1)

    def u(c, al):  # lowest v with v - al (1 - F_B)/f_B >= c + al F_S/f_S (1 if none)
        level = c + al * FS(c) / fS(c)
        g = lambda v: v - al * (1 - FB(v)) / fB(v) - level
        return optimize.brentq(g, 1e-12, 1 - 1e-12, xtol=1e-16, rtol=1e-15) if al > 0 else c

    def top(al):  # highest cost that trades: c + al F_S/f_S = 1
        return optimize.brentq(lambda c: c + al * FS(c) / fS(c) - 1, 1e-12, 1 - 1e-12, xtol=1e-16, rtol=1e-15)

    def budget(al):
        return quad(lambda c: (1 - FB(u(c, al))) * ((u(c, al) - c) * fS(c) - FS(c)), 0, top(al),
                    epsabs=1e-14, epsrel=1e-12, limit=200)[0]

    def gains(al):
        hi = top(al) if al > 0 else 1.0
        return quad(lambda c: fS(c) * (mB * (1 - FB1(u(c, al))) - c * (1 - FB(u(c, al)))), 0, hi,
                    epsabs=1e-14, epsrel=1e-12, limit=200)[0]

    al = optimize.brentq(budget, 1e-3, 0.9, xtol=1e-13, rtol=1e-13)
    return al, gains(al), gains(0.0)


# Independent figures for the Beta second bests (computed by a separate buyer-side quadrature and brentq on alpha):
# (buyer shapes, seller shapes) -> (alpha, efficiency); Beta(2,2) also gains 0.1084840462 and first best 0.1285714286
BETA_SECOND_BEST = {
    ((2, 2), (2, 2)): (0.34679222, 0.84376480),
    ((3, 3), (3, 3)): (0.35063676, 0.84441853),
    ((4, 4), (4, 4)): (0.35241036, 0.84488059),
    ((5, 2), (2, 5)): (0.18668794, 0.94408597),
    ((2, 5), (5, 2)): (0.43546580, 0.78240022),
}


@pytest.mark.parametrize("shapes", list(BETA_SECOND_BEST), ids=lambda s: f"{s[0]}/{s[1]}")
def test_beta_second_best_high_precision_seller_side(shapes):
    """lib's buyer-side Gauss-Legendre reduction against a seller-side adaptive quadrature with closed-form inner
    integrals (and the independent figures above, given to 8 digits): 1e-7 relative, tighter than the double
    auction's shortfall (1.07e-4 of the first best for Beta(2,2))."""
    (a1, b1), (a2, b2) = shapes
    al, gains, first = _seller_side_second_best(a1, b1, a2, b2)
    alpha_ref, eff_ref = BETA_SECOND_BEST[shapes]
    assert al == pytest.approx(alpha_ref, abs=1e-8) and gains / first == pytest.approx(eff_ref, abs=1e-8)
    if shapes == ((2, 2), (2, 2)):
        assert gains == pytest.approx(0.1084840462, abs=1e-10) and first == pytest.approx(9 / 70, rel=1e-12)
    r = second_best(stats.beta(a1, b1), stats.beta(a2, b2))
    assert r.alpha == pytest.approx(al, rel=1e-7) and r.gains == pytest.approx(gains, rel=1e-7)
    assert r.first_best == pytest.approx(first, rel=1e-9) and r.efficiency == pytest.approx(gains / first, rel=1e-7)


def test_posted_price_irregular_priors_by_closed_form():
    """A posted price needs no regularity. Beta(0.5, 0.5) values, U[0, 1] costs: G(p) = p (E[V 1{V >= p}] -
    (p/2) P(V >= p)), E[V 1{V >= p}] = (1/2)(1 - I_p(3/2, 1/2)), maximised by bounded Brent here; the first best
    is E[V^2]/2 = 3/16 (E[(v - c)^+] with c uniform)."""
    G = lambda p: p * (0.5 * (1 - special.betainc(1.5, 0.5, p)) - 0.5 * p * (1 - special.betainc(0.5, 0.5, p)))  # noqa: E731
    best = optimize.minimize_scalar(lambda p: -G(p), bounds=(0.01, 0.99), method="bounded", options={"xatol": 1e-12})
    r = posted_price(stats.beta(0.5, 0.5), stats.uniform())
    assert r.first_best == pytest.approx(3 / 16, rel=1e-10)
    assert r.price == pytest.approx(best.x, abs=1e-6) and r.gains == pytest.approx(-best.fun, rel=1e-10)
    assert r.price == pytest.approx(0.594719, abs=1e-6) and r.efficiency == pytest.approx(0.778050, abs=1e-6)
    # other irregular Beta pairs: G(p) = F_S(p) E[V 1{V >= p}] - (1 - F_B(p)) E[C 1{C <= p}] in closed form through
    # regularised incomplete Beta functions, maximised by bounded Brent; first best int F_S (1 - F_B) by quad
    for (a1, b1), (a2, b2) in (((0.8, 3), (3, 0.8)), ((3, 0.8), (0.8, 3))):
        I = special.betainc  # noqa: E741
        Gb = lambda p: (I(a2, b2, p) * a1 / (a1 + b1) * (1 - I(a1 + 1, b1, p))  # noqa: E731
                        - (1 - I(a1, b1, p)) * a2 / (a2 + b2) * I(a2 + 1, b2, p))
        best = optimize.minimize_scalar(lambda p: -Gb(p), bounds=(1e-6, 1 - 1e-6), method="bounded",
                                        options={"xatol": 1e-12})
        fb = quad(lambda x: I(a2, b2, x) * (1 - I(a1, b1, x)), 0, 1, epsabs=1e-14, limit=200)[0]
        r = posted_price(stats.beta(a1, b1), stats.beta(a2, b2))
        assert r.first_best == pytest.approx(fb, rel=1e-9) and r.gains == pytest.approx(-best.fun, rel=1e-9)
        assert r.price == pytest.approx(best.x, abs=1e-5)
    with pytest.raises(ValueError, match="no gains from trade"):
        posted_price(stats.uniform(0, 1), stats.uniform(1, 1))
    with pytest.raises(ValueError, match="buyer's density must be positive"):
        posted_price(stats.beta(200, 200), stats.uniform())
    with pytest.raises(ValueError, match="buyer.*bounded"):
        posted_price(stats.norm(), stats.uniform())


# --- ironing (irregular priors) ------------------------------------------------------------------------------------

def _beta_partials(a, b, x):
    """Beta(a, b) on [0, 1] in closed form: F(x), E[X 1{X <= x}] = a/(a+b) I_x(a+1, b) and int_0^x F = x F - that."""
    F = special.betainc(a, b, x)
    M = a / (a + b) * special.betainc(a + 1, b, x)
    return F, M, x * F - M


def _lp_second_best(buyer_shapes, seller_shapes, n):
    """tests/monotone_lp.py's linear programme for Beta priors (closed-form partials): (gains, rule)."""
    return lp_second_best(lambda e: _beta_partials(*buyer_shapes, e), lambda e: _beta_partials(*seller_shapes, e), n)


@pytest.mark.parametrize("buyer_shapes, seller_shapes", [((0.5, 0.5), (1, 1)), ((0.5, 0.5), (0.5, 0.5)),
                                                         ((2, 2), (0.4, 0.7))])
def test_ironed_second_best_against_linear_programme(buyer_shapes, seller_shapes):
    """The LP over monotone cell-constant rules stays below the second best and approaches it at the rate of its
    grid (its gap at n = 80 is at most a third of its gap at n = 40, and below 3e-4 relative)."""
    r = second_best(stats.beta(*buyer_shapes), stats.beta(*seller_shapes))
    assert r.ironed != ((), ())  # some side is ironed at the optimum
    lp40, _ = _lp_second_best(buyer_shapes, seller_shapes, 40)
    lp80, q80 = _lp_second_best(buyer_shapes, seller_shapes, 80)
    assert lp40 < lp80 <= r.gains * (1 + 1e-10)
    assert r.gains - lp80 < (r.gains - lp40) / 3 and r.gains - lp80 < 3e-4 * r.gains


def test_ironing_interval_of_beta_half_by_closed_forms():
    """Beta(0.5, 0.5) buyer: phi^alpha = v - alpha (1 - F)/f falls then rises; the ironed interval is [0, b] with
    level L = E[phi^alpha | v <= b] = (E[V 1{V <= b}] - alpha int_0^b (1 - F)) / F(b) and phi^alpha(b) = L."""
    a_, dist = 0.3, stats.beta(0.5, 0.5)

    def level(b):
        F, M, G = _beta_partials(0.5, 0.5, b)
        return (M - a_ * (b - G)) / F

    b = optimize.brentq(lambda y: y - a_ * dist.sf(y) / dist.pdf(y) - level(y), 0.02, 0.6, xtol=1e-15)
    ((lo, hi, L),) = _Ironing(dist, 0.0, 1.0, "buyer").intervals(a_)
    assert lo == 0.0 and hi == pytest.approx(b, abs=1e-11) and L == pytest.approx(level(b), abs=1e-12)
    # the seller's mirror image: Beta(0.5, 0.5) costs, interval [1 - b, 1] with level 1 - L
    ((lo_s, hi_s, L_s),) = _Ironing(dist, 0.0, 1.0, "seller").intervals(a_)
    assert hi_s == 1.0 and lo_s == pytest.approx(1 - b, abs=1e-11) and L_s == pytest.approx(1 - level(b), abs=1e-12)


def test_ironed_second_best_by_independent_quadrature():
    """Beta(0.5, 0.5) values, U[0, 1] costs: trade iff c <= t(v) = ironed phi_B^alpha(v) / (1 + alpha); the budget
    int f_B (phi_B t - t^2) and gains int f_B (v t - t^2/2) by scipy quad, the ironed interval by closed forms."""
    dist = stats.beta(0.5, 0.5)
    pdf = lambda y: 1 / (np.pi * np.sqrt(y * (1 - y)))  # noqa: E731 (the arcsine law)
    sf = lambda y: 1 - 2 / np.pi * np.arcsin(np.sqrt(y))  # noqa: E731

    def solve(a_):
        def level(b):
            F, M, G = _beta_partials(0.5, 0.5, b)
            return (M - a_ * (b - G)) / F
        b = optimize.brentq(lambda y: y - a_ * sf(y) / pdf(y) - level(y), 0.02, 0.6, xtol=1e-15)
        # t(v) = 0 on the ironed interval [0, b] (its level L < 0) and up to v0, where phi_B^alpha = 0
        assert level(b) < 0
        v0 = optimize.brentq(lambda y: y - a_ * sf(y) / pdf(y), b, 1 - 1e-15, xtol=1e-15)
        t = lambda y: min((y - a_ * sf(y) / pdf(y)) / (1 + a_), 1.0)  # noqa: E731
        kw = dict(epsabs=1e-14, epsrel=1e-12, limit=200)
        budget = quad(lambda y: (y * pdf(y) - sf(y)) * t(y) - pdf(y) * t(y) ** 2, v0, 1, **kw)[0]
        gains = quad(lambda y: pdf(y) * (y * t(y) - t(y) ** 2 / 2), v0, 1, **kw)[0]
        return budget, gains

    alpha = optimize.brentq(lambda a_: solve(a_)[0], 0.2, 0.5, xtol=1e-13)
    r = second_best(dist, stats.uniform())
    assert r.alpha == pytest.approx(alpha, abs=1e-8)
    assert r.gains == pytest.approx(solve(alpha)[1], rel=1e-7)
    assert r.first_best == pytest.approx(3 / 16, rel=1e-12)  # E[V^2]/2 for V ~ Beta(0.5, 0.5)


def test_ironing_reproduces_the_regular_answer():
    """On regular priors the convex hull is H itself: no interval is ironed at any alpha, and a problem forced to
    iron gives the unironed rule's budget and gains."""
    b22 = stats.beta(2, 2)
    plain = _Problem(b22, b22)
    forced = _Problem(b22, b22)
    forced.iron_b, forced.iron_s = _Ironing(forced.B, 0.0, 1.0, "buyer"), _Ironing(forced.S, 0.0, 1.0, "seller")
    for a_ in (0.2, 0.5, 1.0):
        assert forced.ironed(a_) == ((), ())
        x, y = plain.value(a_), forced.value(a_)
        assert x.gains == y.gains and x.budget == y.budget


@settings(max_examples=3, deadline=None)
@given(a=st.floats(0.3, 1.0), b=st.floats(0.3, 3.0), a2=st.floats(0.3, 3.0), b2=st.floats(0.3, 1.0))
def test_irregular_beta_shapes_invariants(a, b, a2, b2):
    """Any shapes (irregular ones included): the rule is monotone on a grid, the budget binds (or alpha = 0),
    the first best is int F_S (1 - F_B) (scipy quad), the best posted price does no better and a coarse LP
    over monotone rules (a lower bound) no better either."""
    buyer, seller = stats.beta(a, b), stats.beta(a2, b2)
    r = second_best(buyer, seller)
    v = np.linspace(0.002, 0.998, 120)
    q = r.trades(v[:, None], v[None, :])
    assert np.all(np.diff(q, axis=0) >= 0) and np.all(np.diff(q, axis=1) <= 0)
    assert abs(r.budget) < 1e-9 * r.first_best or r.alpha == 0
    first = quad(lambda x: seller.cdf(x) * buyer.sf(x), 0, 1, epsabs=1e-13, epsrel=1e-11, limit=200)[0]
    assert r.first_best == pytest.approx(first, rel=1e-8)
    assert posted_price(buyer, seller).gains <= r.gains * (1 + 1e-9)
    assert _lp_second_best((a, b), (a2, b2), 24)[0] <= r.gains * (1 + 1e-7)


class _PdfOnlyMixture(stats.rv_continuous):
    """1/2 Beta(2, 10) + 1/2 Beta(10, 2) written as a student would, with only ``_pdf`` (scipy's generic cdf would
    then run ``quad`` at every type); counts the density's calls and the points it is evaluated at."""

    calls, points = 0, 0

    def _pdf(self, x):
        type(self).calls += 1
        type(self).points += np.size(x)
        return 0.5 * x * (1 - x) ** 9 / special.beta(2, 10) + 0.5 * x ** 9 * (1 - x) / special.beta(10, 2)


class _ClosedMixture(_PdfOnlyMixture):
    """The same mixture with its cdf and sf in closed form (incomplete beta functions)."""

    def _cdf(self, x):
        return 0.5 * special.betainc(2, 10, x) + 0.5 * special.betainc(10, 2, x)

    def _sf(self, x):
        return 0.5 * special.betaincc(2, 10, x) + 0.5 * special.betaincc(10, 2, x)


class _PdfOnlyArcsine(stats.rv_continuous):
    """Beta(0.5, 0.5) by its density only (infinite at both ends)."""

    def _pdf(self, x):
        return 1 / (np.pi * np.sqrt(x * (1 - x)))


def test_pdf_only_prior_tabulated_cdf_against_closed_forms():
    """The tabulated cdf and sf of a density given only by _pdf against the incomplete beta function on 100,001
    types: to 2e-15 for the smooth mixture, 5e-9 for the arcsine density (its singular end panels)."""
    from lib.mechanism import _Fast

    x = np.linspace(0, 1, 100001)
    mix = _Fast(_PdfOnlyMixture(a=0, b=1, name="mix")(), 0.0, 1.0)
    F = 0.5 * special.betainc(2, 10, x) + 0.5 * special.betainc(10, 2, x)
    S = 0.5 * special.betaincc(2, 10, x) + 0.5 * special.betaincc(10, 2, x)
    assert np.max(np.abs(mix.cdf(x) - F)) < 2e-15 and np.max(np.abs(mix.sf(x) - S)) < 2e-15
    top = x > 0.999  # the sf is tabulated from above: relative accuracy where it is small
    assert np.max(np.abs(mix.sf(x[top][:-1]) / S[top][:-1] - 1)) < 1e-9
    arc = _Fast(_PdfOnlyArcsine(a=0, b=1, name="arcsine")(), 0.0, 1.0)
    assert np.max(np.abs(arc.cdf(x) - special.betainc(0.5, 0.5, x))) < 5e-9
    assert np.max(np.abs(arc.sf(x) - special.betaincc(0.5, 0.5, x))) < 5e-9


def test_pdf_only_prior_second_best_and_posted_price_with_bounded_work():
    """A pdf-only mixture (ironed as a buyer) gives the same second best and posted price as the same mixture with
    a closed-form cdf, and the work is bounded: scipy's quad-based cdf took minutes here; lib evaluates the density
    in fewer than 3,000 vectorised calls at fewer than 2 million points in all."""
    pdf_only, closed = _PdfOnlyMixture(a=0, b=1, name="mix")(), _ClosedMixture(a=0, b=1, name="mix_cdf")()
    _PdfOnlyMixture.calls = _PdfOnlyMixture.points = 0
    sb = second_best(pdf_only, stats.uniform())
    pp_b = posted_price(pdf_only, stats.uniform())
    pp_s = posted_price(stats.uniform(), pdf_only)
    regular = is_regular(pdf_only, "seller")
    calls, points = _PdfOnlyMixture.calls, _PdfOnlyMixture.points
    assert calls < 3000 and points < 2_000_000
    ref = second_best(closed, stats.uniform())
    assert sb.gains == pytest.approx(ref.gains, rel=1e-12) and sb.alpha == pytest.approx(ref.alpha, abs=1e-10)
    assert sb.first_best == pytest.approx(ref.first_best, rel=1e-13)
    (a, b, L), = sb.ironed[0]
    (ra, rb, rL), = ref.ironed[0]
    assert abs(a - ra) < 1e-10 and abs(b - rb) < 1e-10 and abs(L - rL) < 1e-12
    for pp, rp in ((pp_b, posted_price(closed, stats.uniform())), (pp_s, posted_price(stats.uniform(), closed))):
        assert pp.gains == pytest.approx(rp.gains, rel=1e-13) and pp.price == pytest.approx(rp.price, abs=1e-7)
    assert regular is False and is_regular(closed, "seller") is False
    v = np.linspace(0.01, 0.99, 99)
    assert np.allclose(virtual_cost(pdf_only)(v), virtual_cost(closed)(v), rtol=1e-12, atol=1e-13)


def test_pdf_only_arcsine_second_best_matches_scipy_beta():
    """The arcsine density written by hand against scipy's Beta(0.5, 0.5) (exact cdf): the same ironed second best
    (gains to 1e-8 relative, the accuracy of the tabulated cdf at the singular ends)."""
    sb = second_best(_PdfOnlyArcsine(a=0, b=1, name="arcsine")(), stats.uniform())
    ref = second_best(stats.beta(0.5, 0.5), stats.uniform())
    assert sb.gains == pytest.approx(ref.gains, rel=1e-8) and sb.alpha == pytest.approx(ref.alpha, abs=1e-7)


def test_pdf_only_prior_that_is_not_a_density():
    """A _pdf that integrates to 2 over the support: a ValueError naming the prior, not a wrong answer."""
    class Twice(stats.rv_continuous):
        def _pdf(self, x):
            return 2.0 + 0 * x

    for call in (lambda: second_best(Twice(a=0, b=1, name="twice")(), stats.uniform()),
                 lambda: posted_price(stats.uniform(), Twice(a=0, b=1, name="twice")())):
        with pytest.raises(ValueError, match=r"(buyer|seller)'s density must integrate to 1"):
            call()


def test_pdf_only_prior_on_a_shifted_and_scaled_support():
    """The tabulated cdf follows loc and scale: the pdf-only mixture stretched to [1, 3] against the closed-form one
    (posted price both ways, and the first best), and its cdf against the incomplete beta function."""
    from lib.mechanism import _Fast

    pdf_only = _PdfOnlyMixture(a=0, b=1, name="mix")(loc=1.0, scale=2.0)
    closed = _ClosedMixture(a=0, b=1, name="mix_cdf")(loc=1.0, scale=2.0)
    x = np.linspace(1.0, 3.0, 2001)
    u = (x - 1.0) / 2.0
    F = 0.5 * special.betainc(2, 10, u) + 0.5 * special.betainc(10, 2, u)
    assert np.max(np.abs(_Fast(pdf_only, 1.0, 3.0).cdf(x) - F)) < 2e-15
    for buyer, seller, rb, rs in ((pdf_only, stats.uniform(1, 2), closed, stats.uniform(1, 2)),
                                  (stats.uniform(1.5, 2), pdf_only, stats.uniform(1.5, 2), closed)):
        pp, ref = posted_price(buyer, seller), posted_price(rb, rs)
        assert pp.gains == pytest.approx(ref.gains, rel=1e-13) and pp.first_best == pytest.approx(ref.first_best, rel=1e-13)


def _beta_mixture(components, closed: bool):
    """sum w Beta(a, b) on [0, 1]: density only, or with cdf and sf in closed form (incomplete beta functions)."""
    class _Mix(stats.rv_continuous):
        def _pdf(self, x):
            return sum(w * x ** (a - 1) * (1 - x) ** (b - 1) / special.beta(a, b) for w, a, b in components)

    class _ClosedMix(_Mix):
        def _cdf(self, x):
            return sum(w * special.betainc(a, b, x) for w, a, b in components)

        def _sf(self, x):
            return sum(w * special.betaincc(a, b, x) for w, a, b in components)

    return (_ClosedMix if closed else _Mix)(a=0.0, b=1.0, name="beta_mixture")()


@pytest.mark.parametrize("closed", [True, False], ids=["closed-form cdf", "pdf only"])
def test_no_spurious_ironing_where_the_cdf_rounds_to_one(closed):
    """Seller 0.95 Beta(1, 3) + 0.05 Beta(300, 100) against U[0, 1] values. Above c ~ 0.99999 its cdf is 1 - 1e-15
    and rounds to 1, while the virtual cost c + alpha F/f grows like 1/(1 - c)^2: it is increasing there (a dense
    scan of 399 costs on [0.78, 1 - 1e-12] in 40-digit mpmath, below), so the only ironed interval is the one the
    Beta(300, 100) bump makes, whose ends satisfy phi^alpha(a) = phi^alpha(b) = level (mpmath again). With the
    closed-form cdf, differences of F near 1 (a few units in the last place) once made a spurious interval
    [0.999994, 0.9999975] at level 3.8e9 and hundreds of 0/0 warnings; the pdf-only prior (tabulated cdf) must give
    the same answer."""
    import mpmath as mp
    import warnings

    comps = ((0.95, 1, 3), (0.05, 300, 100))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = second_best(stats.uniform(0, 1), _beta_mixture(comps, closed))
    mp.mp.dps = 40

    def phi(c):
        c = mp.mpf(float(c))
        F = sum(w * mp.betainc(a, b, 0, c, regularized=True) for w, a, b in comps)
        f = sum(w * c ** (a - 1) * (1 - c) ** (b - 1) / mp.beta(a, b) for w, a, b in comps)
        return c + mp.mpf(r.alpha) * F / f

    c = np.concatenate([np.linspace(0.78, 0.99, 200), 1 - np.geomspace(1e-2, 1e-12, 200)[1:]])
    y = [phi(ci) for ci in c]
    assert all(y1 > y0 for y0, y1 in zip(y[:-1], y[1:]))  # no ironing above 0.78
    assert r.ironed[0] == ()
    (a, b, level), = r.ironed[1]
    assert 0.55 < a < 0.7 < b < 0.78
    assert abs(float(phi(a)) - level) < 1e-9 and abs(float(phi(b)) - level) < 1e-9


@pytest.mark.parametrize("side", ["buyer", "seller"])
def test_far_apart_mixture_given_by_its_density_only(side):
    """1/2 Beta(40, 200) + 1/2 Beta(200, 40) by its density only: the tabulated cdf is accurate to 1e-15 in absolute
    terms but not relative to F ~ 1e-100 in the far tails (there it is even non-monotone), where the virtual value is
    about -1e99 (buyer) or 1e99 (seller). The hull leaves those unresolved quantiles out, so the ironed intervals
    are those of the same mixture with a closed-form cdf (one interval between the modes, its ends satisfying
    phi^alpha(a) = phi^alpha(b) = level by the closed forms), with no warning; before, 15 spurious intervals at
    levels up to 1e99 and hundreds of 0/0 warnings."""
    import warnings

    comps = ((0.5, 40, 200), (0.5, 200, 40))
    pdf_only, closed = _beta_mixture(comps, False), _beta_mixture(comps, True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = second_best(pdf_only, stats.uniform()) if side == "buyer" else second_best(stats.uniform(), pdf_only)
    s = 0 if side == "buyer" else 1
    (a, b, level), = r.ironed[s]
    assert r.ironed[1 - s] == ()
    alpha = r.alpha
    phi = ((lambda x: x - alpha * closed.sf(x) / closed.pdf(x)) if side == "buyer"
           else (lambda x: x + alpha * closed.cdf(x) / closed.pdf(x)))
    assert 0.1 < a < 0.3 and 0.7 < b < 0.9
    assert abs(phi(a) - level) < 1e-9 and abs(phi(b) - level) < 1e-9


# Near-atoms next to an end: a component such as Beta(4e8, 1.5), whose mass lies within 1e-7 of the top. A buyer's
# near-atom next to the top is the mirror image (x -> 1 - x) of a seller's next to the bottom: buyer values V with
# law sum w Beta(a, b) <-> seller costs 1 - V with law sum w Beta(b, a), whose ironed interval [1 - b, 1 - a] has
# level 1 - L. The buyer side once reported (0.483, 0.915) for the first case below (the mirror: (0.4725,
# 0.99999994)), phi_B^alpha(0.915) - L about -1e13: the whole near-atom sat in the hull grid's last cell.
NEAR_ATOMS = [("buyer", ((0.3, 4e8, 1.5), (0.7, 30, 30))),  # next to the top for the buyer
              ("seller", ((0.2, 2.5, 7e9), (0.8, 6, 9))),  # next to the bottom for the seller
              ("seller", ((0.25, 3e8, 2.0), (0.75, 9, 14)))]  # next to the top for the seller
_OTHER = {"buyer": "seller", "seller": "buyer"}


def _mirror(components):
    return tuple((w, b, a) for w, a, b in components)


def _hull_grid_types():
    """Types for the independent hull: 20,001 equally spaced and 3,000 geometric ones within 1e-3 of each end (down
    to 1e-13 from it)."""
    t = np.geomspace(1e-13, 1e-3, 3000)
    return np.unique(np.concatenate([[0.0, 1.0], t, 1 - t, np.linspace(0, 1, 20001)]))


def _hull_ironing(components, alpha, side, x):
    """The ironed intervals of phi^alpha for sum w Beta(a, b) by the convex hull of H(u) = int_0^u phi^alpha dF on the
    cells of the types x, written here: each component's cell mass and int_cell x dF from its own accurate tail (the
    incomplete beta function below its mean, the complementary one above, with E[(1 - X) 1{X > x}] = b/(a + b)
    I^c_x(a, b + 1) so that nothing cancels next to 1), int_cell (1 - F) or int_cell F by parts, and the hull's
    slopes by pool-adjacent-violators coded below. Returns (first type, last type, level) of each pooled block
    that H rises above the chord of by more than 1e-12."""
    x0, x1 = x[:-1], x[1:]
    du, dH = np.zeros(x0.size), np.zeros(x0.size)
    for w, a, b in components:
        up = x0 >= a / (a + b)
        S0, S1 = special.betaincc(a, b, x0), special.betaincc(a, b, x1)
        D0, D1 = (b / (a + b) * special.betaincc(a, b + 1, y) for y in (x0, x1))  # E[(1 - X) 1{X > y}]
        F0, F1 = special.betainc(a, b, x0), special.betainc(a, b, x1)
        M0, M1 = (a / (a + b) * special.betainc(a + 1, b, y) for y in (x0, x1))  # E[X 1{X <= y}]
        mass = np.where(up, S0 - S1, F1 - F0)
        first = np.where(up, (S0 - D0) - (S1 - D1), M1 - M0)  # int_cell x dF
        int_S = np.where(up, ((1 - x0) * S0 - D0) - ((1 - x1) * S1 - D1), (x1 - x0) - ((x1 * F1 - M1) - (x0 * F0 - M0)))
        du += w * mass
        dH += w * (first - alpha * int_S if side == "buyer" else first + alpha * ((x1 - x0) - int_S))
    keep = du > 0
    du, dH, lo, hi = du[keep], dH[keep], x0[keep], x1[keep]
    blocks = []  # [start, end, sum dH, sum du]
    for i in range(du.size):
        blocks.append([i, i + 1, dH[i], du[i]])
        while len(blocks) > 1 and blocks[-2][2] * blocks[-1][3] >= blocks[-1][2] * blocks[-2][3]:
            s, e, h, m = blocks.pop()
            blocks[-1][1], blocks[-1][2], blocks[-1][3] = e, blocks[-1][2] + h, blocks[-1][3] + m
    out = []
    for s, e, h, m in blocks:
        if e - s >= 2 and np.max(np.cumsum(dH[s:e] - h / m * du[s:e])) > 1e-12:
            out.append((lo[s], hi[e - 1], h / m))
    return out


def _near_on_grid(value, grid_value, x, cells=2):
    """value lies within `cells` cells of the types x from grid_value (an end of the hull's pooled block)."""
    i = int(np.searchsorted(x, grid_value))
    return x[max(i - cells, 0)] <= value <= x[min(i + cells, x.size - 1)]


@pytest.mark.parametrize("side, components", NEAR_ATOMS, ids=["buyer top", "seller bottom", "seller top"])
def test_near_atom_ironing_against_mirror_and_hull(side, components):
    """lib's ironed interval of a mixture with a near-atom next to an end against (i) the mirror-image problem solved
    by lib (ends to 1e-12, level to 1e-12), (ii) the convex hull of H computed here on 26,001 types (ends within two
    of its cells, level to 1e-8), and (iii) the defining equations phi^alpha(a) = phi^alpha(b) = L at the ends
    inside the support, by scipy's pdf and sf of the closed-form mixture (1e-6: inside a near-atom phi^alpha rises by
    about 1 per 2.5e-9 for Beta(4e8, 1.5), per 1.4e-10 for Beta(2.5, 7e9), and an end is located to 1e-15, the
    resolution of types next to 1 too; measured 8e-8 and 3e-7)."""
    from lib.mechanism import _Fast

    prior, mirror = _beta_mixture(components, True), _beta_mixture(_mirror(components), True)
    x = _hull_grid_types()
    for alpha in (0.3, 1.0):
        (a, b, L), = _Ironing(_Fast(prior, 0.0, 1.0, side), 0.0, 1.0, side).intervals(alpha)
        (ma, mb, mL), = _Ironing(_Fast(mirror, 0.0, 1.0, _OTHER[side]), 0.0, 1.0, _OTHER[side]).intervals(alpha)
        assert abs(a - (1 - mb)) < 1e-12 and abs(b - (1 - ma)) < 1e-12 and abs(L - (1 - mL)) < 1e-12
        (ha, hb, hL), = _hull_ironing(components, alpha, side, x)
        assert _near_on_grid(a, ha, x) and _near_on_grid(b, hb, x) and abs(L - hL) < 1e-8
        for end in (a, b):
            if 0 < end < 1:
                phi = (end - alpha * prior.sf(end) / prior.pdf(end) if side == "buyer"
                       else end + alpha * prior.cdf(end) / prior.pdf(end))
                assert abs(phi - L) < 1e-6


def test_near_atom_ironing_with_the_density_only():
    """The first near-atom mixture given by its density only (tabulated cdf): the same interval as with the closed-form
    cdf to 1e-10, on both sides of the mirror."""
    side, components = NEAR_ATOMS[0]
    from lib.mechanism import _Fast

    for s, comps in ((side, components), (_OTHER[side], _mirror(components))):
        closed, pdf_only = _beta_mixture(comps, True), _beta_mixture(comps, False)
        (a, b, L), = _Ironing(_Fast(closed, 0.0, 1.0, s), 0.0, 1.0, s).intervals(0.3)
        (pa, pb, pL), = _Ironing(_Fast(pdf_only, 0.0, 1.0, s), 0.0, 1.0, s).intervals(0.3)
        assert abs(a - pa) < 1e-10 and abs(b - pb) < 1e-10 and abs(L - pL) < 1e-10


def _mixture_partials(components):
    def partials(x):
        F = sum(w * special.betainc(a, b, x) for w, a, b in components)
        M = sum(w * a / (a + b) * special.betainc(a + 1, b, x) for w, a, b in components)
        return F, M, x * F - M
    return partials


@pytest.mark.parametrize("side, components", NEAR_ATOMS, ids=["buyer top", "seller bottom", "seller top"])
def test_near_atom_second_best_against_mirror_and_linear_programme(side, components):
    """The second best with the near-atom prior on one side and U[0, 1] on the other against (i) the mirror-image
    problem (buyer 1 - seller, seller 1 - buyer: the same gains and multiplier), to 1e-7 relative, the resolution of
    a near-atom next to 1 (types there are 1.1e-16 apart, 8e-7 of the width of the Beta(7e9, 2.5) one: measured
    4e-8; 2e-9 for Beta(4e8, 1.5)); (ii) the linear programme over monotone cell-constant rules (a lower bound, its
    gap at n = 80 at most 0.6 of its gap at n = 40, and below 3e-3 relative); and (iii) a rule that is monotone on
    types inside the near-atom (the ironed scores non-decreasing)."""
    U = ((1.0, 1.0, 1.0),)
    bc, sc = (components, U) if side == "buyer" else (U, components)
    r = second_best(_beta_mixture(bc, True), _beta_mixture(sc, True))
    m = second_best(_beta_mixture(_mirror(sc), True), _beta_mixture(_mirror(bc), True))
    assert r.gains == pytest.approx(m.gains, rel=1e-7) and abs(r.alpha - m.alpha) < 1e-7
    assert abs(r.budget) < 1e-12 and r.ironed[0 if side == "buyer" else 1] != ()
    lp40 = lp_second_best(_mixture_partials(bc), _mixture_partials(sc), 40)[0]
    lp80 = lp_second_best(_mixture_partials(bc), _mixture_partials(sc), 80)[0]
    assert lp40 < lp80 <= r.gains * (1 + 1e-9)
    assert r.gains - lp80 < 0.6 * (r.gains - lp40) and r.gains - lp80 < 3e-3 * r.gains
    t = np.concatenate([np.geomspace(1e-11, 1e-3, 400), np.linspace(1e-3, 1 - 1e-3, 400),
                        1 - np.geomspace(1e-3, 1e-11, 400)])
    sb, ss = r.ironed_scores(t, t)
    assert np.all(np.diff(sb) >= 0) and np.all(np.diff(ss) >= 0)


def test_seller_near_atom_at_the_top_is_irregular():
    """0.25 Beta(3e8, 2) + 0.75 Beta(9, 14) as a seller: phi_S falls from about 1e70 to about 1 within 1e-7 of the top
    (scipy's closed forms on a scan of 200 costs there), between two of the 2001 equally spaced types that once were
    the only ones checked, so it was taken as regular and not ironed."""
    _, components = NEAR_ATOMS[2]
    prior = _beta_mixture(components, True)
    c = 1 - np.geomspace(1e-6, 1e-10, 200)
    phi = c + prior.cdf(c) / prior.pdf(c)
    assert phi[0] > 1e10 and phi[-1] < 2 and np.any(np.diff(phi) < 0)
    assert is_regular(prior, "seller") is False
    assert is_regular(_beta_mixture(_mirror(components), True), "buyer") is False


@pytest.mark.parametrize("side, components, where", [
    ("buyer", ((0.3, 3e10, 1.5), (0.7, 30, 30)), r"\[0\.99999"),  # within 1e-10 of the top: 65536 steps of 1.1e-16
    ("seller", ((0.3, 1.5, 1e13), (0.7, 30, 30)), r"\[0, "),  # within 1e-12 of the bottom
    ("seller", "0.4 N(1/2, 1e-14) + 0.6 Beta(2, 2)", r"\[0\.4999")])  # within 1e-13 of 1/2
def test_near_atom_too_narrow_for_double_precision(side, components, where):
    """A near-atom narrower than the hull's grid can resolve (1e-12 of the support, or 65536 floating-point steps)
    raises a ValueError naming the side and the interval, with no warning (not a fake interval)."""
    import warnings
    from scipy.special import ndtr

    class _SpikeMix(stats.rv_continuous):
        def _pdf(self, x):
            return 0.4 * stats.norm.pdf(x, 0.5, 1e-14) + 0.6 * 6 * x * (1 - x)

        def _cdf(self, x):
            return 0.4 * ndtr((x - 0.5) / 1e-14) + 0.6 * x * x * (3 - 2 * x)

        def _sf(self, x):
            return 0.4 * ndtr((0.5 - x) / 1e-14) + 0.6 * (1 - x) ** 2 * (1 + 2 * x)

    prior = (_SpikeMix(a=0.0, b=1.0, name="spike")() if isinstance(components, str)
             else _beta_mixture(components, True))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=rf"{side}'s distribution puts .* on {where}.*near-atom"):
            second_best(prior, stats.uniform()) if side == "buyer" else second_best(stats.uniform(), prior)
