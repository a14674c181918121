"""lib.double_auction on untuned inputs: exact numbers for k, extreme scales, concentrated and skewed priors, bad
arguments. Right answers are checked another way (closed forms, the scale invariance of the model, the 1-D
identity E[(v - c)^+] = int F_S(x) (1 - F_B(x)) dx by scipy quad); bad inputs raise a clear ValueError/TypeError."""
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from lib.double_auction import (best_response_gap, first_best_gains, linear_equilibrium, linear_outcomes,
                                one_price_equilibrium, one_price_outcomes, outcomes, simulate)
from lib.validation import InputTypeError


@pytest.mark.parametrize("k", [Fraction(1, 2), sp.Rational(1, 2), sp.Float(0.5), np.float32(0.5), 1 - Fraction(1, 2)])
def test_exact_k_is_accepted(k):
    # was "k must be a number" for Fraction and sympy rationals
    assert linear_equilibrium(k) == linear_equilibrium(0.5)
    # efficiency by sympy: trade iff v >= c + 1/4 (k = 1/2), gains over the first best E[(v - c)^+]
    v, c = sp.symbols("v c")
    gains = sp.integrate(sp.integrate(v - c, (v, c + sp.Rational(1, 4), 1)), (c, 0, sp.Rational(3, 4)))
    first = sp.integrate(sp.integrate(v - c, (v, c, 1)), (c, 0, 1))
    assert linear_outcomes(k).efficiency == pytest.approx(float(gains / first), rel=1e-15)


def test_sympy_k_in_quadrature_matches_the_closed_form():
    k = sp.Rational(1, 3)
    eq = linear_equilibrium(k)
    quad = outcomes(eq.bid, eq.ask, k=k)
    closed = linear_outcomes(k)
    assert quad.gains == pytest.approx(closed.gains, abs=1e-12)
    assert quad.trade_probability == pytest.approx(float((1 + k) * (2 - k) / 8), abs=1e-12)  # sympy's own value


@pytest.mark.parametrize("k, kind", [(1.5, ValueError), (-0.1, ValueError), (math.nan, ValueError),
                                     (math.inf, ValueError), ("0.5", InputTypeError), (True, InputTypeError),
                                     (sp.Symbol("k"), InputTypeError)])
def test_bad_k(k, kind):
    for call in (lambda: linear_equilibrium(k), lambda: linear_outcomes(k),
                 lambda: outcomes(lambda v: v, lambda c: c, k=k)):
        with pytest.raises(kind, match=r"k must be a .*\[0, 1\]|k must be in \[0, 1\]"):
            call()


@pytest.mark.parametrize("bad", ["uniform", stats.poisson(3), 0.5])
def test_non_distributions_raise_both_value_and_type_error(bad):
    # was TypeError only, while the docstrings promise ValueError
    for call in (lambda: first_best_gains(bad, None), lambda: outcomes(lambda v: v, lambda c: c, None, bad)):
        with pytest.raises(ValueError, match="frozen continuous") as info:
            call()
        assert isinstance(info.value, TypeError)


def test_zero_width_support_says_what_is_wrong():
    # was "bounded support; got [nan, nan]"
    with pytest.raises(ValueError, match=r"buyer .*scale > 0"):
        first_best_gains(stats.uniform(0, 0), None)
    with pytest.raises(ValueError, match=r"seller's support .* too narrow"):
        outcomes(lambda v: v, lambda c: c, None, stats.uniform(1, 1e-12))


@settings(max_examples=25, deadline=None)
@given(e=st.integers(-300, 297), offset=st.floats(-100, 100), k=st.fractions(0, 1, max_denominator=20))
def test_linear_equilibrium_at_any_scale(e, offset, k):
    # U[o, o + w]: the U[0, 1] equilibrium mapped by x -> o + w x; gains scale by w, probabilities do not
    w = 10.0 ** e
    o = offset * w
    eq = linear_equilibrium(k)
    prior = stats.uniform(o, w)
    res = outcomes(lambda v: o + w * eq.bid((v - o) / w), lambda c: o + w * eq.ask((c - o) / w), prior, prior, k)
    closed = linear_outcomes(k)
    assert res.trade_probability == pytest.approx(closed.trade_probability, abs=1e-9)
    assert res.gains == pytest.approx(closed.gains * w, rel=1e-8)
    assert res.efficiency == pytest.approx(closed.efficiency, rel=1e-8)
    assert first_best_gains(prior, prior) == pytest.approx(w / 6, rel=1e-9)


@pytest.mark.parametrize("a, b, c, d, shift", [(60, 60, 60, 60, 0.1), (1, 1, 1, 1, -0.5), (0.5, 3, 3, 0.5, 0.0),
                                              (2, 5, 5, 2, 0.2), (40, 2, 2, 40, -0.3)])
