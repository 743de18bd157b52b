"""Discovery: fetch ``/.well-known/ucp``, validate it, cache it by ``Cache-Control``, negotiate.

The validated profile document is cached twice: in memory (per ``Discovery``) and in the local
store (``Store.cached_profile`` / ``save_profile``), so a restart does not refetch a fresh profile.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx2

from assistant.domain import SUPPORTED_VERSIONS
from assistant.errors import NegotiationError
from assistant.ucp.http import MalformedResponse, send
from assistant.ucp.urls import domain, is_loopback_host, origin

WELL_KNOWN_PATH = "/.well-known/ucp"
SHOPPING_SERVICE = "dev.ucp.shopping"
# 2026-08-25's second service: search_locations / lookup_locations (services/common), at an
# endpoint the merchant publishes for it, not the shopping one.
COMMON_SERVICE = "dev.ucp.common"
TRANSPORTS = ("mcp", "rest")
DISCOVERY_TIMEOUT_S = 10.0
_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ProfileCacheStore(Protocol):
    """The two ``Store`` methods discovery needs."""

    def cached_profile(self, url: str) -> tuple[dict[str, Any], float] | None: ...
    def save_profile(self, url: str, profile: dict[str, Any], expires_at: float) -> None: ...


@dataclass(frozen=True)
class BusinessProfile:
    """A merchant's validated profile, as the client uses it."""

    url: str
    origin: str
    version: str
    endpoints: dict[str, str]  # transport → endpoint (no trailing slash)
    capabilities: dict[str, list[dict[str, Any]]]
    payment_handlers: dict[str, list[dict[str, Any]]]
    name: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    negotiated_because: str = "its profile's release"
    # dev.ucp.common at the negotiated release: transport → endpoint (empty: not offered)
    common_endpoints: dict[str, str] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        return domain(self.origin)

    def supports(self, capability: str) -> bool:
        return capability in self.capabilities


def max_age(cache_control: str | None) -> float:
    """Seconds a response may be reused for; 0 when uncacheable or unspecified."""
    if not cache_control:
        return 0.0
    directives = [part.strip().lower() for part in cache_control.split(",")]
    if any(d in ("no-store", "no-cache", "private") for d in directives):
        return 0.0
    for directive in directives:
        name, _, value = directive.partition("=")
        if name.strip() == "max-age":
            try:
                return max(0.0, float(value.strip().strip('"')))
            except ValueError:
                return 0.0
    return 0.0


def _fail(url: str, message: str, code: str = "profile_malformed") -> NegotiationError:
    return NegotiationError(
        f"{message} ({url})", merchant=domain(url), operation="discover", code=code
    )


