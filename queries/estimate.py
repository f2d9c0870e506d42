"""Statistics of weighted survey proportions, vectorised over cells (numpy arrays).

A cell is given by its additive sufficient statistics over the denominator rows:
n (unweighted count), sum_w = Σw, sum_w2 = Σw², sum_wy = Σw·y with y ∈ {0, 1}.

- estimate: 100 · Σwy / Σw
- n_eff: the effective sample size n / deff. Where the cell has bootstrap replicates of the raked
  random sample (data/replicates.py: resampled within districts and raked again, R replicates),
  deff is the replicate design effect v_rep / (p(1 − p) / n), with the replicate variance
  v_rep = (1/R) Σ_r (p_r − p)² of the replicates' proportions p_r = Σw_r·y / Σw_r around the
  full sample's p (replicate_deff): it knows that the weights were raked, which Kish's does not.
  Elsewhere (the open web's weight 1, a vendor's weights, a cell the replicates do not cover, and
  where p is 0 or 1 and the replicates cannot vary) deff is Kish's n Σw² / (Σw)², i.e. n_eff =
  (Σw)² / Σw² (effective_size).
- 95% interval: Wilson score interval with n_eff in place of n (the textbook Wilson interval when
  all weights are equal): Wilson's shape, asymmetric and never below 0 for a small proportion,
  with the spread the replicates measured (at n_eff = p(1 − p) / v_rep its half-width is z·√v_rep
  up to Wilson's correction)
- difference: two-proportion z-test between a group and the rest of the filtered population, with
  each side's effective sample size as its n and the pooled proportion in the standard error (the
  national survey's 比率の差の検定 is the pooled test); its two-sided p-values within one table are
  adjusted together with Holm's method (statsmodels' multipletests), and a group is higher or
  lower where the adjusted test rejects at the level of the contract's z (two-sided 5%). Which
  rows are tested (the family) is the caller's: queries.indicators leaves out the All row and the
  rows marked 秘匿 or 参考値.
"""

from __future__ import annotations

import contextlib
import gc
import math
import threading

import numpy as np

from data import codebook

HIGHER, LOWER, NONE = "higher", "lower", "none"
MIN_DEFF = 0.5  # the smallest replicate design effect used (n_eff at most 2n)
COMPARE_DECIMALS = 9  # thresholds are compared on values rounded to this many decimals


def z_value() -> float:
    return float(codebook.estimation()["z"])


