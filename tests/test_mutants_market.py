"""Kill tests for lib.market (mutation testing): each checks a documented property by an independent route."""
import numpy as np
import pytest

from lib.market import (GODE_SUNDER_MARKETS, Schedule, clear, clearing_price, continuous_double_auction,
                        k_double_auction)


def test_clearing_price_is_vectorised_over_rows():
    """clearing_price on a (rows, m) array = clear() on each row separately."""
    rng = np.random.default_rng(4)
    bids, asks = rng.random((7, 3)), rng.random((7, 3))
    prices = clearing_price(bids, asks, 0.3)
    assert prices.shape == (7,)
    np.testing.assert_allclose(prices, [clear(b, a, 0.3).price for b, a in zip(bids, asks)], rtol=0, atol=1e-15)


def test_markets_have_six_buyers_and_six_sellers():
    """The documented size of Gode and Sunder's markets; prices in [1, 200]; units in order."""
    for market in GODE_SUNDER_MARKETS.values():
        assert len(market.buyer_values) == 6 and len(market.seller_costs) == 6
        for units in market.buyer_values:
            assert all(1 <= x <= 200 for x in units) and list(units) == sorted(units, reverse=True)
        for units in market.seller_costs:
            assert all(1 <= x <= 200 for x in units) and list(units) == sorted(units)


def test_schedule_order_and_cda_bounds_are_validated():
    with pytest.raises(ValueError, match="seller_costs"):
        Schedule(((150.0,),), ((60.0, 10.0),))
    with pytest.raises(ValueError, match="buyer_values"):
        Schedule(((50.0, 60.0),), ((10.0,),))
    with pytest.raises(ValueError, match="steps"):
        continuous_double_auction(GODE_SUNDER_MARKETS[1], steps=0)
    with pytest.raises(ValueError, match="periods"):
        continuous_double_auction(GODE_SUNDER_MARKETS[1], periods=0)
    with pytest.raises(ValueError, match="replications"):     # zero runs would average to a nan efficiency
        continuous_double_auction(GODE_SUNDER_MARKETS[1], replications=0)
    with pytest.raises(ValueError, match="degree"):
        k_double_auction(1, degree=31)
    with pytest.raises(ValueError, match="degree"):
        k_double_auction(1, degree=0)


def test_misreport_is_the_largest_gap_among_trading_types():
    """m = 2: the largest |b(v) - v| over the buyers whose bid exceeds the lowest ask and |a(c) - c| over the
    sellers whose ask is below the highest bid, on a grid of 20001 types (independent of lib's 4001-point grid)."""
    eq = k_double_auction(2)
    t = np.linspace(0, 1, 20001)
    b, a = eq.bid(t), eq.ask(t)
    lowest_ask, highest_bid = float(eq.ask(0.0)), float(eq.bid(1.0))
    mis = max(np.max(np.abs(b - t)[b > lowest_ask]), np.max(np.abs(a - t)[a < highest_bid]))
    assert eq.misreport == pytest.approx(mis, abs=1e-6)
    # the symmetric equilibrium of a symmetric market: a(c) = 1 - b(1 - c)
    np.testing.assert_allclose(a, 1 - eq.bid(1 - t), atol=1e-12)


def test_welfare_with_a_kink_inside_the_seller_types():
    """m = 1, b(v) = 0.31 + 0.5 v, a(c) = 0.1 + 0.8 c: trade iff c < (0.21 + 0.5 v) / 0.8 (< 1), so the gains are
    int_0^1 int_0^((0.21 + 0.5 v)/0.8) (v - c) dc dv (inner integral in closed form, outer by quad to 1e-13); the
    sellers' trade probability has a kink at c = 0.2625, where a(c) = b(0), off the uniform panel edges."""
    from scipy import integrate

    from lib.market import market_welfare

    def inner(v):
        u = (0.21 + 0.5 * v) / 0.8
        return v * u - u**2 / 2

    exact = integrate.quad(inner, 0, 1, epsabs=1e-14, epsrel=1e-13)[0]
    gains, trades = market_welfare(1, lambda v: 0.31 + 0.5 * v, lambda c: 0.1 + 0.8 * c)
    assert gains == pytest.approx(exact, abs=1e-10)
    p_trade = integrate.quad(lambda v: (0.21 + 0.5 * v) / 0.8, 0, 1, epsabs=1e-14)[0]
    assert trades == pytest.approx(p_trade, abs=1e-10)


def test_first_best_with_skewed_priors_against_monte_carlo():
    """Beta(2, 3) values and Beta(3, 2) costs (non-constant densities), m = 2: the first best against 400,000
    simulated markets of the efficient (sorted) matching; 5 standard errors."""
    import math

    import scipy.stats as stats

    from lib.market import first_best_gains

    rng = np.random.default_rng(8)
    v = -np.sort(-stats.beta(2, 3).rvs((400_000, 2), random_state=rng), axis=1)
    c = np.sort(stats.beta(3, 2).rvs((400_000, 2), random_state=rng), axis=1)
    g = np.maximum(v - c, 0).sum(1)
    assert abs(first_best_gains(2, stats.beta(2, 3), stats.beta(3, 2)) - g.mean()) < 5 * g.std() / math.sqrt(g.size)


@pytest.mark.parametrize("market", [1, 2, 3, 4, 5])
def test_competitive_equilibrium_is_the_scan_of_clearing_prices(market):
    """competitive_equilibrium = a direct scan: a price p clears when some quantity is acceptable to both sides
    (at least the units strictly willing, at most the units weakly willing). The ends of each market's interval are
    integers (markets 1-3 and 5 have integer schedules; market 4's interval is its flat cost, 95), so the scan on a
    grid of 1/8 finds them exactly."""
    from lib.market import competitive_equilibrium

    sched = GODE_SUNDER_MARKETS[market]
    d, s = sched.demand(), sched.supply()
    grid = np.arange(1, 200.001, 0.125)
    lo_q = np.maximum((d[None, :] > grid[:, None]).sum(1), (s[None, :] < grid[:, None]).sum(1))
    hi_q = np.minimum((d[None, :] >= grid[:, None]).sum(1), (s[None, :] <= grid[:, None]).sum(1))
    clears = grid[lo_q <= hi_q]
    q, lo, hi = competitive_equilibrium(sched)
    assert (lo, hi) == (clears.min(), clears.max())
    assert q == int(np.sum(np.sort(d)[::-1][:min(len(d), len(s))] > np.sort(s)[:min(len(d), len(s))]))


def test_market_schedules_are_the_documented_ramps():
    """Markets 1 and 2 are evenly spaced ramps (chapter 5, lib.market.GODE_SUNDER_MARKETS): market 1 values
    175, 165, ..., 65 against costs 45, 55, ..., 155, so the q-th unit gains 130 - 20q and the maximum surplus is
    sum_{q=0}^{6} (130 - 20q) = 490; market 2 values 195, ..., 85 against costs 60, 65, ..., 115, gains 135 - 15q,
    maximum sum_{q=0}^{8} (135 - 15q) = 675."""
    from lib.market import max_surplus

    np.testing.assert_array_equal(GODE_SUNDER_MARKETS[1].demand(), 175 - 10 * np.arange(12))
    np.testing.assert_array_equal(GODE_SUNDER_MARKETS[2].supply(), 60 + 5 * np.arange(12))
    np.testing.assert_array_equal(GODE_SUNDER_MARKETS[2].demand(), 195 - 10 * np.arange(12))
    assert max_surplus(GODE_SUNDER_MARKETS[1]) == sum(130 - 20 * q for q in range(7)) == 490
    assert max_surplus(GODE_SUNDER_MARKETS[2]) == sum(135 - 15 * q for q in range(9)) == 675


