"""Past-tense facts the core emits on the bus; the TUI and CLI render them (they are not stored)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from assistant.domain import (
    Escalation,
    MerchantRef,
    MerchantState,
    Message,
    OrderRecord,
    SearchHit,
)


@dataclass(frozen=True)
class Event:
    pass


@dataclass(frozen=True)
class SearchFinished(Event):
    query: str
    hits: list[SearchHit]
    notes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CartUpdated(Event):
    state: MerchantState


@dataclass(frozen=True)
class CheckoutResolved(Event):
    state: MerchantState  # status ready_for_complete / requires_escalation / incomplete


@dataclass(frozen=True)
class MessageAutoResolved(Event):
    merchant: MerchantRef
    message: Message
    fix: str  # what was changed and why, in a sentence


@dataclass(frozen=True)
class DiscountRejected(Event):
    merchant: MerchantRef
    code: str
    reason: str


@dataclass(frozen=True)
class EscalationRaised(Event):
    escalation: Escalation


@dataclass(frozen=True)
class EscalationCleared(Event):
    escalation: Escalation  # its state says resolved / canceled / expired


@dataclass(frozen=True)
class OrderPlaced(Event):
    order: OrderRecord


@dataclass(frozen=True)
class OrderUpdated(Event):
    order: OrderRecord  # after a verified order webhook


@dataclass(frozen=True)
class WebhookRejected(Event):
    reason: str  # the webhook changed nothing


@dataclass(frozen=True)
class MerchantFailed(Event):
    merchant: MerchantRef
    operation: str
    reason: str


@dataclass(frozen=True)
class ProtocolCalled(Event):
    """One UCP call, for the protocol log: which store, which operation, how long, the outcome."""

    merchant: MerchantRef
    operation: str
    transport: str
    elapsed_ms: float
    outcome: str


@dataclass(frozen=True)
class ModelCalled(Event):
    """One language-model call, for the protocol log: tokens (cache reads/writes apart), why it
    stopped, how long it took."""

    model: str
    stop_reason: str | None
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    elapsed_ms: float


@dataclass(frozen=True)
class MerchantNegotiated(Event):
    """Which UCP release and transport Pannier speaks with a merchant, and why each."""

    merchant: MerchantRef
    version: str
    version_reason: str
    transport: str
    transport_reason: str


@dataclass(frozen=True)
class AnswerRepaired(Event):
    """A merchant's answer had off-spec elements: what was coerced or dropped to read the rest."""

    merchant: MerchantRef
    operation: str
    notes: list[str]


@dataclass(frozen=True)
class TextDelta(Event):
    text: str


@dataclass(frozen=True)
class ToolStarted(Event):
    name: str
    arguments: dict[str, object]


@dataclass(frozen=True)
class TurnFinished(Event):
    reply: str


class EventBus:
    """Fan-out of events to any number of async subscribers; publishing never blocks."""

    def __init__(self) -> None:
        self._queues: list[asyncio.Queue[Event]] = []
        self.history: list[Event] = []

    def publish(self, event: Event) -> None:
        self.history.append(event)
        for queue in self._queues:
            queue.put_nowait(event)

    async def subscribe(
        self, replay: Callable[[Event], bool] | None = None
    ) -> AsyncIterator[Event]:
        """Events from now on, after those of the history ``replay`` picks (in their order)."""
        queue: asyncio.Queue[Event] = asyncio.Queue()
        if replay is not None:
            for past in self.history:
                if replay(past):
                    queue.put_nowait(past)
        self._queues.append(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues.remove(queue)


# --- appended by the orchestrator ----------------------------------------------------------------


@dataclass(frozen=True)
class CartRecreated(Event):
    """The merchant no longer had our cart; a new one was built from the basket."""

    merchant: MerchantRef
    old_cart_id: str
    new_cart_id: str
    reason: str


@dataclass(frozen=True)
class QuestionRaised(Event):
    """The orchestrator needs the shopper to decide (``prompt`` says what)."""

    merchant: MerchantRef
    message: Message
    prompt: str
