"""tests/perf's scripts (bench.py, load.py, pandas_baseline.py) as modules for their tests: they sit
beside each other, not in a package, and pytest imports with importlib, without tests/perf on
sys.path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

PERF = Path(__file__).resolve().parent / "perf"


def load_script(file: str) -> ModuleType:
    """tests/perf/FILE loaded as the module tsunagari_<stem> (registered in sys.modules: dataclasses
    look their module up by name)."""
    spec = importlib.util.spec_from_file_location(f"tsunagari_{Path(file).stem}", PERF / file)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod
