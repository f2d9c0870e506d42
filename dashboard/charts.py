"""Chart builders: plain functions from query-layer frames to Altair charts.

No Streamlit here, so the presenter mode and the PDF/PPTX handouts draw the same charts. Every
builder returns a themed chart (UD font, horizontal labels, Okabe–Ito colours). Suppressed cells
are never drawn as values: they appear only as a grey text mark 秘匿; low-reliability cells are
pale with a dashed outline and the text mark 参考値.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import altair as alt
import pandas as pd

from dashboard import labels as lb
from dashboard.i18n import t
from data import codebook as cb
from queries.export import group_label

FONT = "BIZ UDPGothic"
# Okabe & Ito (2008), colour-blind-safe qualitative palette.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
# A ninth series (e.g. the field その他) takes grey rather than repeating a colour.
CATEGORICAL = [*OKABE_ITO, "#999999"]
BLUE = "#0072B2"
PALE_BLUE = "#9CC8E6"
GREY = "#BBBBBB"
DARK = "#333333"
# Sequential, colour-blind-safe (viridis); light = low, dark = high.
SEQUENTIAL_SCHEME = "viridis"
# px: the longest organisation name of the demo is about 250 px at 12 px.
REFERRAL_LABEL_LIMIT = 320

# Altair checks each schema object against the Vega-Lite schema as it is made (its "debug mode"),
# a quarter to a third of building a chart at every rerun. The tests check every builder's whole
# spec against the schema (to_dict() validates, tests/dashboard/test_charts.py), so charts are
# built without the check, as Altair's maintainers advise for web applications (vega/altair#3545).
alt.utils.schemapi.disable_debug_mode()


def _theme_config() -> alt.Config:
    return alt.Config(
        font=FONT,
        axis=alt.AxisConfig(
            labelFont=FONT,
            titleFont=FONT,
            labelAngle=0,
            labelLimit=260,
            labelFontSize=12,
            titleFontSize=12,
            labelOverlap=True,
        ),
        legend=alt.LegendConfig(
            labelFont=FONT,
            titleFont=FONT,
            labelLimit=320,
            labelFontSize=12,
            titleFontSize=12,
            orient="bottom",
            direction="horizontal",
        ),
        header=alt.HeaderConfig(labelFont=FONT, titleFont=FONT, labelFontSize=12, labelAngle=0),
        title=alt.TitleConfig(font=FONT, anchor="start", fontSize=14),
        text=alt.MarkConfig(font=FONT),
        view=alt.ViewConfig(stroke=None),
    )


_THEME = _theme_config()  # built (and checked against the schema) once


def theme_config() -> alt.Config:
    """The dashboard's look as one Vega-Lite config: UD font everywhere, horizontal axis labels,
    quiet frame. A fresh copy each time (Altair validates a Config as it is made)."""
    return _THEME.copy(deep=True)


def themed(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The dashboard's look (theme_config) set on CHART, which is returned.

    Set in place, in one step: the builders hand over charts they have just made, and each
    configure_* call would copy the whole chart, data included (most of a page's rerun time)."""
    if chart.config is not alt.Undefined:  # already configured: merge, as configure_* would
        theme = theme_config().to_dict(validate=False)
        axis, legend, header, title, text, view = (
            theme.pop(k) for k in ("axis", "legend", "header", "title", "text", "view")
        )
        return (
            chart.configure(**theme)
            .configure_axis(**axis)
            .configure_legend(**legend)
            .configure_header(**header)
            .configure_title(**title)
            .configure_text(**text)
            .configure_view(**view)
        )
    chart.config = theme_config()
    return chart


def _when(channel, test: str, if_true, if_false):
    """alt.condition(test, alt.value(if_true), alt.value(if_false)) as a channel object: Altair
    turns a plain condition dict into a channel by searching its whole schema, every time."""
    return channel(condition={"test": test, "value": if_true}, value=if_false)


def _literal(text: str) -> str:
    """TEXT as a string literal of a Vega expression (JSON's quoting is valid there)."""
    return json.dumps(text, ensure_ascii=False)


def _set(chart, **props):
    """chart.properties(**props) on a chart this module has just made, set in place: properties()
    copies the chart, and copying a layered chart runs its constructor over every layer again."""
    for key, value in props.items():
        setattr(chart, key, value)
    return chart


# ---- survey indicators -------------------------------------------------------------------------


