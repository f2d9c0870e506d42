"""Survey weights: the vendor's where given, else raking of the random sample to the population.

Rules (codebook `weighting`; contract section "Estimates"):

- A wave and channel whose rows all carry a `weight` keep those weights (weight_source 'vendor').
  Some rows with and some without a weight in one wave and channel is an error: the vendor's
  weights would be mixed with ours.
- A random-sample wave (channel in `raked_channels`) without weights is raked (iterative
  proportional fitting, the `ipfn` library) to the margins of the population extract's latest
  as_of: age_band × sex jointly, and district. Raked weights sum to the population (16+), so a
  weight reads as "residents this respondent stands for" (weight_source 'raked').
- Open-web rows without weights get weight 1 (weight_source 'unit').

Respondents the margins cannot place (a blank age_band, sex or district, or sex 3 その他・回答しない,
which the register does not count): only respondents with every raking attribute known are
raked; each of the others gets the mean raked weight of the raked respondents who share the
attributes it does have (e.g. age 30〜39 in 藤島 with sex 3: the mean over 30〜39 in 藤島 of
both sexes; all attributes unknown: the overall mean). Then every weight of the wave is scaled
by one factor so the total is again the population. The shares of the raked respondents across
each margin therefore still equal the population's exactly; their totals are short by the
weight the others carry. Everyone stays in every estimate, and nobody's weight depends on their
answers.

A wave cannot be raked, and the build is refused, when there is no population extract, when a
margin cell with residents has no raked respondent, or when respondents fall in a cell with no
residents.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pandas as pd
from ipfn.ipfn import ipfn

from data import codebook
from data.problems import Problem
from data.validate import FILE_COL, ROW_COL

VENDOR, RAKED, UNIT = "vendor", "raked", "unit"
MARGIN_TOLERANCE = 1e-4  # raking must meet every margin to 0.01% (the contract asks 0.1%)
# A vendor weight more than this many times the median weight of its wave and channel (or less
# than the median divided by it) is refused: real design weights differ by tens at most, and one
# weight of 1e308 makes every estimate 0.0% with no interval. The validator already refuses
# weights that are not finite or not > 0.
VENDOR_WEIGHT_RATIO = 1000


def weighting() -> dict:
    return codebook.codebook()["weighting"]


def rake_dimensions() -> list[str]:
    """The raking attributes in a fixed order: every column of every margin."""
    out: list[str] = []
    for margin in weighting()["margins"]:
        out += [c for c in margin if c not in out]
    return out


def _categories(dim: str) -> list[int]:
    """Codes of a raking attribute that the population extract counts (sex: 1 and 2 only)."""
    spec = codebook.columns("population")[dim]
    allowed = codebook.codes(spec["codes"])
    return [c for c in allowed if c in spec["only"]] if "only" in spec else allowed


def latest_population(population: pd.DataFrame) -> pd.DataFrame:
    return population[population["as_of"] == population["as_of"].max()]


def population_array(population: pd.DataFrame) -> np.ndarray:
    """Residents of the latest as_of as an array over the raking attributes' codes."""
    dims = rake_dimensions()
    cats = [_categories(d) for d in dims]
    full = pd.MultiIndex.from_product(cats, names=dims)
    counts = (
        latest_population(population)
        .astype({d: "int64" for d in dims})
        .groupby(dims)["population"]
        .sum()
        .reindex(full, fill_value=0)
    )
    return counts.to_numpy(dtype=float).reshape([len(c) for c in cats])


def rake_keys(sample: pd.DataFrame) -> np.ndarray:
    """Each respondent's raking key: per raking attribute (rake_dimensions() order) the position of
    its code among _categories(), or -1 where it is unknown to the margins (blank, 9, sex 3).
    Respondents with the same key get the same raked weight (rake_factors)."""
    dims = rake_dimensions()
    out = np.full((len(sample), len(dims)), -1, dtype=np.int64)
    for j, d in enumerate(dims):
        cats = np.array(_categories(d))
        values = sample[d].to_numpy(dtype="float64", na_value=np.nan)
        pos = np.clip(np.searchsorted(cats, values), 0, len(cats) - 1)
        ok = ~np.isnan(values) & (cats[pos] == values)
        out[ok, j] = pos[ok]
    return out


def _margin_axes() -> list[list[int]]:
    dims = rake_dimensions()
    return [[dims.index(c) for c in margin] for margin in weighting()["margins"]]


def _margin(table: np.ndarray, axes: list[int]) -> np.ndarray:
    other = tuple(i for i in range(table.ndim) if i not in axes)
    return table.sum(axis=other)


