"""What a slide shows around its view, and how it is sized for a room or a printed page.

The view's own content (chart, table, caption, notes) is dashboard.content's, the same as a page
shows; this module frames it as a slide: the users' note under every view of figures
(queries.disclosure.notice), the filters in view, the survey it comes from, the open-web mark, the
data facts of the footer, the disclosure rule of the handouts, the scaling of the chart for a
room or a page, and what the presenter page draws for a view slide (slide_drawing: its body as
HTML or the chart's spec, captions, note), computed ahead of the key press (presenter/prefetch.py).
No Streamlit here: the presenter page and the handouts (PDF/PPTX, CLI) share it.
"""

from __future__ import annotations

import copy
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dashboard import content as ct, labels as lb, maps
from dashboard.content import View, ViewContent
from dashboard.i18n import methods_text, t
from dashboard.presenter.strings import ps
from dashboard.source import Source
from data import codebook as cb
from queries import activity as qa, disclosure
from queries.filters import Filters, wave_label

BASE_FONT = 12  # the font size dashboard.charts.themed configures
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
)


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
            parts.append(ps("facts.survey", lang, wave=wave_label(self.survey_wave, lang)))
        if self.activity_through is not None:
            parts.append(ps("facts.activity", lang, month=qa.month_label(self.activity_through, lang)))
        if self.built_at is not None and not pd.isna(self.built_at):
            parts.append(ps("facts.built", lang, day=f"{pd.Timestamp(self.built_at):%Y-%m-%d}"))
        return f"{t('common.data_as_of', lang)}: {ps('facts.sep', lang).join(parts) or '—'}"


def data_facts(source: Source) -> DataFacts:
    log = source.import_log()
    months = source.activity_months()
    built = pd.to_datetime(log["built_at"]).max() if len(log) else None
    return DataFacts(
        built,
        bool(len(log) and log["is_demo"].astype(bool).any()),
        source.latest_wave(),
        months[-1] if months else None,
    )


def disclosure_rule(lang: str) -> str:
    """The disclosure rule in one paragraph (the handouts' footer)."""
    est = cb.estimation()
    return methods_text(
        "disclosure",
        lang,
        min_n=disclosure.min_n(),
        neff=est["low_reliability_neff"],
        width=est["low_reliability_ci_width_pct"],
        suppressed=cb.mark_label("suppressed", lang),
        low=cb.mark_label("low_reliability", lang),
    )


# ---- one view as a slide ----------------------------------------------------------------------


def survey_source(source: Source, filters: Filters, lang: str, by: Sequence[str] = ()) -> str:
    """The survey a view's figures come from: a view by channel shows both channels (each its
    own group, never added up), whatever its channel filter says."""
    wave = filters.wave or source.latest_wave()
    codes = cb.codes("channel") if "channel" in by else filters.channels
    channel = (
        "・".join(cb.code_label("channel", c, lang) for c in codes)
        if lang == "ja"
        else " / ".join(cb.code_label("channel", c, lang) for c in codes)
    )
    return t("source.survey", lang, wave=wave_label(wave, lang) if wave else "—", channel=channel)


def view_content(source: Source, view: View, lang: str) -> ViewContent:
    """The view's content (dashboard.content.build) framed as a slide: the users' note under a view
    of figures, the filters in view, the survey it comes from and the open-web mark."""
    content = ct.build(source, view, lang)
    if ct.kind(view.kind).statistics and not content.refused:
        content.notice = disclosure.notice(lang)
    if view.is_survey:
        in_view = lb.filters_text(view.filters, source.latest_wave(), lang)
        content.filters_text = f"{t('common.filters_now', lang)}: {in_view}"
        content.sources.insert(0, survey_source(source, view.filters, lang, view.by))
        if view.filters.includes_open_web or "channel" in view.by:
            content.notes.insert(0, f"{cb.mark_label('open_web', lang)}: {t('banner.open_web', lang)}")
    return content


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
    config.setdefault("legend", {}).update(
        {
            "symbolSize": round(100 * factor, 1),
            "orient": "right",
            "direction": "vertical",
            "columns": 1,
            "titleLimit": round(font_px * 14, 1),
        }
    )
    config["axisQuantitative"] = {**config.get("axisQuantitative", {}), "tickCount": 6}
    # Long Japanese category labels on a horizontal band axis: two lines, never rotated.
    config["axisXBand"] = {
        **config.get("axisXBand", {}),
        "labelExpr": WRAP_LABEL,
        "labelOverlap": False,
        "labelLineHeight": round(font_px * 1.15, 1),
    }
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
    label_space = font_px * 7  # y-axis labels and titles of each panel
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
                sub["height"] = int(font_px * 1.5 * maps.LEGEND_ROWS)
            continue
        sub["width"] = int(max(60, (width - spacing * (cols - 1)) / cols - label_space))
        sub["height"] = int(
            max(
                40,
                (height - extra_h - spacing * (rows - 1)) / rows
                - axis_space
                - (title_px * 1.4 if sub.get("title") else 0),
            )
        )
    return spec


def png_bytes(spec: dict, scale: float = 2.0) -> bytes:
    """The spec rendered to PNG with the shipped Japanese font (vl-convert)."""
    from dashboard.presenter.render import to_png

    return to_png(spec, scale)


# ---- what the presenter page draws for a view slide ------------------------------------------


@dataclass(frozen=True)
class SlideDrawing:
    """What the presenter page puts under a view slide's heading, made without Streamlit so that it
    can be made before the key press (presenter/prefetch.py): the body as HTML (cards, directory,
    a refusal) or the chart's Vega-Lite spec sized for the window, the captions and the users' note."""

    body_html: str = ""
    spec: dict | None = None
    captions: tuple[str, ...] = ()
    notice: str = ""


