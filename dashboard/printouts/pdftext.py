"""Japanese text on an fpdf2 page, broken into lines without splitting a word, a number, a phone
number, a time range or a URL, and with the usual 禁則 (no line starts with 、。）」 and the like, no
line ends with （「).

fpdf2's own wrapping breaks text with no spaces (Japanese) at any character, so a phone number
that reaches the right edge was split across two lines («0235-00-» / «0001»). Here a run of Latin
letters, digits and their joiners (- : / . @ ~ 〜 ～) is one unit; each other character is a unit of
its own; a unit wider than the whole line makes the caller shrink the type (fit_size) rather than
split it.
"""

from __future__ import annotations

import re
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT_REGULAR = FONT_DIR / "BIZUDPGothic-Regular.ttf"
FONT_BOLD = FONT_DIR / "BIZUDPGothic-Bold.ttf"
FAMILY = "ud"

# a run that must stay on one line: words, numbers, phone numbers, times and ranges, URLs
ATOM = re.compile(
    r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ][0-9A-Za-z０-９Ａ-Ｚａ-ｚ\-‐－:：/._@~〜～%％&?=#+,，()]*[0-9A-Za-z０-９Ａ-Ｚａ-ｚ%％)]?"
)
NO_START = set("、。，．,.)）」』】〕〉》ー・：:；;！？!?ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々〜～%％")
NO_END = set("(（「『【〔〈《")


def new_pdf(orientation: str = "P"):
    """An A4 fpdf2 document in mm with the UD font (regular and bold) as FAMILY."""
    from fpdf import FPDF

    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.add_font(FAMILY, "", str(FONT_REGULAR))
    pdf.add_font(FAMILY, "B", str(FONT_BOLD))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    return pdf


def units(text: str) -> list[str]:
    """TEXT cut where a line may break: atoms (ATOM) whole, spaces as their own units, other
    characters one by one, with 禁則 characters held to their neighbour."""
    raw: list[str] = []
    i = 0
    while i < len(text):
        m = ATOM.match(text, i)
        if m and m.end() > i:
            raw.append(m.group())
            i = m.end()
        else:
            raw.append(text[i])
            i += 1
    return _hold(raw)


def _hold(parts: list[str]) -> list[str]:
    """禁則: a part that starts with a closing mark joins the part before it (and any spaces
    between), a part after an opening mark joins it."""
    out: list[str] = []
    for u in parts:
        if out and u and u[0] in NO_START:
            spaces = ""
            while out and out[-1].isspace():
                spaces = out.pop() + spaces
            if out:
                out[-1] += spaces + u
            else:
                out.append(spaces + u)
        elif out and out[-1] and not out[-1].isspace() and out[-1][-1] in NO_END:
            out[-1] += u
        else:
            out.append(u)
    return out


def words(text: str) -> list[str]:
    """TEXT split at spaces (kept as words of their own) and after a closing bracket, 、 or ・, where
    a Japanese name or list may break: 「（架空）鶴岡市 地域包括ケア推進室」 → （架空） 鶴岡市 ␣
    地域包括ケア推進室; 「NPO法人・市民活動団体」 → NPO法人・ 市民活動団体."""
    out: list[str] = []
    for part in re.split(r"( +|　+)", text):
        if part:
            out += [p for p in re.split(r"(?<=[）」』】・、])", part) if p]
    return out


def word_fit_size(pdf, texts, width: float, size: float, minimum: float, style: str = "") -> float:
    """The largest size from SIZE down to MINIMUM at which every word (words) of TEXTS fits WIDTH,
    so that no name has to break inside a word."""
    while size > minimum:
        pdf.set_font(FAMILY, style, size)
        if all(pdf.get_string_width(w) <= width for text in texts for w in words(str(text)) if not w.isspace()):
            return size
        size = round(size - 0.5, 2)
    return minimum


def segments(pdf, text: str, width: float) -> list[str]:
    """TEXT's units for wrapping: a space-separated word (「地域包括ケア推進室」) that fits WIDTH is
    kept whole, so names break at their spaces; a longer run (a sentence) breaks between
    characters (units)."""
    out: list[str] = []
    for word in words(text):
        if not word:
            continue
        if word.isspace() or pdf.get_string_width(word) <= width:
            out.append(word)
        else:
            out += units(word)
    return _hold(out)


def wrap(pdf, text: str, width: float) -> list[str]:
    """TEXT as lines no wider than WIDTH (mm) in the current font; a unit wider than WIDTH gets a
    line of its own (fit_size avoids that)."""
    lines: list[str] = []
    for para in str(text).split("\n"):
        line = ""
        for u in segments(pdf, para, width):
            if u.isspace() and not line:
                continue
            trial = line + u
            if line and pdf.get_string_width(trial) > width:
                lines.append(line.rstrip())
                line = "" if u.isspace() else u
            else:
                line = trial
        lines.append(line.rstrip())
    return lines


def widest_unit(pdf, text: str) -> float:
    return max((pdf.get_string_width(u) for u in units(str(text)) if not u.isspace()), default=0.0)


def fit_size(pdf, texts, width: float, size: float, minimum: float, style: str = "") -> float:
    """The largest type size from SIZE down to MINIMUM at which no unbreakable unit of TEXTS is
    wider than WIDTH (so nothing has to be split)."""
    while size > minimum:
        pdf.set_font(FAMILY, style, size)
        if all(widest_unit(pdf, t) <= width for t in texts):
            return size
        size = round(size - 0.5, 2)
    return minimum


def one_line_size(pdf, text: str, width: float, size: float, minimum: float, style: str = "") -> float:
    """The largest size from SIZE down to MINIMUM at which TEXT fits on one line of WIDTH."""
    while size > minimum:
        pdf.set_font(FAMILY, style, size)
        if pdf.get_string_width(str(text)) <= width:
            return size
        size = round(size - 0.5, 2)
    return minimum


def paragraph(
    pdf,
    x: float,
    y: float,
    width: float,
    text: str,
    size: float,
    line_h: float | None = None,
    style: str = "",
    align: str = "L",
    colour=(17, 17, 17),
    max_lines: int | None = None,
) -> float:
    """TEXT set from (X, Y) in WIDTH mm; returns the y below it."""
    pdf.set_font(FAMILY, style, size)
    pdf.set_text_color(*colour)
    line_h = line_h or size * 0.3528 * 1.45
    lines = wrap(pdf, text, width)
    if max_lines is not None:
        lines = lines[:max_lines]
    for line in lines:
        pdf.set_xy(x, y)
        pdf.cell(width, line_h, line, align=align)
        y += line_h
    return y


def write_whole(path: Path, data: bytes) -> Path:
    """DATA written to PATH so that the file appears only when complete (a .part file renamed over
    it): a handout, summary or leaflet half-written by a stopped command is never left as PATH."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
