"""Self-checking exercises: ``check(exercise_id, answer)`` tells a student at once whether an answer is right.

A checker never raises on a student's answer: whatever is passed (None, strings, lists, nan, objects, functions
that crash) comes back as a :class:`CheckResult` with a status in ``STATUSES`` and a human message. Only an
unknown ``exercise_id`` raises (``KeyError``), because that is the notebook author's mistake, not the student's.

Exercises live in the modules ``lib/checks/ex_*.py``; each calls :func:`register` with one of the answer kinds
below. They are discovered automatically, so a chapter adds exercises without touching this file.

Answer kinds
------------
- :class:`Numeric`: a real number (or a fixed-length tuple of them) within a stated tolerance.
- :class:`Symbolic`: a sympy expression (or a string sympy can parse) equivalent to the expected one.
- :class:`Function`: a Python function compared with a reference on sample points.
- :class:`Choice`: one of a fixed set of words, e.g. "pooling" / "separating".

Hints
-----
``hint`` is a string or a tuple of levels, a nudge first and then the method; no level gives the answer or the
final formula (tests/test_checks.py checks every exercise for that). The first wrong answer shows level 1, each
further wrong answer the next level, and :func:`hint` shows the next level on request. ``mistakes`` lists typical
wrong answers, each with a nudge about that mistake, shown instead of the general level when the answer matches
it. A :class:`Numeric` with ``digits`` accepts any answer within one unit of the ``digits``-th significant digit of
each expected number, so an answer rounded or truncated to that many digits is correct.
"""
from __future__ import annotations

import html
import importlib
import math
import numbers
import pkgutil
import warnings
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Sequence

import numpy as np
import sympy as sp

__all__ = [
    "STATUSES", "CheckResult", "Exercise", "Numeric", "Symbolic", "Function", "Choice",
    "register", "check", "exercise_ids", "get", "summary", "Lazy", "hint", "Hint",
]

STATUSES = ("correct", "incorrect", "not attempted", "invalid")
_COLOURS = {"correct": "#1b7837", "incorrect": "#b2182b", "not attempted": "#666666", "invalid": "#e08214"}
_SYMBOLS = {"correct": "✔", "incorrect": "✘", "not attempted": "…", "invalid": "?"}


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: ``status`` is one of ``STATUSES``; ``message`` says why, with a hint."""

    exercise_id: str
    status: str
    message: str

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        return f"{_SYMBOLS[self.status]} {self.exercise_id}: {self.status}. {self.message}"

    def __repr__(self) -> str:  # what a notebook shows as text/plain (and what nbval compares)
        return str(self)

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.status]
        return (
            f'<div style="border-left:4px solid {colour};padding:4px 8px;margin:4px 0">'
            f'<b style="color:{colour}">{_SYMBOLS[self.status]} {html.escape(self.status)}</b> '
            f"<code>{html.escape(self.exercise_id)}</code>: {html.escape(self.message)}</div>"
        )


class _Verdict(Exception):
    """Raised inside a checker to return a status at once."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def _is_blank(answer: Any) -> bool:
    return answer is None or answer is Ellipsis


def _as_real(x: Any, what: str = "answer") -> float:
    """Convert a student's number to float, or raise _Verdict('invalid') saying what was expected."""
    if isinstance(x, (bool, np.bool_)):
        raise _Verdict("invalid", f"the {what} should be a number, not True/False")
    if isinstance(x, sp.Basic):
        if x.free_symbols:
            raise _Verdict("invalid", f"the {what} should be a number, but it still contains {sorted(map(str, x.free_symbols))}")
        try:
            x = complex(x)
        except (TypeError, ValueError):
            raise _Verdict("invalid", f"the {what} should be a number; could not evaluate {x}") from None
    if isinstance(x, np.ndarray) and x.shape == ():
        x = x.item()
    if isinstance(x, complex):
        if abs(x.imag) > 1e-12 * max(1.0, abs(x.real)):
            raise _Verdict("invalid", f"the {what} should be a real number; got {x}")
        x = x.real
    if not isinstance(x, numbers.Real):
        raise _Verdict("invalid", f"the {what} should be a number; got {type(x).__name__} {_short(x)}")
    try:
        value = float(x)
    except (OverflowError, ValueError):
        raise _Verdict("invalid", f"the {what} should be a finite number; got {_short(x)}") from None
    if not math.isfinite(value):
        raise _Verdict("invalid", f"the {what} should be a finite number; got {value}")
    return value


