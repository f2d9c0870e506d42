"""CSV downloads of the dashboard: bytes, file name and encoding warnings (no Streamlit).

The bytes come from queries.export: indicator tables through indicator_csv (byte-identical to
`python -m queries table ...`), other tables through csv_bytes (formula cells neutralised).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from data import codebook as cb
from queries import export
from queries.filters import Filters
from queries.indicators import latest_wave


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


def indicator_csv(con: duckdb.DuckDBPyConnection, indicator: str, by: Sequence[str], filters: Filters,
                  lang: str, encoding: str = "utf-8-sig") -> Download:
    """The download of an indicator table; with cp932, the characters it could not encode."""
    data, warnings = export.indicator_csv_with_warnings(con, indicator, list(by), filters, lang=lang,
                                                       encoding=encoding)
    name = export.file_name(indicator_what(indicator, by, lang), _named_wave(con, filters), lang)
    return Download(data, name, list(warnings))


def frame_csv(con: duckdb.DuckDBPyConnection, df: pd.DataFrame, what: str, filters: Filters, lang: str,
              encoding: str = "utf-8-sig", csv_bytes=export.csv_bytes) -> Download:
    """The download of DF; CSV_BYTES(df, encoding) makes the bytes (the dashboard passes a cached
    export.csv_bytes)."""
    data, warnings = csv_bytes(df, encoding=encoding)
    return Download(data, export.file_name(what, _named_wave(con, filters), lang), list(warnings))


def _named_wave(con: duckdb.DuckDBPyConnection, filters: Filters) -> Filters:
    """Filters whose 'latest wave' is spelt out, so a saved file still says which year it holds."""
    return filters if filters.wave is not None else filters.with_wave(latest_wave(con))
