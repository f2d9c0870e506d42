"""The yardstick of the query layer: the same indicator tables computed the straightforward pandas way.

The responses are read into pandas once (as a pandas dashboard would at start-up), with the
indicator answers (1 / 0 / NaN when an item is blank) computed once from the codebook rules, and so
are the bootstrap replicates of the raked random sample (the marts indicator_replicates and
replicate_factors: per cell and replicate Σw_r = factor_r(raking group) × rep_n_r and Σw_r·y =
factor_r × rep_ny_r, one frame per indicator, wave and channel). Each call then filters the rows,
groups them, takes the weighted sums and the replicate sums per group, and computes what the
contract says: the replicate design effect where the replicates cover every respondent of the row
(Kish's n_eff elsewhere: the open web, waves without replicates), the Wilson interval, reliability,
suppression, and the difference from the rest with the p-values of one table's reliable shown
groups adjusted together by Holm's method (written out here: see holm).

Nothing here is made slow on purpose, and nothing is taken from queries.indicators or
queries.estimate; `same_table` checks it returns what indicator_table returns before its
protection (queries.indicators._table(..., protect=False)), so the two sides do the same work but
for the cell-key noise, which the query layer adds on top (and the baseline does not).
"""

from __future__ import annotations

import itertools
import math

import duckdb
import numpy as np
import pandas as pd
from scipy.special import ndtr

from data import codebook
from queries.filters import CHANNELS, Filters

BOTH_CHANNELS = tuple(c for codes in CHANNELS.values() for c in codes)  # a table by channel reads both
OPEN_WEB = 2

ATTRS = ("age_band", "sex", "district", "household")
RAKING_GROUP = ["wave", "channel", "age_band", "sex", "district"]  # a replicate factor's grain
MISSING = 9
SUMS = ["n", "weight", "w2", "wy"]
MIN_DEFF = 0.5  # the contract's floor of a replicate design effect (n_eff at most 2n)
DECIMALS = 9  # the reliability thresholds are compared on values rounded to this many decimals


def _rule_values(df: pd.DataFrame, rule: dict) -> pd.Series:
    """1.0 / 0.0 where the rule holds / not, NaN where an item it uses is blank."""
    blank = df[codebook.rule_columns(rule)].isna().any(axis=1)

    def holds(r: dict) -> pd.Series:
        if "all" in r:
            out = pd.Series(True, index=df.index)
            for part in r["all"]:
                out &= holds(part)
            return out
        if "sum" in r:
            return df[r["sum"]].sum(axis=1) >= r["gte"]
        return df[r["column"]].isin(r["in"])

    return holds(rule).astype(float).where(~blank)


def _read_replicates(con) -> dict[tuple[str, int, int], pd.DataFrame]:
    """{(indicator, wave, channel): its replicate cells}: the codes, n and the replicate sums
    rw0..rw{R-1} (Σw_r) and rwy0..rwy{R-1} (Σw_r·y). A wave and channel where a cell has no factors
    of its raking group has none (its intervals stay Kish's)."""
    try:
        cells = con.execute("SELECT * FROM indicator_replicates").df()
        factors = con.execute("SELECT * FROM replicate_factors").df()
    except duckdb.CatalogException:  # a database built before the replicates
        return {}
    out = {}
    for (wave, channel), part in cells.groupby(["wave", "channel"], sort=False):
        joined = part.merge(factors, on=RAKING_GROUP, how="left")
        if joined["factor"].isna().any():
            continue
        factor = np.stack(joined["factor"].to_numpy())
        r = factor.shape[1]
        w = factor * np.stack(joined["rep_n"].to_numpy())
        wy = factor * np.stack(joined["rep_ny"].to_numpy())
        frame = pd.concat(
            [
                joined[["indicator", "wave", "channel", *ATTRS, "n"]].reset_index(drop=True),
                pd.DataFrame(np.hstack([w, wy]), columns=[f"rw{i}" for i in range(r)] + [f"rwy{i}" for i in range(r)]),
            ],
            axis=1,
        )
        for ind, rows in frame.groupby("indicator", sort=False):
            out[(str(ind), int(wave), int(channel))] = rows.drop(columns="indicator").reset_index(drop=True)
    return out


