"""Survey indicators: weighted estimates with 95% intervals, reliability, suppression and the
difference from the rest of the filtered population, by up to two dimensions.

The sums come from the indicator_cells mart (data/marts/10_indicator_cells.sql) through
queries/sql/indicator_rows.sql, summed per group here; the statistics are computed here with queries.estimate and the
disclosure rules of queries.disclosure are applied before anything leaves this module.

Choices beyond the contract (documented for the lead):
- by "wave": every wave in the data is shown and the wave filter is ignored; by "channel": both
  channels are shown, each as its own group, whatever the channel filter says, with no All row
  (the two are never added up: see queries.filters.CHANNELS); open_web is True on the open web's rows
  (queries.filters.OPEN_WEB).
- A filter on a dimension that is also in `by` limits that dimension's groups to the chosen codes.
- 無回答 (9) is a group of a dimension when any denominator respondent of the filtered population
  has it (or when the filter on that dimension picks 9).
- Suppressed rows have reliability "low" (nothing about them is shown).
- difference (higher / lower / none) and p_adjusted: each group against the rest of the filtered
  population (queries.estimate.z_test), the p-values of one table adjusted together with Holm's
  method (queries.estimate.holm, statsmodels' multipletests) so that a table where no group truly
  differs shows any 高い/低い at most 5% of the time (tests/queries/test_multiple_comparisons.py).
  The family is the table's groups that are shown with a reliable estimate: the All row, rows
  marked 秘匿 (suppressed) and rows marked 参考値 (low reliability) are not tested, are left out of
  the family (they neither get a mark nor make the others' correction stricter), and have
  difference and p_adjusted <NA>; so has a row whose rest of the population is empty.

Intervals that know the raking (issue 16, item 4): each row's effective size is n / deff with the
design effect of the bootstrap replicates of the raked random sample (the indicator_replicates
mart, summed per group like the estimate's sums; queries.estimate.replicate_deff) where the
replicates cover every respondent of the row, Kish's elsewhere (the open web, a vendor's weights,
breakdowns by confidant, which the replicate mart does not keep). The design effect is computed
from the true sums, as Kish's ratio n_eff / n is (a property of the design, not a count), and
applied to the protected n; it is never shown by itself.

Protection (contract, "Disclosure control"): every statistic is computed from the cell's sums after
queries.cellkey.protect_survey has perturbed its n and its count with the trait (the cell-key
method), so n, estimate, interval, reliability, suppression and difference are all protected
values. A table whose filtered population (protected n of its All row) is below
disclosure.min_filter_n() is refused with disclosure.FilterTooNarrow.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import replace

import duckdb
import numpy as np
import pandas as pd

from data import codebook
from queries import cellkey, disclosure, estimate
from queries.filters import ATTRIBUTE_FILTERS, BY_CHANNEL, CHANNELS, OPEN_WEB, Filters
from queries.runner import remembered, run, run_arrow, run_numpy

NO_DIM = "none"
# Breakdowns the national comparison needs besides the dashboard's dimensions.
EXTRA_BREAKDOWNS = ("confidant",)
STAT_COLUMNS = [
    "is_total",
    "n",
    "n_eff",
    "estimate_pct",
    "ci_low_pct",
    "ci_high_pct",
    "reliability",
    "suppressed",
    "difference",
    "p_adjusted",
    "open_web",
]


# ---- waves ------------------------------------------------------------------------------


def waves(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Every wave in the responses, ascending (remembered per read-only connection)."""
    return list(remembered(con, "survey_waves", _waves))


def _waves(con: duckdb.DuckDBPyConnection) -> tuple[int, ...]:
    return tuple(int(w) for w in run(con, "survey_waves")["wave"])


def latest_wave(con: duckdb.DuckDBPyConnection) -> int | None:
    all_ = waves(con)
    return all_[-1] if all_ else None


# ---- public tables ----------------------------------------------------------------------


