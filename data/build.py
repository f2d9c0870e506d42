"""`python -m data build`: extracts → validated, weighted tables → a new database version.

Each build writes a new version of the database TARGET (data/versions.py): the file is written
as TARGET.versions/ID.duckdb.building-PID, complete with its marts, checkpointed and closed,
renamed to its version name with its summary and a copy of its extracts, and then TARGET (a link)
is switched to it in one rename. A dashboard holding an older version open keeps reading it; its
next page run opens the new one; nobody sees half a build. When anything fails, the current
version is untouched and the temporary file is removed. A build that is killed cannot remove its
own: the next build removes it (versions.remove_leftovers). One build at a time per TARGET (a
lock): a second is refused at once with a message.

Phases, reported to `progress` (the data page's progress bar): read → validate → weight → build
(tables and marts) → publish.
"""

from __future__ import annotations

import datetime as dt
import getpass
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from data import codebook, marts, versions
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
    files: list[Path] = field(default_factory=list)  # the extract files read, as delivered


# Phases of a build, in order, with their share of the progress bar (the build itself is the longest).
PHASES = (("read", 0.2), ("validate", 0.35), ("weight", 0.45), ("build", 0.9), ("publish", 1.0))
Progress = Callable[[str, float], None]


def _no_progress(_phase: str, _fraction: float) -> None:
    return None


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


def load_extracts(directory: Path, built_at: dt.datetime, is_demo: bool, progress: Progress = _no_progress) -> Loaded:
    """Read, validate and weight every extract in the folder; raise BuildRefused with all the
    problems when any file breaks the contract."""
    progress("read", 0.0)
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

    progress("validate", PHASES[0][1])
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

    progress("weight", PHASES[1][1])
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
    files = [raw.path for extract in codebook.extracts() for raw in raws.get(extract, [])]
    return Loaded(tables=tables, import_log=log, warnings=problems, files=files)


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


def write_version(target: Path, loaded: Loaded, summary: dict, progress: Progress = _no_progress) -> versions.Version:
    """Write a complete, unpublished version of TARGET (the caller holds versions.lock)."""
    vid, temp = versions.new_version(target)
    _remove(temp)
    con = None
    try:
        con = duckdb.connect(str(temp))
        con.execute(SCHEMA.read_text(encoding="utf-8"))
        con.execute("SET enable_progress_bar = false")
        items = list(loaded.tables.items()) + [("import_log", loaded.import_log)]
        start, end = PHASES[2][1], PHASES[3][1]
        for i, (table, df) in enumerate(items):
            progress("build", start + (end - start) * 0.5 * i / len(items))
            con.register("incoming", pa.Table.from_pandas(df, preserve_index=False))
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")  # codebook table names
            con.unregister("incoming")
        progress("build", start + (end - start) * 0.5)
        marts.build_marts(con)
        con.execute("CHECKPOINT")
        con.close()
        con = None
        return versions.complete(target, vid, temp, summary, loaded.files)
    except BaseException:
        if con is not None:
            con.close()
        _remove(temp)
        raise


def _month(value) -> str:
    """A month of the activity table as the contract writes it: YYYY-MM."""
    return pd.Timestamp(value).strftime("%Y-%m")


def summary_of(loaded: Loaded, built_at: dt.datetime, source: str, by: str | None, is_demo: bool) -> dict:
    """What the version list shows of a build: when, from what, by whom, files and rows, and the
    waves, months and organisations it holds."""
    tables = loaded.tables
    responses = tables.get(codebook.extract(SURVEY)["table"])
    activity = tables.get("activity")
    orgs = tables.get("organisations")
    return {
        "built_at": built_at.replace(tzinfo=dt.UTC).astimezone(versions.JST).isoformat(),
        "source": source,
        "by": by,
        "is_demo": is_demo,
        "files": [
            {
                "extract": r.extract,
                "file_name": r.file_name,
                "rows": int(r.rows),
                "sha256": r.sha256,
                "encoding": r.encoding,
            }
            for r in loaded.import_log.itertuples()
        ],
        "responses": 0 if responses is None else int(len(responses)),
        "waves": [] if responses is None else sorted(int(w) for w in responses["wave"].dropna().unique()),
        "months": []
        if activity is None or activity.empty
        else [_month(activity["month"].min()), _month(activity["month"].max())],
        "organisations": 0 if orgs is None else int(len(orgs)),
    }


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


def run_build(source: str | None, demo: bool, db: str | None, keep: int = versions.KEEP) -> int:
    """Build a new version of the database from a folder of extracts (or the demo extracts) and
    make it current. Exit status: 0 built, 1 extracts refused (every problem on stderr), 2 the
    database could not be written or another build is running."""
    directory = DEMO_DIR if demo else Path(source or ".")
    target = Path(db) if db else default_db()
    built_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    try:
        with versions.lock(target):
            return _build_locked(target, directory, built_at, demo, keep)
    except versions.Busy:
        sys.stderr.write(
            "別の取り込みが実行中です。終わってからもう一度実行してください（データは変更していません）。\n"
            "Another build of this database is running; try again when it has finished (nothing was changed).\n"
        )
        return 2


def _build_locked(target: Path, directory: Path, built_at: dt.datetime, demo: bool, keep: int) -> int:
    # Before anything else, so that a refused build also clears them (they hold respondent rows).
    for path in versions.remove_leftovers(target):
        print(f"中断されたビルドの残りを削除しました / Removed the leftover of a killed build: {path}")
    try:
        loaded = load_extracts(directory, built_at, is_demo=demo)
    except BuildRefused as refused:
        sys.stderr.write(format_report(refused.problems))
        return 1
    if loaded.warnings:
        sys.stderr.write(format_report(loaded.warnings))
    by = _os_user()
    source = "demo" if demo else f"folder {directory.resolve().name}"
    try:
        version = write_version(target, loaded, summary_of(loaded, built_at, source, by, demo))
        versions.publish(target, version.id, by)
    except Exception as exc:
        sys.stderr.write(
            f"データベースを書き込めませんでした（現在のデータは変更していません）: {exc}\n"
            f"Could not write the database (the current data was not changed): {exc}\n"
        )
        return 2
    versions.record_publish(target, version.id, by)
    removed = versions.prune(target, keep)
    print(_summary(target, loaded))
    print(f"  版 / version {version.id}" + (f"（古い版を削除 / pruned: {', '.join(removed)}）" if removed else ""))
    return 0


def _os_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None
