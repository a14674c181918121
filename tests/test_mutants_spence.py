"""Checks that kill mutants of lib/spence.py (tools/mutate.py) the other tests let live."""
import math
import re

import pytest

from lib.spence import SpenceGame


@pytest.mark.parametrize("theta_high,theta_low,prior_high", [
    (1e200, 1.0, 0.5),  # theta_H (theta_H - theta_L) about 1e400: too large
    (1e160, 1e150, 0.5),  # about 1e320
    (3e-160, 1e-160, 0.5),  # theta_L (theta_H - theta_L) about 2e-320: too small
    (2.0, 1.0, 1e-309),  # lambda theta_L (theta_H - theta_L) about 1e-309
])
def test_out_of_range_message_states_the_order_of_magnitude(theta_high, theta_low, prior_high):
    """The message's 'about 1e<n>' is within one of log10 of the offending product, computed here in floats of
    logarithms (the product itself overflows)."""
    with pytest.raises(ValueError, match="normal float range") as info:
        SpenceGame(theta_high=theta_high, theta_low=theta_low, prior_high=prior_high)
    message = str(info.value)
    exponent = int(re.search(r"got about 1e([+-]\d+)", message).group(1))
    log_gap = math.log10(theta_high - theta_low)
    candidates = {"theta_high * (theta_high - theta_low)": math.log10(theta_high) + log_gap,
                  "theta_low * (theta_high - theta_low)": math.log10(theta_low) + log_gap,
                  "prior_high * theta_low * (theta_high - theta_low)":
                      math.log10(prior_high) + math.log10(theta_low) + log_gap}
    label = message.split(" must lie")[0]
    assert label in candidates, message
    assert abs(exponent - candidates[label]) <= 1, (message, candidates[label])


# The message names the first of the three products (in the order of the class docstring) that lies outside the
# normal float range, found here in exact rationals: an independent route to the same verdict.
@pytest.mark.parametrize("theta_high,theta_low,prior_high", [
    (1e-7, 1e-302, 0.5),  # theta_L (theta_H - theta_L), about 1e-309, is the first below the normal range
    (1 + 1e-10, 1.0, 1e-299),  # only lambda theta_L (theta_H - theta_L), about 1e-309 (theta_H + theta_L: 2e-299)
    (2e-154, 1e-154, 0.5),  # theta_H (theta_H - theta_L) = 2e-308 is the first (theta_H + theta_L would give 6e-308)
])
def test_the_message_names_the_first_product_out_of_range(theta_high, theta_low, prior_high):
    from fractions import Fraction
    th, tl, lam = Fraction(theta_high), Fraction(theta_low), Fraction(prior_high)
    products = {"theta_high * (theta_high - theta_low)": th * (th - tl),
                "theta_low * (theta_high - theta_low)": tl * (th - tl),
                "prior_high * theta_low * (theta_high - theta_low)": lam * tl * (th - tl)}
    out = [label for label, value in products.items() if not Fraction(2.2250738585072014e-308) <= value
           <= Fraction(1.7976931348623157e308)]
    assert out
    with pytest.raises(ValueError, match="normal float range") as info:
        SpenceGame(theta_high=theta_high, theta_low=theta_low, prior_high=prior_high)
    assert str(info.value).startswith(out[0] + " must lie")


def test_a_product_far_inside_the_range_or_exactly_at_its_smallest_normal_float_is_accepted():
    """lambda theta_L (theta_H - theta_L) = 1e10 * 1e-300 is in range (divided by the gap it would not be), and
    the smallest normal float itself, 2**-1022, belongs to the normal range."""
    import sys
    game = SpenceGame(theta_high=1e10, theta_low=1.0, prior_high=1e-300)
    assert game.pooling_range()[1] == pytest.approx(1e-300 * (1e10 - 1.0), rel=1e-12)
    SpenceGame(theta_high=2.0, theta_low=1.0, prior_high=sys.float_info.min)
    assert sys.float_info.min == 2.0 ** -1022


