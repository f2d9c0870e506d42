"""Indicator tables as the CLI and the dashboard hand them out: labelled layout, CSV bytes, names.

`python -m queries table ...` and the dashboard's download both go through indicator_csv, so the
bytes are identical. CSV: header row, comma separated, CRLF line ends (RFC 4180, what Excel
writes), UTF-8 with BOM by default or cp932 for older Japanese Excel.

Layout (labelled_table):
- lang="en": the dimension ids as headers, then n, estimate_pct, ci_low_pct, ci_high_pct,
  reliability (ok | low), suppressed (true | false); English labels; numbers with one decimal.
- lang="ja": the same table with Japanese headers (dimension labels of the codebook, then
  回答者数(n), 推定値(%), 95%信頼区間下限(%), 95%信頼区間上限(%), 信頼性, 秘匿), Japanese labels;
  信頼性 is 参考値 where reliability is low and empty otherwise, 秘匿 is 秘匿 on suppressed rows
  and empty otherwise (a suppressed row's 信頼性 is left empty: 秘匿 says it all).
- Suppressed rows have n, estimate and interval cells empty.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import duckdb
import pandas as pd

from data import codebook
from queries import indicators
from queries.filters import Filters

ENCODINGS = ("utf-8-sig", "cp932")
NUMBER_COLUMNS = ("n", "estimate_pct", "ci_low_pct", "ci_high_pct")
EN_HEADERS = {"n": "n", "estimate_pct": "estimate_pct", "ci_low_pct": "ci_low_pct",
              "ci_high_pct": "ci_high_pct", "reliability": "reliability", "suppressed": "suppressed"}
JA_HEADERS = {"n": "回答者数(n)", "estimate_pct": "推定値(%)", "ci_low_pct": "95%信頼区間下限(%)",
              "ci_high_pct": "95%信頼区間上限(%)", "reliability": "信頼性", "suppressed": "秘匿"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters Unicode→cp932 maps differently from Unicode→Shift_JIS (JIS X 0208 vs Microsoft
# code points); Japanese Excel shows the cp932 ones, so these are swapped rather than lost.
CP932_EQUIVALENTS = str.maketrans({
    "\u301c": "\uff5e",  # 〜 WAVE DASH → ～ FULLWIDTH TILDE
    "\u2016": "\u2225",  # ‖ → ∥
    "\u2212": "\uff0d",  # − MINUS SIGN → －
    "\u00a2": "\uffe0",  # ¢ → ￠
    "\u00a3": "\uffe1",  # £ → ￡
    "\u00ac": "\uffe2",  # ¬ → ￢
    "\u2014": "\u2015",  # — EM DASH → ― HORIZONTAL BAR
})
REPLACEMENT = "?"


# ---- layout -----------------------------------------------------------------------------

def dimension_header(dim: str, lang: str) -> str:
    if lang == "en":
        return dim
    if dim in codebook.dimensions():
        return codebook.dimension_label(dim, lang)
    return codebook.value_set_label(dim, lang)


def group_label(dim: str, code, lang: str) -> str:
    """A dimension value's label; <NA> is the All row, 9 is 無回答."""
    if code is None or code is pd.NA or pd.isna(code):
        return codebook.all_label(lang)
    code = int(code)
    if dim == "wave":
        return f"{code}年" if lang == "ja" else str(code)
    if code == codebook.missing_code():
        return codebook.no_answer_label(lang)
    value_set = dim if dim in indicators.EXTRA_BREAKDOWNS else codebook.dimension_value_set(dim)
    return codebook.code_label(value_set, code, lang)


def _number(value, digits: int) -> str:
    if value is None or value is pd.NA or pd.isna(value):
        return ""
    return f"{float(value):.{digits}f}" if digits else str(int(round(float(value))))


