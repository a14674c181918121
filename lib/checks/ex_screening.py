"""Exercises for chapter 4, screening (ids "screening.*").

Symbolic answers are derived here with sympy; numeric ones are computed with lib.screening (whose results
tests/test_screening.py checks against SLSQP over every IC/IR constraint, fsolve and dense grids).
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from lib.checks import Lazy, Numeric, Symbolic, register

_qL, _qH = sp.symbols("q_L q_H", real=True)
_tL, _tH, _fL = sp.symbols("theta_L theta_H f_L", real=True)
_x = sp.symbols("x", real=True)

RS_MARKET = dict(loss_prob_low=0.05, loss_prob_high=0.2, wealth=10.0, loss=6.0)
"""The insurance market of exercises 5 to 8 (log utility)."""


@lru_cache(maxsize=None)
def _low_quantity():
    """Maximise f_L (theta_L q_L - q_L^2/2) + (1 - f_L)(theta_H q_H - (theta_H - theta_L) q_L - q_H^2/2) in q_L."""
    profit = _fL * (_tL * _qL - _qL**2 / 2) + (1 - _fL) * (_tH * _qH - (_tH - _tL) * _qL - _qH**2 / 2)
    return sp.solve(sp.diff(profit, _qL), _qL)[0]


def _rent() -> float:
    from lib.screening import monopoly_menu

    return monopoly_menu([1.0, 3.0], [0.7, 0.3]).rents[1]


def _exclusion_three() -> float:
    """The largest p at which type 1 of (1, 2, 3) with probabilities (p, 0.1, 0.9 - p) is excluded: where its
    ironed virtual type crosses zero (continuous and increasing in p on the bracket)."""
    from scipy import optimize

    from lib.screening import monopoly_menu

    def ironed_low(p):
        return monopoly_menu([1.0, 2.0, 3.0], [p, 0.1, 0.9 - p]).ironed_virtual_types[0]

    return optimize.brentq(ironed_low, 0.2, 0.85, xtol=1e-13)


@lru_cache(maxsize=None)
def _uniform_profit() -> float:
    """U[1, 3]: phi = x - (1 - F)/f with F = (x - 1)/2, f = 1/2; profit = int max(0, phi)^2 / 2 f dx."""
    phi = sp.simplify(_x - (1 - (_x - 1) / 2) / sp.Rational(1, 2))
    cut = sp.solve(sp.Eq(phi, 0), _x)[0]
    return float(sp.integrate(phi**2 / 2 * sp.Rational(1, 2), (_x, cut, 3)))


def _rs_coverage() -> float:
    from lib.screening import rothschild_stiglitz

    return rothschild_stiglitz(share_high=0.5, **RS_MARKET).low_coverage


def _rs_threshold() -> float:
    from lib.screening import rs_existence_threshold

    return rs_existence_threshold(**RS_MARKET)


def _wms_threshold() -> float:
    from lib.screening import wilson_miyazaki_spence

    return wilson_miyazaki_spence(share_high=0.5, **RS_MARKET).threshold


def _marginal_rate(p: float) -> float:
    """The premium cut per unit of cover that leaves type p indifferent at the pooling contract of exercise 7 (half
    cover at the pooled price, share of high risks 0.5): p u'(x2) / ((1 - p) u'(x1) + p u'(x2)), log utility."""
    pl, ph, w, d = (RS_MARKET[k] for k in ("loss_prob_low", "loss_prob_high", "wealth", "loss"))
    c, prem = d / 2, 0.5 * (pl + ph) * d / 2
    x1, x2 = w - prem, w - prem - d + c
    return (p / x2) / ((1 - p) / x1 + p / x2)


def _pooling_deviation() -> tuple[float, float]:
    """The open interval of per-unit premium cuts k for which (c - eps, pi - k eps) attracts L and not H, for small
    eps: L gains iff k > L's marginal rate, H stays iff k < H's (tests/test_screening.py confirms both ends on
    the utilities themselves)."""
    pl, ph = RS_MARKET["loss_prob_low"], RS_MARKET["loss_prob_high"]
    k_lo, k_hi = _marginal_rate(pl), _marginal_rate(ph)
    return (k_lo, k_hi)


