"""Reads a linked account's order history and saved addresses, refreshing its token when due.

Refreshes run under the link file's lock, re-reading it first: another Pannier process may have
just rotated the refresh token, and using the old one again would make the store revoke the link.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any, TypeVar

import httpx2
from pydantic import ValidationError

from assistant.domain import PostalAddress
from assistant.domain.accounts import PastOrder, StoreAccount
from assistant.errors import LinkError, ScopeRequired
from assistant.ucp import oauth
from assistant.ucp.challenge import INSUFFICIENT_SCOPE, link_advice, parse_bearer
from assistant.ucp.http import DEFAULT_TIMEOUT_S, send
from assistant.ucp.link_tokens import FILE_MODE, LinkedAccount, LinkStore

REFRESH_MARGIN_S = 60.0


class AccountReader:
    """The trip's read access to linked accounts (their tokens never leave this object)."""

    def __init__(
        self, http: httpx2.AsyncClient, links: LinkStore, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._http = http
        self._links = links
        self._clock = clock

    def __repr__(self) -> str:
        return f"AccountReader({self._links!r})"

    def linked(self) -> list[LinkedAccount]:
        return self._links.all()

    def account(self, origin: str) -> LinkedAccount | None:
        """The store's link as last written (another process may have refreshed it)."""
        return self._links.get(origin)

    async def access_token(self, origin: str, *, force: bool = False) -> str:
        """A current access token for the store's link, refreshed first when it is due."""
        account = self._links.get(origin)
        if account is None:
            raise LinkError("no linked account", merchant=origin, operation="account")
        if not force and account.expires_at - REFRESH_MARGIN_S > self._clock():
            return account.access_token
        async with self._refresh_lock():
            current = self._links.get(origin)  # another process may have refreshed meanwhile
            if current is None:
                raise LinkError("the account was unlinked", merchant=origin, operation="account")
            fresh_enough = current.expires_at - REFRESH_MARGIN_S > self._clock()
            if current.access_token != account.access_token and fresh_enough:
                return current.access_token
            if current.refresh_token is None:
                raise LinkError(
                    f"the link to {current.name} expired; run `pannier link {current.name}`",
                    merchant=origin,
                    operation="refresh",
                )
            try:
                tokens = await oauth.refresh(
                    self._http,
                    current.token_endpoint,
                    current.refresh_token,
                    client_id=current.client_id,
                    merchant=current.name,
                )
            except LinkError as exc:
                raise LinkError(
                    f"{exc.detail}; the link to {current.name} no longer works: "
                    f"run `pannier link {current.name}` again",
                    merchant=current.name,
                    operation="refresh",
                ) from exc
            self._links.put(
                replace(
                    current,
                    access_token=tokens.access_token,
                    refresh_token=tokens.refresh_token,
                    expires_at=tokens.expires_at,
                    scope=tokens.scope or current.scope,
                )
            )
            return tokens.access_token

    @contextlib.asynccontextmanager
    async def _refresh_lock(self) -> AsyncIterator[None]:
        path = self._links.path.with_suffix(".refresh-lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)

    async def _get(self, account: LinkedAccount, what: str) -> dict[str, Any]:
        url = account.account_urls.get(what)
        if url is None:
            return {}
        for attempt in (0, 1):
            token = await self.access_token(account.origin, force=attempt == 1)
            answer = await send(
                self._http,
                "GET",
                url,
                merchant=account.name,
                operation=f"account_{what}",
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                timeout_s=DEFAULT_TIMEOUT_S,
                max_bytes=1024 * 1024,
            )
            challenge = parse_bearer(answer.headers.get("www-authenticate"))
            if challenge is not None and challenge.error == INSUFFICIENT_SCOPE:
                raise ScopeRequired(
                    link_advice(account.name, challenge),
                    merchant=account.name,
                    operation=f"account_{what}",
                    challenge=challenge,
                )
            if answer.status_code == 401 and attempt == 0:
                continue  # expired or revoked early: one refresh, then believe the store
            if answer.status_code != 200:
                raise LinkError(
                    f"the store refused the linked account (HTTP {answer.status_code}); "
                    f"run `pannier link {account.name}` again",
                    merchant=account.name,
                    operation=f"account_{what}",
                )
            try:
                body = json.loads(answer.body)
            except (ValueError, UnicodeDecodeError):
                body = None
            return body if isinstance(body, dict) else {}
        return {}  # pragma: no cover - the loop always returns or raises

    async def read(self, account: LinkedAccount) -> StoreAccount:
        """The account's history and addresses; entries the store got wrong are left out."""
        orders_body = await self._get(account, "orders")
        addresses_body = await self._get(account, "addresses")
        holder = orders_body.get("account") or addresses_body.get("account") or {}
        return StoreAccount(
            store=account.name,
            origin=account.origin,
            holder=str(holder.get("name", "")) if isinstance(holder, dict) else "",
            orders=_valid(PastOrder, orders_body.get("orders")),
            addresses=_valid(PostalAddress, addresses_body.get("addresses")),
        )


class LinkedCredential:
    """The shopper's linked account at one store, as the bearer of UCP calls its scope covers
    (``credentials.LinkedBearer``); its token never leaves the reader."""

    def __init__(self, reader: AccountReader, origin: str) -> None:
        self._reader = reader
        self._origin = origin

    def __repr__(self) -> str:
        return f"LinkedCredential({self._origin!r})"

    def grants(self, scope: str) -> bool:
        account = self._reader.account(self._origin)
        return account is not None and scope in account.scope.split()

    async def token(self, *, force: bool = False) -> str:
        return await self._reader.access_token(self._origin, force=force)


_Entry = TypeVar("_Entry", PastOrder, PostalAddress)


def _valid(model: type[_Entry], raw: object) -> list[_Entry]:
    found: list[_Entry] = []
    for entry in raw if isinstance(raw, list) else []:
        if isinstance(entry, dict):
            with contextlib.suppress(ValidationError):
                found.append(model.model_validate(entry))
    return found