def test_markets_3_to_5_are_the_documented_schedules():
    """Market 3: three intramarginal units (values 185, 175, 165 against costs 25, 35, 45, maximum surplus
    160 + 140 + 120 = 420) among nine extramarginal ones (values 100 down to 76 and costs 101 up to 125, steps of
    3); market 4: values evenly spaced from 190 down to 20 against twelve costs of 95, so the units with
    190 - 170 q / 11 > 95 (q = 0..6) trade, maximum 7 * 95 - (170 / 11) * 21; market 5: six units of value 150
    against six of cost 50, maximum 600."""
    from lib.market import max_surplus

    m3, m4, m5 = (GODE_SUNDER_MARKETS[i] for i in (3, 4, 5))
    np.testing.assert_array_equal(m3.demand(), np.r_[185, 175, 165, 100 - 3 * np.arange(9)])
    np.testing.assert_array_equal(m3.supply(), np.r_[25, 35, 45, 101 + 3 * np.arange(9)])
    assert max_surplus(m3) == 420
    np.testing.assert_allclose(m4.demand(), 190 - 170 * np.arange(12) / 11, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(m4.supply(), np.full(12, 95.0))
    assert max_surplus(m4) == pytest.approx(7 * 95 - 170 / 11 * 21, abs=1e-9)
    np.testing.assert_array_equal(m5.demand(), np.full(6, 150.0))
    np.testing.assert_array_equal(m5.supply(), np.full(6, 50.0))
    assert max_surplus(m5) == 600


def test_one_step_one_period_one_replication_is_allowed_and_cannot_trade():
    """steps, periods and replications may each be 1 (the smallest documented values): one quote stands alone, so
    no trade happens and the efficiency is 0."""
    res = continuous_double_auction(GODE_SUNDER_MARKETS[1], "ZI-C", periods=1, replications=1, steps=1, seed=5)
    assert res.trades.sum() == 0 and res.efficiency == 0.0 and np.isnan(res.prices).all()
    with pytest.raises(ValueError, match="steps"):
        continuous_double_auction(GODE_SUNDER_MARKETS[1], "ZI-C", steps=0)


@pytest.mark.parametrize("m", [1, 3])
def test_truthful_trades_with_identical_priors_are_m_over_two(m):
    """Truthful offers, values and costs from the same Beta(2, 5): the 2m types are exchangeable, so the buyers among
    the m highest are hypergeometric with mean m * m / (2m) = m / 2 (a symmetry argument, no integral); the density
    weights of market_welfare's quadrature must reproduce it on a skewed prior (a uniform one has density 1)."""
    from scipy import stats

    from lib.market import market_welfare

    _, trades = market_welfare(m, lambda v: v, lambda c: c, stats.beta(2, 5), stats.beta(2, 5))
    assert trades == pytest.approx(m / 2, abs=1e-9)


def test_offer_integrals_are_exact_across_the_kink_at_the_top_bid():
    """m = 1 with chapter 2's linear bids b(v) = 2v/3 + 1/12 (v ~ U[0, 1]): a seller faces one bid, F_1(x) = P(b < x)
    = (3/2)(x - 1/12) on [1/12, 3/4] and 1 above, so I_1(x) = (3/4)(x - 1/12)^2 up to 3/4 and 1/3 + (x - 3/4) after
    (integrated by hand). The kink at the top bid 3/4 lies inside the offer axis (the asks reach 11/12), so it must
    be a panel edge for Gauss-Legendre to be exact."""
    from lib.market import _Game, _priors, _strategies

    buyer, seller, bsup, ssup = _priors(None, None)
    B, S = _strategies(lambda v: 2 * v / 3 + 1 / 12, lambda c: 2 * c / 3 + 1 / 4, buyer, seller, bsup, ssup)
    game = _Game(1, 0.5, buyer, seller, bsup, ssup, B, S)
    x = np.array([0.5, 0.75, 0.8, 11 / 12])
    exact = np.where(x <= 0.75, 0.75 * (x - 1 / 12) ** 2, 1 / 3 + (x - 0.75))
    np.testing.assert_allclose(game.integrals("S", x)[:, 1], exact, rtol=0, atol=1e-13)


def test_offer_integrals_are_exact_across_the_kink_at_the_top_ask():
    """The mirror case: truthful bids on [0, 1] against asks a(c) = c/2 + 0.3 on [0.3, 0.8] (c ~ U[0, 1]). A buyer
    (m = 1) faces one ask, F_1(x) = 2(x - 0.3) on [0.3, 0.8] and 1 above, so I_1(x) = (x - 0.3)^2 up to 0.8 and
    0.25 + (x - 0.8) after (by hand); the top ask 0.8 lies inside the offer axis [0, 1] and must be a panel edge."""
    from lib.market import _Game, _priors, _strategies

    buyer, seller, bsup, ssup = _priors(None, None)
    B, S = _strategies(lambda v: v, lambda c: c / 2 + 0.3, buyer, seller, bsup, ssup)
    game = _Game(1, 0.5, buyer, seller, bsup, ssup, B, S)
    x = np.array([0.5, 0.8, 0.9, 1.0])
    exact = np.where(x <= 0.8, (x - 0.3) ** 2, 0.25 + (x - 0.8))
    np.testing.assert_allclose(game.integrals("B", x)[:, 1], exact, rtol=0, atol=1e-13)


def test_best_response_gap_accepts_its_smallest_documented_grid():
    """n_offers = 11 is the smallest grid best_response_gap accepts (its range is 11..100001): chapter 2's linear
    equilibrium passes the check on it (gap below 1e-3: eleven offers and the polish within one step), and 10 is
    refused by name."""
    from lib.market import best_response_gap

    gap = best_response_gap(1, lambda v: 2 * v / 3 + 1 / 12, lambda c: 2 * c / 3 + 1 / 4, n_types=5, n_offers=11)
    assert gap.n_offers == 11 and 0 <= gap.gap < 1e-3
    with pytest.raises(ValueError, match="n_offers"):
        best_response_gap(1, lambda v: v, lambda c: c, n_offers=10)


def test_fixed_price_refuses_a_price_no_seller_accepts_in_floating_point():
    """Seller costs Beta(200, 1): P(c <= 0.01) = 0.01^200 underflows to 0, so no seller is willing at a posted price
    of 0.01 and there is nothing to ration: a ValueError naming the price, never a nan efficiency from 0 / 0."""
    from scipy import stats

    from lib.market import fixed_price

    assert stats.beta(200, 1).cdf(0.01) == 0.0
    with pytest.raises(ValueError, match="price"):
        fixed_price(2, 0.01, None, stats.beta(200, 1))


def test_fixed_price_refuses_a_price_no_buyer_accepts_in_floating_point():
    """The mirror image: buyer values Beta(1, 200), P(v >= 0.99) = 0.01^200 underflows to 0, so no buyer is willing
    at a posted price of 0.99: a ValueError naming the price, not a division by the zero share of willing buyers."""
    from scipy import stats

    from lib.market import fixed_price

    assert stats.beta(1, 200).sf(0.99) == 0.0
    with pytest.raises(ValueError, match="price"):
        fixed_price(2, 0.99, stats.beta(1, 200), None)


def test_asymmetric_k_equilibrium_is_certified_to_the_documented_gap():
    """m = 2, k = 0.3 (not a mirror-image case, so the sellers' first-order conditions are solved at their own
    collocation types over the whole cost range): the documented gap 'near 1e-8' (measured 8.7e-8), checked below
    1e-6; collocation types squeezed into the middle two thirds of the costs leave a gap of 2.5e-5."""
    eq = k_double_auction(2, 0.3)
    assert eq.method == "collocation" and eq.gap < 1e-6


def test_certification_allows_a_gap_proportional_to_the_width_of_the_types_range():
    """The documented bound: a gap up to 1e-4 times the width of the types' range is certified. Values U[0, 1] and
    costs U[0, 2] span [0, 2], so the bound is 2e-4; a degree-1 markup at m = 3, k = 0.2 leaves a gap of 1.35e-4
    (more than 1e-4 times the buyers' width, less than 1e-4 times the whole range) and is certified."""
    from scipy import stats

    eq = k_double_auction(3, 0.2, stats.uniform(0, 1), stats.uniform(0, 2), degree=1)
    assert 1e-4 < eq.gap <= 2e-4


def test_fixed_price_conditional_cost_with_a_non_uniform_seller():
    """U[0, 1] values, Beta(2, 2) costs, one trader per side, price 1/2: P(v >= 1/2) P(c <= 1/2) = 1/4 trades, and
    E[C | C <= 1/2] = 2 * int_0^(1/2) c 6c(1 - c) dc = 5/16 by hand, so gains = (1/4)(3/4 - 5/16) = 7/64 (a uniform
    seller cannot tell c f(c) from c / f(c))."""
    from scipy import stats

    from lib.market import fixed_price

    r = fixed_price(1, 0.5, None, stats.beta(2, 2))
    assert r.expected_trades == pytest.approx(0.25, abs=1e-12)
    assert r.gains == pytest.approx(7 / 64, abs=1e-12)


@pytest.mark.parametrize("traders", ["ZI-C", "ZI-U"])
def test_cda_with_a_single_buyer(traders):
    """One buyer (one unit, value 200) and six sellers (cost 1): the unit trades in every period whoever sells it,
    so efficiency is exactly 1; the simulator must index its one buyer only (no buyer index 1 exists)."""
    sched = Schedule(((200.0,),), ((1.0,),) * 6)
    res = continuous_double_auction(sched, traders, replications=20)
    assert np.all(res.trades == 1)
    assert res.efficiency == pytest.approx(1.0, abs=1e-12)


def test_documented_caps_on_the_grid_and_the_replications():
    """n_types is at most 2001 and replications at most 1,000,000: one more is refused by name."""
    from lib.market import best_response_gap

    with pytest.raises(ValueError, match="n_types"):
        best_response_gap(1, lambda v: v, lambda c: c, n_types=2002)
    with pytest.raises(ValueError, match="replications"):
        continuous_double_auction(Schedule(((150.0,),), ((50.0,),)), periods=1, replications=1_000_001, steps=1)


def test_buyer_gap_of_truthful_offers_against_simulated_markets():
    """Truthful bids and asks, m = 2, k = 1/2, U[0, 1]: at the worst buyer type the gap must equal the best gain
    from deviating measured by clearing 200,000 simulated markets (common draws for every bid on a grid of 0.004;
    about 0.018 at v = 0.8). A grid payoff that subtracts k I_{m+1} instead of adding it steers the polish to the
    wrong type and reports 0.0127 at v = 0.69."""
    from lib.market import best_response_gap

    g = best_response_gap(2, lambda v: v, lambda c: c, k=0.5)
    v = g.worst_buyer_type
    rng = np.random.default_rng(5)
    others = np.sort(rng.random((200_000, 3)), axis=1)        # one other bid and two asks, truthful, U[0, 1]
    o2, o3 = others[:, 1], others[:, 2]                        # the buyer trades iff o_(2) < b

    def payoff(b):
        return np.mean(np.where(o2 < b, v - (0.5 * o2 + 0.5 * np.minimum(b, o3)), 0.0))

    gain = max(payoff(b) for b in np.arange(0.3, v, 0.004)) - payoff(v)
    assert abs(g.buyer_gap - gain) < 5e-4


def test_trade_probability_of_the_linear_equilibrium():
    """m = 1, k = 1/2: the linear equilibrium trades iff v >= c + 1/4, with probability (3/4)^2 / 2 = 9/32 by hand;
    at m = 4 the expected number of trades over m lies in (0, 1) and matches market_welfare's count."""
    from lib.market import k_double_auction, market_welfare

    assert k_double_auction(1).trade_probability == pytest.approx(9 / 32, abs=1e-9)
    e = k_double_auction(4)
    assert e.trade_probability == pytest.approx(market_welfare(4, e.bid, e.ask)[1] / 4, abs=1e-12)
    assert 0 < e.trade_probability < 1


def _enumerated_count_pmf(n_bids, n_asks, gb, ga):
    """P(N = j), j = 0..n_bids + n_asks, in sympy from the 2^n below/above patterns: each of n_bids bids is below
    the offer with probability gb, each of n_asks asks with probability ga, independently."""
    import itertools

    import sympy as sp

    n = n_bids + n_asks
    pmf = [sp.S(0)] * (n + 1)
    for below in itertools.product((0, 1), repeat=n):
        i, l = sum(below[:n_bids]), sum(below[n_bids:])
        pmf[i + l] += gb**i * (1 - gb)**(n_bids - i) * ga**l * (1 - ga)**(n_asks - l)
    return pmf


@pytest.mark.parametrize("n_bids, n_asks", [(0, 1), (1, 0), (1, 2), (2, 1), (3, 3)])
def test_count_pmf_and_tail_derivatives_by_exact_enumeration(n_bids, n_asks):
    """N = the number of n_bids bids and n_asks asks below x, each below with probability gb or ga: its pmf by
    enumerating all 2^(n_bids + n_asks) below/above patterns in sympy, and d/dgb, d/dga of P(N >= j) by symbolic
    differentiation, for every j = 0..n + 1 (P(N >= 0) = 1 and P(N >= n + 1) = 0 have zero derivatives), at
    gb = 3/10, ga = 7/11."""
    import sympy as sp

    from lib.market import _count_pmf, _tail_derivatives

    gb, ga = sp.symbols("gb ga")
    n = n_bids + n_asks
    pmf = _enumerated_count_pmf(n_bids, n_asks, gb, ga)
    at = {gb: sp.Rational(3, 10), ga: sp.Rational(7, 11)}
    got = _count_pmf(n_bids, n_asks, np.asarray(0.3), np.asarray(7 / 11))
    np.testing.assert_allclose(got, [float(p.subs(at)) for p in pmf], rtol=0, atol=1e-14)
    for j in range(n + 2):
        tail = sp.S(sum(pmf[j:], sp.S(0)))
        db, da = _tail_derivatives(n_bids, n_asks, 0.3, 7 / 11, j)
        assert float(db) == pytest.approx(float(sp.diff(tail, gb).subs(at)), abs=1e-13), j
        assert float(da) == pytest.approx(float(sp.diff(tail, ga).subs(at)), abs=1e-13), j


def test_best_response_gap_with_two_types_per_side():
    """n_types = 2 (the smallest accepted: the two ends of each support). Truthful offers, m = 1, k = 1/2, U[0, 1]:
    a buyer of value v bidding b against one ask c pays (b + c) / 2 when c < b, so U(b; v) = v b - 3 b^2 / 4 (by
    hand), best 1/3 at b = 2/3 for v = 1 against 1/4 for the truthful bid: a gap of 1/12 at v = 1 (v = 0 gains
    nothing); the seller of cost 0 gains 1/12 by symmetry."""
    from lib.market import best_response_gap

    g = best_response_gap(1, lambda v: v, lambda c: c, n_types=2)
    assert g.n_types == 2 and g.worst_buyer_type == 1.0 and g.worst_seller_type == 0.0
    assert g.buyer_gap == pytest.approx(1 / 12, abs=1e-7) and g.seller_gap == pytest.approx(1 / 12, abs=1e-7)


def test_collocation_count_is_capped_by_name():
    """n_collocation is at most 2000: 2001 is refused by name before any solving."""
    with pytest.raises(ValueError, match="n_collocation"):
        k_double_auction(2, n_collocation=2001)


@pytest.mark.parametrize("sign, limit", [(-1, -0.095), (+1, 1.095)])
def test_poly_cut_in_the_first_and_last_cells_of_its_grid(sign, limit):
    """_Poly with markup 0.1 T_2(2x - 1) on [0, 1]: raw(x) = x + sign 0.1 (8x^2 - 8x + 1) (expanded by hand). The
    buyer's (sign -1) raw bid -0.8x^2 + 1.8x - 0.1 reaches the lowest ask -0.095 inside the first of the 257-type
    grid's cells, the seller's (sign +1) raw ask 0.8x^2 + 0.2x + 0.1 reaches the highest bid 1.095 inside the last;
    the types beyond the crossing (the root of the quadratic, np.roots) must follow the tangent there."""
    from scipy import stats

    from lib.market import _Poly

    a2, a1, a0 = 0.8 * sign, 1 - 0.8 * sign, 0.1 * sign
    roots = np.roots([a2, a1, a0 - limit]).real
    cut = roots[(roots > 0) & (roots < 1)][0]
    assert (cut < 1 / 256) if sign < 0 else (cut > 255 / 256)
    p = _Poly([0.0, 0.0, 0.1], stats.uniform(0, 1), 0.0, 1.0, sign, limit)
    assert p.cut == pytest.approx(cut, abs=1e-14)
    slope = 2 * a2 * cut + a1
    beyond = np.linspace(0, cut, 5)[:-1] if sign < 0 else np.linspace(cut, 1, 5)[1:]
    np.testing.assert_allclose(p(beyond), limit + (beyond - cut) * slope, rtol=0, atol=1e-13)
    inner = np.linspace(0.1, 0.9, 9)
    np.testing.assert_allclose(p(inner), a2 * inner**2 + a1 * inner + a0, rtol=0, atol=1e-14)


def test_order_statistic_tails_cover_j_up_to_two_m():
    """_Game.counts gives P(N(x) >= j) for j = 0..2m, as documented. m = 2, truthful offers, U[0, 1]: a buyer faces
    one other bid and two asks, each below x = 0.4 with probability 0.4, so N ~ Bin(3, 0.4); P(N >= j) by exact
    rationals (fractions) for j = 0..4, the last 0 (only three other offers)."""
    from fractions import Fraction
    from math import comb

    from lib.market import _Game, _priors, _strategies

    buyer, seller, bsup, ssup = _priors(None, None)
    B, S = _strategies(lambda v: v, lambda c: c, buyer, seller, bsup, ssup)
    game = _Game(2, 0.5, buyer, seller, bsup, ssup, B, S)
    p = Fraction(2, 5)
    exact = [float(sum(comb(3, i) * p**i * (1 - p)**(3 - i) for i in range(j, 4))) for j in range(5)]
    np.testing.assert_allclose(game.counts("B", np.asarray(0.4)), exact, rtol=0, atol=1e-14)
    np.testing.assert_allclose(game.counts("S", np.asarray(0.4)), exact, rtol=0, atol=1e-14)


@pytest.mark.parametrize("which", ["bid", "ask"])
def test_a_single_non_callable_strategy_is_refused_by_name(which):
    """Either strategy not callable (the other a valid function) is an InputTypeError naming bid and ask, not a
    bare 'float object is not callable' from inside the grid."""
    from lib.market import market_welfare
    from lib.validation import InputTypeError

    bid, ask = (0.5, lambda c: c) if which == "bid" else (lambda v: v, 0.5)
    with pytest.raises(InputTypeError, match="bid and ask must be vectorised"):
        market_welfare(1, bid, ask)


def test_uncertified_answer_names_the_width_of_the_whole_types_range():
    """Values U[1, 2] against costs U[0, 0.999] (every type always trades, so the first-order conditions say
    nothing): the solver's strategies leave a gap near 0.12 at m = 2 and are refused against 1e-4 times the width of
    the types' range, 2 - 0 = 2 (by hand: the lowest cost to the highest value), as the error message states."""
    from scipy import stats

    with pytest.raises(ValueError, match=r"no certified equilibrium.*width of the types' range, 2\)"):
        k_double_auction(2, 0.5, stats.uniform(1, 1), stats.uniform(0, 0.999))


def test_offer_integrals_are_exact_across_the_kink_at_the_lowest_bid():
    """m = 1, bids b(v) = v/2 + 0.3 (v ~ U[0, 1]) against truthful asks: a seller faces one bid, F_1(x) = P(b < x)
    = 2(x - 0.3) on [0.3, 0.8] and 1 above, so I_1(x) = (x - 0.3)^2 up to 0.8 and 0.25 + (x - 0.8) after (by hand).
    The lowest bid 0.3 lies inside the offer axis [0, 1] (the asks start at 0) and off its uniform grid of 1/512, so
    it must be a panel edge for Gauss-Legendre to be exact."""
    from lib.market import _Game, _priors, _strategies

    buyer, seller, bsup, ssup = _priors(None, None)
    B, S = _strategies(lambda v: v / 2 + 0.3, lambda c: c, buyer, seller, bsup, ssup)
    game = _Game(1, 0.5, buyer, seller, bsup, ssup, B, S)
    assert 0.3 * 512 % 1 != 0
    x = np.array([0.2, 0.3, 0.31, 0.5, 0.8, 0.9])
    exact = np.where(x <= 0.3, 0.0, np.where(x <= 0.8, (x - 0.3) ** 2, 0.25 + (x - 0.8)))
    np.testing.assert_allclose(game.integrals("S", x)[:, 1], exact, rtol=0, atol=1e-13)


def test_offer_integrals_of_cubic_counts_against_exact_polynomials():
    """m = 2, truthful offers, U[0, 1]: a buyer faces one other bid and two asks, each below x with probability x,
    so F_j(x) = P(Bin(3, x) >= j) is a cubic and I_j(x) = int_0^x F_j its exact quartic (sympy, rational
    coefficients) for j = 0..4. The cumulative tables must integrate each cell's cubic exactly (Gauss-Legendre with
    10 points is exact to degree 19; a linear integrand, as at m = 1, would not tell misplaced nodes apart)."""
    import sympy as sp

    from lib.market import _Game, _priors, _strategies

    buyer, seller, bsup, ssup = _priors(None, None)
    B, S = _strategies(lambda v: v, lambda c: c, buyer, seller, bsup, ssup)
    game = _Game(2, 0.5, buyer, seller, bsup, ssup, B, S)
    t, X = sp.symbols("t X")
    xs = [sp.Rational(1, 7), sp.Rational(1, 2), sp.Rational(5, 6), sp.Integer(1)]
    got = game.integrals("B", np.array([float(x) for x in xs]))
    for j in range(5):
        F = sum(sp.binomial(3, i) * t**i * (1 - t)**(3 - i) for i in range(j, 4))
        I = sp.integrate(F, (t, 0, X))
        np.testing.assert_allclose(got[:, j], [float(I.subs(X, x)) for x in xs], rtol=0, atol=1e-13, err_msg=str(j))


def test_tail_of_a_count_pmf_over_any_leading_axes():
    """_tail(pmf, j) = P(N >= j) for a pmf on 0..n along the last axis, whatever the leading axes: N = Bin(1, gb) +
    Bin(2, ga) at a single (gb, ga) and on a 2 x 3 grid of them, against exact rationals (fractions) for j = 1..4."""
    from fractions import Fraction
    from itertools import product

    from lib.market import _count_pmf, _tail

    def exact(gb, ga, j):
        total = Fraction(0)
        for pattern in product((0, 1), repeat=3):
            w = Fraction(1)
            for below, p in zip(pattern, (gb, ga, ga)):
                w *= p if below else 1 - p
            total += w if sum(pattern) >= j else 0
        return float(total)

    gbs = [[Fraction(1, 5), Fraction(1, 2), Fraction(7, 9)], [Fraction(0), Fraction(3, 4), Fraction(1)]]
    gas = [[Fraction(2, 3), Fraction(1, 8), Fraction(1, 2)], [Fraction(5, 6), Fraction(1, 1), Fraction(3, 10)]]
    grid_b = np.array([[float(x) for x in row] for row in gbs])
    grid_a = np.array([[float(x) for x in row] for row in gas])
    for j in range(1, 5):
        one = _tail(_count_pmf(1, 2, np.asarray(0.2), np.asarray(2 / 3)), j)
        assert np.shape(one) == () and float(one) == pytest.approx(exact(Fraction(1, 5), Fraction(2, 3), j), abs=1e-15)
        got = _tail(_count_pmf(1, 2, grid_b, grid_a), j)
        want = [[exact(b, a, j) for b, a in zip(rb, ra)] for rb, ra in zip(gbs, gas)]
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)


