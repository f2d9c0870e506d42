"""`python -m queries`: survey indicator tables as CSV, and the list of indicators and dimensions.

    python -m queries table INDICATOR [--by DIM] [--by DIM] [--where DIM=CODE[,CODE]]...
                            [--wave W] [--channel random|open] [--lang ja|en]
                            [--encoding utf-8-sig|cp932] [--db PATH]
    python -m queries activity MEASURE --by month|fiscal_year [--split field|district|org_type]
                               [--where district=C|GROUP] [--where field=C] [--where org_type=C]
                               [--from YYYY-MM] [--to YYYY-MM] [--lang ja|en] [--db PATH]
    python -m queries trend INDICATOR [--by DIM] [--where DIM=CODE|GROUP]... [--channel random|open]
                            [--lang ja|en] [--encoding utf-8-sig|cp932] [--db PATH]
    python -m queries list [--lang ja|en]

`table` writes the CSV bytes of queries.export.indicator_csv to stdout (the dashboard's download
of the same view is byte-identical); `activity` those of queries.export.activity_csv, the same code
path as the activity page's tables; `trend` those of queries.trend.trend_table_csv (the 推移 page's
download of the same view, byte for byte). Filters are one code or a named group each (queries.filters).
The minimum n is a server setting (TSUNAGARI_MIN_N, never below 10); no flag changes it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from data import codebook
from data.paths import db_path
from queries import activity, disclosure, export, indicators, runner, trend
from queries.filters import (
    ACTIVITY_FILTERS,
    ATTRIBUTE_FILTERS,
    CHANNELS,
    ActivityFilters,
    Filters,
    attribute_codes,
    choice_codes,
)


class UsageError(Exception):
    """Bad command-line input: reported on stderr with exit status 2."""


def _where_items(items: Sequence[str]) -> list[tuple[str, str]]:
    out = []
    for item in items:
        dim, sep, value = item.partition("=")
        if not sep or not value.strip():
            raise UsageError(f"--where {item!r}: expected DIM=VALUE, e.g. district=3 or age_band=young")
        out.append((dim.strip(), value.strip()))
    return out


def _choices_text(dim: str) -> str:
    codes = ", ".join(str(c) for c in attribute_codes(dim))
    groups = ", ".join(f"{gid} ({'/'.join(map(str, g['codes']))})" for gid, g in codebook.filter_groups(dim).items())
    return codes + (f"; groups: {groups}" if groups else "")


def parse_where(items: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """--where DIM=VALUE for the survey tables: VALUE is one code or a named group (the same
    limits as the dashboard's filters and the deck files)."""
    chosen: dict[str, tuple[int, ...]] = {}
    for dim, value in _where_items(items):
        if dim not in ATTRIBUTE_FILTERS:
            hint = " (use --wave / --channel)" if dim in ("wave", "channel") else ""
            raise UsageError(f"--where: unknown dimension {dim!r}{hint}; known: {', '.join(ATTRIBUTE_FILTERS)}")
        if dim in chosen:
            raise UsageError(f"--where {dim}: given twice; a filter is one code or one named group")
        codes = choice_codes(dim, value)
        if codes is None and "," in value:
            raise UsageError(
                f"--where {dim}={value}: a filter is one code or a named group, not a list "
                f"(so that tables cannot be subtracted to reveal small groups); "
                f"{dim} takes: {_choices_text(dim)}"
            )
        if codes is None:
            raise UsageError(
                f"--where {dim}={value}: not a code or a named group of {dim}; {dim} takes: {_choices_text(dim)}"
            )
        chosen[dim] = codes
    return chosen


def parse_activity_where(items: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """--where district=C|GROUP, field=C, org_type=C for the activity tables (one value each)."""
    chosen: dict[str, tuple[int, ...]] = {}
    for dim, value in _where_items(items):
        if dim not in ACTIVITY_FILTERS:
            raise UsageError(f"--where: unknown dimension {dim!r}; known: {', '.join(ACTIVITY_FILTERS)}")
        if dim == "district":
            codes = choice_codes("district", value)
        else:
            codes = (
                (int(value),)
                if 0 < len(value) <= 2 and value.isascii() and value.isdecimal() and int(value) in codebook.codes(dim)
                else None
            )
        if codes is None or ACTIVITY_FILTERS[dim] in chosen:
            known = _choices_text("district") if dim == "district" else ", ".join(map(str, codebook.codes(dim)))
            raise UsageError(f"--where {dim}={value}: one code or a named group, once; {dim} takes: {known}")
        chosen[ACTIVITY_FILTERS[dim]] = codes
    return chosen


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m queries", description="Survey indicator tables.")
    sub = parser.add_subparsers(dest="command", required=True)

    table = sub.add_parser("table", help="an indicator table as CSV on stdout")
    table.add_argument("indicator", help="indicator id (see `python -m queries list`)")
    table.add_argument(
        "--by",
        action="append",
        default=[],
        metavar="DIM",
        help=f"breakdown dimension, up to two: {', '.join(codebook.dimensions())}",
    )
    table.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="DIM=VALUE",
        help=f"filter on {', '.join(ATTRIBUTE_FILTERS)}: one code or a named group (e.g. age_band=young, district=3)",
    )
    table.add_argument("--wave", type=int, default=None, help="survey year (default: the latest)")
    table.add_argument("--channel", choices=list(CHANNELS), default="random")
    table.add_argument("--lang", choices=list(codebook.LANGS), default="ja")
    table.add_argument("--encoding", choices=list(export.ENCODINGS), default="utf-8-sig")
    table.add_argument(
        "--db", type=Path, default=None, help="DuckDB file (default: $TSUNAGARI_DB or data/tsunagari.duckdb)"
    )

    act = sub.add_parser("activity", help="an activity table as CSV on stdout (as the activity page's download)")
    act.add_argument("measure", choices=list(activity.MEASURES))
    act.add_argument("--by", choices=["month", "fiscal_year"], required=True, help="the rows: months or 年度")
    act.add_argument("--split", choices=["field", "district", "org_type"], default=None, help="the columns")
    act.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="DIM=VALUE",
        help="district=C or a named group, field=C, org_type=C (one value each)",
    )
    act.add_argument(
        "--from",
        dest="start",
        default=None,
        metavar="YYYY-MM",
        help="first month: an April (whole 年度), or the same month as --to",
    )
    act.add_argument(
        "--to",
        dest="end",
        default=None,
        metavar="YYYY-MM",
        help="last month: a March (whole 年度), or the same month as --from",
    )
    act.add_argument("--lang", choices=list(codebook.LANGS), default="ja")
    act.add_argument("--encoding", choices=list(export.ENCODINGS), default="utf-8-sig")
    act.add_argument(
        "--db", type=Path, default=None, help="DuckDB file (default: $TSUNAGARI_DB or data/tsunagari.duckdb)"
    )

    tr = sub.add_parser(
        "trend", help="an indicator over the survey waves as CSV on stdout (as the 推移 page's download)"
    )
    tr.add_argument("indicator", help="indicator id (see `python -m queries list`)")
    tr.add_argument("--by", default=None, metavar="DIM", help=f"one breakdown dimension: {', '.join(trend.DIMENSIONS)}")
    tr.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="DIM=VALUE",
        help=f"filter on {', '.join(ATTRIBUTE_FILTERS)}: one code or a named group (e.g. age_band=young, district=3)",
    )
    tr.add_argument("--channel", choices=list(CHANNELS), default="random")
    tr.add_argument("--lang", choices=list(codebook.LANGS), default="ja")
    tr.add_argument("--encoding", choices=list(export.ENCODINGS), default="utf-8-sig")
    tr.add_argument(
        "--db", type=Path, default=None, help="DuckDB file (default: $TSUNAGARI_DB or data/tsunagari.duckdb)"
    )

    lister = sub.add_parser("list", help="indicators and dimensions with their definitions")
    lister.add_argument("--lang", choices=list(codebook.LANGS), default="ja")
    return parser


