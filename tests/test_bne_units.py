"""lib.bne.solve_double_auction in other units: the game is unchanged by a common change of units x -> a + s x (s > 0)
of values, costs, bids and asks (a type's best reply maps the same way, gains scale by s), so the equilibrium of
priors mapped by it is the equilibrium of the original priors mapped. Supports whose union is not inside [-4, 4], or
narrower than 1/4, are solved in rescaled units; every result here is compared with a closed form or with the
solution in the original units, and certified on the priors given by lib.double_auction.best_response_gap."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

from lib.bne import one_price_member, solve_double_auction
from lib.double_auction import best_response_gap, first_best_gains

# Chatterjee and Samuelson (1983), U[0, 1] priors at k = 1/2: b(v) = 2/3 v + 1/12 on v >= 1/4, s(c) = 2/3 c + 1/4
# on c <= 3/4, trade iff v - c >= 1/4, efficiency 27/32; at k = 0 the seller maximises (s - c)(1 - s):
# s(c) = (1 + c)/2 with truthful bids, at k = 1 the buyer maximises (v - b) b: b(v) = v/2 with truthful asks, both
# efficiency 3/4 (trade iff v - c >= 1/2)
LINEAR = {0.5: (lambda u: 2 / 3 * u + 1 / 12, lambda u: 2 / 3 * u + 1 / 4, 27 / 32),
          0.0: (lambda u: u, lambda u: (1 + u) / 2, 3 / 4),
          1.0: (lambda u: u / 2, lambda u: u, 3 / 4)}


@pytest.mark.parametrize("a, s", [(1000.0, 10.0), (0.0, 1e-3), (-50.0, 1.0), (0.0, 1e6), (-1e8, 1e6), (1e-3, 1e-5),
                                  (0.0, 1e-100), (0.0, 1e100)])
@pytest.mark.parametrize("k", [0.5, 0.0, 1.0])
def test_mapped_uniform_priors_give_the_mapped_closed_form(a, s, k):
    bid_u, ask_u, efficiency = LINEAR[k]
    r = solve_double_auction(stats.uniform(a, s), stats.uniform(a, s), k)
    u = np.linspace(0, 1, 401)
    trades_b, trades_s = (u >= 1 / 4, u <= 3 / 4) if k == 0.5 else (u >= 0, u <= 1)  # types that trade
    # closed form in the original units: x -> a + s x applied to type and offer
    assert np.max(np.abs(r.bid(a + s * u[trades_b]) - (a + s * bid_u(u[trades_b])))) <= 1e-10 * s
    assert np.max(np.abs(r.ask(a + s * u[trades_s]) - (a + s * ask_u(u[trades_s])))) <= 1e-10 * s
    out = r.outcomes()
    assert out.efficiency == pytest.approx(efficiency, abs=1e-9)
    assert out.gains == pytest.approx(efficiency * s / 6, rel=1e-9)  # first best E(v - c)+ = s/6
    gap = best_response_gap(r.bid, r.ask, stats.uniform(a, s), stats.uniform(a, s), k, n_types=9)
    assert gap.relative_gap <= 1e-9


def test_units_lost_in_rounding_are_refused_by_name():
    # lib.double_auction refuses supports narrower than 2e-3 of their distance from 0 (its quadrature resolves types
    # to 1e-16 of it); solve_double_auction then certifies on the rescaled priors, down to a union 1e-9 of its
    # distance from 0 wide (below, types and offers in the units given are resolved to an ulp, 2.2e-16 of it, more
    # than 2.2e-7 of the width): U[1e12, 1e12 + 1] is refused; a support narrower than 2e-3 of its distance from the
    # union's lowest point stays refused in the rescaled units; beyond 1e100 or below a union 1e-100 wide the
    # interpolants of the strategies in the units given over- or underflow
    with pytest.raises(ValueError, match=r"must be at least 1e-09 max\(\|lo\|, \|hi\|\) wide, where "
                                         r"lib.double_auction refuses them \(buyer's support \[1000000000000.0, "
                                         r"1000000000001.0\] is too narrow for its distance from 0"):
        solve_double_auction(stats.uniform(1e12, 1), stats.uniform(1e12, 1), 0.5)
    with pytest.raises(ValueError, match=r"seller's support \[3.999, 4.0\] is too narrow .*in the units u = "
                                         r"\(x - a\) / s, a = 0.0, s = 8.0 it is still refused: seller's support "
                                         r"\[0.499875, 0.5\]"):
        solve_double_auction(stats.uniform(0, 4), stats.uniform(3.999, 1e-3), 0.5)
    with pytest.raises(ValueError, match=r"buyer's support \[1000.0, 1001.0\] is too narrow"):  # (solves no equation)
        one_price_member(stats.uniform(1000, 1), stats.uniform(999, 1), 0.5)
    for a, s in ((0.0, 2e100), (-2e100, 1e100), (0.0, 1e-101)):
        with pytest.raises(ValueError, match=r"must lie in \[-1e\+100, 1e\+100\] and be at least 1e-100 wide"):
            solve_double_auction(stats.uniform(a, s), stats.uniform(a, s), 0.5)
    with pytest.raises(ValueError, match=r"seller's support \[0.0, 1e-10\] must be at least 1e-09 times as wide as "
                                         r"the union of the supports \[0.0, 1000.0\]"):
        solve_double_auction(stats.uniform(0, 1000), stats.uniform(0, 1e-10), 0.5)


def _agree(r, base, a, s, n=201):
    """Largest difference, in widths s, between r's strategies and base's mapped by x -> a + s x."""
    (v_lo, v_hi), (c_lo, c_hi) = base._supports
    v, c = np.linspace(v_lo, v_hi, n), np.linspace(c_lo, c_hi, n)
    return max(np.max(np.abs(r.bid(a + s * v) - (a + s * base.bid(v)))),
               np.max(np.abs(r.ask(a + s * c) - (a + s * base.ask(c))))) / s


_BASE = {}


def _base(name, k):
    if (name, k) not in _BASE:
        _BASE[name, k] = solve_double_auction(*PRIORS[name](0.0, 1.0), k)
    return _BASE[name, k]


PRIORS = {  # (a, s) -> the priors of a + s x
    "beta23/beta32": lambda a, s: (stats.beta(2, 3, loc=a, scale=s), stats.beta(3, 2, loc=a, scale=s)),
    "U[0,2]/U[0,1] (flat top)": lambda a, s: (stats.uniform(a, 2 * s), stats.uniform(a, s)),
    "U[1,2]/U[0.5,1.5] (both flat)": lambda a, s: (stats.uniform(a + s, s), stats.uniform(a + 0.5 * s, s)),
}


@pytest.mark.parametrize("k", [0.25, 0.5, 0.0])
def test_beta_pair_shifted_and_scaled_is_the_mapped_solution(k):
    buyer, seller = PRIORS["beta23/beta32"](100.0, 1e3)
    r, base = solve_double_auction(buyer, seller, k), _base("beta23/beta32", k)
    assert _agree(r, base, 100.0, 1e3) <= 1e-9
    assert r.price_range == pytest.approx(tuple(100 + 1e3 * p for p in base.price_range), rel=0, abs=1e-9 * 1e3)
    assert r.end_slopes == pytest.approx(base.end_slopes, rel=1e-7)
    assert r.outcomes().efficiency == pytest.approx(base.outcomes().efficiency, abs=1e-9)
    assert r.outcomes().gains == pytest.approx(1e3 * first_best_gains(*PRIORS["beta23/beta32"](0.0, 1.0))
                                               * base.outcomes().efficiency, rel=1e-8)
    assert best_response_gap(r.bid, r.ask, buyer, seller, k, n_types=9).relative_gap <= 1e-8
    assert "certified on the priors given" in r.method


@settings(max_examples=10, deadline=None, derandomize=True)
@given(name=st.sampled_from(sorted(PRIORS)), k=st.sampled_from([0.25, 0.5, 0.75, 0.0, 1.0]),
       t=st.floats(-300, 300), log_s=st.floats(-8, 8))
def test_random_units_give_the_mapped_solution(name, k, t, log_s):
    # a = t s: the supports stay at least 1/302 of their distance from 0 wide (lib.double_auction's limit is 2e-3)
    s = 10.0 ** log_s
    a = t * s
    buyer, seller = PRIORS[name](a, s)
    r, base = solve_double_auction(buyer, seller, k), _base(name, k)
    # measured: at most 1.1e-11 widths over 60 such draws (rounding of a + s x is 1e-16 |a| / s <= 3e-14 widths)
    assert _agree(r, base, a, s) <= 1e-9
    assert r.outcomes().efficiency == pytest.approx(base.outcomes().efficiency, abs=1e-8)
    assert r.outcomes().gains == pytest.approx(s * base.outcomes().gains, rel=1e-7)
    gap = best_response_gap(r.bid, r.ask, buyer, seller, k, n_types=9)
    assert gap.max_gap <= 1e-9 * s
    assert math.isfinite(r.residual) and r.residual <= 1e-9 * s


def test_the_smooth_family_keeps_its_units_and_refuses_others_by_name():
    # the family's functions solve in the units given, with absolute tolerances set for types of order 1: a union
    # inside [-4, 4] and at least 1/4 wide as given (U[0, 1] at k = 1/2 has lambda = p/(1 - 3p) in [1/4, 4] for p in
    # [1/7, 4/13], mu mirrored; times 1/4 for U[0, 1/4]); a union outside [-4, 4] or narrower refused by name
    # (solve_double_auction rescales, these do not; narrower ones were accepted and lost accuracy: a member missing
    # at U[0, 0.1], family_range 2.1e-6 off relative at U[0, 3e-9])
    from lib.bne import family_range, smooth_equilibria

    (a, b), (c, d) = family_range(stats.uniform(0, 0.25), stats.uniform(0, 0.25), 0.5)
    assert (a, b, c, d) == pytest.approx((0.25 / 7, 1 / 13, 2.25 / 13, 1.5 / 7), rel=1e-9)
    refused = r"must lie in \[-4, 4\] and their union be at least 0.25 wide here.*solve_double_auction rescales"
    for s in (10.0, 0.1, 3e-9):
        with pytest.raises(ValueError, match=refused):
            family_range(stats.uniform(0, s), stats.uniform(0, s), 0.5)
    with pytest.raises(ValueError, match=refused):
        smooth_equilibria(stats.uniform(0, 0.1), stats.uniform(0, 0.1), 0.5, 0.02, 0.08)


def _ulps(x):
    """A bound on the rounding of a type or offer near x in floating point: 4 ulps."""
    return 4 * np.spacing(abs(x))


@pytest.mark.parametrize("a, s", [(1000.0, 1.0), (-1000.0, 1.0), (1e6, 1.0), (1e8, 4.0), (10.0, 1e-3), (-3e9, 7.0)])
@pytest.mark.parametrize("k", [0.5, 0.0, 1.0])
def test_narrow_supports_far_from_zero_give_chatterjee_samuelson_mapped(a, s, k):
    # U[a, a + s] on both sides, refused by lib.double_auction (s < 2e-3 |a|): the mapped closed form. At k = 1/2,
    # with u = (v - a) / s, the buyer's condition b = v/(1 + k) + k(1 - k)/(2(1 + k)) at k = 1/2 is 2/3 u + 1/12 and
    # the seller's c/(2 - k) + (1 - k)/2 is 2/3 u + 1/4; trade iff u_v - u_c >= 1/4, i.e. with probability
    # (3/4)^2 / 2 = 9/32 and gains s int_{1/4}^1 int_0^{v - 1/4} (v - c) dc dv = 9/64 s; the first best s/6
    # (E(v - c)+ for U[0, 1]), so efficiency (9/64) / (1/6) = 27/32
    bid_u, ask_u, efficiency = LINEAR[k]
    buyer, seller = stats.uniform(a, s), stats.uniform(a, s)
    r = solve_double_auction(buyer, seller, k)
    assert "certified on the rescaled priors, not on the priors given" in r.method
    assert "too narrow for its distance from 0" in r.method
    u = np.linspace(0, 1, 401)
    trades_b, trades_s = (u >= 1 / 4, u <= 3 / 4) if k == 0.5 else (u >= 0, u <= 1)
    tol = 1e-10 * s + _ulps(a + s)
    assert np.max(np.abs(r.bid(a + s * u[trades_b]) - (a + s * bid_u(u[trades_b])))) <= tol
    assert np.max(np.abs(r.ask(a + s * u[trades_s]) - (a + s * ask_u(u[trades_s])))) <= tol
    out = r.outcomes()
    assert out.efficiency == pytest.approx(efficiency, abs=1e-9)
    assert out.first_best == pytest.approx(s / 6, rel=1e-12)
    assert out.gains == pytest.approx(efficiency * s / 6, rel=1e-9)
    if k == 0.5:
        assert out.gains == pytest.approx(9 / 64 * s, rel=1e-9)
        assert out.trade_probability == pytest.approx(9 / 32, abs=1e-9)
    # the offers as given, pulled back to U[0, 1] by u = (x - a) / s, pass lib.double_auction's check there, to
    # their resolution: x = a + s u rounds u to an ulp of a, a staircase of steps d = spacing(a) / s widths, and the
    # gap grows like d (measured: relative gap 1.04e-7 = 1.5 d at a = -3e9, s = 7; 2.6e-10 at a = 1e6)
    gap = best_response_gap(lambda w: (r.bid(a + s * w) - a) / s, lambda w: (r.ask(a + s * w) - a) / s,
                            stats.uniform(0, 1), stats.uniform(0, 1), k, n_types=9)
    assert gap.relative_gap <= 1e-9 + 4 * np.spacing(abs(a) + s) / s
    own = r.best_response_gap()
    assert own.relative_gap <= 1e-9
    assert own.buyer_types[0] == pytest.approx(a, abs=_ulps(a))
    assert own.buyer_types[-1] == pytest.approx(a + s, abs=_ulps(a))


def test_shifted_uniforms_with_both_ends_flat_are_the_unshifted_solution_mapped():
    # U[1e6, 1e6 + 3] against U[1e6 + 1, 1e6 + 2] (refused by lib.double_auction) against U[0, 3] / U[1, 2], solved
    # in the units given (inside [-4, 4]), mapped by x -> 1e6 + x
    a = 1e6
    base = solve_double_auction(stats.uniform(0, 3), stats.uniform(1, 1), 0.5)
    r = solve_double_auction(stats.uniform(a, 3), stats.uniform(a + 1, 1), 0.5)
    assert "certified on the rescaled priors" in r.method and "certified on the rescaled" not in base.method
    # the rescaled priors are exact (a = 1e6, s = 4; loc - a is exact by Sterbenz's lemma, s a power of 2): the
    # supports (0, 3/4) and (1/4, 1/2) by hand
    a_, s_, rescaled = r._rescaled
    assert (a_, s_) == (a, 4.0) and rescaled._supports == ((0.0, 0.75), (0.25, 0.5))
    v, c = np.linspace(0, 3, 301), np.linspace(1, 2, 101)
    # measured: 1.2e-10 (one ulp of 1e6) on both
    assert np.max(np.abs(r.bid(a + v) - (a + base.bid(v)))) <= 1e-10 * 3 + _ulps(a + 3)
    assert np.max(np.abs(r.ask(a + c) - (a + base.ask(c)))) <= 1e-10 * 3 + _ulps(a + 3)
    assert r.price_range == pytest.approx(tuple(a + p for p in base.price_range), rel=0, abs=1e-10 + _ulps(a + 3))
    assert r.outcomes().efficiency == pytest.approx(base.outcomes().efficiency, abs=1e-9)
    assert r.outcomes().gains == pytest.approx(base.outcomes().gains, rel=1e-9)


@pytest.mark.parametrize("k", [0.5, 0.0])
def test_beta_pair_shifted_far_from_zero_is_the_unshifted_solution_mapped(k):
    # Beta(2, 3) / Beta(3, 2) on [1e4, 1e4 + 1] (refused by lib.double_auction) against the same on [0, 1]
    a = 1e4
    buyer, seller = PRIORS["beta23/beta32"](a, 1.0)
    r, base = solve_double_auction(buyer, seller, k), _base("beta23/beta32", k)
    assert "certified on the rescaled priors" in r.method
    assert _agree(r, base, a, 1.0) <= 1e-10 + _ulps(a + 1)  # measured at k = 1/2: 1.8e-12 (one ulp of 1e4)
    assert r.end_slopes == pytest.approx(base.end_slopes, rel=1e-7)
    assert r.outcomes().efficiency == pytest.approx(base.outcomes().efficiency, abs=1e-9)
    assert r.outcomes().gains == pytest.approx(first_best_gains(*PRIORS["beta23/beta32"](0.0, 1.0))
                                               * base.outcomes().efficiency, rel=1e-8)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(name=st.sampled_from(sorted(PRIORS)), k=st.sampled_from([0.25, 0.5, 0.75, 0.0, 1.0]),
       log_t=st.floats(3, 8.5), sign=st.sampled_from([-1.0, 1.0]), log_s=st.floats(-8, 8))
def test_random_units_far_from_zero_give_the_mapped_solution(name, k, log_t, sign, log_s):
    # a = t s with |t| from 1e3 to 3e8: supports refused by lib.double_auction (narrower than 2e-3 of their
    # distance from 0), within the 1e-9 limit; offers resolved to an ulp of a, about 2.2e-16 |t| widths
    s = 10.0 ** log_s
    a = sign * 10.0 ** log_t * s
    buyer, seller = PRIORS[name](a, s)
    r, base = solve_double_auction(buyer, seller, k), _base(name, k)
    assert "certified on the rescaled priors" in r.method
    assert _agree(r, base, a, s) <= 1e-9 + 8 * 2.2e-16 * 10.0 ** log_t
    assert r.outcomes().efficiency == pytest.approx(base.outcomes().efficiency, abs=1e-8)
    assert r.outcomes().gains == pytest.approx(s * base.outcomes().gains, rel=1e-7)
    assert r.best_response_gap().relative_gap <= 1e-8


@pytest.mark.parametrize("error", ["plain", "no regular"])
def test_errors_of_a_rescaled_solve_say_which_units_their_numbers_are_in(monkeypatch, error):
    # U[10, 11] / U[10, 11] lies outside [-4, 4]: solved as U[0, 1] / U[0, 1] (a = 10, s = 1); an error raised there
    # is re-raised with the units named, and mentions family_ends only when it is a NoRegularEquilibrium (which has
    # them)
    import lib.bne as bne

    def fail(*args, **kwargs):
        if error == "plain":
            raise bne.ConvergenceError("boom at 0.5")
        raise bne.NoRegularEquilibrium("boom at 0.5")

    monkeypatch.setattr(bne, "_regular", fail)
    kind = bne.ConvergenceError if error == "plain" else bne.NoRegularEquilibrium
    with pytest.raises(kind) as info:
        bne.solve_double_auction(stats.uniform(10, 1), stats.uniform(10, 1), 0.5)
    message = str(info.value)
    # (s = 2: the smallest power of 2 above the union's width 1)
    assert message.startswith("(solved in the units u = (x - a) / s, a = 10.0, s = 2.0: ")
    assert " in those units) boom at 0.5" in message
    assert ("family_ends" in message) == (error == "no regular")


_PRICE = r"(p|v|c|p_lo|p_hi) = (-?[0-9.]+(?:e[-+]?[0-9]+)?)"


@pytest.mark.parametrize("buyer, seller", [((0.0, 2.0), (0.0, 1.0)), ((1.0, 2.0), (0.0, 0.5)), ((0.5, 1.5), (0.0, 1.0)),
                                           ((0.5, 1.5), (0.0, 2.0))])
def test_member_and_selection_of_a_rescaled_solve_name_prices_in_the_units_given(buyer, seller):
    """The same game in units the solver keeps (supports inside [-4, 4], union at least 1/4 wide) and mapped by
    x -> 1000 + 10 x (solved in rescaled units): every price or type the member and selection texts name
    (flat top, one price, both ends flat, flat bottom) is the unmapped solve's, mapped, to the 6 digits printed."""
    import re

    a, s = 1000.0, 10.0
    plain = solve_double_auction(stats.uniform(buyer[0], buyer[1] - buyer[0]),
                                 stats.uniform(seller[0], seller[1] - seller[0]), 0.5)
    mapped = solve_double_auction(stats.uniform(a + s * buyer[0], s * (buyer[1] - buyer[0])),
                                  stats.uniform(a + s * seller[0], s * (seller[1] - seller[0])), 0.5)
    for text_u, text_x in ((plain.member, mapped.member), (plain.selection, mapped.selection)):
        named_u, named_x = re.findall(_PRICE, text_u), re.findall(_PRICE, text_x)
        assert [n for n, _ in named_u] == [n for n, _ in named_x]
        for (_, u), (_, x) in zip(named_u, named_x):
            assert float(x) == pytest.approx(a + s * float(u), abs=1e-5 * s)
        interval = re.findall(r"\[c_hi, v_lo\] = \[([^,]+), ([^\]]+)\]", text_x)
        assert interval == [] or [float(t) for t in interval[0]] == [a + s * seller[1], a + s * buyer[0]]
    assert re.findall(_PRICE, plain.member)  # each of these members names its prices


