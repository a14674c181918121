"""Markets with many traders (chapter 5): the clearing-price k-double auction and the continuous double auction.

The k-double auction (Rustichini, Satterthwaite and Williams 1994)
------------------------------------------------------------------
m sellers, each with one unit and a private cost c ~ F_S, and m buyers, each wanting one unit with a private value
v ~ F_B (all independent), submit asks and bids at the same time. Sort the 2m offers, s_(1) <= ... <= s_(2m). Every
price in [s_(m), s_(m+1)] clears the market: if j of the m lowest offers are asks, then j of the m highest are
bids, and the j sellers whose asks are among the m lowest sell to the j buyers whose bids are among the m highest.
The k-double auction picks the price p = (1 - k) s_(m) + k s_(m+1), k in [0, 1] (:func:`clearing_price`,
:func:`clear`). For m = 1 this is the bilateral auction of Chatterjee and Samuelson (1983), p = k b + (1 - k) s.

Payoffs by order statistics. Let o_(1) <= ... <= o_(2m-1) be the other traders' offers, N(x) the number of them
below x, F_j(x) = P(o_(j) < x) = P(N(x) >= j), I_j(b) = int_{-inf}^b F_j and J_j(a) = int_a^{inf} (1 - F_j). A
buyer with value v who bids b trades iff N(b) >= m, and by integration by parts

    U_B(b; v) = (v - b) F_m(b) + (1 - k) I_m(b) + k I_{m+1}(b)       (N counts m - 1 bids and m asks);

a seller with cost c who asks a trades iff N(a) <= m - 1, and

    U_S(a; c) = (a - c) (1 - F_m(a)) + k J_m(a) + (1 - k) J_{m-1}(a)  (N counts m bids and m - 1 asks; J_0 = 0).

N is a sum of two independent binomials (the bids below x and the asks below x), so every F_j is an exact finite
sum. The first-order conditions are

    (v - b) F_m'(b) = k P(N(b) = m),          (a - c) F_m'(a) = (1 - k) P(N(a) = m - 1).

:func:`k_double_auction` solves them for smooth increasing strategies (Chebyshev polynomials in the type, least
squares at collocation types) and certifies the result with :func:`best_response_gap`, which evaluates U_B and
U_S at every deviation on a fine grid (not the first-order conditions). For m = 1, k = 1/2 and uniform values the
solution is the linear equilibrium b(v) = 2v/3 + 1/12, a(c) = 2c/3 + 1/4 with efficiency 27/32.

Welfare. A buyer of value v trades with probability F_m(b(v)) and a seller of cost c with 1 - F_m(a(c)), so the
expected gains are m E[V F_m(b(V))] - m E[C (1 - F_m(a(C)))]; the first best is the same with truthful offers
(the m highest of the 2m values and costs trade, i.e. the efficient number of trades). :func:`fixed_price` is the
posted-price benchmark: every buyer with v >= p and seller with c <= p wants to trade, the short side is served and
the long side rationed at random.

The continuous double auction (Gode and Sunder 1993)
-----------------------------------------------------
:func:`continuous_double_auction` simulates, for many replications at once, the protocol of Gode and Sunder: at
each step one of the traders (chosen at random) quotes; a bid replaces the standing bid only if it is higher, an
ask the standing ask only if it is lower; when the standing bid reaches the standing ask they trade at the price
of the earlier of the two quotes and the book is cleared. Traders trade their units in order (buyers' values
falling, sellers' costs rising). ZI-U traders quote uniformly on [1, 200]; ZI-C traders are constrained to no
loss: a buyer bids uniformly on [1, value], a seller asks uniformly on [cost, 200]. :func:`gode_sunder` runs the
five markets of :data:`GODE_SUNDER_MARKETS`.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable

import numpy as np
from numpy.polynomial import chebyshev as cheb
from scipy import optimize, special, stats

from lib.validation import InputTypeError, integer, real, real_array, support_of

__all__ = [
    "clearing_price", "clear", "Clearing", "KDoubleAuction", "k_double_auction", "BestResponseGap",
    "best_response_gap", "market_welfare", "first_best_gains", "FixedPrice", "fixed_price",
    "Schedule", "GODE_SUNDER_MARKETS", "CDAResult", "continuous_double_auction", "gode_sunder", "max_surplus",
    "competitive_equilibrium",
]

_GL_X, _GL_W = np.polynomial.legendre.leggauss(10)
_M_MAX = 64
_SMOOTH = 1e-7
_GAP_MAX = 1e-4   # largest best-response gap (times the width of the types' range) of a certified answer
_COMB = [special.comb(n, np.arange(n + 1), exact=False) for n in range(2 * _M_MAX + 1)]


# --------------------------------------------------------------------------------------------------------------
# the clearing rule
# --------------------------------------------------------------------------------------------------------------

def _check_k(k) -> float:
    return real(k, "k", lo=0, hi=1)


@dataclass(frozen=True)
class Clearing:
    """One clearing of a call market: the ``price``, which buyers and sellers trade (boolean masks in the order of
    the input) and the number of trades."""

    price: float
    buyers_trade: tuple[bool, ...]
    sellers_trade: tuple[bool, ...]
    trades: int


def clearing_price(bids, asks, k: float = 0.5) -> np.ndarray:
    """The k-double auction price (1 - k) s_(m) + k s_(m+1) of m bids and m asks, vectorised over leading axes:
    ``bids`` and ``asks`` have shape (..., m); returns shape (...)."""
    k = _check_k(k)
    b = real_array(bids, "bids")
    a = real_array(asks, "asks")
    if b.ndim == 0 or b.shape != a.shape:
        raise ValueError(f"bids and asks must be arrays of the same shape (..., m) with m >= 1; got shapes "
                         f"{b.shape} and {a.shape}")
    m = b.shape[-1]
    if m < 1:
        raise ValueError("bids and asks must hold m >= 1 offers each (the last axis is empty)")
    offers = np.sort(np.concatenate([b, a], axis=-1), axis=-1)
    return (1 - k) * offers[..., m - 1] + k * offers[..., m]


def clear(bids, asks, k: float = 0.5) -> Clearing:
    """Clear one call market of m bids and m asks at the k-double auction price: the sellers whose asks are among
    the m lowest offers sell to the buyers whose bids are among the m highest (ties between a bid and an ask are
    ranked bid-first, so a tied pair does not trade; that has probability 0 for continuous strategies)."""
    b = real_array(bids, "bids")
    a = real_array(asks, "asks")
    if b.ndim != 1 or b.shape != a.shape or b.size < 1:
        raise ValueError(f"bids and asks must be one-dimensional arrays of the same length m >= 1; got shapes "
                         f"{b.shape} and {a.shape}")
    m = b.size
    price = float(clearing_price(b, a, k))
    values = np.concatenate([b, a])
    is_ask = np.r_[np.zeros(m, bool), np.ones(m, bool)]
    # rank offers; at equal values a bid is ranked below an ask (lexsort: last key is primary)
    order = np.lexsort((is_ask, values))
    rank = np.empty(2 * m, int)
    rank[order] = np.arange(2 * m)
    buyers = rank[:m] >= m
    sellers = rank[m:] < m
    return Clearing(price, tuple(bool(x) for x in buyers), tuple(bool(x) for x in sellers), int(buyers.sum()))


# --------------------------------------------------------------------------------------------------------------
# order statistics of the other traders' offers
# --------------------------------------------------------------------------------------------------------------

def _binom_pmf(n: int, p: np.ndarray) -> np.ndarray:
    """pmf of Bin(n, p) at 0..n, shape p.shape + (n + 1,)."""
    j = np.arange(n + 1)
    p = np.clip(np.asarray(p, float), 0.0, 1.0)[..., None]
    return _COMB[n][:n + 1] * p ** j * (1 - p) ** (n - j)


def _count_pmf(n_bids: int, n_asks: int, gb: np.ndarray, ga: np.ndarray) -> np.ndarray:
    """pmf of N = Bin(n_bids, gb) + Bin(n_asks, ga) at 0..n_bids + n_asks (vectorised over gb, ga)."""
    pb = _binom_pmf(n_bids, gb)
    pa = _binom_pmf(n_asks, ga)
    out = np.zeros(np.shape(gb) + (n_bids + n_asks + 1,))
    for i in range(n_bids + 1):
        out[..., i:i + n_asks + 1] += pb[..., i:i + 1] * pa
    return out


def _tail(pmf: np.ndarray, j: int) -> np.ndarray:
    """P(N >= j) from a pmf on 0..n (1 for j <= 0, 0 for j > n)."""
    if j <= 0:
        return np.ones(pmf.shape[:-1])
    return pmf[..., j:].sum(axis=-1)


def _tail_derivatives(n_bids: int, n_asks: int, gb, ga, j: int):
    """d/dgb and d/dga of P(Bin(n_bids, gb) + Bin(n_asks, ga) >= j), using d/dp P(Bin(n, p) >= i) =
    n P(Bin(n - 1, p) = i - 1)."""
    gb, ga = np.asarray(gb, float), np.asarray(ga, float)
    zero = np.zeros(gb.shape)
    if n_bids >= 1:
        d_b = _count_pmf(n_bids - 1, n_asks, gb, ga)
        db = n_bids * (d_b[..., j - 1] if 0 <= j - 1 < d_b.shape[-1] else zero)
    else:
        db = zero
    if n_asks >= 1:
        d_a = _count_pmf(n_bids, n_asks - 1, gb, ga)
        da = n_asks * (d_a[..., j - 1] if 0 <= j - 1 < d_a.shape[-1] else zero)
    else:
        da = zero
    return db, da


# --------------------------------------------------------------------------------------------------------------
# strategies and offer distributions
# --------------------------------------------------------------------------------------------------------------

class _Strategy:
    """An increasing strategy x -> offer on [lo, hi] with its offer distribution G(y) = F(x^{-1}(y)) and density."""

    _N = 4001

    def __init__(self, f: Callable, prior, lo: float, hi: float, name: str):
        self.f, self.prior, self.lo, self.hi, self.name = f, prior, lo, hi, name
        self.types = np.linspace(lo, hi, self._N)
        self.offers = np.asarray(f(self.types), dtype=float)
        if not np.all(np.isfinite(self.offers)):
            raise ValueError(f"{name} returned a non-finite offer")
        if np.any(np.diff(self.offers) <= 0):
            raise ValueError(f"{name} must be strictly increasing on the support [{lo:g}, {hi:g}]")

    def inverse(self, y):
        return np.interp(y, self.offers, self.types)

    def cdf(self, y):
        """G(y) = P(offer < y)."""
        y = np.asarray(y, float)
        return np.where(y <= self.offers[0], 0.0, np.where(y >= self.offers[-1], 1.0,
                                                           self.prior.cdf(self.inverse(y))))


class _Game:
    """The k-double auction with m buyers and m sellers, given the strategies of all the others."""

    def __init__(self, m, k, buyer, seller, bsup, ssup, bid: _Strategy, ask: _Strategy):
        self.m, self.k = m, k
        self.buyer, self.seller, self.bsup, self.ssup = buyer, seller, bsup, ssup
        self.bid, self.ask = bid, ask
        lo = min(bid.offers[0], ask.offers[0])
        hi = max(bid.offers[-1], ask.offers[-1])
        self.lo, self.hi = lo, hi
        # the offer axis: a fine grid with the ends and kinks of both offer ranges as nodes
        knots = np.unique(np.r_[np.linspace(lo, hi, 513), bid.offers[[0, -1]], ask.offers[[0, -1]]])
        self.knots = knots
        self._tables = {}

    def counts(self, side: str, x):
        """P(N(x) >= j) for j = 0..2m (last axis), for a buyer ('B': m - 1 other bids, m asks) or a seller ('S': m
        bids, m - 1 other asks)."""
        nb, na = (self.m - 1, self.m) if side == "B" else (self.m, self.m - 1)
        pmf = _count_pmf(nb, na, self.bid.cdf(x), self.ask.cdf(x))
        tail = np.cumsum(pmf[..., ::-1], axis=-1)[..., ::-1]
        return np.concatenate([tail, np.zeros(tail.shape[:-1] + (1,))], axis=-1)

    def tails(self, side: str, x, j: int):
        return self.counts(side, x)[..., j]

    def _cumulative(self, side: str):
        """int_lo^x F_j on the knots for every j (Gauss-Legendre per cell), shape (knots, 2m + 1)."""
        if side not in self._tables:
            a, b = self.knots[:-1], self.knots[1:]
            nodes = (a + b)[:, None] / 2 + (b - a)[:, None] / 2 * _GL_X
            vals = self.counts(side, nodes)
            cells = (vals * _GL_W[None, :, None]).sum(axis=1) * ((b - a) / 2)[:, None]
            self._tables[side] = np.vstack([np.zeros((1, vals.shape[-1])), np.cumsum(cells, axis=0)])
        return self._tables[side]

    def integrals(self, side: str, x):
        """I_j(x) = int_{lo}^x F_j for every j (last axis; F_j = 0 below the lowest offer, constant above the highest)."""
        x = np.asarray(x, float)
        table = self._cumulative(side)
        xc = np.clip(x, self.lo, self.hi)
        i = np.clip(np.searchsorted(self.knots, xc, side="right") - 1, 0, len(self.knots) - 2)
        a = self.knots[i]
        nodes = a[..., None] + (xc - a)[..., None] * (_GL_X + 1) / 2
        part = (self.counts(side, nodes) * _GL_W[:, None]).sum(axis=-2) * ((xc - a) / 2)[..., None]
        above = np.maximum(x - self.hi, 0)[..., None] * self.counts(side, np.asarray(self.hi + 1.0))
        return table[i] + part + above

    def buyer_payoff(self, b, v):
        """U_B(b; v) (broadcast over b and v)."""
        m, k = self.m, self.k
        b = np.asarray(b, float)
        F = self.tails("B", b, m)
        I = self.integrals("B", b)
        return (v - b) * F + (1 - k) * I[..., m] + k * I[..., m + 1]

    def seller_payoff(self, a, c):
        """U_S(a; c), with J_j(a) = int_a^hi (1 - F_j) = (hi - a) - (I_j(hi) - I_j(a)) (J_0 = 0)."""
        m, k = self.m, self.k
        a = np.asarray(a, float)
        H = 1 - self.tails("S", a, m)
        I = self.integrals("S", np.minimum(a, self.hi))
        total = self._cumulative("S")[-1]

        def J(j):
            if j <= 0:
                return np.zeros(a.shape)
            return np.maximum(self.hi - a, 0) - (total[j] - I[..., j])

        return (a - c) * H + k * J(m) + (1 - k) * J(m - 1)


class _Poly:
    """A strategy type + sign * markup(type), the markup a Chebyshev series on [lo, hi], for the types that can trade;
    the types that cannot (a buyer whose bid is below ``limit``, the lowest ask; a seller whose ask is above
    ``limit``, the highest bid) continue it along its tangent at the last type that can (slope 1 if that tangent is
    not increasing): their offers never trade and never set the price, so only their order matters. Callable and
    vectorised; ``inverse`` interpolates on 257 types and polishes with two Newton steps."""

    def __init__(self, coef, prior, lo, hi, sign, limit):
        self.coef, self.prior, self.lo, self.hi, self.sign = np.asarray(coef, float), prior, lo, hi, sign
        self.dcoef = cheb.chebder(self.coef) * 2 / (hi - lo)
        grid = np.linspace(lo, hi, 257)
        raw = self._raw(grid)
        self.cut = None
        if limit is not None:
            inside = raw >= limit if sign < 0 else raw <= limit
            if sign < 0 and not inside[0] and inside.any():
                i = int(np.argmax(inside))
                self.cut = optimize.brentq(lambda x: self._raw(x) - limit, grid[i - 1], grid[i], xtol=1e-15)
            elif sign > 0 and not inside[-1] and inside.any():
                i = len(grid) - 1 - int(np.argmax(inside[::-1]))
                self.cut = optimize.brentq(lambda x: self._raw(x) - limit, grid[i], grid[i + 1], xtol=1e-15)
        if self.cut is not None:
            self.cut_offer = float(self._raw(self.cut))
            tangent = float(self._raw_slope(self.cut))
            self.tangent = tangent if tangent > 0 else 1.0
        self.types = grid
        self.offers = self(grid)
        self.monotone = bool(np.all(np.diff(self.offers) > 0))

    def _t(self, x):
        return (2 * np.asarray(x, float) - self.lo - self.hi) / (self.hi - self.lo)

    def _raw(self, x):
        return np.asarray(x, float) + self.sign * cheb.chebval(self._t(x), self.coef)

    def _raw_slope(self, x):
        return 1 + self.sign * cheb.chebval(self._t(x), self.dcoef)

    def _outside(self, x):
        return (x < self.cut) if self.sign < 0 else (x > self.cut)

    def __call__(self, x):
        x = np.asarray(x, float)
        if self.cut is None:
            return self._raw(x)
        return np.where(self._outside(x), self.cut_offer + (x - self.cut) * self.tangent, self._raw(x))

    def slope(self, x):
        x = np.asarray(x, float)
        if self.cut is None:
            return self._raw_slope(x)
        return np.where(self._outside(x), self.tangent, self._raw_slope(x))

    f = __call__

    def inverse(self, y):
        x = np.interp(y, self.offers, self.types)
        for _ in range(2):
            x = np.clip(x - (self(x) - y) / np.maximum(self.slope(x), 1e-12), self.lo, self.hi)
        return x

    def cdf_density(self, y):
        y = np.asarray(y, float)
        inside = (y > self.offers[0]) & (y < self.offers[-1])
        x = self.inverse(y)
        G = np.where(y <= self.offers[0], 0.0, np.where(y >= self.offers[-1], 1.0, self.prior.cdf(x)))
        d = self.prior.pdf(x) / np.maximum(self.slope(x), 1e-300)
        return G, np.where(inside & np.isfinite(d), d, 0.0)


def _pair(x, n, buyer, seller, bsup, ssup):
    """The buyer's and seller's strategies for the coefficient vector x: each side's cut uses the other's raw
    extreme offer (lowest ask, highest bid)."""
    lowest_ask = ssup[0] + float(cheb.chebval(-1.0, x[n:]))
    highest_bid = bsup[1] - float(cheb.chebval(1.0, x[:n]))
    return (_Poly(x[:n], buyer, *bsup, -1, lowest_ask), _Poly(x[n:], seller, *ssup, +1, highest_bid))


def _residuals(m, k, B: _Poly, S: _Poly, vs, cs, Fv, fv, Fc, fc):
    """The first-order conditions at the collocation types vs (buyers) and cs (sellers); Fv, fv, Fc, fc are the
    priors' cdf and pdf there."""
    bv, ac = B.f(vs), S.f(cs)
    # buyer: m - 1 other bids (distributed as F_B at the buyer's own type), m asks
    ga, dens_a = S.cdf_density(bv)
    db, da = _tail_derivatives(m - 1, m, Fv, ga, m)
    fprime = db * fv / np.maximum(B.slope(vs), 1e-300) + da * dens_a
    pm = _count_pmf(m - 1, m, Fv, ga)[..., m]
    rb = (vs - bv) * fprime - k * pm
    # seller: m bids, m - 1 other asks
    gb, dens_b = B.cdf_density(ac)
    db, da = _tail_derivatives(m, m - 1, gb, Fc, m)
    fprime = db * dens_b + da * fc / np.maximum(S.slope(cs), 1e-300)
    pm1 = _count_pmf(m, m - 1, gb, Fc)[..., m - 1]
    rs = (ac - cs) * fprime - (1 - k) * pm1
    return rb, rs


