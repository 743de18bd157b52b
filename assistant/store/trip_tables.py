"""The trip's tables: basket, discount codes, search handles, carts, checkouts, escalations,
orders, the shopper's choices and each merchant's last outcome, as typed reads and writes.

About 360 lines: one short typed read or write per table, beside the two row types; the tables
are read together at open (``session_read``, for ``TripState``), so their SQL stays here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from pydantic import TypeAdapter

from assistant.domain import BasketLine, Escalation, OrderRecord, SearchHit, SearchResult
from assistant.domain.choices import MerchantOutcome, ShopperChoices
from assistant.store.refused_addresses import RefusedAddresses

_ESCALATION: Final = TypeAdapter(Escalation)
_ORDER: Final = TypeAdapter(OrderRecord)
_BASKET_LINE: Final = TypeAdapter(BasketLine)
_SEARCH_HIT: Final = TypeAdapter(SearchHit)
_SEARCH_HITS: Final = TypeAdapter(list[SearchHit])
_CHOICES: Final = TypeAdapter(ShopperChoices)
_OUTCOME: Final = TypeAdapter(MerchantOutcome)


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
    synced: dict[str, Any]  # the snapshot of what was wanted, as last sent to the merchant
    currency: str | None = None  # as the store priced the cart


class TripTables(RefusedAddresses):
    """Typed reads and writes of the trip's records (the ``TripState`` reads them once)."""

    # --- basket, discount codes, search handles ------------------------------------------------

    def basket(self, session: str) -> list[BasketLine]:
        rows = self._rows(
            "SELECT payload FROM basket_lines WHERE session = ? ORDER BY position", [session]
        )
        return [_BASKET_LINE.validate_json(r["payload"]) for r in rows]

    def replace_basket(self, session: str, lines: list[BasketLine]) -> None:
        """Store the full basket (PUT semantics: the old one is gone)."""
        with self.transaction():
            self.db.execute("DELETE FROM basket_lines WHERE session = ?", [session])
            self.db.conn.executemany(
                "INSERT INTO basket_lines "
                "(session, merchant, variant_id, position, quantity, payload) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        session,
                        line.merchant.domain,
                        line.variant_id,
                        position,
                        line.quantity,
                        _BASKET_LINE.dump_json(line).decode(),
                    )
                    for position, line in enumerate(lines)
                ],
            )

    def update_basket_lines(self, session: str, lines: list[tuple[int, BasketLine]]) -> None:
        """Rewrite the lines at these positions (the basket keeps its length and order)."""
        with self.transaction():
            self.db.conn.executemany(
                "UPDATE basket_lines SET merchant = ?, variant_id = ?, quantity = ?, payload = ? "
                "WHERE session = ? AND position = ?",
                [
                    (
                        line.merchant.domain,
                        line.variant_id,
                        line.quantity,
                        _BASKET_LINE.dump_json(line).decode(),
                        session,
                        position,
                    )
                    for position, line in lines
                ],
            )

    def discount_codes(self, session: str) -> dict[str, list[str]]:
        rows = self._rows("SELECT merchant, codes FROM discount_codes WHERE session = ?", [session])
        return {r["merchant"]: json.loads(r["codes"]) for r in rows}

    def set_discount_codes(self, session: str, merchant: str, codes: list[str]) -> None:
        self._write(
            "INSERT INTO discount_codes (session, merchant, codes) VALUES (?, ?, ?) "
            "ON CONFLICT(session, merchant) DO UPDATE SET codes = excluded.codes",
            [session, merchant, json.dumps(codes)],
        )

    def search_handle(self, session: str, hit: SearchHit) -> str:
        """The session's stable handle for ``hit``'s variant, minting the next number if new."""
        with self.transaction():
            existing = self._rows(
                "SELECT handle FROM search_handles "
                "WHERE session = ? AND merchant = ? AND variant_id = ?",
                [session, hit.merchant.domain, hit.variant_id],
            )
            if existing:
                handle = str(existing[0]["handle"])
            else:
                count = self._rows(
                    "SELECT count(*) AS n FROM search_handles WHERE session = ?", [session]
                )[0]["n"]
                handle = str(count + 1)
            payload = _SEARCH_HIT.dump_json(replace(hit, handle=handle)).decode()
            self.db.execute(
                "INSERT INTO search_handles (session, handle, merchant, variant_id, payload) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(session, handle) DO UPDATE SET "
                "merchant = excluded.merchant, variant_id = excluded.variant_id, "
                "payload = excluded.payload",
                [session, handle, hit.merchant.domain, hit.variant_id, payload],
            )
        return handle

    def hit_by_handle(self, session: str, handle: str) -> SearchHit | None:
        rows = self._rows(
            "SELECT payload FROM search_handles WHERE session = ? AND handle = ?",
            [session, handle],
        )
        return _SEARCH_HIT.validate_json(rows[0]["payload"]) if rows else None

    def hits_by_variant(self, session: str, variant_id: str) -> list[SearchHit]:
        rows = self._rows(
            "SELECT payload FROM search_handles WHERE session = ? AND variant_id = ?",
            [session, variant_id],
        )
        return [_SEARCH_HIT.validate_json(r["payload"]) for r in rows]

    def save_last_search(
        self,
        session: str,
        query: str,
        result: SearchResult,
        listed_before: Sequence[SearchHit] = (),
    ) -> None:
        """The session's latest search (hits numbered), and what its turn listed before it, so a
        new process can show it and read the numbers the shopper saw."""
        self._write(
            "INSERT INTO last_search (session, query, hits, notes, at, listed_before) "
            "VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(session) DO UPDATE SET query = excluded.query, hits = excluded.hits, "
            "notes = excluded.notes, at = excluded.at, listed_before = excluded.listed_before",
            [
                session,
                query,
                _SEARCH_HITS.dump_json(result.hits).decode(),
                json.dumps(result.notes),
                time.time(),
                _SEARCH_HITS.dump_json(list(listed_before)).decode(),
            ],
        )

    def last_search(self, session: str) -> SearchResult | None:
        rows = self._rows("SELECT query, hits, notes FROM last_search WHERE session = ?", [session])
        if not rows:
            return None
        return SearchResult(
            hits=_SEARCH_HITS.validate_json(rows[0]["hits"]),
            notes=json.loads(rows[0]["notes"]),
            query=rows[0]["query"],
        )

    # --- carts and checkouts -------------------------------------------------------------------

    def cart(self, session: str, merchant: str) -> CartRow | None:
        rows = self._rows(
            "SELECT * FROM carts WHERE session = ? AND merchant = ?", [session, merchant]
        )
        return _cart_row(rows[0]) if rows else None

    def save_cart(
        self,
        session: str,
        merchant: str,
        cart_id: str,
        synced: dict[str, Any],
        currency: str | None = None,
    ) -> None:
        """Remember the one live cart for (session, merchant) and the snapshot last sent to it."""
        self._write(
            "INSERT INTO carts (session, merchant, cart_id, lines, currency, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(session, merchant) DO UPDATE SET "
            "cart_id = excluded.cart_id, lines = excluded.lines, currency = excluded.currency, "
            "updated_at = excluded.updated_at",
            [session, merchant, cart_id, json.dumps(synced), currency, time.time()],
        )

    def forget_cart(self, session: str, merchant: str) -> None:
        """Drop the cart and any checkout built from it (the merchant no longer has it)."""
        with self.transaction():
            self.db.execute(
                "DELETE FROM carts WHERE session = ? AND merchant = ?", [session, merchant]
            )
            self.db.execute(
                "DELETE FROM checkouts WHERE session = ? AND merchant = ? "
                "AND status NOT IN ('completed')",
                [session, merchant],
            )

    def checkouts(self, session: str) -> list[CheckoutRow]:
        rows = self._rows(
            "SELECT * FROM checkouts WHERE session = ? ORDER BY updated_at", [session]
        )
        return [_checkout_row(r) for r in rows]

    def carts(self, session: str) -> list[CartRow]:
        return [
            _cart_row(r) for r in self._rows("SELECT * FROM carts WHERE session = ?", [session])
        ]

    def checkout(self, session: str, merchant: str) -> CheckoutRow | None:
        """The latest checkout for (session, merchant), if any."""
        rows = self._rows(
            "SELECT * FROM checkouts WHERE session = ? AND merchant = ? "
            "ORDER BY updated_at DESC LIMIT 1",
            [session, merchant],
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
        messages: list[dict[str, Any]] | str,
        payload: dict[str, Any] | str | None = None,
    ) -> None:
        """Upsert the checkout; ``messages`` and ``payload`` as data, or as their JSON already."""
        self._write(
            "INSERT INTO checkouts (id, session, merchant, cart_id, status, continue_url, "
            "expires_at, messages, payload, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET session = excluded.session, "
            "merchant = excluded.merchant, cart_id = excluded.cart_id, status = excluded.status, "
            "continue_url = excluded.continue_url, expires_at = excluded.expires_at, "
            "messages = excluded.messages, payload = excluded.payload, "
            "updated_at = excluded.updated_at",
            [
                checkout_id,
                session,
                merchant,
                cart_id,
                status,
                continue_url,
                expires_at,
                messages if isinstance(messages, str) else json.dumps(messages),
                payload if isinstance(payload, str | None) else json.dumps(payload),
                time.time(),
            ],
        )

    # --- escalations and orders ----------------------------------------------------------------

    def save_escalation(self, session: str, escalation: Escalation) -> None:
        self._write(
            "INSERT INTO escalations (id, session, merchant, checkout_id, state, payload, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "session = excluded.session, merchant = excluded.merchant, "
            "checkout_id = excluded.checkout_id, state = excluded.state, "
            "payload = excluded.payload, updated_at = excluded.updated_at",
            [
                escalation.id,
                session,
                escalation.merchant.domain,
                escalation.checkout_id,
                escalation.state,
                _ESCALATION.dump_json(escalation).decode(),
                time.time(),
            ],
        )

    def escalations(self, session: str, *, state: str | None = None) -> list[Escalation]:
        where, args = "session = ?", [session]
        if state is not None:
            where, args = where + " AND state = ?", [*args, state]
        rows = self._rows(f"SELECT payload FROM escalations WHERE {where} ORDER BY rowid", args)
        return [_ESCALATION.validate_json(r["payload"]) for r in rows]

    def save_order(self, session: str, order: OrderRecord) -> bool:
        """Record an order once; False when it was already recorded (a resumed trip)."""
        payload = _ORDER.dump_json(order).decode()
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
                    payload,
                    time.time(),
                ],
            )
            inserted = cursor.rowcount == 1
            if not inserted:
                self.db.execute(
                    "UPDATE orders SET payload = ? WHERE merchant = ? AND order_id = ?",
                    [payload, order.merchant.domain, order.order_id],
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
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._rows(f"SELECT payload FROM orders{where} ORDER BY created_at", args)
        return [_ORDER.validate_json(r["payload"]) for r in rows]

    # --- the shopper's choices and each merchant's last outcome --------------------------------

    def save_trip_choices(self, session: str, choices: ShopperChoices) -> None:
        self._write(
            "INSERT INTO trip_choices (session, payload) VALUES (?, ?) "
            "ON CONFLICT(session) DO UPDATE SET payload = excluded.payload",
            [session, _CHOICES.dump_json(choices).decode()],
        )

    def save_merchant_outcome(self, session: str, merchant: str, outcome: MerchantOutcome) -> None:
        self._write(
            "INSERT INTO merchant_outcomes (session, merchant, payload) VALUES (?, ?, ?) "
            "ON CONFLICT(session, merchant) DO UPDATE SET payload = excluded.payload",
            [session, merchant, _OUTCOME.dump_json(outcome).decode()],
        )


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
