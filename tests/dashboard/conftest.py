"""Fixtures of the dashboard tests: one demo database built per test session, and AppTest helpers."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

APP = REPO / "dashboard" / "app.py"


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """`python -m data build --demo --db TMP`, once per session; TSUNAGARI_DB points at it."""
    db = tmp_path_factory.mktemp("db") / "tsunagari.duckdb"
    result = subprocess.run(
        [sys.executable, "-m", "data", "build", "--demo", "--db", str(db)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, f"demo build failed:\n{result.stdout}\n{result.stderr}"
    assert db.is_file()
    return db


@pytest.fixture
def app_env(demo_db, monkeypatch) -> Path:
    monkeypatch.setenv("TSUNAGARI_DB", str(demo_db))
    monkeypatch.delenv("TSUNAGARI_MIN_N", raising=False)
    return demo_db


@pytest.fixture
def con(demo_db):
    from queries import runner

    c = runner.connect(demo_db)
    yield c
    c.close()


def pytest_configure(config):
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
