"""The one-method interface every model implements (Anthropic, the offline planner, test scripts).

The transcript is a list of Messages-API messages (``{"role": ..., "content": [blocks]}``): the
format Anthropic speaks natively, persisted as-is in the local store so a session can resume.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

Transcript = list[dict[str, Any]]
OnText = Callable[[str], None]


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
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True)
class Turn:
    """One model reply: text (already streamed through ``on_text``) and any tool calls."""

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    stop_reason: str | None = None

    def content(self) -> list[dict[str, Any]]:
        """The reply as assistant content blocks, for the transcript."""
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
