"""Order updates come back: a sandbox store advances an order (shipped with tracking, delivered,
refunded) and tells Pannier with a signed webhook; a webhook whose signature fails changes
nothing; an order no webhook told us about is polled when the orders are shown."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from shopping_helpers import OpenTrip

from assistant.config import Config
from assistant.domain import Approval, PurchaseSummary
from assistant.events import OrderUpdated, ProtocolCalled, WebhookRejected
from assistant.shopping import compose
from assistant.shopping.order_watch import OrderWatch
from assistant.shopping.trip import Trip
from assistant.store import Store
from merchants.serve import RunningStore

TULIPS = "tulip-bundle--red"
WAIT_S = 20.0  # bounds each wait for the watch


async def _approve(summary: PurchaseSummary) -> Approval:
    return summary.approve()


@pytest.fixture
async def signed_trip(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> AsyncIterator[Trip]:
    """A trip serving its own profile (keys and webhook URL), as `pannier` runs one."""
    store = Store.open(tmp_path / "pannier.db")
    trip = await compose.open_trip(
        Config(), store=store, session="hooks", merchant_urls=[sandbox_stores["flowers"].url]
    )
    yield trip
    await trip.aclose()
    store.close()


async def _buy(trip: Trip) -> str:
    await trip.search("tulip")
    await trip.set_basket([(TULIPS, 1)])
    await trip.prepare_checkout()
    await trip.complete(_approve)
    (order,) = trip.store.orders(trip.session)
    return order.order_id


async def _advance(
    store: RunningStore, order_id: str, step: str, *, webhook: bool = True
) -> dict[str, Any]:
    body: dict[str, Any] = {"to": step} if webhook else {"to": step, "webhook": False}
    async with httpx2.AsyncClient() as http:
        answer = await http.post(f"{store.url}/sandbox/orders/{order_id}/advance", json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def test_shipped_delivered_and_refunded_come_back_as_signed_webhooks(
    signed_trip: Trip, sandbox_stores: dict[str, RunningStore]
) -> None:
    flowers = sandbox_stores["flowers"]
    order_id = await _buy(signed_trip)
    for step in ("shipped", "delivered", "refunded"):
        assert (await _advance(flowers, order_id, step))["webhook"] == "delivered"

    (record,) = signed_trip.store.orders(signed_trip.session)
    assert record.status == "refunded"
    assert [step.label for step in record.timeline] == ["placed", "shipped", "delivered", "refund"]
    shipped = record.timeline[1]
    assert shipped.detail.startswith("Sandbox Post SP") and shipped.tracking_url is not None
    updates = [e for e in signed_trip.bus.history if isinstance(e, OrderUpdated)]
    assert [e.order.status for e in updates] == ["shipped", "delivered", "refunded"]

    polls_before = _get_order_calls(signed_trip)
    shown = await signed_trip.orders()
    assert shown == [record]  # heard about just now: shown as the webhook left it, not polled
    assert _get_order_calls(signed_trip) == polls_before


async def test_a_webhook_received_while_the_trip_is_open_shows_in_its_orders_and_survives_a_restart(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    flowers = sandbox_stores["flowers"]
    store = Store.open(tmp_path / "pannier.db")
    urls = [flowers.url]
    trip = await compose.open_trip(Config(), store=store, session="hooks", merchant_urls=urls)
    try:
        order_id = await _buy(trip)
        assert (await _advance(flowers, order_id, "shipped"))["webhook"] == "delivered"
        (card,) = trip.state()
        assert card.order is not None and card.order.status == "shipped"
        assert [step.label for step in card.order.timeline] == ["placed", "shipped"]
        assert store.orders(trip.session) == [card.order]  # the trip and the database agree
    finally:
        await trip.aclose()
        store.close()

    store = Store.open(tmp_path / "pannier.db")
    again = await compose.open_trip(Config(), store=store, session="hooks", merchant_urls=urls)
    try:
        (resumed,) = again.state()
        assert resumed.order == card.order
    finally:
        await again.aclose()
        store.close()


def _get_order_calls(trip: Trip) -> int:
    return sum(
        1 for e in trip.bus.history if isinstance(e, ProtocolCalled) and e.operation == "get_order"
    )


async def test_a_webhook_whose_signature_fails_changes_nothing(
    signed_trip: Trip, sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    flowers = sandbox_stores["flowers"]
    order_id = await _buy(signed_trip)
    before = signed_trip.store.orders(signed_trip.session)

    # What the store would send for "shipped", captured rather than delivered, then changed.
    advanced = (await _advance(flowers, order_id, "shipped"))["order"]
    (record,) = signed_trip.store.orders(signed_trip.session)
    signed_trip.store.save_order(signed_trip.session, before[0])  # forget the real delivery
    port = (tmp_path / "profile-port").read_text().strip()
    url = f"http://127.0.0.1:{port}/webhooks/orders"
    forged = dict(advanced, label="forged")
    body = json.dumps(forged, separators=(",", ":")).encode()
    async with httpx2.AsyncClient() as http:
        unsigned = await http.post(
            url,
            content=body,
            headers={
                "Content-Type": "application/json",
                "UCP-Agent": f'profile="{flowers.url}/.well-known/ucp"',
                "Signature-Input": 'sig1=("@method");created=1;keyid="nobody"',
                "Signature": "sig1=:AAAA:",
            },
        )
    assert unsigned.status_code == 401 and unsigned.json()["code"] == "signature_invalid"
    assert signed_trip.store.orders(signed_trip.session) == before
    assert record.status == "shipped"
    rejected = [e for e in signed_trip.bus.history if isinstance(e, WebhookRejected)]
    assert rejected and "Petal & Stem" in rejected[-1].reason


async def test_an_order_no_webhook_told_us_about_is_polled_with_its_timeline(
    open_trip: OpenTrip, sandbox_stores: dict[str, RunningStore]
) -> None:
    trip = await open_trip("flowers", session="polled")  # a profile with no webhook URL
    order_id = await _buy(trip)
    assert (await _advance(sandbox_stores["flowers"], order_id, "shipped"))["webhook"] == (
        "no webhook registered"
    )
    polls_before = _get_order_calls(trip)
    (order,) = await trip.orders()
    assert order.status == "shipped"
    assert [step.label for step in order.timeline] == ["placed", "shipped"]
    assert _get_order_calls(trip) == polls_before + 1


async def test_the_background_watch_polls_an_order_until_it_is_delivered_then_stops(
    open_trip: OpenTrip, sandbox_stores: dict[str, RunningStore]
) -> None:
    trip = await open_trip("flowers", session="watched")  # a profile with no webhook URL
    order_id = await _buy(trip)
    watch = OrderWatch(trip._ctx, first_s=0.02, longest_s=0.1)
    updates = trip.bus.subscribe()
    task = asyncio.create_task(watch.run())
    try:

        async def next_status(wanted: str) -> None:
            async with asyncio.timeout(WAIT_S):
                async for event in updates:
                    if isinstance(event, OrderUpdated) and event.order.status == wanted:
                        return

        for step in ("shipped", "delivered"):
            await _advance(sandbox_stores["flowers"], order_id, step, webhook=False)
            await next_status(step)
        # Polled since: its next look at the trip, before waiting again, dropped the order.
        await asyncio.wait_for(watch.waiting.wait(), WAIT_S)
        assert watch.watching == []
        (record,) = trip.store.orders(trip.session)
        assert record.status == "delivered"
        assert [s.label for s in record.timeline] == ["placed", "shipped", "delivered"]
        assert not task.done()  # still running, for the next order
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_closing_the_trip_stops_its_order_watch(open_trip: OpenTrip) -> None:
    trip = await open_trip("flowers", session="closing")
    watching = asyncio.create_task(trip.watch_orders())
    await asyncio.sleep(0)  # one turn of the loop: the watch starts (a yield, not a wait)
    await trip.aclose()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(watching, WAIT_S)
