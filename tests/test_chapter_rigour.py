"""The book's rigour, checked mechanically on every chapter notebook (see CONTRIBUTING.md, "Rigour").

1. Prose numbers are backed. Every number with three or more significant digits typed in a markdown cell appears,
   with the same digits, in a committed text output of a code cell of the same notebook that nbval re-checks (not
   tagged ``nbval-ignore-output``), or in the source of a code cell (a model input), or is inserted by myst-nb
   ``glue`` (then it is not typed). A number that is not a result (a literature value) is exempted by a comment
   ``<!-- number: 97.5 reason -->`` in its cell.
2. Region claims are backed. A sentence with "always", "whenever", "for every", "for all", "for any", "never",
   "in every" or "holds" needs, in its section (up to the next heading), a ``{prf:proof}`` or a code cell whose
   output has a ``scan:`` line (``lib.scan``); otherwise its cell carries one ``<!-- claim: ... -->`` comment per
   such sentence, saying where the claim is proved or checked, or why it is not a claim about a region.
3. Asserts can fail. No assert compares an expression with itself (``a == a``, ``sp.simplify(x - x) == 0``) or
   tests a constant, and every code cell that derives with sympy asserts something.
"""
import nbformat
import pytest

from tools_rigour import CHAPTERS, load, unbacked_claims, unbacked_numbers, weak_asserts, significant_digits


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_prose_numbers_are_backed(path):
    problems = unbacked_numbers(load(path))
    assert not problems, "numbers typed in the prose but not printed, glued or input in this notebook:\n" + \
        "\n".join(problems)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_region_claims_are_backed(path):
    problems = unbacked_claims(load(path))
    assert not problems, "claims about regions without a proof, a scan or a <!-- claim: --> note:\n" + \
        "\n".join(problems)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_asserts_can_fail(path):
    problems = weak_asserts(load(path))
    assert not problems, "asserts that cannot fail, or derivations without one:\n" + "\n".join(problems)


# ------------------------------------------------------------------------------------------------ the lint itself

def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def _code(source, text="", tags_=()):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata = {"tags": list(tags_)} if tags_ else {}
    if text:
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    return cell


md = nbformat.v4.new_markdown_cell


def test_lint_numbers():
    nb = _nb(md("The price is $0.8682$, a share of 15.6%, in 2026 ({cite:t}`a1970`), 1,000 cars, 0.5 and 62%."),
             _code("x = 1", "price 0.8682\n"))
    assert [p.split(" (")[0] for p in unbacked_numbers(nb)] == ["cell 0: 15.6"]
    nb.cells[1].outputs[0].text = "price 0.86821 share 15.6 %\n"
    assert [p.split(" (")[0] for p in unbacked_numbers(nb)] == ["cell 0: 0.8682"]
    nb.cells[1].metadata = {"tags": ["nbval-ignore-output"]}
    assert len(unbacked_numbers(nb)) == 2                      # ignored outputs do not back anything
    nb.cells[1].source = "n = 100_000\nshare = 15.6"
    nb.cells[0].source = "With 100,000 sellers, 15.6 and 0.8682 <!-- number: 0.8682 literature value -->"
    assert unbacked_numbers(nb) == []
    assert significant_digits("0", "500") == 3 and significant_digits("1,000", None) == 1


def test_lint_claims():
    nb = _nb(md("## A\nThe price always falls. It is high."), _code("x = 1", "done\n"),
             md("## B\nWelfare never rises <!-- claim: welfare never rises: proved by sympy in B1 -->"),
             md("## C\nIt holds for every gap."), _code("print(scan)", "scan: c: 3 of 3 grid points hold\n"),
             md("## D\nTrue whenever b < 2.\n```{prf:proof}\nStep.\n```"))
    assert unbacked_claims(nb) == ["cell 0: The price always falls."]


def test_lint_asserts():
    nb = _nb(_code("assert sp.simplify(a - a) == 0"), _code("assert x == x"), _code("assert 2/3 > 0"),
             _code("y = sp.solve(e, p)"), _code("y = sp.solve(e, p)\nassert sp.simplify(y - z) == 0"))
    problems = weak_asserts(nb)
    assert [p.split(":")[0] for p in problems] == ["cell 0", "cell 1", "cell 2", "cell 3"]
