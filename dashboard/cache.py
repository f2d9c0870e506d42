"""Cached calls into the query layer.

Only small aggregates are cached (st.cache_data), keyed on the database version (path + mtime)
and the call's arguments, so a rebuilt database is picked up at once. Nothing here computes an
estimate or masks a count: every function hands over to queries/.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.db import DbVersion, connection
from queries import activity, indicators, national, runner
from queries.activity import ActivityFilters
from queries.filters import Filters

TTL = None  # entries live until the database version changes (a new key) or the LRU drops them
MAX = 256


@st.cache_data(show_spinner=False, max_entries=8)
def waves(version: DbVersion) -> list[int]:
    return [int(w) for w in indicators.waves(connection(version))]


@st.cache_data(show_spinner=False, max_entries=8)
def import_log(version: DbVersion) -> pd.DataFrame:
    return runner.run(connection(version), "import_log")


def is_demo(version: DbVersion) -> bool:
    log = import_log(version)
    return bool(len(log)) and bool(log["is_demo"].astype(bool).any())


@st.cache_data(show_spinner=False, max_entries=MAX)
def indicator_table(version: DbVersion, indicator: str, by: tuple[str, ...], filters: Filters) -> pd.DataFrame:
    return indicators.indicator_table(connection(version), indicator, list(by), filters)


@st.cache_data(show_spinner=False, max_entries=MAX)
def headline(version: DbVersion, filters: Filters) -> pd.DataFrame:
    return indicators.headline(connection(version), filters)


@st.cache_data(show_spinner=False, max_entries=MAX)
def national_comparison(version: DbVersion, filters: Filters, lang: str) -> pd.DataFrame:
    return national.national_comparison(connection(version), filters, lang)


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
def district_need(version: DbVersion, filters: Filters, act: ActivityFilters, lang: str) -> pd.DataFrame:
    return activity.district_need(connection(version), filters, act, lang)


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
    return table[present].rename(columns=cols).reset_index(drop=True)


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
