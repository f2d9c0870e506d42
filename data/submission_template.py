"""The Excel template (様式) of an organisation's monthly figures (月次実績), for one month or one
年度 (fiscal year, April to March).

Two visible sheets: 説明 (instructions in Japanese, first) and 実績 (the figures), plus a hidden
sheet 選択肢 holding the drop-down lists. 実績 names the organisation (B1, B2) and the period (B3),
then one row per month × district × field of the organisation's own districts and fields
(organisations extract: `districts` may be all), with the activity extract's three counts to type,
and SPARE_ROWS empty rows below for a district or field outside the organisation's list.

In Excel: the month, district and field cells have drop-down lists; the count cells accept whole
numbers ≥ 0 only and 新規 at most 相談件数 (data validation); the sheet is protected (no password:
it prevents accidents, the upload checks every cell anyway) and only the cells to type in are
unlocked. Every label comes from the codebook (data/codebook.yaml). data/submission_read.py reads
the file back with the same constants.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from data import codebook

SHEET_HELP = "説明"
SHEET_DATA = "実績"
SHEET_LISTS = "選択肢"
ORG_CELL, NAME_CELL, PERIOD_CELL = "B1", "B2", "B3"
HEADER_ROW = 5
FIRST_ROW = 6
MEASURES = ("consultations", "new_cases", "outreach")
COLUMNS = ("month", "district", "field", *MEASURES)  # sheet columns A to F
SPARE_ROWS = 20
EXTRACT = "activity"
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_FISCAL = re.compile(r"(\d{4})\s*年度")

INPUT_FILL = PatternFill("solid", fgColor="FFF6CC")  # the cells to type in
HEADER_FILL = PatternFill("solid", fgColor="DCE6F0")
THIN = Side(style="thin", color="A0A0A0")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


# ---- periods ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """One month (kind "month", value "2024-04") or one 年度 (kind "fiscal_year", value "2024":
    2024-04 to 2025-03)."""

    kind: str
    value: str

    @property
    def months(self) -> tuple[str, ...]:
        if self.kind == "month":
            return (self.value,)
        fy = int(self.value)
        return tuple(f"{fy + (m < 4)}-{m:02d}" for m in (*range(4, 13), 1, 2, 3))

    @property
    def text(self) -> str:
        """As written in the template's period cell: 2024-04 or 2024年度."""
        return self.value if self.kind == "month" else f"{self.value}年度"

    def label(self, lang: str = "ja") -> str:
        if self.kind == "fiscal_year":
            return f"{self.value}年度" if lang == "ja" else f"FY{self.value}"
        return month_label(self.value, lang)


def month_label(month: str, lang: str = "ja") -> str:
    """2024-04 as 2024年4月 / 2024-04."""
    m = _MONTH.fullmatch(month)
    if lang != "ja" or not m:
        return month
    return f"{int(m.group(1))}年{int(m.group(2))}月"


def month_period(month: str) -> Period:
    if parse_month(month) is None:
        raise ValueError(f"a month is YYYY-MM, not {month!r}")
    return Period("month", month)


def fiscal_year_period(fy: int) -> Period:
    if not 2000 <= int(fy) <= 2100:
        raise ValueError(f"a fiscal year from 2000 to 2100, not {fy!r}")
    return Period("fiscal_year", str(int(fy)))


def parse_month(text: str) -> str | None:
    """YYYY-MM (month 01 to 12, year 2000 to 2100) as given, else None."""
    m = _MONTH.fullmatch(text.strip()) if isinstance(text, str) else None
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        return None
    return text.strip()


def parse_period(text: object) -> Period | None:
    """The period of a template's period cell (2024-04 or 2024年度), else None."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if parse_month(text):
        return Period("month", text)
    m = _FISCAL.fullmatch(text)
    if m and 2000 <= int(m.group(1)) <= 2100:
        return Period("fiscal_year", m.group(1))
    return None


def fiscal_year_of(month: str) -> int:
    """The 年度 of YYYY-MM (April to March)."""
    year, mon = int(month[:4]), int(month[5:7])
    return year if mon >= 4 else year - 1


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


# ---- labels from the codebook ----------------------------------------------------------------


def header_labels(lang: str = "ja") -> list[str]:
    """The table's headings (row HEADER_ROW): 月, 地域, 分野, 相談件数, 新規, 訪問・アウトリーチ."""
    return [codebook.column_label(EXTRACT, c, lang) for c in COLUMNS]


def column_letter(column: str) -> str:
    return get_column_letter(COLUMNS.index(column) + 1)


