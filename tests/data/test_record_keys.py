"""Record keys of the cell-key method (data/record_keys.py): a keyed hash of each record's identity
with the installation's secret, kept in the instance folder (TSUNAGARI_INSTANCE) — never in the
repository, never in the database."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from pathlib import Path

import duckdb
import pytest

from data import instance, record_keys
from data.build import run_build

REPO = Path(__file__).resolve().parents[2]
TABLES = {
    "responses": ("wave", "response_id"),
    "activity": ("org_id", "month", "district", "field"),
    "referrals": ("month", "from_org", "to_org"),
}


def keys_of(db: Path) -> dict[str, dict[tuple, int]]:
    """{table: {identity as text: record_key}} of a built database."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for table, cols in TABLES.items():
            text = ", ".join(f"strftime({c}, '%Y-%m')" if c == "month" else f"CAST({c} AS VARCHAR)" for c in cols)
            out[table] = {
                tuple(r[:-1]): r[-1] for r in con.execute(f"SELECT {text}, record_key FROM {table}").fetchall()
            }
        return out
    finally:
        con.close()


def build(kit, tmp_path: Path, monkeypatch, folder: Path, name: str) -> Path:
    monkeypatch.setenv(instance.ENV, str(folder))
    src = tmp_path / "extracts"
    if not src.exists():
        kit.write_extracts(src)
    db = tmp_path / f"{name}.duckdb"
    assert run_build(str(src), False, str(db)) == 0
    return db


def blake2b_key(secret: bytes, kind: str, *identity: str) -> int:
    """The key as the module's documentation states it, computed here with hashlib alone."""
    return hashlib.blake2b(
        "\x1f".join(identity).encode("utf-8"), key=secret, digest_size=8, person=kind.encode("ascii")
    ).digest()[0]


def test_keys_are_stable_across_builds_and_change_with_the_secret(kit, tmp_path, monkeypatch):
    first = keys_of(build(kit, tmp_path, monkeypatch, tmp_path / "inst_a", "one"))
    again = keys_of(build(kit, tmp_path, monkeypatch, tmp_path / "inst_a", "two"))
    other = keys_of(build(kit, tmp_path, monkeypatch, tmp_path / "inst_b", "three"))
    assert first == again  # same records, same instance: same keys
    for table, keys in first.items():
        assert keys.keys() == other[table].keys() and len(keys) >= 3
        changed = sum(keys[i] != other[table][i] for i in keys)
        assert changed >= len(keys) // 2, table  # another secret: other keys
    survey = list(first["responses"].values())
    assert len(set(survey)) > 100 and min(survey) >= 0 and max(survey) <= 255


def test_keys_are_the_keyed_hash_of_the_identity(kit, tmp_path, monkeypatch):
    folder = tmp_path / "inst"
    keys = keys_of(build(kit, tmp_path, monkeypatch, folder, "db"))
    secret = bytes.fromhex((folder / record_keys.SECRET_FILE).read_text(encoding="ascii").strip())
    kinds = {"responses": "survey", "activity": "activity", "referrals": "referral"}
    for table, rows in keys.items():
        for identity, key in rows.items():
            assert key == blake2b_key(secret, kinds[table], *identity), (table, identity)


def test_the_secret_is_made_once_owner_only_in_the_instance_folder(kit, tmp_path, monkeypatch):
    folder = tmp_path / "deep" / "inst"
    db = build(kit, tmp_path, monkeypatch, folder, "db")
    secret_file = folder / record_keys.SECRET_FILE
    assert record_keys.secret_path() == secret_file and secret_file.is_file()
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0
    text = secret_file.read_text(encoding="ascii")
    secret = bytes.fromhex(text.strip())
    assert len(secret) == record_keys.SECRET_BYTES == 32
    assert REPO not in secret_file.resolve().parents  # not in the checkout
    # neither the hex nor the bytes are anywhere in the database file
    data = db.read_bytes()
    for needle in (secret, secret.hex().encode(), secret.hex().upper().encode(), secret[:16], secret[16:]):
        assert needle not in data
    # the second build reads the same secret
    build(kit, tmp_path, monkeypatch, folder, "db2")
    assert secret_file.read_text(encoding="ascii") == text


def test_the_secret_never_enters_the_repository(tmp_path, monkeypatch):
    monkeypatch.delenv(instance.ENV, raising=False)
    assert instance.folder() == REPO / "instance"  # the default, git-ignored
    ignored = subprocess.run(["git", "check-ignore", "-q", "instance/record_key.secret"], cwd=REPO)
    assert ignored.returncode == 0
    tracked = subprocess.run(["git", "ls-files", "instance", "*.secret"], cwd=REPO, capture_output=True, text=True)
    assert tracked.stdout == ""
    monkeypatch.setenv(instance.ENV, "  ")
    assert instance.folder() == REPO / "instance"
    monkeypatch.setenv(instance.ENV, str(tmp_path / "x"))
    assert instance.folder() == tmp_path / "x" and not (tmp_path / "x").exists()
    assert instance.folder(create=True).is_dir()


def test_a_broken_or_missing_secret_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv(instance.ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError):
        record_keys.load_secret(create=False)
    (tmp_path / record_keys.SECRET_FILE).write_text("abcd\n", encoding="ascii")
    with pytest.raises(ValueError, match="32-byte"):
        record_keys.load_secret()


def test_a_secret_made_meanwhile_is_the_one_read(tmp_path, monkeypatch):
    # two builds starting together: the one that finds the file already made reads it
    monkeypatch.setenv(instance.ENV, str(tmp_path))
    made = os.urandom(32)
    real_open = os.open

    def racing_open(path, flags, mode=0o777):
        if str(path).endswith(record_keys.SECRET_FILE) and flags & os.O_EXCL:
            Path(path).write_text(made.hex() + "\n", encoding="ascii")
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", racing_open)
    assert record_keys.load_secret() == made


def test_keys_depend_on_kind_identity_and_secret():
    secret, other = bytes(32), bytes(range(32))
    ids = [("2023", f"R{i:05d}") for i in range(500)]
    base = record_keys.keys("survey", ids, secret)
    assert base.dtype.name == "uint8" and len(set(base.tolist())) > 200
    assert base.tolist() == record_keys.keys("survey", list(ids), secret).tolist()
    for changed in (
        record_keys.keys("activity", ids, secret),
        record_keys.keys("survey", ids, other),
        record_keys.keys("survey", [("2024", i) for _, i in ids], secret),
    ):
        assert (changed != base).mean() > 0.9
    # the separator keeps identities apart: ("1", "23") is not ("12", "3")
    assert record_keys.keys("survey", [("1", "23"), ("12", "3")], secret).tolist() == [
        blake2b_key(secret, "survey", "1", "23"),
        blake2b_key(secret, "survey", "12", "3"),
    ]


def test_tables_without_identities_get_no_keys():
    import pandas as pd

    df = pd.DataFrame({"a": [1]})
    assert record_keys.with_record_keys("population", df, bytes(32)) is df
