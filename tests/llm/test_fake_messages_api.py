"""The fake Messages API holds the documented contract of claude-sonnet-5-5 (see its rules module).

Driven with the raw ``anthropic`` SDK, so each rule is shown to bite whatever client sends it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic
import pytest
from fake_anthropic import MODEL, Call, Failure, FakeAnthropic, Reply, spend_cap

USER = [{"role": "user", "content": "three red roses please"}]
TOOL = {"name": "search_products", "description": "Search.", "input_schema": {"type": "object"}}


@pytest.fixture
async def client(fake_anthropic: FakeAnthropic) -> AsyncIterator[anthropic.AsyncAnthropic]:
    sdk = anthropic.AsyncAnthropic(base_url=fake_anthropic.url, api_key="sk", max_retries=0)
    yield sdk
    await sdk.close()


async def create(client: anthropic.AsyncAnthropic, **overrides: Any) -> Any:
    params: dict[str, Any] = {"model": MODEL, "max_tokens": 4096, "messages": USER}
    params.update(overrides)
    return await client.messages.create(**params)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"tool_choice": {"type": "any"}, "tools": [TOOL]}, "forced tool use"),
        ({"tool_choice": {"type": "tool", "name": "search_products"}, "tools": [TOOL]}, "forced"),
        ({"extra_body": {"temperature": 0.2}}, "sampling"),  # this SDK no longer takes it
        ({"extra_body": {"top_p": 0.9}}, "sampling"),
        ({"thinking": {"type": "enabled", "budget_tokens": 2048}}, "budgets"),
        ({"thinking": {"type": "disabled"}}, "between_tools"),
        ({"thinking": {"type": "between_tools"}, "output_config": {"effort": "max"}}, "effort"),
        ({"messages": [*USER, {"role": "assistant", "content": "Sure, "}]}, "prefill"),
    ],
)
async def test_settings_the_model_refuses_are_a_400(
    fake_anthropic: FakeAnthropic,
    client: anthropic.AsyncAnthropic,
    overrides: dict[str, Any],
    message: str,
) -> None:
    fake_anthropic.script(Reply("never"))
    with pytest.raises(anthropic.BadRequestError, match=message):
        await create(client, **overrides)
    assert fake_anthropic.remaining == 1


async def test_an_old_model_id_is_not_found(
    fake_anthropic: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    fake_anthropic.script(Reply("never"))
    with pytest.raises(anthropic.NotFoundError):
        await create(client, model="claude-sonnet-4-6")


async def test_thinking_is_adaptive_and_omitted_when_the_request_says_nothing(
    fake_anthropic: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    fake_anthropic.script(Reply("Roses.", reasoning="Roses are easy."))
    message = await create(client)
    thinking, text = message.content
    assert thinking.type == "thinking" and thinking.thinking == "" and thinking.signature
    assert text.type == "text" and text.text == "Roses."


async def test_between_tools_returns_the_progress_note_with_its_text(
    fake_anthropic: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    fake_anthropic.script(Reply("Let me look.", (Call("search_products", {"query": "roses"}),)))
    message = await create(client, thinking={"type": "between_tools"}, tools=[TOOL])
    assert [b.type for b in message.content] == ["thinking", "tool_use"]
    assert message.content[0].thinking == "Let me look."
    assert message.stop_reason == "tool_use"


async def test_a_modified_thinking_block_is_refused(
    fake_anthropic: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    fake_anthropic.script(Reply("Let me look.", (Call("search_products"),)), Reply("never"))
    first = await create(client, thinking={"type": "between_tools"}, tools=[TOOL])
    thinking, use = (block.model_dump(exclude_none=True) for block in first.content)
    thinking["thinking"] = "Let me look again."
    result = {"type": "tool_result", "tool_use_id": use["id"], "content": "[]"}
    with pytest.raises(anthropic.BadRequestError, match="cannot be modified"):
        await create(
            client,
            thinking={"type": "between_tools"},
            tools=[TOOL],
            messages=[
                *USER,
                {"role": "assistant", "content": [thinking, use]},
                {"role": "user", "content": [result]},
            ],
        )


async def test_more_than_four_cache_breakpoints_are_refused(
    fake_anthropic: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    fake_anthropic.script(Reply("never"))
    marked = {"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}
    with pytest.raises(anthropic.BadRequestError, match="maximum of 4"):
        await create(client, messages=[{"role": "user", "content": [marked] * 5}])


@pytest.mark.parametrize(
    ("reply", "stop_reason"),
    [
        (Reply("I can't help with that.", stop_reason="refusal"), "refusal"),
        (Reply("Still working", stop_reason="pause_turn"), "pause_turn"),
        (Reply("a long answer", reasoning_tokens=5000), "max_tokens"),
    ],
)
async def test_every_stop_reason_can_be_produced(
    fake_anthropic: FakeAnthropic,
    client: anthropic.AsyncAnthropic,
    reply: Reply,
    stop_reason: str,
) -> None:
    fake_anthropic.script(reply)
    message = await create(client)
    assert message.stop_reason == stop_reason


async def test_a_full_context_window_stops_the_reply_or_refuses_the_prompt(
    fake_anthropic: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    fake_anthropic.script(Reply("x" * 400, reasoning_tokens=0), Reply("never"))
    fake_anthropic.context_window = 60
    message = await create(client)
    assert message.stop_reason == "model_context_window_exceeded"
    fake_anthropic.context_window = 5
    with pytest.raises(anthropic.BadRequestError, match="prompt is too long"):
        await create(client)


async def test_rate_limits_carry_retry_after_and_a_spend_cap_does_not(
    fake_anthropic: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    fake_anthropic.script(Failure(429, "rate_limit_error", "slow", retry_after=7), spend_cap())
    with pytest.raises(anthropic.RateLimitError) as limited:
        await create(client)
    assert limited.value.response.headers["retry-after"] == "7"
    with pytest.raises(anthropic.RateLimitError) as capped:
        await create(client)
    assert "retry-after" not in capped.value.response.headers
    assert isinstance(capped.value.body, dict)
    assert capped.value.body["error"]["details"]["error_code"] == "enforced_spend_limit_reached"


async def test_a_repeated_prefix_is_read_from_the_cache(
    fake_anthropic: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    fake_anthropic.script(Reply("one"), Reply("two"))
    long_system = [
        {"type": "text", "text": "policy " * 800, "cache_control": {"type": "ephemeral"}}
    ]
    first = await create(client, system=long_system)
    second = await create(client, system=long_system)
    assert first.usage.cache_creation_input_tokens and not first.usage.cache_read_input_tokens
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens
