"""Benchmark of lib.bne.solve_double_auction on a deterministic battery of priors, against the closed form and two
discretised baselines on every row.

    .venv/bin/python benchmarks/bne.py            # the whole battery (12 prior pairs x 5 values of k), baselines
    .venv/bin/python benchmarks/bne.py --quick    # 4 pairs x 3 values of k, the solver only
    .venv/bin/python benchmarks/bne.py --quick --baselines   # the same, with the two 101 x 201 baselines
    .venv/bin/python benchmarks/bne.py --write-table   # the whole battery, and write benchmarks/bne_battery.md

The table file (priors, k, member, relative utility loss, time, efficiency, with the date and the machine; then the
loss, time and efficiency of each baseline on the same row, and one summary line per method) is what the method
section of "Beyond uniform values" shows; it changes only when it is written again with --write-table.

Targets: >= 99 % of the battery solved (a certified equilibrium, or a NoRegularEquilibrium error with its evidence
where the regular class has no member), relative utility loss <= 1e-8 on those (largest gain from deviating over
the smaller ex-ante utility, by the independent checker lib.double_auction.best_response_gap), median <= 0.5 s and
max <= 5 s per solve on one core; uniform priors, any k: L-infinity <= 1e-10 against the closed form of Chatterjee
and Samuelson (1983). The first Newton start of every regular solve is the pair of end slopes that is exact for
uniform priors, g'(p_lo) = 1 + (1 - k) R and h'(p_hi) = 1 + k L (lib.bne._regular_roots; the scan of both slopes
runs first all the same, and its crossings and closest approach are the further starts), so the uniform rows start
at their answer: their L-infinity figure measures the end conditions, the integration and the polish, not the
search. A row the solver cannot solve prints FAILED and counts against the target (it stays in the battery).
Timings depend on the machine's load: they are printed, never asserted in tests.

The baselines are the standard discretised methods on types and bids on grids, run on every row with one setting for
all rows (not tuned per row): damped best-response iteration (grid_best_response), and simultaneous online dual
averaging (dual_averaging; Bichler, Fichtl and Oberlechner 2023), at 101 types x 201 bids, and the grid method again
at 201 types x 401 bids. Their pure strategies, interpolated between the grid types, are certified by the same
checker (best_response_gap, 9 types per side) and their efficiency by the same quadrature
(lib.double_auction.outcomes) as the solver's; their time, like the solver's, excludes the check. The price grid
spans both supports, and each grid type carries the probability of its cell (from the cdf), so shifted, asymmetric
supports and densities that are infinite or zero at an end are discretised alike. Times are printed as wall clock
and as CPU time of this process (less sensitive to a shared machine's load).

Reading the baselines' columns: a loss near 0 with an efficiency below the solver's is a step equilibrium (trading
offers at a few prices, the types that do not trade truthful; an equilibrium of the continuous game too), which the
grid method reaches on some rows (Beta(5,2) / Beta(2,5) at k = 1/4 and the truncated normals at k = 1/2 at 201 x
401, U[0,2] / U[0,1] at k = 1/4 at 101 x 201). SODA's largest losses come from the types that trade with no one:
their mixed strategies spread over all the bids that do not trade, and the mean of that spread is an offer that the
other side exploits in the continuous game (Beta(2,5) / Beta(5,2) at k = 0: the seller of cost 0 gains 0.076 by
deviating, against ex-ante utilities of 0.0012 and 0.0016, hence relative losses above 1 on that pair, where the
gains from trade are small).

The grid method is not exact under the mirror image (values and costs reflected, k to 1 - k): U[0,2] / U[0,1] at k =
1/4 (loss 0, efficiency 0.825102) and its mirror U[0,1] / U[-1,1] at k = 3/4 (loss 6.1e-2, efficiency 0.825754) end
at different discrete equilibria; breaking equidistant ties towards the higher ask changes nothing, and the cause is
not isolated (offers lie on the price grid, where trade is decided by exact ties of offers and prices). The solver's
and SODA's mirror rows agree.
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
    "U[0,1] / U[-1,1]": (uniform(), uniform(-1, 1)),  # buyers' values start above the lowest costs: flat bottom
    "U[1,2] / U[0.5,1.5]": (uniform(1, 2), uniform(0.5, 1.5)),  # shifted supports, both ends flat
}
KS = (0.0, 0.25, 0.5, 0.75, 1.0)
QUICK = ("U[0,1] / U[0,1]", "Beta(5,2) / Beta(2,5)", "TN(0.6,0.15) / TN(0.4,0.3)", "Beta(1.05,1.05) both")


def _type_grid(dist, n_types):
    """n_types evenly spaced types on the support and the probability of each type's cell (the support cut at the
    midpoints between neighbouring types), from the cdf: finite where the density is infinite at an end (Beta(a, a)
    with a < 1) and not zero where the density is zero at an end point only (the piecewise-uniform prior at 1)."""
    lo, hi = (float(x) for x in dist.support())
    types = np.linspace(lo, hi, n_types)
    edges = np.concatenate([[lo], (types[1:] + types[:-1]) / 2, [hi]])
    weights = np.diff(dist.cdf(edges))
    return types, weights / weights.sum()


def _closest_best(utility, prices, types):
    """For each type (a column of utility[bid, type]) the best price on the grid; among prices whose utility is
    within rounding (1e-12 of the utility scale) of the best, the one closest to the type itself."""
    best = utility.max(axis=0)
    tol = 1e-12 * max(1.0, float(np.max(np.abs(utility))))
    distance = np.where(utility >= best - tol, np.abs(prices[:, None] - types[None, :]), np.inf)
    return prices[np.argmin(distance, axis=0)]


def grid_best_response(buyer, seller, k, n_types=101, n_bids=201, iterations=200):
    """Discretised baseline: types and bids on grids, damped best-response iteration. Returns (bid, ask).

    Types: n_types evenly spaced on each support, weighted by the probability of their cells (``_type_grid``).
    Bids and asks: n_bids evenly spaced prices spanning both supports. Each round every type's best price against
    the other side's current offers, then the offers move half way to it; from truthful offers, at most
    ``iterations`` rounds, stopping when the best responses equal the offers. Ties (a type that trades with no one
    at any price above the other side's highest offer, or below its lowest) are broken towards the type's own
    value or cost (``_closest_best``). The first version took the lowest tied price: sellers who cannot trade
    asked just above the highest bid, below their cost, and traded at a loss against the offers of the continuum
    between grid types, which the checker tests (with the cell weights below, relative utility loss 0.18, 0.18,
    2.1 for uniform priors at k = 0, 1/2, 1, and 0.44, 0.49 for Beta(5,2) / Beta(2,5) at k = 1/2, 1; with the
    closest tie 6.1e-4, 1.7e-2, 6.1e-4 and 8.1e-3, 9.4e-4). The first version also weighted each type by the
    density at its grid point, which is infinite at both ends for Beta(0.95, 0.95) (no weights: nan) and zero at
    1 for the piecewise-uniform prior; both baselines now use the cell probabilities of ``_type_grid``."""
    v, wv = _type_grid(buyer, n_types)
    c, wc = _type_grid(seller, n_types)
    prices = np.linspace(min(v[0], c[0]), max(v[-1], c[-1]), n_bids)
    b, s = v.copy(), c.copy()
    for _ in range(iterations):
        trade = s[None, :] <= prices[:, None]
        mass, paid = trade @ wc, trade @ (wc * s)
        ub = v[None, :] * mass[:, None] - (k * prices[:, None] * mass[:, None] + (1 - k) * paid[:, None])
        new_b = _closest_best(ub, prices, v)
        trade = b[None, :] >= prices[:, None]
        mass, got = trade @ wv, trade @ (wv * b)
        us = (k * got[:, None] + (1 - k) * prices[:, None] * mass[:, None]) - c[None, :] * mass[:, None]
        new_s = _closest_best(us, prices, c)
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
    interpolated (the continuous strategies the independent checker can test). Types and their weights are those
    of ``_type_grid`` (cell probabilities; the first version's densities at the grid points were infinite at the
    ends of Beta(0.95, 0.95)), the price grid spans both supports."""
    v, wv = _type_grid(buyer, n_types)
    c, wc = _type_grid(seller, n_types)
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


BASELINES = (
    ("grid BR", "damped grid best response, 101 types x 201 bids, <= 200 rounds", grid_best_response, {}),
    ("SODA", "simultaneous online dual averaging, 101 types x 201 bids, 2000 rounds", dual_averaging, {}),
    ("grid BR fine", "damped grid best response, 201 types x 401 bids, <= 200 rounds", grid_best_response,
     {"n_types": 201, "n_bids": 401}),
)  # SODA at 201 x 401 (about 4.5 s of CPU per row, four times the 101 x 201 run) would double the battery's time


def run_baseline(method, options, buyer, seller, k):
    """One baseline on one row: (relative utility loss, wall s, CPU s, efficiency), the loss and the efficiency by
    the same checker and the same welfare quadrature as the solver's (nan, with the error printed, if they refuse
    the strategies)."""
    start, cpu0 = time.perf_counter(), time.process_time()
    nb, ns = method(buyer, seller, k, **options)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu0
    try:
        loss = best_response_gap(nb, ns, buyer, seller, k, n_types=9).relative_gap
        eff = outcomes(nb, ns, buyer, seller, k).efficiency
    except ValueError as error:
        print(f"  baseline strategies refused by the checker: {str(error)[:100]}")
        loss, eff = math.nan, math.nan
    return loss, seconds, cpu, eff


def _below(losses, level):
    return sum(1 for x in losses if x < level)


def method_summary(label, losses, times, cpus, missing="refused by the checker"):
    """One summary line: median and max relative utility loss (over all rows; inf where a side's ex-ante utility is
    zero, nan where the checker refused the strategies), median and max time, and how many rows are below 1e-3 and
    1e-6."""
    finite = [x for x in losses if not math.isnan(x)]
    refused = len(losses) - len(finite)
    return (f"{label}: relative utility loss median {np.median(finite):.1e}, max {max(finite):.1e}"
            + (f" ({refused} rows {missing}, counted as not below)" if refused else "")
            + f"; below 1e-3 in {_below(losses, 1e-3)} of {len(losses)} rows, below 1e-6 in "
            f"{_below(losses, 1e-6)} of {len(losses)}; time median {np.median(times):.2f} s, max {max(times):.2f} s "
            f"(wall clock), CPU median {np.median(cpus):.2f} s, max {max(cpus):.2f} s")


def run(names, ks, baselines=BASELINES, table=None):
    rows, times, cpus, losses, smooth, row_losses = [], [], [], [], [], []
    base = {label: [] for label, *_ in baselines}
    for name in names:
        buyer, seller = BATTERY[name]
        for k in ks:
            start, cpu0 = time.perf_counter(), time.process_time()
            try:
                r = solve_double_auction(buyer, seller, k)
            except NoRegularEquilibrium as error:
                seconds, cpu = time.perf_counter() - start, time.process_time() - cpu0
                member, cert, eff, gap = wider_class(error)
                smooth.append(gap)
                row_losses.append(gap)
                rows.append((name, k, member, cert, seconds, eff, "ok" if not gap > 1e-8 else "loss"))
            except ConvergenceError as error:
                seconds, cpu = time.perf_counter() - start, time.process_time() - cpu0
                row_losses.append(math.nan)
                rows.append((name, k, f"FAILED: {str(error)[:60]}", "", seconds, None, "fail"))
            else:
                seconds, cpu = time.perf_counter() - start, time.process_time() - cpu0
                gap = r.best_response_gap(n_types=9)
                eff = r.outcomes().efficiency
                losses.append(gap.relative_gap)
                row_losses.append(gap.relative_gap)
                member = r.member if len(r.equilibria) <= 1 else f"{r.member}, {len(r.equilibria)} found"
                if len(r.equilibria) > 1:
                    member += f" (g'(p_lo) {r.end_slopes[1]:.4g})"
                extra = f"  Linf {uniform_error(r, k):.1e}" if name == "U[0,1] / U[0,1]" else ""
                ok = "ok" if gap.relative_gap <= 1e-8 else "loss"
                rows.append((name, k, member, f"loss {gap.relative_gap:.1e}{extra}", seconds, eff, ok))
            times.append(seconds)
            cpus.append(cpu)
            for label, _, method, options in baselines:
                base[label].append(run_baseline(method, options, buyer, seller, k))
    head = "".join(f" | {label:>12s} {'loss':>8s} {'wall s':>6s} {'CPU s':>5s} {'efficiency':>10s}"
                   for label, *_ in baselines)
    print(f"{'priors (buyer / seller)':28s} {'k':>5s}  {'member':40s} {'certificate':40s} {'time s':>7s} "
          f"{'CPU s':>6s} {'efficiency':>10s}      {head}")
    for i, ((name, k, member, cert, seconds, eff, ok), cpu) in enumerate(zip(rows, cpus)):
        e = f"{eff:10.6f}" if eff is not None else f"{'':10s}"
        tail = "".join(f" | {'':12s} {b[0]:8.1e} {b[1]:6.2f} {b[2]:5.2f} {b[3]:10.6f}"
                       for b in (base[label][i] for label, *_ in baselines))
        print(f"{name:28s} {k:5.2f}  {member[:40]:40s} {cert[:40]:40s} {seconds:7.2f} {cpu:6.2f} {e}  {ok:4s}{tail}")
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
    summaries = [summary, method_summary(
        "solver (lib.bne.solve_double_auction; the certified solve, or the best smooth member where the regular "
        "class is empty)", row_losses, times, cpus, missing="failed or without a certified member")]
    summaries += [method_summary(f"baseline {label} ({long})", [b[0] for b in base[label]], [b[1] for b in base[label]],
                                 [b[2] for b in base[label]]) for label, long, *_ in baselines]
    print("\n" + "\n".join(summaries))
    if table is not None:
        write_table(table, rows, cpus, base, baselines, summaries)


TABLE = Path(__file__).resolve().parent / "bne_battery.md"


def write_table(path: Path, rows, cpus, base, baselines, summaries) -> None:
    """The battery as a markdown table, with the date and the machine: a static record, written only on request."""
    import scipy

    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    legend = "; ".join(f"{label}: {long}" for label, long, *_ in baselines)
    lines = [f"Battery run {when} on {platform.machine()} ({os.cpu_count()} logical CPUs, shared; "
             f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}); times are "
             f"wall clock and CPU seconds of one solve, on a machine shared with other work, so they vary from run "
             f"to run. The discretised baselines ({legend}) run on every row, certified by the same checker "
             f"(relative utility loss, best_response_gap with 9 types per side) and the same welfare quadrature "
             f"(efficiency); their time (wall / CPU) excludes the check, as the solver's does.", "",
             "| priors (buyer / seller) | k | member | certificate | time (s) | CPU (s) | efficiency"
             + "".join(f" | {label} loss | {label} time (s) | {label} efficiency" for label, *_ in baselines) + " |",
             "|---|---|---|---|---|---|---" + "|---|---|---" * len(baselines) + "|"]
    for i, ((name, k, member, cert, seconds, eff, ok), cpu) in enumerate(zip(rows, cpus)):
        e = f"{eff:.6f}" if eff is not None else ""
        flag = "" if ok == "ok" else f" ({ok})"
        tail = "".join(f" | {b[0]:.1e} | {b[1]:.2f} / {b[2]:.2f} | {b[3]:.6f}"
                       for b in (base[label][i] for label, *_ in baselines))
        lines.append(f"| {name} | {k:g} | {member.replace('|', '/')} | {cert}{flag} | {seconds:.2f} | {cpu:.2f} | {e}"
                     f"{tail} |")
    lines += [""] + [line for s in summaries for line in (s, "")]
    path.write_text("\n".join(lines))
    print(f"wrote {path}")


def main():
    if "--quick" in sys.argv:
        run(QUICK, (0.25, 0.5, 0.75), baselines=BASELINES[:2] if "--baselines" in sys.argv else ())
    else:
        run(list(BATTERY), KS, table=TABLE if "--write-table" in sys.argv else None)


if __name__ == "__main__":
    main()
