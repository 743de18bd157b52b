"""The tool/protocol log: every UCP call, tool call and automatic fix, one line each."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import RichLog

from assistant.events import (
    AnswerRepaired,
    CartRecreated,
    DiscountRejected,
    Event,
    MerchantFailed,
    MerchantNegotiated,
    MessageAutoResolved,
    OrderUpdated,
    ProtocolCalled,
    ToolStarted,
    WebhookRejected,
)


def log_line(event: Event) -> Text | None:
    """The log line for ``event``, or None when the log does not show it."""
    if isinstance(event, ProtocolCalled):
        ok = event.outcome in ("ok", "success") or event.outcome.startswith("2")
        line = Text()
        line.append(f"{event.merchant.name:<22.22} ", style="bold")
        line.append(f"{event.operation:<20.20} ")
        line.append(f"{event.transport:<4} ", style="dim")
        line.append(f"{event.elapsed_ms:7.1f} ms ", style="cyan")
        line.append(event.outcome, style="green" if ok else "yellow")
        return line
    if isinstance(event, MerchantNegotiated):
        return Text(
            f"ucp   {event.merchant.name}: UCP {event.version} ({event.version_reason}), "
            f"{event.transport.upper()} ({event.transport_reason})",
            style="blue",
        )
    if isinstance(event, AnswerRepaired):
        notes = "; ".join(event.notes)
        return Text(f"read  {event.merchant.name} {event.operation}: {notes}", style="yellow")
    if isinstance(event, ToolStarted):
        arguments = ", ".join(f"{k}={v!r}" for k, v in event.arguments.items())
        return Text(f"tool  {event.name}({arguments})", style="magenta")
    if isinstance(event, MessageAutoResolved):
        return Text(f"fixed {event.merchant.name}: {event.fix}", style="green")
    if isinstance(event, DiscountRejected):
        return Text(
            f"code  {event.merchant.name} refused {event.code}: {event.reason}", style="yellow"
        )
    if isinstance(event, CartRecreated):
        return Text(f"cart  {event.merchant.name} rebuilt the cart: {event.reason}", style="yellow")
    if isinstance(event, MerchantFailed):
        return Text(f"fail  {event.merchant.name} {event.operation}: {event.reason}", style="red")
    if isinstance(event, OrderUpdated):
        order = event.order
        return Text(f"hook  {order.merchant.name} {order.order_id}: {order.status}", style="green")
    if isinstance(event, WebhookRejected):
        return Text(f"hook  refused, nothing changed: {event.reason}", style="red")
    return None


class ProtocolLog(RichLog):
    """Toggleable; keeps logging while hidden so nothing is lost."""

    def __init__(self) -> None:
        super().__init__(id="protocol-log", max_lines=2000, wrap=False, markup=False)
        self.border_title = "Protocol log"
        self.lines_logged = 0

    def on_mount(self) -> None:
        self.display = False

    def record(self, event: Event) -> None:
        line = log_line(event)
        if line is not None:
            self.write(line)
            self.lines_logged += 1
