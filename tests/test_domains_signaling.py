"""lib.signaling and lib.spence on untuned inputs: extreme scales (1e-300 ... 1e300), parameters at the edges of
their ranges, and bad arguments. Right answers are checked another way (the model's scaling invariance, the
defining root equation, a best-response check on a grid in exact arithmetic); bad inputs must raise a clear
ValueError/TypeError naming the parameter."""
import dataclasses
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lib.signaling import (DEFAULTS, OpenSourceGame, acceptance_interval, audit_fee, best_openness, evaluate_claims,
                           intuitive_deviation, random_games, regime_along_gap, regime_switches,
                           separating_boundary, solve, threshold_claims, voluntary_disclosure)
from lib.spence import SpenceGame
from lib.validation import InputTypeError

NAMES = ("q_high", "q_low", "prior_high", "a", "beta", "gamma", "delta", "margin", "c0", "disclosure_cost",
         "audit_cost")


def pi(g: dict, s, mu, q):
    """The model's profit in exact arithmetic (the definition in the module docstring, not lib's code)."""
    m, a, b, c, d, c0 = (g[k] for k in ("margin", "a", "beta", "gamma", "delta", "c0"))
    return m * ((a + mu * (b + c * s)) + (a + b * q - d * s)) - c0 * s * s / (2 * q)


def exact(game: OpenSourceGame) -> dict:
    return {k: Fraction(getattr(game, k)) for k in NAMES}


def scaled(game: OpenSourceGame, t: float, v: float, u: float) -> dict:
    """The scaling that leaves every openness unchanged: qualities x t, (beta, gamma) x v, (a, delta) x t v,
    margin x u, c0 x t^2 v u, disclosure cost x t v u, audit cost x t^2 v u (the fee phi (1/q - 1/q_H) then
    scales by t v u); beliefs scale by t, demands by t v, profits by t v u."""
    f = dict(q_high=t, q_low=t, prior_high=1, a=t * v, beta=v, gamma=v, delta=t * v, margin=u, c0=t * t * v * u,
             disclosure_cost=t * v * u, audit_cost=t * t * v * u)
    return {k: getattr(game, k) * f[k] for k in NAMES}


moderate = st.builds(
    lambda gap, prior, beta, gamma, delta, c0, phi: OpenSourceGame(1.0, 1.0 - gap, prior, 1.0, beta, gamma, delta,
                                                                   1.0, c0, audit_cost=phi),
    st.floats(0.05, 0.9), st.floats(0.1, 0.9), st.floats(0.2, 2.0), st.floats(0.0, 2.0), st.floats(0.0, 1.0),
    st.floats(0.5, 4.0), st.sampled_from([0.0, 0.05]))
powers = st.integers(-140, 140).map(lambda e: 10.0 ** e)


def _representable(game, values) -> bool:
    return all((getattr(game, k) == 0) if x == 0 else 1e-300 < abs(x) < 1e300 for k, x in values.items())


def _clear(game: OpenSourceGame) -> bool:
    """Not a razor-edge case (a near-tie between the candidates, or H's openness at an end of an interval)."""
    nd = solve(game, False)
    if nd.separating_profit_high is not None and nd.pooling_profit_high is not None and \
            abs(nd.separating_profit_high - nd.pooling_profit_high) < 1e-6 * abs(nd.pooling_profit_high):
        return False
    r, accept = separating_boundary(game), acceptance_interval(game, game.q_high, game.q_high)
    return abs(r - 1) > 1e-6 and (accept is None or abs(r - accept[1]) > 1e-6)


@settings(max_examples=60, deadline=None)
@given(game=moderate, t=powers, v=powers, u=powers)
def test_extreme_scales_give_the_scaled_equilibrium(game, t, v, u):
    values = scaled(game, t, v, u)
    assume(_representable(game, values) and _clear(game))
    big = OpenSourceGame(**values)
    for disclose in (False, True):
        ref = solve(game, disclose)
        try:
            out = solve(big, disclose)
        except ValueError as exc:  # only when a demand or a profit is truly beyond the float range
            assert "beyond the float range" in str(exc)
            assert max(abs(ref.high.profit), abs(ref.low.profit)) * t * v * u > 1e307 or \
                max(abs(ref.high.demand1), abs(ref.high.demand2), abs(ref.low.demand1)) * t * v > 1e307
            continue
        assert out.regime == ref.regime
        for side in ("high", "low"):
            o, r = getattr(out, side), getattr(ref, side)
            assert o.openness == pytest.approx(r.openness, rel=1e-9, abs=1e-12)
            assert o.belief == pytest.approx(r.belief * t, rel=1e-12)
            assert o.demand1 == pytest.approx(r.demand1 * t * v, rel=1e-9)
            assert o.profit == pytest.approx(r.profit * t * v * u, rel=1e-9, abs=1e-9 * abs(r.demand1) * t * v * u)
            assert math.isfinite(o.profit) and math.copysign(1, o.openness) == 1  # never nan or -0.0
    assert separating_boundary(big) == pytest.approx(separating_boundary(game), rel=1e-9)


