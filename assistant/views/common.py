"""What every view shares: clipping, money shapes, merchant messages, the merchant_data boundary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from assistant.domain import BasketLine, MerchantRef, Message, Money, Total
from assistant.safe_text import terminal_safe

DESCRIPTION_CHARS: Final = 240  # merchant text is clipped: enough to choose, cheap in tokens


def line_ref(line: BasketLine) -> str:
    """How a basket line is named back: "#7", the session's handle for its item (a bare number
    is the latest listing's), else its item id."""
    return f"#{line.handle}" if line.handle else line.variant_id


def clip(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters (an ellipsis says it was cut)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def said(text: str | None) -> str:
    """A merchant's words as one line of shopper text: no control character, no line break."""
    return terminal_safe(text or "")


def money_text(value: Money | None) -> str | None:
    return value.format() if value is not None else None


def money_json(amount: int, currency: str | None) -> dict[str, Any]:
    """Money in a script's document: minor units, currency and a display string."""
    display = Money(amount=amount, currency=currency).format() if currency else None
    return {"amount": amount, "currency": currency, "display": display}


def store_data(merchant: MerchantRef, **more: Any) -> dict[str, Any]:
    """What a store says about itself (its name, its links) belongs to merchant_data."""
    return {"store_name": merchant.name, **{k: v for k, v in more.items() if v}}


def messages_for_model(messages: Sequence[Message]) -> list[dict[str, Any]]:
    return [
        {
            key: value
            for key, value in {
                "type": m.type,
                "code": m.code,
                "severity": m.severity,
                "content": clip(m.content, DESCRIPTION_CHARS),
            }.items()
            if value
        }
        for m in messages
    ]


def message_for_script(message: Message) -> dict[str, Any]:
    return {
        "type": message.type,
        "code": message.code,
        "severity": message.severity,
        "content": message.content,
    }


def totals_by_type(totals: Sequence[Total], currency: str | None) -> dict[str, str]:
    """Display amounts by totals type; a type that repeats (two discounts) shows their sum."""
    if currency is None:
        return {}
    amounts: dict[str, int] = {}
    for total in totals:
        amounts[total.type] = amounts.get(total.type, 0) + total.amount
    return {
        kind: Money(amount=amount, currency=currency).format() for kind, amount in amounts.items()
    }


def shown_totals(totals: Sequence[Total]) -> list[Total]:
    """Every totals line as the store sent it, except a zero tax line ("VAT (included) €0.00"
    reads like a bug and says nothing)."""
    return [t for t in totals if not (t.type == "tax" and t.amount == 0)]


@dataclass(frozen=True)
class TotalRow:
    """One totals line as shown: the store's label, the amount, whether it is the grand total."""

    label: str
    amount: str
    grand: bool


def total_rows(totals: Sequence[Total], currency: str) -> list[TotalRow]:
    return [
        TotalRow(
            said(total.label),
            Money(amount=total.amount, currency=currency).format(),
            total.type == "total",
        )
        for total in shown_totals(totals)
    ]
