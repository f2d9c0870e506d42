"""発表モード — a deck full-screen for the 準備会: one slide at a time, large type, keys and clicker.

URL: /presenter?deck=NAME&slide=N (both optional; N is clamped into the deck). Keys: → PageDown
next, ← PageUp back, Home first, End last (Streamlit's own button shortcuts, so presentation
clickers, which send PageDown/PageUp, work too). The slide number follows in the URL, so a reload
stays on the slide. Every number on a slide comes from queries/ through dashboard.content; a slide
of figures has the users' note under its chart. The live filter offers what the sidebar offers: one
code or a named group per dimension (queries.filters).
"""

from __future__ import annotations

import html
import logging
from dataclasses import replace

import streamlit as st

from dashboard import state, urlparams
from dashboard.access import audit
from dashboard.content import View, kind
from dashboard.db import DbVersion, connection
from dashboard.presenter import deck as dk, editor, handout, prefetch, slide as sl, viewport
from dashboard.presenter.strings import ps
from dashboard.source import Source
from dashboard.state import PageContext
from data import codebook as cb
from queries.filters import choice_label

log = logging.getLogger("tsunagari.presenter")

SLIDE_KEY = "pres_slide"
DECK_KEY = "pres_deck"
DROPPED_DECK_KEY = "_pres_dropped_deck"
MODE_KEY = "pres_mode"
LIVE_PREFIX = "pres_live"

CSS = """
<style>
:root { --pres-font: max(24px, calc(100vh / 30)); }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stSidebarNav"],
[data-testid="stStatusWidget"], header, footer { display: none !important; }
[data-testid="stMain"] { margin-left: 0 !important; }
[data-testid="stMainBlockContainer"], .block-container {
  padding: 0.4rem 1.6rem calc(var(--pres-font) * 3.4) 1.6rem !important; max-width: 100% !important; }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 0.45rem; }
[data-testid="stAlert"] { padding: 0.15rem 0.8rem !important; }
[data-testid="stAlert"] p { font-size: calc(var(--pres-font) * 0.8) !important; }
.st-key-pres_hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden;
  clip-path: inset(50%); }
.pres-heading, .pres-title h1, .pres-section h1 { word-break: auto-phrase; text-wrap: balance; }
.pres-heading { font-size: calc(var(--pres-font) * 1.45); font-weight: 700; color: #111;
  line-height: 1.25; margin: 0; border-bottom: 3px solid #0072B2; padding-bottom: 0.2em; }
.pres-body, .pres-body p, .pres-body li { font-size: calc(var(--pres-font) * 1.1) !important; line-height: 1.5 !important;
  color: #111; }
.pres-body ul { margin: 0.4em 0 0 0.2em; padding-left: 1.2em; }
.pres-body li { margin: 0.3em 0 !important; }
.pres-caption { font-size: var(--pres-font); color: #222; line-height: 1.35; margin: 0; }
.pres-note { font-size: calc(var(--pres-font) * 0.62); color: #333; line-height: 1.3; margin: 0; }
.pres-refused { font-size: var(--pres-font); color: #111; line-height: 1.4; margin: 0.6em 0;
  background: #E8F1FA; border-left: 6px solid #0072B2; padding: 0.4em 0.8em; }
.pres-title { text-align: center; margin-top: 8vh; }
.pres-title h1 { font-size: calc(var(--pres-font) * 2); line-height: 1.3; color: #111; margin: 0 0 0.6em 0; }
.pres-title p { font-size: calc(var(--pres-font) * 1.2); margin: 0.2em 0; color: #222; }
.pres-section { display: flex; align-items: center; justify-content: center; height: 55vh; }
.pres-section h1 { font-size: calc(var(--pres-font) * 2); color: #0072B2; text-align: center; line-height: 1.3; }
.pres-cards { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 0.6em; }
.pres-card { border: 2px solid #0072B2; border-radius: 10px; padding: 0.35em 0.6em; background: #fff; }
.pres-card .lbl { font-size: var(--pres-font); color: #111; line-height: 1.3; }
.pres-card .val { font-size: calc(var(--pres-font) * 2.1); font-weight: 700; color: #0072B2; line-height: 1.2; }
.pres-card .sub { font-size: var(--pres-font); color: #222; line-height: 1.3; }
.pres-card.low { border-style: dashed; }
.pres-card.low .val { color: #3D7FB0; }
.pres-card.hidden .val { color: #555; }
.pres-dir { display: grid; gap: 0.25em 1.2em; }
.pres-dir div.e { font-size: var(--pres-font); line-height: 1.3; border-left: 6px solid #0072B2;
  padding-left: 0.4em; overflow-wrap: anywhere; }
.pres-dir .n { font-weight: 700; }
.st-key-pres_footer { position: fixed; left: 0; right: 0; bottom: 0; z-index: 999990; background: #fff;
  border-top: 2px solid #0072B2; padding: 0.25rem 1.2rem; }
/* The buttons on one line; the data facts beside them where they fit, else on a second line
   (1024 px): never squeezed to a column that runs off the screen. draw_view reserves two lines. */
.st-key-pres_footer { flex-wrap: wrap !important; row-gap: 0.15rem !important; }
.st-key-pres_footer > div:has(> .pres-meta), .st-key-pres_footer > div:has(.pres-meta) {
  flex: 1 1 24em !important; min-width: 0; }
.st-key-pres_footer p, .st-key-pres_footer button p { font-size: calc(var(--pres-font) * 0.62) !important; }
.st-key-pres_footer button { padding: 0.1rem 0.5rem !important; min-height: 2rem !important; }
/* A sign of progress when a run lasts (a slide not made ahead, a live filter): a bar moving along the
   footer's top edge, shown only once the run has taken 0.3 s (Streamlit's status widget is hidden). */
.st-key-pres_footer::before { content: ""; position: absolute; top: -3px; left: 0; width: 30%; height: 4px;
  background: #0072B2; opacity: 0; pointer-events: none; }
[data-test-script-state="running"] .st-key-pres_footer::before { opacity: 1; transition: opacity 0s 0.3s;
  animation: pres-busy 1.2s linear 0.3s infinite; }
@keyframes pres-busy { from { transform: translateX(-100%); } to { transform: translateX(333%); } }
@media (prefers-reduced-motion: reduce) {
  [data-test-script-state] .st-key-pres_footer::before { animation: none !important; width: 100%; } }
.pres-counter { font-size: var(--pres-font); font-weight: 700; color: #111; white-space: nowrap; }
.pres-meta { font-size: calc(var(--pres-font) * 0.62); color: #222; display: block; line-height: 1.3; }
.pres-meta > span { white-space: nowrap; }
.pres-demo { background: #FFF3C4; color: #5A4500; border: 1px solid #C9A400; border-radius: 4px;
  padding: 0 0.4em; font-weight: 700; }
.pres-live { background: #E8F1FA; border: 1px solid #0072B2; border-radius: 4px; padding: 0 0.4em; }
</style>
"""


