"""The (?) help of an indicator (issue 17 item 2): the question as asked (data/codebook.yaml), which
answers count, how to read the 95% interval, and what 秘匿, 参考値 and 高い/低い mean — not the
label again."""

from __future__ import annotations

from dashboard.i18n import t
from data import codebook as cb
from queries import disclosure


def _questions(rule: dict, lang: str) -> list[str]:
    """Each question of a codebook rule as asked, with the answers that count."""
    q = ("「", "」") if lang == "ja" else ("“", "”")
    if "all" in rule:
        return [*(line for part in rule["all"] for line in _questions(part, lang)), t("help.all", lang)]
    if "sum" in rule:
        items = [cb.column_label("survey_responses", c, lang) for c in rule["sum"]]
        value_set = cb.columns("survey_responses")[rule["sum"][0]]["codes"]
        scale = "／".join(cb.code_label(value_set, c, lang) for c in cb.codes(value_set))
        lines = [f"{q[0]}{item}{q[1]}" for item in items]
        lines.append(t("help.sum", lang, n=len(items), scale=scale, gte=rule["gte"]))
        return lines
    column = rule["column"]
    value_set = cb.columns("survey_responses")[column]["codes"]
    answers = ("・" if lang == "ja" else " or ").join(
        f"{q[0]}{cb.code_label(value_set, c, lang)}{q[1]}" for c in rule["in"]
    )
    question = cb.column_label("survey_responses", column, lang)
    return [f"{q[0]}{question}{q[1]} → {t('help.counts', lang, answers=answers)}"]


def indicator_help(indicator: str, lang: str) -> str:
    """Markdown for the (?) of an indicator's card or selector."""
    spec = cb.indicator(indicator)
    lines = [f"**{spec.label[lang]}**", "", t("help.question", lang)]
    lines += [f"- {line}" for line in _questions(spec.rule, lang)]
    lines += [
        "",
        t("help.interval", lang),
        "",
        t(
            "help.marks",
            lang,
            suppressed=cb.mark_label("suppressed", lang),
            low=cb.mark_label("low_reliability", lang),
            higher=cb.mark_label("higher", lang),
            lower=cb.mark_label("lower", lang),
            min_n=disclosure.min_n(),
        ),
    ]
    return "\n".join(lines)
