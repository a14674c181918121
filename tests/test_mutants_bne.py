"""Checks that kill mutants of lib/bne.py (tools/mutate.py) the other tests let live."""
import numpy as np
import pytest

from lib.bne import solve_double_auction
from lib.distributions import uniform
from uniform_shooting import uniform_regular_equilibrium


@pytest.mark.parametrize("rtol", [1e-13, 1e-3])
def test_the_documented_ends_of_rtol_are_accepted(rtol):
    """The docstring allows 1e-13 <= rtol <= 1e-3; at both ends uniform priors give Chatterjee and Samuelson's
    b(v) = 1/12 + 2 v / 3 at k = 1/2 (closed form)."""
    result = solve_double_auction(uniform(), uniform(), 0.5, rtol=rtol)
    assert float(result.bid(0.5)) == pytest.approx(1 / 12 + 2 * 0.5 / 3, abs=1e-6)


@pytest.mark.parametrize("rtol", [0.99e-13, 1.01e-3])
def test_rtol_outside_the_documented_range_is_rejected(rtol):
    with pytest.raises(ValueError, match="rtol"):
        solve_double_auction(uniform(), uniform(), 0.5, rtol=rtol)


def test_root_scan_finds_the_equilibrium_newton_from_the_guess_misses():
    """Beta(1.3, 1.3) priors at k = 1/4: the solver's scan of both end slopes finds a regular equilibrium, certified
    independently by the best-response check (no type of either side gains from any bid on a grid of 2001)."""
    from scipy.stats import beta

    result = solve_double_auction(beta(1.3, 1.3), beta(1.3, 1.3), 0.25)
    assert "scan of both end slopes" in result.method
    assert result.residual < 1e-10
    assert result.best_response_gap(n_types=3).relative_gap <= 1e-8


def _power_seller_linear(a, k):
    """Closed form, derived here from the first-order conditions: a seller with F_S(c) = c^a on [0, 1] against a
    uniform buyer has a linear regular equilibrium h(p) = A p + B, g(p) = C p + D. g' = k g / (a (h - p)) forces
    a (A - 1) = k and a C B = k D; h' = (1 - k)(1 - h) / (p - g) forces C = 2 - k and -A D = (1 - k)(1 - B).
    Returns (A, B, C, D, p_lo, p_hi) with g(p_lo) = 0 and h(p_hi) = 1."""
    A, C = 1 + k / a, 2 - k
    B = (1 - k) / ((1 - k) - A * a * C / k)
    D = a * C * B / k
    return A, B, C, D, -D / C, (1 - B) / A


@pytest.mark.parametrize("side", ["seller", "buyer"])
def test_end_ratio_just_above_the_documented_floor_is_solved(side):
    """L (or R) = 1 / 9.95 = 0.1005 is inside the supported domain (L, R >= 0.1): a power-law seller F_S(c) = c^9.95
    against a uniform buyer at k = 1/2 gives the closed-form linear equilibrium above; the buyer case is its mirror
    (v -> 1 - c, which maps k = 1/2 to itself)."""
    from scipy.stats import beta

    a, k = 9.95, 0.5
    A, B, C, D, p_lo, p_hi = _power_seller_linear(a, k)
    x = np.linspace(0.0, 1.0, 41)
    if side == "seller":
        result = solve_double_auction(uniform(), beta(a, 1), k)
        assert result.price_range == pytest.approx((p_lo, p_hi), abs=1e-9)
        v, c = x[x >= p_lo], x[x <= p_hi]
        assert np.max(np.abs(result.bid(v) - (v - B) / A)) < 1e-8
        assert np.max(np.abs(result.ask(c) - (c - D) / C)) < 1e-8
    else:
        result = solve_double_auction(beta(1, a), uniform(), k)
        assert result.price_range == pytest.approx((1 - p_hi, 1 - p_lo), abs=1e-9)
        v, c = x[x >= 1 - p_hi], x[x <= 1 - p_lo]
        assert np.max(np.abs(result.bid(v) - (1 - (1 - v - D) / C))) < 1e-8
        assert np.max(np.abs(result.ask(c) - (1 - (1 - c - B) / A))) < 1e-8


@pytest.mark.parametrize("side", ["seller", "buyer"])
def test_end_ratio_just_below_the_documented_floor_is_rejected_by_name(side):
    """L (or R) = 1 / 10.05 = 0.0995 < 0.1: refused with a ValueError that names the side and the limit."""
    from scipy.stats import beta

    priors = (uniform(), beta(10.05, 1)) if side == "seller" else (beta(1, 10.05), uniform())
    with pytest.raises(ValueError, match=f"{side}'s density vanishes too fast.*0.0995 < 0.1"):
        solve_double_auction(*priors, 0.5)


