"""The pure part of collecting instead of delivery: what a checkout offers, what it has chosen,
and the next PUT for the shopper's choice (the resolve loop calls ``apply_pickup``).

A checkout collecting at a location carries one pickup method selecting it by
``selected_destination_id`` (UCP 2026-08-25, #688); going back to delivery puts the shipping
method back, to the shopper's chosen address or their default one.
"""

from __future__ import annotations

from typing import Final

from assistant.config import BuyerConfig
from assistant.domain import Checkout, FulfillmentDestination, PostalAddress
from assistant.shopping.delivery import address_note, with_names
from assistant.ucp.requests import CheckoutRequest, FulfillmentMethodRequest

PICKUP: Final = "pickup"
SHIPPING: Final = "shipping"


def offers_pickup_method(checkout: Checkout | None) -> bool:
    """Whether the checkout lets the buyer collect (no checkout yet, or one listing no methods:
    the store's profile decides)."""
    if checkout is None or checkout.fulfillment is None:
        return True
    fulfillment = checkout.fulfillment
    if any(method.type == PICKUP for method in fulfillment.methods):
        return True
    listed = [m.get("type") for m in fulfillment.available_methods if isinstance(m, dict)]
    return not listed or PICKUP in listed


def collecting_at(checkout: Checkout | None) -> FulfillmentDestination | None:
    """The location a checkout's pickup method has selected, as the store describes it."""
    if checkout is None or checkout.fulfillment is None:
        return None
    for method in checkout.fulfillment.methods:
        if method.type != PICKUP or method.selected_destination_id is None:
            continue
        chosen = method.selected_destination_id
        found = next((d for d in method.destinations if d.id == chosen), None)
        return found if found is not None else FulfillmentDestination(id=chosen, name=chosen)
    return None


def apply_pickup(
    checkout: Checkout,
    request: CheckoutRequest,
    location_id: str | None,
    buyer: BuyerConfig,
    address: PostalAddress | None,
) -> str | None:
    """Make ``request`` collect at ``location_id`` (None: deliver); what was done, or None."""
    methods = request.fulfillment_methods or []
    current = methods[0] if methods else None
    line_ids = [line.id for line in checkout.line_items if line.id and line.parent_id is None]
    if location_id is not None:
        same = current is not None and current.selected_destination_id == location_id
        if same and current is not None and current.type == PICKUP and len(methods) == 1:
            return None
        request.fulfillment_methods = [
            FulfillmentMethodRequest(
                type=PICKUP, line_item_ids=line_ids, selected_destination_id=location_id
            )
        ]
        return f"Chose to collect at the store's location {location_id!r}, as you asked."
    if current is None or current.type != PICKUP:
        return None
    home = address or (buyer.addresses[0] if buyer.addresses else None)
    if home is None:
        request.fulfillment_methods = None
        return "Stopped the pickup, as you asked; the store needs a shipping address."
    request.fulfillment_methods = [
        FulfillmentMethodRequest(
            type=SHIPPING, line_item_ids=line_ids, destinations=[with_names(home, buyer)]
        )
    ]
    return f"Switched back to delivery to {address_note(home)}, as you asked."
