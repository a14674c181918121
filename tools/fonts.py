"""Subset an open CJK font to the Chinese characters the book uses, so Chinese terms render on any machine.

`python tools/fonts.py` (run by `make vendor`, so by `make book` and `make pdf`):

1. scans the book's sources (every page of `_toc.yml`: the chapter notebooks' cells and committed outputs, the
   Markdown pages; plus `_config.yml`, `_toc.yml` and `references.bib`) for CJK characters (ideographs, CJK
   punctuation, full-width forms, kana, hangul);
2. finds Noto Sans CJK (SIL Open Font License): Debian's `fonts-noto-cjk` if it is installed, otherwise a copy
   cached in `~/.cache/course-fonts/`, otherwise it fetches the package with `apt-get download` (no root needed,
   nothing is installed system-wide) and keeps only the two font files and the licence;
3. writes `_vendor/fonts/`: the Regular and Bold Simplified Chinese faces cut to exactly those characters, with
   TrueType outlines (so the PDF embeds them as real fonts), as WOFF (zlib-compressed, a few tens of kB) and `cjk.css`, whose `@font-face` rules carry a `unicode-range` listing the
   same characters, so the font is used for those characters only (`_assets/course.css` appends the family to
   the theme's font stacks, in light and dark mode).

Idempotent: does nothing when `_vendor/fonts/` already holds a subset of the same characters from the same font.
`--list` prints the characters found and where, without writing anything.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_vendor" / "fonts"
FAMILY = "Book CJK"
DEB = "fonts-noto-cjk"
SYSTEM_DIR = Path("/usr/share/fonts/opentype/noto")
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "course-fonts"
# (file in fonts-noto-cjk, CSS font-weight, output name). The collections hold the JP, KR, SC, TC and HK faces;
# the Simplified Chinese face is picked by name.
FACES = [("NotoSansCJK-Regular.ttc", 400, "book-cjk-regular.woff"),
         ("NotoSansCJK-Bold.ttc", 700, "book-cjk-bold.woff")]
FACE_NAME = "Noto Sans CJK SC"
LAYOUT = 4  # bump when the output changes for the same characters, so existing subsets are rebuilt

# Code point blocks that the theme's Latin fonts do not cover and that this font does.
CJK_RANGES = [
    (0x1100, 0x11FF),    # Hangul Jamo
    (0x2E80, 0x2FDF),    # CJK radicals, Kangxi radicals
    (0x2FF0, 0x303F),    # ideographic description, CJK symbols and punctuation (、。「」《》…)
    (0x3040, 0x30FF),    # Hiragana, Katakana
    (0x3100, 0x312F),    # Bopomofo
    (0x3130, 0x318F),    # Hangul compatibility Jamo
    (0x3190, 0x31FF),    # Kanbun, Bopomofo extended, CJK strokes, Katakana extension
    (0x3200, 0x33FF),    # enclosed CJK, CJK compatibility
    (0x3400, 0x4DBF),    # CJK extension A
    (0x4E00, 0x9FFF),    # CJK unified ideographs
    (0xAC00, 0xD7AF),    # Hangul syllables
    (0xF900, 0xFAFF),    # CJK compatibility ideographs
    (0xFE10, 0xFE1F),    # vertical forms
    (0xFE30, 0xFE4F),    # CJK compatibility forms
    (0xFF00, 0xFFEF),    # half-width and full-width forms (，（）：…)
    (0x20000, 0x3FFFF),  # supplementary ideographic planes
]


def is_cjk(char: str) -> bool:
    code = ord(char)
    return any(lo <= code <= hi for lo, hi in CJK_RANGES)


# ------------------------------------------------------------------------------------------------- sources


def toc_files() -> list[Path]:
    """The source file of every page in the table of contents (root, chapters, sections)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    names, stack = [toc["root"]], [c for part in toc.get("parts", []) for c in part["chapters"]]
    while stack:
        entry = stack.pop(0)
        names.append(entry["file"])
        stack[:0] = entry.get("sections", [])
    files = []
    for name in names:
        for suffix in (".ipynb", ".md", ".rst", ""):
            if (ROOT / (name + suffix)).is_file():
                files.append(ROOT / (name + suffix))
                break
        else:
            raise FileNotFoundError(f"_toc.yml lists {name!r}, which has no source file")
    return files


