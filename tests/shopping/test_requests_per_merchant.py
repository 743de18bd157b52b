"""The requests a purchase sends each merchant after the search, counted on loopback.

A purchase at a sandbox store takes, after its search: an access token, ``create_cart`` (the
basket), ``create_checkout`` carrying the buyer and the destination, one ``update_checkout``
(choosing among the delivery options the destination brought) and ``complete_checkout``. The
checkout is not read again, before the summary or after the shopper's yes, while the trip's own
answer is moments old (a later yes reads it again: ``test_approval_binding``), and a token saved
by an earlier trip is reused until it expires, so a later process sends four. Issue 16 counted
eight, plus the search.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import httpx2

from assistant.config import Config
from assistant.domain import Approval, PurchaseSummary
from assistant.events import OrderPlaced
from assistant.shopping import compose
from assistant.store import Store
from merchants.serve import RunningStore

SHOPS = ("flowers", "coffee")
WANTS = {"tulip": "tulip-bundle--yellow", "brazil": "brazil-cerrado-natural--250-g-whole-bean"}
FIRST_TRIP = ["access_token", "create_cart", "create_checkout", "update_checkout"]
PAYING = ["complete_checkout"]


async def approve_all(summary: PurchaseSummary) -> Approval:
    return summary.approve()


def _operation(request: httpx2.Request) -> str:
    body = request.content.decode()
    if body.startswith("grant_type="):
        return "access_token"
    return str(json.loads(body)["params"]["name"])


async def _purchase(
    db: Path, session: str, urls: list[str], profile_url: str
) -> dict[str, list[str]]:
    """Operations sent to each merchant (by host) after the search, in order."""
    sent: dict[str, list[str]] = defaultdict(list)
    counting = False

    async def record(request: httpx2.Request) -> None:
        if counting:
            sent[request.url.netloc.decode()].append(_operation(request))

    store = Store.open(db)
    async with httpx2.AsyncClient(event_hooks={"request": [record]}) as http:
        trip = await compose.open_trip(
            Config(),
            session=session,
            store=store,
            http=http,
            merchant_urls=urls,
            profile_url=profile_url,
        )
        try:
            for query in WANTS:
                await trip.search(query)
            counting = True
            await trip.set_basket([(variant, 1) for variant in WANTS.values()])
            await trip.prepare_checkout()
            await trip.complete(approve_all)
            placed = [e for e in trip.bus.history if isinstance(e, OrderPlaced)]
            assert len(placed) == len(SHOPS)
        finally:
            await trip.aclose()
            store.close()
    return dict(sent)


async def test_a_purchase_sends_each_shop_five_requests_after_search_and_four_once_it_has_a_token(
    sandbox_stores: dict[str, RunningStore], platform_profile_url: str, tmp_path: Path
) -> None:
    urls = [sandbox_stores[slug].url for slug in SHOPS]
    first = await _purchase(tmp_path / "p.db", "first", urls, platform_profile_url)
    assert len(first) == len(SHOPS)
    for operations in first.values():
        assert operations == [*FIRST_TRIP, *PAYING], operations

    later = await _purchase(tmp_path / "p.db", "later", urls, platform_profile_url)
    for operations in later.values():
        assert operations == [*FIRST_TRIP[1:], *PAYING], operations
        assert len(operations) <= 4
    assert Counter(op for ops in later.values() for op in ops)["access_token"] == 0
