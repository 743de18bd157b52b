"""The purchase ledger: each basket line's way from basket to checkout to ordered.

An ordered line is history. It stays in the session's basket so every view can show it, but it
never enters a new cart, checkout or purchase summary: buying it again is a separate act the
shopper asks for by name (``again``), and the summary says so.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import replace

from assistant.domain import IN_BASKET, IN_CHECKOUT, ORDERED, BasketLine, Checkout
from assistant.shopping.context import TripContext

LineKey = tuple[str, str]  # (merchant domain, variant id)


def key(line: BasketLine) -> LineKey:
    return (line.merchant.domain, line.variant_id)


def active(lines: Iterable[BasketLine]) -> list[BasketLine]:
    """The lines still to be bought (not yet ordered)."""
    return [line for line in lines if not line.ordered]


def ordered_keys(lines: Iterable[BasketLine]) -> set[LineKey]:
    return {key(line) for line in lines if line.ordered}


def new_basket(
    existing: list[BasketLine], wanted: list[BasketLine], again: Collection[LineKey] = ()
) -> tuple[list[BasketLine], list[BasketLine]]:
    """The basket after the shopper asked for ``wanted``, and the wanted lines left out.

    Ordered lines are kept whatever ``wanted`` says (an order cannot be un-placed). A wanted line
    for something already ordered is left out, unless the shopper asked to buy it again now
    (``again``) or earlier (an active line already marked ``again``).
    """
    ordered = ordered_keys(existing)
    asked_again = set(again) | {key(line) for line in existing if line.again and not line.ordered}
    kept: list[BasketLine] = []
    skipped: list[BasketLine] = []
    for line in wanted:
        if key(line) not in ordered:
            kept.append(line)
        elif key(line) in asked_again:
            kept.append(replace(line, again=True))
        else:
            skipped.append(line)
    history = [line for line in existing if line.ordered]
    return history + kept, skipped


def _checkout_quantities(checkout: Checkout) -> dict[str, int]:
    quantities: dict[str, int] = {}
    for item in checkout.line_items:
        quantities[item.item.id] = quantities.get(item.item.id, 0) + item.quantity
    return quantities


def mark_in_checkout(ctx: TripContext, domain: str, checkout: Checkout) -> None:
    """The merchant's basket lines that this checkout holds are now in checkout."""
    in_checkout = _checkout_quantities(checkout)
    _restage(
        ctx,
        lambda line: (
            replace(line, stage=IN_CHECKOUT)
            if line.merchant.domain == domain
            and not line.ordered
            and line.variant_id in in_checkout
            and line.stage != IN_CHECKOUT
            else line
        ),
    )


def back_to_basket(ctx: TripContext, domain: str) -> None:
    """The merchant's cart changed: its lines wait for a new checkout."""
    _restage(
        ctx,
        lambda line: (
            replace(line, stage=IN_BASKET)
            if line.merchant.domain == domain and line.stage == IN_CHECKOUT
            else line
        ),
    )


def mark_ordered(ctx: TripContext, domain: str, checkout: Checkout, order_id: str) -> None:
    """The lines this checkout bought are ordered (quantity as the store charged it)."""
    bought = _checkout_quantities(checkout)
    _restage(
        ctx,
        lambda line: (
            replace(line, stage=ORDERED, order_id=order_id, quantity=bought[line.variant_id])
            if line.merchant.domain == domain and not line.ordered and line.variant_id in bought
            else line
        ),
    )


def _restage(ctx: TripContext, change: Callable[[BasketLine], BasketLine]) -> None:
    ctx.state.set_lines([change(line) for line in ctx.state.lines()])
