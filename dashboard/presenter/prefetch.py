"""The presenter's slides made ahead of the key press (issue 17, item 8).

What a view slide draws (slide.slide_drawing: the content from dashboard.content through the
cached Source, the chart's spec sized for the window) is kept in st.cache_data (drawing), keyed on
the database version, the view (live filters included), the caption, the language, the window and
the demo banner. After each run of the presenter page has drawn its slide, the page hands the
next and the previous slide to ahead(): one background thread of the server makes their drawings
into that cache while the presenter speaks, so the key press finds them made and its run only
sends them. The same cache serves every session (two laptops on the same deck, a reload).

The thread has no ScriptRunContext and needs none: it calls only the cached functions (st.cache_data
and the Source's cache are the server's, not a session's; dashboard/warmup.py fills them the same
way). One thread for the whole server, FIFO, so prefetching never takes more than one core from the
sessions; a drawing already queued is not queued twice, and one being made when the key press
comes is waited for by the run (st.cache_data computes one key once), not made twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

import streamlit as st

from dashboard.content import View
from dashboard.db import DbVersion, connection
from dashboard.presenter import slide as sl
from dashboard.presenter.viewport import Viewport
from dashboard.source import CachedSource
from dashboard.ui import no_mark_aria

log = logging.getLogger("tsunagari.presenter")

MAX_ENTRIES = 64  # drawings kept: a deck or two, in two languages, at a couple of window sizes

_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tsunagari-prefetch")
_lock = threading.Lock()
_queued: set[tuple] = set()


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def drawing(
    version: DbVersion, view: View, caption: str, lang: str, width: int, height: int, demo: bool
) -> sl.SlideDrawing:
    """What a view slide draws in a WIDTH × HEIGHT window (slide.slide_drawing on the cached Source),
    its chart's spec ready for the browser (no ARIA roles on Vega's marks: the slide's notes and the
    handout carry the figures)."""
    source = CachedSource(version, connection(version))
    made = sl.slide_drawing(source, view, caption, lang, Viewport(width, height), demo)
    if made.spec is not None:
        made = sl.SlideDrawing(made.body_html, no_mark_aria(made.spec), made.captions, made.notice)
    return made


def ahead(
    version: DbVersion, views: Iterable[tuple[View, str]], lang: str, width: int, height: int, demo: bool
) -> None:
    """Make the drawings of VIEWS ((view, caption) of the slides next to the one shown) in the
    background; returns at once."""
    for view, caption in views:
        key = (version, view, caption, lang, int(width), int(height), bool(demo))
        with _lock:
            if key in _queued:
                continue
            _queued.add(key)
        _pool.submit(_make, key)


def _make(key: tuple) -> None:
    try:
        drawing(*key)
    except Exception as exc:  # the slide's own run shows the error, if it is still there then
        log.info("prefetch of a %s slide failed: %s", key[1].kind, exc)
    finally:
        with _lock:
            _queued.discard(key)


def wait(timeout: float = 60.0) -> bool:
    """Until every drawing queued so far is made (tests); False if TIMEOUT seconds pass first."""
    done: Future = _pool.submit(lambda: None)  # one worker: it runs after everything queued before it
    try:
        done.result(timeout)
    except TimeoutError:
        return False
    return True
