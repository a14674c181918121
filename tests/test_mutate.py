"""tools/mutate.py on a tiny fake module, notebook and repository (fast: the end-to-end run forks one pytest)."""
import ast
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("tools_mutate", ROOT / "tools" / "mutate.py")
mutate = importlib.util.module_from_spec(_spec)
sys.modules["tools_mutate"] = mutate
_spec.loader.exec_module(mutate)

MODULE = textwrap.dedent('''\
    """Docstring with numbers 1, 2.5 that must not be mutated."""
    import math

    SCALE = 2


    def area(r: float = 1.0) -> float:
        """pi r^2."""
        if r < 0 or not math.isfinite(r):
            raise ValueError(f"r must be >= 0; got {r + 1}")
        return math.pi * r ** 2 * SCALE / 2


    class Box:
        def shifted(self, x):
            x += 3
            return -x if x >= 0.5 else x
    ''')


def changes(mutants):
    return sorted((m.scope, m.change) for m in mutants)


def test_module_mutants_cover_each_operator_once_and_skip_messages_and_docstrings():
    mutants = mutate.mutate_source(MODULE, "fake/mod.py")
    got = changes(mutants)
    assert ("<module>", "2 -> 3") in got
    assert ("area", "r < 0 -> r <= 0") in got
    assert ("area", "or -> and") in got
    assert ("area", "0 -> 1") in got
    assert ("<module>", "1.0 -> 1.01") in got  # a default value belongs to the enclosing scope
    assert ("area", "r ** 2 -> r * 2") in got
    assert ("area", "math.pi * r ** 2 * SCALE / 2 -> math.pi * r ** 2 * SCALE * 2") in got
    assert ("area", "2 -> 1") not in got and ("area", "2 -> 3") in got
    assert ("Box.shifted", "x += 3 -> x -= 3") in got
    assert ("Box.shifted", "-x -> x") in got
    assert ("Box.shifted", "x >= 0.5 -> x > 0.5") in got
    assert ("Box.shifted", "0.5 -> 0.505") in got
    # nothing in the docstring, the f-string message or the annotations
    assert not any("2.5" in c or "r + 1" in c for _, c in got)
    assert len({m.ident for m in mutants}) == len(mutants)


def test_a_mutant_changes_only_its_token():
    for m in mutate.mutate_source(MODULE, "fake/mod.py"):
        old, new = MODULE.splitlines(), m.new_source.splitlines()
        assert len(old) == len(new)
        differing = [i for i, (a, b) in enumerate(zip(old, new)) if a != b]
        assert differing == [m.line - 1], m
        assert ast.dump(ast.parse(m.new_source)) != ast.dump(ast.parse(MODULE))
        # the line is kept up to the mutated column, and its tail after the changed token
        a, b = old[m.line - 1], new[m.line - 1]
        prefix = next(i for i in range(len(a) + 1) if i == min(len(a), len(b)) or a[i] != b[i])
        suffix = next(i for i in range(len(a) + 1) if i == min(len(a), len(b)) - prefix or a[-1 - i] != b[-1 - i])
        assert prefix >= m.col and len(a) - prefix - suffix <= 5 and len(b) - prefix - suffix <= 5, (m, a, b)


def test_names_survive_edits_elsewhere_in_the_file():
    before = {m.ident for m in mutate.mutate_source(MODULE, "fake/mod.py")}
    edited = MODULE.replace("import math\n", "import math\n\nOTHER = 'text'\n\n\n")
    after = {m.ident for m in mutate.mutate_source(edited, "fake/mod.py")}
    assert before == after


def test_constant_variants():
    assert mutate.constant_variants(0) == [1]
    assert mutate.constant_variants(1) == [0, 2]
    assert mutate.constant_variants(7) == [8]
    assert mutate.constant_variants(0.0) == [1.0]
    assert mutate.constant_variants(0.5) == [0.505]
    assert mutate.constant_variants(True) == [] and mutate.constant_variants("1") == []
    assert mutate.constant_variants(1.79e308) == []


def test_equivalents_file_matches_by_name_and_needs_a_reason(tmp_path):
    m = next(m for m in mutate.mutate_source(MODULE, "fake/mod.py") if m.change == "0.5 -> 0.505")
    (tmp_path / "tools").mkdir()
    path = tmp_path / "tools" / "mutation_equivalent.toml"
    path.write_text(mutate.equivalent_entry(m, "a threshold between 0 and 3 for integer x + 3"))
    [entry] = mutate.load_equivalents(path)
    assert entry.matches(m)
    other = next(m for m in mutate.mutate_source(MODULE, "fake/mod.py") if m.change == "2 -> 3")
    assert not entry.matches(other)
    path.write_text('[[equivalent]]\nfile = "fake/mod.py"\nmutant = "2 -> 3"\nreason = ""\n')
    with pytest.raises(ValueError, match="reason"):
        mutate.load_equivalents(path)
    # the shipped file loads, and each of its entries names a lib file or a chapter
    for entry in mutate.load_equivalents(ROOT / mutate.EQUIVALENTS):
        assert (ROOT / entry.file).exists(), entry.file


