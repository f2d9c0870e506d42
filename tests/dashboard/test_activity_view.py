"""The activity page's district table reads as people expect: every number with its separators."""

from __future__ import annotations

import pandas as pd

from dashboard.tables import need_table


def test_need_table_shows_the_population_with_thousands_separators():
    need = pd.DataFrame(
        {
            "district_label": ["全体", "鶴岡", "朝日"],
            "population": pd.array([103799, 74339, None], dtype="Int64"),
            "population_display": ["103,799", "74,339", "—"],  # as queries.need.district_need writes it
            "residents_display": ["17,750 (15,470〜20,280)", "12,570 (10,870〜14,470)", "秘匿"],
            "consultations_display": ["—", "13,276", "<5"],
            "rate_display": ["—", "178.6", "<5"],
        }
    )
    table = need_table(need, "ja")
    assert table.iloc[:, 1].tolist() == ["103,799", "74,339", "—"]
    assert table.columns[0] == "地域" and len(table.columns) == 5
    assert need["population"].dtype == "Int64"  # the query's frame is left as it was
