"""A shopper collects from a store instead of delivery: through the Trip, on the real flower store.

Petal & Stem publishes UCP 2026-08-25's ``dev.ucp.common`` service (its pickup locations); a
checkout offering a pickup method can collect at one by ``selected_destination_id``. Proven over
MCP and REST, on a store serving both releases, and on one serving 2026-04-08 only (no locations:
"offers no pickup", never an error).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from assistant.config import Config, MerchantConfig
from assistant.domain import COMPLETED, Approval, PurchaseSummary
from assistant.errors import PannierError
from assistant.profile import ProfileServer, serve_profile
from assistant.shopping import compose
from assistant.shopping.trip import Trip
from assistant.store import Store
from assistant.views import PickupLocationsView, PurchaseView
from merchants.serve import RunningStore, StoresInThread

TULIPS = "tulip-bundle--red"
OLD = "2026-04-08"


@pytest.fixture(scope="module")
def flowers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RunningStore]]:
    """The flower store serving both releases, and one serving 2026-04-08 only."""
    with (
        StoresInThread(["flowers"], data_dir=tmp_path_factory.mktemp("both")) as both,
        StoresInThread(
            ["flowers"], data_dir=tmp_path_factory.mktemp("old"), releases=(OLD,)
        ) as old,
    ):
        yield {"both": both[0], "old": old[0]}


@pytest.fixture
async def profiles() -> AsyncIterator[ProfileServer]:
    server = await serve_profile(Config())
    yield server
    await server.aclose()


class Trips:
    """Opens trips on one database (a resumed trip is another open), closing them after."""

    def __init__(self, profiles: ProfileServer, db: Path) -> None:
        self.profiles, self.db = profiles, db
        self.opened: list[Trip] = []

    async def open(self, url: str, transport: str = "auto", session: str = "pickup") -> Trip:
        config = Config(merchants=[MerchantConfig(url=url, transport=transport)])
        trip = await compose.open_trip(
            config,
            session=session,
            store=Store.open(self.db),
            merchant_urls=[url],
            profile_url=self.profiles.urls,
        )
        self.opened.append(trip)
        return trip

    async def close(self, trip: Trip) -> None:
        self.opened.remove(trip)
        await trip.aclose()


@pytest.fixture
async def trips(profiles: ProfileServer, tmp_path: Path) -> AsyncIterator[Trips]:
    opened = Trips(profiles, tmp_path / "pickup.db")
    yield opened
    for trip in opened.opened:
        await trip.aclose()


shown: list[PurchaseSummary] = []


async def _approve(summary: PurchaseSummary) -> Approval:
    shown.append(summary)
    return summary.approve()


@pytest.mark.parametrize("transport", ["mcp", "rest"])
async def test_a_shopper_collects_the_tulips_at_a_store_they_chose_and_the_resumed_trip_keeps_it(
    flowers: dict[str, RunningStore], trips: Trips, transport: str
) -> None:
    url = flowers["both"].url
    trip = await trips.open(url, transport, session=f"collect-{transport}")
    await trip.search("tulips")
    await trip.set_basket([(TULIPS, 1)])
    [shipped] = await trip.prepare_checkout()
    assert shipped.pickup is None

    [offer] = await trip.pickup_locations()
    assert [loc.id for loc in offer.locations] == ["mission", "rockridge", "chelsea", "camden"]
    assert offer.chosen_id is None and offer.unavailable is None
    listing = PickupLocationsView([offer]).text()
    assert "rockridge. Petal & Stem — Rockridge — 5610 College Ave, Oakland 94618; " in listing
    assert "Mon–Sat 10:00–18:00" in listing
    [near] = await trip.pickup_locations(near="10001")
    assert [loc.id for loc in near.locations] == ["chelsea"]

    state = await trip.choose_pickup(offer.merchant.domain, "rockridge")
    assert state.pickup is not None and state.pickup.id == "rockridge"
    assert state.status == "ready_for_complete", state.messages
    fulfillment = [t for t in state.totals if t.type == "fulfillment"]
    assert [(t.label, t.amount) for t in fulfillment] == [("Pickup: In-store pickup", 0)]

    await trips.close(trip)  # the choice is trip state: a resumed trip keeps it
    resumed = await trips.open(url, transport, session=f"collect-{transport}")
    [again] = await resumed.pickup_locations()
    assert again.chosen_id == "rockridge"
    [before] = resumed.state()
    assert before.pickup is not None and before.pickup.id == "rockridge"

    shown.clear()
    [placed] = await resumed.complete(_approve)
    [summary] = shown
    assert summary.merchants[0].pickup == "Petal & Stem — Rockridge, 5610 College Ave, Oakland"
    lines = PurchaseView(summary).lines()
    assert "    Pickup at Petal & Stem — Rockridge, 5610 College Ave, Oakland" in lines
    assert placed.status == COMPLETED and placed.order is not None


async def test_going_back_to_delivery_ships_to_the_default_address_again(
    flowers: dict[str, RunningStore], trips: Trips
) -> None:
    trip = await trips.open(flowers["both"].url, session="back")
    await trip.search("tulips")
    await trip.set_basket([(TULIPS, 1)])
    [offer] = await trip.pickup_locations()  # before any checkout: the choice opens it
    collecting = await trip.choose_pickup(offer.merchant.domain, "mission")
    assert collecting.pickup is not None and collecting.pickup.id == "mission"

    delivering = await trip.choose_pickup(offer.merchant.domain, None)
    assert delivering.pickup is None
    assert delivering.status == "ready_for_complete", delivering.messages
    assert any(t.type == "fulfillment" and "Pickup" not in t.label for t in delivering.totals)
    [after] = await trip.pickup_locations()
    assert after.chosen_id is None


async def test_an_unknown_location_is_refused_by_name_and_nothing_changes(
    flowers: dict[str, RunningStore], trips: Trips
) -> None:
    trip = await trips.open(flowers["both"].url, session="unknown")
    await trip.search("tulips")
    await trip.set_basket([(TULIPS, 1)])
    [offer] = await trip.pickup_locations()
    with pytest.raises(PannierError, match="has no pickup location 'atlantis'"):
        await trip.choose_pickup(offer.merchant.domain, "atlantis")
    [still] = await trip.pickup_locations()
    assert still.chosen_id is None


async def test_a_store_on_2026_04_08_says_it_offers_no_pickup_rather_than_failing(
    flowers: dict[str, RunningStore], trips: Trips
) -> None:
    trip = await trips.open(flowers["old"].url, session="old")
    await trip.search("tulips")
    await trip.set_basket([(TULIPS, 1)])
    [offer] = await trip.pickup_locations()
    assert offer.locations == () and offer.unavailable is not None
    assert "offers no pickup" in offer.unavailable
    assert "offers no pickup" in PickupLocationsView([offer]).text()
    with pytest.raises(PannierError, match="offers no pickup"):
        await trip.choose_pickup(offer.merchant.domain, "rockridge")
    [state] = await trip.prepare_checkout()
    assert state.pickup is None and state.status == "ready_for_complete"


async def test_shipping_to_a_saved_address_after_choosing_pickup_delivers_there(
    flowers: dict[str, RunningStore], trips: Trips
) -> None:
    trip = await trips.open(flowers["both"].url, session="ship")
    await trip.search("tulips")
    await trip.set_basket([(TULIPS, 1)])
    [offer] = await trip.pickup_locations()
    await trip.choose_pickup(offer.merchant.domain, "camden")
    [home] = trip.saved_addresses()[:1]
    [state] = await trip.ship_to(home)
    assert state.pickup is None and state.status == "ready_for_complete"
    [after] = await trip.pickup_locations()
    assert after.chosen_id is None
