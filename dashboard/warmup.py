"""The server's warm-up: what the first page run would otherwise import, done in a thread as soon
as the server starts (dashboard/server.py), while the first browser is still loading Streamlit's
frontend.

Without it the first visitor's first page waits about a second for pandas, Altair, DuckDB and the
dashboard's own modules to load; the warm-up also computes that page (概要, default filters) into
the shared caches. A page run calls wait() before its imports, so it never imports a module the
warm-up thread is still importing; it does not wait for the first page's figures: the two meet
at Streamlit's per-key compute lock (st.cache_data), so the page draws its heading, sidebar and
whatever is ready while the warm-up finishes the rest, and nothing is computed twice. Outside the
server (AppTest, `streamlit run dashboard/app.py`, the CLI) start() is never called and wait()
returns at once.
"""

from __future__ import annotations

import gc
import importlib
import logging
import threading
import time

MODULES = (
    "pandas",
    "pyarrow",
    "duckdb",
    "altair",
    "dashboard.source",
    "dashboard.charts",
    "dashboard.content",
    "dashboard.state",
    "dashboard.ui",
    "dashboard.presenter",
    "queries.indicators",
    "queries.national",
    "queries.activity",
    # what the first page's run imports besides (概要 and the router): its own modules, the
    # sign-in box, the deck list, the icon names of st.navigation, the BOM CSV's codec
    "dashboard.access.member",
    "dashboard.csv_layouts",
    "dashboard.data_dates",
    "dashboard.help_text",
    "dashboard.presenter.editor",
    "dashboard.printouts.summary",
    "streamlit.material_icon_names",
    "streamlit.runtime.scriptrunner.magic_funcs",
    "encodings.utf_8_sig",
)
# Loaded a little after the first page is ready, so that it does not compete with it: the first
# table with groups (指標の内訳) would otherwise wait ~0.4 s for statsmodels and scipy (Holm's test).
LATER = ("statsmodels.stats.multitest",)
LATER_DELAY_S = 5.0
_LOGGER = logging.getLogger(__name__)
_imported = threading.Event()  # the modules are loaded: a page run may start
_done = threading.Event()  # the first page is in the caches too
_started = threading.Event()


def _warm() -> None:
    t0 = time.perf_counter()
    # No cyclic collection while loading: imports make hundreds of thousands of objects, nearly
    # all kept for good, and the collector would walk them again and again (a quarter of the
    # import time measured). Everything made here is frozen below, then collection resumes.
    gc.disable()
    try:
        for name in MODULES:
            importlib.import_module(name)
        imported = time.perf_counter() - t0
        # Streamlit compiles its emoji catalogue into one large regular expression the first
        # time a widget label is not ASCII, which every Japanese page has.
        from streamlit.string_util import extract_leading_emoji

        extract_leading_emoji("日本語")
        # st.set_page_config reads the page icon with Pillow, which loads its image plugins then
        from PIL import Image

        Image.preinit()
        _check_direct_execution()
        _imported.set()
        _prime_first_page()
        # What is loaded now lives as long as the server: move it out of the collector's sight, so
        # the automatic collections that keep memory flat (config.toml turns Streamlit's forced
        # gc.collect() after every run off: ~95 ms each, every session waiting) stay short. No
        # collection first: it would cost the first visitor ~70 ms for a little import garbage.
        gc.freeze()
        _LOGGER.info("warm-up: imports %.2f s, first page %.2f s", imported, time.perf_counter() - t0 - imported)
    except Exception:  # the page run imports the same modules and reports the error itself
        _LOGGER.exception("warm-up failed")
    finally:
        gc.enable()
        _imported.set()
        _done.set()
    timer = threading.Timer(LATER_DELAY_S, _import_later)
    timer.daemon = True
    timer.start()


def _check_direct_execution() -> None:
    """Streamlit's once-per-process check, before a page's first element, that it is not run as
    `python app.py` or in a REPL. It takes inspect.stack() of the caller: in the first page run,
    with that run's deep stack, ~90 ms before the page's heading reaches the browser; here, on the
    warm-up thread's short stack, a few ms. Done only when the runtime exists (then the check
    warns of nothing; before, it would warn wrongly); a Streamlit without it is left alone."""
    from streamlit import delta_generator, runtime

    check = getattr(delta_generator, "_maybe_print_use_warning", None)
    if check is not None and runtime.exists():
        check()


def _import_later() -> None:
    try:
        for name in LATER:
            importlib.import_module(name)
    except Exception:  # the first page that needs it imports it and reports the error itself
        _LOGGER.exception("late warm-up failed")


def _prime_first_page() -> None:
    """The first visitor's page (概要 with the default filters, in Japanese) computed into the
    shared caches now, so it opens at once: the same cached calls its run makes, keyed the same."""
    from dashboard.content import View, build
    from dashboard.db import connection, db_version
    from dashboard.source import CachedSource
    from queries.filters import Filters

    version = db_version()
    if version is None:
        return
    source = CachedSource(version, connection(version))
    if source.missing_objects():
        return
    source.waves()
    source.is_demo()
    filters = Filters()
    build(source, View(kind="cards", filters=filters), "ja")
    source.national_comparison(filters, "ja")
    source.import_log()
    from dashboard import tables, ui

    profile = tables.profile_frame(source.respondent_profile(filters), "ja")
    for dim, part in tables.profile_parts(profile):
        if not part.empty:
            ui.profile_chart(part, dim, "ja", draw=False)


def start() -> None:
    """Start the warm-up once (later calls do nothing)."""
    if _started.is_set():
        return
    _started.set()
    threading.Thread(target=_warm, name="tsunagari-warmup", daemon=True).start()


def wait(timeout: float = 60.0) -> bool:
    """Until the warm-up's imports are done, if it was started; True when nothing is left to wait for."""
    return _imported.wait(timeout) if _started.is_set() else True


def wait_finished(timeout: float = 60.0) -> bool:
    """Until the whole warm-up is done (imports, first page, frozen), if it was started: for a
    process that measures page runs as the server makes them (tests/perf/dashboard_timing.py)."""
    return _done.wait(timeout) if _started.is_set() else True
