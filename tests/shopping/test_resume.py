"""A trip killed between steps resumes from the local store: no second cart, no second order."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
from shopping_helpers import OpenTrip

from assistant.errors import PurchaseRefused
from assistant.events import CartRecreated, OrderPlaced
from assistant.shopping.records import Approval, PurchaseSummary
from merchants.serve import RunningStore

VICTIM = Path(__file__).with_name("crash_trip.py")
ITEMS = [["tulip-bundle--yellow", 1], ["brazil-cerrado-natural--250-g-whole-bean", 1]]


async def approve_all(summary: PurchaseSummary) -> Approval:
    return Approval(approved_domains=frozenset(m.merchant.domain for m in summary.merchants))


async def test_a_killed_trip_resumes_without_duplicate_carts_or_orders(
    open_trip: OpenTrip,
    sandbox_stores: dict[str, RunningStore],
    platform_profile_url: str,
    tmp_path: Path,
) -> None:
    db = tmp_path / "crash.db"
    urls = [sandbox_stores["flowers"].url, sandbox_stores["coffee"].url]
    victim = await asyncio.create_subprocess_exec(
        sys.executable,
        str(VICTIM),
        str(db),
        platform_profile_url,
        json.dumps(urls),
        json.dumps(ITEMS),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    )
    assert victim.stdout is not None
    line = await asyncio.wait_for(victim.stdout.readline(), timeout=60)
    victim.kill()  # crash while the shopper is being asked
    await victim.wait()
    before = json.loads(line)
    assert before["step"] == "confirming"

    trip = await open_trip("flowers", "coffee", session="crash", db=db)
    states = await trip.prepare_checkout()
    after = {s.merchant.domain: [s.cart_id, s.checkout_id] for s in states}
    assert after == {domain: ids[:2] for domain, ids in before["ids"].items()}
    assert not [e for e in trip.bus.history if isinstance(e, CartRecreated)]
    assert len(trip._ctx.store.carts("crash")) == 2

    await trip.complete(approve_all)
    assert len([e for e in trip.bus.history if isinstance(e, OrderPlaced)]) == 2

    again = await open_trip("flowers", "coffee", session="crash", db=db)
    with pytest.raises(PurchaseRefused):
        await again.complete(approve_all)
    assert len(await again.orders()) == 2
    assert not [e for e in again.bus.history if isinstance(e, OrderPlaced)]