@settings(max_examples=25, deadline=None)
@given(game=moderate, t=powers, v=powers, u=powers)
def test_extreme_equilibria_pass_a_best_response_check_in_exact_arithmetic(game, t, v, u):
    values = scaled(game, t, v, u)
    assume(_representable(game, values) and _clear(game))
    big = OpenSourceGame(**values)
    try:
        nd = solve(big, False)
    except ValueError as exc:
        assert "beyond the float range" in str(exc)
        return
    g = exact(big)
    qH, qL = g["q_high"], g["q_low"]
    grid = [Fraction(i, 200) for i in range(201)]
    sH, sL = Fraction(nd.high.openness), Fraction(nd.low.openness)
    muH, muL = Fraction(nd.high.belief), Fraction(nd.low.belief)
    # off the path consumers believe q_L: no type gains by moving to a grid openness (relative slack 1e-9)
    for q, s, mu in ((qH, sH, muH), (qL, sL, muL)):
        own = pi(g, s, mu, q)
        best_deviation = max(pi(g, x, qL, q) for x in grid)
        assert best_deviation <= own + Fraction(1, 10**9) * abs(own)
    if nd.regime == "separating":  # L does not mimic H
        own = pi(g, sL, qL, qL)
        assert pi(g, sH, qH, qL) <= own + Fraction(1, 10**9) * abs(own)


@pytest.mark.parametrize("name", ["gamma", "margin", "q_high"])
@pytest.mark.parametrize("value", [1e155, 1e300])
def test_boundary_is_the_root_at_huge_parameters(name, value):
    # was inf: r is the upper root of pi(s, q_H; q_L) = max_s pi(s, q_L; q_L); check the sign change exactly
    game = OpenSourceGame(**{**DEFAULTS, name: value})
    r = separating_boundary(game)
    assert math.isfinite(r) and r > 1
    g = exact(game)
    qH, qL = g["q_high"], g["q_low"]
    v_l = max(pi(g, Fraction(i, 10**4), qL, qL) for i in range(10**4 + 1))  # L's best as L (concave, on a grid)
    s_l = Fraction(best_openness(game, game.q_low, game.q_low))
    v_l = max(v_l, pi(g, s_l, qL, qL))
    below, above = Fraction(r) * (1 - Fraction(1, 10**8)), Fraction(r) * (1 + Fraction(1, 10**8))
    assert pi(g, below, qH, qL) > v_l > pi(g, above, qH, qL)
    assert solve(game, False).boundary == r


def test_tiny_low_quality():
    # q_low = 5e-324 (the smallest float) gave boundary nan and L's openness -0.0
    game = OpenSourceGame(**{**DEFAULTS, "q_low": 5e-324})
    nd = solve(game, False)
    assert math.isfinite(nd.boundary) and nd.boundary > 0
    assert nd.low.openness == 0.0 and math.copysign(1, nd.low.openness) == 1
    # r ~ sqrt(2 q_L m beta gap / c0) as q_L -> 0 (the leading term of the closed form)
    assert nd.boundary == pytest.approx(math.sqrt(2 * 5e-324 * game.beta * game.gap / game.c0), rel=1e-6)


@pytest.mark.parametrize("change", [dict(a=1e308), {k: 1e200 for k in ("a", "beta", "gamma", "delta", "margin", "c0")}
                                    | dict(q_high=2e200, q_low=1e200)])
def test_overflowing_results_are_named(change):
    # was NoEquilibriumError: the equilibrium exists, but a profit or a demand exceeds the float range
    game = OpenSourceGame(**{**DEFAULTS, **change})
    with pytest.raises(ValueError, match="beyond the float range"):
        solve(game, False)
    assert 0 <= best_openness(game, game.q_high, game.q_high) <= 1


def test_exact_numbers_as_parameters():
    ref = solve(OpenSourceGame(**DEFAULTS), False)
    g = OpenSourceGame(**{**DEFAULTS, "prior_high": sp.Rational(1, 2), "q_low": Fraction(4, 5), "c0": sp.Integer(2)})
    assert solve(g, False) == dataclasses.replace(ref, game=g)  # the same floats give the same equilibrium


