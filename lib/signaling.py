"""Open-source degree as a signal of model quality: a two-type signalling game in the spirit of Wang, Zhao, Liu,
Zeng and Li (2026), solved exactly. (Only that paper's abstract was available; this is *our* model.)

Model
-----
A vendor of type tau in {H, L} has model quality q_H > q_L > 0; consumers' prior is P(H) = lambda. The vendor
chooses an open-source degree s in [0, 1]; consumers form the belief mu = E[q | what they observe]. With unit
margin m,

    D1 = a + mu (beta + gamma s)          (period 1: perceived quality; openness is worth more for a better model)
    D2 = a + beta q - delta s             (period 2: quality is learnt through use; open weights substitute)
    pi(s, mu; q) = m (D1 + D2) - c0 s^2 / (2 q)    (opening a better model costs less).

Only the terms ``m (mu gamma - delta) s - c0 s^2 / (2 q)`` involve s, so for a fixed belief the best openness is

    s*(q, mu) = clip(q m (mu gamma - delta) / c0, 0, 1)                                   (1)

and full information (mu = q) gives s_FI(q) = s*(q, q).

Disclosure: the vendor reveals q (mu = q); each type plays s_FI(q).

Non-disclosure: pure-strategy perfect Bayesian equilibria (完美贝叶斯均衡) with the off-path belief mu = q_L.
Let V_q = max_s pi(s, q_L; q) be what type q gets when it is taken for L (its outside option) and
G_q(mu) = max_s [m (mu gamma - delta) s - c0 s^2 / (2 q)] its gain from openness at belief mu. For a belief mu,
the set of openness levels type q accepts, A_q(mu) = {s in [0, 1]: pi(s, mu; q) >= V_q}, is an interval, because

    pi(s, mu; q) - V_q = m beta (mu - q_L) + m (mu gamma - delta) s - c0 s^2 / (2 q) - G_q(q_L)

is a concave quadratic in s; its ends are the roots

    s = (q / c0) [ m (mu gamma - delta) -+ sqrt( m^2 (mu gamma - delta)^2 + (2 c0 / q)(m beta (mu - q_L) - G_q(q_L)) ) ]
                                                                                                          (2)
clipped to [0, 1] (see :func:`acceptance_interval`).

- Separating (分离均衡): L plays s_FI(q_L); H plays s_H with mu = q_H. L must not mimic: s_H outside the interior of
  A_L(q_H); the lower part is never an equilibrium (H would rather be taken for L there), so s_H >= r, the upper
  root of A_L(q_H) (the *separating boundary*). H must accept: s_H in A_H(q_H). The least-cost separating
  equilibrium (Riley 1979) is s_H = max(s_FI(q_H), r) when r <= min(1, sup A_H(q_H)); otherwise none exists.
- Pooling (混同均衡): both play s_p, mu_p = lambda q_H + (1 - lambda) q_L, s_p in A_L(mu_p) and A_H(mu_p). The one
  best for H is s*(q_H, mu_p) clipped to that interval.
- Selection: the candidate H prefers (Mailath, Okuno-Fujiwara and Postlewaite 1993); a tie goes to separating.

Two disclosure technologies beside the costless baseline (both default 0, which is the baseline):

- ``disclosure_cost`` F >= 0: a fixed cost of credible disclosure (an audit, a third-party benchmark) that
  either type pays under disclosure (the *common* cost).
- ``audit_cost`` phi >= 0: checking a better model is cheaper, as opening one is (the model's own assumption on
  the cost of openness), so a disclosing vendor of quality q pays the lump sum (:func:`audit_fee`)

      F(q) = phi (1/q - 1/q_H) = phi (q_H - q) / (q q_H),        F(q_H) = 0 < F(q_L).

  A lump sum does not enter the first-order condition in s, so every openness level and demand is unchanged;
  non-disclosure (nothing is audited) is unchanged; under disclosure H's profit is unchanged and L's falls by
  F(q_L). Since L gets at least V_L = pi_FI(q_L) in every non-disclosure PBE (it can always be taken for L and
  play s_FI(q_L)), disclosure then lowers L's profit strictly in every game with phi > 0, while H's profit
  comparison is the baseline's (chapter 3 proves both).

Sources: Spence (1973) for the signalling game; Cho and Kreps (1987) and Mailath, Okuno-Fujiwara and Postlewaite
(1993) for equilibrium selection; Wang, Zhao, Liu, Zeng and Li (2026) for the question.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass, fields, replace
from fractions import Fraction
from typing import Callable

import numpy as np
from scipy import optimize

from lib.validation import InputTypeError, flag, integer, real, real_array

__all__ = [
    "OpenSourceGame", "TypeOutcome", "Outcome", "NoSwitchError", "NoEquilibriumError",
    "best_openness", "acceptance_interval", "separating_boundary", "least_cost_separating", "best_pooling",
    "solve", "threshold", "regime_switches", "Switch", "regime_along_gap", "max_gap", "pooling_interval",
    "intuitive_deviation", "Claim", "ClaimResult", "CLAIMS", "evaluate_claims", "threshold_claims",
    "random_games", "DEFAULTS", "audit_fee", "voluntary_disclosure", "VoluntaryOutcome", "outcome_table",
    "claim_table", "hybrid_equilibrium", "HybridOutcome",
]

REGIMES = ("full-information", "pooling", "separating")
_TIE = 1e-12  # relative tolerance for "H is indifferent between the two candidates" (a tie goes to separating)

DEFAULTS = dict(q_high=1.0, q_low=0.8, prior_high=0.5, a=1.0, beta=1.0, gamma=1.0, delta=0.3, margin=1.0,
                c0=2.0)
"""Parameters used in chapter 3 (both regimes appear as the gap q_H - q_L varies; see :func:`threshold`)."""


class NoSwitchError(LookupError):
    """Raised by :func:`threshold` when the regime does not switch from pooling to separating in the range."""


class NoEquilibriumError(ValueError):
    """Raised when neither a separating nor a pooling pure-strategy PBE exists (off-path belief q_L).

    This happens at low priors when openness is valuable: in the default game with the gap in [0.05, 0.95], the
    prior in [0.005, 0.1] and gamma in [0.5, 5], at 602 of 7,220 grid points (priors up to 0.04, gamma from
    1.75; chapter 3 scans it). There the separating boundary r exceeds 1 and sup A_H(q_H), and A_L(mu_p) lies
    wholly below A_H(mu_p). Equilibria there are mixed (semi-separating: L randomises between s_FI(q_L) and H's
    openness): :func:`hybrid_equilibrium` computes the one H prefers (at all 602 points of that scan; chapter 3).
    ``solve`` itself stays with pure strategies. Chapter 3's grid of games (priors from 0.1) has none of these
    points."""


# ---------------------------------------------------------------------------------------------------------------
# validation and number kinds
#
# Parameters whose non-zero magnitudes lie in [1e-30, 1e30] are solved in floating point (no product in the
# closed forms can overflow or underflow there). Outside that box, when a is large against the other profit
# terms (_A_RATIO), or when q_L is within 1e-4 q_H of q_H (_GAP_RATIO), the same closed forms are evaluated in exact
# rational arithmetic (fractions.Fraction, square roots to 2^-100 relative precision), so a scale of 1e300 or
# 1e-300 gives the right openness levels; a result (a demand or a profit) beyond the float range then raises
# ValueError saying so instead of returning inf (one below 2.2e-308 is rounded to the nearest subnormal float).

_BOX = (1e-30, 1e30)
_A_RATIO = 1e3  # a above 1e3 x (beta q_H + gamma q_H + delta + c0/(m q_H)) also takes the exact path: a enters
#                every profit as the constant 2 m a, and the equilibrium compares profits, so in floats a large a
#                rounds away the differences that select it (a = 1e16 with the other parameters near 1 gave pooling
#                where every a gives separating)
_GAP_RATIO = 1e-4  # q_H - q_L below 1e-4 q_H also takes the exact path: the ends that decide whether a PBE exists
#                    then differ by O(gap), or O(gap^2) where s_FI = 0, while the float roots err by up to about
#                    1e-16 / gap relative (default game at the gap 1e-12: H's set ended 2e-10 below r, 3.5e-13 above
#                    it exactly; q_H gamma < delta at the gap 1e-6: 1.3e-15 below r, 5.6e-18 above it; in both no
#                    separating PBE was reported)
_FLOAT_MAX = sys.float_info.max
_FLOAT_MIN = sys.float_info.min  # smallest normal float


def _moderate(*xs) -> bool:
    return all(x == 0 or _BOX[0] <= abs(x) <= _BOX[1] for x in xs)


class _Exact:
    """The parameters of a game as exact fractions (used when some parameter lies outside the float box)."""

    def __init__(self, game: "OpenSourceGame"):
        for f in fields(game):
            setattr(self, f.name, Fraction(getattr(game, f.name)))
        self.gap = self.q_high - self.q_low
        self.pooled_belief = self.prior_high * self.q_high + (1 - self.prior_high) * self.q_low


def _sqrt(x):
    """math.sqrt for a float; for a Fraction, a Fraction within 2^-100 (relative) of the square root."""
    if type(x) is not Fraction:
        return math.sqrt(x)
    if x <= 0:
        return Fraction(0)
    n, d = x.numerator, x.denominator
    shift = max(0, 220 - (n.bit_length() - d.bit_length()))  # at least ~110 significant bits in the root
    shift += shift % 2
    return Fraction(math.isqrt((n << shift) // d), 1 << (shift // 2))


def _magnitude(x: Fraction) -> str:
    e = math.log10(abs(x.numerator)) - math.log10(x.denominator)
    return f"about {10 ** (e - math.floor(e)):.2g}e{math.floor(e):+d}"


def _roots(A, B, C):
    """The roots (lower, upper) of -A s^2 + B s + C = 0 (A > 0), or None if there are none, in the
    cancellation-free form (one root from the formula, the other from their product -C/A), in floats and in exact
    arithmetic alike. (The textbook formula lost the root near 0 in floats when 4AC << B^2: at margins 1e12 to 1e15
    with the other parameters near 1, L's set believed H ended 2e-6 to 1e-4 off, and intuitive_deviation returned
    an openness L would choose, or the pooled openness s = 1 itself.)"""
    disc = B * B + 4 * A * C
    if disc < 0:
        return None
    root = _sqrt(disc)
    if B >= 0:
        hi = (B + root) / (2 * A)
        return (-2 * C / (B + root) if B + root != 0 else 0 * root), hi
    return (B - root) / (2 * A), 2 * C / (root - B)


def _out(x, what: str) -> float:
    """A result as a float; an exact result beyond the float range raises ValueError naming it."""
    if type(x) is not Fraction:
        return float(x)
    if abs(x) > _FLOAT_MAX:
        raise ValueError(f"{what} is {_magnitude(x)}, beyond the float range (about 1.8e308): scale the "
                         f"parameters down (the openness levels do not depend on a, and are unchanged when margin "
                         f"and c0 are scaled together)")
    return float(x) + 0.0  # + 0.0: no negative zero; below 2.2e-308 the nearest (subnormal) float


def _signed(x) -> float:
    """A float with the sign of x (for scores used only by sign and by root finding)."""
    if type(x) is not Fraction:
        return float(x)
    if x == 0:
        return 0.0
    f = float(max(min(x, Fraction(_FLOAT_MAX)), Fraction(-_FLOAT_MAX)))
    return f if f != 0 else math.copysign(5e-324, x)


def _check_game(game) -> "OpenSourceGame":
    if not isinstance(game, OpenSourceGame):
        raise InputTypeError(f"game must be an OpenSourceGame; got {type(game).__name__} {game!r:.80}")
    return game


def _view(game, *values):
    """(p, values): the float game and float values if every number is moderate, else exact views of both."""
    _check_game(game)
    if game._exact is None and _moderate(*values):
        return game, values
    exact = game._exact if game._exact is not None else _Exact(game)
    return exact, tuple(Fraction(v) for v in values)


def _tol(p):
    """(relative, absolute) tolerances: the float path's historical ones, scale-free ones in exact arithmetic."""
    return (1e-12, 1e-15) if isinstance(p, OpenSourceGame) else (Fraction(1, 10**12), 0)


