"""The survey beside the activity: per district, the residents estimated to feel lonely beside the
consultations there (district_need), to spot districts support may not reach.

The survey estimate is queries.indicators'; the consultations and their rates per 1,000 residents
are queries.activity's (the same released figures as the activity page's per-district table).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from data import codebook
from queries.activity import NOT_AVAILABLE, population_16plus, rates_over
from queries.filters import ActivityFilters, Filters
from queries.indicators import indicator_table


def district_need(
    con: duckdb.DuckDBPyConnection, filters=None, activity: ActivityFilters = ActivityFilters(), lang: str = "ja"
) -> pd.DataFrame:
    """Per district, residents estimated to feel lonely some of the time or more beside the
    consultations there, to spot districts support may not reach.

    filters: queries.filters.Filters for the survey estimate (indicator lonely_sometimes_plus by
    district from queries.indicators.indicator_table); activity: which consultations to count.
    residents_est / residents_low / residents_high = estimate / 95% interval (percent) × residents
    aged 16+ (latest population as_of) / 100, rounded to the nearest 10; <NA> when the district's
    estimate is suppressed or it has no population. Row order: the city (district <NA>) first, then
    districts in code order. Columns: district, district_label, is_total, population,
    population_display, population_as_of, n, estimate_pct, ci_low_pct, ci_high_pct, reliability, suppressed, open_web,
    residents_est, residents_low, residents_high, residents_display, consultations (Int64, masked),
    consultations_display, consultations_mark, rate_per_1000, rate_display.
    """
    codebook.check_lang(lang)
    if filters is None:
        filters = Filters()
    est = indicator_table(con, "lonely_sometimes_plus", by=["district"], filters=filters)
    est = est[est["district"].isna() | (est["district"] != codebook.missing_code())].copy()
    est["district"] = est["district"].astype("Int64")

    pop = population_16plus(con)
    rates = rates_over(con, "consultations", activity, lang, pop)
    rates = rates.rename(
        columns={"value": "consultations", "display": "consultations_display", "mark": "consultations_mark"}
    )
    pops = dict(zip(pop["district"], pop["population"]))
    as_of = pop["as_of"].max() if len(pop) else pd.NaT

    out = est[
        [
            "district",
            "is_total",
            "n",
            "estimate_pct",
            "ci_low_pct",
            "ci_high_pct",
            "reliability",
            "suppressed",
            "open_web",
        ]
    ].reset_index(drop=True)
    out.insert(
        1,
        "district_label",
        [
            codebook.all_label(lang) if pd.isna(d) else codebook.code_label("district", int(d), lang)
            for d in out["district"]
        ],
    )
    city = sum(int(p) for p in pops.values()) if len(pops) == len(codebook.codes("district")) else None
    out.insert(
        3, "population", pd.array([city if pd.isna(d) else pops.get(int(d)) for d in out["district"]], dtype="Int64")
    )
    out.insert(4, "population_display", [NOT_AVAILABLE if pd.isna(p) else f"{int(p):,}" for p in out["population"]])
    out.insert(5, "population_as_of", pd.Timestamp(as_of) if pd.notna(as_of) else pd.NaT)
    for col, src in (
        ("residents_est", "estimate_pct"),
        ("residents_low", "ci_low_pct"),
        ("residents_high", "ci_high_pct"),
    ):
        out[col] = pd.array([_residents(pct, pop_) for pct, pop_ in zip(out[src], out["population"])], dtype="Float64")
    out["residents_display"] = [
        _residents_display(e, lo, hi, s, lang)
        for e, lo, hi, s in zip(out["residents_est"], out["residents_low"], out["residents_high"], out["suppressed"])
    ]

    # The city row of the activity counts only matches the survey's All row without a district filter.
    cols = ("consultations", "consultations_display", "consultations_mark", "rate_per_1000", "rate_display")
    records = rates[["district", "is_total", *cols]].to_dict("records")  # a dozen rows: plain dicts
    by_district = {int(r["district"]): r for r in records if not r["is_total"]}
    city_row = next((r for r in records if r["is_total"]), None) if not activity.districts else None
    sources = [city_row if pd.isna(d) else by_district.get(int(d)) for d in out["district"]]
    for col in cols:
        missing = (
            pd.NA if col in ("consultations", "rate_per_1000") else (NOT_AVAILABLE if col.endswith("display") else "")
        )
        out[col] = [src[col] if src is not None else missing for src in sources]
    out["consultations"] = out["consultations"].astype("Int64")
    out["rate_per_1000"] = out["rate_per_1000"].astype("Float64")
    return out


def _residents(pct, population):
    if pd.isna(pct) or pd.isna(population):
        return pd.NA
    return float(round(float(pct) * int(population) / 100 / 10) * 10)


def _residents_display(est, lo, hi, suppressed, lang: str) -> str:
    if bool(suppressed):
        return codebook.mark_label("suppressed", lang)
    if pd.isna(est):
        return NOT_AVAILABLE
    sep = "〜" if lang == "ja" else "–"
    return f"{est:,.0f} ({lo:,.0f}{sep}{hi:,.0f})"
