"""Printed handouts of a deck: one PPTX slide (python-pptx) or one A4 PDF page (fpdf2) per deck slide.

Each page: the heading, the chart as an image (Altair → PNG with vl-convert and the shipped UD
font), the table under it, the users' note on adjusted figures (on every page with figures), the
speaker notes, the sources, and a footer with the disclosure rule, the data's date and, for demo
data, the demo label. Every number is the query layer's, already protected; nothing here computes
one. A view the query layer refuses (too few respondents) says so instead of showing figures.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dashboard.content import ViewContent
from dashboard.presenter import deck as dk, slide as sl
from dashboard.presenter.strings import ps
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


def make_pages(deck: dk.Deck, source: Source, lang: str, fmt: str) -> list[Page]:
    pages = []
    box_w, box_h = content_box(fmt)
    for i, slide in enumerate(deck.slides, 1):
        page = Page(number=i, total=len(deck), slide=slide)
        if slide.view is not None:
            content = sl.view_content(source, slide.view, lang)
            page.content = content
            page.layout = layout_of(content)
            page.table = content.table if content.table is not None and len(content.table) else None
            if content.chart is not None and not content.empty:
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
            page.lines.append(f"{ps('handout.notes', lang)}: {slide.notes.strip()}")
        pages.append(page)
    return pages


def footer_text(facts: sl.DataFacts, lang: str) -> str:
    return f"{ps('handout.rule', lang)}: {sl.disclosure_rule(lang)}"


def file_name(deck: dk.Deck, fmt: str) -> str:
    return f"{deck.name}_handout.{fmt}"


def table_rows(table: pd.DataFrame, max_rows: int) -> tuple[list[str], list[list[str]], int]:
    """Header, body rows as text (at most MAX_ROWS) and how many rows were left out."""
    header = [str(c) for c in table.columns]
    body = [["" if pd.isna(v) else str(v) for v in row] for row in table.itertuples(index=False)]
    left = max(0, len(body) - max_rows)
    return header, body[:max_rows], left


def col_weights(header: list[str], body: list[list[str]]) -> list[float]:
    """Column widths in proportion to the longest text (CJK counted double), within limits."""

    def width(s: str) -> float:
        return sum(2.0 if ord(ch) > 0x2E80 else 1.1 for ch in s)

    w = [max(width(h) * 0.8, *(width(r[i]) for r in body)) if body else width(h) for i, h in enumerate(header)]
    return [min(max(x, 6.0), 30.0) for x in w]


# ---- PDF (fpdf2) ------------------------------------------------------------------------------


def build_pdf(deck: dk.Deck, pages: list[Page], facts: sl.DataFacts, lang: str) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.add_font("ud", "", str(FONT_REGULAR))
    pdf.add_font("ud", "B", str(FONT_BOLD))
    pdf.set_auto_page_break(False)
    pdf.set_margins(12, 10, 12)
    page_w, page_h = 297.0, 210.0
    inner_w = page_w - 24
    box_w_mm, box_h_mm = (x * 25.4 for x in content_box("pdf"))
    for page in pages:
        pdf.add_page()
        _pdf_header(pdf, deck, page, facts, lang, inner_w)
        top = 27.0
        slide = page.slide
        if slide.view is None:
            _pdf_text_slide(pdf, deck, slide, top, inner_w)
        else:
            chart_w, chart_h = (v * 25.4 for v in chart_region(page.layout, *content_box("pdf")))
            table_x, table_y, table_w, table_h = 12.0, top, inner_w, box_h_mm
            if page.image is not None:
                w_px, h_px = page.image_px
                scale = min(chart_w / w_px, chart_h / h_px)
                pdf.image(io.BytesIO(page.image), x=12, y=top, w=w_px * scale, h=h_px * scale)
                if page.layout == "side":
                    table_x, table_w = 12 + chart_w + 5, inner_w - chart_w - 5
                else:
                    table_y, table_h = top + h_px * scale + 3, box_h_mm - h_px * scale - 3
            if page.table is not None:
                _pdf_table(pdf, page.table, table_x, table_y, table_w, table_h, lang, FontFace)
            _pdf_lines(pdf, page.lines, top + box_h_mm + 3, inner_w, page_h - 22)
        _pdf_footer(pdf, page, facts, lang, inner_w, page_h)
    return bytes(pdf.output())


def _pdf_header(pdf, deck, page, facts, lang, inner_w) -> None:
    pdf.set_xy(12, 8)
    pdf.set_font("ud", "", 8)
    pdf.set_text_color(80, 80, 80)
    pdf.cell(inner_w * 0.7, 5, deck.title[:80])
    if facts.is_demo:
        pdf.set_xy(12 + inner_w - 60, 7)
        pdf.set_fill_color(255, 243, 196)
        pdf.set_draw_color(201, 164, 0)
        pdf.set_text_color(90, 69, 0)
        pdf.set_font("ud", "B", 9)
        pdf.cell(60, 7, ps("demo.short", lang), border=1, align="C", fill=True)
    pdf.set_text_color(17, 17, 17)
    pdf.set_xy(12, 14)
    pdf.set_font("ud", "B", 17)
    if page.slide.kind not in ("title", "section"):  # those show their heading large in the middle
        pdf.cell(inner_w, 9, page.slide.heading)
    pdf.set_draw_color(0, 114, 178)
    pdf.set_line_width(0.8)
    pdf.line(12, 24, 12 + inner_w, 24)


def _pdf_text_slide(pdf, deck, slide, top, inner_w) -> None:
    pdf.set_text_color(17, 17, 17)
    y = top + 6
    if slide.kind in ("title", "section"):
        pdf.set_xy(12, y + 20)
        pdf.set_font("ud", "B", 22 if slide.kind == "section" else 20)
        pdf.multi_cell(inner_w, 12, slide.heading, align="C")
        pdf.set_font("ud", "", 14)
        for line in [x.strip() for x in slide.text.splitlines() if x.strip()] + (
            [deck.date] if slide.kind == "title" and deck.date else []
        ):
            pdf.set_x(12)
            pdf.multi_cell(inner_w, 9, line, align="C")
        return
    pdf.set_xy(16, y)
    pdf.set_font("ud", "", 15)
    for line in [x.strip() for x in slide.text.splitlines() if x.strip()]:
        bullet = line.startswith(("- ", "・"))
        text = ("・" + line[2:]) if line.startswith("- ") else line
        pdf.set_x(16 if not bullet else 18)
        pdf.multi_cell(inner_w - 8, 10, text, align="L")


def _pdf_table(pdf, table, x, y, w, h, lang, FontFace) -> None:
    size = 8.5 if len(table) <= 12 else 7.5 if len(table) <= 20 else 6.5
    line_h = size * 0.42
    row_h = line_h + 1.2
    rows_fit = max(2, int((h - 3 * row_h) // row_h))  # the header may take two lines
    header, body, left = table_rows(table, rows_fit)
    pdf.set_font("ud", "", size)
    pdf.set_text_color(17, 17, 17)
    pdf.set_draw_color(170, 170, 170)
    pdf.set_line_width(0.2)
    old_l, old_r = pdf.l_margin, pdf.r_margin
    pdf.set_left_margin(x)
    pdf.set_right_margin(297 - x - w)
    pdf.set_xy(x, y)
    weights = col_weights(header, body)
    with pdf.table(
        width=w,
        col_widths=weights,
        line_height=line_h,
        text_align="LEFT",
        align="LEFT",
        headings_style=FontFace(emphasis="BOLD", fill_color=(232, 241, 250)),
        first_row_as_headings=True,
        padding=0.6,
    ) as tbl:
        for row in [header, *body]:
            r = tbl.row()
            for cell in row:
                r.cell(cell)
    if left:
        pdf.set_x(x)
        pdf.set_font("ud", "", 7)
        pdf.cell(w, 4, ps("handout.more_rows", lang, n=left))
    pdf.set_left_margin(old_l)
    pdf.set_right_margin(old_r)


def _pdf_lines(pdf, lines, y, inner_w, bottom) -> None:
    pdf.set_font("ud", "", 7.5)
    pdf.set_text_color(40, 40, 40)
    pdf.set_xy(12, max(y, pdf.get_y() + 2))
    for line in lines:
        if pdf.get_y() > bottom - 3.5:
            break
        pdf.set_x(12)
        pdf.multi_cell(inner_w, 3.6, line, align="L")


def _pdf_footer(pdf, page, facts, lang, inner_w, page_h) -> None:
    pdf.set_draw_color(0, 114, 178)
    pdf.set_line_width(0.4)
    pdf.line(12, page_h - 20, 12 + inner_w, page_h - 20)
    pdf.set_xy(12, page_h - 19)
    pdf.set_font("ud", "", 6.5)
    pdf.set_text_color(60, 60, 60)
    pdf.multi_cell(inner_w, 3.0, footer_text(facts, lang), align="L")
    pdf.set_xy(12, page_h - 8)
    pdf.set_font("ud", "", 8)
    meta = facts.as_of_text(lang)
    if facts.is_demo:
        meta = f"{ps('demo.short', lang)} ・ {meta}"
    pdf.cell(inner_w * 0.8, 4, meta)
    pdf.set_xy(12 + inner_w * 0.8, page_h - 8)
    pdf.cell(inner_w * 0.2, 4, f"{page.number} / {page.total}", align="R")


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
    from pptx import Presentation
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    blank = prs.slide_layouts[6]
    box_w, box_h = content_box("pptx")
    for page in pages:
        s = prs.slides.add_slide(blank)
        slide = page.slide
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
        _text_box(s, 0.5, 0.5, 12.3, 0.7, [slide.heading], 26, bold=True)
        line = s.shapes.add_connector(1, Inches(0.5), Inches(1.2), Inches(12.83), Inches(1.2))
        line.line.width = Inches(0.03)
        top = 1.35
        if slide.view is None:
            lines = [x.strip() for x in slide.text.splitlines() if x.strip()]
            lines = [("・" + x[2:]) if x.startswith("- ") else x for x in lines]
            if slide.kind == "title":
                lines.append(deck.date) if deck.date else None
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
        else:
            chart_w, chart_h = chart_region(page.layout, box_w, box_h)
            tx, ty, tw, th = 0.5, top, box_w, box_h
            if page.image is not None:
                w_px, h_px = page.image_px
                scale = min(chart_w / w_px, chart_h / h_px)
                s.shapes.add_picture(
                    io.BytesIO(page.image), Inches(0.5), Inches(top), Inches(w_px * scale), Inches(h_px * scale)
                )
                if page.layout == "side":
                    tx, tw = 0.5 + chart_w + 0.2, box_w - chart_w - 0.2
                else:
                    ty, th = top + h_px * scale + 0.1, box_h - h_px * scale - 0.1
            if page.table is not None:
                _pptx_table(s, page.table, tx, ty, tw, th, lang)
            if page.lines:
                _text_box(s, 0.5, top + box_h + 0.1, 12.3, 0.95, page.lines, 9, colour=(40, 40, 40))
        notes = "\n".join(x for x in (slide.notes, *(page.lines if slide.view is not None else [])) if x)
        if notes:
            s.notes_slide.notes_text_frame.text = notes
        meta = facts.as_of_text(lang)
        if facts.is_demo:
            meta = f"{ps('demo.short', lang)} ・ {meta}"
        _text_box(s, 0.5, 6.75, 9.5, 0.7, [footer_text(facts, lang)], 7, colour=(60, 60, 60))
        _text_box(
            s,
            10.1,
            6.85,
            2.75,
            0.5,
            [meta, f"{page.number} / {page.total}"],
            9,
            colour=(40, 40, 40),
            align=PP_ALIGN.RIGHT,
        )
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def _pptx_table(s, table, x, y, w, h, lang) -> None:
    from pptx.util import Inches

    rows_fit = max(2, int(h / 0.24) - 1)
    header, body, left = table_rows(table, rows_fit)
    n_rows = len(body) + 1
    size = max(7.0, min(12.0, h / n_rows * 72 / 1.9))
    row_h = size * 1.75 / 72
    shape = s.shapes.add_table(n_rows, len(header), Inches(x), Inches(y), Inches(w), Inches(row_h * n_rows))
    tbl = shape.table
    weights = col_weights(header, body)
    total = sum(weights)
    for i, wt in enumerate(weights):
        tbl.columns[i].width = Inches(w * wt / total)
    for r in range(n_rows):
        tbl.rows[r].height = Inches(row_h)
    for r, row in enumerate([header, *body]):
        for c, text in enumerate(row):
            cell = tbl.cell(r, c)
            cell.margin_left = cell.margin_right = Inches(0.04)
            cell.margin_top = cell.margin_bottom = Inches(0.01)
            tf = cell.text_frame
            tf.paragraphs[0].text = ""
            run = tf.paragraphs[0].add_run()
            run.text = text
            _set_font(run, size, bold=(r == 0), colour=(255, 255, 255) if r == 0 else (17, 17, 17))
    if left:
        _text_box(s, x, y + row_h * n_rows + 0.02, w, 0.3, [ps("handout.more_rows", lang, n=left)], 8)


# ---- entry points ---------------------------------------------------------------------------


def handout_bytes(deck: dk.Deck, source: Source, lang: str, fmt: str) -> bytes:
    """The handout of DECK as PDF or PPTX bytes (fmt "pdf" | "pptx")."""
    if fmt not in MIME:
        raise ValueError(f"handout format must be pdf or pptx, not {fmt!r}")
    facts = sl.data_facts(source)
    pages = make_pages(deck, source, lang, fmt)
    return build_pdf(deck, pages, facts, lang) if fmt == "pdf" else build_pptx(deck, pages, facts, lang)


def write_handout(deck: dk.Deck, source: Source, lang: str, out: str | Path) -> Path:
    """Write the handout to OUT (.pdf or .pptx); the file appears only when complete."""
    path = Path(out)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in MIME:
        raise ValueError(f"--out must end in .pdf or .pptx, not {path.name!r}")
    data = handout_bytes(deck, source, lang, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


__all__ = ["handout_bytes", "write_handout", "make_pages", "file_name", "MIME", "Page"]
