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
The free slopes g'(p_lo) and h'(p_hi) are found by two-sided shooting (solve_ivp, DOP853): each half of the
trading range is integrated from its end to the middle price, and the slopes are chosen so that (h, g) match there.
For uniform priors this is the linear equilibrium of Chatterjee and Samuelson (1983): b(v) = v/(1+k) +
k(1-k)/(2(1+k)), s(c) = c/(2-k) + (1-k)/2, whose slopes g'(p_lo) = 1 + (1-k) R and h'(p_hi) = 1 + k L start the
search for every prior.

Method. (1) Damped Newton from those slopes, first with loose integration (rtol 1e-8), the Jacobian by forward
differences; each half depends on one slope only, so it costs one extra half-integration per slope. (2) If that
fails, a global search: the half from p_lo traces a curve in the (h, g) plane at the middle price as g'(p_lo)
varies, the half from p_hi another as h'(p_hi) varies; equilibria are the crossings of the two curves. Both are
sampled on 33 slopes in [0.05, 50], their crossings located and polished by Newton, and the crossing nearest the
uniform slopes is returned (the others are listed in ``other_end_slopes``). (3) A few Newton steps at full accuracy
(rtol 1e-11). No crossing, or a mismatch above ``tol``, raises :class:`ConvergenceError` with the smallest mismatch:
never a wrong strategy.

Existence and uniqueness (checked numerically here, with the independent best-response test). The regular
equilibrium need not exist, and need not be unique. Uniform priors at k = 1/2 are a degenerate point: the Jacobian
of the mismatch is singular there, because a second branch of regular equilibria crosses the linear one (uniform
priors with k = 0.45 have a second, non-linear regular equilibrium, slopes (1.749, 1.623) instead of (1.55, 1.45),
efficiency 0.84278 instead of 0.84281, best-response gap ~1e-11). Perturbing the priors near this point breaks the
crossing apart: for Beta(1.05, 1.05) values and costs at k = 1/2, for instance, the two curves above stay about
1e-3 apart for all slopes in [0.05, 50], so there is no regular equilibrium with such slopes. Away from
k = 1/2, e.g. k = 1/4 or 3/4, the near-uniform priors are regular points and the equilibrium continues smoothly.

Outside the trading range: buyers with v < p_lo bid their value v (they never trade), sellers with c > p_hi ask
their cost c (they never trade). Both strategies are continuous and strictly increasing on the whole support.
Welfare and the best-response certificate come from :mod:`lib.double_auction` (``BNEResult.outcomes`` and
``BNEResult.best_response_gap``), the same independent checker as for the closed-form equilibria.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy import optimize, special
from scipy.integrate import solve_ivp
from scipy.interpolate import CubicHermiteSpline
from scipy.special import ndtr

from lib.double_auction import BestResponseGap, Outcomes, best_response_gap, outcomes, support
from lib.validation import real

__all__ = ["ConvergenceError", "BNEResult", "solve_double_auction", "linear_uniform"]


class ConvergenceError(RuntimeError):
    """The boundary-value problem did not converge; the message says which step failed."""


