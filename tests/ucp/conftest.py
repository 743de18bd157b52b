"""Fixtures for the UCP client tests: a fake merchant behind MockTransport, instant retries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx2
import pytest

from assistant.config import MerchantConfig
from assistant.events import EventBus
from assistant.ucp.client import UcpClient
from assistant.ucp.connect import connect_merchant
from assistant.ucp.retry import RetryPolicy
from tests.ucp.fakes import ORIGIN, FakeMerchant, MemoryKeyStore

PROFILE_URL = "https://agent.example/.well-known/ucp"


class Sleeps:
    """An instant ``sleep`` that records what it was asked to wait."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def retry(sleeps: Sleeps) -> RetryPolicy:
    return RetryPolicy(max_attempts=4, max_total_s=60.0, sleep=sleeps, random=lambda: 0.5)


@pytest.fixture
def merchant() -> FakeMerchant:
    return FakeMerchant()


@pytest.fixture
def keys() -> MemoryKeyStore:
    return MemoryKeyStore()


@pytest.fixture
async def http(merchant: FakeMerchant) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(transport=merchant.transport()) as client:
        yield client


Connect = Callable[..., Awaitable[UcpClient]]


@pytest.fixture
def connect(http: httpx2.AsyncClient, keys: MemoryKeyStore, retry: RetryPolicy) -> Connect:
    async def _connect(transport: str = "auto", **overrides: Any) -> UcpClient:
        options: dict[str, Any] = {"store": keys, "retry": retry, "profile_url": PROFILE_URL}
        options.update(overrides)
        config = MerchantConfig(
            url=ORIGIN,
            transport=transport,
            client_id="pannier",
            client_secret="s3cret",
        )
        return await connect_merchant(config, http=options.pop("http", http), **options)

    return _connect


@pytest.fixture
def bus() -> EventBus:
    return EventBus()
