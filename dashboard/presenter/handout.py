"""Printed handouts of a deck: PPTX slides (python-pptx) or A4 PDF pages (fpdf2), one per deck slide
and as many continuation pages as a long table needs (a table is split, never cut short).

Each page: the heading, the chart, the table under or beside it, the users' note on adjusted
figures (on every page with figures), the speaker notes (optional), the sources, and a footer with
the disclosure rule, the data's date and, for demo data, the demo label. In the PPTX, bar and line
charts are native PowerPoint charts (editable; the figures are the table's), other charts (heatmap,
map) pictures; in the PDF every chart is a picture (Altair → PNG with vl-convert and the shipped
UD font). The PDF comes one slide per A4 page (landscape) or 2 or 4 per page. Table cells and
notes are broken into lines by dashboard.printouts.pdftext, which never splits a word, a number or
a phone number. Every number is the query layer's, already protected; nothing here computes one. A
view the query layer refuses (too few respondents) says so instead of showing figures.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dashboard.content import ViewContent
from dashboard.presenter import deck as dk, slide as sl
from dashboard.presenter.strings import ps
from dashboard.printouts import pdftext as pt
from dashboard.source import Source

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT_REGULAR = FONT_DIR / "BIZUDPGothic-Regular.ttf"
FONT_BOLD = FONT_DIR / "BIZUDPGothic-Bold.ttf"
FONT_NAME = "BIZ UDPGothic"
MIME = {"pdf": "application/pdf", "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
DPI = 150  # chart images are drawn for this many pixels per inch
CHART_FONT_PT = 10  # chart lettering on paper
WIDE_TABLE_COLUMNS = 7  # long narrow tables go beside the chart, others under it


@dataclass
class Page:
    """One handout page, whatever the format."""

    number: int
    total: int
    slide: dk.Slide
    content: ViewContent | None = None
    layout: str = "text"  # text | side | below | table
    image: bytes | None = None
    image_px: tuple[int, int] = (0, 0)
    table: pd.DataFrame | None = None
    lines: list[str] = field(default_factory=list)  # notes, marks, sources under the content
    notes: str = ""  # the speaker notes (printed or not: handout_bytes(notes=...))


# ---- what goes on each page -------------------------------------------------------------------


def layout_of(content: ViewContent) -> str:
    if content.chart is None:
        return "table"
    table = content.table
    if table is None or table.empty:
        return "below"
    if len(table.columns) <= WIDE_TABLE_COLUMNS and len(table) > 5:
        return "side"
    return "below"


def chart_region(layout: str, width_in: float, height_in: float) -> tuple[float, float]:
    """Inches of the chart's box on a page whose content area is WIDTH × HEIGHT inches."""
    if layout == "side":
        return width_in * 0.58, height_in
    return width_in, height_in * 0.58


def content_box(fmt: str) -> tuple[float, float]:
    """The content area (inches) between heading and notes on a page of the format."""
    return (12.3, 4.35) if fmt == "pptx" else (10.9, 4.95)


def make_pages(deck: dk.Deck, source: Source, lang: str, fmt: str, progress=None) -> list[Page]:
    """The pages of DECK; PROGRESS(done, total), if given, after each slide (the page's progress
    line: drawing the charts is most of the time)."""
    pages = []
    box_w, box_h = content_box(fmt)
    for i, slide in enumerate(deck.slides, 1):
        if progress is not None:
            progress(i - 1, len(deck))
        page = Page(number=i, total=len(deck), slide=slide)
        if slide.view is not None:
            content = sl.view_content(source, slide.view, lang)
            page.content = content
            page.layout = layout_of(content)
            page.table = content.table if content.table is not None and len(content.table) else None
            native = fmt == "pptx" and native_chart(content, slide.view, lang) is not None
            if content.chart is not None and not content.empty and not native:
                w_in, h_in = chart_region(page.layout, box_w, box_h)
                w_px, h_px = int(w_in * DPI), int(h_in * DPI)
                font_px = CHART_FONT_PT / 72 * DPI
                page.image = sl.png_bytes(sl.sized_spec(content.chart, w_px, h_px, font_px), scale=1.0)
                page.image_px = (w_px, h_px)
            if content.refused:
                page.lines.append(content.refused)
            if content.notice:
                page.lines.append(content.notice)
            if slide.caption:
                page.lines.append(slide.caption)
            if content.filters_text:
                page.lines.append(content.filters_text)
            page.lines += content.notes
            if content.sources:
                page.lines.append(f"{ps('handout.sources', lang)}: " + " / ".join(content.sources))
        if slide.notes:
            page.notes = f"{ps('handout.notes', lang)}: {slide.notes.strip()}"
            page.lines.append(page.notes)
        pages.append(page)
    return pages


