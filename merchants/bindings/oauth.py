"""The store as an OAuth 2.0 authorization server for identity linking (UCP 2026-08-25).

authlib's ``AuthorizationServer`` does the protocol (RFC 6749 code and refresh grants, RFC 7636
PKCE, RFC 7009 revocation, RFC 9207 ``iss``); this module is its binding to the store's small ASGI
layer, plus the RFC 8414 / RFC 9728 metadata and the sign-in page. Pannier is a public client
(RFC 8252): no secret, PKCE with S256 required, a loopback redirect whose port is ignored.
Access tokens are RFC 9068-shaped HS256 JWTs carrying the link's generation (see oauth_grants).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt
from authlib.oauth2 import AuthorizationServer, OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749 import ClientMixin, InvalidRequestError, TokenMixin, grants
from authlib.oauth2.rfc6749.requests import OAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9207 import IssuerParameter

from merchants.bindings.http import Request, Response, html_response, json_response
from merchants.bindings.login_page import login_page, problem_page
from merchants.bindings.oauth_csrf import CSRF_FIELD, CsrfRefused, SignInCsrf
from merchants.bindings.oauth_grants import (
    AUTHORIZATION_CODE_TTL_S,
    AuthorizationCode,
    Grants,
    RefreshToken,
)
from merchants.business.accounts import Account, Accounts

# authlib logs each token it issues at DEBUG ("Issue token {...}"): tokens never go to a log.
logging.getLogger("authlib").setLevel(logging.INFO)

METADATA_PATH = "/.well-known/oauth-authorization-server"
RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource"
AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"
REVOKE_PATH = "/oauth/revoke"
ACCESS_TOKEN_TTL_S = 900
PUBLIC_CLIENT_ID = "pannier"
PUBLIC_CLIENT_NAME = "Pannier"
# RFC 8252 §7.3: loopback redirects match on scheme, host and path; the port is the client's.
LOOPBACK_REDIRECTS = ("http://127.0.0.1/callback", "http://[::1]/callback")
_ACCESS_TOKEN_TYPE = "at+jwt"

# The scopes a store gates (UCP config.scopes), by the capability they belong to.
SCOPE_CONSENTS: dict[str, tuple[str, str]] = {
    "dev.ucp.shopping.order:read": ("order", "See your order history at this store"),
    "dev.ucp.shopping.checkout:manage": (
        "checkout",
        "Check out for you with the addresses saved in your account",
    ),
}


def offered_scopes(capabilities: list[str]) -> list[str]:
    """The gated scopes a store offers: one per capability it has that defines one."""
    return [scope for scope, (short, _) in SCOPE_CONSENTS.items() if short in capabilities]


@dataclass(frozen=True)
class PublicClient(ClientMixin):
    """Pannier, registered at every sandbox store as a public native client."""

    client_id: str
    client_name: str
    scopes: tuple[str, ...]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return ""  # none: every request must name its loopback redirect

    def get_allowed_scope(self, scope: Collection[str] | str) -> str:
        requested = scope.split() if isinstance(scope, str) else list(scope or ())
        return " ".join(s for s in requested if s in self.scopes)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        try:
            parts = urlsplit(redirect_uri)
            _ = parts.port  # raises on a malformed port
        except ValueError:
            return False
        if parts.query or parts.fragment or parts.username or parts.password:
            return False
        host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname
        return f"{parts.scheme}://{host}{parts.path}" in LOOPBACK_REDIRECTS

    def check_client_secret(self, client_secret: str) -> bool:
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass(frozen=True)
class LinkedAccess:
    """Who a valid user access token speaks for, and what it may do."""

    account: Account
    client_id: str
    scopes: frozenset[str]


class _Payload(OAuth2Payload):
    def __init__(self, values: list[tuple[str, str]]) -> None:
        self._values = values
        self._data = dict(values)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        grouped: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in self._values:
            grouped[key].append(value)
        return grouped


class _Request(OAuth2Request):
    def __init__(self, request: Request, base_url: str) -> None:
        super().__init__(request.method, base_url + request.path, headers=dict(request.headers))
        self._query = list(request.query.items())
        self._form = list(request.form().items()) if request.method == "POST" else []
        self.payload = _Payload(self._query + self._form)

    @property
    def args(self) -> dict[str, str | None]:
        return dict(self._query)

    @property
    def form(self) -> dict[str, str]:
        return dict(self._form)


class _RedirectingResponse(Response):
    """A response whose ``location`` authlib's RFC 9207 extension may rewrite."""

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    @location.setter
    def location(self, value: str) -> None:
        self.headers["Location"] = value


