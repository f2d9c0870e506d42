"""The national survey's published results (queries/national.csv) beside the city's estimates.

national.csv holds only figures stated in shared/reference/national_survey.md, one row per
indicator, year and breakdown, with its source. Columns: indicator (codebook id), year (blank when
the publication gives none), dimension (total | age_band | sex | household | confidant), code,
dimension2/code2 (a second breakdown, e.g. single-person household × sex), value_pct, base
(all_respondents: share of all respondents, 無回答 included, as the national headline tables are
published; not_stated: the publication does not say), derived (true: the sum of published
categories, e.g. しばしば + 時々), source (the figure within the publication, and where a government
document carrying it was read), reported_by (blank, or the press report that is the only place the
figure was found: a key of PRESS).

Every figure is cited by its publisher and the survey's official title (citation: 内閣官房 孤独・孤立
対策担当室 for the 2021–2023 surveys, 内閣府 孤独・孤立対策推進室 from 2024) and its official page where
one is known (OFFICIAL_PAGES); a figure known only from a press report says 報道による and names the
report (never only a news link). shared/reference/national_survey.md lists what is known.

The city's estimates exclude 無回答 from the denominator (the contract); the base column says where
the national figure may differ in that respect.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from data import codebook
from queries import export, indicators
from queries.filters import Filters

NATIONAL_CSV = Path(__file__).with_name("national.csv")
TOTAL = "total"
BREAKDOWNS = ("age_band", "sex", "household", "confidant")
BASES = {
    "all_respondents": {
        "ja": "全回答者（無回答を含む）に占める割合",
        "en": "share of all respondents (no answer included)",
    },
    "not_stated": {"ja": "集計の母数は公表資料に記載なし", "en": "base not stated in the publication"},
}
FIELDS = [
    "indicator",
    "year",
    "dimension",
    "code",
    "dimension2",
    "code2",
    "value_pct",
    "base",
    "derived",
    "source",
    "reported_by",
]

# The survey's publisher by survey year (the unit moved from the Cabinet Secretariat to the Cabinet
# Office in April 2024, from the 令和6年 survey on).
PUBLISHERS = {
    "cas": {"ja": "内閣官房 孤独・孤立対策担当室", "en": "Cabinet Secretariat, Office for Loneliness and Isolation"},
    "cao": {
        "ja": "内閣府 孤独・孤立対策推進室",
        "en": "Cabinet Office, Office for the Promotion of Policy on Loneliness and Isolation",
    },
}
# Official pages known (shared/reference/national_survey.md): the other years' are not confirmed.
OFFICIAL_PAGES = {
    2022: "https://www.cas.go.jp/jp/seisaku/kodoku_koritsu_taisaku/zittai_tyosa/r4_zenkoku_tyosa/index.html",
}
WHITE_PAPER = {
    "ja": "「孤独・孤立対策白書」（調査年の記載なし）",
    "en": "White Paper on Loneliness and Isolation (survey year not stated)",
}
# Press reports that are the only place a figure was found.
PRESS = {
    "gifu-np": {
        "ja": "岐阜新聞の記事（gifu-np.co.jp、記事番号 531707）",
        "en": "an article of the Gifu Shimbun (gifu-np.co.jp, article 531707)",
    },
    "healthy-life21": {
        "ja": "healthy-life21.com の記事（2022年4月9日）",
        "en": "an article of healthy-life21.com (9 April 2022)",
    },
}
PRESS_MARK = {"ja": "報道による", "en": "from a press report"}


def reiwa(year: int) -> int:
    return year - 2018


def official_title(year: int, lang: str) -> str:
    """The survey's official title for the survey year YEAR."""
    ja = f"「孤独・孤立の実態把握に関する全国調査（令和{reiwa(year)}年人々のつながりに関する基礎調査）」"
    if lang == "ja":
        return ja
    return f" “National Survey on Loneliness and Isolation (Basic Survey on People's Connections, {year})” {ja}"


def publisher(year: int, lang: str) -> str:
    return PUBLISHERS["cao" if year >= 2024 else "cas"][lang]


def citation(year: int | None, source: str, reported_by: str, lang: str) -> str:
    """Publisher, official title, the figure (SOURCE), the official page where known; 報道による and
    the report for a figure known only from the press."""
    if year is None or pd.isna(year):
        text = f"{WHITE_PAPER[lang]} {source}"
    else:
        year = int(year)
        text = f"{publisher(year, lang)}{official_title(year, lang)} {source}"
    if reported_by:
        text += f"【{PRESS_MARK[lang]}: {PRESS[reported_by][lang]}】"
    if year is not None and not pd.isna(year) and int(year) in OFFICIAL_PAGES:
        # last, after a space and without brackets, so that a link stops where the address does
        text += f" {'公式ページ' if lang == 'ja' else 'official page'}: {OFFICIAL_PAGES[int(year)]}"
    return text