def test_buyer_payoff_of_a_bid_above_every_offer():
    """Chapter 2's linear equilibrium (m = 1, k = 1/2): the asks 2c/3 + 1/4 reach 11/12 only, so a buyer who bids
    b >= 11/12 (still within the values' range [0, 1], where the best-response check deviates) always trades at
    (b + a)/2, with E[a] = 7/12: U_B(b; v) = v - b/2 - 7/24 by hand (5/24 at b = v = 1)."""
    from lib.market import _Game, _priors, _strategies

    buyer, seller, bsup, ssup = _priors(None, None)
    B, S = _strategies(lambda v: 2 * v / 3 + 1 / 12, lambda c: 2 * c / 3 + 1 / 4, buyer, seller, bsup, ssup)
    game = _Game(1, 0.5, buyer, seller, bsup, ssup, B, S)
    assert game.hi == pytest.approx(11 / 12, abs=1e-15)
    b = np.array([11 / 12, 0.95, 1.0])
    np.testing.assert_allclose(game.buyer_payoff(b, 1.0), 1 - b / 2 - 7 / 24, rtol=0, atol=1e-13)
    np.testing.assert_allclose(game.buyer_payoff(b, 0.8), 0.8 - b / 2 - 7 / 24, rtol=0, atol=1e-13)


