"""Smooth Bayesian Nash equilibria of the k-double auction for any priors on bounded intervals.

Model (Chatterjee and Samuelson 1983): a buyer with value v ~ F_B on [v_lo, v_hi] and a seller with cost
c ~ F_S on [c_lo, c_hi] (independent, private) submit a bid b and an ask s; if b >= s they trade at
p = k b + (1 - k) s, with k in [0, 1].

Equations (Satterthwaite and Williams 1989). On the range of prices [p_lo, p_hi] at which trade happens, let h(p)
be the buyer type who bids p and g(p) the seller type who asks p (inverse strategies). The first-order conditions
are

    g'(p) = k F_S(g) / (f_S(g) (h - p)),          h'(p) = (1 - k) (1 - F_B(h)) / (f_B(h) (p - g)).

The regular class (the course's selection). With g(p_lo) = c_lo, h(p_lo) = p_lo, h(p_hi) = v_hi, g(p_hi) = p_hi
both ends are 0/0 singular points. Near p_lo, g - c_lo behaves like (p - p_lo)^lambda with
lambda = k L / (h'(p_lo) - 1), L = lim F_S(x) / ((x - c_lo) f_S(x)); every p_lo gives a member of a continuum of
smooth equilibria. The *regular* members have finite, non-zero slopes at both ends (lambda = 1 at both ends);
that pins p_lo and p_hi by

    (1 - k) (1 - F_B(p_lo)) = (1 + k L) f_B(p_lo) (p_lo - c_lo),   k F_S(p_hi) = (1 + (1 - k) R) f_S(p_hi) (v_hi - p_hi),

R = lim (1 - F_B(x)) / ((v_hi - x) f_B(x)), and leaves two free slopes, sigma = g'(p_lo) and tau = h'(p_hi).
Regular equilibria are the (sigma, tau) at which the half of the solution started at p_lo and the half started
at p_hi meet at the middle price. There can be none, one or several; uniform priors give Chatterjee and
Samuelson's linear equilibrium b(v) = v/(1+k) + k(1-k)/(2(1+k)), s(c) = c/(2-k) + (1-k)/2.

Method (chosen by measurement, benchmarks/bne.py).
- Each half is integrated (solve_ivp, DOP853) in variables measured from its own end: from p_lo in
  x = p - p_lo with states h - p and g - c_lo, from p_hi in u = p_hi - p with states v_hi - h and p - g. The
  singular factors are written as ratios of small numbers, k (g - c_lo) rho_S(g - c_lo) / (h - p) and
  (1 - k) (v_hi - h) rho_B(v_hi - h) / (p - g), with rho_S(y) = F_S(c_lo + y) / (y f_S(c_lo + y)) and
  rho_B(z) = (1 - F_B(v_hi - z)) / (z f_B(v_hi - z)) smooth (rho_S(0) = L, rho_B(0) = R); below 1e-4 of the
  width they are the quadratic through their values at 1, 2 and 3 times 1e-4 of the width, since evaluating
  F at v_hi - z for tiny z loses the digits of z. The first-order start (h - p = k L x, g - c_lo = sigma x at
  x = 1e-9 of the range) is then exact to rounding in every digit of sigma: no cancellation.
- All regular equilibria: both halves are sampled (one integration per slope, rtol 1e-5) on log-spaced
  slopes, three per decade over [1e-2, 1e2]; the range widens a decade at a time, up to [1e-4, 1e4], while a
  crossing of the two curves of (h, g) at the middle price, or their closest approach, lies in its outermost decade.
  The uniform-exact slopes, each crossing and the closest approach start damped Newton-Broyden in
  (log sigma, log tau) (rtol 1e-6, refined at 1e-8 where it stalls), distinct roots are kept and the one returned
  is polished at ``rtol`` to a mismatch below ``tol`` (quasi-Newton: a finite-difference Jacobian with Broyden
  updates, which also converges next to a fold, where the Jacobian is nearly singular). The scan, Newton and the
  welfare of several members (rtol >= 1e-9) evaluate rho_S and rho_B from cubic-spline tables checked against them
  to 1e-9 at the midpoint of every cell used (past a jump of a density, a further spline on each smooth run); the
  polish uses rho_S and rho_B themselves. There is no fixed slope box, but members with slopes
  outside [1e-4, 1e4] whose crossings lie beyond the grown range are not searched for.
- Among several regular equilibria the Pareto-best is returned (``selection`` says which and why); all are listed
  in ``equilibria`` with their welfare (from solutions at rtol 1e-9). Where none exists
  :class:`NoRegularEquilibrium` is raised with the evidence (the smallest distance between the two curves).
- k = 0 and k = 1 are solved exactly: at k = 0 the buyer bids her value and the seller sets the monopoly price
  against 1 - F_B, s(c) = phi_B^{-1}(c) with phi_B(p) = p - (1 - F_B(p))/f_B(p); at k = 1 the seller asks his cost
  and the buyer bids phi_S^{-1}(v), phi_S(p) = p + F_S(p)/f_S(p) (the virtual value and cost must be increasing).
- Different supports: when the end condition at the top has no root inside the overlap of the supports (values
  reach above the highest cost), the highest-cost seller asks p_hi = the price at which g reaches c_hi, and buyers
  whose bid would pass it bid p_hi (a flat top); the top end is then a regular point of the equations, so regular
  equilibria form a one-parameter family in sigma = g'(p_lo). The member with sigma = 1 + (1 - k) R is returned (the
  linear equilibrium for uniform priors; its efficiency and that of sigma / 10 and 10 sigma are listed); where that
  member does not exist (the buyer's inverse strategy reaches v_hi first), the existing member nearest to it in
  log sigma (``selection`` says so).
- Flat bottom (the end condition at the bottom has no root and costs start below every value): the lowest value bids
  p_lo, h(p_lo) = v_lo, and the sellers of cost below g(p_lo) > c_lo all ask p_lo. Solved by the mirror x -> -x: the
  game with buyer' = law of -c, seller' = law of -v, bid' = -ask, ask' = -bid and k' = 1 - k (price' = -price) has a
  flat top, solved as above, and its strategies, ranges, end slopes and tables are mapped back; the member returned is
  h'(p_hi) = 1 + k L (the mirror's sigma; the linear equilibrium for uniform priors). Where neither end condition has
  a root in the overlap, the top one is also searched below it (a flat bottom whose prices lie below every value) and
  the bottom one above it.
- Both ends flat (c_lo < v_lo and c_hi < v_hi, e.g. shifted supports, and neither end condition has a root): both
  ends are regular points, h(p_lo) = v_lo with a flat bottom and g(p_hi) = c_hi with a flat top, and the equilibria
  form a two-parameter family (p_lo, g(p_lo)). The member returned has the regular class's end slopes
  h'(p_lo) = 1 + k L and g'(p_hi) = 1 + (1 - k) R (the linear equilibrium for uniform priors; a selection unchanged
  by the mirror): g(p_lo) = p_lo - (1 - k) / ((1 + k L) f_B(v_lo)), and p_lo by a scan and brentq, integrating the
  equations in g from g(p_lo) to c_hi. Not covered (NoRegularEquilibrium saying so): a density that vanishes at v_lo
  or c_hi there (every member then has an infinite end slope), or no p_lo meeting the second condition.
- Supports that do not overlap (v_lo >= c_hi: every value is at least every cost; touching supports v_lo = c_hi
  included). Every p in [c_hi, v_lo] gives a one-price equilibrium b(v) = p, s(c) = p at every k in [0, 1]: every
  pair trades at p (first best, efficiency 1). A buyer's bid x > p still trades with every seller, at
  k x + (1 - k) p >= p (more when k > 0), one below p trades with none (0 <= v - p); a seller's ask y < p gets
  k p + (1 - k) y <= p, one above p nothing. It is the both-ends-flat member with no smooth part (sellers up to
  g(p_lo) = c_hi ask p_lo, buyers from h(p_hi) = v_lo bid p_hi, p_lo = p_hi = p). The member returned for
  0 < k < 1 is p = (1 - k) v_lo + k c_hi, and at k = 0 and 1 the equilibrium in undominated strategies, as for
  overlapping supports: at k = 0 the buyer bids her value (a bid above p does not change the price, so b = p only
  ties with it) and each seller's best reply against 1 - F_B is v_lo when phi_B >= c_hi on [v_lo, v_hi] (then one
  price v_lo, truthful buyer), else the monopoly asks above (not one price, efficiency below 1); k = 1 mirrors it
  (one price c_hi with a truthful seller when phi_S <= v_lo on [c_lo, c_hi]). Why this p: it is the price of those
  undominated equilibria at k = 0 (v_lo) and k = 1 (c_hi) wherever they are one price, interpolated linearly in k;
  it gives the buyer the share k of the sure gains v_lo - c_hi, as a higher k favours the buyer (for U[0, 1] priors
  her share of the gains in the linear equilibrium is (1 + k)/3); and it is unchanged by the mirror x -> -x
  (k -> 1 - k). It is not a limit of the linear equilibrium of shifted uniforms: U[a, a + 1] values against U[0, 1]
  costs have inverse strategies h = (1 + k) p - k (1 - k)(a + 1)/2, g = (2 - k) p - (1 - k)(2 - k)(a + 1)/2 with
  both ends flat, whose trading range [(a + k (1 - k)(a + 1)/2)/(1 + k), 1/(2 - k) + (1 - k)(a + 1)/2] tends to
  [5/6, 7/6] at k = 1/2 as a -> 1 and is still an (inefficient) equilibrium at a = 1 (efficiency 23/24) and beyond,
  until it shrinks to one price at a = 2/(2 - k) + (1 - k)/(1 + k) (5/3 at k = 1/2): supports that do not overlap
  have smooth equilibria as well, which this solver does not return. :func:`one_price_member` gives the member at
  any other p. Cost: no equation is solved; k need not keep away from 0 and 1.
- Not covered: a bottom end condition without a root where costs do not start below the values (overlapping
  supports): NoRegularEquilibrium, naming the case.

The smooth family (Satterthwaite and Williams 1989). Any ends (p_lo, p_hi) with h'(p_lo) > 1 and g'(p_hi) > 1 (both
slopes given by the equations at the ends) can carry equilibria: near p_lo, g - c_lo ~ A (p - p_lo)^lambda, near p_hi,
v_hi - h ~ B (p_hi - p)^mu, with free amplitudes (A, B) found by the same shooting (the first-order start placed
1e-9^(1/min(exponent, 1)) of the range inside each end, so that its error stays at 1e-9). :func:`smooth_equilibria`
returns every member found at given ends with its welfare, :func:`smooth_family` the members at a list of ends and
the best of them, :func:`family_range` the ends whose exponents are in the supported range [1/4, 4], and
:func:`best_smooth_member` the most efficient member found by a local search over both ends (a grid inside
family_range, then Nelder-Mead over (p_lo, p_hi)). The regular class is the family at the one pair of ends where
lambda = mu = 1.

Integrations that need only the end point (scan, Newton, the polish iterations) use scipy's compiled DOP853
(scipy.integrate.ode); the final solutions of the polish, whose dense output gives the strategies, use solve_ivp's.

Units: the tolerances are set for types of order 1, and the game is invariant under a common change of units
x -> a + s x (s > 0) of values, costs, bids and asks (a type's best reply maps the same way; gains, utilities and
surpluses scale by s, slopes dh/dp and dg/dp and efficiency do not). Supports whose union is outside [-4, 4] or
narrower than 1/4 are therefore solved on the priors of (x - a) / s (scipy's own loc and scale, divided by a power
of 2, exactly) and the equilibrium mapped back, then certified on the priors given by the independent best-response
check. Supports that lib.double_auction refuses (narrower than 2e-3 of their distance from 0: its quadrature
resolves types to 1e-16 of it), e.g. U[1000, 1001], are certified instead on the rescaled priors, where they are
not refused (the same equilibrium and certificate; ``outcomes()`` and ``best_response_gap()`` of the result are
those of the rescaled priors, gains and utilities times s; the offers are a + s times the rescaled ones, exact to
an ulp of the units given), and ``method`` says so. The prices and types that ``member`` and ``selection`` name are
mapped back too. Refused: a union beyond [-1e100, 1e100] or narrower than
1e-100 (the interpolants of the strategies in the units given cube distances between types), a union narrower
than 1e-9 of its distance from 0 when lib.double_auction refuses the priors (types and offers resolved to an ulp,
2.2e-7 of the width at that limit; the offers as given, pulled back to the rescaled units, have a relative
best-response gap of 0.9 to 1.5 times that step, measured for U[a, a + s] at k = 1/2), and a support narrower
than 2e-3 of its distance from the union's lowest point (refused by lib.double_auction in the rescaled units too).

Outside the trading range: buyers with v below every ask bid their value, sellers above every bid ask their cost
(they never trade). Welfare and the independent certificate come from :mod:`lib.double_auction`
(``BNEResult.outcomes`` and ``BNEResult.best_response_gap``).
"""
from __future__ import annotations

import math
import re
import time
import warnings
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
from scipy import optimize, special
from scipy.integrate import ode, solve_ivp
from scipy.interpolate import CubicHermiteSpline
from scipy.special import ndtr

from lib.double_auction import BestResponseGap, Outcomes, best_response_gap, outcomes, support
from lib.validation import real, support_of

__all__ = ["ConvergenceError", "NoRegularEquilibrium", "BNEResult", "RegularMember", "solve_double_auction",
           "FamilyMember", "SmoothFamily", "smooth_equilibria", "smooth_family", "family_range",
           "BestMember", "best_smooth_member", "linear_uniform", "one_price_member"]


class ConvergenceError(RuntimeError):
    """The equilibrium computation failed; the message says which step failed."""


class NoRegularEquilibrium(ConvergenceError):
    """No member of the regular class exists for these priors and k. The evidence: ``closest``, the smallest distance
    between the curves of (h, g) traced by the two halves, and ``slopes``, the (sigma, tau) where it is reached (nan
    and () where the end conditions already fail); ``jump`` = (end, p, before, after) where an end condition changes
    sign at p by a jump (a jump of a density) with the values just below and above p, else None. The wider class:
    ``family_ends``, the ends ((p_lo range), (p_hi range)) at which the smooth family's exponents lie in [1/4, 4]
    (:func:`family_range`; None if there are none), and :meth:`smooth_family`, which evaluates the family there and
    returns its best member found."""

    def __init__(self, message: str, closest: float = math.nan, slopes: tuple = (), jump: tuple | None = None):
        super().__init__(message)
        self.closest = closest
        self.slopes = slopes
        self.jump = jump
        self.family_ends = None
        self._problem = None

    def smooth_family(self, n: int = 3, *, rtol: float = 1e-9, tol: float = 1e-7) -> "SmoothFamily":
        """:func:`smooth_family` of these priors and k on the n x n grid of ends equally spaced strictly inside
        ``family_ends``: ``best`` is the best equilibrium of the wider class found (certify it with
        ``best.equilibrium.best_response_gap()``). ValueError if n is not a whole number in [1, 10] or there are no
        such ends."""
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10:
            raise ValueError(f"n must be a whole number in [1, 10] (an n x n grid of ends); got {n!r}")
        if self.family_ends is None or self._problem is None:
            raise ValueError("no ends of the smooth family with exponents in [1/4, 4] are known for these priors")
        buyer, seller, k = self._problem
        (a, b), (c, d) = self.family_ends
        pairs = _inner_grid((a, b), (c, d), n)
        return smooth_family(buyer, seller, k, pairs, rtol=rtol, tol=tol)


def _inner_grid(lo_range, hi_range, n: int) -> list:
    """The n x n pairs (p_lo, p_hi) equally spaced strictly inside the two ranges of ends."""
    (a, b), (c, d) = lo_range, hi_range
    return [(float(x), float(y)) for x in np.linspace(a, b, n + 2)[1:-1] for y in np.linspace(c, d, n + 2)[1:-1]]


def _offer_family(error: NoRegularEquilibrium, buyer, seller, k: float) -> None:
    """Attach the wider class to an error raised for an empty regular class: the ends of the smooth family with
    exponents in [1/4, 4] (family_range), named in the message, and the priors for error.smooth_family()."""
    error._problem = (buyer, seller, k)
    try:
        error.family_ends = family_range(buyer, seller, k)
    except ValueError:
        error.family_ends = None
    if error.family_ends is None:
        extra = "; no ends of the smooth family have exponents in [1/4, 4] (lib.bne.family_range)"
    else:
        (a, b), (c, d) = error.family_ends
        extra = (f"; the wider smooth family (other end behaviour) can have members with p_lo in [{a:.4g}, {b:.4g}] "
                 f"and p_hi in [{c:.4g}, {d:.4g}] (exponents in [1/4, 4], lib.bne.family_range): this error's "
                 f"smooth_family() evaluates it on a grid of those ends and returns the best member found")
    error.args = (str(error.args[0]) + extra,) + tuple(error.args[1:])


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


@dataclass(frozen=True)
class RegularMember:
    """One regular equilibrium found: its end slopes (h'(p_lo), g'(p_lo), h'(p_hi), g'(p_hi)), welfare and
    ex-ante surpluses (lib.double_auction.outcomes of the solution at rtol 1e-9, mismatch below 1e-7; nan when it is
    the only one found)."""

    end_slopes: tuple
    efficiency: float
    buyer_surplus: float
    seller_surplus: float