def _arr(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def proportion(sum_w, sum_wy) -> np.ndarray:
    """Σwy / Σw; NaN where Σw = 0."""
    sw, swy = _arr(sum_w), _arr(sum_wy)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(sw > 0, swy / np.where(sw > 0, sw, 1.0), np.nan)
    # Rounding in the sums can push p a hair outside [0, 1].
    return np.clip(p, 0.0, 1.0)


def kish_neff(sum_w, sum_w2) -> np.ndarray:
    """(Σw)² / Σw²; 0 for an empty cell."""
    sw, sw2 = _arr(sum_w), _arr(sum_w2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sw2 > 0, sw * sw / np.where(sw2 > 0, sw2, 1.0), 0.0)


def replicate_variance(sum_w, sum_wy, rep_w, rep_wy) -> np.ndarray:
    """(1/R) Σ_r (p_r − p)² per cell: p = Σwy / Σw of the full sample, p_r = Σw_r·y / Σw_r of
    replicate r (rep_w, rep_wy: cells × R); NaN where a replicate's Σw_r is 0 or there is no
    replicate (R = 0)."""
    p = proportion(sum_w, sum_wy)
    rw, rwy = np.asarray(rep_w, dtype=float), np.asarray(rep_wy, dtype=float)
    if rw.ndim != 2 or rw.shape[1] == 0:
        return np.full(p.shape, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_r = np.where(rw > 0, rwy / np.where(rw > 0, rw, 1.0), np.nan)
        v = np.mean((np.clip(p_r, 0.0, 1.0) - p[:, None]) ** 2, axis=1)
    return np.where(np.isfinite(v), v, np.nan)


def replicate_deff(n, sum_w, sum_wy, rep_w, rep_wy) -> np.ndarray:
    """The replicate design effect v_rep / (p(1 − p) / n) of each cell (true, unprotected sums: a
    property of the sample's design and raking); NaN where it is not defined: p 0 or 1, no
    replicates, a replicate variance of 0."""
    n = _arr(n)
    p = proportion(sum_w, sum_wy)
    v = replicate_variance(sum_w, sum_wy, rep_w, rep_wy)
    srs = p * (1.0 - p) / np.where(n > 0, n, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        deff = np.where((srs > 0) & (v > 0), v / np.where(srs > 0, srs, 1.0), np.nan)
    return np.where(np.isfinite(deff), deff, np.nan)


def effective_size(n, sum_w, sum_w2, p, deff=None) -> np.ndarray:
    """n / max(deff, MIN_DEFF) where the replicate design effect DEFF is given (finite) and 0 < p < 1, else Kish's
    (Σw)² / Σw². N, Σw, Σw² and P are the released (protected) values; DEFF is the design's, so
    that n_eff / n is the design's as with Kish (whose ratio the protection keeps too). Where p is
    0 or 1 Kish's is used whatever the replicates say, so that the released n_eff of a cell shown
    as 0% or 100% is what it always was."""
    kish = kish_neff(sum_w, sum_w2)
    if deff is None:
        return kish
    n, p, deff = _arr(n), _arr(p), _arr(deff)
    use = np.isfinite(deff) & (deff > 0) & (p > 0) & (p < 1) & (n > 0)
    # A design effect below 1 is allowed (raking can make a group's estimate more precise than a
    # simple random sample of its size), down to MIN_DEFF against a wild replicate variance. It
    # is not truncated at 1 (Korn and Graubard's n_eff ≤ n): the released n_eff would then equal n
    # exactly for many cells of unequal weights, and n_eff = n is how equal weights read, for a
    # user and for the attacks of tests/disclosure alike.
    deff = np.maximum(np.where(use, deff, 1.0), MIN_DEFF)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(use, n / deff, kish)


def wilson(p, n, z: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (low, high) of proportion p with sample size n; NaN where n = 0."""
    z = z_value() if z is None else z
    p, n = _arr(p), _arr(n)
    ok = n > 0
    n_safe = np.where(ok, n, 1.0)
    p_safe = np.where(ok, p, 0.0)
    z2 = z * z
    denom = 1.0 + z2 / n_safe
    centre = (p_safe + z2 / (2.0 * n_safe)) / denom
    half = z / denom * np.sqrt(p_safe * (1.0 - p_safe) / n_safe + z2 / (4.0 * n_safe * n_safe))
    low = np.where(ok, np.clip(centre - half, 0.0, 1.0), np.nan)
    high = np.where(ok, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high


def alpha(z: float | None = None) -> float:
    """The two-sided level of the contract's z: 2·(1 − Φ(z)), 0.05 for z = 1.959964 (rounded to
    six decimals, so that the level is the 5% the contract means, not 0.04999999819)."""
    z = z_value() if z is None else z
    return round(math.erfc(z / math.sqrt(2.0)), 6)


def z_test(p1, n1, p2, n2) -> tuple[np.ndarray, np.ndarray]:
    """(z, two-sided p) of the pooled two-proportion z-test of group (p1, n1) against the rest
    (p2, n2); NaN where either side is empty. z is 0 and p is 1 where the pooled proportion is 0
    or 1 (nobody, or everybody, has the trait: nothing differs)."""
    p1, n1, p2, n2 = _arr(p1), _arr(n1), _arr(p2), _arr(n2)
    ok = (n1 > 0) & (n2 > 0) & np.isfinite(p1) & np.isfinite(p2)
    n1s, n2s = np.where(ok, n1, 1.0), np.where(ok, n2, 1.0)
    p1s, p2s = np.where(ok, p1, 0.0), np.where(ok, p2, 0.0)
    pooled = (n1s * p1s + n2s * p2s) / (n1s + n2s)
    se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1s + 1.0 / n2s))
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = np.where(se > 0, (p1s - p2s) / np.where(se > 0, se, 1.0), 0.0)
    from scipy.special import ndtr  # imported when a table is first tested, not at start-up

    p_two = 2.0 * ndtr(-np.abs(stat))
    return np.where(ok, stat, np.nan), np.where(ok, np.minimum(p_two, 1.0), np.nan)


def holm(p_values, tested, level: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(reject, adjusted p) of the p-values where TESTED is true, adjusted together as one family
    with Holm's step-down method (statsmodels.stats.multitest.multipletests, method "holm") at
    LEVEL (alpha() unless given); reject False and adjusted p NaN elsewhere."""
    level = alpha() if level is None else level
    p_values = _arr(p_values)
    tested = np.asarray(tested, dtype=bool) & np.isfinite(p_values)
    reject = np.zeros(p_values.shape, dtype=bool)
    adjusted = np.full(p_values.shape, np.nan)
    if tested.any():
        # statsmodels imports scipy.stats (~0.4 s): done when a table is first tested, so that
        # the server's start and the overview (no tests) do not wait for it
        from statsmodels.stats.multitest import multipletests

        with _no_forced_collection():
            rej, corrected, _, _ = multipletests(p_values[tested], alpha=level, method="holm")
        reject[tested] = rej
        adjusted[tested] = corrected
    return reject, adjusted


# statsmodels' Holm branch ends with an explicit gc.collect() (added upstream against the memory of
# millions of p-values; its removal was proposed in statsmodels pull request 8671): a full
# collection of the process, 20–60 ms in the CLI or a page run, twenty times the cost of the whole
# table, for a family of a few dozen p-values that leaves nothing to collect. It is skipped for the
# duration of the call: gc.collect is swapped for a no-op under a lock, and the real one (kept here)
# always put back. The automatic collector does not go through this attribute and runs as usual; a
# gc.collect() another thread asks for in those microseconds is skipped, which is harmless.
_GC_COLLECT = gc.collect
_GC_LOCK = threading.Lock()


def _skip_collection(generation: int = 2) -> int:
    return 0


@contextlib.contextmanager
def _no_forced_collection():
    with _GC_LOCK:
        gc.collect = _skip_collection
        try:
            yield
        finally:
            gc.collect = _GC_COLLECT


def differences(p1, n1, p2, n2, tested) -> tuple[np.ndarray, np.ndarray]:
    """(mark, adjusted p) of each group (p1, n1) against its rest (p2, n2): the z-test of each,
    the rows where TESTED is true (and both sides are non-empty) adjusted together (holm); mark
    is higher / lower where the adjusted test rejects, none where it does not, None (object)
    where the row was not tested; adjusted p is NaN there."""
    stat, p_two = z_test(p1, n1, p2, n2)
    tested = np.asarray(tested, dtype=bool) & np.isfinite(p_two)
    reject, adjusted = holm(p_two, tested)
    marks = np.full(stat.shape, None, dtype=object)
    marks[tested] = NONE
    marks[reject & (stat > 0)] = HIGHER
    marks[reject & (stat < 0)] = LOWER
    return marks, adjusted


def low_reliability(n_eff, ci_low, ci_high) -> np.ndarray:
    """n_eff below the codebook's threshold, or an interval wider than its width in points."""
    est = codebook.estimation()
    # Rounded before the comparison: sums in a different order put 30 equal weights at
    # n_eff = 29.999999999999993, which must read as 30, not as below the threshold.
    n_eff = np.round(_arr(n_eff), COMPARE_DECIMALS)
    width = np.round(100.0 * (_arr(ci_high) - _arr(ci_low)), COMPARE_DECIMALS)
    return (n_eff < float(est["low_reliability_neff"])) | ~(width <= float(est["low_reliability_ci_width_pct"]))
