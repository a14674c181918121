"""The market for lemons (Akerlof 1970): adverse selection, unravelling, and certification as a remedy.

Model
-----
Each potential seller owns one car of quality q ~ F, a distribution on a finite interval [q_lo, q_hi] with
q_lo >= 0 (continuous, or with finitely many quality levels). A seller values her car at q, a buyer at b q with
b > 1 (the buyer premium), so every trade creates gains (b - 1) q. Sellers know q; buyers know only F. Buyers are
many and compete, so a car sells at the buyers' expected value of the cars offered at that price. At price p the
sellers with q <= p offer, hence an equilibrium price solves the fixed-point equation

    p = g(p) := b E[q | q <= min(p, q_hi)],                                                            (1)

that is p = b E[q] when every seller sells (p >= q_hi), and p = b E[q | q <= p] with p < q_hi when the best
sellers stay out. g is non-decreasing (adding better cars raises the average). Two things follow from that, and
only these: a largest fixed point exists (Tarski's theorem on the lattice [q_lo, max(q_hi, b E[q])]), and the
equilibria are Pareto-ranked: a higher price is better for every seller (each gets max(p, q)), buyers get zero in
every equilibrium. :func:`market_equilibrium` reports the largest fixed point and lists all the fixed points it
verifies, with the slope g'(p) and whether p is stable under p_{t+1} = g(p_t). When q_lo = 0 the price p = 0 is
always a (degenerate) fixed point: no trade, total unravelling (Akerlof's own example: q ~ U[0, 2], b = 3/2).

Welfare is the gains from trade per potential seller, W(p) = (b - 1) E[q; q <= p] (the partial expectation); with
full information every car trades and W_FI = (b - 1) E[q].

Uniform quality on [mu - sigma, mu + sigma] (0 < sigma <= mu), from chapter 1:

    p = b mu                          if sigma <= sigma* = (b - 1) mu   (every seller sells),
    p = b (mu - sigma) / (2 - b)      if sigma >  sigma*                (possible only for b < 2),

so sigma* is the market-exit threshold: the information gap above which the best sellers leave. Whether the
price falls continuously beyond such a threshold or jumps is decided by :func:`top_slope`.

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
for everybody; :func:`certification_equilibrium` reports it and lists the others. A rebated tax per certificate
moves the threshold up at no real cost; :func:`optimal_certification` finds the threshold a planner who cannot see
uncertified quality would choose, and the tax that implements it.

Numerics (see ``_Pool``). The cdf and the partial expectation are built once on Gauss-Legendre panels, refined
where needed (bounded work); where F underflows they are computed from the log-density. Every fixed point
reported is verified: h(p) = b E[q | q <= p] - p, evaluated accurately, has opposite signs on both sides of it, and
brentq locates it. Within 2.2e-293 max(1, scale) of the lowest quality (subnormal offsets) E is not resolved,
and a sign change of h there is rounding noise: it is merged into the fixed point at the bottom of the support
(``_Pool.unresolved``). Fixed points where h touches zero without changing sign, or two within one scan step, can be
missed in the list of *other* equilibria; the reported (largest) one is exact up to brentq's tolerance, or,
where g = p on an interval (h within its rounding of 0 on scan points spanning more than 1e-6 of the support,
e.g. density 0.18 on [1, 3] and 0.08 q on [3, 5] with b = 3/2, where g = p on [3, 5]), it is that interval's right
end up to the rounding of h, and the interval's lower end is listed too (when q_lo < it and it is not q_hi). With
finitely many quality levels the fixed points are found exactly (``_Atoms``).

:func:`simulate_market` is an independent check: a finite market of sellers drawn from F in which buyers bid b
times the average quality of the cars on offer until the offer set stops changing.
"""
from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy.stats import rv_histogram
from scipy.stats._distn_infrastructure import rv_continuous, rv_discrete_frozen, rv_sample

from lib.distributions import support
from lib.validation import InputTypeError, real_array  # one class for every model

__all__ = [
    "InputTypeError", "MarketEquilibrium", "FixedPoint", "UniformMarket", "MarketSimulation",
    "CertificationEquilibrium", "OptimalCertification", "market_equilibrium", "uniform_exit_threshold",
    "uniform_market", "simulate_market", "certification_equilibrium", "optimal_certification",
    "UniformCertification", "uniform_certification", "conditional_mean", "partial_expectation", "top_slope",
]

_N_GRID = 2048                       # base panels of [q_lo, q_hi]
_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)
_REL_TOL = 1e-12                     # panel refinement: relative disagreement of one panel vs its two halves
_MAX_LEVELS = 40                     # panel refinement: at most 40 halvings ...
_MAX_PANELS = 40_000                 # ... and at most this many panels in all
_TINY = 1e-280                       # below this F(p) is computed in log space (see _Pool)
_MAX_ATOMS = 1_000_000


_LOG_U0 = 1e-15  # below u0 (p - q_lo) the log-space route takes the density as a power of the distance
_RESOLVED = np.finfo(float).tiny / _LOG_U0  # 2.2e-293: see _Pool.unresolved


def _log_mesh():
    """Gauss-Legendre nodes and weights (20 per panel) on [u0, 1], panels graded geometrically towards both ends
    (the rest, [0, u0], is integrated as a power law: see ``_Pool._log_stats``)."""
    g = np.geomspace(_LOG_U0, 0.5, 52)
    cuts = np.unique(np.concatenate((g, 1 - g, np.linspace(0, 1, 33)[1:])))
    x20, w20 = np.polynomial.legendre.leggauss(20)
    half = np.diff(cuts) / 2
    nodes = (cuts[:-1] + half)[:, None] + half[:, None] * x20
    return nodes.ravel(), (half[:, None] * w20).ravel()


_LOG_U, _LOG_W = _log_mesh()
_TAIL_SCAN = np.unique(np.concatenate((np.geomspace(1e-12, 1.0, 160), np.linspace(0.0, 1.0, 97))))




# ------------------------------------------------------------------------------------------------ validation

def _real(x, name: str) -> float:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise InputTypeError(f"{name} must be a real number; got {type(x).__name__} {x!r}")
    try:
        x = float(x)
    except OverflowError:
        raise ValueError(f"{name} must be a real number within the float range; got {x!r}") from None
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


def _cost(cost, name: str = "cost") -> float:
    c = _real(cost, name)
    if c < 0:
        raise ValueError(f"{name} must be >= 0; got {c!r}")
    return c


def _is_discrete(quality) -> bool:
    return isinstance(quality, (rv_discrete_frozen, rv_sample))


def _atoms(quality):
    """Values and probabilities of a discrete ``quality`` with finite support (raise naming ``quality``)."""
    gen = quality.dist if isinstance(quality, rv_discrete_frozen) else quality
    if isinstance(quality, rv_discrete_frozen) and not isinstance(gen, rv_sample):
        lo, hi = (np.asarray(v, dtype=float) for v in quality.support())
        if lo.ndim or hi.ndim:
            raise InputTypeError("quality must be a single distribution, not an array of distributions")
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError(f"quality must have a bounded support [lo, hi]; got [{lo}, {hi}]")
        if hi - lo + 1 > _MAX_ATOMS:
            raise ValueError(f"quality has more than {_MAX_ATOMS} support points; use a continuous distribution")
        xk = np.arange(float(lo), float(hi) + 1.0)
        pk = np.asarray(quality.pmf(xk), dtype=float)
    else:
        if isinstance(quality, rv_discrete_frozen):
            _, loc, scale = gen._parse_args(*quality.args, **quality.kwds)
        else:
            loc, scale = 0.0, 1.0
        xk = np.asarray(gen.xk, dtype=float) * scale + loc
        pk = np.asarray(gen.pk, dtype=float)
    if pk.ndim != 1 or not np.all(np.isfinite(xk)) or not np.all(np.isfinite(pk)):
        raise ValueError("quality must have finitely many finite support points")
    keep = pk > 0
    xk, pk = xk[keep], pk[keep]
    order = np.argsort(xk)
    xk, pk = xk[order], pk[order]
    if xk.size == 0 or xk[0] < 0:
        raise ValueError(f"quality must have a non-negative support (a car is worth q >= 0 to its seller); "
                         f"got support points from {xk[0] if xk.size else 'none'}")
    return xk, pk / pk.sum()


def _quality(quality) -> tuple[float, float]:
    """Support of ``quality``; raise (naming ``quality``) unless it is a distribution on a finite [lo, hi], lo >= 0.
    A continuous lower end within 1e-13 q_hi of 0 (scipy's rounding of loc + a scale) is taken as 0."""
    if _is_discrete(quality):
        xk, _ = _atoms(quality)
        return float(xk[0]), float(xk[-1])
    try:
        lo, hi = support(quality, "quality")
    except TypeError as exc:
        raise InputTypeError(str(exc)) from None
    if abs(lo) <= 1e-13 * hi:  # rounding of loc + a * scale (e.g. a truncated normal cut at 0): lo is 0
        lo = 0.0
    if lo < 0:
        raise ValueError(f"quality must have a non-negative support (a car is worth q >= 0 to its seller); "
                         f"got [{lo}, {hi}]")
    return lo, hi


