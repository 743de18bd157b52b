"""Catalog search results in UCP's words: products, variants, prices, availability."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from assistant.domain.checkout import Message, UcpMeta
from assistant.domain.money import MinorUnits, Money
from assistant.domain.protocol import UcpModel

# --- catalog -------------------------------------------------------------------------------------


class Price(UcpModel):
    amount: MinorUnits
    currency: str

    def money(self) -> Money:
        return Money(amount=self.amount, currency=self.currency)


class Availability(UcpModel):
    available: bool = True
    status: str | None = None


class Seller(UcpModel):
    name: str | None = None
    domain: str | None = None


class Description(UcpModel):
    plain: str | None = None
    html: str | None = None
    markdown: str | None = None

    def text(self) -> str:
        return self.plain or self.markdown or self.html or ""


class Variant(UcpModel):
    id: str
    title: str
    description: Description | None = None
    price: Price
    sku: str | None = None
    availability: Availability = Field(default_factory=Availability)
    options: list[dict[str, Any]] = Field(default_factory=list)
    seller: Seller | None = None


class PriceRange(UcpModel):
    min: Price
    max: Price


class Media(UcpModel):
    type: str = "image"
    url: str
    alt_text: str | None = None


class Product(UcpModel):
    id: str
    title: str
    description: Description = Field(default_factory=Description)
    price_range: PriceRange | None = None
    variants: list[Variant] = Field(default_factory=list)
    handle: str | None = None
    url: str | None = None
    categories: list[dict[str, Any]] = Field(default_factory=list)
    media: list[Media] = Field(default_factory=list)
    options: list[dict[str, Any]] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)


class Pagination(UcpModel):
    has_next_page: bool = False
    cursor: str | None = None
    total_count: int | None = None


class SearchResponse(UcpModel):
    ucp: UcpMeta = Field(default_factory=UcpMeta)
    products: list[Product] = Field(default_factory=list)
    pagination: Pagination | None = None
    messages: list[Message] = Field(default_factory=list)


class ProductResponse(UcpModel):
    ucp: UcpMeta = Field(default_factory=UcpMeta)
    product: Product
    messages: list[Message] = Field(default_factory=list)
