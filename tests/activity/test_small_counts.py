"""Small-count masking and complementary suppression, checked against independent reasoning."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings

from queries import small_counts as sc
from queries.small_counts import HIDDEN, SHOWN, SMALL

from .strategies import tables


# ---- an independent view of a protected table: entries, lines and what a reader can work out ----

def entries(t: sc.ProtectedTable):
    """{name: (value, state)} for every cell and margin shown with the table."""
    out = {}
    r, c = t.cells.shape
    for i, j in itertools.product(range(r), range(c)):
        out[("cell", i, j)] = (int(t.cells[i, j]), int(t.cell_state[i, j]))
    if t.row_totals is not None:
        for i in range(r):
            out[("row", i)] = (int(t.row_totals[i]), int(t.row_state[i]))
    if t.col_totals is not None:
        for j in range(c):
            out[("col", j)] = (int(t.col_totals[j]), int(t.col_state[j]))
    if t.grand is not None:
        out[("grand",)] = (int(t.grand), int(t.grand_state))
    return out


def lines(t: sc.ProtectedTable):
    """(members, total) for every sum a reader sees."""
    r, c = t.cells.shape
    out = []
    if t.row_totals is not None:
        out += [([("cell", i, j) for j in range(c)], ("row", i)) for i in range(r)]
    if t.col_totals is not None:
        out += [([("cell", i, j) for i in range(r)], ("col", j)) for j in range(c)]
    if t.grand is not None:
        out.append(([("row", i) for i in range(r)], ("grand",)))
        out.append(([("col", j) for j in range(c)], ("grand",)))
    return out


def linearly_fixed(t: sc.ProtectedTable):
    """Masked entries whose value follows from the sums alone: e_k lies in the row space."""
    e = entries(t)
    unknown = [k for k, (_, s) in e.items() if s != SHOWN]
    pos = {k: n for n, k in enumerate(unknown)}
    rows = []
    for members, total in lines(t):
        coef = np.zeros(len(unknown))
        for m in members:
            if m in pos:
                coef[pos[m]] = 1
        if total in pos:
            coef[pos[total]] = -1
        if coef.any():
            rows.append(coef)
    if not rows:
        return set()
    a = np.array(rows)
    base = np.linalg.matrix_rank(a)
    fixed = set()
    for k, n in pos.items():
        unit = np.zeros(len(unknown))
        unit[n] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == base:
            fixed.add(k)
    return fixed


def pinned_in_a_line(t: sc.ProtectedTable):
    """"<5" entries that one line's total and the known ranges (1–4 for "<5", 5+ for hidden) fix."""
    e = entries(t)
    out = set()
    for members, total in lines(t):
        if e[total][1] != SHOWN:
            continue
        masked = [m for m in members if e[m][1] != SHOWN]
        rest = e[total][0] - sum(e[m][0] for m in members if e[m][1] == SHOWN)
        ranges = {m: (1, 4) if e[m][1] == SMALL else (5, rest) for m in masked}
        for m in masked:
            if e[m][1] != SMALL:
                continue
            others_lo = sum(ranges[o][0] for o in masked if o != m)
            others_hi = sum(ranges[o][1] for o in masked if o != m)
            possible = [v for v in range(1, 5) if others_lo <= rest - v <= others_hi]
            if len(possible) < 2:
                out.add(m)
    return out


# ---- hand-made tables ---------------------------------------------------------------------

def test_counts_one_to_four_show_as_less_than_five_and_zero_stays_zero():
    t = sc.protect([[0, 1, 2, 3, 4, 5, 60]], row_totals=False, col_totals=False)
    assert [sc.display(v, s) for v, s in zip(t.cells[0], t.cell_state[0])] == \
        ["0", "<5", "<5", "<5", "<5", "5", "60"]
    assert sc.display(1234, SHOWN) == "1,234"


def test_one_masked_cell_in_a_row_hides_the_next_smallest_non_zero_one():
    t = sc.protect([[2, 0, 9, 7, 30]], row_totals=True, col_totals=False)
    assert list(t.cell_state[0]) == [SMALL, SHOWN, SHOWN, HIDDEN, SHOWN]
    assert t.row_state[0] == SHOWN


