"""The one-method interface every model implements (Anthropic, the offline planner, test scripts).

The transcript is a list of Messages-API messages (``{"role": ..., "content": [blocks]}``): the
format Anthropic speaks natively, persisted as-is in the local store so a session can resume.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

Transcript = list[dict[str, Any]]
OnText = Callable[[str], None]

CREDENTIAL_VARIABLES: Final = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")


def has_api_credentials() -> bool:
    """True when the environment holds a key or token the Anthropic SDK will send."""
    return any(os.environ.get(name) for name in CREDENTIAL_VARIABLES)


@dataclass(frozen=True)
class ToolSpec:
    """A tool as the model sees it: a name, what it does and a JSON schema for its input."""

    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Usage:
    """Tokens of one model call; ``input_tokens`` is the uncached part of the prompt."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
        )

    @property
    def prompt_tokens(self) -> int:
        """The whole prompt: uncached, read from the cache and written to it."""
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens


@dataclass(frozen=True)
class Turn:
    """One model reply: what the shopper was shown (already streamed) and any tool calls.

    ``blocks`` is the assistant content exactly as the model returned it (thinking blocks and
    their signatures included), which must go back unmodified; models without such blocks leave
    it ``None`` and the content is rebuilt from text and calls.
    """

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    stop_reason: str | None = None
    blocks: list[dict[str, Any]] | None = None

    def content(self) -> list[dict[str, Any]]:
        """The reply as assistant content blocks, for the transcript."""
        if self.blocks is not None:
            return [dict(block) for block in self.blocks]
        blocks: list[dict[str, Any]] = []
        if self.text:
            blocks.append({"type": "text", "text": self.text})
        blocks.extend(
            {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}
            for call in self.tool_calls
        )
        return blocks


class Model(Protocol):
    async def respond(
        self, transcript: Transcript, tools: Sequence[ToolSpec], on_text: OnText
    ) -> Turn:
        """Answer the transcript's last user message: stream text, maybe ask for tools."""
        ...
