"""Carts and checkouts in UCP's words, and ``from_ucp``: the one place a wire payload becomes one.

These models are deliberately lenient: unknown fields are kept (``extra="allow"``), enum-like
fields are open strings with the known values listed as constants, and amounts are integer minor
units. ``from_ucp`` is the one place where a wire payload becomes a domain object; it interprets
the payload by the protocol version the payload declares (2026-01-23 sends discounts as positive
magnitudes, 2026-04-08 as negative amounts; we always hold the 2026-04-08 sign convention).

About 480 lines: the pieces a cart and a checkout share (totals, messages, buyer, fulfillment,
payment, the ``ucp`` envelope) sit beside the two resources and the one normalisation they share.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any, Final, Self

from pydantic import Field, field_validator

from assistant.domain.money import MinorUnits, Money
from assistant.domain.protocol import (
    DISCOUNT_TOTAL_TYPES,
    PROTOCOL_VERSION,
    RECOVERABLE,
    REQUIRES_BUYER_INPUT,
    REQUIRES_BUYER_REVIEW,
    UcpModel,
)

# --- shared pieces -------------------------------------------------------------------------------


class TotalLine(UcpModel):
    display_text: str | None = None
    amount: MinorUnits


def total_of(totals: list[Total], currency: str) -> Money | None:
    """The ``total`` entry of a resource's totals as Money, if the merchant sent one."""
    for entry in totals:
        if entry.type == "total":
            return Money(amount=entry.amount, currency=currency)
    return None


class Total(UcpModel):
    """One totals entry; ``type`` is open (subtotal, discount, fulfillment, tax, fee, total, …)."""

    type: str
    amount: MinorUnits
    display_text: str | None = None
    lines: list[TotalLine] = Field(default_factory=list)

    @property
    def label(self) -> str:
        return self.display_text or _DEFAULT_TOTAL_LABELS.get(
            self.type, self.type.replace("_", " ")
        )


_DEFAULT_TOTAL_LABELS: Final = {
    "subtotal": "Subtotal",
    "items_discount": "Item discounts",
    "discount": "Discount",
    "fulfillment": "Shipping",
    "tax": "Tax",
    "fee": "Fees",
    "total": "Total",
}


class Message(UcpModel):
    """A merchant message: ``type`` error|warning|info, with code, content, severity and path."""

    type: str
    code: str | None = None
    content: str = ""
    severity: str | None = None
    path: str | None = None
    content_type: str | None = None
    presentation: str | None = None
    image_url: str | None = None
    url: str | None = None

    @property
    def is_error(self) -> bool:
        return self.type == "error"

    @property
    def is_disclosure(self) -> bool:
        return self.type == "warning" and self.presentation == "disclosure"

    @property
    def needs_buyer(self) -> bool:
        return self.is_error and self.severity in (REQUIRES_BUYER_INPUT, REQUIRES_BUYER_REVIEW)


class Link(UcpModel):
    type: str
    url: str
    title: str | None = None


class QuantityUnit(UcpModel):
    """2026-08-25 unit of sale: ``measure`` (integer ``value`` of ``10^-scale`` ``unit``)."""

    unit: str | None = None
    measure: dict[str, Any] | None = None
    display_text: str | None = None

    def label(self) -> str:
        """``lb`` / ``0.5 kg``: how one step of quantity reads (empty for plain items)."""
        if self.display_text:
            return self.display_text
        measure = self.measure or {}
        unit = measure.get("unit") or self.unit or ""
        value, scale = measure.get("value"), measure.get("scale", 0)
        if isinstance(value, int) and isinstance(scale, int) and value != 1:
            whole, frac = divmod(value, 10**scale) if scale > 0 else (value, 0)
            number = f"{whole}.{str(frac).zfill(scale).rstrip('0')}" if frac else str(whole)
            return f"{number} {unit}".strip()
        return str(unit)


class Item(UcpModel):
    id: str
    title: str | None = None
    price: int | None = None
    image_url: str | None = None
    quantity_unit: QuantityUnit | None = None  # 2026-08-25: absent means "each"

    def display_title(self) -> str | None:
        """The title, with the unit of sale when it is not a whole item (``Beans (per 250 g)``)."""
        unit = self.quantity_unit.label() if self.quantity_unit is not None else ""
        if self.title and unit and unit not in ("each", "C62"):
            return f"{self.title} (per {unit})"
        return self.title


class LineItem(UcpModel):
    id: str | None = None
    item: Item
    quantity: int
    totals: list[Total] = Field(default_factory=list)
    parent_id: str | None = None


class Buyer(UcpModel):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone_number: str | None = None


class PostalAddress(UcpModel):
    street_address: str | None = None
    extended_address: str | None = None
    address_locality: str | None = None
    address_region: str | None = None
    postal_code: str | None = None
    address_country: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone_number: str | None = None


class FulfillmentDestination(PostalAddress):
    """A shipping address (with ``id``) or a retail location (``id``, ``name``, ``address``)."""

    id: str | None = None
    name: str | None = None
    address: PostalAddress | None = None

    def place_label(self) -> str:
        """A retail location in a few words: ``Petal & Stem — Rockridge, 5610 College Ave``."""
        where = self.address or self
        parts = ", ".join(p for p in (where.street_address, where.address_locality) if p)
        name = self.name or self.id or "the store"
        return f"{name}, {parts}" if parts else name