def served_districts(districts: Sequence[int] | None) -> list[int]:
    """The districts of the template: the organisation's (empty or None = all six), in codebook order."""
    every = codebook.codes("district")
    chosen = {int(d) for d in districts or ()} & set(every)
    return [d for d in every if d in chosen] if chosen else every


def served_fields(fields: Sequence[int]) -> list[int]:
    """The organisation's fields in codebook order (unknown codes dropped)."""
    chosen = {int(f) for f in fields}
    return [f for f in codebook.codes("field") if f in chosen]


# ---- the workbook ----------------------------------------------------------------------------


def file_name(org_id: str, period: Period) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", org_id)[:40] or "org"
    return f"月次実績_{safe}_{period.text}.xlsx"


def _instructions(org_id: str, org_name: str, period: Period) -> list[str]:
    cons, new, out = (codebook.column_label(EXTRACT, m, "ja") for m in MEASURES)
    month, district, field = (codebook.column_label(EXTRACT, c, "ja") for c in COLUMNS[:3])
    month_word = "この月" if period.kind == "month" else "各月"
    return (
        [
            "月次実績の報告様式（つながりダッシュボード）",
            "",
            f"団体: {org_name}（団体ID {org_id}）",
            f"対象期間: {period.label('ja')}",
            "",
            "入力のしかた",
            f"1. 「{SHEET_DATA}」シートの黄色のセルに、{month_word}の件数を地域・分野ごとに入力してください。",
            f"2. {cons}: その月に受けた相談の件数（延べ件数）です。",
            f"3. {new}: {cons}のうち、初めて相談を受けた人の件数です。{cons}より多くはなりません。",
            f"4. {out}: 訪問やアウトリーチ（出向いての支援）の件数です。",
            "5. 件数が 0 のときは 0 を入力してください。空欄のままでは提出できません。",
        ]
        + (
            [
                "6. 年度の様式では、まだ報告しない月は、その月の行をすべて空欄のままにしてください"
                "（その月は提出されません）。一部だけ入力した月は提出できません。"
            ]
            if period.kind == "fiscal_year"
            else []
        )
        + [
            f"・表にない{district}・{field}の実績があるときは、表の下の空いている行で、"
            f"{month}・{district}・{field}を一覧から選んで入力してください。",
            "・整数のみ入力できます（小数、マイナス、文字は入力できません）。"
            "数式を使った場合は、Excel で保存してから提出してください。",
            "・団体ID・対象期間・見出しは変更しないでください（シートは保護されています）。",
            "・氏名など、個人が特定される情報は書かないでください。",
            "",
            "提出のしかた",
            "1. 入力したファイルを保存し、ダッシュボードの「月次実績の提出」ページでアップロードします。",
            "2. 問題があれば、セルの位置（例: D7）と内容が一覧で表示されます。"
            "直してから、もう一度アップロードしてください。",
            "3. 内容を確認して「提出する」を押します。"
            "同じ月を提出し直すと、前の提出と置き換わります（履歴は残ります）。",
            "4. 提出された実績は、事務局がデータを更新したときにダッシュボードに反映されます。",
            "",
            "Monthly figures template: type the counts in the yellow cells of the sheet 実績 (0 where there were "
            "none; blank cells are refused), then upload the file on the page 'Monthly figures' and submit.",
        ]
    )


