"""The exercise checker: every exercise is solvable, blanks are 'not attempted', junk never raises."""
import math
import re
from dataclasses import replace

import numpy as np
import pytest
import sympy as sp
from sympy.parsing.sympy_parser import (convert_xor, implicit_multiplication_application, parse_expr,
                                        standard_transformations)

from lib import checks
from lib.checks import STATUSES, check, exercise_ids

IDS = exercise_ids()


class Hostile:
    """An object whose every operation fails, as a student's half-written class might."""

    def __repr__(self):
        raise RuntimeError("broken repr")

    def __float__(self):
        raise RuntimeError("broken float")

    def __call__(self, *args):
        raise RuntimeError("broken call")


JUNK = ["", "banana", "1/0", "import os", "c +", b"bytes", [], [1, 2, 3], {}, {"a": 1}, set(), (1,), float("nan"),
        float("inf"), -float("inf"), 10**400, 1e308, True, False, 3 + 4j, np.array([1.0, 2.0]), np.nan,
        sp.Symbol("zzz"), sp.zoo, sp.nan, lambda *a: "text", lambda *a: 1 / 0, lambda: 0, print, Hostile(), object()]


def test_every_exercise_module_imports():
    assert checks._BROKEN == {}, checks._BROKEN


def test_a_broken_exercise_module_answers_invalid_not_a_traceback(monkeypatch):
    monkeypatch.setitem(checks._BROKEN, "broken", "ImportError: cannot import name 'x'")
    result = checks.check("broken.anything", 1.0)
    assert result.status == "invalid" and "ImportError" in result.message and "report" in result.message
    with pytest.raises(KeyError):
        checks.check("nosuchmodel.anything", 1.0)


def test_every_exercise_module_registers_exercises():
    """Each lib/checks/ex_<model>.py registers at least two exercises, all with ids '<model>.*'."""
    import pkgutil

    modules = [m.name[3:] for m in pkgutil.iter_modules(checks.__path__) if m.name.startswith("ex_")]
    assert modules, "no exercise modules"
    for model in modules:
        assert len(exercise_ids(model + ".")) >= 2, model
    assert all(i.split(".")[0] in modules or i.startswith(("t.", "zz.")) for i in IDS)


@pytest.mark.parametrize("exercise_id", IDS)
def test_reference_answer_is_correct(exercise_id):
    result = check(exercise_id, checks.get(exercise_id).reference)
    assert result.status == "correct", result


@pytest.mark.parametrize("exercise_id", IDS)
def test_blank_is_not_attempted(exercise_id):
    assert check(exercise_id, None).status == "not attempted"


@pytest.mark.parametrize("exercise_id", IDS)
def test_junk_never_raises(exercise_id):
    for junk in JUNK:
        result = check(exercise_id, junk)
        assert result.status in {"incorrect", "invalid", "not attempted"}, (junk, result)
        assert result.message and "Traceback" not in result.message
        assert isinstance(result._repr_html_(), str) and str(result)


def test_unknown_id_raises_key_error():
    with pytest.raises(KeyError, match="unknown exercise id"):
        check("no.such.exercise", 1)


# The machinery itself, on exercises built here (independent of the chapters' content).
def _temporary(exercise):
    checks._REGISTRY.pop(exercise.id, None)
    return checks.register(exercise)


def test_numeric_tolerance_and_types():
    ex = _temporary(checks.Numeric("t.num", "t", "think", 9 / 64, abs_tol=1e-4, rel_tol=0))
    assert check(ex.id, 0.1406).status == "correct"
    assert check(ex.id, np.float32(9 / 64)).status == "correct"
    assert check(ex.id, sp.Rational(9, 64)).status == "correct"
    assert check(ex.id, 0.15).status == "incorrect"
    assert "think" in check(ex.id, 0.15).message
    assert check(ex.id, "0.14").status == "invalid"
    assert check(ex.id, math.nan).status == "invalid"


