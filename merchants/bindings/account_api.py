"""A linked shopper's own data at the store: order history and saved addresses (REST, JSON).

UCP 2026-08-25 has no operation listing a user's orders or addresses, so the sandbox serves them
at ``/api/account/v1/*``, announced in its ``dev.pannier.sandbox`` profile member. Each needs a
user access token carrying the gated scope; without one the answer is the spec's challenge: 401
``identity_required`` or 403 ``insufficient_scope``, with ``WWW-Authenticate: Bearer`` naming the
issuer as realm and the RFC 9728 metadata.
"""

from __future__ import annotations

from merchants.bindings.http import Request, Response, json_response
from merchants.bindings.oauth import RESOURCE_METADATA_PATH, IdentityServer, LinkedAccess

ACCOUNT_PATH = "/api/account/v1"
ORDERS_PATH = ACCOUNT_PATH + "/orders"
ADDRESSES_PATH = ACCOUNT_PATH + "/addresses"
SCOPE_BY_PATH = {
    ORDERS_PATH: "dev.ucp.shopping.order:read",
    ADDRESSES_PATH: "dev.ucp.shopping.checkout:manage",
}


class AccountApi:
    """Serves a linked account's orders and addresses to the token's holder only."""

    def __init__(self, server: IdentityServer) -> None:
        self._server = server

    def handle(self, request: Request) -> Response:
        scope = SCOPE_BY_PATH.get(request.path)
        if scope is None or scope not in self._server.scopes:
            return json_response(404, _messages("not_found", "No such account resource."))
        if request.method != "GET":
            return Response(405, headers={"Allow": "GET"})
        authorization = request.header("authorization") or ""
        if authorization[:7].lower() != "bearer ":
            return self._challenge(401, "identity_required", "Sign in to see your account.")
        access = self._server.verify(authorization[7:].strip())
        if access is None:
            return self._challenge(
                401,
                "identity_required",
                "The account token is invalid, expired or revoked.",
                error="invalid_token",
            )
        if scope not in access.scopes:
            return self._challenge(
                403,
                "insufficient_scope",
                f"This needs the scope {scope}.",
                error="insufficient_scope",
                scope=scope,
            )
        return json_response(200, self._body(request.path, access), {"Cache-Control": "no-store"})

    def _body(self, path: str, access: LinkedAccess) -> dict[str, object]:
        accounts = self._server.accounts
        account = access.account
        holder = {"name": account.display_name, "email": account.email}
        if path == ORDERS_PATH:
            return {"account": holder, "orders": accounts.order_history(account)}
        return {"account": holder, "addresses": accounts.addresses(account)}

    def _challenge(
        self,
        status: int,
        code: str,
        content: str,
        *,
        error: str | None = None,
        scope: str | None = None,
    ) -> Response:
        issuer = self._server.issuer
        parts = [f'realm="{issuer}"']
        if error is not None:
            parts.append(f'error="{error}"')
        if scope is not None:
            parts.append(f'scope="{scope}"')
        parts.append(f'resource_metadata="{issuer}{RESOURCE_METADATA_PATH}"')
        return json_response(
            status, _messages(code, content), {"WWW-Authenticate": "Bearer " + ", ".join(parts)}
        )


def _messages(code: str, content: str) -> dict[str, object]:
    return {
        "messages": [
            {"type": "error", "code": code, "content": content, "severity": "requires_buyer_review"}
        ]
    }