def _notebook(cells):
    return {"cells": [{"cell_type": kind, "metadata": {}, "source": src, **(
        {"outputs": [], "execution_count": None} if kind == "code" else {})} for kind, src in cells],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_chapter_mutants_only_in_derivation_cells_and_not_in_checks_or_display(tmp_path):
    nb = _notebook([
        ("markdown", "Step 1: $x = 1/2$."),
        ("code", "x = 3 + 4\nprint(x)"),  # no sympy: not a derivation cell
        ("code", "%matplotlib inline\nv = sp.symbols('v')\nexpr = sp.Rational(1, 2) * v - 1\n"
                 "assert sp.simplify(expr - (v / 2 - 1)) == 0\nprint(round(float(expr.subs(v, 3)), 4))"),
    ])
    (tmp_path / "ch.ipynb").write_text(json.dumps(nb))
    mutants = mutate.chapter_mutants(tmp_path, "ch.ipynb")
    assert mutants and {m.cell for m in mutants} == {2}
    got = {m.change for m in mutants}
    assert {"1 -> 0", "1 -> 2", "2 -> 3", "sp.Rational(1, 2) * v - 1 -> sp.Rational(1, 2) * v + 1",
            "sp.Rational(1, 2) * v -> sp.Rational(1, 2) / v"} <= got
    assert all(m.line in (3,) for m in mutants), [(m.line, m.change) for m in mutants]  # not the assert/print
    text = mutate.mutated_notebook(tmp_path, mutants[0])
    cell = json.loads(text)["cells"][2]["source"]
    assert cell.startswith("%matplotlib inline\n") and cell != nb["cells"][2]["source"]


def test_tests_for_module_maps_own_tests_first(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "fakelib" / "checks").mkdir(parents=True)
    for name, text in {"test_mutants_mod.py": "", "test_mod.py": "", "test_other.py": "from fakelib.mod import f",
                       "test_unrelated.py": "import os", "test_checks.py": ""}.items():
        (tmp_path / "tests" / name).write_text(text)
    (tmp_path / "fakelib" / "checks" / "ex_mod.py").write_text("from fakelib.mod import f")
    assert mutate.tests_for_module(tmp_path, "fakelib", "mod") == [
        "tests/test_mutants_mod.py", "tests/test_mod.py", "tests/test_other.py", "tests/test_checks.py"]


def test_select_is_a_deterministic_stride():
    items = list(range(10))
    assert mutate.select(items, None, 4) == [0, 2, 5, 7]
    assert mutate.select(items, 3, None) == [0, 1, 2]
    assert mutate.select(items, None, 20) == items


def test_end_to_end_on_a_fake_repository(tmp_path):
    """A weak test leaves a survivor, an equivalent entry is reported as such, a hang is a timeout (two mutants
    at a time: the two hangs wait side by side)."""
    (tmp_path / "fakelib").mkdir()
    (tmp_path / "fakelib" / "__init__.py").write_text("")
    # spin's hanging mutants sleep in their loop rather than spin: a timeout then waits without taking a core
    (tmp_path / "fakelib" / "calc.py").write_text(textwrap.dedent("""\
        import time


        def double(x):
            return 2 * x


        def spin(n):
            i = 0
            while i != n:
                i += 2
                time.sleep(0.001)
            return i
        """))
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_calc.py").write_text(textwrap.dedent("""\
        import fakelib
        from fakelib.calc import double, spin


        def test_from_the_copy():
            assert "mutate-" in fakelib.__file__


        def test_double():
            assert double(3) > 5  # weak: 2 -> 3 survives


        def test_spin():
            assert spin(4) == 4
        """))
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "mutation_equivalent.toml").write_text(
        '[[equivalent]]\nfile = "fakelib/calc.py"\nscope = "spin"\nmutant = "0 -> 1"\n'
        'reason = "made up for the test"\n'
        '[[equivalent]]\nfile = "fakelib/calc.py"\nscope = "spin"\nmutant = "0.001 -> 0.00101"\n'
        'reason = "only how long each step of the loop sleeps"\n')
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "mutate.py"), "--root", str(tmp_path),
                          "--package", "fakelib", "--no-preload", "--timeout", "5", "-j", "2", "--json",
                          str(tmp_path / "r.json")], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})  # a bare, fast pytest
    assert out.returncode == 0, out.stdout + out.stderr
    results = {(r["ident"].split("::")[1], r["change"]): r["status"] for r in json.loads((tmp_path / "r.json").read_text())
               ["fakelib/calc.py"]["results"]}
    assert results[("double", "2 * x -> 2 / x")] == "caught"
    assert results[("double", "2 -> 3")] == "survived"
    assert results[("spin", "0 -> 1")] == "equivalent"  # listed (the loop would never end: not run)
    assert results[("spin", "0.001 -> 0.00101")] == "equivalent"
    assert results[("spin", "i != n -> i == n")] == "caught"
    assert results[("spin", "i += 2 -> i -= 2")] == "timeout"
    assert results[("spin", "2 -> 3")] == "timeout"
    assert "2 -> 3" in out.stdout and "Survivors" in out.stdout
