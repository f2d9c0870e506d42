"""An independent, plain-Python computation of the indicator tables (no DuckDB, pandas or numpy),
written from the contract (extract_format.md, "Indicators" and "Estimates") and api_contract.md.

These are the TRUE (unprotected) statistics. Each row also carries what the cell-key method starts
from: true_n, n_y (respondents with the trait) and the record-key sums key_n, key_y (when the rows
carry their record_key); `released` reads queries/ptable.csv itself to say what a released count is.
"""

from __future__ import annotations

import csv
import functools
import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

Z = 1.959964
ALPHA = 0.05  # the two-sided level of Z
MIN_N = 10
MISSING = 9


# The contract's indicator table, written out by hand (not read from the codebook rules).
def _answered(*values):
    return all(v is not None for v in values)


def _y(ok: bool) -> int:
    return 1 if ok else 0


def indicator_value(ind: str, r: dict) -> int | None:
    ld, c, s = r["lonely_direct"], r["confidant"], r["support_received"]
    u = (r["ucla_1"], r["ucla_2"], r["ucla_3"])
    if ind in ("lonely_often", "lonely_sometimes_plus", "lonely_any"):
        if ld is None:
            return None
        return _y(ld >= {"lonely_often": 5, "lonely_sometimes_plus": 4, "lonely_any": 3}[ind])
    if ind in ("ucla_high", "ucla_moderate_plus"):
        if not _answered(*u):
            return None
        return _y(sum(u) >= (10 if ind == "ucla_high" else 7))
    if ind == "rare_contact":
        return None if r["meet_freq"] is None else _y(r["meet_freq"] >= 6)
    if ind == "no_participation":
        return None if r["participation"] is None else _y(r["participation"] == 2)
    if ind == "no_confidant":
        return None if c is None else _y(c == 2)
    if ind == "unreached":
        if not _answered(ld, c, s):
            return None
        return _y(ld in (4, 5) and c == 2 and s == 2)
    raise KeyError(ind)


INDICATORS = [
    "lonely_often",
    "lonely_sometimes_plus",
    "lonely_any",
    "ucla_high",
    "ucla_moderate_plus",
    "rare_contact",
    "no_participation",
    "no_confidant",
    "unreached",
]
CODES = {
    "age_band": list(range(1, 9)),
    "sex": [1, 2, 3],
    "district": list(range(1, 7)),
    "household": list(range(1, 6)),
    "channel": [1, 2],
    "confidant": [1, 2],
}
# The channels a user may pick: both together (両方) is never released. A table BY channel reads
# both, each its own group, with no All row.
CHANNELS = {"random": {1}, "open": {2}}


def wilson_textbook(x: float, n: float, z: float = Z) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


PTABLE = Path(__file__).resolve().parents[2] / "queries" / "ptable.csv"
KEYS = 256


@functools.cache
def _ptable(name: str) -> dict[tuple[int, int], int]:
    with PTABLE.open(encoding="utf-8") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return {(int(r["pcv"]), int(r["ckey"])): int(r["pvalue"]) for r in rows if r["table"] == name}


def survey_table(open_web: bool) -> str:
    """The ptable of a survey count: open-web cells (weights all 1) have their own, noisier one."""
    return "survey_open" if open_web else "survey"


def population_table(by: tuple[str, ...] = (), channel: str = "random") -> str:
    """The ptable of a table's whole filtered population (checked against the minimum filter n):
    the open web's when it holds open-web answers (channel open, or a table by channel)."""
    return survey_table("channel" in by or 2 in CHANNELS[channel])


def max_noise(table: str) -> int:
    """D of a ptable, read from the file: its largest |noise|."""
    return max(abs(v) for v in _ptable(table).values())


def released(count: int, key_sum: int, table: str = "survey") -> int:
    """A count as the cell-key method releases it: count + the ptable's noise at
    (min(count, last pcv), key sum mod 256); a zero stays zero."""
    pt = _ptable(table)
    top = max(p for p, _ in pt)
    count = int(count)
    if count == 0:
        return 0
    return max(0, count + pt[(min(count, top), int(key_sum) % KEYS)])


@dataclass
class Cell:
    n: int
    sw: float
    sw2: float
    swy: float
    n_eff_exact: Fraction | None  # for the threshold: (Σw)²/Σw² in rational arithmetic
    n_y: int = 0
    key_n: int = 0
    key_y: int = 0

    @classmethod
    def of(cls, rows):
        """ROWS: (weight, y) or (weight, y, record key)."""
        weights = [Fraction(r[0]) for r in rows]
        exact = sum(weights) ** 2 / sum(w * w for w in weights) if rows else None
        keys = [r[2] if len(r) > 2 else 0 for r in rows]
        return cls(
            len(rows),
            math.fsum(r[0] for r in rows),
            math.fsum(r[0] * r[0] for r in rows),
            math.fsum(r[0] * r[1] for r in rows),
            exact,
            sum(r[1] for r in rows),
            sum(keys),
            sum(k for r, k in zip(rows, keys) if r[1]),
        )


