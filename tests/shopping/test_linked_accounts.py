"""A trip with a linked account: the store's history and saved addresses; no token leaks."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx2
import pytest
from shopping_helpers import OpenTrip

from assistant.config import Config
from assistant.domain import Approval, PurchaseSummary
from assistant.llm.tools import Toolbox
from assistant.ucp.link_tokens import LinkedAccount, LinkStore
from merchants.serve import RunningStore
from tests.oauth_login import link_account


async def decline(summary: PurchaseSummary) -> Approval:
    return Approval.declined()


@pytest.fixture
async def linked(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> tuple[Config, LinkedAccount]:
    """The demo account at Petal & Stem, linked into this test's own data directory."""
    data_dir = tmp_path / "data"
    async with httpx2.AsyncClient(timeout=10.0) as http:
        account = await link_account(
            http, LinkStore(data_dir / "linked-accounts.json"), sandbox_stores["flowers"].url
        )
    assert isinstance(account, LinkedAccount), account
    return Config(data_dir=data_dir), account


async def call(tools: Toolbox, name: str, arguments: dict[str, Any] | None = None) -> Any:
    result = await tools.call(name, arguments or {}, decline)
    assert not result.is_error, result.content
    return json.loads(result.content)


async def test_show_my_orders_includes_the_linked_stores_own_history(
    open_trip: OpenTrip, linked: tuple[Config, LinkedAccount]
) -> None:
    config, _ = linked
    trip = await open_trip("flowers", "coffee", config=config)
    status = await call(Toolbox(trip), "order_status")
    (store,) = status["store_history"]["stores"]
    assert store["merchant_data"] == {
        "store_name": "Petal & Stem",
        "account_holder": "Ada Lovelace",
    }
    assert store["orders"], "the demo account has past orders"
    first = store["orders"][0]
    assert first["total"].startswith("USD ")
    assert first["merchant_data"]["label"].startswith("PS-")  # store text stays in merchant_data


async def test_a_trip_ships_to_an_address_saved_at_the_store(
    open_trip: OpenTrip, linked: tuple[Config, LinkedAccount]
) -> None:
    config, _ = linked
    trip = await open_trip("flowers", config=config)
    tools = Toolbox(trip)
    await trip.search("red roses")
    await call(tools, "set_basket", {"items": [{"ref": "1", "quantity": 1}]})
    addresses = await call(tools, "saved_addresses")
    at_store = addresses["saved_at_stores"]
    assert at_store[0]["saved_at"]["merchant_data"]["store_name"] == "Petal & Stem"
    howard = next(a for a in at_store if a["merchant_data"]["street_address"] == "500 Howard St")
    await call(tools, "ship_to", {"address_id": howard["address_id"]})
    await call(tools, "prepare_checkout")
    (checkout,) = trip._ctx.state.answers().values()
    assert checkout.fulfillment is not None
    (destination,) = checkout.fulfillment.methods[0].destinations
    assert destination.street_address == "500 Howard St"


async def test_tokens_never_reach_the_model_the_log_or_the_database(
    open_trip: OpenTrip,
    linked: tuple[Config, LinkedAccount],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config, account = linked
    caplog.set_level(logging.DEBUG)
    trip = await open_trip("flowers", config=config)
    tools = Toolbox(trip)
    seen = [
        json.dumps(await call(tools, name))
        for name in ("order_status", "saved_addresses", "view_basket")
    ]
    seen.append(json.dumps(await call(tools, "ship_to", {"address_id": "s1"})))
    seen += [repr(event) for event in trip.bus.history]
    seen.append(caplog.text)
    seen.append(repr(trip.accounts))
    assert config.data_dir is not None
    current = LinkStore(config.data_dir / "linked-accounts.json").get(account.origin)
    assert current is not None
    secrets = {account.access_token, current.access_token, str(account.refresh_token)}
    for text in seen:
        assert not any(secret in text for secret in secrets)
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("pannier.db*"))  # noqa: ASYNC240
    assert stored and not any(secret.encode() in stored for secret in secrets)


async def test_without_a_linked_account_the_tools_say_how_to_link(
    open_trip: OpenTrip, tmp_path: Path
) -> None:
    trip = await open_trip("flowers", config=Config(data_dir=tmp_path / "empty"))
    addresses = await call(Toolbox(trip), "saved_addresses")
    assert "pannier link" in addresses["note"]
    assert "store_history" not in await call(Toolbox(trip), "order_status")
    assert not (tmp_path / "empty").exists()  # reading created nothing
