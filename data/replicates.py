"""Bootstrap replicates of the raked random sample: intervals that know the weights were raked
(issue 16, item 4).

Each raked wave (and channel) gets REPLICATES replicates made at build time:

1. **Resample within strata.** The respondents are resampled with replacement within each stratum
   (STRATA: the district, a blank district its own stratum), n_h − 1 draws from a stratum of n_h
   (the Rao–Wu rescaling bootstrap: each draw carries n_h / (n_h − 1), so that the replicate
   variance of a stratified mean is unbiased); a stratum of one respondent keeps it in every
   replicate (it adds no variance that can be estimated).
2. **Rake again.** Each replicate is raked to the same population margins by the build's own
   raking (data.weights.rake_factors: ipfn, the mean weight of the respondents the margins cannot
   place, the scaling to the population). A replicate that cannot be raked (a margin cell with
   residents left without a respondent: possible in a small sample) is drawn again, up to
   MAX_REDRAWS times; if that fails the wave gets no replicates and its intervals stay Wilson
   with Kish's effective size.
3. **Keep the sums, not the weights.** A replicate's weight of a respondent is how many times it
   was drawn × the raked weight of one draw of its raking group (age band, sex, district), so the
   replicate sums of any cell are (see data/marts/40_indicator_replicates.sql)
   Σw_r = factor_r(group) × rep_n_r and Σw_r·y = factor_r(group) × rep_ny_r: the mart keeps the
   draws' counts per cell (integers, compressed by DuckDB) and one factor per raking group, not
   REPLICATES weights per respondent (200 million numbers at a million responses).

The resampling works on respondents grouped by everything that tells them apart for the marts
(the view replicate_profiles: raking attributes, household, every indicator's answer); drawing n
times among the respondents of a stratum is drawing the groups' counts from a multinomial with
the groups' shares, the same distribution with far fewer draws.

The replicates are seeded by SEED, the wave and the channel: the same data make the same
replicates, hence the same intervals, at every build. Nothing here is released as it is:
queries/indicators.py turns the replicate variance into a design effect and applies it to the
protected counts (see there, and README "Honest statistics").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from data import codebook, weights

REPLICATES = 200  # データと方法 (dashboard/i18n.py, methods "replicates") and the README quote it
SEED = 20261116
STRATA = ("district",)  # among GROUP: a raking group lies in one stratum
MAX_REDRAWS = 20
# the mart's grouping of a respondent: raking group (one factor per replicate) and cell
GROUP = ("age_band", "sex", "district")
CELL = (*GROUP, "household")


def build_replicates(con, replicates: int = REPLICATES) -> dict[tuple[int, int], int]:
    """Fill replicate_factors and indicator_replicates (made empty by the mart file) for every
    wave and channel of raked respondents. Returns {(wave, channel): replicates made} (0 where the
    wave could not be replicated: it keeps Kish's interval)."""
    population = con.execute("SELECT as_of, district, age_band, sex, population FROM population").df()
    if population.empty:
        return {}
    profiles = con.execute("SELECT * FROM replicate_profiles").df()
    if profiles.empty:
        return {}
    targets = weights.population_array(population)
    indicators = list(codebook.indicators())
    done: dict[tuple[int, int], int] = {}
    factor_parts, cell_parts = [], []
    for (wave, channel), part in profiles.groupby(["wave", "channel"], sort=True):
        made = replicate_wave(part.reset_index(drop=True), targets, indicators, int(wave), int(channel), replicates)
        done[(int(wave), int(channel))] = 0 if made is None else replicates
        if made is not None:
            factor_parts.append(made[0])
            cell_parts.append(made[1])
    if factor_parts:
        _insert(con, "replicate_factors", pa.concat_tables(factor_parts))
        _insert(con, "indicator_replicates", pa.concat_tables(cell_parts))
    return done


def _insert(con, table: str, data: pa.Table) -> None:
    con.register("incoming_replicates", data)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_replicates")  # our table names
    finally:
        con.unregister("incoming_replicates")


def _codes(part: pd.DataFrame, column: str) -> np.ndarray:
    """A column's codes as the marts write them: NULL as the missing code (9)."""
    values = part[column].to_numpy(dtype="float64", na_value=np.nan)
    return np.where(np.isnan(values), codebook.missing_code(), values).astype(np.int64)


class Strata:
    """The strata of one wave's profiles: per stratum its profiles, its n_h and their shares."""

    def __init__(self, counts: np.ndarray, stratum: np.ndarray):
        self.counts = counts
        self.parts = []
        for h in np.unique(stratum):
            rows = np.flatnonzero(stratum == h)
            n_h = int(counts[rows].sum())
            self.parts.append((rows, n_h, counts[rows] / n_h))
        # the Rao–Wu scale of each profile: n_h / (n_h − 1), 1 in a stratum of one
        self.scale = np.ones(len(counts))
        for rows, n_h, _ in self.parts:
            if n_h >= 2:
                self.scale[rows] = n_h / (n_h - 1)

    def draw(self, rng: np.random.Generator, replicates: int) -> np.ndarray:
        """(profiles × replicates) how many times each profile is drawn: n_h − 1 draws with
        replacement among the n_h respondents of its stratum (a stratum of one keeps its
        respondent)."""
        out = np.empty((len(self.counts), replicates), dtype=np.int32)
        for rows, n_h, shares in self.parts:
            if n_h < 2:
                out[rows] = self.counts[rows, None]
            else:
                out[rows] = rng.multinomial(n_h - 1, shares, size=replicates).T
        return out


def replicate_wave(
    part: pd.DataFrame, targets: np.ndarray, indicators: list[str], wave: int, channel: int, replicates: int
) -> tuple[pa.Table, pa.Table] | None:
    """(replicate_factors rows, indicator_replicates rows) of one wave and channel from its
    profiles (replicate_profiles rows), or None when a replicate cannot be raked."""
    counts = part["respondents"].to_numpy(dtype=np.int64)
    keys, key_of = np.unique(weights.rake_keys(part), axis=0, return_inverse=True)
    key_of = key_of.reshape(-1)
    codes = {c: _codes(part, c) for c in CELL}
    stratum = np.unique(np.column_stack([codes[c] for c in STRATA]), axis=0, return_inverse=True)[1].reshape(-1)
    strata = Strata(counts, stratum)
    # the raking key and the stratum of a group are the same for all its profiles (both are
    # functions of the group's codes: STRATA are among GROUP), read at its first profile
    groups, first = np.unique(np.column_stack([codes[c] for c in GROUP]), axis=0, return_index=True)

    rng = np.random.default_rng([SEED, wave, channel])
    drawn = strata.draw(rng, replicates)
    factor = np.empty((len(groups), replicates))
    for r in range(replicates):
        for attempt in range(MAX_REDRAWS + 1):
            if attempt:  # this replicate could not be raked: draw it again
                drawn[:, r] = strata.draw(rng, 1)[:, 0]
            per_key = np.bincount(key_of, weights=drawn[:, r] * strata.scale, minlength=len(keys))
            raked, _reasons = weights.rake_factors(keys, per_key, targets)
            if raked is not None:
                break
        else:
            return None
        factor[:, r] = raked[key_of[first]] * strata.scale[first]

    factors = pa.table(
        {
            "wave": pa.array(np.full(len(groups), wave, dtype=np.int32)),
            "channel": pa.array(np.full(len(groups), channel, dtype=np.int32)),
            **{c: pa.array(groups[:, i].astype(np.int32)) for i, c in enumerate(GROUP)},
            "factor": _lists(factor),
        }
    )

    cells, cell_of = np.unique(np.column_stack([codes[c] for c in CELL]), axis=0, return_inverse=True)
    cell_of = cell_of.reshape(-1)
    # per indicator, two rows per cell: its denominator's profiles and those with the trait; one
    # sparse product sums every replicate's draws into them
    rows, cols = [], []
    for j, ind in enumerate(indicators):
        y = part[ind].to_numpy(dtype="float64", na_value=np.nan)
        for k, member in enumerate((~np.isnan(y), y == 1)):
            at = np.flatnonzero(member)
            rows.append((2 * j + k) * len(cells) + cell_of[at])
            cols.append(at)
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    from scipy import sparse

    select = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.int64), (rows, cols)), shape=(2 * len(indicators) * len(cells), len(counts))
    )
    sums = (select @ drawn.astype(np.int64)).reshape(len(indicators), 2, len(cells), replicates)
    totals = (select @ counts).reshape(len(indicators), 2, len(cells))
    tables = []
    for j, ind in enumerate(indicators):
        keep = totals[j, 0] > 0
        k = int(keep.sum())
        tables.append(
            pa.table(
                {
                    "wave": pa.array(np.full(k, wave, dtype=np.int32)),
                    "channel": pa.array(np.full(k, channel, dtype=np.int32)),
                    **{c: pa.array(cells[keep, i].astype(np.int32)) for i, c in enumerate(CELL)},
                    "indicator": pa.array([ind] * k, type=pa.string()),
                    "n": pa.array(totals[j, 0, keep].astype(np.int64)),
                    "rep_n": _lists(sums[j, 0, keep].astype(np.int32)),
                    "rep_ny": _lists(sums[j, 1, keep].astype(np.int32)),
                }
            )
        )
    return factors, pa.concat_tables(tables)


def _lists(matrix: np.ndarray) -> pa.ListArray:
    """The rows of a 2-D array as a list column."""
    rows, width = matrix.shape
    offsets = pa.array(np.arange(0, rows * width + 1, width, dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, pa.array(np.ascontiguousarray(matrix).reshape(-1)))
