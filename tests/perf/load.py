"""The load harness (`make load`): many dashboard sessions played by one process, without browsers.

What it measures: for each request a simulated member makes (open a page, go to another page, change
a filter, turn the presenter's slide), the time from sending the request to the end of the script
run it starts, the bytes the server sent for it and whether the page showed an error; over the whole
run, the server's resident memory (VmRSS, sampled every second) and CPU time.

The members: each arrives within the first MIN think seconds and opens a page (PAGE_WEIGHTS) from a
link that may carry up to two sidebar filters and the page's own parameters; then, every MIN–MAX
seconds, goes to another page (40%), changes a filter (55%: a sidebar filter, else one of the page's
own selectboxes and radios) or opens a new link (5%); on the presenter's page half of the actions
turn the slide. --seed fixes every choice; what the server answers decides the rest.

How: each session speaks the browser's own protocol over `ws://HOST:PORT/_stcore/stream` (the
`streamlit` subprotocol), with the protobufs shipped in the streamlit package:

- a fresh page load (a link opened in a new tab) is a new websocket whose first BackMsg is
  `rerun_script` with the URL's `page_name` (its path) and `query_string`, no page hash and no widget
  states, as the browser's App.sendRerunBackMsg sends it;
- a click in the sidebar's page list is `rerun_script` with the target's `page_script_hash` (from the
  `navigation` ForwardMsg) and the states of the sidebar's widgets;
- a filter change is `rerun_script` on the current page with the URL's current query (the app keeps
  it up to date through `page_info_changed`) and the states of all widgets on screen, the chosen
  one's new (a selectbox's or radio's state is its option's label, `string_value`); a presenter
  button is a `trigger_value`, sent once. A widget drawn inside an `st.fragment` (the delta's
  `fragment_id`: the presenter's slide and footer) sends the fragment's id, and the server reruns
  that fragment only, as for the browser.

As the frontend's WidgetStateManager, a session keeps every drawn widget's value (the element's
default, or the value the app set, or the member's choice) and sends them all with each rerun: the
server takes a widget the client leaves out for one never set, and a filter seeded from the URL
would silently fall back to すべて on the next page change.

The run is over at the `script_finished` ForwardMsg (FINISHED_EARLY_FOR_RERUN is not the end: the
app asked for another run and the browser keeps waiting). An error is an exception element, an
st.error alert, `page_not_found`, a compile error, a cache miss, a timeout or a lost connection.

Streamlit 1.67 sends a cached-message reference (`ref_hash`) only for a message whose hash the
client listed in `cached_message_hashes`; the browser keeps those messages itself and never fetches
them. The harness keeps the same per-connection cache (messages the server marks cacheable, expired
after `max_cached_message_age` runs, as the frontend's ForwardMsgCache), so the server does the same
work for it as for a browser and never waits on it.

Timers the page sets: the router's `st.fragment(run_every=…)` (a tab left open follows a newly
published database) makes the server send `auto_rerun`; the browser then sends, every interval,
`rerun_script` with the fragment's id, `is_auto_rerun` and the widgets' states
(widgetMgr.sendUpdateWidgetsMessage), until `stop_auto_rerun` or a new tab. A session does the
same, one run at a time with the member's own (a member's click waits for a timer's run in flight,
as the server would queue it, and that wait counts in the member's time); the timers' runs are
reported apart (`auto_reruns`), not in the members' p50/p95.

The browser's own HTTP requests are left out (the page, its scripts and fonts, /_stcore/health and
host-config, the page icon) but for the download buttons' files: the frontend GETs each new one
as it mounts it (checkSourceUrlResponse), so a session does too, beside the run, not timed. Not
simulated either: components' JavaScript (the presenter's window-size report, which asks for a
second run when the window is not 1280 × 720) and drawing. tests/perf/load_vs_browser.py checks
the times against headless chromium.

Without --url the harness starts `streamlit run dashboard/server.py` itself (as the test suite's
app_server fixture does) over --db, data/tsunagari.duckdb or, if neither exists, a demo database it
builds in a temporary folder, and stops it at the end. Only loopback servers are accepted.
Exit status: 0, 1 when a request failed (or none was made), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import websockets  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

from data import codebook as cb  # noqa: E402
from queries import activity as qa, filters as qf  # noqa: E402

MAX_SESSIONS = 60
MAX_MINUTES = 15.0
MAX_THINK_S = 120.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEFAULT_DB = REPO / "data" / "tsunagari.duckdb"
SERVER_START_TIMEOUT_S = 60
RUN_TIMEOUT_S = 60  # one request to the end of its script run; longer counts as an error
RSS_EVERY_S = 1.0
MAX_ROUNDS = 4
PRESENTER_EVERY_S = 8.0  # the presenter turns a slide this often while the members click
PRESENTER = -1  # the presenter's session number in the runs

# How often a member asks for each page (url path; "" is the overview). The presenter's page is the
# one screen most members only glance at.
PAGE_WEIGHTS = {
    "": 20,
    "breakdown": 18,
    "trends": 10,
    "map": 14,
    "activity": 14,
    "national": 10,
    "directory": 8,
    "methods": 4,
    "presenter": 8,
}
# What a member does after the first page: go to another page, change a filter, or open a shared
# link (a new tab: a new session). On the presenter's page, half the actions turn the slide.
P_OPEN_LINK = 0.05
P_PAGE = 0.40
P_SLIDE_ON_PRESENTER = 0.5
P_GLOBAL_FILTER = 0.6  # of the filter changes: the sidebar's filters, else the page's own controls
# Widgets a member does not touch while the meeting goes on (they change nothing on screen).
UNTOUCHED_WIDGETS = {"lang", "csv_encoding", "pres_handout_fmt"}
NEXT_SLIDE_BUTTON = "pres_next"
CHANGEABLE = ("selectbox", "radio")  # their state is the chosen option's label (string_value)
# Widgets whose value the browser keeps and sends with every rerun (see browser_value).
VALUE_WIDGETS = (*CHANGEABLE, "button_group", "multiselect", "checkbox", "text_input")

# ScriptFinishedStatus values (ForwardMsg.script_finished)
_FINISHED = ForwardMsg.ScriptFinishedStatus
ALERT_ERROR = 1  # Alert.Format.ERROR


# ---- what a session asks for and what it got ----------------------------------------------------


@dataclass
class Request:
    """One thing a member does. kind: open (a fresh page load), page (the sidebar's page list),
    filter (WIDGET, a selectbox's or radio's key, set to VALUE, its option's label; a random other
    option when VALUE is None) or slide (the presenter's next-slide button)."""

    kind: str
    page: str = ""
    query: str = ""
    widget: str = ""
    value: str | None = None


@dataclass
class Run:
    """One request's outcome: ms is None when the run never finished."""

    session: int
    kind: str
    page: str
    query: str
    widget: str = ""
    value: str = ""
    t_s: float = 0.0  # when it was sent, seconds after the load began
    ms: float | None = None
    bytes: int = 0
    messages: int = 0
    downloads: int = 0  # download buttons' files fetched, as the browser checks each new one
    download_bytes: int = 0
    error: str | None = None

    def fail(self, text: str) -> None:
        # The first error names the run's failure; later ones add nothing a reader needs.
        if self.error is None:
            self.error = text[:300]


@dataclass
class Widget:
    kind: str
    key: str
    options: tuple[str, ...]
    current: str | None
    sidebar: bool
    fragment: str = ""  # the st.fragment it was drawn in: a change reruns only that fragment


# ---- the URL's parameters ------------------------------------------------------------------------


def global_params(rng: random.Random) -> dict[str, str]:
    """Up to two of the sidebar's filters as a shared link carries them (?district=3&age_band=young),
    their values from the query layer's own list; sometimes the English page (lang=en)."""
    params: dict[str, str] = {}
    for dim in rng.sample(qf.ATTRIBUTE_FILTERS, k=rng.choice((0, 1, 1, 2))):
        params[dim] = rng.choice([qf.choice_token(dim, codes) for codes in qf.filter_choices(dim)])
    if rng.random() < 0.2:
        params["channel"] = rng.choice(list(qf.CHANNELS))
    if rng.random() < 0.1:
        params["lang"] = "en"
    return params


def page_params(page: str, rng: random.Random) -> dict[str, str]:
    """The page's own URL parameters (dashboard/views, state.url_choice), sometimes."""
    if rng.random() < 0.5:
        return {}
    indicators = list(cb.indicators())
    if page == "breakdown":
        params = {"ind": rng.choice(indicators), "by": rng.choice(cb.dimensions())}
        if rng.random() < 0.3:
            params["by2"] = rng.choice([d for d in cb.dimensions() if d != params["by"]])
        return params
    if page == "map":
        return {"ind": rng.choice(indicators)}
    if page == "trends":
        return {"ind": rng.choice(indicators), "tby": rng.choice(cb.dimensions())}
    if page == "activity":
        return {"measure": rng.choice(qa.MEASURES)}
    if page == "directory":
        return {"dir_field": str(rng.choice(cb.codes("field")))}
    if page == "presenter":
        return {"deck": "junbikai", "slide": str(rng.randint(1, 4))}
    return {}


def random_page(rng: random.Random, other_than: str | None = None) -> str:
    pages = [p for p in PAGE_WEIGHTS if p != other_than]
    return rng.choices(pages, weights=[PAGE_WEIGHTS[p] for p in pages])[0]


def open_request(rng: random.Random) -> Request:
    page = random_page(rng)
    return Request("open", page, urlencode({**global_params(rng), **page_params(page, rng)}))


# ---- one simulated browser tab ---------------------------------------------------------------------


class Session:
    """One browser tab's websocket: sends rerun_script requests and reads ForwardMsgs.

    A reader task handles every message as it arrives (as the frontend does), so messages sent
    after script_finished are counted with the run they belong to and the server's send queue never
    fills up while the member is thinking."""

    def __init__(self, number: int, base_url: str, clock0: float) -> None:
        self.number = number
        self.base_url = base_url.rstrip("/")
        self.clock0 = clock0
        self.ws = None
        self.reader: asyncio.Task | None = None
        self.pages: dict[str, str] = {}  # url path -> page_script_hash (the navigation message)
        self.page = ""  # url path of the page on screen
        self.page_hash = ""
        self.query = ""  # the URL's query string as the app last wrote it
        self.widgets: dict[str, Widget] = {}  # id -> widget drawn by the current run
        self.values: dict[str, WidgetState] = {}  # id -> its value in the browser
        self.cache: dict[str, list] = {}  # hash -> [serialized ForwardMsg, run count when last used]
        self.run_count = 0
        self.max_cache_age = 2
        self.current: Run | None = None
        self.download_urls: dict[str, str] = {}  # download button id -> the file last fetched
        self.fetches: set[asyncio.Task] = set()
        self.started = 0.0
        self.finished = asyncio.Event()
        self.busy = asyncio.Lock()  # one run at a time: the member's or a timer's
        self.timers: dict[str, asyncio.Task] = {}  # fragment id -> its auto-rerun task
        self.timer_runs: list[Run] = []  # the timers' runs (kind "auto")

    # -- the connection

    async def connect(self) -> None:
        parts = urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        url = f"{scheme}://{parts.netloc}{parts.path}/_stcore/stream"
        # The browser's subprotocol list is "streamlit", then an XSRF token and a session id to
        # resume; a fresh tab has neither. Origin as a same-origin page sends it.
        self.ws = await websockets.connect(
            url,
            subprotocols=["streamlit"],
            origin=f"{parts.scheme}://{parts.netloc}",
            max_size=None,
            open_timeout=RUN_TIMEOUT_S,
        )
        self.reader = asyncio.create_task(self._read(), name=f"session-{self.number}-reader")

    async def close(self) -> None:
        self._stop_timers()
        for task in list(self.fetches):
            task.cancel()
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.reader
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        self.ws = self.reader = None

    async def settle(self) -> None:
        """Until the downloads' fetches this tab started are over."""
        await asyncio.gather(*self.fetches, return_exceptions=True)

    @property
    def connected(self) -> bool:
        return self.ws is not None and self.reader is not None and not self.reader.done()

    # -- requests

    async def request(self, req: Request, rng: random.Random) -> Run:
        """Send REQ and wait for the end of its script run (at most RUN_TIMEOUT_S), after a
        timer's run in flight (its wait counts: the member clicked when the run began)."""
        run = Run(self.number, req.kind, req.page, req.query, req.widget)
        run.t_s = round(time.monotonic() - self.clock0, 3)
        clicked = time.perf_counter()
        async with self.busy:
            await self._request(req, run, rng, clicked)
        return run

    async def _request(self, req: Request, run: Run, rng: random.Random, clicked: float) -> None:
        try:
            if req.kind == "open":
                await self.close()
                self._reset_tab()
                await self.connect()
            msg = self._backmsg(req, run, rng)
        except (TimeoutError, OSError, websockets.WebSocketException) as exc:
            run.fail(f"connect: {type(exc).__name__}: {exc}")
            return
        except LookupError as exc:  # nothing to click or choose on this page
            run.fail(f"request: {exc}")
            return
        # A fragment's run redraws that fragment only: the widgets outside it stay on screen.
        fragment = msg.rerun_script.fragment_id
        self.widgets = {i: w for i, w in self.widgets.items() if fragment and w.fragment != fragment}
        await self._send_and_wait(msg, run, clicked)

    async def _send_and_wait(self, msg: BackMsg, run: Run, started: float) -> None:
        self.current = run
        self.finished.clear()
        self.started = started
        try:
            await self.ws.send(msg.SerializeToString())
            await asyncio.wait_for(self._until_finished(), RUN_TIMEOUT_S)
        except TimeoutError:
            run.fail(f"timeout: no script_finished after {RUN_TIMEOUT_S} s")
        except (OSError, websockets.WebSocketException) as exc:
            run.fail(f"connection: {type(exc).__name__}: {exc}")

    # -- the page's timers (st.fragment(run_every=...))

    def _start_timer(self, fragment_id: str, interval: float) -> None:
        old = self.timers.get(fragment_id)
        if old is not None and not old.done() and getattr(old, "interval", None) == interval:
            return  # the browser keeps a timer whose interval did not change
        if old is not None:
            old.cancel()
        task = asyncio.get_running_loop().create_task(self._tick(fragment_id, interval))
        task.interval = interval
        self.timers[fragment_id] = task

    def _stop_timers(self, fragment_ids: Sequence[str] | None = None) -> None:
        for fid in list(self.timers if fragment_ids is None else fragment_ids):
            task = self.timers.pop(fid, None)
            if task is not None:
                task.cancel()

    async def _tick(self, fragment_id: str, interval: float) -> None:
        """Every INTERVAL seconds, the fragment's rerun as the browser sends it."""
        while True:
            await asyncio.sleep(interval)
            if not self.connected:
                return
            run = Run(self.number, "auto", self.page, self.query)
            run.t_s = round(time.monotonic() - self.clock0, 3)
            clicked = time.perf_counter()
            async with self.busy:
                if not self.connected:
                    return
                msg = BackMsg()
                cs = msg.rerun_script
                cs.page_script_hash, cs.query_string = self.page_hash, self.query
                cs.fragment_id, cs.is_auto_rerun = fragment_id, True
                cs.widget_states.widgets.extend(self._values(sidebar_only=False))
                cs.cached_message_hashes.extend(self.cache)
                self._context(cs.context_info)
                await self._send_and_wait(msg, run, clicked)
            self.timer_runs.append(run)

    async def _until_finished(self) -> None:
        """Wait for script_finished, or fail when the reader stops (the connection closed)."""
        waiter = asyncio.create_task(self.finished.wait())
        try:
            done, _ = await asyncio.wait({waiter, self.reader}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()  # also when the run timed out
        if waiter not in done:
            exc = self.reader.exception() if not self.reader.cancelled() else None
            raise websockets.ConnectionClosed(None, None) if exc is None else exc

    def _reset_tab(self) -> None:
        self._stop_timers()
        self.pages, self.widgets, self.values, self.cache = {}, {}, {}, {}
        self.page_hash, self.run_count, self.max_cache_age = "", 0, 2
        self.download_urls = {}

    def _backmsg(self, req: Request, run: Run, rng: random.Random) -> BackMsg:
        """The rerun_script BackMsg the browser would send for REQ (App.sendRerunBackMsg)."""
        msg = BackMsg()
        cs = msg.rerun_script
        if req.kind == "open":
            cs.page_name, cs.query_string = req.page, req.query
            self.page, self.query = req.page, req.query
        elif req.kind == "page":
            if req.page not in self.pages:
                raise LookupError(f"no page {req.page!r} in the navigation")
            cs.page_script_hash = self.pages[req.page]
            # Streamlit clears the query parameters no widget is bound to on a page change; the
            # app writes its filters back during the run.
            self.page, self.query = req.page, ""
            # The browser clears the page's elements first: the sidebar's widgets remain.
            cs.widget_states.widgets.extend(self._values(sidebar_only=True))
        else:
            cs.page_script_hash, cs.query_string = self.page_hash, self.query
            changed = self._changed_widget(req, run, rng)
            # a widget drawn inside an st.fragment reruns that fragment, as the browser asks
            cs.fragment_id = next((w.fragment for i, w in self.widgets.items() if i == changed.id), "")
            cs.widget_states.widgets.extend(self._values(sidebar_only=False))
            if changed.HasField("trigger_value"):
                cs.widget_states.widgets.append(changed)
        run.page, run.query = self.page, cs.query_string
        cs.cached_message_hashes.extend(self.cache)
        self._context(cs.context_info)
        return msg

    def _values(self, sidebar_only: bool) -> list[WidgetState]:
        """The values of the widgets on screen (WidgetStateManager.getActiveWidgetStates)."""
        on_screen = {i for i, w in self.widgets.items() if w.sidebar or not sidebar_only}
        return [state for i, state in self.values.items() if i in on_screen]

    def _changed_widget(self, req: Request, run: Run, rng: random.Random) -> WidgetState:
        """The new state of the widget REQ changes (kept for later requests but a button's)."""
        found = [(i, w) for i, w in self.widgets.items() if w.key == req.widget]
        if not found:
            raise LookupError(f"no widget {req.widget!r} on page {self.page!r}")
        widget_id, widget = found[0]
        state = WidgetState(id=widget_id)
        if req.kind == "slide":
            state.trigger_value = True  # a click: sent once, never repeated
            return state
        value = req.value
        if value is None:
            others = [o for o in widget.options if o != widget.current] or list(widget.options)
            value = rng.choice(others)
        state.string_value = value
        run.value = value
        self.values[widget_id] = state
        return state

    def _context(self, info) -> None:
        # What a Japanese member's browser reports (sendRerunBackMsg's contextInfo).
        info.timezone, info.timezone_offset, info.locale = "Asia/Tokyo", -540, "ja-JP"
        info.url = f"{self.base_url}/{self.page}" + (f"?{self.query}" if self.query else "")
        info.is_embedded, info.color_scheme = False, "light"

    # -- what the server sends

    async def _read(self) -> None:
        async for data in self.ws:
            self._handle(data)

    def _handle(self, data: bytes) -> None:
        run = self.current
        if run is not None:
            run.bytes += len(data)
            run.messages += 1
        msg = ForwardMsg()
        msg.ParseFromString(data)
        if msg.WhichOneof("type") == "ref_hash":
            msg = self._from_cache(msg, run)
            if msg is None:
                return
        elif msg.metadata.cacheable and msg.hash and msg.hash not in self.cache:
            self.cache[msg.hash] = [data, self.run_count]
        self._dispatch(msg, run)

    def _from_cache(self, ref: ForwardMsg, run: Run | None) -> ForwardMsg | None:
        entry = self.cache.get(ref.ref_hash)
        if entry is None:
            if run is not None:
                run.fail(f"cache miss: the server referred to {ref.ref_hash}, which this session never kept")
            return None
        entry[1] = self.run_count
        msg = ForwardMsg()
        msg.ParseFromString(entry[0])
        msg.metadata.CopyFrom(ref.metadata)  # the reference's delta path, as the frontend does
        return msg

    def _dispatch(self, msg: ForwardMsg, run: Run | None) -> None:
        kind = msg.WhichOneof("type")
        if kind == "delta":
            self._delta(msg, run)
        elif kind == "new_session":
            self.max_cache_age = msg.new_session.config.max_cached_message_age or self.max_cache_age
            self.page_hash = msg.new_session.page_script_hash
        elif kind == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            self.page_hash = msg.navigation.page_script_hash
            self.page = next((p for p, h in self.pages.items() if h == self.page_hash), self.page)
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "auto_rerun" and msg.auto_rerun.fragment_id:
            self._start_timer(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            self._stop_timers(list(msg.stop_auto_rerun.fragment_ids))
        elif kind == "page_not_found" and run is not None:
            run.fail(f"page_not_found: {run.page!r}")
        elif kind == "script_finished":
            self._script_finished(msg.script_finished, run)

    def _delta(self, msg: ForwardMsg, run: Run | None) -> None:
        if msg.delta.WhichOneof("type") != "new_element":
            return
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        if run is not None:
            problem = element_error(element)
            if problem:
                run.fail(problem)
        if kind in (*VALUE_WIDGETS, "button"):
            self._note_widget(kind, getattr(element, kind), msg.metadata.delta_path, msg.delta.fragment_id)
        elif kind == "download_button" and run is not None:
            self._check_download(element.download_button, run)

    def _check_download(self, proto, run: Run) -> None:
        """GET a download button's file when its URL is new, as the frontend does on mounting it
        (checkSourceUrlResponse): server work the browser causes during and after every run."""
        if not proto.url or proto.deferred_file_id or self.download_urls.get(proto.id) == proto.url:
            return
        self.download_urls[proto.id] = proto.url
        task = asyncio.get_running_loop().create_task(self._fetch(proto.url, run))
        self.fetches.add(task)
        task.add_done_callback(self.fetches.discard)

    async def _fetch(self, url: str, run: Run) -> None:
        full = url if "://" in url else f"{self.base_url}/{url.lstrip('/')}"
        try:
            size = await asyncio.to_thread(http_get, full)
        except (OSError, urllib.error.URLError) as exc:
            run.fail(f"download check: {url}: {exc}")
            return
        run.downloads += 1
        run.download_bytes += size

    def _note_widget(self, kind: str, proto, path: Sequence[int], fragment: str = "") -> None:
        # A widget with a user key has the id "$$ID-<hash>-<key>" (compute_and_register_element_id).
        key = proto.id.split("-", 2)[2] if proto.id.startswith("$$ID-") and proto.id.count("-") >= 2 else ""
        current = None
        if kind in VALUE_WIDGETS:
            state = browser_value(kind, proto, self.values.get(proto.id))
            if state is not None:
                self.values[proto.id] = state
                current = state.string_value if state.HasField("string_value") else None
        options = tuple(proto.options) if kind in CHANGEABLE else ()
        sidebar = bool(path) and path[0] == 1
        self.widgets[proto.id] = Widget(kind, key, options, current, sidebar, fragment)

    def _script_finished(self, status: int, run: Run | None) -> None:
        if status == _FINISHED.FINISHED_EARLY_FOR_RERUN:
            return  # the app asked for another run: the browser keeps waiting for it
        if status == _FINISHED.FINISHED_WITH_COMPILE_ERROR and run is not None:
            run.fail("script_finished: compile error")
        # The frontend's cache ages by finished runs and drops what was not used for a while.
        self.run_count += 1
        self.cache = {h: e for h, e in self.cache.items() if self.run_count - e[1] <= self.max_cache_age}
        # The values of widgets no longer drawn are dropped (App.removeInactiveWidgetState).
        self.values = {i: v for i, v in self.values.items() if i in self.widgets}
        if run is not None and run.ms is None:
            run.ms = round((time.perf_counter() - self.started) * 1000, 1)
        self.finished.set()


def http_get(url: str) -> int:
    """GET URL as a browser would (compressed if the server likes); the bytes received."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=RUN_TIMEOUT_S) as resp:
        return len(resp.read())


def browser_value(kind: str, proto, stored: WidgetState | None) -> WidgetState | None:
    """A drawn widget's value as the frontend keeps it: the value the app set (set_value), else the
    value it already had, else the element's default; None when it has none (nothing chosen)."""
    if stored is not None and not proto.set_value:
        return stored
    state = WidgetState(id=proto.id)
    if kind in CHANGEABLE:
        if proto.set_value and proto.HasField("raw_value"):
            state.string_value = proto.raw_value
        elif proto.HasField("default") and 0 <= proto.default < len(proto.options):
            state.string_value = proto.options[proto.default]
        else:
            return None
    elif kind == "button_group":
        labels = list(proto.raw_values) if proto.set_value else [proto.options[i].content for i in proto.default]
        state.string_array_value.data.extend(labels)
    elif kind == "multiselect":
        labels = list(proto.raw_values) if proto.set_value else [proto.options[i] for i in proto.default]
        state.string_array_value.data.extend(labels)
    elif kind == "checkbox":
        state.bool_value = proto.value if proto.set_value else proto.default
    elif kind == "text_input":
        if proto.set_value and proto.HasField("value"):
            state.string_value = proto.value
        elif proto.HasField("default"):
            state.string_value = proto.default
        else:
            return None
    return state


def element_error(element) -> str | None:
    """What an element says went wrong: an exception (a traceback box) or an st.error alert."""
    kind = element.WhichOneof("type")
    if kind == "exception":
        return f"exception: {element.exception.type}: {element.exception.message}"[:300]
    if kind == "alert" and element.alert.format == ALERT_ERROR:
        return f"error alert: {element.alert.body}"[:300]
    return None


# ---- the members -------------------------------------------------------------------------------------


def next_request(session: Session, rng: random.Random) -> Request:
    """What a member does next on the page they see."""
    if not session.connected or rng.random() < P_OPEN_LINK:
        return open_request(rng)
    keys = {w.key: w for w in session.widgets.values() if w.key and w.key not in UNTOUCHED_WIDGETS}
    if session.page == "presenter" and NEXT_SLIDE_BUTTON in keys and rng.random() < P_SLIDE_ON_PRESENTER:
        return Request("slide", widget=NEXT_SLIDE_BUTTON)
    choices = [w for w in keys.values() if w.kind in CHANGEABLE and len(w.options) > 1]
    if rng.random() < P_PAGE or not choices:
        return Request("page", random_page(rng, other_than=session.page))
    sidebar = [w for w in choices if w.sidebar]
    page_own = [w for w in choices if not w.sidebar]
    pool = sidebar if (rng.random() < P_GLOBAL_FILTER or not page_own) and sidebar else page_own
    return Request("filter", widget=rng.choice(pool).key)


async def member(
    number: int, base_url: str, clock0: float, deadline: float, args: argparse.Namespace, runs: list[Run]
) -> None:
    """One member: opens the dashboard, then asks for something new every think time until DEADLINE."""
    rng = random.Random(f"{args.seed}-{number}")
    # Members arrive within the first think time, not all in the same millisecond; the last one
    # comes late, when the others are busy (late_first_page_ms in the summary).
    late = number == args.sessions - 1 and args.sessions > 1
    await asyncio.sleep(late_join_s(args) if late else rng.uniform(0, args.think[0]))
    session = Session(number, base_url, clock0)
    try:
        while time.monotonic() < deadline:
            run = await session.request(next_request(session, rng), rng)
            runs.append(run)
            if run.ms is None:  # the tab is in an unknown state: the member reloads it next
                await session.close()
            pause = rng.uniform(*args.think)
            await asyncio.sleep(max(0.0, min(pause, deadline - time.monotonic())))
    finally:
        await session.close()
        runs.extend(session.timer_runs)


def late_join_s(args: argparse.Namespace) -> float:
    return min(30.0, args.minutes * 60 / 3)


async def presenter(base_url: str, clock0: float, deadline: float, runs: list[Run]) -> None:
    """The presenter: opens the 準備会 deck and turns a slide every PRESENTER_EVERY_S seconds,
    back to the first after the last, while the members click."""
    rng = random.Random("presenter")
    session = Session(PRESENTER, base_url, clock0)
    try:
        while time.monotonic() < deadline:
            if not session.connected or NEXT_SLIDE_BUTTON not in {w.key for w in session.widgets.values()}:
                run = await session.request(Request("open", "presenter", "deck=junbikai&slide=1"), rng)
            else:
                run = await session.request(Request("slide", widget=NEXT_SLIDE_BUTTON), rng)
                run.kind = "presenter_slide"
            runs.append(run)
            if run.ms is None:
                await session.close()
            await asyncio.sleep(max(0.0, min(PRESENTER_EVERY_S, deadline - time.monotonic())))
    finally:
        await session.close()
        runs.extend(session.timer_runs)


async def script(base_url: str, requests: Sequence[Request], seed: int = 0) -> list[Run]:
    """Play REQUESTS in order in one session, no pauses (the test and the browser check use it)."""
    rng = random.Random(seed)
    session = Session(0, base_url, time.monotonic())
    runs = []
    try:
        for req in requests:
            runs.append(await session.request(req, rng))
            await session.settle()  # not timed: the browser does not wait for them either
        return runs
    finally:
        await session.close()


# ---- the server's process ------------------------------------------------------------------------------


def rss_mb(pid: int) -> float | None:
    """VmRSS of PID in MB (psutil is not installed: /proc is enough on Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of PID, all its threads (fields 14 and 15 of /proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def listening_pid(port: int) -> int | None:
    """The process listening on PORT on this machine (for --url: its memory), if we may see it."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                cols = line.split()
                if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                    inodes.add(f"socket:[{cols[9]}]")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (proc / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in inodes:
                        return int(proc.name)
    return None


async def sample_rss(pid: int | None, samples: list[float], stop: asyncio.Event) -> None:
    while pid is not None and not stop.is_set():
        value = rss_mb(pid)
        if value is not None:
            samples.append(value)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), RSS_EVERY_S)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def demo_database(folder: Path) -> Path:
    db = folder / "tsunagari.duckdb"
    print(f"building a demo database in {db} ...", file=sys.stderr)
    cmd = [sys.executable, "-m", "data", "build", "--demo", "--db", str(db)]
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"demo build failed:\n{result.stdout}\n{result.stderr}")
    return db


@dataclass
class Server:
    url: str
    pid: int | None
    log: Path | None = None
    db: Path | None = None  # the database of a server the harness started
    facts: dict | None = None  # database_facts(db), read while the server runs (a temporary one goes)


def database_facts(db: Path | None) -> dict | None:
    """What the load ran over: the file, its survey responses by wave and its activity rows (a
    second read-only connection: the server's is read-only too)."""
    if db is None:
        return None
    import duckdb

    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return {"file": str(db)}
    try:
        waves = dict(con.execute("SELECT wave, count(*) FROM responses GROUP BY wave ORDER BY wave").fetchall())
        activity = con.execute("SELECT count(*) FROM activity").fetchone()[0]
    except duckdb.Error:
        waves, activity = {}, None
    finally:
        con.close()
    return {
        "file": str(db),
        "responses_by_wave": {str(k): v for k, v in waves.items()},
        "responses": sum(waves.values()),
        "activity_rows": activity,
    }


def commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    except OSError:
        return None
    return out.stdout.strip() or None


@contextlib.contextmanager
def dashboard_server(db: str | None, launcher: Sequence[str] = ("-m", "streamlit")) -> Iterator[Server]:
    """`streamlit run dashboard/server.py` on a free loopback port over DB (see database choice in
    the module docstring), as tests/conftest.py's app_server fixture starts it; stopped on exit.
    LAUNCHER: what follows the interpreter instead of `-m streamlit` (load_vs_browser.py's
    instrumented start)."""
    with tempfile.TemporaryDirectory(prefix="tsunagari-load-") as tmp:
        folder = Path(tmp)
        if db:
            path = Path(db)
        elif DEFAULT_DB.exists():
            path = DEFAULT_DB
        else:
            path = demo_database(folder)
        port = free_port()
        env = {**os.environ, "TSUNAGARI_DB": str(path), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
        env.pop("TSUNAGARI_MIN_N", None)  # the default disclosure threshold, as in the tests
        # The installation's folder (record-key secret, audit log): never the checkout's instance/.
        env.setdefault("TSUNAGARI_INSTANCE", str(folder / "instance"))
        log = folder / "streamlit.log"
        cmd = [sys.executable, *launcher, "run", "dashboard/server.py", "--server.port", str(port)]
        cmd += ["--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"]
        with open(log, "wb") as out:
            proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc, log)
            yield Server(url, proc.pid, log, path)
        finally:
            stop(proc)


def wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while not healthy(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            state = f"exited with {proc.returncode}" if proc.poll() is not None else "not healthy in time"
            raise SystemExit(f"streamlit {state}:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.2)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def target_server(url: str | None, db: str | None) -> Iterator[Server]:
    """The server under load: --url's (its process found by port, when visible) or our own."""
    if url is None:
        with dashboard_server(db) as server:
            yield server
        return
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    yield Server(url.rstrip("/"), listening_pid(port))


# ---- the load run ---------------------------------------------------------------------------------------


@dataclass
class Load:
    runs: list[Run] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    rss_start: float | None = None
    rss_end: float | None = None
    server_cpu_s: float | None = None
    client_cpu_s: float = 0.0
    wall_s: float = 0.0


async def play(server: Server, args: argparse.Namespace) -> Load:
    load = Load()
    stop_sampling = asyncio.Event()
    cpu0 = cpu_s(server.pid) if server.pid else None
    client0 = resource.getrusage(resource.RUSAGE_SELF)
    load.rss_start = rss_mb(server.pid) if server.pid else None
    sampler = asyncio.create_task(sample_rss(server.pid, load.rss, stop_sampling))
    clock0 = time.monotonic()
    deadline = clock0 + args.minutes * 60
    members = [member(i, server.url, clock0, deadline, args, load.runs) for i in range(args.sessions)]
    if args.presenter:
        members.append(presenter(server.url, clock0, deadline, load.runs))
    await asyncio.gather(*members)
    load.wall_s = time.monotonic() - clock0
    stop_sampling.set()
    await sampler
    load.rss_end = rss_mb(server.pid) if server.pid else None
    load.rss += [v for v in (load.rss_start, load.rss_end) if v is not None]
    cpu1 = cpu_s(server.pid) if server.pid else None
    if cpu0 is not None and cpu1 is not None:
        load.server_cpu_s = round(cpu1 - cpu0, 2)
    client1 = resource.getrusage(resource.RUSAGE_SELF)
    load.client_cpu_s = round(client1.ru_utime + client1.ru_stime - client0.ru_utime - client0.ru_stime, 2)
    load.runs.sort(key=lambda r: (r.t_s, r.session))
    return load


# ---- the report ----------------------------------------------------------------------------------------


def percentiles(values: Sequence[float]) -> dict[str, float | None]:
    if not values:
        return {"p50_ms": None, "p95_ms": None, "max_ms": None}
    a = np.asarray(values, dtype=float)
    return {
        "p50_ms": round(float(np.percentile(a, 50)), 1),
        "p95_ms": round(float(np.percentile(a, 95)), 1),
        "max_ms": round(float(a.max()), 1),
    }


def page_name(page: str) -> str:
    return page or "overview"


def rnd(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def summarise_rounds(loads: Sequence[Load], args: argparse.Namespace, server: Server) -> dict:
    """All rounds together (runs, percentiles) with each round's own figures beside: memory after
    each round (rss_mb_per_round: a leak shows as growth from one to the next), p50/p95/errors."""
    whole = Load(
        runs=[r for ld in loads for r in ld.runs],
        rss=[v for ld in loads for v in ld.rss],
        rss_start=loads[0].rss_start,
        rss_end=loads[-1].rss_end,
        server_cpu_s=None if any(ld.server_cpu_s is None for ld in loads) else sum(ld.server_cpu_s for ld in loads),
        client_cpu_s=sum(ld.client_cpu_s for ld in loads),
        wall_s=sum(ld.wall_s for ld in loads),
    )
    summary = summarise(whole, args, server)
    rounds = []
    for i, ld in enumerate(loads, 1):
        members = [r for r in ld.runs if r.session != PRESENTER and r.kind != "auto"]
        rounds.append(
            {
                "round": i,
                "runs": len(members),
                **percentiles([r.ms for r in members if r.ms is not None]),
                "errors": sum(r.error is not None for r in ld.runs),
                "rss_mb_end": rnd(ld.rss_end),
                "server_cpu_s": ld.server_cpu_s,
            }
        )
    summary["rounds"] = rounds
    summary["rss_mb_per_round"] = [r["rss_mb_end"] for r in rounds]
    if summary["server_cpu_s"] is not None:
        minutes = args.minutes * len(loads)
        summary["cpu_s_per_session"] = round(summary["server_cpu_s"] / args.sessions, 2)
        summary["cpu_s_per_session_minute"] = round(summary["server_cpu_s"] / args.sessions / minutes, 2)
    return summary


def summarise(load: Load, args: argparse.Namespace, server: Server) -> dict:
    """The figures of the table and the JSON (its keys follow issue 14's results format): the
    members' runs; the presenter's slide changes and the late member's first page apart."""
    runs = [r for r in load.runs if r.session != PRESENTER and r.kind != "auto"]
    timers = [r for r in load.runs if r.kind == "auto"]
    slides = [r.ms for r in load.runs if r.kind == "presenter_slide" and r.ms is not None]
    late = [r for r in runs if r.session == args.sessions - 1] if args.sessions > 1 else []
    timed = [r.ms for r in runs if r.ms is not None]
    per_page = {}
    for page in PAGE_WEIGHTS:
        mine = [r for r in runs if r.page == page]
        if mine:
            per_page[page_name(page)] = {
                "runs": len(mine),
                **percentiles([r.ms for r in mine if r.ms is not None]),
                "errors": sum(r.error is not None for r in mine),
            }
    by_kind = {
        k: percentiles([r.ms for r in runs if r.kind == k and r.ms is not None]) for k in sorted({r.kind for r in runs})
    }
    return {
        "sessions": args.sessions,
        "minutes": args.minutes,
        "rounds_played": getattr(args, "rounds", 1),
        "presenter_slide": {"changes": len(slides), **percentiles(slides)},
        "late_first_page_ms": late[0].ms if late else None,
        "late_join_s": late_join_s(args) if late else None,
        "think_s": list(args.think),
        "seed": args.seed,
        "url": server.url,
        "database": server.facts,
        "commit": commit(),
        "runs_total": len(runs),
        **percentiles(timed),
        "errors": sum(r.error is not None for r in load.runs),
        "auto_reruns": {
            "runs": len(timers),
            **percentiles([r.ms for r in timers if r.ms is not None]),
            "errors": sum(r.error is not None for r in timers),
        },
        "bytes_per_run": round(sum(r.bytes for r in runs) / len(runs)) if runs else 0,
        "downloads_per_run": round(sum(r.downloads for r in runs) / len(runs), 2) if runs else 0,
        "download_bytes_per_run": round(sum(r.download_bytes for r in runs) / len(runs)) if runs else 0,
        "rss_mb": {"start": rnd(load.rss_start), "end": rnd(load.rss_end), "max": rnd(max(load.rss, default=None))},
        "rss_mb_per_round": [rnd(load.rss_end)],
        "server_cpu_s": load.server_cpu_s,
        "cpu_s_per_session": None if load.server_cpu_s is None else round(load.server_cpu_s / args.sessions, 2),
        "client_cpu_s": load.client_cpu_s,
        "wall_s": round(load.wall_s, 1),
        "per_page": per_page,
        "per_kind": by_kind,
    }


def fmt(value, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.0f}{unit}" if abs(value) >= 100 else f"{value:.1f}{unit}"
    return f"{value:,}{unit}"


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(zip(r, widths))) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report(summary: dict) -> str:
    rss = summary["rss_mb"]
    head = ["sessions", "runs", "p50", "p95", "max", "errors", "bytes/run", "RSS start", "RSS end", "RSS max"]
    row = [
        fmt(summary["sessions"]),
        fmt(summary["runs_total"]),
        fmt(summary["p50_ms"], " ms"),
        fmt(summary["p95_ms"], " ms"),
        fmt(summary["max_ms"], " ms"),
        fmt(summary["errors"]),
        fmt(summary["bytes_per_run"]),
        fmt(rss["start"], " MB"),
        fmt(rss["end"], " MB"),
        fmt(rss["max"], " MB"),
    ]
    pages = [["page", "runs", "p50", "p95", "max", "errors"]]
    for name, p in summary["per_page"].items():
        pages.append([name, fmt(p["runs"]), fmt(p["p50_ms"], " ms"), fmt(p["p95_ms"], " ms")])
        pages[-1] += [fmt(p["max_ms"], " ms"), fmt(p["errors"])]
    kinds = [["request", "p50", "p95", "max"]]
    for name, p in summary["per_kind"].items():
        kinds.append([name, fmt(p["p50_ms"], " ms"), fmt(p["p95_ms"], " ms"), fmt(p["max_ms"], " ms")])
    if summary.get("rounds"):
        rounds = [["round", "runs", "p50", "p95", "errors", "RSS after", "server CPU"]]
        for r in summary["rounds"]:
            rounds.append([str(r["round"]), fmt(r["runs"]), fmt(r["p50_ms"], " ms"), fmt(r["p95_ms"], " ms")])
            rounds[-1] += [fmt(r["errors"]), fmt(r["rss_mb_end"], " MB"), fmt(r["server_cpu_s"], " s")]
        extra_tables = [table(rounds)]
    else:
        extra_tables = []
    pres = summary["presenter_slide"]
    think = "–".join(f"{t:g}" for t in summary["think_s"])
    notes = [
        f"{summary['sessions']} sessions × {summary['minutes']:g} min, think {think} s, seed {summary['seed']}, "
        f"{summary['url']}",
        f"download files fetched {summary['downloads_per_run']:g} per run ({fmt(summary['download_bytes_per_run'])} B)",
        f"server CPU {fmt(summary['server_cpu_s'], ' s')} ({fmt(summary['cpu_s_per_session'], ' s')} per session), "
        f"harness CPU {fmt(summary['client_cpu_s'], ' s')}, wall {fmt(summary['wall_s'], ' s')}",
    ]
    if pres["changes"]:
        notes.append(
            f"presenter: {pres['changes']} slide changes, p50 {fmt(pres['p50_ms'], ' ms')}, "
            f"p95 {fmt(pres['p95_ms'], ' ms')}, max {fmt(pres['max_ms'], ' ms')}"
        )
    auto = summary.get("auto_reruns") or {}
    if auto.get("runs"):
        notes.append(
            f"timers (st.fragment run_every): {auto['runs']} runs, p50 {fmt(auto['p50_ms'], ' ms')}, "
            f"p95 {fmt(auto['p95_ms'], ' ms')}, errors {auto['errors']}"
        )
    if summary["late_first_page_ms"] is not None or summary["late_join_s"] is not None:
        notes.append(
            f"the last member, arriving after {summary['late_join_s']:g} s: first page in "
            f"{fmt(summary['late_first_page_ms'], ' ms')}"
        )
    return "\n\n".join([table([head, row]), table(pages), table(kinds), *extra_tables, "\n".join(notes)])


def error_lines(runs: Sequence[Run], limit: int = 10) -> list[str]:
    failed = [r for r in runs if r.error]
    lines = [f"  s{r.session} {r.kind} {page_name(r.page)}?{r.query} {r.widget}: {r.error}" for r in failed[:limit]]
    if len(failed) > limit:
        lines.append(f"  ... and {len(failed) - limit} more (see --json)")
    return lines


# ---- the command line ---------------------------------------------------------------------------------------


def loopback_url(text: str) -> str:
    """--url: http(s)://HOST[:PORT][/base] with HOST a loopback name; anything else is refused."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or parts.hostname not in LOOPBACK:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a loopback server: the harness only loads http://127.0.0.1, localhost or [::1]"
        )
    return text


def bounded(kind, lo: float, hi: float, name: str):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number, not {text!r}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{name} must be between {lo:g} and {hi:g}, not {text}")
        return value

    return parse


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sessions", type=bounded(int, 1, MAX_SESSIONS, "--sessions"), default=5, help="members (1..60)")
    ap.add_argument(
        "--minutes", type=bounded(float, 0.05, MAX_MINUTES, "--minutes"), default=1.0, help="length (≤ 15, e.g. 0.5)"
    )
    ap.add_argument(
        "--rounds",
        type=bounded(int, 1, MAX_ROUNDS, "--rounds"),
        default=1,
        help="rounds on one server (memory after each)",
    )
    ap.add_argument("--presenter", action="store_true", help="one more session: the presenter turning slides")
    ap.add_argument("--append", action="store_true", help="add this load's summary to the --json list")
    ap.add_argument("--runs-json", type=Path, help="write every run (page, query, ms, bytes, error) here")
    ap.add_argument("--url", type=loopback_url, help="a running dashboard on this machine (default: start one)")
    ap.add_argument("--db", help="database of the server the harness starts (default: data/tsunagari.duckdb or a demo)")
    ap.add_argument("--json", type=Path, help="write the summary here (a list of loads, with --append)")
    ap.add_argument("--seed", type=int, default=20260914, help="members' choices (default %(default)s)")
    ap.add_argument(
        "--think",
        nargs=2,
        type=bounded(float, 0, MAX_THINK_S, "--think"),
        default=(2.5, 7.5),
        metavar=("MIN", "MAX"),
        help="seconds between a member's requests (default 2.5 7.5)",
    )
    args = ap.parse_args(argv)
    if args.think[0] > args.think[1]:
        ap.error("--think MIN MAX: MIN must not exceed MAX")
    if args.url and args.db:
        ap.error("--db is for the server the harness starts: not with --url")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with target_server(args.url, args.db) as server:
        server.facts = database_facts(server.db)
        if server.pid is None:
            print(f"(the process behind {server.url} is not visible: no memory or CPU figures)", file=sys.stderr)
        loads = []
        for i in range(args.rounds):
            # each round its own choices (seed + round): a meeting's second half is not a replay
            loads.append(asyncio.run(play(server, argparse.Namespace(**{**vars(args), "seed": args.seed + i}))))
            if args.rounds > 1:
                print(f"round {i + 1} of {args.rounds}: {len(loads[-1].runs)} runs", file=sys.stderr)
    summary = summarise_rounds(loads, args, server)
    print(report(summary))
    problems = error_lines([r for ld in loads for r in ld.runs])
    if problems:
        print("\nerrors:\n" + "\n".join(problems))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        # A list of loads (issue 14's results format); --append adds to what the file holds.
        earlier = json.loads(args.json.read_text(encoding="utf-8")) if args.append and args.json.exists() else []
        earlier = earlier if isinstance(earlier, list) else [earlier]
        args.json.write_text(json.dumps([*earlier, summary], ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"\nwritten {args.json}")
    if args.runs_json:
        every = [asdict(r) for ld in loads for r in ld.runs]
        args.runs_json.parent.mkdir(parents=True, exist_ok=True)
        args.runs_json.write_text(json.dumps(every, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"written {args.runs_json} ({len(every)} runs)")
    return 1 if summary["errors"] or not summary["runs_total"] else 0


if __name__ == "__main__":
    sys.exit(main())
