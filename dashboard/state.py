"""Sidebar filters, the language switch and their mirror in the URL.

The URL carries the global filters in the format of queries.filters.Filters.to_query_params
(e.g. ?district=3&age_band=young&wave=2023) plus lang=en, so a copied link reopens the same view in
either language. Streamlit clears unbound query parameters on a page change; the filter widgets live
in the entry point, so their values survive in the session and are written back to the URL on every
run. Values are read from the URL once, when a session starts (a fresh load or a reload); values the
filters no longer allow (a list of codes, 無回答) are dropped and the page says so once.

Each attribute filter is a single choice (queries.filters.filter_choices): すべて, one code, or one
of the codebook's named groups; its widget value is the URL's token ("" for すべて, "3", "young").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import streamlit as st

from dashboard import i18n, labels as lb, urlparams
from dashboard.access.roles import LOCAL_USER, User
from dashboard.db import DbVersion
from dashboard.i18n import t
from dashboard.source import CachedSource
from data import codebook as cb
from queries.filters import (
    ATTRIBUTE_FILTERS,
    CHANNELS,
    Filters,
    choice_codes,
    choice_label,
    choice_token,
    filter_choices,
    parse_query_params,
)

LANG_KEY = "lang"
SEEDED_KEY = "_seeded_from_url"
CONTEXT_KEY = "_page_context"
RELABEL_KEY = "_relabel_on_switch"
DROPPED_KEY = "_dropped_from_url"
ALL = ""  # an attribute filter's option for no filter (すべて)
LATEST = 0  # the wave selectbox's option for "the latest wave" (None would read as no selection)
# The global filters' URL keys (the Filters field names; widget_key gives each its widget's key).
GLOBAL_URL_KEYS = ("wave", "channel", *ATTRIBUTE_FILTERS, LANG_KEY)


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
    # What a page offers under a view, each called as action(ctx, view): the router wires the
    # presenter's 「このビューをデッキに追加」 in (pages never import the presenter).
    view_actions: tuple[Callable[[PageContext, Any], None], ...] = ()
    # Who runs this page (dashboard.access): writes ask roles.require(ctx.user, ...), the audit
    # log names them. The person at this machine when no sign-in is configured.
    user: User = LOCAL_USER

    @property
    def source(self) -> CachedSource:
        """The query layer for this run: every call cached on the database version."""
        return CachedSource(self.version, self.con)


# ---- reading the URL ----------------------------------------------------------------------


def url_params() -> dict[str, str | list[str]]:
    """st.query_params as a plain mapping; repeated keys become lists."""
    out: dict[str, str | list[str]] = {}
    for key in st.query_params:
        values = st.query_params.get_all(key)
        out[key] = values[0] if len(values) == 1 else list(values)
    return out


def filter_options(dim: str) -> list[str]:
    """What a filter on DIM offers, as tokens: すべて (ALL), each code, then the named groups."""
    return [ALL, *(choice_token(dim, codes) for codes in filter_choices(dim))]


def option_label(dim: str, token: str, lang: str) -> str:
    """How an option of filter_options reads: すべて, the code's label or the group's."""
    codes = choice_codes(dim, token) if token != ALL else None
    return t("sidebar.all", lang) if codes is None else choice_label(dim, codes, lang)


def token_of(dim: str, codes) -> str:
    """The option (token) of a filter value: ALL for none."""
    return choice_token(dim, codes) if codes else ALL


def codes_of(dim: str, token: str | None) -> tuple[int, ...]:
    """The filter value of an option; anything not offered is no filter."""
    if not token:
        return ()
    return choice_codes(dim, str(token)) or ()


def language_from_url() -> str:
    return i18n.normalise_lang(urlparams.text(LANG_KEY))


def seed_from_url(waves: Sequence[int]) -> None:
    """Put the URL's filters and language into the widgets' state, once per session."""
    if st.session_state.get(SEEDED_KEY):
        return
    params = url_params()
    filters, dropped = parse_query_params(params)
    if filters.wave is not None and filters.wave not in waves:  # a year with no survey
        dropped.insert(0, f"wave={filters.wave}")
    st.session_state[LANG_KEY] = i18n.normalise_lang(params.get(LANG_KEY))
    st.session_state[widget_key("wave")] = filters.wave if filters.wave in waves else LATEST
    st.session_state[widget_key("channel")] = filters.channel
    for dim in ATTRIBUTE_FILTERS:
        st.session_state[widget_key(dim)] = token_of(dim, getattr(filters, dim))
    if dropped:
        st.session_state[DROPPED_KEY] = list(dropped)
    st.session_state[SEEDED_KEY] = True


def note_dropped(items: Sequence[str], lang: str) -> None:
    """The warning that conditions of the URL were removed (once: the caller pops them)."""
    if items:
        st.warning(
            t("url.dropped", lang, items=("、" if lang == "ja" else "; ").join(items)), icon=":material/link_off:"
        )


def dropped_warning(lang: str) -> None:
    """Once per session: say which URL values the filters could not take (seed_from_url)."""
    note_dropped(st.session_state.pop(DROPPED_KEY, ()), lang)


def reset_filters() -> None:
    """Button callback: every global filter back to its default (the language stays)."""
    default = Filters()
    st.session_state[widget_key("wave")] = LATEST
    st.session_state[widget_key("channel")] = default.channel
    for dim in ATTRIBUTE_FILTERS:
        st.session_state[widget_key(dim)] = ALL


# ---- the sidebar ----------------------------------------------------------------------------


def relabelled(key: str) -> str:
    """KEY, registered as a choice widget whose option labels follow the language.

    Streamlit's browser side remembers a radio's or selectbox's choice by its label; after a
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


