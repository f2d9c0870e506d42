"""What a released count must be, worked out from queries/ptable.csv alone (not through
queries.cellkey): the cell-key method as the contract states it.

A count c of a cell whose records' keys sum to k is released as c + noise, the noise being the
ptable's value at (min(c, last pcv), k mod 256); a zero stays zero. Released values 1..4 show as
"<5" (codebook: estimation.activity_small_count_max).
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

from data import codebook

PTABLE = Path(__file__).resolve().parents[2] / "queries" / "ptable.csv"
KEYS = 256


@functools.cache
def ptable(name: str) -> dict[tuple[int, int], int]:
    """{(pcv, cell key): noise} of table NAME, read from the CSV file."""
    with PTABLE.open(encoding="utf-8") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        out = {(int(r["pcv"]), int(r["ckey"])): int(r["pvalue"]) for r in rows if r["table"] == name}
    assert out, f"no ptable {name} in {PTABLE}"
    return out


def max_noise(name: str = "activity") -> int:
    """D as the codebook gives it (the design's parameter, not read back from the table)."""
    return int(codebook.disclosure()["ptables"][name]["max_noise"])


def released(count: int, key_sum: int, name: str = "activity") -> int:
    table = ptable(name)
    top = max(p for p, _ in table)
    count = int(count)
    if count == 0:
        return 0
    return max(0, count + table[(min(count, top), int(key_sum) % KEYS)])


def small_max() -> int:
    return int(codebook.estimation()["activity_small_count_max"])


def display(count: int, key_sum: int) -> str:
    """The text members see for a cell of true COUNT and key sum KEY_SUM."""
    value = released(count, key_sum)
    return "<5" if 1 <= value <= small_max() else f"{value:,}"
