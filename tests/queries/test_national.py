"""queries/national.csv against the reference text, and the city-beside-national comparison."""

from __future__ import annotations

import re

import pytest

from queries import disclosure, indicators, national
from queries.filters import Filters

from . import reference as ref
from .conftest import ROOT, make_db, random_rows, with_keys
from .test_indicators import check_protected, missing

REFERENCE = ROOT.parent / "shared" / "reference" / "national_survey.md"


@pytest.fixture(scope="module")
def reference_text() -> str:
    if not REFERENCE.is_file():  # the shared reference lives beside the repository
        pytest.fail(f"reference text missing: {REFERENCE}")
    return REFERENCE.read_text(encoding="utf-8")


def headline_table(text: str) -> dict[int, list[str]]:
    """The direct-question table of national_survey.md: year → its cells."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"\|\s*(20\d\d) \([\d,]+\)\s*\|(.*)\|\s*$", line)
        if m:
            out[int(m.group(1))] = [c.strip() for c in m.group(2).split("|")]
    return out


@pytest.mark.shared
def test_every_national_figure_is_in_the_reference_text(reference_text):
    figures = national.national_figures()
    assert len(figures) >= 30
    table = headline_table(reference_text)
    for r in figures.itertuples():
        assert r.source
        value = f"{r.value_pct:.1f}"
        if r.derived:
            # しばしば + 時々 of the published direct-question table of that year
            often, sometimes = table[r.year][0], table[r.year][1]
            assert f"{float(often) + float(sometimes):.1f}" == value, r
            assert often in r.source and sometimes in r.source
        else:
            assert value in reference_text, r
        if r.year is not None and not missing(r.year):
            assert str(r.year) in reference_text


def test_sources_cite_public_publications_not_project_files():
    figures = national.national_figures()
    for source in set(figures["source"]):
        assert not re.search(r"shared/|reference/|\.md\b", source), source
        # no news site as a source, no 「掲載URL未確認」: press reports are reported_by, by name
        assert not re.search(r"j-cast|healthy-life21|gifu-np|掲載URL未確認|報道", source), source
    assert set(figures["reported_by"]) <= {"", *national.PRESS}
    # each figure read in a government document names where it was read
    assert any("wic-net.com/material/document/14544/15" in s for s in figures["source"])


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_citations_name_publisher_official_title_and_press_reports(lang):
    for year, pub in ((2021, "cas"), (2023, "cas"), (2024, "cao")):
        text = national.citation(year, "年齢別", "", lang)
        assert text.startswith(national.PUBLISHERS[pub][lang])
        assert f"「孤独・孤立の実態把握に関する全国調査（令和{year - 2018}年人々のつながりに関する基礎調査）」" in text
        assert national.PRESS_MARK[lang] not in text
    assert national.OFFICIAL_PAGES[2022] in national.citation(2022, "年齢別", "", lang)
    assert "http" not in national.citation(2023, "年齢別", "", lang)  # not confirmed: no address
    pressed = national.citation(2024, "孤独感「ある計」", "gifu-np", lang)
    assert national.PRESS_MARK[lang] in pressed and national.PRESS["gifu-np"][lang] in pressed
    assert national.WHITE_PAPER[lang] in national.citation(None, "x", "", lang)


def test_press_reported_figures_are_listed():
    figures = national.national_figures()
    listed = national.press_reported("ja")
    assert len(listed) == (figures["reported_by"] != "").sum() > 0
    assert set(listed["reported_by"]) == {national.PRESS[k]["ja"] for k in set(figures["reported_by"]) - {""}}
    assert national.PRESS_MARK["ja"] == "報道による"


@pytest.mark.shared
def test_press_reports_and_official_page_are_those_of_the_reference(reference_text):
    for key in set(national.national_figures()["reported_by"]) - {""}:
        assert key in reference_text, key  # gifu-np.co.jp, healthy-life21.com
    for url in national.OFFICIAL_PAGES.values():
        assert url in reference_text


@pytest.mark.shared
def test_headline_rows_match_the_published_table(reference_text):
    figures = national.national_figures()
    table = headline_table(reference_text)
    totals = figures[figures["dimension"] == "total"]
    for year, cells in table.items():
        often = totals[(totals["indicator"] == "lonely_often") & (totals["year"] == year)]["value_pct"]
        anyone = totals[(totals["indicator"] == "lonely_any") & (totals["year"] == year)]["value_pct"]
        assert f"{often.item():.1f}" == cells[0]
        assert f"{anyone.item():.1f}" == cells[-1]


def city_rows(nat, indicator, dim, dim2=None):
    sel = nat[(nat["indicator"] == indicator) & (nat["dimension"] == dim)]
    return sel[sel["dimension2"].isna()] if dim2 is None else sel[sel["dimension2"] == dim2]


def same_as_the_breakdown_table(con, rows, filters, indicator, by):
    """The city's figures beside the national ones are those of breakdown_table (protected), whose
    rows stay within the ptable's bounds of the truth (reference.py)."""
    table = indicators.breakdown_table(con, indicator, by, filters)
    kw = {
        "wave": filters.wave,
        "channel": filters.channel,
        "attrs": {
            d: filters.attribute(d) for d in ("age_band", "sex", "district", "household") if filters.attribute(d)
        },
    }
    check_protected(table, ref.table(rows, indicator, tuple(by), **kw), by, equal_weights=False)
    return {tuple(None if missing(r[d]) else int(r[d]) for d in by): r for r in table.to_dict("records")}