def test_supports_that_only_touch_have_no_gains_from_trade():
    """Values U[0, 1] against costs U[1, 2]: the supports meet at the single point 1, so v > c has probability 0 and
    there is nothing to trade; every entry point refuses the priors by name (the supports must overlap)."""
    from scipy import stats

    from lib.market import best_response_gap, first_best_gains, market_welfare

    buyer, seller = stats.uniform(0, 1), stats.uniform(1, 1)
    for call in (lambda: market_welfare(1, lambda v: v, lambda c: c, buyer, seller),
                 lambda: first_best_gains(2, buyer, seller),
                 lambda: best_response_gap(1, lambda v: v, lambda c: c, buyer, seller),
                 lambda: k_double_auction(1, 0.5, buyer, seller)):
        with pytest.raises(ValueError, match="supports must overlap"):
            call()


def test_market_welfare_refuses_zero_traders_by_name():
    """m counts traders per side and starts at 1: m = 0 is a ValueError naming m, like m = 65 (above 64)."""
    from lib.market import market_welfare

    for m in (0, 65):
        with pytest.raises(ValueError, match=r"^m must"):
            market_welfare(m, lambda v: v, lambda c: c)


def test_best_response_check_uses_the_grid_chapter_five_states():
    """Chapter 5 says the certificate deviates to 2001 offers at 101 types per side; the check that
    k_double_auction attaches (best_response_gap's defaults) must be that grid. The figures are read from the
    chapter's text, not typed here."""
    import json
    import re
    from pathlib import Path

    nb = json.loads((Path(__file__).parents[1] / "chapters" / "05_many_traders.ipynb").read_text())
    text = " ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    found = re.search(r"for (\d+) types per side, the\s+payoff of each of (\d+) deviations", text)
    assert found, "chapter 5 no longer states the check's grid"
    check = k_double_auction(1).check
    assert (check.n_types, check.n_offers) == (int(found.group(1)), int(found.group(2)))


def _clearing_scan(sched, step=0.125):
    """The prices on a grid at which some quantity is acceptable to both sides: at least the units strictly willing
    (value above, cost below the price) and at most the units weakly willing."""
    d, s = sched.demand(), sched.supply()
    grid = np.arange(1, 200.001, step)
    lo_q = np.maximum((d[None, :] > grid[:, None]).sum(1), (s[None, :] < grid[:, None]).sum(1))
    hi_q = np.minimum((d[None, :] >= grid[:, None]).sum(1), (s[None, :] <= grid[:, None]).sum(1))
    return grid[lo_q <= hi_q]


@pytest.mark.parametrize("values, costs", [
    (((150.0, 40.0),), ((50.0, 100.0),)),                       # q = 1: the 2nd value lies below the 1st cost
    (((180.0, 160.0), (30.0,)), ((20.0, 40.0), (120.0,))),      # q = 2: the 3rd value below the 2nd cost
    (((100.0,), (90.0,), (80.0,)), ((10.0,), (85.0,), (95.0,))),  # q = 2, the band [85, 90]
])
def test_competitive_band_where_the_lowest_clearing_price_is_a_cost(values, costs):
    """Schedules whose lowest market-clearing price is the last traded unit's cost s_(q*) (above the first excluded
    value d_(q*+1)), which Gode and Sunder's five markets never show: the band against the scan of clearing prices
    (integer schedules, so a grid of 1/8 finds its ends exactly)."""
    from lib.market import competitive_equilibrium

    sched = Schedule(values, costs)
    clears = _clearing_scan(sched)
    q, lo, hi = competitive_equilibrium(sched)
    assert (lo, hi) == (clears.min(), clears.max())


@pytest.mark.parametrize("k", [0.3, 0.5, 0.8])
def test_one_trader_per_side_is_the_linear_equilibrium_to_1e_10(k):
    """m = 1: the solver starts from and must return the linear equilibrium of Chatterjee and Samuelson (1983),
    b(v) = v / (1 + k) + k (1 - k) / (2 (1 + k)), a(c) = c / (2 - k) + (1 - k) / 2, whose curvature is 0, so the
    smoothing penalty on the curved coefficients (weights 1e-7 j^2) is 0 there; checked on 20001 types with an
    absolute tolerance (measured error 1.4e-11 at k = 1/2, where the mirror-image path solves, and 2e-15 at k = 0.3,
    0.8; weights 1e-7 / j^2 leave 1.4e-9 at k = 1/2)."""
    t = np.linspace(0, 1, 20001)
    eq = k_double_auction(1, k)
    np.testing.assert_allclose(eq.bid(t), t / (1 + k) + k * (1 - k) / (2 * (1 + k)), rtol=0, atol=1e-10)
    np.testing.assert_allclose(eq.ask(t), t / (2 - k) + (1 - k) / 2, rtol=0, atol=1e-10)


@pytest.mark.parametrize("price", [0.2, 0.5, 0.999])
def test_fixed_price_with_arcsine_priors_against_the_closed_form(price):
    """Arcsine values and costs on [0, 1] (densities 1 / (pi sqrt(x (1 - x))), poles at both ends): with x =
    sin^2(t), F(p) = 2 t_p / pi and int_0^p x f(x) dx = (t_p - sqrt(p (1 - p))) / pi, t_p = asin(sqrt p) (by hand), so
    the gains of one trader per side are F(p) (1 - F(p)) (E[V | V >= p] - E[C | C <= p]) in 40-digit mpmath. No
    warning: the conditional means must not integrate the density's poles (quad warned of roundoff at p = 0.2 and
    was 7e-13 off at p = 0.999)."""
    import warnings

    from mpmath import asin, mp, mpf, pi, sqrt
    from scipy import stats

    from lib.market import fixed_price

    mp.dps = 40
    p = mpf(price)
    t = asin(sqrt(p))
    F = 2 * t / pi
    low = (t - sqrt(p * (1 - p))) / pi              # int_0^p x f(x) dx
    ev, ec = (mpf(1) / 2 - low) / (1 - F), low / F  # E[X] = 1/2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = fixed_price(1, price, stats.arcsine(), stats.arcsine())
    assert r.expected_trades == pytest.approx(float(F * (1 - F)), abs=1e-15)
    assert r.gains == pytest.approx(float(F * (1 - F) * (ev - ec)), abs=1e-15)


