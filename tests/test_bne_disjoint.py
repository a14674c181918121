"""lib.bne for supports that do not overlap (v_lo >= c_hi, touching included): the one-price equilibria
b(v) = s(c) = p, p in [c_hi, v_lo], certified by lib's best-response check and by a brute-force check written here
(expected utilities by Gauss-Legendre over the other side's prior, deviations on a grid); welfare against scipy's
quadrature of the first-best gains; the selection p = (1 - k) v_lo + k c_hi and, at k = 0 and 1, the equilibrium in
undominated strategies; bad input."""
from dataclasses import replace

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, stats

from lib.bne import one_price_member, solve_double_auction
from lib.double_auction import best_response_gap, outcomes
from lib.validation import InputTypeError

KS = [0.0, 0.25, 0.5, 0.75, 1.0]
# (name, buyer, seller): every value at least every cost; the last two touch (v_lo = c_hi = 1)
PRIORS = {
    "U[2,3]/U[0,1]": (stats.uniform(2, 1), stats.uniform(0, 1)),
    "Beta(2,3)[2,3]/TN[0,1]": (stats.beta(2, 3, loc=2), stats.truncnorm(-1, 1, loc=0.5, scale=0.5)),
    "Beta(1,3)[2,3]/Beta(3,1)[0,1]": (stats.beta(1, 3, loc=2), stats.beta(3, 1)),
    "U[1,2]/U[0,1] touching": (stats.uniform(1, 1), stats.uniform(0, 1)),
    "Beta(1.5,2)[1,2.5]/TN[0,1] touching": (stats.beta(1.5, 2, loc=1, scale=1.5),
                                           stats.truncnorm(-2, 0.5, loc=0.8, scale=0.4)),
}


_GL = np.polynomial.legendre.leggauss(48)


def _edge(dist, strategy, offers, buyer_side):
    """The quantile u* bounding the other side's trading types for each offer, by bisection in u (55 halvings):
    against a seller's ask strategy, sellers u <= u* trade with a bid x (s(F^-1(u)) <= x); against a buyer's bid
    strategy, buyers u >= u* trade with an ask y (b(F^-1(u)) >= y)."""
    ok = (lambda u: strategy(dist.ppf(u)) <= offers) if buyer_side else (lambda u: strategy(dist.ppf(u)) < offers)
    a, b = np.zeros_like(offers), np.ones_like(offers)
    for _ in range(55):
        m = 0.5 * (a + b)
        good = ok(m)
        a, b = np.where(good, m, a), np.where(good, b, m)
    return np.where(ok(np.ones_like(offers)), 1.0, np.where(~ok(np.zeros_like(offers)), 0.0, a))


def _expect(dist, f, lo, hi):
    """int_lo^hi f(F^-1(u)) du for arrays lo, hi (one per offer): Gauss-Legendre in the quantile u, mapped by
    scipy's ppf, so that the trading set's edge is a limit of integration (no indicator inside the rule)."""
    x, w = _GL
    u = 0.5 * (hi - lo)[:, None] * (x + 1) + lo[:, None]
    return np.sum(0.5 * (hi - lo)[:, None] * w * f(dist.ppf(u)), axis=1)


def brute_gap(bid, ask, buyer, seller, k, n_types=11, n_dev=1201):
    """Largest gain from a deviation (or from not trading), over n_types types of each side and a grid of offers
    spanning both supports plus each type's own offer and offers 1e-6 either side of it: U_b(x; v) =
    E_c[(v - k x - (1 - k) s(c)) 1{s(c) <= x}], U_s(y; c) = E_v[(k b(v) + (1 - k) y - c) 1{b(v) >= y}]."""
    (v_lo, v_hi), (c_lo, c_hi) = buyer.support(), seller.support()
    grid = np.linspace(min(v_lo, c_lo) - 0.1, max(v_hi, c_hi) + 0.1, n_dev)
    worst = 0.0
    for v in np.linspace(v_lo, v_hi, n_types):
        own = float(bid(np.array([v]))[0])
        x = np.concatenate([grid, own + np.array([-1e-6, 1e-6]), [own]])
        top = _edge(seller, ask, x, True)
        u = _expect(seller, lambda c: v - k * x[:, None] - (1 - k) * ask(c), np.zeros_like(x), top)
        worst = max(worst, max(u.max(), 0.0) - u[-1])
    for c in np.linspace(c_lo, c_hi, n_types):
        own = float(ask(np.array([c]))[0])
        y = np.concatenate([grid, own + np.array([-1e-6, 1e-6]), [own]])
        bottom = _edge(buyer, bid, y, False)
        u = _expect(buyer, lambda v: k * bid(v) + (1 - k) * y[:, None] - c, bottom, np.ones_like(y))
        worst = max(worst, max(u.max(), 0.0) - u[-1])
    return worst