# ---- deck and slide state ---------------------------------------------------------------------


def session_decks() -> dict[str, dk.Deck]:
    return st.session_state.setdefault(editor.SESSION_DECKS, {})


def get_deck(name: str) -> dk.Deck:
    """A deck of this session (built or edited here) first, then a file."""
    decks = session_decks()
    if name in decks:
        return decks[name]
    return dk.load_deck(name)


def seed_from_url() -> None:
    """The URL's deck and slide, once per session (and whenever the URL's deck changes)."""
    raw = urlparams.raw("deck")
    name = urlparams.deck_name(raw)
    deck_name = name or dk.DEFAULT_DECK
    if st.session_state.get(DECK_KEY) != deck_name or SLIDE_KEY not in st.session_state:
        st.session_state[DECK_KEY] = deck_name
        st.session_state[SLIDE_KEY] = urlparams.decimal(urlparams.raw("slide"), lo=1) or 1
        if raw and name is None:
            st.session_state[DROPPED_DECK_KEY] = urlparams.dropped_text("deck", raw)


def go_to(number: int) -> None:
    """Every slide button names the slide it leads to, not a step from wherever the session is: a
    click the server applies twice (its trigger replayed by a run that meets the 10-second
    following timer's) still lands on the next slide instead of skipping one."""
    st.session_state[SLIDE_KEY] = number


def live_key(deck: dk.Deck, number: int, dim: str) -> str:
    return f"{LIVE_PREFIX}_{deck.name}_{number}_{dim}"


def live_view(deck: dk.Deck, number: int, view: View) -> tuple[View, list[str]]:
    """The slide's view with the presenter's live filters applied; the dims that differ."""
    changed: list[str] = []
    filters = view.filters
    for dim in kind(view.kind).live:
        key = live_key(deck, number, dim)
        if key not in st.session_state:
            continue
        chosen = state.codes_of(dim, st.session_state[key])
        own = getattr(view.filters, dim)
        if chosen != own:
            changed.append(dim)
            filters = replace(filters, **{dim: chosen})
    return (view.with_filters(filters) if changed else view), changed


