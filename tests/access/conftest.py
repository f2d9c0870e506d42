"""Each test of the access package gets its own instance folder (accounts, audit log, lockout)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def instance(tmp_path, monkeypatch):
    folder = tmp_path / "instance"
    monkeypatch.setenv("TSUNAGARI_INSTANCE", str(folder))
    return folder
