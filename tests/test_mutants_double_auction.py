"""Checks that kill mutants of lib/double_auction.py (tools/mutate.py) the other tests let live.

Independent route: for uniform priors and a truthful seller (s(c) = c) trade happens iff c <= b(v), so for a
piecewise-linear bid with values in [0, 1]
    P(trade) = int_0^1 b(v) dv,   gains = int_0^1 int_0^{b(v)} (v - c) dc dv = int_0^1 (v b(v) - b(v)^2 / 2) dv,
integrated exactly by sympy piece by piece (the jump points as exact binary rationals).
"""
import numpy as np
import pytest
import sympy as sp

from lib.distributions import beta as beta_on
from lib.distributions import uniform as uniform_on
from lib.double_auction import best_response_gap, outcomes, simulate

GRID_STEP = 1 / 4096  # lib's monotonicity / jump grid has 4097 points on [0, 1]


def exact_truthful_seller(pieces):
    """pieces: (start, end, intercept, slope) of b on [start, end); exact P(trade) and gains."""
    v = sp.symbols("v")
    p = g = sp.Integer(0)
    for start, end, intercept, slope in pieces:
        b = sp.Rational(intercept) + sp.Rational(slope) * v
        p += sp.integrate(b, (v, sp.Rational(start), sp.Rational(end)))
        g += sp.integrate(v * b - b ** 2 / 2, (v, sp.Rational(start), sp.Rational(end)))
    return float(p), float(g)


def test_two_jumps_in_neighbouring_grid_cells_are_both_located():
    """Two jumps one grid cell apart: neither is 8 times its neighbour, so only the 'large against the span' rule
    finds them (span 0.36, jumps 0.03 > 0.02 * 0.36). A jump left inside a quadrature panel costs about 1e-8."""
    j1, j2 = 0.5 + 0.3 * GRID_STEP, 0.5 + 1.3 * GRID_STEP

    def bid(v):
        v = np.asarray(v, dtype=float)
        return 0.2 + 0.3 * v + 0.03 * (v >= j1) + 0.03 * (v >= j2)

    got = outcomes(bid, lambda c: np.asarray(c, dtype=float))
    p, g = exact_truthful_seller([(0.0, j1, 0.2, 0.3), (j1, j2, 0.23, 0.3), (j2, 1.0, 0.26, 0.3)])
    assert got.trade_probability == pytest.approx(p, abs=3e-9)
    assert got.gains == pytest.approx(g, abs=3e-10)


def test_best_response_gaps_against_the_closed_form_for_a_truthful_pair():
    """Seller U[0, 1] asks s(c) = c, buyer bids b(v) = v. A buyer bidding x <= 1 gets
    U(x; v) = int_0^x (v - k x - (1 - k) c) dc = v x - (1 + k) x^2 / 2, best at x* = v / (1 + k), so her gap is
    v^2 / (2 (1 + k)) - (v^2 - (1 + k) v^2 / 2). The buyer prior starts at 3e-4 so that the lowest type's best bid
    (2e-4) lies in the first cell of the offer grid (whose cells are 5e-4 wide)."""
    k = 0.5
    buyer = uniform_on(3e-4, 1.0003)
    got = best_response_gap(lambda v: v, lambda c: c, buyer=buyer, k=k, n_types=9)
    v = got.buyer_types
    inside = v <= 1.0
    closed = v ** 2 / (2 * (1 + k)) - (v ** 2 - (1 + k) * v ** 2 / 2)
    assert got.buyer_gaps[0] == pytest.approx(closed[0], rel=1e-6)
    np.testing.assert_allclose(got.buyer_gaps[inside], closed[inside], rtol=1e-9, atol=1e-13)


def test_ex_ante_utilities_under_a_skewed_buyer_prior():
    """Truthful pair, buyer v ~ Beta(2, 1) (density 2v), seller c ~ U[0, 1]: a buyer of value v gets
    (1 - k) v^2 / 2 (the formula above at x = v), and a seller of cost c gets int_c^1 k (v - c) 2 v dv;
    their expectations are integrated exactly by sympy (a uniform prior would hide a wrong density weight)."""
    k = sp.Rational(1, 4)
    v, c = sp.symbols("v c")
    buyer_exact = sp.integrate((1 - k) * v ** 2 / 2 * 2 * v, (v, 0, 1))
    seller_exact = sp.integrate(sp.integrate(k * (v - c) * 2 * v, (v, c, 1)), (c, 0, 1))
    got = best_response_gap(lambda x: x, lambda x: x, buyer=beta_on(2.0, 1.0), k=float(k), n_types=5)
    assert got.buyer_utility == pytest.approx(float(buyer_exact), abs=1e-10)
    assert got.seller_utility == pytest.approx(float(seller_exact), abs=1e-10)