def _short(x: Any, limit: int = 60) -> str:
    try:
        text = repr(x)
    except Exception:  # a student's object with a broken __repr__
        text = f"<{type(x).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Exercise:
    """Base class: ``id``, a one-line ``title``, a ``hint`` shown when the answer is wrong (a string, or a tuple of
    levels shown one more per wrong answer), ``reference``, an answer the checker accepts (used by the tests to prove
    that every exercise can be solved), and ``mistakes``, pairs (typical wrong answer, nudge about that mistake),
    each wrong answer in the form of ``reference``."""

    id: str
    title: str
    hint: str | tuple[str, ...]
    reference: Any
    mistakes: tuple = ()

    @property
    def hint_levels(self) -> tuple[str, ...]:
        """The hints in the order they are shown."""
        return (self.hint,) if isinstance(self.hint, str) else tuple(self.hint)

    def matches(self, answer: Any, pattern: Any) -> bool:
        """Whether ``answer`` is the wrong answer ``pattern`` (judged as if ``pattern`` were the reference)."""
        try:
            return replace(self, reference=pattern, mistakes=()).judge(answer)[0] == "correct"
        except Exception:  # noqa: BLE001 - a pattern that does not apply is no match
            return False

    def expected(self) -> str:
        """What form the answer takes, shown when an answer is invalid."""
        raise NotImplementedError

    def judge(self, answer: Any) -> tuple:
        """(status, message), or (status, message, near) where ``near`` says that a wrong number is right up to the
        precision asked for (it then gets that remark instead of a hint). The hint is added by :func:`check`."""
        raise NotImplementedError


@dataclass(frozen=True)
class Numeric(Exercise):
    """A real number, or a tuple of ``len(reference)`` real numbers, each within ``abs_tol`` or ``rel_tol``, or, if
    ``digits`` is given, within one unit of its ``digits``-th significant digit (0.8682 with ``digits=3``: within
    0.001, so 0.868 and 0.869 are accepted). In a ``mistakes`` pattern an item ``None`` matches any number."""

    abs_tol: float = 1e-6
    rel_tol: float = 1e-6
    digits: int | None = None

    def expected(self) -> str:
        if isinstance(self.reference, tuple):
            return f"a tuple of {len(self.reference)} numbers"
        return "a number"

    def tolerance(self, want: float) -> float:
        """The largest accepted distance from ``want``."""
        tol = max(self.abs_tol, self.rel_tol * abs(want))
        if self.digits and want != 0:
            tol = max(tol, 10.0 ** (math.floor(math.log10(abs(want))) - self.digits + 1) * (1 + 1e-9))
        return tol

    def _close(self, got: float, want: float | None) -> bool:
        return want is None or abs(got - float(want)) <= self.tolerance(float(want))

    def _near(self, got: float, want: float) -> bool:
        """Off, but by less than five times the tolerance: only the precision is wrong."""
        return bool(self.digits) and abs(got - float(want)) <= 5 * self.tolerance(float(want))

    def judge(self, answer):
        if isinstance(self.reference, tuple):
            if isinstance(answer, (str, bytes, dict, set)) or not isinstance(answer, (Sequence, np.ndarray)):
                raise _Verdict("invalid", f"expected {self.expected()}; got {type(answer).__name__} {_short(answer)}")
            if len(answer) != len(self.reference):
                raise _Verdict("invalid", f"expected {self.expected()}; got {len(answer)} item(s)")
            got = [_as_real(a, f"item {i + 1}") for i, a in enumerate(answer)]
            wrong = [i + 1 for i, (g, w) in enumerate(zip(got, self.reference)) if not self._close(g, w)]
            if wrong:
                near = all(self._near(got[i - 1], self.reference[i - 1]) for i in wrong)
                return "incorrect", f"item(s) {wrong} are off.", near
            return "correct", "all items match."
        got = _as_real(answer)
        if self._close(got, self.reference):
            return "correct", f"{got:.6g} matches."
        return "incorrect", f"{got:.6g} is not right.", self._near(got, self.reference)


