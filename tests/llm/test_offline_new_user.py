"""A new shopper's trip in the sentences people type, on the sandbox stores: follow-ups that only
narrow the listing shown, second thoughts about how many, "no", and "when will it arrive?"."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from test_ask import ask

from assistant.config import Config
from assistant.domain import Approval, PurchaseSummary
from assistant.llm.loop import Agent, build_agent
from assistant.llm.offline.parse import LEFT_AS_IS
from assistant.shopping.trip import Trip
from merchants.serve import RunningStore

OpenTrip = Callable[..., Awaitable[Trip]]
ROW = re.compile(r"^  \d+\. (.+?) \(", re.M)


async def decline(summary: PurchaseSummary) -> Approval:
    return Approval.declined()


def offline(trip: Trip) -> Agent:
    return build_agent(Config(), trip, offline=True)


async def test_whats_the_cheapest_after_a_listing_orders_that_listing_not_every_product(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", "wine")
    agent = offline(trip)
    await agent.turn("a birthday present for my sister, she likes flowers", decline)
    reply = await agent.turn("what's the cheapest?", decline)
    assert reply.startswith('For "birthday flowers":'), reply
    assert ROW.findall(reply)[0] == "Sunflower Sunshine", reply
    assert "Corkscrew" not in reply


async def test_something_under_40_dollars_narrows_the_listing_shown(open_trip: OpenTrip) -> None:
    trip = await open_trip("flowers", "coffee")
    agent = offline(trip)
    await agent.turn("birthday flowers", decline)
    reply = await agent.turn("something under 40 dollars?", decline)
    assert ROW.findall(reply) == ["Sunflower Sunshine"], reply


async def test_no_leaves_everything_as_it_is_and_searches_nothing(open_trip: OpenTrip) -> None:
    trip = await open_trip("flowers")
    agent = offline(trip)
    await agent.turn("tulips", decline)
    shown = trip.last_search
    for sentence in ("no", "No thanks.", "never mind"):
        assert await agent.turn(sentence, decline) == LEFT_AS_IS
    assert trip.last_search is shown


async def test_actually_make_it_2_bottles_changes_how_many(open_trip: OpenTrip) -> None:
    trip = await open_trip("wine")
    agent = offline(trip)
    await agent.turn("a bottle of red wine", decline)
    await agent.turn("add 1", decline)
    reply = await agent.turn("actually make it 2 bottles", decline)
    [wine] = trip.state()
    assert [line.quantity for line in wine.lines] == [2], reply


async def test_when_will_it_arrive_lists_each_stores_delivery_options(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("coffee")
    agent = offline(trip)
    await agent.turn("coffee beans", decline)
    await agent.turn("add 1", decline)
    reply = await agent.turn("when will it arrive?", decline)
    assert reply.startswith("Ember & Oak Roasters:") and "Found" not in reply, reply
    assert len(reply.splitlines()) >= 3, reply  # the store and its options, one a line
    empty = await offline(await open_trip("flowers", session="empty")).turn(
        "when will it arrive?", decline
    )
    assert "basket is empty" in empty, empty


def test_a_new_shoppers_trip_in_pannier_ask_reads_as_they_meant_it(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    urls = [sandbox_stores["flowers"].url, sandbox_stores["coffee"].url]

    def said(sentence: str) -> str:
        done = ask(tmp_path, sentence, "--session", "trip", urls=urls)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        return done.stdout

    said("a birthday present for my sister, she likes flowers")
    cheapest = said("what's the cheapest?")
    assert ROW.findall(cheapest)[0] == "Sunflower Sunshine", cheapest
    assert "Sunflower Sunshine" in said("add 1")
    assert said("no").strip() == LEFT_AS_IS
    beans = said("and some coffee beans")
    assert re.search(r"^  1\. ", beans, re.M), beans  # a new listing reads from 1
    basket = said("add 1")
    assert "Sunflower Sunshine" in basket and "Ember & Oak Roasters" in basket, basket


async def test_make_it_2_bottles_in_the_next_process_changes_what_was_added_last(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", "wine")
    for sentence in ("tulips", "add 1", "a bottle of red wine", "add 1"):
        await offline(trip).turn(sentence, decline)  # each a `pannier ask` of its own
    reply = await offline(trip).turn("actually make it 2 bottles", decline)
    counts = {s.merchant.name: [x.quantity for x in s.lines] for s in trip.state()}
    assert counts == {"Petal & Stem": [1], "Cellar Door Wines": [2]}, reply


async def test_red_wine_from_the_wine_shop_searches_that_shop_only(open_trip: OpenTrip) -> None:
    trip = await open_trip("flowers", "wine", "coffee")
    reply = await offline(trip).turn("a bottle of red wine from the wine shop", decline)
    assert trip.last_search is not None and trip.last_search.query == "red wine", reply
    stores = {o.merchant.name for g in trip.last_search.groups for o in g.offers}
    assert stores == {"Cellar Door Wines"}, reply
    beans = await offline(trip).turn("coffee from colombia", decline)  # a country, not a shop
    assert "Colombia Huila" in beans, beans


async def test_when_will_it_arrive_says_when_each_option_arrives(open_trip: OpenTrip) -> None:
    trip = await open_trip("coffee")
    agent = offline(trip)
    await agent.turn("coffee beans", decline)
    await agent.turn("add 1", decline)
    reply = await agent.turn("when will it arrive?", decline)
    options = [line for line in reply.splitlines() if line.startswith("    ")]
    assert options and all(re.search(r"arrives (?:by )?\w{3} \d{1,2} \w{3}", o) for o in options)


async def test_add_a_bottle_of_red_wine_under_tulips_finds_and_adds_a_red_wine(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", "wine")
    agent = offline(trip)
    await agent.turn("red tulips", decline)
    await agent.turn("add the first one", decline)
    reply = await agent.turn("add a bottle of red wine", decline)
    counts = {s.merchant.name: [x.quantity for x in s.lines] for s in trip.state()}
    assert counts == {"Petal & Stem": [1], "Cellar Door Wines": [1]}, reply
    assert reply.startswith("Added 1 × ") and 'the best match for "red wine"' in reply, reply


async def test_add_a_mug_with_no_mug_on_screen_searches_and_adds_the_best_match(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", "coffee")
    reply = await offline(trip).turn("add a mug", decline)
    assert [x.title for s in trip.state() for x in s.lines] == ["Ember & Oak Mug"], reply


async def test_add_the_first_one_in_32_32_adds_that_size_not_28_32(open_trip: OpenTrip) -> None:
    trip = await open_trip("apparel")
    agent = offline(trip)
    await agent.turn("jeans", decline)
    reply = await agent.turn("add the first one in 32 / 32", decline)
    assert [x.title for s in trip.state() for x in s.lines] == [
        "Relaxed Straight Jeans — 32 / 32"
    ], reply


async def test_a_t_shirt_in_medium_lists_the_medium_one(open_trip: OpenTrip) -> None:
    trip = await open_trip("apparel")
    reply = await offline(trip).turn("a t-shirt in medium", decline)
    first = reply.splitlines()[1]
    assert "(M / " in first, reply


async def test_whats_my_total_prepares_the_checkouts_with_shipping(open_trip: OpenTrip) -> None:
    trip = await open_trip("flowers")
    agent = offline(trip)
    await agent.turn("tulips", decline)
    await agent.turn("add 1", decline)
    reply = await agent.turn("what's my total?", decline)
    assert "Shipping" in reply, reply


async def test_where_will_it_be_delivered_shows_the_basket_not_a_search(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", "coffee")
    agent = offline(trip)
    await agent.turn("tulips", decline)
    await agent.turn("add 1", decline)
    shown = trip.last_search
    reply = await agent.turn("where will it be delivered?", decline)
    assert reply.startswith("Petal & Stem:") and trip.last_search is shown, reply


async def test_use_my_default_address_ships_to_the_first_saved_one(open_trip: OpenTrip) -> None:
    trip = await open_trip("flowers")
    agent = offline(trip)
    await agent.turn("tulips", decline)
    await agent.turn("add 1", decline)
    await agent.turn("checkout", decline)
    reply = await agent.turn("use my default address", decline)
    assert "Which address?" not in reply, reply
    london = await agent.turn("ship it to London", decline)
    assert 'no saved address for "london"' in london.lower(), london
    assert "[[buyer.addresses]]" in london, london


async def test_what_do_you_sell_says_what_each_store_sells(open_trip: OpenTrip) -> None:
    trip = await open_trip("flowers", "coffee")
    reply = await offline(trip).turn("what do you sell?", decline)
    assert "Petal & Stem (flowers)" in reply and "Ember & Oak Roasters (coffee)" in reply, reply


async def test_add_the_cheapest_one_adds_the_cheapest_of_the_listing_shown(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers")
    agent = offline(trip)
    await agent.turn("birthday flowers", decline)
    reply = await agent.turn("add the cheapest one", decline)
    assert [x.title for s in trip.state() for x in s.lines] == [
        "Sunflower Sunshine — Petite / No vase"
    ], reply
    await agent.turn("birthday flowers", decline)
    priciest = await agent.turn("I'll take the most expensive one", decline)
    assert "Wildflower Meadow Bouquet" in priciest, priciest
    nothing = await offline(await open_trip("flowers", session="none")).turn(
        "add the cheapest one", decline
    )
    assert nothing.startswith("There is nothing to pick from yet"), nothing


async def test_can_i_have_two_of_the_coffee_makes_the_basket_coffee_two(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", "coffee")
    await offline(trip).turn("coffee beans", decline)
    await offline(trip).turn("add 1", decline)
    reply = await offline(trip).turn("can I have two of the coffee", decline)
    [coffee] = trip.state()
    assert [line.quantity for line in coffee.lines] == [2], reply