def indicator_table(
    con: duckdb.DuckDBPyConnection, indicator: str, by: Sequence[str] = (), filters: Filters = Filters()
) -> pd.DataFrame:
    """One indicator by zero, one or two of codebook.dimensions(), in the contract's row order."""
    return _table(con, indicator, by, filters, allowed=codebook.dimensions())


def breakdown_table(
    con: duckdb.DuckDBPyConnection, indicator: str, by: Sequence[str] = (), filters: Filters = Filters()
) -> pd.DataFrame:
    """indicator_table that also accepts EXTRA_BREAKDOWNS (confidant) as dimensions."""
    return _table(con, indicator, by, filters, allowed=[*codebook.dimensions(), *EXTRA_BREAKDOWNS])


def breakdown_tables(
    con: duckdb.DuckDBPyConnection,
    wanted: Sequence[tuple[str, Sequence[str]]],
    filters: Filters = Filters(),
    omit_refused: bool = False,
    compare: bool = True,
) -> dict[tuple[str, tuple[str, ...]], pd.DataFrame]:
    """breakdown_table for each (indicator, by) of WANTED, from one fetch of the mart rows where
    the breakdowns share their resolved filters (none of them by wave or channel).

    omit_refused: a table refused for its filtered population (an indicator whose denominator
    under the filters is below the minimum) is left out of the result instead of raising
    FilterTooNarrow; it is raised only when every table is refused. compare: as _table's."""
    allowed = [*codebook.dimensions(), *EXTRA_BREAKDOWNS]
    wanted = [(check_indicator(ind), check_by(by, allowed)) for ind, by in wanted]
    shared = [w for w in wanted if not {"wave", "channel"} & set(w[1])]
    rows = None
    if shared:
        rows = _rows(con, list(dict.fromkeys(ind for ind, _ in shared)), _resolve(con, filters, ()))
    out = {}
    refused = None
    for ind, by in wanted:
        try:
            out[(ind, by)] = _table(
                con, ind, by, filters, allowed, rows if (ind, by) in shared else None, compare=compare
            )
        except disclosure.FilterTooNarrow as exc:
            if not omit_refused:
                raise
            refused = exc
    if refused is not None and not out:
        raise refused
    return out


def headline(con: duckdb.DuckDBPyConnection, filters: Filters = Filters()) -> pd.DataFrame:
    """Every indicator for the whole filtered population, one row each (column `indicator`)."""
    ids = list(codebook.indicators())
    resolved = _resolve(con, filters, ())
    rows = _rows(con, ids, resolved)
    stats = np.array([_totals(rows.part(ind)) for ind in ids], dtype=float).reshape(len(ids), _K)
    _check_population(stats, resolved.includes_open_web)
    deff = np.array([_design_effects(con, ind, resolved, (), [], stats[i])[0][0] for i, ind in enumerate(ids)])
    out = _statistics(
        stats,
        rest=None,
        is_total=np.ones(len(ids), dtype=bool),
        open_web=np.full(len(ids), resolved.includes_open_web),
        deff=deff,
    )
    out.insert(0, "indicator", ids)
    return out


# ---- validation and filters -------------------------------------------------------------


def check_indicator(indicator: str) -> str:
    if indicator not in codebook.indicators():
        raise ValueError(f"unknown indicator {indicator!r}; known: {', '.join(codebook.indicators())}")
    return indicator


def check_by(by: Sequence[str], allowed: Sequence[str] | None = None) -> tuple[str, ...]:
    allowed = list(codebook.dimensions() if allowed is None else allowed)
    if isinstance(by, str):
        by = (by,)
    by = tuple(by)
    if len(by) > 2:
        raise ValueError(f"at most two dimensions, got {len(by)}: {', '.join(map(str, by))}")
    for dim in by:
        if dim not in allowed:
            raise ValueError(f"unknown dimension {dim!r}; known: {', '.join(allowed)}")
    if len(set(by)) != len(by):
        raise ValueError(f"the same dimension twice: {', '.join(by)}")
    return by


