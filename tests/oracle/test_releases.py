"""Pannier and the sandbox stores on UCP 2026-08-25 and 2026-04-08, proved by each release's SDK.

The same trip (search, cart, checkout, shipping, complete, order) runs through Pannier's real
client against a store serving 2026-08-25 only, 2026-04-08 only, and both. Every answer the store
sends on the way is captured on the wire and validated with the release's own ucp-sdk models:
0.5.0 for 2026-08-25 (in `.venv-oracle/`), 0.4.6 for 2026-04-08 (this environment).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from ucp_sdk.models.schemas.shopping import catalog_lookup, catalog_search, discount, fulfillment
from ucp_sdk.models.schemas.shopping import order as order_models
from ucp_sdk.models.schemas.shopping.types.error_response import ErrorResponse
from ucp_sdk.models.schemas.ucp import BusinessSchema, PlatformSchema

from assistant.config import Config, MerchantConfig
from assistant.domain import Cart, Checkout, Order
from assistant.errors import NegotiationError
from assistant.profile import ProfileServer, platform_profile
from assistant.store import Store
from assistant.ucp.connect import connect_merchant
from assistant.ucp.requests import CartRequest, LineItemRequest
from merchants.serve import StoresInThread
from tests.oracle.conftest import Oracle0825
from tests.oracle.wire import Recorder
from tests.ucp.test_sandbox import INSTANT, payment, ready_checkout

NEW, OLD = "2026-08-25", "2026-04-08"
SERVED = {"new-only": (NEW,), "old-only": (OLD,), "both": (NEW, OLD)}


class FullCheckout(fulfillment.Checkout, discount.Checkout):
    """A 2026-04-08 checkout with the extensions the stores negotiate."""


MODELS_0408: dict[str, Any] = {
    "checkout": FullCheckout,
    "cart": discount.Cart,
    "order": order_models.Order,
    "search": catalog_search.SearchResponse,
    "lookup": catalog_lookup.LookupResponse,
    "product": catalog_lookup.GetProductResponse,
    "business_profile": BusinessSchema,
}


def check_0408(answers: list[tuple[str, dict[str, Any]]]) -> list[tuple[int, str]]:
    failures = []
    for index, (kind, payload) in enumerate(answers):
        error = kind != "business_profile" and payload.get("ucp", {}).get("status") == "error"
        if kind == "business_profile":  # 0.4.6 models the profile's `ucp` object
            payload = payload["ucp"]
        try:
            (ErrorResponse if error else MODELS_0408[kind]).model_validate(payload)
        except ValueError as exc:
            failures.append((index, str(exc)))
    return failures


@pytest.fixture(scope="module", params=list(SERVED))
def flowers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, tuple[str, ...]]]:
    """The flower store serving one or both releases (`--versions`), on a fresh database."""
    served = SERVED[request.param]
    data_dir = tmp_path_factory.mktemp(f"flowers-{request.param}")
    with StoresInThread(["flowers"], data_dir=data_dir, releases=served) as stores:
        yield stores[0].url, served


@pytest.mark.parametrize("transport", ["mcp", "rest"])
async def test_the_same_trip_completes_on_the_newest_release_both_sides_speak(
    flowers: tuple[str, tuple[str, ...]],
    wire: tuple[Recorder, httpx2.AsyncClient],
    profiles: ProfileServer,
    oracle_0825: Oracle0825,
    tmp_path: Path,
    transport: str,
) -> None:
    url, served = flowers
    recorder, http = wire
    client = await connect_merchant(
        MerchantConfig(url=url, transport=transport),
        http=http,
        store=Store.open(tmp_path / "p.db"),
        profile_url=profiles.urls,
        retry=INSTANT,
    )
    expected = served[0]  # newest first: 2026-08-25 whenever the store offers it
    assert client.version == expected

    found = await client.search_catalog("rose", limit=3)
    variant = next(v for p in found.products for v in p.variants if v.availability.available)
    cart = await client.create_cart(
        CartRequest(line_items=[LineItemRequest(item_id=variant.id, quantity=1)])
    )
    assert isinstance(cart, Cart), cart
    updated_cart = await client.update_cart(
        cart.id, CartRequest(line_items=[LineItemRequest(item_id=variant.id, quantity=2)])
    )
    assert isinstance(updated_cart, Cart) and updated_cart.line_items[0].quantity == 2
    checkout = await ready_checkout(client)
    done = await client.complete_checkout(checkout.id, payment())
    assert isinstance(done, Checkout) and done.status == "completed", done
    assert done.order is not None
    order = await client.get_order(done.order.id)
    assert isinstance(order, Order)

    answers = recorder.answers
    resources = [(kind, p) for kind, p in answers if kind != "business_profile"]
    assert {kind for kind, _ in resources} >= {"search", "cart", "checkout", "order"}
    assert {p["ucp"]["version"] for _, p in resources} == {expected}
    if expected == NEW:
        oracle_0825.assert_valid(answers)
        shipped = [p for kind, p in resources if kind == "checkout" and p.get("fulfillment")]
        destinations = [
            d for p in shipped for m in p["fulfillment"]["methods"] for d in m["destinations"]
        ]
        assert destinations and {d["type"] for d in destinations} == {"shipping_address"}
    else:
        failures = check_0408(answers)
        assert failures == [], "\n".join(f"{answers[i][0]}: {error}" for i, error in failures)


def test_each_platform_profile_validates_with_its_release_sdk_and_pins_every_entry_to_it(
    oracle_0825: Oracle0825,
) -> None:
    new, old = platform_profile(Config(), NEW), platform_profile(Config(), OLD)
    for document, release in ((new, NEW), (old, OLD)):
        ucp = document["ucp"]
        entries = [e for name, es in ucp["capabilities"].items() for e in es] + [
            e for es in ucp["services"].values() for e in es
        ]
        assert ucp["version"] == release
        assert {e["version"] for e in entries} == {release}
    assert oracle_0825.check([("platform_profile", new)]) == []
    PlatformSchema.model_validate(old["ucp"])  # ucp-sdk 0.4.6, here


async def test_a_store_serving_only_the_new_release_refuses_a_request_naming_the_old_profile(
    tmp_path: Path, profiles: ProfileServer
) -> None:
    with StoresInThread(["flowers"], data_dir=tmp_path, releases=(NEW,)) as stores:
        async with httpx2.AsyncClient(timeout=10.0) as http:
            client = await connect_merchant(
                MerchantConfig(url=stores[0].url),
                http=http,
                store=None,
                profile_url=profiles.urls[OLD],  # a plain URL: sent whatever was negotiated
            )
            with pytest.raises(NegotiationError) as refused:
                await client.search_catalog("rose")
    assert refused.value.status_code == 422
    assert "the platform profile asks for 2026-04-08" in str(refused.value)
