"""The gate in front of Streamlit (ASGI middleware and routes of st.App, dashboard/server.py).

With sign-in configured (settings.signin_required), a request without a live session gets the
sign-in page and nothing else: a page address is sent to /signin, the websocket that carries
every page's content is refused before it opens, and media (downloads), uploads and components
answer 401. So an anonymous browser receives no page, number or deck list at all.

Without sign-in, only this machine may connect (a client address that is not loopback, or a
request that came through a proxy, is refused): the server also refuses to listen beyond
127.0.0.1 then (settings.unsafe_address).

Sign-in: built-in accounts (POST /signin, accounts.verify with the lockout) or OIDC through
Streamlit's own st.login routes (/auth/login?provider=NAME → provider → /oauth2callback); a
fresh Streamlit login cookie whose e-mail is on auth.toml's allow-list becomes a session here.
"""

from __future__ import annotations

import html
import json
import logging
import math
import time
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request, cookie_parser
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from dashboard.access import accounts, audit, sessions, settings
from dashboard.access.roles import ROLES, User
from dashboard.i18n import normalise_lang, t

log = logging.getLogger("tsunagari.access")

SIGNIN, SIGNOUT, OIDC_START = "/signin", "/signout", "/signin/oidc"
# Open without a session: the sign-in and sign-out pages, Streamlit's OIDC routes, the health
# check, and the sign-in page's font and icon.
OPEN_PATHS = frozenset(
    {SIGNIN, SIGNOUT, OIDC_START, "/auth/login", "/auth/logout", "/oauth2callback", "/_stcore/health"}
)
OPEN_PREFIXES = ("/app/static/fonts/", "/app/static/icon.png")
STREAMLIT_USER_COOKIE = "_streamlit_user"
NEXT_COOKIE = "tsunagari_next"  # the page asked for before going to the OIDC provider
OIDC_FRESH_SECONDS = 300  # a Streamlit login cookie younger than this becomes a session, once
MAX_FORM_BYTES = 8192
MAX_NEXT = 2000
FORWARDED = (b"forwarded", b"x-forwarded-for", b"x-real-ip")


# ---- reading a request ----------------------------------------------------------------------


def _headers(scope) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope.get("headers", [])}


def _cookie(scope, name: str) -> str | None:
    raw = _headers(scope).get(b"cookie")
    # Starlette's lenient parser (as Request.cookies): one odd cookie does not hide the others.
    return cookie_parser(raw.decode("latin-1")).get(name) if raw else None


def session_user(scope) -> sessions.Lookup:
    return sessions.lookup(_cookie(scope, sessions.COOKIE))


def safe_next(value: str | None) -> str:
    """A path on this site to return to after signing in; anything else (another site, a
    scheme, backslashes, control characters) becomes '/'."""
    if not value or len(value) > MAX_NEXT or not value.startswith("/") or value.startswith("//"):
        return "/"
    if "\\" in value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path.startswith(SIGNIN):
        return "/"
    return value


def _lang(request: Request) -> str:
    return normalise_lang(request.query_params.get("lang"))


def _signin_url(next_path: str = "/", lang: str = "ja", msg: str | None = None) -> str:
    query = {"next": next_path}
    if lang != "ja":
        query["lang"] = lang
    if msg:
        query["msg"] = msg
    return f"{SIGNIN}?{urlencode(query)}"


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"


# ---- the middleware -------------------------------------------------------------------------


