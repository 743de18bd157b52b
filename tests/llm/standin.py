"""A minimal in-memory stand-in for the Trip facade, for loop and planner unit tests.

Integration tests use the real ``Trip`` against the sandbox stores; this only lets the loop's own
logic (rounds, errors, concurrency, persistence) be tested without any network.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace

from assistant.domain import (
    BasketLine,
    Description,
    Escalation,
    FulfillmentGroup,
    MerchantRef,
    MerchantState,
    MerchantSummary,
    Money,
    OrderRecord,
    PickupOffer,
    PostalAddress,
    Price,
    Product,
    ProductGroup,
    PurchaseSummary,
    SearchHit,
    SearchRequest,
    SearchResult,
    Total,
    Variant,
)
from assistant.errors import MerchantUnavailable, PannierError, PurchaseRefused
from assistant.events import EventBus, ProtocolCalled
from assistant.llm.tools import Confirm
from assistant.shopping.accounts import TripAccounts
from assistant.shopping.ranking import regroup

FLOWERS = MerchantRef("127.0.0.1:1", "Petal & Stem", "http://127.0.0.1:1")
BOOKS = MerchantRef("127.0.0.1:2", "Dog-Ear Books", "http://127.0.0.1:2")

CATALOG = [
    SearchHit(
        "1",
        FLOWERS,
        "p_roses",
        "v_roses_12",
        "Red Roses",
        "Dozen",
        Money(amount=2400, currency="USD"),
        True,
        "Long-stemmed.",
    ),
    SearchHit(
        "2",
        FLOWERS,
        "p_tulips",
        "v_tulips",
        "Tulips",
        "Bunch",
        Money(amount=1500, currency="USD"),
        True,
    ),
    SearchHit(
        "3",
        BOOKS,
        "p_novel",
        "v_novel",
        "A Novel",
        "Paperback",
        Money(amount=1299, currency="USD"),
        True,
    ),
]


class StandInTrip:
    def __init__(self, session: str = "default") -> None:
        self.bus = EventBus()
        self.session = session
        self.merchants = [FLOWERS, BOOKS]
        self.last_search: SearchResult | None = None
        self.accounts = TripAccounts(None, [])  # no linked accounts
        self.lines: list[BasketLine] = []
        self.status: dict[str, str] = {}
        self.codes: dict[str, list[str]] = {}
        self.calls: list[str] = []
        self.completed: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.fail_search: Exception | None = None
        self.escalate: set[str] = set()
        self.shipped_to: dict[str, PostalAddress] = {}

    async def _tick(self, name: str) -> None:
        self.calls.append(name)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        self.in_flight -= 1

    async def search(self, query: str | SearchRequest, *, store: str = "") -> SearchResult:
        await self._tick("search")
        if self.fail_search is not None:
            raise self.fail_search
        text = query if isinstance(query, str) else query.query
        words = text.lower().split()
        hits = [
            replace(h, group=i)
            for i, h in enumerate(h for h in CATALOG if any(w in h.title.lower() for w in words))
        ]
        self.last_search = SearchResult(hits, groups=regroup(hits), query=text)
        return self.last_search

    def start_listing(self) -> None:
        """A turn begins (this catalog's handles are fixed: nothing to renumber)."""

    def search_page(self, page: int) -> list[ProductGroup]:
        groups = self.last_search.groups if self.last_search else []
        return groups[(page - 1) * 8 : page * 8]

    def _hit(self, ref: str) -> SearchHit:
        """A catalog handle ("3"), a basket line's "#3" (the catalog's handles never change, so
        the two name one item here), or a variant id."""
        for hit in CATALOG:
            if ref.removeprefix("#") in (hit.handle, hit.variant_id):
                return hit
        raise PannierError(f"no result {ref!r}; search first")

    async def show_product(self, ref: str) -> tuple[MerchantRef, Product]:
        await self._tick("show_product")
        hit = self._hit(ref)
        variant = Variant(
            id=hit.variant_id,
            title=hit.variant_title,
            price=Price(amount=hit.price.amount, currency="USD"),
        )
        return hit.merchant, Product(
            id=hit.product_id,
            title=hit.title,
            description=Description(plain=hit.description),
            variants=[variant],
        )

    async def set_basket(
        self, items: Sequence[tuple[str, int]], *, again: Sequence[str] = ()
    ) -> list[MerchantState]:
        await self._tick("set_basket")
        lines = []
        for ref, quantity in items:
            hit = self._hit(ref)
            if quantity > 0:
                lines.append(
                    BasketLine(
                        hit.merchant, hit.variant_id, hit.title, quantity, hit.price, hit.handle
                    )
                )
        self.lines = lines
        self.status = {}
        return self.state()

    async def set_discount_codes(self, merchant: str, codes: list[str]) -> MerchantState:
        await self._tick("set_discount_codes")
        self.codes[merchant] = codes
        return next(s for s in self.state() if s.merchant.domain == merchant)

    async def prepare_checkout(self) -> list[MerchantState]:
        await self._tick("prepare_checkout")
        for merchant in {line.merchant for line in self.lines}:
            escalate = merchant.domain in self.escalate
            self.status[merchant.domain] = (
                "requires_escalation" if escalate else "ready_for_complete"
            )
        return self.state()

    async def provide_buyer_details(
        self,
        *,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        phone_number: str | None = None,
        address: PostalAddress | None = None,
    ) -> list[MerchantState]:
        await self._tick("provide_buyer_details")
        return self.state()

    def summary(self) -> PurchaseSummary:
        merchants = []
        for state in self.state():
            if state.status == "ready_for_complete":
                total = sum(
                    line.quantity * line.unit_price.amount
                    for line in state.lines
                    if line.unit_price
                )
                merchants.append(
                    MerchantSummary(
                        state.merchant,
                        f"chk_{state.merchant.domain}",
                        state.lines,
                        state.totals,
                        Money(amount=total, currency="USD"),
                        "visa •••• 4242",
                    )
                )
        return PurchaseSummary(merchants)

    async def complete(self, confirm: Confirm) -> list[MerchantState]:
        await self._tick("complete")
        summary = self.summary()
        if not summary.merchants:
            raise PurchaseRefused("nothing is ready to buy: prepare the checkout first")
        approval = await confirm(summary)
        for part in summary.merchants:
            if part.merchant.domain in approval.approved_domains:
                self.bus.publish(
                    ProtocolCalled(part.merchant, "complete_checkout", "rest", 1.0, "ok")
                )
                self.completed.append(part.merchant.domain)
                self.status[part.merchant.domain] = "completed"
        return self.state()

    def basket(self) -> list[BasketLine]:
        return list(self.lines)

    def state(self) -> list[MerchantState]:
        states = []
        for merchant in self.merchants:
            lines = [line for line in self.lines if line.merchant == merchant]
            if not lines:
                continue
            total = sum(line.quantity * line.unit_price.amount for line in lines if line.unit_price)
            status = self.status.get(merchant.domain)
            order = None
            if status == "completed":
                order = OrderRecord(
                    merchant,
                    f"ord_{merchant.domain}",
                    "chk",
                    None,
                    Money(amount=total, currency="USD"),
                )
            states.append(
                MerchantState(
                    merchant,
                    lines,
                    cart_id="cart_1",
                    checkout_id="chk_1" if status else None,
                    status=status,
                    currency="USD",
                    totals=[
                        Total(type="subtotal", amount=total),
                        Total(type="total", amount=total),
                    ],
                    continue_url=f"{merchant.url}/checkout/1"
                    if status == "requires_escalation"
                    else None,
                    discount_codes=self.codes.get(merchant.domain, []),
                    order=order,
                )
            )
        return states

    def escalations(self) -> list[Escalation]:
        return [
            Escalation(
                f"esc_{s.merchant.domain}", s.merchant, "chk_1", [], [], s.continue_url or ""
            )
            for s in self.state()
            if s.status == "requires_escalation"
        ]

    async def recheck_escalations(self) -> list[Escalation]:
        await self._tick("recheck_escalations")
        return self.escalations()

    async def orders(self, order_id: str | None = None) -> list[OrderRecord]:
        await self._tick("orders")
        return [s.order for s in self.state() if s.order is not None]

    def saved_addresses(self) -> list[PostalAddress]:
        return list(ADDRESSES)

    def delivery_options(self) -> dict[str, list[FulfillmentGroup]]:
        return {}

    async def choose_delivery(self, merchant: str, option_id: str) -> MerchantState:
        await self._tick("choose_delivery")
        raise PannierError(f"{merchant} offers no delivery option {option_id!r}")

    async def pickup_locations(
        self, merchant: str | None = None, near: str | None = None
    ) -> list[PickupOffer]:
        await self._tick("pickup_locations")
        return []

    async def choose_pickup(self, merchant: str, location_id: str | None) -> MerchantState:
        await self._tick("choose_pickup")
        raise PannierError(f"{merchant} offers no pickup")

    async def ship_to(
        self, address: PostalAddress, merchant: str | None = None
    ) -> list[MerchantState]:
        await self._tick("ship_to")
        self.shipped_to[merchant or "*"] = address
        return self.state()


ADDRESSES = [
    PostalAddress(
        street_address="1 Infinite Loop",
        address_locality="Cupertino",
        postal_code="95014",
        address_country="US",
    ),
    PostalAddress(
        street_address="8 Rue de Rivoli",
        address_locality="Paris",
        postal_code="75004",
        address_country="FR",
    ),
]


def unavailable() -> MerchantUnavailable:
    return MerchantUnavailable(
        "connection refused", merchant="Petal & Stem", operation="search_catalog"
    )


__all__ = ["StandInTrip", "replace", "unavailable"]
