"""Every scenario runs over both bindings (the `ucp` fixture) and validates with ucp-sdk 0.4.6."""

from __future__ import annotations

import uuid
from typing import Any

import httpx2
from merchant_flows import UcpCaller, choose_first_option, payment, shipping_to, validate


async def _first_variant(ucp: UcpCaller, slug: str, query: str = "") -> str:
    status, found = await ucp.call(slug, "search_catalog", {"catalog": {"query": query}})
    assert status == 200
    validate("search", found)
    return str(found["products"][0]["variants"][0]["id"])


async def _ready_checkout(ucp: UcpCaller, slug: str, query: str = "") -> dict[str, Any]:
    variant = await _first_variant(ucp, slug, query)
    status, cart = await ucp.call(
        slug, "create_cart", {"cart": {"line_items": [{"item": {"id": variant}, "quantity": 1}]}}
    )
    assert status == ucp.created, cart
    validate("cart", cart)
    status, checkout = await ucp.call(slug, "create_checkout", {"cart_id": cart["id"]})
    assert status == ucp.created, checkout
    validate("checkout", checkout)
    assert checkout["status"] == "incomplete"
    status, checkout = await ucp.call(
        slug, "update_checkout", {"id": checkout["id"], "checkout": shipping_to(checkout)}
    )
    assert status == 200, checkout
    status, checkout = await ucp.call(
        slug, "update_checkout", {"id": checkout["id"], "checkout": choose_first_option(checkout)}
    )
    assert status == 200, checkout
    validate("checkout", checkout)
    assert checkout["status"] == "ready_for_complete", checkout["messages"]
    return checkout


async def test_a_full_checkout_places_an_order_and_the_order_can_be_fetched(ucp: UcpCaller) -> None:
    checkout = await _ready_checkout(ucp, "flowers")
    status, done = await ucp.call(
        "flowers",
        "complete_checkout",
        {"id": checkout["id"], "checkout": payment("tok_sandbox_approved")},
        idempotency_key=str(uuid.uuid4()),
    )
    assert status == 200, done
    validate("checkout", done)
    assert done["status"] == "completed"
    assert "tok_sandbox_approved" not in str(done)
    status, order = await ucp.call("flowers", "get_order", {"id": done["order"]["id"]})
    assert status == 200
    validate("order", order)
    assert list(order["ucp"]["capabilities"]) == ["dev.ucp.shopping.order"]


async def test_checkout_responses_echo_version_capabilities_and_payment_handlers(
    ucp: UcpCaller,
) -> None:
    variant = await _first_variant(ucp, "wine")
    status, checkout = await ucp.call(
        "wine",
        "create_checkout",
        {"checkout": {"line_items": [{"item": {"id": variant}, "quantity": 1}]}},
    )
    assert status == ucp.created
    assert checkout["ucp"]["version"] == "2026-04-08"
    assert set(checkout["ucp"]["capabilities"]) == {
        "dev.ucp.shopping.checkout",
        "dev.ucp.shopping.fulfillment",
        "dev.ucp.shopping.discount",
    }
    assert set(checkout["ucp"]["payment_handlers"]) == {
        "dev.pannier.sandbox_wallet",
        "com.google.pay",
    }


async def test_replaying_complete_checkout_returns_the_stored_response(ucp: UcpCaller) -> None:
    checkout = await _ready_checkout(ucp, "coffee")
    key = str(uuid.uuid4())
    arguments = {"id": checkout["id"], "checkout": payment("tok_sandbox_approved")}
    first = await ucp.call("coffee", "complete_checkout", arguments, idempotency_key=key)
    again = await ucp.call("coffee", "complete_checkout", arguments, idempotency_key=key)
    assert first == again
    status, conflict = await ucp.call(
        "coffee",
        "complete_checkout",
        {"id": checkout["id"], "checkout": payment("tok_sandbox_declined")},
        idempotency_key=key,
    )
    if ucp.binding == "mcp":
        assert (status, conflict["code"]) == (409, -32000)
    else:
        assert (status, conflict["code"]) == (409, "idempotency_conflict")


async def test_a_replayed_create_cart_does_not_create_a_second_cart(ucp: UcpCaller) -> None:
    variant = await _first_variant(ucp, "coffee")
    key = str(uuid.uuid4())
    body = {"cart": {"line_items": [{"item": {"id": variant}, "quantity": 2}]}}
    _, first = await ucp.call("coffee", "create_cart", body, idempotency_key=key)
    _, second = await ucp.call("coffee", "create_cart", body, idempotency_key=key)
    assert first["id"] == second["id"]


async def test_an_authenticated_clients_keys_replay_from_another_profile_url_and_token(
    ucp: UcpCaller, platform_profile_server: str
) -> None:
    variant = await _first_variant(ucp, "coffee")
    key = str(uuid.uuid4())
    body = {"cart": {"line_items": [{"item": {"id": variant}, "quantity": 3}]}}
    _, first = await ucp.call("coffee", "create_cart", body, idempotency_key=key)
    ucp.tokens.clear()  # the same client after a restart: a new token, a new profile URL
    restarted_profile = f"{platform_profile_server}/platform.json"
    assert restarted_profile != ucp.profile_url
    _, replayed = await ucp.call(
        "coffee", "create_cart", body, idempotency_key=key, profile_url=restarted_profile
    )
    assert replayed == first


