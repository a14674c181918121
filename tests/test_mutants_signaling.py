"""Checks that kill mutants of lib/signaling.py (tools/mutate.py) the other tests let live."""
import itertools
from dataclasses import replace

import numpy as np
import pytest

from lib.signaling import DEFAULTS, OpenSourceGame, acceptance_interval, best_openness, least_cost_separating, \
    random_games, regime_along_gap, regime_switches, separating_boundary, threshold_claims

BIG = 1e40  # margin and c0 both x 1e40: outside the float box [1e-30, 1e30], so solved in exact arithmetic


def _games():
    """Deterministic moderate games with the linear coefficient m (mu gamma - delta) of both signs."""
    for q_low, delta, gamma, beta in itertools.product((0.5, 0.8), (0.05, 0.3, 0.95), (0.4, 1.5), (0.3, 1.6)):
        yield OpenSourceGame(q_high=1.0, q_low=q_low, prior_high=0.5, a=1.0, beta=beta, gamma=gamma, delta=delta,
                             margin=1.0, c0=2.0)


def test_acceptance_intervals_are_unchanged_when_margin_and_c0_are_scaled_together():
    """Scaling margin and c0 by the same factor scales every profit and leaves the openness levels unchanged (the
    model's invariance), so the exact-arithmetic path at 1e40 must give the float path's intervals."""
    compared = 0
    for game in _games():
        big = OpenSourceGame(**{**{k: getattr(game, k) for k in DEFAULTS}, "margin": BIG, "c0": 2.0 * BIG})
        # (belief q_L is left out: there A_q is the single point s*(q, q_L), a double root, and rounding decides
        # whether the float path finds it)
        for q, mu in itertools.product((game.q_low, game.q_high), (game.pooled_belief, game.q_high)):
            ref, out = acceptance_interval(game, q, mu), acceptance_interval(big, q, mu)
            assert (ref is None) == (out is None), (game, q, mu)
            if ref is not None:
                assert out == pytest.approx(ref, rel=1e-9, abs=1e-12), (game, q, mu)
                compared += ref[0] > 0  # intervals whose lower end is not clipped at 0
    assert compared >= 5


def test_random_games_fill_their_documented_ranges():
    """Docstring: 1 - q_L in (0.02, 0.95), lambda in (0.1, 0.9), beta in (0.2, 2), gamma in (0, 2), delta in (0, 1),
    c0 in (0.5, 4). 3000 draws fall inside each range and come within 2% of both ends."""
    games = random_games(3000, seed=11)
    ranges = {"gap": (0.02, 0.95), "prior_high": (0.1, 0.9), "beta": (0.2, 2.0), "gamma": (0.0, 2.0),
              "delta": (0.0, 1.0), "c0": (0.5, 4.0)}
    for name, (lo, hi) in ranges.items():
        x = np.array([getattr(g, name) for g in games])
        assert lo <= x.min() < lo + 0.02 * (hi - lo) and hi - 0.02 * (hi - lo) < x.max() <= hi, name


def test_random_games_count_limit():
    assert len(random_games(0)) == 0
    with pytest.raises(ValueError, match="n"):
        random_games(100_001)


def test_one_switch_claim_against_a_dense_scan():
    """The default game's regime along the gap, on a dense grid of 400 gaps over 1%-99% of the valid range,
    changes once, from pooling to separating: the 'one switch' claim must hold for it."""
    game = OpenSourceGame(**DEFAULTS)
    top = game.q_high - max(0.0, (game.delta - game.a) / game.beta)
    regimes = regime_along_gap(game, np.linspace(0.01 * top, 0.99 * top, 400))
    changes = [(a, b) for a, b in zip(regimes[:-1], regimes[1:]) if a != b]
    assert changes == [("pooling", "separating")]
    single = {c.key: c for c in threshold_claims([game])}["gap.single"]
    assert single.share_strict == 1.0 and single.verdict == "holds"


def test_each_claim_direction_follows_its_wording():
    """For the claims 'Pooling/Separating: H's/L's openness/period-1/period-2 demand is higher/lower', the strict
    share is counted here from the two solved policies, with the direction read from the claim's text."""
    import re

    from lib.signaling import CLAIMS, evaluate_claims, solve

    games = random_games(60, seed=3)
    outcomes = [(solve(g, False), solve(g, True)) for g in games]
    results = {r.key: r for r in evaluate_claims(games)}
    pattern = re.compile(r"^(Pooling|Separating): (H|L)'s (openness|period-1 demand|period-2 demand) is (higher|lower)")
    field_of = {"openness": "openness", "period-1 demand": "demand1", "period-2 demand": "demand2"}
    checked = []
    for claim in CLAIMS:
        match = pattern.match(claim.text)
        if not match:
            continue
        regime, side, what, word = match.groups()
        rows = [(nd, d) for nd, d in outcomes if nd.regime == regime.lower()]
        values = [(getattr(getattr(nd, "high" if side == "H" else "low"), field_of[what]),
                   getattr(getattr(d, "high" if side == "H" else "low"), field_of[what])) for nd, d in rows]
        margin = [(x - y) if word == "higher" else (y - x) for x, y in values]
        clear = [m for m in margin if abs(m) > 1e-9 or m == 0]  # an exact tie is neither higher nor lower
        if not rows or len(clear) != len(margin):
            continue  # no draw of this regime, or a near-tie: the count would depend on the tolerance
        assert results[claim.key].share_strict == pytest.approx(sum(m > 0 for m in clear) / len(rows)), claim.key
        assert results[claim.key].share_weak == pytest.approx(sum(m >= 0 for m in clear) / len(rows)), claim.key
        checked.append(claim.key)
    assert len(checked) >= 2 and "pool.L.D2" in checked, checked


def test_regime_along_gap_accepts_100000_gaps():
    """Docstring: at most 100 000 gaps. 100 000 pass the count check (so the first invalid gap is the error, found
    before any equilibrium is solved); 100 001 are refused by count."""
    game = OpenSourceGame(**DEFAULTS)
    with pytest.raises(ValueError, match=r"^gap must be in"):
        regime_along_gap(game, np.full(100_000, 5.0))
    with pytest.raises(ValueError, match="at most 100000 entries"):
        regime_along_gap(game, np.full(100_001, 5.0))


def test_acceptance_interval_at_belief_q_low_is_the_maximiser():
    """Being taken for L gives at most V_q = max_s pi(s, q_L; q), so A_q(q_L) is exactly the set of maximisers of
    pi(s, q_L; q) on [0, 1]: one point (pi is strictly concave in s). Independent route: the maximiser on a grid of
    20 001 openness levels (pi evaluated by the game's own profit formula), to within a grid step; float path
    (moderate parameters) and exact path (margin, c0 x 1e40) alike."""
    grid = np.linspace(0.0, 1.0, 20_001)
    for game in _games():
        big = OpenSourceGame(**{**{k: getattr(game, k) for k in DEFAULTS}, "margin": BIG, "c0": 2.0 * BIG})
        for q in (game.q_low, game.q_high):
            s_grid = grid[np.argmax(game.profit(grid, game.q_low, q))]
            for g in (game, big):
                out = acceptance_interval(g, q, g.q_low)
                assert out is not None and out[0] == out[1], (g, q, out)
                assert abs(out[0] - s_grid) <= 0.5 / 20_000 + 1e-12, (g, q, out, s_grid)


def test_separation_at_the_edge_of_acceptance_is_scale_free():
    """Where H's least-cost separating openness max(s_FI(q_H), r) meets the upper end of A_H(q_H) (found here by
    brentq on c0), whether a separating PBE is reported must not depend on the scale: margin and c0 x 1e40 (the
    exact path) must agree with the float path at each of 21 c0 values within 40 float steps of the meeting
    point, where the two sides differ by less than 1e-14 (on either side)."""
    from scipy import optimize

    base = dict(q_high=1.0, q_low=0.5, prior_high=0.5, a=1.0, beta=1.0, gamma=1.5, delta=0.05, margin=1.0)

    def excess(c0):
        g = OpenSourceGame(**base, c0=c0)
        return max(best_openness(g, 1.0, 1.0), separating_boundary(g)) - acceptance_interval(g, 1.0, 1.0)[1]

    assert excess(1.85) > 0 > excess(1.9)
    edge = optimize.brentq(excess, 1.85, 1.9, xtol=1e-15)
    for k in range(-40, 41, 4):
        c0 = edge * (1 + k * 2.2e-16)
        assert abs(excess(c0)) < 1e-14
        small = least_cost_separating(OpenSourceGame(**base, c0=c0))
        big = least_cost_separating(OpenSourceGame(**{**base, "margin": BIG}, c0=c0 * BIG))
        assert (small is None) == (big is None), (k, c0, small, big)
        if small is not None:
            assert big.high_s == pytest.approx(small.high_s, rel=1e-12)


