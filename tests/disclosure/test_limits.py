"""The limits that close the old complement attacks, as users meet them (CLI, URL, functions), and
the CLI printing the figures the attack suite reads through the query functions.

What used to work (issue 11): `--where age_band=1,2,3,4,5,6,7` (every band but one) and
`/activity?district=1,3,4,5,6`; now a filter is one code or a named group, a period one month or
whole fiscal years, and a survey table of fewer than min_filter_n respondents is refused. The best
substitutes left (a named group minus its other members, the All row minus the shown groups) are
what tests/disclosure/attacks.py measures.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pandas as pd
import pytest

from .conftest import REPO


def cli(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "queries", *args], cwd=REPO, env=env, capture_output=True, timeout=120)


def rows(result: subprocess.CompletedProcess) -> list[dict]:
    assert result.returncode == 0, result.stderr.decode()
    text = result.stdout.decode("utf-8-sig")
    return [r for r in csv.DictReader(io.StringIO(text)) if not next(iter(r.values())).startswith("Note:")]


# ---- refusals ------------------------------------------------------------------------------------


def test_cli_refuses_what_used_to_work(attack_dbs, attack_instance):
    db = str(attack_dbs["demo"])
    for args in (  # (the functions' and URLs' refusals of the other dimensions are checked below)
        ["table", "lonely_often", "--by", "age_band", "--channel", "open", "--where", "age_band=1,2,3,4,5,6,7"],
        ["activity", "consultations", "--by", "month", "--split", "field", "--where", "district=1,3,4,5,6"],
        ["activity", "consultations", "--by", "month", "--from", "2023-05", "--to", "2023-07"],
    ):
        result = cli(attack_instance, *args, "--db", db)
        assert result.returncode == 2, (args, result.stdout[:200], result.stderr)
        assert b"error:" in result.stderr


def test_cli_refuses_narrow_filters(attack_dbs, attack_instance):
    result = cli(
        attack_instance,
        "table",
        "lonely_often",
        "--by",
        "household",
        "--channel",
        "open",
        "--where",
        "age_band=8",
        "--where",
        "district=6",
        "--db",
        str(attack_dbs["demo"]),
    )
    assert result.returncode == 2
    assert b"Widen the filters" in result.stderr


def test_functions_and_urls_refuse_what_used_to_work():
    from queries.filters import ActivityFilters, Filters, parse_query_params

    for kwargs in (
        {"age_band": (1, 2, 3, 4, 5, 6, 7)},
        {"age_band": (8, 9)},
        {"district": (1, 3, 4, 5, 6)},
        {"household": (2, 3, 4, 5)},
        {"sex": (1, 3)},
        {"age_band": (9,)},
        {"district": (2, 3, 4, 5, 6)},
        {"channel": "all"},
    ):
        with pytest.raises(ValueError):
            Filters(**kwargs)
    filters, dropped = parse_query_params({"age_band": "1,2,3,4,5,6,7", "district": "1,3,4,5,6"})
    assert filters == Filters() and len(dropped) == 2
    for kwargs in (
        {"districts": (1, 3, 4, 5, 6)},
        {"districts": (2, 3, 4, 5, 6)},
        {"fields": (1, 2)},
        {"org_types": (1, 2)},
        {"start": "2023-05", "end": "2023-07"},
        {"fiscal_years": (2023, 2024)},
    ):
        with pytest.raises(ValueError):
            ActivityFilters(**kwargs)
    assert ActivityFilters.from_query_params({"districts": "1,3,4,5,6", "fields": "1,2"}) == ActivityFilters()
    # what stays: one code, a named group, one month, one fiscal year
    Filters(age_band=(1, 2, 3), district=(2,), sex=(1,), channel="open")
    ActivityFilters(districts=(2,), fields=(1,), start="2023-05", end="2023-05")
    ActivityFilters(fiscal_years=(2023,))


# ---- the CLI prints what the functions give ----------------------------------------------------


def test_survey_cli_is_the_functions_path(attack_dbs, attack_instance):
    """The issue's first example through the CLI: open-web 80+ is 秘匿; its best substitute now is
    the 60歳以上 group minus 60–69 and 70–79 (`--where age_band=older`). The CLI's figures are the
    functions' (so the suite's attacks through the functions are the CLI's)."""
    from queries import indicators, runner
    from queries.filters import Filters

    db = str(attack_dbs["demo"])
    con = runner.connect(db)
    try:
        for where, filters in (
            ([], Filters(channel="open")),
            (["--where", "age_band=older"], Filters(channel="open", age_band=(6, 7, 8))),
        ):
            printed = rows(
                cli(
                    attack_instance,
                    "table",
                    "lonely_often",
                    "--by",
                    "age_band",
                    "--channel",
                    "open",
                    *where,
                    "--lang",
                    "en",
                    "--db",
                    db,
                )
            )
            df = indicators.indicator_table(con, "lonely_often", ["age_band"], filters)
            assert len(printed) == len(df)
            for p, (_, r) in zip(printed, df.iterrows()):
                if bool(r["suppressed"]):
                    assert p["n"] == "" and p["suppressed"] == "true"
                else:
                    assert int(p["n"]) == int(r["n"])
                    assert float(p["estimate_pct"]) == pytest.approx(round(float(r["estimate_pct"]), 1), abs=0.051)
    finally:
        con.close()


