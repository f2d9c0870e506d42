"""The yardstick of the query layer: the same indicator tables computed the straightforward pandas way.

The responses are read into pandas once (as a pandas dashboard would at start-up), with the
indicator answers (1 / 0 / NaN when an item is blank) computed once from the codebook rules; then
each call filters the rows, groups them, takes weighted sums and computes Kish n_eff, the Wilson
interval, reliability, suppression and the difference from the rest, just as the contract says.
Nothing here is made slow on purpose; `same_table` checks it returns what indicator_table returns
before its protection (queries.indicators._table(..., protect=False)), so the two sides do the same
work but for the cell-key noise, which the query layer adds on top (and the baseline does not).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from data import codebook
from queries.filters import CHANNELS, Filters

BOTH_CHANNELS = tuple(c for codes in CHANNELS.values() for c in codes)  # a table by channel reads both

ATTRS = ("age_band", "sex", "district", "household")
MISSING = 9


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
        est = codebook.estimation()
        self.z = float(est["z"])
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

        total = rows[["n", "weight", "w2", "wy"]].sum().to_numpy(dtype=float).reshape(1, 4)
        head = self._stats(total, None, is_total=True, open_web=2 in channels)
        if not by:
            return head

        sums = rows.groupby(list(by))[["n", "weight", "w2", "wy"]].sum()
        levels = [self._levels(d, filters, rows[d]) for d in by]
        keys = list(itertools.product(*levels))
        index = pd.MultiIndex.from_tuples(keys) if len(by) == 2 else pd.Index([k[0] for k in keys])
        cells = sums.reindex(index, fill_value=0).to_numpy(dtype=float)
        rest = total - cells
        rest[rest[:, 0] <= 0] = 0.0
        if "channel" in by:
            open_web = np.array([k[by.index("channel")] == 2 for k in keys])
        else:
            open_web = np.full(len(keys), 2 in channels)
        body = self._stats(cells, rest, is_total=False, open_web=open_web)
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

    def _stats(self, cells: np.ndarray, rest: np.ndarray | None, is_total: bool, open_web) -> pd.DataFrame:
        n, sw, sw2, swy = cells.T
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.clip(swy / sw, 0, 1)
            neff = np.where(sw2 > 0, sw * sw / sw2, 0.0)
            z2 = self.z**2
            denom = 1 + z2 / neff
            centre = (p + z2 / (2 * neff)) / denom
            half = self.z / denom * np.sqrt(p * (1 - p) / neff + z2 / (4 * neff * neff))
        low, high = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
        hidden = n < self.min_n
        low_rel = (neff < self.low_neff) | ~(100 * (high - low) <= self.max_width)

        diff = np.full(len(n), None, dtype=object)
        if rest is not None:
            rn, rsw, rsw2, rswy = rest.T
            with np.errstate(invalid="ignore", divide="ignore"):
                p2 = np.clip(rswy / rsw, 0, 1)
                neff2 = np.where(rsw2 > 0, rsw * rsw / rsw2, 0.0)
                pooled = (neff * p + neff2 * p2) / (neff + neff2)
                se = np.sqrt(pooled * (1 - pooled) * (1 / neff + 1 / neff2))
                stat = np.where(se > 0, (p - p2) / se, 0.0)
            ok = (neff > 0) & (neff2 > 0) & np.isfinite(p) & np.isfinite(p2)
            diff = np.where(stat > self.z, "higher", np.where(stat < -self.z, "lower", "none")).astype(object)
            diff[~ok | hidden] = None

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
                "open_web": np.broadcast_to(np.asarray(open_web, dtype=bool), len(n)).copy(),
            }
        )


def same_table(a: pd.DataFrame, b: pd.DataFrame) -> str | None:
    """None when the two tables agree (codes, n, suppression, reliability, difference exactly;
    numbers to 1e-6 points), else what differs."""
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return f"shape/columns differ: {list(a.columns)} × {len(a)} vs {list(b.columns)} × {len(b)}"
    for col in a.columns:
        x, y = a[col].reset_index(drop=True), b[col].reset_index(drop=True)
        if col in ("n_eff", "estimate_pct", "ci_low_pct", "ci_high_pct"):
            xf, yf = (
                x.astype("Float64").to_numpy(float, na_value=np.nan),
                y.astype("Float64").to_numpy(float, na_value=np.nan),
            )
            if not np.allclose(xf, yf, rtol=1e-9, atol=1e-6, equal_nan=True):
                return f"{col} differs"
        elif not x.astype(object).where(x.notna(), None).equals(y.astype(object).where(y.notna(), None)):
            return f"{col} differs: {x.tolist()} vs {y.tolist()}"
    return None
