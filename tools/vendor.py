"""Fetch the JavaScript the site serves itself (so that pages make no request to other hosts) into _vendor/.

Pinned npm packages, fetched with `npm pack` (the npm registry is the only place the build reaches besides PyPI):
MathJax 3 (TeX input, CommonHTML output, its woff2 fonts and TeX extensions). Idempotent: does nothing when
_vendor/ already holds this version. (The site has no ipywidgets manager: its explorers need no JavaScript library;
see _config.yml.) Then runs tools/fonts.py: the CJK font subset for the book's Chinese terms, in _vendor/fonts/.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "_vendor"
PACKAGES = {
    "mathjax": "3.2.2",
    "layout": 3,  # bump when FILES changes, so existing _vendor/ folders are refreshed
}
# (package, path inside the package, destination inside _vendor)
FILES = [
    ("mathjax", "es5/tex-chtml.js", "mathjax/tex-chtml.js"),
    ("mathjax", "es5/output/chtml/fonts/woff-v2", "mathjax/output/chtml/fonts/woff-v2"),
    ("mathjax", "es5/input/tex/extensions", "mathjax/input/tex/extensions"),
    ("mathjax", "es5/ui", "mathjax/ui"),
    ("mathjax", "es5/a11y", "mathjax/a11y"),
    ("mathjax", "LICENSE", "mathjax/LICENSE"),
]
STAMP = VENDOR / "versions.json"
# For the browser tests only (never served by the site: Sphinx skips dot-folders of html_static_path).
TEST_PACKAGES = {"axe-core": "4.14.1"}
TEST_VENDOR = VENDOR / ".tests"


def _pack(spec: str, workdir: Path) -> Path:
    out = subprocess.run(["npm", "pack", "--silent", spec], cwd=workdir, check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    extracted = workdir / out.removesuffix(".tgz")
    with tarfile.open(workdir / out) as tar:
        tar.extractall(extracted, filter="data")
    return extracted / "package"


def main() -> int:
    status = vendor_javascript()
    if status:
        return status
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import fonts  # tools/fonts.py

    return fonts.main([])


def vendor_javascript() -> int:
    if STAMP.exists() and json.loads(STAMP.read_text()) == PACKAGES:
        return 0
    if shutil.which("npm") is None:
        print("tools/vendor.py: npm is needed once to fetch MathJax "
              "(apt-get install -y npm)", file=sys.stderr)
        return 1
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    with tempfile.TemporaryDirectory() as tmp:
        roots = {name: _pack(f"{name}@{version}", Path(tmp)) for name, version in PACKAGES.items()
                 if name != "layout"}
        for package, source, destination in FILES:
            if "*" in source:  # a glob: copy every match into the destination folder
                (VENDOR / destination).mkdir(parents=True, exist_ok=True)
                for match in roots[package].glob(source):
                    shutil.copy2(match, VENDOR / destination / match.name)
                continue
            src, dst = roots[package] / source, VENDOR / destination
            if not src.exists():
                continue  # LICENSE files are optional in some packages
            dst.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, dst)
    STAMP.write_text(json.dumps(PACKAGES))
    size = sum(f.stat().st_size for f in VENDOR.rglob("*") if f.is_file())
    print(f"vendored {', '.join(f'{k}@{v}' for k, v in PACKAGES.items() if k != 'layout')} into _vendor/ ({size / 1e6:.1f} MB)")
    return 0


def vendor_test_tools() -> Path:
    """axe-core (accessibility rules) into _vendor/.tests/, for the browser tests; returns the axe.min.js path."""
    target = TEST_VENDOR / f"axe-core-{TEST_PACKAGES['axe-core']}" / "axe.min.js"
    if target.is_file():
        return target
    if shutil.which("npm") is None:
        raise SystemExit("tools/vendor.py: npm is needed once to fetch axe-core for the browser tests")
    with tempfile.TemporaryDirectory() as tmp:
        root = _pack(f"axe-core@{TEST_PACKAGES['axe-core']}", Path(tmp))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / "LICENSE", target.parent / "LICENSE")
        shutil.copy2(root / "axe.min.js", target)
    return target


if __name__ == "__main__":
    if sys.argv[1:] == ["--tests"]:
        print(vendor_test_tools())
        sys.exit(0)
    sys.exit(main())
