"""Mutation testing: plant one error at a time in lib and in the chapters' derivation cells, run the tests that
should notice, and report the share caught, with the survivors.

    python tools/mutate.py                       # every lib module and every chapter (what `make mutation` runs)
    python tools/mutate.py --list --only lib/spence.py            # list the mutants, run nothing
    python tools/mutate.py --only lib/spence.py --sample 20       # 20 mutants, chosen by a deterministic stride
    python tools/mutate.py --only chapters/01_information_asymmetry.ipynb -j 2
    python tools/mutate.py --only lib/bne.py --with-notebooks     # also run the notebooks that import lib.bne

Mutants (one change each, spliced into the original text so the rest of the file is byte-identical):

- lib modules (``lib/*.py``; not ``lib/checks``, ``lib/explorers``): numeric constants (0 -> 1, 1 -> 0 and 1 -> 2,
  other integers n -> n + 1, floats x -> 1.01 x, 0.0 -> 1.0), binary operators (+ <-> -, * <-> /, ** -> *,
  // -> /, & <-> |), augmented assignments (the same swaps), comparisons (< <-> <=, > <-> >=, == <-> !=),
  a unary minus removed, ``and`` <-> ``or``. Not mutated: strings (docstrings), f-strings and ``raise``
  statements (error messages), annotations.
- chapter notebooks: in the code cells that derive with sympy (``sp.solve``, ``sp.integrate``, ``sp.diff``,
  ``sp.simplify``, ``sp.Rational``, ``sp.symbols``, ...): numeric constants, + <-> -, * <-> /, a unary minus
  removed; not inside ``assert`` statements or ``print``/``display`` calls (the checks and the display are not the
  derivation).

A mutant is named stably by file, scope (the enclosing function, or the notebook cell), the stripped source line,
the change and its occurrence among identical (scope, line, change) triples, e.g.
``lib/spence.py::SpenceGame.pooled_wage::return self.prior_high * ...::1 -> 2#1``; line numbers are shown but are
not part of the name. ``tools/mutation_equivalent/*.toml`` (one file per mutated file) list the equivalent mutants (no observable change), each
with its reason; they are reported as "equivalent" and not run (``--run-equivalent`` runs them too, to confirm that
nothing catches them).

Running: the repository (lib, tests, chapters, exercises, tools, pyproject.toml, ...) is copied once per worker to
a scratch directory; each mutant is written into that copy, run, and the original restored. A forked child of this
process (which has imported numpy, scipy, sympy, matplotlib and pytest once, but never ``lib``) puts the scratch
copy first on ``sys.path`` and in ``PYTHONPATH`` (so notebook kernels import it too), checks that ``lib.__file__``
lies in the copy, and runs ``pytest -x -q -p no:cacheprovider`` on the mapped tests:

- lib/M.py: tests/test_mutants_M.py, tests/test_M*.py, every other tests/test_*.py that imports lib.M, and
  tests/test_checks.py when an exercise module (lib/checks/ex_*.py) imports lib.M; with ``--with-notebooks`` also
  the chapter, exercise and solution notebooks that import lib.M (under nbval);
- a chapter: the notebook under nbval (``--nbval --nbval-current-env --nbval-sanitize-with
  tests/nbval_sanitize.cfg``), which compares the outputs too, so a changed printed number is caught.

A mutant is caught when the tests fail (or the module no longer imports), or when they exceed the timeout
(reported as a timeout). Before the mutants of a file, the unmutated tests run once in the copy (the baseline): a
failing baseline skips that file, loudly. Progress goes to stderr; the table and the survivors to stdout;
``--json PATH`` writes every result.

Exit status: 0 (the tool reports, it is not a gate) unless ``--fail-under PERCENT`` is given and some file's share
caught is below it, or a baseline failed (2).
"""
from __future__ import annotations

import argparse
import ast
import bisect
import fnmatch
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import tomllib
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENTS = "tools/mutation_equivalent"  # one TOML file per mutated file, e.g. lib_lemons.toml
COPY_ITEMS = ("lib", "tests", "chapters", "exercises", "tools", "conftest.py", "pyproject.toml", "setup.cfg",
              "_config.yml", "_toc.yml", "references.bib")
COPY_IGNORE = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc", "_build", "browser")
SKIP_MODULES = ("__init__",)
NO_TESTS = ("test_notebooks_normalised.py", "test_tools_nb.py", "test_mutate.py")
NBVAL = ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg"]
PRELOAD = ("numpy", "scipy", "scipy.stats", "scipy.integrate", "scipy.optimize", "scipy.interpolate",
           "scipy.special", "sympy", "matplotlib", "matplotlib.pyplot", "pytest", "nbval", "nbformat",
           "jupyter_client", "ipywidgets", "hypothesis", "xdist", "xdist.plugin", "IPython", "nbval.plugin",
           "nbformat.v4", "scipy.linalg", "numpy.polynomial")
