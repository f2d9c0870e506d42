"""Indicator tables as the CLI and the dashboard hand them out: labelled layout, CSV bytes, names.

`python -m queries table ...` and the dashboard's download both write the table they hold with
indicator_table_csv (the CLI right after computing it, the page from the table it shows), so the
bytes are identical. CSV: header row, comma separated, CRLF line ends (RFC 4180, what Excel
writes), UTF-8 with BOM by default or cp932 for older Japanese Excel.

Layout (labelled_table):
- lang="en": the dimension ids as headers, then n, estimate_pct, ci_low_pct, ci_high_pct,
  reliability (ok | low), suppressed (true | false), difference (higher | lower | none),
  p_adjusted (these two only in a table by at least one dimension); English labels; numbers with
  one decimal, p_adjusted with three.
- lang="ja": the same table with Japanese headers (dimension labels of the codebook, then
  回答者数(n), 推定値(%), 95%信頼区間下限(%), 95%信頼区間上限(%), 信頼性, 秘匿, それ以外の人との差,
  調整済みp値), Japanese labels; 信頼性 is 参考値 where reliability is low and empty otherwise, 秘匿
  is 秘匿 on suppressed rows and empty otherwise (a suppressed row's 信頼性 is left empty: 秘匿
  says it all); それ以外の人との差 is 高い, 低い or 差なし (the codebook's marks).
- difference / それ以外の人との差: the group against the rest of the filtered population, after
  Holm's correction over the table's groups (queries.indicators); p_adjusted / 調整済みp値 is the
  Holm-adjusted two-sided p-value (higher or lower where it is 0.05 or less). Both are empty where
  no test was made: the All row, 秘匿 and 参考値 rows (left out of the correction), and a row with
  no rest to compare with.
- Suppressed rows have n, estimate and interval cells empty.
- Every figure is protected (queries.cellkey); the last row of the CSV is the users' note
  「注：個人が特定されないよう、数値にはわずかな調整を加えています。…」 (disclosure.notice).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import duckdb
import pandas as pd

from data import codebook
from queries import disclosure, indicators
from queries.filters import Filters, wave_label

ENCODINGS = ("utf-8-sig", "cp932")
NUMBER_COLUMNS = ("n", "estimate_pct", "ci_low_pct", "ci_high_pct")
P_DIGITS = 3  # decimals of an adjusted p-value (0.000 reads as below 0.0005)
EN_HEADERS = {
    "n": "n",
    "estimate_pct": "estimate_pct",
    "ci_low_pct": "ci_low_pct",
    "ci_high_pct": "ci_high_pct",
    "reliability": "reliability",
    "suppressed": "suppressed",
    "difference": "difference",
    "p_adjusted": "p_adjusted",
}
JA_HEADERS = {
    "n": "回答者数(n)",
    "estimate_pct": "推定値(%)",
    "ci_low_pct": "95%信頼区間下限(%)",
    "ci_high_pct": "95%信頼区間上限(%)",
    "reliability": "信頼性",
    "suppressed": "秘匿",
    "difference": "それ以外の人との差",
    "p_adjusted": "調整済みp値",
}
# the difference codes of queries.estimate, as the Japanese table marks them (codebook labels)
JA_DIFFERENCE_MARKS = {"higher": "higher", "lower": "lower", "none": "no_difference"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters Unicode→cp932 maps differently from Unicode→Shift_JIS (JIS X 0208 vs Microsoft
# code points); Japanese Excel shows the cp932 ones, so these are swapped rather than lost.
CP932_EQUIVALENTS = str.maketrans(
    {
        "\u301c": "\uff5e",  # 〜 WAVE DASH → ～ FULLWIDTH TILDE
        "\u2016": "\u2225",  # ‖ → ∥
        "\u2212": "\uff0d",  # − MINUS SIGN → －
        "\u00a2": "\uffe0",  # ¢ → ￠
        "\u00a3": "\uffe1",  # £ → ￡
        "\u00ac": "\uffe2",  # ¬ → ￢
        "\u2014": "\u2015",  # — EM DASH → ― HORIZONTAL BAR
    }
)
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
        return wave_label(code, lang)
    if code == codebook.missing_code():
        return codebook.no_answer_label(lang)
    value_set = dim if dim in indicators.EXTRA_BREAKDOWNS else codebook.dimension_value_set(dim)
    return codebook.code_label(value_set, code, lang)


def _missing(value) -> bool:
    return value is None or value is pd.NA or bool(pd.isna(value))


def _number(value, digits: int) -> str:
    if _missing(value):
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
    if not by:  # the All row alone: nothing is compared
        return pd.DataFrame(out, dtype=object)
    # the mark and its adjusted p-value, as the query layer decided them (nothing tested here)
    diffs = ["" if h or _missing(d) else str(d) for d, h in zip(df["difference"], hidden)]
    if lang != "en":
        diffs = [codebook.mark_label(JA_DIFFERENCE_MARKS[d], lang) if d else "" for d in diffs]
    out[headers["difference"]] = diffs
    out[headers["p_adjusted"]] = [
        "" if h or not d else _number(v, P_DIGITS) for v, d, h in zip(df["p_adjusted"], diffs, hidden)
    ]
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
    textual = {c: not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])) for c in df.columns}
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


NOTE_PREFIX = {"ja": "注：", "en": "Note: "}


def note_row(lang: str) -> str:
    """The users' note on protected figures as a CSV's last row (one cell)."""
    return NOTE_PREFIX[lang] + disclosure.notice(lang)


def csv_bytes(df: pd.DataFrame, encoding: str = "utf-8-sig", note: str | None = None) -> tuple[bytes, list[str]]:
    """CSV bytes of DF (then NOTE as a last row of one cell, if given) and, for cp932, the
    characters it could not encode (replaced with "?")."""
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}, not {encoding!r}")
    rows = _text_cells(df) + ([[neutralise(note)]] if note else [])
    text = "".join(",".join(_csv_field(c) for c in row) + "\r\n" for row in rows)
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


def indicator_table_csv(
    table: pd.DataFrame, indicator: str, by: Sequence[str], lang: str = "ja", encoding: str = "utf-8-sig"
) -> tuple[bytes, list[str]]:
    """CSV bytes of an indicator table in hand (a result of indicators.indicator_table for INDICATOR
    by BY): the labelled layout, then the users' note row; with cp932, the characters it could not
    encode."""
    return csv_bytes(labelled_table(table, indicator, by, lang), encoding=encoding, note=note_row(lang))


def indicator_csv_with_warnings(
    con: duckdb.DuckDBPyConnection,
    indicator: str,
    by: Sequence[str],
    filters: Filters,
    lang: str = "ja",
    encoding: str = "utf-8-sig",
) -> tuple[bytes, list[str]]:
    """The table computed, then written by indicator_table_csv (what the CLI's `table` does)."""
    table = indicators.indicator_table(con, indicator, by, filters)
    return indicator_table_csv(table, indicator, by, lang, encoding)


def indicator_csv(
    con: duckdb.DuckDBPyConnection,
    indicator: str,
    by: Sequence[str],
    filters: Filters,
    lang: str = "ja",
    encoding: str = "utf-8-sig",
) -> bytes:
    """The exact bytes of `python -m queries table INDICATOR --by ... --lang LANG --encoding ENC`."""
    return indicator_csv_with_warnings(con, indicator, by, filters, lang, encoding)[0]


# ---- file names -------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_SPACES = re.compile(r"\s+")
MAX_NAME = 150


def safe_file_name(stem: str, ext: str = "csv") -> str:
    """STEM.EXT made safe as a file name on Windows, macOS and Linux (and short enough)."""
    stem = _SPACES.sub("-", _UNSAFE.sub("_", stem)).strip("._-") or "table"
    ext = re.sub(r"[^A-Za-z0-9]", "", ext) or "csv"
    return f"{stem[:MAX_NAME]}.{ext}"


def file_name(what: str, filters: Filters, lang: str, ext: str = "csv") -> str:
    """A download's file name: what, then the filters, e.g. 孤独感（時々以上）_地域_2023年_無作為抽出調査.csv."""
    return safe_file_name(f"{what}_{filters.describe(lang)}", ext)


# ---- activity tables ----------------------------------------------------------------------

ACTIVITY_PERIODS = ("month", "fiscal_year")
ACTIVITY_EN_TOTAL = "All"
ACTIVITY_JA_HEADERS = {"count": "件数", "display": "表示"}


def activity_layout(df: pd.DataFrame, lang: str = "ja") -> pd.DataFrame:
    """The CLI/download layout of a long frame of queries.activity.activity_by_month /
    activity_by_fiscal_year: one row per period and group, each period's total (split cell All /
    合計) after its groups, then the totals over the period (period All / 合計).

    lang="en": period (`month` YYYY-MM or `fiscal_year` the starting year), the split's id (code),
    `count` (the protected number; empty where it shows as "<5") and `display` (as the page shows it).
    lang="ja": the same with the labels of the page (2024年4月 / 2024年度, the split's labels) and
    the headers 月 or 年度, the split's name, 件数, 表示."""
    period = df.attrs.get("rows")
    split = df.attrs.get("cols")
    if period not in ACTIVITY_PERIODS:
        raise ValueError("activity_layout needs a frame of queries.activity by month or fiscal year")
    total = ACTIVITY_EN_TOTAL if lang == "en" else codebook.total_label(lang)
    out: dict[str, list] = {}
    if lang == "en":
        keys = df[period]
        out[period] = [
            total if pd.isna(k) else (f"{pd.Timestamp(k):%Y-%m}" if period == "month" else str(int(k))) for k in keys
        ]
        if split:
            out[split] = [total if pd.isna(k) else str(k) for k in df[split]]
        out["count"] = df["value"].tolist()
        out["display"] = df["display"].tolist()
    else:
        head = "月" if period == "month" else "年度"
        out[head] = df[period + "_label"].tolist()
        if split:
            name = "団体" if split == "org" else codebook.value_set_label(split, lang)
            out[name] = df[split + "_label"].tolist()
        out[ACTIVITY_JA_HEADERS["count"]] = df["value"].tolist()
        out[ACTIVITY_JA_HEADERS["display"]] = df["display"].tolist()
    frame = pd.DataFrame(out)
    count_col = "count" if lang == "en" else ACTIVITY_JA_HEADERS["count"]
    frame[count_col] = pd.array(frame[count_col], dtype="Int64")
    return frame


def activity_frame_csv(df: pd.DataFrame, lang: str = "ja", encoding: str = "utf-8-sig") -> tuple[bytes, list[str]]:
    """CSV bytes of an activity long frame the page holds already (the CLI's bytes for that view)."""
    return csv_bytes(activity_layout(df, lang), encoding=encoding, note=note_row(lang))


def activity_csv_with_warnings(
    con: duckdb.DuckDBPyConnection,
    measure: str,
    period: str,
    split: str | None,
    filters,
    lang: str = "ja",
    encoding: str = "utf-8-sig",
) -> tuple[bytes, list[str]]:
    """`python -m queries activity MEASURE --by PERIOD [--split SPLIT] ...` as bytes."""
    from queries import activity

    if period not in ACTIVITY_PERIODS:
        raise ValueError(f"period must be one of {ACTIVITY_PERIODS}, not {period!r}")
    table = (activity.activity_by_month if period == "month" else activity.activity_by_fiscal_year)(
        con, measure, split, filters, lang
    )
    return activity_frame_csv(table, lang, encoding)
