"""`python -m data build`: extracts → validated, weighted tables → one DuckDB file, atomically.

The new database is written beside the target as TARGET.building-PID, complete with its marts,
checkpointed and closed, then renamed over the target (os.replace, atomic on one file system). A
dashboard holding the old file open keeps reading the old file; new connections see the new
one; nobody sees half a build. When anything fails, the target is untouched and the temporary
file is removed. A build that is killed cannot remove its own: the next build removes every
TARGET.building-PID (and .wal) whose PID is no longer running (remove_leftovers).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from data import codebook, marts
from data.paths import db_path
from data.problems import BuildRefused, Problem, errors, format_report
from data.readers import RawExtract, find_extract_files, read_extract
from data.record_keys import load_secret, with_record_keys
from data.validate import FILE_COL, ROW_COL, validate_extract_files
from data.weights import assign_weights

DATA_DIR = Path(__file__).resolve().parent
DEMO_DIR = DATA_DIR / "demo"
SCHEMA = DATA_DIR / "schema.sql"
SURVEY = "survey_responses"


@dataclass
class Loaded:
    """Everything a build writes: one DataFrame per table, and the import_log rows."""

    tables: dict[str, pd.DataFrame]
    import_log: pd.DataFrame
    warnings: list[Problem]


# ---- reading and checking -------------------------------------------------------------------


def _extract_order() -> list[str]:
    """Extracts in codebook order, those that refer to organisations after the others."""
    names = list(codebook.extracts())
    refers = {n for n in names if any(s["type"] == "org_ref" for s in codebook.columns(n).values())}
    return [n for n in names if n not in refers] + [n for n in names if n in refers]


def _expected_file_name(extract: str) -> str:
    pattern = codebook.extract(extract)["file_pattern"]
    return f"{pattern}.csv / {pattern}.xlsx"


def _org_id_column() -> tuple[str, str]:
    """(extract, column) that org_ref columns point at: the single unique key of an extract whose
    rows the references name, i.e. the extract keyed by one text column."""
    for name, spec in codebook.extracts().items():
        key = spec.get("unique", [])
        if len(key) == 1 and codebook.columns(name)[key[0]]["type"] == "text":
            return name, key[0]
    raise ValueError("the codebook has no extract keyed by one text column for org_ref to point at")


def load_extracts(directory: Path, built_at: dt.datetime, is_demo: bool) -> Loaded:
    """Read, validate and weight every extract in the folder; raise BuildRefused with all the
    problems when any file breaks the contract."""
    if not directory.is_dir():
        raise BuildRefused([Problem(str(directory), None, None, None, "フォルダがありません", "folder not found")])
    found, problems = find_extract_files(directory)
    raws: dict[str, list[RawExtract]] = {}
    for extract in _extract_order():
        paths = found.get(extract, [])
        if not paths:
            if not codebook.extract(extract).get("optional"):
                problems.append(
                    Problem(
                        _expected_file_name(extract),
                        None,
                        None,
                        None,
                        "このファイル（.csv または .xlsx）が必要ですが、見つかりません",
                        "this file (.csv or .xlsx) is required but was not found",
                    )
                )
            continue
        for path in paths:
            got = read_extract(path, extract)
            if isinstance(got, list):
                problems += got
            else:
                raws.setdefault(extract, []).append(got)

    ref_extract, ref_column = _org_id_column()
    frames: dict[str, pd.DataFrame] = {}
    org_ids: set[str] | None = None
    for extract in _extract_order():
        if extract not in raws:
            continue
        frame, found_problems = validate_extract_files(extract, raws[extract], org_ids)
        problems += found_problems
        frames[extract] = frame
        if extract == ref_extract:
            org_ids = set(frame[ref_column].dropna())
    if ref_extract not in raws:
        org_ids = None  # its absence is reported; references cannot be checked

    if SURVEY in frames and not errors(problems):
        frames[SURVEY], weight_problems = assign_weights(frames[SURVEY], frames.get("population"))
        problems += weight_problems
    if errors(problems):
        raise BuildRefused(_in_file_order(problems, raws))

    log = pd.DataFrame(
        [
            {
                "extract": raw.extract,
                "file_name": raw.file_name,
                "sha256": raw.sha256,
                "rows": raw.rows,
                "encoding": raw.encoding,
                "built_at": built_at,
                "is_demo": is_demo,
            }
            for extract in codebook.extracts()
            for raw in raws.get(extract, [])
        ]
    )
    secret = load_secret()  # made in the instance folder at the first build
    tables = {}
    for name, df in frames.items():
        table = codebook.extract(name)["table"]
        tables[table] = with_record_keys(table, _table(name, df), secret)
    return Loaded(tables=tables, import_log=log, warnings=problems)


def _in_file_order(problems: list[Problem], raws: dict[str, list[RawExtract]]) -> list[Problem]:
    order = {raw.file_name: i for i, raw in enumerate(r for rs in raws.values() for r in rs)}
    return sorted(problems, key=lambda p: p.sort_key(order))


def _table(extract: str, df: pd.DataFrame) -> pd.DataFrame:
    """A typed extract as its DuckDB table: bookkeeping columns dropped, 0/1 codes of a
    BOOLEAN column (organisations.member) cast by DuckDB on insert."""
    return df.drop(columns=[FILE_COL, ROW_COL])


# ---- writing --------------------------------------------------------------------------------


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def _pid_running(pid: int) -> bool:
    """Whether a process with this id exists (signal 0 only checks; PermissionError: it exists
    but belongs to another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError):
        return False  # no such process id can exist
    return True


