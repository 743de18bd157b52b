"""While Pannier runs, the trip's open orders are polled in the background, less and less often.

A store may send no webhook (no URL in the profile it was given, a platform that was not
running, a webhook lost on the way), so each of this trip's orders that is not yet delivered or
cancelled is asked about (``get_order``) ``first_s`` after it was placed (or after Pannier
started), then after twice as long each time, up to ``longest_s``. A verified webhook counts as
hearing from the store: the next poll moves back by a whole wait. What a poll learns goes
through the trip's one writer of orders and is published as ``OrderUpdated`` when it is new.
Everything here is async network I/O on the trip's loop (the database write is on a worker
thread), so a front end runs it as a background task that never blocks its input.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from assistant.errors import PannierError
from assistant.events import OrderPlaced, OrderUpdated
from assistant.shopping import orders
from assistant.shopping.context import TripContext

logger = logging.getLogger(__name__)

SETTLED: Final = frozenset({"delivered", "canceled", "cancelled"})  # nothing more will happen


@dataclass
class _Due:
    at: float  # when to ask next (the clock's time)
    wait_s: float  # the wait that led to it; doubled after each poll


class OrderWatch:
    """Polls one trip's open orders with a growing wait, until each is settled."""

    def __init__(
        self,
        ctx: TripContext,
        *,
        first_s: float,
        longest_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._ctx = ctx
        self._first_s = first_s
        self._longest_s = max(longest_s, first_s)
        self._clock = clock
        self._due: dict[tuple[str, str], _Due] = {}
        self._changed = asyncio.Event()  # an order was placed or heard of: look again
        self.waiting = asyncio.Event()  # set while nothing is due (between polls)

    @property
    def watching(self) -> list[str]:
        """The ids of the orders still polled (as of the last look at the trip)."""
        return [order_id for _, order_id in self._due]

    async def run(self) -> None:
        """Watch until cancelled (the trip closing, or the front end leaving)."""
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._listen())
            await self._poll_while_open()

    async def _listen(self) -> None:
        async for event in self._ctx.bus.subscribe():
            if isinstance(event, OrderPlaced | OrderUpdated):
                self._changed.set()

    async def _poll_while_open(self) -> None:
        while True:
            self._changed.clear()
            self._schedule()
            now = self._clock()
            due = [key for key, when in self._due.items() if when.at <= now]
            if due:
                self.waiting.clear()
                await asyncio.gather(*(self._poll(key) for key in due))
                continue
            self.waiting.set()
            soonest = min((when.at for when in self._due.values()), default=None)
            timeout = None if soonest is None else soonest - now
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)

    def _schedule(self) -> None:
        """Watch every open order of the trip that its store can be asked about; forget the rest."""
        now = self._clock()
        watched = set()
        for order in self._ctx.state.orders():
            key = (order.merchant.domain, order.order_id)
            client = self._ctx.clients.get(order.merchant.domain)
            if order.status in SETTLED or client is None or not client.supports(orders.ORDER):
                continue
            watched.add(key)
            when = self._due.setdefault(key, _Due(at=now + self._first_s, wait_s=self._first_s))
            if order.heard_at is not None:
                when.at = max(when.at, order.heard_at + when.wait_s)
        for key in set(self._due) - watched:
            del self._due[key]

    async def _poll(self, key: tuple[str, str]) -> None:
        when = self._due[key]
        record = next(
            (o for o in self._ctx.state.orders() if (o.merchant.domain, o.order_id) == key), None
        )
        try:
            if record is not None:
                await orders.poll_order(self._ctx, record)
        except PannierError as exc:  # the database, say: try again at the next poll
            logger.warning("polling order %s at %s failed: %s", key[1], key[0], exc.message)
        finally:
            when.wait_s = min(when.wait_s * 2, self._longest_s)
            when.at = self._clock() + when.wait_s