def _resolve(con, filters: Filters, by: Sequence[str]) -> Filters:
    """The filters the query runs with: the latest wave unless by wave (every wave), and both
    channels, each a group of its own, when by channel."""
    if filters.channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, not {filters.channel!r}")
    out = filters
    if "wave" in by:
        out = replace(out, wave=None)
    elif out.wave is None:
        out = replace(out, wave=latest_wave(con))  # stays None without data: nothing matches
    if "channel" in by:
        out = replace(out, channel=BY_CHANNEL)
    return out


# The mart's column of each breakdown dimension.
_COLUMN = {
    **{dim: dim for dim in ATTRIBUTE_FILTERS},
    "channel": "channel",
    "wave": "wave",
    "confidant": "confidant_group",
}
_SUMS = cellkey.SURVEY_SUMS
_K = len(_SUMS)


class _Rows:
    """The filtered rows of the indicator_cells mart (queries/sql/indicator_rows.sql) as numpy
    columns, fetched once for any number of indicators and breakdowns of the same filters."""

    def __init__(self, data: dict, indicators: Sequence[str]):
        self.data = {k: np.asarray(v) for k, v in data.items() if k != "indicator"}
        if len(indicators) == 1:
            # every row is the one indicator asked for: no need to sort the rows by name
            self._where = {indicators[0]: slice(None)}
        else:
            codes, names = pd.factorize(np.asarray(data["indicator"]).astype(object))
            self._where = {name: np.flatnonzero(codes == k) for k, name in enumerate(names)}

    def part(self, indicator: str) -> dict[str, np.ndarray]:
        where = self._where.get(indicator, np.zeros(0, dtype=np.int64))
        return {k: v[where] for k, v in self.data.items()}


def _rows(con, indicators: Sequence[str], filters: Filters) -> _Rows:
    indicators = list(indicators)
    return _Rows(run_numpy(con, "indicator_rows", indicators=indicators, **filters.to_params()), indicators)


def _group_sums(part: dict[str, np.ndarray], by: Sequence[str], levels: list[list[int]]) -> np.ndarray:
    """(cells × _K) sums of _SUMS per combination of the levels of BY (row-major)."""
    size = int(np.prod([len(lv) for lv in levels]))
    flat = np.zeros(len(part["n"]), dtype=np.int64)
    for dim, lv in zip(by, levels):
        codes = part[_COLUMN[dim]].astype(np.int64)
        uniq, inv = np.unique(codes, return_inverse=True)
        where = {c: i for i, c in enumerate(lv)}
        pos = np.array([where.get(int(u), -1) for u in uniq], dtype=np.int64)
        if (pos < 0).any():
            raise ValueError(f"a group of {dim} outside its levels")
        flat = flat * len(lv) + pos[inv.reshape(-1)]
    return np.column_stack(
        [np.bincount(flat, weights=part[c].astype(np.float64), minlength=size) for c in _SUMS]
    ).reshape(size, _K)


# ---- groups and row order ---------------------------------------------------------------


def _levels(con, dim: str, filters: Filters, present: set[int]) -> list[int]:
    """The groups of DIM in display order: codes (or the data's waves), then 9 if present."""
    if dim == "wave":
        return waves(con)
    if dim == "channel":
        return list(Filters(channel=BY_CHANNEL).channels)
    missing = codebook.missing_code()
    value_set = "confidant" if dim == "confidant" else codebook.dimension_value_set(dim)
    codes = codebook.codes(value_set)
    chosen = filters.attribute(dim)
    if chosen:
        return [c for c in codes if c in chosen] + ([missing] if missing in chosen else [])
    return codes + ([missing] if missing in present else [])


def _totals(part: dict[str, np.ndarray]) -> list[float]:
    return [float(part[c].sum()) for c in _SUMS]


