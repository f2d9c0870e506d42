"""CSV downloads of the dashboard: bytes, file name and encoding warnings (no Streamlit).

The bytes come from queries.export, written from the table the page holds: indicator tables
through indicator_table_csv (byte-identical to `python -m queries table ...`, which writes its
table the same way), activity tables through activity_frame_csv (byte-identical to
`python -m queries activity ...` for the page's view), other tables through csv_bytes (formula
cells neutralised). Every statistics table ends with the users' note row (export.note_row);
lists that are not statistics (the directory, the import log) have none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from dashboard.i18n import t
from dashboard.source import Source
from data import codebook as cb
from queries import export
from queries.activity import fiscal_year_label
from queries.filters import ActivityFilters, Filters, choice_label


@dataclass(frozen=True)
class Download:
    data: bytes
    file_name: str
    warnings: list[str] = field(default_factory=list)


def indicator_what(indicator: str, by: Sequence[str], lang: str) -> str:
    """The 'what' of an indicator table's file name: the indicator, then its breakdown."""
    what = cb.indicator(indicator).short[lang]
    if by:
        what += "_" + "×".join(cb.dimension_label(d, lang) for d in by)
    return what


def indicator_csv(
    source: Source,
    table: pd.DataFrame,
    indicator: str,
    by: Sequence[str],
    filters: Filters,
    lang: str,
    encoding: str = "utf-8-sig",
) -> Download:
    """The download of an indicator table the page holds (indicators.indicator_table for INDICATOR
    by BY under FILTERS); with cp932, the characters it could not encode."""
    data, warnings = export.indicator_table_csv(table, indicator, list(by), lang=lang, encoding=encoding)
    name = export.file_name(indicator_what(indicator, by, lang), _named_wave(source, filters), lang)
    return Download(data, name, list(warnings))


def trend_csv(
    table: pd.DataFrame, indicator: str, by: str | None, filters: Filters, lang: str, encoding: str = "utf-8-sig"
) -> Download:
    """The download of a trend the 推移 page holds (queries.trend.trend_table): the bytes of
    `python -m queries trend INDICATOR [--by BY] ... --lang LANG` for that view; the file name
    holds no wave (a trend holds every wave)."""
    from queries import trend

    data, warnings = trend.trend_table_csv(table, by, lang=lang, encoding=encoding)
    return Download(data, trend.file_stem(indicator, by, filters, lang), list(warnings))


def frame_csv(
    source: Source,
    df: pd.DataFrame,
    what: str,
    filters: Filters,
    lang: str,
    encoding: str = "utf-8-sig",
    csv_bytes=export.csv_bytes,
    statistics: bool = True,
) -> Download:
    """The download of DF; CSV_BYTES(df, encoding=, note=) makes the bytes (the dashboard passes a
    cached export.csv_bytes). A statistics table ends with the note row, a list (statistics=False)
    does not."""
    note = export.note_row(lang) if statistics else None
    data, warnings = csv_bytes(df, encoding=encoding, note=note)
    return Download(data, export.file_name(what, _named_wave(source, filters), lang), list(warnings))


def activity_csv(
    df: pd.DataFrame,
    what: str,
    act: ActivityFilters,
    lang: str,
    encoding: str = "utf-8-sig",
    frame_csv=export.activity_frame_csv,
) -> Download:
    """The download of an activity long frame the page holds (queries.activity.activity_by_month /
    activity_by_fiscal_year): the bytes of `python -m queries activity ...` for that view."""
    data, warnings = frame_csv(df, lang, encoding)
    return Download(data, activity_file_name(what, act, lang), list(warnings))


def activity_file_name(what: str, act: ActivityFilters, lang: str) -> str:
    """e.g. 相談件数_月_分野_2024年度_温海.csv"""
    parts = [what, fiscal_year_label(act.fiscal_years[0], lang) if act.fiscal_years else t("activity.all_years", lang)]
    if act.districts:
        parts.append(choice_label("district", act.districts, lang))
    return export.safe_file_name("_".join(parts))


def _named_wave(source: Source, filters: Filters) -> Filters:
    """Filters whose 'latest wave' is spelt out, so a saved file still says which year it holds."""
    return filters if filters.wave is not None else filters.with_wave(source.latest_wave())
