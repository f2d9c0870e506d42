"""Trends: an indicator over the survey waves, city-wide or by one dimension, with the change from
the previous wave and from the first, each with its 95% interval and a test (issue 16, item 1).

Estimation and protection are the indicator tables' own: each wave's figures are the rows of
queries.indicators' table by wave (and by the dimension), computed by the same function
(indicators._table → _statistics: cell-key noise on n and the count, the estimate, n_eff, the
interval, 参考値, 秘匿), so a change in how the tables estimate or protect changes the trend too.
The waves shown are those where someone of the channel answered the indicator's items
(queries/sql/trend_waves.sql). The wave filter does not apply (every wave is shown).

The change of a group between two waves (the later minus the earlier, in points), computed from
the two waves' protected figures only:
- its 95% interval combines the two waves' own 95% intervals (Newcombe's hybrid score method,
  "method 10" of Newcombe 1998, for independent samples): low = d − √((p₂−l₂)² + (u₁−p₁)²),
  high = d + √((u₂−p₂)² + (p₁−l₁)²); with the tables' Wilson-with-Kish intervals it is the
  interval of a difference of two Wilson intervals, and it follows the tables' interval if that
  changes;
- its test is the pooled two-proportion z-test with each wave's effective sample size (Kish's
  n_eff) as its n (queries.estimate.z_test, as the tables' group-vs-rest test);
- the tests of one comparison (the previous wave, or the first) at one wave are adjusted together
  across the table's groups with Holm's method (queries.estimate.holm: statsmodels'
  multipletests), as the tables' 高い/低い are; the All row (the filtered city) is a family of its
  own, so the city's change reads the same whatever the breakdown;
- a change is tested only where both waves' cells are shown with a reliable estimate: never with
  a 秘匿 or 参考値 cell on either side (those are left out of the family too); where either side is
  秘匿 the change and its interval are not shown either;
- significant (「有意な変化」) where the adjusted p-value is at most 0.05.

A trend is refused (disclosure.FilterTooNarrow) when, in any of its waves, the filtered population
(the protected n of that wave's All row) is below disclosure.min_filter_n(): the one-wave table of
the same filters is refused, and so is its trend.
"""

from __future__ import annotations

from dataclasses import replace

import duckdb
import numpy as np
import pandas as pd

from data import codebook
from queries import disclosure, estimate, export, indicators, national
from queries.filters import Filters
from queries.runner import run

# The dimensions a trend is broken down by (one at a time): the respondents' attributes. Not the
# wave (the trend's own axis) and not the channel (chosen with the channel filter).
DIMENSIONS = ("age_band", "sex", "district", "household")
COMPARISONS = ("prev", "first")
STAT_COLUMNS = ["n", "n_eff", "estimate_pct", "ci_low_pct", "ci_high_pct", "reliability", "suppressed", "open_web"]


def change_columns(comparison: str) -> list[str]:
    c = f"change_{comparison}"
    return [f"{c}_pct", f"{c}_low_pct", f"{c}_high_pct", f"{c}_p_adjusted", f"{c}_significant"]


def check_by(by: str | None) -> str | None:
    if by in (None, "", indicators.NO_DIM):
        return None
    if by not in DIMENSIONS:
        raise ValueError(f"a trend is by one of {', '.join(DIMENSIONS)}, not {by!r}")
    return by


def trend_waves(con: duckdb.DuckDBPyConnection, indicator: str, filters: Filters = Filters()) -> list[int]:
    """The waves of INDICATOR's trend under the channel of FILTERS, ascending."""
    indicators.check_indicator(indicator)
    return [int(w) for w in run(con, "trend_waves", indicator=indicator, channels=list(filters.channels))["wave"]]


def trend_table(
    con: duckdb.DuckDBPyConnection,
    indicator: str,
    by: str | None = None,
    filters: Filters = Filters(),
    protect: bool = True,
) -> pd.DataFrame:
    """INDICATOR per wave, city-wide (the All rows) and, with BY, per group of BY: one row per group
    and wave, the All rows first, then each group in the codebook's order (無回答 last), waves
    ascending within each. Columns: BY (if given; <NA> on the All rows), is_total, wave,
    STAT_COLUMNS, then change_columns("prev") and change_columns("first").

    protect=False gives the true statistics, for the oracle tests only (no caller passes it)."""
    indicators.check_indicator(indicator)
    by = check_by(by)
    filters = replace(filters, wave=None)
    waves = trend_waves(con, indicator, filters)
    allowed = codebook.dimensions()
    totals = indicators._table(con, indicator, ("wave",), filters, allowed, protect=protect)
    totals = totals[~totals["is_total"]].reset_index(drop=True)
    totals = totals[totals["wave"].isin(waves)].reset_index(drop=True)
    if protect:
        _check_each_wave(totals)
    totals = totals.assign(is_total=True)
    parts = []
    if by is None:
        parts.append(totals)
    else:
        totals.insert(0, by, pd.array([pd.NA] * len(totals), dtype="Int64"))
        cells = indicators._table(con, indicator, ("wave", by), filters, allowed, protect=protect)
        cells = cells[cells["wave"].isin(waves)]
        order = {c: i for i, c in enumerate(dict.fromkeys(cells[by].tolist()))}
        cells = cells.assign(_g=cells[by].map(order)).sort_values(["_g", "wave"], kind="stable").drop(columns="_g")
        parts += [totals, cells]
    frame = pd.concat(parts, ignore_index=True)
    keep = ([by] if by else []) + ["is_total", "wave", *STAT_COLUMNS]
    frame = frame[keep].reset_index(drop=True)
    frame["wave"] = frame["wave"].astype("Int64")
    return add_changes(frame, by)


