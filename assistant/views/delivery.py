"""Delivery options an open checkout offers, the shopper's saved addresses, and where a delivery
goes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from assistant.domain import FulfillmentOption, Money, PostalAddress
from assistant.views.common import DESCRIPTION_CHARS, clip, money_text, said

DELIVER_TO: Final = "Deliver to "


def delivery_line(place: str) -> str:
    """``Deliver to 8 Rue de Rivoli, Paris, 75004, FR``, made safe (the store echoes the place)."""
    return DELIVER_TO + said(clip(place, DESCRIPTION_CHARS))


@dataclass(frozen=True)
class DeliveryOptionView:
    option: FulfillmentOption
    selected: bool
    currency: str | None

    @property
    def price(self) -> Money | None:
        if self.currency is None:
            return None
        return Money(amount=self.option.cost, currency=self.currency)

    @property
    def latest(self) -> str:
        """When it arrives at the latest (ISO 8601 sorts as text); "~" sorts after any date."""
        return self.option.latest_fulfillment_time or self.option.earliest_fulfillment_time or "~"

    def line(self) -> str:
        """``std. Standard — USD 5.00 (chosen)``"""
        price = f" — {self.price.format()}" if self.price is not None else ""
        chosen = " (chosen)" if self.selected else ""
        return f"{said(self.option.id)}. {said(self.option.title)}{price}{chosen}"

    def for_model(self) -> dict[str, Any]:
        option = self.option
        return {
            "option_id": option.id,
            "price": money_text(self.price),
            "selected": self.selected,
            "merchant_data": {
                key: value
                for key, value in {
                    "title": option.title,
                    "description": clip(option.description or "", DESCRIPTION_CHARS),
                    "carrier": option.carrier,
                    "earliest": option.earliest_fulfillment_time,
                    "latest": option.latest_fulfillment_time,
                }.items()
                if value
            },
        }


@dataclass(frozen=True)
class AddressView:
    """A saved address and the ``address_id`` (1-based) the tools name it by."""

    address_id: str
    address: PostalAddress

    def for_model(self) -> dict[str, Any]:
        return {"address_id": self.address_id, **self.address.model_dump(exclude_none=True)}

    @property
    def words(self) -> str:
        """Everything written on it, for matching the shopper's "my Paris address"."""
        return " ".join(str(v) for v in self.for_model().values())

    def line(self) -> str:
        parts = [self.address.street_address, self.address.address_locality]
        return f"{self.address_id}. " + ", ".join(said(p) for p in parts if p)
