"""Built-in accounts: argon2id hashes only, the lockout after five failures, disabled accounts,
and the `python -m dashboard users` command line."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from dashboard.access import accounts, settings

REPO = Path(__file__).resolve().parents[2]
PW = "correct horse 1"


def test_a_password_is_stored_only_as_an_argon2id_hash(instance):
    accounts.add("suzuki", "secretariat", PW)
    text = (instance / "accounts.json").read_text(encoding="utf-8")
    assert PW not in text
    stored = json.loads(text)["accounts"]["suzuki"]["hash"]
    assert stored.startswith("$argon2id$")
    assert PasswordHasher().verify(stored, PW)  # an independent check of the hash
    assert stat.S_IMODE(os.stat(instance / "accounts.json").st_mode) == 0o600


def test_right_and_wrong_passwords(instance):
    accounts.add("sato", "member", PW)
    ok = accounts.verify("sato", PW)
    assert ok.reason == "ok" and ok.user.name == "sato" and ok.user.role == "member"
    assert accounts.verify("sato", PW + "x").reason == "wrong"
    assert accounts.verify("nobody", PW).reason == "wrong"  # same answer as a wrong password


def test_five_failures_lock_a_name_for_fifteen_minutes(instance):
    accounts.add("sato", "member", PW)
    t0 = 1_000_000.0
    results = [accounts.verify("sato", "wrong password", now=t0 + i) for i in range(5)]
    assert [r.reason for r in results] == ["wrong"] * 5
    assert [r.wait_seconds > 0 for r in results] == [False] * 4 + [True]  # the fifth says it must wait
    locked = accounts.verify("sato", PW, now=t0 + 10)
    assert (locked.reason, locked.user) == ("locked", None)
    assert 14 * 60 < locked.wait_seconds <= 15 * 60
    assert accounts.verify("sato", PW, now=t0 + 4 + 15 * 60 - 1).reason == "locked"
    assert accounts.verify("sato", PW, now=t0 + 4 + 15 * 60 + 1).reason == "ok"
    # a success clears the count: four more failures do not lock
    for i in range(4):
        accounts.verify("sato", "wrong password", now=t0 + 2000 + i)
    assert accounts.verify("sato", PW, now=t0 + 2010).reason == "ok"


def test_a_lockout_survives_a_restart_and_other_names_are_free(instance):
    accounts.add("sato", "member", PW)
    accounts.add("kato", "member", PW)
    for i in range(5):
        accounts.verify("sato", "nope nope nope", now=100.0 + i)
    assert json.loads((instance / settings.FAILURES).read_text())["sato"]  # on disk, not in memory
    assert accounts.verify("sato", PW, now=110.0).reason == "locked"
    assert accounts.verify("kato", PW, now=110.0).reason == "ok"


def test_the_lockout_is_configurable(instance):
    (instance).mkdir(exist_ok=True)
    (instance / "auth.toml").write_text("[lockout]\nattempts = 2\nminutes = 1\n", encoding="utf-8")
    accounts.add("sato", "member", PW)
    accounts.verify("sato", "nope nope nope", now=0.0)
    accounts.verify("sato", "nope nope nope", now=1.0)
    assert accounts.verify("sato", PW, now=2.0).reason == "locked"
    assert accounts.verify("sato", PW, now=62.0).reason == "ok"


def test_disabled_accounts_cannot_sign_in_and_leave_their_sessions(instance):
    accounts.add("sato", "member", PW)
    accounts.set_disabled("sato")
    assert accounts.verify("sato", PW).reason == "disabled"
    assert accounts.current_user("sato") is None
    accounts.set_disabled("sato", False)
    assert accounts.current_user("sato").role == "member"


@pytest.mark.parametrize(
    "name, role, org, password, message",
    [
        ("bad name", "member", None, PW, "a name uses"),
        ("ok", "admin", None, PW, "unknown role"),
        ("ok", "org", None, PW, "needs --org"),
        ("ok", "member", None, "short", "10 to"),
    ],
)
def test_refused_accounts(name, role, org, password, message):
    with pytest.raises(accounts.AccountError, match=message):
        accounts.add(name, role, password, org=org)


def test_a_name_is_added_once(instance):
    accounts.add("sato", "member", PW)
    with pytest.raises(accounts.AccountError, match="exists"):
        accounts.add("sato", "secretariat", PW)


def _users(instance: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashboard", "users", *args],
        cwd=REPO,
        env={**os.environ, "TSUNAGARI_INSTANCE": str(instance)},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_users_command_line(instance):
    assert _users(instance, "add", "jimu", "--role", "secretariat", "--password-stdin", stdin=PW + "\n").returncode == 0
    added = _users(instance, "add", "npo1", "--role", "org", "--org", "ORG001", "--password-stdin", stdin=PW + "\n")
    assert added.returncode == 0, added.stderr
    assert _users(instance, "passwd", "jimu", "--password-stdin", stdin="another pass 2\n").returncode == 0
    assert _users(instance, "disable", "npo1").returncode == 0
    listed = _users(instance, "list")
    assert listed.returncode == 0
    lines = sorted(listed.stdout.splitlines())
    assert lines[0].startswith("jimu\tsecretariat（事務局）\t-\tenabled")
    assert lines[1].startswith("npo1\torg（団体）\tORG001\tdisabled")
    assert "argon2" not in listed.stdout
    assert accounts.verify("jimu", "another pass 2").reason == "ok"
    refused = _users(instance, "add", "x", "--role", "org", "--password-stdin", stdin=PW + "\n")
    assert refused.returncode == 2 and "needs --org" in refused.stderr
    assert _users(instance, "passwd", "ghost", "--password-stdin", stdin=PW + "\n").returncode == 2
    log = [json.loads(line) for line in (instance / "audit.log").read_text(encoding="utf-8").splitlines()]
    assert [e["detail"]["action"] for e in log] == ["add", "add", "passwd", "disable"]
    assert all(e["event"] == "account" and e["user"].startswith("cli:") for e in log)