def stats(cell: Cell, rest: Cell | None, is_total: bool, min_n: int = MIN_N) -> dict:
    out = {"is_total": is_total}
    hidden = cell.n < min_n
    if cell.n == 0:
        p = ne = lo = hi = None
    else:
        p = cell.swy / cell.sw
        ne = cell.sw**2 / cell.sw2
        lo, hi = wilson_textbook(p * ne, ne)
    low_rel = hidden or ne is None or cell.n_eff_exact < 30 or round((hi - lo) * 100, 9) > 20
    # the group-vs-rest test, made only for groups shown with a reliable estimate (not 秘匿 or
    # 参考値); the mark is decided over the whole table by holm() below
    zstat = p_raw = None
    if not hidden and not low_rel and not is_total and rest is not None and rest.n > 0:
        p2 = rest.swy / rest.sw
        n2 = rest.sw**2 / rest.sw2
        pooled = (ne * p + n2 * p2) / (ne + n2)
        se = math.sqrt(pooled * (1 - pooled) * (1 / ne + 1 / n2))
        zstat = 0.0 if se == 0 else (p - p2) / se
        p_raw = math.erfc(abs(zstat) / math.sqrt(2))  # two-sided normal p-value
    out.update(
        {
            "n": None if hidden else cell.n,
            "n_eff": None if hidden else ne,
            "estimate_pct": None if hidden else 100 * p,
            "ci_low_pct": None if hidden else 100 * lo,
            "ci_high_pct": None if hidden else 100 * hi,
            "reliability": "low" if low_rel else "ok",
            "suppressed": hidden,
            "difference": None,
            "p_adjusted": None,
            "z": zstat,
            "p_raw": p_raw,
            "true_n": cell.n,
            "n_y": cell.n_y,
            "key_n": cell.key_n,
            "key_y": cell.key_y,
        }
    )
    return out


def holm(rows: list[dict], alpha: float = ALPHA) -> list[dict]:
    """Holm's step-down method written out by hand over the rows with a raw p-value (one table):
    sort the m p-values ascending; the i-th smallest (i from 0) is rejected while every p-value up
    to it is at most alpha / (m − i); the adjusted p-value is the running maximum of (m − i)·p,
    at most 1. Sets difference (higher / lower / none) and p_adjusted on those rows."""
    tested = sorted((r["p_raw"], k) for k, r in enumerate(rows) if r.get("p_raw") is not None)
    m = len(tested)
    running, still_rejecting = 0.0, True
    for i, (p, k) in enumerate(tested):
        running = max(running, min(1.0, (m - i) * p))
        still_rejecting = still_rejecting and p <= alpha / (m - i)
        z = rows[k]["z"]
        rows[k]["p_adjusted"] = running
        rows[k]["difference"] = ("higher" if z > 0 else "lower") if still_rejecting and z != 0 else "none"
    return rows


def group_key(r: dict, dim: str) -> int:
    v = r[dim]
    return MISSING if v is None else v


def population(
    rows: list[dict],
    indicator: str,
    by: tuple[str, ...] = (),
    *,
    wave=None,
    channel="random",
    attrs: dict[str, tuple[int, ...]] | None = None,
) -> Cell:
    """The whole filtered population of a table (its All row, also when by has two dimensions)."""
    return _population(rows, indicator, by, wave, channel, attrs or {})[0]


def _population(rows, indicator, by, wave, channel, attrs):
    all_waves = sorted({r["wave"] for r in rows})
    if "wave" in by:
        waves = set(all_waves)
    elif wave is None:
        waves = {all_waves[-1]} if all_waves else set()
    else:
        waves = {wave}
    channels = {1, 2} if "channel" in by else CHANNELS[channel]
    pop = []
    for r in rows:
        if r["wave"] not in waves or r["channel"] not in channels:
            continue
        if any(chosen and group_key(r, d) not in chosen for d, chosen in attrs.items()):
            continue
        y = indicator_value(indicator, r)
        if y is not None:
            pop.append((r, y))
    return Cell.of([(r["weight"], y, r.get("record_key", 0)) for r, y in pop]), pop, all_waves, channels


def table(
    rows: list[dict],
    indicator: str,
    by: tuple[str, ...],
    *,
    wave=None,
    channel="random",
    attrs: dict[str, tuple[int, ...]] | None = None,
    min_n: int = MIN_N,
) -> list[dict]:
    """The rows of indicator_table, in order, with the dimension codes (None on the All row)."""
    attrs = attrs or {}
    total, pop, all_waves, channels = _population(rows, indicator, by, wave, channel, attrs)
    open_web_all = 2 in channels

    def levels(dim):
        if dim == "wave":
            return all_waves
        if dim == "channel":
            return [1, 2]
        chosen = attrs.get(dim, ())
        if chosen:
            return [c for c in CODES[dim] if c in chosen] + ([MISSING] if MISSING in chosen else [])
        return CODES[dim] + ([MISSING] if any(r[dim] is None for r, _ in pop) else [])

    out = []
    if len(by) == 0 or (len(by) == 1 and by[0] != "channel"):  # no All row by channel
        row = stats(total, None, True, min_n)
        if by:
            row[by[0]] = None
        row["open_web"] = open_web_all
        out.append(row)
    if not by:
        return out
    for key in itertools.product(*(levels(d) for d in by)):
        inside = [
            (r["weight"], y, r.get("record_key", 0))
            for r, y in pop
            if all(group_key(r, d) == k for d, k in zip(by, key))
        ]
        outside = [
            (r["weight"], y, r.get("record_key", 0))
            for r, y in pop
            if not all(group_key(r, d) == k for d, k in zip(by, key))
        ]
        row = stats(Cell.of(inside), Cell.of(outside), False, min_n)
        row.update(dict(zip(by, key)))
        row["open_web"] = (key[by.index("channel")] == 2) if "channel" in by else open_web_all
        out.append(row)
    return holm(out)