def test_numeric_tuple():
    ex = _temporary(checks.Numeric("t.tuple", "t", "h", (0.25, 2 / 3)))
    assert check(ex.id, [0.25, 2 / 3]).status == "correct"
    assert check(ex.id, (0.25, 0.6)).status == "incorrect"
    assert check(ex.id, (0.25,)).status == "invalid"


def test_symbolic_equivalence_not_syntax():
    c = sp.Symbol("c")
    ex = _temporary(checks.Symbolic("t.sym", "t", "h", sp.Rational(1, 4) + 2 * c / 3, variables=("c",)))
    assert check(ex.id, "(3 + 8*c)/12").status == "correct"
    assert check(ex.id, sp.Symbol("c") * 2 / 3 + sp.Rational(1, 4)).status == "correct"
    assert check(ex.id, "1/4 + c/3").status == "incorrect"
    assert check(ex.id, "1/4 + 2*v/3").status == "invalid"


def test_function_answers_and_stubs():
    ex = _temporary(checks.Function("t.fun", "t", "h", lambda v: 2 * v / 3 + 1 / 12, points=(0.0, 0.5, 1.0)))

    def stub(v):
        raise NotImplementedError

    assert check(ex.id, lambda v: 1 / 12 + 2 * v / 3).status == "correct"
    assert check(ex.id, lambda v: v).status == "incorrect"
    assert check(ex.id, stub).status == "not attempted"
    assert check(ex.id, lambda v: None).status == "not attempted"


def test_choice_is_case_insensitive():
    ex = _temporary(checks.Choice("t.choice", "t", "h", "pooling", options=("pooling", "separating")))
    assert check(ex.id, " Pooling ").status == "correct"
    assert check(ex.id, "separating").status == "incorrect"
    assert check(ex.id, "hybrid").status == "invalid"


def test_summary_counts_correct_answers():
    ex = _temporary(checks.Numeric("zz.one", "one", "h", 1.0))
    check(ex.id, 1.0)
    text = repr(checks.summary("zz."))
    assert text.startswith("1 of 1 exercises correct")


# ------------------------------------------------------------------------------------------------ hints and precision

def test_symbolic_domains_sample_the_model_not_the_unit_interval():
    b, x = sp.symbols("b x")
    ex = _temporary(checks.Symbolic("t.dom", "t", "h", (b - 1) * x, variables=("b", "x"),
                                    domains={"b": (1, 2), "x": (0.1, 10)}))
    assert check(ex.id, "Max(0, (b - 1)*x)").correct          # equal wherever b > 1
    assert check(ex.id, "Abs(b - 1)*x").correct
    assert check(ex.id, "Min((b - 1)*x, 0)").status == "incorrect"
    plain = _temporary(checks.Symbolic("t.nodom", "t", "h", (b - 1) * x, variables=("b", "x")))
    assert check(plain.id, "Min((b - 1)*x, 0)").correct       # why domains are needed: b in (0.05, 0.95) by default
    assert check(plain.id, "Max(0, (b - 1)*x)").status == "incorrect"


def test_numeric_digits_accept_rounded_and_truncated_answers_only():
    ex = _temporary(checks.Numeric("t.dig", "t", ("nudge", "method"), (0.8682279791, 1 / 3), digits=3))
    for good in [(0.868, 0.333), (0.869, 0.334), (0.8682, 0.3333), (0.86823, 1 / 3)]:
        assert check(ex.id, good).correct, good
    for bad in [(0.866, 0.333), (0.87, 0.333), (0.868, 0.33), (0.868, 0.3323)]:
        assert check(ex.id, bad).status == "incorrect", bad
    near = check(ex.id, (0.866, 0.333))
    assert "3 significant digits" in near.message and "Hint" not in near.message   # precision, not a method hint
    far = check(ex.id, (1.5, 0.333))
    assert "Hint 1 of 2: nudge" in far.message and "significant" not in far.message


