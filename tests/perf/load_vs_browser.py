"""Does a simulated session of the load harness (tests/perf/load.py) take as long as a real browser?

Issue 14 asks for a single simulated session's time to match headless chromium's within 20%. For a
few page + query combinations this opens each page as a fresh tab in chromium (Playwright, Debian's
/usr/bin/chromium, tests/conftest.py's arguments) and as a fresh session of the harness, and
compares the time from the request to the end of its script run:

- chromium: an init script notes when the page's websocket sends its `rerun_script` BackMsg and
  when stApp's data-test-script-state next turns to notRunning (what tests/e2e wait for); the time
  from the navigation's start to that moment is shown too (page, scripts, websocket and the run);
- the harness: `rerun_script` sent to `script_finished` received (load.Session.request);
- the server, for either client (when this script starts it): `rerun_script` received to
  `script_finished` queued, logged by a server started with two of Streamlit's methods wrapped
  (BOOTSTRAP). This tells the server's share of chromium's time from the browser's own (receiving
  the frames on its main thread, drawing the elements) and shows whether chromium, sharing the
  machine's cores, slows the server's run down. --pin puts the server on CPU 0 and this process,
  the harness and chromium on the others.

Every combination is opened once by the harness first, so both clients meet a warm server
(st.cache_data filled); then each is measured --repeats times, the two clients taking turns at
going first, and the medians are compared. The window is 1280 × 720, the presenter's default: a
window of another size makes chromium report it and ask for a second run, which the harness (no
JavaScript) never does.

Not part of the test suite: run it by hand, `.venv/bin/python tests/perf/load_vs_browser.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
for p in (str(REPO), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import load  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402

from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

# (url path, query string): the overview plain and filtered, and each page with its own controls.
COMBOS = (
    ("", ""),
    ("", "district=3&age_band=young"),
    ("breakdown", "ind=lonely_often&by=district"),
    ("map", ""),
    ("activity", "measure=new_cases"),
    ("national", ""),
    ("directory", ""),
    ("methods", ""),
    ("presenter", "deck=junbikai&slide=2"),
)
VIEWPORT = {"width": 1280, "height": 720}
RUN_TIMEOUT_S = 60
TARGET = 0.20  # simulated within 20% of chromium
RUN_LOG_ENV = "TSUNAGARI_RUN_LOG"

# `python -c BOOTSTRAP run dashboard/server.py ...`: Streamlit's CLI, with a line in $TSUNAGARI_RUN_LOG
# when a session's rerun_script arrives and when its run's script_finished is queued (a run that
# ends early for another run is not the end). Private methods of Streamlit 1.67: diagnostics only.
BOOTSTRAP = """
import os, sys, time
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.runtime import Runtime
from streamlit.web.server.starlette.starlette_websocket import StarletteSessionClient
from streamlit.web.cli import main
log = open(os.environ["TSUNAGARI_RUN_LOG"], "a", buffering=1)
early = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
handle, write = Runtime.handle_backmsg, StarletteSessionClient.write_forward_msg
def handle_backmsg(self, session_id, msg, *, client=None):
    if msg.WhichOneof("type") == "rerun_script":
        log.write(f"{time.monotonic():.6f} {id(client)} rerun\\n")
    return handle(self, session_id, msg, client=client)
def write_forward_msg(self, msg):
    if msg.WhichOneof("type") == "script_finished" and msg.script_finished != early:
        log.write(f"{time.monotonic():.6f} {id(self)} finished\\n")
    return write(self, msg)
Runtime.handle_backmsg, StarletteSessionClient.write_forward_msg = handle_backmsg, write_forward_msg
sys.argv = ["streamlit", *sys.argv[1:]]
sys.exit(main())
"""

# The first byte of a BackMsg whose (only) field is rerun_script: its protobuf tag, field number
# and wire type 2 (length-delimited).
RERUN_TAG = (BackMsg.DESCRIPTOR.fields_by_name["rerun_script"].number << 3) | 2

# Times on the page's own clock (performance.now(), 0 at the navigation's start): each rerun_script
# sent, and each change of stApp's script state with the value it had before.
CLOCK_JS = f"""(() => {{
  window.__tsgRerunSent = [];
  window.__tsgStates = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {{
    const bytes = data instanceof Uint8Array ? data : (data instanceof ArrayBuffer ? new Uint8Array(data) : null);
    if (bytes && bytes.length && bytes[0] === {RERUN_TAG}) window.__tsgRerunSent.push(performance.now());
    return send.call(this, data);
  }};
  new MutationObserver((records) => {{
    const now = performance.now();
    for (const r of records) window.__tsgStates.push([now, r.oldValue]);
  }}).observe(document, {{subtree: true, attributes: true, attributeOldValue: true,
                          attributeFilter: ["data-test-script-state"]}});
}})();"""

STATE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return {sent: window.__tsgRerunSent, states: window.__tsgStates,
          now: app ? app.getAttribute("data-test-script-state") : null};
}"""