@dataclass(frozen=True)
class BestResponseGap:
    """The largest gain any buyer or seller type could make by deviating to any offer on a grid of
    ``n_offers`` offers spanning every offer made (and the types themselves), at ``n_types`` types per side;
    ``buyer_gap`` and ``seller_gap`` are the largest gains per side, ``gap`` the larger, and ``worst_buyer_type``
    / ``worst_seller_type`` where they are reached."""

    gap: float
    buyer_gap: float
    seller_gap: float
    worst_buyer_type: float
    worst_seller_type: float
    n_types: int
    n_offers: int


@dataclass(frozen=True)
class KDoubleAuction:
    """The symmetric equilibrium of the k-double auction with m buyers and m sellers.

    ``bid(v)`` and ``ask(c)`` are vectorised strategies; ``gains`` the expected gains from trade per market,
    ``first_best`` the gains of the efficient allocation, ``efficiency`` = gains / first_best; ``misreport`` the
    largest |b(v) - v| and |a(c) - c| over the types that trade with positive probability; ``trade_probability``
    the expected number of trades / m; ``residual`` the largest first-order-condition residual at the collocation
    types; ``check`` the independent :class:`BestResponseGap`, whose ``gap`` is also ``gap``; ``method`` the solver
    that answered ("collocation", or "lib.bne" for the m = 1 fallback, whose coefficient tuples are empty)."""

    m: int
    k: float
    bid: Callable
    ask: Callable
    gains: float
    first_best: float
    efficiency: float
    misreport: float
    trade_probability: float
    residual: float
    gap: float
    check: BestResponseGap
    bid_coefficients: tuple[float, ...]
    ask_coefficients: tuple[float, ...]
    method: str = "collocation"


