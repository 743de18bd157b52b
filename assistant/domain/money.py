"""Money: integer minor units plus an ISO 4217 currency, never a float."""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict


class Money(BaseModel):
    """An exact amount: integer minor units plus its ISO 4217 currency."""

    model_config = ConfigDict(frozen=True)

    amount: int
    currency: str

    def format(self) -> str:
        """Human form, e.g. ``USD 12.50`` or ``JPY 1200``."""
        exponent = currency_exponent(self.currency)
        sign = "-" if self.amount < 0 else ""
        whole, frac = divmod(abs(self.amount), 10**exponent) if exponent else (abs(self.amount), 0)
        if exponent == 0:
            return f"{sign}{self.currency} {whole}"
        return f"{sign}{self.currency} {whole}.{frac:0{exponent}d}"

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(amount=self.amount + other.amount, currency=self.currency)


_ZERO_DECIMAL_CURRENCIES: Final = frozenset(
    {"JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF"}
)
_THREE_DECIMAL_CURRENCIES: Final = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


def currency_exponent(currency: str) -> int:
    """Digits after the decimal point for a currency's minor unit."""
    if currency in _ZERO_DECIMAL_CURRENCIES:
        return 0
    if currency in _THREE_DECIMAL_CURRENCIES:
        return 3
    return 2
