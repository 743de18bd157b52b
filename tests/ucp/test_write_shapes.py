"""Write shapes per negotiated release: each row of the table in ``assistant.ucp.shapes``."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from assistant.domain import Checkout, Payment, PaymentDisplay, PaymentInstrument
from assistant.ucp.requests import CheckoutRequest, FulfillmentMethodRequest, LineItemRequest
from assistant.ucp.shapes import SHAPES, shape_for
from tests.ucp.conftest import Connect
from tests.ucp.fakes import FakeMerchant

PAYMENT = Payment(
    instruments=[
        PaymentInstrument(
            id="card_1",
            handler_id="mock_payment_handler",
            type="card",
            display=PaymentDisplay(brand="visa", last_digits="1234"),
            selected=True,
            credential={"type": "token", "token": "success_token"},
        )
    ]
)
UPDATE = CheckoutRequest(
    line_items=[LineItemRequest(item_id="v1", quantity=2, id="li_1")],
    fulfillment_methods=[FulfillmentMethodRequest(type="shipping", line_item_ids=["li_1"])],
    currency="USD",
)


def _body(merchant: FakeMerchant, operation: str) -> dict[str, Any]:
    """The checkout body of the last ``operation`` request, over either transport."""
    request = [r for r in merchant.requests if _name(r) == operation][-1]
    message = json.loads(request.content)
    if request.url.path == "/mcp":
        arguments: dict[str, Any] = message["params"]["arguments"]
        return dict(arguments["checkout"])
    return dict(message)


def _name(request: httpx2.Request) -> str:
    if request.url.path == "/mcp":
        message = json.loads(request.content)
        return str(message.get("params", {}).get("name", ""))
    path, method = request.url.path, request.method
    if path.endswith("/complete"):
        return "complete_checkout"
    if method == "PUT" or method == "PATCH":
        return "update_checkout"
    if method == "POST" and path.endswith("/checkout-sessions"):
        return "create_checkout"
    return path


@pytest.mark.parametrize("transport", ["mcp", "rest"])
async def test_2026_01_11_completes_with_payment_data_and_risk_signals(
    connect: Connect, merchant: FakeMerchant, transport: str
) -> None:
    merchant.version = "2026-01-11"
    client = await connect(transport)
    created = await client.create_checkout(CheckoutRequest(line_items=UPDATE.line_items))
    assert isinstance(created, Checkout)
    await client.complete_checkout(created.id, PAYMENT)
    body = _body(merchant, "complete_checkout")
    assert body == {
        "payment_data": {
            "id": "card_1",
            "handler_id": "mock_payment_handler",
            "type": "card",
            "brand": "visa",
            "last_digits": "1234",
            "credential": {"type": "token", "token": "success_token"},
        },
        "risk_signals": {},
    }


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("2026-01-23", {"payment", "risk_signals"}),
        ("2026-04-08", {"payment"}),
    ],
)
async def test_later_releases_complete_with_payment_instruments_and_card_display(
    connect: Connect, merchant: FakeMerchant, version: str, expected: set[str]
) -> None:
    merchant.version = version
    client = await connect("rest")
    await client.complete_checkout("co_1", PAYMENT)
    body = _body(merchant, "complete_checkout")
    assert set(body) == expected
    instrument = body["payment"]["instruments"][0]
    assert instrument["display"] == {"brand": "visa", "last_digits": "1234"}
    assert "brand" not in instrument


@pytest.mark.parametrize("transport", ["mcp", "rest"])
@pytest.mark.parametrize(
    ("version", "has_id", "has_currency"),
    [("2026-01-11", True, True), ("2026-01-23", True, False), ("2026-04-08", False, False)],
)
async def test_update_carries_the_body_id_and_currency_only_where_the_release_wants_them(
    connect: Connect,
    merchant: FakeMerchant,
    transport: str,
    version: str,
    has_id: bool,
    has_currency: bool,
) -> None:
    merchant.version = version
    client = await connect(transport)
    await client.update_checkout("co_1", UPDATE)
    body = _body(merchant, "update_checkout")
    assert ("id" in body, "currency" in body, "payment" in body) == (
        has_id,
        has_currency,
        has_currency,
    )
    if has_id:
        assert body["id"] == "co_1"


async def test_2026_01_11_names_new_fulfillment_methods_and_titles_every_item(
    connect: Connect, merchant: FakeMerchant
) -> None:
    merchant.version = "2026-01-11"
    client = await connect("rest")
    await client.update_checkout("co_1", UPDATE)
    body = _body(merchant, "update_checkout")
    assert body["fulfillment"]["methods"][0]["id"] == "shipping_1"
    assert body["line_items"][0]["item"] == {"id": "v1", "title": "v1"}


async def test_2026_01_11_create_carries_currency_and_an_empty_payment(
    connect: Connect, merchant: FakeMerchant
) -> None:
    merchant.version = "2026-01-11"
    client = await connect("rest")
    client.currency = "EUR"
    await client.create_checkout(CheckoutRequest(line_items=UPDATE.line_items))
    body = _body(merchant, "create_checkout")
    assert body["currency"] == "EUR" and body["payment"] == {}


@pytest.mark.parametrize(
    ("version", "sent"), [("2026-01-11", True), ("2026-01-23", True), ("2026-04-08", False)]
)
async def test_request_signature_header_is_sent_only_to_releases_that_had_it(
    connect: Connect, merchant: FakeMerchant, version: str, sent: bool
) -> None:
    merchant.version = version
    client = await connect("rest")
    await client.get_checkout("co_1")
    assert ("request-signature" in merchant.requests[-1].headers) is sent


async def test_rest_update_follows_a_server_that_implements_patch_instead_of_put(
    connect: Connect, merchant: FakeMerchant
) -> None:
    def patch_only(request: httpx2.Request, operation: str) -> httpx2.Response | None:
        if request.method == "PUT":
            return httpx2.Response(405, headers={"Allow": "GET, PATCH"}, text="Method Not Allowed")
        if request.method == "PATCH":
            return httpx2.Response(200, json=merchant.checkouts.get("co_1") or {})
        return None

    client = await connect("rest")
    created = await client.create_checkout(CheckoutRequest(line_items=UPDATE.line_items))
    assert isinstance(created, Checkout)
    merchant.fault = patch_only
    first = await client.update_checkout(created.id, UPDATE)
    second = await client.update_checkout(created.id, UPDATE)
    assert isinstance(first, Checkout) and isinstance(second, Checkout)
    verbs = [r.method for r in merchant.requests if r.method in ("PUT", "PATCH")]
    assert verbs == ["PUT", "PATCH", "PATCH"]  # learnt once, then PATCH straight away


def test_a_version_between_releases_writes_like_the_newest_older_release() -> None:
    assert shape_for("2026-02-01") is SHAPES["2026-01-23"]
    assert shape_for("2025-12-01") is SHAPES["2026-01-11"]
    assert shape_for("2026-06-01") is SHAPES["2026-04-08"]
    assert shape_for("2026-08-25") is SHAPES["2026-08-25"]
    assert shape_for("2027-01-01") is SHAPES["2026-08-25"]