def slide_drawing(source: Source, view: View, caption: str, lang: str, vp: Any, demo: bool) -> SlideDrawing:
    """VIEW's content (view_content) laid out for a window of VP (width, height, font_px) under a
    heading, with the slide's CAPTION and the demo banner (DEMO) taking their room from the chart."""
    content = view_content(source, view, lang)
    font = vp.font_px
    captions = tuple(c for c in (caption,) if c)
    # Height left for the drawing: window − banner − heading − caption − note − footer − margins.
    reserved = (
        (font * 2.0 if demo else 0)
        + font * 2.3
        + sum(font * 1.35 * text_lines(c, font, vp.width - 60) + font * 0.4 for c in captions)
        + (font * 1.1 if content.notice else 0)
        + font * 3.8  # the footer: its buttons, and the data facts on a second line on narrow screens
        + 56
    )
    avail_h = max(160.0, vp.height - reserved)
    avail_w = max(320.0, vp.width - 60)
    body, spec = "", None
    shown_as = ct.kind(view.kind).shown_as
    if content.refused:
        body = f"<p class='pres-refused'>{html.escape(content.refused)}</p>"
    elif content.empty:
        body = f"<p class='pres-caption'>{html.escape(t('error.no_data', lang))}</p>"
    elif all_suppressed(content.frame):
        text = t("empty.all_suppressed", lang, suppressed=cb.mark_label("suppressed", lang))
        body = f"<p class='pres-refused'>{html.escape(text)}</p>"
    elif shown_as == "cards":
        body = cards_html(content.cards, lang)
    elif shown_as == "entries":
        body = directory_html(content.entries, lang, vp, avail_h)
    elif content.chart is not None:
        spec = sized_spec(content.chart, int(avail_w), int(avail_h), font)
    return SlideDrawing(body, spec, captions, content.notice)


def cards_html(head: pd.DataFrame, lang: str) -> str:
    out = []
    for _, r in head.iterrows():
        key = lb.status(r)
        label = html.escape(lb.indicator_short(r["indicator"], lang))
        if key == lb.STATUS_SUPPRESSED:
            value, sub = cb.mark_label("suppressed", lang), ""
        else:
            value = lb.pct_text(r["estimate_pct"])
            sub = ps("cards.interval", lang, text=lb.interval_text(r["ci_low_pct"], r["ci_high_pct"], lang))
            sub += f"<br>n = {lb.int_text(r['n'])}"
        mark = f" {cb.mark_label('low_reliability', lang)}" if key == lb.STATUS_LOW else ""
        cls = {"low": " low", "suppressed": " hidden"}.get(key, "")
        out.append(
            f"<div class='pres-card{cls}'><div class='lbl'>{label}</div>"
            f"<div class='val'>{html.escape(value)}<span class='sub'>{html.escape(mark)}</span></div>"
            f"<div class='sub'>{'<br>'.join(html.escape(x) for x in sub.split('<br>'))}</div></div>"
        )
    return f"<div class='pres-cards'>{''.join(out)}</div>"


def directory_html(entries: pd.DataFrame, lang: str, vp: Any, avail_h: float) -> str:
    """As many windows as fit (name, phone, hours); the rest are counted (all are in the handout)."""
    cols = 2  # the layout scales with the window, so two columns fit at any 16:9 size
    font = vp.font_px
    # each entry's lines at its column's width (a long name or hours wrap at 1024×768), row by row
    # until the room is used; the count of the rest takes one line
    col_w = (vp.width - 60 - font * 1.2) / cols - font * 0.8
    room = avail_h - font * 1.4
    used, count = 0.0, 0
    for start in range(0, len(entries), cols):
        pair = entries.iloc[start : start + cols]
        lines = max(
            text_lines(str(r["name"]), font, col_w) + text_lines(_detail(r), font, col_w) for _, r in pair.iterrows()
        )
        height = lines * font * 1.3 + font * 0.3
        if count and used + height > room:
            break
        used += height
        count += len(pair)
    shown = entries.head(max(count, 1))
    cells = []
    for _, r in shown.iterrows():
        detail = _detail(r)
        cells.append(
            f"<div class='e'><span class='n'>{html.escape(str(r['name']))}</span><br>{html.escape(detail)}</div>"
        )
    more = len(entries) - len(shown)
    tail = f"<p class='pres-caption'>{html.escape(ps('directory.more', lang, n=more))}</p>" if more > 0 else ""
    return (
        f"<div class='pres-dir' style='grid-template-columns: repeat({cols}, minmax(0, 1fr))'>"
        f"{''.join(cells)}</div>{tail}"
    )


def _detail(r) -> str:
    return " ".join(str(v) for v in (r.get("phone"), r.get("hours")) if isinstance(v, str) and v)


def all_suppressed(frame) -> bool:
    """Every group of an indicator table is 秘匿 (the chart would be grey marks only)."""
    if not isinstance(frame, pd.DataFrame) or "suppressed" not in frame:
        return False
    rows = frame[~frame["is_total"].astype(bool)] if "is_total" in frame else frame
    return not rows.empty and bool(rows["suppressed"].astype(bool).all())


def text_lines(text: str, font: float, width: float) -> int:
    """How many lines TEXT takes at FONT px in WIDTH px (a full-width character is one em, others
    about half): a caption that wraps at 1024 px takes its room from the chart, not the footer's."""
    ems = sum(1.0 if ord(ch) > 0x2E80 else 0.55 for ch in text)
    return max(1, math.ceil(ems * font / max(width, 1.0)))
