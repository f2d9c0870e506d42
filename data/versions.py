"""Database versions: every build writes a new file; one pointer names the current one.

For the database PATH (what the dashboard, the CLI and `--db` name, default data/tsunagari.duckdb):

    PATH                          a symbolic link to the current version (relative)
    PATH.versions/ID.duckdb       one file per build, never changed once written
    PATH.versions/ID.json         its summary: when (JST), from what, by whom, files and rows
    PATH.versions/ID.extracts/    the extracts it was built from, as delivered (the data page
                                  builds the next version from these plus what is uploaded)
    PATH.versions/.lock           held by whoever builds or switches (one at a time)

Switching is one rename of a new link over PATH (os.replace: atomic on one file system), so a
reader opens either the old version or the new one, never half of one. Because every version has
a path of its own, the dashboard's connections (one per version, dashboard/db.py) never confuse
them: DuckDB keeps one database instance per path per process, and a file rebuilt in place would
be read through the old instance. Open connections to an older version keep reading it, even once
it has been pruned (the file stays readable until they close).

Versions are IDs of the build time in JST (20261129-143005, a suffix when two fall in one second),
so their order is their age. A build that is not yet published (the data page's preview) is a
version with `published: false`; it becomes current only by `publish`. The last KEEP published
versions are kept (and always the current one); unpublished ones are removed after a day; leftovers
of killed builds (`ID.duckdb.building-PID` whose PID is gone) by the next build.

A PATH that is still a plain file (a database built before versions existed) is moved into the
versions folder as a version of its own at the first switch.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")
KEEP = 5  # published versions kept (the default); `python -m data build --keep N`
UNPUBLISHED_HOURS = 24  # a preview nobody published is removed after this
SUFFIX = ".duckdb"
BUILDING = ".building-"


class Busy(RuntimeError):
    """Another build or switch holds the lock of this database."""


class UnknownVersion(LookupError):
    """No published version of this name."""


@dataclass
class Version:
    id: str
    path: Path
    summary: dict = field(default_factory=dict)
    current: bool = False

    @property
    def published(self) -> bool:
        return bool(self.summary.get("published", True))

    @property
    def extracts(self) -> Path:
        return self.path.with_name(self.id + ".extracts")


def folder(target: Path) -> Path:
    return target.with_name(target.name + ".versions")


def now_jst() -> dt.datetime:
    return dt.datetime.now(JST).replace(microsecond=0)


def _new_id(target: Path, when: dt.datetime, after_last: bool = True) -> str:
    """An ID from WHEN that sorts after every ID issued before, pruned ones too (`.last` keeps
    the last): two builds in one second get a suffix, -2, -3 ... (after_last=False: only unique,
    for a database older than the versions, named by its own time)."""
    d = folder(target)
    last_file = d / ".last"
    try:
        last = last_file.read_text(encoding="utf-8").strip()
    except OSError:
        last = ""
    base, n = when.astimezone(JST).strftime("%Y%m%d-%H%M%S"), 1
    if last and after_last:
        last_base = "-".join(last.split("-")[:2])
        if last_base >= base:  # the same second, or the clock went back: continue after the last
            base, n = last_base, _age_key(last)[2] + 1

    def taken(vid: str) -> bool:
        return any(d.glob(f"{vid}{SUFFIX}*")) or (d / f"{vid}.json").exists()

    vid = base if n == 1 else f"{base}-{n}"
    while taken(vid):
        n += 1
        vid = f"{base}-{n}"
    if after_last:
        last_file.write_text(vid, encoding="utf-8")
    return vid


# ---- the lock ----------------------------------------------------------------------------------


@contextmanager
def lock(target: Path) -> Iterator[None]:
    """Hold the build lock of TARGET, or raise Busy at once (never wait: the second person is told)."""
    d = folder(target)
    d.mkdir(parents=True, exist_ok=True)
    fd = os.open(d / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise Busy(str(target)) from None
            raise
        yield
    finally:
        os.close(fd)  # closing releases the lock


def busy(target: Path) -> bool:
    """Whether a build or switch of TARGET is running now."""
    try:
        with lock(target):
            return False
    except Busy:
        return True


# ---- writing a version -------------------------------------------------------------------------


def building_path(target: Path, vid: str) -> Path:
    return folder(target) / f"{vid}{SUFFIX}{BUILDING}{os.getpid()}"


def new_version(target: Path, when: dt.datetime | None = None) -> tuple[str, Path]:
    """(ID, the temporary file to write it to) for a new version of TARGET."""
    folder(target).mkdir(parents=True, exist_ok=True)
    vid = _new_id(target, when or now_jst())
    return vid, building_path(target, vid)


def complete(target: Path, vid: str, written: Path, summary: dict, extracts: list[Path]) -> Version:
    """Keep the extracts, write the summary and give the written file its version name (in this
    order: a version file without its summary is a build that did not finish)."""
    d = folder(target)
    keep = d / f"{vid}.extracts"
    shutil.rmtree(keep, ignore_errors=True)
    keep.mkdir()
    for src in extracts:
        shutil.copy2(src, keep / src.name)
    summary = {"id": vid, "published": False, **summary}
    _write_json(d / f"{vid}.json", summary)
    final = d / f"{vid}{SUFFIX}"
    os.replace(written, final)
    return Version(vid, final, summary)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# ---- the pointer -------------------------------------------------------------------------------


def current_id(target: Path) -> str | None:
    """The version PATH points at (None: no database, or a plain file from before versions)."""
    try:
        link = os.readlink(target)
    except (FileNotFoundError, OSError):
        return None
    name = Path(link).name
    return name[: -len(SUFFIX)] if name.endswith(SUFFIX) else None


def _adopt_plain_file(target: Path) -> None:
    """A database built before versions: give it a version name too (a second name of the same
    file, so PATH stays a database at every instant; the switch that follows replaces PATH)."""
    if target.is_symlink() or not target.is_file():
        return
    when = dt.datetime.fromtimestamp(target.stat().st_mtime, JST).replace(microsecond=0)
    vid = _new_id(target, when, after_last=False)
    d = folder(target)
    _write_json(
        d / f"{vid}.json",
        {"id": vid, "published": True, "built_at": when.isoformat(), "source": "adopted", "published_at": None},
    )
    try:
        os.link(target, d / f"{vid}{SUFFIX}")
    except OSError:  # a file system without hard links
        shutil.copy2(target, d / f"{vid}{SUFFIX}")


def _point(target: Path, vid: str) -> None:
    link = target.with_name(f"{target.name}.switch-{os.getpid()}")
    try:
        link.unlink()
    except FileNotFoundError:
        pass
    os.symlink(f"{folder(target).name}/{vid}{SUFFIX}", link)
    os.replace(link, target)


def publish(target: Path, vid: str, by: str | None = None) -> Version:
    """Make version VID current (the caller holds the lock)."""
    version = get(target, vid, published_only=False)
    _adopt_plain_file(target)
    if not version.published or not version.summary.get("published_at"):
        version.summary.update(published=True, published_at=now_jst().isoformat(), published_by=by)
        _write_json(version.path.with_suffix(".json"), version.summary)
    _point(target, vid)
    version.current = True
    return version


def rollback(target: Path, vid: str, by: str | None = None) -> Version:
    """Make an older published version current again (takes the lock)."""
    with lock(target):
        get(target, vid)  # only a version that was published
        version = publish(target, vid, by)
    _log_switch(target, vid, by, "rollback")
    return version


def _log_switch(target: Path, vid: str, by: str | None, how: str) -> None:
    with open(folder(target) / "switches.log", "a", encoding="utf-8") as f:
        f.write(json.dumps({"time": now_jst().isoformat(), "version": vid, "by": by, "how": how}) + "\n")


def record_publish(target: Path, vid: str, by: str | None) -> None:
    _log_switch(target, vid, by, "publish")


# ---- reading the list --------------------------------------------------------------------------


def _summary(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _age_key(vid: str) -> tuple:
    """IDs in build order: 20261129-143005 before 20261129-143005-2 (same second, built later)."""
    parts = vid.split("-")
    return (*parts[:2], int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 1)


def list_versions(target: Path, include_unpublished: bool = False) -> list[Version]:
    """Versions of TARGET, newest first."""
    d = folder(target)
    cur = current_id(target)
    out: list[Version] = []
    if d.is_dir():
        for path in sorted(d.glob(f"*{SUFFIX}"), key=lambda p: _age_key(p.name[: -len(SUFFIX)]), reverse=True):
            vid = path.name[: -len(SUFFIX)]
            summary = _summary(d / f"{vid}.json")
            if summary is None:
                continue  # not finished
            v = Version(vid, path, summary, current=(vid == cur))
            if v.published or include_unpublished:
                out.append(v)
    return out


def get(target: Path, vid: str, published_only: bool = True) -> Version:
    for v in list_versions(target, include_unpublished=not published_only):
        if v.id == vid:
            return v
    raise UnknownVersion(vid)


# ---- tidying -----------------------------------------------------------------------------------


def _pid_running(pid: int) -> bool:
    """Whether a process with this id exists (signal 0 only checks; PermissionError: it exists
    but belongs to another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError):
        return False
    return True


