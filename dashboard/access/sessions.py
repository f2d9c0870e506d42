"""Signed-in browsers: a random token in an HttpOnly cookie names a session held in this server's
memory (never on disk: a restart signs everyone out). A session ends when idle longer than
auth.toml's idle time (default 8 hours), when its user signs out, or when its account is disabled.

The gate (ASGI, event loop) and script runs (threads) both read it: one lock.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from dashboard.access import settings
from dashboard.access.roles import User

COOKIE = "tsunagari_session"


@dataclass
class Session:
    user: User
    created: float
    last_seen: float


_sessions: dict[str, Session] = {}
_lock = threading.Lock()


def _key(token: str) -> str:
    # Only the token's hash is kept, so a dump of the server's memory holds no usable cookie.
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def start(user: User, now: float | None = None) -> str:
    """A new session for USER; the token for its cookie."""
    now = time.time() if now is None else now
    token = secrets.token_urlsafe(32)
    with _lock:
        _sessions[_key(token)] = Session(user, now, now)
    return token


@dataclass(frozen=True)
class Lookup:
    user: User | None
    expired: bool = False


def lookup(token: str | None, now: float | None = None, touch: bool = True) -> Lookup:
    """The session of TOKEN: its user (None when unknown), expired=True when it has just ended by
    idling. TOUCH marks it used now."""
    if not token or len(token) > 200:
        return Lookup(None)
    now = time.time() if now is None else now
    idle = settings.auth_settings().idle_seconds
    key = _key(token)
    with _lock:
        session = _sessions.get(key)
        if session is None:
            return Lookup(None)
        if now - session.last_seen > idle:
            del _sessions[key]
            return Lookup(session.user, expired=True)
        if touch:
            session.last_seen = now
        return Lookup(session.user)


def end(token: str | None) -> User | None:
    if not token:
        return None
    with _lock:
        session = _sessions.pop(_key(token), None)
    return session.user if session else None


def end_all(name: str) -> int:
    """End every session of user NAME (disabled, password changed); how many ended."""
    with _lock:
        keys = [k for k, s in _sessions.items() if s.user.name == name]
        for k in keys:
            del _sessions[k]
    return len(keys)


def count() -> int:
    with _lock:
        return len(_sessions)
