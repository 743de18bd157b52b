"""Benchmark the UCP client: per-call overhead against a raw httpx2 post of the same request, and
discovery with a warm cache (it must make zero requests).

Run: `.venv/bin/python bench/client.py [--calls 250] [--rounds 5]`.
Starts `python -m merchants serve --port-base 0 --json` in a subprocess (the stores meet the
client only on the wire), serves our platform profile from this process, then prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx2

from assistant.config import Config, MerchantConfig
from assistant.profile import serve_profile
from assistant.store import Store
from assistant.ucp.client import UcpClient
from assistant.ucp.connect import connect_merchant
from assistant.ucp.discovery import Discovery

QUERY = "rose"


async def _raw_rest(http: httpx2.AsyncClient, endpoint: str, profile: str) -> Any:
    response = await http.post(
        f"{endpoint}/catalog/search",
        content=json.dumps({"query": QUERY, "pagination": {"limit": 10}}).encode(),
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "UCP-Agent": f'profile="{profile}"',
            "Request-Id": str(uuid.uuid4()),
        },
    )
    return response.json()


async def _raw_mcp(http: httpx2.AsyncClient, endpoint: str, profile: str) -> Any:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {
            "name": "search_catalog",
            "arguments": {
                "catalog": {"query": QUERY, "pagination": {"limit": 10}},
                "meta": {"ucp-agent": {"profile": profile}},
            },
        },
    }
    response = await http.post(
        endpoint,
        content=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
        },
    )
    return response.json()


async def _time(calls: int, once: Any) -> float:
    # The stores allow 300 catalog calls/s (burst 600): let the bucket refill so no batch is
    # throttled (a 429 would make the client wait out Retry-After and skew the figures).
    await asyncio.sleep(2.0)
    started = time.perf_counter()
    for _ in range(calls):
        await once()
    return (time.perf_counter() - started) / calls * 1000.0


async def _overhead(url: str, profile: str, transport: str, calls: int, rounds: int) -> None:
    async with httpx2.AsyncClient() as http:
        client: UcpClient = await connect_merchant(
            MerchantConfig(url=url, transport=transport),  # type: ignore[arg-type]
            http=http,
            store=None,
            profile_url=profile,
        )
        endpoint = client.transport.endpoint.url  # type: ignore[attr-defined]
        raw = _raw_mcp if transport == "mcp" else _raw_rest

        async def via_client() -> None:
            await client.search_catalog(QUERY)

        async def via_raw() -> None:
            await raw(http, endpoint, profile)

        async def via_transport() -> None:
            await client.transport.call(
                "search_catalog", {"catalog": {"query": QUERY, "pagination": {"limit": 10}}}
            )

        await _time(20, via_client)  # warm up both paths (connections, caches)
        await _time(20, via_raw)
        client_ms, transport_ms, raw_ms = [], [], []
        for _ in range(rounds):
            client_ms.append(await _time(calls, via_client))
            transport_ms.append(await _time(calls, via_transport))
            raw_ms.append(await _time(calls, via_raw))
    c, t, r = (statistics.median(x) for x in (client_ms, transport_ms, raw_ms))
    print(
        f"{transport:4} search_catalog: client {c:.3f} ms/call (transport alone {t:.3f}), "
        f"raw httpx2 {r:.3f} ms/call, ratio {c / r:.2f}x "
        f"(target <= 1.30x; median of {rounds} rounds x {calls} calls)"
    )


async def _warm_discovery(url: str, data_dir: Path) -> None:
    requests = 0

    async def count(request: httpx2.Request) -> None:
        nonlocal requests
        requests += 1

    store = Store.open(data_dir / "bench.db")
    async with httpx2.AsyncClient(event_hooks={"request": [count]}) as http:
        cold_started = time.perf_counter()
        await Discovery(http, store).discover(url)
        cold_ms = (time.perf_counter() - cold_started) * 1000
        cold_requests = requests
        requests = 0
        warm_started = time.perf_counter()
        for _ in range(100):
            await Discovery(http, store).discover(url)  # a fresh Discovery = a restarted process
        warm_ms = (time.perf_counter() - warm_started) * 1000 / 100
    store.close()
    print(
        f"discovery: cold {cold_ms:.2f} ms ({cold_requests} request); warm from the store "
        f"{warm_ms:.3f} ms, {requests} requests over 100 restarts"
    )


async def _run(stores: dict[str, str], calls: int, rounds: int, data_dir: Path) -> None:
    server = await serve_profile(Config())
    try:
        for transport in ("rest", "mcp"):
            await _overhead(stores["flowers"], server.url, transport, calls, rounds)
        await _warm_discovery(stores["coffee"], data_dir)
    finally:
        await server.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=250)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        command = [sys.executable, "-m", "merchants", "serve", "--port-base", "0", "--json"]
        command += ["--data-dir", data_dir]
        server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            stores = {}
            for _ in range(5):
                line = json.loads(server.stdout.readline())
                stores[line["slug"]] = line["url"]
            asyncio.run(_run(stores, args.calls, args.rounds, Path(data_dir)))
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
