"""The cell-key method: consistent noise on every released count (the one protection of queries/).

Each record (a respondent, an activity row, a referral row) carries a record key 0..255 made at
build time (data/record_keys.py). A cell's key is the sum of its records' keys modulo 256; the
marts keep that sum beside each count, so any cell of any table has its key by addition, like its
count. The perturbation table (queries/ptable.csv, designed by queries/ptable_design.py) maps
(min(count, D), cell key) to a noise value d, and the released count is count + d (never below 0;
a zero stays zero).

The same records always make the same cell key, so the same cell gets the same noise in every
table, filter, download and slide: asking again, or for the same figure another way, gains nothing.
A hidden count worked out as the difference of two released ones carries two noises and cannot be
told apart from them.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

import numpy as np

PTABLE = Path(__file__).resolve().parent / "ptable.csv"
KEYS = 256
SURVEY, SURVEY_OPEN, ACTIVITY = "survey", "survey_open", "activity"


@functools.cache
def ptable(name: str) -> np.ndarray:
    """The noise of table NAME as an array [pcv, cell key] (int64); the last row serves every count
    at or above it."""
    rows: dict[tuple[int, int], int] = {}
    with PTABLE.open(encoding="utf-8") as f:
        for row in csv.DictReader(line for line in f if not line.startswith("#")):
            if row["table"] == name:
                rows[(int(row["pcv"]), int(row["ckey"]))] = int(row["pvalue"])
    if not rows:
        raise KeyError(f"no ptable {name!r} in {PTABLE}")
    top = max(p for p, _ in rows)
    out = np.zeros((top + 1, KEYS), dtype=np.int64)
    for (p, k), v in rows.items():
        out[p, k] = v
    out.setflags(write=False)
    return out


def cell_key(key_sums) -> np.ndarray:
    """Σ record keys (any integer sums, also differences of sums) → cell keys 0..255."""
    return np.mod(np.asarray(key_sums, dtype=np.int64), KEYS)


def noise(counts, key_sums, table: str) -> np.ndarray:
    """The noise each count gets (0 for a zero count)."""
    counts = np.asarray(counts)
    pt = ptable(table)
    whole = np.rint(counts.astype(np.float64)).astype(np.int64)
    pcv = np.clip(whole, 0, pt.shape[0] - 1)
    return pt[pcv, cell_key(key_sums)]


def perturb(counts, key_sums, table: str) -> np.ndarray:
    """The released counts: count + noise, as int64 (never below 0)."""
    whole = np.rint(np.asarray(counts, dtype=np.float64)).astype(np.int64)
    return np.maximum(whole + noise(whole, key_sums, table), 0)


def max_noise(table: str) -> int:
    """D: the largest change the table makes to a count (its bound, for the oracle tests)."""
    return int(np.abs(ptable(table)).max())


# ---- survey cells -------------------------------------------------------------------------------

# The additive sums of a survey cell, in the order of queries.indicators' arrays: the estimate's
# (n, Σw, Σw², Σw·y) and the cell key's (n_y, key_n, key_y).
SURVEY_SUMS = ("n", "sum_w", "sum_w2", "sum_wy", "n_y", "key_n", "key_y")


def perturb_survey(counts, key_sums, open_web=False) -> np.ndarray:
    """Released respondent counts: each perturbed with the open web's ptable where OPEN_WEB (per
    count, or one for all) and with the random sample's elsewhere."""
    open_web = np.broadcast_to(np.asarray(open_web, dtype=bool), np.shape(counts))
    return np.where(open_web, perturb(counts, key_sums, SURVEY_OPEN), perturb(counts, key_sums, SURVEY))


def protect_survey(sums: np.ndarray, open_web=False) -> np.ndarray:
    """Protected (n, Σw, Σw², Σw·y) of survey cells from their SURVEY_SUMS (cells × 7).

    open_web: per cell (or one for all), whether it holds open-web answers (channel 2), whose
    counts are perturbed with the survey_open ptable. Both counts are perturbed:
    n' = n + noise(n, key_n) and
    n_y' = n_y + noise(n_y, key_y), with n_y' kept ≤ n'. The weighted sums are scaled with them:
    Σw and Σw² by n'/n (the design effect, hence n_eff / n, is kept), Σw·y by n_y'/n_y. With equal
    weights the estimate is then exactly n_y'/n', so estimate × n gives back the perturbed count,
    never the true one; with raked weights the estimate moves by the same relative amount. Every
    estimate, interval and test is computed from these protected sums.
    """
    sums = np.asarray(sums, dtype=np.float64)
    n, sw, sw2, swy, n_y, key_n, key_y = (sums[:, i] for i in range(len(SURVEY_SUMS)))
    n_p = perturb_survey(n, key_n, open_web).astype(np.float64)
    n_y_p = np.minimum(perturb_survey(n_y, key_y, open_web), n_p).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale_n = np.where(n > 0, n_p / np.where(n > 0, n, 1.0), 0.0)
        scale_y = np.where(n_y > 0, n_y_p / np.where(n_y > 0, n_y, 1.0), 0.0)
    return np.column_stack([n_p, sw * scale_n, sw2 * scale_n, swy * scale_y])
