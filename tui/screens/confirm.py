"""Before money moves: each merchant's items, totals, instrument and the limits, then yes or no.

What each line says is the purchase summary's view (``assistant.views.PurchaseView``), the same
words ``pannier ask`` prints; this screen lays them out and styles them.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Static

from assistant.domain import Approval, MerchantSummary, PurchaseSummary
from assistant.views import MerchantSummaryView, PurchaseView
from assistant.views.purchase import AGAIN
from tui import safe

DIALOG_PERCENT = 96  # of the screen's height: #confirm-dialog's max-height in app.tcss
MIN_ITEM_ROWS = 3


def render_merchant(summary: MerchantSummary) -> RenderableType:
    view = MerchantSummaryView(summary)
    table = Table.grid(expand=True)
    table.add_column(ratio=1)
    table.add_column(justify="right")
    for row in view.line_rows():
        label = Text(row.label)
        if row.again:
            label.append(f"  {AGAIN}", style="bold magenta")
        table.add_row(label, row.price)
    table.add_row(Text("─" * 16, style="dim"), "")
    for total in view.total_rows():
        style = "bold" if total.grand else ""
        table.add_row(Text(total.label, style=style), Text(total.amount, style=style))
    terms = [Text(safe.plain(policy), style="dim") for policy in summary.policies]  # returns…
    if (pickup := view.pickup_line()) is not None:
        terms.insert(0, Text(pickup, style="cyan"))  # collected there, not delivered
    if (delivery := view.delivery_line()) is not None:
        terms.insert(0, Text(delivery, style="cyan"))  # where it goes: part of the yes
    return Group(table, *terms, Text(f"Pay with {safe.plain(summary.instrument)}", style="dim"))


def limits_line(summary: PurchaseSummary) -> str:
    return PurchaseView(summary).limits_line()


class TickBox(Checkbox):
    """A checkbox whose box is empty until ticked: Textual's shows an X either way (only its
    colour changes), which reads as ticked to a shopper seeing "X – skip"."""

    BUTTON_INNER = " "

    def watch_value(self) -> None:
        self.BUTTON_INNER = "✓" if self.value else " "
        super().watch_value()


def tick_label(merchant: MerchantSummary, ticked: bool) -> str:
    """The checkbox label says ticked or not in words too (colour alone is not enough); the
    box beside it holds the one tick mark ("▐✓▌ ✓ pay" read as a doubled tick)."""
    word = "pay" if ticked else "skip"
    return f"{word}  {safe.markup(merchant.merchant.name)} — {merchant.total.format()}"


def render_footer(summary: PurchaseSummary) -> RenderableType:
    view = PurchaseView(summary)
    lines = [Text(view.grand_total_text(), style="bold")]
    if placed := view.placed_line():
        lines.append(Text(placed, style="dim"))
    if summary.limits:
        lines.append(Text(f"Spending limits: {view.limits_line()}", style="dim"))
    lines.append(
        Text(
            "Nothing is charged unless you approve it here. Space ticks a shop, Tab goes to "
            "the next, p pays the ticked ones, a approves all, Esc cancels.",
            style="italic",
        )
    )
    return Group(*lines)


class ConfirmPurchase(ModalScreen[Approval]):
    """Approve merchants one by one or all; Esc declines everything."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "decline", "Cancel (charge nothing)"),
        Binding("a", "approve_all", "Approve all"),
        Binding("p", "pay_selected", "Pay selected"),
    ]

    def __init__(self, summary: PurchaseSummary) -> None:
        super().__init__(id="confirm-purchase")
        self.summary = summary

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog") as dialog:
            dialog.border_title = "Confirm purchase"
            with VerticalScroll(id="confirm-merchants"):
                for index, merchant in enumerate(self.summary.merchants):
                    with Vertical(classes="confirm-merchant"):
                        yield TickBox(
                            tick_label(merchant, False), value=False, id=f"approve-{index}"
                        )
                        yield Static(render_merchant(merchant), classes="confirm-detail")
            yield Static(render_footer(self.summary), id="confirm-footer")
            with Horizontal(id="confirm-buttons"):
                yield Button("Pay selected (p)", id="pay-selected", variant="primary")
                yield Button("Approve all (a)", id="approve-all", variant="success")
                yield Button("Cancel (esc)", id="decline", variant="error")
        # Its own keys at the bottom: the screen's footer below said F8, F7… which do nothing here.
        yield Footer()

    def on_mount(self) -> None:
        if self.summary.merchants:
            self.query_one("#approve-0", Checkbox).focus()
        self.call_after_refresh(self._fit_items)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_items)

    def _fit_items(self) -> None:
        """The items get the rows the total, the limits, the buttons and the keys leave: a fixed
        share (45vh) hid a second shop's delivery and card rows at 160x45 with a third of the
        screen empty, and the totals and buttons must stay on screen at 80x24."""
        if not self.is_attached:
            return
        dialog = self.query_one("#confirm-dialog")
        below = sum(
            self.query_one(selector).outer_size.height
            for selector in ("#confirm-footer", "#confirm-buttons")
        )
        screen_rows = self.size.height - self.query_one(Footer).outer_size.height
        room = screen_rows * DIALOG_PERCENT // 100 - below - dialog.styles.gutter.height
        self.query_one("#confirm-merchants").styles.max_height = max(MIN_ITEM_ROWS, room)

    @on(Checkbox.Changed)
    def _relabel(self, event: Checkbox.Changed) -> None:
        index = int((event.checkbox.id or "approve-0").rsplit("-", 1)[1])
        event.checkbox.label = tick_label(self.summary.merchants[index], event.value)

    def selected_domains(self) -> frozenset[str]:
        return frozenset(
            merchant.merchant.domain
            for index, merchant in enumerate(self.summary.merchants)
            if self.query_one(f"#approve-{index}", Checkbox).value
        )

    @on(Button.Pressed, "#pay-selected")
    def action_pay_selected(self) -> None:
        self.dismiss(self.summary.approve(self.selected_domains()))

    @on(Button.Pressed, "#approve-all")
    def action_approve_all(self) -> None:
        """Every shop shown, except one buying again what it already sold us (tick that one)."""
        domains = [m.merchant.domain for m in self.summary.merchants if not m.buys_again]
        self.dismiss(self.summary.approve(domains))

    @on(Button.Pressed, "#decline")
    def action_decline(self) -> None:
        self.dismiss(Approval.declined())
