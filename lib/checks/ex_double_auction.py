"""Exercises for chapter 2, the sealed-bid double auction (ids "double_auction.*").

Expected answers are derived here with sympy (coefficient matching, double integrals), independently of the
closed forms typed in lib.double_auction; tests/test_double_auction.py checks that the two agree.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from lib.checks import Function, Lazy, Numeric, Symbolic, register

_k, _v, _c, _x = sp.symbols("k v c x", real=True)


@lru_cache(maxsize=None)
def _linear_strategies():
    """(bid, ask) of the linear equilibrium for general k, by the two first-order conditions + coefficient matching."""
    ab, bb, as_, bs, pb, ps = sp.symbols("alpha_b beta_b alpha_s beta_s p_b p_s", real=True)
    u_b = sp.integrate(_v - _k * pb - (1 - _k) * (as_ + bs * _c), (_c, 0, (pb - as_) / bs))
    u_s = sp.integrate(_k * (ab + bb * _v) + (1 - _k) * ps - _c, (_v, (ps - ab) / bb, 1))
    bid = sp.expand(sp.solve(sp.diff(u_b, pb), pb)[0])
    ask = sp.expand(sp.solve(sp.diff(u_s, ps), ps)[0])
    eqs = [bid.coeff(_v, 1) - bb, bid.coeff(_v, 0) - ab, ask.coeff(_c, 1) - bs, ask.coeff(_c, 0) - as_]
    sol = [s for s in sp.solve(eqs, [ab, bb, as_, bs], dict=True) if s[bb] != 0 and s[bs] != 0][0]
    return sp.simplify(sol[ab] + sol[bb] * _v), sp.simplify(sol[as_] + sol[bs] * _c)


@lru_cache(maxsize=None)
def _linear_gains_and_probability():
    bid, ask = _linear_strategies()
    t = sp.solve(sp.Eq(bid, ask), _v)[0]
    c_max = sp.solve(sp.Eq(t, 1), _c)[0]
    prob = sp.factor(sp.integrate(sp.integrate(1, (_v, t, 1)), (_c, 0, c_max)))
    gains = sp.factor(sp.integrate(sp.integrate(_v - _c, (_v, t, 1)), (_c, 0, c_max)))
    return prob, gains


def _truthful_deviation():
    """Seller c = 0 against a truthful buyer (b(v) = v), k = 1/2: best ask and gain over asking 0."""
    half = sp.Rational(1, 2)
    u = sp.integrate(half * _v + half * _x, (_v, _x, 1))
    best = [r for r in sp.solve(sp.diff(u, _x), _x) if 0 <= r <= 1][0]
    return best, sp.simplify(u.subs(_x, best) - u.subs(_x, 0))


_ONE_PRICE_GAINS = sp.integrate(sp.integrate(_v - _c, (_v, _x, 1)), (_c, 0, _x))

register(Symbolic(
    id="double_auction.seller_strategy",
    title="The seller's linear equilibrium ask for general k",
    hint="Against b(v) = alpha_b + beta_b v the seller of cost c maximises "
         "integral over v >= (s - alpha_b)/beta_b of (k b(v) + (1-k) s - c) dv; solve the first-order condition "
         "for s, match coefficients with s = alpha_s + beta_s c, and do the same for the buyer.",
    reference=Lazy(lambda: _linear_strategies()[1]),
    variables=("c", "k"),
))

register(Numeric(
    id="double_auction.trade_probability",
    title="Probability of trade in the linear equilibrium, k = 1/2",
    hint="Trade happens iff v >= c + 1/4: integrate 1 over that triangle of the unit square.",
    reference=Lazy(lambda: float(_linear_gains_and_probability()[0].subs(_k, sp.Rational(1, 2)))),
    digits=3,
))

register(Numeric(
    id="double_auction.truthful_deviation",
    title="Best ask of the seller with c = 0 when the buyer bids her value, and the gain over asking 0 (k = 1/2)",
    hint="Asking y the seller trades with v >= y at price (v + y)/2: U(y) = integral_y^1 (v/2 + y/2) dv. "
         "Maximise over y, then compare with U(0). Answer (best ask, gain).",
    reference=Lazy(lambda: tuple(float(z) for z in _truthful_deviation())),
    digits=3,
))

register(Function(
    id="double_auction.one_price_gains",
    title="Expected gains from trade of the one-price equilibrium at price x",
    hint="Trade happens iff c <= x <= v: integrate v - c over c in [0, x] and v in [x, 1].",
    reference=Lazy(lambda: sp.lambdify(_x, _ONE_PRICE_GAINS)),
    points=((0.1,), (0.25,), (0.5,), (0.8,)),
    abs_tol=1e-9,
))

register(Function(
    id="double_auction.efficiency",
    title="Efficiency of the linear equilibrium as a function of k",
    hint="Expected gains integrate v - c over v >= (1-k)/2 + c (1+k)/(2-k); divide by the first best 1/6.",
    reference=Lazy(lambda: sp.lambdify(_k, 6 * _linear_gains_and_probability()[1])),
    points=((0.0,), (0.2,), (0.5,), (0.9,), (1.0,)),
    abs_tol=1e-9,
))
