"""The sealed-bid k-double auction of Chatterjee and Samuelson (1983): equilibria and how well they trade.

Model. A buyer with value v ~ F_B and a seller with cost c ~ F_S (independent, private) submit a bid b and an ask
s at the same time; if b >= s they trade at p = k b + (1 - k) s, k in [0, 1]; otherwise nothing happens.

What is here
------------
- :func:`linear_equilibrium`: the linear Bayesian Nash equilibrium for U[0, 1] values and costs,

      b(v) = v / (1 + k) + k (1 - k) / (2 (1 + k)),        s(c) = c / (2 - k) + (1 - k) / 2,

  (k = 1/2: b(v) = 1/12 + 2v/3, s(c) = 1/4 + 2c/3, trade iff v >= c + 1/4), and :func:`linear_outcomes`, its
  welfare in closed form: P(trade) = (1 + k)(2 - k)/8, gains = (1 + k)(2 - k)/16, buyer surplus =
  (2 - k)(1 + k)^2/48, seller surplus = (2 - k)^2 (1 + k)/48 (first best 1/6).
- :func:`one_price_equilibrium`: the step equilibria of Leininger, Linhart and Radner (1989): both sides name one
  price x when they gain from trading at x, and make a no-trade offer otherwise.
- :func:`outcomes` and :func:`first_best_gains`: welfare of *any* monotone strategies under *any* priors with
  finite support, by quadrature (method below), so linear, step and numerical equilibria are measured alike.
- :func:`best_response_gap`: an independent numerical equilibrium check (largest gain from deviating).
- :func:`simulate`: a seeded Monte Carlo estimate of the same welfare numbers, with standard errors.

Quadrature method (for :func:`outcomes` and :func:`best_response_gap`)
-------------------------------------------------------------------
Strategies must be vectorised and non-decreasing (checked on a grid of 4097 types). For a bid y the buyers who
trade are an interval {v >= sigma(y)}, sigma(y) = inf{v: b(v) >= y}; for a bid x the sellers who trade are
{c <= tau(x)}, tau(x) = sup{c: s(c) <= x}; both thresholds are found by vectorised bisection to 2^-60 of the
support, starting from the grid cell that brackets them (so a discontinuous strategy is handled exactly: the set is located, not sampled). Every remaining
integral is a composite 8-point Gauss-Legendre rule on at least 1024 panels, graded geometrically towards the ends
of the supports (for densities with a power singularity there), whose edges include (i) the jumps of
the strategies (found on the grid and located by bisection), (ii) their kinks (flagged by second differences),
(iii) the types at which the other side's threshold crosses a jump or plateau of a strategy or the end of
trade. Between edges the integrands are smooth, so the rule is accurate to about 1e-13 for the linear and step
equilibria (tests compare with the closed forms) and to about 1e-10 next to an undetected kink.

Limits (each raises ValueError or is stated here): supports within [-1e300, 1e300] ([-1e150, 1e150] for
:func:`best_response_gap`), at least 2e-3 max(|lo|, |hi|) wide (types are resolved to about 1e-16 max(|lo|, |hi|)); a density with an integrable power singularity at an end of its support
(Beta with a < 1 or b < 1) is integrated only down to 1e-14 of the width from that end, so the error is up to the
probability that lies closer to the end (3.5e-5 for Beta(0.3, 0.3); measured error 1.7e-5 of 0.56 there).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

import numpy as np
from scipy import optimize

from lib.distributions import uniform
from lib.validation import InputTypeError, integer, real, support_of

__all__ = [
    "LinearEquilibrium", "OnePriceEquilibrium", "Outcomes", "SimulatedOutcomes", "BestResponseGap",
    "linear_equilibrium", "linear_outcomes", "one_price_equilibrium", "one_price_outcomes", "outcomes",
    "first_best_gains", "best_response_gap", "simulate",
]

_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)
_N_GRID = 4097  # grid on which strategies are checked for monotonicity, jumps and kinks
_N_PANELS = 1024  # minimum number of quadrature panels on a support
_BISECT = 60


# --------------------------------------------------------------------------------------------------------------
# validation


_MAX_TYPE = 1e300  # support ends beyond this would overflow a + b
_MIN_RELATIVE_WIDTH = 2e-3  # narrower supports (relative to their distance from 0) lose the quadrature's accuracy


def _check_k(k) -> float:
    """k as a float in [0, 1]: ints, floats, numpy scalars, Fraction and sympy numbers (sp.Rational(1, 2))."""
    return real(k, "k", lo=0, hi=1)


def _check_count(n, name: str, minimum: int, maximum: int) -> int:
    return integer(n, name, lo=minimum, hi=maximum)


def support(dist, name: str) -> tuple[float, float]:
    """The support of a prior, checked: a frozen continuous scipy.stats distribution (else InputTypeError, both a
    TypeError and a ValueError) with valid parameters and a finite support [lo, hi] whose width is at least
    2e-3 max(|lo|, |hi|) (else ValueError naming the prior): the quadrature resolves types to about 1e-16
    max(|lo|, |hi|), so narrower supports far from 0 would give wrong welfare numbers; shift the types (only
    differences v - c and price offsets matter) to study them."""
    lo, hi = support_of(dist, name)
    if max(abs(lo), abs(hi)) > _MAX_TYPE:
        raise ValueError(f"{name}'s support [{lo!r}, {hi!r}] must lie within [-{_MAX_TYPE:g}, {_MAX_TYPE:g}] (sums of "
                         f"two types are formed; rescale the units)")
    if hi - lo < _MIN_RELATIVE_WIDTH * max(abs(lo), abs(hi)):
        raise ValueError(f"{name}'s support [{lo!r}, {hi!r}] is too narrow for its distance from 0: its width must "
                         f"be at least {_MIN_RELATIVE_WIDTH:g} max(|lo|, |hi|) (shift the types towards 0)")
    return lo, hi


def _pdf(dist, x):
    """dist.pdf(x), with an infinite density at an end of the support (a node rounded onto a singular end, e.g.
    Beta(0.3, 0.3) at 0) counted as 0: that single point carries no probability."""
    d = np.asarray(dist.pdf(x), dtype=float)
    return np.where(np.isfinite(d), d, 0.0)


def _vectorised(f: Callable, name: str) -> Callable:
    """Wrap a strategy so that it takes and returns float arrays of any shape; reject bad values loudly."""
    if not callable(f):
        raise TypeError(f"{name} must be a vectorised function of the type, e.g. lambda v: 0.1 + 0.6 * v")

    def g(x):
        x = np.asarray(x, dtype=float)
        if x.size == 0:
            return np.empty(x.shape)
        y = np.asarray(f(x.ravel()), dtype=float)
        y = np.broadcast_to(y, x.ravel().shape).reshape(x.shape)
        if not np.all(np.isfinite(y)):
            raise ValueError(f"{name} returned a non-finite value")
        return y

    return g


def _setup(bid, ask, buyer, seller, k):
    buyer = uniform() if buyer is None else buyer
    seller = uniform() if seller is None else seller
    v_sup = support(buyer, "buyer")
    c_sup = support(seller, "seller")
    k = _check_k(k)
    bid, ask = _vectorised(bid, "bid"), _vectorised(ask, "ask")
    return bid, ask, buyer, seller, v_sup, c_sup, k


# --------------------------------------------------------------------------------------------------------------
# closed forms for U[0, 1]


@dataclass(frozen=True)
class LinearEquilibrium:
    """Linear strategies b(v) = alpha_b + beta_b v and s(c) = alpha_s + beta_s c (Chatterjee-Samuelson 1983)."""

    k: float
    alpha_b: float
    beta_b: float
    alpha_s: float
    beta_s: float

    def bid(self, v):
        """The buyer's bid b(v) = alpha_b + beta_b v (numpy-vectorised)."""
        return self.alpha_b + self.beta_b * np.asarray(v, dtype=float)

    def ask(self, c):
        """The seller's ask s(c) = alpha_s + beta_s c (numpy-vectorised)."""
        return self.alpha_s + self.beta_s * np.asarray(c, dtype=float)

    @property
    def trade_threshold(self) -> tuple[float, float]:
        """(a, m) such that b(v) >= s(c) iff v >= a + m c; for k = 1/2, (1/4, 1)."""
        return ((self.alpha_s - self.alpha_b) / self.beta_b, self.beta_s / self.beta_b)


