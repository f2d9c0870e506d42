"""Before/after snapshot of everything the members see: a manifest of sha256 per output, to show
that a change which should only move code leaves every page, slide, download and handout as it was.

    python tests/perf/output_snapshot.py --out after.json [--db PATH] [--repo CHECKOUT] [--dump DIR]
    python tests/perf/output_snapshot.py --out after.json --compare before.json   # exit 1 on a difference
    python tests/perf/output_snapshot.py --compare before.json --with after.json  # two manifests, no run

What is recorded (each an item: a key, the sha256 and length of its bytes):

- db/TABLE: every table and view of the demo database as CSV, rows sorted (the build's outputs);
- page/FILE/LANG/WALK/...: every page of dashboard/app.py PAGES in ja and en, run by Streamlit's
  AppTest, with the default filters, with district=3, with district=3 and other page controls
  moved (a two-way table, activity by field, referrals by organisation) and with the open-web
  channel: `elements` (every element in order, sidebar included, as its protobuf without widget
  hashes: texts, captions, alerts, widget labels and options, table and chart settings), each
  table as CSV (`table/N`), each download's bytes (`download/KEY`), each chart's Vega-Lite spec and
  data (`chart/N`) and each map's deck.gl JSON (`map/N`);
- presenter/DECK/LANG/slideNN[-live]: the presenter page at every slide of the 準備会 deck, in ja and
  en, and on each view slide with its first live filter set to the first choice after すべて;
- handout/LANG/pptx/PART and handout/LANG/pdf/pageNN: `python -m dashboard handout` for the deck in
  ja and en, the PPTX's parts (not docProps, which carry the time) and the PDF's text per page
  (pdftotext);
- cli/...: stdout of `python -m queries table|activity|list` for a set of views.

The database is built by the checkout itself (`python -m data build --demo`) with a FIXED
record-key secret in a temporary TSUNAGARI_INSTANCE, and its build time (import_log.built_at, the
only clock reading) set to a fixed value, so two checkouts produce the same figures. With --db the
given database is read as it is (its secret and build time are whatever they are).

A part that fails (a page that raises, a command that exits non-zero, a download with no file) is
recorded as KEY/ERROR holding the message, and the run goes on: a comparison lists it with the rest;
without --compare the exit status is then 2.

--repo runs the snapshot against another checkout (e.g. a `git worktree` of an older commit): the
modules imported, the app run and the commands called are that checkout's; this file need not be
in it. --dump DIR writes every item's bytes under DIR (same keys), so two runs can be diffed
(`diff -r`) where the manifest says they differ.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path, PurePosixPath

SECRET_HEX = "5a" * 32  # the fixed record-key secret (32 bytes)
BUILT_AT = "2025-04-01 00:00:00"  # the fixed build time written into the database
DECK = "junbikai"
LANGS = ("ja", "en")
WALKS = {
    "default": {},
    "district3": {"district": "3"},
    "district3-controls": {"district": "3", "by": "sex", "by2": "household", "act_by": "field", "ref_level": "org"},
    "open": {"channel": "open"},
}
# dashboard/app.py PAGES at the time this tool was written: used when the checkout has no PAGES.
FALLBACK_PAGES = (
    "overview.py",
    "breakdown.py",
    "district_map.py",
    "activity.py",
    "national.py",
    "directory.py",
    "methods.py",
)
CLI_CALLS = [  # `python -m queries ...` (and --db DB but for list)
    "list",
    "list --lang en",
    "table lonely_often",
    "table lonely_often --by age_band",
    "table lonely_often --by district --lang en",
    "table lonely_any --by sex --by household",
    "table no_confidant --by age_band --where district=3 --lang en",
    "table lonely_often --by district --channel open",
    "table unreached --by wave --where age_band=young --lang en",
    "table lonely_often --by age_band --encoding cp932",
    "activity consultations --by month",
    "activity consultations --by month --split field --where district=3 --from 2024-04 --to 2025-03 --lang en",
    "activity new_cases --by fiscal_year --split district --lang en",
    "activity consultations --by fiscal_year --split org_type --encoding cp932",
]
TIMEOUT = 180


# ---- the manifest ----------------------------------------------------------------------------------


class Manifest:
    def __init__(self, dump: Path | None):
        self.items: dict[str, dict] = {}
        self.dump = dump
        self.errors: list[str] = []

    def add(self, key: str, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode("utf-8")
        if key in self.items:
            raise ValueError(f"item recorded twice: {key}")
        self.items[key] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        if self.dump is not None:
            path = self.dump / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    def error(self, prefix: str, message: str) -> None:
        """A part that failed: an item of its own (so a comparison lists it), and the run goes on."""
        self.errors.append(f"{prefix}: {message}")
        self.add(f"{prefix}/ERROR", message)


def _key_part(text: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", str(text)).strip("_") or "_"


# ---- the database ----------------------------------------------------------------------------------


def build_db(repo: Path, db: Path, env: dict) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "data", "build", "--demo", "--db", str(db)],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise SystemExit(f"demo build failed:\n{done.stdout}\n{done.stderr}")
    import duckdb

    con = duckdb.connect(str(db))
    try:
        cols = con.execute(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE c.table_schema = 'main' AND t.table_type = 'BASE TABLE' "
            "AND c.data_type LIKE 'TIMESTAMP%'"
        ).fetchall()
        for table, column in cols:  # import_log.built_at: the one clock reading of a build
            con.execute(f'UPDATE "{table}" SET "{column}" = TIMESTAMP \'{BUILT_AT}\'')
        con.execute("CHECKPOINT")
    finally:
        con.close()


def snapshot_db(db: Path, out: Manifest) -> None:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name"
            ).fetchall()
        ]
        for name in names:
            df = con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').df()
            out.add(f"db/{name}", df.to_csv(index=False, lineterminator="\n"))
    finally:
        con.close()


# ---- pages and slides through AppTest ---------------------------------------------------------------


def _widget_key(element_id: str) -> str:
    # "$$ID-<hash of the widget's parameters and page>-<user key>": the key is what stays
    m = re.match(r"^\$\$ID-[0-9a-f]+-(.*)$", element_id)
    return m.group(1) if m else ""


def _arrow_csv(data: bytes) -> str:
    import pandas as pd
    import pyarrow as pa

    df = pa.ipc.open_stream(data).read_all().to_pandas()
    return df.to_csv(index=not isinstance(df.index, pd.RangeIndex), lineterminator="\n")


def _renumber(text: str, prefix: str) -> str:
    """PREFIX12, PREFIX40, ... -> PREFIX#1, PREFIX#2, ... in order of first appearance."""
    names: dict[str, str] = {}

    def number(m: re.Match) -> str:
        return names.setdefault(m.group(0), f"{prefix}#{len(names) + 1}")

    return re.sub(rf"\b{prefix}\d+\b", number, text)


