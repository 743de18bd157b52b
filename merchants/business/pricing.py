"""Money arithmetic and totals: integer minor units only, never a float."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$"}
CURRENCY_EXPONENTS = {"JPY": 0, "KRW": 0}


def format_money(amount: int, currency: str) -> str:
    """``$1,234.50`` / ``€12.00`` / ``CHF 3.20``: for message content and pages only."""
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 10**exponent)
    number = f"{whole:,}" + (f".{fraction:0{exponent}d}" if exponent else "")
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{currency} {number}"


def percent_of(amount: int, percent: int) -> int:
    """``amount * percent / 100`` rounded half up, in integers (10% of 1,995 is 200)."""
    return (amount * percent + 50) // 100


def basis_points_of(amount: int, basis_points: int) -> int:
    """``amount * bp / 10,000`` rounded half up, in integers (6% is 600 bp)."""
    return (amount * basis_points + 5_000) // 10_000


@dataclass(frozen=True)
class Breakdown:
    """The numbers behind a ``totals`` array."""

    subtotal: int
    discount: int = 0  # positive magnitude of order-level discounts
    fulfillment: int | None = None  # None: no option chosen yet
    tax: int | None = None  # None: not estimated (carts)
    discount_label: str = "Discount"
    fulfillment_label: str = "Shipping"
    tax_label: str = "Tax"

    @property
    def total(self) -> int:
        return self.subtotal - self.discount + (self.fulfillment or 0) + (self.tax or 0)

    def to_wire(self) -> list[dict[str, Any]]:
        """One subtotal and one total; discounts negative; non-total entries sum to the total."""
        totals: list[dict[str, Any]] = [{"type": "subtotal", "amount": self.subtotal}]
        if self.discount > 0:
            totals.append(
                {"type": "discount", "amount": -self.discount, "display_text": self.discount_label}
            )
        if self.fulfillment is not None:
            totals.append(
                {
                    "type": "fulfillment",
                    "amount": self.fulfillment,
                    "display_text": self.fulfillment_label,
                }
            )
        if self.tax is not None:
            totals.append({"type": "tax", "amount": self.tax, "display_text": self.tax_label})
        totals.append({"type": "total", "amount": self.total})
        return totals
