"""Benchmark of lib.mechanism: accuracy against closed forms and a dense 2-D grid, and time per call.

    .venv/bin/python benchmarks/mechanism.py

Uniform priors on [0, 1]: the second best trades iff v - c >= 1/4 with gains 9/64 and alpha = 1/3 (Myerson and
Satterthwaite 1983); the best posted price is 1/2 with gains 1/8. Other priors: the budget E[(phi_B - phi_S) q] of
the returned rule and its gains on a 2-D midpoint grid of 3000 x 3000 types (error O(1/3000) along the rule's
boundary), and lib.double_auction.first_best_gains for the first best. Target: second_best < 1 s per prior pair.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.double_auction import first_best_gains  # noqa: E402
from lib.mechanism import posted_price, second_best  # noqa: E402

N = 3000


def grid_check(buyer, seller, alpha, rule=None):
    """Gains and budget on the 2-D grid of the unironed rule q_alpha, or of ``rule(v, c)`` (lib's ironed rule)."""
    (v_lo, v_hi), (c_lo, c_hi) = buyer.support(), seller.support()
    ev, ec = np.linspace(v_lo, v_hi, N + 1), np.linspace(c_lo, c_hi, N + 1)
    v, c = 0.5 * (ev[1:] + ev[:-1]), 0.5 * (ec[1:] + ec[:-1])
    wv, wc = np.diff(buyer.cdf(ev)), np.diff(seller.cdf(ec))
    rb, rs = buyer.sf(v) / buyer.pdf(v), seller.cdf(c) / seller.pdf(c)
    q = (v - alpha * rb)[:, None] >= (c + alpha * rs)[None, :] if rule is None else rule(v[:, None], c[None, :]) > 0
    w = wv[:, None] * wc[None, :] * q
    return np.sum(w * (v[:, None] - c[None, :])), np.sum(w * ((v - rb)[:, None] - (c + rs)[None, :]))


def main() -> None:
    t = time.perf_counter()
    r = second_best(stats.uniform(), stats.uniform())
    dt = time.perf_counter() - t
    p = posted_price(stats.uniform(), stats.uniform())
    print(f"uniform: |gains - 9/64| = {abs(r.gains - 9 / 64):.1e}, |alpha - 1/3| = {abs(r.alpha - 1 / 3):.1e}, "
          f"|posted gains - 1/8| = {abs(p.gains - 1 / 8):.1e}, second_best {dt:.3f} s")
    cases = {
        "Beta(2,2)": (stats.beta(2, 2), stats.beta(2, 2)),
        "Beta(4,4)": (stats.beta(4, 4), stats.beta(4, 4)),
        "Beta(5,2)/Beta(2,5)": (stats.beta(5, 2), stats.beta(2, 5)),
        "Beta(50,30)/Beta(30,50)": (stats.beta(50, 30), stats.beta(30, 50)),
        "truncnorm pair": (stats.truncnorm(-2, 2, loc=0.5, scale=0.25), stats.truncnorm(-1, 3, loc=0.3, scale=0.2)),
    }
    for name, (buyer, seller) in cases.items():
        t = time.perf_counter()
        r = second_best(buyer, seller)
        dt = time.perf_counter() - t
        g, b = grid_check(buyer, seller, r.alpha)
        fb = first_best_gains(buyer, seller)
        print(f"{name:24s} efficiency {r.efficiency:.6f}  grid gains rel. diff {abs(r.gains - g) / g:.1e}  "
              f"grid budget / gains {b / g:+.1e}  first best rel. diff {abs(r.first_best - fb) / fb:.1e}  "
              f"second_best {dt:.3f} s")
    # irregular priors (ironed): the grid integrates lib's own rule (r.trades), so it checks the 1-D quadrature of
    # gains and budget, not the rule (tests/test_mechanism.py checks the rule against a linear programme)
    ironed = {
        "Beta(0.5,0.5)/U[0,1]": (stats.beta(0.5, 0.5), stats.uniform()),
        "Beta(0.5,0.5) both": (stats.beta(0.5, 0.5), stats.beta(0.5, 0.5)),
        "Beta(2,2)/Beta(0.4,0.7)": (stats.beta(2, 2), stats.beta(0.4, 0.7)),
    }
    for name, (buyer, seller) in ironed.items():
        t = time.perf_counter()
        r = second_best(buyer, seller)
        dt = time.perf_counter() - t
        g, b = grid_check(buyer, seller, r.alpha, rule=r.trades)
        print(f"{name:24s} efficiency {r.efficiency:.6f}  grid gains rel. diff {abs(r.gains - g) / g:.1e}  "
              f"grid budget / gains {b / g:+.1e}  ironed {len(r.ironed[0])} + {len(r.ironed[1])} intervals  "
              f"second_best {dt:.3f} s")


if __name__ == "__main__":
    main()
