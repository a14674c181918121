"""Checks that kill mutants of lib/bne.py (tools/mutate.py) the other tests let live."""
import pytest

from lib.bne import solve_double_auction
from lib.distributions import uniform


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