def build_template(
    org_id: str, org_name: str, fields: Sequence[int], districts: Sequence[int] | None, period: Period
) -> bytes:
    """The .xlsx template for ORG_ID and PERIOD: one row per month × district × field (the
    organisation's districts, all six when None or empty, and its FIELDS), counts to be typed."""
    dists, flds = served_districts(districts), served_fields(fields)
    if not flds:
        raise ValueError(f"organisation {org_id!r} has no field of the codebook")
    wb = openpyxl.Workbook()
    help_ws = wb.active
    help_ws.title = SHEET_HELP
    for i, line in enumerate(_instructions(org_id, org_name, period), start=1):
        cell = help_ws.cell(row=i, column=1, value=line)
        if i == 1:
            cell.font = Font(size=14, bold=True)
        elif line in ("入力のしかた", "提出のしかた"):
            cell.font = Font(bold=True)
    help_ws.column_dimensions["A"].width = 120
    help_ws.protection.sheet = True

    ws = wb.create_sheet(SHEET_DATA)
    _lists_sheet(wb, period)
    labels = header_labels("ja")
    for r, (name, value) in enumerate(
        ((codebook.column_label(EXTRACT, "org_id"), org_id), ("団体名", org_name), ("対象期間", period.text)), start=1
    ):
        ws.cell(row=r, column=1, value=name).font = Font(bold=True)
        ws.cell(row=r, column=2, value=value).number_format = "@"
    ws.cell(
        row=4,
        column=1,
        value="黄色のセルに件数を入力してください（0 件のときは 0）。入力のしかたは「説明」シートにあります。",
    ).font = Font(color="505050")
    for c, label in enumerate(labels, start=1):
        cell = ws.cell(row=HEADER_ROW, column=c, value=label)
        cell.font, cell.fill, cell.border = Font(bold=True), HEADER_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    row = FIRST_ROW
    for month in period.months:
        for d in dists:
            for f in flds:
                values = (month, codebook.code_label("district", d), codebook.code_label("field", f))
                for c, v in enumerate(values, start=1):
                    cell = ws.cell(row=row, column=c, value=v)
                    cell.number_format, cell.border = "@", BORDER
                _input_cells(ws, row, range(4, 7))
                row += 1
    for _ in range(SPARE_ROWS):
        for c in range(1, 4):
            ws.cell(row=row, column=c).number_format = "@"
        _input_cells(ws, row, range(1, 7))
        row += 1
    last = row - 1
    _validations(ws, last, period)

    for col, width in zip("ABCDEF", (12, 12, 22, 12, 10, 20)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"A{FIRST_ROW}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # widening a column is allowed
    ws.protection.formatRows = False
    wb.active = 0
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _input_cells(ws, row: int, columns: range) -> None:
    for c in columns:
        cell = ws.cell(row=row, column=c)
        cell.protection = Protection(locked=False)
        cell.fill, cell.border = INPUT_FILL, BORDER


def _lists_sheet(wb, period: Period) -> None:
    """The hidden sheet of the drop-down lists: districts (A), fields (B), months (C)."""
    ws = wb.create_sheet(SHEET_LISTS)
    ws.sheet_state = "hidden"
    for col, values in enumerate(
        (
            [codebook.code_label("district", d) for d in codebook.codes("district")],
            [codebook.code_label("field", f) for f in codebook.codes("field")],
            list(period.months),
        ),
        start=1,
    ):
        for r, v in enumerate(values, start=1):
            ws.cell(row=r, column=col, value=v).number_format = "@"
    ws.protection.sheet = True


def _list_ref(column: str, n: int) -> str:
    return f"'{SHEET_LISTS}'!${column}$1:${column}${n}"


def _validations(ws, last: int, period: Period) -> None:
    """Drop-down lists and number checks on rows FIRST_ROW to LAST (pre-filled and spare rows)."""
    first = FIRST_ROW

    def rng(col: str) -> str:
        return f"{col}{first}:{col}{last}"

    def listed(col: str, what: str, n: int) -> DataValidation:
        return DataValidation(
            type="list",
            formula1=_list_ref(col, n),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=f"{what}を選んでください",
            error=f"{what}は一覧から選んでください。",
        )

    month = listed("C", codebook.column_label(EXTRACT, "month"), len(period.months))
    district = listed("A", codebook.column_label(EXTRACT, "district"), len(codebook.codes("district")))
    field = listed("B", codebook.column_label(EXTRACT, "field"), len(codebook.codes("field")))
    month.add(rng("A"))
    district.add(rng("B"))
    field.add(rng("C"))
    d, e, f = column_letter("consultations"), column_letter("new_cases"), column_letter("outreach")
    whole = DataValidation(
        type="whole",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="整数を入力してください",
        error="0 以上の整数を入力してください（0 件のときは 0）。",
    )
    whole.add(rng(d))
    whole.add(rng(f))
    # 新規 ≤ 相談件数 (the codebook's at_most check), and a whole number ≥ 0; relative to the first row
    new_cases = DataValidation(
        type="custom",
        formula1=f'AND(ISNUMBER({e}{first}),{e}{first}=INT({e}{first}),{e}{first}>=0,OR({d}{first}="",{e}{first}<={d}{first}))',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=f"{codebook.column_label(EXTRACT, 'new_cases')}の件数を確かめてください",
        error=f"{codebook.column_label(EXTRACT, 'new_cases')}は 0 以上の整数で、"
        f"{codebook.column_label(EXTRACT, 'consultations')}以下です。",
    )
    new_cases.add(rng(e))
    for dv in (month, district, field, whole, new_cases):
        ws.add_data_validation(dv)
