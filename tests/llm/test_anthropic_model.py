"""AnthropicModel: the real SDK against the faithful fake Messages API, default model."""

from __future__ import annotations

import socket

import pytest
from fake_anthropic import MODEL, Call, Failure, FakeAnthropic, Reply, spend_cap

from assistant.config import ModelConfig
from assistant.errors import ModelError, ModelUnreachable
from assistant.llm.anthropic import AnthropicModel
from assistant.llm.model import ToolCall, Transcript, Turn
from assistant.llm.tools import TOOL_SPECS

HELLO: Transcript = [{"role": "user", "content": [{"type": "text", "text": "find red roses"}]}]


class Sleeps:
    """Records the back-offs instead of waiting them."""

    def __init__(self) -> None:
        self.waited: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waited.append(seconds)


def claude(
    config: ModelConfig | None = None, *, retries: int = 3, sleeps: Sleeps | None = None
) -> AnthropicModel:
    return AnthropicModel(
        config or ModelConfig(), retry_delays=(0.0,) * retries, sleep=sleeps or Sleeps()
    )


def answered(transcript: Transcript, turn: Turn, result: str = '{"results":[]}') -> Transcript:
    """The transcript after ``turn`` and a result for each of its tool calls."""
    results = [
        {"type": "tool_result", "tool_use_id": call.id, "content": result}
        for call in turn.tool_calls
    ]
    return [
        *transcript,
        {"role": "assistant", "content": turn.content()},
        {"role": "user", "content": results},
    ]