_RANGES = dict(q_high=dict(lo=0, lo_open=True), q_low=dict(lo=0, lo_open=True),
               prior_high=dict(lo=0, hi=1, lo_open=True, hi_open=True), a=dict(lo=0),
               beta=dict(lo=0, lo_open=True), gamma=dict(lo=0), delta=dict(lo=0),
               margin=dict(lo=0, lo_open=True), c0=dict(lo=0, lo_open=True), disclosure_cost=dict(lo=0),
               audit_cost=dict(lo=0))
"""Each field of :class:`OpenSourceGame`, in order, and its allowed range (keyword arguments of lib.validation.real)."""
_CHECKS = tuple((name, r["lo"], r.get("lo_open", False), r.get("hi"), r.get("hi_open", False), r)
                for name, r in _RANGES.items())
assert all(r.get("hi") is None or r["hi_open"] for _, _, _, _, _, r in _CHECKS)  # the fast path's `value < hi`


@dataclass(frozen=True)
class OpenSourceGame:
    """Parameters of the open-source signalling game (see the module docstring for the model).

    Allowed values: 0 < q_low < q_high; 0 < prior_high < 1; a >= 0; beta > 0; gamma >= 0; delta >= 0;
    margin > 0; c0 > 0; disclosure_cost >= 0; audit_cost >= 0; and a + beta q_low >= delta, so that period-2 demand is
    non-negative at every openness. Anything else raises ValueError (:class:`lib.validation.InputTypeError`, a
    TypeError and ValueError, for a non-number). Any finite float scale is supported: parameters outside
    [1e-30, 1e30] are solved in exact arithmetic; a result beyond the float range raises ValueError.
    """

    q_high: float
    q_low: float
    prior_high: float
    a: float
    beta: float
    gamma: float
    delta: float
    margin: float
    c0: float
    disclosure_cost: float = 0.0
    audit_cost: float = 0.0

    def __post_init__(self):
        fields_ = self.__dict__
        moderate = True
        for name, lo, lo_open, hi, hi_open, limits in _CHECKS:  # the fields, in order, with their allowed ranges
            value = fields_[name]
            # a plain float inside its range is what lib.validation.real returns unchanged (its own fast path);
            # anything else goes through real, which converts it or raises the error naming the field
            if not (type(value) is float and math.isfinite(value) and (value > lo if lo_open else value >= lo)
                    and (hi is None or value < hi)):
                value = real(value, name, **limits)
                object.__setattr__(self, name, value)
            if moderate and value != 0 and not _BOX[0] <= abs(value) <= _BOX[1]:
                moderate = False
        if not self.q_high > self.q_low:
            raise ValueError(f"q_high must be > q_low; got {self!r}")
        a, b, q, d = (self.a, self.beta, self.q_low, self.delta) if moderate else (
            Fraction(self.a), Fraction(self.beta), Fraction(self.q_low), Fraction(self.delta))
        if not a + b * q >= d:
            raise ValueError(f"a + beta * q_low must be >= delta (period-2 demand non-negative at s = 1); "
                             f"got {self!r}")
        if moderate and self.a > _A_RATIO * (self.beta * self.q_high + self.gamma * self.q_high + self.delta
                                             + self.c0 / (self.margin * self.q_high)):
            moderate = False  # a adds 2 m a to every profit: in floats it would swamp the differences that decide
        if moderate and self.q_high - self.q_low < _GAP_RATIO * self.q_high:
            moderate = False  # qualities so close that the float roots' rounding exceeds the differences that decide
        object.__setattr__(self, "_exact", None if moderate else _Exact(self))

    @property
    def gap(self) -> float:
        return self.q_high - self.q_low

    @property
    def pooled_belief(self) -> float:
        """mu_p = lambda q_H + (1 - lambda) q_L."""
        return self.prior_high * self.q_high + (1 - self.prior_high) * self.q_low

    def with_gap(self, gap: float) -> "OpenSourceGame":
        """The same game with q_L = q_H - gap (q_H held fixed); 0 < gap < q_H."""
        gap = real(gap, "gap", lo=0, hi=self.q_high, lo_open=True, hi_open=True)
        return replace(self, q_low=self.q_high - gap)

    def demand1(self, s, belief):
        """D1 = a + mu (beta + gamma s); s and belief finite reals or arrays (else ValueError/TypeError)."""
        return self._demand1(real_array(s, "s"), real_array(belief, "belief"))

    def demand2(self, s, quality):
        """D2 = a + beta q - delta s; s and quality finite reals or arrays (else ValueError/TypeError)."""
        return self._demand2(real_array(s, "s"), real_array(quality, "quality"))

    def profit(self, s, belief, quality):
        """pi(s, mu; q) = m (D1 + D2) - c0 s^2 / (2 q); vectorised in s and belief; quality > 0."""
        return self._profit(real_array(s, "s"), real_array(belief, "belief"),
                            real_array(quality, "quality", lo=0, lo_open=True))

    def _demand1(self, s, belief):
        return self.a + belief * (self.beta + self.gamma * np.asarray(s, dtype=float))

    def _demand2(self, s, quality):
        return self.a + self.beta * quality - self.delta * np.asarray(s, dtype=float)

    def _profit(self, s, belief, quality):
        s = np.asarray(s, dtype=float)
        return self.margin * (self._demand1(s, belief) + self._demand2(s, quality)) - self.c0 * (s * s) / (2 * quality)

    def solve(self, disclose: bool) -> "Outcome":
        """Equilibrium under disclosure (full information) or non-disclosure (selected PBE); see :func:`solve`."""
        return solve(self, disclose)


