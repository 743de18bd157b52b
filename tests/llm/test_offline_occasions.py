"""A gift for an occasion, as a shopper asks for one: the occasion is kept, and a birthday never
leads to a sympathy arrangement."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from assistant.config import Config
from assistant.domain import Approval, PurchaseSummary
from assistant.llm.loop import build_agent
from assistant.shopping.ranking import PAGE_SIZE
from assistant.shopping.trip import Trip

OpenTrip = Callable[..., Awaitable[Trip]]
BIRTHDAY_BOUQUETS = {"Wildflower Meadow Bouquet", "Sunflower Sunshine"}  # tagged "birthday"
MOURNING = ("Sympathy", "Funeral")


async def decline(summary: PurchaseSummary) -> Approval:
    return Approval.declined()


def first_page(trip: Trip) -> list[str]:
    assert trip.last_search is not None
    return [group.title for group in trip.last_search.groups[:PAGE_SIZE]]


@pytest.mark.parametrize(
    "sentence",
    [
        "a birthday present for my sister, she likes flowers",
        "flowers for my mum's birthday",
        "it's my wife's birthday, she loves flowers",
        "birthday flowers for a friend",
    ],
)
async def test_a_birthday_gift_of_flowers_lists_birthday_bouquets_first_and_no_sympathy(
    open_trip: OpenTrip, sentence: str
) -> None:
    trip = await open_trip("flowers", "coffee", "wine")
    reply = await build_agent(Config(), trip, offline=True).turn(sentence, decline)
    titles = first_page(trip)
    assert set(titles[:2]) == BIRTHDAY_BOUQUETS, (sentence, reply)
    assert not any(word in reply for word in MOURNING), (sentence, reply)


async def test_flowers_for_a_funeral_still_lists_the_sympathy_arrangement(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers")
    reply = await build_agent(Config(), trip, offline=True).turn("flowers for a funeral", decline)
    assert first_page(trip)[0] == "White Lily Sympathy Arrangement", reply


async def test_an_anniversary_gift_she_likes_red_wine_lists_red_wines(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", "wine")
    reply = await build_agent(Config(), trip, offline=True).turn(
        "an anniversary gift for my wife, she loves red wine", decline
    )
    titles = first_page(trip)
    assert "Barolo Cascina Fiori" in titles and "Domaine des Collines Côtes du Rhône" in titles
    assert not any(word in reply for word in MOURNING), reply
