"""A purchase summary: what the shopper must see, per store, before anything is charged."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Final

from assistant.domain import MerchantSummary, Money, PurchaseSummary
from assistant.views.common import TotalRow, money_json, said, total_rows
from assistant.views.delivery import delivery_line
from assistant.views.location import pickup_line
from assistant.views.merchant import line_price

AGAIN: Final = "again: you already ordered this"
LABEL_WIDTH: Final = 28


@dataclass(frozen=True)
class LineRow:
    label: str  # "2 × Red Roses"
    price: str  # "" before the store priced it
    again: bool


@dataclass(frozen=True)
class MerchantSummaryView:
    """One store's part of a purchase."""

    part: MerchantSummary

    @property
    def store(self) -> str:
        return said(self.part.merchant.name)

    def line_rows(self) -> list[LineRow]:
        return [
            LineRow(f"{line.quantity} × {said(line.title)}", line_price(line), line.again)
            for line in self.part.lines
        ]

    def total_rows(self) -> list[TotalRow]:
        return total_rows(self.part.totals, self.part.total.currency)

    def pickup_line(self) -> str | None:
        """``Pickup at <location>``, where the order is collected instead of delivered."""
        return pickup_line(self.part.pickup) if self.part.pickup is not None else None

    def delivery_line(self) -> str | None:
        """``Deliver to <place>``, where the order is delivered (None: collected, or no place)."""
        return delivery_line(self.part.delivery) if self.part.delivery is not None else None

    def lines(self) -> list[str]:
        out = [f"  {self.store} — paid with {said(self.part.instrument)}"]
        for place in (self.pickup_line(), self.delivery_line()):
            if place is not None:
                out.append(f"    {place}")
        out += [
            f"    {row.label}" + (f"  ({AGAIN})" if row.again else "") for row in self.line_rows()
        ]
        out += [f"    {row.label:<{LABEL_WIDTH}} {row.amount}" for row in self.total_rows()]
        return out

    def for_script(self) -> dict[str, Any]:
        part = self.part
        return {
            "store": part.merchant.name,
            "domain": part.merchant.domain,
            "checkout_id": part.checkout_id,
            "instrument": part.instrument,
            "pickup": part.pickup,
            "delivery": part.delivery,
            "total": money_json(part.total.amount, part.total.currency),
            "lines": [
                {"title": line.title, "quantity": line.quantity, "again": line.again}
                for line in part.lines
            ],
        }


@dataclass(frozen=True)
class PurchaseView:
    summary: PurchaseSummary

    @property
    def parts(self) -> list[MerchantSummaryView]:
        return [MerchantSummaryView(part) for part in self.summary.merchants]

    def lines(self, *, approving: bool = False) -> list[str]:
        """Per store its items, every totals line and the card, under what is being asked."""
        head = "Approving this purchase (--approve):" if approving else "Purchase to approve:"
        return [head] + [line for part in self.parts for line in part.lines()]

    def for_script(self, approved: bool) -> dict[str, Any]:
        """The summary put to the shopper this turn, and whether --approve said yes to it."""
        return {
            "digest": self.summary.digest,
            "approved": approved,
            "stores": [part.for_script() for part in self.parts],
        }

    def grand_totals(self) -> list[Money]:
        """The grand total per currency across every merchant."""
        by_currency: dict[str, int] = defaultdict(int)
        for merchant in self.summary.merchants:
            by_currency[merchant.total.currency] += merchant.total.amount
        return [Money(amount=amount, currency=cur) for cur, amount in sorted(by_currency.items())]

    def grand_total_text(self) -> str:
        return "Grand total: " + " + ".join(m.format() for m in self.grand_totals())

    def limits_line(self) -> str:
        """``per order USD 500.00 · EUR 500.00; per session USD 2,000.00`` (keys are
        ``per_order:USD``-style)."""
        by_kind: dict[str, list[str]] = defaultdict(list)
        for name, money in self.summary.limits.items():
            kind = name.split(":", 1)[0].replace("_", " ")
            by_kind[kind].append(money.format())
        return "; ".join(f"{kind} {' · '.join(amounts)}" for kind, amounts in by_kind.items())

    def placed_line(self) -> str:
        """This session's orders already placed, which this purchase does not charge again."""
        placed = ", ".join(
            f"{said(order.merchant.name)} (order {said(order.order_id)})"
            for order in self.summary.placed
        )
        return f"Already placed, not charged again: {placed}" if placed else ""