class _Pkce(CodeChallenge):
    """RFC 7636 with S256 only, and required: a request without a challenge is refused."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012 - authlib's class attribute

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge (S256).")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class _Issuer(IssuerParameter):
    def __init__(self, issuer: str) -> None:
        self._issuer = issuer

    def get_issuer(self) -> str:
        return self._issuer


class IdentityServer(AuthorizationServer):
    """One store's authorization server and the verifier of the tokens it issues."""

    def __init__(
        self,
        *,
        issuer: str,
        store_name: str,
        accounts: Accounts,
        grants_store: Grants,
        secret: bytes,
        scopes: list[str],
    ) -> None:
        super().__init__(scopes_supported=scopes)
        self.issuer = issuer
        self.store_name = store_name
        self.accounts = accounts
        self.grants = grants_store
        self.scopes = scopes
        self._secret = secret
        self._client = PublicClient(PUBLIC_CLIENT_ID, PUBLIC_CLIENT_NAME, tuple(scopes))
        self._issuer_parameter = _Issuer(issuer)
        self._csrf = SignInCsrf(secret, issuer, path=AUTHORIZE_PATH)
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                self._access_token,
                lambda **_: secrets.token_urlsafe(32),
                lambda client, grant_type: ACCESS_TOKEN_TTL_S,
            ),
        )
        self.register_grant(_CodeGrant, [_Pkce(required=True)])
        self.register_grant(_RefreshGrant)
        self.register_endpoint(_Revocation)
        self.register_extension(lambda server: self._issuer_parameter(server))

    # --- authlib's framework hooks ----------------------------------------------------------------

    def query_client(self, client_id: str) -> PublicClient | None:  # type: ignore[override]
        # authlib's own contract: None for an unknown client (its stubs leave None out).
        return self._client if client_id == self._client.client_id else None

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        refresh = token.get("refresh_token")
        if isinstance(refresh, str):
            self.grants.put_refresh_token(
                refresh, request.client.client_id, request.user.id, str(token.get("scope", ""))
            )

    def create_oauth2_request(self, request: Any) -> Any:
        return request if isinstance(request, OAuth2Request) else _Request(request, self.issuer)

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError("no JSON endpoints")

    def handle_response(self, status: int, body: Any, headers: Any) -> Response:
        response = json_response(status, body) if isinstance(body, dict) else Response(status)
        response.headers.update(dict(headers))
        if "Location" in response.headers:
            return _RedirectingResponse(302, b"", headers=response.headers)
        return response

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def _access_token(self, *, client: ClientMixin, grant_type: str, user: Any, scope: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.issuer,
            "sub": user.id,
            "client_id": client.get_client_id(),
            "scope": scope,
            "gen": self.grants.generation(user.id, client.get_client_id()),
            "jti": secrets.token_hex(8),
            "iat": now,
            "exp": now + ACCESS_TOKEN_TTL_S,
        }
        return jwt.encode(
            claims, self._secret, algorithm="HS256", headers={"typ": _ACCESS_TOKEN_TYPE}
        )

    # --- endpoints --------------------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        """RFC 8414 authorization server metadata, with RFC 9207's `iss` flag."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + AUTHORIZE_PATH,
            "token_endpoint": self.issuer + TOKEN_PATH,
            "revocation_endpoint": self.issuer + REVOKE_PATH,
            "scopes_supported": self.scopes,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["none"],
            "revocation_endpoint_auth_methods_supported": ["none"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
        }

    def resource_metadata(self) -> dict[str, Any]:
        """RFC 9728 protected resource metadata: this store is its own authorization server."""
        return {
            "resource": self.issuer,
            "authorization_servers": [self.issuer],
            "scopes_supported": self.scopes,
            "bearer_methods_supported": ["header"],
        }

    def handle_authorize(self, request: Request) -> Response:
        """GET shows the sign-in page for a valid request; POST signs in and redirects."""
        if request.method not in ("GET", "POST"):
            return Response(405, headers={"Allow": "GET, POST"})
        oauth_request = self.create_oauth2_request(request)
        try:
            grant = self.get_consent_grant(oauth_request)  # type: ignore[no-untyped-call]
        except OAuth2Error as error:
            if error.redirect_uri:  # the client and its redirect are verified: tell the client
                response = self.handle_error_response(oauth_request, error)
                assert isinstance(response, Response)
                self._issuer_parameter.add_issuer_parameter(self, response)
                return response
            return html_response(
                400,
                problem_page(
                    self.store_name, error.description or error.error or "invalid request"
                ),
            )
        hidden = {
            key: value
            for key, value in oauth_request.payload.data.items()
            if key
            in (
                "response_type",
                "client_id",
                "redirect_uri",
                "scope",
                "state",
                "code_challenge",
                "code_challenge_method",
            )
        }
        consents = [
            SCOPE_CONSENTS[s][1]
            for s in (grant.request.payload.scope or "").split()
            if s in SCOPE_CONSENTS
        ]
        consents = consents or ["Know which account at this store is yours"]
        form = oauth_request.form
        if request.method == "GET":
            return self._page(200, request, consents, hidden)
        try:
            self._csrf.check(request.headers, hidden, form.get(CSRF_FIELD, ""))
        except CsrfRefused as refused:
            message = (
                f"This sign-in could not be accepted: {refused}. Nothing was signed in or "
                "shared. Start linking again from the app that sent you here."
            )
            return html_response(403, problem_page(self.store_name, message))
        if form.get("decision") != "allow":
            return self._authorization_response(oauth_request, grant, None)
        username = form.get("username", "")
        account = self.accounts.authenticate(username, form.get("password", ""))
        if account is None:
            return self._page(
                401, request, consents, hidden, username, error="Wrong username or password."
            )
        return self._authorization_response(oauth_request, grant, account)

    def _page(
        self,
        status: int,
        request: Request,
        consents: list[str],
        hidden: dict[str, str],
        username: str = "",
        *,
        error: str | None = None,
    ) -> Response:
        """The sign-in form for ``hidden`` (the authorization request), with its CSRF token."""
        token, set_cookie = self._csrf.issue(request.headers, hidden)
        page = login_page(
            store_name=self.store_name,
            client_name=self._client.client_name,
            consents=consents,
            hidden={**hidden, CSRF_FIELD: token},
            action=AUTHORIZE_PATH,
            username=username,
            error=error,
        )
        response = html_response(status, page)
        response.headers.update(set_cookie)
        return response

    def _authorization_response(
        self, oauth_request: Any, grant: Any, account: Account | None
    ) -> Response:
        response = self.create_authorization_response(
            oauth_request, grant_user=account, grant=grant
        )
        assert isinstance(response, Response)
        response.headers["Cache-Control"] = "no-store"
        return response

    def handle_token(self, request: Request) -> Response:
        if request.method != "POST":
            return Response(405, headers={"Allow": "POST"})
        response = self.create_token_response(request)
        assert isinstance(response, Response)
        return response

    def handle_revoke(self, request: Request) -> Response:
        if request.method != "POST":
            return Response(405, headers={"Allow": "POST"})
        response = self.create_endpoint_response(  # type: ignore[no-untyped-call]
            RevocationEndpoint.ENDPOINT_NAME, request
        )
        assert isinstance(response, Response)
        return response

    # --- verifying the tokens it issued -----------------------------------------------------------

    def is_user_token(self, token: str) -> bool:
        """Whether ``token`` has the shape of a user access token (valid or not)."""
        try:
            return jwt.get_unverified_header(token).get("typ") == _ACCESS_TOKEN_TYPE
        except jwt.PyJWTError:
            return False

    def verify(self, token: str) -> LinkedAccess | None:
        """The link a user access token stands for, or None if it is not a valid one of ours."""
        try:
            if jwt.get_unverified_header(token).get("typ") != _ACCESS_TOKEN_TYPE:
                return None
            claims = jwt.decode(
                token, self._secret, algorithms=["HS256"], audience=self.issuer, issuer=self.issuer
            )
        except jwt.PyJWTError:
            return None
        account = self.accounts.get(str(claims.get("sub", "")))
        client_id = claims.get("client_id")
        if account is None or self.query_client(str(client_id)) is None:
            return None
        if claims.get("gen") != self.grants.generation(account.id, str(client_id)):
            return None
        return LinkedAccess(
            account, str(client_id), frozenset(str(claims.get("scope", "")).split())
        )


