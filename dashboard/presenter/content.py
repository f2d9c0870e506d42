"""What a deck slide shows: the query layer's frames drawn with the dashboard's chart builders.

No Streamlit here: the presenter page and the handouts (PDF/PPTX, CLI) share these functions.
Every number comes from queries/ already estimated and protected; this module only chooses the
builder, lays tables out for reading and scales the charts for a room. A view of figures carries
the users' note (queries.disclosure.notice); a survey view whose filters leave too few respondents
(FilterTooNarrow) carries the query layer's 「条件を広げてください」 instead of figures.
"""
from __future__ import annotations

import copy
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import altair as alt
import pandas as pd
import shapely

from dashboard import charts, labels as lb, maps, tables
from dashboard.i18n import methods_text, t
from dashboard.presenter import deck as dk
from dashboard.presenter.strings import ps
from dashboard.source import Source
from data import codebook as cb
from queries import activity as qa, disclosure, export
from queries.filters import ActivityFilters, Filters, choice_label

BASE_FONT = 12  # the font size dashboard.charts.themed configures
LEGEND_ROWS = 6
# Vega expression: a label of more than 5 characters on two lines, broken after 「・」, before
# 「（」 or 「センター」, else in the middle.
WRAP_LABEL = (
    "length(datum.label) <= 5 ? datum.label : "
    "indexof(datum.label, '（') > 0 ? [substring(datum.label, 0, indexof(datum.label, '（')), "
    "substring(datum.label, indexof(datum.label, '（'))] : "
    "indexof(datum.label, '・') > 0 ? [substring(datum.label, 0, indexof(datum.label, '・') + 1), "
    "substring(datum.label, indexof(datum.label, '・') + 1)] : "
    "indexof(datum.label, 'センター') > 0 ? [substring(datum.label, 0, indexof(datum.label, 'センター')), "
    "substring(datum.label, indexof(datum.label, 'センター'))] : "
    "[substring(datum.label, 0, ceil(length(datum.label) / 2)), substring(datum.label, ceil(length(datum.label) / 2))]"
)  # the map legend: five stops of the ramp and the grey of 秘匿


# ---- data facts shown on every slide ----------------------------------------------------------

@dataclass(frozen=True)
class DataFacts:
    """What the figures are as of: the survey year shown, the last month of activity records,
    the day the database was built."""
    built_at: pd.Timestamp | None
    is_demo: bool
    survey_wave: int | None = None
    activity_through: Any = None  # datetime.date of the last month with activity records

    def as_of_text(self, lang: str) -> str:
        parts = []
        if self.survey_wave is not None:
            parts.append(ps("facts.survey", lang, wave=self.survey_wave))
        if self.activity_through is not None:
            parts.append(ps("facts.activity", lang, month=qa.month_label(self.activity_through, lang)))
        if self.built_at is not None and not pd.isna(self.built_at):
            parts.append(ps("facts.built", lang, day=f"{pd.Timestamp(self.built_at):%Y-%m-%d}"))
        return f"{t('common.data_as_of', lang)}: {ps('facts.sep', lang).join(parts) or '—'}"


def data_facts(source: Source) -> DataFacts:
    log = source.import_log()
    months = source.activity_months()
    built = pd.to_datetime(log["built_at"]).max() if len(log) else None
    return DataFacts(built, bool(len(log) and log["is_demo"].astype(bool).any()),
                     source.latest_wave(), months[-1] if months else None)


def disclosure_rule(lang: str) -> str:
    """The disclosure rule in one paragraph (the handouts' footer)."""
    est = cb.estimation()
    return methods_text("disclosure", lang, min_n=disclosure.min_n(), neff=est["low_reliability_neff"],
                        width=est["low_reliability_ci_width_pct"], suppressed=cb.mark_label("suppressed", lang),
                        low=cb.mark_label("low_reliability", lang))


def marks_text(lang: str) -> str:
    """The legend of the marks of survey charts, plain text (no markdown)."""
    return t("marks.legend", lang, suppressed=cb.mark_label("suppressed", lang),
             low=cb.mark_label("low_reliability", lang), higher=cb.mark_label("higher", lang),
             lower=cb.mark_label("lower", lang), min_n=disclosure.min_n()).replace("**", "")


# ---- one view's content -----------------------------------------------------------------------

