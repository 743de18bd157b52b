"""Binding-test fixtures: `ucp` runs a test once over MCP and once over REST."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest
from merchant_flows import UcpCaller

from merchants.serve import RunningStore


@pytest.fixture
async def http_client() -> AsyncIterator[httpx2.AsyncClient]:
    """A plain async HTTP client with a bounded timeout."""
    async with httpx2.AsyncClient(timeout=10.0) as client:
        yield client


@pytest.fixture(params=["mcp", "rest"])
async def ucp(
    request: pytest.FixtureRequest,
    http_client: httpx2.AsyncClient,
    platform_profile_url: str,
    sandbox_stores: dict[str, RunningStore],
) -> UcpCaller:
    """A UcpCaller for each binding in turn."""
    return UcpCaller(request.param, http_client, platform_profile_url, sandbox_stores)
