"""The UCP client against a fake merchant (MockTransport): same answers over MCP and REST,
retries, idempotency, tokens and failures."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx2
import pytest

from assistant.domain import Checkout, ErrorResponse, Payment, PaymentInstrument
from assistant.errors import AuthError, MerchantUnavailable, NegotiationError, ProtocolError
from assistant.events import EventBus, ProtocolCalled
from assistant.ucp.http import MalformedResponse
from assistant.ucp.requests import CartRequest, CheckoutRequest, LineItemRequest
from tests.ucp.conftest import Connect, Sleeps
from tests.ucp.fakes import FakeMerchant, MemoryKeyStore

TRANSPORTS = ["mcp", "rest"]
PAYMENT = Payment(
    instruments=[
        PaymentInstrument(
            id="card_1",
            handler_id="sandbox_card",
            type="card",
            credential={"type": "token", "token": "tok_sandbox_approved"},
        )
    ]
)
CHECKOUT = CheckoutRequest(line_items=[LineItemRequest(item_id="v1", quantity=1)])


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_the_same_operations_give_the_same_typed_results_over_either_transport(
    connect: Connect, transport: str
) -> None:
    client = await connect(transport)
    assert client.transport_name == transport
    results = await client.search_catalog("red")
    created = await client.create_checkout(CHECKOUT)
    assert isinstance(created, Checkout)
    completed = await client.complete_checkout(created.id, PAYMENT)
    missing = await client.get_checkout("nope")
    assert results.products[0].title == "Rose red"
    assert isinstance(completed, Checkout) and completed.status == "completed"
    assert completed.order is not None and completed.order.id == "ord_1"
    assert isinstance(missing, ErrorResponse) and missing.messages[0].code == "not_found"


async def test_auto_prefers_mcp_and_a_forced_transport_must_be_offered(connect: Connect) -> None:
    assert (await connect()).transport_name == "mcp"
    assert (await connect("rest")).transport_name == "rest"


async def test_a_profile_without_a_name_shows_the_merchant_by_host(connect: Connect) -> None:
    client = await connect()
    assert client.merchant.name == client.merchant.domain == "shop.example"


async def test_create_checkout_from_a_cart_sends_cart_id_top_level_and_inside_checkout(
    connect: Connect, merchant: FakeMerchant
) -> None:
    client = await connect("mcp")
    await client.create_checkout(cart_id="cart_9")
    sent = json.loads(merchant.requests[-1].content)["params"]["arguments"]
    assert sent["cart_id"] == "cart_9"
    assert sent["checkout"] == {"cart_id": "cart_9"}
    assert sent["meta"]["ucp-agent"] == {"profile": "https://agent.example/.well-known/ucp"}


async def test_writes_carry_a_uuid_idempotency_key_and_forget_it_after_an_answer(
    connect: Connect, merchant: FakeMerchant, keys: MemoryKeyStore
) -> None:
    client = await connect("rest")
    await client.create_checkout(CHECKOUT)
    key = merchant.requests[-1].headers["idempotency-key"]
    assert len(key) == 36 and key.count("-") == 4
    assert keys.keys == {}


async def test_a_callers_creation_scope_keeps_its_key_until_the_caller_forgets_it(
    connect: Connect, merchant: FakeMerchant, keys: MemoryKeyStore
) -> None:
    client = await connect("rest")
    scope = "session-1|shop.example|create_checkout|cart_9"
    await client.create_checkout(cart_id="cart_9", idempotency_scope=scope)
    await client.create_checkout(cart_id="cart_9", idempotency_scope=scope)  # after a "crash"
    first, second = (r.headers["idempotency-key"] for r in merchant.requests[-2:])
    assert first == second and list(keys.keys) == [scope]
    keys.forget_idempotency_key(scope)
    await client.create_checkout(cart_id="cart_9", idempotency_scope=scope)
    assert merchant.requests[-1].headers["idempotency-key"] != first


async def test_429_waits_for_retry_after_then_succeeds(
    connect: Connect, merchant: FakeMerchant, sleeps: Sleeps
) -> None:
    answers = iter(
        [httpx2.Response(429, headers={"Retry-After": "7"}, json={"code": "rate_limited"})]
    )

    def fault(request: httpx2.Request, operation: str) -> httpx2.Response | None:
        return next(answers, None) if operation == "search_catalog" else None

    merchant.fault = fault
    client = await connect("rest")
    result = await client.search_catalog("x")
    assert result.products
    assert sleeps.delays == [7.0]


async def test_mcp_rate_limit_reads_retry_after_from_the_json_rpc_error(
    connect: Connect, merchant: FakeMerchant, sleeps: Sleeps
) -> None:
    limited = {
        "jsonrpc": "2.0",
        "id": 1,
        "error": {"code": -32000, "message": "Rate limit exceeded", "data": {"retry_after": 3}},
    }
    answers = iter([httpx2.Response(429, json=limited)])
    merchant.fault = lambda r, op: next(answers, None) if op == "search_catalog" else None
    client = await connect("mcp")
    await client.search_catalog("x")
    assert sleeps.delays == [3.0]


async def test_5xx_on_a_write_without_a_stored_key_is_not_retried(
    connect: Connect, merchant: FakeMerchant
) -> None:
    merchant.fault = lambda r, op: httpx2.Response(503) if op == "create_checkout" else None
    client = await connect("rest", store=None)
    with pytest.raises(MerchantUnavailable) as caught:
        await client.create_checkout(CHECKOUT)
    assert merchant.count("create_checkout") == 1
    assert caught.value.merchant == "shop.example" and caught.value.operation == "create_checkout"


async def test_5xx_on_a_write_with_a_stored_key_is_retried_with_the_same_key(
    connect: Connect, merchant: FakeMerchant
) -> None:
    answers = iter([httpx2.Response(502), httpx2.Response(503)])
    merchant.fault = lambda r, op: next(answers, None) if op == "create_checkout" else None
    client = await connect("rest")
    assert isinstance(await client.create_checkout(CHECKOUT), Checkout)
    sent = [
        r.headers["idempotency-key"]
        for r in merchant.requests
        if r.url.path.endswith("/checkout-sessions")
    ]
    assert len(sent) == 3 and len(set(sent)) == 1


async def test_reads_give_up_after_the_bounded_number_of_attempts(
    connect: Connect, merchant: FakeMerchant, sleeps: Sleeps
) -> None:
    merchant.fault = lambda r, op: httpx2.Response(500) if op == "search_catalog" else None
    client = await connect("rest")
    with pytest.raises(MerchantUnavailable, match="HTTP 500"):
        await client.search_catalog("x")
    assert merchant.count("search_catalog") == 4
    assert len(sleeps.delays) == 3


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    "body",
    [b"<html>oops</html>", b'{"ucp": {"version": "2026-04-08"}, "id": "co_1", "sta', b"[1, 2]"],
    ids=["garbage", "truncated", "not-an-object"],
)
async def test_garbage_answers_raise_a_clear_protocol_error(
    connect: Connect, merchant: FakeMerchant, transport: str, body: bytes
) -> None:
    merchant.fault = lambda r, op: (
        httpx2.Response(200, content=body) if op == "get_checkout" else None
    )
    client = await connect(transport)
    with pytest.raises(ProtocolError) as caught:
        await client.get_checkout("co_1")
    assert "shop.example: get_checkout:" in str(caught.value)


async def test_a_schema_invalid_checkout_raises_a_protocol_error(
    connect: Connect, merchant: FakeMerchant
) -> None:
    merchant.fault = lambda r, op: (
        httpx2.Response(200, json={"id": "co_1", "status": "incomplete"})
        if op == "get_checkout"
        else None
    )
    client = await connect("rest")
    with pytest.raises(MalformedResponse, match="not a valid Checkout: currency"):
        await client.get_checkout("co_1")


async def test_a_50_mb_answer_is_cut_off_at_the_size_cap(
    connect: Connect, merchant: FakeMerchant
) -> None:
    streamed = 0

    async def huge() -> AsyncIterator[bytes]:
        nonlocal streamed
        chunk = b"x" * (1024 * 1024)
        for _ in range(50):
            streamed += 1
            yield chunk

    merchant.fault = lambda r, op: (
        httpx2.Response(200, content=huge()) if op == "get_checkout" else None
    )
    client = await connect("rest")
    with pytest.raises(MalformedResponse, match="larger than 8 MiB"):
        await client.get_checkout("co_1")
    assert streamed <= 10


async def test_a_declared_oversized_answer_is_refused_before_reading(
    connect: Connect, merchant: FakeMerchant
) -> None:
    merchant.fault = lambda r, op: (
        httpx2.Response(200, headers={"Content-Length": str(50 * 1024 * 1024)}, content=b"{}")
        if op == "get_checkout"
        else None
    )
    client = await connect("rest")
    with pytest.raises(MalformedResponse, match="larger than"):
        await client.get_checkout("co_1")


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_expired_token_is_refreshed_once(
    connect: Connect, merchant: FakeMerchant, transport: str
) -> None:
    client = await connect(transport)
    await client.create_checkout(CHECKOUT)
    merchant.valid_token = "tok-2"  # the merchant rotated its keys: our cached token is now refused
    assert isinstance(await client.get_checkout("co_1"), Checkout)
    assert merchant.tokens_issued == 2


async def test_a_token_refused_twice_raises_auth_error_without_the_token(
    connect: Connect, merchant: FakeMerchant
) -> None:
    merchant.valid_token = "never-issued"
    merchant.fault = lambda r, op: (
        httpx2.Response(200, json={"access_token": "tok-secret-value", "expires_in": 3600})
        if r.url.path == "/auth/access_token"
        else None
    )
    client = await connect("rest")
    with pytest.raises(AuthError) as caught:
        await client.get_checkout("co_1")
    assert merchant.count("get_checkout") == 2
    assert "tok-secret-value" not in str(caught.value) and "tok-secret-value" not in repr(client)


async def test_anonymous_catalog_calls_get_no_token(
    connect: Connect, merchant: FakeMerchant
) -> None:
    client = await connect("rest")
    await client.search_catalog("x")
    assert merchant.tokens_issued == 0
    assert "authorization" not in merchant.requests[-1].headers


async def test_cart_writes_carry_the_bearer_token_so_keys_are_scoped_by_client(
    connect: Connect, merchant: FakeMerchant
) -> None:
    client = await connect("rest")
    await client.create_cart(CartRequest(line_items=[LineItemRequest(item_id="v1", quantity=1)]))
    await client.cancel_cart("cart_1")
    carts = [r for r in merchant.requests if "/carts" in r.url.path]
    assert len(carts) == 2
    assert {r.headers.get("authorization") for r in carts} == {f"Bearer {merchant.valid_token}"}
    assert merchant.tokens_issued == 1


async def test_a_timed_out_completion_is_read_back_and_never_resent_once_completed(
    connect: Connect, merchant: FakeMerchant, keys: MemoryKeyStore
) -> None:
    client = await connect("rest")
    created = await client.create_checkout(CHECKOUT)
    assert isinstance(created, Checkout)
    dropped = False

    def fault(request: httpx2.Request, operation: str) -> httpx2.Response | None:
        nonlocal dropped
        if operation == "complete_checkout" and not dropped:
            dropped = True
            merchant.operate(
                "complete_checkout", {"id": created.id}, request.headers["idempotency-key"]
            )
            raise httpx2.ReadTimeout("the answer was lost", request=request)
        return None

    merchant.fault = fault
    completed = await client.complete_checkout(created.id, PAYMENT)
    assert isinstance(completed, Checkout) and completed.status == "completed"
    assert merchant.count("complete_checkout") == 1
    assert merchant.count("cancel_checkout") == 0
    assert merchant.completions == 1
    assert keys.keys == {}


async def test_a_completion_that_never_arrived_is_resent_with_the_same_key(
    connect: Connect, merchant: FakeMerchant
) -> None:
    client = await connect("mcp")
    created = await client.create_checkout(CHECKOUT)
    assert isinstance(created, Checkout)
    answers = iter([httpx2.ConnectError("refused")])

    def fault(request: httpx2.Request, operation: str) -> httpx2.Response | None:
        if operation == "complete_checkout":
            error = next(answers, None)
            if error is not None:
                raise error
        return None

    merchant.fault = fault
    completed = await client.complete_checkout(created.id, PAYMENT)
    assert isinstance(completed, Checkout) and completed.status == "completed"
    completes = [
        json.loads(r.content)["params"]["arguments"]["meta"]["idempotency-key"]
        for r in merchant.requests
        if _tool(r) == "complete_checkout"
    ]
    assert len(completes) == 2 and len(set(completes)) == 1
    assert merchant.count("get_checkout") == 1


async def test_the_completion_key_survives_a_restart(
    connect: Connect, merchant: FakeMerchant, keys: MemoryKeyStore
) -> None:
    first = await connect("rest")
    created = await first.create_checkout(CHECKOUT)
    assert isinstance(created, Checkout)
    merchant.fault = lambda r, op: (
        httpx2.Response(503) if op in ("complete_checkout", "get_checkout") else None
    )
    with pytest.raises(MerchantUnavailable):
        await first.complete_checkout(created.id, PAYMENT)
    lost_key = merchant.requests[-1].headers.get("idempotency-key") or next(
        r.headers["idempotency-key"]
        for r in reversed(merchant.requests)
        if r.url.path.endswith("/complete")
    )
    merchant.fault = None
    restarted = await connect("rest")  # a new process: same store, new client
    completed = await restarted.complete_checkout(created.id, PAYMENT)
    assert isinstance(completed, Checkout) and completed.status == "completed"
    assert merchant.requests[-1].headers["idempotency-key"] == lost_key
    assert merchant.completions == 1


async def test_a_409_key_conflict_is_a_protocol_error_and_the_key_is_forgotten(
    connect: Connect, merchant: FakeMerchant, keys: MemoryKeyStore
) -> None:
    merchant.fault = lambda r, op: (
        httpx2.Response(409, json={"code": "idempotency_conflict", "content": "key reused"})
        if op == "complete_checkout"
        else None
    )
    client = await connect("rest")
    with pytest.raises(ProtocolError, match="HTTP 409"):
        await client.complete_checkout("co_1", PAYMENT)
    assert keys.keys == {}


async def test_a_negotiation_error_from_mcp_is_typed(
    connect: Connect, merchant: FakeMerchant
) -> None:
    failure = {
        "jsonrpc": "2.0",
        "id": 1,
        "error": {
            "code": -32001,
            "message": "UCP discovery failed",
            "data": {"code": "version_unsupported", "content": "no"},
        },
    }
    merchant.fault = lambda r, op: (
        httpx2.Response(200, json=failure) if op == "search_catalog" else None
    )
    client = await connect("mcp")
    with pytest.raises(NegotiationError) as caught:
        await client.search_catalog("x")
    assert caught.value.code == "version_unsupported"


async def test_mcp_runs_the_handshake_only_when_the_server_demands_a_session(
    connect: Connect, merchant: FakeMerchant
) -> None:
    merchant.require_session = True
    client = await connect("mcp")
    await client.search_catalog("a")
    await client.search_catalog("b")
    methods = [json.loads(r.content)["method"] for r in merchant.requests if r.url.path == "/mcp"]
    assert methods == [
        "tools/call",
        "initialize",
        "notifications/initialized",
        "tools/call",
        "tools/call",
    ]
    assert merchant.requests[-1].headers["mcp-session-id"] == "sess-1"


async def test_mcp_without_a_session_demand_sends_bare_tool_calls(
    connect: Connect, merchant: FakeMerchant
) -> None:
    client = await connect("mcp")
    await client.search_catalog("a")
    assert "mcp-session-id" not in merchant.requests[-1].headers
    assert merchant.requests[-1].headers["accept"] == "application/json, text/event-stream"


async def test_mcp_answers_as_an_event_stream_are_parsed(
    connect: Connect, merchant: FakeMerchant
) -> None:
    merchant.sse = True
    client = await connect("mcp")
    assert (await client.search_catalog("sse")).products[0].title == "Rose sse"


async def test_2026_01_23_answers_are_read_by_their_declared_version(
    connect: Connect, merchant: FakeMerchant
) -> None:
    merchant.version = "2026-01-23"
    client = await connect("rest")
    assert client.version == "2026-01-23"
    discounted = {**_checkout_with_discount("2026-01-23")}
    merchant.fault = lambda r, op: (
        httpx2.Response(200, json=discounted) if op == "get_checkout" else None
    )
    checkout = await client.get_checkout("co_1")
    assert isinstance(checkout, Checkout)
    assert [t.amount for t in checkout.totals] == [1000, -100, 900]


async def test_every_call_publishes_protocol_called(connect: Connect, bus: EventBus) -> None:
    client = await connect("rest", bus=bus)
    await client.search_catalog("x")
    await client.get_checkout("nope")
    events = [e for e in bus.history if isinstance(e, ProtocolCalled)]
    assert [(e.operation, e.transport, e.outcome) for e in events] == [
        ("search_catalog", "rest", "ok"),
        ("get_checkout", "rest", "error_response"),
    ]


def _checkout_with_discount(version: str) -> dict[str, object]:
    from tests.ucp.fakes import checkout_payload

    payload = checkout_payload("co_1", version=version)
    payload["totals"] = [
        {"type": "subtotal", "amount": 1000},
        {"type": "discount", "amount": 100},
        {"type": "total", "amount": 900},
    ]
    return payload


def _tool(request: httpx2.Request) -> str | None:
    if request.url.path != "/mcp":
        return None
    message = json.loads(request.content)
    return message["params"]["name"] if message["method"] == "tools/call" else None