def _glob_escape(text: str) -> str:
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in text)


def remove_leftovers(target: Path) -> list[Path]:
    """Remove what killed builds left (their PID no longer runs): NAME.building-PID (and .wal) in
    the versions folder and beside TARGET (where builds wrote before versions), temporary summary
    and link files, and the parts of a version that never got both its file and its summary. They
    can hold respondent-level rows nobody would otherwise find. A build still running keeps its
    files; the current version is never touched."""
    removed: list[Path] = []
    d = folder(target)
    places = [(target.parent, f"{_glob_escape(target.name)}{BUILDING}*", BUILDING)]
    places.append((target.parent, f"{_glob_escape(target.name)}.switch-*", "-"))
    if d.is_dir():
        places += [(d, f"*{BUILDING}*", BUILDING), (d, "*.tmp-*", "-")]
    live: set[str] = set()
    for directory, pattern, sep in places:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob(pattern)):
            pid_text = path.name.rsplit(sep, 1)[1].removesuffix(".wal")
            if not pid_text.isdigit():
                continue
            if _pid_running(int(pid_text)):
                live.add(path.name.split(".", 1)[0])
            else:
                removed += _unlink(path)
    if d.is_dir():
        cur = current_id(target)
        names = {p.name.split(".", 1)[0] for p in d.iterdir() if not p.name.startswith(".")}
        for vid in sorted(names - live - {cur, "switches"}):
            if not ((d / f"{vid}{SUFFIX}").is_file() and (d / f"{vid}.json").is_file()):
                removed += _remove_version_files(d, vid)
    return removed


