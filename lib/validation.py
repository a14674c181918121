"""Input validation shared by the models: one place for "is this a real number in the allowed range?".

Every model converts its numeric inputs with :func:`real` (or :func:`integer`) so that a bad argument fails the
same way everywhere, with a message that names the parameter and the allowed range:

- a value of the wrong kind (a bool, a string, a complex number, None, a sympy symbol, an array) raises
  :class:`InputTypeError`, which is both a ``TypeError`` and a ``ValueError``;
- a real number that is not finite (nan, +-inf, sympy ``oo``), too large for a float, or outside the allowed
  range raises ``ValueError``.

Accepted reals: ``int``, ``float``, numpy integer and floating scalars, ``fractions.Fraction``, ``decimal.Decimal``
and sympy numbers (``sp.Integer``, ``sp.Rational(1, 2)``, ``sp.Float``, and constant real expressions such as
``sp.sqrt(2)``). Each is converted to the nearest ``float`` (correctly rounded for ``Fraction``, sympy rationals
and Python ints); the range check is made on that float, so a value whose float rounds onto an open end (e.g.
``Fraction(1, 10**400)`` with ``lo=0, lo_open=True``) is refused.
"""
from __future__ import annotations

import decimal
import math
import numbers

import numpy as np

__all__ = ["InputTypeError", "real", "real_array", "integer", "flag", "support_of", "describe_range"]


class InputTypeError(ValueError, TypeError):
    """An argument of the wrong kind (a string where a number is expected, a non-distribution, ...).

    It is both a ``ValueError`` (bad input -> ValueError, as the models' docstrings promise) and a ``TypeError``
    (the usual Python exception for a wrong type), so either ``except`` catches it."""


def describe_range(lo=None, hi=None, lo_open: bool = False, hi_open: bool = False) -> str:
    """A phrase for the allowed range: "> 0", "in [0, 1]", "<= 5", "finite"."""
    def fmt(v):
        return f"{v:.6g}" if isinstance(v, float) else str(v)
    if lo is not None and hi is not None:
        return f"in {'(' if lo_open else '['}{fmt(lo)}, {fmt(hi)}{')' if hi_open else ']'}"
    if lo is not None:
        return f"{'>' if lo_open else '>='} {fmt(lo)}"
    if hi is not None:
        return f"{'<' if hi_open else '<='} {fmt(hi)}"
    return "finite"


def _show(x) -> str:
    """repr(x), shortened to 60 characters (a 400-digit integer should not fill the message)."""
    r = repr(x)
    return r if len(r) <= 60 else r[:45] + "..." + r[-12:]


def _sympy_value(x):
    """float of a sympy object that is a constant real number (nan/inf for sympy nan/oo); None otherwise."""
    from sympy import S  # only reached for a sympy object, so sympy is already imported

    if not getattr(x, "is_number", False):
        return None  # a symbol or an expression with free symbols
    if x.is_real:  # in sympy, is_real means a finite real number (oo.is_real is False)
        return float(x)
    if x is S.NaN:
        return math.nan
    if x.is_extended_real:
        return math.inf if x.is_extended_positive else -math.inf
    return None  # complex (I, zoo, 1 + I) or undecidable


def _to_float(x, name: str, where: str) -> float:
    if isinstance(x, (bool, np.bool_)):
        raise InputTypeError(f"{name} must be a real number{where}, not a bool; got {_show(x)}")
    value = None
    if isinstance(x, (numbers.Real, decimal.Decimal)) and not isinstance(x, np.ndarray):
        try:
            value = float(x)
        except OverflowError:  # e.g. 10**400 or Fraction(10**400, 3)
            raise ValueError(f"{name} must be a real number{where} within the float range (|x| < 1.8e308); "
                             f"got {_show(x)}") from None
    elif type(x).__module__.startswith("sympy"):
        value = _sympy_value(x)
    if value is None:
        raise InputTypeError(f"{name} must be a real number{where}; got {type(x).__name__} {_show(x)}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite real number{where}; got {_show(x)}")
    return value


def real(x, name: str, *, lo=None, hi=None, lo_open: bool = False, hi_open: bool = False) -> float:
    """``x`` as a finite float, checked against the range [lo, hi] (an end is open with ``lo_open`` /
    ``hi_open``; None means unbounded on that side).

    Raises :class:`InputTypeError` for a non-real (bool, str, complex, None, array, sympy symbol) and
    ``ValueError`` for nan, +-inf, a number beyond the float range, or a value outside the range; each message
    names ``name`` and the allowed range, e.g. ``"prior_high must be in (0, 1); got 1.5"``.
    """
    if type(x) is float and math.isfinite(x) and (lo is None or (x > lo if lo_open else x >= lo)) and \
            (hi is None or (x < hi if hi_open else x <= hi)):
        return x  # the common case, without building a message
    where = describe_range(lo, hi, lo_open, hi_open)
    v = _to_float(x, name, "" if where == "finite" else " " + where)
    if lo is not None and not (v > lo if lo_open else v >= lo):
        raise ValueError(f"{name} must be {where}; got {_show(x)}")
    if hi is not None and not (v < hi if hi_open else v <= hi):
        raise ValueError(f"{name} must be {where}; got {_show(x)}")
    return v


