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


def test_root_scan_finds_the_equilibrium_newton_from_the_guess_misses():
    """Beta(1.3, 1.3) priors at k = 1/4: the solver's scan of both end slopes finds a regular equilibrium, certified
    independently by the best-response check (no type of either side gains from any bid on a grid of 2001)."""
    from scipy.stats import beta

    result = solve_double_auction(beta(1.3, 1.3), beta(1.3, 1.3), 0.25)
    assert "scan of both end slopes" in result.method
    assert result.residual < 1e-10
    assert result.best_response_gap(n_types=3).relative_gap <= 1e-8
