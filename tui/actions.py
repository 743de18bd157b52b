"""The shopper's actions: footer keys and the command palette (open, copy, back, pay…)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Final

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
# In the footer only while something needs the shopper: at 80 columns it has no room to spare.
NEEDS_YOU_ACTIONS: Final = frozenset({"open_url", "im_back"})
# The keys, for /help: the footer shows only some of them at 80 columns.
KEYS_HELP: Final = """\
Keys:
  F8 pay: every shop's total to approve first, nothing charged before
  F7 check out at every shop
  F2 open the page of a shop that needs you · F3 copy its link
  F4 I'm back from that page
  F5 show or hide your orders · F6 protocol log · Ctrl+P every action
  PageUp/PageDown scroll the chat · Up/Down your earlier lines
  Ctrl+Q quit (your basket is kept for next time)
Or just say what you want: "red roses", "add the first one", "buy"; "help" says more."""


class TripActions(TripJobs):
    """Every action bound to a key is listed in the command palette too."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """F2 and F4 only while the Needs-you panel holds something (the footer then shows
        them); the palette still offers them, and says when nothing needs the shopper."""
        if action in NEEDS_YOU_ACTIONS:
            inboxes = self.query(EscalationInbox)
            return bool(inboxes) and bool(inboxes.first().escalations)
        return True

    def action_help_quit(self) -> None:
        """Ctrl+C: Textual's own hint carries markup ("[b]ctrl+q[/b]") our notify shows as
        written, so say it in plain words."""
        self.notify("Press Ctrl+Q to quit. Your basket is kept for next time.", title="Quit?")

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
        """F5 shows the orders (asking the stores for news) and hides them again: at 80x24
        they took the shop cards' rows for the rest of the trip."""
        orders_view = self.query_one(OrdersView)
        if orders_view.display:
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
            "Open the store's page",
            "Open the page of a shop that needs you, in the browser (F2)",
            self.action_open_url,
        )
        yield SystemCommand(
            "Copy the store page's link",
            "Copy the link of the page of a shop that needs you (F3)",
            self.action_copy_url,
        )
        yield SystemCommand(
            "I'm back", "Re-check what needed you at the shop's page (F4)", self.action_im_back
        )
        yield SystemCommand("Orders", "Show or hide this trip's orders (F5)", self.action_orders)
        yield SystemCommand(
            "Toggle protocol log",
            "Show or hide UCP calls and tool calls (F6)",
            self.action_toggle_log,
        )
        yield SystemCommand(
            "Check out", "Prepare checkout at every shop (F7)", self.action_checkout
        )
        yield SystemCommand("Pay", "Review and approve the purchase (F8)", self.action_buy)
