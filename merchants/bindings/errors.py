"""Protocol failures, raised anywhere in the bindings and rendered by each binding in its own shape.

Business outcomes never come through here: they are UCP bodies with `messages`. These are the
transport, auth, negotiation and request-shape failures that the spec maps onto HTTP statuses and
JSON-RPC error codes (DIGEST §2.5, §3.5).
"""

from __future__ import annotations

from typing import Any

JSONRPC_PARSE_ERROR = -32700
JSONRPC_INVALID_REQUEST = -32600
JSONRPC_METHOD_NOT_FOUND = -32601
JSONRPC_INVALID_PARAMS = -32602
JSONRPC_INTERNAL_ERROR = -32603
JSONRPC_PROTOCOL_ERROR = -32000
JSONRPC_DISCOVERY_ERROR = -32001


class ProtocolFailure(Exception):
    """A request the store refuses before (or instead of) any business logic."""

    def __init__(
        self,
        *,
        http_status: int,
        code: str,
        content: str,
        jsonrpc_code: int,
        jsonrpc_message: str,
        data: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(content)
        self.http_status = http_status
        self.code = code
        self.content = content
        self.jsonrpc_code = jsonrpc_code
        self.jsonrpc_message = jsonrpc_message
        self.data = data or {}
        self.headers = headers or {}

    def rest_body(self) -> dict[str, Any]:
        """The REST error body: `{code, content}` plus any extra data (path, retry_after)."""
        return {"code": self.code, "content": self.content, **self.data}

    def jsonrpc_error(self) -> dict[str, Any]:
        """The JSON-RPC `error` member."""
        return {
            "code": self.jsonrpc_code,
            "message": self.jsonrpc_message,
            "data": {"code": self.code, "content": self.content, **self.data},
        }


def invalid_params(path: str, message: str) -> ProtocolFailure:
    """Schema-invalid arguments; `path` is a JSONPath into the operation's arguments."""
    return ProtocolFailure(
        http_status=400,
        code="invalid_request",
        content=f"{path}: {message}",
        jsonrpc_code=JSONRPC_INVALID_PARAMS,
        jsonrpc_message=f"Invalid params: {path}: {message}",
        data={"path": path},
    )


def request_too_large(path: str, message: str) -> ProtocolFailure:
    """A batch over the store's limit: REST 400 `request_too_large`, MCP -32602 (DIGEST §5)."""
    return ProtocolFailure(
        http_status=400,
        code="request_too_large",
        content=f"{path}: {message}",
        jsonrpc_code=JSONRPC_INVALID_PARAMS,
        jsonrpc_message=f"Invalid params: {path}: {message}",
        data={"path": path},
    )


def negotiation_failed(
    code: str, content: str, *, continue_url: str | None = None
) -> ProtocolFailure:
    """Discovery/negotiation failures: REST 400/424/422, MCP -32001 (DIGEST §2.5)."""
    http_status = {
        "invalid_profile_url": 400,
        "profile_unreachable": 424,
        "profile_malformed": 422,
        "version_unsupported": 422,
    }[code]
    data = {"continue_url": continue_url} if continue_url else {}
    return ProtocolFailure(
        http_status=http_status,
        code=code,
        content=content,
        jsonrpc_code=JSONRPC_DISCOVERY_ERROR,
        jsonrpc_message="UCP discovery failed",
        data=data,
    )


def bearer_challenge(
    realm: str, *, error: str | None = None, scope: str | None = None
) -> dict[str, str]:
    """The ``WWW-Authenticate`` header of a refusal (RFC 6750 §3; RFC 9728 §5.1 metadata)."""
    parts = [f'realm="{realm}"']
    if error is not None:
        parts.append(f'error="{error}"')
    if scope is not None:
        parts.append(f'scope="{scope}"')
    parts.append(f'resource_metadata="{realm}/.well-known/oauth-protected-resource"')
    return {"WWW-Authenticate": "Bearer " + ", ".join(parts)}


def unauthorized(content: str, *, realm: str, presented: bool = False) -> ProtocolFailure:
    """Missing or invalid bearer token on an operation that needs one (``presented``: invalid)."""
    return ProtocolFailure(
        http_status=401,
        code="unauthorized",
        content=content,
        jsonrpc_code=JSONRPC_PROTOCOL_ERROR,
        jsonrpc_message="Unauthorized",
        headers=bearer_challenge(realm, error="invalid_token" if presented else None),
    )


def identity_refused(content: str, *, realm: str, scope: str | None = None) -> ProtocolFailure:
    """A buyer's token that is invalid (401 ``identity_required``) or lacks ``scope`` (403)."""
    return ProtocolFailure(
        http_status=403 if scope else 401,
        code="insufficient_scope" if scope else "identity_required",
        content=content,
        jsonrpc_code=JSONRPC_PROTOCOL_ERROR,
        jsonrpc_message="Forbidden" if scope else "Unauthorized",
        headers=bearer_challenge(
            realm, error="insufficient_scope" if scope else "invalid_token", scope=scope
        ),
    )


def rate_limited(retry_after: int) -> ProtocolFailure:
    """The client's token bucket for this operation class is empty."""
    return ProtocolFailure(
        http_status=429,
        code="rate_limited",
        content=f"Too many requests; retry after {retry_after} s.",
        jsonrpc_code=JSONRPC_PROTOCOL_ERROR,
        jsonrpc_message="Rate limit exceeded",
        data={"retry_after": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


def idempotency_conflict() -> ProtocolFailure:
    """The same idempotency key was sent with different canonical arguments."""
    return ProtocolFailure(
        http_status=409,
        code="idempotency_conflict",
        content="This Idempotency-Key was already used with a different request.",
        jsonrpc_code=JSONRPC_PROTOCOL_ERROR,
        jsonrpc_message="Idempotency key reused with a different request",
    )


def unavailable(retry_after: int = 1) -> ProtocolFailure:
    """The store is (pretending to be) temporarily unavailable."""
    return ProtocolFailure(
        http_status=503,
        code="unavailable",
        content="The store is temporarily unavailable; retry shortly.",
        jsonrpc_code=JSONRPC_PROTOCOL_ERROR,
        jsonrpc_message="Service unavailable",
        data={"retry_after": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


def internal_error() -> ProtocolFailure:
    """An unexpected exception; never carries a traceback."""
    return ProtocolFailure(
        http_status=500,
        code="internal_error",
        content="The store hit an unexpected error.",
        jsonrpc_code=JSONRPC_INTERNAL_ERROR,
        jsonrpc_message="Internal error",
    )
