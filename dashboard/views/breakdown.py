"""指標の内訳 — any indicator by one dimension (bars with intervals) or two (heatmap / small multiples)."""

from __future__ import annotations

import streamlit as st

from dashboard import content, help_text, state, ui
from dashboard.content import View, builders
from dashboard.i18n import t
from dashboard.state import PageContext
from data import codebook as cb
from queries import export

NONE = "none"
VIEWS = ("heatmap", "multiples")


def controls(ctx: PageContext) -> tuple[str, tuple[str, ...], str]:
    """Indicator, dimensions and two-dimension view, each kept in the URL (?ind=&by=&by2=&view=)."""
    lang = ctx.lang
    ind_ids = list(cb.indicators())
    dims = cb.dimensions()
    state.url_choice("ind", ind_ids, ind_ids[0], lang=ctx.lang)
    state.url_choice("by", dims, "age_band", lang=ctx.lang)
    state.url_choice("by2", [NONE, *dims], NONE, lang=ctx.lang)
    state.url_choice("view", list(VIEWS), VIEWS[0], lang=ctx.lang)

    c1, c2, c3 = st.columns([3, 2, 2])
    indicator = c1.selectbox(
        t("common.indicator", lang),
        ind_ids,
        format_func=lambda i: cb.indicator(i).label[lang],
        key=state.relabelled("ind"),
    )
    by1 = c2.selectbox(
        t("breakdown.by1", lang), dims, format_func=lambda d: cb.dimension_label(d, lang), key=state.relabelled("by")
    )
    second = [NONE, *(d for d in dims if d != by1)]
    if st.session_state.get("by2") not in second:
        st.session_state["by2"] = NONE
    by2 = c3.selectbox(
        t("breakdown.by2", lang),
        second,
        format_func=lambda d: t("breakdown.none", lang) if d == NONE else cb.dimension_label(d, lang),
        key=state.relabelled("by2"),
    )
    view = VIEWS[0]
    if by2 != NONE:
        view = (
            st.segmented_control(
                t("breakdown.view", lang),
                list(VIEWS),
                key=state.relabelled("view"),
                required=True,
                format_func=lambda v: t(f"breakdown.{v}", lang),
            )
            or VIEWS[0]
        )
    state.write_choice("ind", indicator, ind_ids[0])
    state.write_choice("by", by1, "age_band")
    state.write_choice("by2", by2, NONE)
    state.write_choice("view", view if by2 != NONE else VIEWS[0], VIEWS[0])
    by = (by1,) if by2 == NONE else (by1, by2)
    return indicator, by, view


def view_of(indicator: str, by: tuple[str, ...], two_dim_view: str, ctx: PageContext) -> View:
    """The page's view: a bar chart for one dimension, a heatmap or small multiples for two."""
    kind = "bar" if len(by) == 1 else ("multiples" if two_dim_view == "multiples" else "heatmap")
    return View(kind=kind, indicator=indicator, by=tuple(by), filters=ctx.filters)


def render(ctx: PageContext) -> None:
    lang = ctx.lang
    st.title(t("page.breakdown", lang))
    banner = st.empty()  # above the controls, filled once they say whether the table is by channel
    indicator, by, two_dim_view = controls(ctx)
    with banner.container():
        ui.open_web_banner(ctx, by)
    ui.filters_caption(ctx)
    view = view_of(indicator, by, two_dim_view, ctx)
    shown = content.build(ctx.source, view, lang)
    if shown.refused:
        ui.too_narrow(shown.refused)
        return
    if shown.empty:
        st.info(t("error.no_data", lang))
        return
    ui.all_suppressed_note(shown.frame, lang)
    if shown.caption:
        st.caption(shown.caption)
    ui.chart(shown.chart, stretch=len(by) == 1)
    what = " × ".join([cb.indicator(indicator).label[lang], *(cb.dimension_label(d, lang) for d in by)])
    ui.chart_alt(export.labelled_table(shown.frame, indicator, list(by), lang), what, lang)
    ui.view_actions(ctx, view)
    ui.marks_legend(lang)
    with st.expander(t("help.about", lang), icon=":material/help:"):
        st.markdown(help_text.indicator_help(indicator, lang))
    st.caption(builders.difference_note(lang))  # why a taller bar may not be 高い
    st.subheader(t("common.table", lang))
    ui.indicator_table_block(ctx, shown.frame, indicator, by, key="dl_breakdown")


if __name__ == "__main__":
    render(state.current_context())