def linear_equilibrium(k: float = 0.5) -> LinearEquilibrium:
    """The linear equilibrium of the k-double auction with U[0, 1] values and costs.

    Solves the buyer's first-order condition v - b = k (b - alpha_s) and the seller's
    s - c = (1 - k)(alpha_b + beta_b - s) for linear strategies (coefficient matching), giving
    beta_b = 1/(1+k), alpha_b = k(1-k)/(2(1+k)), beta_s = 1/(2-k), alpha_s = (1-k)/2
    (Chatterjee and Samuelson 1983). ``k`` outside [0, 1] or nan raises ValueError.
    """
    k = _check_k(k)
    return LinearEquilibrium(k=k, alpha_b=k * (1 - k) / (2 * (1 + k)), beta_b=1 / (1 + k),
                             alpha_s=(1 - k) / 2, beta_s=1 / (2 - k))


@dataclass(frozen=True)
class Outcomes:
    """Ex-ante welfare: trade probability, gains E[(v - c) 1{trade}], buyer and seller surplus, first-best gains
    E[(v - c)^+] and efficiency = gains / first best."""

    trade_probability: float
    gains: float
    buyer_surplus: float
    seller_surplus: float
    first_best: float
    efficiency: float


def linear_outcomes(k: float = 0.5) -> Outcomes:
    """Closed-form welfare of :func:`linear_equilibrium` (U[0, 1] priors); trade iff v >= (1-k)/2 + c(1+k)/(2-k).

    P = (1+k)(2-k)/8, gains = (1+k)(2-k)/16, buyer (2-k)(1+k)^2/48, seller (2-k)^2(1+k)/48, first best 1/6.
    At k = 1/2: 9/32, 9/64, 9/128, 9/128, efficiency 27/32 -- the Myerson-Satterthwaite (1983) bound.
    """
    k = _check_k(k)
    gains = (1 + k) * (2 - k) / 16
    return Outcomes(trade_probability=(1 + k) * (2 - k) / 8, gains=gains, buyer_surplus=(2 - k) * (1 + k) ** 2 / 48,
                    seller_surplus=(2 - k) ** 2 * (1 + k) / 48, first_best=1 / 6, efficiency=6 * gains)