def test_a_strategy_with_a_flat_stretch_is_refused():
    """A bid that is constant on part of the support (min(v, 1/2)) is increasing but not strictly, so the offer
    distribution has an atom and its inverse is not a function: a ValueError naming the bid, as for a decreasing one."""
    from lib.market import market_welfare

    with pytest.raises(ValueError, match="bid must be strictly increasing"):
        market_welfare(1, lambda v: np.minimum(v, 0.5), lambda c: c)
    with pytest.raises(ValueError, match="ask must be strictly increasing"):
        market_welfare(1, lambda v: v, lambda c: np.maximum(c, 0.5))


def test_offer_integrals_start_at_the_lowest_bid_when_it_is_the_lowest_offer():
    """m = 1, bids v/2 on [0, 1/2] against asks c/2 + 0.3 on [0.3, 0.8]: the lowest offer is the lowest bid 0. A
    seller faces one bid, F_1(x) = P(v/2 < x) = 2x on [0, 1/2], so I_1(x) = x^2 there and 1/4 + (x - 1/2) above (by
    hand), also below the bid of the next type on lib's grid of 4001 types (1/8000); the offer axis must start at the
    lowest bid itself."""
    from lib.market import _Game, _priors, _strategies

    buyer, seller, bsup, ssup = _priors(None, None)
    B, S = _strategies(lambda v: v / 2, lambda c: c / 2 + 0.3, buyer, seller, bsup, ssup)
    game = _Game(1, 0.5, buyer, seller, bsup, ssup, B, S)
    x = np.array([5e-5, 0.01, 0.2, 0.5, 0.7])      # 5e-5: below the second type's bid 1/8000
    exact = np.where(x <= 0.5, x**2, 0.25 + (x - 0.5))
    np.testing.assert_allclose(game.integrals("S", x)[:, 1], exact, rtol=0, atol=1e-13)


def test_steps_are_capped_at_one_million_by_name():
    """steps is at most 1,000,000, as for replications: one more is refused by name, with the allowed range, before
    any simulation."""
    with pytest.raises(ValueError, match=r"steps must be an integer in \[1, 1000000\]"):
        continuous_double_auction(Schedule(((150.0,),), ((50.0,),)), periods=1, replications=1, steps=1_000_001)


def test_zi_u_losses_are_the_trades_priced_outside_value_or_cost():
    """One buyer (value 150) and one seller (cost 50), ZI-U: the single unit trades at most once per period, so a
    loss is a recorded price above 150 (the buyer loses) or below 50 (the seller loses); the count from the prices
    must equal the reported losses, and both kinds occur in 400 seeded runs."""
    res = continuous_double_auction(Schedule(((150.0,),), ((50.0,),)), "ZI-U", periods=1, replications=400)
    p = res.prices[~np.isnan(res.prices)]
    assert np.any(p > 150) and np.any(p < 50)
    assert res.losses == int(np.sum((p > 150) | (p < 50)))


@pytest.mark.parametrize("coef", [[0.0, 0.0, 0.02], [0.0, 0.01, 0.02, -0.01]])
@pytest.mark.parametrize("sign", [-1, +1])
def test_poly_inverse_undoes_the_strategy_between_its_interpolation_types(coef, sign):
    """_Poly.inverse interpolates on 257 types and polishes with two Newton steps: on curved markups (0.02 T_2 and
    0.01 T_1 + 0.02 T_2 - 0.01 T_3 on [0, 1], slopes within 1 +- 0.3) the linear interpolation alone is off by about
    1e-6 between its types, and Newton's steps must bring the offer's type back to rounding: inverse(offer(x)) = x on
    10001 types, most of them off the interpolation grid (measured 2.2e-16)."""
    from scipy import stats

    from lib.market import _Poly

    p = _Poly(coef, stats.uniform(0, 1), 0.0, 1.0, sign, None)
    x = np.linspace(0, 1, 10001)
    np.testing.assert_allclose(p.inverse(p(x)), x, rtol=0, atol=1e-13)


def test_best_response_polish_reaches_a_best_deviation_below_the_best_grid_offer():
    """Truthful offers, m = 1, k = 1/2, U[0, 1], on the coarsest grid (n_offers = 11, step h = 0.1): the buyer of value
    1 bidding b earns U(b) = b - 3 b^2 / 4 (by hand), best 1/3 at b = 2/3, truthful 1/4, so the gap is 1/12. The best
    grid offer is 0.7 (U = 0.3325, a gap 8.3e-4 short), so the best deviation lies below it; the polish on 11 offers
    within h either side (steps h / 5) comes within 0.01 of 2/3, a shortfall of at most (3/4) 0.01^2 = 7.5e-5. The
    seller of cost 0 is the mirror image."""
    from lib.market import best_response_gap

    g = best_response_gap(1, lambda v: v, lambda c: c, n_types=2, n_offers=11)
    assert g.worst_buyer_type == 1.0 and g.worst_seller_type == 0.0
    for gap in (g.buyer_gap, g.seller_gap):
        assert 1 / 12 - 7.5e-5 <= gap <= 1 / 12 + 1e-15


def test_schedule_accepts_equal_consecutive_units():
    """Units are non-increasing (values) and non-decreasing (costs), so equal consecutive units are allowed: a buyer
    with two units of value 150 and a seller with two of cost 50 trade both, a surplus of 2 (150 - 50) = 200 by hand,
    with q* = 2 and every price in [50, 150] clearing."""
    from lib.market import competitive_equilibrium, max_surplus

    sched = Schedule(((150.0, 150.0),), ((50.0, 50.0),))
    assert max_surplus(sched) == 200
    assert competitive_equilibrium(sched) == (2, 50.0, 150.0)


def test_best_deviations_at_the_kinks_of_the_payoff_are_found_exactly():
    """m = 1, k = 1/2, values U[0.5, 1.5] bidding 0.8 v + 0.1 (bids U[0.5, 1.3]) against costs U[0, 1] asking c/2 + 0.3
    (asks U[0.3, 0.8]); by hand: a buyer of value v bidding b in [0.3, 0.8] earns 2 [(v - b/2)(b - 0.3) - (b^2 - 0.09)/4],
    rising up to b = 0.8 for v >= 1.05, and v - b/2 - 0.275 above, so the best bid of v = 1.5 is the top ask 0.8 (0.825
    against 0.575 for its own bid 1.3): a buyer gap of 1/4. A seller of cost c asking a earns (a + 0.9)/2 - c below the
    lowest bid 0.5 and ((1.3 - a)/0.8)((3a + 1.3)/4 - c) above, so the cost 0 asks the lowest bid 0.5 (0.7 against 0.6):
    a seller gap of 1/10 (0.1 - c/4 for c <= 0.1, less above). Both best deviations are kinks of the payoff off the
    deviation grid, where a grid and polish alone fall short by a first-order amount (4.5e-5 and 1.3e-5 measured)."""
    from scipy import stats

    from lib.market import best_response_gap

    g = best_response_gap(1, lambda v: 0.8 * v + 0.1, lambda c: 0.5 * c + 0.3, stats.uniform(0.5, 1),
                          stats.uniform(0, 1), 0.5)
    assert (g.worst_buyer_type, g.worst_seller_type) == (1.5, 0.0)
    assert g.buyer_gap == pytest.approx(1 / 4, abs=1e-12) and g.seller_gap == pytest.approx(1 / 10, abs=1e-12)


@pytest.mark.parametrize("n_bids, n_asks", [(1, 2), (2, 1), (2, 2)])
def test_tail_derivatives_over_an_axis_of_points_by_exact_enumeration(n_bids, n_asks):
    """_tail_derivatives at five (gb, ga) points at once (an axis longer than the count's n + 1 values), for every
    j = 0..n + 1: against d/dgb and d/dga of P(N >= j) from the 2^n below/above patterns in sympy at each point
    (P(N >= n + 1) = 0 has zero derivatives: the index past the count's last value must be recognised on the count's
    axis, not on the axis of points)."""
    import sympy as sp

    from lib.market import _tail_derivatives

    gb, ga = sp.symbols("gb ga")
    n = n_bids + n_asks
    pmf = _enumerated_count_pmf(n_bids, n_asks, gb, ga)
    points = [(sp.Rational(1, 10), sp.Rational(3, 4)), (sp.Rational(1, 2), sp.Rational(1, 3)),
              (sp.Rational(2, 7), sp.Rational(9, 10)), (sp.Rational(4, 5), sp.Rational(1, 5)), (sp.S(0), sp.S(1))]
    xb = np.array([float(p[0]) for p in points])
    xa = np.array([float(p[1]) for p in points])
    for j in range(n + 2):
        tail = sp.S(sum(pmf[j:], sp.S(0)))
        db, da = _tail_derivatives(n_bids, n_asks, xb, xa, j)
        want_b = [float(sp.diff(tail, gb).subs({gb: p, ga: q})) for p, q in points]
        want_a = [float(sp.diff(tail, ga).subs({gb: p, ga: q})) for p, q in points]
        np.testing.assert_allclose(db, want_b, rtol=0, atol=1e-13, err_msg=f"j = {j}")
        np.testing.assert_allclose(da, want_a, rtol=0, atol=1e-13, err_msg=f"j = {j}")


