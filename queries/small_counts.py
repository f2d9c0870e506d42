"""Small-count masking and complementary suppression for count tables shown with totals.

The contract (extract_format.md, section 3): member-facing views show counts 1–4 as "<5" and hide
any further cell from which a hidden one could be worked out by subtraction from a total shown
beside it. `protect(cells)` decides, for a table of non-negative counts and the margins shown with
it, which cells are shown, which are small counts ("<5", primary) and which are hidden to protect
them (complementary, secondary). Zeros always stay shown.

A table is a set of *lines*: each row with its row total, each column with its column total, and,
when both margins are shown, the column of row totals and the row of column totals with the grand
total. Each line is an equation (members sum to the total). The rules, applied until nothing changes:

1. Line rule: a line whose total is shown must have 0 or at least 2 masked members; where it has
   exactly one, the smallest non-zero shown member is hidden too (the total itself if none is left).
2. Range rule: within a line with a shown total, every "<5" member is known to lie in 1–4 and every
   complementary one in 5 or more; if those bounds and the total pin a "<5" member to one value
   (e.g. two "<5" cells in a line whose remaining total is 2), another member is hidden.
3. Linear audit: over the whole table, a "<5" cell whose value is fixed by the line equations taken
   together (e.g. a cell joining two otherwise separate groups of hidden cells) gets a further
   member of one of its lines hidden.
Rule 3 catches exact recovery by any combination of sums; it does not search for every narrowing of
a range that combining several lines with the bounds could give (that needs linear programming).

`protect_sums(values, sums)` applies the same rules to any set of counts and sums among them, for
figures shown in several tables at once (a month × group table, the fiscal years that sum its
months, the group totals shown elsewhere): one decision for all, so a figure masked in one table is
masked in every other. There the audit also keeps every complementary cell from being worked out.
"""
from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data import codebook

SHOWN, SMALL, HIDDEN = 0, 1, 2
MARK_KEYS = {SHOWN: "", SMALL: "small_count", HIDDEN: "suppressed"}


def small_count_max() -> int:
    """Counts from 1 to this number are shown as "<5"."""
    return int(codebook.estimation()["activity_small_count_max"])


