"""python -m dashboard handout [--deck NAME|FILE.yaml] [--db PATH] [--lang ja|en] --out FILE.pptx|FILE.pdf
        [--no-notes] [--per-page 1|2|4]
python -m dashboard summary [--db PATH] [--lang ja|en] --out FILE.pdf   (概要 1枚, A4)
python -m dashboard leaflet [--db PATH] [--lang ja|en] [--district D] --out FILE.pdf   (住民向けチラシ, A4 両面)
python -m dashboard users add|passwd|disable|enable|list ...   (dashboard/access/cli.py)
python -m dashboard serve [--port N]   (the network, with sign-in only)"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard")
    sub = parser.add_subparsers(dest="command", required=True)
    h = sub.add_parser("handout", help="print a deck as a handout: one PPTX slide or PDF page per deck slide")
    h.add_argument(
        "--deck", default="junbikai", help="deck name (shipped, or saved in the instance folder) or a YAML file"
    )
    h.add_argument("--db", metavar="PATH", help="DuckDB file (default: TSUNAGARI_DB or data/tsunagari.duckdb)")
    h.add_argument("--lang", choices=("ja", "en"), default=None, help="language (default: the deck's)")
    h.add_argument("--out", required=True, metavar="FILE", help="output file ending in .pptx or .pdf")
    h.add_argument("--no-notes", action="store_true", help="leave the speaker notes off the pages")
    h.add_argument("--per-page", type=int, choices=(1, 2, 4), default=1, help="PDF: slides per A4 sheet (default 1)")
    for name, what in (
        ("summary", "the one-page A4 summary (概要 1枚): headline indicators, who answered, activity, data dates"),
        ("leaflet", "the residents' leaflet (住民向けチラシ): consultation windows by worry, A4 both sides"),
    ):
        p = sub.add_parser(name, help=what)
        p.add_argument("--db", metavar="PATH", help="DuckDB file (default: TSUNAGARI_DB or data/tsunagari.duckdb)")
        p.add_argument("--lang", choices=("ja", "en"), default="ja", help="language (default ja)")
        p.add_argument("--out", required=True, metavar="FILE", help="output file ending in .pdf")
        if name == "leaflet":
            p.add_argument("--district", metavar="D", help="only the windows serving district D (code 1-6 or its name)")
    from dashboard.access import cli

    cli.add_parsers(sub)
    args = parser.parse_args(argv)
    if args.command == "users":
        return cli.users(args)
    if args.command == "serve":
        return cli.serve(args, ROOT)

    # The query helpers shared with the dashboard import Streamlit; outside a server its cache
    # warns on every call, which says nothing useful here.
    import streamlit  # noqa: F401  (sets up its loggers, which we then quieten)

    for name in (
        "streamlit",
        "streamlit.runtime.caching.cache_data_api",
        "streamlit.runtime.caching.cache_resource_api",
    ):
        logging.getLogger(name).setLevel(logging.ERROR)
    from dashboard.presenter import deck as dk, handout
    from dashboard.source import Source
    from queries import runner

    if args.command in ("summary", "leaflet"):
        return printout(args)
    out = Path(args.out)
    if out.suffix.lower() not in (".pdf", ".pptx"):
        print(f"error: --out must end in .pdf or .pptx, not {out.name!r}", file=sys.stderr)
        return 2
    try:
        deck = dk.load_deck_or_file(args.deck)
    except dk.DeckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    db = _database(args)
    if db is None:
        return 2
    con = runner.connect(db)
    try:
        if args.per_page != 1 and out.suffix.lower() != ".pdf":
            print("error: --per-page is for a PDF handout", file=sys.stderr)
            return 2
        path = handout.write_handout(
            deck, Source(con), args.lang or deck.lang, out, notes=not args.no_notes, per_page=args.per_page
        )
    finally:
        con.close()
    print(f"{path}: {len(deck)} {'slides' if out.suffix.lower() == '.pptx' else 'pages'} ({deck.name})")
    return 0


def _database(args) -> Path | None:
    """The database of --db (default the installation's); None, said on stderr, when it is missing."""
    from data.paths import db_path

    db = Path(args.db) if args.db else db_path()
    if db.is_file():
        return db
    print(f"error: database not found: {db} (build one with `python -m data build --demo --db {db}`)", file=sys.stderr)
    return None


def _district(raw: str | None) -> int | None:
    """--district as a code: the number or the district's name (ja or en)."""
    from data import codebook as cb

    if raw is None:
        return None
    raw = raw.strip()
    for code in cb.codes("district"):
        if raw == str(code) or raw in (cb.code_label("district", code, "ja"), cb.code_label("district", code, "en")):
            return code
    names = "、".join(f"{c}={cb.code_label('district', c, 'ja')}" for c in cb.codes("district"))
    raise ValueError(f"--district must be one of {names}, not {raw!r}")


def printout(args) -> int:
    """python -m dashboard summary|leaflet: the figures through dashboard.source (protected)."""
    from dashboard.printouts import leaflet, summary
    from dashboard.source import Source
    from queries import runner

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        print(f"error: --out must end in .pdf, not {out.name!r}", file=sys.stderr)
        return 2
    try:
        district = _district(getattr(args, "district", None))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    db = _database(args)
    if db is None:
        return 2
    con = runner.connect(db)
    try:
        source = Source(con)
        if args.command == "summary":
            path = summary.write_summary(source, out, args.lang)
        else:
            path = leaflet.write_leaflet(source, out, args.lang, district)
    finally:
        con.close()
    print(f"{path}: {args.command}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