def _unlink(path: Path) -> list[Path]:
    try:
        path.unlink()
    except FileNotFoundError:
        return []
    return [path]


def _remove_version_files(d: Path, vid: str) -> list[Path]:
    removed = _unlink(d / f"{vid}{SUFFIX}") + _unlink(d / f"{vid}{SUFFIX}.wal")
    extracts = d / f"{vid}.extracts"
    if extracts.is_dir():
        shutil.rmtree(extracts, ignore_errors=True)
        removed.append(extracts)
    return removed + _unlink(d / f"{vid}.json")


def discard(target: Path, vid: str) -> None:
    """Remove an unpublished version (a preview nobody published)."""
    v = get(target, vid, published_only=False)
    if v.published or v.current:
        raise ValueError(f"{vid} is published")
    _remove_version_files(folder(target), vid)


def prune(target: Path, keep: int = KEEP) -> list[str]:
    """Remove published versions beyond the newest KEEP (never the current one) and previews
    older than UNPUBLISHED_HOURS. Returns the IDs removed."""
    d = folder(target)
    removed: list[str] = []
    published = [v for v in list_versions(target) if not v.current]
    current = [v for v in list_versions(target) if v.current]
    for v in published[max(keep - len(current), 0) :]:
        _remove_version_files(d, v.id)
        removed.append(v.id)
    cutoff = now_jst() - dt.timedelta(hours=UNPUBLISHED_HOURS)
    for v in list_versions(target, include_unpublished=True):
        if not v.published and not v.current:
            built = v.summary.get("built_at")
            try:
                old = dt.datetime.fromisoformat(built) < cutoff
            except (TypeError, ValueError):
                old = True
            if old:
                _remove_version_files(d, v.id)
                removed.append(v.id)
    return removed
