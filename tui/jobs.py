"""The app's background jobs: opening the trip, shopper turns, re-checks, all in workers.

Workers do the slow work and only post messages (``tui.messages``); they never touch widgets.
One trip operation runs at a time (``trip_lock``); a failure becomes a ``WorkFailed`` message,
never a traceback. The widget-owning handlers are in ``tui.app``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from textual.app import App
from textual.message import Message
from textual.timer import Timer
from textual.worker import Worker

from assistant.domain import Approval, PurchaseSummary
from assistant.errors import PannierError
from tui.messages import (
    ConfirmRequested,
    CoreEventArrived,
    EscalationsChecked,
    ReplyFinished,
    SessionOpened,
    WorkEnded,
    WorkFailed,
    WorkStarted,
)
from tui.session import LaunchOptions, Session, SessionOpener
from tui.widgets.inbox import EscalationInbox

RECHECK_GROUP = "escalation-recheck"
ORDER_WATCH_GROUP = "order-watch"


class TripJobs(App[None]):
    """The app's state about its trip, and the workers that drive it."""

    def __init__(
        self, options: LaunchOptions | None = None, *, opener: SessionOpener | None = None
    ) -> None:
        super().__init__()
        self.options = options or LaunchOptions()
        self.opener = opener
        self.session: Session | None = None
        self.busy = 0
        self.jobs_done = 0  # background jobs finished so far (tests and scripts wait on it)
        self.first_paint_at: float | None = None
        self.trip_lock = asyncio.Lock()
        self.recheck_timer: Timer | None = None

    def _start_session(self, opener: SessionOpener) -> None:
        self.run_worker(self._run_session(opener), group="session", exit_on_error=False)

    # --- workers: they post messages and never touch widgets -----------------------------------

    async def _run_session(self, opener: SessionOpener) -> None:
        """Open the trip, then relay every core event as a Textual message (the one consumer)."""
        try:
            session = await opener(self.options)
        except PannierError as exc:
            self.post_message(WorkFailed(exc.title, exc.message))
            return
        except Exception as exc:
            self.post_message(WorkFailed("Could not open the trip", _describe(exc)))
            return
        self.session = session  # owned by the app from here on; closed in on_unmount
        self.post_message(SessionOpened(session))
        async for event in session.events():
            self.post_message(CoreEventArrived(event))

    def _in_background(
        self, label: str, job: Callable[[Session], Awaitable[Message | None]]
    ) -> None:
        """Run ``job`` in a worker, with the spinner, turning any failure into a notification."""
        session = self.session
        if session is None:
            self.notify("The trip is still opening.", title="One moment", severity="warning")
            return

        async def run() -> None:
            self.post_message(WorkStarted(label))
            try:
                async with self.trip_lock:  # one trip operation at a time, in order
                    result = await job(session)
                if result is not None:
                    self.post_message(result)
            except PannierError as exc:
                self.post_message(WorkFailed(exc.title, exc.message))
            except Exception as exc:
                self.post_message(WorkFailed("Unexpected error", _describe(exc)))
            finally:
                self.post_message(WorkEnded())

        self.run_worker(run(), group="background", exit_on_error=False)

    def recheck_if_waiting(self) -> Worker[None] | None:
        """The escalation timer's tick: re-check quietly in a worker while the inbox waits.

        The tick is skipped (None) while another trip job runs or the last re-check is unfinished;
        the next tick comes soon enough, and the UI never waits on the trip lock.
        """
        session = self.session
        inboxes = self.query(EscalationInbox)  # empty while the app tears its screen down
        if session is None or not inboxes or not inboxes.first().escalations:
            return None
        if self.busy or self.trip_lock.locked() or self.workers_in(RECHECK_GROUP):
            return None

        async def run() -> None:
            if self.trip_lock.locked():
                return  # a shopper's job got there first
            try:
                async with self.trip_lock:
                    escalations = await session.recheck()
            except PannierError as exc:
                self.post_message(WorkFailed(exc.title, exc.message))
            except Exception as exc:
                self.post_message(WorkFailed("Unexpected error", _describe(exc)))
            else:
                self.post_message(EscalationsChecked(escalations, by_timer=True))

        return self.run_worker(run(), group=RECHECK_GROUP, exit_on_error=False)

    def watch_orders(self, session: Session) -> None:
        """Poll the trip's open orders for as long as the app runs (cancelled with it); news
        arrives as core events, so this worker posts nothing itself."""

        async def run() -> None:
            try:
                await session.watch_orders()
            except PannierError as exc:
                self.post_message(WorkFailed(exc.title, exc.message))

        self.run_worker(run(), group=ORDER_WATCH_GROUP, exit_on_error=False)

    def workers_in(self, group: str) -> list[Worker[object]]:
        """This app's unfinished workers of ``group``."""
        return [w for w in self.workers if w.group == group and not w.is_finished]

    async def confirm(self, summary: PurchaseSummary) -> Approval:
        """The ``confirm`` callback handed to the core: ask the shopper in a modal and wait."""
        answer: asyncio.Future[Approval] = asyncio.get_running_loop().create_future()
        self.post_message(ConfirmRequested(summary, answer))
        return await answer

    def send(self, text: str, *, then: str = "") -> None:
        """Run one shopper turn in the background; ``then`` follows its reply (the keys, after
        the commands /help lists)."""

        async def job(session: Session) -> Message:
            reply, streamed = await session.turn(text, self.confirm)
            if then and not streamed:
                reply = f"{reply}\n{then}"
            return ReplyFinished(reply, streamed=streamed)

        self._in_background("thinking", job)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
