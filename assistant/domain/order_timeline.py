"""What happened to an order after it was placed, per the merchant: shipments and adjustments.

Read from a UCP order's append-only ``fulfillment.events`` (processing, shipped with tracking,
delivered, …) and its ``adjustments`` (refunds, returns…), oldest first. Merchant text is cleaned
here, where it is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.domain.orders import Order
from assistant.safe_text import terminal_safe

_LABELS = {"processing": "placed"}  # the first event of a sandbox order: received, preparing it


@dataclass(frozen=True)
class OrderEvent:
    """One step of an order's life: ``kind`` is the merchant's event or adjustment type."""

    kind: str
    at: str  # RFC 3339, as the merchant wrote it
    detail: str = ""
    tracking_url: str | None = None

    @property
    def label(self) -> str:
        return _LABELS.get(self.kind, self.kind.replace("_", " "))


def _text(value: Any, limit: int = 120) -> str:
    return terminal_safe(value)[:limit] if isinstance(value, str) else ""


def _fulfillment_event(raw: dict[str, Any]) -> OrderEvent:
    carrier, number = _text(raw.get("carrier"), 40), _text(raw.get("tracking_number"), 60)
    parts = [p for p in (f"{carrier} {number}".strip(), _text(raw.get("description"))) if p]
    url = raw.get("tracking_url")
    return OrderEvent(
        kind=_text(raw.get("type"), 40) or "update",
        at=_text(raw.get("occurred_at"), 40),
        detail=" · ".join(parts),
        tracking_url=url
        if isinstance(url, str) and url.startswith(("https://", "http://"))
        else None,
    )


def _adjustment(raw: dict[str, Any]) -> OrderEvent:
    status = _text(raw.get("status"), 20)
    parts = [status] if status and status != "completed" else []
    if description := _text(raw.get("description")):
        parts.append(description)
    return OrderEvent(
        kind=_text(raw.get("type"), 40) or "adjustment",
        at=_text(raw.get("occurred_at"), 40),
        detail=" · ".join(parts),
    )


def timeline_of(order: Order) -> tuple[OrderEvent, ...]:
    """The order's events and adjustments, oldest first (stable for equal times)."""
    events = order.fulfillment.get("events") if isinstance(order.fulfillment, dict) else None
    adjustments = (order.model_extra or {}).get("adjustments")
    steps = [_fulfillment_event(e) for e in events or [] if isinstance(e, dict)]
    steps += [_adjustment(a) for a in adjustments or [] if isinstance(a, dict)]
    return tuple(sorted(steps, key=lambda step: step.at))


def order_status(order: Order, fallback: str | None) -> str | None:
    """One word for where the order stands: its latest shipment step or refund, else its lines'."""
    timeline = timeline_of(order)
    if timeline and timeline[-1].kind in ("refund", "delivered", "shipped", "in_transit"):
        return {"refund": "refunded"}.get(timeline[-1].kind, timeline[-1].kind.replace("_", " "))
    statuses = {line.status for line in order.line_items if line.status}
    return statuses.pop() if len(statuses) == 1 else fallback