def _pool(quality, b: float | None = None):
    """The pool object (_Pool for a continuous ``quality``, _Atoms for a discrete one), validated."""
    lo, hi = _quality(quality)
    if b is not None and not math.isfinite(b * hi):
        raise ValueError(f"quality's support is too large for floating point: buyer_premium * q_hi = {b} * {hi} "
                         f"overflows; rescale quality (the model is homogeneous in the unit of money)")
    if _is_discrete(quality):
        return _Atoms(*_atoms(quality))
    return _cached_pool(quality, lo, hi)


_POOLS: dict = {}                    # _Pool by distribution (see _cached_pool), oldest first
_MAX_POOLS = 64


def _pool_key(quality, lo: float, hi: float):
    """A hashable key of a frozen continuous distribution, or None (not cached). A scipy family (a generator class
    of scipy.stats._continuous_distns; freezing copies the generator, so it is keyed by its class and constructor
    parameters) with its shapes, loc and scale as floats, and the support; any other generator (user-written,
    rv_histogram) by its identity, so only the same frozen object is found again."""
    gen = quality.dist
    try:
        args = tuple(float(v) for v in quality.args)
        kwds = tuple(sorted((str(k), float(v)) for k, v in quality.kwds.items()))
    except (TypeError, ValueError):
        return None
    if type(gen).__module__ == "scipy.stats._continuous_distns" and not isinstance(gen, rv_histogram):
        ctor = gen._updated_ctor_param()
        family = (type(gen), str(ctor.get("name")), float(ctor.get("a")), float(ctor.get("b")))
    else:
        family = (type(gen), id(gen))
    return family, args, kwds, lo, hi


def _cached_pool(quality, lo: float, hi: float) -> "_Pool":
    """The _Pool of ``quality``, built once per distribution (a chapter solves the same prior for many premiums,
    costs and taxes); the last 64 are kept. An entry holds its generator, so an id in a key cannot be reused while
    the entry lives; a _Pool is not modified after it is built (its lazily computed scan values depend only on the
    distribution)."""
    key = _pool_key(quality, lo, hi)
    if key is None:
        return _Pool(quality, lo, hi)
    hit = _POOLS.pop(key, None)
    if hit is None:
        hit = (quality.dist, _Pool(quality, lo, hi))
    _POOLS[key] = hit  # most recently used last
    while len(_POOLS) > _MAX_POOLS:
        del _POOLS[next(iter(_POOLS))]
    return hit[1]


# ------------------------------------------------------------------------------------------------ building blocks

@dataclass(frozen=True)
class FixedPoint:
    """A fixed point p = g(p) of the lemons map g(p) = b E[q | q <= min(p, q_hi)], with g'(p) (``slope``) and
    ``stable`` = slope < 1: stable under the withdraw-and-reprice dynamics p_{t+1} = g(p_t). A slope of exactly 1
    (a tangency, or g = p on a whole interval, as for U[0, 2] with b = 2, where every price in [0, 2] is an
    equilibrium and only the ends are listed) is reported as not stable: first-order terms do not decide it."""

    price: float
    slope: float
    stable: bool


def _overridden(gen, name: str) -> bool:
    return getattr(type(gen), name) is not getattr(rv_continuous, name)


def _brentq(f, a: float, z: float) -> float:
    return optimize.brentq(f, a, z, xtol=max(1e-15 * max(abs(a), abs(z)), 1e-323), rtol=4 * np.finfo(float).eps,
                           maxiter=400)


