"""支援団体の活動 — consultations over months and fiscal years, referrals, and need by district.

The period is one fiscal year or all of them (a single choice, ?act_fy=2024), as the query layer
allows (queries.filters.ActivityFilters); the district is the sidebar's (one district or a named
group). The monthly and fiscal-year tables are downloaded as `python -m queries activity ...` writes
them for the same view (queries.export.activity_frame_csv on the frame the page holds).
"""

from __future__ import annotations

import streamlit as st

from dashboard import content, csv_layouts, state, ui, urlparams
from dashboard.content import View, builders, kinds
from dashboard.i18n import t
from dashboard.state import PageContext
from data import codebook as cb
from queries import activity as qa

NONE = "none"
BREAKDOWNS = (NONE, *kinds.ACTIVITY_SPLITS)
ALL_YEARS = 0  # the 年度 selectbox's option for every fiscal year (None would read as no selection)
FY_KEY = "act_fy"


def by_label(by: str, lang: str) -> str:
    if by == NONE:
        return t("activity.total", lang)
    return cb.value_set_label(by, lang)


def seed_fiscal_year(years: list[int]) -> list[str]:
    """The 年度 choice from ?act_fy= the first time the page is drawn; the URL text dropped if it
    is not one fiscal year of the data (returned, for the page to say so)."""
    if FY_KEY in st.session_state:
        return []
    raw = urlparams.raw(FY_KEY)
    year = urlparams.decimal(raw, digits=4)
    chosen = year if year is not None and year in years else ALL_YEARS
    st.session_state[FY_KEY] = chosen
    return [urlparams.dropped_text(FY_KEY, raw.strip())] if raw and raw.strip() and chosen == ALL_YEARS else []


def controls(ctx: PageContext) -> tuple[str, str, int]:
    lang = ctx.lang
    years = ctx.source.fiscal_years()
    state.url_choice("measure", list(qa.MEASURES), qa.MEASURES[0], lang=ctx.lang)
    state.url_choice("act_by", list(BREAKDOWNS), NONE, lang=ctx.lang)
    dropped = seed_fiscal_year(years)
    if st.session_state.get(FY_KEY) not in (ALL_YEARS, *years):
        st.session_state[FY_KEY] = ALL_YEARS
    state.note_dropped(dropped, lang)
    c1, c2, c3 = st.columns([2, 2, 3])
    measure = c1.selectbox(
        t("activity.count", lang),
        list(qa.MEASURES),
        format_func=lambda m: qa.measure_label(m, lang),
        key=state.relabelled("measure"),
    )
    by = c2.selectbox(
        t("activity.by", lang),
        list(BREAKDOWNS),
        format_func=lambda b: by_label(b, lang),
        key=state.relabelled("act_by"),
    )
    fiscal = c3.selectbox(
        t("activity.fiscal_year", lang),
        [ALL_YEARS, *years],
        key=state.relabelled(FY_KEY),
        format_func=lambda y: t("activity.all_years", lang) if y == ALL_YEARS else qa.fiscal_year_label(y, lang),
    )
    state.write_choice("measure", measure, qa.MEASURES[0])
    state.write_choice("act_by", by, NONE)
    state.write_choice(FY_KEY, fiscal, ALL_YEARS)
    return measure, by, int(fiscal)


def render(ctx: PageContext) -> None:
    lang = ctx.lang
    st.title(t("page.activity", lang))
    measure, by, fiscal = controls(ctx)
    # The period (one fiscal year or all) and the sidebar's district (where people live).
    scope = {"fiscal_years": (fiscal,) if fiscal else (), "filters": ctx.filters}
    split = () if by == NONE else (by,)
    monthly = content.build(ctx.source, View(kind="activity", measure=measure, period="month", by=split, **scope), lang)
    yearly = content.build(
        ctx.source, View(kind="activity", measure=measure, period="fiscal_year", by=split, **scope), lang
    )
    act = builders.activity_filters(View(kind="activity", **scope))  # the downloads' file names
    y_title = qa.measure_label(measure, lang)
    st.caption(monthly.caption)
    if monthly.filters_text:
        st.caption(monthly.filters_text)

    st.subheader(
        t("activity.monthly", lang) if measure == "consultations" else f"{y_title}（{t('activity.month', lang)}）"
    )
    ui.plot(monthly.plot)
    ui.chart_alt(monthly.table, f"{y_title} / {t('activity.month', lang)}", lang)
    with st.expander(t("common.table", lang)):
        ui.activity_table_with_download(
            monthly.table,
            monthly.frame,
            f"{y_title}_{t('activity.month', lang)}_{by_label(by, lang)}",
            act,
            ctx,
            key="dl_act_month",
        )

    st.subheader(
        t("activity.fiscal", lang) if measure == "consultations" else f"{y_title}（{t('activity.fiscal_year', lang)}）"
    )
    ui.plot(yearly.plot)
    ui.chart_alt(yearly.table, f"{y_title} / {t('activity.fiscal_year', lang)}", lang)
    ui.activity_table_with_download(
        yearly.table,
        yearly.frame,
        f"{y_title}_{t('activity.fiscal_year', lang)}_{by_label(by, lang)}",
        act,
        ctx,
        key="dl_act_fy",
    )

    st.subheader(t("activity.referrals", lang))
    levels = list(kinds.REFERRAL_LEVELS)
    state.url_choice("ref_level", levels, levels[0], lang=ctx.lang)
    level = (
        st.segmented_control(
            t("activity.referral_level", lang),
            levels,
            key=state.relabelled("ref_level"),
            required=True,
            format_func=lambda v: t("activity.level_org_type" if v == "org_type" else "activity.level_org", lang),
        )
        or levels[0]
    )
    state.write_choice("ref_level", level, levels[0])
    referrals = content.build(ctx.source, View(kind="referrals", level=level, fiscal_years=scope["fiscal_years"]), lang)
    if referrals.warning:  # too many organisations to read: the types instead
        st.warning(referrals.warning, icon=":material/groups:")
    # Twenty-odd organisations at fixed cell widths overflow the page: fit those to its width.
    ui.plot(referrals.plot, stretch=level == "org" and not referrals.warning)
    ui.chart_alt(referrals.table, t("activity.referrals", lang), lang)
    ui.table_with_download(
        referrals.table,
        t("activity.referrals", lang),
        ctx,
        key="dl_act_ref",
        csv=csv_layouts.counts_csv(referrals.frame, lang, t("activity.from", lang), t("activity.to", lang)),
    )

    st.subheader(t("activity.need", lang))
    st.caption(t("activity.need_caption", lang))
    ui.open_web_banner(ctx)
    need = content.build(ctx.source, View(kind="need", **scope), lang)
    if need.refused:
        ui.too_narrow(need.refused)
    else:
        ui.plot(need.plot, stretch=False)
        ui.chart_alt(need.table, t("activity.need", lang), lang)
        ui.marks_legend(lang)
        ui.table_with_download(
            need.table, t("activity.need", lang), ctx, key="dl_act_need", csv=csv_layouts.need_csv(need.frame, lang)
        )

    st.subheader(t("activity.members", lang))
    members = content.build(ctx.source, View(kind="members"), lang)
    st.caption(members.caption)
    # Counts of organisations, whose membership is public: not adjusted, so no note, no note row.
    ui.table_with_download(
        members.table,
        t("activity.members", lang),
        ctx,
        key="dl_act_members",
        statistics=False,
        csv=csv_layouts.counts_csv(
            members.frame, lang, cb.value_set_label("org_type", lang), cb.value_set_label("field", lang), "members"
        ),
    )


if __name__ == "__main__":
    render(state.current_context())
