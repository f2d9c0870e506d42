"""Labels of codes, marks and the filters in view, from the codebook and dashboard.i18n (plain
functions, no Streamlit)."""

from __future__ import annotations

import math

import pandas as pd

from dashboard.i18n import t
from data import codebook as cb
from queries.activity import TooManyGroups
from queries.filters import ATTRIBUTE_FILTERS, CHANNELS, OPEN_WEB, Filters, choice_label, wave_label

STATUS_OK = "ok"
STATUS_LOW = "low"
STATUS_SUPPRESSED = "suppressed"


def is_missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value: object) -> str:
    """A text cell as str; missing (<NA>, None, NaN) as ""."""
    return "" if is_missing(value) else str(value)


def status(row: pd.Series) -> str:
    """ok / low / suppressed, read from the flags the query layer set."""
    suppressed = row.get("suppressed", False)
    if not is_missing(suppressed) and bool(suppressed):
        return STATUS_SUPPRESSED
    if _text(row.get("reliability")) == "low":
        return STATUS_LOW
    return STATUS_OK


def status_label(key: str, lang: str) -> str:
    if key == STATUS_SUPPRESSED:
        return cb.mark_label("suppressed", lang)
    if key == STATUS_LOW:
        return cb.mark_label("low_reliability", lang)
    return t("marks.ordinary", lang)


def difference_label(value: object, lang: str) -> str:
    if _text(value) in ("higher", "lower"):
        return cb.mark_label(str(value), lang)
    return ""


def pct_text(value: object) -> str:
    if is_missing(value):
        return ""
    return f"{float(value):.1f}%"


def interval_text(low: object, high: object, lang: str = "ja") -> str:
    if is_missing(low) or is_missing(high):
        return ""
    sep = "〜" if lang == "ja" else "–"
    return f"{float(low):.1f}{sep}{float(high):.1f}%"


def int_text(value: object) -> str:
    if is_missing(value):
        return ""
    v = float(value)
    return f"{int(v):,}" if math.isfinite(v) else ""


def indicator_short(indicator_id: str, lang: str) -> str:
    return cb.indicator(indicator_id).short[lang]


def indicator_label(indicator_id: str, lang: str) -> str:
    return cb.indicator(indicator_id).label[lang]


# ---- the filters in view, as the sidebar words them -----------------------------------------


def wave_text(wave: int | None, latest: int | None, lang: str) -> str:
    """A survey year; None is the latest, named with its year: 最新（2023年）."""
    if wave is None:
        return t("filter.wave.latest", lang, wave=wave_label(latest, lang)) if latest else t("filter.wave.none", lang)
    return wave_label(wave, lang)


def channel_text(channel: str, lang: str) -> str:
    """A channel of the sidebar (queries.filters.CHANNELS): the open web's marked as reference."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    (code,) = CHANNELS[channel]
    return cb.code_label("channel", code, lang) + (t("filter.channel.open_suffix", lang) if code == OPEN_WEB else "")


def filters_text(filters: Filters, latest: int | None, lang: str) -> str:
    """The filters for reading, e.g. 調査年: 最新（2023年） / 調査方法: 無作為抽出調査 / 地域: 朝日.

    Filters.describe is the file-name form of the same (2023年_無作為抽出調査_朝日). A filter is one
    code or a named group, read as the group's name (年齢: 16〜39歳（3区分）)."""
    parts = [
        f"{cb.dimension_label('wave', lang)}: {wave_text(filters.wave, latest, lang)}",
        f"{cb.dimension_label('channel', lang)}: {channel_text(filters.channel, lang)}",
    ]
    for dim in ATTRIBUTE_FILTERS:
        codes = filters.attribute(dim)
        if codes:
            parts.append(f"{cb.dimension_label(dim, lang)}: {choice_label(dim, codes, lang)}")
    return " / ".join(parts)


# ---- tables the query layer refused -----------------------------------------------------------


def refusal_text(refused: TooManyGroups, lang: str) -> str:
    """Why a table by organisation is not shown (queries.activity.TooManyGroups) and what is instead."""
    return t("activity.too_many_orgs", lang, count=refused.count, limit=refused.limit)
