"""The composition root: opens what a trip needs (store, HTTP client, platform profile server, the
sandbox stores, merchant connections) in one place, and hands their closing to the ``Trip``."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

import httpx2

from assistant import locations, session_lock
from assistant.config import Config, MerchantConfig
from assistant.domain import PROFILE_VERSIONS, MerchantRef
from assistant.errors import PannierError
from assistant.events import EventBus
from assistant.profile import ProfileServer, platform_profile
from assistant.sandbox import find_or_start
from assistant.shopping import orders
from assistant.shopping.accounts import TripAccounts
from assistant.shopping.context import MerchantClient, TripContext
from assistant.shopping.payment import declares_request_constraints
from assistant.shopping.state import TripState
from assistant.shopping.trip import Trip
from assistant.store import Store
from assistant.store.repair import DamagedSession
from assistant.store.session_read import read_session
from assistant.ucp.connect import connect_merchant
from assistant.ucp.http import merchant_http_client
from assistant.ucp.link_tokens import LinkStore
from assistant.ucp.linked import AccountReader
from assistant.ucp.signing_keys import KeyRing
from assistant.ucp.urls import domain
from assistant.ucp.webhooks import WEBHOOK_PATH, OrderWebhookReceiver

HTTP_TIMEOUT_S: Final = 15.0


async def open_trip(
    config: Config,
    *,
    session: str = "default",
    store: Store | None = None,
    merchant_urls: Sequence[str] | None = None,
    http: httpx2.AsyncClient | None = None,
    profile_url: str | Mapping[str, str] | None = None,
    clients: Sequence[MerchantClient] | None = None,
) -> Trip:
    """Connect to every merchant (concurrently) and restore the session from the store.

    What is passed in stays the caller's; what is opened here is closed by ``trip.aclose()``.
    With no merchants configured, the home's sandbox stores are found (or started).
    """
    async with AsyncExitStack() as resources:
        if store is None:
            store = Store.open(locations.database_path(config.data_dir))
            resources.callback(store.close)
        if store.path is not None and str(store.path) != ":memory:":
            lock = await session_lock.acquire(
                store.path, session, wait_s=config.policy.session_wait_s
            )
            resources.callback(lock.release)
        records = read_session(store, session)  # each session table once, the check included
        if records.unreadable:
            raise DamagedSession(session, records.unreadable)
        if http is None:
            urls = list(merchant_urls or []) or [m.url for m in config.merchants]
            http = await resources.enter_async_context(
                merchant_http_client(urls, timeout_s=HTTP_TIMEOUT_S)
            )
        bus = EventBus()
        links = LinkStore(locations.linked_accounts_path(config.data_dir))
        accounts = AccountReader(http, links)
        unreachable: list[tuple[MerchantRef, str]] = []
        aliases: dict[str, str] = {}  # merchant domain -> the sandbox store's slug ("flowers")
        server: ProfileServer | None = None
        if clients is None:
            keys: KeyRing | None = None  # we sign only when the profile we name lists our keys
            if profile_url is None:
                # One profile per release; each merchant is sent the one it negotiated.
                home = _home_of(config, store)
                keys = KeyRing(locations.signing_keys_path(home))
                jwks = keys.published_jwks()
                server = ProfileServer(
                    {r: platform_profile(config, r, keys=jwks) for r in PROFILE_VERSIONS},
                    port_file=locations.profile_port_path(home),
                    webhook_path=WEBHOOK_PATH,
                )
                profile_url = (await resources.enter_async_context(server)).urls
            configs = [_merchant_config(config, url) for url in merchant_urls or []]
            configs = configs or list(config.merchants)
            if not configs:
                sandbox = await find_or_start(http)  # the home's service; outlives us
                resources.push_async_callback(sandbox.stop)
                configs = [MerchantConfig(url=url) for url in sandbox.urls]
                if len(sandbox.slugs) == len(sandbox.urls):
                    aliases = {urlsplit(u).netloc: slug for slug, u in sandbox.by_slug().items()}
            currency = next(iter(config.limits.per_order), None)
            clients, unreachable = await _connect_all(
                configs,
                http,
                store,
                bus,
                profile_url,
                currency,
                keys,
                config.buyer.consent.decisions(),
                accounts,
            )
        store.ensure_session(session)
        by_domain = {c.merchant.domain: c for c in clients}
        ctx = TripContext(
            config=config,
            store=store,
            session=session,
            bus=bus,
            clients=by_domain,
            state=TripState(store, session, {d: c.merchant for d, c in by_domain.items()}, records),
        )
        if server is not None:
            server.on_webhook = OrderWebhookReceiver(
                apply=functools.partial(orders.order_heard, ctx),
                bus=bus,
                merchants=[(c.merchant, getattr(c, "merchant_jwks", ())) for c in clients],
            ).handle
        trip = Trip(ctx, resources=resources.pop_all())
        trip.unreachable = unreachable
        trip.accounts = TripAccounts(accounts, trip.merchants)
        trip.merchant_aliases = aliases
        trip.checks_constraints = any(
            declares_request_constraints(getattr(c, "payment_handlers", {})) for c in clients
        )
    try:
        await trip.restore()
    except BaseException:
        await trip.aclose()
        raise
    return trip


def _home_of(config: Config, store: Store) -> Path | None:
    """Where the signing keys and the profile port live: beside the trip's database."""
    if config.data_dir is not None or store.path is None or str(store.path) == ":memory:":
        return config.data_dir
    return Path(store.path).parent


def _merchant_config(config: Config, url: str) -> MerchantConfig:
    """The configured entry for ``url`` (its credentials, name…), else a bare one."""
    wanted = url.rstrip("/").lower()
    for entry in config.merchants:
        if entry.url.rstrip("/").lower() == wanted:
            return entry
    return MerchantConfig(url=url)


async def _connect_all(
    configs: list[MerchantConfig],
    http: httpx2.AsyncClient,
    store: Store,
    bus: EventBus,
    profile_url: str | Mapping[str, str],
    currency: str | None,
    keys: KeyRing | None,
    consent: dict[str, bool],
    accounts: AccountReader,
) -> tuple[list[MerchantClient], list[tuple[MerchantRef, str]]]:
    """The merchants that answered, and (merchant, reason) for those that did not."""
    results = await asyncio.gather(
        *(
            connect_merchant(
                c,
                http=http,
                store=store,
                profile_url=profile_url,
                bus=bus,
                default_currency=currency,
                token_cache=store,
                keys=keys,
                consent=consent,
                accounts=accounts,
            )
            for c in configs
        ),
        return_exceptions=True,
    )
    clients: list[MerchantClient] = []
    unreachable: list[tuple[MerchantRef, str]] = []
    first_failure: PannierError | None = None
    for config, result in zip(configs, results, strict=True):
        if isinstance(result, PannierError):
            first_failure = first_failure or result
            host = domain(config.url) or config.url
            unreachable.append((MerchantRef(host, config.name or host, config.url), result.message))
        elif isinstance(result, BaseException):
            raise result  # a bug, or a cancellation: never hidden behind "unreachable"
        else:
            clients.append(result)
    if first_failure is not None and not clients:
        raise first_failure  # nobody answered: the trip cannot start (names the first merchant)
    return clients, unreachable
