"""The global filters of the survey indicators: wave, channel and the attribute groups.

A Filters value is what the sidebar, the URL, the CLI's --where/--wave/--channel and the deck files
all produce, and what the SQL files receive as named parameters (to_params). Codes are the
codebook's.

An attribute filter is one code or one of the codebook's named groups (disclosure.filter_groups,
e.g. 16〜39歳 or 旧町村部), never any other subset of codes and never 無回答: with free subsets,
hundreds of pairs of views difference to the same hidden cell, each with its own noise, and their
average converges on the truth. Filters refuses any other value; the URL reader drops it.
"""
from __future__ import annotations

import numbers

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace

from data import codebook

# The channels a user may pick. Both together (両方) is not offered: the open web's answers carry
# weight 1 beside raked weights summing to the population (0.4% of the weight, so "both" was the
# random sample in effect), and the two channels of one group could be subtracted from "both".
CHANNELS: dict[str, tuple[int, ...]] = {"random": (1,), "open": (2,)}
# A table *by* channel reads both, each as its own group, never added up (queries.indicators).
BY_CHANNEL = "by_channel"
_CHANNEL_CODES = {**CHANNELS, BY_CHANNEL: (1, 2)}
ATTRIBUTE_FILTERS = ("age_band", "sex", "district", "household")
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
    wave: int | None = None        # None = latest wave present in responses
    channel: str = "random"        # "random" (channel 1) | "open" (channel 2)
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


MAX_PARAM_CHARS = 64    # a URL value longer than this is dropped unread


def parse_query_params(qp: Mapping[str, str | list[str]]) -> tuple["Filters", list[str]]:
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
            raise ValueError(f"{dim}: {v!r} is not one of the codes {', '.join(map(str, allowed))} "
                             "(無回答 cannot be a filter)")
        if int(v) not in out:
            out.append(int(v))
    out.sort(key=allowed.index)
    if out and tuple(out) not in {tuple(sorted(c, key=allowed.index)) for c in filter_choices(dim)}:
        groups = ", ".join(f"{gid} ({'/'.join(map(str, g['codes']))})"
                           for gid, g in codebook.filter_groups(dim).items())
        raise ValueError(f"{dim}: a filter is one code or a named group ({groups or 'none'}), "
                         f"not {', '.join(map(str, out))}")
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
    return "+".join(codebook.code_label("channel", c, lang) for c in _CHANNEL_CODES[channel])