def test_hints_escalate_and_can_be_asked_for():
    checks._HINTS_SHOWN.pop("t.esc", None)
    ex = _temporary(checks.Numeric("t.esc", "t", ("first", "second", "third"), 2.0, digits=3))
    assert checks.hint(ex.id).text == "first" and checks.hint(ex.id).level == 2
    assert "Hint 3 of 3: third" in check(ex.id, 5.0).message
    assert "Hint 3 of 3: third" in check(ex.id, 6.0).message          # the last level stays
    assert "last hint" in str(checks.hint(ex.id))
    checks._HINTS_SHOWN.pop(ex.id)
    first = check(ex.id, 5.0).message
    assert "Hint 1 of 3: first" in first and "hint('t.esc')" in first
    assert "Hint 2 of 3: second" in check(ex.id, 7.0).message
    assert check(ex.id, 2.0).message == "2 matches."                  # the correct message is unchanged
    with pytest.raises(KeyError):
        checks.hint("no.such.exercise")


def test_string_hints_keep_their_message():
    ex = _temporary(checks.Numeric("t.str", "t", "think again", 1.0))
    assert check(ex.id, 3.0).message == "3 is not right. Hint: think again"
    assert check(ex.id, 4.0).message == "4 is not right. Hint: think again"


def test_a_typical_mistake_gets_its_own_nudge():
    ex = _temporary(checks.Numeric("t.mis", "t", ("general", "method"), (0.75, 0.5), digits=3,
                                   mistakes=(((1.5, None), "that is the mean of all cars"),)))
    assert "Hint: that is the mean of all cars" in check(ex.id, (1.5, 0.2)).message
    assert "general" in check(ex.id, (1.0, 0.2)).message
    sym = _temporary(checks.Symbolic("t.smis", "t", "h", sp.sympify("2*x"), variables=("x",),
                                     mistakes=((sp.sympify("x"), "a factor is missing"),)))
    assert "a factor is missing" in check(sym.id, "x").message
    choice = _temporary(checks.Choice("t.cmis", "t", "h", "a", options=("a", "b", "c"), mistakes=(("b", "not b"),)))
    assert "not b" in check(choice.id, "B").message and check(choice.id, "c").message.endswith("Hint: h")


# No hint level (and no mistake's nudge) may give the answer away.
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?:\s*/\s*(\d+(?:\.\d+)?))?\s*(%?)")
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|\*\*|[-+*/^()]|\S")
_FUNCTIONS = {"sqrt", "exp", "log", "Max", "Min", "Abs", "max", "min", "abs"}
_TRANSFORMS = standard_transformations + (implicit_multiplication_application, convert_xor)


def _texts(exercise):
    return list(exercise.hint_levels) + [nudge for _, nudge in exercise.mistakes]


def _significant(token: str) -> int:
    digits = token.replace(".", "").lstrip("0")
    return len(digits) if "." in token else len(digits.rstrip("0"))


def _round_sig(x: float, k: int) -> float:
    return float(f"{x:.{k}g}")


def _numbers(text):
    """(value, significant digits) of every number in a text; a fraction a/b is exact (digits None)."""
    for whole, denominator, percent in _NUMBER.findall(text):
        if denominator:
            if float(denominator) != 0:
                yield float(whole) / float(denominator), None
            continue
        value = float(whole) / (100 if percent else 1)
        yield value, _significant(whole)


def _numeric_leaks(exercise):
    references = exercise.reference if isinstance(exercise.reference, tuple) else (exercise.reference,)
    leaks = []
    for text in _texts(exercise):
        for value, k in _numbers(text):
            for ref in map(float, references):
                close = abs(value - ref) <= exercise.tolerance(ref)
                rounded = k is not None and k >= 2 and ref != 0 and value == _round_sig(ref, k)
                if close or rounded:
                    leaks.append((value, ref, text))
    return leaks


