"""Disclosure control: the server's minimum n for survey cells and the small-count masking of
activity tables.

The minimum n is a server setting only. It is read from the environment (TSUNAGARI_MIN_N) and can
raise the codebook's floor (10), never lower it; no function, URL parameter or CLI flag takes it as
an argument.
"""
from __future__ import annotations

import os

import numpy as np

from data import codebook
from queries.small_counts import HIDDEN, SHOWN, SMALL, ProtectedTable, protect

ENV_MIN_N = "TSUNAGARI_MIN_N"

__all__ = ["ENV_MIN_N", "min_n", "suppressed", "mask_small_counts", "ProtectedTable",
           "SHOWN", "SMALL", "HIDDEN"]


def min_n() -> int:
    """The minimum unweighted n for a survey cell to be shown: max(floor, TSUNAGARI_MIN_N)."""
    floor = int(codebook.estimation()["min_n_default"])
    raw = os.environ.get(ENV_MIN_N, "").strip()
    if not raw:
        return floor
    try:
        configured = int(raw)
    except ValueError:
        raise ValueError(
            f"{ENV_MIN_N} must be a whole number (the minimum n, at least {floor}), not {raw!r}"
        ) from None
    return max(floor, configured)


def suppressed(n) -> np.ndarray:
    """True where a cell's unweighted n is below min_n() (empty cells included)."""
    return np.asarray(n, dtype=float) < min_n()


def mask_small_counts(cells, *, row_totals: bool = True, col_totals: bool = True) -> ProtectedTable:
    """Activity counts 1–4 masked as "<5" plus complementary suppression against the totals shown.

    The algorithm lives in queries.small_counts (protect); this is its name in the disclosure API.
    """
    return protect(cells, row_totals=row_totals, col_totals=col_totals)