def labelled_table(df: pd.DataFrame, indicator: str, by: Sequence[str], lang: str) -> pd.DataFrame:
    """The CLI/download layout of an indicator_table result (all cells text)."""
    if lang not in codebook.LANGS:
        raise ValueError(f"lang must be one of {codebook.LANGS}, not {lang!r}")
    indicators.check_indicator(indicator)
    by = indicators.check_by(by, [*codebook.dimensions(), *indicators.EXTRA_BREAKDOWNS])
    headers = EN_HEADERS if lang == "en" else JA_HEADERS
    out: dict[str, list[str]] = {}
    for dim in by:
        out[dimension_header(dim, lang)] = [group_label(dim, c, lang) for c in df[dim]]
    hidden = [bool(s) for s in df["suppressed"]]
    out[headers["n"]] = ["" if h else _number(v, 0) for v, h in zip(df["n"], hidden)]
    for col in ("estimate_pct", "ci_low_pct", "ci_high_pct"):
        out[headers[col]] = ["" if h else _number(v, 1) for v, h in zip(df[col], hidden)]
    if lang == "en":
        out[headers["reliability"]] = [str(r) for r in df["reliability"]]
        out[headers["suppressed"]] = ["true" if h else "false" for h in hidden]
    else:
        low = codebook.mark_label("low_reliability", lang)
        out[headers["reliability"]] = ["" if h or r != "low" else low for r, h in zip(df["reliability"], hidden)]
        mark = codebook.mark_label("suppressed", lang)
        out[headers["suppressed"]] = [mark if h else "" for h in hidden]
    return pd.DataFrame(out, dtype=object)


# ---- CSV bytes --------------------------------------------------------------------------

def neutralise(cell: str) -> str:
    """Prefix a quote to text Excel would read as a formula (= + - @, tab, CR at the start)."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def _csv_field(cell: str) -> str:
    if any(ch in cell for ch in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _text_cells(df: pd.DataFrame) -> list[list[str]]:
    rows = [[neutralise(str(c)) for c in df.columns]]
    textual = {c: not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]))
               for c in df.columns}
    for values in df.itertuples(index=False, name=None):
        row = []
        for col, v in zip(df.columns, values):
            if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)):
                row.append("")
            elif textual[col]:
                row.append(neutralise(str(v)))
            else:
                row.append(str(v))
        rows.append(row)
    return rows


def csv_bytes(df: pd.DataFrame, encoding: str = "utf-8-sig") -> tuple[bytes, list[str]]:
    """CSV bytes of DF and, for cp932, the characters it could not encode (replaced with "?")."""
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}, not {encoding!r}")
    text = "".join(",".join(_csv_field(c) for c in row) + "\r\n" for row in _text_cells(df))
    if encoding == "utf-8-sig":
        return text.encode("utf-8-sig"), []
    text = text.translate(CP932_EQUIVALENTS)
    lost: list[str] = []
    out = []
    for ch in text:
        try:
            out.append(ch.encode("cp932"))
        except UnicodeEncodeError:
            out.append(REPLACEMENT.encode("ascii"))
            desc = f"{ch} (U+{ord(ch):04X})"
            if desc not in lost:
                lost.append(desc)
    return b"".join(out), lost


def indicator_csv_with_warnings(con: duckdb.DuckDBPyConnection, indicator: str, by: Sequence[str],
                                filters: Filters, lang: str = "ja",
                                encoding: str = "utf-8-sig") -> tuple[bytes, list[str]]:
    table = indicators.indicator_table(con, indicator, by, filters)
    return csv_bytes(labelled_table(table, indicator, by, lang), encoding=encoding)


def indicator_csv(con: duckdb.DuckDBPyConnection, indicator: str, by: Sequence[str], filters: Filters,
                  lang: str = "ja", encoding: str = "utf-8-sig") -> bytes:
    """The exact bytes of `python -m queries table INDICATOR --by ... --lang LANG --encoding ENC`."""
    return indicator_csv_with_warnings(con, indicator, by, filters, lang, encoding)[0]


# ---- file names -------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_SPACES = re.compile(r"\s+")
MAX_NAME = 150


def file_name(what: str, filters: Filters, lang: str, ext: str = "csv") -> str:
    """A download's file name: what, then the filters, e.g. 孤独感（時々以上）_地域_2023年_無作為抽出調査.csv."""
    stem = f"{what}_{filters.describe(lang)}"
    stem = _SPACES.sub("-", _UNSAFE.sub("_", stem)).strip("._-") or "table"
    ext = re.sub(r"[^A-Za-z0-9]", "", ext) or "csv"
    return f"{stem[:MAX_NAME]}.{ext}"