DERIVES = re.compile(r"\bsp\.(solve|integrate|diff|simplify|Rational|symbols|Symbol|limit|factor|expand|Eq|"
                     r"nsolve|series|together|cancel|Piecewise|Function|Integral|Derivative|solveset)\b")
DISPLAY_CALLS = {"print", "display", "Markdown", "Latex", "Math", "glue"}


# ------------------------------------------------------------------------------------------------------------
# mutants


@dataclass(frozen=True)
class Mutant:
    path: str  # relative to the repository, e.g. lib/spence.py or chapters/01_x.ipynb
    scope: str  # enclosing function (Class.method), "<module>", or "cell N" in a notebook
    line: int  # 1-based, in the file or in the cell
    col: int  # 0-based character column
    text: str  # the stripped source line (part of the name)
    change: str  # e.g. "1 -> 2", "a + b -> a - b"
    occurrence: int  # among mutants with the same (path, scope, text, change), 1-based
    cell: int | None = None  # index of the notebook cell
    new_source: str = field(default="", repr=False, compare=False)  # the mutated file (or cell) text

    @property
    def ident(self) -> str:
        return f"{self.path}::{self.scope}::{self.text}::{self.change}#{self.occurrence}"

    @property
    def where(self) -> str:
        cell = f" cell {self.cell}" if self.cell is not None else ""
        return f"{self.path}{cell}:{self.line}:{self.col}"


_BIN_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.Pow: ast.Mult,
             ast.FloorDiv: ast.Div, ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd}
_CHAPTER_BIN_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
_BIN_TOKEN = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.FloorDiv: "//",
              ast.BitAnd: "&", ast.BitOr: "|"}
_CMP_SWAP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq,
             ast.NotEq: ast.Eq}
_CMP_TOKEN = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_BOOL_SWAP = {ast.And: "or", ast.Or: "and"}
_BOOL_TOKEN = {ast.And: "and", ast.Or: "or"}


