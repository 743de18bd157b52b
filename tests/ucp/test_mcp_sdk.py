"""The client against a stateful MCP server built with the official ``mcp`` SDK (sessions required,
answers as event streams): the handshake runs and UCP calls work."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
import uvicorn
from mcp.server.mcpserver import MCPServer
from starlette.requests import Request
from starlette.responses import JSONResponse

from assistant.config import MerchantConfig
from assistant.domain import Checkout
from assistant.ucp.connect import connect_merchant
from assistant.ucp.transport_mcp import McpTransport
from tests.ucp.fakes import checkout_payload

seen_meta: list[dict[str, Any]] = []


def build_server(origin: str) -> MCPServer:
    server = MCPServer("sdk-shop")

    @server.tool()
    def search_catalog(catalog: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
        seen_meta.append(meta)
        return {
            "ucp": {"version": "2026-04-08"},
            "products": [{"id": "p1", "title": f"SDK {catalog.get('query')}", "variants": []}],
        }

    @server.tool()
    def get_checkout(id: str, meta: dict[str, Any]) -> dict[str, Any]:
        return checkout_payload(id)

    @server.custom_route("/.well-known/ucp", methods=["GET"])
    async def profile(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "ucp": {
                    "version": "2026-04-08",
                    "services": {
                        "dev.ucp.shopping": [
                            {
                                "version": "2026-04-08",
                                "transport": "mcp",
                                "endpoint": f"{origin}/mcp",
                            }
                        ]
                    },
                    "capabilities": {},
                    "payment_handlers": {},
                }
            },
            headers={"Cache-Control": "public, max-age=300"},
        )

    @server.custom_route("/auth/access_token", methods=["POST"])
    async def token(request: Request) -> JSONResponse:
        return JSONResponse(
            {"access_token": "sdk-token", "token_type": "Bearer", "expires_in": 3600}
        )

    return server


@pytest.fixture(scope="module")
async def sdk_server() -> AsyncIterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # listening before serve(): requests queue until uvicorn accepts them
    origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = build_server(origin).streamable_http_app(stateless_http=False)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield origin
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
        sock.close()


async def test_a_session_requiring_sdk_server_works_after_the_handshake(
    sdk_server: str, platform_profile_url: str
) -> None:
    async with httpx2.AsyncClient() as http:
        client = await connect_merchant(
            MerchantConfig(url=sdk_server), http=http, store=None, profile_url=platform_profile_url
        )
        first = await client.search_catalog("tea")
        second = await client.search_catalog("cake")
        checkout = await client.get_checkout("co_7")
    assert client.transport_name == "mcp"
    assert isinstance(client.transport, McpTransport) and client.transport.session_id
    assert [first.products[0].title, second.products[0].title] == ["SDK tea", "SDK cake"]
    assert isinstance(checkout, Checkout) and checkout.id == "co_7"
    assert seen_meta[-1] == {"ucp-agent": {"profile": platform_profile_url}}