@dataclass(frozen=True)
class OnePriceEquilibrium:
    """Step equilibrium at price x (Leininger, Linhart and Radner 1989): the buyer bids x if v >= x and
    ``no_trade_bid`` otherwise; the seller asks x if c <= x and ``no_trade_ask`` otherwise."""

    price: float
    no_trade_bid: float
    no_trade_ask: float

    def bid(self, v):
        v = np.asarray(v, dtype=float)
        return np.where(v >= self.price, self.price, self.no_trade_bid)

    def ask(self, c):
        c = np.asarray(c, dtype=float)
        return np.where(c <= self.price, self.price, self.no_trade_ask)


def one_price_equilibrium(price: float, buyer=None, seller=None) -> OnePriceEquilibrium:
    """The one-price equilibrium at ``price``, which must lie in the overlap of the supports (for U[0, 1]: [0, 1]),
    or, for supports that do not overlap with every value at least every cost (v_lo >= c_hi), in [c_hi, v_lo].

    No-trade offers are the lowest and highest points of the joint support, so they never meet an offer of the
    other side at a profit; the equilibrium holds for every k (trade happens only at the price itself). For
    v_lo >= c_hi every buyer bids the price and every seller asks it (no type uses the no-trade offer), so every
    pair trades and the efficiency is 1 (lib.bne.one_price_member gives the same strategies as a BNEResult).
    ValueError if the buyer's support lies wholly below the seller's (no gains from trade) or the price is outside
    the range above.
    """
    buyer = uniform() if buyer is None else buyer
    seller = uniform() if seller is None else seller
    (v_lo, v_hi), (c_lo, c_hi) = support(buyer, "buyer"), support(seller, "seller")
    lo, hi = max(v_lo, c_lo), min(v_hi, c_hi)
    where = "the overlap of the supports: values and costs both possible"
    if not lo <= hi:
        if not c_hi <= v_lo:
            raise ValueError(f"the supports of buyer [{v_lo}, {v_hi}] and seller [{c_lo}, {c_hi}] must overlap, or "
                             f"have every value at least every cost (v_lo >= c_hi), for a one-price equilibrium; "
                             f"here every value is below every cost (no gains from trade)")
        lo, hi = c_hi, v_lo  # supports that do not overlap: every price between them makes every pair trade
        where = "[c_hi, v_lo] for supports that do not overlap: every value at least the price, every cost at most"
    try:
        price = real(price, "price", lo=lo, hi=hi)
    except ValueError as exc:  # InputTypeError stays an InputTypeError
        raise type(exc)(f"{exc} ({where})") from None
    return OnePriceEquilibrium(price=price, no_trade_bid=min(v_lo, c_lo), no_trade_ask=max(v_hi, c_hi))


