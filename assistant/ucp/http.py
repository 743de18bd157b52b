"""The one boundary where httpx2 exceptions become Pannier errors; bodies are read with a cap."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx2

from assistant.errors import MerchantUnavailable, ProtocolError
from assistant.safe_text import SafeJson, json_text_safe

if TYPE_CHECKING:
    from assistant.ucp.signing import Signing

MAX_RESPONSE_BYTES = 8 * 1024 * 1024
DEFAULT_TIMEOUT_S = 15.0


def merchant_http_client(
    merchant_urls: Sequence[str], *, timeout_s: float = DEFAULT_TIMEOUT_S, **options: Any
) -> httpx2.AsyncClient:
    """The HTTP client a trip talks to its merchants through; ``options`` go to the client.

    Each merchant's origin gets a connection pool of its own: one shared pool keeps only 20
    idle connections (a trip at 40 shops reconnected half of them on every step) and scans every
    connection, probing its socket, twice per request. One TLS context serves every pool (it
    costs ~100 ms of CPU to load the CA bundle); with only plain-http merchants (the bundled
    sandbox: no URLs at all) none is built, as no https request can happen (redirects are not
    followed). With a proxy in the environment the one default pool is kept, which honours it.
    """
    plain = all(url.startswith("http://") for url in merchant_urls)
    if urllib.request.getproxies() and not plain:
        return httpx2.AsyncClient(timeout=timeout_s, **options)
    tls = False if plain else httpx2.create_ssl_context()
    origins = {f"{p.scheme}://{p.netloc}" for p in map(urlsplit, merchant_urls) if p.netloc}
    return httpx2.AsyncClient(
        timeout=timeout_s,
        transport=httpx2.AsyncHTTPTransport(verify=tls),
        mounts={origin: httpx2.AsyncHTTPTransport(verify=tls) for origin in sorted(origins)},
        **options,
    )


class MalformedResponse(ProtocolError):
    """The merchant answered with something that is not a UCP payload (garbage, shape, size).

    Ambiguous for writes: the merchant may have acted before answering badly.
    """


class SignatureRejected(MalformedResponse):
    """The merchant signed its answer and the signature does not verify: the answer is not used."""


@dataclass(frozen=True)
class RawResponse:
    status_code: int
    headers: httpx2.Headers
    body: bytes

    def json(self, *, merchant: str, operation: str) -> Any:
        """The body parsed as JSON (an object whose text is plainly safe marked ``SafeJson``),
        or ``MalformedResponse``."""
        try:
            return parse_json(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedResponse(
                f"answer is not JSON (HTTP {self.status_code}, {len(self.body)} bytes)",
                merchant=merchant,
                operation=operation,
                status_code=self.status_code,
            ) from exc


def parse_json(body: bytes) -> Any:
    """``json.loads(body)``; an object whose every string is terminal-safe as sent comes back
    marked ``SafeJson``, so reading it into the models skips cleaning it again."""
    text = body.decode(json.detect_encoding(body), "surrogatepass")  # as json.loads decodes
    value = json.loads(text)
    return SafeJson(value) if isinstance(value, dict) and json_text_safe(text) else value


class ParsedUrls:
    """URLs parsed once: httpx2 parses a string URL afresh on every request (~20 µs each)."""

    LIMIT = 256  # distinct URLs kept (a REST path names a checkout): then it starts again

    def __init__(self) -> None:
        self._parsed: dict[str, httpx2.URL] = {}

    def __call__(self, url: str) -> httpx2.URL:
        parsed = self._parsed.get(url)
        if parsed is None:
            if len(self._parsed) >= self.LIMIT:
                self._parsed.clear()
            parsed = self._parsed[url] = httpx2.URL(url)
        return parsed


async def send(
    http: httpx2.AsyncClient,
    method: str,
    url: str | httpx2.URL,
    *,
    merchant: str,
    operation: str,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = MAX_RESPONSE_BYTES,
    signing: Signing | None = None,
    signing_kid: str | None = None,
) -> RawResponse:
    """Send one request and read its body (at most ``max_bytes``), translating failures.

    ``timeout_s`` bounds each network phase and, doubled, the whole exchange (a trickling body).
    With ``signing`` the request is signed (by ``signing_kid`` when that key may still sign) and a
    signed answer is verified.
    """
    request = http.build_request(method, url, headers=headers, content=content, timeout=timeout_s)
    if signing is not None:
        signing.sign(request, content, kid=signing_kid)
    try:
        async with asyncio.timeout(timeout_s * 2):
            response = await http.send(request, stream=True)
            chunks = await _read(response, merchant, operation, max_bytes)
    except (httpx2.TimeoutException, TimeoutError) as exc:
        raise MerchantUnavailable(
            f"timed out after {timeout_s:g} s", merchant=merchant, operation=operation
        ) from exc
    except httpx2.HTTPError as exc:
        raise MerchantUnavailable(
            f"connection failed ({type(exc).__name__})", merchant=merchant, operation=operation
        ) from exc
    if signing is not None:
        signing.check(response, chunks, merchant=merchant, operation=operation)
    return RawResponse(response.status_code, response.headers, chunks)


async def _read(response: httpx2.Response, merchant: str, operation: str, max_bytes: int) -> bytes:
    try:
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            raise _too_large(merchant, operation, response.status_code, max_bytes)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(merchant, operation, response.status_code, max_bytes)
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        await response.aclose()


def _too_large(merchant: str, operation: str, status: int, max_bytes: int) -> MalformedResponse:
    return MalformedResponse(
        f"answer larger than {max_bytes // (1024 * 1024)} MiB",
        merchant=merchant,
        operation=operation,
        status_code=status,
    )


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` in seconds (delta form only; HTTP dates are ignored)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(0.0, seconds)