@dataclass(frozen=True)
class ProtectedTable:
    """Values and disclosure states (SHOWN, SMALL, HIDDEN) of a table and the margins shown with it.

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


def protect(cells, *, row_totals: bool = True, col_totals: bool = True) -> ProtectedTable:
    """Mask small counts in a 2-D table of counts and apply complementary suppression.

    cells: array-like of non-negative integers (rows × columns). row_totals / col_totals say which
    margins are shown with the table; the grand total is shown when both are.
    """
    arr = np.asarray(cells)
    if arr.ndim != 2:
        raise ValueError(f"cells must be a 2-D table, got {arr.ndim} dimension(s)")
    if arr.size and (not np.issubdtype(arr.dtype, np.integer) and not np.all(np.mod(arr, 1) == 0)):
        raise ValueError("cells must be whole numbers")
    arr = arr.astype(np.int64)
    if (arr < 0).any():
        raise ValueError("cells must be counts (0 or more)")
    layout = _Layout(arr.shape, row_totals, col_totals)
    values = layout.flatten(arr)
    state = _protect_flat(values, layout.lines, small_count_max())
    return layout.unflatten(arr, values, state)


def protect_sums(values, sums) -> np.ndarray:
    """Disclosure states (SHOWN, SMALL, HIDDEN) of linked counts shown together in several tables.

    values: 1-D non-negative integer counts; sums: (members, total) pairs of indices into values,
    each a sum a reader can see (values[total] == the sum of values[members]). Entries that are the
    same figure in two tables must be one entry here, so they get one state.
    """
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"values must be 1-D, got {arr.ndim} dimension(s)")
    if arr.size and (not np.issubdtype(arr.dtype, np.integer) and not np.all(np.mod(arr, 1) == 0)):
        raise ValueError("values must be whole numbers")
    arr = arr.astype(np.int64)
    if (arr < 0).any():
        raise ValueError("values must be counts (0 or more)")
    lines = []
    size, vals = arr.size, arr.tolist()     # Python ints: the checks below run per sum
    for members, total in sums:
        members = tuple(map(int, members))
        total = int(total)
        if not 0 <= total < size or (members and not (0 <= min(members) and max(members) < size)):
            raise ValueError(f"sum {members} -> {total} refers to an entry outside values")
        if total in members:
            raise ValueError(f"sum {members} -> {total} contains its own total")
        if sum(vals[m] for m in members) != vals[total]:
            raise ValueError(f"entry {total} ({arr[total]}) is not the sum of entries {members}")
        lines.append(_Line(members, total))
    return _protect_flat(arr, lines, small_count_max(), guard_hidden=True)


def display(value, state: int, lang: str = "ja") -> str:
    """The text of one count cell as members see it: the number, "<5" or the suppression mark."""
    if state == SHOWN:
        return f"{int(value):,}"
    return mark_text(MARK_KEYS[state], lang)


def mark_text(mark: str, lang: str = "ja") -> str:
    """The text shown for a mark key ("small_count" or "suppressed") in place of a number."""
    if mark not in ("small_count", "suppressed"):
        raise ValueError(f"unknown mark {mark!r}")
    return codebook.mark_label(mark, lang)


def shown_value(value, state: int):
    """The number for charts: the count where shown, <NA> where masked."""
    return int(value) if state == SHOWN else pd.NA


# ---- the table as lines over a flat vector ---------------------------------------------------

@dataclass(frozen=True)
class _Line:
    members: tuple[int, ...]
    total: int


class _Layout:
    """Flat indexing: cells row-major, then row totals, column totals, grand total (if shown)."""

    def __init__(self, shape: tuple[int, int], row_totals: bool, col_totals: bool):
        self.r, self.c = shape
        self.has_rows, self.has_cols = row_totals, col_totals
        self.has_grand = row_totals and col_totals
        n = self.r * self.c
        self.row_off = n
        n += self.r if row_totals else 0
        self.col_off = n
        n += self.c if col_totals else 0
        self.grand_idx = n if self.has_grand else None
        self.size = n + (1 if self.has_grand else 0)
        self.lines = self._lines()

    def cell(self, i: int, j: int) -> int:
        return i * self.c + j

    def _lines(self) -> list[_Line]:
        lines = []
        if self.has_rows:
            lines += [_Line(tuple(self.cell(i, j) for j in range(self.c)), self.row_off + i)
                      for i in range(self.r)]
        if self.has_cols:
            lines += [_Line(tuple(self.cell(i, j) for i in range(self.r)), self.col_off + j)
                      for j in range(self.c)]
        if self.has_grand:
            lines.append(_Line(tuple(self.row_off + i for i in range(self.r)), self.grand_idx))
            lines.append(_Line(tuple(self.col_off + j for j in range(self.c)), self.grand_idx))
        return lines

    def flatten(self, arr: np.ndarray) -> np.ndarray:
        parts = [arr.reshape(-1)]
        if self.has_rows:
            parts.append(arr.sum(axis=1))
        if self.has_cols:
            parts.append(arr.sum(axis=0))
        if self.has_grand:
            parts.append(np.array([arr.sum()]))
        return np.concatenate(parts).astype(np.int64)

    def unflatten(self, arr, values, state) -> ProtectedTable:
        n = self.r * self.c
        rs = slice(self.row_off, self.row_off + self.r)
        cs = slice(self.col_off, self.col_off + self.c)
        return ProtectedTable(
            cells=arr,
            cell_state=state[:n].reshape(self.r, self.c),
            row_totals=values[rs] if self.has_rows else None,
            row_state=state[rs] if self.has_rows else None,
            col_totals=values[cs] if self.has_cols else None,
            col_state=state[cs] if self.has_cols else None,
            grand=int(values[self.grand_idx]) if self.has_grand else None,
            grand_state=int(state[self.grand_idx]) if self.has_grand else None,
        )


# ---- the algorithm ---------------------------------------------------------------------------

def _protect_flat(values: np.ndarray, lines: list[_Line], small_max: int,
                  guard_hidden: bool = False) -> np.ndarray:
    """guard_hidden: the linear audit protects complementary cells too, not only the "<5" ones."""
    state = np.where((values >= 1) & (values <= small_max), SMALL, SHOWN).astype(np.int8)
    cache: dict = {}    # per component of the audit: lines are fixed, masking only grows
    rules = _LineRules(values, lines, small_max, guard_hidden)
    while True:
        if rules.apply(state):
            continue
        if not _apply_linear_audit(values, state, lines, guard_hidden, cache):
            return state


def _pick_one_more(values, state, line: _Line) -> int | None:
    """Hide the smallest non-zero shown member of the line (first on ties), else its total; the
    entry hidden, or None when nothing is left to hide."""
    candidates = [m for m in line.members if state[m] == SHOWN and values[m] > 0]
    if candidates:
        pick = min(candidates, key=lambda m: (values[m], m))
    elif state[line.total] == SHOWN and values[line.total] > 0:
        pick = line.total
    else:
        return None
    state[pick] = HIDDEN
    return pick


def _hide_one_more(values, state, line: _Line) -> bool:
    return _pick_one_more(values, state, line) is not None


def _line_acts(values, state, line: _Line, small_max: int, guard_hidden: bool) -> bool:
    """Whether the line rules hide one more entry of LINE."""
    if state[line.total] != SHOWN:
        # A masked total whose members are all shown is their sum: the audit would find it,
        # the line finds it cheaper.
        return guard_hidden and not any(state[m] != SHOWN for m in line.members)
    masked = [m for m in line.members if state[m] != SHOWN]
    return len(masked) == 1 or (len(masked) >= 2 and _range_pins_small(values, state, line, masked, small_max))


def _lines_of_entries(lines: list[_Line]) -> dict[int, list[int]]:
    """entry -> the indices of the lines it is a member or the total of."""
    sizes = [len(line.members) + 1 for line in lines]
    entries = np.fromiter(itertools.chain.from_iterable((*line.members, line.total) for line in lines),
                          dtype=np.int64, count=sum(sizes))
    owners = np.repeat(np.arange(len(lines)), sizes)
    order = np.argsort(entries, kind="stable")
    entries, owners = entries[order], owners[order]
    keys, starts = np.unique(entries, return_index=True)
    return dict(zip(keys.tolist(), (part.tolist() for part in np.split(owners, starts[1:]))))


class _LineRules:
    """Passes of the line rules over the lines in order, until one pass hides nothing.

    A line's rule reads only the states of its own entries. The first pass reads every line; later
    passes re-read only the lines with an entry whose state changed since the line was last read
    (by an earlier line of the same pass, by the previous pass or by the linear audit in between):
    the lines skipped would hide nothing, so the entries hidden, and their order, are those of
    reading every line in every pass.
    """

    def __init__(self, values, lines: list[_Line], small_max: int, guard_hidden: bool):
        self.values, self.lines, self.small_max, self.guard_hidden = values, lines, small_max, guard_hidden
        self._lines_of: dict[int, list[int]] | None = None   # built when first needed
        self.read: np.ndarray | None = None     # the states when the lines were last read
        self.next_pass: set[int] = set()

    def lines_of(self, entry: int) -> list[int]:
        if self._lines_of is None:
            self._lines_of = _lines_of_entries(self.lines)
        return self._lines_of.get(entry, [])

    def apply(self, state: np.ndarray) -> bool:
        """One pass; True when it hid an entry."""
        if self.read is None:
            changed = self._first_pass(state)
        else:
            for entry in np.flatnonzero(state != self.read).tolist():
                self.next_pass.update(self.lines_of(entry))
            changed = self._pass(state)
        self.read = state.copy()
        return changed

    def _acts(self, state, line: _Line) -> int | None:
        if _line_acts(self.values, state, line, self.small_max, self.guard_hidden):
            return _pick_one_more(self.values, state, line)
        return None

    def _first_pass(self, state) -> bool:
        hidden = [entry for line in self.lines if (entry := self._acts(state, line)) is not None]
        for entry in hidden:    # a superset of the lines to read again: reading more changes nothing
            self.next_pass.update(self.lines_of(entry))
        return bool(hidden)

    def _pass(self, state) -> bool:
        queue = sorted(self.next_pass)      # a sorted list is a heap
        queued = set(queue)
        self.next_pass = set()
        changed = False
        while queue:
            k = heapq.heappop(queue)
            queued.discard(k)
            hidden = self._acts(state, self.lines[k])
            if hidden is None:
                continue
            changed = True
            for j in self.lines_of(hidden):
                if j > k:           # still to come in this pass
                    if j not in queued:
                        heapq.heappush(queue, j)
                        queued.add(j)
                else:               # already read in this pass: the next one reads it again
                    self.next_pass.add(j)
        return changed


def _range_pins_small(values, state, line, masked, small_max) -> bool:
    """True when the line's total and the known ranges of its masked members fix a "<5" member."""
    rest = int(values[line.total]) - sum(int(values[m]) for m in line.members if state[m] == SHOWN)
    lo = {m: 1 if state[m] == SMALL else small_max + 1 for m in masked}
    hi = {m: small_max if state[m] == SMALL else np.inf for m in masked}
    lo_sum, hi_sum = sum(lo.values()), sum(hi.values())
    for m in masked:
        if state[m] != SMALL:
            continue
        low = max(lo[m], rest - (hi_sum - hi[m]))
        high = min(hi[m], rest - (lo_sum - lo[m]))
        if low >= high:
            return True
    return False


