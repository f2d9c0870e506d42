"""Counts of one measure per month and per month × group of each breakdown, with the record-key
sums beside them, and the tables of the activity page read out of them.

Every figure of a table — a month, a fiscal year, the period, each of one group or of every group —
is a sum of activity rows: its count and its cell key (Σ record keys) are the sums of those of its
months and groups, and it is released perturbed by the cell-key method (queries.small_counts). The
same figure in two tables is the same rows, so the same key and the same noise: the monthly, the
fiscal-year and the per-district tables agree wherever they show the same figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from queries import small_counts


class LinkedCounts:
    """month_totals / month_keys: count and key sum of each month of the period (every group);
    by_group: for each breakdown, (group keys, counts months × groups, key sums months × groups)
    whose rows sum to the month totals; fiscal_year_of_month: the 年度 of each month."""

    def __init__(
        self,
        month_totals: Sequence[int],
        month_keys: Sequence[int],
        by_group: Mapping[str, tuple[Sequence, np.ndarray, np.ndarray]],
        fiscal_year_of_month: Sequence[int],
    ):
        self.month_totals = np.asarray(month_totals, dtype=np.int64).reshape(-1)
        self.month_keys = np.asarray(month_keys, dtype=np.int64).reshape(-1)
        n = len(self.month_totals)
        if len(fiscal_year_of_month) != n or len(self.month_keys) != n:
            raise ValueError("one fiscal year and one key sum per month are needed")
        self.groups: dict[str, list] = {}
        self.counts: dict[str, np.ndarray] = {}
        self.keys: dict[str, np.ndarray] = {}
        for by, (keys, matrix, key_matrix) in by_group.items():
            matrix = np.asarray(matrix, dtype=np.int64).reshape(n, len(keys))
            if not np.array_equal(matrix.sum(axis=1), self.month_totals):
                raise ValueError(f"the groups of {by!r} do not add up to the month totals")
            self.groups[by] = list(keys)
            self.counts[by] = matrix
            self.keys[by] = np.asarray(key_matrix, dtype=np.int64).reshape(n, len(keys))
        self.fiscal_years = sorted(set(int(f) for f in fiscal_year_of_month))
        fy = np.asarray(list(fiscal_year_of_month), dtype=np.int64)
        # rows × months: which months each fiscal year sums
        self._fy_rows = (fy[None, :] == np.array(self.fiscal_years, dtype=np.int64)[:, None]).astype(np.int64)

    def _table(self, rows: np.ndarray, by: str | None) -> small_counts.ProtectedTable:
        """rows: (table rows × months) 0/1 matrix of the months each row sums."""
        if by is None:
            return self._column(rows @ self.month_totals, rows @ self.month_keys)
        return small_counts.protect(rows @ self.counts[by], rows @ self.keys[by])

    def _column(self, counts: np.ndarray, key_sums: np.ndarray) -> small_counts.ProtectedTable:
        """One column of counts released, with the period's grand total under it."""
        values, state = small_counts.released(counts, key_sums)
        grand = small_counts.released([self.month_totals.sum()], [self.month_keys.sum()])
        return small_counts.ProtectedTable(
            cells=values.reshape(-1, 1),
            cell_state=state.reshape(-1, 1),
            row_totals=None,
            row_state=None,
            col_totals=grand[0],
            col_state=grand[1],
            grand=None,
            grand_state=None,
        )

    def by_month(self, by: str | None = None) -> small_counts.ProtectedTable:
        """Months × groups of `by` (or one column when None), with the margins the pages show."""
        return self._table(np.eye(len(self.month_totals), dtype=np.int64), by)

    def by_fiscal_year(self, by: str | None = None) -> small_counts.ProtectedTable:
        """Fiscal years × groups of `by`: each cell the sum of its months."""
        return self._table(self._fy_rows, by)

    def over_period(self, by: str) -> small_counts.ProtectedTable:
        """Groups of `by` over the whole period as one column, with the total under it."""
        return self._column(self.counts[by].sum(axis=0), self.keys[by].sum(axis=0))
