"""Record keys of the cell-key method: a keyed hash of each record's identity.

A record's key (0..255) must be
- stable across rebuilds of the same records: a key drawn at random each build would give every
  cell new noise, and the difference between two builds' outputs would average the noise away;
- unguessable: whoever knew the keys could work out every cell key and undo the noise.
So the key is BLAKE2b, keyed with a secret of this installation (32 random bytes made at the first
build, kept in the instance folder: never in the repository, never in the database), of the
record's identity: a respondent's wave and response_id, an activity row's organisation, month,
district and field, a referral row's month and pair of organisations.

A new secret means new keys, hence new noise on every figure: acceptable only when nothing
published before can be set beside what is published after (a new installation, a leaked secret,
or all outputs withdrawn); otherwise keep the file with the installation's backups.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from data import instance

SECRET_FILE = "record_key.secret"
SECRET_BYTES = 32
_SEP = "\x1f"  # unit separator: cannot occur in an identity field (control characters are refused)


def secret_path() -> Path:
    return instance.folder() / SECRET_FILE


def load_secret(create: bool = True) -> bytes:
    """The installation's secret, made (once, readable by the owner only) when missing."""
    path = secret_path()
    if path.exists():
        raw = bytes.fromhex(path.read_text(encoding="ascii").strip())
        if len(raw) != SECRET_BYTES:
            raise ValueError(f"{path} does not hold a {SECRET_BYTES}-byte secret")
        return raw
    if not create:
        raise FileNotFoundError(path)
    instance.folder(create=True)
    raw = secrets.token_bytes(SECRET_BYTES)
    # O_EXCL: two builds starting together keep one secret (the loser reads the winner's)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_secret(create=False)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(raw.hex() + "\n")
    return raw


def keys(kind: str, identities: Iterable[Sequence], secret: bytes) -> np.ndarray:
    """Record keys 0..255 (uint8) of records of KIND (survey | activity | referral) by identity."""
    base = hashlib.blake2b(key=secret, digest_size=8, person=kind.encode("ascii")[:16])
    out = []
    for ident in identities:
        h = base.copy()
        h.update(_SEP.join(map(str, ident)).encode("utf-8"))
        out.append(h.digest()[0])
    return np.array(out, dtype=np.uint8)


# The identity of a record in each table (the extract's unique key).
IDENTITY = {
    "responses": ("survey", ("wave", "response_id")),
    "activity": ("activity", ("org_id", "month", "district", "field")),
    "referrals": ("referral", ("month", "from_org", "to_org")),
}


def _text(col: pd.Series) -> list[str]:
    if pd.api.types.is_datetime64_any_dtype(col):
        return col.dt.strftime("%Y-%m").tolist()
    if hasattr(col.iloc[0] if len(col) else None, "strftime"):
        return [v.strftime("%Y-%m") for v in col]
    return col.astype(str).tolist()


def with_record_keys(table: str, df: pd.DataFrame, secret: bytes) -> pd.DataFrame:
    """DF with its `record_key` column (tables without record keys are returned as they are)."""
    if table not in IDENTITY:
        return df
    kind, cols = IDENTITY[table]
    ids = zip(*(_text(df[c]) for c in cols))
    out = df.copy()
    out["record_key"] = keys(kind, ids, secret).astype(np.int16)
    return out