def _canonical_spec(spec: str, datasets) -> str:
    """A Vega-Lite spec with its datasets as CSV; Altair's counters (view_3, param_7) renumbered in
    order of appearance, since they count the charts made before in the process."""
    text = json.dumps(json.loads(spec), sort_keys=True, ensure_ascii=False)
    for prefix in ("view_", "param_", "selector"):
        text = _renumber(text, prefix)
    parts = [text]
    for ds in datasets:
        parts.append(f"dataset {ds.name}:\n" + (_arrow_csv(ds.data.data) if ds.data.data else ""))
    return "\n".join(parts)


class PageRecorder:
    """Every element of an AppTest run: an ordered list of their protobufs (without widget hashes and
    data), and the data of tables, downloads, charts and maps as items of their own."""

    def __init__(self, out: Manifest, files: dict):
        self.out = out
        self.files = files

    def record(self, at, prefix: str) -> None:
        from google.protobuf.json_format import MessageToDict
        from streamlit.testing.v1.element_tree import Block

        lines: list[str] = []
        counts = {"table": 0, "chart": 0, "map": 0}

        def element(node) -> None:
            proto = node.proto
            kind = node.type
            d = MessageToDict(proto, preserving_proto_field_name=True)
            if "id" in d:
                d["id"] = _widget_key(d["id"])
            d.pop("form_id", None)
            if "arrow_data" in d:  # st.dataframe, st.table
                counts["table"] += 1
                self.out.add(f"{prefix}/table/{counts['table']}", _arrow_csv(proto.arrow_data.data))
                d.pop("arrow_data")
                d["table"] = counts["table"]
            elif kind == "download_button":
                # a deferred file (made at the click) is recorded under its id (_record_files); the
                # id is new at every run, so it is left out of the element's description
                stem = d.pop("deferred_file_id", None) or PurePosixPath(d.pop("url", "")).stem
                d.pop("url", None)
                key = d.get("id") or f"n{len(lines)}"
                if stem not in self.files:
                    raise RuntimeError(f"{prefix}: the download {key} handed Streamlit no file")
                data, name = self.files[stem]
                if isinstance(data, str):
                    data = data.encode("utf-8")
                self.out.add(f"{prefix}/download/{_key_part(key)}", data)
                d["file_name"] = name
            elif kind == "vega_lite_chart":
                counts["chart"] += 1
                self.out.add(f"{prefix}/chart/{counts['chart']}", _canonical_spec(proto.spec, proto.datasets))
                d = {"chart": counts["chart"], **{k: v for k, v in d.items() if k not in ("spec", "datasets")}}
            elif kind == "deck_gl_json_chart":
                counts["map"] += 1
                self.out.add(
                    f"{prefix}/map/{counts['map']}",
                    json.dumps(json.loads(proto.json), sort_keys=True, ensure_ascii=False),
                )
                d = {"map": counts["map"], **{k: v for k, v in d.items() if k != "json"}}
            elif kind in ("image", "imgs"):
                d = {"image": hashlib.sha256(proto.SerializeToString(deterministic=True)).hexdigest()}
            lines.append(kind + " " + json.dumps(d, sort_keys=True, ensure_ascii=False))

        def walk(node) -> None:
            if isinstance(node, Block):
                lines.append(f"block {node.type}")
                for k in sorted(node.children):
                    walk(node.children[k])
                lines.append("end")
            else:
                element(node)

        walk(at._tree)
        self.out.add(f"{prefix}/elements", "\n".join(lines) + "\n")


