"""A local OpenID Connect provider for the sign-in tests (issue #13): a real OP that a test starts,
so `st.login` is tested end to end against the protocol, not against a mock of itself.

Built from Authlib's own authorization-server pieces, which are framework-free: the OAuth 2.0
`AuthorizationServer` with its `AuthorizationCodeGrant` (client_secret_basic and
client_secret_post), the PKCE extension `CodeChallenge` (RFC 7636), OpenID Connect's `OpenIDCode`
(nonce, the RS256 `id_token` with `at_hash`), `UserInfoEndpoint`, RP-initiated logout's
`EndSessionEndpoint`, and the discovery metadata checked by `OpenIDProviderMetadata`. Keys and
signatures are joserfc's (`RSAKey`, `jwt.encode`), which Authlib itself uses. What is ours is only
the glue Authlib leaves to a framework integration (Authlib ships one for Flask and Django, none
for Starlette): turning a Starlette request into an `OAuth2Request`, a `(status, body, headers)`
triple into a Starlette response, and in-memory storage of clients, codes and tokens.

The provider serves on 127.0.0.1 and a free port, in a uvicorn thread of the test process. There is
no login page: `/authorize` approves at once as `next_user`, the user the test chose (or answers
`access_denied` when it is None, as a user who declines). Nothing is persisted; every provider has
its own RSA key.

    with LocalOIDCProvider("tsunagari", "s3cret") as op:
        op.next_user = {"sub": "u1", "email": "a@city.example.jp", "name": "Aoi"}
        (tmp / ".streamlit" / "secrets.toml").write_text(op.secrets_toml("http://127.0.0.1:8502/oauth2callback"))

The OP is strict where a real one is, so a test catches what a real IdP would refuse: redirect
URIs must be registered exactly (`secrets_toml` and `register_redirect_uri` do it), codes are
single-use, bound to the redirect URI and to the PKCE challenge, and a nonce is required and may
not be reused.
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from authlib.common.security import generate_token
from authlib.consts import default_json_headers
from authlib.oauth2 import AuthorizationServer, OAuth2Error, ResourceProtector
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Payload, OAuth2Request, TokenMixin, grants
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc import discovery, rpinitiated
from authlib.oidc.core import AuthorizationCodeMixin, OpenIDCode, UserInfo, UserInfoEndpoint
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

SCOPES = ["openid", "profile", "email"]
CODE_LIFETIME = 600  # seconds; RFC 6749 recommends at most 10 minutes
TOKEN_LIFETIME = 3600
_PROVIDER_NAME = re.compile(r"[A-Za-z0-9-]+")  # a TOML bare key; Streamlit refuses "_" in the name


# --- in-memory models: what Authlib's grants ask of a database ------------------------------------


@dataclass
class _Client(ClientMixin):
    """The one registered relying party. Its redirect URIs are also its post-logout redirect URIs,
    because Streamlit's `/auth/logout` sends its `/oauth2callback` as `post_logout_redirect_uri`."""

    client_id: str
    client_secret: str
    redirect_uris: list[str] = field(default_factory=list)

    @property
    def client_metadata(self) -> dict[str, Any]:
        return {"post_logout_redirect_uris": list(self.redirect_uris)}

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        # none: the request must name its redirect_uri, as OIDC requires
        return None

    def get_allowed_scope(self, scope):
        if not scope:
            return ""
        return " ".join(s for s in scope.split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method, endpoint):
        # a confidential client: "none" (a public client) is refused
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class _AuthorizationCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: dict[str, Any]
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def is_expired(self) -> bool:
        return time.time() > self.auth_time + CODE_LIFETIME


@dataclass
class _Token(TokenMixin):
    access_token: str
    client: _Client
    scope: str
    user: dict[str, Any]
    expires_in: int
    issued_at: int = field(default_factory=lambda: int(time.time()))

    def check_client(self, client):
        return client.client_id == self.client.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return time.time() > self.issued_at + self.expires_in

    def is_revoked(self):
        return False

    def get_user(self):
        return self.user

    def get_client(self):
        return self.client


def _user_info(user: dict[str, Any], scope: str) -> UserInfo:
    """The claims of `user` that `scope` grants (OIDC Core 5.4), plus any non-standard claim the test
    put on the user (an IdP's `groups`, `roles` or `hd`), which an RP may map to roles.

    `email_verified` defaults to true when the user has an e-mail: it is what an allow-list of
    addresses should rely on, and a test sets it to False to see that refused."""
    claims = dict(user)
    if "email" in claims:
        claims.setdefault("email_verified", True)
    standard = UserInfo(claims).filter(scope)
    extra = {k: v for k, v in claims.items() if k not in UserInfo.REGISTERED_CLAIMS}
    return UserInfo({**extra, **standard})