def holm(p: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """(reject, adjusted p) of one family by Holm's step-down method: the k-th smallest p-value
    (k = 1..m) is tested at alpha / (m − k + 1) until the first that is not rejected; the adjusted
    p-value is the running maximum of (m − k + 1) · p, at most 1.

    Written out rather than calling statsmodels' multipletests: its Holm branch ends with a forced
    gc.collect() of the whole process (20–60 ms, ten times this table's work), which the query layer
    skips (queries/estimate.py); billing the baseline for it would say nothing about pandas."""
    m = len(p)
    order = np.argsort(p)
    steps = np.arange(m, 0, -1)
    reject, adjusted = np.empty(m, dtype=bool), np.empty(m)
    reject[order] = np.cumprod(p[order] <= alpha / steps).astype(bool)
    adjusted[order] = np.minimum(np.maximum.accumulate(p[order] * steps), 1.0)
    return reject, adjusted


class PandasIndicators:
    def __init__(self, con) -> None:
        df = con.execute("SELECT * FROM responses").df()
        for dim in ATTRS:
            df[dim] = df[dim].fillna(MISSING).astype("int16")
        df["wave"] = df["wave"].astype("int32")
        df["channel"] = df["channel"].astype("int16")
        for ind_id, ind in codebook.indicators().items():
            df[ind_id] = _rule_values(df, ind.rule)
        self.df = df
        self.waves = sorted(int(w) for w in df["wave"].unique())
        self.replicates = _read_replicates(con)
        est = codebook.estimation()
        self.z = float(est["z"])
        self.alpha = round(math.erfc(self.z / math.sqrt(2)), 6)  # two-sided level of z: 0.05
        self.min_n = int(est["min_n_default"])
        self.low_neff = float(est["low_reliability_neff"])
        self.max_width = float(est["low_reliability_ci_width_pct"])

    # ---- one table ---------------------------------------------------------------------------

    def table(self, indicator: str, by: tuple[str, ...] = (), filters: Filters = Filters()) -> pd.DataFrame:
        df = self.df
        by = tuple(by)
        wave = None if "wave" in by else (filters.wave if filters.wave is not None else self.waves[-1])
        channels = BOTH_CHANNELS if "channel" in by else filters.channels

        mask = df[indicator].notna() & df["channel"].isin(channels)
        if wave is not None:
            mask &= df["wave"] == wave
        for dim in ATTRS:
            chosen = filters.attribute(dim)
            if chosen:
                mask &= df[dim].isin(chosen)
        rows = df.loc[mask, [*by, "weight", indicator]]
        w, y = rows["weight"], rows[indicator]
        rows = rows.assign(n=1, w2=w * w, wy=w * y)
        reps = self._replicate_rows(indicator, wave, channels, filters)
        rep_cols = [] if reps is None else [c for c in reps.columns if c.startswith("rw")]

        total = rows[SUMS].sum().to_numpy(dtype=float).reshape(1, 4)
        rep_total = None if reps is None else reps[["n", *rep_cols]].sum().to_numpy(dtype=float).reshape(1, -1)
        deff_total = self._design_effect(total, rep_total)
        head = self._stats(total, None, is_total=True, open_web=OPEN_WEB in channels, deff=deff_total)
        if not by:
            return head

        levels = [self._levels(d, filters, rows[d]) for d in by]
        keys = list(itertools.product(*levels))
        index = pd.MultiIndex.from_tuples(keys) if len(by) == 2 else pd.Index([k[0] for k in keys])
        cells = rows.groupby(list(by))[SUMS].sum().reindex(index, fill_value=0).to_numpy(dtype=float)
        rest = total - cells
        rest[rest[:, 0] <= 0] = 0.0
        rep_cells = rep_rest = None
        if reps is not None:
            rep_cells = reps.groupby(list(by))[["n", *rep_cols]].sum().reindex(index, fill_value=0).to_numpy(float)
            rep_rest = rep_total - rep_cells
        if "channel" in by:
            open_web = np.array([k[by.index("channel")] == OPEN_WEB for k in keys])
        else:
            open_web = np.full(len(keys), OPEN_WEB in channels)
        body = self._stats(
            cells,
            rest,
            is_total=False,
            open_web=open_web,
            deff=self._design_effect(cells, rep_cells),
            rest_deff=self._design_effect(rest, rep_rest),
        )
        for i, dim in reversed(list(enumerate(by))):
            body.insert(0, dim, pd.array([k[i] for k in keys], dtype="Int64"))
        if len(by) == 1 and by[0] != "channel":  # a table by channel has no All row
            head.insert(0, by[0], pd.array([pd.NA], dtype="Int64"))
            return pd.concat([head, body], ignore_index=True)
        return body

    def _levels(self, dim: str, filters: Filters, values: pd.Series) -> list[int]:
        if dim == "wave":
            return list(self.waves)
        if dim == "channel":
            return list(BOTH_CHANNELS)
        codes = codebook.codes(codebook.dimension_value_set(dim))
        chosen = filters.attribute(dim)
        if chosen:
            return [c for c in codes if c in chosen] + ([MISSING] if MISSING in chosen else [])
        return codes + ([MISSING] if (values == MISSING).any() else [])

    # ---- replicate design effects ------------------------------------------------------------

    def _replicate_rows(self, indicator: str, wave: int | None, channels, filters: Filters) -> pd.DataFrame | None:
        """The replicate cells of the filtered population (every wave and channel of it that has
        replicates), or None when none has them or their numbers of replicates differ."""
        waves = self.waves if wave is None else [wave]
        parts = [self.replicates.get((indicator, w, ch)) for w in waves for ch in channels]
        parts = [p for p in parts if p is not None]
        if not parts or len({p.shape[1] for p in parts}) > 1:
            return None
        reps = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
        mask = np.ones(len(reps), dtype=bool)
        for dim in ATTRS:
            chosen = filters.attribute(dim)
            if chosen:
                mask &= reps[dim].isin(chosen).to_numpy()
        return reps[mask]

    def _design_effect(self, sums: np.ndarray, reps: np.ndarray | None) -> np.ndarray:
        """v_rep / (p(1 − p) / n) per row from the true sums (n, Σw, Σw², Σwy) and the replicate
        sums (n covered, Σw_r..., Σw_r·y...), v_rep = mean over replicates of (p_r − p)²; NaN where
        it is not defined or the replicates do not cover every respondent of the row."""
        out = np.full(len(sums), np.nan)
        if reps is None:
            return out
        n, sw, swy = sums[:, 0], sums[:, 1], sums[:, 3]
        r = (reps.shape[1] - 1) // 2
        rep_w, rep_wy = reps[:, 1 : 1 + r], reps[:, 1 + r :]
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.clip(swy / sw, 0, 1)
            p_r = np.clip(np.where(rep_w > 0, rep_wy / rep_w, np.nan), 0, 1)
            v = ((p_r - p[:, None]) ** 2).mean(axis=1)
            srs = p * (1 - p) / n
            deff = v / srs
        ok = (np.round(reps[:, 0]) == np.round(n)) & (srs > 0) & (v > 0) & np.isfinite(deff)
        out[ok] = deff[ok]
        return out

    # ---- statistics --------------------------------------------------------------------------

    def _n_eff(self, n, sw, sw2, p, deff) -> np.ndarray:
        """n / max(deff, MIN_DEFF) where the replicate design effect is known and 0 < p < 1, else
        Kish's (Σw)² / Σw²."""
        with np.errstate(invalid="ignore", divide="ignore"):
            kish = np.where(sw2 > 0, sw * sw / sw2, 0.0)
            use = np.isfinite(deff) & (deff > 0) & (p > 0) & (p < 1) & (n > 0)
            return np.where(use, n / np.maximum(deff, MIN_DEFF), kish)

    def _stats(
        self,
        cells: np.ndarray,
        rest: np.ndarray | None,
        is_total: bool,
        open_web,
        deff: np.ndarray,
        rest_deff: np.ndarray | None = None,
    ) -> pd.DataFrame:
        n, sw, sw2, swy = cells.T
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.clip(swy / sw, 0, 1)
            neff = self._n_eff(n, sw, sw2, p, deff)
            z2 = self.z**2
            denom = 1 + z2 / neff
            centre = (p + z2 / (2 * neff)) / denom
            half = self.z / denom * np.sqrt(p * (1 - p) / neff + z2 / (4 * neff * neff))
        low, high = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
        hidden = n < self.min_n
        width = np.round(100 * (high - low), DECIMALS)
        low_rel = (np.round(neff, DECIMALS) < self.low_neff) | ~(width <= self.max_width)

        diff = np.full(len(n), None, dtype=object)
        p_adjusted = np.full(len(n), np.nan)
        if rest is not None:
            rn, rsw, rsw2, rswy = rest.T
            with np.errstate(invalid="ignore", divide="ignore"):
                p2 = np.clip(rswy / rsw, 0, 1)
                neff2 = self._n_eff(rn, rsw, rsw2, p2, rest_deff)
                pooled = (neff * p + neff2 * p2) / (neff + neff2)
                se = np.sqrt(pooled * (1 - pooled) * (1 / neff + 1 / neff2))
                stat = np.where(se > 0, (p - p2) / se, 0.0)
            ok = (neff > 0) & (neff2 > 0) & np.isfinite(p) & np.isfinite(p2)
            # the family of Holm's correction: the groups shown with a reliable estimate
            tested = ok & ~hidden & ~low_rel
            if tested.any():
                p_two = np.minimum(2 * ndtr(-np.abs(stat[tested])), 1.0)
                reject, p_adjusted[tested] = holm(p_two, self.alpha)
                diff[tested] = np.where(reject, np.where(stat[tested] > 0, "higher", "lower"), "none")

        def shown(v):
            out = pd.array(v, dtype="Float64")
            out[hidden | np.isnan(v)] = pd.NA
            return out

        n_shown = pd.array(n.round().astype(np.int64), dtype="Int64")
        n_shown[hidden] = pd.NA
        return pd.DataFrame(
            {
                "is_total": np.full(len(n), is_total),
                "n": n_shown,
                "n_eff": shown(neff),
                "estimate_pct": shown(100 * p),
                "ci_low_pct": shown(100 * low),
                "ci_high_pct": shown(100 * high),
                "reliability": np.where(low_rel | hidden, "low", "ok").astype(object),
                "suppressed": hidden,
                "difference": pd.Series([pd.NA if d is None else d for d in diff], dtype=object),
                "p_adjusted": pd.array(p_adjusted, dtype="Float64"),
                "open_web": np.broadcast_to(np.asarray(open_web, dtype=bool), len(n)).copy(),
            }
        )


RTOL, ATOL = 1e-9, 1e-6  # the numbers: to 1e-6 (points, n_eff, p) and 1e-9 of their size
# The query layer sums the replicates in float32 (queries/indicators.py, _Replicated), each sum in
# an order of its own (a BLAS product for the table's total, a sparse product per group, the rest
# as their difference); the baseline adds the cells' factor × count in float64 (rounding those to
# float32 first, as the query layer does, changes nothing measurable: the error is the float32
# additions'). The replicate variance is the mean square of deviations of a few per cent of p, so
# float32's 6e-8 per addition reaches the design effect, hence n_eff, at up to 7.6e-5 of it
# (measured over ~1,900 tables of the benchmark's workload at 100k and 1M responses; with the
# query layer's sums made float64 in a test process every one of them agrees at RTOL / ATOL).
# n_eff is therefore compared to REPLICATE_RTOL of itself, about 6× the float32 error measured and
# 10× below the smallest slip in the formula it must still catch (1/R = 5e-3: the replicate
# variance divided by R − 1 instead of R), and the figures computed from n_eff to what that moves
# them by: an interval bound by about a quarter of the interval's width × the relative change of
# n_eff, plus the centre's shift at a small n_eff (bounded here by half the width), an adjusted
# p-value by at most max φ(z)·|z| ≈ 0.24 × the relative change per test, × Holm's factor up to m
# (bounded here by m / 4). Every other column, the estimate and n included, is compared as
# before; reliability, suppression and difference exactly. replicate_rtol=0: RTOL / ATOL alone.
REPLICATE_RTOL = 5e-4


def _floats(s: pd.Series) -> np.ndarray:
    return s.reset_index(drop=True).astype("Float64").to_numpy(float, na_value=np.nan)


def same_table(a: pd.DataFrame, b: pd.DataFrame, replicate_rtol: float = REPLICATE_RTOL) -> str | None:
    """None when the two tables agree (codes, n, suppression, reliability, difference exactly;
    the estimate to ATOL points; n_eff, the interval and p_adjusted to ATOL and, for the float32
    replicate sums of the query layer, replicate_rtol as explained above — 0 for RTOL alone),
    else what differs."""
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return f"shape/columns differ: {list(a.columns)} × {len(a)} vs {list(b.columns)} × {len(b)}"
    width = np.abs(_floats(a["ci_high_pct"]) - _floats(a["ci_low_pct"]))
    tested = int(a["p_adjusted"].notna().sum())
    allowed = {
        "estimate_pct": 0.0,
        "n_eff": replicate_rtol * np.abs(_floats(a["n_eff"])),
        "ci_low_pct": replicate_rtol * width / 2,
        "ci_high_pct": replicate_rtol * width / 2,
        "p_adjusted": np.full(len(a), replicate_rtol * tested / 4),
    }
    for col in a.columns:
        x, y = a[col].reset_index(drop=True), b[col].reset_index(drop=True)
        if col in allowed:
            xf, yf = _floats(x), _floats(y)
            same_na = np.isnan(xf) == np.isnan(yf)
            close = np.isclose(xf, yf, rtol=RTOL, atol=ATOL, equal_nan=True)
            close |= np.abs(xf - yf) <= ATOL + np.nan_to_num(allowed[col])
            if not (same_na.all() and close.all()):
                rows = np.flatnonzero(~(same_na & close)).tolist()
                return f"{col} differs (rows {rows}): {x.tolist()} vs {y.tolist()}"
        elif not x.astype(object).where(x.notna(), None).equals(y.astype(object).where(y.notna(), None)):
            return f"{col} differs: {x.tolist()} vs {y.tolist()}"
    return None
