"""The one door from the dashboard to the query layer (queries/), for pages and slides alike.

Source runs every call on one DuckDB connection (the CLI's handouts, tests). CachedSource runs the
same calls through st.cache_data, keyed on the database version (path + mtime) and the call's
arguments, so a rebuilt database is picked up at once (pages, the presenter). Nothing here computes
an estimate, protects a count or lays a table out for reading: every call hands over to queries/.

Every query goes through Source.run(fn, *args), which calls fn(con, *args); the named methods
below are the calls the views make. A survey table the query layer refuses because the filters
leave too few respondents (queries.disclosure.FilterTooNarrow) is remembered as refused by the
cache too, and raised again on every call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from dashboard.db import DbVersion, connection
from data import marts
from queries import activity, directory, disclosure, indicators, need, profile, runner
from queries.filters import ActivityFilters, Filters

MAX = 256  # cached calls kept (least recently used dropped); a new database version is a new key


class Source:
    """The query layer on one DuckDB connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """fn(con, *args): a function of queries/ on this source's connection."""
        return fn(self.con, *args)

    @classmethod
    @contextmanager
    def of_file(cls, path: str | Path) -> Iterator[Source]:
        """A Source on its own read-only connection to the database file PATH, closed on leaving
        (データ管理 compares a version not yet published with the current one)."""
        con = runner.connect(path)
        try:
            yield cls(con)
        finally:
            con.close()

    # ---- the database ---------------------------------------------------------------------
    def waves(self) -> list[int]:
        return [int(w) for w in self.run(indicators.waves)]

    def latest_wave(self) -> int | None:
        return indicators.latest_wave(self.con)

    def missing_objects(self) -> list[str]:
        return self.run(marts.missing_objects)

    def import_log(self) -> pd.DataFrame:
        return self.run(runner.run, "import_log")

    def is_demo(self) -> bool:
        log = self.import_log()
        return bool(len(log)) and bool(log["is_demo"].astype(bool).any())

    # ---- the survey -----------------------------------------------------------------------
    def indicator_table(self, indicator: str, by: tuple[str, ...], filters: Filters) -> pd.DataFrame:
        """queries.indicators.indicator_table; raises FilterTooNarrow as it does."""
        return self.run(indicators.indicator_table, indicator, list(by), filters)

    def headline(self, filters: Filters) -> pd.DataFrame:
        return self.run(indicators.headline, filters)

    def national_comparison(self, filters: Filters, lang: str) -> pd.DataFrame:
        from queries import national

        return self.run(national.national_comparison, filters, lang)

    def respondent_profile(self, filters: Filters) -> pd.DataFrame:
        return self.run(profile.respondent_profile, filters)

    def trend(self, indicator: str, by: str | None, filters: Filters) -> pd.DataFrame:
        """queries.trend.trend_table (every wave; the wave filter does not apply); raises
        FilterTooNarrow as it does."""
        from queries import trend

        return self.run(trend.trend_table, indicator, by, filters)

    def national_series(self, indicator: str, by: str | None, lang: str) -> pd.DataFrame:
        """queries.trend.national_series: the national survey's years beside a trend."""
        return self.run(_national_series, indicator, by, lang)

    # ---- the support organisations' activity ------------------------------------------------
    def fiscal_years(self) -> list[int]:
        return self.run(activity.fiscal_years)

    def activity_months(self) -> list:
        return self.run(activity.months)

    def activity(self, period: str, measure: str, by: str | None, act: ActivityFilters, lang: str) -> pd.DataFrame:
        """activity_by_month (PERIOD month) or activity_by_fiscal_year (PERIOD fiscal_year)."""
        fn = activity.activity_by_month if period == "month" else activity.activity_by_fiscal_year
        return self.run(fn, measure, by, act, lang)

    def referrals(self, level: str, act: ActivityFilters, lang: str) -> pd.DataFrame:
        """queries.activity.referral_matrix; raises TooManyGroups as it does."""
        return self.run(activity.referral_matrix, level, act, lang)

    def need(self, filters: Filters, act: ActivityFilters, lang: str) -> pd.DataFrame:
        return self.run(need.district_need, filters, act, lang)

    def members(self, lang: str) -> pd.DataFrame:
        return self.run(directory.members_by_type_and_field, lang)

    def directory(self, fields: tuple[int, ...], districts: tuple[int, ...], search: str, lang: str) -> pd.DataFrame:
        return self.run(directory.organisations_directory, tuple(fields), tuple(districts), search, lang)

    def windows(self, lang: str) -> pd.DataFrame:
        """The consultation windows with a place, for the maps' dots (maps.window_points of the
        whole directory). Read-only: CachedSource hands every session the same frame."""
        from dashboard.maps import window_points

        return window_points(self.directory((), (), "", lang), lang)

    # ---- geography ------------------------------------------------------------------------
    def districts(self):
        """The district polygons (imported file if present, else the schematic)."""
        from geo.districts import load_districts

        return load_districts()


class CachedSource(Source):
    """The same calls, each cached with st.cache_data keyed on the database version."""

    def __init__(self, version: DbVersion, con: duckdb.DuckDBPyConnection | None = None):
        super().__init__(con if con is not None else connection(version))
        self.version = version

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        name = f"{fn.__module__}.{fn.__qualname__}"
        _QUERIES[name] = fn
        return _unless_refused(_cached_run(self.version, name, args))

    def windows(self, lang: str) -> pd.DataFrame:
        return _windows(self.version, lang)

    def districts(self):
        """The district polygons, reloaded when the files change."""
        import geo

        base = Path(geo.__file__).resolve().parent
        stamp = tuple(
            (str(p), p.stat().st_mtime_ns)
            for p in (base / "imported" / "districts.geojson", base / "schematic_districts.geojson")
            if p.exists()
        )
        return _districts(stamp)


def _national_series(con: duckdb.DuckDBPyConnection, indicator: str, by: str | None, lang: str) -> pd.DataFrame:
    """queries.trend.national_series through Source.run (the published file, not the database)."""
    from queries import trend

    return trend.national_series(indicator, by, lang)


# ---- the caches ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Refused:
    """A cached refusal: the filters left fewer than LIMIT respondents (FilterTooNarrow)."""

    limit: int


def _unless_refused(value):
    if isinstance(value, _Refused):
        raise disclosure.FilterTooNarrow(value.limit)
    return value


# The functions CachedSource.run was handed, by module and name: the cache is keyed on the name
# (a function is no cache key), and a function put in a query's place (a test's) is its own entry.
_QUERIES: dict[str, Callable[..., Any]] = {}


@st.cache_data(show_spinner=False, max_entries=MAX)
def _cached_run(version: DbVersion, name: str, args: tuple):
    """The query NAME (_QUERIES) on the connection of VERSION with ARGS, or its refusal
    (FilterTooNarrow) kept as _Refused."""
    fn = _QUERIES[name]
    try:
        return fn(connection(version), *args)
    except disclosure.FilterTooNarrow as exc:
        return _Refused(exc.limit)


@st.cache_resource(show_spinner=False, max_entries=4)
def _windows(version: DbVersion, lang: str) -> pd.DataFrame:
    """The windows' dots of one database version and language, one frame shared by every session
    and not copied: st.cache_data unpickles its copy at every read (about 35 ms a map page run for
    the directory of 4,730 organisations at a million responses)."""
    return Source(connection(version)).windows(lang)


@st.cache_resource(show_spinner=False, max_entries=2)
def _districts(stamp: tuple) -> object:
    from geo.districts import load_districts

    return load_districts()