class _CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]  # noqa: RUF012 - authlib's class attribute

    @property
    def _identity(self) -> IdentityServer:
        server: IdentityServer = self.server
        return server

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        self._identity.grants.put_code(
            AuthorizationCode(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.client.get_allowed_scope(request.payload.scope),
                account_id=request.user.id,
                code_challenge=data["code_challenge"],
                code_challenge_method=data["code_challenge_method"],
                expires_at=time.time() + AUTHORIZATION_CODE_TTL_S,
            )
        )

    def query_authorization_code(self, code: str, client: ClientMixin) -> AuthorizationCode | None:
        return self._identity.grants.code(code, client.get_client_id())

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        self._identity.grants.drop_code(authorization_code.code)

    def authenticate_user(self, authorization_code: AuthorizationCode) -> Account | None:
        return self._identity.accounts.get(authorization_code.account_id)


class _RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]  # noqa: RUF012 - authlib's class attribute
    INCLUDE_NEW_REFRESH_TOKEN = True

    @property
    def _identity(self) -> IdentityServer:
        server: IdentityServer = self.server
        return server

    def authenticate_refresh_token(  # type: ignore[override]
        self, refresh_token: str
    ) -> RefreshToken | None:
        found = self._identity.grants.refresh_token(refresh_token)
        if found is None or found.is_expired():
            return None
        if found.rotated:
            # A rotated token used again: it leaked, or two clients share it (RFC 9700 §4.14.2).
            self._identity.grants.revoke_link(found.account_id, found.client_id)
            return None
        return found

    def authenticate_user(self, refresh_token: RefreshToken) -> Account | None:
        return self._identity.accounts.get(refresh_token.account_id)

    def revoke_old_credential(self, refresh_token: TokenMixin) -> None:
        assert isinstance(refresh_token, RefreshToken)
        self._identity.grants.rotate(refresh_token)


@dataclass(frozen=True)
class _AccessTokenRecord:
    """An access token presented for revocation."""

    access: LinkedAccess

    def check_client(self, client: PublicClient) -> bool:
        return client.client_id == self.access.client_id


class _Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["none"]  # noqa: RUF012 - authlib's class attribute

    def query_token(self, token_string: str, token_type_hint: str | None) -> object | None:
        server: IdentityServer = self.server
        access = server.verify(token_string)
        if access is not None:
            return _AccessTokenRecord(access)
        return server.grants.refresh_token(token_string)

    def revoke_token(self, token: object, request: Any) -> None:
        server: IdentityServer = self.server
        if isinstance(token, _AccessTokenRecord):
            server.grants.revoke_link(token.access.account.id, token.access.client_id)
        elif isinstance(token, RefreshToken):
            server.grants.revoke_link(token.account_id, token.client_id)
