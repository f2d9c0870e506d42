"""Sidebar filters, the language switch and their mirror in the URL.

The URL carries the global filters in the format of queries.filters.Filters.to_query_params
(e.g. ?district=1,3&wave=2023) plus lang=en, so a copied link reopens the same view in either
language. Streamlit clears unbound query parameters on a page change; the filter widgets live in
the entry point, so their values survive in the session and are written back to the URL on every
run. Values are read from the URL once, when a session starts (a fresh load or a reload).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import streamlit as st

from dashboard import i18n, labels as lb
from dashboard.db import DbVersion
from dashboard.i18n import t
from data import codebook as cb
from queries.filters import Filters

LANG_KEY = "lang"
SEEDED_KEY = "_seeded_from_url"
CONTEXT_KEY = "_page_context"
RELABEL_KEY = "_relabel_on_switch"
CHANNELS = ("random", "open", "all")
LATEST = 0  # the wave selectbox's option for "the latest wave" (None would read as no selection)
# Widget key of each global filter; the URL key is the Filters field name.
CODE_FILTERS = ("age_band", "sex", "district", "household")
GLOBAL_URL_KEYS = ("wave", "channel", *CODE_FILTERS, LANG_KEY)


def widget_key(field: str) -> str:
    return f"f_{field}"


@dataclass(frozen=True)
class PageContext:
    """What every page needs: the database, the global filters and the language."""
    version: DbVersion
    con: duckdb.DuckDBPyConnection
    filters: Filters
    lang: str
    waves: tuple[int, ...]


# ---- reading the URL ----------------------------------------------------------------------

def url_params() -> dict[str, str | list[str]]:
    """st.query_params as a plain mapping; repeated keys become lists."""
    out: dict[str, str | list[str]] = {}
    for key in st.query_params:
        values = st.query_params.get_all(key)
        out[key] = values[0] if len(values) == 1 else list(values)
    return out


def filter_codes(dim: str) -> list[int]:
    """Codes a filter offers: the codebook's codes of the dimension, then 9 = 無回答."""
    return [*cb.codes(cb.dimension_value_set(dim)), cb.missing_code()]


def code_option_label(dim: str, code: int, lang: str) -> str:
    value = None if code == cb.missing_code() else code
    return cb.code_label(cb.dimension_value_set(dim), value, lang)


def language_from_url() -> str:
    return i18n.normalise_lang(st.query_params.get(LANG_KEY))


def seed_from_url(waves: Sequence[int]) -> None:
    """Put the URL's filters and language into the widgets' state, once per session."""
    if st.session_state.get(SEEDED_KEY):
        return
    params = url_params()
    filters = Filters.from_query_params(params)
    st.session_state[LANG_KEY] = i18n.normalise_lang(params.get(LANG_KEY))
    st.session_state[widget_key("wave")] = filters.wave if filters.wave in waves else LATEST
    st.session_state[widget_key("channel")] = filters.channel
    for dim in CODE_FILTERS:
        allowed = set(filter_codes(dim))
        st.session_state[widget_key(dim)] = [c for c in getattr(filters, dim) if c in allowed]
    st.session_state[SEEDED_KEY] = True


def reset_filters() -> None:
    """Button callback: every global filter back to its default (the language stays)."""
    default = Filters()
    st.session_state[widget_key("wave")] = LATEST
    st.session_state[widget_key("channel")] = default.channel
    for dim in CODE_FILTERS:
        st.session_state[widget_key(dim)] = []


# ---- the sidebar ----------------------------------------------------------------------------

def relabelled(key: str) -> str:
    """KEY, registered as a choice widget whose option labels follow the language.

    Streamlit's browser side remembers a radio's or multiselect's choice by its label; after a
    language switch it would show nothing chosen and send the old language's label back on the
    next change, which no option matches (streamlit#4264, #11268). The switch therefore writes
    every registered value back into the state, which makes Streamlit send it with the new
    labels."""
    st.session_state.setdefault(RELABEL_KEY, set()).add(key)
    return key


def resend_relabelled() -> None:
    """The language switch's callback (see relabelled)."""
    for key in st.session_state.get(RELABEL_KEY, ()):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def session_language() -> str:
    return i18n.normalise_lang(st.session_state.get(LANG_KEY))


