"""UCP over MCP: bare JSON-RPC ``tools/call`` POSTs, with the handshake only when a server wants it.

UCP metadata rides in ``arguments.meta`` (``ucp-agent``, ``idempotency-key``). Answers may be
``application/json`` or a ``text/event-stream``; both are parsed. A server that demands a session
(``Mcp-Session-Id``) gets ``initialize`` + ``notifications/initialized`` first, once.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, replace
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


@dataclass(frozen=True)
class Post:
    """One JSON-RPC message as it goes out: its bytes, and for a keyed write the idempotency
    key and the signing key it goes under."""

    operation: str
    content: bytes
    key: str | None = None
    kid: str | None = None


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
        key = options.idempotency_key
        if key is None or options.claim is None:
            message = await self._request(self._tool_call(operation, arguments, key), options)
            return self._tool_result(message, operation)
        # A keyed write: its key (and, signed, its bytes, JSON-RPC id included) committed before
        # it leaves; a retry sends the first attempt's. A key an earlier attempt stored without
        # its bytes makes this request again under that key (and, signed, pins it then).
        sent = self._tool_call(operation, arguments, key)
        claimed, pinned, kid = await self.endpoint.claimed(sent.content, options)
        if claimed is not None and claimed != key and pinned is None:
            sent = self._tool_call(operation, arguments, claimed)
            options = replace(options, idempotency_key=claimed)
            _, pinned, kid = await self.endpoint.claimed(sent.content, options)
        content = pinned if pinned is not None else sent.content
        message = await self._request(replace(sent, key=claimed, content=content, kid=kid), options)
        return self._tool_result(message, operation)

    def _tool_call(self, operation: str, arguments: dict[str, Any], key: str | None) -> Post:
        """The ``tools/call`` request for ``operation`` under ``key``, with the next JSON-RPC id."""
        meta: dict[str, Any] = {"ucp-agent": {"profile": self.endpoint.profile_url}}
        arguments = dict(arguments)
        if key is not None:
            meta["idempotency-key"] = key
            if operation == "complete_checkout" and self.endpoint.version < "2026-04-08":
                arguments["idempotency_key"] = key  # 2026-01-23 openrpc
        arguments["meta"] = meta
        params = {"name": operation, "arguments": arguments}
        return self._message_to("tools/call", params, operation, key)

    def _message_to(
        self,
        method: str,
        params: dict[str, Any],
        operation: str,
        key: str | None = None,
        *,
        notification: bool = False,
    ) -> Post:
        payload: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if not notification:
            payload["id"] = next(self._ids)
        content = json.dumps(payload, separators=(",", ":")).encode()
        return Post(operation, content, key)

    async def _request(self, post: Post, options: CallOptions) -> Any:
        """``post`` (once more, the same bytes, after a handshake the server asked for)."""
        session_used = self.session_id
        response = await self._post(post, options)
        if _wants_session(response):
            await self._initialize(post.operation, options, stale=session_used)
            response = await self._post(post, options)
        return self._message(response, post.operation)

    async def _post(self, post: Post, options: CallOptions) -> RawResponse:
        headers = {"Content-Type": "application/json", "Accept": ACCEPT}
        if options.token:
            headers["Authorization"] = f"Bearer {options.token}"
        if self.session_id:
            headers["Mcp-Session-Id"] = self.session_id
        if self._mcp_version:
            headers["MCP-Protocol-Version"] = self._mcp_version
        if self.endpoint.signing is not None:
            # Signed MCP requests carry UCP's headers too, so the signature covers them.
            headers["UCP-Agent"] = f'profile="{self.endpoint.profile_url}"'
            if post.key is not None:
                headers["Idempotency-Key"] = post.key
        return await send(
            self.endpoint.http,
            "POST",
            self._urls(self.endpoint.url),
            merchant=self.endpoint.merchant,
            operation=post.operation,
            headers=headers,
            content=post.content,
            timeout_s=self.endpoint.timeout_s,
            max_bytes=self.endpoint.max_bytes,
            signing=self.endpoint.signing,
            signing_kid=post.kid,
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
            response = await self._post(self._message_to("initialize", params, operation), options)
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
            initialized = self._message_to(
                "notifications/initialized", {}, operation, notification=True
            )
            await self._post(initialized, options)

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
