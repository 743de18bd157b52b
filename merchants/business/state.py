"""The stores' state between requests, typed: carts, checkouts and their lines.

A ``Basket`` is what carts and checkouts share (lines, buyer, context, codes, the notices the last
write left); ``CartState`` and ``CheckoutState`` are its two kinds. They are plain slotted
dataclasses rather than pydantic models: every field was validated when the request was parsed,
so reading a row back must not validate it again (it runs on every request).

``to_json``/``from_json`` are the one place the state meets SQLite. The encoding keeps the names
and the compact ``[id, variant_id, quantity]`` line triples the rows in ``$PANNIER_HOME`` already
hold, so a store's database from an earlier run reads unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Message = dict[str, Any]  # a UCP message, exactly as it is sent


@dataclass(frozen=True, slots=True)
class Line:
    """A stored line: our id, the variant, how many."""

    id: str
    variant_id: str
    quantity: int


@dataclass(slots=True)
class Basket:
    """What carts and checkouts share."""

    id: str
    expires_at: str  # as the body shows it
    expires: float  # the same instant as a timestamp, for cheap comparisons
    lines: list[Line] = field(default_factory=list)
    next_line: int = 1  # the number of the next new line id (``li_N``)
    notices: list[Message] = field(default_factory=list)  # what the last write had to change
    buyer: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    signals: dict[str, Any] | None = None
    attribution: dict[str, Any] | None = None
    discount_codes: list[str] | None = None

    def _to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "expires_at": self.expires_at,
            "expires": self.expires,
            "lines": [[line.id, line.variant_id, line.quantity] for line in self.lines],
            "next_line": self.next_line,
            "notices": self.notices,
            "buyer": self.buyer,
            "context": self.context,
            "signals": self.signals,
            "attribution": self.attribution,
            "discount_codes": self.discount_codes,
        }

    @staticmethod
    def _fields(raw: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": raw["id"],
            "expires_at": raw["expires_at"],
            "expires": raw["expires"],
            "lines": [Line(*triple) for triple in raw["lines"]],
            "next_line": raw["next_line"],
            "notices": raw["notices"],
            "buyer": raw.get("buyer"),
            "context": raw.get("context"),
            "signals": raw.get("signals"),
            "attribution": raw.get("attribution"),
            "discount_codes": raw.get("discount_codes"),
        }


@dataclass(slots=True)
class CartState(Basket):
    """A cart: a basket with estimated totals; no status, no payment."""

    def to_json(self) -> dict[str, Any]:
        return self._to_json()

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> CartState:
        return cls(**cls._fields(raw))


@dataclass(slots=True)
class CheckoutState(Basket):
    """A checkout session: a basket plus delivery, payment, status and the order it became."""

    status: str = "incomplete"
    created_at: str = ""
    cart_id: str | None = None
    fulfillment: list[dict[str, Any]] | None = None  # the platform's methods, parsed
    payment: list[Message] | None = None  # instruments without their credentials
    pending_3ds: Message | None = None  # the open bank challenge, if any
    order: dict[str, Any] | None = None  # {id, label, permalink_url} once completed
    # What the buyer confirmed on the store page: (code, variant id or AGE_CONFIRMED).
    buyer_confirmed: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            **self._to_json(),
            "status": self.status,
            "created_at": self.created_at,
            "cart_id": self.cart_id,
            "fulfillment": self.fulfillment,
            "payment": self.payment,
            "pending_3ds": self.pending_3ds,
            "order": self.order,
            "buyer_confirmed": [list(pair) for pair in self.buyer_confirmed],
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> CheckoutState:
        return cls(
            **cls._fields(raw),
            status=raw["status"],
            created_at=raw["created_at"],
            cart_id=raw.get("cart_id"),
            fulfillment=raw.get("fulfillment"),
            payment=raw.get("payment"),
            pending_3ds=raw.get("pending_3ds"),
            order=raw.get("order"),
            buyer_confirmed=[(str(c), str(s)) for c, s in raw.get("buyer_confirmed", ())],
        )
