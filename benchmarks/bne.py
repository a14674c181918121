"""Benchmark of lib.bne.solve_double_auction against the closed form and a naive grid best-response baseline.

    .venv/bin/python benchmarks/bne.py

Targets (issue 6): uniform priors, any k: max |strategy - closed form| <= 1e-8 on the trading range in < 0.5 s;
Beta(2,2) and truncated-normal priors: relative utility loss (best-response gap / equilibrium utility) <= 1e-6 in
< 2 s on one core. The baseline is what a student writes first: discretise types and bids on grids and iterate
best responses (with damping) until the strategies stop moving. Both are certified by the same independent checker,
lib.double_auction.best_response_gap (a relative gap of 0 means no deviation gains anything measurable).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib.bne import linear_uniform, solve_double_auction  # noqa: E402
from lib.double_auction import best_response_gap  # noqa: E402
from lib.distributions import beta, truncated_normal, uniform  # noqa: E402


def grid_best_response(buyer, seller, k, n_types=101, n_bids=201, iterations=200):
    """Naive baseline: types and bids on grids, damped best-response iteration. Returns (bid, ask) functions."""
    v = np.linspace(*buyer.support(), n_types)
    c = np.linspace(*seller.support(), n_types)
    wv, wc = buyer.pdf(v), seller.pdf(c)
    wv, wc = wv / wv.sum(), wc / wc.sum()
    prices = np.linspace(min(v[0], c[0]), max(v[-1], c[-1]), n_bids)
    b, s = v.copy(), c.copy()
    for _ in range(iterations):
        # buyer utility of each bid x against the current asks: sum_c [s(c) <= x] (v - k x - (1-k) s(c)) w(c)
        trade = s[None, :] <= prices[:, None]
        mass = trade @ wc
        paid = trade @ (wc * s)
        ub = v[None, :] * mass[:, None] - (k * prices[:, None] * mass[:, None] + (1 - k) * paid[:, None])
        new_b = prices[np.argmax(ub, axis=0)]
        trade = b[None, :] >= prices[:, None]
        mass = trade @ wv
        got = trade @ (wv * b)
        us = (k * got[:, None] + (1 - k) * prices[:, None] * mass[:, None]) - c[None, :] * mass[:, None]
        new_s = prices[np.argmax(us, axis=0)]
        if np.array_equal(new_b, b) and np.array_equal(new_s, s):
            break
        b, s = 0.5 * b + 0.5 * new_b, 0.5 * s + 0.5 * new_s
    return (lambda x: np.interp(x, v, b)), (lambda x: np.interp(x, c, s))


def main():
    rows = []
    for k in (0.1, 0.3, 0.5, 0.7, 0.9):
        start = time.perf_counter()
        r = solve_double_auction(uniform(), uniform(), k)
        seconds = time.perf_counter() - start
        a_b, b_b, a_s, b_s = linear_uniform(k)
        v = np.linspace(r.price_range[0], 1, 2001)
        c = np.linspace(0, r.price_range[1], 2001)
        error = max(np.max(np.abs(r.bid(v) - a_b - b_b * v)), np.max(np.abs(r.ask(c) - a_s - b_s * c)))
        start = time.perf_counter()
        nb, ns = grid_best_response(uniform(), uniform(), k)
        base_seconds = time.perf_counter() - start
        base_error = max(np.max(np.abs(nb(v) - a_b - b_b * v)), np.max(np.abs(ns(c) - a_s - b_s * c)))
        rows.append((f"uniform k={k}", "max |strategy - closed form|", error, seconds, base_error, base_seconds))
    for name, prior in (("Beta(2,2)", beta(2, 2)), ("truncnorm(0.5,0.25)", truncated_normal(0.5, 0.25))):
        start = time.perf_counter()
        r = solve_double_auction(prior, prior, 0.5)
        seconds = time.perf_counter() - start
        gap = r.best_response_gap(n_types=9)
        start = time.perf_counter()
        nb, ns = grid_best_response(prior, prior, 0.5)
        base_seconds = time.perf_counter() - start
        base_gap = best_response_gap(nb, ns, prior, prior, 0.5, n_types=9)
        rows.append((f"{name} k=0.5", "relative utility loss", gap.relative_gap, seconds,
                     base_gap.relative_gap, base_seconds))
    print(f"{'case':24s} {'measure':30s} {'ODE/BVP':>10s} {'time s':>8s} {'baseline':>10s} {'time s':>8s} "
          f"{'acc. ratio':>10s} {'time ratio':>10s}")
    for case, measure, err, sec, berr, bsec in rows:
        print(f"{case:24s} {measure:30s} {err:10.2e} {sec:8.3f} {berr:10.2e} {bsec:8.3f} "
              f"{berr / max(err, 1e-16):10.1e} {bsec / sec:10.1f}")


if __name__ == "__main__":
    main()
