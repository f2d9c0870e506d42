"""`python -m queries activity` on the demo database: the layout of the CSV, its figures as the true
sums of the activity rows released by their cell keys, the same bytes as the activity page's
download, and the filter limits (exit status 2 with a clear message)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys

import pytest

from data import codebook
from queries import activity, export
from queries.filters import ActivityFilters

from . import reference as ref
from .conftest import ROOT

BOM = b"\xef\xbb\xbf"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "queries", "activity", *args],
        cwd=ROOT,
        capture_output=True,
        env=dict(os.environ),
        timeout=120,
    )


def parse(stdout: bytes) -> tuple[list[str], list[list[str]], list[str]]:
    """(header, rows, last row) of the CSV bytes (UTF-8 with BOM)."""
    assert stdout.startswith(BOM)
    rows = list(csv.reader(io.StringIO(stdout[len(BOM) :].decode("utf-8"), newline="")))
    return rows[0], rows[1:-1], rows[-1]


def fiscal_year(month: dt.date) -> int:
    return month.year if month.month >= 4 else month.year - 1


def true_sums(con, measure: str, period: str, split: str | None, where=lambda r: True) -> dict:
    """{(period text, split text): (count, record-key sum)} with "All" margins, from the raw rows."""
    raw = con.execute(f"""SELECT a.month, a.district, a.field, o.org_type, a.{measure} AS value, a.record_key
                          FROM activity AS a JOIN organisations AS o USING (org_id)""").fetchall()
    out: dict = {}
    for month, district, field, org_type, value, key in raw:
        r = {"month": month, "district": district, "field": field, "org_type": org_type}
        if not where(r):
            continue
        p = f"{month:%Y-%m}" if period == "month" else str(fiscal_year(month))
        g = str(r[split]) if split else None
        for k in {(p, g), (p, "All" if split else None), ("All", g), ("All", "All" if split else None)}:
            c0, k0 = out.get(k, (0, 0))
            out[k] = (c0 + value, k0 + key)
    return out


def check_rows(rows: list[list[str]], expected: dict, split: str | None) -> int:
    """Each row is its true sum released by its cell key; returns how many show "<5"."""
    small = 0
    d = int(codebook.disclosure()["ptables"]["activity"]["max_noise"])
    for row in rows:
        key = (row[0], row[1] if split else None)
        true, key_sum = expected.get(key, (0, 0))
        released = ref.released(true, key_sum, "activity")
        assert abs(released - true) <= d
        count, display = row[-2], row[-1]
        if 1 <= released <= 4:
            small += 1
            assert (count, display) == ("", "<5"), key
        else:
            assert (count, display) == (str(released), f"{released:,}"), (key, true)
        if true == 0:
            assert display == "0"
    return small


def test_by_fiscal_year_and_district_in_english(demo_db, con):
    out = cli("consultations", "--by", "fiscal_year", "--split", "district", "--lang", "en", "--db", str(demo_db))
    assert out.returncode == 0, out.stderr.decode()
    header, rows, last = parse(out.stdout)
    assert header == ["fiscal_year", "district", "count", "display"]
    assert last == [export.note_row("en")]
    years = [str(y) for y in activity.fiscal_years(con)]
    districts = [str(c) for c in codebook.codes("district")]
    assert [(r[0], r[1]) for r in rows] == [(p, g) for p in [*years, "All"] for g in [*districts, "All"]]
    check_rows(rows, true_sums(con, "consultations", "fiscal_year", "district"), "district")


def test_by_month_with_filters_shows_small_counts_as_less_than_five(demo_db, con):
    args = [
        "new_cases",
        "--by",
        "month",
        "--split",
        "org_type",
        "--where",
        "district=2",
        "--where",
        "field=2",
        "--from",
        "2024-04",
        "--to",
        "2025-03",
        "--lang",
        "en",
        "--db",
        str(demo_db),
    ]
    out = cli(*args)
    assert out.returncode == 0, out.stderr.decode()
    header, rows, last = parse(out.stdout)
    assert header == ["month", "org_type", "count", "display"] and last == [export.note_row("en")]
    months = [f"{2024 + (m < 4)}-{m:02d}" for m in (*range(4, 13), 1, 2, 3)]
    types = [str(c) for c in codebook.codes("org_type")]
    assert [(r[0], r[1]) for r in rows] == [(p, g) for p in [*months, "All"] for g in [*types, "All"]]
    in_fy = lambda r: r["district"] == 2 and r["field"] == 2 and fiscal_year(r["month"]) == 2024
    small = check_rows(rows, true_sums(con, "new_cases", "month", "org_type", in_fy), "org_type")
    assert small > 0
    page = export.activity_csv_with_warnings(
        con,
        "new_cases",
        "month",
        "org_type",
        ActivityFilters(start="2024-04", end="2025-03", districts=(2,), fields=(2,)),
        lang="en",
    )
    assert out.stdout == page[0]  # the same bytes as the activity page's download


def test_a_single_series_in_japanese(demo_db, con):
    out = cli(
        "outreach",
        "--by",
        "month",
        "--from",
        "2024-06",
        "--to",
        "2024-06",
        "--where",
        "district=4",
        "--db",
        str(demo_db),
    )
    assert out.returncode == 0, out.stderr.decode()
    header, rows, last = parse(out.stdout)
    assert header == ["月", "件数", "表示"] and last == [export.note_row("ja")]
    assert [r[0] for r in rows] == ["2024年6月", "合計"]
    assert rows[0][1:] == rows[1][1:]  # the same rows: the same released figure
    sums = true_sums(con, "outreach", "month", None, lambda r: r["district"] == 4 and r["month"] == dt.date(2024, 6, 1))
    check_rows([["2024-06", *rows[0][1:]], ["All", *rows[1][1:]]], sums, None)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--where", "district=1,3"], "one code or a named group"),
        (["--where", "district=1,2,3,4,5,6"], "one code or a named group"),
        (["--where", "district=9"], "one code or a named group"),
        (["--where", "district=former_towns"], "one code or a named group"),  # the group was dropped
        (["--where", "field=1,2"], "one code or a named group"),
        (["--where", "org_type=1,4"], "one code or a named group"),
        (["--where", "field=1", "--where", "field=2"], "once"),
        (["--where", "age_band=1"], "unknown dimension 'age_band'"),
        (["--where", "district"], "expected DIM=VALUE"),
        (["--from", "2023-11", "--to", "2024-05"], "one month"),
        (["--from", "2024-05"], "one month"),
        (["--from", "2024-13", "--to", "2024-13"], "YYYY-MM"),
    ],
)
def test_filters_outside_the_groupings_are_refused(demo_db, args, message):
    out = cli("consultations", "--by", "month", *args, "--db", str(demo_db))
    assert out.returncode == 2 and out.stdout == b""
    assert out.stderr.decode().startswith("error: ") and message in out.stderr.decode()


def test_bad_measure_split_and_database(tmp_path, demo_db):
    assert cli("visits", "--by", "month", "--db", str(demo_db)).returncode == 2
    assert cli("consultations", "--by", "week", "--db", str(demo_db)).returncode == 2
    assert cli("consultations", "--by", "month", "--split", "org", "--db", str(demo_db)).returncode == 2
    missing = cli("consultations", "--by", "month", "--db", str(tmp_path / "none.duckdb"))
    assert missing.returncode == 2 and "database not found" in missing.stderr.decode()