def linear_uniform(k: float) -> tuple[float, float, float, float]:
    """(alpha_b, beta_b, alpha_s, beta_s) of the linear equilibrium for U[0,1] priors (Chatterjee-Samuelson 1983);
    k in [0, 1] (else ValueError)."""
    k = real(k, "k", lo=0, hi=1)
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
        elif ok and dist.dist.name == "beta":  # scipy's beta pdf is slow for scalars: closed form with math
            a, b = args
            log_norm = special.betaln(a, b) + math.log(scale)
            self.cdf = lambda x: special.betainc(a, b, (x - loc) / scale)
            self.sf = lambda x: special.betaincc(a, b, (x - loc) / scale)

            def pdf(x):
                z = (x - loc) / scale
                if not 0 < z < 1:
                    return dist.pdf(x)
                return math.exp((a - 1) * math.log(z) + (b - 1) * math.log1p(-z) - log_norm)

            self.pdf = pdf
            for x in np.linspace(*dist.support(), 7)[1:-1]:  # the fast versions must agree with scipy's
                if not (math.isclose(self.pdf(x), float(dist.pdf(x)), rel_tol=1e-11)
                        and math.isclose(self.cdf(x), float(dist.cdf(x)), rel_tol=1e-11, abs_tol=1e-15)
                        and math.isclose(self.sf(x), float(dist.sf(x)), rel_tol=1e-11, abs_tol=1e-15)):
                    self.cdf, self.sf, self.pdf = dist.cdf, dist.sf, dist.pdf
                    break
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
    other_end_slopes: tuple  # (g'(p_lo), h'(p_hi)) of the other regular equilibria the scan found, if any
    iterations: int  # integrations of a half (from p_lo or from p_hi) of the trading range
    method: str
    seconds: float
    _low: object = field(repr=False)  # dense output from p_lo upwards
    _high: object = field(repr=False)  # dense output from p_hi downwards
    _p_mid: float = field(repr=False)
    _supports: tuple = field(repr=False)
    _priors: tuple = field(repr=False, default=(None, None))

    def best_response_gap(self, n_types: int = 9, n_bids: int = 2001) -> BestResponseGap:
        """Independent certificate: :func:`lib.double_auction.best_response_gap` of these strategies (largest gain
        from any deviation over ``n_types`` types of each side, ex-ante utilities and ``relative_gap``)."""
        buyer, seller = self._priors
        return best_response_gap(self.bid, self.ask, buyer, seller, self.k, n_types=n_types, n_bids=n_bids)

    def outcomes(self) -> Outcomes:
        """Welfare of the equilibrium by :func:`lib.double_auction.outcomes` (trade probability, gains, surpluses,
        first best and efficiency)."""
        buyer, seller = self._priors
        return outcomes(self.bid, self.ask, buyer, seller, self.k)

    def _dense(self, q):
        """(h, g) at prices q in the trading range from the ODE solver's dense output (linear next to the ends,
        within the first series step of 1e-7 of the range)."""
        lo, hi = self.price_range
        low, high = self._low, self._high
        out = np.where(q <= self._p_mid, low(np.clip(q, low.t_min, low.t_max)),
                       high(np.clip(q, high.t_min, high.t_max)))
        (_, v_hi), (c_lo, _) = self._supports
        start, end = np.array([lo, c_lo])[:, None], np.array([v_hi, hi])[:, None]
        first, last = low(low.t_min)[:, None], high(high.t_max)[:, None]
        out = np.where(q < low.t_min, start + (first - start) * ((q - lo) / (low.t_min - lo)), out)
        return np.where(q > high.t_max, end + (last - end) * ((hi - q) / (hi - high.t_max)), out)

    def _splines(self):
        """Cubic Hermite interpolants of h(p), g(p) and of their inverses b = h^-1, s = g^-1 on 4001 equally
        spaced prices, with the slopes given by the ODE itself (the end slopes at the ends): interpolation error
        ~1e-12, and evaluation is vectorised and fast. Built once, on first use."""
        cached = self.__dict__.get("_cached")
        if cached is None:
            lo, hi = self.price_range
            p = np.linspace(lo, hi, 4001)
            h, g = self._dense(p)
            (_, v_hi), (c_lo, _) = self._supports
            h[0], g[0], h[-1], g[-1] = lo, c_lo, v_hi, hi
            buyer, seller = self._priors
            k = self.k
            inner = slice(1, -1)
            dh, dg = np.empty_like(p), np.empty_like(p)
            dh[inner] = (1 - k) * buyer.sf(h[inner]) / (buyer.pdf(h[inner]) * (p[inner] - g[inner]))
            dg[inner] = k * seller.cdf(g[inner]) / (seller.pdf(g[inner]) * (h[inner] - p[inner]))
            dh[0], dg[0], dh[-1], dg[-1] = self.end_slopes
            if not (np.all(np.diff(h) > 0) and np.all(np.diff(g) > 0) and np.all(dh > 0) and np.all(dg > 0)):
                raise ConvergenceError("the computed inverse strategies are not strictly increasing")
            cached = (CubicHermiteSpline(p, h, dh), CubicHermiteSpline(p, g, dg),
                      CubicHermiteSpline(h, p, 1 / dh), CubicHermiteSpline(g, p, 1 / dg))
            object.__setattr__(self, "_cached", cached)
        return cached

    def inverse(self, p):
        """(h(p), g(p)) on the trading range: the buyer type who bids p and the seller type who asks p."""
        p = np.asarray(p, dtype=float)
        q = np.clip(p, *self.price_range)
        h, g = self._splines()[:2]
        return h(q), g(q)

    def bid(self, v):
        """Equilibrium bid b(v): inverse of h on [p_lo, v_hi]; v itself below p_lo (no trade)."""
        v = np.asarray(v, dtype=float)
        lo = self.price_range[0]
        b = self._splines()[2](np.clip(v, lo, self.buyer_range[1]))
        return np.where(v <= lo, v, b)

    def ask(self, c):
        """Equilibrium ask s(c): inverse of g on [c_lo, p_hi]; c itself above p_hi (no trade)."""
        c = np.asarray(c, dtype=float)
        hi = self.price_range[1]
        s = self._splines()[3](np.clip(c, self.seller_range[0], hi))
        return np.where(c >= hi, c, s)


