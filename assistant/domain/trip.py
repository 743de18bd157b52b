"""The trip's records: what the UCP client, the store, the orchestrator and the TUI all share."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from assistant.domain.checkout import FulfillmentDestination, Message, PostalAddress, Total
from assistant.domain.money import Money
from assistant.domain.order_timeline import OrderEvent


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
    # store name -> a short note for partial results ("timed out after 2.0 s", …)
    notes: dict[str, str] = field(default_factory=dict)
    groups: list[ProductGroup] = field(default_factory=list)  # the same hits, as products
    query: str = ""


IN_BASKET = "basket"
IN_CHECKOUT = "checkout"
ORDERED = "ordered"


@dataclass(frozen=True)
class BasketLine:
    """One variant the shopper wants from one shop, and where it stands in the purchase ledger.

    ``stage`` moves basket → checkout → ordered; an ordered line is history: it never enters a
    new cart, checkout or purchase summary. ``again`` marks a line the shopper asked to buy again
    although an order for it was already placed.
    """

    merchant: MerchantRef
    variant_id: str
    title: str
    quantity: int
    unit_price: Money | None = None
    handle: str | None = None
    stage: str = IN_BASKET  # basket | checkout | ordered
    order_id: str | None = None  # the order that bought it (stage ordered)
    again: bool = False

    @property
    def ordered(self) -> bool:
        return self.stage == ORDERED


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
    timeline: tuple[OrderEvent, ...] = ()  # placed → shipped → delivered, refunds (the merchant's)
    heard_at: float | None = None  # when a verified webhook last told us about it


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
    pickup: FulfillmentDestination | None = None  # where its checkout collects (None: delivery)
    # where its checkout delivers, the place alone (``destination.place_of``): None before an
    # address is chosen, or when it only collects
    delivery: PostalAddress | None = None


@dataclass(frozen=True)
class MerchantSummary:
    """One merchant's part of a purchase, exactly as the shopper must see it before paying."""

    merchant: MerchantRef
    checkout_id: str
    lines: list[BasketLine]
    totals: list[Total]  # in the merchant's order, unmodified
    total: Money
    instrument: str  # e.g. "visa •••• 4242" — never a credential
    policies: list[str] = field(default_factory=list)  # "Return policy: …" (2026-08-25)
    pickup: str | None = None  # "Petal & Stem — Rockridge, 5610 College Ave, Oakland"
    delivery: str | None = None  # "8 Rue de Rivoli, Paris, 75004, FR": where it is delivered

    @property
    def buys_again(self) -> bool:
        """Something in it was ordered before: it is approved on its own, never by "all"."""
        return any(line.again for line in self.lines)

    @property
    def digest(self) -> str:
        """Identifies what was shown: lines, every totals line, currency, total, instrument and
        where it goes (the pickup location, or the delivery's destination)."""
        return _digest(
            {
                "merchant": self.merchant.domain,
                "checkout": self.checkout_id,
                "lines": [
                    [
                        line.variant_id,
                        line.title,
                        line.quantity,
                        line.unit_price.amount if line.unit_price else None,
                        line.again,
                    ]
                    for line in self.lines
                ],
                "totals": [[t.type, t.label, t.amount] for t in self.totals],
                "currency": self.total.currency,
                "total": self.total.amount,
                "instrument": self.instrument,
                "policies": self.policies,
            }
            | ({"pickup": self.pickup} if self.pickup is not None else {})
            | ({"delivery": self.delivery} if self.delivery is not None else {})
        )


@dataclass(frozen=True)
class PurchaseSummary:
    merchants: list[MerchantSummary]
    limits: dict[str, Money] = field(
        default_factory=dict
    )  # "per_order" / "per_session" per currency
    placed: list[OrderRecord] = field(default_factory=list)  # this session's orders, for context

    @property
    def digest(self) -> str:
        """Identifies this summary; an Approval is valid only for the digest it names."""
        return _digest(sorted(part.digest for part in self.merchants))

    def approve(self, domains: Iterable[str] | None = None) -> Approval:
        """The shopper's yes to this summary, for ``domains`` (default: every merchant in it)."""
        chosen = (
            frozenset(part.merchant.domain for part in self.merchants)
            if domains is None
            else frozenset(domains)
        )
        return Approval(approved_domains=chosen, digest=self.digest)


@dataclass(frozen=True)
class Approval:
    """The shopper's answer to one PurchaseSummary (named by its digest): which merchants (by
    domain) may be charged."""

    approved_domains: frozenset[str]
    digest: str = ""

    @classmethod
    def declined(cls) -> Approval:
        return cls(approved_domains=frozenset())


def _digest(value: object) -> str:
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]
