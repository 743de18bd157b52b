"""A store's pickup locations: where the shopper can collect an order, and which one is chosen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from assistant.domain import Location, PickupOffer
from assistant.domain.locations import hours_text
from assistant.views.common import clip, said, store_data

NAME_CHARS: Final = 80
PICKUP_HINT: Final = 'Say "collect from <name>" to pick up there, or "deliver them" for delivery.'


def pickup_line(location_label: str) -> str:
    """``Pickup at Petal & Stem — Rockridge, 5610 College Ave, Oakland``, made safe."""
    return f"Pickup at {said(clip(location_label, 2 * NAME_CHARS))}"


@dataclass(frozen=True)
class LocationView:
    """One pickup location, and whether it is the one the shopper chose."""

    location: Location
    chosen: bool = False

    @property
    def words(self) -> str:
        """Everything that names it, for matching the shopper's "the Camden shop"."""
        return f"{self.location.id} {self.location.label()} {self.location.street()}"

    def for_model(self) -> dict[str, Any]:
        location = self.location
        data = {
            "name": clip(location.name, NAME_CHARS),
            "address": location.address_text(),
            "hours": hours_text(location.hours),
        }
        return {
            "location_id": location.id,
            "chosen": self.chosen,
            "merchant_data": {key: value for key, value in data.items() if value},
        }

    def for_script(self) -> dict[str, Any]:
        location = self.location
        return {
            "id": location.id,
            "name": location.name,
            "address": location.address.model_dump(exclude_none=True)
            if location.address is not None
            else None,
            "hours": [hour.model_dump() for hour in location.hours],
            "timezone": location.timezone,
            "chosen": self.chosen,
        }

    def line(self) -> str:
        """``rockridge. Petal & Stem — Rockridge — 5610 College Ave, Oakland; Mon–Sat 09:00–19:00``
        (the store's words made single-line and terminal-safe)."""
        location = self.location
        parts = [said(clip(location.name, NAME_CHARS))]
        if address := location.address_text():
            parts.append(said(address))
        text = f"{said(location.id)}. " + " — ".join(parts)
        if hours := hours_text(location.hours):
            text += f"; {said(hours)}"
        return text + (" (chosen)" if self.chosen else "")


@dataclass(frozen=True)
class PickupLocationsView:
    """Per store, where it lets the shopper collect (or why it does not): a tool's outcome."""

    offers: Sequence[PickupOffer]

    def views(self, offer: PickupOffer) -> list[LocationView]:
        return [LocationView(loc, loc.id == offer.chosen_id) for loc in offer.locations]

    def for_model(self) -> dict[str, Any]:
        if not self.offers:
            return {"stores": [], "note": "Nothing in the basket yet: add something first."}
        stores = []
        for offer in self.offers:
            merchant_data = store_data(offer.merchant)
            if offer.unavailable:  # it names the store: inside the boundary
                merchant_data["why_no_pickup"] = offer.unavailable
            stores.append(
                {
                    "store_id": offer.merchant.domain,
                    "pickup_offered": offer.unavailable is None,
                    "locations": [view.for_model() for view in self.views(offer)],
                    "delivery_chosen": offer.chosen_id is None,
                    "merchant_data": merchant_data,
                }
            )
        return {"stores": stores}

    def for_script(self) -> list[dict[str, Any]]:
        return [
            {
                "store": offer.merchant.name,
                "domain": offer.merchant.domain,
                "offered": offer.unavailable is None,
                "reason": offer.unavailable,
                "chosen": offer.chosen_id,
                "locations": [view.for_script() for view in self.views(offer)],
            }
            for offer in self.offers
        ]

    def text(self) -> str:
        if not self.offers:
            return "Add something to your basket first: pickup is chosen per store."
        lines: list[str] = []
        for offer in self.offers:
            store = said(offer.merchant.name)
            if offer.unavailable:
                lines.append(said(offer.unavailable))  # it names the store
                continue
            lines.append(f"{store} — pick up at:")
            lines += [f"    {view.line()}" for view in self.views(offer)]
        if any(offer.locations for offer in self.offers):
            lines.append(PICKUP_HINT)
        return "\n".join(lines)
