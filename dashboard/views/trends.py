"""推移 — each indicator over the survey waves: the city with 95% intervals beside the national
survey's years, or by one dimension as small multiples; the change from the previous and the first
wave with its interval and 「有意な変化」 (queries.trend). The table and its CSV (the bytes of
`python -m queries trend ...`) beneath, then the change from the first wave."""

from __future__ import annotations

import streamlit as st

from dashboard import content, state, ui
from dashboard.content import View
from dashboard.i18n import t
from dashboard.state import PageContext
from data import codebook as cb
from queries import export, trend as qt

NONE = "none"


def controls(ctx: PageContext) -> tuple[str, str | None]:
    """Indicator and dimension, each kept in the URL (?ind=&tby=)."""
    lang = ctx.lang
    ind_ids = list(cb.indicators())
    dims = [NONE, *qt.DIMENSIONS]
    state.url_choice("ind", ind_ids, ind_ids[0], lang=lang)
    state.url_choice("tby", dims, NONE, lang=lang)
    c1, c2 = st.columns([3, 2])
    indicator = c1.selectbox(
        t("common.indicator", lang),
        ind_ids,
        format_func=lambda i: cb.indicator(i).label[lang],
        key=state.relabelled("ind"),
    )
    by = c2.selectbox(
        t("trend.by", lang),
        dims,
        format_func=lambda d: t("breakdown.none", lang) if d == NONE else cb.dimension_label(d, lang),
        key=state.relabelled("tby"),
    )
    state.write_choice("ind", indicator, ind_ids[0])
    state.write_choice("tby", by, NONE)
    return indicator, None if by == NONE else by


def view_of(indicator: str, by: str | None, ctx: PageContext) -> View:
    return View(kind="trend", indicator=indicator, by=(by,) if by else (), filters=ctx.filters)


def render(ctx: PageContext) -> None:
    lang = ctx.lang
    st.title(t("page.trends", lang))
    ui.open_web_banner(ctx)
    indicator, by = controls(ctx)
    ui.filters_caption(ctx)
    st.caption(t("trend.wave_filter_note", lang))
    view = view_of(indicator, by, ctx)
    shown = content.build(ctx.source, view, lang)
    if shown.refused:
        ui.too_narrow(shown.refused)
        return
    if shown.empty:
        st.info(t("error.no_data", lang))
        return
    table = shown.frame
    national = ctx.source.national_series(indicator, by, lang)
    st.caption(shown.caption)
    ui.chart(shown.chart, stretch=by is None)
    labelled = qt.labelled_trend(table, by, lang)
    what = " × ".join([cb.indicator(indicator).label[lang], *([cb.dimension_label(by, lang)] if by else [])])
    ui.chart_alt(labelled, what, lang)
    if national.empty:
        st.caption(t("trend.no_national", lang))
    else:
        with st.expander(t("trend.national_sources", lang)):
            st.caption(t("trend.national_base", lang, base="、".join(dict.fromkeys(national["base"]))))
            st.markdown("\n".join(f"- {s}" for s in dict.fromkeys(national["source"])))
    ui.view_actions(ctx, view)
    ui.marks_legend(lang)
    if table["wave"].nunique() < 2:
        st.info(t("trend.one_wave", lang))

    st.subheader(t("common.table", lang))
    ui.trend_table_block(ctx, table, indicator, by, key="dl_trend")

    if table["wave"].nunique() >= 2:
        first = export.group_label("wave", int(table["wave"].min()), lang)
        heading = t("trend.first_table", lang, first=first)
        st.subheader(heading)
        first_table = qt.labelled_first(table, by, lang)
        ui.table_with_download(qt.display(first_table), f"{what}_{heading}", ctx, key="dl_trend_first", csv=first_table)


if __name__ == "__main__":
    render(state.current_context())
