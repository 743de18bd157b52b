"""A merchant's part of the trip (its cart or checkout, lines, totals, messages) and escalations."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from assistant.domain import (
    CANCELED,
    COMPLETE_IN_PROGRESS,
    COMPLETED,
    INCOMPLETE,
    READY_FOR_COMPLETE,
    REQUIRES_ESCALATION,
    BasketLine,
    Escalation,
    MerchantState,
    Message,
    Money,
)
from assistant.domain.destination import ADDRESS_CODES, place_label
from assistant.views.common import (
    DESCRIPTION_CHARS,
    TotalRow,
    clip,
    line_ref,
    message_for_script,
    messages_for_model,
    money_json,
    money_text,
    said,
    shown_totals,
    store_data,
    total_rows,
    totals_by_type,
)
from assistant.views.delivery import delivery_line
from assistant.views.order import OrderView

# The checkout status in the shopper's words (the TUI's badge).
STATUS_WORDS: Final[dict[str | None, str]] = {
    None: "cart",
    INCOMPLETE: "incomplete",
    REQUIRES_ESCALATION: "needs you",
    READY_FOR_COMPLETE: "ready",
    COMPLETE_IN_PROGRESS: "placing…",
    COMPLETED: "placed",
    CANCELED: "canceled",
}
UNAVAILABLE: Final = "unavailable"
CANNOT_DELIVER: Final = "Cannot deliver to "
IDLE: Final = "open"  # connected, nothing in the cart yet
_LINE_INDEX = re.compile(r"line_items\[(\d+)\]")


def line_price(line: BasketLine) -> str:
    """The line's price (unit price × quantity), or "" before a store has priced it."""
    if line.unit_price is None:
        return ""
    return Money(
        amount=line.unit_price.amount * line.quantity, currency=line.unit_price.currency
    ).format()


