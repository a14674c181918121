"""Exercises for chapter 3, signalling and the open-source game (ids "signaling.*").

Symbolic answers are derived here with sympy; numeric ones are computed with lib.signaling / lib.spence (whose
closed forms tests/test_signaling.py checks against brute force on a grid).
"""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import sympy as sp

from lib.checks import Choice, Lazy, Numeric, Symbolic, register

_s, _q, _mu, _m, _g, _d, _c0 = sp.symbols("s q mu m gamma delta c0", real=True)
_tH, _tL, _e = sp.symbols("theta_H theta_L e", real=True)


@lru_cache(maxsize=None)
def _full_information_openness():
    """Interior maximiser of m(q gamma - delta) s - c0 s^2 / (2 q) (the s-dependent part of the profit at mu = q)."""
    profit_s = _m * (_q * _g - _d) * _s - _c0 * _s**2 / (2 * _q)
    return sp.solve(sp.diff(profit_s, _s), _s)[0]


@lru_cache(maxsize=None)
def _spence_least_cost():
    """The education at which L is indifferent between (0, theta_L) and (e, theta_H): theta_H - e/theta_L = theta_L."""
    return sp.solve(sp.Eq(_tH - _e / _tL, _tL), _e)[0]


def _default_game():
    from lib.signaling import DEFAULTS, OpenSourceGame

    return OpenSourceGame(**DEFAULTS)


def _pooling_top() -> float:
    from lib.signaling import pooling_interval

    return pooling_interval(_default_game())[1]


def _threshold_low_prior() -> float:
    from lib.signaling import threshold

    return threshold(replace(_default_game(), prior_high=0.3))


def _separating_openness() -> float:
    from lib.signaling import solve

    return solve(_default_game().with_gap(0.5), False).high.openness


def _low_profit_effect() -> str:
    from lib.signaling import solve

    game = _default_game().with_gap(0.5)
    diff = solve(game, True).low.profit - solve(game, False).low.profit
    return "unchanged" if abs(diff) < 1e-12 else ("raises" if diff > 0 else "lowers")


register(Symbolic(
    id="signaling.full_info_openness",
    title="Full-information open-source degree (interior case)",
    hint="With mu = q only m(q gamma - delta) s - c0 s^2/(2q) depends on s: set its derivative to zero.",
    reference=Lazy(_full_information_openness),
    variables=("q", "m", "gamma", "delta", "c0"),
))

register(Symbolic(
    id="signaling.spence_least_cost",
    title="Spence: education of H in the least-cost separating equilibrium",
    hint="L must be indifferent between (e = 0, w = theta_L) and (e, w = theta_H) with cost e/theta_L.",
    reference=Lazy(_spence_least_cost),
    variables=("theta_H", "theta_L"),
))

register(Numeric(
    id="signaling.pooling_top",
    title="The highest pooling open-source degree in the default game (gap 0.2)",
    hint="Find where L is indifferent between pooling at s (belief mu_p = 0.9) and its best as L: the larger "
         "root of a quadratic in s. Check that H's constraint is slack there.",
    reference=Lazy(_pooling_top),
    digits=3,
))

register(Numeric(
    id="signaling.threshold",
    title="The threshold gap for the default game with prior 0.3",
    hint="Compare H's profit in the least-cost separating and the best pooling equilibrium as the gap varies "
         "(lib.signaling.solve), and find where they are equal with scipy.optimize.brentq.",
    reference=Lazy(_threshold_low_prior),
    digits=3,
))

register(Numeric(
    id="signaling.separating_openness",
    title="H's openness in the least-cost separating equilibrium, default game with gap 0.5",
    hint="It is max(s_FI(q_H), r), where r is the larger root of pi(s, q_H; q_L) = L's full-information profit.",
    reference=Lazy(_separating_openness),
    digits=3,
))

