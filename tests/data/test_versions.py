"""Database versions (data/versions.py): each build a new file, one link naming the current one,
rollback, pruning, one build at a time, and what the dashboard's connection does with them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from data import versions
from data.build import run_build

REPO = Path(__file__).resolve().parents[2]


def _responses(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM responses").fetchone()[0]
    finally:
        con.close()


def _build(kit, tmp_path: Path, db: Path, n_random: int, keep: int = versions.KEEP) -> str:
    src = kit.write_extracts(
        tmp_path / f"src-{n_random}", kit.with_changes(survey_responses_2023=kit.survey_frame(n_random=n_random))
    )
    assert run_build(str(src), False, str(db), keep=keep) == 0
    return versions.current_id(db)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data", *args], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_each_build_is_a_version_and_the_link_names_the_newest(tmp_path, kit):
    db = tmp_path / "db" / "t.duckdb"
    first = _build(kit, tmp_path, db, 600)
    second = _build(kit, tmp_path, db, 700)
    assert first != second and db.is_symlink()
    assert os.readlink(db) == f"t.duckdb.versions/{second}.duckdb"  # relative: the folder can move
    assert _responses(db) == 740
    listed = versions.list_versions(db)
    assert [v.id for v in listed] == [second, first] and [v.current for v in listed] == [True, False]
    newest = listed[0].summary
    assert newest["responses"] == 740 and newest["waves"] == [2023] and newest["published_at"]
    assert {f["file_name"] for f in newest["files"]} == {p.name for p in listed[0].extracts.iterdir()}


def test_rollback_and_back_again(tmp_path, kit):
    db = tmp_path / "t.duckdb"
    first = _build(kit, tmp_path, db, 600)
    second = _build(kit, tmp_path, db, 700)
    versions.rollback(db, first, by="tester")
    assert versions.current_id(db) == first and _responses(db) == 640
    done = _cli("rollback", second, "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert versions.current_id(db) == second and _responses(db) == 740
    listing = _cli("versions", "--db", str(db))
    assert listing.returncode == 0
    lines = [line for line in listing.stdout.splitlines() if first in line or second in line]
    assert lines[0].startswith(f"* {second}") and lines[1].startswith(f"  {first}")


def test_rollback_refuses_an_unknown_or_unpublished_version(tmp_path, kit):
    db = tmp_path / "t.duckdb"
    _build(kit, tmp_path, db, 600)
    done = _cli("rollback", "20000101-000000", "--db", str(db))
    assert done.returncode == 1 and "No version 20000101-000000" in done.stderr and "Traceback" not in done.stderr
    pending = versions.Version("20000101-000001", versions.folder(db) / "20000101-000001.duckdb")
    pending.path.write_bytes(db.read_bytes())
    (versions.folder(db) / "20000101-000001.json").write_text('{"published": false, "built_at": "2099-01-01"}')
    with pytest.raises(versions.UnknownVersion):
        versions.rollback(db, "20000101-000001")


def test_prune_keeps_the_newest_and_the_current(tmp_path, kit):
    db = tmp_path / "t.duckdb"
    built = [_build(kit, tmp_path, db, 600 + i, keep=3) for i in range(3)]
    versions.rollback(db, built[0])
    newer = [_build(kit, tmp_path, db, 700 + i, keep=3) for i in range(2)]
    kept = [v.id for v in versions.list_versions(db)]
    assert kept == [newer[1], newer[0], built[2]]  # three published versions, newest first
    versions.rollback(db, built[2])
    assert versions.prune(db, keep=2) == [newer[0]]  # the current one counts among the kept
    assert versions.prune(db, keep=1) == [newer[1]]
    assert [v.id for v in versions.list_versions(db)] == [built[2]]
    on_disk = {p.name.split(".", 1)[0] for p in versions.folder(db).iterdir() if not p.name.startswith(".")}
    assert on_disk == {built[2], "switches"}


def test_a_second_build_while_one_runs_is_refused_and_changes_nothing(tmp_path, kit):
    db = tmp_path / "t.duckdb"
    _build(kit, tmp_path, db, 600)
    before = versions.current_id(db)
    with versions.lock(db):
        assert versions.busy(db)
        done = _cli("build", "--demo", "--db", str(db))
    assert done.returncode == 2 and "Another build" in done.stderr and "別の取り込み" in done.stderr
    assert versions.current_id(db) == before and len(versions.list_versions(db)) == 1
    assert not versions.busy(db)


def test_a_database_from_before_versions_is_adopted_at_the_first_switch(tmp_path, kit):
    db = tmp_path / "t.duckdb"
    src = kit.write_extracts(tmp_path / "old")
    assert run_build(str(src), False, str(db)) == 0
    # make it a plain file, as built before versions existed
    real = db.resolve()
    db.unlink()
    os.replace(real, db)
    hour_ago = db.stat().st_mtime - 3600
    os.utime(db, (hour_ago, hour_ago))
    plain_bytes = db.read_bytes()
    new = _build(kit, tmp_path, db, 700)
    listed = versions.list_versions(db)
    assert listed[0].id == new and listed[1].summary["source"] == "adopted"
    assert listed[1].path.read_bytes() == plain_bytes
    versions.rollback(db, listed[1].id)
    assert db.read_bytes() == plain_bytes


def test_leftovers_of_every_kind_are_removed_and_live_ones_kept(tmp_path, kit):
    db = tmp_path / "t.duckdb"
    cur = _build(kit, tmp_path, db, 600)
    d = versions.folder(db)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    junk = [
        d / f"20990101-000000.duckdb.building-{pid}",
        d / f"20990101-000000.duckdb.building-{pid}.wal",
        d / f"20990101-000001.json.tmp-{pid}",
        tmp_path / f"t.duckdb.switch-{pid}",
        tmp_path / f"t.duckdb.building-{pid}",  # beside the database: builds before versions
        d / "20990101-000002.duckdb",  # a version whose summary was never written
    ]
    for path in junk:
        path.write_bytes(b"respondent rows")
    (d / "20990101-000003.extracts").mkdir()  # extracts copied, then killed
    live = d / f"20990101-000004.duckdb.building-{os.getppid()}"
    live.write_bytes(b"still building")
    removed = versions.remove_leftovers(db)
    assert set(junk) | {d / "20990101-000003.extracts"} <= set(removed)
    assert live.exists() and versions.current_id(db) == cur and _responses(db) == 640


def test_the_dashboard_sees_a_new_version_on_its_next_run_without_restarting(tmp_path, kit):
    """dashboard/db.py in one process: the same path, a build in between, a new connection with
    the new data (before versions, DuckDB's per-path instance returned the old data)."""
    from dashboard import db as dashboard_db

    path = tmp_path / "t.duckdb"
    _build(kit, tmp_path, path, 600)
    v1 = dashboard_db.db_version(path)
    con1 = dashboard_db.connection(v1)
    assert con1.execute("SELECT count(*) FROM responses").fetchone()[0] == 640
    second = _build(kit, tmp_path, path, 700)
    v2 = dashboard_db.db_version(path)
    assert v2 != v1 and v2.path.endswith(f"{second}.duckdb")
    assert dashboard_db.connection(v2).execute("SELECT count(*) FROM responses").fetchone()[0] == 740
    assert con1.execute("SELECT count(*) FROM responses").fetchone()[0] == 640  # an open run keeps its data
