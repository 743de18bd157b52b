"""The basket: what is wanted of each shop, synced to one cart per merchant with PUT semantics.

The words lines, wanted, snapshot and synced mean what ``assistant/shopping/state.py`` says.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import replace
from typing import Any

from assistant.domain import BasketLine, Cart, ErrorResponse, MerchantState
from assistant.domain.choices import MerchantOutcome
from assistant.errors import MerchantError
from assistant.events import CartRecreated, CartUpdated, DiscountRejected, MerchantFailed
from assistant.shopping import ledger
from assistant.shopping.context import TripContext
from assistant.shopping.resolve import rejected_discounts
from assistant.shopping.state import Wanted
from assistant.ucp.requests import CartRequest, LineItemRequest

CART = "cart"
NOT_FOUND_CODES = frozenset(
    {"not_found", "cart_not_found", "invalid_cart_id", "checkout_not_found"}
)


def merge_lines(lines: list[BasketLine]) -> list[BasketLine]:
    """One line per (merchant, variant): a repeated variant's quantities add up."""
    merged: dict[tuple[str, str], BasketLine] = {}
    for line in lines:
        key = (line.merchant.domain, line.variant_id)
        if key in merged:
            previous = merged[key]
            merged[key] = replace(
                previous,
                quantity=previous.quantity + line.quantity,
                again=previous.again or line.again,
            )
        else:
            merged[key] = line
    return [line for line in merged.values() if line.quantity > 0]


def digest(snapshot: dict[str, Any]) -> str:
    """A short stable name for a snapshot (an idempotency scope's detail)."""
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def cart_request(wanted: Wanted) -> CartRequest:
    return CartRequest(
        line_items=[LineItemRequest(item_id=item, quantity=qty) for item, qty in wanted.lines],
        discount_codes=list(wanted.discount_codes) if wanted.discount_codes else None,
    )


def is_not_found(answer: ErrorResponse) -> bool:
    return any((m.code or "") in NOT_FOUND_CODES for m in answer.messages)


def describe(answer: ErrorResponse) -> str:
    return "; ".join(m.content or m.code or "error" for m in answer.messages) or "error"


def report_discounts(ctx: TripContext, domain: str, messages: Any, codes: list[str]) -> None:
    """A DiscountRejected event per code the store turned down (once per reason)."""
    for code, reason in rejected_discounts(messages, codes):
        key = (domain, code, reason)
        if key in ctx.reported_discounts:
            continue
        ctx.reported_discounts.add(key)
        ctx.emit(DiscountRejected(merchant=ctx.merchant(domain), code=code, reason=reason))


async def sync_cart(ctx: TripContext, domain: str, *, force: bool = False) -> MerchantState:
    """Make the merchant's cart hold exactly what is wanted; no call when nothing changed."""
    state = ctx.state
    wanted = state.wanted(domain)
    client = ctx.clients[domain]
    row = state.cart(domain)
    if not wanted.lines:
        if row is not None:
            # The cart expires on its own if this fails; ours is forgotten either way.
            with contextlib.suppress(MerchantError):
                await client.cancel_cart(row.cart_id)
            state.forget_cart(domain)
            ledger.back_to_basket(ctx, domain)
            if state.lines_of(domain):  # its orders stay, with what the store last said
                state.note(domain, resolve_again=True)
            else:  # nothing here any more: its last totals read as a total still to pay
                state.set_outcome(domain, MerchantOutcome(resolve_again=True))
            ctx.emit(CartUpdated(state=state.view(domain)))
        return state.view(domain)
    if not client.supports(CART):
        # Checkout-only merchant: the basket goes straight into create_checkout's line items.
        return state.view(domain)
    snapshot = wanted.snapshot()
    if row is not None and row.synced == snapshot and not force:
        return state.view(domain)
    request = cart_request(wanted)
    create_scope = ctx.creation_scope(domain, "create_cart", digest(snapshot))
    try:
        if row is None:
            answer = await client.create_cart(request, idempotency_scope=create_scope)
        else:
            answer = await client.update_cart(row.cart_id, request)
            if isinstance(answer, ErrorResponse) and is_not_found(answer):
                answer = await client.create_cart(request, idempotency_scope=create_scope)
                if isinstance(answer, Cart):
                    ctx.emit(
                        CartRecreated(
                            merchant=ctx.merchant(domain),
                            old_cart_id=row.cart_id,
                            new_cart_id=answer.id,
                            reason="the store no longer had our cart; rebuilt it from the basket",
                        )
                    )
    except MerchantError as exc:
        ctx.emit(
            MerchantFailed(
                merchant=ctx.merchant(domain), operation=exc.operation, reason=exc.detail
            )
        )
        state.note(domain, failure=str(exc))
        return state.view(domain)
    if isinstance(answer, ErrorResponse):
        ctx.store.forget_idempotency_key(create_scope)  # a definitive answer: nothing to replay
        reason = describe(answer)
        ctx.emit(MerchantFailed(merchant=ctx.merchant(domain), operation="cart", reason=reason))
        state.note(domain, failure=reason, messages=answer.messages)
        return state.view(domain)
    if row is not None and row.cart_id != answer.id:
        state.forget_cart(domain)
    state.save_cart(domain, answer.id, snapshot, answer.currency)
    state.forget_key(create_scope)
    ledger.back_to_basket(ctx, domain)
    state.note(
        domain,
        currency=answer.currency,
        totals=answer.totals,
        messages=answer.messages,
        failure=None,
        resolve_again=True,  # the cart changed: any checkout must be resolved again
    )
    report_discounts(ctx, domain, answer.messages, list(wanted.discount_codes))
    view = state.view(domain)
    ctx.emit(CartUpdated(state=view))
    return view