@pytest.mark.parametrize("lo, width, rescaled", [(1.0, 0.1, True), (-1.0, 0.2, True), (0.3, 0.25, False),
                                                  (-2.0, 0.3, False)])
def test_a_union_narrower_than_a_quarter_is_solved_in_rescaled_units(lo, width, rescaled):
    """The documented rule: inside [-4, 4], a union of the supports narrower than 1/4 is solved in the units
    u = (x - a) / s, a its lowest point and s the smallest power of 2 above its width (method says so), one at
    least 1/4 wide in the units given; either way the answer is Chatterjee and Samuelson's mapped."""
    r = solve_double_auction(stats.uniform(lo, width), stats.uniform(lo, width), 0.5)
    s = 2.0 ** math.frexp(width)[1]
    assert (f"a = {lo!r}, s = {s!r}" in r.method) is rescaled
    v = lo + width * np.linspace(0.25, 1, 31)
    assert np.max(np.abs(r.bid(v) - (lo + width * (2 / 3 * (v - lo) / width + 1 / 12)))) <= 1e-10 * width


@pytest.mark.parametrize("k", [0.0, 1.0])
def test_jumping_offers_in_rescaled_units_are_the_mapped_ones(k):
    """A bimodal prior (0.5 Beta(2, 20) + 0.5 Beta(20, 2)) at k = 0 and 1, whose best offers jump (ironing), on
    [0, 1] against U[-1, 1] (k = 0) or U[0, 2] (k = 1) (solved as given) and mapped by x -> 1000 + 10 x (solved in rescaled units): the
    offers of the mapped game at the mapped types are the first game's mapped, on both sides of each jump."""
    from test_bne_one_sided import _Mix as Mix  # that mixture, as tests/test_bne_one_sided.py writes it

    a, s = 1000.0, 10.0
    games = []
    for loc, scale in ((0.0, 1.0), (a, s)):
        start = loc - scale if k == 0.0 else loc  # the other side: U[-1, 1] at k = 0, U[0, 2] at k = 1, mapped
        mix, other = Mix(a=0.0, b=1.0, name="mix")(loc=loc, scale=scale), stats.uniform(start, 2 * scale)
        games.append(solve_double_auction(*((mix, other) if k == 0.0 else (other, mix)), k))
    plain, mapped = games
    types = np.linspace(-1.0, 1.0, 4001)[1:-1] + (k == 1.0)  # the strategic side's types
    offer = (lambda r, t: r.ask(t)) if k == 0.0 else (lambda r, t: r.bid(t))
    u, x = offer(plain, types), offer(mapped, a + s * types)
    assert np.max(np.abs(np.diff(u))) > 0.3  # the offers jump
    assert np.max(np.abs(x - (a + s * u))) <= 1e-9 * s
    # and next to the jump, where one step of the tables decides between the two offers: the type at which the
    # first game's offer jumps (bisection on its offers), then types just above and below it
    j = int(np.argmax(np.diff(u)))
    lo_t, hi_t = types[j], types[j + 1]
    for _ in range(60):
        mid = 0.5 * (lo_t + hi_t)
        lo_t, hi_t = (mid, hi_t) if float(offer(plain, mid)) < 0.5 * (u[j] + u[j + 1]) else (lo_t, mid)
    near = hi_t + np.array([-1e-3, -1e-4, -1e-6, 1e-9, 1e-7, 1e-6, 1e-5, 1e-4, 3e-4, 1e-3])
    assert np.max(np.abs(offer(mapped, a + s * near) - (a + s * offer(plain, near)))) <= 1e-9 * s
