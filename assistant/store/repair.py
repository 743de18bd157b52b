"""Rows of a session that cannot be read back (a damaged file, a crash mid-write by older code).

``SessionRepair`` finds them with the readers the trip uses, sets them aside in
``quarantined_rows`` (``pannier sessions repair``) or forgets a whole session but its orders
(``pannier sessions reset``); ``open_trip`` stops with ``DamagedSession``, which names the way out.
"""

from __future__ import annotations

import json
import shlex
import time
from dataclasses import dataclass
from typing import Any, Final

from pydantic import TypeAdapter, ValidationError

from assistant.domain import BasketLine, Checkout, Escalation, OrderRecord, SearchHit
from assistant.domain.choices import MerchantOutcome, ShopperChoices
from assistant.errors import StoreError
from assistant.store.database import Store
from assistant.store.trip_tables import _cart_row, _checkout_row

_ESCALATION: Final = TypeAdapter(Escalation)
_ORDER: Final = TypeAdapter(OrderRecord)
_BASKET_LINE: Final = TypeAdapter(BasketLine)
_SEARCH_HIT: Final = TypeAdapter(SearchHit)
_SEARCH_HITS: Final = TypeAdapter(list[SearchHit])
_CHOICES: Final = TypeAdapter(ShopperChoices)
_OUTCOME: Final = TypeAdapter(MerchantOutcome)

SESSION_TABLES: Final = (
    "basket_lines",
    "carts",
    "checkouts",
    "escalations",
    "orders",
    "discount_codes",
    "search_handles",
    "last_search",
    "conversation",
    "trip_choices",
    "merchant_outcomes",
)


@dataclass(frozen=True)
class UnreadableRow:
    """One row of a session that cannot be read back: where it is, what it held, and why."""

    table: str
    rowid: int
    held: str  # what is lost with it, in words ("basket line tulip-bundle--red at …")
    reason: str


def _read_conversation(row: dict[str, Any]) -> None:
    if not isinstance(json.loads(row["content"]), list | str):
        raise ValueError("a conversation entry is neither text nor a list of blocks")


def _read_codes(row: dict[str, Any]) -> None:
    codes = json.loads(row["codes"])
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise ValueError("discount codes are not a list of strings")


def _read_checkout(row: dict[str, Any]) -> None:
    parsed = _checkout_row(row)
    if parsed.payload is not None:
        Checkout.model_validate(parsed.payload)


# How each table's row is read back: what the trip does with it when it resumes.
_ROW_READERS: Final[dict[str, Any]] = {
    "basket_lines": lambda r: _BASKET_LINE.validate_json(r["payload"]),
    "carts": _cart_row,
    "checkouts": _read_checkout,
    "escalations": lambda r: _ESCALATION.validate_json(r["payload"]),
    "orders": lambda r: _ORDER.validate_json(r["payload"]),
    "discount_codes": _read_codes,
    "search_handles": lambda r: _SEARCH_HIT.validate_json(r["payload"]),
    "last_search": lambda r: (_SEARCH_HITS.validate_json(r["hits"]), json.loads(r["notes"])),
    "conversation": _read_conversation,
    "trip_choices": lambda r: _CHOICES.validate_json(r["payload"]),
    "merchant_outcomes": lambda r: _OUTCOME.validate_json(r["payload"]),
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


class DamagedSession(StoreError):
    """A session holds rows that cannot be read back; the message names the way out."""

    title = "Damaged session"

    def __init__(self, session: str, rows: list[UnreadableRow]) -> None:
        tables = ", ".join(sorted({row.table for row in rows}))
        name = shlex.quote(session)
        super().__init__(
            f"session '{session}' has {len(rows)} unreadable row{'s' if len(rows) != 1 else ''} "
            f"in the local database ({tables}). Run `pannier sessions repair {name}` to set "
            f"them aside (it lists what is lost), or `pannier sessions reset {name}` to start "
            "the session afresh. Other sessions are not affected."
        )
        self.session = session
        self.rows = rows


class SessionRepair:
    """Finds, quarantines and resets a session's rows; other sessions are never touched.

    Plain SQL on the store's connection: one SELECT per table, nothing asked of sqlite_master.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db

    def _rows(self, sql: str, args: list[Any]) -> list[dict[str, Any]]:
        cursor = self.db.execute(sql, args)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def sessions(self) -> list[str]:
        """Every session name in the database, oldest first."""
        return [str(r["id"]) for r in self._rows("SELECT id FROM sessions ORDER BY created_at", [])]

    def unreadable_rows(self, session: str) -> list[UnreadableRow]:
        """The rows of ``session`` the trip could not read back, each with what it held and why."""
        found: list[UnreadableRow] = []
        for table in SESSION_TABLES:
            for row in self._rows(f"SELECT rowid, * FROM [{table}] WHERE session = ?", [session]):
                try:
                    _ROW_READERS[table](row)
                except (ValueError, TypeError, KeyError) as exc:
                    found.append(
                        UnreadableRow(table, row["rowid"], _held(table, row), _reason(exc))
                    )
        return found

    def quarantine(self, session: str, rows: list[UnreadableRow]) -> None:
        """Move ``rows`` out of the session into ``quarantined_rows`` (kept whole, for a person)."""
        with self.store.transaction():
            for unreadable in rows:
                [raw] = self._rows(
                    f"SELECT rowid, * FROM [{unreadable.table}] WHERE rowid = ?", [unreadable.rowid]
                )
                self.db.execute(
                    "INSERT INTO quarantined_rows (session, source_table, row, reason, at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [
                        session,
                        unreadable.table,
                        json.dumps(raw, default=str),
                        unreadable.reason,
                        time.time(),
                    ],
                )
                self.db.execute(
                    f"DELETE FROM [{unreadable.table}] WHERE rowid = ?", [unreadable.rowid]
                )

    def reset(self, session: str) -> dict[str, int]:
        """Forget everything of ``session`` but its orders (money that moved stays on record)."""
        removed: dict[str, int] = {}
        with self.store.transaction():
            for table in SESSION_TABLES:
                if table == "orders":
                    continue
                cursor = self.db.execute(f"DELETE FROM [{table}] WHERE session = ?", [session])
                if cursor.rowcount:
                    removed[table] = cursor.rowcount
        return removed

    def orders_kept(self, session: str) -> int:
        [row] = self._rows("SELECT COUNT(*) AS n FROM orders WHERE session = ?", [session])
        return int(row["n"])
