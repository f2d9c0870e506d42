"""Built-in accounts for a city without an identity provider, and the lockout after failed
sign-ins.

accounts.json in the instance folder holds, per name: role, organisation, disabled, and the
argon2id hash of the password (argon2-cffi's PasswordHasher, whose default type is argon2id);
never a password. signin_failures.json holds recent failed attempts per name, so a restart does
not lift a lockout. Both files are written whole (temporary file, then rename) and readable by the
server's user only.
"""

from __future__ import annotations

import functools
import json
import os
import re
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from dashboard.access import settings
from dashboard.access.roles import ROLES, User

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # argon2 hashes any length; a bound keeps a hostile form from costing memory

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
_lock = threading.Lock()


@functools.cache
def _dummy_hash() -> str:
    """Verified for unknown names too, so a wrong name takes as long as a wrong password."""
    return _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """A refused account change; the message is for the person at the command line."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    org: str | None
    disabled: bool
    hash: str
    created: str
    changed: str

    def user(self) -> User:
        return User(name=self.name, role=self.role, org=self.org, method="password")


# ---- the files ------------------------------------------------------------------------------


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)
    tmp.replace(path)


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return data if isinstance(data, dict) else {}


def load() -> dict[str, Account]:
    raw = _read_json(settings.path(settings.ACCOUNTS)).get("accounts", {})
    return {name: Account(name=name, **fields) for name, fields in raw.items()}


def _save(accounts: dict[str, Account]) -> None:
    body = {n: {k: v for k, v in asdict(a).items() if k != "name"} for n, a in sorted(accounts.items())}
    _write_json(settings.path(settings.ACCOUNTS), {"format": 1, "accounts": body})


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---- changes (python -m dashboard users ...) ------------------------------------------------


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


def add(name: str, role: str, password: str, org: str | None = None) -> Account:
    if not NAME_RE.fullmatch(name):
        raise AccountError("a name uses letters, digits, . _ @ - (at most 64), e.g. suzuki")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    if role == "org" and not org:
        raise AccountError("an org account needs --org ORG_ID (the organisation it sends figures for)")
    with _lock:
        accounts = load()
        if name in accounts:
            raise AccountError(f"{name!r} exists; change its password with `users passwd {name}`")
        now = _now()
        account = Account(name, role, org, False, _hasher.hash(check_password(password)), now, now)
        accounts[name] = account
        _save(accounts)
    return account


def _change(name: str, **fields) -> Account:
    with _lock:
        accounts = load()
        if name not in accounts:
            raise AccountError(f"no account named {name!r}")
        account = Account(**{**asdict(accounts[name]), **fields, "changed": _now()})
        accounts[name] = account
        _save(accounts)
    return account


def set_password(name: str, password: str) -> Account:
    return _change(name, hash=_hasher.hash(check_password(password)))


def set_disabled(name: str, disabled: bool = True) -> Account:
    return _change(name, disabled=disabled)


# ---- signing in -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    user: User | None
    reason: str  # ok | wrong | locked (not even checked) | disabled
    wait_seconds: float = 0.0  # > 0: the name now waits this long


def _failures() -> dict[str, list[float]]:
    return {k: v for k, v in _read_json(settings.path(settings.FAILURES)).items() if isinstance(v, list)}


def locked_for(name: str, now: float | None = None) -> float:
    """Seconds NAME still waits (0 when it may try): lockout_attempts failures, each within
    lockout_seconds of the first of them, lock the name for lockout_seconds after the last."""
    cfg = settings.auth_settings()
    now = time.time() if now is None else now
    stamps = sorted(_failures().get(name, []))[-cfg.lockout_attempts :]
    if len(stamps) < cfg.lockout_attempts or stamps[-1] - stamps[0] >= cfg.lockout_seconds:
        return 0.0
    return max(0.0, stamps[-1] + cfg.lockout_seconds - now)


def _record_failure(name: str, now: float) -> None:
    cfg = settings.auth_settings()
    # Names whose last failure is older than the lockout no longer matter (a stream of made-up
    # names cannot grow the file); of a name, the last few failures are all the lockout needs.
    failures = {k: v for k, v in _failures().items() if v and now - max(v) < cfg.lockout_seconds}
    failures[name] = sorted([*failures.get(name, []), now])[-cfg.lockout_attempts :]
    _write_json(settings.path(settings.FAILURES), failures)


def _clear_failures(name: str) -> None:
    failures = _failures()
    if failures.pop(name, None) is not None:
        _write_json(settings.path(settings.FAILURES), failures)


def verify(name: str, password: str, now: float | None = None) -> SignIn:
    """Check NAME and PASSWORD. After lockout_attempts failures within lockout_seconds the name
    waits (even with the right password); unknown names count like known ones, so the answer
    never tells whether a name exists."""
    now = time.time() if now is None else now
    name = name.strip()[:64]
    password = password[:MAX_PASSWORD]
    with _lock:
        wait = locked_for(name, now)
        if wait > 0:
            return SignIn(None, "locked", wait)
        account = load().get(name)
        try:
            _hasher.verify(account.hash if account else _dummy_hash(), password)
            ok = account is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok:
            _record_failure(name, now)
            return SignIn(None, "wrong", locked_for(name, now))  # wait > 0: that was the last try
        _clear_failures(name)
    if account.disabled:
        return SignIn(None, "disabled")
    if _hasher.check_needs_rehash(account.hash):  # parameters raised since: store the stronger hash
        _change(name, hash=_hasher.hash(password))
    return SignIn(account.user(), "ok")


def current_user(name: str) -> User | None:
    """NAME's user as the accounts file says now (None when removed or disabled since)."""
    account = load().get(name)
    return None if account is None or account.disabled else account.user()
