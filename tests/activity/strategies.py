"""Hypothesis strategies of the small-count tests: counts, and tables of them with or without margins."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

# zeros, the "<5" counts and some larger ones, zeros most often (as in sparse activity tables)
values = st.sampled_from([0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 25, 60])


def tables(max_side: int) -> st.SearchStrategy:
    """(cells, row_totals, col_totals): a table of 1..max_side rows and columns of `values`."""

    @st.composite
    def table(draw):
        r = draw(st.integers(1, max_side))
        c = draw(st.integers(1, max_side))
        cells = draw(st.lists(st.lists(values, min_size=c, max_size=c), min_size=r, max_size=r))
        return np.array(cells), draw(st.booleans()), draw(st.booleans())

    return table()