@dataclass(frozen=True)
class BNEResult:
    """An equilibrium: vectorised ``bid(v)`` and ``ask(c)``, the trading ranges, which member it is, diagnostics."""

    k: float
    price_range: tuple[float, float]  # (p_lo, p_hi): prices at which trade happens
    buyer_range: tuple[float, float]  # buyer types whose bids are in the price range: (h(p_lo), h(p_hi))
    seller_range: tuple[float, float]  # seller types whose asks are in the price range: (g(p_lo), g(p_hi))
    end_slopes: tuple[float, float, float, float]  # h'(p_lo), g'(p_lo), h'(p_hi), g'(p_hi)
    residual: float  # mismatch of (h, g) where the two halves meet (0 for the exact k = 0, 1 solutions)
    ode_residual: float  # max relative residual of both first-order conditions on a grid of prices
    other_end_slopes: tuple  # (g'(p_lo), h'(p_hi)) of the other regular equilibria found, if any
    iterations: int  # integrations of a half of the trading range
    method: str
    seconds: float
    member: str = "regular"  # which equilibrium of the family this is
    selection: str = ""  # why this member was returned
    equilibria: tuple = ()  # RegularMember of every regular equilibrium found (this one included)
    _h: object = field(repr=False, default=None)  # (h, g, h', g') on the price range, vectorised
    _tables: tuple = field(repr=False, default=())
    _priors: tuple = field(repr=False, default=(None, None))
    _supports: tuple = field(repr=False, default=())
    _truthful: str = field(repr=False, default="")  # "buyer" at k = 0, "seller" at k = 1
    _jumps: tuple = field(repr=False, default=())  # table indices i where the offer jumps from p[i] to p[i + 1]
    # (a, s, result in the units u = (x - a) / s) where lib.double_auction refuses the priors given (too narrow for
    # their distance from 0): welfare and the certificate are those of the rescaled priors, mapped (``method``)
    _rescaled: tuple = field(repr=False, default=())

    def best_response_gap(self, n_types: int = 9, n_bids: int = 2001) -> BestResponseGap:
        """Independent certificate: :func:`lib.double_auction.best_response_gap` of these strategies (largest gain
        from any deviation over ``n_types`` types of each side, ex-ante utilities and ``relative_gap``). Where
        lib.double_auction refuses the priors given (``method`` says so), that of the equilibrium on the rescaled
        priors, with types mapped to a + s u and gains and utilities times s (``relative_gap`` unchanged)."""
        if self._rescaled:
            a, s, r = self._rescaled
            g = r.best_response_gap(n_types=n_types, n_bids=n_bids)
            return replace(g, buyer_gap=s * g.buyer_gap, seller_gap=s * g.seller_gap, max_gap=s * g.max_gap,
                           buyer_types=a + s * g.buyer_types, buyer_gaps=s * g.buyer_gaps,
                           seller_types=a + s * g.seller_types, seller_gaps=s * g.seller_gaps,
                           buyer_utility=s * g.buyer_utility, seller_utility=s * g.seller_utility)
        buyer, seller = self._priors
        return best_response_gap(self.bid, self.ask, buyer, seller, self.k, n_types=n_types, n_bids=n_bids)

    def outcomes(self) -> Outcomes:
        """Welfare of the equilibrium by :func:`lib.double_auction.outcomes` (trade probability, gains, surpluses,
        first best and efficiency). Where lib.double_auction refuses the priors given (``method`` says so), that of
        the equilibrium on the rescaled priors, gains, surpluses and first best times s."""
        if self._rescaled:
            _, s, r = self._rescaled
            o = r.outcomes()
            return replace(o, gains=s * o.gains, buyer_surplus=s * o.buyer_surplus,
                           seller_surplus=s * o.seller_surplus, first_best=s * o.first_best)
        buyer, seller = self._priors
        return outcomes(self.bid, self.ask, buyer, seller, self.k)

    def _splines(self):
        """Cubic Hermite interpolants of h(p), g(p) and of their inverses b = h^-1, s = g^-1 on the tables of
        prices, with the slopes given by the first-order conditions (interpolation error ~1e-12). Built once."""
        cached = self.__dict__.get("_cached")
        if cached is None:
            p, h, g, dh, dg = self._tables
            if not (np.all(np.diff(h) >= 0) and np.all(np.diff(g) >= 0) and np.all(dh >= 0) and np.all(dg >= 0)):
                raise ConvergenceError("the computed inverse strategies are not increasing")
            inv_b = _PiecewiseInverse(h, p, dh, self._jumps) if self._truthful == "seller" and self._jumps \
                else _inverse_spline(h, p, dh)
            inv_s = _PiecewiseInverse(g, p, dg, self._jumps) if self._truthful == "buyer" and self._jumps \
                else _inverse_spline(g, p, dg)
            cached = (CubicHermiteSpline(p, h, _limited(p, h, dh)), CubicHermiteSpline(p, g, _limited(p, g, dg)),
                      inv_b, inv_s)
            object.__setattr__(self, "_cached", cached)
        return cached

    def _offer(self, x, side: str):
        """The interpolated bid or ask of types x inside the trading range: the inverse splines, or, where the
        result is that of rescaled priors (``_rescaled``), its offer of (x - a) / s mapped to a + s u."""
        if self._rescaled:
            a, s, r = self._rescaled
            return a + s * getattr(r, side)((x - a) / s)
        return self._splines()[2 if side == "bid" else 3](x)

    def inverse(self, p):
        """(h(p), g(p)) on the trading range: the buyer type who bids p and the seller type who asks p."""
        p = np.asarray(p, dtype=float)
        if not self.price_range[1] > self.price_range[0]:  # one price: the edge types v_lo and c_hi trade at it
            return np.full(p.shape, self.buyer_range[0]), np.full(p.shape, self.seller_range[1])
        q = np.clip(p, *self.price_range)
        if self._rescaled:  # (the tables mapped to the units given can repeat a price: types resolved to an ulp)
            a, s, r = self._rescaled
            h, g = r.inverse((q - a) / s)
            return np.clip(a + s * h, *self.buyer_range), np.clip(a + s * g, *self.seller_range)
        h, g = self._splines()[:2]
        return h(q), g(q)

    def bid(self, v):
        """Equilibrium bid b(v): the inverse of h on [h(p_lo), h(p_hi)]; p_hi above h(p_hi) (a flat part, when the
        seller's costs end below the buyer's values); v itself below h(p_lo) (never trades)."""
        v = np.asarray(v, dtype=float)
        if self._truthful == "buyer":
            return v.copy()
        lo, hi = self.buyer_range
        if hi > lo:
            b = np.clip(self._offer(np.clip(v, lo, hi), "bid"), *self.price_range)  # no rounding past the range's ends
        else:  # no smooth part (one price: every type from lo up bids p_hi = p_lo)
            b = np.full(v.shape, self.price_range[1])
        return np.where(v < lo, np.minimum(v, self.price_range[0]), np.where(v > hi, self.price_range[1], b))

    def ask(self, c):
        """Equilibrium ask s(c): the inverse of g on [g(p_lo), g(p_hi)]; p_lo below g(p_lo) (a flat part, when the
        buyer's values start above the seller's costs); c itself above g(p_hi) (never trades)."""
        c = np.asarray(c, dtype=float)
        if self._truthful == "seller":
            return c.copy()
        lo, hi = self.seller_range
        if hi > lo:
            s = np.clip(self._offer(np.clip(c, lo, hi), "ask"), *self.price_range)  # (a flat top's tie must hold)
        else:  # no smooth part (one price: every type up to hi asks p_lo = p_hi)
            s = np.full(c.shape, self.price_range[0])
        return np.where(c > hi, np.maximum(c, self.price_range[1]), np.where(c < lo, self.price_range[0], s))


def _limited(x, y, dy):
    """Slopes for a cubic Hermite interpolant of increasing data, limited to 3 times the smaller neighbouring chord
    (Fritsch and Carlson 1980: then the interpolant is monotone); exact slopes are kept where they are within it."""
    chords = np.diff(y) / np.diff(x)
    bound = 3 * np.minimum(np.concatenate([chords[:1], chords]), np.concatenate([chords, chords[-1:]]))
    return np.minimum(dy, bound)


def _inverse_spline(x, p, dx):
    """p as a function of x = h(p) (or g(p)): monotone cubic Hermite with slopes 1/x'; where x' = 0 (a flat end
    of the inverse) the slope is taken from the neighbouring chord."""
    keep = np.concatenate([[True], np.diff(x) > 0])
    x, p, dx = x[keep], p[keep], dx[keep]
    with np.errstate(divide="ignore"):
        slope = np.where(dx > 0, 1 / np.where(dx > 0, dx, 1), np.inf)
    chords = np.diff(p) / np.diff(x)
    bad = ~np.isfinite(slope)
    if np.any(bad):
        nb = np.concatenate([chords[:1], chords])
        slope = np.where(bad, nb, slope)
    return CubicHermiteSpline(x, p, _limited(x, p, slope))


class _PiecewiseInverse:
    """p as a function of x = h(p) or g(p) where the offer jumps (k = 0 or 1 with an ironed virtual value): the
    table is cut after each index in ``jumps`` (x[i] = x[i + 1] = the type indifferent between offers p[i] and
    p[i + 1]) and each piece is a monotone inverse spline; a type at a jump's level takes the higher offer (a tie)."""

    def __init__(self, x, p, dx, jumps):
        cuts = [0] + [i + 1 for i in jumps] + [len(x)]
        self.pieces = []
        for i, j in zip(cuts[:-1], cuts[1:]):
            if j - i >= 2 and x[j - 1] > x[i]:
                self.pieces.append((float(x[i]), _inverse_spline(x[i:j], p[i:j], dx[i:j]), float(x[j - 1])))
            else:  # one point (the lowest offer, taken by every type up to the first jump's level)
                self.pieces.append((float(x[i]), (lambda p0: lambda z: np.full(np.shape(z), p0))(float(p[i])),
                                    float(x[i])))
        self.starts = np.array([piece[0] for piece in self.pieces])

    def __call__(self, z):
        z = np.asarray(z, dtype=float)
        which = np.clip(np.searchsorted(self.starts, z, side="right") - 1, 0, len(self.pieces) - 1)
        out = np.empty(z.shape)
        for n, (lo, spline, hi) in enumerate(self.pieces):
            mask = which == n
            if np.any(mask):
                out[mask] = spline(np.clip(z[mask], lo, hi))
        return out


_MIN_WIDTH = 1e-9  # supports narrower than this reach the absolute root tolerances
_TYPE_RANGE = 4.0  # supports inside [-4, 4]: absolute tolerances are set for types of order 1
_MIN_UNION = 0.25  # ... and a union of the supports at least this wide; other supports are solved rescaled
_K_RANGE = (0.01, 0.99)  # 0 < k < 1 nearer 0 or 1 makes the equations stiff (k = 1e-6: over a minute). Measured
# (with the range lifted) on the 12 pairs of benchmarks/bne.py at k = 0.003 and 0.997: Beta(2,5)/Beta(5,2) gap 1.8e-5
# (end slope 0.018), Beta(0.95,0.95) gap 5.7e-8 (end slope 2e-4), Beta(4,4) a member at 0.003 (slope 5e-4) but none
# at its mirror 0.997, Beta(5,2)/Beta(2,5) none; U[0,2]/U[0,1] 7.2 s at 0.997, 30 s at 0.998 (50 000 DOP853 steps
# in one flat-top integration, cProfile), 76 s at 0.999; U[0,1] at k = 1e-6 no convergence of the polish
_SCALE_RANGE = (1e-100, 1e100)  # rescaled solves: union at least 1e-100 wide, inside [-1e100, 1e100]
_MIN_RELATIVE_UNION = 1e-9  # supports lib.double_auction refuses: union at least this times max(|lo|, |hi|) wide
_CERTIFY_GAP = 1e-6  # rescaled solves: largest relative best-response gap on the original priors accepted
_MIN_END_RATIO = 0.1  # L, R >= 0.1: densities vanish at most like (distance to the end)^9 (Beta(50, 50): 18 s, fails)


def _validate(buyer, seller, k, rtol, tol, rescale: bool = False, narrow: bool = False):
    """The supports, k as a float and the units to solve in: None where the union of the supports lies in
    [-4, 4] and is at least 1/4 wide (solved as given), else, with ``rescale``,
    (a, s): solved on the priors of (x - a) / s, a the union's lowest point and s the smallest power of 2 above its
    width; without ``rescale`` (the smooth family's functions) a union outside [-4, 4] or narrower than 1/4 is
    refused. With ``narrow`` (solve_double_auction only) a prior that lib.double_auction.support refuses (narrower
    than 2e-3 of its distance from 0) is accepted and the units are (a, s, refusal): the result is certified on the
    rescaled priors (_solve_rescaled checks that lib.double_auction accepts those)."""
    refusal = ""
    sups = []
    for name, dist in (("buyer", buyer), ("seller", seller)):
        try:
            sups.append(support(dist, name))
        except ValueError as exc:  # InputTypeError, bad parameters, unbounded: support_of raises them again
            sup = support_of(dist, name)
            if not narrow or max(abs(sup[0]), abs(sup[1])) > _SCALE_RANGE[1]:
                raise
            refusal = refusal or str(exc)
            sups.append(sup)
    (v_lo, v_hi), (c_lo, c_hi) = sups
    lo, hi = min(v_lo, c_lo), max(v_hi, c_hi)
    inside = -_TYPE_RANGE <= lo and hi <= _TYPE_RANGE
    units = None if inside and hi - lo >= _MIN_UNION and not refusal else \
        (lo, math.ldexp(1.0, math.frexp(hi - lo)[1]))  # s: a power of 2 (exact division), 1/2 <= (hi - lo)/s < 1
    if units is not None and not rescale:
        raise ValueError(f"the supports [{v_lo!r}, {v_hi!r}] and [{c_lo!r}, {c_hi!r}] must lie in [-{_TYPE_RANGE:g}, "
                         f"{_TYPE_RANGE:g}] and their union be at least {_MIN_UNION:g} wide here: the tolerances are "
                         f"absolute, set for types of order 1 (measured against U[0, 1] / U[0, 1] at k = 1/2 "
                         f"rescaled: U[0, 0.1] against itself at the ends 0.02, 0.08 gave one of the two smooth "
                         f"members, U[0, 3e-9] a family_range 2.1e-6 off relative) "
                         f"(solve_double_auction rescales other supports itself; here rescale the types, e.g. to "
                         f"[0, 1]: prices scale with them)")
    if units is not None and not (max(abs(lo), abs(hi)) <= _SCALE_RANGE[1] and hi - lo >= _SCALE_RANGE[0]):
        raise ValueError(f"the union of the supports [{v_lo!r}, {v_hi!r}] and [{c_lo!r}, {c_hi!r}] must lie in "
                         f"[-{_SCALE_RANGE[1]:g}, {_SCALE_RANGE[1]:g}] and be at least {_SCALE_RANGE[0]:g} wide: the "
                         f"equilibrium is solved in rescaled units and mapped back, and its interpolants in the units "
                         f"given cube distances between types (over- or underflow beyond)")
    width = 1.0 if units is None else hi - lo  # each support at least 1e-9 wide (in the units solved in)
    for name, (a, b) in (("buyer", (v_lo, v_hi)), ("seller", (c_lo, c_hi))):
        if not b - a >= _MIN_WIDTH * width:
            raise ValueError(f"{name}'s support [{a!r}, {b!r}] must be at least {_MIN_WIDTH:g} "
                             + ("wide: the solver's tolerances are absolute, set for types of order 1 (rescale values "
                                "and costs, e.g. to [0, 1]; prices scale with them)" if units is None else
                                f"times as wide as the union of the supports [{lo!r}, {hi!r}] (the solver's "
                                f"tolerances are set for that union rescaled to width 1)"))
    k = real(k, "k", lo=0, hi=1)
    real(rtol, "rtol", lo=1e-13, hi=1e-3)
    real(tol, "tol", lo=0, lo_open=True)
    if not c_lo < v_hi:
        raise ValueError(f"buyer and seller admit no gains from trade: the buyer's support [{v_lo!r}, {v_hi!r}] lies "
                         f"wholly below the seller's [{c_lo!r}, {c_hi!r}] (the lowest cost {c_lo!r} is not below the "
                         f"highest value {v_hi!r})")
    if v_lo < c_hi and (0 < k < _K_RANGE[0] or _K_RANGE[1] < k < 1):  # (one price for supports that do not overlap)
        raise ValueError(f"k must be 0, 1 or in [{_K_RANGE[0]:g}, {_K_RANGE[1]:g}] when the supports overlap; got {k!r}. "
                         f"Refused: 0 < k < {_K_RANGE[0]:g} and {_K_RANGE[1]:g} < k < 1. Why: as k -> 0 the buyer's "
                         f"bid tends to her value, h(p) - p -> 0, so g' = k F_S(g) / (f_S(g) (h - p)) is a ratio of "
                         f"two small numbers on the whole trading range (k -> 1 mirrors it with p - g): the equations "
                         f"are singularly perturbed, their integration stiff (running time unbounded: 50 000 steps "
                         f"in one integration for U[0, 2] / U[0, 1] at k = 0.998) and the regular members degenerate "
                         f"(end slopes near 0; the best-response gap of the member found reached 1.8e-5 for "
                         f"Beta(2, 5) / Beta(5, 2) at k = 0.003, and mirror images disagree), so no certified answer "
                         f"is given there. k = 0 and k = 1 themselves are solved exactly (one side truthful)")
    if refusal:
        if not hi - lo >= _MIN_RELATIVE_UNION * max(abs(lo), abs(hi)):
            raise ValueError(f"the union of the supports [{v_lo!r}, {v_hi!r}] and [{c_lo!r}, {c_hi!r}] must be at "
                             f"least {_MIN_RELATIVE_UNION:g} max(|lo|, |hi|) wide, where lib.double_auction refuses "
                             f"them ({refusal}) and they are solved and certified in rescaled units: types and offers "
                             f"in the units given are resolved only to an ulp, 2.2e-16 max(|lo|, |hi|), 2.2e-7 of the "
                             f"width at that limit (shift the types towards 0)")
        units = units + (refusal,)
    return (v_lo, v_hi), (c_lo, c_hi), k, units


class _Vec:
    """Vectorised cdf, sf and pdf of a frozen scipy distribution (scipy's private methods on standardised
    arguments where they agree with the public ones, else the public ones)."""

    def __init__(self, dist):
        self.cdf, self.sf, self.pdf = dist.cdf, dist.sf, dist.pdf
        try:
            args, loc, scale = dist.dist._parse_args(*dist.args, **dist.kwds)
            d = dist.dist
            x = np.linspace(*dist.support(), 9)[1:-1]
            if d.name == "beta":
                a, b = args
                log_norm = special.betaln(a, b) + math.log(scale)

                def pdf(x):
                    z = (x - loc) / scale
                    with np.errstate(all="ignore"):
                        out = np.exp((a - 1) * np.log(z) + (b - 1) * np.log1p(-z) - log_norm)
                    edge = ~((z > 0) & (z < 1))  # at and past the ends (0 * log 0 for a = 1 or b = 1): scipy's
                    return np.where(edge, dist.pdf(x), out) if np.any(edge) else out
                funcs = (lambda x: special.betainc(a, b, (x - loc) / scale),
                         lambda x: special.betaincc(a, b, (x - loc) / scale), pdf)
            elif d.name == "truncnorm":
                lo_z, hi_z = args
                mass = ndtr(hi_z) - ndtr(lo_z)
                funcs = (lambda x: (ndtr((x - loc) / scale) - ndtr(lo_z)) / mass,
                         lambda x: (ndtr(hi_z) - ndtr((x - loc) / scale)) / mass,
                         lambda x: np.exp(-0.5 * ((x - loc) / scale) ** 2) / (math.sqrt(2 * math.pi) * scale * mass))
            else:
                funcs = (lambda x: d._cdf((x - loc) / scale, *args), lambda x: d._sf((x - loc) / scale, *args),
                         lambda x: d._pdf((x - loc) / scale, *args) / scale)
            ok = all(np.allclose(f(x), g(x), rtol=1e-11, atol=1e-15)
                     for f, g in zip(funcs, (dist.cdf, dist.sf, dist.pdf)))
            if ok:
                self.cdf, self.sf, self.pdf = funcs
        except Exception:  # pragma: no cover - unusual distributions use the public interface
            pass


class _EndRatio:
    """rho(z) = mass(z) / (z dens(z)): the probability within z of an end of the support over z times the density
    there; smooth in z, rho(0) = L or R. Evaluated directly for z >= z0 = 1e-4 width; below z0 by the quadratic
    through rho(z0), rho(2 z0), rho(3 z0) (truncation ~ z0^3), because F(end -+ z) for tiny z carries the rounding
    of end -+ z, a relative error 1e-16 / z. Vectorised."""

    def __init__(self, mass: Callable, dens: Callable, width: float, name: str, fast_mass=None, fast_dens=None):
        self.mass, self.dens, self.z0 = mass, dens, 1e-4 * width
        self.fast_mass, self.fast_dens = fast_mass or mass, fast_dens or dens
        with np.errstate(all="ignore"):
            r = [float(self.direct(np.array([self.z0 * t]))[0]) for t in (1.0, 2.0, 3.0)]
        if not all(math.isfinite(x) and x > 0 for x in r):
            raise ValueError(f"{name}'s density must be positive and finite next to the end of its support (like a "
                             f"power of the distance to the end); the ratio mass / (distance * density) is {r}")
        self.r = r
        self.limit = 3 * r[0] - 3 * r[1] + r[2]
        if not self.limit > 0:
            raise ValueError(f"{name}'s density must behave like a power of the distance to the end of its support "
                             f"(mass / (distance * density) must have a positive limit); got {self.limit:.3g}")

    def direct(self, z):
        return self.mass(z) / (z * self.dens(z))

    def scalar(self, z: float) -> float:
        """rho(z) for one float z, with the scalar-fast mass and density (``fast``) when set."""
        if z >= self.z0:
            return self.fast_mass(z) / (z * self.fast_dens(z))
        t = z / self.z0
        r0, r1, r2 = self.r
        return 0.5 * r0 * (t - 2) * (t - 3) - r1 * (t - 1) * (t - 3) + 0.5 * r2 * (t - 1) * (t - 2)

    def table(self) -> "_Table":
        """A cubic-spline table of rho on 4097 equally spaced points of [0, width], built once: the
        cheap rho of the loose stages (scan, Newton and the members' welfare, rtol >= 1e-9); the polish uses rho
        itself."""
        cached = self.__dict__.get("_table")
        if cached is None:
            cached = self._table = _Table(self, self.z0 * 1e4)
        return cached

    def __call__(self, z):
        if z.min() >= self.z0:
            return self.direct(z)
        t = z / self.z0
        r0, r1, r2 = self.r
        near = 0.5 * r0 * (t - 2) * (t - 3) - r1 * (t - 1) * (t - 3) + 0.5 * r2 * (t - 1) * (t - 2)
        if z.max() < self.z0:
            return near
        with np.errstate(all="ignore"):
            far = self.direct(np.maximum(z, self.z0))
        return np.where(z >= self.z0, far, near)


_TABLE_RTOL = 1e-9  # integrations at rtol >= this use the tabulated end ratios (_EndRatio.table)
_TABLE_ERROR = 1e-9  # largest relative error of a table at the midpoints of its cells


