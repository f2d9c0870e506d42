"""Cached calls into the query layer.

Only small aggregates are cached (st.cache_data), keyed on the database version (path + mtime)
and the call's arguments, so a rebuilt database is picked up at once. Nothing here computes an
estimate or protects a count: every function hands over to queries/.

A survey table the query layer refuses because the filters leave too few respondents
(queries.disclosure.FilterTooNarrow) is remembered as refused too, and raised again on every call.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard.db import DbVersion, connection
from queries import activity, disclosure, export, indicators, marts, profile, runner
from queries.activity import ActivityFilters
from queries.filters import Filters

TTL = None  # entries live until the database version changes (a new key) or the LRU drops them
MAX = 256


@st.cache_data(show_spinner=False, max_entries=8)
def waves(version: DbVersion) -> list[int]:
    return [int(w) for w in indicators.waves(connection(version))]


@st.cache_data(show_spinner=False, max_entries=8)
def missing_objects(version: DbVersion) -> list[str]:
    return marts.missing_objects(connection(version))


@st.cache_data(show_spinner=False, max_entries=8)
def import_log(version: DbVersion) -> pd.DataFrame:
    return runner.run(connection(version), "import_log")


def is_demo(version: DbVersion) -> bool:
    log = import_log(version)
    return bool(len(log)) and bool(log["is_demo"].astype(bool).any())


@dataclass(frozen=True)
class _Refused:
    """A cached refusal: the filters left fewer than LIMIT respondents (FilterTooNarrow)."""
    limit: int


def _refusable(fn, *args):
    try:
        return fn(*args)
    except disclosure.FilterTooNarrow as exc:
        return _Refused(exc.limit)


def _unless_refused(value):
    if isinstance(value, _Refused):
        raise disclosure.FilterTooNarrow(value.limit)
    return value


@st.cache_data(show_spinner=False, max_entries=MAX)
def _indicator_table(version: DbVersion, indicator: str, by: tuple[str, ...], filters: Filters):
    return _refusable(indicators.indicator_table, connection(version), indicator, list(by), filters)


def indicator_table(version: DbVersion, indicator: str, by: tuple[str, ...], filters: Filters) -> pd.DataFrame:
    """queries.indicators.indicator_table; raises FilterTooNarrow as it does."""
    return _unless_refused(_indicator_table(version, indicator, tuple(by), filters))


@st.cache_data(show_spinner=False, max_entries=MAX)
def _headline(version: DbVersion, filters: Filters):
    return _refusable(indicators.headline, connection(version), filters)


def headline(version: DbVersion, filters: Filters) -> pd.DataFrame:
    return _unless_refused(_headline(version, filters))


@st.cache_data(show_spinner=False, max_entries=MAX)
def _national_comparison(version: DbVersion, filters: Filters, lang: str):
    from queries import national

    return _refusable(national.national_comparison, connection(version), filters, lang)


def national_comparison(version: DbVersion, filters: Filters, lang: str) -> pd.DataFrame:
    return _unless_refused(_national_comparison(version, filters, lang))


PROFILE_COLUMNS = ["dimension", "code", "label", "series", "share_pct", "count", "display", "suppressed"]


@st.cache_data(show_spinner=False, max_entries=MAX)
def respondent_profile(version: DbVersion, filters: Filters, lang: str) -> pd.DataFrame:
    """Who answered the wave in view, beside the population (queries.profile.respondent_profile,
    protected): the plot data of charts.share_bars, one row per group and series (dimension,
    code, label, series, share_pct, count, display, suppressed). A group shown as 秘匿 has no
    share or count on the respondents' row, only display = 秘匿."""
    from dashboard import labels as lb
    from dashboard.i18n import t
    from data import codebook as cb

    raw = profile.respondent_profile(connection(version), filters)
    hidden_text = cb.mark_label("suppressed", lang)
    rows = []
    for r in raw.itertuples(index=False):
        code = cb.missing_code() if pd.isna(r.code) else int(r.code)
        label = lb.dim_value_label(r.dimension, code, lang)
        hidden = bool(r.suppressed)
        rows.append({"dimension": r.dimension, "code": r.code, "label": label,
                     "series": t("overview.respondents", lang),
                     "share_pct": None if hidden or pd.isna(r.respondents_pct) else float(r.respondents_pct),
                     "count": None if hidden else int(r.respondents),
                     "display": hidden_text if hidden else f"{int(r.respondents):,}",
                     "suppressed": hidden})
        if r.dimension != "channel" and not pd.isna(r.population):
            rows.append({"dimension": r.dimension, "code": r.code, "label": label,
                         "series": t("overview.population", lang),
                         "share_pct": None if pd.isna(r.population_pct) else float(r.population_pct),
                         "count": int(r.population), "display": f"{int(r.population):,}", "suppressed": False})
    out = pd.DataFrame(rows, columns=PROFILE_COLUMNS)
    out["share_pct"] = pd.to_numeric(out["share_pct"], errors="coerce").astype("float64")
    out["count"] = out["count"].astype("Int64")
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