class Gate:
    """ASGI middleware: see the module docstring."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        if not settings.signin_required():
            if _local_request(scope):
                return await self.app(scope, receive, send)
            return await _refuse(scope, receive, send, local_only=True)
        path = scope.get("path", "/")
        if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
            return await self.app(scope, receive, send)
        found = session_user(scope)
        if found.user is not None and not found.expired and _still_allowed(scope, found.user):
            return await self.app(scope, receive, send)
        if found.expired:
            audit.record("session_expired", found.user)
        msg = "expired" if found.expired else None
        if scope["type"] == "http":
            fresh, denied = _fresh_oidc_user(scope)
            if fresh is not None:
                return await _start_session_redirect(scope, receive, send, fresh)
            msg = "denied" if denied else msg
        return await _refuse(scope, receive, send, msg=msg)


def _still_allowed(scope, user: User) -> bool:
    """Whether a built-in account disabled since it signed in may still open the websocket or
    fetch a download: no, and its session ends (other requests carry no data: left unchecked, so
    a page's dozens of static files do not each read the accounts file)."""
    path = scope.get("path", "")
    if user.method != "password" or not (scope["type"] == "websocket" or path.startswith("/media/")):
        return True
    if accounts.current_user(user.name) is not None:
        return True
    sessions.end(_cookie(scope, sessions.COOKIE))
    return False


def _local_request(scope) -> bool:
    client = scope.get("client")
    headers = _headers(scope)
    # A proxy on this machine would make every visitor look local: without sign-in, refuse it.
    return bool(client) and settings.is_loopback(client[0]) and not any(h in headers for h in FORWARDED)


async def _refuse(scope, receive, send, msg: str | None = None, local_only: bool = False) -> None:
    if scope["type"] == "websocket":
        # Closing before accepting makes the server answer the handshake with 403: no frame is sent.
        await send({"type": "websocket.close", "code": 1008})
        return
    request = Request(scope, receive)
    lang = _lang(request)
    if local_only:
        response: Response = HTMLResponse(_page(t("signin.local_only", lang), "", lang), status_code=403)
    elif request.method == "GET" and not scope["path"].startswith(("/_stcore/", "/media/", "/component/")):
        target = scope["path"] + (f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else "")
        response = RedirectResponse(_signin_url(safe_next(target), lang, msg), 303)
    else:
        response = PlainTextResponse("sign-in required / サインインが必要です", status_code=401)
    response.headers["Cache-Control"] = "no-store"
    await response(scope, receive, send)


# ---- OIDC: Streamlit's login cookie → a session ------------------------------------------------


def _streamlit_login(scope) -> dict | None:
    """The user info in Streamlit's signed login cookie (set by its /oauth2callback), or None."""
    if _cookie(scope, STREAMLIT_USER_COOKIE) is None and _cookie(scope, STREAMLIT_USER_COOKIE + "__1") is None:
        return None
    try:
        from streamlit.web.server.starlette.starlette_auth_routes import _get_cookie_value_from_request

        raw = _get_cookie_value_from_request(Request(scope), STREAMLIT_USER_COOKIE)
        info = json.loads(raw) if raw else None
    except Exception as exc:  # a bad signature or format is no login
        log.warning("unreadable Streamlit login cookie: %s", exc)
        return None
    return info if isinstance(info, dict) and info.get("is_logged_in") else None


def oidc_role(email: str) -> tuple[str, str | None] | None:
    """(role, org) that auth.toml's allow-list gives EMAIL (the address itself first, then its
    @domain), or None."""
    allow = settings.auth_settings().oidc.allow
    email = email.strip().lower()
    for key in (email, "@" + email.rpartition("@")[2]):
        value = allow.get(key)
        if not value:
            continue
        role, _, org = value.partition(":")
        if role in ROLES and (role != "org" or org):
            return role, (org or None)
        log.error("auth.toml: allow-list entry %r → %r is not a role (%s)", key, value, ", ".join(ROLES))
    return None


def _fresh_oidc_user(scope) -> tuple[User | None, bool]:
    """(the user of a fresh Streamlit login cookie on the allow-list, whether one was refused)."""
    info = _streamlit_login(scope)
    if info is None:
        return None, False
    email = str(info.get("email") or "")
    issued = info.get("iat")
    if not isinstance(issued, int | float) or time.time() - issued > OIDC_FRESH_SECONDS:
        return None, False  # an old login cookie (Streamlit's lasts 30 days): sign in through the provider again
    if not email or info.get("email_verified") is False:
        audit.record("signin_failed", name=email or "?", method="oidc", reason="no verified e-mail")
        return None, True
    mapped = oidc_role(email)
    if mapped is None:
        audit.record("signin_failed", name=email, method="oidc", reason="not on the allow-list")
        return None, True
    return User(name=email, role=mapped[0], org=mapped[1], method="oidc"), False


async def _start_session_redirect(scope, receive, send, user: User) -> None:
    request = Request(scope, receive)
    token = sessions.start(user)
    audit.record("signin", user, method=user.method)
    here = str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
    response = RedirectResponse(safe_next(request.cookies.get(NEXT_COOKIE) or here), 303)
    _set_session_cookie(response, token, request)
    response.delete_cookie(NEXT_COOKIE, path="/")
    await response(scope, receive, send)


def _set_session_cookie(response: Response, token: str, request: Request) -> None:
    response.set_cookie(sessions.COOKIE, token, httponly=True, samesite="lax", path="/", secure=_is_https(request))
    response.headers["Cache-Control"] = "no-store"


# ---- the sign-in page -----------------------------------------------------------------------

_CSS = """
@font-face{font-family:"BIZ UDPGothic";src:url("/app/static/fonts/BIZUDPGothic-Regular.ttf");font-weight:400}
@font-face{font-family:"BIZ UDPGothic";src:url("/app/static/fonts/BIZUDPGothic-Bold.ttf");font-weight:700}
*{box-sizing:border-box}
body{margin:0;font-family:"BIZ UDPGothic",sans-serif;color:#1f2328;background:#f5f7fa;line-height:1.7}
main{max-width:28rem;margin:8vh auto;padding:2rem;background:#fff;border:1px solid #c9d1d9;border-radius:.5rem}
h1{font-size:1.4rem;margin:0 0 .2rem}
.sub{color:#4a5360;font-size:.9rem;margin:0 0 1.2rem}
label{display:block;font-weight:700;margin-top:1rem}
input{width:100%;font:inherit;padding:.55rem .6rem;border:1px solid #6b7480;border-radius:.3rem;margin-top:.25rem}
input:focus,button:focus,a:focus{outline:3px solid #0072B2;outline-offset:2px}
button,.oidc{display:block;width:100%;margin-top:1.4rem;padding:.65rem;font:inherit;font-weight:700;color:#fff;
 background:#0072B2;border:0;border-radius:.3rem;text-align:center;text-decoration:none;cursor:pointer}
.oidc{background:#fff;color:#005a8c;border:2px solid #0072B2}
.msg{padding:.6rem .8rem;border-radius:.3rem;margin:1rem 0;background:#fff4e5;border:1px solid #b35900;color:#5c2d00}
.or{text-align:center;color:#4a5360;margin:1.2rem 0 0}
.lang{float:right;font-size:.9rem;color:#005a8c}
"""


def _page(message: str, body: str, lang: str, kind: str = "msg") -> str:
    title = t("app.title", lang)
    msg = f'<p class="{kind}" role="alert">{html.escape(message)}</p>' if message else ""
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(t('signin.title', lang))} | {html.escape(title)}</title>"
        f'<link rel="icon" href="/app/static/icon.png"><style>{_CSS}</style></head>'
        f"<body><main><h1>{html.escape(title)}</h1>"
        f'<p class="sub">{html.escape(t("app.subtitle", lang))}</p>{msg}{body}</main></body></html>'
    )


