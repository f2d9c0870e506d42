"""Command line of the data package: `build`, `versions`, `rollback` and `demo`."""

from __future__ import annotations

import argparse


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m data")
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="validate extracts and write the DuckDB file")
    src = build.add_mutually_exclusive_group(required=True)
    src.add_argument("--from", dest="source", metavar="DIR", help="folder of extracts")
    src.add_argument("--demo", action="store_true", help="use the committed demo extracts")
    build.add_argument("--db", metavar="PATH", help="database the dashboard opens (default data/tsunagari.duckdb)")
    build.add_argument("--keep", type=int, default=None, metavar="N", help="published versions to keep (default 5)")

    listing = sub.add_parser("versions", help="list the database versions (the current one marked)")
    listing.add_argument("--db", metavar="PATH", help="database the dashboard opens (default data/tsunagari.duckdb)")

    back = sub.add_parser("rollback", help="make an older version current")
    back.add_argument("version", metavar="VERSION", help="a version ID from `versions`")
    back.add_argument("--db", metavar="PATH", help="database the dashboard opens (default data/tsunagari.duckdb)")

    demo = sub.add_parser("demo", help="write the synthetic demo extracts")
    demo.add_argument("--out", metavar="DIR", help="folder to write (default data/demo)")
    demo.add_argument("--seed", type=int, default=None)
    demo.add_argument("--responses", type=int, default=None, help="random-sample responses (scaled data sets)")
    demo.add_argument("--activity-rows", type=int, default=None, help="approximate activity rows (scaled)")

    args = parser.parse_args(argv)
    if args.command == "build":
        from data import versions
        from data.build import run_build

        keep = versions.KEEP if args.keep is None else max(args.keep, 1)
        return run_build(source=args.source, demo=args.demo, db=args.db, keep=keep)
    if args.command in ("versions", "rollback"):
        from data import version_cli

        if args.command == "versions":
            return version_cli.show(args.db)
        return version_cli.rollback(args.version, args.db)
    from data.demo import run_demo

    return run_demo(out=args.out, seed=args.seed, responses=args.responses, activity_rows=args.activity_rows)