def _table(
    con,
    indicator: str,
    by: Sequence[str],
    filters: Filters,
    allowed: Sequence[str],
    rows: _Rows | None = None,
    protect: bool = True,
    compare: bool = True,
) -> pd.DataFrame:
    """rows: the mart rows already fetched for these filters (resolved for BY), else fetched here.
    protect=False: the true statistics, for the oracle tests only (no public function passes it).
    compare=False: no group-vs-rest test (difference and p_adjusted left empty), for a caller that
    shows only the groups' own figures (the national comparison); those figures are the same."""
    check_indicator(indicator)
    by = check_by(by, allowed)
    resolved = _resolve(con, filters, by)
    part = (rows if rows is not None else _rows(con, [indicator], resolved)).part(indicator)
    total = np.array(_totals(part), dtype=float)
    if protect:
        _check_population(total.reshape(1, _K), resolved.includes_open_web)
    stats_of = functools.partial(_statistics, protect=protect)

    if not by:
        return stats_of(
            total.reshape(1, _K),
            rest=None,
            is_total=np.array([True]),
            open_web=np.array([resolved.includes_open_web]),
            deff=_design_effects(con, indicator, resolved, (), [], total)[0],
        )

    levels = [_levels(con, d, resolved, set(int(v) for v in np.unique(part[_COLUMN[d]]))) for d in by]
    keys = list(itertools.product(*levels))
    cells = _group_sums(part, by, levels)
    rest = total.reshape(1, _K) - cells
    # Differences of float sums can leave tiny negatives where the rest is empty.
    rest[rest[:, 0] <= 0] = 0.0
    deff_total, deff_cells, deff_rest = _design_effects(con, indicator, resolved, by, levels, total, cells, rest)

    open_web = np.array([_row_open_web(resolved, by, k) for k in keys], dtype=bool)
    if len(by) == 1 and by[0] != "channel":
        # the All row first, then the groups: one frame, statistics computed in one pass
        stats = np.vstack([total.reshape(1, _K), cells])
        rest = np.vstack([np.zeros((1, _K)), rest])
        deff, rest_deff = np.r_[deff_total, deff_cells], np.r_[np.nan, deff_rest]
        is_total = np.r_[True, np.zeros(len(keys), dtype=bool)]
        open_web = np.r_[resolved.includes_open_web, open_web]
        codes = {by[0]: pd.array([pd.NA] + [k[0] for k in keys], dtype="Int64")}
    else:
        stats, is_total = cells, np.zeros(len(keys), dtype=bool)
        deff, rest_deff = deff_cells, deff_rest
        codes = {d: pd.array([k[i] for k in keys], dtype="Int64") for i, d in enumerate(by)}
    # the rest of a channel's row in a table by channel is the other channel (one dimension) or
    # holds open-web answers (two): its figures get the open web's noise where it holds them
    if "channel" in by:
        rest_open = ~open_web if len(by) == 1 else np.ones(len(open_web), dtype=bool)
    else:
        rest_open = open_web
    return stats_of(
        stats,
        rest=rest if compare else None,
        is_total=is_total,
        open_web=open_web,
        codes=codes,
        rest_open=rest_open,
        deff=deff,
        rest_deff=rest_deff,
    )


def _check_population(totals: np.ndarray, open_web: bool) -> None:
    """Refuse (FilterTooNarrow) when the filtered population — the protected n of the table's All
    row, the largest over indicators for the headline — is below disclosure.min_filter_n(): a
    table of a handful of people is all hidden cells and a step of every differencing attack."""
    if totals.size and float(cellkey.protect_survey(totals, open_web)[:, 0].max()) < disclosure.min_filter_n():
        raise disclosure.FilterTooNarrow(disclosure.min_filter_n())


def _row_open_web(filters: Filters, by: Sequence[str], key: tuple[int, ...]) -> bool:
    if "channel" in by:
        return key[list(by).index("channel")] == OPEN_WEB
    return filters.includes_open_web


# ---- replicate design effects -------------------------------------------------------------

# The cell attributes of the indicator_replicates mart (its grain without wave, channel, indicator).
_REPLICATE_DIMS = ("age_band", "sex", "district", "household")


