"""One card per shop: its lines (with disclosures beside them), totals as given, and a badge."""

from __future__ import annotations

import re

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from assistant.domain import (
    CANCELED,
    COMPLETE_IN_PROGRESS,
    COMPLETED,
    INCOMPLETE,
    READY_FOR_COMPLETE,
    REQUIRES_ESCALATION,
    BasketLine,
    MerchantState,
    Message,
    Money,
    Total,
)
from tui.safe import markup

# status -> (badge text, css-ish style)
BADGES: dict[str | None, tuple[str, str]] = {
    None: ("cart", "bold black on grey70"),
    INCOMPLETE: ("incomplete", "bold black on yellow"),
    REQUIRES_ESCALATION: ("needs you", "bold white on dark_orange3"),
    READY_FOR_COMPLETE: ("ready", "bold black on green3"),
    COMPLETE_IN_PROGRESS: ("placing…", "bold black on cyan"),
    COMPLETED: ("placed", "bold white on blue"),
    CANCELED: ("canceled", "bold white on grey35"),
}
IDLE_BADGE = ("open", "bold black on grey50")  # connected, nothing in the cart yet
_LINE_INDEX = re.compile(r"line_items\[(\d+)\]")


def badge(state: MerchantState) -> tuple[str, str]:
    """The checkout status as the shopper reads it."""
    if state.failure:
        return "unavailable", "bold white on red3"
    if state.order is not None and all(line.ordered for line in state.lines):
        return BADGES[COMPLETED]
    if state.status is None and not state.lines:
        return IDLE_BADGE
    return BADGES.get(state.status, (state.status or "cart", "bold black on grey70"))


def warnings_by_line(state: MerchantState) -> tuple[dict[int, list[Message]], list[Message]]:
    """Warnings (disclosures included) by the line index their ``path`` names; the rest apply
    to the whole order."""
    by_line: dict[int, list[Message]] = {}
    general: list[Message] = []
    for message in state.messages:
        if message.type != "warning":
            continue
        match = _LINE_INDEX.search(message.path or "")
        if match and int(match.group(1)) < len(state.lines):
            by_line.setdefault(int(match.group(1)), []).append(message)
        else:
            general.append(message)
    return by_line, general


def _notice(message: Message, indent: str = "") -> Text:
    """A disclosure (⚠, never dismissible) or another warning (!) from the merchant."""
    if message.is_disclosure:
        return Text(f"{indent}⚠ {message.content}", style="italic yellow")
    return Text(f"{indent}! {message.content}", style="yellow")


def _line_text(line: BasketLine) -> Text:
    text = Text(f"{line.quantity} × {line.title}", style="dim" if line.ordered else "")
    if line.handle:
        text.append(f"  #{line.handle}", style="dim")
    if line.ordered:
        text.append("  ✓ ordered", style="bold blue")
    elif line.again:
        text.append("  buying again", style="bold magenta")
    return text


def _price(line: BasketLine) -> str:
    if line.unit_price is None:
        return ""
    return Money(
        amount=line.unit_price.amount * line.quantity, currency=line.unit_price.currency
    ).format()


def shown_totals(totals: list[Total]) -> list[Total]:
    """Every totals line as the store sent it, except a zero tax line ("VAT (included) €0.00"
    reads like a bug and says nothing)."""
    return [t for t in totals if not (t.type == "tax" and t.amount == 0)]


def is_idle(state: MerchantState) -> bool:
    """Connected, nothing bought or carted here yet: a one-line card."""
    return badge(state) == IDLE_BADGE and not state.messages


def render_card(state: MerchantState) -> RenderableType:
    """The card body (also used by the confirmation modal's tests)."""
    label, style = badge(state)
    if is_idle(state):
        idle = Text()
        idle.append(state.merchant.name, style="bold")
        idle.append("  no cart yet", style="dim")
        return idle
    header = Text()  # the name is the card's border title; the badge says where it stands
    header.append(f" {label} ", style=style)
    parts: list[RenderableType] = [header]

    by_line, general = warnings_by_line(state)
    lines = Table.grid(expand=True)
    lines.add_column(ratio=1)
    lines.add_column(justify="right")
    for index, line in enumerate(state.lines):
        lines.add_row(_line_text(line), _price(line))
        for notice in by_line.get(index, []):
            lines.add_row(_notice(notice, indent="  "), "")
    if not state.lines:
        lines.add_row(Text("nothing in your cart here yet", style="dim"), "")
    parts.append(lines)

    if state.totals and state.currency:
        totals = Table.grid(expand=True)
        totals.add_column(ratio=1)
        totals.add_column(justify="right")
        for total in shown_totals(state.totals):
            amount = Money(amount=total.amount, currency=state.currency).format()
            is_grand = total.type == "total"
            totals.add_row(
                Text(total.label, style="bold" if is_grand else ""),
                Text(amount, style="bold" if is_grand else ""),
            )
        parts.append(Text("─" * 20, style="dim"))
        parts.append(totals)
    for notice in general:
        parts.append(_notice(notice))
    for question in state.questions:
        parts.append(Text(f"? {question}", style="bold yellow"))
    for message in state.messages:
        if message.is_error:
            parts.append(Text(f"✖ {message.content}", style="red"))
    if state.order is not None:
        parts.append(Text(f"order {state.order.order_id}", style="bold blue"))
    if state.failure:
        parts.append(Text(state.failure, style="red"))
    return Group(*parts)


def card_id(domain: str) -> str:
    return "shop-" + re.sub(r"[^a-zA-Z0-9_-]", "-", domain)


class ShopCard(Static):
    """One merchant's part of the trip."""

    def __init__(self, state: MerchantState) -> None:
        super().__init__(id=card_id(state.merchant.domain), classes="shop-card")
        self.state = state
        self.border_title = markup(state.merchant.name)

    def on_mount(self) -> None:
        self.show(self.state)

    def show(self, state: MerchantState) -> None:
        self.state = state
        self.update(render_card(state))
        self.set_class(badge(state)[0] == "needs you", "needs-you")
        self.set_class(is_idle(state), "idle")
        self.border_title = None if is_idle(state) else markup(state.merchant.name)


class ShopPanel(VerticalScroll):
    """The shop cards, in the order merchants first appeared."""

    def __init__(self) -> None:
        super().__init__(id="shops")
        self.border_title = "Shops"

    def show(self, state: MerchantState) -> None:
        """Create or refresh the card for ``state.merchant``."""
        existing = self.query(f"#{card_id(state.merchant.domain)}")
        if existing:
            existing.first(ShopCard).show(state)
        else:
            self.mount(ShopCard(state))

    def card(self, domain: str) -> ShopCard:
        return self.query_one(f"#{card_id(domain)}", ShopCard)

    @property
    def states(self) -> list[MerchantState]:
        return [card.state for card in self.query(ShopCard)]
