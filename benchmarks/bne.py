"""Benchmark of lib.bne.solve_double_auction on a deterministic battery of priors, against the closed form and a
discretised best-response baseline.

    .venv/bin/python benchmarks/bne.py            # the whole battery (10 prior pairs x 5 values of k)
    .venv/bin/python benchmarks/bne.py --quick    # 4 pairs x 3 values of k
    .venv/bin/python benchmarks/bne.py --write-table   # the whole battery, and write benchmarks/bne_battery.md

The table file (priors, k, member, relative utility loss, time, efficiency, with the date and the machine) is what
the method section of "Beyond uniform values" shows; it changes only when it is written again with --write-table.

Targets: >= 99 % of the battery solved (a certified equilibrium, or a NoRegularEquilibrium error with its evidence
where the regular class has no member), relative utility loss <= 1e-8 on those (largest gain from deviating over
the smaller ex-ante utility, by the independent checker lib.double_auction.best_response_gap), median <= 0.5 s and
max <= 5 s per solve on one core; uniform priors, any k: L-infinity <= 1e-10 against the closed form of Chatterjee
and Samuelson (1983). The first Newton start of every regular solve is the pair of end slopes that is exact for
uniform priors, g'(p_lo) = 1 + (1 - k) R and h'(p_hi) = 1 + k L (lib.bne._regular_roots; the scan of both slopes
runs first all the same, and its crossings and closest approach are the further starts), so the uniform rows start
at their answer: their L-infinity figure measures the end conditions, the integration and the polish, not the
search. Timings depend on the machine's load: they are printed, never asserted in tests.

The baselines are the standard discretised methods on types and bids on grids: damped best-response iteration, and
simultaneous online dual averaging (Bichler, Fichtl and Oberlechner 2023), certified by the same checker. Times are
printed as wall clock and as CPU time of this process (less sensitive to a shared machine's load).
"""
from __future__ import annotations

import datetime
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.bne import ConvergenceError, NoRegularEquilibrium, linear_uniform, solve_double_auction  # noqa: E402
from lib.double_auction import best_response_gap, outcomes  # noqa: E402
from lib.distributions import beta, truncated_normal, uniform  # noqa: E402


def piecewise_uniform(low_density: float, high_density: float):
    """Density low_density on [0, 1/2) and high_density on [1/2, 1] (they must average 1)."""
    return stats.rv_histogram((np.array([low_density, high_density]), np.array([0.0, 0.5, 1.0]))).freeze()


BATTERY = {
    "U[0,1] / U[0,1]": (uniform(), uniform()),
    "Beta(5,2) / Beta(2,5)": (beta(5, 2), beta(2, 5)),
    "Beta(2,5) / Beta(5,2)": (beta(2, 5), beta(5, 2)),
    "TN(0.6,0.15) / TN(0.4,0.3)": (truncated_normal(0.6, 0.15), truncated_normal(0.4, 0.3)),
    "PU(0.6,1.4) / PU(1.4,0.6)": (piecewise_uniform(0.6, 1.4), piecewise_uniform(1.4, 0.6)),
    "Beta(1.05,1.05) both": (beta(1.05, 1.05), beta(1.05, 1.05)),
    "Beta(0.95,0.95) both": (beta(0.95, 0.95), beta(0.95, 0.95)),
    "Beta(3,3) both": (beta(3, 3), beta(3, 3)),
    "Beta(4,4) both": (beta(4, 4), beta(4, 4)),
    "U[0,2] / U[0,1]": (uniform(0, 2), uniform()),
}
KS = (0.0, 0.25, 0.5, 0.75, 1.0)
QUICK = ("U[0,1] / U[0,1]", "Beta(5,2) / Beta(2,5)", "TN(0.6,0.15) / TN(0.4,0.3)", "Beta(1.05,1.05) both")


