"""全国との比較 — the city beside the national survey where the same breakdown is published."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, csv_layouts, labels as lb, state, tables, ui
from dashboard.i18n import t
from dashboard.state import PageContext
from queries.disclosure import FilterTooNarrow


def comparison_frame(nat: pd.DataFrame, lang: str) -> pd.DataFrame:
    """national_comparison rows as the plot data of charts.national_dots."""
    labels = nat["group_label"] if "group_label" in nat else nat["label"]
    out = pd.DataFrame(
        {
            "label": labels.astype(str),
            "city_pct": pd.to_numeric(nat["estimate_pct"], errors="coerce").astype("float64"),
            "city_low": pd.to_numeric(nat["ci_low_pct"], errors="coerce").astype("float64"),
            "city_high": pd.to_numeric(nat["ci_high_pct"], errors="coerce").astype("float64"),
            "city_status": [lb.status(r) for _, r in nat.iterrows()],
            "national_pct": pd.to_numeric(nat["national_pct"], errors="coerce").astype("float64"),
        }
    )
    return out


def render(ctx: PageContext) -> None:
    lang = ctx.lang
    st.title(t("page.national", lang))
    ui.open_web_banner(ctx)
    ui.filters_caption(ctx)
    st.caption(t("national.caption", lang))
    try:
        nat = ctx.source.national_comparison(ctx.filters, lang)
    except FilterTooNarrow as refused:
        ui.too_narrow(refused.text(lang))
        return
    if nat.empty:
        st.info(t("national.none", lang))
        return
    for indicator in dict.fromkeys(nat["indicator"]):
        part = nat[nat["indicator"] == indicator]
        st.markdown(f"**{lb.indicator_label(indicator, lang)}**")
        ui.chart(charts.national_dots(comparison_frame(part, lang), lang))
        shown = tables.national_table(part, lang)
        ui.chart_alt(
            shown.drop(columns=[t("common.source", lang)], errors="ignore"), lb.indicator_label(indicator, lang), lang
        )
    ui.marks_legend(lang)
    st.subheader(t("common.table", lang))
    ui.table_with_download(
        tables.national_table(nat, lang),
        t("page.national", lang),
        ctx,
        key="dl_national",
        csv=csv_layouts.national_csv(nat, lang),
    )
    sources = [s for s in dict.fromkeys(nat.get("source", pd.Series(dtype=str)).dropna().astype(str)) if s]
    if sources:
        st.markdown(f"**{t('common.source', lang)}**\n\n" + "\n".join(f"- {s}" for s in sources))


if __name__ == "__main__":
    render(state.current_context())