def test_simulated_standard_errors_are_binomial():
    """The trade indicator of n auctions is Bernoulli(p): its standard error is sqrt(p (1 - p) / n), up to the
    sampling error of p itself. Truthful pair under U[0, 1]: p = 1/2."""
    n = 40_000
    got = simulate(lambda x: x, lambda x: x, n=n, seed=7)
    assert got.trade_probability == pytest.approx(0.5, abs=5 * np.sqrt(0.25 / n))
    assert got.trade_probability_se == pytest.approx(np.sqrt(0.25 / n), rel=0.01)


def test_best_response_at_a_kink_of_the_other_side_is_polished_on_a_coarse_grid():
    """Sellers ask s(c) = max(c, c/2 + 0.31): the density of asks halves at 0.62, so a buyer's utility U_b(x; v)
    has a concave kink there, and for 0.775 < v < 0.93 the best bid is exactly 0.62 (not a grid point). With the
    coarsest bid grid allowed (n_bids = 3) the documented resolution (gaps of 1e-9) must still hold. Exact route:
    U_b is a quadratic in x on each side of the kink (uniform sellers), evaluated in rationals; the best bid is the
    largest of the ends, the kink and each piece's vertex (from three exact values)."""
    from fractions import Fraction as Q

    bid = lambda v: np.minimum(v, 0.3 + 0.2 * v)  # noqa: E731 - a kinked, non-equilibrium bid
    ask = lambda c: np.maximum(c, 0.5 * c + 0.31)  # noqa: E731
    low, kink = Q(31, 100), Q(62, 100)

    def utility(x, v):  # E_c[(v - x/2 - s(c)/2) 1{s(c) <= x}], c ~ U[0, 1], k = 1/2
        if x <= low:
            return Q(0)
        c1 = min(2 * (x - low), kink)  # sellers on the branch s(c) = c/2 + 0.31 with s(c) <= x
        total = c1 * (v - x / 2 - low / 2) - c1 ** 2 / 8
        if x > kink:  # sellers on the branch s(c) = c in (0.62, x]
            total += (x - kink) * (v - x / 2) - (x ** 2 - kink ** 2) / 4
        return total

    def best(v):
        values = [Q(0), utility(kink, v), utility(Q(1), v)]
        for lo, hi in ((low, kink), (kink, Q(1))):
            mid, h = (lo + hi) / 2, (hi - lo) / 2
            y0, y1, y2 = utility(lo, v), utility(mid, v), utility(hi, v)
            a2, a1 = (y2 - 2 * y1 + y0) / (2 * h * h), (y2 - y0) / (2 * h)
            if a2 < 0 and lo <= mid - a1 / (2 * a2) <= hi:
                values.append(utility(mid - a1 / (2 * a2), v))
        return max(values)

    result = best_response_gap(bid, ask, uniform_on(0, 1), uniform_on(0, 1), 0.5, n_types=9, n_bids=3)
    exact = [float(best(Q(v)) - utility(Q(float(bid(v))), Q(v))) for v in result.buyer_types]
    assert exact[7] > 0.06  # v = 0.875: the kink is the best bid (0.775 < v < 0.93)
    np.testing.assert_allclose(result.buyer_gaps, exact, rtol=0, atol=1e-9)


def test_simulated_one_price_trades_at_ties():
    """A one-price rule at x = 0.4 (buyers with v >= x bid x, sellers with c <= x ask x, the others bid 0 / ask 1):
    trade happens exactly at the tie b = s = x, iff c <= x <= v, so for U[0, 1] priors P = x (1 - x) and
    gains = x (1 - x) / 2 (by integration); the simulation must agree within 5 standard errors."""
    x = 0.4
    sim = simulate(lambda v: np.where(v >= x, x, 0.0), lambda c: np.where(c <= x, x, 1.0), n=20_000, seed=3)
    assert abs(sim.trade_probability - x * (1 - x)) < 5 * sim.trade_probability_se
    assert abs(sim.gains - x * (1 - x) / 2) < 5 * sim.gains_se


def test_simulated_standard_errors_at_a_huge_scale():
    """Priors on [0, 1e120]: the draws exceed 1e100, so lib rescales before the sums. The means and standard errors
    must be those of the same draws computed here on values divided by 1e120 (numpy, ddof 1), times 1e120."""
    scale, n, seed = 1e120, 50, 7
    prior = uniform_on(0.0, scale)
    sim = simulate(lambda v: v, lambda c: c, prior, prior, n=n, seed=seed)
    rng = np.random.default_rng(seed)
    v = prior.rvs(size=n, random_state=rng) / scale
    c = prior.rvs(size=n, random_state=rng) / scale
    gains = np.where(v >= c, v - c, 0.0)
    assert sim.gains == pytest.approx(gains.mean() * scale, rel=1e-12)
    assert sim.gains_se == pytest.approx(gains.std(ddof=1) / np.sqrt(n) * scale, rel=1e-12)


