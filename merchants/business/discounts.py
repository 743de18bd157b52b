"""Discount codes: which apply, what they are worth, and warnings for the ones that do not."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from merchants.business.pricing import format_money, percent_of
from merchants.business.specs import StoreSpec


@dataclass(frozen=True)
class DiscountOutcome:
    """Applied discounts (one code at most per order), their total and the rejections."""

    amount: int = 0
    label: str = "Discount"
    applied: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)


def _warning(code: str, index: int, content: str) -> dict[str, Any]:
    return {
        "type": "warning",
        "code": code,
        "path": f"$.discounts.codes[{index}]",
        "content": content,
    }


def evaluate_discounts(codes: list[str] | None, spec: StoreSpec, subtotal: int) -> DiscountOutcome:
    """Apply the first acceptable code; matching is case-insensitive, one code per order."""
    if not codes:
        return DiscountOutcome()
    known = {d.code.upper(): d for d in spec.discounts}
    seen: set[str] = set()
    applied: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    amount, label = 0, "Discount"
    for index, raw in enumerate(codes):
        code = raw.strip().upper()
        rule = known.get(code)
        if code in seen:
            messages.append(
                _warning("discount_code_already_applied", index, f"{raw} is already applied.")
            )
            continue
        seen.add(code)
        if rule is None:
            messages.append(
                _warning("discount_code_invalid", index, f"{raw} is not a valid discount code.")
            )
        elif rule.expired:
            messages.append(
                _warning(
                    "discount_code_expired", index, f"{raw} has expired and no longer applies."
                )
            )
        elif subtotal < rule.min_subtotal:
            short = format_money(rule.min_subtotal - subtotal, spec.currency)
            minimum = format_money(rule.min_subtotal, spec.currency)
            messages.append(
                _warning(
                    "discount_code_min_spend",
                    index,
                    f"{rule.code} needs a subtotal of at least {minimum}: "
                    f"spend {short} more to use it.",
                )
            )
        elif applied:
            messages.append(
                _warning(
                    "discount_code_combination_disallowed",
                    index,
                    f"{rule.code} cannot be combined with {applied[0]['code']}; "
                    "only one code per order.",
                )
            )
        else:
            amount = percent_of(subtotal, rule.percent)
            label = f"{rule.code} ({rule.percent}% off)"
            if amount > 0:
                applied.append(
                    {
                        "code": rule.code,
                        "title": rule.title,
                        "amount": amount,
                        "automatic": False,
                        "method": "across",
                        "priority": 1,
                    }
                )
    return DiscountOutcome(amount=amount, label=label, applied=applied, messages=messages)
