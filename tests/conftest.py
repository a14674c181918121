import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Make tools/nb.py importable as `tools_nb` (tools/ is a folder of scripts, not a package).
# Likewise tools/rigour.py as `tools_rigour`.
for _name, _file in (("tools_nb", "nb.py"), ("tools_rigour", "rigour.py")):
    _spec = importlib.util.spec_from_file_location(_name, ROOT / "tools" / _file)
    _module = importlib.util.module_from_spec(_spec)
    sys.modules[_name] = _module
    _spec.loader.exec_module(_module)

# Property tests are deterministic: the same examples on every run and machine, so a verdict cannot change with a
# seed (hypothesis still shrinks and reports a failing example). HYPOTHESIS_PROFILE=explore searches afresh.
import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Hypothesis also draws examples from the literal constants of the local modules already imported (its providers
# scan sys.modules afresh for each input), so the examples a derandomized test got depended on what the tests run
# before it in the same process had imported: a fresh clone's make test drew a game for
# test_solve_matches_brute_force_hypothesis that a run of that file alone never does. Every module of lib is
# imported here, before collection, so that the pool (lib, tools and the collected test modules) is the same in every
# full run whichever worker runs what first.
import importlib
import pkgutil

import lib

for _info in pkgutil.walk_packages(lib.__path__, "lib."):
    try:
        importlib.import_module(_info.name)
    except Exception:  # a module that does not import (a planted mutant's failing module-level assert, say) is
        pass  # reported by the collection of every test module that imports it (pytest exit 2, a failure); raised
        # here it would stop pytest with exit 4, a usage error, before any test ran