class TableTooLarge(ValueError):
    """A table the query layer refuses to protect, hence to show: callers offer a coarser breakdown."""


class AuditTooLarge(TableTooLarge):
    """A linked group of masked entries too large for the linear audit's dense matrix.

    Raised instead of allocating it: the audit of such a table would take more memory and time than
    a server has for one request. Nothing is shown; ask for fewer groups (a coarser breakdown).
    """

    def __init__(self, rows: int, cols: int, limit: int):
        self.rows, self.cols, self.limit = rows, cols, limit
        super().__init__(f"the disclosure audit would need a {rows:,} × {cols:,} matrix "
                         f"(limit {limit:,} cells): the table has too many linked masked cells")


def audit_max_cells() -> int:
    """The largest dense matrix (lines × masked entries) the linear audit may build for one group."""
    return int(codebook.estimation()["activity_audit_max_cells"])


def _equations(state: np.ndarray, lines: list[_Line]) -> list[dict[int, float]]:
    """Each line as an equation over the masked entries (flat index -> coefficient); lines with no
    masked entry carry no information and are left out."""
    masked = state != SHOWN
    out = []
    for line in lines:
        coef: dict[int, float] = {}
        for m in line.members:
            if masked[m]:
                coef[m] = coef.get(m, 0.0) + 1.0
        if masked[line.total]:
            coef[line.total] = coef.get(line.total, 0.0) - 1.0
        coef = {k: v for k, v in coef.items() if v != 0.0}
        if coef:
            out.append(coef)
    return out


