"""The (?) help of an indicator (issue 17 item 2): the question as the codebook words it, the
answers counted, how to read the 95% interval, what 秘匿/参考値/高い・低い mean."""

from __future__ import annotations

import pytest

from dashboard import help_text
from data import codebook as cb

from .test_app import no_exception, run_app


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("indicator", list(cb.indicators()))
def test_help_gives_the_question_interval_and_marks(indicator, lang):
    text = help_text.indicator_help(indicator, lang)
    spec = cb.indicator(indicator)
    assert text != spec.label[lang]  # not the label again
    rule = spec.rule
    columns = [r["column"] for r in rule.get("all", [rule]) if "column" in r] + list(rule.get("sum", []))
    for column in columns:  # the question as asked, from the codebook
        assert cb.column_label("survey_responses", column, lang) in text
    assert ("95%区間" if lang == "ja" else "95% interval") in text
    for mark in ("suppressed", "low_reliability", "higher", "lower"):
        assert cb.mark_label(mark, lang) in text


def test_the_cards_help_is_the_question_not_the_label(app_env):
    at = run_app()
    no_exception(at)
    helps = [m.help for m in at.metric]
    assert helps and all("あなたはどの程度" in h or "「" in h for h in helps)
    assert all("95%区間" in h for h in helps)