def one_price_outcomes(price: float) -> Outcomes:
    """Closed form for U[0, 1]: trade iff c <= x <= v, P = x(1-x), gains = x(1-x)/2, buyer (1-x)^2 x/2,
    seller x^2 (1-x)/2; best at x = 1/2 with gains 1/8 (efficiency 3/4)."""
    x = one_price_equilibrium(price).price
    gains = x * (1 - x) / 2
    return Outcomes(trade_probability=x * (1 - x), gains=gains, buyer_surplus=(1 - x) ** 2 * x / 2,
                    seller_surplus=x ** 2 * (1 - x) / 2, first_best=1 / 6, efficiency=6 * gains)


# --------------------------------------------------------------------------------------------------------------
# quadrature machinery


def _scan(f, lo: float, hi: float, name: str):
    """Check that f is non-decreasing on a grid; return its jumps (located by bisection), kink intervals and
    plateau levels."""
    x = np.linspace(lo, hi, _N_GRID)
    y = f(x)
    d = np.diff(y)
    scale = max(float(np.max(np.abs(y))), 1.0)
    if np.any(d < -1e-12 * scale):
        i = int(np.argmin(d))
        raise ValueError(f"{name} must be non-decreasing in the type; it falls between {x[i]:.6g} and "
                         f"{x[i + 1]:.6g}")
    d = np.maximum(d, 0.0)
    span = float(y[-1] - y[0])
    neighbour = np.maximum(np.concatenate([[0.0], d[:-1]]), np.concatenate([d[1:], [0.0]]))
    jump = (d > 1e-12 * scale) & ((d > 8 * neighbour) | (d > 0.02 * span))
    a, b = x[:-1][jump].copy(), x[1:][jump].copy()
    target = 0.5 * (y[:-1][jump] + y[1:][jump])
    for _ in range(_BISECT):
        m = 0.5 * (a + b)
        below = f(m) < target
        a, b = np.where(below, m, a), np.where(below, b, m)
    jumps = b
    dd = np.abs(np.diff(d))
    kink_at = np.flatnonzero(dd > 50 * (np.median(dd) + 1e-14 * scale)) + 1
    kinks = np.unique(np.concatenate([x[np.clip(kink_at + s, 0, _N_GRID - 1)] for s in (-1, 0, 1)])) \
        if kink_at.size else np.empty(0)
    flat = d <= 1e-14 * scale
    levels = np.unique(np.concatenate([y[:-1][flat], y[:-1][jump], y[1:][jump], y[[0, -1]]]))
    if levels.size > 64:  # a staircase or a plateau-rich strategy: keep a spread of its levels
        levels = levels[np.linspace(0, levels.size - 1, 64).astype(int)]
    return jumps, kinks, levels, (x, np.maximum.accumulate(y))


def _lower_threshold(f, y, lo: float, hi: float, table=None):
    """inf{t in [lo, hi]: f(t) >= y} for non-decreasing f (hi if the set is empty).

    ``table`` = (grid, f(grid)) brackets each answer in one grid cell first, so fewer calls of f are needed.
    """
    y = np.asarray(y, dtype=float)
    a, b, n = np.full(y.shape, lo), np.full(y.shape, hi), _BISECT
    if table is not None:
        grid, values = table
        i = np.clip(np.searchsorted(values, y, side="left"), 1, len(grid) - 1)
        a, b, n = grid[i - 1], grid[i], _BISECT - 12
    for _ in range(n):
        m = 0.5 * (a + b)
        below = f(m) < y
        a, b = np.where(below, m, a), np.where(below, b, m)
    return np.where(f(np.full(y.shape, lo)) >= y, lo, np.where(f(np.full(y.shape, hi)) < y, hi, b))


def _upper_threshold(f, x, lo: float, hi: float, table=None):
    """sup{t in [lo, hi]: f(t) <= x} for non-decreasing f (lo if the set is empty)."""
    x = np.asarray(x, dtype=float)
    a, b, n = np.full(x.shape, lo), np.full(x.shape, hi), _BISECT
    if table is not None:
        grid, values = table
        i = np.clip(np.searchsorted(values, x, side="right"), 1, len(grid) - 1)
        a, b, n = grid[i - 1], grid[i], _BISECT - 12
    for _ in range(n):
        m = 0.5 * (a + b)
        ok = f(m) <= x
        a, b = np.where(ok, m, a), np.where(ok, b, m)
    return np.where(f(np.full(x.shape, hi)) <= x, hi, np.where(f(np.full(x.shape, lo)) > x, lo, a))


_GRADED = 10.0 ** -np.arange(3, 15)  # panels graded towards each end of a support (relative distances)


