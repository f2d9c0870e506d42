"""An organisation's filled template (data/submission_template.py) read back and checked cell by
cell: the activity rows it holds, or the problems, each pointing at its cell of the sheet 実績.

Problem.file is the uploaded file's name, Problem.row the sheet's row and Problem.column the cell
(e.g. "D7"); the message names the column's label as well. Whatever the bytes, reading gives a
Submission with problems, never an exception: not an .xlsx, empty, too large (bytes, unpacked size,
rows), damaged, another sheet layout, another organisation's template.

Refused, each with its cell: a formula without a saved result, a count that is not a whole number
(decimals, text, dates, TRUE), below 0 or beyond 2,147,483,647, 新規 above 相談件数, an org_id
other than the account's, a month outside the template's period or after the current month, a
district or field that is not one of the codebook's labels (ja or en) or codes, a blank month,
district or field in a row with counts, a row repeating another's month × district × field.

Blank count cells: refused (「0 件のときは 0 を入力してください」), so a forgotten cell is never read
as 0. The one exception is a whole month left blank: every count cell of every row of that month
empty. That month is not submitted (a 年度 template is filled month by month); the reader lists it
in `skipped`. A file in which every month is blank is refused (nothing to submit).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from data import codebook, submission_template as tpl
from data.problems import ERROR, Problem, errors, problems_frame as table_of_problems
from data.validate import INT32_MAX, today

MAX_BYTES = 2 * 1024 * 1024  # a 年度 template of every field and district is about 40 KB
MAX_UNPACKED = 20 * 1024 * 1024  # the workbook's XML once unzipped
MAX_ZIP_ENTRIES = 200
# the largest template: 12 months × 6 districts × 9 fields, plus the spare rows; more is refused
MAX_DATA_ROWS = 12 * 6 * 9 + 200
MAX_PROBLEMS = 500  # listed; the rest are counted in one last problem
ACTIVITY_COLUMNS = ("org_id", "month", "district", "field", *tpl.MEASURES)
_DIGITS = 12


@dataclass
class Submission:
    """What one uploaded file holds: ROWS (the activity extract's columns, one row per month ×
    district × field, plus `sheet_row`), or PROBLEMS."""

    file_name: str
    sha256: str
    size: int
    org_id: str | None = None
    period: tpl.Period | None = None
    rows: pd.DataFrame = field(default_factory=lambda: empty_rows())
    problems: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # months left wholly blank (not submitted)

    @property
    def ok(self) -> bool:
        return not errors(self.problems) and len(self.rows) > 0

    @property
    def months(self) -> list[str]:
        return sorted(set(self.rows["month"])) if len(self.rows) else []


def empty_rows() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object if c in ("org_id", "month") else "int64") for c in ACTIVITY_COLUMNS})


# ---- labels ---------------------------------------------------------------------------------


def _label(column: str, lang: str) -> str:
    return codebook.column_label(tpl.EXTRACT, column, lang)


def _code_lookup(value_set: str) -> dict[str, int]:
    """Every way a code may be written in the template: ja label, en label (any case), the code."""
    out: dict[str, int] = {}
    for code, labels in codebook.value_set(value_set).items():
        out[_norm(labels["ja"])] = code
        out[_norm(labels["en"]).casefold()] = code
        out[str(code)] = code
    return out


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


# ---- reading ----------------------------------------------------------------------------------


class _Stop(Exception):
    """The file cannot be read further; its problems are already listed."""


class _Reader:
    def __init__(self, file_name: str, org_id: str, last_month: str):
        self.file = file_name
        self.org_id = org_id
        self.last_month = last_month
        self.problems: list[Problem] = []

    def problem(self, ja: str, en: str, cell: str | None = None, row: int | None = None, value=None) -> None:
        shown = None if value is None else _shown(value)
        self.problems.append(Problem(self.file, row, cell, shown, ja, en))

    def stop(self, ja: str, en: str, cell: str | None = None, row: int | None = None, value=None) -> _Stop:
        self.problem(ja, en, cell, row, value)
        return _Stop()


def read_submission(data: bytes, file_name: str, org_id: str, last_month: str | None = None) -> Submission:
    """The rows of the filled template DATA (uploaded as FILE_NAME) for ORG_ID (the account's
    organisation), or its problems. LAST_MONTH (YYYY-MM): the latest month that may hold figures
    (default the current month, as the loader's build month)."""
    file_name = str(file_name or "")[:200] or "upload.xlsx"
    sub = Submission(file_name, hashlib.sha256(data).hexdigest(), len(data))
    reader = _Reader(file_name, org_id, last_month or tpl.month_of(today()))
    try:
        _read(reader, sub, data)
    except _Stop:
        pass
    except Exception as exc:  # anything openpyxl raises on a damaged workbook: a problem, never a traceback
        reader.problem(
            f"Excel ファイルとして読めません（{type(exc).__name__}）。"
            "ダウンロードした様式に入力して保存したファイルを選んでください。",
            f"cannot be read as an Excel workbook ({type(exc).__name__}); upload the template you downloaded, "
            "filled in and saved.",
        )
    if errors(reader.problems):
        sub.rows = empty_rows()
    sub.problems = _bounded(reader.problems)
    return sub


def _read(reader: _Reader, sub: Submission, data: bytes) -> None:
    _check_container(reader, data)
    values = _load(reader, data, data_only=True)
    formulas = _load(reader, data, data_only=False)
    _check_layout(reader, sub, values)
    _read_rows(reader, sub, values, formulas)


def _check_container(reader: _Reader, data: bytes) -> None:
    if not data:
        raise reader.stop("空のファイルです（0 バイト）。", "the file is empty (0 bytes).")
    if len(data) > MAX_BYTES:
        raise reader.stop(
            f"ファイルが大きすぎます（{len(data):,} バイト。{MAX_BYTES // 1024 // 1024} MB まで）。"
            "ダウンロードした様式を使ってください。",
            f"the file is too large ({len(data):,} bytes; at most {MAX_BYTES // 1024 // 1024} MB). "
            "Use the template you downloaded.",
        )
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise reader.stop(
            "古い Excel 形式（.xls）です。ダウンロードした様式（.xlsx）に入力し、そのままの形式で保存してください。",
            "this is the old Excel format (.xls); fill in the template you downloaded (.xlsx) and save it as .xlsx.",
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise reader.stop(
            "Excel ファイル（.xlsx）ではありません。ダウンロードした様式に入力し、"
            "そのまま保存したファイルを選んでください（CSV などに変換しないでください）。",
            "not an Excel workbook (.xlsx): upload the template you downloaded, filled in and saved as it is "
            "(not converted to CSV or another format).",
        )
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        unpacked = sum(i.file_size for i in infos)
    if len(infos) > MAX_ZIP_ENTRIES or unpacked > MAX_UNPACKED:
        raise reader.stop(
            f"ファイルの中身が大きすぎます（展開後 {unpacked:,} バイト）。ダウンロードした様式を使ってください。",
            f"the workbook is too large once unpacked ({unpacked:,} bytes). Use the template you downloaded.",
        )


@dataclass
class _Sheet:
    """The sheet 実績 as values: meta cells (rows 1 to HEADER_ROW) and data rows, each 6 cells."""

    head: list[tuple]
    body: list[tuple]  # rows FIRST_ROW..; index 0 = sheet row FIRST_ROW


def _load(reader: _Reader, data: bytes, data_only: bool) -> _Sheet:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    try:
        if tpl.SHEET_DATA not in wb.sheetnames:
            names = "、".join(wb.sheetnames[:10])
            raise reader.stop(
                f"「{tpl.SHEET_DATA}」シートがありません（あるシート: {names}）。"
                "このページでダウンロードした様式を使ってください。",
                f"there is no sheet named {tpl.SHEET_DATA} (sheets found: {names}). "
                "Use the template downloaded from this page.",
            )
        ws = wb[tpl.SHEET_DATA]
        width = len(tpl.COLUMNS)
        last = tpl.FIRST_ROW + MAX_DATA_ROWS
        rows = [
            tuple(r[:width]) + (None,) * (width - len(r))
            for r in ws.iter_rows(min_row=1, max_row=last + 1, max_col=width, values_only=True)
        ]
    finally:
        wb.close()
    rows += [(None,) * len(tpl.COLUMNS)] * (tpl.FIRST_ROW - 1 - len(rows))
    head, body = rows[: tpl.FIRST_ROW - 1], rows[tpl.FIRST_ROW - 1 :]
    if len(body) > MAX_DATA_ROWS and any(not _blank(v) for v in body[MAX_DATA_ROWS]):
        raise reader.stop(
            f"行が多すぎます（{MAX_DATA_ROWS + tpl.FIRST_ROW - 1} 行目まで）。ダウンロードした様式を使ってください。",
            f"too many rows (at most up to row {MAX_DATA_ROWS + tpl.FIRST_ROW - 1}). Use the template you downloaded.",
            cell=f"A{tpl.FIRST_ROW + MAX_DATA_ROWS}",
            row=tpl.FIRST_ROW + MAX_DATA_ROWS,
        )
    return _Sheet(head, body[:MAX_DATA_ROWS])


def _cell_value(sheet: _Sheet, ref: str):
    col = ord(ref[0]) - ord("A")
    return sheet.head[int(ref[1:]) - 1][col]


def _check_layout(reader: _Reader, sub: Submission, sheet: _Sheet) -> None:
    header = sheet.head[tpl.HEADER_ROW - 1]
    expected = tpl.header_labels("ja")
    for i, (found, want) in enumerate(zip(header, expected)):
        if not isinstance(found, str) or _norm(found) != want:
            cell = f"{get_column_letter(i + 1)}{tpl.HEADER_ROW}"
            raise reader.stop(
                f"見出しが様式と違います（{cell} は「{want}」のはずです）。"
                "ダウンロードした様式の見出しは変えずに使ってください。",
                f"the headings differ from the template ({cell} should be {want!r}). "
                "Use the downloaded template without changing its headings.",
                cell,
                tpl.HEADER_ROW,
                found,
            )
    found_org = _cell_value(sheet, tpl.ORG_CELL)
    org = _norm(str(found_org)) if found_org is not None else ""
    if org != reader.org_id:
        raise reader.stop(
            f"{_label('org_id', 'ja')}が違います: この様式は「{org or '（空欄）'}」のもので、"
            f"このアカウントの団体は「{reader.org_id}」です。自分の団体の様式をダウンロードして使ってください。",
            f"{_label('org_id', 'en')} differs: this template is for {org or '(blank)'!r}, this account's "
            f"organisation is {reader.org_id!r}. Download your own organisation's template.",
            tpl.ORG_CELL,
            int(tpl.ORG_CELL[1:]),
            found_org,
        )
    sub.org_id = org
    raw_period = _cell_value(sheet, tpl.PERIOD_CELL)
    period = tpl.parse_period(raw_period)
    if period is None:
        raise reader.stop(
            "対象期間が読めません（2024-04 または 2024年度 の形のはずです）。"
            "ダウンロードした様式を変えずに使ってください。",
            "the period cannot be read (it should be like 2024-04 or 2024年度). Use the downloaded template unchanged.",
            tpl.PERIOD_CELL,
            int(tpl.PERIOD_CELL[1:]),
            raw_period,
        )
    sub.period = period


def _read_rows(reader: _Reader, sub: Submission, values: _Sheet, formulas: _Sheet) -> None:
    period = sub.period
    assert period is not None
    districts, fields = _code_lookup("district"), _code_lookup("field")
    width = len(tpl.COLUMNS)
    parsed: list[dict] = []
    filled_months: set[str] = set()
    for i, row in enumerate(values.body):
        sheet_row = tpl.FIRST_ROW + i
        raw = formulas.body[i] if i < len(formulas.body) else (None,) * width
        cells = list(row)
        unsaved = [c for c in range(width) if cells[c] is None and _is_formula(raw[c])]
        for c in unsaved:
            ref = f"{get_column_letter(c + 1)}{sheet_row}"
            reader.problem(
                f"{ref}（{_label(tpl.COLUMNS[c], 'ja')}）は計算結果が保存されていない数式です。"
                "Excel で開いて保存するか、値として貼り付けてください。",
                f"{ref} ({_label(tpl.COLUMNS[c], 'en')}) holds a formula with no saved result: open and save the "
                "workbook in Excel, or paste the cells as values.",
                ref,
                sheet_row,
                str(getattr(raw[c], "text", raw[c])),
            )
            cells[c] = _UNSAVED
        if all(_blank(v) for v in cells):
            continue
        month = _month_cell(cells[0])
        if month is not None and any(not _blank(v) for v in cells[3:]):
            filled_months.add(month)
        parsed.append({"sheet_row": sheet_row, "cells": cells, "month": month})

    skipped = [m for m in period.months if m not in filled_months]
    seen: dict[tuple, int] = {}
    out: list[dict] = []
    for entry in parsed:
        sheet_row, cells, month = entry["sheet_row"], entry["cells"], entry["month"]
        if month not in filled_months and all(_blank(v) for v in cells[3:]):
            continue  # labels only: a month left wholly blank, or a spare row with labels chosen
        row_ok = True
        if month is None or month not in period.months or month > reader.last_month:
            row_ok = False
            _month_problem(reader, cells[0], month, period, sheet_row)
        codes = {}
        for c, column, lookup in ((1, "district", districts), (2, "field", fields)):
            code = _code_cell(cells[c], lookup)
            if code is None:
                row_ok = False
                _code_problem(reader, column, cells[c], f"{get_column_letter(c + 1)}{sheet_row}", sheet_row)
            codes[column] = code
        counts = {}
        for c, column in enumerate(tpl.MEASURES, start=3):
            n = _count_cell(reader, column, cells[c], f"{get_column_letter(c + 1)}{sheet_row}", sheet_row)
            row_ok &= n is not None
            counts[column] = n
        if counts["new_cases"] is not None and counts["consultations"] is not None:
            if counts["new_cases"] > counts["consultations"]:
                row_ok = False
                ref = f"{tpl.column_letter('new_cases')}{sheet_row}"
                reader.problem(
                    f"{ref}: {_label('new_cases', 'ja')}（{counts['new_cases']}）が{_label('consultations', 'ja')}"
                    f"（{counts['consultations']}）より多くなっています。{_label('new_cases', 'ja')}は"
                    f"{_label('consultations', 'ja')}のうち初めての人の件数です。",
                    f"{ref}: {_label('new_cases', 'en')} ({counts['new_cases']}) exceed "
                    f"{_label('consultations', 'en')} ({counts['consultations']}); "
                    "new cases are some of those consulted.",
                    ref,
                    sheet_row,
                    counts["new_cases"],
                )
        key = (month, codes["district"], codes["field"])
        if None not in key:
            if key in seen:
                row_ok = False
                ref = f"A{sheet_row}"
                reader.problem(
                    f"{sheet_row} 行目は {seen[key]} 行目と同じ{_label('month', 'ja')}・{_label('district', 'ja')}・"
                    f"{_label('field', 'ja')}です（一つの組み合わせは一行にまとめてください）。",
                    f"row {sheet_row} repeats the {_label('month', 'en')}, {_label('district', 'en')} and "
                    f"{_label('field', 'en')} of row {seen[key]} (one row per combination).",
                    ref,
                    sheet_row,
                    " / ".join(str(v) for v in cells[:3]),
                )
            else:
                seen[key] = sheet_row
        if row_ok:
            out.append({"org_id": reader.org_id, "month": month, **codes, **counts, "sheet_row": sheet_row})
    sub.skipped = skipped
    if not errors(reader.problems) and not out:
        reader.problem(
            "件数が一つも入力されていません。"
            "黄色のセルに件数を入力してから（0 件のときは 0）、アップロードしてください。",
            "no count has been typed: fill in the yellow cells (0 where there were none), then upload again.",
        )
    frame = pd.DataFrame(out, columns=[*ACTIVITY_COLUMNS, "sheet_row"])
    for c in ("district", "field", *tpl.MEASURES, "sheet_row"):
        frame[c] = frame[c].astype("int64")
    sub.rows = frame.sort_values(["month", "district", "field"], kind="stable").reset_index(drop=True)


# ---- cells --------------------------------------------------------------------------------


class _Unsaved:
    """A formula cell without a saved result (already listed as a problem)."""


_UNSAVED = _Unsaved()


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _is_formula(v) -> bool:
    return (isinstance(v, str) and v.startswith("=")) or type(v).__name__ in ("ArrayFormula", "DataTableFormula")


def _shown(v) -> str:
    if isinstance(v, _Unsaved):
        return "（数式）"
    if isinstance(v, dt.datetime) and v.time() == dt.time():
        v = v.date()
    text = v.isoformat() if isinstance(v, dt.date) else str(v)
    return text if len(text) <= 60 else text[:59] + "…"


def _month_cell(v) -> str | None:
    if isinstance(v, dt.datetime | dt.date):  # Excel turned a typed 2024-04 into a date
        day = v.date() if isinstance(v, dt.datetime) else v
        return tpl.month_of(day) if day.day == 1 else None
    if isinstance(v, str):
        text = _norm(v)
        found = tpl.parse_month(text)
        if found is None and len(text) == 7 and text[4] == "/":  # 2024/04
            found = tpl.parse_month(text.replace("/", "-"))
        return found
    return None


def _code_cell(v, lookup: dict[str, int]) -> int | None:
    if isinstance(v, bool) or _blank(v) or isinstance(v, _Unsaved):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = _norm(str(v))
    return lookup.get(text, lookup.get(text.casefold()))


def _month_problem(reader: _Reader, raw, month: str | None, period: tpl.Period, sheet_row: int) -> None:
    ref = f"A{sheet_row}"
    months = f"{period.months[0]}〜{period.months[-1]}" if len(period.months) > 1 else period.months[0]
    if isinstance(raw, _Unsaved):
        return
    if _blank(raw):
        ja = f"{ref}: {_label('month', 'ja')}が空欄です（{months} から選んでください）。"
        en = f"{ref}: the {_label('month', 'en')} is blank (choose one of {months})."
    elif month is None or month not in period.months:
        ja = f"{ref}: この様式の対象期間（{period.label('ja')}: {months}）にない{_label('month', 'ja')}です。"
        en = f"{ref}: not a {_label('month', 'en')} of this template's period ({period.label('en')}: {months})."
    else:
        ja = f"{ref}: {month} はこれから先の月です。その月の行は、今は空欄のままにしてください。"
        en = f"{ref}: {month} is still to come; leave its rows blank for now."
    reader.problem(ja, en, ref, sheet_row, raw)


def _code_problem(reader: _Reader, column: str, raw, ref: str, sheet_row: int) -> None:
    if isinstance(raw, _Unsaved):
        return
    labels = "、".join(v["ja"] for v in codebook.value_set(column).values())
    labels_en = ", ".join(v["en"] for v in codebook.value_set(column).values())
    if _blank(raw):
        ja = f"{ref}: {_label(column, 'ja')}が空欄です。一覧から選んでください（{labels}）。"
        en = f"{ref}: the {_label(column, 'en')} is blank; choose one from the list ({labels_en})."
    else:
        ja = f"{ref}: 一覧にない{_label(column, 'ja')}です。一覧から選んでください（{labels}）。"
        en = f"{ref}: not a {_label(column, 'en')} of the list; choose one ({labels_en})."
    reader.problem(ja, en, ref, sheet_row, raw)


def _count_cell(reader: _Reader, column: str, v, ref: str, sheet_row: int) -> int | None:
    """A count cell as an integer ≥ 0, or None after listing its problem."""
    label_ja, label_en = _label(column, "ja"), _label(column, "en")
    if isinstance(v, _Unsaved):
        return None
    if _blank(v):
        reader.problem(
            f"{ref}: {label_ja}が空欄です。0 件のときは 0 を入力してください。",
            f"{ref}: {label_en} is blank; type 0 where there were none.",
            ref,
            sheet_row,
        )
        return None
    n: int | None = None
    if isinstance(v, bool) or isinstance(v, dt.date | dt.datetime | dt.time | dt.timedelta):
        n = None
    elif isinstance(v, int):
        n = v
    elif isinstance(v, float):
        n = int(v) if v == v and abs(v) < 1e15 and v.is_integer() else None
    elif isinstance(v, str):
        text = _norm(v).replace(",", "")
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("-")
        n = sign * int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= _DIGITS else None
    if n is None:
        reader.problem(
            f"{ref}: {label_ja}は整数で入力してください（小数・文字・日付は使えません）。",
            f"{ref}: {label_en} must be a whole number (no decimals, text or dates).",
            ref,
            sheet_row,
            v,
        )
        return None
    if n < 0:
        reader.problem(
            f"{ref}: {label_ja}は 0 以上の整数です（マイナスは使えません）。",
            f"{ref}: {label_en} must be 0 or more (no negative numbers).",
            ref,
            sheet_row,
            v,
        )
        return None
    if n > INT32_MAX:
        reader.problem(
            f"{ref}: {label_ja}が大きすぎます（{INT32_MAX:,} まで）。",
            f"{ref}: {label_en} is too large (at most {INT32_MAX:,}).",
            ref,
            sheet_row,
            v,
        )
        return None
    return n


def _bounded(problems: Sequence[Problem]) -> list[Problem]:
    problems = sorted(problems, key=lambda p: (p.row or 0, _cell_order(p.column)))
    if len(problems) <= MAX_PROBLEMS:
        return list(problems)
    more = len(problems) - MAX_PROBLEMS
    return problems[:MAX_PROBLEMS] + [
        Problem(
            problems[0].file,
            None,
            None,
            None,
            f"ほかに {more:,} 件の問題があります（最初の {MAX_PROBLEMS} 件を表示しています）。",
            f"{more:,} more problem(s) (the first {MAX_PROBLEMS} are listed).",
            ERROR,
        )
    ]


def _cell_order(ref: str | None) -> tuple[int, str]:
    return (len(ref or ""), ref or "")


# ---- for the pages ---------------------------------------------------------------------------


def problems_frame(problems: Iterable[Problem], lang: str = "ja") -> pd.DataFrame:
    """The problems as a table (and its CSV), each at its cell of the sheet 実績."""
    return table_of_problems(problems, lang, place="cell")


def labelled_rows(rows: pd.DataFrame, lang: str = "ja") -> pd.DataFrame:
    """Submitted rows for reading: month, district and field labels, the three counts."""
    out = pd.DataFrame(
        {
            _label("month", lang): [tpl.month_label(m, lang) for m in rows["month"]],
            _label("district", lang): [codebook.code_label("district", d, lang) for d in rows["district"]],
            _label("field", lang): [codebook.code_label("field", f, lang) for f in rows["field"]],
        }
    )
    for m in tpl.MEASURES:
        out[_label(m, lang)] = rows[m].astype("int64").to_numpy()
    return out


def month_totals(rows: pd.DataFrame, lang: str = "ja") -> pd.DataFrame:
    """Totals by month (and over all months when there are several): rows and the three counts."""
    grouped = rows.groupby("month", sort=True)[list(tpl.MEASURES)].sum()
    counts = rows.groupby("month", sort=True).size()
    out = pd.DataFrame(
        {
            _label("month", lang): [tpl.month_label(m, lang) for m in grouped.index],
            ("行数" if lang == "ja" else "rows"): counts.to_numpy(),
        }
    )
    for m in tpl.MEASURES:
        out[_label(m, lang)] = grouped[m].astype("int64").to_numpy()
    if len(out) > 1:
        total = {out.columns[0]: codebook.all_label(lang), out.columns[1]: int(counts.sum())}
        total.update({_label(m, lang): int(grouped[m].sum()) for m in tpl.MEASURES})
        out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    return out
