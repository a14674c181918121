"""Screening: the uninformed side moves first and offers a menu of contracts (chapter 4).

Monopoly screening (Mussa and Rosen 1978; Maskin and Riley 1984). A consumer of type theta > 0 buys quantity
(quality) q >= 0 for a transfer t and gets theta q - t; producing q costs q^2 / 2. The seller knows only the
distribution of theta and offers a menu {(q_i, t_i)}. By the revelation principle it chooses one contract per
type, subject to incentive compatibility (IC: no type prefers another's contract) and individual rationality
(IR: every type gets at least 0). With types theta_1 < ... < theta_n and probabilities f_i (F_i = f_1 + ... + f_i)
the local downward IC constraints and the lowest type's IR bind, so the rents are

    U_1 = 0,  U_{i+1} = U_i + (theta_{i+1} - theta_i) q_i,

and the expected profit is sum_i f_i (phi_i q_i - q_i^2 / 2) with the virtual types

    phi_i = theta_i - (theta_{i+1} - theta_i) (1 - F_i) / f_i   (phi_n = theta_n).

Maximising it over non-decreasing q >= 0 gives q = max(0, ironed phi), where the ironed virtual types are the
f-weighted isotonic (pool-adjacent-violators) regression of phi: where phi falls, adjacent types are pooled on one
contract at their f-weighted mean virtual type (the discrete form of Myerson's 1981 ironing). Types with q = 0
are excluded (t = 0). :func:`monopoly_menu` computes this exactly; :func:`monopoly_schedule` is the continuum
version for a prior F on [a, b], with the virtual valuation theta - (1 - F(theta)) / f(theta), ironed where it is
not increasing.

Competitive screening (Rothschild and Stiglitz 1976). A buyer with wealth W faces a loss d with probability p
(p_L < p_H; a share lambda of buyers is high risk) and buys coverage c in [0, d] for a premium pi, getting the
expected utility (1 - p) u(W - pi) + p u(W - pi - d + c). Competitive insurers make zero profit on each contract.
The only candidate equilibrium is separating: H fully insured at its fair premium p_H d, and L on its own
zero-profit line pi = p_L c where H is indifferent between its contract and L's. It exists if no contract on the
pooled zero-profit line pi = p_bar c, p_bar = lambda p_H + (1 - lambda) p_L, gives L strictly more than its
separating contract (:func:`rothschild_stiglitz`); since L's best pooled utility falls as lambda rises, it exists
exactly for lambda >= lambda* (:func:`rs_existence_threshold`).

Wilson–Miyazaki–Spence (Wilson 1977; Miyazaki 1977; Spence 1978). An insurer may cross-subsidise within its menu:
H gets full insurance at p_H d - s and L pays p_L c + r s, r = lambda / (1 - lambda), so the menu breaks even as a
whole; s >= 0 (H is never made worse off than at its fair full insurance, which a rival could offer). The allocation
maximises L's utility over s and c subject to H not envying L's contract (:func:`wilson_miyazaki_spence`); it is the
Rothschild–Stiglitz pair when no subsidy helps L, and for a small subsidy that is so exactly when lambda >= lambda_WMS.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import optimize

from lib.validation import InputTypeError, integer, real, support_of

__all__ = ["MonopolyMenu", "monopoly_menu", "MonopolySchedule", "monopoly_schedule", "RothschildStiglitz",
           "rothschild_stiglitz", "rs_existence_threshold", "WilsonMiyazakiSpence", "wilson_miyazaki_spence", "iron"]


# --------------------------------------------------------------------------------------------------------------
# Monopoly screening with finitely many types
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MonopolyMenu:
    """The profit-maximising menu for finitely many types, each field per type in the order of the input.

    ``quantities`` q_i, ``transfers`` t_i, ``rents`` U_i = theta_i q_i - t_i (information rents), ``virtual_types``
    phi_i and ``ironed_virtual_types`` (the f-weighted isotonic regression of phi); ``excluded`` marks q_i = 0;
    ``profit`` = sum_i f_i (t_i - q_i^2 / 2); ``first_best_profit`` = sum_i f_i theta_i^2 / 2 (full information:
    q_i = theta_i, no rent); ``ironed`` says whether any pooling of distinct virtual types was needed."""

    types: tuple[float, ...]
    probabilities: tuple[float, ...]
    quantities: tuple[float, ...]
    transfers: tuple[float, ...]
    rents: tuple[float, ...]
    virtual_types: tuple[float, ...]
    ironed_virtual_types: tuple[float, ...]
    excluded: tuple[bool, ...]
    profit: float
    first_best_profit: float
    ironed: bool


def _sequence(x, name: str) -> list:
    if isinstance(x, (str, bytes, dict, set)) or not hasattr(x, "__len__") or isinstance(x, numbers.Number):
        raise InputTypeError(f"{name} must be a sequence of real numbers; got {type(x).__name__} {x!r:.60}")
    values = list(np.asarray(x, dtype=object).ravel()) if isinstance(x, np.ndarray) else list(x)
    if np.ndim(np.asarray(x, dtype=object)) != 1:
        raise InputTypeError(f"{name} must be a one-dimensional sequence of real numbers")
    return values


def iron(values, weights) -> np.ndarray:
    """The weighted isotonic (non-decreasing) regression of ``values`` with positive ``weights``: the
    pool-adjacent-violators algorithm. Each block of pooled entries takes its weighted mean; the result minimises
    sum w_i (x_i - v_i)^2 over non-decreasing x."""
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    means, wsum, count = [], [], []
    for vi, wi in zip(v, w):
        means.append(vi), wsum.append(wi), count.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            m2, w2, c2 = means.pop(), wsum.pop(), count.pop()
            m1, w1, c1 = means.pop(), wsum.pop(), count.pop()
            wt = w1 + w2
            means.append((w1 * m1 + w2 * m2) / wt), wsum.append(wt), count.append(c1 + c2)
    return np.repeat(np.asarray(means, dtype=float), count)


def monopoly_menu(types, probabilities) -> MonopolyMenu:
    """The optimal screening menu of a monopolist (utility theta q - t, cost q^2 / 2) for finitely many types.

    ``types``: distinct positive reals, in any order; ``probabilities``: positive, one per type, summing to 1
    (within 1e-9). Bad input raises ``ValueError`` (or :class:`lib.validation.InputTypeError`, a ``TypeError``)
    naming the parameter. Exact for any number of types (see the module docstring): q = max(0, ironed phi),
    rents from the binding local downward IC constraints and the lowest participating type's IR.
    """
    raw_types = _sequence(types, "types")
    raw_probs = _sequence(probabilities, "probabilities")
    if len(raw_types) == 0:
        raise ValueError("types must contain at least one type; got an empty sequence")
    if len(raw_types) != len(raw_probs):
        raise ValueError(f"probabilities must have one entry per type: got {len(raw_probs)} probabilities for "
                         f"{len(raw_types)} types")
    theta = np.array([real(v, f"types[{i}]", lo=0, lo_open=True) for i, v in enumerate(raw_types)])
    f = np.array([real(v, f"probabilities[{i}]", lo=0, hi=1, lo_open=True) for i, v in enumerate(raw_probs)])
    if np.any(f < 1e-100):
        i = int(np.argmax(f < 1e-100))
        raise ValueError(f"probabilities must be at least 1e-100 (a smaller one makes its virtual type overflow); "
                         f"got probabilities[{i}]={f[i]!r}")
    scale = float(np.max(theta))
    if not scale < 1e154:
        raise ValueError(f"types must be below 1e154 (profit scales with their square, which would overflow); got "
                         f"a largest type of {scale!r}")
    if len(np.unique(theta)) != len(theta):
        raise ValueError(f"types must be distinct; got {tuple(theta.tolist())}")
    if abs(f.sum() - 1.0) > 1e-9:
        raise ValueError(f"probabilities must sum to 1 (within 1e-9); they sum to {f.sum()!r}")
    order = np.argsort(theta)
    th, fs = theta[order] / scale, f[order] / f.sum()  # solve for types scaled to (0, 1]: q scales with the
    # types, transfers and profit with their square
    upper = np.concatenate([np.cumsum(fs[::-1])[::-1][1:], [0.0]])  # 1 - F_i, summed from above (no cancellation)
    gaps = np.concatenate([np.diff(th), [0.0]])
    phi = th - gaps * upper / fs
    phi_bar = iron(phi, fs)
    q = np.maximum(phi_bar, 0.0)
    rents = np.concatenate([[0.0], np.cumsum(np.diff(th) * q[:-1])])
    t = th * q - rents
    profit = float(np.sum(fs * (t - q**2 / 2))) * scale**2
    first_best = float(np.sum(fs * th**2 / 2)) * scale**2
    ironed = bool(np.any(np.abs(phi_bar - phi) > 1e-12 * np.maximum(1.0, np.abs(phi))))
    phi, phi_bar, q, rents, t = phi * scale, phi_bar * scale, q * scale, rents * scale**2, t * scale**2
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))

    def back(a):
        return tuple(float(x) for x in np.asarray(a)[inverse])

    return MonopolyMenu(
        types=tuple(float(x) for x in theta), probabilities=tuple(float(x) for x in f),
        quantities=back(q), transfers=back(t), rents=back(rents), virtual_types=back(phi),
        ironed_virtual_types=back(phi_bar), excluded=tuple(bool(x) for x in (q == 0.0)[inverse]),
        profit=profit, first_best_profit=first_best, ironed=ironed)


# --------------------------------------------------------------------------------------------------------------
# A continuum of types
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MonopolySchedule:
    """The optimal nonlinear schedule for a continuum of types with prior F on [a, b], on a quantile grid.

    ``types`` are the quantile midpoints theta_k = F^{-1}((k + 1/2) / n), each with weight 1/n;
    ``virtual_valuations`` phi = theta - (1 - F) / f there; ``ironed_virtual_valuations`` their isotonic
    regression (equal weights: the convex hull of the integral of phi in the quantile, as in Myerson 1981);
    ``quantities`` q = max(0, ironed phi); ``rents`` U(theta) = integral of q from a to theta (trapezoid rule on
    the grid with a prepended); ``transfers`` theta q - U; ``profit`` the mean of t - q^2 / 2 over the grid;
    ``cutoff`` the lowest type served (b if none is); ``monotone`` whether phi is already non-decreasing
    on the grid (no ironing needed). The grid error of profit and rents is O(1/n)."""

    support: tuple[float, float]
    types: np.ndarray
    virtual_valuations: np.ndarray
    ironed_virtual_valuations: np.ndarray
    quantities: np.ndarray
    transfers: np.ndarray
    rents: np.ndarray
    profit: float
    cutoff: float
    monotone: bool

    def quantity(self, theta):
        """q at ``theta`` (array-like in the support), interpolated on the grid."""
        return np.interp(np.asarray(theta, dtype=float), self.types, self.quantities)


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=float).copy()
    a.setflags(write=False)
    return a


def monopoly_schedule(prior, n_grid: int = 4000) -> MonopolySchedule:
    """The optimal schedule for types drawn from ``prior``, a frozen continuous scipy.stats distribution with
    bounded support [a, b], a > 0 not required (a >= 0: the types are willingnesses to pay, negative ones are
    refused). ``n_grid`` (100 to 10**6) quantile points. ValueError if the density is zero or not finite at a grid
    point (a gap in the support), naming ``prior``."""
    lo, hi = support_of(prior, "prior")
    if lo < 0:
        raise ValueError(f"prior must have a support within [0, inf) (types are marginal valuations); "
                         f"got [{lo}, {hi}]")
    n = integer(n_grid, "n_grid", lo=100, hi=10**6)
    u = (np.arange(n) + 0.5) / n
    theta = np.asarray(prior.ppf(u), dtype=float)
    dens = np.asarray(prior.pdf(theta), dtype=float)
    if not (np.all(np.isfinite(theta)) and np.all(dens > 0) and not np.any(np.isnan(dens))):
        raise ValueError("prior must have a positive density at every quantile point of its support "
                         "(no gaps or atoms)")
    # an infinite density (at a support edge where the pdf has a pole, e.g. Beta(1, 0.2) at its top, whose
    # quantile rounds to the edge) makes (1 - F) / f vanish: phi = theta there, the limit
    with np.errstate(divide="ignore"):
        hazard_inv = np.where(np.isinf(dens), 0.0, (1.0 - u) / np.where(np.isinf(dens), 1.0, dens))
    phi = theta - hazard_inv
    phi_bar = iron(phi, np.ones(n))
    q = np.maximum(phi_bar, 0.0)
    grid = np.concatenate([[lo], theta])
    qq = np.concatenate([[q[0]], q])
    rents = np.concatenate([[0.0], np.cumsum(np.diff(grid) * (qq[1:] + qq[:-1]) / 2)])[1:]
    t = theta * q - rents
    served = np.nonzero(q > 0)[0]
    cutoff = float(theta[served[0]]) if served.size else float(hi)
    if served.size and served[0] == 0:
        cutoff = float(lo)
    return MonopolySchedule(support=(lo, hi), types=_frozen(theta), virtual_valuations=_frozen(phi),
                            ironed_virtual_valuations=_frozen(phi_bar), quantities=_frozen(q),
                            transfers=_frozen(t), rents=_frozen(rents), profit=float(np.mean(t - q**2 / 2)),
                            cutoff=cutoff, monotone=bool(np.all(np.diff(phi) >= 0)))


# --------------------------------------------------------------------------------------------------------------
# Rothschild–Stiglitz
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RothschildStiglitz:
    """The Rothschild–Stiglitz separating contracts and whether they form an equilibrium.

    Coverages c (insured amount, 0 to ``loss``) and premiums pi: H gets (loss, p_H loss); L gets
    (``low_coverage``, p_L ``low_coverage``) on H's indifference curve. ``high_utility``, ``low_utility``: their
    expected utilities. ``pooled_coverage``, ``pooled_premium``: L's best contract on the pooled zero-profit line
    pi = p_bar c, and ``pooled_utility_low`` L's utility there. ``exists``: no pooled contract gives L strictly
    more than its separating contract (pooled_utility_low <= low_utility)."""

    loss_prob_low: float
    loss_prob_high: float
    share_high: float
    wealth: float
    loss: float
    high_coverage: float
    high_premium: float
    low_coverage: float
    low_premium: float
    high_utility: float
    low_utility: float
    pooled_coverage: float
    pooled_premium: float
    pooled_utility_low: float
    exists: bool

    @property
    def pooled_loss_prob(self) -> float:
        """p_bar = lambda p_H + (1 - lambda) p_L."""
        return self.share_high * self.loss_prob_high + (1 - self.share_high) * self.loss_prob_low


def _vector_utility(utility: Callable) -> Callable:
    if not callable(utility):
        raise InputTypeError(f"utility must be a callable u(wealth); got {type(utility).__name__} {utility!r:.60}")

    def u(x):
        x = np.asarray(x, dtype=float)
        try:
            with np.errstate(all="ignore"):
                y = np.asarray(utility(x), dtype=float)
            if y.shape != x.shape:
                raise ValueError
        except Exception:  # a scalar-only function such as math.log
            y = np.asarray([float(utility(float(v))) for v in x.ravel()], dtype=float).reshape(x.shape)
        return y

    return u


def _check_utility(u: Callable, wealth: float, loss: float) -> None:
    grid = np.linspace(wealth - loss, wealth, 201)
    try:
        values = u(grid)
    except Exception as exc:  # noqa: BLE001 - any failure of the user's function is a bad argument
        raise ValueError(f"utility must be defined on [wealth - loss, wealth] = [{grid[0]}, {grid[-1]}]; "
                         f"calling it raised {type(exc).__name__}: {exc}") from None
    if not np.all(np.isfinite(values)):
        raise ValueError(f"utility must be finite on [wealth - loss, wealth] = [{grid[0]}, {grid[-1]}]")
    if not np.all(np.diff(values) > 0):
        raise ValueError("utility must be strictly increasing on [wealth - loss, wealth] (checked on a 201-point "
                         "grid)")
    second = np.diff(values, 2)
    if np.any(second > 0) and np.max(np.abs(second)) <= 64 * np.finfo(float).eps * np.max(np.abs(values)):
        # rounding noise (second differences of both signs, all at the level of rounding), not a convex utility
        raise ValueError(f"loss={loss!r} is too small relative to wealth={wealth!r}: the curvature of the utility on "
                         f"[wealth - loss, wealth] cannot be resolved in floating point (its second differences on "
                         f"a 201-point grid are at the level of rounding); use a larger loss or rescale wealth")
    if not np.all(second < 0):
        raise ValueError("utility must be strictly concave (risk averse) on [wealth - loss, wealth]: its second "
                         "differences on a 201-point grid must be negative")


def _validate_rs(loss_prob_low, loss_prob_high, share_high, wealth, loss, utility, share_open_hi=True):
    pl = real(loss_prob_low, "loss_prob_low", lo=0, hi=1, lo_open=True, hi_open=True)
    ph = real(loss_prob_high, "loss_prob_high", lo=0, hi=1, lo_open=True, hi_open=True)
    if not pl < ph:
        raise ValueError(f"loss_prob_low must be below loss_prob_high (0 < p_L < p_H < 1); got "
                         f"loss_prob_low={pl}, loss_prob_high={ph}")
    lam = None if share_high is None else real(share_high, "share_high", lo=0, hi=1, lo_open=True,
                                               hi_open=share_open_hi)
    w = real(wealth, "wealth", lo=0, lo_open=True)
    d = real(loss, "loss", lo=0, hi=w, lo_open=True, hi_open=True)
    u = _vector_utility(utility)
    _check_utility(u, w, d)
    return pl, ph, lam, w, d, u


def _eu(u, p, wealth, loss, c, premium):
    return (1 - p) * u(np.asarray(wealth - premium)) + p * u(np.asarray(wealth - premium - loss + c))


def _best_on_line(u, p_buyer, slope, wealth, loss) -> tuple[float, float]:
    """max over c in [0, loss] of the buyer's utility at (c, slope c): concave in c, so a bounded scalar search,
    compared with both ends."""
    def neg(c):
        return -float(_eu(u, p_buyer, wealth, loss, c, slope * c))

    res = optimize.minimize_scalar(neg, bounds=(0.0, loss), method="bounded",
                                   options={"xatol": 1e-12 * max(loss, 1e-300), "maxiter": 500})
    candidates = [(-neg(0.0), 0.0), (-neg(loss), loss), (-neg(float(res.x)), float(res.x))]
    value, c = max(candidates)
    return c, value


def _separating(u, pl, ph, w, d):
    u_high = float(u(np.asarray(w - ph * d)))

    def gap(c):
        return float(_eu(u, ph, w, d, c, pl * c)) - u_high

    g0, g1 = gap(0.0), gap(d)
    if not g1 > 0:  # u(W - p_L d) > u(W - p_H d) in exact arithmetic; equal in floating point only if p_H ~ p_L
        raise ValueError(f"loss_prob_high must differ from loss_prob_low by more than floating-point rounding of the "
                         f"utility: u(wealth - loss_prob_low * loss) and u(wealth - loss_prob_high * loss) are equal "
                         f"in floating point (loss_prob_low={pl!r}, loss_prob_high={ph!r})")
    if not g0 < 0:  # Jensen: strictly negative for a strictly concave u and 0 < p_H < 1
        raise ValueError(f"H's gain from full insurance rounds to 0 in floating point: utility is too close to linear "
                         f"on [wealth - loss, wealth], or loss_prob_high={ph!r} is too close to 1 (its risk too "
                         f"close to certain) for the separating contract to be computed")
    c_low = optimize.brentq(gap, 0.0, d, xtol=1e-14 * d, rtol=4 * np.finfo(float).eps, maxiter=500)
    return c_low, u_high, float(_eu(u, pl, w, d, c_low, pl * c_low))


def _utility_noise(u, pl, ph, w, d, c_low) -> float:
    """An upper estimate of the rounding error of L's separating utility and of a pooled utility: a few ulps of
    |u| on [w - d, w], plus the error of c_low (the root of H's indifference, rounding / its slope) carried over to
    L's utility along its own line. Used to refuse verdicts and thresholds that rounding could flip."""
    ulp = 16 * np.finfo(float).eps * max(abs(float(u(np.asarray(w)))), abs(float(u(np.asarray(w - d)))), 1e-300)
    step = 0.1 * min(c_low, d - c_low)
    if not step > 0:
        return math.inf

    def slope(p):
        return abs(float(_eu(u, p, w, d, c_low + step, pl * (c_low + step)))
                   - float(_eu(u, p, w, d, c_low - step, pl * (c_low - step)))) / (2 * step)

    h_slope, l_slope = slope(ph), slope(pl)
    return ulp * (2 + (l_slope / h_slope if h_slope > 0 else math.inf))


def _unresolved(what: str, w: float, d: float) -> ValueError:
    return ValueError(f"cannot resolve {what} in floating point: the utility differences that decide it are at the "
                      f"level of rounding of the utility. loss={d!r} is too small relative to wealth={w!r}, or "
                      f"loss_prob_low and loss_prob_high are too close; use a larger loss or rescale wealth")


def rothschild_stiglitz(loss_prob_low, loss_prob_high, share_high, wealth, loss, utility=np.log
                        ) -> RothschildStiglitz:
    """The Rothschild–Stiglitz (1976) separating contracts and whether they are an equilibrium.

    0 < loss_prob_low < loss_prob_high < 1, 0 < share_high < 1, wealth > 0, 0 < loss < wealth; ``utility`` a
    callable, strictly increasing and strictly concave on [wealth - loss, wealth] (checked on a grid). Bad input
    raises ``ValueError`` (or :class:`lib.validation.InputTypeError`) naming the parameter.

    H: full coverage at its fair premium p_H d. L: coverage c_L solving
    (1 - p_H) u(W - p_L c) + p_H u(W - p_L c - d + c) = u(W - p_H d) on (0, d) (brentq; H's utility along L's
    zero-profit line is concave in c, below u(W - p_H d) at c = 0 by Jensen and above at c = d, so the root is
    unique). ``exists``: max over c of L's utility at (c, p_bar c) is at most L's separating utility.
    """
    pl, ph, lam, w, d, u = _validate_rs(loss_prob_low, loss_prob_high, share_high, wealth, loss, utility)
    c_low, u_high, u_low = _separating(u, pl, ph, w, d)
    p_bar = lam * ph + (1 - lam) * pl
    c_pool, v_pool = _best_on_line(u, pl, p_bar, w, d)
    if abs(v_pool - u_low) <= _utility_noise(u, pl, ph, w, d, c_low):
        raise _unresolved(f"whether the equilibrium exists at share_high={lam!r} (L's best pooled utility and its "
                          f"separating utility differ by {v_pool - u_low:.3g})", w, d)
    return RothschildStiglitz(
        loss_prob_low=pl, loss_prob_high=ph, share_high=lam, wealth=w, loss=d, high_coverage=d,
        high_premium=ph * d, low_coverage=c_low, low_premium=pl * c_low, high_utility=u_high, low_utility=u_low,
        pooled_coverage=c_pool, pooled_premium=p_bar * c_pool, pooled_utility_low=v_pool,
        exists=bool(v_pool <= u_low))


def rs_existence_threshold(loss_prob_low, loss_prob_high, wealth, loss, utility=np.log) -> float:
    """lambda*: the share of high risks at which L is indifferent between its separating contract and its best
    contract on the pooled zero-profit line; the separating equilibrium exists exactly for share_high >= lambda*.

    L's best pooled utility is continuous and decreasing in lambda (the pooled line gets steeper) and above L's
    separating utility as lambda -> 0 (full insurance at p_L beats c_L < d), so lambda* is found with brentq on
    (0, 1). At lambda = 1 the pooled line is H's fair line, on which L's best contract is worth less to L than its
    separating contract (H is indifferent between c_L on L's cheaper line and full insurance on this one), so
    lambda* < 1 always. Same domain and errors as :func:`rothschild_stiglitz` (without ``share_high``); in
    addition ``ValueError`` naming ``loss`` and ``wealth`` when the loss is so small relative to wealth that the
    utility differences that decide lambda* are at rounding level (lambda* could not be given to 1e-6 relative)."""
    pl, ph, _, w, d, u = _validate_rs(loss_prob_low, loss_prob_high, None, wealth, loss, utility)
    c_low, _, u_low = _separating(u, pl, ph, w, d)
    noise = _utility_noise(u, pl, ph, w, d, c_low)

    def excess(lam):
        return _best_on_line(u, pl, lam * ph + (1 - lam) * pl, w, d)[1] - u_low

    if not (excess(0.0) > noise and excess(1.0) < -noise):
        raise _unresolved("the existence threshold", w, d)
    lam = float(optimize.brentq(excess, 0.0, 1.0, xtol=1e-13, rtol=4 * np.finfo(float).eps, maxiter=500))
    lo, hi = 0.5 * lam, min(1.5 * lam, 0.5 * (lam + 1))
    slope = (excess(lo) - excess(hi)) / (hi - lo)  # > 0: excess falls in lambda
    if not slope > 0 or noise / slope > 1e-6 * lam:
        raise _unresolved("the existence threshold", w, d)
    return lam


# --------------------------------------------------------------------------------------------------------------
# Wilson–Miyazaki–Spence
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WilsonMiyazakiSpence:
    """The Wilson–Miyazaki–Spence allocation: the menu that maximises L's utility among break-even menus with a
    cross-subsidy from L to H that H does not envy.

    H: full coverage (``high_coverage`` = loss) at ``high_premium`` = p_H loss - ``subsidy``; L: ``low_coverage`` at
    ``low_premium`` = p_L ``low_coverage`` + ``subsidy`` lambda / (1 - lambda) (``low_surcharge``), so the menu makes
    zero profit. ``high_utility``, ``low_utility``: expected utilities; ``rs_low_utility``: L's utility in the
    Rothschild–Stiglitz pair (the allocation with ``subsidy`` = 0). ``equals_rs``: no subsidy raises L's utility
    (subsidy = 0, the contracts are the Rothschild–Stiglitz pair). ``threshold``: lambda_WMS, the share of high
    risks above which a small subsidy lowers L's utility (the derivative of L's utility in s at s = 0 is negative
    exactly for lambda > lambda_WMS); it does not depend on ``share_high``."""

    loss_prob_low: float
    loss_prob_high: float
    share_high: float
    wealth: float
    loss: float
    high_coverage: float
    high_premium: float
    low_coverage: float
    low_premium: float
    subsidy: float
    low_surcharge: float
    high_utility: float
    low_utility: float
    rs_low_utility: float
    equals_rs: bool
    threshold: float


def _derivative(u, x: float, lo: float, hi: float) -> float:
    """u'(x) for 0 < lo < x < hi by the fourth-order central difference with step h = 1e-3 x (near eps^(1/5) x,
    which balances the truncation error h^4 u^(5) / 30 against rounding for power-like utilities), shortened so
    that x +- 2h stay inside [lo, hi]."""
    h = min(1e-3 * x, (x - lo) / 2.5, (hi - x) / 2.5)
    f = u(np.array([x - 2 * h, x - h, x + h, x + 2 * h]))
    return float((f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h))


def wilson_miyazaki_spence(loss_prob_low, loss_prob_high, share_high, wealth, loss, utility=np.log
                           ) -> WilsonMiyazakiSpence:
    """The Wilson–Miyazaki–Spence allocation (Miyazaki 1977; Spence 1978) of the Rothschild–Stiglitz market.

    Same domain and errors as :func:`rothschild_stiglitz`. With subsidy s per H buyer and r = lambda / (1 - lambda),

        max over s in [0, s_max], c in [0, d] of  (1 - p_L) u(W - p_L c - r s) + p_L u(W - p_L c - r s - d + c)
        subject to  (1 - p_H) u(W - p_L c - r s) + p_H u(W - p_L c - r s - d + c) <= u(W - p_H d + s).

    L's coverage is priced at its fair rate p_L (the surcharge r s is a lump sum), so L wants full cover and the
    constraint binds below s_max = (1 - lambda)(p_H - p_L) d, where L's capped coverage c(s) reaches d (the pooled
    full-insurance contract); above s_max L only pays more. c(s) is the unique root of H's indifference on (0, d]
    (H's utility along L's line is concave in c, below its own at c = 0 by Jensen, above at c = d for s < s_max).
    L's utility g(s) at (c(s), p_L c(s) + r s) is maximised on a 33-point grid of [0, s_max] (c(s) by vectorised
    bisection) and refined by a bounded Brent search around the best grid point (c(s) by brentq); s = 0 (``equals_rs``) when the best
    subsidy does not raise L's utility by more than rounding, or when g'(0) <= 0 (lambda >= lambda_WMS) and no grid
    point beats s = 0. The threshold: differentiating H's binding constraint at s = 0 (implicit function theorem) gives
    g'(0) = 0 exactly at r = p_L (1 - p_L) u'(x_H) (1 / u'(x_1) - 1 / u'(x_2)) / (p_H - p_L), with x_H = W - p_H d and
    (x_1, x_2) L's Rothschild–Stiglitz wealths; lambda_WMS = r / (1 + r) (u' by a central difference).
    """
    pl, ph, lam, w, d, u = _validate_rs(loss_prob_low, loss_prob_high, share_high, wealth, loss, utility)
    c_rs, u_high_rs, u_low_rs = _separating(u, pl, ph, w, d)
    r = lam / (1 - lam)
    s_max = (1 - lam) * (ph - pl) * d

    def floor(s):
        """The coverage below which L's contract leaves less than W - d after a loss: there both types are worse off
        than uninsured in both states, so H's indifference has no root there (Jensen) and L never buys it."""
        return np.minimum(r * s / (1 - pl), d)

    def cap(s, lo, hi):
        """c(s): the root of H's indifference in [lo, hi] if it brackets it, else in [floor(s), d]."""
        target = float(u(np.asarray(w - ph * d + s)))

        def gap(c):
            return float(_eu(u, ph, w, d, c, pl * c + r * s)) - target

        lo, hi = max(lo, float(floor(s))), min(hi, d)
        if not (gap(lo) < 0 < gap(hi)):
            if not gap(d) > 0:
                return d
            lo, hi = float(floor(s)), d
        return optimize.brentq(gap, lo, hi, xtol=1e-14 * d, rtol=4 * np.finfo(float).eps, maxiter=500)

    def value(s, lo, hi):
        c = cap(s, lo, hi)
        return float(_eu(u, pl, w, d, c, pl * c + r * s)), c

    grid = np.linspace(0.0, s_max, 33)
    target = u(w - ph * d + grid)
    lo_c, hi_c = floor(grid), np.full_like(grid, d)
    for _ in range(32):  # the grid stage only locates the best grid point: c(s) by vectorised bisection to d / 2^32
        mid = 0.5 * (lo_c + hi_c)
        above = _eu(u, ph, w, d, mid, pl * mid + r * grid) > target
        lo_c, hi_c = np.where(above, lo_c, mid), np.where(above, mid, hi_c)
    c_grid = 0.5 * (lo_c + hi_c)
    values = _eu(u, pl, w, d, c_grid, pl * c_grid + r * grid)
    k = int(np.argmax(values))
    x1, x2, x_h = w - pl * c_rs, w - pl * c_rs - d + c_rs, w - ph * d
    u1, u2, u_h = (_derivative(u, x, w - d, w) for x in (x1, x2, x_h))
    r_wms = pl * (1 - pl) * u_h * (1 / u1 - 1 / u2) / (ph - pl)
    ulp = 16 * np.finfo(float).eps * max(abs(float(u(np.asarray(w)))), abs(float(u(np.asarray(w - d)))), 1e-300)
    if k == 0 and r >= r_wms:  # g'(0) <= 0 and no grid point beats s = 0: the optimum is s = 0
        s_best, c_best, v_best = 0.0, c_rs, u_low_rs
    else:
        i, j = max(k - 1, 0), min(k + 1, len(grid) - 1)
        lo_s, hi_s = grid[i], grid[j]
        lo_c, hi_c = c_grid[i] - d / 2**30, c_grid[j] + d / 2**30  # c(s) increases in s
        res = optimize.minimize_scalar(lambda s: -value(s, lo_c, hi_c)[0], bounds=(lo_s, hi_s), method="bounded",
                                       options={"xatol": 1e-9 * s_max, "maxiter": 500})
        s_best = float(res.x)
        v_best, c_best = value(s_best, lo_c, hi_c)
        if not v_best > u_low_rs + ulp:  # no subsidy raises L's utility by more than rounding
            s_best, c_best, v_best = 0.0, c_rs, u_low_rs
    return WilsonMiyazakiSpence(
        loss_prob_low=pl, loss_prob_high=ph, share_high=lam, wealth=w, loss=d, high_coverage=d,
        high_premium=ph * d - s_best, low_coverage=c_best, low_premium=pl * c_best + r * s_best, subsidy=s_best,
        low_surcharge=r * s_best, high_utility=float(u(np.asarray(w - ph * d + s_best))), low_utility=v_best,
        rs_low_utility=u_low_rs, equals_rs=s_best == 0.0, threshold=float(r_wms / (1 + r_wms)))
