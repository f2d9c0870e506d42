"""Submitted monthly figures, kept in the instance folder until the secretariat publishes them.

    INSTANCE/submissions/<org>/<YYYY-MM>/<time>.csv   one organisation's rows for one month, as
                                                      submitted (the activity extract's columns)
    INSTANCE/submissions/history.jsonl                append-only: one line per organisation and
                                                      month of each submission (who, when in JST,
                                                      the file's name and SHA-256, rows)
    INSTANCE/submissions/published.json               the last publish: version, when, and the time
                                                      of the newest submission it included; and
                                                      for every publish, version → that time

A resubmission for the same organisation and month writes a new file and a new history line; the
newest line of an organisation and month is its current submission (the older ones stay, as the
history). Files are created 0600 in folders 0700, each written whole (temporary file, then
os.replace); history lines are appended with O_APPEND under a lock. Nothing here checks who may
submit: the page calls roles.require before save (data/ imports nothing of the dashboard).

For the secretariat's publish: apply_to_extracts(folder) puts every current submission into the
activity extract of a staging copy of the current extracts, and mark_published(version_id, as_of)
records what the new version holds, so pending() lists what was submitted since. Given the
database (TARGET), what counts as published is what the version in use holds: after a rollback to
a version built before a publish, its submissions are pending again. Every version built later
holds them too (the data page stages over the current version's extracts), so the version in use
holds the submissions of the newest publish whose version is not newer than it (IDs are
build times, increasing).
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import hashlib
import io
import json
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from data import instance, readers, submission_template as tpl, versions
from data.problems import errors, format_report

JST = ZoneInfo("Asia/Tokyo")
FOLDER = "submissions"
HISTORY = "history.jsonl"
MARKER = "published.json"
COLUMNS = ("org_id", "month", "district", "field", *tpl.MEASURES)  # the activity extract's
ACTIVITY_FILE = "activity.csv"
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_lock = threading.Lock()


@dataclass(frozen=True)
class Entry:
    """One history line: one organisation's month in one submission."""

    time: str  # JST, ISO 8601 with microseconds (the order of submissions)
    org_id: str
    month: str  # YYYY-MM
    user: str
    role: str
    file: str  # the uploaded file's name
    sha256: str  # of the uploaded file
    rows: int
    path: str  # the rows' CSV, relative to the submissions folder
    submission: str  # shared by the months of one upload
    replaces: str | None = None  # time of the submission of this organisation and month it replaced


def folder(create: bool = False) -> Path:
    path = instance.folder(create) / FOLDER
    if create:
        _mkdir(path)
    return path


def now_jst() -> dt.datetime:
    return dt.datetime.now(JST)


def _stamp(time: dt.datetime) -> str:
    return time.astimezone(JST).isoformat(timespec="microseconds")


def _org_dir(org_id: str) -> str:
    """A folder name for ORG_ID: the id itself when it is plain, else a digest of it."""
    if _SAFE.fullmatch(org_id):
        return org_id
    return "_" + hashlib.sha256(org_id.encode("utf-8")).hexdigest()[:16]


def _mkdir(path: Path) -> None:
    """PATH and its missing parents, each 0700 (mkdir(parents=True) gives parents the umask's mode)."""
    if not path.is_dir():
        _mkdir(path.parent)
        path.mkdir(mode=0o700, exist_ok=True)


