"""The cell-key method's parts: the ptable design (queries/ptable_design.py), the committed
queries/ptable.csv, the noise of queries.cellkey and the protected sums of survey cells."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from data import codebook
from queries import cellkey, ptable_design

from . import reference as ref
from .conftest import ROOT

PARAMS = codebook.disclosure()["ptables"]
TABLES = list(PARAMS)


def rows_of(name: str) -> dict[int, np.ndarray]:
    """{pcv: the 256 noise values} of table NAME as committed (read by reference.py, not cellkey)."""
    table = ref._ptable(name)
    return {p: np.array([table[(p, k)] for k in range(256)]) for p in sorted({p for p, _ in table})}


# ---- the committed file is its design ------------------------------------------------------------


def test_the_committed_ptable_equals_its_design():
    out = subprocess.run(
        [sys.executable, "-m", "queries.ptable_design", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "matches" in out.stdout


def test_check_flags_a_stale_ptable(tmp_path):
    stale = tmp_path / "ptable.csv"
    text = (ROOT / "queries" / "ptable.csv").read_text(encoding="utf-8")
    stale.write_text(
        text.replace("survey,2,0,", "survey,2,0,9", 1) if "survey,2,0," in text else text + "x", encoding="utf-8"
    )
    out = subprocess.run(
        [sys.executable, "-m", "queries.ptable_design", "--check", "--out", str(stale)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1 and "differs" in out.stdout
    fresh = tmp_path / "fresh.csv"
    assert ptable_design.main(["--out", str(fresh)]) == 0
    assert fresh.read_text(encoding="utf-8") == text


def test_the_file_names_its_parameters_and_method():
    head = [
        line
        for line in (ROOT / "queries" / "ptable.csv").read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    ]
    assert any("python -m queries.ptable_design" in line for line in head)
    for name, spec in PARAMS.items():
        assert any(
            f"{name}: max_noise D = {spec['max_noise']}, variance V = {spec['variance']}" in line for line in head
        )


# ---- each row of each table --------------------------------------------------------------------


@pytest.mark.parametrize("name", TABLES)
def test_each_row_is_unbiased_with_variance_v_within_plus_minus_d(name):
    d, v = int(PARAMS[name]["max_noise"]), float(PARAMS[name]["variance"])
    rows = rows_of(name)
    assert sorted(rows) == list(range(d + 1))  # pcv 0..D; the last serves every count ≥ D
    assert (rows[0] == 0).all()  # a zero stays zero
    for pcv, noise in rows.items():
        assert len(noise) == 256
        assert noise.min() >= -pcv, (name, pcv)  # never below zero
        assert np.abs(noise).max() <= d
        if pcv == 0:
            continue
        assert abs(noise.mean()) <= 1 / 256 + 1e-12, (name, pcv, noise.mean())
        assert abs(noise.var() - v) <= 0.05 * v, (name, pcv, noise.var())
        assert noise.max() == d  # the whole support is used
        assert (noise == 0).mean() < 0.75  # most cells of 1+ are not left as they are
    assert rows[d].min() == -d  # from D on, the noise may take a count down by D


@pytest.mark.parametrize("name", TABLES)
def test_the_distributions_are_the_maximum_entropy_ones(name):
    d, v = int(PARAMS[name]["max_noise"]), float(PARAMS[name]["variance"])
    for i in range(1, d + 2):
        values, p = ptable_design.row_probabilities(i, d, v)
        assert values.tolist() == list(range(max(-i, -d), d + 1))
        assert p.sum() == pytest.approx(1) and (p * values).sum() == pytest.approx(0, abs=1e-9)
        assert (p * values * values).sum() == pytest.approx(v, abs=1e-9)
        # maximum entropy under those constraints: log p is a quadratic in d (a discrete Gaussian)
        fit = np.polyfit(values, np.log(p), 2, full=True)
        assert len(values) <= 3 or fit[1][0] < 1e-12
        counts = ptable_design.quantise(p)
        assert counts.sum() == 256 and (np.abs(counts - 256 * p) < 1).all()
    assert ptable_design.row_probabilities(0, d, v)[0].tolist() == [0]


def test_an_impossible_design_is_refused():
    with pytest.raises(ValueError, match="no distribution"):
        ptable_design.row_probabilities(1, 1, 2.0)  # support −1..1 cannot have variance 2


def test_describe_reports_each_row():
    text = ptable_design.describe(ptable_design.tables(PARAMS))
    assert len(text.splitlines()) == sum(int(s["max_noise"]) + 1 for s in PARAMS.values())
    assert "survey pcv=0: P(0)=1.000" in text


# ---- queries.cellkey -----------------------------------------------------------------------------


def test_cellkey_reads_the_committed_tables():
    for name in TABLES:
        table = cellkey.ptable(name)
        assert not table.flags.writeable
        for pcv, noise in rows_of(name).items():
            assert table[pcv].tolist() == noise.tolist()
        assert cellkey.max_noise(name) == int(PARAMS[name]["max_noise"])
    with pytest.raises(KeyError):
        cellkey.ptable("nothing")


counts = st.one_of(st.integers(0, 12), st.integers(0, 10**7))
key_sums = st.integers(-(10**9), 10**9)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(counts, key_sums), min_size=1, max_size=40), st.sampled_from(TABLES))
def test_perturb_is_non_negative_bounded_deterministic_and_keeps_zeros(cells, name):
    c = np.array([x for x, _ in cells], dtype=np.int64)
    k = np.array([y for _, y in cells], dtype=np.int64)
    out = cellkey.perturb(c, k, name)
    d = int(PARAMS[name]["max_noise"])
    assert out.dtype == np.int64 and (out >= 0).all()
    assert (np.abs(out - c) <= d).all()
    assert (out[c == 0] == 0).all()
    assert out.tolist() == cellkey.perturb(c.copy(), k + 256 * 3, name).tolist()  # the key is mod 256
    assert out.tolist() == [ref.released(x, y, name) for x, y in zip(c.tolist(), k.tolist())]
    assert (cellkey.noise(c, k, name) == out - c).all()


def test_the_cell_key_is_the_key_sum_modulo_256():
    assert cellkey.cell_key([0, 255, 256, 1000, -1]).tolist() == [0, 255, 0, 1000 % 256, 255]


# ---- protected survey sums -------------------------------------------------------------------------


@st.composite
def survey_cells(draw):
    n = draw(st.integers(0, 400))
    n_y = draw(st.integers(0, n))
    w = draw(st.floats(0.05, 20, allow_nan=False))
    key_n = draw(st.integers(0, 255 * max(n, 1)))
    key_y = draw(st.integers(0, 255 * max(n_y, 1))) if n_y else 0
    return [n, w * n, w * w * n, w * n_y, n_y, key_n, key_y]


@settings(max_examples=400, deadline=None)
@given(st.lists(survey_cells(), min_size=1, max_size=20))
def test_with_equal_weights_estimate_times_n_is_the_released_count_exactly(cells):
    sums = np.array(cells, dtype=float)
    out = cellkey.protect_survey(sums)
    assert out.shape == (len(cells), 4)
    n_p, sw, sw2, swy = out.T
    d = int(PARAMS["survey"]["max_noise"])
    for (n, _, _, _, n_y, key_n, key_y), a, b, c in zip(cells, n_p, sw, swy):
        assert a == ref.released(n, key_n) and abs(a - n) <= d
        y_p = min(ref.released(n_y, key_y), a)
        assert abs(y_p - n_y) <= d and y_p <= a
        if n == 0:
            assert a == b == c == 0
            continue
        if a == 0:
            continue
        assert (c / b) * a == pytest.approx(y_p, abs=1e-9)  # estimate × n' == n_y'
        if n_y == 0:
            assert c == 0
    # the design effect (n / n_eff) is kept
    with np.errstate(invalid="ignore", divide="ignore"):
        kept = (sums[:, 0] > 0) & (n_p > 0)
        assert np.allclose(
            (sw[kept] ** 2 / sw2[kept]) / n_p[kept], (sums[kept, 1] ** 2 / sums[kept, 2]) / sums[kept, 0]
        )


def test_protect_survey_with_raked_weights_moves_the_estimate_by_the_noise_only():
    rng = np.random.default_rng(2)
    n, n_y = 120, 30
    w = rng.uniform(0.3, 3, n)
    y = np.r_[np.ones(n_y), np.zeros(n - n_y)]
    keys = rng.integers(0, 256, n)
    sums = np.array([[n, w.sum(), (w * w).sum(), (w * y).sum(), n_y, keys.sum(), (keys * y).sum()]])
    n_p, sw, _, swy = cellkey.protect_survey(sums)[0]
    p, p_p = (w * y).sum() / w.sum(), swy / sw
    y_p = min(ref.released(n_y, (keys * y).sum()), n_p)
    assert p_p == pytest.approx(p * (y_p / n_y) / (n_p / n))
