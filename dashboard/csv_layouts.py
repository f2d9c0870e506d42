"""The CSV layouts of the tables whose on-screen form holds display texts (no Streamlit).

A table on screen may read 「4.4%」, 「3.4〜5.6%」 or 「18,940 (16,880〜21,190)」; Excel cannot add
those up. Its CSV holds every figure as a number in its own column (estimate, interval bounds,
counts), with the marks (秘匿, 参考値, <5) in columns of their own, as queries.export does for
indicator and activity tables. Every figure is the query layer's, already protected: nothing here
computes one, it only picks the frame's own numeric columns (rounded as the screen shows them).
"""

from __future__ import annotations

import pandas as pd

from dashboard import labels as lb
from dashboard.i18n import t
from data import codebook as cb
from queries import export


def _headers(lang: str) -> dict[str, str]:
    return export.EN_HEADERS if lang == "en" else export.JA_HEADERS


def _count_header(lang: str) -> str:
    return "count" if lang == "en" else export.ACTIVITY_JA_HEADERS["count"]


def _display_header(lang: str) -> str:
    return "display" if lang == "en" else export.ACTIVITY_JA_HEADERS["display"]


def _round(values, digits: int = 1) -> pd.Series:
    return pd.Series(pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce"), dtype="Float64").round(
        digits
    )


def _ints(values) -> pd.Series:
    return (
        pd.Series(pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce"), dtype="Float64")
        .round(0)
        .astype("Int64")
    )


def _marks(frame: pd.DataFrame, lang: str) -> tuple[list[str], list[str]]:
    """The reliability and suppressed columns as queries.export writes them (ja: 参考値 / 秘匿 or
    empty; en: low|ok and true|false)."""
    rel, sup = [], []
    for _, r in frame.iterrows():
        key = lb.status(r)
        hidden = key == lb.STATUS_SUPPRESSED
        if lang == "en":
            rel.append("low" if key == lb.STATUS_LOW else "ok")
            sup.append("true" if hidden else "false")
        else:
            rel.append(cb.mark_label("low_reliability", lang) if key == lb.STATUS_LOW else "")
            sup.append(cb.mark_label("suppressed", lang) if hidden else "")
    return rel, sup


def _survey_figures(frame: pd.DataFrame, lang: str) -> dict[str, pd.Series | list]:
    """n, estimate and interval bounds (empty where 秘匿), reliability and suppressed."""
    h = _headers(lang)
    rel, sup = _marks(frame, lang)
    hidden = pd.Series([bool(s) and s != "false" for s in sup])
    out = {
        h["n"]: _ints(frame["n"]).mask(hidden) if "n" in frame else pd.Series(pd.NA, index=hidden.index),
        h["estimate_pct"]: _round(frame["estimate_pct"]).mask(hidden),
        h["ci_low_pct"]: _round(frame["ci_low_pct"]).mask(hidden),
        h["ci_high_pct"]: _round(frame["ci_high_pct"]).mask(hidden),
        h["reliability"]: rel,
        h["suppressed"]: sup,
    }
    return out


def national_csv(nat: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The comparison with Japan (queries.national.national_comparison): indicator, group, the
    city's n, estimate and interval as numbers, its marks, the national figure as a number, its
    year, base and source."""
    nat = nat.reset_index(drop=True)
    out = pd.DataFrame(
        {
            t("common.indicator", lang): [lb.indicator_short(i, lang) for i in nat["indicator"]],
            t("overview.group", lang): nat["group_label"] if "group_label" in nat else nat["label"],
        }
    )
    for head, col in _survey_figures(nat, lang).items():
        out[head] = list(col) if isinstance(col, list) else col.to_numpy()
    out[t("csv.national_pct", lang)] = _round(nat["national_pct"]).to_numpy()
    for col, head in (
        ("national_year", "national.year"),
        ("national_base", "national.base"),
        ("source", "common.source"),
    ):
        if col in nat:
            values = ["" if lb.is_missing(v) else v for v in nat[col]]
            out[t(head, lang)] = _ints(values).to_numpy() if col == "national_year" else [str(v) for v in values]
    return out


def profile_csv(profile: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Who answered (dashboard.tables.profile_frame): dimension, group, series (respondents or
    population), count and share as numbers, 秘匿 in its own column."""
    profile = profile.reset_index(drop=True)
    hidden = profile["suppressed"].astype(bool)
    sup = _headers(lang)["suppressed"]
    return pd.DataFrame(
        {
            t("overview.group", lang): [cb.dimension_label(d, lang) for d in profile["dimension"]],
            t("overview.series", lang): profile["label"].to_numpy(),
            t("csv.series_of", lang): profile["series"].to_numpy(),
            t("overview.count", lang): _ints(profile["count"]).mask(hidden).to_numpy(),
            t("overview.share", lang): _round(profile["share_pct"]).mask(hidden).to_numpy(),
            sup: [
                ("true" if h else "false") if lang == "en" else (cb.mark_label("suppressed", lang) if h else "")
                for h in hidden
            ],
        }
    )


def need_csv(need: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The district_need frame (queries.need): district, population, the estimated lonely
    residents and their interval, consultations (empty where shown as <5, the display beside it)
    and the rate, each a number."""
    need = need.reset_index(drop=True)
    rel, sup = _marks(need, lang)
    hidden = pd.Series([bool(s) and s != "false" for s in sup])
    return pd.DataFrame(
        {
            cb.dimension_label("district", lang): need["district_label"].to_numpy(),
            t("overview.population", lang): _ints(need["population"]).to_numpy(),
            t("csv.residents_est", lang): _ints(need["residents_est"]).mask(hidden).to_numpy(),
            t("csv.residents_low", lang): _ints(need["residents_low"]).mask(hidden).to_numpy(),
            t("csv.residents_high", lang): _ints(need["residents_high"]).mask(hidden).to_numpy(),
            _headers(lang)["reliability"]: rel,
            _headers(lang)["suppressed"]: sup,
            t("activity.consultations", lang): _consultation_counts(need).to_numpy(),
            f"{t('activity.consultations', lang)}{t('csv.display_suffix', lang)}": need["consultations_display"]
            .astype("string")
            .fillna("")
            .to_numpy(),
            t("activity.rates", lang): _round(need["rate_per_1000"]).to_numpy(),
        }
    )


def _consultation_counts(need: pd.DataFrame) -> pd.Series:
    """Consultations as numbers, empty where the page shows <5 (the display says so)."""
    counts = _ints(need["consultations"])
    small = need["consultations_display"].astype("string").fillna("").str.startswith("<").to_numpy()
    return counts.mask(pd.Series(small, index=counts.index))


def counts_csv(frame: pd.DataFrame, lang: str, row_head: str, col_head: str, value: str = "value") -> pd.DataFrame:
    """A long frame of queries.activity (the referral matrix) or queries.directory (members by
    type and field): the row's and column's labels, the count (empty where it shows as <5) and
    the display text, one row per cell, margins included."""
    rows, cols = frame.attrs.get("rows"), frame.attrs.get("cols")
    frame = frame.reset_index(drop=True)
    display = frame["display"].astype("string").fillna("")
    counts = _ints(frame[value]).mask(display.str.startswith("<"))
    return pd.DataFrame(
        {
            row_head: frame[f"{rows}_label"].to_numpy(),
            col_head: frame[f"{cols}_label"].to_numpy(),
            _count_header(lang): counts.to_numpy(),
            _display_header(lang): display.to_numpy(),
        }
    )