_TYPE_RANGE = 4.0  # supports must lie in [-4, 4]: the solver's tolerances are absolute, tuned for types of order 1
_K_RANGE = (0.01, 0.99)  # k nearer 0 or 1 makes the ODE stiff: unbounded running time (k = 1e-6: > 10 minutes)
_MIN_WIDTH = 1e-9  # and be at least this wide (narrower ones reach the absolute root tolerance 1e-15)


def _validate(buyer, seller, k, rtol=1e-11, tol=1e-10):
    v_lo, v_hi = support(buyer, "buyer")
    c_lo, c_hi = support(seller, "seller")
    for name, (lo, hi) in (("buyer", (v_lo, v_hi)), ("seller", (c_lo, c_hi))):
        if not (-_TYPE_RANGE <= lo and hi <= _TYPE_RANGE and hi - lo >= _MIN_WIDTH):
            raise ValueError(f"{name}'s support [{lo!r}, {hi!r}] must lie in [-{_TYPE_RANGE:g}, {_TYPE_RANGE:g}] and be "
                             f"at least {_MIN_WIDTH:g} wide: the solver's tolerances are absolute, set for types of "
                             f"order 1 (rescale values and costs, e.g. to [0, 1]; prices scale with them)")
    k = real(k, "k", lo=0, hi=1)
    if not 0 < k < 1:
        raise ValueError(f"k must be strictly between 0 and 1 for a regular equilibrium (at k = 0 or 1 one side "
                         f"bids truthfully and the ODE system degenerates); got {k!r}")
    if not _K_RANGE[0] <= k <= _K_RANGE[1]:
        raise ValueError(f"k must be in [{_K_RANGE[0]:g}, {_K_RANGE[1]:g}] for this solver: nearer 0 or 1 the ODE "
                         f"system is nearly degenerate and stiff (k = 0.001 takes 7 s, k = 1e-6 over 10 minutes); "
                         f"got {k!r}")
    real(rtol, "rtol", lo=1e-13, hi=1e-3)
    real(tol, "tol", lo=0, lo_open=True)
    if not c_lo < v_hi:
        raise ValueError(f"no gains from trade: the lowest cost {c_lo} is not below the highest value {v_hi}")
    return (v_lo, v_hi), (c_lo, c_hi), k


