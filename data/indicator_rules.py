"""The codebook's indicator rules as SQL expressions, and the rendering of mart templates.

The rules are trusted codebook text (data/codebook.yaml), never user input; even so every column
name is checked against the survey extract's answer columns and every code is an integer before it
becomes SQL. A rendered expression is 1 when the rule holds, 0 when it does not, and NULL when the
respondent left any item the rule uses blank (out of the denominator).
"""

from __future__ import annotations

import re
from typing import Any

from data import codebook

_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def _column(name: str) -> str:
    if name not in codebook.survey_columns("answer"):
        raise ValueError(f"indicator rule uses {name!r}, which is not an answer column of the survey extract")
    return name


def _code(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"indicator rule code {value!r} is not an integer")
    return str(value)


def rule_condition(rule: dict[str, Any]) -> str:
    """The rule as a boolean SQL condition over answered items."""
    if "all" in rule:
        return "(" + " AND ".join(rule_condition(r) for r in rule["all"]) + ")"
    if "sum" in rule:
        total = " + ".join(f"CAST({_column(c)} AS INTEGER)" for c in rule["sum"])
        return f"({total} >= {_code(rule['gte'])})"
    codes = ", ".join(_code(c) for c in rule["in"])
    return f"({_column(rule['column'])} IN ({codes}))"


def rule_expression(rule: dict[str, Any]) -> str:
    """1 / 0 / NULL (an item it uses is blank) as an SQL expression."""
    blank = " OR ".join(f"{_column(c)} IS NULL" for c in codebook.rule_columns(rule))
    return f"CASE WHEN {blank} THEN NULL WHEN {rule_condition(rule)} THEN 1 ELSE 0 END"


def _identifier(name: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ValueError(f"indicator id {name!r} is not a plain identifier")
    return name


def fragments() -> dict[str, str]:
    """The codebook-derived pieces a mart template may use."""
    inds = codebook.indicators()
    return {
        "indicator_answers": ",\n        ".join(
            f"{rule_expression(ind.rule)} AS {_identifier(ind.id)}" for ind in inds.values()
        ),
        "indicator_ids": ", ".join(_identifier(i) for i in inds),
        "missing_code": _code(codebook.missing_code()),
    }


def render(template: str) -> str:
    """Fill the {{ name }} placeholders of a mart file with the codebook fragments."""
    parts = fragments()

    def fill(m: re.Match) -> str:
        if m.group(1) not in parts:
            raise KeyError(f"unknown template placeholder {{{{ {m.group(1)} }}}}")
        return parts[m.group(1)]

    return _PLACEHOLDER.sub(fill, template)
