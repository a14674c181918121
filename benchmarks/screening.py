"""Benchmark of lib.screening: accuracy against independent references, solver times and explorer update times.

    .venv/bin/python benchmarks/screening.py

- monopoly_menu: profit against an SLSQP search over every IC and IR constraint, for 3 to 8 types with random
  (fixed-seed) types and probabilities; time per call for 10 and 1000 types.
- monopoly_schedule: profit for U[0, 1] against 1/12 as the grid grows (the O(1/n) grid error).
- rothschild_stiglitz / rs_existence_threshold / wilson_miyazaki_spence: time per call (WMS with and without a
  subsidy).
- draw_screening / draw_rs: median time of one explorer update (clear, draw, render with Agg); target <= 50 ms;
  draw_rs also at lambda = 0.08, where the WMS menu subsidises H (the slower search).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import scipy.stats as stats
from scipy import optimize

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from explorers import time_draw  # noqa: E402  (benchmarks/explorers.py: the same update timing for every explorer)
from lib.explorers.screening import draw_rs, draw_screening  # noqa: E402
from lib.screening import (monopoly_menu, monopoly_schedule, rothschild_stiglitz, rs_existence_threshold,  # noqa: E402
                           wilson_miyazaki_spence)


def slsqp_profit(types, probs) -> float:
    th, f, n = np.asarray(types, float), np.asarray(probs, float), len(types)
    eye = np.eye(2 * n)
    rows = [eye[i] * th[i] - eye[n + i] for i in range(n)]
    rows += [th[i] * (eye[i] - eye[j]) - eye[n + i] + eye[n + j] for i in range(n) for j in range(n) if i != j]
    A = np.array(rows)
    res = optimize.minimize(lambda x: -f @ (x[n:] - x[:n] ** 2 / 2), np.r_[th / 2, th**2 / 8], method="SLSQP",
                            constraints=[{"type": "ineq", "fun": lambda x: A @ x, "jac": lambda x: A}],
                            bounds=[(0, None)] * n + [(None, None)] * n, options={"ftol": 1e-14, "maxiter": 1000})
    return -res.fun


def per_call(fn, repeats=20) -> float:
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats * 1e3


def main() -> None:
    rng = np.random.default_rng(2026)
    worst = 0.0
    for n in range(3, 9):
        for _ in range(5):
            types = np.sort(rng.uniform(0.5, 5, n))
            probs = rng.dirichlet(np.full(n, 0.7))
            gap = abs(monopoly_menu(types, probs).profit - slsqp_profit(types, probs))
            worst = max(worst, gap / max(1.0, abs(slsqp_profit(types, probs))))
    print(f"monopoly_menu vs SLSQP (3-8 types, 30 draws): max relative profit gap {worst:.1e}")
    for n in (10, 1000):
        types, probs = np.linspace(1, 2, n), np.full(n, 1 / n)
        print(f"monopoly_menu, {n} types: {per_call(lambda: monopoly_menu(types, probs)):.2f} ms per call")
    for n in (1000, 4000, 16000):
        s = monopoly_schedule(stats.uniform(0, 1), n_grid=n)
        print(f"monopoly_schedule U[0,1], n_grid={n}: |profit - 1/12| = {abs(s.profit - 1 / 12):.1e}")
    print(f"rothschild_stiglitz: {per_call(lambda: rothschild_stiglitz(0.1, 0.3, 0.5, 100, 50)):.1f} ms per call")
    print(f"rs_existence_threshold: {per_call(lambda: rs_existence_threshold(0.1, 0.3, 100, 50)):.1f} ms per call")
    for lam in (0.08, 0.5):
        ms = per_call(lambda: wilson_miyazaki_spence(0.1, 0.3, lam, 100, 50))
        print(f"wilson_miyazaki_spence, share_high={lam}: {ms:.1f} ms per call")

    def draw_rs_subsidised(ax):
        return draw_rs(ax, share_high=0.08)

    draw_rs_subsidised.ncols = 1
    for name, draw in (("draw_screening", draw_screening), ("draw_rs", draw_rs),
                       ("draw_rs (share_high=0.08)", draw_rs_subsidised)):
        ms, _ = time_draw(draw)
        print(f"{name}: median update {ms:.1f} ms ({'ok' if ms <= 50 else 'SLOW'}; target <= 50 ms)")


if __name__ == "__main__":
    main()
