"""Orders in UCP's words: what the merchant confirmed and what it has shipped."""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field

from assistant.domain.checkout import Item, Message, Total, UcpMeta, normalise_payload, total_of
from assistant.domain.money import Money
from assistant.domain.protocol import UcpModel

# --- orders --------------------------------------------------------------------------------------


class OrderQuantity(UcpModel):
    original: int | None = None
    total: int
    fulfilled: int = 0


class OrderLineItem(UcpModel):
    id: str
    item: Item
    quantity: OrderQuantity
    totals: list[Total] = Field(default_factory=list)
    status: str | None = None


class Order(UcpModel):
    ucp: UcpMeta = Field(default_factory=UcpMeta)
    id: str
    checkout_id: str | None = None
    permalink_url: str | None = None
    label: str | None = None
    line_items: list[OrderLineItem] = Field(default_factory=list)
    currency: str
    totals: list[Total] = Field(default_factory=list)
    fulfillment: dict[str, Any] = Field(default_factory=dict)
    messages: list[Message] = Field(default_factory=list)

    @classmethod
    def from_ucp(cls, payload: dict[str, Any]) -> Self:
        return cls.model_validate(normalise_payload(payload))

    def total(self) -> Money | None:
        return total_of(self.totals, self.currency)