def _edges(lo: float, hi: float, *extra, n_panels: int = _N_PANELS) -> np.ndarray:
    """Panel edges: n_panels equal panels, the ``extra`` break points, and panels graded geometrically towards
    both ends, so that a density with a power singularity there (Beta with a or b < 2) is integrated accurately."""
    graded = (hi - lo) * _GRADED
    points = [np.linspace(lo, hi, n_panels + 1), lo + graded, hi - graded] + [np.ravel(e) for e in extra]
    edges = np.unique(np.clip(np.concatenate(points), lo, hi))
    return edges


def _rule(edges: np.ndarray):
    """Nodes and weights of the composite 8-point Gauss-Legendre rule on the panels between edges."""
    a, b = edges[:-1], edges[1:]
    half = 0.5 * (b - a)
    nodes = (0.5 * (a + b))[:, None] + half[:, None] * _GL_X
    return nodes.ravel(), (half[:, None] * _GL_W).ravel()


class _Cumulative:
    """G(t) = integral from lo to t of g, with g smooth between the given edges (exact panel sums + a partial
    panel by the same 8-point rule)."""

    def __init__(self, g, edges: np.ndarray):
        self.g, self.edges = g, edges
        nodes, weights = _rule(edges)
        panels = (g(nodes) * weights).reshape(-1, len(_GL_X)).sum(axis=1)
        self.cum = np.concatenate([[0.0], np.cumsum(panels)])

    def __call__(self, t):
        t = np.clip(np.asarray(t, dtype=float), self.edges[0], self.edges[-1])
        i = np.clip(np.searchsorted(self.edges, t, side="right") - 1, 0, len(self.edges) - 2)
        a = self.edges[i]
        half = 0.5 * (t - a)
        nodes = (0.5 * (a + t))[..., None] + half[..., None] * _GL_X
        with np.errstate(invalid="ignore"):  # t on an edge: an empty partial panel (g may be 0 * inf there)
            part = np.where(half[..., None] > 0, self.g(nodes) * half[..., None] * _GL_W, 0.0)
        return self.cum[i] + np.sum(part, axis=-1)

    @property
    def total(self) -> float:
        return float(self.cum[-1])


def _crossings(f, levels, lo, hi):
    """Types at which the non-decreasing f reaches or leaves each level (breakpoints of a composed threshold)."""
    levels = np.asarray(levels, dtype=float)
    if levels.size == 0:
        return np.empty(0)
    return np.concatenate([_lower_threshold(f, levels, lo, hi), _upper_threshold(f, levels, lo, hi)])


@dataclass(frozen=True)
class _Market:
    """Everything the integrals need about one pair of strategies and priors."""

    bid: Callable
    ask: Callable
    buyer: object
    seller: object
    v_sup: tuple
    c_sup: tuple
    k: float
    bid_scan: tuple = field(repr=False)
    ask_scan: tuple = field(repr=False)

    @classmethod
    def build(cls, bid, ask, buyer, seller, k):
        bid, ask, buyer, seller, v_sup, c_sup, k = _setup(bid, ask, buyer, seller, k)
        return cls(bid, ask, buyer, seller, v_sup, c_sup, k, _scan(bid, *v_sup, "bid"), _scan(ask, *c_sup, "ask"))

    def sigma(self, y):
        """inf{v: b(v) >= y}: buyers of value at least sigma(y) bid at least y."""
        return _lower_threshold(self.bid, y, *self.v_sup, table=self.bid_scan[3])

    def tau(self, x):
        """sup{c: s(c) <= x}: sellers of cost at most tau(x) ask at most x."""
        return _upper_threshold(self.ask, x, *self.c_sup, table=self.ask_scan[3])

    @cached_property
    def buyer_breaks(self):
        """Types at which a buyer's integrand may be non-smooth: jumps and kinks of b, and where b(v) meets a
        jump, plateau or end of the ask."""
        jumps, kinks = self.bid_scan[:2]
        return np.concatenate([jumps, kinks, _crossings(self.bid, self.ask_scan[2], *self.v_sup)])

    @cached_property
    def seller_breaks(self):
        jumps, kinks = self.ask_scan[:2]
        return np.concatenate([jumps, kinks, _crossings(self.ask, self.bid_scan[2], *self.c_sup)])

    @cached_property
    def buyer_edges(self):
        return _edges(*self.v_sup, self.buyer_breaks)

    @cached_property
    def seller_edges(self):
        return _edges(*self.c_sup, self.seller_breaks)


# --------------------------------------------------------------------------------------------------------------
# welfare by quadrature


