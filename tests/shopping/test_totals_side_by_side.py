"""Totals that compare: once one store in the basket has a checkout, every store has one.

A cart's total is its items alone; a checkout's carries the store's shipping (or pickup) and tax.
"two bags of coffee and some tulips to collect from Camden" prepared the flower store's checkout
for the pickup and left the coffee at "cart", so "what's my total?" put USD 37.10 with tax beside
USD 38.00 without shipping. On the real sandbox stores, over loopback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from shopping_helpers import OpenTrip

from assistant.config import Config
from assistant.domain import MerchantState
from assistant.events import CartUpdated, ProtocolCalled
from assistant.profile import ProfileServer, serve_profile
from assistant.shopping.trip import Trip

TULIPS = "tulip-bundle--red"
COFFEE = "brazil-cerrado-natural--250-g-whole-bean"


@pytest.fixture
async def profiles() -> AsyncIterator[ProfileServer]:
    """Our platform profile of both releases (a store's pickup is on 2026-08-25 only)."""
    server = await serve_profile(Config())
    yield server
    await server.aclose()


def _by_store(trip: Trip) -> dict[str, MerchantState]:
    return {state.merchant.name: state for state in trip.state()}


def _charges(state: MerchantState) -> list[str]:
    return [total.type for total in state.totals if total.type in ("fulfillment", "tax")]


async def _coffee_and_tulips(open_trip: OpenTrip, **trip_options: object) -> Trip:
    trip = await open_trip("flowers", "coffee", **trip_options)
    await trip.search("tulips")
    await trip.search("coffee")
    await trip.set_basket([(COFFEE, 2), (TULIPS, 1)])
    return trip


async def test_collecting_the_tulips_also_prepares_the_coffee_checkout_so_both_totals_have_shipping(
    open_trip: OpenTrip, profiles: ProfileServer
) -> None:
    trip = await _coffee_and_tulips(open_trip, profile_url=profiles.urls)
    assert {s.status for s in trip.state()} == {None}  # both at "cart" before anything else
    [offer] = await trip.pickup_locations("Petal & Stem")
    camden = next(loc for loc in offer.locations if "Camden" in (loc.name or ""))

    await trip.choose_pickup(offer.merchant.domain, camden.id)

    stores = _by_store(trip)
    tulips, coffee = stores["Petal & Stem"], stores["Ember & Oak Roasters"]
    assert tulips.pickup is not None and tulips.status == "ready_for_complete"
    assert coffee.pickup is None and coffee.status == "ready_for_complete", coffee.messages
    assert "fulfillment" in _charges(coffee)  # its shipping is in its total, as pickup is here
    subtotal = {t.type: t.amount for t in coffee.totals}
    assert subtotal["total"] > subtotal["subtotal"]


async def test_changing_a_quantity_after_checkout_keeps_that_store_at_checkout_with_its_total(
    open_trip: OpenTrip,
) -> None:
    trip = await _coffee_and_tulips(open_trip)
    await trip.prepare_checkout()

    await trip.set_quantity(TULIPS, 2)

    tulips = _by_store(trip)["Petal & Stem"]
    assert tulips.status == "ready_for_complete"  # not back at "cart" beside a store at "ready"
    assert [line.quantity for line in tulips.lines] == [2]
    assert "fulfillment" in _charges(tulips)


async def test_while_every_store_is_at_cart_a_basket_change_calls_no_checkout(
    open_trip: OpenTrip,
) -> None:
    trip = await _coffee_and_tulips(open_trip)
    before = len(trip.bus.history)

    await trip.set_quantity(COFFEE, 3)

    called = [e.operation for e in trip.bus.history[before:] if isinstance(e, ProtocolCalled)]
    assert called == ["update_cart"]  # the coffee's cart, and no checkout anywhere
    assert {s.status for s in trip.state()} == {None}


async def test_removing_a_stores_only_item_after_checkout_leaves_no_total_on_its_card(
    open_trip: OpenTrip,
) -> None:
    trip = await _coffee_and_tulips(open_trip)
    await trip.prepare_checkout()

    await trip.remove(COFFEE)

    [emptied] = [
        e.state
        for e in trip.bus.history
        if isinstance(e, CartUpdated) and e.state.merchant.name == "Ember & Oak Roasters"
    ][-1:]
    # What its card showed: "open", "nothing in your cart here yet" and "Total USD 41.99".
    assert emptied.lines == [] and emptied.totals == [] and emptied.messages == [], emptied
    tulips = _by_store(trip)["Petal & Stem"]
    assert tulips.status == "ready_for_complete" and "fulfillment" in _charges(tulips)