def open_db(path: Path | None):
    path = Path(path) if path else db_path()
    if not path.is_file():
        raise UsageError(
            f"database not found: {path} (build it with `python -m data build --demo` "
            f"or `python -m data build --from DIR`)"
        )
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
        data, warnings = export.indicator_csv_with_warnings(
            con, args.indicator, args.by, filters, lang=args.lang, encoding=args.encoding
        )
    except disclosure.FilterTooNarrow as refused:
        raise UsageError(refused.text("en")) from None
    finally:
        con.close()
    return write_csv(data, warnings, args.encoding)


def cmd_trend(args: argparse.Namespace) -> int:
    if args.indicator not in codebook.indicators():
        raise UsageError(f"unknown indicator {args.indicator!r}; known: {', '.join(codebook.indicators())}")
    try:
        by = trend.check_by(args.by)
    except ValueError as e:
        raise UsageError(f"--by: {e}") from None
    try:
        filters = Filters(channel=args.channel, **parse_where(args.where))
    except ValueError as e:
        raise UsageError(str(e)) from None
    con = open_db(args.db)
    try:
        data, warnings = trend.trend_csv_with_warnings(
            con, args.indicator, by, filters, lang=args.lang, encoding=args.encoding
        )
    except disclosure.FilterTooNarrow as refused:
        raise UsageError(refused.text("en")) from None
    finally:
        con.close()
    return write_csv(data, warnings, args.encoding)