class _Table:
    """rho of an _EndRatio as cubic splines of its values on n equally spaced z in [0, width] (interpolation error
    of order h^4 times the fourth derivative of rho, h = width / (n - 1)). The first spline is used from z = 0 up to
    the first cell whose midpoint it misses by more than 1e-9 relative (``top``); beyond it (past a jump of a density,
    or where a density vanishes at the far end), up to three further splines, each on a run of at least 32 cells where
    the cubic through the four nearest values also meets 1e-9 at the midpoints (so not across a jump), each used up to
    the first midpoint it misses by 1e-9; the exact ratio everywhere else. ``scalar`` is pure-Python Horner, several
    times cheaper than evaluating the cdf and the density; ``__call__`` is vectorised. Used only where the
    integration's own tolerance is 1e-9 or looser."""

    def __init__(self, ratio, width: float, n: int = 4097):
        from scipy.interpolate import CubicSpline

        self.ratio, self.pp = ratio, None
        x = np.linspace(0.0, width, n)
        with np.errstate(all="ignore"):
            y = ratio(x)
        bad = np.flatnonzero(~np.isfinite(y))
        m = int(bad[0]) - 1 if bad.size else n  # a density vanishing at the far end: rho is infinite there
        if m < 16:  # cannot be tabulated: the caller uses the exact ratio
            return
        pp = CubicSpline(x[:m], y[:m], extrapolate=False)
        mid = 0.5 * (x[:m - 1] + x[1:m])  # the table is used only up to the first midpoint where it errs by 1e-9
        with np.errstate(all="ignore"):
            exact_mid = ratio(mid)
            err = np.abs(pp(mid) / exact_mid - 1)
        off = np.flatnonzero(~(err <= _TABLE_ERROR))
        first = int(off[0]) if off.size else m - 1  # cells [0, first) are covered by the first spline
        if first + 1 < 16:
            return
        self.pp = pp
        self.c = np.zeros((4, n - 1))  # (4, cells): the vectorised Horner of __call__
        self.c[:, :first] = pp.c[:, :first]
        self.covered = np.zeros(n - 1, dtype=bool)
        self.covered[:first] = True
        for a, b in _smooth_runs(y[:m], exact_mid, first + 1, limit=3):
            piece = CubicSpline(x[a:b + 1], y[a:b + 1], extrapolate=False)
            with np.errstate(all="ignore"):
                miss = np.flatnonzero(~(np.abs(piece(mid[a:b]) / exact_mid[a:b] - 1) <= _TABLE_ERROR))
            b = a + int(miss[0]) if miss.size else b
            self.c[:, a:b] = piece.c[:, :b - a]
            self.covered[a:b] = True
        self.coef = [tuple(col) for col in self.c[:, :first].T.tolist()]
        self.more = [tuple(col) if ok else None for col, ok in zip(self.c.T.tolist(), self.covered)]
        self.inv, self.step, self.top = (n - 1) / width, width / (n - 1), float(x[first])
        self.cells = n - 1

    def rest(self, z: float) -> float:
        """rho at z outside [0, top): a further spline's cell where one covers z, else the exact ratio."""
        i = int(z * self.inv)
        piece = self.more[i] if 0.0 <= z and i < self.cells else None
        if piece is None:
            return self.ratio.scalar(z)
        d = z - i * self.step
        c0, c1, c2, c3 = piece
        return ((c0 * d + c1) * d + c2) * d + c3

    def scalar(self, z: float) -> float:
        if not 0.0 <= z < self.top:
            return self.rest(z)
        i = int(z * self.inv)
        d = z - i * self.step
        c0, c1, c2, c3 = self.coef[i]
        return ((c0 * d + c1) * d + c2) * d + c3

    def _horner(self, z):
        """The splines at z in covered cells by Horner's rule on the cells' coefficients, as ``scalar`` (PPoly's own
        evaluation costs more in call overhead than the arithmetic on a few dozen points)."""
        i = (z * self.inv).astype(np.intp)
        d = z - i * self.step
        c = self.c[:, i]
        return ((c[0] * d + c[1]) * d + c[2]) * d + c[3]

    def __call__(self, z):
        inside = (z >= 0) & (z < self.top)
        if np.all(inside):
            return self._horner(z)
        i = np.clip(np.where(z >= 0, z * self.inv, 0.0), 0, self.cells - 1).astype(np.intp)
        inside = (z >= 0) & (z * self.inv < self.cells) & self.covered[i]
        with np.errstate(all="ignore"):
            return np.where(inside, self._horner(np.where(inside, z, 0.0)), self.ratio(np.where(inside, self.top, z)))


def _smooth_runs(y, exact_mid, start: int, limit: int, min_cells: int = 32):
    """Runs [a, b) of at least min_cells cells, from cell ``start`` on, where the cubic through the four nearest
    values (equally spaced, y[i - 1] to y[i + 2]) meets the midpoint value of cell i to 1e-9 relative: the longest
    ``limit`` of them, in order. A jump of the function between two values makes its neighbouring cells fail."""
    cells = y.size - 1
    if cells - start < min_cells:
        return []
    i = np.arange(max(start, 1), cells - 1)
    local = (-y[i - 1] + 9 * y[i] + 9 * y[i + 1] - y[i + 2]) / 16
    with np.errstate(all="ignore"):
        smooth = np.abs(local / exact_mid[i] - 1) <= _TABLE_ERROR
    edges = np.flatnonzero(np.diff(np.concatenate([[0], smooth.astype(np.int8), [0]])))
    runs = [(int(i[a]), int(i[b - 1]) + 1) for a, b in zip(edges[0::2], edges[1::2]) if b - a >= min_cells]
    return sorted(sorted(runs, key=lambda r: r[0] - r[1])[:limit])


def _inline(ratio):
    """(coefficients, 1 / step, step, top, scalar fallback) of a _Table for the inlined right-hand side; for an exact
    _EndRatio, no cubic piece (top = -inf) and its scalar evaluation."""
    if isinstance(ratio, _Table):
        return ratio.coef, ratio.inv, ratio.step, ratio.top, ratio.rest
    return (), 0.0, 0.0, -math.inf, ratio.scalar


def _dop853(fun, t0: float, t1: float, y0, rtol: float, atol: float):
    """y(t1) of y' = fun(t, y), y(t0) = y0, by scipy's compiled DOP853 (scipy.integrate.ode, Hairer's code; the same
    Runge-Kutta method as solve_ivp's "DOP853", without the Python step loop). Returns (y(t1), success)."""
    r = ode(fun).set_integrator("dop853", rtol=rtol, atol=atol, nsteps=10**6)
    r.set_initial_value(y0, t0)
    with warnings.catch_warnings():  # a failed run is reported by successful() (as solve_ivp's status), not a warning
        warnings.simplefilter("ignore")
        y = r.integrate(t1)
    return np.asarray(y, dtype=float), bool(r.successful() and r.t == t1)


class _Shooting:
    """The two halves of a regular equilibrium, each integrated from its own end in variables measured from it
    (module docstring), and their mismatch at the middle price."""

    def __init__(self, B, S, rho_b, rho_s, sup_b, sup_s, k, p_lo, p_hi, end_slopes=None):
        self.B, self.S, self.rho_b, self.rho_s, self.k = B, S, rho_b, rho_s, k
        (self.v_lo, self.v_hi), (self.c_lo, self.c_hi) = sup_b, sup_s
        self.p_lo, self.p_hi = p_lo, p_hi
        self.p_mid = 0.5 * (p_lo + p_hi)
        self.width = p_hi - p_lo
        self.start = 1e-9 * self.width
        if end_slopes is None:  # the regular class: lambda = mu = 1
            self.a_lo = k * rho_s.limit  # h'(p_lo) - 1 = k L
            self.a_hi = (1 - k) * rho_b.limit  # g'(p_hi) - 1 = (1 - k) R
            self.lam = self.mu = 1.0
            self.starts = (self.start, self.start)
        else:  # a member of the smooth family: h'(p_lo) and g'(p_hi) from the equations at the ends
            self.a_lo, self.a_hi = end_slopes[0] - 1, end_slopes[1] - 1
            self.lam, self.mu = k * rho_s.limit / self.a_lo, (1 - k) * rho_b.limit / self.a_hi
            # first-order start: relative error of order start^min(exponent, 1), kept at 1e-9
            self.starts = tuple(self.width * 1e-9 ** (1 / min(x, 1.0)) for x in (self.lam, self.mu))
        self.calls = 0

    def _ratios(self, rtol: float, scalar: bool):
        """(rho_b, rho_s): the tables at loose tolerances (rtol >= _TABLE_RTOL), the exact ratios otherwise."""
        rb, rs = self.rho_b, self.rho_s
        if rtol >= _TABLE_RTOL:
            tb, ts = rb.table(), rs.table()
            if tb.pp is not None and ts.pp is not None:
                rb, rs = tb, ts
        return (rb.scalar, rs.scalar) if scalar else (rb, rs)

    def sample(self, side: int, slopes, rtol: float):
        """(h, g) at the middle price for each slope (nan where the half fails), one scalar integration per slope
        (measured cheaper than one vectorised system of all slopes, whose common steps are set by the stiffest
        trajectory)."""
        slopes = np.atleast_1d(np.asarray(slopes, dtype=float))
        return np.array([self.half(side, float(x), rtol)[0] for x in slopes]).reshape(slopes.size, 2)

    def _scalar_rhs(self, side, rtol: float = 0.0):
        """The right-hand side for one trajectory in plain Python floats (what the compiled DOP853 calls back): the
        tables' cubic pieces evaluated inline by Horner's rule (as :meth:`_Table.scalar`, the same operations),
        the exact ratios where a table does not reach or is not used."""
        k, km = self.k, 1 - self.k
        (cb, ib, sb, tb, fb), (cs, is_, ss, ts, fs) = (_inline(r) for r in self._ratios(rtol, scalar=False))
        if side == 0:
            gap0, top0 = self.p_lo - self.c_lo, self.v_hi - self.p_lo

            def fun(x, y):
                y1, y2 = y.tolist() if type(y) is np.ndarray else y
                pg, z = gap0 + x - y2, top0 - x - y1
                if not (y1 > 0 and pg > 0 and z > 0 and y2 > 0):
                    return [0.0, 0.0]
                if z < tb:
                    i = int(z * ib)
                    d = z - i * sb
                    c0, c1, c2, c3 = cb[i]
                    r1 = ((c0 * d + c1) * d + c2) * d + c3
                else:
                    r1 = fb(z)
                if y2 < ts:
                    i = int(y2 * is_)
                    d = y2 - i * ss
                    c0, c1, c2, c3 = cs[i]
                    r2 = ((c0 * d + c1) * d + c2) * d + c3
                else:
                    r2 = fs(y2)
                return [km * z * r1 / pg - 1, k * y2 * r2 / y1]
        else:
            gap0, bot0 = self.v_hi - self.p_hi, self.p_hi - self.c_lo

            def fun(u, z):
                z1, z2 = z.tolist() if type(z) is np.ndarray else z
                hp, y = gap0 + u - z1, bot0 - u - z2
                if not (z1 > 0 and z2 > 0 and hp > 0 and y > 0):
                    return [0.0, 0.0]
                if z1 < tb:
                    i = int(z1 * ib)
                    d = z1 - i * sb
                    c0, c1, c2, c3 = cb[i]
                    r1 = ((c0 * d + c1) * d + c2) * d + c3
                else:
                    r1 = fb(z1)
                if y < ts:
                    i = int(y * is_)
                    d = y - i * ss
                    c0, c1, c2, c3 = cs[i]
                    r2 = ((c0 * d + c1) * d + c2) * d + c3
                else:
                    r2 = fs(y)
                return [km * z1 * r1 / z2, k * y * r2 / hp - 1]
        return fun

    def half(self, side: int, slope: float, rtol: float, dense: bool = False):
        """One half for one slope (scalar arithmetic): ((h, g) at the middle price or nan, solution)."""
        self.calls += 1
        e = self.starts[side]
        if side == 0:
            y0, end = [self.a_lo * e, slope * e ** self.lam], self.p_mid - self.p_lo
        else:
            y0, end = [slope * e ** self.mu, self.a_hi * e], self.p_hi - self.p_mid
        with np.errstate(all="ignore"):
            if dense:
                sol = solve_ivp(self._scalar_rhs(side, rtol), (e, end), y0, method="DOP853", rtol=rtol,
                                atol=rtol * 1e-3 * e, dense_output=True)
                a, b = sol.y[:, -1]
                ok_run = sol.status == 0
            else:  # only the end point is needed: the same method's compiled version (Hairer's DOP853), faster
                sol, (a, b), ok_run = None, *_dop853(self._scalar_rhs(side, rtol), e, end, y0, rtol, rtol * 1e-3 * e)
        if side == 0:
            pt = np.array([self.p_mid + a, self.c_lo + b])
            ok = a > 0 and self.p_mid - self.c_lo - b > 0 and self.v_hi - self.p_mid - a > 0 and b > 0
        else:
            pt = np.array([self.v_hi - a, self.p_mid - b])
            ok = a > 0 and b > 0 and self.v_hi - self.p_mid - a > 0 and self.p_mid - self.c_lo - b > 0
        if not (ok and ok_run and np.all(np.isfinite(pt))):
            pt[:] = np.nan
        return pt, sol

    def evaluate(self, z, rtol, d):
        """Mismatch (h, g) from below minus from above at the middle price for log-slopes z, and its Jacobian by
        forward differences of step d; (None, None) if a half fails."""
        lo0, lo1 = (self.half(0, math.exp(z[0] + t), rtol)[0] for t in (0.0, d))
        hi0, hi1 = (self.half(1, math.exp(z[1] + t), rtol)[0] for t in (0.0, d))
        m = lo0 - hi0
        J = np.column_stack([(lo1 - lo0) / d, -(hi1 - hi0) / d])
        if not (np.all(np.isfinite(m)) and np.all(np.isfinite(J))):
            return None, None
        return m, J

    def mismatch(self, z, rtol):
        """Mismatch at log-slopes z (nan if a half fails)."""
        return self.half(0, math.exp(z[0]), rtol)[0] - self.half(1, math.exp(z[1]), rtol)[0]

    def newton(self, z, rtol, goal, max_iter=30):
        """Damped Newton-Broyden on the mismatch in (log sigma, log tau): a forward-difference Jacobian at the start
        (and after two failed steps), rank-one (Broyden) updates after each accepted step; steps limited to a factor
        e^2 in each slope and halved until the mismatch falls. Returns (z, mismatch), mismatch None if a half fails
        at z; the last Jacobian is kept in ``last_jacobian``."""
        z = np.array(z, dtype=float)
        d = 1e-7 if rtol < 1e-9 else 1e-5
        m, J = self.evaluate(z, rtol, d)
        self.last_jacobian = J
        if m is None:
            return z, None
        fails = 0
        for _ in range(max_iter):
            if np.max(np.abs(m)) < goal:
                break
            step = np.linalg.lstsq(J, -m, rcond=1e-13)[0]
            step *= min(1.0, 2.0 / max(float(np.max(np.abs(step))), 1e-300))
            t, accepted = 1.0, False
            while t > 0.1:
                m_new = self.mismatch(z + t * step, rtol)
                if np.all(np.isfinite(m_new)) and np.max(np.abs(m_new)) < np.max(np.abs(m)):
                    dz = t * step
                    J = J + np.outer(m_new - m - J @ dz, dz) / float(dz @ dz)
                    z, m, accepted = z + dz, m_new, True
                    break
                t *= 0.3
            if accepted:
                fails = 0
                continue
            fails += 1
            if fails > 1:
                break
            m_fd, J_fd = self.evaluate(z, rtol, d)  # a fresh Jacobian, then one more try
            if m_fd is None:
                break
            m, J = m_fd, J_fd
        self.last_jacobian = J
        return z, m


def _crossings(P, Q, logs_p, logs_q):
    """Approximate (log sigma, log tau) where the polygonal curves P (from p_lo) and Q (from p_hi) cross, and where
    they come closest (local minima of the distance between sampled points): the starts for Newton."""
    dP, dQ = np.diff(P, axis=0)[:, None, :], np.diff(Q, axis=0)[None, :, :]
    r = Q[None, :-1, :] - P[:-1, None, :]
    det = dP[..., 0] * (-dQ[..., 1]) - dP[..., 1] * (-dQ[..., 0])
    with np.errstate(all="ignore"):
        s = (r[..., 0] * (-dQ[..., 1]) - r[..., 1] * (-dQ[..., 0])) / det
        t = (dP[..., 0] * r[..., 1] - dP[..., 1] * r[..., 0]) / det
        i, j = np.nonzero((s >= -0.25) & (s <= 1.25) & (t >= -0.25) & (t <= 1.25))
    starts = [(logs_p[a] + np.clip(s[a, b], 0, 1) * (logs_p[a + 1] - logs_p[a]),
               logs_q[b] + np.clip(t[a, b], 0, 1) * (logs_q[b + 1] - logs_q[b])) for a, b in zip(i, j)]
    with np.errstate(invalid="ignore"):
        D = np.max(np.abs(P[:, None, :] - Q[None, :, :]), axis=-1)
    D = np.where(np.isfinite(D), D, np.inf)
    padded = np.pad(D, 1, constant_values=np.inf)
    n, m = D.shape
    neighbours = np.min([padded[1 + a:1 + a + n, 1 + b:1 + b + m] for a in (-1, 0, 1) for b in (-1, 0, 1)
                         if (a, b) != (0, 0)], axis=0)
    ii, jj = np.nonzero((D <= neighbours) & np.isfinite(D))
    order = np.argsort(D[ii, jj])
    starts += [(logs_p[a], logs_q[b]) for a, b in zip(ii[order], jj[order])]
    closest = float(D.min()) if np.isfinite(D).any() else math.inf
    edge = [(a, b) for a, b in zip(i, j)] + list(zip(ii, jj))
    n_cross = len(i)
    starts = starts[:n_cross] + starts[n_cross:n_cross + 1]  # the crossings, and the closest approach
    return starts, closest, edge, n_cross


_SCAN_DECADES = 4  # the scan of end slopes stops growing at [1e-4, 1e4]


def _regular_roots(sh: _Shooting, max_starts: int = 12):
    """All regular equilibria (log sigma, log tau) the scan finds, and the smallest mismatch seen.

    Both halves are sampled at loose tolerance (rtol 1e-5) on log-spaced slopes, three per decade, first over
    [1e-2, 1e2]; the range grows by a decade at either end while a crossing or a closest approach of the two curves
    lies in its outermost decade (up to [1e-4, 1e4]). Crossings and closest approaches are polished by Newton
    (rtol 1e-8); roots closer than 1e-4 in log slope are merged."""
    lo_dec, hi_dec, per = -2, 2, 3
    P = Q = np.empty((0, 2))
    done = (0, 0)  # decades already sampled: [done[0], done[1]]
    while True:
        logs = np.log(10.0) * np.arange(lo_dec * per, hi_dec * per + 1) / per
        if done == (0, 0):
            P, Q = sh.sample(0, np.exp(logs), 1e-5), sh.sample(1, np.exp(logs), 1e-5)
        else:  # sample only the new decades
            new_lo = np.log(10.0) * np.arange(lo_dec * per, done[0] * per) / per
            new_hi = np.log(10.0) * np.arange(done[1] * per + 1, hi_dec * per + 1) / per
            extra = np.concatenate([new_lo, new_hi])
            if extra.size:
                pe, qe = sh.sample(0, np.exp(extra), 1e-5), sh.sample(1, np.exp(extra), 1e-5)
                n_lo = new_lo.size
                P = np.concatenate([pe[:n_lo], P, pe[n_lo:]])
                Q = np.concatenate([qe[:n_lo], Q, qe[n_lo:]])
        done = (lo_dec, hi_dec)
        starts, closest, cells, n_cross = _crossings(P, Q, logs, logs)
        n = len(logs)
        watch = cells[:n_cross + 1]  # the crossings and the closest approach
        low_edge = any(min(a, b) < per for a, b in watch)
        high_edge = any(max(a, b) >= n - 1 - per for a, b in watch)
        grow = False
        if low_edge and lo_dec > -_SCAN_DECADES:
            lo_dec, grow = lo_dec - 1, True
        if high_edge and hi_dec < _SCAN_DECADES:
            hi_dec, grow = hi_dec + 1, True
        if not grow:
            break
    roots: list = []
    best = (closest, None)
    tried: list = []
    jacobians: list = []
    guess = np.log([1 + sh.a_hi, 1 + sh.a_lo])  # the end slopes of the linear equilibrium for uniform priors
    for z0 in [guess] + starts[:max_starts]:
        z0 = np.asarray(z0, dtype=float)
        if any(np.max(np.abs(z0 - r)) < 0.5 * np.log(10) / per for r in roots + tried):
            continue
        tried.append(z0)
        z, m = sh.newton(z0, 1e-6, 1e-7, 12)
        if m is None:
            continue
        size = float(np.max(np.abs(m)))
        if 1e-5 <= size < 1e-4:  # stalled next to a root: the loose integration may be the limit
            z2, m2 = sh.newton(z, 1e-8, 1e-9, 15)
            if m2 is not None and float(np.max(np.abs(m2))) < size:
                z, m, size = z2, m2, float(np.max(np.abs(m2)))
        if size < best[0]:
            best = (size, z)
        if size < 1e-5 and not any(np.max(np.abs(z - r)) < 1e-2 for r in roots):  # a root
            roots.append(z)
            jacobians.append(sh.last_jacobian)
    return roots, jacobians, best, (10.0 ** lo_dec, 10.0 ** hi_dec)