class _Pool:
    """A continuous quality distribution with its cdf F(p) and conditional mean E[q | q <= p], built once.

    Panels. The support is cut at 2048 equal panels, at 2047 quantiles and at the quantiles 10^-3.5 ... 10^-300 of
    the lower tail (when the distribution has its own ppf), and at the bin edges of an rv_histogram. Each panel is
    halved while an 8-point Gauss-Legendre rule on it and on its two halves disagree by more than 1e-12 (relative)
    plus 1e-16 times its share of the support (panels narrower than 1e-12 of the support are not halved),
    at most 40 times and to at most 40,000 panels in all: this is the bound on work (about 2 x 10^6 evaluations of
    the cdf or pdf, one vectorised call per halving).

    Two routes. A distribution with its own cdf (every scipy family, rv_histogram) is integrated by parts,
    E[q; q <= p] = p F(p) - int F (F is bounded even where the density is not). A user-written ``rv_continuous``
    with only ``_pdf`` is integrated directly: F = int f and E[q; q <= p] = int q f on the same panels (so no call
    of scipy's quad-based generic cdf); the density must integrate to 1 within 1e-6 (it is then renormalised).

    Log space. Where F(p) < 1e-280 (it underflows or loses its relative accuracy), or p is within 1e-3 of the
    support's width from q_lo (where F is a difference of nearly equal numbers: e.g. a truncated normal's cdf there
    loses 7.9e-11 of E[q | q <= p] - q_lo at 1e-6, 5.8e-14 at 1e-3), F and E[q | q <= p] are computed from the
    log-density: E[q | q <= p] = int q w / int w with w = exp(log f - max log f) on a mesh of [q_lo, p] graded
    geometrically towards both ends (20-point rules) down to 1e-15 (p - q_lo), below which the density is taken as
    a power of the distance (exact for Beta(a, .) with a < 1, whose mass there is (1e-15)^a of F(p)), so a fixed
    point deep in the lower tail is found and one where F underflows is never faked.
    """

    discrete = False

    def __init__(self, quality, lo: float, hi: float):
        self.dist, self.lo, self.hi = quality, lo, hi
        gen = quality.dist
        self.by_cdf = _overridden(gen, "_cdf")
        self.total = 1.0
        width = hi - lo
        self.width = width
        self._floor = np.array([1e-16] if self.by_cdf else [1e-16, 1e-16])  # absolute, per unit of u
        pts = [np.linspace(lo, hi, _N_GRID + 1)]
        if self.by_cdf and _overridden(gen, "_ppf"):
            levels = np.concatenate((np.linspace(0, 1, _N_GRID + 1)[1:-1], 10.0 ** -np.arange(3.5, 300.5, 0.5)))
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. Beta's ppf at 1e-300 (boost gives up; nan is dropped)
                q = np.asarray(quality.ppf(levels), dtype=float)
            pts.append(q[np.isfinite(q)])
        edges = getattr(gen, "_hbins", None)
        if edges is not None:
            _, loc, scale = gen._parse_args(*quality.args, **quality.kwds)
            pts.append(np.asarray(edges, dtype=float) * scale + loc)
        x = np.unique(np.clip(np.concatenate(pts), lo, hi))
        start = self._start_in(float(x[0]), float(x[1]))  # a density that is 0 on [q_lo, start) inside the first
        if start > x[0]:  # panel: cut there before integrating (its nodes and its halves' can all lie above start)
            x = np.unique(np.append(x, start))
        self._build(x)
        self.eff_lo = self._effective_lo()
        if self.eff_lo > lo and not np.any(self.x == self.eff_lo):
            # the density starts inside a panel (a jump there can lie between every node of the panel and of its
            # halves, so the rules agree on a wrong integral): cut the panels at that point and integrate again
            self.total = 1.0
            self._build(np.unique(np.append(x, self.eff_lo)))
        # offsets from eff_lo below which the log-space route's smallest node offsets, u0 (p - eff_lo) and that over
        # the distribution's scale (the by-cdf route passes (a - loc) / scale + d / scale), are subnormal
        scale = gen._parse_args(*quality.args, **quality.kwds)[2] if self.by_cdf else 1.0
        self.resolution = _RESOLVED * max(1.0, float(scale))
        self._scanned = None

    def _build(self, x):
        """Refined panels on the cuts x (q_lo and q_hi included): the panel ends self.x with F (and int F or the
        first moment) there, and the mean."""
        quality, lo, hi, width = self.dist, self.lo, self.hi, self.width
        a, integrals = self._refine(x[:-1], x[1:])
        self.x = np.append(a, hi)
        if self.by_cdf:
            self.F = self._F(self.x)
            self.F[0], self.F[-1] = 0.0, 1.0
            self.int_F = np.concatenate(([0.0], np.cumsum(integrals[:, 0])))
            gen = quality.dist
            if not (type(gen).__module__.startswith("scipy.") or _overridden(gen, "_stats")
                    or _overridden(gen, "_munp")):
                # a user-written _cdf without its moments: scipy's generic mean (quad of the pdf) was 1.1e-9 off
                # for 0.18 on [1, 3] and 0.08 q on [3, 5]; E[q] = q_hi - int F on these panels (the last build's)
                self.mean = min(max(hi - width * float(self.int_F[-1]), lo), hi)
            elif not hasattr(self, "mean"):  # the distribution's own (a generic one integrates: compute it once)
                self.mean = min(max(float(quality.mean()), lo), hi)
        else:
            mass = np.concatenate(([0.0], np.cumsum(integrals[:, 0])))
            mom = np.concatenate(([0.0], np.cumsum(integrals[:, 1])))
            total = float(mass[-1])
            if not (math.isfinite(total) and abs(total - 1) <= 1e-6):
                self._unresolved_end(total, integrals[[0, -1], 0])
                raise ValueError(f"quality's density must integrate to 1 over its support [{lo}, {hi}]; it "
                                 f"integrates to {total:.10g} (or it has a spike narrower than {width / _N_GRID:.3g})")
            self.total = total
            self.F, self.mom = np.minimum(mass / total, 1.0), mom / total
            self.F[-1] = 1.0
            self.mean = min(max(lo + width * float(self.mom[-1]), lo), hi)

    def _unresolved_end(self, total: float, ends) -> None:
        """Raise if the density cannot be integrated at q_lo or q_hi for want of float resolution there (a density
        that grows without bound at an end, on a support far from 0 for its width, keeps mass within a float step of
        the end, where it cannot be evaluated: e.g. 0.5 / sqrt(q - 1e6) on [1e6, 1e6 + 1] has 1.1e-5 within 1.2e-10).
        ends: the refined masses of the first and the last panel (as summed into the total)."""
        for i, name, end in ((0, "q_lo", self.lo), (1, "q_hi", self.hi)):
            panel = self.x[1] - self.x[0] if i == 0 else self.x[-1] - self.x[-2]
            # the density 1 and 4 float steps inside the end: more mass within one step than the mass check's
            # allowance (1e-6), with a density that rises by a quarter over three steps towards the end (t^-a does
            # by 4^a; a smooth one by about 3 steps / width), is a singular end the refinement cannot resolve (its
            # panel cap can stop it before the end panels are one float step wide)
            inside = self.hi if i == 0 else self.lo
            steps = [end]
            for _ in range(4):
                steps.append(float(np.nextafter(steps[-1], inside)))
            f1, f4 = self._pdf(np.array([steps[1], steps[4]]))
            step_mass = abs(steps[1] - end) * f1
            rising = f1 > 1.25 * f4
            # infinite at a node (rounded onto the end), or rising within the float steps next to the end and either
            # halved 10 times more than a smooth density ever needs or with too much mass within one step; a density
            # that is bounded there (the same within those steps, however steep further in) is not blamed: its
            # integral is not 1 (e.g. 1.5 (q + 2^-24)^(-1/2) / (2 (sqrt(1 + 2^-24) - 2^-12)) on [0, 1], halved 13 times)
            if (not math.isfinite(ends[i]) or panel < self.width / _N_GRID / 1024
                    and rising or (step_mass > 1e-6 and rising)):
                # but an integral further from 1 than that end can hold is the density's own fault: its mass within
                # the end panel, for a power law C t^(alpha - 1) of the distance t (alpha from the density 1 and 4
                # steps in), is panel f(panel) / alpha (0.75 / sqrt(q) on [0, 1]: 1.5 sqrt(panel), while it
                # integrates to 1.5)
                far = end + panel if i == 0 else end - panel
                with np.errstate(all="ignore"):
                    alpha = 1 + math.log(f4 / f1) / math.log(4) if f1 > 0 and f4 > 0 else math.nan
                    held = panel * float(self._pdf(np.array([far]))[0]) / alpha + step_mass
                if math.isfinite(ends[i]) and alpha > 0 and math.isfinite(held) and abs(total - 1) > 10 * held + 1e-6:
                    raise ValueError(f"quality's density must integrate to 1 over its support [{self.lo}, {self.hi}]; "
                                     f"it integrates to about {total:.6g} ({total:.10g}, besides at most about "
                                     f"{held:.2g} next to {name} = {end!r}, where it grows without bound)")
                raise ValueError(f"quality's density (only _pdf given) cannot be integrated at {name} = {end!r}: it "
                                 f"grows without bound there, and its mass within the float resolution of {name} "
                                 f"({float(np.spacing(abs(end))):.3g}, on a support of width {self.width:.6g}) cannot "
                                 f"be evaluated (integral {total:.10g}, not 1); give the distribution a _cdf (bounded "
                                 f"where the density is not), or measure quality from a point nearer its support")

    # -- evaluation of the distribution (vectorised; a pdf that is not vectorised is called point by point)
    def _standard(self, method: str, t):
        """gen._cdf / gen._logpdf on (t - loc)/scale with the shapes passed as scalars (scipy's public methods
        broadcast the shapes to t's shape, so a truncated normal recomputes its normalisation at every point)."""
        t = np.asarray(t, dtype=float)
        gen = self.dist.dist
        shapes, loc, scale = gen._parse_args(*self.dist.args, **self.dist.kwds)
        inside = (t >= self.lo) & (t <= self.hi)
        a, z = (float(v) for v in gen._get_support(*shapes))
        u = np.clip((np.where(inside, t, self.lo) - loc) / scale, a, z)  # rounding at the ends
        out = np.asarray(getattr(gen, method)(u, *shapes), dtype=float)
        return out, inside, scale

    def _F(self, t):
        with np.errstate(all="ignore"):
            try:
                out, inside, _ = self._standard("_cdf", t)
                out = np.where(inside, out, np.where(np.asarray(t) > self.hi, 1.0, 0.0))
            except Exception:  # noqa: BLE001 - a distribution whose private methods differ: the public one
                out = np.asarray(self.dist.cdf(t), dtype=float)
            return np.clip(np.nan_to_num(out, nan=0.0), 0.0, 1.0)

    def _pdf(self, t):
        t = np.asarray(t, dtype=float)
        with np.errstate(all="ignore"):
            try:
                f = np.asarray(self.dist.pdf(t), dtype=float)
                if f.shape != t.shape:
                    raise ValueError
            except (ValueError, TypeError):
                f = np.vectorize(lambda s: float(self.dist.pdf(s)), otypes=[float])(t)
        if np.any(np.isnan(f)) or np.any(f < 0):
            raise ValueError("quality's pdf must be a non-negative number on its support (it gave nan or < 0)")
        return f / self.total

    def _logpdf(self, t):
        with np.errstate(all="ignore"):
            if self.by_cdf:
                try:
                    out, inside, scale = self._standard("_logpdf", t)
                    out = np.where(inside, out - math.log(scale), -np.inf)
                except Exception:  # noqa: BLE001
                    out = np.asarray(self.dist.logpdf(t), dtype=float)
                return np.where(np.isnan(out), -np.inf, out)
            return np.log(self._pdf(t))

    def _integrands(self, t):
        if self.by_cdf:
            return self._F(t)[..., None]
        f = self._pdf(t)
        with np.errstate(invalid="ignore"):  # u f at a node rounded onto an infinite end: nan, refused by the caller
            return np.stack((f, (t - self.lo) / self.width * f), axis=-1)

    def _gl(self, a, z):
        """8-point Gauss-Legendre integrals over the panels [a_i, z_i] of F du (by cdf) or of (f, u f) dq (by pdf),
        u = (q - q_lo) / (q_hi - q_lo): in units of the support, so that tiny or huge scales neither underflow nor
        overflow."""
        half = (z - a) / 2
        vals = self._integrands((a + half)[:, None] + half[:, None] * _GL_X)
        w = half / self.width if self.by_cdf else half
        return w[:, None] * np.einsum("njk,j->nk", vals, _GL_W)

    def _refine(self, a, z):
        whole = self._gl(a, z)
        keep_a, keep_i = [], []
        count = a.size
        for level in range(_MAX_LEVELS + 1):
            mid = (a + z) / 2
            left, right = self._gl(a, mid), self._gl(mid, z)
            two = left + right
            with np.errstate(invalid="ignore"):  # inf - inf at a node on an infinite end: kept, refused later
                err = np.abs(two - whole)
            bad = np.any(err > _REL_TOL * np.abs(two) + self._floor * ((z - a) / self.width)[:, None], axis=1)
            bad &= (mid > a) & (z > mid) & (z - a > 1e-12 * self.width)
            if level == _MAX_LEVELS or count + bad.sum() > _MAX_PANELS:
                bad[:] = False
            keep_a.append(a[~bad])
            keep_i.append(two[~bad])
            if not bad.any():
                break
            a, z = np.concatenate((a[bad], mid[bad])), np.concatenate((mid[bad], z[bad]))
            whole = np.concatenate((left[bad], right[bad]))
            count += int(bad.sum())
        a, integrals = np.concatenate(keep_a), np.concatenate(keep_i)
        order = np.argsort(a)
        return a[order], integrals[order]

    def _effective_lo(self) -> float:
        """q_lo, or where the density starts when it vanishes on an initial segment of the support."""
        if self.F[1] > 0:
            return self._start_in(float(self.x[0]), float(self.x[1]))
        lf = self._logpdf(self.x)
        first = np.flatnonzero(np.isfinite(lf))
        if first.size == 0:
            raise ValueError("quality's density is zero on its whole support")
        i = int(first[0])
        if i <= 1:
            return self._start_in(float(self.x[0]), float(self.x[1]))
        return self._bisect_start(float(self.x[i - 1]), float(self.x[i]))

    def _bisect_start(self, a: float, z: float, started=np.isfinite) -> float:
        """The first point of [a, z] where ``started`` holds of the log-density, for one where it fails at a and
        holds at z."""
        for _ in range(200):
            m = (a + z) / 2
            if not a < m < z:
                break
            a, z = (a, m) if started(self._logpdf(np.array([m]))[0]) else (m, z)
        return z

    def _start_in(self, a: float, z: float) -> float:
        """Where the density starts inside the first panel [a, z] = [q_lo, x_1] when it is 0 on [q_lo, start) and
        positive above, else q_lo. The panel ends do not show such a start (F(x_1) > 0 and the density is positive
        at x_1): it is looked for at the offsets 10^-k (z - a), k = 0, 1/4, ..., 330, from q_lo, where the smallest
        offset with a positive density must follow one with a zero density (e.g. density 1 / (1 - 1e-6) on
        [1e-6, 1] within [0, 1] starts at 1e-6). A density that only underflows next to q_lo (a user-written q^50,
        below 3e-7) is not a start: there the density at twice the start's offset times that offset (a bound on the
        mass such a start would cut off) is at most 1e-300."""
        d = (z - a) * 10.0 ** -np.arange(330.0, -0.125, -0.25)
        t = np.unique(np.minimum(a + d, z))
        t = t[t > a]
        if t.size < 2:
            return a
        try:
            with np.errstate(all="ignore"):
                pos = self._logpdf(t) > -np.inf  # an infinite density (a node rounded onto a pole) is positive
                if pos[0] or not pos.any():
                    return a
                j = int(np.argmax(pos))
                s = self._bisect_start(float(t[j - 1]), float(t[j]), lambda m: m > -np.inf)
                mass = float(self._pdf(np.array([min(a + 2 * (s - a), z)]))[0]) * (s - a)
        except (ArithmeticError, ValueError):  # e.g. Beta's pdf overflows (boost raises) at such offsets: no start
            return a
        return s if mass > 1e-300 else a

    def _log_offset(self, a: float, d):
        """log f(a + d) for offsets d >= 0 (a + d within the support). The offset is passed to the distribution as
        (a - loc) / scale + d / scale, so a node just right of q_lo is not rounded onto q_lo, where a density such
        as Beta(1/2, 1/2)'s is infinite; a user-written ``_pdf`` gets a + d."""
        if self.by_cdf:
            gen = self.dist.dist
            with np.errstate(all="ignore"):
                try:
                    shapes, loc, scale = gen._parse_args(*self.dist.args, **self.dist.kwds)
                    lo_u, hi_u = (float(v) for v in gen._get_support(*shapes))
                    u = np.clip((a - loc) / scale + d / scale, lo_u, hi_u)
                    out = np.asarray(gen._logpdf(u, *shapes), dtype=float) - math.log(scale)
                except Exception:  # noqa: BLE001 - a distribution whose private methods differ: the public one
                    out = np.asarray(self.dist.logpdf(a + d), dtype=float)
            return np.where(np.isnan(out), -np.inf, out)
        return self._logpdf(a + d)

    def _log_stats(self, p):
        """(log F(p), E[q | q <= p]) from the log-density (for p where F underflows); p > eff_lo. A node where
        the density is infinite (on q_lo itself, where an offset below 1e-17 (p - q_lo) underflows, or rounds for a
        user-written ``_pdf``) is left out; an integrable singularity such as Beta(1/2, .)'s puts a share of at
        most about sqrt(offset / (p - q_lo)) of the mass there. On [q_lo, q_lo + 1e-15 (p - q_lo)] the density is
        integrated as the power C t^(alpha - 1) of the distance t through its values at 1e-15 and 2e-15 (p - q_lo)
        (left out if either is not finite or alpha <= 0): for Beta(0.05, .) that piece holds 18 % of F(p)."""
        a = self.eff_lo
        logF, E = np.empty(p.size), np.empty(p.size)
        for s in range(0, p.size, 64):
            pp = p[s:s + 64]
            d = (pp - a)[:, None] * _LOG_U
            lf = self._log_offset(a, d)
            lf[lf == np.inf] = -np.inf
            # [q_lo, q_lo + u0 (p - q_lo)]: f ~ C t^(alpha - 1) there (t the distance), alpha from the log-slope
            # between u0 and 2 u0; its mass is u0 f(u0) / alpha and its mean distance alpha / (alpha + 1) of the end
            with np.errstate(all="ignore"):
                l0 = self._log_offset(a, (pp - a)[:, None] * np.array([_LOG_U0, 2 * _LOG_U0]))
                alpha = 1 + (l0[:, 1] - l0[:, 0]) / math.log(2)
                fine = np.isfinite(l0).all(axis=1) & (alpha > 0)
                lt = np.where(fine, l0[:, 0] + math.log(_LOG_U0) - np.log(np.where(fine, alpha, 1.0)), -np.inf)
                dt = np.where(fine, (pp - a) * _LOG_U0 * alpha / (alpha + 1), 0.0)
            lf, d = np.column_stack((lf, lt)), np.column_stack((d, dt))
            M = lf.max(axis=1)
            ok = np.isfinite(M)
            w = np.exp(lf - np.where(ok, M, 0.0)[:, None]) * np.append(_LOG_W, 1.0)
            mass = w.sum(axis=1)
            good = ok & (mass > 0)
            with np.errstate(all="ignore"):
                logF[s:s + 64] = np.where(good, M + np.log(mass * (pp - a)), -np.inf)
                E[s:s + 64] = np.where(good, a + (w * d).sum(axis=1) / mass, a)
        return logF, E

    def _stats(self, p):
        """(F(p), E[q | q <= p], log F(p)), arrays; E = its limit eff_lo where nobody offers."""
        p = np.clip(np.asarray(p, dtype=float).ravel(), self.lo, self.hi)
        k = np.clip(np.searchsorted(self.x, p, side="right") - 1, 0, self.x.size - 2)
        with np.errstate(all="ignore"):  # p = q_lo puts every node on q_lo (0 x an infinite density: its E is eff_lo)
            part = self._gl(self.x[k], p)
            if self.by_cdf:
                F = self._F(p)
                small = self.int_F[k] + part[:, 0]  # int_lo^p F dq / (q_hi - q_lo)
                E = p - self.width * (small / F)
            else:
                F = np.minimum(self.F[k] + part[:, 0], 1.0)
                small = self.mom[k] + part[:, 1]  # E[u; q <= p]
                E = self.lo + self.width * (small / F)
            top = p >= self.hi
            F, E = np.where(top, 1.0, F), np.where(top, self.mean, E)
            logF = np.log(F)
        near = p - self.eff_lo < 1e-3 * self.width  # F there is a difference of nearly equal cdf values
        tail = ((F < _TINY) | (small < _TINY) | near) & (p > self.eff_lo) & (p < self.hi)
        if tail.any():
            lf, et = self._log_stats(p[tail])
            logF[tail], E[tail] = lf, et
            F[tail] = np.exp(lf)
        below = p <= self.eff_lo
        E = np.where(below, self.eff_lo, np.clip(np.nan_to_num(E, nan=self.eff_lo), self.eff_lo, p))
        F = np.where(below, 0.0, F)
        logF = np.where(below, -np.inf, logF)
        return F, E, logF

    @staticmethod
    def _shape(out, p):
        out = out.reshape(np.shape(p))
        return float(out) if out.ndim == 0 else out

    def cdf(self, p):
        """F(p), vectorised; exactly 0 below q_lo and 1 above q_hi."""
        return self._shape(self._stats(p)[0], p)

    def partial(self, p):
        """E[q; q <= p] = F(p) E[q | q <= p], vectorised."""
        F, E, _ = self._stats(p)
        return self._shape(F * E, p)

    def cond_mean(self, p):
        """E[q | q <= p], vectorised, with its limit (the lowest quality) where nobody offers."""
        return self._shape(self._stats(p)[1], p)

    # -- fixed points
    def scan(self, top: float) -> np.ndarray:
        """Points of [eff_lo, top] (top included) at which sign changes are looked for: the panel ends where
        F >= 1e-280, and 257 points between eff_lo and the first of them (geometric towards eff_lo, where F
        underflows: each is evaluated in log space)."""
        j = int(np.argmax(self.F >= _TINY))
        xt = min(float(self.x[j]), top)
        extra = self.eff_lo + (xt - self.eff_lo) * _TAIL_SCAN
        pts = np.concatenate((self.x[(self.x < top) & (self.x >= xt)], extra[extra < top], [top]))
        return np.unique(pts[pts >= self.eff_lo])

    def scan_mean(self, start: float) -> tuple[np.ndarray, np.ndarray]:
        """(x, E[q | q <= x]) on the points x = scan(q_hi) with x >= start (nan below start, where a caller knows
        the sign it needs without E). Each E is computed once per pool: it is the same for every premium, cost and
        tax. x is read-only and E a copy, so that no caller can change the stored values."""
        if self._scanned is None:
            x = self.scan(self.hi)
            x.flags.writeable = False
            self._scanned = (x, np.full(x.shape, np.nan))
        x, E = self._scanned
        use = x >= start
        todo = use & np.isnan(E)
        if todo.any():
            E[todo] = self._stats(x[todo])[1]
        return x, np.where(use, E, np.nan)

    def unresolved(self, x):
        """The points x with 0 < x - eff_lo < ``resolution`` (2.2e-293 times max(1, the distribution's scale)).
        There the log-space route's smallest node offsets are subnormal or 0 (and the density is evaluated at
        points rounded by up to 100 %), so E[q | q <= x] is known only to lie in [eff_lo, x]: e.g. Beta(1/2, 1/2)
        on [0, 2e6] gave E[q | q <= p] = 0.67 p at p = 5e-318 instead of p / 3."""
        d = np.asarray(x, dtype=float) - self.eff_lo
        return (d > 0) & (d < self.resolution)

    def noise_to_zero(self, b: float, x, y):
        """Values y at the points x of h(p) = b E[q | q <= p] - p or of phi(p) = b (p - E[q | q <= p]) - k that are
        within their rounding of zero count as zero: 4e-14 x where E is resolved, and b (x - eff_lo), the width of
        the interval [b eff_lo, b x] in which b E is known to lie, where it is not (``unresolved``): a root there
        cannot be told from noise, and is merged into the bottom of the support."""
        x = np.asarray(x, dtype=float)
        noise = np.where(self.unresolved(x), b * (x - self.eff_lo), 4e-14 * np.abs(x))
        return np.where(np.abs(y) <= noise, 0.0, y)

    def roots(self, fun, x, y, b: float) -> list[float]:
        """Roots of ``fun`` (vectorised, accurate) at its sign changes on the points x (values y there); values
        within their rounding of zero count as zero (``noise_to_zero``), so a tangency or an interval of roots is
        not listed, nor a sign change of rounding noise within ``resolution`` of eff_lo."""
        y = self.noise_to_zero(b, x, y)
        nz = np.flatnonzero(y)
        sign = np.sign(y[nz])
        scalar = lambda t: float(fun(np.array([t]))[0])  # noqa: E731
        return [_brentq(scalar, float(x[nz[k]]), float(x[nz[k + 1]]))
                for k in np.flatnonzero(sign[:-1] * sign[1:] < 0)]

    def slope(self, b: float, p: float, top: float) -> float:
        """g'(p) for g(p) = b E[q | q <= min(p, top)]: b f(p) (p - E[q | q <= p]) / F(p) below top, 0 above,
        the left derivative at top; at p = 0 = q_lo its limit b lim E[q | q <= e] / e."""
        if p > top:
            return 0.0
        if p <= self.eff_lo:
            e = self.eff_lo + 1e-9 * (self.hi - self.lo)
            if e > self.eff_lo and not self.unresolved(e):
                return b * (float(self._stats(np.array([e]))[1][0]) - self.eff_lo) / (e - self.eff_lo)
            return self._bottom_power_slope(b)
        if p >= self.hi:  # all sell at exactly q_hi: the left derivative
            return self.top_slope(b)
        _, E, logF = (float(v[0]) for v in self._stats(np.array([p])))
        with np.errstate(all="ignore"):
            return float(b * (p - E) * np.exp(self._logpdf(np.array([p]))[0] - logF))

    def _bottom_power_slope(self, b: float) -> float:
        """g'(q_lo) on a support so narrow that 1e-9 of its width from q_lo is unresolved (E there is not known; the
        offset can underflow to 0: U[0, 1e-315]): the limit b alpha / (alpha + 1) of b E[q - q_lo | q <= p] / (p -
        q_lo) for a density C t^(alpha - 1) at a distance t from q_lo (b / 2 for a density positive and continuous
        there), alpha from the log-density at 1e-9 and 2e-9 of the width, in the distribution's standard coordinates
        (where these offsets do not underflow)."""
        t = np.array([1e-9, 2e-9])
        with np.errstate(all="ignore"):
            if self.by_cdf:
                gen = self.dist.dist
                try:
                    shapes, loc, scale = gen._parse_args(*self.dist.args, **self.dist.kwds)
                    u = (self.eff_lo - loc) / scale + t * (self.width / scale)
                    lf = np.asarray(gen._logpdf(u, *shapes), dtype=float)
                except Exception:  # noqa: BLE001 - a distribution whose private methods differ: the public one
                    lf = np.asarray(self.dist.logpdf(self.eff_lo + t * self.width), dtype=float)
            else:
                lf = self._logpdf(self.eff_lo + t * self.width)
            alpha = 1 + (lf[1] - lf[0]) / math.log(2)
        if not (math.isfinite(alpha) and alpha > 0) or self.eff_lo + 2e-9 * self.width == self.eff_lo \
                and not self.by_cdf:
            raise ValueError(f"quality's support [{self.lo!r}, {self.hi!r}] is too narrow for floating point: the "
                             f"density near q_lo cannot be evaluated (width {self.width!r}); rescale quality (the "
                             f"model is homogeneous in the unit of money)")
        return float(b * alpha / (alpha + 1))

    def _point(self, b: float, p: float, top: float) -> FixedPoint:
        s = self.slope(b, p, top)
        return FixedPoint(price=float(p), slope=s, stable=bool(s < 1))

    def fixed_points(self, b: float, top: float | None = None) -> list[FixedPoint]:
        """Verified fixed points of p = b E[q | q <= min(p, top)] (ascending; the last is the largest).

        The largest: b E[q | q <= top] if that is >= top (the whole pool sells); otherwise h(p) = b E[q | q <= p]
        - p is < 0 at top and > 0 (or = 0 when q_lo = 0) at q_lo, so the largest root is right of the last scan
        point with h > 0 beyond its rounding (4e-14 p), or q_lo = 0 if there is none (a tangency at q_lo = 0 is no
        root); top itself if h(top) is within its rounding of 0; and where h is within its rounding of 0 on scan
        points spanning more than 1e-6 of the support before the first clearly negative one (g = p on an interval),
        the last point of that interval where h >= -(its rounding), with the interval's lower end listed. The others
        are sign changes of h, each located by brentq on an accurate h whose values on both sides have opposite signs;
        p = 0 when q_lo = 0."""
        top = self.hi if top is None else float(top)
        h = lambda p: b * self._stats(p)[1] - np.asarray(p, dtype=float).ravel()  # noqa: E731
        start = b * self.eff_lo  # h(p) >= b q_lo - p > 0 below b q_lo (E >= q_lo): no need to compute E there
        j = int(np.argmax(self.F >= _TINY))
        if top >= self.x[j]:  # scan(top) is the part of scan(q_hi) below top, and top
            X, E = self.scan_mean(start)
            x, E = np.append(X[X < top], top), np.append(E[X < top], np.nan)
        else:
            x = self.scan(top)
            E = np.full(x.shape, np.nan)
            E[x >= start] = self._stats(x[x >= start])[1]
        y = np.where(x < start, np.inf, b * E - x)
        all_sell = b * self.cond_mean(top)
        y[-1] = all_sell - top
        flat_end = None  # the lower end of an interval of fixed points that ends at the largest one
        if all_sell >= top:
            largest = all_sell
        elif abs(y[-1]) <= 4e-14 * top and not self.unresolved(top):  # g(top) = top up to rounding: top is the
            largest = top  # largest fixed point (g = b E[q | q <= top] < p above top), e.g. g = p on all of [3, 5]
        else:
            z = self.noise_to_zero(b, x, y)
            pos = np.flatnonzero(z > 0)  # h within rounding of 0 near q_lo = 0: no root
            if pos.size == 0 and self.eff_lo > 0:  # b - 1 within rounding of 0: the raw signs
                pos = np.flatnonzero(y > 0)
            i = int(pos[-1]) if pos.size else -1  # the last clearly positive point (-1: none)
            neg = np.flatnonzero(z[i + 1:] < 0)
            j = i + 1 + int(neg[0]) if neg.size else x.size  # the first clearly negative point after it
            run = np.arange(i + 1, min(j, x.size))  # h = 0 up to rounding there
            run = run[~self.unresolved(x[run]) & (x[run] > self.eff_lo)]
            if j < x.size and run.size >= 2 and x[run[-1]] - x[run[0]] > 1e-6 * self.width:
                # h = 0 up to rounding on scan points spanning more than 1e-6 of the support before the first clearly
                # negative one: g = p on an interval (not a tangency at q_lo = 0, where |h| < 4e-14 p only up to
                # about 1e-13 of the support); the largest fixed point is its right end, the last point where
                # h >= -(its rounding)
                k = j - 1
                noise = lambda t: np.where(self.unresolved(t), b * (t - self.eff_lo), 4e-14 * np.abs(t))  # noqa: E731
                f = h if y[k] > 0 else (lambda t: h(t) + noise(np.asarray(t, dtype=float).ravel()))  # noqa: E731
                largest = _brentq(lambda t: float(f(np.array([t]))[0]), float(x[k]), float(x[j]))
                if i >= 0:
                    flat_end = _brentq(lambda t: float(h(np.array([t]))[0]), float(x[i]), float(x[run[0]])) \
                        if y[run[0]] <= 0 else float(x[run[0]])
            elif pos.size == 0:
                if self.eff_lo > 0 and b * self.eff_lo > self.eff_lo:  # cannot happen: h(q_lo) = (b - 1) q_lo > 0
                    raise RuntimeError("no fixed point found; please report this distribution")
                largest = self.eff_lo  # q_lo = 0, or a subnormal q_lo with b q_lo rounded to q_lo: h(q_lo) = 0
            else:  # bracket: the last clearly positive point and the first point after it where h <= 0
                j = i + 1 + int(np.argmax(y[i + 1:] <= 0))
                largest = _brentq(lambda t: float(h(np.array([t]))[0]), float(x[i]), float(x[j]))
        others = [r for r in self.roots(h, x, y, b) if self.eff_lo < r < largest * (1 - 1e-12)]
        if flat_end is not None and self.eff_lo < flat_end < largest * (1 - 1e-12):
            others.append(flat_end)
        if self.eff_lo == 0.0 and largest > 0:
            others.insert(0, 0.0)
        return [self._point(b, p, top) for p in sorted(set(others))] + [self._point(b, largest, top)]

    def top_slope(self, b: float) -> float:
        """b f(q_hi-) (q_hi - E[q]), with f(q_hi-) the density just inside q_hi (the left limit: the density's
        value at q_hi itself may be 0 by the support's convention, or another version of it), inf when the density
        is infinite at q_hi."""
        density = self._pdf if not self.by_cdf else (lambda t: np.asarray(self.dist.pdf(t), dtype=float))
        with np.errstate(all="ignore"):
            f_top, f = (float(v) for v in density(np.array([self.hi, np.nextafter(self.hi, self.lo)])))
        if f_top == math.inf:
            f = math.inf
        return float(b * f * (self.hi - self.mean)) if f > 0 else 0.0