def without_notes(pages: list[Page]) -> list[Page]:
    """The pages with the speaker notes left out of what is printed."""
    for page in pages:
        if page.notes:
            page.lines = [line for line in page.lines if line != page.notes]
    return pages


def footer_text(facts: sl.DataFacts, lang: str) -> str:
    return f"{ps('handout.rule', lang)}: {sl.disclosure_rule(lang)}"


def file_name(deck: dk.Deck, fmt: str) -> str:
    return f"{deck.name}_handout.{fmt}"


def table_text(table: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Header and body rows as text."""
    header = [str(c) for c in table.columns]
    body = [["" if pd.isna(v) else str(v) for v in row] for row in table.itertuples(index=False)]
    return header, body


def col_weights(header: list[str], body: list[list[str]]) -> list[float]:
    """Column widths in proportion to the longest text (CJK counted double), within limits."""

    def width(s: str) -> float:
        return sum(2.0 if ord(ch) > 0x2E80 else 1.1 for ch in s)

    w = [max(width(h) * 0.8, *(width(r[i]) for r in body)) if body else width(h) for i, h in enumerate(header)]
    return [min(max(x, 6.0), 30.0) for x in w]


# ---- PDF (fpdf2) ------------------------------------------------------------------------------

PDF_W, PDF_H, PDF_M = 297.0, 210.0, 12.0  # one slide: an A4 landscape page (mm)
PER_PAGE = (1, 2, 4)  # slides per A4 sheet


def build_pdf(deck: dk.Deck, pages: list[Page], facts: sl.DataFacts, lang: str) -> bytes:
    """One A4 landscape page per slide, and a continuation page for each part of a table that does
    not fit under its chart (the table is split, never cut short)."""
    from fpdf.fonts import FontFace

    pdf = pt.new_pdf("L")
    inner_w = PDF_W - 2 * PDF_M
    box_h_mm = content_box("pdf")[1] * 25.4
    for page in pages:
        pdf.add_page()
        _pdf_header(pdf, deck, page, facts, lang, inner_w)
        top = 27.0
        slide = page.slide
        rest: list[list[str]] = []
        header: list[str] = []
        if slide.view is None:
            _pdf_text_slide(pdf, deck, slide, top, inner_w)
        else:
            chart_w, chart_h = (v * 25.4 for v in chart_region(page.layout, *content_box("pdf")))
            table_x, table_y, table_w, table_h = PDF_M, top, inner_w, box_h_mm
            if page.image is not None:
                w_px, h_px = page.image_px
                scale = min(chart_w / w_px, chart_h / h_px)
                pdf.image(io.BytesIO(page.image), x=PDF_M, y=top, w=w_px * scale, h=h_px * scale)
                if page.layout == "side":
                    table_x, table_w = PDF_M + chart_w + 5, inner_w - chart_w - 5
                else:
                    table_y, table_h = top + h_px * scale + 3, box_h_mm - h_px * scale - 3
            if page.table is not None:
                header, body = table_text(page.table)
                rest = _pdf_table(pdf, header, body, table_x, table_y, table_w, table_h, FontFace)
            _pdf_lines(pdf, page.lines, top + box_h_mm + 3, inner_w, PDF_H - 22)
        _pdf_footer(pdf, page, facts, lang, inner_w, PDF_H)
        while rest:  # the rest of the table on pages of its own
            pdf.add_page()
            _pdf_header(pdf, deck, page, facts, lang, inner_w, continued=True)
            rest = _pdf_table(pdf, header, rest, PDF_M, top, inner_w, box_h_mm + 14, FontFace)
            _pdf_footer(pdf, page, facts, lang, inner_w, PDF_H, continued=True)
    return bytes(pdf.output())


def impose(data: bytes, per_page: int) -> bytes:
    """The one-slide-per-page PDF DATA laid out 2 (portrait, one above the other) or 4 (landscape,
    two by two) slides to an A4 sheet, each slide scaled whole and framed (pypdf; the text stays
    text)."""
    if per_page == 1:
        return data
    if per_page not in PER_PAGE:
        raise ValueError(f"slides per page must be one of {PER_PAGE}, not {per_page!r}")
    from pypdf import PdfReader, PdfWriter, Transformation

    mm = 72 / 25.4
    if per_page == 2:
        sheet_w, sheet_h, cols, rows = 210 * mm, 297 * mm, 1, 2
    else:
        sheet_w, sheet_h, cols, rows = 297 * mm, 210 * mm, 2, 2
    margin, gap = 8 * mm, 6 * mm
    cell_w = (sheet_w - 2 * margin - (cols - 1) * gap) / cols
    cell_h = (sheet_h - 2 * margin - (rows - 1) * gap) / rows
    reader = PdfReader(io.BytesIO(data))
    slides = list(reader.pages)
    slots = []
    for k in range(per_page):
        col, row = k % cols, k // cols
        pw, ph = PDF_W * mm, PDF_H * mm
        scale = min(cell_w / pw, cell_h / ph)
        x = margin + col * (cell_w + gap) + (cell_w - pw * scale) / 2
        y = sheet_h - margin - (row + 1) * cell_h - row * gap + (cell_h - ph * scale) / 2
        slots.append((x, y, pw * scale, ph * scale, scale))
    frame = PdfReader(
        io.BytesIO(_frames(sheet_w / mm, sheet_h / mm, [(x / mm, y / mm, w / mm, h / mm) for x, y, w, h, _ in slots]))
    )
    writer = PdfWriter()
    for start in range(0, len(slides), per_page):
        sheet = writer.add_blank_page(width=sheet_w, height=sheet_h)
        sheet.merge_page(frame.pages[0])
        for (x, y, _, _, scale), slide in zip(slots, slides[start : start + per_page]):
            sheet.merge_transformed_page(slide, Transformation().scale(scale).translate(x, y))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _frames(width: float, height: float, boxes) -> bytes:
    """A page WIDTH × HEIGHT mm with a thin frame at each box (x, y from the bottom left, w, h)."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format=(width, height))
    pdf.add_page()
    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.25)
    for x, y, w, h in boxes:
        pdf.rect(x, height - y - h, w, h)
    return bytes(pdf.output())