def _priors(buyer, seller):
    buyer = stats.uniform(0, 1) if buyer is None else buyer
    seller = stats.uniform(0, 1) if seller is None else seller
    bsup = support_of(buyer, "buyer")
    ssup = support_of(seller, "seller")
    if bsup[1] <= ssup[0]:
        raise ValueError(f"buyer and seller supports must overlap so that there are gains from trade: buyer's "
                         f"support {bsup} lies below the seller's {ssup}")
    return buyer, seller, bsup, ssup


def _strategies(bid, ask, buyer, seller, bsup, ssup):
    if not callable(bid) or not callable(ask):
        raise InputTypeError("bid and ask must be vectorised increasing functions of the type")
    return (_Strategy(bid, buyer, *bsup, "bid"), _Strategy(ask, seller, *ssup, "ask"))


_END_GRADING = np.r_[10.0 ** -np.arange(0.5, 24.5, 0.5), 10.0 ** -np.arange(25.0, 301.0)]  # extra panel edges at
# these fractions of the width from each end (those that floats resolve there: all of them at an end at 0)


def _prob_nodes(dist, lo, hi, breaks, n=256):
    """Nodes x and probability weights p on [lo, hi] with sum p g(x) ~ E[g(X)], X ~ ``dist``, for g continuous on
    the panels; also the masses of the two end panels. Panels: n equal ones, the ``breaks`` inside as edges, and
    panels graded geometrically (ratio sqrt(10), then 10) towards each end and from both sides towards each break,
    down to 1e-300 of the width or to 16 float steps of the point (3.6e-15 at 1). Every panel but the two end
    panels gets Gauss-Legendre's 10 nodes times the density; an end panel's mass comes from the cdf (the sf at the
    top) and is split equally between its two ends (the first and last two nodes; _end_check bounds the error).
    So a density with an integrable pole at an end keeps the mass next to the pole, which Gauss-Legendre on equal
    panels loses (arcsine values and costs: first-best gains 0.200992 for 2/pi^2 = 0.202642; now within 2e-14
    relative, and Beta(0.3, 0.3) within 1e-11, against quadrature of the integral of F_C (1 - F_V))."""
    width = hi - lo
    d = width * _END_GRADING  # distances from an end; only those of 16 float steps of it or more (nearer, a panel's
    # nodes would round onto each other; each panel's mass is then taken from the cdf, not from its rounded nodes)
    inner = [x for x in breaks if lo < x < hi]  # kinks of g (where a strategy crosses the other's offer range), which
    # may be singular (the other side's cdf has a pole's root there): graded towards from both sides too
    graded = [lo + d[d >= 2.0 ** 4 * np.spacing(abs(lo))], hi - d[d >= 2.0 ** 4 * np.spacing(abs(hi))]]
    graded += [x + sign * d[d >= 2.0 ** 4 * np.spacing(abs(x))] for x in inner for sign in (-1, 1)]
    graded = np.concatenate(graded)
    edges = np.unique(np.r_[np.linspace(lo, hi, n + 1), graded[(graded > lo) & (graded < hi)], inner])
    a, b = edges[1:-2], edges[2:-1]  # the inner panels
    x = ((a + b)[:, None] / 2 + (b - a)[:, None] / 2 * _GL_X).ravel()
    f = dist.pdf(x)
    p = (b - a)[:, None] / 2 * _GL_W * np.where(np.isfinite(f), f, 0).reshape(len(a), -1)
    # each panel's mass from the cdf (the sf in the upper half, without cancellation): where a pole's nodes are
    # rounded, Gauss-Legendre's sum misses it (Beta(0.1, 0.1) next to 1: by 8e-10 in all); elsewhere a change ~1e-16
    upper = edges > (lo + hi) / 2
    cum = np.where(upper, -dist.sf(edges), dist.cdf(edges))
    mass = np.where(upper[2:-1] & ~upper[1:-2], dist.sf(a) - dist.sf(b), np.diff(cum)[1:-1])
    total = p.sum(axis=1)
    p = np.where((total > 0)[:, None], p * (mass / np.where(total > 0, total, 1))[:, None], p).ravel()
    m_lo, m_hi = float(dist.cdf(edges[1])), float(dist.sf(edges[-2]))
    return (np.r_[lo, edges[1], x, edges[-2], hi], np.r_[m_lo / 2, m_lo / 2, p, m_hi / 2, m_hi / 2],
            (m_lo, m_hi))


