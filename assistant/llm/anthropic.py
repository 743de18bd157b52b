"""Claude behind the ``Model`` interface, with the ``anthropic`` SDK (the only module importing it).

Streaming Messages API with tool use, written for ``claude-sonnet-5-5``: thinking is configured
(``between_tools`` by default, or adaptive with a ``display``) and never sent in a form the model
refuses (no forced tool choice, prefill, sampling parameters or thinking budgets). The reply's
content goes back exactly as it came, thinking blocks and signatures included. Thinking text
(under ``between_tools``: the progress notes written between tool calls) streams to the shopper
like answer text. Prompt caching: one breakpoint after tools + system, one moving with the end of
the conversation. Credentials: ``ANTHROPIC_API_KEY`` or ``ANTHROPIC_AUTH_TOKEN`` (the SDK reads
both, and ``ANTHROPIC_BASE_URL``). Overload, rate limits and 5xx are retried here, honouring
``retry-after`` with jitter within a total bound; what no retry can fix (a refused key, a spend
cap, an unreachable API after a few seconds) surfaces at once as one clear ``ModelError``.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, cast

import anthropic
import httpx2

from assistant.config import ModelConfig
from assistant.errors import ModelError, ModelUnreachable
from assistant.llm.model import (
    OnText,
    ToolCall,
    ToolSpec,
    Transcript,
    Turn,
    Usage,
    has_api_credentials,
)
from assistant.llm.prompt import SYSTEM_PROMPT

RETRY_DELAYS_S: Final = (1.0, 2.0, 4.0, 8.0)  # backoff without retry-after; len = retries
MAX_TOTAL_WAIT_S: Final = 30.0  # never wait longer than this in all for one reply
UNREACHABLE_GIVE_UP_S: Final = 4.0  # connection failures stop being retried after this
UNREACHABLE_RETRIES: Final = 1  # …or after this many retries, whichever comes first
RETRYABLE_STATUS: Final = frozenset({408, 409, 429})  # plus every 5xx, 529 (overloaded) included
# An error event inside a 200 stream carries only its type.
RETRYABLE_TYPES: Final = frozenset({"overloaded_error", "rate_limit_error", "api_error"})
NOT_RETRYABLE_CODES: Final = frozenset({"enforced_spend_limit_reached"})
REQUEST_TIMEOUT_S: Final = 120.0
CONNECT_TIMEOUT_S: Final = 2.5
EPHEMERAL: Final = {"type": "ephemeral"}

Sleep = Callable[[float], Awaitable[None]]


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
        max_total_wait_s: float = MAX_TOTAL_WAIT_S,
        timeout_s: float = REQUEST_TIMEOUT_S,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.config = config
        self.system = system
        self.retry_delays = tuple(retry_delays)
        self.max_total_wait_s = max_total_wait_s
        self.sleep = sleep
        self.waits: list[float] = []  # every back-off actually waited, for the protocol log
        if api_key is None and not has_api_credentials():
            raise ModelError(
                "neither ANTHROPIC_API_KEY nor ANTHROPIC_AUTH_TOKEN is set "
                "(use the offline planner: --offline)"
            )
        try:
            self.client = anthropic.AsyncAnthropic(
                api_key=api_key,
                base_url=base_url,
                max_retries=0,
                timeout=httpx2.Timeout(timeout_s, connect=CONNECT_TIMEOUT_S),
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

        started = time.monotonic()
        waited = 0.0
        for attempt in range(len(self.retry_delays) + 1):
            try:
                return await self._stream(transcript, tools, emit)
            except anthropic.APIStatusError as exc:
                if exc.status_code == 400 and "prompt is too long" in str(exc.message):
                    return Turn(stop_reason="model_context_window_exceeded")  # compact, ask again
                if streamed or not _retryable(exc) or attempt == len(self.retry_delays):
                    error = ModelUnreachable if exc.status_code in (401, 403) else ModelError
                    raise error(_describe(exc, attempt + 1)) from exc
                delay = _delay(self.retry_delays[attempt], exc)
            except anthropic.APIConnectionError as exc:
                given_up = time.monotonic() - started >= UNREACHABLE_GIVE_UP_S
                if (
                    streamed
                    or given_up
                    or attempt >= min(UNREACHABLE_RETRIES, len(self.retry_delays))
                ):
                    raise ModelUnreachable(_describe(exc, attempt + 1)) from exc
                delay = min(_delay(self.retry_delays[attempt], None), 1.0)
            except anthropic.AnthropicError as exc:
                raise ModelError(f"the Anthropic API failed: {exc}") from exc
            if waited + delay > self.max_total_wait_s:
                raise ModelError(
                    f"Claude is busy: it asked to wait {delay:.0f} s more, beyond the "
                    f"{self.max_total_wait_s:.0f} s Pannier waits for one reply; try again later"
                )
            waited += delay
            self.waits.append(delay)
            await self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def count_tokens(self, transcript: Transcript, tools: Sequence[ToolSpec]) -> int | None:
        """The prompt's size as the API counts it; None when the endpoint cannot answer."""
        try:
            counted = await self.client.messages.count_tokens(**self._params(transcript, tools))
        except anthropic.AnthropicError:
            return None
        return counted.input_tokens

    def _params(self, transcript: Transcript, tools: Sequence[ToolSpec]) -> dict[str, Any]:
        thinking: dict[str, Any] = {"type": self.config.thinking}
        if self.config.thinking == "adaptive":
            thinking["display"] = self.config.display
        return {
            "model": self.config.model,
            "system": [{"type": "text", "text": self.system, "cache_control": EPHEMERAL}],
            "messages": cast(Any, transcript),
            "tools": cast(
                Any,
                [
                    {"name": t.name, "description": t.description, "input_schema": t.input_schema}
                    for t in tools
                ],
            ),
            "thinking": cast(Any, thinking),
            "output_config": {"effort": self.config.effort},
            # The breakpoint that moves: the end of the conversation, read back next round.
            "cache_control": EPHEMERAL,
        }

    async def _stream(
        self, transcript: Transcript, tools: Sequence[ToolSpec], emit: OnText
    ) -> Turn:
        shown: list[str] = []
        block_open = False
        async with self.client.messages.stream(
            max_tokens=self.config.max_tokens, **self._params(transcript, tools)
        ) as stream:
            async for event in stream:
                if event.type == "content_block_start":
                    block_open = False
                    continue
                delta = (
                    event.text
                    if event.type == "text"
                    else event.thinking
                    if event.type == "thinking"
                    else ""
                )
                if not delta:
                    continue
                if not block_open:  # a new visible block: set it apart from the last one
                    if shown:
                        emit("\n\n")
                    shown.append("")
                    block_open = True
                shown[-1] += delta
                emit(delta)
            message = await stream.get_final_message()
        calls = [
            ToolCall(
                block.id, block.name, dict(block.input) if isinstance(block.input, dict) else {}
            )
            for block in message.content
            if block.type == "tool_use"
        ]
        usage = message.usage
        return Turn(
            text="\n\n".join(part.strip() for part in shown if part.strip()),
            tool_calls=calls,
            usage=Usage(
                usage.input_tokens,
                usage.output_tokens,
                usage.cache_read_input_tokens or 0,
                usage.cache_creation_input_tokens or 0,
            ),
            stop_reason=message.stop_reason,
            blocks=[_block_param(block) for block in message.content],
        )


