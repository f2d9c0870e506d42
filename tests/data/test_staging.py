"""data/staging.py: an abandoned preview's staging folder (uploaded, respondent-level extracts) is
removed by the next upload once it is as old as an unpublished version the build prunes."""

from __future__ import annotations

import os
import time

from data import staging, versions


def _aged(folder, hours: float) -> None:
    folder.mkdir(parents=True)
    (folder / "survey_responses_2025.csv").write_text("respondent rows\n", encoding="utf-8")
    when = time.time() - hours * 3600
    os.utime(folder, (when, when))


def test_the_next_upload_removes_staging_folders_older_than_a_day_and_keeps_newer_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("TSUNAGARI_INSTANCE", str(tmp_path / "instance"))
    root = staging.staging_root()
    old = root / "20261101-090000-0123abcd"
    recent = root / "20261129-090000-4567cdef"
    _aged(old, versions.UNPUBLISHED_HOURS + 1)
    _aged(recent, versions.UNPUBLISHED_HOURS - 1)

    staged = staging.stage(tmp_path / "db" / "tsunagari.duckdb", [])

    assert not old.exists(), "an abandoned preview's extracts stayed in the instance folder"
    assert recent.is_dir() and staged.folder.is_dir()
    assert sorted(p.name for p in root.iterdir()) == sorted([recent.name, staged.folder.name])


def test_remove_stale_leaves_hidden_entries_and_files_alone(tmp_path):
    root = tmp_path / "staging"
    _aged(root / ".keep-me", 100)
    root.joinpath("note.txt").write_text("x", encoding="utf-8")
    assert staging.remove_stale(root) == []
    assert (root / ".keep-me").is_dir() and (root / "note.txt").is_file()
