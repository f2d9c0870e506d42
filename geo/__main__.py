"""python -m geo schematic [--out PATH] [--check]
python -m geo import FILE --name-field FIELD [--out PATH] [--tolerance M] [--source TEXT]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo")
    sub = parser.add_subparsers(dest="command", required=True)

    schem = sub.add_parser("schematic", help="regenerate the project's schematic district polygons")
    schem.add_argument("--out", metavar="PATH", help="file to write (default geo/schematic_districts.geojson)")
    schem.add_argument("--check", action="store_true", help="only check that the file is up to date")

    imp = sub.add_parser("import", help="import a boundary file of the six districts")
    imp.add_argument("file", metavar="FILE", help="GeoJSON, Shapefile (.shp with .prj) or GeoPackage, any CRS")
    imp.add_argument("--name-field", required=True, metavar="FIELD", help="attribute holding the district name")
    imp.add_argument("--out", metavar="PATH", help="file to write (default geo/imported/districts.geojson)")
    imp.add_argument(
        "--tolerance",
        type=float,
        default=None,
        metavar="M",
        help="simplification tolerance in metres (default 100; 0 = none)",
    )
    imp.add_argument("--source", metavar="TEXT", help="source / attribution text stored with the polygons")

    args = parser.parse_args(argv)
    if args.command == "schematic":
        return _schematic(args)
    return _import(args)


def _schematic(args: argparse.Namespace) -> int:
    from geo.districts import SCHEMATIC_PATH, geojson_text, write_text_atomic
    from geo.schematic import schematic_frame

    path = Path(args.out) if args.out else SCHEMATIC_PATH
    text = geojson_text(schematic_frame())
    if args.check:
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != text:
            print(f"{path} は最新ではありません / is out of date: run `python -m geo schematic`", file=sys.stderr)
            return 1
        print(f"{path}: up to date")
        return 0
    write_text_atomic(path, text)
    print(f"wrote {path} ({len(text.encode('utf-8'))} bytes)")
    return 0


def _import(args: argparse.Namespace) -> int:
    from geo.districts import IMPORTED_PATH
    from geo.importer import DEFAULT_TOLERANCE_M, GeoImportError, import_districts

    out = Path(args.out) if args.out else IMPORTED_PATH
    tolerance = DEFAULT_TOLERANCE_M if args.tolerance is None else args.tolerance
    try:
        result = import_districts(args.file, args.name_field, out=out, tolerance_m=tolerance, source=args.source)
    except GeoImportError as exc:
        print(f"エラー / Error: {exc}", file=sys.stderr)
        return 1
    summary = ", ".join(f"{r.name_ja} {r.area_km2:.1f} km²" for r in result.itertuples())
    print(f"wrote {out} ({out.stat().st_size} bytes): {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
