"""Checks that kill mutants of lib/validation.py (tools/mutate.py) the other tests let live.

The range checks are compared with exact rational arithmetic (``fractions.Fraction``), an independent route to
"is this value inside [lo, hi] / (lo, hi)?", at the ends and one float step beyond them, for the float fast path
and for the slow path (ints, Fractions, numpy scalars) alike.
"""
import fractions
import itertools
import math

import numpy as np
import pytest
import sympy as sp
from scipy import stats

from lib.validation import InputTypeError, describe_range, integer, real, real_array, support_of

F = fractions.Fraction


def _inside(value, lo, hi, lo_open, hi_open) -> bool:
    """Membership by exact rationals (Fraction of a float is exact)."""
    v = F(value)
    return ((lo is None or (v > F(lo) if lo_open else v >= F(lo)))
            and (hi is None or (v < F(hi) if hi_open else v <= F(hi))))


RANGES = [(lo, hi, lo_open, hi_open) for lo, hi in ((0.0, 1.0), (0.0, None), (None, 1.0), (-2.5, 3.0))
          for lo_open, hi_open in itertools.product((False, True), repeat=2)]


def _probes(lo, hi):
    out = [0.5, -7.0, 9.0]
    for end in (lo, hi):
        if end is not None:
            out += [end, math.nextafter(end, -math.inf), math.nextafter(end, math.inf)]
    return out


@pytest.mark.parametrize("lo, hi, lo_open, hi_open", RANGES)
def test_real_accepts_exactly_the_range(lo, hi, lo_open, hi_open):
    """For floats (the fast path) and for the same values as Fractions and numpy floats (the slow path): accepted
    iff inside by exact comparison, and the accepted value is returned unchanged."""
    kw = dict(lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open)
    for x in _probes(lo, hi):
        for value in (x, F(x), np.float64(x)):
            if _inside(x, lo, hi, lo_open, hi_open):
                assert real(value, "p", **kw) == x, (value, kw)
            else:
                with pytest.raises(ValueError, match=r"^p must be (in|>|<)"):
                    real(value, "p", **kw)
        arr = np.array([0.5, x]) if _inside(0.5, lo, hi, lo_open, hi_open) else np.array([x])
        if all(_inside(v, lo, hi, lo_open, hi_open) for v in arr):
            np.testing.assert_array_equal(real_array(arr, "s", **kw), arr)
        else:
            with pytest.raises(ValueError, match=r"^s must be (in|>|<)"):
                real_array(arr, "s", **kw)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_refused_on_the_fast_path(bad):
    for kw in ({}, dict(lo=0.0), dict(hi=1.0), dict(lo=-math.inf, hi=math.inf)):
        with pytest.raises(ValueError, match="p must be a finite real number"):
            real(bad, "p", **kw)


def test_messages_name_the_range_once():
    """A type error with a range names the range; without one the message does not add a stray word."""
    with pytest.raises(InputTypeError, match=r"^p must be a real number in \[0, 1\]; got str"):
        real("a", "p", lo=0, hi=1)
    with pytest.raises(InputTypeError, match=r"^p must be a real number; got str"):
        real("a", "p")
    with pytest.raises(ValueError, match=r"^p must be a finite real number; got inf"):
        real(math.inf, "p")
    with pytest.raises(ValueError, match=r"^p must be a finite real number > 0; got -oo"):
        real(-sp.oo, "p", lo=0, lo_open=True)
    assert describe_range(0, None) == ">= 0" and describe_range(None, 2, hi_open=True) == "< 2"
    assert describe_range(0.5, None, lo_open=True) == "> 0.5" and describe_range() == "finite"
    assert describe_range(0, 1, True, False) == "in (0, 1]"


def test_strings_and_symbols_are_not_converted():
    for bad in ("1.5", "nan", sp.Symbol("x"), b"1"):
        with pytest.raises(InputTypeError):
            real(bad, "p")


@pytest.mark.parametrize("length", [59, 60, 61, 62, 200])
def test_long_values_are_shortened_to_60_characters(length):
    """The repr of the offending value in a message: whole up to 60 characters, else 60 characters that keep its
    beginning and its end."""
    value = "a" * 10 + "m" * (length - 22) + "z" * 10  # repr adds the two quotes
    with pytest.raises(InputTypeError) as info:
        real(value, "p")
    shown = str(info.value).split("got str ", 1)[1]
    r = repr(value)
    assert len(r) == length
    if length <= 60:
        assert shown == r
    else:
        assert len(shown) == 60 and "..." in shown
        assert shown.startswith(r[:11]) and shown.endswith(r[-11:])


@pytest.mark.parametrize("lo, hi", [(2, 5), (2, None), (None, 5), (-3, -3)])
def test_integer_accepts_exactly_the_range(lo, hi):
    for v in range(-8, 10):
        ok = (lo is None or v >= lo) and (hi is None or v <= hi)
        if ok:
            assert integer(v, "n", lo=lo, hi=hi) == v
            assert integer(np.int64(v), "n", lo=lo, hi=hi) == v
        else:
            with pytest.raises(ValueError, match="n must be an integer"):
                integer(v, "n", lo=lo, hi=hi)
    for bad in (True, np.True_, 3.0, F(3, 1), "3"):
        with pytest.raises(InputTypeError):
            integer(bad, "n", lo=lo, hi=hi)


def test_real_array_object_and_zero_dimensional_inputs():
    np.testing.assert_array_equal(real_array([F(1, 2), F(1, 4)], "s"), [0.5, 0.25])
    np.testing.assert_array_equal(real_array(np.array([F(1, 2), 3], dtype=object), "s"), [0.5, 3.0])
    out = real_array(np.array(0.25), "s", lo=0)
    assert out.shape == () and out == 0.25
    out = real_array(np.array([[1, 2], [3, 4]]), "s", lo=1, hi=4)
    assert out.dtype == float and out.shape == (2, 2)
    with pytest.raises(ValueError, match=r"s\[1\] must be"):
        real_array([F(1, 2), F(-1, 2)], "s", lo=0)


def test_support_of_accepts_narrow_and_rejects_half_bounded_or_degenerate():
    assert support_of(stats.uniform(0, 0.5), "buyer") == (0.0, 0.5)
    assert support_of(stats.beta(2, 3, loc=1, scale=0.25), "buyer") == (1.0, 1.25)
    for dist in (stats.expon(), stats.lognorm(1.0), stats.pareto(2.0)):  # [lo, inf): one end unbounded
        with pytest.raises(ValueError, match="buyer .*bounded support"):
            support_of(dist, "buyer")
    # scale 1 > 0, but 1e20 + 1 rounds to 1e20: the float support is the single point [1e20, 1e20]
    with pytest.raises(ValueError, match="lo < hi"):
        support_of(stats.uniform(1e20, 1), "buyer")
    with pytest.raises(ValueError, match="scale > 0"):
        support_of(stats.uniform(0, 0), "buyer")
    for dist in (stats.beta(-1, 2), stats.uniform(math.nan, 1), stats.beta(2, 2, loc=math.inf)):
        with pytest.raises(ValueError, match="invalid shape parameters or location"):
            support_of(dist, "buyer")
