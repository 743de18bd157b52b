"""Build a ``UcpClient`` for one merchant: discovery, version and transport choice, credentials."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Protocol

import httpx2

from assistant.config import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, MerchantConfig
from assistant.domain import MerchantRef
from assistant.errors import NegotiationError
from assistant.events import EventBus, MerchantNegotiated
from assistant.ucp.auth import TOKEN_PATH, TokenCache, TokenSource
from assistant.ucp.client import DEFAULT_CONCURRENCY, KeyStore, UcpClient
from assistant.ucp.discovery import BusinessProfile, Discovery, ProfileCacheStore
from assistant.ucp.http import DEFAULT_TIMEOUT_S, MAX_RESPONSE_BYTES
from assistant.ucp.linked import AccountReader, LinkedCredential
from assistant.ucp.retry import RetryPolicy
from assistant.ucp.signing import Signing, merchant_keys
from assistant.ucp.signing_keys import KeyRing
from assistant.ucp.transport import Endpoint, Transport
from assistant.ucp.transport_mcp import McpTransport
from assistant.ucp.transport_rest import RestTransport
from assistant.ucp.urls import origin


class ClientStore(KeyStore, ProfileCacheStore, Protocol):
    """What the client needs of ``assistant.store.Store``."""


def choose_transport(profile: BusinessProfile, forced: str = "auto") -> str:
    """MCP when offered, else REST; a forced transport must be offered."""
    if forced != "auto":
        if forced not in profile.endpoints:
            raise NegotiationError(
                f"offers no {forced.upper()} endpoint (it offers {', '.join(profile.endpoints)})",
                merchant=profile.domain,
                operation="discover",
                code="transport_unavailable",
            )
        return forced
    return "mcp" if "mcp" in profile.endpoints else "rest"


def choose_common_transport(profile: BusinessProfile, forced: str = "auto") -> str | None:
    """The ``dev.ucp.common`` transport, chosen like the shopping one; None when not offered.

    A forced transport the common service does not offer leaves it unused rather than failing
    the merchant: its shopping operations do not depend on it.
    """
    offered = profile.common_endpoints
    if forced != "auto":
        return forced if forced in offered else None
    return "mcp" if "mcp" in offered else ("rest" if "rest" in offered else None)


def transport_reason(profile: BusinessProfile, forced: str = "auto") -> str:
    """Why ``choose_transport`` picked what it did, for the protocol log."""
    if forced != "auto":
        return "as the config asks"
    offered = " and ".join(t.upper() for t in profile.endpoints)
    return f"it offers {offered}; MCP when offered, else REST"


# The top-level profile member where Pannier's sandbox stores say where a token comes from:
# {"dev.pannier.sandbox": {"token_endpoint": URL, "grant_types_supported": [...],
#  "clients": [{"client_id": ..., "client_secret": ...}]}} (the public sandbox credentials).
SANDBOX_EXTENSION = "dev.pannier.sandbox"


def _sandbox_extension(profile: BusinessProfile) -> dict[str, object] | None:
    extension = profile.raw.get(SANDBOX_EXTENSION)
    return extension if isinstance(extension, dict) else None


def advertised_token_url(profile: BusinessProfile) -> str | None:
    """The token endpoint the profile advertises (on the merchant's own origin), if any."""
    extension = _sandbox_extension(profile)
    url = extension.get("token_endpoint") if extension is not None else None
    if isinstance(url, str) and origin(url) == profile.origin:
        return url
    return None


def is_bundled_sandbox(profile: BusinessProfile) -> bool:
    """A Pannier sandbox store, recognised by what its profile says, never by its address."""
    return advertised_token_url(profile) is not None


def _sandbox_client(profile: BusinessProfile) -> tuple[str, str]:
    """The public client the sandbox profile lists (else the one every sandbox store knows)."""
    extension = _sandbox_extension(profile) or {}
    clients = extension.get("clients")
    for client in clients if isinstance(clients, list) else []:
        if isinstance(client, dict):
            client_id, secret = client.get("client_id"), client.get("client_secret")
            if isinstance(client_id, str) and isinstance(secret, str):
                return client_id, secret
    return SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET


def merchant_credentials(
    config: MerchantConfig, profile: BusinessProfile
) -> tuple[str, str, str] | None:
    """(client id, secret, token URL): from config, or the public sandbox client for a sandbox."""
    configured = config.credentials()
    token_url = config.token_url or advertised_token_url(profile) or profile.origin + TOKEN_PATH
    if configured is not None:
        return (*configured, token_url)
    if is_bundled_sandbox(profile):
        return (*_sandbox_client(profile), token_url)
    return None


def profile_url_for(profile_url: str | Mapping[str, str], version: str) -> str:
    """The platform profile a request to a merchant speaking ``version`` names.

    A mapping is release → URL (our loopback server's ``urls``): the release's own profile, or
    for an older read-only release the oldest profile we host. A plain URL is used as given.
    """
    if isinstance(profile_url, str):
        return profile_url
    if version in profile_url:
        return profile_url[version]
    return profile_url[min(profile_url)]


def make_transport(name: str, endpoint: Endpoint) -> Transport:
    return McpTransport(endpoint) if name == "mcp" else RestTransport(endpoint)


async def connect_merchant(
    config: MerchantConfig,
    *,
    http: httpx2.AsyncClient,
    store: ClientStore | None,
    profile_url: str | Mapping[str, str],
    discovery: Discovery | None = None,
    bus: EventBus | None = None,
    retry: RetryPolicy | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = MAX_RESPONSE_BYTES,
    concurrency: int = DEFAULT_CONCURRENCY,
    default_currency: str | None = None,
    token_cache: TokenCache | None = None,
    keys: KeyRing | None = None,
    consent: Mapping[str, bool] | None = None,
    accounts: AccountReader | None = None,
) -> UcpClient:
    """Discover the merchant and return a client speaking the chosen version over its transport.

    Share one ``discovery`` between calls to keep its memory cache; the store's cache survives
    restarts either way. ``store=None`` (the raw CLI): no stored keys, so writes are not retried.
    ``token_cache`` keeps access tokens for the next process until they expire.
    With ``keys``, requests to a merchant that publishes signing keys are signed; a signed request
    stands in for the sandbox's public client credentials (configured ones are still sent).
    With ``accounts``, a signed call whose scope the shopper's linked account there grants
    carries that account's token (refreshed once if the store says it is no longer valid).
    """
    discovery = discovery if discovery is not None else Discovery(http, store)
    profile = await discovery.discover(config.url)
    transport_name = choose_transport(profile, config.transport)
    jwks = merchant_keys(profile.raw, profile.version)
    signing = Signing(keys, jwks) if keys is not None and jwks else None
    endpoint = Endpoint(
        http=http,
        merchant=profile.domain,
        url=profile.endpoints[transport_name],
        profile_url=profile_url_for(profile_url, profile.version),
        version=profile.version,
        timeout_s=timeout_s,
        max_bytes=max_bytes,
        signing=signing,
    )
    common_name = choose_common_transport(profile, config.transport)
    common = None
    if common_name is not None:
        common_endpoint = replace(endpoint, url=profile.common_endpoints[common_name])
        common = make_transport(common_name, common_endpoint)
    merchant = MerchantRef(
        domain=profile.domain,
        name=config.name or profile.name or profile.domain,
        url=profile.origin,
    )
    credentials = merchant_credentials(config, profile)
    if signing is not None and config.credentials() is None:
        credentials = None  # the "signed" tier: the signature is the credential
    tokens = None
    if credentials is not None:
        client_id, client_secret, token_url = credentials
        tokens = TokenSource(
            http,
            merchant=profile.domain,
            token_url=token_url,
            client_id=client_id,
            client_secret=client_secret,
            timeout_s=timeout_s,
            cache=token_cache,
        )
    if bus is not None:
        bus.publish(
            MerchantNegotiated(
                merchant=merchant,
                version=profile.version,
                version_reason=profile.negotiated_because,
                transport=transport_name,
                transport_reason=transport_reason(profile, config.transport),
            )
        )
    return UcpClient(
        merchant=merchant,
        transport=make_transport(transport_name, endpoint),
        common_transport=common,
        version=profile.version,
        store=store,
        tokens=tokens,
        bus=bus,
        retry=retry,
        concurrency=concurrency,
        capabilities=frozenset(profile.capabilities),
        payment_handlers=profile.payment_handlers,
        currency=config.currency or default_currency,
        merchant_jwks=jwks,
        consent=consent,
        linked=_linked(accounts, merchant.url),
    )


def _linked(accounts: AccountReader | None, origin: str) -> LinkedCredential | None:
    """The shopper's linked account at ``origin``, when there is one."""
    if accounts is None or accounts.account(origin.rstrip("/")) is None:
        return None
    return LinkedCredential(accounts, origin.rstrip("/"))
