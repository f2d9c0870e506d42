"""Updating the data from the browser: stage, check and build a new version, compare, publish.

The data page (dashboard/views/data_admin.py) calls these in order; nothing a member sees changes
until `publish`:

1. `stage` copies the extracts of the current version (kept with it, data/versions.py) into a
   private folder of the instance folder and lays the uploaded files over them: a file replaces
   the extract's current file (for the survey, the file of the same wave name; a new name adds a
   wave). A name no extract has is refused here, before anything is read.
2. `build_pending` reads, validates, weights and builds the staged folder into an unpublished
   version (the same code as `python -m data build`, with its progress), holding the build lock;
   a second one while it runs is refused (versions.Busy). Refused extracts raise BuildRefused
   with the problem list.
3. `compare` sets the new version beside the current one: rows per file, waves, months and
   organisations added or changed.
4. `publish` switches to it (under the lock), only if the current version is still the one it was
   staged from; `discard` removes it.
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from data import build, codebook, instance, versions
from data.problems import BuildRefused, Problem
from data.readers import SUFFIXES, extract_of

MAX_UPLOAD_BYTES = 200 * 2**20  # Streamlit's own upload limit; said here so the check is ours


class Outdated(RuntimeError):
    """The current version changed since this one was staged: stage again."""


@dataclass
class Staged:
    folder: Path
    base: str | None  # the version it was staged from
    uploaded: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)  # files of the base version replaced


def staging_root() -> Path:
    return instance.folder(create=True) / "staging"


def _unknown_name(name: str) -> Problem:
    return Problem(
        name,
        None,
        None,
        None,
        "ファイル名が取り込み形式のどれにも当たりません（survey_responses_2025.csv、activity.csv、"
        "organisations.xlsx など。拡張子は .csv か .xlsx）",
        "the file name matches no extract (e.g. survey_responses_2025.csv, activity.csv, organisations.xlsx; "
        ".csv or .xlsx)",
    )


def _safe_name(name: str) -> str:
    """The file name alone (a browser may send a path); never a hidden or relative name."""
    base = Path(name.replace("\\", "/")).name
    return base if base and not base.startswith(".") else ""


def stage(target: Path, uploads: list[tuple[str, bytes]]) -> Staged:
    """The current version's extracts with UPLOADS laid over them, in a new private folder.
    Raises BuildRefused when a file's name is no extract's (nothing is written then)."""
    problems = []
    named: list[tuple[str, str, bytes]] = []
    for name, data in uploads:
        safe = _safe_name(name)
        extract = extract_of(safe) if safe and Path(safe).suffix.lower() in SUFFIXES else None
        if extract is None:
            problems.append(_unknown_name(name))
        elif len(data) > MAX_UPLOAD_BYTES:
            problems.append(
                Problem(
                    safe,
                    None,
                    None,
                    None,
                    "ファイルが大きすぎます（200 MB まで）",
                    "the file is too large (200 MB at most)",
                )
            )
        else:
            named.append((safe, extract, data))
    if problems:
        raise BuildRefused(problems)
    root = staging_root()
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    remove_stale(root)
    folder = root / f"{dt.datetime.now(versions.JST):%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"
    folder.mkdir(mode=0o700)
    base = versions.current_id(target)
    if base is not None:
        kept = versions.get(target, base).extracts
        if kept.is_dir():
            for path in kept.iterdir():
                shutil.copy2(path, folder / path.name)
    staged = Staged(folder, base)
    for safe, extract, data in named:
        wildcard = any(ch in codebook.extract(extract)["file_pattern"] for ch in "*?[")
        for old in sorted(folder.iterdir()):
            same = Path(old.name).stem == Path(safe).stem if wildcard else extract_of(old.name) == extract
            if same:
                staged.replaced.append(old.name)
                old.unlink()
        (folder / safe).write_bytes(data)
        staged.uploaded.append(safe)
    return staged


def remove_stale(root: Path, hours: float = versions.UNPUBLISHED_HOURS) -> list[Path]:
    """Remove staging folders older than HOURS (a preview abandoned by closing the browser): they
    hold uploaded, respondent-level extracts nobody would otherwise find. As old as the unpublished
    versions the next build prunes (versions.UNPUBLISHED_HOURS)."""
    cutoff = time.time() - hours * 3600
    removed = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if folder.is_dir() and not folder.name.startswith(".") and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def build_pending(
    target: Path, staged: Staged, by: str | None, source: str, progress: build.Progress = build._no_progress
) -> versions.Version:
    """Check and build the staged folder into an unpublished version of TARGET. Raises
    versions.Busy (another build runs) or BuildRefused (the problem list)."""
    built_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    with versions.lock(target):
        versions.remove_leftovers(target)
        loaded = build.load_extracts(staged.folder, built_at, is_demo=False, progress=progress)
        summary = build.summary_of(loaded, built_at, source, by, is_demo=False)
        summary["base"] = staged.base
        summary["warnings"] = len(loaded.warnings)
        return build.write_version(target, loaded, summary, progress=progress)


def compare(target: Path, pending: versions.Version) -> dict:
    """What the new version changes against the current one: per file, rows before and after and
    whether its content changed; waves, months and organisations added."""
    base_id = versions.current_id(target)
    base = versions.get(target, base_id).summary if base_id else {}
    new = pending.summary
    before = {f["file_name"]: f for f in base.get("files", [])}
    after = {f["file_name"]: f for f in new.get("files", [])}
    files = []
    for name in sorted(before.keys() | after.keys()):
        b, a = before.get(name), after.get(name)
        files.append(
            {
                "file": name,
                "rows_before": None if b is None else b["rows"],
                "rows_after": None if a is None else a["rows"],
                "changed": b is None or a is None or b["sha256"] != a["sha256"],
            }
        )
    return {
        "files": files,
        "waves_added": sorted(set(new.get("waves", [])) - set(base.get("waves", []))),
        "months_before": base.get("months", []),
        "months_after": new.get("months", []),
        "organisations_before": base.get("organisations"),
        "organisations_after": new.get("organisations"),
        "responses_before": base.get("responses"),
        "responses_after": new.get("responses"),
    }


def publish(target: Path, pending: versions.Version, by: str | None, keep: int = versions.KEEP) -> list[str]:
    """Make PENDING current, if the current version is still the one it was built from. Returns
    the versions pruned. Raises versions.Busy or Outdated."""
    with versions.lock(target):
        if versions.current_id(target) != pending.summary.get("base"):
            raise Outdated(pending.id)
        versions.publish(target, pending.id, by)
    versions.record_publish(target, pending.id, by)
    return versions.prune(target, keep)


def discard(target: Path, pending: versions.Version | None, staged: Staged | None) -> None:
    """Remove an unpublished version and its staging folder (either may be None)."""
    if pending is not None:
        try:
            versions.discard(target, pending.id)
        except (versions.UnknownVersion, ValueError):
            pass
    if staged is not None:
        shutil.rmtree(staged.folder, ignore_errors=True)
