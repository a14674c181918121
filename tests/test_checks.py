"""The exercise checker: every exercise is solvable, blanks are 'not attempted', junk never raises."""
import math

import numpy as np
import pytest
import sympy as sp

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