def grid_best_response(buyer, seller, k, n_types=101, n_bids=201, iterations=200):
    """Discretised baseline: types and bids on grids, damped best-response iteration. Returns (bid, ask)."""
    v = np.linspace(*buyer.support(), n_types)
    c = np.linspace(*seller.support(), n_types)
    wv, wc = buyer.pdf(v), seller.pdf(c)
    wv, wc = wv / wv.sum(), wc / wc.sum()
    prices = np.linspace(min(v[0], c[0]), max(v[-1], c[-1]), n_bids)
    b, s = v.copy(), c.copy()
    for _ in range(iterations):
        trade = s[None, :] <= prices[:, None]
        mass, paid = trade @ wc, trade @ (wc * s)
        ub = v[None, :] * mass[:, None] - (k * prices[:, None] * mass[:, None] + (1 - k) * paid[:, None])
        new_b = prices[np.argmax(ub, axis=0)]
        trade = b[None, :] >= prices[:, None]
        mass, got = trade @ wv, trade @ (wv * b)
        us = (k * got[:, None] + (1 - k) * prices[:, None] * mass[:, None]) - c[None, :] * mass[:, None]
        new_s = prices[np.argmax(us, axis=0)]
        if np.array_equal(new_b, b) and np.array_equal(new_s, s):
            break
        b, s = 0.5 * b + 0.5 * new_b, 0.5 * s + 0.5 * new_s
    return (lambda x: np.interp(x, v, np.maximum.accumulate(b))), (lambda x: np.interp(x, c, np.maximum.accumulate(s)))


def dual_averaging(buyer, seller, k, n_types=101, n_bids=201, iterations=2000, eta=200.0):
    """Simultaneous online dual averaging (SODA, Bichler, Fichtl and Oberlechner 2023), written here from the
    paper's description: each type of each side holds a mixed strategy over a grid of bids; every round each side's
    utility of every (type, bid) against the other side's current mixed strategies is added to a running sum Y, and
    the next strategies are the entropic (softmax) dual-averaging step x = softmax(eta_t Y), eta_t = eta / sqrt(t).
    Returns pure (bid, ask) functions: the mean bid of each type's final mixed strategy, made monotone and
    interpolated (the continuous strategies the independent checker can test)."""
    v = np.linspace(*buyer.support(), n_types)
    c = np.linspace(*seller.support(), n_types)
    wv, wc = buyer.pdf(v), seller.pdf(c)
    wv, wc = wv / wv.sum(), wc / wc.sum()
    prices = np.linspace(min(v[0], c[0]), max(v[-1], c[-1]), n_bids)
    yb, ys = np.zeros((n_types, n_bids)), np.zeros((n_types, n_bids))
    xb = xs = np.full((n_types, n_bids), 1.0 / n_bids)
    for t in range(1, iterations + 1):
        asks = wc @ xs  # probability of each ask
        mass, paid = np.cumsum(asks), np.cumsum(asks * prices)  # asks at most each bid
        ub = v[:, None] * mass[None, :] - k * prices[None, :] * mass[None, :] - (1 - k) * paid[None, :]
        bids = wv @ xb
        above, got = np.cumsum(bids[::-1])[::-1], np.cumsum((bids * prices)[::-1])[::-1]  # bids at least each ask
        us = k * got[None, :] + (1 - k) * prices[None, :] * above[None, :] - c[:, None] * above[None, :]
        yb, ys = yb + ub, ys + us
        step = eta / np.sqrt(t)
        zb, zs = step * (yb - yb.max(axis=1, keepdims=True)), step * (ys - ys.max(axis=1, keepdims=True))
        xb, xs = np.exp(zb), np.exp(zs)
        xb, xs = xb / xb.sum(axis=1, keepdims=True), xs / xs.sum(axis=1, keepdims=True)
    b, s = np.maximum.accumulate(xb @ prices), np.maximum.accumulate(xs @ prices)
    return (lambda x: np.interp(x, v, b)), (lambda x: np.interp(x, c, s))