def signin_page(lang: str, next_path: str, message: str = "", name: str = "") -> str:
    other = "en" if lang == "ja" else "ja"
    parts = [
        f'<a class="lang" href="{html.escape(_signin_url(next_path, other))}" lang="{other}">'
        f"{html.escape(t('signin.other_lang', lang))}</a>",
        f"<h2>{html.escape(t('signin.title', lang))}</h2>",
        f"<p>{html.escape(t('signin.lead' if settings.accounts_configured() else 'signin.lead_oidc', lang))}</p>",
    ]
    if settings.accounts_configured():
        parts.append(
            f'<form method="post" action="{SIGNIN}?{html.escape(urlencode({"lang": lang}))}">'
            f'<input type="hidden" name="next" value="{html.escape(next_path)}">'
            f'<label for="name">{html.escape(t("signin.name", lang))}</label>'
            f'<input id="name" name="name" autocomplete="username" required maxlength="64" value="{html.escape(name)}"'
            f"{'' if name else ' autofocus'}>"
            f'<label for="password">{html.escape(t("signin.password", lang))}</label>'
            f'<input id="password" name="password" type="password" autocomplete="current-password" required'
            f' maxlength="{accounts.MAX_PASSWORD}"{" autofocus" if name else ""}>'
            f'<button type="submit">{html.escape(t("signin.submit", lang))}</button></form>'
        )
    providers = settings.oidc_providers()
    if providers and settings.accounts_configured():
        parts.append(f'<p class="or">{html.escape(t("signin.or", lang))}</p>')
    for provider in providers:
        href = f"{OIDC_START}?{urlencode({'provider': provider, 'next': next_path})}"
        parts.append(
            f'<a class="oidc" href="{html.escape(href)}">{html.escape(t("signin.oidc", lang, provider=provider))}</a>'
        )
    return _page(message, "".join(parts), lang)


