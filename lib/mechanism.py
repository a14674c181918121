"""Mechanism design for bilateral trade: the second-best mechanism of Myerson and Satterthwaite (1983) for any
priors (ironed as in Myerson 1981 where a virtual value is not monotone), and the best posted price.

Model. A buyer with value v ~ F_B and a seller with cost c ~ F_S (independent, private, bounded supports). By the
revelation principle every mechanism is a direct one: a trading rule q(v, c) and payments. Incentive
compatibility and individual rationality with a budget that balances (ex ante, hence ex post by a transfer
scheme) are possible for a trading rule q that is non-decreasing in v and non-increasing in c iff

    E[(phi_B(v) - phi_S(c)) q(v, c)] >= 0,   phi_B(v) = v - (1 - F_B(v)) / f_B(v),   phi_S(c) = c + F_S(c) / f_S(c)

(the virtual value and the virtual cost). The efficient rule q = 1{v >= c} violates it when the interiors of the
supports intersect (its *deficit* is minus the left-hand side).

What is here
------------
- :func:`virtual_value`, :func:`virtual_cost`: phi_B and phi_S as vectorised functions.
- :func:`second_best`: the rule that maximises the gains E[(v - c) q] subject to the condition. For regular
  priors (phi_B and phi_S non-decreasing) it is, with alpha = lambda / (1 + lambda) in [0, 1),

      q(v, c) = 1  iff  v - alpha (1 - F_B(v)) / f_B(v) >= c + alpha F_S(c) / f_S(c),

  i.e. (v - c) + lambda (phi_B - phi_S) >= 0 (the Lagrangian's pointwise maximiser); alpha = 0 if the efficient
  rule already meets the condition, otherwise the root of the budget E[(phi_B - phi_S) q_alpha] = 0, which
  increases in alpha (the pairs dropped as alpha rises all have phi_B < phi_S). For irregular priors (a virtual
  value or cost that is not monotone) both sides of the rule are ironed: phi_B^alpha = v - alpha (1 - F_B)/f_B is
  replaced by the derivative, at u = F_B(v), of the convex hull of H(u) = int_0^u phi_B^alpha(F_B^{-1}(s)) ds
  (Myerson 1981), and likewise for the seller's c + alpha F_S/f_S; the rule is then monotone and constant on the
  ironed intervals, it maximises the Lagrangian over monotone rules, and the budget (still E[(phi_B - phi_S) q]
  with the unironed values) rises with alpha by the same revealed-preference argument.
- :func:`threshold_rule`: the gains and the budget E[(phi_B - phi_S) q_alpha] of the rule for any alpha.
- :func:`posted_price`: the best single price p (trade iff c <= p <= v), a mechanism that is IC, IR and balances
  the budget ex post, and its gains; for any priors (no regularity needed).

Quadrature. For regular priors q_alpha is a threshold rule: the seller types that trade with v are
c <= t(v), t(v) found by vectorised bisection (2^-60 of the support) of phi_S^alpha(c) = phi_B^alpha(v). Since
F_S(c) phi_S(c) integrates to c F_S(c), the budget is the single integral
E_v[F_S(t) (phi_B(v) - t)] and the gains E_v[(v - t) F_S(t) + int_{c_lo}^t F_S]; the outer integrals are
composite 16-point Gauss-Legendre rules on panels graded geometrically towards the ends and broken where t(v)
leaves or reaches the ends of the seller's support; the inner integral of F_S is a 16-point rule on [c_lo, t]
(graded). Accuracy: about 1e-15 relative for the gains with uniform and moderate Beta priors (Beta(2, 2),
Beta(5, 2)/Beta(2, 5)), about 1e-8 for concentrated ones such as Beta(50, 30)/Beta(30, 50) (measured by changing
the rule's order); the tests check against closed forms for uniform priors and a 2-D quadrature.

Ironing is taken on the quantiles that the cdf resolves: the cells of the lowest and highest 1e-12 of a side's
quantiles (and runs of cells where F does not move) are merged into their neighbours, so an ironed interval lying
wholly inside them would not be reported (it would move the rule on a set of probability below 1e-12). No cell of
the hull's grid holds more than 1/128 of the probability: a cell that does is cut into 16, again until none does,
so that a near-atom next to an end (e.g. 0.3 Beta(4e8, 1.5) + 0.7 Beta(30, 30), whose mass 0.3 lies within 1e-7 of
the top, in the last of the 4000 cells the grid starts with) is resolved, and the regularity check looks there too.
A buyer's near-atom next to the top and a seller's next to the bottom are mirror images (x -> 1 - x), and lib gives
the same ironed intervals for both to 1e-12 (tests/test_mechanism.py); the gains agree to about 0.05 x 1.1e-16 / s
relative for an atom of width s next to 1 (2e-9 for Beta(4e8, 1.5), 6e-8 for Beta(1e10, 1.5)), the resolution of
the floating-point types there. A cell holding more than 1/128 that is narrower than 1e-12 of the support or than
65536 floating-point steps raises ``ValueError`` naming the side (e.g. Beta(3e10, 1.5) as a component).

Ironed priors: the buyer-side integrals are graded 24 times towards each end (a density that is infinite at an end,
as Beta(0.5, 0.5)'s, is integrable there); the gains for Beta(0.5, 0.5) values and U[0, 1] costs agree with an
independent quadrature to 2e-8 relative, and a linear programme over monotone rules on a 80 x 80 grid stays below
them by less than 3e-4 relative (tests/test_mechanism.py). The first best is int F_S (1 - F_B) (no density needed).

Priors given only by a density (a user-written ``rv_continuous`` with only ``_pdf``, e.g. a mixture): the cdf and sf
are tabulated once from the density (:class:`_TabulatedCdf`, accurate to 1e-15 for smooth densities) instead of
scipy's generic cdf, which runs ``quad`` at every type (minutes per call here); the density must integrate to 1.

Limits: supports as in :func:`lib.double_auction.support` (bounded, valid, not too narrow for their distance from
0); densities positive inside the supports; an ironed level of the buyer's exactly equal to one of the seller's at
the multiplier (the budget jumps there) raises ``ValueError``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy import optimize, stats
from scipy.special import ndtr

from lib.double_auction import support
from lib.validation import real

__all__ = ["SecondBest", "RuleValue", "PostedPrice", "virtual_value", "virtual_cost", "second_best",
           "threshold_rule", "posted_price", "is_regular"]

_GL_X, _GL_W = np.polynomial.legendre.leggauss(16)
_BISECT = 62
_N_CHECK = 2001  # interior grid on which regularity is checked


def _nodes(lo: float, hi: float, n_uniform: int = 12, n_graded: int = 10):
    """Gauss-Legendre nodes and weights on [lo, hi]: n_uniform equal panels, the two end panels each split
    geometrically (ratio 1/4) n_graded times towards the end, for integrands with power behaviour there."""
    edges = np.linspace(lo, hi, n_uniform + 1)
    h = edges[1] - edges[0]
    low = lo + h * 0.25 ** np.arange(n_graded, 0, -1)
    high = hi - h * 0.25 ** np.arange(1, n_graded + 1)
    edges = np.unique(np.concatenate([[lo], low, edges[1:-1], high, [hi]]))
    a, b = edges[:-1, None], edges[1:, None]
    x = (0.5 * (b - a) * _GL_X + 0.5 * (a + b)).ravel()
    w = (0.5 * (b - a) * _GL_W).ravel()
    return x, w


def _pdf(dist, x):
    d = np.asarray(dist.pdf(x), dtype=float)
    return np.where(np.isfinite(d), d, 0.0)


def _overridden(gen, name: str) -> bool:
    """Whether the distribution's class defines its own ``name`` (e.g. ``_cdf``) instead of scipy's generic one."""
    return getattr(type(gen), name, None) is not getattr(stats.rv_continuous, name)


_TAB_PANELS = 64  # uniform panels of a tabulated cdf
_TAB_HALVINGS = 50  # its end panels halved this many times towards each end
_CHEB_T = -np.cos(np.pi * np.arange(16) / 15)  # 16 Chebyshev points of the second kind on [-1, 1], ascending


class _TabulatedCdf:
    """cdf and sf of a density given only by its ``_pdf`` (a user-written ``rv_continuous``, e.g. a mixture), for
    which scipy's generic cdf runs ``quad`` at every point (minutes for a second best). Tabulated once: the support
    is cut into 64 equal panels whose two end panels are halved 50 times towards the ends (so a density with a
    power singularity at an end, as Beta(0.5, 0.5)'s, is integrated panel by panel where it is smooth); on each
    panel int_a^x f is computed at 16 Chebyshev points by a 16-point Gauss-Legendre rule of the density (about
    51,000 density evaluations in one vectorised call) and interpolated between them (the Chebyshev series through
    those values, summed by Clenshaw's recurrence).
    F = (integrals below) + partial, sf = (integrals above) + (panel - partial), each divided by the total mass,
    which must be 1 within 1e-6 (else ValueError naming the prior). Accuracy against closed-form cdfs: 1e-15 for
    smooth bounded densities (a Beta(2, 10) / Beta(10, 2) mixture, Beta(2, 2)) and 3e-9 absolute for Beta(0.5, 0.5),
    whose first and last panels (2^-50 / 64 of the width) hold its singularities (tests/test_mechanism.py). A density
    with a kink (a jump in its derivative) inside a panel is integrated there by a polynomial rule across the kink,
    so the cdf is accurate only to about 1e-6: triangular densities on [0, 1] with modes 0.3, 1/3 and 0.77 give
    absolute errors up to 7e-7, 1.0e-6 and 1.3e-6 near the mode and up to 5e-7 beyond its panel (2e-16 with the mode
    at 1/2, a panel edge). The error is absolute: in a far tail (F ~ 1e-100) the tabulated cdf has no correct digit
    (the ironing leaves such quantiles out, :class:`_Ironing`)."""

    def __init__(self, pdf: Callable, lo: float, hi: float, name: str):
        self.lo, self.hi = lo, hi
        h = (hi - lo) / _TAB_PANELS
        g = h * 0.5 ** np.arange(1, _TAB_HALVINGS + 1)
        g = g[g > 64 * np.finfo(float).eps * max(abs(lo), abs(hi))]  # so that no node rounds onto an end
        edges = np.unique(np.concatenate([[lo], lo + g, lo + h * np.arange(1, _TAB_PANELS), hi - g, [hi]]))
        a, b = edges[:-1, None], edges[1:, None]
        xj = 0.5 * (a + b) + 0.5 * (b - a) * _CHEB_T[1:]  # (panels, 15): the points after the panel's start
        nodes = a[..., None] + (xj - a)[..., None] * (0.5 * _GL_X + 0.5)  # (panels, 15, 16)
        with np.errstate(all="ignore"):
            f = np.asarray(pdf(nodes), dtype=float)
        if f.shape != nodes.shape or not np.all(np.isfinite(f)) or np.any(f < 0):
            raise ValueError(f"{name}'s pdf must be vectorised and give finite non-negative numbers inside its "
                             f"support [{lo:.6g}, {hi:.6g}]")
        P = np.concatenate([np.zeros((a.size, 1)), (xj - a) * np.sum(0.5 * _GL_W * f, axis=-1)], axis=1)
        T = P[:, -1]
        mass = float(np.sum(T))
        if not abs(mass - 1.0) <= 1e-6:
            raise ValueError(f"{name}'s density must integrate to 1 over its support [{lo:.6g}, {hi:.6g}]; it "
                             f"integrates to {mass:.10g} (or it puts mass within less than about 1e-13 of the "
                             f"support's width of a point, finer than the tabulation resolves)")
        self.edges, self.T = edges, T / mass
        self.C = np.ascontiguousarray(np.linalg.solve(np.polynomial.chebyshev.chebvander(_CHEB_T, 15), (P / mass).T))
        self.below = np.concatenate([[0.0], np.cumsum(self.T)])[:-1]
        self.above = np.concatenate([np.cumsum(self.T[::-1])[::-1][1:], [0.0]])

    def _partial(self, x):
        """The panel index and int_a^x f (Clenshaw's recurrence on each panel's Chebyshev coefficients)."""
        x = np.clip(np.asarray(x, dtype=float), self.lo, self.hi)
        i = np.clip(np.searchsorted(self.edges, x, side="right") - 1, 0, self.T.size - 1)
        a, b = self.edges[i], self.edges[i + 1]
        t2 = 2.0 * (2.0 * x - a - b) / (b - a)
        b1, b2 = np.zeros_like(x), np.zeros_like(x)
        for c in self.C[:0:-1]:
            b1, b2 = c[i] + t2 * b1 - b2, b1
        return i, self.C[0][i] + 0.5 * t2 * b1 - b2

    def cdf(self, x):
        i, part = self._partial(x)
        return np.clip(self.below[i] + part, 0.0, 1.0)

    def sf(self, x):
        i, part = self._partial(x)
        return np.clip(self.above[i] + (self.T[i] - part), 0.0, 1.0)


class _Fast:
    """Vectorised cdf, sf and pdf of a frozen scipy distribution without the frozen wrapper's per-call overhead
    (its private ``_cdf``/``_sf``/``_pdf`` on standardised types), used only for types inside the support and
    only after agreeing with the public methods at 9 interior points; otherwise the public methods. A
    distribution without its own ``_cdf`` (only ``_pdf``) gets a tabulated cdf and sf (:class:`_TabulatedCdf`)."""

    def __init__(self, dist, lo: float, hi: float, name: str = "prior"):
        self.cdf, self.sf, self.pdf = dist.cdf, dist.sf, dist.pdf
        d = dist.dist
        if not _overridden(d, "_cdf"):
            args, loc, scale = d._parse_args(*dist.args, **dist.kwds)
            def pdf(x):
                with np.errstate(divide="ignore", invalid="ignore"):  # a user's density at a singular end
                    return d._pdf((np.asarray(x, dtype=float) - loc) / scale, *args) / scale

            tab = _TabulatedCdf(pdf, lo, hi, name)
            self.cdf, self.sf, self.pdf = tab.cdf, tab.sf, pdf
            return
        try:
            args, loc, scale = d._parse_args(*dist.args, **dist.kwds)
            cdf = lambda x: d._cdf((np.asarray(x, dtype=float) - loc) / scale, *args)  # noqa: E731
            sf = lambda x: d._sf((np.asarray(x, dtype=float) - loc) / scale, *args)  # noqa: E731
            pdf = lambda x: d._pdf((np.asarray(x, dtype=float) - loc) / scale, *args) / scale  # noqa: E731
            if d.name == "truncnorm":  # scipy's private truncnorm cdf is slow: the normal's, renormalised
                lo_z, hi_z = (float(np.asarray(x)) for x in args)
                mass = ndtr(hi_z) - ndtr(lo_z)
                cdf = lambda x: (ndtr((np.asarray(x, dtype=float) - loc) / scale) - ndtr(lo_z)) / mass  # noqa: E731
                sf = lambda x: (ndtr(hi_z) - ndtr((np.asarray(x, dtype=float) - loc) / scale)) / mass  # noqa: E731
            x = _interior(lo, hi, 9)
            ok = all(np.allclose(np.asarray(f(x), dtype=float), np.asarray(g(x), dtype=float), rtol=1e-12,
                                 atol=1e-300) for f, g in ((cdf, dist.cdf), (sf, dist.sf), (pdf, dist.pdf)))
        except Exception:  # pragma: no cover - unusual distributions keep the public interface
            ok = False
        if ok:
            self.cdf, self.sf, self.pdf = cdf, sf, pdf


def _virtual(D, side: str) -> Callable:
    """phi_B = v - sf/pdf (buyer) or phi_S = c + cdf/pdf (seller) from a :class:`_Fast`."""
    def phi(x):
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return x - D.sf(x) / D.pdf(x) if side == "buyer" else x + D.cdf(x) / D.pdf(x)

    return phi


def virtual_value(buyer) -> Callable:
    """phi_B(v) = v - (1 - F_B(v)) / f_B(v), vectorised (inside the support, where f_B > 0)."""
    return _virtual(_Fast(buyer, *support(buyer, "buyer"), "buyer"), "buyer")


def virtual_cost(seller) -> Callable:
    """phi_S(c) = c + F_S(c) / f_S(c), vectorised (inside the support, where f_S > 0)."""
    return _virtual(_Fast(seller, *support(seller, "seller"), "seller"), "seller")


def _interior(lo, hi, n=_N_CHECK):
    return lo + (hi - lo) * (np.arange(1, n + 1) / (n + 1))


def is_regular(dist, side: str) -> bool:
    """Whether the virtual value (side "buyer") or virtual cost (side "seller") of ``dist`` is non-decreasing on
    an interior grid of 2001 types and on the ironing's grid (4001 types clustered towards the ends and refined where
    a cell holds more than 1/128 of the probability, where the quantile is within (1e-12, 1 - 1e-12)), to a
    relative 1e-9 of the support's width, and finite there."""
    if side not in ("buyer", "seller"):
        raise ValueError(f"side must be 'buyer' or 'seller'; got {side!r}")
    lo, hi = support(dist, side)
    return _is_regular(_Fast(dist, lo, hi, side), lo, hi, side)


_N_IRON = 4000  # cells of the grid (clustered towards the ends) on which the convex hull is taken
_TAIL = 1e-12  # cells in the lowest or highest 1e-12 of a side's quantiles are left out of the hull
_CELL_MASS = 1.0 / 128  # a cell of the hull's grid holding more probability than this is cut into 16
_CELL_MIN = 1e-12  # ... unless narrower than this fraction of the support (then ValueError: a near-atom)
_CELL_ULPS = 65536  # ... or than this many floating-point steps at its ends (ValueError too)


def _hull_grid(D, lo, hi, side):
    """The types on which a side is ironed: 4001 clustered towards the ends (x = lo + (hi - lo) (1 - cos(pi t)) / 2,
    t = 0, 1/4000, ..., 1), then every cell that holds more than 1/128 of the probability cut into 16 equal cells,
    again until none does. A near-atom (e.g. a Beta(4e8, 1.5) component, whose mass lies within 1e-7 of the top,
    all in the last of the 4000 cells) is so resolved into cells, and the hull sees the virtual value rise through
    it. A cell that still holds more than 1/128 when narrower than 1e-12 of the support raises ValueError naming the
    side (the model has densities; in double precision such a prior is an atom)."""
    t = np.linspace(0.0, 1.0, _N_IRON + 1)
    x = lo + (hi - lo) * 0.5 * (1.0 - np.cos(np.pi * t))
    x[0], x[-1] = lo, hi
    width = hi - lo
    for _ in range(40):
        F = _clipped_cdf(D.cdf, x, lo, hi)
        S = np.where(x <= lo, 1.0, np.where(x >= hi, 0.0, D.sf(np.clip(x, lo, hi))))
        du = np.where(F[:-1] >= 0.5, S[:-1] - S[1:], F[1:] - F[:-1])
        heavy = np.flatnonzero(du > _CELL_MASS)
        if not heavy.size:
            return x
        ends = np.maximum(np.abs(x[heavy]), np.abs(x[heavy + 1]))
        narrow = heavy[np.diff(x)[heavy] < np.maximum(_CELL_MIN * width, _CELL_ULPS * np.spacing(ends))]
        if narrow.size:
            i = int(narrow[0])
            raise ValueError(f"{side}'s distribution puts {du[i]:.3g} of its probability on [{x[i]:.17g}, "
                             f"{x[i + 1]:.17g}], narrower than {_CELL_MIN:.0e} of its support's width or "
                             f"{_CELL_ULPS} floating-point steps there (a near-atom): too concentrated for double "
                             f"precision; need at most {_CELL_MASS:.3g} of the probability on any such interval")
        pieces = x[heavy, None] + np.diff(x)[heavy, None] * (np.arange(1, 16) / 16.0)
        x = np.unique(np.concatenate([x, pieces.ravel()]))
    raise AssertionError("unreachable: 40 rounds cut every cell below 1e-12 of the support")  # pragma: no cover


def _is_regular(D, lo, hi, side):
    """phi non-decreasing (to 1e-9 of the width) and finite on the 2001 interior types and on the hull's grid
    (:func:`_hull_grid`) where F and 1 - F exceed 1e-12: a near-atom next to an end, where the virtual value falls
    from about 1e70 to the end's type within 1e-8 of it, lies between two of the 2001 types."""
    x = _hull_grid(D, lo, hi, side)[1:-1]
    x = x[(_clipped_cdf(D.cdf, x, lo, hi) > _TAIL) & (D.sf(x) > _TAIL)]
    y = _virtual(D, side)(np.union1d(_interior(lo, hi), x))
    return bool(np.all(np.isfinite(y)) and np.all(np.diff(y) >= -1e-9 * (hi - lo)))
_N_SAMPLE = 257  # types at which an end's bracket is sampled for more than one rise of phi^alpha through the level
_IRON_TOL = 1e-10  # a pooled block is an ironed interval if H exceeds its chord by more than this (x the width)


class _Ironing:
    """Myerson's (1981) ironing of one side's phi^alpha (buyer: v - alpha (1 - F)/f; seller: c + alpha F/f).

    In quantile space u = F(x) the integrated virtual value is H(u) = int_0^u phi^alpha(F^{-1}(s)) ds, and the
    ironed phi^alpha is the derivative of the convex hull of H. On a grid of 4001 types (4000 cells clustered
    towards the ends, each cell holding more than 1/128 of the probability cut into 16, :func:`_hull_grid`) the
    hull's slopes are the isotonic regression of the cells' means of phi^alpha weighted by
    their probabilities (pool-adjacent-violators, ``scipy.optimize.isotonic_regression``). A cell's probability and
    its int phi^alpha dF come by integration by parts from F and int F (no density is needed): with x measured
    from lo, int x dF = [x F] - int F, plus alpha int F (seller) or minus alpha int (1 - F) (buyer); in the upper
    half of the quantiles the same quantities are taken from the survival function S = 1 - F
    (int x dF = -[x S] + int S, probability -[S]), so that cells where F is 1 - 1e-15, and rounds to 1, keep their
    probabilities and means to relative precision (differences of F there would be a few units in the last place,
    and their slopes noise). Each pooled block where H lies above its chord (by more than 1e-10 of the width) is
    an ironed interval [a, b] with level L; its ends and level are then refined by Newton's method on
    int_a^b (phi^alpha - L) dF = 0 with phi^alpha(a) = phi^alpha(b) = L (an end at the support's edge stays
    there), whose step is L <- (int_a^b phi^alpha dF) / (F(b) - F(a)), by the same two forms. Outside the
    intervals the ironed value is phi^alpha itself."""

    def __init__(self, D, lo: float, hi: float, side: str):
        self.D, self.lo, self.hi, self.buyer = D, lo, hi, side == "buyer"
        x = _hull_grid(D, lo, hi, side)
        a, b = x[:-1, None], x[1:, None]
        nodes = 0.5 * (b - a) * _GL_X + 0.5 * (a + b)
        cell_F = np.sum(0.5 * (b - a) * _GL_W * self._cdf(nodes), axis=1)  # int F over each cell
        cell_S = np.sum(0.5 * (b - a) * _GL_W * self._sf(nodes), axis=1)  # int S over each cell
        self.x, self.F, self.S = x, self._cdf(x), self._sf(x)
        self.G = np.concatenate([[0.0], np.cumsum(cell_F)])  # int_lo^x F at the grid types
        self.GS = np.concatenate([np.cumsum(cell_S[::-1])[::-1], [0.0]])  # int_x^hi S at the grid types
        y = x - lo
        upper = self.F[:-1] >= 0.5
        self.du = np.where(upper, self.S[:-1] - self.S[1:], self.F[1:] - self.F[:-1])
        self.dM = np.where(upper, y[:-1] * self.S[:-1] - y[1:] * self.S[1:] + cell_S,
                           y[1:] * self.F[1:] - y[:-1] * self.F[:-1] - cell_F)  # int (x - lo) dF
        self.dQ = -cell_S if self.buyer else cell_F  # d/dalpha of int phi^alpha dF over each cell
        # resolved cells: positive probability, outside the lowest and highest _TAIL of the quantiles, where a cdf's
        # relative error (a tabulated cdf's at F ~ 1e-100) would make their means noise. Each run of unresolved cells
        # (the tails, or a gap between two modes where F stays within rounding of a constant while int phi^alpha dF
        # does not) is merged into the next resolved cell (the upper tail into the last), summed locally.
        resolved = np.flatnonzero((self.du > 0) & (np.where(upper, self.S[:-1], self.F[1:]) > _TAIL))
        self.nodes = np.r_[0, resolved + 1]
        if resolved.size:
            self.nodes[-1] = x.size - 1
            # a run can carry a negative rounding-level mass (a tabulated cdf is monotone only to 1e-15): a merged
            # cell whose mass is not positive is merged again, into the next one (the last into the one before)
            while self.nodes.size > 2:
                bad = np.flatnonzero(np.add.reduceat(self.du, self.nodes[:-1]) <= 0)
                if not bad.size:
                    break
                self.nodes = np.delete(self.nodes, np.unique(np.minimum(bad + 1, self.nodes.size - 2)))
            starts = self.nodes[:-1]
            self.du, self.dM, self.dQ = (np.add.reduceat(z, starts) for z in (self.du, self.dM, self.dQ))
        self._cache: dict = {}

    def _cdf(self, y):
        return _clipped_cdf(self.D.cdf, y, self.lo, self.hi)

    def _sf(self, y):
        y = np.asarray(y, dtype=float)
        return np.where(y <= self.lo, 1.0, np.where(y >= self.hi, 0.0, self.D.sf(np.clip(y, self.lo, self.hi))))

    def _partial_integrals(self, y):
        """int_lo^y F and int_y^hi S at types y inside [lo, hi] (grid cumulative sums plus a 16-point rule on the
        partial cell)."""
        y = np.asarray(y, dtype=float)
        i = np.clip(np.searchsorted(self.x, y) - 1, 0, self.x.size - 2)
        a, b = self.x[i], self.x[i + 1]
        left = a[..., None] + (y - a)[..., None] * (0.5 * _GL_X + 0.5)
        right = y[..., None] + (b - y)[..., None] * (0.5 * _GL_X + 0.5)
        G = self.G[i] + (y - a) * np.sum(0.5 * _GL_W * self._cdf(left), axis=-1)
        GS = self.GS[i + 1] + (b - y) * np.sum(0.5 * _GL_W * self._sf(right), axis=-1)
        return G, GS

    def _H(self, y, alpha):
        """H at types y: int_lo^y phi^alpha dF (lower-half form, x F - (1 - alpha) int F [- alpha (x - lo)])."""
        y = np.asarray(y, dtype=float)
        G, _ = self._partial_integrals(y)
        H = y * self._cdf(y) - (1.0 - alpha) * G
        return H - alpha * (y - self.lo) if self.buyer else H

    def _mean(self, a, b, alpha):
        """The mean of phi^alpha over [a, b] (a < b): int_a^b phi^alpha dF / (F(b) - F(a)), from F if F(a) < 1/2,
        else from S."""
        (Ga, Gb), (GSa, GSb) = self._partial_integrals(np.array([a, b], dtype=float))
        ya, yb = a - self.lo, b - self.lo
        int_F, int_S = Gb - Ga, GSa - GSb
        if self._cdf(a) < 0.5:
            Fa, Fb = self._cdf(a), self._cdf(b)
            mass, M = Fb - Fa, yb * Fb - ya * Fa - int_F
        else:
            Sa, Sb = self._sf(a), self._sf(b)
            mass, M = Sa - Sb, ya * Sa - yb * Sb + int_S
        Q = -int_S if self.buyer else int_F
        return float(self.lo + (M + alpha * Q) / mass)

    def _phi(self, y, alpha):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if self.buyer:
                return y - alpha * self.D.sf(y) / self.D.pdf(y)
            return y + alpha * self.D.cdf(y) / self.D.pdf(y)

    def _one_crossing(self, y0, y1, L, alpha, left: bool):
        """A bracket of the first (left end) or last (right end) rise of phi^alpha through L in [y0, y1] (phi^alpha
        sampled at 257 equally spaced types): [y0, y1] itself if the samples show one rise. An interval narrower than
        the bracket puts both of its ends in it (with the fall of phi^alpha between them), and brentq on the whole
        bracket could return either end, or the fall."""
        ys = np.linspace(y0, y1, _N_SAMPLE)
        g = self._phi(ys, alpha) - L
        rises = np.flatnonzero((g[:-1] < 0) & (g[1:] >= 0))
        if rises.size < 2:
            return y0, y1
        i = int(rises[0] if left else rises[-1])
        return float(ys[i]), float(ys[i + 1])

    def _end(self, xs, k, L, alpha, left: bool):
        """The root of phi^alpha = L (from below to above) near grid type xs[k]; the support's edge if the
        interval reaches it; xs[k] if no bracket is found within 8 cells."""
        n = xs.size - 1
        for j in (1, 2, 4, 8):
            i0, i1 = max(k - j, 0), min(k + j, n)
            y0 = xs[i0] if i0 > 0 else xs[0] + 1e-14 * (self.hi - self.lo)
            y1 = xs[i1] if i1 < n else xs[n] - 1e-14 * (self.hi - self.lo)
            g0, g1 = float(self._phi(y0, alpha)) - L, float(self._phi(y1, alpha)) - L
            if g0 < 0 < g1:
                y0, y1 = self._one_crossing(y0, y1, L, alpha, left)
                return optimize.brentq(lambda y: float(self._phi(y, alpha)) - L, y0, y1, xtol=1e-15 * (self.hi - self.lo))
            if left and i0 == 0 and g1 > 0 and not g0 < 0:
                return self.lo
            if not left and i1 == n and g0 < 0 and not g1 > 0:
                return self.hi
        return float(xs[k])

    def intervals(self, alpha):
        """The ironed intervals of phi^alpha as a tuple of (a, b, level), cached per alpha."""
        key = float(alpha)
        if key in self._cache:
            return self._cache[key]
        out = []
        if self.nodes.size < 3:  # at most one resolved cell: nothing to iron
            self._cache[key] = ()
            return ()
        du, dH = self.du, self.dM + alpha * self.dQ
        res = optimize.isotonic_regression(dH / du, weights=du)
        for s_, e_ in zip(res.blocks[:-1], res.blocks[1:]):
            if e_ - s_ < 2:
                continue
            L = float(res.x[s_])
            if np.max(np.cumsum(dH[s_:e_] - L * du[s_:e_])) <= _IRON_TOL * (self.hi - self.lo):
                continue  # H does not rise above the block's chord: no ironing there
            L += self.lo
            k_a, k_b = int(self.nodes[s_]), int(self.nodes[e_])  # the block's first and last grid types
            for _ in range(40):
                a = self._end(self.x, k_a, L, alpha, True)
                b = self._end(self.x, k_b, L, alpha, False)
                L_new = self._mean(a, b, alpha)
                done = abs(L_new - L) <= 1e-15 * (abs(L) + self.hi - self.lo)
                L = L_new
                if done:
                    break
            out.append((float(a), float(b), L))
        if len(self._cache) > 512:
            self._cache.clear()
        self._cache[key] = tuple(out)
        return self._cache[key]


@dataclass(frozen=True)
class RuleValue:
    """Gains E[(v - c) q] and budget E[(phi_B - phi_S) q] of the rule q_alpha, and its trade probability."""

    alpha: float
    gains: float
    budget: float
    trade_probability: float


class _Problem:
    def __init__(self, buyer, seller):
        self.buyer, self.seller = buyer, seller
        self.v_sup = support(buyer, "buyer")
        self.c_sup = support(seller, "seller")
        (v_lo, v_hi), (c_lo, c_hi) = self.v_sup, self.c_sup
        if not v_hi > c_lo:
            raise ValueError(f"there are no gains from trade: every value of buyer (support [{v_lo:.6g}, {v_hi:.6g}]) "
                             f"is at most every cost of seller (support [{c_lo:.6g}, {c_hi:.6g}]); need buyer's "
                             f"highest value > seller's lowest cost")
        for dist, side in ((buyer, "buyer"), (seller, "seller")):
            lo, hi = self.v_sup if side == "buyer" else self.c_sup
            x = _interior(lo, hi)
            if not np.all(dist.pdf(x) > 0):
                raise ValueError(f"{side}'s density must be positive inside its support (it is 0 in floating point "
                                 f"at some of 2001 interior types: a prior this concentrated, e.g. Beta(200, 200), "
                                 f"is not supported; rescale its support to where it has mass)")
        self.B, self.S = _Fast(buyer, *self.v_sup, "buyer"), _Fast(seller, *self.c_sup, "seller")
        self.phi_b, self.phi_s = _virtual(self.B, "buyer"), _virtual(self.S, "seller")
        self.iron_b = None if _is_regular(self.B, *self.v_sup, "buyer") else _Ironing(self.B, *self.v_sup, "buyer")
        self.iron_s = None if _is_regular(self.S, *self.c_sup, "seller") else _Ironing(self.S, *self.c_sup, "seller")

    def ironed(self, alpha):
        """The ironed intervals of phi_B^alpha and phi_S^alpha: two tuples of (lo, hi, level)."""
        return tuple(() if it is None or alpha == 0 else it.intervals(alpha) for it in (self.iron_b, self.iron_s))

    def _flatten(self, x, raw, ironing, alpha):
        if ironing is None or alpha == 0:
            return raw
        for a, b, level in ironing.intervals(alpha):
            raw = np.where((x >= a) & (x <= b), level, raw)
        return raw

    def _b(self, v, alpha):
        """v - alpha (1 - F_B)/f_B, ironed for an irregular buyer; v itself for alpha = 0."""
        if alpha == 0:
            return np.asarray(v, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            raw = v - alpha * self.B.sf(v) / self.B.pdf(v)
        return self._flatten(v, raw, self.iron_b, alpha)

    def _s(self, c, alpha):
        """c + alpha F_S/f_S, ironed for an irregular seller; c itself for alpha = 0."""
        if alpha == 0:
            return np.asarray(c, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            raw = c + alpha * self.S.cdf(c) / self.S.pdf(c)
        return self._flatten(c, raw, self.iron_s, alpha)

    def threshold(self, v, alpha):
        """t(v) = sup{c in [c_lo, c_hi]: phi_S^alpha(c) <= phi_B^alpha(v)} by vectorised bisection."""
        c_lo, c_hi = self.c_sup
        target = self._b(np.asarray(v, dtype=float), alpha)
        lo = np.full(target.shape, c_lo)
        hi = np.full(target.shape, c_hi)
        for _ in range(_BISECT):
            mid = 0.5 * (lo + hi)
            below = self._s(mid, alpha) <= target
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        return 0.5 * (lo + hi)

    def _breaks(self, alpha):
        """Buyer types at which t(v) leaves c_lo and reaches c_hi (by bisection on phi_B^alpha, increasing)."""
        (v_lo, v_hi), (c_lo, c_hi) = self.v_sup, self.c_sup
        eps = 1e-13 * (c_hi - c_lo)
        levels = np.array([self._s(c_lo + eps, alpha), self._s(c_hi - eps, alpha)], dtype=float)
        return self._crossings(levels, alpha)

    def _crossings(self, levels, alpha):
        """The buyer types at which phi_B^alpha (non-decreasing) reaches each level, by bisection."""
        v_lo, v_hi = self.v_sup
        lo, hi = np.full(levels.shape, v_lo), np.full(levels.shape, v_hi)
        for _ in range(_BISECT):
            mid = 0.5 * (lo + hi)
            below = self._b(mid, alpha) < levels
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        return 0.5 * (lo + hi)

    def value(self, alpha, gains: bool = True) -> RuleValue:
        """Budget (and, if ``gains``, gains and trade probability) of q_alpha by the one-dimensional integrals
        of the module docstring; pieces of the buyer's support narrower than 1e-12 of it are dropped."""
        (v_lo, v_hi), (c_lo, c_hi) = self.v_sup, self.c_sup
        a, b = self._breaks(alpha)
        cuts = [a, b]
        iron_b, iron_s = self.ironed(alpha)
        cuts += [x for lo_, hi_, _ in iron_b for x in (lo_, hi_)]  # t(v) is flat on the buyer's ironed intervals
        if iron_s:  # and jumps where phi_B^alpha crosses a level of the seller's
            cuts += list(self._crossings(np.array([level for _, _, level in iron_s]), alpha))
        edges = sorted({x for x in cuts if a <= x <= b} | {b, v_hi})
        xs, ws = [], []
        for lo, hi in zip(edges[:-1], edges[1:]):
            if hi - lo > 1e-12 * (v_hi - v_lo):
                x, w = _nodes(lo, hi, n_graded=24)
                xs.append(x)
                ws.append(w)
        if not xs:
            return RuleValue(alpha=float(alpha), gains=0.0, budget=0.0, trade_probability=0.0)
        v, w = np.concatenate(xs), np.concatenate(ws)
        f = np.asarray(self.B.pdf(v), dtype=float)
        keep = np.isfinite(f) & (f > 0)
        v, w, f = v[keep], w[keep], f[keep]
        t = self.threshold(v, alpha)
        F = np.asarray(self.S.cdf(t), dtype=float)
        # f_B (phi_B - t) = (v - t) f_B - (1 - F_B): no division, so a density that underflows costs nothing
        budget = float(np.sum(w * F * ((v - t) * f - self.B.sf(v))))
        w = w * f
        if not gains:
            return RuleValue(alpha=float(alpha), gains=np.nan, budget=budget, trade_probability=np.nan)
        # int_{c_lo}^t F_S(c) dc on a graded 16-point rule per node
        u, wu = _nodes(0.0, 1.0, n_uniform=2, n_graded=8)
        cc = c_lo + (t - c_lo)[:, None] * u[None, :]
        int_F = (t - c_lo) * np.sum(wu[None, :] * self.S.cdf(cc), axis=1)
        total = float(np.sum(w * ((v - t) * F + int_F)))
        prob = float(np.sum(w * F))
        return RuleValue(alpha=float(alpha), gains=total, budget=budget, trade_probability=prob)


def threshold_rule(buyer, seller, alpha: float) -> RuleValue:
    """Gains, budget E[(phi_B - phi_S) q] and trade probability of q_alpha(v, c) = 1{v - alpha (1 - F_B)/f_B >=
    c + alpha F_S/f_S}, alpha in [0, 1] (0: the efficient rule; 1: trade iff phi_B >= phi_S)."""
    alpha = real(alpha, "alpha", lo=0, hi=1)
    return _Problem(buyer, seller).value(alpha)


@dataclass(frozen=True)
class SecondBest:
    """The second-best (ex ante efficient) mechanism's trading rule and its value.

    ``gains`` = E[(v - c) q], ``first_best`` = E[(v - c)^+], ``efficiency`` = gains / first_best, ``alpha`` and
    ``multiplier`` = lambda = alpha / (1 - alpha) (the Lagrange multiplier of the budget condition),
    ``budget`` = E[(phi_B - phi_S) q] at the optimum (0 when the condition binds), ``efficient_deficit`` =
    -E[(phi_B - phi_S) 1{v >= c}] (the expected subsidy the efficient rule needs; <= 0 means none), and
    ``trade_probability``; ``ironed`` = (buyer's, seller's) ironed intervals of phi^alpha at the optimum, each a
    tuple of (lo, hi, level) (empty for regular priors). ``trades(v, c)``, ``threshold(v)``, ``virtual_value(v)``,
    ``virtual_cost(c)`` (the unironed phi_B, phi_S) and ``ironed_scores(v, c)`` (the ironed phi_B^alpha(v) and
    phi_S^alpha(c) that the rule compares) are vectorised."""

    gains: float
    first_best: float
    efficiency: float
    alpha: float
    multiplier: float
    budget: float
    efficient_deficit: float
    trade_probability: float
    ironed: tuple = ((), ())
    _problem: object = field(repr=False, compare=False, default=None)

    def threshold(self, v):
        """Highest seller cost that trades with buyer type v (c_lo when none does)."""
        return self._problem.threshold(np.asarray(v, dtype=float), self.alpha)

    def trades(self, v, c):
        """q(v, c) in {0, 1}, vectorised over broadcastable v and c (types inside the supports)."""
        v, c = np.broadcast_arrays(np.asarray(v, dtype=float), np.asarray(c, dtype=float))
        p = self._problem
        return (p._b(v, self.alpha) >= p._s(c, self.alpha)).astype(float)

    def virtual_value(self, v):
        return self._problem.phi_b(v)

    def ironed_scores(self, v, c):
        """(ironed phi_B^alpha(v), ironed phi_S^alpha(c)), phi^alpha = (1 - alpha) x + alpha phi; trade iff the
        first is at least the second."""
        p = self._problem
        return p._b(np.asarray(v, dtype=float), self.alpha), p._s(np.asarray(c, dtype=float), self.alpha)

    def virtual_cost(self, c):
        return self._problem.phi_s(c)


def second_best(buyer, seller) -> SecondBest:
    """The second best (Myerson and Satterthwaite 1983): the monotone rule maximising E[(v - c) q] subject to
    E[(phi_B - phi_S) q] >= 0, q(v, c) = 1{(v - c) + lambda (phi_B(v) - phi_S(c)) >= 0} for regular priors; for
    irregular ones (a virtual value or cost that is not monotone) q(v, c) = 1{ironed phi_B^alpha(v) >= ironed
    phi_S^alpha(c)}, phi^alpha = (1 - alpha) x + alpha phi ironed as in Myerson (1981), which is monotone and
    constant on the ironed intervals.

    Raises ``ValueError`` (``InputTypeError`` for a non-distribution) naming ``buyer`` or ``seller`` for an
    invalid, unbounded or single-point support, a density not positive inside the support, and when there are no
    gains from trade (buyer's highest value <= seller's lowest cost); also if the budget jumps across zero at
    the multiplier (an ironed level of the buyer's equal to one of the seller's, where the second best would
    randomise on the tie: not implemented)."""
    prob = _Problem(buyer, seller)
    first = prob.value(0.0)
    if first.budget >= 0:
        alpha, best = 0.0, first
    else:
        top = prob.value(1.0, gains=False)
        if not top.budget > 0:  # pragma: no cover - phi_B >= phi_S on a set of positive probability when v_hi > c_lo
            raise ValueError("no rule meets the budget condition with positive gains for these priors")
        alpha = optimize.brentq(lambda a: prob.value(a, gains=False).budget, 0.0, 1.0, xtol=1e-14, rtol=1e-14)
        best = prob.value(alpha)
        if abs(best.budget) > 1e-9 * first.gains:
            raise ValueError(f"the budget of the ironed rule jumps across zero at alpha = {alpha:.6g} (budget "
                             f"{best.budget:.3g}): an ironed level of buyer's equals one of seller's and the second "
                             f"best would randomise on that tie, which is not implemented")
    first_best = _first_best(prob.B, prob.S, prob.v_sup, prob.c_sup)  # int F_S (1 - F_B): no density needed
    return SecondBest(gains=best.gains, first_best=first_best, efficiency=best.gains / first_best,
                      alpha=float(alpha), multiplier=float(alpha / (1 - alpha)), budget=best.budget,
                      efficient_deficit=-first.budget, trade_probability=best.trade_probability,
                      ironed=prob.ironed(alpha), _problem=prob)


@dataclass(frozen=True)
class PostedPrice:
    """The best posted price: trade iff c <= price <= v; ``gains`` = E[(v - c) 1{c <= p <= v}], ``efficiency`` =
    gains / E[(v - c)^+], ``trade_probability`` = F_S(p) (1 - F_B(p))."""

    price: float
    gains: float
    first_best: float
    efficiency: float
    trade_probability: float


def _posted_gains(B, S, p, v_sup, c_sup):
    """G(p) = F_S(p) int_p^{v_hi} (1 - F_B) + (1 - F_B(p)) int_{c_lo}^p F_S (integration by parts of
    E[(v - c) 1{c <= p <= v}]), vectorised over p."""
    p = np.atleast_1d(np.asarray(p, dtype=float))
    u, wu = _nodes(0.0, 1.0, n_uniform=2, n_graded=8)
    hi_len = np.maximum(v_sup[1] - np.maximum(p, v_sup[0]), 0.0)
    vv = np.maximum(p, v_sup[0])[:, None] + hi_len[:, None] * u[None, :]
    tail_b = hi_len * np.sum(wu * B.sf(vv), axis=1) + np.maximum(v_sup[0] - p, 0.0)  # int_p^{v_hi} S_B
    lo_len = np.maximum(np.minimum(p, c_sup[1]) - c_sup[0], 0.0)
    cc = c_sup[0] + lo_len[:, None] * u[None, :]
    head_s = lo_len * np.sum(wu * S.cdf(cc), axis=1) + np.maximum(p - c_sup[1], 0.0)  # int_{c_lo}^p F_S
    F_S = np.where(p <= c_sup[0], 0.0, np.where(p >= c_sup[1], 1.0, S.cdf(np.clip(p, *c_sup))))
    S_B = np.where(p <= v_sup[0], 1.0, np.where(p >= v_sup[1], 0.0, B.sf(np.clip(p, *v_sup))))
    return F_S * tail_b + S_B * head_s


def _clipped_cdf(F, x, lo, hi):
    """F at x, 0 below lo and 1 above hi (F evaluated only inside [lo, hi])."""
    x = np.asarray(x, dtype=float)
    return np.where(x <= lo, 0.0, np.where(x >= hi, 1.0, F(np.clip(x, lo, hi))))


def _first_best(B, S, v_sup, c_sup) -> float:
    """E[(v - c)^+] = int F_S (1 - F_B) over [c_lo, v_hi], graded Gauss-Legendre panels broken at v_lo and c_hi."""
    (v_lo, v_hi), (c_lo, c_hi) = v_sup, c_sup
    edges = sorted({c_lo, v_hi} | {x for x in (v_lo, c_hi) if c_lo < x < v_hi})
    total = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        if b > a:
            x, w = _nodes(a, b)
            total += float(np.sum(w * _clipped_cdf(S.cdf, x, c_lo, c_hi)
                                  * (1.0 - _clipped_cdf(B.cdf, x, v_lo, v_hi))))
    return total


def posted_price(buyer, seller) -> PostedPrice:
    """The price p maximising the gains of "trade iff c <= p <= v" (a grid of 161 prices on
    [max(v_lo, c_lo), min(v_hi, c_hi)] or the gap between the supports, then bounded Brent around the best;
    G(p) = F_S(p) int_p^{v_hi} (1 - F_B) + (1 - F_B(p)) int_{c_lo}^p F_S). A posted price needs no regularity:
    any priors with bounded supports, densities positive inside them and gains from trade are accepted (e.g. the
    U-shaped Beta(0.5, 0.5)); the first best is int F_S (1 - F_B). Raises ``ValueError`` (``InputTypeError`` for
    a non-distribution) naming ``buyer`` or ``seller`` for an invalid, unbounded or single-point support or a
    density not positive inside the support, and when there are no gains from trade."""
    v_sup, c_sup = support(buyer, "buyer"), support(seller, "seller")
    if not v_sup[1] > c_sup[0]:
        raise ValueError(f"there are no gains from trade: every value of buyer (support [{v_sup[0]:.6g}, "
                         f"{v_sup[1]:.6g}]) is at most every cost of seller (support [{c_sup[0]:.6g}, {c_sup[1]:.6g}]); "
                         f"need buyer's highest value > seller's lowest cost")
    for dist, side, (lo_, hi_) in ((buyer, "buyer", v_sup), (seller, "seller", c_sup)):
        if not np.all(dist.pdf(_interior(lo_, hi_)) > 0):
            raise ValueError(f"{side}'s density must be positive inside its support (it is 0 in floating point at "
                             f"some of 2001 interior types; rescale its support to where it has mass)")
    B, S = _Fast(buyer, *v_sup, "buyer"), _Fast(seller, *c_sup, "seller")
    lo, hi = min(max(v_sup[0], c_sup[0]), min(v_sup[1], c_sup[1])), max(max(v_sup[0], c_sup[0]),
                                                                      min(v_sup[1], c_sup[1]))
    grid = np.linspace(lo, hi, 161)
    g = _posted_gains(B, S, grid, v_sup, c_sup)
    i = int(np.argmax(g))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    res = optimize.minimize_scalar(lambda p: -_posted_gains(B, S, p, v_sup, c_sup)[0], bounds=(a, b),
                                   method="bounded", options={"xatol": 1e-12 * (hi - lo + 1e-300)})
    p, gp = (float(res.x), float(-res.fun)) if -res.fun >= g[i] else (float(grid[i]), float(g[i]))
    first = _first_best(B, S, v_sup, c_sup)
    return PostedPrice(price=p, gains=gp, first_best=first, efficiency=gp / first,
                       trade_probability=float(_clipped_cdf(S.cdf, p, *c_sup)
                                               * (1.0 - _clipped_cdf(B.cdf, p, *v_sup))))
