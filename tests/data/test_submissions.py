"""Monthly submissions (issue 15, item 3): the Excel template, reading it back cell by cell, and
the store in the instance folder (history, status, apply_to_extracts for the publish).

Expectations are computed here from the codebook's YAML and from what each test writes into the
workbook, not from the modules under test.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
import yaml

from data import submission_read as rd, submission_store as store, submission_template as tpl

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo"
CODEBOOK = yaml.safe_load((REPO / "data" / "codebook.yaml").read_text(encoding="utf-8"))
DISTRICTS = {int(k): v for k, v in CODEBOOK["codes"]["district"]["values"].items()}
FIELDS = {int(k): v for k, v in CODEBOOK["codes"]["field"]["values"].items()}
ACT = CODEBOOK["extracts"]["activity"]["columns"]
HEADINGS = [
    ACT["month"]["label"]["ja"],
    CODEBOOK["codes"]["district"]["label"]["ja"],
    CODEBOOK["codes"]["field"]["label"]["ja"],
    ACT["consultations"]["label"]["ja"],
    ACT["new_cases"]["label"]["ja"],
    ACT["outreach"]["label"]["ja"],
]
ORG, NAME = "O16", "（架空）テスト団体 ひだまり"
ORG_FIELDS, ORG_DISTRICTS = [8, 1], [6, 1]  # as the demo's O16: "8;1", "1;6" (out of codebook order)
FIRST = 6  # the first data row of the sheet 実績


@pytest.fixture
def instance(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "instance"
    monkeypatch.setenv("TSUNAGARI_INSTANCE", str(folder))
    return folder


def month_template(month: str = "2024-04", fields=ORG_FIELDS, districts=ORG_DISTRICTS) -> bytes:
    return tpl.build_template(ORG, NAME, fields, districts, tpl.month_period(month))


def counts_for(row: int) -> tuple[int, int, int]:
    """The counts a test types on sheet row ROW (new cases never above consultations)."""
    return (row * 7) % 23, (row * 3) % 5 if (row * 7) % 23 >= 4 else 0, row % 4


def fill(data: bytes, rows=None, edit=None) -> bytes:
    """DATA with every pre-filled row's counts typed (counts_for), or only ROWS; then EDIT(ws)."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[tpl.SHEET_DATA]
    r = FIRST
    while ws.cell(r, 2).value is not None:
        if rows is None or r in rows:
            for c, v in zip((4, 5, 6), counts_for(r)):
                ws.cell(r, c).value = v
        r += 1
    if edit:
        edit(ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def prefilled(data: bytes) -> list[tuple]:
    ws = openpyxl.load_workbook(io.BytesIO(data))[tpl.SHEET_DATA]
    out, r = [], FIRST
    while ws.cell(r, 2).value is not None:
        out.append((r, *(ws.cell(r, c).value for c in (1, 2, 3))))
        r += 1
    return out


def read(data: bytes, org: str = ORG, name: str = "実績_4月.xlsx", last_month: str = "2026-10"):
    return rd.read_submission(data, name, org, last_month)


def cells(sub) -> list[str]:
    return [p.column for p in sub.problems]


# ---- the template ------------------------------------------------------------------------------


def test_month_template_rows_labels_and_meta_come_from_the_codebook():
    data = month_template("2024-04")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[:2] == ["説明", "実績"] and wb.active.title == "説明"
    hidden = [ws.title for ws in wb.worksheets if ws.sheet_state == "hidden"]
    assert hidden == ["選択肢"]
    ws = wb["実績"]
    assert ws["B1"].value == ORG and ws["B2"].value == NAME and ws["B3"].value == "2024-04"
    assert [ws.cell(5, c).value for c in range(1, 7)] == HEADINGS
    expected = [
        ("2024-04", DISTRICTS[d]["ja"], FIELDS[f]["ja"]) for d, f in itertools.product(sorted(ORG_DISTRICTS), [1, 8])
    ]
    assert [r[1:] for r in prefilled(data)] == expected
    assert all(ws.cell(r, c).value is None for r, *_ in prefilled(data) for c in (4, 5, 6))
    help_text = "\n".join(str(c.value) for c in wb["説明"]["A"] if c.value)
    assert NAME in help_text and ORG in help_text and "0 を入力" in help_text and "2024年4月" in help_text


def test_year_template_runs_april_to_march_over_all_districts():
    data = tpl.build_template(ORG, NAME, [3], None, tpl.fiscal_year_period(2024))
    rows = prefilled(data)
    months = [f"2024-{m:02d}" for m in range(4, 13)] + [f"2025-{m:02d}" for m in (1, 2, 3)]
    assert [r[1:] for r in rows] == [(m, DISTRICTS[d]["ja"], FIELDS[3]["ja"]) for m in months for d in DISTRICTS]
    ws = openpyxl.load_workbook(io.BytesIO(data))["実績"]
    assert ws["B3"].value == "2024年度"
    assert tpl.parse_period("2024年度").months == tuple(months)


def test_drop_downs_whole_number_checks_and_protection():
    data = month_template()
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["実績"]
    last = FIRST + len(prefilled(data)) + tpl.SPARE_ROWS - 1
    dvs = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    lists = wb["選択肢"]

    def listed(dv) -> list:
        ref = dv.formula1.split("!")[1].replace("$", "")
        return [c.value for row in lists[ref] for c in row]

    month, district, field = dvs[f"A{FIRST}:A{last}"], dvs[f"B{FIRST}:B{last}"], dvs[f"C{FIRST}:C{last}"]
    assert {month.type, district.type, field.type} == {"list"}
    assert listed(district) == [v["ja"] for v in DISTRICTS.values()]
    assert listed(field) == [v["ja"] for v in FIELDS.values()]
    assert listed(month) == ["2024-04"]
    whole = dvs[f"D{FIRST}:D{last} F{FIRST}:F{last}"]
    assert (whole.type, whole.operator, whole.formula1) == ("whole", "greaterThanOrEqual", "0")
    new = dvs[f"E{FIRST}:E{last}"]
    assert new.type == "custom" and f"E{FIRST}<=D{FIRST}" in new.formula1 and f"E{FIRST}>=0" in new.formula1
    assert all(dv.showErrorMessage for dv in dvs.values())
    # protected headers, unlocked input cells
    assert ws.protection.sheet and wb["説明"].protection.sheet
    assert all(ws.cell(r, c).protection.locked for r in range(1, 6) for c in range(1, 7))
    n = len(prefilled(data))
    assert all(not ws.cell(r, c).protection.locked for r in range(FIRST, FIRST + n) for c in (4, 5, 6))
    assert all(ws.cell(r, c).protection.locked for r in range(FIRST, FIRST + n) for c in (1, 2, 3))
    assert all(not ws.cell(r, c).protection.locked for r in range(FIRST + n, last + 1) for c in range(1, 7))


def test_periods():
    assert tpl.parse_period(" 2025-03 ") == tpl.Period("month", "2025-03")
    assert tpl.parse_period("2024 年度").months[0] == "2024-04"
    for bad in ("2024-13", "2024/04", "24年度", "", None, 2024, "1999-12"):
        assert tpl.parse_period(bad) is None, bad
    assert tpl.fiscal_year_of("2025-03") == 2024 and tpl.fiscal_year_of("2025-04") == 2025


# ---- reading a filled template -------------------------------------------------------------------


def test_a_filled_month_reads_back_as_activity_rows():
    data = fill(month_template())
    sub = read(data)
    assert sub.ok and sub.problems == [] and sub.org_id == ORG and sub.months == ["2024-04"]
    codes_d = {v["ja"]: k for k, v in DISTRICTS.items()}
    codes_f = {v["ja"]: k for k, v in FIELDS.items()}
    expected = sorted((ORG, m, codes_d[d], codes_f[f], *counts_for(r)) for r, m, d, f in prefilled(data))
    got = sorted(tuple(x) for x in sub.rows[list(store.COLUMNS)].itertuples(index=False))
    assert got == expected
    totals = rd.month_totals(sub.rows)
    assert totals.iloc[0]["相談件数"] == sum(counts_for(r)[0] for r, *_ in prefilled(data))
    assert sub.sha256 == __import__("hashlib").sha256(data).hexdigest()


def test_spare_rows_take_other_districts_and_fields_in_any_spelling():
    n = len(prefilled(month_template()))
    spare = FIRST + n

    def edit(ws):
        ws.cell(spare, 1).value = dt.datetime(2024, 4, 1)  # Excel turned 2024-04 into a date
        ws.cell(spare, 2).value = "Haguro"
        ws.cell(spare, 3).value = "６"  # a code, full width
        for c, v in zip((4, 5, 6), (" １２ ", 3.0, "0")):
            ws.cell(spare, c).value = v

    sub = read(fill(month_template(), edit=edit))
    assert sub.ok, sub.problems
    extra = sub.rows[sub.rows["sheet_row"] == spare].iloc[0]
    assert (extra["district"], extra["field"], extra["consultations"], extra["new_cases"], extra["outreach"]) == (
        3,
        6,
        12,
        3,
        0,
    )
    assert len(sub.rows) == n + 1


def _set(cell, value):
    def edit(ws):
        ws[cell].value = value

    return edit


def _spare(values):
    """Write VALUES (A..F) in the first spare row of the month template."""

    def edit(ws):
        r = FIRST + len(ORG_FIELDS) * len(ORG_DISTRICTS)
        for c, v in enumerate(values, start=1):
            ws.cell(r, c).value = v

    return edit


SPARE = FIRST + len(ORG_FIELDS) * len(ORG_DISTRICTS)  # the first spare row


@pytest.mark.parametrize(
    "edit, cell, words",
    [
        (_set("D6", "=D7+1"), "D6", "計算結果が保存されていない数式"),
        (_set("D6", 2.5), "D6", "整数"),
        (_set("F7", "abc"), "F7", "整数"),
        (_set("D6", True), "D6", "整数"),
        (_set("D6", dt.datetime(2024, 4, 3)), "D6", "整数"),
        (_set("F6", -1), "F6", "0 以上"),
        (_set("F6", "-2"), "F6", "0 以上"),
        (_set("D6", 3_000_000_000), "D6", "大きすぎ"),
        (_set("D6", None), "D6", "空欄です。0 件のときは 0"),
        (_set("E7", 99), "E7", "相談件数"),  # new cases above consultations
        (_set("B1", "O01"), "B1", "団体ID"),
        (_set("B3", "来月"), "B3", "対象期間"),
        (_set("D5", "件数"), "D5", "見出し"),
        (_spare(["2023-01", "鶴岡", "高齢者", 1, 0, 0]), f"A{SPARE}", "対象期間（2024年4月"),
        (_spare(["2024-04", "東京", "高齢者", 1, 0, 0]), f"B{SPARE}", "一覧にない地域"),
        (_spare(["2024-04", "鶴岡", "観光", 1, 0, 0]), f"C{SPARE}", "一覧にない分野"),
        (_spare(["2024-04", None, "高齢者", 1, 0, 0]), f"B{SPARE}", "地域が空欄"),
        (_spare([None, "鶴岡", "障害", 1, 0, 0]), f"A{SPARE}", "月が空欄"),
        (_spare(["2024-04", "鶴岡", "高齢者", 1, 0, 0]), f"A{SPARE}", f"{FIRST} 行目と同じ"),
        (_spare(["2024-04", "鶴岡", "障害", 1, 0, None]), f"F{SPARE}", "空欄"),
    ],
)
def test_each_bad_cell_is_refused_at_its_cell(edit, cell, words):
    sub = read(fill(month_template(), edit=edit))
    assert not sub.ok and len(sub.rows) == 0
    assert cell in cells(sub), [(p.column, p.expected_ja) for p in sub.problems]
    problem = next(p for p in sub.problems if p.column == cell)
    assert words in problem.expected_ja
    assert problem.expected_en and problem.file == "実績_4月.xlsx" and problem.row == int(cell[1:])
    table = rd.problems_frame(sub.problems, "ja")
    assert cell in list(table["セル"]) and "Expected (English)" in table.columns


def test_another_organisation_cannot_send_this_template():
    sub = read(fill(month_template()), org="O01")
    assert not sub.ok and cells(sub) == ["B1"] and "O01" in sub.problems[0].expected_ja


def test_a_formula_with_its_saved_result_is_read_as_that_value():
    data = fill(month_template(), edit=_set("D6", "=3+4"))
    # as Excel saves it: the formula and its result (openpyxl writes no result)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    sheet = next(n for n, b in parts.items() if n.startswith("xl/worksheets/") and b"<f>3+4</f>" in b)
    assert b"<f>3+4</f><v></v>" in parts[sheet]
    parts[sheet] = parts[sheet].replace(b"<f>3+4</f><v></v>", b"<f>3+4</f><v>7</v>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in parts.items():
            z.writestr(n, b)
    sub = read(out.getvalue())
    assert sub.ok, sub.problems
    assert sub.rows.loc[sub.rows["sheet_row"] == 6, "consultations"].item() == 7


def test_year_template_months_left_blank_are_not_sent_but_half_filled_ones_are_refused():
    data = tpl.build_template(ORG, NAME, [1], [2], tpl.fiscal_year_period(2024))
    rows = prefilled(data)  # one row per month
    april_may = {r for r, m, *_ in rows if m in ("2024-04", "2024-05")}
    sub = read(fill(data, rows=april_may))
    assert sub.ok and sub.months == ["2024-04", "2024-05"]
    assert sub.skipped == [f"2024-{m:02d}" for m in range(6, 13)] + ["2025-01", "2025-02", "2025-03"]
    # June: one of its three counts typed: the two others are refused
    june = next(r for r, m, *_ in rows if m == "2024-06")
    sub = read(fill(data, rows=april_may, edit=_set(f"D{june}", 4)))
    assert not sub.ok and sorted(cells(sub)) == [f"E{june}", f"F{june}"]


def test_months_still_to_come_are_refused_when_filled():
    data = tpl.build_template(ORG, NAME, [1], [2], tpl.fiscal_year_period(2024))
    sub = read(fill(data), last_month="2024-09")
    late = [r for r, m, *_ in prefilled(data) if m > "2024-09"]
    assert not sub.ok and cells(sub) == [f"A{r}" for r in late]
    assert "これから先の月" in sub.problems[0].expected_ja
    assert read(fill(data, rows={r for r, m, *_ in prefilled(data) if m <= "2024-09"}), last_month="2024-09").ok


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in entries.items():
            z.writestr(n, b)
    return out.getvalue()


def _other_workbook() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active["A1"] = "org_id"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _too_many_rows() -> bytes:
    return fill(month_template(), edit=_set(f"D{FIRST + rd.MAX_DATA_ROWS}", 1))


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: b"", "空のファイル"),
        (lambda: "org_id,month\nO16,2024-04\n".encode("cp932"), "Excel ファイル（.xlsx）ではありません"),
        (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "古い Excel 形式"),
        (lambda: os.urandom(3000), "Excel ファイル（.xlsx）ではありません"),
        (lambda: _zip({"hello.txt": b"hi"}), "Excel ファイルとして読めません"),
        (lambda: fill(month_template())[:4000], "ではありません"),  # cut short: the zip's directory is gone
        (lambda: _zip({"big.xml": b"0" * (rd.MAX_UNPACKED + 1)}), "展開後"),
        (lambda: b"PK" + b"\0" * (rd.MAX_BYTES + 1), "大きすぎ"),
        (_other_workbook, "「実績」シートがありません"),
        (_too_many_rows, "行が多すぎます"),
        (lambda: month_template(), "件数が一つも入力されていません"),
    ],
)
def test_any_file_gives_problems_never_an_exception(make, words):
    sub = read(make(), name="upload.bin")
    assert not sub.ok and len(sub.rows) == 0
    assert any(words in p.expected_ja for p in sub.problems), [p.expected_ja for p in sub.problems]
    assert all(p.file == "upload.bin" and p.expected_en for p in sub.problems)