def _record_files(seen: dict):
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    load = MemoryMediaFileStorage.load_and_get_id

    def recording(self, path_or_data, mimetype, kind, filename=None):
        file_id = load(self, path_or_data, mimetype, kind, filename)
        seen[file_id] = (path_or_data, filename)
        return file_id

    MemoryMediaFileStorage.load_and_get_id = recording

    try:  # Streamlit's deferred downloads (made when clicked): made now, as a click would
        from streamlit.runtime.media_file_manager import MediaFileManager
    except ImportError:  # pragma: no cover
        return
    add_deferred = getattr(MediaFileManager, "add_deferred", None)
    if add_deferred is None:  # pragma: no cover - a Streamlit without them
        return

    def deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        file_id = add_deferred(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)
        seen[file_id] = (data_callable(), file_name)
        return file_id

    MediaFileManager.add_deferred = deferred


def _pages(repo: Path) -> tuple[list[str], str]:
    try:
        from dashboard.app import PAGES

        return [p[0] for p in PAGES], "dashboard.app.PAGES"
    except Exception:  # noqa: BLE001 - a later layout: the pages as they were
        return list(FALLBACK_PAGES), "fallback list"


def _presenter_page(app: Path) -> str:
    try:
        from dashboard.presenter import PAGE_FILE

        return os.path.relpath(PAGE_FILE, app.parent)
    except Exception:  # noqa: BLE001
        return "presenter/page.py"


def _deck_length(repo: Path) -> int:
    try:
        from dashboard.presenter import deck as dk

        return len(dk.load_deck(DECK))
    except Exception:  # noqa: BLE001 - a later layout: count the deck file's slides
        import yaml

        path = next(repo.glob(f"dashboard/**/decks/{DECK}.yaml"))
        return len(yaml.safe_load(path.read_text(encoding="utf-8"))["slides"])


def run_app(app: Path, page: str, params: dict, session: dict | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(app), default_timeout=TIMEOUT)
    at.query_params.update(params)
    for k, v in (session or {}).items():
        at.session_state[k] = v
    at.run()
    at.switch_page(page)
    at.run()
    if at.exception:
        raise RuntimeError("\n".join(str(e.value) for e in at.exception))
    return at


