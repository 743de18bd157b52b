"""Two requests in one sentence, as shoppers type them: get something, then say how it comes.

"hi, can I get some tulips and pick them up in Camden?" is the three turns "tulips please",
"add the first one" and "I'll collect them from the Camden shop" in one. The phrasings come
first; then the offline planner meets them on the real sandbox stores, and `pannier ask` as a
child process.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_ask import ask, valid_document
from test_offline_on_sandbox import OpenTrip, decline, offline

from assistant.domain import MerchantState
from assistant.llm.offline.parse import Intent, parse
from assistant.profile import ProfileServer
from merchants.serve import RunningStore

# the sentence -> (what to get, how many, what follows, its words)
GET_THEN: dict[str, tuple[str, int | None, str, str]] = {
    "hi, can I get some tulips and pick them up in Camden?": ("tulips", None, "pickup", "camden"),
    "I'd like some roses, I'll collect them from Camden": ("roses", None, "pickup", "camden"),
    "tulips please, and I'll pick them up at the Camden shop": (
        "tulips", None, "pickup", "camden",
    ),
    "could I get a bunch of tulips and collect them from Rockridge": (
        "tulips", None, "pickup", "rockridge",
    ),
    "some sunflowers for pickup at Chelsea": ("sunflowers", None, "pickup", "chelsea"),
    "I want 2 tulip bundles, then pick them up": ("tulip bundles", 2, "pickup_list", ""),
    "get me coffee beans and ship them to my Paris address": (
        "coffee beans", None, "address", "paris",
    ),
    "two bags of coffee, deliver to Paris": ("coffee", 2, "address", "paris"),
    "a bottle of red wine and send it to my Paris address": ("red wine", None, "address", "paris"),
    "espresso beans with the cheapest shipping": ("espresso beans", None, "delivery", "cheapest"),
    "3 red roses and checkout": ("red roses", 3, "checkout", ""),
    "Can I order some tulips for collection in Camden?": ("tulips", None, "pickup", "camden"),
    "tulips for collection from camden please": ("tulips", None, "pickup", "camden"),
    "buy tulips and collect them in Camden": ("tulips", None, "pickup", "camden"),
    "order a bottle of barolo and have it sent to my Paris address": (
        "barolo", None, "address", "paris",
    ),
    # the verb first, and something new to get
    "I'd like to pick up some roses from the Rockridge shop": (
        "roses", None, "pickup", "rockridge",
    ),
    "I want to collect a bunch of tulips in Camden": ("tulips", None, "pickup", "camden"),
    "send two bags of coffee to my Paris address": ("coffee", 2, "address", "paris"),
    "could you ship a bottle of red wine to Paris?": ("red wine", None, "address", "paris"),
    # something named, then where it goes
    "I'd like some roses delivered to my Paris address": ("roses", None, "address", "paris"),
    "two bags of coffee shipped to Paris please": ("coffee", 2, "address", "paris"),
    "can I have some tulips sent to my work address": ("tulips", None, "address", "work"),
}  # fmt: skip
# Several things, then how they come: each thing (what, how many), what follows, its words.
SEVERAL_THEN: dict[str, tuple[list[tuple[str, int | None]], str, str]] = {
    "two bags of coffee and some tulips to collect from Camden": (
        [("coffee", 2), ("tulips", None)], "pickup", "camden",
    ),
    "can I get two bags of coffee and some tulips and pick them up in Camden?": (
        [("coffee", 2), ("tulips", None)], "pickup", "camden",
    ),
    "I'd like roses and tulips, pick them up in Camden": (
        [("roses", None), ("tulips", None)], "pickup", "camden",
    ),
    "some tulips and a bag of espresso beans, I'll collect them from the Camden shop": (
        [("tulips", None), ("espresso beans", None)], "pickup", "camden",
    ),
    "tulips, roses and sunflowers for pickup at Chelsea": (
        [("tulips", None), ("roses", None), ("sunflowers", None)], "pickup", "chelsea",
    ),
    "pick up two bags of coffee and a bunch of tulips from Rockridge": (
        [("coffee", 2), ("tulips", None)], "pickup", "rockridge",
    ),
    "3 red roses and a bottle of red wine, ship them to my Paris address": (
        [("red roses", 3), ("red wine", None)], "address", "paris",
    ),
    "coffee beans and a bottle of barolo delivered to my Paris address": (
        [("coffee beans", None), ("barolo", None)], "address", "paris",
    ),
    "two bags of coffee and some tulips with the cheapest shipping": (
        [("coffee", 2), ("tulips", None)], "delivery", "cheapest",
    ),
    "a bottle of red wine and two bags of coffee, then checkout": (
        [("red wine", None), ("coffee", 2)], "checkout", "",
    ),
}  # fmt: skip
# Look-alikes: an "and" inside one thing, before how it comes.
ONE_THING_THEN: dict[str, tuple[str, str]] = {
    "a black and white shirt, deliver to Paris": ("black and white shirt", "address"),
    "red and yellow tulips for pickup at Camden": ("red and yellow tulips", "pickup"),
    "the Ember & Oak mug, ship it to Paris": ("ember and oak mug", "address"),
}
ONE_REQUEST: dict[str, str] = {
    "flowers and red wine": "search",
    "add 1 and 3": "add",
    "a gift for my mum, she likes flowers": "search",
    "roses for less than 50 dollars": "search",
    "pick up near 10001": "pickup_list",
    "I'll collect them from the Camden shop": "pickup",
    "pick them up in Camden": "pickup",
    "ship to my Paris address": "address",
    "can I get some tulips": "want",
    "hi, tulips please": "search",
    # several things and nothing after: one search, each in turn, for the shopper to choose
    "two bags of coffee and some tulips": "search",
    "can I get two bags of coffee and some tulips?": "want",
    "a black and white shirt": "search",
    "collect the tulips from Chelsea": "pickup",  # the tulips already in the basket
    "send it to my work address": "address",
    "I want them delivered to my Paris address": "address",  # them: the basket's
}


def wanted(intent: Intent) -> tuple[str, int | None]:
    [item] = intent.items
    return item.ref.value, item.quantity


@pytest.mark.parametrize(("said", "reading"), GET_THEN.items())
def test_getting_something_and_saying_how_it_comes_reads_as_both_in_order(
    said: str, reading: tuple[str, int | None, str, str]
) -> None:
    intent = parse(said)
    assert intent.then is not None, intent
    assert (*wanted(intent), intent.then.kind, intent.then.choice) == reading


def test_adding_a_result_and_collecting_it_reads_as_an_add_then_the_pickup() -> None:
    intent = parse("add the first one and I'll collect it from Camden")
    assert intent.kind == "add" and intent.then is not None
    assert (intent.items[0].ref.kind, intent.then.kind, intent.then.choice) == (
        "ordinal", "pickup", "camden",
    )  # fmt: skip


@pytest.mark.parametrize(("said", "reading"), SEVERAL_THEN.items())
def test_several_things_and_how_they_come_read_as_each_thing_then_how(
    said: str, reading: tuple[list[tuple[str, int | None]], str, str]
) -> None:
    intent = parse(said)
    assert intent.kind == "want" and intent.then is not None, intent
    things = [(item.ref.value, item.quantity) for item in intent.items]
    assert (things, intent.then.kind, intent.then.choice) == reading


@pytest.mark.parametrize(("said", "reading"), ONE_THING_THEN.items())
def test_an_and_inside_one_thing_keeps_it_one_thing_before_how_it_comes(
    said: str, reading: tuple[str, str]
) -> None:
    intent = parse(said)
    assert intent.then is not None, intent
    assert (*wanted(intent)[:1], intent.then.kind) == reading


def test_several_things_said_without_how_they_come_are_one_search_listing_each() -> None:
    assert parse("two bags of coffee and some tulips").query == "coffee and tulips"
    assert parse("can I get two bags of coffee and some tulips?").query == "coffee and tulips"


@pytest.mark.parametrize(("said", "kind"), ONE_REQUEST.items())
def test_one_request_with_an_and_or_a_comma_stays_one_request(said: str, kind: str) -> None:
    intent = parse(said)
    assert (intent.kind, intent.then) == (kind, None)


# --- on the sandbox ------------------------------------------------------------------------------


def bought(state: MerchantState) -> tuple[object, ...]:
    """What a store's part of the trip holds, whichever way the shopper said it."""
    lines = [(line.title, line.quantity) for line in state.lines]
    pickup = state.pickup.id if state.pickup is not None else None
    return state.merchant.name, lines, pickup, state.status, state.totals