def first_best_gains(buyer=None, seller=None) -> float:
    """E[(v - c)^+]: the gains from trading whenever v >= c (1/6 for U[0, 1] values and costs).

    Outer composite Gauss-Legendre over c, inner integral over v >= max(c, v_lo) by cumulative quadrature.
    """
    buyer = uniform() if buyer is None else buyer
    seller = uniform() if seller is None else seller
    v_sup, c_sup = support(buyer, "buyer"), support(seller, "seller")
    tail_v = _Cumulative(lambda v: v * _pdf(buyer, v), _edges(*v_sup))
    c, w = _rule(_edges(*c_sup, *v_sup))
    t = np.clip(c, *v_sup)
    value = (tail_v.total - tail_v(t)) - c * buyer.sf(t)
    return float(np.sum(w * _pdf(seller, c) * np.maximum(value, 0.0)))


def outcomes(bid, ask, buyer=None, seller=None, k: float = 0.5) -> Outcomes:
    """Welfare of any non-decreasing strategies b(v), s(c) by quadrature (see the module docstring).

    trade probability = E[1{b(v) >= s(c)}], gains = E[(v - c) 1{...}], buyer surplus = E[(v - p) 1{...}],
    seller surplus = E[(p - c) 1{...}] with p = k b(v) + (1 - k) s(c); efficiency = gains / E[(v - c)^+].
    For a seller of cost c the trading buyers are {v >= sigma(s(c))}, so each is one outer integral over c.
    """
    m = _Market.build(bid, ask, buyer, seller, k)
    buyer, seller, k = m.buyer, m.seller, m.k
    v_edges = m.buyer_edges
    tail_v = _Cumulative(lambda v: v * _pdf(buyer, v), v_edges)
    tail_b = _Cumulative(lambda v: m.bid(v) * _pdf(buyer, v), v_edges)
    c, w = _rule(m.seller_edges)
    w = w * _pdf(seller, c)
    s = m.ask(c)
    t = m.sigma(s)
    p_trade = buyer.sf(t)
    e_v = tail_v.total - tail_v(t)  # E[v 1{v >= t}]
    e_b = tail_b.total - tail_b(t)  # E[b(v) 1{v >= t}]
    prob = float(np.sum(w * p_trade))
    gains = float(np.sum(w * (e_v - c * p_trade)))
    buyer_surplus = float(np.sum(w * (e_v - k * e_b - (1 - k) * s * p_trade)))
    seller_surplus = float(np.sum(w * (k * e_b + (1 - k) * s * p_trade - c * p_trade)))
    first = first_best_gains(buyer, seller)
    if not first > 0:
        raise ValueError("efficiency is undefined: there are no gains from trade (every value of buyer is below "
                         "every cost of seller)")
    return Outcomes(trade_probability=prob, gains=gains, buyer_surplus=buyer_surplus,
                    seller_surplus=seller_surplus, first_best=first, efficiency=gains / first)


# --------------------------------------------------------------------------------------------------------------
# the independent equilibrium check


@dataclass(frozen=True)
class BestResponseGap:
    """Largest gain from deviating, over a grid of types (``*_gaps`` per type), and ex-ante utilities."""

    buyer_gap: float
    seller_gap: float
    max_gap: float
    buyer_types: np.ndarray = field(repr=False)
    buyer_gaps: np.ndarray = field(repr=False)
    seller_types: np.ndarray = field(repr=False)
    seller_gaps: np.ndarray = field(repr=False)
    buyer_utility: float = 0.0
    seller_utility: float = 0.0

    @property
    def relative_gap(self) -> float:
        """max gap / smaller ex-ante utility (inf if a side expects nothing)."""
        low = min(self.buyer_utility, self.seller_utility)
        return self.max_gap / low if low > 0 else math.inf


class _Payoffs:
    """U_b(x; v) = (v - k x) F_S(tau(x)) - (1 - k) A(tau(x)), A(t) = int_{c_lo}^t s dF_S;
    U_s(y; c) = k (B - B(sigma(y))) + ((1 - k) y - c) (1 - F_B(sigma(y))), B(t) = int_{v_lo}^t b dF_B."""

    def __init__(self, m: _Market):
        self.m = m
        self.A = _Cumulative(lambda c: m.ask(c) * _pdf(m.seller, c), m.seller_edges)
        self.B = _Cumulative(lambda v: m.bid(v) * _pdf(m.buyer, v), m.buyer_edges)

    def buyer(self, x, v):
        t = self.m.tau(x)
        return (v - self.m.k * x) * self.m.seller.cdf(t) - (1 - self.m.k) * self.A(t)

    def seller(self, y, c):
        t = self.m.sigma(y)
        return self.m.k * (self.B.total - self.B(t)) + ((1 - self.m.k) * y - c) * self.m.buyer.sf(t)