def _candidate_formulas(text, allowed):
    """Every run of tokens made only of allowed names, numbers, operators and brackets, parsed with sympy."""
    tokens = _TOKEN.findall(text)
    ok = [t in allowed or t in _FUNCTIONS or t[0].isdigit() or t in {"+", "-", "*", "/", "^", "**", "(", ")"}
          for t in tokens]
    for i in range(len(tokens)):
        for j in range(i + 1, len(tokens) + 1):
            if not ok[j - 1]:
                break
            span = tokens[i:j]
            if not any(t in allowed for t in span):
                continue
            try:
                expr = parse_expr(" ".join(span), local_dict={n: sp.Symbol(n, real=True) for n in allowed},
                                  transformations=_TRANSFORMS)
            except Exception:  # noqa: BLE001 - most spans are not formulas
                continue
            if isinstance(expr, sp.Expr) and expr.free_symbols:
                yield " ".join(span), expr


def _symbolic_leaks(exercise):
    symbols = [sp.Symbol(n, real=True) for n in exercise.variables]
    want = exercise.reference.subs({s: sp.Symbol(s.name, real=True) for s in exercise.reference.free_symbols})
    bounds = [exercise.domains.get(n, checks.DEFAULT_DOMAIN) for n in exercise.variables]
    return [(span, text) for text in _texts(exercise)
            for span, expr in _candidate_formulas(text, set(exercise.variables))
            if checks._equivalent(expr, want, symbols, bounds)]


def _function_leaks(exercise):
    """A formula in one variable that equals the reference function at all the test points."""
    leaks = []
    for text in _texts(exercise):
        names = {t for t in _TOKEN.findall(text) if t[0].isalpha() and t not in _FUNCTIONS}
        for name in names:
            for span, expr in _candidate_formulas(text, {name}):
                f = sp.lambdify(sp.Symbol(name, real=True), expr)
                try:
                    hits = all(math.isclose(float(f(*args)), float(exercise.reference(*args)), abs_tol=1e-9)
                               for args in (a if isinstance(a, tuple) else (a,) for a in exercise.points))
                except Exception:  # noqa: BLE001
                    continue
                if hits:
                    leaks.append((span, text))
    return leaks


@pytest.mark.parametrize("exercise_id", IDS)
def test_no_hint_gives_the_answer(exercise_id):
    exercise = checks.get(exercise_id)
    if isinstance(exercise, checks.Numeric):
        leaks = _numeric_leaks(exercise)
    elif isinstance(exercise, checks.Symbolic):
        leaks = _symbolic_leaks(exercise)
    elif isinstance(exercise, checks.Function):
        leaks = _function_leaks(exercise)
    else:
        leaks = [t for t in _texts(exercise) if re.search(rf"\b{re.escape(exercise.reference)}\b", t, re.I)]
    assert not leaks, leaks


def test_the_leak_detectors_find_leaks():
    """The detectors above flag a hint that gives the answer, in each form."""
    num = checks.Numeric("t.leak", "t", ("p = 0.75 and F = 1/3",), (0.75, 1 / 3), digits=3)
    assert len(_numeric_leaks(num)) == 2
    assert _numeric_leaks(replace(num, hint="the share is 33.3%"))
    assert _numeric_leaks(replace(num, hint="p is about 0.7500")) and not _numeric_leaks(replace(num, hint="p < 0.8"))
    b, mu = sp.symbols("b mu")
    sym = checks.Symbolic("t.sleak", "t", "Solve: sigma = b mu - mu.", (b - 1) * mu, variables=("b", "mu"))
    assert _symbolic_leaks(sym)
    assert _symbolic_leaks(replace(sym, hint="it is (b - 1) mu, the gains on the average car"))
    assert not _symbolic_leaks(replace(sym, hint="solve b mu = mu + sigma for sigma"))
    fun = checks.Function("t.fleak", "t", "return 2*v/3 + 1/12", lambda v: 2 * v / 3 + 1 / 12, points=(0.0, 0.5))
    assert _function_leaks(fun) and not _function_leaks(replace(fun, hint="the bid is linear in v"))
