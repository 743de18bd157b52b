"""A session read back at once: one SELECT per table, each row read as the trip reads it.

Opening a trip reads every session table here exactly once: the rows that read back become the
``SessionRecords`` that ``TripState`` starts from, and those that do not are listed (with what
they held and why) for ``DamagedSession`` and ``pannier sessions repair``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic import ValidationError

from assistant.domain import BasketLine, Checkout, Escalation, OrderRecord, SearchHit, SearchResult
from assistant.domain.choices import MerchantOutcome, ShopperChoices
from assistant.store.connection import Connection
from assistant.store.refused_addresses import RefusedAddress, read_refused
from assistant.store.trip_tables import (
    _BASKET_LINE,
    _CHOICES,
    _ESCALATION,
    _ORDER,
    _OUTCOME,
    _SEARCH_HIT,
    _SEARCH_HITS,
    CartRow,
    CheckoutRow,
    _cart_row,
    _checkout_row,
)

# Every table holding a session's rows, with the order the trip reads them in.
SESSION_TABLES: Final = {
    "basket_lines": "position",
    "carts": "rowid",
    "checkouts": "updated_at",
    "escalations": "rowid",
    "orders": "created_at",
    "discount_codes": "rowid",
    "search_handles": "rowid",
    "last_search": "rowid",
    "conversation": "id",
    "trip_choices": "rowid",
    "merchant_outcomes": "rowid",
}


@dataclass(frozen=True)
class UnreadableRow:
    """One row of a session that cannot be read back: where it is, what it held, and why."""

    table: str
    rowid: int
    held: str  # what is lost with it, in words ("basket line tulip-bundle--red at …")
    reason: str


@dataclass
class SessionRecords:
    """Everything a session holds that reads back, and what does not (``unreadable``)."""

    lines: list[BasketLine] = field(default_factory=list)
    carts: list[CartRow] = field(default_factory=list)
    checkouts: list[CheckoutRow] = field(default_factory=list)  # oldest first
    escalations: list[Escalation] = field(default_factory=list)
    orders: list[OrderRecord] = field(default_factory=list)
    codes: dict[str, list[str]] = field(default_factory=dict)
    last_search: SearchResult | None = None
    # what the latest search's turn listed before it; None: numbered before listings were
    listed_before: list[SearchHit] | None = None
    choices: ShopperChoices = field(default_factory=ShopperChoices)
    outcomes: dict[str, MerchantOutcome] = field(default_factory=dict)
    refused: list[RefusedAddress] = field(default_factory=list)  # every store's, not a session's
    unreadable: list[UnreadableRow] = field(default_factory=list)


def _checkout(row: dict[str, Any], records: SessionRecords) -> None:
    parsed = _checkout_row(row)
    if parsed.payload is not None:
        Checkout.model_validate(parsed.payload)
    records.checkouts.append(parsed)


def _codes(row: dict[str, Any], records: SessionRecords) -> None:
    codes = json.loads(row["codes"])
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise ValueError("discount codes are not a list of strings")
    records.codes[row["merchant"]] = codes


def _last_search(row: dict[str, Any], records: SessionRecords) -> None:
    hits, notes = _SEARCH_HITS.validate_json(row["hits"]), json.loads(row["notes"])
    records.last_search = SearchResult(hits=hits, notes=notes, query=row["query"])
    if row.get("listed_before") is not None:
        records.listed_before = _SEARCH_HITS.validate_json(row["listed_before"])


def _search_handle(row: dict[str, Any], records: SessionRecords) -> None:
    _SEARCH_HIT.validate_json(row["payload"])  # read when the shopper names it by its number


def _conversation(row: dict[str, Any], records: SessionRecords) -> None:
    if not isinstance(json.loads(row["content"]), list | str):
        raise ValueError("a conversation entry is neither text nor a list of blocks")


def _outcome(row: dict[str, Any], records: SessionRecords) -> None:
    records.outcomes[row["merchant"]] = _OUTCOME.validate_json(row["payload"])


def _choices(row: dict[str, Any], records: SessionRecords) -> None:
    records.choices = _CHOICES.validate_json(row["payload"])


# How each table's row is read back into the records (a row that raises is unreadable).
_READERS: Final[dict[str, Callable[[dict[str, Any], SessionRecords], None]]] = {
    "basket_lines": lambda r, s: s.lines.append(_BASKET_LINE.validate_json(r["payload"])),
    "carts": lambda r, s: s.carts.append(_cart_row(r)),
    "checkouts": _checkout,
    "escalations": lambda r, s: s.escalations.append(_ESCALATION.validate_json(r["payload"])),
    "orders": lambda r, s: s.orders.append(_ORDER.validate_json(r["payload"])),
    "discount_codes": _codes,
    "search_handles": _search_handle,
    "last_search": _last_search,
    "conversation": _conversation,
    "trip_choices": _choices,
    "merchant_outcomes": _outcome,
}

_HELD: Final[dict[str, str]] = {
    "basket_lines": "basket line {variant_id} at {merchant} (quantity {quantity})",
    "carts": "the cart {cart_id} at {merchant} (the store keeps it; Pannier opens a new one)",
    "checkouts": "the checkout {id} at {merchant}, status {status} (the store's copy is untouched)",
    "escalations": "a needs-you entry for checkout {checkout_id} at {merchant}",
    "orders": "the record of order {order_id} at {merchant} (the store still has the order)",
    "discount_codes": "the discount codes for {merchant}",
    "search_handles": "search result #{handle} ({variant_id} at {merchant})",
    "last_search": "the last search, for {query!r}",
    "conversation": "one {role} message of the conversation",
    "trip_choices": "the choices made in this trip (buyer, addresses, delivery, cards)",
    "merchant_outcomes": "what {merchant} last said (totals, messages; asked again on resume)",
}


def _held(table: str, row: dict[str, Any]) -> str:
    try:
        return _HELD[table].format(**row)
    except (KeyError, IndexError, ValueError):
        return f"a row of {table}"


def _reason(exc: Exception) -> str:
    """Why a row cannot be read, in words: bad JSON, or JSON of the wrong shape (and where)."""
    if isinstance(exc, json.JSONDecodeError):
        return "not valid JSON"
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            return "not valid JSON"
        where = ".".join(str(part) for part in first["loc"]) or "the top level"
        return f"wrong shape at {where}: {first['msg']}"[:160]
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:160]


def read_session(connection: Connection, session: str) -> SessionRecords:
    """Every row of ``session``, each table read once, as records or as unreadable rows."""
    records = SessionRecords()
    for table, order in SESSION_TABLES.items():
        rows = connection._rows(
            f"SELECT rowid, * FROM [{table}] WHERE session = ? ORDER BY {order}", [session]
        )
        for row in rows:
            try:
                _READERS[table](row, records)
            except (ValueError, TypeError, KeyError) as exc:
                records.unreadable.append(
                    UnreadableRow(table, row["rowid"], _held(table, row), _reason(exc))
                )
    records.refused = read_refused(connection)
    return records