def language_switch() -> str:
    """The ja/en switch at the top of the sidebar; returns the language in use."""
    if st.session_state.get(LANG_KEY) not in i18n.LANGS:
        st.session_state[LANG_KEY] = i18n.DEFAULT_LANG
    st.sidebar.segmented_control(
        t("sidebar.language", st.session_state[LANG_KEY]),
        options=list(i18n.LANGS),
        format_func={"ja": "日本語", "en": "English"}.get,
        key=LANG_KEY,
        required=True,
        on_change=resend_relabelled,
    )
    return i18n.normalise_lang(st.session_state.get(LANG_KEY))


def filter_widgets(waves: Sequence[int], lang: str) -> Filters:
    """The global filters in the sidebar; returns them as queries.filters.Filters."""
    sb = st.sidebar
    sb.subheader(t("sidebar.filters", lang))
    latest = max(waves) if waves else None

    wave = sb.selectbox(
        cb.dimension_label("wave", lang),
        options=[LATEST, *sorted(waves, reverse=True)],
        format_func=lambda w: lb.wave_text(None if w == LATEST else w, latest, lang),
        key=relabelled(widget_key("wave")),
    )
    channel = sb.radio(
        cb.dimension_label("channel", lang),
        options=list(CHANNELS),
        format_func=lambda c: lb.channel_text(c, lang),
        key=relabelled(widget_key("channel")),
    )
    chosen: dict[str, tuple[int, ...]] = {}
    for dim in CODE_FILTERS:
        values = sb.multiselect(
            cb.dimension_label(dim, lang),
            options=filter_codes(dim),
            format_func=lambda c, d=dim: code_option_label(d, c, lang),
            key=relabelled(widget_key(dim)),
            placeholder=t("filter.placeholder", lang),
            # Streamlit's "Select all" entry has no Japanese; choosing none already means すべて.
            select_all=False,
        )
        chosen[dim] = tuple(sorted(int(v) for v in values))
    sb.button(t("sidebar.reset", lang), on_click=reset_filters, key="reset_filters")
    sb.caption(t("sidebar.url_note", lang))
    return Filters(wave=None if wave == LATEST else int(wave), channel=channel, **chosen)


def sync_url(updates: Mapping[str, str | None]) -> None:
    """Write KEY=value into the URL (None removes KEY), touching only the keys given."""
    for key, value in updates.items():
        current = st.query_params.get_all(key)
        if value is None:
            if current:
                del st.query_params[key]
        elif current != [value]:
            st.query_params[key] = value


def write_global_url(filters: Filters, lang: str) -> None:
    wanted: dict[str, str | None] = dict.fromkeys(GLOBAL_URL_KEYS)
    wanted.update(filters.to_query_params())
    wanted[LANG_KEY] = None if lang == i18n.DEFAULT_LANG else lang
    sync_url(wanted)


def store_context(ctx: PageContext) -> None:
    st.session_state[CONTEXT_KEY] = ctx


def current_context() -> PageContext:
    """The context app.py prepared for this run (pages call this first)."""
    ctx = st.session_state.get(CONTEXT_KEY)
    if ctx is None:
        raise RuntimeError("page run outside dashboard/app.py: start with `streamlit run dashboard/app.py`")
    return ctx


# ---- page-level controls kept in the URL -------------------------------------------------------

def url_choice(
    key: str,
    options: Sequence[Any],
    default: Any,
    to_text: Callable[[Any], str] = str,
) -> None:
    """Before a page widget is drawn: seed its state from ?KEY= the first time it appears.

    Unknown values in the URL are ignored (the default is used)."""
    if key in st.session_state:
        return
    raw = st.query_params.get(key)
    by_text = {to_text(o): o for o in options}
    st.session_state[key] = by_text.get(raw, default) if raw is not None else default


def write_choice(key: str, value: Any, default: Any, to_text: Callable[[Any], str] = str) -> None:
    """After a page widget is drawn: mirror its value in the URL (the default is left out)."""
    sync_url({key: None if value == default else to_text(value)})
