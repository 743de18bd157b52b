"""Static trip records (three shops) and a fake trip, for widget tests and snapshots."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from assistant.domain import (
    Approval,
    BasketLine,
    Escalation,
    MerchantRef,
    MerchantState,
    MerchantSummary,
    Message,
    Money,
    OrderRecord,
    PostalAddress,
    PurchaseSummary,
    Total,
)
from assistant.domain.accounts import StoreAccount
from assistant.domain.destination import place_label
from assistant.events import EventBus
from assistant.service import ShoppingSession
from assistant.shopping.accounts import TripAccounts

FLOWERS = MerchantRef("flowers.sandbox", "Petal & Stem", "http://flowers.sandbox")
COFFEE = MerchantRef("coffee.sandbox", "Ember & Oak Roasters", "http://coffee.sandbox")
WINE = MerchantRef("wine.sandbox", "Cellar Door Wines", "http://wine.sandbox")


CUPERTINO = PostalAddress(
    street_address="1 Infinite Loop",
    address_locality="Cupertino",
    postal_code="95014",
    address_country="US",
)


def usd(amount: int) -> Money:
    return Money(amount=amount, currency="USD")


def coffee_state(status: str | None = "ready_for_complete") -> MerchantState:
    return MerchantState(
        merchant=COFFEE,
        lines=[BasketLine(COFFEE, "v_espresso_250", "Espresso Blend 250 g", 2, usd(1800), "4")],
        checkout_id="co_coffee",
        status=status,
        currency="USD",
        totals=[
            Total(type="subtotal", amount=3600),
            Total(type="fulfillment", amount=399, display_text="Economy shipping"),
            Total(type="total", amount=3999),
        ],
        delivery=CUPERTINO,
    )


def flowers_state(status: str | None = "ready_for_complete") -> MerchantState:
    return MerchantState(
        merchant=FLOWERS,
        lines=[
            BasketLine(FLOWERS, "v_tulips", "Spring Tulips", 1, usd(4500), "1"),
            BasketLine(FLOWERS, "v_vase", "Glass Vase", 1, usd(1200), "2"),
        ],
        checkout_id="co_flowers",
        status=status,
        currency="USD",
        totals=[
            Total(type="subtotal", amount=5700),
            Total(type="items_discount", amount=-570, display_text="SPRING10"),
            Total(type="tax", amount=308, display_text="Sales tax (6%)"),
            Total(type="total", amount=5438),
        ],
        messages=[
            Message(
                type="warning",
                presentation="disclosure",
                content="Tulips are toxic to cats.",
                path="$.line_items[0]",
            )
        ],
    )


def wine_state(status: str | None = "requires_escalation") -> MerchantState:
    return MerchantState(
        merchant=WINE,
        lines=[BasketLine(WINE, "v_pinot", "Pinot Noir 2021", 1, usd(3200), "7")],
        checkout_id="co_wine",
        status=status,
        currency="USD",
        totals=[
            Total(type="subtotal", amount=3200),
            Total(type="tax", amount=264, display_text="Tax"),
            Total(type="total", amount=3464),
        ],
        messages=[
            Message(
                type="error",
                severity="requires_buyer_input",
                code="age_verification",
                content="Confirm you are 21 or older on our site.",
            ),
            Message(
                type="warning",
                presentation="disclosure",
                content="Contains sulfites.",
                path="$.line_items[0]",
            ),
        ],
        continue_url="http://wine.sandbox/checkout/co_wine/continue",
    )


def wine_escalation(state: str = "open") -> Escalation:
    return Escalation(
        id="esc_wine",
        merchant=WINE,
        checkout_id="co_wine",
        messages=[wine_state().messages[0]],
        disclosures=[wine_state().messages[1]],
        continue_url="http://wine.sandbox/checkout/co_wine/continue",
        state=state,
    )


def summary() -> PurchaseSummary:
    def of(state: MerchantState) -> MerchantSummary:
        total = next(t for t in state.totals if t.type == "total")
        return MerchantSummary(
            merchant=state.merchant,
            checkout_id=state.checkout_id or "",
            lines=state.lines,
            totals=state.totals,
            total=usd(total.amount),
            instrument="visa •••• 4242",
            delivery=place_label(state.delivery) if state.delivery is not None else None,
        )

    return PurchaseSummary(
        merchants=[of(flowers_state()), of(coffee_state())],
        limits={"per_order": usd(50000), "per_session": usd(150000)},
    )


def order(merchant: MerchantRef, order_id: str, amount: int) -> OrderRecord:
    return OrderRecord(
        merchant,
        order_id,
        f"co_{order_id}",
        f"{merchant.url}/orders/{order_id}",
        usd(amount),
        "placed",
    )


class FakeTrip:
    """Just enough of ``Trip`` for the app, with no network."""

    def __init__(self) -> None:
        self.bus = EventBus()
        self.merchants = [FLOWERS, COFFEE, WINE]
        self.accounts = TripAccounts(None, self.merchants)  # no linked accounts
        self.states = [flowers_state(), coffee_state(), wine_state()]
        self.open_escalations = [wine_escalation()]
        self.placed: list[OrderRecord] = []
        self.rechecks = 0
        self.closed = False

    def state(self) -> list[MerchantState]:
        return self.states

    def escalations(self) -> list[Escalation]:
        return self.open_escalations

    async def recheck_escalations(self) -> list[Escalation]:
        self.rechecks += 1
        return self.open_escalations

    async def orders(self) -> list[OrderRecord]:
        return self.placed

    async def store_history(self) -> list[StoreAccount]:
        return []

    async def watch_orders(self) -> None:
        return None  # its orders never change

    async def prepare_checkout(self) -> list[MerchantState]:
        return self.states

    async def complete(
        self, confirm: Callable[[PurchaseSummary], Awaitable[Approval]]
    ) -> list[MerchantState]:
        approval = await confirm(summary())
        for domain in sorted(approval.approved_domains):
            self.placed.append(
                order(
                    next(m for m in self.merchants if m.domain == domain), f"ORD-{domain[:3]}", 1000
                )
            )
        return self.states

    async def aclose(self) -> None:
        self.closed = True


def fake_opener(
    trip: FakeTrip, *, escalation_recheck_s: float | None = None
) -> Callable[[object], Awaitable[ShoppingSession]]:
    async def open_(options: object) -> ShoppingSession:
        return ShoppingSession(
            trip,  # type: ignore[arg-type]
            None,
            name="demo",
            planner_label="offline planner",
            escalation_recheck_s=escalation_recheck_s,
        )

    return open_