def test_comparison_sets_city_estimates_beside_the_nearest_national_year():
    rows = with_keys(random_rows(11, 4000, waves=(2022, 2023)))
    con = make_db(rows)
    nat = national.national_comparison(con, Filters(), "ja")
    assert set(nat["wave"]) == {2023}
    f = Filters(wave=2023)
    total = nat[(nat["indicator"] == "lonely_often") & nat["is_total"]].iloc[0]
    assert total["national_year"] == 2023 and total["national_pct"] == pytest.approx(4.8)
    city = same_as_the_breakdown_table(con, rows, f, "lonely_often", ())[()]
    assert total["estimate_pct"] == city["estimate_pct"] and total["n"] == city["n"]
    assert total["label"] == "孤独感（しばしば・常に）：全体"
    # confidant is a breakdown only the national comparison uses
    conf = nat[(nat["indicator"] == "ucla_high") & (nat["dimension"] == "confidant")]
    assert conf["code"].tolist() == [1, 2] and conf["national_year"].isna().all()
    exp = same_as_the_breakdown_table(con, rows, f, "ucla_high", ("confidant",))
    for r in conf.itertuples():
        assert r.estimate_pct == exp[(r.code,)]["estimate_pct"] and r.n == exp[(r.code,)]["n"]
    # single-person household × sex
    two = nat[(nat["dimension"] == "household") & (nat["dimension2"] == "sex")]
    exp = same_as_the_breakdown_table(con, rows, f, "lonely_often", ("household", "sex"))
    assert [(r.code, r.code2) for r in two.itertuples()] == [(1, 1), (1, 2)]
    for r in two.itertuples():
        e = exp[(r.code, r.code2)]
        assert bool(r.suppressed) == e["suppressed"]
        if not e["suppressed"]:
            assert r.estimate_pct == e["estimate_pct"] and r.ci_low_pct == e["ci_low_pct"]
    assert nat["label"].is_unique
    con.close()


