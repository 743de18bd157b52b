"""Shared pieces of the signing tests: a platform (key ring + the profile listing its keys) and a
recorder of what went over the wire."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2

from assistant.config import Config, MerchantConfig
from assistant.domain import PROFILE_VERSIONS
from assistant.profile import ProfileServer, platform_profile
from assistant.store import Store
from assistant.ucp.client import UcpClient
from assistant.ucp.connect import connect_merchant
from assistant.ucp.signing_keys import KeyRing
from tests.ucp.test_sandbox import INSTANT

RELEASE = "2026-08-25"


@dataclass(frozen=True)
class Platform:
    ring: KeyRing
    profile: ProfileServer

    @property
    def profile_url(self) -> str:
        return self.profile.urls[RELEASE]


@asynccontextmanager
async def platform(home: Path) -> AsyncIterator[Platform]:
    """Our key ring in ``home`` and our profiles (listing its keys) on a free loopback port."""
    ring = KeyRing(home / "platform-signing-keys.json")
    jwks = ring.published_jwks()
    server = ProfileServer(
        {r: platform_profile(Config(), r, keys=jwks) for r in PROFILE_VERSIONS},
        port_file=home / "profile-port",
    )
    async with server:
        yield Platform(ring, server)


class Recorder(httpx2.AsyncBaseTransport):
    """Forwards to the real network and keeps every request and response it saw."""

    def __init__(self) -> None:
        self.real = httpx2.AsyncHTTPTransport()
        self.requests: list[httpx2.Request] = []
        self.responses: list[httpx2.Response] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        response = await self.real.handle_async_request(request)
        self.responses.append(response)
        return response

    async def aclose(self) -> None:
        await self.real.aclose()


async def signed_client(
    url: str,
    transport: str,
    http: httpx2.AsyncClient,
    store: Store | None,
    platform: Platform,
) -> UcpClient:
    return await connect_merchant(
        MerchantConfig(url=url, transport=transport),
        http=http,
        store=store,
        profile_url=platform.profile.urls,
        retry=INSTANT,
        keys=platform.ring,
    )