def live_text(view: View, changed: list[str], lang: str) -> str:
    """The live filter's state for the slide heading: 地域: 藤島・性別: 女性 (すべて when cleared)."""
    parts = []
    for dim in changed:
        codes = getattr(view.filters, dim, ())
        shown = choice_label(dim, codes, lang) if codes else cb.all_label(lang)
        parts.append(f"{cb.dimension_label(dim, lang)}: {shown}")
    return ("・" if lang == "ja" else ", ").join(parts)


def live_heading(text: str, view: View | None, changed: list[str], lang: str) -> str:
    """The slide's heading, with the live filter's state when the presenter changed it: the
    heading says which district (or sex, age) the chart now shows, not only a small badge."""
    if view is None or not changed:
        return text
    live = live_text(view, changed, lang)
    return f"{text}（{live}）" if lang == "ja" else f"{text} ({live})"


def reset_live(deck: dk.Deck, number: int, view: View) -> None:
    for dim in kind(view.kind).live:
        st.session_state[live_key(deck, number, dim)] = state.token_of(dim, getattr(view.filters, dim))


# ---- drawing a slide ------------------------------------------------------------------------


def heading(text: str) -> None:
    st.html(f"<h2 class='pres-heading'>{html.escape(text)}</h2>")


def text_html(text: str) -> str:
    """Plain slide text: lines starting with - are bullets, other lines paragraphs (all escaped)."""
    parts, items = [], []
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if s.startswith(("- ", "・")):
            items.append(f"<li>{html.escape(s[2:] if s.startswith('- ') else s[1:])}</li>")
        else:
            if items:
                parts.append(f"<ul>{''.join(items)}</ul>")
                items = []
            parts.append(f"<p>{html.escape(s)}</p>")
    if items:
        parts.append(f"<ul>{''.join(items)}</ul>")
    return "".join(parts)


def draw_text_slide(deck: dk.Deck, slide: dk.Slide) -> None:
    if slide.kind == "title":
        lines = "".join(f"<p>{html.escape(x.strip())}</p>" for x in slide.text.splitlines() if x.strip())
        date = f"<p>{html.escape(deck.date)}</p>" if deck.date else ""
        st.html(f"<div class='pres-title'><h1>{html.escape(slide.heading)}</h1>{lines}{date}</div>")
    elif slide.kind == "section":
        st.html(f"<div class='pres-section'><h1>{html.escape(slide.heading)}</h1></div>")
    else:
        heading(slide.heading)
        st.html(f"<div class='pres-body'>{text_html(slide.text)}</div>")


def draw_view(
    version: DbVersion,
    view: View,
    slide: dk.Slide,
    lang: str,
    vp: viewport.Viewport,
    demo: bool,
    changed: list[str] | None = None,
) -> None:
    """The slide's heading, then its drawing (slide.slide_drawing, made ahead by prefetch.py when
    the key press came after the previous slide was drawn: this run only sends it)."""
    heading(live_heading(slide.heading, view, changed or [], lang))
    made = prefetch.drawing(version, view, slide.caption or "", lang, vp.width, vp.height, demo)
    if made.body_html:
        st.html(made.body_html)
    elif made.spec is not None:
        st.vega_lite_chart(spec=made.spec, theme=None, width="content")
    for c in made.captions:
        st.html(f"<p class='pres-caption'>{html.escape(c)}</p>")
    if made.notice:
        st.html(f"<p class='pres-note' data-testid='pres-note'>{html.escape(made.notice)}</p>")


def neighbours(deck: dk.Deck, number: int) -> list[tuple[View, str]]:
    """(view, caption) of the next and the previous slide that show a view, live filters applied:
    what the presenter's next key press will most likely ask for."""
    out = []
    for n in (number + 1, number - 1):
        if 1 <= n <= len(deck) and deck.slides[n - 1].view is not None:
            view, _ = live_view(deck, n, deck.slides[n - 1].view)
            out.append((view, deck.slides[n - 1].caption or ""))
    return out


# ---- controls -------------------------------------------------------------------------------