@pytest.mark.parametrize("theta_high,theta_low,prior_high", [
    (1e154, 9.9e153, 0.5),  # products about 1e306 (with theta_H + theta_L instead of the gap: 2e308, beyond)
    (3.0, 2.0, 2e-308),  # lambda theta_L (theta_H - theta_L) = 4e-308 (divided by theta_L: 1e-308, below)
    (2.0 ** 512, 2.0 ** 459, 0.5),  # theta_H (theta_H - theta_L) = (2**53 - 1) 2**971: the largest float itself
])
def test_games_whose_products_are_inside_the_normal_range_or_at_its_largest_float_are_accepted(
        theta_high, theta_low, prior_high):
    import sys
    from fractions import Fraction
    th, tl, lam = Fraction(theta_high), Fraction(theta_low), Fraction(prior_high)
    products = (th * (th - tl), tl * (th - tl), lam * tl * (th - tl))
    assert all(Fraction(sys.float_info.min) <= v <= Fraction(sys.float_info.max) for v in products)
    game = SpenceGame(theta_high=theta_high, theta_low=theta_low, prior_high=prior_high)
    assert math.isfinite(game.separating_range()[1]) and game.pooling_range()[1] > 0


def test_the_default_pooling_equilibrium_is_the_one_without_education():
    """pooling() is the least costly pooling PBE, e = 0: both types earn the pooled wage."""
    g = SpenceGame(theta_high=2.5, theta_low=1.0, prior_high=0.4)
    pool = g.pooling()
    assert pool.education_high == pool.education_low == 0.0
    assert pool.payoff_high == pool.payoff_low == pytest.approx(0.4 * 2.5 + 0.6 * 1.0, rel=1e-15)


def test_equal_productivities_are_refused_as_such():
    with pytest.raises(ValueError, match="0 < theta_low < theta_high"):
        SpenceGame(theta_high=1.5, theta_low=1.5, prior_high=0.5)


def test_the_default_game_is_the_primers():
    """The primer (chapter 3 and the module docstring's defaults) is theta_H = 2, theta_L = 1, lambda = 1/2."""
    assert SpenceGame() == SpenceGame(theta_high=2.0, theta_low=1.0, prior_high=0.5)


@pytest.mark.parametrize("theta_high,theta_low,prior_high", [(2.0, 1.0, 0.5), (3.0, 0.5, 0.9), (1.1, 1.0, 0.05)])
def test_both_ends_of_both_ranges_are_equilibria_with_the_binding_indifference(theta_high, theta_low, prior_high):
    """At the ends of the ranges the constraint that defines them binds, checked from the payoffs u = w - e/theta:
    separating, lowest e_H: L is indifferent between e = 0 at theta_L and mimicking H; highest: H is indifferent
    between e_H at theta_H and e = 0 at theta_L; pooling, highest e_p: L is indifferent between pooling and e = 0
    at theta_L. L's education is 0 in every separating PBE."""
    g = SpenceGame(theta_high=theta_high, theta_low=theta_low, prior_high=prior_high)
    lo, hi = g.separating_range()
    least, most = g.separating(lo), g.separating(hi)
    assert least.education_low == most.education_low == 0.0
    assert least.payoff_low == pytest.approx(theta_high - lo / theta_low, rel=1e-12)
    assert most.payoff_high == pytest.approx(theta_low, rel=1e-12)
    top = g.pooling(g.pooling_range()[1])
    assert top.payoff_low == pytest.approx(theta_low, rel=1e-12)
    assert top.education_high == top.education_low == g.pooling_range()[1]


@pytest.mark.parametrize("prior_high", [0.5, 0.999, 1 - 2.0 ** -53])
def test_the_intuitive_deviation_exists_and_h_gains_there_even_for_a_prior_next_to_one(prior_high):
    """The bound is where L, paid theta_H, is indifferent with its pooling payoff, and H gains there: checked in
    exact rationals (the float difference of the two payoffs rounds to 0 for lambda = 1 - 2**-53)."""
    from fractions import Fraction
    g = SpenceGame(theta_high=2.0, theta_low=1.0, prior_high=prior_high)
    for e in (0.0, g.pooling_range()[1] / 2):
        bound = g.intuitive_deviation(e)
        th, tl, lam, E, B = (Fraction(x) for x in (2.0, 1.0, prior_high, e, bound))
        w = lam * th + (1 - lam) * tl
        assert abs(float((th - B / tl) - (w - E / tl))) < 1e-12  # L indifferent at the bound
        assert (th - B / th) - (w - E / th) > 0  # H strictly gains there
