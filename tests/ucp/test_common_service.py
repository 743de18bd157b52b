"""Location calls go to the merchant's ``dev.ucp.common`` service, never its shopping endpoint.

UCP 2026-08-25 puts ``search_locations`` / ``lookup_locations`` in the common service, whose MCP
and REST endpoints a merchant publishes beside the shopping ones (services/common). Proven on the
flower store over loopback, both transports, and against a store serving 2026-04-08 only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from assistant.config import Config, MerchantConfig
from assistant.errors import NegotiationError
from assistant.profile import ProfileServer, serve_profile
from assistant.store import Store
from assistant.ucp.connect import connect_merchant
from assistant.ucp.discovery import parse_profile
from merchants.serve import RunningStore, StoresInThread
from tests.ucp.test_sandbox import INSTANT

NEW, OLD = "2026-08-25", "2026-04-08"
URL = "https://shop.example/.well-known/ucp"


def _document(common: list[dict[str, Any]]) -> dict[str, Any]:
    shopping = [{"version": NEW, "transport": "rest", "endpoint": "https://shop.example/ucp"}]
    return {
        "ucp": {"version": NEW, "services": {"dev.ucp.shopping": shopping, **common_of(common)}}
    }


def common_of(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"dev.ucp.common": entries} if entries else {}


def test_the_common_service_is_read_at_the_negotiated_release_and_by_transport() -> None:
    profile = parse_profile(
        _document(
            [
                {"version": "2027-01-01", "transport": "mcp", "endpoint": "https://x.example/a"},
                {"version": NEW, "transport": "mcp", "endpoint": "https://shop.example/common/"},
                {"version": NEW, "transport": "rest", "endpoint": "https://shop.example/c/v1"},
            ]
        ),
        URL,
    )
    assert profile.common_endpoints == {
        "mcp": "https://shop.example/common",
        "rest": "https://shop.example/c/v1",
    }
    assert profile.endpoints == {"rest": "https://shop.example/ucp"}


def test_a_profile_without_a_usable_common_service_still_parses_and_offers_none() -> None:
    plain_http = [{"version": NEW, "transport": "mcp", "endpoint": "http://shop.example/c"}]
    assert parse_profile(_document([]), URL).common_endpoints == {}
    assert parse_profile(_document(plain_http), URL).common_endpoints == {}


@pytest.fixture(scope="module")
def flowers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RunningStore]]:
    """The flower store twice: serving both releases, and 2026-04-08 only."""
    stores: dict[str, RunningStore] = {}
    with (
        StoresInThread(["flowers"], data_dir=tmp_path_factory.mktemp("both")) as both,
        StoresInThread(
            ["flowers"], data_dir=tmp_path_factory.mktemp("old"), releases=(OLD,)
        ) as old,
    ):
        stores["both"], stores["old"] = both[0], old[0]
        yield stores


@pytest.fixture
async def profiles() -> AsyncIterator[ProfileServer]:
    server = await serve_profile(Config())
    yield server
    await server.aclose()


@pytest.mark.parametrize("transport", ["mcp", "rest"])
async def test_location_calls_reach_the_common_endpoint_and_shopping_calls_the_shopping_one(
    flowers: dict[str, RunningStore], profiles: ProfileServer, tmp_path: Path, transport: str
) -> None:
    sent: list[str] = []

    async def record(request: httpx2.Request) -> None:
        sent.append(request.url.path)

    async with httpx2.AsyncClient(timeout=10.0, event_hooks={"request": [record]}) as http:
        client = await connect_merchant(
            MerchantConfig(url=flowers["both"].url, transport=transport),
            http=http,
            store=Store.open(tmp_path / "p.db"),
            profile_url=profiles.urls,
            retry=INSTANT,
        )
        assert client.offers_locations
        sent.clear()
        found = await client.search_locations("oakland")
        looked_up = await client.lookup_locations(["mission"])
        await client.search_catalog("tulip", limit=1)
    assert [loc.id for loc in found.locations] == ["rockridge"]
    assert [loc.id for loc in looked_up.locations] == ["mission"]
    common = "/api/ucp/common/mcp" if transport == "mcp" else "/api/ucp/common/v1"
    assert [path.startswith(common) for path in sent] == [True, True, False]


async def test_a_store_on_2026_04_08_offers_no_location_calls_and_says_so(
    flowers: dict[str, RunningStore], profiles: ProfileServer, tmp_path: Path
) -> None:
    async with httpx2.AsyncClient(timeout=10.0) as http:
        client = await connect_merchant(
            MerchantConfig(url=flowers["old"].url),
            http=http,
            store=Store.open(tmp_path / "p.db"),
            profile_url=profiles.urls,
            retry=INSTANT,
        )
        assert client.version == OLD and not client.offers_locations
        with pytest.raises(NegotiationError, match=r"no dev\.ucp\.common service"):
            await client.search_locations()


async def test_the_shopping_endpoints_no_longer_answer_location_calls(
    flowers: dict[str, RunningStore], profiles: ProfileServer
) -> None:
    base = flowers["both"].url
    agent = {"UCP-Agent": f'profile="{profiles.urls[NEW]}"'}
    call = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {
            "name": "search_locations",
            "arguments": {"meta": {"ucp-agent": {"profile": profiles.urls[NEW]}}, "location": {}},
        },
    }
    async with httpx2.AsyncClient(timeout=10.0) as http:
        rest = await http.post(f"{base}/api/ucp/v1/locations/search", json={}, headers=agent)
        mcp = await http.post(f"{base}/api/ucp/mcp", json=call)
        common = await http.post(
            f"{base}/api/ucp/common/v1/locations/search", json={}, headers=agent
        )
    assert rest.status_code == 404
    assert "Unknown tool: search_locations" in mcp.json()["error"]["message"]
    assert common.status_code == 200 and common.json()["locations"]
