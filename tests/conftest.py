"""Fixtures shared by the test folders: one demo database, one dashboard server and one headless
chromium per session.

Playwright's sync API runs one event loop per process: a second `sync_playwright()` while the
first is open fails, so every real-browser test uses the `browser` fixture here.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_TIMEOUT = 60  # seconds until /_stcore/health answers 200

# The project's reference material (national figures, the real boundary file) lives beside the
# repository, not in it. Tests that read it carry @pytest.mark.shared (so do tests using a fixture
# below that reads it): they run where ../shared is there (as in CI) and, in a clone without it, are
# deselected and the summary says why: never errors, never skips.
SHARED = REPO.parent / "shared"
SHARED_FIXTURES = {"real_file", "reference_text"}
_SHARED_DESELECTED = pytest.StashKey[int]()


def pytest_configure(config):
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    # The installation's folder (record-key secret, later accounts and the audit log) of this test
    # session: never the checkout's instance/, so tests neither read nor leave an installation's files.
    if not os.environ.get("TSUNAGARI_KEEP_INSTANCE"):
        import tempfile

        os.environ["TSUNAGARI_INSTANCE"] = tempfile.mkdtemp(prefix="tsunagari-instance-")


@pytest.hookimpl(tryfirst=True)  # marks added before `-m` selects on them
def pytest_collection_modifyitems(config, items):
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if SHARED_FIXTURES & used:
            item.add_marker(pytest.mark.shared)
        if "browser" in used:  # `make test-fast` (-m "not browser") leaves out every test that opens chromium
            item.add_marker(pytest.mark.browser)
    if SHARED.is_dir():
        return
    needs = [item for item in items if item.get_closest_marker("shared")]
    if needs:
        items[:] = [item for item in items if not item.get_closest_marker("shared")]
        config.hook.pytest_deselected(items=needs)
        config.stash[_SHARED_DESELECTED] = len(needs)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    n = config.stash.get(_SHARED_DESELECTED, 0)
    if n:
        tests, were = ("test needs", "was") if n == 1 else ("tests need", "were")
        terminalreporter.write_line(
            f"{n} {tests} ../shared (the project's reference material) and {were} "
            f"deselected: it is not beside this clone ({SHARED})"
        )


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """`python -m data build --demo --db TMP`, once per session (tests only read it)."""
    db = tmp_path_factory.mktemp("demo_db") / "tsunagari.duckdb"
    result = subprocess.run(
        [sys.executable, "-m", "data", "build", "--demo", "--db", str(db)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"demo build failed:\n{result.stdout}\n{result.stderr}"
    return db


@pytest.fixture
def con(demo_db):
    """A read-only connection to the demo database."""
    from queries import runner

    c = runner.connect(demo_db)
    yield c
    c.close()


@pytest.fixture
def app_env(demo_db, monkeypatch) -> Path:
    """The environment of an AppTest over the demo database (default disclosure threshold)."""
    monkeypatch.setenv("TSUNAGARI_DB", str(demo_db))
    monkeypatch.delenv("TSUNAGARI_MIN_N", raising=False)
    return demo_db


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def running_server(argv: list[str], env: dict[str, str], log_path: Path, url: str):
    """ARGV (a dashboard server) started with ENV, its output in LOG_PATH, until URL's
    /_stcore/health answers; stopped on leaving. Fails the test with the log if it does not start."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(f"{url}/_stcore/health"):
            if proc.poll() is not None:
                pytest.fail(f"the server exited with {proc.returncode}:\n{log_path.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the server is not healthy after {SERVER_START_TIMEOUT}s:\n{log_path.read_text(errors='replace')}"
                )
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def streamlit_argv(port: int) -> list[str]:
    """`streamlit run dashboard/server.py` (as `make run`) on PORT of this machine."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "dashboard/server.py",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        # others may edit the tree meanwhile: no "source changed" prompt, no watcher CPU
        "--server.fileWatcherType",
        "none",
    ]


def dashboard_cli(instance: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """`python -m dashboard ARGS` with the instance folder INSTANCE (accounts, the audit log)."""
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        cwd=REPO,
        env={**os.environ, "TSUNAGARI_INSTANCE": str(instance)},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="session")
def app_server(demo_db, tmp_path_factory) -> SimpleNamespace:
    """`streamlit run dashboard/server.py` (as `make run`) on a free port over the demo database: its
    url and log."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("app_server") / "streamlit.log"
    env = {**os.environ, "TSUNAGARI_DB": str(demo_db), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    env.pop("TSUNAGARI_MIN_N", None)
    argv = streamlit_argv(port)
    url = f"http://127.0.0.1:{port}"
    with running_server(argv, env, log_path, url):
        yield SimpleNamespace(url=url, log=log_path)


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless, driven by Playwright."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} not found: the browser tests drive Debian's chromium. "
            "Install it with `apt-get install chromium` (.ci/run does this when run as root)."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