def _pdf_header(pdf, deck, page, facts, lang, inner_w, continued: bool = False) -> None:
    pt.paragraph(pdf, PDF_M, 8, inner_w * 0.7, deck.title, 8, colour=(80, 80, 80), max_lines=1)
    if facts.is_demo:
        pdf.set_xy(PDF_M + inner_w - 60, 7)
        pdf.set_fill_color(255, 243, 196)
        pdf.set_draw_color(201, 164, 0)
        pdf.set_text_color(90, 69, 0)
        pdf.set_font(pt.FAMILY, "B", 9)
        pdf.cell(60, 7, ps("demo.short", lang), border=1, align="C", fill=True)
    if page.slide.kind not in ("title", "section"):  # those show their heading large in the middle
        heading = page.slide.heading + (ps("handout.continued", lang) if continued else "")
        size = pt.one_line_size(pdf, heading, inner_w, 17, 11, "B")
        pt.paragraph(pdf, PDF_M, 14, inner_w, heading, size, line_h=9, style="B", max_lines=1)
    pdf.set_draw_color(0, 114, 178)
    pdf.set_line_width(0.8)
    pdf.line(PDF_M, 24, PDF_M + inner_w, 24)


def _pdf_text_slide(pdf, deck, slide, top, inner_w) -> None:
    y = top + 6
    if slide.kind in ("title", "section"):
        size = 22 if slide.kind == "section" else 20
        y = pt.paragraph(pdf, PDF_M, y + 20, inner_w, slide.heading, size, line_h=12, style="B", align="C")
        for line in [x.strip() for x in slide.text.splitlines() if x.strip()] + (
            [deck.date] if slide.kind == "title" and deck.date else []
        ):
            y = pt.paragraph(pdf, PDF_M, y, inner_w, line, 14, line_h=9, align="C")
        return
    for line in [x.strip() for x in slide.text.splitlines() if x.strip()]:
        bullet = line.startswith(("- ", "・"))
        text = ("・" + line[2:]) if line.startswith("- ") else line
        x = 18 if bullet else 16
        y = pt.paragraph(pdf, x, y, inner_w - 8, text, 15, line_h=10)


