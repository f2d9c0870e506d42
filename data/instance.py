"""The installation's own folder: what belongs to one installation and never to the repository.

TSUNAGARI_INSTANCE names it (default `instance/` at the project's root, git-ignored). It holds the
record-key secret of the cell-key method now (record_key.secret), and later accounts and the audit
log. Files are created readable by the server's user only.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "TSUNAGARI_INSTANCE"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "instance"


def folder(create: bool = False) -> Path:
    path = Path(os.environ.get(ENV, "").strip() or DEFAULT)
    if create:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
