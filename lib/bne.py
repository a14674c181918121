"""Smooth Bayesian Nash equilibrium of the k-double auction for any priors, solved as a boundary-value problem.

Model (Chatterjee and Samuelson 1983): a buyer with value v ~ F_B and a seller with cost c ~ F_S (independent,
private) submit a bid b and an ask s; if b >= s they trade at p = k b + (1 - k) s, with k in [0, 1].

Equation solved (Satterthwaite and Williams 1989). On the range of prices [p_lo, p_hi] at which trade happens,
let h(p) be the buyer type who bids p and g(p) the seller type who asks p (inverse strategies). The buyer's and
the seller's first-order conditions are

    g'(p) = k F_S(g) / (f_S(g) (h - p)),          h'(p) = (1 - k) (1 - F_B(h)) / (f_B(h) (p - g)),

with g(p_lo) = c_lo (lowest cost), h(p_lo) = p_lo, h(p_hi) = v_hi (highest value), g(p_hi) = p_hi.

Equilibrium selection. Both ends are 0/0 singular points. Near p_lo the seller's equation reads
g' ~ k L (g - c_lo) / (h - p) with L = lim F_S(x) / ((x - c_lo) f_S(x)); with h - p ~ (h'(p_lo) - 1)(p - p_lo), the
solutions leaving p_lo behave like (p - p_lo)^lambda, lambda = k L / (h'(p_lo) - 1). Every p_lo gives an equilibrium
candidate (this is the continuum of equilibria of Satterthwaite and Williams); we select the *regular* one whose
strategies have finite, non-zero slopes at both ends (lambda = 1). That pins p_lo by

    (1 - k) (1 - F_B(p_lo)) = (1 + k L) f_B(p_lo) (p_lo - c_lo),

and symmetrically p_hi by k F_S(p_hi) = (1 + (1 - k) R) f_S(p_hi) (v_hi - p_hi), R = lim (1-F_B(x))/((v_hi-x) f_B(x)).
The free slopes g'(p_lo) and h'(p_hi) are found by two-sided shooting (solve_ivp, DOP853) with Newton on the
mismatch of (h, g) at the middle price. For uniform priors this is the linear equilibrium of Chatterjee and
Samuelson (1983): b(v) = v/(1+k) + k(1-k)/(2(1+k)), s(c) = c/(2-k) + (1-k)/2.

Outside the trading range: buyers with v < p_lo bid their value v (they never trade), sellers with c > p_hi ask
their cost c (they never trade). Both strategies are continuous and strictly increasing on the whole support.

Uniform priors at k = 1/2 are a degenerate point of the shooting map (its Jacobian is singular there): the start
of the Newton iteration uses the slopes 1 + (1 - k) R and 1 + k L (exact for uniform priors), so the uniform
case is solved exactly, and a least-squares fall-back handles nearly degenerate priors; a result whose
mismatch is not below tolerance raises :class:`ConvergenceError` rather than returning a wrong strategy.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy import optimize
from scipy.integrate import solve_ivp
from scipy.special import ndtr

from lib.distributions import support

__all__ = ["ConvergenceError", "BNEResult", "Outcomes", "solve_double_auction", "trade_outcomes", "utility_gap",
           "linear_uniform"]


class ConvergenceError(RuntimeError):
    """The boundary-value problem did not converge; the message says which step failed."""


def linear_uniform(k: float) -> tuple[float, float, float, float]:
    """(alpha_b, beta_b, alpha_s, beta_s) of the linear equilibrium for U[0,1] priors (Chatterjee-Samuelson 1983)."""
    return k * (1 - k) / (2 * (1 + k)), 1 / (1 + k), (1 - k) / 2, 1 / (2 - k)


class _Fast:
    """cdf, sf and pdf of a frozen scipy distribution without the frozen-wrapper overhead (scalar-fast)."""

    def __init__(self, dist):
        self.dist = dist
        try:
            args, loc, scale = dist.dist._parse_args(*dist.args, **dist.kwds)
            x = 0.5 * sum(dist.support())
            z = (x - loc) / scale
            ok = (
                math.isclose(float(dist.dist._cdf(z, *args)), float(dist.cdf(x)), rel_tol=1e-12, abs_tol=1e-15)
                and math.isclose(float(dist.dist._pdf(z, *args)) / scale, float(dist.pdf(x)), rel_tol=1e-12)
            )
        except Exception:  # pragma: no cover - unusual distributions use the public interface
            ok = False
        if ok and dist.dist.name == "truncnorm":  # scipy's truncnorm cdf is slow for scalars: use ndtr
            lo_z, hi_z = args
            mass = ndtr(hi_z) - ndtr(lo_z)
            self.cdf = lambda x: (ndtr((x - loc) / scale) - ndtr(lo_z)) / mass
            self.sf = lambda x: (ndtr(hi_z) - ndtr((x - loc) / scale)) / mass
            self.pdf = lambda x: math.exp(-0.5 * ((x - loc) / scale) ** 2) / (math.sqrt(2 * math.pi) * scale * mass)
        elif ok:
            d = dist.dist
            self.cdf = lambda x: d._cdf((x - loc) / scale, *args)
            self.sf = lambda x: d._sf((x - loc) / scale, *args)
            self.pdf = lambda x: d._pdf((x - loc) / scale, *args) / scale
        else:
            self.cdf, self.sf, self.pdf = dist.cdf, dist.sf, dist.pdf


def _end_limit(ratio: Callable[[float], float], width: float) -> float:
    """lim_{e->0} ratio(e) by Richardson extrapolation of two small offsets (error O(e^2))."""
    e = 1e-6 * width
    value = 2 * ratio(e) - ratio(2 * e)
    if not math.isfinite(value) or value <= 0:
        raise ValueError("the prior's density must behave like a power of the distance to the end of its support")
    return value


@dataclass(frozen=True)
class BNEResult:
    """The regular equilibrium: vectorised ``bid(v)`` and ``ask(c)``, the trading ranges, and diagnostics."""

    k: float
    price_range: tuple[float, float]  # (p_lo, p_hi): prices at which trade happens
    buyer_range: tuple[float, float]  # buyer types who trade with positive probability: (p_lo, v_hi)
    seller_range: tuple[float, float]  # seller types who trade with positive probability: (c_lo, p_hi)
    end_slopes: tuple[float, float, float, float]  # h'(p_lo), g'(p_lo), h'(p_hi), g'(p_hi)
    residual: float  # mismatch of (h, g) where the two halves meet
    ode_residual: float  # max relative residual of both first-order conditions on a grid of prices
    iterations: int  # evaluations of the shooting map
    method: str
    seconds: float
    _low: object = field(repr=False)  # dense output from p_lo upwards
    _high: object = field(repr=False)  # dense output from p_hi downwards
    _p_mid: float = field(repr=False)
    _supports: tuple = field(repr=False)
    _priors: tuple = field(repr=False, default=(None, None))

    def best_response_gap(self, n_types: int = 9) -> dict:
        """Independent certificate: :func:`utility_gap` of these strategies (largest gain from any deviation,
        ex-ante utilities and their ratio ``relative_gap``). Takes a few seconds, so it is not run by the solver."""
        buyer, seller = self._priors
        return utility_gap(self.bid, self.ask, buyer, seller, self.k, n_types=n_types)

    def inverse(self, p):
        """(h(p), g(p)) on the trading range: the buyer type who bids p and the seller type who asks p."""
        p = np.asarray(p, dtype=float)
        lo, hi = self.price_range
        q = np.clip(p, lo, hi).ravel()
        low, high = self._low, self._high
        out = np.where(q <= self._p_mid, low(np.clip(q, low.t_min, low.t_max)),
                       high(np.clip(q, high.t_min, high.t_max)))
        # within the first series step next to each end (1e-7 of the range) the solution is linear in p
        (v_lo, v_hi), (c_lo, c_hi) = self._supports
        start, end = np.array([lo, c_lo])[:, None], np.array([v_hi, hi])[:, None]
        first, last = low(low.t_min)[:, None], high(high.t_max)[:, None]
        out = np.where(q < low.t_min, start + (first - start) * ((q - lo) / (low.t_min - lo)), out)
        out = np.where(q > high.t_max, end + (last - end) * ((hi - q) / (hi - high.t_max)), out)
        return out[0].reshape(p.shape), out[1].reshape(p.shape)

    def _invert(self, x, row: int, lo: float, hi: float):
        x = np.asarray(x, dtype=float)
        grid = self._grid
        values = self._grid_values[row]
        p = np.interp(x, values, grid)
        for _ in range(2):  # Newton polish on the dense output (vectorised)
            h, g = self.inverse(p)
            y = (h, g)[row]
            slope = np.interp(p, grid, self._grid_slopes[row])
            p = np.clip(p - (y - x) / slope, self.price_range[0], self.price_range[1])
        return p

    @property
    def _grid(self):
        return self._cache()[0]

    @property
    def _grid_values(self):
        return self._cache()[1]

    @property
    def _grid_slopes(self):
        return self._cache()[2]

    def _cache(self):
        cached = self.__dict__.get("_cached")
        if cached is None:
            lo, hi = self.price_range
            grid = lo + (hi - lo) * 0.5 * (1 - np.cos(np.linspace(0, np.pi, 2001)))
            h, g = self.inverse(grid)
            slopes = (np.gradient(h, grid), np.gradient(g, grid))
            cached = (grid, (h, g), slopes)
            object.__setattr__(self, "_cached", cached)
        return cached

    def bid(self, v):
        """Equilibrium bid b(v): inverse of h on [p_lo, v_hi]; v itself below p_lo (no trade)."""
        v = np.asarray(v, dtype=float)
        lo = self.price_range[0]
        inside = np.clip(v, lo, self.buyer_range[1])
        b = self._invert(inside, 0, lo, self.buyer_range[1])
        return np.where(v <= lo, v, b)

    def ask(self, c):
        """Equilibrium ask s(c): inverse of g on [c_lo, p_hi]; c itself above p_hi (no trade)."""
        c = np.asarray(c, dtype=float)
        hi = self.price_range[1]
        inside = np.clip(c, self.seller_range[0], hi)
        s = self._invert(inside, 1, self.seller_range[0], hi)
        return np.where(c >= hi, c, s)


def _validate(buyer, seller, k):
    v_lo, v_hi = support(buyer, "buyer")
    c_lo, c_hi = support(seller, "seller")
    if isinstance(k, bool) or not isinstance(k, (int, float, np.floating)) or not math.isfinite(k) or not 0 <= k <= 1:
        raise ValueError(f"k must be a number in [0, 1]; got {k!r}")
    if not 0 < k < 1:
        raise ValueError(f"k must be strictly between 0 and 1 for a regular equilibrium (at k = 0 or 1 one side "
                         f"bids truthfully and the ODE system degenerates); got {k!r}")
    if not c_lo < v_hi:
        raise ValueError(f"no gains from trade: the lowest cost {c_lo} is not below the highest value {v_hi}")
    return (v_lo, v_hi), (c_lo, c_hi), float(k)


def solve_double_auction(buyer, seller, k: float = 0.5, *, rtol: float = 1e-11, tol: float = 1e-10) -> BNEResult:
    """The regular (smooth, strictly increasing) equilibrium of the k-double auction.

    ``buyer`` and ``seller`` are frozen scipy.stats continuous distributions with finite support whose density
    is positive inside it; ``k`` in (0, 1) is the weight of the bid in the price. See the module docstring for
    the equations (Satterthwaite and Williams 1989) and the equilibrium selection. Raises ``ValueError`` for bad
    input and :class:`ConvergenceError` if the boundary-value problem does not converge to ``tol``.
    """
    start = time.perf_counter()
    (v_lo, v_hi), (c_lo, c_hi), k = _validate(buyer, seller, k)
    B, S = _Fast(buyer), _Fast(seller)
    L = _end_limit(lambda e: S.cdf(c_lo + e) / (e * S.pdf(c_lo + e)), c_hi - c_lo)
    R = _end_limit(lambda e: B.sf(v_hi - e) / (e * B.pdf(v_hi - e)), v_hi - v_lo)
    h_lo_slope, g_hi_slope = 1 + k * L, 1 + (1 - k) * R

    def bottom(p):
        return (1 - k) * B.sf(p) - h_lo_slope * B.pdf(p) * (p - c_lo)

    def top(p):
        return k * S.cdf(p) - g_hi_slope * S.pdf(p) * (v_hi - p)

    a, b = max(c_lo, v_lo), min(v_hi, c_hi)
    d = 1e-9 * (b - a)
    if not a < b or not (bottom(a + d) > 0 > bottom(b - d)) or not (top(a + d) < 0 < top(b - d)):
        raise ValueError("the supports must overlap so that the lowest trading price is inside the buyer's support "
                         "and the highest inside the seller's (e.g. both priors on the same interval)")
    p_lo = optimize.brentq(bottom, a + d, b - d, xtol=1e-15, rtol=1e-15)
    p_hi = optimize.brentq(top, a + d, b - d, xtol=1e-15, rtol=1e-15)
    if not p_lo < p_hi:
        raise ConvergenceError(f"no regular equilibrium: lowest trading price {p_lo} is not below the highest {p_hi}")

    def rhs(p, y):
        h, g = y
        return [(1 - k) * B.sf(h) / (B.pdf(h) * (p - g)), k * S.cdf(g) / (S.pdf(g) * (h - p))]

    width = p_hi - p_lo
    p_mid = 0.5 * (p_lo + p_hi)
    eps = 1e-7 * width
    calls = [0]

    def halves(z):
        g1, h1 = z
        calls[0] += 1
        low = solve_ivp(rhs, (p_lo + eps, p_mid), [p_lo + h_lo_slope * eps, c_lo + g1 * eps], method="DOP853",
                        rtol=rtol, atol=1e-14, dense_output=True)
        high = solve_ivp(rhs, (p_hi - eps, p_mid), [v_hi - h1 * eps, p_hi - g_hi_slope * eps], method="DOP853",
                         rtol=rtol, atol=1e-14, dense_output=True)
        return low, high

    def mismatch(z):
        if z[0] <= 0 or z[1] <= 0:
            return np.array([1.0, 1.0]) * (1 + abs(z[0]) + abs(z[1]))
        with np.errstate(all="ignore"):
            low, high = halves(z)
        if low.status != 0 or high.status != 0 or not np.all(np.isfinite(low.y[:, -1])) \
                or not np.all(np.isfinite(high.y[:, -1])):
            return np.array([1.0, 1.0])
        return low.y[:, -1] - high.y[:, -1]

    guess = np.array([g_hi_slope, h_lo_slope])  # exact for uniform priors
    method = "two-sided shooting, Newton (hybr) on the mid-point mismatch"
    at_guess = mismatch(guess)
    if np.max(np.abs(at_guess)) < tol:  # uniform priors: the guess is the solution (and the Jacobian is singular)
        sol = optimize.OptimizeResult(x=guess, fun=at_guess)
        method = "two-sided shooting; the end-slope guess already solves it"
    else:
        sol = optimize.root(mismatch, guess, method="hybr", options={"xtol": 1e-14})
    if not np.max(np.abs(sol.fun)) < tol:
        method = "two-sided shooting, Levenberg-Marquardt on the mid-point mismatch"
        sol = optimize.root(mismatch, sol.x, method="lm", options={"xtol": 1e-15, "ftol": 1e-15})
    residual = float(np.max(np.abs(sol.fun)))
    if not residual < tol:
        raise ConvergenceError(f"shooting did not converge: mismatch of (h, g) at p = {p_mid:.6g} is {residual:.3g} "
                               f"> {tol:g} after {calls[0]} integrations (slopes tried: {sol.x})")
    low, high = halves(sol.x)
    # independent check of the first-order conditions: finite differences of the dense output vs the RHS
    grid = np.linspace(p_lo + 0.01 * width, p_hi - 0.01 * width, 201)
    dp = 1e-4 * width
    vals = [np.where(q <= p_mid, low.sol(q), high.sol(q)) for q in (grid - dp, grid + dp, grid)]
    deriv = (vals[1] - vals[0]) / (2 * dp)
    f = np.array([rhs(p, y) for p, y in zip(grid, vals[2].T)]).T
    ode_residual = float(np.max(np.abs(deriv - f) / np.maximum(1, np.abs(f))))
    h_end = float(rhs(p_hi - eps, high.y[:, 0])[0])
    g_start = float(rhs(p_lo + eps, low.y[:, 0])[1])
    return BNEResult(
        k=k, price_range=(p_lo, p_hi), buyer_range=(p_lo, v_hi), seller_range=(c_lo, p_hi),
        end_slopes=(h_lo_slope, g_start, h_end, g_hi_slope), residual=residual, ode_residual=ode_residual,
        iterations=calls[0], method=method, seconds=time.perf_counter() - start,
        _low=low.sol, _high=high.sol, _p_mid=p_mid, _supports=((v_lo, v_hi), (c_lo, c_hi)), _priors=(buyer, seller),
    )


_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(80)


def utility_gap(result_or_bid, ask=None, buyer=None, seller=None, k: float = 0.5, n_types: int = 21):
    """Independent best-response check: the largest gain any type can make by deviating, and average utilities.

    For a buyer of value v bidding b against the asks s(c): U_B(v, b) = int_{s(c) <= b} (v - k b - (1-k) s(c)) dF_S;
    for a seller: U_S(c, a) = int_{b(v) >= a} (k b(v) + (1-k) a - c) dF_B. Integrals by Gauss-Legendre quadrature
    in the type, deviations maximised over a grid of 161 bids refined by bounded Brent. Returns a dict with
    ``buyer_gap``, ``seller_gap`` (max over types), ``buyer_utility``, ``seller_utility`` (ex ante) and
    ``relative_gap`` = max gap / min ex-ante utility.
    """
    if isinstance(result_or_bid, BNEResult):
        r = result_or_bid
        bid, ask, k = r.bid, r.ask, r.k
        (v_lo, v_hi), (c_lo, c_hi) = r._supports
        if buyer is None or seller is None:
            raise ValueError("utility_gap needs the buyer and seller priors")
    else:
        bid = result_or_bid
        v_lo, v_hi = support(buyer, "buyer")
        c_lo, c_hi = support(seller, "seller")

    def u_buyer(v, b):  # b: array of bids
        b = np.atleast_1d(b)
        # the seller types who ask at most b: c <= cstar(b)
        cstar = _threshold(ask, b, c_lo, c_hi, increasing=True)
        c = c_lo + (cstar[:, None] - c_lo) * 0.5 * (1 + _NODES)
        w = (cstar[:, None] - c_lo) * 0.5 * _WEIGHTS
        return np.sum(w * (v - k * b[:, None] - (1 - k) * ask(c)) * seller.pdf(c), axis=1)

    def u_seller(c, a):
        a = np.atleast_1d(a)
        vstar = _threshold(bid, a, v_lo, v_hi, increasing=True)  # buyers with b(v) >= a: v >= vstar
        v = vstar[:, None] + (v_hi - vstar[:, None]) * 0.5 * (1 + _NODES)
        w = (v_hi - vstar[:, None]) * 0.5 * _WEIGHTS
        return np.sum(w * (k * bid(v) + (1 - k) * a[:, None] - c) * buyer.pdf(v), axis=1)

    lo_p, hi_p = min(v_lo, c_lo), max(v_hi, c_hi)
    prices = np.linspace(lo_p, hi_p, 161)

    def gap(u, t, own):
        values = u(t, prices)
        i = int(np.argmax(values))
        a, b = prices[max(i - 1, 0)], prices[min(i + 1, len(prices) - 1)]
        best = optimize.minimize_scalar(lambda x: -u(t, x)[0], bounds=(a, b), method="bounded",
                                        options={"xatol": 1e-12})
        return max(values[i], -best.fun) - u(t, own)[0]

    vs = v_lo + (v_hi - v_lo) * (np.arange(n_types) + 0.5) / n_types
    cs = c_lo + (c_hi - c_lo) * (np.arange(n_types) + 0.5) / n_types
    buyer_gap = max(gap(u_buyer, v, float(bid(v))) for v in vs)
    seller_gap = max(gap(u_seller, c, float(ask(c))) for c in cs)
    # ex-ante utilities by quadrature over types
    vq = v_lo + (v_hi - v_lo) * 0.5 * (1 + _NODES)
    cq = c_lo + (c_hi - c_lo) * 0.5 * (1 + _NODES)
    ub = sum(wt * u_buyer(v, bid(v))[0] * buyer.pdf(v) for v, wt in zip(vq, 0.5 * (v_hi - v_lo) * _WEIGHTS))
    us = sum(wt * u_seller(c, ask(c))[0] * seller.pdf(c) for c, wt in zip(cq, 0.5 * (c_hi - c_lo) * _WEIGHTS))
    return {"buyer_gap": float(buyer_gap), "seller_gap": float(seller_gap), "buyer_utility": float(ub),
            "seller_utility": float(us),
            "relative_gap": float(max(buyer_gap, seller_gap) / min(ub, us))}


def _threshold(strategy, x, lo, hi, increasing=True):
    """For each x, the type t in [lo, hi] with strategy(t) = x (clipped to the ends); strategy increasing."""
    x = np.atleast_1d(np.asarray(x, dtype=float))
    a = np.full(x.shape, lo)
    b = np.full(x.shape, hi)
    for _ in range(42):  # vectorised bisection (2^-42 of the support)
        m = 0.5 * (a + b)
        below = strategy(m) < x
        a = np.where(below, m, a)
        b = np.where(below, b, m)
    return 0.5 * (a + b)


@dataclass(frozen=True)
class Outcomes:
    """Ex-ante trade probability, expected gains from trade, first-best gains and efficiency = gains / first best."""

    trade_probability: float
    gains: float
    first_best: float
    efficiency: float


def trade_outcomes(result: BNEResult, buyer, seller) -> Outcomes:
    """Gains E[(v - c) 1{b(v) >= s(c)}] and first best E[(v - c)^+], by nested Gauss-Legendre quadrature.

    A seller of cost c trades with the buyers whose value is at least t(c) = h(s(c)) (the buyer type who bids
    s(c)); the first best trades whenever v >= c (Myerson and Satterthwaite 1983 for the comparison).
    """
    (v_lo, v_hi), (c_lo, c_hi) = result._supports
    c = c_lo + (c_hi - c_lo) * 0.5 * (1 + _NODES)
    wc = (c_hi - c_lo) * 0.5 * _WEIGHTS * seller.pdf(c)

    def inner(t):
        t = np.clip(t, v_lo, v_hi)
        v = t[:, None] + (v_hi - t[:, None]) * 0.5 * (1 + _NODES)
        w = (v_hi - t[:, None]) * 0.5 * _WEIGHTS * buyer.pdf(v)
        return np.sum(w * (v - c[:, None]), axis=1), np.sum(w, axis=1)

    lo, hi = result.seller_range
    c_eq = lo + (hi - lo) * 0.5 * (1 + _NODES)  # sellers who trade: c in [c_lo, p_hi]
    w_eq = (hi - lo) * 0.5 * _WEIGHTS * seller.pdf(c_eq)
    t = result.inverse(result.ask(c_eq))[0]
    tv = np.clip(t, v_lo, v_hi)
    v = tv[:, None] + (v_hi - tv[:, None]) * 0.5 * (1 + _NODES)
    w = (v_hi - tv[:, None]) * 0.5 * _WEIGHTS * buyer.pdf(v)
    gains = float(np.sum(w_eq * np.sum(w * (v - c_eq[:, None]), axis=1)))
    prob = float(np.sum(w_eq * np.sum(w, axis=1)))
    first_best = float(np.sum(wc * inner(c)[0]))
    return Outcomes(prob, gains, first_best, gains / first_best)