def _check_each_wave(totals: pd.DataFrame) -> None:
    """FilterTooNarrow when a wave's filtered population (protected n of its All row) is below the
    minimum: that wave's own table is refused, so is the trend through it."""
    n = totals["n"].astype("Float64").fillna(0).to_numpy(dtype=float)
    if len(n) and (totals["suppressed"].to_numpy(dtype=bool).any() or (n < disclosure.min_filter_n()).any()):
        raise disclosure.FilterTooNarrow(disclosure.min_filter_n())


def _floats(series: pd.Series) -> np.ndarray:
    return series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def newcombe(p1, l1, u1, p2, l2, u2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(d, low, high) of d = p2 − p1 from each proportion's own interval (l, u): Newcombe's hybrid
    score interval for independent samples (any units, the same for all six)."""
    p1, l1, u1, p2, l2, u2 = (np.asarray(x, dtype=float) for x in (p1, l1, u1, p2, l2, u2))
    d = p2 - p1
    low = d - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return d, low, high


def add_changes(frame: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """FRAME (one row per group and wave, waves ascending within each group, as trend_table makes
    it) with the change columns of each comparison (module docstring)."""
    out = frame.copy()
    group = out[by].astype("Int64").fillna(-1).to_numpy(dtype=np.int64) if by else np.zeros(len(out), dtype=np.int64)
    total = out["is_total"].to_numpy(dtype=bool)
    wave = out["wave"].to_numpy(dtype=np.int64)
    est, low, high = (_floats(out[c]) / 100.0 for c in ("estimate_pct", "ci_low_pct", "ci_high_pct"))
    n_eff = _floats(out["n_eff"])
    hidden = out["suppressed"].to_numpy(dtype=bool) | ~np.isfinite(est)
    reliable = ~hidden & (out["reliability"].to_numpy() == "ok")
    waves = sorted(set(wave.tolist()))
    position = {w: i for i, w in enumerate(waves)}
    row_of = {(g, w): i for i, (g, w) in enumerate(zip(group.tolist(), wave.tolist()))}
    for comparison in COMPARISONS:
        ref = np.full(len(out), -1, dtype=np.int64)
        for i, (g, w) in enumerate(zip(group.tolist(), wave.tolist())):
            k = position[w]
            if k == 0:
                continue
            earlier = waves[k - 1] if comparison == "prev" else waves[0]
            ref[i] = row_of.get((g, earlier), -1)
        has = ref >= 0
        r = np.where(has, ref, 0)
        shown = has & ~hidden & ~hidden[r]
        d, d_low, d_high = newcombe(est[r], low[r], high[r], est, low, high)
        _, p_two = estimate.z_test(est, n_eff, est[r], n_eff[r])
        tested = shown & reliable & reliable[r] & np.isfinite(p_two)
        reject = np.zeros(len(out), dtype=bool)
        adjusted = np.full(len(out), np.nan)
        for w in waves[1:]:
            for family in (tested & (wave == w) & ~total, tested & (wave == w) & total):
                if family.any():
                    rej, adj = estimate.holm(p_two, family)
                    reject |= rej & family
                    adjusted = np.where(family, adj, adjusted)
        c = f"change_{comparison}"

        def pct(values, mask=shown):
            return pd.arrays.FloatingArray(np.where(mask, values * 100.0, 0.0), ~mask)

        out[f"{c}_pct"] = pct(d)
        out[f"{c}_low_pct"] = pct(d_low)
        out[f"{c}_high_pct"] = pct(d_high)
        out[f"{c}_p_adjusted"] = pd.arrays.FloatingArray(np.nan_to_num(adjusted), ~tested)
        out[f"{c}_significant"] = pd.arrays.BooleanArray(reject & tested, ~tested)
    return out


# ---- the national survey's years beside the city ---------------------------------------------


def national_series(indicator: str, by: str | None = None, lang: str = "ja") -> pd.DataFrame:
    """The national survey's published figures of INDICATOR by year, for the city's line (total) and,
    with BY, for the groups of BY: only figures of the same question (the indicator) for the same
    group (a whole-population figure beside the city, a group's beside the group), one breakdown
    only (no cross-tabulations), with a survey year. Columns: BY (if given; <NA> for the
    whole-population figures), is_total, year, value_pct, base (how the national figure is
    based), source (the citation)."""
    indicators.check_indicator(indicator)
    by = check_by(by)
    rows = []
    for r in national._load():
        f = dict(zip(national.FIELDS, r))
        if f["indicator"] != indicator or f["year"] is None or f["dimension2"]:
            continue
        is_total = f["dimension"] == national.TOTAL
        if not is_total and f["dimension"] != by:
            continue
        rows.append(
            {
                **({by: f["code"]} if by else {}),
                "is_total": is_total,
                "year": int(f["year"]),
                "value_pct": float(f["value_pct"]),
                "base": national.BASES[f["base"]][lang],
                "source": national.citation(f["year"], f["source"], f["reported_by"], lang),
            }
        )
    columns = ([by] if by else []) + ["is_total", "year", "value_pct", "base", "source"]
    df = pd.DataFrame(rows, columns=columns)
    if by:
        df[by] = df[by].astype("Int64")
    df["year"] = df["year"].astype("Int64")
    df["value_pct"] = df["value_pct"].astype("Float64")
    df["is_total"] = df["is_total"].astype(bool)
    return df.sort_values(["is_total", "year"], ascending=[False, True], kind="stable").reset_index(drop=True)


# ---- the CSV layout (the CLI's `trend` and the page's download) ---------------------------------

EN_HEADERS = {
    "wave": "wave",
    "n": "n",
    "estimate_pct": "estimate_pct",
    "ci_low_pct": "ci_low_pct",
    "ci_high_pct": "ci_high_pct",
    "change_prev_pct": "change_prev_pct",
    "change_prev_low_pct": "change_prev_low_pct",
    "change_prev_high_pct": "change_prev_high_pct",
    "change_significant": "change_significant",
    "reliability": "reliability",
    "suppressed": "suppressed",
}
JA_HEADERS = {
    "wave": "調査年",
    "n": "回答者数(n)",
    "estimate_pct": "推定値(%)",
    "ci_low_pct": "95%信頼区間下限(%)",
    "ci_high_pct": "95%信頼区間上限(%)",
    "change_prev_pct": "前回調査からの変化(ポイント)",
    "change_prev_low_pct": "変化の95%信頼区間下限(ポイント)",
    "change_prev_high_pct": "変化の95%信頼区間上限(ポイント)",
    "change_significant": "有意な変化",
    "reliability": "信頼性",
    "suppressed": "秘匿",
}
SIGNIFICANT = {"ja": ("有意な変化", "有意差なし"), "en": ("true", "false")}
FIRST_ESTIMATE = {"ja": "初回調査の推定値(%)", "en": "first_estimate_pct"}
FIRST_HEADERS = {
    "ja": ("初回調査からの変化(ポイント)", "95%信頼区間下限(ポイント)", "95%信頼区間上限(ポイント)", "有意な変化"),
    "en": ("change_first_pct", "change_first_low_pct", "change_first_high_pct", "change_first_significant"),
}


def _number(value, digits: int) -> str:
    if value is None or value is pd.NA or pd.isna(value):
        return ""
    return f"{float(value):.{digits}f}" if digits else str(int(round(float(value))))


def _points(values) -> pd.arrays.FloatingArray:
    """A change in points as numbers rounded to one decimal (a numeric column: the CSV writes it as
    a number, "-2.4", where a text cell starting with "-" would be neutralised as a formula)."""
    x = pd.array(values, dtype="Float64")
    return (x.round(1) + 0.0).astype("Float64")  # + 0.0: no "-0.0"


def _significance(values, lang: str) -> list[str]:
    yes, no = SIGNIFICANT[lang]
    return ["" if v is None or v is pd.NA or pd.isna(v) else (yes if bool(v) else no) for v in values]


def labelled_trend(df: pd.DataFrame, by: str | None, lang: str) -> pd.DataFrame:
    """The CLI/download layout of a trend_table result (text cells, the changes as numbers): BY's
    label (全体 / All on the All rows), the wave, the wave's figures, the change from the previous wave, reliability and
    suppression (as queries.export writes an indicator table)."""
    codebook.check_lang(lang)
    by = check_by(by)
    h = EN_HEADERS if lang == "en" else JA_HEADERS
    out: dict[str, list[str]] = {}
    if by:
        out[export.dimension_header(by, lang)] = [export.group_label(by, c, lang) for c in df[by]]
    out[h["wave"]] = [export.group_label("wave", w, lang) for w in df["wave"]]
    hidden = [bool(s) for s in df["suppressed"]]
    out[h["n"]] = ["" if s else _number(v, 0) for v, s in zip(df["n"], hidden)]
    for col in ("estimate_pct", "ci_low_pct", "ci_high_pct"):
        out[h[col]] = ["" if s else _number(v, 1) for v, s in zip(df[col], hidden)]
    for col in ("change_prev_pct", "change_prev_low_pct", "change_prev_high_pct"):
        out[h[col]] = _points(df[col])  # empty where either wave is 秘匿 (and on the first wave)
    out[h["change_significant"]] = _significance(df["change_prev_significant"], lang)
    if lang == "en":
        out[h["reliability"]] = [str(r) for r in df["reliability"]]
        out[h["suppressed"]] = ["true" if s else "false" for s in hidden]
    else:
        low = codebook.mark_label("low_reliability", lang)
        out[h["reliability"]] = ["" if s or r != "low" else low for r, s in zip(df["reliability"], hidden)]
        mark = codebook.mark_label("suppressed", lang)
        out[h["suppressed"]] = [mark if s else "" for s in hidden]
    return pd.DataFrame(out)


def labelled_first(df: pd.DataFrame, by: str | None, lang: str) -> pd.DataFrame:
    """The change from the first wave, one row per group and later wave (the page's second table):
    BY's label, the wave, its estimate and the first wave's, the change with its interval (numbers)
    and whether it is significant."""
    codebook.check_lang(lang)
    first_wave = df["wave"].min()
    firsts = df[df["wave"] == first_wave]
    key = (lambda frame: frame[by].astype("Int64").fillna(-1).tolist()) if by else (lambda frame: [0] * len(frame))
    first_estimate = dict(zip(key(firsts), firsts["estimate_pct"].where(~firsts["suppressed"].astype(bool))))
    later = df[df["wave"] != first_wave]
    h = EN_HEADERS if lang == "en" else JA_HEADERS
    out: dict[str, list] = {}
    if by:
        out[export.dimension_header(by, lang)] = [export.group_label(by, c, lang) for c in later[by]]
    out[h["wave"]] = [export.group_label("wave", w, lang) for w in later["wave"]]
    hidden = later["suppressed"].astype(bool).tolist()
    out[h["estimate_pct"]] = ["" if s else _number(v, 1) for v, s in zip(later["estimate_pct"], hidden)]
    out[FIRST_ESTIMATE[lang]] = [_number(first_estimate.get(k), 1) for k in key(later)]
    d, lo, hi, sig = FIRST_HEADERS[lang]
    out[d] = _points(later["change_first_pct"])
    out[lo] = _points(later["change_first_low_pct"])
    out[hi] = _points(later["change_first_high_pct"])
    out[sig] = _significance(later["change_first_significant"], lang)
    return pd.DataFrame(out)


def display(labelled: pd.DataFrame) -> pd.DataFrame:
    """A labelled table (labelled_trend, labelled_first) for the screen: the change columns as text
    with one decimal, blank where there is none (a table widget shows <NA> as "None")."""
    out = labelled.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = [_number(v, 1) for v in out[col]]
    return out.astype(object)


def trend_table_csv(
    table: pd.DataFrame, by: str | None, lang: str = "ja", encoding: str = "utf-8-sig"
) -> tuple[bytes, list[str]]:
    """CSV bytes of a trend table in hand (labelled_trend, then the users' note row); with cp932, the
    characters it could not encode. The page's download and the CLI both write through here."""
    return export.csv_bytes(labelled_trend(table, by, lang), encoding=encoding, note=export.note_row(lang))


def trend_csv_with_warnings(
    con: duckdb.DuckDBPyConnection,
    indicator: str,
    by: str | None,
    filters: Filters,
    lang: str = "ja",
    encoding: str = "utf-8-sig",
) -> tuple[bytes, list[str]]:
    """`python -m queries trend INDICATOR [--by DIM] ...`: the table computed, then trend_table_csv."""
    return trend_table_csv(trend_table(con, indicator, by, filters), by, lang, encoding)


def file_stem(indicator: str, by: str | None, filters: Filters, lang: str) -> str:
    """A download's file name without the wave (a trend holds every wave), e.g.
    推移_孤独感（時々以上）_地域_無作為抽出調査.csv."""
    parts = ["推移" if lang == "ja" else "trend", codebook.indicator(indicator).short[lang]]
    if by:
        parts.append(codebook.dimension_label(by, lang))
    described = filters.describe(lang).split("_")[1:]  # without the wave part
    return export.safe_file_name("_".join(parts + described))
