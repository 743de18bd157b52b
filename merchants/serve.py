"""Run sandbox stores: all of them in one process and one event loop, one uvicorn server per port.

`serve_stores` is the async API (tests, benches); `StoresInThread` runs it on a background thread
for synchronous callers (pytest session fixtures, the CLI).
"""

from __future__ import annotations

import asyncio
import errno
import socket
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx2
import uvicorn

from merchants.bindings.app import Chaos, StoreApp, install_log_filter
from merchants.bindings.auth import load_or_create_secret
from merchants.bindings.negotiation import PROFILE_FETCH_TIMEOUT_SECONDS, ProfileCache
from merchants.bindings.signatures import StoreSignatures, load_or_create_key
from merchants.bindings.versions import RELEASES
from merchants.bindings.webhooks import OrderWebhooks
from merchants.business.shop import Shop
from merchants.business.specs import STORES_DIR, StoreSpec, load_store_specs
from merchants.service import default_data_dir

__all__ = ["RunningStore", "StoresInThread", "default_data_dir", "serve_stores"]

HOST = "127.0.0.1"
STARTUP_TIMEOUT_SECONDS = 30.0
MAINTENANCE_INTERVAL_SECONDS = 0.25
CHECKPOINT_EVERY_TICKS = 8
# Expired idempotency records deleted per prune transaction. A tick's quota is taken in steps of
# this size with the event loop let through between them (and between stores), so a request that
# arrives meanwhile waits for one small step, never for every store's whole batch.
PRUNE_STEP = 25


@dataclass(frozen=True)
class RunningStore:
    """A store that is accepting connections at `url`."""

    slug: str
    name: str
    url: str


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to its owner: several share one process."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def _prune(shop: Shop) -> None:
    """This tick's share of expired idempotency records, ``PRUNE_STEP`` at a time."""
    quota = shop.prune_quota()
    while quota > 0:
        step = min(quota, PRUNE_STEP)
        deleted = shop.prune_idempotency(step)
        if deleted:
            await asyncio.sleep(0)  # requests that arrived meanwhile go first
        if deleted < step:
            return
        quota -= deleted


async def _maintain(shops: Sequence[Shop]) -> None:
    """Between requests: prune a small share of expired idempotency records per store, and now
    and then checkpoint each store's WAL in a worker thread, never on the event loop."""
    tick = 0
    while True:
        await asyncio.sleep(MAINTENANCE_INTERVAL_SECONDS)
        tick += 1
        for shop in shops:
            await _prune(shop)
        if tick % CHECKPOINT_EVERY_TICKS == 0:
            for shop in shops:
                if shop.checkpoint_owed():
                    await asyncio.to_thread(shop.checkpoint)


def _listening_socket(port: int) -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on sockets that say they are TCP,
    # and without it every kept-alive response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
        sock.listen(1024)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise OSError(
                exc.errno,
                f"port {port} on {HOST} is in use (another program, or the stores of another "
                "Pannier home): --port-base N serves them from port N on, --port-base 0 on free "
                "ports",
            ) from None
        raise
    sock.setblocking(False)
    return sock


def _ports(specs: Sequence[StoreSpec], port_base: int | None, default_ports: bool) -> list[int]:
    if default_ports:
        return [spec.default_port for spec in specs]
    if not port_base:
        return [0] * len(specs)
    return [port_base + index for index in range(len(specs))]