def wider_class(error):
    """Member, certificate and efficiency columns for a row whose regular class is empty: the evidence (the jump of
    an end condition, or the closest approach of the two halves' curves) and the best smooth-family member found on
    the 3 x 3 grid of ends inside lib.bne.family_range (error.smooth_family(); not part of the solve's time),
    certified by the same independent checker."""
    if error.jump is not None:
        end, p, before, after = error.jump
        cert = f"end condition at the {end} jumps at p = {p:.4g} ({before:+.3g} to {after:+.3g}), no root"
    else:
        cert = f"closest {error.closest:.2e}"
    if error.family_ends is None:
        return "none in the regular class; no family ends with exponents in [1/4, 4]", cert, None, math.nan
    fam = error.smooth_family(3)
    if fam.best is None:
        member = f"none in the regular class; no smooth member found at {len(fam.ends)} pairs of ends"
        return member, cert, None, math.nan
    best = fam.best
    gap = best.equilibrium.best_response_gap(n_types=9).relative_gap
    (p_lo, p_hi), (lam, mu) = best.price_range, best.exponents
    member = (f"none in the regular class; best smooth member at {len(fam.ends)} pairs of ends: p in "
              f"[{p_lo:.4g}, {p_hi:.4g}], lambda {lam:.3g}, mu {mu:.3g}")
    return member, f"{cert}; smooth member loss {gap:.1e}", best.efficiency, gap


def uniform_error(r, k):
    """max |strategy - closed form| on the trading range, uniform priors on [0, 1]."""
    a_b, b_b, a_s, b_s = linear_uniform(k)
    v = np.linspace(r.price_range[0], 1, 2001)
    c = np.linspace(0, r.price_range[1], 2001)
    if k == 0:  # buyer truthful, seller's monopoly ask (1 + c) / 2
        return max(np.max(np.abs(r.bid(v) - v)), np.max(np.abs(r.ask(c) - (1 + c) / 2)))
    if k == 1:  # seller truthful, buyer's monopsony bid v / 2
        return max(np.max(np.abs(r.bid(v) - v / 2)), np.max(np.abs(r.ask(c) - c)))
    return max(np.max(np.abs(r.bid(v) - a_b - b_b * v)), np.max(np.abs(r.ask(c) - a_s - b_s * c)))


