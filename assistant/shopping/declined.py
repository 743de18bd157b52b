"""A card declined on the store's page (or on our completion): back in the inbox as 'card declined
— try another card or pay on the page', and paid again only after the shopper's yes."""

from __future__ import annotations

from typing import Final

from assistant.domain import (
    INCOMPLETE,
    READY_FOR_COMPLETE,
    REQUIRES_BUYER_INPUT,
    Checkout,
    Escalation,
    Message,
)
from assistant.shopping.context import TripContext
from assistant.shopping.outcomes import raise_escalation

PAYMENT_FAILED: Final = "payment_failed"  # UCP's standard code for a declined payment
CARD_DECLINED: Final = "card_declined"
CARD_DECLINED_TEXT: Final = (
    "card declined — try another card or pay on the page: buy again here (Pannier shows you "
    "the total and asks first), or open the store's page and pay there"
)


def declined_card_only(checkout: Checkout) -> bool:
    """An incomplete checkout held back only by a declined payment (UCP's recoverable
    ``payment_failed``): completing it again, with a card, is how it is fixed."""
    errors = [m for m in checkout.messages if m.is_error]
    return (
        checkout.status == INCOMPLETE
        and bool(errors)
        and all(m.code == PAYMENT_FAILED for m in errors)
    )


def payable(checkout: Checkout) -> bool:
    """Whether this answer may be completed: ready, or held back only by a declined card."""
    return checkout.status == READY_FOR_COMPLETE or declined_card_only(checkout)


def card_declined_before(ctx: TripContext, domain: str, checkout_id: str) -> bool:
    """Whether the inbox says this checkout's card was declined (so buying again retries it)."""
    return any(
        e.checkout_id == checkout_id and any(m.code == CARD_DECLINED for m in e.messages)
        for e in ctx.state.escalations(state="open")
        if e.merchant.domain == domain
    )


def card_declined(
    ctx: TripContext, domain: str, checkout: Checkout, *, failure: str | None = None
) -> Escalation:
    """The inbox entry for a card declined on the page: try another card here, or the page."""
    declined = Message(
        type="error",
        code=CARD_DECLINED,
        severity=REQUIRES_BUYER_INPUT,
        path="$.payment",
        content=CARD_DECLINED_TEXT,
    )
    raise_escalation(ctx, domain, checkout, [declined])
    ctx.state.note(
        domain,
        messages=checkout.messages,
        totals=checkout.totals,
        failure=failure,
        questions=[],
    )
    return next(e for e in ctx.state.escalations(state="open") if e.checkout_id == checkout.id)
