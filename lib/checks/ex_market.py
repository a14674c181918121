"""Exercises for chapter 5, markets with many traders (ids "market.*").

Numeric answers are computed with lib.market (whose clearing rule, fixed price, equilibria and simulator
tests/test_market.py checks against brute-force scans, closed forms, Monte Carlo and a plain-Python replay); the
two reasoning exercises' right options are computed too, so a change in lib.market would show here.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from lib.checks import Choice, Lazy, Numeric, register

BIDS = (0.8, 0.3, 0.6)
ASKS = (0.2, 0.7, 0.5)
"""The call market of exercise 1."""


def _clearing_price() -> float:
    from lib.market import clearing_price

    return float(clearing_price(np.array(BIDS), np.array(ASKS), 0.5))


def _fixed_two() -> float:
    from lib.market import fixed_price

    return fixed_price(2).efficiency


@lru_cache(maxsize=None)
def _fixed_rate() -> str:
    """The option whose exponent is nearest the fixed price's measured log-log slope over m = 16, 32, 64."""
    from lib.market import fixed_price

    ms = np.array([16, 32, 64])
    slope = np.polyfit(np.log(ms), np.log([1 - fixed_price(int(m)).efficiency for m in ms]), 1)[0]
    exponents = {"a": 2.0, "b": 1.0, "c": 0.5, "d": 0.0}
    return min(exponents, key=lambda o: abs(exponents[o] + slope))


@lru_cache(maxsize=None)
def _zi_u_reason() -> str:
    """'a' iff in market 4 every ZI-U unit trades and the efficiency is (all values - all costs) / max, i.e. the loss
    is exactly the surplus destroyed by the extramarginal buyer units' trades; 'c' if units are left untraded."""
    from lib.market import GODE_SUNDER_MARKETS, gode_sunder, max_surplus

    sched = GODE_SUNDER_MARKETS[4]
    res = gode_sunder(4, "ZI-U", replications=20, seed=1)
    if not np.all(res.trades == len(sched.demand())):
        return "c"
    formula = (sched.demand().sum() - sched.supply().sum()) / max_surplus(sched)
    return "a" if abs(res.efficiency - formula) < 1e-12 else "b"


def _max_surplus_3() -> float:
    from lib.market import GODE_SUNDER_MARKETS, max_surplus

    return max_surplus(GODE_SUNDER_MARKETS[3])


register(Numeric(
    id="market.clearing_price",
    title="Bids (0.8, 0.3, 0.6), asks (0.2, 0.7, 0.5): the k = 1/2 clearing price",
    hint=("Sort all six offers. Which two of them bound the interval of market-clearing prices?",
          "With m = 3 bids and 3 asks the interval is [s_(3), s_(4)]; k = 1/2 takes its midpoint."),
    reference=Lazy(_clearing_price),
    digits=3,
    mistakes=((0.5, "That is the lower end of the interval (k = 0)."),
              (0.6, "That is the upper end of the interval (k = 1)."),
              (0.65, "Sort all six offers together, bids and asks alike, before picking the m-th and (m+1)-th.")),
))

register(Numeric(
    id="market.fixed_two",
    title="A fixed price 1/2 with two buyers and two sellers, U[0, 1]: its efficiency",
    hint=("How many buyers and sellers are willing at p = 1/2? Each is a Binomial(2, 1/2) count.",
          "Gains = E[min(N_B, N_S)] (E[v | v >= 1/2] - E[c | c <= 1/2]); divide by the first best with two traders "
          "per side (lib.market.first_best_gains(2), or a simulation of the sorted matching)."),
    reference=Lazy(_fixed_two),
    digits=3,
))

register(Choice(
    id="market.fixed_rate",
    title="How fast the fixed price's inefficiency shrinks as m grows",
    hint=("Under a fixed price every willing pair trades until one side runs out. How large is the difference "
          "between the numbers of willing buyers and willing sellers, typically?",
          "N_B - N_S is a difference of two Binomial(m, 1/2) counts: its standard deviation grows like sqrt(m). "
          "Compare the trades lost with the m/8 or so gains of the first best."),
    reference=Lazy(_fixed_rate),
    options=("a", "b", "c", "d"),
))

register(Choice(
    id="market.zi_u_market4",
    title="Why ZI-U traders lose so much of the surplus in market 4 (flat supply)",
    hint=("Count the trades ZI-U traders make in market 4 and compare with the competitive quantity.",
          "Which buyer units trade in the competitive equilibrium, and what surplus does one unit with value below "
          "95 create when it buys from one seller whose cost is 95?"),
    reference=Lazy(_zi_u_reason),
    options=("a", "b", "c"),
))

register(Numeric(
    id="market.max_surplus_3",
    title="Market 3: the largest surplus per period",
    hint=("Sort all buyer units' values from the highest and all seller units' costs from the lowest.",
          "Match the q-th highest value with the q-th lowest cost while the value exceeds the cost, and add the "
          "differences."),
    reference=Lazy(_max_surplus_3),
    digits=4,
))
