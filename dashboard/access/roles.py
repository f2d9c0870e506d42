"""The roles and what each may do: the one place that says who may write.

member (会員): every page, downloads, the presenter, decks read-only.
secretariat (事務局): as member, plus saving and deleting decks, the data pages, user management
and the audit log.
org (団体): a member tied to one organisation (its monthly submissions, next issue).

Every write calls require() in the code that writes, not only where a button is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("member", "secretariat", "org")
ROLE_LABELS = {
    "member": {"ja": "会員", "en": "member"},
    "secretariat": {"ja": "事務局", "en": "secretariat"},
    "org": {"ja": "団体", "en": "organisation"},
}

# action → the roles allowed to do it
PERMISSIONS: dict[str, frozenset[str]] = {
    "view": frozenset(ROLES),
    "download": frozenset(ROLES),
    "present": frozenset(ROLES),
    "deck.save": frozenset({"secretariat"}),
    "deck.delete": frozenset({"secretariat"}),
    "data.manage": frozenset({"secretariat"}),
    "users.manage": frozenset({"secretariat"}),
    "audit.read": frozenset({"secretariat"}),
    "submission.send": frozenset({"org", "secretariat"}),
}


class Forbidden(PermissionError):
    """USER may not do ACTION. The message names the action and role, never a path."""

    def __init__(self, user: User | None, action: str):
        self.user, self.action = user, action
        who = f"{user.name} ({user.role})" if user else "anonymous"
        super().__init__(f"{who} may not {action}")


@dataclass(frozen=True)
class User:
    name: str
    role: str
    org: str | None = None
    method: str = "password"  # password | oidc | local (this machine, sign-in not configured)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; roles: {', '.join(ROLES)}")

    def label(self, lang: str) -> str:
        return ROLE_LABELS[self.role][lang]


# The person at the server's own keyboard when no sign-in is configured: the server then listens
# on 127.0.0.1 only (settings.refuse_unsafe_address), so this is whoever runs `make run`.
LOCAL_USER = User(name="localhost", role="secretariat", method="local")


def allowed(user: User | None, action: str) -> bool:
    if action not in PERMISSIONS:
        raise KeyError(f"unknown action {action!r}")
    return user is not None and user.role in PERMISSIONS[action]


def require(user: User | None, action: str) -> User:
    """USER if allowed to do ACTION, else Forbidden."""
    if not allowed(user, action):
        raise Forbidden(user, action)
    return user  # type: ignore[return-value]
