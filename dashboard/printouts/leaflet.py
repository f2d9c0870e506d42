"""住民向けチラシ「ひとりで悩んでいませんか」: the consultation windows of the directory grouped by
worry (the codebook's fields: 高齢者, 子ども・若者, ひきこもり, 生活困窮 …), each with its phone
number and hours in large type, on the two sides of one A4 sheet (two PDF pages).

The windows are the directory's (public register, no statistics); a window that serves several
fields is listed under each. With a district, only the windows serving it (city-wide ones
included). Type is the shipped UD font (BIZ UDPGothic); the phone number is never split, and the
type scale steps down until everything fits the two sides (the phone number stays ≥ 13 pt).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dashboard.i18n import t
from dashboard.printouts import pdftext as pt
from dashboard.source import Source
from data import codebook as cb

MIME = "application/pdf"
PAGE_W, PAGE_H = 210.0, 297.0
MARGIN = 12.0
GAP = 6.0
COLUMNS = 3
SIDES = 2  # front and back of one sheet
INK = (17, 17, 17)
SUBTLE = (60, 60, 60)
# a colour per worry (Okabe–Ito), for the group's band
BANDS = [
    (0, 114, 178),
    (213, 94, 0),
    (0, 158, 115),
    (204, 121, 167),
    (86, 180, 233),
    (230, 159, 0),
    (0, 114, 178),
    (0, 158, 115),
    (120, 120, 120),
]
PHONE_MARK = "☎ "  # in the UD font (checked by the tests: no missing glyph)
SCALES = (1.25, 1.15, 1.06, 1.0, 0.94, 0.88, 0.82, 0.77, 0.72)


@dataclass(frozen=True)
class Window:
    name: str
    phone: str
    hours: str
    address: str


def groups(source: Source, lang: str = "ja", district: int | None = None) -> list[tuple[int, list[Window]]]:
    """(field code, its windows) for every field with at least one window, in codebook order."""
    districts = (district,) if district is not None else ()
    table = source.directory((), districts, "", lang)
    out = []
    for code in cb.codes("field"):
        rows = [r for _, r in table.iterrows() if code in _codes(r.get("fields"))]
        windows = [
            Window(_text(r.get("name")), _text(r.get("phone")), _text(r.get("hours")), _text(r.get("address")))
            for r in rows
        ]
        if windows:
            out.append((code, windows))
    return out


def _codes(value) -> set[int]:
    if value is None or value is pd.NA:
        return set()
    try:
        return {int(v) for v in value}
    except TypeError:
        return set()


def _text(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def worry(code: int, lang: str) -> str:
    key = f"leaflet.field.{code}"
    try:
        return t(key, lang)
    except KeyError:
        return t("leaflet.worry", lang, field=cb.code_label("field", code, lang))


# ---- layout ------------------------------------------------------------------------------------


@dataclass
class Sizes:
    name: float
    phone: float
    hours: float
    band: float

    @classmethod
    def at(cls, scale: float) -> Sizes:
        return cls(name=10.5 * scale, phone=max(13.0, 17.0 * scale), hours=9.5 * scale, band=11.5 * scale)


def _mm(pt_size: float) -> float:
    return pt_size * 0.3528


class Flow:
    """Blocks placed top to bottom in columns, side after side; measure=True only counts."""

    def __init__(self, pdf, top_first: float, measure: bool):
        self.pdf, self.measure = pdf, measure
        self.col_w = (PAGE_W - 2 * MARGIN - (COLUMNS - 1) * GAP) / COLUMNS
        self.bottom = PAGE_H - 20.0
        self.side, self.col = 0, 0
        self.top_first = top_first
        self.y = top_first
        self.overflow = False

    @property
    def x(self) -> float:
        return MARGIN + self.col * (self.col_w + GAP)

    def top(self) -> float:
        return self.top_first if self.side == 0 else 16.0

    def need(self, height: float) -> None:
        if self.y + height <= self.bottom:
            return
        self.col += 1
        if self.col >= COLUMNS:
            self.col = 0
            self.side += 1
            if self.side >= SIDES:
                self.overflow = True  # more than two sides: a third page rather than text over text
            if not self.measure:
                self.pdf.add_page()
                _back_header(self.pdf, self.lang)
        self.y = self.top()


def _entry_height(pdf, w: Window, width: float, s: Sizes) -> float:
    h = 0.0
    pdf.set_font(pt.FAMILY, "B", s.name)
    h += len(pt.wrap(pdf, w.name, width)) * _mm(s.name) * 1.35
    if w.phone:
        h += _mm(s.phone) * 1.3
    if w.hours:
        pdf.set_font(pt.FAMILY, "", s.hours)
        h += len(pt.wrap(pdf, w.hours, width)) * _mm(s.hours) * 1.4
    return h + 3.0


def _draw_entry(pdf, x: float, y: float, w: Window, width: float, s: Sizes) -> float:
    y = pt.paragraph(pdf, x, y, width, w.name, s.name, line_h=_mm(s.name) * 1.35, style="B")
    if w.phone:
        pdf.set_font(pt.FAMILY, "B", s.phone)
        pdf.set_text_color(*INK)
        pdf.set_xy(x, y)
        pdf.cell(width, _mm(s.phone) * 1.3, PHONE_MARK + w.phone)
        y += _mm(s.phone) * 1.3
    if w.hours:
        y = pt.paragraph(pdf, x, y, width, w.hours, s.hours, line_h=_mm(s.hours) * 1.4, colour=SUBTLE)
    pdf.set_draw_color(210, 210, 210)
    pdf.set_line_width(0.2)
    pdf.line(x, y + 1.4, x + width, y + 1.4)
    return y + 3.0


def _front_header(pdf, lang: str, district: int | None) -> float:
    pdf.set_fill_color(0, 114, 178)
    pdf.rect(0, 0, PAGE_W, 40, style="F")
    pt.paragraph(
        pdf, MARGIN, 8, PAGE_W - 2 * MARGIN, t("leaflet.title", lang), 30, line_h=13, style="B", colour=(255, 255, 255)
    )
    sub = t("app.subtitle", lang)
    if district is not None:
        sub = f"{t('leaflet.district', lang, district=cb.code_label('district', district, lang))}　{sub}"
    pt.paragraph(pdf, MARGIN, 24, PAGE_W - 2 * MARGIN, sub, 10.5, colour=(255, 255, 255))
    y = pt.paragraph(pdf, MARGIN, 44, PAGE_W - 2 * MARGIN, t("leaflet.lead", lang), 12, line_h=6.2)
    return y + 3


def _back_header(pdf, lang: str) -> None:
    pt.paragraph(pdf, MARGIN, 7, PAGE_W - 2 * MARGIN, t("leaflet.title", lang), 13, style="B", colour=(0, 114, 178))


def _footer(pdf, lang: str, as_of: str, is_demo: bool) -> None:
    y = PAGE_H - 17
    pdf.set_draw_color(0, 114, 178)
    pdf.set_line_width(0.5)
    pdf.line(MARGIN, y, PAGE_W - MARGIN, y)
    yy = pt.paragraph(pdf, MARGIN, y + 1.5, PAGE_W - 2 * MARGIN, t("leaflet.emergency", lang), 11, style="B")
    foot = t("leaflet.footer", lang, date=as_of)
    if is_demo:
        foot = f"{t('summary.demo', lang)}　{foot}"
    pt.paragraph(pdf, MARGIN, yy + 0.5, PAGE_W - 2 * MARGIN, foot, 7.5, colour=SUBTLE)


def _lay_out(pdf, grouped, lang: str, s: Sizes, top: float, measure: bool) -> bool:
    """Place every group; False if it does not fit the two sides."""
    flow = Flow(pdf, top, measure)
    flow.lang = lang
    for i, (code, windows) in enumerate(grouped):
        band_h = _mm(s.band) * 1.6
        first_h = _entry_height(pdf, windows[0], flow.col_w - 2, s)
        flow.need(band_h + 1.5 + first_h)  # a heading never ends a column
        if not measure:
            colour = BANDS[i % len(BANDS)]
            pdf.set_fill_color(*colour)
            pdf.rect(flow.x, flow.y, flow.col_w, band_h, style="F")
            heading = worry(code, lang)
            pt.paragraph(
                pdf,
                flow.x + 2,
                flow.y + band_h * 0.14,
                flow.col_w - 4,
                heading,
                pt.one_line_size(pdf, heading, flow.col_w - 4, s.band, 7.0, "B"),
                line_h=band_h * 0.72,
                style="B",
                colour=(255, 255, 255),
                max_lines=1,
            )
        flow.y += band_h + 1.5
        for w in windows:
            h = _entry_height(pdf, w, flow.col_w - 2, s)
            flow.need(h)
            if not measure:
                _draw_entry(pdf, flow.x + 1, flow.y, w, flow.col_w - 2, s)
            flow.y += h
        flow.y += 2.0
        if flow.overflow and measure:
            return False
    return not flow.overflow


def build_pdf(grouped, lang: str, district: int | None, as_of: str, is_demo: bool) -> bytes:
    pdf = pt.new_pdf("P")
    pdf.set_title(t("leaflet.title", lang))
    pdf.add_page()
    top = _front_header(pdf, lang, district)
    if not grouped:
        pt.paragraph(pdf, MARGIN, top + 4, PAGE_W - 2 * MARGIN, t("leaflet.none", lang), 14)
    chosen = SCALES[-1]
    for scale in SCALES:
        if _lay_out(pdf, grouped, lang, Sizes.at(scale), top, measure=True):
            chosen = scale
            break
    sizes = Sizes.at(chosen)
    # the phone numbers all in one size, the largest at which the longest fits its column
    col_w = (PAGE_W - 2 * MARGIN - (COLUMNS - 1) * GAP) / COLUMNS - 2
    phones = [PHONE_MARK + w.phone for _, ws in grouped for w in ws if w.phone]
    if phones:
        longest = max(phones, key=lambda p: (pdf.set_font(pt.FAMILY, "B", sizes.phone), pdf.get_string_width(p))[1])
        sizes.phone = pt.one_line_size(pdf, longest, col_w, sizes.phone, 11.0, "B")
    # and the names in a size at which no word of a name has to break
    names = [w.name for _, ws in grouped for w in ws]
    sizes.name = pt.word_fit_size(pdf, names, col_w, sizes.name, 8.0, "B")
    _lay_out(pdf, grouped, lang, sizes, top, measure=False)
    while pdf.page < SIDES:  # always two sides: the back carries the footer too
        pdf.add_page()
        _back_header(pdf, lang)
    for page in range(1, pdf.page + 1):
        pdf.page = page
        _footer(pdf, lang, as_of, is_demo)
    return bytes(pdf.output())


def leaflet_pdf(source: Source, lang: str = "ja", district: int | None = None) -> bytes:
    """The leaflet as PDF bytes (two A4 pages: print both sides of one sheet)."""
    if district is not None and district not in cb.codes("district"):
        raise ValueError(f"district must be one of {cb.codes('district')}, not {district!r}")
    log = source.import_log()
    built = pd.to_datetime(log["built_at"]).max() if len(log) else None
    as_of = f"{pd.Timestamp(built):%Y-%m-%d}" if built is not None and not pd.isna(built) else f"{dt.date.today()}"
    is_demo = bool(len(log)) and bool(log["is_demo"].astype(bool).any())
    return build_pdf(groups(source, lang, district), lang, district, as_of, is_demo)


def file_name(lang: str = "ja", district: int | None = None) -> str:
    base = "住民向けチラシ" if lang == "ja" else "leaflet"
    if district is not None:
        base += "_" + cb.code_label("district", district, lang)
    return base + ".pdf"


def write_leaflet(source: Source, out: str | Path, lang: str = "ja", district: int | None = None) -> Path:
    path = Path(out)
    if path.suffix.lower() != ".pdf":
        raise ValueError(f"--out must end in .pdf, not {path.name!r}")
    data = leaflet_pdf(source, lang, district)
    return pt.write_whole(path, data)
