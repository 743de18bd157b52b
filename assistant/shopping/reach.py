"""Where each store delivers, as its answers taught us: the shopper's addresses it refused.

UCP tells a platform no store's ship-to countries, so the first checkout at a store that cannot
deliver to the buyer's default address costs an update that switches to the next address (and
only then does the store offer the delivery options a second update chooses). A store's
``address_undeliverable`` is remembered, per store and across trips (``TripState`` keeps it):
refused at the country when the message points at ``address_country``, else at the one address.
A checkout is then opened at the first of the shopper's saved addresses the store has not
refused, saying so; an address the store later takes (it offers delivery options there) is no
longer refused.

What the shopper chose explicitly (``ship_to``, an address given in the conversation) always
wins: this decides only the default, where a shopper expects "the address that store ships to"
rather than a refusal they have already seen once.
"""

from __future__ import annotations

import re
from typing import Final

from assistant.config import BuyerConfig
from assistant.domain import Checkout
from assistant.shopping.context import TripContext
from assistant.shopping.delivery import address_note

UNDELIVERABLE: Final = "address_undeliverable"
_DESTINATION: Final = re.compile(
    r"^\$\.fulfillment\.methods\[(\d+)\]\.destinations\[(\d+)\](\.address_country)?"
)


def learn(ctx: TripContext, domain: str, checkout: Checkout) -> None:
    """Remember the addresses the store refused in this answer; forget one it now takes."""
    if checkout.fulfillment is None:
        return
    methods = checkout.fulfillment.methods
    refused: set[int] = set()
    for message in checkout.messages:
        if message.code != UNDELIVERABLE or not message.is_error:
            continue
        match = _DESTINATION.match(message.path or "")
        if match is None:
            continue
        m, d = int(match[1]), int(match[2])
        if m >= len(methods) or methods[m].type != "shipping" or d >= len(methods[m].destinations):
            continue
        refused.add(m)
        ctx.state.refuse_address(domain, methods[m].destinations[d], whole_country=bool(match[3]))
    if not ctx.state.refuses_any(domain):
        return  # nothing to forget (the common case: every answer of every shop comes here)
    for m, method in enumerate(methods):
        if m in refused or method.type != "shipping" or not method.destinations:
            continue
        if any(group.options for group in method.groups):
            taken = next(
                (d for d in method.destinations if d.id == method.selected_destination_id),
                method.destinations[0],
            )
            ctx.state.take_address(domain, taken)


def buyer_for(ctx: TripContext, domain: str) -> tuple[BuyerConfig, str]:
    """The shopper's profile as this store sees it: the addresses it refused after the others
    (the first is its default), and, when the default moved, a few words saying why."""
    buyer = ctx.config.buyer
    refused = [a for a in buyer.addresses if ctx.state.refused(domain, a)]
    if not refused or len(refused) == len(buyer.addresses):
        return buyer, ""
    taken = [a for a in buyer.addresses if not ctx.state.refused(domain, a)]
    reordered = buyer.model_copy(update={"addresses": [*taken, *refused]})
    if buyer.addresses[0] not in refused:
        return reordered, ""
    passed = "; ".join(address_note(a) for a in buyer.addresses[: buyer.addresses.index(taken[0])])
    return reordered, f" ({ctx.merchant(domain).name} could not deliver to {passed} before)"
