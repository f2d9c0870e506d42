"""The global filters of the survey indicators: wave, channel and the attribute groups.

A Filters value is what the sidebar, the URL, the CLI's --where/--wave/--channel and the deck files
all produce, and what the SQL files receive as named parameters (to_params). Codes are the
codebook's.

An attribute filter is one code or one of the codebook's named groups (disclosure.filter_groups,
e.g. 16〜39歳), never any other subset of codes and never 無回答: with free subsets,
hundreds of pairs of views difference to the same hidden cell, each with its own noise, and their
average converges on the truth. Filters refuses any other value; the URL reader drops it.

ActivityFilters is the same for the organisations' activity (queries.activity): a period, a fiscal
year, one district or a named group, one field, one organisation type.
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from data import codebook

RANDOM_SAMPLE, OPEN_WEB = 1, 2  # the codebook's channel codes (value set channel)
# The channels a user may pick. Both together (両方) is not offered: the open web's answers carry
# weight 1 beside raked weights summing to the population (0.4% of the weight, so "both" was the
# random sample in effect), and the two channels of one group could be subtracted from "both".
CHANNELS: dict[str, tuple[int, ...]] = {"random": (RANDOM_SAMPLE,), "open": (OPEN_WEB,)}
# A table *by* channel reads both, each as its own group, never added up (queries.indicators).
BY_CHANNEL = "by_channel"
_CHANNEL_CODES = {**CHANNELS, BY_CHANNEL: tuple(c for codes in CHANNELS.values() for c in codes)}
# The attribute filters: the codebook's dimensions but the wave and the channel, which have filters
# of their own (Filters has a field of each name).
ATTRIBUTE_FILTERS = ("age_band", "sex", "district", "household")
# The activity's code filters: each dimension (a codebook value set) and the ActivityFilters field
# holding its codes.
ACTIVITY_FILTERS = {"district": "districts", "field": "fields", "org_type": "org_types"}
WAVE_MIN, WAVE_MAX = 2000, 2100


def attribute_codes(dim: str) -> tuple[int, ...]:
    """The codes a filter on DIM may hold: the codebook's (無回答 is never a filter)."""
    return tuple(codebook.codes(codebook.dimension_value_set(dim)))


def filter_choices(dim: str) -> list[tuple[int, ...]]:
    """Every value a filter on DIM may take besides none: each code alone, then the named groups."""
    singles = [(c,) for c in attribute_codes(dim)]
    return singles + [tuple(g["codes"]) for g in codebook.filter_groups(dim).values()]


def choice_token(dim: str, codes: Sequence[int]) -> str:
    """A filter value as it is written in a URL, the CLI and a deck: the code, or the group's id."""
    codes = tuple(codes)
    if len(codes) == 1:
        return str(codes[0])
    for gid, g in codebook.filter_groups(dim).items():
        if set(g["codes"]) == set(codes):
            return gid
    raise ValueError(f"{dim}: {', '.join(map(str, codes))} is neither one code nor a named group")


def choice_codes(dim: str, token: str) -> tuple[int, ...] | None:
    """The codes of a filter value written as a code or a group id; None when it is neither. The
    text is bounded and ASCII digits only (no int() of a long or non-ASCII digit string)."""
    token = str(token).strip()
    groups = codebook.filter_groups(dim)
    if token in groups:
        return tuple(groups[token]["codes"])
    if 0 < len(token) <= 2 and token.isascii() and token.isdecimal() and int(token) in attribute_codes(dim):
        return (int(token),)
    return None


def choice_label(dim: str, codes: Sequence[int], lang: str = "ja") -> str:
    """How a filter value reads: the code's label, or the group's."""
    codes = tuple(codes)
    if len(codes) == 1:
        return codebook.code_label(codebook.dimension_value_set(dim), codes[0], lang)
    return codebook.filter_groups(dim)[choice_token(dim, codes)][lang]


