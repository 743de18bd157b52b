"""The offline planner: references resolved, tools called, replies written (stand-in trip)."""

from __future__ import annotations

import pytest
from standin import BOOKS, FLOWERS, StandInTrip, unavailable

from assistant.domain import Approval, PurchaseSummary
from assistant.llm.loop import Agent
from assistant.llm.offline import HELP, OfflinePlanner


async def approve(summary: PurchaseSummary) -> Approval:
    return summary.approve()


async def decline(summary: PurchaseSummary) -> Approval:
    return Approval.declined()


def offline(trip: StandInTrip) -> Agent:
    return Agent(trip, OfflinePlanner(trip))


def basket(trip: StandInTrip) -> set[tuple[str, int]]:
    return {(line.variant_id, line.quantity) for line in trip.lines}


async def test_basket_commands_keep_the_rest_of_the_basket(fake_trip: StandInTrip) -> None:
    agent = offline(fake_trip)
    await agent.turn("find roses", decline)
    await agent.turn("add 1", decline)
    await agent.turn("search novel", decline)
    reply = await agent.turn("add 2 of 3", decline)
    assert basket(fake_trip) == {("v_roses_12", 1), ("v_novel", 2)}
    assert "Dog-Ear Books: cart — 2 items" in reply
    await agent.turn("qty 1 4", decline)
    await agent.turn("remove 3", decline)
    assert basket(fake_trip) == {("v_roses_12", 4)}


async def test_ordinals_and_names_point_at_what_the_shopper_was_shown(
    fake_trip: StandInTrip,
) -> None:
    agent = offline(fake_trip)
    await agent.turn("roses or a novel", decline)
    await agent.turn("add two of the second one", decline)
    assert basket(fake_trip) == {("v_novel", 2)}
    await agent.turn("add the red roses", decline)
    await agent.turn("make it 3", decline)
    assert basket(fake_trip) == {("v_novel", 2), ("v_roses_12", 3)}
    await agent.turn("remove the novel", decline)
    assert basket(fake_trip) == {("v_roses_12", 3)}


async def test_an_ambiguous_quantity_is_asked_back_and_nothing_changes(
    fake_trip: StandInTrip,
) -> None:
    agent = offline(fake_trip)
    await agent.turn("roses novel", decline)
    reply = await agent.turn("add 3 x 1", decline)
    assert reply == 'Did you mean 1 of item 3, or 3 of item 1? Say "1 of 3" or "3 of 1".'
    assert fake_trip.lines == []
    await agent.turn("add 3 x2", decline)
    assert basket(fake_trip) == {("v_novel", 2)}


async def test_too_many_of_one_item_is_said_in_the_shoppers_words(fake_trip: StandInTrip) -> None:
    agent = offline(fake_trip)
    await agent.turn("roses", decline)
    reply = await agent.turn("add 100 of 1", decline)
    assert reply == "You can buy at most 99 of one item."
    assert "less than or equal" not in reply and fake_trip.lines == []


async def test_an_unknown_number_or_name_gets_one_line_not_a_help_dump(
    fake_trip: StandInTrip,
) -> None:
    agent = offline(fake_trip)
    await agent.turn("roses", decline)
    assert (
        await agent.turn("add 7", decline)
        == "I don't have a number 7 in your results (on screen: 1)."
    )
    # "add the tulips" with none on screen gets some: the best match, said which
    missing = await agent.turn("add the tulips", decline)
    assert missing.startswith('Added 1 × Tulips, the best match for "tulips".'), missing
    nothing = await agent.turn("flibbertigibbet", decline)
    assert len(nothing.splitlines()) == 1 and nothing.startswith("Nothing found")


async def test_search_results_are_listed_with_handles_prices_and_stores(
    fake_trip: StandInTrip,
) -> None:
    reply = await offline(fake_trip).turn("find roses", decline)
    assert reply.splitlines()[:2] == [
        "Found 1 product:",
        "  1. Red Roses (Dozen) — USD 24.00 — Petal & Stem",
    ]


async def test_buy_it_all_checks_out_then_asks_and_reports_the_orders(
    fake_trip: StandInTrip,
) -> None:
    agent = offline(fake_trip)
    await agent.turn("search roses novel", decline)
    await agent.turn("add 1, 3", decline)
    reply = await agent.turn("buy it all", approve)
    assert sorted(fake_trip.completed) == sorted([FLOWERS.domain, BOOKS.domain])
    assert "order ord_127.0.0.1:1 placed — USD 24.00" in reply


async def test_declined_buy_says_nothing_was_bought(fake_trip: StandInTrip) -> None:
    agent = offline(fake_trip)
    await agent.turn("search roses", decline)
    await agent.turn("add 1", decline)
    reply = await agent.turn("buy", decline)
    assert reply == "Nothing was bought: nothing is charged until you approve the totals."
    assert fake_trip.completed == []


async def test_buying_with_an_empty_basket_says_so(fake_trip: StandInTrip) -> None:
    reply = await offline(fake_trip).turn("checkout", decline)
    assert reply == "Your basket is empty: tell me what to look for first."
    assert "prepare_checkout" not in fake_trip.calls


async def test_an_escalation_is_shown_with_its_link(fake_trip: StandInTrip) -> None:
    fake_trip.escalate = {BOOKS.domain}
    agent = offline(fake_trip)
    await agent.turn("search novel", decline)
    await agent.turn("add 3", decline)
    checkout = await agent.turn("checkout", decline)
    assert "→ needs you: http://127.0.0.1:2/checkout/1" in checkout
    reply = await agent.turn("what do I need to do?", decline)
    assert "Dog-Ear Books" in reply and "http://127.0.0.1:2/checkout/1" in reply


async def test_failures_and_chat_get_one_helpful_line(fake_trip: StandInTrip) -> None:
    agent = offline(fake_trip)
    assert (await agent.turn("hi", decline)).startswith("Hello!")
    assert await agent.turn("thanks!", decline) == "You're welcome! Anything else?"
    assert await agent.turn("help", decline) == HELP
    fake_trip.fail_search = unavailable()
    failed = await agent.turn("find roses", decline)
    assert failed.startswith("That didn't work (search products):") and "\n" not in failed


@pytest.fixture
def fake_trip() -> StandInTrip:
    return StandInTrip()