async def test_anonymous_keys_are_scoped_by_the_platform_profile_url(
    ucp: UcpCaller, platform_profile_server: str
) -> None:
    variant = await _first_variant(ucp, "coffee")
    key = str(uuid.uuid4())
    body = {"cart": {"line_items": [{"item": {"id": variant}, "quantity": 4}]}}
    other_profile = f"{platform_profile_server}/platform.json"
    _, first = await ucp.call(
        "coffee", "create_cart", body, idempotency_key=key, authenticate=False
    )
    _, same_profile = await ucp.call(
        "coffee", "create_cart", body, idempotency_key=key, authenticate=False
    )
    _, other = await ucp.call(
        "coffee",
        "create_cart",
        body,
        idempotency_key=key,
        authenticate=False,
        profile_url=other_profile,
    )
    _, authenticated = await ucp.call("coffee", "create_cart", body, idempotency_key=key)
    assert same_profile == first
    assert len({first["id"], other["id"], authenticated["id"]}) == 3


async def test_unknown_ids_are_a_not_found_business_outcome(ucp: UcpCaller) -> None:
    for operation in ("get_checkout", "get_cart", "get_order"):
        status, payload = await ucp.call("flowers", operation, {"id": "does-not-exist"})
        assert status == 200
        validate("checkout", payload)
        assert payload["ucp"]["status"] == "error"
        assert payload["messages"][0]["code"] == "not_found"


async def test_checkout_without_a_bearer_token_is_unauthorized(ucp: UcpCaller) -> None:
    status, payload = await ucp.call("flowers", "get_checkout", {"id": "x"}, authenticate=False)
    assert status == 401
    assert payload["code"] == (-32000 if ucp.binding == "mcp" else "unauthorized")


async def test_cart_and_catalog_work_anonymously(ucp: UcpCaller) -> None:
    status, found = await ucp.call(
        "coffee", "search_catalog", {"catalog": {"query": ""}}, authenticate=False
    )
    assert status == 200
    variant = found["products"][0]["variants"][0]["id"]
    status, _ = await ucp.call(
        "coffee",
        "create_cart",
        {"cart": {"line_items": [{"item": {"id": variant}, "quantity": 1}]}},
        authenticate=False,
    )
    assert status == ucp.created


async def test_cancel_cart_requires_an_idempotency_key(ucp: UcpCaller) -> None:
    status, payload = await ucp.call("coffee", "cancel_cart", {"id": "anything"})
    assert status == 400
    assert payload["code"] == (-32602 if ucp.binding == "mcp" else "invalid_request")


async def test_schema_invalid_arguments_name_the_json_path(ucp: UcpCaller) -> None:
    status, payload = await ucp.call(
        "coffee",
        "create_cart",
        {"cart": {"line_items": [{"item": {"id": "x"}, "quantity": "two"}]}},
    )
    assert status == 400
    detail = payload["data"] if ucp.binding == "mcp" else payload
    prefix = "$.cart.line_items[0]" if ucp.binding == "mcp" else "$.line_items[0]"
    assert detail["path"].startswith(prefix)


async def test_negotiation_failures_use_the_spec_codes(
    ucp: UcpCaller, platform_profile_server: str
) -> None:
    cases = {
        f"{platform_profile_server}/old-version.json": ("version_unsupported", 422),
        f"{platform_profile_server}/gone.json": ("profile_unreachable", 424),
        f"{platform_profile_server}/not-json.json": ("profile_malformed", 422),
        "http://shop.example/.well-known/ucp": ("invalid_profile_url", 400),
    }
    for url, (code, http_status) in cases.items():
        status, payload = await ucp.call("coffee", "get_cart", {"id": "x"}, profile_url=url)
        assert status == http_status
        if ucp.binding == "mcp":
            assert (payload["code"], payload["data"]["code"]) == (-32001, code)
        else:
            assert payload["code"] == code


async def test_a_platform_without_checkout_gets_capabilities_incompatible(
    ucp: UcpCaller, platform_profile_server: str
) -> None:
    status, payload = await ucp.call(
        "coffee",
        "get_checkout",
        {"id": "x"},
        profile_url=f"{platform_profile_server}/no-checkout.json",
    )
    assert status == 200
    validate("checkout", payload)
    assert payload["messages"][0]["code"] == "capabilities_incompatible"


async def test_orphaned_extensions_are_pruned_from_responses(
    ucp: UcpCaller, platform_profile_server: str
) -> None:
    variant = await _first_variant(ucp, "coffee")
    status, checkout = await ucp.call(
        "coffee",
        "create_checkout",
        {"checkout": {"line_items": [{"item": {"id": variant}, "quantity": 1}]}},
        profile_url=f"{platform_profile_server}/no-fulfillment.json",
    )
    assert status == ucp.created
    assert "dev.ucp.shopping.fulfillment" not in checkout["ucp"]["capabilities"]


async def test_electronics_rate_limits_with_retry_after(ucp: UcpCaller) -> None:
    statuses = []
    for _ in range(30):
        status, payload = await ucp.call("electronics", "get_checkout", {"id": "x"})
        statuses.append(status)
        if status == 429:
            break
    assert statuses[-1] == 429
    retry_after = payload["data"]["retry_after"] if ucp.binding == "mcp" else payload["retry_after"]
    assert retry_after >= 1


async def test_both_bindings_return_the_same_resource(
    http_client: httpx2.AsyncClient, platform_profile_url: str, sandbox_stores: dict[str, Any]
) -> None:
    mcp = UcpCaller("mcp", http_client, platform_profile_url, sandbox_stores)
    rest = UcpCaller("rest", http_client, platform_profile_url, sandbox_stores)
    variant = await _first_variant(mcp, "flowers")
    _, created = await mcp.call(
        "flowers",
        "create_cart",
        {"cart": {"line_items": [{"item": {"id": variant}, "quantity": 1}]}},
    )
    via_mcp = await mcp.call("flowers", "get_cart", {"id": created["id"]})
    via_rest = await rest.call("flowers", "get_cart", {"id": created["id"]})
    assert via_mcp == via_rest
