"""Decisions the resolve loop takes over a checkout: pure functions from a response to the next PUT.

Nothing here talks to a merchant. ``plan_fixes`` reads a ``Checkout``'s ``recoverable`` messages and
returns the full writable state to send next plus, for each change, one sentence saying what was
changed and why. What it may not decide alone becomes a question; what it cannot fix is surfaced.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from assistant.config import BuyerConfig, PolicyConfig
from assistant.domain import (
    RECOVERABLE,
    Buyer,
    Checkout,
    Message,
    PostalAddress,
)
from assistant.domain.destination import ADDRESS_CODES
from assistant.shopping.delivery import (
    address_note,
    apply_chosen_options,
    next_address,
    no_address_question,
    same_address,
    select_destination,
    select_option,
    with_names,
)
from assistant.shopping.pickup_plan import apply_pickup
from assistant.shopping.state import Wanted
from assistant.ucp.requests import (
    CheckoutRequest,
    FulfillmentMethodRequest,
    LineItemRequest,
)

CONFIG_FILE: Final = "your config file"
# A checkout needs ~3 updates (buyer + address, delivery option, done); past this, surface.
MAX_RESOLVE_ROUNDS: Final = 6

STOCK_CODES: Final = frozenset({"out_of_stock", "quantity_adjusted", "insufficient_stock"})
BUYER_FIELDS: Final = ("email", "first_name", "last_name", "phone_number")

_LINE_PATH: Final = re.compile(r"^\$\.line_items\[(\d+)\]")
_GROUP_PATH: Final = re.compile(
    r"^\$\.fulfillment\.methods\[(\d+)\]\.groups\[(\d+)\](?:\.selected_option_id)?$"
)
_DISCOUNT_PATH: Final = re.compile(r"^\$\.discounts\.codes\[(\d+)\]")
_BUYER_PATH: Final = re.compile(r"^\$\.buyer(?:\.(\w+))?$")
_DESTINATION_PATH: Final = re.compile(r"^\$\.fulfillment\.methods\[(\d+)\]\.destinations")
_SELECTED_DESTINATION_PATH: Final = re.compile(
    r"^\$\.fulfillment\.methods\[(\d+)\]\.selected_destination_id$"
)


@dataclass(frozen=True)
class Fix:
    message: Message
    description: str


@dataclass(frozen=True)
class Plan:
    """What to send next, and why."""

    request: CheckoutRequest
    changed: bool  # False: nothing worth sending
    fixes: list[Fix] = field(default_factory=list)
    unresolved: list[Message] = field(default_factory=list)  # recoverable, but not by us
    questions: list[tuple[Message, str]] = field(default_factory=list)  # (message, prompt)
    accepted_quantities: dict[str, int] = field(default_factory=dict)  # variant id -> quantity


def message_key(message: Message) -> tuple[str | None, str | None]:
    return (message.code, message.path)


IMPLIED_CONTENT: Final = "The store did not say so, but its checkout cannot complete without it."


def implied_needs(checkout: Checkout, *, delivers: bool) -> list[Message]:
    """What a silent merchant's checkout still lacks, as the messages a talkative one would send.

    Only when the merchant sent no recoverable message itself and offers fulfillment: then a
    checkout without a shipping method, a selected destination or a selected option would be
    refused at completion (the 2026-01-11 sample merchant says nothing until then).
    """
    if not delivers or checkout.recoverable_errors or checkout.status in ("completed", "canceled"):
        return []

    def need(code: str, path: str) -> Message:
        return Message(
            type="error", code=code, path=path, severity=RECOVERABLE, content=IMPLIED_CONTENT
        )

    methods = checkout.fulfillment.methods if checkout.fulfillment is not None else []
    if not methods:
        return [need("fulfillment_required", "$.fulfillment")]
    needs: list[Message] = []
    for m, method in enumerate(methods):
        if method.type != "shipping":
            continue
        if method.destinations and method.selected_destination_id is None:
            needs.append(
                need(
                    "destination_unselected", f"$.fulfillment.methods[{m}].selected_destination_id"
                )
            )
            continue
        for g, group in enumerate(method.groups):
            if group.options and group.selected_option_id is None:
                needs.append(need("option_unselected", f"$.fulfillment.methods[{m}].groups[{g}]"))
    return needs


def plan_fixes(
    checkout: Checkout,
    *,
    wanted: Wanted,
    implied: Sequence[Message] = (),
    buyer: BuyerConfig,
    policy: PolicyConfig,
    exhausted: frozenset[tuple[str | None, str | None]] = frozenset(),
    buyer_override: Buyer | None = None,
    address_override: PostalAddress | None = None,
    chosen_options: Mapping[str, str] | None = None,
    pickup_location: str | None = None,
    config_file: str = CONFIG_FILE,
) -> Plan:
    """The next full checkout state to PUT, fixing every recoverable message we know how to.

    ``buyer_override`` / ``address_override`` / ``chosen_options`` (delivery option id by
    fulfillment group id) and ``pickup_location`` (collect there; None: deliver) are what the
    shopper chose explicitly: they win over what the checkout holds. ``implied`` are needs the
    merchant did not state (``implied_needs``), handled like its own recoverable messages.
    ``config_file`` names where the shopper adds what a store needs and the profile lacks.
    """
    base = CheckoutRequest.from_checkout(checkout)
    # Built again rather than deep-copied (4x the cost): its lists are its own, and what it
    # shares with the checkout (buyer, context) is replaced here, never changed in place.
    request = CheckoutRequest.from_checkout(checkout)
    if buyer_override is not None:
        current = request.buyer.model_dump(exclude_none=True) if request.buyer else {}
        current.update(buyer_override.model_dump(exclude_none=True))
        request.buyer = Buyer.model_validate(current)
    moved = False  # the destination changes in this request: the options offered will too
    if address_override is not None:
        buyer = buyer.model_copy(update={"addresses": [address_override, *buyer.addresses]})
        for method in request.fulfillment_methods or []:
            # Already there: its delivery option stands (a new destination would clear it, and
            # the next round would choose it again, round after round).
            there = bool(method.destinations) and all(
                same_address(d, address_override) for d in method.destinations
            )
            if method.type == "shipping" and not there:
                moved = True
                method.destinations = [with_names(address_override, buyer)]
                method.selected_destination_id = None
                method.groups = []
    fixes: list[Fix] = []
    switched = apply_pickup(checkout, request, pickup_location, buyer, address_override)
    if chosen_options and not moved and switched is None:
        apply_chosen_options(checkout, request, chosen_options)
    unresolved: list[Message] = []
    questions: list[tuple[Message, str]] = []
    accepted: dict[str, int] = {}

    stock_quantities = _stock_adjustments(checkout, wanted, policy, fixes, questions, accepted)
    request.line_items = _wanted_lines(checkout, wanted, stock_quantities)
    request.discount_codes = list(wanted.discount_codes)

    handled_buyer = False
    if switched is not None:
        chose = Message(type="info", code="fulfillment_chosen", content="the shopper's choice")
        fixes.append(Fix(chose, switched))
    for message in [*checkout.recoverable_errors, *implied]:
        if switched is not None and (message.path or "").startswith("$.fulfillment"):
            continue  # the method changed: the store answers for the new one next
        if message.code in STOCK_CODES:
            continue  # decided above, together with the quantity the store kept
        if message_key(message) in exhausted:
            unresolved.append(message)
            continue
        path = message.path or ""
        if _BUYER_PATH.match(path):
            if handled_buyer:
                continue
            handled_buyer = True
            filled, missing = _fill_buyer(request.buyer, buyer)
            if missing and _BUYER_PATH.match(path) and _buyer_field(path) in missing:
                where = f"add {_buyer_field(path)} under [buyer] in {config_file}"
                questions.append((message, f"The store needs your {_field_label(path)}: {where}."))
                continue
            request.buyer = filled
            fixes.append(
                Fix(message, "Filled the buyer details from your profile: " + buyer_note(filled))
            )
        elif (
            path in ("$.fulfillment.methods", "$.fulfillment") and message.code != "invalid_address"
        ):
            if not buyer.addresses:
                questions.append((message, no_address_question(config_file)))
                continue
            address = buyer.addresses[0]
            request.fulfillment_methods = [
                FulfillmentMethodRequest(
                    type="shipping",
                    line_item_ids=[
                        line.id
                        for line in checkout.line_items
                        if line.id and line.parent_id is None
                    ],
                    destinations=[with_names(address, buyer)],
                )
            ]
            fixes.append(
                Fix(message, f"Chose shipping to your default address ({address_note(address)}).")
            )
        elif match := _SELECTED_DESTINATION_PATH.match(path):
            _settle(message, select_destination(request, int(match[1]), buyer), fixes, unresolved)
        elif (match := _DESTINATION_PATH.match(path)) and message.code in ADDRESS_CODES:
            if address_override is not None and _ships_to(request, int(match[1]), address_override):
                # The shopper named this address: another is theirs to choose, never ours (the
                # next round would send theirs again, and the two would alternate).
                questions.append((message, refused_choice(address_override, buyer)))
                continue
            said = next_address(request, int(match[1]), buyer, message.content)
            _settle(message, said, fixes, unresolved)
        elif (match := _GROUP_PATH.match(path)) and message.code != "invalid_address":
            chosen = select_option(checkout, request, int(match[1]), int(match[2]), policy)
            _settle(message, chosen, fixes, unresolved)
        else:
            unresolved.append(message)

    # Accepting a reduced quantity is itself an update: the store's stock error clears on write.
    changed = request.to_ucp() != base.to_ucp() or bool(accepted)
    return Plan(request, changed, fixes, unresolved, questions, accepted)


def _ships_to(request: CheckoutRequest, method_index: int, address: PostalAddress) -> bool:
    methods = request.fulfillment_methods or []
    return method_index < len(methods) and any(
        same_address(d, address) for d in methods[method_index].destinations or []
    )


def refused_choice(address: PostalAddress, buyer: BuyerConfig) -> str:
    """What to ask when a store cannot deliver to the address the shopper chose."""
    other = next((a for a in buyer.addresses if not same_address(a, address)), None)
    where = (
        f'"ship to my {other.address_locality} address"'
        if other is not None and other.address_locality
        else "another address"
    )
    return (
        f"It cannot deliver to {address_note(address)}, the address you chose: say {where} to "
        "have it delivered there instead, or remove what you have here."
    )


def _settle(
    message: Message, description: str | None, fixes: list[Fix], unresolved: list[Message]
) -> None:
    """A message fixed (with what was done) or, when nothing could be decided, surfaced."""
    if description is None:
        unresolved.append(message)
    else:
        fixes.append(Fix(message, description))


def _stock_adjustments(
    checkout: Checkout,
    wanted: Wanted,
    policy: PolicyConfig,
    fixes: list[Fix],
    questions: list[tuple[Message, str]],
    accepted: dict[str, int],
) -> dict[str, int]:
    """Quantities the store lowered for stock: kept when policy allows, else asked about."""
    asked = dict(wanted.lines)
    kept: dict[str, int] = {}
    seen: set[str] = set()
    for message in checkout.messages:
        if message.code not in STOCK_CODES or message.type == "info":
            continue
        match = _LINE_PATH.match(message.path or "")
        if match is None or int(match[1]) >= len(checkout.line_items):
            continue
        line = checkout.line_items[int(match[1])]
        item_id = line.item.id
        if item_id in seen:
            continue
        want = asked.get(item_id, line.quantity)
        if line.quantity >= want:
            if message.is_error:
                seen.add(item_id)
                questions.append(
                    (message, f"{_title(line.item.title, item_id)}: {message.content}")
                )
            continue
        seen.add(item_id)
        kept[item_id] = line.quantity
        if policy.allow_quantity_reduction and line.quantity > 0:
            accepted[item_id] = line.quantity
            fixes.append(
                Fix(
                    message,
                    f"Kept {line.quantity} of {want} × {_title(line.item.title, item_id)}: only "
                    f"{line.quantity} in stock, and your policy allows smaller quantities.",
                )
            )
        else:
            questions.append(
                (
                    message,
                    f"Only {line.quantity} of {want} × {_title(line.item.title, item_id)} in "
                    "stock: buy fewer, or remove it?",
                )
            )
    return kept


def _wanted_lines(
    checkout: Checkout, wanted: Wanted, stock_quantities: dict[str, int]
) -> list[LineItemRequest]:
    existing = {
        line.item.id: line.id for line in checkout.line_items if line.parent_id is None and line.id
    }
    return [
        LineItemRequest(
            item_id=item_id,
            quantity=stock_quantities.get(item_id, quantity),
            id=existing.get(item_id),
        )
        for item_id, quantity in wanted.lines
        if stock_quantities.get(item_id, quantity) > 0
    ]


def _buyer_field(path: str) -> str | None:
    match = _BUYER_PATH.match(path)
    return match[1] if match else None


def _field_label(path: str) -> str:
    name = _buyer_field(path)
    return (name or "details").replace("_", " ")


def _fill_buyer(current: Buyer | None, profile: BuyerConfig) -> tuple[Buyer, set[str]]:
    """The request's buyer with every empty field filled from the profile; and what is missing."""
    values = current.model_dump(exclude_none=True) if current is not None else {}
    missing: set[str] = set()
    for name in BUYER_FIELDS:
        if values.get(name):
            continue
        value = getattr(profile, name)
        if value:
            values[name] = value
        else:
            missing.add(name)
    return Buyer.model_validate(values), missing


def buyer_note(buyer: Buyer) -> str:
    parts = [
        f"{buyer.first_name or ''} {buyer.last_name or ''}".strip(),
        buyer.email,
        buyer.phone_number,
    ]
    return ", ".join(part for part in parts if part) + "."


def _title(title: str | None, item_id: str) -> str:
    return title or item_id


def rejected_discounts(
    checkout_messages: Sequence[Message], codes: Sequence[str]
) -> list[tuple[str, str]]:
    """(code, the store's reason) for each discount code the store turned down."""
    rejected: list[tuple[str, str]] = []
    for message in checkout_messages:
        if not (message.code or "").startswith("discount_code"):
            continue
        match = _DISCOUNT_PATH.match(message.path or "")
        code = (
            codes[int(match[1])] if match and int(match[1]) < len(codes) else (message.path or "?")
        )
        rejected.append((code, message.content or message.code or "rejected"))
    return rejected
