"""An own shooting of the k-double auction with uniform priors on [0, 1], independent of lib.bne: the first-order
conditions h' = (1 - k)(1 - h)/(p - g), g' = k g/(h - p) integrated (solve_ivp, DOP853) from p_lo + eps and
p_hi - eps to the middle price 1/2, started on the end lines with the unknown slopes g'(p_lo), h'(p_hi), and the
mismatch at 1/2 solved by fsolve (tests/test_bne.py, tests/test_mutants_bne.py)."""
from __future__ import annotations

import numpy as np
from scipy import optimize
from scipy.integrate import solve_ivp


def uniform_regular_equilibrium(k: float, eps: float, start=(1.75, 1.62)):
    """The regular equilibrium whose end slopes (g'(p_lo), h'(p_hi)) fsolve reaches from start: (slopes, the largest
    mismatch at 1/2, (low, high) halves with dense output)."""
    p_lo, p_hi = (1 - k) / 2, 1 - k / 2

    def rhs(p, y):
        h, g = y
        return [(1 - k) * (1 - h) / (p - g), k * g / (h - p)]

    def halves(z):
        low = solve_ivp(rhs, (p_lo + eps, 0.5), [p_lo + (1 + k) * eps, z[0] * eps], method="DOP853", rtol=1e-12,
                        atol=1e-14, dense_output=True)
        high = solve_ivp(rhs, (p_hi - eps, 0.5), [1 - z[1] * eps, p_hi - (2 - k) * eps], method="DOP853",
                         rtol=1e-12, atol=1e-14, dense_output=True)
        return low, high

    def mismatch(z):
        low, high = halves(z)
        return low.y[:, -1] - high.y[:, -1]

    z = optimize.fsolve(mismatch, list(start), xtol=1e-10)
    return z, float(np.max(np.abs(mismatch(z)))), halves(z)