def _end_prices(B, S, rho_b, rho_s, sup_b, sup_s, k):
    """(p_lo, p_hi) of the regular class from the end conditions (module docstring), each the root in the overlap
    of the supports found by brentq on a bracketing grid (the smallest root for p_lo, the largest for p_hi);
    None for an end whose condition has no root there (then that end is flat, see the module docstring). Where
    neither has a root in the overlap, the top condition is also searched on [c_lo, overlap] (c_lo < v_lo: a flat
    bottom whose top price is below every value) and the bottom one on [overlap, v_hi] (c_hi < v_hi); a root of
    exactly one of them is returned (both or none: both ends flat)."""
    (v_lo, v_hi), (c_lo, c_hi) = sup_b, sup_s
    L, R = rho_s.limit, rho_b.limit
    a, b = max(c_lo, v_lo), min(v_hi, c_hi)

    def bottom(p):
        return (1 - k) * B.sf(p) - (1 + k * L) * B.pdf(p) * (p - c_lo)

    def top(p):
        return k * S.cdf(p) - (1 + (1 - k) * R) * S.pdf(p) * (v_hi - p)

    def root(f, lo, hi, first):
        grid = np.linspace(lo, hi, 257)
        grid[0], grid[-1] = lo + 1e-12 * (hi - lo), hi - 1e-12 * (hi - lo)
        with np.errstate(all="ignore"):
            vals = f(grid)
        sign = np.sign(vals)
        idx = np.flatnonzero((sign[:-1] * sign[1:] < 0) | (sign[:-1] == 0))
        if idx.size == 0:
            return None
        i = idx[0] if first else idx[-1]
        if sign[i] == 0:
            return float(grid[i])
        found = optimize.brentq(f, grid[i], grid[i + 1], xtol=1e-15 * max(1.0, abs(grid[i])), rtol=1e-15)
        d = 1e-9 * (hi - lo)
        before, after = float(f(found - d)), float(f(found + d))
        if abs(before - after) > 1e-3 * max(abs(vals[i]), abs(vals[i + 1])):
            raise NoRegularEquilibrium(
                f"no regular equilibrium: the end condition {'at the bottom' if first else 'at the top'} changes sign "
                f"at p = {found:.6g} by a jump (a jump of a density there, from {before:.4g} to {after:.4g}) without "
                f"a root, so no member has finite, non-zero slopes at that end", closest=math.nan, slopes=(),
                jump=("bottom" if first else "top", float(found), before, after))
        return found

    p_lo, p_hi = root(bottom, a, b, True), root(top, a, b, False)
    if p_lo is None and p_hi is None:  # the other end may lie outside the overlap: a flat bottom whose top price is
        # below every value (top condition on [c_lo, b]), or a flat top whose bottom price is above every cost
        ext_hi = root(top, c_lo, b, False) if c_lo < v_lo else None
        ext_lo = root(bottom, a, v_hi, True) if c_hi < v_hi else None
        if (ext_hi is None) != (ext_lo is None):
            p_lo, p_hi = ext_lo, ext_hi
    return p_lo, p_hi


def _tables(sh: _Shooting, sols, n: int = 4001, prices=None):
    """Prices, h, g and their slopes from the first-order conditions, on n equally spaced prices of the trading
    range, from the dense solutions of the two halves (the end points and end slopes exactly)."""
    low, high = sols
    k, (e0, e1) = sh.k, sh.starts
    p = np.linspace(sh.p_lo, sh.p_hi, n) if prices is None else prices
    n = p.size
    h, g = np.empty(n), np.empty(n)
    below = p <= sh.p_mid
    x = np.clip(p[below] - sh.p_lo, e0, None)
    y = low.sol(x)
    # below the start (the first price only) the leading powers of the distance; prices computed as p_lo + width * ...
    # can pass an end by an ulp, where a negative distance would give nan powers
    t = np.maximum(p[below] - sh.p_lo, 0.0) / x
    h[below], g[below] = p[below] + y[0] * t, sh.c_lo + y[1] * t ** sh.lam
    u = np.clip(sh.p_hi - p[~below], e1, None)
    z = high.sol(u)
    t = np.maximum(sh.p_hi - p[~below], 0.0) / u
    h[~below], g[~below] = sh.v_hi - z[0] * t ** sh.mu, p[~below] - z[1] * t
    h[0], g[0], h[-1], g[-1] = sh.p_lo, sh.c_lo, sh.v_hi, sh.p_hi
    inner = slice(1, -1)
    zb, ys = sh.v_hi - h[inner], g[inner] - sh.c_lo
    dh, dg = np.empty(n), np.empty(n)
    with np.errstate(all="ignore"):
        dh[inner] = (1 - k) * zb * sh.rho_b(zb) / (p[inner] - g[inner])
        dg[inner] = k * ys * sh.rho_s(ys) / (h[inner] - p[inner])
    return p, h, g, dh, dg


def _member(sh: _Shooting, z, J, rtol: float, tol: float):
    """Polish one regular equilibrium at full accuracy and tabulate it; None if it does not reach tol or its
    strategies are not increasing. Returns (z, residual, tables)."""
    m, J_fd = sh.evaluate(z, 1e-8, 1e-6)  # an accurate Jacobian for the chord iterations
    if m is not None:
        J = J_fd
    m, rtol_ = None, rtol
    for rtol_ in (rtol, 0.1 * rtol):
        m_prev = dz = None
        for _ in range(12):  # quasi-Newton: the accurate Jacobian, with Broyden updates (a fold makes it nearly
            lo = sh.half(0, math.exp(z[0]), rtol_)[0]  # singular and a fixed one converge slowly)
            hi = sh.half(1, math.exp(z[1]), rtol_)[0]
            m = lo - hi
            if not np.all(np.isfinite(m)) or J is None:
                return None
            if np.max(np.abs(m)) < tol:  # the tables need the dense solutions: integrate again with them
                lo, low = sh.half(0, math.exp(z[0]), rtol_, dense=True)
                hi, high = sh.half(1, math.exp(z[1]), rtol_, dense=True)
                m = lo - hi
                if not np.all(np.isfinite(m)):
                    return None
                if np.max(np.abs(m)) < tol:
                    break
            if dz is not None:
                J = J + np.outer(m - m_prev - J @ dz, dz) / float(dz @ dz)
            dz = np.linalg.lstsq(J, -m, rcond=1e-13)[0]
            z, m_prev = z + dz, m
        if np.max(np.abs(m)) < tol:
            break
    if not np.max(np.abs(m)) < tol:
        return None
    if sh.lam == sh.mu == 1.0:
        tables = _tables(sh, (low, high))
    else:  # prices clustered at the ends, where g - c_lo ~ (p - p_lo)^lambda and v_hi - h ~ (p_hi - p)^mu
        tables = _tables(sh, (low, high), prices=sh.p_lo + 0.5 * sh.width * (1 - np.cos(np.linspace(0, np.pi, 4001))))
    p, h, g, dh, dg = tables
    dh[0], dg[0], dh[-1], dg[-1] = 1 + sh.a_lo, _end_slope(z[0], sh.lam), _end_slope(z[1], sh.mu), 1 + sh.a_hi
    if not (np.all(np.diff(h) > 0) and np.all(np.diff(g) > 0) and np.all(dh[1:-1] > 0) and np.all(dg[1:-1] > 0)
            and dg[0] >= 0 and dh[-1] >= 0 and np.all(h[1:-1] > p[1:-1]) and np.all(g[1:-1] < p[1:-1])):
        return None
    # independent check of the first-order conditions: central differences of the dense output vs the equations
    grid = np.linspace(sh.p_lo + 0.01 * sh.width, sh.p_hi - 0.01 * sh.width, 201)
    dp = 1e-4 * sh.width
    vals = [_tables_at(sh, (low, high), q) for q in (grid - dp, grid + dp, grid)]
    deriv = (vals[1] - vals[0]) / (2 * dp)
    hh, gg = vals[2]
    f = np.array([(1 - sh.k) * (sh.v_hi - hh) * sh.rho_b(sh.v_hi - hh) / (grid - gg),
                  sh.k * (gg - sh.c_lo) * sh.rho_s(gg - sh.c_lo) / (hh - grid)])
    ode_residual = float(np.max(np.abs(deriv - f) / np.maximum(1, np.abs(f))))
    return z, float(np.max(np.abs(m))), tables, ode_residual


def _end_slope(log_amplitude: float, exponent: float) -> float:
    """Slope at an end of A t^exponent (t the distance to the end): A at exponent 1, else 0 or infinite."""
    if exponent == 1.0:
        return math.exp(log_amplitude)
    return 0.0 if exponent > 1 else math.inf


def _tables_at(sh, sols, q):
    """(h, g) at interior prices q from the dense solutions."""
    low, high = sols
    q = np.asarray(q, dtype=float)
    out = np.empty((2, q.size))
    below = q <= sh.p_mid
    y = low.sol(q[below] - sh.p_lo)
    out[0, below], out[1, below] = q[below] + y[0], sh.c_lo + y[1]
    z = high.sol(sh.p_hi - q[~below])
    out[0, ~below], out[1, ~below] = sh.v_hi - z[0], q[~below] - z[1]
    return out


def _pareto(results):
    """Index of the member returned by default and the reason: the Pareto-best (no other member gives both sides
    at least as much and one more) with the largest gains from trade."""
    if len(results) == 1:
        return 0, "the only regular equilibrium found"
    surpl = [(r.buyer_surplus, r.seller_surplus) for r in results]
    undominated = [i for i, (b, s) in enumerate(surpl)
                   if not any(b2 >= b and s2 >= s and (b2 > b or s2 > s) for b2, s2 in surpl)]
    best = max(undominated, key=lambda i: results[i].efficiency)
    others = len(results) - 1
    if len(undominated) == 1:
        return best, (f"Pareto-best of the {len(results)} regular equilibria found: both sides gain at least as much "
                      f"as in each of the other {others}")
    return best, (f"largest gains among the {len(undominated)} Pareto-undominated of the {len(results)} regular "
                  f"equilibria found (no member is best for both sides)")


def _end_ratios(buyer, seller, sup_b, sup_s):
    """Vectorised distributions and the end ratios rho_B (at v_hi) and rho_S (at c_lo); ValueError where a density
    vanishes too fast at that end."""
    (v_lo, v_hi), (c_lo, c_hi) = sup_b, sup_s
    Bv, Sv, Bf, Sf = _Vec(buyer), _Vec(seller), _Fast(buyer), _Fast(seller)
    rho_b = _EndRatio(lambda z: Bv.sf(v_hi - z), lambda z: Bv.pdf(v_hi - z), v_hi - v_lo, "buyer",
                      lambda z: Bf.sf(v_hi - z), lambda z: Bf.pdf(v_hi - z))
    rho_s = _EndRatio(lambda y: Sv.cdf(c_lo + y), lambda y: Sv.pdf(c_lo + y), c_hi - c_lo, "seller",
                      lambda y: Sf.cdf(c_lo + y), lambda y: Sf.pdf(c_lo + y))
    for name, ratio, which in (("buyer", rho_b, "R"), ("seller", rho_s, "L")):
        if ratio.limit < _MIN_END_RATIO:
            raise ValueError(
                f"{name}'s density vanishes too fast at the end of its support where trade starts ({which} = "
                f"lim mass / (distance * density) = {ratio.limit:.3g} < {_MIN_END_RATIO:g}, i.e. faster than "
                f"distance^{1 / _MIN_END_RATIO - 1:g}, e.g. Beta(50, 50)): the equations are then too stiff for this "
                f"solver; such priors are not supported")
    return Bv, Sv, rho_b, rho_s


def solve_double_auction(buyer, seller, k: float = 0.5, *, rtol: float = 1e-11, tol: float = 1e-10) -> BNEResult:
    """A regular (smooth, strictly increasing) equilibrium of the k-double auction, the Pareto-best of those found.

    ``buyer`` and ``seller`` are frozen scipy.stats continuous distributions with bounded supports (they may differ,
    but the lowest cost must be below the highest value) whose densities are positive inside and behave like powers
    of the distance at the ends; ``k`` in [0, 1] is the weight of the bid in the price (floats, Fraction and sympy
    numbers). See the module docstring for the equations, the selection and the method. The result lists every
    regular equilibrium found (``equilibria``) and says which one it is (``member``, ``selection``).

    Supports may differ: values reaching above the highest cost give a flat top (buyers above h(p_hi) bid p_hi),
    costs starting below the lowest value a flat bottom (sellers below g(p_lo) ask p_lo; solved by the mirror image
    x -> -x), both at once (shifted supports) both flat parts; for uniform priors each returns the linear equilibrium
    with its flat parts (module docstring). Supports that do not overlap (v_lo >= c_hi, touching included) give the
    one-price equilibrium b(v) = s(c) = p at p = (1 - k) v_lo + k c_hi for 0 < k < 1 (any k in (0, 1): no stiff
    equations) and, at k = 0 and 1, the equilibrium in undominated strategies (one price v_lo or c_hi with the
    truthful side where the other side's best reply is that price, else the monopoly or monopsony offers);
    :func:`one_price_member` gives any other p in [c_hi, v_lo] (module docstring: the family and the selection).

    Units: a union of the supports outside [-4, 4] or narrower than 1/4 is solved in the units u = (x - a) / s
    (a its lowest point, s the smallest power of 2 above its width) and mapped back, x = a + s u (the game is invariant
    under a common change of units; gains scale by s), then certified on the priors given by
    lib.double_auction.best_response_gap (a relative gap above 1e-6 raises ConvergenceError); ``method`` says so.
    Where lib.double_auction.support refuses the priors given (a support narrower than 2e-3 of its distance from
    0, e.g. U[1000, 1001]), and only then, the certificate is on the rescaled priors instead (the equilibrium there),
    and ``outcomes()`` and ``best_response_gap()`` of the result are those of the rescaled priors mapped back
    (gains, surpluses, utilities times s; efficiency unchanged); ``method`` names the priors certified and why.

    Raises ``ValueError`` for bad input (``InputTypeError``, both a ValueError and a TypeError, for a
    non-distribution or a non-number): supports whose union lies in [-1e100, 1e100] and is at least 1e-100 wide,
    each at least 1e-9 of the union wide (1e-9 absolutely when the union lies in [-4, 4] and is at least 1/4 wide)
    and at least 2e-3 of its distance from the union's lowest point a wide (lib.double_auction.support, on the
    priors given or else on the rescaled ones: the welfare quadrature resolves types to 1e-16 of their distance
    from 0); where the priors given are refused by lib.double_auction, a union at least 1e-9 of its distance from 0
    wide (types and offers in the units given are resolved to an ulp, 2.2e-7 of the width at that limit); gains
    from trade (the buyer's support not wholly below the seller's: c_lo < v_hi), k in [0, 1] (for overlapping
    supports 0, 1 or in [0.01, 0.99]), 1e-13 <= rtol <= 1e-3, tol > 0. Raises :class:`NoRegularEquilibrium` (a
    ConvergenceError) if no regular equilibrium exists (overlapping supports only), with the evidence and the wider
    class (its ``family_ends`` and ``smooth_family()``, whose ``best`` is the best smooth equilibrium found) or for a
    case not covered (the message says which), and :class:`ConvergenceError` if one is found but not to ``tol``.
    """
    start = time.perf_counter()
    sup_b, sup_s, k, units = _validate(buyer, seller, k, rtol, tol, rescale=True, narrow=True)
    if units is not None:
        return _solve_rescaled(buyer, seller, k, sup_b, sup_s, units, rtol, tol, start)
    disjoint = not sup_b[0] < sup_s[1]  # every value at least every cost: one price (module docstring)
    if k in (0.0, 1.0):
        try:
            return _one_sided(buyer, seller, k, sup_b, sup_s, start)
        except (ConvergenceError, ValueError) as error:  # (ValueError: brentq without a sign change, phi not monotone)
            if not disjoint:
                raise
            return _one_price(buyer, seller, k, sup_b, sup_s, _one_price_rule(sup_b, sup_s, k), start, why=(
                f"the rule p = (1 - k) v_lo + k c_hi; at k = {k:g} the equilibrium in undominated strategies (the "
                f"solver's selection at k = 0 and 1) was not computed ({error})"))
    if disjoint:
        return _one_price(buyer, seller, k, sup_b, sup_s, _one_price_rule(sup_b, sup_s, k), start)
    try:
        return _regular(buyer, seller, k, sup_b, sup_s, rtol, tol, start)
    except NoRegularEquilibrium as error:
        _offer_family(error, buyer, seller, k)
        raise


def _affine(dist, a: float, s: float):
    """The law of (X - a) / s for a frozen scipy distribution X, as the same scipy family with loc' = (loc - a) / s
    and scale' = scale / s; ValueError if its support is not the original one mapped, to 1e-12 of its width plus
    4 ulps of its distance from 0 (scipy rounds the original ends, e.g. loc + scale, to an ulp of that distance:
    for U[-3162277.66, -3162277.66 + 63.2] the end is off by 7e-12 of the width; the rescaled law is exact)."""
    shapes, loc, scale = dist.dist._parse_args(*dist.args, **dist.kwds)
    out = dist.dist(*shapes, loc=(float(loc) - a) / s, scale=float(scale) / s)
    lo, hi = (float(x) for x in dist.support())
    new = tuple(float(x) for x in out.support())
    slack = 1e-12 * (hi - lo) + 4 * float(np.spacing(max(abs(lo), abs(hi))))
    if not np.allclose(new, ((lo - a) / s, (hi - a) / s), rtol=0, atol=slack / s):
        raise ValueError(f"the prior scipy.stats.{dist.dist.name} cannot be rescaled by its loc and scale (support "
                         f"{new} instead of the mapped [{(lo - a) / s!r}, {(hi - a) / s!r}])")
    return out


