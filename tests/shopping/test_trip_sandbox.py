"""Whole trips against the sandbox stores on loopback, asserted on the event stream."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import httpx2
import pytest
from pydantic import SecretStr
from shopping_helpers import OpenTrip, kinds, submit_continue_page

from assistant.config import Config, WalletInstrument
from assistant.domain import (
    COMPLETED,
    READY_FOR_COMPLETE,
    REQUIRES_ESCALATION,
    Approval,
    PurchaseSummary,
)
from assistant.errors import PannierError, PurchaseRefused
from assistant.events import (
    DiscountRejected,
    EscalationCleared,
    EscalationRaised,
    MerchantFailed,
    MessageAutoResolved,
    OrderPlaced,
    ProtocolCalled,
    QuestionRaised,
)
from assistant.shopping.declined import CARD_DECLINED_TEXT

TULIPS = "tulip-bundle--red"
COLOMBIA = "colombia-huila-finca-el-paraiso--250-g-whole-bean"
CABLE = "braided-usb-c-cable--1-m"
BAROLO = "barolo-cascina-fiori--2019-75-cl"
JEANS = "slim-tapered-jeans--30-32"


def sandbox_card(last_digits: str, token: str) -> WalletInstrument:
    """A visa card in the sandbox card handler whose token decides the store's answer."""
    return WalletInstrument(
        id=f"card_{last_digits}",
        handler="dev.pannier.sandbox_card",
        type="card",
        brand="visa",
        last_digits=last_digits,
        token=SecretStr(token),
    )


async def approve_all(summary: PurchaseSummary) -> Approval:
    return summary.approve()


