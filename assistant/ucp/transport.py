"""What every UCP transport offers the client: ``call(operation, arguments) -> dict``.

``arguments`` are in the MCP tool shape (``{"id": …, "checkout": {…}}``, ``{"catalog": {…}}``);
each transport maps them onto its wire. Failures raise the ``assistant.errors`` tree.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import httpx2

from assistant.errors import (
    AuthError,
    MerchantError,
    MerchantUnavailable,
    NegotiationError,
    ProtocolError,
)
from assistant.ucp.challenge import parse_bearer
from assistant.ucp.http import DEFAULT_TIMEOUT_S, MAX_RESPONSE_BYTES, retry_after_seconds

if TYPE_CHECKING:
    from assistant.ucp.signing import Signing

NEGOTIATION_CODES = frozenset(
    {"invalid_profile_url", "profile_unreachable", "profile_malformed", "version_unsupported"}
)


# (this attempt's key, its bytes when signed, its signing key) -> the key, the bytes (None: send
# this attempt's) and the signing key to send: the first attempt's, committed before it left
Claim = Callable[[str, bytes | None, str | None], Awaitable[tuple[str, bytes | None, str | None]]]


@dataclass(frozen=True)
class CallOptions:
    """Per-call extras: the idempotency key, the bearer token (never logged), and for a keyed
    write ``claim``, which commits the key (and a signed write's bytes) before the request
    leaves, in one hand-off, and makes every attempt send the first attempt's key and bytes."""

    idempotency_key: str | None = None
    token: str | None = None
    claim: Claim | None = None

    def __repr__(self) -> str:
        token = "set" if self.token else "none"
        return f"CallOptions(idempotency_key={self.idempotency_key!r}, token={token})"


NO_OPTIONS = CallOptions()


@dataclass(frozen=True)
class Endpoint:
    """Where and how to reach one merchant's service."""

    http: httpx2.AsyncClient
    merchant: str  # the merchant's domain, named in every error
    url: str
    profile_url: str  # our platform profile, advertised on every request
    version: str  # the negotiated protocol version
    timeout_s: float = DEFAULT_TIMEOUT_S
    max_bytes: int = MAX_RESPONSE_BYTES
    signing: Signing | None = None  # set when the merchant negotiated request signing

    async def claimed(
        self, body: bytes | None, options: CallOptions
    ) -> tuple[str | None, bytes | None, str | None]:
        """The idempotency key a write sends, committed before it leaves (a keyed write's first
        attempt's on every retry), and for a signed one the first attempt's bytes (None: send
        this attempt's) and the key that signs it."""
        key = options.idempotency_key
        if key is None or options.claim is None:
            return key, None, None
        if self.signing is None:
            claimed, _, _ = await options.claim(key, None, None)
            return claimed, None, None
        return await options.claim(key, body, self.signing.active_kid)


class Transport(Protocol):
    name: str

    async def call(
        self, operation: str, arguments: dict[str, Any], options: CallOptions = NO_OPTIONS
    ) -> dict[str, Any]: ...


def _brief(body: bytes) -> tuple[str, Any, Any]:
    """(human detail, code, data) from an error body, bounded in size."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "", None, None
    if not isinstance(payload, dict):
        return "", None, None
    error = payload.get("error")
    if isinstance(error, dict):  # JSON-RPC
        data = error.get("data")
        code = data.get("code") if isinstance(data, dict) else None
        message = str(error.get("message", ""))
        content = data.get("content") if isinstance(data, dict) else None
        if isinstance(content, str) and content not in message:  # said once, not twice
            message = f"{message}: {content}" if message else content
        return message[:200], code or error.get("code"), data
    code = payload.get("code")
    content = payload.get("content") or payload.get("detail") or payload.get("message") or ""
    return str(content)[:200], code, payload


def http_failure(
    status: int, headers: httpx2.Headers, body: bytes, *, merchant: str, operation: str
) -> MerchantError:
    """The error for a non-success HTTP answer (the HTTP status is the primary signal)."""
    detail, code, data = _brief(body)
    suffix = f": {detail}" if detail else ""
    if status in (401, 403):
        what = "credentials refused" if status == 401 else "forbidden"
        challenge = parse_bearer(headers.get("www-authenticate"))
        return AuthError(
            f"{what} (HTTP {status}){suffix}",
            merchant=merchant,
            operation=operation,
            challenge=challenge,
        )
    if status == 429 or status >= 500:
        retry_after = retry_after_seconds(headers.get("retry-after"))
        if retry_after is None and isinstance(data, dict):
            retry_after = _number(data.get("retry_after"))
        what = "rate limited" if status == 429 else "server error"
        return MerchantUnavailable(
            f"{what} (HTTP {status}){suffix}",
            merchant=merchant,
            operation=operation,
            retry_after=retry_after,
            status_code=status,
        )
    error_type = NegotiationError if code in NEGOTIATION_CODES else ProtocolError
    return error_type(
        f"refused (HTTP {status}){suffix}",
        merchant=merchant,
        operation=operation,
        code=code,
        data=data,
        status_code=status,
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return max(0.0, float(value))


def json_rpc_failure(error: dict[str, Any], *, merchant: str, operation: str) -> MerchantError:
    """The error for a JSON-RPC ``error`` object that came with an HTTP success status."""
    code = error.get("code")
    data = error.get("data")
    message = str(error.get("message", "JSON-RPC error"))[:200]
    if isinstance(data, dict) and isinstance(data.get("content"), str):
        message = f"{message}: {data['content'][:200]}"
    data_code = data.get("code") if isinstance(data, dict) else None
    if code == -32001 or data_code in NEGOTIATION_CODES:
        return NegotiationError(
            message, merchant=merchant, operation=operation, code=data_code or code, data=data
        )
    if code == -32000 and isinstance(data, dict):
        retry_after = _number(data.get("retry_after"))
        status = data.get("status")
        if retry_after is not None or status in (429, 503):
            return MerchantUnavailable(
                message,
                merchant=merchant,
                operation=operation,
                retry_after=retry_after,
                status_code=status if isinstance(status, int) else None,
            )
        if status == 401 or data_code in ("unauthorized", "invalid_token", "token_expired"):
            return AuthError(message, merchant=merchant, operation=operation)
    return ProtocolError(message, merchant=merchant, operation=operation, code=code, data=data)
