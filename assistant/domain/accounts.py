"""What a linked account at a store holds for the trip: its past orders and saved addresses.

Every string here came from the merchant: views put it inside the model's data boundary.
"""

from __future__ import annotations

from pydantic import Field

from assistant.domain.checkout import PostalAddress
from assistant.domain.money import MinorUnits, Money
from assistant.domain.protocol import UcpModel


class PastOrderLine(UcpModel):
    title: str
    quantity: int = Field(ge=1)
    amount: MinorUnits


class PastOrder(UcpModel):
    """An order in the account's history at one store (placed with or without Pannier)."""

    label: str
    placed_on: str
    status: str
    currency: str = Field(min_length=3, max_length=3)
    total: MinorUnits
    line_items: list[PastOrderLine] = Field(default_factory=list)

    def total_money(self) -> Money:
        return Money(amount=self.total, currency=self.currency)


class StoreAccount(UcpModel):
    """One linked account's data at one store, as read just now."""

    store: str  # the store's display name
    origin: str
    holder: str = ""  # the account holder's name, as the store gives it
    orders: list[PastOrder] = Field(default_factory=list)
    addresses: list[PostalAddress] = Field(default_factory=list)
