"""Every figure the members see went through the cell-key protection (issue 11, "Done when": every
page, CSV, the presenter and both handouts show only protected figures).

The method is a sentinel. queries.cellkey.perturb, the one function every released count passes
through, is replaced by one that releases every nonzero count as count + K (K = 10,000,000; a zero
stays 0). Streamlit's caches and the query layer's per-connection memo (queries.runner.remembered)
are cleared, so nothing computed before the patch is reused. Then every count that went through
the protection is at least K, every share or estimate computed from such counts is near 100 % (an
estimate becomes about Σwy/Σw ÷ n_y/n, the weighted over the unweighted share, 50 %–100 % on the
demo data), a rate per 1,000 residents is huge, and a number that bypassed the protection stays
small. The walk reads, with the sentinel on and on the session's demo database:

- every page of the dashboard (dashboard/app.py PAGES) in ja and en, with the default filters and
  with one single-code filter (district 3, with other page controls moved too): every table shown
  (st.dataframe), every CSV download, every chart's data (Vega-Lite datasets), the map's district
  properties, the cards' values and their "n = ";
- the presenter: every view slide of the 準備会 deck through presenter.slide.view_content (what the
  presenter page draws), as the deck has it and with one live filter;
- both handouts of that deck (handout.handout_bytes, PDF read back with pdftotext, PPTX with
  python-pptx);
- `python -m queries table` and `python -m queries activity` run in-process (queries.cli.main).

A number passes when it is 0, at least K (a count), a percentage at or above PCT_FLOOR (or about 0),
in a code, period or label column, or a public figure: sums of the population table (districts, age
bands, sex, the filter groups), shares of the population, the published national figures. Tables
that are lists of public facts (members by type and field, the directory, the import log, the
method's own tables) are recognised by being equal to what their builders make from the database,
and are not read further. Anything else is reported with where it was shown.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import subprocess
import weakref
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.media import download_of, record_downloads

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboard" / "app.py"
TIMEOUT = 120
LANGS = ("ja", "en")

K = 10_000_000  # what the sentinel adds to every nonzero count
PCT_FLOOR = 40.0  # under the sentinel a nonzero estimate is 50–100 % on the demo data
ZERO_PCT = 0.05  # a percentage shown as 0.0 (an interval's bound next to an estimate of 0)
NEFF_FLOOR = K / 10  # n_eff = n' / design effect
# An adjusted p-value of a group-vs-rest test (queries.estimate, Holm): under the sentinel every
# group has an effective size of millions, so a test of protected figures gives p ≈ 0 (any real
# difference is significant) or exactly 1 (both sides' estimates at 100%: nothing differs); a
# p-value of true counts (a few hundred respondents) would fall in between.
P_EXTREME = 0.0005

# One single-code filter for the second walk, with page controls that show other tables too
# (a two-way indicator table, activity by field, referrals by organisation).
FILTERED = {"district": "3", "by": "sex", "by2": "household", "act_by": "field", "ref_level": "org"}
WALKS = {"default": {}, "district3": FILTERED}

NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
# A cell of figures (after the marks are taken out): numbers, %, ranges (〜, –), brackets, nothing
# else; a label such as 16〜19歳, 2024年4月, 16-19 or 80+ is not one.
FIGURES = re.compile(r"^[\s\d.,%〜～–()（）*]*$")
YEARISH = re.compile(r"年|year|wave", re.IGNORECASE)
# Raw columns (chart data, query frames) holding codes, periods or positions, not figures.
CODE_COLUMNS = {
    "age_band",
    "sex",
    "district",
    "household",
    "channel",
    "wave",
    "confidant",
    "field",
    "org_type",
    "org",
    "org_id",
    "from",
    "to",
    "code",
    "month",
    "fiscal_year",
    "year",
    "national_year",
    "dimension",
    "i",
    "lon",
    "lat",
    "position",
    "fill",
    "colour",
    "line_width",  # the map's outline (2, or 5 for a district that differs significantly): a style
    "line_w",
    "key",  # the map's disc number ①–⑥ of a district (its code), not a figure
    "line",  # the static map's key list: the line's position in the list
}


def _p_headers() -> set[str]:
    """The adjusted p-value's column in the query frames and both languages' tables (queries.export)."""
    from dashboard import tables
    from queries import export

    return {
        "p_adjusted",
        export.EN_HEADERS["p_adjusted"],
        export.JA_HEADERS["p_adjusted"],
        tables.EN_SCREEN_HEADERS["p_adjusted"],  # the English page's header
    }


P_HEADERS = _p_headers()


def _change_headers() -> dict[str, str]:
    """The trend tables' change columns (queries.trend) in both languages: header → prev | first |
    low | high (a bound of the change's interval), and their estimate columns."""
    from dashboard import tables
    from queries import trend

    out = {}
    for h in (trend.EN_HEADERS, trend.JA_HEADERS, tables.EN_SCREEN_HEADERS):
        out[h["change_prev_pct"]] = "prev"
        out[h["change_prev_low_pct"]] = "bound"
        out[h["change_prev_high_pct"]] = "bound"
    for d, lo, hi, _ in trend.FIRST_HEADERS.values():
        out[d] = "first"
        out[lo] = out[hi] = "bound"
    screen = tables.EN_SCREEN_HEADERS
    out[screen["change_first_pct"]] = "first"
    return out


CHANGE_HEADERS = _change_headers()
# A change between waves is a difference of two protected estimates: under the sentinel both are
# read to one decimal (0.05 each) and the change is rounded again; its interval, from intervals of
# effective sizes in the millions, is the change itself.
CHANGE_TOL = 0.16
CHANGE_BOUND_TOL = 0.25


def sentinel_perturb(counts, key_sums, table: str) -> np.ndarray:
    """queries.cellkey.perturb's signature: every nonzero count released as count + K."""
    from queries import cellkey

    cellkey.ptable(table)  # an unknown table still fails as it does
    whole = np.rint(np.asarray(counts, dtype=np.float64)).astype(np.int64)
    np.broadcast_shapes(whole.shape, np.shape(key_sums))
    return np.where(whole > 0, whole + K, 0).astype(np.int64)


@pytest.fixture
def sentinel(app_env, monkeypatch):
    """The sentinel on, caches cleared before and after (nothing of it is left for other tests)."""
    from queries import cellkey, runner

    monkeypatch.setattr(cellkey, "perturb", sentinel_perturb)
    monkeypatch.setattr(runner, "_REMEMBERED", weakref.WeakKeyDictionary())  # remembered(): empty
    st.cache_data.clear()
    yield app_env
    st.cache_data.clear()  # while the sentinel is still on: nothing computed under it stays cached


@pytest.fixture
def files(monkeypatch) -> dict[str, tuple[bytes, str]]:
    """Every file a run hands to Streamlit's media storage or defers to the click (downloads):
    id -> (bytes, file name)."""
    return record_downloads(monkeypatch)


# ---- what is public -------------------------------------------------------------------------------


def _cells(df: pd.DataFrame) -> list[list[str]]:
    """A table as text, header first: how two tables are compared."""

    def text(v) -> str:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return ""
        return str(v)

    return [[str(c) for c in df.columns]] + [[text(v) for v in row] for row in df.itertuples(index=False)]


@dataclass
class Public:
    """Public figures of the database and the lists of public facts the pages show."""

    ints: set[int]
    pcts: np.ndarray
    tables: list[list[list[str]]] = field(default_factory=list)  # _cells of public tables
    csvs: set[bytes] = field(default_factory=set)
    members: dict[str, list[list[str]]] = field(default_factory=dict)

    def is_public_table(self, df: pd.DataFrame) -> bool:
        return _cells(df) in self.tables


def public_figures(db: Path) -> Public:
    """Built from the database and the codebook, never typed in: the population table's sums by
    district, age band and sex (each code, the filter groups, all) at each as_of and their shares,
    the published national figures; and the public lists (members, directory, import log, the
    method's tables) as their builders make them."""
    from dashboard import csv_layouts, tables
    from dashboard.views import methods
    from data import codebook as cb
    from queries import directory as qd, export, national, runner

    con = runner.connect(db)
    try:
        pop = con.execute("SELECT as_of, district, age_band, sex, population FROM population").df()
        ints: set[int] = set()
        pcts: list[float] = []
        choices = {}
        for dim in ("district", "age_band", "sex"):
            codes = sorted(int(c) for c in pop[dim].unique())
            choices[dim] = [None] + [(c,) for c in codes] + [tuple(g["codes"]) for g in cb.filter_groups(dim).values()]
        for _, part in pop.groupby("as_of"):
            for d, a, s in itertools.product(choices["district"], choices["age_band"], choices["sex"]):
                keep = np.ones(len(part), dtype=bool)
                for dim, chosen in (("district", d), ("age_band", a), ("sex", s)):
                    if chosen is not None:
                        keep &= part[dim].isin(chosen).to_numpy()
                ints.add(int(part.loc[keep, "population"].sum()))
            total = float(part["population"].sum())
            for dim in ("district", "age_band", "sex"):
                pcts += list(100.0 * part.groupby(dim)["population"].sum().to_numpy() / total)
        pcts += [float(v) for v in national.national_figures()["value_pct"]]
        ints.discard(0)

        public = Public(ints=ints, pcts=np.array(sorted(set(pcts))))
        log = runner.run(con, "import_log")
        for lang in LANGS:
            members = tables.wide_table(
                qd.members_by_type_and_field(con, lang), lang, cb.value_set_label("org_type", lang)
            )
            directory = tables.directory_table(qd.organisations_directory(con, (), (), "", lang), lang)
            lists = [
                members,
                directory,
                tables.import_log_table(log, lang),
                methods.indicator_definitions(lang),
                methods.ptable_settings(lang),
                methods.cost_table(lang),
            ]
            public.members[lang] = _cells(members)
            public.tables += [_cells(df) for df in lists]
            # the members' CSV: one row per type and field, counts as numbers (dashboard.csv_layouts)
            member_rows = csv_layouts.counts_csv(
                qd.members_by_type_and_field(con, lang),
                lang,
                cb.value_set_label("org_type", lang),
                cb.value_set_label("field", lang),
                "members",
            )
            for df in [*lists, member_rows]:
                for encoding in export.ENCODINGS:
                    public.csvs.add(export.csv_bytes(df, encoding=encoding)[0])
        return public
    finally:
        con.close()


@pytest.fixture(scope="module")
def public(demo_db) -> Public:
    return public_figures(demo_db)


# ---- the rules --------------------------------------------------------------------------------------


def _labels() -> tuple[list[str], set[str], set[str], set[str]]:
    """Marks to take out of a cell before reading its numbers (longest first), and the headers of
    the residents estimate (derived from an estimate and the population), of the population, of
    code and period columns."""
    from dashboard.i18n import t
    from data import codebook as cb

    marks = {v for spec in cb.estimation()["labels"].values() for v in spec.values()}
    marks |= {"—", "秘匿", "true", "false", "ok", "low"}
    residents = {
        t(key, lang)
        for lang in LANGS
        for key in ("activity.residents_lonely", "csv.residents_est", "csv.residents_low", "csv.residents_high")
    }
    population = {t("overview.population", lang) for lang in LANGS}
    codes = set(CODE_COLUMNS)
    return sorted(marks, key=len, reverse=True), residents, population, codes


class Walk:
    """Collects every number shown that is neither protected nor public."""

    def __init__(self, public: Public):
        self.public = public
        self.marks, self.residents, self.population, self.code_headers = _labels()
        self.problems: list[str] = []
        self.protected = 0  # counts seen at or above K
        self.read = 0  # numbers read

    # one number
    def count(self, value: int, where: str) -> None:
        self.read += 1
        if value == 0 or value in self.public.ints:
            return
        if value >= K:
            self.protected += 1
            return
        self.problems.append(f"{where}: count {value:,} did not go through cellkey (< {K:,}, not public)")

    def pct(self, value: float, where: str, tol: float) -> None:
        self.read += 1
        if value < ZERO_PCT or value >= PCT_FLOOR:
            return
        if self.public.pcts.size and np.abs(self.public.pcts - value).min() <= tol:
            return
        self.problems.append(
            f"{where}: percentage/rate {value} is not one of protected counts "
            f"(under the sentinel: 0 or ≥ {PCT_FLOOR}; not a public share)"
        )

    def p_value(self, value: float, where: str) -> None:
        """An adjusted p-value: of protected figures under the sentinel, 0 or 1 (P_EXTREME)."""
        self.read += 1
        if not (value <= P_EXTREME or value >= 1 - P_EXTREME):
            self.problems.append(f"{where}: p-value {value} is not of protected figures (under the sentinel: 0 or 1)")

    def derived(self, value: float, population: float | None, where: str) -> None:
        """Residents estimated = estimate × population: under the sentinel between PCT_FLOOR % and
        100 % of the (public) population of the row."""
        self.read += 1
        if value == 0:
            return
        if population is None or not (PCT_FLOOR / 100 * population - 10 <= value <= population + 10):
            self.problems.append(
                f"{where}: residents {value:,.0f} are not an estimate of protected counts × population {population}"
            )

    # one cell of a table as shown (text or a typed value)
    def cell(self, value, header: str, where: str, population: float | None = None) -> None:
        if value is None or value is pd.NA or isinstance(value, (bool, np.bool_)):
            return
        if header in self.code_headers or header in CHANGE_HEADERS:
            return  # a change between waves is checked against its table's estimates (changes)
        if header in P_HEADERS:
            if str(value).strip():
                self.p_value(float(value), where)
            return
        if isinstance(value, (int, np.integer)):
            if YEARISH.search(header) and 1990 <= int(value) <= 2100:
                return  # a year (調査年 of the press-reported figures on データと方法)
            self.count(int(value), where)
            return
        if isinstance(value, (float, np.floating)):
            if not np.isnan(value):
                self.pct(float(value), where, 1e-6)
            return
        if isinstance(value, (pd.Timestamp, np.datetime64)):
            return
        text = str(value)
        for mark in self.marks:
            text = text.replace(mark, " ")
        if not FIGURES.match(text):
            return  # a label (16〜19歳, 2024年4月, a source): not a figure
        for token in NUMBER.findall(text):
            number = token.replace(",", "")
            spot = f"{where} {token!r}"
            if header in self.residents or header.startswith("residents"):
                self.derived(float(number), population, spot)
            elif "." in number:
                self.pct(float(number), spot, 0.051)
            elif YEARISH.search(header) and 1990 <= int(number) <= 2100:
                continue  # a year
            else:
                self.count(int(number), spot)

    # a table as shown: header and rows of cells
    def table(self, header: list[str], rows: list[list], where: str) -> None:
        pop_col = next((i for i, h in enumerate(header) if h in self.population), None)
        for r, row in enumerate(rows):
            population = None
            if pop_col is not None and pop_col < len(row):
                text = str(row[pop_col]).replace(",", "")
                population = float(text) if text.replace(".", "").isdigit() else None
            for h, value in zip(header, row):
                self.cell(value, str(h), f"{where} row {r + 1} [{h}]", population)
        if any(str(h) in CHANGE_HEADERS for h in header):
            self.changes([str(h) for h in header], rows, where)

    def changes(self, header: list[str], rows: list[list], where: str) -> None:
        """A trend table's changes: each the difference of the table's protected estimates (the
        group's previous row, or its first wave: the first-wave estimate column where the table has
        one), its interval's bounds about the change itself (under the sentinel)."""
        from dashboard import tables
        from queries import trend

        screen = tables.EN_SCREEN_HEADERS

        def col(*names):
            return next((header.index(n) for n in names if n in header), None)

        est = col(trend.JA_HEADERS["estimate_pct"], trend.EN_HEADERS["estimate_pct"], screen["estimate_pct"])
        wave = col(trend.JA_HEADERS["wave"], trend.EN_HEADERS["wave"], screen["wave"])
        first_est = col(*trend.FIRST_ESTIMATE.values(), screen["first_estimate_pct"])
        assert est is not None and wave is not None, f"{where}: a change without its estimates"

        def number(v):
            text = str(v).strip() if v is not None and v is not pd.NA else ""
            return None if text in ("", "nan", "<NA>", "None") else float(text)

        group_of = (lambda row: row[0]) if wave != 0 else (lambda row: None)
        first_row: dict = {}
        previous: dict = {}
        for r, row in enumerate(rows):
            g = group_of(row)
            here = number(row[est])
            first_row.setdefault(g, here)
            change = None
            for i, h in enumerate(header):
                kind = CHANGE_HEADERS.get(h)
                value = None if kind is None else number(row[i])
                if value is None:
                    continue
                spot = f"{where} row {r + 1} [{h}] {value}"
                self.read += 1
                if kind in ("prev", "first"):
                    ref = previous.get(g) if kind == "prev" else (number(row[first_est]) if first_est else first_row[g])
                    change = value
                    if here is None or ref is None or abs(value - (here - ref)) > CHANGE_TOL:
                        self.problems.append(f"{spot}: not the difference of the protected estimates {here} − {ref}")
                elif change is None or abs(value - change) > CHANGE_BOUND_TOL:
                    self.problems.append(f"{spot}: a bound of the change {change} not of protected figures")
            previous[g] = here

    def shown(self, df: pd.DataFrame, where: str) -> bool:
        """A table shown or handed out; False when it is a public list (not read)."""
        if self.public.is_public_table(df):
            return False
        self.table([str(c) for c in df.columns], [list(row) for row in df.itertuples(index=False)], where)
        return True

    def csv(self, data: bytes, where: str) -> bool:
        """A CSV download (UTF-8 with BOM); False when it is a public list."""
        if data in self.public.csvs:
            return False
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        assert rows, where
        header, body = rows[0], [r for r in rows[1:] if len(r) > 1]
        assert body, f"{where}: no rows"
        self.table(header, body, where)
        return True

    # data of a chart or a query frame: raw column names
    def frame(self, df: pd.DataFrame, where: str) -> None:
        pops = (
            pd.to_numeric(df["population"], errors="coerce").astype("float64").tolist()
            if "population" in df.columns
            else [None] * len(df)
        )
        for col in df.columns:
            name = str(col)
            if name in CODE_COLUMNS:
                continue
            series = df[col]
            spot = f"{where} [{name}]"
            if pd.api.types.is_bool_dtype(series):
                continue
            if pd.api.types.is_numeric_dtype(series):
                values = pd.to_numeric(series, errors="coerce").astype("float64")
                integral = bool(np.all(np.mod(values.dropna(), 1) == 0))
                for i, v in enumerate(values):
                    if np.isnan(v):
                        continue
                    if name.startswith("residents"):
                        self.derived(v, None if pops[i] is None or np.isnan(pops[i]) else pops[i], spot)
                    elif name == "population":
                        self.count(int(v), spot)  # public: must be a sum of the population table
                    elif name in P_HEADERS:
                        self.p_value(float(v), spot)
                    elif name == "n_eff":
                        self.read += 1
                        if not (v == 0 or v >= NEFF_FLOOR):
                            self.problems.append(f"{spot}: n_eff {v} not of protected sums")
                    elif pd.api.types.is_integer_dtype(series) or (integral and values.max() > 100):
                        self.count(int(v), spot)
                    else:
                        self.pct(float(v), spot, 1e-6)
            else:
                for i, v in enumerate(series.tolist()):
                    if isinstance(v, (dict, list, tuple)):
                        continue
                    self.cell(v, name, spot, pops[i])

    def records(self, values, where: str) -> None:
        """Inline chart data: a list of records (GeoJSON features: their properties)."""
        rows = [v.get("properties", v) if isinstance(v, dict) else None for v in values]
        # not the map legend's stops (maps.district_map_chart): ticks of the colour
        # ramp spaced evenly between the smallest and the largest estimate shown
        rows = [r for r in rows if isinstance(r, dict) and "colour" not in r]
        if rows:
            self.frame(pd.DataFrame(rows), where)

    def spec(self, spec: dict, where: str) -> None:
        """Every dataset and inline data of a Vega-Lite spec."""
        for values in (spec.get("datasets") or {}).values():
            if isinstance(values, list):
                self.records(values, f"{where} dataset")

        def walk(node):
            if isinstance(node, dict):
                data = node.get("data")
                if isinstance(data, dict) and isinstance(data.get("values"), list):
                    self.records(data["values"], f"{where} inline")
                for k, v in node.items():
                    if k != "datasets":
                        walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        walk(spec)

    def free_text(self, text: str, allowed: set[str], where: str) -> None:
        """Text of a handout page: a number is a figure of its tables (checked as tables), the text
        of the deck and the notes (ALLOWED), or a protected or public count."""
        for token in NUMBER.findall(text):
            if token in allowed or token.replace(",", "") in allowed:
                continue
            number = token.replace(",", "")
            if "." in number:
                self.pct(float(number), f"{where} {token!r}", 0.051)
            else:
                self.count(int(number), f"{where} {token!r}")

    def assert_clean(self, what: str, min_protected: int = 1) -> None:
        assert not self.problems, (
            f"{len(self.problems)} figure(s) of {what} bypassed the protection:\n  " + "\n  ".join(self.problems[:40])
        )
        assert self.protected >= min_protected, (
            f"{what}: only {self.protected} protected counts seen (of {self.read} numbers): the walk read nothing?"
        )


# ---- 1. the pages ----------------------------------------------------------------------------------


def _vega_frames(at: AppTest):
    import pyarrow as pa

    for i, chart in enumerate(at.get("vega_lite_chart")):
        proto = chart.proto
        for ds in proto.datasets:
            if ds.data.data:
                yield i, pa.ipc.open_stream(ds.data.data).read_all().to_pandas(), None
        if proto.spec:
            yield i, None, json.loads(proto.spec)


def _deck_layers(at: AppTest):
    for chart in at.get("deck_gl_json_chart"):
        yield from json.loads(chart.proto.json).get("layers", [])


def _downloads(at: AppTest, files: dict) -> dict[str, tuple[bytes, str]]:
    out = {}
    for button in at.get("download_button"):
        key = "dl_" + button.proto.id.rsplit("-dl_", 1)[1]
        out[key] = download_of(button, files)
    return out


def walk_page(walk: Walk, page: str, params: dict, lang: str, files: dict) -> dict[str, int]:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update({**params, "lang": lang})
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, "\n".join(str(e.value) for e in at.exception)
    where = f"{page} ({lang}, {params or 'default filters'})"
    seen = {"tables": 0, "csv": 0, "charts": 0}
    for i, df in enumerate(at.dataframe):
        seen["tables"] += walk.shown(df.value, f"{where} table {i + 1}")
    for key, (data, name) in _downloads(at, files).items():
        seen["csv"] += walk.csv(data, f"{where} download {key} ({name})")
    for i, frame, spec in _vega_frames(at):
        seen["charts"] += 1
        if frame is not None:
            walk.frame(frame, f"{where} chart {i + 1}")
        else:
            walk.spec(spec, f"{where} chart {i + 1}")
    for layer in _deck_layers(at):
        kind = layer.get("@@type")
        data = layer.get("data")
        if kind == "GeoJsonLayer":
            walk.records(data["features"], f"{where} map districts")
        elif kind == "TextLayer":
            for r in data:
                walk.cell(str(r["text"]).removeprefix(str(r["name"])), "estimate", f"{where} map label {r['name']}")
        # ScatterplotLayer: the consultation windows of the directory (public)
    for metric in at.metric:
        walk.cell(metric.value, "estimate", f"{where} card {metric.label}")
    for caption in at.caption:
        for n in re.findall(r"n = ([\d,]+)", str(caption.value)):
            walk.count(int(n.replace(",", "")), f"{where} caption 'n = {n}'")
    return seen


@pytest.mark.parametrize("walk_name", list(WALKS))
@pytest.mark.parametrize("lang", LANGS)
def test_every_page_table_csv_and_chart_shows_only_protected_figures(sentinel, files, public, lang, walk_name):
    from dashboard.app import PAGES

    walk = Walk(public)
    totals = {"tables": 0, "csv": 0, "charts": 0}
    for file, *_ in PAGES:
        seen = walk_page(walk, f"views/{file}", WALKS[walk_name], lang, files)
        for k in totals:
            totals[k] += seen[k]
    walk.assert_clean(f"the pages ({lang}, {walk_name})", min_protected=200)
    # statistics tables and downloads were read on the survey and activity pages, not only lists
    assert totals["tables"] >= 8 and totals["csv"] >= 8 and totals["charts"] >= 10, totals


# ---- 2. the presenter and the handouts -----------------------------------------------------------


def _deck():
    from dashboard.presenter import deck as dk

    return dk.load_deck("junbikai")


def _views(deck):
    """(slide number, view) of every view slide, as the deck has it and with one live filter (the
    presenter's first live dimension set to its first code)."""
    from dashboard.content import KINDS
    from queries.filters import filter_choices

    for number, slide in enumerate(deck.slides, 1):
        if slide.view is None:
            continue
        yield number, slide.view
        dims = KINDS[slide.view.kind].live
        if dims:
            codes = filter_choices(dims[0])[0]
            yield number, slide.view.with_filters(replace(slide.view.filters, **{dims[0]: codes}))


def check_content(walk: Walk, content, kind: str, lang: str, where: str) -> None:
    if kind == "directory":
        assert content.chart is None
        return  # a list of organisations: names, phones, hours (public)
    if kind == "members":
        assert _cells(content.table) == walk.public.members[lang], where  # public, as the page's
        return
    assert not content.refused, f"{where}: refused under the sentinel: {content.refused}"
    assert content.table is not None and len(content.table), where
    walk.shown(content.table, f"{where} table")
    if content.cards is not None:
        walk.frame(content.cards, f"{where} cards")
    if content.chart is not None:
        walk.spec(content.chart.to_dict(validate=False), f"{where} chart")


@pytest.mark.parametrize("lang", LANGS)
def test_presenter_slides_show_only_protected_figures(sentinel, public, lang):
    """What the presenter page draws for each view slide: presenter.slide.view_content on the
    dashboard's cached source (CachedSource), live filters included."""
    from dashboard.db import connection, db_version
    from dashboard.presenter import slide as ct
    from dashboard.source import CachedSource

    version = db_version(sentinel)
    source = CachedSource(version, connection(version))
    walk = Walk(public)
    kinds = set()
    for number, view in _views(_deck()):
        content = ct.view_content(source, view, lang)
        kinds.add(view.kind)
        check_content(
            walk,
            content,
            view.kind,
            lang,
            f"presenter slide {number} ({view.kind}, {lang}, {view.filters.to_query_params()})",
        )
    from dashboard.content import View
    from queries.filters import Filters

    for by in ((), ("district",), ("household",)):  # the trend kind (no trend slide in the shipped deck)
        for filters in (Filters(), Filters(sex=(2,))):
            view = View(kind="trend", indicator="lonely_sometimes_plus", by=by, filters=filters)
            content = ct.view_content(source, view, lang)
            kinds.add(view.kind)
            check_content(walk, content, "trend", lang, f"presenter trend {by} ({lang}, {filters.to_query_params()})")
    assert {"cards", "bar", "map", "need", "activity", "referrals", "members", "trend"} <= kinds, kinds
    walk.assert_clean(f"the presenter ({lang})", min_protected=50)


def _pptx_pages(data: bytes) -> list[dict]:
    """Per slide: its tables (header, rows) and its other text (text boxes, notes)."""
    from pptx import Presentation

    out = []
    for slide in Presentation(io.BytesIO(data)).slides:
        tables, texts = [], []
        for shape in slide.shapes:
            if shape.has_table:
                rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
                tables.append((rows[0], rows[1:]))
            elif shape.has_text_frame:
                texts.append(shape.text_frame.text)
            elif shape.has_chart:  # a native chart: its values as a table (category, each series)
                plot = shape.chart.plots[0]
                header = ["", *(series.name for series in plot.series)]
                values = [list(series.values) for series in plot.series]
                rows = [
                    [str(category), *("" if v[k] is None else f"{v[k]:g}" for v in values)]
                    for k, category in enumerate(plot.categories)
                ]
                tables.append((header, rows))
        if slide.has_notes_slide:
            texts.append(slide.notes_slide.notes_text_frame.text)
        out.append({"tables": tables, "text": "\n".join(texts)})
    return out


def _pdf_pages(path: Path) -> list[str]:
    """The PDF's text per page, in the order it was written (pdftotext -raw), a number that a
    narrow cell wrapped onto two lines joined again (a sentinel count is 8 digits or more)."""
    done = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=60
    )
    pages = done.stdout.decode("utf-8").split("\f")
    fragment = re.compile(r"^[\d,]+$")
    out = []
    for page in pages:
        lines = page.splitlines()
        joined: list[str] = []
        for line in lines:
            s = line.strip()
            if (
                joined
                and fragment.match(s)
                and fragment.match(joined[-1].strip())
                and int(joined[-1].replace(",", "")) < K <= int((joined[-1].strip() + s).replace(",", ""))
            ):
                joined[-1] = joined[-1].strip() + s
            else:
                joined.append(line)
        out.append("\n".join(joined))
    return [p for p in out if p.strip()]