@dataclass
class ViewContent:
    """What a view slide shows: a chart (Altair, from the dashboard's builders), the table printed
    under it, cards or directory entries for the kinds drawn as HTML, notes and sources."""
    kind: str
    chart: Any = None
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    cards: pd.DataFrame | None = None
    entries: pd.DataFrame | None = None
    legend_html: str = ""
    notes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    filters_text: str = ""
    empty: bool = False
    notice: str = ""      # the users' note on adjusted figures (views of statistics)
    refused: str = ""     # why no figures are shown (FilterTooNarrow's text), if so


# Views of statistics (adjusted figures): every kind but the organisation lists.
STATISTICS_KINDS = (*dk.INDICATOR_KINDS, "cards", "activity", "referrals", "need")


def activity_filters(view: dk.View) -> ActivityFilters:
    """The activity period of a view plus its district filter (where people live: one district or
    a named group, as for the survey)."""
    return ActivityFilters(fiscal_years=view.fiscal_years, districts=view.filters.district)


def survey_source(source: Source, filters: Filters, lang: str, by: Sequence[str] = ()) -> str:
    """The survey a view's figures come from: a view by channel shows both channels (each its
    own group, never added up), whatever its channel filter says."""
    wave = filters.wave or source.latest_wave()
    codes = cb.codes("channel") if "channel" in by else filters.channels
    channel = "・".join(cb.code_label("channel", c, lang) for c in codes) if lang == "ja" else \
        " / ".join(cb.code_label("channel", c, lang) for c in codes)
    return ps("source.survey", lang, wave=wave if wave else "—", channel=channel)


def view_content(source: Source, view: dk.View, lang: str, title: str | None = None) -> ViewContent:
    """The chart, table, notes and sources of VIEW (all numbers from queries/)."""
    builder = _BUILDERS[view.kind]
    try:
        content = builder(source, view, lang)
    except disclosure.FilterTooNarrow as refused:
        content = ViewContent(kind=view.kind, empty=True, refused=refused.text(lang))
    if view.kind in STATISTICS_KINDS and not content.refused:
        content.notice = disclosure.notice(lang)
    if view.is_survey:
        in_view = lb.filters_text(view.filters, source.latest_wave(), lang)
        content.filters_text = f"{t('common.filters_now', lang)}: {in_view}"
        content.sources.insert(0, survey_source(source, view.filters, lang, view.by))
        if view.filters.includes_open_web or "channel" in view.by:
            content.notes.insert(0, f"{cb.mark_label('open_web', lang)}: {t('banner.open_web', lang)}")
    return content


def _indicator_view(source, view: dk.View, lang: str) -> ViewContent:
    table = source.indicator_table(view.indicator, view.by, view.filters)
    title = cb.indicator(view.indicator).label[lang]
    out = ViewContent(kind=view.kind, notes=[marks_text(lang)])
    if table.empty:
        out.empty = True
        return out
    labelled = export.labelled_table(table, view.indicator, list(view.by), lang)
    if view.kind == "bar":
        out.chart = charts.indicator_bars(table, view.by[0], lang, title=title)
        out.notes.insert(0, t("breakdown.whisker_note", lang))
        out.table = labelled
    elif view.kind == "heatmap":
        out.chart = charts.indicator_heatmap(table, view.by, lang).properties(title=title)
        out.notes.insert(0, t("breakdown.heatmap_note", lang, low=cb.mark_label("low_reliability", lang)))
        out.table = tables.two_way_table(labelled, view.by, lang)
    elif view.kind == "multiples":
        out.chart = charts.indicator_small_multiples(table, view.by, lang).properties(title=title)
        out.table = tables.two_way_table(labelled, view.by, lang)
    else:  # map
        out.chart = district_map_chart(source.districts(), table, lang, title=title)
        out.table = labelled
        out.legend_html = maps.legend_html(table, lang, with_windows=False)
        out.notes.insert(0, t("map.caption_approx", lang))
    return out


def _cards_view(source, view: dk.View, lang: str) -> ViewContent:
    head = source.headline(view.filters)
    if view.indicators:
        order = {i: k for k, i in enumerate(view.indicators)}
        head = head[head["indicator"].isin(order)].copy()
        head["_o"] = head["indicator"].map(order)
        head = head.sort_values("_o").drop(columns="_o")
    out = ViewContent(kind="cards", cards=head.reset_index(drop=True), notes=[marks_text(lang)])
    out.table = tables.cards_table(head, lang)
    out.empty = head.empty
    return out