class _Atoms:
    """A discrete quality distribution with finitely many atoms q_1 < ... < q_n (probabilities pi_i).

    g(p) = b E[q | q <= min(p, q_n)] is a step function: b m_k on [q_k, q_{k+1}) with m_k = E[q | q <= q_k], and
    b mu for p >= q_n. So p is a fixed point iff p = b m_k with q_k <= b m_k < q_{k+1} (q_{n+1} = inf): every one
    is listed, exactly. g' = 0 off the atoms (stable); a fixed point on an atom q_k, k > 1, sits on an upward jump
    of g (slope inf, unstable)."""

    discrete = True

    def __init__(self, xk, pk):
        self.xk, self.pk = xk, pk
        self.lo = self.eff_lo = float(xk[0])
        self.hi = float(xk[-1])
        self.cum = np.cumsum(pk)
        self.cum[-1] = 1.0
        self.cmom = np.cumsum(xk * pk)
        self.mean = float(self.cmom[-1])
        self.m = np.clip(self.cmom / self.cum, xk[0], xk)

    def _n(self, p):
        return np.searchsorted(self.xk, np.asarray(p, dtype=float), side="right")

    def _take(self, arr, p, empty):
        n = self._n(p)
        out = np.where(n > 0, arr[np.maximum(n - 1, 0)], empty)
        return float(out) if out.ndim == 0 else out

    def cdf(self, p):
        return self._take(self.cum, p, 0.0)

    def partial(self, p):
        return self._take(self.cmom, p, 0.0)

    def cond_mean(self, p):
        return self._take(self.m, p, self.lo)

    def fixed_points(self, b: float, top: float | None = None) -> list[FixedPoint]:
        out = []
        n = self.xk.size
        for k in range(n):
            p = float(b * self.m[k])
            upper = self.xk[k + 1] if k + 1 < n else math.inf
            if self.xk[k] <= p < upper:
                mask = self.xk <= p  # verify: p = b x (mean of the qualities offered at p), computed afresh
                if abs(b * np.dot(self.xk[mask], self.pk[mask]) / self.pk[mask].sum() - p) > 1e-12 * max(p, 1e-300):
                    continue
                on_atom = p == self.xk[k] and k > 0
                out.append(FixedPoint(price=p, slope=math.inf if on_atom else 0.0, stable=not on_atom))
        return out