def _fold_continued(pages: list, lang: str) -> list:
    """Pages of a handout with each continuation page (a table's rest: its heading and page number
    end in （続き）) joined to the page before it: one entry per deck slide."""
    from dashboard.presenter.strings import ps

    mark = ps("handout.continued", lang)
    out: list = []
    for page in pages:
        text = page["text"] if isinstance(page, dict) else page
        if out and mark in text:
            if isinstance(page, dict):
                out[-1] = {"tables": out[-1]["tables"] + page["tables"], "text": out[-1]["text"] + "\n" + text}
            else:
                out[-1] = out[-1] + "\n" + text
        else:
            out.append(page)
    return out


def _text_tokens(*texts: str) -> set[str]:
    return {tok for text in texts if text for tok in NUMBER.findall(str(text))}


def handout_text_numbers(deck, contents: dict, lang: str, facts) -> dict[int, set[str]]:
    """Per page number, the numbers the handout prints that are text, not figures: the deck's
    headings, texts, captions, notes and date, the content's notes, sources and filters, the
    footer (the disclosure rule, the data's date), the page counter, the labels and headers of its
    tables and how many rows were left out."""
    from dashboard.i18n import t
    from dashboard.presenter import handout
    from dashboard.presenter.strings import ps

    common = _text_tokens(
        deck.title,
        deck.date,
        deck.subtitle,
        deck.organiser,
        handout.footer_text(facts, lang),
        facts.as_of_text(lang),
        ps("demo.short", lang),
    )
    out = {}
    for number, slide in enumerate(deck.slides, 1):
        allowed = set(common) | _text_tokens(
            slide.heading, slide.text, slide.caption, slide.notes, f"{number} / {len(deck)}"
        )
        content = contents.get(number)
        if content is not None:
            allowed |= _text_tokens(
                content.refused,
                content.notice,
                content.filters_text,
                *content.notes,
                *content.sources,
                ps("handout.sources", lang),
                ps("handout.notes", lang),
            )
            table = content.table
            if table is not None and len(table):
                allowed |= _text_tokens(*map(str, table.columns))
                allowed |= {str(n) for n in range(len(table) + 1)}  # "… more rows"
                residents = {t("activity.residents_lonely", lang)}
                for row in table.itertuples(index=False):
                    for h, v in zip(table.columns, row):
                        # labels, the residents estimates and the adjusted p-values (checked in
                        # the table itself, see Walk.derived and Walk.p_value: not counts)
                        if not FIGURES.match(str(v)) or h in residents or h in P_HEADERS:
                            allowed |= _text_tokens(str(v))
            if slide.view is not None and slide.view.kind in ("members", "directory"):
                allowed |= _text_tokens(*(str(v) for row in table.itertuples(index=False) for v in row))
        out[number] = allowed
    return out


