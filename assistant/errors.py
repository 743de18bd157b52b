"""Every failure Pannier raises, in one tree.

    PannierError(message, title=...)
    ├── ConfigError            the config file or a key in it is wrong (names file and key)
    ├── StoreError             the local SQLite cache cannot be read or written
    ├── MerchantError          a failure talking to one merchant (names merchant + operation)
    │   ├── MerchantUnavailable    timeout, connection drop, 5xx, 429 after retries
    │   ├── ProtocolError          JSON-RPC error, HTTP 4xx, malformed/oversized/invalid answer
    │   │   └── NegotiationError   discovery / version negotiation failed (-32001, 4xx on discovery)
    │   └── AuthError              client-credentials token could not be obtained or was refused
    │       ├── LinkError          identity linking failed or was refused (OAuth, RFC 9207 iss…)
    │       └── ScopeRequired      the store wants a linked account with a scope we do not hold
    ├── ModelError             the language model API failed after retries
    │   └── ModelUnreachable   the API cannot be reached or refuses the key (go offline)
    └── PurchaseRefused        a completion was not confirmed or breaks a spending limit

Business outcomes (out of stock, declined card, escalations) are never exceptions: they are data on
the Checkout / Cart (``messages``). The TUI and CLI show ``title`` and ``message``; any other
exception reaching them is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class PannierError(Exception):
    """Base of every error Pannier shows to a shopper."""

    title = "Something went wrong"

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message


class ConfigError(PannierError):
    title = "Configuration problem"


class StoreError(PannierError):
    title = "Local data problem"


class MerchantError(PannierError):
    """A failure talking to one merchant during one operation."""

    title = "Merchant problem"

    def __init__(
        self, message: str, *, merchant: str, operation: str, title: str | None = None
    ) -> None:
        super().__init__(f"{merchant}: {operation}: {message}", title=title)
        self.merchant = merchant
        self.operation = operation
        self.detail = message


class MerchantUnavailable(MerchantError):
    title = "Merchant unavailable"

    def __init__(
        self,
        message: str,
        *,
        merchant: str,
        operation: str,
        retry_after: float | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message, merchant=merchant, operation=operation)
        self.retry_after = retry_after
        self.status_code = status_code


class ProtocolError(MerchantError):
    """The merchant answered, but not with something UCP allows (or with a protocol error)."""

    title = "Merchant protocol error"

    def __init__(
        self,
        message: str,
        *,
        merchant: str,
        operation: str,
        code: int | str | None = None,
        data: Any = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message, merchant=merchant, operation=operation)
        self.code = code
        self.data = data
        self.status_code = status_code


class NegotiationError(ProtocolError):
    title = "Merchant negotiation failed"


@dataclass(frozen=True)
class BearerChallenge:
    """A ``WWW-Authenticate: Bearer`` challenge (RFC 6750 §3, RFC 9728 §5.1) as a store sent it."""

    error: str | None = None  # invalid_token | insufficient_scope | invalid_request | None
    scope: str | None = None  # the scope the operation needs (space-separated)
    realm: str | None = None
    resource_metadata: str | None = None  # where the store's RFC 9728 metadata is


class AuthError(MerchantError):
    title = "Merchant refused our credentials"

    def __init__(
        self,
        message: str,
        *,
        merchant: str,
        operation: str,
        title: str | None = None,
        challenge: BearerChallenge | None = None,
    ) -> None:
        super().__init__(message, merchant=merchant, operation=operation, title=title)
        self.challenge = challenge  # what the store's WWW-Authenticate asked for, if it said


class LinkError(AuthError):
    """Linking a shopper's account failed: discovery, the sign-in answer, or its tokens."""

    title = "Account linking failed"


class ScopeRequired(AuthError):
    """The store needs the shopper's linked account with a scope it does not grant yet: only the
    shopper can fix that, by linking again (the message names the command and the scope)."""

    title = "Link your account"


class ModelError(PannierError):
    title = "Language model unavailable"


class ModelUnreachable(ModelError):
    """The API cannot be reached or refuses the key: no retry helps, the offline planner can."""

    title = "Claude unreachable"


class PurchaseRefused(PannierError):
    title = "Purchase not made"
