"""Checks that kill mutants of lib/scan.py (tools/mutate.py) the other tests let live."""
import doctest

import numpy as np
import pytest

import lib.scan
from lib.scan import grid_scan


def test_module_example_prints_what_it_says():
    """The module docstring's example (three exceptions shown, x=0.1 as 0.1) is run by doctest."""
    result = doctest.testmod(lib.scan, extraglobs={"np": np}, verbose=False)
    assert result.attempted >= 1 and result.failed == 0


def test_point_limit_is_five_million_inclusive():
    """The documented limit: a grid of 5,000,000 points is scanned, one of 5,000,001 is refused before any
    predicate call."""
    calls = []

    def pred(x):
        calls.append(x.size)
        return x >= 0

    ok = grid_scan("x >= 0", pred, vectorised=True, x=np.arange(5_000_000, dtype=np.int32))
    assert ok.total == ok.holds == 5_000_000 and ok.all_hold and calls == [5_000_000]
    with pytest.raises(ValueError, match="at most 5000000"):
        grid_scan("x >= 0", pred, vectorised=True, x=np.arange(5_000_001, dtype=np.int32))
    assert calls == [5_000_000]


def test_report_shows_three_examples_to_four_significant_digits():
    """Default report: the first three exceptions, each coordinate rounded to 4 significant digits (checked
    against the value parsed back: it must round-trip to within half a unit in the 4th digit, and not to 5)."""
    x = np.array([1 / 3, 2 / 3, 1 / 7, 5 / 7, 0.9])
    result = grid_scan("x > 1", lambda x: x > 1, x=x)
    line = str(result)
    assert line.startswith("scan: x > 1: 0 of 5 grid points hold, 5 exceptions (e.g. ")
    shown = line.split("(e.g. ", 1)[1].rstrip(")").split("; ")
    assert len(shown) == 3
    for text, value in zip(shown, x):
        number = text.split("=", 1)[1]
        digits = number.replace("0.", "", 1).lstrip("0")
        assert len(digits) == 4, number
        assert abs(float(number) - value) <= 0.5e-4 * 10 ** np.floor(np.log10(value) + 1)


def test_integer_axes_print_as_integers_and_floats_as_floats():
    result = grid_scan("n * t < 1", lambda n, t: n * t < 1, n=np.array([2, 3]), t=np.array([0.75]))
    assert str(result).endswith("2 exceptions (e.g. n=2, t=0.75; n=3, t=0.75)")