def _mean(dist):
    lo, hi = (float(x) for x in dist.support())
    return integrate.quad(lambda x: x * dist.pdf(x), lo, hi, epsabs=1e-13, epsrel=1e-13, limit=200)[0]


def _is_one_price(r):
    return r.price_range[0] == r.price_range[1]


@pytest.mark.parametrize("name", list(PRIORS))
@pytest.mark.parametrize("k", [0.25, 0.5, 0.75])
def test_interior_k_returns_the_one_price_member_certified_twice(name, k):
    buyer, seller = PRIORS[name]
    (v_lo, _), (_, c_hi) = buyer.support(), seller.support()
    r = solve_double_auction(buyer, seller, k)
    p = r.price_range[0]
    assert _is_one_price(r) and "one price" in r.member
    assert p == pytest.approx((1 - k) * v_lo + k * c_hi, abs=1e-15) and c_hi <= p <= v_lo
    v, c = buyer.ppf(np.linspace(0, 1, 101)), seller.ppf(np.linspace(0, 1, 101))
    assert np.all(r.bid(v) == p) and np.all(r.ask(c) == p)
    assert r.best_response_gap(n_types=9).max_gap <= 1e-12
    assert brute_gap(r.bid, r.ask, buyer, seller, k) <= 1e-12


@pytest.mark.parametrize("name", list(PRIORS))
@pytest.mark.parametrize("k", KS)
def test_one_price_welfare_is_the_first_best_by_quadrature(name, k):
    # every value is at least every cost, so the first best E[(v - c)^+] = E[v] - E[c]; at the one price p the buyer
    # expects E[v] - p and the seller p - E[c] (means by scipy's quad of x f(x), not lib's quadrature)
    buyer, seller = PRIORS[name]
    (v_lo, _), (_, c_hi) = buyer.support(), seller.support()
    ev, ec = _mean(buyer), _mean(seller)
    for p in sorted({c_hi, 0.5 * (c_hi + v_lo), v_lo}):
        r = one_price_member(buyer, seller, k, price=p)
        o = r.outcomes()
        assert o.trade_probability == pytest.approx(1, abs=1e-12)
        assert o.gains == pytest.approx(ev - ec, abs=1e-10) and o.first_best == pytest.approx(ev - ec, abs=1e-10)
        assert o.efficiency == pytest.approx(1, abs=1e-12)
        assert o.buyer_surplus == pytest.approx(ev - p, abs=1e-10)
        assert o.seller_surplus == pytest.approx(p - ec, abs=1e-10)
        assert r.best_response_gap(n_types=5).max_gap <= 1e-12
        assert brute_gap(r.bid, r.ask, buyer, seller, k, n_types=5, n_dev=301) <= 1e-12


def _phi_condition(buyer, seller, k):
    """k = 0: phi_B(v) = v - (1 - F_B(v))/f_B(v) >= c_hi on the buyer's support (every seller's monopoly ask is v_lo);
    k = 1: phi_S(c) = c + F_S(c)/f_S(c) <= v_lo on the seller's. Checked on a grid with scipy's sf, cdf and pdf."""
    (v_lo, v_hi), (c_lo, c_hi) = buyer.support(), seller.support()
    if k == 0:
        v = np.linspace(v_lo, v_hi, 2001)[1:-1]
        return bool(np.all(v - buyer.sf(v) / buyer.pdf(v) >= c_hi - 1e-12))
    c = np.linspace(c_lo, c_hi, 2001)[1:-1]
    return bool(np.all(c + seller.cdf(c) / seller.pdf(c) <= v_lo + 1e-12))


