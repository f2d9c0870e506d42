"""The load harness (tests/perf/load.py) against the session's dashboard server (tests/conftest.py's
app_server): one simulated session asks for a few pages the way a browser does and every run must
reach script_finished with bytes and no error; a page that does not exist must be reported; a
server that is not on this machine must be refused before anything is sent.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import subprocess
import sys
from pathlib import Path

import pytest

from tests.perf_scripts import load_script

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def load():
    return load_script("load.py")


def play(load, url: str, requests) -> list:
    # In its own thread: the browser tests' Playwright (sync API) keeps an event loop running in
    # this one for the whole session, and asyncio.run refuses to start inside it.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, load.script(url, requests, seed=1)).result()


def test_a_session_opens_filters_and_moves_on(load, app_server):
    R = load.Request
    runs = play(
        load,
        app_server.url,
        [
            R("open", "", "district=3&age_band=young"),
            R("filter", widget="f_sex"),
            R("page", "breakdown"),
            R("filter", widget="by"),
        ],
    )
    assert [(r.kind, r.page) for r in runs] == [
        ("open", ""),
        ("filter", ""),
        ("page", "breakdown"),
        ("filter", "breakdown"),
    ]
    for r in runs:
        assert r.error is None, r
        assert r.ms is not None and r.ms > 0, r  # script_finished arrived
        assert r.bytes > 1000 and r.messages > 5, r  # a page, not just the run's bookkeeping
    assert runs[1].value and runs[3].value, "each filter change chose an option"
    # the CSV buttons make their files when clicked (deferred): a page load fetches none any more
    assert runs[0].downloads == 0 and runs[0].download_bytes == 0, "the overview's deferred downloads"
    # The link's filters survive a filter change and a page change, as in a browser: the app wrote
    # them back into the URL the last request was sent with.
    assert {"district=3", "age_band=young"} <= set(runs[3].query.split("&")), runs[3].query


def test_an_unknown_page_is_an_error(load, app_server):
    (run,) = play(load, app_server.url, [load.Request("open", "no-such-page")])
    assert run.error is not None and run.error.startswith("page_not_found"), run


def test_an_error_element_is_an_error(load):
    from streamlit.proto.Element_pb2 import Element

    element = Element()
    element.exception.type, element.exception.message = "ValueError", "boom"
    assert load.element_error(element) == "exception: ValueError: boom"
    element = Element()
    element.alert.body, element.alert.format = "no database", load.ALERT_ERROR
    assert load.element_error(element) == "error alert: no database"
    element.alert.format = 2  # a warning (the demo banner) is no error
    assert load.element_error(element) is None


@pytest.mark.parametrize("url", ["http://192.0.2.1:8501", "http://example.com", "http://127.0.0.1.example.com:80"])
def test_a_server_elsewhere_is_refused(url):
    done = subprocess.run(
        [sys.executable, str(HERE / "load.py"), "--url", url, "--sessions", "1", "--minutes", "0.1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done
    assert "not a loopback server" in done.stderr


def test_an_open_tab_reruns_the_following_fragment_on_its_timer(load, app_server):
    """The router's st.fragment(run_every=FOLLOW_SECONDS) makes the server send auto_rerun; a
    session left on a page sends the fragment's reruns as the browser does, each a small run."""
    from dashboard.db import FOLLOW_SECONDS

    async def left_open():
        session = load.Session(0, app_server.url, 0.0)
        try:
            opened = await session.request(load.Request("open", ""), load.random.Random(1))
            assert session.timers, "the server asked for no timer"
            await asyncio.sleep(FOLLOW_SECONDS * 1.6)
            return opened, list(session.timer_runs)
        finally:
            await session.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        opened, timer_runs = pool.submit(asyncio.run, left_open()).result()
    assert opened.error is None and opened.ms is not None, opened
    assert len(timer_runs) == 1, timer_runs
    (tick,) = timer_runs
    assert tick.kind == "auto" and tick.error is None and tick.ms is not None, tick
    assert 0 < tick.bytes < opened.bytes / 5, (tick.bytes, opened.bytes)  # the fragment, not the page


def test_a_slide_turn_reruns_only_the_presenters_fragment(load, app_server):
    """The presenter's buttons are drawn inside its st.fragment: a turn sends the fragment's id, as
    the browser does, and the server redraws the slide alone (the sidebar's widgets stay)."""
    R = load.Request

    async def turns():
        session = load.Session(0, app_server.url, 0.0)
        rng = load.random.Random(1)
        try:
            runs = [await session.request(R("open", "presenter", "deck=junbikai&slide=1"), rng)]
            fragments = {w.fragment for w in session.widgets.values() if w.key == load.NEXT_SLIDE_BUTTON}
            for _ in range(2):
                runs.append(await session.request(R("slide", widget=load.NEXT_SLIDE_BUTTON), rng))
            keys = {w.key for w in session.widgets.values()}
            return runs, fragments, keys
        finally:
            await session.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        runs, fragments, keys = pool.submit(asyncio.run, turns()).result()
    assert all(r.error is None and r.ms is not None for r in runs), runs
    assert len(fragments) == 1 and "" not in fragments, "the next-slide button is not in a fragment"
    assert "lang" in keys and load.NEXT_SLIDE_BUTTON in keys  # the sidebar kept, the slide redrawn
    assert all(r.bytes < runs[0].bytes for r in runs[1:]), [r.bytes for r in runs]
