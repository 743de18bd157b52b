"""What each tool call gave back, typed: the model reads its JSON, the offline planner the record.

A tool returns one of these (or a view from ``assistant.views``, which has the same two faces):
``for_model()`` is the compact JSON the model reads, merchant text under ``merchant_data`` only;
``text()`` is the same outcome in the shopper's words. The offline planner writes its replies
from these objects directly, so nothing is ever re-read from a JSON string.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from assistant.domain import (
    DISCOUNT_TOTAL_TYPES,
    Escalation,
    MerchantRef,
    MerchantState,
    OrderRecord,
)
from assistant.domain.accounts import StoreAccount
from assistant.errors import MerchantError, PannierError
from assistant.llm.account_tools import LINK_HINT, history_json, history_text
from assistant.views import (
    AddressView,
    DeliveryOptionView,
    EscalationView,
    MerchantStateView,
    OrderView,
)
from assistant.views.common import clip, said, store_data
from assistant.views.merchant import escalations_text, stores_text, waiting_for_yes
from assistant.views.order import orders_text

DETAIL_CHARS = 400  # an error's own words, clipped


class ToolOutcome(Protocol):
    def for_model(self) -> dict[str, Any]: ...

    def text(self) -> str: ...


@runtime_checkable
class ReadsOutcomes(Protocol):
    """A model that reads tool results typed (the offline planner), not as the JSON text."""

    def read_outcomes(
        self, outcomes: Mapping[str, ToolOutcome], scrub: Callable[[str], str]
    ) -> None: ...


@dataclass(frozen=True)
class Stores:
    """Every store's state after a basket, checkout or address change (or a look at them)."""

    states: Sequence[MerchantState]
    note: str | None = None

    def for_model(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "stores": [MerchantStateView(state).for_model() for state in self.states]
        }
        if self.note:
            payload["note"] = self.note
        return payload

    def text(self) -> str:
        return stores_text(self.states)

    def any_status(self, status: str) -> bool:
        return any(state.status == status for state in self.states)


@dataclass(frozen=True)
class OneStore:
    """One store's state after a change made there (a discount code, a delivery option)."""

    state: MerchantState

    def for_model(self) -> dict[str, Any]:
        return MerchantStateView(self.state).for_model()

    def text(self) -> str:
        return stores_text([self.state])

    @property
    def store_name(self) -> str:
        return said(self.state.merchant.name)

    def accepted_discount(self) -> bool:
        """Whether the store's answer shows a code applied (and did not turn one down)."""
        if any((m.code or "").startswith("discount_code") for m in self.state.messages):
            return False
        return any(t.type in DISCOUNT_TOTAL_TYPES for t in self.state.totals)


@dataclass(frozen=True)
class Purchase:
    """What ``complete_purchase`` did: the stores the shopper approved, and every store after."""

    approved_domains: Sequence[str]
    states: Sequence[MerchantState]

    def for_model(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "shopper_approved_stores": list(self.approved_domains),
            "stores": [MerchantStateView(state).for_model() for state in self.states],
        }
        if not self.approved_domains:
            payload["note"] = "The shopper did not approve; nothing was charged."
        return payload

    def text(self) -> str:
        if not self.approved_domains:
            return "Nothing was bought: nothing is charged until you approve the totals."
        return stores_text(self.states)


@dataclass(frozen=True)
class Escalations:
    escalations: Sequence[Escalation]
    states: Sequence[MerchantState] = ()  # the trip's stores, for which are ready to buy

    def for_model(self) -> dict[str, Any]:
        return {
            "escalations": [EscalationView(e).for_model() for e in self.escalations],
            # store ids whose checkout waits only for the shopper's yes
            "ready_to_buy": [s.merchant.domain for s in waiting_for_yes(self.states)],
        }

    def text(self) -> str:
        return escalations_text(self.escalations, self.states)


@dataclass(frozen=True)
class Orders:
    orders: Sequence[OrderRecord]
    history: list[StoreAccount] = field(default_factory=list)  # linked accounts at the stores
    unreadable: dict[str, str] = field(default_factory=dict)  # store name → why not read

    def for_model(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "orders": [OrderView(order).for_model() for order in self.orders]
        }
        if self.history or self.unreadable:
            payload["store_history"] = history_json(self.history, self.unreadable)
        return payload

    def text(self) -> str:
        return orders_text(self.orders) + history_text(self.history)


@dataclass(frozen=True)
class Addresses:
    addresses: Sequence[AddressView]
    at_stores: Sequence[AddressView] = ()  # saved in linked accounts at the stores (s1, s2…)

    def for_model(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"addresses": [address.for_model() for address in self.addresses]}
        if self.at_stores:
            payload["saved_at_stores"] = [address.for_model() for address in self.at_stores]
        else:
            payload["note"] = LINK_HINT
        return payload

    def text(self) -> str:
        listing = "; ".join(address.line() for address in self.addresses) or "none saved"
        return f"Your saved addresses: {listing}."


@dataclass(frozen=True)
class StoreOptions:
    merchant: MerchantRef
    options: Sequence[DeliveryOptionView]


@dataclass(frozen=True)
class DeliveryOptions:
    stores: Sequence[StoreOptions]

    def for_model(self) -> dict[str, Any]:
        if not self.stores:
            return {"stores": [], "note": "No open checkout yet: call prepare_checkout first."}
        return {
            "stores": [
                {
                    "store_id": store.merchant.domain,
                    "options": [option.for_model() for option in store.options],
                    "merchant_data": store_data(store.merchant),
                }
                for store in self.stores
            ]
        }

    def text(self) -> str:
        if not self.stores:
            return 'There is no delivery to choose yet: say "checkout" first.'
        lines: list[str] = []
        for store in self.stores:
            lines.append(f"{said(store.merchant.name)}:")
            lines += [f"    {option.line()}" for option in store.options]
        return "\n".join(lines)


@dataclass(frozen=True)
class Failure:
    """A tool that failed: the model reads what went wrong, a store's own words kept apart."""

    error: str
    kind: str
    merchant_data: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, exc: PannierError) -> Failure:
        if isinstance(exc, MerchantError):
            return cls(
                f"{exc.title} ({exc.operation})",
                exc.title,
                {"store": exc.merchant, "detail": clip(exc.detail, DETAIL_CHARS)},
            )
        return cls(exc.message, exc.title)

    @classmethod
    def internal(cls, tool: str, exc: Exception) -> Failure:
        """A bug below the tool: the model still gets a result it can read."""
        return cls(
            f"internal error in {tool}: {type(exc).__name__}",
            "Internal error",
            {"detail": clip(str(exc), DETAIL_CHARS)},
        )

    def for_model(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"error": self.error, "kind": self.kind}
        if self.merchant_data:
            payload["merchant_data"] = self.merchant_data
        return payload

    def text(self) -> str:
        return said(self.error)
