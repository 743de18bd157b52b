"""The loop reads every stop reason, and keeps the history within its token budget."""

from __future__ import annotations

import json
from typing import Any

from fake_anthropic import Call, FakeAnthropic, Reply
from standin import StandInTrip

from assistant.config import ModelConfig
from assistant.domain import Approval, PurchaseSummary
from assistant.events import ModelCalled
from assistant.llm.anthropic import AnthropicModel
from assistant.llm.history import SUMMARY_HEADER
from assistant.llm.loop import GAVE_UP, NO_ANSWER, REFUSED, Agent
from assistant.store import Store

BOTH = {"items": [{"ref": "1", "quantity": 1}, {"ref": "3", "quantity": 2}]}


def agent(trip: StandInTrip, config: ModelConfig | None = None, **kwargs: Any) -> Agent:
    model = AnthropicModel(config or ModelConfig(), retry_delays=(0.0,))
    return Agent(trip, model, **kwargs)


async def decline(summary: PurchaseSummary) -> Approval:
    return Approval.declined()


def results(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in body["messages"][-1]["content"] if b["type"] == "tool_result"]


async def test_a_basket_call_cut_off_at_max_tokens_is_never_run_and_asked_again(
    fake_anthropic: FakeAnthropic,
) -> None:
    trip = StandInTrip()
    fake_anthropic.script(
        Reply("Setting the basket.", (Call("set_basket", BOTH),), stop_reason="max_tokens"),
        Reply("Again, complete.", (Call("set_basket", BOTH),)),
        Reply("Roses and two novels are in your basket."),
    )
    reply = await agent(trip).turn("one dozen roses and two copies of the novel", decline)
    assert trip.calls == ["set_basket"]  # only the complete call ran
    assert [(line.variant_id, line.quantity) for line in trip.lines] == [
        ("v_roses_12", 1),
        ("v_novel", 2),
    ]
    (not_run,) = results(fake_anthropic.requests[1])
    assert not_run["is_error"] and "not run" in not_run["content"]
    assert reply.endswith("Roses and two novels are in your basket.")


async def test_replies_cut_off_again_and_again_end_with_a_clear_message(
    fake_anthropic: FakeAnthropic,
) -> None:
    trip = StandInTrip()
    cut = Reply("", (Call("set_basket", BOTH),), stop_reason="max_tokens")
    fake_anthropic.script(cut, cut, cut, Reply("never"))
    reply = await agent(trip).turn("roses and two novels", decline)
    assert trip.calls == []
    assert reply == GAVE_UP
    assert fake_anthropic.remaining == 1


async def test_a_reply_that_spent_max_tokens_thinking_is_asked_to_answer(
    fake_anthropic: FakeAnthropic,
) -> None:
    trip = StandInTrip()
    fake_anthropic.script(
        Reply("Hello!", reasoning_tokens=50_000),  # all of max_tokens went to thinking
        Reply("Hello! What are we buying today?", reasoning_tokens=10),
    )
    thinking = ModelConfig(thinking="adaptive", display="omitted")
    reply = await agent(trip, thinking).turn("hi", decline)
    assert reply == "Hello! What are we buying today?"
    assert "reached max_tokens" in json.dumps(fake_anthropic.requests[1]["messages"][-1])


async def test_a_refusal_tells_the_shopper_and_is_not_kept(fake_anthropic: FakeAnthropic) -> None:
    trip = StandInTrip()
    fake_anthropic.script(Reply("", stop_reason="refusal"))
    shopper_agent = agent(trip)
    reply = await shopper_agent.turn("something Claude will not do", decline)
    assert reply == REFUSED
    assert [m["role"] for m in shopper_agent.transcript] == ["user"]


async def test_an_empty_answer_tells_the_shopper(fake_anthropic: FakeAnthropic) -> None:
    trip = StandInTrip()
    fake_anthropic.script(Reply(""))
    assert await agent(trip).turn("hello?", decline) == NO_ANSWER


async def test_a_paused_turn_is_resumed_with_its_content_sent_back(
    fake_anthropic: FakeAnthropic,
) -> None:
    trip = StandInTrip()
    fake_anthropic.script(
        Reply("Still looking", stop_reason="pause_turn"), Reply("Found roses for you.")
    )
    reply = await agent(trip).turn("roses", decline)
    assert reply == "Still looking\n\nFound roses for you."
    resumed = fake_anthropic.requests[1]["messages"]
    assert resumed[-1]["role"] == "assistant"
    assert resumed[-1]["content"][-1] == {"type": "text", "text": "Still looking"}


