"""The book's rigour lints (run by tests/test_chapter_rigour.py; `python tools/rigour.py` prints the counts).

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
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))

NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\w])")
CLAIM_WORDS = re.compile(r"\b(always|whenever|for every|for all|for any|never|in every|holds)\b", re.IGNORECASE)
EXEMPT_NUMBER = re.compile(r"<!--\s*number:\s*([\d.,]+)\s+(\S[^>]*?)\s*-->")
CLAIM_COMMENT = re.compile(r"<!--\s*claim:\s*(\S[^>]*?)\s*-->", re.DOTALL)
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
FENCE = re.compile(r"^\s*(`{3,}|~{3,}|:{3,})(.*)$")
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK_TARGET = re.compile(r"\]\([^)]*\)")
HEADING = re.compile(r"^#{1,6} ", re.MULTILINE)
DERIVING = {"solve", "integrate", "diff", "simplify", "limit"}
TEXT_MIMES = ("text/plain", "text/latex", "text/html", "text/markdown")


def load(path: Path):
    return nbformat.read(path, as_version=4)


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def without_code_blocks(text: str) -> str:
    """Drop fence lines and the contents of plain code blocks; keep the contents of directives (```{prf:proof})."""
    stack: list[tuple[str, bool]] = []  # (fence, is plain code)
    kept = []
    for line in text.splitlines():
        match = FENCE.match(line)
        if match:
            fence, info = match.group(1), match.group(2).strip()
            if stack and stack[-1][0] == fence and not info:
                stack.pop()
            elif not (stack and stack[-1][1]):
                stack.append((fence, not info.startswith("{")))
            continue
        if not any(plain for _, plain in stack):
            kept.append(line)
    return "\n".join(kept)


def prose(source: str) -> str:
    """The typed prose of a markdown cell: without comments, plain code blocks, inline code and link targets
    (directive fences such as ```{prf:proof} are prose and kept)."""
    text = COMMENT.sub(" ", source)
    text = without_code_blocks(text)
    text = INLINE_CODE.sub(" ", text)
    text = LINK_TARGET.sub("]", text)
    return text.replace("{,}", ",")


def significant_digits(integer: str, fraction: str | None) -> int:
    integer = integer.replace(",", "")
    if fraction:
        return len((integer + fraction).lstrip("0"))
    return len(integer.lstrip("0").rstrip("0"))


def numbers_in(text: str):
    """(canonical digits, significant digits) of each number token in ``text``."""
    for match in NUMBER.finditer(text):
        integer, fraction = match.group(1), match.group(2)
        digits = integer.replace(",", "") + (f".{fraction}" if fraction else "")
        yield digits, significant_digits(integer, fraction), match.start()


def is_year(digits: str) -> bool:
    return digits.isdigit() and len(digits) == 4 and 1900 <= int(digits) <= 2099


def output_text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif out.get("output_type") in ("execute_result", "display_data"):
            data = out.get("data", {})
            for mime in TEXT_MIMES:
                value = data.get(mime)
                if value:
                    parts.append(value if isinstance(value, str) else "".join(value))
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", "\n".join(parts))


def contains_token(haystack: str, digits: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(digits)}(?!\d)", haystack) is not None


def backing_text(nb) -> str:
    """Checked outputs and code sources of a notebook, where a prose number may be found."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        texts.append(re.sub(r"(?<=\d)_(?=\d)", "", cell.source))
        if "nbval-ignore-output" not in tags(cell):
            texts.append(output_text(cell))
    return "\n".join(texts)


def unbacked_numbers(nb) -> list[str]:
    backing = backing_text(nb)
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        exempt = {}
        for number, reason in EXEMPT_NUMBER.findall(cell.source):
            exempt[number.replace(",", "").rstrip(".")] = reason
        text = prose(cell.source)
        for digits, sig, start in numbers_in(text):
            if sig < 3 or is_year(digits) or digits in exempt or contains_token(backing, digits):
                continue
            context = " ".join(text[max(0, start - 40): start + 40].split())
            problems.append(f"cell {index}: {digits} (…{context}…)")
    return problems


def sections(nb):
    """Split the notebook into sections at markdown headings: lists of (cell index, cell, text chunk)."""
    current: list = []
    result = [current]
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            current.append((index, cell, None))
            continue
        starts = [m.start() for m in HEADING.finditer(cell.source)]
        bounds = [0] + [s for s in starts if s > 0] + [len(cell.source)]
        for k, (a, z) in enumerate(zip(bounds, bounds[1:])):
            if (k > 0 or a in starts) and current:
                current = []
                result.append(current)
            current.append((index, cell, cell.source[a:z]))
    return [s for s in result if s]