async def test_a_progress_note_between_tool_calls_streams_to_the_shopper(
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
    assert turn.tool_calls == [
        ToolCall(turn.tool_calls[0].id, "search_products", {"query": "red roses"})
    ]
    assert turn.stop_reason == "tool_use"
    assert turn.blocks is not None and turn.blocks[0]["type"] == "thinking"  # where 5.5 puts it


async def test_the_request_is_one_the_default_model_accepts(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(Reply("hi"))
    await claude().respond(HELLO, TOOL_SPECS, lambda _: None)
    (body,) = fake_anthropic.requests
    assert body["model"] == MODEL == "claude-sonnet-5-5"
    assert body["thinking"] == {"type": "between_tools"}
    assert body["output_config"] == {"effort": "medium"}
    assert body["max_tokens"] == 16000  # room for thinking, which counts toward it
    assert body["stream"] is True
    assert not {"temperature", "top_p", "top_k", "tool_choice"} & body.keys()
    assert [tool["name"] for tool in body["tools"]] == [spec.name for spec in TOOL_SPECS]
    assert body["messages"] == HELLO


async def test_thinking_blocks_go_back_byte_identical_so_the_next_round_is_accepted(
    fake_anthropic: FakeAnthropic,
) -> None:
    fake_anthropic.script(
        Reply("Searching.", (Call("search_products", {"query": "roses"}),), redacted=True),
        Reply("Red roses, USD 24.00."),
    )
    model = claude(ModelConfig(thinking="adaptive", display="summarized"))
    first = await model.respond(HELLO, TOOL_SPECS, lambda _: None)
    second = await model.respond(answered(HELLO, first), TOOL_SPECS, lambda _: None)
    assert second.text.endswith("Red roses, USD 24.00.")
    sent_back = fake_anthropic.requests[1]["messages"][1]["content"]
    assert [block["type"] for block in sent_back] == [
        "thinking",
        "redacted_thinking",
        "thinking",
        "tool_use",
    ]
    assert sent_back == first.content()


async def test_an_assistant_message_rebuilt_without_its_thinking_is_refused(
    fake_anthropic: FakeAnthropic,
) -> None:
    fake_anthropic.script(
        Reply("Searching.", (Call("search_products", {"query": "roses"}),)), Reply("never")
    )
    model = claude()
    first = await model.respond(HELLO, TOOL_SPECS, lambda _: None)
    rebuilt = Turn(text=first.text, tool_calls=first.tool_calls)  # what the old adapter kept
    with pytest.raises(ModelError, match="HTTP 400"):
        await model.respond(answered(HELLO, rebuilt), TOOL_SPECS, lambda _: None)
    assert fake_anthropic.remaining == 1


async def test_adaptive_thinking_shows_summaries_only_when_display_asks_for_them(
    fake_anthropic: FakeAnthropic,
) -> None:
    fake_anthropic.script(Reply("Roses it is.", reasoning="The shopper wants roses."))
    shown: list[str] = []
    await claude(ModelConfig(thinking="adaptive")).respond(HELLO, TOOL_SPECS, shown.append)
    assert "".join(shown) == "The shopper wants roses.\n\nRoses it is."

    fake_anthropic.script(Reply("Roses it is.", reasoning="The shopper wants roses."))
    shown.clear()
    omitted = ModelConfig(thinking="adaptive", display="omitted")
    turn = await claude(omitted).respond(HELLO, TOOL_SPECS, shown.append)
    assert "".join(shown) == "Roses it is."
    assert turn.blocks is not None
    assert turn.blocks[0]["thinking"] == "" and turn.blocks[0]["signature"]


def test_effort_above_high_needs_adaptive_thinking() -> None:
    with pytest.raises(ValueError, match="needs thinking"):
        ModelConfig(effort="max")
    assert ModelConfig(thinking="adaptive", effort="max").effort == "max"


async def test_cache_reads_and_writes_are_recorded_per_call(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(
        Reply("Searching.", (Call("search_products", {"query": "roses"}),)), Reply("Found.")
    )
    model = claude()
    first = await model.respond(HELLO, TOOL_SPECS, lambda _: None)
    second = await model.respond(answered(HELLO, first), TOOL_SPECS, lambda _: None)
    assert first.usage.cache_write_tokens > 0 and first.usage.cache_read_tokens == 0
    assert second.usage.cache_read_tokens >= first.usage.prompt_tokens
    assert second.usage.input_tokens < second.usage.cache_read_tokens / 10


async def test_count_tokens_asks_the_api(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script()
    counted = await claude().count_tokens(HELLO, TOOL_SPECS)
    assert counted is not None and counted > 500
    assert fake_anthropic.count_requests == 1


async def test_overloaded_then_rate_limited_then_success_is_retried(
    fake_anthropic: FakeAnthropic,
) -> None:
    fake_anthropic.script(Failure(529), Failure(429, "rate_limit_error", "slow down"), Reply("ok"))
    turn = await claude().respond(HELLO, TOOL_SPECS, lambda _: None)
    assert turn.text == "ok"
    assert len(fake_anthropic.requests) == 3


async def test_overloaded_mid_stream_is_retried(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(Failure(529, mid_stream=True), Reply("ok"))
    turn = await claude().respond(HELLO, TOOL_SPECS, lambda _: None)
    assert turn.text == "ok"


async def test_retry_after_is_waited_with_a_little_jitter(fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.script(Failure(429, "rate_limit_error", "slow down", retry_after=5), Reply("ok"))
    sleeps = Sleeps()
    turn = await claude(sleeps=sleeps).respond(HELLO, TOOL_SPECS, lambda _: None)
    assert turn.text == "ok"
    ((waited,),) = [sleeps.waited]
    assert 5.0 <= waited <= 6.25


async def test_a_wait_beyond_the_total_bound_gives_up_at_once(
    fake_anthropic: FakeAnthropic,
) -> None:
    fake_anthropic.script(Failure(529, retry_after=600), Reply("never"))
    sleeps = Sleeps()
    with pytest.raises(ModelError, match="busy"):
        await claude(sleeps=sleeps).respond(HELLO, TOOL_SPECS, lambda _: None)
    assert sleeps.waited == []


async def test_a_spend_cap_is_reported_as_such_and_never_retried(
    fake_anthropic: FakeAnthropic,
) -> None:
    fake_anthropic.script(spend_cap(), Reply("never"))
    with pytest.raises(ModelError, match="spend limit") as caught:
        await claude().respond(HELLO, TOOL_SPECS, lambda _: None)
    assert "rate limited" not in caught.value.message
    assert fake_anthropic.remaining == 1


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


async def test_a_refused_key_is_reported_at_once_as_unreachable(
    fake_anthropic: FakeAnthropic,
) -> None:
    fake_anthropic.script(Reply("never"))
    fake_anthropic.valid_keys = {"sk-ant-the-real-one"}
    with pytest.raises(ModelUnreachable, match="ANTHROPIC_API_KEY"):
        await claude().respond(HELLO, TOOL_SPECS, lambda _: None)
    assert fake_anthropic.remaining == 1


async def test_an_unreachable_api_is_reported_after_one_short_retry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as probe:  # a free port that nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{port}")
    sleeps = Sleeps()
    with pytest.raises(ModelUnreachable, match="cannot reach"):
        await claude(sleeps=sleeps).respond(HELLO, TOOL_SPECS, lambda _: None)
    assert len(sleeps.waited) == 1 and sleeps.waited[0] <= 1.0


async def test_an_auth_token_alone_is_enough(
    fake_anthropic: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "sk-ant-oat-token")
    fake_anthropic.script(Reply("hi"))
    fake_anthropic.valid_keys = {"sk-ant-oat-token"}
    turn = await claude().respond(HELLO, TOOL_SPECS, lambda _: None)
    assert turn.text == "hi"
    (headers,) = fake_anthropic.headers
    assert headers["authorization"] == "Bearer sk-ant-oat-token"


def test_no_key_and_no_token_is_a_clear_model_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    with pytest.raises(ModelError, match="neither ANTHROPIC_API_KEY nor ANTHROPIC_AUTH_TOKEN"):
        AnthropicModel(ModelConfig())