def _solve_rescaled(buyer, seller, k, sup_b, sup_s, units, rtol, tol, start) -> BNEResult:
    """solve_double_auction where the union of the supports [a, b] is not inside [-4, 4] or narrower than 1/4: the game is invariant
    under a common change of units x -> a + s u (s > 0) of values, costs, bids and asks (a type's best reply maps
    the same way, gains and utilities scale by s), so the equilibrium of the priors of u = (x - a) / s is solved
    (s the smallest power of 2 above the union's width, so that u's union is [0, w] with 1/2 <= w < 1 and scipy's loc
    and scale are divided exactly) and mapped back: prices and types a + s u, slopes dh/dp, dg/dp unchanged, surpluses and the
    mismatch times s. The mapped strategies are then certified on the priors given, by
    lib.double_auction.best_response_gap (9 types per side): a relative gap above 1e-6 raises ConvergenceError."""
    a, s = units[:2]
    refusal = units[2] if len(units) > 2 else ""  # lib.double_auction refuses the priors given (why)
    scaled = _affine(buyer, a, s), _affine(seller, a, s)
    where = f"in the units u = (x - a) / s, a = {a!r}, s = {s!r}"
    if refusal:
        for name, dist in zip(("buyer", "seller"), scaled):
            try:
                support(dist, name)
            except ValueError as exc:
                raise ValueError(f"{refusal}; {where} it is still refused: {exc} (each support must be at least "
                                 f"2e-3 of its distance from the lowest point a of the union of the supports "
                                 f"wide)") from None
    try:
        r = solve_double_auction(*scaled, k, rtol=rtol, tol=tol)
    except ConvergenceError as error:  # NoRegularEquilibrium included: its evidence stays in the rescaled units
        what = ("the numbers here, and this NoRegularEquilibrium's family_ends and smooth_family(), are"
                if isinstance(error, NoRegularEquilibrium) else "the numbers here are")
        error.args = (f"(solved {where}: {what} in those units) {error.args[0]}",) + tuple(error.args[1:])
        raise
    (bl, bh), (sl, sh) = r._supports
    ends = {bl: sup_b[0], bh: sup_b[1], sl: sup_s[0], sh: sup_s[1]}  # the support's ends exactly, not a + s u

    def x(u):
        u = np.asarray(u, dtype=float)
        out = a + s * u
        for e, orig in ends.items():
            out = np.where(u == e, orig, out)
        return out if out.ndim else float(out)

    def pair(t):
        return (x(t[0]), x(t[1]))

    tables, jumps = (), r._jumps
    if r._tables:
        p, h, g, dh, dg = r._tables
        # prices a few ulps apart in u can round to one price in x (k = 0 on U[1000, 1010]: tables graded to 1e-15
        # of the range): of each run of equal mapped prices the last row is kept (so a jump's lower end, the last
        # row of its piece, stays), and the jumps' indices follow
        xp = x(p)
        keep = np.concatenate([np.diff(xp) > 0, [True]])
        tables = tuple(np.asarray(t)[keep] for t in (xp, x(h), x(g), dh, dg))
        jumps = tuple(int(np.cumsum(keep)[i]) - 1 for i in r._jumps)
    members = tuple(replace(m, buyer_surplus=s * m.buyer_surplus, seller_surplus=s * m.seller_surplus)
                    for m in r.equilibria)
    out = replace(r, price_range=pair(r.price_range), buyer_range=pair(r.buyer_range),
                  seller_range=pair(r.seller_range), residual=s * r.residual, equilibria=members, _tables=tables,
                  _priors=(buyer, seller), _supports=(sup_b, sup_s), _jumps=jumps)
    if refusal:  # the priors given are refused by lib.double_auction: welfare and certificate on the rescaled ones
        out = replace(out, _rescaled=(a, s, r))
        gap = r.best_response_gap(n_types=9)
        certified = (f"certified on the rescaled priors, not on the priors given, which lib.double_auction refuses "
                     f"({refusal}); outcomes() and best_response_gap() are those of the rescaled priors mapped back "
                     f"(gains times s)")
        on = "rescaled priors"
    else:
        gap = out.best_response_gap(n_types=9)
        certified, on = "certified on the priors given", "priors given"
    if not (gap.max_gap == 0 or gap.relative_gap <= _CERTIFY_GAP):
        raise ConvergenceError(f"the equilibrium solved {where} and mapped back fails the best-response check on the "
                               f"{on}: relative gap {gap.relative_gap:.3g} > {_CERTIFY_GAP:g} (9 types)")
    return replace(out, member=_mapped_text(r.member, x, s), selection=_mapped_text(r.selection, x, s),
                   method=f"{r.method}; solved {where} and mapped back (the prices in member and selection too), "
                          f"{certified} (relative best-response gap {gap.relative_gap:.1e}, 9 types per side)",
                   seconds=time.perf_counter() - start)


_NUMBER = r"(-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)"
_PRICE_TEXT = re.compile(r"\b(p|v|c|p_lo|p_hi) = " + _NUMBER + r"(?![\w.])|(\[c_hi, v_lo\] = \[)" + _NUMBER + ", "
                         + _NUMBER + r"\]")


def _mapped_text(text: str, x, s: float) -> str:
    """A member or selection text of a rescaled solve with its prices and types (the numbers after "p = ",
    "v = ", "c = ", "p_lo = ", "p_hi = " and "[c_hi, v_lo] = ", printed to 6 digits in the units u) mapped back by
    x(u) = a + s u; to 6 digits of the union's width (more significant digits where |x| is many widths), the
    precision they had in u. Slopes, lambda, mu and efficiencies are the same in both units and stay."""
    def show(u: str) -> str:
        value = float(x(float(u)))
        digits = 6 + max(0, math.ceil(math.log10(max(abs(value), s) / s)))
        return f"{value:.{digits}g}"

    def one(m):
        if m.group(1):
            return f"{m.group(1)} = {show(m.group(2))}"
        return f"{m.group(3)}{show(m.group(4))}, {show(m.group(5))}]"
    return _PRICE_TEXT.sub(one, text)


def _regular(buyer, seller, k: float, sup_b, sup_s, rtol: float, tol: float, start: float) -> BNEResult:
    """solve_double_auction for 0 < k < 1."""
    (v_lo, v_hi), (c_lo, c_hi) = sup_b, sup_s
    Bv, Sv, rho_b, rho_s = _end_ratios(buyer, seller, sup_b, sup_s)
    p_lo, p_hi = _end_prices(Bv, Sv, rho_b, rho_s, sup_b, sup_s, k)
    if p_lo is None and p_hi is not None and c_lo < v_lo:  # a flat bottom: the mirror image of a flat top
        return _flat_bottom(buyer, seller, k, sup_b, sup_s, rtol, start)
    if p_lo is None and p_hi is None and c_lo < v_lo and c_hi < v_hi:  # both ends flat
        return _both_flat(buyer, seller, k, sup_b, sup_s, rtol, tol, start)
    if p_lo is None or (p_hi is None and not c_hi < v_hi):
        missing = " and ".join(name for name, x in (("bottom", p_lo), ("top", p_hi)) if x is None)
        raise NoRegularEquilibrium(
            f"the end condition at the {missing} has no root inside the overlap of the supports "
            f"[{max(v_lo, c_lo):.6g}, {min(v_hi, c_hi):.6g}], but that end is not flat either (a flat bottom needs "
            f"c_lo < v_lo: {c_lo:.6g}, {v_lo:.6g}; a flat top c_hi < v_hi: {c_hi:.6g}, {v_hi:.6g}; both flat both); "
            f"this case is not covered")
    if p_hi is None:
        sh = _Shooting(Bv, Sv, rho_b, rho_s, sup_b, sup_s, k, p_lo, c_hi if c_hi > p_lo else v_hi)
        return _flat_top(sh, buyer, seller, rtol, start)
    if not p_hi - p_lo > 1e-6 * (min(v_hi, c_hi) - max(v_lo, c_lo)):
        raise NoRegularEquilibrium(f"no regular equilibrium: the end conditions give a lowest trading price "
                                   f"{p_lo:.6g} that is not below the highest {p_hi:.6g}")
    sh = _Shooting(Bv, Sv, rho_b, rho_s, sup_b, sup_s, k, p_lo, p_hi)
    roots, jacobians, (closest, at), span = _regular_roots(sh)
    if not roots:
        slopes = tuple(float(x) for x in np.exp(at)) if at is not None else ()
        raise NoRegularEquilibrium(
            f"no regular equilibrium (finite, non-zero end slopes) for these priors at k = {k:g}: the halves from "
            f"p_lo = {p_lo:.6g} and p_hi = {p_hi:.6g} never meet at p = {sh.p_mid:.6g} for end slopes g'(p_lo), "
            f"h'(p_hi) in [{span[0]:g}, {span[1]:g}] (the curves of (h, g) they trace stay at least {closest:.3g} "
            f"apart, closest at slopes {tuple(round(s, 4) for s in slopes)}); the one-price equilibria of "
            f"lib.double_auction still exist",
            closest=closest, slopes=slopes)
    def result(found):
        z, residual, tables, ode_res = found
        return BNEResult(
            k=k, price_range=(p_lo, p_hi), buyer_range=(p_lo, v_hi), seller_range=(c_lo, p_hi),
            end_slopes=(1 + sh.a_lo, float(math.exp(z[0])), float(math.exp(z[1])), 1 + sh.a_hi), residual=residual,
            ode_residual=ode_res, other_end_slopes=(), iterations=sh.calls, method="", seconds=0.0,
            _tables=tables, _priors=(buyer, seller), _supports=(sup_b, sup_s))

    if len(roots) == 1:  # polish at full accuracy at once
        found = [r for r in (_member(sh, roots[0], jacobians[0], rtol, tol),) if r is not None]
    else:  # several: welfare of each from a solution at rtol 1e-9 (mismatch 1e-7), then polish the one selected
        loose = [_member(sh, z, J, 1e-9, 1e-7) for z, J in zip(roots, jacobians)]
        roots_kept = [i for i, r in enumerate(loose) if r is not None]
        found = [loose[i] for i in roots_kept]
    if not found:
        raise ConvergenceError(f"regular equilibria were located (end slopes {[tuple(np.exp(r)) for r in roots]}) but "
                               f"none converged to the mismatch tol = {tol:g} or had increasing strategies")
    results = [result(f) for f in found]
    welfare = [r.outcomes() for r in results] if len(results) > 1 else [None]
    members = tuple(RegularMember(end_slopes=r.end_slopes, efficiency=w.efficiency if w else math.nan,
                                  buyer_surplus=w.buyer_surplus if w else math.nan,
                                  seller_surplus=w.seller_surplus if w else math.nan)
                    for r, w in zip(results, welfare))
    members, jac_kept = list(members), ([jacobians[i] for i in roots_kept] if len(roots) > 1 else [])
    dropped = []
    while True:  # the preferred member, polished at full accuracy; one that does not reach tol is dropped
        index, why = _pareto(members) if len(members) > 1 else (0, "the only regular equilibrium found")
        chosen = results[index]
        if len(roots) == 1:
            break
        z_best = np.log([chosen.end_slopes[1], chosen.end_slopes[2]])
        polished = _member(sh, z_best, jac_kept[index], rtol, tol)
        if polished is not None:
            chosen = result(polished)
            break
        dropped.append(tuple(float(x) for x in np.exp(z_best)))
        del members[index], results[index], jac_kept[index]
        if not members:
            raise ConvergenceError(f"the regular equilibria located (end slopes {dropped}) did not converge to the "
                                   f"mismatch tol = {tol:g}")
    if dropped:  # near a fold the loose stages can accept a point next to the root as a second root
        why += (f"; {len(dropped)} candidate(s) with end slopes {[tuple(round(x, 6) for x in d) for d in dropped]} "
                f"did not converge to tol = {tol:g} and are not listed")
    members = tuple(members)
    others = tuple((r.end_slopes[1], r.end_slopes[2]) for i, r in enumerate(results) if i != index)
    method = (f"two-sided shooting from both ends in variables measured from each end (DOP853, rtol {rtol:g}); "
              f"all regular equilibria by a scan of both end slopes over [{span[0]:g}, {span[1]:g}] and Newton")
    return replace(chosen, other_end_slopes=others, iterations=sh.calls, method=method, member="regular (lambda = 1)",
                   selection=why, equilibria=members, seconds=time.perf_counter() - start)


def _one_sided(buyer, seller, k: float, sup_b, sup_s, start: float) -> BNEResult:
    """k = 0: the price is the ask, so bidding one's value is weakly dominant for the buyer, and the seller of cost c
    maximises (s - c)(1 - F_B(s)), whose derivative is f_B(s)(c - phi_B(s)) with phi_B(s) = s - (1 - F_B(s))/f_B(s):
    s(c) = phi_B^{-1}(c) where phi_B is increasing. k = 1: symmetrically the seller asks his cost and the buyer of
    value v bids phi_S^{-1}(v), phi_S(b) = b + F_S(b)/f_S(b). Exact up to the root finding (no differential
    equation). Where the virtual value is not increasing on the range that matters (a bimodal prior) the best offer
    jumps and each type's global maximiser comes from the ironed virtual value (:func:`_one_sided_ironed`); for
    supports that do not overlap a ConvergenceError instead, and solve_double_auction returns the one price."""
    (v_lo, v_hi), (c_lo, c_hi) = sup_b, sup_s
    B, S = _Vec(buyer), _Vec(seller)
    if k == 0.0:  # the seller's monopoly problem against the buyer's demand 1 - F_B
        lo, hi, name = v_lo, v_hi, "buyer"
        ratio = _EndRatio(lambda z: B.sf(v_hi - z), lambda z: B.pdf(v_hi - z), v_hi - v_lo, "buyer")

        def phi(p):  # p - (1 - F_B(p)) / f_B(p), written through the end ratio within its z0 of v_hi, and
            # directly at p elsewhere (v_hi - (v_hi - p) rounds p when p is tiny next to v_hi: 0.7 Beta(1.1, 20)
            # + 0.3 Beta(20, 1.1) at p = 1e-13, v_hi = 1, gave phi 1.7e-5 off relative, 8e-5 at 3e-14)
            return _by_distance(p, v_hi - np.asarray(p, dtype=float), ratio, -1.0, lambda x: B.sf(x) / B.pdf(x))
        first, last = c_lo, min(c_hi, v_hi)  # the costs that trade
    else:  # the buyer's monopsony problem against the seller's supply F_S
        lo, hi, name = c_lo, c_hi, "seller"
        ratio = _EndRatio(lambda y: S.cdf(c_lo + y), lambda y: S.pdf(c_lo + y), c_hi - c_lo, "seller")

        def phi(p):  # p + F_S(p) / f_S(p), through the end ratio within its z0 of c_lo, directly elsewhere
            return _by_distance(p, np.asarray(p, dtype=float) - c_lo, ratio, 1.0, lambda x: S.cdf(x) / S.pdf(x))
        first, last = max(v_lo, c_lo), v_hi  # the values that trade
    grid = np.linspace(lo, hi, 8193)[1:-1]
    with np.errstate(all="ignore"):
        vals = phi(grid)
    if not v_lo < c_hi and (np.all(vals >= last) if k == 0.0 else np.all(vals <= first)):
        # supports that do not overlap, and every seller's monopoly ask is v_lo (k = 0: (s - c)(1 - F_B(s)) has
        # derivative f_B(s)(c - phi_B(s)) <= 0 on [v_lo, v_hi] for every c <= c_hi), or every buyer's monopsony bid
        # is c_hi (k = 1: (v - b) F_S(b) has derivative f_S(b)(v - phi_S(b)) >= 0 on [c_lo, c_hi]): one price
        truthful = "buyer" if k == 0.0 else "seller"
        return _one_price(buyer, seller, k, sup_b, sup_s, v_lo if k == 0.0 else c_hi, start, truthful=truthful, why=(
            f"the equilibrium in undominated strategies (the solver's selection at k = 0 and 1): at k = {k:g} the "
            f"{truthful} reports truthfully (weakly dominant) and the other side's best reply is the one price "
            f"{'v_lo' if k == 0.0 else 'c_hi'} for every type ({'phi_B >= c_hi' if k == 0.0 else 'phi_S <= v_lo'} on "
            f"the support, checked on {grid.size} points); the rule p = (1 - k) v_lo + k c_hi gives the same price"))
    if not _crosses_once(phi, grid, vals, first, last, hi - lo):  # the best offer jumps: ironing
        if not v_lo < c_hi:  # supports that do not overlap: solve_double_auction falls back to the one price
            raise ConvergenceError(f"at k = {k:g} the {name}'s virtual value is not increasing where it matters, so "
                                   f"the other side's best offer jumps (ironing)")
        return _one_sided_ironed(buyer, seller, k, sup_b, sup_s, start, phi, lo, hi, first, last, name)
    return _one_sided_regular(buyer, seller, k, sup_b, sup_s, start, phi, grid, vals, lo, hi, first, last, name)


def _crosses_once(phi, grid, vals, first, last, width) -> bool:
    """Whether the virtual value phi crosses every level theta in (first, last) (the types of the other side that
    trade) once, from below: then the type theta's profit, whose derivative has the sign of theta - phi (k = 0:
    f_B(s)(c - phi_B(s)); k = 1: f_S(b)(v - phi_S(b))), rises up to phi^-1(theta) and falls after it, so that offer
    is its global best and no ironing is needed. Checked on the grid (8191 interior points of the support): phi
    clipped to [first, last] is non-decreasing, strictly increasing where it lies inside, and phi's own derivative
    (central differences, step 1e-6 of the width) is positive at every grid point inside; else False (ironing)."""
    with np.errstate(all="ignore"):
        w = np.clip(vals, first, last)
        inside = (vals > first) & (vals < last)
        if not (np.all(np.isfinite(vals)) and np.all(np.diff(w) >= 0)):
            return False
        steps = np.diff(w)
        if np.any(steps[inside[:-1] | inside[1:]] <= 0):
            return False
        x = grid[inside]
        d = 1e-6 * width
        slope = (phi(x + d) - phi(x - d)) / (2 * d)
    return bool(np.all(slope > 0))


def _by_distance(p, z, ratio, sign: float, quotient) -> np.ndarray:
    """A virtual value p + sign * mass / density at the prices p, whose distance to the end of the support where
    the mass vanishes is z: through the end ratio (z * ratio(z)) within ratio.z0 of that end (p itself at the end,
    z <= 0), and as the quotient of the distribution's own functions at p elsewhere; each point by one route only
    (the quotient's scipy calls on the points far from the end, the ratio's on those next to it)."""
    p = np.asarray(p, dtype=float)
    z = np.maximum(z, 0.0)
    out = p.copy()
    near = z < ratio.z0
    with np.errstate(all="ignore"):
        at = near & (z > 0)
        if np.any(at):
            out[at] = p[at] + sign * z[at] * ratio(z[at])
        if not np.all(near):
            far = ~near
            out[far] = p[far] + sign * quotient(p[far])
    return out


def _level_root(phi, level: float, a: float, b: float) -> float:
    """The price in [a, b] at which the increasing virtual value phi reaches ``level`` (phi - level changes sign
    on [a, b]), by brentq to 1e-15 of the bracket or four ulps of the price (brentq's smallest rtol), whichever is
    larger: the one tolerance of every root of phi in the k = 0 and k = 1 solvers. The tables built on the roots
    are graded to 1e-15 of their range, and a bracket next to an end (:func:`_root_towards`) is as small as
    2^-963 of the distance to it, so an absolute tolerance would be too coarse there and too fine (brentq's 100
    iterations) for a price at 0."""
    return optimize.brentq(lambda p: float(phi(p)) - level, a, b, xtol=max(1e-15 * (b - a), 1e-300),
                           rtol=4 * np.finfo(float).eps)


def _root_towards(phi, level: float, inside: float, end: float) -> float:
    """Where the increasing phi reaches ``level`` between the grid point ``inside`` and the support's ``end``, when
    the routing grid saw phi on one side of it everywhere: phi at end + (inside - end) 2^-j, j = 1, ..., 963, until it
    is on the other side (then :func:`_level_root`) or the point rounds to ``end`` or comes within
    2^-963 (1.6e-290) of that distance (then ``end``: phi does not reach the level measurably inside the support;
    the points stay normal floats, where scipy's Beta density at subnormal ones can overflow: 0.8 Beta(1.001, 3) +
    0.2 Beta(3, 1.01), whose phi_B reaches -1 only near 1e-380, raised boost's OverflowError under warnings as errors
    with points 1.01 times as far). A virtual value infinite at the end whose density vanishes slowly
    (0.8 Beta(1.1, 3) + 0.2 Beta(3, 1.15) at k = 0: phi_B = -1 at 2.7e-5, below the first of the 8191 points,
    1.2e-4) made the lowest sellers ask v_lo = 0, 2.4e-6 short of their best profit."""
    with np.errstate(all="ignore"):
        side = float(phi(inside)) > level
        near, d = inside, inside - end
        for j in range(1, 964):
            x = end + d * math.ldexp(1.0, -j)
            if x == end:
                break
            if (float(phi(x)) > level) != side:
                a, b = sorted((x, near))
                return _level_root(phi, level, a, b)
            near = x
    return end