def test_a_line_whose_total_pins_the_small_count_gets_one_more_hidden():
    # 1 + x = 6 with x hidden (so 5 or more) would give away 1 and 5.
    t = sc.protect([[1, 5, 30]], row_totals=True, col_totals=False)
    assert list(t.cell_state[0]) == [SMALL, HIDDEN, HIDDEN]
    # two "<5" cells summing to 2 must both be 1.
    t = sc.protect([[1, 1, 30]], row_totals=True, col_totals=False)
    assert list(t.cell_state[0]) == [SMALL, SMALL, HIDDEN]


def test_a_total_of_one_to_four_is_masked_and_protected_in_the_margin():
    t = sc.protect([[3, 0], [20, 9]])
    assert t.row_state[0] == SMALL
    assert t.col_state[0] != SHOWN or t.cell_state[1, 0] != SHOWN
    assert pinned_in_a_line(t) == set()
    assert not any(e[1] == SMALL for k, e in entries(t).items() if k in linearly_fixed(t))


def test_a_single_cell_with_its_total_hides_the_total():
    # one masked cell and nothing else non-zero in the line: only hiding the total protects it.
    t = sc.protect([[0], [40], [0]], row_totals=True, col_totals=False)
    assert list(t.cell_state[:, 0]) == [SHOWN] * 3
    t = sc.protect([[2, 0, 0]], row_totals=True, col_totals=False)
    assert t.row_state[0] == SMALL and t.cell_state[0, 0] == SMALL


def test_a_bridge_between_two_hidden_groups_is_caught_by_the_linear_audit():
    # Two 2×2 blocks of "<5" cells each protect themselves by the line rule, but a lone small cell
    # joining them (row 1, column 2) would be fixed by the row and column sums taken together.
    cells = np.full((4, 4), 50)
    cells[0:2, 0:2] = 2
    cells[2:4, 2:4] = 3
    t = sc.protect(cells)
    assert linearly_fixed(t).isdisjoint({k for k, (_, s) in entries(t).items() if s == SMALL})
    fixed = sc.determined(np.array([0]), [])
    assert fixed.size == 0


def test_empty_tables_and_bad_input():
    t = sc.protect(np.zeros((0, 3), dtype=int))
    assert t.cell_state.shape == (0, 3) and t.grand == 0 and t.grand_state == SHOWN
    with pytest.raises(ValueError, match="0 or more"):
        sc.protect([[1, -1]])
    with pytest.raises(ValueError, match="2-D"):
        sc.protect([1, 2, 3])
    with pytest.raises(ValueError, match="whole numbers"):
        sc.protect([[1.5, 2]])


def test_labels_come_from_the_codebook():
    from data import codebook
    assert sc.display(3, SMALL, "ja") == codebook.mark_label("small_count", "ja") == "<5"
    assert sc.display(30, HIDDEN, "ja") == codebook.mark_label("suppressed", "ja")
    assert sc.display(30, HIDDEN, "en") == codebook.mark_label("suppressed", "en")
    assert sc.shown_value(30, HIDDEN) is pd_na() and sc.shown_value(30, SHOWN) == 30


def pd_na():
    import pandas as pd
    return pd.NA


# ---- property: after protection nothing masked can be worked out -----------------------------

@settings(max_examples=400, deadline=None)
@given(tables(5))
def test_no_masked_cell_can_be_recovered(table):
    cells, rows, cols = table
    t = sc.protect(cells, row_totals=rows, col_totals=cols)
    e = entries(t)
    # primary masking: exactly the entries 1–4; zeros are shown; totals are true sums.
    for key, (v, s) in e.items():
        assert (s == SMALL) == (1 <= v <= 4), key
        if v == 0:
            assert s == SHOWN
    if rows:
        assert list(t.row_totals) == list(cells.sum(axis=1))
    if cols:
        assert list(t.col_totals) == list(cells.sum(axis=0))
    # every line with a masked member has 0 or at least 2 of them, or its total masked.
    for members, total in lines(t):
        n_masked = sum(e[m][1] != SHOWN for m in members)
        assert n_masked != 1 or e[total][1] != SHOWN, (members, total)
    # no "<5" entry follows from the sums, alone or combined, nor from a line and the ranges.
    small = {k for k, (_, s) in e.items() if s == SMALL}
    assert small.isdisjoint(linearly_fixed(t))
    assert pinned_in_a_line(t) == set()
