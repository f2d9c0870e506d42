"""Handouts: the CLI writes PPTX/PDF files that open, one page per slide, charts as pictures."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PIL import Image, ImageStat
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from dashboard.content import KINDS
from dashboard.presenter import deck as dk, handout, slide as sl
from dashboard.source import Source
from queries import disclosure
from queries.filters import Filters

from .conftest import REPO

TIMEOUT = 600


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
    assert len(prs.slides) == len(deck)
    rule = sl.disclosure_rule("ja")
    for i, (slide, deck_slide) in enumerate(zip(prs.slides, deck.slides), 1):
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == (1 if i in chart_slides(deck) else 0), i
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
    assert "16〜19歳" in all_text(prs.slides[age - 1])


def test_pdf_handout_pages_render(demo_db, tmp_path):
    out = tmp_path / "handout.pdf"
    result = run_cli("handout", "--db", str(demo_db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    deck = dk.load_deck()
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages == len(deck)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(deck)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    per_page = text.split("\f")
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
    import io

    prs = Presentation(io.BytesIO(data))
    assert len(prs.slides) == len(deck)
    assert "Demo data (fictitious)" in all_text(prs.slides[0])
    for i in figure_slides(deck):
        assert disclosure.notice("en") in all_text(prs.slides[i - 1]), i


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
