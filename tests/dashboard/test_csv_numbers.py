"""Every CSV the pages hand out holds its figures as numbers Excel can add up (issue 17 item 4).

Each page is run headless (AppTest) in Japanese and English, each download read back with pandas:
no cell outside a display column reads like 「4.4%」, 「1,234」, 「3.4〜5.6%」 or
「18,940 (16,880〜21,190)」; the figure columns (n, estimate, interval bounds, counts, shares,
population, rates) are numeric columns; a column with one number in it has only numbers (or
blanks). The encoding chosen in the sidebar is the one of the very next click, even before the
page has run again.
"""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import csv_layouts, tables, ui
from dashboard.i18n import t
from dashboard.source import Source
from queries import export
from queries.filters import ActivityFilters, Filters
from tests.media import download_of, file_id, record_downloads

from .conftest import APP

TIMEOUT = 120

# (page, query) walked; the breakdown both by one and by two dimensions
PAGES = [
    ("views/overview.py", {}),
    ("views/breakdown.py", {"ind": "lonely_often", "by": "age_band"}),
    ("views/breakdown.py", {"ind": "ucla_high", "by": "age_band", "by2": "household"}),
    ("views/district_map.py", {}),
    ("views/activity.py", {"act_by": "field"}),
    ("views/national.py", {}),
    ("views/directory.py", {}),
    ("views/methods.py", {}),
]
# lists, not statistics: text columns (phone numbers, hours, definitions) are what they hold
LISTS = {"dl_directory", "dl_methods_defs", "dl_methods_log"}

FORMATTED = [
    re.compile(r"^\s*[<＜]?\s*\d{1,3}(,\d{3})+(\.\d+)?\s*$"),  # 1,234
    re.compile(r"\d\s*[%％]"),  # 4.4%
    re.compile(r"\d\s*[〜～~]\s*\d[\d,.]*\s*[%％)]"),  # 3.4〜5.6% / (16,880〜21,190)
    re.compile(r"^\s*\d[\d,.]*\s*\("),  # 18,940 (…
]
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def display_column(header: str) -> bool:
    return "表示" in header or "display" in header.lower()


def free_text_column(header: str) -> bool:
    """Columns of words: the source and the national figure's base (may quote 「…%」 or years)."""
    return header in {t("common.source", lang) for lang in ("ja", "en")} | {
        t("national.base", lang) for lang in ("ja", "en")
    }


def figure_headers() -> set[str]:
    heads = set()
    for lang in ("ja", "en"):
        h = export.EN_HEADERS if lang == "en" else export.JA_HEADERS
        heads |= {h["n"], h["estimate_pct"], h["ci_low_pct"], h["ci_high_pct"]}
        heads |= {"count", export.ACTIVITY_JA_HEADERS["count"]}
        for key in (
            "overview.count",
            "overview.share",
            "overview.population",
            "csv.residents_est",
            "csv.residents_low",
            "csv.residents_high",
            "csv.national_pct",
            "activity.consultations",
            "activity.rates",
        ):
            heads.add(t(key, lang))
    return heads


FIGURES = figure_headers()


def read_csv(data: bytes, statistics: bool) -> pd.DataFrame:
    """The CSV as pandas reads it (Excel's reading of numbers), the note row left off."""
    text = data.decode("utf-8-sig")
    frame = pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""], dtype=None)
    if statistics and len(frame):
        first = str(frame.iloc[-1, 0])
        assert first.startswith(("注", "Note")), f"the last row is not the note: {first!r}"
        frame = frame.iloc[:-1]
        frame = pd.read_csv(io.StringIO(frame.to_csv(index=False)), keep_default_na=False, na_values=[""])
    return frame


def problems(frame: pd.DataFrame, where: str) -> list[str]:
    """What keeps the CSV's figures from being numbers."""
    out = []
    for col in frame.columns:
        header = str(col)
        if display_column(header) or free_text_column(header):
            continue
        cells = [str(v) for v in frame[col] if not pd.isna(v) and str(v).strip()]
        formatted = [c for c in cells if any(p.search(c) for p in FORMATTED)]
        if formatted:
            out.append(f"{where}: column {header!r} holds display texts {formatted[:3]}")
        numbers = [c for c in cells if NUMBER.match(c)]
        if numbers and len(numbers) != len(cells) and header in FIGURES:
            others = [c for c in cells if not NUMBER.match(c)]
            out.append(f"{where}: figure column {header!r} mixes numbers with texts {others[:3]}")
        if header in FIGURES and cells and not pd.api.types.is_numeric_dtype(frame[col]):
            out.append(f"{where}: figure column {header!r} is not numeric ({frame[col].dtype})")
    return out