def test_clear_refuses_offers_of_different_lengths_by_its_own_rule():
    """clear takes one market, so m bids and m asks as one-dimensional arrays of the same length: two bids against
    one ask, or two bids against a 2 x 1 array of asks, is refused with that rule (not clearing_price's rule for
    arrays of shape (..., m), which clear does not accept)."""
    for bids, asks in (([0.5, 0.6], [0.4]), ([0.5, 0.6], [[0.4], [0.45]]), ([], [])):
        with pytest.raises(ValueError, match="one-dimensional arrays of the same length"):
            clear(bids, asks)


def test_first_best_gains_refuses_zero_traders_by_name():
    """m counts traders per side and starts at 1: first_best_gains(0) is a ValueError naming m (not gains of 0.0
    from an empty market), as is m = 65."""
    from lib.market import first_best_gains

    for m in (0, 65):
        with pytest.raises(ValueError, match=r"^m must"):
            first_best_gains(m)


def test_periods_are_capped_at_one_thousand_by_name():
    """periods is at most 1000: one more is refused by name, with the allowed range, before any simulation."""
    with pytest.raises(ValueError, match=r"periods must be an integer in \[1, 1000\]"):
        continuous_double_auction(Schedule(((150.0,),), ((50.0,),)), periods=1001, replications=1, steps=1)


# ---------------------------------------------------------------------------------------------------------------
# whole-function checks (sample K = 109): each function against an exact or independent reference over its range
# ---------------------------------------------------------------------------------------------------------------

def _exact_offer_integrals(m, side, bid_lo, bid_hi):
    """I_j(x) = int_0^x P(N(t) >= j) dt, j = 0..2m, for truthful asks c ~ U[0, 1] and bids spread uniformly on
    [bid_lo, bid_hi] (a linear bid of v ~ U[0, 1]), as exact piecewise polynomials in sympy: a bid lies below t with
    probability G(t) = (t - bid_lo) / (bid_hi - bid_lo) clipped to [0, 1] and an ask with probability min(t, 1); N
    counts m - 1 bids and m asks ('B') or m bids and m - 1 asks ('S'). Returns a function of a float x >= 0."""
    import sympy as sp

    t, X = sp.symbols("t X")
    nb, na = (m - 1, m) if side == "B" else (m, m - 1)
    lo, hi = sp.nsimplify(bid_lo), sp.nsimplify(bid_hi)
    cuts = sorted({sp.S(0), lo, hi, sp.S(1)})

    def pieces(j):
        """(start, end, antiderivative polynomial of P(N >= j) on that piece) for consecutive breakpoints."""
        out = []
        for a, b in zip(cuts, cuts[1:] + [sp.oo]):
            mid = (a + b) / 2 if b != sp.oo else a + 1
            g = sp.S(0) if mid <= lo else (sp.S(1) if mid >= hi else (t - lo) / (hi - lo))
            q = sp.S(1) if mid >= 1 else t
            pmf = [sp.S(0)] * (nb + na + 1)
            for i in range(nb + 1):
                for l in range(na + 1):
                    bids = sp.binomial(nb, i) * g**i * (1 - g)**(nb - i)
                    pmf[i + l] += bids * sp.binomial(na, l) * q**l * (1 - q)**(na - l)
            out.append((a, b, sp.expand(sum(pmf[j:], sp.S(0)))))
        return out

    tables = []
    for j in range(2 * m + 1):
        rows, start = [], sp.S(0)
        for a, b, f in pieces(j):
            anti = sp.integrate(f, (t, a, X))                     # int_a^X of this piece's polynomial
            rows.append((float(a), float(b), start, sp.lambdify(X, anti)))
            if b != sp.oo:
                start += anti.subs(X, b)                          # exact total up to the piece's end
        tables.append(rows)

    def value(x, j):
        for a, b, start, anti in tables[j]:
            if x <= b:
                return float(start) + float(anti(x)) if x > a else float(start)
        raise AssertionError(x)

    return value


@pytest.mark.parametrize("m, side", [(1, "S"), (1, "B"), (2, "S"), (2, "B")])
def test_offer_integrals_everywhere_against_exact_piecewise_polynomials(m, side):
    """_Game.integrals over the whole offer axis and beyond it, for bids v/2 + 0.3 (on [0.3, 0.8]) against truthful
    asks (on [0, 1]), U[0, 1] types: I_j(x) for every j = 1..2m against sympy's exact integral of the piecewise
    polynomial P(N >= j) (kinks at the bids' ends 0.3 and 0.8 and the asks' top 1). The points include, around every
    node of the offer axis (a 513-point grid and the offer ranges' ends), points a tenth of a cell below and above
    it, so a node misplaced by one cell, or a cell integrated across a kink, is seen; and points above the top offer
    (x = 1.05, 1.3), where F_j is constant."""
    from lib.market import _Game, _priors, _strategies

    buyer, seller, bsup, ssup = _priors(None, None)
    B, S = _strategies(lambda v: v / 2 + 0.3, lambda c: c, buyer, seller, bsup, ssup)
    game = _Game(m, 0.5, buyer, seller, bsup, ssup, B, S)
    exact = _exact_offer_integrals(m, side, 0.3, 0.8)
    step = 1 / 512
    near_kinks = [0.3 - step / 10, 0.3 + step / 10, 0.8 - step / 10, 0.8 + step / 10, 1 - step / 10]
    spread = list(np.linspace(step / 10, 1 - step / 10, 23)) + [0.3, 0.8, 1.0, 1.05, 1.3]
    x = np.array(near_kinks + spread)
    got = game.integrals(side, x)
    assert got.shape == (x.size, 2 * m + 1)
    for j in range(1, 2 * m + 1):
        want = [exact(float(xi), j) for xi in x]
        np.testing.assert_allclose(got[:, j], want, rtol=0, atol=1e-13, err_msg=f"j = {j}")


_SOLVED = {}


def _solved(m, k, buyer=None, seller=None):
    """k_double_auction(m, k, buyer, seller), solved once per module run (keyed by the priors' names and shapes)."""
    key = (m, k) + tuple(None if p is None else (p.dist.name, p.args, tuple(sorted(p.kwds.items())))
                         for p in (buyer, seller))
    if key not in _SOLVED:
        _SOLVED[key] = k_double_auction(m, k, buyer, seller)
    return _SOLVED[key]


def _first_order_residuals(m, k, eq, buyer, seller, types_b, types_s, h=1e-6):
    """The first-order conditions of the module docstring at the given types, from scratch: the offer distributions
    G(y) = F(x(y)) with x(y) the type whose offer is y (brentq on the returned strategy, to 1e-14), the chance that
    the others' count N reaches m by binomial sums (math.comb), and its derivative in the offer by a central
    difference of step h. Buyer: (v - b) F_m'(b) - k P(N(b) = m), N counting m - 1 bids and m asks; seller:
    (a - c) F_m'(a) - (1 - k) P(N(a) = m - 1), N counting m bids and m - 1 asks."""
    from math import comb

    from scipy import optimize

    bsup, ssup = buyer.support(), seller.support()

    def offer_cdf(strategy, prior, sup, y):
        lo, hi = float(strategy(sup[0])), float(strategy(sup[1]))
        if y <= lo:
            return 0.0
        if y >= hi:
            return 1.0
        return float(prior.cdf(optimize.brentq(lambda x: float(strategy(x)) - y, *sup, xtol=1e-14)))

    def pmf(nb, na, gb, ga):
        out = [0.0] * (nb + na + 1)
        for i in range(nb + 1):
            for l in range(na + 1):
                out[i + l] += comb(nb, i) * gb**i * (1 - gb)**(nb - i) * comb(na, l) * ga**l * (1 - ga)**(na - l)
        return out

    def reach(nb, na, y):
        return sum(pmf(nb, na, offer_cdf(eq.bid, buyer, bsup, y), offer_cdf(eq.ask, seller, ssup, y))[m:])

    rb = []
    for v in types_b:
        b = float(eq.bid(v))
        slope = (reach(m - 1, m, b + h) - reach(m - 1, m, b - h)) / (2 * h)
        p_m = pmf(m - 1, m, float(buyer.cdf(v)), offer_cdf(eq.ask, seller, ssup, b))[m]
        rb.append((v - b) * slope - k * p_m)
    rs = []
    for c in types_s:
        a = float(eq.ask(c))
        slope = (reach(m, m - 1, a + h) - reach(m, m - 1, a - h)) / (2 * h)
        p_m1 = pmf(m, m - 1, offer_cdf(eq.bid, buyer, bsup, a), float(seller.cdf(c)))[m - 1]
        rs.append((a - c) * slope - (1 - k) * p_m1)
    return np.array(rb), np.array(rs)


@pytest.mark.parametrize("m, k, priors", [(2, 0.3, "uniform"), (2, 0.5, "beta22")])
def test_residual_is_the_largest_first_order_residual_at_the_chebyshev_types(m, k, priors):
    """KDoubleAuction.residual is documented as the largest first-order-condition residual at the collocation types,
    n_collocation = 40 Chebyshev types per side (the roots cos(pi (i + 1/2) / 40) of T_40, mapped onto each support):
    recomputed from scratch (_first_order_residuals: brentq inverses, binomial sums, a central difference) at those
    types for the returned strategies. m = 2, k = 0.3 with U[0, 1] priors (both sides solved) and m = 2, k = 1/2 with
    Beta(2, 2) priors (a mirror-image case with non-constant densities, where only the buyers' conditions are solved
    and the reported residual covers the sellers' too). The largest residual at 40 types shifted by a fraction of
    their spacing differs by far more than the tolerance (the residual oscillates between the types)."""
    from scipy import stats

    p = stats.uniform(0, 1) if priors == "uniform" else stats.beta(2, 2)
    eq = _solved(m, k, p, p)
    nodes = np.cos(np.pi * (np.arange(40) + 0.5) / 40)
    lo, hi = p.support()
    types = (lo + hi) / 2 + (hi - lo) / 2 * nodes
    rb, rs = _first_order_residuals(m, k, eq, p, p, types, types)
    assert eq.residual == pytest.approx(max(np.max(np.abs(rb)), np.max(np.abs(rs))), rel=1e-6, abs=1e-12)


