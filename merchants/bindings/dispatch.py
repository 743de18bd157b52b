"""The transport-neutral heart of the bindings: one call in, one UCP body or ProtocolFailure out.

Order of checks: argument shape → bearer token → platform profile + negotiation → rate limit →
idempotency replay → business core. MCP and REST both build a `Call` with the same canonical
arguments (the MCP `arguments` minus `meta`), so the two transports answer identically and share
idempotency records.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from merchants.bindings.auth import TokenHolder, TokenIssuer
from merchants.bindings.discovery import business_capabilities
from merchants.bindings.errors import idempotency_conflict, invalid_params, request_too_large
from merchants.bindings.http import Signer, dumps
from merchants.bindings.negotiation import (
    Negotiated,
    PlatformProfile,
    ProfileCache,
    check_release,
    intersect,
)
from merchants.bindings.operations import Operation
from merchants.bindings.ratelimit import RateLimiter
from merchants.bindings.signature_errors import signature_failure
from merchants.bindings.versions import (
    AUTHENTICATION,
    RELEASES,
    handlers_in,
    request_from,
    response_in,
)
from merchants.business.errors import InvalidRequest, RequestTooLarge
from merchants.business.jsontext import dumps_sorted, legacy_dumps_sorted
from merchants.business.shop import Result, Shop
from merchants.business.storage_idempotency import splice_ucp

logger = logging.getLogger(__name__)

MAX_IDEMPOTENCY_KEY_LENGTH = 255


@dataclass(frozen=True)
class Call:
    """One operation request, already translated from its transport."""

    operation: Operation
    arguments: dict[str, Any]
    profile_url: object
    idempotency_key: object
    authorization: str | None
    key_path: str
    signed_by: Signer | None = None  # a verified RFC 9421 signature: the "signed" tier


@dataclass(frozen=True)
class Outcome:
    """A UCP response body, as the JSON text sent, and the HTTP status REST should use for it."""

    status_code: int
    text: str
    replayed: bool = False
    ucp: str | None = None  # with `resource`: the two texts `text` was spliced from
    resource: str = ""

    @property
    def body(self) -> dict[str, Any]:
        """The body as a dict (decoded on demand; the hot path only needs ``text``)."""
        decoded: dict[str, Any] = json.loads(self.text)
        return decoded


def canonical_hash(arguments: dict[str, Any], legacy: bool = False) -> str:
    """A stable digest of canonical arguments, for idempotency comparison.

    ``legacy``: as an earlier release hashed them (``json``'s text, which differs from orjson's
    only in floats under 1e-4), for a record it stored."""
    text = legacy_dumps_sorted(arguments) if legacy else dumps_sorted(arguments)
    return hashlib.sha256(text.encode()).hexdigest()


def same_request(stored_hash: str, request_hash: str, arguments: dict[str, Any]) -> bool:
    """Whether a stored record's request is this one (the legacy hash only when they differ)."""
    return stored_hash == request_hash or stored_hash == canonical_hash(arguments, legacy=True)


def idempotency_scope(operation: str, holder: TokenHolder | None, profile_url: str) -> str:
    """Whose keys these are: the authenticated client, else (anonymous) the platform profile URL.

    Keys are unique per client and operation (spec §10.2). The client id survives token refreshes
    and platform restarts, which may serve the profile from a new URL; the profile URL is the
    only name an anonymous caller has. Profile URLs start with a scheme, so the two never collide.
    """
    if holder is not None:
        return f"client:{holder.client_id}|{operation}"
    return f"{profile_url}|{operation}"


def check_shape(op: Operation, arguments: dict[str, Any]) -> None:
    """Reject arguments whose top-level shape the operation's schema forbids."""
    if op.takes_id:
        identifier = arguments.get("id")
        if "id" not in arguments:
            raise invalid_params("$.id", "is required")
        if not isinstance(identifier, str) or not identifier:
            raise invalid_params("$.id", "must be a non-empty string")
    if op.body_key is not None:
        body = arguments.get(op.body_key)
        if op.name == "create_checkout":
            cart_id = arguments.get("cart_id")
            if cart_id is not None and not isinstance(cart_id, str):
                raise invalid_params("$.cart_id", "must be a string")
            if body is None and cart_id is not None:
                return
        if body is None:
            raise invalid_params(f"$.{op.body_key}", "is required")
        if not isinstance(body, dict):
            raise invalid_params(f"$.{op.body_key}", "must be an object")


