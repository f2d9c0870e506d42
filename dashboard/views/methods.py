"""データと方法 — sources, indicator definitions from the codebook, weighting, intervals, disclosure, import log."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import cache, state, ui
from dashboard.i18n import methods_text, t
from dashboard.state import PageContext
from data import codebook as cb
from queries import disclosure


def rule_text(rule: dict, lang: str) -> str:
    """An indicator rule of the codebook in words."""
    if "all" in rule:
        joiner = " かつ " if lang == "ja" else " and "
        return joiner.join(rule_text(r, lang) for r in rule["all"])
    if "sum" in rule:
        value_set = cb.columns("survey_responses")[rule["sum"][0]]["codes"]
        scale = cb.value_set_label(value_set, lang)
        return (f"{scale}の{len(rule['sum'])}問の合計が{rule['gte']}点以上" if lang == "ja"
                else f"the sum of the {len(rule['sum'])} items of the {scale} is {rule['gte']} or more")
    column = rule["column"]
    value_set = cb.columns("survey_responses")[column]["codes"]
    answers = "・".join(f"「{cb.code_label(value_set, c, lang)}」" if lang == "ja"
                        else f"'{cb.code_label(value_set, c, lang)}'" for c in rule["in"])
    question = cb.column_label("survey_responses", column, lang)
    return f"{question}: {answers}"


def indicator_definitions(lang: str) -> pd.DataFrame:
    rows = []
    for ind in cb.indicators().values():
        rows.append({
            "ID": ind.id,
            t("common.indicator", lang): ind.label[lang],
            t("methods.numerator", lang): rule_text(ind.rule, lang),
            t("methods.denominator", lang): t("methods.denominator_text", lang),
        })
    return pd.DataFrame(rows)


def import_log_table(log: pd.DataFrame, lang: str) -> pd.DataFrame:
    heads = {
        "extract": ("データ", "Extract"), "file_name": ("ファイル", "File"), "rows": ("行数", "Rows"),
        "encoding": ("文字コード", "Encoding"), "built_at": ("取り込み日時（UTC）", "Imported at (UTC)"),
        "is_demo": ("デモ", "Demo"), "sha256": ("SHA-256（先頭12桁）", "SHA-256 (first 12)"),
    }
    out = log.copy()
    if "extract" in out:
        labels = {name: spec["label"][lang] for name, spec in cb.extracts().items()}
        out["extract"] = [labels.get(e, e) for e in out["extract"]]
    if "sha256" in out:
        out["sha256"] = out["sha256"].astype(str).str[:12]
    keep = [c for c in heads if c in out.columns]
    return out[keep].rename(columns={c: heads[c][0 if lang == "ja" else 1] for c in keep})


def render(ctx: PageContext) -> None:
    lang = ctx.lang
    est = cb.estimation()
    st.title(t("page.methods", lang))
    st.header(t("methods.sources", lang))
    st.markdown(methods_text("sources", lang))
    st.header(t("methods.indicators", lang))
    defs = indicator_definitions(lang)
    ui.table_with_download(defs, t("methods.indicators", lang), ctx, key="dl_methods_defs")
    st.header(t("methods.weighting", lang))
    st.markdown(methods_text("weighting", lang))
    st.header(t("methods.intervals", lang))
    st.markdown(methods_text("intervals", lang, z=est["z"]))
    st.header(t("methods.disclosure", lang))
    st.markdown(methods_text(
        "disclosure", lang, min_n=disclosure.min_n(), neff=est["low_reliability_neff"],
        width=est["low_reliability_ci_width_pct"], suppressed=cb.mark_label("suppressed", lang),
        low=cb.mark_label("low_reliability", lang)))
    st.header(t("methods.import_log", lang))
    log = cache.import_log(ctx.version)
    ui.table_with_download(import_log_table(log, lang), t("methods.import_log", lang), ctx,
                           key="dl_methods_log")


if __name__ == "__main__":
    render(state.current_context())
