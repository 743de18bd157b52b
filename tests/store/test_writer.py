"""The writer thread: what the event loop hands off in one turn is one batch, one commit, on a
thread that is not the loop's; a failing write fails alone; nothing handed off is lost on close."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

from assistant.errors import StoreError
from assistant.store import Store
from assistant.store.connection import one_statement_write


def _keys_on_disk(db: Path) -> set[str]:
    with sqlite3.connect(db) as other:
        return {scope for (scope,) in other.execute("SELECT scope FROM idempotency_keys")}


async def test_keys_handed_off_in_one_turn_of_the_loop_commit_together_off_the_loop(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path / "pannier.db")
    statements: list[tuple[str, int]] = []
    store.db.conn.set_trace_callback(lambda sql: statements.append((sql, threading.get_ident())))
    minted = (store.off_loop(store.idempotency_key, f"s{n}") for n in range(40))
    keys = await asyncio.gather(*minted)
    store.db.conn.set_trace_callback(None)
    assert len(set(keys)) == 40
    assert [sql for sql, _ in statements].count("COMMIT") == 1
    assert threading.get_ident() not in {thread for _, thread in statements}
    assert _keys_on_disk(store.path) == {f"s{n}" for n in range(40)}  # type: ignore[arg-type]
    store.close()


async def test_a_failing_write_fails_alone_and_the_rest_of_its_batch_commits(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path / "pannier.db")

    def broken() -> None:
        store.db.execute("INSERT INTO no_such_table VALUES (1)")

    def broken_in_a_transaction() -> None:
        with store.transaction():
            broken()

    before, failing, after = await asyncio.gather(
        store.off_loop(store.idempotency_key, "before"),
        store.off_loop(broken_in_a_transaction),
        store.off_loop(store.idempotency_key, "after"),
        return_exceptions=True,
    )
    assert isinstance(before, str) and isinstance(after, str)
    assert isinstance(failing, StoreError)
    assert _keys_on_disk(store.path) == {"before", "after"}  # type: ignore[arg-type]
    store.close()


async def test_a_forget_nobody_awaits_is_committed_by_close_and_seen_by_a_direct_read(
    tmp_path: Path,
) -> None:
    db = tmp_path / "pannier.db"
    store = Store.open(db)
    key = await store.off_loop(store.idempotency_key, "scope")
    store.write_later(store.forget_idempotency_key, "scope")
    assert store.idempotency_key("scope") != key  # a direct read waits for what was handed off
    store.write_later(store.forget_idempotency_key, "scope")
    store.close()  # before the loop's turn ended
    assert _keys_on_disk(db) == set()


def test_without_an_event_loop_a_later_write_runs_at_once(tmp_path: Path) -> None:
    db = tmp_path / "pannier.db"
    store = Store.open(db)
    store.idempotency_key("scope")
    store.write_later(store.forget_idempotency_key, "scope")
    assert _keys_on_disk(db) == set()
    store.close()


async def test_writes_of_two_stores_on_one_database_commit_in_the_order_handed_off(
    tmp_path: Path,
) -> None:
    db = tmp_path / "pannier.db"
    first, second = Store.open(db), Store.open(db)
    key = await first.off_loop(first.idempotency_key, "shared")
    first.write_later(first.forget_idempotency_key, "shared")
    assert await second.off_loop(second.idempotency_key, "shared") != key
    first.close()
    second.close()


def test_a_process_that_ends_without_closing_its_store_commits_what_it_handed_off(
    tmp_path: Path,
) -> None:
    db = tmp_path / "pannier.db"
    program = textwrap.dedent(
        f"""
        import asyncio
        from pathlib import Path
        from assistant.store import Store

        async def main() -> None:
            store = Store.open(Path({str(db)!r}))
            await store.off_loop(store.idempotency_key, "kept")
            store.write_later(store.idempotency_key, "handed off as the loop ends")

        asyncio.run(main())  # the store is never closed
        """
    )
    subprocess.run([sys.executable, "-c", program], check=True, timeout=60)
    assert _keys_on_disk(db) == {"kept", "handed off as the loop ends"}


async def test_a_forget_and_the_next_claim_are_one_transaction_of_two_statements(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path / "pannier.db")
    await store.off_loop(store.idempotency_key, "answered")
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    store.write_later(store.forget_idempotency_key, "answered")
    await store.off_loop(store.claim_idempotency_key, "next", "k" * 32, None, None)
    store.db.conn.set_trace_callback(None)
    assert [s.split()[0].upper() for s in statements] == ["BEGIN", "DELETE", "INSERT", "COMMIT"]
    assert _keys_on_disk(store.path) == {"next"}  # type: ignore[arg-type]
    store.close()


async def test_a_failing_one_statement_write_fails_alone_without_a_savepoint(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path / "pannier.db")

    @one_statement_write
    def duplicate_scope() -> None:
        store._write("INSERT INTO idempotency_keys (scope, key) VALUES ('before', 'x')")

    before, failing, after = await asyncio.gather(
        store.off_loop(store.idempotency_key, "before"),
        store.off_loop(duplicate_scope),
        store.off_loop(store.idempotency_key, "after"),
        return_exceptions=True,
    )
    assert isinstance(before, str) and isinstance(after, str)
    assert isinstance(failing, StoreError)
    assert _keys_on_disk(store.path) == {"before", "after"}  # type: ignore[arg-type]
    store.close()


class _Announcing:
    """The store's lock, announcing when one named thread starts to wait for it."""

    def __init__(self, real: Any, waiter_name: str, waiting: threading.Event) -> None:
        self.real, self.waiter_name, self.waiting = real, waiter_name, waiting

    def __enter__(self) -> None:
        if threading.current_thread().name == self.waiter_name:
            self.waiting.set()
        self.real.__enter__()

    def __exit__(self, *exc: object) -> None:
        self.real.__exit__(*exc)


async def test_a_direct_write_made_while_the_writer_thread_is_in_a_transaction_is_committed(
    tmp_path: Path,
) -> None:
    db = tmp_path / "pannier.db"
    store = Store.open(db)
    inside, release, waiting = threading.Event(), threading.Event(), threading.Event()
    store._lock = _Announcing(store._lock, "direct", waiting)  # type: ignore[assignment]

    def held_open() -> None:  # a batch write that keeps its transaction open until released
        with store.transaction():
            store._write("INSERT INTO idempotency_keys (scope, key) VALUES ('batched', 'x')")
            inside.set()
            assert release.wait(30)

    batch = store.off_loop(held_open)
    assert await asyncio.to_thread(inside.wait, 30)
    direct = threading.Thread(target=store.save_token, args=("scope", "token", 1e12), name="direct")
    direct.start()  # it waits for the lock the writer thread holds
    assert await asyncio.to_thread(waiting.wait, 30)
    release.set()
    await batch
    await asyncio.to_thread(direct.join, 30)
    with sqlite3.connect(db) as other:
        tokens = [token for (token,) in other.execute("SELECT token FROM access_tokens")]
    assert tokens == ["token"]  # committed, not left in a transaction nobody commits
    store.close()
