"""Building decks in the dashboard: add a page's view to a deck, reorder, save, download.

Decks being built live in the session (st.session_state[SESSION_DECKS], name → Deck); saving
writes the instance folder's decks/NAME.yaml (事務局 only: deck.save_user_deck checks the role)
and the YAML can always be downloaded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

import streamlit as st

from dashboard.access import audit, roles
from dashboard.content import View
from dashboard.presenter import deck as dk
from dashboard.presenter.strings import ps
from dashboard.state import PageContext
from data import codebook as cb

log = logging.getLogger("tsunagari.presenter")

SESSION_DECKS = "pres_session_decks"
EDIT_DECK = "pres_edit_deck"
NEW = "__new__"


def session_decks() -> dict[str, dk.Deck]:
    return st.session_state.setdefault(SESSION_DECKS, {})


def deck_choices() -> list[str]:
    return list(dict.fromkeys([*session_decks(), *dk.deck_names()]))


def load_any(name: str) -> dk.Deck:
    decks = session_decks()
    return decks[name] if name in decks else dk.load_deck(name)


def default_heading(view: View, lang: str) -> str:
    dims = "×".join(cb.dimension_label(d, lang) for d in view.by)
    short = cb.indicator(view.indicator).short[lang]
    return f"{dims}: {short}" if lang == "ja" else f"{short} by {dims}"


def add_view(deck_name: str, view: View, heading: str, title: str | None = None) -> dk.Deck:
    """Append a slide with VIEW to the session copy of DECK_NAME (a new deck if it does not exist)."""
    dk.check_name(deck_name)
    decks = session_decks()
    try:
        base = load_any(deck_name)
    except dk.DeckError:
        base = dk.Deck(name=deck_name, title=title or deck_name)
    deck = dk.add_slide(replace(base, name=deck_name), dk.view_slide(view, heading))
    decks[deck_name] = deck
    return deck


def add_to_deck(ctx: PageContext, view: View) -> None:
    """「このビューをデッキに追加」 under a page's view: a popover choosing the deck and heading
    (a view action of the pages, see dashboard.presenter.view_actions)."""
    lang = ctx.lang
    with st.popover(ps("add.button", lang), icon=":material/slideshow:"):
        choices = [*deck_choices(), NEW]
        target = st.selectbox(
            ps("add.deck", lang),
            choices,
            key="pres_add_deck",
            format_func=lambda n: ps("add.new", lang) if n == NEW else n,
        )
        new_name = ""
        if target == NEW:
            new_name = st.text_input(ps("add.new_name", lang), key="pres_add_new_name", value="my-deck")
        heading = st.text_input(
            ps("add.heading", lang),
            value=default_heading(view, lang),
            key=f"pres_add_heading_{view.indicator}_{'_'.join(view.by)}",
        )
        if st.button(ps("add.do", lang), key="pres_add_do", icon=":material/add:", type="primary"):
            name = new_name.strip() if target == NEW else target
            try:
                deck = add_view(name, view, heading.strip() or default_heading(view, lang))
            except dk.DeckError as exc:
                st.error(str(exc))
            else:
                st.success(ps("add.done", lang, deck=deck.name, n=len(deck)))


# ---- the editor -------------------------------------------------------------------------------


def _set(deck: dk.Deck) -> None:
    session_decks()[deck.name] = deck


def _move(name: str, index: int, step: int) -> None:
    _set(dk.move_slide(load_any(name), index, step))


def _remove(name: str, index: int) -> None:
    _set(dk.remove_slide(load_any(name), index))


def save(ctx: PageContext, target: dk.Deck) -> None:
    """Save TARGET for everyone; deck.save_user_deck refuses below 事務局 (the button is only a hint)."""
    lang = ctx.lang
    try:
        path = dk.save_user_deck(target, ctx.user)
    except roles.Forbidden:
        audit.record("denied", ctx.user, action="deck.save", deck=target.name)
        st.error(ps("editor.save_forbidden", lang))
    except dk.DeckError as exc:  # the deck's own problems (its name, its slides): no path in them
        st.error(str(exc))
    except OSError as exc:  # the disk: the path and the system's text go to the server's log only
        log.error("could not save the deck %r: %s", target.name, exc, exc_info=True)
        st.error(ps("editor.save_failed", lang))
    else:
        log.info("deck %r saved to %s", target.name, path)
        audit.record("deck_save", ctx.user, deck=target.name, slides=len(target))
        _set(target)
        st.success(ps("editor.saved", lang, name=target.name))


def delete(ctx: PageContext, name: str) -> None:
    """Delete the saved deck NAME (事務局 only, checked by deck.delete_user_deck)."""
    lang = ctx.lang
    try:
        dk.delete_user_deck(name, ctx.user)
    except roles.Forbidden:
        audit.record("denied", ctx.user, action="deck.delete", deck=name)
        st.error(ps("editor.save_forbidden", lang))
    except dk.DeckError as exc:
        st.error(str(exc))
    except OSError as exc:
        log.error("could not delete the deck %r: %s", name, exc, exc_info=True)
        st.error(ps("editor.save_failed", lang))
    else:
        audit.record("deck_delete", ctx.user, deck=name)
        session_decks().pop(name, None)
        st.session_state.pop(EDIT_DECK, None)
        st.success(ps("editor.deleted", lang, name=name))


def render_editor(ctx: PageContext, get_deck: Callable[[str], dk.Deck], on_back: Callable[[], None]) -> None:
    lang = ctx.lang
    st.title(ps("editor.title", lang))
    st.button(ps("editor.back", lang), key="pres_editor_back", icon=":material/slideshow:", on_click=on_back)
    uploaded = st.file_uploader(ps("editor.upload", lang), type=["yaml", "yml"], key="pres_editor_upload")
    if uploaded is not None:
        stem = uploaded.name.rsplit(".", 1)[0]
        try:
            loaded = dk.parse_yaml(uploaded.getvalue().decode("utf-8"), stem, uploaded.name)
        except (dk.DeckError, UnicodeDecodeError) as exc:
            st.error(str(exc))
        else:
            if session_decks().get(stem) != loaded:
                _set(loaded)
                st.success(ps("editor.loaded", lang, name=stem))
    choices = deck_choices()
    current = st.session_state.get(EDIT_DECK)
    if current not in choices:
        st.session_state[EDIT_DECK] = (
            st.session_state.get("pres_deck") if st.session_state.get("pres_deck") in choices else choices[0]
        )
    name = st.selectbox(ps("editor.deck", lang), choices, key=EDIT_DECK)
    try:
        deck = load_any(name)
    except dk.DeckError as exc:
        st.error(str(exc))
        return
    st.caption(ps("editor.session_note", lang))
    c1, c2, c3 = st.columns([2, 3, 2])
    new_name = c1.text_input(ps("editor.name", lang), value=deck.name, key=f"pres_ed_name_{name}")
    title = c2.text_input(ps("editor.deck_title", lang), value=deck.title, key=f"pres_ed_title_{name}")
    date = c3.text_input(ps("editor.date", lang), value=deck.date, key=f"pres_ed_date_{name}")
    if (title, date) != (deck.title, deck.date):
        deck = replace(deck, title=title, date=date)
        _set(deck)
    for i, slide in enumerate(deck.slides):
        with st.container(border=True, horizontal=True, vertical_alignment="center"):
            what = slide.view.kind if slide.view else slide.kind
            st.markdown(f"**{i + 1}.** {slide.heading}  \n:gray[{what}]", width="stretch")
            st.button(
                ps("editor.up", lang),
                key=f"pres_ed_up_{name}_{i}",
                icon=":material/arrow_upward:",
                on_click=_move,
                args=(name, i, -1),
                disabled=i == 0,
            )
            st.button(
                ps("editor.down", lang),
                key=f"pres_ed_down_{name}_{i}",
                icon=":material/arrow_downward:",
                on_click=_move,
                args=(name, i, 1),
                disabled=i == len(deck.slides) - 1,
            )
            st.button(
                ps("editor.remove", lang),
                key=f"pres_ed_rm_{name}_{i}",
                icon=":material/delete:",
                on_click=_remove,
                args=(name, i),
                disabled=len(deck.slides) <= 1,
            )
    target = replace(deck, name=new_name.strip())
    may_save = roles.allowed(ctx.user, "deck.save")
    b1, b2, b3 = st.columns(3)
    if b1.button(
        ps("editor.save", lang), key="pres_ed_save", icon=":material/save:", type="primary", disabled=not may_save
    ):
        save(ctx, target)
    if not may_save:
        b1.caption(ps("editor.save_secretariat", lang))
    b2.download_button(
        ps("editor.download", lang),
        data=dk.deck_to_yaml(target).encode("utf-8"),
        file_name=f"{target.name or 'deck'}.yaml",
        mime="application/x-yaml",
        key="pres_ed_dl",
        icon=":material/download:",
        on_click="ignore",
    )

    def present() -> None:
        st.session_state["pres_deck"] = name
        st.session_state["pres_slide"] = 1
        st.query_params["deck"] = name
        on_back()

    b3.button(ps("editor.present", lang), key="pres_ed_present", icon=":material/play_arrow:", on_click=present)
    if name in dk.saved_names() and roles.allowed(ctx.user, "deck.delete"):
        with st.popover(ps("editor.delete_saved", lang), icon=":material/delete_forever:"):
            st.caption(ps("editor.delete_confirm", lang, name=name))
            if st.button(ps("editor.delete_saved", lang), key="pres_ed_delete", type="primary"):
                delete(ctx, name)