def test_a_damaged_workbook_inside_a_valid_zip_is_a_problem():
    data = fill(month_template())
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/sheet2"))
    parts[sheet] = parts[sheet][: len(parts[sheet]) // 2]  # XML cut in the middle
    sub = read(_zip(parts))
    assert not sub.ok and "Excel ファイルとして読めません" in sub.problems[0].expected_ja


def test_many_problems_are_listed_up_to_a_limit(monkeypatch):
    monkeypatch.setattr(rd, "MAX_PROBLEMS", 3)

    def text_in_four_cells(ws):
        for r in range(FIRST, FIRST + 4):
            ws.cell(r, 4).value = "x"

    sub = read(fill(month_template(), edit=text_in_four_cells))
    assert len(sub.problems) == 4 and "ほかに 1 件" in sub.problems[-1].expected_ja
    assert [p.column for p in sub.problems[:3]] == ["D6", "D7", "D8"]


# ---- the store ---------------------------------------------------------------------------------


def rows_frame(org: str, month: str, n: int = 3, base: int = 5) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "org_id": org,
                "month": month,
                "district": 1,
                "field": f,
                "consultations": base + f,
                "new_cases": f,
                "outreach": 1,
            }
            for f in range(1, n + 1)
        ]
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_save_keeps_files_private_and_a_resubmission_replaces_the_month(instance):
    t1 = dt.datetime(2024, 5, 2, 9, 0, tzinfo=store.JST)
    first = store.save(
        pd.concat([rows_frame("O05", "2024-04"), rows_frame("O05", "2024-05", 2)]),
        "O05",
        "npo-b",
        "org",
        "a.xlsx",
        "a" * 64,
        time=t1,
    )
    assert [(e.month, e.rows, e.replaces) for e in first] == [("2024-04", 3, None), ("2024-05", 2, None)]
    second = store.save(
        rows_frame("O05", "2024-04", 1, base=40),
        "O05",
        "jimu",
        "secretariat",
        "b.xlsx",
        "b" * 64,
        time=t1.replace(hour=10),
    )
    assert second[0].replaces == first[0].time
    cur = store.current()
    assert cur[("O05", "2024-04")].file == "b.xlsx" and cur[("O05", "2024-05")].file == "a.xlsx"
    assert store.rows_of(cur[("O05", "2024-04")])["consultations"].tolist() == [41]
    assert [e.file for e in store.history()] == ["a.xlsx", "a.xlsx", "b.xlsx"]  # nothing dropped
    root = instance / "submissions"
    files = sorted(p for p in root.rglob("*") if p.is_file())
    assert all(mode(p) == 0o600 for p in files), [(p, oct(mode(p))) for p in files]
    assert all(mode(p) == 0o700 for p in [root, *[p for p in root.rglob("*") if p.is_dir()]])
    assert len([p for p in files if p.suffix == ".csv"]) == 3 and not [p for p in files if p.name.endswith(".tmp")]
    assert (root / "O05" / "2024-04").is_dir()
    line = (root / "history.jsonl").read_text(encoding="utf-8").splitlines()[-1]
    assert '"user":"jimu"' in line and '"sha256":"' + "b" * 64 in line and "+09:00" in line