@pytest.mark.parametrize("end", ["low", "high"])
def test_end_ratio_next_to_the_end_matches_the_closed_form(end):
    """Below z0 = 1e-4 of the width rho is the quadratic through rho(z0), rho(2 z0), rho(3 z0). For Beta(2, 2),
    F(y) = 3 y^2 - 2 y^3 and f(y) = 6 y (1 - y), so rho(y) = F(y) / (y f(y)) = (3 - 2 y) / (6 (1 - y)) exactly (and
    the same at the top end by symmetry); the quadratic's truncation error is of order z0^3, far below 1e-9."""
    from scipy.stats import beta

    from lib.bne import _EndRatio

    d = beta(2, 2)
    if end == "low":
        ratio = _EndRatio(lambda y: d.cdf(y), lambda y: d.pdf(y), 1.0, "seller")
    else:
        ratio = _EndRatio(lambda z: d.sf(1 - z), lambda z: d.pdf(1 - z), 1.0, "buyer")
    z = np.array([1e-9, 1e-6, 2e-5, 5e-5, 9e-5, 0.99e-4, 1e-4, 1.5e-4, 2.5e-4, 0.01, 0.3])
    exact = (3 - 2 * z) / (6 * (1 - z))
    assert np.max(np.abs(ratio(z) / exact - 1)) < 1e-9
    assert max(abs(ratio.scalar(float(t)) / e - 1) for t, e in zip(z, exact)) < 1e-9
    assert ratio.limit == pytest.approx(0.5, rel=1e-9)


def test_k_zero_with_every_value_above_every_cost_starts_trade_at_the_lowest_value():
    """k = 0, buyer U[1, 2], seller U[0, 1]: phi_B(p) = p - (2 - p) = 2 p - 2 is above the lowest cost 0 on the whole
    open support, so trade starts at p_lo = 1 and the seller's monopoly ask is phi_B^{-1}(c) = 1 + c / 2 (closed
    form); the highest cost asks 1.5."""
    r = solve_double_auction(uniform(1, 2), uniform(), 0.0)
    assert r.price_range == pytest.approx((1.0, 1.5), abs=1e-12)
    c = np.linspace(0.0, 1.0, 21)
    assert np.max(np.abs(r.ask(c) - (1 + c / 2))) < 1e-9


@pytest.mark.parametrize("k", [0.0, 1.0])
def test_exact_one_sided_end_slopes_are_the_virtual_value_slopes_at_the_ends(k):
    """k = 0, buyer F_B(v) = v^2 on [0, 1], seller U[0, 1]: the buyer bids her value (h' = 1) and
    g(p) = phi_B(p) = p - (1 - p^2) / (2 p) = 1.5 p - 1 / (2 p), so g' = 1.5 + 1 / (2 p^2): 3 at p_lo = 1 / sqrt(3)
    (where phi_B = 0) and 2 at p_hi = 1 (closed form). k = 1 with seller Beta(1, 2) and a uniform buyer is the
    mirror image (c -> 1 - v): h' = 2 at p_lo = 0 and 3 at p_hi = 1 - 1 / sqrt(3), g' = 1."""
    from scipy.stats import beta

    if k == 0.0:
        r = solve_double_auction(beta(2, 1), uniform(), k)
        expected, prices = (1.0, 3.0, 1.0, 2.0), (1 / np.sqrt(3), 1.0)
    else:
        r = solve_double_auction(uniform(), beta(1, 2), k)
        expected, prices = (2.0, 1.0, 3.0, 1.0), (0.0, 1 - 1 / np.sqrt(3))
    assert r.price_range == pytest.approx(prices, abs=1e-12)
    assert r.end_slopes == pytest.approx(expected, abs=1e-5)


def test_tabulated_end_ratio_matches_the_closed_form():
    """The cubic-spline table of rho used by the loose stages, against rho(y) = (3 - 2 y) / (6 (1 - y)) of Beta(2, 2)
    (closed form, see above) on a dense grid of its range [0, top), both the scalar Horner route and the vectorised
    one, and beyond top (the exact ratio)."""
    from scipy.stats import beta

    from lib.bne import _EndRatio

    d = beta(2, 2)
    table = _EndRatio(lambda y: d.cdf(y), lambda y: d.pdf(y), 1.0, "seller").table()
    assert table.pp is not None and 0.5 < table.top < 1.0
    z = np.linspace(0.0, table.top, 4001)[:-1] + 0.37 / 4096  # off the knots
    z = z[z < table.top]
    exact = (3 - 2 * z) / (6 * (1 - z))
    assert np.max(np.abs(table(z) / exact - 1)) < 1e-8
    assert max(abs(table.scalar(float(t)) / e - 1) for t, e in zip(z, exact)) < 1e-8
    beyond = np.linspace(table.top, 0.99, 7)
    exact = (3 - 2 * beyond) / (6 * (1 - beyond))
    assert np.max(np.abs(table(beyond) / exact - 1)) < 1e-9
    assert max(abs(table.scalar(float(t)) / e - 1) for t, e in zip(beyond, exact)) < 1e-9