@dataclass(frozen=True)
class MerchantStateView:
    """One merchant's part of the trip, for the model, a script and the shopper."""

    state: MerchantState

    def for_model(self) -> dict[str, Any]:
        state = self.state
        entry: dict[str, Any] = {
            "store_id": state.merchant.domain,
            "status": state.status or ("cart" if state.lines else "empty"),
            "lines": [
                {
                    "ref": line_ref(line),
                    "quantity": line.quantity,
                    "unit_price": money_text(line.unit_price),
                    **({"stage": line.stage} if line.stage != "basket" else {}),
                    **({"order_id": line.order_id} if line.order_id else {}),
                    **({"buying_again": True} if line.again else {}),
                    "merchant_data": {"title": line.title},
                }
                for line in state.lines
            ],
        }
        if state.totals:
            entry["totals"] = totals_by_type(state.totals, state.currency)
        if state.discount_codes:
            entry["discount_codes"] = state.discount_codes
        if state.order is not None:
            entry["order"] = OrderView(state.order).for_model()
        merchant_data = store_data(state.merchant, continue_url=state.continue_url)
        if state.pickup is not None:
            entry["collecting_at_location_id"] = state.pickup.id
            merchant_data["pickup_at"] = clip(state.pickup.place_label(), DESCRIPTION_CHARS)
        if state.delivery is not None:  # the store's echo of the shopper's address
            merchant_data["delivering_to"] = clip(place_label(state.delivery), DESCRIPTION_CHARS)
        if state.messages:
            merchant_data["messages"] = messages_for_model(state.messages)
        if state.failure:
            merchant_data["failure"] = clip(state.failure, DESCRIPTION_CHARS)
        if state.questions:
            merchant_data["questions_for_the_shopper"] = [
                clip(question, DESCRIPTION_CHARS) for question in state.questions
            ]
        entry["merchant_data"] = merchant_data
        return entry

    def for_script(self) -> dict[str, Any]:
        state = self.state
        currency = state.currency
        return {
            "store": state.merchant.name,
            "domain": state.merchant.domain,
            "cart_id": state.cart_id,
            "checkout_id": state.checkout_id,
            "status": state.status,
            "lines": [
                {
                    "variant_id": line.variant_id,
                    "title": line.title,
                    "quantity": line.quantity,
                    "stage": line.stage,
                    "order_id": line.order_id,
                    "again": line.again,
                }
                for line in state.lines
            ],
            "totals": [
                {"type": total.type, **money_json(total.amount, currency)} for total in state.totals
            ],
            "messages": [message_for_script(m) for m in state.messages],
            "continue_url": state.continue_url,
            "discount_codes": list(state.discount_codes),
            "order": OrderView(state.order).for_script(False) if state.order else None,
            "failure": state.failure,
            "questions": list(state.questions),
            "pickup": _pickup_json(state),
            "delivery": _delivery_json(state),
        }

    @property
    def has_something(self) -> bool:
        """Lines in its basket or an order: worth a paragraph in a reply."""
        return bool(self.state.lines) or self.state.order is not None

    @property
    def total(self) -> str | None:
        """The grand total as displayed, once the store has sent one."""
        return totals_by_type(self.state.totals, self.state.currency).get("total")

    def lines(self) -> list[str]:
        """The shopper's paragraph: status, item count and total, each line, codes, what the
        store says, what only the shopper can do, the order (empty with nothing to say)."""
        state = self.state
        if not self.has_something:
            return []
        count = sum(line.quantity for line in state.lines)
        status = self.status_word()  # the card's badge: "placed", not the checkout's "completed"
        head = f"{said(state.merchant.name)}: {status} — {count} item{'s' if count != 1 else ''}"
        out = [head + (f" — total {self.total}" if self.total else "")]
        for line in state.lines:
            price = f" @ {line.unit_price.format()}" if line.unit_price else ""
            out.append(f"    {line.quantity} × {said(line.title)}{price}")
        for place in (self.pickup_line(), self.delivery_line()):
            if place is not None:
                out.append(f"    {place}")
        for total in shown_totals(state.totals):  # "how much is shipping?" is answered here
            if total.type == "fulfillment" and state.currency:
                cost = Money(amount=total.amount, currency=state.currency).format()
                out.append(f"    {said(total.label)} — {cost}")
        if state.discount_codes:
            out.append(f"    codes: {', '.join(said(code) for code in state.discount_codes)}")
        for message in state.messages:
            out.append(f"    ! {said(clip(message.content, DESCRIPTION_CHARS))}")
        for question in state.questions:
            out.append(f"    ? {said(clip(question, DESCRIPTION_CHARS))}")
        if state.failure:
            out.append(f"    ! {said(clip(state.failure, DESCRIPTION_CHARS))}")
        if state.continue_url and state.status == REQUIRES_ESCALATION:
            out.append(f"    → needs you: {said(state.continue_url)}")
        if state.order is not None:
            out.append(f"    {OrderView(state.order).placed()}")
        return out

    # --- the shop card's parts (the TUI styles them) ---------------------------------------------

    def pickup_line(self) -> str | None:
        """``Pickup at Petal & Stem — Rockridge, 5610 College Ave, Oakland`` (None: delivery)."""
        if self.state.pickup is None:
            return None
        return "Pickup at " + said(clip(self.state.pickup.place_label(), DESCRIPTION_CHARS))

    def delivery_line(self) -> str | None:
        """``Deliver to 8 Rue de Rivoli, Paris, 75004, FR`` (``Cannot deliver to …`` when the
        store refuses it; None: no destination yet, or a pickup)."""
        if self.state.delivery is None:
            return None
        if self.delivery_refused:
            return CANNOT_DELIVER + said(clip(place_label(self.state.delivery), DESCRIPTION_CHARS))
        return delivery_line(place_label(self.state.delivery))

    @property
    def delivery_refused(self) -> bool:
        """The store said it cannot deliver to the checkout's destination."""
        return any(m.is_error and m.code in ADDRESS_CODES for m in self.state.messages)

    def status_word(self) -> str:
        """Where the shop stands, in one or two words: the card's badge."""
        state = self.state
        if state.failure:
            return UNAVAILABLE
        if state.order is not None and all(line.ordered for line in state.lines):
            return STATUS_WORDS[COMPLETED]
        if state.status is None and not state.lines:
            return IDLE
        return STATUS_WORDS.get(state.status, state.status or "cart")

    def total_rows(self) -> list[TotalRow]:
        """Every totals line the card shows (none before the store sent a currency)."""
        if not self.state.currency:
            return []
        return total_rows(self.state.totals, self.state.currency)

    @property
    def is_idle(self) -> bool:
        """Connected, nothing bought or carted here yet: a one-line card."""
        return self.status_word() == IDLE and not self.state.messages

    def warnings_by_line(self) -> tuple[dict[int, list[Message]], list[Message]]:
        """Warnings (disclosures included) by the line index their ``path`` names; the rest
        apply to the whole order."""
        by_line: dict[int, list[Message]] = {}
        general: list[Message] = []
        for message in self.state.messages:
            if message.type != "warning":
                continue
            match = _LINE_INDEX.search(message.path or "")
            if match and int(match.group(1)) < len(self.state.lines):
                by_line.setdefault(int(match.group(1)), []).append(message)
            else:
                general.append(message)
        return by_line, general