def _notebook_text(path: Path) -> str:
    """Everything of a notebook that can reach a page: cell sources and the text of committed outputs."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in nb.get("cells", []):
        parts.append("".join(cell.get("source", "")))
        for output in cell.get("outputs", []):
            parts.append("".join(output.get("text", "")))
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/") or mime.endswith("json"):
                    parts.append(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                                 if not isinstance(value, list) else "".join(value))
    return "\n".join(parts)


def source_files() -> list[Path]:
    extra = [ROOT / name for name in ("_config.yml", "_toc.yml", "references.bib") if (ROOT / name).is_file()]
    return toc_files() + extra


def characters() -> dict[str, list[str]]:
    """Every CJK character of the book's sources, mapped to the files it occurs in (sorted by code point)."""
    found: dict[str, set[str]] = {}
    for path in source_files():
        text = _notebook_text(path) if path.suffix == ".ipynb" else path.read_text(encoding="utf-8")
        for char in set(text):
            if is_cjk(char):
                found.setdefault(char, set()).add(path.relative_to(ROOT).as_posix())
    return {c: sorted(found[c]) for c in sorted(found)}


# ------------------------------------------------------------------------------------------------ the font


def _fetch_into_cache() -> None:
    """Fetch Debian's fonts-noto-cjk with `apt-get download` and keep its two Sans CJK files and licence."""
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise SystemExit(f"tools/fonts.py: no CJK font found. Install Debian's {DEB} (apt-get install {DEB}) "
                         f"or copy {', '.join(f for f, _, _ in FACES)} into {CACHE}/")
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)  # apt's sandbox user writes the download here
        command = ["apt-get", "download", "-q", DEB]
        result = subprocess.run(command, cwd=tmp, capture_output=True, text=True)
        if result.returncode != 0 and os.geteuid() == 0:  # a fresh machine may have no package lists yet
            subprocess.run(["apt-get", "update", "-qq"], check=True)
            result = subprocess.run(command, cwd=tmp, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"tools/fonts.py: `apt-get download {DEB}` failed:\n{result.stderr[-2000:]}\n"
                             f"Install {DEB} (apt-get install {DEB}) and run again.")
        deb = next(Path(tmp).glob("*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), str(Path(tmp) / "x")], check=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        for name, _, _ in FACES:
            shutil.copy2(Path(tmp) / "x" / SYSTEM_DIR.relative_to("/") / name, CACHE / name)
        shutil.copy2(Path(tmp) / "x" / "usr/share/doc" / DEB / "copyright", CACHE / "copyright")
    print(f"tools/fonts.py: fetched {DEB} ({deb.name}) into {CACHE}")


def font_files() -> tuple[list[Path], Path | None]:
    """The Regular and Bold collections (system copy first, then the cache, fetching it if needed) and the licence."""
    if all((SYSTEM_DIR / name).is_file() for name, _, _ in FACES):
        licence = Path("/usr/share/doc") / DEB / "copyright"
        return [SYSTEM_DIR / name for name, _, _ in FACES], licence if licence.is_file() else None
    if not all((CACHE / name).is_file() for name, _, _ in FACES):
        _fetch_into_cache()
    return [CACHE / name for name, _, _ in FACES], CACHE / "copyright"


def _face_index(collection: Path) -> int:
    from fontTools.ttLib import TTCollection

    ttc = TTCollection(str(collection), lazy=True)
    for index, font in enumerate(ttc.fonts):
        if font["name"].getDebugName(1) == FACE_NAME:
            return index
    raise SystemExit(f"tools/fonts.py: {collection} has no face named {FACE_NAME!r}")


def subset(collection: Path, chars: str, destination: Path) -> int:
    """Cut the Simplified Chinese face of `collection` to `chars`, write WOFF; returns the glyph count."""
    from fontTools import subset as ft_subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(collection), fontNumber=_face_index(collection), lazy=False)
    options = ft_subset.Options()
    options.flavor = "woff"          # zlib: needs no extra package (WOFF2 would need brotli)
    options.layout_features = ["kern", "halt", "palt"]  # horizontal text only: no vertical or other-locale forms
    options.name_IDs = ["*"]         # keep the copyright and licence names
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False          # CFF hints are of no use at screen sizes in browsers; they only add bytes
    options.desubroutinize = True    # compresses better once subset
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    _cff_to_truetype(font)
    cmap = font.getBestCmap()
    missing = [c for c in chars if ord(c) not in cmap]
    if missing:
        raise SystemExit(f"tools/fonts.py: {FACE_NAME} has no glyph for {''.join(missing)!r}")
    destination.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(destination))
    return len(font.getGlyphOrder())