def run_page(page: str, query: dict, lang: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update({**query, "lang": lang})
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, "\n".join(str(e.value) for e in at.exception)
    return at


def button_key(button) -> str:
    return "dl_" + button.proto.id.rsplit("-dl_", 1)[1]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_page_csv_holds_numbers_as_numbers(app_env, monkeypatch, lang):
    seen = record_downloads(monkeypatch)
    found, checked = [], []
    for page, query in PAGES:
        at = run_page(page, query, lang)
        for button in at.get("download_button"):
            key = button_key(button)
            data, name = download_of(button, seen)
            frame = read_csv(data, statistics=key not in LISTS and key != "dl_act_members")
            assert len(frame.columns) >= 2, f"{page} {key}: {name} has no table"
            checked.append(key)
            if key not in LISTS:
                found += problems(frame, f"{page} {key} ({name})")
    assert not found, "\n".join(found)
    # the downloads that held display texts before this change are among those checked
    for key in ("dl_overview_headline", "dl_overview_profile", "dl_national", "dl_act_need", "dl_act_ref"):
        assert key in checked, f"{key} not seen: {sorted(set(checked))}"
    assert len(set(checked)) >= 12, sorted(set(checked))


def test_the_check_finds_display_texts(con):
    """The screen's tables (display texts) fail the check that their CSV layouts pass."""
    source = Source(con)
    nat = source.national_comparison(Filters(), "ja")
    shown = tables.national_table(nat, "ja")
    back = read_csv(export.csv_bytes(shown, note=None)[0], statistics=False)
    found = problems(back, "national on screen")
    assert any("4" in p and "%" in p for p in found), found
    assert any("figure column" in p for p in found), found
    csv = read_csv(export.csv_bytes(csv_layouts.national_csv(nat, "ja"), note=None)[0], statistics=False)
    assert problems(csv, "national csv") == []
    # the figures are the frame's own, rounded as the screen shows them
    est = export.JA_HEADERS["estimate_pct"]
    assert csv[est].tolist()[:3] == [round(float(v), 1) for v in nat["estimate_pct"][:3]]


def test_cli_tables_hold_numbers(con):
    """`python -m queries table` and `python -m queries activity` write the same bytes as these."""
    data = export.indicator_csv(con, "lonely_often", ["age_band", "sex"], Filters(), lang="ja")
    assert problems(read_csv(data, statistics=True), "queries table") == []
    data, _ = export.activity_csv_with_warnings(con, "consultations", "month", "district", ActivityFilters())
    frame = read_csv(data, statistics=True)
    assert problems(frame, "queries activity") == []
    assert pd.api.types.is_numeric_dtype(frame[export.ACTIVITY_JA_HEADERS["count"]])


def test_encoding_is_the_one_chosen_at_the_click(app_env, monkeypatch):
    """The button's file is made when it is clicked: switching to Shift_JIS and clicking before the
    page has run again gives Shift_JIS bytes, not the last run's UTF-8 file."""
    seen = record_downloads(monkeypatch)
    at = run_page("views/breakdown.py", {"ind": "lonely_often", "by": "sex"}, "ja")
    button = next(b for b in at.get("download_button") if button_key(b) == "dl_breakdown")
    utf8, _ = download_of(button, seen)
    assert utf8.startswith(b"\xef\xbb\xbf")
    click = seen.callables[file_id(button)]
    at.session_state[ui.ENCODING_KEY] = "cp932"  # the radio's new value, the page not yet run again
    sjis = click()
    assert not sjis.startswith(b"\xef\xbb\xbf")
    assert sjis.decode("cp932") == utf8.decode("utf-8-sig")
    at.session_state[ui.ENCODING_KEY] = "utf-8-sig"
    assert click() == utf8
