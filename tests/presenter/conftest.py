"""Fixtures of the presenter tests (the demo database, connection and server: tests/conftest.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

APP = REPO / "dashboard" / "app.py"
ARTIFACTS = REPO / "tests" / "artifacts" / "presenter"


@pytest.fixture(scope="session")
def server(app_server) -> str:
    """The dashboard's base URL (tests/conftest.py: one server per session)."""
    return app_server.url
