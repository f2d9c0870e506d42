"""Tables as people read them: the query layer's frames laid out with labels and display texts.

Plain functions, no Streamlit, beside charts.py (charts) and maps.py (maps): the pages, the slides
and the handouts show the same tables. Every header comes from dashboard.i18n or the codebook;
every figure is the query layer's, already protected (nothing here computes one). The download
layout of an indicator table (what `python -m queries table` writes) is queries.export's
labelled_table; the tables here start from it or from the query's frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dashboard import labels as lb
from dashboard.i18n import t
from data import codebook as cb
from queries import activity as qa, export, indicators

# ---- English tables on the screen ------------------------------------------------------------------

# The English CSV keeps machine-readable headers and values (estimate_pct, true/false) for scripts,
# as `python -m queries ... --lang en` writes them; a person reading the page gets words instead.
EN_SCREEN_HEADERS = {
    "n": "Respondents (n)",
    "estimate_pct": "Estimate (%)",
    "ci_low_pct": "95% interval, lower (%)",
    "ci_high_pct": "95% interval, upper (%)",
    "reliability": "Reliability",
    "suppressed": "Suppressed",
    "difference": "vs rest of the city",
    "p_adjusted": "Adjusted p (Holm)",
    "wave": "Survey year",
    "change_prev_pct": "Change from previous wave (points)",
    "change_prev_low_pct": "Change, 95% interval lower (points)",
    "change_prev_high_pct": "Change, 95% interval upper (points)",
    "change_significant": "Significant change",
    "first_estimate_pct": "First wave's estimate (%)",
    "change_first_pct": "Change from first wave (points)",
    "change_first_low_pct": "Change, 95% interval lower (points)",
    "change_first_high_pct": "Change, 95% interval upper (points)",
    "change_first_significant": "Significant change",
}
EN_SIGNIFICANT = {"true": "significant change", "false": "no significant change"}


def _en_cell(column: str, value):
    """An English CSV cell as a person reads it (blank where the Japanese table is blank)."""
    text = "" if value is None or value is pd.NA else str(value)
    if column == "suppressed":
        return cb.mark_label("suppressed", "en") if text == "true" else ""
    if column == "reliability":
        return cb.mark_label("low_reliability", "en") if text == "low" else ""
    if column == "difference":
        return cb.mark_label(export.JA_DIFFERENCE_MARKS[text], "en") if text in export.JA_DIFFERENCE_MARKS else ""
    if column.endswith("_significant"):
        return EN_SIGNIFICANT.get(text, "")
    return value


def screen_header(column: str, lang: str) -> str:
    """The header an indicator table's COLUMN has on the screen (for_screen of labelled_table)."""
    return EN_SCREEN_HEADERS[column] if lang == "en" else export.JA_HEADERS[column]


def for_screen(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A table in the download layout as the page shows it: unchanged in Japanese (its CSV headers
    are already words); in English, the CSV's machine headers and codes (estimate_pct, age_band,
    true/false) replaced by words. The CSV itself keeps them."""
    if lang != "en":
        return table
    out = table.copy()
    for column in [
        c for c in out.columns if c in ("suppressed", "reliability", "difference") or str(c).endswith("_significant")
    ]:
        out[column] = [_en_cell(column, v) for v in out[column]]
    names = {}
    for column in out.columns:
        if column in EN_SCREEN_HEADERS:
            names[column] = EN_SCREEN_HEADERS[column]
        elif column in cb.dimensions():
            names[column] = cb.dimension_label(column, "en")
        elif column in indicators.EXTRA_BREAKDOWNS:
            names[column] = cb.value_set_label(column, "en")
    return out.rename(columns=names)


# ---- the survey ---------------------------------------------------------------------------------


def two_way_table(labelled: pd.DataFrame, by: Sequence[str], lang: str) -> pd.DataFrame:
    """A two-dimension labelled table (export.labelled_table) as rows × columns of estimate texts
    (秘匿 / * 参考値 kept)."""
    h1, h2 = (export.dimension_header(d, lang) for d in by)
    headers = export.EN_HEADERS if lang == "en" else export.JA_HEADERS
    est, rel, sup = headers["estimate_pct"], headers["reliability"], headers["suppressed"]
    hidden = cb.mark_label("suppressed", lang)

    def cell(r) -> str:
        if str(r[sup]) in ("true", hidden):
            return hidden
        low = str(r[rel]) in ("low", cb.mark_label("low_reliability", lang))
        return f"{r[est]}*" if low and r[est] else str(r[est])

    frame = labelled.assign(_cell=[cell(r) for _, r in labelled.iterrows()])
    rows = list(dict.fromkeys(frame[h1]))
    cols = list(dict.fromkeys(frame[h2]))
    wide = frame.pivot(index=h1, columns=h2, values="_cell").reindex(index=rows, columns=cols).fillna("")
    wide.columns.name = None
    return wide.reset_index()


def cards_table(head: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The headline indicators (indicators.headline) one row each: estimate, interval, n, status."""
    rows = []
    for _, r in head.iterrows():
        key = lb.status(r)
        hidden = key == lb.STATUS_SUPPRESSED
        rows.append(
            {
                t("common.indicator", lang): lb.indicator_label(r["indicator"], lang),
                t("common.estimate", lang): cb.mark_label("suppressed", lang)
                if hidden
                else lb.pct_text(r["estimate_pct"]),
                t("common.interval", lang): "" if hidden else lb.interval_text(r["ci_low_pct"], r["ci_high_pct"], lang),
                t("common.n", lang): "" if hidden else lb.int_text(r["n"]),
                t("common.status", lang): lb.status_label(key, lang),
            }
        )
    return pd.DataFrame(rows)


