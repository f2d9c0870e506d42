"""Handouts: the CLI writes PPTX/PDF files that open, one page per slide and a continuation page
for each part of a table that does not fit (tables complete, never cut short); in the PPTX bar and
line charts are native PowerPoint charts, the others pictures; the PDF with or without the speaker
notes, 1, 2 or 4 slides to an A4 sheet."""

from __future__ import annotations

import io
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image, ImageStat
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE

from dashboard.content import KINDS
from dashboard.presenter import deck as dk, handout, slide as sl
from dashboard.presenter.strings import ps
from dashboard.source import Source
from queries import disclosure, export
from queries.filters import Filters

from .conftest import REPO

TIMEOUT = 600


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args], cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT
    )


def figure_slides(deck: dk.Deck) -> list[int]:
    """1-based numbers of the slides showing adjusted figures (every view but the organisation lists)."""
    return [i for i, s in enumerate(deck.slides, 1) if s.view is not None and KINDS[s.view.kind].statistics]


def chart_slides(deck: dk.Deck) -> list[int]:
    """1-based numbers of the slides whose view is drawn as a chart (not cards or directory)."""
    return [i for i, s in enumerate(deck.slides, 1) if s.view is not None and s.view.kind not in ("cards", "directory")]


def native_slides(deck: dk.Deck) -> list[int]:
    """1-based numbers of the slides whose chart PowerPoint draws itself (bars and lines)."""
    return [
        i
        for i, s in enumerate(deck.slides, 1)
        if s.view is not None
        and (s.view.kind in ("activity", "need") or (s.view.kind == "bar" and len(s.view.by) == 1))
    ]


def continued(text: str, lang: str = "ja") -> bool:
    return ps("handout.continued", lang).strip() in text


def deck_slides(prs, lang: str = "ja") -> list[tuple[object, list]]:
    """The PPTX's slides grouped per deck slide: (its first slide, its continuation slides, whose
    heading and page number end in （続き）)."""
    mark = ps("handout.continued", lang)
    out: list[tuple[object, list]] = []
    for slide in prs.slides:
        texts = [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]
        if out and any(text.endswith(mark) for text in texts):
            out[-1][1].append(slide)
        else:
            out.append((slide, []))
    return out


def table_rows_of(slides) -> list[list[str]]:
    rows = []
    for slide in slides:
        for shape in slide.shapes:
            if getattr(shape, "has_table", False) and shape.has_table:
                rows += [[c.text for c in row.cells] for row in list(shape.table.rows)[1:]]
    return rows