def test_signed_keeps_the_sign_and_the_value_where_representable():
    """lib.signaling._signed (the exact scores' float): the sign of x always (zero stays zero), and float(x)
    whenever that is a normal float; compared with Fraction's own comparisons and conversion."""
    from fractions import Fraction

    from lib.signaling import _signed

    for x in (Fraction(0), Fraction(1), Fraction(-1), Fraction(1, 3), Fraction(-7, 2), Fraction(10**400),
              Fraction(-(10**400)), Fraction(1, 10**400), Fraction(-1, 10**400), Fraction(3, 10**310)):
        out = _signed(x)
        assert (out > 0) == (x > 0) and (out < 0) == (x < 0) and (out == 0) == (x == 0), (x, out)
        if Fraction(2.3e-308) <= abs(x) <= Fraction(1.7e308):
            assert out == float(x), (x, out)


def test_switch_in_the_last_scan_cell_is_located():
    """With n_scan = 2 (the smallest allowed) the only scan cell is the last one. The default game's regime
    changes once inside [0.15, 0.3]; the switch must be found there, and agree within 1e-8 with a bisection of
    the regime itself (regime_along_gap, 40 halvings), which never evaluates the separating score's value."""
    game = OpenSourceGame(**DEFAULTS)
    lo, hi = 0.15, 0.3
    assert list(regime_along_gap(game, [lo, hi])) == ["pooling", "separating"]
    switches = regime_switches(game, gap_range=(lo, hi), n_scan=2)
    assert len(switches) == 1 and (switches[0].below, switches[0].above) == ("pooling", "separating")
    a, b = lo, hi
    for _ in range(40):
        m = 0.5 * (a + b)
        a, b = (m, b) if regime_along_gap(game, [m])[0] == "pooling" else (a, m)
    assert abs(switches[0].gap - 0.5 * (a + b)) < 1e-8


def test_tiny_low_quality_with_every_parameter_nonzero():
    """q_low = 5e-324 with no parameter at 0 (costs included): still the exact path, so the boundary is its leading
    term sqrt(2 q_L m beta gap / c0) as q_L -> 0, not the float path's inf (2 c0 / q_L overflows)."""
    game = OpenSourceGame(**{**DEFAULTS, "q_low": 5e-324, "disclosure_cost": 0.01, "audit_cost": 1e-310})
    r = separating_boundary(game)
    assert r == pytest.approx(np.sqrt(2 * 5e-324 * game.beta * game.gap / game.c0), rel=1e-6)


def test_default_gap_range_is_one_to_ninety_nine_percent_of_the_valid_range():
    """regime_switches' documented default range, (1%, 99%) of (0, max_gap): the same scan as passing it."""
    from lib.signaling import NoSwitchError, max_gap, threshold
    game = OpenSourceGame(**DEFAULTS)
    top = max_gap(game)
    assert regime_switches(game) == regime_switches(game, (0.01 * top, 0.99 * top))
    separating = OpenSourceGame(**{**DEFAULTS, "prior_high": 0.1, "gamma": 2.0, "c0": 4.0})  # separates throughout
    top = max_gap(separating)
    with pytest.raises(NoSwitchError, match=rf"\[{0.01 * top:.4g}, {0.99 * top:.4g}\]"):
        threshold(separating, n_scan=16)


def test_intuitive_deviation_stays_in_the_unit_interval_and_matches_a_search():
    """A pooling PBE where L would want every openness up to beyond 1 if believed H: no deviation in [0, 1] breaks
    it (a search over 100,001 levels agrees), so the answer is None, never a point above 1."""
    from lib.signaling import intuitive_deviation, solve
    game = OpenSourceGame(q_high=1.0, q_low=0.8228688996122027, prior_high=0.510077964764393, a=1.0,
                          beta=0.928268711926068, gamma=1.3306933603634388, delta=0.3328566877558503, margin=1.0,
                          c0=1.1902656892074859)
    nd = solve(game, False)
    assert nd.regime == "pooling"
    grid = np.linspace(0.0, 1.0, 100_001)
    dominated = game.profit(grid, game.q_high, game.q_low) < nd.low.profit
    profitable = game.profit(grid, game.q_high, game.q_high) > nd.high.profit + 1e-9
    assert not (dominated & profitable).any()
    assert intuitive_deviation(game, nd.high.openness) is None


def test_intuitive_deviation_exact_path_moves_the_same_step_beyond_the_root():
    """margin and c0 x 1e40 (exact path) scale every profit and leave the openness levels unchanged, so the
    deviation (1e-9 beyond the root of L's constraint) is the float path's to far below the step."""
    from lib.signaling import best_pooling, intuitive_deviation
    compared = 0
    for game in _games():
        pool = best_pooling(game)
        if pool is None:
            continue
        ref = intuitive_deviation(game, pool.high_s)
        big = OpenSourceGame(**{**{k: getattr(game, k) for k in DEFAULTS}, "margin": BIG, "c0": 2.0 * BIG})
        out = intuitive_deviation(big, pool.high_s)
        assert (ref is None) == (out is None)
        if ref is not None and ref not in (0.0, 1.0):
            assert out == pytest.approx(ref, abs=1e-12)
            compared += 1
    assert compared >= 3


def test_random_games_cover_their_documented_ranges():
    """10,000 draws (seed 2026) reach within 0.08 % of both ends of each documented uniform range (for a uniform
    law, each end is missed by that much with probability (1 - 0.0008)^10000 ~ 3e-4; the seed is fixed)."""
    games = random_games(10_000)
    ranges = dict(gap=(0.02, 0.95), prior_high=(0.1, 0.9), beta=(0.2, 2.0), gamma=(0.0, 2.0), delta=(0.0, 1.0),
                  c0=(0.5, 4.0))
    for name, (lo, hi) in ranges.items():
        values = np.array([getattr(g, name) for g in games])
        tol = 8e-4 * (hi - lo)
        assert lo <= values.min() < lo + tol and hi - tol < values.max() <= hi, name


def test_one_switch_claim_fails_with_three_switches_that_start_from_pooling():
    """'One switch from pooling to separating': the regime along the same 24 gaps (regime_along_gap, one solve per
    gap) changes three times, pooling first, so the claim fails for this game."""
    from lib.signaling import max_gap
    game = OpenSourceGame(q_high=1.0, q_low=0.8776718982397292, prior_high=0.20226761937752605, a=1.0,
                          beta=1.1306341453678854, gamma=0.7924463953841387, delta=0.058770946762202514, margin=1.0,
                          c0=1.1615299313816922)
    top = max_gap(game)
    regimes = regime_along_gap(game, np.linspace(0.01 * top, 0.99 * top, 24))
    changes = [(a, b) for a, b in zip(regimes[:-1], regimes[1:]) if a != b]
    assert len(changes) == 3 and changes[0] == ("pooling", "separating")
    single = {r.key: r for r in threshold_claims([game], n_scan=24)}["gap.single"]
    assert single.share_strict == 0.0 and single.counterexample == game


def _no_pure_pbe_games():
    """Games of chapter 3's scan without a pure-strategy PBE (low prior, valuable openness)."""
    from dataclasses import replace
    base = OpenSourceGame(**DEFAULTS)
    for gap, prior, gamma in ((0.3, 0.01, 3.0), (0.5, 0.02, 4.0), (0.1, 0.005, 2.0), (0.7, 0.03, 5.0)):
        yield replace(base, prior_high=prior, gamma=gamma).with_gap(gap)