_SLOPES = np.geomspace(0.05, 50.0, 33)  # end slopes g'(p_lo) and h'(p_hi) scanned for where the halves meet


def _meeting_points(half, newton, slopes, guess, max_starts: int = 8):
    """All end slopes (g'(p_lo), h'(p_hi)) in the range of ``slopes`` at which the two halves meet.

    The half from p_lo depends on g'(p_lo) only and the half from p_hi on h'(p_hi) only, so each traces a curve
    in the (h, g) plane at the middle price as its slope varies; a solution is a crossing of the two curves.
    Sample both (loose tolerance), intersect the polygonal curves, polish the ``max_starts`` crossings nearest
    to ``guess`` by damped Newton (rtol 1e-8). Returns the distinct roots and the smallest distance between
    sampled points of the two curves.
    """
    def curve(side):
        out = np.full((len(slopes), 2), np.nan)
        for i, s in enumerate(slopes):
            sol = half(side, s, 1e-6)
            if sol is not None:
                out[i] = sol.y[:, -1]
        return out

    P, Q = curve(0), curve(1)
    logs = np.log(slopes)
    dP, dQ = np.diff(P, axis=0)[:, None, :], np.diff(Q, axis=0)[None, :, :]
    r = Q[None, :-1, :] - P[:-1, None, :]
    det = dP[..., 0] * (-dQ[..., 1]) - dP[..., 1] * (-dQ[..., 0])
    with np.errstate(all="ignore"):
        s = (r[..., 0] * (-dQ[..., 1]) - r[..., 1] * (-dQ[..., 0])) / det
        t = (dP[..., 0] * r[..., 1] - dP[..., 1] * r[..., 0]) / det
    i, j = np.nonzero((s >= -0.25) & (s <= 1.25) & (t >= -0.25) & (t <= 1.25))
    step = logs[1] - logs[0]
    starts = np.exp(np.column_stack([logs[i] + np.clip(s[i, j], 0, 1) * step, logs[j] + np.clip(t[i, j], 0, 1) * step]))
    starts = starts[np.argsort(np.sum(np.log(starts / guess) ** 2, axis=1))][:max_starts]  # nearest first
    roots: list = []
    for z0 in starts:
        if any(np.all(np.abs(np.log(z0 / r)) < 0.5 * step) for r in roots):
            continue
        z, m, _ = newton(z0, 1e-8, 1e-8, 20)
        if np.max(np.abs(m)) < 1e-7 and np.all(z > 0) \
                and not any(np.all(np.abs(z / r - 1) < 1e-5) for r in roots):
            roots.append(z)
    with np.errstate(invalid="ignore"):
        gaps = np.max(np.abs(P[:, None, :] - Q[None, :, :]), axis=-1)
    gap = float(np.nanmin(gaps)) if np.any(np.isfinite(gaps)) else math.inf
    return roots, gap