def _pdf_col_widths(pdf, header, body, w, size, padding) -> list[float] | None:
    """Column widths (mm) in proportion to the text, each at least as wide as its widest word (a
    phone number, a figure, a name): None when the columns cannot all fit W at SIZE."""

    def needs(widest_body) -> list[float]:
        out = []
        for i, h in enumerate(header):
            pdf.set_font(pt.FAMILY, "", size)
            body_need = max((widest_body(r[i]) for r in body), default=0.0)
            pdf.set_font(pt.FAMILY, "B", size)
            out.append(max(body_need, pt.widest_unit(pdf, h)) + 2 * padding + 0.8)
        pdf.set_font(pt.FAMILY, "", size)
        return out

    # the cells' whole words (「16〜19歳」, 「NPO法人・」) if the columns can hold them, else whole
    # units (a header may break between its characters: 「95%信頼区間 / 下限(%)」)
    need = needs(lambda text: max((pdf.get_string_width(w) for w in pt.words(str(text))), default=0.0))
    if sum(need) > w:
        need = needs(lambda text: pt.widest_unit(pdf, text))
    if sum(need) > w:
        return None
    weights = col_weights(header, body)
    widths = [w * x / sum(weights) for x in weights]
    for _ in range(len(widths)):  # raise the narrow ones to their need, take it from the others
        short = [i for i, x in enumerate(widths) if x < need[i] - 1e-6]
        if not short:
            break
        for i in short:
            widths[i] = need[i]
        free = [i for i in range(len(widths)) if i not in short and widths[i] > need[i]]
        spare = w - sum(widths)
        if not free:
            break
        total = sum(widths[i] - need[i] for i in free)
        for i in free:
            widths[i] += spare * (widths[i] - need[i]) / total if total else spare / len(free)
    return widths


def _pdf_table(pdf, header, body, x, y, w, h, FontFace) -> list[list[str]]:
    """Draw as many rows of BODY as fit in H under the header; return the rows left over (for a
    continuation page). Every cell's lines are broken by pdftext (no word or number split)."""
    padding = 0.6
    size = 8.5 if len(body) <= 12 else 7.5 if len(body) <= 20 else 7.0
    widths = None
    while widths is None:
        widths = _pdf_col_widths(pdf, header, body, w, size, padding)
        if widths is None:
            if size <= 5.5:
                widths = [w / len(header)] * len(header)
            else:
                size -= 0.5
    line_h = size * 0.42

    def wrapped(row, style):
        pdf.set_font(pt.FAMILY, style, size)
        return ["\n".join(pt.wrap(pdf, cell, cw - 2 * padding - 0.6)) for cell, cw in zip(row, widths)]

    head = wrapped(header, "B")
    head_h = max(c.count("\n") + 1 for c in head) * line_h + 2 * padding
    rows, used = [], head_h
    for row in body:
        cells = wrapped(row, "")
        row_h = max(c.count("\n") + 1 for c in cells) * line_h + 2 * padding
        if rows and used + row_h > h:
            break
        rows.append(cells)
        used += row_h
    pdf.set_font(pt.FAMILY, "", size)
    pdf.set_text_color(17, 17, 17)
    pdf.set_draw_color(170, 170, 170)
    pdf.set_line_width(0.2)
    old_l, old_r = pdf.l_margin, pdf.r_margin
    pdf.set_left_margin(x)
    pdf.set_right_margin(PDF_W - x - w)
    pdf.set_xy(x, y)
    with pdf.table(
        width=w,
        col_widths=widths,
        line_height=line_h,
        text_align="LEFT",
        align="LEFT",
        headings_style=FontFace(emphasis="BOLD", fill_color=(232, 241, 250)),
        first_row_as_headings=True,
        padding=padding,
    ) as tbl:
        for row in [head, *rows]:
            r = tbl.row()
            for cell in row:
                r.cell(cell)
    pdf.set_left_margin(old_l)
    pdf.set_right_margin(old_r)
    return body[len(rows) :]


