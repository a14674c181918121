"""The market for lemons (Akerlof 1970): adverse selection, unravelling, and certification as a remedy.

Model
-----
Each potential seller owns one car of quality q ~ F, a continuous distribution on a finite interval
[q_lo, q_hi] with q_lo >= 0. A seller values her car at q, a buyer at b q with b > 1 (the buyer premium), so every
trade creates gains (b - 1) q. Sellers know q; buyers know only F. Buyers are many and compete, so a car sells at
the buyers' expected value of the cars offered at that price. At price p the sellers with q <= p offer, hence an
equilibrium price solves the fixed-point equation

    p = g(p) := b E[q | q <= min(p, q_hi)],                                                            (1)

that is p = b E[q] when every seller sells (p >= q_hi), and p = b E[q | q <= p] with p < q_hi when the best
sellers stay out. g is non-decreasing (adding better cars raises the average), so the fixed points are ordered
and the largest one is the best for everybody: each seller gets max(p, q), buyers get zero in every equilibrium.
:func:`market_equilibrium` reports the largest fixed point and lists the others it finds. When q_lo = 0 the price
p = 0 is always a (degenerate) fixed point: no trade, total unravelling.

Welfare is the gains from trade per potential seller, W(p) = (b - 1) E[q; q <= p] (the partial expectation); with
full information every car trades and W_FI = (b - 1) E[q].

Uniform quality on [mu - sigma, mu + sigma] (0 < sigma <= mu), from chapter 1:

    p = b mu                          if sigma <= sigma* = (b - 1) mu   (every seller sells),
    p = b (mu - sigma) / (2 - b)      if sigma >  sigma*                (possible only for b < 2),

so sigma* is the market-exit threshold: the information gap above which the best sellers leave.

Certification (after Viscusi 1978). A seller may pay c >= 0 to have q verified; a certified car sells at b q. A
seller certifies iff b q - c >= max(p_u, q), where p_u is the price of uncertified cars, so certifiers are the
sellers above a threshold theta, and the uncertified pool is F truncated to [q_lo, theta]. With q_c = c / (b - 1)
(the quality at which certifying beats keeping the car) an equilibrium threshold is one of

    (A) theta >= q_c with b (theta - E[q | q <= theta]) = c: the marginal seller is indifferent, the whole
        uncertified pool sells at p_u = b E[q | q <= theta] = b theta - c;
    (B) theta = q_c, when b E[q | q <= q_c] <= q_c: the pool is itself a lemons market with p_u <= q_c;
    (C) theta = q_hi (nobody certifies), when b q_hi - c <= max(p_L, q_hi), p_L the lemons price;
    (D) theta = q_lo (everybody certifies: disclosure unravels), when c = 0 (Grossman 1981).

A higher threshold raises p_u and leaves certifiers' payoffs b q - c unchanged, so the highest threshold is best
for everybody; :func:`certification_equilibrium` reports it and lists the others.

Numerics. E[q; q <= p] = p F(p) - int_{q_lo}^p F(q) dq (integration by parts: the cdf is bounded even when the
density is not), with the integral by a composite Gauss-Legendre rule on a grid of ``_N_GRID`` panels (see
``_Pool``). Fixed points are bracketed on that grid and located by scipy.optimize.brentq. Fixed points where
g(p) - p touches zero without changing sign, or two within one grid step, can be missed in the list of *other*
equilibria; the reported (largest) one is exact up to brentq's tolerance.

:func:`simulate_market` is an independent check: a finite market of sellers drawn from F in which buyers bid b
times the average quality of the cars on offer until the offer set stops changing.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from lib.distributions import support

__all__ = [
    "InputTypeError", "MarketEquilibrium", "UniformMarket", "MarketSimulation", "CertificationEquilibrium",
    "market_equilibrium", "uniform_exit_threshold", "uniform_market", "simulate_market",
    "certification_equilibrium", "UniformCertification", "uniform_certification", "conditional_mean",
    "partial_expectation",
]

_N_GRID = 2048
_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)
_XTOL = 1e-13


class InputTypeError(ValueError, TypeError):
    """An argument of the wrong kind (e.g. ``quality`` that is not a distribution).

    It is both a ``ValueError`` (what chapter 1's issue asks for: "bad input -> ValueError") and a ``TypeError``
    (what ``lib.distributions.support`` raises for a non-distribution), so either ``except`` catches it."""


# ------------------------------------------------------------------------------------------------ validation

def _real(x, name: str) -> float:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise InputTypeError(f"{name} must be a real number; got {type(x).__name__} {x!r}")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite; got {x!r}")
    return x


def _premium(buyer_premium) -> float:
    b = _real(buyer_premium, "buyer_premium")
    if not b > 1:
        raise ValueError(f"buyer_premium must be > 1 (buyers value a car more than its seller); got {b!r}")
    return b


def _mean(mean) -> float:
    mu = _real(mean, "mean")
    if not mu > 0:
        raise ValueError(f"mean must be > 0; got {mu!r}")
    return mu


def _cost(cost) -> float:
    c = _real(cost, "cost")
    if c < 0:
        raise ValueError(f"cost must be >= 0; got {c!r}")
    return c


def _quality(quality) -> tuple[float, float]:
    """Support of ``quality``; raise (naming ``quality``) unless it is a distribution on a finite [lo, hi], lo >= 0."""
    try:
        lo, hi = support(quality, "quality")
    except TypeError as exc:
        raise InputTypeError(str(exc)) from None
    if lo < 0:
        raise ValueError(f"quality must have a non-negative support (a car is worth q >= 0 to its seller); "
                         f"got [{lo}, {hi}]")
    return lo, hi


# ------------------------------------------------------------------------------------------------ building blocks

def _locate(f, a: float, z: float) -> float:
    """The root of f in the grid cell [a, z] where the grid values change sign: brentq on the exact f, or the end
    nearer zero when the grid estimate and the exact value disagree at an end (the root is at that end)."""
    fa, fz = f(a), f(z)
    if fa * fz < 0:
        return optimize.brentq(f, a, z, xtol=_XTOL)
    return a if abs(fa) <= abs(fz) else z


class _Pool:
    """The distribution of quality with its partial expectations E[q; q <= p] = p F(p) - int_lo^p F.

    int_lo^p F is a composite 8-point Gauss-Legendre rule on the ``_N_GRID`` panels of a uniform grid of
    [q_lo, q_hi] (one vectorised cdf call for all panels), plus the same rule on the last, partial panel. The grid
    values (used to bracket fixed points) and the pointwise values (used by brentq) are the same function, so the
    brackets are consistent. Accuracy: about 1e-13 where F is smooth; a panel holding a kink of F (a jump of the
    density) or an infinite density at q_lo loses digits (about 1e-9 for a Beta(1/2, .) density).
    """

    def __init__(self, quality, lo: float, hi: float):
        self.dist, self.lo, self.hi = quality, lo, hi
        self.mean = float(quality.mean())
        self.x = np.linspace(lo, hi, _N_GRID + 1)
        self.step = (hi - lo) / _N_GRID
        half = self.step / 2
        nodes = (self.x[:-1] + half)[:, None] + half * _GL_X[None, :]
        panels = half * (self._F(nodes) @ _GL_W)
        self.int_F = np.concatenate(([0.0], np.cumsum(panels)))
        self.F = self._F(self.x)
        self.F[0], self.F[-1] = 0.0, 1.0
        pe = np.clip(self.x * self.F - self.int_F, 0.0, None)
        with np.errstate(invalid="ignore", divide="ignore"):
            m = np.where(self.F > 0, pe / np.where(self.F > 0, self.F, 1.0), lo)
        self.m = np.clip(m, lo, self.x)  # E[q | q <= x] lies in [lo, x]

    def _F(self, p):
        return np.clip(self.dist.cdf(p), 0.0, 1.0)

    def cdf(self, p):
        """F(p), vectorised; exactly 0 below q_lo and 1 above q_hi."""
        p = np.asarray(p, dtype=float)
        out = np.where(p <= self.lo, 0.0, np.where(p >= self.hi, 1.0, self._F(np.clip(p, self.lo, self.hi))))
        return float(out) if out.ndim == 0 else out

    def partial(self, p):
        """E[q; q <= p] = p F(p) - int_lo^p F, vectorised."""
        p = np.clip(np.asarray(p, dtype=float), self.lo, self.hi)
        k = np.clip(((p - self.lo) / self.step).astype(int), 0, _N_GRID - 1)
        a = self.x[k]
        half = (p - a) / 2
        tail = half * (self._F((a + half)[..., None] + half[..., None] * _GL_X) @ _GL_W)
        out = np.maximum(p * self.cdf(p) - (self.int_F[k] + tail), 0.0)
        out = np.where(p >= self.hi, self.mean, np.where(p <= self.lo, 0.0, out))
        return float(out) if out.ndim == 0 else out

    def cond_mean(self, p):
        """E[q | q <= p], vectorised, with its limit q_lo at p <= q_lo."""
        p = np.asarray(p, dtype=float)
        F = np.asarray(self.cdf(p))
        with np.errstate(invalid="ignore", divide="ignore"):
            m = np.where(F > 0, np.asarray(self.partial(p)) / np.where(F > 0, F, 1.0), self.lo)
        out = np.clip(m, self.lo, np.clip(p, self.lo, self.hi))
        return float(out) if out.ndim == 0 else out

    def roots(self, f_grid: np.ndarray, f_exact, top: float) -> list[float]:
        """Sign changes of f on the grid points in [lo, top] (top included), located by brentq on ``f_exact``.

        Values within 1e-12 q_hi of zero count as zero and are skipped, so a run of zeros between values of
        opposite sign is one root and a tangency (or an interval of roots) is not listed."""
        keep = self.x < top
        x = np.append(self.x[keep], top)
        y = np.append(f_grid[keep], f_exact(top))
        y = np.where(np.abs(y) <= 1e-12 * max(self.hi, 1.0), 0.0, y)
        nonzero = np.flatnonzero(y)
        sign = np.sign(y[nonzero])
        found = []
        for k in np.flatnonzero(sign[:-1] * sign[1:] < 0):
            found.append(_locate(f_exact, float(x[nonzero[k]]), float(x[nonzero[k + 1]])))
        return found

    def last_root(self, f_grid: np.ndarray, f_exact, top: float, end_value: float) -> float | None:
        """The largest root of f on [lo, top] when f(top) = ``end_value`` != 0: right of the last grid point
        where f has the opposite sign (raw grid values, no tolerance). None if f never has the opposite sign."""
        keep = self.x < top
        x = np.append(self.x[keep], top)
        y = np.append(f_grid[keep], end_value) * np.sign(end_value)
        opposite = np.flatnonzero(y < 0)
        if opposite.size == 0:
            return None
        return _locate(f_exact, float(x[opposite[-1]]), float(x[opposite[-1] + 1]))

    def fixed_points(self, b: float, top: float) -> list[float]:
        """Fixed points of p = b E[q | q <= min(p, top)] for the pool truncated at ``top`` (ascending; the last
        is the largest). Includes q_lo when q_lo = 0 (no trade).

        The largest: b E[q | q <= top] if that is >= top (the whole pool sells); otherwise h(p) = b E[q | q <= p]
        - p is negative at top and h(q_lo+) = (b - 1) q_lo >= 0, so the largest root lies right of the last grid
        point where h > 0 (q_lo itself when h <= 0 on the whole grid, which needs q_lo = 0).
        """
        h_exact = lambda p: b * self.cond_mean(p) - p  # noqa: E731
        h_grid = b * self.m - self.x
        h_grid[0] = (b - 1) * self.lo
        all_sell = b * self.cond_mean(top)
        if all_sell >= top:
            largest = all_sell
        else:
            root = self.last_root(h_grid, h_exact, top, all_sell - top)
            largest = self.lo if root is None else root
        scale = 1e-9 * max(self.hi, 1.0)
        others = [p for p in self.roots(h_grid, h_exact, top) if self.lo < p < largest - scale]
        if self.lo == 0.0 and largest > scale:
            others.insert(0, 0.0)
        return sorted(set(others)) + [largest]


def _prices(p, name: str = "p"):
    if isinstance(p, (bool, np.bool_)) or isinstance(p, (str, bytes)):
        raise InputTypeError(f"{name} must be a real number or an array of them; got {type(p).__name__} {p!r}")
    try:
        arr = np.asarray(p, dtype=float)
    except (TypeError, ValueError):
        raise InputTypeError(f"{name} must be a real number or an array of them; got {type(p).__name__}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; got {p!r}")
    return arr


def partial_expectation(quality, p):
    """E[q; q <= p] = int_{q_lo}^{p} q dF(q) = p F(p) - int_{q_lo}^{p} F(q) dq (by parts; see ``_Pool``).

    Vectorised in ``p``."""
    lo, hi = _quality(quality)
    return _Pool(quality, lo, hi).partial(_prices(p))


def conditional_mean(quality, p):
    """E[q | q <= p]: the average quality of the cars offered at price p (q_lo, its limit, when nobody offers).

    Vectorised in ``p``; b * conditional_mean(quality, p) is the right-hand side of the equilibrium equation (1)."""
    lo, hi = _quality(quality)
    return _Pool(quality, lo, hi).cond_mean(_prices(p))


# ------------------------------------------------------------------------------------------------ the lemons market

@dataclass(frozen=True)
class MarketEquilibrium:
    """The best (largest-price) equilibrium of the lemons market, per potential seller.

    ``price`` solves p = b E[q | q <= min(p, q_hi)]; ``traded_share`` = F(p); ``average_quality`` =
    E[q | q <= p] of the cars traded (q_lo, its limit, when nothing trades); ``welfare`` = (b - 1) E[q; q <= p];
    ``full_information_welfare`` = (b - 1) E[q]. ``other_prices`` lists the smaller fixed points found (0.0 is the
    no-trade one when q_lo = 0). ``regime`` is "all sell", "top sellers exit" or "no trade".
    """

    buyer_premium: float
    support: tuple[float, float]
    price: float
    traded_share: float
    average_quality: float
    welfare: float
    full_information_welfare: float
    other_prices: tuple[float, ...]
    regime: str

    @property
    def welfare_loss(self) -> float:
        """Gains from trade lost to the information gap: (b - 1) E[q; q > p]."""
        return self.full_information_welfare - self.welfare

    @property
    def efficiency(self) -> float:
        """welfare / full-information welfare, in [0, 1]."""
        return self.welfare / self.full_information_welfare

    @property
    def exit_quality(self) -> float:
        """The best quality still sold: min(p, q_hi). Sellers above it leave the market."""
        return min(self.price, self.support[1])


def _outcome(pool: _Pool, b: float, price: float, others: tuple[float, ...]) -> MarketEquilibrium:
    top = min(price, pool.hi)
    share = pool.cdf(top)
    partial = pool.partial(top)
    if share >= 1.0:
        regime = "all sell"
    elif share <= 0.0:
        regime = "no trade"
    else:
        regime = "top sellers exit"
    return MarketEquilibrium(
        buyer_premium=b, support=(pool.lo, pool.hi), price=float(price), traded_share=share,
        average_quality=pool.cond_mean(top), welfare=(b - 1) * partial,
        full_information_welfare=(b - 1) * pool.mean, other_prices=others, regime=regime)


def _best_market(pool: _Pool, b: float) -> MarketEquilibrium:
    """The largest fixed point of the whole pool, with the smaller ones listed."""
    points = pool.fixed_points(b, pool.hi)
    if not points:  # cannot happen: g(q_lo+) >= q_lo and g(q_hi) = b E[q] (see the module docstring)
        raise RuntimeError("no fixed point found; please report this distribution")
    return _outcome(pool, b, points[-1], tuple(points[:-1]))


def market_equilibrium(quality, buyer_premium: float) -> MarketEquilibrium:
    """The lemons equilibrium (Akerlof 1970): the largest p with p = b E[q | q <= min(p, q_hi)].

    ``quality``: a scipy.stats frozen continuous distribution with finite support [q_lo, q_hi], q_lo >= 0.
    ``buyer_premium``: b > 1. Raises ValueError naming the parameter otherwise (``InputTypeError``, a subclass of
    both ValueError and TypeError, for an argument that is not a distribution or not a number).
    """
    lo, hi = _quality(quality)
    b = _premium(buyer_premium)
    return _best_market(_Pool(quality, lo, hi), b)


def uniform_exit_threshold(mean: float, buyer_premium: float) -> float:
    """sigma* = (b - 1) mu: with quality uniform on [mu - sigma, mu + sigma], every seller sells iff sigma <= sigma*.

    Derivation (chapter 1): every seller sells iff b E[q] >= q_hi, i.e. b mu >= mu + sigma.
    """
    return (_premium(buyer_premium) - 1) * _mean(mean)


@dataclass(frozen=True)
class UniformMarket:
    """Closed-form lemons equilibrium for quality uniform on [mu - sigma, mu + sigma] (arrays over sigma)."""

    mean: float
    buyer_premium: float
    spread: np.ndarray
    price: np.ndarray
    traded_share: np.ndarray
    average_quality: np.ndarray
    welfare: np.ndarray
    full_information_welfare: float


def uniform_market(mean: float, spread, buyer_premium: float) -> UniformMarket:
    """Chapter 1's closed forms, vectorised in the spread sigma (0 < sigma <= mu):

    sigma <= (b - 1) mu: p = b mu, F(p) = 1, E[q | traded] = mu, W = (b - 1) mu;
    sigma >  (b - 1) mu: p = b (mu - sigma)/(2 - b), F(p) = (p - mu + sigma)/(2 sigma),
                         E[q | traded] = (mu - sigma + p)/2 = p/b, W = (b - 1)^2 (mu - sigma)^2 / ((2 - b)^2 sigma).
    """
    mu = _mean(mean)
    b = _premium(buyer_premium)
    sigma = np.asarray(spread, dtype=float)
    if sigma.size == 0 or not np.all(np.isfinite(sigma)) or np.any(sigma <= 0) or np.any(sigma > mu):
        raise ValueError(f"spread must be in (0, mean] = (0, {mu}] so that quality is non-negative; got {spread!r}")
    lo = mu - sigma
    all_sell = sigma <= (b - 1) * mu
    with np.errstate(divide="ignore", invalid="ignore"):
        interior = np.where(all_sell, 0.0, b * lo / (2 - b))  # b < 2 whenever this branch is used
    price = np.where(all_sell, b * mu, interior)
    share = np.where(all_sell, 1.0, (interior - lo) / (2 * sigma))
    avg = np.where(all_sell, mu, (lo + interior) / 2)
    return UniformMarket(mu, b, sigma, price, share, avg, (b - 1) * share * avg, (b - 1) * mu)


# ------------------------------------------------------------------------------------------------ Monte Carlo

@dataclass(frozen=True)
class MarketSimulation:
    """A finite market: ``n_sellers`` draws from F; buyers bid b x (average quality on offer) each round.

    ``price`` is where the bidding stops; ``traded_share``, ``average_quality`` and ``welfare`` = (b - 1) (sum of
    traded q) / n_sellers are measured on the sample; ``price_path`` lists the bids round by round.
    """

    n_sellers: int
    seed: int
    price: float
    traded_share: float
    average_quality: float
    welfare: float
    full_information_welfare: float
    price_path: tuple[float, ...]

    @property
    def rounds(self) -> int:
        return len(self.price_path)


def simulate_market(quality, buyer_premium: float, n_sellers: int = 100_000, seed: int = 2026) -> MarketSimulation:
    """Simulate the lemons market with ``n_sellers`` sellers drawn from ``quality`` (seeded).

    Round 0: every seller offers. In each round competing buyers bid b times the average quality of the cars
    offered; then the sellers with q <= bid offer. The offered set can only shrink (the bid is non-increasing),
    and the bidding stops when it no longer changes; that bid is the largest fixed point of the sample's
    p = b mean{q_i : q_i <= p}. The worst car always sells (b q_min > q_min), so the sample never unravels
    completely; as n_sellers grows the outcome converges to :func:`market_equilibrium` (chapter 1 checks this).
    """
    lo, hi = _quality(quality)
    b = _premium(buyer_premium)
    if isinstance(n_sellers, (bool, np.bool_)) or not isinstance(n_sellers, numbers.Integral):
        raise InputTypeError(f"n_sellers must be an integer; got {type(n_sellers).__name__} {n_sellers!r}")
    if not 1 <= n_sellers <= 10_000_000:
        raise ValueError(f"n_sellers must be in [1, 10_000_000]; got {n_sellers!r}")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    rng = np.random.default_rng(int(seed))
    q = np.sort(np.clip(quality.rvs(size=int(n_sellers), random_state=rng), lo, hi))
    total = np.cumsum(q)
    offered = len(q)
    path = []
    while True:
        bid = b * total[offered - 1] / offered
        path.append(float(bid))
        now = int(np.searchsorted(q, bid, side="right"))
        if now == offered:
            break
        offered = now
    traded = q[:offered]
    return MarketSimulation(
        n_sellers=int(n_sellers), seed=int(seed), price=path[-1], traded_share=offered / len(q),
        average_quality=float(traded.mean()), welfare=(b - 1) * float(total[offered - 1]) / len(q),
        full_information_welfare=(b - 1) * float(total[-1]) / len(q), price_path=tuple(path))


# ------------------------------------------------------------------------------------------------ certification

@dataclass(frozen=True)
class CertificationEquilibrium:
    """The lemons market with certification at cost c (after Viscusi 1978), best equilibrium.

    Sellers with q >= ``threshold`` certify and sell at b q; the others form the uncertified pool, which sells at
    ``uncertified_price`` p_u (those with q <= p_u sell; the rest keep their cars). ``case`` is "A" (marginal
    certifier indifferent, whole pool sells), "B" (threshold c/(b - 1), pool is itself a lemons market), "C"
    (nobody certifies) or "D" (c = 0: everybody certifies). ``welfare`` = (b - 1) E[q; traded] - c P(certify);
    ``lemons`` is the market without certification, for comparison.
    """

    cost: float
    threshold: float
    uncertified_price: float
    certified_share: float
    uncertified_traded_share: float
    welfare: float
    certification_spending: float
    case: str
    other_thresholds: tuple[float, ...]
    lemons: MarketEquilibrium

    @property
    def traded_share(self) -> float:
        return self.certified_share + self.uncertified_traded_share

    @property
    def full_information_welfare(self) -> float:
        return self.lemons.full_information_welfare

    @property
    def welfare_recovered(self) -> float:
        """Welfare gained relative to the lemons market (negative when certification is wasteful)."""
        return self.welfare - self.lemons.welfare

    @property
    def share_recovered(self) -> float | None:
        """welfare_recovered / (welfare lost in the lemons market); None when the lemons market lost nothing."""
        lost = self.lemons.welfare_loss
        return None if lost <= 1e-15 * self.full_information_welfare else self.welfare_recovered / lost


def certification_equilibrium(quality, buyer_premium: float, cost: float) -> CertificationEquilibrium:
    """Best equilibrium of the lemons market when a seller can certify her quality at cost ``cost`` = c >= 0.

    A seller certifies iff b q - c >= max(p_u, q). The equilibrium thresholds theta are those of cases (A)-(D) in
    the module docstring; the highest one is reported (it is best for every seller; buyers get zero in all).
    Source: Akerlof (1970), Viscusi (1978); the c = 0 case is Grossman's (1981) unravelling of disclosure.
    """
    lo, hi = _quality(quality)
    b = _premium(buyer_premium)
    c = _cost(cost)
    pool = _Pool(quality, lo, hi)
    lemons = _best_market(pool, b)
    q_c = c / (b - 1)
    tol = 1e-12 * max(hi, 1.0)
    candidates: dict[float, str] = {}

    def add(theta: float, case: str) -> None:  # one entry per threshold (rounding can split one into two)
        if all(abs(theta - t) > tol for t in candidates):
            candidates[theta] = case

    if b * hi - c <= max(lemons.price, hi):
        add(hi, "C")
    if c == 0:
        add(lo, "D")
    phi_grid = b * (pool.x - pool.m) - c
    phi_grid[0] = -c
    phi_exact = lambda t: b * (t - pool.cond_mean(t)) - c  # noqa: E731
    phi_top = b * (hi - pool.mean) - c
    roots = pool.roots(phi_grid, phi_exact, hi)
    if phi_top > 0 and c > 0:  # the largest root, robustly (it can sit below the first grid point when c is tiny)
        roots.append(pool.last_root(phi_grid, phi_exact, hi, phi_top))
    for t in sorted(roots, reverse=True):  # (A); t = q_lo only when c is below rounding (theta = q_lo + 2c/b)
        if t >= q_c - tol and lo <= t < hi:
            add(t, "A")
    if lo < q_c < hi and b * pool.cond_mean(q_c) <= q_c:
        add(q_c, "B")
    if not candidates:  # cannot happen: the threshold map is monotone, so it has a fixed point (Tarski)
        raise RuntimeError("no certification equilibrium found; please report this distribution")
    theta = max(candidates)
    case = candidates[theta]
    if case == "D":
        p_u = b * lo
    elif case == "C":
        p_u = lemons.price
    elif case == "A":
        p_u = b * pool.cond_mean(theta)
    else:  # B: the uncertified pool is the lemons market truncated at theta
        p_u = pool.fixed_points(b, theta)[-1]
    certified = 1.0 - pool.cdf(theta)
    sold_top = min(p_u, theta)
    uncertified = pool.cdf(sold_top)
    gains = (b - 1) * (pool.partial(sold_top) + pool.mean - pool.partial(theta))
    return CertificationEquilibrium(
        cost=c, threshold=float(theta), uncertified_price=float(p_u), certified_share=certified,
        uncertified_traded_share=uncertified, welfare=gains - c * certified, certification_spending=c * certified,
        case=case, other_thresholds=tuple(sorted(t for t in candidates if t != theta)), lemons=lemons)


@dataclass(frozen=True)
class UniformCertification:
    """Closed-form certification equilibrium for quality uniform on [mu - sigma, mu + sigma] (arrays over sigma).

    ``case`` holds "A", "B", "C" or "D" as in :func:`certification_equilibrium`."""

    mean: float
    buyer_premium: float
    cost: float
    spread: np.ndarray
    threshold: np.ndarray
    uncertified_price: np.ndarray
    certified_share: np.ndarray
    uncertified_traded_share: np.ndarray
    welfare: np.ndarray
    case: np.ndarray


def uniform_certification(mean: float, spread, buyer_premium: float, cost: float) -> UniformCertification:
    """Chapter 1's closed forms for certification with uniform quality on [lo, hi] = [mu - sigma, mu + sigma].

    With q_c = c / (b - 1) and E[q | q <= t] = (lo + t) / 2, the cases of :func:`certification_equilibrium` are

    (A) theta = lo + 2c / b, valid when q_c <= theta < hi; p_u = b theta - c; every uncertified car sells;
    (B) theta = q_c, valid when lo < q_c < hi and b (lo + q_c) / 2 <= q_c; p_u = b lo / (2 - b);
    (C) theta = hi, valid when b hi - c <= max(p_L, hi) with p_L the lemons price; p_u = p_L;
    (D) theta = lo when c = 0; p_u = b lo.

    For uniform quality at most one of (A), (B), (C) holds (chapter 1 shows why), so the equilibrium is unique.
    Welfare = (b - 1) [(min(p_u, theta)^2 - lo^2) + (hi^2 - theta^2)] / (4 sigma) - c (hi - theta) / (2 sigma).
    """
    lemons = uniform_market(mean, spread, buyer_premium)
    b, mu = lemons.buyer_premium, lemons.mean
    c = _cost(cost)
    sigma = lemons.spread
    lo, hi = mu - sigma, mu + sigma
    q_c = c / (b - 1)
    theta_a = lo + 2 * c / b
    case_c = b * hi - c <= np.maximum(lemons.price, hi)
    case_a = (theta_a >= q_c) & (theta_a < hi)
    case_b = (lo < q_c) & (q_c < hi) & (b * (lo + q_c) / 2 <= q_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        pool_b = np.where(lo > 0, b * lo / (2 - b), 0.0)
    if c == 0:
        case = np.full(sigma.shape, "D")
        theta, p_u = lo, b * lo
    else:
        case = np.select([case_c, case_a, case_b], ["C", "A", "B"], default="?")
        if np.any(case == "?"):  # cannot happen (see the docstring); never return a silent wrong answer
            raise RuntimeError(f"no certification case applies for spread {sigma[case == '?']}")
        theta = np.select([case_c, case_a], [hi, theta_a], default=q_c)
        p_u = np.select([case_c, case_a], [lemons.price, b * theta_a - c], default=pool_b)
    theta, p_u = np.broadcast_to(theta, sigma.shape), np.broadcast_to(p_u, sigma.shape)
    sold = np.minimum(p_u, theta)
    certified = (hi - theta) / (2 * sigma)
    uncertified = np.maximum(sold - lo, 0.0) / (2 * sigma)
    welfare = (b - 1) * ((sold**2 - lo**2) + (hi**2 - theta**2)) / (4 * sigma) - c * certified
    return UniformCertification(mu, b, c, sigma, theta, p_u, certified, uncertified, welfare, case)