def _margin_name(axes: list[int], index: tuple[int, ...]) -> str:
    dims = rake_dimensions()
    return ", ".join(f"{dims[a]}={_categories(dims[a])[i]}" for a, i in zip(axes, index))


def rake_cells(counts: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray | None, list[tuple[str, str, str]]]:
    """Raked cell totals of a sample table (respondents per cell) to the margins of `targets`
    (residents per cell), or None and the reasons it cannot be done as (cell, ja, en)."""
    reasons = []
    for axes in _margin_axes():
        have, want = _margin(counts, axes), _margin(targets, axes)
        for index in zip(*np.nonzero((have == 0) & (want > 0))):
            reasons.append(
                (
                    _margin_name(axes, index),
                    "この区分に回答者がいないため人口に合わせたウェイトを計算できません",
                    "no respondent in this group, so weights cannot be raked to the population",
                )
            )
        for index in zip(*np.nonzero((have > 0) & (want == 0))):
            reasons.append(
                (
                    _margin_name(axes, index),
                    "人口が 0 の区分に回答者がいます",
                    "respondents in a group whose population is 0",
                )
            )
    if reasons:
        return None, reasons
    aggregates = [_margin(targets, axes) for axes in _margin_axes()]
    fit = ipfn(
        counts.astype(float).copy(),
        aggregates,
        _margin_axes(),
        convergence_rate=1e-12,
        max_iteration=2000,
        rate_tolerance=0.0,
        verbose=0,
    )
    with contextlib.redirect_stdout(io.StringIO()):  # ipfn prints its convergence messages
        fitted = fit.iteration()
    for axes, want in zip(_margin_axes(), aggregates):
        got = _margin(fitted, axes)
        if np.any(np.abs(got - want) > MARGIN_TOLERANCE * np.maximum(want, 1)):
            return None, [
                ("-", "ウェイトの計算（レーキング）が収束しません", "raking did not converge to the population margins")
            ]
    return fitted, []


def rake_factors(
    keys: np.ndarray, counts: np.ndarray, targets: np.ndarray
) -> tuple[np.ndarray | None, list[tuple[str, str, str]]]:
    """The raked weight of one respondent of each raking key (see the module docstring), from how
    many respondents have each key; or None and the reasons it cannot be done as (cell, ja, en).

    keys: (K × raking attributes) positions as rake_keys gives them, -1 unknown; counts: (K,)
    respondents per key (any non-negative numbers: a bootstrap replicate's resampled counts, see
    data/replicates.py, are raked by the same code); targets: population_array().

    Keys with every attribute known are raked together (rake_cells): their weight is the raked
    total of their cell over its respondents. A key with an unknown attribute gets the mean raked
    weight of the raked respondents sharing the attributes it has (Σ raked totals / Σ respondents
    over the cells that match; the overall mean when none does). Then every weight is scaled by
    one factor so that the total over all respondents is the population's."""
    keys = np.asarray(keys, dtype=np.int64)
    counts = np.asarray(counts, dtype=float)
    complete = (keys >= 0).all(axis=1)
    if not (complete & (counts > 0)).any():
        return None, [
            (
                "-",
                "年齢・性別・地域が全てそろった回答者がいないためウェイトを計算できません",
                "no respondent with age_band, sex and district all known: cannot rake",
            )
        ]
    flat = np.ravel_multi_index(keys[complete].T, targets.shape)
    table = np.bincount(flat, weights=counts[complete], minlength=targets.size).reshape(targets.shape)
    fitted, reasons = rake_cells(table, targets)
    if fitted is None:
        return None, reasons
    factors = np.full(len(keys), np.nan)
    per_cell = np.divide(fitted, table, out=np.zeros_like(fitted), where=table > 0).ravel()
    factors[complete] = per_cell[flat]
    overall = float(fitted.sum() / table.sum())
    known = keys >= 0
    for pattern in {tuple(row) for row in known[~complete]}:
        rows = ~complete & (known == pattern).all(axis=1)
        unknown_axes = tuple(a for a, k in enumerate(pattern) if not k)
        fitted_known = fitted.sum(axis=unknown_axes)  # over the cells that share the known attributes
        table_known = table.sum(axis=unknown_axes)
        at = tuple(keys[rows][:, [a for a, k in enumerate(pattern) if k]].T)
        have = table_known[at] if at else np.full(int(rows.sum()), table.sum())
        got = fitted_known[at] if at else np.full(int(rows.sum()), fitted.sum())
        factors[rows] = np.where(have > 0, got / np.where(have > 0, have, 1.0), overall)
    return factors * (targets.sum() / float(factors @ counts)), []