def _pdf_lines(pdf, lines, y, inner_w, bottom) -> None:
    y = max(y, pdf.get_y() + 2)
    pdf.set_font(pt.FAMILY, "", 7.5)
    for line in lines:
        for part in pt.wrap(pdf, line, inner_w):
            if y > bottom - 3.5:
                return
            pt.paragraph(pdf, PDF_M, y, inner_w, part, 7.5, line_h=3.6, colour=(40, 40, 40))
            y += 3.6


def _pdf_footer(pdf, page, facts, lang, inner_w, page_h, continued: bool = False) -> None:
    pdf.set_draw_color(0, 114, 178)
    pdf.set_line_width(0.4)
    pdf.line(PDF_M, page_h - 20, PDF_M + inner_w, page_h - 20)
    pt.paragraph(pdf, PDF_M, page_h - 19, inner_w, footer_text(facts, lang), 6.5, line_h=3.0, colour=(60, 60, 60))
    meta = facts.as_of_text(lang)
    if facts.is_demo:
        meta = f"{ps('demo.short', lang)} ・ {meta}"
    pt.paragraph(pdf, PDF_M, page_h - 8, inner_w * 0.78, meta, 8, line_h=4, colour=(17, 17, 17), max_lines=1)
    number = f"{page.number} / {page.total}" + (ps("handout.continued", lang) if continued else "")
    pt.paragraph(pdf, PDF_M + inner_w * 0.78, page_h - 8, inner_w * 0.22, number, 8, line_h=4, align="R")


# ---- PPTX (python-pptx) ------------------------------------------------------------------------