def hidden_shortcuts(number: int, total: int) -> None:
    """PageDown / PageUp / Home / End as buttons out of sight (Streamlit's own key handling)."""
    with st.container(key="pres_hidden"):
        st.button("PageDown", key="pres_k_pgdn", shortcut="PageDown", on_click=go_to, args=(min(number + 1, total),))
        st.button("PageUp", key="pres_k_pgup", shortcut="PageUp", on_click=go_to, args=(max(number - 1, 1),))
        st.button("Home", key="pres_k_home", shortcut="Home", on_click=go_to, args=(1,))
        st.button("End", key="pres_k_end", shortcut="End", on_click=go_to, args=(total,))


def footer(
    ctx: PageContext, deck: dk.Deck, number: int, source, view: View | None, changed: list[str], facts: sl.DataFacts
) -> None:
    lang = ctx.lang
    total = len(deck)
    with st.container(key="pres_footer", horizontal=True, vertical_alignment="center", gap="small"):
        st.button(
            ps("nav.prev", lang),
            key="pres_prev",
            icon=":material/arrow_back:",
            shortcut="Left",
            on_click=go_to,
            args=(max(number - 1, 1),),
            disabled=number <= 1,
        )
        st.html(f"<span class='pres-counter' data-testid='pres-counter'>{number} / {total}</span>", width="content")
        st.button(
            ps("nav.next", lang),
            key="pres_next",
            icon=":material/arrow_forward:",
            shortcut="Right",
            on_click=go_to,
            args=(min(number + 1, total),),
            disabled=number >= total,
            type="primary",
        )
        with st.popover(ps("nav.overview", lang), icon=":material/view_list:"):
            st.markdown(f"**{ps('nav.overview_title', lang)}**")
            for i, s in enumerate(deck.slides, 1):
                st.button(
                    f"{i}. {s.heading}",
                    key=f"pres_jump_{i}",
                    on_click=go_to,
                    args=(i,),
                    type="primary" if i == number else "secondary",
                    width="stretch",
                )
        if view is not None and kind(view.kind).live:
            with st.popover(ps("live.button", lang), icon=":material/filter_alt:"):
                live_controls(deck, number, view, lang)
        if changed:
            st.button(
                ps("live.reset", lang),
                key="pres_live_reset",
                icon=":material/undo:",
                type="primary",
                on_click=reset_live,
                args=(deck, number, view),
            )
        slide = deck.slides[number - 1]
        if slide.notes:
            with st.popover(ps("notes.title", lang), icon=":material/sticky_note_2:"):
                st.markdown(slide.notes)
        with st.popover(ps("handout.button", lang), icon=":material/print:"):
            handout_controls(ctx, deck, source)
        st.button(
            ps("editor.open", lang),
            key="pres_edit",
            icon=":material/edit:",
            on_click=lambda: st.session_state.__setitem__(MODE_KEY, "edit"),
        )
        meta = [html.escape(facts.as_of_text(lang))]
        if facts.is_demo:
            meta.insert(0, f"<span class='pres-demo'>{html.escape(ps('demo.short', lang))}</span>")
        if changed:
            dims = "・".join(cb.dimension_label(d, lang) for d in changed)
            meta.insert(
                0, f"<span class='pres-live'>{html.escape(ps('live.changed', lang))}: {html.escape(dims)}</span>"
            )
        # stretch: the facts take the room the buttons leave and wrap there
        st.html(f"<span class='pres-meta' data-testid='pres-meta'>{' '.join(meta)}</span>", width="stretch")


def live_controls(deck: dk.Deck, number: int, view: View, lang: str) -> None:
    for dim in kind(view.kind).live:
        key = live_key(deck, number, dim)
        options = state.filter_options(dim)  # the sidebar's: すべて, one code or a named group
        if st.session_state.get(key) not in options:
            st.session_state[key] = state.token_of(dim, getattr(view.filters, dim))
        st.selectbox(
            cb.dimension_label(dim, lang),
            options,
            key=state.relabelled(key),
            format_func=lambda o, d=dim: state.option_label(d, o, lang),
        )
    st.button(
        ps("live.reset", lang),
        key="pres_live_reset_in",
        icon=":material/undo:",
        on_click=reset_live,
        args=(deck, number, view),
    )


