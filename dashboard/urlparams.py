"""The one bounded parser of page-level URL values (?act_fy=, ?dir_field=, ?deck=, ...).

A shared link is untrusted input: every value a page reads from st.query_params goes through here.
A value longer than queries.filters.MAX_PARAM_CHARS is dropped unread; a number is ASCII decimal
digits only (str.isdecimal() and str.isascii(): "²" and "٣" are not numbers) of bounded length; a
choice is one of the known values. Nothing here raises on what a URL holds: an unknown value is
dropped, and the caller may say so once (dashboard.state.note_dropped) with dropped_text.

The global filters (wave, channel, the attribute filters) are parsed by
queries.filters.parse_query_params under the same limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from typing import Any

import streamlit as st

from queries.filters import MAX_PARAM_CHARS

MAX_CHARS = MAX_PARAM_CHARS
MAX_DIGITS = 9  # a page number, a code or a year: never more digits than this
MAX_LIST_ITEMS = 32  # a comma-separated list of codes longer than this is dropped whole
DECK_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")  # with re.fullmatch only


def raw(key: str) -> str | None:
    """The URL's value of KEY as given (the last, if repeated); None when absent."""
    try:
        values = st.query_params.get_all(key)
    except Exception:  # noqa: BLE001 - a URL must never stop a page
        return None
    return str(values[-1]) if values else None


def text(key: str, max_chars: int = MAX_CHARS) -> str | None:
    """The URL's value of KEY if at most MAX_CHARS long; None when absent or too long."""
    value = raw(key)
    return value if value is not None and len(value) <= max_chars else None


def dropped_text(key: str, value: str | None) -> str:
    """How a dropped value is named in the page's notice (shortened, never the whole value)."""
    shown = (value or "")[:MAX_CHARS]
    return f"{key}={shown}…" if value and len(value) > MAX_CHARS else f"{key}={shown}"


def decimal(value: str | None, lo: int | None = None, hi: int | None = None, digits: int = MAX_DIGITS) -> int | None:
    """VALUE as a whole number if it is 1..DIGITS ASCII decimal digits (surrounding blanks allowed)
    within [LO, HI]; None otherwise."""
    if value is None or len(value) > MAX_CHARS:
        return None
    s = value.strip()
    if not (0 < len(s) <= digits and s.isascii() and s.isdecimal()):
        return None
    n = int(s)
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        return None
    return n


def choice(value: str | None, options: Sequence[Any], to_text: Callable[[Any], str] = str) -> Any | None:
    """The option whose text is VALUE; None for anything else (an unknown or over-long value)."""
    if value is None or len(value) > MAX_CHARS:
        return None
    for option in options:
        if to_text(option) == value:
            return option
    return None


def code_list(value: str | None, allowed: Collection[int]) -> tuple[list[int], bool]:
    """A comma-separated list of codes: (the known codes, in the URL's order without repeats;
    whether anything was dropped). An over-long value is dropped whole."""
    if value is None or not value.strip():
        return [], False
    if len(value) > MAX_CHARS:
        return [], True
    parts = value.split(",")
    if len(parts) > MAX_LIST_ITEMS:
        return [], True
    out: list[int] = []
    dropped = False
    for part in parts:
        n = decimal(part)
        if n is None or n not in allowed:
            dropped = dropped or bool(part.strip())
        elif n not in out:
            out.append(n)
    return out, dropped


def deck_name(value: str | None) -> str | None:
    """VALUE if it is a deck name (letters, digits, - and _; at most 64; the whole text)."""
    if value is None or len(value) > MAX_CHARS:
        return None
    return value if DECK_NAME_RE.fullmatch(value) else None