def snapshot_pages(repo: Path, out: Manifest, files: dict, meta: dict) -> None:
    app = repo / "dashboard" / "app.py"
    rec = PageRecorder(out, files)
    pages, meta["pages_from"] = _pages(repo)
    for lang in LANGS:
        for walk, params in WALKS.items():
            for file in pages:
                prefix = f"page/{Path(file).stem}/{lang}/{walk}"
                try:
                    rec.record(run_app(app, f"views/{file}", {**params, "lang": lang}), prefix)
                except Exception as exc:  # noqa: BLE001 - recorded, and the walk goes on
                    out.error(prefix, f"{type(exc).__name__}: {exc}")


def snapshot_presenter(repo: Path, out: Manifest, files: dict, meta: dict) -> None:
    app = repo / "dashboard" / "app.py"
    rec = PageRecorder(out, files)
    page = _presenter_page(app)
    n = _deck_length(repo)
    meta["deck_slides"] = n
    for lang in LANGS:
        for number in range(1, n + 1):
            prefix = f"presenter/{DECK}/{lang}/slide{number:02d}"
            try:
                at = run_app(app, page, {"deck": DECK, "slide": str(number), "lang": lang})
                rec.record(at, prefix)
            except Exception as exc:  # noqa: BLE001 - recorded, and the walk goes on
                out.error(prefix, f"{type(exc).__name__}: {exc}")
                continue
            live = [s.key for s in at.selectbox if "pres_live" in (s.key or "")]
            if not live:
                continue
            # the first live filter on its first code: its option is the code as a URL spells it
            # (AppTest cannot choose by label here, the options being formatted tokens)
            prefix += "-live"
            try:
                at.session_state[live[0]] = "1"
                at.run()
                if at.exception:
                    raise RuntimeError("\n".join(str(e.value) for e in at.exception))
                chosen = next(s for s in at.selectbox if s.key == live[0])
                if chosen.index != 1:
                    raise RuntimeError(f"{live[0]} not on its first code: {chosen.value!r}")
                rec.record(at, prefix)
            except Exception as exc:  # noqa: BLE001
                out.error(prefix, f"{type(exc).__name__}: {exc}")


# ---- handouts and the command line ------------------------------------------------------------------


