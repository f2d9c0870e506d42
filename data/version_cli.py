"""`python -m data versions` and `python -m data rollback VERSION`: the versions of a database,
listed and switched from a shell (the data page does the same in the browser)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from data import versions
from data.paths import db_path
from data.problems import pad


def _target(db: str | None) -> Path:
    return Path(db) if db else db_path()


def _rows(summary: dict) -> str:
    files = summary.get("files") or []
    return ", ".join(f"{f['file_name']} {f['rows']:,}" for f in files) or "—"


def show(db: str | None) -> int:
    target = _target(db)
    found = versions.list_versions(target)
    if not found:
        plain = target.is_file() and not target.is_symlink()
        sys.stderr.write(
            (
                "版の記録がありません（版を導入する前に作成されたデータベースです）。次の取り込みから記録されます。\n"
                "No versions recorded (a database built before versions); the next build starts them.\n"
            )
            if plain
            else "データベースがありません。`python -m data build` で作成してください。\n"
            "No database yet: build one with `python -m data build`.\n"
        )
        return 1
    head = ("版 / version", 20), ("作成（日本時間） / built (JST)", 30), ("作成者 / by", 14), ("元 / source", 22)
    print("  " + " ".join(pad(text, width) for text, width in head) + " 行数 / rows")
    for v in found:
        s = v.summary
        mark = "* " if v.current else "  "
        built = str(s.get("built_at", ""))[:19].replace("T", " ")
        cells = (v.id, 20), (built, 30), (str(s.get("by") or "—"), 14), (str(s.get("source", "")), 22)
        print(mark + " ".join(pad(text, width) for text, width in cells) + " " + _rows(s))
    print("\n* 現在の版 / current version")
    return 0


def rollback(vid: str, db: str | None) -> int:
    target = _target(db)
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = None
    try:
        versions.rollback(target, vid, by=user)
    except versions.UnknownVersion:
        sys.stderr.write(
            f"版 {vid} はありません。`python -m data versions` で一覧を確認してください。\n"
            f"No version {vid}: see `python -m data versions`.\n"
        )
        return 1
    except versions.Busy:
        sys.stderr.write(
            "取り込みが実行中です。終わってからもう一度実行してください。\n"
            "A build is running; try again when it has finished.\n"
        )
        return 2
    print(f"現在の版を {vid} にしました / Version {vid} is now current")
    return 0