def _block_param(block: Any) -> dict[str, Any]:
    """A response block as a request block, every field the model signed left as it was."""
    if block.type == "thinking":
        return {"type": "thinking", "thinking": block.thinking, "signature": block.signature}
    if block.type == "redacted_thinking":
        return {"type": "redacted_thinking", "data": block.data}
    if block.type == "text":
        return {"type": "text", "text": block.text}
    if block.type == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    return cast(dict[str, Any], block.model_dump(mode="json", exclude_none=True))


def _error_code(exc: anthropic.APIStatusError) -> str | None:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else body
    details = error.get("details") if isinstance(error, dict) else None
    code = details.get("error_code") if isinstance(details, dict) else None
    return code if isinstance(code, str) else None


def _retryable(exc: anthropic.APIStatusError) -> bool:
    if _error_code(exc) in NOT_RETRYABLE_CODES:
        return False
    return (
        exc.status_code in RETRYABLE_STATUS or exc.status_code >= 500 or exc.type in RETRYABLE_TYPES
    )


def _retry_after(exc: anthropic.APIStatusError | None) -> float | None:
    if exc is None:
        return None
    try:
        value = exc.response.headers.get("retry-after")
    except (AttributeError, RuntimeError):
        return None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _delay(backoff: float, exc: anthropic.APIStatusError | None) -> float:
    """Wait at least what the API asked for, plus up to a quarter more so clients spread out."""
    base = _retry_after(exc)
    base = backoff if base is None else base
    return base * (1 + random.uniform(0.0, 0.25))  # jitter, not secrecy


def _describe(exc: anthropic.APIError, attempts: int) -> str:
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    if isinstance(exc, anthropic.APIStatusError):
        if _error_code(exc) == "enforced_spend_limit_reached":
            return (
                "Claude is unavailable: the organization's monthly spend limit is reached "
                "(HTTP 429; retrying cannot help until the limit resets or is raised)"
            )
        if exc.type == "overloaded_error":
            return f"Claude is unavailable{tries}: overloaded (HTTP 529), try again shortly"
        reason = {
            401: "the API key was refused (check ANTHROPIC_API_KEY / ANTHROPIC_AUTH_TOKEN)",
            403: "the API key may not use this model",
            404: "the model or endpoint was not found (check [model].model / PANNIER_MODEL / "
            "ANTHROPIC_BASE_URL)",
            429: "rate limited",
            529: "overloaded",
        }.get(exc.status_code, exc.api_message or "request failed")
        return f"Claude is unavailable{tries}: HTTP {exc.status_code}, {reason}"
    return f"cannot reach the Anthropic API{tries}: {exc.message}"
