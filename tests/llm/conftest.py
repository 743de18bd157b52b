"""Fixtures for the agent tests: the fake Messages API server (once per session), and trips
opened on the sandbox stores."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fake_anthropic import FakeAnthropic

from assistant.config import Config
from assistant.profile import ProfileServer, serve_profile
from assistant.shopping import compose
from assistant.shopping.trip import Trip
from assistant.store import Store
from merchants.serve import RunningStore

OpenTrip = Callable[..., Awaitable[Trip]]


@pytest.fixture(scope="session")
async def fake_anthropic_server() -> AsyncIterator[FakeAnthropic]:
    server = await FakeAnthropic().start()
    yield server
    await server.stop()


@pytest.fixture
def fake_anthropic(
    fake_anthropic_server: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> FakeAnthropic:
    """The fake server with an empty script; the SDK points at it through the environment."""
    fake_anthropic_server.reset()
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic_server.url)
    return fake_anthropic_server


@pytest.fixture
async def open_trip(
    sandbox_stores: dict[str, RunningStore], platform_profile_url: str, tmp_path: Path
) -> AsyncIterator[OpenTrip]:
    opened: list[tuple[Trip, Store]] = []

    async def factory(
        *slugs: str,
        session: str = "planner",
        config: Config | None = None,
        profile_url: str | Mapping[str, str] = "",
    ) -> Trip:
        store = Store.open(tmp_path / "pannier.db")
        trip = await compose.open_trip(
            config or Config(),
            session=session,
            store=store,
            merchant_urls=[sandbox_stores[slug].url for slug in slugs],
            profile_url=profile_url or platform_profile_url,
        )
        # What Trip.open learns from the sandbox service when it finds the stores itself.
        trip.merchant_aliases = {urlsplit(sandbox_stores[slug].url).netloc: slug for slug in slugs}
        opened.append((trip, store))
        return trip

    yield factory
    for trip, store in opened:
        await trip.aclose()
        store.close()


@pytest.fixture
async def profiles() -> AsyncIterator[ProfileServer]:
    """Our platform profile of both releases (a store's pickup is on 2026-08-25 only)."""
    server = await serve_profile(Config())
    yield server
    await server.aclose()
