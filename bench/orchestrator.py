"""Orchestrator bench: a whole purchase at 1…40 merchants, each store adding a fixed delay.

Run: .venv/bin/python bench/orchestrator.py [--merchants 1,5,10,20,40] [--latency-ms 100]
     [--repeats 5] [--fan-out]

The extra stores are generated from the bundled data (``merchants/stores/*.json``, copied under
new slugs and names, one template after another) into a temporary PANNIER_HOME and served by one
``python -m merchants serve --stores-dir`` process that adds ``--latency-ms`` to every request.
Each measured run is a fresh process (so its peak RSS is its own) that opens the real trip
(``open_trip``) at the first N stores, searches once, then buys one item at every store: basket
(``set_basket``) + checkout (``prepare_checkout``) + complete (``complete``, approved
programmatically as the tests approve). The purchase is what is timed. Runs are interleaved
(every N once per repeat, after one warm-up run per N) and the figures are medians. Each N keeps
one database across its runs, as one shopper's home would: the warm-up leaves the discovery
caches, the access tokens and which address each store refused (the wine stores ship only to the
EU: a first trip there switches from the demo buyer's US address with one more update, the runs
after it open at the Paris address).

Printed per N: purchase wall time, HTTP requests per merchant (after search, and in all: connect,
search and purchase), client CPU of the purchase, the run's peak RSS, the stores' CPU for the run;
then the 40/1 (largest/smallest N) wall-time ratio against the ≤ 1.3× target. ``--fan-out`` adds
the search deadline check (one store answering after ``--slow-ms``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import httpx2

from assistant.config import Config, LimitsConfig, PolicyConfig
from assistant.domain import Approval, PurchaseSummary
from assistant.events import OrderPlaced
from assistant.profile import serve_profile
from assistant.sandbox import start
from assistant.shopping.compose import open_trip
from assistant.store import Store
from assistant.ucp.http import merchant_http_client

STORES_DIR: Final = Path(__file__).resolve().parent.parent / "merchants" / "stores"
# One item per template store that needs no escalation (no size review, no age check, ships to
# the demo buyer): the purchase completes without a shopper at a store's page.
TEMPLATES: Final = {
    "flowers": "prod_tulip_bundle",
    "coffee": "prod_brazil_cerrado_natural",
    "electronics": "prod_braided_usb_c_cable",
    "wine": "prod_waiter_s_friend_corkscrew",
    "apparel": "prod_canvas_tote",
}
# One word per template: every store matches one word (a store falls back to any word).
QUERY: Final = "tulip cerrado cable corkscrew tote"
TARGET_RATIO: Final = 1.3
TARGET_REQUESTS: Final = 5
TARGET_RSS_MB: Final = 80
BIG: Final = 10**9  # limits out of the way: the bench measures speed, not refusals


def generate_stores(count: int, directory: Path) -> list[str]:
    """Write ``count`` store files (template after template, renamed); their slugs, in order."""
    directory.mkdir(parents=True, exist_ok=True)
    templates = {s: json.loads((STORES_DIR / f"{s}.json").read_text()) for s in TEMPLATES}
    slugs = []
    for index in range(count):
        template = list(TEMPLATES)[index % len(TEMPLATES)]
        spec = dict(templates[template])
        spec["slug"] = f"{template}-{index + 1:02d}"
        spec["name"] = f"{spec['name']} {index + 1:02d}"
        spec["default_port"] = 20000 + index  # only orders the stores: they get free ports
        (directory / f"{spec['slug']}.json").write_text(json.dumps(spec))
        slugs.append(spec["slug"])
    return slugs


# --- one measured run (a child process) ---------------------------------------------------------


async def _approve_all(summary: PurchaseSummary) -> Approval:
    return summary.approve()


def _config(deadline_s: float = 3.0) -> Config:
    return Config(
        policy=PolicyConfig(search_deadline_s=deadline_s),
        limits=LimitsConfig(
            per_order={"USD": BIG, "EUR": BIG}, per_session={"USD": BIG, "EUR": BIG}
        ),
    )


async def run_once(urls: list[str], db: Path, session: str) -> dict[str, Any]:
    """Open the trip, search, buy one item per merchant; what it cost."""
    requests: Counter[tuple[str, str]] = Counter()
    sequences: dict[str, list[str]] = {}  # each merchant's purchase requests, in order
    phase = "connect"

    async def count(request: httpx2.Request) -> None:
        netloc = request.url.netloc.decode()
        requests[(phase, netloc)] += 1
        if phase == "purchase":
            sequences.setdefault(netloc, []).append(_operation(request))

    store = Store.open(db)
    # as open_trip builds it (one pool per merchant), with a hook counting the requests
    async with merchant_http_client(urls, event_hooks={"request": [count]}) as http:
        trip = await open_trip(
            _config(), session=session, store=store, merchant_urls=urls, http=http
        )
        try:
            phase = "search"
            result = await trip.search(QUERY)
            refs = _one_item_per_merchant(result.hits, urls)
            phase = "purchase"
            cpu0, wall0 = time.process_time(), time.perf_counter()
            await trip.set_basket([(ref, 1) for ref in refs])
            await trip.prepare_checkout()
            await trip.complete(_approve_all)
            wall = time.perf_counter() - wall0
            cpu = time.process_time() - cpu0
            orders = sum(isinstance(e, OrderPlaced) for e in trip.bus.history)
            statuses = Counter(state.status for state in trip.state())
        finally:
            await trip.aclose()
            store.close()
    per_merchant = {
        p: [requests[(p, urlsplit(u).netloc)] for u in urls]
        for p in ("connect", "search", "purchase")
    }
    return {
        "merchants": len(urls),
        "wall_ms": wall * 1000,
        "cpu_ms": cpu * 1000,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "requests": per_merchant,
        # the purchase requests of the merchant that sent the most (the first on a tie)
        "sequence": max((sequences.get(urlsplit(u).netloc, []) for u in urls), key=len),
        "orders": orders,
        "statuses": dict(statuses),
    }


def _operation(request: httpx2.Request) -> str:
    """The tool an MCP request calls, else the HTTP method and path."""
    if request.url.path.endswith("/mcp"):
        with contextlib.suppress(ValueError, KeyError, TypeError):
            return str(json.loads(request.content)["params"]["name"])
    return f"{request.method} {request.url.path}"


def _one_item_per_merchant(hits: list[Any], urls: list[str]) -> list[str]:
    """For each merchant, the handle of its template item in the search results."""
    wanted = set(TEMPLATES.values())
    refs: dict[str, str] = {}
    for hit in hits:
        if hit.handle and hit.product_id in wanted and hit.merchant.domain not in refs:
            refs[hit.merchant.domain] = hit.handle
    missing = [u for u in urls if urlsplit(u).netloc not in refs]
    if missing:
        raise SystemExit(f"the search did not find the bench item at {missing}")
    return [refs[urlsplit(u).netloc] for u in urls]


# --- the driver ---------------------------------------------------------------------------------


def machine() -> str:
    """Date, cores, CPU model and load average (figures from a loaded machine say so)."""
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return f"{when}, {os.cpu_count()} x {model}, load average {load}"


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _child(urls: list[str], db: Path, session: str, home: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--run", json.dumps(urls), str(db), session]
    env = os.environ | {"PANNIER_HOME": str(home)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"a run at {len(urls)} merchants failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.splitlines()[-1]))


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(run[key] for run in runs))


def _report(counts: list[int], runs: dict[int, list[dict[str, Any]]]) -> None:
    print(
        f"{'N':>3} {'wall ms':>8} {'req/merchant':>13} {'all req':>8} {'client CPU ms':>14} "
        f"{'peak RSS MB':>12} {'store CPU ms':>13} {'orders':>7}"
    )
    for n in counts:
        done = runs[n]
        after_search = [max(r["requests"]["purchase"]) for r in done]
        total = [max(map(sum, zip(*r["requests"].values(), strict=True))) for r in done]
        orders = min(r["orders"] for r in done)
        print(
            f"{n:>3} {_median(done, 'wall_ms'):>8.0f} {max(after_search):>13} {max(total):>8} "
            f"{_median(done, 'cpu_ms'):>14.0f} {max(r['rss_mb'] for r in done):>12.1f} "
            f"{_median(done, 'store_cpu_ms'):>13.0f} {orders:>4}/{n}"
        )
    low, high = min(counts), max(counts)
    sequence = ", ".join(runs[high][-1]["sequence"])
    print(f"the busiest merchant's purchase requests at N={high}: {sequence}")
    ratio = _median(runs[high], "wall_ms") / _median(runs[low], "wall_ms")
    print(
        f"ratio {high}/{low} = {ratio:.2f}x (target <= {TARGET_RATIO}x); requests per merchant "
        f"after search: the worst merchant of any run (target <= {TARGET_REQUESTS}); peak RSS: "
        f"the worst run (target <= {TARGET_RSS_MB} MB at 40)"
    )


async def _drive(args: argparse.Namespace, home: Path) -> None:
    counts = sorted({int(n) for n in args.merchants.split(",")})
    slugs = generate_stores(max(counts), home / "stores")
    sandbox = await start(
        stores=slugs,
        stores_dir=str(home / "stores"),
        latency_ms=args.latency_ms,
        data_dir=str(home / "merchants"),
        timeout_s=120.0,
    )
    assert sandbox.process is not None
    try:
        by_slug = sandbox.by_slug()
        urls = [by_slug[slug] for slug in slugs]
        print(f"machine: {machine()}")
        print(
            f"purchase (basket + checkout + complete), {args.latency_ms} ms added per request, "
            f"{args.repeats} interleaved repeats after a warm-up run each, medians"
        )
        runs: dict[int, list[dict[str, Any]]] = {n: [] for n in counts}
        for repeat in range(-1, args.repeats):  # -1: the warm-up (caches, tokens, refusals)
            order = counts if repeat % 2 == 0 else counts[::-1]
            for n in order:
                before = _cpu_seconds(sandbox.process.pid)
                run = await asyncio.to_thread(
                    _child, urls[:n], home / f"pannier-{n}.db", f"n{n}-r{repeat + 1}", home
                )
                run["store_cpu_ms"] = (_cpu_seconds(sandbox.process.pid) - before) * 1000
                if run["orders"] != n:
                    print(f"  warning: {n} merchants, {run['orders']} orders: {run['statuses']}")
                if repeat >= 0:
                    runs[n].append(run)
        _report(counts, runs)
        print(f"machine at the end: {machine()}")
    finally:
        await sandbox.stop()
    if args.fan_out:
        await _fan_out(args.slow_ms, args.deadline_s, home)


async def _fan_out(slow_ms: int, deadline_s: float, home: Path) -> None:
    """Search with one store answering after ``slow_ms``: the trip answers by the deadline."""
    profile = await serve_profile(_config())
    fast = await start(data_dir=str(home / "fast"))
    slow = await start(stores=["coffee"], latency_ms=slow_ms, data_dir=str(home / "slow"))
    store = Store.open(home / "search.db")
    try:
        trip = await open_trip(
            _config(deadline_s),
            session="search",
            store=store,
            merchant_urls=[*(u for s, u in fast.by_slug().items() if s != "coffee"), *slow.urls],
            profile_url=profile.url,
        )
        try:
            started = time.perf_counter()
            result = await trip.search("gift")
            elapsed = time.perf_counter() - started
        finally:
            await trip.aclose()
        print(f"search fan-out: one store answers after {slow_ms} ms, deadline {deadline_s} s")
        print(f"  search: {elapsed * 1000:.0f} ms, {len(result.hits)} hits, notes={result.notes}")
    finally:
        store.close()
        await slow.stop()
        await fast.stop()
        await profile.aclose()


def main() -> None:
    if sys.argv[1:2] == ["--run"]:  # a measured run: urls (JSON), database, session
        urls, db, session = json.loads(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
        print(json.dumps(asyncio.run(run_once(urls, db, session))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merchants", default="1,5,10,20,40", help="comma-separated counts")
    parser.add_argument("--latency-ms", type=int, default=100, help="added to every request")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--fan-out", action="store_true", help="also run the search deadline check")
    parser.add_argument("--slow-ms", type=int, default=3000)
    parser.add_argument("--deadline-s", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pannier-bench-") as home:
        asyncio.run(_drive(args, Path(home)))


if __name__ == "__main__":
    main()
