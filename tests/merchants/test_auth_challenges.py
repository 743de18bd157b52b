"""The stores refuse a UCP call with the spec's Bearer challenge (RFC 6750 §3, RFC 9728 §5.1),
over MCP and REST: for a missing or invalid platform token, and for a linked shopper's token that
is invalid or lacks the operation's scope."""

from __future__ import annotations

import httpx2
import jwt
from merchant_flows import UcpCaller

from assistant.ucp.challenge import parse_bearer
from merchants.serve import RunningStore
from tests.oauth_login import linked_tokens

ORDER_READ = "dev.ucp.shopping.order:read"
CHECKOUT_MANAGE = "dev.ucp.shopping.checkout:manage"


def _challenge_of(ucp: UcpCaller) -> dict[str, str | None]:
    challenge = parse_bearer(ucp.challenge)
    assert challenge is not None, ucp.challenge
    return {
        "error": challenge.error,
        "scope": challenge.scope,
        "realm": challenge.realm,
        "resource_metadata": challenge.resource_metadata,
    }


async def test_a_call_without_a_token_is_challenged_with_the_stores_issuer_and_metadata(
    ucp: UcpCaller, sandbox_stores: dict[str, RunningStore]
) -> None:
    flowers = sandbox_stores["flowers"].url
    status, _ = await ucp.call("flowers", "get_checkout", {"id": "x"}, authenticate=False)
    assert status == 401
    assert _challenge_of(ucp) == {
        "error": None,  # RFC 6750 §3.1: no error code when no token was sent
        "scope": None,
        "realm": flowers,
        "resource_metadata": f"{flowers}/.well-known/oauth-protected-resource",
    }
    metadata = await ucp.http.get(f"{flowers}/.well-known/oauth-protected-resource")
    assert metadata.json()["resource"] == flowers


async def test_an_invalid_platform_token_is_challenged_as_invalid_token(ucp: UcpCaller) -> None:
    status, _ = await ucp.call(
        "flowers", "get_checkout", {"id": "x"}, authorization="Bearer not-a-token"
    )
    assert status == 401
    assert _challenge_of(ucp)["error"] == "invalid_token"


async def test_a_linked_token_without_the_operations_scope_is_refused_naming_the_scope(
    ucp: UcpCaller, http_client: httpx2.AsyncClient, sandbox_stores: dict[str, RunningStore]
) -> None:
    tokens = await linked_tokens(http_client, sandbox_stores["flowers"].url, scope=ORDER_READ)
    bearer = f"Bearer {tokens['access_token']}"
    status, payload = await ucp.call("flowers", "get_checkout", {"id": "x"}, authorization=bearer)
    assert status == 403
    assert _challenge_of(ucp)["error"] == "insufficient_scope"
    assert _challenge_of(ucp)["scope"] == CHECKOUT_MANAGE
    assert "insufficient_scope" in str(payload)
    status, _ = await ucp.call("flowers", "get_order", {"id": "nope"}, authorization=bearer)
    assert status == 200  # order:read is granted: the order is looked up (and is not found)


async def test_a_forged_or_expired_linked_token_is_challenged_as_invalid_token(
    ucp: UcpCaller,
) -> None:
    forged = jwt.encode(
        {"sub": "demo", "scope": CHECKOUT_MANAGE}, "x" * 32, headers={"typ": "at+jwt"}
    )
    status, payload = await ucp.call(
        "flowers", "get_checkout", {"id": "x"}, authorization=f"Bearer {forged}"
    )
    assert status == 401
    assert _challenge_of(ucp)["error"] == "invalid_token"
    assert "identity_required" in str(payload)