def _dark_threshold(values: pd.Series) -> float:
    """Cells above this value are dark on the reversed viridis ramp: their text goes white."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty:
        return float("inf")
    return float(v.min() + 0.55 * (v.max() - v.min()))


def _horizontal_y_title(title: str) -> alt.Axis:
    """A y-axis whose title reads horizontally above the labels (Japanese is not rotated)."""
    return alt.Axis(
        title=title, titleAngle=0, titleAlign="right", titleAnchor="end", titleY=-6, titleX=0, titleBaseline="bottom"
    )


def indicator_frame(table: pd.DataFrame, dims: Sequence[str], lang: str) -> pd.DataFrame:
    """The plot data of an indicator table: one row per group with labels and marks."""
    rows = []
    for _, r in table.iterrows():
        st_key = lb.status(r)
        suppressed = st_key == lb.STATUS_SUPPRESSED
        notes = [lb.difference_label(r.get("difference"), lang)]
        if st_key == lb.STATUS_LOW:
            notes.append(cb.mark_label("low_reliability", lang))
        if suppressed:
            notes = [cb.mark_label("suppressed", lang)]
        out = {
            "is_total": bool(r.get("is_total", False)),
            "estimate": None if suppressed or lb.is_missing(r["estimate_pct"]) else float(r["estimate_pct"]),
            "ci_low": None if suppressed or lb.is_missing(r["ci_low_pct"]) else float(r["ci_low_pct"]),
            "ci_high": None if suppressed or lb.is_missing(r["ci_high_pct"]) else float(r["ci_high_pct"]),
            "n_text": "" if suppressed else lb.int_text(r.get("n")),
            "status": st_key,
            "status_label": lb.status_label(st_key, lang),
            "note": " ".join(n for n in notes if n),
            "estimate_text": cb.mark_label("suppressed", lang) if suppressed else lb.pct_text(r["estimate_pct"]),
            "interval_text": "" if suppressed else lb.interval_text(r["ci_low_pct"], r["ci_high_pct"], lang),
        }
        for i, dim in enumerate(dims):
            out[f"label{i}"] = group_label(dim, r[dim], lang)
        rows.append(out)
    frame = pd.DataFrame(rows)
    for col in ("estimate", "ci_low", "ci_high"):
        if col in frame:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame


def _status_colour(lang: str) -> alt.Color:
    keys = [lb.STATUS_OK, lb.STATUS_LOW, lb.STATUS_SUPPRESSED]
    return alt.Color(
        "status_label:N",
        title=t("common.status", lang),
        scale=alt.Scale(domain=[lb.status_label(k, lang) for k in keys], range=[BLUE, PALE_BLUE, GREY]),
    )


def _tooltip(lang: str, label_fields: Sequence[tuple[str, str]]) -> list[alt.Tooltip]:
    return [
        *(alt.Tooltip(f, title=title) for f, title in label_fields),
        alt.Tooltip("estimate_text:N", title=t("common.estimate", lang)),
        alt.Tooltip("interval_text:N", title=t("common.interval", lang)),
        alt.Tooltip("n_text:N", title=t("common.n", lang)),
        alt.Tooltip("status_label:N", title=t("common.status", lang)),
    ]


def _bars(
    frame: pd.DataFrame,
    dim: str,
    label_col: str,
    lang: str,
    x_max: float,
    total: float | None,
    title: str | alt.TitleParams | None = None,
) -> alt.LayerChart:
    """Horizontal bars with interval whiskers and text marks; categories on the y-axis."""
    order = list(dict.fromkeys(frame[label_col]))
    y = alt.Y(f"{label_col}:N", sort=order, title=None, scale=alt.Scale(domain=order))
    x_scale = alt.Scale(domain=[0, x_max], nice=False)
    x_title = f"{t('common.estimate', lang)}（%）" if lang == "ja" else f"{t('common.estimate', lang)} (%)"
    values = frame[frame["estimate"].notna()]
    hidden = frame[frame["status"] == lb.STATUS_SUPPRESSED]
    tip = _tooltip(lang, [(f"{label_col}:N", cb.dimension_label(dim, lang))])

    bars = (
        alt.Chart(values)
        .mark_bar(height={"band": 0.7}, strokeWidth=1.5)
        .encode(
            y=y,
            x=alt.X("estimate:Q", title=x_title, scale=x_scale),
            color=_status_colour(lang),
            stroke=_when(alt.StrokeValue, f"datum.status == '{lb.STATUS_LOW}'", BLUE, None),
            strokeDash=_when(alt.StrokeDashValue, f"datum.status == '{lb.STATUS_LOW}'", [4, 3], [1, 0]),
            tooltip=tip,
        )
    )
    whiskers = (
        alt.Chart(values)
        .mark_rule(color=DARK, strokeWidth=1.5)
        .encode(
            y=y,
            x=alt.X("ci_low:Q", scale=x_scale),
            x2=alt.X2("ci_high:Q"),
            tooltip=tip,
        )
    )
    notes = (
        alt.Chart(values[values["note"] != ""])
        .mark_text(align="left", dx=4, color=DARK, fontSize=12)
        .encode(y=y, x=alt.X("ci_high:Q", scale=x_scale), text=alt.Text("note:N"))
    )
    suppressed = (
        alt.Chart(hidden.assign(zero=0.0))
        .mark_text(align="left", dx=2, color="#666666", fontSize=12, fontStyle="italic")
        .encode(y=y, x=alt.X("zero:Q", scale=x_scale), text=alt.Text("note:N"), tooltip=tip)
    )
    layers = [bars, whiskers, notes, suppressed]
    if total is not None:
        rule_data = pd.DataFrame({"total": [total], "text": [f"{cb.all_label(lang)} {total:.1f}%"]})
        layers.append(
            alt.Chart(rule_data).mark_rule(color=DARK, strokeDash=[2, 2]).encode(x=alt.X("total:Q", scale=x_scale))
        )
    chart = alt.layer(*layers)
    if title is not None:
        _set(chart, title=title)
    return _set(chart, height=max(60, 28 * len(order)))


def _x_max(frame: pd.DataFrame) -> float:
    tops = pd.concat([frame.get("ci_high", pd.Series(dtype=float)), frame.get("estimate", pd.Series(dtype=float))])
    top = float(tops.max()) if tops.notna().any() else 10.0
    return max(5.0, top * 1.3)


def indicator_bars(table: pd.DataFrame, dim: str, lang: str, title: str | None = None) -> alt.LayerChart:
    """One indicator by one dimension (an indicator_table with by=[dim])."""
    frame = indicator_frame(table, [dim], lang)
    totals = frame[frame["is_total"]]
    groups = frame[~frame["is_total"]]
    total = totals["estimate"].iloc[0] if len(totals) and pd.notna(totals["estimate"].iloc[0]) else None
    chart = _bars(groups, dim, "label0", lang, _x_max(frame), total, title)
    return themed(chart)


def indicator_small_multiples(
    table: pd.DataFrame, dims: Sequence[str], lang: str, columns: int = 3, panel_width: int = 190
) -> alt.ConcatChart:
    """One indicator by two dimensions: a panel of bars by the second for each value of the first."""
    d1, d2 = dims
    frame = indicator_frame(table[~table.get("is_total", False)], dims, lang)
    x_max = _x_max(frame)
    panels = [
        _set(
            _bars(
                frame[frame["label0"] == value],
                d2,
                "label1",
                lang,
                x_max,
                None,
                title=alt.TitleParams(f"{cb.dimension_label(d1, lang)}: {value}", fontSize=12),
            ),
            width=panel_width,
        )
        for value in dict.fromkeys(frame["label0"])
    ]
    return themed(alt.concat(*panels, columns=columns).resolve_scale(color="shared"))


def indicator_heatmap(table: pd.DataFrame, dims: Sequence[str], lang: str) -> alt.LayerChart:
    """One indicator by two dimensions as a heatmap; suppressed cells grey with 秘匿."""
    d1, d2 = dims
    frame = indicator_frame(table[~table.get("is_total", False)], dims, lang)
    # 参考値: the cell keeps its true colour (a paler shade read as a lower value: 22.8% looked like
    # 12%) and gets a black dashed frame and the word 参考, marks no shade of the scale has
    low_word = "参考" if lang == "ja" else "ref."
    frame["cell_text"] = frame["estimate_text"].where(
        frame["status"] != lb.STATUS_LOW, frame["estimate_text"] + " " + low_word
    )
    y_order = list(dict.fromkeys(frame["label0"]))
    x_order = list(dict.fromkeys(frame["label1"]))
    y = alt.Y("label0:N", sort=y_order, axis=_horizontal_y_title(cb.dimension_label(d1, lang)))
    x = alt.X("label1:N", sort=x_order, title=cb.dimension_label(d2, lang), axis=alt.Axis(orient="top"))
    tip = _tooltip(lang, [("label0:N", cb.dimension_label(d1, lang)), ("label1:N", cb.dimension_label(d2, lang))])
    values = frame[frame["estimate"].notna()]
    hidden = frame[frame["status"] == lb.STATUS_SUPPRESSED]
    est_title = f"{t('common.estimate', lang)}（%）" if lang == "ja" else f"{t('common.estimate', lang)} (%)"
    cells = (
        alt.Chart(values)
        .mark_rect(stroke="white")
        .encode(
            x=x,
            y=y,
            color=alt.Color("estimate:Q", title=est_title, scale=alt.Scale(scheme=SEQUENTIAL_SCHEME, reverse=True)),
            tooltip=tip,
        )
    )
    low_frames = (
        alt.Chart(values)
        .transform_filter(f"datum.status == '{lb.STATUS_LOW}'")
        .mark_rect(filled=False, stroke="black", strokeWidth=2.5, strokeDash=[5, 3])
        .encode(x=x, y=y, tooltip=tip)
    )
    grey = alt.Chart(hidden).mark_rect(color="#E0E0E0", stroke="white").encode(x=x, y=y, tooltip=tip)
    mid = _dark_threshold(values["estimate"])
    text = (
        alt.Chart(frame)
        .mark_text(fontSize=12)
        .encode(
            x=x,
            y=y,
            text=alt.Text("cell_text:N"),
            color=_when(alt.ColorValue, f"datum.estimate > {mid} && datum.status != 'suppressed'", "white", "black"),
        )
    )
    chart = _set(
        alt.layer(grey, cells, low_frames, text), height=max(80, 32 * len(y_order)), width=max(240, 90 * len(x_order))
    )
    return themed(chart)


def share_bars(frame: pd.DataFrame, lang: str, title: str | None = None) -> alt.LayerChart:
    """Respondents' share beside the population's share, per group (columns label, series,
    share_pct; optional suppressed and display). A suppressed group (queries.profile: fewer
    respondents than the minimum n) has no bar, only its mark (秘匿) as text, even if a share
    came with it."""
    order = list(dict.fromkeys(frame["label"]))
    series = list(dict.fromkeys(frame["series"]))
    data = frame.copy()
    if "suppressed" not in data:
        data["suppressed"] = False
    data["suppressed"] = data["suppressed"].fillna(False).astype(bool)
    data["mark_text"] = [cb.mark_label("suppressed", lang) if h else "" for h in data["suppressed"]]
    data["share_pct"] = pd.to_numeric(data["share_pct"], errors="coerce").astype("float64")
    # the bars leave suppressed rows out; their share is set to 0 so that no "invalid" filter drops
    # the row before its text mark is drawn (a share that came with it is never used)
    data.loc[data["suppressed"], "share_pct"] = 0.0
    # what a screen reader says of a 秘匿 mark: the group and the mark, not the 0 it is placed at
    data["mark_aria"] = [f"{lab}: {m}" if m else "" for lab, m in zip(data["label"], data["mark_text"])]
    keep = [c for c in ("label", "series", "share_pct", "suppressed", "mark_text", "mark_aria") if c in data]
    base = alt.Chart(data[keep])
    bars = (
        base.transform_filter("isValid(datum.share_pct) && !datum.suppressed")
        .mark_bar(height={"band": 0.8})
        .encode(
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=series, range=OKABE_ITO[: len(series)]),
                legend=alt.Legend(orient="bottom", direction="vertical"),
            ),
            tooltip=[
                alt.Tooltip("label:N", title=t("overview.group", lang)),
                alt.Tooltip("series:N", title=t("overview.series", lang)),
                alt.Tooltip("share_pct:Q", title=t("overview.share", lang), format=".1f"),
            ],
        )
    )
    hidden = (
        base.transform_filter("datum.suppressed")
        .mark_text(align="left", dx=3, color="#555")
        .encode(
            x=alt.datum(0),
            text="mark_text:N",
            description="mark_aria:N",
            tooltip=[
                alt.Tooltip("label:N", title=t("overview.group", lang)),
                alt.Tooltip("mark_text:N", title=t("overview.series", lang)),
            ],
        )
    )
    chart = (
        alt.layer(bars, hidden)
        .encode(
            y=alt.Y("label:N", sort=order, title=None),
            yOffset=alt.YOffset("series:N", sort=series),
            # A third of the page wide: ticks every 10 points crowd, and the last label, pulled in
            # flush with the end of the axis, ran into the one before it (7080).
            x=alt.X("share_pct:Q", title=t("overview.share", lang), axis=alt.Axis(tickCount=5, labelFlush=False)),
        )
        .properties(height=max(80, 34 * len(order)))
    )
    if title:
        chart = chart.properties(title=title)
    return themed(chart)


def national_dots(frame: pd.DataFrame, lang: str) -> alt.LayerChart:
    """City estimate (interval whisker) beside the national figure (diamond), one row per line.

    frame columns: label, city_pct, city_low, city_high, city_status (ok/low/suppressed), national_pct.
    The layers share one dataset and each keeps its rows with a filter: the page draws five of
    these at every filter change, and each dataset costs a conversion to Arrow. Suppressed rows
    carry no value (the query layer masks them), only their label and the text mark."""
    order = list(dict.fromkeys(frame["label"]))
    y = alt.Y("label:N", sort=order, title=None)
    top = pd.concat([frame["city_high"], frame["national_pct"]]).max()
    x_scale = alt.Scale(domain=[0, max(5.0, float(top if pd.notna(top) else 10) * 1.2)], nice=False)
    city_name, nat_name = t("common.city", lang), t("common.national", lang)
    series_scale = alt.Scale(domain=[city_name, nat_name], range=[BLUE, OKABE_ITO[3]])
    suppressed = frame["city_status"] == lb.STATUS_SUPPRESSED
    data = frame.assign(
        city_shown=frame["city_pct"].notna() & ~suppressed, zero=0.0, text=cb.mark_label("suppressed", lang)
    )
    # The data is set on the layer, not on each chart: Altair compares the layers' data through
    # a text dump of each frame when they carry their own (half the cost of the chart).
    base = alt.Chart()
    city = base.transform_filter("datum.city_shown").transform_calculate(series=_literal(city_name))
    x_title = f"{t('common.estimate', lang)}（%）" if lang == "ja" else f"{t('common.estimate', lang)} (%)"
    whisk = city.mark_rule(color=BLUE, strokeWidth=2).encode(
        y=y, x=alt.X("city_low:Q", scale=x_scale, title=x_title, axis=alt.Axis(tickCount=8)), x2=alt.X2("city_high:Q")
    )
    dots = city.mark_circle(size=110).encode(
        y=y,
        x=alt.X("city_pct:Q", scale=x_scale),
        color=alt.Color("series:N", scale=series_scale, title=None),
        opacity=_when(alt.OpacityValue, f"datum.city_status == '{lb.STATUS_LOW}'", 0.45, 1.0),
        tooltip=[
            alt.Tooltip("label:N", title=t("common.indicator", lang)),
            alt.Tooltip("city_pct:Q", title=city_name, format=".1f"),
            alt.Tooltip("city_low:Q", title="95% low", format=".1f"),
            alt.Tooltip("city_high:Q", title="95% high", format=".1f"),
        ],
    )
    diamonds = (
        base.transform_filter("isValid(datum.national_pct)")
        .transform_calculate(series=_literal(nat_name))
        .mark_point(shape="diamond", size=120, filled=True)
        .encode(
            y=y,
            x=alt.X("national_pct:Q", scale=x_scale),
            color=alt.Color("series:N", scale=series_scale, title=None),
            tooltip=[
                alt.Tooltip("label:N", title=t("common.indicator", lang)),
                alt.Tooltip("national_pct:Q", title=nat_name, format=".1f"),
            ],
        )
    )
    marks = (
        base.transform_filter(f"datum.city_status == '{lb.STATUS_SUPPRESSED}'")
        .mark_text(align="left", color="#666666", fontStyle="italic")
        .encode(y=y, x=alt.X("zero:Q", scale=x_scale), text=alt.Text("text:N"))
    )
    return themed(_set(alt.layer(whisk, dots, diamonds, marks, data=data), height=max(80, 30 * len(order))))


# ---- support organisations' activity ------------------------------------------------------------
# The frames are queries.activity's long tables: value (Int64, <NA> where masked), display ("<5",
# 秘匿 or the number as text), mark, is_total, plus a code and a *_label column per axis.


def _cells(frame: pd.DataFrame) -> pd.DataFrame:
    """The inner cells of a masked activity table (margins left out), with value as float."""
    data = frame[~frame["is_total"].astype(bool)].copy()
    data["value_f"] = pd.to_numeric(data["value"], errors="coerce").astype("float64")
    data["display"] = data["display"].astype("string").fillna("")
    return data


def activity_lines(frame: pd.DataFrame, lang: str, by: str | None = None, y_title: str = "") -> alt.LayerChart:
    """Monthly counts (activity_by_month), one line per group of BY; masked cells as open
    triangles on the axis with their text ("<5" / 秘匿) in the tooltip, never as values."""
    data = _cells(frame)
    data["month"] = pd.to_datetime(data["month"])
    colour_field = f"{by}_label" if by else None
    x_title = t("activity.month", lang)
    x_enc = alt.X("month:T", title=x_title, axis=alt.Axis(format="%Y-%m", labelAngle=0, tickCount="month"))
    if colour_field:
        groups = list(dict.fromkeys(data[colour_field]))
        colour_enc = alt.Color(
            f"{colour_field}:N", title=None, sort=groups, scale=alt.Scale(domain=groups, range=CATEGORICAL)
        )
    else:
        colour_enc = alt.ColorValue(BLUE)
    tip = [alt.Tooltip("month_label:N", title=x_title), alt.Tooltip("display:N", title=y_title)]
    if colour_field:
        tip.insert(0, alt.Tooltip(f"{colour_field}:N", title=t("activity.by", lang)))
    values = data[data["value_f"].notna()]
    masked = data[data["value_f"].isna() & (data["display"] != "")].assign(zero=0.0)
    line = (
        alt.Chart(values)
        .mark_line(point=True)
        .encode(x=x_enc, y=alt.Y("value_f:Q", axis=_horizontal_y_title(y_title)), color=colour_enc, tooltip=tip)
    )
    small = (
        alt.Chart(masked)
        .mark_point(shape="triangle-up", size=50, filled=False)
        .encode(x=x_enc, y=alt.Y("zero:Q"), color=colour_enc, tooltip=tip)
    )
    return themed(_set(alt.layer(line, small), height=320))


def activity_bars(
    frame: pd.DataFrame, row: str, lang: str, by: str | None = None, value_title: str = ""
) -> alt.LayerChart:
    """Counts by a row axis (fiscal_year, district…) as horizontal bars, grouped by BY; masked
    cells appear only as their text ("<5" / 秘匿)."""
    data = _cells(frame)
    row_label = f"{row}_label"
    order = list(dict.fromkeys(data[row_label]))
    enc: dict = {"y": alt.Y(f"{row_label}:N", sort=order, title=None)}
    tip = [alt.Tooltip(f"{row_label}:N", title=None), alt.Tooltip("display:N", title=value_title)]
    groups: list = []
    if by:
        groups = list(dict.fromkeys(data[f"{by}_label"]))
        enc["yOffset"] = alt.YOffset(f"{by}_label:N", sort=groups)
        tip.insert(1, alt.Tooltip(f"{by}_label:N", title=t("activity.by", lang)))
    colour = (
        alt.Color(f"{by}_label:N", title=None, sort=groups, scale=alt.Scale(domain=groups, range=CATEGORICAL))
        if by
        else alt.ColorValue(BLUE)
    )
    values = data[data["value_f"].notna()]
    masked = data[data["value_f"].isna() & (data["display"] != "")].assign(zero=0.0)
    bars = (
        alt.Chart(values)
        .mark_bar(height={"band": 0.85})
        .encode(x=alt.X("value_f:Q", title=value_title), color=colour, tooltip=tip, **enc)
    )
    small = (
        alt.Chart(masked)
        .mark_text(align="left", dx=2, color="#555555", fontSize=11)
        .encode(x=alt.X("zero:Q"), text=alt.Text("display:N"), tooltip=tip, **enc)
    )
    n_rows = len(order) * max(1, len(groups))
    return themed(_set(alt.layer(bars, small), height=max(80, min(1200, 16 * n_rows + 30))))


def referral_heatmap(frame: pd.DataFrame, lang: str) -> alt.LayerChart:
    """Referral matrix (referral_matrix): rows from, columns to, colour the count; masked cells
    grey with their text; zeros left blank."""
    data = _cells(frame)
    rows = list(dict.fromkeys(data["from_label"]))
    cols = list(dict.fromkeys(data["to_label"]))
    y = alt.Y("from_label:N", sort=rows, axis=_horizontal_y_title(t("activity.from", lang)))
    # Names are longer than a cell is wide: slanted, they rise clear of each other and of the
    # row title 紹介元 that sits left of the first column (overlap culling would drop every other).
    x = alt.X(
        "to_label:N",
        sort=cols,
        title=t("activity.to", lang),
        axis=alt.Axis(
            orient="top",
            labelAngle=-40,
            labelAlign="left",
            labelBaseline="middle",
            labelLimit=REFERRAL_LABEL_LIMIT,
            labelOverlap=False,
            titlePadding=8,
        ),
    )
    tip = [
        alt.Tooltip("from_label:N", title=t("activity.from", lang)),
        alt.Tooltip("to_label:N", title=t("activity.to", lang)),
        alt.Tooltip("display:N", title=t("activity.count", lang)),
    ]
    values = data[data["value_f"].notna() & (data["value_f"] > 0)]
    masked = data[data["value_f"].isna() & (data["display"] != "")]
    cells = (
        alt.Chart(values)
        .mark_rect(stroke="white")
        .encode(
            x=x,
            y=y,
            tooltip=tip,
            color=alt.Color(
                "value_f:Q", title=t("activity.count", lang), scale=alt.Scale(scheme=SEQUENTIAL_SCHEME, reverse=True)
            ),
        )
    )
    grey = alt.Chart(masked).mark_rect(color="#E0E0E0", stroke="white").encode(x=x, y=y, tooltip=tip)
    labelled = pd.concat([values, masked])
    mid = _dark_threshold(values["value_f"])
    text = (
        alt.Chart(labelled)
        .mark_text(fontSize=11)
        .encode(
            x=x,
            y=y,
            text=alt.Text("display:N"),
            color=_when(alt.ColorValue, f"datum.value_f > {mid}", "white", "black"),
        )
    )
    step = 90 if len(cols) <= 8 else 44
    return themed(_set(alt.layer(grey, cells, text), height=max(120, 30 * len(rows)), width=max(300, step * len(cols))))


def need_chart(frame: pd.DataFrame, lang: str) -> alt.HConcatChart:
    """Per district (district_need): estimated lonely residents with interval beside consultations.

    Suppressed estimates and masked counts show only their mark, never a bar. One dataset for
    every layer, each keeping its rows with a filter (as national_dots)."""
    data = frame[~frame["is_total"].astype(bool)].copy()
    order = list(dict.fromkeys(data["district_label"]))
    y = alt.Y("district_label:N", sort=order, title=None)
    for col in ("residents_est", "residents_low", "residents_high"):
        data[col] = pd.to_numeric(data[col], errors="coerce").astype("float64")
    data["status"] = [lb.status(r) for _, r in data.iterrows()]
    data["cons_f"] = pd.to_numeric(data["consultations"], errors="coerce").astype("float64")
    data["consultations_display"] = data["consultations_display"].astype("string").fillna("")
    suppressed = data["status"] == lb.STATUS_SUPPRESSED
    data["est_shown"] = data["residents_est"].notna() & ~suppressed
    data["cons_masked"] = data["cons_f"].isna() & (data["consultations_display"] != "")
    data["zero"] = 0.0
    data["text"] = cb.mark_label("suppressed", lang)
    left_title = (
        "孤独感が「時々ある」以上の住民（推計・人）" if lang == "ja" else "Residents lonely sometimes+ (estimate)"
    )
    right_title = "相談件数" if lang == "ja" else "Consultations"
    tip = [
        alt.Tooltip("district_label:N", title=None),
        alt.Tooltip("residents_display:N", title=left_title),
        alt.Tooltip("consultations_display:N", title=right_title),
    ]
    base = alt.Chart()
    est = base.transform_filter("datum.est_shown")
    bars = est.mark_bar(height={"band": 0.6}).encode(
        y=y,
        x=alt.X("residents_est:Q", title=left_title),
        color=_when(alt.ColorValue, f"datum.status == '{lb.STATUS_LOW}'", PALE_BLUE, BLUE),
        tooltip=tip,
    )
    whisk = est.mark_rule(color=DARK).encode(y=y, x=alt.X("residents_low:Q"), x2=alt.X2("residents_high:Q"))
    marks = (
        base.transform_filter(f"datum.status == '{lb.STATUS_SUPPRESSED}'")
        .mark_text(align="left", color="#666666", fontStyle="italic")
        .encode(y=y, x=alt.X("zero:Q"), text=alt.Text("text:N"))
    )
    left = _set(alt.layer(bars, whisk, marks), width=320, height=max(80, 34 * len(order)))
    y_right = alt.Y("district_label:N", sort=order, title=None, axis=alt.Axis(labels=False, ticks=False))
    right_bars = (
        base.transform_filter("isValid(datum.cons_f)")
        .mark_bar(height={"band": 0.6}, color=OKABE_ITO[1])
        .encode(y=y_right, x=alt.X("cons_f:Q", title=right_title), tooltip=tip)
    )
    right_marks = (
        base.transform_filter("datum.cons_masked")
        .mark_text(align="left", color="#555555")
        .encode(y=y_right, x=alt.X("zero:Q"), text=alt.Text("consultations_display:N"))
    )
    right = _set(alt.layer(right_bars, right_marks), width=320, height=max(80, 34 * len(order)))
    return themed(alt.hconcat(left, right, spacing=24, data=data))


def members_bars(frame: pd.DataFrame, lang: str) -> alt.Chart:
    """Platform members per field, stacked by organisation type: counts of organisations, whose
    membership is public (no masking). An organisation counts once in each of its fields."""
    data = frame[~frame["is_total"].astype(bool)].copy()
    data["n"] = pd.to_numeric(data["members"], errors="coerce").astype("float64")
    data = data[data["n"] > 0]
    fields_ = [cb.code_label("field", c, lang) for c in cb.codes("field")]
    types = [cb.code_label("org_type", c, lang) for c in cb.codes("org_type")]
    title = t("members.count", lang)
    chart = (
        alt.Chart(data)
        .mark_bar(height={"band": 0.75}, stroke="white", strokeWidth=1)
        .encode(
            y=alt.Y(
                "field_label:N",
                sort=fields_,
                scale=alt.Scale(domain=fields_),
                axis=_horizontal_y_title(cb.value_set_label("field", lang)),
            ),
            x=alt.X("sum(n):Q", title=title, axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color(
                "org_type_label:N",
                title=cb.value_set_label("org_type", lang),
                sort=types,
                scale=alt.Scale(domain=types, range=OKABE_ITO[: len(types)]),
            ),
            order=alt.Order("org_type:Q"),
            tooltip=[
                alt.Tooltip("field_label:N", title=cb.value_set_label("field", lang)),
                alt.Tooltip("org_type_label:N", title=cb.value_set_label("org_type", lang)),
                alt.Tooltip("display:N", title=title),
            ],
        )
        .properties(height=max(120, 30 * len(fields_)))
    )
    return themed(chart)


# ---- trends (推移) ------------------------------------------------------------------------------


def trend_frame(table: pd.DataFrame, national: pd.DataFrame, by: str | None, lang: str) -> pd.DataFrame:
    """The plot data of a trend (queries.trend.trend_table) and the national survey's years beside it
    (queries.trend.national_series): one row per group and year, `series` city or national."""
    city = indicator_frame(table, [by] if by else [], lang)
    city["group"] = city["label0"] if by else cb.all_label(lang)
    city["year"] = table["wave"].astype(int).to_numpy()
    city["series"] = t("trend.city", lang)
    marks = []
    for prev, first in zip(table["change_prev_significant"], table["change_first_significant"]):
        said = [t(key, lang) for key, v in (("trend.sig_prev", prev), ("trend.sig_first", first)) if _true(v)]
        marks.append("・".join(said))
    city["sig_text"] = marks
    rows = [city]
    if national is not None and len(national):
        nat = pd.DataFrame(
            {
                "group": [
                    group_label(by, c, lang) if by and not tot else cb.all_label(lang)
                    for c, tot in zip(national[by] if by else [None] * len(national), national["is_total"])
                ],
                "year": national["year"].astype(int).to_numpy(),
                "estimate": national["value_pct"].astype(float).to_numpy(),
                "series": t("trend.national", lang),
                "status": lb.STATUS_OK,
                "estimate_text": [lb.pct_text(v) for v in national["value_pct"]],
            }
        )
        rows.append(nat[nat["group"].isin(set(city["group"]))])
    frame = pd.concat(rows, ignore_index=True)
    frame["year_text"] = [wave_label_text(y, lang) for y in frame["year"]]
    frame["year_axis"] = [str(int(y)) for y in frame["year"]]  # the axis: 2023 (its title says 調査年)
    for col in ("sig_text", "note", "interval_text", "n_text", "status_label"):
        if col in frame:
            frame[col] = frame[col].fillna("")
    return frame


def _true(value) -> bool:
    """A nullable boolean cell that holds True (not <NA>)."""
    return value is not None and value is not pd.NA and bool(value)


def wave_label_text(year: int, lang: str) -> str:
    return f"{int(year)}年" if lang == "ja" else str(int(year))


def trend_lines(
    table: pd.DataFrame, national: pd.DataFrame, by: str | None, lang: str, columns: int = 3, panel_width: int = 230
) -> alt.TopLevelMixin:
    """An indicator over the survey waves: the city's estimates (points joined by a line, 95%
    interval whiskers; 参考値 pale, 秘匿 as text, 有意な変化 written under the point) and the
    national survey's years beside them (grey, dashed); by a dimension, one small panel per group
    (the All panel first) with the same scales."""
    frame = trend_frame(table, national, by, lang)
    city_name, national_name = t("trend.city", lang), t("trend.national", lang)
    years = sorted(set(frame["year"].tolist()))
    year_order = [str(int(y)) for y in years]
    top = frame[["ci_high", "estimate"]].max(axis=1, numeric_only=True).max() if "ci_high" in frame else None
    y_max = max(5.0, float(top) * 1.15) if top is not None and pd.notna(top) else 10.0
    y_scale = alt.Scale(domain=[0, y_max], nice=False)
    y_title = f"{t('common.estimate', lang)}（%）" if lang == "ja" else f"{t('common.estimate', lang)} (%)"
    x = alt.X(
        "year_axis:O",
        sort=year_order,
        scale=alt.Scale(domain=year_order),
        title=t("trend.year", lang),
        axis=alt.Axis(labelAngle=0, labelOverlap=True),
    )
    colour = alt.Color(
        "series:N", title=None, scale=alt.Scale(domain=[city_name, national_name], range=[BLUE, "#777777"])
    )
    tip = [
        alt.Tooltip("group:N", title=cb.dimension_label(by, lang) if by else cb.all_label(lang)),
        alt.Tooltip("series:N", title=t("trend.series", lang)),
        alt.Tooltip("year_text:N", title=t("trend.year", lang)),
        alt.Tooltip("estimate_text:N", title=t("common.estimate", lang)),
        alt.Tooltip("interval_text:N", title=t("common.interval", lang)),
        alt.Tooltip("n_text:N", title=t("common.n", lang)),
        alt.Tooltip("sig_text:N", title=t("trend.change", lang)),
    ]
    is_city = f"datum.series == '{city_name}'"
    shown = f"{is_city} && isValid(datum.estimate)"
    base = alt.Chart().encode(x=x)
    line = (
        base.transform_filter(shown)
        .mark_line(strokeWidth=2)
        .encode(y=alt.Y("estimate:Q", scale=y_scale, title=y_title), color=colour)
    )
    nat_line = (
        base.transform_filter(f"datum.series == '{national_name}'")
        .mark_line(strokeDash=[4, 3], strokeWidth=1.5, point=alt.OverlayMarkDef(filled=True, size=30))
        .encode(y=alt.Y("estimate:Q", scale=y_scale), color=colour, tooltip=tip)
    )
    whiskers = (
        base.transform_filter(shown)
        .mark_rule(color=DARK, strokeWidth=1.5)
        .encode(y=alt.Y("ci_low:Q", scale=y_scale), y2="ci_high:Q")
    )
    points = (
        base.transform_filter(shown)
        .mark_point(filled=True, size=70, stroke=BLUE, strokeWidth=1.5)
        .encode(
            y=alt.Y("estimate:Q", scale=y_scale),
            color=_when(alt.ColorValue, f"datum.status == '{lb.STATUS_LOW}'", "white", BLUE),
            tooltip=tip,
        )
    )
    low_text = (
        base.transform_filter(f"{shown} && datum.status == '{lb.STATUS_LOW}'")
        .mark_text(dy=-12, fontSize=11, color=DARK)
        .encode(y=alt.Y("ci_high:Q", scale=y_scale), text=alt.Text("note:N"))
    )
    sig = (
        base.transform_filter(f"{shown} && datum.sig_text != ''")
        .mark_text(dy=14, fontSize=11, fontWeight="bold", color="#D55E00")
        .encode(y=alt.Y("ci_low:Q", scale=y_scale), text=alt.Text("sig_text:N"))
    )
    hidden = (
        base.transform_filter(f"{is_city} && datum.status == '{lb.STATUS_SUPPRESSED}'")
        .transform_calculate(zero="0")
        .mark_text(dy=-8, fontSize=11, fontStyle="italic", color="#666666")
        .encode(y=alt.Y("zero:Q", scale=y_scale), text=alt.Text("estimate_text:N"))
    )
    layered = alt.layer(line, nat_line, whiskers, points, low_text, sig, hidden, data=frame)
    if not by:
        return themed(_set(layered, width=max(320, 110 * len(years)), height=260))
    order = list(dict.fromkeys(frame["group"]))
    chart = _set(layered, width=panel_width, height=170).facet(
        facet=alt.Facet("group:N", sort=order, title=None, header=alt.Header(labelFontSize=13)),
        columns=columns,
    )
    return themed(chart)