class _Replicated:
    """The indicator_replicates rows of one indicator, wave and channel as numpy: the cells' codes,
    their n, and their replicate sums [Σw_r | Σw_r·y] side by side (cells × 2R, float32: a
    replicate's sums need no more digits than its deviation from the estimate, a few per cent of
    it)."""

    def __init__(self, codes: dict[str, np.ndarray], n: np.ndarray, sums: np.ndarray):
        self.codes = codes
        self.n = n
        self.sums = sums
        self.replicates = sums.shape[1] // 2


def _group_key(age_band, sex, district) -> np.ndarray:
    """One integer per raking group (codes 1..9 each)."""
    return (np.asarray(age_band, dtype=np.int64) * 16 + np.asarray(sex, dtype=np.int64)) * 16 + np.asarray(
        district, dtype=np.int64
    )


def _load_replicates(con, wave: int, channel: int) -> dict[str, _Replicated]:
    """Every indicator's replicates of one wave and channel, from two queries (the overview asks for
    all indicators at once; at a million responses one query each cost 10 ms apiece). The replicate
    lists come through Arrow as one buffer each (fetchnumpy would make an array per row, which
    np.stack then copies: ~20 ms of a wave's first read at a million responses)."""
    try:
        table = run_arrow(con, "indicator_replicates", wave=int(wave), channel=int(channel))
        groups = run_numpy(con, "replicate_factors", wave=int(wave), channel=int(channel))
    except duckdb.CatalogException:  # a database built before the replicates
        return {}
    if not table.num_rows or not len(groups["factor"]):
        return {}
    rows = {d: table.column(d).to_numpy() for d in (*_REPLICATE_DIMS, "n")}
    rep_n, rep_ny = (_list_matrix(table.column(c)) for c in ("rep_n", "rep_ny"))
    keys = _group_key(groups["age_band"], groups["sex"], groups["district"])
    order = np.argsort(keys)
    wanted = _group_key(rows["age_band"], rows["sex"], rows["district"])
    at = order[np.minimum(np.searchsorted(keys[order], wanted), len(keys) - 1)]
    if not np.array_equal(keys[at], wanted):  # a cell without its group's factors: not usable
        return {}
    # one indicator's rows side by side, so each indicator's arrays are slices of the wave's
    names = table.column("indicator").to_numpy(zero_copy_only=False).astype(str)
    by_name = np.argsort(names, kind="stable")
    names, at = names[by_name], at[by_name]
    per_row = np.stack(groups["factor"]).astype(np.float32)[at]
    half = rep_n.shape[1]
    sums = np.empty((len(at), 2 * half), dtype=np.float32)
    np.multiply(per_row, rep_n[by_name], out=sums[:, :half])
    np.multiply(per_row, rep_ny[by_name], out=sums[:, half:])
    out = {}
    bounds = np.flatnonzero(np.r_[True, names[1:] != names[:-1], True])
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        mine = by_name[lo:hi]
        out[str(names[lo])] = _Replicated(
            {d: rows[d][mine].astype(np.int64) for d in _REPLICATE_DIMS},
            rows["n"][mine].astype(np.float64),
            sums[lo:hi],
        )
    return out


def _list_matrix(column) -> np.ndarray:
    """A LIST column of equal-length lists (an Arrow ChunkedArray) as a rows × length matrix."""
    lists = column.combine_chunks()
    lengths = np.diff(lists.offsets.to_numpy())
    if lists.null_count or (len(lengths) and (lengths != lengths[0]).any()):
        raise ValueError("replicate lists of unequal length or with nulls")
    return lists.flatten().to_numpy().reshape(len(lists), int(lengths[0]) if len(lengths) else 0)


def _replicated(con, indicator: str, wave: int, channel: int) -> _Replicated | None:
    """The replicates of one indicator, wave and channel (None: none); a wave's are loaded once per
    read-only connection (queries.runner.remembered): a page's tables then only sum them."""
    loaded = remembered(con, f"indicator_replicates/{wave}/{channel}", lambda c: _load_replicates(c, wave, channel))
    return loaded.get(indicator)