def constant_variants(value) -> list:
    """The mutated values of a numeric literal (none for bools, strings, None, complex, non-finite results)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return []
    if isinstance(value, int):
        return [1] if value == 0 else [0, 2] if value == 1 else [value + 1]
    if value == 0.0:
        return [1.0]
    new = float(f"{value * 1.01:.12g}")
    return [new] if new != value and abs(new) != float("inf") else []


class _Source:
    """Text with (line, UTF-8 byte column) -> absolute byte offset, as the ast positions are given."""

    def __init__(self, text: str):
        self.text = text
        self.data = text.encode()
        self.starts = [0]
        for i, b in enumerate(self.data):
            if b == 0x0A:
                self.starts.append(i + 1)

    def offset(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col

    def start(self, node) -> int:
        return self.offset(node.lineno, node.col_offset)

    def end(self, node) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)

    def line_text(self, line: int) -> str:
        stop = self.starts[line] if line < len(self.starts) else len(self.data)
        return self.data[self.starts[line - 1]:stop].decode().strip()

    def char_col(self, line: int, byte_col: int) -> int:
        return len(self.data[self.starts[line - 1]:self.starts[line - 1] + byte_col].decode())


def _find_token(data: bytes, lo: int, hi: int, token: bytes) -> int | None:
    """First offset of ``token`` in data[lo:hi] outside comments (the gap between two operands)."""
    i = lo
    while i < hi:
        if data[i:i + 1] == b"#":
            while i < hi and data[i:i + 1] != b"\n":
                i += 1
            continue
        if data[i:i + len(token)] == token:
            if token.isalpha() or token in (b"*", b"/", b"<", b">"):
                # "*" must not be part of "**", "<" not of "<=", "and" must be a word
                nxt = data[i + len(token):i + len(token) + 1]
                prv = data[i - 1:i] if i > 0 else b" "
                if token.isalpha() and (nxt.isalnum() or prv.isalnum() or nxt == b"_" or prv == b"_"):
                    i += 1
                    continue
                if not token.isalpha() and (nxt in (b"*", b"/", b"=") or prv in (b"*", b"/")):
                    i += 1
                    continue
            return i
        i += 1
    return None


def _short(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _walk(tree, chapter: bool):
    """Yield (node, scope, skip) for every node; skip marks nodes not to mutate (messages, annotations, checks)."""
    def visit(node, scope, skip):
        yield node, scope, skip
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            inner = node.name if scope == "<module>" or scope.startswith("cell") else f"{scope}.{node.name}"
            for child in node.decorator_list:
                yield from visit(child, scope, skip)
            if not isinstance(node, ast.ClassDef):
                for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs,
                            node.args.vararg, node.args.kwarg]:
                    if arg is not None and arg.annotation is not None:
                        yield from visit(arg.annotation, inner, True)
                for default in [*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]]:
                    yield from visit(default, scope, skip)
                if node.returns is not None:
                    yield from visit(node.returns, inner, True)
            for stmt in node.body:
                yield from visit(stmt, inner, skip)
            return
        for name, value in ast.iter_fields(node):
            children = value if isinstance(value, list) else [value]
            for child in children:
                if not isinstance(child, ast.AST):
                    continue
                child_skip = skip or isinstance(node, (ast.JoinedStr, ast.Raise))
                if isinstance(node, ast.AnnAssign) and name == "annotation":
                    child_skip = True
                if chapter and isinstance(node, ast.Assert):
                    child_skip = True
                if chapter and isinstance(node, ast.Call):
                    func = node.func
                    fname = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) \
                        else ""
                    if fname in DISPLAY_CALLS:
                        child_skip = True
                yield from visit(child, scope, child_skip)

    for stmt in tree.body:
        yield from visit(stmt, "<module>", False)


def mutate_source(text: str, path: str, *, chapter: bool = False, scope_prefix: str | None = None,
                  cell: int | None = None, parse_text: str | None = None) -> list[Mutant]:
    """Every mutant of one Python text (a lib module, or one notebook cell when ``chapter``)."""
    src = _Source(text)
    tree = ast.parse(parse_text if parse_text is not None else text)
    original_dump = ast.dump(tree)
    data = src.data
    found: list[tuple[int, int, bytes, str, str, int]] = []  # (lo, hi, replacement, scope, change, line)

    def add(lo, hi, new: bytes, scope, change, line):
        found.append((lo, hi, new, scope, change, line))

    for node, scope, skip in _walk(tree, chapter):
        if skip:
            continue
        if scope_prefix is not None:
            scope = scope_prefix if scope in ("<module>",) else f"{scope_prefix}:{scope}"
        if isinstance(node, ast.Constant):
            lo, hi = src.start(node), src.end(node)
            for value in constant_variants(node.value):
                new = repr(value)
                add(lo, hi, new.encode(), scope, f"{data[lo:hi].decode()} -> {new}", node.lineno)
        elif isinstance(node, (ast.BinOp, ast.AugAssign)):
            swaps = _CHAPTER_BIN_SWAP if chapter else _BIN_SWAP
            op = type(node.op)
            if op not in swaps:
                continue
            left, right = (node.left, node.right) if isinstance(node, ast.BinOp) else (node.target, node.value)
            token = _BIN_TOKEN[op] + ("=" if isinstance(node, ast.AugAssign) else "")
            new_token = _BIN_TOKEN[swaps[op]] + ("=" if isinstance(node, ast.AugAssign) else "")
            at = _find_token(data, src.end(left), src.start(right), token.encode())
            if at is None:
                continue
            whole = data[src.start(node):src.end(node)].decode()
            mutated = (data[src.start(node):at] + new_token.encode() + data[at + len(token):src.end(node)]).decode()
            change = f"{_short(whole, 60)} -> {_short(mutated, 60)}" if len(_short(whole, 200)) <= 60 \
                else f"{token} -> {new_token}"
            add(at, at + len(token), new_token.encode(), scope, change, node.lineno)
        elif isinstance(node, ast.Compare) and not chapter:
            operands = [node.left, *node.comparators]
            for i, op in enumerate(node.ops):
                if type(op) not in _CMP_SWAP:
                    continue
                token, new_token = _CMP_TOKEN[type(op)], _CMP_TOKEN[_CMP_SWAP[type(op)]]
                at = _find_token(data, src.end(operands[i]), src.start(operands[i + 1]), token.encode())
                if at is None:
                    continue
                whole = data[src.start(node):src.end(node)].decode()
                mutated = (data[src.start(node):at] + new_token.encode()
                           + data[at + len(token):src.end(node)]).decode()
                change = f"{_short(whole, 60)} -> {_short(mutated, 60)}" if len(_short(whole, 200)) <= 60 \
                    else f"{token} -> {new_token}"
                add(at, at + len(token), new_token.encode(), scope, change, node.lineno)
        elif isinstance(node, ast.BoolOp) and not chapter:
            token, new_token = _BOOL_TOKEN[type(node.op)], _BOOL_SWAP[type(node.op)]
            for i in range(1, len(node.values)):
                at = _find_token(data, src.end(node.values[i - 1]), src.start(node.values[i]), token.encode())
                if at is not None:
                    add(at, at + len(token), new_token.encode(), scope, f"{token} -> {new_token}", node.lineno)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            at = _find_token(data, src.start(node), src.start(node.operand), b"-")
            if at is not None:
                operand = _short(data[src.start(node.operand):src.end(node.operand)].decode(), 40)
                add(at, at + 1, b"", scope, f"-{operand} -> {operand}", node.lineno)

    # A change inside one top-level statement (a def, a class, an assignment: the only place a mutant can lie)
    # parses, and leaves the tree as it was, exactly when that statement's own text does (a swapped operator or a
    # constant's repr opens no bracket or string, so no statement can run into the next), so a lib module's mutants
    # are checked on their statement alone: a whole-file parse per mutant made listing lib/bne.py's ~2800 take 5 min.
    segments = [] if parse_text is not None else [
        (src.offset(min([n.lineno] + [d.lineno for d in getattr(n, "decorator_list", [])]), 0),
         src.starts[n.end_lineno] if n.end_lineno < len(src.starts) else len(data)) for n in tree.body]
    starts = [a for a, _ in segments]
    segment_dumps: dict = {}
    mutants, seen, counts = [], set(), {}
    for lo, hi, new, scope, change, line in found:
        new_data = data[:lo] + new + data[hi:]
        new_text = new_data.decode()
        if new_text in seen:
            continue
        if segments:
            a, b = segments[bisect.bisect_right(starts, lo) - 1]
            if a not in segment_dumps:
                segment_dumps[a] = ast.dump(ast.parse(data[a:b].decode()))
            check, reference = (data[a:lo] + new + data[hi:b]).decode(), segment_dumps[a]
        else:
            check, reference = (new_text if parse_text is None else _splice_parse(parse_text, text, new_text)), \
                original_dump
        try:
            new_tree = ast.parse(check)
        except SyntaxError:
            continue
        if ast.dump(new_tree) == reference:
            continue
        seen.add(new_text)
        line_text = _short(src.line_text(line), 120)
        key = (scope, line_text, change)
        counts[key] = counts.get(key, 0) + 1
        col = src.char_col(*_line_col(src, lo))
        mutants.append(Mutant(path, scope, _line_col(src, lo)[0], col, line_text, change, counts[key], cell,
                              new_text))
    return mutants


def _line_col(src: _Source, offset: int) -> tuple[int, int]:
    import bisect

    line = bisect.bisect_right(src.starts, offset)
    return line, offset - src.starts[line - 1]


def _splice_parse(parse_text: str, text: str, new_text: str) -> str:
    """The parseable form of a mutated cell: lines that were magics in ``text`` stay neutralised."""
    old, new, out = text.split("\n"), new_text.split("\n"), []
    for p, o, n in zip(parse_text.split("\n"), old, new):
        out.append(p if p != o else n)
    return "\n".join(out)


def _parseable(cell_source: str) -> str:
    """A cell with IPython magics / shell lines replaced by ``pass`` (same line count), for ast.parse."""
    lines = []
    for line in cell_source.split("\n"):
        stripped = line.lstrip()
        lines.append(line[:len(line) - len(stripped)] + "pass" if stripped.startswith(("%", "!")) else line)
    return "\n".join(lines)


COMMITTED = False  # --committed: read the mutated files as committed (git HEAD), not from the work tree


def read_target(root: Path, path: str) -> str:
    if COMMITTED:
        import subprocess

        return subprocess.run(["git", "-C", str(root), "show", f"HEAD:{path}"], check=True, capture_output=True,
                              text=True).stdout
    return (root / path).read_text()


def module_mutants(root: Path, path: str) -> list[Mutant]:
    return mutate_source(read_target(root, path), path)


def derivation_cells(notebook: dict) -> list[int]:
    """Indices of the code cells that derive with sympy."""
    return [i for i, cell in enumerate(notebook["cells"])
            if cell["cell_type"] == "code" and DERIVES.search(_cell_text(cell))]


def _cell_text(cell) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def chapter_mutants(root: Path, path: str) -> list[Mutant]:
    notebook = json.loads(read_target(root, path))
    mutants = []
    for index in derivation_cells(notebook):
        text = _cell_text(notebook["cells"][index])
        parse_text = _parseable(text)
        try:
            ast.parse(parse_text)
        except SyntaxError:
            continue
        mutants += mutate_source(text, path, chapter=True, scope_prefix=f"cell {index}", cell=index,
                                 parse_text=parse_text if parse_text != text else None)
    return mutants


def mutated_notebook(root: Path, mutant: Mutant) -> str:
    notebook = json.loads(read_target(root, mutant.path))
    notebook["cells"][mutant.cell]["source"] = mutant.new_source
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------------------------------------------------
# equivalent mutants


@dataclass(frozen=True)
class Equivalent:
    file: str
    mutant: str  # the change, e.g. "4097 -> 4098"
    reason: str
    scope: str | None = None
    line: str | None = None  # stripped source line; a glob (fnmatch) is allowed
    occurrence: int | None = None

    def matches(self, m: Mutant) -> bool:
        return (m.path == self.file and m.change == self.mutant
                and (self.scope is None or m.scope == self.scope)
                and (self.line is None or m.text == self.line or fnmatch.fnmatchcase(m.text, self.line))
                and (self.occurrence is None or m.occurrence == self.occurrence))


def load_equivalents(path: Path) -> list[Equivalent]:
    """The entries of a TOML file, or of every ``*.toml`` file in a folder (and of ``<folder>.toml`` if present)."""
    if path.suffix != ".toml":
        files = sorted(path.glob("*.toml")) + [f for f in [path.with_suffix(".toml")] if f.exists()]
        return [entry for f in files for entry in load_equivalents(f)]
    if not path.exists():
        return []
    entries = tomllib.loads(path.read_text()).get("equivalent", [])
    out = []
    for i, entry in enumerate(entries, 1):
        unknown = set(entry) - {"file", "mutant", "reason", "scope", "line", "occurrence"}
        if unknown or not {"file", "mutant", "reason"} <= set(entry) or not str(entry["reason"]).strip():
            raise ValueError(f"{path}: entry {i} needs file, mutant and a non-empty reason "
                             f"(optional: scope, line, occurrence); got {sorted(entry)}")
        out.append(Equivalent(**entry))
    return out


def equivalent_entry(m: Mutant, reason: str = "TODO") -> str:
    """A TOML entry naming ``m`` (for --list --toml)."""
    def lit(s: str) -> str:
        return f"'''{s}'''" if "'" in s or '"' in s or "\\" in s else f'"{s}"'
    return (f"[[equivalent]]\nfile = \"{m.path}\"\nscope = {lit(m.scope)}\nline = {lit(m.text)}\n"
            f"mutant = {lit(m.change)}\noccurrence = {m.occurrence}\nreason = \"{reason}\"\n")


# ------------------------------------------------------------------------------------------------------------
# which tests run for which file


def _imports_module(text: str, package: str, module: str) -> bool:
    return bool(re.search(rf"\b{package}\.{module}\b|from {package} import [^\n]*\b{module}\b", text))


def tests_for_module(root: Path, package: str, module: str, with_notebooks: bool = False) -> list[str]:
    tests = []
    own = root / "tests" / f"test_mutants_{module}.py"
    if own.exists():
        tests.append(own.relative_to(root).as_posix())
    for path in sorted((root / "tests").glob(f"test_{module}*.py")):
        tests.append(path.relative_to(root).as_posix())
    for path in sorted((root / "tests").glob("test_*.py")):
        rel = path.relative_to(root).as_posix()
        if rel not in tests and path.name not in NO_TESTS and not path.name.startswith("test_mutants_") \
                and _imports_module(path.read_text(), package, module):
            tests.append(rel)
    checks = root / package / "checks"
    if checks.is_dir() and any(_imports_module(p.read_text(), package, module) for p in checks.glob("ex_*.py")):
        if (root / "tests" / "test_checks.py").exists() and "tests/test_checks.py" not in tests:
            tests.append("tests/test_checks.py")
    if with_notebooks:
        for folder in ("chapters", "exercises", "exercises/solutions"):
            for nb in sorted((root / folder).glob("*.ipynb")):
                if _imports_module(nb.read_text(), package, module):
                    tests.append(nb.relative_to(root).as_posix())
    return tests


def pytest_args(tests: list[str]) -> list[str]:
    notebooks = any(t.endswith(".ipynb") for t in tests)
    return ["-x", "-q", "-p", "no:cacheprovider", *(NBVAL if notebooks else []), *tests]


# ------------------------------------------------------------------------------------------------------------
# running


class Worker:
    """A scratch copy of the repository and at most one running child."""

    def __init__(self, root: Path, base: Path, index: int, package: str):
        self.dir = base / f"w{index}"
        self.package = package
        self.dir.mkdir(parents=True)
        for item in dict.fromkeys((package, *COPY_ITEMS)):
            src = root / item
            if src.is_dir():
                shutil.copytree(src, self.dir / item, ignore=COPY_IGNORE)
            elif src.exists():
                shutil.copy2(src, self.dir / item)
        self.pid = None
        self.job = None

    def start(self, job, timeout: float, log: Path):
        """job = (mutant or None, target path, new text or None, pytest args)."""
        mutant, target, new_text, args = job
        self.restore = None
        if new_text is not None:
            file = self.dir / target
            self.restore = (file, file.read_bytes())
            file.write_text(new_text)
        self.job, self.deadline, self.started, self.log = job, time.monotonic() + timeout, time.monotonic(), log
        self.pid = _fork_pytest(self.dir, self.package, args, log)

    def poll(self):
        """None while running, else (status, seconds)."""
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid == 0:
            if time.monotonic() < self.deadline:
                return None
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)
            result = "timeout"
        else:
            code = os.waitstatus_to_exitcode(status)
            result = {0: "survived", 1: "caught", 2: "caught"}.get(code, f"error (pytest exit {code})")
        _kill_group(self.pid)
        if self.restore:
            self.restore[0].write_bytes(self.restore[1])
        self.pid = None
        return result, time.monotonic() - self.started


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)  # kernels or helpers left behind by the child
    except (ProcessLookupError, PermissionError):
        pass


def _fork_pytest(workdir: Path, package: str, args: list[str], log: Path) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    code = 3
    try:
        os.setpgid(0, 0)
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.chdir(workdir)
        sys.dont_write_bytecode = True
        os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
        os.environ["PYTHONPATH"] = os.pathsep.join([str(workdir), *filter(None, [os.environ.get("PYTHONPATH")])])
        os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        sys.path.insert(0, str(workdir))
        assert not any(m == package or m.startswith(package + ".") for m in sys.modules), "lib imported early"
        imported = __import__(package)
        where = Path(imported.__file__).resolve()
        if not where.is_relative_to(workdir.resolve()):
            print(f"{package} imported from {where}, not from the scratch copy {workdir}")
            code = 4
        else:
            import pytest

            code = int(pytest.main(args))
    except BaseException:  # noqa: BLE001 - a crash of the child is reported through its exit code
        traceback.print_exc()
        code = 2  # the mutant broke the import: caught
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


@dataclass
class Result:
    ident: str
    where: str
    change: str
    status: str  # caught, timeout, survived, equivalent, error ..., or "caught (listed equivalent)"
    seconds: float = 0.0
    reason: str = ""


@dataclass
class Target:
    path: str
    kind: str  # "module" or "chapter"
    mutants: list
    tests: list
    total: int  # before sampling
    results: list = field(default_factory=list)
    baseline: str = ""
    baseline_seconds: float = 0.0
    carried: list = field(default_factory=list)  # results kept from an earlier run (--rerun)


def run_jobs(workers, jobs, timeout_of, logs: Path, on_done):
    """Run jobs (key, job) on the workers; on_done(key, status, seconds)."""
    queue = list(jobs)
    busy: dict[int, object] = {}
    n = 0
    while queue or busy:
        for i, w in enumerate(workers):
            if i not in busy and queue:
                key, job = queue.pop(0)
                n += 1
                w.start(job, timeout_of(key), logs / f"{i}-{n % 4}.log")
                busy[i] = key
        time.sleep(0.02)
        for i in list(busy):
            outcome = workers[i].poll()
            if outcome is not None:
                on_done(busy.pop(i), *outcome, workers[i].log)


def preload():
    os.environ.setdefault("MPLBACKEND", "Agg")
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    for name in PRELOAD:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - optional: a missing module is imported by the child if needed
            pass


# ------------------------------------------------------------------------------------------------------------
# report


def figures(target: Target) -> dict:
    counts = {"mutants": len(target.results), "caught": 0, "timeout": 0, "equivalent": 0, "survived": 0,
              "error": 0}
    for r in target.results:
        if r.status in ("caught", "timeout", "caught (listed equivalent)"):
            counts["caught"] += 1
            counts["timeout"] += r.status == "timeout"
        elif r.status == "equivalent":
            counts["equivalent"] += 1
        elif r.status == "survived":
            counts["survived"] += 1
        else:
            counts["error"] += 1
    denominator = counts["mutants"] - counts["equivalent"]
    counts["share"] = 100.0 * counts["caught"] / denominator if denominator else 100.0
    return counts


def report(targets: list[Target], out=sys.stdout):
    header = f"{'file':44} {'mutants':>7} {'caught':>6} {'timeout':>7} {'equiv.':>6} {'survived':>8} {'error':>5} " \
             f"{'caught %':>8}"
    print(header, file=out)
    print("-" * len(header), file=out)
    total = {"mutants": 0, "caught": 0, "timeout": 0, "equivalent": 0, "survived": 0, "error": 0}
    for t in targets:
        if t.baseline != "passed":
            print(f"{t.path:44} baseline {t.baseline}: not run", file=out)
            continue
        f = figures(t)
        for k in total:
            total[k] += f[k]
        sampled = f"  (sample of {f['mutants']}/{t.total})" if f["mutants"] < t.total else ""
        if t.carried:
            sampled += f"  ({len(t.carried)} results kept from the earlier run)"
        print(f"{t.path:44} {f['mutants']:7d} {f['caught']:6d} {f['timeout']:7d} {f['equivalent']:6d} "
              f"{f['survived']:8d} {f['error']:5d} {f['share']:8.1f}{sampled}", file=out)
    denominator = total["mutants"] - total["equivalent"]
    share = 100.0 * total["caught"] / denominator if denominator else 100.0
    print("-" * len(header), file=out)
    print(f"{'total':44} {total['mutants']:7d} {total['caught']:6d} {total['timeout']:7d} {total['equivalent']:6d} "
          f"{total['survived']:8d} {total['error']:5d} {share:8.1f}", file=out)
    print("caught % = caught / (mutants - equivalent); timeouts count as caught.", file=out)
    survivors = [(t, r) for t in targets for r in t.results if r.status not in
                 ("caught", "timeout", "equivalent", "caught (listed equivalent)")]
    if survivors:
        print("\nSurvivors (file:line:col  scope  change):", file=out)
        for t, r in survivors:
            tag = "" if r.status == "survived" else f"  [{r.status}]"
            print(f"  {r.where}  {r.ident.split('::')[1]}  {r.change}{tag}\n      in: {r.ident.split('::')[2]}",
                  file=out)
    listed = [(t, r) for t in targets for r in t.results if r.status == "caught (listed equivalent)"]
    if listed:
        print("\nListed as equivalent but caught (remove from the equivalents file):", file=out)
        for t, r in listed:
            print(f"  {r.where}  {r.change}", file=out)


# ------------------------------------------------------------------------------------------------------------
# command line


def select(mutants: list, limit: int | None, sample: int | None) -> list:
    if sample is not None and sample < len(mutants):
        n = len(mutants)
        mutants = [mutants[(i * n) // sample] for i in range(sample)]
    if limit is not None:
        mutants = mutants[:limit]
    return mutants


def discover(root: Path, package: str, only: list[str] | None, chapters: bool = True) -> list[tuple[str, str]]:
    modules = [p.relative_to(root).as_posix() for p in sorted((root / package).glob("*.py"))
               if p.stem not in SKIP_MODULES]
    notebooks = [p.relative_to(root).as_posix() for p in sorted((root / "chapters").glob("*.ipynb"))] \
        if chapters else []
    items = [(p, "module") for p in modules] + [(p, "chapter") for p in notebooks]
    if only:
        wanted = [o.rstrip("/") for o in only]
        items = [(p, k) for p, k in items if any(p == w or fnmatch.fnmatchcase(p, w) for w in wanted)]
        for w in wanted:
            if w.endswith((".py", ".ipynb")) and (root / w).exists() and not any(p == w for p, _ in items):
                items.append((w, "chapter" if w.endswith(".ipynb") else "module"))
    return items


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", metavar="FILE",
                        help="a lib module or chapter (path relative to the repository, globs allowed); repeatable")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--toml", action="store_true", help="with --list: print equivalents-file entries")
    parser.add_argument("--limit", type=int, help="the first N mutants of each file")
    parser.add_argument("--sample", type=int, metavar="K",
                        help="K mutants of each file, by a deterministic stride (mutant i*n//K)")
    parser.add_argument("--match", action="append",
                        help="only mutants whose name contains this text; repeatable (a mutant matching any)")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="mutants run in parallel (default 1)")
    parser.add_argument("--timeout", type=float,
                        help="seconds per mutant (default 5 x baseline + 60: load must not make a survivor a timeout)")
    parser.add_argument("--with-notebooks", action="store_true",
                        help="lib modules: also run the notebooks that import the module (nbval)")
    parser.add_argument("--no-chapters", action="store_true", help="lib modules only")
    parser.add_argument("--committed", action="store_true",
                        help="mutate (and run the baseline of) the files as committed, not as in the work tree")
    parser.add_argument("--tests", nargs="+", metavar="PATH",
                        help="run these tests for every selected lib module instead of the mapped ones")
    parser.add_argument("--run-equivalent", action="store_true", help="run the listed equivalent mutants too")
    parser.add_argument("--json", type=Path, help="write every result to this file")
    parser.add_argument("--rerun", type=Path, metavar="JSON",
                        help="rerun only the survivors of an earlier --json file; the other mutants of that run keep "
                             "their result (for a quick check of new kill tests; the figures cover that run's set)")
    parser.add_argument("--fail-under", type=float, metavar="PERCENT",
                        help="exit 1 if a file's share caught is below PERCENT (default: report only, exit 0)")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--package", default="lib", help=argparse.SUPPRESS)
    parser.add_argument("--no-preload", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    global COMMITTED
    COMMITTED = args.committed

    equivalents = load_equivalents(root / EQUIVALENTS)
    targets = []
    for path, kind in discover(root, args.package, args.only, chapters=not args.no_chapters):
        all_mutants = module_mutants(root, path) if kind == "module" else chapter_mutants(root, path)
        if args.match:
            all_mutants = [m for m in all_mutants if any(text in m.ident for text in args.match)]
        mutants = select(all_mutants, args.limit, args.sample)
        if args.rerun:
            earlier = json.loads(args.rerun.read_text()).get(path)
            if earlier is None or earlier["baseline"] != "passed":
                continue
            by_ident = {m.ident: m for m in all_mutants}
            kept = [Result(**r) for r in earlier["results"] if r["status"] != "survived" or r["ident"] not in by_ident]
            mutants = [by_ident[r["ident"]] for r in earlier["results"]
                       if r["status"] == "survived" and r["ident"] in by_ident]
        if kind == "module":
            tests = args.tests or tests_for_module(root, args.package, Path(path).stem, args.with_notebooks)
        else:
            tests = [path]
        targets.append(Target(path, kind, mutants, tests, len(all_mutants)))
        if args.rerun:
            targets[-1].carried = kept
            targets[-1].total = earlier["total"]

    if args.list:
        for t in targets:
            print(f"# {t.path}: {len(t.mutants)} mutants" + (f" (of {t.total})" if len(t.mutants) < t.total else "")
                  + f"; tests: {' '.join(t.tests) or 'none'}")
            for m in t.mutants:
                eq = next((e for e in equivalents if e.matches(m)), None)
                if args.toml:
                    print(equivalent_entry(m))
                else:
                    print(f"{m.where:40} {'[equivalent] ' if eq else ''}{m.ident}")
        stale = [] if args.match else [e for e in equivalents if not any(e.matches(m) for t in targets for m in t.mutants)
                 and any(t.path == e.file and len(t.mutants) == t.total for t in targets)]
        for e in stale:
            print(f"# stale equivalent entry (matches no mutant): {e.file} {e.scope} {e.line!r} {e.mutant}",
                  file=sys.stderr)
        return 0

    if not args.no_preload:
        preload()
    base = Path(tempfile.mkdtemp(prefix="mutate-"))
    logs = base / "logs"
    logs.mkdir()
    started = time.monotonic()
    try:
        workers = [Worker(root, base, i, args.package) for i in range(max(1, args.jobs))]
        print(f"mutate: scratch copies in {base}", file=sys.stderr)
        for t in targets:
            if not t.tests:
                t.baseline = "has no tests"
                continue
            run_target(t, workers, logs, args, equivalents)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    report(targets)
    print(f"\ntime: {time.monotonic() - started:.0f} s with -j {max(1, args.jobs)}")
    stale = [] if args.match else [e for e in equivalents if not any(e.matches(m) for t in targets for m in t.mutants)
             and any(t.path == e.file and len(t.mutants) == t.total for t in targets)]
    for e in stale:
        print(f"stale equivalent entry (matches no mutant): {e.file} {e.scope} {e.line!r} {e.mutant}")
    if args.json:
        args.json.write_text(json.dumps({t.path: {"kind": t.kind, "tests": t.tests, "total": t.total,
                                                  "baseline": t.baseline, "baseline_seconds": t.baseline_seconds,
                                                  "figures": figures(t) if t.baseline == "passed" else None,
                                                  "results": [asdict(r) for r in t.results]}
                                         for t in targets}, indent=1))
    if any(t.baseline not in ("passed", "has no tests") for t in targets):
        return 2
    if args.fail_under is not None and any(t.baseline == "passed" and figures(t)["share"] < args.fail_under
                                           for t in targets):
        return 1
    return 0


def run_target(t: Target, workers, logs: Path, args, equivalents):
    pargs = pytest_args(t.tests)
    print(f"mutate: {t.path}: baseline: pytest {' '.join(pargs)}", file=sys.stderr)
    baseline = {}
    if COMMITTED:
        for w in workers:
            (w.dir / t.path).write_text(read_target(args.root.resolve(), t.path))
    run_jobs(workers[:1], [("baseline", (None, t.path, None, pargs))], lambda key: 1800, logs,
             lambda key, status, seconds, log: baseline.update(status=status, seconds=seconds, log=log))
    t.baseline_seconds = baseline["seconds"]
    if baseline["status"] != "survived":
        t.baseline = "failed (the unmutated tests fail)" if baseline["status"] == "caught" \
            else f"failed ({baseline['status']})"
        tail = Path(baseline["log"]).read_text()[-3000:]
        print(f"mutate: {t.path}: the unmutated tests do not pass ({baseline['status']}); skipped.\n{tail}",
              file=sys.stderr)
        return
    t.baseline = "passed"
    timeout = args.timeout or 5 * baseline["seconds"] + 60
    print(f"mutate: {t.path}: baseline passed in {baseline['seconds']:.1f} s; {len(t.mutants)} mutants "
          f"(timeout {timeout:.0f} s)", file=sys.stderr)
    jobs, by_key = [], {}
    for i, m in enumerate(t.mutants):
        eq = next((e for e in equivalents if e.matches(m)), None)
        if eq is not None and not args.run_equivalent:
            t.results.append(Result(m.ident, m.where, m.change, "equivalent", 0.0, eq.reason))
            continue
        new_text = m.new_source if t.kind == "module" else mutated_notebook(args.root.resolve(), m)
        by_key[i] = (m, eq)
        jobs.append((i, (m, t.path, new_text, pargs)))
    done = [0]

    def on_done(key, status, seconds, log):
        m, eq = by_key[key]
        if eq is not None:
            status = "equivalent" if status == "survived" else "caught (listed equivalent)"
        t.results.append(Result(m.ident, m.where, m.change, status, seconds, eq.reason if eq else ""))
        done[0] += 1
        if status.startswith("error"):
            status += ": " + Path(log).read_text()[-500:].replace("\n", " | ")
        print(f"mutate: [{done[0]}/{len(jobs)}] {status:9} {seconds:5.1f} s  {m.where}  {m.change}",
              file=sys.stderr)

    run_jobs(workers, jobs, lambda key: timeout, logs, on_done)
    order = {m.ident: i for i, m in enumerate(t.mutants)}
    t.results.sort(key=lambda r: order.get(r.ident, 0))
    t.results = t.carried + t.results


if __name__ == "__main__":
    sys.exit(main())
