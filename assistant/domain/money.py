"""Money: integer minor units plus an ISO 4217 currency, never a float."""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict


def _json_number_only(value: object) -> object:
    """A string ("10.00", perhaps major units) or a bool is never read as minor units."""
    if isinstance(value, str | bool):
        raise ValueError("an amount must be a JSON integer of minor units")
    return value


MinorUnits = Annotated[int, BeforeValidator(_json_number_only)]
"""Integer minor units from the wire: a JSON integer (or 14.0), never a string or a bool."""


class Money(BaseModel):
    """An exact amount: integer minor units plus its ISO 4217 currency."""

    model_config = ConfigDict(frozen=True)

    amount: MinorUnits
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
