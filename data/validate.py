"""Validating extracts against the codebook's column specs, vectorised.

Each column is checked by value, not by row: the distinct cell texts of a column are parsed once
(a code column of a million rows has a handful of them) and the result is spread back over the
rows. Every broken rule yields a Problem per offending cell (up to STORED_PER_RULE per column and
rule, then one line counting the rest), so a provider sees every kind of mistake at once.

Leniencies, all documented in the extract contract's spirit: cells are stripped of surrounding
spaces; numbers may be full-width (NFKC) and whole numbers may carry a ".0" (as pandas or R write
them); `all` in a code list is case-insensitive.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from data import codebook
from data.problems import Problem
from data.readers import RawExtract

STORED_PER_RULE = 1000
FILE_COL, ROW_COL = "_file", "_row"  # where each typed row came from

_BAD = object()  # the cell breaks the column's type
_MISSING = object()  # blank where a value is required
_INT = re.compile(r"[+-]?\d+(?:\.0*)?")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Counts are stored as INTEGER (Int32): a larger number is refused, not a crash on the cast.
INT32_MAX = 2**31 - 1
_INT_DIGITS = 12  # longer digit strings are refused before int() (Python limits int() of long text)
# Plausible dates: activity months from 2000-01 (before the platform, and before any survey wave
# the codebook allows), population reference dates from 1990-01-01; neither after the build date.
FIRST_MONTH = dt.date(2000, 1, 1)
FIRST_DATE = dt.date(1990, 1, 1)
# Control characters (NUL, line breaks, tabs, ...) in an id: never typed, they mean a damaged file,
# and an id with one looks the same as another id on screen.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


# ---- descriptions of what a column expects --------------------------------------------------


def _code_list_text(spec: dict, lang: str) -> str:
    allowed = _allowed_codes(spec)
    labels = codebook.value_set(spec["codes"])
    return ", ".join(f"{c}={labels[c][lang]}" for c in allowed)


def today() -> dt.date:
    """The build date (UTC), the last month and date an extract may hold."""
    return dt.datetime.now(dt.UTC).date()


def expected_text(extract: str, column: str) -> tuple[str, str]:
    """(ja, en) description of a valid cell of the column, from its codebook spec."""
    spec = codebook.columns(extract)[column]
    kind = spec["type"]
    label_ja = codebook.column_label(extract, column, "ja")
    label_en = codebook.column_label(extract, column, "en")
    if kind == "text":
        return f"{label_ja}（空でない文字列）", f"{label_en} (non-empty text)"
    if kind == "optional_text":
        return f"{label_ja}（文字列）", f"{label_en} (text)"
    if kind == "integer":
        lo, hi = spec.get("min"), spec.get("max", INT32_MAX)
        return f"{label_ja}: {lo}〜{hi} の整数", f"{label_en}: a whole number from {lo} to {hi}"
    if kind == "code":
        ja = f"{label_ja}のコード {_code_list_text(spec, 'ja')}"
        en = f"{label_en} code {_code_list_text(spec, 'en')}"
        if spec.get("blank"):
            m = codebook.missing_code()
            ja += f"（空欄または {m} = {codebook.no_answer_label('ja')}）"
            en += f" (blank or {m} = {codebook.no_answer_label('en')})"
        return ja, en
    if kind == "positive":
        return f"{label_ja}: 0 より大きい数値", f"{label_en}: a number greater than 0"
    if kind == "count":
        lo = spec.get("min", 0)
        return (
            f"{label_ja}: {lo} 以上 {INT32_MAX:,} 以下の整数",
            f"{label_en}: a whole number of at least {lo} (at most {INT32_MAX:,})",
        )
    if kind == "month":
        last = today().strftime("%Y-%m")
        return (
            f"{label_ja}: 年月 YYYY-MM（例 2024-04）、{FIRST_MONTH:%Y-%m}〜{last}（取り込み日の月まで）",
            f"{label_en}: a month YYYY-MM (e.g. 2024-04) from {FIRST_MONTH:%Y-%m} to {last} (the build month)",
        )
    if kind == "date":
        last = today().isoformat()
        return (
            f"{label_ja}: 日付 YYYY-MM-DD（例 2024-01-01）、{FIRST_DATE}〜{last}（取り込み日まで）",
            f"{label_en}: a date YYYY-MM-DD (e.g. 2024-01-01) from {FIRST_DATE} to {last} (the build date)",
        )
    if kind == "code_list":
        ja = f"{label_ja}: コードを ; で区切って列挙（{_code_list_text(spec, 'ja')}）"
        en = f"{label_en}: codes separated by ; ({_code_list_text(spec, 'en')})"
        if spec.get("allow_all"):
            ja += "、または all"
            en += ", or all"
        return ja, en
    if kind == "org_ref":
        return (
            f"{label_ja}: 団体ファイル（organisations）にある org_id",
            f"{label_en}: an org_id of the organisations extract",
        )
    if kind in ("latitude", "longitude"):
        lo, hi = spec["min"], spec["max"]
        return (
            f"{label_ja}: 市域内の値 {lo}〜{hi}（世界測地系の十進度）",
            f"{label_en}: inside the city, {lo} to {hi} (WGS84 decimal degrees)",
        )
    raise ValueError(f"unknown column type {kind!r} in the codebook ({extract}.{column})")


def _missing_text(extract: str, column: str) -> tuple[str, str]:
    ja, en = expected_text(extract, column)
    return f"{ja}（必須・空欄不可）", f"{en} (required, must not be blank)"


# ---- parsing one distinct cell text -----------------------------------------------------------


def _allowed_codes(spec: dict) -> list[int]:
    allowed = codebook.codes(spec["codes"])
    return [c for c in allowed if c in spec["only"]] if "only" in spec else allowed


def _number_text(u: str) -> str:
    return unicodedata.normalize("NFKC", u).strip()


def _parse_int(u: str) -> int | None:
    t = _number_text(u)
    if not _INT.fullmatch(t):
        return None
    whole = t.split(".")[0]
    return int(whole) if len(whole.lstrip("+-").lstrip("0")) <= _INT_DIGITS else None


def _parse_float(u: str) -> float | None:
    t = _number_text(u)
    try:
        x = float(t)
    except ValueError:
        return None
    return x if np.isfinite(x) else None


def _parser(spec: dict) -> Callable[[str], Any]:
    """A function from a stripped, non-blank cell text to its value or _BAD."""
    kind = spec["type"]
    if kind in ("integer", "count"):
        lo, hi = spec.get("min", 0 if kind == "count" else None), spec.get("max", INT32_MAX)

        def parse_int(u: str):
            x = _parse_int(u)
            if x is None or (lo is not None and x < lo) or (hi is not None and x > hi):
                return _BAD
            return x

        return parse_int
    if kind == "code":
        allowed = set(_allowed_codes(spec))
        missing = codebook.missing_code() if spec.get("blank") else None

        def parse_code(u: str):
            x = _parse_int(u)
            if x is not None and x == missing:
                return None
            return x if x in allowed else _BAD

        return parse_code
    if kind in ("positive", "latitude", "longitude"):
        lo, hi = spec.get("min"), spec.get("max")

        def parse_float(u: str):
            x = _parse_float(u)
            if x is None or (kind == "positive" and x <= 0):
                return _BAD
            if (lo is not None and x < lo) or (hi is not None and x > hi):
                return _BAD
            return x

        return parse_float
    if kind == "month":
        last = today().replace(day=1)

        def parse_month(u: str):
            m = _MONTH.fullmatch(u)
            if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < FIRST_MONTH.year:
                return _BAD  # year 0 too: it is not a date at all
            month = dt.date(int(m.group(1)), int(m.group(2)), 1)
            return month if FIRST_MONTH <= month <= last else _BAD

        return parse_month
    if kind == "date":
        last_date = today()

        def parse_date(u: str):
            if not _DATE.fullmatch(u):
                return _BAD
            try:
                day = dt.date.fromisoformat(u)
            except ValueError:
                return _BAD
            return day if FIRST_DATE <= day <= last_date else _BAD

        return parse_date
    if kind == "code_list":
        allowed = _allowed_codes(spec)

        def parse_list(u: str):
            if spec.get("allow_all") and u.lower() == "all":
                return list(allowed)
            parts = [p for p in u.split(";")]
            values = [_parse_int(p) for p in parts]
            if not values or any(v not in allowed for v in values):
                return _BAD
            return sorted(set(values))

        return parse_list
    raise ValueError(f"no parser for column type {kind!r}")


_DTYPES = {
    "integer": "Int32",
    "count": "Int32",
    "code": "Int16",
    "positive": "Float64",
    "latitude": "Float64",
    "longitude": "Float64",
    "month": "datetime64[s]",
    "date": "datetime64[s]",
    "code_list": object,
}


def _by_distinct_value(cells: pd.Series, spec: dict, required: bool) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """(typed values, bad mask, missing mask) of a column, parsing each distinct text once."""
    positions, uniques = pd.factorize(cells)
    parse = _parser(spec)
    parsed = []
    for u in uniques:
        t = u.strip()
        parsed.append((_MISSING if required else None) if t == "" else parse(t))
    bad_u = np.array([p is _BAD for p in parsed], dtype=bool)
    missing_u = np.array([p is _MISSING for p in parsed], dtype=bool)
    clean = [None if (p is _BAD or p is _MISSING) else p for p in parsed]
    dtype = _DTYPES[spec["type"]]
    if dtype is object:
        arr = np.empty(len(clean), dtype=object)
        arr[:] = clean
        values = pd.Series(arr[positions], index=cells.index, dtype=object)
    elif dtype.startswith("datetime"):
        arr = pd.to_datetime(pd.Series(clean, dtype=object)).to_numpy().astype(dtype)
        values = pd.Series(arr[positions], index=cells.index)
    else:
        values = pd.Series(pd.array(clean, dtype=dtype).take(positions), index=cells.index)
    return values, bad_u[positions], missing_u[positions]


def check_column(
    cells: pd.Series, extract: str, column: str, org_ids: set[str] | None
) -> tuple[pd.Series, list[tuple[np.ndarray, str, str]]]:
    """Typed values of a column and its broken rules as (row mask, expected_ja, expected_en)."""
    spec = codebook.columns(extract)[column]
    required = bool(spec.get("required")) and not spec.get("blank")  # blank: the cell may be empty
    kind = spec["type"]
    rules: list[tuple[np.ndarray, str, str]] = []
    if kind in ("text", "optional_text", "org_ref"):
        values = cells.str.strip()
        blank = (values == "").to_numpy()
        values = values.where(~blank, None)
        if required:
            rules.append((blank, *_missing_text(extract, column)))
        if _is_id(extract, column):
            control = values.str.contains(_CONTROL, na=False).to_numpy(dtype=bool)
            rules.append((control, *_control_text(extract, column)))
        if kind == "org_ref" and org_ids is not None:
            unknown = ~blank & ~values.isin(org_ids).to_numpy()
            rules.append((unknown, *expected_text(extract, column)))
        return values, rules
    values, bad, missing = _by_distinct_value(cells, spec, required)
    rules.append((bad, *expected_text(extract, column)))
    rules.append((missing, *_missing_text(extract, column)))
    return values, rules


def _is_id(extract: str, column: str) -> bool:
    """An id column: a reference to an organisation, or a text column of the extract's key."""
    kind = codebook.columns(extract)[column]["type"]
    return kind == "org_ref" or (kind == "text" and column in codebook.extract(extract).get("unique", []))


