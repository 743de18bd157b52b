"""An address the shopper chose is theirs: a store that cannot deliver there gets a question.

Ember & Oak Roasters ships only to the US. "ship to my Paris address" for its coffee used to be
answered by switching, unasked, to the shopper's next address (Cupertino); the next round sent
Paris again, and the two alternated until the rounds ran out, leaving "Choose a delivery option"
and a basket nobody could buy. Now the store's refusal is said, the shopper is asked, nothing is
sent to another address, and naming one that works makes the checkout ready.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest

from assistant.config import Config
from assistant.shopping import compose
from assistant.shopping.trip import Trip
from assistant.store import Store
from assistant.views.merchant import stores_text
from merchants.serve import RunningStore


class Countries:
    """The countries each update_checkout sent to the store, in order."""

    def __init__(self) -> None:
        self.sent: list[list[str]] = []

    async def __call__(self, request: httpx2.Request) -> None:
        body = request.content.decode()
        if not body.startswith("{"):
            return
        params = json.loads(body).get("params", {})
        if params.get("name") != "update_checkout":
            return
        checkout = params["arguments"]["checkout"]
        self.sent.append(
            [
                destination["address_country"]
                for method in checkout.get("fulfillment", {}).get("methods", [])
                for destination in method.get("destinations", [])
            ]
        )


@pytest.fixture
async def coffee_trip(
    sandbox_stores: dict[str, RunningStore], platform_profile_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Trip, Countries]]:
    countries = Countries()
    store = Store.open(tmp_path / "pannier.db")
    async with httpx2.AsyncClient(event_hooks={"request": [countries]}) as http:
        trip = await compose.open_trip(
            Config(),
            session="paris",
            store=store,
            http=http,
            merchant_urls=[sandbox_stores["coffee"].url],
            profile_url=platform_profile_url,
        )
        try:
            yield trip, countries
        finally:
            await trip.aclose()
            store.close()


async def test_shipping_coffee_to_paris_asks_rather_than_sending_it_to_another_address(
    coffee_trip: tuple[Trip, Countries],
) -> None:
    trip, countries = coffee_trip
    found = await trip.search("coffee beans")
    await trip.set_basket([(found.hits[0].handle, 1)])
    [ready] = await trip.prepare_checkout()
    assert ready.status == "ready_for_complete"
    home, paris = trip.saved_addresses()[:2]
    assert (home.address_country, paris.address_locality) == ("US", "Paris")
    countries.sent.clear()

    [coffee] = await trip.ship_to(paris)

    assert countries.sent == [["FR"]]  # Paris once, and no other address behind the shopper's back
    assert coffee.status != "ready_for_complete"
    text = stores_text([coffee])
    assert "Ember & Oak Roasters ships only to US." in text, text  # the store's own words
    [question] = coffee.questions
    assert f"It cannot deliver to {paris.street_address}, Paris, FR" in question, question
    assert 'say "ship to my Cupertino address"' in question, question
    assert "Choose a delivery option" not in text, text


async def test_naming_an_address_the_store_delivers_to_makes_the_checkout_ready_again(
    coffee_trip: tuple[Trip, Countries],
) -> None:
    trip, _ = coffee_trip
    found = await trip.search("coffee beans")
    await trip.set_basket([(found.hits[0].handle, 1)])
    home, paris = trip.saved_addresses()[:2]
    await trip.ship_to(paris)

    [coffee] = await trip.ship_to(home)

    assert coffee.status == "ready_for_complete", coffee.questions
    assert coffee.questions == []
