"""lib.validation: what real/integer/flag/real_array/support_of accept (converted exactly) and refuse (named)."""
import decimal
import fractions
import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from lib.validation import InputTypeError, flag, integer, real, real_array, support_of


@settings(max_examples=60, deadline=None)
@given(p=st.integers(-10**30, 10**30), q=st.integers(1, 10**30))
def test_rationals_convert_to_the_correctly_rounded_float(p, q):
    # Python's int / int is correctly rounded: an independent route to the nearest float of p/q
    assert real(fractions.Fraction(p, q), "x") == p / q
    assert real(sp.Rational(p, q), "x") == p / q


@pytest.mark.parametrize("value, expected", [
    (1, 1.0), (np.int64(3), 3.0), (np.float32(0.25), 0.25), (sp.Float("0.1"), 0.1), (sp.Integer(4), 4.0),
    (sp.sqrt(2), math.sqrt(2)), (decimal.Decimal("0.1"), 0.1), (1e300, 1e300), (5e-324, 5e-324),
])
def test_accepted_kinds(value, expected):
    out = real(value, "x")
    assert type(out) is float and out == expected


@pytest.mark.parametrize("bad", [True, np.True_, "1", None, 1j, np.complex128(1), sp.I, sp.zoo, sp.Symbol("x"),
                                 np.array(1.0), [1.0]])
def test_wrong_kinds_raise_input_type_error_naming_the_parameter(bad):
    with pytest.raises(InputTypeError, match=r"gamma must be a real number >= 0") as info:
        real(bad, "gamma", lo=0)
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, sp.oo, sp.nan, np.float64("nan"),
                                 decimal.Decimal("nan"), 10**400, fractions.Fraction(10**400, 3), sp.Float("1e400")])
def test_non_finite_or_unrepresentable_values_raise_value_error(bad):
    with pytest.raises(ValueError, match=r"^beta must be a") as info:
        real(bad, "beta", lo=0, lo_open=True)
    assert not isinstance(info.value, TypeError)
    assert len(str(info.value)) < 200  # a 400-digit number is shortened


@pytest.mark.parametrize("value, kw, ok", [
    (0, dict(lo=0), True), (0, dict(lo=0, lo_open=True), False), (1, dict(hi=1), True),
    (1, dict(hi=1, hi_open=True), False), (0.5, dict(lo=0, hi=1, lo_open=True, hi_open=True), True),
    (-1e-300, dict(lo=0), False), (fractions.Fraction(1, 10**400), dict(lo=0, lo_open=True), False),
])
def test_range_ends(value, kw, ok):
    if ok:
        assert real(value, "p", **kw) == float(value)
    else:
        with pytest.raises(ValueError, match=r"p must be (in|>|<)"):
            real(value, "p", **kw)


def test_integer_and_flag():
    assert integer(np.int64(5), "n", lo=2) == 5 and integer(sp.Integer(3), "n") == 3
    for bad in (3.0, True, "3", fractions.Fraction(3, 1)):
        with pytest.raises(InputTypeError, match="n must be an integer"):
            integer(bad, "n", lo=2)
    for bad in (1, 10**9):
        with pytest.raises(ValueError, match=r"n must be an integer in \[2, 1000\]"):
            integer(bad, "n", lo=2, hi=1000)
    assert flag(np.False_, "disclose") is False
    with pytest.raises(InputTypeError, match="disclose must be True or False"):
        flag(1, "disclose")


def test_real_array():
    np.testing.assert_array_equal(real_array([1, fractions.Fraction(1, 2)], "s"), [1.0, 0.5])
    # one exact number, bare or as a 0-d object array (what np.asarray makes of it), is its correctly rounded float
    for one in (fractions.Fraction(1, 3), np.asarray(fractions.Fraction(1, 3), dtype=object), sp.Rational(1, 3)):
        value = real_array(one, "s", lo=0)
        assert value.shape == () and float(value) == 1 / 3
    for bad, kind in (("a", InputTypeError), ([True], InputTypeError), ([1, np.nan], ValueError), ([-1.0], ValueError)):
        with pytest.raises(kind, match="s must be"):
            real_array(bad, "s", lo=0)
    # a 0-d object array of one bad value fails as real() fails on the bare value: same class, same message
    for bad in (True, "a", None, fractions.Fraction(-1, 3), fractions.Fraction(10**400, 3), sp.Symbol("x")):
        with pytest.raises(ValueError) as bare:
            real(bad, "s", lo=0)
        with pytest.raises(ValueError) as wrapped:
            real_array(np.asarray(bad, dtype=object), "s", lo=0)
        assert type(wrapped.value) is type(bare.value) and str(wrapped.value) == str(bare.value)


@pytest.mark.parametrize("dist, message", [
    (stats.uniform(0, 0), "scale > 0"), (stats.uniform(0, -1), "scale > 0"), (stats.beta(-1, 2), "invalid shape"),
    (stats.norm(), "bounded support"), (stats.beta(2, 2, loc=math.nan), "invalid shape"),
])
def test_support_of_names_what_is_wrong(dist, message):
    with pytest.raises(ValueError, match=message) as info:
        support_of(dist, "buyer")
    assert "buyer" in str(info.value) and "[nan, nan]" not in str(info.value).replace("would be [nan, nan]", "")


@pytest.mark.parametrize("bad", ["uniform", stats.poisson(2), None])
def test_support_of_refuses_non_distributions(bad):
    with pytest.raises(InputTypeError, match="buyer must be a frozen continuous"):
        support_of(bad, "buyer")
    assert support_of(stats.uniform(2, 3), "buyer") == (2.0, 5.0)
