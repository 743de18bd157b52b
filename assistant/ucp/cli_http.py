"""The raw CLI's HTTP client: a tap on every exchange (``--verbose``), the capture behind
``--dry-run``, and ``--input-schema`` from the merchant's own MCP ``tools/list``."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

import httpx2

from assistant.errors import ProtocolError
from assistant.ucp.discovery import BusinessProfile
from assistant.ucp.http import send
from assistant.ucp.transport_mcp import parse_sse

TIMEOUT_S: Final = 15.0
TRACE_BODY_CHARS: Final = 2000
SECRET_FIELDS: Final = ("client_secret", "token", "access_token")
RELEASE_SCHEMAS: Final = "https://ucp.dev/2026-04-08/services/shopping/mcp.openrpc.json"


class Captured(Exception):
    """The operation's request, stopped before it left (``--dry-run``)."""

    def __init__(self, request: httpx2.Request) -> None:
        super().__init__(str(request.url))
        self.request = request

    def request_json(self) -> dict[str, Any]:
        """Method, URL, headers (the bearer token hidden) and the body, as it would be sent."""
        headers = {
            name: ("Bearer [redacted]" if name.lower() == "authorization" else value)
            for name, value in self.request.headers.items()
        }
        content = self.request.content
        try:
            body: Any = json.loads(content) if content else None
        except ValueError:
            body = content.decode(errors="replace")
        return {
            "method": self.request.method,
            "url": str(self.request.url),
            "headers": headers,
            "body": body,
        }


def _redacted(text: str) -> str:
    for field in SECRET_FIELDS:
        if field in text:
            return f"[{len(text)} bytes, holding a credential]"
    return text if len(text) <= TRACE_BODY_CHARS else text[:TRACE_BODY_CHARS] + "…"


class Tap(httpx2.AsyncBaseTransport):
    """Wraps the real transport: traces exchanges, or captures the one under a prefix."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, *, verbose: bool) -> None:
        self._inner = inner
        self._verbose = verbose
        self._capture_prefix: str | None = None

    def capture_under(self, url_prefix: str) -> None:
        """From now on, stop (raise Captured) the first request under ``url_prefix``."""
        self._capture_prefix = url_prefix

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if self._capture_prefix and str(request.url).startswith(self._capture_prefix):
            raise Captured(request)
        started = time.perf_counter()
        if self._verbose:
            body = _redacted(request.content.decode(errors="replace")) if request.content else ""
            print(f"→ {request.method} {request.url} {body}".rstrip(), file=sys.stderr)
        response = await self._inner.handle_async_request(request)
        if self._verbose:
            elapsed_ms = (time.perf_counter() - started) * 1000
            print(f"← {response.status_code} {request.url} ({elapsed_ms:.0f} ms)", file=sys.stderr)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


@asynccontextmanager
async def open_http(*, verbose: bool = False) -> AsyncIterator[tuple[httpx2.AsyncClient, Tap]]:
    tap = Tap(httpx2.AsyncHTTPTransport(), verbose=verbose)
    async with httpx2.AsyncClient(transport=tap, timeout=TIMEOUT_S) as http:
        yield http, tap


async def input_schema(
    http: httpx2.AsyncClient, profile: BusinessProfile, transport: str, operation: str
) -> dict[str, Any]:
    """The ``inputSchema`` the merchant's MCP endpoint lists for ``operation``."""
    endpoint = profile.endpoints.get("mcp")
    if endpoint is None:
        raise ProtocolError(
            f"offers no MCP endpoint to list its tools ({transport} only); "
            f"the release's schemas are at {RELEASE_SCHEMAS}",
            merchant=profile.domain,
            operation="tools/list",
        )
    request = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    response = await send(
        http,
        "POST",
        endpoint,
        merchant=profile.domain,
        operation="tools/list",
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
        },
        content=json.dumps(request).encode(),
    )
    if "text/event-stream" in response.headers.get("content-type", ""):
        messages = parse_sse(response.body)
        message = messages[0] if messages else None
    else:
        message = response.json(merchant=profile.domain, operation="tools/list")
    tools = message.get("result", {}).get("tools") if isinstance(message, dict) else None
    for tool in tools if isinstance(tools, list) else []:
        if isinstance(tool, dict) and tool.get("name") == operation:
            schema = tool.get("inputSchema")
            if isinstance(schema, dict):
                return schema
    raise ProtocolError(
        f"lists no tool named {operation} (HTTP {response.status_code})",
        merchant=profile.domain,
        operation="tools/list",
    )