def _end_check(name, x, masses, g, scale):
    """ValueError if an end panel of _prob_nodes (mass m, its two ends as the first and last two nodes, each
    weighted m/2) may misweigh sum p g by more than 1e-8 ``scale``: m |g(end) - g(edge)| / 2 bounds that error
    where g is monotone on the panel. A pole stronger than floats resolve (Beta(0.1, 0.1) on both sides: 0.02 of the
    mass within 1e-14 of 1, where g = v F(v) still changes by 0.02) is refused, not integrated wrongly."""
    for i, j, m in ((0, 1, masses[0]), (-1, -2, masses[1])):
        err = m * float(np.max(np.abs(np.atleast_2d(g)[:, i] - np.atleast_2d(g)[:, j]))) / 2
        if err > 1e-8 * scale:
            raise ValueError(f"{name}'s prior puts mass {m:.3g} within {abs(x[i] - x[j]):.3g} of its end {float(x[i])!r}, "
                             f"where floats cannot resolve the welfare integrand (it changes by up to {2 * err / m:.3g} "
                             f"there; allowed error 1e-8 of the types' range): a pole at an end stronger than the "
                             f"float resolution allows (e.g. Beta(0.2, 0.2) on both sides; Beta(0.3, 0.3) and the arcsine are "
                             f"resolved)")


def market_welfare(m: int, bid, ask, buyer=None, seller=None, k: float = 0.5):
    """(gains, expected trades) of the k-double auction with m buyers and m sellers playing ``bid`` and ``ask``:
    m E[V F_m(b(V))] - m E[C (1 - F_m(a(C)))] (the trading probabilities are exact binomial sums; the outer
    integrals use Gauss-Legendre panels with the types at which a strategy crosses the other's offer range as
    edges). Returns floats."""
    m = integer(m, "m", lo=1, hi=_M_MAX)
    k = _check_k(k)
    buyer, seller, bsup, ssup = _priors(buyer, seller)
    B, S = _strategies(bid, ask, buyer, seller, bsup, ssup)
    return _welfare(m, buyer, seller, bsup, ssup, B, S)


def _welfare(m, buyer, seller, bsup, ssup, B, S):
    bb = [B.inverse(y) for y in (S.offers[0], S.offers[-1])]
    sb = [S.inverse(y) for y in (B.offers[0], B.offers[-1])]
    v, qv, mv = _prob_nodes(buyer, *bsup, bb)
    c, qc, mc = _prob_nodes(seller, *ssup, sb)
    pb = _tail(_count_pmf(m - 1, m, B.cdf(B.f(v)), S.cdf(B.f(v))), m)
    ps = 1 - _tail(_count_pmf(m, m - 1, B.cdf(S.f(c)), S.cdf(S.f(c))), m)
    scale = max(bsup[1], ssup[1]) - min(bsup[0], ssup[0])
    _end_check("buyer", v, mv, np.stack((v * pb, scale * pb)), scale)
    _end_check("seller", c, mc, np.stack((c * ps, scale * ps)), scale)
    gains = m * np.sum(qv * v * pb) - m * np.sum(qc * c * ps)
    trades = m * np.sum(qv * pb)
    return float(gains), float(trades)


def first_best_gains(m: int, buyer=None, seller=None) -> float:
    """Expected gains of the efficient allocation with m buyers and m sellers: the truthful k-double auction's
    allocation (the m highest of the 2m values and costs are the buyers who trade)."""
    m = integer(m, "m", lo=1, hi=_M_MAX)
    buyer, seller, bsup, ssup = _priors(buyer, seller)
    B, S = _strategies(lambda v: v, lambda c: c, buyer, seller, bsup, ssup)
    return _welfare(m, buyer, seller, bsup, ssup, B, S)[0]