class Dispatcher:
    """Runs operations against one store's Shop, adding the negotiated `ucp` block."""

    def __init__(
        self,
        shop: Shop,
        *,
        profiles: ProfileCache,
        issuer: TokenIssuer,
        limiter: RateLimiter,
        home_url: str,
        releases: tuple[str, ...] = RELEASES,
    ) -> None:
        self.shop = shop
        self.releases = releases
        self._profiles = profiles
        self._issuer = issuer
        self._limiter = limiter
        self._home_url = home_url
        self._capabilities = {
            release: business_capabilities(shop.spec.capabilities, release) for release in releases
        }
        self._policies = tuple(  # 2026-08-25 checkout policies, their paths made absolute
            {**p, "url": urljoin(home_url, p["url"])} if "url" in p else p
            for p in shop.spec.checkout_policies
        )
        self._extends: dict[str, tuple[str, ...]] = {}
        for name, entries in self._capabilities[releases[0]].items():
            extends = entries[0].get("extends")
            if extends is not None:
                self._extends[name] = (extends,) if isinstance(extends, str) else tuple(extends)
        # (order id, the placing platform's webhook_url): set by the order webhooks, if any
        self.on_order: Callable[[str, str], None] | None = None
        self._negotiated: dict[
            str, tuple[PlatformProfile, Negotiated, dict[tuple[str, bool], str]]
        ] = {}

    async def dispatch(self, call: Call) -> Outcome:
        """Run one call; raise ProtocolFailure for anything that is not a business outcome."""
        op = call.operation
        check_shape(op, call.arguments)
        key = call.idempotency_key
        if key is not None and (
            not isinstance(key, str) or not 0 < len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH
        ):
            raise invalid_params(
                call.key_path, "must be a non-empty string of at most 255 characters"
            )
        if op.needs_idempotency_key and key is None:
            raise invalid_params(call.key_path, f"is required for {op.name}")
        holder: TokenHolder | None = self._issuer.identity_for(call.authorization)
        if holder is None:  # no valid platform token: a linked shopper's, a signature, or none
            buyer = self._issuer.buyer_for(call.authorization, op.name)
            if call.signed_by is not None:
                if call.signed_by.profile_url != call.profile_url:
                    raise signature_failure(
                        "signature_invalid",
                        "The signed UCP-Agent and the request's profile differ.",
                    )
                holder = TokenHolder(f"signed:{call.signed_by.kid}", "signature")
            elif buyer is not None:
                holder = buyer
            elif op.needs_auth:
                holder = self._issuer.require(call.authorization)  # raises the challenge
        profile = await self._profiles.get(call.profile_url)
        release = check_release(profile, self.releases)
        self._limiter.take(holder.session if holder is not None else profile.url, op.rate_class)
        negotiated, blocks = self._negotiate(profile)
        if op.capability not in negotiated.active_versions:
            return Outcome(200, dumps(self._incompatible(op, release)))
        arguments = request_from(release, call.arguments)
        answer_in = (release, AUTHENTICATION in negotiated.active_versions)
        if key is None or not op.writes:
            return self._run(op, arguments, blocks, answer_in)
        assert isinstance(key, str)
        scope = idempotency_scope(op.name, holder, profile.url)
        request_hash = canonical_hash(call.arguments)
        # One write transaction holds the lookup, the operation and its record: no separate read
        # transaction for the lookup, and nothing can slip in between it and the write.
        with self.shop.transaction():
            stored = self.shop.idempotency_get(scope, key)
            if stored is not None:
                if not same_request(stored.request_hash, request_hash, call.arguments):
                    raise idempotency_conflict()
                return Outcome(stored.status_code, stored.text, replayed=True)
            outcome = self._run(op, arguments, blocks, answer_in)
            if op.name == "complete_checkout" and self.on_order and profile.webhook_url:
                order = json.loads(outcome.resource or outcome.text).get("order")
                if isinstance(order, dict) and isinstance(order.get("id"), str):
                    self.on_order(order["id"], profile.webhook_url)
            if outcome.ucp is None:
                self.shop.idempotency_put(
                    scope, key, request_hash, outcome.status_code, outcome.text
                )
            else:
                self.shop.idempotency_put(
                    scope, key, request_hash, outcome.status_code, outcome.resource, outcome.ucp
                )
        return outcome

    def _run(
        self,
        op: Operation,
        arguments: dict[str, Any],
        blocks: dict[tuple[str, bool], str],
        answer_in: tuple[str, bool],
    ) -> Outcome:
        """``answer_in``: the answer's release and whether payment authentication is negotiated."""
        try:
            result: Result = op.run(self.shop, arguments)
        except RequestTooLarge as exc:
            raise request_too_large(exc.path, exc.message) from exc
        except InvalidRequest as exc:
            raise invalid_params(exc.path, exc.message) from exc
        ucp = blocks.get((op.capability, result.is_error))
        if ucp is None:
            ucp = blocks[(op.capability, False)]
        # `{"ucp": ..., **body}` spliced as text: the body's JSON is the one just stored.
        assert "ucp" not in result.body
        release, actions = answer_in
        policies = self._policies if op.capability.endswith(".checkout") else ()
        body = response_in(release, result.body, actions=actions, policies=policies)
        resource = self.shop.encoded(body)
        status = 201 if result.created else 200
        return Outcome(status, splice_ucp(ucp, resource), ucp=ucp, resource=resource)

    def _negotiate(
        self, profile: PlatformProfile
    ) -> tuple[Negotiated, dict[tuple[str, bool], str]]:
        """The negotiation with this profile and its `ucp` blocks as JSON text, both cached."""
        cached = self._negotiated.get(profile.url)
        if cached is not None and cached[0] is profile:
            return cached[1], cached[2]
        release = profile.version
        negotiated = intersect(
            self._capabilities[release], self.shop.spec.payment_handlers, profile
        )
        blocks: dict[tuple[str, bool], str] = {}
        for root in negotiated.active_versions:
            if root in self._extends:
                continue
            relevant = {
                name: [{"version": version}]
                for name, version in negotiated.active_versions.items()
                if name == root or root in self._extends.get(name, ())
            }
            success: dict[str, Any] = {
                "version": release,
                "status": "success",
                "capabilities": relevant,
            }
            if root.endswith(".checkout"):
                success["payment_handlers"] = handlers_in(release, negotiated.payment_handlers)
            blocks[(root, False)] = dumps(success)
            blocks[(root, True)] = dumps(
                {"version": release, "status": "error", "capabilities": relevant}
            )
        if len(self._negotiated) > 256:
            self._negotiated.clear()
        self._negotiated[profile.url] = (profile, negotiated, blocks)
        return negotiated, blocks

    def _incompatible(self, op: Operation, release: str) -> dict[str, Any]:
        return {
            "ucp": {"version": release, "status": "error"},
            "messages": [
                {
                    "type": "error",
                    "code": "capabilities_incompatible",
                    "content": f"The platform and this store share no version of {op.capability}.",
                    "severity": "unrecoverable",
                }
            ],
            "continue_url": self._home_url,
        }