def _activity_view(source, view: dk.View, lang: str) -> ViewContent:
    act = activity_filters(view)
    by = view.by[0] if view.by else None
    frame = source.activity(view.period, view.measure, by, act, lang)
    y_title = qa.measure_label(view.measure, lang)
    if view.period == "month":
        chart = charts.activity_lines(frame, lang, by=by, y_title=y_title)
        first = t("activity.month", lang)
    else:
        chart = charts.activity_bars(frame, "fiscal_year", lang, by=by, value_title=y_title)
        first = t("activity.fiscal_year", lang)
    wide = qa.as_wide(frame, lang)
    wide = wide.rename(columns={wide.columns[0]: first})
    out = ViewContent(kind="activity", chart=chart, table=wide, notes=[t("activity.small_note", lang)],
                      sources=[ps("source.activity", lang)])
    if act.districts:
        out.filters_text = f"{cb.dimension_label('district', lang)}: {choice_label('district', act.districts, lang)}"
    return out


def _referrals_view(source, view: dk.View, lang: str) -> ViewContent:
    act = ActivityFilters(fiscal_years=view.fiscal_years)
    notes = [t("activity.small_note", lang)]
    try:
        matrix = source.referrals(view.level, act, lang)
    except qa.TooManyGroups as refused:   # too many organisations to read: the types instead
        notes.insert(0, lb.refusal_text(refused, lang))
        matrix = source.referrals("org_type", act, lang)
    wide = qa.as_wide(matrix, lang)
    wide = wide.rename(columns={wide.columns[0]: f"{t('activity.from', lang)} ＼ {t('activity.to', lang)}"})
    return ViewContent(kind="referrals", chart=charts.referral_heatmap(matrix, lang), table=wide,
                       notes=notes, sources=[ps("source.referrals", lang)])


def _need_view(source, view: dk.View, lang: str) -> ViewContent:
    need = source.need(view.filters, activity_filters(view), lang)
    return ViewContent(kind="need", chart=charts.need_chart(need, lang), table=tables.need_table(need, lang),
                       notes=[t("activity.need_caption", lang), marks_text(lang), t("activity.small_note", lang)],
                       sources=[ps("source.activity", lang), ps("source.population", lang)])


def _members_view(source, view: dk.View, lang: str) -> ViewContent:
    frame = source.members(lang)
    wide = qa.as_wide(frame, lang)
    wide = wide.rename(columns={wide.columns[0]: cb.value_set_label("org_type", lang)})
    return ViewContent(kind="members", chart=members_bars(frame, lang), table=wide,
                       sources=[ps("source.organisations", lang)])


def _directory_view(source, view: dk.View, lang: str) -> ViewContent:
    entries = source.directory(view.fields, view.filters.district, "", lang)
    out = ViewContent(kind="directory", entries=entries.reset_index(drop=True),
                      table=tables.directory_table(entries, lang), sources=[ps("source.organisations", lang)])
    out.empty = entries.empty
    return out


_BUILDERS = {
    "bar": _indicator_view, "heatmap": _indicator_view, "multiples": _indicator_view, "map": _indicator_view,
    "cards": _cards_view, "activity": _activity_view, "referrals": _referrals_view, "need": _need_view,
    "members": _members_view, "directory": _directory_view,
}


# ---- builders the dashboard does not have ------------------------------------------------------