def _one_sided_regular(buyer, seller, k, sup_b, sup_s, start, phi, grid, vals, lo, hi, first, last, name):
    """_one_sided where the virtual value crosses each trading type's level once (:func:`_crosses_once`):
    s(c) = phi_B^-1(c) at k = 0, b(v) = phi_S^-1(v) at k = 1, by brentq. ConvergenceError if the table of 4001
    prices it builds finds phi not increasing after all (a dip between the points of the routing grid)."""
    (v_lo, v_hi), (c_lo, c_hi) = sup_b, sup_s
    if k == 0.0:
        # p_lo: the lowest price at which phi_B stays above c_lo; below it phi_B <= c_lo (sellers never ask there)
        above = vals > first
        i = int(np.flatnonzero(~above)[-1]) + 1 if np.any(~above) else 0
        p_lo = _root_towards(phi, first, grid[0], lo) if i == 0 else \
            _level_root(phi, first, grid[i - 1], grid[i])
        p_hi = hi if last >= v_hi else _level_root(phi, last, p_lo, hi)
    else:
        below = vals < last
        i = int(np.flatnonzero(~below)[0]) if np.any(~below) else len(grid) - 1
        p_hi = _root_towards(phi, last, grid[-1], hi) if i == len(grid) - 1 and below[-1] else \
            _level_root(phi, last, grid[max(i - 1, 0)], grid[i])
        p_lo = lo if first <= c_lo else _level_root(phi, first, lo, p_hi)
    # 4001 equal steps, and 240 steps graded geometrically (1e-15 to 1e-3 of the range) towards each end, where a
    # density that vanishes or blows up at its end makes phi steep (0.5 Beta(2, 2) + 0.5 Beta(1.25, 9) at k = 0:
    # phi from -0.95 to -0.7 within the first equal step; the inverse was 1e-9 short of the best profit; graded
    # only to 1e-9, 0.5 Beta(1.001, 3) + 0.5 Beta(3, 1.001), whose density is like p^0.001 at 0, was 1.5e-10 short)
    graded = (p_hi - p_lo) * np.geomspace(1e-15, 1e-3, 120)
    p = np.unique(np.concatenate([np.linspace(p_lo, p_hi, 4001), p_lo + graded, p_hi - graded]))
    apart = np.diff(p) > 1e-12 * np.maximum(np.abs(p[1:]), np.abs(p[:-1]))  # (the grading is as fine as floats
    p = p[np.concatenate([[True], apart])]  # resolve phi's rise: points closer than 1e-12 of their size merged,
    p[-1] = p_hi  # each run into its first point, but the last run into p_hi itself, the end of the trading range)
    with np.errstate(all="ignore"):
        other = phi(p)
    d = 1e-6 * (p_hi - p_lo)
    with np.errstate(all="ignore"):
        slope = (phi(np.clip(p + d, p_lo, p_hi)) - phi(np.clip(p - d, p_lo, p_hi))) / \
            (np.clip(p + d, p_lo, p_hi) - np.clip(p - d, p_lo, p_hi))
    outside = grid[(grid < p_lo) if k == 0.0 else (grid > p_hi)]
    with np.errstate(all="ignore"):
        bad_out = outside.size > 0 and (np.any(phi(outside) > first) if k == 0.0 else np.any(phi(outside) < last))
    if not (np.all(np.diff(other) > 0) and np.all(slope > 0)) or bad_out:
        raise ConvergenceError(f"at k = {k:g} the {name}'s virtual value crosses every trading type's level once on "
                               f"a grid of {grid.size} points but is not increasing on the {p.size} prices of "
                               f"[{p_lo:.6g}, {p_hi:.6g}] (or crosses again outside): a dip between grid points")
    if k == 0.0:
        other = np.maximum(other, c_lo)
        tables = (p, p.copy(), other, np.ones_like(p), slope)
        ranges = dict(buyer_range=(p_lo, p_hi), seller_range=(float(other[0]), float(other[-1])))
        method = "exact: buyer truthful (weakly dominant at k = 0); seller's ask s(c) = phi_B^{-1}(c)"
        member, truthful = "k = 0: truthful buyer, monopoly asks", "buyer"
    else:
        other = np.minimum(other, v_hi)
        tables = (p, other, p.copy(), slope, np.ones_like(p))
        ranges = dict(buyer_range=(float(other[0]), float(other[-1])), seller_range=(p_lo, p_hi))
        method = "exact: seller truthful (weakly dominant at k = 1); buyer's bid b(v) = phi_S^{-1}(v)"
        member, truthful = "k = 1: truthful seller, monopsony bids", "seller"
    ends = (float(tables[3][0]), float(tables[4][0]), float(tables[3][-1]), float(tables[4][-1]))
    return BNEResult(k=k, price_range=(p_lo, p_hi), end_slopes=ends, residual=0.0, ode_residual=0.0,
                     other_end_slopes=(), iterations=0, method=method, seconds=time.perf_counter() - start,
                     member=member, selection="the unique equilibrium in undominated strategies", equilibria=(),
                     _tables=tables, _priors=(buyer, seller), _supports=(sup_b, sup_s), _truthful=truthful, **ranges)


def _one_sided_ironed(buyer, seller, k, sup_b, sup_s, start, phi, lo, hi, first, last, name):
    """_one_sided where the virtual value phi is not increasing on the trading range (a bimodal prior): each type's
    global best offer by ironing (Myerson 1981). Type theta (the seller's cost at k = 0, the buyer's value at k = 1)
    maximises sigma (p - theta) Q(p) over offers p in [lo, hi], sigma = 1, Q = 1 - F_B at k = 0 and sigma = -1,
    Q = F_S at k = 1, that is Y - t Q over the points (Q(p), Y = sigma p Q(p)) with t = sigma theta: the offers ever
    chosen are the vertices of the upper concave hull of those points (on a grid of 20001 offers) and theta's is the
    vertex where the hull's slope crosses t. Where the hull skips offers the best offer jumps: from a to b at the
    level L at which type L is indifferent, found by brentq on the difference of the two local maxima (each by a
    bounded search next to the grid's vertex); the ends are then polished as roots of phi = L. Elsewhere the offers
    are phi^-1 exactly. The ironed virtual value (phi, and L on each skipped [a, b]) is non-decreasing; the offer
    schedule is non-decreasing with jumps. Raises ConvergenceError if a level or a non-decreasing piece is not found
    (the message says which)."""
    (v_lo, v_hi), (c_lo, c_hi) = sup_b, sup_s
    raw_phi = phi

    def phi(p):  # (0 / 0 at an end of the support is the end ratio's business, not the caller's)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return raw_phi(p)
    sigma = 1.0 if k == 0.0 else -1.0
    vec = _Vec(buyer) if k == 0.0 else _Vec(seller)
    Q = (lambda p: vec.sf(p)) if k == 0.0 else (lambda p: vec.cdf(p))

    def profit(p, theta):
        return sigma * (p - theta) * float(Q(p))

    n = 20001
    x = np.linspace(lo, hi, n)
    with np.errstate(all="ignore"):
        q = np.clip(np.asarray(Q(x), dtype=float), 0.0, 1.0)
    y = sigma * x * q
    order = range(n - 1, -1, -1) if k == 0.0 else range(n)  # Q ascending
    hull: list = []
    for i in order:
        while len(hull) >= 2:
            o, a = hull[-2], hull[-1]
            if (q[a] - q[o]) * (y[i] - y[o]) - (y[a] - y[o]) * (q[i] - q[o]) >= 0:
                hull.pop()
            else:
                break
        hull.append(i)
    vertices = sorted(hull)
    dx = x[1] - x[0]
    jumps = []
    # roots of phi by _level_root, to 1e-15 of their bracket: the tables below are graded to 1e-9 of a piece, and a
    # piece next to an end can be 1e-9 of the range wide (an absolute 1e-15 put the end of 0.7 Beta(1.1, 20) +
    # 0.3 Beta(20, 1.1)'s first piece, 4.8e-9, past a table point)
    for i1, i2 in zip(vertices[:-1], vertices[1:]):
        if i2 - i1 <= 2:
            continue
        if q[i2] == q[i1]:  # Q rounded to the same value at both vertices (next to an end): an infinite level,
            continue  # which no type has
        t0 = (y[i2] - y[i1]) / (q[i2] - q[i1])
        L0 = sigma * t0
        box_a = (max(lo, x[i1] - dx), min(hi, x[i1] + dx))
        box_b = (max(lo, x[i2] - dx), min(hi, x[i2] + dx))

        def local(theta, box):
            ends = [(profit(box[0], theta), box[0]), (profit(box[1], theta), box[1])]
            r = optimize.minimize_scalar(lambda p: -profit(p, theta), bounds=box, method="bounded",
                                         options={"xatol": 1e-13 * max(1.0, abs(box[1]))})
            return max(ends + [(-float(r.fun), float(r.x))])

        def diff(theta):
            return local(theta, box_b)[0] - local(theta, box_a)[0]

        width, bracket = 1e-9 * (hi - lo), None
        while width < 4 * (hi - lo) + abs(L0):
            d_lo, d_hi = diff(L0 - width), diff(L0 + width)
            if d_lo <= 0 <= d_hi:
                bracket = (L0 - width, L0 + width)
                break
            width *= 4
        if bracket is None and not first <= L0 <= last:  # a level no type that trades has: no offer made changes
            continue  # (typically a spurious gap of the hull where Q rounds to 0 or 1 next to an end: measured)
        if bracket is None:
            raise ConvergenceError(f"at k = {k:g} the {name}'s virtual value is not increasing and the level at "
                                   f"which the best offer jumps from about {x[i1]:.6g} to {x[i2]:.6g} was not found")
        L = optimize.brentq(diff, *bracket, xtol=1e-15, rtol=1e-15) if d_lo < 0 < d_hi else \
            (bracket[0] if d_lo == 0 else bracket[1])
        ends = []
        for box in (box_a, box_b):
            p0 = local(L, box)[1]
            with np.errstate(all="ignore"):
                f0, f1 = float(phi(box[0])) - L, float(phi(box[1])) - L
            if lo < p0 < hi and f0 < 0 < f1:  # an interior tangency: phi(p) = L
                p0 = _level_root(phi, L, *box)
            ends.append(p0)
        if not ends[1] > ends[0]:
            raise ConvergenceError(f"at k = {k:g} the {name}'s virtual value is not increasing and the jump of the "
                                   f"best offer near {x[i1]:.6g} did not resolve into two offers")
        jumps.append((ends[0], ends[1], L))
    # the regular pieces between the jumps, with the ironed virtual value on each: (start, end, level or None)
    pieces, at = [], lo
    for a, b, L in jumps:
        pieces += [(at, a, None), (a, b, L)]
        at = b
    pieces.append((at, hi, None))

    def g_end(piece, end):
        if piece[2] is not None:
            return piece[2]
        with np.errstate(all="ignore"):
            return float(phi(piece[end]))

    def offer(theta):  # the lowest offer whose ironed virtual value reaches theta
        for piece in pieces:
            if g_end(piece, 1) >= theta:
                if piece[2] is not None or g_end(piece, 0) >= theta:
                    return piece[0]
                return _level_root(phi, theta, piece[0], piece[1])
        return hi

    p_lo, p_hi = (offer(first), offer(last)) if k == 0.0 or first > c_lo else (lo, offer(last))
    total = max(p_hi - p_lo, 1e-300)
    ps, gs, cuts = [], [], []
    for s_, e_, level in pieces:
        if level is not None:
            if ps and s_ >= p_lo and e_ <= p_hi:
                cuts.append(sum(len(a) for a in ps) - 1)
            continue
        s_, e_ = max(s_, p_lo), min(e_, p_hi)
        if e_ < s_:
            continue
        m = 1 if e_ == s_ else max(16, int(4001 * (e_ - s_) / total))
        pp = np.linspace(s_, e_, m)
        if e_ > s_:  # and graded towards both ends of the piece, as in _one_sided_regular (phi steep at an end)
            graded = (e_ - s_) * np.geomspace(1e-9, 0.1, 120)  # (0.1: up to the piece's equal steps, m >= 16)
            pp = np.unique(np.concatenate([pp, s_ + graded, e_ - graded]))
            pp = pp[np.concatenate([[True], np.diff(pp) > 1e-11 * (e_ - s_)])]
        if ps and ps[-1][-1] >= pp[0]:  # (a piece that starts where the previous ended)
            pp = pp[1:]
            if not pp.size:
                continue
        ps.append(pp)
    p = np.concatenate(ps)
    cuts = [c for c in cuts if 0 <= c < p.size - 1]
    with np.errstate(all="ignore"):
        g = np.asarray(phi(p), dtype=float)
        d = 1e-7 * (hi - lo)
        dg = (phi(np.minimum(p + d, hi)) - phi(np.maximum(p - d, lo))) / (np.minimum(p + d, hi) - np.maximum(p - d, lo))
    # phi is infinite at an end of the support where the density vanishes (k = 1: F_S / f_S at c_hi, e.g. a Beta
    # component with b = 1.1 there; k = 0: -(1 - F_B) / f_B at v_lo): the types beyond phi's last finite level
    # there all offer that end (to float resolution): that infinity is the level of the last type that trades
    g = np.where(np.isneginf(g), c_lo, g) if k == 0.0 else np.where(np.isposinf(g), v_hi, g)
    if not np.all(np.isfinite(g)):
        i = int(np.flatnonzero(~np.isfinite(g))[0])
        raise ConvergenceError(f"at k = {k:g} the {name}'s virtual value is not a number at the offer {p[i]:.6g} "
                               f"(its density or distribution function is not finite there)")
    pieces_ok = np.ones(p.size - 1, dtype=bool)
    pieces_ok[cuts] = False
    if not np.all(np.diff(g)[pieces_ok] > 0):
        i = int(np.flatnonzero(pieces_ok & ~(np.diff(g) > 0))[0])
        raise ConvergenceError(f"at k = {k:g} the {name}'s ironed virtual value is not increasing between offers "
                               f"{p[i]:.6g} and {p[i + 1]:.6g} (a jump the grid of {n} offers did not resolve)")
    for c in cuts:  # both ends of a jump carry its level exactly
        level = next(L for a, b, L in jumps if math.isclose(a, p[c], abs_tol=1e-12) or math.isclose(b, p[c + 1],
                                                                                                    abs_tol=1e-12))
        g[c] = g[c + 1] = level
    dg = np.maximum(np.asarray(dg, dtype=float), 0.0)
    found = "" if not cuts else f"; the best offer jumps at {len(cuts)} level(s) " + ", ".join(
        f"{g[c]:.6g} (from {p[c]:.6g} to {p[c + 1]:.6g})" for c in cuts)
    if k == 0.0:
        g = np.maximum(g, c_lo)
        tables = (p, p.copy(), g, np.ones_like(p), dg)
        ranges = dict(buyer_range=(p_lo, p_hi), seller_range=(float(g[0]), float(g[-1])))
        method = ("exact up to a grid of asks: buyer truthful (weakly dominant at k = 0); seller's ask the global "
                  "maximiser of (s - c)(1 - F_B(s)), by the ironed phi_B (concave hull of the revenue curve)" + found)
        member, truthful = "k = 0: truthful buyer, monopoly asks (ironed)", "buyer"
    else:
        g = np.minimum(g, v_hi)
        tables = (p, g, p.copy(), dg, np.ones_like(p))
        ranges = dict(buyer_range=(float(g[0]), float(g[-1])), seller_range=(p_lo, p_hi))
        method = ("exact up to a grid of bids: seller truthful (weakly dominant at k = 1); buyer's bid the global "
                  "maximiser of (v - b) F_S(b), by the ironed phi_S (convex hull of the cost curve)" + found)
        member, truthful = "k = 1: truthful seller, monopsony bids (ironed)", "seller"
    ends = (float(tables[3][0]), float(tables[4][0]), float(tables[3][-1]), float(tables[4][-1]))
    return BNEResult(k=k, price_range=(p_lo, p_hi), end_slopes=ends, residual=0.0, ode_residual=0.0,
                     other_end_slopes=(), iterations=0, method=method, seconds=time.perf_counter() - start,
                     member=member, selection="the unique equilibrium in undominated strategies", equilibria=(),
                     _tables=tables, _priors=(buyer, seller), _supports=(sup_b, sup_s), _truthful=truthful,
                     _jumps=tuple(cuts), **ranges)


def _one_price_rule(sup_b, sup_s, k: float) -> float:
    """The price of the one-price equilibrium returned for supports that do not overlap: p = (1 - k) v_lo + k c_hi
    (module docstring: why), kept inside [c_hi, v_lo] against rounding."""
    (v_lo, _), (_, c_hi) = sup_b, sup_s
    return min(max((1 - k) * v_lo + k * c_hi, c_hi), v_lo)


def _one_price(buyer, seller, k: float, sup_b, sup_s, p: float, start: float, truthful: str = "",
               why: str = "") -> BNEResult:
    """The one-price equilibrium at p in [c_hi, v_lo] (supports that do not overlap): every buyer bids p and every
    seller asks p, so every pair trades at p. It is the member of the both-ends-flat family with no smooth part:
    sellers up to g(p_lo) = c_hi ask p_lo, buyers from h(p_hi) = v_lo bid p_hi, p_lo = p_hi = p (the inverse
    strategies are vertical at p: end slopes inf). ``truthful`` ("buyer" at k = 0, "seller" at k = 1) makes that side
    report its type instead (the same trades and prices: every value is at least p, every cost at most p)."""
    (v_lo, _), (_, c_hi) = sup_b, sup_s
    side = {"buyer": "every buyer bids her value (at least v_lo = p) and every seller asks p",
            "seller": "every seller asks his cost (at most c_hi = p) and every buyer bids p"}.get(
        truthful, "every buyer bids p and every seller asks p")
    return BNEResult(
        k=k, price_range=(p, p), buyer_range=(v_lo, v_lo), seller_range=(c_hi, c_hi), end_slopes=(math.inf,) * 4,
        residual=0.0, ode_residual=0.0, other_end_slopes=(), iterations=0, seconds=time.perf_counter() - start,
        method="exact: supports that do not overlap (v_lo >= c_hi); one price, no equation solved",
        member=f"one price p = {p:.6g}: {side}; every pair trades at p (efficiency 1)",
        selection=(why or "p = (1 - k) v_lo + k c_hi") + (
            f" in the family of one-price equilibria, one for each p in [c_hi, v_lo] = [{c_hi:.6g}, {v_lo:.6g}] "
            f"(lib.bne.one_price_member(buyer, seller, k, price=p) returns any other)"),
        equilibria=(), _tables=(), _priors=(buyer, seller), _supports=(sup_b, sup_s), _truthful=truthful)


def one_price_member(buyer, seller, k: float = 0.5, price=None) -> BNEResult:
    """The one-price equilibrium at ``price`` of the k-double auction with supports that do not overlap
    (v_lo >= c_hi: every value is at least every cost), as a :class:`BNEResult` (``bid``, ``ask``, ``outcomes()``,
    ``best_response_gap()``, ``price_range = (price, price)``).

    Every buyer bids p and every seller asks p, for any p in [c_hi, v_lo] and any k in [0, 1]: every pair trades at
    p (first best, efficiency 1). A buyer who bids x > p still trades with every seller, at k x + (1 - k) p >= p
    (strictly more when k > 0); one who bids x < p trades with none and gets 0 <= v - p; likewise for sellers
    (an ask y < p gets k p + (1 - k) y <= p, an ask above p nothing). At k = 0 a buyer's bid above p does not change
    the price, so bidding p ties with bidding more (and is weakly dominated by bidding her value); at k = 1 the same
    for a seller's ask below p. ``price=None`` gives the member :func:`solve_double_auction` returns for
    0 < k < 1, p = (1 - k) v_lo + k c_hi (module docstring). ValueError if the supports overlap (then see
    lib.double_auction.one_price_equilibrium), if price is not in [c_hi, v_lo], or for the inputs
    solve_double_auction refuses."""
    start = time.perf_counter()
    sup_b, sup_s, k, _ = _validate(buyer, seller, k, 1e-11, 1e-10, rescale=True)  # (no equation is solved)
    (v_lo, _), (_, c_hi) = sup_b, sup_s
    if not c_hi <= v_lo:
        raise ValueError(f"one_price_member needs supports that do not overlap (v_lo >= c_hi); the buyer's lowest "
                         f"value {v_lo!r} is below the seller's highest cost {c_hi!r} (for overlapping supports the "
                         f"step equilibria are lib.double_auction.one_price_equilibrium)")
    if price is None:
        return _one_price(buyer, seller, k, sup_b, sup_s, _one_price_rule(sup_b, sup_s, k), start)
    try:
        p = real(price, "price", lo=c_hi, hi=v_lo)
    except ValueError as exc:  # InputTypeError stays an InputTypeError
        raise type(exc)(f"{exc} (one-price equilibria have p in [c_hi, v_lo]: every value at least p, every cost at "
                        f"most p)") from None
    return _one_price(buyer, seller, k, sup_b, sup_s, p, start, why=f"the price asked for, p = {p:.6g},")


