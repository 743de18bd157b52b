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
import atexit
import contextlib
import logging
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
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
    """The one thread every store's batches run on, started on first use; jobs run one after
    another in the order submitted.

    A plain thread reading a queue, not an executor: a batch is one ``put`` and one ``get``, no
    future or work item per batch (the hand-off is most of what a key costs the client). The
    thread is a daemon that an exit hook drains, so a process that ends commits what it
    handed off, as an executor's exit hook would.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self.ident: int | None = None
        os.register_at_fork(after_in_child=self._forget_thread)

    def _forget_thread(self) -> None:
        """In a forked child: the parent's thread is not there; start another on first use."""
        self._jobs = queue.SimpleQueue()
        self._thread = None
        self._start = threading.Lock()
        self.ident = None

    def submit(self, job: Callable[[], None]) -> None:
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    thread = threading.Thread(target=self._serve, name="pannier-store", daemon=True)
                    thread.start()
                    self._thread = thread
                    atexit.register(self.drain)
        self._jobs.put(job)

    def run(self, job: Callable[[], None]) -> None:
        """``job`` on the thread after everything submitted before it; block until it ran."""
        done = threading.Event()

        def job_then_done() -> None:
            try:
                job()
            finally:
                done.set()

        self.submit(job_then_done)
        done.wait()

    def drain(self) -> None:
        """Block until every job submitted so far ran (at exit)."""
        if self._thread is not None and self._thread.is_alive() and not self.is_current():
            self.run(_nothing)

    def _serve(self) -> None:
        self.ident = threading.get_ident()
        while True:
            job = self._jobs.get()
            try:
                job()
            except BaseException:  # a job must not end the thread every store writes through
                _log.exception("a local write job failed")

    def is_current(self) -> bool:
        return self.ident is not None and threading.get_ident() == self.ident


def _nothing() -> None:
    return None


WRITER = WriterThread()


class Batches:
    """One store's writes on their way to the writer thread: queued during a turn of the loop,
    handed off together at its end, run by ``run`` (the store's transaction around them)."""

    def __init__(self, run: Callable[[list[Write]], list[Outcome]]) -> None:
        self._run = run
        self._queued: list[Write] = []
        # Batches handed off (counted on the loop) and run (counted on the writer thread): each
        # count has one writer, so reading both never needs a lock.
        self._handed = 0
        self._finished = 0

    def add(self, loop: asyncio.AbstractEventLoop, write: Write) -> None:
        self._queued.append(write)
        if len(self._queued) == 1:
            loop.call_soon(self._hand_off, loop)

    @property
    def idle(self) -> bool:
        return not self._queued and self._handed == self._finished

    def _hand_off(self, loop: asyncio.AbstractEventLoop) -> None:
        batch, self._queued = self._queued, []
        if batch:
            self._handed += 1
            WRITER.submit(partial(self._on_thread, loop, batch))

    def _on_thread(self, loop: asyncio.AbstractEventLoop, batch: list[Write]) -> None:
        try:
            _deliver(loop, self._run(batch))
        finally:
            self._finished += 1

    def settle(self) -> None:
        """Block until every write handed off so far is committed (closing the store, or a
        direct read of what a queued write changes); not on the writer thread itself."""
        if WRITER.is_current():
            return
        batch, self._queued = self._queued, []
        outcomes: list[Outcome] = []

        def run_queued() -> None:  # after every batch handed off before it: they run in order
            if batch:
                outcomes.extend(self._run(batch))

        WRITER.run(run_queued)
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
