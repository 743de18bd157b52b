"""Where a delivery goes, as the shopper knows the place: street, town, postcode and country.

A checkout ships to an address the shopper gave (their config's saved addresses); the store
echoes it back with the names and phone number it was sent with. What the shopper is shown, and
approves, is the place alone: ``8 Rue de Rivoli, Paris, 75004, FR``. Nothing else of the address
is kept in the trip's view, so no view can show more than that.
"""

from __future__ import annotations

from typing import Final

from assistant.domain.checkout import Checkout, FulfillmentMethod, PostalAddress

# The parts of an address that say where it is, in the order they are read.
PLACE_FIELDS: Final = ("street_address", "address_locality", "postal_code", "address_country")
SHIPPING: Final = "shipping"
# A store's codes for "I cannot deliver there" (an error on the destination).
ADDRESS_CODES: Final = frozenset({"address_undeliverable", "invalid_address"})


def place_of(address: PostalAddress) -> PostalAddress:
    """Only where ``address`` is: no names, phone number, region or second line."""
    return PostalAddress.model_validate(
        {key: value for key in PLACE_FIELDS if (value := getattr(address, key))}
    )


def place_label(address: PostalAddress) -> str:
    """``8 Rue de Rivoli, Paris, 75004, FR``: the place in the shopper's own words ("" if none)."""
    parts = (getattr(address, key) for key in PLACE_FIELDS)
    return ", ".join(" ".join(part.split()) for part in parts if part and part.strip())


def delivering_to(checkout: Checkout | None) -> PostalAddress | None:
    """Where the checkout's shipping method delivers: the destination it selected (or its only
    one), as a place; None when it ships nowhere yet (or only collects)."""
    if checkout is None or checkout.fulfillment is None:
        return None
    for method in checkout.fulfillment.methods:
        if method.type == SHIPPING and (chosen := _chosen(method)) is not None:
            place = place_of(chosen)
            return place if place_label(place) else None
    return None


def _chosen(method: FulfillmentMethod) -> PostalAddress | None:
    destinations = method.destinations
    if method.selected_destination_id is not None:
        wanted = method.selected_destination_id
        return next((d for d in destinations if d.id == wanted), None)
    return destinations[0] if len(destinations) == 1 else None