def _gaps(u, types, own, candidates, n_polish: int = 8):
    """For each type: max over offers of u(offer, type) - u(own offer, type), and "no trade" (utility 0).

    Offers: the candidate grid (sorted; an offer within 1e-14 of the grid's span of the previous one dropped), then
    two vectorised zooms (65 points each) into the cells next to each type's best offer, which resolve the best
    offer to 1/4096 of a grid cell (utility error ~1e-13 where u is smooth);
    finally bounded Brent (minimize_scalar, xatol 1e-12) on the ``n_polish`` types with the largest positive gaps.
    """
    # offers within rounding of each other (np.unique keeps floats an ulp apart, e.g. a grid point and an own
    # offer) count once: otherwise the cell next to the best offer can be one ulp wide and miss the best reply
    span = candidates[-1] - candidates[0]
    candidates = candidates[np.concatenate(([True], np.diff(candidates) > 1e-14 * span))]
    values = u(candidates[None, :], types[:, None])
    own_value = u(own, types)
    rows = np.arange(len(types))
    j = np.argmax(values, axis=1)
    best = np.maximum(values[rows, j], 0.0)
    lo = candidates[np.maximum(j - 1, 0)]
    hi = candidates[np.minimum(j + 1, len(candidates) - 1)]
    steps = np.linspace(0.0, 1.0, 65)
    for _ in range(2):
        sub = lo[:, None] + (hi - lo)[:, None] * steps[None, :]
        vals = u(sub, types[:, None])
        jj = np.argmax(vals, axis=1)
        best = np.maximum(best, vals[rows, jj])
        centre, width = sub[rows, jj], (hi - lo) / 64
        lo, hi = np.maximum(centre - width, lo), np.minimum(centre + width, hi)
    gaps = np.maximum(best - own_value, 0.0)
    for i in np.argsort(-gaps)[:n_polish]:
        if gaps[i] <= 0 or not hi[i] > lo[i]:
            break
        res = optimize.minimize_scalar(lambda x: -float(u(np.array([x]), types[i])[0]), bounds=(lo[i], hi[i]),
                                       method="bounded", options={"xatol": 1e-12})
        gaps[i] = max(gaps[i], -res.fun - own_value[i])
    return gaps


def best_response_gap(bid, ask, buyer=None, seller=None, k: float = 0.5, n_types: int = 41,
                      n_bids: int = 2001) -> BestResponseGap:
    """Independent check that (bid, ask) is an equilibrium: the largest gain any type makes by deviating.

    For n_types buyer types v (evenly spaced on the support) maximise
    U_b(x; v) = E_c[(v - (k x + (1 - k) s(c))) 1{s(c) <= x}] over n_bids evenly spaced bids, the other side's
    offers and "no trade", then zoom twice (65 points) into the two grid cells next to the best bid and polish
    the largest gaps by bounded Brent (``scipy.optimize.minimize_scalar``, xatol 1e-12), so that gaps of 1e-9
    are resolved; the gap is best - U_b(b(v); v) >= 0. Likewise for sellers
    with U_s(y; c) = E_v[(k b(v) + (1 - k) y - c) 1{b(v) >= y}]. Expected utilities are integrals with the
    trading set located by bisection (module docstring), accurate to about 1e-12 for smooth strategies.
    ``buyer_utility`` and ``seller_utility`` are the ex-ante equilibrium utilities. Bounded cost: integers
    2 <= n_types <= 10 000 and 3 <= n_bids <= 1 000 001 (0.1 s at the defaults), else ValueError.
    """
    n_types = _check_count(n_types, "n_types", 2, 10_000)
    n_bids = _check_count(n_bids, "n_bids", 3, 1_000_001)
    m = _Market.build(bid, ask, buyer, seller, k)
    for name, (lo_, hi_) in (("buyer", m.v_sup), ("seller", m.c_sup)):
        if max(abs(lo_), abs(hi_)) > 1e150:
            raise ValueError(f"best_response_gap needs {name}'s support [{lo_!r}, {hi_!r}] within [-1e150, 1e150] "
                             f"(scipy's bounded Brent multiplies differences of bids and of utilities); rescale")
    pay = _Payoffs(m)
    (v_lo, v_hi), (c_lo, c_hi) = m.v_sup, m.c_sup
    c_grid = np.linspace(c_lo, c_hi, 257)
    v_grid = np.linspace(v_lo, v_hi, 257)
    lo = min(v_lo, c_lo, float(m.ask(c_lo)), float(m.bid(v_lo)))
    hi = max(v_hi, c_hi, float(m.ask(c_hi)), float(m.bid(v_hi)))
    grid = np.linspace(lo, hi, n_bids)
    vs, cs = np.linspace(v_lo, v_hi, n_types), np.linspace(c_lo, c_hi, n_types)
    own_b, own_s = m.bid(vs), m.ask(cs)
    bids = np.unique(np.concatenate([grid, m.ask(c_grid), m.ask_scan[2], own_b]))
    asks = np.unique(np.concatenate([grid, m.bid(v_grid), m.bid_scan[2], own_s]))
    buyer_gaps = _gaps(pay.buyer, vs, own_b, bids)
    seller_gaps = _gaps(pay.seller, cs, own_s, asks)
    v, wv = _rule(_edges(v_lo, v_hi, m.buyer_breaks, n_panels=128))  # smooth between breaks: 128 panels do
    c, wc = _rule(_edges(c_lo, c_hi, m.seller_breaks, n_panels=128))
    ub = float(np.sum(wv * _pdf(m.buyer, v) * pay.buyer(m.bid(v), v)))
    us = float(np.sum(wc * _pdf(m.seller, c) * pay.seller(m.ask(c), c)))
    bg, sg = float(buyer_gaps.max()), float(seller_gaps.max())
    return BestResponseGap(buyer_gap=bg, seller_gap=sg, max_gap=max(bg, sg), buyer_types=vs, buyer_gaps=buyer_gaps,
                           seller_types=cs, seller_gaps=seller_gaps, buyer_utility=ub, seller_utility=us)