def test_tabulated_end_ratio_past_a_density_jump():
    """A seller density 1.4 on [0, 1/2) and 0.6 on [1/2, 1] (scipy's rv_histogram): rho(y) = F(y) / (y f(y)) is 1
    below 1/2 and (0.7 + 0.6 (y - 1/2)) / (0.6 y) above (closed form). The first spline ends before the jump; a
    further one covers the smooth part past it, and both agree with the closed form to 1e-9 on a dense grid off the
    knots, by the scalar Horner route, the vectorised one and the inlined right-hand side's fallback (``rest``)."""
    from scipy import stats

    from lib.bne import _EndRatio

    d = stats.rv_histogram((np.array([1.4, 0.6]), np.array([0.0, 0.5, 1.0]))).freeze()
    table = _EndRatio(lambda y: d.cdf(y), lambda y: d.pdf(y), 1.0, "seller").table()
    assert table.pp is not None and 0.45 < table.top < 0.5
    past = np.arange(4096) / 4096 > 0.51
    assert np.mean(table.covered[past]) > 0.99  # the part past the jump is tabulated, not the exact ratio
    z = np.linspace(1e-3, 0.999, 20001) + 0.37 / 4096
    z = z[(z < 0.999) & (np.abs(z - 0.5) > 2e-3)]
    exact = np.where(z < 0.5, 1.0, (0.7 + 0.6 * (z - 0.5)) / (0.6 * z))
    assert np.max(np.abs(table(z) / exact - 1)) < 1e-9
    assert max(abs(table.scalar(float(t)) / e - 1) for t, e in zip(z, exact)) < 1e-9
    above = z > table.top
    assert max(abs(table.rest(float(t)) / e - 1) for t, e in zip(z[above], exact[above])) < 1e-9


def test_crossings_locates_a_constructed_crossing_and_the_closest_approach():
    """Two polygonal curves built to cross at a chosen point: P runs along y = 2 x through the vertices (i, 2 i) and
    Q along direction (1, -1.5) through X = (1.3, 2.6) = P(1) + 0.3 (P(2) - P(1)), with X = Q(2) + 0.6 (Q(3) - Q(2)).
    The start for Newton is the log slopes interpolated at those fractions, and the closest approach of the sampled
    points (brute force over every pair, in the max norm) is reported as the distance."""
    from lib.bne import _crossings

    P = np.array([[i, 2.0 * i] for i in range(5)])
    X, d = np.array([1.3, 2.6]), np.array([1.0, -1.5])
    Q = np.array([X + (j - 2.6) * d for j in range(5)])
    logs_p, logs_q = np.log(10.0) * np.arange(-2, 3), np.log(10.0) * np.arange(-2, 3) / 2
    starts, closest, _, n_cross = _crossings(P, Q, logs_p, logs_q)
    assert n_cross == 1
    assert starts[0] == pytest.approx((logs_p[1] + 0.3 * (logs_p[2] - logs_p[1]),
                                       logs_q[2] + 0.6 * (logs_q[3] - logs_q[2])), abs=1e-12)
    brute = min(float(np.max(np.abs(p - q))) for p in P for q in Q)
    assert closest == pytest.approx(brute, abs=1e-15)
    assert _crossings(P, P + np.array([0.0, 1.0]), logs_p, logs_q)[3] == 0  # parallel curves do not cross


@pytest.mark.parametrize("a, k", [(9.0, 0.01), (9.95, 0.05)])
def test_end_prices_with_the_top_root_in_the_last_cell_of_the_scan(a, k):
    """Power-law seller F_S(c) = c^a against a uniform buyer at small k: the linear equilibrium above (closed form)
    trades up to p_hi within 1/256 of the highest value, inside the last cell of the 257-point bracketing grid of the
    end conditions; both ends of the trading range match the closed form."""
    from scipy.stats import beta

    from lib.bne import _end_prices, _end_ratios

    *_, p_lo, p_hi = _power_seller_linear(a, k)
    assert 1 - p_hi < 1 / 256
    supports = ((0.0, 1.0), (0.0, 1.0))
    Bv, Sv, rho_b, rho_s = _end_ratios(uniform(), beta(a, 1), *supports)
    assert _end_prices(Bv, Sv, rho_b, rho_s, *supports, k) == pytest.approx((p_lo, p_hi), abs=1e-14)