def filter_widgets(waves: Sequence[int], lang: str, applies: bool = True) -> Filters:
    """The global filters in the sidebar; returns them as queries.filters.Filters. applies=False:
    the page shown does not read them, which a line under the heading says (they are drawn all the
    same, so that they keep their values for the next page)."""
    sb = st.sidebar
    sb.subheader(t("sidebar.filters", lang))
    if not applies:
        sb.caption(t("sidebar.filters_unused", lang))
    latest = max(waves) if waves else None

    wave = sb.selectbox(
        cb.dimension_label("wave", lang),
        options=[LATEST, *sorted(waves, reverse=True)],
        format_func=lambda w: lb.wave_text(None if w == LATEST else w, latest, lang),
        key=relabelled(widget_key("wave")),
    )
    if st.session_state.get(widget_key("channel")) not in CHANNELS:  # e.g. 両方 left by an older session
        st.session_state[widget_key("channel")] = Filters().channel
    channel = sb.radio(
        cb.dimension_label("channel", lang),
        options=list(CHANNELS),
        format_func=lambda c: lb.channel_text(c, lang),
        key=relabelled(widget_key("channel")),
    )
    chosen: dict[str, tuple[int, ...]] = {}
    for dim in ATTRIBUTE_FILTERS:
        key = widget_key(dim)
        options = filter_options(dim)
        if st.session_state.get(key) not in options:  # e.g. a list left by an older session
            st.session_state[key] = ALL
        token = sb.selectbox(
            cb.dimension_label(dim, lang),
            options=options,
            format_func=lambda o, d=dim: option_label(d, o, lang),
            key=relabelled(key),
        )
        chosen[dim] = codes_of(dim, token)
    sb.caption(t("sidebar.filter_note", lang))
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
    lang: str | None = None,
) -> None:
    """Before a page widget is drawn: seed its state from ?KEY= the first time it appears.

    The URL's value is read with dashboard.urlparams (bounded, known values only); an unknown value
    is dropped (the default is used) and, given LANG, the page says so once."""
    if key in st.session_state:
        return
    value = urlparams.raw(key)
    chosen = urlparams.choice(value, options, to_text)
    st.session_state[key] = default if chosen is None else chosen
    if value is not None and chosen is None and lang is not None:
        note_dropped([urlparams.dropped_text(key, value)], lang)


def write_choice(key: str, value: Any, default: Any, to_text: Callable[[Any], str] = str) -> None:
    """After a page widget is drawn: mirror its value in the URL (the default is left out)."""
    sync_url({key: None if value == default else to_text(value)})
