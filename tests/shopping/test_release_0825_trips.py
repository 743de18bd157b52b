"""Whole trips on UCP 2026-08-25 at the stores' 2026-08-25 knobs: 3-D Secure as an action,
checkout policies, and request constraints that rule out an instrument.

Every request names Pannier's own 2026-08-25 platform profile (the trips in
``test_trip_sandbox.py`` name a 2026-04-08 one, so they see none of this).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from shopping_helpers import submit_continue_page

from assistant.config import Config, WalletInstrument, demo_wallet
from assistant.domain import COMPLETED, Approval, PurchaseSummary
from assistant.events import EscalationRaised, OrderPlaced
from assistant.profile import ProfileServer, serve_profile
from assistant.shopping import compose
from assistant.shopping.trip import Trip
from assistant.store import Store
from merchants.serve import RunningStore

CABLE = "braided-usb-c-cable--1-m"
BAROLO = "barolo-cascina-fiori--2019-75-cl"


@pytest.fixture
async def profiles() -> AsyncIterator[ProfileServer]:
    server = await serve_profile(Config())
    yield server
    await server.aclose()


@pytest.fixture
async def trips(
    sandbox_stores: dict[str, RunningStore], profiles: ProfileServer, tmp_path: Path
) -> AsyncIterator[list[Trip]]:
    opened: list[Trip] = []
    yield opened
    for trip in opened:
        await trip.aclose()


async def _open(
    trips: list[Trip],
    stores: dict[str, RunningStore],
    profiles: ProfileServer,
    db: Path,
    slug: str,
    config: Config,
) -> Trip:
    trip = await compose.open_trip(
        config,
        session=slug,
        store=Store.open(db),
        merchant_urls=[stores[slug].url],
        profile_url=profiles.urls,
    )
    trips.append(trip)
    return trip


async def test_a_3ds_action_sends_the_shopper_to_the_store_page_and_the_order_follows(
    trips: list[Trip],
    sandbox_stores: dict[str, RunningStore],
    profiles: ProfileServer,
    tmp_path: Path,
) -> None:
    challenged = WalletInstrument(
        id="card_3063",
        handler="dev.pannier.sandbox_card",
        type="card",
        brand="visa",
        last_digits="3063",
        token=SecretStr("tok_sandbox_3ds"),
    )
    config = Config(wallet=[challenged])
    trip = await _open(trips, sandbox_stores, profiles, tmp_path / "p.db", "electronics", config)
    await trip.search("usb-c cable")
    await trip.set_basket([(CABLE, 1)])
    await trip.prepare_checkout()
    await trip.complete(lambda summary: _approve(summary))

    [escalation] = trip.escalations()
    assert [m.code for m in escalation.messages] == ["action_required"]
    assert "3-D Secure" in (escalation.messages[0].content or "")
    assert escalation.continue_url and escalation.continue_url.startswith(
        sandbox_stores["electronics"].url
    )
    assert [e.escalation for e in trip.bus.history if isinstance(e, EscalationRaised)]
    assert not [e for e in trip.bus.history if isinstance(e, OrderPlaced)]

    response = await submit_continue_page(escalation.continue_url)
    assert response.status_code == 200
    [settled] = await trip.recheck_escalations()
    assert settled.state == "resolved"
    [state] = trip.state()
    assert state.status == COMPLETED and state.order is not None


shown: list[PurchaseSummary] = []


async def _approve(summary: PurchaseSummary) -> Approval:
    shown.append(summary)
    return summary.approve()


async def test_the_stores_policies_show_on_the_shop_card_and_in_the_confirmation(
    trips: list[Trip],
    sandbox_stores: dict[str, RunningStore],
    profiles: ProfileServer,
    tmp_path: Path,
) -> None:
    trip = await _open(trips, sandbox_stores, profiles, tmp_path / "p.db", "electronics", Config())
    await trip.search("usb-c cable")
    await trip.set_basket([(CABLE, 1)])
    [prepared] = await trip.prepare_checkout()
    # The store obliges display with a warning per policy (code = the policy's type): the card
    # shows each policy once, as that warning.
    card = {m.code: m.content for m in prepared.messages if m.type == "warning"}
    assert card["dev.ucp.shopping.policy.return"] == (
        "Returns within 30 days, unopened; opened earbuds cannot be returned."
    )
    assert "dev.ucp.shopping.policy.warranty" in card

    shown.clear()
    [state] = await trip.complete(_approve)
    [summary] = shown
    assert summary.merchants[0].policies == [
        "Return policy: Returns within 30 days, unopened; opened earbuds cannot be returned.",
        "Warranty policy: One-year limited warranty on every device; cables 90 days.",
    ]
    assert state.status == COMPLETED


async def _age_confirmed_barolo(trip: Trip) -> None:
    """A Barolo in checkout, its age check confirmed on the store's page (as a shopper would)."""
    await trip.search("barolo")
    await trip.set_basket([(BAROLO, 1)])
    await trip.prepare_checkout()
    [age_check] = trip.escalations()
    assert (await submit_continue_page(age_check.continue_url)).status_code == 200
    await trip.recheck_escalations()


async def test_a_wallet_the_store_rules_out_is_not_sent_and_the_next_instrument_pays(
    trips: list[Trip],
    sandbox_stores: dict[str, RunningStore],
    profiles: ProfileServer,
    tmp_path: Path,
) -> None:
    trip = await _open(trips, sandbox_stores, profiles, tmp_path / "p.db", "wine", Config())
    await _age_confirmed_barolo(trip)
    shown.clear()
    [state] = await trip.complete(_approve)
    [summary] = shown
    # The demo wallet lists the sandbox wallet before Google Pay; the wine store wants a billing
    # address with wallet payments, which the sandbox wallet does not carry.
    assert summary.merchants[0].instrument == "visa •••• 1111"
    assert state.status == COMPLETED


async def test_with_only_a_ruled_out_instrument_the_shopper_is_told_why_and_nothing_is_paid(
    trips: list[Trip],
    sandbox_stores: dict[str, RunningStore],
    profiles: ProfileServer,
    tmp_path: Path,
) -> None:
    only_wallet = Config(wallet=[demo_wallet()[1]])
    trip = await _open(trips, sandbox_stores, profiles, tmp_path / "p.db", "wine", only_wallet)
    await _age_confirmed_barolo(trip)
    [escalation] = [e for e in trip.escalations() if e.state == "open"]
    [message] = escalation.messages
    assert message.code == "payment_handler_unsupported"
    assert "sandbox wallet is ruled out: the store needs a billing address" in (
        message.content or ""
    )
    assert not [e for e in trip.bus.history if isinstance(e, OrderPlaced)]