# --- Authlib's grants and endpoints, with storage filled in ---------------------------------------


class _AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code, request):
        data = request.payload.data
        self.server.provider._codes[code] = _AuthorizationCode(
            code=code,
            client_id=request.client.client_id,
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope,
            user=dict(request.user),
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
        )

    def query_authorization_code(self, code, client):
        item = self.server.provider._codes.get(code)
        if item and item.client_id == client.client_id and not item.is_expired():
            return item
        return None

    def delete_authorization_code(self, authorization_code):
        # single use: a replayed code finds nothing and gets invalid_grant
        self.server.provider._codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code):
        return authorization_code.user


class _PKCE(CodeChallenge):
    # advertise and accept S256 only; "plain" protects nothing against a leaked challenge
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]


class _OpenIDCode(OpenIDCode):
    def __init__(self, provider: LocalOIDCProvider):
        super().__init__(require_nonce=True)
        self.provider = provider

    def exists_nonce(self, nonce, request):
        # a nonce seen before, in a code still waiting or in a token already issued, is a replay
        client_id = request.payload.client_id
        pending = any(c.client_id == client_id and c.nonce == nonce for c in self.provider._codes.values())
        return pending or (client_id, nonce) in self.provider._used_nonces

    def resolve_client_private_key(self, client):
        return self.provider._key

    def get_client_algorithm(self, client):
        return "RS256"

    def get_client_claims(self, client):
        # `aud` a single string, as Entra ID, Google and Keycloak send it
        return {"iss": self.provider.issuer, "aud": client.get_client_id()}

    def get_encode_header(self, client):
        # `kid`, so an RP picks the key from the JWKS as it does with a real IdP
        return {"alg": "RS256", "typ": "JWT", "kid": self.provider._key.kid}

    def generate_user_info(self, user, scope):
        return _user_info(user, scope)

    def process_token(self, grant, response):
        token = super().process_token(grant, response)
        code = grant.request.authorization_code
        if code.nonce:
            self.provider._used_nonces.add((code.client_id, code.nonce))
        return token


class _UserInfoEndpoint(UserInfoEndpoint):
    def __call__(self, request):
        # Authlib's own __call__ asks `resource_protector.acquire_token()`, which only a framework's
        # protector has (it reads the request from a Flask/Django global); ask the framework-free
        # ResourceProtector with the request instead, then answer as Authlib does (unsigned JSON).
        token = self.resource_protector.validate_request(["openid"], request)
        return 200, dict(self.generate_user_info(token.get_user(), token.get_scope())), default_json_headers

    def generate_user_info(self, user, scope):
        return _user_info(user, scope)


class _BearerTokenValidator(BearerTokenValidator):
    def __init__(self, provider: LocalOIDCProvider):
        super().__init__()
        self.provider = provider

    def authenticate_token(self, token_string):
        return self.provider._tokens.get(token_string)


class _EndSessionEndpoint(rpinitiated.EndSessionEndpoint):
    def get_server_jwks(self):
        return self.server.provider._key_set

    def end_session(self, end_session_request):
        self.server.provider._sessions_ended += 1


# --- the Starlette glue Authlib leaves to a framework integration ---------------------------------


class _Payload(OAuth2Payload):
    def __init__(self, items: list[tuple[str, str]]):
        self._datalist: dict[str, list[str]] = {}
        for k, v in items:
            self._datalist.setdefault(k, []).append(v)
        self._data = {k: vs[0] for k, vs in self._datalist.items()}

    @property
    def data(self):
        return self._data

    @property
    def datalist(self):
        return self._datalist


class _StarletteOAuth2Request(OAuth2Request):
    """An `OAuth2Request` read in full from a Starlette request before Authlib's synchronous code runs
    (Starlette reads a form body only with `await`). Its payload is the query and the form together,
    as Flask's `request.values`."""

    def __init__(self, method: str, url: str, headers, query: list[tuple[str, str]], form: list[tuple[str, str]]):
        super().__init__(method=method, uri=url, headers=headers)
        self._args = dict(query)
        self._form = dict(form)
        self.payload = _Payload(query + form)

    @property
    def args(self):
        return self._args

    @property
    def form(self):
        return self._form