def test_save_refuses_rows_of_another_organisation_or_bad_counts(instance):
    with pytest.raises(ValueError):
        store.save(rows_frame("O06", "2024-04"), "O05", "npo", "org", "x.xlsx", "0" * 64)
    bad = rows_frame("O05", "2024-04").assign(new_cases=100)
    with pytest.raises(ValueError):
        store.save(bad, "O05", "npo", "org", "x.xlsx", "0" * 64)
    assert store.history() == []


def test_an_odd_org_id_never_becomes_a_path(instance):
    store.save(rows_frame("../x", "2024-04"), "../x", "npo", "org", "x.xlsx", "0" * 64)
    (entry,) = store.history()
    assert ".." not in entry.path and (instance / "submissions" / entry.path).is_file()


def test_pending_and_published_marker(instance):
    t0 = dt.datetime(2024, 6, 1, 9, 0, tzinfo=store.JST)
    store.save(rows_frame("O05", "2024-04"), "O05", "a", "org", "a.xlsx", "a" * 64, time=t0)
    store.save(rows_frame("O07", "2024-04"), "O07", "b", "org", "b.xlsx", "b" * 64, time=t0.replace(hour=10))
    assert [e.org_id for e in store.pending()] == ["O05", "O07"]  # never published: all
    store.mark_published("20240601-110000", as_of=t0.replace(hour=10).isoformat())
    assert store.pending() == [] and store.published()["version_id"] == "20240601-110000"
    store.save(rows_frame("O05", "2024-05"), "O05", "a", "org", "c.xlsx", "c" * 64, time=t0.replace(hour=12))
    assert [(e.org_id, e.month) for e in store.pending()] == [("O05", "2024-05")]
    assert [e.org_id for e in store.pending(since=t0)] == ["O07", "O05"]
    table = store.status([("O05", "団体A"), ("O06", "団体B")], ["2024-04", "2024-05"])
    got = {(r.org_id, r.month): (r.submitted, r.published, r.user) for r in table.itertuples()}
    assert got == {
        ("O05", "2024-04"): (True, True, "a"),
        ("O05", "2024-05"): (True, False, "a"),
        ("O06", "2024-04"): (False, False, ""),
        ("O06", "2024-05"): (False, False, ""),
        ("O07", "2024-04"): (True, True, "b"),  # submitted but not listed: added after the listed ones
        ("O07", "2024-05"): (False, False, ""),
    }
    assert list(table["org_id"].drop_duplicates()) == ["O05", "O06", "O07"]