assert tuple(_RANGES) == tuple(f.name for f in fields(OpenSourceGame))  # one range per field, in order


@dataclass(frozen=True)
class TypeOutcome:
    """What one type does and gets: openness s, the consumers' belief mu, D1, D2 and profit."""

    openness: float
    belief: float
    demand1: float
    demand2: float
    profit: float


@dataclass(frozen=True)
class Outcome:
    """The equilibrium of one policy. ``regime`` is "full-information", "pooling" or "separating".

    ``separating_exists`` / ``pooling_exists`` say which candidates exist under non-disclosure (both None under
    disclosure); ``pooling_interval`` is the set of pooling openness levels (or None) and ``boundary`` the
    separating boundary r (upper root of A_L(q_H)).
    """

    game: OpenSourceGame
    disclose: bool
    regime: str
    high: TypeOutcome
    low: TypeOutcome
    separating_exists: bool | None = None
    pooling_exists: bool | None = None
    pooling_interval: tuple[float, float] | None = None
    boundary: float | None = None
    pooling_profit_high: float | None = None
    separating_profit_high: float | None = None


# ---------------------------------------------------------------------------------------------------------------
# building blocks (closed forms; chapter 3 derives each with sympy). Each public function validates its inputs and
# calls a private one that works on a float game (p = the OpenSourceGame) or its exact view (p = _Exact).


def _pi(p, s, belief, quality):
    """pi(s, mu; q) for one s, in plain scalar arithmetic (floats, or exact fractions): the same operations, in
    the same order, as the vectorised :meth:`OpenSourceGame._profit` (with s * s for s**2), without numpy's
    per-call overhead on scalars (the equilibrium solver evaluates it tens of times per game)."""
    return p.margin * ((p.a + belief * (p.beta + p.gamma * s)) + (p.a + p.beta * quality - p.delta * s)) \
        - p.c0 * (s * s) / (2 * quality)


def _d1(p, s, belief):
    return p.a + belief * (p.beta + p.gamma * s)


def _d2(p, s, quality):
    return p.a + p.beta * quality - p.delta * s


def _best_openness(p, quality, belief):
    x = quality * p.margin * (belief * p.gamma - p.delta) / p.c0
    if isinstance(p, OpenSourceGame):
        return min(max(x, 0.0), 1.0) + 0.0  # + 0.0: no negative zero
    return min(max(x, Fraction(0)), Fraction(1))


def _quality_belief(quality, belief):
    return (real(quality, "quality", lo=0, lo_open=True), real(belief, "belief", lo=0))


def best_openness(game: OpenSourceGame, quality: float, belief: float) -> float:
    """s*(q, mu) = clip(q m (mu gamma - delta) / c0, 0, 1): the openness that maximises pi(s, mu; q) on [0, 1].

    pi is a concave quadratic in s, so clipping the stationary point is exact. Full information: belief = quality.
    quality > 0 and belief >= 0 (finite), else ValueError.
    """
    p, (q, mu) = _view(game, *_quality_belief(quality, belief))
    return _out(_best_openness(p, q, mu), "the best openness")


def _best_profit(p, quality, belief):
    return _pi(p, _best_openness(p, quality, belief), belief, quality)


def _acceptance_interval(p, quality, belief):
    if belief == p.q_low:  # pi(s, q_L; q) >= max_s pi(s, q_L; q) only at the maximiser: the double root
        s = _best_openness(p, quality, belief)  # s*(q, q_L), which the float discriminant's rounding can lose
        return s, s
    A = p.c0 / (2 * quality)
    B = p.margin * (belief * p.gamma - p.delta)
    C = p.margin * (2 * p.a + belief * p.beta + p.beta * quality) - _best_profit(p, quality, p.q_low)
    roots = _roots(A, B, C)
    if belief > p.q_low:
        # the set contains s*(q, q_L) (the profit rises with the belief), so it is never empty and its ends
        # straddle that point; near q_L the float roots can lose it by rounding (a tiny discriminant or root)
        s_o = _best_openness(p, quality, p.q_low)
        roots = (s_o, s_o) if roots is None else (min(roots[0], s_o), max(roots[1], s_o))
    elif roots is None:
        return None
    lo, hi = roots
    if isinstance(p, OpenSourceGame):
        lo, hi = max(lo, 0.0), min(hi, 1.0)
    else:
        lo, hi = max(lo, Fraction(0)), min(hi, Fraction(1))
    return (lo, hi) if lo <= hi else None


def acceptance_interval(game: OpenSourceGame, quality: float, belief: float) -> tuple[float, float] | None:
    """A_q(mu) = {s in [0, 1]: pi(s, mu; q) >= V_q}, V_q = max_s pi(s, q_L; q) (type q taken for L).

    pi(s, mu; q) - V_q = -c0 s^2 / (2q) + m (mu gamma - delta) s + C,  C = m(2a + mu beta + beta q) - V_q, so the
    set is [lower root, upper root] of that quadratic, intersected with [0, 1]; None if empty. quality > 0 and
    belief >= 0 (finite), else ValueError.
    """
    p, (q, mu) = _view(game, *_quality_belief(quality, belief))
    interval = _acceptance_interval(p, q, mu)
    return None if interval is None else tuple(_out(x, "an end of the acceptance interval") for x in interval)


def _separating_boundary(p):
    qL, m = p.q_low, p.margin
    B = m * (p.q_high * p.gamma - p.delta)
    s_l = _best_openness(p, qL, qL)
    gain_l = m * (qL * p.gamma - p.delta) * s_l - p.c0 * s_l**2 / (2 * qL)
    C = m * p.beta * p.gap - gain_l  # may be < 0; the discriminant is > 0 since L gains from mimicking at s_l
    # B + sqrt(B^2 + D) without cancellation when B < 0, in floats too (at margin 1e20 with c0 near 1 and
    # q_H gamma < delta the plain sum lost r, and a pooling game was called separating)
    D = 2 * p.c0 / qL * C
    disc = B * B + D
    if disc <= 0:
        return qL / p.c0 * B
    root = _sqrt(disc)
    return qL / p.c0 * (B + root if B >= 0 else D / (root - B))