def test_handouts_pdf_and_pptx_show_only_protected_figures(sentinel, public, tmp_path):
    """Both handouts of the 準備会 deck as `python -m dashboard handout` makes them (handout_bytes on a
    Source), read back: the PPTX's tables cell by cell, every other number of the PPTX and of
    the PDF's text a protected or public count or text of the deck."""
    from dashboard.presenter import handout, slide as ct
    from dashboard.source import Source
    from queries import runner

    deck = _deck()
    lang = deck.lang
    con = runner.connect(sentinel)
    try:
        source = Source(con)
        facts = ct.data_facts(source)
        contents = {n: ct.view_content(source, s.view, lang) for n, s in enumerate(deck.slides, 1) if s.view}
        pptx = handout.handout_bytes(deck, source, lang, "pptx")
        pdf = handout.handout_bytes(deck, source, lang, "pdf")
    finally:
        con.close()
    allowed = handout_text_numbers(deck, contents, lang, facts)

    walk = Walk(public)
    for number, content in contents.items():  # the tables the pages print, whole
        check_content(walk, content, deck.slides[number - 1].view.kind, lang, f"handout slide {number}")
    walk.assert_clean("the handouts' contents", min_protected=50)

    walk = Walk(public)
    pages = _fold_continued(_pptx_pages(pptx), lang)
    assert len(pages) == len(deck)
    for number, (page, slide) in enumerate(zip(pages, deck.slides), 1):
        where = f"handout.pptx page {number} ({slide.heading})"
        kind = slide.view.kind if slide.view else None
        residents = _labels()[1]
        shown = " ".join(c.replace(",", "") for header, rows in page["tables"] for row in rows for c in row)
        for header, rows in page["tables"]:
            if header and header[0] == "" and any(h in residents for h in header):
                # a native chart's estimated residents: the table's own figures (checked there
                # with their population), never others
                cols = [k for k, h in enumerate(header) if h in residents]
                for row in rows:
                    for k in cols:
                        assert not row[k] or f"{float(row[k]):.0f}" in shown, f"{where} chart {row}"
                header = [h for k, h in enumerate(header) if k not in cols]
                rows = [[c for k, c in enumerate(row) if k not in cols] for row in rows]
            if kind == "members":  # public; as many rows as fit on the slide
                assert [header, *rows] == public.members[lang][: len(rows) + 1], where
            elif kind != "directory":
                walk.table(header, rows, f"{where} table")
        walk.free_text(page["text"], allowed[number], f"{where} text")
    walk.assert_clean("the PPTX handout", min_protected=50)

    path = tmp_path / "handout.pdf"
    path.write_bytes(pdf)
    walk = Walk(public)
    texts = _fold_continued(_pdf_pages(path), lang)
    assert len(texts) == len(deck)
    for number, (text, slide) in enumerate(zip(texts, deck.slides), 1):
        kind = slide.view.kind if slide.view else None
        if kind == "directory":
            continue  # phone numbers and hours of the directory (public)
        walk.free_text(text, allowed[number], f"handout.pdf page {number} ({slide.heading})")
    walk.assert_clean("the PDF handout", min_protected=50)