@dataclass(frozen=True)
class Symbolic(Exercise):
    """A formula in ``variables`` (names of sympy symbols) equivalent to ``reference`` (a sympy expression) on the
    model's domain: ``domains`` maps a variable to the open interval its values are sampled from (default
    ``DEFAULT_DOMAIN``), so that forms that agree only there, such as Max(0, x) and x for x > 0, are accepted."""

    variables: tuple[str, ...] = ()
    domains: dict = field(default_factory=dict)

    def expected(self) -> str:
        names = ", ".join(self.variables) or "no variables"
        return f"a sympy expression (or a string such as '1/4 + 2*c/3') in {names}"

    def judge(self, answer):
        symbols = {name: sp.Symbol(name, real=True) for name in self.variables}
        if isinstance(answer, str):
            try:
                answer = sp.parse_expr(answer, local_dict=dict(symbols), evaluate=True)
            except Exception:
                raise _Verdict("invalid", f"could not read {_short(answer)} as a formula; expected {self.expected()}") from None
        elif isinstance(answer, numbers.Number) and not isinstance(answer, bool):
            answer = sp.sympify(answer)
        if not isinstance(answer, sp.Expr):
            raise _Verdict("invalid", f"expected {self.expected()}; got {type(answer).__name__} {_short(answer)}")
        # Symbols a student created without assumptions are matched to ours by name.
        answer = answer.subs({s: symbols[s.name] for s in answer.free_symbols if s.name in symbols})
        extra = sorted(s.name for s in answer.free_symbols if s.name not in symbols)
        if extra:
            raise _Verdict("invalid", f"the formula uses {extra}; expected {self.expected()}")
        want = self.reference.subs({s: symbols[s.name] for s in self.reference.free_symbols if s.name in symbols})
        bounds = [self.domains.get(name, DEFAULT_DOMAIN) for name in self.variables]
        if _equivalent(answer, want, list(symbols.values()), bounds):
            return "correct", f"{sp.sstr(answer)} is equivalent to the expected formula."
        return "incorrect", f"{sp.sstr(answer)} is not equivalent to the expected formula."


DEFAULT_DOMAIN = (0.05, 0.95)
"""Where a Symbolic exercise samples a variable that has no domain of its own."""


def _equivalent(a: sp.Expr, b: sp.Expr, symbols: list, bounds: list | None = None) -> bool:
    """Equivalence by numerical evaluation at 8 points drawn (fixed seed) from ``bounds``, one (low, high) per
    symbol (default ``DEFAULT_DOMAIN`` each)."""
    rng = np.random.default_rng(12345)
    bounds = bounds or [DEFAULT_DOMAIN] * len(symbols)
    low, high = np.array([lo for lo, _ in bounds], float), np.array([hi for _, hi in bounds], float)
    f = sp.lambdify(symbols, a - b, modules="numpy")
    for _ in range(8):
        point = rng.uniform(low, high, size=len(symbols))
        try:
            with np.errstate(all="ignore"):
                value = complex(f(*point))
        except Exception:
            return False
        if not (math.isfinite(value.real) and abs(value) < 1e-9):
            return False
    return True


