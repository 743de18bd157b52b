"""One card per shop: its lines (with disclosures beside them), totals as given, and a badge.

The words (the badge's status, each line's price, which totals show, which warning belongs to
which line) are the merchant state's view (``assistant.views.MerchantStateView``); the card only
lays them out and styles them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from assistant.domain import (
    REQUIRES_BUYER_INPUT,
    REQUIRES_BUYER_REVIEW,
    BasketLine,
    MerchantState,
    Message,
)
from assistant.views import MerchantStateView
from assistant.views.merchant import IDLE, UNAVAILABLE, line_price
from tui.safe import markup, plain

# the view's status word -> its badge style
BADGE_STYLES: dict[str, str] = {
    "cart": "bold black on grey70",
    "incomplete": "bold black on yellow",
    "needs you": "bold white on dark_orange3",
    "ready": "bold black on green3",
    "placing…": "bold black on cyan",
    "placed": "bold white on blue",
    "canceled": "bold white on grey35",
    UNAVAILABLE: "bold white on red3",
    IDLE: "bold black on grey50",
}
OTHER_STYLE = "bold black on grey70"
# A store's errors that are what the shopper does next on its page (verify an age, review).
FOR_THE_SHOPPER: Final = frozenset({REQUIRES_BUYER_INPUT, REQUIRES_BUYER_REVIEW})


def badge(state: MerchantState) -> tuple[str, str]:
    """The checkout status as the shopper reads it, and its style."""
    word = MerchantStateView(state).status_word()
    return word, BADGE_STYLES.get(word, OTHER_STYLE)


def _notice(message: Message, indent: int = 0) -> RenderableType:
    """A disclosure (⚠, never dismissible) or another warning (!) from the merchant."""
    if message.is_disclosure:
        return _marked("⚠", plain(message.content), "italic yellow", indent)
    return _marked("!", plain(message.content), "yellow", indent)


def _line_text(line: BasketLine) -> Text:
    text = Text(f"{line.quantity} × {plain(line.title)}", style="dim" if line.ordered else "")
    if line.handle:
        text.append(f"  #{line.handle}", style="dim")
    if line.ordered:
        text.append("  ✓ ordered", style="bold blue")
    elif line.again:
        text.append("  buying again", style="bold magenta")
    return text


def _marked(mark: str, words: str, style: str, indent: int = 0) -> RenderableType:
    """Words after their mark (⌂ → ! ⚠ ? ▸ ✖): a wrapped line stays under the words, so the
    mark still starts the item in a narrow card."""
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(Text(mark, style=style), Text(words, style=style))
    return Padding(grid, (0, 0, 0, indent)) if indent else grid


NO_CART: Final = "no cart yet"


@dataclass(frozen=True)
class IdleLine:
    """A shop with no cart: its name and "no cart yet" on one line where both fit, else the
    words whole on the line below (a wrap that split them read "no cart" and hid "yet")."""

    name: str

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        name = Text(self.name, style="bold")
        if cell_len(self.name) + 2 + len(NO_CART) <= options.max_width:
            yield name.append(f"  {NO_CART}", style="dim")
        else:
            yield name
            yield Text(f"  {NO_CART}", style="dim")


def render_card(state: MerchantState) -> RenderableType:
    """The card body (also used by the confirmation modal's tests)."""
    view = MerchantStateView(state)
    label, style = badge(state)
    if view.is_idle:
        return IdleLine(plain(state.merchant.name))
    header = Text()  # the name is the card's border title; the badge says where it stands
    header.append(f" {label} ", style=style)
    parts: list[RenderableType] = [header]

    by_line, general = view.warnings_by_line()
    lines = Table.grid(expand=True, padding=(0, 1))
    lines.add_column(ratio=1)
    lines.add_column(justify="right")
    for index, line in enumerate(state.lines):
        lines.add_row(_line_text(line), line_price(line))
        for notice in by_line.get(index, []):
            lines.add_row(_notice(notice, indent=2), "")
    if not state.lines:
        lines.add_row(Text("nothing in your cart here yet", style="dim"), "")
    parts.append(lines)
    if (pickup := view.pickup_line()) is not None:
        parts.append(_marked("⌂", pickup, "cyan"))  # collected, not delivered
    if (delivery := view.delivery_line()) is not None:  # where it goes, read before the yes
        refused = view.delivery_refused  # "Cannot deliver to …": the store said so
        parts.append(_marked("✖" if refused else "→", delivery, "yellow" if refused else "cyan"))

    if state.totals and state.currency:
        totals = Table.grid(expand=True, padding=(0, 1))
        totals.add_column(ratio=1)
        totals.add_column(justify="right")
        for row in view.total_rows():
            style = "bold" if row.grand else ""
            totals.add_row(Text(row.label, style=style), Text(row.amount, style=style))
        parts.append(Text("─" * 20, style="dim"))
        parts.append(totals)
    for notice in general:
        parts.append(_notice(notice))
    for question in state.questions:
        parts.append(_marked("?", plain(question), "bold yellow"))
    for message in state.messages:
        if message.is_error and message.severity in FOR_THE_SHOPPER:  # the next step, not a fault
            parts.append(_marked("▸", plain(message.content), "bold dark_orange3"))
        elif message.is_error:
            parts.append(_marked("✖", plain(message.content), "red"))
    if state.order is not None:
        parts.append(Text(f"order {plain(state.order.order_id)}", style="bold blue"))
    if state.failure:
        parts.append(Text(plain(state.failure), style="red"))
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
        idle = MerchantStateView(state).is_idle
        self.set_class(idle, "idle")
        self.border_title = None if idle else markup(state.merchant.name)


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