def _write_atomic(path: Path, data: bytes) -> None:
    _mkdir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _csv(rows: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for r in rows[list(COLUMNS)].itertuples(index=False):
        w.writerow([str(v) for v in r])
    return buf.getvalue().encode("utf-8-sig")


def _checked(rows: pd.DataFrame, org_id: str) -> pd.DataFrame:
    """ROWS as the activity extract's columns, after the checks the reader made (a second line of
    defence: the store never writes another organisation's rows or a bad count)."""
    missing = [c for c in COLUMNS if c not in rows.columns]
    if missing:
        raise ValueError(f"rows lack the columns {missing}")
    out = rows[list(COLUMNS)].copy()
    if len(out) == 0:
        raise ValueError("no rows to submit")
    if set(out["org_id"]) != {org_id}:
        raise ValueError(f"rows of another organisation than {org_id!r}")
    if not all(tpl.parse_month(str(m)) for m in out["month"]):
        raise ValueError("months must be YYYY-MM")
    for c in ("district", "field", *tpl.MEASURES):
        out[c] = out[c].astype("int64")
    if (out[list(tpl.MEASURES)] < 0).any().any() or (out["new_cases"] > out["consultations"]).any():
        raise ValueError("counts must be >= 0 and new_cases <= consultations")
    if out.duplicated(["month", "district", "field"]).any():
        raise ValueError("one row per month, district and field")
    return out


# ---- writing ------------------------------------------------------------------------------


def save(
    rows: pd.DataFrame,
    org_id: str,
    user: str,
    role: str,
    file_name: str,
    sha256: str,
    time: dt.datetime | None = None,
) -> list[Entry]:
    """Keep ROWS (one organisation's, one or more months) as its current submission for each of
    their months, replacing earlier ones (which stay in the history). Returns the history lines
    written, one per month."""
    rows = _checked(rows, org_id)
    time = time or now_jst()
    stamp = _stamp(time)
    name = time.astimezone(JST).strftime("%Y%m%dT%H%M%S%f")
    base = folder(create=True)
    current_before = current()
    entries: list[Entry] = []
    for month, part in rows.groupby("month", sort=True):
        rel = Path(_org_dir(org_id)) / str(month) / f"{name}.csv"
        target = base / rel
        n = 1
        while target.exists():  # two submissions in one microsecond
            rel = rel.with_name(f"{name}-{n}.csv")
            target, n = base / rel, n + 1
        _write_atomic(target, _csv(part.sort_values(["district", "field"])))
        before = current_before.get((org_id, str(month)))
        entries.append(
            Entry(
                stamp,
                org_id,
                str(month),
                user,
                role,
                file_name,
                sha256,
                len(part),
                rel.as_posix(),
                f"{_org_dir(org_id)}-{name}",
                before.time if before else None,
            )
        )
    _append(base / HISTORY, entries)
    return entries


def _append(path: Path, entries: Sequence[Entry]) -> None:
    text = "".join(json.dumps(asdict(e), ensure_ascii=False, separators=(",", ":")) + "\n" for e in entries)
    with _lock:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # another process (a second server) appends whole lines too
            os.write(fd, text.encode("utf-8"))
        finally:
            os.close(fd)


# ---- reading ----------------------------------------------------------------------------------


def history() -> list[Entry]:
    """Every history line, oldest first (lines that do not parse are left out)."""
    try:
        lines = (folder() / HISTORY).read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return []
    out = []
    fields = set(Entry.__dataclass_fields__)
    for line in lines:
        try:
            raw = json.loads(line)
            out.append(Entry(**{k: v for k, v in raw.items() if k in fields}))
        except (json.JSONDecodeError, TypeError):
            continue
    return out


def current() -> dict[tuple[str, str], Entry]:
    """The current submission of each (org_id, month): its newest history line."""
    out: dict[tuple[str, str], Entry] = {}
    for e in history():
        out[(e.org_id, e.month)] = e
    return out


def rows_of(entry: Entry) -> pd.DataFrame:
    """The rows ENTRY submitted (the activity extract's columns, counts as integers)."""
    path = folder() / entry.path
    df = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    for c in ("district", "field", *tpl.MEASURES):
        df[c] = df[c].astype("int64")
    return df[list(COLUMNS)]


# ---- publishing ----------------------------------------------------------------------------


def _marker() -> dict:
    try:
        data = json.loads((folder() / MARKER).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def published(target: Path | None = None) -> dict:
    """The publish the data holds ({version_id, published_at, as_of}), or {} when none: without
    TARGET the last publish; with TARGET (the database) the newest publish whose version is not
    newer than the version in use (a rollback undoes the publishes after it)."""
    marker = _marker()
    in_use = None if target is None else versions.current_id(Path(target))
    if in_use is None or not marker:  # no database named, or one from before versions
        return {k: v for k, v in marker.items() if k != "by_version"}
    held = marker.get("by_version") or {marker.get("version_id"): marker}
    fitting = sorted(v for v in held if v and v <= in_use)
    return dict(held[fitting[-1]], version_id=fitting[-1]) if fitting else {}


def mark_published(version_id: str, as_of: str | None = None) -> dict:
    """Record that version VERSION_ID holds every submission up to AS_OF (the `as_of` of
    apply_to_extracts' summary; default now). pending() lists what came after."""
    marker = {"version_id": str(version_id), "published_at": _stamp(now_jst()), "as_of": as_of or _stamp(now_jst())}
    earlier = _marker()
    by_version = earlier.get("by_version") or (
        {earlier["version_id"]: {k: earlier[k] for k in ("published_at", "as_of") if k in earlier}}
        if earlier.get("version_id")
        else {}
    )
    by_version[marker["version_id"]] = {"published_at": marker["published_at"], "as_of": marker["as_of"]}
    whole = {**marker, "by_version": by_version}
    _write_atomic(folder(create=True) / MARKER, json.dumps(whole, ensure_ascii=False, indent=1).encode("utf-8"))
    return marker


def is_published(entry: Entry, marker: dict | None = None) -> bool:
    marker = published() if marker is None else marker
    as_of = marker.get("as_of")
    return bool(as_of) and _time(entry.time) <= _time(as_of)


def pending(since: str | dt.datetime | None = None, target: Path | None = None) -> list[Entry]:
    """Current submissions newer than SINCE (default: the as_of of the publish the data holds,
    published(TARGET); all of them before the first publish), oldest first."""
    if since is None:
        since = published(target).get("as_of")
    limit = _time(since) if since is not None else None
    found = [e for e in current().values() if limit is None or _time(e.time) > limit]
    return sorted(found, key=lambda e: (_time(e.time), e.org_id, e.month))


def _time(value: str | dt.datetime) -> dt.datetime:
    t = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return t if t.tzinfo else t.replace(tzinfo=JST)


def apply_to_extracts(target: Path) -> dict:
    """Put every current submission into the activity extract of TARGET (a staging copy of the
    current extracts): for each (org_id, month) submitted, that organisation's rows of that month
    are replaced by the submitted ones (months not there yet are added). activity.xlsx becomes
    activity.csv (UTF-8 with BOM). Returns a summary: orgs, months, pairs, rows_replaced (old rows
    removed), rows_added (submitted rows written), new_pairs ("ORG YYYY-MM" not there before),
    as_of (the newest submission applied: pass it to mark_published), file."""
    target = Path(target)
    subs = current()
    found, problems = readers.find_extract_files(target)
    if errors(problems):
        raise ValueError(format_report(problems))
    paths = found.get(tpl.EXTRACT, [])
    columns = list(COLUMNS)
    if paths:
        raw = readers.read_extract(paths[0], tpl.EXTRACT)
        if isinstance(raw, list):
            raise ValueError(format_report(raw))
        old = raw.frame.reindex(columns=columns).fillna("").astype(str)
        old = old.apply(lambda s: s.str.strip())
    else:
        old = pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
    pairs = sorted(subs)
    present = set(zip(old["org_id"], old["month"]))
    replaced = pd.Series([(o, m) in subs for o, m in zip(old["org_id"], old["month"])], index=old.index, dtype=bool)
    new_parts = [rows_of(subs[p]).astype(str) for p in pairs]
    added = pd.concat(new_parts, ignore_index=True) if new_parts else old.iloc[0:0]
    out = pd.concat([old[~replaced], added], ignore_index=True)
    data = _csv(out)
    _write_atomic(target / ACTIVITY_FILE, data)
    for p in paths:
        if p.name != ACTIVITY_FILE:
            p.unlink()
    return {
        "orgs": sorted({o for o, _ in pairs}),
        "months": sorted({m for _, m in pairs}),
        "pairs": len(pairs),
        "rows_replaced": int(replaced.sum()),
        "rows_added": len(added),
        "new_pairs": [f"{o} {m}" for o, m in pairs if (o, m) not in present],
        "as_of": max((subs[p].time for p in pairs), key=_time) if pairs else None,
        "file": ACTIVITY_FILE,
    }


# ---- the secretariat's status table --------------------------------------------------------


def status(orgs: Iterable[tuple[str, str]], months: Sequence[str], target: Path | None = None) -> pd.DataFrame:
    """One row per organisation (ORGS: (org_id, name), in order; organisations that submitted
    but are not listed come after, with an empty name) × month of MONTHS: org_id, name, month,
    submitted (bool), time (JST, the current submission's), user, file, rows, sha256, published
    (bool: in the data, published(TARGET)), resubmissions (earlier submissions it replaced)."""
    orgs = list(dict(orgs).items())
    months = list(months)
    cur = current()
    known = {o for o, _ in orgs}
    extra = sorted({o for o, m in cur if m in months and o not in known})
    orgs += [(o, "") for o in extra]
    counts: dict[tuple[str, str], int] = {}
    for e in history():
        counts[(e.org_id, e.month)] = counts.get((e.org_id, e.month), 0) + 1
    marker = published(target)
    rows = []
    for org, name in orgs:
        for month in months:
            e = cur.get((org, month))
            rows.append(
                {
                    "org_id": org,
                    "name": name,
                    "month": month,
                    "submitted": e is not None,
                    "time": e.time if e else "",
                    "user": e.user if e else "",
                    "file": e.file if e else "",
                    "rows": e.rows if e else 0,
                    "sha256": e.sha256 if e else "",
                    "published": bool(e) and is_published(e, marker),
                    "resubmissions": counts.get((org, month), 1) - 1 if e else 0,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "org_id",
            "name",
            "month",
            "submitted",
            "time",
            "user",
            "file",
            "rows",
            "sha256",
            "published",
            "resubmissions",
        ],
    )