def headline_table(head: pd.DataFrame, lang: str) -> pd.DataFrame:
    """All headline indicators in the download layout of queries.export, one block per indicator."""
    parts = []
    for _, row in head.iterrows():
        one = export.labelled_table(
            pd.DataFrame([row]).drop(columns=["indicator"]).reset_index(drop=True), row["indicator"], [], lang
        )
        one.insert(0, t("common.indicator", lang), lb.indicator_label(row["indicator"], lang))
        parts.append(one)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


PROFILE_COLUMNS = ["dimension", "code", "label", "series", "share_pct", "count", "display", "suppressed"]


PROFILE_DIMS = ("channel", "age_band", "district")  # 概要's 回答者の構成: one chart each, in this order


def profile_parts(profile: pd.DataFrame, dims=PROFILE_DIMS) -> list[tuple[str, pd.DataFrame]]:
    """(dimension, its rows) of a profile_frame, in DIMS order."""
    return [(dim, profile[profile["dimension"] == dim]) for dim in dims]


def profile_frame(raw: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Who answered the wave in view, beside the population (queries.profile.respondent_profile,
    protected): the plot data of charts.share_bars, one row per group and series (dimension,
    code, label, series, share_pct, count, display, suppressed). A group shown as 秘匿 has no
    share or count on the respondents' row, only display = 秘匿."""
    hidden_text = cb.mark_label("suppressed", lang)
    rows = []
    for r in raw.itertuples(index=False):
        code = cb.missing_code() if pd.isna(r.code) else int(r.code)
        label = export.group_label(r.dimension, code, lang)
        hidden = bool(r.suppressed)
        rows.append(
            {
                "dimension": r.dimension,
                "code": r.code,
                "label": label,
                "series": t("overview.respondents", lang),
                "share_pct": None if hidden or pd.isna(r.respondents_pct) else float(r.respondents_pct),
                "count": None if hidden else int(r.respondents),
                "display": hidden_text if hidden else f"{int(r.respondents):,}",
                "suppressed": hidden,
            }
        )
        if r.dimension != "channel" and not pd.isna(r.population):
            rows.append(
                {
                    "dimension": r.dimension,
                    "code": r.code,
                    "label": label,
                    "series": t("overview.population", lang),
                    "share_pct": None if pd.isna(r.population_pct) else float(r.population_pct),
                    "count": int(r.population),
                    "display": f"{int(r.population):,}",
                    "suppressed": False,
                }
            )
    out = pd.DataFrame(rows, columns=PROFILE_COLUMNS)
    out["share_pct"] = pd.to_numeric(out["share_pct"], errors="coerce").astype("float64")
    out["count"] = out["count"].astype("Int64")
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


def profile_table(profile: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The profile (profile_frame) as a table: group, series, count (秘匿 where suppressed), share
    (one decimal)."""
    out = pd.DataFrame(
        {
            t("overview.group", lang): [cb.dimension_label(d, lang) for d in profile["dimension"]],
            t("overview.series", lang): profile["label"],
            "": profile["series"],
            t("overview.count", lang): profile["display"],
            t("overview.share", lang): ["" if pd.isna(v) else f"{v:.1f}" for v in profile["share_pct"]],
        }
    )
    return out.rename(columns={"": t("overview.series", lang) + " "})


def national_table(nat: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The comparison with Japan (queries.national.national_comparison) as a table: what, the
    city's estimate and interval (or its mark), the national figure with its year, base and source."""
    city = t("common.city", lang)
    out = pd.DataFrame(
        {
            t("common.indicator", lang): [lb.indicator_short(i, lang) for i in nat["indicator"]],
            t("overview.group", lang): nat["group_label"] if "group_label" in nat else nat["label"],
            f"{city} {t('common.estimate', lang)}": [
                lb.status_label(lb.STATUS_SUPPRESSED, lang)
                if lb.status(r) == lb.STATUS_SUPPRESSED
                else lb.pct_text(r["estimate_pct"])
                + (f" ({lb.status_label(lb.STATUS_LOW, lang)})" if lb.status(r) == lb.STATUS_LOW else "")
                for _, r in nat.iterrows()
            ],
            f"{city} {t('common.interval', lang)}": [
                lb.interval_text(lo, hi, lang) for lo, hi in zip(nat["ci_low_pct"], nat["ci_high_pct"])
            ],
            "n": [lb.int_text(v) for v in nat["n"]] if "n" in nat else "",
            t("common.national", lang): [lb.pct_text(v) for v in nat["national_pct"]],
        }
    )
    for col, head in (
        ("national_year", "national.year"),
        ("national_base", "national.base"),
        ("source", "common.source"),
    ):
        if col in nat:
            out[t(head, lang)] = ["" if lb.is_missing(v) else str(v) for v in nat[col]]
    return out


def press_reported_table(lang: str) -> pd.DataFrame:
    """The national figures known only from a press report (queries.national.press_reported),
    labelled for データと方法."""
    from queries import national

    df = national.press_reported(lang)
    return pd.DataFrame(
        {
            t("common.indicator", lang): df["indicator"],
            t("methods.press_year", lang): df["year"],
            t("methods.press_group", lang): df["group"],
            t("methods.press_value", lang): df["value_pct"],
            t("methods.press_report", lang): df["reported_by"],
        }
    )


# ---- the support organisations --------------------------------------------------------------------


def wide_table(frame: pd.DataFrame, lang: str, first: str) -> pd.DataFrame:
    """An activity, referral or member frame as queries.activity.as_wide lays it out, its label
    column headed FIRST."""
    wide = qa.as_wide(frame, lang)
    return wide.rename(columns={wide.columns[0]: first})


def need_table(need: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The district_need frame (queries.need) as people read it (labels and display texts only)."""
    cols = {
        "district_label": cb.dimension_label("district", lang),
        "population_display": t("overview.population", lang),
        "residents_display": t("activity.residents_lonely", lang),
        "consultations_display": t("activity.consultations", lang),
        "rate_display": t("activity.rates", lang),
    }
    present = [c for c in cols if c in need.columns]
    return need[present].rename(columns=cols).reset_index(drop=True)


def directory_table(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The directory (queries.directory.organisations_directory) as people read it: labelled columns, no codes or
    coordinates."""
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


# ---- the database -----------------------------------------------------------------------------------

IMPORT_LOG_COLUMNS = ("extract", "file_name", "rows", "encoding", "built_at", "is_demo", "sha256")


def import_log_table(log: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The import log (one row per file read by the build): the extract's name, the file's hash
    shortened to 12 characters."""
    out = log.copy()
    if "extract" in out:
        labels = {name: spec["label"][lang] for name, spec in cb.extracts().items()}
        out["extract"] = [labels.get(e, e) for e in out["extract"]]
    if "sha256" in out:
        out["sha256"] = out["sha256"].astype(str).str[:12]
    if "built_at" in out:  # the build writes UTC; shown in Japan time (issue 17)
        built = pd.to_datetime(out["built_at"])
        built = built.dt.tz_localize("UTC") if built.dt.tz is None else built
        out["built_at"] = built.dt.tz_convert("Asia/Tokyo").dt.tz_localize(None).dt.floor("s")
    keep = [c for c in IMPORT_LOG_COLUMNS if c in out.columns]
    if "is_demo" in out:  # a yes/no column reads as words, not True/False
        out["is_demo"] = [t("common.yes", lang) if bool(v) else "" for v in out["is_demo"]]
    return out[keep].rename(columns={c: t(f"log.{c}", lang) for c in keep})
