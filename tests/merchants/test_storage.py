"""Each answer is stored once, and expired idempotency records go in small indexed batches."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from merchant_flows import UcpCaller
from test_business_checkout import ROSES, lines, make_shop, payment, ready_checkout

from merchants.business.storage import Storage
from merchants.business.storage_idempotency import PRUNE_BATCH, PRUNE_DRAIN
from merchants.serve import PRUNE_STEP, _prune

UCP_BLOCK = '{"version":"2026-04-08","status":"success"}'


def _rows(db_path: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        return db.execute(sql, params).fetchall()


async def test_a_keyed_write_keeps_its_body_in_one_place_and_replays_it_byte_for_byte(
    ucp: UcpCaller, sandbox_data_dir: Path
) -> None:
    key = f"stored-once-{ucp.binding}"
    arguments = {"checkout": {"line_items": lines((ROSES, 1))}}
    status, created = await ucp.call("flowers", "create_checkout", arguments, idempotency_key=key)
    assert status == ucp.created
    db_path = sandbox_data_dir / "flowers.sqlite3"
    [(row_body, body_key)] = _rows(
        db_path, "SELECT body, body_key FROM checkouts WHERE id = ?", created["id"]
    )
    [(stored_body, stored_ucp)] = _rows(
        db_path, "SELECT body, ucp FROM idempotency WHERE key = ?", key
    )
    assert (row_body, body_key) == ("", key)
    assert {"ucp": json.loads(stored_ucp), **json.loads(stored_body)} == created
    _, fetched = await ucp.call("flowers", "get_checkout", {"id": created["id"]})
    assert {k: v for k, v in fetched.items() if k != "ucp"} == {
        k: v for k, v in created.items() if k != "ucp"
    }
    _, replayed = await ucp.call("flowers", "create_checkout", arguments, idempotency_key=key)
    assert replayed == created


def _writes_to(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if table in s and not s.lstrip().startswith("SELECT")]


def test_a_keyed_checkout_row_is_written_once_already_pointing_at_its_record(
    tmp_path: Path,
) -> None:
    shop = make_shop(tmp_path)
    statements: list[str] = []
    shop.storage._db.set_trace_callback(statements.append)
    with shop.transaction():
        result = shop.create_checkout({"line_items": lines((ROSES, 1))}, None)
        shop.idempotency_put("s", "k", "h", 201, shop.encoded(result.body), UCP_BLOCK)
    shop.storage._db.set_trace_callback(None)
    assert len(_writes_to(statements, "INTO checkouts")) == 1
    assert _writes_to(statements, "UPDATE checkouts") == []
    rows = _rows(tmp_path / "flowers.db", "SELECT body, body_scope, body_key FROM checkouts")
    assert rows == [("", "s", "k")]
    assert shop.get_checkout(result.body["id"]).body == result.body
    shop.close()


def test_a_row_held_back_in_a_transaction_is_read_back_and_kept_without_a_record(
    tmp_path: Path,
) -> None:
    shop = make_shop(tmp_path)
    with shop.transaction():
        created = shop.create_checkout({"line_items": lines((ROSES, 1))}, None).body
        assert shop.get_checkout(created["id"]).body == created  # the next statement sees it
        changed = shop.update_checkout(created["id"], {"line_items": lines((ROSES, 2))}).body
    [(row_body, key)] = _rows(tmp_path / "flowers.db", "SELECT body, body_key FROM checkouts")
    assert key is None and json.loads(row_body) == changed
    with pytest.raises(RuntimeError), shop.transaction():
        shop.update_checkout(created["id"], {"line_items": lines((ROSES, 3))})
        raise RuntimeError("the answer could not be sent")
    assert shop.get_checkout(created["id"]).body == changed  # the held-back row never went
    shop.close()


def test_pruning_deletes_expired_records_in_bounded_batches_oldest_first(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "store.sqlite3")
    now = 1_000_000_000.0
    expired = now - 49 * 3600
    with storage.transaction():
        for n in range(PRUNE_BATCH * 2 + 5):
            storage.idempotency.put("s", f"old-{n}", "h", 200, "{}", expired + n)
        storage.idempotency.put("s", "fresh", "h", 200, "{}", now)
    assert storage.idempotency.prune(now) == PRUNE_BATCH
    assert storage.idempotency.get("s", "old-0", expired) is None  # the oldest went first
    assert storage.idempotency.prune(now) == PRUNE_BATCH
    assert storage.idempotency.prune(now) == 5
    assert storage.idempotency.prune(now) == 0
    assert storage.idempotency.get("s", "fresh", now) is not None
    storage.close()


def _prune_steps(tmp_path: Path, records: int) -> tuple[int, int]:
    """(records deleted, SQLite VM steps / 100) of one prune of a table of ``records`` records
    whose first 30 are expired."""
    storage = Storage(tmp_path / f"store-{records}.sqlite3")
    now = 1_000_000_000.0
    with storage.transaction():
        for n in range(records):
            created = now - 49 * 3600 + n if n < 30 else now + n
            storage.idempotency.put(
                "s", f"k-{n}", "h", 200, '{"padding":"' + "x" * 900 + '"}', created
            )
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    storage._db.set_progress_handler(count, 100)
    deleted = storage.idempotency.prune(now + records)
    storage.close()
    return deleted, steps[0]


def test_a_prune_reads_only_the_oldest_records_whatever_the_size_of_the_table(
    tmp_path: Path,
) -> None:
    small_deleted, small_steps = _prune_steps(tmp_path, 300)
    large_deleted, large_steps = _prune_steps(tmp_path, 6000)
    assert small_deleted == large_deleted == 30
    assert large_steps <= small_steps * 1.5 + 10  # bounded, not a scan of 20x the records


def test_a_database_an_earlier_release_indexed_loses_the_indexes_every_commit_paid_for(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "indexed.sqlite3"
    Storage(db_path).close()
    with sqlite3.connect(db_path) as db:
        db.executescript(
            "CREATE INDEX idempotency_by_created ON idempotency (created);"
            "CREATE INDEX checkouts_by_cart ON checkouts (cart_id, status);"
        )
    db.close()
    Storage(db_path).close()
    indexes = {
        row[0] for row in _rows(db_path, "SELECT name FROM sqlite_schema WHERE type = 'index'")
    }
    assert "idempotency_by_created" not in indexes and "checkouts_by_cart" not in indexes
    assert "checkouts_by_cart_id" in indexes


def test_a_checkout_keeps_its_body_when_the_record_holding_it_is_pruned(tmp_path: Path) -> None:
    now = [datetime(2026, 5, 1, 12, 0, tzinfo=UTC)]
    shop = make_shop(tmp_path, clock=lambda: now[0])
    with shop.transaction():
        result = shop.create_checkout({"line_items": lines((ROSES, 1))}, None)
        shop.idempotency_put("s", "k", "h", 201, shop.encoded(result.body), UCP_BLOCK)
    [(row_body,)] = _rows(tmp_path / "flowers.db", "SELECT body FROM checkouts")
    assert row_body == ""
    now[0] += timedelta(hours=1)
    assert shop.get_checkout(result.body["id"]).body == result.body
    now[0] += timedelta(hours=48)
    assert shop.prune_idempotency() == 1
    assert _rows(tmp_path / "flowers.db", "SELECT count(*) FROM idempotency") == [(0,)]
    assert shop.get_checkout(result.body["id"]).body["line_items"] == result.body["line_items"]
    shop.close()


def test_a_database_from_before_single_storage_opens_and_gains_its_columns(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "old.sqlite3"
    with sqlite3.connect(db_path) as db:
        db.executescript(
            "CREATE TABLE carts (id TEXT PRIMARY KEY, state TEXT NOT NULL, body TEXT NOT NULL,"
            " expires REAL NOT NULL);"
            "CREATE TABLE idempotency (scope TEXT NOT NULL, key TEXT NOT NULL,"
            " request_hash TEXT NOT NULL, status_code INTEGER NOT NULL, body TEXT NOT NULL,"
            " created REAL NOT NULL, PRIMARY KEY (scope, key));"
            "INSERT INTO idempotency VALUES ('s', 'k', 'h', 200, '{\"ucp\":{},\"id\":\"x\"}', 9e9);"
        )
    db.close()
    storage = Storage(db_path)
    stored = storage.idempotency.get("s", "k", 9e9)
    assert stored is not None and stored.body == {"ucp": {}, "id": "x"}
    storage.close()
    columns = {row[1] for row in _rows(db_path, "PRAGMA table_info(carts)")}
    assert {"body_scope", "body_key"} <= columns


def test_a_checkout_row_an_earlier_release_wrote_reads_back_and_updates(tmp_path: Path) -> None:
    # The state as the dict-based stores wrote it: line triples, no buyer_confirmed, no payment.
    old_state = {
        "id": "chk_old",
        "status": "incomplete",
        "created_at": "2026-05-01T12:00:00Z",
        "expires_at": "2026-05-01T18:00:00Z",
        "expires": datetime(2026, 5, 1, 18, tzinfo=UTC).timestamp(),
        "cart_id": None,
        "lines": [["li_1", ROSES, 2]],
        "next_line": 2,
        "notices": [],
        "pending_3ds": None,
        "order": None,
        "buyer": None,
        "discount_codes": None,
    }
    shop = make_shop(tmp_path, clock=lambda: datetime(2026, 5, 1, 13, tzinfo=UTC))
    shop.close()
    with sqlite3.connect(tmp_path / "flowers.db") as db:
        db.execute(
            "INSERT INTO checkouts (id, cart_id, status, state, body, expires)"
            " VALUES ('chk_old', NULL, 'incomplete', ?, '{}', ?)",
            (json.dumps(old_state), old_state["expires"]),
        )
    db.close()
    shop = make_shop(tmp_path, clock=lambda: datetime(2026, 5, 1, 13, tzinfo=UTC))
    kept = [{"id": "li_1", "item": {"id": ROSES}, "quantity": 3}]
    updated = shop.update_checkout("chk_old", {"line_items": kept, "buyer": {"email": "a@b.co"}})
    assert not updated.is_error, updated.body
    assert [(li["id"], li["quantity"]) for li in updated.body["line_items"]] == [("li_1", 3)]
    assert updated.body["buyer"] == {"email": "a@b.co"}
    shop.close()


def test_pruning_keeps_pace_with_writes_and_drains_a_backlog_a_little_at_a_time(
    tmp_path: Path,
) -> None:
    now = [datetime(2026, 5, 1, 12, 0, tzinfo=UTC)]
    shop = make_shop(tmp_path, clock=lambda: now[0])
    with shop.transaction():
        for n in range(300):
            shop.idempotency_put("s", f"old-{n}", "h", 200, "{}")
    shop.close()
    now[0] += timedelta(hours=49)
    shop = make_shop(tmp_path, clock=lambda: now[0])  # reopened: 300 expired, none written since
    assert shop.prune_idempotency() == PRUNE_DRAIN
    for n in range(3):
        shop.idempotency_put("s", f"new-{n}", "h", 200, "{}")
    assert shop.prune_idempotency() == 3 + PRUNE_DRAIN  # one per write, and the drain
    assert shop.prune_idempotency() == PRUNE_DRAIN
    left = 300 - 3 * PRUNE_DRAIN - 3
    assert _rows(tmp_path / "flowers.db", "SELECT count(*) FROM idempotency") == [(left + 3,)]
    shop.close()


async def test_a_maintenance_tick_prunes_its_quota_in_small_steps_letting_requests_through(
    tmp_path: Path,
) -> None:
    now = [datetime(2026, 5, 1, 12, 0, tzinfo=UTC)]
    shop = make_shop(tmp_path, clock=lambda: now[0])
    with shop.transaction():
        for n in range(300):
            shop.idempotency_put("s", f"old-{n}", "h", 200, "{}")
    shop.close()
    now[0] += timedelta(hours=49)
    shop = make_shop(tmp_path, clock=lambda: now[0])  # reopened: 300 expired
    for n in range(60):  # written since: the tick's quota is these 60 plus the drain
        shop.idempotency_put("s", f"new-{n}", "h", 200, "{}")
    steps: list[int] = []
    prune = shop.prune_idempotency

    def counted(batch: int | None = None) -> int:
        deleted = prune(batch)
        steps.append(deleted)
        return deleted

    shop.prune_idempotency = counted  # type: ignore[method-assign]
    served_between: list[int] = []

    async def a_request() -> None:
        served_between.append(len(steps))

    request = asyncio.create_task(a_request())
    await _prune(shop)
    await request
    assert sum(steps) == 60 + PRUNE_DRAIN
    assert steps == [PRUNE_STEP, PRUNE_STEP, PRUNE_STEP, 60 + PRUNE_DRAIN - 3 * PRUNE_STEP]
    assert served_between == [1]  # after the first step, not after the whole quota
    shop.close()


def test_a_record_already_expired_when_written_is_pruned_right_after_the_table_looked_clean(
    tmp_path: Path,
) -> None:
    now = [datetime(2026, 5, 1, 12, 0, tzinfo=UTC)]
    shop = make_shop(tmp_path, clock=lambda: now[0])
    shop.idempotency_put("s", "fresh", "h", 200, "{}")
    assert shop.prune_idempotency() == 0  # nothing expired: remembered, not asked again
    now[0] -= timedelta(hours=49)  # a clock set back: this record is past its 48 h already
    shop.idempotency_put("s", "stale", "h", 200, "{}")
    now[0] += timedelta(hours=49, seconds=1)
    assert shop.prune_idempotency() == 1
    assert shop.idempotency_get("s", "stale") is None
    assert shop.idempotency_get("s", "fresh") is not None
    shop.close()


def test_a_store_owes_a_checkpoint_only_after_something_was_written(tmp_path: Path) -> None:
    shop = make_shop(tmp_path)
    assert shop.checkpoint_owed()  # opened: its WAL may hold anything
    shop.checkpoint()
    assert not shop.checkpoint_owed()
    shop.idempotency_put("s", "k", "h", 200, "{}")
    assert shop.checkpoint_owed()
    shop.checkpoint()
    assert not shop.checkpoint_owed()
    shop.close()


def test_rows_pointing_at_records_an_earlier_release_kept_keep_their_bodies_when_those_go(
    tmp_path: Path,
) -> None:
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    shop = make_shop(tmp_path, clock=lambda: now)
    expired = (now - timedelta(hours=49)).timestamp()

    def keyed(key: str, write: Any, created: float = expired) -> dict[str, Any]:
        with shop.transaction():  # the row points at the record, written `created`
            body: dict[str, Any] = write().body
            records = shop.storage.idempotency
            records.put("s", key, "h", 200, shop.encoded(body), created, UCP_BLOCK)
        return body

    done = [
        keyed(
            f"k-{n}", lambda: shop.complete_checkout(ready_checkout(shop, ROSES)["id"], payment())
        )
        for n in range(2)
    ]
    later = ready_checkout(shop, ROSES)["id"]
    keyed("k-2", lambda: shop.update_checkout(later, {"line_items": lines((ROSES, 2))}))
    # ...and moves on to a record that outlives the one it pointed at first
    done.append(keyed("k-3", lambda: shop.complete_checkout(later, payment()), now.timestamp()))
    shop.close()
    with sqlite3.connect(tmp_path / "flowers.db") as db:  # as that release left it
        db.executescript(
            "ALTER TABLE idempotency DROP COLUMN owner;"
            "CREATE INDEX carts_by_body ON carts (body_scope, body_key)"
            " WHERE body_scope IS NOT NULL;"
            "CREATE INDEX checkouts_by_body ON checkouts (body_scope, body_key)"
            " WHERE body_scope IS NOT NULL;"
        )
    db.close()
    shop = make_shop(tmp_path, clock=lambda: now)
    indexes = _rows(tmp_path / "flowers.db", "SELECT name FROM sqlite_schema WHERE type = 'index'")
    assert ("checkouts_by_body",) not in indexes and ("carts_by_body",) not in indexes
    assert shop.prune_idempotency(10) == 3
    assert _rows(tmp_path / "flowers.db", "SELECT key FROM idempotency") == [("k-3",)]
    for body in done:  # completed: answered from the row's body, never re-rendered
        assert shop.get_checkout(body["id"]).body == body
    shop.close()


def test_a_key_used_again_after_its_record_expired_leaves_the_first_row_its_body(
    tmp_path: Path,
) -> None:
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    shop = make_shop(tmp_path, clock=lambda: now)
    records = shop.storage.idempotency
    expired = (now - timedelta(hours=49)).timestamp()
    bodies = []
    for created in (expired, now.timestamp()):  # the same key, its first record expired
        with shop.transaction():
            body = shop.complete_checkout(ready_checkout(shop, ROSES)["id"], payment()).body
            records.put("s", "k", "h", 200, shop.encoded(body), created, UCP_BLOCK)
        bodies.append(body)
    assert _rows(tmp_path / "flowers.db", "SELECT count(*) FROM idempotency") == [(1,)]
    pointing = _rows(tmp_path / "flowers.db", "SELECT id FROM checkouts WHERE body_key = 'k'")
    assert pointing == [(bodies[1]["id"],)]  # the second row points at the record, the first not
    for body in bodies:
        assert shop.get_checkout(body["id"]).body == body
    replayed = records.get("s", "k", now.timestamp())
    assert replayed is not None and replayed.body["id"] == bodies[1]["id"]
    shop.close()
