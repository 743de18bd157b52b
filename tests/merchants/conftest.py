"""Binding-test helpers: perform one UCP operation over MCP or REST and get back (status, payload).

`ucp` is parametrized over both transports, so a test written once runs on each of them.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest

from merchants.serve import RunningStore

SANDBOX_CLIENT = {
    "grant_type": "client_credentials",
    "client_id": "pannier-sandbox",
    "client_secret": "sandbox-secret",
}

# operation → (HTTP method, path template, body argument)
REST_ROUTES: dict[str, tuple[str, str, str | None]] = {
    "create_checkout": ("POST", "/checkout-sessions", "checkout"),
    "get_checkout": ("GET", "/checkout-sessions/{id}", None),
    "update_checkout": ("PUT", "/checkout-sessions/{id}", "checkout"),
    "complete_checkout": ("POST", "/checkout-sessions/{id}/complete", "checkout"),
    "cancel_checkout": ("POST", "/checkout-sessions/{id}/cancel", None),
    "create_cart": ("POST", "/carts", "cart"),
    "get_cart": ("GET", "/carts/{id}", None),
    "update_cart": ("PUT", "/carts/{id}", "cart"),
    "cancel_cart": ("POST", "/carts/{id}/cancel", None),
    "search_catalog": ("POST", "/catalog/search", "catalog"),
    "lookup_catalog": ("POST", "/catalog/lookup", "catalog"),
    "get_product": ("POST", "/catalog/product", "catalog"),
    "get_order": ("GET", "/orders/{id}", None),
}

_ids = itertools.count(1)


@dataclass
class UcpCaller:
    """Performs UCP operations against sandbox stores over one transport."""

    binding: str
    http: httpx2.AsyncClient
    profile_url: str
    stores: dict[str, RunningStore]
    tokens: dict[str, str] = field(default_factory=dict)

    async def token(self, slug: str) -> str:
        """A bearer token for the store, fetched once per test."""
        if slug not in self.tokens:
            response = await self.http.post(
                f"{self.stores[slug].url}/auth/access_token", data=SANDBOX_CLIENT
            )
            assert response.status_code == 200, response.text
            self.tokens[slug] = response.json()["access_token"]
        return self.tokens[slug]

    async def call(
        self,
        slug: str,
        operation: str,
        arguments: dict[str, Any],
        *,
        idempotency_key: str | None = None,
        authenticate: bool = True,
        profile_url: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Run `operation` with MCP-style `arguments` (no meta); REST maps them onto path + body.

        Returns (HTTP status, UCP payload) — for MCP the payload is `structuredContent`, or the
        JSON-RPC `error` object when there is one.
        """
        headers: dict[str, str] = {}
        if authenticate:
            headers["Authorization"] = f"Bearer {await self.token(slug)}"
        profile = profile_url or self.profile_url
        base = self.stores[slug].url
        if self.binding == "mcp":
            meta: dict[str, Any] = {"ucp-agent": {"profile": profile}}
            if idempotency_key is not None:
                meta["idempotency-key"] = idempotency_key
            message = {
                "jsonrpc": "2.0",
                "id": next(_ids),
                "method": "tools/call",
                "params": {"name": operation, "arguments": {"meta": meta, **arguments}},
            }
            response = await self.http.post(f"{base}/api/ucp/mcp", json=message, headers=headers)
            envelope = response.json()
            if "error" in envelope:
                return response.status_code, envelope["error"]
            result = envelope["result"]
            assert json.loads(result["content"][0]["text"]) == result["structuredContent"]
            return response.status_code, result["structuredContent"]
        method, template, body_key = REST_ROUTES[operation]
        path = template.format(id=arguments.get("id", ""))
        headers["UCP-Agent"] = f'profile="{profile}"'
        headers["Request-Id"] = str(uuid.uuid4())
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        body = arguments.get(body_key) if body_key else None
        if operation == "create_checkout" and "cart_id" in arguments:
            body = {**(body or {}), "cart_id": arguments["cart_id"]}
        response = await self.http.request(
            method, f"{base}/api/ucp/v1{path}", json=body if body_key else None, headers=headers
        )
        assert response.headers.get("request-id") == headers["Request-Id"]
        return response.status_code, response.json()


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
