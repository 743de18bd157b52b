"""Pannier acts on a store's WWW-Authenticate challenge, over MCP and REST against the real stores:
an invalid linked-account token is refreshed once and the checkout retried with the same
idempotency key; a linked account without the scope tells the shopper which `pannier link` to
run; a client-credentials token the store no longer takes is fetched again once. No token reaches
an event, the log or the database on the way."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx2
import jwt
import pytest
from shopping_helpers import OpenTrip

from assistant.config import Config, MerchantConfig
from assistant.events import MerchantFailed
from assistant.shopping import compose
from assistant.shopping.trip import Trip
from assistant.store import Store
from assistant.ucp.link_tokens import LinkedAccount, LinkStore
from merchants.serve import RunningStore
from tests.oauth_login import link_account, linked_tokens

TULIPS = "tulip-bundle--red"
ORDER_READ = "dev.ucp.shopping.order:read"
CHECKOUT_MANAGE = "dev.ucp.shopping.checkout:manage"


@dataclass
class Wire:
    """Every create_checkout Pannier sent: (idempotency key, Authorization), as they went out."""

    creates: list[tuple[str | None, str | None]] = field(default_factory=list)

    async def record(self, request: httpx2.Request) -> None:
        authorization = request.headers.get("authorization")
        if request.url.path.endswith("/api/ucp/mcp"):
            message = json.loads(request.content or b"{}")
            params = message.get("params") or {}
            if message.get("method") == "tools/call" and params.get("name") == "create_checkout":
                meta = params["arguments"].get("meta", {})
                self.creates.append((meta.get("idempotency-key"), authorization))
        elif request.method == "POST" and request.url.path.endswith("/checkout-sessions"):
            self.creates.append((request.headers.get("idempotency-key"), authorization))


@pytest.fixture
async def wire() -> AsyncIterator[tuple[Wire, httpx2.AsyncClient]]:
    seen = Wire()
    async with httpx2.AsyncClient(timeout=15.0, event_hooks={"request": [seen.record]}) as http:
        yield seen, http


async def _signed_trip(
    tmp_path: Path, store_url: str, transport: str, http: httpx2.AsyncClient
) -> tuple[Trip, Store]:
    """A trip as `pannier` opens one: its own profile and keys (the signed tier), the shopper's
    linked accounts in its data directory."""
    config = Config(
        data_dir=tmp_path / "data",
        merchants=[MerchantConfig(url=store_url, transport=transport)],
    )
    store = Store.open(tmp_path / "pannier.db")
    trip = await compose.open_trip(config, store=store, session="challenged", http=http)
    return trip, store


def _forged_access_token() -> str:
    """A token shaped like the store's user tokens, signed by nobody it knows (as good as
    expired or revoked early: the store answers invalid_token)."""
    claims = {"sub": "demo", "scope": f"{ORDER_READ} {CHECKOUT_MANAGE}", "exp": 4_000_000_000}
    return jwt.encode(claims, "not-the-stores-secret-" * 2, headers={"typ": "at+jwt"})


async def _to_checkout(trip: Trip) -> None:
    await trip.search("tulip")
    await trip.set_basket([(TULIPS, 1)])
    await trip.prepare_checkout()


@pytest.mark.parametrize("transport", ["mcp", "rest"])
async def test_an_invalid_linked_token_is_refreshed_once_and_the_checkout_retried_with_its_key(
    transport: str,
    sandbox_stores: dict[str, RunningStore],
    wire: tuple[Wire, httpx2.AsyncClient],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    seen, http = wire
    flowers = sandbox_stores["flowers"].url
    links = LinkStore(tmp_path / "data" / "linked-accounts.json")
    linked = await link_account(http, links, flowers)
    assert isinstance(linked, LinkedAccount), linked
    forged = _forged_access_token()
    links.put(replace(linked, access_token=forged, expires_at=time.time() + 600))
    trip, store = await _signed_trip(tmp_path, flowers, transport, http)
    try:
        await _to_checkout(trip)
        (card,) = trip.state()
        assert card.checkout_id is not None and card.failure is None
        refreshed = links.get(linked.origin)
        assert refreshed is not None and refreshed.access_token not in (forged, linked.access_token)
        (first_key, first_auth), (retry_key, retry_auth) = seen.creates
        assert first_auth == f"Bearer {forged}"
        assert retry_auth == f"Bearer {refreshed.access_token}"
        assert first_key is not None and retry_key == first_key  # the same write, asked again
        secrets = {forged, linked.access_token, refreshed.access_token}
        secrets |= {str(linked.refresh_token), str(refreshed.refresh_token)}
        shown = [repr(event) for event in trip.bus.history] + [caplog.text, repr(trip.accounts)]
        assert not any(secret in text for text in shown for secret in secrets)
    finally:
        await trip.aclose()
        store.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("pannier.db*"))  # noqa: ASYNC240
    assert stored and not any(secret.encode() in stored for secret in secrets)


@pytest.mark.parametrize("transport", ["mcp", "rest"])
async def test_a_linked_account_without_the_scope_tells_the_shopper_which_link_to_run(
    transport: str,
    sandbox_stores: dict[str, RunningStore],
    wire: tuple[Wire, httpx2.AsyncClient],
    tmp_path: Path,
) -> None:
    seen, http = wire
    flowers = sandbox_stores["flowers"].url
    links = LinkStore(tmp_path / "data" / "linked-accounts.json")
    linked = await link_account(http, links, flowers)
    assert isinstance(linked, LinkedAccount), linked
    # The store granted only order history (narrowed there); the link still remembers both.
    narrowed = await linked_tokens(http, flowers, scope=ORDER_READ)
    links.put(replace(linked, access_token=narrowed["access_token"], expires_at=time.time() + 600))
    trip, store = await _signed_trip(tmp_path, flowers, transport, http)
    try:
        await _to_checkout(trip)
        (card,) = trip.state()
        assert card.checkout_id is None
        assert card.failure is not None
        assert card.failure.startswith("Petal & Stem needs your linked account with more access")
        assert "run `pannier link 'Petal & Stem'`" in card.failure
        assert CHECKOUT_MANAGE in card.failure
        assert "Traceback" not in card.failure
        assert len(seen.creates) == 1  # the shopper must act: asking again cannot help
        failed = [e for e in trip.bus.history if isinstance(e, MerchantFailed)]
        assert failed and "pannier link" in failed[-1].reason
    finally:
        await trip.aclose()
        store.close()


@pytest.mark.parametrize("transport", ["mcp", "rest"])
async def test_a_client_credentials_token_the_store_no_longer_takes_is_fetched_again_once(
    transport: str,
    open_trip: OpenTrip,
    sandbox_stores: dict[str, RunningStore],
    tmp_path: Path,
) -> None:
    flowers = sandbox_stores["flowers"].url
    # A token an earlier process kept, which the store no longer honours (rotated secret, say).
    scope = f"{flowers}/auth/access_token|pannier-sandbox"
    earlier = Store.open(tmp_path / "pannier.db")
    earlier.save_token(scope, "stale-token", time.time() + 600)
    earlier.close()
    config = Config(merchants=[MerchantConfig(url=flowers, transport=transport)])
    trip = await open_trip("flowers", config=config)
    await _to_checkout(trip)
    (card,) = trip.state()
    assert card.checkout_id is not None and card.failure is None
    cached = trip.store.cached_token(scope)
    assert cached is not None and cached[0] != "stale-token"  # fetched again, and kept
