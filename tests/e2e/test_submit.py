"""Monthly submissions in headless chromium, against `python -m dashboard serve` with built-in
accounts: an organisation signs in, downloads its template, fills it (openpyxl, here), uploads a
wrong file first (the problem list), then the template (set_input_files), reads the preview and
submits; the secretariat signs in and 提出状況 (and its CSV) shows the submission.

Its own server and instance folder (two accounts); the session's demo database, read only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest

from tests.conftest import dashboard_cli, free_port, running_server

from .conftest import full_page_screenshot, new_context, sign_in, wait_idle

pytestmark = pytest.mark.browser

ORG = "O16"  # a demo organisation: fields 8;1, districts 1;6
ACCOUNTS = {
    "npo-hidamari": ("org", ORG, "hidamari-pass-1"),
    "jimukyoku": ("secretariat", None, "secretariat-pass-1"),
}


_cli = dashboard_cli


@pytest.fixture(scope="module")
def submit_server(demo_db, tmp_path_factory):
    instance = tmp_path_factory.mktemp("submit_instance")
    for name, (role, org, password) in ACCOUNTS.items():
        extra = ["--org", org] if org else []
        done = _cli(instance, "users", "add", name, "--role", role, *extra, "--password-stdin", stdin=password + "\n")
        assert done.returncode == 0, done.stderr
    port = free_port()
    env = {
        **os.environ,
        "TSUNAGARI_INSTANCE": str(instance),
        "TSUNAGARI_DB": str(demo_db),
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
    }
    env.pop("TSUNAGARI_MIN_N", None)
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "dashboard", "serve", "--port", str(port)]
    with running_server(argv, env, instance / "server.log", url):
        yield SimpleNamespace(url=url, instance=instance)


def signed_in(page, base: str, name: str, path: str, title: str) -> None:
    sign_in(page, base, name, ACCOUNTS[name][2], path, title)


def previous_month() -> str:
    """The template's default month: the one before this one (UTC, as the loader's build month)."""
    first = dt.datetime.now(dt.UTC).date().replace(day=1)
    last = first - dt.timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


def download(page, selector: str) -> tuple[bytes, str]:
    with page.expect_download() as info:
        page.locator(selector).click()
    dl = info.value
    assert dl.failure() is None, dl.failure()
    return Path(dl.path()).read_bytes(), dl.suggested_filename


def wait_for(check, what: str, seconds: float = 10):
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline, what
        time.sleep(0.2)
    return found


def history(instance: Path) -> list[dict]:
    path = instance / "submissions" / "history.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_an_organisation_submits_and_the_secretariat_sees_it(browser, submit_server, tmp_path, artifacts):
    month = previous_month()
    org_ctx = new_context(browser)
    try:
        page = org_ctx.new_page()
        signed_in(page, submit_server.url, "npo-hidamari", "/submit", "月次実績の提出")
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert sidebar.get_by_role("link", name="月次実績の提出").count() == 1
        assert sidebar.get_by_role("link", name="提出状況").count() == 0

        data, name = download(page, ".st-key-submit_template button")
        assert name == f"月次実績_{ORG}_{month}.xlsx"
        wb = openpyxl.load_workbook(io.BytesIO(data))
        ws = wb["実績"]
        assert (ws["B1"].value, ws["B3"].value) == (ORG, month)
        typed, r = {}, 6
        while ws.cell(r, 2).value is not None:  # O16: 2 districts × 2 fields
            counts = (r * 2, r // 2, r % 3)
            for c, v in zip((4, 5, 6), counts):
                ws.cell(r, c).value = v
            typed[(ws.cell(r, 2).value, ws.cell(r, 3).value)] = counts
            r += 1
        assert len(typed) == 4
        filled = tmp_path / "ひだまり_月次.xlsx"
        wb.save(filled)

        uploader = page.locator('[data-testid="stFileUploader"] input[type="file"]')
        wrong = tmp_path / "実績.csv"
        wrong.write_bytes("org_id,month\nO16,2024-04\n".encode("cp932"))
        uploader.set_input_files(str(wrong))
        page.get_by_text("このファイルは提出できません").first.wait_for()
        wait_idle(page)
        assert page.locator(".st-key-submit_send").count() == 0
        full_page_screenshot(page, artifacts / "submit-problems.png")

        uploader.set_input_files(str(filled))
        page.get_by_text("月ごとの合計").first.wait_for()
        wait_idle(page)
        main = page.locator('[data-testid="stMain"]').inner_text()
        assert "ひだまり_月次.xlsx" in main and "4 行" in main
        full_page_screenshot(page, artifacts / "submit-preview.png")
        page.locator(".st-key-submit_send button").click()
        page.get_by_text("提出しました").first.wait_for()
        wait_idle(page)
    finally:
        org_ctx.close()

    (entry,) = wait_for(lambda: history(submit_server.instance), "no submission in the history")
    assert (entry["org_id"], entry["month"], entry["user"], entry["role"], entry["rows"]) == (
        ORG,
        month,
        "npo-hidamari",
        "org",
        4,
    )
    with (submit_server.instance / "submissions" / entry["path"]).open(encoding="utf-8-sig") as f:
        saved = list(csv.DictReader(f))
    labels = {"1": "鶴岡", "6": "温海"}, {"1": "高齢者", "8": "地域づくり・居場所"}
    got = {
        (labels[0][row["district"]], labels[1][row["field"]]): (
            int(row["consultations"]),
            int(row["new_cases"]),
            int(row["outreach"]),
        )
        for row in saved
    }
    assert got == typed
    log = [json.loads(x) for x in (submit_server.instance / "audit.log").read_text(encoding="utf-8").splitlines()]
    assert [(e["user"], e["detail"]["org"]) for e in log if e["event"] == "submission"] == [("npo-hidamari", ORG)]

    admin_ctx = new_context(browser)
    try:
        admin = admin_ctx.new_page()
        signed_in(admin, submit_server.url, "jimukyoku", "/submissions", "提出状況")
        main = admin.locator('[data-testid="stMain"]').inner_text()
        assert "まだ公開されていない提出が 1 件あります" in main and "提出済み 1 件" in main
        full_page_screenshot(admin, artifacts / "submission-status.png")
        status, name = download(admin, ".st-key-status_csv button")
        assert status.startswith(b"\xef\xbb\xbf") and name.startswith("提出状況_")
        rows = list(csv.DictReader(io.StringIO(status.decode("utf-8-sig"))))
        column = f"{int(month[:4])}年{int(month[5:])}月"
        mine = next(r for r in rows if r["団体ID"] == ORG)
        assert mine[column].startswith("提出済（未公開）") and "npo-hidamari" in mine[column]
        assert all(r[column] == "未提出" for r in rows if r["団体ID"] != ORG)
        assert len(rows) == 22  # every demo organisation
    finally:
        admin_ctx.close()
