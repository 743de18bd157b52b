"""What a trip keeps beyond the merchants' records: the shopper's choices and each last answer."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.domain.checkout import Buyer, Message, PostalAddress, Total


@dataclass(frozen=True)
class ShopperChoices:
    """What the shopper chose explicitly in this trip; it wins over what a checkout holds."""

    buyer: Buyer | None = None  # fields given in the conversation, over the profile's
    address: PostalAddress | None = None  # every shop's destination, unless it has its own
    address_by_domain: dict[str, PostalAddress] = field(default_factory=dict)
    options_by_domain: dict[str, dict[str, str]] = field(default_factory=dict)  # group → option
    # The wallet instrument chosen to pay each merchant: (instrument id, handler id), never a
    # credential (the token stays in the config's wallet).
    instruments: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Where the shopper collects a store's order instead of delivery: location id by store
    # (a store left out delivers). UCP 2026-08-25 pickup by ``selected_destination_id``.
    pickup_by_domain: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MerchantOutcome:
    """What a merchant's last answer said that no record holds: its prices, notes and problems."""

    currency: str | None = None
    totals: list[Total] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    failure: str | None = None
    questions: list[str] = field(default_factory=list)  # what the shopper must decide first
    resolve_again: bool = False  # the cart changed after its checkout was last resolved