def test_same_support_priors_that_are_not_mirror_images_are_solved_on_both_sides():
    """k = 1/2 on a common support [0, 1], buyer U[0, 1] against seller Beta(1, 1.2) (F_S(c) = 1 - (1 - c)^1.2, not
    1 - F_B(1 - c) = c): not a mirror-image pair, so both sides' conditions must be solved. The answer is certified
    (gap below 1e-6, measured 4e-8) and its efficiency agrees with clearing 100,000 simulated markets by rank within
    5 standard errors of the ratio of means; treating the pair as a mirror image (a seller who mirrors the buyer)
    leaves a gap of order 1e-2, which is refused."""
    import math

    from scipy import stats

    buyer, seller = stats.uniform(0, 1), stats.beta(1, 1.2)
    e = _solved(2, 0.5, buyer, seller)
    assert e.gap < 1e-6
    rng = np.random.default_rng(21)
    n = 50_000
    v, c = buyer.rvs((n, 2), random_state=rng), seller.rvs((n, 2), random_state=rng)
    offers = np.concatenate([e.bid(v), e.ask(c)], axis=1)
    rank = np.argsort(np.argsort(offers, axis=1), axis=1)         # the m lowest offers sell, the m highest buy
    buys, sells = rank[:, :2] >= 2, rank[:, 2:] < 2
    gains = (v * buys).sum(1) - (c * sells).sum(1)
    best = np.maximum(-np.sort(-v, axis=1) - np.sort(c, axis=1), 0).sum(1)
    ratio = gains.mean() / best.mean()
    grad = np.array([1.0, -ratio]) / best.mean()
    assert abs(ratio - e.efficiency) < 5 * math.sqrt(grad @ np.cov(gains, best) @ grad / n)


def test_misreport_of_an_asymmetric_equilibrium_covers_both_sides():
    """m = 2, k = 0.3 (buyers and sellers shade differently): misreport is the largest |b(v) - v| over the buyers whose
    bid exceeds the lowest ask and |a(c) - c| over the sellers whose ask is below the highest bid, recomputed on
    20001 types per side (not lib's 4001), each side's set taken from the other side's returned strategy."""
    eq = _solved(2, 0.3)
    t = np.linspace(0, 1, 20001)
    b, a = eq.bid(t), eq.ask(t)
    buyers = np.max(np.abs(b - t)[b > float(eq.ask(0.0))])
    sellers = np.max(np.abs(a - t)[a < float(eq.bid(1.0))])
    assert buyers != pytest.approx(sellers, abs=1e-3)           # the two sides differ, so both must be looked at
    assert eq.misreport == pytest.approx(max(buyers, sellers), abs=1e-6)


def test_fixed_price_checks_m_before_the_price():
    """fixed_price validates m (1..64) first, like every other entry point: m = 0 with an out-of-range price is
    refused for m, not for the price (and m = 65 likewise)."""
    from lib.market import fixed_price

    for m in (0, 65):
        with pytest.raises(ValueError, match=r"^m must"):
            fixed_price(m, 1.5)


@pytest.mark.parametrize("side", ["buyer_values", "seller_costs"])
def test_schedule_refuses_an_empty_side_by_name(side):
    """A market needs at least one buyer and one seller: an empty tuple (or list) of traders on either side is a
    ValueError naming that side and saying it must be non-empty, not an error from inside max()."""
    one = ((150.0,),) if side == "seller_costs" else ((50.0,),)
    for empty in ((), []):
        args = (empty, one) if side == "buyer_values" else (one, empty)
        with pytest.raises(ValueError, match=rf"^{side} must be a non-empty sequence"):
            Schedule(*args)


def test_tail_below_zero_and_past_the_last_count_is_documented_one_and_zero():
    """_tail(pmf, j) is documented as 1 for j <= 0 and 0 for j > n, whatever the leading axes: for the pmf of
    N = Bin(1, gb) + Bin(2, ga) (n = 3) on a 2 x 3 grid of (gb, ga), ones and zeros of shape (2, 3) (P(N >= j) is the
    sure event for j <= 0 and the impossible one for j > 3)."""
    from lib.market import _count_pmf, _tail

    gb = np.array([[0.2, 0.5, 0.9], [0.0, 0.75, 1.0]])
    ga = np.array([[0.6, 0.1, 0.5], [0.8, 1.0, 0.3]])
    pmf = _count_pmf(1, 2, gb, ga)
    for j in (-2, -1, 0):
        got = _tail(pmf, j)
        assert got.shape == (2, 3), j
        np.testing.assert_allclose(got, 1.0, rtol=0, atol=1e-15)
    for j in (4, 5):
        got = _tail(pmf, j)
        assert got.shape == (2, 3), j
        np.testing.assert_allclose(got, 0.0, rtol=0, atol=1e-15)


def test_gode_sunder_defaults_are_those_of_the_continuous_double_auction():
    """gode_sunder(market) is documented as continuous_double_auction on that market of GODE_SUNDER_MARKETS, so with no
    other argument both must run the same protocol (periods, replications, steps and seed by default): the same
    efficiencies, prices and trades, replication by replication, for ZI-C and ZI-U on market 2."""
    from lib.market import gode_sunder

    for traders in ("ZI-C", "ZI-U"):
        a, b = gode_sunder(2, traders), continuous_double_auction(GODE_SUNDER_MARKETS[2], traders)
        assert (a.periods, a.replications, a.steps) == (b.periods, b.replications, b.steps)
        np.testing.assert_array_equal(a.efficiencies, b.efficiencies)
        np.testing.assert_array_equal(a.prices, b.prices)
        np.testing.assert_array_equal(a.trades, b.trades)


def test_clearing_defaults_to_the_midpoint_price():
    """Without k, clear and clearing_price use k = 1/2 (the signature's default, the midpoint of [s_(m), s_(m+1)]):
    chapter 5's example, bids 0.8, 0.3, 0.6 against asks 0.2, 0.7, 0.5, sorts to 0.2, 0.3, 0.5, 0.6, 0.7, 0.8, so
    s_(3) = 0.5, s_(4) = 0.6 and the price is 0.55 (by hand), with two trades."""
    res = clear([0.8, 0.3, 0.6], [0.2, 0.7, 0.5])
    assert res.price == pytest.approx(0.55, abs=1e-15) and res.trades == 2
    assert float(clearing_price([[0.8, 0.3, 0.6]], [[0.2, 0.7, 0.5]])[0]) == pytest.approx(0.55, abs=1e-15)


def test_welfare_with_a_kink_inside_the_buyer_types():
    """The buyers' side of the seller-kink test: m = 1, b(v) = 0.1 + 0.8 v against a(c) = 0.31 + 0.5 c, so a buyer of
    value v trades with the sellers of cost c < u(v) = (0.8 v - 0.21) / 0.5 clipped to [0, 1]: with probability 0 below
    v = 0.2625 (its bid is the lowest ask 0.31) and with certainty above v = 0.8875 (its bid is the highest ask 0.81).
    Gains int_0^1 int_0^u(v) (v - c) dc dv and trades int_0^1 u(v) dv (inner integral by hand, outer by quad with both
    kinks as break points, to 1e-13); both kinks lie off the uniform panel edges (multiples of 1/256), so the
    quadrature must take them, the type whose bid is the highest ask among them, as edges."""
    from scipy import integrate

    from lib.market import market_welfare

    def u(v):
        return min(max((0.8 * v - 0.21) / 0.5, 0.0), 1.0)

    kinks = [0.2625, 0.8875]
    assert all(x * 256 % 1 != 0 for x in kinks)
    gains = integrate.quad(lambda v: v * u(v) - u(v) ** 2 / 2, 0, 1, points=kinks, epsabs=1e-14, epsrel=1e-13)[0]
    trades = integrate.quad(u, 0, 1, points=kinks, epsabs=1e-14, epsrel=1e-13)[0]
    got = market_welfare(1, lambda v: 0.1 + 0.8 * v, lambda c: 0.31 + 0.5 * c)
    assert got[0] == pytest.approx(gains, abs=1e-12)
    assert got[1] == pytest.approx(trades, abs=1e-12)


@pytest.mark.parametrize("m", [0, 65])
def test_every_equilibrium_entry_point_refuses_m_outside_1_to_64_by_name(m):
    """m counts traders per side, 1..64 (the module's limit): every entry point that takes m refuses 0 and 65 with a
    ValueError that starts with m's name, before looking at the other arguments."""
    from lib.market import best_response_gap, first_best_gains, fixed_price, market_welfare

    for call in (lambda: best_response_gap(m, lambda v: v, lambda c: c),
                 lambda: market_welfare(m, lambda v: v, lambda c: c),
                 lambda: first_best_gains(m),
                 lambda: fixed_price(m),
                 lambda: k_double_auction(m)):
        with pytest.raises(ValueError, match=r"^m must"):
            call()


def test_deviation_grid_is_capped_by_name():
    """n_offers is at most 100,001 (as n_types is at most 2001): one more is refused by name, before any grid is
    built."""
    from lib.market import best_response_gap

    with pytest.raises(ValueError, match=r"^n_offers must"):
        best_response_gap(1, lambda v: v, lambda c: c, n_offers=100_002)


