"""A corpus of bad extracts, made from the committed demo extracts with one fault each.

Every one goes through the command line (`python -m data build --from FOLDER --db X`) as a data
provider would run it: refused with the problem list (exit status 1, no Python traceback), and the
database built from the good demo extracts at the start stays byte for byte what it was. The good
controls (the demo itself, and the demo re-saved as Shift_JIS and as .xlsx) are accepted.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo"
SURVEY = "survey_responses_2023"


# ---- editing a copy of the demo extracts ----------------------------------------------------


def _read(folder: Path, stem: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{stem}.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _write(folder: Path, stem: str, df: pd.DataFrame) -> None:
    df.to_csv(folder / f"{stem}.csv", index=False, encoding="utf-8-sig")


def cell(stem: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    """Set the cell at spreadsheet row `row` (header = 1)."""

    def fault(folder: Path) -> None:
        df = _read(folder, stem)
        df.loc[row - 2, column] = value
        _write(folder, stem, df)

    return fault


def frame(stem: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], None]:
    def fault(folder: Path) -> None:
        _write(folder, stem, change(_read(folder, stem)))

    return fault


def raw(stem: str, change: Callable[[bytes], bytes], suffix: str = ".csv") -> Callable[[Path], None]:
    """Change the file's bytes (and optionally its name's suffix)."""

    def fault(folder: Path) -> None:
        path = folder / f"{stem}.csv"
        data = change(path.read_bytes())
        path.unlink()
        (folder / f"{stem}{suffix}").write_bytes(data)

    return fault


def _with_weight(value: str, row: int | None = 2) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(df: pd.DataFrame) -> pd.DataFrame:
        df["weight"] = "1.2"
        if row is not None:
            df.loc[row - 2, "weight"] = value
        return df

    return change


def _cut_last_row(data: bytes) -> bytes:
    lines = data.rstrip(b"\n").split(b"\n")
    return b"\n".join(lines[:-1] + [b",".join(lines[-1].split(b",")[:5]) + b","])


def _bad_byte_in_line(line: int, byte: bytes, after: int = 3) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        starts = [0] + [i + 1 for i, ch in enumerate(data) if ch == ord("\n")]
        at = starts[line - 1] + after
        return data[:at] + byte + data[at + 1 :]

    return change


def _shift_jis(data: bytes) -> bytes:
    return data.decode("utf-8-sig").encode("cp932")


def _xlsx_with_formula(folder: Path) -> None:
    import openpyxl

    df = _read(folder, SURVEY)
    (folder / f"{SURVEY}.csv").unlink()
    path = folder / f"{SURVEY}.xlsx"
    df.to_excel(path, index=False)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    column = [c.column_letter for c in ws[1] if c.value == "sex"][0]
    ws[f"{column}12"] = "=1+1"  # saved by a program: a formula with no cached result
    wb.save(path)


def _second_organisations_file(folder: Path) -> None:
    shutil.copy(folder / "organisations.csv", folder / "organisations.xlsx")


def _remove(stem: str) -> Callable[[Path], None]:
    return lambda folder: (folder / f"{stem}.csv").unlink()


def _duplicate_row(stem: str, row: int) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return lambda df: pd.concat([df, df.iloc[[row - 2]]], ignore_index=True)


# (kind, fault, a text the refusal must show)
CASES: list[tuple[str, Callable[[Path], None], str]] = [
    # once a traceback
    ("cell over 128 KiB", cell(SURVEY, 5, "response_id", "x" * (128 * 1024 + 10)), "128 KiB"),
    ("population beyond Int32", cell("population", 3, "population", "2147483648"), "2,147,483,647"),
    ("consultations beyond Int32", cell("activity", 3, "consultations", "99999999999999999999"), "consultations"),
    ("month 0000-01", cell("activity", 4, "month", "0000-01"), "0000-01"),
    # once accepted
    ("file cut inside its last row", raw(SURVEY, _cut_last_row), "cut off"),
    ("xlsx formula without a saved result", _xlsx_with_formula, "formula"),
    ("vendor weight 1e308", frame(SURVEY, _with_weight("1e308")), "1e+308"),
    ("vendor weight beyond 1000x the median", frame(SURVEY, _with_weight("5000")), "1,000×"),
    ("vendor weight 0", frame(SURVEY, _with_weight("0")), "weight"),
    ("vendor weight negative", frame(SURVEY, _with_weight("-1")), "weight"),
    ("vendor weight inf", frame(SURVEY, _with_weight("inf")), "weight"),
    ("vendor weight nan", frame(SURVEY, _with_weight("nan")), "weight"),
    ("vendor weight missing on one row", frame(SURVEY, _with_weight("")), "weight"),
    ("month in 1900", cell("activity", 2, "month", "1900-04"), "1900-04"),
    ("month in 1999", cell("referrals", 2, "month", "1999-12"), "1999-12"),
    ("month in the future", cell("activity", 2, "month", "2999-01"), "2999-01"),
    ("population date 0001", frame("population", lambda df: df.assign(as_of="0001-01-01")), "0001-01-01"),
    ("population date 2999", frame("population", lambda df: df.assign(as_of="2999-01-01")), "2999-01-01"),
    ("population date 1989", frame("population", lambda df: df.assign(as_of="1989-12-31")), "1989-12-31"),
    ("NUL in response_id", cell(SURVEY, 7, "response_id", "R2023\x00-7"), "control characters"),
    ("NUL in org_id", cell("organisations", 3, "org_id", "O0\x002"), "control characters"),
    ("control character in from_org", cell("referrals", 4, "from_org", "O\x0109"), "control characters"),
    # encodings
    ("UTF-8 file with a bad byte", raw(SURVEY, _bad_byte_in_line(100, b"\xff")), "line 100"),
    (
        "Shift_JIS file with a bad byte",
        raw("organisations", lambda d: _bad_byte_in_line(5, b"\xfd", 1)(_shift_jis(d))),
        "line 5",
    ),
    ("BOM then Shift_JIS text", raw("organisations", lambda d: b"\xef\xbb\xbf" + _shift_jis(d)), "encoding"),
    ("UTF-16 with BOM", raw("organisations", lambda d: d.decode("utf-8-sig").encode("utf-16")), "encoding"),
    ("two BOMs", raw("organisations", lambda d: b"\xef\xbb\xbf" + d), "org_id"),
    # the contract's other rules
    ("missing required column", frame(SURVEY, lambda df: df.drop(columns=["sex"])), "required column is missing"),
    ("column name twice", raw("referrals", lambda d: d.replace(b"to_org", b"from_org", 1)), "more than once"),
    ("missing required file", _remove("organisations"), "required but was not found"),
    ("empty file", raw("activity", lambda d: b""), "empty"),
    ("header only", raw("referrals", lambda d: d.split(b"\n")[0] + b"\n"), "header only"),
    ("unknown channel code", cell(SURVEY, 2, "channel", "7"), "channel"),
    ("unknown sex code", cell(SURVEY, 3, "sex", "4"), "sex"),
    ("unknown field code", cell("activity", 5, "field", "10"), "field"),
    ("unknown code in a code list", cell("organisations", 2, "fields", "1;99"), "fields"),
    ("text in a count", cell("activity", 6, "consultations", "many"), "many"),
    ("negative count", cell("activity", 6, "outreach", "-1"), "outreach"),
    ("referral count 0", cell("referrals", 3, "count", "0"), "count"),
    ("month not YYYY-MM", cell("activity", 2, "month", "2023/04"), "2023/04"),
    ("month 13", cell("activity", 2, "month", "2023-13"), "2023-13"),
    ("date not YYYY-MM-DD", cell("population", 2, "as_of", "2024/01/01"), "2024/01/01"),
    ("blank required cell", cell("activity", 2, "org_id", ""), "org_id"),
    ("duplicate response_id", frame(SURVEY, _duplicate_row(SURVEY, 9)), "response_id"),
    ("duplicate org_id", frame("organisations", _duplicate_row("organisations", 3)), "org_id"),
    ("unknown org_id in activity", cell("activity", 2, "org_id", "Z99"), "Z99"),
    ("referral to itself", cell("referrals", 2, "to_org", "O09"), "to_org"),
    ("new cases more than consultations", cell("activity", 2, "new_cases", "999"), "new_cases"),
    ("latitude outside the city", cell("organisations", 2, "lat", "35.68"), "lat"),
    ("population group missing", frame("population", lambda df: df.iloc[1:]), "population"),
    ("too many fields in a row", raw("referrals", lambda d: d + b"2023-05,O01,O02,1,extra\n"), "at most"),
    ("wave outside 2000-2100", cell(SURVEY, 2, "wave", "1800"), "wave"),
    ("two organisations files", _second_organisations_file, "only one organisations file"),
    ("unclosed quote", raw("referrals", lambda d: d.replace(b"\n2023-05,", b'\n"2023-05,', 1)), "referrals.csv"),
    ("fraction in a count", cell("activity", 7, "consultations", "2.5"), "2.5"),
    ("member code 2", cell("organisations", 2, "member", "2"), "member"),
    ("districts all with a code", cell("organisations", 2, "districts", "all;1"), "districts"),
    ("text in the weight column", frame(SURVEY, _with_weight("heavy")), "heavy"),
    ("damaged .xlsx", raw("organisations", lambda d: b"PK\x03\x04" + d[:100], ".xlsx"), "Excel"),
    ("NUL byte in a code cell", cell(SURVEY, 4, "age_band", "3\x00"), "age_band"),
    ("header row blank", raw("referrals", lambda d: b"\n" + d), "must be the header"),
    ("wave as text", cell(SURVEY, 2, "wave", "令和5年"), "令和5年"),
    ("count with digits beyond int()", cell("activity", 3, "outreach", "9" * 5000), "outreach"),
]


# ---- the builds ---------------------------------------------------------------------------


def _build(folder: Path, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "data", "build", "--from", str(folder), "--db", str(db)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def good_db(tmp_path_factory) -> tuple[Path, str]:
    """The database built once from the demo extracts (the good control), and its hash."""
    base = tmp_path_factory.mktemp("corpus")
    db = base / "db" / "tsunagari.duckdb"
    done = _build(DEMO, db)
    assert done.returncode == 0, done.stderr
    return db, _sha(db)


def _demo_copy(folder: Path) -> Path:
    shutil.copytree(DEMO, folder)
    return folder


def test_the_corpus_is_large_enough():
    assert len({kind for kind, _, _ in CASES}) == len(CASES) >= 30


@pytest.mark.parametrize(("kind", "fault", "shows"), CASES, ids=[c[0] for c in CASES])
def test_bad_extract_refused_and_database_unchanged(tmp_path, good_db, kind, fault, shows):
    good, sha = good_db
    db = tmp_path / "db" / good.name  # a copy: a build wrongly accepted spoils only its own case
    db.parent.mkdir()
    shutil.copyfile(good, db)
    folder = _demo_copy(tmp_path / "bad")
    fault(folder)
    done = _build(folder, db)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Import refused" in done.stderr and "取り込みを中止しました" in done.stderr
    assert shows in done.stderr, done.stderr
    assert _sha(db) == sha
    assert not [p for p in db.parent.rglob("*") if ".building-" in p.name]


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("Shift_JIS", raw("organisations", _shift_jis)),
        (
            "xlsx",
            lambda folder: (
                _read(folder, SURVEY).to_excel(folder / f"{SURVEY}.xlsx", index=False)
                or (folder / f"{SURVEY}.csv").unlink()
            ),
        ),
    ],
)
def test_good_controls_are_accepted(tmp_path, kind, change):
    folder = _demo_copy(tmp_path / "good")
    change(folder)
    done = _build(folder, tmp_path / "control.duckdb")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


# ---- a build killed in each phase ----------------------------------------------------------

KILLER = """
import os, signal, sys, types
from data import build, marts, versions

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

