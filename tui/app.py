"""The Pannier app shell: lays out the panes and routes worker messages to them.

Workers (``tui.jobs``) do the slow work (opening the trip, agent turns, re-checks) and only post
messages; the ``@on`` handlers here own every widget change. One worker consumes ``trip.bus``.
While the escalation inbox waits, a timer re-checks it every ``policy.escalation_recheck_s``
seconds. The keys and the command palette are ``tui.actions``.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from typing import ClassVar, TypeVar, cast

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, Input

from assistant.domain import Approval, MerchantState
from assistant.events import (
    CartUpdated,
    CheckoutResolved,
    DiscountRejected,
    EscalationCleared,
    EscalationRaised,
    MerchantFailed,
    OrderPlaced,
    OrderUpdated,
    QuestionRaised,
    TextDelta,
    TurnFinished,
)
from assistant.views import OrderView
from assistant.views.merchant import ready_to_buy
from tui import safe
from tui.actions import KEYS_HELP, TripActions
from tui.messages import (
    ConfirmRequested,
    CoreEventArrived,
    EscalationsChecked,
    OrdersLoaded,
    ReplyFinished,
    SessionOpened,
    WorkEnded,
    WorkFailed,
    WorkStarted,
)
from tui.screens.confirm import ConfirmPurchase
from tui.widgets.chat import ChatPane, HistoryInput
from tui.widgets.inbox import EscalationInbox
from tui.widgets.orders import OrdersView
from tui.widgets.protocol_log import ProtocolLog
from tui.widgets.shops import ShopPanel

EXIT_AFTER_FIRST_PAINT_ENV = "PANNIER_EXIT_AFTER_FIRST_PAINT"
FIRST_WORDS = (
    'Say what you want, like "red roses" or "coffee beans under $20"; /help lists the keys.'
)

_Handler = TypeVar("_Handler", bound=Callable[..., None])


def _while_running(handler: _Handler) -> _Handler:
    """Drop a worker's result that arrives while the app shuts down: its widgets are gone."""

    @functools.wraps(handler)
    def guarded(app: PannierApp, *args: object) -> None:
        if app.is_running:
            handler(app, *args)

    return cast(_Handler, guarded)


