"""The agent loop: model round, tool calls, results back, until the model answers in words.

Text streams out as ``TextDelta`` events on the trip's bus; every tool call is announced with
``ToolStarted``, every model call recorded with ``ModelCalled``; the turn ends with
``TurnFinished``. A failing tool becomes an error result the model reads (its mistake to fix,
not ours to crash on). Rounds per turn are capped. The stop reason is read every round: a tool
call cut off at ``max_tokens`` is never run (the model is told and asked again, a bounded number
of times), a refusal or an empty answer becomes a plain sentence for the shopper, ``pause_turn``
is resumed, and a full context window compacts the history and asks again. When Claude cannot
be reached, the offline planner takes over and the shopper is told. The transcript is appended
to the local store as it grows, so a session resumes where it stopped.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

from assistant.config import Config
from assistant.errors import ModelUnreachable
from assistant.events import ModelCalled, TextDelta, ToolStarted, TurnFinished
from assistant.llm.history import MEASURE_SHARE, History, estimate_tokens, normalise
from assistant.llm.model import (
    Model,
    ToolCall,
    ToolSpec,
    Transcript,
    Turn,
    Usage,
    has_api_credentials,
)
from assistant.llm.results import Failure, ReadsOutcomes, ToolOutcome
from assistant.llm.tools import (
    READ_ONLY_TOOLS,
    TOOL_SPECS,
    Confirm,
    Toolbox,
    ToolResult,
    TripFacade,
)
from assistant.store import Store
from assistant.views import MerchantStateView

__all__ = ["MAX_ROUNDS", "Agent", "build_agent", "normalise"]

MAX_ROUNDS: Final = 8  # model calls per shopper turn; config.model.max_rounds overrides it
# The offline planner's rounds cost nothing and always end; a sentence naming several things
# takes two per thing ("two bags of coffee and some tulips with the cheapest shipping": 8 calls).
OFFLINE_ROUNDS: Final = 16
MAX_CUT_RETRIES: Final = 2  # replies cut off at max_tokens asked again, per turn
CONTEXT_BUDGET_TOKENS: Final = 60_000  # config.model.context_budget_tokens overrides it
CUT: Final = frozenset({"max_tokens", "model_context_window_exceeded"})
NOT_RUN: Final = Failure(
    "not run: your reply reached max_tokens before this call was complete, so nothing was "
    "done. Make the call again, complete, in a shorter reply.",
    "Reply cut off",
)
ANSWER_AGAIN: Final = (
    "(Pannier: your reply reached max_tokens before you answered. Answer now, briefly.)"
)
REFUSED: Final = (
    "(Claude declined to help with that request, so nothing more was done. "
    "You can ask for something else.)"
)
NO_ANSWER: Final = "(Claude gave no answer this time and nothing more was done; please ask again.)"
CUT_SHORT: Final = "(Claude's reply was cut short by its length limit, [model].max_tokens.)"
GAVE_UP: Final = (
    "(Claude's replies kept reaching their length limit before a step was complete, so that "
    "step was not carried out. Try a smaller request, or raise [model].max_tokens.)"
)
CONTEXT_FULL: Final = (
    "(This conversation no longer fits Claude's context, even compacted; nothing more was done. "
    "Start a new session to go on.)"
)
FALLBACK: Final = "({message}. Continuing with the offline planner.)"


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
        budget_tokens: int = CONTEXT_BUDGET_TOKENS,
        fallback: Callable[[], Model] | None = None,
    ) -> None:
        self.trip = trip
        self.model = model
        self.fallback = fallback
        self.store = store
        self.max_rounds = max(1, max_rounds)
        self.tools = list(tools)
        self.toolbox = Toolbox(trip, secrets=secrets)
        # This turn's tool outcomes by tool_use_id, typed: a planner reads them, not the JSON.
        self.outcomes: dict[str, ToolOutcome] = {}
        self._read_outcomes(model)
        self.history = History(budget_tokens)
        self.transcript: Transcript = []
        if store is not None:
            self.transcript = [
                {"role": role, "content": json.loads(content)}
                for role, content in store.conversation(trip.session)
                if role in ("user", "assistant")  # a /command's rows are the chat's, not ours
            ]
        self.model_calls = 0
        self.usage = Usage()
        self._replies: list[str] = []
        self._shown = False

    async def turn(self, text: str, confirm: Confirm) -> str:
        """Answer one shopper message; ``confirm`` is the only way money can move."""
        self._append("user", [{"type": "text", "text": text}])
        self._replies = []
        self._shown = False
        self.outcomes.clear()
        self.trip.start_listing()  # what this turn lists is numbered from 1
        round_started = False

        def on_text(delta: str) -> None:
            nonlocal round_started
            if not delta:
                return
            if self._shown and not round_started:
                self.trip.bus.publish(TextDelta("\n\n"))
            round_started = self._shown = True
            self.trip.bus.publish(TextDelta(delta))

        cut_retries = 0
        compacted_for_overflow = False
        for _round in range(self.max_rounds):
            round_started = False
            reply = await self._call_model(on_text)
            stop = reply.stop_reason
            if stop == "refusal":  # the refused reply is not kept: the trip goes on without it
                self._say(REFUSED)
                break
            if stop == "model_context_window_exceeded" and not reply.content():
                if not compacted_for_overflow and self._compact(all_but_last=True):
                    compacted_for_overflow = True  # the prompt did not fit: ask again, compacted
                    continue
                self._say(CONTEXT_FULL)
                break
            if stop in CUT and (reply.tool_calls or not reply.text.strip()):
                self._keep_cut_reply(reply)
                cut_retries += 1
                if cut_retries > MAX_CUT_RETRIES:
                    self._say(GAVE_UP)
                    break
                continue
            if reply.content():
                self._append("assistant", reply.content())
            if reply.text.strip():
                self._replies.append(reply.text.strip())
            if stop == "pause_turn":  # resumed by sending the paused content back as it is
                continue
            if not reply.tool_calls:
                if stop in CUT:
                    self._say(CUT_SHORT)
                elif not self._replies:
                    self._say(NO_ANSWER)
                break
            results = await self._run_tools(reply.tool_calls, confirm)
            self._append("user", results)
        else:
            self._say(f"(I stopped after {self.max_rounds} steps; say 'continue' to go on.)")
        final = "\n\n".join(self._replies)
        self.trip.bus.publish(TurnFinished(final))
        return final

    async def _call_model(self, on_text: Callable[[str], None]) -> Turn:
        window = await self._window()
        started = time.monotonic()
        try:
            reply = await self.model.respond(window, self.tools, on_text)
        except ModelUnreachable as exc:
            if self.fallback is None:
                raise
            self._say(FALLBACK.format(message=exc.message))
            self.model, self.fallback = self.fallback(), None
            self._read_outcomes(self.model)
            reply = await self.model.respond(window, self.tools, on_text)
        self.model_calls += 1
        self.usage += reply.usage
        config = getattr(self.model, "config", None)
        self.trip.bus.publish(
            ModelCalled(
                model=str(getattr(config, "model", type(self.model).__name__)),
                stop_reason=reply.stop_reason,
                input_tokens=reply.usage.input_tokens,
                output_tokens=reply.usage.output_tokens,
                cache_read_tokens=reply.usage.cache_read_tokens,
                cache_write_tokens=reply.usage.cache_write_tokens,
                elapsed_ms=(time.monotonic() - started) * 1000,
            )
        )
        return reply

    async def _window(self) -> Transcript:
        """The history to send, compacted first when it has outgrown the budget."""
        window = self.history.window(self.transcript)
        size = estimate_tokens(window) + estimate_tokens([t.input_schema for t in self.tools])
        if size <= self.history.budget_tokens * MEASURE_SHARE:
            return window
        counter = getattr(self.model, "count_tokens", None)
        measured = await counter(window, self.tools) if counter is not None else None
        over = (measured if measured is not None else size) > self.history.budget_tokens
        if over and self._compact():
            window = self.history.window(self.transcript)
        return window

    def _compact(self, *, all_but_last: bool = False) -> bool:
        state = [MerchantStateView(state).for_model() for state in self.trip.state()]
        return self.history.compact(self.transcript, state, all_but_last=all_but_last)

    def _read_outcomes(self, model: Model) -> None:
        if isinstance(model, ReadsOutcomes):
            model.read_outcomes(self.outcomes, self.toolbox.scrub)

    def _keep_cut_reply(self, reply: Turn) -> None:
        """Keep a cut reply (its thinking must go back) and answer it without running anything."""
        if reply.content():
            self._append("assistant", reply.content())
        if reply.tool_calls:
            for call in reply.tool_calls:
                self.outcomes[call.id] = NOT_RUN
            results = [
                _tool_result_block(call.id, self.toolbox.failed(NOT_RUN))
                for call in reply.tool_calls
            ]
            self._append("user", results)
        else:
            self._append("user", [{"type": "text", "text": ANSWER_AGAIN}])

    def _say(self, note: str) -> None:
        """Tell the shopper something the model did not say, set apart from what it did."""
        if self._shown:
            self.trip.bus.publish(TextDelta("\n\n"))
        self.trip.bus.publish(TextDelta(note))
        self._shown = True
        self._replies.append(note)

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
        for call, result in zip(calls, results, strict=True):
            if result.outcome is not None:
                self.outcomes[call.id] = result.outcome
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


def build_agent(
    config: Config,
    trip: TripFacade,
    *,
    offline: bool = False,
    store: Store | None = None,
    model: Model | None = None,
) -> Agent:
    """The agent for a trip: Claude when a key or token is set, else the offline planner.

    With Claude, the offline planner stands by for when the API cannot be reached. ``store``
    defaults to the trip's own, so every front end persists the conversation.
    """
    from assistant.llm.offline import OfflinePlanner

    def offline_planner() -> Model:
        return OfflinePlanner(trip)

    fallback: Callable[[], Model] | None = None
    if model is None:
        if offline or not has_api_credentials():
            model = offline_planner()
        else:
            from assistant.llm.anthropic import AnthropicModel

            model = AnthropicModel(config.model)
            fallback = offline_planner
    if store is None:
        trip_store = getattr(trip, "store", None)
        store = trip_store if isinstance(trip_store, Store) else None
    rounds = config.model.max_rounds
    return Agent(
        trip,
        model,
        store=store,
        max_rounds=max(rounds, OFFLINE_ROUNDS) if isinstance(model, OfflinePlanner) else rounds,
        budget_tokens=config.model.context_budget_tokens,
        fallback=fallback,
        secrets=[instrument.token.get_secret_value() for instrument in config.wallet],
    )
