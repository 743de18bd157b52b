"""A shop that stops answering in the middle of a payment: the trip still opens, that shop says
why and is asked again later, the other shops carry on, and nothing is paid twice."""

from __future__ import annotations

from pathlib import Path

from shopping_helpers import orders_at
from store_proxy import store_proxy

from assistant.config import Config
from assistant.domain import COMPLETED, Approval, PurchaseSummary
from assistant.events import MerchantFailed
from assistant.shopping import compose
from assistant.shopping.trip import Trip
from assistant.store import Store
from merchants.serve import RunningStore

TULIPS = "tulip-bundle--red"
COLOMBIA = "colombia-huila-finca-el-paraiso--250-g-whole-bean"


async def approve_everything(summary: PurchaseSummary) -> Approval:
    return summary.approve()


async def test_a_shop_unreachable_after_an_interrupted_payment_does_not_stop_the_trip(
    sandbox_stores: dict[str, RunningStore],
    sandbox_data_dir: Path,
    platform_profile_url: str,
    tmp_path: Path,
) -> None:
    with store_proxy(sandbox_stores["flowers"].url) as flowers:
        urls = [flowers.url, sandbox_stores["coffee"].url]

        async def open_trip(store: Store) -> Trip:
            return await compose.open_trip(
                Config(),
                session="interrupted",
                store=store,
                merchant_urls=urls,
                profile_url=platform_profile_url,
            )

        store = Store.open(tmp_path / "pannier.db")
        first = await open_trip(store)
        await first.search("tulip")
        await first.search("colombia")
        await first.set_basket([(TULIPS, 1), (COLOMBIA, 1)])
        await first.prepare_checkout()
        before = orders_at(sandbox_data_dir, "flowers")
        # The flower shop places the order, then vanishes before its answer reaches us.
        flowers.down_after = "complete_checkout"
        await first.complete(approve_everything)
        await first.aclose()
        store.close()
        assert orders_at(sandbox_data_dir, "flowers") == before + 1

        store = Store.open(tmp_path / "pannier.db")
        second = await open_trip(store)
        try:
            states = {s.merchant.name: s for s in second.state()}
            shop = states["Petal & Stem"]
            assert shop.order is None
            assert shop.failure and "does not answer" in shop.failure
            assert "not known yet" in shop.failure
            failed = [e for e in second.bus.history if isinstance(e, MerchantFailed)]
            assert [e.merchant.name for e in failed] == ["Petal & Stem"]
            coffee = next(s for name, s in states.items() if name != "Petal & Stem")
            assert coffee.status == COMPLETED and coffee.order is not None
            assert (await second.search("colombia")).hits  # the other shops work

            # Back online: "I'm back" learns the order was placed; nothing is bought again.
            flowers.down = False
            await second.recheck_escalations()
            shop = next(s for s in second.state() if s.merchant.name == "Petal & Stem")
            assert shop.failure is None
            assert shop.status == COMPLETED and shop.order is not None
            assert [o.merchant.name for o in await second.orders()].count("Petal & Stem") == 1
            assert orders_at(sandbox_data_dir, "flowers") == before + 1
        finally:
            await second.aclose()
            store.close()
