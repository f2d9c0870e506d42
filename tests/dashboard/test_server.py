"""The server entry point (dashboard/server.py) and its warm-up (dashboard/warmup.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from streamlit.web.server.app_discovery import discover_asgi_app

from .conftest import REPO

SERVER = REPO / "dashboard" / "server.py"


def test_streamlit_run_finds_the_app_object_in_server_py():
    # `streamlit run dashboard/server.py` serves an st.App only when it finds one in the file;
    # otherwise it would run server.py itself as the page script.
    found = discover_asgi_app(Path(SERVER))
    assert found.is_asgi_app and found.app_name == "app"


def _python(code: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_warm_up_imports_what_the_first_page_needs_in_a_fresh_process():
    out = _python(
        "import sys\n"
        "from dashboard import warmup\n"
        "before = [m for m in warmup.MODULES if m in sys.modules]\n"
        "warmup.start()\n"
        "assert warmup.wait(100)\n"
        # not exiting while the warm-up thread is inside DuckDB (that aborted the interpreter)
        "assert warmup.wait_finished(100)\n"
        "print(before, [m for m in warmup.MODULES if m not in sys.modules], 'streamlit.emojis' in sys.modules)\n"
    )
    assert out == "[] [] True"


def test_after_the_warm_up_the_first_page_run_imports_nothing_of_its_own(demo_db):
    """Every module the first page (概要) loads is loaded by the server's start-up or its warm-up:
    an import left in the first run delays the heading the first visitor waits for. Streamlit's
    and Starlette's own modules are left out: AppTest brings some of its own."""
    out = _python(
        "import sys\n"
        # what dashboard/server.py imports before serving, then its warm-up
        "from dashboard import shell, warmup\n"
        "from dashboard.access import gate, settings\n"
        "from streamlit.testing.v1 import AppTest\n"
        "warmup.start()\n"
        "assert warmup.wait_finished(100)\n"
        f"at = AppTest.from_file({str(REPO / 'dashboard' / 'app.py')!r}, default_timeout=100)\n"
        "before = set(sys.modules)\n"
        "at.run()\n"
        "assert not at.exception, at.exception\n"
        "assert at.title[0].value == '概要', at.title\n"
        "new = set(sys.modules) - before\n"
        "print(sorted(m for m in new if m.split('.')[0] not in ('streamlit', 'starlette')))\n",
        env={**os.environ, "TSUNAGARI_DB": str(demo_db)},
    )
    assert out.splitlines()[-1] == "[]"


def test_without_a_warm_up_wait_returns_at_once():
    out = _python(
        "import sys\n"
        "from dashboard import warmup\n"
        # a wait on a warm-up that never started would time out and answer False
        "print(warmup.wait(0.01), 'pandas' in sys.modules)\n"
    )
    assert out == "True False"


def test_a_page_run_waits_for_the_imports_not_for_the_first_pages_figures():
    """The first page's run starts once the modules are loaded; the warm-up's figures meet it at
    st.cache_data's per-key lock instead of holding back its heading and sidebar."""
    out = _python(
        "import gc, threading, time\n"
        "from dashboard import warmup\n"
        "release = threading.Event()\n"
        "warmup._prime_first_page = lambda: release.wait(30)\n"
        "warmup.start()\n"
        "print(warmup.wait(100), warmup.wait_finished(0.01), gc.get_freeze_count() > 0)\n"
        "release.set()\n"
        "print(warmup.wait_finished(100), gc.get_freeze_count() > 0)\n"
    )
    # wait_finished: only once the first page is done, and the imports frozen by then
    assert out == "True False False\nTrue True"