def solve_double_auction(buyer, seller, k: float = 0.5, *, rtol: float = 1e-11, tol: float = 1e-10) -> BNEResult:
    """The regular (smooth, strictly increasing) equilibrium of the k-double auction.

    ``buyer`` and ``seller`` are frozen scipy.stats continuous distributions with finite support whose density
    is positive inside it; ``k`` in (0, 1) is the weight of the bid in the price. See the module docstring for
    the equations (Satterthwaite and Williams 1989), the equilibrium selection and when it does not exist.
    Raises ``ValueError`` for bad input (``InputTypeError``, both a ValueError and a TypeError, for a
    non-distribution or a non-number) and :class:`ConvergenceError` if no end slopes make the two halves meet
    to ``tol`` (the message gives the smallest mismatch found). Supported inputs: supports inside [-4, 4], each at
    least 1e-9 wide (the tolerances are absolute: rescale other units), k in [0.01, 0.99] (Fraction and sympy
    numbers accepted), 1e-13 <= rtol <= 1e-3, tol > 0. Bounded cost: a fixed maximum number of integrations (25 Newton
    steps, then if needed 2 x 33 sampled slopes and at most 8 polishes of 20 steps, then 8 final steps).
    """
    start = time.perf_counter()
    (v_lo, v_hi), (c_lo, c_hi), k = _validate(buyer, seller, k, rtol, tol)
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
    if not a < b:
        raise ValueError("the supports must overlap so that the lowest trading price is inside the buyer's support "
                         "and the highest inside the seller's (e.g. both priors on the same interval)")
    if not (bottom(a + d) > 0 > bottom(b - d)) or not (top(a + d) < 0 < top(b - d)):
        raise ValueError(f"the end conditions of the regular equilibrium have no root inside the overlap [{a:.6g}, "
                         f"{b:.6g}] of the supports: the priors' densities vanish too fast at the ends (e.g. "
                         f"Beta(50, 50)), or the supports overlap too little; such priors are not supported")
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

    def half(side: int, slope: float, rtol_: float, dense: bool = False):
        """Integrate from one end (0: p_lo upwards with g'(p_lo) = slope; 1: p_hi downwards with h'(p_hi) = slope)
        to p_mid; None if the trajectory leaves the region where the equations make sense."""
        calls[0] += 1
        if not slope > 0:
            return None
        if side == 0:
            span, y0 = (p_lo + eps, p_mid), [p_lo + h_lo_slope * eps, c_lo + slope * eps]
        else:
            span, y0 = (p_hi - eps, p_mid), [v_hi - slope * eps, p_hi - g_hi_slope * eps]
        with np.errstate(all="ignore"):
            sol = solve_ivp(rhs, span, y0, method="DOP853", rtol=rtol_, atol=1e-14, dense_output=dense)
        if sol.status != 0 or not np.all(np.isfinite(sol.y[:, -1])):
            return None
        return sol

    def newton(z, rtol_, goal, max_iter, dense=False):
        """Damped Newton on the mid-point mismatch. Each half depends on one slope only, so the Jacobian by forward
        differences costs one extra half-integration per slope. Returns (z, mismatch, halves)."""
        halves = (half(0, z[0], rtol_, dense), half(1, z[1], rtol_, dense))
        if halves[0] is None or halves[1] is None:
            return z, np.array([np.inf, np.inf]), halves
        m = halves[0].y[:, -1] - halves[1].y[:, -1]
        for _ in range(max_iter):
            if np.max(np.abs(m)) < goal:
                break
            steps = 1e-6 * np.maximum(z, 1.0) if rtol_ < 1e-10 else 1e-4 * np.maximum(z, 1.0)
            moved = (half(0, z[0] + steps[0], rtol_), half(1, z[1] + steps[1], rtol_))
            if moved[0] is None or moved[1] is None:
                steps = -steps
                moved = (half(0, z[0] + steps[0], rtol_), half(1, z[1] + steps[1], rtol_))
                if moved[0] is None or moved[1] is None:
                    break
            J = np.column_stack([(moved[0].y[:, -1] - halves[0].y[:, -1]) / steps[0],
                                 -(moved[1].y[:, -1] - halves[1].y[:, -1]) / steps[1]])
            delta = np.linalg.lstsq(J, -m, rcond=1e-12)[0]
            t, improved = 1.0, False
            while t > 1e-3:  # backtracking: halve the step until the mismatch falls
                trial = z + t * delta
                new = (half(0, trial[0], rtol_, dense), half(1, trial[1], rtol_, dense))
                if new[0] is not None and new[1] is not None:
                    m_new = new[0].y[:, -1] - new[1].y[:, -1]
                    if np.max(np.abs(m_new)) < np.max(np.abs(m)):
                        z, m, halves, improved = trial, m_new, new, True
                        break
                t *= 0.5
            if not improved:
                break
        return z, m, halves

    guess = np.array([g_hi_slope, h_lo_slope])  # exact for uniform priors (the linear equilibrium)
    at_guess = (half(0, guess[0], rtol, True), half(1, guess[1], rtol, True))
    others: list = []
    if at_guess[0] is not None and at_guess[1] is not None \
            and np.max(np.abs(at_guess[0].y[:, -1] - at_guess[1].y[:, -1])) < tol:
        z, (low, high) = guess, at_guess
        m = low.y[:, -1] - high.y[:, -1]
        method = "two-sided shooting; the end slopes 1 + (1-k) R, 1 + k L solve it (uniform priors: linear equilibrium)"
    else:
        z, m, _ = newton(guess, 1e-8, 1e-8, 25)  # usually enough: Newton from the uniform-exact slopes
        roots, gap = ([z], 0.0) if np.max(np.abs(m)) < 1e-7 else _meeting_points(half, newton, _SLOPES, guess)
        method = ("two-sided shooting: damped Newton on the mid-point mismatch from the end slopes 1 + (1-k) R, "
                  "1 + k L (rtol 1e-8, then {rtol:g})") if gap == 0.0 else \
            ("two-sided shooting: scan of both end slopes for where the halves meet, then damped Newton "
             "(rtol 1e-8, then {rtol:g})")
        if not roots:
            raise ConvergenceError(
                f"no regular equilibrium found: for no end slopes g'(p_lo), h'(p_hi) in [{_SLOPES[0]:g}, "
                f"{_SLOPES[-1]:g}] do the halves from p_lo = {p_lo:.6g} and p_hi = {p_hi:.6g} meet at p = {p_mid:.6g} "
                f"(closest sampled approach of the two curves of (h, g): {gap:.3g}; {calls[0]} integrations). "
                f"This equilibrium (finite, non-zero end slopes) does not exist for every prior: near uniform priors "
                f"at k = 1/2 it is typically missing (see the module docstring)")
        roots.sort(key=lambda r: float(np.sum(np.log(r / guess) ** 2)))
        z, others = roots[0], [tuple(float(x) for x in r) for r in roots[1:]]
        # full accuracy, starting next to the root (one or two Newton steps); tighter if the integration error of
        # the mismatch is not below tol
        for rtol_ in (rtol, 0.1 * rtol):
            z, m, (low, high) = newton(z, rtol_, tol, 8, dense=True)
            if np.max(np.abs(m)) < tol:
                break
    residual = float(np.max(np.abs(m)))
    if not residual < tol:
        raise ConvergenceError(f"shooting did not converge: mismatch of (h, g) at p = {p_mid:.6g} is {residual:.3g} "
                               f"> {tol:g} after {calls[0]} integrations (end slopes tried: {z})")
    method = method.format(rtol=rtol)
    # independent check of the first-order conditions: finite differences of the dense output vs the RHS
    grid = np.linspace(p_lo + 0.01 * width, p_hi - 0.01 * width, 201)
    dp = 1e-4 * width
    vals = [np.where(q <= p_mid, low.sol(q), high.sol(q)) for q in (grid - dp, grid + dp, grid)]
    deriv = (vals[1] - vals[0]) / (2 * dp)
    f = np.array([rhs(p, y) for p, y in zip(grid, vals[2].T)]).T
    ode_residual = float(np.max(np.abs(deriv - f) / np.maximum(1, np.abs(f))))
    return BNEResult(
        k=k, price_range=(p_lo, p_hi), buyer_range=(p_lo, v_hi), seller_range=(c_lo, p_hi),
        end_slopes=(h_lo_slope, float(z[0]), float(z[1]), g_hi_slope), residual=residual, ode_residual=ode_residual,
        other_end_slopes=tuple(others), iterations=calls[0], method=method, seconds=time.perf_counter() - start,
        _low=low.sol, _high=high.sol, _p_mid=p_mid, _supports=((v_lo, v_hi), (c_lo, c_hi)), _priors=(buyer, seller),
    )