def best_response_gap(m: int, bid, ask, buyer=None, seller=None, k: float = 0.5, n_types: int = 101,
                      n_offers: int = 2001) -> BestResponseGap:
    """The largest expected gain from a unilateral deviation: for ``n_types`` types per side, U_B(b'; v) -
    U_B(b(v); v) and U_S(a'; c) - U_S(a(c); c) over ``n_offers`` deviations spanning every offer and type (plus
    the ends of both offer ranges, where the payoffs have kinks), the payoffs evaluated directly from the order
    statistics of the others' offers (module docstring), not from the first-order conditions; each type's best grid
    deviation is then polished on 11 deviations within one grid step h either side, so a gain is missed only if it
    lies off the grid by less than h / 10 where the payoff is smooth (a payoff loss of order (h / 10)^2 max|U''|) or
    is a far, isolated peak narrower than h."""
    m = integer(m, "m", lo=1, hi=_M_MAX)
    k = _check_k(k)
    n_types = integer(n_types, "n_types", lo=2, hi=2001)
    n_offers = integer(n_offers, "n_offers", lo=11, hi=100_001)
    buyer, seller, bsup, ssup = _priors(buyer, seller)
    B, S = _strategies(bid, ask, buyer, seller, bsup, ssup)
    game = _Game(m, k, buyer, seller, bsup, ssup, B, S)
    lo = min(game.lo, bsup[0], ssup[0])
    hi = max(game.hi, bsup[1], ssup[1])
    # the payoffs have kinks at the ends of both offer ranges (F_m starts or stops rising there), where a best
    # deviation off the grid is missed by a first-order amount, about |U'| h / 10, not (h / 10)^2: so they are
    # deviations too, after the grid (the polish below is centred on the grid's best, as without them)
    grid = np.linspace(lo, hi, n_offers)
    dev = np.r_[grid, [x for x in (B.offers[0], B.offers[-1], S.offers[0], S.offers[-1]) if lo < x < hi]]
    vs = np.linspace(*bsup, n_types)
    cs = np.linspace(*ssup, n_types)
    Fb = game.tails("B", dev, m)
    Ib = game.integrals("B", dev)
    ub = (vs[:, None] - dev[None, :]) * Fb[None, :] + ((1 - k) * Ib[:, m] + k * Ib[:, m + 1])[None, :]
    H = 1 - game.tails("S", dev, m)
    us = (dev[None, :] - cs[:, None]) * H[None, :] + game.seller_payoff(dev, dev)[None, :]
    # polish: 11 deviations within one grid step either side of each type's best grid deviation
    h = grid[1] - grid[0]
    near = np.linspace(-h, h, 11)[None, :]
    local_b = np.clip(grid[np.argmax(ub[:, :n_offers], axis=1)][:, None] + near, lo, hi)
    local_s = np.clip(grid[np.argmax(us[:, :n_offers], axis=1)][:, None] + near, lo, hi)
    best_b = np.maximum(ub.max(axis=1), game.buyer_payoff(local_b, vs[:, None]).max(axis=1))
    best_s = np.maximum(us.max(axis=1), game.seller_payoff(local_s, cs[:, None]).max(axis=1))
    gb = best_b - game.buyer_payoff(B.f(vs), vs)
    gs = best_s - game.seller_payoff(S.f(cs), cs)
    ib, is_ = int(np.argmax(gb)), int(np.argmax(gs))
    buyer_gap, seller_gap = max(float(gb[ib]), 0.0), max(float(gs[is_]), 0.0)
    return BestResponseGap(max(buyer_gap, seller_gap), buyer_gap, seller_gap, float(vs[ib]), float(cs[is_]),
                           n_types, n_offers)


def _start(m, k, bsup, ssup, degree):
    """The solver's start, shrunk by 1/m: the buyer's markup of the uniform linear equilibrium (Chatterjee and
    Samuelson) on the supports, and the seller's markup (1 - k)(1 - c')/(2 - k), which is that equilibrium's
    (1 - k)/2 - (1 - k) c'/(2 - k) plus k(1 - k)/(2(2 - k)) (1/12 at k = 1/2). Only the start: every answer is
    certified by best_response_gap."""
    lo, hi = min(bsup[0], ssup[0]), max(bsup[1], ssup[1])
    w = hi - lo
    # b(v) = v - markup_B, markup_B = (k v' - k(1-k)/2) / (1 + k) in units v' = (v - lo)/w
    vb = np.linspace(*bsup, 2 * degree + 3)
    mb = w * (k * (vb - lo) / w - k * (1 - k) / 2) / (1 + k) / m
    cs = np.linspace(*ssup, 2 * degree + 3)
    ms = w * ((1 - k) * (1 - (cs - lo) / w) / (2 - k)) / m
    # a(c) = c / (2 - k) + (1 - k)/2 has markup (1 - k)/2 - (1 - k) c/(2 - k); this start adds k(1 - k)/(2(2 - k))
    fit = lambda x, y, sup: cheb.chebfit((2 * x - sup[0] - sup[1]) / (sup[1] - sup[0]), y, degree)
    return fit(vb, mb, bsup), fit(cs, ms, ssup)


def k_double_auction(m: int, k: float = 0.5, buyer=None, seller=None, *, degree: int = 8,
                     n_collocation: int = 40) -> KDoubleAuction:
    """The symmetric Bayesian equilibrium of the k-double auction with m buyers and m sellers (one unit each),
    values ~ ``buyer`` and costs ~ ``seller`` (frozen scipy.stats distributions with bounded supports; default
    U[0, 1]).

    The strategies are b(v) = v - P_B(v) and a(c) = c + P_S(c), with the markups P_B, P_S Chebyshev series of
    ``degree``; their coefficients solve the first-order conditions (module docstring) in least squares at
    ``n_collocation`` Chebyshev types per side (``scipy.optimize.least_squares``), started from the uniform
    linear equilibrium shrunk by 1/m, with the coefficients in units of the width of the types' range (so that a
    common affine change of the priors' scale, U[0, 1e-6] or U[0, 1e6] for U[0, 1], maps the answer and changes
    nothing else). The result is certified independently by :func:`best_response_gap`.

    Double auctions have many equilibria (a continuum for m = 1); the one returned is the one the solver reaches
    from that start. For k = 1/2 and mirror-image priors it is the symmetric one; otherwise another start can
    reach another certified equilibrium (m = 2, k = 0.3: bids differing by up to 6e-4, efficiency by 2e-6).
    For m >= 2 the polynomial cannot follow the strategies exactly near the lowest type that trades, so the
    first-order residual is up to about 1e-4 for m = 2 with uniform priors (``residual``; 1.8e-3 with Beta(2, 2)
    priors) while the gap stays near 1e-8.
    Raises ValueError for m outside 1..64, k outside [0, 1], priors without a bounded common range, when the
    solver stops at strategies that are not strictly increasing on a grid of 4001 types per side ("no increasing
    equilibrium found ... by this method"), and when their best-response gap exceeds 1e-4 times the width of the
    types' range ("no certified equilibrium found"; e.g. values U[2, 3] against costs U[0, 1], where every type
    always trades and the first-order conditions say nothing).

    m = 1 fallback: where the collocation fails at m = 1 the bilateral auction is solved by
    :func:`lib.bne.solve_double_auction` (shooting on the inverse strategies, Satterthwaite and Williams 1989) and
    the answer is certified here by the same :func:`best_response_gap` (``method`` says which solver answered;
    ``residual`` is then lib.bne's relative first-order residual). That solves, for example, buyer Beta(5, 2)
    against seller Beta(2, 5) and the reverse.

    Where the method is known to work (best-response gap below 1e-4; measured at k = 1/2 unless said): U[0, 1] on
    both sides for m = 1..16 (benchmarks/market.py), and at every k = 0, 0.1, ..., 1 for m = 1, 2, 3, 5, 8, 13, 16
    (gap below 1e-6, efficiency confirmed by simulated clearing; tests/test_market.py samples m and k); Beta(2, 2) on
    both sides, buyer Beta(2, 1) against seller Beta(1, 2), and buyer Beta(5, 2) against seller Beta(2, 5) or the
    reverse, for m = 1, 2, 4 (m = 1 of the last two by lib.bne). Other priors and sizes are untested (the answer
    returned is certified, ``gap`` below the bound above). Known failures, which raise the error: Beta(2, 5) on both
    sides at m = 1 (lib.bne finds no regular equilibrium either) and at m = 16; Beta(1, 2) on both sides at m = 2;
    U[0, 1] at m = 64 with k = 0 or k = 1; values reaching above every ask, where the equilibrium bids of high values
    pool at the highest ask (a flat top, outside this function's strictly increasing class): m = 1, k = 0.3, values
    U[0.4, 1.4] against costs U[0, 1] (lib.bne's equilibrium is named in the error), and m = 2, k = 0.3, values
    U[0, 1.5] against U[0, 1]. The collocation is built for priors whose densities are bounded away from
    zero on the support; densities that vanish at an end of the support where types trade are where it fails."""
    m = integer(m, "m", lo=1, hi=_M_MAX)
    k = _check_k(k)
    degree = integer(degree, "degree", lo=1, hi=30)
    n_collocation = integer(n_collocation, "n_collocation", lo=degree + 2, hi=2000)
    buyer, seller, bsup, ssup = _priors(buyer, seller)
    try:
        return _collocation(m, k, buyer, seller, bsup, ssup, degree, n_collocation)
    except _NoIncreasing as err:
        if m != 1:
            raise
        return _bilateral(k, buyer, seller, bsup, ssup, err)


