"""The shopper's actions: footer keys and the command palette (open, copy, back, pay…)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual.app import SystemCommand
from textual.message import Message
from textual.screen import Screen

from tui.jobs import TripJobs
from tui.messages import EscalationsChecked, OrdersLoaded
from tui.session import Session
from tui.widgets.chat import ChatPane
from tui.widgets.inbox import EscalationInbox
from tui.widgets.orders import OrdersView
from tui.widgets.protocol_log import ProtocolLog

CONSOLE_BROWSERS = frozenset({"www-browser", "lynx", "links", "elinks", "w3m", "browsh"})


class TripActions(TripJobs):
    """Every action bound to a key is listed in the command palette too."""

    def action_open_url(self) -> None:
        escalation = self.query_one(EscalationInbox).selected
        if escalation is None:
            self.notify("Nothing needs you right now.", title="No open page")
            return
        url = escalation.continue_url
        if not self.browser_available():
            self.notify(
                f"No web browser can be opened from here. Open this link yourself "
                f"(F3 copies it):\n{url}",
                title=f"Open {escalation.merchant.name}'s page yourself",
                severity="warning",
                timeout=30,
            )
            return
        self.open_url(url)
        self.notify(url, title=f"Asked your browser to open {escalation.merchant.name}'s page")

    def browser_available(self) -> bool:
        """Whether a graphical browser can be opened (a console one would take our terminal)."""
        import webbrowser

        try:
            browser = webbrowser.get()
        except webbrowser.Error:
            return False
        name = getattr(browser, "name", "") or type(browser).__name__
        return Path(str(name)).name not in CONSOLE_BROWSERS

    def action_copy_url(self) -> None:
        escalation = self.query_one(EscalationInbox).selected
        if escalation is None:
            self.notify("Nothing needs you right now.", title="No link to copy")
            return
        self.copy_to_clipboard(escalation.continue_url)
        self.notify(escalation.continue_url, title="Link copied")

    def action_im_back(self) -> None:
        async def job(session: Session) -> Message:
            return EscalationsChecked(await session.recheck())

        self._in_background("re-checking", job)

    def action_orders(self) -> None:
        orders_view = self.query_one(OrdersView)
        if orders_view.display and self.session is None:
            orders_view.display = False
            return

        async def job(session: Session) -> Message:
            return OrdersLoaded(await session.orders(), await session.store_history())

        self._in_background("loading orders", job)

    def action_toggle_log(self) -> None:
        log = self.query_one(ProtocolLog)
        log.display = not log.display

    def action_checkout(self) -> None:
        self.query_one(ChatPane).add_line("you", "/checkout")
        self.send("/checkout")

    def action_buy(self) -> None:
        self.query_one(ChatPane).add_line("you", "/buy")
        self.send("/buy")

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Open escalation page",
            "Open the merchant's page in the browser (F2)",
            self.action_open_url,
        )
        yield SystemCommand(
            "Copy escalation link", "Copy the merchant's page URL (F3)", self.action_copy_url
        )
        yield SystemCommand(
            "I'm back", "Re-check what needed you at the merchant (F4)", self.action_im_back
        )
        yield SystemCommand("Orders", "Show this trip's orders (F5)", self.action_orders)
        yield SystemCommand(
            "Toggle protocol log",
            "Show or hide UCP calls and tool calls (F6)",
            self.action_toggle_log,
        )
        yield SystemCommand(
            "Check out", "Prepare checkout at every shop (F7)", self.action_checkout
        )
        yield SystemCommand("Pay", "Review and approve the purchase (F8)", self.action_buy)