# ---- the clients ---------------------------------------------------------------------------------------


def idle_after(sent: float, states: list, now: str | None) -> float | None:
    """When the script state turned notRunning after SENT (from the observer's records: each holds
    the value before its change, so the value after is the next record's, or the current one)."""
    for i, (t, old) in enumerate(states):
        new = states[i + 1][1] if i + 1 < len(states) else now
        if t >= sent and old != "notRunning" and new == "notRunning":
            return t
    return None


async def chromium_once(context, url: str) -> dict[str, float]:
    """A fresh tab's times in ms: rerun_script sent → notRunning (idle), navigation start →
    notRunning (nav)."""
    page = await context.new_page()
    try:
        await page.goto(url)
        for _ in range(RUN_TIMEOUT_S * 20):
            seen = await page.evaluate(STATE_JS)
            if seen["sent"]:
                idle = idle_after(seen["sent"][0], seen["states"], seen["now"])
                if idle is not None:
                    return {"idle": idle - seen["sent"][0], "nav": idle}
            await page.wait_for_timeout(50)
        raise RuntimeError(f"{url}: no end of the script run in {RUN_TIMEOUT_S} s")
    finally:
        await page.close()


async def harness_once(base: str, page: str, query: str) -> float:
    (run,) = await load.script(base, [load.Request("open", page, query)])
    if run.error or run.ms is None:
        raise RuntimeError(f"{page}?{query}: {run.error}")
    return run.ms


# ---- the server's side -----------------------------------------------------------------------------------


def server_runs(log: Path | None) -> list[tuple[float, float]]:
    """(rerun_script received, script_finished queued) of every run in the server's run log."""
    if log is None or not log.exists():
        return []
    pending: dict[str, float] = {}
    spans = []
    for line in log.read_text().splitlines():
        t, client, what = line.split()
        if what == "rerun":
            pending[client] = float(t)
        elif client in pending:
            spans.append((pending.pop(client), float(t)))
    return spans


def server_ms(spans: list[tuple[float, float]], t0: float, t1: float) -> float | None:
    """The server's time for the first run asked for between T0 and T1 (time.monotonic(): one
    clock for all processes of the machine)."""
    return next((round((b - a) * 1000, 1) for a, b in spans if t0 <= a <= t1), None)


def pin(server_pid: int | None) -> str:
    """The server's threads on CPU 0, this process (and what it starts: chromium) on the others."""
    cpus = sorted(os.sched_getaffinity(0))
    if server_pid is None or len(cpus) < 2:
        return "not pinned (needs the server's process and two CPUs)"
    for tid in os.listdir(f"/proc/{server_pid}/task"):
        os.sched_setaffinity(int(tid), {cpus[0]})
    os.sched_setaffinity(0, set(cpus[1:]))
    return f"server on CPU {cpus[0]}, harness and chromium on {cpus[1:]}"


# ---- the comparison ---------------------------------------------------------------------------------------


async def compare(base: str, repeats: int) -> list[dict]:
    """Per combination: every measurement, as (client, ms, t0, t1)."""
    for page, query in COMBOS:  # warm the server's caches for both clients
        await harness_once(base, page, query)
    rows = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport=VIEWPORT, locale="ja-JP")
        await context.add_init_script(CLOCK_JS)
        await chromium_once(context, base)  # the app's scripts into the browser's cache
        for page, query in COMBOS:
            url = f"{base}/{page}" + (f"?{query}" if query else "")
            seen = []
            for i in range(repeats):
                for who in ("chromium", "harness") if i % 2 == 0 else ("harness", "chromium"):
                    t0 = time.monotonic()
                    if who == "chromium":
                        times = await chromium_once(context, url)
                    else:
                        times = {"idle": await harness_once(base, page, query)}
                    seen.append({"client": who, **times, "t0": t0, "t1": time.monotonic()})
            rows.append({"page": page or "overview", "query": query, "seen": seen})
        await browser.close()
    return rows


