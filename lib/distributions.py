"""Priors for the models: scipy.stats frozen continuous distributions with finite support.

Every solver that takes a prior calls :func:`support` first, so that a bad prior fails at once with a
``TypeError``/``ValueError`` naming the parameter, instead of producing nan later.
"""
from __future__ import annotations

import math

import numpy as np

from scipy import stats
from scipy.stats._distn_infrastructure import rv_continuous_frozen

__all__ = ["support", "uniform", "beta", "truncated_normal"]


def support(dist, name: str = "distribution") -> tuple[float, float]:
    """Return the finite support ``(lo, hi)`` of a frozen continuous scipy.stats distribution.

    Raises ``TypeError`` if ``dist`` is not a frozen continuous distribution and ``ValueError`` if its
    support is not a finite interval with ``lo < hi``.
    """
    if not isinstance(dist, rv_continuous_frozen):
        raise TypeError(
            f"{name} must be a frozen continuous scipy.stats distribution, e.g. scipy.stats.uniform(0, 1); "
            f"got {type(dist).__name__}"
        )
    lo, hi = (np.asarray(x, dtype=float) for x in dist.support())
    if lo.ndim or hi.ndim:
        raise TypeError(f"{name} must be a single distribution, not an array of them (its support is {lo}, {hi})")
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"{name} must have a bounded support [lo, hi]; got [{lo}, {hi}]")
    if not lo < hi:
        raise ValueError(f"{name} must have a support with lo < hi; got [{lo}, {hi}]")
    return lo, hi


def _check_interval(lo: float, hi: float) -> None:
    for label, x in (("lo", lo), ("hi", hi)):
        if not isinstance(x, (int, float)) or isinstance(x, bool) or not math.isfinite(x):
            raise ValueError(f"{label} must be a finite number; got {x!r}")
    if not lo < hi:
        raise ValueError(f"need lo < hi; got lo={lo}, hi={hi}")


def uniform(lo: float = 0.0, hi: float = 1.0):
    """U[lo, hi] as a frozen scipy.stats distribution."""
    _check_interval(lo, hi)
    return stats.uniform(loc=lo, scale=hi - lo)


def beta(a: float, b: float, lo: float = 0.0, hi: float = 1.0):
    """Beta(a, b) stretched to [lo, hi]; a, b > 0."""
    _check_interval(lo, hi)
    for label, x in (("a", a), ("b", b)):
        if not isinstance(x, (int, float)) or isinstance(x, bool) or not math.isfinite(x) or x <= 0:
            raise ValueError(f"{label} must be a positive finite number; got {x!r}")
    return stats.beta(a, b, loc=lo, scale=hi - lo)


def truncated_normal(mean: float, sd: float, lo: float = 0.0, hi: float = 1.0):
    """Normal(mean, sd) truncated to [lo, hi]; sd > 0."""
    _check_interval(lo, hi)
    if not isinstance(sd, (int, float)) or not math.isfinite(sd) or sd <= 0:
        raise ValueError(f"sd must be a positive finite number; got {sd!r}")
    if not isinstance(mean, (int, float)) or not math.isfinite(mean):
        raise ValueError(f"mean must be a finite number; got {mean!r}")
    return stats.truncnorm((lo - mean) / sd, (hi - mean) / sd, loc=mean, scale=sd)
