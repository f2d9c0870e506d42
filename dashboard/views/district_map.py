"""地域マップ — an indicator by district on a map without basemap tiles, with consultation windows."""

from __future__ import annotations

import logging

import streamlit as st

from dashboard import content, help_text, maps, state, ui
from dashboard.content import View
from dashboard.i18n import t
from dashboard.state import PageContext
from data import codebook as cb
from queries import export

log = logging.getLogger("tsunagari.dashboard")


def render(ctx: PageContext) -> None:
    lang = ctx.lang
    st.title(t("page.map", lang))
    ui.open_web_banner(ctx)
    ind_ids = list(cb.indicators())
    state.url_choice("ind", ind_ids, ind_ids[0], lang=ctx.lang)
    c1, c2 = st.columns([3, 2])
    indicator = c1.selectbox(
        t("common.indicator", lang),
        ind_ids,
        format_func=lambda i: cb.indicator(i).label[lang],
        key=state.relabelled("ind"),
    )
    show_windows = c2.toggle(t("map.windows", lang), value=True, key="map_windows")
    state.write_choice("ind", indicator, ind_ids[0])
    ui.filters_caption(ctx)

    view = View(kind="map", indicator=indicator, by=("district",), filters=ctx.filters, windows=show_windows)
    shown = content.build(ctx.source, view, lang)  # the page draws its own map (pydeck), not the slide's
    if shown.refused:
        ui.too_narrow(shown.refused)
        return
    table = shown.frame
    ui.all_suppressed_note(table, lang)
    try:
        districts = ctx.source.districts()
    except Exception as exc:  # a broken imported boundary file must not take the page down
        log.error("could not load the district boundaries: %s", exc, exc_info=True)
        st.error(t("map.no_geo", lang))
        districts = None
    if districts is not None:
        windows = ctx.source.windows(lang) if show_windows else None
        deck = maps.district_map(districts, table, lang, windows=windows)
        left, right = st.columns([3, 1])
        with left:
            st.pydeck_chart(deck, height=560, width="stretch")
            what = t("a11y.map", lang, what=cb.indicator(indicator).label[lang])
            ui.chart_alt(export.labelled_table(table, indicator, ["district"], lang), what, lang)
        with right:
            st.html(maps.legend_html(table, lang, with_windows=show_windows, districts=districts))
        if bool(districts["approximate"].any()):
            st.caption(shown.caption)
        sources = sorted({str(s) for s in districts["source"].dropna()})
        if sources:
            st.caption(f"{t('common.source', lang)}: " + " / ".join(sources))
    ui.marks_legend(lang)
    with st.expander(t("help.about", lang), icon=":material/help:"):
        st.markdown(help_text.indicator_help(indicator, lang))
    st.subheader(t("common.table", lang))
    ui.indicator_table_block(ctx, table, indicator, ("district",), key="dl_map")


if __name__ == "__main__":
    render(state.current_context())