def _control_text(extract: str, column: str) -> tuple[str, str]:
    ja, en = expected_text(extract, column)
    return (
        f"{ja}（制御文字 NUL・改行・タブなどを含まないこと）",
        f"{en} (no control characters such as NUL, line breaks or tabs)",
    )


# ---- problems from masks ----------------------------------------------------------------------


def cell_problems(
    file: str, rows: pd.Index, column: str, cells: pd.Series, mask: np.ndarray, expected_ja: str, expected_en: str
) -> list[Problem]:
    """One Problem per masked row, the first STORED_PER_RULE of them and then a count of the rest."""
    hit = np.flatnonzero(mask)
    if not len(hit):
        return []
    shown = hit[:STORED_PER_RULE]
    row_numbers = rows[shown]
    texts = cells.iloc[shown]
    out = [Problem(file, int(r), column, str(v), expected_ja, expected_en) for r, v in zip(row_numbers, texts)]
    rest = len(hit) - len(shown)
    if rest:
        out.append(
            Problem(
                file,
                None,
                column,
                None,
                f"{expected_ja}（ほか {rest} 行も同じ問題）",
                f"{expected_en} ({rest} more rows with the same problem)",
            )
        )
    return out


# ---- one file ----------------------------------------------------------------------------------


def validate_extract(raw: RawExtract, org_ids: set[str] | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """The typed table of one extract file and the problems of its cells.

    Columns: every codebook column of the extract (an absent optional column is all NULL), plus
    FILE_COL and ROW_COL naming the source file and spreadsheet row of each row.
    """
    problems: list[Problem] = []
    typed: dict[str, Any] = {}
    frame = raw.frame
    for column in codebook.columns(raw.extract):
        if column not in frame.columns:
            typed[column] = pd.Series(pd.NA, index=frame.index, dtype=_empty_dtype(raw.extract, column))
            continue
        cells = frame[column]
        values, rules = check_column(cells, raw.extract, column, org_ids)
        typed[column] = values
        for mask, ja, en in rules:
            problems += cell_problems(raw.file_name, frame.index, column, cells, mask, ja, en)
    out = pd.DataFrame(typed, index=frame.index)
    out[FILE_COL] = pd.Categorical.from_codes(np.zeros(len(out), dtype=np.int8), [raw.file_name])
    out[ROW_COL] = frame.index.to_numpy()
    return out.reset_index(drop=True), problems


def _empty_dtype(extract: str, column: str):
    kind = codebook.columns(extract)[column]["type"]
    if kind in ("text", "optional_text", "org_ref"):
        return object
    return _DTYPES[kind]


# ---- rules across rows and columns -------------------------------------------------------------


def _label(extract: str, column: str, lang: str) -> str:
    return (
        f"{codebook.column_label(extract, column, lang)}（{column}）"
        if lang == "ja"
        else f"{codebook.column_label(extract, column, lang)} ({column})"
    )


def _row_problems(
    df: pd.DataFrame, mask: np.ndarray, column: str, values: pd.Series, expected: Callable[[int], tuple[str, str]]
) -> list[Problem]:
    out = []
    for i in np.flatnonzero(mask)[:STORED_PER_RULE]:
        ja, en = expected(i)
        out.append(
            Problem(str(df[FILE_COL].iat[i]), int(df[ROW_COL].iat[i]), column, _cell_text(values.iat[i]), ja, en)
        )
    rest = int(mask.sum()) - STORED_PER_RULE
    if rest > 0:
        ja, en = expected(int(np.flatnonzero(mask)[0]))
        out.append(
            Problem(str(df[FILE_COL].iat[0]), None, column, None, f"{ja}（ほか {rest} 行）", f"{en} ({rest} more rows)")
        )
    return out


def _cell_text(v) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    return str(v)


def check_unique(extract: str, df: pd.DataFrame) -> list[Problem]:
    """Rows repeating the extract's unique key (over all its files); the first occurrence stays."""
    key = codebook.extract(extract).get("unique")
    if not key or df.empty:
        return []
    complete = df[key].notna().all(axis=1).to_numpy()
    sub = df.loc[complete, key + [FILE_COL, ROW_COL]]
    dup = sub.duplicated(key, keep="first").to_numpy()
    if not dup.any():
        return []
    firsts = sub.groupby(key, sort=False, observed=True)[[FILE_COL, ROW_COL]].transform("first")
    column, scope = key[-1], key[:-1]

    def expected(i: int) -> tuple[str, str]:
        first_file, first_row = firsts[FILE_COL].iat[i], firsts[ROW_COL].iat[i]
        within = ", ".join(f"{c}={_cell_text(sub[c].iat[i])}" for c in scope)
        ja = (
            f"{_label(extract, column, 'ja')}は{' ' + within + ' の中で' if within else ''}一意であること"
            f"（{first_file} の {first_row} 行目と重複）"
        )
        en = (
            f"{_label(extract, column, 'en')} unique{' within ' + within if within else ''}"
            f" (repeats {first_file} row {first_row})"
        )
        return ja, en

    return _row_problems(sub, dup, column, sub[column], expected)


def check_row_rules(extract: str, df: pd.DataFrame) -> list[Problem]:
    """The extract's `checks`: at_most [a, b] (a <= b) and differ [a, b] (a != b)."""
    problems: list[Problem] = []
    for rule in codebook.extract(extract).get("checks", []):
        ((kind, (a, b)),) = rule.items()
        both = df[a].notna() & df[b].notna()
        if kind == "at_most":
            broken = (both & (df[a] > df[b])).fillna(False).to_numpy(dtype=bool)
            ja = f"{_label(extract, a, 'ja')}は{_label(extract, b, 'ja')}以下"
            en = f"{_label(extract, a, 'en')} at most {_label(extract, b, 'en')}"
        elif kind == "differ":
            broken = (both & (df[a] == df[b])).fillna(False).to_numpy(dtype=bool)
            ja = f"{_label(extract, b, 'ja')}は{_label(extract, a, 'ja')}と異なる値"
            en = f"{_label(extract, b, 'en')} different from {_label(extract, a, 'en')}"
            a = b  # report the second column, the one that repeats the first
        else:
            raise ValueError(f"unknown check {kind!r} in the codebook ({extract})")
        problems += _row_problems(df, broken, a, df[a], lambda i, ja=ja, en=en: (ja, en))
    return problems


def check_grid(extract: str, df: pd.DataFrame) -> list[Problem]:
    """Every combination of the grid columns' codes present for each value of `per`."""
    grid = codebook.extract(extract).get("grid")
    if not grid or df.empty:
        return []
    per, cols = grid["per"], grid["columns"]
    specs = codebook.columns(extract)
    full = pd.MultiIndex.from_tuples(list(itertools.product(*(_allowed_codes(specs[c]) for c in cols))), names=cols)
    problems: list[Problem] = []
    for value, part in df.dropna(subset=[per] + cols).groupby(per, sort=True):
        have = pd.MultiIndex.from_frame(part[cols].astype("int64"))
        missing = full.difference(have)
        file = str(part[FILE_COL].iat[0])
        for combo in missing[:STORED_PER_RULE]:
            text = ", ".join(f"{c}={v}" for c, v in zip(cols, combo))
            problems.append(
                Problem(
                    file,
                    None,
                    ", ".join(cols),
                    f"{per}={_cell_text(value)}: {text}",
                    f"{per} ごとに {', '.join(cols)} の全ての組み合わせの行（この組み合わせの行がありません）",
                    f"a row for every combination of {', '.join(cols)} per {per} (this one is missing)",
                )
            )
    return problems


def validate_extract_files(
    extract: str, raws: list[RawExtract], org_ids: set[str] | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """All files of one extract: typed and concatenated, with cell, key, row and grid problems."""
    frames, problems = [], []
    for raw in raws:
        frame, found = validate_extract(raw, org_ids)
        frames.append(frame)
        problems += raw.problems + found
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if df[FILE_COL].dtype != "category":
        df[FILE_COL] = df[FILE_COL].astype("category")
    problems += check_unique(extract, df)
    problems += check_row_rules(extract, df)
    problems += check_grid(extract, df)
    return df, problems
