"""The book's rigour, checked mechanically on every chapter notebook: the three lints of tools/rigour.py (its
docstring states the rules; CONTRIBUTING.md, "Rigour", explains them), each with unit tests of its own below."""
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
