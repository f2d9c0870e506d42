"""Disclosure control: the server's minimum n for survey cells, the minimum size of a filtered
population, and the users' notice. The noise itself is queries.cellkey's (survey cells through
queries.indicators, counts through queries.small_counts).

The minimum n is a server setting only. It is read from the environment (TSUNAGARI_MIN_N) and can
raise the codebook's floor (10), never lower it; no function, URL parameter or CLI flag takes it as
an argument.
"""

from __future__ import annotations

import os

import numpy as np

from data import codebook

ENV_MIN_N = "TSUNAGARI_MIN_N"

__all__ = ["ENV_MIN_N", "min_n", "suppressed", "min_filter_n", "FilterTooNarrow", "notice"]


def min_n() -> int:
    """The minimum unweighted n for a survey cell to be shown: max(floor, TSUNAGARI_MIN_N)."""
    floor = int(codebook.estimation()["min_n_default"])
    raw = os.environ.get(ENV_MIN_N, "").strip()
    if not raw:
        return floor
    try:
        configured = int(raw)
    except ValueError:
        raise ValueError(f"{ENV_MIN_N} must be a whole number (the minimum n, at least {floor}), not {raw!r}") from None
    return max(floor, configured)


def suppressed(n) -> np.ndarray:
    """True where a cell's unweighted n is below min_n() (empty cells included)."""
    return np.asarray(n, dtype=float) < min_n()


def min_filter_n() -> int:
    """The smallest filtered population (protected n of a table's All row) a survey table is
    computed for; below it the table is refused (FilterTooNarrow)."""
    return int(codebook.disclosure()["min_filter_n"])


class FilterTooNarrow(ValueError):
    """The filters leave too few respondents for any table: widen them (「条件を広げてください」)."""

    def __init__(self, limit: int):
        self.limit = int(limit)
        super().__init__(f"the filters leave fewer than {self.limit} respondents: widen them")

    def text(self, lang: str = "ja") -> str:
        if lang == "ja":
            return (
                f"この条件に当てはまる回答者が少なすぎるため（{self.limit}人未満）、表を作れません。"
                "条件を広げてください（地域や年齢の絞り込みを外す、まとめた区分を選ぶ など）。"
            )
        return (
            f"Too few respondents match these filters (fewer than {self.limit}) for a table. "
            "Widen the filters (remove the district or age filter, or pick a wider group)."
        )


def notice(lang: str = "ja") -> str:
    """「個人が特定されないよう、数値にはわずかな調整を加えています。…」: under every table, in every CSV."""
    return codebook.disclosure_notice(lang)
