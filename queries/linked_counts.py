"""One small-count protection for every table cut from the same counts over the same period.

The activity page shows, for one measure and period, a month × group table with its margins, the
fiscal years × group (each cell a sum of months), and the totals per district beside rates and
need. Those tables share figures: a group's total over the period, a fiscal year's total, the grand
total, and a fiscal year equal to the whole period when only one is kept. Protected one by one they
could mask a figure in one table and show it in another. Here every figure is one entry, named by
what it sums — a set of months and one group of one breakdown, or every group — so a figure that
appears in several tables is a single entry with a single state, and every sum a reader can see in
any of the tables is one equation of one call to small_counts.protect_sums.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from queries import small_counts

# A figure: (frozenset of month positions, (breakdown, group key) or None for every group).
_Key = tuple[frozenset, tuple | None]


class LinkedCounts:
    """Counts of one measure per month, per month × group of each breakdown, protected together.

    month_totals: the count of each month of the period (every group). by_group: for each
    breakdown, (group keys, matrix months × groups) whose rows sum to month_totals.
    fiscal_year_of_month: the fiscal year of each month (rows of the fiscal-year table).
    """

    def __init__(self, month_totals: Sequence[int], by_group: Mapping[str, tuple[Sequence, np.ndarray]],
                 fiscal_year_of_month: Sequence[int]):
        self.month_totals = np.asarray(month_totals, dtype=np.int64).reshape(-1)
        n = len(self.month_totals)
        if len(fiscal_year_of_month) != n:
            raise ValueError("one fiscal year per month is needed")
        self.groups = {}
        self.counts = {}
        for by, (keys, matrix) in by_group.items():
            matrix = np.asarray(matrix, dtype=np.int64).reshape(n, len(keys))
            if not np.array_equal(matrix.sum(axis=1), self.month_totals):
                raise ValueError(f"the groups of {by!r} do not add up to the month totals")
            self.groups[by] = list(keys)
            self.counts[by] = matrix
        self.fiscal_years = sorted(set(int(f) for f in fiscal_year_of_month))
        self.fy_months = {f: frozenset(i for i, g in enumerate(fiscal_year_of_month) if g == f)
                          for f in self.fiscal_years}
        self.period = frozenset(range(n))
        # Every figure is a sum over one of the month sets (a month, a fiscal year, the period) of
        # every group or of one group of one breakdown (a "split"). Each split has the same figures
        # and the same sums among them, so both are laid out once as a template over the month sets
        # and repeated per split: figure (split k, template position j) is entry k * T + j.
        template, lines = self._template()
        self._set_pos = {m: j for j, m in enumerate(template)}
        self._splits = [None] + [(by, g) for by in self.groups if len(self.groups[by]) > 1
                                 for g in self.groups[by]]
        self._split_pos = {g: k for k, g in enumerate(self._splits)}
        rows = [sorted(m) for m in template]

        def set_sums(m: np.ndarray) -> np.ndarray:
            return np.stack([m[r].sum(axis=0) for r in rows])

        parts = [set_sums(self.month_totals)]
        for by, keys in self.groups.items():
            if len(keys) > 1:
                parts.append(set_sums(self.counts[by]).T.reshape(-1))
        self.values = np.concatenate(parts).astype(np.int64)
        self.state = small_counts.protect_sums(self.values, self._sums(template, lines))

    # ---- figures and the sums among them --------------------------------------------------

    def _canonical(self, months: frozenset, group) -> _Key:
        # A breakdown with one group only splits nothing: its one group is every group.
        if group is not None and len(self.groups[group[0]]) == 1:
            group = None
        return (months, group)

    def _entry(self, months: frozenset, group=None) -> int:
        months, group = self._canonical(months, group)
        if months not in self._set_pos or group not in self._split_pos:
            raise KeyError(f"{(months, group)} is not one of the protected figures")
        return self._split_pos[group] * len(self._set_pos) + self._set_pos[months]

    def _month_sets(self) -> list[frozenset]:
        """Rows of the tables: each month, each fiscal year, the period (each set once)."""
        sets = [frozenset([i]) for i in sorted(self.period)] + list(self.fy_months.values()) + [self.period]
        return list(dict.fromkeys(sets))

    def _template(self) -> tuple[list[frozenset], list[tuple[tuple[int, ...], int]]]:
        """The month sets of one split in the order its figures are numbered, and the sums among
        them as (member positions, total position): months within a fiscal year, fiscal years
        within the period, months within the period (each sum once, none of one member equal to
        its total)."""
        pos: dict[frozenset, int] = {}

        def at(months: frozenset) -> int:
            if months not in pos:
                pos[months] = len(pos)
            return pos[months]

        sums = {}

        def add(members: list[int], total: int):
            members = tuple(sorted(members))
            if members and members != (total,):
                sums[(members, total)] = None

        for fy in self.fy_months.values():
            add([at(frozenset([i])) for i in fy], at(fy))
        add([at(fy) for fy in self.fy_months.values()], at(self.period))
        add([at(frozenset([i])) for i in self.period], at(self.period))
        return list(pos), list(sums)

    def _sums(self, template: list[frozenset], lines) -> list[tuple[tuple[int, ...], int]]:
        """Every sum a reader can see: the template's sums within each split, then for each
        breakdown and month set the groups adding up to the set's total."""
        size = len(template)
        out = []
        for k in range(len(self._splits)):
            base = k * size
            out += [(tuple(base + m for m in members), base + total) for members, total in lines]
        for by, keys in self.groups.items():
            if len(keys) < 2:
                continue
            first = self._split_pos[(by, keys[0])]
            for months in self._month_sets():      # the groups of each row add up to the row's total
                j = self._set_pos[months]
                out.append((tuple((first + i) * size + j for i in range(len(keys))), j))
        return out

    # ---- tables read out of the one decision ----------------------------------------------

    def _table(self, row_sets: list[frozenset], by: str | None) -> small_counts.ProtectedTable:
        if by is None:
            cells = [[self._entry(s)] for s in row_sets]
            col = [self._entry(self.period)]
            return self._protected(cells, 1, None, col, None)
        keys = self.groups[by]
        cells = [[self._entry(s, (by, g)) for g in keys] for s in row_sets]
        rows = [self._entry(s) for s in row_sets]
        cols = [self._entry(self.period, (by, g)) for g in keys]
        return self._protected(cells, len(keys), rows, cols, self._entry(self.period))

    def _protected(self, cells, width: int, rows, cols, grand) -> small_counts.ProtectedTable:
        idx = np.array(cells, dtype=np.int64).reshape(len(cells), width)

        def pick(keys):
            if keys is None:
                return None, None
            keys = np.array(keys, dtype=np.int64)
            return self.values[keys], self.state[keys]

        (row_values, row_state), (col_values, col_state) = pick(rows), pick(cols)
        return small_counts.ProtectedTable(
            cells=self.values[idx], cell_state=self.state[idx],
            row_totals=row_values, row_state=row_state, col_totals=col_values, col_state=col_state,
            grand=None if grand is None else int(self.values[grand]),
            grand_state=None if grand is None else int(self.state[grand]),
        )

    def by_month(self, by: str | None = None) -> small_counts.ProtectedTable:
        """Months × groups of `by` (or one column when None), with the margins the pages show."""
        return self._table([frozenset([i]) for i in sorted(self.period)], by)

    def by_fiscal_year(self, by: str | None = None) -> small_counts.ProtectedTable:
        """Fiscal years × groups of `by`: each cell the sum of its months."""
        return self._table([self.fy_months[f] for f in self.fiscal_years], by)

    def over_period(self, by: str) -> small_counts.ProtectedTable:
        """Groups of `by` over the whole period as one column, with the total under it."""
        return self._protected([[self._entry(self.period, (by, g))] for g in self.groups[by]], 1,
                               None, [self._entry(self.period)], None)
