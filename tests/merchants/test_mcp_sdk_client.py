"""A stock client from the official `mcp` SDK connects to a sandbox store and calls a UCP tool."""

from __future__ import annotations

import httpx2
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from merchants.serve import RunningStore

TOOL_NAMES = {
    "create_checkout", "get_checkout", "update_checkout", "complete_checkout", "cancel_checkout",
    "create_cart", "get_cart", "update_cart", "cancel_cart",
    "search_catalog", "lookup_catalog", "get_product", "get_order",
    "search_locations", "lookup_locations",  # 2026-08-25 services/common, where offered
}  # fmt: skip


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