def _set_font(run, size_pt: float, bold: bool = False, colour=(17, 17, 17)) -> None:
    from pptx.dml.color import RGBColor
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    run.font.size = Pt(size_pt)
    run.font.bold = bold
    run.font.name = FONT_NAME
    run.font.color.rgb = RGBColor(*colour)
    rpr = run._r.get_or_add_rPr()
    for tag in ("a:ea", "a:cs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = rpr.makeelement(qn(tag), {})
            rpr.append(el)
        el.set("typeface", FONT_NAME)


def _text_box(
    slide, left, top, width, height, paragraphs, size, bold=False, colour=(17, 17, 17), align=None, fill=None
):
    from pptx.dml.color import RGBColor
    from pptx.util import Inches

    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    tf = box.text_frame
    tf.word_wrap = True
    if fill is not None:
        box.fill.solid()
        box.fill.fore_color.rgb = RGBColor(*fill)
    for i, text in enumerate(paragraphs):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        if align is not None:
            p.alignment = align
        run = p.add_run()
        run.text = text
        _set_font(run, size, bold, colour)
    return box


def build_pptx(deck: dk.Deck, pages: list[Page], facts: sl.DataFacts, lang: str) -> bytes:
    """One slide per deck slide, bar and line charts as native charts, and a continuation slide for
    each part of a table that does not fit (the table is split, never cut short)."""
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    box_w, box_h = content_box("pptx")
    top = 1.35
    for page in pages:
        s = _pptx_slide(prs, deck, page, facts, lang)
        slide = page.slide
        rest: list[list[str]] = []
        header: list[str] = []
        if slide.view is None:
            _pptx_text_slide(s, deck, slide, top)
        else:
            chart_w, chart_h = chart_region(page.layout, box_w, box_h)
            tx, ty, tw, th = 0.5, top, box_w, box_h
            drawn_h = None
            native = native_chart(page.content, slide.view, lang) if page.content is not None else None
            if native is not None and not page.content.empty:
                _pptx_native_chart(s, native, 0.5, top, chart_w, chart_h)
                drawn_h = chart_h
            elif page.image is not None:
                w_px, h_px = page.image_px
                scale = min(chart_w / w_px, chart_h / h_px)
                s.shapes.add_picture(
                    io.BytesIO(page.image), Inches(0.5), Inches(top), Inches(w_px * scale), Inches(h_px * scale)
                )
                drawn_h = h_px * scale
            if drawn_h is not None:
                if page.layout == "side":
                    tx, tw = 0.5 + chart_w + 0.2, box_w - chart_w - 0.2
                else:
                    ty, th = top + drawn_h + 0.1, box_h - drawn_h - 0.1
            if page.table is not None:
                header, body = table_text(page.table)
                rest = _pptx_table(s, header, body, tx, ty, tw, th)
            if page.lines:
                _text_box(s, 0.5, top + box_h + 0.1, 12.3, 0.95, page.lines, 9, colour=(40, 40, 40))
        notes = "\n".join(x for x in (slide.notes, *(page.lines if slide.view is not None else [])) if x)
        if notes:
            s.notes_slide.notes_text_frame.text = notes
        while rest:  # the rest of the table on slides of its own
            s = _pptx_slide(prs, deck, page, facts, lang, continued=True)
            rest = _pptx_table(s, header, rest, 0.5, top, box_w, box_h + 0.9)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def _pptx_slide(prs, deck, page: Page, facts, lang: str, continued: bool = False):
    """A blank slide with the deck's title, the demo label, the heading, the rule and the footer."""
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches

    s = prs.slides.add_slide(prs.slide_layouts[6])
    _text_box(s, 0.5, 0.15, 9.0, 0.35, [deck.title], 10, colour=(80, 80, 80))
    if facts.is_demo:
        _text_box(
            s,
            10.3,
            0.12,
            2.55,
            0.4,
            [ps("demo.short", lang)],
            12,
            bold=True,
            colour=(90, 69, 0),
            align=PP_ALIGN.CENTER,
            fill=(255, 243, 196),
        )
    heading = page.slide.heading + (ps("handout.continued", lang) if continued else "")
    _text_box(s, 0.5, 0.5, 12.3, 0.7, [heading], 26, bold=True)
    line = s.shapes.add_connector(1, Inches(0.5), Inches(1.2), Inches(12.83), Inches(1.2))
    line.line.width = Inches(0.03)
    meta = facts.as_of_text(lang)
    if facts.is_demo:
        meta = f"{ps('demo.short', lang)} ・ {meta}"
    number = f"{page.number} / {page.total}" + (ps("handout.continued", lang) if continued else "")
    _text_box(s, 0.5, 6.75, 9.5, 0.7, [footer_text(facts, lang)], 7, colour=(60, 60, 60))
    _text_box(s, 10.1, 6.85, 2.75, 0.5, [meta, number], 9, colour=(40, 40, 40), align=PP_ALIGN.RIGHT)
    return s


def _pptx_text_slide(s, deck, slide, top: float) -> None:
    from pptx.enum.text import PP_ALIGN

    lines = [x.strip() for x in slide.text.splitlines() if x.strip()]
    lines = [("・" + x[2:]) if x.startswith("- ") else x for x in lines]
    if slide.kind == "title" and deck.date:
        lines.append(deck.date)
    centred = slide.kind in ("title", "section")
    _text_box(
        s,
        0.8,
        top + (1.2 if centred else 0.2),
        11.7,
        4.2,
        lines or [""],
        24 if not centred else 22,
        align=PP_ALIGN.CENTER if centred else None,
    )


# ---- native PowerPoint charts ---------------------------------------------------------------------


@dataclass
class NativeChart:
    """A bar or line chart as PowerPoint draws it: categories, one or more series of numbers (None
    where the figure is not shown: 秘匿, <5), the number format of the values."""

    kind: str  # bar (horizontal) | column | line
    categories: list[str]
    series: list[tuple[str, list[float | None]]]
    number_format: str
    title: str = ""


def native_chart(content: ViewContent, view, lang: str) -> NativeChart | None:
    """The native chart of a view whose chart is bars or lines (an indicator by one dimension, an
    activity measure by month or 年度, the need by district), from the same figures as its table;
    None for the others (heatmap, small multiples, map, referrals, trend: pictures)."""
    if content is None or content.empty or content.refused:
        return None
    try:
        if view.kind == "bar" and content.table is not None and len(view.by) == 1:
            return _indicator_bars(content, view, lang)
        if view.kind == "activity" and content.frame is not None:
            return _activity_series(content.frame, view, lang)
        if view.kind == "need" and content.frame is not None:
            return _need_bars(content.frame, lang)
    except (KeyError, ValueError, TypeError):  # a layout this does not know: the picture instead
        return None
    return None


def _number(text) -> float | None:
    s = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text).replace(",", "").strip()
    try:
        return float(s)
    except ValueError:
        return None


