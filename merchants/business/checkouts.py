"""Checkout sessions: PUT-style updates, the status rules, and the checkout body.

State is a ``CheckoutState`` (what the platform told us, resolved); the body is recomputed from
it on every write. Status rules: any recoverable error → ``incomplete``; otherwise a pending 3-D
Secure challenge or an item needing the buyer (size, age) → ``requires_escalation``; otherwise
``ready_for_complete``. Payment is only needed by ``complete_checkout``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from merchants.business.baskets import body_head, discounts_member, price
from merchants.business.env import Env
from merchants.business.fulfillment import (
    FulfillmentOutcome,
    evaluate_fulfillment,
    free_shipping_messages,
    iso,
    parse_fulfillment,
)
from merchants.business.lines import error, line_messages, resolve_lines
from merchants.business.payments import parse_payment, without_credentials
from merchants.business.pricing import Breakdown, basis_points_of
from merchants.business.state import Basket, CheckoutState, Line, Message
from merchants.business.validation import (
    RequestedLine,
    parse_attribution,
    parse_buyer,
    parse_context,
    parse_discount_codes,
    parse_line_items,
    parse_signals,
)

CHECKOUT_TTL = timedelta(hours=6)
TERMINAL = frozenset({"completed", "canceled"})
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass(frozen=True)
class CheckoutInput:
    """A create/update request, shape-checked (PUT: None means absent, hence removed)."""

    lines: list[RequestedLine] | None
    buyer: dict[str, Any] | None
    context: dict[str, Any] | None
    signals: dict[str, Any] | None
    attribution: dict[str, Any] | None
    fulfillment: list[dict[str, Any]] | None
    discount_codes: list[str] | None
    payment: list[dict[str, Any]] | None


def parse_checkout_input(raw: dict[str, Any], prefix: str, require_lines: bool) -> CheckoutInput:
    """Validate every field before anything is written."""
    return CheckoutInput(
        lines=parse_line_items(raw.get("line_items"), f"{prefix}.line_items", require_lines),
        buyer=parse_buyer(raw.get("buyer"), f"{prefix}.buyer"),
        context=parse_context(raw.get("context"), f"{prefix}.context"),
        signals=parse_signals(raw.get("signals"), f"{prefix}.signals"),
        attribution=parse_attribution(raw.get("attribution"), f"{prefix}.attribution"),
        fulfillment=parse_fulfillment(raw.get("fulfillment"), f"{prefix}.fulfillment"),
        discount_codes=parse_discount_codes(raw.get("discounts"), f"{prefix}.discounts"),
        payment=parse_payment(raw.get("payment"), f"{prefix}.payment"),
    )


def new_state(checkout_id: str, now: datetime, cart_id: str | None) -> CheckoutState:
    """A fresh, empty checkout state."""
    return CheckoutState(
        id=checkout_id,
        created_at=iso(now),
        expires_at=iso(now + CHECKOUT_TTL),
        expires=(now + CHECKOUT_TTL).timestamp(),
        cart_id=cart_id,
    )


def apply_input(state: CheckoutState, given: CheckoutInput, env: Env) -> None:
    """Full replacement of the writable fields (PUT semantics); line ids are kept when reused."""
    notices: list[Message] = []
    if given.lines is not None:
        state.lines, state.next_line, notices = resolve_lines(
            given.lines, state.lines, state.next_line, env.catalog, env.spec.max_quantity
        )
    state.buyer = given.buyer
    state.context = given.context
    state.signals = given.signals
    state.attribution = given.attribution
    state.fulfillment = given.fulfillment
    state.discount_codes = given.discount_codes
    state.payment = without_credentials(given.payment) if given.payment else None
    state.notices = notices
    state.pending_3ds = None


def take_from_cart(state: CheckoutState, cart: Basket) -> None:
    """Cart wins: its lines, and its buyer, context and codes where the cart has them."""
    state.lines = list(cart.lines)
    state.next_line = max(state.next_line, cart.next_line)
    state.notices = [n for n in state.notices if not n["path"].startswith("$.line")]
    if cart.buyer is not None:
        state.buyer = cart.buyer
    if cart.context is not None:
        state.context = cart.context
    if cart.discount_codes is not None:
        state.discount_codes = cart.discount_codes


def nothing_purchasable(state: CheckoutState, env: Env) -> dict[str, Any] | None:
    """The no-resource outcome when items were asked for and none of them can be bought."""
    lines = state.lines
    dropped = [n for n in state.notices if n["code"] == "item_unavailable"]
    if not lines and not dropped:
        return None  # nothing was asked for: an empty checkout says "add at least one item"
    sold_out = [m for m in line_messages(lines, env.catalog) if m["code"] == "out_of_stock"]
    if len(sold_out) < len(lines):
        return None
    messages = [
        {"type": "error", "code": m["code"], "content": m["content"], "severity": "unrecoverable"}
        for m in dropped + sold_out
    ]
    return {"messages": messages, "continue_url": f"{env.base_url}/"}


def buyer_messages(state: CheckoutState, env: Env, method_type: str | None) -> list[Message]:
    """Missing or malformed contact details."""
    buyer = state.buyer or {}
    messages = []
    email = (buyer.get("email") or "").strip()
    if not email:
        messages.append(error("missing", "$.buyer.email", "An email address is required."))
    elif not EMAIL.match(email):
        messages.append(error("invalid_email", "$.buyer.email", f"{email!r} is not an email."))
    if env.spec.requires_phone_for_shipping and method_type in (None, "shipping"):
        phone = (buyer.get("phone_number") or "").strip()
        if not phone:
            messages.append(
                error(
                    "missing",
                    "$.buyer.phone_number",
                    "A phone number is required for delivery (the carrier calls ahead).",
                )
            )
        elif not E164.match(phone):
            messages.append(
                error(
                    "invalid_phone",
                    "$.buyer.phone_number",
                    f"{phone!r} is not an E.164 phone number such as +15125550100.",
                )
            )
    return messages


AGE_CONFIRMED: Final = "*"  # the age check covers the whole checkout, not one variant


def escalation_messages(
    lines: list[Line], env: Env, confirmed: Sequence[tuple[str, str]] = ()
) -> list[Message]:
    """Items the buyer must confirm on the store's own page (size, age), minus what they
    already confirmed there (``confirmed``: [code, variant id or "*"] pairs)."""
    done = set(confirmed)
    messages = []
    age_done = ("age_verification_required", AGE_CONFIRMED) in done
    for index, line in enumerate(lines):
        found = env.catalog.variant(line.variant_id)
        if found is None:
            continue
        product, variant = found
        path = f"$.line_items[{index}]"
        if product.size_sensitive and ("size_confirmation_required", variant.id) not in done:
            messages.append(
                error(
                    "size_confirmation_required",
                    path,
                    f"Please confirm size {variant.title} of {product.title} on the store page: "
                    "this item's fit is unusual and it cannot be exchanged for a size.",
                    severity="requires_buyer_review",
                )
            )
        if product.age_restricted and not age_done:
            age_done = True
            messages.append(
                error(
                    "age_verification_required",
                    path,
                    "Alcohol can only be sold to buyers aged 18 or over: verify your age on "
                    "the store page to finish this order.",
                    severity="requires_buyer_input",
                )
            )
    return messages


@dataclass(frozen=True)
class Rendered:
    """A checkout body with the facts the facade needs about it."""

    body: dict[str, Any]
    status: str
    fulfillment: FulfillmentOutcome
    escalations: list[dict[str, Any]]


def render_checkout(state: CheckoutState, env: Env, now: datetime) -> Rendered:
    """The checkout as UCP shows it (without the ``ucp`` block), and its status."""
    spec = env.spec
    lines = state.lines
    priced = price(state, env)
    discounts = priced.discounts
    merchandise = priced.subtotal - discounts.amount
    line_ids = [line.id for line in lines]
    fulfillment = evaluate_fulfillment(state.fulfillment, spec, line_ids, merchandise, now)
    breakdown = Breakdown(
        subtotal=priced.subtotal,
        discount=discounts.amount,
        fulfillment=fulfillment.amount,
        tax=basis_points_of(merchandise, spec.tax_rate_bp),
        discount_label=discounts.label,
        fulfillment_label=fulfillment.label,
        tax_label=spec.tax_label,
    )
    messages: list[Message] = list(state.notices)
    if not lines:
        messages.append(error("missing", "$.line_items", "Add at least one item."))
    messages += priced.line_messages
    messages += buyer_messages(state, env, fulfillment.method_type)
    messages += fulfillment.messages
    messages += discounts.messages
    messages += free_shipping_messages(spec, merchandise)
    escalations = escalation_messages(lines, env, state.buyer_confirmed)
    status = state.status
    if status not in TERMINAL:
        blocking = any(
            m["type"] == "error" and m.get("severity") == "recoverable" for m in messages
        )
        if state.pending_3ds and not blocking:
            messages.append(state.pending_3ds)
            status = "requires_escalation"
        elif blocking:
            status = "incomplete"
        elif escalations:
            messages += escalations
            status = "requires_escalation"
        else:
            status = "ready_for_complete"
    body = body_head(state, priced)
    body["status"] = status
    body["currency"] = spec.currency
    body["totals"] = breakdown.to_wire()
    if status not in TERMINAL and messages:
        body["messages"] = messages
    body["links"] = env.links()
    body["expires_at"] = state.expires_at
    if status not in TERMINAL:
        body["continue_url"] = f"{env.base_url}/checkout/{state.id}"
    if state.payment:
        body["payment"] = {"instruments": state.payment}
    body["fulfillment"] = fulfillment.wire
    if (member := discounts_member(state, priced)) is not None:
        body["discounts"] = member
    if state.cart_id:
        body["cart_id"] = state.cart_id
    if state.order:
        body["order"] = state.order
    return Rendered(body=body, status=status, fulfillment=fulfillment, escalations=escalations)


def completed_body(rendered: Rendered, state: CheckoutState) -> dict[str, Any]:
    """What ``render_checkout`` gives ``state`` once its order is placed, from the render that
    approved the payment (``rendered``), so a completed checkout is rendered once, not twice:
    status ``completed``, no messages or continue_url, the payment as settled, the order last.
    Its members keep ``render_checkout``'s order; its fulfillment is the one the order was
    built from."""
    body: dict[str, Any] = {}
    for name, value in rendered.body.items():
        if name in ("messages", "continue_url", "payment", "order"):
            continue
        if name == "fulfillment" and state.payment:
            body["payment"] = {"instruments": state.payment}
        body[name] = "completed" if name == "status" else value
    if state.order:
        body["order"] = state.order
    return body
