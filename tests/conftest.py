import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Make tools/nb.py importable as `tools_nb` (tools/ is a folder of scripts, not a package).
_spec = importlib.util.spec_from_file_location("tools_nb", ROOT / "tools" / "nb.py")
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
sys.modules["tools_nb"] = _module
