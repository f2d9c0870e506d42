"""How the perturbation tables (queries/ptable.csv) were made: `python -m queries.ptable_design`.

The cell-key method (ABS TableBuilder; ONS, 2021 Census) adds to every released count a small
noise value looked up in a perturbation table (ptable) by the count itself and the cell's key. This
module designs that table the way the statistical offices' `ptable` tools do (Giessing 2016,
"Computational issues in the design of transition probabilities and disclosure risk estimation for
additive noise"; Eurostat/Destatis' R package sdcTools/ptable):

for each original count i, the probabilities p_i(d) of adding d ∈ {max(-i, -D), ..., D} are those of
**maximum entropy** under the constraints

    Σ p_i(d) = 1,   Σ d·p_i(d) = 0  (unbiased),   Σ d²·p_i(d) = V  (the noise variance),

whose solution is p_i(d) ∝ exp(a·d + b·d²) (a discrete Gaussian, cut at the support); a and b are
found with scipy.optimize.root. A zero stays zero (p_0(0) = 1): an empty cell is not made up. Every
count i ≥ D has the same, symmetric distribution (a = 0), so the table has D + 1 rows of
distributions (pcv = min(count, D)).

Each distribution is then laid over the 256 cell keys (0..255) by the largest-remainder method:
cell key k of row pcv gets the noise d whose cumulative interval holds k, so a cell's noise is a
fixed function of its count and its key, and the same cell always gets the same noise. The integer
quantisation leaves each row's mean within ±1/256 of 0 and is reported by `describe()`.

Two tables, parameters in data/codebook.yaml (disclosure.ptables):
- survey (D = 2, V = 0.45): respondent counts (a cell's n and its count with the trait, the
  respondent profile). Estimates are ratios of these counts, and the intervals must stay honest:
  the noise is kept small so that estimates of cells of 100 or more move by a few tenths of a point.
- activity (D = 4, V = 2.5): consultations, new cases, outreach and referrals. A count
  differenced from two released totals carries the noise of both, and with V = 2.5 the two are
  equal (the difference exact) in under a fifth of cases; the totals move by about 0.2% on average.
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
from pathlib import Path

import numpy as np
from scipy import optimize

KEYS = 256  # cell keys 0..255: a cell key is Σ record keys mod 256
PTABLE = Path(__file__).resolve().parent / "ptable.csv"


def _moments(a: float, b: float, d: np.ndarray) -> tuple[np.ndarray, float, float]:
    logits = a * d + b * d * d
    p = np.exp(logits - logits.max())
    p /= p.sum()
    return p, float((p * d).sum()), float((p * d * d).sum())


def row_probabilities(i: int, max_noise: int, variance: float) -> tuple[np.ndarray, np.ndarray]:
    """(noise values d, probabilities) of the maximum-entropy distribution for original count i."""
    if i == 0:
        return np.array([0]), np.array([1.0])
    d = np.arange(max(-i, -max_noise), max_noise + 1, dtype=float)

    def equations(x):
        _, mean, second = _moments(x[0], x[1], d)
        return [mean, second - variance]

    sol = optimize.root(equations, x0=[0.0, -0.5 / variance], method="hybr")
    p, mean, second = _moments(sol.x[0], sol.x[1], d)
    if not sol.success or abs(mean) > 1e-9 or abs(second - variance) > 1e-9:
        raise ValueError(
            f"no distribution with mean 0 and variance {variance} on {d.min():.0f}..{max_noise} "
            f"for count {i}: {sol.message}"
        )
    return d.astype(int), p


def quantise(p: np.ndarray, keys: int = KEYS, values: np.ndarray | None = None) -> np.ndarray:
    """Whole numbers of keys per noise value, adding up to `keys` (largest remainder).

    With the noise `values`, the rounding also keeps the row's mean within ±1/keys of 0: when the
    largest remainders alone would leave |Σ d·count| > 1 (activity pcv 3 did: +2/256), the values
    rounded up are the set, of those that keep it, closest to keys·p (least squares)."""
    raw = p * keys
    counts = np.floor(raw).astype(int)
    short = keys - int(counts.sum())
    order = np.argsort(-(raw - counts), kind="stable")
    best = counts.copy()
    best[order[:short]] += 1
    if values is None or abs(int((np.asarray(values) * best).sum())) <= 1:
        return best
    values = np.asarray(values, dtype=int)
    chosen, cost = None, np.inf
    for up in itertools.combinations(order.tolist(), short):  # rows have at most 2·D + 1 values
        trial = counts.copy()
        trial[list(up)] += 1
        if abs(int((values * trial).sum())) > 1:
            continue
        err = float(((trial - raw) ** 2).sum())
        if err < cost - 1e-12:
            chosen, cost = trial, err
    if chosen is None:
        raise ValueError(f"no rounding of {p} to {keys} keys keeps the mean within ±1/{keys}")
    return chosen


def design(max_noise: int, variance: float) -> list[tuple[int, int, int]]:
    """Rows (pcv, ckey, pvalue) of one table: for each pcv 0..max_noise, 256 keys."""
    rows = []
    for i in range(max_noise + 1):
        d, p = row_probabilities(i, max_noise, variance)
        noise = np.repeat(d, quantise(p, values=d))
        rows += [(i, k, int(noise[k])) for k in range(KEYS)]
    return rows


def tables(params: dict[str, dict]) -> dict[str, list[tuple[int, int, int]]]:
    return {name: design(int(spec["max_noise"]), float(spec["variance"])) for name, spec in params.items()}


def to_csv(designed: dict[str, list[tuple[int, int, int]]], params: dict[str, dict]) -> str:
    out = io.StringIO()
    out.write("# Perturbation tables of the cell-key method: made by `python -m queries.ptable_design`\n")
    out.write("# from data/codebook.yaml (disclosure.ptables); see queries/ptable_design.py for the method.\n")
    for name, spec in params.items():
        out.write(f"# {name}: max_noise D = {spec['max_noise']}, variance V = {spec['variance']}\n")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["table", "pcv", "ckey", "pvalue"])
    for name, rows in designed.items():
        w.writerows((name, *r) for r in rows)
    return out.getvalue()


def describe(designed: dict[str, list[tuple[int, int, int]]]) -> str:
    """Per table and pcv: P(no change), mean and variance of the noise as quantised, and the
    chance that two independent cells of that row get the same noise (a difference is exact)."""
    lines = []
    for name, rows in designed.items():
        arr = np.array(rows)
        for pcv in np.unique(arr[:, 0]):
            noise = arr[arr[:, 0] == pcv, 2]
            vals, counts = np.unique(noise, return_counts=True)
            p = counts / counts.sum()
            lines.append(
                f"{name} pcv={pcv}: P(0)={p[vals == 0].sum():.3f} mean={noise.mean():+.4f} "
                f"var={noise.var():.3f} collision={float((p * p).sum()):.3f} "
                f"values={vals.min()}..{vals.max()}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from data import codebook

    parser = argparse.ArgumentParser(prog="python -m queries.ptable_design", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(PTABLE))
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs from the design")
    args = parser.parse_args(argv)
    params = codebook.disclosure()["ptables"]
    designed = tables(params)
    text = to_csv(designed, params)
    path = Path(args.out)
    if args.check:
        same = path.exists() and path.read_text(encoding="utf-8") == text
        print("ptable matches its design" if same else f"{path} differs from its design")
        return 0 if same else 1
    path.write_text(text, encoding="utf-8")
    print(describe(designed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
