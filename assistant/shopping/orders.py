"""Orders: recorded once when a checkout completes, then updated by what the merchant says.

A merchant's word on an order (a verified webhook, or a ``get_order`` answer) is merged into its
record here, and only here: this trip's orders through ``TripState`` (so the trip's view and the
database never disagree), another session's order of ours, asked for by its id, in the store.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Final

from assistant.domain import (
    ORDER_PROCESSING,
    Checkout,
    ErrorResponse,
    MerchantRef,
    Order,
    OrderRecord,
    order_status,
    timeline_of,
)
from assistant.errors import MerchantError
from assistant.events import EscalationCleared, MerchantFailed, OrderPlaced, OrderUpdated
from assistant.shopping import ledger
from assistant.shopping.context import TripContext
from assistant.shopping.outcomes import page_url
from assistant.store import CheckoutRow

ORDER: Final = "order"
HEARD_RECENTLY_S: Final = 60.0  # an order a verified webhook updated this recently is not polled
UNKNOWN_FATE: Final = (
    "a payment here was interrupted and the store does not answer ({}); whether it went "
    "through is not known yet: Pannier asks again when you say you are back, and never pays twice"
)


async def settle_interrupted(ctx: TripContext, domain: str, row: CheckoutRow) -> None:
    """Learn from the store what became of a completion cut off before its answer was saved.

    An unreachable store leaves the checkout in progress, with the reason as the shop's failure;
    the next re-check (or the next start) asks again.
    """
    try:
        answer = await ctx.clients[domain].get_checkout(row.id)
    except MerchantError as exc:
        merchant = ctx.merchant(domain)
        ctx.emit(MerchantFailed(merchant=merchant, operation=exc.operation, reason=exc.detail))
        ctx.state.note(domain, failure=UNKNOWN_FATE.format(exc.detail))
        return
    if isinstance(answer, ErrorResponse):
        return
    ctx.state.save_checkout(domain, answer, row.cart_id)
    ctx.state.note(domain, failure=None)
    if answer.order is not None:
        record_order(ctx, domain, answer)


def record_order(ctx: TripContext, domain: str, checkout: Checkout) -> OrderRecord | None:
    """Remember a completed checkout's order once, and say so once."""
    if checkout.order is None:
        return None
    order = OrderRecord(
        merchant=ctx.merchant(domain),
        order_id=checkout.order.id,
        checkout_id=checkout.id,
        permalink_url=page_url(ctx, domain, checkout.order.permalink_url),
        total=checkout.total(),
        status=ORDER_PROCESSING,  # what get_order will say until something ships
    )
    settled = [
        replace(escalation, state="resolved")
        for escalation in ctx.state.escalations(state="open")
        if escalation.checkout_id == checkout.id
    ]
    placed_now = ctx.state.save_order(order)
    ledger.mark_ordered(ctx, domain, checkout, order.order_id)
    # The cart became this order: a later line at this shop starts a new cart.
    ctx.state.forget_cart(domain)
    for escalation in settled:
        ctx.state.save_escalation(escalation)
    ctx.state.note(domain, questions=[])
    if placed_now:
        ctx.emit(OrderPlaced(order=order))
    for escalation in settled:
        ctx.emit(EscalationCleared(escalation=escalation))
    return order


async def refreshed_orders(ctx: TripContext, order_id: str | None = None) -> list[OrderRecord]:
    """Orders of this session (or one by id, of any session), refreshed from the merchants."""
    if order_id is None:
        records = ctx.state.orders()
    else:
        records = [_ours(ctx, r) for r in ctx.store.orders(order_id=order_id)]
    return list(await asyncio.gather(*(_refresh(ctx, r) for r in records)))


async def order_heard(ctx: TripContext, merchant: MerchantRef, order: Order) -> OrderRecord | None:
    """A verified webhook's order: merged into our record of it, or None when it is not ours."""
    records = [
        r for r in ctx.store.orders(order_id=order.id) if r.merchant.domain == merchant.domain
    ]
    if not records:
        return None
    return await _merged(ctx, _ours(ctx, records[0]), order, heard_at=time.time())


def _ours(ctx: TripContext, record: OrderRecord) -> OrderRecord:
    """The trip's own copy of ``record`` when it is one of this trip's orders."""
    same = (record.merchant.domain, record.order_id)
    return next((o for o in ctx.state.orders() if (o.merchant.domain, o.order_id) == same), record)


async def _merged(
    ctx: TripContext, record: OrderRecord, answer: Order, *, heard_at: float | None = None
) -> OrderRecord:
    fresh = replace(
        record,
        permalink_url=page_url(ctx, record.merchant.domain, answer.permalink_url)
        or record.permalink_url,
        total=answer.total() or record.total,
        status=order_status(answer, record.status),
        timeline=timeline_of(answer) or record.timeline,
        heard_at=heard_at if heard_at is not None else record.heard_at,
    )
    if fresh == record:
        return record  # nothing new: nothing to write
    mine = {(o.merchant.domain, o.order_id) for o in ctx.state.orders()}
    if (fresh.merchant.domain, fresh.order_id) in mine:
        ctx.state.save_order(fresh)
        await ctx.state.flush()
    else:
        ctx.store.save_order(ctx.session, fresh)  # another session's order, asked for by its id
    return fresh


async def poll_order(ctx: TripContext, record: OrderRecord) -> OrderRecord | None:
    """Ask the store about one of this trip's orders; the record, published as ``OrderUpdated``,
    when the store said something new (None when it said nothing new or could not answer)."""
    try:
        answer = await ctx.clients[record.merchant.domain].get_order(record.order_id)
    except MerchantError:
        return None
    if isinstance(answer, ErrorResponse):
        return None
    fresh = await _merged(ctx, record, answer)
    if (fresh.status, fresh.timeline) == (record.status, record.timeline):
        return None
    ctx.emit(OrderUpdated(order=fresh))
    return fresh


async def _refresh(ctx: TripContext, record: OrderRecord) -> OrderRecord:
    client = ctx.clients.get(record.merchant.domain)
    if client is None or not client.supports(ORDER):
        return record  # without the order capability, the order is what complete said
    if record.heard_at is not None and time.time() - record.heard_at < HEARD_RECENTLY_S:
        return record  # a verified webhook told us lately; no need to ask
    try:
        answer = await client.get_order(record.order_id)
    except MerchantError:
        return record
    if isinstance(answer, ErrorResponse):
        return record
    return await _merged(ctx, record, answer)