def _components(equations: list[dict[int, float]]) -> list[tuple[list[int], list[int]]]:
    """Connected components of the masked entries, two entries linked when one equation holds
    both: (sorted entries, indices of the equations over them) per component, in order of the
    smallest entry. The equation matrix is block-diagonal over these, so an entry is fixed by all
    the equations exactly when it is fixed by its component's."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for eq in equations:
        keys = list(eq)
        for k in keys:
            parent.setdefault(k, k)
        r0 = find(keys[0])
        for k in keys[1:]:
            r = find(k)
            if r != r0:
                parent[r] = r0
    cols: dict[int, list[int]] = {}
    for k in parent:
        cols.setdefault(find(k), []).append(k)
    rows: dict[int, list[int]] = {}
    for i, eq in enumerate(equations):
        rows.setdefault(find(next(iter(eq))), []).append(i)
    comps = [(sorted(c), rows[root]) for root, c in cols.items()]
    return sorted(comps, key=lambda c: c[0][0])


def determined(state: np.ndarray, lines: list[_Line], *, max_cells: int | None = None,
               cache: dict | None = None) -> np.ndarray:
    """Flat indices of masked entries whose value the line equations fix (bounds ignored), ascending.

    The elimination runs per connected component of the masked entries (entries sharing a line), on
    a dense matrix of that component's lines × entries only; a component whose matrix would exceed
    max_cells (default: the codebook's activity_audit_max_cells) raises AuditTooLarge instead of
    allocating it. cache (a dict kept across calls on the same lines) remembers the answer per
    component: masking only ever grows, so a component untouched since the last call is not redone.
    """
    unknown = np.flatnonzero(state != SHOWN)
    if unknown.size == 0:
        return unknown
    limit = audit_max_cells() if max_cells is None else int(max_cells)
    equations = _equations(state, lines)
    fixed: list[int] = []
    for cols, rows in _components(equations):
        key = (tuple(cols), tuple(rows)) if cache is not None else None
        if key is not None and key in cache:
            fixed.extend(cache[key])
            continue
        if len(rows) * len(cols) > limit:
            raise AuditTooLarge(len(rows), len(cols), limit)
        pos = {k: j for j, k in enumerate(cols)}
        a = np.zeros((len(rows), len(cols)))
        for i, r in enumerate(rows):
            for k, v in equations[r].items():
                a[i, pos[k]] = v
        found = [cols[j] for j in _unit_rows_of_rref(a)]
        if key is not None:
            cache[key] = found
        fixed.extend(found)
    return np.array(sorted(fixed), dtype=np.int64)


def _unit_rows_of_rref(a: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Columns k with e_k in the row space of `a`: in the reduced row echelon form those are the
    pivot columns whose row has no other non-zero entry.

    Gauss–Jordan with partial pivoting, touching only the rows that hold the pivot column: the
    line equations are sparse 0/±1 rows, so this stays cheap, and it needs no multi-threaded
    LAPACK call (an SVD of a few hundred unknowns took seconds on a busy two-core server).
    """
    a = np.array(a, dtype=np.float64)
    n_rows, n_cols = a.shape
    row = 0
    pivots = []
    for col in range(n_cols):
        if row == n_rows:
            break
        column = np.abs(a[row:, col])
        p = row + int(column.argmax())
        if column[p - row] <= tol:
            continue
        if p != row:
            a[[row, p]] = a[[p, row]]
        a[row] /= a[row, col]
        others = np.flatnonzero(np.abs(a[:, col]) > tol)
        others = others[others != row]
        if others.size:
            a[others] -= np.multiply.outer(a[others, col], a[row])
            a[others, col] = 0.0
        pivots.append(col)
        row += 1
    alone = (np.abs(a[:row]) > tol).sum(axis=1) == 1
    return np.array(pivots, dtype=np.int64)[alone] if row else np.zeros(0, dtype=np.int64)


def _apply_linear_audit(values, state, lines, guard_hidden: bool = False,
                        cache: dict | None = None) -> bool:
    fixed = [int(k) for k in determined(state, lines, cache=cache)]
    exposed = [k for k in fixed if state[k] == SMALL or guard_hidden]
    if not exposed:
        return False
    # Prefer a line through an exposed count; hiding anything more only ever frees values, and with
    # every non-zero entry hidden nothing is fixed, so some line can always take one more.
    for targets in (exposed, fixed):
        for line in lines:
            touches = any(k in line.members or k == line.total for k in targets)
            if touches and _hide_one_more(values, state, line):
                return True
    for line in lines:
        if _hide_one_more(values, state, line):
            return True
    raise RuntimeError("complementary suppression could not protect every small count")
