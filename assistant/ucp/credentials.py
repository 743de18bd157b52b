"""Which bearer token a UCP call carries, and what to do when the store refuses it.

Three kinds of credential reach a store: none (the call is signed, or anonymous), the platform's
client-credentials token (``TokenSource``), and the shopper's linked account (``LinkedBearer``),
sent on an operation whose scope the link grants when the platform is otherwise authenticated by
its signature (the Authorization header is then free for the buyer's token).

When a call is refused with 401/403, the store's ``WWW-Authenticate`` challenge decides:
``insufficient_scope`` is the shopper's to fix (``ScopeRequired``, naming ``pannier link`` and the
scope; never retried); otherwise the token is replaced once (a linked account's refreshed, a
client-credentials one fetched again) and the call retried with the same idempotency key and
bytes. Tokens stay inside these objects: never in a message, an event or a log line.
"""

from __future__ import annotations

import shlex
from typing import Final, Protocol

from assistant.errors import AuthError, ScopeRequired
from assistant.ucp.auth import TokenSource
from assistant.ucp.challenge import INSUFFICIENT_SCOPE, link_advice

_CHECKOUT_MANAGE: Final = "dev.ucp.shopping.checkout:manage"
# The identity-linking scope each operation needs when a buyer's token is sent (UCP well-known).
SCOPE_OF_OPERATION: Final = {
    "create_checkout": _CHECKOUT_MANAGE,
    "get_checkout": _CHECKOUT_MANAGE,
    "update_checkout": _CHECKOUT_MANAGE,
    "complete_checkout": _CHECKOUT_MANAGE,
    "cancel_checkout": _CHECKOUT_MANAGE,
    "get_order": "dev.ucp.shopping.order:read",
}


class LinkedBearer(Protocol):
    """The shopper's linked account at one store (``assistant.ucp.linked.LinkedCredential``)."""

    def grants(self, scope: str) -> bool: ...
    async def token(self, *, force: bool = False) -> str: ...


class Credentials:
    """One merchant's credentials for UCP calls."""

    def __init__(
        self,
        *,
        name: str,
        url: str,
        tokens: TokenSource | None,
        linked: LinkedBearer | None = None,
    ) -> None:
        self._name = name
        self._url = url
        self._tokens = tokens
        self._linked = linked
        self._auth_everywhere = False  # set once an anonymous call was refused

    def __repr__(self) -> str:
        return f"Credentials({self._name!r}, tokens={self._tokens!r}, linked={bool(self._linked)})"

    def _linked_for(self, operation: str) -> LinkedBearer | None:
        scope = SCOPE_OF_OPERATION.get(operation)
        linked = self._linked
        if self._tokens is not None or linked is None or scope is None:
            return None
        return linked if linked.grants(scope) else None

    async def first(self, operation: str, anonymous: bool) -> str | None:
        """The token the first attempt carries (None: none)."""
        linked = self._linked_for(operation)
        if linked is not None:
            return await linked.token()
        if self._tokens is not None and (not anonymous or self._auth_everywhere):
            return await self._tokens.token()
        return None

    async def again(self, operation: str, refused: AuthError, sent: str | None) -> str:
        """The token for the one retry after ``refused``; raises when no retry can help."""
        if (needed := self._scope_required(refused)) is not None:
            raise needed from refused
        linked = self._linked_for(operation)
        if linked is not None and sent is not None:
            return await linked.token(force=True)  # expired or revoked early: refresh once
        if self._tokens is None:
            raise self.hint(refused, configured=False) from refused
        self._auth_everywhere = True
        return await self._tokens.token(refresh=sent is not None, rejected=sent)

    def refused(self, operation: str, refused: AuthError) -> AuthError:
        """The error for a retry the store refused too."""
        if (needed := self._scope_required(refused)) is not None:
            return needed
        challenge = refused.challenge
        if self._linked_for(operation) is not None:
            return AuthError(
                f"{refused.detail}; the linked account no longer works here: "
                f"run `pannier link {shlex.quote(self._name)}` again",
                merchant=refused.merchant,
                operation=refused.operation,
                challenge=challenge,
            )
        return self.hint(refused, configured=True)

    def _scope_required(self, refused: AuthError) -> ScopeRequired | None:
        """A refusal for want of a scope (never retried): which ``pannier link`` grants it."""
        challenge = refused.challenge
        if challenge is None or challenge.error != INSUFFICIENT_SCOPE:
            return None
        return ScopeRequired(
            link_advice(self._name, challenge),
            merchant=refused.merchant,
            operation=refused.operation,
            challenge=challenge,
        )

    def hint(self, exc: AuthError, *, configured: bool) -> AuthError:
        """The refusal, naming the credential this merchant needs and the config keys for it."""
        entry = f'the [[merchants]] entry with url = "{self._url}"'
        if configured:
            advice = f"check client_id, client_secret and token_url in {entry}"
        else:
            advice = (
                f"it needs OAuth client credentials from {self._name}: set client_id and "
                f"client_secret (and token_url if it does not advertise one) in {entry}"
            )
        return AuthError(
            f"{exc.detail}; {advice}",
            merchant=exc.merchant,
            operation=exc.operation,
            challenge=exc.challenge,
        )