def test_first_best_on_concentrated_and_skewed_priors(a, b, c, d, shift):
    buyer, seller = stats.beta(a, b), stats.beta(c, d, loc=shift)
    lo, hi = shift, 1.0  # F_S(x) (1 - F_B(x)) vanishes outside [c_lo, v_hi]
    one_d, _ = integrate.quad(lambda x: seller.cdf(x) * buyer.sf(x), lo, hi, limit=200, epsabs=1e-13,
                              epsrel=1e-11, points=[x for x in (0.0, buyer.mean(), seller.mean()) if lo < x < hi])
    assert first_best_gains(buyer, seller) == pytest.approx(one_d, rel=1e-9, abs=1e-13)


def test_singular_density_on_an_edge_gives_a_number_not_nan():
    # Beta(0.3, 0.3): infinite density at 0, where a quadrature edge falls; was nan (0 * inf)
    value = first_best_gains(stats.beta(0.3, 0.3), stats.beta(0.3, 0.3, loc=-0.5))
    one_d, _ = integrate.quad(lambda x: stats.beta(0.3, 0.3, loc=-0.5).cdf(x) * stats.beta(0.3, 0.3).sf(x), -0.5,
                              1.0, points=[0.0, 0.5], limit=200)
    # the documented limit: error up to the probability within 1e-14 of the widths of a singular end
    b = stats.beta(0.3, 0.3)
    limit = b.cdf(1e-14) + b.sf(1 - 1e-14)
    assert math.isfinite(value) and abs(value - one_d) <= limit


def test_no_gains_from_trade_is_an_error_not_nan():
    with pytest.raises(ValueError, match="no gains from trade"):
        outcomes(lambda v: v, lambda c: c, stats.uniform(0, 1), stats.uniform(2, 1))
    with pytest.raises(ValueError, match="no simulated auction had gains"):
        simulate(lambda v: v, lambda c: c, stats.uniform(0, 1), stats.uniform(2, 1), n=100)


def test_one_price_accepts_exact_numbers_and_names_bad_prices():
    assert one_price_equilibrium(Fraction(1, 2)) == one_price_equilibrium(0.5)
    x, v, c = sp.Rational(1, 3), *sp.symbols("v c")
    gains = sp.integrate(sp.integrate(v - c, (v, x, 1)), (c, 0, x))  # trade iff c <= x <= v
    assert one_price_outcomes(x).gains == pytest.approx(float(gains), rel=1e-15)
    for bad in (math.nan, 1.5, "0.5"):
        with pytest.raises(ValueError, match=r"price must be .*\[0, 1\].*overlap of the supports"):
            one_price_equilibrium(bad)
    with pytest.raises(ValueError, match="must overlap"):
        one_price_equilibrium(0.5, stats.uniform(0, 1), stats.uniform(2, 1))


@pytest.mark.parametrize("call, message", [
    (lambda f: simulate(f, f, n=10**12), r"n must be an integer in \[2, 5000000\]"),
    (lambda f: simulate(f, f, n=0), "n must be"),
    (lambda f: simulate(f, f, n=100, seed=-1), "seed"),
    (lambda f: simulate(f, f, n=100, seed=1.5), "seed"),
    (lambda f: best_response_gap(f, f, n_types=10**9), r"n_types must be an integer in \[2, 10000\]"),
    (lambda f: best_response_gap(f, f, n_bids=2), "n_bids"),
])
def test_long_computations_are_bounded(call, message):
    with pytest.raises(ValueError, match=message):
        call(lambda x: x)


@pytest.mark.parametrize("w", [1e-300, 1e-120, 1e300])
def test_simulation_and_best_response_at_extreme_scales(w):
    # U[0, w] draws are w times the U[0, 1] draws of the same seed: every estimate scales by w (was se = 0 at
    # 1e-300, where the squares underflow, and an overflow warning at 1e300)
    eq = linear_equilibrium(0.5)
    prior = stats.uniform(0, w)
    bid, ask = (lambda v: w * eq.bid(v / w)), (lambda c: w * eq.ask(c / w))
    ref, out = simulate(eq.bid, eq.ask, n=5000), simulate(bid, ask, prior, prior, n=5000)
    assert out.gains == pytest.approx(ref.gains * w, rel=1e-12)
    assert out.gains_se == pytest.approx(ref.gains_se * w, rel=1e-12) and out.gains_se > 0
    assert out.efficiency_se == pytest.approx(ref.efficiency_se, rel=1e-12)
    if w < 1e150:
        gap = best_response_gap(bid, ask, prior, prior)
        assert gap.max_gap <= 1e-12 * w and gap.buyer_utility == pytest.approx(9 / 128 * w, rel=1e-9)
    else:
        with pytest.raises(ValueError, match=r"within \[-1e150, 1e150\]"):
            best_response_gap(bid, ask, prior, prior)


def test_supports_beyond_1e300_are_refused():
    with pytest.raises(ValueError, match=r"buyer's support .* within \[-1e\+300, 1e\+300\]"):
        outcomes(lambda v: v, lambda c: c, stats.uniform(0, 1.7e308), stats.uniform(0, 1.7e308))
