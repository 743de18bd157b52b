"""Delivery decisions of the resolve loop: which destination and option, and why, in a sentence.

Pure functions over a checkout answer and the next request (``CheckoutRequest``), which they edit
in place; each returns the sentence the shopper is told, or None when it cannot decide.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from assistant.config import BuyerConfig, Config, PolicyConfig
from assistant.domain import Checkout, FulfillmentOption, Money, PostalAddress
from assistant.ucp.requests import CheckoutRequest, FulfillmentGroupRequest


def with_names(address: PostalAddress, buyer: BuyerConfig) -> PostalAddress:
    """The address with the buyer's names where it has none (stores address a person)."""
    values = address.model_dump(exclude_none=True)
    values.setdefault("first_name", buyer.first_name)
    values.setdefault("last_name", buyer.last_name)
    return PostalAddress.model_validate(values)


def config_file(config: Config) -> str:
    """Where the shopper adds to their profile: the config file read, by its path."""
    return str(config.source) if config.source is not None else "your config file"


def no_address_question(config_file: str) -> str:
    """What a store that needs a shipping address asks a shopper whose profile has none."""
    return (
        f"The store needs a shipping address: add one under [[buyer.addresses]] in {config_file}, "
        "or ask to collect it where the store offers pickup."
    )


def address_note(address: PostalAddress) -> str:
    """The address in a few words: street, town, country."""
    parts = [address.street_address, address.address_locality, address.address_country]
    return ", ".join(part for part in parts if part)


def apply_chosen_options(
    checkout: Checkout, request: CheckoutRequest, chosen: Mapping[str, str]
) -> None:
    """Select the delivery options the shopper picked, where the checkout still offers them."""
    if checkout.fulfillment is None:
        return
    for index, method in enumerate(checkout.fulfillment.methods):
        methods = request.fulfillment_methods or []
        if index >= len(methods):
            return
        for group in method.groups:
            option_id = chosen.get(group.id or "")
            if option_id is None or option_id not in {o.id for o in group.options}:
                continue
            groups = methods[index].groups
            for position, existing in enumerate(groups):
                if existing.id == group.id:
                    groups[position] = FulfillmentGroupRequest(
                        id=group.id, selected_option_id=option_id
                    )
                    break
            else:
                groups.append(FulfillmentGroupRequest(id=group.id, selected_option_id=option_id))


def select_option(
    checkout: Checkout,
    request: CheckoutRequest,
    method_index: int,
    group_index: int,
    policy: PolicyConfig,
) -> str | None:
    """Select the option the policy picks in one group; what was chosen and why."""
    if checkout.fulfillment is None or method_index >= len(checkout.fulfillment.methods):
        return None
    method = checkout.fulfillment.methods[method_index]
    if group_index >= len(method.groups) or not method.groups[group_index].options:
        return None
    group = method.groups[group_index]
    kind = "pickup" if method.type == "pickup" else "delivery"
    option, reason = choose_option(group.options, policy.fulfillment, checkout.currency, kind)
    methods = request.fulfillment_methods or []
    if method_index >= len(methods) or group.id is None:
        return None
    groups = methods[method_index].groups
    for index, existing in enumerate(groups):
        if existing.id == group.id:
            groups[index] = FulfillmentGroupRequest(id=group.id, selected_option_id=option.id)
            break
    else:
        groups.append(FulfillmentGroupRequest(id=group.id, selected_option_id=option.id))
    return reason


def select_destination(
    request: CheckoutRequest, method_index: int, buyer: BuyerConfig
) -> str | None:
    """Select the destination that is the buyer's first address (else the first one offered)."""
    methods = request.fulfillment_methods or []
    if method_index >= len(methods) or not methods[method_index].destinations:
        return None
    method = methods[method_index]
    chosen = next(
        (
            d
            for a in buyer.addresses
            for d in method.destinations
            if same_address(a, d) and _destination_id(d) is not None
        ),
        next((d for d in method.destinations if _destination_id(d) is not None), None),
    )
    chosen_id = _destination_id(chosen) if chosen is not None else None
    if chosen is None or chosen_id is None:
        return None
    method.selected_destination_id = chosen_id
    return f"Chose delivery to {address_note(chosen)}."


def _destination_id(destination: PostalAddress) -> str | None:
    """The merchant's id of a destination we echo back (kept as an extra field)."""
    value = (destination.model_extra or {}).get("id")
    return value if isinstance(value, str) else None


def same_address(a: PostalAddress, b: PostalAddress) -> bool:
    """One place to deliver to: the same street, postal code and country."""
    keys = ("street_address", "postal_code", "address_country")
    return all(getattr(a, key) == getattr(b, key) for key in keys)


def next_address(
    request: CheckoutRequest, method_index: int, buyer: BuyerConfig, said: str | None
) -> str | None:
    """Ship to the profile's next address when the store cannot deliver to the current one.

    The next is the first other address of ``buyer`` (the profile as this store sees it: the
    addresses it refused come last, ``shopping.reach``), so it is one not refused yet."""
    methods = request.fulfillment_methods or []
    if method_index >= len(methods) or not methods[method_index].destinations:
        return None
    current = methods[method_index].destinations[0]
    if not any(same_address(a, current) for a in buyer.addresses):
        return None
    address = next((a for a in buyer.addresses if not same_address(a, current)), None)
    if address is None:
        return None
    method = methods[method_index]
    method.destinations = [with_names(address, buyer)]
    method.selected_destination_id = None
    method.groups = []
    return (
        f'Switched delivery to your next address ({address_note(address)}): the store said "{said}"'
    )


def _time_key(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def choose_option(
    options: Sequence[FulfillmentOption], policy: str, currency: str, kind: str = "delivery"
) -> tuple[FulfillmentOption, str]:
    """The option the policy picks (never merely the first), and a sentence saying why."""

    def arrival(option: FulfillmentOption) -> tuple[int, str]:
        # Options without a window sort last; ISO strings of one store compare in time order.
        moment = _time_key(option.latest_fulfillment_time or option.earliest_fulfillment_time)
        return (0, moment.isoformat()) if moment is not None else (1, "")

    if policy == "fastest":
        chosen = min(options, key=lambda o: (arrival(o), o.cost, o.title))
        why = "the fastest"
    else:
        chosen = min(options, key=lambda o: (o.cost, arrival(o), o.title))
        why = "the cheapest"
    price = Money(amount=chosen.cost, currency=currency).format()
    return chosen, (
        f"Chose {kind} '{chosen.title}' ({price}), {why} of {len(options)} option"
        f"{'s' if len(options) != 1 else ''}, per your '{policy}' policy."
    )
