"""Carts: a lightweight basket with estimated totals; no payment, no status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from merchants.business.baskets import body_head, discounts_member, price
from merchants.business.env import Env
from merchants.business.fulfillment import iso
from merchants.business.lines import resolve_lines
from merchants.business.pricing import Breakdown
from merchants.business.state import CartState
from merchants.business.validation import (
    RequestedLine,
    parse_attribution,
    parse_buyer,
    parse_context,
    parse_discount_codes,
    parse_line_items,
    parse_signals,
)

CART_TTL = timedelta(days=7)


@dataclass(frozen=True)
class CartInput:
    """A create/update cart request, shape-checked."""

    lines: list[RequestedLine]
    buyer: dict[str, Any] | None
    context: dict[str, Any] | None
    signals: dict[str, Any] | None
    attribution: dict[str, Any] | None
    discount_codes: list[str] | None


def parse_cart_input(raw: dict[str, Any], prefix: str) -> CartInput:
    """Validate a cart request; ``line_items`` is required on create and update."""
    lines = parse_line_items(raw.get("line_items"), f"{prefix}.line_items", required=True)
    assert lines is not None
    return CartInput(
        lines=lines,
        buyer=parse_buyer(raw.get("buyer"), f"{prefix}.buyer"),
        context=parse_context(raw.get("context"), f"{prefix}.context"),
        signals=parse_signals(raw.get("signals"), f"{prefix}.signals"),
        attribution=parse_attribution(raw.get("attribution"), f"{prefix}.attribution"),
        discount_codes=parse_discount_codes(raw.get("discounts"), f"{prefix}.discounts"),
    )


def new_cart_state(cart_id: str, now: datetime) -> CartState:
    return CartState(
        id=cart_id, expires_at=iso(now + CART_TTL), expires=(now + CART_TTL).timestamp()
    )


def apply_cart_input(state: CartState, given: CartInput, env: Env) -> None:
    """Full replacement (PUT semantics)."""
    state.lines, state.next_line, state.notices = resolve_lines(
        given.lines, state.lines, state.next_line, env.catalog, env.spec.max_quantity
    )
    state.buyer = given.buyer
    state.context = given.context
    state.signals = given.signals
    state.attribution = given.attribution
    state.discount_codes = given.discount_codes


def render_cart(state: CartState, env: Env) -> dict[str, Any]:
    """The cart as UCP shows it (without the ``ucp`` block); totals are estimates."""
    priced = price(state, env)
    discounts = priced.discounts
    breakdown = Breakdown(
        subtotal=priced.subtotal, discount=discounts.amount, discount_label=discounts.label
    )
    messages = state.notices + priced.line_messages + discounts.messages
    body = body_head(state, priced)
    body["currency"] = env.spec.currency
    body["totals"] = breakdown.to_wire()
    if messages:
        body["messages"] = messages
    body["links"] = env.links()
    body["continue_url"] = f"{env.base_url}/cart/{state.id}"
    body["expires_at"] = state.expires_at
    if (member := discounts_member(state, priced)) is not None:
        body["discounts"] = member
    return body