def _replicate_sums(
    con, indicator: str, filters: Filters, by: Sequence[str], levels: list[list[int]]
) -> tuple[np.ndarray, np.ndarray] | None:
    """(n, [Σw_r | Σw_r·y]) of the filtered population's replicates: row 0 the total, then one row
    per combination of the levels of BY (row-major, as _group_sums); n counts the respondents the
    replicates cover (a row's replicates are whole only where it equals the row's n). None when
    no wave and channel of the filters has replicates, or BY is not in the mart's grain
    (confidant)."""
    if any(d not in (*_REPLICATE_DIMS, "wave", "channel") for d in by):
        return None
    scope = [filters.wave] if filters.wave is not None else waves(con)
    parts = [(w, ch, _replicated(con, indicator, w, ch)) for w in scope for ch in filters.channels]
    parts = [(w, ch, rep) for w, ch, rep in parts if rep is not None]
    if not parts or len({rep.replicates for _, _, rep in parts}) > 1:
        return None
    size = int(np.prod([len(lv) for lv in levels])) if by else 0
    n = np.zeros(size + 1)
    sums = np.zeros((size + 1, 2 * parts[0][2].replicates))
    for wave, channel, rep in parts:
        keep = np.ones(len(rep.n), dtype=bool)
        for dim in _REPLICATE_DIMS:
            chosen = filters.attribute(dim)
            if chosen:
                keep &= np.isin(rep.codes[dim], chosen)
        flat = np.zeros(len(rep.n), dtype=np.int64)
        for dim, lv in zip(by, levels):
            where = {c: i for i, c in enumerate(lv)}
            if dim in ("wave", "channel"):
                pos = np.full(len(rep.n), where.get(int(wave if dim == "wave" else channel), -1))
            else:
                lookup = np.full(int(rep.codes[dim].max()) + 1, -1, dtype=np.int64)
                for code, i in where.items():
                    if 0 <= code < len(lookup):
                        lookup[code] = i
                pos = lookup[rep.codes[dim]]
            keep &= pos >= 0
            flat = flat * len(lv) + np.maximum(pos, 0)
        rows = np.flatnonzero(keep)
        n[0] += float(rep.n[rows].sum())
        sums[0] += rep.sums[rows].sum(axis=0, dtype=np.float64)  # float64, as the groups' below
        if by and len(rows):
            # each group's rows side by side, then one sum per run of them (in float64)
            group = flat[rows]
            order = np.argsort(group, kind="stable")
            starts = np.searchsorted(group[order], np.arange(size))
            present = np.bincount(group, minlength=size) > 0
            n[1:] += np.bincount(group, weights=rep.n[rows], minlength=size)
            sums[1:][present] += np.add.reduceat(rep.sums[rows[order]], starts[present], axis=0, dtype=np.float64)
    return n, sums


