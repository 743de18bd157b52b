"""What happens to a sandbox order after it is placed: shipped (with tracking), delivered, refunded.

Pure functions over the order body: fulfillment events and adjustments are appended (the UCP
order's logs are append-only), line-item quantities and statuses follow. The sandbox knob
(`POST /sandbox/orders/{id}/advance`) is the only caller.
"""

from __future__ import annotations

import copy
from typing import Any, Final

STEPS: Final = ("shipped", "delivered", "refunded")
CARRIER: Final = "Sandbox Post"


class CannotAdvance(Exception):
    """The order cannot take this step (unknown step, or already past it)."""


def _lines(order: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"id": line["id"], "quantity": line["quantity"]["total"]}
        for line in order["line_items"]
        if line["quantity"]["total"] > 0
    ]


def _has(order: dict[str, Any], kind: str) -> bool:
    events = order["fulfillment"].get("events", [])
    return any(e.get("type") == kind for e in events)


def tracking_number(order: dict[str, Any]) -> str:
    return "SP" + "".join(c for c in order["id"].upper() if c.isalnum())[-10:]


def advance(order: dict[str, Any], step: str, *, now_iso: str, base_url: str) -> dict[str, Any]:
    """The order after ``step``; raise ``CannotAdvance`` when it does not apply."""
    if step not in STEPS:
        raise CannotAdvance(f"Unknown step {step!r}; use one of {', '.join(STEPS)}.")
    advanced = copy.deepcopy(order)
    fulfillment = advanced.setdefault("fulfillment", {})
    events: list[dict[str, Any]] = fulfillment.setdefault("events", [])
    adjustments: list[dict[str, Any]] = advanced.setdefault("adjustments", [])
    number = tracking_number(order)
    tracking = {
        "tracking_number": number,
        "tracking_url": f"{base_url}/track/{number}",
        "carrier": CARRIER,
    }
    if step == "refunded":
        if adjustments:
            raise CannotAdvance("This order was already refunded.")
        grand = next((t for t in order.get("totals", []) if t.get("type") == "total"), None)
        adjustments.append(
            {
                "id": f"adj_{len(adjustments) + 1}",
                "type": "refund",
                "occurred_at": now_iso,
                "status": "completed",
                "line_items": _lines(order),
                "totals": [grand] if grand else [],
                "description": "Refunded in full to the original payment method.",
            }
        )
        return advanced
    if _has(order, step) or (step == "shipped" and _has(order, "delivered")):
        raise CannotAdvance(f"This order is already {step}.")
    if step == "delivered" and not _has(order, "shipped"):
        raise CannotAdvance("Ship the order before delivering it.")
    events.append(
        {
            "id": f"evt_{len(events) + 1}",
            "occurred_at": now_iso,
            "type": step,
            "line_items": _lines(order),
            **tracking,
            "description": "Handed to the carrier."
            if step == "shipped"
            else "Delivered to the front door.",
        }
    )
    if step == "delivered":
        for line in advanced["line_items"]:
            line["quantity"]["fulfilled"] = line["quantity"]["total"]
            line["status"] = "fulfilled" if line["quantity"]["total"] > 0 else "removed"
    return advanced