async def test_tulips_picked_up_in_camden_in_one_sentence_is_the_three_turns_in_one(
    open_trip: OpenTrip, profiles: ProfileServer
) -> None:
    one = await open_trip("flowers", "coffee", session="one", profile_url=profiles.urls)
    reply = await offline(one).turn(
        "hi, can I get some tulips and pick them up in Camden?", decline
    )
    assert reply.startswith('Added 1 × Tulip Bundle — Red, the best match for "tulips".'), reply
    assert "Pickup at Petal & Stem — Camden, 301 Cooper St, Camden" in reply, reply

    three = await open_trip("flowers", "coffee", session="three", profile_url=profiles.urls)
    agent = offline(three)
    for said in ("tulips please", "add the first one", "I'll collect them from the Camden shop"):
        await agent.turn(said, decline)
    [state] = one.state()
    assert state.status == "ready_for_complete" and state.pickup is not None
    assert [bought(s) for s in one.state()] == [bought(s) for s in three.state()]


async def test_a_wine_sent_to_my_paris_address_in_one_sentence_reaches_the_age_check(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", "wine")
    reply = await offline(trip).turn(
        "a bottle of red wine and send it to my Paris address", decline
    )
    assert reply.startswith("Added 1 × "), reply
    [wine] = trip.state()
    assert wine.merchant.name == "Cellar Door Wines" and [line.quantity for line in wine.lines] == [
        1
    ]
    # The demo buyer's first address is in the US, where this store does not ship.
    assert wine.status == "requires_escalation", reply
    assert not any("ships only" in m.content for m in wine.messages), wine.messages


async def test_a_wine_to_paris_after_tulips_for_camden_adds_wine_and_ships_only_the_wine(
    open_trip: OpenTrip, profiles: ProfileServer
) -> None:
    trip = await open_trip("flowers", "wine", profile_url=profiles.urls)
    agent = offline(trip)
    await agent.turn("hi, can I get some tulips and pick them up in Camden?", decline)
    # "red" names the red tulips on screen, but "red wine" does not: it is searched for.
    reply = await agent.turn("a bottle of red wine, ship it to my Paris address", decline)
    assert "Tulip" not in reply.splitlines()[0], reply
    flowers, wine = trip.state()
    assert [(line.title, line.quantity) for line in flowers.lines] == [("Tulip Bundle — Red", 1)]
    assert flowers.pickup is not None and flowers.pickup.id == "camden"  # still collected
    assert wine.merchant.name == "Cellar Door Wines" and len(wine.lines) == 1
    assert wine.status == "requires_escalation", reply  # Paris taken: the age check is next


async def test_two_bags_of_coffee_to_paris_adds_two_and_gives_the_stores_answer(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("coffee")
    reply = await offline(trip).turn("two bags of coffee, deliver to Paris", decline)
    [coffee] = trip.state()
    assert [line.quantity for line in coffee.lines] == [2], reply
    assert "Ember & Oak Roasters ships only to US." in reply  # the store's word for Paris


async def test_beans_with_the_cheapest_shipping_check_out_and_choose_it(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("coffee")
    reply = await offline(trip).turn("espresso beans with the cheapest shipping", decline)
    assert "Chose the cheapest delivery." in reply, reply
    [coffee] = trip.state()
    assert coffee.status == "ready_for_complete", reply


async def test_coffee_and_tulips_to_collect_from_camden_adds_both_and_collects_the_tulips(
    open_trip: OpenTrip, profiles: ProfileServer
) -> None:
    trip = await open_trip("flowers", "coffee", profile_url=profiles.urls)
    reply = await offline(trip).turn(
        "two bags of coffee and some tulips to collect from Camden", decline
    )
    flowers, coffee = trip.state()
    [(beans, two)] = [(line.title, line.quantity) for line in coffee.lines]
    assert two == 2 and "Decaf" not in beans and "Cold Brew" not in beans, reply
    assert [(line.title, line.quantity) for line in flowers.lines] == [("Tulip Bundle — Red", 1)]
    assert flowers.pickup is not None and flowers.pickup.id == "camden", reply
    assert coffee.pickup is None  # the coffee is delivered, and the reply says so plainly
    first, *rest = reply.splitlines()
    assert first == (
        f'Added 2 × {beans}, the best match for "coffee", '
        'and 1 × Tulip Bundle — Red, the best match for "tulips".'
    ), reply
    assert "Pickup at Petal & Stem — Camden, 301 Cooper St, Camden" in reply, reply
    assert "Ember & Oak Roasters offers no pickup: what you get there is delivered." in rest


@pytest.mark.parametrize(
    ("sentence", "what", "where"),
    [
        ("ship the coffee to Paris", "coffee", "paris"),
        ("send the red wine to my Paris address", "red wine", "paris"),
        ("deliver my tulips to my work address", "tulips", "work"),
        ("ship them to my Paris address", "", "paris"),
    ],
)
def test_a_thing_named_before_to_names_the_store_that_ships_it(
    sentence: str, what: str, where: str
) -> None:
    intent = parse(sentence)
    assert (intent.kind, intent.choice) == ("address", where), intent
    assert [item.ref.value for item in intent.items] == ([what] if what else [])


async def test_ship_the_coffee_to_paris_moves_the_coffee_alone_and_the_tulips_stay_collected(
    open_trip: OpenTrip, profiles: ProfileServer
) -> None:
    trip = await open_trip("flowers", "coffee", profile_url=profiles.urls)
    await offline(trip).turn("two bags of coffee and some tulips to collect from Camden", decline)
    reply = await offline(trip).turn("ship the coffee to my Paris address", decline)
    flowers, coffee = trip.state()
    assert "Back to delivery" not in reply, reply  # it dropped the pickup and shipped everything
    assert flowers.pickup is not None and flowers.pickup.id == "camden", reply
    assert coffee.status != "ready_for_complete"  # Ember & Oak ships only to the US: it asks
    assert "It cannot deliver to 8 Rue de Rivoli, Paris, FR, the address you chose" in reply


async def test_coffee_and_tulips_with_the_cheapest_shipping_add_both_and_choose_it_at_each(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", "coffee")
    reply = await offline(trip).turn(
        "two bags of coffee and some tulips with the cheapest shipping", decline
    )
    assert "Chose the cheapest delivery." in reply and "stopped after" not in reply, reply
    assert [len(state.lines) for state in trip.state()] == [1, 1], reply
    assert all(state.status == "ready_for_complete" for state in trip.state()), reply


async def test_several_things_without_how_they_come_list_each_and_add_nothing(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", "coffee")
    reply = await offline(trip).turn("can I get two bags of coffee and some tulips?", decline)
    assert "Tulip Bundle" in reply and "Whole bean" in reply, reply
    assert all(not state.lines for state in trip.state())


async def test_a_thing_not_found_among_several_is_said_and_the_rest_still_come(
    open_trip: OpenTrip, profiles: ProfileServer
) -> None:
    trip = await open_trip("flowers", profile_url=profiles.urls)
    reply = await offline(trip).turn(
        "some tulips and a unicorn saddle for pickup at Camden", decline
    )
    assert reply.startswith(
        'Added 1 × Tulip Bundle — Red, the best match for "tulips". '
        'Nothing found for "unicorn saddle".'
    ), reply
    [flowers] = trip.state()
    assert flowers.pickup is not None and flowers.pickup.id == "camden", reply


async def test_nothing_found_adds_nothing_and_chooses_no_pickup(open_trip: OpenTrip) -> None:
    trip = await open_trip("flowers")
    reply = await offline(trip).turn(
        "can I get some unicorn saddles and pick them up in Camden?", decline
    )
    assert reply.startswith('Nothing found for "unicorn saddles".'), reply
    assert "Added" not in reply and "Pickup at" not in reply, reply
    assert all(not state.lines for state in trip.state())


def test_ask_gets_tulips_and_collects_them_in_camden_in_one_run(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    said = "hi, can I get some tulips and pick them up in Camden?"
    result = ask(tmp_path, said, "--json", urls=[sandbox_stores["flowers"].url])
    assert result.returncode == 0, result.stderr
    document = valid_document(result.stdout)
    [state] = document["merchants"]
    assert state["pickup"]["location_id"] == "camden", state
    assert [line["quantity"] for line in state["lines"]] == [1]
    assert "Pickup at Petal & Stem — Camden" in document["reply"]


def test_ask_gets_coffee_and_tulips_and_collects_the_tulips_in_one_run(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    said = "two bags of coffee and some tulips to collect from Camden"
    urls = [sandbox_stores[slug].url for slug in ("flowers", "coffee")]
    result = ask(tmp_path, said, "--json", urls=urls)
    assert result.returncode == 0, result.stderr
    document = valid_document(result.stdout)
    flowers, coffee = document["merchants"]
    assert flowers["pickup"]["location_id"] == "camden", flowers
    assert coffee.get("pickup") is None, coffee
    assert [line["quantity"] for line in coffee["lines"]] == [2]
    assert "offers no pickup: what you get there is delivered" in document["reply"]