def _indicator_bars(content: ViewContent, view, lang: str) -> NativeChart:
    from dashboard import tables

    table = content.table
    header = tables.screen_header("estimate_pct", lang)  # content.table is laid out for people
    est = table[header]
    label = table[table.columns[0]].astype(str).tolist()
    title = content.chart_title if hasattr(content, "chart_title") else ""
    return NativeChart(
        "bar",
        label,
        [(header, [_number(v) for v in est])],
        '0.0"%"',
        title,
    )


def _activity_series(frame: pd.DataFrame, view, lang: str) -> NativeChart:
    rows, cols = frame.attrs["rows"], frame.attrs.get("cols")
    body = frame[frame[rows].notna()]
    categories = list(dict.fromkeys(body[f"{rows}_label"].astype(str)))

    def values(part: pd.DataFrame) -> list[float | None]:
        by_period = {
            str(r[f"{rows}_label"]): (None if str(r["display"]).startswith("<") else float(r["value"]))
            for _, r in part.iterrows()
        }
        return [by_period.get(c) for c in categories]

    from queries import activity as qa

    name = qa.measure_label(view.measure, lang)
    if cols:
        groups = body[body[cols].notna()]
        series = [(str(g), values(part)) for g, part in groups.groupby(f"{cols}_label", sort=False)]
    else:
        series = [(name, values(body))]
    return NativeChart("line" if rows == "month" else "column", categories, series, "#,##0", name)


def _need_bars(frame: pd.DataFrame, lang: str) -> NativeChart:
    from dashboard.i18n import t

    part = frame[~frame["is_total"].astype(bool)]
    hidden = part["suppressed"].astype(bool).tolist()
    residents = [None if h or pd.isna(v) else float(v) for h, v in zip(hidden, part["residents_est"])]
    consultations = [
        None if str(d).startswith("<") else float(v)
        for d, v in zip(part["consultations_display"], part["consultations"])
    ]
    return NativeChart(
        "column",
        part["district_label"].astype(str).tolist(),
        [(t("csv.residents_est", lang), residents), (t("activity.consultations", lang), consultations)],
        "#,##0",
    )


OKABE_ITO = [(0, 114, 178), (230, 159, 0), (0, 158, 115), (204, 121, 167), (86, 180, 233), (213, 94, 0), (240, 228, 66)]


def _pptx_native_chart(s, native: NativeChart, x: float, y: float, w: float, h: float):
    from pptx.chart.data import CategoryChartData
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
    from pptx.util import Inches, Pt

    data = CategoryChartData(number_format=native.number_format)
    data.categories = native.categories
    for name, values in native.series:
        data.add_series(name, values)
    kind = {
        "bar": XL_CHART_TYPE.BAR_CLUSTERED,
        "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
        "line": XL_CHART_TYPE.LINE_MARKERS,
    }[native.kind]
    frame = s.shapes.add_chart(kind, Inches(x), Inches(y), Inches(w), Inches(h), data)
    chart = frame.chart
    chart.font.size = Pt(10)
    chart.font.name = FONT_NAME
    chart.has_legend = len(native.series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    if native.kind == "bar":
        chart.category_axis.reverse_order = True  # the table's order, top to bottom
    plot = chart.plots[0]
    if native.kind in ("bar", "column") and len(native.categories) * len(native.series) <= 24:
        plot.has_data_labels = True
        labels = plot.data_labels
        labels.number_format = native.number_format
        labels.number_format_is_linked = False
        labels.font.size = Pt(9)
    if native.kind in ("bar", "column"):
        plot.gap_width = 60
    for i, series in enumerate(plot.series):
        colour = RGBColor(*OKABE_ITO[i % len(OKABE_ITO)])
        if native.kind == "line":
            series.format.line.color.rgb = colour
            series.smooth = False
        else:
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = colour
    chart.value_axis.has_major_gridlines = True
    chart.value_axis.tick_labels.number_format = native.number_format
    chart.value_axis.tick_labels.number_format_is_linked = False
    return chart


def _pptx_table(s, header: list[str], body: list[list[str]], x, y, w, h) -> list[list[str]]:
    """BODY under the header in H (inches): in the largest type from 12 down to 8 pt at which all of
    it fits, else as many rows as fit at 8 pt; returns the rows left over (a continuation slide)."""
    from pptx.util import Inches

    weights = col_weights(header, body)
    total = sum(weights)
    widths = [w * wt / total for wt in weights]

    def lines(row, size) -> int:
        return max(max(1, math.ceil(col_text_width(c, size) / max(cw - 0.1, 0.2))) for c, cw in zip(row, widths))

    def fitting(size) -> int:
        row_h = size * 1.5 / 72
        used = lines(header, size) * row_h
        for k, row in enumerate(body):
            used += lines(row, size) * row_h
            if used > h:
                return k
        return len(body)

    for size in (12.0, 11.0, 10.0, 9.0, 8.0):
        n = fitting(size)
        if n == len(body):
            break
    n = max(1, n)
    rows = body[:n]
    row_h = size * 1.5 / 72
    n_rows = len(rows) + 1
    shape = s.shapes.add_table(n_rows, len(header), Inches(x), Inches(y), Inches(w), Inches(row_h * n_rows))
    tbl = shape.table
    for i, cw in enumerate(widths):
        tbl.columns[i].width = Inches(cw)
    for r, row in enumerate([header, *rows]):
        tbl.rows[r].height = Inches(row_h * lines(row, size))
        for c, text in enumerate(row):
            cell = tbl.cell(r, c)
            cell.margin_left = cell.margin_right = Inches(0.04)
            cell.margin_top = cell.margin_bottom = Inches(0.01)
            tf = cell.text_frame
            tf.paragraphs[0].text = ""
            run = tf.paragraphs[0].add_run()
            run.text = text
            _set_font(run, size, bold=(r == 0), colour=(255, 255, 255) if r == 0 else (17, 17, 17))
    return body[len(rows) :]


def col_text_width(text: str, size_pt: float) -> float:
    """About how wide TEXT is set in SIZE_PT (inches): CJK a full em, others a little over half."""
    return sum(1.0 if ord(ch) > 0x2E80 else 0.55 for ch in str(text)) * size_pt / 72


# ---- entry points ---------------------------------------------------------------------------


def handout_bytes(
    deck: dk.Deck,
    source: Source,
    lang: str,
    fmt: str,
    notes: bool = True,
    per_page: int = 1,
    progress=None,
) -> bytes:
    """The handout of DECK as PDF or PPTX bytes (fmt "pdf" | "pptx"). NOTES: print the speaker
    notes on the pages (the PPTX keeps them in its notes pane either way); PER_PAGE: slides per
    A4 sheet of the PDF (1, 2 or 4); PROGRESS(done, total) as make_pages calls it."""
    if fmt not in MIME:
        raise ValueError(f"handout format must be pdf or pptx, not {fmt!r}")
    if per_page not in PER_PAGE:
        raise ValueError(f"slides per page must be one of {PER_PAGE}, not {per_page!r}")
    facts = sl.data_facts(source)
    pages = make_pages(deck, source, lang, fmt, progress)
    if not notes:
        pages = without_notes(pages)
    if fmt == "pptx":
        return build_pptx(deck, pages, facts, lang)
    return impose(build_pdf(deck, pages, facts, lang), per_page)


def write_handout(
    deck: dk.Deck, source: Source, lang: str, out: str | Path, notes: bool = True, per_page: int = 1
) -> Path:
    """Write the handout to OUT (.pdf or .pptx); the file appears only when complete."""
    path = Path(out)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in MIME:
        raise ValueError(f"--out must end in .pdf or .pptx, not {path.name!r}")
    data = handout_bytes(deck, source, lang, fmt, notes=notes, per_page=per_page)
    return pt.write_whole(path, data)


__all__ = ["handout_bytes", "write_handout", "make_pages", "file_name", "MIME", "Page"]
