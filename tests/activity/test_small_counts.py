"""queries.small_counts: every count released perturbed (cell-key method), small ones as "<5".

What is checked against oracle.py (the ptable file read directly): the released value of each
count and each margin, "<5" exactly for released values 1..4, zeros kept, the bound D.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from data import codebook
from queries import small_counts as sc
from queries.small_counts import SHOWN, SMALL

from . import oracle
from .strategies import tables

D = oracle.max_noise("activity")
ALL_KEYS = np.arange(256)


def test_released_values_one_to_four_show_as_less_than_five_and_a_zero_stays_zero():
    seen_small_from_five_plus = False
    for count in range(0, 12):
        values, states = sc.released(np.full(256, count), ALL_KEYS)
        texts = [sc.display(v, s) for v, s in zip(values, states)]
        for v, s, text in zip(values.tolist(), states.tolist(), texts):
            assert (s == SMALL) == (1 <= v <= 4), (count, v, s)
            assert text == ("<5" if 1 <= v <= 4 else f"{v:,}")
        if count == 0:
            assert values.tolist() == [0] * 256 and texts == ["0"] * 256
        seen_small_from_five_plus |= count >= 5 and bool((states == SMALL).any())
    # a true 5..7 may be released as 4 or less, and then shows as "<5" too
    assert seen_small_from_five_plus
    assert sc.display(1234, SHOWN) == "1,234"


def test_released_is_the_count_plus_the_noise_of_the_ptable_file():
    counts = np.repeat(np.arange(0, 40), 256)
    keys = np.tile(ALL_KEYS, 40) + 256 * 7  # key sums beyond 255 are taken mod 256
    values, _ = sc.released(counts, keys)
    expected = [oracle.released(c, k) for c, k in zip(counts.tolist(), keys.tolist())]
    assert values.tolist() == expected
    assert not np.array_equal(values, counts)  # the noise is there


def test_the_same_count_and_key_always_give_the_same_release():
    rng = np.random.default_rng(1)
    counts, keys = rng.integers(0, 60, 500), rng.integers(0, 10**6, 500)
    first = sc.released(counts, keys)
    again = sc.released(counts.copy(), keys + 256)  # another sum of the same key mod 256
    assert first[0].tolist() == again[0].tolist() and first[1].tolist() == again[1].tolist()


def test_margins_are_released_as_cells_of_their_own():
    cells = np.array([[3, 0, 12], [40, 2, 7]])
    keys = np.array([[17, 0, 200], [5, 99, 250]])
    t = sc.protect(cells, keys)
    assert t.cells.tolist() == [[oracle.released(c, k) for c, k in zip(r, kr)] for r, kr in zip(cells, keys)]
    assert t.row_totals.tolist() == [oracle.released(c, k) for c, k in zip(cells.sum(1), keys.sum(1))]
    assert t.col_totals.tolist() == [oracle.released(c, k) for c, k in zip(cells.sum(0), keys.sum(0))]
    assert t.grand == oracle.released(cells.sum(), keys.sum())
    assert t.cell_state[0, 1] == SHOWN and t.cells[0, 1] == 0
    only_rows = sc.protect(cells, keys, row_totals=True, col_totals=False)
    assert only_rows.col_totals is None and only_rows.grand is None and only_rows.grand_state is None
    assert only_rows.row_totals.tolist() == t.row_totals.tolist()
    neither = sc.protect(cells, keys, row_totals=False, col_totals=False)
    assert neither.row_totals is None and neither.col_totals is None and neither.grand is None


def test_totals_are_not_sums_of_the_released_cells():
    # the users' note: 内訳の合計が全体と一致しないことがあります — each total has its own noise
    rng = np.random.default_rng(3)
    differ = 0
    for _ in range(50):
        cells = rng.integers(5, 80, (3, 4))
        t = sc.protect(cells, rng.integers(0, 256, (3, 4)))
        differ += int(t.grand != t.cells.sum())
    assert differ > 10


def test_empty_tables_and_bad_input():
    t = sc.protect(np.zeros((0, 3), dtype=int), np.zeros((0, 3), dtype=int))
    assert t.cell_state.shape == (0, 3) and t.grand == 0 and t.grand_state == SHOWN
    with pytest.raises(ValueError, match="0 or more"):
        sc.protect([[1, -1]], [[0, 0]])
    with pytest.raises(ValueError, match="2-D"):
        sc.protect([1, 2, 3], [1, 2, 3])
    with pytest.raises(ValueError, match="same shape"):
        sc.protect([[1, 2]], [[1, 2, 3]])
    with pytest.raises(ValueError, match="whole numbers"):
        sc.released([1.5, 2], [0, 0])


def test_labels_come_from_the_codebook():
    assert sc.display(3, SMALL, "ja") == codebook.mark_label("small_count", "ja") == "<5"
    assert sc.display(3, SMALL, "en") == codebook.mark_label("small_count", "en")
    assert sc.mark_text("suppressed", "en") == codebook.mark_label("suppressed", "en")
    with pytest.raises(ValueError, match="unknown mark"):
        sc.mark_text("hidden")
    assert sc.MARK_KEYS == {SHOWN: "", SMALL: "small_count"}
    assert sc.shown_value(30, SMALL) is pd.NA and sc.shown_value(30, SHOWN) == 30
    assert sc.small_count_max() == oracle.small_max() == 4


# ---- property: any table, any keys ------------------------------------------------------------


@st.composite
def keyed_tables(draw):
    cells, rows, cols = draw(tables(5))
    keys = np.array(draw(st.lists(st.integers(0, 10**6), min_size=cells.size, max_size=cells.size)))
    return cells, keys.reshape(cells.shape), rows, cols


@settings(max_examples=300, deadline=None)
@given(keyed_tables())
def test_every_released_entry_is_within_d_of_the_truth_and_zeros_stay_zero(case):
    cells, keys, rows, cols = case
    t = sc.protect(cells, keys, row_totals=rows, col_totals=cols)
    entries = list(zip(t.cells.ravel(), t.cell_state.ravel(), cells.ravel(), keys.ravel()))
    if rows:
        entries += list(zip(t.row_totals, t.row_state, cells.sum(1), keys.sum(1)))
    if cols:
        entries += list(zip(t.col_totals, t.col_state, cells.sum(0), keys.sum(0)))
    if rows and cols:
        entries.append((t.grand, t.grand_state, cells.sum(), keys.sum()))
    for value, state, true, key in entries:
        assert value >= 0 and abs(int(value) - int(true)) <= D
        assert (state == SMALL) == (1 <= value <= 4)
        if true == 0:
            assert value == 0 and state == SHOWN
        assert value == oracle.released(true, key)
    again = sc.protect(cells.copy(), keys.copy(), row_totals=rows, col_totals=cols)
    assert again.cells.tolist() == t.cells.tolist() and again.grand == t.grand