class _NoIncreasing(ValueError):
    """The solver reached no strictly increasing strategies (an honest failure of the method, not bad input)."""


def _bilateral(k, buyer, seller, bsup, ssup, err):
    """m = 1 by lib.bne's shooting method, certified by :func:`best_response_gap`."""
    from lib.bne import ConvergenceError, solve_double_auction

    try:
        r = solve_double_auction(buyer, seller, k)
    except (ConvergenceError, ValueError) as other:
        raise _NoIncreasing(f"{err}; the bilateral solver lib.bne.solve_double_auction found none either: "
                            f"{other}") from None
    try:
        return _certified(1, k, r.bid, r.ask, buyer, seller, bsup, ssup, float(r.ode_residual), (), (), "lib.bne")
    except ValueError as other:  # e.g. a flat top: the bids of high values pooled at the highest ask
        raise _NoIncreasing(f"{err}; the bilateral solver lib.bne.solve_double_auction found an equilibrium "
                            f"({r.method}), but not one of this function's class (strictly increasing strategies, "
                            f"a tied bid and ask not trading): {other}") from None


def _collocation(m, k, buyer, seller, bsup, ssup, degree, n_collocation):
    """The Chebyshev collocation of :func:`k_double_auction` (validated inputs)."""
    nodes = np.cos(np.pi * (np.arange(n_collocation) + 0.5) / n_collocation)[::-1]
    vs = (bsup[0] + bsup[1]) / 2 + (bsup[1] - bsup[0]) / 2 * nodes
    cs = (ssup[0] + ssup[1]) / 2 + (ssup[1] - ssup[0]) / 2 * nodes
    cb0, cs0 = _start(m, k, bsup, ssup, degree)
    n = degree + 1

    # the unknowns are the markups' coefficients in units of the types' range, so that the least-squares steps, its
    # tolerances and the penalty below do not depend on the scale of the priors (U[0, 1e-6] solves as U[0, 1] does)
    width = max(bsup[1], ssup[1]) - min(bsup[0], ssup[0])
    # a weak penalty on the curved part of the markups selects the smooth extension where a type cannot trade (its
    # first-order condition is 0 = 0 there); it is tiny against the residuals (weights j^2 * 1e-7)
    smooth = _SMOOTH * np.arange(2, n) ** 2
    Fv, fv, Fc, fc = buyer.cdf(vs), buyer.pdf(vs), seller.cdf(cs), seller.pdf(cs)

    # k = 1/2 with mirror-image priors (F_S(c) = 1 - F_B(lo + hi - c) on a common support): the equilibrium is
    # symmetric, a(c) = lo + hi - b(lo + hi - c), i.e. the seller's markup coefficients are the buyer's times (-1)^j,
    # and only the buyer's conditions are solved
    grid = np.linspace(*bsup, 101)
    mirror = (k == 0.5 and bsup == ssup and
              np.allclose(seller.cdf(grid), 1 - buyer.cdf(bsup[0] + bsup[1] - grid), rtol=0, atol=1e-12))
    signs = (-1.0) ** np.arange(n)

    def full(x):
        return width * (np.r_[x, x * signs] if mirror else x)

    def fun(x):
        B, S = _pair(full(x), n, buyer, seller, bsup, ssup)
        if not (B.monotone and S.monotone):
            return np.full((1 if mirror else 2) * (n_collocation + n - 2), 1e3)
        rb, rs = _residuals(m, k, B, S, vs, cs, Fv, fv, Fc, fc)
        if mirror:
            return np.r_[rb, smooth * x[2:]]
        return np.r_[rb, rs, smooth * x[2:n], smooth * x[n + 2:]]

    def make(x):
        return _pair(x, n, buyer, seller, bsup, ssup)

    sol = optimize.least_squares(fun, (cb0 if mirror else np.r_[cb0, cs0]) / width, method="lm", xtol=1e-15, ftol=1e-15,
                                 gtol=1e-15, max_nfev=4000)
    x = full(sol.x)
    bid, ask = make(x)
    if not (bid.monotone and ask.monotone):
        raise _NoIncreasing(f"no increasing equilibrium found for m={m}, k={k:g} and these priors (the least-squares "
                         f"solver stopped at non-monotone strategies)")
    # the solver's own monotonicity check is coarser than the 4001-type grid of _Strategy; check that grid here so
    # that a failure is reported as what it is (no increasing equilibrium found), not as a bad user-supplied bid
    for side, offer, strategy, sup in (("buyer", "bid", bid, bsup), ("seller", "ask", ask, ssup)):
        types = np.linspace(*sup, _Strategy._N)
        if np.any(np.diff(np.asarray(strategy(types), dtype=float)) <= 0):
            raise _NoIncreasing(f"no increasing equilibrium found for m={m}, k={k:g} and these priors by this method: the "
                             f"{side}'s {offer} the least-squares solver reached is not strictly increasing on the "
                             f"{side}'s support [{sup[0]:g}, {sup[1]:g}] ({_Strategy._N} types checked); skewed "
                             f"priors such as Beta(2, 5) are beyond this method")
    residual = float(np.max(np.abs(np.r_[_residuals(m, k, bid, ask, vs, cs, Fv, fv, Fc, fc)])))
    return _certified(m, k, bid, ask, buyer, seller, bsup, ssup, residual, x[:n], x[n:], "collocation")


def _certified(m, k, bid, ask, buyer, seller, bsup, ssup, residual, bid_coef, ask_coef, method):
    """Welfare, misreport and the best-response certificate of increasing strategies ``bid``, ``ask``."""
    B, S = _strategies(bid, ask, buyer, seller, bsup, ssup)
    gains, trades = _welfare(m, buyer, seller, bsup, ssup, B, S)
    first = first_best_gains(m, buyer, seller)
    check = best_response_gap(m, bid, ask, buyer, seller, k)
    scale = max(bsup[1], ssup[1]) - min(bsup[0], ssup[0])
    if not check.gap <= _GAP_MAX * scale:
        # the solver stopped at increasing strategies that are not an equilibrium (e.g. values always above costs,
        # where every first-order condition is 0 = 0): report the failure, never an uncertified answer
        raise _NoIncreasing(f"no certified equilibrium found for m={m}, k={k:g} and these priors by this method: "
                            f"the strategies the {method} solver reached leave a best-response gap of {check.gap:.3g} "
                            f"(allowed {_GAP_MAX:g} x the width of the types' range, {scale:g})")
    # misreport over the types that can trade: buyers bidding above the lowest ask, sellers asking below the top bid
    tv, tc = B.types, S.types
    tb = B.offers > S.offers[0]
    ts = S.offers < B.offers[-1]
    mis = max(float(np.max(np.abs(B.offers - tv)[tb], initial=0)), float(np.max(np.abs(S.offers - tc)[ts], initial=0)))
    return KDoubleAuction(m, k, bid, ask, gains, first, gains / first, mis, trades / m, residual, check.gap, check,
                          tuple(float(v) for v in bid_coef), tuple(float(v) for v in ask_coef), method)