def remove_leftovers(target: Path) -> list[Path]:
    """Remove TARGET.building-PID files (and their .wal) of builds that were killed: their PID is
    no longer a running process. They hold respondent-level rows nobody would otherwise find. A
    build still running (another PID alive) keeps its file. Returns the files removed."""
    removed: list[Path] = []
    prefix = f"{target.name}.building-"
    if not target.parent.is_dir():
        return removed
    for path in sorted(target.parent.glob(f"{glob_escape(prefix)}*")):
        pid_text = path.name[len(prefix) :].removesuffix(".wal")
        if not pid_text.isdigit() or _pid_running(int(pid_text)):
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed


def glob_escape(text: str) -> str:
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in text)


def write_database(target: Path, loaded: Loaded) -> None:
    """Write a complete database beside the target and move it over the target in one rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f"{target.name}.building-{os.getpid()}")
    _remove(temp)
    con = None
    try:
        con = duckdb.connect(str(temp))
        con.execute(SCHEMA.read_text(encoding="utf-8"))
        con.execute("SET enable_progress_bar = false")
        for table, df in list(loaded.tables.items()) + [("import_log", loaded.import_log)]:
            con.register("incoming", pa.Table.from_pandas(df, preserve_index=False))
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")  # codebook table names
            con.unregister("incoming")
        marts.build_marts(con)
        con.execute("CHECKPOINT")
        con.close()
        con = None
        # A WAL left by a crashed writer of the old file would be replayed onto the new one.
        _remove_wal_only(target)
        os.replace(temp, target)
    except BaseException:
        if con is not None:
            con.close()
        _remove(temp)
        raise


def _remove_wal_only(target: Path) -> None:
    try:
        target.with_name(target.name + ".wal").unlink()
    except FileNotFoundError:
        pass


# ---- command --------------------------------------------------------------------------------


def default_db() -> Path:
    return db_path()


def _summary(target: Path, loaded: Loaded) -> str:
    lines = [f"データベースを作成しました / Database built: {target}"]
    for r in loaded.import_log.itertuples():
        lines.append(f"  {r.extract:<17} {r.file_name:<32} {r.rows:>10,} 行/rows  {r.encoding}")
    responses = loaded.tables.get(codebook.extract(SURVEY)["table"])
    if responses is not None and not responses.empty:
        counts = responses.groupby(["wave", "channel", "weight_source"]).size()
        for (wave, channel, source), n in counts.items():
            lines.append(f"  weights {wave} channel {channel}: {source} ({n:,} responses)")
    return "\n".join(lines)


def run_build(source: str | None, demo: bool, db: str | None) -> int:
    """Build the database from a folder of extracts (or the demo extracts). Exit status: 0 built,
    1 extracts refused (every problem on stderr), 2 the database could not be written."""
    directory = DEMO_DIR if demo else Path(source or ".")
    target = Path(db) if db else default_db()
    built_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    # Before anything else, so that a refused build also clears them (they hold respondent rows).
    for path in remove_leftovers(target):
        print(f"中断されたビルドの残りを削除しました / Removed the leftover of a killed build: {path}")
    try:
        loaded = load_extracts(directory, built_at, is_demo=demo)
    except BuildRefused as refused:
        sys.stderr.write(format_report(refused.problems))
        return 1
    if loaded.warnings:
        sys.stderr.write(format_report(loaded.warnings))
    try:
        write_database(target, loaded)
    except Exception as exc:
        sys.stderr.write(
            f"データベースを書き込めませんでした（元のファイルは変更していません）: {exc}\n"
            f"Could not write the database (the existing file was not changed): {exc}\n"
        )
        return 2
    print(_summary(target, loaded))
    return 0
