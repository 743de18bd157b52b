"""The client's idempotency keys on disk, against a real store: each key is committed before its
request leaves; a key forgotten after an answer rides the next write's commit and is gone before
any other store on the database asks for one; a signed write that died after pinning its bytes
but before sending them goes out later with the same key and the same bytes, once."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import httpx2
import pytest

from assistant.domain import Cart, Checkout
from assistant.store import Store
from assistant.ucp.requests import CartRequest, LineItemRequest
from merchants.serve import RunningStore
from tests.ucp.signing_helpers import Recorder, platform, signed_client
from tests.ucp.test_byte_identical_retries import _completions
from tests.ucp.test_replay_across_restarts import (
    TRANSPORTS,
    ProcessDied,
    merchant_rows,
    pannier_process,
    profile_server,
)
from tests.ucp.test_sandbox import payment, ready_checkout

TULIPS = CartRequest(line_items=[LineItemRequest(item_id="tulip-bundle--yellow", quantity=1)])


def _key(request: httpx2.Request) -> str | None:
    """The idempotency key a request carries (REST: its header; MCP: ``meta``, and the header
    too when signed, which must agree)."""
    header = request.headers.get("idempotency-key")
    if not request.url.path.endswith("/mcp") or not request.content:
        return header
    message = json.loads(request.content)
    key = message.get("params", {}).get("arguments", {}).get("meta", {}).get("idempotency-key")
    assert header is None or header == key, (header, key)
    return key if isinstance(key, str) else None


class LooksOnDisk(httpx2.AsyncBaseTransport):
    """Forwards to the store; as each keyed request leaves, another connection looks for its
    key in the database file (as a process started at that moment would)."""

    def __init__(self, db: Path) -> None:
        self.real = httpx2.AsyncHTTPTransport()
        self.db = db
        self.keys_on_disk: list[bool] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        key = _key(request)
        if key is not None:
            with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as other:
                sql = "SELECT count(*) FROM idempotency_keys WHERE key = ?"
                (count,) = other.execute(sql, [key.replace("-", "")]).fetchone()
            self.keys_on_disk.append(count == 1)
        return await self.real.handle_async_request(request)

    async def aclose(self) -> None:
        await self.real.aclose()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_every_writes_key_is_on_disk_before_its_request_leaves(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path, transport: str
) -> None:
    db = tmp_path / "pannier.db"
    looking = LooksOnDisk(db)
    async with (
        profile_server() as profile,
        pannier_process(db, sandbox_stores["flowers"], transport, profile, looking) as process,
    ):
        assert isinstance(await process.client.create_cart(TULIPS), Cart)
        checkout = await ready_checkout(process.client)
        done = await process.client.complete_checkout(checkout.id, payment())
    assert isinstance(done, Checkout) and done.status == "completed", done
    # create_cart, create_checkout, update_checkout, complete_checkout
    assert looking.keys_on_disk == [True, True, True, True]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_forgotten_key_rides_the_next_writes_commit_one_commit_per_write(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path, transport: str
) -> None:
    db = tmp_path / "pannier.db"
    async with (
        profile_server() as profile,
        pannier_process(db, sandbox_stores["flowers"], transport, profile) as process,
    ):
        await process.client.create_cart(TULIPS)  # fetches the token (saved in a commit)
        process.store.settle_writes()
        statements: list[str] = []
        process.store.db.conn.set_trace_callback(statements.append)
        try:
            checkout = await ready_checkout(process.client)  # create_checkout, update_checkout
            await process.client.complete_checkout(checkout.id, payment())
            process.store.settle_writes()
        finally:
            process.store.db.conn.set_trace_callback(None)
    words = [statement.split()[0].upper() for statement in statements]
    keyed = [s for s in statements if "idempotency_keys" in s]
    assert sum(s.startswith("INSERT") for s in keyed) == 3, keyed
    assert sum(s.startswith("DELETE") for s in keyed) == 3, keyed
    # three keys minted, the last forget alone: was six (a commit for each key, each forget)
    assert words.count("COMMIT") == 4, statements


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_signed_writes_key_and_bytes_are_stored_in_one_statement_and_commit(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path, transport: str
) -> None:
    store = Store.open(tmp_path / "pannier.db")
    async with platform(tmp_path) as ours, httpx2.AsyncClient() as http:
        client = await signed_client(sandbox_stores["flowers"].url, transport, http, store, ours)
        await client.create_cart(TULIPS)  # fetches the token (saved in a commit)
        store.settle_writes()
        statements: list[str] = []
        store.db.conn.set_trace_callback(statements.append)
        try:
            checkout = await ready_checkout(client)
            await client.complete_checkout(checkout.id, payment())
            store.settle_writes()
        finally:
            store.db.conn.set_trace_callback(None)
    store.close()
    keyed = [s for s in statements if "idempotency_keys" in s]
    assert [s.split()[0] for s in keyed if not s.startswith("SELECT")] == [
        "INSERT",  # create_checkout: key and bytes
        "DELETE",  # its forget, with update_checkout's key and bytes
        "INSERT",
        "DELETE",
        "INSERT",  # complete_checkout
        "DELETE",
    ], keyed
    assert [s.split()[0].upper() for s in statements].count("COMMIT") == 4, statements


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_key_forgotten_after_an_answer_is_gone_before_another_store_asks_for_one(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path, transport: str
) -> None:
    """Two stores on one database (two sessions, or two processes) ask for the same cart one
    right after the other: the second must get a cart of its own, not a replay of the first."""
    db = tmp_path / "pannier.db"
    flowers = sandbox_stores["flowers"]
    async with (
        profile_server() as profile,
        pannier_process(db, flowers, transport, profile) as first,
        pannier_process(db, flowers, transport, profile) as second,
    ):
        mine = await first.client.create_cart(TULIPS)
        theirs = await second.client.create_cart(TULIPS)
    assert isinstance(mine, Cart) and isinstance(theirs, Cart)
    assert mine.id != theirs.id


class DiesBeforeSending(httpx2.AsyncBaseTransport):
    """Forwards to the store, but the process dies as a completion is about to leave."""

    def __init__(self) -> None:
        self.real = httpx2.AsyncHTTPTransport()
        self.unsent: httpx2.Request | None = None

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if _completions([request]):
            self.unsent = request
            raise ProcessDied
        return await self.real.handle_async_request(request)

    async def aclose(self) -> None:
        await self.real.aclose()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_signed_write_that_died_between_its_pin_and_its_send_goes_out_with_the_same_key(
    sandbox_stores: dict[str, RunningStore],
    sandbox_data_dir: Path,
    tmp_path: Path,
    transport: str,
) -> None:
    flowers = sandbox_stores["flowers"]
    db = tmp_path / "pannier.db"
    dying = DiesBeforeSending()
    async with platform(tmp_path) as ours, httpx2.AsyncClient(transport=dying) as http:
        first_store = Store.open(db)
        client = await signed_client(flowers.url, transport, http, first_store, ours)
        checkout = await ready_checkout(client)
        with pytest.raises(ProcessDied):
            await client.complete_checkout(checkout.id, payment())
        first_store.close()
    assert dying.unsent is not None

    recorder = Recorder()
    async with platform(tmp_path) as ours, httpx2.AsyncClient(transport=recorder) as http:
        second_store = Store.open(db)
        client = await signed_client(flowers.url, transport, http, second_store, ours)
        completed = await client.complete_checkout(checkout.id, payment())
        second_store.close()
    (sent,) = _completions(recorder.requests)

    assert _key(sent) == _key(dying.unsent) is not None
    assert sent.content == dying.unsent.content  # the pinned bytes, JSON-RPC id included
    assert isinstance(completed, Checkout) and completed.order is not None
    orders = merchant_rows(
        sandbox_data_dir, "flowers", "SELECT id FROM orders WHERE checkout_id = ?", checkout.id
    )
    assert orders == [(completed.order.id,)]


class DiesAsAWriteLeaves(DiesBeforeSending):
    """The process dies as its first keyed request is about to leave."""

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if _key(request) is not None:
            self.unsent = request
            raise ProcessDied
        return await self.real.handle_async_request(request)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_key_stored_by_an_unsigned_attempt_is_sent_again_by_a_signed_one(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path, transport: str
) -> None:
    """A process dies with a cart's key stored and nothing sent; the next one signs (the store
    now offers signing): it sends the cart under the stored key, its bytes pinned first."""
    db = tmp_path / "pannier.db"
    flowers = sandbox_stores["flowers"]
    dying = DiesAsAWriteLeaves()
    async with (
        profile_server() as profile,
        pannier_process(db, flowers, transport, profile, dying) as first,
    ):
        with pytest.raises(ProcessDied):
            await first.client.create_cart(TULIPS)
    assert dying.unsent is not None

    recorder = Recorder()
    async with platform(tmp_path) as ours, httpx2.AsyncClient(transport=recorder) as http:
        store = Store.open(db)
        client = await signed_client(flowers.url, transport, http, store, ours)
        cart = await client.create_cart(TULIPS)
        store.close()
    [sent] = [request for request in recorder.requests if _key(request) is not None]
    assert isinstance(cart, Cart)
    assert _key(sent) == _key(dying.unsent) is not None
    assert sent.headers["signature"]
