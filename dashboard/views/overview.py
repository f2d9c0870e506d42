"""概要 — headline indicators as cards, who answered, and how current the data is."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import content, csv_layouts, data_dates, help_text, labels as lb, state, tables, ui
from dashboard.content import View
from dashboard.i18n import t
from dashboard.printouts import summary
from dashboard.state import PageContext
from data import codebook as cb
from queries import disclosure

CARD_COLUMNS = 3


def national_by_indicator(nat: pd.DataFrame) -> dict[str, pd.Series]:
    """The national figure for the whole population of each indicator (no breakdown)."""
    if nat is None or nat.empty:
        return {}
    whole = nat[nat["is_total"].astype(bool)] if "is_total" in nat else nat
    return {str(r["indicator"]): r for _, r in whole.iterrows() if pd.notna(r.get("national_pct"))}


def card(row: pd.Series, national: pd.Series | None, lang: str) -> None:
    """One indicator: estimate, 95% interval, n, marks, and the national figure beside it."""
    key = lb.status(row)
    with st.container(border=True):
        label = lb.indicator_short(row["indicator"], lang)
        if key == lb.STATUS_SUPPRESSED:
            st.metric(label, cb.mark_label("suppressed", lang), help=help_text.indicator_help(row["indicator"], lang))
            st.caption(t("overview.suppressed_card", lang, min_n=disclosure.min_n()))
        else:
            st.metric(label, lb.pct_text(row["estimate_pct"]), help=help_text.indicator_help(row["indicator"], lang))
            parts = [
                f"{t('common.interval', lang)} {lb.interval_text(row['ci_low_pct'], row['ci_high_pct'], lang)}",
                f"n = {lb.int_text(row['n'])}",
            ]
            st.caption("  \n".join(parts))
        marks = []
        if key == lb.STATUS_LOW:
            marks.append(f":orange-badge[{cb.mark_label('low_reliability', lang)}]")
        if bool(row.get("open_web", False)):
            marks.append(f":violet-badge[{cb.mark_label('open_web', lang)}]")
        if national is not None:
            year = national.get("national_year", national.get("year", ""))
            value = f"{float(national['national_pct']):.1f}"
            badge = t("overview.national_short", lang, value=value, year=year)
            if national.get("reported_by"):  # known only from a press report (データと方法 lists it)
                badge += t("overview.press_mark", lang)
            marks.append(f":blue-badge[{badge}]")
        else:
            marks.append(f":gray-badge[{t('overview.national_missing', lang)}]")
        st.markdown(" ".join(marks))


def profile_alt_table(part: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One dimension of the profile as its chart's text alternative reads it: group, series, share."""
    return pd.DataFrame(
        {
            t("overview.group", lang): part["label"].astype(str),
            t("overview.series", lang): part["series"].astype(str),
            t("overview.share", lang): [
                lb.pct_text(v) if not lb.is_missing(v) else d for v, d in zip(part["share_pct"], part["display"])
            ],
        }
    )


def render(ctx: PageContext) -> None:
    lang = ctx.lang
    st.title(t("page.overview", lang))
    st.caption(t("app.subtitle", lang))
    ui.open_web_banner(ctx)
    ui.filters_caption(ctx)
    ui.printout_button(
        ctx,
        "overview_summary",
        (t("summary.button", lang), t("summary.making", lang), t("summary.download", lang)),
        lambda: summary.summary_pdf(ctx.source, ctx.filters, lang),
        summary.file_name(lang),
    )

    st.header(t("overview.headline", lang))
    cards = content.build(ctx.source, View(kind="cards", filters=ctx.filters), lang)
    if cards.refused:
        ui.too_narrow(cards.refused)
    else:
        head = cards.cards
        try:
            nat = national_by_indicator(ctx.source.national_comparison(ctx.filters, lang))
        except disclosure.FilterTooNarrow:  # a breakdown of the comparison is too narrow: no badges
            nat = {}
        rows = list(head.iterrows())
        for start in range(0, len(rows), CARD_COLUMNS):
            cols = st.columns(CARD_COLUMNS)
            for col, (_, row) in zip(cols, rows[start : start + CARD_COLUMNS]):
                with col:
                    card(row, nat.get(str(row["indicator"])), lang)
        ui.marks_legend(lang)
        ui.disclosure_note(lang)
        with st.expander(t("common.table", lang)):
            ui.table_with_download(
                tables.headline_table(head, lang), t("overview.headline", lang), ctx, key="dl_overview_headline"
            )

    st.header(t("overview.who", lang))
    st.caption(t("overview.who_caption", lang, min_n=disclosure.min_n(), suppressed=cb.mark_label("suppressed", lang)))
    profile = tables.profile_frame(ctx.source.respondent_profile(ctx.filters), lang)
    cols = st.columns(len(tables.PROFILE_DIMS))
    for col, (dim, part) in zip(cols, tables.profile_parts(profile)):
        with col:
            if not part.empty:
                ui.profile_chart(part, dim, lang)
                ui.chart_alt(profile_alt_table(part, lang), cb.dimension_label(dim, lang), lang)
    ui.disclosure_note(lang)
    with st.expander(t("common.table", lang)):
        ui.table_with_download(
            tables.profile_table(profile, lang),
            t("overview.who", lang),
            ctx,
            key="dl_overview_profile",
            csv=csv_layouts.profile_csv(profile, lang),
        )

    st.header(t("common.data_as_of", lang))
    # the period the figures describe (fieldwork, activity months, population date), in Japan time;
    # when the files were imported is on データと方法
    wave = ctx.filters.wave if ctx.filters.wave is not None else (max(ctx.waves) if ctx.waves else None)
    rows = data_dates.as_of_rows(ctx.source, wave, lang)
    if rows:
        what = t("dates.what", lang)
        st.table(pd.DataFrame(rows, columns=[what, t("dates.when", lang)]).set_index(what))
    st.caption(t("dates.note", lang))


if __name__ == "__main__":
    render(state.current_context())
