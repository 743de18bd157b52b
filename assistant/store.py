"""The local cache: one SQLite file (sqlite-utils, WAL) holding everything a trip must survive.

Sessions, carts, checkouts, idempotency keys, cached merchant profiles, escalations, orders, the
event transcript, basket lines, search handles and the agent's conversation. Every write is one
transaction, so a crash between two writes leaves a state the next run resumes from. This module is
the only code in Pannier that writes SQLite.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from pydantic import TypeAdapter
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from assistant import locations
from assistant.domain import (
    BasketLine,
    Escalation,
    OrderRecord,
    SearchHit,
    SearchResult,
)
from assistant.errors import StoreError

MIGRATION_SET: Final = "pannier"
migrations = Migrations(MIGRATION_SET)

_ESCALATION: Final = TypeAdapter(Escalation)
_ORDER: Final = TypeAdapter(OrderRecord)
_BASKET_LINE: Final = TypeAdapter(BasketLine)
_SEARCH_HIT: Final = TypeAdapter(SearchHit)
_SEARCH_HITS: Final = TypeAdapter(list[SearchHit])


@migrations(name="m001_initial")
def m001_initial(db: Database) -> None:
    db.table("sessions").create(
        {"id": str, "created_at": float, "updated_at": float}, pk="id", not_null={"created_at"}
    )
    db.table("merchant_profiles").create(
        {"url": str, "profile": str, "expires_at": float, "fetched_at": float}, pk="url"
    )
    db.table("idempotency_keys").create(
        {"scope": str, "key": str, "created_at": float}, pk="scope", not_null={"key"}
    )
    db.table("carts").create(
        {
            "session": str,
            "merchant": str,
            "cart_id": str,
            "lines": str,  # the desired state last sent to the merchant (JSON), to diff edits
            "updated_at": float,
        },
        pk=("session", "merchant"),
    )
    db.table("checkouts").create(
        {
            "id": str,
            "session": str,
            "merchant": str,
            "cart_id": str,
            "status": str,
            "continue_url": str,
            "expires_at": str,
            "messages": str,
            "updated_at": float,
        },
        pk="id",
    )
    db.table("checkouts").create_index(["session", "merchant"])
    db.table("escalations").create(
        {
            "id": str,
            "session": str,
            "merchant": str,
            "checkout_id": str,
            "state": str,
            "payload": str,
            "updated_at": float,
        },
        pk="id",
    )
    db.table("escalations").create_index(["session", "state"])
    db.table("orders").create(
        {
            "merchant": str,
            "order_id": str,
            "session": str,
            "checkout_id": str,
            "payload": str,
            "created_at": float,
        },
        pk=("merchant", "order_id"),
    )
    db.table("orders").create_index(["session"])
    db.table("events").create(
        {"id": int, "session": str, "at": float, "type": str, "payload": str}, pk="id"
    )
    db.table("events").create_index(["session"])
    db.table("basket_lines").create(
        {
            "session": str,
            "merchant": str,
            "variant_id": str,
            "position": int,
            "quantity": int,
            "payload": str,
        },
        pk=("session", "merchant", "variant_id"),
    )
    db.table("discount_codes").create(
        {"session": str, "merchant": str, "codes": str}, pk=("session", "merchant")
    )
    db.table("search_handles").create(
        {"session": str, "handle": str, "merchant": str, "variant_id": str, "payload": str},
        pk=("session", "handle"),
    )
    db.table("search_handles").create_index(["session", "merchant", "variant_id"], unique=True)
    db.table("conversation").create(
        {"id": int, "session": str, "at": float, "role": str, "content": str}, pk="id"
    )
    db.table("conversation").create_index(["session"])


@migrations(name="m002_last_search")
def m002_last_search(db: Database) -> None:
    db.table("last_search").create(
        {"session": str, "query": str, "hits": str, "notes": str, "at": float}, pk="session"
    )


@migrations(name="m003_cart_currency")
def m003_cart_currency(db: Database) -> None:
    # The currency the store priced the cart in: a checkout in another currency is never paid.
    db.table("carts").add_column("currency", str)


@migrations(name="m004_basket_ledger")
def m004_basket_ledger(db: Database) -> None:
    # An ordered line and a line buying the same variant again sit side by side in the basket.
    db.table("basket_lines").transform(pk=("session", "position"))


@migrations(name="m005_checkout_payload")
def m005_checkout_payload(db: Database) -> None:
    # The merchant's last checkout answer, whole: a restart shows the trip exactly as it was.
    db.table("checkouts").add_column("payload", str)


@migrations(name="m006_drop_events")
def m006_drop_events(db: Database) -> None:
    # Every event was written here and nothing read it back: a commit per event, for no reader.
    # The bus carries events to the front ends; the conversation table is what resumes a chat.
    db.table("events").drop(ignore=True)


@dataclass(frozen=True)
class CheckoutRow:
    """What the cache remembers of one merchant checkout (enough to resume it)."""

    id: str
    session: str
    merchant: str
    cart_id: str | None
    status: str | None
    continue_url: str | None
    expires_at: str | None
    messages: list[dict[str, Any]]
    payload: dict[str, Any] | None = None  # the last checkout answer (None before m005)


@dataclass(frozen=True)
class CartRow:
    session: str
    merchant: str
    cart_id: str
    synced: dict[str, Any]  # the desired state last sent to the merchant
    currency: str | None = None  # as the store priced the cart


class Store:
    """Typed reads and transactional writes over the Pannier database."""

    def __init__(self, db: Database, path: Path | None = None) -> None:
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: Path | None = None) -> Store:
        """Open (creating and migrating) the database at ``path`` (default: locations)."""
        target = path if path is not None else locations.database_path()
        try:
            if str(target) != ":memory:":
                locations.ensure_dir(target.parent)
            db = Database(target)
            if str(target) != ":memory:":
                db.enable_wal()
            db.execute("PRAGMA synchronous=NORMAL;")
            db.execute("PRAGMA busy_timeout=5000;")
            migrations.apply(db)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the local database {target}: {exc}") from exc
        return cls(db, target)

    @classmethod
    def memory(cls) -> Store:
        """An in-memory store (unit tests of other layers)."""
        db = Database(memory=True)
        migrations.apply(db)
        return cls(db, None)

    def close(self) -> None:
        self.db.close()

    def applied_migrations(self) -> list[str]:
        return [m.name for m in migrations.applied(self.db)]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several writes into one commit (nested use becomes a savepoint)."""
        try:
            with self.db.atomic():
                yield
        except sqlite3.Error as exc:
            raise StoreError(f"local database write failed: {exc}") from exc

    # --- used by the UCP client ----------------------------------------------------------------

    def idempotency_key(self, scope: str) -> str:
        """The key for ``scope``, created and committed to disk before it is returned."""
        with self.transaction():
            self.db.execute(
                "INSERT OR IGNORE INTO idempotency_keys (scope, key, created_at) VALUES (?, ?, ?)",
                [scope, secrets.token_hex(16), time.time()],
            )
        row = self.db.table("idempotency_keys").get(scope)
        return str(row["key"])

    def forget_idempotency_key(self, scope: str) -> None:
        """Drop the key after a definitive answer, so a new logical attempt gets a new key."""
        with self.transaction():
            self.db.table("idempotency_keys").delete_where("scope = ?", [scope])

    def cached_profile(self, url: str) -> tuple[dict[str, Any], float] | None:
        rows = list(self.db.table("merchant_profiles").rows_where("url = ?", [url]))
        if not rows:
            return None
        return json.loads(rows[0]["profile"]), float(rows[0]["expires_at"])

    def save_profile(self, url: str, profile: dict[str, Any], expires_at: float) -> None:
        with self.transaction():
            self.db.table("merchant_profiles").upsert(
                {
                    "url": url,
                    "profile": json.dumps(profile),
                    "expires_at": expires_at,
                    "fetched_at": time.time(),
                },
                pk="url",
            )

    # --- sessions ------------------------------------------------------------------------------

    def ensure_session(self, session: str) -> None:
        now = time.time()
        with self.transaction():
            self.db.execute(
                "INSERT INTO sessions (id, created_at, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at",
                [session, now, now],
            )

    # --- basket, discount codes, search handles ------------------------------------------------

    def basket(self, session: str) -> list[BasketLine]:
        rows = self.db.table("basket_lines").rows_where(
            "session = ?", [session], order_by="position"
        )
        return [_BASKET_LINE.validate_json(r["payload"]) for r in rows]

    def replace_basket(self, session: str, lines: list[BasketLine]) -> None:
        """Store the full desired basket (PUT semantics: the old one is gone)."""
        with self.transaction():
            self.db.table("basket_lines").delete_where("session = ?", [session])
            if lines:
                self.db.table("basket_lines").insert_all(
                    [
                        {
                            "session": session,
                            "merchant": line.merchant.domain,
                            "variant_id": line.variant_id,
                            "position": position,
                            "quantity": line.quantity,
                            "payload": _BASKET_LINE.dump_json(line).decode(),
                        }
                        for position, line in enumerate(lines)
                    ]
                )

    def discount_codes(self, session: str) -> dict[str, list[str]]:
        rows = self.db.table("discount_codes").rows_where("session = ?", [session])
        return {r["merchant"]: json.loads(r["codes"]) for r in rows}

    def set_discount_codes(self, session: str, merchant: str, codes: list[str]) -> None:
        with self.transaction():
            self.db.table("discount_codes").upsert(
                {"session": session, "merchant": merchant, "codes": json.dumps(codes)},
                pk=("session", "merchant"),
            )

    def search_handle(self, session: str, hit: SearchHit) -> str:
        """The session's stable handle for ``hit``'s variant, minting the next number if new."""
        table = self.db.table("search_handles")
        with self.transaction():
            existing = list(
                table.rows_where(
                    "session = ? AND merchant = ? AND variant_id = ?",
                    [session, hit.merchant.domain, hit.variant_id],
                )
            )
            if existing:
                handle = str(existing[0]["handle"])
            else:
                count = table.count_where("session = ?", [session])
                handle = str(count + 1)
            payload = _SEARCH_HIT.dump_json(_with_handle(hit, handle)).decode()
            table.upsert(
                {
                    "session": session,
                    "handle": handle,
                    "merchant": hit.merchant.domain,
                    "variant_id": hit.variant_id,
                    "payload": payload,
                },
                pk=("session", "handle"),
            )
        return handle

    def hit_by_handle(self, session: str, handle: str) -> SearchHit | None:
        rows = list(
            self.db.table("search_handles").rows_where(
                "session = ? AND handle = ?", [session, handle]
            )
        )
        return _SEARCH_HIT.validate_json(rows[0]["payload"]) if rows else None

    def hits_by_variant(self, session: str, variant_id: str) -> list[SearchHit]:
        rows = self.db.table("search_handles").rows_where(
            "session = ? AND variant_id = ?", [session, variant_id]
        )
        return [_SEARCH_HIT.validate_json(r["payload"]) for r in rows]

    def save_last_search(self, session: str, query: str, result: SearchResult) -> None:
        """The session's latest search (hits with handles), so a new process can show it."""
        with self.transaction():
            self.db.table("last_search").upsert(
                {
                    "session": session,
                    "query": query,
                    "hits": _SEARCH_HITS.dump_json(result.hits).decode(),
                    "notes": json.dumps(result.notes),
                    "at": time.time(),
                },
                pk="session",
            )

    def last_search(self, session: str) -> SearchResult | None:
        rows = list(self.db.table("last_search").rows_where("session = ?", [session]))
        if not rows:
            return None
        return SearchResult(
            hits=_SEARCH_HITS.validate_json(rows[0]["hits"]),
            notes=json.loads(rows[0]["notes"]),
            query=rows[0]["query"],
        )

    # --- carts and checkouts -------------------------------------------------------------------

    def cart(self, session: str, merchant: str) -> CartRow | None:
        rows = list(
            self.db.table("carts").rows_where("session = ? AND merchant = ?", [session, merchant])
        )
        if not rows:
            return None
        return _cart_row(rows[0])

    def save_cart(
        self,
        session: str,
        merchant: str,
        cart_id: str,
        synced: dict[str, Any],
        currency: str | None = None,
    ) -> None:
        """Remember the one live cart for (session, merchant) and the state last sent to it."""
        with self.transaction():
            self.db.table("carts").upsert(
                {
                    "session": session,
                    "merchant": merchant,
                    "cart_id": cart_id,
                    "lines": json.dumps(synced),
                    "currency": currency,
                    "updated_at": time.time(),
                },
                pk=("session", "merchant"),
            )

    def forget_cart(self, session: str, merchant: str) -> None:
        """Drop the cart and any checkout built from it (the merchant no longer has it)."""
        with self.transaction():
            self.db.table("carts").delete_where("session = ? AND merchant = ?", [session, merchant])
            self.db.table("checkouts").delete_where(
                "session = ? AND merchant = ? AND status NOT IN ('completed')", [session, merchant]
            )

    def checkouts(self, session: str) -> list[CheckoutRow]:
        rows = self.db.table("checkouts").rows_where(
            "session = ?", [session], order_by="updated_at"
        )
        return [_checkout_row(r) for r in rows]

    def carts(self, session: str) -> list[CartRow]:
        rows = self.db.table("carts").rows_where("session = ?", [session])
        return [_cart_row(r) for r in rows]

    def checkout(self, session: str, merchant: str) -> CheckoutRow | None:
        """The latest checkout for (session, merchant), if any."""
        rows = list(
            self.db.table("checkouts").rows_where(
                "session = ? AND merchant = ?",
                [session, merchant],
                order_by="updated_at desc",
                limit=1,
            )
        )
        return _checkout_row(rows[0]) if rows else None

    def save_checkout(
        self,
        session: str,
        merchant: str,
        checkout_id: str,
        *,
        cart_id: str | None,
        status: str | None,
        continue_url: str | None,
        expires_at: str | None,
        messages: list[dict[str, Any]],
        payload: dict[str, Any] | None = None,
    ) -> None:
        with self.transaction():
            self.db.table("checkouts").upsert(
                {
                    "id": checkout_id,
                    "session": session,
                    "merchant": merchant,
                    "cart_id": cart_id,
                    "status": status,
                    "continue_url": continue_url,
                    "expires_at": expires_at,
                    "messages": json.dumps(messages),
                    "payload": json.dumps(payload) if payload is not None else None,
                    "updated_at": time.time(),
                },
                pk="id",
            )

    # --- escalations and orders ----------------------------------------------------------------

    def save_escalation(self, session: str, escalation: Escalation) -> None:
        with self.transaction():
            self.db.table("escalations").upsert(
                {
                    "id": escalation.id,
                    "session": session,
                    "merchant": escalation.merchant.domain,
                    "checkout_id": escalation.checkout_id,
                    "state": escalation.state,
                    "payload": _ESCALATION.dump_json(escalation).decode(),
                    "updated_at": time.time(),
                },
                pk="id",
            )

    def escalations(self, session: str, *, state: str | None = None) -> list[Escalation]:
        where, args = "session = ?", [session]
        if state is not None:
            where, args = where + " AND state = ?", [*args, state]
        rows = self.db.table("escalations").rows_where(where, args, order_by="rowid")
        return [_ESCALATION.validate_json(r["payload"]) for r in rows]

    def save_order(self, session: str, order: OrderRecord) -> bool:
        """Record an order once; False when it was already recorded (a resumed trip)."""
        with self.transaction():
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO orders "
                "(merchant, order_id, session, checkout_id, payload, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    order.merchant.domain,
                    order.order_id,
                    session,
                    order.checkout_id,
                    _ORDER.dump_json(order).decode(),
                    time.time(),
                ],
            )
            inserted = cursor.rowcount == 1
            if not inserted:
                self.db.execute(
                    "UPDATE orders SET payload = ? WHERE merchant = ? AND order_id = ?",
                    [_ORDER.dump_json(order).decode(), order.merchant.domain, order.order_id],
                )
        return inserted

    def orders(
        self, session: str | None = None, *, order_id: str | None = None
    ) -> list[OrderRecord]:
        clauses, args = [], []
        if session is not None:
            clauses.append("session = ?")
            args.append(session)
        if order_id is not None:
            clauses.append("order_id = ?")
            args.append(order_id)
        where = " AND ".join(clauses) or None
        rows = self.db.table("orders").rows_where(where, args or None, order_by="created_at")
        return [_ORDER.validate_json(r["payload"]) for r in rows]

    # --- conversation --------------------------------------------------------------------------

    def append_conversation(self, session: str, role: str, content_json: str) -> None:
        """Append one agent transcript entry (``content_json`` is already JSON text)."""
        with self.transaction():
            self.db.table("conversation").insert(
                {"session": session, "at": time.time(), "role": role, "content": content_json}
            )

    def conversation(self, session: str) -> list[tuple[str, str]]:
        """The session's agent transcript as (role, content_json) pairs, oldest first."""
        rows = self.db.table("conversation").rows_where("session = ?", [session], order_by="id")
        return [(r["role"], r["content"]) for r in rows]


def _with_handle(hit: SearchHit, handle: str) -> SearchHit:
    return replace(hit, handle=handle)


def _cart_row(row: dict[str, Any]) -> CartRow:
    return CartRow(
        row["session"], row["merchant"], row["cart_id"], json.loads(row["lines"]), row["currency"]
    )


def _checkout_row(row: dict[str, Any]) -> CheckoutRow:
    return CheckoutRow(
        id=row["id"],
        session=row["session"],
        merchant=row["merchant"],
        cart_id=row["cart_id"],
        status=row["status"],
        continue_url=row["continue_url"],
        expires_at=row["expires_at"],
        messages=json.loads(row["messages"] or "[]"),
        payload=json.loads(row["payload"]) if row.get("payload") else None,
    )