@pytest.mark.parametrize("name", list(PRIORS))
@pytest.mark.parametrize("k", [0.0, 1.0])
def test_k_0_and_1_give_the_undominated_equilibrium(name, k):
    # at k = 0 the price is the ask: the buyer's bid above p does not change it, so b = p ties with truthful bidding,
    # which is weakly dominant; the solver returns the truthful buyer and the sellers' best reply, which is the one
    # price v_lo exactly when phi_B >= c_hi on the support (else monopoly asks above v_lo, efficiency below 1);
    # k = 1 mirrors it (truthful seller, one price c_hi when phi_S <= v_lo)
    buyer, seller = PRIORS[name]
    (v_lo, _), (_, c_hi) = buyer.support(), seller.support()
    r = solve_double_auction(buyer, seller, k)
    assert r.best_response_gap(n_types=9).relative_gap <= 1e-8
    v, c = buyer.ppf(np.linspace(0, 1, 41)), seller.ppf(np.linspace(0, 1, 41))
    truthful_side = (r.bid(v) == v) if k == 0 else (r.ask(c) == c)
    assert np.all(truthful_side)
    flat = one_price_member(buyer, seller, k)  # b = s = p at the rule's price: v_lo at k = 0, c_hi at k = 1
    assert flat.price_range[0] == (v_lo if k == 0 else c_hi)
    assert flat.best_response_gap(n_types=9).max_gap <= 1e-12
    assert brute_gap(flat.bid, flat.ask, buyer, seller, k) <= 1e-12
    if _phi_condition(buyer, seller, k):
        assert _is_one_price(r) and r.price_range[0] == flat.price_range[0] and "undominated" in r.selection
        assert brute_gap(r.bid, r.ask, buyer, seller, k) <= 1e-12
        assert r.outcomes().efficiency == pytest.approx(1, abs=1e-12)
        # the same trades and prices as the flat member: every pair trades at v_lo (k = 0) or c_hi (k = 1)
        o, f = r.outcomes(), flat.outcomes()
        assert (o.buyer_surplus, o.seller_surplus) == pytest.approx((f.buyer_surplus, f.seller_surplus), abs=1e-12)
    else:  # monopoly (k = 0) or monopsony (k = 1) offers: some pairs with v >= c do not trade
        assert not _is_one_price(r) and ("monopoly" in r.member or "monopsony" in r.member)
        assert r.outcomes().efficiency < 1 - 1e-3


def test_the_phi_conditions_are_met_and_failed_among_the_priors():
    # the branch above is exercised both ways: the exact ties phi_B(v_lo) = 2 * 2 - 3 = 1 = c_hi (U[2,3] values) and
    # phi_S(c_hi) = 2 * 1 = 2 = v_lo (U[0,1] costs) count as one price
    met = {(name, k): _phi_condition(*PRIORS[name], k) for name in PRIORS for k in (0, 1)}
    assert met[("U[2,3]/U[0,1]", 0)] and met[("U[2,3]/U[0,1]", 1)]
    assert not met[("Beta(2,3)[2,3]/TN[0,1]", 0)] and not met[("U[1,2]/U[0,1] touching", 0)]
    assert met[("Beta(1,3)[2,3]/Beta(3,1)[0,1]", 0)]


def test_both_checks_fail_for_a_price_outside_c_hi_v_lo():
    # the certificates can fail: the same strategies at a price above v_lo (buyers below it trade at a loss) or
    # below c_hi (sellers above it do) are not an equilibrium, by lib's check and by the brute force
    buyer, seller = PRIORS["U[2,3]/U[0,1]"]
    r = solve_double_auction(buyer, seller, 0.5)
    for p in (2.25, 0.75):
        bad = replace(r, price_range=(p, p))
        assert np.all(bad.bid(np.linspace(2, 3, 5)) == p)
        assert bad.best_response_gap(n_types=9).max_gap > 1e-2
        assert brute_gap(bad.bid, bad.ask, buyer, seller, 0.5) > 1e-2