def _activity(path: Path) -> list[tuple]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [tuple(r) for r in csv.reader(f)][1:]


@pytest.fixture
def staging(tmp_path) -> Path:
    folder = tmp_path / "staging"
    shutil.copytree(DEMO, folder)
    return folder


def test_apply_to_extracts_replaces_submitted_months_and_adds_new_ones(instance, staging):
    before = _activity(staging / "activity.csv")
    replaced = rows_frame("O05", "2024-04", 2, base=50)  # O05 had 3 fields × 1 district in 2024-04
    added = rows_frame("O05", "2025-06", 1)  # not in the demo (it ends 2025-03)
    store.save(pd.concat([replaced, added]), "O05", "npo", "org", "a.xlsx", "a" * 64)
    summary = store.apply_to_extracts(staging)
    after = _activity(staging / "activity.csv")
    keep = [r for r in before if not (r[0] == "O05" and r[1] == "2024-04")]
    new = [tuple(str(v) for v in r) for r in pd.concat([replaced, added])[list(store.COLUMNS)].itertuples(index=False)]
    assert Counter(after) == Counter(keep + new)
    assert summary["rows_replaced"] == len(before) - len(keep) == 3
    assert summary["rows_added"] == 3 and summary["new_pairs"] == ["O05 2025-06"]
    assert summary["orgs"] == ["O05"] and summary["months"] == ["2024-04", "2025-06"]
    assert summary["as_of"] == store.history()[-1].time
    # applying again changes nothing (the staging copy may already hold them)
    store.apply_to_extracts(staging)
    assert Counter(_activity(staging / "activity.csv")) == Counter(after)