def partial_expectation(quality, p):
    """E[q; q <= p] = int_{q_lo}^{p} q dF(q) (see ``_Pool`` for the numerics; a sum for discrete quality).

    Vectorised in ``p``."""
    return _pool(quality).partial(real_array(p, "p"))


def conditional_mean(quality, p):
    """E[q | q <= p]: the average quality of the cars offered at price p (q_lo, its limit, when nobody offers).

    Vectorised in ``p``; b * conditional_mean(quality, p) is the right-hand side of the equilibrium equation (1)."""
    return _pool(quality).cond_mean(real_array(p, "p"))


# ------------------------------------------------------------------------------------------------ the lemons market

@dataclass(frozen=True)
class MarketEquilibrium:
    """The best (largest-price) equilibrium of the lemons market, per potential seller.

    ``price`` solves p = b E[q | q <= min(p, q_hi)]; ``traded_share`` = F(p); ``average_quality`` =
    E[q | q <= p] of the cars traded (q_lo, its limit, when nothing trades); ``welfare`` = (b - 1) E[q; q <= p];
    ``full_information_welfare`` = (b - 1) E[q]. ``equilibria`` lists every verified fixed point found, ascending,
    as :class:`FixedPoint` (price, slope g'(p), stable); the last is ``price``. ``other_prices`` are the prices of
    the others (0.0 is the no-trade one when q_lo = 0). ``regime`` is "all sell", "top sellers exit" or "no trade".
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
    equilibria: tuple[FixedPoint, ...] = ()

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


def _outcome(pool, b: float, points: list[FixedPoint]) -> MarketEquilibrium:
    price = points[-1].price
    top = min(price, pool.hi)
    share = float(pool.cdf(top))
    partial = float(pool.partial(top))
    if share >= 1.0:
        regime = "all sell"
    elif share <= 0.0:
        regime = "no trade"
    else:
        regime = "top sellers exit"
    return MarketEquilibrium(
        buyer_premium=b, support=(pool.lo, pool.hi), price=float(price), traded_share=share,
        average_quality=float(pool.cond_mean(top)), welfare=(b - 1) * partial,
        full_information_welfare=(b - 1) * pool.mean, other_prices=tuple(fp.price for fp in points[:-1]),
        regime=regime, equilibria=tuple(points))


def _best_market(pool, b: float) -> MarketEquilibrium:
    """The largest fixed point of the whole pool, with the smaller ones listed."""
    points = pool.fixed_points(b)
    if not points:  # cannot happen: g(q_lo+) >= q_lo and g(q_hi) = b E[q] (Tarski: a largest fixed point exists)
        raise RuntimeError("no fixed point found; please report this distribution")
    return _outcome(pool, b, points)


def market_equilibrium(quality, buyer_premium: float) -> MarketEquilibrium:
    """The lemons equilibrium (Akerlof 1970): the largest p with p = b E[q | q <= min(p, q_hi)].

    ``quality``: a scipy.stats frozen continuous distribution with finite support [q_lo, q_hi], q_lo >= 0 (a
    scipy family, an ``rv_histogram``, or a user-written ``rv_continuous`` with only ``_pdf``), or a discrete one
    with finitely many atoms >= 0 (``stats.rv_discrete(values=...)``, frozen or not, or e.g. ``stats.binom(5, .5)``).
    ``buyer_premium``: b > 1. Raises ValueError naming the parameter otherwise (``InputTypeError``, a subclass of
    both ValueError and TypeError, for an argument that is not a distribution or not a number).

    Selection. The largest fixed point is stable (g crosses the 45-degree line from above there, so g' <= 1) and
    it is the one selected when buyers post prices (Wilson 1980; Mas-Colell, Whinston and Green 1995,
    Prop. 13.B.1): at a smaller fixed point p0, a buyer who posts a price p' > p0 where g(p') > p' (there are such
    prices just below the largest fixed point when g crosses the line from above there, and at q_hi when every seller
    sells) attracts every car with q <= p', worth g(p') > p' per car to her, and profits. ``equilibria`` lists all verified fixed points with their slopes and stability under
    p_{t+1} = g(p_t), the adjustment rule of :func:`simulate_market`.
    """
    lo, hi = _quality(quality)
    b = _premium(buyer_premium)
    return _best_market(_pool(quality, b), b)


def top_slope(quality, buyer_premium: float) -> float:
    """g'(q_hi-) = b f(q_hi) (q_hi - E[q]): the slope of g(p) = b E[q | q <= p] at the best quality, from the left.

    At the exit threshold, where b E[q] = q_hi, the largest fixed point is p = q_hi. If top_slope < 1 the curve
    g crosses the 45-degree line there and, as the information gap grows beyond the threshold, the price falls
    continuously from q_hi (uniform quality: top_slope = b/2 < 1). If top_slope > 1, g lies below the line just
    left of q_hi (g(p) - p ~ (top_slope - 1)(p - q_hi) < 0), so beyond the threshold no fixed point is near q_hi and
    the largest fixed point jumps down to a smaller one: the market collapses discontinuously
    (an infinite density at q_hi gives inf, e.g. the arcsine distribution; a discrete distribution, whose top atom
    is a jump of g, gives inf too).
    """
    lo, hi = _quality(quality)
    b = _premium(buyer_premium)
    pool = _pool(quality, b)
    return math.inf if pool.discrete else pool.top_slope(b)


def uniform_exit_threshold(mean: float, buyer_premium: float) -> float:
    """sigma* = (b - 1) mu: with quality uniform on [mu - sigma, mu + sigma], every seller sells iff sigma <= sigma*.

    Derivation (chapter 1): every seller sells iff b E[q] >= q_hi, i.e. b mu >= mu + sigma.
    """
    b = _premium(buyer_premium)
    mu = _mean(mean)
    if not math.isfinite((b - 1) * mu):
        raise ValueError(f"mean is too large: (buyer_premium - 1) * mean overflows; got mean={mu!r}")
    return (b - 1) * mu


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


def _spread(spread, mu: float) -> np.ndarray:
    if isinstance(spread, (bool, np.bool_, str, bytes)):
        raise InputTypeError(f"spread must be a real number or an array of them; got {type(spread).__name__} "
                             f"{spread!r}")
    try:
        sigma = np.asarray(spread)
    except (TypeError, ValueError):
        raise InputTypeError(f"spread must be a real number or an array of them; got {type(spread).__name__}") \
            from None
    if sigma.size and sigma.dtype.kind not in "iuf":
        raise InputTypeError(f"spread must be a real number or an array of them; got dtype {sigma.dtype} "
                             f"({spread!r})")
    sigma = sigma.astype(float)
    if sigma.size == 0 or not np.all(np.isfinite(sigma)) or np.any(sigma <= 0) or np.any(sigma > mu):
        raise ValueError(f"spread must be in (0, mean] = (0, {mu}] so that quality is non-negative; got {spread!r}")
    return sigma


def uniform_market(mean: float, spread, buyer_premium: float) -> UniformMarket:
    """Chapter 1's closed forms, vectorised in the spread sigma (0 < sigma <= mu):

    sigma <= (b - 1) mu: p = b mu, F(p) = 1, E[q | traded] = mu, W = (b - 1) mu;
    sigma >  (b - 1) mu: p = b (mu - sigma)/(2 - b), F(p) = (p - mu + sigma)/(2 sigma),
                         E[q | traded] = (mu - sigma + p)/2 = p/b, W = (b - 1)^2 (mu - sigma)^2 / ((2 - b)^2 sigma).

    Computed without squares (W = (b - 1) F(p) E[q | traded]), so tiny scales (mean 1e-300) do not underflow;
    a mean so large that b (mu + sigma) overflows raises ValueError naming ``mean``.
    """
    mu = _mean(mean)
    b = _premium(buyer_premium)
    sigma = _spread(spread, mu)
    if not math.isfinite(b * (mu + float(sigma.max()))):
        raise ValueError(f"mean is too large for floating point: buyer_premium * (mean + spread) overflows; got "
                         f"mean={mu!r} (the model is homogeneous: rescale the unit of money)")
    lo = mu - sigma
    all_sell = sigma <= (b - 1) * mu
    with np.errstate(divide="ignore", invalid="ignore"):
        interior = np.where(all_sell, 0.0, b * lo / (2 - b))  # b < 2 whenever this branch is used
    price = np.where(all_sell, b * mu, interior)
    share = np.where(all_sell, 1.0, (interior - lo) / (2 * sigma))
    avg = np.where(all_sell, mu, lo / 2 + interior / 2)
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


def _draw(quality, lo: float, hi: float, n: int, rng) -> np.ndarray:
    if not _is_discrete(quality):
        gen = quality.dist
        if not (_overridden(gen, "_rvs") or _overridden(gen, "_ppf") or _overridden(gen, "_cdf")):
            # a user-written density: scipy's generic sampler inverts a quad-based cdf (minutes); invert the
            # pool's cdf instead (linear between panel ends, which are at most 1/2048 of the support apart)
            pool = _cached_pool(quality, lo, hi)
            F, keep = np.unique(pool.F, return_index=True)
            return np.interp(rng.random(n), F, pool.x[keep])
    return np.asarray(quality.rvs(size=n, random_state=rng), dtype=float)


def simulate_market(quality, buyer_premium: float, n_sellers: int = 100_000, seed: int = 2026) -> MarketSimulation:
    """Simulate the lemons market with ``n_sellers`` sellers drawn from ``quality`` (seeded).

    Round 0: every seller offers. In each round competing buyers bid b times the average quality of the cars
    offered; then the sellers with q <= bid offer. The offered set can only shrink (the bid is non-increasing),
    and the bidding stops when it no longer changes; that bid is the largest fixed point of the sample's
    p = b mean{q_i : q_i <= p}. The worst car always sells (b q_min > q_min), so the sample never unravels
    completely; as n_sellers grows the outcome converges to :func:`market_equilibrium` (chapter 1 checks this).
    ``quality`` may be continuous or discrete, as in :func:`market_equilibrium`.
    """
    lo, hi = _quality(quality)
    b = _premium(buyer_premium)
    if not math.isfinite(b * hi):
        raise ValueError(f"quality's support is too large for floating point: buyer_premium * q_hi overflows")
    if isinstance(n_sellers, (bool, np.bool_)) or not isinstance(n_sellers, numbers.Integral):
        raise InputTypeError(f"n_sellers must be an integer; got {type(n_sellers).__name__} {n_sellers!r}")
    if not 1 <= n_sellers <= 10_000_000:
        raise ValueError(f"n_sellers must be in [1, 10_000_000]; got {n_sellers!r}")
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    rng = np.random.default_rng(int(seed))
    q = np.sort(np.clip(_draw(quality, lo, hi, int(n_sellers), rng), lo, hi))
    unit = hi if hi > 0 else 1.0
    total = np.cumsum(q / unit)  # in units of q_hi, so that the sums cannot overflow
    offered = len(q)
    path = []
    while True:
        bid = b * unit * (total[offered - 1] / offered)
        path.append(float(bid))
        now = int(np.searchsorted(q, bid, side="right"))
        if now == offered:
            break
        offered = now
    return MarketSimulation(
        n_sellers=int(n_sellers), seed=int(seed), price=path[-1], traded_share=offered / len(q),
        average_quality=unit * float(total[offered - 1] / offered), welfare=(b - 1) * unit * float(total[offered - 1] / len(q)),
        full_information_welfare=(b - 1) * unit * float(total[-1] / len(q)), price_path=tuple(path))


# ------------------------------------------------------------------------------------------------ certification

@dataclass(frozen=True)
class CertificationEquilibrium:
    """The lemons market with certification at cost c (after Viscusi 1978), best equilibrium.

    Sellers with q >= ``threshold`` certify and sell at b q; the others form the uncertified pool, which sells at
    ``uncertified_price`` p_u (those with q <= p_u sell; the rest keep their cars). ``case`` is "A" (marginal
    certifier indifferent, whole pool sells), "B" (threshold (c + tax)/(b - 1), pool is itself a lemons market),
    "C" (nobody certifies) or "D" (c + tax = 0: everybody certifies). A certifier pays c + ``tax``; the tax is
    rebated lump-sum, so ``welfare`` = (b - 1) E[q; traded] - c P(certify) and ``certification_spending`` =
    c P(certify) count only the real cost c. ``lemons`` is the market without certification, for comparison.
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
    tax: float = 0.0

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


