"""The process's one writer thread, and the batches each store hands it from the event loop.

Local writes stay off the event loop (issue 16), and each hand-off to a thread costs a wake-up
of that thread and, for an awaited write, one of the loop: on this machine more than the SQLite
work itself. So what one store hands off within one turn of the loop travels as one batch: the
thread runs it in one transaction (each write in a savepoint of its own, so one failing write
leaves the others) and wakes the loop once, for every write awaited in it. A key forgotten after
an answer and the next request's key minted a moment later are one commit and one wake-up; 40
shops' keys minted in the same step are one too.

Every store in the process hands its batches to the same thread, in the order they were handed
off, so a write one store handed off is committed before any write another store hands off
later starts: idempotency keys are shared by every store and process on a database, and a key
forgotten by one store must be gone before another store's next request asks for one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass
from typing import Any

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Write:
    """One write handed off: ``fn(*args)``, and the loop's future awaiting it (None: nobody)."""

    fn: Callable[..., Any]
    args: tuple[Any, ...]
    waiter: asyncio.Future[Any] | None = None


# (write, its result, or the exception it raised)
Outcome = tuple[Write, Any, BaseException | None]


class WriterThread:
    """The one thread every store's batches run on, started on first use."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._start = threading.Lock()
        self.ident: int | None = None

    def submit(self, fn: Callable[..., None], *args: Any) -> Future[None]:
        if self._pool is None:
            with self._start:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(
                        max_workers=1, thread_name_prefix="pannier-store", initializer=self._named
                    )
        return self._pool.submit(fn, *args)

    def _named(self) -> None:
        self.ident = threading.get_ident()

    def is_current(self) -> bool:
        return self.ident is not None and threading.get_ident() == self.ident


WRITER = WriterThread()


class Batches:
    """One store's writes on their way to the writer thread: queued during a turn of the loop,
    handed off together at its end, run by ``run`` (the store's transaction around them)."""

    def __init__(self, run: Callable[[list[Write]], list[Outcome]]) -> None:
        self._run = run
        self._queued: list[Write] = []
        self._unfinished: set[Future[None]] = set()

    def add(self, loop: asyncio.AbstractEventLoop, write: Write) -> None:
        self._queued.append(write)
        if len(self._queued) == 1:
            loop.call_soon(self._hand_off, loop)

    @property
    def idle(self) -> bool:
        return not self._queued and not self._unfinished

    def _hand_off(self, loop: asyncio.AbstractEventLoop) -> None:
        batch, self._queued = self._queued, []
        if batch:
            done = WRITER.submit(self._on_thread, loop, batch)
            self._unfinished.add(done)
            done.add_done_callback(self._unfinished.discard)

    def _on_thread(self, loop: asyncio.AbstractEventLoop, batch: list[Write]) -> None:
        _deliver(loop, self._run(batch))

    def settle(self) -> None:
        """Block until every write handed off so far is committed (closing the store, or a
        direct read of what a queued write changes); not on the writer thread itself."""
        if WRITER.is_current():
            return
        wait_for(list(self._unfinished))
        batch, self._queued = self._queued, []
        if batch:
            outcomes: list[Outcome] = []
            WRITER.submit(lambda: outcomes.extend(self._run(batch))).result()
            for outcome in outcomes:
                if outcome[0].waiter is not None:
                    _deliver(outcome[0].waiter.get_loop(), [outcome])


def _deliver(loop: asyncio.AbstractEventLoop, outcomes: list[Outcome]) -> None:
    """Every awaited write's outcome to the loop in one wake-up; a failed write nobody awaited
    is logged (it was a key's forget: at worst an identical request later replays an answer)."""
    for write, _, error in outcomes:
        if write.waiter is None and error is not None:
            _log.warning("a local write nobody waited for failed: %s", error)
    awaited = [outcome for outcome in outcomes if outcome[0].waiter is not None]
    if awaited:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(_settle, awaited)


def _settle(outcomes: list[Outcome]) -> None:
    """On the loop: each awaited write's result (or error) to its waiter."""
    for write, result, error in outcomes:
        waiter = write.waiter
        if waiter is None or waiter.done():
            continue  # cancelled while its write ran (the write stands, as in any executor)
        if error is not None:
            waiter.set_exception(error)
        else:
            waiter.set_result(result)