def separating_boundary(game: OpenSourceGame) -> float:
    """r: the upper root of pi(s, q_H; q_L) = pi(s_FI(q_L), q_L; q_L), i.e. the least openness at which L no
    longer wants to be taken for H (may exceed 1: then separation is impossible with s <= 1).

    r = (q_L / c0) [m (q_H gamma - delta) + sqrt(m^2 (q_H gamma - delta)^2 + (2 c0 / q_L)(m beta (q_H - q_L) - G_L))]
    with G_L = max_s [m (q_L gamma - delta) s - c0 s^2 / (2 q_L)] L's full-information gain from openness.
    Raises ValueError if r lies beyond the float range.
    """
    p, _ = _view(game)
    return _out(_separating_boundary(p), "the separating boundary r")


@dataclass(frozen=True)
class _Candidate:
    high_s: float
    low_s: float
    high_belief: float
    low_belief: float


def _least_cost_separating(p, boundary=None):
    """(boundary: _separating_boundary(p) if the caller has it already.)"""
    r = _separating_boundary(p) if boundary is None else boundary
    s_h = max(_best_openness(p, p.q_high, p.q_high), r)
    accept = _acceptance_interval(p, p.q_high, p.q_high)
    rel, absolute = _tol(p)
    if accept is None or s_h > accept[1] * (1 + rel) + absolute:
        return None
    s_h = min(s_h, accept[1])
    return _Candidate(s_h, _best_openness(p, p.q_low, p.q_low), p.q_high, p.q_low)


def _public(candidate: _Candidate | None):
    if candidate is None:
        return None
    return _Candidate(*(_out(x, "a candidate's openness or belief") for x in (
        candidate.high_s, candidate.low_s, candidate.high_belief, candidate.low_belief)))


def least_cost_separating(game: OpenSourceGame) -> _Candidate | None:
    """The separating PBE best for H (Riley 1979): L at s_FI(q_L); H at max(s_FI(q_H), r) if that lies in
    A_H(q_H) (then also <= 1); None if no separating equilibrium exists."""
    p, _ = _view(game)
    return _public(_least_cost_separating(p))


def _pooling_interval(p):
    mu = p.pooled_belief
    a_l, a_h = _acceptance_interval(p, p.q_low, mu), _acceptance_interval(p, p.q_high, mu)
    if a_l is None or a_h is None:
        return None
    lo, hi = max(a_l[0], a_h[0]), min(a_l[1], a_h[1])
    return (lo, hi) if lo <= hi else None


def pooling_interval(game: OpenSourceGame) -> tuple[float, float] | None:
    """A_L(mu_p) intersected with A_H(mu_p): the openness levels at which both types pool (None if empty)."""
    p, _ = _view(game)
    interval = _pooling_interval(p)
    return None if interval is None else tuple(_out(x, "an end of the pooling interval") for x in interval)


def _best_pooling(p, interval=False):
    """(interval: _pooling_interval(p) if the caller has it already, which may be None.)"""
    if interval is False:
        interval = _pooling_interval(p)
    if interval is None:
        return None
    mu = p.pooled_belief
    s = _best_openness(p, p.q_high, mu)
    s = min(max(s, interval[0]), interval[1])
    return _Candidate(s, s, mu, mu)


def best_pooling(game: OpenSourceGame) -> _Candidate | None:
    """The pooling PBE best for H: s*(q_H, mu_p) clipped to the pooling interval (None if there is none)."""
    p, _ = _view(game)
    return _public(_best_pooling(p))


_TYPE = {True: "H", False: "L"}


def _type_outcome(p, s, belief, quality, cost, label) -> TypeOutcome:
    return TypeOutcome(_out(s, f"{label}'s openness"), _out(belief, f"{label}'s belief"),
                       _out(_d1(p, s, belief), f"{label}'s period-1 demand D1"),
                       _out(_d2(p, s, quality), f"{label}'s period-2 demand D2"),
                       _out(_pi(p, s, belief, quality) - cost, f"{label}'s profit"))


def _audit_fee(p, quality):
    return p.audit_cost * (p.q_high - quality) / (quality * p.q_high)


def audit_fee(game: OpenSourceGame, quality: float) -> float:
    """F(q) = phi (1/q - 1/q_H) = phi (q_H - q) / (q q_H): the lump sum a disclosing vendor of quality q pays for
    the audit when ``audit_cost`` = phi (0 for q = q_H, largest for the worst model). 0 < quality <= q_high
    (finite), else ValueError; a fee beyond the float range raises ValueError."""
    _check_game(game)
    q = real(quality, "quality", lo=0, hi=game.q_high, lo_open=True)
    p, (q,) = _view(game, q)
    return _out(_audit_fee(p, q), "the audit fee")


def solve(game: OpenSourceGame, disclose: bool) -> Outcome:
    """Disclosure: each type plays s_FI(q) with mu = q and pays ``disclosure_cost`` + :func:`audit_fee` (lump
    sums: they change the profits, not the openness or the demands). Non-disclosure: the
    least-cost separating or H-best pooling PBE, whichever H prefers (Mailath et al. 1993); tie -> separating
    (a difference below 1e-12 of H's pooling profit net of 2 m a counts as a tie; so at gaps below about 1e-12 q_H,
    where the two candidates differ by less, the tie rule selects separating although pooling is strictly better
    for H: chapter 3's small-gap proposition is about the exact game)."""
    flag(disclose, "disclose")
    p, _ = _view(game)
    qH, qL = p.q_high, p.q_low
    if disclose:
        F = p.disclosure_cost
        return Outcome(game, True, "full-information",
                       _type_outcome(p, _best_openness(p, qH, qH), qH, qH, F + _audit_fee(p, qH), "H"),
                       _type_outcome(p, _best_openness(p, qL, qL), qL, qL, F + _audit_fee(p, qL), "L"))
    r, interval = _separating_boundary(p), _pooling_interval(p)
    sep, pool = _least_cost_separating(p, r), _best_pooling(p, interval)
    pi_sep = None if sep is None else _pi(p, sep.high_s, qH, qH)
    pi_pool = None if pool is None else _pi(p, pool.high_s, pool.high_belief, qH)
    if sep is None and pool is None:
        raise NoEquilibriumError(f"no pure-strategy PBE with off-path belief q_L for {game!r}")
    # relative to the profit net of the constant 2 m a: the same verdict at every profit scale (margin 1e-11 or
    # 1e11) and for every a
    scale = 0 if pi_pool is None else abs(pi_pool - 2 * p.margin * p.a)
    tie = _TIE if isinstance(p, OpenSourceGame) else Fraction(_TIE)
    if pool is None or (sep is not None and pi_sep >= pi_pool - tie * scale):
        chosen, regime = sep, "separating"
    else:
        chosen, regime = pool, "pooling"
    return Outcome(game, False, regime,
                   _type_outcome(p, chosen.high_s, chosen.high_belief, qH, 0, "H"),
                   _type_outcome(p, chosen.low_s, chosen.low_belief, qL, 0, "L"),
                   separating_exists=sep is not None, pooling_exists=pool is not None,
                   pooling_interval=None if interval is None else tuple(
                       _out(x, "an end of the pooling interval") for x in interval),
                   boundary=_out(r, "the separating boundary r"),
                   pooling_profit_high=None if pi_pool is None else _out(pi_pool, "H's pooling profit"),
                   separating_profit_high=None if pi_sep is None else _out(pi_sep, "H's separating profit"))


@dataclass(frozen=True)
class VoluntaryOutcome:
    """The equilibrium when each type chooses whether to disclose (see :func:`voluntary_disclosure`).

    ``high_discloses`` / ``low_discloses``: the disclosure choices; ``high`` / ``low``: what each type then does and
    gets (profit net of what it pays for disclosing); ``loss_high``: H's loss from asymmetric information,
    pi_FI(q_H) - pi_H(committed non-disclosure); ``cost_high``: what disclosing costs H (disclosure_cost +
    audit_fee(q_H) = disclosure_cost)."""

    game: OpenSourceGame
    high_discloses: bool
    low_discloses: bool
    high: TypeOutcome
    low: TypeOutcome
    loss_high: float
    cost_high: float