@pytest.mark.parametrize("call, message", [
    (lambda g: best_openness(g, math.nan, 0.9), "quality"),
    (lambda g: best_openness(g, 1.0, math.inf), "belief"),
    (lambda g: best_openness("game", 1.0, 0.9), "game must be an OpenSourceGame"),
    (lambda g: g.profit(math.nan, 0.9, 0.9), "s must be finite"),
    (lambda g: g.profit(0.5, 0.9, 0.0), "quality must be > 0"),
    (lambda g: g.demand1(0.5, "x"), "belief"),
    (lambda g: acceptance_interval(g, 0, 0.9), "quality must be > 0"),
    (lambda g: acceptance_interval(g, -1, 0.9), "quality must be > 0"),
    (lambda g: threshold_claims([]), "at least one"),
    (lambda g: evaluate_claims([]), "at least one"),
    (lambda g: evaluate_claims([g, "x"]), r"games\[1\]"),
    (lambda g: regime_switches(g, n_scan=10**6), r"n_scan must be an integer in \[2, 10000\]"),
    (lambda g: regime_switches(g, n_scan=10.0), "n_scan"),
    (lambda g: regime_switches(g, xtol=math.nan), "xtol"),
    (lambda g: regime_switches(g, gap_range=0.5), "gap_range"),
    (lambda g: regime_along_gap(g, [math.nan]), "gaps"),
    (lambda g: intuitive_deviation(g, math.nan), "pooling_openness"),
    (lambda g: intuitive_deviation(g, 1.5), "pooling_openness"),
    (lambda g: g.with_gap(1.0), "gap"),
    (lambda g: random_games(-1), "n must be"),
    (lambda g: random_games(2.5), "n must be"),
    (lambda g: solve(g, "yes"), "disclose"),
])
def test_bad_arguments_are_refused_by_name(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call(OpenSourceGame(**DEFAULTS))


@pytest.mark.parametrize("change, name", [
    (dict(prior_high=1.0), "prior_high"), (dict(q_low=0.0), "q_low"), (dict(c0=math.inf), "c0"),
    (dict(gamma=1j), "gamma"), (dict(beta=True), "beta"), (dict(a=-1e-300), "a"),
])
def test_game_parameters_named(change, name):
    with pytest.raises(ValueError, match=f"^{name} must be"):
        OpenSourceGame(**{**DEFAULTS, **change})


# ------------------------------------------------------------------------------------------------ Spence

@settings(max_examples=80, deadline=None)
@given(tl=st.floats(1e-150, 1e150), ratio=st.floats(1.0001, 1e4), lam=st.floats(0.001, 0.999))
def test_spence_ends_are_indifference_points(tl, ratio, lam):
    th = tl * ratio
    game = SpenceGame(th, tl, lam)
    lo, hi = game.separating_range()
    # at e* L is indifferent between mimicking H and e = 0; at the top H is indifferent too; pooling top: L
    assert th - lo / tl == pytest.approx(tl, rel=1e-9)
    assert th - hi / th == pytest.approx(tl, rel=1e-9)
    assert game.pooled_wage - game.pooling_range()[1] / tl == pytest.approx(tl, rel=1e-9)
    assert all(math.isfinite(x) for x in (lo, hi, *game.pooling_range()))


@pytest.mark.parametrize("args", [(1e300, 1.0, 0.5), (2e-300, 1e-300, 0.5), (1e200, 1e199, 0.5)])
def test_spence_outside_the_float_range_is_refused(args):
    # SpenceGame(1e300, 1, 0.5) gave the separating range (1e300, inf)
    with pytest.raises(ValueError, match="normal float range"):
        SpenceGame(*args)


def test_spence_bad_arguments():
    g = SpenceGame()
    for call, name in ((lambda: g.payoff(math.nan, 1, 1), "education"), (lambda: g.payoff(0, 1, 0), "theta"),
                       (lambda: g.separating(math.nan), "education_high"),
                       (lambda: g.intuitive_deviation(math.nan), "education"),
                       (lambda: SpenceGame("2", 1, 0.5), "theta_high")):
        with pytest.raises((ValueError, TypeError), match=name):
            call()
    assert SpenceGame(sp.Integer(2), Fraction(1), sp.Rational(1, 2)) == SpenceGame(2.0, 1.0, 0.5)
    assert issubclass(InputTypeError, TypeError)


@pytest.mark.parametrize("u", [1e-11, 1e-200, 1e11])
def test_selection_does_not_depend_on_the_profit_scale(u):
    # an absolute tie tolerance (1e-12) declared a tie at margin = c0 = 1e-11 and picked separating; the
    # H-preferred choice and the intuitive-criterion deviation must not change when every profit is scaled by u
    for base in (OpenSourceGame(1.0, 0.75, 0.5, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0), OpenSourceGame(**DEFAULTS)):
        small = OpenSourceGame(**scaled(base, 1.0, 1.0, u))
        ref, out = solve(base, False), solve(small, False)
        assert out.regime == ref.regime
        assert out.pooling_profit_high == pytest.approx(ref.pooling_profit_high * u, rel=1e-12)
        if ref.regime == "pooling":
            dev_ref, dev = intuitive_deviation(base, ref.high.openness), intuitive_deviation(small, out.high.openness)
            assert (dev is None) == (dev_ref is None) and (dev is None or dev == pytest.approx(dev_ref, abs=1e-9))


@pytest.mark.parametrize("scale", [1e-100, 1.0, 1e100])
def test_spence_range_checks_are_relative(scale):
    # an absolute slack of 1e-12 accepted e = 0 as H's separating education when theta ~ 1e-100
    g = SpenceGame(2 * scale, scale, 0.5)
    lo, hi = g.separating_range()
    assert g.separating(hi).education_high == hi and g.separating().education_high == lo
    for bad in (0.0, lo * (1 - 1e-9), hi * (1 + 1e-9)):
        with pytest.raises(ValueError, match="separating range"):
            g.separating(bad)
    with pytest.raises(ValueError, match="pooling range"):
        g.pooling(g.pooling_range()[1] * (1 + 1e-9))
    # payoffs at the ends: L indifferent at lo, H at hi (checked with the definition u = w - e/theta)
    assert g.payoff(lo, 2 * scale, scale) == pytest.approx(scale, rel=1e-12)
    assert g.payoff(hi, 2 * scale, 2 * scale) == pytest.approx(scale, rel=1e-12)


def test_audit_fee_at_extreme_scales():
    """F(q) = phi (1/q - 1/q_H) against exact fractions; beyond the float range a ValueError says so."""
    for q_low, phi in ((1e-300, 1e-10), (0.999999999999, 1e300), (5e-324, 1e-20)):
        game = OpenSourceGame(**{**DEFAULTS, "q_low": q_low, "audit_cost": phi})
        want = Fraction(phi) * (1 / Fraction(q_low) - 1 / Fraction(game.q_high))
        without = solve(dataclasses.replace(game, audit_cost=0.0), True)
        assert solve(game, True).low.profit == pytest.approx(float(Fraction(without.low.profit) - want), rel=1e-12)
        assert solve(game, True).high.profit == pytest.approx(without.high.profit, rel=1e-15)  # F(q_H) = 0
        assert audit_fee(game, q_low) == pytest.approx(float(want), rel=1e-12)
    game = OpenSourceGame(**{**DEFAULTS, "q_low": 1e-300, "audit_cost": 1e10})
    with pytest.raises(ValueError, match="beyond the float range"):
        audit_fee(game, 1e-300)
    with pytest.raises(ValueError, match="beyond the float range"):
        solve(game, True)


@settings(max_examples=20, deadline=None)
@given(game=moderate, t=powers, v=powers, u=powers, cost=st.sampled_from([0.0, 0.01, 0.1]))
def test_voluntary_disclosure_at_extreme_scales(game, t, v, u, cost):
    """The disclosure decision is scale-free (loss and cost both scale by t v u), so the scaled game decides as
    the moderate one; profits scale by t v u."""
    game = dataclasses.replace(game, disclosure_cost=cost)
    values = scaled(game, t, v, u)
    assume(_representable(game, values) and _clear(game))
    ref = voluntary_disclosure(game)
    assume(abs(ref.loss_high - ref.cost_high) > 1e-6 * (abs(ref.loss_high) + 1e-3))
    try:
        out = voluntary_disclosure(OpenSourceGame(**values))
    except ValueError as exc:
        assert "beyond the float range" in str(exc)
        return
    assert out.high_discloses == ref.high_discloses and not out.low_discloses
    assert out.high.openness == pytest.approx(ref.high.openness, rel=1e-9, abs=1e-12)
    assert out.low.profit == pytest.approx(ref.low.profit * t * v * u, rel=1e-9, abs=1e-9 * abs(ref.low.demand1) * t * v * u)
