"""The global filters of the survey indicators: wave, channel and the attribute groups.

A Filters value is what the sidebar, the URL and the CLI's --where/--wave/--channel all produce,
and what the SQL files receive as named parameters (to_params). Codes are the codebook's; the code
9 (無回答) selects respondents who left that attribute blank (NULL in responses).
"""
from __future__ import annotations

import numbers

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace

from data import codebook

CHANNELS: dict[str, tuple[int, ...]] = {"random": (1,), "open": (2,), "all": (1, 2)}
ATTRIBUTE_FILTERS = ("age_band", "sex", "district", "household")
WAVE_MIN, WAVE_MAX = 2000, 2100


def attribute_codes(dim: str) -> tuple[int, ...]:
    """The codes a filter on DIM accepts: the codebook's, then 9 for 無回答."""
    return (*codebook.codes(codebook.dimension_value_set(dim)), codebook.missing_code())


@dataclass(frozen=True)
class Filters:
    wave: int | None = None        # None = latest wave present in responses
    channel: str = "random"        # "random" (channel 1) | "open" (channel 2) | "all"
    age_band: tuple[int, ...] = ()  # () = no filter; 9 selects 無回答 (NULL)
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
        if self.channel not in CHANNELS:
            raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, not {self.channel!r}")
        for dim in ATTRIBUTE_FILTERS:
            object.__setattr__(self, dim, _checked_codes(dim, getattr(self, dim)))

    @property
    def channels(self) -> tuple[int, ...]:
        return CHANNELS[self.channel]

    @property
    def includes_open_web(self) -> bool:
        return 2 in self.channels

    def attribute(self, dim: str) -> tuple[int, ...]:
        return getattr(self, dim) if dim in ATTRIBUTE_FILTERS else ()

    def with_wave(self, wave: int | None) -> "Filters":
        return replace(self, wave=wave)

    def to_params(self) -> dict:
        """Named parameters of the survey SQL files: wave (NULL = every wave), channels and one code
        list per attribute (empty = no filter; 9 = 無回答)."""
        params: dict = {"wave": self.wave, "channels": list(self.channels)}
        for dim in ATTRIBUTE_FILTERS:
            params[dim] = list(getattr(self, dim))
        return params

    @classmethod
    def from_query_params(cls, qp: Mapping[str, str | list[str]]) -> "Filters":
        """Filters from URL query parameters; values that are not valid are dropped, never fatal."""
        kwargs: dict = {}
        wave = _last(qp.get("wave"))
        if wave is not None:
            try:
                year = int(wave.strip())
            except ValueError:
                year = None
            if year is not None and WAVE_MIN <= year <= WAVE_MAX:
                kwargs["wave"] = year
        channel = _last(qp.get("channel"))
        if channel is not None and channel.strip() in CHANNELS:
            kwargs["channel"] = channel.strip()
        for dim in ATTRIBUTE_FILTERS:
            raw = qp.get(dim)
            if raw is None:
                continue
            values = raw if isinstance(raw, (list, tuple)) else [raw]
            allowed = attribute_codes(dim)
            picked: list[int] = []
            for part in (p.strip() for v in values for p in str(v).split(",")):
                if part.isascii() and part.isdigit() and int(part) in allowed and int(part) not in picked:
                    picked.append(int(part))
            kwargs[dim] = tuple(picked)
        return cls(**kwargs)

    def to_query_params(self) -> dict[str, str]:
        """The filters as URL query parameters; defaults are left out."""
        out: dict[str, str] = {}
        default = Filters()
        for f in fields(self):
            value = getattr(self, f.name)
            if value == getattr(default, f.name):
                continue
            if isinstance(value, tuple):
                out[f.name] = ",".join(str(v) for v in value)
            else:
                out[f.name] = str(value)
        return out

    def describe(self, lang: str = "ja") -> str:
        """The filters as a file-name part, e.g. 2023年_無作為抽出調査_鶴岡 (the text people read on the
        pages is dashboard.labels.filters_text)."""
        parts = [_wave_text(self.wave, lang), _channel_text(self.channel, lang)]
        for dim in ATTRIBUTE_FILTERS:
            chosen = getattr(self, dim)
            if chosen:
                parts.append("・".join(_code_text(dim, c, lang) for c in chosen))
        return "_".join(parts)


def _checked_codes(dim: str, values: Sequence[int]) -> tuple[int, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise ValueError(f"{dim} must be a tuple of codes, not {values!r}")
    allowed = attribute_codes(dim)
    out: list[int] = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or int(v) not in allowed:
            raise ValueError(f"{dim}: {v!r} is not one of the codes {', '.join(map(str, allowed))}")
        if int(v) not in out:
            out.append(int(v))
    return tuple(out)


def _last(value: str | list[str] | None) -> str | None:
    if isinstance(value, (list, tuple)):
        return str(value[-1]) if value else None
    return None if value is None else str(value)


def _wave_text(wave: int | None, lang: str) -> str:
    if wave is None:
        return "最新年" if lang == "ja" else "latest"
    return f"{wave}年" if lang == "ja" else str(wave)


def _channel_text(channel: str, lang: str) -> str:
    return "+".join(codebook.code_label("channel", c, lang) for c in CHANNELS[channel])


def _code_text(dim: str, code: int, lang: str) -> str:
    if code == codebook.missing_code():
        return f"{codebook.dimension_label(dim, lang)}{codebook.no_answer_label(lang)}" if lang == "ja" \
            else f"{codebook.dimension_label(dim, lang)} {codebook.no_answer_label(lang)}"
    return codebook.code_label(codebook.dimension_value_set(dim), code, lang)