def handout_controls(ctx: PageContext, deck: dk.Deck, source) -> None:
    lang = ctx.lang
    fmt = st.radio(
        ps("handout.format", lang), ["pdf", "pptx"], horizontal=True, key="pres_handout_fmt", format_func=str.upper
    )
    notes = st.checkbox(ps("handout.with_notes", lang), value=True, key="pres_handout_notes")
    per_page = 1
    if fmt == "pdf":
        per_page = st.radio(
            ps("handout.per_page", lang),
            list(handout.PER_PAGE),
            horizontal=True,
            key="pres_handout_nup",
            format_func=lambda n: ps("handout.per_page_n", lang, n=n),
        )
    made_key = f"pres_handout_{deck.name}_{fmt}_{lang}_{notes}_{per_page}"
    if st.button(ps("handout.make", lang), key="pres_handout_make", icon=":material/description:"):
        bar = st.progress(0.0, text=ps("handout.making", lang))

        def progress(done: int, total: int) -> None:  # drawing each slide's chart is most of the time
            bar.progress(done / max(total, 1), text=ps("handout.progress", lang, n=done + 1, m=total))

        st.session_state[made_key] = handout.handout_bytes(
            deck, source, lang, fmt, notes=notes, per_page=per_page, progress=progress
        )
        bar.progress(1.0, text=ps("handout.ready", lang))
    if made_key in st.session_state:
        file_name = handout.file_name(deck, fmt)
        st.download_button(
            ps("handout.download", lang),
            data=st.session_state[made_key],
            file_name=file_name,
            on_click=lambda: audit.record(
                "handout", ctx.user, deck=deck.name, file=file_name, format=fmt, lang=lang, per_page=per_page
            ),
            mime=handout.MIME[fmt],
            key="pres_handout_dl",
            icon=":material/download:",
        )


# ---- the page -------------------------------------------------------------------------------


def render(ctx: PageContext) -> None:
    lang = ctx.lang
    st.html(CSS)
    if st.session_state.get(MODE_KEY) == "edit":
        editor.render_editor(ctx, get_deck, on_back=lambda: st.session_state.__setitem__(MODE_KEY, "present"))
        return
    seed_from_url()
    dropped = st.session_state.pop(DROPPED_DECK_KEY, None)
    state.note_dropped([dropped] if dropped else [], lang)
    name = st.session_state[DECK_KEY]
    try:
        deck = get_deck(name)
    except dk.DeckError as exc:
        st.error(f"{ps('error.deck', lang)}\n\n```\n{exc}\n```")
        st.button(
            ps("editor.open", lang),
            key="pres_edit_err",
            on_click=lambda: st.session_state.__setitem__(MODE_KEY, "edit"),
        )
        return
    vp = viewport.viewport()
    presenting(ctx, deck, vp, _facts(ctx.version))


@st.fragment
def presenting(ctx: PageContext, deck: dk.Deck, vp: viewport.Viewport, facts: sl.DataFacts) -> None:
    """The slide and the footer: a key press, a footer button or the live filter reruns only this
    (the sidebar, the banner and the rest of the page stay as they are, on the server and in the
    browser); the editor's button asks for the whole page."""
    if st.session_state.get(MODE_KEY) == "edit":
        st.rerun(scope="app")
    lang = ctx.lang
    number = deck.clamp(st.session_state.get(SLIDE_KEY))
    st.session_state[SLIDE_KEY] = number
    state.sync_url({"deck": deck.name, "slide": str(number)})
    source = ctx.source
    slide = deck.slides[number - 1]
    view, changed = (None, [])
    if slide.view is not None:
        view, changed = live_view(deck, number, slide.view)
    hidden_shortcuts(number, len(deck))
    with st.container(key="pres_slide"):
        try:
            if view is None:
                draw_text_slide(deck, slide)
            else:
                draw_view(ctx.version, view, slide, lang, vp, facts.is_demo, changed)
        except Exception as exc:  # one broken slide must not stop the meeting
            log.error("slide %d of deck %r could not be shown: %s", number, deck.name, exc, exc_info=True)
            st.error(ps("error.slide", lang))
    footer(ctx, deck, number, source, slide.view, changed, facts)
    # The slide is drawn: make its neighbours now, while the presenter speaks (prefetch.py).
    prefetch.ahead(ctx.version, neighbours(deck, number), lang, vp.width, vp.height, facts.is_demo)


@st.cache_data(max_entries=4, show_spinner=False)
def _facts(version: DbVersion) -> sl.DataFacts:
    """The footer's data facts, once per database version."""
    return sl.data_facts(Source(connection(version)))


if __name__ == "__main__":
    render(state.current_context())
