"""Collecting instead of delivery with the offline planner, as shoppers say it.

The phrasings come first (how people ask to pick an order up, choose a shop, or change their
mind), then the planner meets them on the real flower store: on UCP 2026-08-25 it lists the
pickup locations and collects where the shopper said; on 2026-04-08 it says the store offers no
pickup.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from assistant.config import Config
from assistant.domain import Approval, PurchaseSummary
from assistant.llm.loop import Agent, build_agent
from assistant.llm.offline.parse import parse
from assistant.profile import ProfileServer
from assistant.shopping import compose
from assistant.shopping.trip import Trip
from assistant.store import Store
from merchants.serve import RunningStore, StoresInThread

ASKING = [
    "can I pick the flowers up instead?",
    "could I collect them?",
    "where can I pick them up",
    "I'd rather pick them up",
    "pickup locations",
    "in-store pickup",
]
NEAR = {
    "pick up near 10001": "10001",
    "pickup locations near Oakland": "oakland",
    "can I collect them somewhere around San Francisco": "san francisco",
}
CHOOSING = {
    "I'll collect them from the Camden shop": "camden",
    "pick them up at Rockridge": "rockridge",
    "collect from the Mission Street store": "mission street",
    "I'll pick the tulips up from Chelsea please": "chelsea",
}
DELIVERING = [
    "actually deliver them",
    "deliver them instead",
    "no pickup",
    "actually I'll have delivery",
    "I don't want to pick them up",
]
NOT_PICKUP = ["ship to my Paris address", "deliver to my Paris address", "red roses", "checkout"]


@pytest.mark.parametrize("said", ASKING)
def test_asking_whether_they_can_collect_lists_the_pickup_locations(said: str) -> None:
    assert (parse(said).kind, parse(said).choice) == ("pickup_list", "")


@pytest.mark.parametrize(("said", "place"), NEAR.items())
def test_asking_for_pickup_near_a_place_searches_near_it(said: str, place: str) -> None:
    assert (parse(said).kind, parse(said).choice) == ("pickup_list", place)


@pytest.mark.parametrize(("said", "words"), CHOOSING.items())
def test_naming_a_shop_to_collect_from_chooses_it(said: str, words: str) -> None:
    assert (parse(said).kind, parse(said).choice) == ("pickup", words)


@pytest.mark.parametrize("said", DELIVERING)
def test_changing_their_mind_goes_back_to_delivery(said: str) -> None:
    assert parse(said).kind == "deliver"


@pytest.mark.parametrize("said", NOT_PICKUP)
def test_addresses_and_other_requests_are_not_read_as_pickup(said: str) -> None:
    assert parse(said).kind not in ("pickup_list", "pickup", "deliver")


# --- on the sandbox ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def flowers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RunningStore]]:
    with (
        StoresInThread(["flowers"], data_dir=tmp_path_factory.mktemp("both")) as both,
        StoresInThread(
            ["flowers"], data_dir=tmp_path_factory.mktemp("old"), releases=("2026-04-08",)
        ) as old,
    ):
        yield {"both": both[0], "old": old[0]}


@pytest.fixture
async def trips(profiles: ProfileServer, tmp_path: Path) -> AsyncIterator[list[Trip]]:
    opened: list[Trip] = []
    yield opened
    for trip in opened:
        await trip.aclose()


async def _planner(trips: list[Trip], url: str, profiles: ProfileServer, db: Path) -> Agent:
    trip = await compose.open_trip(
        Config(), session="planner", store=Store.open(db), merchant_urls=[url],
        profile_url=profiles.urls,
    )  # fmt: skip
    trips.append(trip)
    return build_agent(Config(), trip, offline=True)


async def decline(summary: PurchaseSummary) -> Approval:
    return Approval.declined()


async def tulips_in_basket(trips: list[Trip], url: str, profiles: ProfileServer, db: Path) -> Agent:
    """The planner on a new trip whose basket holds the first tulips found."""
    agent = await _planner(trips, url, profiles, db)
    await agent.turn("tulips", decline)
    await agent.turn("add the first one", decline)
    return agent


async def test_the_planner_lists_where_to_collect_chooses_camden_and_goes_back_to_delivery(
    flowers: dict[str, RunningStore], trips: list[Trip], profiles: ProfileServer, tmp_path: Path
) -> None:
    agent = await tulips_in_basket(trips, flowers["both"].url, profiles, tmp_path / "p.db")
    await agent.turn("checkout", decline)

    listed = await agent.turn("can I pick the flowers up instead?", decline)
    assert "Petal & Stem — pick up at:" in listed
    assert "rockridge. Petal & Stem — Rockridge — 5610 College Ave, Oakland 94618" in listed
    assert "camden. Petal & Stem — Camden — 301 Cooper St, Camden 08102" in listed
    near = await agent.turn("pick up near 10001", decline)
    assert "chelsea. Petal & Stem — Chelsea" in near and "rockridge" not in near

    chosen = await agent.turn("I'll collect them from the Camden shop", decline)
    assert "Pickup at Petal & Stem — Camden, 301 Cooper St, Camden" in chosen
    [state] = trips[0].state()
    assert state.pickup is not None and state.pickup.id == "camden"
    assert state.status == "ready_for_complete"

    back = await agent.turn("actually deliver them", decline)
    assert back.startswith("Back to delivery.") and "Pickup at" not in back
    [state] = trips[0].state()
    assert state.pickup is None and state.status == "ready_for_complete"
    assert (await agent.turn("deliver them instead", decline)).startswith("You're already")


async def test_a_name_that_matches_no_location_is_answered_with_the_list(
    flowers: dict[str, RunningStore], trips: list[Trip], profiles: ProfileServer, tmp_path: Path
) -> None:
    agent = await tulips_in_basket(trips, flowers["both"].url, profiles, tmp_path / "p.db")
    reply = await agent.turn("pick them up at Atlantis", decline)
    assert reply.startswith("No pickup location matches 'atlantis'.")
    assert "mission. Petal & Stem — Mission Street" in reply
    [state] = trips[0].state()
    assert state.pickup is None


async def test_on_2026_04_08_the_planner_says_the_store_offers_no_pickup(
    flowers: dict[str, RunningStore], trips: list[Trip], profiles: ProfileServer, tmp_path: Path
) -> None:
    agent = await tulips_in_basket(trips, flowers["old"].url, profiles, tmp_path / "p.db")
    reply = await agent.turn("can I pick the flowers up instead?", decline)
    assert reply.startswith("Petal & Stem offers no pickup")
    chosen = await agent.turn("I'll collect them from the Camden shop", decline)
    assert "offers no pickup" in chosen