@dataclass(frozen=True)
class Function(Exercise):
    """A Python function of one or more numbers, compared with ``reference`` at ``points`` (tuples of args)."""

    points: tuple = ()
    abs_tol: float = 1e-6

    def expected(self) -> str:
        return "a Python function (def ... or lambda)"

    def judge(self, answer):
        if not callable(answer):
            raise _Verdict("invalid", f"expected {self.expected()}; got {type(answer).__name__} {_short(answer)}")
        for args in self.points:
            args = args if isinstance(args, tuple) else (args,)
            try:
                got = answer(*args)
            except NotImplementedError:
                raise _Verdict("not attempted", "the function is still the stub; fill it in.") from None
            except Exception as exc:  # the student's code failed: say how, without a traceback
                return "incorrect", f"calling it with {args} raised {type(exc).__name__}: {_short(str(exc), 80)}."
            if got is None:
                raise _Verdict("not attempted", "the function returns None; fill in the stub.")
            value = _as_real(got, f"value at {args}")
            want = float(self.reference(*args))
            if not math.isclose(value, want, abs_tol=self.abs_tol, rel_tol=1e-6):
                return "incorrect", f"at {args} it gives {value:.6g}, which is not right."
        return "correct", f"it matches on all {len(self.points)} test points."


@dataclass(frozen=True)
class Choice(Exercise):
    """One word out of ``options`` (case and surrounding spaces ignored); ``reference`` is the right one."""

    options: tuple[str, ...] = ()

    def expected(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)

    def judge(self, answer):
        if not isinstance(answer, str):
            raise _Verdict("invalid", f"expected {self.expected()}; got {type(answer).__name__} {_short(answer)}")
        word = answer.strip().lower()
        if word not in {o.lower() for o in self.options}:
            raise _Verdict("invalid", f"expected {self.expected()}; got {_short(answer)}")
        if word == self.reference.lower():
            return "correct", f"{self.reference!r} is right."
        return "incorrect", f"{answer.strip()!r} is not right."


@dataclass(frozen=True)
class Lazy:
    """A ``reference`` computed on first use, ``Lazy(function_of_no_arguments)``, so that importing the checks
    stays fast when a reference takes long to compute; :func:`get` replaces it by its value once."""

    compute: Callable[[], Any]


_REGISTRY: dict[str, Exercise] = {}
_LAST: dict[str, str] = {}
_HINTS_SHOWN: dict[str, int] = {}


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry (ids are unique)."""
    if exercise.id in _REGISTRY:
        raise ValueError(f"exercise id {exercise.id!r} is registered twice")
    _REGISTRY[exercise.id] = exercise
    return exercise


def get(exercise_id: str) -> Exercise:
    """The exercise with this id; ``KeyError`` listing the known ids if there is none."""
    if not isinstance(exercise_id, str) or exercise_id not in _REGISTRY:
        raise KeyError(f"unknown exercise id {exercise_id!r}; known ids: {', '.join(exercise_ids())}")
    exercise = _REGISTRY[exercise_id]
    if isinstance(exercise.reference, Lazy):
        exercise = _REGISTRY[exercise_id] = replace(exercise, reference=exercise.reference.compute())
    return exercise


def exercise_ids(prefix: str = "") -> list[str]:
    """All exercise ids (those starting with ``prefix`` if given), in registration order."""
    return [i for i in _REGISTRY if i.startswith(prefix)]


def check(exercise_id: str, answer: Any) -> CheckResult:
    """Check a student's answer. Never raises on the answer; raises ``KeyError`` for an unknown id.

    If the module defining the exercise failed to import (a fault in the course, see ``_discover``), the result is
    "invalid" with a message saying so, rather than a traceback in the student's notebook."""
    model = exercise_id.split(".")[0] if isinstance(exercise_id, str) else None
    if model in _BROKEN and exercise_id not in _REGISTRY:
        return CheckResult(exercise_id, "invalid", f"the checks for '{model}' could not be loaded ({_BROKEN[model]}). "
                                                   "This is a fault in the course, not in your answer: please report it.")
    exercise = get(exercise_id)
    try:
        if _is_blank(answer):
            status, message = "not attempted", f"replace None with your answer ({exercise.expected()})."
        else:
            status, message, *near = exercise.judge(answer)
            if status == "incorrect":
                message = f"{message} {_hint_after_wrong_answer(exercise, answer, bool(near and near[0]))}"
    except _Verdict as verdict:
        status, message = verdict.status, verdict.message
    except Exception as exc:  # last line of defence: a student never sees a traceback
        status, message = "invalid", f"could not check this answer ({type(exc).__name__}); expected {exercise.expected()}."
    _LAST[exercise_id] = status
    return CheckResult(exercise_id, status, message)