def sentences(text: str) -> list[str]:
    text = re.sub(r"^#{1,6} .*$", "", text, flags=re.MULTILINE)
    return [s for s in re.split(r"(?<=[.!?:;])\s+|\n\s*\n|\n\s*[-*] ", text) if s.strip()]


def unbacked_claims(nb) -> list[str]:
    problems = []
    for section in sections(nb):
        chunks = [chunk for _, cell, chunk in section if chunk is not None]
        proof = any("{prf:proof}" in chunk for chunk in chunks)
        scanned = any(
            cell.cell_type == "code" and "nbval-ignore-output" not in tags(cell)
            and re.search(r"^scan: ", output_text(cell), re.MULTILINE)
            for _, cell, _ in section)
        if proof or scanned:
            continue
        per_cell: dict[int, list[str]] = {}
        comments: dict[int, int] = {}
        for index, cell, chunk in section:
            if chunk is None:
                continue
            comments[index] = len(CLAIM_COMMENT.findall(cell.source))
            for sentence in sentences(prose(chunk)):
                if CLAIM_WORDS.search(sentence):
                    per_cell.setdefault(index, []).append(" ".join(sentence.split())[:120])
        for index, claims in per_cell.items():
            if len(claims) > comments.get(index, 0):
                problems += [f"cell {index}: {claim}" for claim in claims[comments.get(index, 0):]]
    return problems


def code_of(cell) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in cell.source.splitlines())


def _same(a: ast.AST, b: ast.AST) -> bool:
    return ast.dump(a) == ast.dump(b)


def weak_asserts(nb) -> list[str]:
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tree = ast.parse(code_of(cell))
        asserts = [node for node in ast.walk(tree) if isinstance(node, ast.Assert)]
        derives = any(isinstance(node, ast.Attribute) and node.attr in DERIVING
                      and isinstance(node.value, ast.Name) and node.value.id == "sp" for node in ast.walk(tree))
        if derives and not asserts:
            problems.append(f"cell {index}: derives with sympy but asserts nothing")
        for node in asserts:
            line = ast.unparse(node.test)[:100]
            if not any(isinstance(n, ast.Name) for n in ast.walk(node.test)):
                problems.append(f"cell {index}: assert on a constant: {line}")
            for n in ast.walk(node.test):
                if isinstance(n, ast.Compare) and any(_same(n.left, c) for c in n.comparators):
                    problems.append(f"cell {index}: compares an expression with itself: {line}")
                if isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Sub, ast.Div)) and _same(n.left, n.right):
                    problems.append(f"cell {index}: x - x or x / x: {line}")
    return problems



def counts(nb) -> dict[str, int]:
    """How many prose numbers (>= 3 significant digits) and region-claim sentences a notebook has, and how many
    of them are left unbacked."""
    numbers = sum(1 for cell in nb.cells if cell.cell_type == "markdown"
                  for digits, sig, _ in numbers_in(prose(cell.source)) if sig >= 3 and not is_year(digits))
    claims = sum(1 for cell in nb.cells if cell.cell_type == "markdown"
                 for sentence in sentences(prose(cell.source)) if CLAIM_WORDS.search(sentence))
    exempt = sum(len(EXEMPT_NUMBER.findall(cell.source)) for cell in nb.cells if cell.cell_type == "markdown")
    notes = sum(len(CLAIM_COMMENT.findall(cell.source)) for cell in nb.cells if cell.cell_type == "markdown")
    return {"numbers": numbers, "numbers exempted": exempt, "numbers unbacked": len(unbacked_numbers(nb)),
            "claims": claims, "claim notes": notes, "claims unbacked": len(unbacked_claims(nb)),
            "weak asserts": len(weak_asserts(nb))}


def main() -> int:
    rows = [(path.stem, counts(load(path))) for path in CHAPTERS]
    keys = list(rows[0][1])
    print(f"{'chapter':28s}" + "".join(f"{k:>18s}" for k in keys))
    for name, row in rows:
        print(f"{name:28s}" + "".join(f"{row[k]:18d}" for k in keys))
    return int(any(row["numbers unbacked"] or row["claims unbacked"] or row["weak asserts"] for _, row in rows))


if __name__ == "__main__":
    raise SystemExit(main())