def test_best_response_polish_is_translation_invariant():
    """The coarse-grid polish test moved to U[1, 2] on both sides (truthful offers, m = 1, k = 1/2, n_offers = 11): a
    common shift of values, costs and offers shifts every price by the same amount, so the buyer of value 2 bidding
    1 + x still earns x - 3 x^2 / 4 (by hand), best 1/3 at x = 2/3 against 1/4 truthfully: a gap of 1/12, which the
    polish on 11 offers within one grid step (h = 0.1) either side of the best grid offer 1.7 must reach to within
    (3/4) 0.01^2 = 7.5e-5, as on U[0, 1]; the seller of cost 1 is the mirror image. The step is the grid's spacing,
    not a quantity that depends on where the grid starts."""
    from scipy import stats

    from lib.market import best_response_gap

    p = stats.uniform(1, 1)
    g = best_response_gap(1, lambda v: v, lambda c: c, p, p, n_types=2, n_offers=11)
    assert g.worst_buyer_type == 2.0 and g.worst_seller_type == 1.0
    for gap in (g.buyer_gap, g.seller_gap):
        assert 1 / 12 - 7.5e-5 <= gap <= 1 / 12 + 1e-14


def test_welfare_panels_have_the_documented_edges():
    """_prob_nodes' panels: n equal ones and edges graded by sqrt(10) from each end (10^-1/2, 10^-1, ... of the
    width). Each panel's mass is the prior's probability of it, so for U[0, 1] the weights of the nodes strictly
    between two edges add up to exactly the distance between them, and not when either is not an edge (a panel
    straddling it contributes only its nodes on one side)."""
    from scipy import stats

    import lib.market as M

    x, p, _ = M._prob_nodes(stats.uniform(0, 1), 0.0, 1.0, [], n=4)

    def mass(a, b):
        return float(np.sum(p[(x > a) & (x < b)]))

    for a, b in ((0.25, 0.5), (0.5, 0.75)):  # the equal panels' edges i/4
        assert mass(a, b) == pytest.approx(b - a, rel=1e-13)
    assert abs(mass(0.2, 0.45) - 0.25) > 1e-3  # (not edges: the check can fail)
    fractions = 10.0 ** -np.arange(0.5, 12.5, 0.5)  # graded edges next to 0
    for a, b in zip(fractions[1:], fractions[:-1]):
        assert mass(a, b) == pytest.approx(b - a, rel=1e-12)


def test_collocation_start_is_the_uniform_linear_equilibrium_on_the_union_shrunk_by_m():
    """_start's markups (Chebyshev coefficients on each support) are those of Chatterjee and Samuelson's linear
    equilibrium for uniform priors on the union of the supports [lo, lo + w] (lib.bne.linear_uniform's U[0, 1]
    strategies scaled: bid w a_b + b_b v, ask w a_s + b_s c), the seller's plus w k(1 - k)/(2(2 - k)), divided by m.
    Values U[0, 2] against costs U[0, 1]: the union is [0, 2], not the sellers' [0, 1]."""
    from numpy.polynomial import chebyshev as cheb

    import lib.market as M
    from lib.bne import linear_uniform

    k, w = 0.5, 2.0
    a_b, b_b, a_s, b_s = linear_uniform(k)
    v, c = np.linspace(0, 2, 9), np.linspace(0, 1, 9)
    for m in (1, 2):
        cb, cs = M._start(m, k, (0.0, 2.0), (0.0, 1.0), 8)
        buyer = cheb.chebval(v - 1.0, cb)  # t = (2v - 0 - 2) / 2
        seller = cheb.chebval(2 * c - 1.0, cs)
        np.testing.assert_allclose(buyer, (v - (w * a_b + b_b * v)) / m, rtol=0, atol=1e-13)
        np.testing.assert_allclose(seller, ((w * a_s + b_s * c) - c + w * k * (1 - k) / (2 * (2 - k))) / m,
                                   rtol=0, atol=1e-13)


def test_one_trader_per_side_on_a_shifted_support_is_the_shifted_linear_equilibrium():
    """m = 1, k = 0.3, values and costs U[0.5, 1.5] (not mirror images at k != 1/2, so both sides' conditions are
    solved, at collocation types on each side's own support): a common shift of values, costs and offers shifts
    every price, so the equilibrium is Chatterjee and Samuelson's on U[0, 1] moved by 0.5, b(v) = 0.5 + (v - 0.5) /
    (1 + k) + k (1 - k) / (2 (1 + k)), a(c) = 0.5 + (c - 0.5) / (2 - k) + (1 - k) / 2 (by hand; measured error 2e-15)."""
    from scipy import stats

    k, p = 0.3, stats.uniform(0.5, 1)
    eq = k_double_auction(1, k, p, p)
    t = np.linspace(0.5, 1.5, 2001)
    np.testing.assert_allclose(eq.bid(t), 0.5 + (t - 0.5) / (1 + k) + k * (1 - k) / (2 * (1 + k)), rtol=0, atol=1e-10)
    np.testing.assert_allclose(eq.ask(t), 0.5 + (t - 0.5) / (2 - k) + (1 - k) / 2, rtol=0, atol=1e-10)


def test_best_response_polish_hits_a_best_deviation_one_fifth_of_a_step_off_the_grid():
    """Truthful offers, m = 1, U[0, 1], k = 8/17, n_offers = 11 (h = 0.1): the buyer of value 1 bidding b earns
    U(b) = b F(b) - b^2 + (1 - k) b^2 / 2 = b - (1 + k) b^2 / 2 (by hand), best at b = 1 / (1 + k) = 17/25 = 0.68, the
    best grid offer is 0.7, and 0.68 = 0.7 - h/5 is one of the polish's 11 offers within h either side (steps h/5),
    so the gap 1 / (2 (1 + k)) - (1 - k) / 2 = 32/425 (exact fractions) is found to rounding; a polish with coarser
    steps misses it by (1 + k)/2 times the squared distance (2.9e-4 at 0.02)."""
    from fractions import Fraction

    from lib.market import best_response_gap

    k = Fraction(8, 17)
    exact = 1 / (2 * (1 + k)) - (1 - k) / 2
    assert exact == Fraction(32, 425)
    g = best_response_gap(1, lambda v: v, lambda c: c, k=float(k), n_types=2, n_offers=11)
    assert g.worst_buyer_type == 1.0
    assert g.buyer_gap == pytest.approx(float(exact), abs=1e-14)


def _end_panel_bound(buyer, seller):
    """The end-panel bound of market_welfare's check for truthful offers, m = 1, from its documentation: each end
    panel is [lo, lo + d] (or [hi - d, hi]) with d the smallest of the widths w 10^(-j/2) (j = 1..48), w 10^-j
    (j = 25..300) that is at least 16 float steps of the end; its mass m is the prior's; the integrands are g = x P(x)
    and range * P(x), with P the probability of trading (a buyer of value v: the seller's F_S(v); a seller of cost
    c: the buyer's 1 - F_B(c)); bound = max over the ends of m max|g(end) - g(edge)| / 2, in units of the range."""
    (bl, bh), (sl, sh) = buyer.support(), seller.support()
    scale = max(bh, sh) - min(bl, sl)
    widths = [10.0 ** (-j / 2) for j in range(1, 49)] + [10.0 ** -j for j in range(25, 301)]
    out = 0.0
    for prior, (lo, hi), trade in ((buyer, (bl, bh), seller.cdf), (seller, (sl, sh), buyer.sf)):
        e_lo, e_hi = (x + sign * min(d * (hi - lo) for d in widths if d * (hi - lo) >= 16 * np.spacing(abs(x)))
                      for x, sign in ((lo, 1), (hi, -1)))
        for end, edge, mass in ((lo, e_lo, prior.cdf(e_lo)), (hi, e_hi, prior.sf(e_hi))):
            dg = max(abs(end * trade(end) - edge * trade(edge)), scale * abs(trade(end) - trade(edge)))
            out = max(out, mass * dg / 2 / scale)
    return out


@pytest.mark.parametrize("a, loc, width_b", [(0.27, 1.0, 1.0), (0.278, 1.0, 1.0), (0.3, 1.0, 1.0), (0.32, 10.0, 2.0)])
def test_end_panel_check_refuses_exactly_where_its_bound_exceeds_1e_8_of_the_range(a, loc, width_b):
    """Poles at the lower end of supports away from 0: values Beta(a, 1) on [loc, loc + width_b], costs Beta(a, 1)
    on [loc, loc + 1] (cdfs ((x - loc) / width)^a), truthful offers, m = 1. first_best_gains must refuse the priors
    exactly where the documented end-panel bound (computed here from the prior's cdf, _end_panel_bound) exceeds 1e-8
    of the types' whole range (1, and 2 for values on [10, 12]), and otherwise equal the first best by hand,
    int F_S (1 - F_B): 1/(a + 1) - 1/(2a + 1) on [1, 2]; on [10, 12], 1/(a + 1) - 2^-a/(2a + 1) below 11 plus
    1 - 2 (1 - 2^-(a + 1))/(a + 1) above (measured errors 9e-12 to 5e-11). The bounds are 1.38, 0.82, 0.20 and 0.72
    of the allowance: at least 18 % away from it, so the verdict does not hang on rounding."""
    from scipy import stats

    from lib.market import first_best_gains

    buyer, seller = stats.beta(a, 1, loc=loc, scale=width_b), stats.beta(a, 1, loc=loc)
    bound = _end_panel_bound(buyer, seller)
    assert abs(bound / 1e-8 - 1) > 0.15
    if width_b == 1.0:
        exact = 1 / (a + 1) - 1 / (2 * a + 1)
    else:
        exact = 1 / (a + 1) - 2 ** -a / (2 * a + 1) + 1 - 2 * (1 - 2 ** -(a + 1)) / (a + 1)
    if bound > 1e-8:
        with pytest.raises(ValueError, match="floats cannot resolve"):
            first_best_gains(1, buyer, seller)
    else:
        assert first_best_gains(1, buyer, seller) == pytest.approx(exact, abs=1e-9 * width_b)