_TAG: Final = re.compile(r"<[^>]*>")


def description_text(value: Any) -> Any:
    """A 2026-08-25 Description object (plain / markdown / html) as the plain text we show."""
    if not isinstance(value, dict):
        return value
    for key in ("plain", "markdown"):
        if isinstance(value.get(key), str):
            return value[key]
    html = value.get("html")
    return " ".join(unescape(_TAG.sub(" ", html)).split()) if isinstance(html, str) else None


class FulfillmentOption(UcpModel):
    id: str
    title: str
    description: str | None = None  # a Description object in 2026-08-25: read as plain text

    _plain = field_validator("description", mode="before")(description_text)
    carrier: str | None = None
    earliest_fulfillment_time: str | None = None
    latest_fulfillment_time: str | None = None
    totals: list[Total] = Field(default_factory=list)

    @property
    def cost(self) -> int:
        """The option's total amount in minor units (its ``total`` entry, else the sum)."""
        for entry in self.totals:
            if entry.type == "total":
                return entry.amount
        return sum(entry.amount for entry in self.totals)


class FulfillmentGroup(UcpModel):
    id: str | None = None
    line_item_ids: list[str] = Field(default_factory=list)
    options: list[FulfillmentOption] = Field(default_factory=list)
    selected_option_id: str | None = None


class FulfillmentMethod(UcpModel):
    id: str | None = None
    type: str
    line_item_ids: list[str] = Field(default_factory=list)
    destinations: list[FulfillmentDestination] = Field(default_factory=list)
    selected_destination_id: str | None = None
    groups: list[FulfillmentGroup] = Field(default_factory=list)


class Fulfillment(UcpModel):
    methods: list[FulfillmentMethod] = Field(default_factory=list)
    available_methods: list[dict[str, Any]] = Field(default_factory=list)


class AppliedDiscount(UcpModel):
    code: str | None = None
    title: str = ""
    amount: MinorUnits
    automatic: bool = False


class Discounts(UcpModel):
    codes: list[str] = Field(default_factory=list)
    applied: list[AppliedDiscount] = Field(default_factory=list)


class PaymentDisplay(UcpModel):
    brand: str | None = None
    last_digits: str | None = None
    expiry_month: int | None = None
    expiry_year: int | None = None
    description: str | None = None


class PaymentInstrument(UcpModel):
    """A selected instrument; ``credential`` is only ever set on the way to the merchant."""

    id: str
    handler_id: str
    type: str
    display: PaymentDisplay | None = None
    billing_address: PostalAddress | None = None
    credential: dict[str, Any] | None = None
    selected: bool | None = None


class Payment(UcpModel):
    instruments: list[PaymentInstrument] = Field(default_factory=list)


class AvailableInstrument(UcpModel):
    type: str
    constraints: dict[str, Any] | None = None
    ucp: dict[str, Any] | None = None  # 2026-08-25: ``{"request_constraints": {...}}``

    @property
    def request_constraints(self) -> dict[str, Any] | None:
        """What the business requires of a request submitting this instrument (2026-08-25)."""
        found = (self.ucp or {}).get("request_constraints")
        return found if isinstance(found, dict) else None


class PaymentHandler(UcpModel):
    """A handler instance; ``name`` is its registry key (e.g. ``dev.pannier.sandbox_pay``)."""

    name: str = ""
    id: str
    version: str | None = None
    spec: str | None = None
    schema_: str | None = Field(default=None, alias="schema")
    available_instruments: list[AvailableInstrument] = Field(default_factory=list)
    config: dict[str, Any] = Field(default_factory=dict)


class UcpMeta(UcpModel):
    """The ``ucp`` block every response carries."""

    version: str = PROTOCOL_VERSION
    status: str = "success"
    capabilities: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    payment_handlers: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)

    @field_validator("capabilities", "payment_handlers", mode="before")
    @classmethod
    def _registry_from_list(cls, value: Any) -> Any:
        # 2026-01-11 lists capabilities as [{name, version, ...}]; hold the registry shape.
        if isinstance(value, list):
            registry: dict[str, list[dict[str, Any]]] = {}
            for entry in value:
                if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                    registry.setdefault(entry["name"], []).append(entry)
            return registry
        return value

    def handlers(self) -> list[PaymentHandler]:
        """Handler instances flattened, each knowing its registry name."""
        return [
            PaymentHandler.model_validate({**entry, "name": name})
            for name, entries in self.payment_handlers.items()
            for entry in entries
        ]


class OrderConfirmation(UcpModel):
    id: str
    permalink_url: str | None = None
    label: str | None = None


class ErrorResponse(UcpModel):
    """A business outcome with no resource: ``ucp.status == "error"`` plus messages."""

    ucp: UcpMeta = Field(default_factory=UcpMeta)
    messages: list[Message] = Field(default_factory=list)
    continue_url: str | None = None

    @classmethod
    def is_error_payload(cls, payload: dict[str, Any]) -> bool:
        """True for UCP error responses (explicit status, or no ``id`` but messages)."""
        ucp = payload.get("ucp")
        if isinstance(ucp, dict) and ucp.get("status") == "error":
            return True
        return "id" not in payload and bool(payload.get("messages"))