def snapshot_handouts(repo: Path, db: Path, env: dict, out: Manifest, work: Path) -> None:
    for lang in LANGS:
        for fmt in ("pptx", "pdf"):
            path = work / f"handout-{lang}.{fmt}"
            argv = ["handout", "--deck", DECK, "--db", str(db), "--lang", lang, "--out", str(path)]
            done = subprocess.run(
                [sys.executable, "-m", "dashboard", *argv],
                cwd=repo,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if done.returncode != 0:
                out.error(f"handout/{lang}/{fmt}", f"exit {done.returncode}:\n{done.stderr[-2000:]}")
                continue
            if fmt == "pptx":
                with zipfile.ZipFile(path) as z:
                    for name in sorted(z.namelist()):
                        if not name.startswith("docProps/"):
                            out.add(f"handout/{lang}/pptx/{name}", z.read(name))
            else:
                text = subprocess.run(
                    ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=120
                ).stdout.decode("utf-8")
                pages = text.split("\f")
                if pages and not pages[-1].strip():
                    pages.pop()
                for i, page in enumerate(pages, 1):
                    out.add(f"handout/{lang}/pdf/page{i:02d}", page)


def snapshot_cli(repo: Path, db: Path, env: dict, out: Manifest) -> None:
    for call in CLI_CALLS:
        argv = [sys.executable, "-m", "queries", *call.split()] + ([] if call.startswith("list") else ["--db", str(db)])
        done = subprocess.run(argv, cwd=repo, env=env, capture_output=True, timeout=300)
        key = "cli/" + _key_part(call)
        if done.returncode != 0:
            out.error(key, f"exit {done.returncode}:\n{done.stderr.decode(errors='replace')[-2000:]}")
        else:
            out.add(key, done.stdout)


# ---- compare ---------------------------------------------------------------------------------------


def compare(before: dict, after: dict) -> list[str]:
    a, b = before["items"], after["items"]
    lines = []
    for key in sorted(set(a) | set(b)):
        if key not in b:
            lines.append(f"only before: {key}")
        elif key not in a:
            lines.append(f"only after:  {key}")
        elif a[key]["sha256"] != b[key]["sha256"]:
            lines.append(f"differs:     {key} ({a[key]['bytes']} -> {b[key]['bytes']} bytes)")
    return lines


def report(before_path: Path, before: dict, after: dict) -> int:
    diffs = compare(before, after)
    print(
        f"compared {len(after['items'])} items with {before_path} "
        f"({before['meta'].get('commit', '?')[:12]} -> {after['meta'].get('commit', '?')[:12]}): "
        f"{len(diffs)} differ"
    )
    for line in diffs:
        print("  " + line)
    return 1 if diffs else 0


# ---- main ------------------------------------------------------------------------------------------


def _commit(repo: Path) -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return head + ("+uncommitted" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--out", type=Path, help="the manifest to write (JSON)")
    p.add_argument("--db", type=Path, help="read this database instead of building the demo one")
    p.add_argument(
        "--repo",
        type=Path,
        default=Path(__file__).resolve().parents[2],
        help="the checkout to snapshot (default: the one this file is in)",
    )
    p.add_argument("--dump", type=Path, help="also write every item's bytes under this folder")
    p.add_argument(
        "--compare", type=Path, metavar="BEFORE.json", help="list every item that differs from BEFORE; exit 1 if any"
    )
    p.add_argument(
        "--with", dest="with_", type=Path, metavar="AFTER.json", help="with --compare: compare two manifests, no run"
    )
    args = p.parse_args(argv)

    if args.compare and args.with_:
        return report(args.compare, json.loads(args.compare.read_text()), json.loads(args.with_.read_text()))
    if not args.out and not args.compare:
        p.error("give --out (and/or --compare)")

    repo = args.repo.resolve()
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [str(repo)] + [x for x in sys.path if x not in (here, "", ".")]
    os.chdir(repo)
    work = Path(tempfile.mkdtemp(prefix="output-snapshot-"))
    started = time.monotonic()
    try:
        instance = work / "instance"
        instance.mkdir(mode=0o700)
        (instance / "record_key.secret").write_text(SECRET_HEX + "\n", encoding="ascii")
        env = {**os.environ, "TSUNAGARI_INSTANCE": str(instance), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
        env.pop("TSUNAGARI_MIN_N", None)
        env.pop("PYTHONPATH", None)
        if args.db:
            db = args.db.resolve()
        else:
            db = work / "tsunagari.duckdb"
            build_db(repo, db, env)
        os.environ.clear()
        os.environ.update({**env, "TSUNAGARI_DB": str(db)})

        import logging

        import streamlit  # noqa: F401  (sets up its loggers, quietened below)

        for name in (
            "streamlit",
            "streamlit.runtime.caching.cache_data_api",
            "streamlit.runtime.caching.cache_resource_api",
            "streamlit.runtime.scriptrunner_utils",
        ):
            logging.getLogger(name).setLevel(logging.ERROR)

        out = Manifest(args.dump.resolve() if args.dump else None)
        if out.dump is not None and out.dump.exists():
            shutil.rmtree(out.dump)
        meta = {
            "commit": _commit(repo),
            "repo": str(repo),
            "db": "given: " + str(db) if args.db else "demo build",
            "secret": "fixed" if not args.db else "the database's",
            "python": sys.version.split()[0],
            "streamlit": streamlit.__version__,
        }
        files: dict = {}
        _record_files(files)
        steps = [
            ("database", lambda: snapshot_db(db, out)),
            ("pages", lambda: snapshot_pages(repo, out, files, meta)),
            ("presenter", lambda: snapshot_presenter(repo, out, files, meta)),
            ("handouts", lambda: snapshot_handouts(repo, db, env, out, work)),
            ("cli", lambda: snapshot_cli(repo, db, env, out)),
        ]
        for name, step in steps:
            t0 = time.monotonic()
            n0 = len(out.items)
            step()
            print(f"{name}: {len(out.items) - n0} items, {time.monotonic() - t0:.1f}s", file=sys.stderr)
        meta["seconds"] = round(time.monotonic() - started, 1)
        manifest = {"meta": meta, "items": out.items}
        if args.out:
            args.out.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            print(f"{args.out}: {len(out.items)} items of {meta['commit']} in {meta['seconds']}s", file=sys.stderr)
        for line in out.errors:
            print(f"FAILED {line}", file=sys.stderr)
        if args.compare:
            return report(args.compare, json.loads(args.compare.read_text()), manifest)
        return 2 if out.errors else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
