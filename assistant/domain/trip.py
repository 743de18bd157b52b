"""The trip's records: what the UCP client, the store, the orchestrator and the TUI all share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from assistant.domain.checkout import Message, Total
from assistant.domain.money import Money


@dataclass(frozen=True)
class MerchantRef:
    """A merchant as the shopper knows it; ``domain`` (its origin's host[:port]) is the key."""

    domain: str
    name: str
    url: str


@dataclass(frozen=True)
class SearchHit:
    """One variant from a catalog search, addressable by a short stable ``handle`` ("3")."""

    handle: str
    merchant: MerchantRef
    product_id: str
    variant_id: str
    title: str
    variant_title: str
    price: Money
    available: bool
    description: str = ""
    group: int = 0  # the rank of the product it was listed under in its search (0 = best)


SearchOrder = Literal["relevance", "cheapest", "priciest"]


@dataclass(frozen=True)
class SearchRequest:
    """What the shopper looks for: words plus filters; prices in minor units of ``currency``.

    With no ``currency`` the bounds apply to each store in its own currency; with one, only
    prices in that currency can be compared (there are no exchange rates), so others drop out.
    """

    query: str
    min_price: int | None = None
    max_price: int | None = None
    currency: str | None = None
    in_stock_only: bool = False
    order: SearchOrder = "relevance"


@dataclass(frozen=True)
class Offer:
    """One store's listing of a product: its variants, the one the shopper's words chose first."""

    merchant: MerchantRef
    product_id: str
    variants: list[SearchHit]

    @property
    def chosen(self) -> SearchHit:
        return self.variants[0]


@dataclass(frozen=True)
class ProductGroup:
    """One product as the shopper sees it: each store selling it, best offer first."""

    offers: list[Offer]

    @property
    def chosen(self) -> SearchHit:
        return self.offers[0].chosen

    @property
    def title(self) -> str:
        return self.chosen.title


@dataclass(frozen=True)
class SearchResult:
    hits: list[SearchHit]  # every variant listed, product by product in rank order
    # merchant domain -> a short note for partial results ("timed out after 2.0 s", …)
    notes: dict[str, str] = field(default_factory=dict)
    groups: list[ProductGroup] = field(default_factory=list)  # the same hits, as products
    query: str = ""


@dataclass(frozen=True)
class BasketLine:
    merchant: MerchantRef
    variant_id: str
    title: str
    quantity: int
    unit_price: Money | None = None
    handle: str | None = None


@dataclass(frozen=True)
class Escalation:
    """Something only the shopper can do, on the merchant's own page."""

    id: str
    merchant: MerchantRef
    checkout_id: str
    messages: list[Message]
    disclosures: list[Message]
    continue_url: str
    state: str = "open"  # open | resolved | canceled | expired


@dataclass(frozen=True)
class OrderRecord:
    merchant: MerchantRef
    order_id: str
    checkout_id: str
    permalink_url: str | None
    total: Money | None
    status: str | None = None


@dataclass(frozen=True)
class MerchantState:
    """Where one merchant's part of the trip stands (for `pannier ask --json` and the TUI)."""

    merchant: MerchantRef
    lines: list[BasketLine]
    cart_id: str | None = None
    checkout_id: str | None = None
    status: str | None = None  # the checkout status, or None before checkout
    currency: str | None = None
    totals: list[Total] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    continue_url: str | None = None
    discount_codes: list[str] = field(default_factory=list)
    order: OrderRecord | None = None
    failure: str | None = None
    questions: list[str] = field(default_factory=list)  # what the shopper must decide first


@dataclass(frozen=True)
class MerchantSummary:
    """One merchant's part of a purchase, exactly as the shopper must see it before paying."""

    merchant: MerchantRef
    checkout_id: str
    lines: list[BasketLine]
    totals: list[Total]  # in the merchant's order, unmodified
    total: Money
    instrument: str  # e.g. "visa •••• 4242" — never a credential


@dataclass(frozen=True)
class PurchaseSummary:
    merchants: list[MerchantSummary]
    limits: dict[str, Money] = field(
        default_factory=dict
    )  # "per_order" / "per_session" per currency


@dataclass(frozen=True)
class Approval:
    """The shopper's answer to a PurchaseSummary: which merchants (by domain) may be charged."""

    approved_domains: frozenset[str]

    @classmethod
    def declined(cls) -> Approval:
        return cls(approved_domains=frozenset())
