"""An approval pays exactly what was shown: a changed checkout or another summary is refused."""

from __future__ import annotations

from shopping_helpers import OpenTrip

from assistant.domain import READY_FOR_COMPLETE, Approval, PurchaseSummary
from assistant.errors import PurchaseRefused
from assistant.events import OrderPlaced, ProtocolCalled
from assistant.ucp.requests import CheckoutRequest, LineItemRequest

TULIPS = "tulip-bundle--red"


def completions(trip: object) -> int:
    history = trip.bus.history  # type: ignore[attr-defined]
    return len(
        [e for e in history if isinstance(e, ProtocolCalled) and e.operation == "complete_checkout"]
    )


async def test_a_checkout_the_store_changed_after_the_yes_is_not_completed(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", session="changed-after-yes")
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
