"""Build the site with warnings as errors: `python tools/build_book.py [--out DIR]`.

SOLUTIONS=0 in the environment builds a student site whose exercise solutions are left out
(sphinx-exercise's `hide_solutions`). The build output goes to DIR/_build/html (default: the repository).
Exits non-zero on any warning, including a notebook cell that fails while executing.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def build(out: Path, solutions: bool) -> int:
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT),
               "-W", "-n", "--keep-going", "--path-output", str(out)]
    with tempfile.TemporaryDirectory() as tmp:
        if not solutions:
            config = yaml.safe_load((ROOT / "_config.yml").read_text())
            config["sphinx"]["config"]["hide_solutions"] = True
            # Share the execution cache of the main build, so a student build does not re-run every notebook.
            config["execute"]["cache"] = str(ROOT / "_build" / ".jupyter_cache")
            # Paths in a config are read relative to the config file: make them absolute for the copy.
            config["sphinx"]["local_extensions"] = {
                name: str(ROOT / path) for name, path in config["sphinx"]["local_extensions"].items()}
            config["bibtex_bibfiles"] = [str(ROOT / f) for f in config["bibtex_bibfiles"]]
            config["html"]["favicon"] = str(ROOT / config["html"]["favicon"])
            (Path(tmp) / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
            command += ["--config", str(Path(tmp) / "_config.yml")]
        start = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if result.returncode == 0:
        print(f"built {out / '_build' / 'html' / 'index.html'} in {elapsed:.1f} s"
              f"{' (solutions hidden)' if not solutions else ''}")
    return result.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT, help="folder that receives _build/ (default: repo)")
    args = parser.parse_args()
    solutions = os.environ.get("SOLUTIONS", "1") not in {"0", "false", "no"}
    return build(args.out.resolve(), solutions)


if __name__ == "__main__":
    sys.exit(main())
