"""The crash test's victim: run a trip to a step, print the ids, then wait to be killed."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from pydantic import TypeAdapter

from assistant.config import Config
from assistant.domain import Approval, MerchantState, PurchaseSummary
from assistant.domain.choices import ShopperChoices
from assistant.shopping.compose import open_trip
from assistant.shopping.trip import Trip
from assistant.store import Store

STATES: TypeAdapter[list[MerchantState]] = TypeAdapter(list[MerchantState])
CHOICES: TypeAdapter[ShopperChoices] = TypeAdapter(ShopperChoices)


def _report(trip: Trip, step: str) -> None:
    ids = {s.merchant.domain: [s.cart_id, s.checkout_id, s.status] for s in trip.state()}
    state = STATES.dump_python(trip.state(), mode="json")
    choices = CHOICES.dump_python(trip._ctx.state.choices, mode="json")
    print(json.dumps({"step": step, "ids": ids, "state": state, "choices": choices}), flush=True)


async def _choose(trip: Trip) -> None:
    """What a shopper says between the basket and paying: a name, a destination, an option."""
    await trip.provide_buyer_details(first_name="Ada", last_name="Lovelace")
    second = trip.saved_addresses()[0].model_copy(update={"street_address": "2 Infinite Loop"})
    flowers, coffee = (merchant.domain for merchant in trip.merchants)
    await trip.ship_to(second, coffee)
    (group, *_) = trip.delivery_options()[flowers]
    dearest = max(group.options, key=lambda option: option.cost)
    await trip.choose_delivery(flowers, dearest.id)


async def _wait_for_kill() -> None:
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


async def main(
    db: str, profile_url: str, urls: list[str], items: list[list[str | int]], stop_at: str
) -> None:
    store = Store.open(Path(db))
    trip = await open_trip(
        Config(), session="crash", store=store, merchant_urls=urls, profile_url=profile_url
    )
    await trip.set_basket([(str(ref), int(qty)) for ref, qty in items])
    await trip.prepare_checkout()
    if stop_at == "chosen":
        await _choose(trip)
    if stop_at in ("ready", "chosen"):
        _report(trip, stop_at)
        await _wait_for_kill()

    async def confirm_then_crash(summary: PurchaseSummary) -> Approval:
        _report(trip, "confirming")
        await _wait_for_kill()
        return Approval.declined()

    await trip.complete(confirm_then_crash)


if __name__ == "__main__":
    stop_at = sys.argv[5] if len(sys.argv) > 5 else "confirming"
    asyncio.run(
        main(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4]), stop_at)
    )