async def _read(request: Request) -> _StarletteOAuth2Request:
    form: list[tuple[str, str]] = []
    if request.method == "POST":
        async with request.form() as f:
            form = [(k, v) for k, v in f.multi_items() if isinstance(v, str)]
    return _StarletteOAuth2Request(
        request.method, str(request.url), request.headers, list(request.query_params.multi_items()), form
    )


class _Server(AuthorizationServer):
    def __init__(self, provider: LocalOIDCProvider):
        super().__init__(scopes_supported=SCOPES)
        self.provider = provider
        self.register_token_generator(
            "default",
            BearerTokenGenerator(lambda **kw: generate_token(42), expires_generator=TOKEN_LIFETIME),
        )

    def query_client(self, client_id):
        client = self.provider._client
        return client if client_id == client.client_id else None

    def save_token(self, token, request):
        self.provider._tokens[token["access_token"]] = _Token(
            access_token=token["access_token"],
            client=request.client,
            scope=token.get("scope", ""),
            user=request.user,
            expires_in=token.get("expires_in", TOKEN_LIFETIME),
        )

    def create_oauth2_request(self, request):
        return request  # already an OAuth2Request: see _read

    def handle_response(self, status, body, headers):
        if isinstance(body, dict):
            return JSONResponse(body, status_code=status, headers=dict(headers))
        return Response(body, status_code=status, headers=dict(headers))

    def send_signal(self, name, *args, **kwargs):
        if name == "after_authenticate_client":
            self.provider.log.append({"endpoint": "token", "auth_method": kwargs["grant"].request.auth_method})