def _endpoint_ok(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and is_loopback_host(parts.hostname or "")


def _endpoints(services: Any, url: str) -> dict[str, str]:
    """transport → endpoint, from the registry shape (04-08/01-23) or the 01-11 object shape."""
    found: dict[str, str] = {}
    entries = services.get(SHOPPING_SERVICE) if isinstance(services, dict) else None
    if isinstance(entries, dict):  # 2026-01-11: {"version", "rest": {"endpoint"}, "mcp": {...}}
        entries = [
            {**value, "transport": key}
            for key, value in entries.items()
            if key in TRANSPORTS and isinstance(value, dict)
        ]
    if not isinstance(entries, list):
        raise _fail(url, f"no {SHOPPING_SERVICE} service")
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        transport, endpoint = entry.get("transport"), entry.get("endpoint")
        if transport in TRANSPORTS and isinstance(endpoint, str) and transport not in found:
            if not _endpoint_ok(endpoint):
                raise _fail(url, f"{transport} endpoint is not https: {endpoint!r}")
            found[transport] = endpoint.rstrip("/")
    if not found:
        raise _fail(url, "no MCP or REST endpoint")
    return found


def _common_endpoints(services: Any, version: str) -> dict[str, str]:
    """transport → endpoint of the ``dev.ucp.common`` service at ``version`` (none: {}).

    Read like the shopping service, but never fatal: a merchant without it (every release before
    2026-08-25) or with an unusable entry simply offers no common operations.
    """
    entries = services.get(COMMON_SERVICE) if isinstance(services, dict) else None
    found: dict[str, str] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("version") != version:
            continue
        transport, endpoint = entry.get("transport"), entry.get("endpoint")
        usable = isinstance(endpoint, str) and _endpoint_ok(endpoint)
        if transport in TRANSPORTS and usable and transport not in found:
            found[transport] = str(endpoint).rstrip("/")
    return found


def _registry(value: Any) -> dict[str, list[dict[str, Any]]]:
    if isinstance(value, list):  # 2026-01-11 lists entries with a "name"
        registry: dict[str, list[dict[str, Any]]] = {}
        for entry in value:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                registry.setdefault(entry["name"], []).append(entry)
        return registry
    if isinstance(value, dict):
        return {
            name: [e for e in entries if isinstance(e, dict)]
            for name, entries in value.items()
            if isinstance(name, str) and isinstance(entries, list)
        }
    return {}


def _authority_matches(name: str, entry: dict[str, Any]) -> bool:
    """A capability's spec/schema must live under its namespace's domain (``dev.ucp`` → ucp.dev)."""
    labels = name.split(".")
    authority = ".".join(reversed(labels[:2]))
    for key in ("spec", "schema"):
        value = entry.get(key)
        if isinstance(value, str):
            host = (urlsplit(value).hostname or "").lower()
            if host != authority and not host.endswith("." + authority):
                return False
    return True


def parse_profile(document: Any, url: str) -> BusinessProfile:
    """Validate a profile document; ``NegotiationError`` names what is wrong."""
    if not isinstance(document, dict) or not isinstance(document.get("ucp"), dict):
        raise _fail(url, "profile has no 'ucp' object")
    ucp: dict[str, Any] = document["ucp"]
    version = ucp.get("version")
    if not isinstance(version, str) or not _VERSION.match(version):
        raise _fail(url, f"profile version {version!r} is not a dated version")
    merchant_origin = origin(url)
    capabilities = _registry(ucp.get("capabilities"))
    if not is_loopback_host(urlsplit(url).hostname or ""):
        capabilities = {
            name: kept
            for name, entries in capabilities.items()
            if (kept := [e for e in entries if _authority_matches(name, e)])
        }
    handlers = _registry(ucp.get("payment_handlers"))
    legacy_payment = document.get("payment")
    if not handlers and isinstance(legacy_payment, dict):  # 2026-01-11: payment.handlers[]
        handlers = _registry(legacy_payment.get("handlers"))
    name = next(
        (v for v in (document.get("name"), ucp.get("name")) if isinstance(v, str) and v), None
    )
    business = document.get("business")
    if name is None and isinstance(business, dict) and isinstance(business.get("name"), str):
        name = business["name"]
    return BusinessProfile(
        url=url,
        origin=merchant_origin,
        version=version,
        endpoints=_endpoints(ucp.get("services"), url),
        common_endpoints=_common_endpoints(ucp.get("services"), version),
        capabilities=capabilities,
        payment_handlers=handlers,
        name=name,
        raw=document,
    )


def choose_version(document: dict[str, Any]) -> tuple[str, str | None, str]:
    """(version to speak, URL of its version-specific profile if not this one, why).

    The newest release both sides speak wins: the document's own ``ucp.version`` or a
    ``supported_versions`` leaf (version → profile URL) the merchant lists beside it.
    """
    ucp = document["ucp"]
    version = ucp["version"]
    supported = ucp.get("supported_versions")
    leaves = (
        {v: url for v, url in supported.items() if isinstance(v, str) and isinstance(url, str)}
        if isinstance(supported, dict)
        else {}
    )
    offered = sorted({version, *leaves}, reverse=True)
    for candidate in offered:
        if candidate not in SUPPORTED_VERSIONS:
            continue
        if candidate == version:
            why = "its profile's release" + (
                f" (of {', '.join(offered)})" if len(offered) > 1 else ""
            )
            return version, None, why
        why = f"its supported_versions leaf (it leads with {version})"
        return candidate, leaves[candidate], why
    raise NegotiationError(
        f"speaks UCP {', '.join(offered)}; we speak {', '.join(SUPPORTED_VERSIONS)}",
        merchant=domain(str(ucp.get("url", ""))) or "merchant",
        operation="discover",
        code="version_unsupported",
    )


class Discovery:
    """Fetches and caches business profiles; one per process is plenty."""

    def __init__(
        self,
        http: httpx2.AsyncClient,
        store: ProfileCacheStore | None = None,
        *,
        clock: Callable[[], float] = time.time,
        timeout: float = DISCOVERY_TIMEOUT_S,
    ) -> None:
        self._http = http
        self._store = store
        self._clock = clock
        self._timeout = timeout
        self._memory: dict[str, tuple[dict[str, Any], float]] = {}
        self.requests_made = 0

    async def discover(self, merchant_url: str) -> BusinessProfile:
        """The merchant's profile at the protocol version we will speak."""
        url = origin(merchant_url) + WELL_KNOWN_PATH
        document = await self._document(url)
        try:
            version, leaf_url, why = choose_version(document)
        except NegotiationError as exc:
            raise _fail(url, exc.detail, "version_unsupported") from exc
        if leaf_url is not None:
            if origin(leaf_url) != origin(url) or not _endpoint_ok(leaf_url):
                raise _fail(url, f"version profile on another site: {leaf_url!r}")
            document = await self._document(leaf_url)
            if document["ucp"]["version"] != version:
                raise _fail(leaf_url, "version profile declares another version")
        profile = parse_profile(document, url)
        return replace(profile, negotiated_because=why)

    async def _document(self, url: str) -> dict[str, Any]:
        now = self._clock()
        cached = self._memory.get(url)
        if cached is None and self._store is not None:
            cached = self._store.cached_profile(url)
            if cached is not None:
                self._memory[url] = cached
        if cached is not None and cached[1] > now:
            return cached[0]
        document, ttl = await self._fetch(url)
        expires_at = self._clock() + ttl
        self._memory[url] = (document, expires_at)
        if self._store is not None and ttl > 0:
            self._store.save_profile(url, document, expires_at)
        return document

    async def _fetch(self, url: str) -> tuple[dict[str, Any], float]:
        merchant = domain(url)
        self.requests_made += 1
        response = await send(
            self._http,
            "GET",
            url,
            merchant=merchant,
            operation="discover",
            headers={"Accept": "application/json"},
            timeout_s=self._timeout,
        )
        if response.status_code != 200:
            code = "profile_unreachable"
            raise NegotiationError(
                f"GET {url} answered HTTP {response.status_code}",
                merchant=merchant,
                operation="discover",
                code=code,
                status_code=response.status_code,
            )
        try:
            document = response.json(merchant=merchant, operation="discover")
        except MalformedResponse as exc:
            raise _fail(url, "profile is not JSON") from exc
        parse_profile(document, url)  # validate before caching
        return document, max_age(response.headers.get("cache-control"))
