"""Problems found in extracts, and their listing in Japanese and English.

A Problem names the place (file, spreadsheet row, column), the value found and what was expected,
in both languages. The loader collects every problem before refusing a build, so a data provider
sees the whole list at once.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

ERROR = "error"
WARNING = "warning"

# Rows shown per (file, column, rule) in the listing; the rest are counted on one line.
LISTED_PER_RULE = 50


@dataclass(frozen=True)
class Problem:
    file: str  # file name as delivered (or the name expected, for a missing file)
    row: int | None  # spreadsheet row: header = 1, first data row = 2; None = whole file
    column: str | None  # column name in the file; None = whole row or file
    value: str | None  # the cell as found; None when there is no cell to show
    expected_ja: str
    expected_en: str
    severity: str = ERROR  # ERROR refuses the build, WARNING is reported only

    def sort_key(self, file_order: dict[str, int]) -> tuple:
        return (file_order.get(self.file, len(file_order)), self.file, self.row or 0, self.column or "")


def errors(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]


def warnings(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == WARNING]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """TEXT padded to WIDTH terminal columns (Japanese characters take two)."""
    return text + " " * max(0, width - _width(text))


def _show_value(value: str | None) -> str:
    if value is None:
        return "-"
    shown = value if len(value) <= 40 else value[:39] + "…"
    return '"' + shown.replace('"', '""') + '"'


def _groups(problems: Sequence[Problem]) -> list[list[Problem]]:
    """Problems grouped by (file, column, rule), groups in order of first appearance."""
    groups: dict[tuple, list[Problem]] = {}
    for p in problems:
        groups.setdefault((p.file, p.column, p.expected_en), []).append(p)
    return list(groups.values())


def format_listing(problems: Sequence[Problem]) -> str:
    """Problems grouped by file, column and rule: what was expected (ja, en), then a table of the
    rows and values that break it (up to LISTED_PER_RULE rows, then a count of the rest)."""
    lines: list[str] = []
    for number, group in enumerate(_groups(problems), start=1):
        first = group[0]
        where = f"列 / column: {first.column}" if first.column else "ファイル全体 / whole file"
        cells = [p for p in group if p.row is not None or p.value is not None]
        count = f" — {len(cells)} 件 / {len(cells)} cell(s)" if cells else ""
        lines.append(f"[{number}] {first.file} — {where}{count}")
        lines.append(f"    期待される値: {first.expected_ja}")
        lines.append(f"    expected:     {first.expected_en}")
        if not cells:
            continue
        rows = [("-" if p.row is None else str(p.row), _show_value(p.value)) for p in cells[:LISTED_PER_RULE]]
        width = max(_width(r[0]) for r in rows + [("行 / Row", "")])
        lines.append(f"    {pad('行 / Row', width)}  値 / Value")
        lines += [f"    {pad(r, width)}  {v}" for r, v in rows]
        if len(cells) > LISTED_PER_RULE:
            more = len(cells) - LISTED_PER_RULE
            lines.append(f"    … ほか {more} 件 / {more} more")
    return "\n".join(lines)


def format_report(problems: Sequence[Problem]) -> str:
    """The full stderr report: errors (refusing the build) then warnings."""
    errs, warns = errors(problems), warnings(problems)
    parts: list[str] = []
    if errs:
        parts.append(
            f"取り込みを中止しました: {len(errs)} 件の問題があります。データベースは変更していません。\n"
            f"Import refused: {len(errs)} problem(s) found. The database was not changed.\n\n" + format_listing(errs)
        )
    if warns:
        parts.append(f"警告 {len(warns)} 件 / {len(warns)} warning(s):\n\n" + format_listing(warns))
    return "\n\n".join(parts) + ("\n" if parts else "")


class BuildRefused(Exception):
    """Raised with the problems that stop a build."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__(f"{len(errors(self.problems))} problem(s) in the extracts")


def problems_frame(problems: Iterable[Problem], lang: str = "ja", place: str = "column") -> pd.DataFrame:
    """The problems as a table for a page and its CSV: file, row, column, value, what was
    expected (in LANG first, the other language beside it) and whether it refuses the import.
    place="cell": the problems of a filled-in sheet, whose `column` holds the cell (e.g. D7)."""
    import pandas as pd  # only pages ask for it; the build's report is text

    rows = [
        (
            p.file,
            p.row,
            p.column or "",
            "" if p.value is None else p.value,
            p.expected_ja if lang == "ja" else p.expected_en,
            p.expected_en if lang == "ja" else p.expected_ja,
            p.severity,
        )
        for p in problems
    ]
    where = {"column": ("列", "column"), "cell": ("セル", "cell")}[place]
    columns = (
        ["ファイル", "行", where[0], "値", "期待される値", "Expected (English)", "重大度"]
        if lang == "ja"
        else ["file", "row", where[1], "value", "expected", "期待される値（日本語）", "severity"]
    )
    df = pd.DataFrame(rows, columns=columns)
    df[columns[1]] = df[columns[1]].astype("Int64")
    labels = {ERROR: ("エラー", "error"), WARNING: ("警告", "warning")}
    df[columns[-1]] = df[columns[-1]].map(lambda s: labels.get(s, (s, s))[0 if lang == "ja" else 1])
    return df
