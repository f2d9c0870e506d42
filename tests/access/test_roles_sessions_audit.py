"""Roles (one table, checked where decks are written), sessions (idle expiry) and the audit log
(append-only, JST, bounded, nothing but names of tables and filters)."""

from __future__ import annotations

import json
import os
import stat
import threading

import pytest

from dashboard.access import audit, roles, sessions
from dashboard.access.roles import User
from dashboard.presenter import deck as dk

MEMBER, SECRETARIAT, ORG = User("m", "member"), User("s", "secretariat"), User("o", "org", org="ORG001")


@pytest.mark.parametrize(
    "action, allowed",
    [
        ("view", {"member", "secretariat", "org"}),
        ("download", {"member", "secretariat", "org"}),
        ("present", {"member", "secretariat", "org"}),
        ("deck.save", {"secretariat"}),
        ("deck.delete", {"secretariat"}),
        ("data.manage", {"secretariat"}),
        ("users.manage", {"secretariat"}),
        ("audit.read", {"secretariat"}),
        ("submission.send", {"org", "secretariat"}),
    ],
)
def test_the_role_table(action, allowed):
    assert {u.role for u in (MEMBER, SECRETARIAT, ORG) if roles.allowed(u, action)} == allowed
    assert not roles.allowed(None, action)  # nobody signed in may do nothing


def test_an_unknown_action_or_role_is_an_error_not_a_no():
    with pytest.raises(KeyError):
        roles.allowed(SECRETARIAT, "deck.sav")
    with pytest.raises(ValueError):
        User("x", "admin")


def _deck(name: str = "teirei") -> dk.Deck:
    return dk.add_slide(dk.Deck(name=name, title="定例会"), dk.Slide(heading="はじめに", kind="title"))


@pytest.mark.parametrize("user", [MEMBER, ORG, None], ids=["member", "org", "anonymous"])
def test_writing_a_deck_is_refused_below_the_secretariat_where_the_file_is_written(instance, user):
    with pytest.raises(roles.Forbidden):
        dk.save_user_deck(_deck(), user)
    assert not (instance / "decks").exists()
    dk.save_user_deck(_deck(), SECRETARIAT)
    with pytest.raises(roles.Forbidden):
        dk.delete_user_deck("teirei", user)
    assert (instance / "decks" / "teirei.yaml").is_file()


def test_saved_decks_live_in_the_instance_folder_and_can_be_deleted(instance):
    path = dk.save_user_deck(_deck(), SECRETARIAT)
    assert path == instance / "decks" / "teirei.yaml"
    assert "teirei" in dk.deck_names() and dk.load_deck("teirei") == _deck()
    dk.delete_user_deck("teirei", SECRETARIAT)
    assert "teirei" not in dk.deck_names()
    with pytest.raises(dk.DeckError, match="no saved deck"):
        dk.delete_user_deck("teirei", SECRETARIAT)
    with pytest.raises(dk.DeckError):
        dk.delete_user_deck("../accounts", SECRETARIAT)


def test_the_number_of_saved_decks_is_bounded(instance, monkeypatch):
    monkeypatch.setattr(dk, "MAX_USER_DECKS", 3)
    for i in range(3):
        dk.save_user_deck(_deck(f"d{i}"), SECRETARIAT)
    dk.save_user_deck(_deck("d1"), SECRETARIAT)  # replacing one is fine
    with pytest.raises(dk.DeckError, match="3 decks are saved already"):
        dk.save_user_deck(_deck("d3"), SECRETARIAT)


def test_a_session_ends_after_the_idle_time(instance):
    token = sessions.start(MEMBER, now=0.0)
    assert sessions.lookup(token, now=8 * 3600 - 1).user == MEMBER  # touched: the clock restarts
    assert sessions.lookup(token, now=2 * 8 * 3600 - 2).user == MEMBER
    gone = sessions.lookup(token, now=3 * 8 * 3600)
    assert gone.expired and gone.user == MEMBER
    assert sessions.lookup(token, now=3 * 8 * 3600).user is None  # and it stays ended


def test_the_idle_time_is_configurable_and_sign_out_ends_a_session(instance):
    instance.mkdir(exist_ok=True)
    (instance / "auth.toml").write_text("[session]\nidle_hours = 0.5\n", encoding="utf-8")
    token = sessions.start(MEMBER, now=0.0)
    assert sessions.lookup(token, now=1799).user == MEMBER
    assert sessions.lookup(token, now=1799 + 1801).expired
    token = sessions.start(MEMBER)
    assert sessions.end(token) == MEMBER and sessions.lookup(token).user is None


def test_forged_tokens_are_nobody():
    sessions.start(MEMBER)
    for token in ("", None, "x", "a" * 5000, "tsunagari", "' OR 1=1 --"):
        assert sessions.lookup(token).user is None


def test_the_audit_log_appends_whole_lines_in_jst(instance):
    def write(i: int) -> None:
        for j in range(50):
            audit.record("download", MEMBER, file=f"表{i}-{j}.csv", filters="district=3", encoding="cp932")

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    lines = (instance / "audit.log").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one whole entry
    assert len(entries) == 200 and all(e["time"].endswith("+09:00") for e in entries)
    assert stat.S_IMODE(os.stat(instance / "audit.log").st_mode) == 0o600
    before = (instance / "audit.log").read_bytes()
    audit.record("signin", SECRETARIAT, method="password")
    assert (instance / "audit.log").read_bytes().startswith(before)  # appended, never rewritten


def test_an_audit_entry_is_bounded_and_the_page_table_is_newest_first(instance):
    audit.record("signin_failed", name="x" * 10_000, reason="y" * 10_000)
    audit.record("download", MEMBER, file="a.csv", filters="-", encoding="utf-8-sig")
    entry = json.loads((instance / "audit.log").read_text(encoding="utf-8").splitlines()[0])
    assert len(json.dumps(entry, ensure_ascii=False)) < 3_000
    frame = audit.frame("ja")
    assert list(frame.columns) == ["日時（日本時間）", "操作", "利用者", "役割", "団体", "内容"]
    assert frame.iloc[0]["操作"] == "ダウンロード" and frame.iloc[1]["操作"] == "サインイン失敗"
    with pytest.raises(KeyError):
        audit.record("anything", MEMBER)


def test_a_broken_saved_deck_is_reported_by_name_not_by_server_path(instance):
    dk.save_user_deck(_deck("kowareta"), SECRETARIAT)
    (instance / "decks" / "kowareta.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(dk.DeckError) as caught:
        dk.load_deck("kowareta")
    assert "kowareta" in str(caught.value) and str(instance) not in str(caught.value)
    (instance / "decks" / "kowareta.yaml").write_bytes(b"\xff\xfe")
    with pytest.raises(dk.DeckError) as caught:
        dk.load_deck("kowareta")
    assert str(instance) not in str(caught.value)
