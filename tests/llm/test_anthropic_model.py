"""AnthropicModel: the real SDK against the local fake Messages API."""

from __future__ import annotations

import pytest
from fake_anthropic import Call, Failure, FakeAnthropic, Reply

from assistant.config import ModelConfig
from assistant.errors import ModelError
from assistant.llm.anthropic import AnthropicModel
from assistant.llm.model import ToolCall
from assistant.llm.tools import TOOL_SPECS

# The default model, so `filterwarnings = error` fails if the SDK calls it deprecated.
TEST_MODEL = ModelConfig(max_tokens=512)
HELLO = [{"role": "user", "content": [{"type": "text", "text": "hello"}]}]


def claude(retries: int = 3) -> AnthropicModel:
    return AnthropicModel(TEST_MODEL, retry_delays=(0.0,) * retries)


async def test_text_streams_through_on_text_and_tool_calls_come_back_parsed(
    fake_anthropic: FakeAnthropic,
) -> None:
    fake_anthropic.script(
        Reply("Looking for roses now.", (Call("search_products", {"query": "red roses"}),))
    )
    deltas: list[str] = []
    turn = await claude().respond(HELLO, TOOL_SPECS, deltas.append)
    assert "".join(deltas) == "Looking for roses now."
    assert len(deltas) > 1  # streamed in pieces, not at the end
    assert turn.text == "Looking for roses now."
    assert [ToolCall(c.id, c.name, c.arguments) for c in turn.tool_calls] == [
        ToolCall(turn.tool_calls[0].id, "search_products", {"query": "red roses"})
    ]
    assert turn.stop_reason == "tool_use"
    assert turn.usage.input_tokens > 0


async def test_request_carries_model_limits_system_prompt_and_tools(
    fake_anthropic: FakeAnthropic,
) -> None:
    fake_anthropic.script(Reply("hi"))
    await claude().respond(HELLO, TOOL_SPECS, lambda _: None)
    (body,) = fake_anthropic.requests
    assert body["model"] == "claude-sonnet-5-5"
    assert body["max_tokens"] == 512
    assert body["stream"] is True
    assert "merchant_data" in body["system"]
    assert [tool["name"] for tool in body["tools"]] == [spec.name for spec in TOOL_SPECS]
    assert body["messages"] == HELLO


async def test_overloaded_then_success_is_retried(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(Failure(529), Failure(429, "rate_limit_error", "slow down"), Reply("ok"))
    turn = await claude().respond(HELLO, TOOL_SPECS, lambda _: None)
    assert turn.text == "ok"
    assert len(fake_anthropic.requests) == 3


async def test_overloaded_mid_stream_is_retried(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(Failure(529, mid_stream=True), Reply("ok"))
    turn = await claude().respond(HELLO, TOOL_SPECS, lambda _: None)
    assert turn.text == "ok"


async def test_persistent_overload_becomes_one_clear_model_error(
    fake_anthropic: FakeAnthropic,
) -> None:
    fake_anthropic.script(*[Failure(529)] * 3)
    with pytest.raises(ModelError, match="overloaded") as caught:
        await claude(retries=2).respond(HELLO, TOOL_SPECS, lambda _: None)
    assert "after 3 attempts" in caught.value.message
    assert len(fake_anthropic.requests) == 3


async def test_a_bad_request_is_not_retried(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(Failure(400, "invalid_request_error", "messages: bad"), Reply("never"))
    with pytest.raises(ModelError, match="HTTP 400"):
        await claude().respond(HELLO, TOOL_SPECS, lambda _: None)
    assert fake_anthropic.remaining == 1


async def test_a_refused_key_says_which_setting_to_check(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(Failure(401, "authentication_error", "invalid x-api-key"))
    with pytest.raises(ModelError, match="ANTHROPIC_API_KEY"):
        await claude().respond(HELLO, TOOL_SPECS, lambda _: None)


def test_a_missing_key_is_a_clear_model_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    with pytest.raises(ModelError, match="ANTHROPIC_API_KEY is not set"):
        AnthropicModel(TEST_MODEL)