# --------------------------------------------------------------------------------------------------------------
# a fixed (posted) price
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FixedPrice:
    """A posted price p with m buyers and m sellers: buyers with v >= p and sellers with c <= p want to trade, the
    short side is served and the long side rationed at random. ``expected_trades`` = E[min(N_B, N_S)] (N_B ~
    Bin(m, 1 - F_B(p)), N_S ~ Bin(m, F_S(p)), independent), ``gains`` = expected_trades (E[V | V >= p] -
    E[C | C <= p]), ``efficiency`` = gains / first_best."""

    m: int
    price: float
    expected_trades: float
    gains: float
    first_best: float
    efficiency: float


def fixed_price(m: int, price: float | None = None, buyer=None, seller=None) -> FixedPrice:
    """The fixed-price mechanism with m buyers and m sellers at ``price`` (default: the price at which the expected
    numbers of willing buyers and sellers are equal, 1 - F_B(p) = F_S(p); 1/2 for uniform priors). Raises
    ValueError for a price at which no buyer or no seller is willing with positive probability."""
    from scipy import integrate

    m = integer(m, "m", lo=1, hi=_M_MAX)
    buyer, seller, bsup, ssup = _priors(buyer, seller)
    lo, hi = max(bsup[0], ssup[0]), min(bsup[1], ssup[1])
    if price is None:
        price = optimize.brentq(lambda p: buyer.sf(p) - seller.cdf(p), lo, hi, xtol=1e-15)
    price = real(price, "price", lo=lo, hi=hi, lo_open=True, hi_open=True)
    qb, qs = float(buyer.sf(price)), float(seller.cdf(price))
    if qb <= 0 or qs <= 0:
        raise ValueError(f"price must leave willing buyers and sellers; got price={price:g} with P(v >= p) = {qb:g} "
                         f"and P(c <= p) = {qs:g}")
    pb, ps = _binom_pmf(m, np.asarray(qb)), _binom_pmf(m, np.asarray(qs))
    j = np.arange(m + 1)
    trades = float(np.sum(pb[:, None] * ps[None, :] * np.minimum(j[:, None], j[None, :])))
    # E[V | V >= p] = p + int_p^hi S_B / S_B(p) and E[C | C <= p] = p - int_lo^p F_S / F_S(p) (by parts): bounded
    # integrands, where v f_B(v) has the density's poles (arcsine priors: quad warned of roundoff at p = 0.2)
    ev = price + integrate.quad(buyer.sf, price, bsup[1], epsabs=1e-13, epsrel=1e-12)[0] / qb
    ec = price - integrate.quad(seller.cdf, ssup[0], price, epsabs=1e-13, epsrel=1e-12)[0] / qs
    gains = trades * (ev - ec)
    first = first_best_gains(m, buyer, seller)
    return FixedPrice(m, float(price), trades, float(gains), first, float(gains / first))


# --------------------------------------------------------------------------------------------------------------
# the continuous double auction with zero-intelligence traders (Gode and Sunder 1993)
# --------------------------------------------------------------------------------------------------------------

PRICE_MIN, PRICE_MAX = 1.0, 200.0


@dataclass(frozen=True)
class Schedule:
    """A market: ``buyer_values[i]`` are buyer i's redemption values for its 1st, 2nd, ... unit (non-increasing),
    ``seller_costs[j]`` seller j's costs (non-decreasing), all in [1, 200]. Validated on construction: at least
    one buyer and one seller, and the schedules cross (some unit's value exceeds some unit's cost)."""

    buyer_values: tuple[tuple[float, ...], ...]
    seller_costs: tuple[tuple[float, ...], ...]
    name: str = ""

    def __post_init__(self):
        for label, side, step in (("buyer_values", self.buyer_values, -1), ("seller_costs", self.seller_costs, 1)):
            if not isinstance(side, (tuple, list)) or len(side) == 0:
                raise ValueError(f"{label} must be a non-empty sequence of per-trader unit sequences")
            rows = []
            for i, units in enumerate(side):
                arr = real_array(units, f"{label}[{i}]", lo=PRICE_MIN, hi=PRICE_MAX)
                if arr.ndim != 1 or arr.size == 0:
                    raise ValueError(f"{label}[{i}] must be a non-empty sequence of unit values in [1, 200]")
                if np.any(step * np.diff(arr) < 0):
                    raise ValueError(f"{label}[{i}] must be {'non-increasing' if step < 0 else 'non-decreasing'} "
                                     f"(units are traded in order); got {tuple(arr)}")
                rows.append(tuple(float(x) for x in arr))
            object.__setattr__(self, label, tuple(rows))
        if max(max(u) for u in self.buyer_values) <= min(min(u) for u in self.seller_costs):
            raise ValueError("buyer_values and seller_costs do not cross: no unit's value exceeds any unit's cost, "
                             "so there are no gains from trade")

    def demand(self) -> np.ndarray:
        """All units' values, highest first (the demand curve's steps)."""
        return np.sort(np.concatenate([np.asarray(u) for u in self.buyer_values]))[::-1]

    def supply(self) -> np.ndarray:
        """All units' costs, lowest first (the supply curve's steps)."""
        return np.sort(np.concatenate([np.asarray(u) for u in self.seller_costs]))


def max_surplus(schedule: Schedule) -> float:
    """The largest total surplus: the q-th highest value traded with the q-th lowest cost while it exceeds it."""
    if not isinstance(schedule, Schedule):
        raise InputTypeError(f"schedule must be a Schedule; got {type(schedule).__name__}")
    d, s = schedule.demand(), schedule.supply()
    q = min(len(d), len(s))
    return float(np.sum(np.maximum(d[:q] - s[:q], 0)))


def competitive_equilibrium(schedule: Schedule) -> tuple[int, float, float]:
    """(quantity q*, lowest and highest market-clearing price): q* units have value >= cost in the sorted
    schedules; every price in [max(d_{q*+1}, s_{q*}), min(d_{q*}, s_{q*+1})] clears the market."""
    if not isinstance(schedule, Schedule):
        raise InputTypeError(f"schedule must be a Schedule; got {type(schedule).__name__}")
    d, s = schedule.demand(), schedule.supply()
    n = min(len(d), len(s))
    q = int(np.sum(d[:n] > s[:n]))
    lo = max(s[q - 1], d[q] if q < len(d) else -np.inf)
    hi = min(d[q - 1], s[q] if q < len(s) else np.inf)
    return q, float(lo), float(hi)


def _ramp(top, bottom, n):
    return [float(x) for x in np.linspace(top, bottom, n)]


def _deal(units, traders):
    """Deal sorted units round-robin to traders (trader i gets units i, i + traders, ...)."""
    return tuple(tuple(units[i::traders]) for i in range(traders))


# Five markets of six buyers and six sellers with prices in 1-200, as in Gode and Sunder (1993). Their unit values
# are NOT the paper's (its figure 1 draws its five markets' demand and supply; it could not be consulted here):
# these schedules are our own, five different shapes (1: symmetric; 2: steep demand, flat supply; 3: few
# intramarginal units among many extramarginal ones; 4: a flat supply; 5: flat demand and supply, one unit each, every
# unit intramarginal). Market 5 cannot have the paper's shape: with every unit intramarginal ZI-U traders lose
# nothing, where the paper reports about 86 % for ZI-U in its market 5.
GODE_SUNDER_MARKETS = {
    1: Schedule(_deal(_ramp(175, 65, 12), 6), _deal(_ramp(45, 155, 12), 6), "1: symmetric"),
    2: Schedule(_deal(_ramp(195, 85, 12), 6), _deal(_ramp(60, 115, 12), 6), "2: steep demand, flat supply"),
    3: Schedule(_deal([185.0, 175.0, 165.0] + _ramp(100, 76, 9), 6), _deal([25.0, 35.0, 45.0] + _ramp(101, 125, 9), 6),
                "3: few intramarginal units"),
    4: Schedule(_deal(_ramp(190, 20, 12), 6), _deal([95.0] * 12, 6), "4: flat supply"),
    5: Schedule(tuple((150.0,) for _ in range(6)), tuple((50.0,) for _ in range(6)), "5: flat demand and supply"),
}


@dataclass(frozen=True)
class CDAResult:
    """Outcomes of ``replications`` seeded runs of a continuous double auction over ``periods`` periods.

    ``efficiencies`` per replication (realised surplus over all periods / (periods * max_surplus));
    ``efficiency`` their mean and ``standard_error`` its standard error (None when ``replications`` is 1: one run
    gives no estimate of the spread); ``prices`` has shape (replications,
    periods, max trades per period), nan after the last trade of a period; ``trades`` the number of trades per
    replication and period; ``losses`` the number of trades in which a buyer paid more than its value or a seller
    received less than its cost (0 for ZI-C)."""

    traders: str
    periods: int
    steps: int
    replications: int
    efficiencies: np.ndarray
    efficiency: float
    standard_error: float | None
    prices: np.ndarray
    trades: np.ndarray
    losses: int
    max_surplus: float


_TRADERS = ("ZI-U", "ZI-C")


def continuous_double_auction(schedule: Schedule, traders: str = "ZI-C", periods: int = 6, replications: int = 100,
                              steps: int = 300, seed: int = 2026) -> CDAResult:
    """Simulate the continuous double auction of Gode and Sunder (1993) ``replications`` times at once.

    Each period starts with every trader's units untraded and an empty book and lasts ``steps`` steps; at each
    step a trader is drawn uniformly from all buyers and sellers; one with units left quotes (ZI-U: uniform on
    [1, 200]; ZI-C: a buyer uniform on [1, value of its next unit], a seller uniform on [cost of its next unit,
    200]). A bid above the standing bid replaces it (else it is discarded), an ask below the standing ask likewise;
    when the standing bid >= the standing ask the two trade at the earlier quote's price (the standing one), the
    units are used up and the book is cleared. Seeded by ``seed`` (numpy default_rng)."""
    if not isinstance(schedule, Schedule):
        raise InputTypeError(f"schedule must be a Schedule; got {type(schedule).__name__}")
    if traders not in _TRADERS:
        raise ValueError(f"traders must be one of {_TRADERS}; got {traders!r}")
    periods = integer(periods, "periods", lo=1, hi=1000)
    replications = integer(replications, "replications", lo=1, hi=1_000_000)
    steps = integer(steps, "steps", lo=1, hi=1_000_000)
    seed = integer(seed, "seed", lo=0)
    constrained = traders == "ZI-C"
    nb, ns = len(schedule.buyer_values), len(schedule.seller_costs)
    ub = max(len(u) for u in schedule.buyer_values)
    us = max(len(u) for u in schedule.seller_costs)
    values = np.full((nb, ub + 1), np.nan)
    costs = np.full((ns, us + 1), np.nan)
    for i, u in enumerate(schedule.buyer_values):
        values[i, :len(u)] = u
    for j, u in enumerate(schedule.seller_costs):
        costs[j, :len(u)] = u
    n_units_b = np.array([len(u) for u in schedule.buyer_values])
    n_units_s = np.array([len(u) for u in schedule.seller_costs])
    max_trades = int(min(n_units_b.sum(), n_units_s.sum()))
    rng = np.random.default_rng(seed)
    R = replications
    rows = np.arange(R)
    prices = np.full((R, periods, max_trades), np.nan)
    trades = np.zeros((R, periods), int)
    surplus = np.zeros(R)
    losses = 0
    for period in range(periods):
        next_b = np.zeros((R, nb), int)
        next_s = np.zeros((R, ns), int)
        bid, ask = np.full(R, -np.inf), np.full(R, np.inf)
        bid_owner, ask_owner = np.zeros(R, int), np.zeros(R, int)
        who = rng.integers(0, nb + ns, size=(steps, R))
        draw = rng.random((steps, R))
        count = np.zeros(R, int)
        # what does not depend on the book, for every step at once: who quotes, their units, ZI-U's quotes
        buyers_all = who < nb
        sellers_all = ~buyers_all
        i_all = np.where(buyers_all, who, 0)
        j_all = np.where(buyers_all, 0, who - nb)
        units_all = np.where(buyers_all, n_units_b[i_all], n_units_s[j_all])
        quotes_all = None if constrained else PRICE_MIN + draw * (PRICE_MAX - PRICE_MIN)
        for t in range(steps):
            is_buyer, i, j = buyers_all[t], i_all[t], j_all[t]
            ib = next_b[rows, i]
            js = next_s[rows, j]
            active = np.where(is_buyer, ib, js) < units_all[t]
            if constrained:
                u = draw[t]
                value = values[i, ib]
                cost = costs[j, js]
                quote = np.where(is_buyer, PRICE_MIN + u * (value - PRICE_MIN), cost + u * (PRICE_MAX - cost))
            else:
                quote = quotes_all[t]
            new_bid = active & is_buyer & (quote > bid)
            new_ask = active & sellers_all[t] & (quote < ask)
            np.copyto(bid, quote, where=new_bid)
            np.copyto(bid_owner, i, where=new_bid)
            np.copyto(ask, quote, where=new_ask)
            np.copyto(ask_owner, j, where=new_ask)
            # the book never stands crossed (a cross trades and clears it), so it can cross only where a quote is new
            cross = bid >= ask
            if cross.any():
                r = rows[cross]
                price = np.where(new_bid[cross], ask[cross], bid[cross])  # the earlier (standing) quote
                b_own, s_own = bid_owner[cross], ask_owner[cross]
                v = values[b_own, next_b[r, b_own]]
                c = costs[s_own, next_s[r, s_own]]
                surplus[r] += v - c
                losses += int(np.sum((price > v) | (price < c)))
                prices[r, period, count[r]] = price
                count[r] += 1
                next_b[r, b_own] += 1
                next_s[r, s_own] += 1
                bid[r], ask[r] = -np.inf, np.inf
        trades[:, period] = count
    best = max_surplus(schedule)
    eff = surplus / (periods * best)
    se = float(eff.std(ddof=1) / math.sqrt(R)) if R > 1 else None   # no standard error from one replication
    return CDAResult(traders, periods, steps, R, eff, float(eff.mean()), se, prices, trades, losses, best)


def gode_sunder(market: int, traders: str = "ZI-C", periods: int = 6, replications: int = 100, steps: int = 300,
                seed: int = 2026) -> CDAResult:
    """:func:`continuous_double_auction` on market 1-5 of :data:`GODE_SUNDER_MARKETS` (our schedules, not the
    paper's)."""
    market = integer(market, "market", lo=1, hi=5)
    return continuous_double_auction(GODE_SUNDER_MARKETS[market], traders, periods, replications, steps, seed)
