"""A deliberately small ASGI request/response layer: speed and full control of the wire.

Starlette would do, but the benchmark's hot path is a handful of JSON POSTs, and raw ASGI also lets
the chaos middleware drop a connection after a write has committed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from merchants.business import jsontext

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 1024 * 1024


class BodyTooLarge(Exception):
    """The request body exceeds MAX_BODY_BYTES."""


@dataclass(frozen=True)
class Signer:
    """Who signed a request whose RFC 9421 signature verified: the key and the profile naming it."""

    kid: str
    profile_url: str


@dataclass(frozen=True)
class Request:
    """One HTTP request with its body fully read."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    client_host: str
    signed_by: Signer | None = None

    def header(self, name: str) -> str | None:
        """A request header by lower-case name."""
        return self.headers.get(name)

    def form(self) -> dict[str, str]:
        """The body as an urlencoded form (last value wins)."""
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))


@dataclass
class Response:
    """One HTTP response, rendered in a single `http.response.body` message."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    async def send(self, send: Send) -> None:
        """Write this response to the ASGI `send` channel."""
        raw_headers = [
            (b"content-type", self.content_type.encode()),
            (b"content-length", str(len(self.body)).encode()),
        ]
        raw_headers.extend(
            (k.lower().encode(), v.encode("latin-1", "replace")) for k, v in self.headers.items()
        )
        await send({"type": "http.response.start", "status": self.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": self.body})


def dumps(payload: Any) -> str:
    """Compact JSON, as every store response is written (``business.jsontext``)."""
    return jsontext.dumps(payload)


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response."""
    return Response(status, dumps(payload).encode(), headers=headers or {})


def html_response(status: int, html: str, headers: dict[str, str] | None = None) -> Response:
    """An HTML page."""
    return Response(status, html.encode(), "text/html; charset=utf-8", headers or {})


async def read_request(scope: Scope, receive: Receive) -> Request:
    """Read the whole request; raise BodyTooLarge past MAX_BODY_BYTES without buffering the rest."""
    headers = {
        raw_name.decode("latin-1").lower(): raw_value.decode("latin-1")
        for raw_name, raw_value in scope.get("headers", [])
    }
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    more_body = scope["method"] not in ("GET", "HEAD")
    while more_body:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge
        chunks.append(chunk)
        more_body = message.get("more_body", False)
    client = scope.get("client") or ("", 0)
    query_string = scope.get("query_string", b"").decode("latin-1")
    return Request(
        method=scope["method"],
        path=scope["path"],
        query=dict(parse_qsl(query_string)) if query_string else {},
        headers=headers,
        body=b"".join(chunks),
        client_host=str(client[0]),
    )
