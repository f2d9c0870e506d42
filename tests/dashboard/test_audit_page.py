"""利用者と監査ログ (AppTest): the secretariat (here the person at this machine, no sign-in
configured) sees accounts and the log and downloads it; a member's run neither lists the page
nor shows it when its address is opened."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.access import accounts, audit, member
from dashboard.access.roles import User
from dashboard.i18n import t

from .conftest import APP

AUDIT = "views/audit.py"


@pytest.fixture
def instance(tmp_path, monkeypatch):
    folder = tmp_path / "instance"
    monkeypatch.setenv("TSUNAGARI_INSTANCE", str(folder))
    return folder


def run(page: str | None = AUDIT) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_secretariat_reads_accounts_and_the_log(app_env, instance, monkeypatch):
    at = run()
    assert [i.value for i in at.info] == [t("audit.no_accounts", "ja"), t("audit.empty", "ja")]
    accounts.add("kaiin", "member", "member password 1")  # sign-in is on now: sign the secretariat in
    monkeypatch.setattr(member, "signed_in_user", lambda lang: User("jimu", "secretariat"))
    audit.record("download", User("kaiin", "member"), file="孤独感_年齢.csv", filters="district=3", encoding="cp932")
    audit.record("signin_failed", name="kaiin", method="password", reason="wrong")
    at = run()
    assert at.title[0].value == t("page.audit", "ja")
    users, log = at.dataframe[0].value, at.dataframe[1].value
    assert list(users["利用者名"]) == ["kaiin"] and "hash" not in " ".join(users.columns)
    assert list(log["操作"]) == ["サインイン失敗", "ダウンロード"]  # newest first
    assert "file=孤独感_年齢.csv" in log.iloc[1]["内容"]
    at.multiselect(key="audit_events").set_value(["ダウンロード"]).run()
    assert list(at.dataframe[1].value["操作"]) == ["ダウンロード"]


def test_a_member_neither_sees_nor_opens_the_page(app_env, instance, monkeypatch):
    monkeypatch.setattr(member, "signed_in_user", lambda lang: User("kaiin", "member"))
    at = run(page=None)
    assert at.title  # the member's pages run
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(AUDIT)  # the page is not registered for a member: its address opens nothing
