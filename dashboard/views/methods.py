"""データと方法 — sources, indicator definitions from the codebook, weighting, intervals and the
correction of 高い/低い for many comparisons, disclosure (the cell-key method, its parameters and its
cost), import log.

The parameters are read, never written here: D and V of each perturbation table from the codebook
(disclosure.ptables), the share of unchanged cells from the ptable itself (queries.cellkey), the
filter groups and minimum sizes from the codebook. The statistical cost is a measurement: it is read
from queries/protection_cost.json (COST_FILE) when that file exists, and shown as pending otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import data_dates, state, tables, ui
from dashboard.i18n import methods_text, t
from dashboard.state import PageContext
from data import codebook as cb
from queries import cellkey, disclosure
from queries.filters import ATTRIBUTE_FILTERS

# The measured statistical cost of the protection, written by whoever measures it (the lead), e.g.
#   {"measured_on": {"ja": "デモデータ（2026年11月）", "en": "demo data (Nov 2026)"},
#    "survey_mean_abs_change_pts": 0.12, "activity_mean_abs_change_pct": 0.4,
#    "interval_coverage_pct": 94.9}
# Keys that are missing show as pending; unknown keys are ignored.
COST_FILE = Path(cellkey.__file__).resolve().parent / "protection_cost.json"
# (key in COST_FILE, UI string of the row: its unit is ROW_unit, its target in words ROW_target).
COST_ROWS = (
    ("survey_mean_abs_change_pts", "methods.cost_survey"),
    ("activity_mean_abs_change_pct", "methods.cost_activity"),
    ("interval_coverage_pct", "methods.cost_coverage"),
)
PTABLES = (
    ("survey", "methods.ptable_survey"),
    ("survey_open", "methods.ptable_survey_open"),
    ("activity", "methods.ptable_activity"),
)


def rule_text(rule: dict, lang: str) -> str:
    """An indicator rule of the codebook in words."""
    if "all" in rule:
        joiner = " かつ " if lang == "ja" else " and "
        return joiner.join(rule_text(r, lang) for r in rule["all"])
    if "sum" in rule:
        value_set = cb.columns("survey_responses")[rule["sum"][0]]["codes"]
        scale = cb.value_set_label(value_set, lang)
        return (
            f"{scale}の{len(rule['sum'])}問の合計が{rule['gte']}点以上"
            if lang == "ja"
            else f"the sum of the {len(rule['sum'])} items of the {scale} is {rule['gte']} or more"
        )
    column = rule["column"]
    value_set = cb.columns("survey_responses")[column]["codes"]
    answers = "・".join(
        f"「{cb.code_label(value_set, c, lang)}」" if lang == "ja" else f"'{cb.code_label(value_set, c, lang)}'"
        for c in rule["in"]
    )
    question = cb.column_label("survey_responses", column, lang)
    return f"{question}: {answers}"


def indicator_definitions(lang: str) -> pd.DataFrame:
    rows = []
    for ind in cb.indicators().values():
        rows.append(
            {
                "ID": ind.id,
                t("common.indicator", lang): ind.label[lang],
                t("methods.numerator", lang): rule_text(ind.rule, lang),
                t("methods.denominator", lang): t("methods.denominator_text", lang),
            }
        )
    return pd.DataFrame(rows)


def ptable_settings(lang: str) -> pd.DataFrame:
    """Each perturbation table's D and V (codebook) and the share of cells it leaves unchanged
    (the ptable's row for counts of D or more)."""
    params = cb.disclosure()["ptables"]
    rows = []
    for name, label in PTABLES:
        unchanged = float((cellkey.ptable(name)[-1] == 0).mean()) * 100
        rows.append(
            {
                t("methods.ptable_what", lang): t(label, lang),
                t("methods.ptable_d", lang): f"±{params[name]['max_noise']}",
                t("methods.ptable_v", lang): f"{params[name]['variance']}",
                t("methods.ptable_p0", lang): f"{unchanged:.0f}%",
            }
        )
    return pd.DataFrame(rows)


def filter_groups_text(lang: str) -> str:
    """The named filter groups of the codebook, e.g. 16〜39歳（3区分）、40〜59歳（3区分）、60歳以上（3区分）."""
    labels = [g[lang] for dim in ATTRIBUTE_FILTERS for g in cb.filter_groups(dim).values()]
    return ("、" if lang == "ja" else "; ").join(labels)


def cellkey_text(lang: str) -> str:
    params = cb.disclosure()["ptables"]
    return methods_text(
        "cellkey",
        lang,
        survey_d=params["survey"]["max_noise"],
        survey_v=params["survey"]["variance"],
        open_d=params["survey_open"]["max_noise"],
        open_v=params["survey_open"]["variance"],
        activity_d=params["activity"]["max_noise"],
        activity_v=params["activity"]["variance"],
        groups=filter_groups_text(lang),
        min_filter_n=disclosure.min_filter_n(),
        min_n=disclosure.min_n(),
        suppressed=cb.mark_label("suppressed", lang),
    )


def multiple_comparisons_text(lang: str) -> str:
    """Holm's correction of 高い/低い within each table (queries.indicators), in words."""
    return methods_text(
        "multiple",
        lang,
        higher=cb.mark_label("higher", lang),
        lower=cb.mark_label("lower", lang),
        low=cb.mark_label("low_reliability", lang),
        suppressed=cb.mark_label("suppressed", lang),
    )


def trends_text(lang: str) -> str:
    """How the 推移 page's changes are computed and tested (queries.trend), in words."""
    return methods_text(
        "trends", lang, low=cb.mark_label("low_reliability", lang), suppressed=cb.mark_label("suppressed", lang)
    )


def protection_cost(path: Path | None = None) -> dict:
    """The measured cost (COST_FILE), or {} when not measured yet or unreadable."""
    path = COST_FILE if path is None else path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def cost_table(lang: str, cost: dict | None = None) -> pd.DataFrame:
    cost = protection_cost() if cost is None else cost
    rows = []
    for key, label in COST_ROWS:
        value = cost.get(key)
        digits = 1 if key == "interval_coverage_pct" else 2
        shown = (
            f"{float(value):.{digits}f}{t(label + '_unit', lang)}"
            if isinstance(value, (int, float)) and not isinstance(value, bool)
            else t("methods.cost_pending", lang)
        )
        rows.append(
            {
                t("methods.cost_item", lang): t(label, lang),
                t("methods.cost_value", lang): shown,
                t("methods.cost_target", lang): t(label + "_target", lang),
            }
        )
    return pd.DataFrame(rows)


def cost_source(lang: str, cost: dict | None = None) -> str:
    cost = protection_cost() if cost is None else cost
    what = cost.get("measured_on")
    if isinstance(what, dict):
        what = what.get(lang) or what.get("ja")
    return t("methods.cost_measured_on", lang, what=what) if isinstance(what, str) and what.strip() else ""


def press_reported_section(lang: str) -> None:
    table = tables.press_reported_table(lang)
    if table.empty:
        return
    st.subheader(t("methods.press", lang))
    st.markdown(t("methods.press_text", lang))
    st.dataframe(table, hide_index=True, width="stretch")


def render(ctx: PageContext) -> None:
    lang = ctx.lang
    est = cb.estimation()
    st.title(t("page.methods", lang))
    st.header(t("methods.sources", lang))
    st.markdown(methods_text("sources", lang))
    press_reported_section(lang)
    st.header(t("methods.indicators", lang))
    defs = indicator_definitions(lang)
    ui.table_with_download(defs, t("methods.indicators", lang), ctx, key="dl_methods_defs", statistics=False)
    st.header(t("methods.weighting", lang))
    st.markdown(methods_text("weighting", lang))
    st.header(t("methods.intervals", lang))
    st.markdown(methods_text("intervals", lang, z=est["z"]))
    st.markdown(methods_text("replicates", lang))
    st.markdown(multiple_comparisons_text(lang))
    st.markdown(trends_text(lang))
    st.header(t("methods.disclosure", lang))
    st.markdown(
        methods_text(
            "disclosure",
            lang,
            min_n=disclosure.min_n(),
            neff=est["low_reliability_neff"],
            width=est["low_reliability_ci_width_pct"],
            suppressed=cb.mark_label("suppressed", lang),
            low=cb.mark_label("low_reliability", lang),
        )
    )
    st.header(t("methods.cellkey", lang))
    st.markdown(cellkey_text(lang))
    params = cb.disclosure()["ptables"]
    st.dataframe(ptable_settings(lang), hide_index=True, width="stretch")
    st.caption(
        t(
            "methods.ptable_caption",
            lang,
            d_survey=params["survey"]["max_noise"],
            d_open=params["survey_open"]["max_noise"],
            d_activity=params["activity"]["max_noise"],
        )
    )
    st.subheader(t("methods.cost", lang))
    cost = protection_cost()
    st.dataframe(cost_table(lang, cost), hide_index=True, width="stretch")
    source = cost_source(lang, cost)
    if source:
        st.caption(source)
    st.header(t("methods.map_scale", lang))
    st.markdown(t("methods.map_scale_text", lang))
    st.header(t("methods.import_log", lang))
    log = ctx.source.import_log()
    if len(log):
        st.markdown(t("dates.imported", lang, when=data_dates.jst_text(pd.to_datetime(log["built_at"]).max(), lang)))
    ui.table_with_download(
        tables.import_log_table(log, lang), t("methods.import_log", lang), ctx, key="dl_methods_log", statistics=False
    )


if __name__ == "__main__":
    render(state.current_context())