def voluntary_disclosure(game: OpenSourceGame) -> VoluntaryOutcome:
    """Voluntary, verifiable disclosure (Grossman 1981; Milgrom 1981; Jovanovic 1982): each type first chooses
    whether to disclose q (paying disclosure_cost + audit_fee(q)), then its openness; consumers see the choice.

    Pure-strategy equilibria, with silence read as L when H discloses and disclosure believed (it is verifiable):

    - H discloses, L is silent: silence reveals L, so L plays s_FI(q_L) and gets V_L = pi_FI(q_L) (it never gains
      by paying to reveal what silence reveals); a silent H would be taken for L and get V_H. An equilibrium iff
      pi_FI(q_H) - cost_H >= V_H.
    - Nobody discloses: silence is uninformative and the committed non-disclosure equilibrium (:func:`solve`) is
      played. An equilibrium iff pi_H(non-disclosure) >= pi_FI(q_H) - cost_H (L never gains by disclosing, since
      it gets at least V_L without).

    The one H prefers is selected, as in :func:`solve`: H discloses iff its loss from asymmetric information is at
    least its cost, pi_FI(q_H) - pi_H(ND) >= cost_H (a tie goes to disclosure; the same 1e-12 relative tolerance).
    With costless disclosure, or the audit cost (F(q_H) = 0), H always discloses and the market unravels: L, silent,
    is recognised for free. (L disclosing too is an equilibrium only when disclosure is free for L; it gives every
    type the same payoffs, so it is not listed.) Where committed non-disclosure has no pure-strategy PBE
    (:class:`NoEquilibriumError`), H disclosing is the only candidate: it is returned (``loss_high`` nan, as
    there is no non-disclosure profit to compare) if pi_FI(q_H) - cost_H >= V_H, else the error is raised.
    """
    p, _ = _view(game)
    d = solve(game, True)
    qH, qL = p.q_high, p.q_low
    s_h, s_l = _best_openness(p, qH, qH), _best_openness(p, qL, qL)
    cost_h = p.disclosure_cost + _audit_fee(p, qH)
    full_h = _pi(p, s_h, qH, qH)
    tie = _TIE if isinstance(p, OpenSourceGame) else Fraction(_TIE)
    low = _type_outcome(p, s_l, qL, qL, 0, "L")
    try:
        nd = solve(game, False)
    except NoEquilibriumError:  # no pure continuation after silence: H disclosing is the only candidate
        v_h = _best_profit(p, qH, qL)
        if full_h - cost_h >= v_h - tie * abs(full_h - 2 * p.margin * p.a):
            return VoluntaryOutcome(game, True, False, d.high, low, math.nan, _out(cost_h, "H's cost"))
        raise
    if isinstance(p, OpenSourceGame):
        pi_nd = nd.high.profit  # H's profit under committed non-disclosure (a float already)
    else:  # exact: recompute it without rounding
        chosen = _least_cost_separating(p) if nd.regime == "separating" else _best_pooling(p)
        pi_nd = _pi(p, chosen.high_s, chosen.high_belief, qH)
    loss = full_h - pi_nd
    if loss >= cost_h - tie * abs(full_h - 2 * p.margin * p.a):
        return VoluntaryOutcome(game, True, False, d.high, low, _out(loss, "H's loss"), _out(cost_h, "H's cost"))
    return VoluntaryOutcome(game, False, False, nd.high, nd.low, _out(loss, "H's loss"), _out(cost_h, "H's cost"))


@dataclass(frozen=True)
class HybridOutcome:
    """A semi-separating (hybrid) PBE: H plays ``openness``; L plays it with probability ``mix_low`` and
    s_FI(q_L) otherwise. ``belief`` is the consumers' belief at H's openness (Bayes' rule); ``high`` is what H
    does and gets there, ``low_apart`` / ``low_with_high`` what L gets at s_FI(q_L) (recognised) and at H's openness
    (the same profit: L is indifferent)."""

    game: OpenSourceGame
    openness: float
    mix_low: float
    belief: float
    high: TypeOutcome
    low_apart: TypeOutcome
    low_with_high: TypeOutcome


def hybrid_equilibrium(game: OpenSourceGame) -> HybridOutcome | None:
    """The semi-separating PBE H prefers, where separation is impossible (the separating boundary r > 1), with
    the off-path belief q_L; None if there is none of this kind (or r <= 1, where the least-cost separating PBE is
    the limit of these as L's mixing probability goes to 0).

    H plays s_h, L plays s_h with probability sigma and s_FI(q_L) otherwise. At s_FI(q_L) L is recognised and gets
    V_L; at s_h the belief is mu = (lambda q_H + (1 - lambda) sigma q_L) / (lambda + (1 - lambda) sigma). L mixes
    only if indifferent, pi(s_h, mu; q_L) = V_L; pi is linear in mu with slope m (beta + gamma s), so

        mu*(s_h) = q_L + (V_L - pi(s_h, q_L; q_L)) / (m (beta + gamma s_h)),
        sigma = lambda (q_H - mu*) / ((1 - lambda)(mu* - q_L)),

    which needs mu_p <= mu* < q_H (sigma in (0, 1]). H then gets V_L + Delta(s_h), with Delta(s) = pi(s, mu; q_H) -
    pi(s, mu; q_L) = m beta (q_H - q_L) + c0 s^2 (1/q_L - 1/q_H) / 2 increasing in s, so H prefers the largest
    feasible s_h, which is s_h = 1 when r > 1 and L does not accept 1 at the pooled belief; H must also accept:
    V_L + Delta(1) >= V_H. Chapter 3 computes these where no pure-strategy PBE exists and checks them by an
    independent route (the mixing probability found by root finding on L's indifference, both types' deviations by
    search)."""
    p, _ = _view(game)
    qH, qL, lam = p.q_high, p.q_low, p.prior_high
    if not _separating_boundary(p) > 1:
        return None
    one = 1.0 if isinstance(p, OpenSourceGame) else Fraction(1)
    accept_pool = _acceptance_interval(p, qL, p.pooled_belief)
    if accept_pool is not None and accept_pool[1] >= one:
        return None  # L accepts s = 1 at the pooled belief: no mixing makes it indifferent there
    s_l = _best_openness(p, qL, qL)
    v_l = _pi(p, s_l, qL, qL)
    mu = qL + (v_l - _pi(p, one, qL, qL)) / (p.margin * (p.beta + p.gamma * one))
    if not p.pooled_belief <= mu < qH:
        return None
    high_profit = _pi(p, one, mu, qH)
    if high_profit < _best_profit(p, qH, qL):  # H would rather be taken for L
        return None
    sigma = lam * (qH - mu) / ((1 - lam) * (mu - qL))
    return HybridOutcome(game, _out(one, "H's openness"), _out(min(sigma, one), "L's mixing probability"),
                         _out(mu, "the belief at H's openness"),
                         _type_outcome(p, one, mu, qH, 0, "H"), _type_outcome(p, s_l, qL, qL, 0, "L"),
                         _type_outcome(p, one, mu, qL, 0, "L"))


# ---------------------------------------------------------------------------------------------------------------
# the threshold gap

_MAX_SCAN = 10_000  # largest n_scan (each scan point costs one equilibrium: about 0.1 ms, 1-3 ms in exact mode)


