"""`python -m queries`: survey indicator tables as CSV, and the list of indicators and dimensions.

    python -m queries table INDICATOR [--by DIM] [--by DIM] [--where DIM=CODE[,CODE]]...
                            [--wave W] [--channel random|open|all] [--lang ja|en]
                            [--encoding utf-8-sig|cp932] [--db PATH]
    python -m queries list [--lang ja|en]

`table` writes the CSV bytes of queries.export.indicator_csv to stdout (the dashboard's download
of the same view is byte-identical). The minimum n is a server setting (TSUNAGARI_MIN_N, never
below 10); no flag changes it.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from data import codebook
from queries import export, indicators, runner
from queries.filters import ATTRIBUTE_FILTERS, CHANNELS, Filters, attribute_codes


class UsageError(Exception):
    """Bad command-line input: reported on stderr with exit status 2."""


def parse_where(items: Sequence[str]) -> dict[str, tuple[int, ...]]:
    chosen: dict[str, list[int]] = {}
    for item in items:
        dim, sep, values = item.partition("=")
        dim = dim.strip()
        if not sep or not values.strip():
            raise UsageError(f"--where {item!r}: expected DIM=CODE[,CODE], e.g. district=1,3")
        if dim not in ATTRIBUTE_FILTERS:
            hint = " (use --wave / --channel)" if dim in ("wave", "channel") else ""
            raise UsageError(f"--where: unknown dimension {dim!r}{hint}; known: {', '.join(ATTRIBUTE_FILTERS)}")
        allowed = attribute_codes(dim)
        for part in values.split(","):
            part = part.strip()
            if not (part.isascii() and part.isdigit()) or int(part) not in allowed:
                raise UsageError(f"--where {dim}: unknown code {part!r}; known: "
                                 f"{', '.join(map(str, allowed))} (9 = {codebook.no_answer_label('en')})")
            if int(part) not in chosen.setdefault(dim, []):
                chosen[dim].append(int(part))
    return {d: tuple(v) for d, v in chosen.items()}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m queries", description="Survey indicator tables.")
    sub = parser.add_subparsers(dest="command", required=True)

    table = sub.add_parser("table", help="an indicator table as CSV on stdout")
    table.add_argument("indicator", help="indicator id (see `python -m queries list`)")
    table.add_argument("--by", action="append", default=[], metavar="DIM",
                       help=f"breakdown dimension, up to two: {', '.join(codebook.dimensions())}")
    table.add_argument("--where", action="append", default=[], metavar="DIM=CODE[,CODE]",
                       help=f"filter on {', '.join(ATTRIBUTE_FILTERS)}; 9 = no answer")
    table.add_argument("--wave", type=int, default=None, help="survey year (default: the latest)")
    table.add_argument("--channel", choices=list(CHANNELS), default="random")
    table.add_argument("--lang", choices=list(codebook.LANGS), default="ja")
    table.add_argument("--encoding", choices=list(export.ENCODINGS), default="utf-8-sig")
    table.add_argument("--db", type=Path, default=None, help="DuckDB file (default: $TSUNAGARI_DB or data/tsunagari.duckdb)")

    lister = sub.add_parser("list", help="indicators and dimensions with their definitions")
    lister.add_argument("--lang", choices=list(codebook.LANGS), default="ja")
    return parser


def open_db(path: Path | None):
    path = Path(path) if path else runner.db_path()
    if not path.is_file():
        raise UsageError(f"database not found: {path} (build it with `python -m data build --demo` "
                         f"or `python -m data build --from DIR`)")
    return runner.connect(path)


def cmd_table(args: argparse.Namespace) -> int:
    if args.indicator not in codebook.indicators():
        raise UsageError(f"unknown indicator {args.indicator!r}; known: {', '.join(codebook.indicators())}")
    try:
        indicators.check_by(args.by)
    except ValueError as e:
        raise UsageError(f"--by: {e}") from None
    try:
        filters = Filters(wave=args.wave, channel=args.channel, **parse_where(args.where))
    except ValueError as e:
        raise UsageError(str(e)) from None
    con = open_db(args.db)
    try:
        if args.wave is not None and "wave" not in args.by and args.wave not in indicators.waves(con):
            known = ", ".join(map(str, indicators.waves(con))) or "none"
            raise UsageError(f"--wave {args.wave}: no such survey wave in the database; waves: {known}")
        data, warnings = export.indicator_csv_with_warnings(con, args.indicator, args.by, filters,
                                                            lang=args.lang, encoding=args.encoding)
    finally:
        con.close()
    for w in warnings:
        print(f"warning: {args.encoding} cannot encode {w}; written as {export.REPLACEMENT!r}", file=sys.stderr)
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0


def rule_text(rule: dict, lang: str) -> str:
    """An indicator rule in words, e.g. lonely_direct = 5 (しばしばある・常にある)."""
    join = " かつ " if lang == "ja" else " and "
    if "all" in rule:
        return join.join(rule_text(r, lang) for r in rule["all"])
    if "sum" in rule:
        return f"{' + '.join(rule['sum'])} >= {rule['gte']}"
    value_set = codebook.columns("survey_responses")[rule["column"]]["codes"]
    codes = ", ".join(f"{c} ({codebook.code_label(value_set, c, lang)})" for c in rule["in"])
    return f"{rule['column']} = {codes}" if len(rule["in"]) == 1 else f"{rule['column']} in {codes}"


def cmd_list(args: argparse.Namespace) -> int:
    lang = args.lang
    ja = lang == "ja"
    lines = ["指標 (INDICATOR)" if ja else "Indicators (INDICATOR)"]
    for ind in codebook.indicators().values():
        lines.append(f"  {ind.id}: {ind.label[lang]}")
        lines.append(f"      {'定義' if ja else 'definition'}: {rule_text(ind.rule, lang)}")
        used = ", ".join(ind.columns_used())
        lines.append(f"      {'分母' if ja else 'denominator'}: "
                     + (f"{used} のすべてに回答した人" if ja else f"respondents who answered {used}"))
    lines.append("")
    lines.append("分析軸 (--by / --where)" if ja else "Dimensions (--by / --where)")
    for dim in codebook.dimensions():
        lines.append(f"  {dim}: {codebook.dimension_label(dim, lang)}")
        if dim == "wave":
            lines.append("      " + ("調査年（データにある年）、--wave で絞り込み" if ja
                                     else "survey year (the years in the data); filter with --wave"))
        elif dim == "channel":
            vals = ", ".join(f"{c} {codebook.code_label('channel', c, lang)}" for c in codebook.codes("channel"))
            lines.append(f"      {vals}; --channel " + " | ".join(
                f"{k} ({'+'.join(map(str, v))})" for k, v in CHANNELS.items()))
        else:
            vs = codebook.dimension_value_set(dim)
            vals = ", ".join(f"{c} {codebook.code_label(vs, c, lang)}" for c in codebook.codes(vs))
            lines.append(f"      {vals}, {codebook.missing_code()} {codebook.no_answer_label(lang)}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"table": cmd_table, "list": cmd_list}[args.command](args)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
