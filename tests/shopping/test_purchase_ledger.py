"""The purchase ledger on real stores: nothing ordered is bought again unless asked by name."""

from __future__ import annotations

from pathlib import Path

import pytest
from shopping_helpers import OpenTrip, orders_at, submit_continue_page

from assistant.domain import COMPLETED, ORDERED, READY_FOR_COMPLETE, Approval, PurchaseSummary
from assistant.errors import PurchaseRefused
from assistant.events import OrderPlaced, ProtocolCalled

TULIPS = "tulip-bundle--red"
COLOMBIA = "colombia-huila-finca-el-paraiso--250-g-whole-bean"
BAROLO = "barolo-cascina-fiori--2019-75-cl"


def checkouts_created(trip: object) -> int:
    history = trip.bus.history  # type: ignore[attr-defined]
    return len(
        [e for e in history if isinstance(e, ProtocolCalled) and e.operation == "create_checkout"]
    )


async def approve_all(summary: PurchaseSummary) -> Approval:
    return summary.approve()


async def test_buying_again_after_an_order_charges_nothing_and_opens_no_checkout(
    open_trip: OpenTrip, sandbox_data_dir: Path
) -> None:
    trip = await open_trip("flowers", "coffee", session="rebuy")
    await trip.search("tulip")
    await trip.search("colombia")
    await trip.set_basket([(TULIPS, 1), (COLOMBIA, 1)])
    await trip.prepare_checkout()
    before = orders_at(sandbox_data_dir, "flowers") + orders_at(sandbox_data_dir, "coffee")

    # The shopper pays one store only, then says "buy" again, and again.
    flowers = trip.merchants[0].domain
    await trip.complete(lambda summary: _approve(summary, {flowers}))
    created = checkouts_created(trip)
    asked: list[PurchaseSummary] = []

    async def approve_everything(summary: PurchaseSummary) -> Approval:
        asked.append(summary)
        return summary.approve()

    await trip.prepare_checkout()
    await trip.complete(approve_everything)
    await trip.prepare_checkout()
    with pytest.raises(PurchaseRefused, match="no checkout is ready"):
        await trip.complete(approve_everything)

    after = orders_at(sandbox_data_dir, "flowers") + orders_at(sandbox_data_dir, "coffee")
    assert after - before == 2  # one per store, never a second one at flowers
    assert [[part.merchant.name for part in s.merchants] for s in asked] == [
        ["Ember & Oak Roasters"]
    ]
    assert [o.merchant.name for o in asked[0].placed] == ["Petal & Stem"]
    assert checkouts_created(trip) == created  # nothing ordered went into a new checkout
    assert all(line.stage == ORDERED for line in trip.basket())
    assert len([e for e in trip.bus.history if isinstance(e, OrderPlaced)]) == 2


async def _approve(summary: PurchaseSummary, domains: set[str]) -> Approval:
    return summary.approve(domains)


async def test_an_ordered_item_is_bought_again_only_when_asked_by_name(
    open_trip: OpenTrip, sandbox_data_dir: Path
) -> None:
    trip = await open_trip("flowers", session="again")
    await trip.search("tulip")
    await trip.set_basket([(TULIPS, 1)])
    await trip.prepare_checkout()
    await trip.complete(approve_all)
    before = orders_at(sandbox_data_dir, "flowers")

    # A model that resends the whole basket (tulips included) does not buy them again.
    [state] = await trip.set_basket([(TULIPS, 1)])
    assert [line.stage for line in state.lines] == [ORDERED]
    assert not (await trip.prepare_checkout())[0].questions
    with pytest.raises(PurchaseRefused):
        await trip.complete(approve_all)

    # "Buy the tulips again": a separate purchase, shown as such.
    await trip.buy_again(TULIPS)
    [state] = await trip.prepare_checkout()
    assert state.status == READY_FOR_COMPLETE
    asked: list[PurchaseSummary] = []

    async def approve(summary: PurchaseSummary) -> Approval:
        asked.append(summary)
        return summary.approve()

    await trip.complete(approve)
    [part] = asked[0].merchants
    assert part.buys_again and [line.again for line in part.lines] == [True]
    assert orders_at(sandbox_data_dir, "flowers") == before + 1
    assert [line.stage for line in trip.basket()] == [ORDERED, ORDERED]


async def test_an_order_paid_on_the_store_page_is_adopted_by_the_next_buy(
    open_trip: OpenTrip, sandbox_data_dir: Path
) -> None:
    trip = await open_trip("wine", session="page-paid")
    await trip.search("barolo")
    await trip.set_basket([(BAROLO, 1)])
    await trip.prepare_checkout()
    [escalation] = trip.escalations()
    before = orders_at(sandbox_data_dir, "wine")
    assert (await submit_continue_page(escalation.continue_url, pay_here=True)).status_code == 200
    created = checkouts_created(trip)

    # No "I'm back": the shopper just says "buy".
    [state] = await trip.prepare_checkout()
    assert state.status == COMPLETED and state.order is not None
    assert checkouts_created(trip) == created
    assert [e.state for e in trip.escalations()] == ["resolved"]
    assert [line.stage for line in trip.basket()] == [ORDERED]
    with pytest.raises(PurchaseRefused):
        await trip.complete(approve_all)
    assert orders_at(sandbox_data_dir, "wine") == before + 1
    assert len(await trip.orders()) == 1
