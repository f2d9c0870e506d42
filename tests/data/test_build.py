"""The build: atomic replacement of the database, import_log, the command line."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from data import build
from data.build import run_build

REPO = Path(__file__).resolve().parents[2]


def _count(db: Path, table: str = "responses") -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def _leftovers(directory: Path) -> list[str]:
    """Temporary files of builds, beside the database and in its versions folder."""
    return sorted(p.name for p in directory.rglob("*") if ".building-" in p.name or ".tmp-" in p.name)


@pytest.fixture
def built(tmp_path, kit) -> Path:
    db = tmp_path / "db" / "tsunagari.duckdb"
    assert run_build(str(kit.write_extracts(tmp_path / "good")), False, str(db)) == 0
    return db


def test_refused_build_leaves_the_database_byte_for_byte(tmp_path, kit, built, capsys):
    before = built.read_bytes()
    survey = kit.survey_frame()
    survey.loc[0, "channel"] = "7"
    bad = kit.write_extracts(tmp_path / "bad", kit.with_changes(survey_responses_2023=survey))
    assert run_build(str(bad), False, str(built)) == 1
    assert built.read_bytes() == before
    assert _leftovers(built.parent) == []
    err = capsys.readouterr().err
    assert "取り込みを中止しました" in err and "Import refused" in err
    assert "survey_responses_2023.csv" in err and '"7"' in err


def test_failure_while_writing_removes_the_temporary_file(tmp_path, kit, built, monkeypatch, capsys):
    from data import marts

    before = built.read_bytes()
    seen = []

    def broken_marts(con):
        seen.append(_leftovers(built.parent))  # the new file exists beside the target ...
        raise RuntimeError("mart SQL failed")

    monkeypatch.setattr(marts, "build_marts", broken_marts)
    src = kit.write_extracts(tmp_path / "other", kit.with_changes(survey_responses_2023=kit.survey_frame(n_random=700)))
    assert run_build(str(src), False, str(built)) == 2
    assert seen and ".duckdb.building-" in seen[0][0]
    assert built.read_bytes() == before  # ... and is gone, the target untouched
    assert _leftovers(built.parent) == []
    assert "mart SQL failed" in capsys.readouterr().err


def test_an_open_reader_keeps_the_old_database_until_it_reconnects(tmp_path, kit, built):
    reader = duckdb.connect(str(built), read_only=True)
    assert reader.execute("SELECT count(*) FROM responses").fetchone()[0] == 640
    src = kit.write_extracts(tmp_path / "v2", kit.with_changes(survey_responses_2023=kit.survey_frame(n_random=700)))
    assert run_build(str(src), False, str(built)) == 0
    assert reader.execute("SELECT count(*) FROM responses").fetchone()[0] == 640
    reader.close()
    assert _count(built) == 740
    assert _leftovers(built.parent) == []


def test_marts_are_built_inside_the_new_file(built):
    from data.marts import mart_files

    con = duckdb.connect(str(built), read_only=True)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    con.close()
    marts = {p.stem.split("_", 1)[1] for p in mart_files()}
    assert marts and marts <= tables


def test_import_log(tmp_path, kit):
    src = kit.write_extracts(tmp_path / "x", encoding="utf-8-sig")
    db = tmp_path / "t.duckdb"
    start = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    assert run_build(str(src), False, str(db)) == 0
    end = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con = duckdb.connect(str(db), read_only=True)
    log = con.execute("SELECT * FROM import_log ORDER BY file_name").df()
    con.close()
    files = sorted(p.name for p in src.iterdir())
    assert list(log["file_name"]) == files
    assert list(log["sha256"]) == [hashlib.sha256((src / f).read_bytes()).hexdigest() for f in files]
    frames = kit.valid_frames()
    assert dict(zip(log["file_name"], log["rows"])) == {f"{k}.csv": len(v) for k, v in frames.items()}
    assert dict(zip(log["file_name"], log["extract"])) == {
        "activity.csv": "activity",
        "organisations.csv": "organisations",
        "population.csv": "population",
        "referrals.csv": "referrals",
        "survey_responses_2023.csv": "survey_responses",
    }
    assert set(log["encoding"]) == {"utf-8-sig"}
    assert log["built_at"].nunique() == 1 and start <= log["built_at"].iloc[0] <= end
    assert not log["is_demo"].any()


def test_demo_flag_reads_the_demo_folder(tmp_path, kit, monkeypatch):
    monkeypatch.setattr(build, "DEMO_DIR", kit.write_extracts(tmp_path / "demo"))
    db = tmp_path / "t.duckdb"
    assert run_build(None, True, str(db)) == 0
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT bool_and(is_demo), count(*) FROM import_log").fetchone() == (True, 5)
    con.close()


def test_several_survey_files_are_concatenated(tmp_path, kit):
    frames = kit.valid_frames()
    frames["survey_responses_2024"] = kit.survey_frame(wave=2024, n_random=650, seed=3)
    src = kit.write_extracts(tmp_path / "x", frames)
    db = tmp_path / "t.duckdb"
    assert run_build(str(src), False, str(db)) == 0
    con = duckdb.connect(str(db), read_only=True)
    counts = dict(con.execute("SELECT wave, count(*) FROM responses GROUP BY wave").fetchall())
    con.close()
    assert counts == {2023: 640, 2024: 690}


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "data", "build", *args], cwd=REPO, capture_output=True, text=True, timeout=300
    )


def test_cli_exit_status(tmp_path, kit):
    good = kit.write_extracts(tmp_path / "good")
    db = tmp_path / "cli.duckdb"
    ok = _cli("--from", str(good), "--db", str(db))
    assert ok.returncode == 0, ok.stderr
    assert _count(db) == 640

    activity = kit.ACTIVITY.copy()
    activity.loc[1, "month"] = "2024/05"
    bad = kit.write_extracts(tmp_path / "bad", kit.with_changes(activity=activity))
    before = db.read_bytes()
    refused = _cli("--from", str(bad), "--db", str(db))
    assert refused.returncode == 1
    assert "activity.csv" in refused.stderr and "2024/05" in refused.stderr
    assert "期待される値" in refused.stderr and "expected" in refused.stderr
    assert db.read_bytes() == before

    missing = _cli("--from", str(tmp_path / "nowhere"), "--db", str(db))
    assert missing.returncode == 1 and "folder not found" in missing.stderr


def _dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def test_next_build_removes_leftovers_of_a_killed_build(tmp_path, kit, built, capsys):
    import os

    dead = built.with_name(f"{built.name}.building-{_dead_pid()}")
    dead.write_bytes(b"respondent rows")
    dead.with_name(dead.name + ".wal").write_bytes(b"wal")
    alive = built.with_name(f"{built.name}.building-{os.getppid()}")  # a running process: kept
    alive.write_bytes(b"still building")
    capsys.readouterr()
    assert run_build(str(kit.write_extracts(tmp_path / "again")), False, str(built)) == 0
    assert _leftovers(built.parent) == [alive.name]
    out = capsys.readouterr().out
    assert "Removed the leftover of a killed build" in out and dead.name in out and dead.name + ".wal" in out
