"""Catalog fan-out: a slow or failing merchant yields partial results and a note, never a stall."""

from __future__ import annotations

import asyncio
from typing import Any

from assistant.domain import MerchantRef, SearchRequest, SearchResponse
from assistant.errors import MerchantUnavailable
from assistant.shopping.catalog import search_all


class _Catalog:
    def __init__(self, domain: str, behaviour: str) -> None:
        self.merchant = MerchantRef(domain=domain, name=domain, url=f"http://{domain}")
        self.behaviour = behaviour

    def supports(self, capability: str) -> bool:
        return True

    async def search_catalog(self, query: str | None = None, **_: Any) -> SearchResponse:
        if self.behaviour == "hang":
            await asyncio.Event().wait()  # never answers: the deadline must cut it
        if self.behaviour == "fail":
            raise MerchantUnavailable(
                "connection refused", merchant=self.merchant.domain, operation="search_catalog"
            )
        return SearchResponse.model_validate(
            {
                "products": [
                    {
                        "id": "p1",
                        "title": "Roses",
                        "variants": [
                            {
                                "id": "v1",
                                "title": "Dozen",
                                "price": {"amount": 4500, "currency": "USD"},
                            }
                        ],
                    }
                ]
            }
        )


async def test_slow_and_failing_merchants_give_partial_results_with_notes() -> None:
    clients = [_Catalog("fast:1", "ok"), _Catalog("slow:2", "hang"), _Catalog("down:3", "fail")]
    found, notes = await asyncio.wait_for(
        search_all(clients, SearchRequest("roses"), limit=5, deadline_s=0.05),  # type: ignore[arg-type]
        timeout=5,
    )
    assert [(m.domain, p.id) for m, p in found] == [("fast:1", "p1")]
    assert notes == {
        "slow:2": "timed out after 0.05 s",
        "down:3": "unavailable: connection refused",
    }