def _pickup_json(state: MerchantState) -> dict[str, Any] | None:
    """Where the checkout collects, as the store described it (None: delivery)."""
    if state.pickup is None:
        return None
    pickup = state.pickup
    address = pickup.address.model_dump(exclude_none=True) if pickup.address else None
    return {"location_id": pickup.id, "name": pickup.name, "address": address}


def _delivery_json(state: MerchantState) -> dict[str, Any] | None:
    """Where the checkout delivers: the place as one line and its parts (None: not yet, or a
    pickup)."""
    if state.delivery is None:
        return None
    address = state.delivery.model_dump(exclude_none=True)
    return {"label": place_label(state.delivery), "address": address}


def stores_text(states: Sequence[MerchantState]) -> str:
    """Every shop with something in it, one paragraph each."""
    paragraphs = [MerchantStateView(state).lines() for state in states]
    lines = [line for paragraph in paragraphs for line in paragraph]
    return "\n".join(lines) if lines else "The basket is empty."


def basket_text(lines: Sequence[BasketLine]) -> str:
    """The basket's lines alone (before any store has answered for them)."""
    if not lines:
        return "The basket is empty."
    return "\n".join(
        f"  {line_ref(line)}. {line.quantity} × {said(line.title)} — {said(line.merchant.name)}"
        for line in lines
    )


@dataclass(frozen=True)
class EscalationView:
    """Something only the shopper can do, on the merchant's own page."""

    escalation: Escalation

    def for_model(self) -> dict[str, Any]:
        escalation = self.escalation
        return {
            "id": escalation.id,
            "store_id": escalation.merchant.domain,
            "state": escalation.state,
            "merchant_data": {
                **store_data(escalation.merchant, continue_url=escalation.continue_url),
                "messages": messages_for_model(escalation.messages),
                "disclosures": messages_for_model(escalation.disclosures),
            },
        }

    def for_script(self) -> dict[str, Any]:
        escalation = self.escalation
        return {
            "id": escalation.id,
            "store": escalation.merchant.name,
            "domain": escalation.merchant.domain,
            "checkout_id": escalation.checkout_id,
            "continue_url": escalation.continue_url,
            "state": escalation.state,
            "messages": [message_for_script(m) for m in escalation.messages],
            "disclosures": [message_for_script(m) for m in escalation.disclosures],
        }

    def reasons(self) -> list[str]:
        """Why the store needs the shopper, in its words (its code when it wrote none)."""
        said_by_store = [
            said(clip(m.content or m.code or "", DESCRIPTION_CHARS))
            for m in self.escalation.messages
        ]
        return [reason for reason in said_by_store if reason] or ["the store needs you"]

    def disclosures(self) -> list[str]:
        return [said(clip(m.content, DESCRIPTION_CHARS)) for m in self.escalation.disclosures]

    def lines(self) -> list[str]:
        escalation = self.escalation
        return [
            f"  {said(escalation.merchant.name)}: {'; '.join(self.reasons())}",
            f"    → {said(escalation.continue_url)}",
        ]


def waiting_for_yes(states: Sequence[MerchantState]) -> list[MerchantState]:
    """The stores whose checkout waits only for the shopper's yes: ready, and not yet bought."""
    return [s for s in states if s.status == "ready_for_complete" and s.order is None]


def ready_to_buy(states: Sequence[MerchantState]) -> str:
    """Which stores are ready to buy, as a sentence ("" when none is)."""
    names = [said(state.merchant.name) for state in waiting_for_yes(states)]
    if not names:
        return ""
    if len(names) == 1:
        return f"{names[0]} is ready to buy."
    return f"{', '.join(names[:-1])} and {names[-1]} are ready to buy."


def escalations_text(
    escalations: Sequence[Escalation], states: Sequence[MerchantState] = ()
) -> str:
    """What is open, each with its store's reason and link, or that nothing needs the shopper;
    then which stores are ready to buy (back from a store's page, paying is what is left)."""
    open_ones = [e for e in escalations if e.state == "open"]
    lines = [] if open_ones else ["Nothing needs you right now."]
    if open_ones:
        count = len(open_ones)
        lines.append(f"{count} thing needs you:" if count == 1 else f"{count} things need you:")
    for escalation in open_ones:
        lines += EscalationView(escalation).lines()
    if open_ones:
        lines.append('Say "back" when you are done there.')
    if ready := ready_to_buy(states):
        lines.append(f'{ready} Say "buy" to review the totals and approve the payment.')
    return "\n".join(lines)
