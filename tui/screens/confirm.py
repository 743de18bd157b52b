"""Before money moves: each merchant's items, totals, instrument and the limits, then yes or no."""

from __future__ import annotations

from collections import defaultdict
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Static

from assistant.domain import Approval, MerchantSummary, Money, PurchaseSummary
from tui.safe import markup
from tui.widgets.shops import shown_totals


def render_merchant(summary: MerchantSummary) -> RenderableType:
    table = Table.grid(expand=True)
    table.add_column(ratio=1)
    table.add_column(justify="right")
    for line in summary.lines:
        price = ""
        if line.unit_price is not None:
            price = Money(
                amount=line.unit_price.amount * line.quantity, currency=line.unit_price.currency
            ).format()
        label = Text(f"{line.quantity} × {line.title}")
        if line.again:
            label.append("  again: you already ordered this", style="bold magenta")
        table.add_row(label, price)
    table.add_row(Text("─" * 16, style="dim"), "")
    for total in shown_totals(summary.totals):
        grand = total.type == "total"
        table.add_row(
            Text(total.label, style="bold" if grand else ""),
            Text(
                Money(amount=total.amount, currency=summary.total.currency).format(),
                style="bold" if grand else "",
            ),
        )
    return Group(table, Text(f"Pay with {summary.instrument}", style="dim"))


def grand_totals(summary: PurchaseSummary) -> list[Money]:
    """The grand total per currency across every merchant."""
    by_currency: dict[str, int] = defaultdict(int)
    for merchant in summary.merchants:
        by_currency[merchant.total.currency] += merchant.total.amount
    return [Money(amount=amount, currency=cur) for cur, amount in sorted(by_currency.items())]


def limits_line(summary: PurchaseSummary) -> str:
    """``per order USD 500.00 · EUR 500.00; per session USD 2,000.00`` (keys are
    ``per_order:USD``-style)."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for name, money in summary.limits.items():
        kind = name.split(":", 1)[0].replace("_", " ")
        by_kind[kind].append(money.format())
    return "; ".join(f"{kind} {' · '.join(amounts)}" for kind, amounts in by_kind.items())


def tick_label(merchant: MerchantSummary, ticked: bool) -> str:
    """The checkbox label says ticked or not in words too: colour alone is not enough."""
    mark = "✓ pay" if ticked else "– skip"
    return f"{mark}  {markup(merchant.merchant.name)} — {merchant.total.format()}"


def render_footer(summary: PurchaseSummary) -> RenderableType:
    lines = [
        Text("Grand total: " + " + ".join(m.format() for m in grand_totals(summary)), style="bold")
    ]
    if summary.placed:
        placed = ", ".join(
            f"{order.merchant.name} (order {order.order_id})" for order in summary.placed
        )
        lines.append(Text(f"Already placed, not charged again: {placed}", style="dim"))
    if summary.limits:
        lines.append(Text(f"Spending limits: {limits_line(summary)}", style="dim"))
    lines.append(
        Text(
            "Nothing is charged unless you approve it here. Space ticks a shop, p pays the "
            "ticked ones, a approves all, Esc cancels.",
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
                        yield Checkbox(
                            tick_label(merchant, False), value=False, id=f"approve-{index}"
                        )
                        yield Static(render_merchant(merchant), classes="confirm-detail")
            yield Static(render_footer(self.summary), id="confirm-footer")
            with Horizontal(id="confirm-buttons"):
                yield Button("Pay selected (p)", id="pay-selected", variant="primary")
                yield Button("Approve all (a)", id="approve-all", variant="success")
                yield Button("Cancel (esc)", id="decline", variant="error")

    def on_mount(self) -> None:
        if self.summary.merchants:
            self.query_one("#approve-0", Checkbox).focus()

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
