"""Count tables as members see them: every count perturbed by the cell-key method, small ones as "<5".

The contract (extract_format.md, section 3): member-facing views show counts 1–4 as "<5", and no
hidden count may be worked out by subtraction from totals shown in the same or any other view.
Each count of a table — a cell, a row or column total, the grand total — is released as its
perturbed value (queries.cellkey with the activity ptable, the cell key being the sum of its
records' keys), and a released value from 1 to 4 is shown only as "<5". A total is perturbed as a
cell of its own, not summed from perturbed cells: the cells need not add up to it, and the
difference between a total and the other cells carries the noise of each (the users are told so).

This replaced complementary suppression (hiding further cells until no hidden one could be solved
for from the totals shown, audited by linear algebra over every linked table). That protected one
set of linked tables at a time, could not see a table the user makes with another filter, and cost
minutes on large tables; with consistent noise on every count the subtraction it guarded against
no longer gives back a hidden value (tests/disclosure measures it), so it is gone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data import codebook
from queries import cellkey

SHOWN, SMALL = 0, 1
MARK_KEYS = {SHOWN: "", SMALL: "small_count"}


def small_count_max() -> int:
    """Released counts from 1 to this number are shown as "<5"."""
    return int(codebook.estimation()["activity_small_count_max"])


class TableTooLarge(ValueError):
    """A table the query layer refuses to draw (too many groups): callers offer a coarser breakdown."""


@dataclass(frozen=True)
class ProtectedTable:
    """Released (perturbed) values and states (SHOWN, SMALL) of a table and the margins shown with it.

    row_totals/col_totals (and their states) are None when that margin is not shown; grand is None
    unless both margins are shown.
    """

    cells: np.ndarray
    cell_state: np.ndarray
    row_totals: np.ndarray | None
    row_state: np.ndarray | None
    col_totals: np.ndarray | None
    col_state: np.ndarray | None
    grand: int | None
    grand_state: int | None


def released(values, key_sums) -> tuple[np.ndarray, np.ndarray]:
    """(released counts, states) of counts with their record-key sums: perturbed with the activity
    ptable, SMALL where the released count is 1..small_count_max()."""
    values = np.asarray(values)
    if values.size and not np.all(np.mod(values, 1) == 0):
        raise ValueError("counts must be whole numbers")
    if (values < 0).any():
        raise ValueError("counts must be 0 or more")
    out = cellkey.perturb(values, key_sums, cellkey.ACTIVITY)
    state = np.where((out >= 1) & (out <= small_count_max()), SMALL, SHOWN).astype(np.int8)
    return out, state


def protect(cells, keys, *, row_totals: bool = True, col_totals: bool = True) -> ProtectedTable:
    """A 2-D table of counts and the record-key sums of its cells, with the margins asked for,
    each released count perturbed (margins as cells of their own: their sums and key sums)."""
    arr = np.asarray(cells)
    key = np.asarray(keys, dtype=np.int64)
    if arr.ndim != 2 or key.shape != arr.shape:
        raise ValueError("cells and keys must be 2-D tables of the same shape")
    arr = arr.astype(np.int64)
    rows = released(arr.sum(axis=1), key.sum(axis=1)) if row_totals else (None, None)
    cols = released(arr.sum(axis=0), key.sum(axis=0)) if col_totals else (None, None)
    grand = released([arr.sum()], [key.sum()]) if row_totals and col_totals else None
    values, state = released(arr, key)
    return ProtectedTable(
        cells=values,
        cell_state=state,
        row_totals=rows[0],
        row_state=rows[1],
        col_totals=cols[0],
        col_state=cols[1],
        grand=None if grand is None else int(grand[0][0]),
        grand_state=None if grand is None else int(grand[1][0]),
    )


def display(value, state: int, lang: str = "ja") -> str:
    """The text of one released count as members see it: the number or "<5"."""
    if state == SHOWN:
        return f"{int(value):,}"
    return mark_text(MARK_KEYS[state], lang)


def mark_text(mark: str, lang: str = "ja") -> str:
    """The text shown for a mark key ("small_count" or "suppressed") in place of a number."""
    if mark not in ("small_count", "suppressed"):
        raise ValueError(f"unknown mark {mark!r}")
    return codebook.mark_label(mark, lang)


def shown_value(value, state: int):
    """The number for charts: the released count where shown, <NA> where "<5"."""
    return int(value) if state == SHOWN else pd.NA