phase = sys.argv[1]
if phase == "weights":
    build.assign_weights = die
elif phase == "insert":  # after the first table is in the new file
    to_arrow, calls = build.pa.Table.from_pandas, []

    def second_kills(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            die()
        return to_arrow(*args, **kwargs)

    build.pa = types.SimpleNamespace(Table=types.SimpleNamespace(from_pandas=second_kills))
elif phase == "marts":
    marts.build_marts = die
elif phase == "rename":  # the new file complete and closed, not yet named as a version
    versions.os.replace = die
elif phase == "switch":  # the new version complete, the link not yet switched
    versions._point = die
from data.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("phase", ["weights", "insert", "marts", "rename", "switch"])
def test_killed_build_leaves_the_database_usable_and_the_next_build_clean(tmp_path, good_db, phase):
    import duckdb

    good, sha = good_db
    db = tmp_path / "db" / good.name
    db.parent.mkdir()
    shutil.copyfile(good, db)
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, phase, "build", "--from", str(DEMO), "--db", str(db)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -9, killed.stderr
    assert _sha(db) == sha
    con = duckdb.connect(str(db), read_only=True)
    # the good database is the demo's: one response per data row of its survey files
    rows = sum(len(p.read_text(encoding="utf-8-sig").splitlines()) - 1 for p in DEMO.glob("survey_responses*.csv"))
    assert con.execute("SELECT count(*) FROM responses").fetchone()[0] == rows
    con.close()
    left = sorted(p.name for p in db.parent.rglob("*") if ".building-" in p.name or ".tmp-" in p.name)
    # the new file exists once writing has begun, until it is named as a version
    assert bool(left) == (phase not in ("weights", "switch"))

    again = _build(DEMO, db)
    assert again.returncode == 0, again.stderr
    assert [p.name for p in db.parent.rglob("*") if ".building-" in p.name or ".tmp-" in p.name] == []
    assert all(name in again.stdout for name in left)
    assert ("Removed the leftover of a killed build" in again.stdout) == bool(left)
