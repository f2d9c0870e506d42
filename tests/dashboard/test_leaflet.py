"""住民向けチラシ (issue 17 item 6): `python -m dashboard leaflet [--district D]` and the directory
page's button make the two sides of one A4 sheet, the windows grouped by worry (the codebook's
fields), every window's phone number whole and in large type, nothing else than the directory's
public facts; the line breaker never splits a word, a number or a phone number."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from streamlit.testing.v1 import AppTest

from dashboard.i18n import t
from dashboard.printouts import leaflet, pdftext
from dashboard.source import Source
from data import codebook as cb
from tests.media import download_of, record_downloads

from .conftest import APP, REPO
from .test_summary_pdf import A4_PT, pdf_facts

PHONE = re.compile(r"0\d{1,4}-\d{1,4}-\d{3,4}")


def cli(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashboard", "leaflet", "--db", str(db), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )


def phone_sizes(path: Path) -> dict[str, float]:
    """Each phone number's type size (pt), read from the PDF's text layout (pdftotext -bbox)."""
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True).stdout
    out = {}
    for m in re.finditer(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)</word>', html):
        if PHONE.fullmatch(m.group(3)):
            out[m.group(3)] = float(m.group(2)) - float(m.group(1))
    return out


@pytest.mark.parametrize("district", [None, 3, 6])
def test_cli_leaflet_two_a4_sides_with_every_window_by_worry(demo_db, con, tmp_path, district):
    out = tmp_path / "leaflet.pdf"
    args = ["--out", str(out)] + (["--district", str(district)] if district else [])
    done = cli(demo_db, *args)
    assert done.returncode == 0, done.stderr
    pages, size, text, fonts = pdf_facts(out)
    assert pages == 2 and size == A4_PT
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert names and all("BIZUDPGothic" in n for n in names), fonts
    flat = "".join(text.split())
    assert t("leaflet.title", "ja") in flat

    source = Source(con)
    shown = source.directory((), (district,) if district else (), "", "ja")
    everyone = source.directory((), (), "", "ja")
    # each window serving the district: its phone number, whole, and its hours
    printed = set(PHONE.findall(text))
    assert printed == set(shown["phone"]), printed ^ set(shown["phone"])
    for hours in shown["hours"].dropna():
        assert "".join(str(hours).split()) in flat
    if district:
        assert set(everyone["phone"]) - printed, "a district's leaflet lists only the windows serving it"
        assert cb.code_label("district", district, "ja") in flat
    # a heading per worry that has a window
    for code in cb.codes("field"):
        served = any(code in set(f) for f in shown["fields"])
        assert (leaflet.worry(code, "ja").replace(" ", "") in flat) == served, code
    # the phone numbers in large type (≥ 13 pt), the same size everywhere
    sizes = phone_sizes(out)
    assert set(sizes) == printed
    assert min(sizes.values()) >= 13 * 0.95, sizes


def test_cli_leaflet_district_by_name_and_refusals(demo_db, tmp_path):
    by_name = cli(demo_db, "--district", "羽黒", "--out", str(tmp_path / "h.pdf"))
    assert by_name.returncode == 0, by_name.stderr
    by_code = cli(demo_db, "--district", "3", "--out", str(tmp_path / "c.pdf"))
    assert by_code.returncode == 0
    assert pdf_facts(tmp_path / "h.pdf")[2] == pdf_facts(tmp_path / "c.pdf")[2]
    wrong = cli(demo_db, "--district", "9", "--out", str(tmp_path / "w.pdf"))
    assert wrong.returncode == 2 and "--district" in wrong.stderr
    assert not (tmp_path / "w.pdf").exists()


def test_english_leaflet(con, tmp_path):
    path = tmp_path / "en.pdf"
    path.write_bytes(leaflet.leaflet_pdf(Source(con), "en"))
    pages, _, text, _ = pdf_facts(path)
    assert pages == 2
    assert t("leaflet.title", "en") in text
    assert "119" in text


def test_directory_button_makes_the_leaflet(app_env, monkeypatch):
    files = record_downloads(monkeypatch)
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.switch_page("views/directory.py")
    at.run()
    button = next(b for b in at.button if b.label == t("leaflet.button", "ja"))
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    got = [b for b in at.get("download_button") if b.label == t("leaflet.download", "ja")]
    assert len(got) == 1
    data, name = download_of(got[0], files)
    assert data.startswith(b"%PDF") and name == leaflet.file_name("ja")


# ---- the line breaker ----------------------------------------------------------------------------

ATOMS = ["0235-00-0001", "8:30〜17:15", "https://example.jp/tsunagari/o03", "18,940", "(16,880〜21,190)", "UCLA"]
KANA = st.text(alphabet="あいうえお鶴岡市相談窓口、。「」（）・ー", min_size=0, max_size=12)


@functools.cache
def _pdf():
    pdf = pdftext.new_pdf()
    pdf.add_page()
    pdf.set_font(pdftext.FAMILY, "", 10)
    return pdf


@settings(max_examples=150, deadline=None)
@given(
    parts=st.lists(st.one_of(st.sampled_from(ATOMS), KANA, st.just(" ")), min_size=1, max_size=12),
    width=st.floats(20, 120),
)
def test_wrap_never_splits_a_word_or_number(parts, width):
    pdf = _pdf()
    text = "".join(parts)
    lines = pdftext.wrap(pdf, text, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost or added
    for atom in ATOMS:
        if atom in text and pdf.get_string_width(atom) <= width:
            assert sum(line.count(atom) for line in lines) == text.count(atom), (atom, lines)
    for line in lines[1:]:  # 禁則: no line starts with a closing mark
        assert not line or line[0] not in "、。）」・ー", lines
    for line in lines:
        if pdf.get_string_width(line) > width + 0.01:  # only a single unit too wide for any line
            assert len(pdftext.segments(pdf, line, width)) == 1, (line, lines)
