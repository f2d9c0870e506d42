"""Fixtures of the dashboard tests over the session's demo database (tests/conftest.py)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

APP = REPO / "dashboard" / "app.py"
