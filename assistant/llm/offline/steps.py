"""This turn's tool steps as the offline planner reads them: typed outcomes, never JSON text.

The agent keeps each call's typed outcome by its ``tool_use_id`` (``Agent.outcomes``) and hands
that mapping to the planner, so the planner reads the same records the model's JSON was made
from. The transcript only says which calls were made, in which order, with which arguments.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from assistant.llm.model import ToolCall, Transcript
from assistant.llm.results import DeliveryOptions, Failure, Stores, ToolOutcome

PAYMENT_FAILED = "payment_failed"
Call = Callable[[str, dict[str, Any]], ToolCall]  # how a plan asks for its next tool call
MISSING = Failure("no result was kept for this call", "Missing result")


@dataclass(frozen=True)
class Step:
    """One tool call of this turn and its typed outcome."""

    name: str
    arguments: dict[str, Any]
    outcome: ToolOutcome
    is_error: bool


def current_turn(
    transcript: Transcript, outcomes: Mapping[str, ToolOutcome]
) -> tuple[str, list[Step]]:
    """The shopper's latest words and the tool steps taken since."""
    start = len(transcript)
    command = ""
    for index in range(len(transcript) - 1, -1, -1):
        message = transcript[index]
        texts = [b.get("text", "") for b in message["content"] if _is(b, "text")]
        if message["role"] == "user" and texts:
            start, command = index, texts[-1]
            break
    calls: dict[str, tuple[str, dict[str, Any]]] = {}
    steps: list[Step] = []
    for message in transcript[start:]:
        for block in message["content"]:
            if _is(block, "tool_use"):
                calls[block["id"]] = (block["name"], block.get("input") or {})
            elif _is(block, "tool_result") and block.get("tool_use_id") in calls:
                name, arguments = calls[block["tool_use_id"]]
                outcome = outcomes.get(block["tool_use_id"])
                is_error = outcome is None or bool(block.get("is_error"))
                steps.append(Step(name, arguments, outcome or MISSING, is_error))
    return command, steps


def tool_call(name: str, arguments: dict[str, Any]) -> ToolCall:
    """A call of the tool ``name`` as Claude would make it (a fresh ``tool_use`` id)."""
    return ToolCall(f"toolu_offline_{uuid.uuid4().hex[:16]}", name, arguments)


def any_status(step: Step, status: str) -> bool:
    """Whether any store's checkout stands at ``status`` after this step."""
    return isinstance(step.outcome, Stores) and step.outcome.any_status(status)


def card_to_retry(step: Step) -> bool:
    """Whether a store's checkout is held back only by a declined card (UCP's recoverable
    ``payment_failed``): paying again, after the shopper's yes, is how it is fixed."""
    if not isinstance(step.outcome, Stores):
        return False
    for state in step.outcome.states:
        errors = [m for m in state.messages if m.is_error]
        if (
            state.status in ("incomplete", "requires_escalation")
            and errors
            and all(m.code == PAYMENT_FAILED for m in errors)
        ):
            return True
    return False


def delivery_picks(step: Step, choice: str) -> list[dict[str, str]]:
    """Per store, the option that is cheapest (by its price) or fastest (by its latest date)."""
    if not isinstance(step.outcome, DeliveryOptions):
        return []
    picks: list[dict[str, str]] = []
    for store in step.outcome.stores:
        options = [option for option in store.options if option.option.id]
        if not options:
            continue
        if choice == "fastest":
            best = min(options, key=lambda option: option.latest)
        else:  # an option without a price sorts last
            best = min(options, key=lambda o: (o.price is None, o.price.amount if o.price else 0))
        picks.append({"store": store.merchant.domain, "option_id": best.option.id})
    return picks


def _is(block: Any, kind: str) -> bool:
    return isinstance(block, dict) and block.get("type") == kind
