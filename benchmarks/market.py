"""Benchmark of lib.market: the m-trader k-double auction equilibria (m = 1..16) with their certification, the
measured convergence rates, the fixed price's rate, and the continuous double auction's speed.

    .venv/bin/python benchmarks/market.py               # everything
    .venv/bin/python benchmarks/market.py --explorers   # the explorers only

- k_double_auction(m), m = 1..16 (U[0, 1], k = 1/2): efficiency, largest misreport, best-response gap, residual
  and seconds per call (target <= 2 s each, certification included); the log-log slopes of inefficiency and
  misreporting over m = 1..16 and 4..16 (theory: -2 and -1, Rustichini, Satterthwaite and Williams 1994).
- fixed_price(m): slope of the inefficiency over m = 1..16 and 16..64 (theory: -1/2).
- gode_sunder: seconds for 1,000 replications of a six-period market (target <= 2 s), and the efficiency table of
  the five markets for ZI-U and ZI-C (1,000 replications) with standard errors.
- explorers (draw_supply_demand, draw_cda; target <= 50 ms a slider move): the median of benchmarks/explorers.py's
  time_draw (clear the axes and draw, default parameters); a sweep over every slider position of each static
  version with warm caches, timing clear + draw + rendering the figure to PNG (what the inline backend does on a
  move); and the first, cold call, which solves the equilibria or simulates the markets once.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from explorers import time_draw  # noqa: E402
from lib.explorers import new_axes  # noqa: E402
from lib.explorers.market import MARKET_SIZES, draw_cda, draw_supply_demand  # noqa: E402
from lib.market import fixed_price, gode_sunder, k_double_auction  # noqa: E402


def slope(x, y) -> float:
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def main() -> None:
    print("k-double auction, U[0, 1], k = 1/2")
    print(" m   efficiency   1 - eff     misreport   gap       residual   seconds")
    rows = []
    for m in range(1, 17):
        t = time.perf_counter()
        e = k_double_auction(m)
        dt = time.perf_counter() - t
        rows.append((m, 1 - e.efficiency, e.misreport))
        print(f"{m:2d}   {e.efficiency:.6f}     {1 - e.efficiency:.3e}   {e.misreport:.4f}      {e.gap:.0e}   "
              f"{e.residual:.0e}      {dt:.2f}")
    r = np.array(rows)
    print(f"slopes m = 1..16: inefficiency {slope(r[:, 0], r[:, 1]):.3f}, misreport {slope(r[:, 0], r[:, 2]):.3f}")
    print(f"slopes m = 4..16: inefficiency {slope(r[3:, 0], r[3:, 1]):.3f}, misreport {slope(r[3:, 0], r[3:, 2]):.3f}")
    for lo, hi in ((1, 16), (16, 64)):
        ms = np.arange(lo, hi + 1)
        print(f"fixed price 1/2: slope over m = {lo}..{hi}: "
              f"{slope(ms, [1 - fixed_price(int(m)).efficiency for m in ms]):.3f}")
    t = time.perf_counter()
    gode_sunder(1, "ZI-C", periods=6, replications=1000, seed=1)
    print(f"gode_sunder: 1,000 replications of six periods (market 1, ZI-C): {time.perf_counter() - t:.2f} s")
    print("market   ZI-U efficiency (se)     ZI-C efficiency (se)   [1,000 replications, 300 steps a period]")
    for market in range(1, 6):
        u = gode_sunder(market, "ZI-U", replications=1000, seed=2026)
        c = gode_sunder(market, "ZI-C", replications=1000, seed=2026)
        print(f"{market}        {100 * u.efficiency:6.2f}% ({100 * u.standard_error:.2f})        "
              f"{100 * c.efficiency:6.2f}% ({100 * c.standard_error:.2f})")
    explorers()


def explorers() -> None:
    import io
    import statistics

    for draw, slider, positions in ((draw_supply_demand, "m", MARKET_SIZES), (draw_cda, "market", range(1, 6))):
        fig, ax = new_axes(1)
        t = time.perf_counter()
        for x in positions:                       # cold: solves the equilibria / simulates the markets once
            ax.clear()
            draw(ax, **{slider: x})
        cold = time.perf_counter() - t
        times = []
        for _ in range(3):
            for x in positions:
                t = time.perf_counter()
                ax.clear()
                draw(ax, **{slider: x})
                fig.savefig(io.BytesIO(), format="png", dpi=72)
                times.append(time.perf_counter() - t)
        median, worst = time_draw(draw)
        print(f"{draw.__name__}: time_draw median {median:.0f} ms (max {worst:.0f} ms); slider sweep with PNG render "
              f"median {1e3 * statistics.median(times):.0f} ms (max {1e3 * max(times):.0f} ms); first pass over the "
              f"{len(positions)} positions (cold caches) {cold:.2f} s")


if __name__ == "__main__":
    explorers() if "--explorers" in sys.argv else main()
