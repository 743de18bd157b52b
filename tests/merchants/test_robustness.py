"""Bad input never yields a 500 on either binding; chaos knobs fail the way clients must handle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ucp_sdk.models.schemas.ucp import BusinessSchema

from merchants.serve import RunningStore, serve_stores

# Text that includes lone UTF-16 surrogates, which json.dumps writes as `\\ud800` escapes.
texts = st.text(max_size=20) | st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=20,
)
# Raw JSON text spliced into a request: plain values, deep nesting, out-of-range numbers.
HOLE = "__HOLE__"
fragments = st.one_of(
    json_values.map(json.dumps),
    st.integers(1, 6000).map(lambda depth: "[" * depth + "]" * depth),
    st.integers(1, 3000).map(lambda depth: '{"a":' * depth + "1" + "}" * depth),
    st.sampled_from(["1e400", "-1e400", "1e-400", "NaN", "Infinity", "-Infinity"]),
)
TOOLS = ["create_checkout", "update_checkout", "complete_checkout", "create_cart", "update_cart",
         "cancel_cart", "search_catalog", "lookup_catalog", "get_product", "get_order", "get_cart",
         "nope"]  # fmt: skip
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def sync_http() -> Any:
    with httpx2.Client(timeout=10.0) as client:
        yield client


def _token(client: httpx2.Client, store: RunningStore) -> str:
    data = {
        "grant_type": "client_credentials",
        "client_id": "pannier-sandbox",
        "client_secret": "sandbox-secret",
    }
    return str(client.post(f"{store.url}/auth/access_token", data=data).json()["access_token"])


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(response: httpx2.Response) -> Any:
    """The body as strict JSON: valid UTF-8, no NaN/Infinity (which json.loads would accept)."""
    return json.loads(response.content.decode("utf-8"), parse_constant=_refuse_constant)


def _spliced(message: Any, fragment: str) -> bytes:
    return json.dumps(message).replace(json.dumps(HOLE), fragment).encode()


@FUZZ
@given(
    tool=st.sampled_from(TOOLS),
    arguments=st.dictionaries(
        st.sampled_from(["id", "checkout", "cart", "catalog", "cart_id", "x"]),
        json_values,
        max_size=3,
    ),
    hole=st.sampled_from(["id", "name", "argument", "key", "profile", "none"]),
    fragment=fragments,
)
def test_fuzzed_mcp_requests_never_cause_a_500_and_answer_strict_json(
    sync_http: httpx2.Client,
    sandbox_stores: dict[str, RunningStore],
    platform_profile_url: str,
    tool: str,
    arguments: dict[str, Any],
    hole: str,
    fragment: str,
) -> None:
    store = sandbox_stores["coffee"]
    meta = {
        "ucp-agent": {"profile": HOLE if hole == "profile" else platform_profile_url},
        "idempotency-key": HOLE if hole == "key" else "fuzz",
    }
    if hole == "argument":
        arguments = {**arguments, "checkout": {"buyer": {"email": HOLE}}}
    message = {
        "jsonrpc": "2.0",
        "id": HOLE if hole == "id" else 1,
        "method": "tools/call",
        "params": {
            "name": HOLE if hole == "name" else tool,
            "arguments": {"meta": meta, **arguments},
        },
    }
    response = sync_http.post(
        f"{store.url}/api/ucp/mcp",
        content=_spliced(message, fragment),
        headers={
            "Authorization": f"Bearer {_token(sync_http, store)}",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code < 500, response.text
    envelope = strict_json(response)
    assert "result" in envelope or "error" in envelope


@FUZZ
@given(
    route=st.sampled_from(
        [
            "/carts",
            "/checkout-sessions",
            "/catalog/search",
            "/catalog/lookup",
            "/catalog/product",
            "/carts/x",
        ]
    ),
    body=json_values,
    hole=st.sampled_from(["body", "field", "ids", "none"]),
    fragment=fragments,
)
def test_fuzzed_rest_bodies_never_cause_a_500_and_answer_strict_json(
    sync_http: httpx2.Client,
    sandbox_stores: dict[str, RunningStore],
    platform_profile_url: str,
    route: str,
    body: Any,
    hole: str,
    fragment: str,
) -> None:
    store = sandbox_stores["coffee"]
    method = "PUT" if route == "/carts/x" else "POST"
    headers = {
        "UCP-Agent": f'profile="{platform_profile_url}"',
        "Authorization": f"Bearer {_token(sync_http, store)}",
        "Content-Type": "application/json",
    }
    if hole == "body":
        body = HOLE
    elif hole == "field":
        body = {"line_items": [{"item": {"id": HOLE}, "quantity": 1}], "query": HOLE}
    elif hole == "ids":
        body = {"ids": [HOLE]}
    response = sync_http.request(
        method, f"{store.url}/api/ucp/v1{route}", content=_spliced(body, fragment), headers=headers
    )
    assert response.status_code < 500, response.text
    strict_json(response)


@pytest.mark.parametrize(
    "raw, code",
    [(b"{", -32700), (b"[]", -32600), (b'{"jsonrpc":"2.0","id":1,"method":"x/y"}', -32601)],
)
def test_malformed_json_rpc_gets_the_standard_error_codes(
    sync_http: httpx2.Client, sandbox_stores: dict[str, RunningStore], raw: bytes, code: int
) -> None:
    response = sync_http.post(f"{sandbox_stores['flowers'].url}/api/ucp/mcp", content=raw)
    assert response.json()["error"]["code"] == code


def test_notifications_are_accepted_with_202_and_no_body(
    sync_http: httpx2.Client, sandbox_stores: dict[str, RunningStore]
) -> None:
    message = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    response = sync_http.post(f"{sandbox_stores['flowers'].url}/api/ucp/mcp", json=message)
    assert (response.status_code, response.content) == (202, b"")


def test_oversized_bodies_are_refused_with_413(
    sync_http: httpx2.Client, sandbox_stores: dict[str, RunningStore]
) -> None:
    response = sync_http.post(
        f"{sandbox_stores['flowers'].url}/api/ucp/mcp", content=b" " * (1024 * 1024 + 1)
    )
    assert response.status_code == 413


def test_discovery_profile_is_cacheable_and_lists_both_transports(
    sync_http: httpx2.Client, sandbox_stores: dict[str, RunningStore]
) -> None:
    response = sync_http.get(f"{sandbox_stores['coffee'].url}/.well-known/ucp")
    assert response.headers["cache-control"] == "public, max-age=300"
    ucp = response.json()["ucp"]
    assert {s["transport"] for s in ucp["services"]["dev.ucp.shopping"]} == {"mcp", "rest"}
    assert (
        ucp["capabilities"]["dev.ucp.shopping.fulfillment"][0]["extends"]
        == "dev.ucp.shopping.checkout"
    )
    assert set(ucp["payment_handlers"]) == {
        "dev.pannier.sandbox_card",
        "dev.pannier.sandbox_wallet",
    }


def test_discovery_profile_names_the_store_and_still_validates_with_ucp_sdk(
    sync_http: httpx2.Client, sandbox_stores: dict[str, RunningStore]
) -> None:
    document = sync_http.get(f"{sandbox_stores['flowers'].url}/.well-known/ucp").json()
    assert document["name"] == "Petal & Stem"
    BusinessSchema.model_validate(document["ucp"])


async def test_fail_rate_answers_503_or_drops_the_connection(
    tmp_path: Path, platform_profile_url: str
) -> None:
    outcomes = set()
    async with (
        serve_stores(["flowers"], port_base=None, data_dir=tmp_path, fail_rate=1.0) as stores,
        httpx2.AsyncClient(timeout=5.0) as client,
    ):
        headers = {"UCP-Agent": f'profile="{platform_profile_url}"'}
        for _ in range(24):
            try:
                response = await client.post(
                    f"{stores[0].url}/api/ucp/v1/carts", json={"line_items": []}, headers=headers
                )
            except httpx2.TransportError:
                outcomes.add("dropped")
            else:
                assert response.status_code == 503
                assert response.headers["retry-after"] == "1"
                outcomes.add("503")
    assert outcomes == {"503", "dropped"}
