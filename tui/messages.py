"""Textual messages the app's workers post; ``@on`` handlers turn them into widget state."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual.message import Message

from assistant.domain import Approval, Escalation, OrderRecord, PurchaseSummary
from assistant.domain.accounts import StoreAccount
from assistant.events import Event

if TYPE_CHECKING:
    from tui.session import Session


class SessionOpened(Message):
    """The trip is open (stores discovered); the shopper may type."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session


class CoreEventArrived(Message):
    """One event from ``trip.bus``, relayed by the single bus-consuming worker."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class ReplyFinished(Message):
    """A shopper turn is answered; ``streamed`` replies arrive (and settle) through the bus."""

    def __init__(self, reply: str, *, streamed: bool) -> None:
        super().__init__()
        self.reply = reply
        self.streamed = streamed


class WorkFailed(Message):
    """A worker failed; ``title``/``text`` are what the shopper reads (never a traceback)."""

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title = title
        self.text = text


class WorkStarted(Message):
    """A worker began something slow (shows the spinner)."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label


class WorkEnded(Message):
    """The slow thing is over (hides the spinner)."""


class ConfirmRequested(Message):
    """The core wants the shopper's yes before charging; answer by resolving ``answer``."""

    def __init__(self, summary: PurchaseSummary, answer: asyncio.Future[Approval]) -> None:
        super().__init__()
        self.summary = summary
        self.answer = answer


class EscalationsChecked(Message):
    """A fresh escalation list, after "I'm back" or (``by_timer``) an automatic re-check."""

    def __init__(self, escalations: list[Escalation], *, by_timer: bool = False) -> None:
        super().__init__()
        self.escalations = escalations
        self.by_timer = by_timer


class OrdersLoaded(Message):
    """The trip's orders, as ``Trip.orders()`` returned them."""

    def __init__(
        self, orders: list[OrderRecord], history: list[StoreAccount] | None = None
    ) -> None:
        super().__init__()
        self.orders = orders
        self.history = history or []  # the stores' own records, for linked accounts
