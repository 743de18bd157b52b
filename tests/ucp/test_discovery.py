"""Discovery: validation, Cache-Control caching in memory and in the store, version choice."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

from assistant.errors import NegotiationError
from assistant.store import Store
from assistant.ucp.discovery import Discovery, max_age, parse_profile
from tests.ucp.fakes import ORIGIN, FakeMerchant, business_profile


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_a_fresh_profile_is_not_refetched_after_a_restart(tmp_path: Path) -> None:
    merchant = FakeMerchant()
    store = Store.open(tmp_path / "p.db")
    async with httpx2.AsyncClient(transport=merchant.transport()) as http:
        first = await Discovery(http, store).discover(ORIGIN)
        store.close()
        reopened = Store.open(tmp_path / "p.db")
        restarted = Discovery(http, reopened)
        second = await restarted.discover(ORIGIN + "/some/page")
    assert first.endpoints == second.endpoints == {"mcp": f"{ORIGIN}/mcp", "rest": f"{ORIGIN}/v1"}
    assert len(merchant.requests) == 1 and restarted.requests_made == 0


async def test_the_profile_is_refetched_once_max_age_has_passed() -> None:
    merchant = FakeMerchant(cache_control="public, max-age=60")
    clock = Clock()
    async with httpx2.AsyncClient(transport=merchant.transport()) as http:
        discovery = Discovery(http, clock=clock)
        await discovery.discover(ORIGIN)
        clock.now += 59
        await discovery.discover(ORIGIN)
        clock.now += 2
        await discovery.discover(ORIGIN)
    assert discovery.requests_made == 2


async def test_an_uncacheable_profile_is_not_stored(tmp_path: Path) -> None:
    merchant = FakeMerchant(cache_control="no-store")
    store = Store.open(tmp_path / "p.db")
    async with httpx2.AsyncClient(transport=merchant.transport()) as http:
        discovery = Discovery(http, store)
        await discovery.discover(ORIGIN)
        await discovery.discover(ORIGIN)
    assert discovery.requests_made == 2
    assert store.cached_profile(f"{ORIGIN}/.well-known/ucp") is None


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("public, max-age=300", 300),
        ("max-age=60, public", 60),
        ("private, max-age=300", 0),
        ("no-cache", 0),
        (None, 0),
        ("max-age=abc", 0),
    ],
)
def test_max_age_reads_cache_control(header: str | None, seconds: float) -> None:
    assert max_age(header) == seconds


def test_the_2026_01_11_profile_shape_is_understood() -> None:
    document = {
        "ucp": {
            "version": "2026-01-11",
            "services": {
                "dev.ucp.shopping": {
                    "version": "2026-01-11",
                    "rest": {
                        "schema": "https://ucp.dev/x.json",
                        "endpoint": "http://localhost:8182/",
                    },
                }
            },
            "capabilities": [
                {
                    "name": "dev.ucp.shopping.checkout",
                    "version": "2026-01-11",
                    "spec": "https://ucp.dev/spec",
                    "schema": "https://ucp.dev/s.json",
                }
            ],
        },
        "payment": {
            "handlers": [
                {
                    "id": "mock_payment_handler",
                    "name": "dev.ucp.mock_payment",
                    "version": "2026-01-11",
                }
            ]
        },
    }
    profile = parse_profile(document, "http://localhost:8182/.well-known/ucp")
    assert profile.endpoints == {"rest": "http://localhost:8182"}
    assert profile.supports("dev.ucp.shopping.checkout")
    assert profile.payment_handlers["dev.ucp.mock_payment"][0]["id"] == "mock_payment_handler"


@pytest.mark.parametrize(
    "document",
    [
        {"hello": "world"},
        {"ucp": {"version": "draft", "services": {}}},
        {"ucp": {"version": "2026-04-08", "services": {}}},
        {
            "ucp": {
                "version": "2026-04-08",
                "services": {
                    "dev.ucp.shopping": [
                        {"transport": "rest", "endpoint": "http://shop.example/v1"}
                    ]
                },
            }
        },
    ],
    ids=["no-ucp", "draft-version", "no-services", "plain-http-endpoint"],
)
def test_invalid_profiles_are_refused(document: dict[str, object]) -> None:
    with pytest.raises(NegotiationError):
        parse_profile(document, "https://shop.example/.well-known/ucp")


def test_capabilities_whose_spec_is_off_their_namespace_are_dropped() -> None:
    document = business_profile()
    document["ucp"]["capabilities"]["dev.ucp.shopping.cart"] = [
        {
            "version": "2026-04-08",
            "spec": "https://evil.example/cart",
            "schema": "https://evil.example/cart.json",
        }
    ]
    profile = parse_profile(document, "https://shop.example/.well-known/ucp")
    assert not profile.supports("dev.ucp.shopping.cart") and profile.supports(
        "dev.ucp.shopping.checkout"
    )


async def test_a_newer_only_merchant_is_refused_and_a_version_specific_profile_is_followed() -> (
    None
):
    newer = business_profile("2026-09-01")
    both = {**business_profile("2026-09-01")}
    both["ucp"] = {
        **both["ucp"],
        "supported_versions": {"2026-04-08": f"{ORIGIN}/.well-known/ucp/2026-04-08"},
    }

    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/.well-known/ucp/2026-04-08":
            return httpx2.Response(
                200, json=business_profile(), headers={"Cache-Control": "public, max-age=60"}
            )
        if request.url.host == "new.example":
            return httpx2.Response(200, json=newer)
        return httpx2.Response(200, json=both)

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(handler)) as http:
        profile = await Discovery(http).discover(ORIGIN)
        assert profile.version == "2026-04-08"
        with pytest.raises(NegotiationError, match="2026-09-01"):
            await Discovery(http).discover("https://new.example")


async def test_a_missing_profile_is_a_negotiation_error_naming_the_merchant() -> None:
    async with httpx2.AsyncClient(
        transport=httpx2.MockTransport(lambda r: httpx2.Response(404))
    ) as http:
        with pytest.raises(NegotiationError) as caught:
            await Discovery(http).discover(ORIGIN)
    assert caught.value.merchant == "shop.example" and "HTTP 404" in str(caught.value)