def _code_of(dim: str, raw: str, where: str) -> int | None:
    if dim == TOTAL or dim == "":
        if raw:
            raise ValueError(f"{where}: a total row has no code")
        return None
    if dim not in BREAKDOWNS:
        raise ValueError(f"{where}: unknown breakdown {dim!r}; known: {', '.join(BREAKDOWNS)}")
    value_set = dim if dim == "confidant" else codebook.dimension_value_set(dim)
    if not raw.isdigit() or int(raw) not in codebook.codes(value_set):
        raise ValueError(f"{where}: {raw!r} is not a code of {dim}")
    return int(raw)


@lru_cache(maxsize=1)
def _load() -> tuple[tuple, ...]:
    rows = []
    with NATIONAL_CSV.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != FIELDS:
            raise ValueError(f"{NATIONAL_CSV.name}: columns must be {', '.join(FIELDS)}")
        for i, r in enumerate(reader, start=2):
            where = f"{NATIONAL_CSV.name} row {i}"
            if r["indicator"] not in codebook.indicators():
                raise ValueError(f"{where}: unknown indicator {r['indicator']!r}")
            year = int(r["year"]) if r["year"] else None
            code = _code_of(r["dimension"], r["code"], where)
            dim2 = r["dimension2"] or None
            code2 = _code_of(dim2, r["code2"], where) if dim2 else None
            value = float(r["value_pct"])
            if not 0 <= value <= 100:
                raise ValueError(f"{where}: value_pct {value} is not a percentage")
            if r["base"] not in BASES or r["derived"] not in ("true", "false") or not r["source"].strip():
                raise ValueError(f"{where}: base, derived and source are required")
            if r["reported_by"] and r["reported_by"] not in PRESS:
                raise ValueError(f"{where}: reported_by {r['reported_by']!r} is not one of {', '.join(PRESS)}")
            rows.append(
                (
                    r["indicator"],
                    year,
                    r["dimension"],
                    code,
                    dim2,
                    code2,
                    value,
                    r["base"],
                    r["derived"] == "true",
                    r["source"].strip(),
                    r["reported_by"].strip(),
                )
            )
    return tuple(rows)


@lru_cache(maxsize=1)
def _figures_by_key() -> tuple:
    """The published figures grouped by (indicator, dimension, code, dimension2, code2), in file
    order: ((key, (row, ...)), ...) with rows as in FIELDS."""
    groups: dict[tuple, list] = {}
    for r in _load():
        groups.setdefault((r[0], r[2], r[3], r[4], r[5]), []).append(r)
    return tuple((k, tuple(v)) for k, v in groups.items())


def _rows_by_codes(table: pd.DataFrame, by: tuple) -> dict[tuple, dict]:
    """The rows of a city table by their group codes (the first row of each; () the first row)."""
    cols = {c: table[c].tolist() for c in CITY_COLUMNS}
    codes = list(zip(*(table[d].tolist() for d in by))) if by else [()] * len(table)
    out: dict[tuple, dict] = {}
    for i, key in enumerate(codes):
        if any(c is pd.NA or c is None for c in key) or key in out:
            continue
        out[key] = {c: cols[c][i] for c in CITY_COLUMNS}
    return out


def national_figures() -> pd.DataFrame:
    """The published national figures, validated against the codebook."""
    df = pd.DataFrame(list(_load()), columns=FIELDS)
    for col in ("year", "code", "code2"):
        df[col] = df[col].astype("Int64")
    df["dimension2"] = df["dimension2"].astype(object).where(df["dimension2"].notna(), None)
    return df


def press_reported(lang: str = "ja") -> pd.DataFrame:
    """The national figures known only from a press report (データと方法 lists them): indicator,
    year, breakdown, value and the report."""
    rows = []
    for r in _load():
        f = dict(zip(FIELDS, r))
        if not f["reported_by"]:
            continue
        group = _group_label(f["dimension"], f["code"], f["dimension2"], f["code2"], lang)
        rows.append(
            {
                "indicator": codebook.indicator(f["indicator"]).short[lang],
                "year": f["year"],
                "group": group,
                "value_pct": f["value_pct"],
                "reported_by": PRESS[f["reported_by"]][lang],
            }
        )
    df = pd.DataFrame(rows, columns=["indicator", "year", "group", "value_pct", "reported_by"])
    df["year"] = df["year"].astype("Int64")
    return df


def _closest(years: list, wave: int | None):
    """The year nearest the city's wave (the earlier on a tie); undated figures only as a last resort."""
    dated = [y for y in years if y is not None and not pd.isna(y)]
    if not dated:
        return None
    if wave is None:
        return max(dated)
    return min(dated, key=lambda y: (abs(int(y) - wave), int(y)))


