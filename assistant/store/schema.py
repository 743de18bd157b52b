"""The local database's schema: named, ordered migrations, recorded in a table (llm's way)."""

from __future__ import annotations

from typing import Final

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATION_SET: Final = "pannier"
migrations = Migrations(MIGRATION_SET)


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


@migrations(name="m007_trip_state")
def m007_trip_state(db: Database) -> None:
    # What lived in memory only, so a restart reproduces the trip exactly: the shopper's explicit
    # choices (buyer, addresses, delivery options, the instrument chosen per merchant) and what
    # each merchant's last answer said (totals, messages, failure, questions).
    db.table("trip_choices").create({"session": str, "payload": str}, pk="session")
    db.table("merchant_outcomes").create(
        {"session": str, "merchant": str, "payload": str}, pk=("session", "merchant")
    )
    # Access tokens until they expire, so the next process does not fetch one per merchant again.
    # The same file already holds what the tokens guard (carts, checkouts); never the wallet's.
    db.table("access_tokens").create(
        {"scope": str, "token": str, "expires_at": float}, pk="scope", not_null={"token"}
    )


@migrations(name="m008_pinned_requests")
def m008_pinned_requests(db: Database) -> None:
    # The exact bytes of a signed write, kept with its key: every retry, after a crash too,
    # resends them (a merchant matches replays on the raw body's hash), signed by the same key.
    db.execute("ALTER TABLE idempotency_keys ADD COLUMN body BLOB")
    db.execute("ALTER TABLE idempotency_keys ADD COLUMN kid TEXT")


@migrations(name="m009_quarantined_rows")
def m009_quarantined_rows(db: Database) -> None:
    # Rows `pannier sessions repair` moved out of a session because they could not be read back.
    db.table("quarantined_rows").create(
        {"id": int, "session": str, "source_table": str, "row": str, "reason": str, "at": float},
        pk="id",
    )


@migrations(name="m010_refused_addresses")
def m010_refused_addresses(db: Database) -> None:
    # Which of the shopper's addresses each store said it cannot deliver to (the whole country,
    # or the one address), across trips: the next checkout there opens at an address it takes.
    db.table("refused_addresses").create(
        {
            "merchant": str,
            "street_address": str,
            "postal_code": str,
            "address_country": str,
            "whole_country": int,
            "at": float,
        },
        pk=("merchant", "street_address", "postal_code", "address_country"),
    )


@migrations(name="m011_listed_before")
def m011_listed_before(db: Database) -> None:
    # Each shopper turn numbers its listing from 1; a turn's second search numbers on from the
    # first's (a model searches twice at once), and a later turn may name either's numbers.
    # NULL: a search saved before listings were numbered so (its numbers are the session's).
    db.table("last_search").add_column("listed_before", str)
