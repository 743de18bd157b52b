"""Capability negotiation against the platform profile named in each request (DIGEST §2.3–§2.5).

Profiles are fetched once and cached (Cache-Control max-age, floor 60 s); concurrent requests for
the same uncached profile share one fetch. http is allowed only for loopback hosts.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx2

from merchants.bindings.errors import negotiation_failed

PROFILE_TTL_FLOOR_SECONDS = 60.0
PROFILE_TTL_DEFAULT_SECONDS = 300.0
PROFILE_FETCH_TIMEOUT_SECONDS = 5.0
PROFILE_CACHE_SIZE = 256

_VERSION_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MAX_AGE = re.compile(r"max-age\s*=\s*(\d+)")


@dataclass(frozen=True)
class PlatformProfile:
    """The parts of a platform profile negotiation needs."""

    url: str
    version: str
    capability_versions: dict[str, frozenset[str]]
    payment_handler_names: frozenset[str]
    keys: tuple[dict[str, Any], ...] = ()  # its signing JWKs (keys[]; signing_keys[] before 08-25)
    webhook_url: str | None = None  # where it wants order events (its order capability's config)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_profile_url(url: object) -> str:
    """Return the URL if it may be fetched, else raise invalid_profile_url."""
    if not isinstance(url, str) or not url:
        raise negotiation_failed(
            "invalid_profile_url", "The request names no platform profile URL."
        )
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError as exc:
        raise negotiation_failed(
            "invalid_profile_url", "The platform profile URL is malformed."
        ) from exc
    if not host:
        raise negotiation_failed("invalid_profile_url", "The platform profile URL has no host.")
    if parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(host)):
        return url
    raise negotiation_failed(
        "invalid_profile_url",
        "The platform profile must be served over https (http only on loopback).",
    )


def check_release(profile: PlatformProfile, releases: tuple[str, ...]) -> str:
    """The release to answer in: the profile's own, if this store serves it."""
    if profile.version not in releases:
        raise negotiation_failed(
            "version_unsupported",
            f"This store speaks UCP {' and '.join(releases)}; "
            f"the platform profile asks for {profile.version}.",
        )
    return profile.version


def parse_profile(url: str, document: Any) -> PlatformProfile:
    """Validate a fetched platform profile (any dated release); raise profile_malformed."""
    ucp = document.get("ucp") if isinstance(document, dict) else None
    if not isinstance(ucp, dict):
        raise negotiation_failed("profile_malformed", "The platform profile has no `ucp` object.")
    version = ucp.get("version")
    if not isinstance(version, str) or not _VERSION_PATTERN.match(version):
        raise negotiation_failed(
            "profile_malformed", "The platform profile has no dated `ucp.version`."
        )
    for member in ("services", "payment_handlers"):
        if not isinstance(ucp.get(member), dict):
            raise negotiation_failed(
                "profile_malformed", f"The platform profile lacks `ucp.{member}`."
            )
    raw_capabilities = ucp.get("capabilities", {})
    if not isinstance(raw_capabilities, dict):
        raise negotiation_failed("profile_malformed", "`ucp.capabilities` must be an object.")
    capability_versions: dict[str, frozenset[str]] = {}
    for name, entries in raw_capabilities.items():
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("version"), str) for e in entries
        ):
            raise negotiation_failed(
                "profile_malformed", f"Capability {name!r} needs entries with a version."
            )
        capability_versions[name] = frozenset(e["version"] for e in entries)
    keys = document.get("keys", document.get("signing_keys"))
    order_entries = raw_capabilities.get("dev.ucp.shopping.order") or [{}]
    config = order_entries[0].get("config") if isinstance(order_entries[0], dict) else None
    webhook_url = config.get("webhook_url") if isinstance(config, dict) else None
    return PlatformProfile(
        url=url,
        version=version,
        capability_versions=capability_versions,
        payment_handler_names=frozenset(ucp["payment_handlers"]),
        keys=tuple(k for k in keys if isinstance(k, dict)) if isinstance(keys, list) else (),
        webhook_url=webhook_url if isinstance(webhook_url, str) else None,
    )