async def test_every_model_call_is_logged_with_its_cache_tokens(
    fake_anthropic: FakeAnthropic,
) -> None:
    trip = StandInTrip()
    fake_anthropic.script(
        Reply("Searching.", (Call("search_products", {"query": "roses"}),)), Reply("Found.")
    )
    shopper_agent = agent(trip)
    await shopper_agent.turn("roses", decline)
    calls = [e for e in trip.bus.history if isinstance(e, ModelCalled)]
    assert [c.stop_reason for c in calls] == ["tool_use", "end_turn"]
    assert calls[0].model == "claude-sonnet-5-5"
    assert calls[0].cache_write_tokens > 0 and calls[1].cache_read_tokens > 0
    assert shopper_agent.usage.cache_read_tokens == calls[1].cache_read_tokens


async def say_and_search(fake: FakeAnthropic, chosen: Agent, words: list[str]) -> None:
    for word in words:
        fake.script(
            Reply("Searching.", (Call("search_products", {"query": "roses novel"}),)),
            Reply(f"Here are the {word} results. " + "Details. " * 200),
        )
        await chosen.turn(f"show me {word}", decline)


async def test_a_long_conversation_is_compacted_keeping_requests_and_basket(
    fake_anthropic: FakeAnthropic,
) -> None:
    trip = StandInTrip()
    trip.lines = []
    shopper_agent = agent(trip, budget_tokens=3000)
    fake_anthropic.script(Reply("", (Call("set_basket", BOTH),)), Reply("Basket set."))
    await shopper_agent.turn("one dozen roses and two novels", decline)
    await say_and_search(fake_anthropic, shopper_agent, ["red", "white", "pink", "blue"])
    assert shopper_agent.history.compactions >= 1
    assert fake_anthropic.count_requests > 0  # measured by the API, not only estimated
    first = fake_anthropic.requests[-1]["messages"][0]["content"][0]["text"]
    assert first.startswith(SUMMARY_HEADER)
    assert "one dozen roses and two novels" in first  # the shopper's decision survives
    assert '"quantity":2' in first and "merchant_data" in first  # and the basket, in bounds
    sent = len(json.dumps(fake_anthropic.requests[-1]["messages"])) // 4
    assert sent < 3000


async def test_after_a_compaction_the_next_turn_reads_its_prefix_from_the_cache(
    fake_anthropic: FakeAnthropic,
) -> None:
    trip = StandInTrip()
    shopper_agent = agent(trip, budget_tokens=6000)
    colours = iter(["red", "white", "pink", "blue", "gold", "green", "black", "grey", "teal"])
    while not shopper_agent.history.compactions:
        await say_and_search(fake_anthropic, shopper_agent, [next(colours)])
    compactions = shopper_agent.history.compactions
    before = fake_anthropic.usage[-1]
    fake_anthropic.script(Reply("Sure."))
    await shopper_agent.turn("thanks", decline)
    assert shopper_agent.history.compactions == compactions
    (usage,) = fake_anthropic.usage
    earlier_prompt = sum(
        (before.input_tokens, before.cache_read_input_tokens, before.cache_creation_input_tokens)
    )
    assert usage.cache_read_input_tokens >= earlier_prompt  # all of the last request, cached


async def test_a_full_context_window_compacts_and_asks_again(
    fake_anthropic: FakeAnthropic,
) -> None:
    store = Store.memory()
    trip = StandInTrip(session="long")
    first_agent = agent(trip, store=store)
    await say_and_search(fake_anthropic, first_agent, ["red", "white", "pink"])
    full = sum(u.input_tokens + u.cache_read_input_tokens for u in fake_anthropic.usage[-1:])
    fake_anthropic.script(Reply("Here you are."))
    fake_anthropic.context_window = full  # the next prompt is too long, a compacted one fits
    reply = await agent(StandInTrip(session="long"), store=store).turn("and yellow?", decline)
    assert reply == "Here you are."
    assert len(fake_anthropic.requests) == 2
    compacted = fake_anthropic.requests[1]["messages"][0]["content"][0]["text"]
    assert compacted.startswith(SUMMARY_HEADER) and "show me red" in compacted