@pytest.mark.parametrize("k", [0.25, 0.5, 0.75])
def test_selection_is_unchanged_by_the_mirror(k):
    # buyer' = law of -c, seller' = law of -v, k' = 1 - k: the price of the member returned is -p
    buyer, seller = PRIORS["Beta(2,3)[2,3]/TN[0,1]"]
    mb, ms = stats.truncnorm(-1, 1, loc=-0.5, scale=0.5), stats.beta(3, 2, loc=-3)
    x = np.linspace(0.01, 0.99, 7)
    assert np.allclose(mb.cdf(-seller.ppf(x)), 1 - x) and np.allclose(ms.cdf(-buyer.ppf(x)), 1 - x)
    p, q = solve_double_auction(buyer, seller, k).price_range[0], solve_double_auction(mb, ms, 1 - k).price_range[0]
    assert p == pytest.approx(-q, abs=1e-15)


def test_k_near_0_and_1_is_allowed_without_overlap():
    # no equations are solved, so k need not keep away from 0 and 1 (overlapping supports refuse k = 1e-6)
    buyer, seller = PRIORS["Beta(2,3)[2,3]/TN[0,1]"]
    for k in (1e-6, 1 - 1e-6):
        r = solve_double_auction(buyer, seller, k)
        assert r.price_range[0] == pytest.approx(2 - k, abs=1e-15)
        assert brute_gap(r.bid, r.ask, buyer, seller, k, n_types=5) <= 1e-12
    with pytest.raises(ValueError, match=r"k must be 0, 1 or in \[0.01, 0.99\] when the supports overlap"):
        solve_double_auction(stats.uniform(0, 1), stats.uniform(0, 1), 1e-6)


def test_touching_uniform_supports_also_have_the_linear_equilibrium():
    # U[1, 2] values, U[0, 1] costs (touching) at k = 1/2: the linear strategies with both ends flat,
    # b = clip((v + 1/4)/(3/2), 5/6, 7/6) and s = clip(c/(3/2) + 1/2, 5/6, 7/6), are an equilibrium too (the module
    # docstring's limit of shifted uniforms), with efficiency 23/24 (sympy, exact) against the one price's 1
    buyer, seller, k = stats.uniform(1, 1), stats.uniform(0, 1), 0.5
    lo, hi = sp.Rational(5, 6), sp.Rational(7, 6)
    bid = lambda v: np.clip((np.asarray(v, dtype=float) + 0.25) / 1.5, float(lo), float(hi))  # noqa: E731
    ask = lambda c: np.clip(np.asarray(c, dtype=float) / 1.5 + 0.5, float(lo), float(hi))  # noqa: E731
    assert best_response_gap(bid, ask, buyer, seller, k, n_types=9).max_gap <= 1e-12
    v, c = sp.symbols("v c")
    # trade iff b(v) >= s(c): every v trades with c <= 1/2 (asking 5/6); above, v >= c + 1/2 for c in (1/2, 1]
    # until b(v) = 7/6 at v = 3/2, and v >= 3/2 trades with everyone
    gains = (sp.integrate(sp.integrate(v - c, (v, 1, 2)), (c, 0, sp.Rational(1, 2)))
             + sp.integrate(sp.integrate(v - c, (v, c + sp.Rational(1, 2), 2)), (c, sp.Rational(1, 2), 1)))
    first = sp.integrate(sp.integrate(v - c, (v, 1, 2)), (c, 0, 1))
    assert sp.nsimplify(gains / first) == sp.Rational(23, 24)
    assert outcomes(bid, ask, buyer, seller, k).efficiency == pytest.approx(23 / 24, abs=1e-10)
    assert solve_double_auction(buyer, seller, k).outcomes().efficiency == pytest.approx(1, abs=1e-12)