def _separating_score(game: OpenSourceGame) -> float:
    """> = 0 iff non-disclosure selects separating. If a separating PBE exists: pi_H(sep) - pi_H(best pool)
    (+inf without pooling); otherwise minus the amount by which it fails (boundary above 1 or above A_H's end)."""
    p, _ = _view(game)
    sep = _least_cost_separating(p)
    if sep is None:
        accept = _acceptance_interval(p, p.q_high, p.q_high)
        r = _separating_boundary(p)
        if isinstance(p, OpenSourceGame):
            return -max(r - (accept[1] if accept else 0.0), 1e-300)
        return _signed(-max(r - (accept[1] if accept else 0), Fraction(1, 10**300)))
    pool = _best_pooling(p)
    if pool is None:
        return math.inf
    return _signed(_pi(p, sep.high_s, p.q_high, p.q_high) - _pi(p, pool.high_s, pool.high_belief, p.q_high))


def max_gap(game: OpenSourceGame) -> float:
    """The largest valid gap with q_H fixed: q_L > 0 and a + beta q_L >= delta."""
    p, _ = _view(game)
    if isinstance(p, OpenSourceGame):
        q_min = max(0.0, (game.delta - game.a) / game.beta)
        return game.q_high - q_min
    return _out(p.q_high - max(Fraction(0), (p.delta - p.a) / p.beta), "the largest gap")


def regime_along_gap(game: OpenSourceGame, gaps) -> np.ndarray:
    """The non-disclosure regime ("pooling"/"separating") at each gap (q_H and the other parameters fixed);
    at most 100 000 gaps, each in (0, q_H) (else ValueError)."""
    _check_game(game)
    gaps = real_array(gaps, "gaps")
    if gaps.size > 100_000:
        raise ValueError(f"gaps must have at most 100000 entries (one equilibrium each); got {gaps.size}")
    return np.array([solve(game.with_gap(float(g)), False).regime for g in gaps])


@dataclass(frozen=True)
class Switch:
    """A gap at which the non-disclosure regime changes, and in which direction (regime below -> above)."""

    gap: float
    below: str
    above: str


def _gap_range(game: OpenSourceGame, gap_range) -> tuple[float, float]:
    top = max_gap(game)
    if gap_range is None:
        lo, hi = 0.01 * top, 0.99 * top
    else:
        if isinstance(gap_range, (str, bytes)) or not hasattr(gap_range, "__len__") or len(gap_range) != 2:
            raise InputTypeError(f"gap_range must be a pair (lo, hi) or None; got {gap_range!r:.80}")
        lo, hi = gap_range
    lo, hi = real(lo, "gap_range[0]"), real(hi, "gap_range[1]")
    if not 0 < lo < hi < top:
        raise ValueError(f"gap_range must satisfy 0 < lo < hi < {top:.6g} (the largest valid gap); got {(lo, hi)}")
    return lo, hi


def regime_switches(game: OpenSourceGame, gap_range: tuple[float, float] | None = None, n_scan: int = 64,
                    xtol: float = 1e-10) -> tuple[Switch, ...]:
    """Every change of the non-disclosure regime along the gap g = q_H - q_L (q_H fixed).

    The regime is evaluated on ``n_scan`` equally spaced gaps in ``gap_range`` (default: 1% to 99% of the valid
    range (0, :func:`max_gap`)); each change between neighbours is located by ``scipy.optimize.brentq`` on the
    separating score (pi_H(separating) - pi_H(best pooling), or minus the margin by which no separating PBE
    exists), which is >= 0 exactly when separating is selected. Regions narrower than the scan step can be missed.
    Bounded cost: 2 <= n_scan <= 10 000 (an integer) and xtol > 0; brentq stops after its default 100 iterations.
    """
    _check_game(game)
    lo, hi = _gap_range(game, gap_range)
    try:
        n_scan = integer(n_scan, "n_scan", lo=2, hi=_MAX_SCAN)
    except InputTypeError as exc:  # historically a ValueError naming n_scan; InputTypeError is both
        raise InputTypeError(str(exc)) from None
    xtol = real(xtol, "xtol", lo=0, lo_open=True)
    gaps = np.linspace(lo, hi, n_scan)
    sep = np.array([_separating_score(game.with_gap(g)) >= 0 for g in gaps])
    f: Callable[[float], float] = lambda g: _separating_score(game.with_gap(g))
    switches = []
    for i in np.flatnonzero(sep[:-1] != sep[1:]):
        # brentq needs f(a) f(b) < 0; a score of exactly 0 (a tie, which goes to separating) is nudged.
        fa, fb = f(gaps[i]), f(gaps[i + 1])
        if fa * fb < 0:
            root = optimize.brentq(f, gaps[i], gaps[i + 1], xtol=xtol)
        else:
            root = gaps[i] if fa == 0 else gaps[i + 1]
        names = ("pooling", "separating")
        switches.append(Switch(float(root), names[int(sep[i])], names[int(sep[i + 1])]))
    return tuple(switches)


def threshold(game: OpenSourceGame, gap_range: tuple[float, float] | None = None, n_scan: int = 64,
              xtol: float = 1e-10) -> float:
    """The quality gap g* = q_H - q_L (q_H and the other parameters of ``game`` fixed) above which non-disclosure
    is separating: the last pooling -> separating switch found by :func:`regime_switches`.

    The switch need not be unique: for some parameters (a low prior, a small gap) separation is selected, then
    pooling, then separating again. g* is defined as the *last* switch so that "gap > g* => separating" holds on
    the whole scanned range; :func:`regime_switches` lists all of them. Raises :class:`NoSwitchError` if the
    regime at the top of the range is pooling or if the regime is separating throughout. Bounded cost and argument
    checks as in :func:`regime_switches` (n_scan <= 10 000).
    """
    switches = regime_switches(game, gap_range, n_scan, xtol)
    lo, hi = _gap_range(game, gap_range)
    top_regime = solve(game.with_gap(hi), False).regime
    if top_regime != "separating" or not switches:
        raise NoSwitchError(f"no switch from pooling to separating for gaps in [{lo:.4g}, {hi:.4g}] "
                            f"(regime at the top: {top_regime}, switches: {len(switches)}); {game!r}")
    return switches[-1].gap


# ---------------------------------------------------------------------------------------------------------------
# the intuitive criterion (Cho and Kreps 1987), for comparison with the H-preferred selection


def _interval_at_least(p, quality, belief, level):
    """{s in R: pi(s, belief; quality) >= level} as (lower, upper) roots, or None if empty (not clipped)."""
    A = p.c0 / (2 * quality)
    B = p.margin * (belief * p.gamma - p.delta)
    C = p.margin * (2 * p.a + belief * p.beta + p.beta * quality) - level
    return _roots(A, B, C)


def intuitive_deviation(game: OpenSourceGame, pooling_openness: float) -> float | None:
    """An openness s' that breaks the pooling PBE at ``pooling_openness`` under the intuitive criterion, or None.

    s' must be equilibrium-dominated for L (even if believed H, L gets less than in the pooling equilibrium:
    pi(s', q_H; q_L) < pi_L*) and profitable for H if believed H (pi(s', q_H; q_H) > pi_H*). Returns the s' in
    [0, 1] that H likes best among those that L would never want (a point just outside L's set is approximated by
    moving beyond the root by 1e-9 or by half the window in which H still gains, whichever is smaller: at small gaps
    that window is narrower than 1e-9), or None if every such s' leaves H no better off: the pooling PBE survives.
    A gain below 1e-12 of the two profits counts as a tie. Chapter 3 proves that the criterion breaks the pooling PBE
    iff L's set ends below s = 1, i.e. iff pi(1, q_H; q_L) < pi_L* (above its end L loses and H gains, since
    pi_H - pi_L rises with s); so it breaks it in every game with a separating PBE, except where L's set ends
    exactly at 1. That sign, and H's gain against the tie, are decided as in exact arithmetic on the game's
    parameters: a float difference within 1e-12 of the sum of the magnitudes of its terms (far above its rounding
    error, below 2e-15 of that sum) is settled by recomputing in fractions.
    ``pooling_openness`` must be a finite real in [0, 1] (else ValueError).
    """
    s = real(pooling_openness, "pooling_openness", lo=0, hi=1)
    p, (s,) = _view(game, s)
    best = _intuitive_deviation(p, s)
    if best is _UNSURE:  # a float sign within its rounding guard: decided in exact arithmetic instead
        best = _intuitive_deviation(game._exact if game._exact is not None else _Exact(game), Fraction(s))
    return None if best is None else _out(best, "the deviation")


