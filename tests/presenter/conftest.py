"""Fixtures of the presenter tests: a demo database per session, a connection, an app server."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

APP = REPO / "dashboard" / "app.py"
ARTIFACTS = REPO / "tests" / "artifacts" / "presenter"


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """`python -m data build --demo --db TMP`, once per session."""
    db = tmp_path_factory.mktemp("presenter_db") / "tsunagari.duckdb"
    result = subprocess.run([sys.executable, "-m", "data", "build", "--demo", "--db", str(db)],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"demo build failed:\n{result.stdout}\n{result.stderr}"
    return db


@pytest.fixture
def con(demo_db):
    from queries import runner

    c = runner.connect(demo_db)
    yield c
    c.close()


@pytest.fixture
def app_env(demo_db, monkeypatch) -> Path:
    monkeypatch.setenv("TSUNAGARI_DB", str(demo_db))
    monkeypatch.delenv("TSUNAGARI_MIN_N", raising=False)
    return demo_db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(demo_db):
    """The dashboard served on a free port (TSUNAGARI_DB = the demo database); yields its URL."""
    port = free_port()
    env = {**os.environ, "TSUNAGARI_DB": str(demo_db), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    env.pop("TSUNAGARI_MIN_N", None)
    log = open(demo_db.parent / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
                             "--server.headless", "true", "--server.address", "127.0.0.1"],
                            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {(demo_db.parent / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("server did not start")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def pytest_configure(config):
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
