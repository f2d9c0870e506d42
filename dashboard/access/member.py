"""The Streamlit side of sign-in: who is running this page, read on every script run.

The gate (gate.py) has already refused anyone without a session at the websocket; this checks
again on each run, because a session may have idled out, been signed out elsewhere, or its
account disabled while the page stayed open. `streamlit run dashboard/app.py` (no gate) thus
shows nobody anything when sign-in is configured.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode, urlsplit

import streamlit as st

from dashboard.access import accounts, audit, sessions, settings
from dashboard.access.gate import signin_link
from dashboard.access.roles import LOCAL_USER, User
from dashboard.i18n import t

LINK_STYLE = "color:#005a8c;border:1px solid #0072B2;border-radius:.3rem;padding:.1rem .5rem;text-decoration:none"


def _current_path() -> str:
    """This page's path and query, to come back to after signing in."""
    path = urlsplit(st.context.url or "").path or "/"
    query = urlencode(st.query_params.to_dict())
    return path + (f"?{query}" if query else "")


def _stop_with(message: str, lang: str, msg: str | None = None) -> None:
    st.warning(message, icon=":material/lock:")
    # A plain link in this tab, as the sign-out link (st.link_button would open a new tab).
    href = html.escape(signin_link(_current_path(), lang, msg))
    st.html(f'<a href="{href}" style="{LINK_STYLE}">{html.escape(t("signin.go", lang))}</a>')
    st.stop()


def signed_in_user(lang: str) -> User:
    """The user of this run, or the page stops after a sign-in notice (nothing else drawn)."""
    if not settings.signin_required():
        ip = st.context.ip_address  # None on this machine (AppTest, without a client, gives a mock)
        if isinstance(ip, str) and ip and not settings.is_loopback(ip):  # another machine: no pages
            st.error(t("signin.local_only", lang), icon=":material/lock:")
            st.stop()
        return LOCAL_USER
    found = sessions.lookup(st.context.cookies.get(sessions.COOKIE))
    if found.expired:
        audit.record("session_expired", found.user)
        _stop_with(t("signin.expired", lang), lang, "expired")
    user = found.user
    if user is not None and user.method == "password":
        user = accounts.current_user(user.name)  # disabled or removed since signing in
        if user is None:
            sessions.end(st.context.cookies.get(sessions.COOKIE))
    if user is None:
        _stop_with(t("signin.needed", lang), lang)
    return user  # type: ignore[return-value]


def account_box(user: User, lang: str) -> None:
    """Who is signed in, and the way out (sidebar)."""
    if user.method == "local":
        st.sidebar.caption(t("account.local", lang))
        return
    who = html.escape(t("account.signed_in", lang, name=user.name, role=user.label(lang)))
    # A plain link in this tab (st.link_button would open a new one and leave this one signed in).
    st.sidebar.html(
        '<div style="font-size:.85rem;color:#4a5360;display:flex;gap:.6rem;align-items:center;flex-wrap:wrap">'
        f'<span>{who}</span> <a href="/signout" style="{LINK_STYLE}">{html.escape(t("account.signout", lang))}</a>'
        "</div>"
    )
