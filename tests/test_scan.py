"""lib.scan: counts and exceptions against hand-counted grids."""
import numpy as np
import pytest

from lib.scan import grid_scan


def test_counts_and_exceptions_one_axis():
    x = np.linspace(-1, 2, 31)  # the claim x^2 >= x fails exactly on 0 < x < 1: 0.1, ..., 0.9
    result = grid_scan("x^2 >= x", lambda x: x**2 >= x, x=x)
    assert (result.total, result.holds, len(result.exceptions)) == (31, 22, 9)
    assert [round(p["x"], 12) for p in result.exceptions] == [round(0.1 * k, 12) for k in range(1, 10)]
    assert not result.all_hold and result.share == pytest.approx(22 / 31)
    assert str(result).startswith("scan: x^2 >= x: 22 of 31 grid points hold, 9 exceptions (e.g. x=0.1;")


def test_vectorised_matches_pointwise_on_two_axes():
    a, b = np.linspace(-1, 1, 21), np.linspace(-2, 2, 17)
    point = grid_scan("a*b < 0.3", lambda a, b: bool(a * b < 0.3), a=a, b=b)
    vector = grid_scan("a*b < 0.3", lambda a, b: a * b < 0.3, vectorised=True, a=a, b=b)
    brute = sum(1 for x in a for y in b if x * y < 0.3)
    assert point.holds == vector.holds == brute and point.total == 21 * 17
    assert point.exceptions == vector.exceptions


def test_all_hold_report():
    result = grid_scan("x + 1 > x", lambda x: x + 1 > x, x=np.arange(5))
    assert result.all_hold and str(result) == "scan: x + 1 > x: 5 of 5 grid points hold, no exceptions"


@pytest.mark.parametrize("verdict", [float("nan"), None, np.array([True, False]), 1])
def test_undecided_point_is_an_error(verdict):
    with pytest.raises(ValueError, match="True or False"):
        grid_scan("c", lambda x: verdict, x=np.arange(3))


def test_bad_arguments():
    with pytest.raises(ValueError, match="at least one axis"):
        grid_scan("c", lambda: True)
    with pytest.raises(ValueError, match="1-D"):
        grid_scan("c", lambda x: True, x=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="finite"):
        grid_scan("c", lambda x: True, x=np.array([0.0, np.nan]))
    with pytest.raises(TypeError, match="claim"):
        grid_scan("", lambda x: True, x=np.arange(2))
    with pytest.raises(ValueError, match="boolean array"):
        grid_scan("c", lambda x: x, vectorised=True, x=np.arange(3.0))
    with pytest.raises(ValueError, match="at most"):
        grid_scan("c", lambda a, b: True, a=np.arange(3000), b=np.arange(3000))


from hypothesis import given, settings
from hypothesis import strategies as st

finite = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(a=st.lists(finite, min_size=1, max_size=12), b=st.lists(finite, min_size=1, max_size=12), t=finite)
def test_counts_match_brute_force_for_any_grid(a, b, t):
    """For any finite grid (huge and tiny values included) the counts and the exceptions are those of a plain
    double loop, pointwise and vectorised alike."""
    claim = lambda a, b: (np.asarray(a) / 2 + np.asarray(b) / 2) >= t / 2  # noqa: E731 - halves: no overflow
    brute = [(x, y) for x in a for y in b if not x / 2 + y / 2 >= t / 2]
    for vectorised in (False, True):
        pred = claim if vectorised else (lambda a, b: bool(claim(a, b)))
        result = grid_scan("mean >= t", pred, vectorised=vectorised, a=np.array(a), b=np.array(b))
        assert result.total == len(a) * len(b) and result.holds == result.total - len(brute)
        assert [(p["a"], p["b"]) for p in result.exceptions] == brute
        assert str(result).startswith(f"scan: mean >= t: {result.holds} of {result.total} grid points hold")