def _next_level(exercise: Exercise) -> int:
    """Show the next hint level (1-based; the last one again once all are shown) and remember it."""
    level = min(_HINTS_SHOWN.get(exercise.id, 0) + 1, len(exercise.hint_levels))
    _HINTS_SHOWN[exercise.id] = level
    return level


def _hint_after_wrong_answer(exercise: Exercise, answer: Any, near: bool = False) -> str:
    for pattern, nudge in exercise.mistakes:
        if exercise.matches(answer, pattern):
            return f"Hint: {nudge}"
    if near:  # right up to the precision asked for: no hint about the method
        return (f"It is close, but not within the precision asked for ({exercise.digits} significant digits): "
                "compute the exact value rather than an approximation (a simulated or rounded intermediate value "
                "is not the answer).")
    levels = exercise.hint_levels
    if len(levels) == 1:
        return f"Hint: {levels[0]}"
    level = _next_level(exercise)
    more = f" (another wrong answer, or hint({exercise.id!r}), gives hint {level + 1})" if level < len(levels) else ""
    return f"Hint {level} of {len(levels)}: {levels[level - 1]}{more}"


@dataclass(frozen=True)
class Hint:
    """A hint asked for with :func:`hint`: level ``level`` of ``levels``."""

    exercise_id: str
    level: int
    levels: int
    text: str

    def __str__(self) -> str:
        last = " (the last hint)" if self.level == self.levels and self.levels > 1 else ""
        return f"Hint {self.level} of {self.levels} for {self.exercise_id}{last}: {self.text}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return (f'<div style="border-left:4px solid #2166ac;padding:4px 8px;margin:4px 0">'
                f"{html.escape(str(self))}</div>")


def hint(exercise_id: str) -> Hint:
    """The next hint for an exercise (the first one if none was shown yet; the last one again once all were).
    Raises ``KeyError`` for an unknown id."""
    exercise = get(exercise_id)
    level = _next_level(exercise)
    return Hint(exercise_id, level, len(exercise.hint_levels), exercise.hint_levels[level - 1])


@dataclass(frozen=True)
class Summary:
    """Which exercises (with a given prefix) have been checked correct in this session."""

    rows: tuple[tuple[str, str, str], ...] = field(default_factory=tuple)

    def __repr__(self) -> str:
        done = sum(status == "correct" for _, _, status in self.rows)
        lines = [f"{done} of {len(self.rows)} exercises correct"]
        lines += [f"  {_SYMBOLS[status]} {ex_id}: {status}" for ex_id, _, status in self.rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        done = sum(status == "correct" for _, _, status in self.rows)
        body = "".join(
            f'<tr><td><code>{html.escape(i)}</code></td><td>{html.escape(t)}</td>'
            f'<td style="color:{_COLOURS[s]}">{_SYMBOLS[s]} {s}</td></tr>'
            for i, t, s in self.rows
        )
        return f"<p><b>{done} of {len(self.rows)} exercises correct</b></p><table>{body}</table>"


def summary(prefix: str = "") -> Summary:
    """A table of the exercises starting with ``prefix`` and their latest status in this session."""
    return Summary(tuple((i, _REGISTRY[i].title, _LAST.get(i, "not attempted")) for i in exercise_ids(prefix)))


_BROKEN: dict[str, str] = {}
"""Exercise modules that failed to import: model name -> the error (tests/test_checks.py requires it empty)."""


def _discover() -> None:
    """Import every ``ex_*.py``. One broken module must not take every chapter's checks down with it, so its error
    is recorded in ``_BROKEN`` and warned about, and its exercises answer "invalid" with that error."""
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("ex_")):
        try:
            importlib.import_module(f"{__name__}.{module}")
        except Exception as exc:  # noqa: BLE001 - reported, and tested to be empty
            _BROKEN[module[3:]] = f"{type(exc).__name__}: {exc}"
            warnings.warn(f"lib.checks: exercises in {module}.py are unavailable: {_BROKEN[module[3:]]}",
                          RuntimeWarning, stacklevel=2)


_discover()