# --------------------------------------------------------------------------------------------------------------
# Monte Carlo


@dataclass(frozen=True)
class SimulatedOutcomes:
    """Monte Carlo estimates of the :class:`Outcomes` fields, each with its standard error (``*_se``)."""

    trade_probability: float
    gains: float
    buyer_surplus: float
    seller_surplus: float
    first_best: float
    efficiency: float
    trade_probability_se: float
    gains_se: float
    buyer_surplus_se: float
    seller_surplus_se: float
    first_best_se: float
    efficiency_se: float
    n: int


def _mean_sd(x: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation (ddof 1); for draws beyond [1e-100, 1e100] in size, computed on x / max|x| so
    that neither the sum nor the squares overflow or underflow."""
    scale = float(np.max(np.abs(x)))
    if scale == 0 or 1e-100 <= scale <= 1e100:
        return float(x.mean()), float(x.std(ddof=1))
    y = x / scale
    return float(y.mean()) * scale, float(y.std(ddof=1)) * scale


def simulate(bid, ask, buyer=None, seller=None, k: float = 0.5, n: int = 200_000, seed: int = 2026) -> SimulatedOutcomes:
    """Play n independent auctions (values and costs drawn with ``numpy.random.default_rng(seed)``).

    Means with standard errors sd/sqrt(n); efficiency is the ratio of the simulated gains to the simulated first
    best, with a delta-method standard error sd(g - e f)/(sqrt(n) mean f). Bounded cost: an integer
    2 <= n <= 5 000 000 (about 0.5 s per million auctions), seed a non-negative integer, else ValueError.
    """
    bid, ask, buyer, seller, _, _, k = _setup(bid, ask, buyer, seller, k)
    n = _check_count(n, "n", 2, 5_000_000)
    seed = integer(seed, "seed", lo=0)
    rng = np.random.default_rng(seed)
    v = buyer.rvs(size=n, random_state=rng)
    c = seller.rvs(size=n, random_state=rng)
    b, s = bid(v), ask(c)
    trade = b >= s
    price = k * b + (1 - k) * s
    draws = {
        "trade_probability": trade.astype(float),
        "gains": np.where(trade, v - c, 0.0),
        "buyer_surplus": np.where(trade, v - price, 0.0),
        "seller_surplus": np.where(trade, price - c, 0.0),
        "first_best": np.maximum(v - c, 0.0),
    }
    stats_ = {key: _mean_sd(x) for key, x in draws.items()}
    mean = {key: m for key, (m, _) in stats_.items()}
    se = {f"{key}_se": sd / math.sqrt(n) for key, (_, sd) in stats_.items()}
    if not mean["first_best"] > 0:
        raise ValueError("efficiency is undefined: no simulated auction had gains from trade (v > c)")
    eff = mean["gains"] / mean["first_best"]
    eff_se = _mean_sd(draws["gains"] - eff * draws["first_best"])[1] / (math.sqrt(n) * mean["first_best"])
    return SimulatedOutcomes(**mean, efficiency=eff, **se, efficiency_se=eff_se, n=n)