def test_apply_to_extracts_turns_an_xlsx_extract_into_csv(instance, staging):
    rows = _activity(staging / "activity.csv")
    wb = openpyxl.Workbook()
    wb.active.append(list(store.COLUMNS))
    for r in rows:
        wb.active.append([r[0], r[1], *(int(v) for v in r[2:])])
    wb.save(staging / "activity.xlsx")
    (staging / "activity.csv").unlink()
    store.save(rows_frame("O07", "2023-05", 1), "O07", "npo", "org", "a.xlsx", "a" * 64)
    summary = store.apply_to_extracts(staging)
    assert not (staging / "activity.xlsx").exists()
    after = _activity(staging / "activity.csv")
    assert len(after) == len(rows) - summary["rows_replaced"] + 1
    assert ("O07", "2023-05", "1", "1", "6", "1", "1") in after


def test_the_applied_extracts_build_and_hold_the_submitted_figures(instance, staging, tmp_path):
    """Template → filled → read → saved → applied → `python -m data build`: the database's
    activity rows of that organisation and month are the typed ones."""
    org = pd.read_csv(DEMO / "organisations.csv", dtype=str, encoding="utf-8-sig").set_index("org_id").loc["O16"]
    fields = [int(f) for f in org["fields"].split(";")]
    districts = None if org["districts"] == "all" else [int(d) for d in org["districts"].split(";")]
    data = fill(tpl.build_template("O16", org["name"], fields, districts, tpl.month_period("2024-07")))
    sub = rd.read_submission(data, "o16.xlsx", "O16", "2026-10")
    assert sub.ok
    store.save(sub.rows, "O16", "npo", "org", sub.file_name, sub.sha256)
    store.apply_to_extracts(staging)
    db = tmp_path / "built.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "data", "build", "--from", str(staging), "--db", str(db)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = con.execute(
            "SELECT district, field, consultations, new_cases, outreach FROM activity "
            "WHERE org_id = 'O16' AND strftime(month, '%Y-%m') = '2024-07' ORDER BY 1, 2"
        ).fetchall()
    finally:
        con.close()
    typed = sorted((d, f, *counts_for(r)) for r, _, d, f in _codes(data))
    assert got == typed and len(got) == len(fields) * len(districts)


