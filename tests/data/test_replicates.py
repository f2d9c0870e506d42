"""data/replicates.py: bootstrap replicates of the raked random sample, each raked again (issue 16,
item 4).

The replicate mart is checked against an independent computation of the same replicates: the
draws the build made are recorded, and the test rakes each replicate itself, respondent by
respondent (its own iterative proportional fitting in numpy, its own handling of the respondents
the margins cannot place, as data/weights.py's docstring states the rules), then sums the weights
per cell. The draws themselves are checked for what the Rao–Wu bootstrap asks: n_h − 1 draws
within each stratum."""

from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pandas as pd

from data import codebook, indicator_rules, marts, replicates, weights
from data.build import run_build

MISSING = 9


def _built(kit, tmp_path) -> duckdb.DuckDBPyConnection:
    """The kit's extracts (respondents with blank, 9 and sex-3 attributes included) built, then a
    writable copy of the database."""
    src = kit.write_extracts(tmp_path / "x", kit.valid_frames())
    db = tmp_path / "t.duckdb"
    assert run_build(str(src), False, str(db)) == 0
    copy = tmp_path / "copy.duckdb"
    shutil.copy(db.resolve(), copy)
    return duckdb.connect(str(copy))


def _ipf(table: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Raking by iterative proportional fitting of TABLE (age_band × sex × district) to the
    population's age × sex and district margins: the test's own, not ipfn."""
    fit = table.astype(float).copy()
    for _ in range(10_000):
        for other in ((2,), (0, 1)):
            have = fit.sum(axis=other, keepdims=True)
            want = targets.sum(axis=other, keepdims=True)
            fit *= np.divide(want, have, out=np.ones_like(have), where=have > 0)
        if np.allclose(fit.sum(axis=2), targets.sum(axis=2), rtol=1e-13, atol=0):
            return fit
    raise AssertionError("the test's raking did not converge")


def _replicate_weights(resp: pd.DataFrame, copies: np.ndarray, scale: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Each respondent's weight per copy in one replicate: COPIES draws of it, each of base weight
    SCALE (Rao–Wu), raked to TARGETS; respondents outside the margins get the base weight times the
    ratio of raked to base weight over the raked copies sharing the attributes they have."""
    cats = {d: weights._categories(d) for d in ("age_band", "sex", "district")}
    pos = {d: resp[d].map({c: i for i, c in enumerate(cats[d])}) for d in cats}
    complete = pos["age_band"].notna() & pos["sex"].notna() & pos["district"].notna()
    base = copies * scale
    table = np.zeros([len(c) for c in cats.values()])
    idx = tuple(pos[d][complete].astype(int).to_numpy() for d in cats)
    np.add.at(table, idx, base[complete.to_numpy()])
    fit = _ipf(table, targets)
    per_copy = np.full(len(resp), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        adjust = fit / table
    per_copy[complete.to_numpy()] = scale[complete.to_numpy()] * adjust[idx]
    done = resp[complete].assign(raked=per_copy[complete.to_numpy()] * copies[complete.to_numpy()], base=base[complete])
    overall = done["raked"].sum() / done["base"].sum()
    for i in np.flatnonzero(~complete.to_numpy()):
        known = [d for d in cats if pd.notna(pos[d].iat[i])]
        match = done
        for d in known:
            match = match[match[d] == resp[d].iat[i]]
        ratio = match["raked"].sum() / match["base"].sum() if match["base"].sum() > 0 else overall
        per_copy[i] = scale[i] * ratio
    total = float(np.nansum(per_copy * copies))
    return per_copy * targets.sum() / total


def test_replicate_sums_equal_an_independent_raking_of_the_same_draws(kit, tmp_path, monkeypatch):
    con = _built(kit, tmp_path)
    drawn: list[np.ndarray] = []
    real_draw = replicates.Strata.draw

    def record(self, rng, count):
        out = real_draw(self, rng, count)
        drawn.append(out.copy())
        return out

    monkeypatch.setattr(replicates.Strata, "draw", record)
    con.execute(marts.mart_sql(marts.MARTS_DIR / "40_indicator_replicates.sql"))
    profiles = con.execute("SELECT * FROM replicate_profiles").df()
    done = replicates.build_replicates(con, replicates=4)
    assert done == {(2023, 1): 4}
    assert len(drawn) == 1  # the kit's sample rakes in every replicate: no redraw
    (draws,) = drawn

    targets = weights.population_array(con.execute("SELECT * FROM population").df())
    answers = indicator_rules.fragments()["indicator_answers"]
    resp = con.execute(
        f"SELECT age_band, sex, district, household, {answers} FROM responses WHERE channel = 1 ORDER BY response_id"
    ).df()
    # the profile of each respondent (everything a replicate tells apart): its draws go to the first
    # respondent of its profile, which changes no cell's sum (the profile's respondents share the cell)
    keys = ["age_band", "sex", "district", "household", *codebook.indicators()]
    prof = profiles[profiles["channel"] == 1].reset_index(drop=True)
    joined = resp.reset_index().merge(
        prof.reset_index().rename(columns={"index": "profile"}), on=keys, how="left", validate="many_to_one"
    )
    assert joined["profile"].notna().all()
    first = ~joined["profile"].duplicated()
    stratum_n = prof.groupby(prof["district"].fillna(MISSING))["respondents"].transform("sum").to_numpy()
    scale_of_profile = np.where(stratum_n >= 2, stratum_n / np.maximum(stratum_n - 1, 1), 1.0)

    cells = ["age_band", "sex", "district", "household"]
    mart = con.execute(
        "SELECT r.*, f.factor FROM indicator_replicates r "
        "JOIN replicate_factors f USING (wave, channel, age_band, sex, district)"
    ).df()
    factor, rep_n, rep_ny = (np.stack(mart[c].to_list()) for c in ("factor", "rep_n", "rep_ny"))
    for r in range(4):
        copies = np.where(first, draws[joined["profile"].astype(int).to_numpy(), r], 0).astype(float)
        scale = scale_of_profile[joined["profile"].astype(int).to_numpy()]
        w = _replicate_weights(resp, copies, scale, targets)
        frame = resp[cells].fillna(MISSING).astype(int).assign(w=np.nan_to_num(w) * copies)
        for ind in codebook.indicators():
            y = resp[ind].to_numpy(dtype=float, na_value=np.nan)
            part = frame[~np.isnan(y)].assign(wy=frame["w"][~np.isnan(y)] * y[~np.isnan(y)])
            want = part.groupby(cells)[["w", "wy"]].sum()
            rows = (mart["indicator"] == ind).to_numpy()
            want = want.reindex(pd.MultiIndex.from_frame(mart.loc[rows, cells]))
            got_w, got_wy = factor[rows, r] * rep_n[rows, r], factor[rows, r] * rep_ny[rows, r]
            np.testing.assert_allclose(got_w, want["w"].to_numpy(float), rtol=1e-7, atol=1e-6)
            np.testing.assert_allclose(got_wy, want["wy"].to_numpy(float), rtol=1e-7, atol=1e-6)
    con.close()


def test_draws_are_n_h_minus_1_within_each_stratum():
    counts = np.array([3, 1, 4, 1, 5, 1])
    stratum = np.array([0, 0, 1, 1, 1, 2])  # stratum 2 holds one respondent
    strata = replicates.Strata(counts, stratum)
    drawn = strata.draw(np.random.default_rng(1), 500)
    assert drawn.shape == (6, 500)
    assert (drawn[:2].sum(axis=0) == 3).all() and (drawn[2:5].sum(axis=0) == 9).all()
    assert (drawn[5] == 1).all()  # kept in every replicate
    np.testing.assert_allclose(strata.scale, [4 / 3, 4 / 3, 10 / 9, 10 / 9, 10 / 9, 1.0])
    # each profile drawn in proportion to its respondents
    np.testing.assert_allclose(drawn[2:5].mean(axis=1), 9 * np.array([4, 1, 5]) / 10, rtol=0.1)


def test_every_raked_respondent_is_in_the_replicates_and_nobody_else(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        got = con.execute(
            "SELECT wave, channel, indicator, sum(n), min(len(rep_n)), max(len(rep_ny)) "
            "FROM indicator_replicates GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        want = con.execute(
            "SELECT wave, channel, indicator, sum(n) FROM indicator_cells WHERE channel = 1 GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        assert [g[:4] for g in got] == want
        assert {g[4] for g in got} == {g[5] for g in got} == {replicates.REPLICATES}
        factors = con.execute("SELECT min(len(factor)), max(len(factor)), min(list_min(factor)) FROM replicate_factors")
        low, high, smallest = factors.fetchone()
        # 0 only for a raking group nobody was drawn from in that replicate (its rep_n are 0 there)
        assert low == high == replicates.REPLICATES and smallest >= 0
    finally:
        con.close()


def test_the_same_data_make_the_same_replicates(kit, tmp_path):
    con = _built(kit, tmp_path)
    try:
        first = con.execute("SELECT * FROM indicator_replicates ORDER BY ALL").fetchall()
        marts.build_marts(con)
        assert con.execute("SELECT * FROM indicator_replicates ORDER BY ALL").fetchall() == first
    finally:
        con.close()


def test_vendor_weights_get_no_replicates(kit, tmp_path):
    frames = kit.valid_frames()
    survey = frames[kit.SURVEY_FILE].copy()
    survey["weight"] = "1.5"
    src = kit.write_extracts(tmp_path / "x", {**frames, kit.SURVEY_FILE: survey})
    db = tmp_path / "t.duckdb"
    assert run_build(str(src), False, str(db)) == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM indicator_replicates").fetchone() == (0,)
    finally:
        con.close()
