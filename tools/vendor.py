"""Fetch the JavaScript the site serves itself (so that pages make no request to other hosts) into _vendor/.

Pinned npm packages, fetched with `npm pack` (the npm registry is the only place the build reaches besides PyPI):
MathJax 3 (TeX input, CommonHTML output, its woff2 fonts and TeX extensions). Idempotent: does nothing when
_vendor/ already holds this version. (The site has no ipywidgets manager: its explorers need no JavaScript library;
see _config.yml.)
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


def _pack(spec: str, workdir: Path) -> Path:
    out = subprocess.run(["npm", "pack", "--silent", spec], cwd=workdir, check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    extracted = workdir / out.removesuffix(".tgz")
    with tarfile.open(workdir / out) as tar:
        tar.extractall(extracted, filter="data")
    return extracted / "package"


def main() -> int:
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


if __name__ == "__main__":
    sys.exit(main())