def rake_wave(sample: pd.DataFrame, population: pd.DataFrame) -> tuple[np.ndarray | None, list[tuple[str, str, str]]]:
    """Raked weights of one wave's random-sample rows (see the module docstring), or the reasons
    they cannot be computed."""
    keys, inverse, counts = np.unique(rake_keys(sample), axis=0, return_inverse=True, return_counts=True)
    factors, reasons = rake_factors(keys, counts, population_array(population))
    if factors is None:
        return None, reasons
    return factors[inverse.reshape(-1)], []


def assign_weights(responses: pd.DataFrame, population: pd.DataFrame | None) -> tuple[pd.DataFrame, list[Problem]]:
    """responses with `weight` (float) and `weight_source` filled, and the weighting problems."""
    problems: list[Problem] = []
    out = responses.copy()
    given = out["weight"].notna().to_numpy()
    weight = out["weight"].to_numpy(dtype="float64", na_value=np.nan).copy()
    source = np.where(given, VENDOR, UNIT).astype(object)
    raked_channels = set(weighting()["raked_channels"])
    for (wave, channel), idx in out.groupby(["wave", "channel"], sort=True).indices.items():
        have = given[idx]
        if have.any() and not have.all():
            problems += _mixed_weight_problems(out, idx[~have], wave, channel)
            continue
        if have.all():
            problems += _implausible_weight_problems(out, idx, weight[idx], wave, channel)
            continue
        if channel not in raked_channels:
            continue
        first_file = str(out[FILE_COL].iat[idx[0]])
        if population is None or population.empty:
            problems.append(
                Problem(
                    first_file,
                    None,
                    "weight",
                    None,
                    f"{wave} 年の無作為抽出調査にウェイトがありません: weight 列か人口ファイル（population）が必要です",
                    f"wave {wave} random sample has no weights: give a weight column or a population extract",
                )
            )
            continue
        raked, reasons = rake_wave(out.iloc[idx], population)
        if raked is None:
            for cell, ja, en in reasons:
                problems.append(
                    Problem(
                        first_file, None, ", ".join(rake_dimensions()), cell, f"{wave} 年: {ja}", f"wave {wave}: {en}"
                    )
                )
            continue
        weight[idx] = raked
        source[idx] = RAKED
    weight[~given & (source == UNIT)] = 1.0
    out["weight"] = weight
    out["weight_source"] = source
    return out, problems


def _implausible_weight_problems(
    df: pd.DataFrame, idx: np.ndarray, weights: np.ndarray, wave: int, channel: int
) -> list[Problem]:
    """Vendor weights not finite, not > 0, or beyond VENDOR_WEIGHT_RATIO of the wave's median."""
    finite = np.isfinite(weights) & (weights > 0)
    median = float(np.median(weights[finite])) if finite.any() else np.nan
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ratio = np.maximum(weights / median, median / weights)
    bad = ~finite | ~(ratio <= VENDOR_WEIGHT_RATIO)
    label_ja = codebook.code_label("channel", channel, "ja")
    label_en = codebook.code_label("channel", channel, "en")
    ja = (
        f"0 より大きい有限の数値で、{wave} 年の{label_ja}のウェイトの中央値（{median:.6g}）の "
        f"1/{VENDOR_WEIGHT_RATIO:,} 倍〜{VENDOR_WEIGHT_RATIO:,} 倍の範囲"
    )
    en = (
        f"a finite number > 0 within {VENDOR_WEIGHT_RATIO:,}× of the median weight of wave {wave}, "
        f"{label_en} ({median:.6g}), either way"
    )
    return [
        Problem(str(df[FILE_COL].iat[i]), int(df[ROW_COL].iat[i]), "weight", f"{weights[k]:.6g}", ja, en)
        for k, i in enumerate(idx)
        if bad[k]
    ][:1000]


def _mixed_weight_problems(df: pd.DataFrame, blank_idx: np.ndarray, wave: int, channel: int) -> list[Problem]:
    label_ja = codebook.code_label("channel", channel, "ja")
    label_en = codebook.code_label("channel", channel, "en")
    ja = f"{wave} 年の{label_ja}の他の行にはウェイトがあるので、この行にも 0 より大きいウェイトが必要です"
    en = f"other rows of wave {wave}, {label_en}, have a weight: this row needs one too (a number > 0)"
    return [Problem(str(df[FILE_COL].iat[i]), int(df[ROW_COL].iat[i]), "weight", "", ja, en) for i in blank_idx[:1000]]