_UNSURE = object()
_GUARD = 1e-12  # a float difference of profits within _GUARD x (the sum of its terms' magnitudes) is recomputed in
#                 fractions: each profit is a dozen roundings of terms that are all >= 0 for s in [0, 1], so its
#                 error is below 2e-15 of that sum (at q_L = 0.8, beta = gamma = 2, delta = 0.95, c0 = 2 and s_p = 0
#                 the float profits put the end of L's set 3.3e-16 below 1, and s' = 1 - 2.2e-16 was returned, where
#                 exactly it ends above 1 and no deviation exists)


def _size(p, s, belief, quality):
    """The sum of the magnitudes of the terms of pi(s, belief; quality): a bound on its float evaluation's scale."""
    return p.margin * (2 * p.a + belief * (p.beta + p.gamma * s) + p.beta * quality + p.delta * s) \
        + p.c0 * (s * s) / (2 * quality)


def _intuitive_deviation(p, s):
    """intuitive_deviation on the float game or its exact view; on the float game, _UNSURE where a sign that
    decides the answer lies within its rounding guard."""
    exact = not isinstance(p, OpenSourceGame)
    mu, qH, qL = p.pooled_belief, p.q_high, p.q_low
    pi_l, pi_h = _pi(p, s, mu, qL), _pi(p, s, mu, qH)
    one = Fraction(1) if exact else 1.0
    # the verdict's sign (chapter 3): the criterion can break the PBE only if L loses at s = 1 even if believed H
    top = pi_l - _pi(p, one, qH, qL)
    if not exact and abs(top) <= _GUARD * (_size(p, s, mu, qL) + _size(p, one, qH, qL)):
        return _UNSURE
    if top <= 0:  # L's set reaches s = 1: no openness above it is dominated for L, and below it H never gains
        return None
    keep = _interval_at_least(p, qL, qH, pi_l)  # L would want these if believed H
    gains = _interval_at_least(p, qH, qH, pi_h)  # H would (weakly) gain at these if believed H
    step = Fraction(1, 10**9) if exact else 1e-9
    candidates = [0, 1, _best_openness(p, qH, qH)] if exact else [0.0, 1.0, _best_openness(p, qH, qH)]
    if keep is not None:
        # Below L's set H never gains: its gain there is L's (negative) plus Delta(s) - Delta(s_p), negative too
        # since s < s_p (pi_H - pi_L rises with s; chapter 3). So the candidate beyond L's set is just above
        # its upper end, inside the window where H gains, however narrow.
        up = step
        if gains is not None and keep[1] < gains[1] and keep[1] < 1:
            up = min(step, (min(gains[1], 1) - keep[1]) / 2)
        candidates.append(keep[1] + up)
    const = 2 * p.margin * p.a  # in every profit: the threshold is relative to the rest (scale- and a-free)
    min_gain = (Fraction(1, 10**12) if exact else 1e-12) * (abs(pi_h - const) + abs(pi_l - const))
    best = None
    for c in candidates:
        # s = 1 lies outside L's set (top > 0, decided above), whatever the rounding of the roots' ends
        if not 0 <= c <= 1 or (c != 1 and keep is not None and keep[0] <= c <= keep[1]):
            continue
        gain = _pi(p, c, qH, qH) - pi_h
        if not exact and abs(gain - min_gain) <= _GUARD * (_size(p, c, qH, qH) + _size(p, s, mu, qH)):
            return _UNSURE
        if gain > min_gain and (best is None or gain > best[0]):
            best = (gain, c)
    return None if best is None else best[1]

# ---------------------------------------------------------------------------------------------------------------
# the abstract's claims, evaluated over parameter draws


def random_games(n: int, seed: int = 2026, **fixed) -> tuple[OpenSourceGame, ...]:
    """``n`` games with q_H = 1, a = 1, m = 1 and, independently and uniformly, gap in (0.02, 0.95),
    lambda in (0.1, 0.9), beta in (0.2, 2), gamma in (0, 2), delta in (0, 1), c0 in (0.5, 4); keyword arguments
    fix any parameter (e.g. ``disclosure_cost=0.05``). All draws satisfy the validity rules.
    0 <= n <= 100 000 and seed >= 0 (integers), else ValueError."""
    n = integer(n, "n", lo=0, hi=100_000)
    rng = np.random.default_rng(integer(seed, "seed", lo=0))
    games = []
    for _ in range(n):
        draw = dict(q_high=1.0, q_low=1.0 - rng.uniform(0.02, 0.95), prior_high=rng.uniform(0.1, 0.9), a=1.0,
                    beta=rng.uniform(0.2, 2.0), gamma=rng.uniform(0.0, 2.0), delta=rng.uniform(0.0, 1.0),
                    margin=1.0, c0=rng.uniform(0.5, 4.0))
        draw.update(fixed)
        games.append(OpenSourceGame(**draw))
    return tuple(games)


_EPS = 1e-9


def _gt(x, y):
    return x > y + _EPS * max(1.0, abs(y))


def _eq(x, y):
    return abs(x - y) <= _EPS * max(1.0, abs(y))


@dataclass(frozen=True)
class Claim:
    """One claim of the abstract. ``applies(nd, d)`` says whether a draw is about this claim (e.g. the pooling
    regime); ``strict`` and ``weak`` test it on the non-disclosure outcome ``nd`` and disclosure outcome ``d``
    (``weak`` allows equality, e.g. "higher" read as "at least as high")."""

    key: str
    text: str
    applies: Callable
    strict: Callable
    weak: Callable
    regime: str | None = None
    column: str | None = None
    sign: int = 0


def _pool(nd, d):
    return nd.regime == "pooling"


def _sep(nd, d):
    return nd.regime == "separating"


def _all(nd, d):
    return True


def _cmp(getter, sign):
    """(strict, weak) tests of "non-disclosure value is lower (sign=-1) / higher (sign=+1) than disclosure"."""
    def strict(nd, d):
        x, y = getter(nd), getter(d)
        return _gt(x, y) if sign > 0 else _gt(y, x)

    def weak(nd, d):
        x, y = getter(nd), getter(d)
        return not (_gt(y, x) if sign > 0 else _gt(x, y))
    return strict, weak


def _same_low(nd, d):
    return all(_eq(getattr(nd.low, k), getattr(d.low, k)) for k in ("openness", "demand1", "demand2"))


_APPLIES = {"_pool": "pooling", "_sep": "separating", "_all": None}


def _claim(key, text, applies, column, sign):
    """A claim comparing the outcome attribute ``column`` ("high.openness", ...) of nd and d."""
    side, name = column.split(".")
    strict, weak = _cmp(lambda o: getattr(getattr(o, side), name), sign)
    return Claim(key, text, applies, strict, weak, _APPLIES[applies.__name__], column, sign)


CLAIMS = (
    _claim("pool.H.openness", "Pooling: H's openness is lower than under disclosure", _pool,
           "high.openness", -1),
    _claim("pool.H.D1", "Pooling: H's period-1 demand is lower", _pool, "high.demand1", -1),
    _claim("pool.H.D2", "Pooling: H's period-2 demand is higher", _pool, "high.demand2", +1),
    _claim("pool.L.openness", "Pooling: L's openness is higher (the opposite of H)", _pool,
           "low.openness", +1),
    _claim("pool.L.D1", "Pooling: L's period-1 demand is higher", _pool, "low.demand1", +1),
    _claim("pool.L.D2", "Pooling: L's period-2 demand is lower", _pool, "low.demand2", -1),
    _claim("sep.H.openness", "Separating: H's openness is higher than under disclosure", _sep,
           "high.openness", +1),
    _claim("sep.H.D1", "Separating: H's period-1 demand is higher", _sep, "high.demand1", +1),
    _claim("sep.H.D2", "Separating: H's period-2 demand is lower", _sep, "high.demand2", -1),
    Claim("sep.L.same", "Separating: L's openness and demands are unaffected", _sep, _same_low, _same_low,
          "separating", None, 0),
    _claim("profit.H", "Disclosure always raises H's profit", _all, "high.profit", -1),
    _claim("profit.L.sep", "Disclosure lowers L's profit when the gap is large (separating)", _sep,
           "low.profit", +1),
    _claim("profit.L.pool", "(not in the abstract) Disclosure lowers L's profit when the gap is small (pooling)",
           _pool, "low.profit", +1),
)
"""The abstract's claims on outcomes, as tests comparing non-disclosure (nd) with disclosure (d): each getter is
read off both outcomes and compared ("disclosure raises H's profit" = H's profit under nd is lower than under d)."""

