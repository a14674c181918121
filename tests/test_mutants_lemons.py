"""Checks that kill mutants of lib/lemons.py (tools/mutate.py) the other tests let live."""
import pytest

from lib import lemons


@pytest.mark.parametrize("mean,b", [(1e308, 1.5), (1.5e308, 1.2), (1e-300, 1.9)])
def test_exit_threshold_near_the_ends_of_the_floats(mean, b):
    """sigma* = (b - 1) mu is a finite float for these means, so it must be returned (not rejected as an overflow);
    the reference multiplies in exact rationals."""
    from fractions import Fraction

    expected = float((Fraction(b) - 1) * Fraction(mean))
    assert lemons.uniform_exit_threshold(mean, b) == pytest.approx(expected, rel=1e-15)