register(Choice(
    id="signaling.low_profit",
    title="In the separating regime (gap 0.5), does disclosure raise, lower or leave unchanged L's profit?",
    hint="In the least-cost separating equilibrium what do consumers believe about L, and what does L choose?",
    reference=Lazy(_low_profit_effect),
    options=("raises", "lowers", "unchanged"),
))


_phi, _qH, _qL = sp.symbols("phi q_H q_L", real=True)


@lru_cache(maxsize=None)
def _audit_loss():
    """L's loss from committed disclosure in a separating game with the audit cost: L earns pi_FI(q_L) either way
    (recognised without disclosure, revealed with it) and pays the fee F(q_L) = phi (1/q_L - 1/q_H) only when
    disclosing, so the loss is the fee."""
    fee = lambda q: _phi * (1 / q - 1 / _qH)  # noqa: E731  (F(q), chapter 3)
    return sp.simplify(fee(_qL) - fee(_qH))   # what L pays minus what H pays: all of it falls on L


def _voluntary_max_cost() -> float:
    from lib.signaling import voluntary_disclosure

    return voluntary_disclosure(_default_game()).loss_high


register(Symbolic(
    id="signaling.audit_loss",
    title="With the audit cost, how much does committed disclosure lower L's profit in a separating game?",
    hint="Compare L's profit in the least-cost separating equilibrium with its profit under disclosure, where it "
         "pays the audit fee. Does the fee change its openness?",
    reference=Lazy(_audit_loss),
    variables=("phi", "q_H", "q_L"),
    domains={"phi": (0.01, 1.0), "q_H": (1.0, 2.0), "q_L": (0.05, 0.95)},
))

register(Numeric(
    id="signaling.voluntary_max_cost",
    title="Voluntary disclosure, default game (gap 0.2): the largest common disclosure cost at which H discloses",
    hint="H compares disclosing (full information, minus the cost) with staying silent, where the committed "
         "non-disclosure equilibrium is played. Which profit difference is the break-even cost?",
    reference=Lazy(_voluntary_max_cost),
    digits=3,
))


_lam, _rho, _a, _beta, _qq = sp.symbols("lam rho a beta q", real=True)


@lru_cache(maxsize=None)
def _spence_signalling_cost():
    """The expected education cost of the least-cost separating PBE: only H (share lam) studies e*, at cost
    e*/theta_H, and L studies nothing; e* from the indifference of L (the exercise above)."""
    return sp.simplify(_lam * _spence_least_cost() / _tH)


@lru_cache(maxsize=None)
def _repeat_purchase_crossing():
    """d^2 pi / (d mu d q) in the repeat-purchase variant: D2 = a + beta q - delta s + rho q D1, flat cost."""
    d1 = _a + _mu * (_beta + _g * _s)
    d2 = _a + _beta * _qq - _d * _s + _rho * _qq * d1
    profit = _m * (d1 + d2) - _c0 * _s**2 / 2
    return sp.simplify(sp.diff(profit, _mu, _qq))


register(Symbolic(
    id="signaling.spence_signalling_cost",
    title="Spence: the resources the least-cost separating equilibrium burns (expected cost of education)",
    hint=("Who studies in the least-cost separating equilibrium, how much, and at what cost per unit of education?",
          "Weight each type's education cost e/theta by its probability: lam for H, 1 - lam for L."),
    reference=Lazy(_spence_signalling_cost),
    variables=("theta_H", "theta_L", "lam"),
    domains={"theta_H": (1.0, 2.0), "theta_L": (0.05, 0.95), "lam": (0.05, 0.95)},
))

register(Symbolic(
    id="signaling.repeat_purchase_crossing",
    title="Repeat purchase: how much more a better vendor gains from a higher belief (d^2 pi / d mu d q)",
    hint=("Write the profit with D2 = a + beta q - delta s + rho q D1 and collect the terms in D1.",
          "Differentiate the profit once in mu and once in q: only the returning buyers' term has both."),
    reference=Lazy(_repeat_purchase_crossing),
    variables=("m", "rho", "beta", "gamma", "s"),
))
