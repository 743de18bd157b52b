"""The agent loop: model round, tool calls, results back, until the model answers in words.

Text streams out as ``TextDelta`` events on the trip's bus; every tool call is announced with
``ToolStarted``; the turn ends with ``TurnFinished``. A failing tool becomes an error result the
model reads (its mistake to fix, not ours to crash on). Rounds per turn are capped. The
transcript is appended to the local store as it grows, so a session resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Sequence
from typing import Any, Final

from assistant.config import Config
from assistant.events import TextDelta, ToolStarted, TurnFinished
from assistant.llm.model import Model, ToolCall, ToolSpec, Transcript
from assistant.llm.tools import (
    READ_ONLY_TOOLS,
    TOOL_SPECS,
    Confirm,
    Toolbox,
    ToolResult,
    TripFacade,
)
from assistant.store import Store

MAX_ROUNDS: Final = 8  # model calls per shopper turn; config.model.max_rounds overrides it
MAX_TRANSCRIPT_MESSAGES: Final = 60  # older history is not resent (it still sits in the store)
INTERRUPTED: Final = '{"error":"interrupted before this tool finished; nothing is known"}'


class Agent:
    """One shopper's conversation with the model about one trip."""

    def __init__(
        self,
        trip: TripFacade,
        model: Model,
        *,
        store: Store | None = None,
        max_rounds: int = MAX_ROUNDS,
        secrets: Sequence[str] = (),
        tools: Sequence[ToolSpec] = TOOL_SPECS,
    ) -> None:
        self.trip = trip
        self.model = model
        self.store = store
        self.max_rounds = max(1, max_rounds)
        self.tools = list(tools)
        self.toolbox = Toolbox(trip, secrets=secrets)
        self.transcript: Transcript = []
        if store is not None:
            self.transcript = [
                {"role": role, "content": json.loads(content)}
                for role, content in store.conversation(trip.session)
            ]

    async def turn(self, text: str, confirm: Confirm) -> str:
        """Answer one shopper message; ``confirm`` is the only way money can move."""
        self._append("user", [{"type": "text", "text": text}])
        replies: list[str] = []
        streamed_any = False

        def on_text(delta: str) -> None:
            nonlocal streamed_any
            if not delta:
                return
            if replies and not streamed_any:
                self.trip.bus.publish(TextDelta("\n\n"))
            streamed_any = True
            self.trip.bus.publish(TextDelta(delta))

        for _round in range(self.max_rounds):
            streamed_any = False
            reply = await self.model.respond(normalise(self.transcript), self.tools, on_text)
            if reply.content():
                self._append("assistant", reply.content())
            if reply.text.strip():
                replies.append(reply.text.strip())
            if not reply.tool_calls:
                break
            results = await self._run_tools(reply.tool_calls, confirm)
            self._append("user", results)
        else:
            note = f"(I stopped after {self.max_rounds} steps; say 'continue' to go on.)"
            if replies:
                self.trip.bus.publish(TextDelta("\n\n"))
            self.trip.bus.publish(TextDelta(note))
            replies.append(note)
        final = "\n\n".join(replies)
        self.trip.bus.publish(TurnFinished(final))
        return final

    async def _run_tools(self, calls: Sequence[ToolCall], confirm: Confirm) -> list[dict[str, Any]]:
        """Read-only calls next to each other run concurrently; a mutating call runs alone."""
        results: list[ToolResult] = []
        start = 0
        while start < len(calls):
            end = start + 1
            if calls[start].name in READ_ONLY_TOOLS:
                while end < len(calls) and calls[end].name in READ_ONLY_TOOLS:
                    end += 1
            batch = calls[start:end]
            for call in batch:
                self.trip.bus.publish(ToolStarted(call.name, dict(call.arguments)))
            if len(batch) == 1:
                results.append(await self.toolbox.call(batch[0].name, batch[0].arguments, confirm))
            else:
                async with asyncio.TaskGroup() as group:
                    tasks = [
                        group.create_task(self.toolbox.call(call.name, call.arguments, confirm))
                        for call in batch
                    ]
                results.extend(task.result() for task in tasks)
            start = end
        return [
            _tool_result_block(call.id, result) for call, result in zip(calls, results, strict=True)
        ]

    def _append(self, role: str, content: list[dict[str, Any]]) -> None:
        self.transcript.append({"role": role, "content": content})
        if self.store is not None:
            self.store.append_conversation(
                self.trip.session, role, json.dumps(content, ensure_ascii=False)
            )


def _tool_result_block(tool_use_id: str, result: ToolResult) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "tool_result",
        "tool_use_id": tool_use_id,
        "content": result.content,
    }
    if result.is_error:
        block["is_error"] = True
    return block


def normalise(transcript: Transcript) -> Transcript:
    """A valid Messages-API history from a stored one: recent window, roles alternating,
    every tool_use answered (a crash mid-turn leaves some unanswered)."""
    merged: Transcript = []
    for message in transcript:
        content = list(message["content"])
        if merged and merged[-1]["role"] == message["role"]:
            merged[-1] = {"role": message["role"], "content": merged[-1]["content"] + content}
        else:
            merged.append({"role": message["role"], "content": content})
    fixed: Transcript = []
    for index, message in enumerate(merged):
        if message["role"] == "user" and fixed and fixed[-1]["role"] == "assistant":
            answered = {b.get("tool_use_id") for b in message["content"] if _is(b, "tool_result")}
            missing = _unanswered(fixed[-1], answered)
            message = {"role": "user", "content": missing + message["content"]}
        fixed.append(message)
        is_last = index == len(merged) - 1
        if message["role"] == "assistant" and is_last and _unanswered(message, set()):
            fixed.append({"role": "user", "content": _unanswered(message, set())})
    start = max(0, len(fixed) - MAX_TRANSCRIPT_MESSAGES)
    while start < len(fixed) and not _starts_conversation(fixed[start]):
        start += 1
    return fixed[start:]


def _is(block: Any, kind: str) -> bool:
    return isinstance(block, dict) and block.get("type") == kind


def _unanswered(assistant: dict[str, Any], answered: set[Any]) -> list[dict[str, Any]]:
    return [
        {"type": "tool_result", "tool_use_id": b["id"], "content": INTERRUPTED, "is_error": True}
        for b in assistant["content"]
        if _is(b, "tool_use") and b.get("id") not in answered
    ]


def _starts_conversation(message: dict[str, Any]) -> bool:
    return message["role"] == "user" and not any(_is(b, "tool_result") for b in message["content"])


def build_agent(
    config: Config,
    trip: TripFacade,
    *,
    offline: bool = False,
    store: Store | None = None,
    model: Model | None = None,
) -> Agent:
    """The agent for a trip: Claude when ``ANTHROPIC_API_KEY`` is set, else the offline planner.

    ``store`` defaults to the trip's own, so every front end persists the conversation.
    """
    if model is None:
        if offline or not os.environ.get("ANTHROPIC_API_KEY"):
            from assistant.llm.offline import OfflinePlanner

            model = OfflinePlanner(trip)
        else:
            from assistant.llm.anthropic import AnthropicModel

            model = AnthropicModel(config.model)
    if store is None:
        trip_store = getattr(trip, "store", None)
        store = trip_store if isinstance(trip_store, Store) else None
    return Agent(
        trip,
        model,
        store=store,
        max_rounds=config.model.max_rounds,
        secrets=[instrument.token.get_secret_value() for instrument in config.wallet],
    )