def _group_label(dim: str, code, dim2, code2, lang: str) -> str:
    if dim == TOTAL:
        return codebook.all_label(lang)
    sep = "：" if lang == "ja" else ": "
    parts = [
        f"{export.dimension_header(dim, lang) if lang == 'ja' else _dim_name(dim)}{sep}"
        f"{export.group_label(dim, code, lang)}"
    ]
    if dim2:
        parts.append(
            f"{export.dimension_header(dim2, lang) if lang == 'ja' else _dim_name(dim2)}{sep}"
            f"{export.group_label(dim2, code2, lang)}"
        )
    return " × ".join(parts)


def _dim_name(dim: str) -> str:
    return codebook.dimension_label(dim, "en") if dim in codebook.dimensions() else codebook.value_set_label(dim, "en")


CITY_COLUMNS = ["n", "estimate_pct", "ci_low_pct", "ci_high_pct", "reliability", "suppressed", "open_web"]


def national_comparison(con: duckdb.DuckDBPyConnection, filters: Filters = Filters(), lang: str = "ja") -> pd.DataFrame:
    """The city's estimate (current filters, one wave) beside each published national figure with
    the same indicator and breakdown; for each breakdown the national year nearest the city's wave.

    Columns: indicator, label (indicator and group, unique per row), group_label, is_total,
    dimension, code, dimension2, code2, wave, n, estimate_pct, ci_low_pct, ci_high_pct,
    reliability, suppressed, open_web, national_year, national_pct, national_base, derived, source
    (the citation: publisher, official title, figure, official page; 報道による and the report for a
    figure known only from the press), reported_by (that report, else empty).
    Groups the filters exclude (e.g. age 20–29 when filtering on 60–69) are left out, and so are the
    indicators whose filtered population is below the minimum (disclosure.FilterTooNarrow, raised
    only when that is every indicator).
    """
    codebook.check_lang(lang)
    wave = filters.wave if filters.wave is not None else indicators.latest_wave(con)
    groups = _figures_by_key()

    def by_of(dim, dim2) -> tuple:
        return () if dim == TOTAL else ((dim, dim2) if dim2 else (dim,))

    # every city table needed, from one fetch of the survey sums; each as {group codes: row}.
    # Without the group-vs-rest tests: the comparison shows none of them (CITY_COLUMNS).
    wanted = list(dict.fromkeys((key[0], by_of(key[1], key[3])) for key, _ in groups))
    tables = {
        k: _rows_by_codes(t, k[1])
        for k, t in indicators.breakdown_tables(
            con, wanted, filters.with_wave(wave), omit_refused=True, compare=False
        ).items()
    }
    out = []
    for key, part in groups:
        ind, dim, code, dim2, code2 = key
        year = _closest([r[FIELDS.index("year")] for r in part], wave)
        row = dict(zip(FIELDS, next(r for r in part if r[FIELDS.index("year")] == year)))
        by = by_of(dim, dim2)
        if (ind, by) not in tables:  # refused: too few respondents of this indicator under the filters
            continue
        city = tables[(ind, by)].get((code, code2)[: len(by)])
        if city is None:
            continue
        group = _group_label(dim, code, dim2, code2, lang)
        short = codebook.indicator(ind).short[lang]
        out.append(
            {
                "indicator": ind,
                "label": f"{short}{'：' if lang == 'ja' else ': '}{group}",
                "group_label": group,
                "is_total": dim == TOTAL,
                "dimension": dim,
                "code": code,
                "dimension2": dim2,
                "code2": code2,
                "wave": wave,
                **city,
                "national_year": None if year is None else int(year),
                "national_pct": float(row["value_pct"]),
                "national_base": BASES[row["base"]][lang],
                "derived": bool(row["derived"]),
                "source": citation(year, row["source"], row["reported_by"], lang),
                "reported_by": PRESS[row["reported_by"]][lang] if row["reported_by"] else "",
            }
        )
    columns = [
        "indicator",
        "label",
        "group_label",
        "is_total",
        "dimension",
        "code",
        "dimension2",
        "code2",
        "wave",
        *CITY_COLUMNS,
        "national_year",
        "national_pct",
        "national_base",
        "derived",
        "source",
        "reported_by",
    ]
    df = pd.DataFrame(out, columns=columns)
    order = {ind: i for i, ind in enumerate(codebook.indicators())}
    dim_order = {d: i for i, d in enumerate((TOTAL, *BREAKDOWNS))}
    df = df.assign(
        _o1=df["indicator"].map(order),
        _o2=df["dimension"].map(dim_order),
        _o3=df["code"].fillna(0),
        _o4=df["code2"].fillna(0),
    )
    df = df.sort_values(["_o1", "_o2", "_o3", "_o4"], kind="stable").drop(columns=["_o1", "_o2", "_o3", "_o4"])
    for col in ("code", "code2", "wave", "n", "national_year"):
        df[col] = df[col].astype("Int64")
    for col in ("estimate_pct", "ci_low_pct", "ci_high_pct", "national_pct"):
        df[col] = df[col].astype("Float64")
    for col in ("is_total", "suppressed", "open_web", "derived"):
        df[col] = df[col].astype(bool)
    return df.reset_index(drop=True)