def _cff_to_truetype(font, max_err: float = 0.5) -> None:
    """Replace the CFF outlines by TrueType (quadratic) ones, in place. Chromium's PDF writer embeds a TrueType
    face as a real font (named, searchable, sharp at any zoom) but draws CFF glyphs as Type 3 pictures."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"], font["loca"] = glyf, newTable("loca")
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth"):
        setattr(maxp, field, 1 if field == "maxZones" else 0)
    maxp.numGlyphs = len(order)
    font["maxp"] = maxp
    font["post"].formatType = 3.0  # no glyph names: text maps through the cmap
    font["head"].glyphDataFormat = 0
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    font.sfntVersion = "\x00\x01\x00\x00"


def unicode_range(chars: str) -> str:
    """A CSS unicode-range listing exactly `chars`, with consecutive code points merged (U+4E00-4E03)."""
    codes, spans = sorted({ord(c) for c in chars}), []
    for code in codes:
        if spans and code == spans[-1][1] + 1:
            spans[-1][1] = code
        else:
            spans.append([code, code])
    return ", ".join(f"U+{lo:X}" if lo == hi else f"U+{lo:X}-{hi:X}" for lo, hi in spans)


def css(chars: str) -> str:
    rules = [f"/* Generated by tools/fonts.py: {FACE_NAME} (SIL Open Font License, see LICENSE-fonts-noto-cjk), "
             f"cut to the {len(chars)} CJK characters of the book's sources. Used for those characters only. */"]
    for _, weight, name in FACES:
        rules.append(f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: {weight}; '
                     f'font-display: swap; src: url("{name}") format("woff"); '
                     f"unicode-range: {unicode_range(chars)}; }}")
    return "\n".join(rules) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the characters found and exit")
    args = parser.parse_args(argv)
    found = characters()
    chars = "".join(found)
    if args.list:
        for char, files in found.items():
            print(f"{char} U+{ord(char):04X} {', '.join(files)}")
        print(f"{len(chars)} characters")
        return 0
    files, licence = font_files()
    stamp = {"chars": hashlib.sha256(chars.encode()).hexdigest(), "layout": LAYOUT,
             "fonts": [f"{p.name}:{p.stat().st_size}" for p in files]}
    stamp_file = OUT / "stamp.json"
    outputs = [OUT / name for _, _, name in FACES] + [OUT / "cjk.css"]
    if stamp_file.is_file() and json.loads(stamp_file.read_text()) == stamp and all(p.is_file() for p in outputs):
        return 0
    if not chars:  # still write the stylesheet (the config loads it), with no face to load
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "cjk.css").write_text("/* Generated by tools/fonts.py: the book has no CJK characters. */\n")
    else:
        glyphs = [subset(path, chars, OUT / name) for path, (_, _, name) in zip(files, FACES)]
        (OUT / "cjk.css").write_text(css(chars), encoding="utf-8")
        if licence:
            shutil.copy2(licence, OUT / "LICENSE-fonts-noto-cjk")
        sizes = ", ".join(f"{name} {(OUT / name).stat().st_size / 1000:.1f} kB ({g} glyphs)"
                          for (_, _, name), g in zip(FACES, glyphs))
        print(f"tools/fonts.py: {len(chars)} CJK characters -> _vendor/fonts/: {sizes}")
    stamp_file.write_text(json.dumps(stamp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