def test_summary_and_leaflet_show_only_protected_figures(sentinel, public, tmp_path):
    """概要 1枚 (dashboard.printouts.summary) as the page and `python -m dashboard summary` make it,
    read back with pdftotext: every number a protected or public figure, or text (labels, dates,
    the legend's rule). The residents' leaflet prints no figure: every number in it is the
    directory's (phone numbers, hours) or its own text (dates, 119/110)."""
    from dashboard import data_dates
    from dashboard.i18n import t
    from dashboard.printouts import leaflet, summary
    from dashboard.source import Source
    from data import codebook as cb
    from queries import activity as qa, directory as qd, disclosure, runner
    from queries.filters import Filters, wave_label

    con = runner.connect(sentinel)
    try:
        source = Source(con)
        walk = Walk(public)
        for lang in LANGS:
            s = summary.gather(source, Filters(), lang)
            path = tmp_path / f"summary_{lang}.pdf"
            path.write_bytes(summary.build_pdf(s))
            (text,) = _pdf_pages(path)
            # the numbers that are text: labels, the legend, dates, the made time, fiscal years
            words = [
                *(str(v) for v in s.profile["label"]),
                *(cb.indicator(i).short[lang] for i in cb.indicators()),
                *(str(v) for f in s.activity.values() for v in f["fiscal_year_label"]),
                t("summary.marks", lang, suppressed="", low="", min_n=disclosure.min_n()),
                t("summary.sources", lang),
                t("activity.small_note", lang),
                t("overview.population", lang),
                wave_label(s.wave, lang),
                *(qa.month_label(m, lang) for m in s.months),
                *(text for row in s.dates for text in row),
                data_dates.jst_text(s.built_at, lang),
                data_dates.jst_text(s.made_at, lang),
                *(f"{int(r['national_year'])}" for r in s.national.values()),
                disclosure.notice(lang),
            ]
            walk.free_text(text, _text_tokens(*words), f"summary.pdf ({lang})")
        walk.assert_clean("the one-page summary", min_protected=20)

        for lang in LANGS:
            path = tmp_path / f"leaflet_{lang}.pdf"
            path.write_bytes(leaflet.leaflet_pdf(source, lang))
            text = "\n".join(_pdf_pages(path))
            directory = qd.organisations_directory(con, (), (), "", lang)
            allowed = _text_tokens(
                *(str(v) for col in ("name", "phone", "hours") for v in directory[col].dropna()),
                t("leaflet.emergency", lang),
                t(
                    "leaflet.footer",
                    lang,
                    date=f"{pd.Timestamp(runner.run(con, 'import_log')['built_at'].max()):%Y-%m-%d}",
                ),
                t("leaflet.lead", lang),
            )
            stray = [tok for tok in NUMBER.findall(text) if tok not in allowed]
            assert not stray, f"leaflet ({lang}) prints numbers that are not the directory's: {stray[:20]}"
    finally:
        con.close()


