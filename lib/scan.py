"""Dense deterministic scans: how a chapter backs a claim about a whole parameter region.

A claim such as "disclosure lowers the low type's profit whenever it pools" is either proved or checked on a dense,
deterministic grid of the region it names, with the count of points where it holds and the exceptions shown. A
verdict taken from random draws could change with the seed or the sample size; a grid scan cannot.

    >>> from lib.scan import grid_scan
    >>> print(grid_scan("x^2 >= x", lambda x: x**2 >= x, x=np.linspace(-1, 2, 31)))
    scan: x^2 >= x: 22 of 31 grid points hold, 9 exceptions (e.g. x=0.1; x=0.2; x=0.3)

The printed line starts with ``scan:``; the book's rigour test (``tests/test_chapter_rigour.py``) accepts such an
output as the backing of a region claim in the same section of a chapter.
"""
from __future__ import annotations

import itertools
import math
import numbers
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["Scan", "grid_scan"]

_MAX_POINTS = 5_000_000


@dataclass(frozen=True)
class Scan:
    """The outcome of a grid scan: ``holds`` of ``total`` points satisfy the claim; ``exceptions`` lists the others
    (each a dict of the grid coordinates, in grid order), all of them."""

    claim: str
    axes: tuple[str, ...]
    total: int
    holds: int
    exceptions: tuple[dict, ...]

    @property
    def share(self) -> float:
        """holds / total, in [0, 1]."""
        return self.holds / self.total

    @property
    def all_hold(self) -> bool:
        return self.holds == self.total

    def report(self, examples: int = 3, digits: int = 4) -> str:
        """One line, ``scan: <claim>: H of N grid points hold, E exceptions (e.g. ...)``."""
        line = f"scan: {self.claim}: {self.holds} of {self.total} grid points hold"
        n = len(self.exceptions)
        if n == 0:
            return line + ", no exceptions"
        shown = "; ".join(", ".join(f"{k}={_fmt(v, digits)}" for k, v in point.items())
                          for point in self.exceptions[:examples])
        return line + f", {n} exception{'s' if n != 1 else ''} (e.g. {shown})"

    def __str__(self) -> str:
        return self.report()

    __repr__ = __str__


def _fmt(value, digits: int) -> str:
    if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (numbers.Real, np.floating)):
        return f"{float(value):.{digits}g}"
    return str(value)


def grid_scan(claim: str, predicate: Callable[..., bool], *, vectorised: bool = False, **axes) -> Scan:
    """Evaluate ``predicate`` on the Cartesian product of the 1-D arrays ``axes`` (keyword order) and count.

    ``predicate(**point)`` returns a truth value for one point; with ``vectorised=True`` it receives arrays of the
    whole grid (``np.meshgrid(..., indexing="ij")``) and returns a boolean array of that shape. A predicate that
    returns something that is not a truth value (nan, None, an array for one point) raises ``ValueError``: an
    undecided point is not a point where the claim holds. At most 5,000,000 points.
    """
    if not isinstance(claim, str) or not claim.strip():
        raise TypeError("claim must be a non-empty string saying what is checked")
    if not callable(predicate):
        raise TypeError(f"predicate must be callable; got {type(predicate).__name__}")
    if not axes:
        raise ValueError("give at least one axis, e.g. gap=np.linspace(0.01, 1, 100)")
    names = tuple(axes)
    values = []
    for name, grid in axes.items():
        arr = np.asarray(grid)
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"axis {name!r} must be a non-empty 1-D array; got shape {arr.shape}")
        if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
            raise ValueError(f"axis {name!r} must hold finite values")
        values.append(arr)
    total = math.prod(len(v) for v in values)
    if total > _MAX_POINTS:
        raise ValueError(f"the grid has {total} points; at most {_MAX_POINTS} are allowed")
    if vectorised:
        mesh = np.meshgrid(*values, indexing="ij")
        result = np.asarray(predicate(**dict(zip(names, mesh))))
        if result.shape != mesh[0].shape or result.dtype != bool:
            raise ValueError(f"a vectorised predicate must return a boolean array of shape {mesh[0].shape}; "
                             f"got {result.dtype} of shape {result.shape}")
        flat = result.ravel()
        bad = np.flatnonzero(~flat)
        index = np.unravel_index(bad, result.shape)
        exceptions = tuple({n: values[d][index[d][i]].item() for d, n in enumerate(names)} for i in range(bad.size))
        return Scan(claim, names, total, int(flat.sum()), exceptions)
    holds, exceptions = 0, []
    for point in itertools.product(*(v.tolist() for v in values)):
        kwargs = dict(zip(names, point))
        verdict = predicate(**kwargs)
        if not isinstance(verdict, (bool, np.bool_)):
            raise ValueError(f"predicate must return True or False; got {verdict!r} at {kwargs}")
        if verdict:
            holds += 1
        else:
            exceptions.append(kwargs)
    return Scan(claim, names, total, holds, tuple(exceptions))