def _message(request: Request, lang: str) -> str:
    msg = request.query_params.get("msg")
    if msg in ("expired", "signed_out"):
        return t(f"signin.{msg}", lang)
    if msg == "denied":
        info = _streamlit_login(request.scope) or {}
        return t("signin.oidc_denied", lang, email=str(info.get("email") or "?"))
    return ""


async def signin_get(request: Request) -> Response:
    lang = _lang(request)
    page = signin_page(lang, safe_next(request.query_params.get("next")), _message(request, lang))
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


def _same_origin(request: Request) -> bool:
    """The form came from this site (Origin, else Referer, matches Host); a browser always sends one."""
    sent = request.headers.get("origin") or request.headers.get("referer")
    if not sent or sent == "null":
        return False
    return urlsplit(sent).netloc == request.headers.get("host", "")


async def signin_post(request: Request) -> Response:
    lang = _lang(request)
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        return PlainTextResponse("request too large", status_code=413)
    if not _same_origin(request):
        return HTMLResponse(signin_page(lang, "/", t("signin.bad_origin", lang)), status_code=403)
    form = await request.form(max_files=0, max_fields=8, max_part_size=MAX_FORM_BYTES)
    name = str(form.get("name") or "").strip()[:64]
    password = str(form.get("password") or "")
    next_path = safe_next(str(form.get("next") or "/"))
    if not settings.accounts_configured():
        return RedirectResponse(_signin_url(next_path, lang), 303)
    result = accounts.verify(name, password)
    if result.user is None:
        event = "signin_locked" if result.reason == "locked" else "signin_failed"
        audit.record(event, name=name, method="password", reason=result.reason)
        if result.wait_seconds > 0:
            message = t("signin.locked", lang, minutes=max(1, math.ceil(result.wait_seconds / 60)))
        else:
            message = t(f"signin.{result.reason}", lang)
        return HTMLResponse(signin_page(lang, next_path, message, name), status_code=401)
    token = sessions.start(result.user)
    audit.record("signin", result.user, method="password")
    response = RedirectResponse(next_path, 303)
    _set_session_cookie(response, token, request)
    return response


async def signout(request: Request) -> Response:
    token = request.cookies.get(sessions.COOKIE)
    user = sessions.end(token)
    if user is not None:
        audit.record("signout", user)
    lang = _lang(request)
    if user is not None and user.method == "oidc":
        target = "/auth/logout"  # Streamlit clears its login cookie (and asks the provider to end its session)
    else:
        target = _signin_url("/", lang, "signed_out")
    response = RedirectResponse(target, 303)
    response.delete_cookie(sessions.COOKIE, path="/")
    response.headers["Cache-Control"] = "no-store"
    return response


async def oidc_start(request: Request) -> Response:
    """Off to the provider as st.login does: Streamlit's own login URL with its signed, short-lived
    provider token, made at the moment of the click."""
    provider = request.query_params.get("provider", "")
    if provider not in settings.oidc_providers():
        return RedirectResponse(_signin_url("/", _lang(request)), 303)
    from streamlit.user_info import generate_login_redirect_url

    try:
        target = generate_login_redirect_url(provider)
    except Exception as exc:  # secrets.toml incomplete: the administrator's log says what
        log.error("OIDC provider %r cannot start a sign-in: %s", provider, exc, exc_info=True)
        return PlainTextResponse("sign-in with this provider is not available / このサインインは利用できません", 503)
    response = RedirectResponse(target, 303, headers={"Cache-Control": "no-store"})
    # Streamlit's callback returns to '/': remember where the member was going for a few minutes.
    next_path = safe_next(request.query_params.get("next"))
    response.set_cookie(NEXT_COOKIE, next_path, max_age=OIDC_FRESH_SECONDS, httponly=True, samesite="lax", path="/")
    return response


def routes() -> list[Route]:
    return [
        Route(SIGNIN, signin_get, methods=["GET"]),
        Route(OIDC_START, oidc_start, methods=["GET"]),
        Route(SIGNIN, signin_post, methods=["POST"]),
        Route(SIGNOUT, signout, methods=["GET"]),
    ]


def signin_link(next_path: str, lang: str, msg: str | None = None) -> str:
    return _signin_url(safe_next(next_path), lang, msg)
