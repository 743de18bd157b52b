"""A write whose answer died with the process replays after a restart, though the restarted
process serves its platform profile from a new URL: the store scopes keys by our client id."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

from assistant.config import Config, MerchantConfig
from assistant.domain import Cart, Checkout
from assistant.profile import ProfileServer, platform_profile
from assistant.store import Store
from assistant.ucp.client import UcpClient
from assistant.ucp.connect import connect_merchant
from assistant.ucp.requests import CartRequest, LineItemRequest
from merchants.serve import RunningStore
from tests.ucp.test_sandbox import INSTANT, payment, ready_checkout

TRANSPORTS = ["mcp", "rest"]
SANDBOX_CLIENT_ID = "pannier-sandbox"


class ProcessDied(Exception):
    """The Pannier process ending at one exact point (not a network error: nothing retries)."""


class DiesAfterTheStoreAnswers(httpx2.AsyncBaseTransport):
    """Forwards everything to the store; on ``operation`` it keeps the answer and dies."""

    def __init__(self, operation: str) -> None:
        self.real = httpx2.AsyncHTTPTransport()
        self.operation = operation
        self.sent_key: str | None = None
        self.lost_answer: dict[str, Any] | None = None

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.real.handle_async_request(request)
        name, key = _operation_and_key(request)
        if name != self.operation:
            return response
        body = json.loads(await response.aread())
        await response.aclose()
        self.sent_key = key
        self.lost_answer = body.get("result", {}).get("structuredContent", body)
        raise ProcessDied

    async def aclose(self) -> None:
        await self.real.aclose()


def _operation_and_key(request: httpx2.Request) -> tuple[str | None, str | None]:
    if request.url.path.endswith("/mcp"):
        message = json.loads(request.content)
        if message.get("method") != "tools/call":
            return None, None
        meta = message["params"]["arguments"]["meta"]
        return message["params"]["name"], meta.get("idempotency-key")
    key = request.headers.get("idempotency-key")
    if request.method == "POST" and request.url.path.endswith("/carts"):
        return "create_cart", key
    if request.url.path.endswith("/complete"):
        return "complete_checkout", key
    return None, key


@dataclass(frozen=True)
class PannierProcess:
    """What one Pannier process holds: its client, its store and the profile URL it serves."""

    client: UcpClient
    store: Store
    profile_url: str


def profile_server() -> ProfileServer:
    """Pannier's own platform profile, served on a free loopback port as every process does."""
    return ProfileServer(platform_profile(Config()))


@asynccontextmanager
async def pannier_process(
    db: Path,
    store: RunningStore,
    transport: str,
    profile: ProfileServer,
    http_transport: httpx2.AsyncBaseTransport | None = None,
) -> AsyncIterator[PannierProcess]:
    """One process's lifetime: its HTTP client and Store, advertising ``profile``'s URL."""
    local = Store.open(db)
    async with httpx2.AsyncClient(transport=http_transport) as http:
        client = await connect_merchant(
            MerchantConfig(url=store.url, transport=transport),
            http=http,
            store=local,
            profile_url=profile.url,
            retry=INSTANT,
        )
        try:
            yield PannierProcess(client, local, profile.url)
        finally:
            local.close()


def merchant_rows(data_dir: Path, slug: str, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Rows from a sandbox store's own database, read-only."""
    uri = f"file:{data_dir / f'{slug}.sqlite3'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        return db.execute(sql, params).fetchall()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_create_cart_lost_in_a_crash_replays_from_a_new_profile_url(
    sandbox_stores: dict[str, RunningStore],
    sandbox_data_dir: Path,
    tmp_path: Path,
    transport: str,
) -> None:
    flowers = sandbox_stores["flowers"]
    db = tmp_path / "pannier.db"
    scope = "trip-1|cart|flowers"
    cart = CartRequest(line_items=[LineItemRequest(item_id="tulip-bundle--yellow", quantity=2)])
    carts_before = merchant_rows(sandbox_data_dir, "flowers", "SELECT count(*) FROM carts")[0][0]
    dying = DiesAfterTheStoreAnswers("create_cart")
    async with profile_server() as crashed_profile, profile_server() as restarted_profile:
        async with pannier_process(db, flowers, transport, crashed_profile, dying) as first:
            with pytest.raises(ProcessDied):
                await first.client.create_cart(cart, idempotency_scope=scope)
        await crashed_profile.aclose()  # its profile URL died with the process
        assert dying.lost_answer is not None and dying.sent_key is not None

        async with pannier_process(db, flowers, transport, restarted_profile) as second:
            assert second.profile_url != first.profile_url
            replayed = await second.client.create_cart(cart, idempotency_scope=scope)
            second.store.forget_idempotency_key(scope)  # what the orchestrator does on save

    assert isinstance(replayed, Cart), replayed
    assert replayed.id == dying.lost_answer["id"]
    carts_after = merchant_rows(sandbox_data_dir, "flowers", "SELECT count(*) FROM carts")[0][0]
    assert carts_after == carts_before + 1
    assert merchant_rows(
        sandbox_data_dir, "flowers", "SELECT scope FROM idempotency WHERE key = ?", dying.sent_key
    ) == [(f"client:{SANDBOX_CLIENT_ID}|create_cart",)]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_complete_checkout_lost_in_a_crash_replays_from_a_new_profile_url(
    sandbox_stores: dict[str, RunningStore],
    sandbox_data_dir: Path,
    tmp_path: Path,
    transport: str,
) -> None:
    flowers = sandbox_stores["flowers"]
    db = tmp_path / "pannier.db"
    dying = DiesAfterTheStoreAnswers("complete_checkout")
    async with profile_server() as crashed_profile, profile_server() as restarted_profile:
        async with pannier_process(db, flowers, transport, crashed_profile, dying) as first:
            checkout = await ready_checkout(first.client)
            with pytest.raises(ProcessDied):
                await first.client.complete_checkout(checkout.id, payment())
        await crashed_profile.aclose()  # its profile URL died with the process
        assert dying.lost_answer is not None and dying.sent_key is not None
        assert dying.lost_answer["status"] == "completed"

        async with pannier_process(db, flowers, transport, restarted_profile) as second:
            assert second.profile_url != first.profile_url
            completed = await second.client.complete_checkout(checkout.id, payment())
            second.store.settle_writes()  # the forget rides the loop turn's hand-off
            assert second.store.db["idempotency_keys"].count == 0

    assert isinstance(completed, Checkout) and completed.status == "completed", completed
    assert completed.order is not None
    assert completed.order.id == dying.lost_answer["order"]["id"]
    orders = merchant_rows(
        sandbox_data_dir, "flowers", "SELECT id FROM orders WHERE checkout_id = ?", checkout.id
    )
    assert orders == [(completed.order.id,)]
    assert merchant_rows(
        sandbox_data_dir, "flowers", "SELECT scope FROM idempotency WHERE key = ?", dying.sent_key
    ) == [(f"client:{SANDBOX_CLIENT_ID}|complete_checkout",)]