# ---- 3. the command line ---------------------------------------------------------------------------


def run_cli(argv: list[str], monkeypatch) -> bytes:
    import sys

    from queries import cli

    out = io.BytesIO()
    err = io.StringIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8")
    with monkeypatch.context() as m:
        m.setattr(sys, "stdout", stdout)
        m.setattr(sys, "stderr", err)
        code = cli.main(argv)
    stdout.flush()
    stdout.detach()  # leave OUT open
    assert code == 0, (argv, err.getvalue())
    return out.getvalue()


def test_cli_table_and_activity_write_only_protected_figures(sentinel, public, monkeypatch):
    from data import codebook as cb
    from queries import activity

    db = str(sentinel)
    walk = Walk(public)
    calls = []
    for ind in cb.indicators():
        for by in ([], ["age_band"], ["district"], ["sex", "household"]):
            calls.append(["table", ind, *[a for d in by for a in ("--by", d)]])
    for ind in ("lonely_often", "lonely_sometimes_plus", "no_confidant"):
        for by in ([], ["--by", "district"], ["--by", "age_band"], ["--by", "household"]):
            calls.append(["trend", ind, *by])
    calls += [
        ["trend", "lonely_any", "--by", "sex", "--where", "district=3", "--lang", "en"],
        ["trend", "lonely_any", "--channel", "open", "--by", "age_band"],
    ]
    calls += [
        ["table", "lonely_often", "--by", "age_band", "--where", "district=3", "--lang", "en"],
        ["table", "lonely_often", "--by", "district", "--channel", "open"],
        ["table", "unreached", "--by", "wave", "--where", "age_band=young", "--lang", "en"],
    ]
    for measure in activity.MEASURES:
        for period in ("month", "fiscal_year"):
            for split in (None, "field", "district", "org_type"):
                calls.append(["activity", measure, "--by", period, *(["--split", split] if split else [])])
    calls += [
        [
            "activity",
            "consultations",
            "--by",
            "month",
            "--split",
            "field",
            "--where",
            "district=3",
            "--from",
            "2024-04",
            "--to",
            "2025-03",
            "--lang",
            "en",
        ],
        ["activity", "new_cases", "--by", "fiscal_year", "--split", "district", "--lang", "en"],
    ]
    for argv in calls:
        walk.csv(run_cli([*argv, "--db", db], monkeypatch), "python -m queries " + " ".join(argv))
    walk.assert_clean("the CLI's tables", min_protected=1000)


# ---- the sentinel itself ---------------------------------------------------------------------------


def test_the_walk_reports_counts_that_bypass_the_protection(app_env, public, monkeypatch):
    """The rules catch what they are for: 回答者の構成 (queries.profile) released with the sentinel
    passes, the same released raw (as if it bypassed cellkey) fails on its counts and its shares."""
    from queries import cellkey, profile, runner

    con = runner.connect(app_env)
    try:
        monkeypatch.setattr(cellkey, "perturb", sentinel_perturb)
        protected = profile.respondent_profile(con)
        monkeypatch.setattr(cellkey, "perturb", lambda counts, key_sums, table: np.asarray(counts, dtype=np.int64))
        raw = profile.respondent_profile(con)
    finally:
        con.close()
    columns = ["respondents", "respondents_pct", "population", "population_pct"]
    ok = Walk(public)
    ok.frame(protected[columns], "protected profile")
    ok.assert_clean("the protected profile")
    bad = Walk(public)
    bad.frame(raw[columns], "raw profile")
    assert any("[respondents]" in p and "did not go through cellkey" in p for p in bad.problems), bad.problems
    assert any("[respondents_pct]" in p for p in bad.problems), bad.problems
    assert not any("[population" in p for p in bad.problems), bad.problems