def profile_display(profile: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The profile as a table: group, series, count (秘匿 where suppressed), share (one decimal)."""
    from dashboard.i18n import t
    from data import codebook as cb

    out = pd.DataFrame({
        t("overview.group", lang): [cb.dimension_label(d, lang) for d in profile["dimension"]],
        t("overview.series", lang): profile["label"],
        "": profile["series"],
        t("overview.count", lang): profile["display"],
        t("overview.share", lang): ["" if pd.isna(v) else f"{v:.1f}" for v in profile["share_pct"]],
    })
    return out.rename(columns={"": t("overview.series", lang) + " "})


def national_display(nat: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The comparison as a table: what, the city's estimate and interval (or its mark), the
    national figure with its year, base and source."""
    from dashboard import labels as lb
    from dashboard.i18n import t

    city = t("common.city", lang)
    heads = {"ja": ("全国の年", "全国値の母数", "出典"), "en": ("Japan: year", "Japan: base", "Source")}[lang]
    out = pd.DataFrame({
        t("common.indicator", lang): [lb.indicator_short(i, lang) for i in nat["indicator"]],
        t("overview.group", lang): nat["group_label"] if "group_label" in nat else nat["label"],
        f"{city} {t('common.estimate', lang)}": [
            lb.status_label(lb.STATUS_SUPPRESSED, lang) if lb.status(r) == lb.STATUS_SUPPRESSED
            else lb.pct_text(r["estimate_pct"]) + (f" ({lb.status_label(lb.STATUS_LOW, lang)})"
                                                  if lb.status(r) == lb.STATUS_LOW else "")
            for _, r in nat.iterrows()],
        f"{city} {t('common.interval', lang)}": [lb.interval_text(lo, hi, lang) for lo, hi in
                                                  zip(nat["ci_low_pct"], nat["ci_high_pct"])],
        "n": [lb.int_text(v) for v in nat["n"]] if "n" in nat else "",
        t("common.national", lang): [lb.pct_text(v) for v in nat["national_pct"]],
    })
    for col, head in zip(("national_year", "national_base", "source"), heads):
        if col in nat:
            out[head] = ["" if lb.is_missing(v) else str(v) for v in nat[col]]
    return out


# ---- downloads ----------------------------------------------------------------------------------

# st.cache_data hashes a DataFrame of 50,000 rows or more from a sample of its rows: two such
# frames could share a key, so only smaller ones go through a cache keyed on a frame.
FRAME_KEY_MAX_ROWS = 49_999


def frame_keyable(df: pd.DataFrame) -> bool:
    """Whether st.cache_data can key a cache on DF (hashes all of its rows)."""
    return len(df) <= FRAME_KEY_MAX_ROWS


@st.cache_data(show_spinner=False, max_entries=64)
def _csv_bytes(df: pd.DataFrame, encoding: str, note: str | None) -> tuple[bytes, list[str]]:
    return export.csv_bytes(df, encoding=encoding, note=note)


def csv_bytes(df: pd.DataFrame, encoding: str = "utf-8-sig", note: str | None = None) -> tuple[bytes, list[str]]:
    """export.csv_bytes, cached on the frame's contents: a table that a filter change leaves as it
    was (the directory's 4,730 rows at 1M responses, ~100 ms) is not written out again."""
    if not frame_keyable(df):
        return export.csv_bytes(df, encoding=encoding, note=note)
    data, warnings = _csv_bytes(df, encoding, note)
    return data, list(warnings)


@st.cache_data(show_spinner=False, max_entries=64)
def _activity_csv(df: pd.DataFrame, attrs: tuple, lang: str, encoding: str) -> tuple[bytes, list[str]]:
    return export.activity_frame_csv(df, lang, encoding)


def activity_csv(df: pd.DataFrame, lang: str = "ja", encoding: str = "utf-8-sig") -> tuple[bytes, list[str]]:
    """export.activity_frame_csv, cached on the frame (and its attrs, which name its axes)."""
    if not frame_keyable(df):
        return export.activity_frame_csv(df, lang, encoding)
    data, warnings = _activity_csv(df, tuple(sorted(df.attrs.items())), lang, encoding)
    return data, list(warnings)


# ---- activity -----------------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=8)
def fiscal_years(version: DbVersion) -> list[int]:
    return activity.fiscal_years(connection(version))


@st.cache_data(show_spinner=False, max_entries=MAX)
def activity_by_month(version: DbVersion, measure: str, by: str | None, filters: ActivityFilters,
                      lang: str) -> pd.DataFrame:
    return activity.activity_by_month(connection(version), measure, by, filters, lang)


@st.cache_data(show_spinner=False, max_entries=MAX)
def activity_by_fiscal_year(version: DbVersion, measure: str, by: str | None, filters: ActivityFilters,
                            lang: str) -> pd.DataFrame:
    return activity.activity_by_fiscal_year(connection(version), measure, by, filters, lang)


@st.cache_data(show_spinner=False, max_entries=MAX)
def referral_matrix(version: DbVersion, level: str, filters: ActivityFilters, lang: str) -> pd.DataFrame:
    return activity.referral_matrix(connection(version), level, filters, lang)


@st.cache_data(show_spinner=False, max_entries=MAX)
def _district_need(version: DbVersion, filters: Filters, act: ActivityFilters, lang: str):
    return _refusable(activity.district_need, connection(version), filters, act, lang)


def district_need(version: DbVersion, filters: Filters, act: ActivityFilters, lang: str) -> pd.DataFrame:
    return _unless_refused(_district_need(version, filters, act, lang))


@st.cache_data(show_spinner=False, max_entries=16)
def members(version: DbVersion, lang: str) -> pd.DataFrame:
    return activity.members_by_type_and_field(connection(version), lang)


@st.cache_data(show_spinner=False, max_entries=MAX)
def directory(version: DbVersion, fields: tuple[int, ...], districts: tuple[int, ...], search: str,
              lang: str) -> pd.DataFrame:
    return activity.organisations_directory(connection(version), fields, districts, search, lang)


def directory_display(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The directory as people read it: labelled columns, no codes or coordinates."""
    from data import codebook as cb

    cols = {
        "name": cb.column_label("organisations", "name", lang),
        "org_type_label": cb.value_set_label("org_type", lang),
        "fields_label": cb.column_label("organisations", "fields", lang),
        "districts_label": cb.column_label("organisations", "districts", lang),
        "phone": cb.column_label("organisations", "phone", lang),
        "hours": cb.column_label("organisations", "hours", lang),
        "address": cb.column_label("organisations", "address", lang),
        "url": cb.column_label("organisations", "url", lang),
    }
    present = [c for c in cols if c in table.columns]
    out = table[present].astype("string").fillna("")
    return out.rename(columns=cols).reset_index(drop=True)


# ---- geography ----------------------------------------------------------------------------------

@st.cache_resource(show_spinner=False, max_entries=2)
def _districts(stamp: tuple) -> object:
    from geo.districts import load_districts

    return load_districts()


def districts():
    """The district polygons (imported file if present, else the schematic), reloaded when the
    files change."""
    from pathlib import Path

    import geo

    base = Path(geo.__file__).resolve().parent
    stamp = tuple(
        (str(p), p.stat().st_mtime_ns)
        for p in (base / "imported" / "districts.geojson", base / "schematic_districts.geojson")
        if p.exists()
    )
    return _districts(stamp)
