"""Client-credentials access tokens: HS256 JWTs, 60-minute TTL, one issuer per store; and a
linked shopper's token on a UCP call, checked for the operation's scope (user-authenticated)."""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jwt

from merchants.bindings.errors import identity_refused, unauthorized
from merchants.bindings.http import Request, Response, json_response
from merchants.bindings.jsonbody import UnacceptableJson, parse_json

if TYPE_CHECKING:
    from merchants.bindings.oauth import IdentityServer

TOKEN_TTL_SECONDS = 3600
_CHECKOUT_MANAGE = "dev.ucp.shopping.checkout:manage"
# The identity-linking scope a buyer's token needs for each operation (UCP's well-known scopes).
BUYER_SCOPES = {
    "create_checkout": _CHECKOUT_MANAGE,
    "get_checkout": _CHECKOUT_MANAGE,
    "update_checkout": _CHECKOUT_MANAGE,
    "complete_checkout": _CHECKOUT_MANAGE,
    "cancel_checkout": _CHECKOUT_MANAGE,
    "get_order": "dev.ucp.shopping.order:read",
}


def load_or_create_secret(path: Path) -> bytes:
    """The store's signing secret, kept next to its database so tokens survive a restart."""
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        secret = secrets.token_bytes(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secret.hex())
        return secret


@dataclass(frozen=True)
class TokenHolder:
    """Who a valid bearer token speaks for: the authenticated client, and which token it is."""

    client_id: str
    token_id: str

    @property
    def session(self) -> str:
        """`<client_id>#<token id>`: rate limits key on this, so each token is its own session."""
        return f"{self.client_id}#{self.token_id}"


class TokenIssuer:
    """Issues and verifies one store's bearer tokens."""

    def __init__(self, *, issuer: str, clients: Mapping[str, str], secret: bytes) -> None:
        self._issuer = issuer
        self._clients = dict(clients)
        self._secret = secret
        self._verified: dict[str, tuple[float, TokenHolder]] = {}
        self.users: IdentityServer | None = None  # set where the store links shoppers' accounts

    def issue(self, client_id: str, client_secret: str) -> str | None:
        """A fresh token, or None when the credentials are wrong."""
        expected = self._clients.get(client_id)
        if expected is None or not secrets.compare_digest(expected, client_secret):
            return None
        now = int(time.time())
        claims = {
            "iss": self._issuer,
            "aud": self._issuer,
            "sub": client_id,
            "jti": secrets.token_hex(8),
            "iat": now,
            "exp": now + TOKEN_TTL_SECONDS,
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def identity_for(self, authorization: str | None) -> TokenHolder | None:
        """The holder of a valid `Authorization: Bearer` token, else None."""
        if not authorization or authorization[:7].lower() != "bearer ":
            return None
        token = authorization[7:].strip()
        cached = self._verified.get(token)
        now = time.time()
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                audience=self._issuer,
                issuer=self._issuer,
            )
        except jwt.PyJWTError:
            return None
        client_id = claims.get("sub")
        if not isinstance(client_id, str) or client_id not in self._clients:
            return None
        identity = TokenHolder(client_id, str(claims.get("jti", "")))
        if len(self._verified) > 4096:
            self._verified.clear()
        self._verified[token] = (float(claims["exp"]), identity)
        return identity

    def require(self, authorization: str | None) -> TokenHolder:
        """The authenticated identity, or raise the 401 failure."""
        identity = self.identity_for(authorization)
        if identity is None:
            detail = "missing" if not authorization else "invalid or expired"
            raise unauthorized(
                f"This operation needs a bearer token from POST /auth/access_token ({detail}).",
                realm=self._issuer,
                presented=bool(authorization),
            )
        return identity

    def buyer_for(self, authorization: str | None, operation: str) -> TokenHolder | None:
        """The buyer a linked account's token names (user-authenticated), None for no such token;
        raises the spec's challenge for one that is invalid, or lacks ``operation``'s scope."""
        users = self.users
        if users is None or not authorization or authorization[:7].lower() != "bearer ":
            return None
        token = authorization[7:].strip()
        if not users.is_user_token(token):
            return None  # a platform token (or none we know): the platform's tier decides
        access = users.verify(token)
        if access is None:
            raise identity_refused(
                "The linked account's token is invalid, expired or revoked.", realm=self._issuer
            )
        scope = BUYER_SCOPES.get(operation)
        if scope is not None and scope in users.scopes and scope not in access.scopes:
            raise identity_refused(
                f"This operation needs the linked account's scope {scope}.",
                realm=self._issuer,
                scope=scope,
            )
        return TokenHolder(f"user:{access.account.id}", "buyer")

    def handle_token_request(self, request: Request) -> Response:
        """`POST /auth/access_token` (RFC 6749 §4.4): form or JSON body, or HTTP Basic."""
        fields: dict[str, str] = {}
        content_type = request.header("content-type") or ""
        if "json" in content_type:
            try:
                parsed = parse_json(request.body or b"{}")
            except UnacceptableJson:
                parsed = None
            if not isinstance(parsed, dict):
                return json_response(
                    400,
                    {
                        "error": "invalid_request",
                        "error_description": "Body must be a JSON object.",
                    },
                )
            fields = {k: v for k, v in parsed.items() if isinstance(v, str)}
        else:
            fields = request.form()
        basic = request.header("authorization") or ""
        if basic[:6].lower() == "basic ":
            try:
                user, _, password = base64.b64decode(basic[6:]).decode().partition(":")
                fields.setdefault("client_id", user)
                fields.setdefault("client_secret", password)
            except ValueError:
                pass
        if fields.get("grant_type") != "client_credentials":
            return json_response(
                400,
                {"error": "unsupported_grant_type", "error_description": "Use client_credentials."},
            )
        token = self.issue(fields.get("client_id", ""), fields.get("client_secret", ""))
        if token is None:
            return json_response(
                401,
                {"error": "invalid_client", "error_description": "Unknown client or wrong secret."},
                {"WWW-Authenticate": 'Basic realm="ucp"'},
            )
        return json_response(
            200,
            {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_TTL_SECONDS},
            {"Cache-Control": "no-store"},
        )
