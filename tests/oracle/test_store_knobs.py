"""The stores' 2026-08-25 knobs on the wire, proved by ucp-sdk 0.5.0 (and absent in 2026-04-08).

Voltline (electronics) takes part in payment authentication: a card needing 3-D Secure is
answered with a ``three_ds_challenge`` action and a recoverable error pointing at it, and its
checkouts carry return and warranty ``policies[]``. Cellar Door (wine) puts
``ucp.request_constraints`` on its wallet instrument. Petal & Stem (flowers) lists its pickup
locations (``search_locations`` / ``lookup_locations``), and a pickup checkout selects one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from assistant.config import MerchantConfig
from assistant.domain import Checkout
from assistant.profile import ProfileServer
from assistant.store import Store
from assistant.ucp.client import UcpClient
from assistant.ucp.connect import connect_merchant
from assistant.ucp.requests import CheckoutRequest, FulfillmentMethodRequest, LineItemRequest
from merchants.serve import RunningStore, StoresInThread
from tests.oracle.conftest import Oracle0825
from tests.oracle.request_schemas import request_errors
from tests.oracle.test_releases import NEW, OLD, check_0408
from tests.oracle.wire import Recorder
from tests.ucp.test_sandbox import INSTANT, payment, ready_checkout

THREE_DS = "dev.ucp.common.payment.three_ds_challenge"
CHECKOUT_CREATE = ("shopping/fulfillment.json#/$defs/dev.ucp.shopping.checkout",)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RunningStore]]:
    data_dir = tmp_path_factory.mktemp("knobs")
    with StoresInThread(["electronics", "wine", "flowers"], data_dir=data_dir) as running:
        yield {store.slug: store for store in running}


Connect = Callable[..., Awaitable[UcpClient]]


@pytest.fixture
def connect(
    stores: dict[str, RunningStore],
    wire: tuple[Recorder, httpx2.AsyncClient],
    profiles: ProfileServer,
    tmp_path: Path,
) -> Connect:
    """``await connect(slug, release)``: Pannier's client for that store, on the recorded wire;
    ``release=None`` lets it negotiate, ``transport`` picks MCP or REST."""

    async def connected(slug: str, release: str | None, transport: str = "auto") -> UcpClient:
        return await connect_merchant(
            MerchantConfig(url=stores[slug].url, transport=transport),  # type: ignore[arg-type]
            http=wire[1],
            store=Store.open(tmp_path / "p.db"),
            profile_url=profiles.urls[release] if release else profiles.urls,
            retry=INSTANT,
        )

    return connected


async def test_3ds_is_an_action_with_its_recoverable_error_and_policies_ride_along_in_08_25(
    stores: dict[str, RunningStore],
    wire: tuple[Recorder, httpx2.AsyncClient],
    connect: Connect,
    oracle_0825: Oracle0825,
) -> None:
    recorder, _ = wire
    answer = await _paid_with_a_card_needing_3ds(await connect("electronics", NEW))
    assert answer.status == "incomplete" and answer.continue_url
    [action] = answer.actions[THREE_DS]
    assert action["config"] == {"payment_instrument_id": "card_4242", "url": answer.continue_url}
    [pointer] = [m for m in answer.messages if m.code == "requires_3ds"]
    assert pointer.severity == "recoverable"
    assert pointer.path == f"$.actions['{THREE_DS}'][0]"
    assert answer.recoverable_errors == []  # the action's error is not one Pannier may "fix"
    assert {p.type for p in answer.policies} == {
        "dev.ucp.shopping.policy.return",
        "dev.ucp.shopping.policy.warranty",
    }
    assert all(p.url and p.url.startswith(stores["electronics"].url) for p in answer.policies)
    oracle_0825.assert_valid(recorder.answers)


async def test_request_constraints_ride_on_the_wallet_instrument_in_08_25_only(
    wire: tuple[Recorder, httpx2.AsyncClient],
    connect: Connect,
    oracle_0825: Oracle0825,
) -> None:
    recorder, _ = wire
    checkout = await _opened_checkout(await connect("wine", NEW), "barolo")
    [wallet] = [h for h in checkout.ucp.handlers() if h.id == "sandbox_wallet"]
    constraint = wallet.available_instruments[0].request_constraints
    assert constraint is not None and constraint["required"] == ["billing_address"]
    oracle_0825.assert_valid(recorder.answers)

    recorder.answers.clear()
    checkout = await _opened_checkout(await connect("wine", OLD), "barolo")
    assert not _has_ucp_member(checkout.ucp.payment_handlers)
    assert check_0408(recorder.answers) == []


async def _opened_checkout(client: UcpClient, query: str) -> Checkout:
    found = await client.search_catalog(query, limit=1)
    line = LineItemRequest(item_id=found.products[0].variants[0].id, quantity=1)
    checkout = await client.create_checkout(CheckoutRequest(line_items=[line]))
    assert isinstance(checkout, Checkout), checkout
    return checkout


def _has_ucp_member(handlers: dict[str, list[dict[str, Any]]]) -> bool:
    return any(
        "ucp" in instrument
        for entries in handlers.values()
        for entry in entries
        for instrument in entry.get("available_instruments", [])
    )


async def _paid_with_a_card_needing_3ds(client: UcpClient) -> Checkout:
    checkout = await ready_checkout(client, "usb-c cable")
    answer = await client.complete_checkout(checkout.id, payment("tok_sandbox_3ds"))
    assert isinstance(answer, Checkout)
    return answer


async def test_a_2026_04_08_answer_carries_no_action_and_no_policies(
    wire: tuple[Recorder, httpx2.AsyncClient], connect: Connect
) -> None:
    recorder, _ = wire
    answer = await _paid_with_a_card_needing_3ds(await connect("electronics", OLD))
    assert answer.status == "requires_escalation" and not answer.actions and not answer.policies
    assert check_0408(recorder.answers) == []


@pytest.mark.parametrize("transport", ["mcp", "rest"])
async def test_a_shopper_can_find_the_stores_pickup_locations_and_collect_from_one(
    wire: tuple[Recorder, httpx2.AsyncClient],
    connect: Connect,
    oracle_0825: Oracle0825,
    transport: str,
) -> None:
    recorder, _ = wire
    client = await connect("flowers", None, transport)
    assert client.supports("dev.ucp.common.location.search")
    everywhere = await client.search_locations()
    assert [loc.id for loc in everywhere.locations] == ["mission", "rockridge", "chelsea", "camden"]
    [oakland] = (await client.search_locations("oakland")).locations
    assert oakland.label() == "Petal & Stem — Rockridge, Oakland"
    looked_up = await client.lookup_locations(["rockridge", "nowhere"])
    assert [loc.id for loc in looked_up.locations] == ["rockridge"]
    assert [m.path for m in looked_up.messages] == ["$.location.ids[1]"]

    found = await client.search_catalog("tulip", limit=1)
    line = LineItemRequest(item_id=found.products[0].variants[0].id, quantity=1)
    pickup = FulfillmentMethodRequest(type="pickup", selected_destination_id=oakland.id)
    request = CheckoutRequest(line_items=[line], fulfillment_methods=[pickup])
    assert request_errors(NEW, "create", request.to_ucp(), *CHECKOUT_CREATE) == []
    checkout = await client.create_checkout(request)
    assert isinstance(checkout, Checkout), checkout
    assert checkout.fulfillment is not None
    [method] = checkout.fulfillment.methods
    assert (method.type, method.selected_destination_id) == ("pickup", "rockridge")

    kinds = {kind for kind, _ in recorder.answers}
    assert {"locations_search", "locations_lookup", "business_profile"} <= kinds
    oracle_0825.assert_valid(recorder.answers)
