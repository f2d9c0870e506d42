"""One builder per kind of view: what the view shows, from the query layer's frames (no Streamlit).

A builder takes a Source (dashboard.source), a View and the language and returns a ViewContent:
the chart to draw (a Plot of dashboard.charts / dashboard.maps), the table printed with it, its
caption and notes, its sources. The pages and the slides call the same builder, so a caption or a
fallback (the activity filter, too many organisations) is written here once. Every number comes
from queries/, already estimated and protected; a survey view whose filters leave too few
respondents raises FilterTooNarrow, which dashboard.content.build turns into the refusal's text.
"""

from __future__ import annotations

from dashboard import charts, labels as lb, maps, tables
from dashboard.content.view import Plot, View, ViewContent
from dashboard.i18n import t
from dashboard.source import Source
from data import codebook as cb
from queries import activity as qa, disclosure, export
from queries.filters import ActivityFilters, choice_label


def marks_text(lang: str) -> str:
    """The legend of the marks of survey charts, plain text (no markdown)."""
    return t(
        "marks.legend",
        lang,
        suppressed=cb.mark_label("suppressed", lang),
        low=cb.mark_label("low_reliability", lang),
        higher=cb.mark_label("higher", lang),
        lower=cb.mark_label("lower", lang),
        min_n=disclosure.min_n(),
    ).replace("**", "")


def difference_note(lang: str) -> str:
    """Why a taller bar may carry no 高い/低い: the marks are corrected for the many comparisons in
    one table (queries.indicators) and never put on 参考値 or 秘匿 groups."""
    return t(
        "breakdown.marks_note",
        lang,
        higher=cb.mark_label("higher", lang),
        lower=cb.mark_label("lower", lang),
        low=cb.mark_label("low_reliability", lang),
        suppressed=cb.mark_label("suppressed", lang),
    )


def activity_filters(view: View) -> ActivityFilters:
    """The activity period of a view plus its district filter (where people live: one district or
    a named group, as for the survey)."""
    return ActivityFilters(fiscal_years=view.fiscal_years, districts=view.filters.district)


# ---- the survey -------------------------------------------------------------------------------

# How to read each chart of an indicator (a page shows it with the chart, a slide under it).
INDICATOR_CAPTIONS = {"bar": "breakdown.whisker_note", "heatmap": "breakdown.heatmap_note", "map": "map.caption_approx"}


def indicator(source: Source, view: View, lang: str) -> ViewContent:
    """bar (one dimension), heatmap and multiples (two), map (by district)."""
    table = source.indicator_table(view.indicator, view.by, view.filters)
    title = cb.indicator(view.indicator).label[lang]
    key = INDICATOR_CAPTIONS.get(view.kind)
    caption = t(key, lang, low=cb.mark_label("low_reliability", lang)) if key else ""
    out = ViewContent(kind=view.kind, frame=table, caption=caption, notes=[marks_text(lang), difference_note(lang)])
    if table.empty:
        out.empty = True
        return out
    labelled = export.labelled_table(table, view.indicator, list(view.by), lang)
    # The table printed beside a slide's chart leaves out the difference and its adjusted p-value:
    # the chart carries 高い/低い and the notes explain them, and the table stays narrow enough to
    # sit beside the chart (presenter/handout.py). The pages show them (ui.indicator_table_block).
    headers = export.EN_HEADERS if lang == "en" else export.JA_HEADERS
    narrow = labelled.drop(columns=[headers["difference"], headers["p_adjusted"]], errors="ignore")
    if view.kind == "bar":
        out.plot = Plot(charts.indicator_bars, table, (view.by[0], lang), {"title": title})
        out.table = tables.for_screen(narrow, lang)
    elif view.kind in ("heatmap", "multiples"):
        builder = charts.indicator_heatmap if view.kind == "heatmap" else charts.indicator_small_multiples
        out.plot = Plot(builder, table, (view.by, lang), title=title)
        out.table = tables.for_screen(tables.two_way_table(labelled, view.by, lang), lang)
    else:  # map: drawn without tiles (the map page draws its own, with pydeck)
        # the consultation windows as dots, as on the map page (the 準備会 deck's notes point at them);
        # read now, not when the chart is drawn: a handout draws it after its connection is closed
        windows = source.windows(lang) if view.windows else None
        out.plot = Plot(
            lambda frame, lang, title: maps.district_map_chart(
                source.districts(), frame, lang, title=title, windows=windows
            ),
            table,
            (lang,),
            {"title": title},
        )
        out.table = tables.for_screen(narrow, lang)
        out.legend_html = maps.legend_html(table, lang, with_windows=windows is not None)
    if caption:
        out.notes.insert(0, caption)
    return out


def trend_notes(table, national, lang: str) -> tuple[str, list[str]]:
    """The caption of a trend (how to read it, why a change may carry no mark) and its sources
    (the national figures' citations, or why there is no national line)."""
    caption = " ".join(
        [
            t("trend.lead", lang),
            t(
                "trend.change_note",
                lang,
                low=cb.mark_label("low_reliability", lang),
                suppressed=cb.mark_label("suppressed", lang),
            ),
        ]
    )
    if national is None or national.empty:
        return caption, [t("trend.no_national", lang)]
    sources = (
        "；".join(dict.fromkeys(national["source"])) if lang == "ja" else "; ".join(dict.fromkeys(national["source"]))
    )
    base = "、".join(dict.fromkeys(national["base"])) if lang == "ja" else ", ".join(dict.fromkeys(national["base"]))
    return caption, [t("trend.national_note", lang, sources=sources, base=base)]