class ProfileCache:
    """Fetches and caches platform profiles; every store in a process may share one."""

    def __init__(self, http_client: httpx2.AsyncClient | None = None) -> None:
        self._http_client = http_client
        self._owns_client = http_client is None
        self._entries: dict[str, tuple[float, PlatformProfile]] = {}
        self._in_flight: dict[str, asyncio.Future[PlatformProfile]] = {}

    async def aclose(self) -> None:
        """Close the HTTP client if this cache created it."""
        if self._owns_client and self._http_client is not None:
            await self._http_client.aclose()
            self._http_client = None

    def forget(self, url: str) -> None:
        """Drop a cached profile (a signer's key was not in it: it may have rotated)."""
        self._entries.pop(url, None)

    async def get(self, url: object) -> PlatformProfile:
        """The validated profile at `url`, from cache when fresh (a cached URL was checked
        when it was fetched, so a hit skips parsing it again)."""
        cached = self._entries.get(url) if isinstance(url, str) else None
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        checked = check_profile_url(url)
        pending = self._in_flight.get(checked)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[PlatformProfile] = asyncio.get_running_loop().create_future()
        self._in_flight[checked] = future
        try:
            profile, ttl = await self._fetch(checked)
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: there may be no waiter
            raise
        except BaseException:
            future.cancel()
            raise
        else:
            future.set_result(profile)
            if len(self._entries) >= PROFILE_CACHE_SIZE:
                self._entries.pop(next(iter(self._entries)))
            self._entries[checked] = (time.monotonic() + ttl, profile)
            return profile
        finally:
            del self._in_flight[checked]

    async def _fetch(self, url: str) -> tuple[PlatformProfile, float]:
        if self._http_client is None:
            self._http_client = httpx2.AsyncClient(timeout=PROFILE_FETCH_TIMEOUT_SECONDS)
        try:
            response = await self._http_client.get(
                url, follow_redirects=False, timeout=PROFILE_FETCH_TIMEOUT_SECONDS
            )
        except httpx2.HTTPError as exc:
            raise negotiation_failed(
                "profile_unreachable", f"Could not fetch the platform profile: {exc}"
            ) from exc
        if response.status_code != 200:
            raise negotiation_failed(
                "profile_unreachable",
                f"Fetching the platform profile answered HTTP {response.status_code}.",
            )
        try:
            document = response.json()
        except ValueError as exc:
            raise negotiation_failed(
                "profile_malformed", "The platform profile is not JSON."
            ) from exc
        profile = parse_profile(url, document)
        match = _MAX_AGE.search(response.headers.get("cache-control", ""))
        ttl = float(match.group(1)) if match else PROFILE_TTL_DEFAULT_SECONDS
        return profile, max(ttl, PROFILE_TTL_FLOOR_SECONDS)


@dataclass(frozen=True)
class Negotiated:
    """The outcome of intersecting one store's profile with one platform profile."""

    active_versions: dict[str, str]
    payment_handlers: dict[str, list[dict[str, Any]]]


def intersect(
    business_capabilities: dict[str, list[dict[str, Any]]],
    business_handlers: dict[str, list[dict[str, Any]]],
    platform: PlatformProfile,
) -> Negotiated:
    """Name match, highest common version, then prune orphaned extensions until stable (§2.4)."""
    active: dict[str, str] = {}
    parents: dict[str, list[str]] = {}
    for name, entries in business_capabilities.items():
        common = {e["version"] for e in entries} & platform.capability_versions.get(
            name, frozenset()
        )
        if not common:
            continue
        active[name] = max(common)
        extends = entries[0].get("extends")
        if extends is not None:
            parents[name] = [extends] if isinstance(extends, str) else list(extends)
    changed = True
    while changed:
        changed = False
        for name in list(active):
            if name in parents and not any(p in active for p in parents[name]):
                del active[name]
                changed = True
    handlers = {k: v for k, v in business_handlers.items() if k in platform.payment_handler_names}
    return Negotiated(active_versions=active, payment_handlers=handlers)
