"""Checks that kill mutants of lib/double_auction.py (tools/mutate.py) the other tests let live.

Independent route: for uniform priors and a truthful seller (s(c) = c) trade happens iff c <= b(v), so for a
piecewise-linear bid with values in [0, 1]
    P(trade) = int_0^1 b(v) dv,   gains = int_0^1 int_0^{b(v)} (v - c) dc dv = int_0^1 (v b(v) - b(v)^2 / 2) dv,
integrated exactly by sympy piece by piece (the jump points as exact binary rationals).
"""
import numpy as np
import pytest
import sympy as sp

from lib.double_auction import outcomes

GRID_STEP = 1 / 4096  # lib's monotonicity / jump grid has 4097 points on [0, 1]


def exact_truthful_seller(pieces):
    """pieces: (start, end, intercept, slope) of b on [start, end); exact P(trade) and gains."""
    v = sp.symbols("v")
    p = g = sp.Integer(0)
    for start, end, intercept, slope in pieces:
        b = sp.Rational(intercept) + sp.Rational(slope) * v
        p += sp.integrate(b, (v, sp.Rational(start), sp.Rational(end)))
        g += sp.integrate(v * b - b ** 2 / 2, (v, sp.Rational(start), sp.Rational(end)))
    return float(p), float(g)


def test_two_jumps_in_neighbouring_grid_cells_are_both_located():
    """Two jumps one grid cell apart: neither is 8 times its neighbour, so only the 'large against the span' rule
    finds them (span 0.36, jumps 0.03 > 0.02 * 0.36). A jump left inside a quadrature panel costs about 1e-8."""
    j1, j2 = 0.5 + 0.3 * GRID_STEP, 0.5 + 1.3 * GRID_STEP

    def bid(v):
        v = np.asarray(v, dtype=float)
        return 0.2 + 0.3 * v + 0.03 * (v >= j1) + 0.03 * (v >= j2)

    got = outcomes(bid, lambda c: np.asarray(c, dtype=float))
    p, g = exact_truthful_seller([(0.0, j1, 0.2, 0.3), (j1, j2, 0.23, 0.3), (j2, 1.0, 0.26, 0.3)])
    assert got.trade_probability == pytest.approx(p, abs=3e-9)
    assert got.gains == pytest.approx(g, abs=3e-10)