def summarise(rows: list[dict], spans: list[tuple[float, float]]) -> list[dict]:
    def median(values) -> float | None:
        values = [v for v in values if v is not None]
        return round(statistics.median(values), 1) if values else None

    out = []
    for row in rows:
        for s in row["seen"]:
            s["server"] = server_ms(spans, s["t0"], s["t1"])
        chromium = [s for s in row["seen"] if s["client"] == "chromium"]
        harness = [s for s in row["seen"] if s["client"] == "harness"]
        r = {
            "page": row["page"],
            "query": row["query"],
            "chromium_ms": median(s["idle"] for s in chromium),
            "chromium_nav_ms": median(s["nav"] for s in chromium),
            "chromium_server_ms": median(s["server"] for s in chromium),
            "harness_ms": median(s["idle"] for s in harness),
            "harness_server_ms": median(s["server"] for s in harness),
            "chromium_all_ms": [round(s["idle"], 1) for s in chromium],
            "harness_all_ms": [round(s["idle"], 1) for s in harness],
        }
        r["ratio"] = ratio(r["harness_ms"], r["chromium_ms"])
        r["ratio_server"] = ratio(r["harness_ms"], r["chromium_server_ms"])
        out.append(r)
    return out


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


COLUMNS = (  # (heading, key)
    ("chromium rerun→idle", "chromium_ms"),
    ("nav→idle", "chromium_nav_ms"),
    ("server run (chromium)", "chromium_server_ms"),
    ("harness", "harness_ms"),
    ("server run (harness)", "harness_server_ms"),
)


def report(rows: list[dict], note: str) -> str:
    ms = lambda v: "n/a" if v is None else f"{v:.0f} ms"
    x = lambda v: "n/a" if v is None else f"{v:.2f}"
    lines = [["page", "query", *(h for h, _ in COLUMNS), "harness/chromium", "harness/chromium server run"]]
    for r in rows:
        lines.append([r["page"], r["query"] or "-", *(ms(r[k]) for _, k in COLUMNS), x(r["ratio"])])
        lines[-1].append(x(r["ratio_server"]))
    sums = {k: None if any(r[k] is None for r in rows) else sum(r[k] for r in rows) for _, k in COLUMNS}
    overall = ratio(sums["harness_ms"], sums["chromium_ms"])
    server = ratio(sums["harness_ms"], sums["chromium_server_ms"])
    lines.append(["all (sum)", "", *(ms(sums[k]) for _, k in COLUMNS), x(overall), x(server)])
    return "\n".join(
        [
            load.table(lines),
            "",
            f"harness vs chromium's rerun→idle: {verdict(overall)} (ratio {x(overall)})",
            f"harness vs the server's run for chromium: {verdict(server)} (ratio {x(server)})",
            f"CPUs: {note}",
        ]
    )


def verdict(value: float | None) -> str:
    if value is None:
        return "not measured"
    return f"{'within' if abs(value - 1) <= TARGET else 'NOT within'} {TARGET:.0%}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", type=load.loopback_url, help="a running dashboard on this machine (no server times)")
    ap.add_argument("--db", help="database of the server started here (default: as tests/perf/load.py)")
    ap.add_argument("--repeats", type=load.bounded(int, 1, 10, "--repeats"), default=3)
    ap.add_argument("--pin", action="store_true", help="server on CPU 0, chromium and the harness on the others")
    ap.add_argument("--json", type=Path, help="write the rows here")
    args = ap.parse_args(argv)
    with contextlib.ExitStack() as stack:
        log = None
        if args.url:
            server = stack.enter_context(load.target_server(args.url, None))
        else:
            log = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tsunagari-vs-"))) / "runs.log"
            os.environ[RUN_LOG_ENV] = str(log)
            server = stack.enter_context(load.dashboard_server(args.db, launcher=("-c", BOOTSTRAP)))
        note = pin(server.pid) if args.pin else "not pinned"
        rows = summarise(asyncio.run(compare(server.url, args.repeats)), server_runs(log))
    print(report(rows, note))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