def members_bars(frame: pd.DataFrame, lang: str) -> alt.Chart:
    """Platform members per field, stacked by organisation type: counts of organisations, whose
    membership is public (no masking). An organisation counts once in each of its fields."""
    data = frame[~frame["is_total"].astype(bool)].copy()
    data["n"] = pd.to_numeric(data["members"], errors="coerce").astype("float64")
    data = data[data["n"] > 0]
    fields_ = [cb.code_label("field", c, lang) for c in cb.codes("field")]
    types = [cb.code_label("org_type", c, lang) for c in cb.codes("org_type")]
    title = ps("members.count", lang)
    chart = alt.Chart(data).mark_bar(height={"band": 0.75}, stroke="white", strokeWidth=1).encode(
        y=alt.Y("field_label:N", sort=fields_, scale=alt.Scale(domain=fields_),
                axis=charts._horizontal_y_title(cb.value_set_label("field", lang))),
        x=alt.X("sum(n):Q", title=title, axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("org_type_label:N", title=cb.value_set_label("org_type", lang), sort=types,
                        scale=alt.Scale(domain=types, range=charts.OKABE_ITO[: len(types)])),
        order=alt.Order("org_type:Q"),
        tooltip=[alt.Tooltip("field_label:N", title=cb.value_set_label("field", lang)),
                 alt.Tooltip("org_type_label:N", title=cb.value_set_label("org_type", lang)),
                 alt.Tooltip("display:N", title=title)],
    ).properties(height=max(120, 30 * len(fields_)))
    return charts.themed(chart)


def district_map_chart(districts, table: pd.DataFrame, lang: str, title: str | None = None,
                       windows: pd.DataFrame | None = None) -> alt.HConcatChart:
    """The indicator by district as a static Altair map (drawn from maps.district_features, so
    colours and 秘匿 are the map page's) with a legend of the ramp; no tiles, no WebGL."""
    geo = maps.district_features(districts, table, lang)
    feats = copy.deepcopy(geo["features"])
    for f in feats:
        # d3-geo (Vega) wants exterior rings clockwise, the reverse of GeoJSON's convention.
        shape = shapely.orient_polygons(shapely.from_geojson(json.dumps(f["geometry"])), exterior_cw=True)
        f["geometry"] = json.loads(shapely.to_geojson(shape))
        r, g, b, _ = f["properties"]["fill"]
        f["properties"]["fill_css"] = f"rgb({r},{g},{b})"
    shapes = alt.Chart(alt.Data(values=feats)).mark_geoshape(stroke="white", strokeWidth=2).encode(
        fill=alt.Fill("properties.fill_css:N", scale=None),
        tooltip=[alt.Tooltip("properties.name:N", title=cb.dimension_label("district", lang)),
                 alt.Tooltip("properties.estimate:N", title=t("common.estimate", lang)),
                 alt.Tooltip("properties.interval:N", title=t("common.interval", lang))])
    label_rows = []
    for f in feats:
        lon, lat = maps._label_position(f["geometry"])
        label_rows.append({"lon": lon, "lat": lat, "name": f["properties"]["name"],
                           "value": f["properties"]["estimate"] or "—"})
    labels_df = pd.DataFrame(label_rows)
    names = alt.Chart(labels_df).mark_text(fontSize=13, fontWeight="bold", dy=-9, stroke="white",
                                           strokeWidth=3).encode(longitude="lon:Q", latitude="lat:Q", text="name:N")
    names_fill = alt.Chart(labels_df).mark_text(fontSize=13, fontWeight="bold", dy=-9).encode(
        longitude="lon:Q", latitude="lat:Q", text="name:N")
    values = alt.Chart(labels_df).mark_text(fontSize=12, dy=9, stroke="white", strokeWidth=3).encode(
        longitude="lon:Q", latitude="lat:Q", text="value:N")
    values_fill = alt.Chart(labels_df).mark_text(fontSize=12, dy=9).encode(
        longitude="lon:Q", latitude="lat:Q", text="value:N")
    layers = [shapes, names, names_fill, values, values_fill]
    pts = maps.window_points(windows, lang) if windows is not None else None
    if pts is not None and len(pts):
        layers.insert(1, alt.Chart(pts).mark_circle(size=30, color="black", opacity=0.8).encode(
            longitude="lon:Q", latitude="lat:Q", tooltip=["name:N"]))
    the_map = alt.layer(*layers).project(type="mercator").properties(width=420, height=360)
    if title:
        the_map = the_map.properties(title=title)
    stops = maps.legend_stops(table, steps=LEGEND_ROWS - 1)
    grey = "rgb({},{},{})".format(*maps.SUPPRESSED_RGB)
    legend_rows = [{"i": i, "text": v, "colour": c} for i, (v, c) in enumerate(reversed(stops))]
    legend_rows.append({"i": len(legend_rows), "text": cb.mark_label("suppressed", lang), "colour": grey})
    legend_df = pd.DataFrame(legend_rows)
    y = alt.Y("i:O", axis=None)
    swatch = alt.Chart(legend_df).mark_square(size=220).encode(y=y, color=alt.Color("colour:N", scale=None))
    words = alt.Chart(legend_df).mark_text(align="left", dx=14, fontSize=12).encode(y=y, text="text:N")
    legend = alt.layer(swatch, words).properties(width=110, height=24 * len(legend_rows),
                                                 title=t("common.estimate", lang))
    return charts.themed(alt.hconcat(the_map, legend, spacing=16))


# ---- sizing for a room or a page -------------------------------------------------------------

def _scale_fonts(node: Any, factor: float) -> Any:
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool) and (k == "fontSize" or k.endswith("FontSize")):
                out[k] = round(v * factor, 1)
            elif isinstance(v, (int, float)) and not isinstance(v, bool) and k in ("labelLimit", "dx", "dy", "titleY"):
                out[k] = round(v * factor, 1)
            elif k == "mark" and isinstance(v, dict) and isinstance(v.get("size"), (int, float)):
                out[k] = {**_scale_fonts(v, factor), "size": round(v["size"] * factor * factor, 1)}
            elif k == "datasets":
                out[k] = v
            else:
                out[k] = _scale_fonts(v, factor)
        return out
    if isinstance(node, list):
        return [_scale_fonts(v, factor) for v in node]
    return node