def _continuous_pool(quality, b: float, what: str):
    pool = _pool(quality, b)
    if pool.discrete:
        raise ValueError(f"quality must be a continuous distribution for {what} (with finitely many qualities "
                         f"the certification threshold is not pinned down by an indifferent seller); got a "
                         f"discrete one")
    return pool


def certification_equilibrium(quality, buyer_premium: float, cost: float, tax: float = 0.0) -> CertificationEquilibrium:
    """Best equilibrium of the lemons market when a seller can certify her quality at cost ``cost`` = c >= 0,
    plus a ``tax`` >= 0 per certificate that is rebated lump-sum to everybody (so it moves the threshold but is no
    real cost; tax = 0 is the plain model).

    A seller certifies iff b q - (c + tax) >= max(p_u, q). The equilibrium thresholds theta are those of cases
    (A)-(D) in the module docstring with c + tax in place of c; the highest one is reported (it is best for every
    seller; buyers get zero in all). ``quality`` must be continuous (ValueError for a discrete one).
    Source: Akerlof (1970), Viscusi (1978); the c = 0 case is Grossman's (1981) unravelling of disclosure.
    """
    lo, hi = _quality(quality)
    b = _premium(buyer_premium)
    c = _cost(cost)
    tau = _cost(tax, "tax")
    if not math.isfinite(c + tau):
        raise ValueError(f"cost + tax must be finite; got cost={c!r}, tax={tau!r}")
    pool = _continuous_pool(quality, b, "certification_equilibrium")
    return _certification(pool, b, c, tau, _best_market(pool, b))


