"""What every orchestration step shares: merchants, store, event bus and the live state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant.config import Config, WalletInstrument
from assistant.domain import (
    Cart,
    Checkout,
    ErrorResponse,
    MerchantRef,
    MerchantState,
    Order,
    Payment,
    ProductResponse,
    SearchResponse,
)
from assistant.events import Event, EventBus
from assistant.shopping.state import TripState
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
    """The trip's parts; ``state`` is the one owner of what the trip knows (``TripState``)."""

    config: Config
    store: Store
    session: str
    bus: EventBus
    clients: dict[str, MerchantClient]  # by merchant domain, in config order
    state: TripState
    # What this process already said (events are told once per process, never stored).
    reported_discounts: set[tuple[str, str, str]] = field(default_factory=set)
    told_limits: set[tuple[str, str]] = field(default_factory=set)  # (domain, capability)

    def emit(self, event: Event) -> None:
        """Publish on the bus (the front ends render it; the store keeps state, not events)."""
        self.bus.publish(event)

    def merchant(self, domain: str) -> MerchantRef:
        return self.clients[domain].merchant

    def view(self, domain: str) -> MerchantState:
        return self.state.view(domain)

    def instrument(self, domain: str) -> tuple[WalletInstrument, str]:
        """The wallet instrument chosen to pay ``domain`` (by ``purchase_problem``), and handler."""
        instrument_id, handler_id = self.state.choices.instruments[domain]
        by_id = {instrument.id: instrument for instrument in self.config.wallet}
        return by_id[instrument_id], handler_id

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