@asynccontextmanager
async def serve_stores(
    slugs: Sequence[str] | None,
    *,
    port_base: int | None,
    data_dir: Path,
    latency_ms: int = 0,
    fail_rate: float = 0.0,
    default_ports: bool = False,
    rate_limit_scale: float = 1.0,
    releases: tuple[str, ...] = RELEASES,
    stores_dir: Path = STORES_DIR,
    profile_transport: httpx2.AsyncBaseTransport | None = None,
) -> AsyncIterator[list[RunningStore]]:
    """Serve the named stores (all when None) until the block exits.

    `port_base` None or 0 → free ports; N → N + index in default-port order. `default_ports` uses
    each spec's own port. `stores_dir` holds the store files (benches serve generated ones).
    `profile_transport` carries the stores' fetches of platform profiles (tests stand in for a
    platform's public host with it). The sockets listen before this yields, so no readiness
    wait is needed.
    """
    specs = sorted(load_store_specs(slugs, stores_dir), key=lambda spec: spec.default_port)
    data_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, at startup
    install_log_filter()
    sockets: list[socket.socket] = []
    shops: list[Shop] = []
    apps: list[StoreApp] = []
    servers: list[_Server] = []
    tasks: list[asyncio.Task[None]] = []
    chaos = Chaos(latency_ms=latency_ms, fail_rate=fail_rate)
    http_client = httpx2.AsyncClient(
        timeout=PROFILE_FETCH_TIMEOUT_SECONDS, transport=profile_transport
    )
    profiles = ProfileCache(http_client)
    running: list[RunningStore] = []
    maintenance: asyncio.Task[None] | None = None
    try:
        for spec, port in zip(specs, _ports(specs, port_base, default_ports), strict=True):
            sock = _listening_socket(port)
            sockets.append(sock)
            base_url = f"http://{HOST}:{sock.getsockname()[1]}"
            shop = Shop(spec, data_dir / f"{spec.slug}.sqlite3", base_url)
            shop.use_background_checkpoints()
            shops.append(shop)
            signatures = StoreSignatures(
                load_or_create_key(data_dir / f"{spec.slug}.signing-key.pem"),
                base_url=base_url,
                profiles=profiles,
            )
            app = StoreApp(
                shop,
                base_url=base_url,
                profiles=profiles,
                token_secret=load_or_create_secret(data_dir / f"{spec.slug}.token-secret"),
                signatures=signatures,
                order_webhooks=OrderWebhooks(
                    shop,
                    signatures=signatures,
                    profile_url=f"{base_url}/.well-known/ucp",
                    registry=data_dir / f"{spec.slug}.order-webhooks.json",
                ),
                chaos=chaos,
                rate_limit_scale=rate_limit_scale,
                releases=releases,
                accounts_db=data_dir / f"{spec.slug}.accounts.sqlite3",
            )
            apps.append(app)
            config = uvicorn.Config(
                app,
                host=HOST,
                port=sock.getsockname()[1],
                log_level="warning",
                lifespan="off",
                access_log=False,
                # Nothing sits in front of a sandbox store: no X-Forwarded-* header is to be
                # believed, and the middleware that reads them costs every request a dict.
                proxy_headers=False,
            )
            server = _Server(config)
            servers.append(server)
            tasks.append(
                asyncio.create_task(server.serve(sockets=[sock]), name=f"store-{spec.slug}")
            )
            running.append(RunningStore(slug=spec.slug, name=spec.name, url=base_url))
        maintenance = asyncio.create_task(_maintain(shops), name="store-maintenance")
        yield running
    finally:
        if maintenance is not None:
            maintenance.cancel()
            await asyncio.gather(maintenance, return_exceptions=True)
        for server in servers:
            server.should_exit = True
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for sock in sockets:
            sock.close()
        for shop in shops:
            shop.close()
        for app in apps:
            app.identity.grants.close()
        await http_client.aclose()


class StoresInThread:
    """`with StoresInThread(...) as stores:` runs serve_stores on a thread with its own loop."""

    def __init__(
        self,
        slugs: Sequence[str] | None = None,
        *,
        port_base: int | None = None,
        data_dir: Path,
        latency_ms: int = 0,
        fail_rate: float = 0.0,
        default_ports: bool = False,
        rate_limit_scale: float = 1.0,
        releases: tuple[str, ...] = RELEASES,
        stores_dir: Path = STORES_DIR,
        profile_transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self._kwargs = {
            "profile_transport": profile_transport,
            "releases": releases,
            "stores_dir": stores_dir,
            "port_base": port_base,
            "data_dir": data_dir,
            "latency_ms": latency_ms,
            "fail_rate": fail_rate,
            "default_ports": default_ports,
            "rate_limit_scale": rate_limit_scale,
        }
        self._slugs = slugs
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.stores: list[RunningStore] = []

    def __enter__(self) -> list[RunningStore]:
        self._thread = threading.Thread(target=self._run, name="sandbox-stores", daemon=True)
        self._thread.start()
        if not self._ready.wait(STARTUP_TIMEOUT_SECONDS):
            raise TimeoutError("sandbox stores did not start")
        if self._error is not None:
            raise RuntimeError("sandbox stores failed to start") from self._error
        return self.stores

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop the servers and join the thread."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(STARTUP_TIMEOUT_SECONDS)
            self._thread = None

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with serve_stores(self._slugs, **self._kwargs) as stores:  # type: ignore[arg-type]
            self.stores = stores
            self._ready.set()
            await self._stop.wait()