def test_hybrid_equilibrium_in_exact_arithmetic_is_the_float_one_rescaled():
    """margin and c0 both x 1e40 (exact path): the openness, L's mixing probability and the belief are unchanged and
    the profits scale by 1e40 (pi is homogeneous of degree 1 in (margin, c0)); the hybrid exists at all four games."""
    from dataclasses import replace
    from lib.signaling import hybrid_equilibrium
    for g in _no_pure_pbe_games():
        h = hybrid_equilibrium(g)
        big = replace(g, margin=g.margin * BIG, c0=g.c0 * BIG)
        assert big._exact is not None
        hb = hybrid_equilibrium(big)
        assert h is not None and hb is not None and hb.openness == h.openness == 1.0
        assert hb.mix_low == pytest.approx(h.mix_low, rel=1e-9) and hb.belief == pytest.approx(h.belief, rel=1e-12)
        for t, tb in ((h.high, hb.high), (h.low_apart, hb.low_apart), (h.low_with_high, hb.low_with_high)):
            assert tb.profit == pytest.approx(t.profit * BIG, rel=1e-12)
            assert tb.openness == pytest.approx(t.openness, rel=1e-12, abs=1e-15)


def test_hybrid_equilibrium_at_the_exact_tie_where_L_accepts_full_openness_at_the_pooled_belief():
    """q = (1, 1/2), lambda = 1/4, beta = 6, gamma = 2, delta = 1, c0 = 1: L's acceptance interval at the pooled belief
    5/8 ends exactly at s = 1 (pi(1, 5/8; 1/2) = V_L, checked here in exact fractions), so no mixing is needed there and
    there is no hybrid PBE (with L mixing with probability 1 it would be the pooling point s = 1, whose belief is the
    prior's). On the float and the exact path alike; just below the tie (beta a little smaller) the hybrid exists, with
    L mixing with a probability just below 1."""
    from dataclasses import replace
    from fractions import Fraction as Fr
    from lib.signaling import hybrid_equilibrium
    g = OpenSourceGame(q_high=1.0, q_low=0.5, prior_high=0.25, a=1.0, beta=6.0, gamma=2.0, delta=1.0, margin=1.0,
                       c0=1.0)
    mu_p, q_l = Fr(5, 8), Fr(1, 2)

    def pi(s, mu, q):  # the definition, in exact fractions
        return (1 + mu * (6 + 2 * s)) + (1 + 6 * q - s) - s * s / (2 * q)
    v_l = max(pi(Fr(k, 1000), q_l, q_l) for k in range(1001))  # s_FI(q_L) = 0: q_L gamma = delta
    assert v_l == pi(0, q_l, q_l) and pi(1, mu_p, q_l) == v_l and pi(1, Fr(1), q_l) > v_l  # the tie; r > 1
    for game in (g, replace(g, a=2.0**110)):  # float path; exact path (a outside the float box)
        assert acceptance_interval(game, 0.5, 0.625) == (0.0, 1.0) and separating_boundary(game) > 1
        assert hybrid_equilibrium(game) is None
        near = hybrid_equilibrium(replace(game, beta=6.0 - 1e-6))
        assert near is not None and near.openness == 1.0 and 1 - 1e-4 < near.mix_low < 1


def test_claims_that_apply_to_no_game_count_zero_games():
    """The default game pools, so each separating claim applies to none of [game]: 0 games, nan shares, verdict
    'not applicable', no counterexample; each pooling claim and 'always' claim applies to the one game."""
    import math
    from lib.signaling import CLAIMS, evaluate_claims, solve
    game = OpenSourceGame(**DEFAULTS)
    assert solve(game, False).regime == "pooling"
    for claim, r in zip(CLAIMS, evaluate_claims([game])):
        if claim.regime == "separating":
            assert r.n_applicable == 0 and r.verdict == "not applicable" and r.counterexample is None
            assert math.isnan(r.share_strict) and math.isnan(r.share_weak)
        else:
            assert r.n_applicable == 1 and r.verdict in ("holds", "fails")


def test_acceptance_interval_is_never_empty_just_above_q_low():
    """For a belief mu > q_L, A_q(mu) contains s*(q, q_L): pi(s, mu; q) - pi(s, q_L; q) = m (beta + gamma s)(mu - q_L)
    > 0, so there pi >= V_q. At beliefs 1 to 39 ulps above q_L the float discriminant or root rounds the way that
    loses the interval (810 of the 40,872 cases below returned None); the answer must contain s*(q, q_L), found here
    by a search over 100,001 openness levels of the profit at belief q_L."""
    import math
    grid = np.linspace(0.0, 1.0, 100_001)
    checked = 0
    for game in list(_games()) + list(random_games(60, seed=3)):
        for q in (game.q_low, game.q_high):
            s_o = grid[np.argmax(game.profit(grid, game.q_low, q))]
            mu = game.q_low
            for _ in range(39):
                mu = math.nextafter(mu, 2.0)
                interval = acceptance_interval(game, q, mu)
                assert interval is not None, (game, q, mu)
                assert interval[0] - 1e-5 <= s_o <= interval[1] + 1e-5
                checked += 1
    assert checked == 39 * 2 * (24 + 60)


def test_a_degenerate_gap_range_is_refused():
    """gap_range must satisfy lo < hi: a single gap is no range to scan (else the scan finds no switch and
    threshold reports NoSwitchError instead of naming the bad input)."""
    from lib.signaling import threshold
    game = OpenSourceGame(**DEFAULTS)
    for f in (regime_switches, threshold):
        with pytest.raises(ValueError, match="gap_range"):
            f(game, gap_range=(0.2, 0.2))


