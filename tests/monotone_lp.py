"""The second best over monotone cell-constant trading rules, as a linear programme: a lower bound of
lib.mechanism.second_best from an independent route (tests/test_mechanism.py, tests/test_mutants_mechanism.py)."""
from __future__ import annotations

import numpy as np
from scipy import optimize, sparse


def lp_second_best(buyer_partials, seller_partials, n: int):
    """The best trading rule that is constant on each cell of an n x n grid of [0, 1]^2 and monotone (non-decreasing
    in v, non-increasing in c) subject to the exact budget E[(phi_B - phi_S) q] >= 0, a linear programme (HiGHS)
    whose cell integrals are closed forms from each side's partials at the grid's edges e, (F(e), E[X 1{X <= e}],
    int_0^e F): int_cell phi_B dF_B = int v dF_B - int (1 - F_B), int_cell phi_S dF_S = int c dF_S + int F_S. Every
    such rule is feasible in the continuum, so its gains are a lower bound of the second best, converging to it as n
    grows. Returns (gains, the rule on the cells)."""
    e = np.linspace(0.0, 1.0, n + 1)
    FB, MB, GB = (np.diff(z) for z in buyer_partials(e))
    FS, MS, GS = (np.diff(z) for z in seller_partials(e))
    gains = np.outer(MB, FS) - np.outer(FB, MS)
    budget = np.outer(MB - (np.diff(e) - GB), FS) - np.outer(FB, MS + GS)
    idx = np.arange(n * n).reshape(n, n)
    rows, cols, vals, r = [], [], [], 0
    for lo, hi in ((idx[:-1, :], idx[1:, :]), (idx[:, 1:], idx[:, :-1])):  # q[lo] <= q[hi]
        k = lo.size
        rows += [np.arange(r, r + k)] * 2
        cols += [lo.ravel(), hi.ravel()]
        vals += [np.ones(k), -np.ones(k)]
        r += k
    A = sparse.vstack([sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                                         shape=(r, n * n)), sparse.csr_matrix(-budget.ravel())])
    res = optimize.linprog(-gains.ravel(), A_ub=A, b_ub=np.zeros(r + 1), bounds=(0, 1), method="highs")
    assert res.status == 0
    return -res.fun, res.x.reshape(n, n)