def _certification(pool: _Pool, b: float, c: float, tau: float, lemons: MarketEquilibrium) -> CertificationEquilibrium:
    lo, hi = pool.lo, pool.hi
    k = c + tau  # what a certifier pays
    q_c = k / (b - 1)
    tol = 1e-12 * hi
    candidates: dict[float, str] = {}

    def add(theta: float, case: str) -> None:  # one entry per threshold (rounding can split one into two)
        if all(abs(theta - t) > tol for t in candidates):
            candidates[theta] = case

    if b * hi - k <= max(lemons.price, hi) or q_c >= hi:  # q_c >= q_hi: b q_hi - k <= q_hi (whatever the rounding)
        add(hi, "C")
    if k == 0:
        add(lo, "D")
    phi = lambda t: b * (np.asarray(t, dtype=float).ravel() - pool._stats(t)[1]) - k  # noqa: E731
    x, E = pool.scan_mean(pool.eff_lo + k / b)  # phi(t) <= b (t - q_lo) - k < 0 below q_lo + k / b (E >= q_lo)
    y = np.where(x < pool.eff_lo + k / b, -np.inf, b * (x - E) - k)
    roots = pool.roots(phi, x, y, b)
    phi_top = b * (hi - pool.mean) - k
    if phi_top > 0 and k > 0:  # the largest root, robustly (it can sit below the first scan point when k is tiny)
        y[-1] = phi_top
        neg = np.flatnonzero(y < 0)
        if neg.size:
            i = int(neg[-1])
            roots.append(_brentq(lambda t: float(phi(np.array([t]))[0]), float(x[i]), float(x[i + 1])))
    for t in sorted(roots, reverse=True):  # (A); t = q_lo only when k is below rounding (theta = q_lo + 2k/b)
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
        p_u = pool.fixed_points(b, theta)[-1].price
    certified = 1.0 - pool.cdf(theta)
    sold_top = min(p_u, theta)
    uncertified = pool.cdf(sold_top)
    gains = (b - 1) * (pool.partial(sold_top) + pool.mean - pool.partial(theta))
    return CertificationEquilibrium(
        cost=c, threshold=float(theta), uncertified_price=float(p_u), certified_share=certified,
        uncertified_traded_share=uncertified, welfare=gains - c * certified, certification_spending=c * certified,
        case=case, other_thresholds=tuple(sorted(t for t in candidates if t != theta)), lemons=lemons, tax=tau)