def write_csv(data: bytes, warnings: list[str], encoding: str) -> int:
    """CSV bytes to stdout, a warning on stderr for each character ENCODING could not hold."""
    for w in warnings:
        print(f"warning: {encoding} cannot encode {w}; written as {export.REPLACEMENT!r}", file=sys.stderr)
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0


def cmd_activity(args: argparse.Namespace) -> int:
    try:
        filters = ActivityFilters(start=args.start, end=args.end, **parse_activity_where(args.where))
    except ValueError as e:
        raise UsageError(str(e)) from None
    con = open_db(args.db)
    try:
        data, warnings = export.activity_csv_with_warnings(
            con, args.measure, args.by, args.split, filters, lang=args.lang, encoding=args.encoding
        )
    finally:
        con.close()
    return write_csv(data, warnings, args.encoding)


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
        lines.append(
            f"      {'分母' if ja else 'denominator'}: "
            + (f"{used} のすべてに回答した人" if ja else f"respondents who answered {used}")
        )
    lines.append("")
    lines.append("分析軸 (--by / --where)" if ja else "Dimensions (--by / --where)")
    for dim in codebook.dimensions():
        lines.append(f"  {dim}: {codebook.dimension_label(dim, lang)}")
        if dim == "wave":
            lines.append(
                "      "
                + (
                    "調査年（データにある年）、--wave で絞り込み"
                    if ja
                    else "survey year (the years in the data); filter with --wave"
                )
            )
        elif dim == "channel":
            vals = ", ".join(f"{c} {codebook.code_label('channel', c, lang)}" for c in codebook.codes("channel"))
            lines.append(
                f"      {vals}; --channel " + " | ".join(f"{k} ({'+'.join(map(str, v))})" for k, v in CHANNELS.items())
            )
        else:
            vs = codebook.dimension_value_set(dim)
            vals = ", ".join(f"{c} {codebook.code_label(vs, c, lang)}" for c in codebook.codes(vs))
            lines.append(f"      {vals}, {codebook.missing_code()} {codebook.no_answer_label(lang)}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"table": cmd_table, "activity": cmd_activity, "trend": cmd_trend, "list": cmd_list}[args.command](args)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
