"""Orchestrator bench: 5-merchant vs 1-merchant checkout wall time, and search fan-out deadline.

Run: .venv/bin/python bench/orchestrator.py [--latency-ms 100] [--slow-ms 3000] [--deadline-s 1.0]
Starts the sandbox stores as child processes (``python -m merchants serve``) with injected latency.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from pathlib import Path

from assistant.config import Config, PolicyConfig
from assistant.events import ProtocolCalled
from assistant.profile import serve_profile
from assistant.sandbox import start
from assistant.shopping.compose import open_trip
from assistant.store import Store

ITEMS = {
    "flowers": ("tulip-bundle--red", 1),
    "coffee": ("brazil-cerrado-natural--250-g-whole-bean", 2),
    "electronics": ("braided-usb-c-cable--1-m", 1),
    "wine": ("chianti-classico-poggio-verde--2021-75-cl", 2),
    "apparel": ("canvas-tote", 1),
}
SLUGS = list(ITEMS)


def _config(deadline_s: float = 3.0) -> Config:
    # The demo buyer's second address is in Paris, where the EU-only wine shop delivers.
    return Config(policy=PolicyConfig(search_deadline_s=deadline_s))


async def _checkout_run(
    urls: dict[str, str], slugs: list[str], profile_url: str, work: Path, label: str
) -> float:
    store = Store.open(work / f"{label}.db")
    trip = await open_trip(
        _config(),
        session=label,
        store=store,
        merchant_urls=[urls[s] for s in slugs],
        profile_url=profile_url,
    )
    try:
        started = time.perf_counter()
        await trip.set_basket([ITEMS[s] for s in slugs])
        states = await trip.prepare_checkout()
        elapsed = time.perf_counter() - started
        calls = Counter(
            e.merchant.domain for e in trip.bus.history if isinstance(e, ProtocolCalled)
        )
        print(f"  {label}: {elapsed * 1000:7.0f} ms")
        for state in states:
            print(
                f"    {state.merchant.domain:<18} status={state.status:<20} "
                f"requests={calls[state.merchant.domain]}"
            )
        return elapsed
    finally:
        await trip.aclose()
        store.close()


async def main(latency_ms: int, slow_ms: int, deadline_s: float) -> None:
    work = Path(tempfile.mkdtemp(prefix="pannier-bench-"))
    config = _config()
    profile = await serve_profile(config)
    sandbox = await start(latency_ms=latency_ms, data_dir=str(work / "merchants"))
    slow = await start(stores=["coffee"], latency_ms=slow_ms, data_dir=str(work / "slow"))
    try:
        urls = sandbox.by_slug()
        print(f"checkout: basket → all checkouts resolved, {latency_ms} ms latency per request")
        # Warm up discovery/profile caches once so both runs measure the same work.
        await _checkout_run(urls, ["flowers"], profile.url, work, "warmup")
        one = await _checkout_run(urls, ["coffee"], profile.url, work, "1-merchant")
        five = await _checkout_run(urls, SLUGS, profile.url, work, "5-merchants")
        print(f"  ratio 5/1 = {five / one:.2f}× (target ≤ 1.5×)")

        print(f"search fan-out: one store answers after {slow_ms} ms, deadline {deadline_s} s")
        fast = [urls[s] for s in SLUGS if s != "coffee"]
        store = Store.open(work / "search.db")
        trip = await open_trip(
            _config(deadline_s),
            session="search",
            store=store,
            merchant_urls=[*fast, slow.urls[0]],
            profile_url=profile.url,
        )
        try:
            started = time.perf_counter()
            result = await trip.search("gift")
            elapsed = time.perf_counter() - started
            print(
                f"  search: {elapsed * 1000:.0f} ms, {len(result.hits)} hits, notes={result.notes}"
            )
        finally:
            await trip.aclose()
            store.close()
    finally:
        await slow.stop()
        await sandbox.stop()
        await profile.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--slow-ms", type=int, default=3000)
    parser.add_argument("--deadline-s", type=float, default=1.0)
    args = parser.parse_args()
    asyncio.run(main(args.latency_ms, args.slow_ms, args.deadline_s))
