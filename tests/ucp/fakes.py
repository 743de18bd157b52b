"""A small in-process UCP merchant for ``httpx2.MockTransport`` unit tests (MCP and REST)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx2

ORIGIN = "https://shop.example"
VERSION = "2026-04-08"


def business_profile(
    version: str = VERSION, *, transports: tuple[str, ...] = ("mcp", "rest")
) -> dict[str, Any]:
    endpoints = {"mcp": f"{ORIGIN}/mcp", "rest": f"{ORIGIN}/v1"}
    return {
        "ucp": {
            "version": version,
            "services": {
                "dev.ucp.shopping": [
                    {"version": version, "transport": t, "endpoint": endpoints[t]}
                    for t in transports
                ]
            },
            "capabilities": {
                "dev.ucp.shopping.checkout": [
                    {
                        "version": version,
                        "spec": "https://ucp.dev/spec/checkout",
                        "schema": "https://ucp.dev/schemas/checkout.json",
                    }
                ]
            },
            "payment_handlers": {},
        }
    }


_T = TypeVar("_T")


class MemoryKeyStore:
    """The Store methods the client uses, in memory (unit tests only)."""

    def __init__(self) -> None:
        self.keys: dict[str, str] = {}
        self.profiles: dict[str, tuple[dict[str, Any], float]] = {}
        self.issued = 0
        self.pinned: dict[str, tuple[bytes, str | None]] = {}

    async def off_loop(self, fn: Callable[..., _T], *args: Any) -> _T:
        return fn(*args)

    def write_later(self, fn: Callable[..., object], *args: Any) -> None:
        fn(*args)

    def claim_idempotency_key(
        self, scope: str, fresh: str, body: bytes | None, kid: str | None
    ) -> tuple[str, bytes | None, str | None]:
        if scope not in self.keys:
            self.issued += 1
            self.keys[scope] = fresh
        key = self.keys[scope]
        if scope not in self.pinned and body is not None and key == fresh:
            self.pinned[scope] = (body, kid)
        pinned, pinned_kid = self.pinned.get(scope, (None, None))
        return key, pinned, pinned_kid

    def forget_idempotency_key(self, scope: str) -> None:
        self.keys.pop(scope, None)
        self.pinned.pop(scope, None)

    def cached_profile(self, url: str) -> tuple[dict[str, Any], float] | None:
        return self.profiles.get(url)

    def save_profile(self, url: str, profile: dict[str, Any], expires_at: float) -> None:
        self.profiles[url] = (profile, expires_at)


def checkout_payload(
    id: str, status: str = "incomplete", version: str = VERSION, **extra: Any
) -> dict[str, Any]:
    return {
        "ucp": {"version": version, "capabilities": {}, "payment_handlers": {}},
        "id": id,
        "status": status,
        "currency": "USD",
        "line_items": [
            {
                "id": "li_1",
                "item": {"id": "v1", "title": "Rose", "price": 1000},
                "quantity": 1,
                "totals": [{"type": "subtotal", "amount": 1000}, {"type": "total", "amount": 1000}],
            }
        ],
        "totals": [{"type": "subtotal", "amount": 1000}, {"type": "total", "amount": 1000}],
        "links": [],
        **extra,
    }


@dataclass
class FakeMerchant:
    """Answers discovery, tokens, MCP and REST; ``fault`` can replace any answer."""

    version: str = VERSION
    cache_control: str = "public, max-age=300"
    require_session: bool = False
    sse: bool = False
    valid_token: str = "tok-1"
    requests: list[httpx2.Request] = field(default_factory=list)
    fault: Callable[[httpx2.Request, str], httpx2.Response | None] | None = None
    checkouts: dict[str, dict[str, Any]] = field(default_factory=dict)
    replies: dict[str, dict[str, Any]] = field(default_factory=dict)
    completions: int = 0
    tokens_issued: int = 0
    session_id: str | None = None

    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self.handle)

    def count(self, operation: str) -> int:
        return sum(1 for r in self.requests if _operation(r) == operation)

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        operation = _operation(request)
        if self.fault is not None:
            faulted = self.fault(request, operation)
            if faulted is not None:
                return faulted
        path = request.url.path
        if path == "/.well-known/ucp":
            return httpx2.Response(
                200,
                json=business_profile(self.version),
                headers={"Cache-Control": self.cache_control},
            )
        if path == "/auth/access_token":
            self.tokens_issued += 1
            return httpx2.Response(
                200,
                json={"access_token": self.valid_token, "token_type": "Bearer", "expires_in": 3600},
            )
        if path == "/mcp":
            return self._mcp(request)
        return self._rest(request, operation)

    # --- operations -----------------------------------------------------------------------------

    def _authorized(self, request: httpx2.Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.valid_token}"

    def operate(self, operation: str, arguments: dict[str, Any], key: str | None) -> dict[str, Any]:
        if key is not None and key in self.replies:
            return self.replies[key]
        result = self._execute(operation, arguments)
        if key is not None:
            self.replies[key] = result
        return result

    def _execute(self, operation: str, arguments: dict[str, Any]) -> dict[str, Any]:
        if operation == "search_catalog":
            query = arguments["catalog"].get("query", "")
            return {
                "ucp": {"version": self.version},
                "products": [
                    {
                        "id": "p1",
                        "title": f"Rose {query}".strip(),
                        "variants": [
                            {
                                "id": "v1",
                                "title": "Red",
                                "price": {"amount": 1000, "currency": "USD"},
                            }
                        ],
                    }
                ],
            }
        if operation == "create_checkout":
            id = f"co_{len(self.checkouts) + 1}"
            self.checkouts[id] = checkout_payload(id, version=self.version)
            return self.checkouts[id]
        if operation in ("get_checkout", "update_checkout", "complete_checkout", "cancel_checkout"):
            current = self.checkouts.get(arguments["id"])
            if current is None:
                return {
                    "ucp": {"version": self.version, "status": "error"},
                    "messages": [
                        {
                            "type": "error",
                            "code": "not_found",
                            "content": "No such checkout",
                            "severity": "unrecoverable",
                        }
                    ],
                }
            if operation == "complete_checkout" and current["status"] != "completed":
                self.completions += 1
                current = {
                    **current,
                    "status": "completed",
                    "order": {
                        "id": f"ord_{self.completions}",
                        "permalink_url": f"{ORIGIN}/orders/1",
                    },
                }
                self.checkouts[arguments["id"]] = current
            return current
        if operation == "get_order":
            return {
                "ucp": {"version": self.version},
                "id": arguments["id"],
                "currency": "USD",
                "line_items": [],
                "totals": [],
            }
        return {
            "ucp": {"version": self.version, "status": "error"},
            "messages": [{"type": "error", "code": "unsupported", "content": operation}],
        }

    def _mcp(self, request: httpx2.Request) -> httpx2.Response:
        message = json.loads(request.content)
        method = message["method"]
        if method == "initialize":
            self.session_id = "sess-1"
            return httpx2.Response(
                200,
                json={
                    "jsonrpc": "2.0",
                    "id": message["id"],
                    "result": {
                        "protocolVersion": "2025-06-18",
                        "capabilities": {"tools": {}},
                        "serverInfo": {"name": "fake", "version": "1"},
                    },
                },
                headers={"Mcp-Session-Id": "sess-1"},
            )
        if method == "notifications/initialized":
            return httpx2.Response(202)
        session = request.headers.get("mcp-session-id")
        if self.require_session and (session is None or session != self.session_id):
            return httpx2.Response(
                400,
                json={
                    "jsonrpc": "2.0",
                    "id": "server-error",
                    "error": {"code": -32600, "message": "Bad Request: Missing session ID"},
                },
            )
        params = message["params"]
        operation, arguments = params["name"], dict(params["arguments"])
        meta = arguments.pop("meta")
        assert "profile" in meta["ucp-agent"]
        if operation in _AUTH and not self._authorized(request):
            return httpx2.Response(
                401,
                json={
                    "jsonrpc": "2.0",
                    "id": message["id"],
                    "error": {"code": -32000, "message": "Unauthorized"},
                },
            )
        result = self.operate(operation, arguments, meta.get("idempotency-key"))
        body = {
            "jsonrpc": "2.0",
            "id": message["id"],
            "result": {
                "structuredContent": result,
                "content": [{"type": "text", "text": json.dumps(result)}],
            },
        }
        if self.sse:
            text = f"event: message\ndata: {json.dumps(body)}\n\n"
            return httpx2.Response(
                200, content=text.encode(), headers={"Content-Type": "text/event-stream"}
            )
        return httpx2.Response(200, json=body)

    def _rest(self, request: httpx2.Request, operation: str) -> httpx2.Response:
        assert request.headers["ucp-agent"].startswith('profile="')
        if operation in _AUTH and not self._authorized(request):
            return httpx2.Response(401, json={"code": "unauthorized", "content": "token required"})
        body = json.loads(request.content) if request.content else {}
        match = re.match(r"^/v1/[a-z-]+/([^/]+)", request.url.path)
        arguments: dict[str, Any] = {}
        if match and not request.url.path.startswith("/v1/catalog"):
            arguments["id"] = match.group(1)
        key = {"catalog": "catalog", "checkout": "checkout", "cart": "cart"}
        for _, wrapper in key.items():
            arguments.setdefault(wrapper, body)
        result = self.operate(operation, arguments, request.headers.get("idempotency-key"))
        return httpx2.Response(201 if operation.startswith("create") else 200, json=result)


_AUTH = {
    "create_checkout",
    "get_checkout",
    "update_checkout",
    "complete_checkout",
    "cancel_checkout",
    "get_order",
}

_REST_OPERATIONS = [
    ("POST", r"^/v1/checkout-sessions/[^/]+/complete$", "complete_checkout"),
    ("POST", r"^/v1/checkout-sessions/[^/]+/cancel$", "cancel_checkout"),
    ("POST", r"^/v1/checkout-sessions$", "create_checkout"),
    ("GET", r"^/v1/checkout-sessions/[^/]+$", "get_checkout"),
    ("PUT", r"^/v1/checkout-sessions/[^/]+$", "update_checkout"),
    ("POST", r"^/v1/catalog/search$", "search_catalog"),
    ("GET", r"^/v1/orders/[^/]+$", "get_order"),
]


def _operation(request: httpx2.Request) -> str:
    path = request.url.path
    if path == "/mcp":
        message = json.loads(request.content)
        if message.get("method") == "tools/call":
            return str(message["params"]["name"])
        return str(message.get("method"))
    for method, pattern, operation in _REST_OPERATIONS:
        if request.method == method and re.match(pattern, path):
            return operation
    return path
