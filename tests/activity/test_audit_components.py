"""The linear audit of queries.small_counts runs per connected component of the masked entries and
never builds an unbounded dense matrix; the states it decides are those of the whole-table
elimination it replaced, and the line rules that re-read only changed lines decide those of
reading every line in every pass (both kept here as references)."""
from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from queries import small_counts as sc
from queries.linked_counts import LinkedCounts
from queries.small_counts import SHOWN

from .strategies import tables, values


def whole_table_determined(state, lines, **_ignored):
    """The audit as it was: one dense matrix of every line × every masked entry."""
    unknown = np.flatnonzero(state != SHOWN)
    if unknown.size == 0:
        return unknown
    col = {int(u): k for k, u in enumerate(unknown)}
    rows = []
    for line in lines:
        coef = np.zeros(unknown.size)
        for m in line.members:
            if m in col:
                coef[col[m]] += 1.0
        if line.total in col:
            coef[col[line.total]] -= 1.0
        if coef.any():
            rows.append(coef)
    if not rows:
        return np.array([], dtype=np.int64)
    return unknown[sc._unit_rows_of_rref(np.vstack(rows))]


def whole_table_audit():
    """A context in which small_counts audits with the whole-table reference."""
    return mock.patch.object(sc, "determined", whole_table_determined)


class EveryLineEveryPass:
    """The line rules as they were: each pass reads every line, in order."""

    def __init__(self, values, lines, small_max, guard_hidden):
        self.values, self.lines, self.small_max, self.guard_hidden = values, lines, small_max, guard_hidden

    def apply(self, state) -> bool:
        changed = False
        for line in self.lines:
            if sc._line_acts(self.values, state, line, self.small_max, self.guard_hidden):
                changed |= sc._hide_one_more(self.values, state, line)
        return changed


def every_line_every_pass():
    """A context in which small_counts reads every line in every pass of the line rules."""
    return mock.patch.object(sc, "_LineRules", EveryLineEveryPass)


REFERENCES = {"whole_table_audit": whole_table_audit, "every_line_every_pass": every_line_every_pass}


def _states(t: sc.ProtectedTable):
    parts = [t.cell_state.reshape(-1)]
    parts += [s for s in (t.row_state, t.col_state) if s is not None]
    return np.concatenate(parts).tolist() + [t.grand_state]


@pytest.mark.parametrize("reference", ["whole_table_audit", "every_line_every_pass"])
@settings(max_examples=300, deadline=None)
@given(table=tables(7))
def test_protect_decides_the_same_states_as_the_reference(reference, table):
    cells, rows, cols = table
    new = sc.protect(cells, row_totals=rows, col_totals=cols)
    with REFERENCES[reference]():
        old = sc.protect(cells, row_totals=rows, col_totals=cols)
    assert _states(new) == _states(old)


@st.composite
def linked(draw):
    months = draw(st.integers(1, 15))
    fy = sorted(draw(st.lists(st.integers(2023, 2025), min_size=months, max_size=months)))
    mats = {}
    for by in ("field", "org"):
        k = draw(st.integers(1, 6))
        mats[by] = np.array(draw(st.lists(st.lists(values, min_size=k, max_size=k), min_size=months,
                                          max_size=months)), dtype=np.int64)
    totals = np.maximum(mats["field"].sum(axis=1), mats["org"].sum(axis=1))
    for m in mats.values():          # both breakdowns add up to the month totals
        m[:, 0] += totals - m.sum(axis=1)
    return totals, {b: ([str(i) for i in range(m.shape[1])], m) for b, m in mats.items()}, fy


@pytest.mark.parametrize("reference", ["whole_table_audit", "every_line_every_pass"])
@settings(max_examples=150, deadline=None)
@given(case=linked())
def test_linked_tables_decide_the_same_states_as_the_reference(reference, case):
    totals, by_group, fy = case
    new = LinkedCounts(totals, by_group, fy).state
    with REFERENCES[reference]():
        old = LinkedCounts(totals, by_group, fy).state
    assert new.tolist() == old.tolist()


@settings(max_examples=200, deadline=None)
@given(tables(7), st.integers(0, 2**32 - 1))
def test_determined_matches_the_whole_table_on_random_masks(table, seed):
    cells, rows, cols = table
    layout = sc._Layout(cells.shape, rows, cols)
    rng = np.random.default_rng(seed)
    state = rng.choice([SHOWN, sc.SMALL, sc.HIDDEN], size=layout.size, p=[0.5, 0.3, 0.2]).astype(np.int8)
    assert sc.determined(state, layout.lines).tolist() == whole_table_determined(state, layout.lines).tolist()
    cache: dict = {}
    first = sc.determined(state, layout.lines, cache=cache)
    assert sc.determined(state, layout.lines, cache=cache).tolist() == first.tolist()


def test_separate_groups_are_eliminated_apart_and_a_big_one_is_refused():
    # Two blocks of masked cells in separate rows and columns: two components, each small.
    layout = sc._Layout((4, 4), True, True)
    state = np.full(layout.size, SHOWN, dtype=np.int8)
    state[[0, 1, 4, 5, 10, 11, 14, 15]] = sc.SMALL     # cells (0..1, 0..1) and (2..3, 2..3)
    comps = sc._components(sc._equations(state, layout.lines))
    assert [c for c, _ in comps] == [[0, 1, 4, 5], [10, 11, 14, 15]]
    # Each component's matrix is 4 lines × 4 entries: 16 cells fit, 15 do not.
    sc.determined(state, layout.lines, max_cells=16)
    with pytest.raises(sc.AuditTooLarge, match="too many linked masked cells"):
        sc.determined(state, layout.lines, max_cells=15)


def test_a_huge_linked_table_is_refused_before_any_large_allocation(monkeypatch):
    # A month × organisation table where every cell is "<5": one component of every cell.
    monkeypatch.setattr(sc, "audit_max_cells", lambda: 10_000)
    cells = np.full((24, 300), 2, dtype=np.int64)
    with pytest.raises(sc.AuditTooLarge):
        sc.protect(cells)