register(Symbolic(
    id="screening.low_quantity",
    title="Two types: the low type's quantity in the optimal menu (when it is served)",
    hint=("Which two of the four constraints bind? Use them to write t_L and t_H in terms of the quantities.",
          "Substitute both transfers into the expected profit f_L (t_L - q_L^2/2) + f_H (t_H - q_H^2/2) and set "
          "its derivative in q_L to zero."),
    reference=Lazy(_low_quantity),
    variables=("theta_L", "theta_H", "f_L"),
    domains={"theta_L": (1.0, 1.2), "theta_H": (1.3, 1.5), "f_L": (0.6, 0.95)},
    mistakes=((_tL - (1 - _fL) * (_tH - _tL),
               "The extra rent paid to H, f_H (theta_H - theta_L) per unit, is weighed against L's gain, which is "
               "multiplied by f_L: divide by it."),
              (_tL, "That is the first-best quantity: the seller gives it to L only if it knows L's type.")),
))

register(Numeric(
    id="screening.rent",
    title="Types (1, 3), f_L = 0.7: the high type's information rent",
    hint=("H's rent is what it would get by taking L's contract.",
          "Compute q_L from the two-type formula, then multiply it by theta_H - theta_L."),
    reference=Lazy(_rent),
    digits=3,
))

register(Numeric(
    id="screening.exclusion_three",
    title="Types (1, 2, 3), probabilities (p, 0.1, 0.9 - p): the largest p at which type 1 is excluded",
    hint=("Write the three virtual types as functions of p. Are they increasing for every p?",
          "Where the first two virtual types are out of order they are ironed: pooled at their probability-"
          "weighted mean. Type 1 is excluded where the ironed value is at most zero."),
    reference=Lazy(_exclusion_three),
    digits=3,
    mistakes=((0.5, "That is where type 1's own virtual type is zero. Is the sequence of virtual types "
                    "monotone at that p? The rare middle type changes the answer."),),
))

register(Numeric(
    id="screening.uniform_profit",
    title="Types uniform on [1, 3]: the seller's expected profit",
    hint=("Write the virtual valuation theta - (1 - F)/f for this prior and find where it is zero.",
          "Profit is the integral of (phi q - q^2/2) f over the served types, with q = phi."),
    reference=Lazy(_uniform_profit),
    digits=3,
))

register(Numeric(
    id="screening.rs_coverage",
    title="Rothschild–Stiglitz, log utility, W = 10, d = 6, p_L = 0.05, p_H = 0.2: L's coverage",
    hint=("H is fully insured at its fair premium; L's contract lies on L's zero-profit line.",
          "Find c in (0, d) at which H is indifferent between full insurance at p_H d and (c, p_L c): "
          "scipy.optimize.brentq."),
    reference=Lazy(_rs_coverage),
    digits=3,
))

register(Numeric(
    id="screening.rs_threshold",
    title="The same market: the share of high risks below which the equilibrium fails",
    hint=("Compare L's separating utility with its best utility along the pooled zero-profit line, as a "
          "function of the share of high risks.",
          "Maximise L's utility along the pooled line (minimize_scalar), then find the share where the two are "
          "equal (brentq); or solve the first-order condition and the equality together."),
    reference=Lazy(_rs_threshold),
    digits=3,
))

register(Numeric(
    id="screening.pooling_deviation",
    title="Against a pooling contract: the per-unit premium cuts that attract only the low risks",
    hint=("Giving up eps of cover for a premium cut k eps: compute each type's utility change to first order in eps.",
          "Type p gains iff k > p u'(x2) / ((1 - p) u'(x1) + p u'(x2)) at the pooling contract's wealths x1, x2; "
          "which type's rate is lower?"),
    reference=Lazy(_pooling_deviation),
    digits=3,
    mistakes=(((_marginal_rate(RS_MARKET["loss_prob_high"]), _marginal_rate(RS_MARKET["loss_prob_low"])),
               "The interval is reversed: which type needs the larger premium cut to give up cover?"),
              ((RS_MARKET["loss_prob_low"], RS_MARKET["loss_prob_high"]),
               "Those are the fair prices per unit of cover; a buyer weighs cover by its marginal utilities in the "
               "two states, which differ at a partial-cover contract."),
              ((0.0, None), "A cut of almost nothing is not enough for L: it loses cover worth p_L u'(x2) per unit.")),
))

register(Numeric(
    id="screening.wms_threshold",
    title="The same market with cross-subsidies: the share of high risks below which the WMS menu subsidises H",
    hint=("A subsidy s per H buyer lowers H's full-insurance premium to p_H d - s and raises L's premium by "
          "s lambda / (1 - lambda); with H's indifference binding, L's coverage and utility are functions of s.",
          "Find the share of high risks at which the derivative of L's utility in s at s = 0 changes sign: "
          "differentiate along H's constraint (implicit function theorem), or take a finite difference in s with "
          "brentq for L's coverage, then brentq over the share."),
    reference=Lazy(_wms_threshold),
    digits=3,
))