@dataclass(frozen=True)
class Filters:
    wave: int | None = None  # None = latest wave present in responses
    channel: str = "random"  # a key of CHANNELS: "random" (RANDOM_SAMPLE) | "open" (OPEN_WEB)
    age_band: tuple[int, ...] = ()  # () = no filter; one code or a named group's codes
    sex: tuple[int, ...] = ()
    district: tuple[int, ...] = ()
    household: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.wave is not None:
            if isinstance(self.wave, bool) or not isinstance(self.wave, numbers.Integral):
                raise ValueError(f"wave must be a whole year, not {self.wave!r}")
            if not WAVE_MIN <= int(self.wave) <= WAVE_MAX:
                raise ValueError(f"wave must be a year between {WAVE_MIN} and {WAVE_MAX}, not {self.wave!r}")
            object.__setattr__(self, "wave", int(self.wave))
        if self.channel not in _CHANNEL_CODES:
            raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, not {self.channel!r}")
        for dim in ATTRIBUTE_FILTERS:
            object.__setattr__(self, dim, _checked_choice(dim, getattr(self, dim)))

    @property
    def channels(self) -> tuple[int, ...]:
        return _CHANNEL_CODES[self.channel]

    @property
    def includes_open_web(self) -> bool:
        return OPEN_WEB in self.channels

    def attribute(self, dim: str) -> tuple[int, ...]:
        return getattr(self, dim) if dim in ATTRIBUTE_FILTERS else ()

    def with_wave(self, wave: int | None) -> Filters:
        return replace(self, wave=wave)

    def to_params(self) -> dict:
        """Named parameters of the survey SQL files: wave (NULL = every wave), channels and one code
        list per attribute (empty = no filter; 9 = 無回答)."""
        params: dict = {"wave": self.wave, "channels": list(self.channels)}
        for dim in ATTRIBUTE_FILTERS:
            params[dim] = list(getattr(self, dim))
        return params

    @classmethod
    def from_query_params(cls, qp: Mapping[str, str | list[str]]) -> Filters:
        """Filters from URL query parameters; values that are not valid are dropped, never fatal."""
        return parse_query_params(qp)[0]

    def to_query_params(self) -> dict[str, str]:
        """The filters as URL query parameters (a code or a group id each); defaults are left out."""
        out: dict[str, str] = {}
        default = Filters()
        for f in fields(self):
            value = getattr(self, f.name)
            if value == getattr(default, f.name):
                continue
            out[f.name] = choice_token(f.name, value) if isinstance(value, tuple) else str(value)
        return out

    def describe(self, lang: str = "ja") -> str:
        """The filters as a file-name part, e.g. 2023年_無作為抽出調査_鶴岡 (the text people read on the
        pages is dashboard.labels.filters_text)."""
        parts = [_wave_text(self.wave, lang), _channel_text(self.channel, lang)]
        for dim in ATTRIBUTE_FILTERS:
            chosen = getattr(self, dim)
            if chosen:
                parts.append(choice_label(dim, chosen, lang))
        return "_".join(parts)


MAX_PARAM_CHARS = 64  # a URL value longer than this is dropped unread


def parse_query_params(qp: Mapping[str, str | list[str]]) -> tuple[Filters, list[str]]:
    """(Filters, the dropped "key=value" texts) from URL query parameters: a value that is not a
    wave year, a channel, one code or a named group is dropped (the page says so), never fatal."""
    kwargs: dict = {}
    dropped: list[str] = []
    wave = _last(qp.get("wave"))
    if wave is not None:
        w = wave.strip()
        if len(w) == 4 and w.isascii() and w.isdecimal() and WAVE_MIN <= int(w) <= WAVE_MAX:
            kwargs["wave"] = int(w)
        else:
            dropped.append(f"wave={wave[:MAX_PARAM_CHARS]}")
    channel = _last(qp.get("channel"))
    if channel is not None:
        if channel.strip() in CHANNELS:
            kwargs["channel"] = channel.strip()
        else:
            dropped.append(f"channel={channel[:MAX_PARAM_CHARS]}")
    for dim in ATTRIBUTE_FILTERS:
        raw = _last(qp.get(dim))
        if raw is None or not raw.strip():
            continue
        codes = choice_codes(dim, raw) if len(raw) <= MAX_PARAM_CHARS else None
        if codes is None:
            dropped.append(f"{dim}={raw[:MAX_PARAM_CHARS]}")
        else:
            kwargs[dim] = codes
    return Filters(**kwargs), dropped


