"""An approval pays exactly what was shown: a changed checkout or another summary is refused.

A yes given moments after the store's answer completes that answer as shown, without reading the
checkout again (``policy.complete_as_shown_s``); a later yes reads it again first.
"""

from __future__ import annotations

from shopping_helpers import OpenTrip

from assistant.config import Config, PolicyConfig
from assistant.domain import READY_FOR_COMPLETE, Approval, Checkout, PurchaseSummary
from assistant.errors import PurchaseRefused
from assistant.events import MerchantFailed, OrderPlaced, ProtocolCalled
from assistant.ucp.requests import CheckoutRequest, LineItemRequest

TULIPS = "tulip-bundle--red"


def calls(trip: object, operation: str) -> int:
    history = trip.bus.history  # type: ignore[attr-defined]
    return len([e for e in history if isinstance(e, ProtocolCalled) and e.operation == operation])


def completions(trip: object) -> int:
    return calls(trip, "complete_checkout")


READ_AGAIN = Config(policy=PolicyConfig(complete_as_shown_s=0))  # a yes always comes too late


async def test_a_checkout_the_store_changed_before_a_late_yes_is_not_completed(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", session="changed-after-yes", config=READ_AGAIN)
    await trip.search("tulip")
    await trip.set_basket([(TULIPS, 1)])
    [state] = await trip.prepare_checkout()
    assert state.status == READY_FOR_COMPLETE and state.checkout_id
    store = trip._ctx.clients[state.merchant.domain]

    async def yes_then_the_store_changes_it(summary: PurchaseSummary) -> Approval:
        more = CheckoutRequest(line_items=[LineItemRequest(item_id=TULIPS, quantity=3)])
        await store.update_checkout(state.checkout_id or "", more)
        return summary.approve()

    [after] = await trip.complete(yes_then_the_store_changes_it)
    assert completions(trip) == 0
    assert after.order is None
    assert after.failure and "changed this checkout after you approved it" in after.failure
    assert not [e for e in trip.bus.history if isinstance(e, OrderPlaced)]


async def test_an_approval_for_another_summary_charges_nothing(open_trip: OpenTrip) -> None:
    trip = await open_trip("flowers", session="other-summary")
    await trip.search("tulip")
    await trip.set_basket([(TULIPS, 1)])
    await trip.prepare_checkout()

    async def yes_to_something_else(summary: PurchaseSummary) -> Approval:
        domains = frozenset(part.merchant.domain for part in summary.merchants)
        return Approval(approved_domains=domains, digest="not-this-summary")

    try:
        await trip.complete(yes_to_something_else)
    except PurchaseRefused as refused:
        assert "different purchase summary" in refused.message
    else:
        raise AssertionError("completed without an approval of this summary")
    assert completions(trip) == 0


async def test_a_yes_moments_after_the_stores_answer_completes_it_without_reading_it_again(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", session="prompt-yes")
    await trip.search("tulip")
    await trip.set_basket([(TULIPS, 1)])
    await trip.prepare_checkout()
    reads = calls(trip, "get_checkout")

    [after] = await trip.complete(_approve)
    assert calls(trip, "get_checkout") == reads
    assert completions(trip) == 1 and after.order is not None and after.failure is None


async def test_a_store_that_charges_otherwise_than_the_yes_it_completed_as_shown_is_reported(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", session="charged-otherwise")
    await trip.search("tulip")
    await trip.set_basket([(TULIPS, 1)])
    [state] = await trip.prepare_checkout()
    store = trip._ctx.clients[state.merchant.domain]

    async def yes_while_the_store_changes_it(summary: PurchaseSummary) -> Approval:
        shown = trip._ctx.state.answer(state.merchant.domain)
        assert shown is not None
        more = CheckoutRequest.from_checkout(shown)  # the same checkout, with three bunches
        more.line_items = [LineItemRequest(item_id=TULIPS, quantity=3)]
        await store.update_checkout(shown.id, more)
        return summary.approve()

    [after] = await trip.complete(yes_while_the_store_changes_it)
    assert after.order is not None  # the store took it: it is the store's order now
    assert after.failure and "not the" in after.failure and "you approved" in after.failure
    failed = [e for e in trip.bus.history if isinstance(e, MerchantFailed)]
    assert [e.operation for e in failed] == ["complete_checkout"]


async def _approve(summary: PurchaseSummary) -> Approval:
    return summary.approve()


async def test_a_checkout_the_store_sends_elsewhere_before_a_late_yes_is_not_completed(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", session="elsewhere-after-yes", config=READ_AGAIN)
    await trip.search("tulip")
    await trip.set_basket([(TULIPS, 1)])
    [state] = await trip.prepare_checkout()
    assert state.delivery is not None and state.delivery.address_locality == "Cupertino"
    store = trip._ctx.clients[state.merchant.domain]

    async def yes_then_the_store_ships_it_elsewhere(summary: PurchaseSummary) -> Approval:
        [part] = summary.merchants
        assert part.delivery == "1 Infinite Loop, Cupertino, 95014, US"
        shown = trip._ctx.state.answer(state.merchant.domain)
        assert shown is not None
        elsewhere = CheckoutRequest.from_checkout(shown)  # the same checkout, another street
        [method] = elsewhere.fulfillment_methods or []
        [destination] = method.destinations
        method.destinations = [destination.model_copy(update={"street_address": "9 Elm St"})]
        moved = await store.update_checkout(shown.id, elsewhere)
        assert isinstance(moved, Checkout), moved
        assert [(t.type, t.amount) for t in moved.totals] == [
            (t.type, t.amount) for t in part.totals
        ]  # only the destination differs from what was shown
        return summary.approve()

    [after] = await trip.complete(yes_then_the_store_ships_it_elsewhere)
    assert completions(trip) == 0
    assert after.order is None
    assert after.failure and "changed this checkout after you approved it" in after.failure
