"""One view per record: the offline planner, the slash commands and ``pannier ask`` say the same
words about the same records (the views' words), and the planner reads typed outcomes."""

from __future__ import annotations

from typing import Any, cast

import pytest
from standin import StandInTrip

from assistant.domain import Approval, PurchaseSummary
from assistant.llm.loop import Agent
from assistant.llm.offline import OfflinePlanner
from assistant.llm.results import Orders
from assistant.service import ShoppingSession
from assistant.shopping.ranking import PAGE_SIZE
from assistant.views import SearchPageView
from assistant.views.order import orders_text


async def approve(summary: PurchaseSummary) -> Approval:
    return summary.approve()


@pytest.fixture
def trip() -> StandInTrip:
    return StandInTrip()


def session(trip: StandInTrip, agent: Agent) -> ShoppingSession:
    return ShoppingSession(cast(Any, trip), agent, name="default", planner_label="offline")


async def test_the_same_orders_read_the_same_in_the_offline_reply_and_the_slash_command(
    trip: StandInTrip,
) -> None:
    agent = Agent(trip, OfflinePlanner(trip))
    await agent.turn("search roses novel", approve)
    await agent.turn("add 1, 3", approve)
    await agent.turn("buy it all", approve)
    said_offline = await agent.turn("show my orders", approve)
    said_by_slash, streamed = await session(trip, agent).turn("/orders", approve)
    orders = await trip.orders()
    assert len(orders) == 2 and not streamed
    assert said_offline == said_by_slash == orders_text(orders)
    assert "Petal & Stem: order ord_127.0.0.1:1 — USD 24.00" in said_offline


async def test_the_same_search_reads_the_same_in_the_offline_reply_and_the_slash_command(
    trip: StandInTrip,
) -> None:
    agent = Agent(trip, OfflinePlanner(trip))
    said_offline = await agent.turn("find roses", approve)
    said_by_slash, _ = await session(trip, agent).turn("/search roses", approve)
    assert trip.last_search is not None
    page = SearchPageView(trip.last_search, trip.search_page(1), 1, PAGE_SIZE)
    assert said_offline == said_by_slash == page.text()


async def test_the_planner_reads_the_typed_outcome_not_the_json_the_model_reads(
    trip: StandInTrip,
) -> None:
    agent = Agent(trip, OfflinePlanner(trip))
    await agent.turn("search roses", approve)
    await agent.turn("add 1", approve)
    await agent.turn("buy", approve)
    await agent.turn("show my orders", approve)
    (outcome,) = agent.outcomes.values()  # this turn's one call: order_status
    assert isinstance(outcome, Orders) and outcome.orders == await trip.orders()
    # Spoil the JSON the model would read: the planner's reply does not change.
    for message in agent.transcript:
        for block in message["content"]:
            if block.get("type") == "tool_result":
                block["content"] = '{"orders": []}'
    planner = agent.model
    assert isinstance(planner, OfflinePlanner)
    transcript = agent.transcript[:-1]  # up to the last tool result, before the reply
    reply = await planner.respond(transcript, [], lambda _: None)
    assert reply.text == orders_text(await trip.orders())
