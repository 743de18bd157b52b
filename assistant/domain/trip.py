"""The trip's records: what the UCP client, the store, the orchestrator and the TUI all share."""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class SearchResult:
    hits: list[SearchHit]
    # merchant domain -> a short note for partial results ("timed out after 2.0 s", …)
    notes: dict[str, str] = field(default_factory=dict)


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