def test_other_end_slopes_are_those_of_the_second_uniform_equilibrium():
    """Uniform priors at k = 0.45 have two regular equilibria (tests/test_bne.py); the linear one, g'(p_lo) = 2 - k and
    h'(p_hi) = 1 + k, is returned, and other_end_slopes holds (g'(p_lo), h'(p_hi)) of the second, here found by an
    own shooting (solve_ivp from p_lo + eps and p_hi - eps, fsolve on the mismatch at p = 1/2). The other members are
    solved only to a mismatch of 1e-7 (module docstring), which moves their slopes by about 1e-5."""
    k = 0.45
    z, mismatch, _ = uniform_regular_equilibrium(k, 1e-8)
    assert mismatch < 1e-10
    r = solve_double_auction(uniform(), uniform(), k)
    assert r.end_slopes[1:3] == pytest.approx((2 - k, 1 + k), rel=1e-9)
    assert len(r.other_end_slopes) == 1
    assert r.other_end_slopes[0] == pytest.approx(tuple(z), rel=1e-4)


def test_error_smooth_family_grid_is_strictly_inside_the_family_ends(monkeypatch):
    """NoRegularEquilibrium.smooth_family(n) evaluates lib.bne.smooth_family on the n x n grid of ends equally spaced
    strictly inside family_ends (n = 3 by default, n = 1 the middle): the pairs it passes, recorded, against the grid
    written out by hand for made-up ends."""
    import lib.bne as bne

    seen = []
    monkeypatch.setattr(bne, "smooth_family", lambda buyer, seller, k, pairs, **kw: seen.append((k, pairs, kw)))
    error = bne.NoRegularEquilibrium("no regular equilibrium")
    error.family_ends, error._problem = ((0.1, 0.3), (0.6, 1.0)), ("buyer", "seller", 0.25)
    error.smooth_family()
    error.smooth_family(n=1)
    error.smooth_family(n=10)
    (k, default, kw), (_, middle, _), (_, ten, _) = seen
    assert k == 0.25 and kw == {"rtol": 1e-9, "tol": 1e-7}
    hand = [(0.1 + 0.05 * i, 0.6 + 0.1 * j) for i in (1, 2, 3) for j in (1, 2, 3)]
    assert np.allclose(default, hand, rtol=0, atol=1e-15) and np.allclose(middle, [(0.2, 0.8)], rtol=0, atol=1e-15)
    assert len(ten) == 100 and min(ten) > (0.1, 0.6) and max(ten) < (0.3, 1.0)
    error.family_ends = None
    with pytest.raises(ValueError, match="no ends"):
        error.smooth_family()


def test_smooth_runs_are_the_longest_runs_of_locally_cubic_cells():
    """_smooth_runs on hand-made values: 1, with jumps up after knots 40 and 141 and down after 202 and 403 (so the
    cells next to each jump are not locally cubic) gives the smooth runs [1, 39), [42, 140), [143, 201), [204, 402) and
    [405, 599) of the 600 cells (cell 0 has no left neighbour); the three longest, in order, are returned, and runs
    shorter than min_cells are dropped."""
    from lib.bne import _smooth_runs

    y = np.ones(601)
    for knot, step in ((40, 1.0), (141, 1.0), (202, -1.0), (403, -1.0)):  # back to 1 at the end, as at the start
        y[knot + 1:] += step
    mid = 0.5 * (y[:-1] + y[1:])  # the exact midpoint values of a step function between knots
    assert _smooth_runs(y, mid, 0, limit=5) == [(1, 39), (42, 140), (143, 201), (204, 402), (405, 599)]
    assert _smooth_runs(y, mid, 0, limit=3) == [(42, 140), (204, 402), (405, 599)]
    assert _smooth_runs(y, mid, 150, limit=5, min_cells=100) == [(204, 402), (405, 599)]
    assert _smooth_runs(y, mid, 580, limit=5) == []


def test_family_member_reports_its_own_solve_time():
    """``seconds`` of a family member's equilibrium is the time smooth_equilibria took: positive and within the
    wall-clock time measured around the call (a consistency check of the field, not a performance target)."""
    import time

    from lib.bne import smooth_equilibria

    start = time.perf_counter()
    members = smooth_equilibria(uniform(), uniform(), 0.5, 0.25, 0.75, rtol=1e-9, tol=1e-7)
    elapsed = time.perf_counter() - start
    assert members and all(0 < m.equilibrium.seconds <= elapsed for m in members)