def test_activity_cli_is_the_functions_path(attack_dbs, attack_instance):
    """`/activity?district=1,3,4,5,6&act_by=field` is refused; the substitute, All minus the other
    districts one by one, reads the same figures from the CLI as from the functions."""
    from queries import activity as act, runner
    from queries.filters import ActivityFilters

    db = str(attack_dbs["demo"])
    con = runner.connect(db)
    try:
        for where, filters in (([], ActivityFilters()), (["--where", "district=2"], ActivityFilters(districts=(2,)))):
            printed = rows(
                cli(
                    attack_instance,
                    "activity",
                    "consultations",
                    "--by",
                    "month",
                    "--split",
                    "field",
                    *where,
                    "--lang",
                    "en",
                    "--db",
                    db,
                )
            )
            df = act.activity_by_month(con, "consultations", "field", filters, lang="en")
            assert len(printed) == len(df)
            for p, (_, r) in zip(printed, df.iterrows()):
                assert p["month"] == ("All" if pd.isna(r["month"]) else f"{pd.Timestamp(r['month']):%Y-%m}")
                assert p["field"] == ("All" if pd.isna(r["field"]) else str(int(r["field"])))
                assert p["display"] == r["display"]
                assert p["count"] == ("" if pd.isna(r["value"]) else str(int(r["value"])))
    finally:
        con.close()


def test_the_same_figure_has_one_value_everywhere(attack_dbs):
    """Asking for a figure another way gives the same released value (the same records, the same
    cell key): the district totals of the rates, the need table and the fiscal-year table; a survey
    cell in a filtered table and in a two-dimension table."""
    from queries import activity as act, indicators, need as qn, runner
    from queries.filters import ActivityFilters, Filters

    con = runner.connect(attack_dbs["demo"])
    try:
        fy = act.fiscal_years(con)[0]
        f = ActivityFilters(fiscal_years=(fy,))
        rates = act.rates_per_1000(con, "consultations", f, lang="en")
        need = qn.district_need(con, activity=f, lang="en")
        table = act.activity_by_fiscal_year(con, "consultations", "district", f, lang="en")
        by_year = table[table["fiscal_year"].notna()]
        for d in range(1, 7):
            a = rates.loc[rates["district"] == d, "display"].item()
            b = need.loc[need["district"] == d, "consultations_display"].item()
            c = by_year.loc[by_year["district"] == d, "display"].item()
            assert a == b == c
        one = indicators.indicator_table(con, "lonely_often", ["household"], Filters(district=(1,)))
        two = indicators.indicator_table(con, "lonely_often", ["district", "household"], Filters())
        for h in range(1, 6):
            x = one.loc[one["household"] == h, "n"].item()
            y = two.loc[(two["district"] == 1) & (two["household"] == h), "n"].item()
            assert (pd.isna(x) and pd.isna(y)) or x == y
    finally:
        con.close()