async def test_three_store_basket_reaches_ready_for_complete_without_asking(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", "coffee", "electronics", session="three")
    for query in ("tulip", "colombia", "cable"):
        await trip.search(query)
    await trip.set_basket([(TULIPS, 1), (COLOMBIA, 2), (CABLE, 1)])
    states = await trip.prepare_checkout()

    assert [s.status for s in states] == [READY_FOR_COMPLETE] * 3
    assert all(not s.questions and s.failure is None for s in states)
    events = trip.bus.history
    assert not [e for e in events if isinstance(e, QuestionRaised | EscalationRaised)]
    fixes = [e for e in events if isinstance(e, MessageAutoResolved)]
    assert {e.merchant.domain for e in fixes} == {s.merchant.domain for s in states}
    assert any("cheapest" in e.fix for e in fixes)
    assert kinds(events).count("CheckoutResolved") == 3


async def test_each_turns_listing_numbers_from_1_and_a_basket_line_keeps_its_item(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("flowers", "coffee", session="handles")
    first = await trip.search("tulip")
    trip.start_listing()
    coffee = await trip.search("coffee")
    assert [h.handle for h in first.hits] == [str(n) for n in range(1, len(first.hits) + 1)]
    assert coffee.hits[0].handle == "1"
    [state] = await trip.add("1")  # the latest listing's first: a coffee
    [line] = state.lines
    trip.start_listing()
    await trip.search("tulip")
    states = await trip.add("2")  # the coffee stays what it was
    assert sorted(x.variant_id for s in states for x in s.lines) == sorted(
        [coffee.hits[0].variant_id, trip.listing[1].variant_id]
    )
    assert line.handle == "1"  # the session's handle for it, named back as "#1"


async def test_a_reopened_session_restores_the_latest_search_and_its_handles(
    open_trip: OpenTrip, tmp_path: Path
) -> None:
    first = await open_trip("flowers", "coffee", session="again", db=tmp_path / "again.db")
    await first.search("colombia")
    searched = await first.search("tulip")
    await first.aclose()

    reopened = await open_trip("flowers", "coffee", session="again", db=tmp_path / "again.db")
    assert reopened.last_search == searched
    states = await reopened.add(searched.hits[0].handle)
    assert [line.variant_id for line in states[0].lines] == [searched.hits[0].variant_id]


async def test_a_search_saved_by_an_earlier_pannier_reopens_numbered_from_1(
    open_trip: OpenTrip, tmp_path: Path
) -> None:
    first = await open_trip("flowers", session="old", db=tmp_path / "old.db")
    searched = await first.search("tulip")
    # As an earlier Pannier saved it: the session's running numbers, and no listed_before.
    running = [replace(h, handle=str(30 + n)) for n, h in enumerate(searched.hits, start=1)]
    first.store.save_last_search("old", searched.query, replace(searched, hits=running))
    with sqlite3.connect(tmp_path / "old.db") as db:
        db.execute("UPDATE last_search SET listed_before = NULL")
    await first.aclose()

    reopened = await open_trip("flowers", session="old", db=tmp_path / "old.db")
    assert reopened.last_search is not None
    assert [h.handle for h in reopened.last_search.hits] == [h.handle for h in searched.hits]
    [state] = await reopened.add("1")
    assert [line.variant_id for line in state.lines] == [searched.hits[0].variant_id]


async def test_orders_paid_on_the_store_page_instead_are_adopted_on_recheck(
    open_trip: OpenTrip,
) -> None:
    # The demo buyer's default address is in the US; its second one is in Paris.
    trip = await open_trip("wine", "apparel", session="escalate")
    await trip.search("barolo")
    await trip.search("jeans")
    await trip.set_basket([(BAROLO, 1), (JEANS, 1)])
    states = await trip.prepare_checkout()
    assert [s.status for s in states] == [REQUIRES_ESCALATION] * 2
    switched = [e.fix for e in trip.bus.history if isinstance(e, MessageAutoResolved)]
    assert any("Switched delivery to your next address" in fix for fix in switched)
    escalations = trip.escalations()
    codes = {m.code for e in escalations for m in e.messages}
    assert codes == {"age_verification_required", "size_confirmation_required"}
    assert all("utm_source=pannier" in e.continue_url for e in escalations)

    # Nothing changed yet: a re-check leaves them open.
    assert [e.state for e in await trip.recheck_escalations()] == ["open", "open"]
    for escalation in escalations:
        response = await submit_continue_page(escalation.continue_url, pay_here=True)
        assert response.status_code == 200
    settled = await trip.recheck_escalations()
    assert [e.state for e in settled] == ["resolved", "resolved"]
    placed = [e for e in trip.bus.history if isinstance(e, OrderPlaced)]
    assert len(placed) == 2
    assert len([e for e in trip.bus.history if isinstance(e, EscalationCleared)]) == 2
    orders = await trip.orders()
    assert {o.merchant.domain for o in orders} == {s.merchant.domain for s in states}
    assert all(s.status == COMPLETED for s in trip.state())


async def test_an_age_check_handed_back_by_the_page_is_paid_by_pannier_after_confirmation(
    open_trip: OpenTrip,
) -> None:
    trip = await open_trip("wine", session="hand-back")
    await trip.search("barolo")
    await trip.set_basket([(BAROLO, 1)])
    [state] = await trip.prepare_checkout()
    assert state.status == REQUIRES_ESCALATION
    assert [m for m in state.messages if m.is_error]  # the store asks for the age check
    [escalation] = trip.escalations()

    response = await submit_continue_page(escalation.continue_url)  # the page's primary action
    assert response.status_code == 200 and "Order placed" not in response.text
    [settled] = await trip.recheck_escalations()
    [ready] = trip.state()
    assert settled.state == "resolved" and ready.status == READY_FOR_COMPLETE
    # What the card shows is what the store says now: its age-check error is gone with the check.
    assert not [m for m in ready.messages if m.is_error]
    assert not [e for e in trip.bus.history if isinstance(e, OrderPlaced)]  # nothing paid yet

    shown: list[PurchaseSummary] = []

    async def confirm(summary: PurchaseSummary) -> Approval:
        shown.append(summary)
        return summary.approve()

    [done] = await trip.complete(confirm)
    assert [part.merchant.domain for summary in shown for part in summary.merchants] == [
        state.merchant.domain
    ]
    assert done.status == COMPLETED and done.order is not None
    placed = [e.order for e in trip.bus.history if isinstance(e, OrderPlaced)]
    assert [o.order_id for o in placed] == [done.order.order_id]


async def test_rejected_discount_code_reports_the_stores_reason(open_trip: OpenTrip) -> None:
    trip = await open_trip("flowers", session="discount")
    await trip.search("tulip")
    await trip.set_basket([(TULIPS, 1)])
    await trip.set_discount_codes(trip.merchants[0].domain, ["BIGSPEND20"])
    await trip.prepare_checkout()
    rejected = [e for e in trip.bus.history if isinstance(e, DiscountRejected)]
    assert rejected and rejected[0].code == "BIGSPEND20"
    assert "more" in rejected[0].reason.lower()
    assert len(rejected) == len({(e.code, e.reason) for e in rejected})


@pytest.mark.parametrize("merchant", ["petal", "Petal & Stem", "PETAL & stem", "petalst"])
async def test_discount_codes_find_the_merchant_by_display_name_or_its_prefix(
    open_trip: OpenTrip, merchant: str
) -> None:
    trip = await open_trip("flowers", "coffee", session=f"discount-{merchant}")
    assert [m.name for m in trip.merchants] == ["Petal & Stem", "Ember & Oak Roasters"]
    await trip.search("tulip")
    await trip.set_basket([(TULIPS, 1)])
    state = await trip.set_discount_codes(merchant, ["WELCOME10"])
    assert state.merchant == trip.merchants[0]
    assert state.discount_codes == ["WELCOME10"]


async def test_discount_codes_for_an_unknown_merchant_are_refused(open_trip: OpenTrip) -> None:
    trip = await open_trip("flowers", "coffee", session="discount-unknown")
    with pytest.raises(PannierError, match="no single merchant matches 'wine'"):
        await trip.set_discount_codes("wine", ["WELCOME10"])


async def test_declined_card_is_reported_not_raised(open_trip: OpenTrip) -> None:
    declined = sandbox_card("0002", "tok_sandbox_declined")
    trip = await open_trip("coffee", config=Config(wallet=[declined]), session="declined")
    await trip.search("colombia")
    await trip.set_basket([(COLOMBIA, 1)])
    await trip.prepare_checkout()
    seen: list[PurchaseSummary] = []

    async def confirm(summary: PurchaseSummary) -> Approval:
        seen.append(summary)
        return await approve_all(summary)

    [state] = await trip.complete(confirm)
    assert seen[0].merchants[0].instrument == "visa •••• 0002"
    failed = [e for e in trip.bus.history if isinstance(e, MerchantFailed)]
    assert [e.operation for e in failed] == ["complete_checkout"]
    assert state.failure and state.order is None
    assert not [e for e in trip.bus.history if isinstance(e, OrderPlaced)]
    assert "tok_sandbox" not in repr(trip.bus.history)


async def test_a_3ds_challenge_becomes_an_escalation_and_the_order_is_placed_after_it(
    open_trip: OpenTrip,
) -> None:
    challenged = sandbox_card("3063", "tok_sandbox_3ds")
    trip = await open_trip("coffee", config=Config(wallet=[challenged]), session="3ds")
    await trip.search("colombia")
    await trip.set_basket([(COLOMBIA, 1)])
    [prepared] = await trip.prepare_checkout()
    assert prepared.status == READY_FOR_COMPLETE

    [state] = await trip.complete(approve_all)
    assert state.status == REQUIRES_ESCALATION and state.order is None
    raised = [e.escalation for e in trip.bus.history if isinstance(e, EscalationRaised)]
    [escalation] = trip.escalations()
    assert raised == [escalation]
    assert escalation.state == "open"
    assert [m.code for m in escalation.messages] == ["requires_3ds"]
    assert "utm_source=pannier" in escalation.continue_url
    assert not [e for e in trip.bus.history if isinstance(e, OrderPlaced | MerchantFailed)]

    response = await submit_continue_page(escalation.continue_url)
    assert response.status_code == 200
    [settled] = await trip.recheck_escalations()
    assert settled.state == "resolved"
    placed = [e.order for e in trip.bus.history if isinstance(e, OrderPlaced)]
    assert [o.merchant.domain for o in placed] == [state.merchant.domain]
    assert [o.order_id for o in await trip.orders()] == [placed[0].order_id]
    assert trip.state()[0].status == COMPLETED
    assert "tok_sandbox" not in repr(trip.bus.history)


async def test_declined_confirmation_never_calls_complete_checkout(open_trip: OpenTrip) -> None:
    trip = await open_trip("flowers", session="no")
    await trip.search("tulip")
    await trip.set_basket([(TULIPS, 1)])
    [state] = await trip.prepare_checkout()

    async def decline(summary: PurchaseSummary) -> Approval:
        return Approval.declined()

    await trip.complete(decline)
    calls = [e.operation for e in trip.bus.history if isinstance(e, ProtocolCalled)]
    assert "complete_checkout" not in calls
    assert state.checkout_id is not None
    async with httpx2.AsyncClient(timeout=10.0) as http:
        page = await http.get(f"{state.merchant.url}/checkout/{state.checkout_id}")
    assert "ready_for_complete" in page.text and "Order placed" not in page.text
    assert await trip.orders() == []


async def test_spending_limit_is_enforced_before_asking(open_trip: OpenTrip) -> None:
    config = Config.model_validate({"limits": {"per_order": {"USD": 100}}})
    trip = await open_trip("flowers", config=config, session="limits")
    await trip.search("tulip")
    await trip.set_basket([(TULIPS, 1)])
    await trip.prepare_checkout()
    asked: list[PurchaseSummary] = []

    async def confirm(summary: PurchaseSummary) -> Approval:
        asked.append(summary)
        return await approve_all(summary)

    with pytest.raises(PurchaseRefused, match="per-order limit"):
        await trip.complete(confirm)
    assert asked == []


async def test_the_purchase_summary_shows_what_the_merchant_will_charge_for(
    open_trip: OpenTrip,
) -> None:
    """Stock cut 5 earbuds to 3: the shopper approves 3, not the 5 the basket asked for."""
    config = Config.model_validate({"policy": {"allow_quantity_reduction": True}})
    trip = await open_trip("electronics", config=config, session="reduced")
    await trip.search("earbuds")
    await trip.set_basket([("pulse-wireless-earbuds--white", 5)])
    [state] = await trip.prepare_checkout()
    assert state.status == READY_FOR_COMPLETE
    asked: list[PurchaseSummary] = []

    async def decline(summary: PurchaseSummary) -> Approval:
        asked.append(summary)
        return Approval.declined()

    await trip.complete(decline)
    [part] = asked[0].merchants
    assert [(line.variant_id, line.quantity) for line in part.lines] == [
        ("pulse-wireless-earbuds--white", 3)
    ]
    assert part.lines[0].unit_price is not None
    assert part.lines[0].unit_price.currency == "USD"


async def test_a_card_declined_on_the_page_returns_to_the_inbox_and_paying_again_places_it(
    open_trip: OpenTrip,
) -> None:
    challenged = sandbox_card("3063", "tok_sandbox_3ds")
    trip = await open_trip("coffee", config=Config(wallet=[challenged]), session="3ds-fail")
    await trip.search("colombia")
    await trip.set_basket([(COLOMBIA, 1)])
    await trip.prepare_checkout()
    await trip.complete(approve_all)
    [escalation] = trip.escalations()

    response = await submit_continue_page(escalation.continue_url, challenge="fail")
    assert response.status_code == 200
    [declined] = await trip.recheck_escalations()

    # Not "all clear": the inbox says what happened and what the shopper can do next.
    assert declined.state == "open" and declined.continue_url == escalation.continue_url
    assert [m.content for m in declined.messages] == [CARD_DECLINED_TEXT]
    assert "card declined — try another card or pay on the page" in CARD_DECLINED_TEXT
    [state] = trip.state()
    assert state.status == "requires_escalation" and state.order is None and not state.questions
    assert "payment_failed" in [m.code for m in state.messages]
    assert not [e for e in trip.bus.history if isinstance(e, OrderPlaced)]

    # Trying again from Pannier asks first, then pays (this card's bank asks once more).
    asked: list[PurchaseSummary] = []

    async def confirm(summary: PurchaseSummary) -> Approval:
        asked.append(summary)
        return await approve_all(summary)

    [again] = await trip.complete(confirm)
    assert len(asked) == 1 and again.status == REQUIRES_ESCALATION
    [challenge] = [e for e in trip.escalations() if e.state == "open"]
    assert [m.code for m in challenge.messages] == ["requires_3ds"]
    assert (await submit_continue_page(challenge.continue_url)).status_code == 200
    [settled] = await trip.recheck_escalations()
    assert settled.state == "resolved"
    assert trip.state()[0].status == COMPLETED
    assert len(await trip.orders()) == 1
