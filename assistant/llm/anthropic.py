"""Claude behind the ``Model`` interface, with the ``anthropic`` SDK (the only module importing it).

Streaming Messages API with tool use. The key and endpoint come from ``ANTHROPIC_API_KEY`` /
``ANTHROPIC_BASE_URL`` (the SDK reads both); the model id and limits from ``config.model``.
Overload, rate limits and 5xx are retried here with backoff (the SDK's own retries are off, so
errors arriving mid-stream are covered too), then surface as one clear ``ModelError``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any, Final, cast

import anthropic

from assistant.config import ModelConfig
from assistant.errors import ModelError
from assistant.llm.model import OnText, ToolCall, ToolSpec, Transcript, Turn, Usage
from assistant.llm.prompt import SYSTEM_PROMPT

RETRY_DELAYS_S: Final = (1.0, 2.0, 4.0, 8.0)  # backoff between attempts; len = retries
RETRYABLE_STATUS: Final = frozenset({408, 409, 429})  # plus every 5xx, 529 (overloaded) included
# An error event inside a 200 stream carries only its type.
RETRYABLE_TYPES: Final = frozenset({"overloaded_error", "rate_limit_error", "api_error"})
REQUEST_TIMEOUT_S: Final = 120.0


class AnthropicModel:
    """Claude over the streaming Messages API."""

    def __init__(
        self,
        config: ModelConfig,
        *,
        system: str = SYSTEM_PROMPT,
        api_key: str | None = None,
        base_url: str | None = None,
        retry_delays: Sequence[float] = RETRY_DELAYS_S,
        timeout_s: float = REQUEST_TIMEOUT_S,
    ) -> None:
        self.config = config
        self.system = system
        self.retry_delays = tuple(retry_delays)
        credentials = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")
        if api_key is None and not any(os.environ.get(name) for name in credentials):
            raise ModelError("ANTHROPIC_API_KEY is not set (use the offline planner: --offline)")
        try:
            self.client = anthropic.AsyncAnthropic(
                api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout_s
            )
        except anthropic.AnthropicError as exc:
            raise ModelError(f"cannot set up the Anthropic client: {exc}") from exc

    async def aclose(self) -> None:
        await self.client.close()

    async def respond(
        self, transcript: Transcript, tools: Sequence[ToolSpec], on_text: OnText
    ) -> Turn:
        streamed = False

        def emit(text: str) -> None:
            nonlocal streamed
            streamed = True
            on_text(text)

        for attempt in range(len(self.retry_delays) + 1):
            try:
                return await self._stream(transcript, tools, emit)
            except anthropic.APIStatusError as exc:
                retryable = (
                    exc.status_code in RETRYABLE_STATUS
                    or exc.status_code >= 500
                    or exc.type in RETRYABLE_TYPES
                )
                if not retryable or streamed or attempt == len(self.retry_delays):
                    raise ModelError(_describe(exc, attempt + 1)) from exc
            except anthropic.APIConnectionError as exc:
                if streamed or attempt == len(self.retry_delays):
                    raise ModelError(_describe(exc, attempt + 1)) from exc
            except anthropic.AnthropicError as exc:
                raise ModelError(f"the Anthropic API failed: {exc}") from exc
            await asyncio.sleep(self.retry_delays[attempt])
        raise AssertionError("unreachable")  # pragma: no cover

    async def _stream(
        self, transcript: Transcript, tools: Sequence[ToolSpec], emit: OnText
    ) -> Turn:
        tool_params: list[dict[str, Any]] = [
            {"name": t.name, "description": t.description, "input_schema": t.input_schema}
            for t in tools
        ]
        if tool_params:  # one cache breakpoint after the tools + system prefix, which never change
            tool_params[-1] = {**tool_params[-1], "cache_control": {"type": "ephemeral"}}
        async with self.client.messages.stream(
            model=self.config.model,
            max_tokens=self.config.max_tokens,
            system=self.system,
            messages=cast(Any, transcript),
            tools=cast(Any, tool_params),
        ) as stream:
            async for event in stream:
                if event.type == "text":
                    emit(event.text)
            message = await stream.get_final_message()
        text_parts: list[str] = []
        calls: list[ToolCall] = []
        for block in message.content:
            if block.type == "text":
                text_parts.append(block.text)
            elif block.type == "tool_use":
                arguments = block.input if isinstance(block.input, dict) else {}
                calls.append(ToolCall(block.id, block.name, dict(arguments)))
        return Turn(
            text="".join(text_parts),
            tool_calls=calls,
            usage=Usage(message.usage.input_tokens, message.usage.output_tokens),
            stop_reason=message.stop_reason,
        )


def _describe(exc: anthropic.APIError, attempts: int) -> str:
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if isinstance(exc, anthropic.APIStatusError):
        if exc.type == "overloaded_error":
            return f"Claude is unavailable{tries}: overloaded (HTTP 529), try again shortly"
        reason = {
            401: "the API key was refused (check ANTHROPIC_API_KEY)",
            403: "the API key may not use this model",
            404: "the model or endpoint was not found (check config model / ANTHROPIC_BASE_URL)",
            429: "rate limited",
            529: "overloaded",
        }.get(exc.status_code, exc.api_message or "request failed")
        return f"Claude is unavailable{tries}: HTTP {exc.status_code}, {reason}"
    return f"cannot reach the Anthropic API{tries}: {exc.message}"
