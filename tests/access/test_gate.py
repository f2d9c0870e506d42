"""The gate, attacked as an outsider would: every path, method and cookie an anonymous client can
try, a forged session, a proxy header, a hostile 'next' link and a cross-site form. Behind the gate
sits a stand-in app whose every answer holds SECRET; the attack counts how often SECRET comes back.
"""

from __future__ import annotations

import string
import warnings

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocketDisconnect

with warnings.catch_warnings():  # Starlette 1.10 asks for httpx2; httpx (what st.login needs) works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from dashboard.access import accounts, gate, sessions

SECRET = "SECRET-FIGURE-42.0%"
PW = "member password 1"
LOCAL = ("127.0.0.1", 50000)
REMOTE = ("192.0.2.10", 50000)


async def _page(request):
    return PlainTextResponse(SECRET)


async def _stream(websocket):
    await websocket.accept(subprotocol="streamlit")
    await websocket.send_text(SECRET)
    await websocket.close()


def _app() -> Starlette:
    return Starlette(
        routes=[*gate.routes(), WebSocketRoute("/_stcore/stream", _stream), Route("/{path:path}", _page)],
        middleware=[Middleware(gate.Gate)],
    )


def client(address=LOCAL) -> TestClient:
    return TestClient(_app(), base_url="http://dash.example", client=address, follow_redirects=False)


def reaches_app(c: TestClient, path: str, method: str = "GET", **kwargs) -> bool:
    return SECRET in c.request(method, path, **kwargs).text


def socket_opens(c: TestClient, **kwargs) -> bool:
    token = c.cookies.get(sessions.COOKIE)
    if token:  # the test client's websocket does not send its cookie jar: as a browser would, send it
        kwargs["headers"] = {**kwargs.get("headers", {}), "cookie": f"{sessions.COOKIE}={token}"}
    try:
        with c.websocket_connect("/_stcore/stream", subprotocols=["streamlit"], **kwargs) as ws:
            return SECRET in ws.receive_text()
    except WebSocketDisconnect:
        return False


@pytest.fixture
def with_accounts(instance):
    accounts.add("kaiin", "member", PW)


# ---- without sign-in: this machine only --------------------------------------------------------


def test_without_sign_in_only_this_machine_gets_in(instance):
    assert reaches_app(client(LOCAL), "/breakdown") and socket_opens(client(LOCAL))
    assert not reaches_app(client(REMOTE), "/breakdown") and not socket_opens(client(REMOTE))
    answer = client(REMOTE).get("/")
    assert answer.status_code == 403 and "この端末" in answer.text
    # a proxy on this machine would make every visitor look local
    assert not reaches_app(client(LOCAL), "/", headers={"X-Forwarded-For": "203.0.113.5"})
    assert not socket_opens(client(LOCAL), headers={"Forwarded": "for=203.0.113.5"})


# ---- with sign-in ---------------------------------------------------------------------------


def test_anonymous_requests_get_the_sign_in_page_only(with_accounts):
    c = client(LOCAL)
    first = c.get("/breakdown?district=3")
    assert first.status_code == 303 and first.headers["location"] == "/signin?next=%2Fbreakdown%3Fdistrict%3D3"
    page = c.get(first.headers["location"])
    assert page.status_code == 200 and "利用者名" in page.text and SECRET not in page.text
    for path in ("/media/abc.csv", "/_stcore/upload_file/x/y", "/component/c/index.html", "/_stcore/host-config"):
        assert c.get(path).status_code == 401, path
    assert not socket_opens(c)


def _signed_in(c: TestClient, name: str = "kaiin", password: str = PW, next_path: str = "/"):
    return c.post(
        "/signin",
        data={"name": name, "password": password, "next": next_path},
        headers={"Origin": "http://dash.example"},
    )


def test_signing_in_opens_everything_and_signing_out_closes_it(with_accounts):
    c = client(REMOTE)  # with sign-in, other machines are welcome
    answer = _signed_in(c, next_path="/map?district=2")
    assert answer.status_code == 303 and answer.headers["location"] == "/map?district=2"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert reaches_app(c, "/map") and socket_opens(c)
    out = c.get("/signout")
    assert out.status_code == 303 and "msg=signed_out" in out.headers["location"]
    assert not reaches_app(c, "/map") and not socket_opens(c)