def all_text(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if getattr(shape, "has_table", False) and shape.has_table:
            parts += [c.text for row in shape.table.rows for c in row.cells]
    return "\n".join(parts)


def test_pptx_handout(demo_db, tmp_path):
    out = tmp_path / "handout.pptx"
    result = run_cli("handout", "--deck", "junbikai", "--db", str(demo_db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    deck = dk.load_deck("junbikai")
    prs = Presentation(str(out))
    groups = deck_slides(prs)
    assert len(groups) == len(deck)
    rule = sl.disclosure_rule("ja")
    for i, ((slide, more), deck_slide) in enumerate(zip(groups, deck.slides), 1):
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        charts = [s for s in slide.shapes if s.has_chart]
        native = i in native_slides(deck)
        assert len(charts) == (1 if native else 0), i
        assert len(pictures) == (1 if i in chart_slides(deck) and not native else 0), i
        for extra in more:  # a continuation: the heading, the table's rest, the footer
            assert deck_slide.heading in all_text(extra) and rule in all_text(extra)
        text = all_text(slide)
        assert deck_slide.heading in text
        assert "デモデータ（架空）" in text, f"demo label missing on slide {i}"
        assert rule in text
        assert f"{i} / {len(deck)}" in text
        # the users' note on every slide with figures (members and the directory are lists)
        assert (disclosure.notice("ja") in text) == (i in figure_slides(deck)), i
        if deck_slide.notes:
            assert deck_slide.notes.strip().splitlines()[0] in slide.notes_slide.notes_text_frame.text
        if i in chart_slides(deck):
            tables = [s for s in slide.shapes if getattr(s, "has_table", False) and s.has_table]
            assert tables, f"no table under the chart of slide {i}"
    # The age slide's table holds the query layer's (suppressed or not) figures.
    age = next(
        i
        for i, s in enumerate(deck.slides, 1)
        if s.view and s.view.by == ("age_band",) and s.view.indicator == "lonely_sometimes_plus"
    )
    assert "16〜19歳" in all_text(groups[age - 1][0])


def test_pdf_handout_pages_render(demo_db, tmp_path):
    out = tmp_path / "handout.pdf"
    result = run_cli("handout", "--db", str(demo_db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    deck = dk.load_deck()
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "page")], check=True)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    every = text.split("\f")[: pdf_pages(out)]
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(every)
    # a deck slide's page, then the continuation pages of its table (numbered 「n / m（続き）」)
    first = [k for k, page in enumerate(every) if not continued(page.split("\n")[-3:][0] + page[-80:])]
    assert len(first) == len(deck), [page[-60:] for page in every]
    per_page = [every[k] for k in first]
    images = [images[k] for k in first]
    for i, path in enumerate(images, 1):
        img = Image.open(path).convert("L")
        stat = ImageStat.Stat(img)
        dark = sum(img.histogram()[:128]) / (img.width * img.height)
        assert stat.stddev[0] > 10, f"page {i} looks blank"
        assert dark > 0.003, f"page {i} has almost no ink"
        if i in chart_slides(deck):
            # A chart is a large picture: much more ink than a text page's heading and footer.
            assert dark > 0.02, f"page {i}: chart missing?"
        page_text = per_page[i - 1].replace(" ", "")
        assert "デモデータ（架空）" in page_text, f"page {i}"
        assert "公表ルール" in page_text
        assert f"{i}/{len(deck)}" in page_text
        flat = page_text.replace("\n", "")
        assert (disclosure.notice("ja").replace(" ", "") in flat) == (i in figure_slides(deck)), i


def test_cli_errors(demo_db, tmp_path):
    r = run_cli("handout", "--db", str(demo_db), "--out", str(tmp_path / "x.docx"))
    assert r.returncode == 2 and ".pdf or .pptx" in r.stderr
    r = run_cli("handout", "--deck", "nothere", "--db", str(demo_db), "--out", str(tmp_path / "x.pdf"))
    assert r.returncode == 2 and "no deck named 'nothere'" in r.stderr
    r = run_cli("handout", "--db", str(tmp_path / "missing.duckdb"), "--out", str(tmp_path / "x.pdf"))
    assert r.returncode == 2 and "database not found" in r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "title: T\nslides:\n  - heading: h\n    view: {kind: bar, indicator: nope, by: [sex]}\n", encoding="utf-8"
    )
    r = run_cli("handout", "--deck", str(bad), "--db", str(demo_db), "--out", str(tmp_path / "x.pdf"))
    assert r.returncode == 2 and "unknown indicator 'nope'" in r.stderr
    assert not list(tmp_path.glob("x.*")), "no file is written on error"


def test_suppressed_cells_stay_hidden_in_the_handout_table(con, monkeypatch):
    """With a server minimum n above every group, the handout's table shows only 秘匿 (the
    query layer's suppression is carried through, nothing recomputed)."""
    monkeypatch.setenv("TSUNAGARI_MIN_N", "100000")
    deck = dk.Deck(
        name="s",
        title="T",
        slides=(dk.view_slide(dk.View(kind="bar", indicator="lonely_often", by=("district",)), "地域"),),
    )
    pages = handout.make_pages(deck, Source(con), "ja", "pdf")
    table = pages[0].table
    assert set(table["秘匿"]) == {"秘匿"}
    assert set(table["推定値(%)"]) == {""}


def test_a_view_the_query_layer_refuses_says_so_in_the_handout(con):
    """Filters that leave too few respondents: the page has the query layer's message, no figures."""
    deck = dk.Deck(
        name="s",
        title="T",
        slides=(
            dk.view_slide(
                dk.View(kind="bar", indicator="lonely_often", by=("district",), filters=Filters(age_band=(1,))), "地域"
            ),
        ),
    )
    page = handout.make_pages(deck, Source(con), "ja", "pdf")[0]
    assert page.image is None and page.table is None
    assert page.lines[0] == disclosure.FilterTooNarrow(disclosure.min_filter_n()).text("ja")
    assert disclosure.notice("ja") not in page.lines
    assert handout.handout_bytes(deck, Source(con), "ja", "pdf").startswith(b"%PDF")


def test_english_handout(con):
    deck = dk.load_deck()
    data = handout.handout_bytes(deck, Source(con), "en", "pptx")
    prs = Presentation(io.BytesIO(data))
    groups = deck_slides(prs, "en")
    assert len(groups) == len(deck)
    assert "Demo data (fictitious)" in all_text(prs.slides[0])
    for i in figure_slides(deck):
        assert disclosure.notice("en") in all_text(groups[i - 1][0]), i


def test_data_facts_name_the_survey_year_the_last_activity_month_and_the_build(con):
    facts = sl.data_facts(Source(con))
    wave = con.execute("SELECT max(wave) FROM responses").fetchone()[0]
    last = con.execute("SELECT max(month) FROM activity").fetchone()[0]
    assert facts.is_demo and facts.survey_wave == wave
    text = facts.as_of_text("ja")
    assert text.startswith("データ時点: ") and f"調査 {wave}年" in text
    assert f"活動記録 {last.year}年{last.month}月まで" in text
    assert f"取込 {facts.built_at:%Y-%m-%d}" in text
    assert f"survey {wave}, activity to " in facts.as_of_text("en")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_view_by_channel_shows_both_channels_and_no_all_row(con, lang):
    """By channel: the random sample and the open web each a row of their own, never added up into
    an All row; the source names both channels and the open-web note is there."""
    from data import codebook as cb

    deck = dk.Deck(
        name="s",
        title="T",
        slides=(dk.view_slide(dk.View(kind="bar", indicator="no_confidant", by=("channel",)), "調査方法"),),
    )
    page = handout.make_pages(deck, Source(con), lang, "pdf")[0]
    labels = [cb.code_label("channel", c, lang) for c in (1, 2)]
    assert list(page.table.iloc[:, 0]) == labels
    assert cb.all_label(lang) not in set(page.table.iloc[:, 0])
    sources = next(line for line in page.lines if all(label in line for label in labels))
    assert "+" not in sources
    assert any(line.startswith(cb.mark_label("open_web", lang)) for line in page.lines)
    # a view of one channel names that channel only
    one = dk.Deck(
        name="s", title="T", slides=(dk.view_slide(dk.View(kind="bar", indicator="no_confidant", by=("sex",)), "性別"),)
    )
    lines = handout.make_pages(one, Source(con), lang, "pdf")[0].lines
    assert not any(labels[1] in line for line in lines)
    assert not any(line.startswith(cb.mark_label("open_web", lang)) for line in lines)


# ---- issue 17 item 4: native charts, complete tables, notes and slides per sheet -------------------


def test_pptx_native_charts_hold_the_tables_figures_and_tables_are_complete(con):
    """The bar charts are PowerPoint's own (editable), their values the table's estimates; the
    directory and every other table are there whole, split over continuation slides."""
    deck = dk.load_deck()
    source = Source(con)
    prs = Presentation(io.BytesIO(handout.handout_bytes(deck, source, "ja", "pptx")))
    groups = deck_slides(prs)
    assert len(groups) == len(deck)
    for i, ((slide, more), deck_slide) in enumerate(zip(groups, deck.slides), 1):
        if deck_slide.view is None:
            continue
        content = sl.view_content(source, deck_slide.view, "ja")
        rows = table_rows_of([slide, *more])
        if content.table is not None and len(content.table):
            expected = [["" if pd.isna(v) else str(v) for v in row] for row in content.table.itertuples(index=False)]
            assert rows == expected, f"slide {i}: the table is not complete"
        charts = [sh.chart for sh in slide.shapes if sh.has_chart]
        if i not in native_slides(deck):
            continue
        (chart,) = charts
        assert chart.chart_type in (
            XL_CHART_TYPE.BAR_CLUSTERED,
            XL_CHART_TYPE.COLUMN_CLUSTERED,
            XL_CHART_TYPE.LINE_MARKERS,
        )
        if deck_slide.view.kind == "bar":
            est = content.table[export.JA_HEADERS["estimate_pct"]]
            values = list(chart.plots[0].series[0].values)
            assert values == [float(v) if str(v) else None for v in est], i
            assert list(chart.plots[0].categories) == [str(v) for v in content.table.iloc[:, 0]]
    directory = next(k for k, s in enumerate(deck.slides) if s.view is not None and s.view.kind == "directory")
    slide, more = groups[directory]
    assert more, "22 windows need a continuation slide"
    phones = {r[4] for r in table_rows_of([slide, *more])}
    assert phones == set(source.directory((), (), "", "ja")["phone"])


def test_pdf_with_or_without_notes_and_two_or_four_slides_per_sheet(con, tmp_path):
    deck = dk.load_deck()
    source = Source(con)
    noted = next(s for s in deck.slides if s.notes and s.view is not None)
    first_line = noted.notes.strip().splitlines()[0]
    sizes = {}
    for notes in (True, False):
        for per_page in (1, 2, 4):
            path = tmp_path / f"h_{notes}_{per_page}.pdf"
            path.write_bytes(handout.handout_bytes(deck, source, "ja", "pdf", notes=notes, per_page=per_page))
            info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
            size = next(line for line in info.splitlines() if line.startswith("Page size:")).split()
            sizes[notes, per_page] = (pdf_pages(path), round(float(size[2])), round(float(size[4])))
            flat = "".join(
                subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split()
            )
            assert ("".join(first_line.split()) in flat) == notes, (notes, per_page)
            assert "".join(noted.heading.split()) in flat
    one = sizes[True, 1][0]
    assert one > len(deck) - 1  # one sheet per slide (and continuation pages)
    assert sizes[True, 1][1:] == (842, 595)  # A4 landscape
    assert sizes[True, 2] == (math.ceil(one / 2), 595, 842)  # A4 portrait, two slides
    assert sizes[True, 4] == (math.ceil(one / 4), 842, 595)  # A4 landscape, four slides
    with pytest.raises(ValueError):
        handout.handout_bytes(deck, source, "ja", "pdf", per_page=3)


def test_cli_handout_options(demo_db, tmp_path):
    out = tmp_path / "four.pdf"
    r = run_cli("handout", "--db", str(demo_db), "--per-page", "4", "--no-notes", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert pdf_pages(out) <= math.ceil((len(dk.load_deck()) + 2) / 4)
    r = run_cli("handout", "--db", str(demo_db), "--per-page", "2", "--out", str(tmp_path / "x.pptx"))
    assert r.returncode == 2 and "--per-page" in r.stderr


def test_pdf_table_cells_never_split_a_phone_number(con, tmp_path):
    """The directory's phone numbers and hours are each on one line of the PDF's text."""
    deck = dk.Deck(name="d", title="T", slides=(dk.view_slide(dk.View(kind="directory"), "相談窓口一覧"),))
    path = tmp_path / "d.pdf"
    path.write_bytes(handout.handout_bytes(deck, Source(con), "ja", "pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    phones = set(Source(con).directory((), (), "", "ja")["phone"])
    found = {p for p in phones if any(p in line for line in text.splitlines())}
    assert found == phones, sorted(phones - found)


def test_presenter_makes_a_four_up_pdf_without_notes_with_a_progress_line(app_env, monkeypatch):
    """The presenter's handout controls: PDF, 4 slides a sheet, no notes; a progress line while it
    is made, then the download of that file."""
    from streamlit.testing.v1 import AppTest

    from tests.media import download_of, record_downloads

    from .conftest import APP

    files = record_downloads(monkeypatch)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("presenter/page.py")
    at.run()
    at.radio(key="pres_handout_fmt").set_value("pdf").run()
    at.radio(key="pres_handout_nup").set_value(4).run()
    at.checkbox(key="pres_handout_notes").uncheck().run()
    at.button(key="pres_handout_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    bars = at.get("progress")
    assert bars and bars[-1].proto.value == 100 and bars[-1].proto.text == ps("handout.ready", "ja")
    (button,) = [b for b in at.get("download_button") if b.proto.id.endswith("pres_handout_dl")]
    data, name = download_of(button, files)
    assert data.startswith(b"%PDF") and name.endswith(".pdf")
    path = Path(tempfile.mkdtemp()) / "four.pdf"
    path.write_bytes(data)
    deck = dk.load_deck()
    assert pdf_pages(path) <= math.ceil((len(deck) + 2) / 4)
    noted = next(s for s in deck.slides if s.notes and s.view is not None)
    flat = "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split())
    assert "".join(noted.notes.strip().splitlines()[0].split()) not in flat


def test_pptx_monthly_activity_is_a_native_line_chart_per_field(con):
    """Consultations by month and field: a PowerPoint line chart, one series per field, its values
    the query layer's counts (<5 left blank), the months in order."""
    view = dk.View(kind="activity", measure="consultations", period="month", by=("field",))
    deck = dk.Deck(name="m", title="T", slides=(dk.view_slide(view, "月別"),))
    source = Source(con)
    prs = Presentation(io.BytesIO(handout.handout_bytes(deck, source, "ja", "pptx")))
    (chart,) = [sh.chart for sh in prs.slides[0].shapes if sh.has_chart]
    assert chart.chart_type == XL_CHART_TYPE.LINE_MARKERS
    frame = sl.view_content(source, view, "ja").frame
    body = frame[frame["month"].notna() & frame["field"].notna()]
    months = list(dict.fromkeys(body["month_label"]))
    assert list(chart.plots[0].categories) == months
    series = {s.name: list(s.values) for s in chart.plots[0].series}
    assert set(series) == set(body["field_label"])
    for _, r in body.iterrows():
        value = series[r["field_label"]][months.index(r["month_label"])]
        assert value == (None if str(r["display"]).startswith("<") else float(r["value"]))