@pytest.mark.parametrize("n", [2, 3, 7])
def test_simulated_standard_error_of_a_zero_one_sample_is_exact(n):
    """Any sample of n zeros and ones with share p has sample variance (ddof 1) n p (1 - p) / (n - 1), so the
    standard error of the simulated trade probability must be sqrt(p (1 - p) / (n - 1)) exactly, whatever the draws.
    Small n makes the degrees of freedom visible (ddof 2 instead of 1 changes it by sqrt((n - 1) / (n - 2))).
    Buyers v ~ U[1, 2] bid v - 1 against truthful U[0, 1] sellers: every auction has gains (so efficiency is
    defined) and half of them trade."""
    mixed = 0
    for seed in range(12):
        sim = simulate(lambda v: v - 1, lambda c: c, uniform_on(1.0, 2.0), n=n, seed=seed)
        p = sim.trade_probability
        assert p * n == pytest.approx(round(p * n), abs=1e-12)
        assert sim.trade_probability_se == pytest.approx(np.sqrt(p * (1 - p) / (n - 1)), rel=1e-12, abs=1e-15)
        mixed += 0 < p < 1
    assert mixed >= 3  # the check bites: some samples hold both trades and failures


def test_jumps_are_located_when_the_bids_lie_far_from_zero():
    """The two neighbouring jumps above, with every type shifted by 10 (values and costs U[10, 11], the bid
    10.2 + 0.3 (v - 10) + jumps): a translation of both sides leaves P(trade) and the gains unchanged, so the same
    exact integrals apply. The 'large against the span' rule must measure the span of the bids (0.36), not their
    level (about 10)."""
    shift = 10.0
    j1, j2 = 0.5 + 0.3 * GRID_STEP, 0.5 + 1.3 * GRID_STEP

    def bid(v):
        u = np.asarray(v, dtype=float) - shift
        return shift + 0.2 + 0.3 * u + 0.03 * (u >= j1) + 0.03 * (u >= j2)

    prior = uniform_on(shift, shift + 1.0)
    got = outcomes(bid, lambda c: np.asarray(c, dtype=float), prior, prior)
    p, g = exact_truthful_seller([(0.0, j1, 0.2, 0.3), (j1, j2, 0.23, 0.3), (j2, 1.0, 0.26, 0.3)])
    assert got.trade_probability == pytest.approx(p, abs=3e-9)
    assert got.gains == pytest.approx(g, abs=3e-10)


def test_a_continuous_strategy_has_no_jumps_and_a_step_has_exactly_its_own():
    """lib's grid scan reports the jumps of a strategy (they become quadrature edges). A linear or smooth
    strategy has none, however steep; a strategy with two jumps has exactly those two, located to rounding."""
    from lib.double_auction import _scan

    for f in (lambda x: 0.2 + 0.3 * x, lambda x: 5.0 * x, lambda x: np.sqrt(x + 1e-3)):
        assert _scan(f, 0.0, 1.0, "bid")[0].size == 0
    j1, j2 = 0.31, 0.77
    jumps = _scan(lambda x: 0.1 * x + 0.2 * (x >= j1) + 0.05 * (x >= j2), 0.0, 1.0, "bid")[0]
    np.testing.assert_allclose(jumps, [j1, j2], rtol=0, atol=1e-15)


def test_seller_gap_when_two_candidate_asks_are_an_ulp_apart():
    """Bids 0.5 v + 0.1 against asks 0.6 c + 0.3 (not an equilibrium), buyer Beta(2, 2), seller Beta(2, 5), k = 0.3.
    For the seller type c = 0.225 the candidate asks hold 0.345 twice (a grid point and a buyer's bid, one ulp apart),
    next to the best ask 0.345125: the gap must be the best reply's, found independently by quadrature of
    U_s(y) = E_v[(k b(v) + (1 - k) y - c) 1{b(v) >= y}] on a 2001-point grid and bounded Brent (0.0186089800508)."""
    from scipy import integrate, optimize, stats

    from lib.double_auction import best_response_gap

    k, c = 0.3, 0.225
    B = stats.beta(2, 2)

    def U(y):
        v0 = min(max((y - 0.1) / 0.5, 0.0), 1.0)
        return integrate.quad(lambda v: (k * (0.5 * v + 0.1) + (1 - k) * y - c) * B.pdf(v), v0, 1.0,
                              epsabs=1e-15, limit=200)[0]

    ys = np.linspace(0.0, 1.0, 2001)
    j = int(np.argmax([U(y) for y in ys]))
    best = optimize.minimize_scalar(lambda y: -U(y), bounds=(ys[j - 1], ys[j + 1]), method="bounded",
                                    options={"xatol": 1e-12})
    gap = -best.fun - U(0.6 * c + 0.3)
    g = best_response_gap(lambda v: 0.5 * v + 0.1, lambda c: 0.6 * c + 0.3, B, stats.beta(2, 5), k=k)
    assert g.seller_types[9] == pytest.approx(c, abs=1e-15)
    # measured: 3e-16 (before the candidates were deduplicated: 4.0e-8 below)
    assert g.seller_gaps[9] == pytest.approx(gap, abs=1e-12)
