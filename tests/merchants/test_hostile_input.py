"""Hostile and off-schema requests get a 4xx naming the problem, never a 500 or an echo."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest
from merchant_flows import SANDBOX_CLIENT, UcpCaller, validate

from merchants.serve import RunningStore

DEEP = "[" * 5000 + "]" * 5000


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(response: httpx2.Response) -> Any:
    return json.loads(response.content.decode("utf-8"), parse_constant=_refuse_constant)


def _mcp_message(name: str, arguments: str = "{}", request_id: str = "1") -> bytes:
    return (
        '{"jsonrpc":"2.0","id":' + request_id + ',"method":"tools/call",'
        '"params":{"name":' + name + ',"arguments":' + arguments + "}}"
    ).encode()


@pytest.mark.parametrize(
    "body, code, named",
    [
        (_mcp_message('"\\ud800"'), -32700, "surrogate \\ud800"),
        (_mcp_message('"search_catalog"', '{"meta":' + DEEP + "}"), -32700, "nesting"),
        (_mcp_message('"search_catalog"', request_id="1e400"), -32700, "1e400"),
        (_mcp_message('"search_catalog"', request_id='{"a":1}'), -32600, "id must be"),
    ],
    ids=["lone surrogate", "deep nesting", "non-finite id", "object id"],
)
async def test_mcp_refuses_unanswerable_json_with_a_json_rpc_error_naming_it(
    http_client: httpx2.AsyncClient,
    sandbox_stores: dict[str, RunningStore],
    body: bytes,
    code: int,
    named: str,
) -> None:
    response = await http_client.post(
        f"{sandbox_stores['flowers'].url}/api/ucp/mcp",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    envelope = strict_json(response)
    assert envelope["id"] is None
    assert envelope["error"]["code"] == code
    assert named in envelope["error"]["message"]


@pytest.mark.parametrize(
    "body, named",
    [
        (b'{"query":"\\udfff roses"}', "surrogate \\udfff"),
        (b'{"query":"roses","filters":' + DEEP.encode() + b"}", "nesting"),
        (b'{"query":"roses","pagination":{"limit":1e400}}', "not finite"),
        (b'{"query":"roses","pagination":{"limit":NaN}}', "NaN"),
    ],
    ids=["lone surrogate", "deep nesting", "non-finite number", "NaN"],
)
async def test_rest_refuses_unanswerable_json_with_a_400_naming_it(
    http_client: httpx2.AsyncClient,
    sandbox_stores: dict[str, RunningStore],
    platform_profile_url: str,
    body: bytes,
    named: str,
) -> None:
    response = await http_client.post(
        f"{sandbox_stores['flowers'].url}/api/ucp/v1/catalog/search",
        content=body,
        headers={
            "Content-Type": "application/json",
            "UCP-Agent": f'profile="{platform_profile_url}"',
        },
    )
    assert response.status_code == 400
    error = strict_json(response)
    assert error["code"] == "invalid_request"
    assert named in error["content"]


async def test_lookup_refuses_an_id_that_is_not_a_string(ucp: UcpCaller) -> None:
    status, error = await ucp.call("flowers", "lookup_catalog", {"catalog": {"ids": [{}]}})
    assert status == 400
    detail = error["data"] if ucp.binding == "mcp" else error
    assert detail["code"] == "invalid_request"
    assert detail["path"] == ("$.catalog.ids[0]" if ucp.binding == "mcp" else "$.ids[0]")


async def test_lookup_of_more_ids_than_the_store_takes_is_request_too_large(
    ucp: UcpCaller,
) -> None:
    ids = [f"id-{n}" for n in range(51)]
    status, error = await ucp.call("flowers", "lookup_catalog", {"catalog": {"ids": ids}})
    assert status == 400
    if ucp.binding == "mcp":
        assert error["code"] == -32602
        error = error["data"]
    assert error["code"] == "request_too_large"


async def test_a_search_with_neither_query_nor_filters_is_refused(ucp: UcpCaller) -> None:
    status, error = await ucp.call("flowers", "search_catalog", {"catalog": {}})
    assert status == 400
    detail = error["data"] if ucp.binding == "mcp" else error
    assert "needs a query or filters" in detail["content"]


async def test_a_checkout_of_only_sold_out_items_is_an_error_outcome_without_a_checkout(
    ucp: UcpCaller,
) -> None:
    sold_out = {"item": {"id": "smart-plug-4-pack"}, "quantity": 1}
    unknown = {"item": {"id": "no-such-thing"}, "quantity": 1}
    status, body = await ucp.call(
        "electronics",
        "create_checkout",
        {"checkout": {"line_items": [sold_out, unknown]}},
        idempotency_key="only-unavailable",
    )
    assert status == 200
    validate("checkout", body)
    assert body["ucp"]["status"] == "error"
    assert "id" not in body and "line_items" not in body
    assert sorted(m["code"] for m in body["messages"]) == ["item_unavailable", "out_of_stock"]
    assert {m["severity"] for m in body["messages"]} == {"unrecoverable"}


async def test_a_checkout_with_one_buyable_item_keeps_it_and_reports_the_sold_out_one(
    ucp: UcpCaller,
) -> None:
    lines = [
        {"item": {"id": "smart-plug-4-pack"}, "quantity": 1},
        {"item": {"id": "wireless-mouse--graphite"}, "quantity": 1},
    ]
    status, body = await ucp.call(
        "electronics", "create_checkout", {"checkout": {"line_items": lines}}
    )
    assert status == ucp.created
    assert body["ucp"]["status"] == "success"
    assert [line["item"]["id"] for line in body["line_items"]] == [
        "smart-plug-4-pack",
        "wireless-mouse--graphite",
    ]
    assert ("out_of_stock", "$.line_items[0]") in [(m["code"], m["path"]) for m in body["messages"]]


async def test_junk_inside_buyer_is_not_kept_or_echoed(ucp: UcpCaller) -> None:
    buyer = {"email": "ada@example.com", "x-junk": {"deep": [1, 2]}, "first_name": "Ada"}
    status, body = await ucp.call(
        "flowers",
        "create_checkout",
        {
            "checkout": {
                "line_items": [{"item": {"id": "red-rose-bouquet--petite-no-vase"}, "quantity": 1}],
                "buyer": buyer,
                "attribution": {"utm_source": "newsletter"},
            }
        },
    )
    assert status == ucp.created
    assert body["buyer"] == {"first_name": "Ada", "email": "ada@example.com"}
    assert body["attribution"] == {"utm_source": "newsletter"}


async def test_attribution_values_that_are_not_strings_are_refused(ucp: UcpCaller) -> None:
    status, error = await ucp.call(
        "flowers",
        "create_cart",
        {
            "cart": {
                "line_items": [{"item": {"id": "red-rose-bouquet--petite-no-vase"}, "quantity": 1}],
                "attribution": {"utm_source": {"nested": True}},
            }
        },
    )
    assert status == 400
    detail = error["data"] if ucp.binding == "mcp" else error
    assert detail["path"].endswith("attribution.utm_source")


async def test_the_profile_says_where_a_third_party_client_gets_a_token(
    http_client: httpx2.AsyncClient, sandbox_stores: dict[str, RunningStore]
) -> None:
    store = sandbox_stores["wine"]
    profile = (await http_client.get(f"{store.url}/.well-known/ucp")).json()
    sandbox = profile["dev.pannier.sandbox"]
    assert sandbox["token_endpoint"] == f"{store.url}/auth/access_token"
    client = sandbox["clients"][0]
    response = await http_client.post(
        sandbox["token_endpoint"],
        data={"grant_type": "client_credentials", **client},
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"
    assert client == {k: SANDBOX_CLIENT[k] for k in ("client_id", "client_secret")}


async def test_a_quantity_with_a_zero_fraction_is_the_integer_json_schema_says_it_is(
    ucp: UcpCaller,
) -> None:
    line = {"item": {"id": "red-rose-bouquet--petite-no-vase"}, "quantity": 2.0}
    status, cart = await ucp.call("flowers", "create_cart", {"cart": {"line_items": [line]}})
    assert status == ucp.created
    assert cart["line_items"][0]["quantity"] == 2
    assert isinstance(cart["line_items"][0]["quantity"], int)
    half = {**line, "quantity": 2.5}
    status, _ = await ucp.call("flowers", "create_cart", {"cart": {"line_items": [half]}})
    assert status == 400