def _strip_sizes(spec: dict) -> None:
    spec.pop("width", None)
    spec.pop("height", None)


def _concat_parts(spec: dict) -> tuple[str, list[dict]] | None:
    for key in ("hconcat", "vconcat", "concat"):
        if key in spec:
            return key, spec[key]
    return None


def sized_spec(chart, width: int, height: int, font_px: float) -> dict:
    """The chart's Vega-Lite spec scaled for a slide or a page: every font (axes, legends, marks,
    titles) from the builders' 12 px to FONT_PX, and the drawing fitted into WIDTH × HEIGHT px."""
    spec = chart.to_dict() if hasattr(chart, "to_dict") else copy.deepcopy(chart)
    factor = font_px / BASE_FONT
    spec = _scale_fonts(spec, factor)
    config = spec.setdefault("config", {})
    config.setdefault("text", {})["fontSize"] = round(font_px * 0.9, 1)
    config.setdefault("axis", {}).update({"labelPadding": 4, "titlePadding": 6})
    config.setdefault("legend", {}).update({"symbolSize": round(100 * factor, 1), "orient": "right",
                                            "direction": "vertical", "columns": 1,
                                            "titleLimit": round(font_px * 14, 1)})
    config["axisQuantitative"] = {**config.get("axisQuantitative", {}), "tickCount": 6}
    # Long Japanese category labels on a horizontal band axis: two lines, never rotated.
    config["axisXBand"] = {**config.get("axisXBand", {}), "labelExpr": WRAP_LABEL, "labelOverlap": False,
                           "labelLineHeight": round(font_px * 1.15, 1)}
    # A two-line label on a top axis grows downwards from its baseline: leave it a line of room.
    config["axisTop"] = {**config.get("axisTop", {}), "labelPadding": round(font_px * 1.2 + 4, 1)}
    config["padding"] = 4
    title_px = font_px * 1.1
    if isinstance(spec.get("title"), str):
        spec["title"] = {"text": spec["title"], "fontSize": title_px}
    parts = _concat_parts(spec)
    if parts is None:
        spec["width"], spec["height"] = int(width), int(height)
        spec["autosize"] = {"type": "fit", "contains": "padding"}
        return spec
    key, subs = parts
    n = len(subs)
    height = height * 0.92  # concatenated views have no "fit": leave room for what the estimate misses
    if key == "hconcat":
        cols, rows = n, 1
    elif key == "vconcat":
        cols, rows = 1, n
    else:
        cols = min(n, int(spec.get("columns") or n))
        rows = math.ceil(n / cols)
    extra_h = title_px * 1.6 if spec.get("title") else 0
    spacing = int(spec.get("spacing", 20) * factor)
    spec["spacing"] = spacing
    label_space = font_px * 7   # y-axis labels and titles of each panel
    axis_space = font_px * 3.2  # x-axis labels and title
    is_map_legend = key == "hconcat" and n == 2 and "projection" in subs[0]
    for i, sub in enumerate(subs):
        _strip_sizes(sub)
        if is_map_legend:
            if i == 0:
                sub["width"] = int(max(100, width - font_px * 9 - spacing))
                sub["height"] = int(max(100, height - extra_h - (title_px * 1.6 if sub.get("title") else 0)))
            else:
                sub["width"] = int(font_px * 6)
                sub["height"] = int(font_px * 1.5 * LEGEND_ROWS)
            continue
        sub["width"] = int(max(60, (width - spacing * (cols - 1)) / cols - label_space))
        sub["height"] = int(max(40, (height - extra_h - spacing * (rows - 1)) / rows - axis_space
                                - (title_px * 1.4 if sub.get("title") else 0)))
    return spec


def png_bytes(spec: dict, scale: float = 2.0) -> bytes:
    """The spec rendered to PNG with the shipped Japanese font (vl-convert)."""
    from dashboard.presenter.render import to_png

    return to_png(spec, scale)
