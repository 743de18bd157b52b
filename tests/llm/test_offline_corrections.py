"""Second thoughts as a shopper types them ("actually make it the black ones"), on the sandbox."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from assistant.config import Config
from assistant.domain import Approval, PurchaseSummary
from assistant.llm.loop import Agent, build_agent
from assistant.shopping.trip import Trip

OpenTrip = Callable[..., Awaitable[Trip]]


async def decline(summary: PurchaseSummary) -> Approval:
    return Approval.declined()


def offline(trip: Trip) -> Agent:
    return build_agent(Config(), trip, offline=True)


def titles(trip: Trip) -> list[tuple[str, int]]:
    return [(line.title, line.quantity) for state in trip.state() for line in state.lines]


async def test_make_it_the_black_ones_with_nothing_in_the_basket_says_so_and_searches_nothing(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("apparel", "electronics")
    agent = offline(trip)
    reply = await agent.turn("actually make it the black ones", decline)
    assert "nothing in your basket to change yet" in reply, reply
    assert "Found" not in reply and trip.last_search is None
    assert titles(trip) == []


async def test_make_it_the_black_ones_with_a_listing_shown_points_at_the_black_one_there(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("electronics")
    agent = offline(trip)
    await agent.turn("do you have earbuds?", decline)
    shown = trip.last_search
    reply = await agent.turn("make it the black ones", decline)
    assert "nothing in your basket to change yet" in reply, reply
    assert "Pulse Wireless Earbuds (Black)" in reply and re.search(r'say "add \d+"', reply), reply
    assert trip.last_search == shown and titles(trip) == []


async def test_make_it_the_black_ones_swaps_the_white_earbuds_for_black_keeping_how_many(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("electronics")
    agent = offline(trip)
    await agent.turn("do you have earbuds?", decline)
    await agent.turn("add 2 of the first one in white", decline)
    reply = await agent.turn("actually make it the black ones", decline)
    assert titles(trip) == [("Pulse Wireless Earbuds — Black", 2)], reply


async def test_change_it_to_the_black_one_keeps_the_size_of_the_tee(open_trip: OpenTrip) -> None:
    trip = await open_trip("apparel")
    agent = offline(trip)
    await agent.turn("organic tee", decline)
    await agent.turn("add the first one in M / White", decline)
    assert titles(trip) == [("Everyday Organic Tee — M / White", 1)]
    reply = await agent.turn("change it to the black one", decline)
    assert titles(trip) == [("Everyday Organic Tee — M / Black", 1)], reply


async def test_actually_the_black_ones_under_a_listing_of_tees_points_at_the_black_tee(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("apparel", "electronics")
    agent = offline(trip)
    await agent.turn("I also want a t-shirt", decline)
    shown = trip.last_search
    reply = await agent.turn("actually, the black ones", decline)
    assert "nothing in your basket to change yet" in reply and "Black" in reply, reply
    assert "Tee" in reply and re.search(r'say "add \d+"', reply), reply
    assert trip.last_search is shown


async def test_the_black_ones_for_an_item_not_in_the_listing_points_at_the_listing(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("apparel", "electronics")
    agent = offline(trip)
    await agent.turn("do you have earbuds?", decline)
    await agent.turn("add the first one in white", decline)
    await agent.turn("organic tee", decline)
    reply = await agent.turn("the black ones", decline)
    assert "Everyday Organic Tee" in reply and re.search(r'say "add \d+"', reply), reply
    assert titles(trip) == [("Pulse Wireless Earbuds — White", 1)]


async def test_a_colour_the_item_does_not_come_in_is_said_and_the_basket_kept(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("electronics")
    agent = offline(trip)
    await agent.turn("do you have earbuds?", decline)
    await agent.turn("add the first one in white", decline)
    reply = await agent.turn("make it the green ones", decline)
    assert "comes in Black or White" in reply, reply
    assert titles(trip) == [("Pulse Wireless Earbuds — White", 1)]


async def test_a_kind_the_narrowed_listing_left_out_is_found_in_the_product_itself(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers")
    agent = offline(trip)
    await agent.turn("birthday flowers", decline)
    await agent.turn("something under 40 dollars?", decline)  # the glass vase costs more
    await agent.turn("add 1", decline)
    reply = await agent.turn("actually make it the glass vase ones", decline)
    assert titles(trip) == [("Sunflower Sunshine — Petite / Glass vase", 1)], reply
