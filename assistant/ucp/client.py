"""The UCP client: one per merchant, one typed method per UCP operation.

Business outcomes come back as data (``ErrorResponse`` or a resource with ``messages``);
protocol failures raise the ``assistant.errors`` tree, naming the merchant and the operation.
Every write carries an idempotency key taken from the store (committed before the request goes
out), reused on every retry of the same logical operation and forgotten after a definitive
answer; both on the store's writer thread, never on the event loop. The forget is not awaited: it
rides in the batch the loop hands off at the end of its turn, with the next request's key when
that follows at once (one commit, one wake-up), and before any later key of the process.

About 430 lines, on purpose: the typed operations (one short method each) and the one retry loop
(``_call``) that decides when a key is kept, replayed or forgotten belong together; split, the
idempotency rules would be read in two places.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from assistant.domain import (
    COMPLETED,
    Cart,
    Checkout,
    ErrorResponse,
    LocationsResponse,
    MerchantRef,
    Order,
    Payment,
    ProductResponse,
    SearchResponse,
)
from assistant.errors import (
    AuthError,
    MerchantError,
    MerchantUnavailable,
    NegotiationError,
    ProtocolError,
)
from assistant.events import AnswerRepaired, EventBus, ProtocolCalled
from assistant.ucp.auth import TokenSource
from assistant.ucp.credentials import Credentials, LinkedBearer
from assistant.ucp.http import MalformedResponse
from assistant.ucp.lenient import validate_leniently
from assistant.ucp.requests import CartRequest, CheckoutRequest
from assistant.ucp.retry import RetryPolicy
from assistant.ucp.shapes import cart_write, checkout_write, complete_body, shape_for
from assistant.ucp.transport import CallOptions, Claim, Transport

READS: Final = frozenset(
    {
        "search_catalog",
        "lookup_catalog",
        "get_product",
        "get_cart",
        "get_checkout",
        "get_order",
        "search_locations",
        "lookup_locations",
    }
)
# Sent without a token unless the merchant refuses anonymous calls. Every other operation carries
# one when we have credentials: checkout and order need it, and on cart operations it makes the
# merchant scope our idempotency keys by client id rather than by the profile URL, which changes
# with every process (so a restart could not replay a create_cart).
ANONYMOUS: Final = frozenset(
    {"search_catalog", "lookup_catalog", "get_product", "search_locations", "lookup_locations"}
)
# The operations of the dev.ucp.common service (2026-08-25), sent to its own endpoint.
COMMON_OPERATIONS: Final = frozenset({"search_locations", "lookup_locations"})
LOCATION_SEARCH: Final = "dev.ucp.common.location.search"
DEFAULT_CONCURRENCY = 4
BUYER_CONSENT: Final = "dev.ucp.shopping.buyer_consent"

_Resource = TypeVar("_Resource", Cart, Checkout, Order)
_T = TypeVar("_T")
_Parsed = TypeVar("_Parsed", bound=BaseModel)


class KeyStore(Protocol):
    """The ``Store`` methods the client needs for idempotency keys (``off_loop``: run one on
    the store's writer thread; ``write_later``: the same, not awaited)."""

    def off_loop(self, fn: Callable[..., _T], *args: Any) -> Awaitable[_T]: ...
    def write_later(self, fn: Callable[..., object], *args: Any) -> None: ...

    def claim_idempotency_key(
        self, scope: str, fresh: str, body: bytes | None, kid: str | None
    ) -> tuple[str, bytes | None, str | None]: ...
    def forget_idempotency_key(self, scope: str) -> None: ...


_HEX: Final = frozenset("0123456789abcdef")


def _as_uuid(key: str) -> str:
    """Stored keys are 128-bit hex; the spec asks for UUID form on the wire."""
    if len(key) != 32 or not _HEX.issuperset(key):
        return key
    return f"{key[:8]}-{key[8:12]}-{key[12:16]}-{key[16:20]}-{key[20:]}"


def _digest(arguments: dict[str, Any]) -> str:
    canonical = json.dumps(arguments, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=True, by_alias=True)


class UcpClient:
    """Talks UCP to one merchant over one transport."""

    def __init__(
        self,
        *,
        merchant: MerchantRef,
        transport: Transport,
        version: str,
        store: KeyStore | None = None,
        tokens: TokenSource | None = None,
        bus: EventBus | None = None,
        retry: RetryPolicy | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        capabilities: frozenset[str] | None = None,
        payment_handlers: dict[str, list[dict[str, Any]]] | None = None,
        currency: str | None = None,
        merchant_jwks: tuple[dict[str, Any], ...] = (),
        consent: Mapping[str, bool] | None = None,
        common_transport: Transport | None = None,
        linked: LinkedBearer | None = None,
    ) -> None:
        """``capabilities``: those negotiated with the merchant (None: assume every one).

        ``payment_handlers`` are the profile's, used when a checkout names none itself;
        ``currency`` opens checkouts at merchants whose release needs one up front; ``consent``
        is the buyer's decisions (purpose → granted), sent where buyer consent is offered;
        ``common_transport`` reaches the merchant's ``dev.ucp.common`` service (locations);
        ``linked`` the shopper's linked account there, whose token signed calls may carry.
        """
        self.merchant = merchant
        self.transport = transport
        self.transport_name = transport.name
        self.common_transport = common_transport
        self.version = version
        self.shape = shape_for(version)
        self.capabilities = capabilities
        self.payment_handlers = payment_handlers or {}
        self.currency = currency
        self.merchant_jwks = merchant_jwks  # its profile's keys[]: its webhooks verify with them
        self.consent = dict(consent) if consent and self.supports(BUYER_CONSENT) else None
        self._store = store
        self._credentials = Credentials(
            name=merchant.name, url=merchant.url, tokens=tokens, linked=linked
        )
        self._bus = bus
        self._retry = retry or RetryPolicy()
        self._semaphore = asyncio.Semaphore(concurrency)

    def __repr__(self) -> str:
        return f"UcpClient({self.merchant.domain!r}, transport={self.transport_name!r})"

    def supports(self, capability: str) -> bool:
        """Whether the merchant offers ``capability`` (``dev.ucp.shopping.cart`` or ``cart``)."""
        name = capability if capability.count(".") >= 2 else f"dev.ucp.shopping.{capability}"
        return self.capabilities is None or name in self.capabilities

    @property
    def offers_locations(self) -> bool:
        """Whether the merchant publishes a common service and location search on it."""
        return self.common_transport is not None and self.supports(LOCATION_SEARCH)

    # --- catalog ---------------------------------------------------------------------------------

    async def search_catalog(
        self,
        query: str | None = None,
        *,
        filters: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        limit: int = 10,
        cursor: str | None = None,
    ) -> SearchResponse:
        catalog: dict[str, Any] = {"pagination": {"limit": limit}}
        if query is not None:
            catalog["query"] = query
        if filters:
            catalog["filters"] = filters
        if context:
            catalog["context"] = context  # context.currency denominates filters.price
        if cursor is not None:
            catalog["pagination"]["cursor"] = cursor
        payload = await self._call("search_catalog", {"catalog": catalog})
        return self._parse(payload, SearchResponse, "search_catalog")

    async def lookup_catalog(self, ids: list[str]) -> SearchResponse:
        payload = await self._call("lookup_catalog", {"catalog": {"ids": list(ids)}})
        return self._parse(payload, SearchResponse, "lookup_catalog")

    async def get_product(self, id: str) -> ProductResponse | ErrorResponse:
        payload = await self._call("get_product", {"catalog": {"id": id}})
        if ErrorResponse.is_error_payload(payload) and "product" not in payload:
            return self._parse(payload, ErrorResponse, "get_product")
        return self._parse(payload, ProductResponse, "get_product")

    # --- locations (2026-08-25: where to collect a pickup order) --------------------------------

    async def search_locations(
        self, query: str | None = None, *, limit: int = 10
    ) -> LocationsResponse:
        """The merchant's locations matching ``query`` (all of them without one)."""
        location: dict[str, Any] = {"pagination": {"limit": limit}}
        if query:
            location["query"] = query
        payload = await self._call("search_locations", {"location": location})
        return self._parse(payload, LocationsResponse, "search_locations")

    async def lookup_locations(self, ids: list[str]) -> LocationsResponse:
        payload = await self._call("lookup_locations", {"location": {"ids": list(ids)}})
        return self._parse(payload, LocationsResponse, "lookup_locations")

    # --- cart ------------------------------------------------------------------------------------

    async def create_cart(
        self, cart: CartRequest, *, idempotency_scope: str | None = None
    ) -> Cart | ErrorResponse:
        """Create a cart; ``_call`` says what a caller's ``idempotency_scope`` means."""
        arguments = {"cart": cart.to_ucp()}
        payload = await self._call(
            "create_cart", arguments, scope=_digest(arguments), owned_scope=idempotency_scope
        )
        return self._resource(payload, Cart, "create_cart")

    async def get_cart(self, id: str) -> Cart | ErrorResponse:
        return self._resource(await self._call("get_cart", {"id": id}), Cart, "get_cart")

    async def update_cart(self, id: str, cart: CartRequest) -> Cart | ErrorResponse:
        arguments = {"id": id, "cart": cart_write(self.shape, cart.to_ucp(), cart_id=id)}
        payload = await self._call("update_cart", arguments, scope=f"{id}|{_digest(arguments)}")
        return self._resource(payload, Cart, "update_cart")

    async def cancel_cart(self, id: str) -> Cart | ErrorResponse:
        payload = await self._call("cancel_cart", {"id": id}, scope=id)
        return self._resource(payload, Cart, "cancel_cart")

    # --- checkout --------------------------------------------------------------------------------

    async def create_checkout(
        self,
        checkout: CheckoutRequest | None = None,
        *,
        cart_id: str | None = None,
        idempotency_scope: str | None = None,
    ) -> Checkout | ErrorResponse:
        """Create a checkout; ``_call`` says what a caller's ``idempotency_scope`` means."""
        if checkout is None and cart_id is None:
            raise ValueError("create_checkout needs a checkout or a cart_id")
        body = checkout.to_ucp() if checkout is not None else {}
        if checkout is not None:
            body = checkout_write(
                self.shape,
                body,
                currency=checkout.currency or self.currency,
                consent=self.consent,
            )
        arguments: dict[str, Any] = {"checkout": body}
        if cart_id is not None:
            # The spec reads checkout.cart_id; Shopify reads a top-level cart_id. Send both.
            body["cart_id"] = cart_id
            arguments["cart_id"] = cart_id
        payload = await self._call(
            "create_checkout", arguments, scope=_digest(arguments), owned_scope=idempotency_scope
        )
        return self._resource(payload, Checkout, "create_checkout")

    async def get_checkout(self, id: str) -> Checkout | ErrorResponse:
        payload = await self._call("get_checkout", {"id": id})
        return self._resource(payload, Checkout, "get_checkout")

    async def update_checkout(self, id: str, checkout: CheckoutRequest) -> Checkout | ErrorResponse:
        body = checkout_write(
            self.shape,
            checkout.to_ucp(),
            checkout_id=id,
            currency=checkout.currency or self.currency,
            consent=self.consent,
        )
        arguments = {"id": id, "checkout": body}
        scope = f"{id}|{_digest(arguments)}"
        payload = await self._call("update_checkout", arguments, scope=scope)
        return self._resource(payload, Checkout, "update_checkout")

    async def cancel_checkout(self, id: str) -> Checkout | ErrorResponse:
        payload = await self._call("cancel_checkout", {"id": id}, scope=id)
        return self._resource(payload, Checkout, "cancel_checkout")

    async def complete_checkout(self, id: str, payment: Payment) -> Checkout | ErrorResponse:
        """Complete with the same key across retries, crashes and restarts.

        An ambiguous failure (timeout, dropped connection, garbled answer) is never answered by
        cancelling or by a new key: the checkout is read first; if it completed, that is the
        answer; otherwise the identical request is re-sent with the same key.
        """
        operation = "complete_checkout"
        arguments = {"id": id, "checkout": complete_body(self.shape, _dump(payment))}
        payload = await self._call(operation, arguments, scope=id, recover=lambda: self._done(id))
        return self._resource(payload, Checkout, operation)

    async def _done(self, id: str) -> dict[str, Any] | None:
        """The checkout's payload if it is already completed (so completion must not be re-sent)."""
        try:
            payload = await self._call("get_checkout", {"id": id})
        except MerchantError:
            return None
        return payload if payload.get("status") == COMPLETED else None

    # --- order -----------------------------------------------------------------------------------

    async def get_order(self, id: str) -> Order | ErrorResponse:
        return self._resource(await self._call("get_order", {"id": id}), Order, "get_order")

    async def call_raw(self, operation: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Any operation with MCP-shaped ``arguments``, answered as the raw payload (the CLI)."""
        scope = None if operation in READS else _digest(arguments)
        return await self._call(operation, arguments, scope=scope)

    # --- plumbing --------------------------------------------------------------------------------

    def _scope(self, operation: str, detail: str) -> str:
        return f"{self.merchant.domain}|{operation}|{detail}"

    def _forget(self, scope: str) -> None:
        """Forget ``scope``'s key with this turn's hand-off (committed before any later key)."""
        if self._store is not None:
            self._store.write_later(self._store.forget_idempotency_key, scope)

    async def _call(
        self,
        operation: str,
        arguments: dict[str, Any],
        *,
        scope: str | None = None,
        owned_scope: str | None = None,
        recover: Callable[[], Awaitable[dict[str, Any] | None]] | None = None,
    ) -> dict[str, Any]:
        """One logical call, retried with the same idempotency key while that is safe.

        Reads and keyed writes retry when the merchant is unavailable. ``recover`` marks a write
        whose ambiguous failures (unavailable, garbled answer) are always retried: before each
        retry ``recover()`` says whether the first attempt took effect (its payload then is the
        answer). ``owned_scope`` is a store scope the caller owns: its key outlives an answer, and
        the caller forgets it once it has saved what the answer created; forgetting it here would
        let a crash between the answer and that save send a new key, creating the resource twice.
        A garbled answer keeps the key either way, for a later retry to replay.
        """
        is_read = operation in READS
        full_scope = None if is_read or scope is None else self._scope(operation, scope)
        if not is_read and owned_scope is not None:
            full_scope = owned_scope
        # A fresh key, unless the store holds one for the scope: the transport claims it (one
        # hand-off to the writer thread, committed before the request leaves).
        key = None if is_read else _as_uuid(secrets.token_hex(16))
        keyed = full_scope is not None and self._store is not None
        claim = self._claim(full_scope) if keyed and full_scope is not None else None
        retry_safe = is_read or recover is not None or keyed
        retried: tuple[type[MerchantError], ...] = (MerchantUnavailable,)
        if recover is not None:
            retried = (MerchantUnavailable, MalformedResponse)
        started = self._retry.clock()
        attempt = 0
        while True:
            attempt += 1
            try:
                payload = await self._exchange(operation, arguments, key, claim)
                outcome = self._outcome(payload)
                break
            except retried as exc:
                delay = self._retry.delay(attempt, getattr(exc, "retry_after", None))
                if not (retry_safe and self._retry.allows(attempt, started, delay)):
                    self._publish(operation, started, type(exc).__name__)
                    raise
                await self._retry.sleep(delay)
                if recover is not None and (recovered := await recover()) is not None:
                    payload, outcome = recovered, "recovered"
                    break
            except MalformedResponse as exc:
                self._publish(operation, started, type(exc).__name__)
                raise
            except MerchantError as exc:
                if full_scope is not None:
                    self._forget(full_scope)  # a definitive refusal (409, 4xx, auth)
                self._publish(operation, started, type(exc).__name__)
                raise
        if full_scope is not None and owned_scope is None:
            self._forget(full_scope)
        self._publish(operation, started, outcome)
        return payload

    def _claim(self, scope: str) -> Claim:
        """Claims ``scope``'s key on the store's writer thread: the stored one if an earlier
        attempt left one (with its bytes, if it pinned them), else this attempt's, stored."""
        store = self._store
        assert store is not None

        async def claim(
            key: str, body: bytes | None, kid: str | None
        ) -> tuple[str, bytes | None, str | None]:
            fresh = key.replace("-", "")
            stored, pinned, pinned_kid = await store.off_loop(
                store.claim_idempotency_key, scope, fresh, body, kid
            )
            return _as_uuid(stored), pinned, pinned_kid

        return claim

    async def _exchange(
        self,
        operation: str,
        arguments: dict[str, Any],
        key: str | None,
        claim: Claim | None = None,
    ) -> dict[str, Any]:
        """One request (plus one retry with a new token if the store's challenge allows it),
        within the merchant's concurrency; the retry keeps the key and bytes (``credentials``)."""
        transport = self._transport_for(operation)
        token = await self._credentials.first(operation, operation in ANONYMOUS)
        try:
            async with self._semaphore:
                return await transport.call(operation, arguments, CallOptions(key, token, claim))
        except AuthError as exc:
            token = await self._credentials.again(operation, exc, token)
        try:
            async with self._semaphore:
                return await transport.call(operation, arguments, CallOptions(key, token, claim))
        except AuthError as exc:
            raise self._credentials.refused(operation, exc) from exc

    def _transport_for(self, operation: str) -> Transport:
        """The shopping transport, or the common service's for its operations."""
        if operation not in COMMON_OPERATIONS:
            return self.transport
        if self.common_transport is None:
            raise NegotiationError(
                "offers no dev.ucp.common service (pickup locations)",
                merchant=self.merchant.domain,
                operation=operation,
                code="capabilities_incompatible",
            )
        return self.common_transport

    def _declared(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The payload, with ``ucp.version`` from negotiation when the merchant left it out."""
        ucp = payload.get("ucp")
        if isinstance(ucp, dict) and isinstance(ucp.get("version"), str):
            return payload
        return {
            **payload,
            "ucp": {**(ucp if isinstance(ucp, dict) else {}), "version": self.version},
        }

    def _resource(
        self, payload: dict[str, Any], model: type[_Resource], operation: str
    ) -> _Resource | ErrorResponse:
        if ErrorResponse.is_error_payload(payload):
            return self._parse(payload, ErrorResponse, operation)
        return self._parse(payload, model, operation)

    def _parse(self, payload: dict[str, Any], model: type[_Parsed], operation: str) -> _Parsed:
        payload = self._declared(payload)
        from_ucp = getattr(model, "from_ucp", None)
        validate = from_ucp if from_ucp is not None else model.model_validate
        try:
            result, notes = validate_leniently(validate, payload)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(root)"
            raise MalformedResponse(
                f"answer is not a valid {model.__name__}: {where}: {first['msg']}",
                merchant=self.merchant.domain,
                operation=operation,
            ) from exc
        if not isinstance(result, model):
            raise ProtocolError(
                "unexpected model", merchant=self.merchant.domain, operation=operation
            )
        if notes and self._bus is not None:
            self._bus.publish(
                AnswerRepaired(merchant=self.merchant, operation=operation, notes=notes)
            )
        return result

    @staticmethod
    def _outcome(payload: dict[str, Any]) -> str:
        return "error_response" if ErrorResponse.is_error_payload(payload) else "ok"

    def _publish(self, operation: str, started: float, outcome: str) -> None:
        if self._bus is not None:
            elapsed_ms = (self._retry.clock() - started) * 1000.0
            self._bus.publish(
                ProtocolCalled(
                    merchant=self.merchant,
                    operation=operation,
                    transport=(
                        self.common_transport.name
                        if operation in COMMON_OPERATIONS and self.common_transport is not None
                        else self.transport_name
                    ),
                    elapsed_ms=elapsed_ms,
                    outcome=outcome,
                )
            )