def test_comparison_uses_the_wave_and_filters():
    rows = with_keys(random_rows(12, 3000, waves=(2021, 2022)))
    con = make_db(rows)
    f = Filters(wave=2021, age_band=(1, 2, 3), channel="open")  # the named group 16〜39歳, open web
    nat = national.national_comparison(con, f, "en")
    often = nat[nat["indicator"] == "lonely_often"]
    ages = often[often["dimension"] == "age_band"]
    published = national.national_figures()
    published = published[(published["indicator"] == "lonely_often") & (published["dimension"] == "age_band")]
    # the published age groups inside the filter only (there is no national 16–19 figure)
    assert ages["code"].tolist() == sorted(int(c) for c in set(published["code"]) if c in (1, 2, 3)) == [2, 3]
    assert set(ages["national_year"]) == {2021}
    assert ages.iloc[0]["label"] == "Lonely often/always: Age: 20-29"
    assert nat["open_web"].all()
    exp = same_as_the_breakdown_table(con, rows, f, "lonely_often", ("age_band",))
    for r in ages.itertuples():
        assert r.estimate_pct == exp[(r.code,)]["estimate_pct"]
    ucla = nat[(nat["indicator"] == "ucla_high") & nat["is_total"]].iloc[0]
    assert ucla["national_year"] == 2022  # the nearest published year to 2021
    con.close()


def test_suppressed_city_cells_stay_suppressed():
    rows = random_rows(13, 150, waves=(2023,))
    con = make_db(rows)
    nat = national.national_comparison(con, Filters(), "ja")
    hidden = nat[nat["suppressed"]]
    assert len(hidden) and hidden["estimate_pct"].isna().all() and hidden["n"].isna().all()
    con.close()


def test_a_too_narrow_filter_refuses_the_comparison():
    rows = random_rows(14, 400, waves=(2023,))
    con = make_db(rows)
    try:
        with pytest.raises(disclosure.FilterTooNarrow):
            national.national_comparison(con, Filters(district=(5,), age_band=(1,), sex=(1,)), "ja")
    finally:
        con.close()


def test_indicators_too_few_answered_are_left_out_of_the_comparison():
    # everyone answers the direct question; only 30 answer the three UCLA items
    rows = with_keys(random_rows(15, 400, waves=(2023,), p_missing=0.0, open_share=0.0))
    for i, r in enumerate(rows):
        if i >= 30:
            r.update(ucla_1=None, ucla_2=None, ucla_3=None)
    con = make_db(rows)
    try:
        wanted = [("lonely_often", ()), ("ucla_high", ())]
        with pytest.raises(disclosure.FilterTooNarrow):
            indicators.breakdown_tables(con, wanted, Filters())
        kept = indicators.breakdown_tables(con, wanted, Filters(), omit_refused=True)
        assert list(kept) == [("lonely_often", ())]
        nat = national.national_comparison(con, Filters(), "ja")
        assert "lonely_often" in set(nat["indicator"])
        assert not {"ucla_high", "ucla_moderate_plus"} & set(nat["indicator"])
    finally:
        con.close()


def test_the_comparison_runs_no_group_test(demo_db):
    """The comparison shows each group's own figures only, so it runs no group-vs-rest test: the
    server's first page (概要 draws it) waits neither for statsmodels and scipy nor for tests that
    nobody sees. The figures are those of the breakdown tables, which do test."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from queries import national, runner\n"
        f"con = runner.connect({str(demo_db)!r})\n"
        "shown = len(national.national_comparison(con)) > 0\n"
        "print(shown, sorted(m for m in sys.modules if m.startswith(('statsmodels', 'scipy'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True []"

    from queries import runner

    con = runner.connect(demo_db)
    try:
        nat = national.national_comparison(con)
        assert nat["is_total"].any() and (~nat["is_total"]).any()
        for (ind, dim), part in nat[nat["dimension2"].isna()].groupby(["indicator", "dimension"]):
            by = () if part["is_total"].all() else (dim,)
            table = indicators.breakdown_table(con, ind, by, Filters(wave=int(part["wave"].iloc[0])))
            for r in part.itertuples():
                row = table.iloc[0] if not by else table[table[dim] == r.code].iloc[0]
                assert bool(row["suppressed"]) == bool(r.suppressed)
                if not r.suppressed:
                    assert (row["n"], row["estimate_pct"], row["ci_low_pct"], row["reliability"]) == (
                        r.n,
                        r.estimate_pct,
                        r.ci_low_pct,
                        r.reliability,
                    )
    finally:
        con.close()
