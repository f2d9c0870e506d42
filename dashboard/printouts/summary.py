"""概要 1枚: an A4 portrait page to hand out — the headline indicators with their 95% intervals and
the national figures, who answered against the population, the support organisations' activity
by 年度, and the dates of the data.

Every figure is the query layer's through dashboard.source (protected: cell-key noise, 秘匿 below
the minimum n, <5 for small counts), the same figures the 概要 page and the activity page show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard import data_dates, labels as lb, tables
from dashboard.i18n import t
from dashboard.printouts import pdftext as pt
from dashboard.source import Source
from data import codebook as cb
from queries import activity as qa, disclosure
from queries.filters import ActivityFilters, Filters, wave_label

MIME = "application/pdf"
JST = ZoneInfo("Asia/Tokyo")
PAGE_W, PAGE_H, MARGIN = 210.0, 297.0, 13.0
INNER = PAGE_W - 2 * MARGIN
BLUE = (0, 114, 178)  # Okabe–Ito blue: the city
GREY = (150, 150, 150)  # the population
INK = (17, 17, 17)
SUBTLE = (70, 70, 70)


@dataclass
class Summary:
    """What the page shows, gathered from the source (all protected)."""

    lang: str
    filters: Filters
    headline: pd.DataFrame | None  # indicators.headline, or None when the filters are too narrow
    refused: str = ""
    national: dict[str, pd.Series] = field(default_factory=dict)
    profile: pd.DataFrame | None = None  # tables.profile_frame
    activity: dict[str, pd.DataFrame] = field(default_factory=dict)  # measure -> by fiscal year
    wave: int | None = None
    respondents: int | None = None  # protected n of the headline's first indicator
    months: tuple = ()  # first and last month with activity records
    population_as_of: object = None
    built_at: object = None
    is_demo: bool = False
    made_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(JST))
    dates: list[tuple[str, str]] = field(default_factory=list)  # data_dates.as_of_rows, as on 概要


def gather(source: Source, filters: Filters = Filters(), lang: str = "ja") -> Summary:
    """The figures of the summary, through SOURCE (pages: the cached source; CLI: a plain one)."""
    log = source.import_log()
    wave = filters.wave if filters.wave is not None else source.latest_wave()
    out = Summary(lang=lang, filters=filters, headline=None, wave=wave)
    out.is_demo = bool(len(log)) and bool(log["is_demo"].astype(bool).any())
    out.built_at = pd.to_datetime(log["built_at"]).max() if len(log) else None
    try:
        head = source.headline(filters)
        out.headline = head
        first = head[~head["suppressed"].astype(bool)]
        out.respondents = int(first["n"].max()) if len(first) else None
    except disclosure.FilterTooNarrow as exc:
        out.refused = exc.text(lang)
    if out.headline is not None:
        try:
            nat = source.national_comparison(filters, lang)
            whole = nat[nat["is_total"].astype(bool)] if "is_total" in nat else nat
            out.national = {str(r["indicator"]): r for _, r in whole.iterrows() if pd.notna(r.get("national_pct"))}
        except disclosure.FilterTooNarrow:
            out.national = {}
        out.profile = tables.profile_frame(source.respondent_profile(filters), lang)
    months = source.activity_months()
    out.months = (months[0], months[-1]) if months else ()
    out.dates = data_dates.as_of_rows(source, wave, lang)
    act = ActivityFilters()
    for measure in qa.MEASURES:
        out.activity[measure] = source.activity("fiscal_year", measure, None, act, lang)
    try:
        need = source.need(filters, act, lang)
        if "population_as_of" in need and len(need):
            out.population_as_of = pd.to_datetime(need["population_as_of"]).max()
    except disclosure.FilterTooNarrow:
        pass
    return out


# ---- drawing ---------------------------------------------------------------------------------


def _heading(pdf, y: float, text: str) -> float:
    pdf.set_fill_color(*BLUE)
    pdf.rect(MARGIN, y + 0.6, 1.6, 5.2, style="F")
    pt.paragraph(pdf, MARGIN + 3.2, y, INNER - 4, text, 12.5, line_h=6.4, style="B")
    return y + 8.0


def _table(pdf, x: float, y: float, widths: list[float], header: list[str], rows: list[list[str]], **kw) -> float:
    """A plain table: header on a pale band, rows ruled, text in one line each (type shrunk to
    fit the column rather than split). Returns the y below it."""
    size = kw.get("size", 9.5)
    row_h = kw.get("row_h", 5.7)
    aligns = kw.get("aligns") or ["L"] * len(widths)
    bold_cols = kw.get("bold_cols", ())
    pdf.set_fill_color(232, 241, 250)
    pdf.rect(x, y, sum(widths), row_h, style="F")
    cx = x
    for w, text, align in zip(widths, header, aligns):
        s = pt.one_line_size(pdf, text, w - 2, size - 0.5, 6.0, "B")
        pdf.set_font(pt.FAMILY, "B", s)
        pdf.set_text_color(*INK)
        pdf.set_xy(cx + 1, y)
        pdf.cell(w - 2, row_h, text, align=align)
        cx += w
    y += row_h
    pdf.set_draw_color(200, 200, 200)
    pdf.set_line_width(0.2)
    for row in rows:
        cx = x
        for i, (w, text, align) in enumerate(zip(widths, row, aligns)):
            style = "B" if i in bold_cols else ""
            s = pt.one_line_size(pdf, text, w - 2, size, 6.0, style)
            pdf.set_font(pt.FAMILY, style, s)
            pdf.set_text_color(*INK)
            pdf.set_xy(cx + 1, y)
            pdf.cell(w - 2, row_h, text, align=align)
            cx += w
        y += row_h
        pdf.line(x, y, x + sum(widths), y)
    return y


def _headline(pdf, s: Summary, y: float) -> float:
    lang = s.lang
    y = _heading(pdf, y, t("overview.headline", lang))
    if s.headline is None:
        return pt.paragraph(pdf, MARGIN, y, INNER, s.refused, 10) + 3
    header = [
        t("common.indicator", lang),
        t("common.estimate", lang),
        t("common.interval", lang),
        t("common.n", lang),
        t("common.national", lang),
    ]
    rows = []
    for _, r in s.headline.iterrows():
        key = lb.status(r)
        nat = s.national.get(str(r["indicator"]))
        national = ""
        if nat is not None:
            year = nat.get("national_year", "")
            national = f"{float(nat['national_pct']):.1f}%"
            if not lb.is_missing(year):
                national += f"（{int(year)}年）" if lang == "ja" else f" ({int(year)})"
        if key == lb.STATUS_SUPPRESSED:
            rows.append([lb.indicator_short(r["indicator"], lang), cb.mark_label("suppressed", lang), "", "", national])
            continue
        est = lb.pct_text(r["estimate_pct"])
        if key == lb.STATUS_LOW:
            est += f" {cb.mark_label('low_reliability', lang)}"
        rows.append(
            [
                lb.indicator_short(r["indicator"], lang),
                est,
                lb.interval_text(r["ci_low_pct"], r["ci_high_pct"], lang),
                lb.int_text(r["n"]),
                national,
            ]
        )
    widths = [70.0, 26.0, 36.0, 22.0, INNER - 154.0]
    y = _table(pdf, MARGIN, y, widths, header, rows, aligns=["L", "R", "C", "R", "R"], bold_cols=(1,))
    legend = t(
        "summary.marks",
        lang,
        suppressed=cb.mark_label("suppressed", lang),
        low=cb.mark_label("low_reliability", lang),
        min_n=disclosure.min_n(),
    )
    return pt.paragraph(pdf, MARGIN, y + 1.2, INNER, legend, 7.5, colour=SUBTLE) + 2.5


def _profile(pdf, s: Summary, y: float) -> float:
    lang = s.lang
    y = _heading(pdf, y, t("overview.who", lang))
    if s.profile is None or s.profile.empty:
        return y
    gap = 5.0
    col_w = (INNER - 2 * gap) / 3
    bottom = y
    for i, (dim, part) in enumerate(tables.profile_parts(s.profile)):
        x = MARGIN + i * (col_w + gap)
        yy = pt.paragraph(pdf, x, y, col_w, cb.dimension_label(dim, lang), 9.5, style="B")
        labels = list(dict.fromkeys(part["label"]))
        top = pd.to_numeric(part["share_pct"], errors="coerce").max()
        top = float(top) if pd.notna(top) and top > 0 else 100.0  # the longest bar of the block: full width
        label_w = 21.0
        bar_w = col_w - label_w - 13.0
        for label in labels:
            rows = part[part["label"] == label]
            pt.paragraph(pdf, x, yy, label_w, str(label), 7.5, line_h=3.4, max_lines=1)
            for _, r in rows.iterrows():
                colour = BLUE if r["series"] == t("overview.respondents", lang) else GREY
                share = r["share_pct"]
                if bool(r["suppressed"]) or lb.is_missing(share):
                    text = cb.mark_label("suppressed", lang) if bool(r["suppressed"]) else ""
                    w = 0.0
                else:
                    text = f"{float(share):.1f}%"
                    w = bar_w * float(share) / top
                pdf.set_fill_color(*colour)
                if w > 0:
                    pdf.rect(x + label_w, yy + 0.35, w, 1.9, style="F")
                pdf.set_font(pt.FAMILY, "", 6.5)
                pdf.set_text_color(*SUBTLE)
                pdf.set_xy(x + label_w + w + 0.8, yy - 0.15)
                pdf.cell(12, 2.6, text)
                yy += 2.25
            yy += 0.8
        bottom = max(bottom, yy)
    key_y = bottom + 0.5
    pdf.set_fill_color(*BLUE)
    pdf.rect(MARGIN, key_y + 0.9, 4, 2, style="F")
    pt.paragraph(pdf, MARGIN + 5, key_y, 40, t("overview.respondents", lang), 7.5, line_h=3.6)
    pdf.set_fill_color(*GREY)
    pdf.rect(MARGIN + 30, key_y + 0.9, 4, 2, style="F")
    pt.paragraph(pdf, MARGIN + 35, key_y, 60, t("overview.population", lang), 7.5, line_h=3.6)
    return key_y + 6.0


def _activity(pdf, s: Summary, y: float) -> float:
    lang = s.lang
    y = _heading(pdf, y, t("summary.activity", lang))
    frames = [f for f in s.activity.values() if f is not None and len(f)]
    if not frames:
        return y
    first = frames[0]
    periods = list(dict.fromkeys(first["fiscal_year_label"]))
    header = [t("activity.fiscal_year", lang), *(qa.measure_label(m, lang) for m in s.activity)]
    rows = []
    for period in periods:
        row = [str(period)]
        for frame in s.activity.values():
            hit = frame[frame["fiscal_year_label"] == period]
            row.append(str(hit["display"].iloc[0]) if len(hit) else "")
        rows.append(row)
    widths = [40.0] + [(INNER - 40.0) / len(s.activity)] * len(s.activity)
    y = _table(pdf, MARGIN, y, widths, header, rows, aligns=["L"] + ["R"] * len(s.activity))
    note = t("activity.small_note", lang)
    return pt.paragraph(pdf, MARGIN, y + 1.2, INNER, note, 7.5, colour=SUBTLE) + 2.5


def _dates(pdf, s: Summary, y: float) -> float:
    lang = s.lang
    y = _heading(pdf, y, t("common.data_as_of", lang))
    # the same rows as 概要's データ時点 (fieldwork period, activity months, population's date)
    rows = list(s.dates)
    if s.wave is not None and s.respondents:
        rows.append(
            (
                t("summary.wave", lang),
                t("summary.fieldwork", lang, wave=wave_label(s.wave, lang), n=f"{s.respondents:,}"),
            )
        )
    if s.built_at is not None and not lb.is_missing(s.built_at):
        rows.append((t("overview.import_log", lang), data_dates.jst_text(s.built_at, lang)))
    rows.append((t("summary.made", lang), data_dates.jst_text(s.made_at, lang)))
    for label, value in rows:
        below = pt.paragraph(pdf, MARGIN, y, 52, label, 9, line_h=4.6, style="B")
        y = max(below, pt.paragraph(pdf, MARGIN + 54, y, INNER - 54, value, 9, line_h=4.6))
    return y + 1.5


def build_pdf(s: Summary) -> bytes:
    lang = s.lang
    pdf = pt.new_pdf("P")
    pdf.set_title(t("summary.title", lang))
    pdf.add_page()
    # title band
    pdf.set_fill_color(*BLUE)
    pdf.rect(0, 0, PAGE_W, 3, style="F")
    y = pt.paragraph(pdf, MARGIN, 8, INNER - 62, t("summary.title", lang), 19, line_h=9, style="B")
    pt.paragraph(pdf, MARGIN, y, INNER - 62, t("app.subtitle", lang), 9, colour=SUBTLE)
    if s.is_demo:
        pdf.set_fill_color(255, 243, 196)
        pdf.set_draw_color(201, 164, 0)
        pdf.rect(PAGE_W - MARGIN - 58, 8.5, 58, 8, style="DF")
        pt.paragraph(
            pdf, PAGE_W - MARGIN - 58, 9.6, 58, t("summary.demo", lang), 10, style="B", align="C", colour=(90, 69, 0)
        )
    y += 7
    filters = f"{t('common.filters_now', lang)}: {lb.filters_text(s.filters, s.wave, lang)}"
    y = pt.paragraph(pdf, MARGIN, y, INNER, filters, 8, colour=SUBTLE) + 1.5
    y = _headline(pdf, s, y)
    y = _profile(pdf, s, y)
    y = _activity(pdf, s, y)
    y = _dates(pdf, s, y)
    # the users' note and the disclosure rule at the foot
    foot = PAGE_H - 22
    pdf.set_draw_color(*BLUE)
    pdf.set_line_width(0.4)
    pdf.line(MARGIN, foot, PAGE_W - MARGIN, foot)
    yy = pt.paragraph(pdf, MARGIN, foot + 1.5, INNER, disclosure.notice(lang), 8, style="B")
    yy = pt.paragraph(pdf, MARGIN, yy + 0.5, INNER, t("summary.sources", lang), 7, colour=SUBTLE)
    if y > foot:  # pragma: no cover - checked by the tests: the page holds it all
        raise RuntimeError(f"the summary runs past its page ({y:.0f} mm > {foot:.0f} mm)")
    return bytes(pdf.output())


def summary_pdf(source: Source, filters: Filters = Filters(), lang: str = "ja") -> bytes:
    """The one-page summary as PDF bytes."""
    return build_pdf(gather(source, filters, lang))


def file_name(lang: str = "ja") -> str:
    return "概要1枚.pdf" if lang == "ja" else "summary.pdf"


def write_summary(source: Source, out: str | Path, lang: str = "ja", filters: Filters = Filters()) -> Path:
    """Write the summary to OUT (.pdf); the file appears only when complete."""
    path = Path(out)
    if path.suffix.lower() != ".pdf":
        raise ValueError(f"--out must end in .pdf, not {path.name!r}")
    data = summary_pdf(source, filters, lang)
    return pt.write_whole(path, data)
