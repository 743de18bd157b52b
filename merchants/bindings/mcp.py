"""The MCP binding: JSON-RPC 2.0 over HTTP POST, stateless, answering `application/json`.

Bare `tools/call` needs no session. `initialize`, `notifications/initialized` and `tools/list` are
answered too, so stock MCP clients connect. UCP `meta` rides inside `params.arguments`.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from merchants.bindings.dispatch import Call, Dispatcher
from merchants.bindings.errors import (
    JSONRPC_INVALID_PARAMS,
    JSONRPC_INVALID_REQUEST,
    JSONRPC_METHOD_NOT_FOUND,
    JSONRPC_PARSE_ERROR,
    ProtocolFailure,
    internal_error,
)
from merchants.bindings.http import Request, Response, dumps
from merchants.bindings.jsonbody import UnacceptableJson, parse_json
from merchants.bindings.operations import (
    COMMON_OPERATIONS,
    OPERATIONS,
    SHOPPING_OPERATIONS,
    tool_listing,
)

logger = logging.getLogger(__name__)

HANDSHAKE_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")


def _error(
    request_id: Any, code: int, message: str, http_status: int, data: Any = None
) -> Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return Response(
        http_status, dumps({"jsonrpc": "2.0", "id": request_id, "error": error}).encode()
    )


def _failure(request_id: Any, failure: ProtocolFailure) -> Response:
    payload = {"jsonrpc": "2.0", "id": request_id, "error": failure.jsonrpc_error()}
    return Response(failure.http_status, dumps(payload).encode(), headers=dict(failure.headers))


def _result(request_id: Any, result: Any) -> Response:
    return Response(200, dumps({"jsonrpc": "2.0", "id": request_id, "result": result}).encode())


def _tool_result(request_id: Any, text: str) -> Response:
    # The UCP payload (`text`, already JSON) is spliced in twice: as structuredContent and as text.
    raw = (
        '{"jsonrpc":"2.0","id":'
        + dumps(request_id)
        + ',"result":{"structuredContent":'
        + text
        + ',"content":[{"type":"text","text":'
        + dumps(text)
        + "}]}}"
    )
    return Response(200, raw.encode())


class McpEndpoint:
    """`POST /api/ucp/mcp` for one store, or its common service's `POST /api/ucp/common/mcp`."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        server_name: str,
        served: frozenset[str] = SHOPPING_OPERATIONS,
    ) -> None:
        self._dispatcher = dispatcher
        self._server_info = {"name": server_name, "version": "2026-04-08"}
        self._served = served
        self._tools_list_result = {"tools": tool_listing(served)}
        self._instructions = (
            "UCP common service tools (pickup locations)."
            if served == COMMON_OPERATIONS
            else "UCP shopping tools."
        ) + " The releases served are in /.well-known/ucp. Put UCP metadata in arguments.meta."

    async def handle(self, request: Request) -> Response:
        """Answer one JSON-RPC message."""
        if request.method != "POST":
            return Response(405, b"", headers={"Allow": "POST"})
        try:
            message = parse_json(request.body)
        except UnacceptableJson as exc:
            return _error(None, JSONRPC_PARSE_ERROR, f"Parse error: {exc}", 400)
        if (
            not isinstance(message, dict)
            or message.get("jsonrpc") != "2.0"
            or not isinstance(message.get("method"), str)
        ):
            request_id = message.get("id") if isinstance(message, dict) else None
            return _error(_safe_id(request_id), JSONRPC_INVALID_REQUEST, "Invalid Request", 400)
        if "id" not in message:
            return Response(202, b"")  # notifications (e.g. notifications/initialized) get no body
        request_id = _safe_id(message["id"])
        if request_id is None and message["id"] is not None:
            return _error(
                None,
                JSONRPC_INVALID_REQUEST,
                "Invalid Request: id must be a string, a finite number or null",
                400,
            )
        params = message.get("params", {})
        if not isinstance(params, dict):
            return _error(
                request_id, JSONRPC_INVALID_PARAMS, "Invalid params: params must be an object", 400
            )
        method = message["method"]
        try:
            if method == "tools/call":
                return await self._call_tool(request_id, params, request)
            if method == "tools/list":
                return _result(request_id, self._tools_list_result)
            if method == "initialize":
                return _result(request_id, self._initialize(params))
            if method == "ping":
                return _result(request_id, {})
        except ProtocolFailure as failure:
            return _failure(request_id, failure)
        except Exception:
            logger.exception("MCP %s failed", method)
            return _failure(request_id, internal_error())
        return _error(request_id, JSONRPC_METHOD_NOT_FOUND, f"Method not found: {method}", 404)

    def _initialize(self, params: dict[str, Any]) -> dict[str, Any]:
        asked = params.get("protocolVersion")
        version = asked if asked in HANDSHAKE_VERSIONS else HANDSHAKE_VERSIONS[-1]
        return {
            "protocolVersion": version,
            "capabilities": {"tools": {"listChanged": False}},
            "serverInfo": self._server_info,
            "instructions": self._instructions,
        }

    async def _call_tool(
        self, request_id: Any, params: dict[str, Any], request: Request
    ) -> Response:
        name = params.get("name")
        op = OPERATIONS.get(name) if isinstance(name, str) and name in self._served else None
        if op is None:
            return _error(request_id, JSONRPC_INVALID_PARAMS, f"Unknown tool: {name}", 400)
        arguments = params.get("arguments", {})
        if not isinstance(arguments, dict):
            return _error(
                request_id,
                JSONRPC_INVALID_PARAMS,
                "Invalid params: $: arguments must be an object",
                400,
            )
        meta = arguments.get("meta")
        if not isinstance(meta, dict):
            return _error(
                request_id,
                JSONRPC_INVALID_PARAMS,
                "Invalid params: $.meta: is required and must be an object",
                400,
                {"code": "invalid_request", "path": "$.meta"},
            )
        agent = meta.get("ucp-agent")
        call = Call(
            operation=op,
            arguments={k: v for k, v in arguments.items() if k != "meta"},
            profile_url=agent.get("profile") if isinstance(agent, dict) else None,
            idempotency_key=meta.get("idempotency-key"),
            authorization=request.header("authorization"),
            key_path='$.meta["idempotency-key"]',
            signed_by=request.signed_by,
        )
        outcome = await self._dispatcher.dispatch(call)
        return _tool_result(request_id, outcome.text)


def _safe_id(value: Any) -> Any:
    """A JSON-RPC id is a string, a finite number or null; anything else is answered with null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value if isinstance(value, str | int) and not isinstance(value, bool) else None
