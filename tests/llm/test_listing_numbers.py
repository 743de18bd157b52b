"""Each listing is numbered from 1, as a new shopper expects: "add 2" is the latest listing's 2nd,
whatever was listed before, and what is already in the basket stays exactly what it was."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from test_ask import ask, valid_document

from assistant.config import Config
from assistant.domain import Approval, PurchaseSummary
from assistant.llm.loop import Agent, build_agent
from assistant.llm.tools import Toolbox
from assistant.shopping.trip import Trip
from merchants.serve import RunningStore

OpenTrip = Callable[..., Awaitable[Trip]]
ROW = re.compile(r"^  (\d+)\. (.+?) — ", re.M)


async def decline(summary: PurchaseSummary) -> Approval:
    return Approval.declined()


def offline(trip: Trip) -> Agent:
    return build_agent(Config(), trip, offline=True)


def rows(reply: str) -> list[tuple[int, str]]:
    return [(int(n), title) for n, title in ROW.findall(reply)]


def basket(trip: Trip) -> list[tuple[str, int]]:
    return sorted((line.title, line.quantity) for s in trip.state() for line in s.lines)


async def test_every_listing_reads_1_2_3_however_many_came_before(open_trip: OpenTrip) -> None:
    trip = await open_trip("flowers", "coffee", "wine")
    agent = offline(trip)
    for sentence in ("red roses", "tulips", "flowers", "find a bottle of red wine", "roses"):
        reply = await agent.turn(sentence, decline)
        numbers = [n for n, _ in rows(reply)]
        assert numbers == list(range(1, len(numbers) + 1)), (sentence, reply)
        assert 'Say "add 1"' in reply, reply


async def test_add_2_after_a_second_search_adds_that_listings_second_and_keeps_the_first_buy(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", "wine")
    agent = offline(trip)
    roses = await agent.turn("red roses", decline)
    await agent.turn("add 1", decline)
    wines = await agent.turn("find a bottle of red wine under 30 euros", decline)
    second_wine = dict(rows(wines))[2]
    reply = await agent.turn("add 2", decline)
    titles = [title for title, _ in basket(trip)]
    assert any(t.startswith(dict(rows(roses))[1].split(" (")[0]) for t in titles), reply
    assert any(t.startswith(second_wine.split(" (")[0]) for t in titles), (wines, reply)
    assert len(titles) == 2
    # The earlier line is still the same item after more searches and more adds.
    await agent.turn("tulips", decline)
    await agent.turn("add 1", decline)
    await agent.turn("remove the roses", decline)
    after = [title for title, _ in basket(trip)]
    assert len(after) == 2 and not any("Rose" in t for t in after), after
    assert any(t.startswith(second_wine.split(" (")[0]) for t in after), after


async def test_the_model_keeps_a_basket_line_by_its_ref_while_numbers_name_the_latest_listing(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", "coffee")
    tools = Toolbox(trip)
    await tools.call("search_products", {"query": "tulips"}, decline)
    added = await tools.call("set_basket", {"items": [{"ref": "1", "quantity": 2}]}, decline)
    [store] = json.loads(added.content)["stores"]
    [line] = store["lines"]
    trip.start_listing()  # the shopper's next message
    coffee = json.loads((await tools.call("search_products", {"query": "coffee"}, decline)).content)
    assert coffee["results"][0]["handle"] == "1"
    assert line["ref"] != "1"  # a basket line is never named by a listing's number
    items = [{"ref": line["ref"], "quantity": 2}, {"ref": "1", "quantity": 1}]
    await tools.call("set_basket", {"items": items}, decline)
    kinds = basket(trip)
    assert [q for t, q in kinds if "Tulip" in t] == [2] and len(kinds) == 2, kinds


async def test_two_searches_in_one_turn_number_on_so_both_listings_numbers_stay_valid(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", "coffee")
    tools = Toolbox(trip)
    searched = [
        json.loads((await tools.call("search_products", {"query": q}, decline)).content)
        for q in ("tulips", "coffee beans")
    ]
    tulip, bean = (found["results"][0] for found in searched)
    assert tulip["handle"] == "1" and int(bean["handle"]) > 1
    items = [{"ref": tulip["handle"], "quantity": 1}, {"ref": bean["handle"], "quantity": 1}]
    await tools.call("set_basket", {"items": items}, decline)
    titles = [t for t, _ in basket(trip)]
    assert any("Tulip" in t for t in titles) and len(titles) == 2, titles


def test_pannier_ask_numbers_each_listing_from_1_and_adds_from_the_latest(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    urls = [sandbox_stores["flowers"].url, sandbox_stores["coffee"].url]
    ask(tmp_path, "tulips", "--session", "n", urls=urls)
    found = ask(tmp_path, "coffee beans", "--json", "--session", "n", urls=urls)
    first = valid_document(found.stdout)["results"][0]
    assert first["handle"] == "1"
    added = ask(tmp_path, "add 1", "--json", "--session", "n", urls=urls)
    [state] = valid_document(added.stdout)["merchants"]
    assert [line["variant_id"] for line in state["lines"]] == [first["variant_id"]]
