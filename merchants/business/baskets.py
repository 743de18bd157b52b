"""What carts and checkouts render alike: priced lines, the body's head, the discounts member.

Both bodies start ``{id, line_items, buyer?, context?, signals?, attribution?}`` and carry the
same ``discounts`` member; both price their lines and codes the same way. Each kind then adds
its own members in its own order (the wire order is kept byte for byte).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from merchants.business.discounts import DiscountOutcome, evaluate_discounts
from merchants.business.env import Env
from merchants.business.lines import line_messages, render_line
from merchants.business.state import Basket, Message


@dataclass(frozen=True, slots=True)
class Priced:
    """A basket's lines as the wire shows them, their subtotal and the codes' outcome."""

    line_items: list[dict[str, Any]]
    subtotal: int
    discounts: DiscountOutcome
    line_messages: list[Message]  # sold out, disclosures, age notices


def price(basket: Basket, env: Env) -> Priced:
    line_items = [render_line(line, env.catalog) for line in basket.lines]
    subtotal = sum(item["totals"][0]["amount"] for item in line_items)
    return Priced(
        line_items=line_items,
        subtotal=subtotal,
        discounts=evaluate_discounts(basket.discount_codes, env.spec, subtotal),
        line_messages=line_messages(basket.lines, env.catalog),
    )


def body_head(basket: Basket, priced: Priced) -> dict[str, Any]:
    """``id``, ``line_items`` and the buyer-given objects that are present."""
    body: dict[str, Any] = {"id": basket.id, "line_items": priced.line_items}
    for name, value in (
        ("buyer", basket.buyer),
        ("context", basket.context),
        ("signals", basket.signals),
        ("attribution", basket.attribution),
    ):
        if value is not None:
            body[name] = value
    return body


def discounts_member(basket: Basket, priced: Priced) -> dict[str, Any] | None:
    """The ``discounts`` member: the codes asked for and what applied (None: neither)."""
    if basket.discount_codes is None and not priced.discounts.applied:
        return None
    return {"codes": list(basket.discount_codes or []), "applied": priced.discounts.applied}
