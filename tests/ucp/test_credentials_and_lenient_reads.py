"""Credentials only where they belong, and lenient reads with strict money boundaries."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from pydantic import SecretStr

from assistant.config import MerchantConfig, WalletInstrument
from assistant.domain import Checkout, SearchResponse
from assistant.errors import AuthError
from assistant.events import AnswerRepaired, EventBus
from assistant.shopping.payment import choose_instrument
from assistant.shopping.resolve import implied_needs
from assistant.ucp.connect import SANDBOX_EXTENSION, connect_merchant
from assistant.ucp.http import MalformedResponse
from assistant.ucp.lenient import validate_leniently
from tests.ucp.conftest import PROFILE_URL
from tests.ucp.fakes import ORIGIN, FakeMerchant, MemoryKeyStore, business_profile, checkout_payload

LOOPBACK = "http://127.0.0.1:9"


def _profile_merchant(profile: dict[str, Any], merchant: FakeMerchant) -> httpx2.AsyncClient:
    """An HTTP client whose merchant at ``LOOPBACK`` serves ``profile`` and the fake's answers."""

    def handle(request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/.well-known/ucp":
            return httpx2.Response(200, json=profile)
        return merchant.handle(request)

    return httpx2.AsyncClient(transport=httpx2.MockTransport(handle))


def _loopback_profile(**extra: Any) -> dict[str, Any]:
    profile = business_profile()
    for entry in profile["ucp"]["services"]["dev.ucp.shopping"]:
        entry["endpoint"] = entry["endpoint"].replace(ORIGIN, LOOPBACK)
    return {**profile, **extra}


async def test_a_loopback_merchant_that_is_not_a_sandbox_store_gets_no_authorization() -> None:
    merchant = FakeMerchant()
    async with _profile_merchant(_loopback_profile(), merchant) as http:
        client = await connect_merchant(
            MerchantConfig(url=LOOPBACK), http=http, store=MemoryKeyStore(), profile_url=PROFILE_URL
        )
        with pytest.raises(AuthError) as caught:
            await client.get_checkout("co_1")
    assert merchant.tokens_issued == 0
    assert all("authorization" not in r.headers for r in merchant.requests)
    message = str(caught.value)
    assert "client_id and client_secret" in message and f'url = "{LOOPBACK}"' in message


async def test_a_sandbox_store_is_recognised_by_its_advertised_token_endpoint() -> None:
    merchant = FakeMerchant()
    token_url = f"{LOOPBACK}/auth/access_token"
    profile = _loopback_profile(
        **{
            SANDBOX_EXTENSION: {
                "token_endpoint": token_url,
                "clients": [{"client_id": "pannier-sandbox", "client_secret": "sandbox-secret"}],
            }
        }
    )
    async with _profile_merchant(profile, merchant) as http:
        client = await connect_merchant(
            MerchantConfig(url=LOOPBACK), http=http, store=MemoryKeyStore(), profile_url=PROFILE_URL
        )
        assert isinstance(await client.create_checkout(_checkout()), Checkout)
    token_requests = [r for r in merchant.requests if r.url.path == "/auth/access_token"]
    assert len(token_requests) == 1 and b"pannier-sandbox" in token_requests[0].content


async def test_configured_credentials_use_the_configured_token_url() -> None:
    merchant = FakeMerchant()
    config = MerchantConfig(
        url=LOOPBACK,
        client_id="me",
        client_secret="s3cret",
        token_url=f"{LOOPBACK}/auth/access_token",
    )
    async with _profile_merchant(_loopback_profile(), merchant) as http:
        client = await connect_merchant(
            config, http=http, store=MemoryKeyStore(), profile_url=PROFILE_URL
        )
        assert isinstance(await client.create_checkout(_checkout()), Checkout)
    assert merchant.tokens_issued == 1


def _checkout() -> Any:
    from assistant.ucp.requests import CheckoutRequest, LineItemRequest

    return CheckoutRequest(line_items=[LineItemRequest(item_id="v1", quantity=1)])


SHOPIFY_SEARCH: dict[str, Any] = {
    "products": [
        {
            "id": "gid://shopify/Product/1",
            "title": "Red roses",
            "description": "A dozen red roses.",  # off-spec: a plain string
            "vendor": "Petals",  # extra field
            "variants": [
                {
                    "id": "gid://shopify/ProductVariant/11",
                    "title": "Dozen",
                    "price": {"amount": 4500, "currency": "USD"},
                    "inventory_policy": "deny",
                }
            ],
        },
        {"id": "gid://shopify/Product/2", "variants": []},  # no title at all
        {
            "id": "gid://shopify/Product/3",
            "title": "Tulips",
            "variants": [{"id": "v3", "title": "Bunch", "price": "29.99"}],  # a float price
        },
    ]
}


def test_a_plain_string_description_is_read_as_plain_text_and_noted() -> None:
    result, notes = validate_leniently(SearchResponse.model_validate, SHOPIFY_SEARCH)
    assert [p.id for p in result.products] == ["gid://shopify/Product/1", "gid://shopify/Product/3"]
    assert result.products[0].description.text() == "A dozen red roses."
    assert result.products[1].variants == []  # the variant with a float price is dropped
    assert notes == [
        "coerced products[0].description: a plain string, read as a plain description",
        "dropped products[1] (id 'gid://shopify/Product/2'): title: Field required",
        "dropped products[1].variants[0] (id 'v3'): price: Input should be a valid dictionary "
        "or instance of Price",
    ]


def test_a_total_that_cannot_be_read_makes_the_whole_checkout_invalid() -> None:
    payload = checkout_payload("co_1")
    payload["totals"] = [{"type": "subtotal", "amount": 10.5}, {"type": "total", "amount": 1000}]
    with pytest.raises(ValueError):
        validate_leniently(Checkout.from_ucp, payload)


@pytest.mark.parametrize("amount", ["10.00", "1000", True])
def test_a_total_given_as_a_string_or_bool_is_never_read_as_minor_units(amount: object) -> None:
    # "10.00" read as 10 minor units would show (and let a shopper approve) USD 0.10.
    payload = checkout_payload("co_1")
    payload["totals"] = [{"type": "subtotal", "amount": amount}, {"type": "total", "amount": 1000}]
    with pytest.raises(ValueError):
        validate_leniently(Checkout.from_ucp, payload)


def test_a_total_written_as_a_whole_json_number_is_read_exactly() -> None:
    payload = checkout_payload("co_1")
    payload["totals"] = [{"type": "subtotal", "amount": 1000.0}, {"type": "total", "amount": 1000}]
    checkout, _ = validate_leniently(Checkout.from_ucp, payload)
    assert [t.amount for t in checkout.totals] == [1000, 1000]


async def test_a_repaired_answer_is_used_and_the_protocol_log_says_what_was_dropped(
    bus: EventBus,
) -> None:
    def search(request: httpx2.Request, operation: str) -> httpx2.Response | None:
        if operation == "search_catalog":
            return httpx2.Response(200, json=SHOPIFY_SEARCH)
        return None

    merchant = FakeMerchant(fault=search)
    async with httpx2.AsyncClient(transport=merchant.transport()) as http:
        client = await connect_merchant(
            MerchantConfig(url=ORIGIN, transport="rest"),
            http=http,
            store=MemoryKeyStore(),
            profile_url=PROFILE_URL,
            bus=bus,
        )
        found = await client.search_catalog("roses")
    assert [p.title for p in found.products] == ["Red roses", "Tulips"]
    repaired = [e for e in bus.history if isinstance(e, AnswerRepaired)]
    assert len(repaired) == 1 and repaired[0].operation == "search_catalog"
    assert any("dropped products[1]" in note for note in repaired[0].notes)


async def test_an_answer_without_any_readable_resource_is_still_a_protocol_error() -> None:
    merchant = FakeMerchant(
        fault=lambda r, op: (
            httpx2.Response(201, json={"status": "incomplete"}) if op == "create_checkout" else None
        )
    )
    async with httpx2.AsyncClient(transport=merchant.transport()) as http:
        client = await connect_merchant(
            MerchantConfig(url=ORIGIN, transport="rest", client_id="a", client_secret="b"),
            http=http,
            store=MemoryKeyStore(),
            profile_url=PROFILE_URL,
        )
        with pytest.raises(MalformedResponse):
            await client.create_checkout(_checkout())


MOCK_HANDLER = {
    "dev.ucp.mock_payment": [
        {
            "id": "mock_payment_handler",
            "name": "dev.ucp.mock_payment",
            "version": "2026-01-11",
            "config": {"supported_tokens": ["success_token", "fail_token"]},
        }
    ]
}


def _instrument(token: str, version: str | None = "2026-01-11") -> WalletInstrument:
    return WalletInstrument(
        id=f"mock_{token}",
        handler="dev.ucp.mock_payment",
        handler_version=version,
        type="card",
        brand="visa",
        last_digits="1234",
        token=SecretStr(token),
    )


def test_a_checkout_naming_no_handlers_is_paid_through_the_profiles_mock_payment_handler() -> None:
    checkout = Checkout.from_ucp(checkout_payload("co_1", status="ready_for_complete"))
    chosen = choose_instrument(
        checkout, [_instrument("tok_other"), _instrument("success_token")], MOCK_HANDLER
    )
    assert chosen is not None and chosen[0].id == "mock_success_token"
    assert chosen[1] == "mock_payment_handler"


def test_an_instrument_for_another_handler_version_is_not_used() -> None:
    checkout = Checkout.from_ucp(checkout_payload("co_1", status="ready_for_complete"))
    assert (
        choose_instrument(checkout, [_instrument("success_token", "2026-04-08")], MOCK_HANDLER)
        is None
    )


def test_a_silent_merchant_that_delivers_is_asked_for_shipping_then_destination_then_option() -> (
    None
):
    bare = Checkout.from_ucp(checkout_payload("co_1", status="ready_for_complete"))
    assert [m.code for m in implied_needs(bare, delivers=True)] == ["fulfillment_required"]
    assert implied_needs(bare, delivers=False) == []
    with_destination = Checkout.from_ucp(
        checkout_payload(
            "co_1",
            status="ready_for_complete",
            fulfillment={
                "methods": [
                    {
                        "id": "m1",
                        "type": "shipping",
                        "destinations": [{"id": "d1", "address_country": "US"}],
                        "groups": [],
                    }
                ]
            },
        )
    )
    assert [m.path for m in implied_needs(with_destination, delivers=True)] == [
        "$.fulfillment.methods[0].selected_destination_id"
    ]
