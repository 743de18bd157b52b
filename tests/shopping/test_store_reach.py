"""A store that cannot deliver to the shopper's default address is remembered, across trips.

The demo buyer's first address is in the US and Cellar Door ships only to the EU: the first
checkout there takes two updates (one switching to the Paris address, one choosing among the
delivery options the store then offers). The refusal is remembered per store, so the next
checkout there, in any trip of the same database, a resumed one too, opens at Paris and needs
one update; a store that takes an address again is no longer held to its refusal.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import httpx2

from assistant.config import Config, demo_buyer
from assistant.domain import Approval, PostalAddress, PurchaseSummary
from assistant.events import MessageAutoResolved, OrderPlaced
from assistant.shopping import compose
from assistant.shopping.state import TripState
from assistant.store import Store
from assistant.store.session_read import read_session
from merchants.serve import RunningStore

CORKSCREW = "waiter-s-friend-corkscrew"


async def approve_all(summary: PurchaseSummary) -> Approval:
    return summary.approve()


async def _purchase(
    db: Path, session: str, wine: str, profile_url: str, *, again: bool = False
) -> tuple[list[dict[str, object]], list[str]]:
    """The MCP calls sent to Cellar Door during a purchase (name and arguments), and what the
    trip told the shopper it fixed there."""
    sent: list[dict[str, object]] = []
    counting = False

    async def record(request: httpx2.Request) -> None:
        body = request.content.decode()
        if counting and not body.startswith("grant_type="):
            sent.append(json.loads(body)["params"])

    store = Store.open(db)
    async with httpx2.AsyncClient(event_hooks={"request": [record]}) as http:
        trip = await compose.open_trip(
            Config(),
            session=session,
            store=store,
            http=http,
            merchant_urls=[wine],
            profile_url=profile_url,
        )
        try:
            await trip.search("corkscrew")
            counting = True
            if again:
                await trip.buy_again(CORKSCREW)
            else:
                await trip.set_basket([(CORKSCREW, 1)])
            await trip.prepare_checkout()
            await trip.complete(approve_all)
            counting = False
            assert sum(isinstance(e, OrderPlaced) for e in trip.bus.history) == 1
            fixes = [e.fix for e in trip.bus.history if isinstance(e, MessageAutoResolved)]
        finally:
            await trip.aclose()
            store.close()
    return sent, fixes


def _names(sent: list[dict[str, object]]) -> list[str]:
    return [str(call["name"]) for call in sent]


def _countries(call: dict[str, object]) -> list[str]:
    checkout = call["arguments"]["checkout"]  # type: ignore[index]
    methods = checkout.get("fulfillment", {}).get("methods", [])
    return [d.get("address_country") for m in methods for d in m.get("destinations", [])]


async def test_cellar_door_takes_two_updates_the_first_time_and_one_once_it_refused_the_us(
    sandbox_stores: dict[str, RunningStore], platform_profile_url: str, tmp_path: Path
) -> None:
    wine = sandbox_stores["wine"].url
    first, told = await _purchase(tmp_path / "p.db", "first", wine, platform_profile_url)
    assert _names(first).count("update_checkout") == 2
    assert any(fix.startswith("Switched delivery to your next address") for fix in told)

    second, told = await _purchase(tmp_path / "p.db", "second", wine, platform_profile_url)
    assert _names(second) == [
        "create_cart",
        "create_checkout",
        "update_checkout",
        "complete_checkout",
    ]
    create = second[_names(second).index("create_checkout")]
    assert _countries(create) == ["FR"]
    opened = next(fix for fix in told if fix.startswith("Opened the checkout"))
    assert "8 Rue de Rivoli" in opened and "could not deliver to 1 Infinite Loop" in opened
    assert not any(fix.startswith("Switched delivery") for fix in told)


async def test_a_resumed_trip_keeps_the_memory_of_where_cellar_door_delivers(
    sandbox_stores: dict[str, RunningStore], platform_profile_url: str, tmp_path: Path
) -> None:
    wine = sandbox_stores["wine"].url
    await _purchase(tmp_path / "p.db", "same", wine, platform_profile_url)
    resumed, _told = await _purchase(
        tmp_path / "p.db", "same", wine, platform_profile_url, again=True
    )
    assert _names(resumed).count("update_checkout") == 1
    assert _countries(resumed[_names(resumed).index("create_checkout")]) == ["FR"]


async def test_the_refusal_cellar_door_taught_is_on_disk_when_the_trip_has_closed(
    sandbox_stores: dict[str, RunningStore], platform_profile_url: str, tmp_path: Path
) -> None:
    wine, db = sandbox_stores["wine"].url, tmp_path / "p.db"
    store = Store.open(db)
    try:
        trip = await compose.open_trip(
            Config(),
            session="s",
            store=store,
            merchant_urls=[wine],
            profile_url=platform_profile_url,
        )
        try:
            await trip.search("corkscrew")
            await trip.set_basket([(CORKSCREW, 1)])
            await trip.prepare_checkout()
        finally:
            await trip.aclose()
        # Another process's view of the file, the trip's store still open: nothing may wait
        # for this process to close its store (or to live on) to be written.
        other = sqlite3.connect(db)
        try:
            rows = other.execute(
                "SELECT merchant, address_country, whole_country FROM refused_addresses"
            ).fetchall()
        finally:
            other.close()
    finally:
        store.close()
    assert rows == [(urlsplit(wine).netloc, "US", 1)]


def _state(db: Path) -> tuple[Store, TripState]:
    store = Store.open(db)
    store.ensure_session("s")
    return store, TripState(store, "s", {}, read_session(store, "s"))


async def test_a_refused_country_covers_every_address_there_until_the_store_takes_one(
    tmp_path: Path,
) -> None:
    new_york, cupertino, paris = (
        PostalAddress(street_address="5 Fifth Ave", postal_code="10001", address_country="US"),
        *demo_buyer().addresses,
    )
    store, state = _state(tmp_path / "p.db")
    state.refuse_address("wine.test", cupertino, whole_country=True)
    state.refuse_address("flowers.test", paris, whole_country=False)
    await state.flush()
    store.close()

    store, state = _state(tmp_path / "p.db")  # a new trip reads what the last one learned
    assert state.refused("wine.test", new_york) and state.refused("wine.test", cupertino)
    assert not state.refused("wine.test", paris) and not state.refused("coffee.test", cupertino)
    assert state.refused("flowers.test", paris)
    assert not state.refused("flowers.test", paris.model_copy(update={"postal_code": "75002"}))
    state.take_address("wine.test", new_york)  # it delivers to the US now
    await state.flush()
    store.close()

    store, state = _state(tmp_path / "p.db")
    assert not state.refused("wine.test", cupertino)
    assert state.refused("flowers.test", paris)
    store.close()
