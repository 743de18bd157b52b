"""UCP over MCP: bare JSON-RPC ``tools/call`` POSTs, with the handshake only when a server wants it.

UCP metadata rides in ``arguments.meta`` (``ucp-agent``, ``idempotency-key``). Answers may be
``application/json`` or a ``text/event-stream``; both are parsed. A server that demands a session
(``Mcp-Session-Id``) gets ``initialize`` + ``notifications/initialized`` first, once.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from assistant.errors import ProtocolError
from assistant.safe_text import SafeJson
from assistant.ucp.http import MalformedResponse, ParsedUrls, RawResponse, parse_json, send
from assistant.ucp.transport import (
    NO_OPTIONS,
    CallOptions,
    Endpoint,
    http_failure,
    json_rpc_failure,
)

MCP_PROTOCOL_VERSION = "2025-06-18"
CLIENT_INFO = {"name": "pannier", "version": "0.1.0"}
ACCEPT = "application/json, text/event-stream"


def parse_sse(body: bytes) -> list[Any]:
    """The JSON ``data`` of each event in a ``text/event-stream`` body."""
    messages: list[Any] = []
    data: list[str] = []
    for raw_line in [*body.decode("utf-8").splitlines(), ""]:
        if not raw_line:
            if data:
                messages.append(json.loads("\n".join(data)))
                data = []
        elif raw_line.startswith("data:"):
            data.append(raw_line[5:].removeprefix(" "))
    return messages


def _wants_session(response: RawResponse) -> bool:
    return response.status_code in (400, 404) and b"session" in response.body.lower()


class McpTransport:
    """One merchant's MCP endpoint."""

    name = "mcp"

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.session_id: str | None = None
        self._mcp_version: str | None = None
        self._ids = itertools.count(1)
        self._handshake = asyncio.Lock()
        self._urls = ParsedUrls()

    async def call(
        self, operation: str, arguments: dict[str, Any], options: CallOptions = NO_OPTIONS
    ) -> dict[str, Any]:
        meta: dict[str, Any] = {"ucp-agent": {"profile": self.endpoint.profile_url}}
        arguments = dict(arguments)
        if options.idempotency_key is not None:
            meta["idempotency-key"] = options.idempotency_key
            if operation == "complete_checkout" and self.endpoint.version < "2026-04-08":
                arguments["idempotency_key"] = options.idempotency_key  # 2026-01-23 openrpc
        arguments["meta"] = meta
        params = {"name": operation, "arguments": arguments}
        message = await self._request("tools/call", params, operation, options)
        return self._tool_result(message, operation)

    async def _request(
        self, method: str, params: dict[str, Any], operation: str, options: CallOptions
    ) -> Any:
        session_used = self.session_id
        response = await self._post(method, params, operation, options)
        if _wants_session(response):
            await self._initialize(operation, options, stale=session_used)
            response = await self._post(method, params, operation, options)
        return self._message(response, operation)

    async def _post(
        self,
        method: str,
        params: dict[str, Any],
        operation: str,
        options: CallOptions,
        *,
        notification: bool = False,
    ) -> RawResponse:
        payload: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if not notification:
            payload["id"] = next(self._ids)
        headers = {"Content-Type": "application/json", "Accept": ACCEPT}
        if options.token:
            headers["Authorization"] = f"Bearer {options.token}"
        if self.session_id:
            headers["Mcp-Session-Id"] = self.session_id
        if self._mcp_version:
            headers["MCP-Protocol-Version"] = self._mcp_version
        content = json.dumps(payload, separators=(",", ":")).encode()
        kid: str | None = None
        if self.endpoint.signing is not None:
            # Signed MCP requests carry UCP's headers too, so the signature covers them.
            headers["UCP-Agent"] = f'profile="{self.endpoint.profile_url}"'
            if options.idempotency_key is not None:
                headers["Idempotency-Key"] = options.idempotency_key
            if method == "tools/call":  # a retry resends the first bytes, JSON-RPC id included
                content, kid = await self.endpoint.pinned(content, options)
        return await send(
            self.endpoint.http,
            "POST",
            self._urls(self.endpoint.url),
            merchant=self.endpoint.merchant,
            operation=operation,
            headers=headers,
            content=content,
            timeout_s=self.endpoint.timeout_s,
            max_bytes=self.endpoint.max_bytes,
            signing=self.endpoint.signing,
            signing_kid=kid,
        )

    async def _initialize(self, operation: str, options: CallOptions, *, stale: str | None) -> None:
        async with self._handshake:
            if self.session_id is not None and self.session_id != stale:
                return  # another call finished the handshake meanwhile
            self.session_id = None
            self._mcp_version = None
            params = {
                "protocolVersion": MCP_PROTOCOL_VERSION,
                "capabilities": {},
                "clientInfo": CLIENT_INFO,
            }
            response = await self._post("initialize", params, operation, options)
            result = self._message(response, operation).get("result")
            session_id = response.headers.get("mcp-session-id")
            if not isinstance(result, dict) or not session_id:
                raise ProtocolError(
                    "MCP initialize gave no session",
                    merchant=self.endpoint.merchant,
                    operation=operation,
                )
            self.session_id = session_id
            version = result.get("protocolVersion")
            self._mcp_version = version if isinstance(version, str) else MCP_PROTOCOL_VERSION
            await self._post("notifications/initialized", {}, operation, options, notification=True)

    def _message(self, response: RawResponse, operation: str) -> dict[str, Any]:
        merchant = self.endpoint.merchant
        if response.status_code != 200:
            raise http_failure(
                response.status_code,
                response.headers,
                response.body,
                merchant=merchant,
                operation=operation,
            )
        content_type = response.headers.get("content-type", "")
        try:
            if content_type.startswith("text/event-stream"):
                candidates = parse_sse(response.body)
            else:
                candidates = [parse_json(response.body)]
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedResponse(
                f"answer is not JSON-RPC ({len(response.body)} bytes)",
                merchant=merchant,
                operation=operation,
            ) from exc
        for message in reversed(candidates):
            if isinstance(message, dict) and ("result" in message or "error" in message):
                return message
        raise MalformedResponse(
            "answer holds no JSON-RPC response", merchant=merchant, operation=operation
        )

    def _tool_result(self, message: dict[str, Any], operation: str) -> dict[str, Any]:
        merchant = self.endpoint.merchant
        error = message.get("error")
        if isinstance(error, dict):
            raise json_rpc_failure(error, merchant=merchant, operation=operation)
        result = message.get("result")
        if not isinstance(result, dict):
            raise MalformedResponse(
                "JSON-RPC result is not an object", merchant=merchant, operation=operation
            )
        structured = result.get("structuredContent")
        if isinstance(structured, dict):
            # Inside an answer whose whole text was plainly safe, the payload is too.
            return SafeJson(structured) if isinstance(message, SafeJson) else structured
        text = _first_text(result.get("content"))
        if text is not None:
            try:
                payload = json.loads(text)
            except ValueError:
                payload = None
            if isinstance(payload, dict):
                return payload
            if result.get("isError"):
                raise ProtocolError(
                    f"tool error: {text[:200]}", merchant=merchant, operation=operation
                )
        raise MalformedResponse(
            "tool result carries no UCP payload", merchant=merchant, operation=operation
        )


def _first_text(content: Any) -> str | None:
    if isinstance(content, list):
        for block in content:
            if isinstance(block, dict) and block.get("type") == "text":
                text = block.get("text")
                if isinstance(text, str):
                    return text
    return None