def test_evaluate_reports_a_failed_perturbed_half():
    """_Shooting.evaluate returns (None, None) when a half fails (nan) at the perturbed slope of its forward
    difference though not at the slope itself: a Jacobian with nan entries is never handed to Newton."""
    from lib.bne import _Shooting

    sh = object.__new__(_Shooting)
    for side in (0, 1):
        def half(s, slope, rtol, fail=side):  # the half on side `fail` fails just above slope 1
            return (np.array([np.nan, np.nan]) if s == fail and slope > 1.0 else np.array([0.7, 0.3])), None
        sh.half = half
        m, J = sh.evaluate(np.array([0.0, 0.0]), 1e-6, 1e-5)
        assert m is None and J is None
    sh.half = lambda s, slope, rtol: (np.array([0.7, 0.3]) * (1 + 0.1 * slope * (1 - s)), None)
    m, J = sh.evaluate(np.array([0.0, 0.0]), 1e-6, 1e-5)
    assert np.all(np.isfinite(m)) and np.all(np.isfinite(J))


def test_flat_top_with_a_beta_buyer_reports_its_top_slope_and_welfare():
    """Buyer Beta(2, 2) on [0, 2], seller U[0, 1], k = 1/2: a flat top. The reported h'(p_hi) is the buyer's
    first-order condition (1 - k)(1 - F_B(h)) / (f_B(h)(p_hi - c_hi)) at the top of the trading range, from scipy's
    Beta (for uniform priors h' is constant, so this needs a non-uniform buyer), g'(p_hi) is the seller's
    k F_S(c_hi) / (f_S(c_hi)(h(p_hi) - p_hi)), and the efficiency listed for the
    member returned (quadrature along the solution) agrees with lib.double_auction.outcomes of its strategies."""
    from lib.distributions import beta

    buyer, k = beta(2, 2, 0, 2), 0.5
    r = solve_double_auction(buyer, uniform(), k)
    assert "flat top" in r.member
    h, p_hi = r.buyer_range[1], r.price_range[1]
    assert r.end_slopes[2] == pytest.approx((1 - k) * buyer.sf(h) / (buyer.pdf(h) * (p_hi - 1.0)), rel=1e-9)
    assert r.end_slopes[3] == pytest.approx(k * 1.0 / (1.0 * (h - p_hi)), rel=1e-9)  # seller: F_S(1) = f_S(1) = 1
    chosen = [m for m in r.equilibria if m.end_slopes[1] == r.end_slopes[1]]
    assert len(chosen) == 1 and chosen[0].efficiency == pytest.approx(r.outcomes().efficiency, abs=1e-6)


@pytest.mark.parametrize("k", [0.0, 1.0])
def test_exact_k0_k1_offers_on_a_negative_support_are_the_shifted_ones(k):
    """k = 0 and 1 with the mixture 0.5 Beta(2, 2) + 0.5 Beta(1.25, 9) moved from [0, 1] to [-1, 0] (a support
    the solver does not rescale): the game moves with its units, so the offers, the ends of the trading range and
    every table price must be the [0, 1] solution's minus 1 (to rounding); the tables must stay inside the trading
    range (the grading towards its ends is measured by the range's width, whatever its sign)."""
    from scipy import special, stats

    class Mix(stats.rv_continuous):
        def _pdf(self, x):
            return 0.5 * stats.beta.pdf(x, 2, 2) + 0.5 * stats.beta.pdf(x, 1.25, 9)

        def _cdf(self, x):
            return 0.5 * special.betainc(2, 2, x) + 0.5 * special.betainc(1.25, 9, x)

    results = []
    for loc in (0.0, -1.0):
        mix, other = Mix(a=0.0, b=1.0, name="mix")(loc=loc), stats.uniform(loc, 1)
        results.append(solve_double_auction(*((mix, other) if k == 0.0 else (other, mix)), k))
    r0, r1 = results
    types = np.linspace(0, 1, 201)
    assert np.max(np.abs(r1.ask(types - 1) - (r0.ask(types) - 1))) <= 1e-12
    assert np.max(np.abs(r1.bid(types - 1) - (r0.bid(types) - 1))) <= 1e-12
    assert np.allclose(np.subtract(r1.price_range, -1), r0.price_range, rtol=0, atol=1e-12)
    for r in results:
        p = r._tables[0]
        assert p[0] == r.price_range[0] and p[-1] == r.price_range[1] and np.all(np.diff(p) > 0)
