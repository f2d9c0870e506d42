"""The local OIDC provider (oidc_provider.py) is only worth testing sign-in against if a real relying
party accepts it and a wrong one is refused by it. So: Authlib's requests client runs the whole code
flow (discovery, nonce, PKCE S256, both client authentications) and checks the id_token against the
JWKS as an RP does; the negative cases are ones that can fail (wrong secret, forged or re-signed
id_token, wrong nonce, wrong PKCE verifier, replayed code, unregistered redirect_uri). Last, the
real thing: `st.login` in a throwaway Streamlit app, driven by chromium through this provider, and
Streamlit's signed `_streamlit_user` cookie read back server-side as the dashboard will.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
import time
import tomllib
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidClaimError, JoseError
from joserfc.jwk import KeySet

from .oidc_provider import LocalOIDCProvider

CLIENT_ID = "tsunagari"
CLIENT_SECRET = "correct-horse-battery-staple"
REDIRECT = "http://127.0.0.1:8599/oauth2callback"  # never served: the test reads the redirect's Location
USER = {"sub": "u-0001", "email": "member@city.example.jp", "name": "市役所 花子"}


@pytest.fixture
def op():
    with LocalOIDCProvider(CLIENT_ID, CLIENT_SECRET, redirect_uris=[REDIRECT], user=dict(USER)) as provider:
        yield provider
        assert provider.errors == [], provider.errors[0]


def _client(auth_method: str = "client_secret_basic", secret: str = CLIENT_SECRET) -> OAuth2Session:
    return OAuth2Session(
        CLIENT_ID,
        secret,
        scope="openid email profile",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        token_endpoint_auth_method=auth_method,
    )


def _authorize(op: LocalOIDCProvider, client: OAuth2Session, **extra):
    """Send the browser's GET /authorize; return (the redirect's Location, state, nonce, verifier)."""
    meta = requests.get(op.metadata_url, timeout=5).json()
    nonce, verifier = generate_token(20), generate_token(48)
    params = {"nonce": nonce, "code_verifier": verifier} | extra
    url, state = client.create_authorization_url(meta["authorization_endpoint"], **params)
    resp = requests.get(url, allow_redirects=False, timeout=5)
    assert resp.status_code == 302, resp.text
    return resp.headers["Location"], state, nonce, verifier


def _validate_id_token(op: LocalOIDCProvider, token: dict, nonce: str) -> dict:
    """What an RP does (Authlib's own `parse_id_token`, which Streamlit calls): verify the signature
    with the key the JWKS names, then iss, aud, exp, iat, nonce and at_hash."""
    meta = requests.get(op.metadata_url, timeout=5).json()
    keys = KeySet.import_key_set(requests.get(meta["jwks_uri"], timeout=5).json())
    decoded = jwt.decode(token["id_token"], keys, algorithms=meta["id_token_signing_alg_values_supported"])
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {"iss": {"values": [meta["issuer"]]}},
        {"nonce": nonce, "client_id": CLIENT_ID, "access_token": token["access_token"]},
    )
    claims.validate()
    return dict(claims)


def _tokens(op: LocalOIDCProvider, auth_method: str = "client_secret_basic"):
    client = _client(auth_method)
    location, state, nonce, verifier = _authorize(op, client)
    token = client.fetch_token(
        op.metadata["token_endpoint"], authorization_response=location, state=state, code_verifier=verifier
    )
    return token, nonce


# --- the provider with a real RP -----------------------------------------------------------------


def test_discovery_document_names_every_endpoint_on_the_issuer(op):
    meta = requests.get(op.metadata_url, timeout=5).json()
    assert meta["issuer"] == op.issuer and op.issuer.startswith("http://127.0.0.1:")
    for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri", "end_session_endpoint"):
        assert meta[key].startswith(op.issuer + "/"), key
    assert meta["code_challenge_methods_supported"] == ["S256"]  # what makes Streamlit send PKCE
    assert set(meta["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "client_secret_post"}


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_code_flow_with_nonce_and_pkce_gives_a_valid_id_token(op, auth_method):
    client = _client(auth_method)
    location, state, nonce, verifier = _authorize(op, client)
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(REDIRECT + "?") and query["state"] == [state] and query["code"]
    sent = op.log[-1]["params"]
    assert sent["nonce"] == nonce and sent["code_challenge_method"] == "S256"

    token = client.fetch_token(
        op.metadata["token_endpoint"], authorization_response=location, state=state, code_verifier=verifier
    )
    assert token["token_type"] == "Bearer" and token["access_token"]
    assert op.log[-1] == {"endpoint": "token", "auth_method": auth_method}

    claims = _validate_id_token(op, token, nonce)
    assert claims["iss"] == op.issuer and claims["aud"] == CLIENT_ID and claims["nonce"] == nonce
    assert claims["exp"] > claims["iat"] >= int(time.time()) - 60
    assert {k: claims[k] for k in ("sub", "email", "name", "email_verified")} == {**USER, "email_verified": True}
    header = json.loads(base64.urlsafe_b64decode(token["id_token"].split(".")[0].encode() + b"=="))
    assert header["alg"] == "RS256" and header["kid"] == op.jwks["keys"][0]["kid"]

    info = client.get(op.metadata["userinfo_endpoint"], timeout=5).json()
    assert info == {**USER, "email_verified": True}


def test_the_next_user_is_whoever_the_test_chose_with_extra_claims_passed_through(op):
    op.next_user = {"sub": "u-0002", "email": "staff@npo.example.org", "name": "NPO", "groups": ["secretariat"]}
    token, nonce = _tokens(op)
    claims = _validate_id_token(op, token, nonce)
    assert claims["email"] == "staff@npo.example.org" and claims["groups"] == ["secretariat"]


@pytest.mark.parametrize("auth_method", ["client_secret_basic", "client_secret_post"])
def test_a_wrong_client_secret_gets_401(op, auth_method):
    client = _client(auth_method, secret="wrong")
    location, state, _, verifier = _authorize(op, client)
    code = parse_qs(urlsplit(location).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier}
    if auth_method == "client_secret_basic":
        resp = requests.post(op.metadata["token_endpoint"], data=form, auth=(CLIENT_ID, "wrong"), timeout=5)
    else:
        form |= {"client_id": CLIENT_ID, "client_secret": "wrong"}
        resp = requests.post(op.metadata["token_endpoint"], data=form, timeout=5)
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"
    with pytest.raises(OAuthError, match="invalid_client"):  # and so does Authlib's client
        client.fetch_token(op.metadata["token_endpoint"], authorization_response=location, code_verifier=verifier)


def test_a_tampered_id_token_fails_validation(op):
    token, nonce = _tokens(op)
    head, payload, sig = token["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload.encode() + b"=="))
    claims["email"] = "mayor@city.example.jp"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(BadSignatureError):
        _validate_id_token(op, {**token, "id_token": f"{head}.{forged}.{sig}"}, nonce)


def test_an_id_token_signed_by_another_key_fails_validation(op):
    token, nonce = _tokens(op)
    with LocalOIDCProvider(CLIENT_ID, CLIENT_SECRET, redirect_uris=[REDIRECT], user=dict(USER)) as other:
        other_token, other_nonce = _tokens(other)
    with pytest.raises(JoseError):  # its kid is not in this provider's JWKS, nor would its signature be
        _validate_id_token(op, {**token, "id_token": other_token["id_token"]}, nonce)


def test_a_wrong_nonce_fails_validation(op):
    token, _ = _tokens(op)
    with pytest.raises(InvalidClaimError, match="nonce"):
        _validate_id_token(op, token, "not-the-nonce-sent")


def test_a_wrong_pkce_verifier_and_a_replayed_code_are_refused(op):
    client = _client()
    location, state, _, verifier = _authorize(op, client)
    with pytest.raises(OAuthError, match="invalid_grant"):
        client.fetch_token(op.metadata["token_endpoint"], authorization_response=location, code_verifier="x" * 43)
    location, state, _, verifier = _authorize(op, client)
    client.fetch_token(op.metadata["token_endpoint"], authorization_response=location, code_verifier=verifier)
    with pytest.raises(OAuthError, match="invalid_grant"):
        client.fetch_token(op.metadata["token_endpoint"], authorization_response=location, code_verifier=verifier)


def test_a_nonce_is_required_and_single_use(op):
    client = _client()
    url, _ = client.create_authorization_url(op.metadata["authorization_endpoint"], code_verifier=generate_token(48))
    resp = requests.get(url, allow_redirects=False, timeout=5)
    assert "error=invalid_request" in resp.headers["Location"]
    location, _, nonce, _ = _authorize(op, client)
    again, _, _, _ = _authorize(op, client, nonce=nonce)
    assert "error=invalid_request" in again  # a replayed nonce


def test_an_unregistered_redirect_uri_is_never_redirected_to(op):
    client = _client()
    client.redirect_uri = "http://localhost:8599/oauth2callback"  # same port, another origin
    url, _ = client.create_authorization_url(
        op.metadata["authorization_endpoint"], nonce=generate_token(20), code_verifier=generate_token(48)
    )
    resp = requests.get(url, allow_redirects=False, timeout=5)
    assert resp.status_code == 400 and "Location" not in resp.headers


def test_no_user_means_the_user_declined(op):
    op.next_user = None
    location, state, _, _ = _authorize(op, _client())
    query = parse_qs(urlsplit(location).query)
    assert query["error"] == ["access_denied"] and query["state"] == [state] and "code" not in query


def test_logout_redirects_to_a_registered_post_logout_uri_only_with_a_valid_hint(op):
    token, _ = _tokens(op)
    end = op.metadata["end_session_endpoint"]
    params = {"client_id": CLIENT_ID, "post_logout_redirect_uri": REDIRECT, "id_token_hint": token["id_token"]}
    resp = requests.get(end, params=params, allow_redirects=False, timeout=5)
    assert resp.status_code == 302 and resp.headers["Location"] == REDIRECT and op.sessions_ended == 1
    resp = requests.get(end, params=params | {"id_token_hint": "x.y.z"}, allow_redirects=False, timeout=5)
    assert resp.status_code == 400


def test_secrets_toml_is_what_streamlit_reads(op):
    text = op.secrets_toml("http://127.0.0.1:8600/oauth2callback", provider_name="city")
    data = tomllib.loads(text)
    assert data["auth"]["redirect_uri"] == "http://127.0.0.1:8600/oauth2callback"
    assert len(data["auth"]["cookie_secret"]) >= 32
    assert data["auth"]["city"] == {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "server_metadata_url": op.metadata_url,
    }
    assert data["auth"]["cookie_secret"] != tomllib.loads(op.secrets_toml(REDIRECT))["auth"]["cookie_secret"]
    with pytest.raises(ValueError):
        op.secrets_toml(REDIRECT, provider_name="city_hall")


# --- st.login end to end, without the dashboard --------------------------------------------------

APP = """
import streamlit as st

if st.user.is_logged_in:
    st.markdown(f"signed in as {st.user.email}")
    if st.button("Log out"):
        st.logout()
else:
    st.markdown("anonymous")
    if st.button("Log in"):
        st.login("city")
"""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def streamlit_app(tmp_path, op):
    """APP under `python -m streamlit run` on 127.0.0.1 with the provider's secrets.toml; HOME is the
    temp dir too, so no ~/.streamlit of the machine is read."""
    try:
        import httpx  # noqa: F401
    except ImportError:
        pytest.fail("st.login needs httpx (Authlib's Starlette client; streamlit[auth]): add it to requirements.txt")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    (tmp_path / ".streamlit").mkdir()
    secrets_toml = op.secrets_toml(f"{url}/oauth2callback", provider_name="city")
    (tmp_path / ".streamlit" / "secrets.toml").write_text(secrets_toml)
    log_path = tmp_path / "streamlit.log"
    env = {**os.environ, "HOME": str(tmp_path), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        yield url, tomllib.loads(secrets_toml)["auth"]["cookie_secret"], log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_st_login_signs_in_through_the_local_provider(op, streamlit_app, browser):
    from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value

    url, cookie_secret, log_path = streamlit_app
    op.next_user = dict(USER)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        page.get_by_text("anonymous").wait_for(timeout=15000)
        page.get_by_role("button", name="Log in").click()
        page.get_by_text(f"signed in as {USER['email']}").wait_for(timeout=15000)

        # what Streamlit sent the provider: PKCE S256, a nonce, prompt=select_account, HTTP Basic
        authorize = next(e["params"] for e in op.log if e["endpoint"] == "authorize")
        assert authorize["redirect_uri"] == f"{url}/oauth2callback"
        assert authorize["code_challenge_method"] == "S256" and authorize["nonce"]
        assert authorize["scope"] == "openid email profile" and authorize["prompt"] == "select_account"
        assert {"endpoint": "token", "auth_method": "client_secret_basic"} in op.log

        # the cookies the dashboard will read: itsdangerous-signed JSON (Starlette's session cookie, which
        # held Authlib's state and nonce during the flow, is emptied and deleted by the callback)
        cookies = {c["name"]: c for c in context.cookies(url)}
        assert set(cookies) == {"_streamlit_user", "_streamlit_user_tokens", "_streamlit_xsrf"}
        user_cookie = cookies["_streamlit_user"]
        assert user_cookie["httpOnly"] and user_cookie["sameSite"] == "Lax" and user_cookie["path"] == "/"
        payload = json.loads(decode_signed_value(cookie_secret, "_streamlit_user", user_cookie["value"]))
        # the id_token's claims, validated by Authlib on the callback, plus Streamlit's three
        assert {k: payload[k] for k in ("sub", "email", "name")} == USER and payload["email_verified"] is True
        assert payload["iss"] == op.issuer and payload["aud"] == CLIENT_ID and payload["nonce"] == authorize["nonce"]
        assert payload["is_logged_in"] is True and payload["provider"] == "city" and payload["origin"] == url
        tokens = decode_signed_value(
            cookie_secret, "_streamlit_user_tokens", cookies["_streamlit_user_tokens"]["value"]
        )
        assert set(json.loads(tokens)) == {"id_token", "access_token"}
        assert decode_signed_value("another-secret-of-32-characters!", "_streamlit_user", user_cookie["value"]) is None

        # st.logout: Streamlit → the provider's end_session_endpoint → /oauth2callback → anonymous
        page.get_by_role("button", name="Log out").click()
        page.get_by_text("anonymous").wait_for(timeout=15000)
        logout = next(e["params"] for e in op.log if e["endpoint"] == "logout")
        assert logout["post_logout_redirect_uri"] == f"{url}/oauth2callback" and logout["id_token_hint"]
        assert op.sessions_ended == 1
        assert "_streamlit_user" not in {c["name"] for c in context.cookies(url)}
    except Exception:
        print(log_path.read_text(errors="replace"))
        raise
    finally:
        context.close()