def _codes(data: bytes) -> list[tuple]:
    """The template's pre-filled rows as (row, month, district code, field code), from the labels."""
    d = {v["ja"]: k for k, v in DISTRICTS.items()}
    f = {v["ja"]: k for k, v in FIELDS.items()}
    return [(r, m, d[dl], f[fl]) for r, m, dl, fl in prefilled(data)]


def _point_at(target: Path, vid: str) -> None:
    """TARGET as data/versions.py leaves it: a link to TARGET.versions/VID.duckdb."""
    if target.is_symlink():
        target.unlink()
    target.symlink_to(f"{target.name}.versions/{vid}.duckdb")


def test_a_rollback_makes_the_submissions_published_after_it_pending_again(instance, tmp_path):
    t0 = dt.datetime(2024, 6, 1, 9, 0, tzinfo=store.JST)
    store.save(rows_frame("O05", "2024-04"), "O05", "a", "org", "a.xlsx", "a" * 64, time=t0)
    store.mark_published("20240601-110000", as_of=t0.isoformat())
    store.save(rows_frame("O07", "2024-05"), "O07", "b", "org", "b.xlsx", "b" * 64, time=t0.replace(hour=12))
    store.mark_published("20240601-130000", as_of=t0.replace(hour=12).isoformat())
    target = tmp_path / "tsunagari.duckdb"

    _point_at(target, "20240601-130000")  # the newest publish in use
    assert store.pending(target=target) == [] and store.published(target)["version_id"] == "20240601-130000"

    _point_at(target, "20240601-110000")  # rolled back: O07's month is not in the data any more
    assert [(e.org_id, e.month) for e in store.pending(target=target)] == [("O07", "2024-05")]
    assert store.published(target)["as_of"] == t0.isoformat()
    table = store.status([("O05", "A"), ("O07", "B")], ["2024-04", "2024-05"], target)
    assert {(r.org_id, r.month) for r in table.itertuples() if r.published} == {("O05", "2024-04")}

    _point_at(target, "20240601-120000")  # a data upload between the two: holds the first publish
    assert [e.org_id for e in store.pending(target=target)] == ["O07"]

    _point_at(target, "20240501-000000")  # older than every publish: nothing of it is in the data
    assert store.published(target) == {} and len(store.pending(target=target)) == 2
    # without a database, the last publish as before
    assert store.published()["version_id"] == "20240601-130000" and store.pending() == []


def test_a_marker_written_before_the_per_version_record_still_counts(instance, tmp_path):
    t0 = dt.datetime(2024, 6, 1, 9, 0, tzinfo=store.JST)
    store.save(rows_frame("O05", "2024-04"), "O05", "a", "org", "a.xlsx", "a" * 64, time=t0)
    old = {"version_id": "20240601-110000", "published_at": t0.isoformat(), "as_of": t0.isoformat()}
    (instance / "submissions" / store.MARKER).write_text(json.dumps(old), encoding="utf-8")
    target = tmp_path / "tsunagari.duckdb"
    _point_at(target, "20240601-110000")
    assert store.pending(target=target) == [] and store.published(target)["as_of"] == t0.isoformat()
    store.mark_published("20240602-090000", as_of=t0.isoformat())
    _point_at(target, "20240601-110000")
    assert store.published(target)["version_id"] == "20240601-110000"  # the old publish was kept
