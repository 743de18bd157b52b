"""Linking a shopper's account at one store, and unlinking it: the whole authorization code flow.

discover the authorization server → derive the scopes → listen on a loopback redirect → print the
sign-in URL (and open it only when asked) → check the answer's ``state`` and ``iss`` → redeem the
code with its PKCE verifier → store the tokens (0600, outside anything the model reads).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import Any

import httpx2

from assistant.errors import LinkError, PannierError
from assistant.ucp import oauth
from assistant.ucp.discovery import BusinessProfile
from assistant.ucp.link_tokens import LinkedAccount, LinkStore
from assistant.ucp.loopback import LoopbackRedirect
from assistant.ucp.urls import origin as origin_of

SANDBOX_EXTENSION = "dev.pannier.sandbox"
SIGN_IN_TIMEOUT_S = 300.0


def _sandbox_linking(profile: BusinessProfile) -> dict[str, Any]:
    extension = profile.raw.get(SANDBOX_EXTENSION)
    linking = extension.get("identity_linking") if isinstance(extension, dict) else None
    return linking if isinstance(linking, dict) else {}


def link_client_id(profile: BusinessProfile, configured: str | None) -> str:
    """Our public client id at this store: from config, else the one a sandbox store publishes."""
    if configured:
        return configured
    published = _sandbox_linking(profile).get("client_id")
    if isinstance(published, str) and published:
        return published
    raise LinkError(
        "the store publishes no OAuth client id for Pannier; register Pannier as a public "
        "client there and set client_id for this merchant in the config",
        merchant=profile.name or profile.domain,
        operation="link",
    )


def account_urls(profile: BusinessProfile) -> dict[str, str]:
    """Where the store serves a linked account's orders and addresses (its own origin only)."""
    account = _sandbox_linking(profile).get("account")
    urls: dict[str, str] = {}
    for what, entry in account.items() if isinstance(account, dict) else []:
        url = entry.get("url") if isinstance(entry, dict) else None
        if isinstance(url, str) and origin_of(url) == profile.origin:
            urls[str(what)] = url
    return urls


async def link(
    http: httpx2.AsyncClient,
    links: LinkStore,
    profile: BusinessProfile,
    *,
    name: str,
    client_id: str,
    supported: Collection[str],
    show_url: Callable[[str], None],
    open_url: Callable[[str], object] | None = None,
    timeout_s: float = SIGN_IN_TIMEOUT_S,
) -> LinkedAccount:
    """Run the sign-in and store the link; LinkError (nothing stored) on any failed check."""
    if oauth.IDENTITY_LINKING not in profile.raw.get("ucp", {}).get("capabilities", {}):
        raise LinkError("the store offers no identity linking", merchant=name, operation="link")
    server = await oauth.discover(http, profile.origin, name)
    scopes = oauth.gated_scopes(profile.raw, supported)
    async with LoopbackRedirect() as redirect:
        request = oauth.authorization_request(
            server, client_id=client_id, redirect_uri=redirect.redirect_uri, scopes=scopes
        )
        show_url(request.url)
        if open_url is not None:
            open_url(request.url)
        try:
            answer = await redirect.answer(timeout_s)
        except TimeoutError:
            raise LinkError(
                f"no sign-in came back within {timeout_s:g} s; run `pannier link` again",
                merchant=name,
                operation="authorize",
            ) from None
    code = oauth.authorization_code(server, request, answer, name)
    tokens = await oauth.exchange_code(
        http, server, request, code, client_id=client_id, merchant=name
    )
    account = LinkedAccount(
        origin=profile.origin,
        name=name,
        issuer=server.issuer,
        client_id=client_id,
        token_endpoint=server.token_endpoint,
        revocation_endpoint=server.revocation_endpoint,
        scope=tokens.scope or " ".join(scopes),
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=tokens.expires_at,
        linked_at=time.time(),
        account_urls=account_urls(profile),
    )
    links.put(account)
    return account


async def unlink(http: httpx2.AsyncClient, links: LinkStore, account: LinkedAccount) -> bool:
    """Forget the link, revoking it at the store first (RFC 7009); whether the store confirmed."""
    revoked = False
    token = account.refresh_token or account.access_token
    if account.revocation_endpoint is not None:
        try:
            revoked = await oauth.revoke(
                http,
                account.revocation_endpoint,
                token,
                client_id=account.client_id,
                merchant=account.name,
            )
        except PannierError:  # unreachable or refusing: forget the link here all the same
            revoked = False
    links.remove(account.origin)
    return revoked
