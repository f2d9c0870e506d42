"""データ時点: what period the figures describe, not when the file was imported (issue 17 item 3).

- the survey wave's fieldwork period (data/survey_waves.yaml: the extracts carry only the year;
  an entry marked demo is used only with the demo database),
- the activity months covered (first and last month of the activity records),
- the population's as-of date (the latest as_of of the population extract).

All are dates of Japan (JST): the extracts' dates are local dates, and the import time, shown on
データと方法, is converted from the build's UTC to JST (jst_text).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import yaml

from dashboard.i18n import t
from queries import activity as qa

JST = ZoneInfo("Asia/Tokyo")
WAVES_FILE = Path(__file__).resolve().parents[1] / "data" / "survey_waves.yaml"


@dataclass(frozen=True)
class Fieldwork:
    start: dt.date
    end: dt.date
    demo: bool


@lru_cache(maxsize=4)
def _waves(path: Path, stamp: int) -> dict[int, Fieldwork]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = {}
    for year, entry in (raw.get("waves") or {}).items():
        start, end = entry["start"], entry["end"]
        if not isinstance(start, dt.date) or not isinstance(end, dt.date) or end < start:
            raise ValueError(f"{path.name}: wave {year}: start and end must be dates, start first")
        out[int(year)] = Fieldwork(start, end, bool(entry.get("demo", False)))
    return out


def fieldwork(wave: int | None, demo_db: bool, path: Path = WAVES_FILE) -> Fieldwork | None:
    """The fieldwork period of WAVE, or None when not entered (or entered for the demo data only and
    the database is not the demo's)."""
    if wave is None or not path.is_file():
        return None
    entry = _waves(path, path.stat().st_mtime_ns).get(int(wave))
    if entry is None or (entry.demo and not demo_db):
        return None
    return entry


def population_as_of(con) -> pd.Timestamp | None:
    """The latest as_of of the population extract (None without population rows)."""
    pop = qa.population_16plus(con)
    as_of = pop["as_of"].max() if len(pop) else None
    return None if as_of is None or pd.isna(as_of) else pd.Timestamp(as_of)


def date_text(d, lang: str) -> str:
    d = pd.Timestamp(d)
    return f"{d.year}年{d.month}月{d.day}日" if lang == "ja" else f"{d:%-d %B %Y}"


def jst_text(ts, lang: str) -> str:
    """A UTC time (the build's) as Japan time: 2026年11月29日 13:05（日本時間）."""
    stamp = pd.Timestamp(ts)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    local = stamp.tz_convert(JST)
    return f"{date_text(local, lang)} {local:%H:%M}（日本時間）" if lang == "ja" else f"{local:%-d %B %Y %H:%M} JST"


def as_of_rows(source, wave: int | None, lang: str) -> list[tuple[str, str]]:
    """(what, when) rows of データと時点 for 概要: fieldwork, activity months, population."""
    rows = []
    work = fieldwork(wave, source.is_demo())
    if wave is not None:
        label = t("dates.survey", lang, wave=wave)
        if work is None:
            rows.append((label, t("dates.fieldwork_missing", lang)))
        else:
            sep = "〜" if lang == "ja" else " to "
            period = f"{date_text(work.start, lang)}{sep}{date_text(work.end, lang)}"
            rows.append((label, period + (t("dates.demo_period", lang) if work.demo else "")))
    months = source.activity_months()
    if months:
        rows.append(
            (
                t("dates.activity", lang),
                t("dates.months", lang, first=qa.month_label(months[0], lang), last=qa.month_label(months[-1], lang)),
            )
        )
    as_of = source.run(population_as_of)
    if as_of is not None:
        rows.append((t("dates.population", lang), t("dates.as_of", lang, date=date_text(as_of, lang))))
    return rows
