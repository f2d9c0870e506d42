"""Problems found in extracts, and their listing in Japanese and English.

A Problem names the place (file, spreadsheet row, column), the value found and what was expected,
in both languages. The loader collects every problem before refusing a build, so a data provider
sees the whole list at once.
"""
from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

ERROR = "error"
WARNING = "warning"

# Rows shown per (file, column, rule) in the listing; the rest are counted on one line.
LISTED_PER_RULE = 50


@dataclass(frozen=True)
class Problem:
    file: str                  # file name as delivered (or the name expected, for a missing file)
    row: int | None            # spreadsheet row: header = 1, first data row = 2; None = whole file
    column: str | None         # column name in the file; None = whole row or file
    value: str | None          # the cell as found; None when there is no cell to show
    expected_ja: str
    expected_en: str
    severity: str = ERROR      # ERROR refuses the build, WARNING is reported only

    def sort_key(self, file_order: dict[str, int]) -> tuple:
        return (file_order.get(self.file, len(file_order)), self.file, self.row or 0, self.column or "")


def errors(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]


def warnings(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == WARNING]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _show_value(value: str | None) -> str:
    if value is None:
        return "-"
    shown = value if len(value) <= 40 else value[:39] + "…"
    return '"' + shown.replace('"', '""') + '"'


def _grouped(problems: Sequence[Problem]) -> list[tuple[Problem, int]]:
    """Problems in order, each (file, column, rule) cut to LISTED_PER_RULE; (problem, 0) rows are
    listed, (problem, k) is a "k more" line after the last listed row of its group."""
    totals = Counter((p.file, p.column, p.expected_en) for p in problems)
    seen: Counter = Counter()
    out: list[tuple[Problem, int]] = []
    for p in problems:
        key = (p.file, p.column, p.expected_en)
        seen[key] += 1
        if seen[key] <= LISTED_PER_RULE:
            out.append((p, 0))
        if seen[key] == LISTED_PER_RULE and totals[key] > LISTED_PER_RULE:
            out.append((p, totals[key] - LISTED_PER_RULE))
    return out


def format_listing(problems: Sequence[Problem]) -> str:
    """A table of problems: file, row, column, value, then what was expected in ja and en."""
    if not problems:
        return ""
    head = ("ファイル / File", "行 / Row", "列 / Column", "値 / Value")
    rows = [(p.file, "-" if p.row is None else str(p.row), p.column or "-", _show_value(p.value))
            for p in problems]
    widths = [max(_width(r[i]) for r in rows + [head]) for i in range(4)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(head, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    by_id = {id(p): r for p, r in zip(problems, rows)}
    for p, more in _grouped(problems):
        if more:
            lines.append(f"    … ほか {more} 行で同じ問題 / {more} more rows with the same problem")
            continue
        lines.append("  ".join(_pad(c, w) for c, w in zip(by_id[id(p)], widths)).rstrip())
        lines.append(f"    期待される値: {p.expected_ja}")
        lines.append(f"    expected:     {p.expected_en}")
    return "\n".join(lines)


def format_report(problems: Sequence[Problem]) -> str:
    """The full stderr report: errors (refusing the build) then warnings."""
    errs, warns = errors(problems), warnings(problems)
    parts: list[str] = []
    if errs:
        parts.append(
            f"取り込みを中止しました: {len(errs)} 件の問題があります。データベースは変更していません。\n"
            f"Import refused: {len(errs)} problem(s) found. The database was not changed.\n\n"
            + format_listing(errs))
    if warns:
        parts.append(f"警告 {len(warns)} 件 / {len(warns)} warning(s):\n\n" + format_listing(warns))
    return "\n\n".join(parts) + ("\n" if parts else "")


class BuildRefused(Exception):
    """Raised with the problems that stop a build."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__(f"{len(errors(self.problems))} problem(s) in the extracts")
