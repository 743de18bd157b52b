"""Carts: a lightweight basket with estimated totals; no payment, no status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from merchants.business.discounts import evaluate_discounts
from merchants.business.env import Env
from merchants.business.fulfillment import iso
from merchants.business.lines import Line, line_messages, render_line, resolve_lines
from merchants.business.pricing import Breakdown
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


def new_cart_state(cart_id: str, now: datetime) -> dict[str, Any]:
    return {
        "id": cart_id,
        "expires_at": iso(now + CART_TTL),
        "expires": (now + CART_TTL).timestamp(),
        "lines": [],
        "next_line": 1,
        "notices": [],
    }


def apply_cart_input(state: dict[str, Any], given: CartInput, env: Env) -> None:
    """Full replacement (PUT semantics)."""
    previous = [Line(*raw) for raw in state["lines"]]
    lines, next_line, notices = resolve_lines(
        given.lines, previous, state["next_line"], env.catalog, env.spec.max_quantity
    )
    state["lines"] = [[ln.id, ln.variant_id, ln.quantity] for ln in lines]
    state["next_line"] = next_line
    state["notices"] = notices
    state["buyer"] = given.buyer
    state["context"] = given.context
    state["signals"] = given.signals
    state["attribution"] = given.attribution
    state["discount_codes"] = given.discount_codes


def render_cart(state: dict[str, Any], env: Env) -> dict[str, Any]:
    """The cart as UCP shows it (without the ``ucp`` block); totals are estimates."""
    lines = [Line(*raw) for raw in state["lines"]]
    line_items = [render_line(line, env.catalog) for line in lines]
    subtotal = sum(item["totals"][0]["amount"] for item in line_items)
    discounts = evaluate_discounts(state.get("discount_codes"), env.spec, subtotal)
    breakdown = Breakdown(
        subtotal=subtotal, discount=discounts.amount, discount_label=discounts.label
    )
    messages = list(state["notices"]) + line_messages(lines, env.catalog) + discounts.messages
    body: dict[str, Any] = {"id": state["id"], "line_items": line_items}
    for name in ("buyer", "context", "signals", "attribution"):
        if state.get(name) is not None:
            body[name] = state[name]
    body["currency"] = env.spec.currency
    body["totals"] = breakdown.to_wire()
    if messages:
        body["messages"] = messages
    body["links"] = env.links()
    body["continue_url"] = f"{env.base_url}/cart/{state['id']}"
    body["expires_at"] = state["expires_at"]
    if state.get("discount_codes") is not None or discounts.applied:
        body["discounts"] = {
            "codes": list(state.get("discount_codes") or []),
            "applied": discounts.applied,
        }
    return body
