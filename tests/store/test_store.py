"""The local cache: migrations, client-facing methods, resumable records."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.domain import (
    BasketLine,
    Escalation,
    MerchantRef,
    Message,
    Money,
    OrderRecord,
    SearchHit,
    SearchResult,
)
from assistant.store import Store

FLOWERS = MerchantRef(domain="127.0.0.1:8710", name="Petal & Stem", url="http://127.0.0.1:8710")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "data" / "pannier.db")


def _hit(variant_id: str, merchant: MerchantRef = FLOWERS) -> SearchHit:
    return SearchHit(
        handle="",
        merchant=merchant,
        product_id="p1",
        variant_id=variant_id,
        title="Roses",
        variant_title="Dozen",
        price=Money(amount=4500, currency="USD"),
        available=True,
    )


def test_open_applies_named_migrations_once_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "pannier.db"
    first = Store.open(path)
    assert first.applied_migrations() == [
        "m001_initial",
        "m002_last_search",
        "m003_cart_currency",
        "m004_basket_ledger",
        "m005_checkout_payload",
        "m006_drop_events",
        "m007_trip_state",
        "m008_pinned_requests",
        "m009_quarantined_rows",
        "m010_refused_addresses",
        "m011_listed_before",
    ]
    first.close()
    again = Store.open(path)
    assert again.applied_migrations() == [
        "m001_initial",
        "m002_last_search",
        "m003_cart_currency",
        "m004_basket_ledger",
        "m005_checkout_payload",
        "m006_drop_events",
        "m007_trip_state",
        "m008_pinned_requests",
        "m009_quarantined_rows",
        "m010_refused_addresses",
        "m011_listed_before",
    ]
    assert next(again.db.query("PRAGMA journal_mode"))["journal_mode"] == "wal"


def test_pannier_home_moves_the_default_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PANNIER_HOME", str(tmp_path / "home"))
    store = Store.open()
    assert store.path == tmp_path / "home" / "data" / "pannier.db"
    assert store.path.exists()


def test_idempotency_key_is_committed_before_it_is_returned(store: Store) -> None:
    scope = "127.0.0.1:8711|complete_checkout|chk_1"
    key = store.idempotency_key(scope)
    assert store.path is not None
    # A second connection (another process after a crash) sees the same key.
    other = sqlite3.connect(store.path)
    assert other.execute(
        "SELECT key FROM idempotency_keys WHERE scope = ?", [scope]
    ).fetchone() == (key,)
    assert store.idempotency_key(scope) == key


def test_forgotten_idempotency_key_is_replaced_by_a_new_one(store: Store) -> None:
    key = store.idempotency_key("s")
    store.forget_idempotency_key("s")
    assert store.idempotency_key("s") != key


def test_profile_cache_round_trips(store: Store) -> None:
    assert store.cached_profile("http://x/.well-known/ucp") is None
    store.save_profile("http://x/.well-known/ucp", {"ucp": {"version": "2026-04-08"}}, 123.5)
    assert store.cached_profile("http://x/.well-known/ucp") == (
        {"ucp": {"version": "2026-04-08"}},
        123.5,
    )


def test_search_handles_are_stable_within_a_session(store: Store) -> None:
    assert store.search_handle("s", _hit("v1")) == "1"
    assert store.search_handle("s", _hit("v2")) == "2"
    assert store.search_handle("s", _hit("v1")) == "1"
    assert store.search_handle("other", _hit("v2")) == "1"
    found = store.hit_by_handle("s", "2")
    assert found is not None and found.variant_id == "v2" and found.handle == "2"


def test_the_latest_search_of_a_session_round_trips_with_its_handles(store: Store) -> None:
    hits = [replace(_hit(v), handle=store.search_handle("s", _hit(v))) for v in ("v1", "v2")]
    store.save_last_search("s", "roses", SearchResult(hits=hits[:1], notes={}))
    store.save_last_search("s", "more roses", SearchResult(hits=hits, notes={"x:1": "timed out"}))
    assert store.last_search("s") == SearchResult(
        hits=hits, notes={"x:1": "timed out"}, query="more roses"
    )
    assert store.last_search("other") is None


def test_basket_replacement_is_full_state(store: Store) -> None:
    line = BasketLine(FLOWERS, "v1", "Roses", 2, Money(amount=4500, currency="USD"), "1")
    store.replace_basket("s", [line, BasketLine(FLOWERS, "v2", "Tulips", 1)])
    store.replace_basket("s", [line])
    assert store.basket("s") == [line]


def test_one_cart_per_merchant_per_session(store: Store) -> None:
    store.save_cart("s", FLOWERS.domain, "cart_1", {"lines": [["v1", 1]]})
    store.save_cart("s", FLOWERS.domain, "cart_2", {"lines": [["v1", 2]]})
    cart = store.cart("s", FLOWERS.domain)
    assert cart is not None and cart.cart_id == "cart_2"
    assert store.db.table("carts").count == 1


def test_checkout_rows_resume_the_latest_state(store: Store) -> None:
    store.save_checkout(
        "s",
        FLOWERS.domain,
        "chk_1",
        cart_id="cart_1",
        status="incomplete",
        continue_url=None,
        expires_at=None,
        messages=[{"type": "error", "code": "missing"}],
    )
    row = store.checkout("s", FLOWERS.domain)
    assert row is not None and row.id == "chk_1" and row.messages[0]["code"] == "missing"
    store.forget_cart("s", FLOWERS.domain)
    assert store.checkout("s", FLOWERS.domain) is None


def test_escalations_and_orders_round_trip(store: Store) -> None:
    escalation = Escalation(
        id="esc_1",
        merchant=FLOWERS,
        checkout_id="chk_1",
        messages=[Message(type="error", code="x", severity="requires_buyer_input", path="$.a")],
        disclosures=[],
        continue_url="http://127.0.0.1:8710/checkout/chk_1",
    )
    store.save_escalation("s", escalation)
    assert store.escalations("s") == [escalation]
    order = OrderRecord(FLOWERS, "ord_1", "chk_1", None, Money(amount=1, currency="USD"))
    assert store.save_order("s", order) is True
    assert store.save_order("s", order) is False
    assert store.orders("s") == [order]
    assert store.orders(order_id="ord_1") == [order]


def test_the_conversation_keeps_its_order(store: Store) -> None:
    store.append_conversation("s", "user", '"hi"')
    store.append_conversation("s", "assistant", '"hello"')
    assert store.conversation("s") == [("user", '"hi"'), ("assistant", '"hello"')]


def test_a_failed_transaction_leaves_no_partial_write(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.save_cart("s", FLOWERS.domain, "cart_1", {})
        raise RuntimeError("crash between writes")
    assert store.cart("s", FLOWERS.domain) is None


def test_a_forgotten_key_is_gone_for_another_store_on_the_same_file_at_once(
    tmp_path: Path,
) -> None:
    first, second = Store.open(tmp_path / "keys.db"), Store.open(tmp_path / "keys.db")
    key = first.idempotency_key("shop|create_checkout|abc")
    assert second.idempotency_key("shop|create_checkout|abc") == key
    first.forget_idempotency_key("shop|create_checkout|abc")
    assert second.idempotency_key("shop|create_checkout|abc") != key
    first.close()
    second.close()