def integer(x, name: str, *, lo=None, hi=None) -> int:
    """``x`` as an int in [lo, hi] (None = unbounded). Accepts Python and numpy integers and sympy Integers (any
    ``numbers.Integral`` but bool); a float, even 3.0, a bool or anything else raises :class:`InputTypeError`; a
    value outside the range raises ``ValueError`` naming ``name`` and the range."""
    where = describe_range(lo, hi)
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral):
        raise InputTypeError(f"{name} must be an integer{'' if where == 'finite' else ' ' + where}; "
                             f"got {type(x).__name__} {_show(x)}")
    v = int(x)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise ValueError(f"{name} must be an integer {where}; got {_show(x)}")
    return v


def flag(x, name: str) -> bool:
    """``x`` as a bool; only True/False (Python or numpy) are accepted, else :class:`InputTypeError`."""
    if not isinstance(x, (bool, np.bool_)):
        raise InputTypeError(f"{name} must be True or False; got {type(x).__name__} {_show(x)}")
    return bool(x)


def real_array(x, name: str, *, lo=None, hi=None, lo_open: bool = False, hi_open: bool = False) -> np.ndarray:
    """``x`` (a real number or an array-like of them) as a float ndarray whose entries are finite and in the
    range, else :class:`InputTypeError` (bools, strings, complex, objects) or ``ValueError`` naming ``name``."""
    where = describe_range(lo, hi, lo_open, hi_open)
    arr = np.asarray(x)
    if arr.dtype == object and arr.ndim == 0:  # one object (a Fraction, a sympy number), or a 0-d array of one
        return np.asarray(real(arr.item(), name, lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open))
    if arr.dtype == object:
        arr = np.asarray([real(v, f"{name}[{i}]", lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open)
                          for i, v in enumerate(arr.ravel())]).reshape(arr.shape)
    if arr.dtype.kind not in "iuf":
        raise InputTypeError(f"{name} must be a real number or an array of real numbers"
                             f"{'' if where == 'finite' else ' ' + where}; got {type(x).__name__} {_show(x)}")
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite{'' if where == 'finite' else ' and ' + where}; got {_show(x)}")
    if (lo is not None and not np.all(arr > lo if lo_open else arr >= lo)) or \
            (hi is not None and not np.all(arr < hi if hi_open else arr <= hi)):
        raise ValueError(f"{name} must be {where}; got {_show(x)}")
    return arr


def support_of(dist, name: str) -> tuple[float, float]:
    """The finite support (lo, hi), lo < hi, of a frozen continuous scipy.stats distribution ``dist``.

    Raises :class:`InputTypeError` if ``dist`` is not one (e.g. a string or a discrete distribution), and
    ``ValueError`` naming ``name`` if its parameters are invalid (e.g. ``scipy.stats.uniform(0, 0)``: scale 0,
    for which scipy reports the support [nan, nan]), if the support is unbounded, or if it is a single point.
    """
    from scipy.stats._distn_infrastructure import rv_continuous_frozen

    if not isinstance(dist, rv_continuous_frozen):
        raise InputTypeError(f"{name} must be a frozen continuous scipy.stats distribution, e.g. "
                             f"scipy.stats.uniform(0, 1); got {type(dist).__name__} {_show(dist)}")
    label = f"{name} (scipy.stats.{dist.dist.name} with args {dist.args}, kwds {dist.kwds})"
    try:
        shapes, loc, scale = dist.dist._parse_args(*dist.args, **dist.kwds)
    except TypeError as exc:
        raise InputTypeError(f"{label} has invalid parameters: {exc}") from None
    if not np.all(np.asarray(scale, dtype=float) > 0):
        raise ValueError(f"{label} must have scale > 0 (a zero-width or reversed distribution); got scale={scale!r}")
    if not np.all(dist.dist._argcheck(*shapes)) or not np.all(np.isfinite(np.asarray(loc, dtype=float))):
        raise ValueError(f"{label} has invalid shape parameters or location for scipy (its support would be "
                         f"[nan, nan])")
    lo, hi = (float(x) for x in dist.support())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"{label} must have a bounded support [lo, hi]; got [{lo}, {hi}]")
    if not lo < hi:
        raise ValueError(f"{label} must have a support with lo < hi; got [{lo}, {hi}]")
    return lo, hi