def _rise(sh: _Shooting, slope: float, rtol: float, dense: bool = False):
    """Flat top: integrate from p_lo with g'(p_lo) = slope until g reaches the highest cost c_hi. Returns the
    solution and p_hi, or (None, None) if h reaches v_hi first or the trajectory leaves the region h > p > g."""
    sh.calls += 1
    e, rhs = sh.start, sh._scalar_rhs(0)
    rise_to = sh.c_hi - sh.c_lo

    def fun(x, y):  # past c_hi the seller's density is 0: continued by its value at c_hi, so steps can cross it
        y1, y2 = y.tolist() if type(y) is np.ndarray else y
        return rhs(x, [y1, min(y2, rise_to)])

    def reached(x, y):
        return y[1] - rise_to
    reached.terminal, reached.direction = True, 1
    with np.errstate(all="ignore"):
        sol = solve_ivp(fun, (e, sh.v_hi - sh.p_lo), [sh.a_lo * e, slope * e], method="DOP853", rtol=rtol,
                        atol=rtol * 1e-3 * e, dense_output=dense, events=reached)
    if sol.status != 1 or not sol.t_events[0].size:
        return None, None
    x_end = float(sol.t_events[0][0])
    y1 = float(sol.y_events[0][0][0])
    p_hi = sh.p_lo + x_end
    if not (y1 > 0 and p_hi + y1 < sh.v_hi and p_hi > sh.c_hi):
        return None, None
    return sol, p_hi


def _flat_top_tables(sh: _Shooting, sol, p_hi: float, n: int = 4001):
    k = sh.k
    p = np.linspace(sh.p_lo, p_hi, n)
    x = np.clip(p - sh.p_lo, sh.start, None)
    y = sol.sol(x)
    scale = (p - sh.p_lo) / x
    h, g = p + y[0] * scale, sh.c_lo + y[1] * scale
    h[0], g[0], g[-1] = sh.p_lo, sh.c_lo, sh.c_hi
    zb, ys = sh.v_hi - h, g - sh.c_lo
    with np.errstate(all="ignore"):
        dh = (1 - k) * zb * sh.rho_b(zb) / (p - g)
        dg = np.empty(n)
        dg[1:] = k * ys[1:] * sh.rho_s(ys[1:]) / (h[1:] - p[1:])
        # at g = c_hi by the scalar ratio: the vectorised Beta density is nan at the end of its support (z = 1, b = 1)
        dg[-1] = k * ys[-1] * sh.rho_s.scalar(float(ys[-1])) / (h[-1] - p[-1])
    dg[0] = y[1][0] / x[0]
    return p, h, g, dh, dg


def _gains(sh: _Shooting, tables, buyer, seller) -> float:
    """Expected gains from trade of the strategies tabulated (sellers of cost g(p) trade with buyers of value at
    least h(p)): the Stieltjes integral over p of E_B[(v - g) 1{v >= h}] dF_S(g(p)), by the trapezoid rule in
    F_S(g) on the table (each step's probability from the seller's cdf, so a density infinite where g reaches an
    end of the support costs nothing: the density times g' there is inf times 0), the inner expectation through
    the buyer's sf; for comparing members of a family (welfare reported is lib.double_auction.outcomes)."""
    p, h, g, dh, dg = tables
    v, w = np.polynomial.legendre.leggauss(24)
    lo, hi = h[:, None], sh.v_hi
    nodes = 0.5 * (lo + hi) + 0.5 * (hi - lo) * v[None, :]
    # E_B[(v - g) 1{v >= h}] = (h - g)(1 - F_B(h)) + int_h^v_hi (1 - F_B): by parts, so the quadrature meets the
    # bounded sf rather than a density that may be infinite at v_hi (Beta(1, 0.9) on [0, 2]: 2.8e-4 of the
    # efficiency with the density's 24 nodes)
    inner = (h - g) * buyer.sf(h) + np.sum(0.5 * (hi - lo) * w[None, :] * buyer.sf(nodes), axis=1)
    mass = np.diff(seller.cdf(g))
    return float(np.sum(0.5 * (inner[1:] + inner[:-1]) * mass))


def _flat_top(sh: _Shooting, buyer, seller, rtol: float, start: float, first: float | None = None) -> BNEResult:
    """The regular equilibria with a flat top form a one-parameter family in sigma = g'(p_lo) (module docstring).
    Return the member with sigma = 1 + (1 - k) R, which for uniform priors is the linear equilibrium (the slope of
    the Chatterjee-Samuelson ask); list the efficiency of the members at sigma / 10, sigma and 10 sigma (gains by
    quadrature along the solution over ``first``, lib.double_auction.first_best_gains of the priors by default;
    the mirrored game of a flat bottom passes that of the original priors)."""
    from lib.double_auction import first_best_gains

    sigma = 1 + sh.a_hi
    first = first_best_gains(buyer, seller) if first is None else first
    members, chosen = [], None
    for s_ in (0.1 * sigma, sigma, 10 * sigma):
        sol, p_hi = _rise(sh, s_, rtol, dense=True)
        if sol is None:
            continue
        tables = _flat_top_tables(sh, sol, p_hi)
        members.append(RegularMember(end_slopes=(1 + sh.a_lo, s_, float(tables[3][-1]), float(tables[4][-1])),
                                     efficiency=_gains(sh, tables, buyer, seller) / first, buyer_surplus=math.nan,
                                     seller_surplus=math.nan))
        if s_ == sigma:
            chosen = (tables, p_hi)
    why = f"g'(p_lo) = 1 + (1 - k) R = {sigma:.6g} (the linear equilibrium for uniform priors)"
    chosen_sigma = sigma
    if chosen is None:  # that member does not exist: the most efficient of those that do
        found = _flat_top_nearest(sh, buyer, seller, sigma, rtol, first)
        if found is None:
            raise NoRegularEquilibrium(
                f"no regular equilibrium with a flat top at g'(p_lo) in [{sigma * 1e-3:.4g}, {sigma * 1e3:.4g}] (from "
                f"1 + (1 - k) R = {sigma:.6g}, 8 per decade): the buyer's inverse strategy reaches the highest value "
                f"before the seller's reaches the highest cost, or the trajectory leaves h > p > g")
        chosen_sigma, tables, p_hi, eff, (lo_s, hi_s) = found
        chosen = (tables, p_hi)
        members.append(RegularMember(end_slopes=(1 + sh.a_lo, chosen_sigma, float(tables[3][-1]),
                                                 float(tables[4][-1])), efficiency=eff, buyer_surplus=math.nan,
                                     seller_surplus=math.nan))
        why = (f"g'(p_lo) = 1 + (1 - k) R = {sigma:.6g} gives no member (the buyer's inverse strategy reaches the "
               f"highest value first); returned: the member nearest to it, g'(p_lo) = {chosen_sigma:.6g}, at the "
               f"edge (to a factor 1.001, by bisection) of the slopes with members (on the grid 8 per decade over "
               f"[{sigma * 1e-3:.4g}, {sigma * 1e3:.4g}]: g'(p_lo) from {lo_s:.4g} to {hi_s:.4g}, with gaps)")
    tables, p_hi = chosen
    p, h, g, dh, dg = tables
    if not (np.all(np.diff(h) > 0) and np.all(np.diff(g) > 0) and np.all(dh > 0) and np.all(dg > 0)):
        raise ConvergenceError("the flat-top equilibrium's inverse strategies are not increasing")
    effs = ", ".join(f"{m.efficiency:.6f} at g'(p_lo) = {m.end_slopes[1]:.4g}" for m in members)
    return BNEResult(
        k=sh.k, price_range=(sh.p_lo, p_hi), buyer_range=(sh.p_lo, float(h[-1])), seller_range=(sh.c_lo, sh.c_hi),
        end_slopes=(1 + sh.a_lo, chosen_sigma, float(dh[-1]), float(dg[-1])), residual=0.0, ode_residual=0.0,
        other_end_slopes=(), iterations=sh.calls,
        method=(f"one-sided shooting from p_lo (DOP853, rtol {rtol:g}) until the seller's inverse strategy reaches the "
                f"highest cost"),
        seconds=time.perf_counter() - start,
        member=f"regular at p_lo, flat top: buyers above v = {h[-1]:.6g} bid p_hi = {p_hi:.6g}",
        selection=f"{why} in the one-parameter family of flat-top regular equilibria (efficiency {effs})",
        equilibria=tuple(members),
        _tables=tables, _priors=(buyer, seller), _supports=((sh.v_lo, sh.v_hi), (sh.c_lo, sh.c_hi)))


def _flat_top_nearest(sh: _Shooting, buyer, seller, sigma: float, rtol: float, first: float):
    """The flat-top member whose g'(p_lo) is nearest to sigma in log among those that exist: the grid
    g'(p_lo) = sigma 10^(j/8), j = -24..24, then bisection in log g'(p_lo) between the nearest point with a member
    and its neighbour towards sigma (without one) down to a factor 1.001. Returns (slope, tables, p_hi, efficiency by
    quadrature along the solution, (smallest, largest) slope on the grid with a member), or None if none exists."""
    logs = math.log(sigma) + math.log(10.0) * np.arange(-24, 25) / 8

    def member(z, rtol_=1e-9):
        sol, p_hi = _rise(sh, math.exp(z), rtol_, dense=True)
        if sol is None:
            return None
        tables = _flat_top_tables(sh, sol, p_hi)
        p, h, g, dh, dg = tables
        if not (np.all(np.diff(h) > 0) and np.all(np.diff(g) > 0) and np.all(dh > 0) and np.all(dg > 0)):
            return None
        return tables, p_hi

    ok = [i for i, z in enumerate(logs) if member(float(z)) is not None]
    if not ok:
        return None
    i = min(ok, key=lambda j: (abs(j - 24), j))  # nearest to sigma (index 24); ties: the smaller slope
    inside, outside = float(logs[i]), float(logs[i + 1] if i < 24 else logs[i - 1])
    while abs(outside - inside) > math.log(1.001):
        mid = 0.5 * (inside + outside)
        if member(mid) is not None:
            inside = mid
        else:
            outside = mid
    final = member(inside, rtol)
    if final is None:  # pragma: no cover - the loose solution existed
        return None
    tables, p_hi = final
    return (math.exp(inside), tables, p_hi, _gains(sh, tables, buyer, seller) / first,
            (math.exp(logs[ok[0]]), math.exp(logs[ok[-1]])))


class _Mirror:
    """The law of -X for a frozen distribution X: cdf(x) = sf_X(-x), sf(x) = cdf_X(-x), pdf(x) = pdf_X(-x) and
    support (-hi, -lo); the scalar-fast functions of :class:`_Fast` for floats, scipy's own (exact at the ends of
    the support) for arrays. Only what the solver uses of a prior (not a scipy distribution: welfare and the
    certificate are computed on the original priors)."""

    def __init__(self, dist):
        self.vec, self.fast = dist, _Fast(dist)
        lo, hi = (float(x) for x in dist.support())
        self._support = (-hi, -lo)

    def support(self):
        return self._support

    def _call(self, name, x):
        if np.ndim(x) == 0:
            return getattr(self.fast, name)(-float(x))
        return getattr(self.vec, name)(-np.asarray(x, dtype=float))

    def cdf(self, x):
        return self._call("sf", x)

    def sf(self, x):
        return self._call("cdf", x)

    def pdf(self, x):
        return self._call("pdf", x)


def _mirror_slopes(slopes: tuple) -> tuple:
    """End slopes (h'(p_lo), g'(p_lo), h'(p_hi), g'(p_hi)) of an equilibrium from those of its mirror image: the
    mirror's seller at its top is the buyer at the bottom, etc. (h(p) = -g_m(-p), g(p) = -h_m(-p))."""
    return tuple(slopes[::-1])


def _unmirror(r: BNEResult, buyer, seller, k: float, sup_b, sup_s) -> dict:
    """The fields of an equilibrium of the original game from the solution r of its mirror image (buyer' = -c,
    seller' = -v, k' = 1 - k, bid' = -ask, ask' = -bid): prices, types and the tables negated and reversed, the
    buyer's inverse strategy from the mirror's seller's and conversely."""
    p, h, g, dh, dg = r._tables
    tables = (-p[::-1], -g[::-1], -h[::-1], dg[::-1].copy(), dh[::-1].copy())
    members = tuple(replace(m, end_slopes=_mirror_slopes(m.end_slopes), buyer_surplus=m.seller_surplus,
                            seller_surplus=m.buyer_surplus) for m in r.equilibria)
    return dict(k=k, price_range=(-r.price_range[1], -r.price_range[0]),
                buyer_range=(-r.seller_range[1], -r.seller_range[0]),
                seller_range=(-r.buyer_range[1], -r.buyer_range[0]), end_slopes=_mirror_slopes(r.end_slopes),
                residual=r.residual, ode_residual=r.ode_residual,
                other_end_slopes=tuple((b, a) for a, b in r.other_end_slopes), iterations=r.iterations,
                equilibria=members, _tables=tables, _priors=(buyer, seller), _supports=(sup_b, sup_s))


def _flat_bottom(buyer, seller, k: float, sup_b, sup_s, rtol: float, start: float) -> BNEResult:
    """A flat bottom (the end condition at the bottom has no root: costs start below every value) by the mirror
    x -> -x: the game with buyer' = law of -c, seller' = law of -v and k' = 1 - k (price' = -price) has a flat top,
    solved by :func:`_flat_top`, whose member g'_m(p'_lo) = 1 + (1 - k') R' is, mapped back,
    h'(p_hi) = 1 + k L (L the seller's end ratio at c_lo); its strategies are mapped back (bid(v) = -ask'(-v),
    ask(c) = -bid'(-c))."""
    from lib.double_auction import first_best_gains

    (v_lo, v_hi), (c_lo, c_hi) = sup_b, sup_s
    mb, ms = _Mirror(seller), _Mirror(buyer)
    msup_b, msup_s = (-c_hi, -c_lo), (-v_hi, -v_lo)
    Bm, Sm, rho_bm, rho_sm = _end_ratios(mb, ms, msup_b, msup_s)
    p_lo_m, p_hi_m = _end_prices(Bm, Sm, rho_bm, rho_sm, msup_b, msup_s, 1 - k)
    if p_lo_m is None or p_hi_m is not None:  # pragma: no cover - the mirror of a flat bottom is a flat top
        raise ConvergenceError("the mirror image of a flat bottom is not a flat top (end conditions disagree)")
    top_m = msup_s[1] if msup_s[1] > p_lo_m else msup_b[1]  # a width for the start (p_hi is found)
    sh = _Shooting(Bm, Sm, rho_bm, rho_sm, msup_b, msup_s, 1 - k, p_lo_m, top_m)
    r = _flat_top(sh, mb, ms, rtol, start, first=first_best_gains(buyer, seller))
    fields = _unmirror(r, buyer, seller, k, sup_b, sup_s)
    tau = fields["end_slopes"][2]
    g_lo, p_lo = fields["seller_range"][0], fields["price_range"][0]
    effs = ", ".join(f"{m.efficiency:.6f} at h'(p_hi) = {m.end_slopes[2]:.4g}" for m in fields["equilibria"])
    return BNEResult(
        **fields, seconds=time.perf_counter() - start,
        method=(f"by the mirror x -> -x (buyer' = -c, seller' = -v, k' = 1 - k): one-sided shooting from p_hi "
                f"(DOP853, rtol {rtol:g}) until the buyer's inverse strategy reaches the lowest value"),
        member=f"regular at p_hi, flat bottom: sellers below c = {g_lo:.6g} ask p_lo = {p_lo:.6g}",
        selection=(f"h'(p_hi) = 1 + k L = {tau:.6g} (the linear equilibrium for uniform priors) in the one-parameter "
                   f"family of flat-bottom regular equilibria (efficiency {effs})"))


def _both_flat(buyer, seller, k: float, sup_b, sup_s, rtol: float, tol: float, start: float) -> BNEResult:
    """Both ends flat (neither end condition has a root: c_lo < v_lo and c_hi < v_hi, e.g. shifted supports).

    The lowest value bids p_lo, h(p_lo) = v_lo, while the sellers of cost up to g_0 = g(p_lo) > c_lo ask p_lo (a flat
    bottom); the highest cost asks p_hi, g(p_hi) = c_hi, while the buyers from h(p_hi) < v_hi up bid p_hi (a flat
    top). Both ends are regular points of the equations, so the smooth equilibria form a two-parameter family,
    (p_lo, g_0). The member returned has the two end slopes the regular class has at its singular ends,

        h'(p_lo) = (1 - k) / (f_B(v_lo) (p_lo - g_0)) = 1 + k L,    g'(p_hi) = k / (f_S(c_hi) (h(p_hi) - p_hi)) = 1 + (1 - k) R,

    (the linear equilibrium for uniform priors; the selection is unchanged by the mirror x -> -x). The first fixes
    g_0 = p_lo - (1 - k) / ((1 + k L) f_B(v_lo)); p_lo is the root of the second, found by brentq after a scan of
    p_lo in (c_lo + (p_lo - g_0), v_lo), each trial integrating the equations in g (g' > 0) from g_0 to c_hi:
    dp/dg = f_S(g)(h - p) / (k F_S(g)), dh/dg = (1 - k)(1 - F_B(h)) f_S(g)(h - p) / (k F_S(g) f_B(h)(p - g)).
    Needs f_B(v_lo) > 0 and f_S(c_hi) > 0 (otherwise the end slopes are infinite for every member)."""
    (v_lo, v_hi), (c_lo, c_hi) = sup_b, sup_s
    _, _, rho_b, rho_s = _end_ratios(buyer, seller, sup_b, sup_s)
    Bf, Sf = _Fast(buyer), _Fast(seller)
    L, R = rho_s.limit, rho_b.limit
    f_lo, f_hi = float(Bf.pdf(v_lo)), float(Sf.pdf(c_hi))
    if not (math.isfinite(f_lo) and f_lo > 0 and math.isfinite(f_hi) and f_hi > 0):
        raise NoRegularEquilibrium(
            f"both ends are flat (costs start below the values and end below them) and the buyer's density at v_lo "
            f"({f_lo:.3g}) or the seller's at c_hi ({f_hi:.3g}) is not positive and finite: the end slopes are then "
            f"infinite for every member and this solver's selection (h'(p_lo) = 1 + k L, g'(p_hi) = 1 + (1 - k) R) "
            f"does not exist; this case is not covered")
    gap = (1 - k) / ((1 + k * L) * f_lo)  # p_lo - g_0
    target = k / ((1 + (1 - k) * R) * f_hi)  # h(p_hi) - p_hi at the selected member
    lo, hi = c_lo + gap, min(v_lo, c_hi + gap)  # c_lo < g_0 < c_hi, p_lo < v_lo
    if not lo < hi:
        raise NoRegularEquilibrium(
            f"both ends are flat and no member has h'(p_lo) = 1 + k L: it needs p_lo - g(p_lo) = {gap:.6g}, more "
            f"than v_lo - c_lo = {v_lo - c_lo:.6g}; this case is not covered")
    calls = [0]

    def rhs(g, y):
        p, h = y.tolist() if type(y) is np.ndarray else y
        if not (h > p > g and h < v_hi):
            return [0.0, 0.0]
        dp = Sf.pdf(g) * (h - p) / (k * Sf.cdf(g))
        return [dp, (1 - k) * Bf.sf(h) / (Bf.pdf(h) * (p - g)) * dp]

    def run(p_lo, rtol_, dense=False):
        calls[0] += 1
        g0 = p_lo - gap
        with np.errstate(all="ignore"):
            if dense:
                sol = solve_ivp(rhs, (g0, c_hi), [p_lo, v_lo], method="DOP853", rtol=rtol_, atol=rtol_ * 1e-3,
                                dense_output=True)
                (p, h), ok = sol.y[:, -1], sol.status == 0
            else:
                sol, (p, h), ok = None, *_dop853(rhs, g0, c_hi, [p_lo, v_lo], rtol_, rtol_ * 1e-3)
        if not (ok and h > p > c_hi and h < v_hi):
            return math.nan, sol
        return (h - p) / target - 1, sol

    grid = lo + (hi - lo) * np.linspace(0, 1, 65)[1:-1]
    vals = np.array([run(float(x), 1e-8)[0] for x in grid])
    roots: list = []
    f = lambda x: run(x, rtol)[0]  # noqa: E731
    for i in range(grid.size - 1):
        if not (np.isfinite(vals[i]) and np.isfinite(vals[i + 1]) and vals[i] * vals[i + 1] <= 0):
            continue
        for a, b in ((i, i + 1), (i - 1, i + 1), (i, i + 2)):  # a root on a grid point: widen the bracket
            if not (0 <= a and b < grid.size):
                continue
            x, y = float(grid[a]), float(grid[b])
            fx, fy = f(x), f(y)
            if np.isfinite(fx) and np.isfinite(fy) and fx * fy <= 0:
                try:
                    root = optimize.brentq(f, x, y, xtol=1e-15, rtol=1e-15)
                except ValueError:  # a trial inside the bracket left h > p > g: no member located there
                    break
                if not any(abs(root - r) < 1e-9 * (hi - lo) for r in roots):
                    roots.append(root)
                break
    if not roots:
        finite = vals[np.isfinite(vals)]
        raise NoRegularEquilibrium(
            f"both ends are flat and no member with h'(p_lo) = 1 + k L has g'(p_hi) = 1 + (1 - k) R: over p_lo in "
            f"({lo:.6g}, {hi:.6g}) the relative miss of g'(p_hi) ranges over "
            f"[{finite.min() if finite.size else math.nan:.3g}, {finite.max() if finite.size else math.nan:.3g}] "
            f"({int(np.sum(~np.isfinite(vals)))} of {vals.size} trials leave h > p > g or reach v_hi first); "
            f"this case is not covered")
    results = []
    for p_lo in roots:
        miss, sol = run(p_lo, rtol, dense=True)
        if not abs(miss) < max(tol, 1e3 * rtol):
            continue
        g0 = p_lo - gap
        gg = np.linspace(g0, c_hi, 4001)
        p, h = sol.sol(gg)
        p[0], h[0], gg[-1] = p_lo, v_lo, c_hi
        with np.errstate(all="ignore"):  # scalar cdf and pdf: exact at the ends of the supports (g = c_hi)
            dh = np.array([(1 - k) * Bf.sf(x) / (Bf.pdf(x) * (y - z)) for x, y, z in zip(h, p, gg)])
            dg = np.array([k * Sf.cdf(z) / (Sf.pdf(z) * (x - y)) for x, y, z in zip(h, p, gg)])
        if not (np.all(np.diff(p) > 0) and np.all(np.diff(h) > 0) and np.all(dh > 0) and np.all(dg > 0)
                and np.all(h > p) and np.all(p > gg)):
            continue
        # independent check of the equations: central differences of the dense output against the right-hand side
        inner = np.linspace(g0, c_hi, 203)[1:-1]
        d = 1e-4 * (c_hi - g0)
        deriv = (sol.sol(inner + d) - sol.sol(inner - d)) / (2 * d)
        f = np.array([rhs(x, sol.sol(x)) for x in inner]).T
        ode_residual = float(np.max(np.abs(deriv - f) / np.maximum(1, np.abs(f))))
        tables = (p, h, gg, dh, dg)
        r = BNEResult(
            k=k, price_range=(p_lo, float(p[-1])), buyer_range=(v_lo, float(h[-1])), seller_range=(g0, c_hi),
            end_slopes=(float(dh[0]), float(dg[0]), float(dh[-1]), float(dg[-1])), residual=abs(miss),
            ode_residual=ode_residual, other_end_slopes=(), iterations=calls[0], method="", seconds=0.0,
            _tables=tables, _priors=(buyer, seller), _supports=(sup_b, sup_s))
        results.append(r)
    if not results:
        raise ConvergenceError(f"both ends flat: members located at p_lo = {roots} did not converge to tol = {tol:g} "
                               f"or had strategies that are not increasing")
    welfare = [r.outcomes() for r in results]
    members = [RegularMember(end_slopes=r.end_slopes, efficiency=w.efficiency, buyer_surplus=w.buyer_surplus,
                             seller_surplus=w.seller_surplus) for r, w in zip(results, welfare)]
    index, why = _pareto(members)
    chosen = results[index]
    p_lo, p_hi = chosen.price_range
    return replace(
        chosen, equilibria=tuple(members), seconds=time.perf_counter() - start, iterations=calls[0],
        other_end_slopes=tuple((r.end_slopes[1], r.end_slopes[2]) for i, r in enumerate(results) if i != index),
        method=(f"both ends regular points: shooting in g from g(p_lo) to c_hi (DOP853, rtol {rtol:g}), p_lo by a "
                f"scan of {grid.size} trials and brentq on g'(p_hi)"),
        member=(f"flat bottom and flat top: sellers below c = {chosen.seller_range[0]:.6g} ask p_lo = {p_lo:.6g}, "
                f"buyers above v = {chosen.buyer_range[1]:.6g} bid p_hi = {p_hi:.6g}"),
        selection=(f"h'(p_lo) = 1 + k L = {1 + k * L:.6g} and g'(p_hi) = 1 + (1 - k) R = {1 + (1 - k) * R:.6g}, the "
                   f"end slopes of the regular class (the linear equilibrium for uniform priors), in the two-parameter "
                   f"family (p_lo, g(p_lo)) of equilibria with both ends flat; {why}"))


