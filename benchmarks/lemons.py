"""Timing and accuracy of lib.lemons.market_equilibrium on hard inputs.

    .venv/bin/python benchmarks/lemons.py            # the current solver
    .venv/bin/python benchmarks/lemons.py --old REV  # also a previous version of lib/lemons.py (git revision)

Cases: a user-written ``rv_continuous`` with only ``_pdf`` (scipy's generic cdf is a quad per point), a smooth
user-written two-bump density, concentrated distributions whose cdf underflows (truncated normal with sd 0.02,
Beta(1000, 1000)), and a discrete two-quality market. Prints the seconds per call and the equilibria found.
"""
from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib import lemons  # noqa: E402
from lib.distributions import beta, truncated_normal  # noqa: E402


class TwoBlocks(stats.rv_continuous):
    """0.3 U[0.5, 1] + 0.7 U[2, 3], as a student writes it: _pdf only, support [0, 3]."""

    def _pdf(self, x):
        return np.where((x >= 0.5) & (x < 1.0), 0.6, 0.0) + np.where((x >= 2.0) & (x <= 3.0), 0.7, 0.0)


class TwoBumps(stats.rv_continuous):
    """0.4 Beta(2, 5) + 0.6 Beta(5, 2) on [0, 3], _pdf only."""

    def _pdf(self, x):
        return 0.4 * stats.beta.pdf(x, 2, 5, scale=3) + 0.6 * stats.beta.pdf(x, 5, 2, scale=3)


CASES = [
    ("pdf-only two blocks, b = 1.8", lambda: TwoBlocks(a=0.0, b=3.0)(), 1.8, True),
    ("pdf-only two bumps, b = 1.9", lambda: TwoBumps(a=0.0, b=3.0)(), 1.9, True),
    ("truncated normal (1, 0.02) on [0, 2], b = 1.2", lambda: truncated_normal(1, 0.02, 0, 2), 1.2, False),
    ("Beta(1000, 1000) on [0, 2], b = 1.2", lambda: beta(1000, 1000, 0, 2), 1.2, False),
    ("Beta(2000, 2000) on [0.1, 2], b = 1.2", lambda: beta(2000, 2000, 0.1, 2), 1.2, False),
    ("arcsine on [0.55, 1.45], b = 1.5", lambda: beta(0.5, 0.5, 0.55, 1.45), 1.5, False),
    ("two qualities {1000, 2000}, b = 1.2", lambda: stats.rv_discrete(values=([1000, 2000], [0.5, 0.5])), 1.2,
     False),
]


def load_old(rev: str):
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:lib/lemons.py"], check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "lemons_old.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("lemons_old", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["lemons_old"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def run(module, label: str, timeout_note: bool) -> None:
    print(f"== {label}")
    for name, make, b, slow in CASES:
        t0 = time.perf_counter()
        try:
            eq = module.market_equilibrium(make(), b)
            found = ", ".join(f"{p:.6g}" for p in (*eq.other_prices, eq.price))
        except Exception as exc:  # noqa: BLE001 - the old version refuses some inputs
            found = f"{type(exc).__name__}: {str(exc)[:60]}"
        print(f"{time.perf_counter() - t0:8.2f} s  {name}: fixed points {found}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", help="git revision of lib/lemons.py to time as well (slow: tens of seconds)")
    args = parser.parse_args()
    run(lemons, "current lib.lemons", False)
    t0 = time.perf_counter()
    lemons.simulate_market(TwoBlocks(a=0.0, b=3.0)(), 1.8, n_sellers=100_000, seed=1)
    print(f"{time.perf_counter() - t0:8.2f} s  simulate_market, pdf-only two blocks, 100,000 sellers")
    repeated(lemons)
    if args.old:
        run(load_old(args.old), f"lib/lemons.py at {args.old}", True)
        repeated(load_old(args.old))


def repeated(module) -> None:
    """One prior solved many times (chapter 1's efficiency curves and tax grids): the pool is built once."""
    for name, make in [("Beta(1/2, 1/2) on [0.4, 1.6]", lambda: beta(0.5, 0.5, 0.4, 1.6)),
                       ("U[0.25, 1.75]", lambda: stats.uniform(0.25, 1.5))]:
        t0 = time.perf_counter()
        for tax in np.linspace(0.0, 0.8, 40):
            module.certification_equilibrium(make(), 1.5, 0.1, tax=float(tax))
        print(f"{(time.perf_counter() - t0) / 40:8.4f} s  per certification_equilibrium, {name}, 40 taxes "
              f"({module.__name__})")


if __name__ == "__main__":
    main()
