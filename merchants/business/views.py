"""What the continue_url page shows: a plain snapshot, ready to render as HTML."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

TRUTHY = frozenset({"on", "yes", "true", "1", "pass"})

# Form fields the continue page may submit to ``Shop.submit_continue``.
CONFIRM_SIZE = "confirm_size"  # "on": the buyer confirmed the sizes shown
CONFIRM_AGE = "confirm_age"  # "on": the buyer confirmed being 18 or older
CHALLENGE = "challenge"  # "pass" / "fail": the 3-D Secure challenge result
PAYMENT_TOKEN = "payment_token"  # optional sandbox token; defaults to tok_sandbox_approved
PAYMENT_FAILED = "payment_failed"  # the error code of a declined card


@dataclass(frozen=True)
class ViewLine:
    """One line on the page."""

    title: str
    quantity: int
    unit_price: int
    amount: int
    image_url: str | None


@dataclass(frozen=True)
class ViewTotal:
    """One totals row (label as the store names it)."""

    type: str
    label: str
    amount: int


@dataclass(frozen=True)
class ContinueView:
    """A checkout or cart as its continue_url page presents it.

    ``missing`` lists the errors still open as (code, content); ``notices`` the warnings and
    infos (disclosures included); ``needs`` the form fields the page must offer before
    ``submit_continue`` can place the order; ``can_submit`` is False while recoverable errors
    remain (they are fixed through the API, not the page) or the checkout is finished.
    """

    kind: Literal["checkout", "cart"]
    id: str
    store_name: str
    currency: str
    status: str | None
    lines: tuple[ViewLine, ...]
    totals: tuple[ViewTotal, ...]
    missing: tuple[tuple[str, str], ...]
    notices: tuple[tuple[str, str], ...]
    needs: tuple[str, ...]
    can_submit: bool
    order_id: str | None
    order_url: str | None
    home_url: str


@dataclass(frozen=True)
class OrderView:
    """An order as its permalink page presents it."""

    id: str
    store_name: str
    currency: str
    lines: tuple[ViewLine, ...]
    totals: tuple[ViewTotal, ...]


TOTAL_LABELS = {
    "subtotal": "Subtotal",
    "discount": "Discount",
    "items_discount": "Item discounts",
    "fulfillment": "Shipping",
    "tax": "Tax",
    "total": "Total",
}


def _lines(body: dict[str, Any]) -> tuple[ViewLine, ...]:
    """The lines of a checkout, cart or order body (an order's quantity is an object)."""
    return tuple(
        ViewLine(
            title=item["item"]["title"],
            quantity=q["total"] if isinstance(q := item["quantity"], dict) else q,
            unit_price=item["item"]["price"],
            amount=item["totals"][-1]["amount"],
            image_url=item["item"].get("image_url"),
        )
        for item in body["line_items"]
    )


def _totals(body: dict[str, Any]) -> tuple[ViewTotal, ...]:
    return tuple(
        ViewTotal(
            t["type"],
            t.get("display_text") or TOTAL_LABELS.get(t["type"], t["type"]),
            t["amount"],
        )
        for t in body["totals"]
    )


def build_order_view(body: dict[str, Any], store_name: str) -> OrderView:
    """Turn a stored order body into its permalink page's view."""
    return OrderView(
        id=body["id"],
        store_name=store_name,
        currency=body["currency"],
        lines=_lines(body),
        totals=_totals(body),
    )


def build_view(
    kind: Literal["checkout", "cart"], body: dict[str, Any], store_name: str, home_url: str
) -> ContinueView:
    """Turn a stored checkout or cart body into the page's view."""
    messages = body.get("messages") or []
    codes = {m.get("code") for m in messages if m.get("type") == "error"}
    status = body.get("status")
    # A declined card is fixed here, with another card; other errors only through the API.
    blocking = any(
        m.get("type") == "error"
        and m.get("severity") == "recoverable"
        and m.get("code") != PAYMENT_FAILED
        for m in messages
    )
    payable = status in ("ready_for_complete", "requires_escalation") or PAYMENT_FAILED in codes
    needs: list[str] = []
    if "size_confirmation_required" in codes:
        needs.append(CONFIRM_SIZE)
    if "age_verification_required" in codes:
        needs.append(CONFIRM_AGE)
    if "requires_3ds" in codes:
        needs.append(CHALLENGE)
    elif kind == "checkout" and payable:
        needs.append(PAYMENT_TOKEN)
    order = body.get("order") or {}
    return ContinueView(
        kind=kind,
        id=body["id"],
        store_name=store_name,
        currency=body["currency"],
        status=status,
        lines=_lines(body),
        totals=_totals(body),
        missing=tuple(
            (str(m.get("code")), str(m["content"])) for m in messages if m.get("type") == "error"
        ),
        notices=tuple(
            (str(m.get("code") or m["type"]), str(m["content"]))
            for m in messages
            if m.get("type") != "error"
        ),
        needs=tuple(needs),
        can_submit=kind == "checkout" and payable and not blocking,
        order_id=order.get("id"),
        order_url=order.get("permalink_url"),
        home_url=home_url,
    )
