"""The client against the real sandbox stores on loopback: one suite, over MCP and over REST,
plus fault injection between the client and a real store."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from assistant.config import MerchantConfig, demo_buyer
from assistant.domain import (
    Buyer,
    Checkout,
    ErrorResponse,
    Order,
    Payment,
    PaymentInstrument,
)
from assistant.store import Store
from assistant.ucp.client import UcpClient
from assistant.ucp.connect import connect_merchant
from assistant.ucp.requests import (
    CartRequest,
    CheckoutRequest,
    FulfillmentMethodRequest,
    LineItemRequest,
)
from assistant.ucp.retry import RetryPolicy
from assistant.ucp.urls import safe_continue_url

TRANSPORTS = ["mcp", "rest"]
ADDRESS = demo_buyer().addresses[0]


async def _instant(seconds: float) -> None:
    return None


INSTANT = RetryPolicy(max_attempts=6, max_total_s=120.0, sleep=_instant)


def payment(token: str = "tok_sandbox_approved") -> Payment:
    return Payment(
        instruments=[
            PaymentInstrument(
                id="card_4242",
                handler_id="sandbox_card",
                type="card",
                credential={"type": "token", "token": token},
                display={"brand": "visa", "last_digits": "4242"},
            )
        ]
    )


@pytest.fixture
async def http() -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient() as client:
        yield client


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "p.db")


async def connect(
    url: str, transport: str, http: httpx2.AsyncClient, store: Store | None, profile_url: str
) -> UcpClient:
    return await connect_merchant(
        MerchantConfig(url=url, transport=transport),
        http=http,
        store=store,
        profile_url=profile_url,
        retry=INSTANT,
    )


async def ready_checkout(client: UcpClient, query: str = "rose") -> Checkout:
    """A checkout at ``ready_for_complete``: item, buyer, shipping address, cheapest option."""
    found = await client.search_catalog(query, limit=3)
    variant = next(v for p in found.products for v in p.variants if v.availability.available)
    created = await client.create_checkout(
        CheckoutRequest(
            line_items=[LineItemRequest(item_id=variant.id, quantity=1)],
            buyer=Buyer(
                email="ada@example.com",
                first_name="Ada",
                last_name="Lovelace",
                phone_number="+14155550123",
            ),
            fulfillment_methods=[FulfillmentMethodRequest(type="shipping", destinations=[ADDRESS])],
        )
    )
    assert isinstance(created, Checkout), created
    base = CheckoutRequest.from_checkout(created)
    assert created.fulfillment is not None and base.fulfillment_methods is not None
    method = base.fulfillment_methods[0]
    method.line_item_ids = [line.id for line in created.line_items if line.id]
    for group, options in zip(method.groups, created.fulfillment.methods[0].groups, strict=True):
        group.selected_option_id = min(options.options, key=lambda o: o.cost).id
    updated = await client.update_checkout(created.id, base)
    assert isinstance(updated, Checkout) and updated.status == "ready_for_complete", (
        updated.messages
    )
    return updated


async def test_merchant_name_is_the_configured_name_else_the_profiles_display_name(
    sandbox_stores: dict[str, Any], platform_profile_url: str, http: httpx2.AsyncClient
) -> None:
    flowers = sandbox_stores["flowers"].url
    from_profile = await connect(flowers, "auto", http, None, platform_profile_url)
    configured = await connect_merchant(
        MerchantConfig(url=flowers, name="My florist"),
        http=http,
        store=None,
        profile_url=platform_profile_url,
    )
    assert from_profile.merchant.name == "Petal & Stem"
    assert configured.merchant.name == "My florist"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_whole_purchase_at_a_sandbox_store(
    sandbox_stores: dict[str, Any],
    platform_profile_url: str,
    http: httpx2.AsyncClient,
    store: Store,
    transport: str,
) -> None:
    flowers = sandbox_stores["flowers"]
    client = await connect(flowers.url, transport, http, store, platform_profile_url)
    assert client.transport_name == transport and client.merchant.url == flowers.url
    checkout = await ready_checkout(client)
    assert checkout.totals_reconcile()
    assert (
        safe_continue_url(checkout.continue_url, client.merchant.url)
        or checkout.continue_url is None
    )
    completed = await client.complete_checkout(checkout.id, payment())
    assert (
        isinstance(completed, Checkout)
        and completed.status == "completed"
        and completed.order is not None
    )
    order = await client.get_order(completed.order.id)
    assert isinstance(order, Order) and order.checkout_id == checkout.id


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_cart_then_checkout_and_business_outcomes_are_data(
    sandbox_stores: dict[str, Any],
    platform_profile_url: str,
    http: httpx2.AsyncClient,
    store: Store,
    transport: str,
) -> None:
    client = await connect(
        sandbox_stores["flowers"].url, transport, http, store, platform_profile_url
    )
    found = await client.search_catalog("rose", limit=1)
    variant = found.products[0].variants[0]
    cart = await client.create_cart(
        CartRequest(
            line_items=[LineItemRequest(item_id=variant.id, quantity=2)],
            discount_codes=["SPRING2025"],
        )
    )
    assert not isinstance(cart, ErrorResponse)
    assert any(m.code == "discount_code_expired" for m in cart.messages)
    same = await client.get_cart(cart.id)
    assert not isinstance(same, ErrorResponse) and same.line_items[0].quantity == 2
    checkout = await client.create_checkout(cart_id=cart.id)
    assert isinstance(checkout, Checkout) and checkout.status == "incomplete"
    assert any(m.path == "$.buyer.email" for m in checkout.recoverable_errors)
    missing = await client.get_checkout("chk_does_not_exist")
    assert isinstance(missing, ErrorResponse)
    canceled = await client.cancel_checkout(checkout.id)
    assert isinstance(canceled, Checkout) and canceled.status == "canceled"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_declined_card_is_an_answer_not_an_exception(
    sandbox_stores: dict[str, Any],
    platform_profile_url: str,
    http: httpx2.AsyncClient,
    store: Store,
    transport: str,
) -> None:
    client = await connect(
        sandbox_stores["coffee"].url, transport, http, store, platform_profile_url
    )
    checkout = await ready_checkout(client, "coffee")
    declined = await client.complete_checkout(checkout.id, payment("tok_sandbox_declined"))
    assert isinstance(declined, Checkout) and declined.status != "completed"
    assert any(m.code == "payment_failed" for m in declined.messages)
    assert declined.status in ("incomplete", "ready_for_complete")


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_lookup_and_product_give_the_same_product(
    sandbox_stores: dict[str, Any],
    platform_profile_url: str,
    http: httpx2.AsyncClient,
    transport: str,
) -> None:
    client = await connect(
        sandbox_stores["electronics"].url, transport, http, None, platform_profile_url
    )
    found = await client.search_catalog("", limit=2)  # a search needs a query
    product_id = found.products[0].id
    looked_up = await client.lookup_catalog([product_id, "no-such-product"])
    single = await client.get_product(product_id)
    assert [p.id for p in looked_up.products] == [product_id]
    assert not isinstance(single, ErrorResponse) and single.product.id == product_id


# --- fault injection ---


class DroppingTransport(httpx2.AsyncBaseTransport):
    """Wraps the real transport; drops one ``complete_checkout`` at a chosen point."""

    def __init__(self, rng: random.Random) -> None:
        self.real = httpx2.AsyncHTTPTransport()
        self.rng = rng
        self.armed = False
        self.points: list[str] = []
        self.order_ids: set[str] = set()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        is_complete = _is_complete(request)
        point = (
            self.rng.choice(["before", "after", "mid-body"]) if is_complete and self.armed else None
        )
        if point is not None:
            self.armed = False
            self.points.append(point)
        if point == "before":
            raise httpx2.ConnectError("dropped before sending", request=request)
        response = await self.real.handle_async_request(request)
        if not is_complete:
            return response
        body = await response.aread()
        await response.aclose()
        self.order_ids.update(_order_ids(body))
        if point == "after":
            raise httpx2.ReadError("connection dropped after the store committed", request=request)
        if point == "mid-body":
            return httpx2.Response(
                response.status_code,
                headers={"Content-Type": "application/json"},
                stream=_Truncated(body[: self.rng.randrange(1, max(2, len(body)))]),
                request=request,
            )
        return httpx2.Response(
            response.status_code, headers=response.headers, content=body, request=request
        )

    async def aclose(self) -> None:
        await self.real.aclose()


class _Truncated(httpx2.AsyncByteStream):
    def __init__(self, part: bytes) -> None:
        self.part = part

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.part
        raise httpx2.RemoteProtocolError(
            "peer closed connection without sending complete message body"
        )


def _is_complete(request: httpx2.Request) -> bool:
    if request.url.path.endswith("/complete"):
        return True
    if request.url.path.endswith("/mcp") and request.content:
        message = json.loads(request.content)
        return bool(
            message.get("method") == "tools/call"
            and message["params"]["name"] == "complete_checkout"
        )
    return False


def _order_ids(body: bytes) -> set[str]:
    try:
        payload = json.loads(body)
    except ValueError:
        return set()
    payload = (
        payload.get("result", {}).get("structuredContent", payload)
        if isinstance(payload, dict)
        else {}
    )
    order = payload.get("order") if isinstance(payload, dict) else None
    return {order["id"]} if isinstance(order, dict) and "id" in order else set()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_connection_drops_around_complete_checkout_leave_exactly_one_order(
    sandbox_stores: dict[str, Any], platform_profile_url: str, store: Store, transport: str
) -> None:
    rng = random.Random(f"drops-{transport}")
    dropping = DroppingTransport(rng)
    async with httpx2.AsyncClient(transport=dropping) as http:
        client = await connect(
            sandbox_stores["flowers"].url, transport, http, store, platform_profile_url
        )
        for _ in range(25):  # 25 per transport = 50 drops
            checkout = await ready_checkout(client)
            dropping.armed = True
            dropping.order_ids.clear()
            completed = await client.complete_checkout(checkout.id, payment())
            assert isinstance(completed, Checkout) and completed.status == "completed"
            assert completed.order is not None
            assert dropping.order_ids <= {completed.order.id}  # never a second order
            final = await client.get_checkout(checkout.id)
            assert (
                isinstance(final, Checkout)
                and final.order is not None
                and final.order.id == completed.order.id
            )
    assert set(dropping.points) == {"before", "after", "mid-body"}
