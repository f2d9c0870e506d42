"""データ管理 in headless chromium: the secretariat uploads a new survey wave through the page
(set_input_files), checks it, publishes it; another session left open on 概要 shows the new wave
with nobody touching it, within seconds; rollback brings the old one back the same way.

Its own server and database (the test publishes into it): `streamlit run dashboard/server.py`
on this machine without sign-in, where the person at the machine is the secretariat.
"""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import pandas as pd
import pytest

from data import versions
from tests.conftest import REPO, free_port, running_server, streamlit_argv

from .conftest import new_context, open_page, wait_idle

pytestmark = pytest.mark.browser

FOLLOW_TIMEOUT_MS = 30_000  # the open page checks every 10 s (dashboard.db.FOLLOW_SECONDS)


@pytest.fixture(scope="module")
def data_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("data_admin")
    db = root / "db" / "tsunagari.duckdb"
    built = subprocess.run(
        [sys.executable, "-m", "data", "build", "--demo", "--db", str(db)], cwd=REPO, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stderr
    port = free_port()
    env = {
        **os.environ,
        "TSUNAGARI_DB": str(db),
        "TSUNAGARI_INSTANCE": str(root / "instance"),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    env.pop("TSUNAGARI_MIN_N", None)
    argv = streamlit_argv(port)
    url = f"http://127.0.0.1:{port}"
    with running_server(argv, env, root / "server.log", url):
        yield SimpleNamespace(url=url, db=db, root=root)


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
        open_page(watcher, data_server.url, title="概要")
        assert f"{latest}年" in _wave_shown(watcher)

        open_page(admin, data_server.url, "data", title="データ管理")
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
    finally:
        watcher_ctx.close()
        admin_ctx.close()
