"""Orders: the immutable record a completed checkout leaves behind."""

from __future__ import annotations

from typing import Any

from merchants.business.checkouts import Rendered
from merchants.business.env import Env


def build_order(
    order_id: str, label: str, checkout: Rendered, env: Env, now_iso: str, email: str | None
) -> dict[str, Any]:
    """An Order (without the ``ucp`` block) from the checkout it completes."""
    body = checkout.body
    fulfillment = checkout.fulfillment
    line_items = [
        {
            "id": item["id"],
            "item": item["item"],
            "quantity": {"original": item["quantity"], "total": item["quantity"], "fulfilled": 0},
            "totals": item["totals"],
            "status": "processing",
        }
        for item in body["line_items"]
    ]
    method_type = fulfillment.method_type or "shipping"
    description = fulfillment.option_title or method_type.title()
    if fulfillment.latest:
        description += f", expected by {fulfillment.latest[:10]}"
    expectation: dict[str, Any] = {
        "id": "exp_1",
        "line_items": [{"id": i["id"], "quantity": i["quantity"]["total"]} for i in line_items],
        "method_type": method_type,
        "destination": fulfillment.destination or {},
        "description": description,
        "fulfillable_on": "now",
    }
    order: dict[str, Any] = {
        "id": order_id,
        "label": label,
        "checkout_id": body["id"],
        "permalink_url": f"{env.base_url}/orders/{order_id}",
        "line_items": line_items,
        "fulfillment": {
            "expectations": [expectation],
            "events": [
                {
                    "id": "evt_1",
                    "occurred_at": now_iso,
                    "type": "processing",
                    "line_items": expectation["line_items"],
                    "description": "Order received; we are preparing it.",
                }
            ],
        },
        "currency": body["currency"],
        "totals": body["totals"],
    }
    if email:
        order["messages"] = [
            {
                "type": "info",
                "code": "confirmation_sent",
                "content": f"A confirmation email was sent to {email}.",
            }
        ]
    return order