@dataclass(frozen=True)
class OptimalCertification:
    """The constrained optimum: a planner picks who certifies (q >= ``threshold``) but cannot see the quality of
    uncertified cars, so the pool [q_lo, threshold] trades at its own best lemons price ``uncertified_price``.

    ``welfare`` = (b - 1) E[q; traded] - c P(certify); ``certification_spending`` = c P(certify);
    ``share_recovered`` = (welfare - lemons welfare) / (lemons welfare loss), None when the lemons market lost
    nothing; ``tax`` is a rebated tax per certificate whose best certification equilibrium has this threshold
    (None if no tax >= 0 does), and ``equilibrium`` is that equilibrium (None with it)."""

    cost: float
    threshold: float
    uncertified_price: float
    certified_share: float
    uncertified_traded_share: float
    welfare: float
    certification_spending: float
    share_recovered: float | None
    tax: float | None
    equilibrium: CertificationEquilibrium | None
    lemons: MarketEquilibrium


def _planner_welfare(pool: _Pool, b: float, c: float, theta, largest_below, fixed):
    """W(theta) = (b - 1) [E[q; q <= s] + E[q] - E[q; q <= theta]] - c (1 - F(theta)), vectorised, where s = theta
    when the pool [q_lo, theta] sells entirely (b E[q | q <= theta] >= theta, which holds with equality at the
    market's fixed points ``fixed``, whatever the rounding of E) and otherwise s = the largest fixed point below
    theta, ``largest_below(theta)``. Returns (W, s, p_u)."""
    theta = np.asarray(theta, dtype=float).ravel()
    F, E, _ = pool._stats(theta)
    whole = (b * E >= theta) | np.isin(theta, fixed)
    s = np.where(whole, theta, largest_below(theta))
    Fs, Es, _ = pool._stats(s)
    W = (b - 1) * (Fs * Es + pool.mean - F * E) - c * (1.0 - F)
    return W, s, np.where(whole, b * E, s)


def optimal_certification(quality, buyer_premium: float, cost: float) -> OptimalCertification:
    """The welfare-maximising certification threshold theta when a planner chooses who certifies (q >= theta) but
    cannot see uncertified quality, and a rebated tax that implements it.

    The uncertified pool [q_lo, theta] trades at its best lemons price: all of it if b E[q | q <= theta] >= theta,
    otherwise up to the largest fixed point r < theta of the whole market. On an interval where the whole pool
    sells, W(theta) = (b - 1) E[q] - c (1 - F(theta)) rises with theta; where it does not, dW/dtheta =
    f(theta) (c - (b - 1) theta). So the optimum is q_lo, q_hi, c/(b - 1) or a fixed point of the market; these
    candidates, and every scan point as a check, are compared. The tax: tau = b (theta - E[q | q <= theta]) - c
    makes the seller at theta indifferent (case A) when the pool [q_lo, theta] sells entirely; otherwise
    tau = (b - 1) theta - c puts (c + tau) / (b - 1) at theta (case B). It is reported only if tau >= 0 and the best equilibrium of
    :func:`certification_equilibrium` at that tax has this threshold (for theta = q_hi, the smallest tax that
    makes "nobody certifies" an equilibrium). ``quality`` must be continuous.
    """
    lo, hi = _quality(quality)
    b = _premium(buyer_premium)
    c = _cost(cost)
    pool = _continuous_pool(quality, b, "optimal_certification")
    lemons = _best_market(pool, b)
    interior = np.array(sorted(fp.price for fp in lemons.equilibria if fp.price < hi))
    if interior.size == 0:
        interior = np.array([pool.eff_lo])

    def largest_below(theta):
        i = np.searchsorted(interior, theta, side="left") - 1
        return np.where(i >= 0, interior[np.maximum(i, 0)], pool.eff_lo)

    q_c = min(max(c / (b - 1), pool.eff_lo), hi)
    cands = np.unique(np.concatenate(([pool.eff_lo, hi, q_c], interior, pool.scan(hi))))
    W, s, p_u = _planner_welfare(pool, b, c, cands, largest_below, interior)
    # ties: within rounding of the terms W is a difference of ((b - 1) E[q] and c), the highest threshold (least
    # certification); relative to W.max() alone, rounding noise decided where the best welfare is 0
    best = np.flatnonzero(W >= W.max() - 1e-13 * ((b - 1) * pool.mean + c))
    i = int(best[-1])
    theta = float(cands[i])
    F_theta = pool.cdf(theta)
    certified = 1.0 - F_theta
    lost = lemons.welfare_loss
    recovered = None if lost <= 1e-15 * lemons.full_information_welfare else (float(W[i]) - lemons.welfare) / lost
    if theta >= hi:  # the smallest tax with b q_hi - c - tax <= max(p_L, q_hi), with a margin for rounding
        tau = max(0.0, b * hi - c - max(lemons.price, hi)) * (1 + 1e-9)
    else:
        E_theta = pool.cond_mean(theta)
        # (A) the whole pool [q_lo, theta] sells: the seller at theta is indifferent; (B) it does not: theta = q_c
        tau = b * (theta - E_theta) - c if b * E_theta >= theta else (b - 1) * theta - c
        if -1e-12 * hi <= tau < 0:
            tau = 0.0
    eq = None
    if tau >= 0 and math.isfinite(tau):
        eq = _certification(pool, b, c, tau, lemons)
        if abs(eq.threshold - theta) > 1e-7 * hi:
            eq = None
    return OptimalCertification(
        cost=c, threshold=theta, uncertified_price=float(p_u[i]), certified_share=float(certified),
        uncertified_traded_share=float(pool.cdf(s[i])), welfare=float(W[i]),
        certification_spending=c * float(certified), share_recovered=recovered,
        tax=None if eq is None else float(tau), equilibrium=eq, lemons=lemons)


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
    Welfare = (b - 1) [(min(p_u, theta)^2 - lo^2) + (hi^2 - theta^2)] / (4 sigma) - c (hi - theta) / (2 sigma),
    computed as products of differences and sums (no squares), so tiny scales do not underflow.
    """
    lemons = uniform_market(mean, spread, buyer_premium)
    b, mu = lemons.buyer_premium, lemons.mean
    c = _cost(cost)
    sigma = lemons.spread
    lo, hi = mu - sigma, mu + sigma
    q_c = c / (b - 1)
    theta_a = lo + 2 * c / b
    case_c = (b * hi - c <= np.maximum(lemons.price, hi)) | (q_c >= hi)  # q_c >= hi: b hi - c <= hi, however rounded
    case_a = (theta_a >= q_c) & (theta_a < hi)
    case_b = (lo < q_c) & (q_c < hi) & (b * (lo / 2 + q_c / 2) <= q_c)
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
    traded_gain = (sold - lo) / (2 * sigma) * (sold / 2 + lo / 2) + certified * (hi / 2 + theta / 2)
    welfare = (b - 1) * traded_gain - c * certified
    if not np.all(np.isfinite(welfare)):
        raise ValueError(f"cost is too large for floating point: welfare overflows; got cost={c!r}")
    return UniformCertification(mu, b, c, sigma, theta, p_u, certified, uncertified, welfare, case)
