"""The installation's sign-in configuration, read from the instance folder (TSUNAGARI_INSTANCE,
default instance/, git-ignored):

- accounts.json: built-in accounts (python -m dashboard users ...); argon2id hashes only.
- secrets.toml: Streamlit's [auth] section for OIDC (st.login), read once at server start.
- auth.toml (optional): session idle time, lockout, and the OIDC allow-list::

      [session]
      idle_hours = 8
      [lockout]
      attempts = 5
      minutes = 15
      [oidc]
      provider = "city"                       # the [auth.city] section of secrets.toml
      [oidc.allow]                            # e-mail address or @domain → role (org:ORG_ID)
      "suzuki@city.tsuruoka.lg.jp" = "secretariat"
      "@city.tsuruoka.lg.jp" = "member"
      "info@npo.example.jp" = "org:ORG001"

Sign-in is on when accounts.json or secrets.toml's [auth] exists. With sign-in off the server
may listen on this machine only (127.0.0.1); settings.unsafe_address says when it may not start.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from data import instance

log = logging.getLogger("tsunagari.access")

ACCOUNTS = "accounts.json"
SECRETS = "secrets.toml"
AUTH = "auth.toml"
AUDIT = "audit.log"
FAILURES = "signin_failures.json"

DEFAULT_IDLE_HOURS = 8.0
DEFAULT_LOCKOUT_ATTEMPTS = 5
DEFAULT_LOCKOUT_MINUTES = 15.0
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def path(name: str) -> Path:
    return instance.folder() / name


def _read_toml(file: Path) -> dict:
    """The TOML at FILE ({} when absent; the caller must not change it). Parsed again only when
    the file changes: the gate asks on every request. A broken file is logged once and read as {}
    here, but signin_required() still counts it as configured, so nobody gets in by breaking it."""
    try:
        st = file.stat()
    except FileNotFoundError:
        return {}
    return _parsed_toml(str(file), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=8)
def _parsed_toml(file: str, _mtime_ns: int, _size: int) -> dict:
    try:
        with open(file, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        log.error("cannot read %s: %s", file, exc)
        return {}


@dataclass(frozen=True)
class OidcSettings:
    provider: str | None = None
    allow: dict[str, str] = field(default_factory=dict)  # address or @domain → role or org:ID


@dataclass(frozen=True)
class AuthSettings:
    idle_seconds: float = DEFAULT_IDLE_HOURS * 3600
    lockout_attempts: int = DEFAULT_LOCKOUT_ATTEMPTS
    lockout_seconds: float = DEFAULT_LOCKOUT_MINUTES * 60
    oidc: OidcSettings = field(default_factory=OidcSettings)


def _positive(value: object, default: float) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 else default


def auth_settings() -> AuthSettings:
    """auth.toml, read at each call (a small file; the idle time can change without a restart)."""
    raw = _read_toml(path(AUTH))
    session, lockout, oidc = (raw.get(k, {}) for k in ("session", "lockout", "oidc"))
    allow = oidc.get("allow", {}) if isinstance(oidc, dict) else {}
    return AuthSettings(
        idle_seconds=_positive(session.get("idle_hours"), DEFAULT_IDLE_HOURS) * 3600,
        lockout_attempts=int(_positive(lockout.get("attempts"), DEFAULT_LOCKOUT_ATTEMPTS)),
        lockout_seconds=_positive(lockout.get("minutes"), DEFAULT_LOCKOUT_MINUTES) * 60,
        oidc=OidcSettings(
            provider=oidc.get("provider") if isinstance(oidc.get("provider"), str) else None,
            allow={str(k).strip().lower(): str(v).strip() for k, v in allow.items()} if isinstance(allow, dict) else {},
        ),
    )


def streamlit_secrets() -> dict | None:
    """secrets.toml of the instance folder, for st.App(secrets=...): st.login reads [auth] there."""
    raw = _read_toml(path(SECRETS))
    return raw or None


def oidc_providers() -> list[str]:
    """The provider names of secrets.toml's [auth.NAME] sections."""
    auth = (streamlit_secrets() or {}).get("auth", {})
    return [k for k, v in auth.items() if isinstance(v, dict)] if isinstance(auth, dict) else []


def oidc_configured() -> bool:
    file = path(SECRETS)
    if not file.is_file():
        return False
    raw = _read_toml(file)
    return not raw or "auth" in raw  # an unreadable file counts as configured: sign-in stays on


def accounts_configured() -> bool:
    return path(ACCOUNTS).is_file()


def signin_required() -> bool:
    """Sign-in is on when accounts.json or secrets.toml's [auth] is in the instance folder."""
    return accounts_configured() or oidc_configured()


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def unsafe_address(address: str | None) -> str | None:
    """Why the server may not listen on ADDRESS (None when it may): beyond this machine (any
    address but loopback, including '' = every interface) only with sign-in configured."""
    if is_loopback(address) or signin_required():
        return None
    where = address or "0.0.0.0 (all interfaces)"
    return (
        f"サインインが設定されていないため、{where} では起動できません。"
        f"この端末だけで使う場合は make run（127.0.0.1）を、ネットワークに公開する場合は先に"
        f"利用者を登録してください（python -m dashboard users add NAME --role ROLE）。\n"
        f"Refusing to listen on {where}: no sign-in is configured in the instance folder "
        f"({instance.folder()}). Use `make run` (127.0.0.1 only) on this machine, or add accounts "
        f"first (python -m dashboard users add NAME --role ROLE) or configure OIDC; see README."
    )
