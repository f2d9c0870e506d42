"""The audit log: sign-ins, failed sign-ins, sign-outs, downloads (which table, which filters,
which encoding), handouts, deck saves and deletions, account changes: who, when (JST), what.

One JSON object per line in audit.log in the instance folder, opened for appending only (O_APPEND:
each line is written whole, lines of several threads never interleave); nothing here rewrites or
truncates it. Only names of tables, filters and files go in: never a respondent-level value.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dashboard.access import settings
from dashboard.access.roles import ROLE_LABELS, User

if TYPE_CHECKING:  # pandas only for the audit page's table: the gate imports this module before
    import pandas as pd  # the server listens, and pandas would delay that by ~0.25 s

log = logging.getLogger("tsunagari.audit")

JST = ZoneInfo("Asia/Tokyo")
EVENTS = {
    "signin": {"ja": "サインイン", "en": "sign-in"},
    "signin_failed": {"ja": "サインイン失敗", "en": "failed sign-in"},
    "signin_locked": {"ja": "サインイン制限中", "en": "sign-in while locked"},
    "signout": {"ja": "サインアウト", "en": "sign-out"},
    "session_expired": {"ja": "セッション期限切れ", "en": "session expired"},
    "download": {"ja": "ダウンロード", "en": "download"},
    "handout": {"ja": "配布資料", "en": "handout"},
    "deck_save": {"ja": "デッキ保存", "en": "deck saved"},
    "deck_delete": {"ja": "デッキ削除", "en": "deck deleted"},
    "denied": {"ja": "権限なし", "en": "refused (role)"},
    "account": {"ja": "アカウント変更", "en": "account change"},
    "submission": {"ja": "月次実績の提出", "en": "monthly figures submitted"},
    "data_checked": {"ja": "データ確認（未公開）", "en": "data checked (not published)"},
    "data_refused": {"ja": "データ取り込み不可", "en": "data refused"},
    "data_publish": {"ja": "データ公開", "en": "data published"},
    "data_rollback": {"ja": "データを以前の版に戻す", "en": "data rolled back"},
}
MAX_DETAIL = 2000  # characters of one entry's details: a hostile value cannot bloat the log
_lock = threading.Lock()


def record(event: str, user: User | None = None, name: str | None = None, **detail: object) -> dict:
    """Append one entry; USER (or NAME, e.g. a failed sign-in's name) is who. Never raises: a
    full disk must not stop a meeting, so a failure goes to the server log."""
    if event not in EVENTS:
        raise KeyError(f"unknown audit event {event!r}")
    entry = {
        "time": datetime.now(JST).isoformat(timespec="seconds"),
        "event": event,
        "user": (user.name if user else (name or ""))[:200],
        "role": user.role if user else "",
        "org": (user.org or "") if user else "",
        "detail": _bounded(detail),
    }
    line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
    path = settings.path(settings.AUDIT)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with _lock:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)
    except OSError as exc:
        log.error("audit log not written (%s): %s", exc, line.strip())
    return entry


def _bounded(detail: dict) -> dict:
    out = {
        str(k)[:64]: v if isinstance(v, int | float | bool) or v is None else str(v)[:500] for k, v in detail.items()
    }
    while len(json.dumps(out, ensure_ascii=False)) > MAX_DETAIL and out:
        out.pop(next(reversed(out)))
    return out


def entries() -> list[dict]:
    """Every entry, oldest first; a line that does not parse is kept as such (never hidden)."""
    try:
        lines = settings.path(settings.AUDIT).read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in lines:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            entry = {"time": "", "event": "?", "user": "", "role": "", "org": "", "detail": {"line": line[:200]}}
        out.append(entry)
    return out


def jst(stamp: str) -> str:
    """An ISO time (any offset) as shown on the page: JST, to the second."""
    try:
        return datetime.fromisoformat(stamp).astimezone(JST).strftime("%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return stamp


def frame(lang: str = "ja", newest_first: bool = True) -> pd.DataFrame:
    """The log as a table for the page and its CSV: time, event, user, role, organisation, details."""
    import pandas as pd

    rows = [
        {
            "time": jst(e.get("time", "")),
            "event": EVENTS.get(e.get("event"), {}).get(lang, e.get("event", "")),
            "user": e.get("user", ""),
            "role": ROLE_LABELS.get(e.get("role"), {}).get(lang, e.get("role", "")),
            "org": e.get("org", ""),
            "detail": " / ".join(f"{k}={v}" for k, v in (e.get("detail") or {}).items()),
        }
        for e in entries()
    ]
    df = pd.DataFrame(rows, columns=["time", "event", "user", "role", "org", "detail"])
    if newest_first:
        df = df.iloc[::-1].reset_index(drop=True)
    df.columns = (
        ["日時（日本時間）", "操作", "利用者", "役割", "団体", "内容"]
        if lang == "ja"
        else ["time (JST)", "event", "user", "role", "organisation", "details"]
    )
    return df
