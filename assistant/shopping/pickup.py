"""Collecting instead of delivery, through the trip: a store's pickup locations and the choice.

A store offers pickup when it publishes UCP 2026-08-25's ``dev.ucp.common`` service with
location search, and its checkout (if one is open) lists a ``pickup`` method. The shopper's
choice is trip state (``ShopperChoices.pickup_by_domain``: location id by store, written only
by ``TripState``); the resolve loop turns it into the checkout's method (``pickup_plan``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol, runtime_checkable

from assistant.domain import Location, LocationsResponse, MerchantState, PickupOffer
from assistant.errors import PannierError
from assistant.shopping import checkout as checkout_ops
from assistant.shopping.context import TripContext
from assistant.shopping.pickup_plan import offers_pickup_method

MAX_LOCATIONS = 10


@runtime_checkable
class LocatingClient(Protocol):
    """A client that can reach a merchant's ``dev.ucp.common`` service (``UcpClient``)."""

    @property
    def offers_locations(self) -> bool: ...

    async def search_locations(
        self, query: str | None = None, *, limit: int = 10
    ) -> LocationsResponse: ...

    async def lookup_locations(self, ids: list[str]) -> LocationsResponse: ...


def _locating(ctx: TripContext, domain: str) -> LocatingClient | None:
    client = ctx.clients[domain]
    if isinstance(client, LocatingClient) and client.offers_locations:
        return client
    return None


# --- through the trip ----------------------------------------------------------------------------


def _unavailable(ctx: TripContext, domain: str) -> str | None:
    """Why the store offers no pickup here, in the shopper's words (None: it does)."""
    name = ctx.merchant(domain).name
    if _locating(ctx, domain) is None:
        return f"{name} offers no pickup: it lists no pickup locations (only delivery)."
    if not offers_pickup_method(ctx.state.answer(domain)):
        return f"{name} offers no pickup for this checkout: only delivery."
    return None


async def pickup_offer(ctx: TripContext, domain: str, near: str | None = None) -> PickupOffer:
    """Where ``domain`` lets the shopper collect (``near``: words or a postal code)."""
    merchant = ctx.merchant(domain)
    chosen = ctx.state.choices.pickup_by_domain.get(domain)
    reason = _unavailable(ctx, domain)
    if reason is not None:
        return PickupOffer(merchant, chosen_id=chosen, unavailable=reason)
    client = _locating(ctx, domain)
    assert client is not None  # _unavailable said so
    found = await client.search_locations(near or None, limit=MAX_LOCATIONS)
    locations = tuple(found.locations)
    if not locations:
        where = f" near {near!r}" if near else ""
        reason = f"{merchant.name} has no pickup location{where}."
    return PickupOffer(merchant, locations, chosen, reason)


async def find_location(ctx: TripContext, domain: str, location_id: str) -> Location:
    """The store's location ``location_id`` (looked up at the store), or a clear error."""
    # Errors name the store by its domain (the model's store_id), never by its own words.
    if _unavailable(ctx, domain) is not None:
        raise PannierError(f"{domain} offers no pickup (only delivery)", title="No pickup")
    client = _locating(ctx, domain)
    assert client is not None  # _unavailable said so
    found = await client.lookup_locations([location_id])
    match = next((loc for loc in found.locations if loc.id == location_id), None)
    if match is None:
        raise PannierError(
            f"{domain} has no pickup location {location_id!r} (pickup_locations lists them)",
            title="Unknown pickup location",
        )
    return match


async def choose_pickup(ctx: TripContext, domain: str, location_id: str | None) -> MerchantState:
    """Collect the store's order at ``location_id`` (None: deliver it); the checkout follows."""
    if location_id is not None:
        await find_location(ctx, domain, location_id)
    choices = ctx.state.choices
    pickup = {d: loc for d, loc in choices.pickup_by_domain.items() if d != domain}
    if location_id is not None:
        pickup[domain] = location_id
    ctx.state.choose(
        replace(
            choices,
            pickup_by_domain=pickup,
            # The options depend on where it goes.
            options_by_domain={d: o for d, o in choices.options_by_domain.items() if d != domain},
        )
    )
    await ctx.state.flush()
    if not ctx.state.wanted(domain).lines or ctx.view(domain).order is not None:
        return ctx.view(domain)
    state = await checkout_ops.prepare(ctx, domain)
    await ctx.state.flush()
    return state
