"""The offline planner: phrases to tool calls, tool results to a helpful reply (stand-in trip)."""

from __future__ import annotations

import pytest
from standin import BOOKS, FLOWERS, StandInTrip, unavailable

from assistant.domain import Approval, PurchaseSummary
from assistant.llm.loop import Agent
from assistant.llm.offline import HELP, Intent, OfflinePlanner


async def approve(summary: PurchaseSummary) -> Approval:
    return summary.approve()


async def decline(summary: PurchaseSummary) -> Approval:
    return Approval.declined()


def offline(trip: StandInTrip) -> Agent:
    return Agent(trip, OfflinePlanner(trip))


@pytest.mark.parametrize(
    ("text", "call"),
    [
        ("search red roses", ("search_products", {"query": "red roses"})),
        ("find red roses", ("search_products", {"query": "red roses"})),
        ("Please look for some tulips!", ("search_products", {"query": "tulips"})),
        ("show 2", ("show_product", {"ref": "2"})),
        ("discount petal SPRING10", ("apply_discount", {"store": "petal", "code": "SPRING10"})),
        ("undiscount petal SPRING10", ("remove_discount", {"store": "petal", "code": "spring10"})),
        ("checkout", ("prepare_checkout", {})),
        ("escalations", ("list_escalations", {"recheck": False})),
        ("I'm back", ("list_escalations", {"recheck": True})),
        ("orders", ("order_status", {})),
    ],
)
def test_phrases_map_to_tools(text: str, call: tuple[str, dict[str, object]]) -> None:
    intent = OfflinePlanner().parse(text)
    assert isinstance(intent, Intent)
    assert intent.calls == [call]


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("add 3", [{"ref": "3", "quantity": 1}]),
        ("add 3 2", [{"ref": "3", "quantity": 2}]),
        ("add 2 of 3", [{"ref": "3", "quantity": 2}]),
        ("add 1 and 3", [{"ref": "1", "quantity": 1}, {"ref": "3", "quantity": 1}]),
    ],
)
def test_add_phrases_build_the_full_basket(text: str, items: list[dict[str, object]]) -> None:
    intent = OfflinePlanner().parse(text)
    assert isinstance(intent, Intent)
    assert intent.calls == [("set_basket", {"items": items})]


async def test_basket_commands_keep_the_rest_of_the_basket(fake_trip: StandInTrip) -> None:
    agent = offline(fake_trip)
    await agent.turn("find roses", decline)
    await agent.turn("add 1", decline)
    await agent.turn("search novel", decline)
    reply = await agent.turn("add 2 of 3", decline)
    assert {(line.variant_id, line.quantity) for line in fake_trip.lines} == {
        ("v_roses_12", 1),
        ("v_novel", 2),
    }
    assert "Dog-Ear Books: cart — 2 items" in reply
    await agent.turn("qty 1 4", decline)
    await agent.turn("remove 3", decline)
    assert [(line.variant_id, line.quantity) for line in fake_trip.lines] == [("v_roses_12", 4)]


async def test_search_results_are_listed_with_handles_prices_and_stores(
    fake_trip: StandInTrip,
) -> None:
    reply = await offline(fake_trip).turn("find roses", decline)
    assert reply.splitlines()[:2] == [
        "Found 1 result:",
        "  1. Red Roses (Dozen) — USD 24.00 — Petal & Stem",
    ]


async def test_buy_checks_out_then_asks_and_reports_the_orders(fake_trip: StandInTrip) -> None:
    agent = offline(fake_trip)
    await agent.turn("search roses novel", decline)
    await agent.turn("add 1, 3", decline)
    reply = await agent.turn("buy", approve)
    assert sorted(fake_trip.completed) == sorted([FLOWERS.domain, BOOKS.domain])
    assert "order ord_127.0.0.1:1 placed — USD 24.00" in reply


async def test_declined_buy_says_nothing_was_bought(fake_trip: StandInTrip) -> None:
    agent = offline(fake_trip)
    await agent.turn("search roses", decline)
    await agent.turn("add 1", decline)
    reply = await agent.turn("buy", decline)
    assert reply == "Nothing was bought: the purchase needs your approval."
    assert fake_trip.completed == []


async def test_an_escalation_is_shown_with_its_link(fake_trip: StandInTrip) -> None:
    fake_trip.escalate = {BOOKS.domain}
    agent = offline(fake_trip)
    await agent.turn("search novel", decline)
    await agent.turn("add 3", decline)
    checkout = await agent.turn("checkout", decline)
    assert "→ needs you: http://127.0.0.1:2/checkout/1" in checkout
    reply = await agent.turn("escalations", decline)
    assert "Dog-Ear Books" in reply and "http://127.0.0.1:2/checkout/1" in reply


async def test_failures_and_nonsense_get_a_helpful_line_not_a_traceback(
    fake_trip: StandInTrip,
) -> None:
    fake_trip.fail_search = unavailable()
    agent = offline(fake_trip)
    assert (await agent.turn("find roses", decline)).startswith(
        "That didn't work (search products):"
    )
    assert "didn't understand" in await agent.turn("flibbertigibbet", decline)
    assert await agent.turn("help", decline) == HELP


@pytest.fixture
def fake_trip() -> StandInTrip:
    return StandInTrip()