def _normalise_totals(entries: Any, version: str) -> Any:
    """Hold discounts negative whatever the declared version sends."""
    if version >= "2026-04-08" or not isinstance(entries, list):
        return entries
    normalised = []
    for entry in entries:
        if isinstance(entry, dict) and entry.get("type") in DISCOUNT_TOTAL_TYPES:
            amount = entry.get("amount")
            if isinstance(amount, int) and amount > 0:
                entry = {**entry, "amount": -amount}
        normalised.append(entry)
    return normalised


def normalise_payload(payload: dict[str, Any]) -> dict[str, Any]:
    ucp = payload.get("ucp")
    version = ucp.get("version", PROTOCOL_VERSION) if isinstance(ucp, dict) else PROTOCOL_VERSION
    if not isinstance(version, str) or version >= "2026-04-08":
        return payload
    result = dict(payload)
    result["totals"] = _normalise_totals(payload.get("totals"), version)
    if isinstance(payload.get("line_items"), list):
        result["line_items"] = [
            {**line, "totals": _normalise_totals(line.get("totals"), version)}
            if isinstance(line, dict)
            else line
            for line in payload["line_items"]
        ]
    return result


class _Resource(UcpModel):
    ucp: UcpMeta = Field(default_factory=UcpMeta)
    id: str
    line_items: list[LineItem] = Field(default_factory=list)
    currency: str
    totals: list[Total] = Field(default_factory=list)
    messages: list[Message] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    continue_url: str | None = None
    expires_at: str | None = None
    buyer: Buyer | None = None
    context: dict[str, Any] | None = None
    discounts: Discounts | None = None

    @classmethod
    def from_ucp(cls, payload: dict[str, Any]) -> Self:
        """Build from a wire payload, interpreting it by the version it declares."""
        return cls.model_validate(normalise_payload(payload))

    def total(self) -> Money | None:
        """The ``total`` entry as Money, if the merchant sent one."""
        return total_of(self.totals, self.currency)

    def totals_reconcile(self) -> bool:
        """True when the non-total entries add up to the total (the spec's autonomy check)."""
        total = self.total()
        if total is None:
            return False
        return sum(e.amount for e in self.totals if e.type != "total") == total.amount


class Cart(_Resource):
    pass


class Policy(UcpModel):
    """A 2026-08-25 business policy (returns, warranty…): shown to the buyer as plain text."""

    type: str
    description: str = ""  # a Description object on the wire: read as plain text
    url: str | None = None

    _plain = field_validator("description", mode="before")(description_text)

    def label(self) -> str:
        """``return`` / ``warranty`` / the type's last word."""
        return self.type.rsplit(".", 1)[-1].replace("_", " ")


ACTION_LABELS: Final = {
    "dev.ucp.common.payment.three_ds_challenge": "a 3-D Secure check",
    "dev.ucp.common.payment.device_data_collection": "a device check for your card",
}
ACTION_REQUIRED: Final = "action_required"


class Checkout(_Resource):
    status: str
    fulfillment: Fulfillment | None = None
    payment: Payment | None = None
    order: OrderConfirmation | None = None
    actions: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)  # 2026-08-25
    policies: list[Policy] = Field(default_factory=list)  # 2026-08-25

    def notices(self) -> list[Message]:
        """Messages plus each policy (returns, warranty…) as a warning to show the buyer.

        A policy the business already points a warning at (``code`` = the policy's type) is
        shown once, as that warning.
        """
        warned = {m.code for m in self.messages if m.type == "warning"}
        return self.messages + [
            Message(
                type="warning",
                code=policy.type,
                content=f"{policy.label().capitalize()} policy: {policy.description}",
            )
            for policy in self.policies
            if policy.type not in warned and policy.description
        ]

    def action_messages(self) -> list[Message]:
        """Each outstanding action as a buyer step: Pannier performs none of them itself.

        The reason is ours (the action's type), never the merchant's config text.
        """
        return [
            Message(
                type="error",
                code=ACTION_REQUIRED,
                severity=REQUIRES_BUYER_INPUT,
                path=f"$.actions['{kind}']",
                content=f"The store needs {ACTION_LABELS.get(kind, 'a step only its page can do')}"
                " before it can take your order: finish it on the store's page.",
            )
            for kind, instances in self.actions.items()
            if instances
        ]

    @property
    def recoverable_errors(self) -> list[Message]:
        """Recoverable errors we may fix; one pointing at an action is the action's, not ours."""
        return [
            m
            for m in self.messages
            if m.is_error
            and m.severity == RECOVERABLE
            and not (m.path or "").startswith("$.actions")
        ]

    @property
    def buyer_messages(self) -> list[Message]:
        return [m for m in self.messages if m.needs_buyer]

    @property
    def disclosures(self) -> list[Message]:
        return [m for m in self.messages if m.is_disclosure]