class LocalOIDCProvider:
    """An OpenID Connect provider on 127.0.0.1 for one confidential client; a context manager that
    starts it in a background thread and stops it on exit.

    Attributes a test uses: `issuer` (its base URL), `metadata_url` (discovery, what Streamlit's
    `server_metadata_url` takes), `next_user` (the claims of whoever signs in next; None makes the
    user decline), `log` (one dict per request to /authorize, /token and /logout, to assert what an
    RP sent: PKCE method, prompt, token auth method…) and `errors` (tracebacks of any handler that
    raised; a test asserts it stays empty).
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        redirect_uris: list[str] | tuple[str, ...] = (),
        user: dict[str, Any] | None = None,
    ):
        self._client = _Client(client_id, client_secret, list(redirect_uris))
        self.next_user: dict[str, Any] | None = user
        self.log: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self._key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
        self._key_set = KeySet([self._key])
        self._codes: dict[str, _AuthorizationCode] = {}
        self._tokens: dict[str, _Token] = {}
        self._used_nonces: set[tuple[str, str]] = set()
        self._sessions_ended = 0
        self._server_thread: threading.Thread | None = None
        self._uvicorn: uvicorn.Server | None = None
        self._socket: socket.socket | None = None
        self.issuer = ""

        server = _Server(self)
        server.register_grant(_AuthorizationCodeGrant, [_PKCE(required=True), _OpenIDCode(self)])
        protector = ResourceProtector()
        protector.register_token_validator(_BearerTokenValidator(self))
        server.register_endpoint(_UserInfoEndpoint(resource_protector=protector))
        server.register_endpoint(_EndSessionEndpoint)
        self._server = server

    # -- what tests read ---------------------------------------------------------------------------

    @property
    def client_id(self) -> str:
        return self._client.client_id

    @property
    def client_secret(self) -> str:
        return self._client.client_secret

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def metadata(self) -> dict[str, Any]:
        """The discovery document (OpenID Connect Discovery 1.0 and RP-Initiated Logout 1.0)."""
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "end_session_endpoint": f"{base}/logout",
            "scopes_supported": SCOPES,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash"]
            + UserInfo.SCOPES_CLAIMS_MAPPING["profile"]
            + UserInfo.SCOPES_CLAIMS_MAPPING["email"],
        }

    @property
    def jwks(self) -> dict[str, Any]:
        """The public keys, as /jwks serves them."""
        return self._key_set.as_dict(private=False)

    @property
    def sessions_ended(self) -> int:
        """How many logouts /logout accepted (an id_token_hint or a registered redirect)."""
        return self._sessions_ended

    def register_redirect_uri(self, uri: str) -> None:
        """Allow `uri` as redirect_uri and post_logout_redirect_uri: exact match, as real IdPs do."""
        if uri not in self._client.redirect_uris:
            self._client.redirect_uris.append(uri)

    def secrets_toml(self, redirect_uri: str, provider_name: str = "city", cookie_secret: str | None = None) -> str:
        """The `[auth]` and `[auth.NAME]` sections of Streamlit's secrets.toml for this provider, with
        a random cookie_secret unless one is given; registers `redirect_uri` with the provider.

        `redirect_uri` must be Streamlit's own `.../oauth2callback` on the host the browser uses:
        Streamlit stores the origin of redirect_uri in its user cookie and drops the sign-in when the
        websocket's Origin differs (127.0.0.1 and localhost are different origins)."""
        if not _PROVIDER_NAME.fullmatch(provider_name):
            raise ValueError(f"provider name {provider_name!r}: letters, digits and '-' only (Streamlit refuses '_')")
        if not redirect_uri.endswith("/oauth2callback"):
            raise ValueError(f"redirect_uri {redirect_uri!r}: Streamlit's callback route is /oauth2callback")
        self.register_redirect_uri(redirect_uri)
        q = json.dumps  # a JSON string of ASCII is a TOML basic string
        secret = cookie_secret or secrets.token_urlsafe(32)
        return (
            "[auth]\n"
            f"redirect_uri = {q(redirect_uri)}\n"
            f"cookie_secret = {q(secret)}\n"
            "\n"
            f"[auth.{provider_name}]\n"
            f"client_id = {q(self.client_id)}\n"
            f"client_secret = {q(self.client_secret)}\n"
            f"server_metadata_url = {q(self.metadata_url)}\n"
        )

    # -- HTTP ------------------------------------------------------------------------------------

    async def _discovery(self, request: Request) -> Response:
        return JSONResponse(self.metadata)

    async def _jwks(self, request: Request) -> Response:
        return JSONResponse(self.jwks)

    async def _authorize(self, request: Request) -> Response:
        req = await _read(request)
        self.log.append({"endpoint": "authorize", "params": dict(req.payload.data)})
        user = self.next_user
        try:
            grant = self._server.get_consent_grant(req, end_user=user)
        except OAuth2Error as error:
            # redirects with the error only when client and redirect_uri were validated; else 400 here
            return self._server.handle_error_response(req, error)
        return self._server.create_authorization_response(req, grant_user=user, grant=grant)

    async def _token(self, request: Request) -> Response:
        return self._server.create_token_response(await _read(request))

    async def _userinfo(self, request: Request) -> Response:
        return self._server.create_endpoint_response("userinfo", await _read(request))

    async def _logout(self, request: Request) -> Response:
        req = await _read(request)
        self.log.append({"endpoint": "logout", "params": dict(req.payload.data)})
        try:
            validated = self._server.validate_endpoint_request("end_session", req)
        except OAuth2Error as error:
            return self._server.handle_error_response(req, error)
        response = self._server.create_endpoint_response("end_session", validated)
        return response or HTMLResponse("<p>Signed out.</p>")

    async def _on_error(self, request: Request, exc: Exception) -> Response:
        self.errors.append("".join(traceback.format_exception(exc)))
        return JSONResponse({"error": "server_error"}, status_code=500)

    def _app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self._discovery),
                Route("/jwks", self._jwks),
                Route("/authorize", self._authorize),
                Route("/token", self._token, methods=["POST"]),
                Route("/userinfo", self._userinfo, methods=["GET", "POST"]),
                Route("/logout", self._logout, methods=["GET", "POST"]),
            ],
            exception_handlers={Exception: self._on_error},
        )

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self, timeout: float = 10) -> LocalOIDCProvider:
        """Serve on 127.0.0.1 and a free port. The socket is bound here and handed to uvicorn, so the
        port is known before the thread starts and no other process can take it meanwhile."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        self._socket = sock
        self.issuer = f"http://127.0.0.1:{sock.getsockname()[1]}"
        # fails at once, before any client sees it, if the document drifts from the specifications
        discovery.OpenIDProviderMetadata(self.metadata).validate(metadata_classes=[rpinitiated.OpenIDProviderMetadata])
        config = uvicorn.Config(self._app(), loop="asyncio", http="h11", ws="none", lifespan="off", log_level="warning")
        self._uvicorn = uvicorn.Server(config)
        self._server_thread = threading.Thread(
            target=self._uvicorn.run, kwargs={"sockets": [sock]}, name="local-oidc-provider", daemon=True
        )
        self._server_thread.start()
        deadline = time.monotonic() + timeout
        while not self._uvicorn.started:
            if not self._server_thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the local OIDC provider did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        if self._server_thread is not None:
            self._server_thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._uvicorn = self._server_thread = self._socket = None

    def __enter__(self) -> LocalOIDCProvider:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
