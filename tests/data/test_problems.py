"""The ja/en listing of problems on stderr."""

from __future__ import annotations

from data.problems import LISTED_PER_RULE, WARNING, Problem, format_report


def test_listing_groups_by_rule_and_counts_the_rest():
    rows = [Problem("a.csv", r, "sex", "4", "性別のコード", "Sex code") for r in range(2, LISTED_PER_RULE + 8)]
    other = Problem("a.csv", 3, "wave", "x", "調査年", "Survey year")
    text = format_report(rows[:1] + [other] + rows[1:])
    assert "Import refused: 57 problem(s)" in text and "57 件の問題" in text
    assert text.count("[1] a.csv — 列 / column: sex — 56 件 / 56 cell(s)") == 1
    assert "[2] a.csv — 列 / column: wave" in text
    assert text.count('"4"') == LISTED_PER_RULE
    assert "ほか 6 件 / 6 more" in text
    assert "期待される値: 性別のコード" in text and "expected:     Sex code" in text


def test_warnings_alone_do_not_refuse():
    text = format_report([Problem("notes.csv", None, None, None, "無視します", "ignored", WARNING)])
    assert "Import refused" not in text and "1 warning(s)" in text and "notes.csv" in text
