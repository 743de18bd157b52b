"""A recording transport: real HTTP, every store answer kept (by kind) for the oracles."""

from __future__ import annotations

import json
from typing import Any

import httpx2


class Recorder(httpx2.AsyncBaseTransport):
    """Real HTTP, with every store answer kept as (kind, payload) for the oracles."""

    def __init__(self) -> None:
        self._inner = httpx2.AsyncHTTPTransport()
        self.answers: list[tuple[str, dict[str, Any]]] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self._inner.handle_async_request(request)
        body = await response.aread()
        kind = _kind(request)
        if kind is not None and body:
            payload = json.loads(body)
            if request.url.path.endswith("/mcp"):
                payload = (payload.get("result") or {}).get("structuredContent")
            if isinstance(payload, dict):
                self.answers.append((kind, payload))
        headers = [(k, v) for k, v in response.headers.items() if k != "content-encoding"]
        return httpx2.Response(response.status_code, headers=headers, content=body)

    async def aclose(self) -> None:
        await self._inner.aclose()


_REST_KINDS = (
    ("/checkout-sessions", "checkout"),
    ("/carts", "cart"),
    ("/catalog/search", "search"),
    ("/catalog/lookup", "lookup"),
    ("/catalog/product", "product"),
    ("/orders", "order"),
    ("/locations/search", "locations_search"),
    ("/locations/lookup", "locations_lookup"),
)


def _kind(request: httpx2.Request) -> str | None:
    path = request.url.path
    if path.startswith("/.well-known/ucp"):
        return "business_profile"
    if path.endswith("/mcp"):
        message = json.loads(request.content or b"{}")
        if message.get("method") != "tools/call":
            return None
        name = str(message["params"]["name"])
        kinds = {
            "search_catalog": "search",
            "lookup_catalog": "lookup",
            "get_product": "product",
            "search_locations": "locations_search",
            "lookup_locations": "locations_lookup",
        }
        return kinds.get(name, name.rsplit("_", 1)[-1])
    return next((kind for prefix, kind in _REST_KINDS if prefix in path), None)
