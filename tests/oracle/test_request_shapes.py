"""Every request Pannier sends on a whole trip has its release's request shape.

A trip (search, basket, basket changed, checkout, buyer and delivery, pay) runs through
``compose.open_trip`` against a store serving only 2026-08-25 and one serving only 2026-04-08,
over MCP and REST. A recording transport keeps each request body as it leaves, and each is
validated against the request schema of its operation, derived from the release's own schemas
(vendored in ``tests/ucp_schemas/``) by their ``ucp_request`` annotations: a field marked
``omit`` for the operation is absent, one marked ``required`` is there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from assistant.config import Config, ConsentConfig, MerchantConfig
from assistant.domain import COMPLETED, Approval, PurchaseSummary
from assistant.profile import ProfileServer
from assistant.shopping import compose
from assistant.store import Store
from assistant.ucp.shapes import SHAPES, checkout_write
from merchants.serve import StoresInThread
from tests.oracle.request_schemas import request_errors

NEW, OLD = "2026-08-25", "2026-04-08"
TULIPS = "tulip-bundle--red"
CHECKOUT = (
    "shopping/fulfillment.json#/$defs/dev.ucp.shopping.checkout",
    "shopping/discount.json#/$defs/dev.ucp.shopping.checkout",
)
CART = ("shopping/discount.json#/$defs/dev.ucp.shopping.cart",)
# operation → (ucp_request operation, body key in MCP arguments, the schemas it satisfies)
SHAPES_BY_OPERATION: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "create_checkout": ("create", "checkout", CHECKOUT),
    "update_checkout": ("update", "checkout", CHECKOUT),
    "complete_checkout": ("complete", "checkout", CHECKOUT),
    "create_cart": ("create", "cart", CART),
    "update_cart": ("update", "cart", CART),
    "search_catalog": (
        "search",
        "catalog",
        ("shopping/catalog_search.json#/$defs/search_request",),
    ),
    "lookup_catalog": (
        "lookup",
        "catalog",
        ("shopping/catalog_lookup.json#/$defs/lookup_request",),
    ),
}
_REST = (
    ("POST", re.compile(r"/checkout-sessions$"), "create_checkout"),
    ("PUT", re.compile(r"/checkout-sessions/[^/]+$"), "update_checkout"),
    ("PATCH", re.compile(r"/checkout-sessions/[^/]+$"), "update_checkout"),
    ("POST", re.compile(r"/checkout-sessions/[^/]+/complete$"), "complete_checkout"),
    ("POST", re.compile(r"/carts$"), "create_cart"),
    ("PUT", re.compile(r"/carts/[^/]+$"), "update_cart"),
    ("POST", re.compile(r"/catalog/search$"), "search_catalog"),
    ("POST", re.compile(r"/catalog/lookup$"), "lookup_catalog"),
)


class Outgoing(httpx2.AsyncBaseTransport):
    """Real HTTP, keeping each UCP request body as (operation, body) as it leaves."""

    def __init__(self) -> None:
        self._inner = httpx2.AsyncHTTPTransport()
        self.sent: list[tuple[str, Any]] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self._keep(request)
        return await self._inner.handle_async_request(request)

    def _keep(self, request: httpx2.Request) -> None:
        path = request.url.path
        if path.endswith("/mcp"):
            message = json.loads(request.content or b"{}")
            if message.get("method") != "tools/call":
                return
            name = str(message["params"]["name"])
            if name in SHAPES_BY_OPERATION:
                key = SHAPES_BY_OPERATION[name][1]
                self.sent.append((name, message["params"]["arguments"].get(key)))
            else:
                self.sent.append((name, None))
            return
        for method, pattern, name in _REST:
            if request.method == method and pattern.search(path):
                self.sent.append((name, json.loads(request.content or b"null")))
                return

    async def aclose(self) -> None:
        await self._inner.aclose()


@pytest.fixture(scope="module", params=[NEW, OLD])
def flowers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """The flower store serving one release only, and that release."""
    release = str(request.param)
    with StoresInThread(
        ["flowers"], data_dir=tmp_path_factory.mktemp(f"shapes-{release}"), releases=(release,)
    ) as stores:
        yield stores[0].url, release


async def _approve(summary: PurchaseSummary) -> Approval:
    return summary.approve()


@pytest.mark.parametrize("transport", ["mcp", "rest"])
async def test_every_request_of_a_whole_trip_has_its_releases_request_shape(
    flowers: tuple[str, str], profiles: ProfileServer, tmp_path: Path, transport: str
) -> None:
    url, release = flowers
    outgoing = Outgoing()
    config = Config(merchants=[MerchantConfig(url=url, transport=transport)])  # type: ignore[arg-type]
    async with httpx2.AsyncClient(transport=outgoing, timeout=10.0) as http:
        store = Store.open(tmp_path / "p.db")
        trip = await compose.open_trip(
            config, store=store, merchant_urls=[url], http=http, profile_url=profiles.urls
        )
        try:
            await trip.search("tulips")
            await trip.set_basket([(TULIPS, 1)])
            await trip.set_basket([(TULIPS, 2)])
            await trip.prepare_checkout()
            [state] = await trip.complete(_approve)
        finally:
            await trip.aclose()
            store.close()
    assert state.status == COMPLETED

    operations = {name for name, _ in outgoing.sent}
    assert operations >= {
        "search_catalog",
        "create_cart",
        "update_cart",
        "create_checkout",
        "update_checkout",
        "complete_checkout",
    }, operations
    failures = [
        f"{name}: {error}"
        for name, body in outgoing.sent
        if name in SHAPES_BY_OPERATION
        for error in request_errors(
            release, SHAPES_BY_OPERATION[name][0], body, *SHAPES_BY_OPERATION[name][2]
        )
    ]
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("release", [NEW, OLD])
@pytest.mark.parametrize("operation", ["create", "update"])
def test_the_buyers_consent_has_the_request_shape_of_each_release(
    release: str, operation: str
) -> None:
    decisions = ConsentConfig(marketing=False, analytics=True, sale_or_sharing=False).decisions()
    body = {"line_items": [{"item": {"id": TULIPS}, "quantity": 1}], "buyer": {"email": "a@b.co"}}
    written = checkout_write(SHAPES[release], body, checkout_id="co_1", consent=decisions)
    consent = ("shopping/buyer_consent.json#/$defs/dev.ucp.shopping.checkout",)
    assert request_errors(release, operation, written, *consent) == []
    assert "consent" in written["buyer"]


def test_a_field_marked_omit_is_refused_by_the_derived_request_schema() -> None:
    """The derived schemas can fail: an update naming the checkout's id or status is refused."""
    body = {"id": "co_1", "status": "ready_for_complete", "line_items": []}
    errors = request_errors(NEW, "update", body, *CHECKOUT)
    assert any("co_1" in error for error in errors)
    assert any("ready_for_complete" in error for error in errors)