def trend(source: Source, view: View, lang: str) -> ViewContent:
    """An indicator over the survey waves, city-wide or by one dimension (small multiples), with the
    national survey's years beside it; the table printed with it is the CSV's layout, without the
    change's interval (the pages show it whole)."""
    from queries import trend as qt

    by = view.by[0] if view.by else None
    table = source.trend(view.indicator, by, view.filters)
    national = source.national_series(view.indicator, by, lang)
    caption, sources = trend_notes(table, national, lang)
    out = ViewContent(kind="trend", frame=table, caption=caption, notes=[caption, marks_text(lang)], sources=sources)
    if table.empty:
        out.empty = True
        return out
    title = cb.indicator(view.indicator).label[lang]
    out.plot = Plot(charts.trend_lines, table, (national, by, lang), title=title)
    labelled = qt.labelled_trend(table, by, lang)
    h = qt.EN_HEADERS if lang == "en" else qt.JA_HEADERS
    out.table = tables.for_screen(
        labelled.drop(columns=[h["change_prev_low_pct"], h["change_prev_high_pct"], h["reliability"]]), lang
    )
    return out


def cards(source: Source, view: View, lang: str) -> ViewContent:
    """The headline indicators as cards (all of them, or view.indicators in their order)."""
    head = source.headline(view.filters)
    if view.indicators:
        order = {i: k for k, i in enumerate(view.indicators)}
        head = head[head["indicator"].isin(order)].copy()
        head["_o"] = head["indicator"].map(order)
        head = head.sort_values("_o").drop(columns="_o")
    out = ViewContent(kind="cards", frame=head, cards=head.reset_index(drop=True), notes=[marks_text(lang)])
    out.table = tables.cards_table(head, lang)
    out.empty = head.empty
    return out


def need(source: Source, view: View, lang: str) -> ViewContent:
    """Estimated lonely residents beside consultations, by district."""
    frame = source.need(view.filters, activity_filters(view), lang)
    caption = t("activity.need_caption", lang)
    return ViewContent(
        kind="need",
        plot=Plot(charts.need_chart, frame, (lang,)),
        frame=frame,
        table=tables.need_table(frame, lang),
        caption=caption,
        notes=[caption, marks_text(lang), t("activity.small_note", lang)],
        sources=[t("source.activity", lang), t("source.population", lang)],
    )


# ---- the support organisations ----------------------------------------------------------------------


def activity(source: Source, view: View, lang: str) -> ViewContent:
    """A measure by month or fiscal year, split by at most one of field, district, type."""
    act = activity_filters(view)
    by = view.by[0] if view.by else None
    frame = source.activity(view.period, view.measure, by, act, lang)
    y_title = qa.measure_label(view.measure, lang)
    if view.period == "month":
        plot = Plot(charts.activity_lines, frame, (lang,), {"by": by, "y_title": y_title})
        first = t("activity.month", lang)
    else:
        plot = Plot(charts.activity_bars, frame, ("fiscal_year", lang), {"by": by, "value_title": y_title})
        first = t("activity.fiscal_year", lang)
    small = t("activity.small_note", lang)
    out = ViewContent(
        kind="activity",
        plot=plot,
        frame=frame,
        table=tables.wide_table(frame, lang, first),
        caption=small,
        notes=[small],
        sources=[t("source.activity", lang)],
    )
    if act.districts:
        out.filters_text = f"{cb.dimension_label('district', lang)}: {choice_label('district', act.districts, lang)}"
    return out


def referrals(source: Source, view: View, lang: str) -> ViewContent:
    """Referrals between organisation types or organisations; by type, with the reason, when there
    are too many organisations to read (queries.activity.TooManyGroups)."""
    act = ActivityFilters(fiscal_years=view.fiscal_years)
    notes = [t("activity.small_note", lang)]
    warning = ""
    try:
        matrix = source.referrals(view.level, act, lang)
    except qa.TooManyGroups as refused:  # too many organisations to read: the types instead
        warning = lb.refusal_text(refused, lang)
        notes.insert(0, warning)
        matrix = source.referrals("org_type", act, lang)
    first = f"{t('activity.from', lang)} ＼ {t('activity.to', lang)}"
    return ViewContent(
        kind="referrals",
        plot=Plot(charts.referral_heatmap, matrix, (lang,)),
        frame=matrix,
        table=tables.wide_table(matrix, lang, first),
        warning=warning,
        notes=notes,
        sources=[t("source.referrals", lang)],
    )


def members(source: Source, view: View, lang: str) -> ViewContent:
    """Platform members by type and field: counts of organisations, whose membership is public."""
    frame = source.members(lang)
    return ViewContent(
        kind="members",
        plot=Plot(charts.members_bars, frame, (lang,)),
        frame=frame,
        table=tables.wide_table(frame, lang, cb.value_set_label("org_type", lang)),
        caption=t("activity.members_note", lang),
        sources=[t("source.organisations", lang)],
    )


def directory(source: Source, view: View, lang: str) -> ViewContent:
    """The consultation windows (one field and the district of the view's filters, if given)."""
    entries = source.directory(view.fields, view.filters.district, "", lang)
    out = ViewContent(
        kind="directory",
        frame=entries,
        entries=entries.reset_index(drop=True),
        table=tables.directory_table(entries, lang),
        sources=[t("source.organisations", lang)],
    )
    out.empty = entries.empty
    return out