_COLUMNS = tuple(f"{side}.{name}" for side in ("high", "low")
                 for name in ("openness", "belief", "demand1", "demand2", "profit"))


def outcome_table(outcomes) -> dict:
    """The outcomes of many games as columns: ``"regime"`` (an array of str) and one float array per
    ``"high.openness"``, ``"high.belief"``, ..., ``"low.profit"`` (each :class:`TypeOutcome` field of each type).
    ``outcomes``: a non-empty sequence of :class:`Outcome` (else ValueError)."""
    outcomes = _sequence_of(outcomes, Outcome, "outcomes", "an Outcome")
    table = {"regime": np.array([o.regime for o in outcomes])}
    for side in ("high", "low"):
        values = np.array([(t.openness, t.belief, t.demand1, t.demand2, t.profit)
                           for t in (getattr(o, side) for o in outcomes)], dtype=float)
        for j, name in enumerate(("openness", "belief", "demand1", "demand2", "profit")):
            table[f"{side}.{name}"] = values[:, j]
    return table


def _gt_array(x, y):
    return x > y + _EPS * np.maximum(1.0, np.abs(y))


def claim_table(claim: Claim, nd_table: dict, d_table: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(applies, strict, weak): boolean arrays saying, game by game, whether ``claim`` applies and whether it
    holds as stated and weakly, from :func:`outcome_table` columns of non-disclosure and disclosure outcomes of
    the same games: the vectorised form of ``claim.applies``, ``claim.strict`` and ``claim.weak`` (the same
    comparisons with the same 1e-9 relative tolerance; strict and weak are False where the claim does not apply).
    """
    if not isinstance(claim, Claim) or (claim.column is None and claim.key != "sep.L.same"):
        raise InputTypeError(f"claim must be one of lib.signaling.CLAIMS (a Claim with a column); got {claim!r:.80}")
    for name, table in (("nd_table", nd_table), ("d_table", d_table)):
        if not isinstance(table, dict) or set(table) != {"regime", *_COLUMNS}:
            raise InputTypeError(f"{name} must be a table from lib.signaling.outcome_table")
    n = nd_table["regime"].shape
    if d_table["regime"].shape != n:
        raise ValueError(f"nd_table and d_table must describe the same games; got {n[0]} and "
                         f"{d_table['regime'].shape[0]} rows")
    applies = np.ones(n, dtype=bool) if claim.regime is None else nd_table["regime"] == claim.regime
    if claim.column is None:  # sep.L.same: L's openness and demands equal under both policies
        same = np.ones(n, dtype=bool)
        for name in ("low.openness", "low.demand1", "low.demand2"):
            x, y = nd_table[name], d_table[name]
            same &= np.abs(x - y) <= _EPS * np.maximum(1.0, np.abs(y))
        return applies, applies & same, applies & same
    x, y = nd_table[claim.column], d_table[claim.column]
    if claim.sign > 0:
        strict, weak = _gt_array(x, y), ~_gt_array(y, x)
    else:
        strict, weak = _gt_array(y, x), ~_gt_array(x, y)
    return applies, applies & strict, applies & weak


@dataclass(frozen=True)
class ClaimResult:
    """How often a claim holds over the draws it applies to: ``share_strict`` (as stated) and ``share_weak``
    (with equality allowed); ``verdict`` is "holds" (strict share 1), "fails" (0) or "holds for some parameters";
    ``counterexample`` is the first draw where it fails as stated (None if none)."""

    key: str
    text: str
    n_applicable: int
    share_strict: float
    share_weak: float
    verdict: str
    counterexample: OpenSourceGame | None


def _verdict(share: float) -> str:
    if share == 1.0:
        return "holds"
    if share == 0.0:
        return "fails"
    return "holds for some parameters"


def _sequence_of(items, cls, name: str, article: str) -> tuple:
    """``items`` as a non-empty tuple of ``cls`` instances, else InputTypeError/ValueError naming ``name``."""
    if isinstance(items, cls) or isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
        raise InputTypeError(f"{name} must be a sequence of {cls.__name__}; got {type(items).__name__}")
    items = tuple(items)
    if not items:
        raise ValueError(f"{name} must contain at least one {cls.__name__}; got an empty sequence")
    for i, item in enumerate(items):
        if not isinstance(item, cls):
            raise InputTypeError(f"{name}[{i}] must be {article}; got {type(item).__name__} {item!r:.80}")
    return items


def _games(games) -> tuple:
    return _sequence_of(games, OpenSourceGame, "games", "an OpenSourceGame")


def evaluate_claims(games, claims=CLAIMS) -> tuple[ClaimResult, ...]:
    """Evaluate each claim on every game it applies to (solving both policies once per game). ``games``: a
    non-empty sequence of :class:`OpenSourceGame` (else ValueError); a claim that applies to none of them gets
    verdict "not applicable" (its shares are then nan, as there is nothing to count)."""
    games = _games(games)
    outcomes = [(solve(g, False), solve(g, True)) for g in games]
    results = []
    for claim in claims:
        rows = [(nd, d) for nd, d in outcomes if claim.applies(nd, d)]
        if not rows:
            results.append(ClaimResult(claim.key, claim.text, 0, math.nan, math.nan, "not applicable", None))
            continue
        strict = [bool(claim.strict(nd, d)) for nd, d in rows]
        weak = [bool(claim.weak(nd, d)) for nd, d in rows]
        share = sum(strict) / len(rows)
        bad = next((nd.game for (nd, _), ok in zip(rows, strict) if not ok), None)
        results.append(ClaimResult(claim.key, claim.text, len(rows), share, sum(weak) / len(rows),
                                   _verdict(share), bad))
    return tuple(results)


def threshold_claims(games, n_scan: int = 48) -> tuple[ClaimResult, ...]:
    """The abstract's regime claims, for each draw's parameters with the gap varied (q_H fixed) over 1%-99% of
    its valid range: "small gap -> pooling" (the regime at the smallest gap), "large gap -> separating" (at the
    largest) and "one switch" (exactly one change, from pooling to separating, on the scan). ``games``: a
    non-empty sequence of :class:`OpenSourceGame`; 2 <= n_scan <= 10 000 (cost: n_scan equilibria per game)."""
    games = _games(games)
    rows = []
    for g in games:
        lo, hi = _gap_range(g, None)
        switches = regime_switches(g, (lo, hi), n_scan)
        first = solve(g.with_gap(lo), False).regime
        last = solve(g.with_gap(hi), False).regime
        rows.append((g, first == "pooling", last == "separating",
                     len(switches) == 1 and switches[0].below == "pooling"))
    out = []
    for j, (key, text) in enumerate([("gap.small", "Small gap: non-disclosure gives pooling"),
                                     ("gap.large", "Large gap: non-disclosure gives separating"),
                                     ("gap.single", "One switch from pooling to separating as the gap grows")]):
        ok = [r[j + 1] for r in rows]
        share = sum(ok) / len(rows)
        bad = next((r[0] for r in rows if not r[j + 1]), None)
        out.append(ClaimResult(key, text, len(rows), share, share, _verdict(share), bad))
    return tuple(out)