def run(names, ks, baseline_names=(), table=None):
    rows, times, cpus, losses, smooth = [], [], [], [], []
    for name in names:
        buyer, seller = BATTERY[name]
        for k in ks:
            start, cpu0 = time.perf_counter(), time.process_time()
            try:
                r = solve_double_auction(buyer, seller, k)
            except NoRegularEquilibrium as error:
                seconds = time.perf_counter() - start
                times.append(seconds)
                cpus.append(time.process_time() - cpu0)
                member, cert, eff, gap = wider_class(error)
                smooth.append(gap)
                rows.append((name, k, member, cert, seconds, eff, "ok" if not gap > 1e-8 else "loss"))
                continue
            except ConvergenceError as error:
                seconds = time.perf_counter() - start
                times.append(seconds)
                cpus.append(time.process_time() - cpu0)
                rows.append((name, k, f"FAILED: {str(error)[:60]}", "", seconds, None, "fail"))
                continue
            seconds = time.perf_counter() - start
            times.append(seconds)
            cpus.append(time.process_time() - cpu0)
            gap = r.best_response_gap(n_types=9)
            eff = r.outcomes().efficiency
            losses.append(gap.relative_gap)
            member = r.member if len(r.equilibria) <= 1 else f"{r.member}, {len(r.equilibria)} found"
            if len(r.equilibria) > 1:
                member += f" (g'(p_lo) {r.end_slopes[1]:.4g})"
            extra = f"  Linf {uniform_error(r, k):.1e}" if name == "U[0,1] / U[0,1]" else ""
            ok = "ok" if gap.relative_gap <= 1e-8 else "loss"
            rows.append((name, k, member, f"loss {gap.relative_gap:.1e}{extra}", seconds, eff, ok))
    print(f"{'priors (buyer / seller)':28s} {'k':>5s}  {'member':58s} {'certificate':28s} {'time s':>7s} "
          f"{'CPU s':>6s} {'efficiency':>10s}")
    for (name, k, member, cert, seconds, eff, ok), cpu in zip(rows, cpus):
        e = f"{eff:10.6f}" if eff is not None else f"{'':10s}"
        print(f"{name:28s} {k:5.2f}  {member[:58]:58s} {cert:28s} {seconds:7.2f} {cpu:6.2f} {e}  {ok}")
    solved = sum(1 for row in rows if row[-1] == "ok")
    t = np.array(times)
    interior = np.array([0 < row[1] < 1 for row in rows])
    summary = (f"solved and certified (or no regular member, with evidence): {solved} of {len(rows)} "
               f"({100 * solved / len(rows):.0f} %); largest relative utility loss {max(losses):.1e}; "
               f"time per solve: median {np.median(t):.2f} s, max {t.max():.2f} s (wall clock); CPU time median "
               f"{np.median(cpus):.2f} s, max {max(cpus):.2f} s; interior k only (0 < k < 1): wall median "
               f"{np.median(t[interior]):.2f} s, CPU median {np.median(np.array(cpus)[interior]):.2f} s, CPU max "
               f"{np.max(np.array(cpus)[interior]):.2f} s")
    if smooth:
        found = [g for g in smooth if math.isfinite(g)]
        summary += (f"; no regular member in {len(smooth)} rows, a smooth-family member found in {len(found)} of them"
                    + (f" (largest relative utility loss {max(found):.1e})" if found else ""))
    print("\n" + summary)
    if table is not None:
        write_table(table, rows, cpus, summary)
    for name in baseline_names:
        buyer, seller = BATTERY[name]
        for label, method in (("grid best response", grid_best_response), ("dual averaging (SODA)", dual_averaging)):
            start, cpu = time.perf_counter(), time.process_time()
            nb, ns = method(buyer, seller, 0.5)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            gap = best_response_gap(nb, ns, buyer, seller, 0.5, n_types=9)
            eff = outcomes(nb, ns, buyer, seller, 0.5).efficiency
            print(f"baseline ({label}, 101 types x 201 bids) {name}, k = 0.5: relative utility loss "
                  f"{gap.relative_gap:.1e}, time {seconds:.2f} s (CPU {cpu:.2f} s), efficiency {eff:.6f}")


TABLE = Path(__file__).resolve().parent / "bne_battery.md"


def write_table(path: Path, rows, cpus, summary: str) -> None:
    """The battery as a markdown table, with the date and the machine: a static record, written only on request."""
    import scipy

    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"Battery run {when} on {platform.machine()} ({os.cpu_count()} logical CPUs, shared; "
             f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}); times are "
             f"wall clock and CPU seconds of one solve, on a machine shared with other work, so they vary from run "
             f"to run.", "",
             "| priors (buyer / seller) | k | member | certificate | time (s) | CPU (s) | efficiency |",
             "|---|---|---|---|---|---|---|"]
    for (name, k, member, cert, seconds, eff, ok), cpu in zip(rows, cpus):
        e = f"{eff:.6f}" if eff is not None else ""
        flag = "" if ok == "ok" else f" ({ok})"
        lines.append(f"| {name} | {k:g} | {member.replace('|', '/')} | {cert}{flag} | {seconds:.2f} | {cpu:.2f} | {e} |")
    lines += ["", summary, ""]
    path.write_text("\n".join(lines))
    print(f"wrote {path}")


def main():
    if "--quick" in sys.argv:
        run(QUICK, (0.25, 0.5, 0.75))
    else:
        run(list(BATTERY), KS, baseline_names=("U[0,1] / U[0,1]", "Beta(5,2) / Beta(2,5)"),
            table=TABLE if "--write-table" in sys.argv else None)


if __name__ == "__main__":
    main()
