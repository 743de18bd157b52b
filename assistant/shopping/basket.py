"""The basket: desired lines grouped by shop, synced to one cart per merchant with PUT semantics."""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import replace
from typing import Any

from assistant.domain import BasketLine, Cart, ErrorResponse, MerchantState
from assistant.errors import MerchantError
from assistant.events import CartRecreated, CartUpdated, DiscountRejected, MerchantFailed
from assistant.shopping import ledger
from assistant.shopping.context import TripContext
from assistant.shopping.resolve import Desired, rejected_discounts
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


def snapshot(desired: Desired) -> dict[str, Any]:
    """The JSON form of a merchant's desired state, compared to what was last sent."""
    return {"lines": [list(line) for line in desired.lines], "codes": list(desired.discount_codes)}


def _digest(wanted: dict[str, Any]) -> str:
    canonical = json.dumps(wanted, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def cart_request(desired: Desired) -> CartRequest:
    return CartRequest(
        line_items=[LineItemRequest(item_id=item, quantity=qty) for item, qty in desired.lines],
        discount_codes=list(desired.discount_codes) if desired.discount_codes else None,
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


def _lines(ctx: TripContext, domain: str) -> list[BasketLine]:
    """Every line of the merchant, ordered ones included (for the views)."""
    return [line for line in ctx.store.basket(ctx.session) if line.merchant.domain == domain]


async def sync_cart(ctx: TripContext, domain: str, *, force: bool = False) -> MerchantState:
    """Make the merchant's cart hold exactly the desired state; no call when nothing changed."""
    desired = ctx.desired(domain)
    client = ctx.clients[domain]
    row = ctx.store.cart(ctx.session, domain)
    lines = _lines(ctx, domain)
    if not desired.lines:
        if row is not None:
            # The cart expires on its own if this fails; ours is forgotten either way.
            with contextlib.suppress(MerchantError):
                await client.cancel_cart(row.cart_id)
            ctx.store.forget_cart(ctx.session, domain)
            ledger.back_to_basket(ctx, domain)
            lines = _lines(ctx, domain)
            state = ctx.update_state(
                domain, lines=lines, cart_id=None, status=None, checkout_id=None
            )
            ctx.emit(CartUpdated(state=state))
        return ctx.update_state(domain, lines=lines)
    if not client.supports(CART):
        # Checkout-only merchant: the basket goes straight into create_checkout's line items.
        return ctx.update_state(domain, lines=lines)
    wanted = snapshot(desired)
    if row is not None and row.synced == wanted and not force:
        return ctx.update_state(domain, lines=lines, cart_id=row.cart_id)
    request = cart_request(desired)
    create_scope = ctx.creation_scope(domain, "create_cart", _digest(wanted))
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
        return ctx.update_state(domain, lines=lines, failure=str(exc))
    if isinstance(answer, ErrorResponse):
        ctx.store.forget_idempotency_key(create_scope)  # a definitive answer: nothing to replay
        reason = describe(answer)
        ctx.emit(MerchantFailed(merchant=ctx.merchant(domain), operation="cart", reason=reason))
        return ctx.update_state(domain, lines=lines, failure=reason, messages=answer.messages)
    with ctx.store.transaction():
        if row is not None and row.cart_id != answer.id:
            ctx.store.forget_cart(ctx.session, domain)
        ctx.store.save_cart(ctx.session, domain, answer.id, wanted, answer.currency)
        ctx.store.forget_idempotency_key(create_scope)
        ledger.back_to_basket(ctx, domain)
    lines = _lines(ctx, domain)
    report_discounts(ctx, domain, answer.messages, list(desired.discount_codes))
    state = ctx.update_state(
        domain,
        lines=lines,
        cart_id=answer.id,
        currency=answer.currency,
        totals=answer.totals,
        messages=answer.messages,
        discount_codes=list(desired.discount_codes),
        status=None,  # the cart changed: any checkout must be resolved again
        failure=None,
    )
    ctx.emit(CartUpdated(state=state))
    return state
