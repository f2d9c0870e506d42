"""Statistics of weighted survey proportions, vectorised over cells (numpy arrays).

A cell is given by its additive sufficient statistics over the denominator rows:
n (unweighted count), sum_w = Σw, sum_w2 = Σw², sum_wy = Σw·y with y ∈ {0, 1}.

- estimate: 100 · Σwy / Σw
- n_eff: Kish's effective sample size (Σw)² / Σw²
- 95% interval: Wilson score interval with n_eff in place of n (the textbook Wilson interval when
  all weights are equal)
- difference: two-proportion z-test at the contract's z between a group and the rest of the
  filtered population, with each side's effective sample size as its n and the pooled proportion
  in the standard error (the national survey's 比率の差の検定 is the pooled test).
"""

from __future__ import annotations

import numpy as np

from data import codebook

HIGHER, LOWER, NONE = "higher", "lower", "none"
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


def difference(p1, n1, p2, n2, z: float | None = None) -> np.ndarray:
    """higher / lower / none for group (p1, n1) against the rest (p2, n2), pooled two-proportion
    z-test; None (object) where either side is empty."""
    z = z_value() if z is None else z
    p1, n1, p2, n2 = _arr(p1), _arr(n1), _arr(p2), _arr(n2)
    ok = (n1 > 0) & (n2 > 0) & np.isfinite(p1) & np.isfinite(p2)
    n1s, n2s = np.where(ok, n1, 1.0), np.where(ok, n2, 1.0)
    p1s, p2s = np.where(ok, p1, 0.0), np.where(ok, p2, 0.0)
    pooled = (n1s * p1s + n2s * p2s) / (n1s + n2s)
    se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1s + 1.0 / n2s))
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = np.where(se > 0, (p1s - p2s) / np.where(se > 0, se, 1.0), 0.0)
    out = np.full(p1.shape, NONE, dtype=object)
    out[stat > z] = HIGHER
    out[stat < -z] = LOWER
    out[~ok] = None
    return out


def low_reliability(n_eff, ci_low, ci_high) -> np.ndarray:
    """n_eff below the codebook's threshold, or an interval wider than its width in points."""
    est = codebook.estimation()
    # Rounded before the comparison: sums in a different order put 30 equal weights at
    # n_eff = 29.999999999999993, which must read as 30, not as below the threshold.
    n_eff = np.round(_arr(n_eff), COMPARE_DECIMALS)
    width = np.round(100.0 * (_arr(ci_high) - _arr(ci_low)), COMPARE_DECIMALS)
    return (n_eff < float(est["low_reliability_neff"])) | ~(width <= float(est["low_reliability_ci_width_pct"]))