def _design_effects(
    con,
    indicator: str,
    filters: Filters,
    by: Sequence[str],
    levels: list[list[int]],
    total: np.ndarray,
    cells: np.ndarray | None = None,
    rest: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The replicate design effects (queries.estimate.replicate_deff, from the true sums) of the
    total (1,), of each cell (cells × _K sums) and of each cell's rest: NaN where the replicates do
    not cover every respondent of the row (then Kish's effective size is used)."""
    k = 0 if cells is None else len(cells)
    got = _replicate_sums(con, indicator, filters, by, levels)
    if got is None:
        return np.full(1, np.nan), np.full(k, np.nan), np.full(k, np.nan)
    n, reps = got
    # one pass over the total, the cells and their rests (the rest's sums: the total's minus the cell's)
    sums = np.asarray(total, dtype=float).reshape(1, _K)
    if k:
        sums = np.vstack([sums, cells, rest])
        n = np.r_[n, n[0] - n[1:]]
        reps = np.vstack([reps, reps[0] - reps[1:]])
    half = reps.shape[1] // 2
    deff = estimate.replicate_deff(sums[:, 0], sums[:, 1], sums[:, 3], reps[:, :half], reps[:, half:])
    deff = np.where(np.round(n) == np.round(sums[:, 0]), deff, np.nan)
    return deff[:1], deff[1 : k + 1], deff[k + 1 :]


# ---- statistics with disclosure control -------------------------------------------------


def _statistics(
    cells: np.ndarray,
    rest: np.ndarray | None,
    is_total: np.ndarray,
    open_web: np.ndarray,
    codes: dict | None = None,
    protect: bool = True,
    rest_open: np.ndarray | None = None,
    deff: np.ndarray | None = None,
    rest_deff: np.ndarray | None = None,
) -> pd.DataFrame:
    """Rows of STAT_COLUMNS from the sums of _SUMS per cell and of the rest (the difference is left
    out on total rows), after the group code columns `codes` if given. deff, rest_deff: the
    replicate design effect of each cell and of its rest (_design_effects; NaN or None: Kish's).

    Nothing true leaves: the sums are first protected (queries.cellkey.protect_survey), and n,
    the estimate, n_eff, the interval, the reliability, the suppression, the difference and its
    adjusted p-value are all computed from the protected sums (the rest, a cell of its own, is protected likewise)."""
    if protect:

        def shielded(sums, with_open_web=open_web):
            return cellkey.protect_survey(sums, with_open_web)
    else:

        def shielded(sums, with_open_web=None):
            return np.asarray(sums, dtype=float)[:, :4]

    n, sw, sw2, swy = shielded(cells)[:, :4].T
    p = estimate.proportion(sw, swy)
    n_eff = estimate.effective_size(n, sw, sw2, p, deff)
    low, high = estimate.wilson(p, n_eff)
    low_rel = estimate.low_reliability(n_eff, low, high)
    hidden = disclosure.suppressed(n)

    if rest is None:
        diff, p_adjusted = np.full(len(n), None, dtype=object), np.full(len(n), np.nan)
    else:
        rest_p = shielded(rest, open_web if rest_open is None else rest_open)
        p_rest = estimate.proportion(rest_p[:, 1], rest_p[:, 3])
        neff_rest = estimate.effective_size(rest_p[:, 0], rest_p[:, 1], rest_p[:, 2], p_rest, rest_deff)
        # The family of Holm's correction: this table's groups shown with a reliable estimate.
        # The All row, 秘匿 (hidden) and 参考値 (low_rel) rows are left out: no 高い/低い on them,
        # and their tests do not count in the correction of the others.
        family = ~is_total & ~hidden & ~low_rel
        diff, p_adjusted = estimate.differences(p, n_eff, p_rest, neff_rest, tested=family)

    # masked arrays built directly from values and mask: pd.array() + item assignment cost more
    # than the statistics themselves
    def shown(values: np.ndarray, scale: float = 1.0) -> pd.arrays.FloatingArray:
        mask = hidden | np.isnan(values)
        return pd.arrays.FloatingArray(np.where(mask, 0.0, values * scale), mask)

    n_shown = pd.arrays.IntegerArray(np.where(hidden, 0, n.round()).astype(np.int64), hidden.copy())
    difference = np.full(len(n), pd.NA, dtype=object)
    shown_diff = np.array([d is not None for d in diff], dtype=bool)
    difference[shown_diff] = diff[shown_diff]
    # every column is a fresh array: copy=False spares pandas copying them again
    return pd.DataFrame(
        {
            **(codes or {}),
            "is_total": is_total.astype(bool),
            "n": n_shown,
            "n_eff": shown(n_eff),
            "estimate_pct": shown(p, 100.0),
            "ci_low_pct": shown(low, 100.0),
            "ci_high_pct": shown(high, 100.0),
            "reliability": np.where(low_rel | hidden, "low", "ok").astype(object),
            "suppressed": hidden.astype(bool),
            "difference": difference,
            "p_adjusted": pd.arrays.FloatingArray(np.nan_to_num(p_adjusted), np.isnan(p_adjusted)),
            "open_web": open_web.astype(bool),
        },
        index=pd.RangeIndex(len(n)),
        copy=False,
    )
