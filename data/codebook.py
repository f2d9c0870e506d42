"""The codebook: codes, labels (ja/en) and indicator definitions, read from codebook.yaml.

Everything that shows or checks a code goes through these functions, so the contract lives in
one file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CODEBOOK_PATH = Path(__file__).with_name("codebook.yaml")
LANGS = ("ja", "en")


@lru_cache(maxsize=1)
def codebook() -> dict[str, Any]:
    with CODEBOOK_PATH.open(encoding="utf-8") as f:
        # libyaml's safe loader when present: the same result, a tenth of the time at start-up
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    return lang


# ---- value sets -------------------------------------------------------------------------


def value_set(name: str) -> dict[int, dict[str, str]]:
    """Codes of a value set in display order, each with its {ja, en} labels."""
    return codebook()["codes"][name]["values"]


def codes(name: str) -> list[int]:
    return list(value_set(name))


def code_label(name: str, code: int | None, lang: str = "ja") -> str:
    """Label of a code; None (blank or 9) is 無回答 / No answer."""
    check_lang(lang)
    if code is None:
        return no_answer_label(lang)
    return value_set(name)[int(code)][lang]


def value_set_label(name: str, lang: str = "ja") -> str:
    return codebook()["codes"][name]["label"][check_lang(lang)]


def no_answer_label(lang: str = "ja") -> str:
    return codebook()["no_answer_label"][check_lang(lang)]


def all_label(lang: str = "ja") -> str:
    return codebook()["all_label"][check_lang(lang)]


def total_label(lang: str = "ja") -> str:
    """合計 / Total: the sum of a count table, where 全体 would read as "everyone"."""
    return codebook()["total_label"][check_lang(lang)]


def missing_code() -> int:
    return int(codebook()["missing_code"])


# ---- extracts ---------------------------------------------------------------------------


def extracts() -> dict[str, dict[str, Any]]:
    return codebook()["extracts"]


def extract(name: str) -> dict[str, Any]:
    return extracts()[name]


def columns(extract_name: str) -> dict[str, dict[str, Any]]:
    return extract(extract_name)["columns"]


def column_label(extract_name: str, column: str, lang: str = "ja") -> str:
    """A column's own label, else the label of its value set, else its id."""
    spec = columns(extract_name)[column]
    if "label" in spec:
        return spec["label"][check_lang(lang)]
    if "codes" in spec:
        return value_set_label(spec["codes"], lang)
    return column


def survey_columns(role: str) -> list[str]:
    """Survey columns of a role: 'attribute' (blank = 無回答 group) or 'answer'."""
    return [c for c, s in columns("survey_responses").items() if s.get("role") == role]


# ---- dimensions -------------------------------------------------------------------------


def dimensions() -> list[str]:
    return list(codebook()["dimensions"])


def dimension_label(dim: str, lang: str = "ja") -> str:
    check_lang(lang)
    special = codebook().get("dimension_labels", {})
    if dim in special:
        return special[dim][lang]
    return value_set_label(columns("survey_responses")[dim]["codes"], lang)


def dimension_value_set(dim: str) -> str | None:
    """The value set behind a dimension; None for wave, whose values come from the data."""
    spec = columns("survey_responses")[dim]
    return spec.get("codes")


# ---- indicators -------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    id: str
    label: dict[str, str]
    short: dict[str, str]
    rule: dict[str, Any]

    def columns_used(self) -> list[str]:
        return rule_columns(self.rule)


def rule_columns(rule: dict[str, Any]) -> list[str]:
    if "all" in rule:
        out: list[str] = []
        for r in rule["all"]:
            out += [c for c in rule_columns(r) if c not in out]
        return out
    if "sum" in rule:
        return list(rule["sum"])
    return [rule["column"]]


def indicators() -> dict[str, Indicator]:
    return {
        k: Indicator(id=k, label=v["label"], short=v["short"], rule=v["rule"])
        for k, v in codebook()["indicators"].items()
    }


def indicator(indicator_id: str) -> Indicator:
    all_ = indicators()
    if indicator_id not in all_:
        raise KeyError(f"unknown indicator {indicator_id!r}; known: {', '.join(all_)}")
    return all_[indicator_id]


def estimation() -> dict[str, Any]:
    return codebook()["estimation"]


def disclosure() -> dict[str, Any]:
    """The cell-key method's settings: ptables, filter_groups, min_filter_n, notice."""
    return codebook()["disclosure"]


def filter_groups(dim: str) -> dict[str, dict[str, Any]]:
    """Named groups a filter on DIM may pick besides one code: {id: {codes, ja, en}}."""
    return disclosure()["filter_groups"].get(dim, {})


def disclosure_notice(lang: str = "ja") -> str:
    """The one-line note under every table and in every CSV (the contract's wording)."""
    return disclosure()["notice"][check_lang(lang)]


def mark_label(key: str, lang: str = "ja") -> str:
    """Labels of marks: suppressed, low_reliability, open_web, small_count, higher, lower, no_difference."""
    return estimation()["labels"][key][check_lang(lang)]
