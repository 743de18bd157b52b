"""What every orchestration step shares: merchants, store, event bus and the live state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from assistant.config import Config, WalletInstrument
from assistant.domain import (
    Buyer,
    Cart,
    Checkout,
    ErrorResponse,
    MerchantRef,
    MerchantState,
    Order,
    Payment,
    PostalAddress,
    ProductResponse,
    SearchResponse,
)
from assistant.events import Event, EventBus
from assistant.shopping.resolve import Desired
from assistant.store import Store
from assistant.ucp.requests import CartRequest, CheckoutRequest


class MerchantClient(Protocol):
    """The slice of ``assistant.ucp.UcpClient`` the orchestrator uses (also a test seam)."""

    @property
    def merchant(self) -> MerchantRef: ...

    @property
    def payment_handlers(self) -> dict[str, list[dict[str, Any]]]: ...

    def supports(self, capability: str) -> bool: ...

    async def search_catalog(
        self,
        query: str | None = None,
        *,
        filters: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        limit: int = 10,
        cursor: str | None = None,
    ) -> SearchResponse: ...

    async def lookup_catalog(self, ids: list[str]) -> SearchResponse: ...
    async def get_product(self, id: str) -> ProductResponse | ErrorResponse: ...
    async def create_cart(
        self, cart: CartRequest, *, idempotency_scope: str | None = None
    ) -> Cart | ErrorResponse: ...
    async def update_cart(self, id: str, cart: CartRequest) -> Cart | ErrorResponse: ...
    async def cancel_cart(self, id: str) -> Cart | ErrorResponse: ...
    async def create_checkout(
        self,
        checkout: CheckoutRequest | None = None,
        *,
        cart_id: str | None = None,
        idempotency_scope: str | None = None,
    ) -> Checkout | ErrorResponse: ...
    async def get_checkout(self, id: str) -> Checkout | ErrorResponse: ...
    async def update_checkout(
        self, id: str, checkout: CheckoutRequest
    ) -> Checkout | ErrorResponse: ...
    async def complete_checkout(self, id: str, payment: Payment) -> Checkout | ErrorResponse: ...
    async def get_order(self, id: str) -> Order | ErrorResponse: ...


@dataclass
class TripContext:
    config: Config
    store: Store
    session: str
    bus: EventBus
    clients: dict[str, MerchantClient]  # by merchant domain, in config order
    states: dict[str, MerchantState] = field(default_factory=dict)
    checkouts: dict[str, Checkout] = field(default_factory=dict)  # latest response per merchant
    instruments: dict[str, tuple[WalletInstrument, str]] = field(default_factory=dict)
    buyer_override: Buyer | None = None
    address_override: PostalAddress | None = None
    address_by_domain: dict[str, PostalAddress] = field(default_factory=dict)  # the shopper's pick
    options_by_domain: dict[str, dict[str, str]] = field(default_factory=dict)  # group → option
    reported_discounts: set[tuple[str, str, str]] = field(default_factory=set)
    told_limits: set[tuple[str, str]] = field(default_factory=set)  # (domain, capability)

    def emit(self, event: Event) -> None:
        """Publish on the bus (the front ends render it; the store keeps state, not events)."""
        self.bus.publish(event)

    def merchant(self, domain: str) -> MerchantRef:
        return self.clients[domain].merchant

    def state(self, domain: str) -> MerchantState:
        existing = self.states.get(domain)
        if existing is None:
            existing = MerchantState(merchant=self.merchant(domain), lines=[])
            self.states[domain] = existing
        return existing

    def update_state(self, domain: str, **changes: Any) -> MerchantState:
        self.states[domain] = replace(self.state(domain), **changes)
        return self.states[domain]

    def desired(self, domain: str) -> Desired:
        lines = [
            line
            for line in self.store.basket(self.session)
            if line.merchant.domain == domain and not line.ordered
        ]
        codes = self.store.discount_codes(self.session).get(domain, [])
        return Desired(
            lines=tuple((line.variant_id, line.quantity) for line in lines),
            discount_codes=tuple(codes),
        )

    def creation_scope(self, domain: str, operation: str, detail: str) -> str:
        """The idempotency scope for creating this session's cart or checkout at ``domain``.

        Its key is forgotten only once the new id is saved, so a crash in between makes the next
        attempt replay the creation (same id) rather than create a second resource.
        """
        return f"{self.session}|{domain}|{operation}|{detail}"

    def tell_once(self, domain: str, capability: str) -> bool:
        """True the first time this trip says ``domain`` lacks ``capability``."""
        if (domain, capability) in self.told_limits:
            return False
        self.told_limits.add((domain, capability))
        return True

    def domains(self) -> Sequence[str]:
        return list(self.clients)
