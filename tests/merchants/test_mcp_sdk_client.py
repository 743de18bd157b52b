"""A stock client from the official `mcp` SDK connects to a sandbox store and calls a UCP tool."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from assistant.config import Config
from assistant.profile import serve_profile
from merchants.serve import RunningStore


@pytest.fixture
async def profile_0825() -> AsyncIterator[str]:
    """Pannier's own 2026-08-25 platform profile, served on loopback."""
    server = await serve_profile(Config())
    yield server.urls["2026-08-25"]
    await server.aclose()


TOOL_NAMES = {
    "create_checkout", "get_checkout", "update_checkout", "complete_checkout", "cancel_checkout",
    "create_cart", "get_cart", "update_cart", "cancel_cart",
    "search_catalog", "lookup_catalog", "get_product", "get_order",
}  # fmt: skip
COMMON_TOOL_NAMES = {"search_locations", "lookup_locations"}  # 2026-08-25 services/common


async def test_stock_mcp_client_initializes_lists_tools_and_calls_search_catalog(
    sandbox_stores: dict[str, RunningStore], platform_profile_url: str
) -> None:
    url = f"{sandbox_stores['coffee'].url}/api/ucp/mcp"
    async with (
        httpx2.AsyncClient(timeout=10.0) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        initialized = await session.initialize()
        assert initialized.server_info.name == "Ember & Oak Roasters"
        # The store serves more than one release: the instructions name none of them.
        assert initialized.instructions is not None
        assert initialized.instructions.startswith("UCP shopping tools.")
        listing = await session.list_tools()
        assert {tool.name for tool in listing.tools} == TOOL_NAMES
        search = next(tool for tool in listing.tools if tool.name == "search_catalog")
        assert search.input_schema["required"] == ["meta", "catalog"]
        result = await session.call_tool(
            "search_catalog",
            {
                "meta": {"ucp-agent": {"profile": platform_profile_url}},
                "catalog": {"query": "coffee"},
            },
        )
    assert result.structured_content is not None
    assert result.structured_content["ucp"]["version"] == "2026-04-08"
    assert result.structured_content["products"]


async def test_the_flower_stores_common_endpoint_lists_only_the_location_tools_and_answers_them(
    sandbox_stores: dict[str, RunningStore], profile_0825: str
) -> None:
    store = sandbox_stores["flowers"]
    async with httpx2.AsyncClient(timeout=10.0) as http:
        profile = (await http.get(f"{store.url}/.well-known/ucp")).json()
        [mcp] = [e for e in profile["ucp"]["services"]["dev.ucp.common"] if e["transport"] == "mcp"]
        async with (
            streamable_http_client(mcp["endpoint"], http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            initialized = await session.initialize()
            assert initialized.instructions is not None
            assert initialized.instructions.startswith("UCP common service tools")
            listing = await session.list_tools()
            assert {tool.name for tool in listing.tools} == COMMON_TOOL_NAMES
            result = await session.call_tool(
                "search_locations",
                {"meta": {"ucp-agent": {"profile": profile_0825}}, "location": {}},
            )
            with pytest.raises(MCPError, match="Unknown tool: search_catalog"):
                await session.call_tool(
                    "search_catalog",
                    {"meta": {"ucp-agent": {"profile": profile_0825}}, "catalog": {"query": "x"}},
                )
    assert mcp["endpoint"] != f"{store.url}/api/ucp/mcp"
    assert result.structured_content is not None
    assert [loc["id"] for loc in result.structured_content["locations"]][:2] == [
        "mission",
        "rockridge",
    ]
