"""queries.profile.respondent_profile (概要「回答者の構成」): each group's respondent count is its true
count released by its cell key (survey ptable; the survey_open one for open-web counts), 秘匿 below
the minimum n, shares of the released total of the dimension; the population figures as they are."""

from __future__ import annotations

import pandas as pd
import pytest

from data import codebook
from queries import disclosure
from queries.filters import Filters
from queries.profile import COLUMNS, respondent_profile

from . import reference as ref

D_OF = {name: int(spec["max_noise"]) for name, spec in codebook.disclosure()["ptables"].items()}


def truth(con, wave: int, channels: tuple[int, ...]) -> dict[tuple[str, int | None], tuple[int, int]]:
    """{(dimension, code or None): (respondents, record-key sum)} from the responses table."""
    out = {}
    rows = con.execute(
        "SELECT channel, age_band, district, record_key FROM responses WHERE wave = ?", [wave]
    ).fetchall()
    for channel, age, district, key in rows:
        groups = [("channel", channel)]
        if channel in channels:
            groups += [("age_band", age), ("district", district)]
        for g in groups:
            n, k = out.get(g, (0, 0))
            out[g] = (n + 1, k + key)
    return out


@pytest.mark.parametrize("channel", ["random", "open"])
def test_counts_are_released_by_their_cell_keys_and_small_ones_hidden(con, channel):
    f = Filters(channel=channel)
    open_web = channel == "open"
    df = respondent_profile(con, f)
    assert list(df.columns) == COLUMNS
    wave = con.execute("SELECT max(wave) FROM responses").fetchone()[0]
    expected = truth(con, wave, f.channels)
    assert {(r.dimension, None if pd.isna(r.code) else int(r.code)) for r in df.itertuples()} == set(expected)
    hidden_seen = 0
    for dim, part in df.groupby("dimension", sort=False):
        # the channel rows: each channel with its own table, their total (every respondent of the
        # wave) with the random sample's; the other dimensions: the chosen channel's table
        total_table = ref.survey_table(open_web and dim != "channel")
        total = ref.released(
            sum(n for (d, _), (n, _) in expected.items() if d == dim),
            sum(k for (d, _), (_, k) in expected.items() if d == dim),
            total_table,
        )
        for r in part.itertuples():
            code = None if pd.isna(r.code) else int(r.code)
            n, k = expected[(dim, code)]
            table = ref.survey_table(code == 2 if dim == "channel" else open_web)
            released = ref.released(n, k, table)
            assert abs(released - n) <= D_OF[table]
            assert bool(r.suppressed) == (released < disclosure.min_n())
            if r.suppressed:
                hidden_seen += 1
                assert pd.isna(r.respondents) and pd.isna(r.respondents_pct)
            else:
                assert r.respondents == released
                assert r.respondents_pct == pytest.approx(100 * released / total)
    if channel == "open":
        assert hidden_seen > 0  # the open web's small groups (80+, 温海) show only 秘匿


def test_both_channels_together_are_no_profile(con):
    with pytest.raises(ValueError, match="channel"):
        respondent_profile(con, Filters(channel="all"))


def test_population_is_shown_as_it_is(con):
    df = respondent_profile(con, Filters())
    latest = con.execute("SELECT max(as_of) FROM population").fetchone()[0]
    pop = dict(
        con.execute("SELECT district, sum(population) FROM population WHERE as_of = ? GROUP BY 1", [latest]).fetchall()
    )
    districts = df[(df["dimension"] == "district") & df["code"].notna()]
    assert {int(c): int(p) for c, p in zip(districts["code"], districts["population"])} == pop
    assert df.loc[df["dimension"] == "channel", "population"].isna().all()


def test_no_wave_gives_an_empty_profile():
    from .conftest import make_db

    con = make_db([])
    try:
        df = respondent_profile(con)
        assert df.empty and list(df.columns) == COLUMNS
    finally:
        con.close()
