"""A trip killed between steps resumes from the local store: no second cart, no second order."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter
from shopping_helpers import OpenTrip

from assistant.domain import Approval, ErrorResponse, MerchantState, PurchaseSummary
from assistant.domain.choices import ShopperChoices
from assistant.errors import PurchaseRefused
from assistant.events import CartRecreated, OrderPlaced
from merchants.serve import RunningStore

VICTIM = Path(__file__).with_name("crash_trip.py")
STATES: TypeAdapter[list[MerchantState]] = TypeAdapter(list[MerchantState])
CHOICES: TypeAdapter[ShopperChoices] = TypeAdapter(ShopperChoices)
ITEMS: list[tuple[str, int]] = [
    ("tulip-bundle--yellow", 1),
    ("brazil-cerrado-natural--250-g-whole-bean", 1),
]


@pytest.fixture
def restarted_profile_url(platform_profile_server: str, platform_profile_url: str) -> str:
    """The same profile at another URL: a restarted Pannier serves it on a new port."""
    url = f"{platform_profile_server}/platform.json"
    assert url != platform_profile_url
    return url


async def approve_all(summary: PurchaseSummary) -> Approval:
    return summary.approve()


async def _run_victim_until(
    step: str, db: Path, profile_url: str, urls: list[str]
) -> dict[str, Any]:
    """Run crash_trip.py to ``step`` in its own process, kill it there, and return its report."""
    victim = await asyncio.create_subprocess_exec(
        sys.executable,
        str(VICTIM),
        str(db),
        profile_url,
        json.dumps(urls),
        json.dumps(ITEMS),
        step,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    )
    assert victim.stdout is not None
    line = await asyncio.wait_for(victim.stdout.readline(), timeout=60)
    victim.kill()
    await victim.wait()
    report: dict[str, Any] = json.loads(line)
    assert report["step"] == step
    return report


async def test_a_trip_killed_when_ready_at_two_stores_resumes_as_it_was_and_pays_both(
    open_trip: OpenTrip,
    sandbox_stores: dict[str, RunningStore],
    platform_profile_url: str,
    restarted_profile_url: str,
    tmp_path: Path,
) -> None:
    db = tmp_path / "ready.db"
    urls = [sandbox_stores["flowers"].url, sandbox_stores["coffee"].url]
    before = await _run_victim_until("ready", db, platform_profile_url, urls)
    assert [s["status"] for s in before["state"]] == ["ready_for_complete"] * 2

    trip = await open_trip(
        "flowers", "coffee", session="crash", db=db, profile_url=restarted_profile_url
    )
    assert STATES.dump_python(trip.state(), mode="json") == before["state"]

    await trip.complete(approve_all)  # straight away: no prepare_checkout after the restart
    placed = [e.order.merchant.domain for e in trip.bus.history if isinstance(e, OrderPlaced)]
    assert sorted(placed) == sorted(s["merchant"]["domain"] for s in before["state"])


async def test_what_the_shopper_chose_survives_a_kill_and_the_resumed_trip_pays_with_it(
    open_trip: OpenTrip,
    sandbox_stores: dict[str, RunningStore],
    platform_profile_url: str,
    restarted_profile_url: str,
    tmp_path: Path,
) -> None:
    db = tmp_path / "chosen.db"
    urls = [sandbox_stores["flowers"].url, sandbox_stores["coffee"].url]
    before = await _run_victim_until("chosen", db, platform_profile_url, urls)
    assert [s["status"] for s in before["state"]] == ["ready_for_complete"] * 2
    assert before["choices"]["buyer"]["first_name"] == "Ada"
    assert len(before["choices"]["options_by_domain"]) == 1
    assert len(before["choices"]["address_by_domain"]) == 1
    assert len(before["choices"]["instruments"]) == 2

    trip = await open_trip(
        "flowers", "coffee", session="crash", db=db, profile_url=restarted_profile_url
    )
    assert STATES.dump_python(trip.state(), mode="json") == before["state"]
    assert CHOICES.dump_python(trip._ctx.state.choices, mode="json") == before["choices"]
    ((flowers, chosen),) = before["choices"]["options_by_domain"].items()
    (group,) = trip.delivery_options()[flowers]
    assert {group.id: group.selected_option_id} == chosen  # the shopper's pick, not the policy's

    states = await trip.prepare_checkout()  # resolving again keeps every choice
    assert [s.status for s in states] == ["ready_for_complete"] * 2
    (group,) = trip.delivery_options()[flowers]
    assert {group.id: group.selected_option_id} == chosen
    coffee = next(d for d in before["choices"]["address_by_domain"])
    shipping = trip._ctx.state.answer(coffee)
    assert shipping is not None and shipping.fulfillment is not None
    (destination,) = shipping.fulfillment.methods[0].destinations
    assert destination.street_address == "2 Infinite Loop"
    [shown] = [state.delivery for state in trip.state() if state.merchant.domain == coffee]
    assert shown is not None and shown.street_address == "2 Infinite Loop"  # the card says so
    assert all(a.buyer and a.buyer.first_name == "Ada" for a in trip._ctx.state.answers().values())

    await trip.complete(approve_all)
    placed = [e.order.merchant.domain for e in trip.bus.history if isinstance(e, OrderPlaced)]
    assert sorted(placed) == sorted(s["merchant"]["domain"] for s in before["state"])


async def test_a_killed_trip_resumes_without_duplicate_carts_or_orders(
    open_trip: OpenTrip,
    sandbox_stores: dict[str, RunningStore],
    platform_profile_url: str,
    restarted_profile_url: str,
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

    trip = await open_trip(
        "flowers", "coffee", session="crash", db=db, profile_url=restarted_profile_url
    )
    states = await trip.prepare_checkout()
    after = {s.merchant.domain: [s.cart_id, s.checkout_id] for s in states}
    assert after == {domain: ids[:2] for domain, ids in before["ids"].items()}
    assert not [e for e in trip.bus.history if isinstance(e, CartRecreated)]
    assert len(trip._ctx.store.carts("crash")) == 2

    await trip.complete(approve_all)
    assert len([e for e in trip.bus.history if isinstance(e, OrderPlaced)]) == 2

    await trip.aclose()  # one session, one writer: the next process opens it after this one
    again = await open_trip("flowers", "coffee", session="crash", db=db)
    with pytest.raises(PurchaseRefused):
        await again.complete(approve_all)
    assert len(await again.orders()) == 2
    assert not [e for e in again.bus.history if isinstance(e, OrderPlaced)]


class Crash(Exception):
    """The process dying at one exact point."""


async def test_a_crash_between_create_cart_and_saving_its_id_reuses_that_cart(
    open_trip: OpenTrip,
    restarted_profile_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "cart-crash.db"
    first = await open_trip("flowers", session="cart-crash", db=db)
    created: list[str] = []
    client = first._ctx.clients[first.merchants[0].domain]
    create_cart = client.create_cart

    async def recording_create_cart(*args: Any, **kwargs: Any) -> Any:
        answer = await create_cart(*args, **kwargs)
        assert not isinstance(answer, ErrorResponse)
        created.append(answer.id)
        return answer

    def crash(*args: Any, **kwargs: Any) -> None:
        raise Crash

    monkeypatch.setattr(client, "create_cart", recording_create_cart)
    monkeypatch.setattr(first.store, "save_cart", crash)
    try:
        await first.set_basket([(ITEMS[0][0], 1)])
    except* Crash:
        pass
    assert len(created) == 1 and first.store.carts("cart-crash") == []

    await first.aclose()  # the crashed process is gone, and its session lock with it
    again = await open_trip(
        "flowers", session="cart-crash", db=db, profile_url=restarted_profile_url
    )
    (state,) = await again.prepare_checkout()
    assert state.cart_id == created[0]
    assert [cart.cart_id for cart in again.store.carts("cart-crash")] == created
    assert again.store.db["idempotency_keys"].count == 0


async def test_a_crash_between_create_checkout_and_saving_its_id_reuses_that_checkout(
    open_trip: OpenTrip,
    restarted_profile_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "checkout-crash.db"
    first = await open_trip("flowers", session="checkout-crash", db=db)
    await first.set_basket([(ITEMS[0][0], 1)])
    created: list[str] = []
    client = first._ctx.clients[first.merchants[0].domain]
    create_checkout = client.create_checkout

    async def recording_create_checkout(*args: Any, **kwargs: Any) -> Any:
        answer = await create_checkout(*args, **kwargs)
        assert not isinstance(answer, ErrorResponse)
        created.append(answer.id)
        return answer

    def crash(*args: Any, **kwargs: Any) -> None:
        raise Crash

    monkeypatch.setattr(client, "create_checkout", recording_create_checkout)
    monkeypatch.setattr(first.store, "save_checkout", crash)
    try:
        await first.prepare_checkout()
    except* Crash:
        pass
    assert len(created) == 1 and first.store.checkouts("checkout-crash") == []

    await first.aclose()  # the crashed process is gone, and its session lock with it
    again = await open_trip(
        "flowers", session="checkout-crash", db=db, profile_url=restarted_profile_url
    )
    (state,) = await again.prepare_checkout()
    assert state.checkout_id == created[0] and state.status == "ready_for_complete"
    assert again.store.db["idempotency_keys"].count == 0