def test_a_form_from_another_site_and_a_wrong_password_are_refused(with_accounts):
    c = client()
    cross = c.post("/signin", data={"name": "kaiin", "password": PW}, headers={"Origin": "http://evil.example"})
    assert cross.status_code == 403 and not reaches_app(c, "/")
    bare = c.post("/signin", data={"name": "kaiin", "password": PW})  # no Origin, no Referer
    assert bare.status_code == 403
    wrong = _signed_in(c, password="not the password")
    assert wrong.status_code == 401 and "利用者名またはパスワードが違います" in wrong.text
    assert 'value="kaiin"' in wrong.text and "not the password" not in wrong.text
    too_big = c.post("/signin", content=b"a" * 20_000, headers={"Origin": "http://dash.example"})
    assert too_big.status_code == 413


def test_a_disabled_account_loses_its_session_at_the_websocket_and_the_downloads(with_accounts):
    c = client()
    _signed_in(c)
    assert socket_opens(c) and reaches_app(c, "/media/abc.csv")
    accounts.set_disabled("kaiin")
    assert not reaches_app(c, "/media/abc.csv")
    assert not socket_opens(c) and not reaches_app(c, "/")  # the session has ended
    assert sessions.lookup(c.cookies.get(sessions.COOKIE)).user is None


HOSTILE_NEXT = [
    "//evil.example/",
    "https://evil.example/",
    "/\\evil.example",
    "javascript:alert(1)",
    "/%0d%0aSet-Cookie:x=1",
    "/\r\nLocation: https://evil.example",
    "/signin?next=//evil.example",
    "",
    "x" * 5000,
]


@pytest.mark.parametrize("value", HOSTILE_NEXT)
def test_hostile_next_links_stay_on_this_site(with_accounts, value):
    answer = _signed_in(client(), next_path=value)
    location = answer.headers["location"]
    assert location.startswith("/") and not location.startswith("//") and "\r" not in location and "\n" not in location


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=string.printable + "／＼。", max_size=300))
def test_safe_next_never_leaves_the_site(value):
    out = gate.safe_next(value)
    assert out.startswith("/") and not out.startswith("//") and "\\" not in out
    assert not any(ord(c) < 32 for c in out)


PATHS = st.one_of(
    st.sampled_from(["/", "/breakdown", "/presenter", "/audit", "/media/a.csv", "/_stcore/stream", "/signin/../"]),
    st.text(alphabet=string.ascii_letters + string.digits + "/._-%?=&", max_size=60).map(lambda p: "/" + p),
)
COOKIES = st.one_of(
    st.none(),
    st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=64),
    st.just("tsunagari"),
)


@hsettings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=PATHS, method=st.sampled_from(["GET", "POST", "HEAD", "PUT", "DELETE"]), cookie=COOKIES)
def test_no_path_method_or_forged_cookie_reaches_the_app(with_accounts, path, method, cookie):
    c = client(REMOTE)
    if cookie is not None:
        c.cookies.set(sessions.COOKIE, cookie)
    assert not reaches_app(c, path, method), (method, path, cookie)


def test_oidc_allow_list(instance):
    instance.mkdir(exist_ok=True)
    (instance / "auth.toml").write_text(
        '[oidc.allow]\n"chief@city.example.jp" = "secretariat"\n"@city.example.jp" = "member"\n'
        '"npo@example.org" = "org:ORG007"\n"bad@example.org" = "admin"\n"org@example.org" = "org"\n',
        encoding="utf-8",
    )
    assert gate.oidc_role("Chief@City.example.jp") == ("secretariat", None)  # the address before its domain
    assert gate.oidc_role("someone@city.example.jp") == ("member", None)
    assert gate.oidc_role("npo@example.org") == ("org", "ORG007")
    assert gate.oidc_role("someone@sub.city.example.jp") is None  # a subdomain is another domain
    assert gate.oidc_role("bad@example.org") is None and gate.oidc_role("org@example.org") is None
    assert gate.oidc_role("x@city.example.jp.evil.example") is None