# ---------------------------------------------------------------------------------------------------------------
# The smooth family: equilibria selected by the ends of their trading range (Satterthwaite and Williams 1989)

_EXPONENT_RANGE = (0.25, 4.0)  # supported lambda and mu (the start 1e-9^(1/lambda) of the range inside the end)


@dataclass(frozen=True)
class FamilyMember:
    """A smooth equilibrium selected by the ends (p_lo, p_hi) of its trading range. Near the ends
    g - c_lo ~ A (p - p_lo)^lambda and v_hi - h ~ B (p_hi - p)^mu: ``exponents`` = (lambda, mu), ``amplitudes`` =
    (A, B); lambda = mu = 1 is the regular class. Welfare by lib.double_auction.outcomes; ``equilibrium`` holds the
    strategies (``bid``, ``ask``, ``best_response_gap()``)."""

    price_range: tuple
    exponents: tuple
    amplitudes: tuple
    efficiency: float
    buyer_surplus: float
    seller_surplus: float
    equilibrium: BNEResult = field(repr=False)


@dataclass(frozen=True)
class SmoothFamily:
    """Members of the smooth family at given ends: every member found at every pair (p_lo, p_hi) (``members``), the
    pairs where none was found (``empty``), and the member with the largest gains from trade among them (``best``,
    None if ``members`` is empty): the best of those evaluated, not refined between them."""

    k: float
    ends: tuple
    members: tuple
    empty: tuple
    best: FamilyMember | None


def _family_setup(buyer, seller, k, rtol, tol):
    sup_b, sup_s, k, _ = _validate(buyer, seller, k, rtol, tol)
    if k in (0.0, 1.0):
        raise ValueError(f"k must be in [{_K_RANGE[0]:g}, {_K_RANGE[1]:g}] for the smooth family (at k = 0 or 1 one "
                         f"side is truthful and the equilibrium in undominated strategies is unique: "
                         f"solve_double_auction); got {k!r}")
    return sup_b, sup_s, k, _end_ratios(buyer, seller, sup_b, sup_s)


def _end_exponents(B, S, rho_b, rho_s, sup_b, sup_s, k, p_lo, p_hi):
    """h'(p_lo) and g'(p_hi) from the equations at the ends (h(p_lo) = p_lo, g(p_lo) = c_lo; h(p_hi) = v_hi,
    g(p_hi) = p_hi) and the exponents lambda = k L / (h'(p_lo) - 1), mu = (1 - k) R / (g'(p_hi) - 1) (inf where the
    slope is at most 1: no member with these ends)."""
    (v_lo, v_hi), (c_lo, c_hi) = sup_b, sup_s
    h1 = float((1 - k) * B.sf(p_lo) / (B.pdf(p_lo) * (p_lo - c_lo)))
    g1 = float(k * S.cdf(p_hi) / (S.pdf(p_hi) * (v_hi - p_hi)))
    lam = k * rho_s.limit / (h1 - 1) if h1 > 1 else math.inf
    mu = (1 - k) * rho_b.limit / (g1 - 1) if g1 > 1 else math.inf
    return h1, g1, lam, mu


def family_range(buyer, seller, k: float = 0.5) -> tuple:
    """((lo, hi) for p_lo, (lo, hi) for p_hi): the ends at which the exponents lambda and mu of the smooth family
    lie in the supported range [1/4, 4] (the longest such interval on a grid of 2049 prices of the overlap of the
    supports, its ends refined by brentq). ValueError as :func:`smooth_equilibria`, or if there is no such end."""
    sup_b, sup_s, k, (B, S, rho_b, rho_s) = _family_setup(buyer, seller, k, 1e-11, 1e-10)
    (v_lo, v_hi), (c_lo, c_hi) = sup_b, sup_s
    a, b = max(v_lo, c_lo), min(v_hi, c_hi)
    grid = np.linspace(a, b, 2049)[1:-1]
    lo_exp = lambda p: _end_exponents(B, S, rho_b, rho_s, sup_b, sup_s, k, p, 0.5 * (p + b))[2]  # noqa: E731
    hi_exp = lambda p: _end_exponents(B, S, rho_b, rho_s, sup_b, sup_s, k, 0.5 * (a + p), p)[3]  # noqa: E731
    out = []
    for name, exp in (("p_lo", lo_exp), ("p_hi", hi_exp)):
        with np.errstate(all="ignore"):
            vals = np.array([exp(float(p)) for p in grid])
        ok = (vals >= _EXPONENT_RANGE[0]) & (vals <= _EXPONENT_RANGE[1])
        if not ok.any():
            raise ValueError(f"no {name} gives an exponent in [{_EXPONENT_RANGE[0]:g}, {_EXPONENT_RANGE[1]:g}]")
        runs = np.split(np.arange(grid.size), np.flatnonzero(np.diff(ok.astype(int))) + 1)
        run = max((r for r in runs if ok[r[0]]), key=len)
        ends = []
        for i, j in ((run[0], run[0] - 1), (run[-1], run[-1] + 1)):
            if not 0 <= j < grid.size:
                ends.append(float(grid[i]))
                continue
            target = _EXPONENT_RANGE[0] if min(vals[i], vals[j]) < _EXPONENT_RANGE[0] <= max(vals[i], vals[j]) \
                else _EXPONENT_RANGE[1]
            f = lambda p: exp(p) - target  # noqa: E731
            x, y = sorted((float(grid[i]), float(grid[j])))
            root = optimize.brentq(f, x, y, xtol=1e-14) if np.isfinite(f(x)) and np.isfinite(f(y)) \
                and f(x) * f(y) < 0 else float(grid[i])
            ends.append(root + 1e-9 * (float(grid[i]) - root))  # just inside the range
        out.append((ends[0], ends[1]))
    return out[0], out[1]


def smooth_equilibria(buyer, seller, k: float, p_lo, p_hi, *, rtol: float = 1e-11, tol: float = 1e-10) -> tuple:
    """Every smooth equilibrium found whose trading range is [p_lo, p_hi], best first (largest gains from trade).

    For 0 < k < 1 the smooth equilibria form a family with two parameters, the ends of the trading range
    (Satterthwaite and Williams 1989): at p_lo the equations give h'(p_lo) = (1 - k)(1 - F_B(p_lo)) /
    (f_B(p_lo)(p_lo - c_lo)), and g - c_lo ~ A (p - p_lo)^lambda with lambda = k L / (h'(p_lo) - 1) and A free;
    at p_hi, g'(p_hi) = k F_S(p_hi) / (f_S(p_hi)(v_hi - p_hi)) and v_hi - h ~ B (p_hi - p)^mu,
    mu = (1 - k) R / (g'(p_hi) - 1). The amplitudes (A, B) are found as the regular class's end slopes are (module
    docstring: the same shooting from both ends, scan and Newton); the regular members are those at the ends where
    lambda = mu = 1 (listed with their welfare by :func:`solve_double_auction`). Each member returned has reached the
    mismatch ``tol`` and increasing strategies; its welfare is lib.double_auction.outcomes.

    Returns a tuple of :class:`FamilyMember` (empty if the scan finds none). ValueError for bad input (as
    :func:`solve_double_auction`; k in [0.01, 0.99]), for p_lo, p_hi outside the overlap of the supports or not
    p_lo < p_hi, or for ends whose exponents lambda, mu are not in [1/4, 4] (:func:`family_range` gives the ends
    that are).
    """
    start = time.perf_counter()
    sup_b, sup_s, k, (B, S, rho_b, rho_s) = _family_setup(buyer, seller, k, rtol, tol)
    (v_lo, v_hi), (c_lo, c_hi) = sup_b, sup_s
    a, b = max(v_lo, c_lo), min(v_hi, c_hi)
    p_lo = real(p_lo, "p_lo", lo=a, hi=b, lo_open=True, hi_open=True)
    p_hi = real(p_hi, "p_hi", lo=p_lo, hi=b, lo_open=True, hi_open=True)
    h1, g1, lam, mu = _end_exponents(B, S, rho_b, rho_s, sup_b, sup_s, k, p_lo, p_hi)
    lo_e, hi_e = _EXPONENT_RANGE
    for name, value, x in (("p_lo", lam, p_lo), ("p_hi", mu, p_hi)):
        if not lo_e <= value <= hi_e:
            raise ValueError(f"{name} = {x!r} gives the exponent {'lambda' if name == 'p_lo' else 'mu'} = {value:.4g} "
                             f"at that end; supported: [{lo_e:g}, {hi_e:g}] (lib.bne.family_range(buyer, seller, k) "
                             f"gives the ends that qualify)")
    sh = _Shooting(B, S, rho_b, rho_s, sup_b, sup_s, k, p_lo, p_hi, end_slopes=(h1, g1))
    roots, jacobians, _, span = _regular_roots(sh)
    members = []
    for z, J in zip(roots, jacobians):
        found = _member(sh, z, J, rtol, tol)
        if found is None:
            continue
        z, residual, tables, ode_res = found
        dh, dg = tables[3], tables[4]
        r = BNEResult(
            k=k, price_range=(p_lo, p_hi), buyer_range=(p_lo, v_hi), seller_range=(c_lo, p_hi),
            end_slopes=(float(dh[0]), float(dg[0]), float(dh[-1]), float(dg[-1])), residual=residual,
            ode_residual=ode_res, other_end_slopes=(), iterations=sh.calls,
            method=(f"two-sided shooting from both ends (DOP853, rtol {rtol:g}); amplitudes by a scan over "
                    f"[{span[0]:g}, {span[1]:g}] and Newton"),
            seconds=time.perf_counter() - start,
            member=f"smooth family: p_lo = {p_lo:.6g}, p_hi = {p_hi:.6g}, lambda = {lam:.4g}, mu = {mu:.4g}",
            selection="selected by the ends of its trading range", equilibria=(),
            _tables=tables, _priors=(buyer, seller), _supports=(sup_b, sup_s))
        w = r.outcomes()
        members.append(FamilyMember(price_range=(p_lo, p_hi), exponents=(lam, mu),
                                    amplitudes=(float(math.exp(z[0])), float(math.exp(z[1]))),
                                    efficiency=w.efficiency, buyer_surplus=w.buyer_surplus,
                                    seller_surplus=w.seller_surplus, equilibrium=r))
    return tuple(sorted(members, key=lambda m: -m.efficiency))


def smooth_family(buyer, seller, k: float, ends, *, rtol: float = 1e-9, tol: float = 1e-7) -> SmoothFamily:
    """:func:`smooth_equilibria` at every pair (p_lo, p_hi) of ``ends`` (e.g. ``itertools.product`` of two grids,
    pairs with p_lo >= p_hi skipped), at the looser ``rtol`` and ``tol`` by default (welfare to about 1e-7), and the
    member with the largest gains among all found. ValueError as :func:`smooth_equilibria` (every pair must be
    admissible), or if ``ends`` is not a non-empty sequence of pairs of numbers."""
    try:
        pairs = [tuple(pair) for pair in ends]
    except TypeError:
        pairs = None
    if not pairs or any(len(pair) != 2 for pair in pairs):
        raise ValueError(f"ends must be a non-empty sequence of pairs (p_lo, p_hi); got {ends!r:.80}")
    pairs = [(real(a, "p_lo"), real(b, "p_hi")) for a, b in pairs]
    members, empty, evaluated = [], [], []
    for p_lo, p_hi in pairs:
        if not p_lo < p_hi:
            continue
        found = smooth_equilibria(buyer, seller, k, p_lo, p_hi, rtol=rtol, tol=tol)
        evaluated.append((p_lo, p_hi))
        members.extend(found)
        if not found:
            empty.append((p_lo, p_hi))
    best = max(members, key=lambda m: m.efficiency) if members else None
    return SmoothFamily(k=real(k, "k", lo=0, hi=1), ends=tuple(evaluated), members=tuple(members),
                        empty=tuple(empty), best=best)


@dataclass(frozen=True)
class BestMember:
    """The smooth equilibrium with the largest gains from trade found by :func:`best_smooth_member`: ``best`` (a
    :class:`FamilyMember`; its ``equilibrium`` holds the strategies), ``start`` (the best member of the starting
    n x n grid of ends), ``evaluations`` (pairs of ends solved), ``converged`` (the local search ran and met its
    tolerance within ``max_evaluations``; False with max_evaluations = 0) and ``seconds``."""

    best: FamilyMember
    start: FamilyMember
    evaluations: int
    converged: bool
    seconds: float


def best_smooth_member(buyer, seller, k: float = 0.5, *, n: int = 5, max_evaluations: int = 80, xtol: float = 1e-6,
                       rtol: float = 1e-9, tol: float = 1e-7) -> BestMember:
    """The member of the smooth family with the largest expected gains from trade, by a search over its ends.

    The smooth equilibria form a family with two parameters, the ends (p_lo, p_hi) of the trading range
    (:func:`smooth_equilibria`). This evaluates the n x n grid of ends equally spaced strictly inside
    :func:`family_range`, then climbs from the best of them by Nelder-Mead over (p_lo, p_hi) (ends with no member,
    or outside the range, count as worse than any member), at most ``max_evaluations`` further pairs of ends; it stops
    earlier only when the simplex is ``xtol`` wide in prices and its efficiencies agree to 1e-12, which the solves'
    accuracy (about 1e-7 at the default tol) seldom allows, so most searches end on ``max_evaluations``
    (``converged`` False). It is a local search: ``best`` is the best member found, at least as good as
    the grid's (``start``); where the welfare is largest at the edge of the ends that carry members (e.g. where the
    family folds), the search stops next to it. Every pair of ends costs one :func:`smooth_equilibria` (about 0.2 s
    of one core), so the whole search is bounded by (n^2 + max_evaluations + 3) of them. Certify the answer with
    ``best.equilibrium.best_response_gap()``; compare it with ``lib.mechanism.second_best`` (an upper bound).

    ValueError for bad input (as :func:`smooth_equilibria`), for n not a whole number in [1, 10], max_evaluations
    not in [0, 1000], xtol not in (0, 0.1], or if no member is found on the starting grid.
    """
    start_time = time.perf_counter()
    for name, value, lo, hi in (("n", n, 1, 10), ("max_evaluations", max_evaluations, 0, 1000)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
            raise ValueError(f"{name} must be a whole number in [{lo}, {hi}]; got {value!r}")
    xtol = real(xtol, "xtol", lo=0, hi=0.1, lo_open=True)
    (a, b), (c, d) = family_range(buyer, seller, k)
    solved = {}

    def member(x):
        lo, hi = float(x[0]), float(x[1])
        key = (lo, hi)
        if key not in solved:
            found = ()
            if a <= lo <= b and c <= hi <= d and lo < hi:
                found = smooth_equilibria(buyer, seller, k, lo, hi, rtol=rtol, tol=tol)
            solved[key] = found[0] if found else None
        return solved[key]

    def loss(x):
        m = member(x)
        return -m.efficiency if m is not None else math.inf

    grid = _inner_grid((a, b), (c, d), n)
    values = [loss(x) for x in grid]
    i = int(np.argmin(values))
    if not math.isfinite(values[i]):
        raise ValueError(f"no smooth member found on the {n} x {n} grid of ends inside {((a, b), (c, d))}")
    x0 = np.array(grid[i])
    converged = False
    if max_evaluations > 0:
        step = np.array([(b - a) / (n + 1), (d - c) / (n + 1)])
        simplex = np.array([x0, x0 + [step[0], 0.0], x0 + [0.0, step[1]]])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # Nelder-Mead's own non-finite values (no member)
            found = optimize.minimize(loss, x0, method="Nelder-Mead",
                                      options=dict(initial_simplex=simplex, maxfev=max_evaluations, xatol=xtol,
                                                   fatol=1e-12))
        converged = bool(found.success)
    best = min((m for m in solved.values() if m is not None), key=lambda m: -m.efficiency)
    return BestMember(best=best, start=member(x0), evaluations=len(solved), converged=converged,
                      seconds=time.perf_counter() - start_time)
