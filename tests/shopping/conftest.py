"""Trips against the sandbox stores on loopback, each with its own SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from shopping_helpers import OpenTrip

from assistant.config import Config
from assistant.shopping import compose
from assistant.shopping.trip import Trip
from assistant.store import Store
from merchants.serve import RunningStore


@pytest.fixture
async def open_trip(
    sandbox_stores: dict[str, RunningStore], platform_profile_url: str, tmp_path: Path
) -> AsyncIterator[OpenTrip]:
    """Open a Trip on some sandbox stores (by slug); closed after the test."""
    trips: list[Trip] = []
    stores: list[Store] = []

    async def factory(
        *slugs: str,
        config: Config | None = None,
        session: str = "test",
        db: Path | None = None,
        profile_url: str | None = None,
    ) -> Trip:
        store = Store.open(db or tmp_path / "pannier.db")
        stores.append(store)
        trip = await compose.open_trip(
            config or Config(),
            session=session,
            store=store,
            merchant_urls=[sandbox_stores[slug].url for slug in slugs],
            profile_url=profile_url or platform_profile_url,
        )
        trips.append(trip)
        return trip

    yield factory
    for trip in trips:
        await trip.aclose()
    for store in stores:
        store.close()