def _checked_choice(dim: str, values: Sequence[int]) -> tuple[int, ...]:
    """VALUES as a filter on DIM: () or one code or a named group, in codebook order."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise ValueError(f"{dim} must be a tuple of codes, not {values!r}")
    allowed = attribute_codes(dim)
    out: list[int] = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or int(v) not in allowed:
            raise ValueError(
                f"{dim}: {v!r} is not one of the codes {', '.join(map(str, allowed))} (無回答 cannot be a filter)"
            )
        if int(v) not in out:
            out.append(int(v))
    out.sort(key=allowed.index)
    if out and tuple(out) not in {tuple(sorted(c, key=allowed.index)) for c in filter_choices(dim)}:
        groups = ", ".join(
            f"{gid} ({'/'.join(map(str, g['codes']))})" for gid, g in codebook.filter_groups(dim).items()
        )
        raise ValueError(
            f"{dim}: a filter is one code or a named group ({groups or 'none'}), not {', '.join(map(str, out))}"
        )
    return tuple(out)


def _last(value: str | list[str] | None) -> str | None:
    if isinstance(value, (list, tuple)):
        return str(value[-1]) if value else None
    return None if value is None else str(value)


def wave_label(wave: int, lang: str = "ja") -> str:
    """How a survey wave reads, in a table, a file name or a caption: 「2023年」 / "2023"."""
    return f"{int(wave)}年" if lang == "ja" else str(int(wave))


def _wave_text(wave: int | None, lang: str) -> str:
    if wave is None:
        return "最新年" if lang == "ja" else "latest"
    return wave_label(wave, lang)


def _channel_text(channel: str, lang: str) -> str:
    return "+".join(codebook.code_label("channel", c, lang) for c in _CHANNEL_CODES[channel])


# ---- the activity filters (ActivityFilters) --------------------------------------------------

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def _month_start(value) -> dt.date:
    """First day of the month of a "YYYY-MM" text or a date."""
    if isinstance(value, (dt.date, pd.Timestamp)):
        return dt.date(value.year, value.month, 1)
    if isinstance(value, str):
        m = _MONTH_RE.match(value.strip())
        if m and 1 <= int(m.group(2)) <= 12:
            return dt.date(int(m.group(1)), int(m.group(2)), 1)
    raise ValueError(f"a month must be written YYYY-MM (e.g. 2024-04), not {value!r}")


def fiscal_year_of(month: dt.date) -> int:
    """The fiscal year (年度) of a month: April–March, named by the year it starts in."""
    return month.year if month.month >= 4 else month.year - 1


def codes_tuple(name: str, value_set: str, values) -> tuple[int, ...]:
    """VALUES (a code or codes) as codes of VALUE_SET, each once, in codebook order; () for None.
    Any set of codes: the grouping limits are ActivityFilters' (and Filters')."""
    if values is None:
        return ()
    if isinstance(values, (int, np.integer)):
        values = (values,)
    out = []
    known = codebook.codes(value_set)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or int(v) not in known:
            raise ValueError(f"{name}: {v!r} is not a code of {value_set} ({', '.join(map(str, known))})")
        if int(v) not in out:
            out.append(int(v))
    return tuple(sorted(out, key=known.index))


@dataclass(frozen=True)
class ActivityFilters:
    """Which activity to count. Empty tuples and None mean no restriction.

    start / end: first and last month included ("YYYY-MM" or a date); fiscal_years: 年度 codes
    (2024 = 2024-04..2025-03); districts (where people live), fields, org_types: codebook codes.

    Only predefined groupings may be asked for (the averaging attack, as for Filters above): a period
    is one month (start = end), whole fiscal years (start in April, end in March; either may be
    open) or one fiscal year; districts one code or a named group; fields and org_types one code.
    """

    start: str | dt.date | None = None
    end: str | dt.date | None = None
    fiscal_years: tuple[int, ...] = ()
    districts: tuple[int, ...] = ()
    fields: tuple[int, ...] = ()
    org_types: tuple[int, ...] = ()

    def __post_init__(self):
        start = None if self.start is None else _month_start(self.start)
        end = None if self.end is None else _month_start(self.end)
        if start and end and start > end:
            raise ValueError(f"start {start:%Y-%m} is after end {end:%Y-%m}")
        fys = self.fiscal_years
        if isinstance(fys, (int, np.integer)):
            fys = (fys,)
        fys = tuple(fys or ())
        for fy in fys:
            if isinstance(fy, bool) or not isinstance(fy, (int, np.integer)) or not 2000 <= int(fy) <= 2100:
                raise ValueError(f"fiscal_years: {fy!r} is not a fiscal year such as 2024")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "fiscal_years", tuple(sorted({int(f) for f in fys})))
        for dim, name in ACTIVITY_FILTERS.items():
            object.__setattr__(self, name, codes_tuple(name, dim, getattr(self, name)))
        _check_groupings(self)

    def to_params(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "fiscal_years": list(self.fiscal_years),
            "districts": list(self.districts),
            "fields": list(self.fields),
            "org_types": list(self.org_types),
        }

    def to_query_params(self) -> dict[str, str]:
        """URL query parameters; defaults are left out."""
        out: dict[str, str] = {}
        if self.start:
            out["start"] = f"{self.start:%Y-%m}"
        if self.end:
            out["end"] = f"{self.end:%Y-%m}"
        for key in ("fiscal_years", "districts", "fields", "org_types"):
            if getattr(self, key):
                out[key] = ",".join(map(str, getattr(self, key)))
        return out

    @classmethod
    def from_query_params(cls, qp: Mapping[str, str | list[str]]) -> ActivityFilters:
        """Tolerant reading of URL query parameters: values that do not parse are dropped."""

        def text(key):
            v = qp.get(key)
            return ",".join(v) if isinstance(v, list) else (v or "")

        def ints(key, ok):
            out = []
            for part in text(key)[:64].split(","):
                part = part.strip()
                if 0 < len(part) <= 4 and part.isascii() and part.isdecimal() and ok(int(part)):
                    out.append(int(part))
            return tuple(out)

        def month(key):
            try:
                return _month_start(text(key)) if text(key) else None
            except ValueError:
                return None

        start, end = month("start"), month("end")
        if start and end and start > end:
            start = end = None
        if not _period_allowed(start, end):
            start = end = None
        fys = ints("fiscal_years", lambda v: 2000 <= v <= 2100)
        districts = ints("districts", lambda v: v in codebook.codes("district"))
        groups = [tuple(c) for c in _district_choices()]
        fields = ints("fields", lambda v: v in codebook.codes("field"))
        org_types = ints("org_types", lambda v: v in codebook.codes("org_type"))
        return cls(
            start=start,
            end=end,
            fiscal_years=fys if len(fys) <= 1 else (),
            districts=districts if tuple(sorted(districts)) in groups else (),
            fields=fields if len(fields) <= 1 else (),
            org_types=org_types if len(org_types) <= 1 else (),
        )

    def months_in(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """Every month from first to last that these filters keep."""
        lo = max(first, self.start) if self.start else first
        hi = min(last, self.end) if self.end else last
        out = []
        y, m = lo.year, lo.month
        while (y, m) <= (hi.year, hi.month):
            d = dt.date(y, m, 1)
            if not self.fiscal_years or fiscal_year_of(d) in self.fiscal_years:
                out.append(d)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def _district_choices() -> list[tuple[int, ...]]:
    return [tuple(sorted(c)) for c in filter_choices("district")]


def _period_allowed(start: dt.date | None, end: dt.date | None) -> bool:
    """One month, or whole fiscal years (start in April, end in March; either may be open)."""
    if start is not None and end is not None and start == end:
        return True
    return (start is None or start.month == 4) and (end is None or end.month == 3)


def _check_groupings(f: ActivityFilters) -> None:
    """Refuse what is not a predefined grouping (see ActivityFilters)."""
    if not _period_allowed(f.start, f.end):
        raise ValueError(
            "a period is one month (from = to) or whole fiscal years (from an April, to a "
            f"March), not {f'{f.start:%Y-%m}' if f.start else '…'} to {f'{f.end:%Y-%m}' if f.end else '…'}"
        )
    if len(f.fiscal_years) > 1:
        raise ValueError(f"one fiscal year at a time, not {', '.join(map(str, f.fiscal_years))}")
    if f.districts and tuple(sorted(f.districts)) not in _district_choices():
        raise ValueError(f"districts: one code or a named group, not {', '.join(map(str, f.districts))}")
    for name in ("fields", "org_types"):
        if len(getattr(f, name)) > 1:
            raise ValueError(f"{name}: one code at a time, not {', '.join(map(str, getattr(f, name)))}")
