"""Members only, in headless chromium against `python -m dashboard serve` (0.0.0.0, sign-in on):
an anonymous browser receives nothing but the sign-in page (every websocket frame and HTTP
response is read); a member sees the pages and cannot save a deck; the secretariat can; a disabled
account, the lockout, the idle expiry and sign-out; the audit log holds what was done.

The server of this module has its own instance folder with four accounts; the other browser tests
use the server without sign-in (this machine only).
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import dashboard_cli, free_port, running_server

from .conftest import new_context, wait_idle

PASSWORDS = {"jimukyoku": "secretariat-pass-1", "kaiin": "member-pass-12", "taishoku": "retired-pass-1"}
ROLES = {"jimukyoku": "secretariat", "kaiin": "member", "taishoku": "member", "rockout": "member"}
PASSWORDS["rockout"] = "lockout-pass-12"
SIGNIN_TEXT = "このダッシュボードはプラットフォーム会員専用です"
# What a page would show: a percentage, a count with a thousands separator, a deck's title, a
# district's name. (A deck's name may be in the sign-in page: the visitor's own link, echoed back.)
DATA_MARKS = re.compile(r"\d+\.\d%|\d,\d{3}|準備会|藤島|羽黒")


_cli = dashboard_cli


@pytest.fixture(scope="module")
def signin_server(demo_db, tmp_path_factory):
    """`python -m dashboard serve` on 0.0.0.0 with built-in accounts in its own instance folder."""
    instance = tmp_path_factory.mktemp("signin_instance")
    for name, role in ROLES.items():
        done = _cli(instance, "users", "add", name, "--role", role, "--password-stdin", stdin=PASSWORDS[name] + "\n")
        assert done.returncode == 0, done.stderr
    assert _cli(instance, "users", "disable", "taishoku").returncode == 0
    port = free_port()
    env = {
        **os.environ,
        "TSUNAGARI_INSTANCE": str(instance),
        "TSUNAGARI_DB": str(demo_db),
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
    }
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "dashboard", "serve", "--port", str(port)]
    with running_server(argv, env, instance / "server.log", url):
        yield SimpleNamespace(url=url, instance=instance, log=instance / "server.log")


def audit_entries(instance: Path) -> list[dict]:
    path = instance / "audit.log"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


class Recorder:
    """Every websocket frame and HTTP response body a page receives."""

    def __init__(self, page) -> None:
        self.frames: list[bytes | str] = []
        self.sockets: list[str] = []
        self.responses: list[tuple[str, int, bytes]] = []
        page.on("websocket", self._socket)
        page.on("response", self._response)

    def _socket(self, ws) -> None:
        self.sockets.append(ws.url)
        ws.on("framereceived", lambda payload: self.frames.append(payload))

    def _response(self, response) -> None:
        try:
            body = response.body()
        except Exception:  # a redirect has no body
            body = b""
        self.responses.append((response.url, response.status, body))


@pytest.fixture
def fresh(browser):
    """A new browser context (no cookies) and its page."""
    ctx = new_context(browser)
    page = ctx.new_page()
    yield page
    ctx.close()


def sign_in(page, base: str, name: str, password: str, next_path: str = "/") -> None:
    page.goto(f"{base}{next_path}")
    page.wait_for_url(re.compile(r"/signin"))
    page.get_by_label("利用者名").fill(name)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="サインイン").click()


def signed_in(page, base: str, name: str, next_path: str = "/") -> None:
    sign_in(page, base, name, PASSWORDS[name], next_path)
    page.locator('[data-testid="stMain"] h1').first.wait_for()
    wait_idle(page)


def test_anonymous_browser_receives_nothing_but_the_sign_in_page(signin_server, fresh):
    rec = Recorder(fresh)
    for path in ("/", "/breakdown?district=3&ind=lonely", "/presenter?deck=junbikai", "/audit", "/methods"):
        fresh.goto(signin_server.url + path)
        fresh.wait_for_url(re.compile(r"/signin\?"))
        assert SIGNIN_TEXT in fresh.locator("body").inner_text()
    # the page's own script cannot open the websocket either
    opened = fresh.evaluate(
        """(url) => new Promise(done => { const ws = new WebSocket(url, "streamlit");
             ws.onopen = () => done("open"); ws.onerror = () => done("refused"); })""",
        signin_server.url.replace("http", "ws") + "/_stcore/stream",
    )
    assert opened == "refused"
    assert rec.frames == [], f"{len(rec.frames)} websocket frames reached an anonymous browser"
    texts = [(url, body.decode("utf-8", "replace")) for url, _, body in rec.responses if "/fonts/" not in url]
    bodies = [url for url, text in texts if DATA_MARKS.search(text)]
    assert bodies == []
    text = fresh.locator("body").inner_text()
    assert not DATA_MARKS.search(text)
    assert fresh.locator("html").get_attribute("lang") == "ja"
    # other entrances: media (downloads), uploads, components answer 401 without a session
    for path in ("/media/x.csv", "/_stcore/upload_file/a/b", "/component/x/index.html", "/_stcore/host-config"):
        assert fresh.request.get(signin_server.url + path, max_redirects=0).status in (401, 303), path


def test_member_sees_pages_downloads_are_audited_and_saving_a_deck_is_refused(signin_server, fresh, artifacts):
    signed_in(fresh, signin_server.url, "kaiin", "/breakdown?district=3")
    assert "district=3" in fresh.url  # the link opened before signing in is where the member lands
    sidebar = fresh.locator('[data-testid="stSidebar"]')
    assert "サインイン中: kaiin（会員）" in sidebar.inner_text()
    assert sidebar.get_by_role("link", name="利用者と監査ログ").count() == 0
    fresh.screenshot(path=str(artifacts / "signin-member-breakdown.png"))
    with fresh.expect_download() as info:
        fresh.locator(".st-key-dl_breakdown button").click()
    name = info.value.suggested_filename
    assert Path(info.value.path()).read_bytes().startswith(b"\xef\xbb\xbf")
    deadline = time.monotonic() + 10
    while not [e for e in audit_entries(signin_server.instance) if e["event"] == "download"]:
        assert time.monotonic() < deadline, "no download in the audit log"
        time.sleep(0.2)
    entry = [e for e in audit_entries(signin_server.instance) if e["event"] == "download"][-1]
    assert (entry["user"], entry["role"], entry["detail"]["file"]) == ("kaiin", "member", name)
    assert "district=3" in entry["detail"]["filters"] and entry["detail"]["encoding"] == "utf-8-sig"

    fresh.goto(signin_server.url + "/presenter")
    wait_idle(fresh)
    fresh.locator(".st-key-pres_edit button").click()
    fresh.locator(".st-key-pres_ed_save button").wait_for()
    wait_idle(fresh)
    assert fresh.locator(".st-key-pres_ed_save button").is_disabled()
    assert "保存と削除は事務局のみです" in fresh.locator('[data-testid="stMain"]').inner_text()
    assert not (signin_server.instance / "decks").exists()


def test_secretariat_saves_a_deck_and_reads_the_audit_log(signin_server, fresh, artifacts):
    signed_in(fresh, signin_server.url, "jimukyoku", "/presenter")
    fresh.locator(".st-key-pres_edit button").click()
    name_box = fresh.locator(".st-key-pres_ed_name_junbikai input")
    name_box.wait_for()
    wait_idle(fresh)
    name_box.fill("teirei-2026")
    name_box.press("Enter")
    wait_idle(fresh)
    fresh.locator(".st-key-pres_ed_save button").click()
    fresh.get_by_text("デッキ「teirei-2026」を保存しました。").wait_for()
    assert (signin_server.instance / "decks" / "teirei-2026.yaml").is_file()
    saves = [e for e in audit_entries(signin_server.instance) if e["event"] == "deck_save"]
    assert saves and saves[-1]["user"] == "jimukyoku" and saves[-1]["detail"]["deck"] == "teirei-2026"

    fresh.goto(signin_server.url + "/audit")
    fresh.locator('[data-testid="stMain"] h1', has_text="利用者と監査ログ").wait_for()
    wait_idle(fresh)
    main = fresh.locator('[data-testid="stMain"]')
    assert main.locator('[data-testid="stDataFrame"]').count() == 2  # accounts, then the log
    fresh.screenshot(path=str(artifacts / "signin-secretariat-audit.png"), full_page=True)
    with fresh.expect_download() as info:
        fresh.locator(".st-key-dl_audit button").click()
    csv = Path(info.value.path()).read_bytes().decode("utf-8-sig")
    assert "デッキ保存" in csv and "teirei-2026" in csv and "jimukyoku" in csv
    assert "$argon2" not in csv


def test_disabled_account_is_refused(signin_server, fresh):
    sign_in(fresh, signin_server.url, "taishoku", PASSWORDS["taishoku"])
    fresh.get_by_text("このアカウントは無効になっています").wait_for()
    assert "/signin" in fresh.url


def test_five_failures_lock_the_name_even_for_the_right_password(signin_server, fresh):
    for _ in range(5):
        sign_in(fresh, signin_server.url, "rockout", "wrong-password-1")
        fresh.get_by_role("alert").wait_for()
    assert "お待ちください" in fresh.get_by_role("alert").inner_text()  # the fifth failure says so
    sign_in(fresh, signin_server.url, "rockout", PASSWORDS["rockout"])
    alert = fresh.get_by_role("alert")
    alert.wait_for()
    assert re.search(r"あと約1[45]分お待ちください", alert.inner_text())
    events = [e["event"] for e in audit_entries(signin_server.instance) if e["user"] == "rockout"]
    assert events.count("signin_failed") == 5 and events[-1] == "signin_locked" and "signin" not in events


def _idle_for_a_moment(auth: Path) -> None:
    auth.write_text("[session]\nidle_hours = 0.0005\n", encoding="utf-8")  # 1.8 s
    time.sleep(3)


def test_an_idle_session_expires_and_sign_out_ends_it(signin_server, fresh):
    auth = signin_server.instance / "auth.toml"
    try:
        # on the open page: the next script run stops with the notice and a way back in
        signed_in(fresh, signin_server.url, "kaiin", "/methods")
        _idle_for_a_moment(auth)
        fresh.locator(".st-key-reset_filters button").click()
        fresh.get_by_text("一定時間操作がなかったため").wait_for()
        assert fresh.get_by_role("link", name="サインイン画面へ").get_attribute("target") in (None, "_self")
        assert fresh.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').count() == 0
        auth.unlink()
        # on a new page load: the gate sends the browser to sign in again
        signed_in(fresh, signin_server.url, "kaiin", "/methods")
        _idle_for_a_moment(auth)
        fresh.reload()
        fresh.wait_for_url(re.compile(r"/signin\?.*msg=expired"))
        assert "一定時間操作がなかったため" in fresh.locator("body").inner_text()
    finally:
        auth.unlink(missing_ok=True)
    expired = [e for e in audit_entries(signin_server.instance) if e["event"] == "session_expired"]
    assert [e["user"] for e in expired] == ["kaiin", "kaiin"]

    signed_in(fresh, signin_server.url, "kaiin", "/methods")
    fresh.locator('[data-testid="stSidebar"]').get_by_role("link", name="サインアウト").click()
    fresh.wait_for_url(re.compile(r"/signin\?.*msg=signed_out"))
    fresh.goto(signin_server.url + "/methods")
    fresh.wait_for_url(re.compile(r"/signin\?"))
