"""データ管理 in headless chromium: the secretariat uploads a new survey wave through the page
(set_input_files), checks it, publishes it; another session left open on 概要 shows the new wave
with nobody touching it, within seconds; rollback brings the old one back the same way.

Its own server, database and instance folder (the test publishes into it): `python -m dashboard
serve` with built-in accounts, a secretariat publishing and a member watching, as at a meeting.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pandas as pd
import pytest

from data import versions
from tests.conftest import REPO, dashboard_cli, free_port, running_server

from .conftest import new_context, sign_in, wait_idle

pytestmark = pytest.mark.browser


def audit_entries(instance) -> list[dict]:
    path = instance / "audit.log"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


FOLLOW_TIMEOUT_MS = 30_000  # the open page checks every 10 s (dashboard.db.FOLLOW_SECONDS)


ACCOUNTS = {"jimukyoku": ("secretariat", "secretariat-pass-1"), "kaiin": ("member", "member-pass-12")}


@pytest.fixture(scope="module")
def data_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("data_admin")
    db = root / "db" / "tsunagari.duckdb"
    built = subprocess.run(
        [sys.executable, "-m", "data", "build", "--demo", "--db", str(db)], cwd=REPO, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stderr
    instance = root / "instance"
    for name, (role, password) in ACCOUNTS.items():
        done = dashboard_cli(instance, "users", "add", name, "--role", role, "--password-stdin", stdin=password + "\n")
        assert done.returncode == 0, done.stderr
    port = free_port()
    env = {
        **os.environ,
        "TSUNAGARI_DB": str(db),
        "TSUNAGARI_INSTANCE": str(instance),
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    env.pop("TSUNAGARI_MIN_N", None)
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "dashboard", "serve", "--port", str(port)]
    with running_server(argv, env, root / "server.log", url):
        yield SimpleNamespace(url=url, db=db, root=root, instance=instance)


WAVE_INPUT = '[data-testid="stSidebar"] input[aria-label="調査年"]'


def _wave_shown(page) -> str:
    """The sidebar's survey-year choice as shown (最新（2025年）: the latest wave by default)."""
    return page.locator(WAVE_INPUT).input_value()


def _wait_for_wave(page, text: str) -> None:
    page.bring_to_front()  # as the member looking at it: a tab in the background has its timers slowed
    page.wait_for_function(
        "([sel, text]) => (document.querySelector(sel)?.value || '').includes(text)",
        arg=[WAVE_INPUT, text],
        timeout=FOLLOW_TIMEOUT_MS,
        polling=200,
    )


def test_publish_from_the_browser_reaches_an_open_page_then_rollback(browser, data_server, artifacts):
    first = versions.current_id(data_server.db)
    demo = REPO / "data" / "demo"
    latest = max(int(p.stem.rsplit("_", 1)[1]) for p in demo.glob("survey_responses_*.csv"))
    wave = latest + 1  # a wave the demo does not have
    upload = data_server.root / f"survey_responses_{wave}.csv"
    survey = pd.read_csv(demo / f"survey_responses_{latest}.csv", dtype=str, encoding="utf-8-sig")
    survey["wave"] = str(wave)
    survey.to_csv(upload, index=False, encoding="utf-8-sig")

    watcher_ctx, admin_ctx = new_context(browser), new_context(browser)
    try:
        watcher, admin = watcher_ctx.new_page(), admin_ctx.new_page()
        sign_in(watcher, data_server.url, "kaiin", ACCOUNTS["kaiin"][1], "/", "概要")  # a member
        assert f"{latest}年" in _wave_shown(watcher)

        sign_in(admin, data_server.url, "jimukyoku", ACCOUNTS["jimukyoku"][1], "/data", "データ管理")
        admin.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
        admin.locator('[data-testid="stFileUploader"]').get_by_text(f"{wave}.csv").first.wait_for()  # name shortened
        admin.get_by_role("button", name="確認する（まだ公開されません）").click()
        admin.get_by_text("確認が終わりました").first.wait_for(timeout=120_000)
        wait_idle(admin)
        assert admin.get_by_text(f"調査の回を追加: {wave}年").count() == 1
        admin.screenshot(path=str(artifacts / "data_admin_preview.png"), full_page=True)
        assert versions.current_id(data_server.db) == first  # nothing published yet
        assert f"{latest}年" in _wave_shown(watcher)

        admin.get_by_role("button", name="公開する").click()
        admin.get_by_text("を公開しました").first.wait_for(timeout=60_000)
        wait_idle(admin)
        new = versions.current_id(data_server.db)
        assert new != first
        admin.screenshot(path=str(artifacts / "data_admin_published.png"), full_page=True)

        # the open page follows without anyone touching it
        _wait_for_wave(watcher, f"{wave}年")

        # rollback from the version list
        admin.get_by_role("combobox", name="版を選ぶ（取り込んだファイルを表示）").click()
        admin.get_by_role("option", name=first).click()
        wait_idle(admin)
        admin.get_by_text(f"版 {first} に戻します").click()
        wait_idle(admin)
        admin.get_by_role("button", name="この版に戻す").click()
        admin.get_by_text(f"版 {first} に戻しました").first.wait_for()
        assert versions.current_id(data_server.db) == first
        _wait_for_wave(watcher, f"{latest}年")
        assert str(wave) not in _wave_shown(watcher)
        # who did what, in the audit log
        events = [e["event"] for e in audit_entries(data_server.instance) if e["user"] == "jimukyoku"]
        assert {"data_checked", "data_publish", "data_rollback"} <= set(events)
    finally:
        watcher_ctx.close()
        admin_ctx.close()