def test_linear_equilibrium_of_shifted_uniforms_shrinks_to_one_price_where_the_docstring_says():
    # p_lo(a) = p_hi(a) for the trading range of the linear strategies of U[a, a + 1] / U[0, 1] (sympy's solve of
    # the two end prices) at a = 2/(2 - k) + (1 - k)/(1 + k), as the module docstring states
    a, k = sp.symbols("a k", positive=True)
    p_lo = (a + k * (1 - k) * (a + 1) / 2) / (1 + k)
    p_hi = 1 / (2 - k) + (1 - k) * (a + 1) / 2
    (root,) = sp.solve(sp.Eq(p_lo, p_hi), a)
    assert sp.simplify(root - (2 / (2 - k) + (1 - k) / (1 + k))) == 0
    assert root.subs(k, sp.Rational(1, 2)) == sp.Rational(5, 3)
    # and the solver's linear member just inside the overlap has that trading range (a = 0.9, k = 1/2)
    r = solve_double_auction(stats.uniform(0.9, 1), stats.uniform(0, 1), 0.5)
    assert r.price_range == pytest.approx((float(p_lo.subs({a: 0.9, k: 0.5})), float(p_hi.subs({a: 0.9, k: 0.5}))),
                                          abs=1e-9)


def test_bad_inputs_are_named():
    buyer, seller = PRIORS["U[2,3]/U[0,1]"]
    with pytest.raises(ValueError, match=r"no gains from trade: the buyer's support \[0.0, 1.0\] lies wholly below "
                                         r"the seller's \[2.0, 3.0\]"):
        solve_double_auction(stats.uniform(0, 1), stats.uniform(2, 1), 0.5)
    with pytest.raises(ValueError, match="no gains from trade"):
        one_price_member(stats.uniform(0, 1), stats.uniform(1, 1), 0.5)  # touching the wrong way round
    for bad in (0.999, 2.001, 5.0):
        with pytest.raises(ValueError, match=r"price must be in \[1, 2\]; got .* \(one-price equilibria have p in "
                                             r"\[c_hi, v_lo\]"):
            one_price_member(buyer, seller, 0.5, price=bad)
    with pytest.raises(ValueError, match=r"price must be a finite real number in \[1, 2\]; got nan"):
        one_price_member(buyer, seller, 0.5, price=float("nan"))
    with pytest.raises(InputTypeError, match="price"):
        one_price_member(buyer, seller, 0.5, price="1.5")
    with pytest.raises(ValueError, match=r"needs supports that do not overlap \(v_lo >= c_hi\)"):
        one_price_member(stats.uniform(0.5, 1), seller, 0.5)
    for k in (-0.1, 1.1):
        with pytest.raises(ValueError, match=r"k must be in \[0, 1\]"):
            solve_double_auction(buyer, seller, k)
        with pytest.raises(ValueError, match=r"k must be in \[0, 1\]"):
            one_price_member(buyer, seller, k)
    # touching supports: the family is the single price v_lo = c_hi
    touching = PRIORS["U[1,2]/U[0,1] touching"]
    assert one_price_member(*touching, 0.3, price=1).price_range == (1.0, 1.0)
    with pytest.raises(ValueError, match="price"):
        one_price_member(*touching, 0.3, price=1 + 1e-9)


def test_k_0_without_an_increasing_virtual_value_falls_back_to_one_price():
    # values with a hole in their density (10 : 0.1 : 10 on [2, 2.4], [2.4, 2.6], [2.6, 3]): phi_B is not increasing,
    # so the sellers' monopoly asks against truthful bids need ironing (not implemented); the supports do not overlap,
    # so the one price v_lo (the rule at k = 0, both sides naming it) is returned, certified both ways
    buyer = stats.rv_histogram((np.array([10.0, 0.1, 10.0]), np.array([2.0, 2.4, 2.6, 3.0])), density=False)()
    seller = stats.uniform(0, 1)
    assert not np.all(np.diff(np.r_[2.3, 2.39, 2.41] - buyer.sf(np.r_[2.3, 2.39, 2.41])
                              / buyer.pdf(np.r_[2.3, 2.39, 2.41])) > 0)  # falls into the hole: not increasing
    r = solve_double_auction(buyer, seller, 0.0)
    assert r.price_range == (2.0, 2.0) and "not computed" in r.selection
    assert r.best_response_gap(n_types=9).max_gap <= 1e-12
    assert brute_gap(r.bid, r.ask, buyer, seller, 0.0) <= 1e-12
    assert r.outcomes().efficiency == pytest.approx(1, abs=1e-12)