def test_a_switch_at_an_exact_tie_is_reported_at_the_tie():
    """q_H = 1, q_L = 1/2, lambda = 1/4, a = beta = m = c0 = 1, gamma = 0, delta = 1/2 (every number dyadic, so
    the floats are exact). By hand: L mimics s when believed H iff beta (q_H - q_L) > delta s + c0 s^2/(2 q_L), i.e.
    1/2 > s/2 + s^2, so r = 1/2; H's separating profit 2a + 2 beta q_H - delta r - c0 r^2/(2 q_H) = 29/8, and pooling
    at s = 0 (openness does not sell, gamma = 0) gives 2a + beta (mu_p + q_H) = 29/8 with mu_p = 5/8: H is
    indifferent at the gap 1/2 exactly, and a tie goes to separating. A scan with 0.5 as a scan gap must report the
    switch at 0.5, its first separating gap."""
    from fractions import Fraction as Fr
    r = Fr(1, 2)
    assert Fr(1, 2) == r / 2 + r * r                                              # L indifferent at r
    assert 2 + 2 - Fr(1, 2) * r - r * r / 2 == 2 + (Fr(1, 4) + Fr(3, 4) * Fr(1, 2)) + 1 == Fr(29, 8)
    game = OpenSourceGame(q_high=1.0, q_low=0.5, prior_high=0.25, a=1.0, beta=1.0, gamma=0.0, delta=0.5, margin=1.0,
                          c0=1.0)
    assert list(regime_along_gap(game, [0.49, 0.5, 0.51])) == ["pooling", "separating", "separating"]
    for gap_range, n in (((0.4, 0.6), 3), ((0.3, 0.7), 5)):
        assert np.linspace(*gap_range, n)[n // 2] == 0.5
        switches = regime_switches(game, gap_range, n)
        assert [(x.gap, x.below, x.above) for x in switches] == [(0.5, "pooling", "separating")]


def test_claim_table_reads_strictly_higher_as_the_scalar_claims_do_at_the_tolerance():
    """claim_table is the vectorised form of each Claim's scalar tests: at a difference of exactly the tolerance
    1e-9 max(1, |y|) "higher" is not strictly higher for either (and one ulp more is)."""
    import dataclasses
    from lib.signaling import CLAIMS, claim_table, outcome_table, solve
    claim = next(c for c in CLAIMS if c.key == "profit.H")
    nd = [solve(g, False) for g in _games()]
    d = []
    for o in nd:
        y = o.high.profit
        for x in (y + 1e-9 * max(1.0, abs(y)), np.nextafter(y + 1e-9 * max(1.0, abs(y)), np.inf)):
            d.append(dataclasses.replace(o, disclose=True, high=dataclasses.replace(o.high, profit=float(x))))
    nd2 = [o for o in nd for _ in range(2)]
    applies, strict, weak = claim_table(claim, outcome_table(nd2), outcome_table(d))
    assert list(strict) == [bool(claim.strict(a, b)) for a, b in zip(nd2, d)] == [False, True] * len(nd)
    assert weak.all()


def test_intuitive_deviation_none_when_l_set_ends_exactly_at_one():
    """q_L = 1/2, lambda = 1/2, beta = gamma = 2, delta = 1/4, c0 = 9/4 (a = m = 1): H pools at its preferred
    s*(1, 3/4) = (3/2 - 1/4)/(9/4) = 5/9, and believed H at s = 1, L earns exactly its pooled payoff (fractions
    below), with the profit falling there (slope gamma q_H - delta - c0/q_L < 0): L's set ends at s = 1 itself. At
    s = 1 L is indifferent, so s = 1 is not equilibrium-dominated for L, and no s' in [0, 1] breaks the PBE."""
    from fractions import Fraction as Fr
    from lib.signaling import intuitive_deviation, solve

    def pi(s, mu, q):        # the chapter's profit, exact, a = m = 1, beta = gamma = 2, delta = 1/4, c0 = 9/4
        return (1 + mu * (2 + 2 * s)) + (1 + 2 * q - Fr(1, 4) * s) - Fr(9, 4) * s * s / (2 * q)
    s_p = (Fr(3, 4) * 2 - Fr(1, 4)) / Fr(9, 4)
    assert s_p == Fr(5, 9) and pi(1, 1, Fr(1, 2)) == pi(s_p, Fr(3, 4), Fr(1, 2))
    assert 2 - Fr(1, 4) - Fr(9, 4) / Fr(1, 2) < 0
    game = OpenSourceGame(q_high=1.0, q_low=0.5, prior_high=0.5, a=1.0, beta=2.0, gamma=2.0, delta=0.25, margin=1.0,
                          c0=2.25)
    nd = solve(game, False)
    assert nd.regime == "pooling" and nd.high.openness == pytest.approx(5 / 9, abs=1e-15)
    assert intuitive_deviation(game, nd.high.openness) is None


def test_the_default_gap_range_scales_with_the_largest_gap():
    """Default gap_range: 1% to 99% of max_gap (here q_H = 2, so (0.02, 1.98)); the default game with both
    qualities doubled switches at a gap near 1.71, which the solver confirms on both sides."""
    from lib.signaling import max_gap, solve
    game = OpenSourceGame(**{**DEFAULTS, "q_high": 2.0, "q_low": 1.6})
    assert max_gap(game) == 2.0
    default, explicit = regime_switches(game), regime_switches(game, (0.02, 1.98))
    assert default == explicit and len(default) == 1
    g_star = default[0].gap
    assert 1.5 < g_star < 1.9
    assert [solve(game.with_gap(x), False).regime for x in (g_star - 1e-6, g_star + 1e-6)] == ["pooling", "separating"]


@pytest.mark.parametrize("A, B, C", [(1.0, 0.25, 0.125), (1.0, 0.75, -0.125), (2.0, -1.0, 3.0), (0.5, 0.0, 2.0),
                                     (1e-3, 1e6, 1.0), (1e-3, -1e6, 1.0), (3.0, 2.0, -0.25), (1.0, 0.0, 0.0)])
def test_roots_of_the_concave_quadratic(A, B, C):
    """_roots in floats and in fractions: both roots of -A s^2 + B s + C, each a zero of the quadratic in exact
    arithmetic (to 1e-12 of its terms), the lower first. (1, 1/4, 1/8) and (1, 3/4, -1/8) have B + root = 1
    exactly (roots -1/4, 1/2 and 1/4, 1/2); 1e-3 against 1e6 is the cancellation the textbook formula suffers;
    (1, 0, 0) is the double root 0 (B + root = 0)."""
    from fractions import Fraction
    from lib.signaling import _roots
    for kind in (float, Fraction):
        lo, hi = _roots(kind(A), kind(B), kind(C))
        assert lo <= hi
        for r in (lo, hi):
            r = Fraction(r)
            terms = abs(Fraction(A) * r * r) + abs(Fraction(B) * r) + abs(Fraction(C))
            assert abs(-Fraction(A) * r * r + Fraction(B) * r + Fraction(C)) <= Fraction(1, 10**12) * terms, (kind, r)
        assert Fraction(lo) * Fraction(hi) == pytest.approx(-C / A, rel=1e-12)   # the product of the roots


def test_an_exact_result_of_exactly_the_largest_float_is_returned():
    """_out refuses only results beyond the float range: with audit_cost = 1.7976931348623157e308 (the largest
    float, so the exact path) the fee at q = 1/2, q_H = 1 is phi (1/q - 1/q_H) = phi exactly (fractions below), which
    is returned; one float step lower in q the fee exceeds the largest float and is refused by name."""
    import math
    import sys
    from fractions import Fraction
    from lib.signaling import audit_fee
    phi = sys.float_info.max
    game = OpenSourceGame(**{**DEFAULTS, "audit_cost": phi})
    assert Fraction(phi) * (1 / Fraction(0.5) - 1 / Fraction(1.0)) == Fraction(phi)
    assert audit_fee(game, 0.5) == phi
    q = math.nextafter(0.5, 0.0)
    assert Fraction(phi) * (1 / Fraction(q) - 1) > Fraction(phi)
    with pytest.raises(ValueError, match="audit fee"):
        audit_fee(game, q)


def test_the_small_gap_rule_is_relative_to_q_high():
    """Qualities within 1e-4 q_H of each other take the exact path whatever the unit of quality: this game has
    q_H = 100 and the gap 3.2e-5 (3.2e-7 q_H; q_H gamma < delta, so s_FI = 0 for both types and the ends that decide
    differ by O(gap^2)). A separating PBE exists: at the midpoint between the upper roots of L's and H's excess
    profits believed H (found here by bisection in exact fractions), L strictly prefers being recognised and H
    strictly prefers it to being taken for L. In floats those roots err by more than their distance and no
    separating PBE was reported."""
    from fractions import Fraction as F
    from lib.signaling import solve
    game = OpenSourceGame(q_high=100.0, q_low=99.99996781247337, prior_high=0.2904626383372231, a=1.0, beta=0.01,
                          gamma=0.0035483933607916105, delta=0.4891163999656509, margin=1.0, c0=146.58563617786254)
    qH, qL = F(game.q_high), F(game.q_low)
    assert qH * F(game.gamma) < F(game.delta) and qH - qL < F(1, 10**6) * qH

    def pi(s, mu, q):  # the definition, in exact fractions
        a, b, g, d, m, c0 = (F(getattr(game, k)) for k in ("a", "beta", "gamma", "delta", "margin", "c0"))
        return m * ((a + mu * (b + g * s)) + (a + b * q - d * s)) - c0 * s * s / (2 * q)

    def upper_root(q):  # the largest s in [0, 1] with pi(s, q_H; q) >= V_q = pi(0, q_L; q) (s_FI(q) = 0)
        lo, hi = F(0), F(1)
        assert pi(lo, qH, q) > pi(0, qL, q) > pi(hi, qH, q)
        for _ in range(120):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if pi(mid, qH, q) >= pi(0, qL, q) else (lo, mid)
        return lo

    r, h = upper_root(qL), upper_root(qH)
    s = (r + h) / 2
    assert r < h and pi(s, qH, qL) < pi(0, qL, qL) and pi(s, qH, qH) > pi(0, qL, qH)
    out = solve(game, False)
    assert out.separating_exists and out.boundary == pytest.approx(float(r), rel=1e-12)


@pytest.mark.parametrize("gamma, belief", [(-0.0, 0.5), (1.0, -0.0)])
def test_zero_openness_is_never_a_negative_zero(gamma, belief):
    """With delta = 0 and a zero product mu gamma of sign minus (gamma = -0.0, or belief = -0.0, both valid
    zeros), s* = clip(q m (mu gamma - delta) / c0, 0, 1) = 0: the openness is +0.0 (so that it prints as 0.0), in
    best_openness and in both policies' outcomes."""
    import math
    from lib.signaling import solve
    game = OpenSourceGame(**{**DEFAULTS, "gamma": gamma, "delta": 0.0})
    s = best_openness(game, 1.0, belief)
    assert s == 0.0 and math.copysign(1.0, s) == 1.0
    if gamma == 0.0:
        for out in (solve(game, True), solve(game, False)):
            for t in (out.high, out.low):
                assert math.copysign(1.0, t.openness) == 1.0 or t.openness != 0.0


def test_intuitive_deviation_steps_half_a_narrow_window():
    """Chapter 3's grid game q_L = 0.99, lambda = 0.9, beta = 0.2, gamma = 0, delta = 0.75, c0 = 4 pools at s = 0;
    the openness levels L would never want and at which H gains, if believed H, form a window of about 1.9e-9
    above the end of L's set, narrower than the 1e-9 step on both sides: the deviation is its midpoint (docstring).
    Both ends are found here as sympy's exact roots of the profit differences in the chapter's definition."""
    import sympy as sp
    from lib.signaling import intuitive_deviation, solve
    game = OpenSourceGame(q_high=1.0, q_low=0.99, prior_high=0.9, a=1.0, beta=0.2, gamma=0.0, delta=0.75,
                          margin=1.0, c0=4.0)
    nd = solve(game, False)
    assert nd.regime == "pooling"
    R = lambda x: sp.Rational(float(x))
    a, b, g, d, m, c0 = (R(getattr(game, k)) for k in ("a", "beta", "gamma", "delta", "margin", "c0"))
    qH, qL, lam, s_p = R(game.q_high), R(game.q_low), R(game.prior_high), R(nd.high.openness)
    mu = lam * qH + (1 - lam) * qL
    x = sp.Symbol("x", real=True)
    pi = lambda s, belief, q: m * ((a + belief * (b + g * s)) + (a + b * q - d * s)) - c0 * s * s / (2 * q)
    ends = [max(sp.solve(sp.Eq(pi(x, qH, q), pi(s_p, mu, q)), x)) for q in (qL, qH)]  # L's end, H's end
    keep, gains = (sp.N(e, 40) for e in ends)
    width = min(gains, 1) - keep
    assert 0 < width < 2e-9
    expected = keep + width / 2
    assert intuitive_deviation(game, nd.high.openness) == pytest.approx(float(expected), abs=1e-12)


def test_intuitive_deviation_can_be_full_openness():
    """Chapter 3's grid game q_L = 0.0917, lambda = 1/2, beta = gamma = 2, delta = 1, c0 = 1/2 pools with L's set
    (believed H) ending near 0.81; above it H's profit believed H rises up to s = 1, so the deviation H likes best
    among those L would never want is s' = 1 itself: a search over 100,001 openness levels agrees."""
    from lib.signaling import intuitive_deviation, solve
    game = OpenSourceGame(q_high=1.0, q_low=0.09166666666666667, prior_high=0.5, a=1.0, beta=2.0, gamma=2.0,
                          delta=1.0, margin=1.0, c0=0.5)
    nd = solve(game, False)
    assert nd.regime == "pooling"
    grid = np.linspace(0.0, 1.0, 100_001)
    dominated = game.profit(grid, game.q_high, game.q_low) < nd.low.profit
    gain = game.profit(grid, game.q_high, game.q_high) - nd.high.profit
    allowed = dominated & (gain > 1e-9)
    assert allowed.any() and grid[allowed][np.argmax(gain[allowed])] == 1.0 and grid[allowed].min() < 0.9
    assert intuitive_deviation(game, nd.high.openness) == 1.0


def test_claim_table_reads_unaffected_as_the_scalar_claim_does_at_the_tolerance():
    """'Separating: L's openness and demands are unaffected' allows a difference of 1e-9 max(1, |y|): at that
    difference (L's openness below 1, the float subtraction exact; exactly 1e-9 where L's openness is 0; and each
    demand, above 1, so 1e-9 |y|: the largest float within it) both the scalar claim and claim_table read
    'unaffected', one float step more neither does."""
    import dataclasses
    import math
    from lib.signaling import CLAIMS, claim_table, outcome_table, solve
    claim = next(c for c in CLAIMS if c.key == "sep.L.same")
    zero = OpenSourceGame(q_high=1.0, q_low=0.5, prior_high=0.5, a=1.0, beta=1.0, gamma=0.2, delta=0.3, margin=1.0,
                          c0=1.0)  # q_L gamma < delta: s_FI(q_L) = 0, so 0 + 1e-9 differs from 0 by exactly 1e-9
    nd = [o for o in (solve(g, False) for g in [*_games(), zero.with_gap(0.4), zero.with_gap(0.6)])
          if o.regime == "separating" and 0 <= o.low.openness < 1]
    assert sum(o.low.openness == 0 for o in nd) >= 1 and sum(o.low.openness > 0 for o in nd) >= 1
    nd2, d = [], []
    for o, name in itertools.product(nd, ("openness", "demand1", "demand2")):
        y = getattr(o.low, name)
        tol = 1e-9 * max(1.0, abs(y))
        x = y + tol
        while x - y > tol:
            x = math.nextafter(x, -math.inf)
        while math.nextafter(x, math.inf) - y <= tol:
            x = math.nextafter(x, math.inf)
        for v in (x, math.nextafter(x, math.inf)):
            d.append(dataclasses.replace(o, disclose=True, low=dataclasses.replace(o.low, **{name: v})))
            nd2.append(o)
    assert all(o.low.demand1 > 1.1 and o.low.demand2 > 1.1 for o in nd)  # demands above 1: the tolerance 1e-9 |y|
    applies, strict, weak = claim_table(claim, outcome_table(nd2), outcome_table(d))
    assert list(strict) == [bool(claim.strict(a, b)) for a, b in zip(nd2, d)] == [True, False] * (3 * len(nd))
    assert list(weak) == list(strict)


@pytest.mark.parametrize("q_low", [0.9, 0.8, 0.7, 0.5, 0.2])
def test_a_large_a_leaves_the_equilibrium_unchanged_in_any_unit_of_quality(q_low):
    """The same games as the default game at q_L = 0.9 ... 0.2, in units where q_H = 1e-6 (qualities x 1e-6, beta
    and gamma x 1e6, c0 x 1e-6: every profit unchanged), with a = 1e14: a enters every profit as the constant 2 m a,
    so the regime and the openness levels are those at a = 1 and each profit gains 2 m (a - 1). (In floats the
    default game at q_L = 0.8 came out separating here, where every a pools.)"""
    import dataclasses
    from lib.signaling import solve
    k, a = 1e-6, 1e14
    game = OpenSourceGame(q_high=k, q_low=q_low * k, prior_high=0.5, a=1.0, beta=1.0 / k, gamma=1.0 / k, delta=0.3,
                          margin=1.0, c0=2.0 * k)
    ref, out = solve(game, False), solve(dataclasses.replace(game, a=a), False)
    unscaled = solve(OpenSourceGame(**{**DEFAULTS, "q_low": q_low}), False)
    assert out.regime == ref.regime == unscaled.regime
    for t in ("high", "low"):
        x, y = getattr(out, t), getattr(ref, t)
        assert x.openness == pytest.approx(y.openness, abs=1e-12)
        assert x.openness == pytest.approx(getattr(unscaled, t).openness, abs=1e-9)
        assert x.profit == pytest.approx(y.profit + 2 * (a - 1), rel=1e-12)


def test_pooling_at_a_single_openness_at_a_tiny_prior():
    """At the prior 1e-20 the pooled belief rounds to q_L, and with q_H gamma < delta both types' best openness at
    that belief is 0: in floats each acceptance set is the one point s = 0, and so is the pooling interval. In exact
    arithmetic mu_p > q_L, so s = 0 at belief mu_p gives each type pi(0, q_L; q) + m beta (mu_p - q_L) > V_q =
    pi(0, q_L; q) (checked in fractions below): pooling at s = 0 is an equilibrium, which lib must not lose (the
    exact interval is [0, O(lambda)])."""
    from fractions import Fraction as F
    from lib.signaling import pooling_interval, solve
    game = OpenSourceGame(**{**DEFAULTS, "prior_high": 1e-20, "gamma": 0.2})
    qH, qL, lam = F(game.q_high), F(game.q_low), F(game.prior_high)
    mu = lam * qH + (1 - lam) * qL

    def pi(s, belief, q):  # the definition, in exact fractions
        a, b, g, d, m, c0 = (F(getattr(game, k)) for k in ("a", "beta", "gamma", "delta", "margin", "c0"))
        return m * ((a + belief * (b + g * s)) + (a + b * q - d * s)) - c0 * s * s / (2 * q)
    for q in (qL, qH):
        v = max(pi(F(i, 1000), qL, q) for i in range(1001))   # s*(q, q_L) = 0 here: openness does not pay
        assert v == pi(0, qL, q) < pi(0, mu, q)
    assert float(mu) == game.q_low
    for interval in (pooling_interval(game), solve(game, False).pooling_interval):  # exactly [0, O(lambda)]
        assert interval is not None and interval[0] == 0.0 and 0.0 <= interval[1] < 1e-15


def test_max_gap_where_period_two_demand_vanishes_at_full_openness():
    """a = 0.5 < delta = 0.9, beta = 2: the validity rule a + beta q_L >= delta holds down to q_L = (0.9 - 0.5) / 2
    = 1/5 (by hand), so the largest gap is q_H - 1/5; a game there is valid, with D2 = 0 at s = 1, and one with
    q_L 1e-12 lower is refused."""
    from lib.signaling import max_gap
    game = OpenSourceGame(q_high=1.0, q_low=0.6, prior_high=0.5, a=0.5, beta=2.0, gamma=1.0, delta=0.9, margin=1.0,
                          c0=2.0)
    assert max_gap(game) == pytest.approx(1.0 - 0.2, rel=1e-15)
    edge = OpenSourceGame(**{**{k: getattr(game, k) for k in DEFAULTS}, "q_low": 0.2})
    assert float(edge.demand2(1.0, edge.q_low)) == pytest.approx(0.0, abs=1e-15)
    with pytest.raises(ValueError, match="delta"):
        OpenSourceGame(**{**{k: getattr(game, k) for k in DEFAULTS}, "q_low": 0.2 - 1e-12})


def test_the_documented_defaults_of_the_scan_and_the_draws():
    """The signatures' defaults: n_scan = 64 for regime_switches and threshold (the switch gaps are brentq's roots
    from the scan's brackets, so another n_scan gives other floats), seed = 2026 for random_games."""
    from lib.signaling import threshold
    game = OpenSourceGame(**DEFAULTS)
    assert regime_switches(game) == regime_switches(game, None, 64)
    assert threshold(game) == threshold(game, None, 64)
    assert random_games(5) == random_games(5, seed=2026) != random_games(5, seed=2027)


def test_random_games_reach_the_smallest_gap():
    """100,000 draws (seed 2026) of gap ~ U(0.02, 0.95) come within 1e-4 of 0.02 (missed with probability
    (1 - 1e-4 / 0.93)^100000 ~ 2e-5; the seed is fixed) and never below it."""
    gaps = np.array([g.gap for g in random_games(100_000)])
    assert 0.02 - 1e-15 <= gaps.min() < 0.02 + 1e-4


def test_large_gap_claim_reads_the_regime_at_the_largest_gap():
    """'Large gap: non-disclosure gives separating', read at 99 % of the valid range: it holds for the default game,
    which separates there, and fails for a game that pools there (regime_along_gap at that gap, one solve)."""
    from lib.signaling import max_gap
    pools = OpenSourceGame(q_high=1.0, q_low=0.5, prior_high=0.7, a=1.0, beta=0.2, gamma=0.0, delta=1.0, margin=1.0,
                           c0=0.5)
    default = OpenSourceGame(**DEFAULTS)
    for game, expected in ((default, "separating"), (pools, "pooling")):
        assert regime_along_gap(game, [0.99 * max_gap(game)])[0] == expected
        large = {r.key: r for r in threshold_claims([game], n_scan=8)}["gap.large"]
        assert large.share_strict == (1.0 if expected == "separating" else 0.0)
        assert (large.counterexample is None) == (expected == "separating")


@pytest.mark.parametrize("bad", ["abc", "", b"xy"])
def test_a_string_is_not_a_sequence_of_games_or_outcomes(bad):
    """A str or bytes is iterable but is no sequence of games: refused as such, by the parameter's name (not as
    its first character, nor as an empty sequence)."""
    from lib.signaling import evaluate_claims, outcome_table
    from lib.validation import InputTypeError
    for f, name in ((evaluate_claims, "games"), (threshold_claims, "games"), (outcome_table, "outcomes")):
        with pytest.raises(InputTypeError, match=rf"^{name} must be a sequence of"):
            f(bad)



def _largest_gain_and_tie(game, s_p):
    """(H's largest gain from any s' in [0, 1] believed H over its pooled profit at s_p, the documented tie 1e-12 of
    the two pooled profits net of 2 m a), exactly with sympy: H's best profit believed H (stationary point and the
    ends of [0, 1]) in the chapter's definition of the profit; and whether L's set believed H ends below s = 1."""
    import sympy as sp
    R = lambda x: sp.Rational(float(x))
    a, b, g, d, m, c0 = (R(getattr(game, k)) for k in ("a", "beta", "gamma", "delta", "margin", "c0"))
    qH, qL, lam, s_p = R(game.q_high), R(game.q_low), R(game.prior_high), R(s_p)
    mu = lam * qH + (1 - lam) * qL
    pi = lambda s, belief, q: m * ((a + belief * (b + g * s)) + (a + b * q - d * s)) - c0 * s * s / (2 * q)
    x = sp.Symbol("x", real=True)
    stationary = [r for r in sp.solve(sp.diff(pi(x, qH, qH), x), x) if 0 <= r <= 1]
    best = max(pi(r, qH, qH) for r in [0, 1, *stationary])
    pi_h, pi_l = pi(s_p, mu, qH), pi(s_p, mu, qL)
    tie = sp.Rational(1, 10**12) * (abs(pi_h - 2 * m * a) + abs(pi_l - 2 * m * a))
    return best - pi_h, tie, pi(1, qH, qL) < pi_l


@pytest.mark.parametrize("q_low, gamma", [(0.5, 1.0), (0.8, 1.0), (0.8, 2.0), (0.95, 2.0)])
def test_intuitive_deviation_at_a_prior_next_to_one_is_a_tie(q_low, gamma):
    """At the prior 1 - 2^-53 the pooled belief is q_H to within 2^-53 gap, so H pools at its full-information
    openness and no deviation can gain it more than m (beta + gamma s_p)(q_H - mu_p), about 1e-17 of its profit:
    below the documented tie (1e-12 of the profits), the answer is None, not an error. (In floats the pooled belief
    rounds to q_H and H's own set of gains at the pooled profit can be lost by rounding.) Exactly the criterion
    would break the PBE (believed H at s = 1, L earns less than pooled), by a gain far below the tie."""
    from lib.signaling import intuitive_deviation, solve
    game = OpenSourceGame(**{**DEFAULTS, "prior_high": 1 - 2.0**-53, "q_low": q_low, "gamma": gamma})
    nd = solve(game, False)
    assert nd.regime == "pooling" and game._exact is None  # the float path
    largest_gain, tie, l_set_ends_below_one = _largest_gain_and_tie(game, nd.high.openness)
    assert 0 < largest_gain < tie / 1000 and l_set_ends_below_one
    assert intuitive_deviation(game, nd.high.openness) is None


def test_intuitive_deviation_tie_is_relative_to_the_sum_of_the_two_profits():
    """q_L = 0.999 and the prior 1 - 1e-9 (the default game otherwise): H's largest gain from any deviation is
    between a tenth of the documented tie (1e-12 of the sum of the two pooled profits net of 2 m a) and the tie, and
    far above 1e-12 of their difference (the two profits differ by O(gap)): a tie, so None."""
    from lib.signaling import intuitive_deviation, solve
    game = OpenSourceGame(**{**DEFAULTS, "prior_high": 1 - 1e-9, "q_low": 0.999})
    nd = solve(game, False)
    assert nd.regime == "pooling" and game._exact is None
    largest_gain, tie, l_set_ends_below_one = _largest_gain_and_tie(game, nd.high.openness)
    assert tie / 10 < largest_gain < tie and l_set_ends_below_one
    profits = game.profit(nd.high.openness, game.pooled_belief, np.array([game.q_high, game.q_low]))
    assert 1e-12 * abs(profits[0] - profits[1]) < largest_gain / 100
    assert intuitive_deviation(game, nd.high.openness) is None


def test_regime_switches_in_exact_arithmetic_where_some_gaps_have_no_separating_pbe():
    """A drawn game (random_games(300, seed=5)) pools below one switch to separating, and at some gaps of the scan
    no separating PBE exists (there the separating score is minus its failure). Scaling margin and c0 by 1e40 (exact
    path) leaves every openness level unchanged, so the same single switch at the same gap."""
    from lib.signaling import least_cost_separating
    game = OpenSourceGame(q_high=1.0, q_low=0.6001199189594013, prior_high=0.13622015512195615, a=1.0,
                          beta=0.2877638793089025, gamma=1.9983522301301428, delta=0.6523691115879877, margin=1.0,
                          c0=1.3207857058443837)
    big = OpenSourceGame(**{**{k: getattr(game, k) for k in DEFAULTS}, "margin": BIG, "c0": game.c0 * BIG})
    gaps = np.linspace(0.01, 0.99, 64)
    assert any(least_cost_separating(big.with_gap(g)) is None for g in gaps)
    ref, out = regime_switches(game), regime_switches(big)
    assert [(s.below, s.above) for s in ref] == [(s.below, s.above) for s in out] == [("pooling", "separating")]
    assert out[0].gap == pytest.approx(ref[0].gap, abs=1e-9)


def test_voluntary_disclosure_tie_is_relative_to_the_profit_net_of_two_m_a():
    """a = 1000, m = 2 (the default game otherwise; the float path): every profit carries 2 m a = 4000, and the
    tie (1e-12 of H's full-information profit net of 2 m a, about 4.5) is about 4.5e-12. With a disclosure cost
    1e-10 of that net profit above H's loss from asymmetric information H stays silent; as far below, it discloses.
    The loss is computed with sympy: H's full-information profit and its pooled profit at its preferred s_p, each
    the stationary point of the chapter's profit (the pooled s_p checked against solve's, and inside its interval)."""
    import sympy as sp
    from lib.signaling import solve, voluntary_disclosure
    game = OpenSourceGame(**{**DEFAULTS, "a": 1000.0, "margin": 2.0})
    assert game._exact is None
    R = lambda x: sp.Rational(float(x))
    a, b, g, d, m, c0 = (R(getattr(game, k)) for k in ("a", "beta", "gamma", "delta", "margin", "c0"))
    qH, qL, lam = R(game.q_high), R(game.q_low), R(game.prior_high)
    mu = lam * qH + (1 - lam) * qL
    pi = lambda s, belief, q: m * ((a + belief * (b + g * s)) + (a + b * q - d * s)) - c0 * s * s / (2 * q)
    x = sp.Symbol("x", real=True)
    (s_fi,), (s_p,) = (sp.solve(sp.diff(pi(x, belief, qH), x), x) for belief in (qH, mu))
    nd = solve(game, False)
    lo, hi = nd.pooling_interval
    assert nd.regime == "pooling" and nd.high.openness == pytest.approx(float(s_p), abs=1e-12) and lo < s_p < hi
    assert 0 < s_fi < 1
    net = pi(s_fi, qH, qH) - 2 * m * a
    loss = pi(s_fi, qH, qH) - pi(s_p, mu, qH)
    assert 4 < net < 5 and loss > 0
    for sign, discloses in ((1, False), (-1, True)):
        cost = float(loss + sign * sp.Rational(1, 10**10) * net)
        assert voluntary_disclosure(replace(game, disclosure_cost=cost)).high_discloses is discloses


def _sympy_disclosure_gain(game):
    """(s_FI(q_H), pi_FI(q_H) - V_H, pi_FI(q_H) - 2 m a) in sympy's rationals: H's best profit over [0, 1] at beliefs
    q_H and q_L from the stationary points and the ends of the chapter's profit."""
    import sympy as sp
    R = lambda x: sp.Rational(float(x))
    a, b, g, d, m, c0 = (R(getattr(game, k)) for k in ("a", "beta", "gamma", "delta", "margin", "c0"))
    qH, qL = R(game.q_high), R(game.q_low)
    pi = lambda s, belief, q: m * ((a + belief * (b + g * s)) + (a + b * q - d * s)) - c0 * s * s / (2 * q)
    x = sp.Symbol("x", real=True)
    best = {}
    for belief in (qH, qL):  # H's best openness over [0, 1] at this belief: a stationary point or an end
        levels = [0, 1, *(r for r in sp.solve(sp.diff(pi(x, belief, qH), x), x) if 0 <= r <= 1)]
        best[belief] = max(levels, key=lambda s: pi(s, belief, qH))
    s_fi = best[qH]
    return s_fi, pi(s_fi, qH, qH) - pi(best[qL], qL, qH), pi(s_fi, qH, qH) - 2 * m * a


def test_voluntary_disclosure_without_a_pure_pbe_at_a_cost_equal_to_the_gain():
    """Where committed non-disclosure has no pure-strategy PBE, H discloses iff pi_FI(q_H) - cost_H >= V_H, a tie
    going to disclosure. At a disclosure cost equal to pi_FI(q_H) - V_H (computed with sympy: H's best profit over
    [0, 1] at beliefs q_H and q_L, from the stationary points and the ends of the chapter's profit), rounded to a float (an error of an ulp, far
    inside the documented 1e-12 tie), H discloses; at a cost 1e-9 of the net profit higher, the error is raised."""
    from lib.signaling import NoEquilibriumError, solve, voluntary_disclosure
    for game in _no_pure_pbe_games():
        with pytest.raises(NoEquilibriumError):
            solve(game, False)
        s_fi, gain, net = _sympy_disclosure_gain(game)
        assert gain > 0 and net > 0
        out = voluntary_disclosure(replace(game, disclosure_cost=float(gain)))
        assert out.high_discloses and out.high.openness == pytest.approx(float(s_fi), abs=1e-12)
        with pytest.raises(NoEquilibriumError):
            voluntary_disclosure(replace(game, disclosure_cost=float(gain + net / 10**9)))


def test_voluntary_disclosure_without_a_pure_pbe_tie_is_relative_to_the_profit_net_of_two_m_a():
    """The tie there is 1e-12 of H's full-information profit net of 2 m a (the docstring's 'same 1e-12 relative
    tolerance'), not of some other share of a. With a = (pi_FI(q_H) - 2 m a) / m (a adds 2 m a to every profit and
    changes no choice, so the game still has no pure PBE), pi_FI(q_H) - 3 m a is 0 to rounding: a cost 1/2 of the tie
    above the gain (sympy) is still a tie and H discloses; at 3/2 of the tie above it the error is raised."""
    from lib.signaling import NoEquilibriumError, solve, voluntary_disclosure
    for game in _no_pure_pbe_games():
        _, _, net = _sympy_disclosure_gain(game)
        game = replace(game, a=float(net / game.margin))
        assert game._exact is None
        with pytest.raises(NoEquilibriumError):
            solve(game, False)
        _, gain, net_a = _sympy_disclosure_gain(game)
        assert abs(net_a - net) < 1e-12 * net and gain > 0   # net of 2 m a: the same at the new a
        out = voluntary_disclosure(replace(game, disclosure_cost=float(gain + net / (2 * 10**12))))
        assert out.high_discloses
        with pytest.raises(NoEquilibriumError):
            voluntary_disclosure(replace(game, disclosure_cost=float(gain + 3 * net / (2 * 10**12))))


@pytest.mark.parametrize("quality", [1e40, 1e200])
def test_acceptance_interval_at_a_quality_outside_the_float_box(quality):
    """A quality argument beyond 1e30 takes the exact path (the game itself is moderate). In the default game the
    cost c0 s^2 / (2 q) is then below 1e-40, so pi(s, mu; q) - V_q is, to that, the line m beta (mu - q_L) +
    m (mu gamma - delta) s - G with G = max_s m (q_L gamma - delta) s = 0.5 (at s = 1): at mu = 0.9 it is
    0.1 + 0.6 s - 0.5, so A_q(0.9) = [2/3, 1] by hand; the lower end is certified by the exact profit's sign 1e-12
    on each side. (The float roots gave [0, 1]: the discriminant's terms are 1e40 apart.)"""
    from fractions import Fraction as F
    game = OpenSourceGame(**DEFAULTS)
    lo, hi = acceptance_interval(game, quality, 0.9)
    assert lo == pytest.approx(2 / 3, abs=1e-12) and hi == 1.0
    a, b, g, d, m, c0 = (F(getattr(game, k)) for k in ("a", "beta", "gamma", "delta", "margin", "c0"))
    q, qL = F(quality), F(game.q_low)
    pi = lambda s, mu: m * ((a + mu * (b + g * s)) + (a + b * q - d * s)) - c0 * s * s / (2 * q)
    v = max(pi(s, qL) for s in (F(0), F(1)))  # s*(q, q_L) = q m (q_L gamma - delta) / c0 clipped: 1
    assert pi(F(2, 3) - F(1, 10**12), F(9, 10)) < v < pi(F(2, 3) + F(1, 10**12), F(9, 10))


def test_gap_range_must_end_below_the_largest_gap():
    """Docstring of _gap_range's error: 0 < lo < hi < max_gap, open at the top. In the default game (delta <= a) the
    largest gap is q_H = 1 (q_L > 0 is the only bound), so a range ending at 1 is refused as a range, by its own
    message (not by the game at q_L = 0 that a scan up to it would build); one ending an ulp below 1 is accepted."""
    from lib.signaling import max_gap
    game = OpenSourceGame(**DEFAULTS)
    assert game.delta <= game.a and max_gap(game) == game.q_high == 1.0
    with pytest.raises(ValueError, match=r"^gap_range must satisfy 0 < lo < hi < 1 "):
        regime_switches(game, gap_range=(0.5, 1.0), n_scan=2)
    assert len(regime_switches(game, gap_range=(0.5, np.nextafter(1.0, 0.0)), n_scan=2)) == 0  # separating on both


def test_size_is_the_sum_of_the_magnitudes_of_the_profit_terms():
    """lib.signaling._size (the scale of the rounding guard of intuitive_deviation), by its docstring: the sum of the
    magnitudes of the terms of pi(s, belief; quality). Independent route: the chapter's profit expanded by sympy into
    its monomials (2 m a, m mu beta, m mu gamma s, m beta q, -m delta s, -c0 s^2 / (2 q)), each evaluated exactly and
    its absolute value summed; at qualities and beliefs other than 1 and openness levels other than 0."""
    import sympy as sp

    from lib.signaling import _size
    a, b, g, d, m, c0, s, mu, q = sp.symbols("a beta gamma delta m c0 s mu q", positive=True)
    profit = m * ((a + mu * (b + g * s)) + (a + b * q - d * s)) - c0 * s**2 / (2 * q)
    terms = sp.Add.make_args(sp.expand(profit))
    assert len(terms) == 6
    checked = 0
    for game in itertools.islice(_games(), 0, None, 5):
        values = {a: game.a, b: game.beta, g: game.gamma, d: game.delta, m: game.margin, c0: game.c0}
        values = {k: sp.Rational(v) for k, v in values.items()}
        for x, belief, quality in itertools.product((0.3, 1.0), (game.q_low, game.pooled_belief), (game.q_low, 1.7)):
            point = {**values, s: sp.Rational(x), mu: sp.Rational(belief), q: sp.Rational(quality)}
            expected = sum(abs(t.subs(point)) for t in terms)
            assert _size(game, x, belief, quality) == pytest.approx(float(expected), rel=1e-14)
            checked += 1
    assert checked >= 40


def test_intuitive_deviation_just_beyond_an_end_of_L_set_a_hair_below_one():
    """Where L's set believed H, {s: pi(s, q_H; q_L) >= pi_L*}, ends eps = 1e-10 to 1.9e-9 below s = 1 and H's profit
    believed H falls there (s_FI(q_H) = 0.35 in the default game), the dominated openness H likes best is just above
    that end, strictly better for H than s = 1 (the docstring: beyond the root by 1e-9 or half the window in which H
    still gains, here (end, 1], whichever is smaller). The pooling openness is put by brentq where L's pooled profit
    is its profit believed H at 1 - eps; the answer is checked in exact fractions of the chapter's profit: dominated for
    L, within the window, and H's profit there above its profit at 1 (and at its pooled openness)."""
    from fractions import Fraction as Fr

    from scipy import optimize

    from lib.signaling import intuitive_deviation
    game = OpenSourceGame(**DEFAULTS)
    a, b, g, d, m, c0 = (Fr(getattr(game, k)) for k in ("a", "beta", "gamma", "delta", "margin", "c0"))
    qH, qL, lam = Fr(game.q_high), Fr(game.q_low), Fr(game.prior_high)
    mu = lam * qH + (1 - lam) * qL
    pi = lambda s, belief, q: m * ((a + belief * (b + g * s)) + (a + b * q - d * s)) - c0 * s * s / (2 * q)
    for eps in (1e-10, 1e-9, 1.9e-9):
        target = pi(1 - Fr(eps), qH, qL)
        s_p = optimize.brentq(lambda x: float(pi(Fr(x), mu, qL) - target), 0.5, 1.0, xtol=1e-15)
        out = intuitive_deviation(game, s_p)
        assert out is not None and 1 - eps < out < 1, (eps, out)
        x, pi_l, pi_h = Fr(out), pi(Fr(s_p), mu, qL), pi(Fr(s_p), mu, qH)
        assert pi(x, qH, qL) < pi_l < pi(1 - Fr(2 * eps), qH, qL)  # dominated for L; L's set ends within 2 eps of 1
        assert pi(x, qH, qH) > pi(1, qH, qH) > pi_h  # better for H than s = 1, which beats pooling


def test_intuitive_deviation_near_a_tie_of_the_gain_is_decided_as_in_exact_arithmetic():
    """a = 1000 (the float path: every profit carries 2 m a = 2000, so a float profit errs by about 1e-13, far above
    1e-12 of the profits' sums, the documented tie being 1e-12 of the two pooled profits net of 2 m a, about 6e-12).
    gamma = 2.5, delta = 0.5, c0 = 2: H's profit believed H is stationary at s = 1 (checked here), so the H-best
    deviation is s = 1 if H gains more than the tie there, else none; the prior 1 - 2^-46 puts the pooled belief next
    to q_H. The pooling openness where H's gain at 1 equals the tie is found by bisection in exact fractions; at 101
    pooling openness levels within 2e-8 of it (both verdicts occur), the answer must be the exact verdict, computed in
    fractions of the chapter's profit (L, believed H, loses at s = 1 at all of them: 1 is dominated for L)."""
    from fractions import Fraction as Fr

    from lib.signaling import intuitive_deviation
    par = dict(q_high=1.0, q_low=0.8, prior_high=1 - 2.0**-46, a=1000.0, beta=1.0, gamma=2.5, delta=0.5, margin=1.0,
               c0=2.0)
    game = OpenSourceGame(**par)
    assert game._exact is None
    a, b, g, d, m, c0, qH, qL, lam = (Fr(par[k]) for k in ("a", "beta", "gamma", "delta", "margin", "c0", "q_high",
                                                            "q_low", "prior_high"))
    mu = lam * qH + (1 - lam) * qL
    pi = lambda s, belief, q: m * ((a + belief * (b + g * s)) + (a + b * q - d * s)) - c0 * s * s / (2 * q)
    assert m * (qH * g - d) - c0 * 1 / qH == 0  # d pi(s, q_H; q_H) / ds = 0 at s = 1: the maximum over [0, 1]

    def excess(x):  # (H's gain at s = 1 over the pooled profit minus the tie, L's pooled profit minus pi(1, q_H; q_L))
        x = Fr(x)
        pi_h, pi_l = pi(x, mu, qH), pi(x, mu, qL)
        return pi(1, qH, qH) - pi_h - Fr(1, 10**12) * (abs(pi_h - 2 * m * a) + abs(pi_l - 2 * m * a)), \
            pi_l - pi(1, qH, qL)

    lo, hi = 1 - 1e-4, 1.0
    assert excess(lo)[0] > 0 > excess(hi)[0]
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if excess(mid)[0] > 0 else (lo, mid)
    verdicts = []
    for x in np.linspace(lo - 2e-8, lo + 2e-8, 101):
        gain, top = excess(float(x))
        assert top > 0
        verdicts.append(gain > 0)
        assert intuitive_deviation(game, float(x)) == (1.0 if gain > 0 else None), (float(x), float(gain))
    assert 20 < sum(verdicts) < 81


def test_a_claim_without_a_direction_defaults_to_the_non_directional_kind():
    """Claim's optional fields default to the non-directional kind: a Claim given only sep.L.same's key, text, tests
    and regime (no column, no sign) equals CLAIMS' sep.L.same, which is built with column None and sign 0."""
    from lib.signaling import CLAIMS, Claim
    same = next(c for c in CLAIMS if c.key == "sep.L.same")
    assert Claim(same.key, same.text, same.applies, same.strict, same.weak, same.regime) == same
