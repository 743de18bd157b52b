"""Client-credentials access tokens, one source per merchant, fetched lazily and cached.

A token is kept in memory and, given a ``TokenCache`` (the local store), on disk until it expires,
so the next process reuses it instead of asking again. Tokens never appear in logs, reprs,
exception messages or anything the model reads.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol
from urllib.parse import urlencode

import httpx2

from assistant.errors import AuthError, MerchantError, MerchantUnavailable
from assistant.ucp.http import DEFAULT_TIMEOUT_S, MalformedResponse, send

TOKEN_PATH = "/auth/access_token"
REFRESH_MARGIN_S = 60.0
DEFAULT_TTL_S = 300.0


class TokenCache(Protocol):
    """Where tokens outlive the process: ``assistant.store.Store``."""

    def cached_token(self, scope: str) -> tuple[str, float] | None: ...
    def save_token(self, scope: str, token: str, expires_at: float) -> None: ...


class TokenSource:
    """Bearer tokens for one merchant from its ``/auth/access_token`` endpoint."""

    def __init__(
        self,
        http: httpx2.AsyncClient,
        *,
        merchant: str,
        token_url: str,
        client_id: str,
        client_secret: str,
        clock: Callable[[], float] = time.monotonic,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        cache: TokenCache | None = None,
    ) -> None:
        """``cache`` keeps tokens across processes (their expiry in wall-clock seconds)."""
        self._http = http
        self._merchant = merchant
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._clock = clock
        self._timeout_s = timeout_s
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self._cache = cache
        self._cache_scope = f"{token_url}|{client_id}"

    def __repr__(self) -> str:
        return f"TokenSource(merchant={self._merchant!r}, client_id={self._client_id!r})"

    async def token(self, *, refresh: bool = False, rejected: str | None = None) -> str:
        """A valid token; ``refresh`` forces a new one unless ``rejected`` was already replaced."""
        async with self._lock:
            stale = refresh and (rejected is None or rejected == self._token)
            if self._token is None and not stale:
                self._adopt_cached()
            if self._token is None or stale or self._clock() >= self._expires_at:
                self._token, lifetime = await self._fetch()
                usable_s = max(0.0, lifetime - REFRESH_MARGIN_S)
                self._expires_at = self._clock() + usable_s
                if self._cache is not None:
                    self._cache.save_token(self._cache_scope, self._token, time.time() + usable_s)
            return self._token

    def _adopt_cached(self) -> None:
        """A token an earlier process fetched, while it is still good."""
        cached = self._cache.cached_token(self._cache_scope) if self._cache is not None else None
        if cached is not None and cached[1] > time.time():
            self._token = cached[0]
            self._expires_at = self._clock() + (cached[1] - time.time())

    async def _fetch(self) -> tuple[str, float]:
        operation = "access_token"
        body = urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            }
        ).encode()
        try:
            response = await send(
                self._http,
                "POST",
                self._token_url,
                merchant=self._merchant,
                operation=operation,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/json",
                },
                content=body,
                timeout_s=self._timeout_s,
                max_bytes=64 * 1024,
            )
        except MerchantUnavailable:
            raise  # the token endpoint is down or busy: retryable, and not about our credentials
        except MerchantError as exc:
            raise AuthError(
                f"token endpoint {self._token_url} unreachable: {exc.detail}; set token_url",
                merchant=self._merchant,
                operation=operation,
            ) from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise MerchantUnavailable(
                f"token endpoint unavailable (HTTP {response.status_code})",
                merchant=self._merchant,
                operation=operation,
                status_code=response.status_code,
                retry_after=_retry_after(response.headers.get("retry-after")),
            )
        if response.status_code != 200:
            raise AuthError(
                f"token request to {self._token_url} refused (HTTP {response.status_code}); check "
                "client_id, client_secret and token_url of this merchant in the config",
                merchant=self._merchant,
                operation=operation,
            )
        try:
            payload = response.json(merchant=self._merchant, operation=operation)
        except MalformedResponse as exc:
            raise AuthError(
                "token answer is not JSON", merchant=self._merchant, operation=operation
            ) from exc
        token = payload.get("access_token") if isinstance(payload, dict) else None
        if not isinstance(token, str) or not token:
            raise AuthError(
                "token answer has no access_token", merchant=self._merchant, operation=operation
            )
        expires_in = payload.get("expires_in")
        lifetime = (
            float(expires_in)
            if isinstance(expires_in, int | float) and not isinstance(expires_in, bool)
            else DEFAULT_TTL_S
        )
        return token, lifetime


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
