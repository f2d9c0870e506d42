"""OIDC sign-in end to end: `python -m dashboard serve` with only secretariat's OIDC settings in its
instance folder (secrets.toml's [auth] for st.login, auth.toml's allow-list), a local OpenID
provider built from Authlib's server (tests/access/oidc_provider.py), and headless chromium.

An allowed address signs in with the role the allow-list gives it (the address itself first, then
its @domain); an address not on the list sees the sign-in page's refusal and no data; signing out
ends the dashboard's session and the provider's.
"""

from __future__ import annotations

import json
import os
import re
import sys
from types import SimpleNamespace

import pytest

from tests.access.oidc_provider import LocalOIDCProvider
from tests.conftest import free_port, running_server

from .conftest import new_context, wait_idle

ALLOW = """[oidc.allow]
"chief@jimu.example.jp" = "secretariat"
"@city.example.jp" = "member"
"""


@pytest.fixture(scope="module")
def oidc_server(demo_db, tmp_path_factory):
    instance = tmp_path_factory.mktemp("oidc_instance")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with LocalOIDCProvider("tsunagari", "client-secret-for-tests") as op:
        (instance / "secrets.toml").write_text(op.secrets_toml(f"{url}/oauth2callback"), encoding="utf-8")
        (instance / "auth.toml").write_text(ALLOW, encoding="utf-8")
        env = {
            **os.environ,
            "TSUNAGARI_INSTANCE": str(instance),
            "TSUNAGARI_DB": str(demo_db),
            "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
        }
        argv = [sys.executable, "-m", "dashboard", "serve", "--port", str(port)]
        with running_server(argv, env, instance / "server.log", url):
            yield SimpleNamespace(url=url, instance=instance, op=op, log=instance / "server.log")
        assert op.errors == [], op.errors


@pytest.fixture
def fresh(browser):
    ctx = new_context(browser)
    page = ctx.new_page()
    yield page
    ctx.close()


def audit_entries(instance) -> list[dict]:
    path = instance / "audit.log"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def through_provider(page, server, email: str, name: str, start: str = "/") -> None:
    server.op.next_user = {"sub": email, "email": email, "email_verified": True, "name": name}
    page.goto(server.url + start)
    page.wait_for_url(re.compile(r"/signin\?"))
    page.get_by_role("link", name=re.compile("のアカウントでサインイン")).click()


@pytest.mark.parametrize(
    "email, role",
    [("someone@city.example.jp", "会員"), ("chief@jimu.example.jp", "事務局")],
    ids=["domain-member", "address-secretariat"],
)
def test_an_allowed_address_signs_in_with_its_role(oidc_server, fresh, email, role):
    through_provider(fresh, oidc_server, email, "テスト 太郎", "/national")
    fresh.wait_for_url(re.compile(r"/national$"))  # back from the provider to the page first asked for
    fresh.locator('[data-testid="stMain"] h1').first.wait_for()
    wait_idle(fresh)
    sidebar = fresh.locator('[data-testid="stSidebar"]')
    assert f"サインイン中: {email}（{role}）" in sidebar.inner_text()
    audit_link = sidebar.get_by_role("link", name="利用者と監査ログ")
    assert audit_link.count() == (1 if role == "事務局" else 0)
    entry = [e for e in audit_entries(oidc_server.instance) if e["event"] == "signin"][-1]
    assert (entry["user"], entry["detail"]["method"]) == (email, "oidc")

    sidebar.get_by_role("link", name="サインアウト").click()  # ours, then Streamlit's and the provider's
    fresh.wait_for_url(re.compile(r"/signin\?"))
    assert any(e["event"] == "signout" and e["user"] == email for e in audit_entries(oidc_server.instance))
    assert oidc_server.op.sessions_ended, "the provider's session was not ended"
    fresh.goto(oidc_server.url + "/national")
    fresh.wait_for_url(re.compile(r"/signin\?"))


def test_an_address_not_on_the_list_gets_no_data(oidc_server, fresh):
    frames: list = []
    fresh.on("websocket", lambda ws: ws.on("framereceived", frames.append))
    through_provider(fresh, oidc_server, "stranger@elsewhere.example.com", "知らない 人")
    fresh.wait_for_url(re.compile(r"/signin\?.*msg=denied"))
    text = fresh.locator("body").inner_text()
    assert "stranger@elsewhere.example.com" in text and "登録されていません" in text
    assert frames == []
    failed = [e for e in audit_entries(oidc_server.instance) if e["event"] == "signin_failed"]
    assert failed and failed[-1]["user"] == "stranger@elsewhere.example.com"