class PannierApp(TripActions):
    """Chat on the left, shops / escalations / orders on the right, protocol log below."""

    TITLE = "Pannier"
    CSS_PATH = "app.tcss"
    # At 80 columns the footer holds about 68 cells: F8 (pay) and Ctrl+Q (quit) were cut off
    # behind F2-F7. F2 and F4 show only while something needs the shopper (``check_action``);
    # F3 and F6 are in /help and the command palette, not the footer.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "open_url", "Open page"),
        Binding("f3", "copy_url", "Copy link", show=False),
        Binding("f4", "im_back", "I'm back"),
        Binding("f5", "orders", "Orders"),
        Binding("f6", "toggle_log", "Log", show=False),
        Binding("f7", "checkout", "Checkout"),
        Binding("f8", "buy", "Pay"),
        Binding("ctrl+q", "quit", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield ChatPane()
            with Vertical(id="side"):
                yield ShopPanel()
                yield EscalationInbox()
                yield OrdersView()
        yield ProtocolLog()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(ChatPane).border_title = "Chat"
        self.sub_title = f"opening session {self.options.session}…"
        if os.environ.get(EXIT_AFTER_FIRST_PAINT_ENV):
            self.call_after_refresh(self._first_paint)
        if self.opener is not None:
            # After the first paint: importing the core and starting stores must not delay it.
            self.call_after_refresh(self._start_session, self.opener)

    def _first_paint(self) -> None:
        self.first_paint_at = time.time()
        self.exit()

    async def on_unmount(self) -> None:
        if self.recheck_timer is not None:
            self.recheck_timer.stop()
        if self.session is not None:
            session, self.session = self.session, None
            await session.aclose()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification carries merchant text at some point: shown as written, safely."""
        super().notify(
            safe.markup(message) if markup else safe.plain(message),
            title=safe.plain(title),  # a toast title is never parsed as markup
            severity=severity,
            timeout=timeout,
            markup=True,
        )

    def on_key(self, event: events.Key) -> None:
        """Typing after Tab moved the focus to the shops, the inbox or the chat goes to the
        prompt: those letters were lost, with nothing on screen to say why."""
        if not event.is_printable or event.character is None or isinstance(self.focused, Input):
            return
        if isinstance(self.screen, ModalScreen):
            return  # the confirmation and the palette keep their own keys
        prompt = self.query_one(HistoryInput)
        if prompt.disabled:
            return
        prompt.focus()
        prompt.insert_text_at_cursor(event.character)
        event.stop()

    # --- handlers: they own widget state --------------------------------------------------------

    @on(SessionOpened)
    @_while_running
    def _session_opened(self, message: SessionOpened) -> None:
        self.sub_title = message.session.subtitle
        shops = self.query_one(ShopPanel)
        for merchant in message.session.merchants:  # every shop from the start, cart or not
            shops.show(MerchantState(merchant=merchant, lines=[]))
        for merchant, reason in message.session.unreachable:
            shops.show(MerchantState(merchant=merchant, lines=[], failure=f"unreachable: {reason}"))
        for state in message.session.state():
            shops.show(state)
        self.query_one(EscalationInbox).show(message.session.escalations())
        self.watch_orders(message.session)
        if message.session.escalation_recheck_s is not None:
            # Owned by the inbox, so it stops with it; on_unmount stops it before anything else.
            self.recheck_timer = self.query_one(EscalationInbox).set_interval(
                message.session.escalation_recheck_s, self.recheck_if_waiting
            )
        names = ", ".join(m.name for m in message.session.merchants)
        chat = self.query_one(ChatPane)
        earlier = message.session.transcript()
        for speaker, text in earlier:
            chat.add_line(speaker, text).add_class("done")
        if earlier:
            chat.add_line("system", "(resumed: the conversation so far is above)")
        if names:  # a new shopper's first question is what to type
            chat.add_line("system", f"Shopping at {names}. {FIRST_WORDS}")
        else:
            chat.add_line("system", "No shops answered.")
        chat.set_ready(True, "What are you looking for? (/help)")  # whole at 80 columns

    @on(Input.Submitted, "#prompt")
    def _prompt_submitted(self, message: Input.Submitted) -> None:
        text = message.value.strip()
        if not text:
            return
        if self.busy:
            self.notify("Still working on the last request.", title="One moment")
            return
        prompt = self.query_one(HistoryInput)
        prompt.remember(text)
        prompt.value = ""
        self.query_one(ChatPane).add_line("you", text)
        self.send(text, then=KEYS_HELP if text.lower() == "/help" else "")

    @on(CoreEventArrived)
    @_while_running
    def _core_event(self, message: CoreEventArrived) -> None:
        event = message.event
        self.query_one(ProtocolLog).record(event)
        if isinstance(event, TextDelta):
            self.query_one(ChatPane).stream(event.text)
        elif isinstance(event, TurnFinished):
            self.query_one(ChatPane).finish_reply(event.reply)
            self._reconcile()
        elif isinstance(event, CartUpdated | CheckoutResolved):
            self.query_one(ShopPanel).show(event.state)
        elif isinstance(event, EscalationRaised):
            self.query_one(EscalationInbox).raise_(event.escalation)
            self.notify(
                f"{event.escalation.merchant.name} needs you: F2 opens the page, F4 when done.",
                title="Action needed",
                severity="warning",
            )
        elif isinstance(event, EscalationCleared):
            self.query_one(EscalationInbox).clear_one(event.escalation)
        elif isinstance(event, OrderUpdated):
            if self.query_one(OrdersView).add(event.order):  # a new step, not a new word
                self.query_one(ChatPane).notice(OrderView(event.order).news())
        elif isinstance(event, OrderPlaced):
            self.query_one(OrdersView).add(event.order)
            self.notify(
                f"{event.order.merchant.name}: order {event.order.order_id}", title="Order placed"
            )
        elif isinstance(event, MerchantFailed):
            self.notify(
                f"{event.operation}: {event.reason}",
                title=f"{event.merchant.name} failed",
                severity="error",
            )
        elif isinstance(event, QuestionRaised):
            self.notify(event.prompt, title=f"{event.merchant.name} asks", severity="warning")
        elif isinstance(event, DiscountRejected):
            self.notify(
                f"{event.code}: {event.reason}",
                title=f"{event.merchant.name} refused a code",
                severity="warning",
            )

    @on(ReplyFinished)
    @_while_running
    def _reply_finished(self, message: ReplyFinished) -> None:
        if not message.streamed:
            self.query_one(ChatPane).finish_reply(message.reply)
        self._reconcile()

    @on(WorkStarted)
    @_while_running
    def _work_started(self, message: WorkStarted) -> None:
        self.busy += 1
        self.query_one(ChatPane).set_working(True)

    @on(WorkEnded)
    @_while_running
    def _work_ended(self) -> None:
        self.busy = max(0, self.busy - 1)
        self.jobs_done += 1
        self.query_one(ChatPane).set_working(self.busy > 0)

    @on(WorkFailed)
    @_while_running
    def _work_failed(self, message: WorkFailed) -> None:
        self.notify(message.text, title=message.title, severity="error", timeout=10)
        chat = self.query_one(ChatPane)
        chat.settle()
        chat.add_line("system", f"{message.title}: {message.text}")
        if self.session is None:
            self.sub_title = "not connected"
        self._reconcile()

    @on(ConfirmRequested)
    def _confirm_requested(self, message: ConfirmRequested) -> None:
        answer = message.answer
        if not self.is_running:  # closing: nobody can say yes, so nothing is charged
            answer.set_result(Approval.declined())
            return

        def resolve(approval: Approval | None) -> None:
            if not answer.done():
                answer.set_result(approval or Approval.declined())

        self.push_screen(ConfirmPurchase(message.summary), callback=resolve)

    @on(EscalationsChecked)
    @_while_running
    def _escalations_checked(self, message: EscalationsChecked) -> None:
        self.query_one(EscalationInbox).show(message.escalations)
        self._reconcile()
        if message.by_timer:
            return  # settled ones announce themselves (OrderPlaced); the rest just keep waiting
        waiting = [e for e in message.escalations if e.state == "open"]
        if waiting:
            names = ", ".join(e.merchant.name for e in waiting)
            self.notify(f"Still waiting on {names}.", title="Not done yet", severity="warning")
        elif ready := ready_to_buy(self.session.state() if self.session is not None else []):
            # Back from the store's page, paying is what is left: say how.
            self.notify(f"{ready} F8 reviews the totals and pays.", title="All clear")
        else:
            self.notify("Nothing needs you any more.", title="All clear")

    @on(OrdersLoaded)
    @_while_running
    def _orders_loaded(self, message: OrdersLoaded) -> None:
        self.query_one(OrdersView).show(message.orders, message.history)

    def _reconcile(self) -> None:
        """Bring the cards and the inbox in line with the trip's own (in-memory) state."""
        if self.session is None:
            return
        shops = self.query_one(ShopPanel)
        for state in self.session.state():
            shops.show(state)
        self.query_one(EscalationInbox).show(self.session.escalations())
