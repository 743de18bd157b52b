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

The floor: after its purchase, each run sends the purchase's requests again through httpx2 alone
(``replay.py``: the same bytes but for the ids and keys, ``json.loads`` and nothing else: no
models, no local store, no signatures, a bearer token instead), every merchant at once within a
step and the three steps one after another, as the trip's barriers are. Its 40/1 ratio is what
the same wire work costs on this machine and this bench (one client loop, the N stores in one
process) with no code of ours; Pannier / floor at 40 is what our code adds.

Printed per N: purchase wall time, HTTP requests per merchant (after search, and in all: connect,
search and purchase), client CPU of the purchase, the purchase's peak RSS, the stores' CPU during
the purchase; the floor's wall time, client CPU and stores' CPU; then the 40/1 (largest/smallest
N) wall-time ratio against the ≤ 1.3× target, and the floor's. ``--fan-out`` adds the search
deadline check (one store answering after ``--slow-ms``).
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

from assistant.config import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    Config,
    LimitsConfig,
    PolicyConfig,
)
from assistant.domain import Approval, MerchantState, PurchaseSummary
from assistant.events import OrderPlaced
from assistant.profile import serve_profile
from assistant.sandbox import start
from assistant.shopping.compose import open_trip
from assistant.store import Store
from assistant.ucp.auth import TOKEN_PATH
from assistant.ucp.http import merchant_http_client

# The floor's replay lives next door; run as a script, only bench/ itself is on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.replay import Sent, operation_of, replay

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


async def run_once(urls: list[str], db: Path, session: str, store_pid: int) -> dict[str, Any]:
    """Open the trip, search, buy one item per merchant; what it cost. Then the floor: the same
    purchase requests replayed by httpx2 alone (``_floor``)."""
    requests: Counter[tuple[str, str]] = Counter()
    sent: dict[tuple[str, str], list[Sent]] = {}  # (merchant, step): its requests, in order
    phase, step = "connect", ""

    async def count(request: httpx2.Request) -> None:
        netloc = request.url.netloc.decode()
        requests[(phase, netloc)] += 1
        if phase == "purchase":
            sent.setdefault((netloc, step), []).append(
                Sent(
                    operation_of(request),
                    request.method,
                    str(request.url),
                    list(request.headers.raw),
                    request.content,
                )
            )

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
            store_cpu0 = _cpu_seconds(store_pid)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            step = "basket"
            await trip.set_basket([(ref, 1) for ref in refs])
            step = "prepare"
            await trip.prepare_checkout()
            step = "complete"
            await trip.complete(_approve_all)
            wall = time.perf_counter() - wall0
            cpu = time.process_time() - cpu0
            store_cpu = _cpu_seconds(store_pid) - store_cpu0
            orders = sum(isinstance(e, OrderPlaced) for e in trip.bus.history)
            states = trip.state()
            statuses = Counter(state.status for state in states)
            rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the purchase's
            phase = "floor"
            floor = await _floor(http, urls, sent, states, store_pid)
        finally:
            await trip.aclose()
            store.close()
    per_merchant = {
        p: [requests[(p, urlsplit(u).netloc)] for u in urls]
        for p in ("connect", "search", "purchase")
    }
    sequences = [
        [r.operation for s in STEPS for r in sent.get((urlsplit(u).netloc, s), [])] for u in urls
    ]
    return {
        "merchants": len(urls),
        "wall_ms": wall * 1000,
        "cpu_ms": cpu * 1000,
        "store_cpu_ms": store_cpu * 1000,
        "rss_mb": rss_mb,
        "requests": per_merchant,
        # the purchase requests of the merchant that sent the most (the first on a tie)
        "sequence": max(sequences, key=len),
        "orders": orders,
        "statuses": dict(statuses),
        **floor,
    }


STEPS: Final = ("basket", "prepare", "complete")


async def _bearer(http: httpx2.AsyncClient, url: str) -> tuple[bytes, bytes]:
    """A bearer token from the sandbox store at ``url`` (its public client), as a header."""
    answer = await http.post(
        url + TOKEN_PATH,
        data={
            "grant_type": "client_credentials",
            "client_id": SANDBOX_CLIENT_ID,
            "client_secret": SANDBOX_CLIENT_SECRET,
        },
    )
    return b"authorization", b"Bearer " + str(answer.json()["access_token"]).encode()


async def _floor(
    http: httpx2.AsyncClient,
    urls: list[str],
    sent: dict[tuple[str, str], list[Sent]],
    states: list[MerchantState],
    store_pid: int,
) -> dict[str, float]:
    """The purchase's requests again through httpx2 alone (``replay``: json.loads, no models, no
    local store, unsigned), every merchant at once within a step and the steps one after
    another, as the trip's barriers are: what the same wire work costs with no code of ours."""
    created = {s.merchant.domain: (s.cart_id, s.checkout_id) for s in states}
    for (netloc, _), requests in sent.items():
        cart_id, checkout_id = created[netloc]
        for request in requests:
            if request.operation == "create_cart" or request.url.endswith("/carts"):
                request.creates = cart_id
            elif request.operation == "create_checkout" or request.url.endswith(
                "/checkout-sessions"
            ):
                request.creates = checkout_id
    netlocs = [urlsplit(u).netloc for u in urls]
    renamed: dict[str, list[tuple[bytes, bytes]]] = {n: [] for n in netlocs}
    tokens = await asyncio.gather(*(_bearer(http, u) for u in urls))
    store_cpu0 = _cpu_seconds(store_pid)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for step in STEPS:
        await asyncio.gather(
            *(
                replay(http, sent.get((n, step), []), renamed=renamed[n], extra=(token,))
                for n, token in zip(netlocs, tokens, strict=True)
            )
        )
    return {
        "floor_wall_ms": (time.perf_counter() - wall0) * 1000,
        "floor_cpu_ms": (time.process_time() - cpu0) * 1000,
        "floor_store_cpu_ms": (_cpu_seconds(store_pid) - store_cpu0) * 1000,
    }


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


def _child(urls: list[str], db: Path, session: str, home: Path, store_pid: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--run", json.dumps(urls), str(db), session]
    command.append(str(store_pid))
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
        f"{'peak RSS MB':>12} {'store CPU ms':>13} {'orders':>7} | {'floor ms':>8} "
        f"{'client CPU':>10} {'store CPU':>9}"
    )
    for n in counts:
        done = runs[n]
        after_search = [max(r["requests"]["purchase"]) for r in done]
        total = [max(map(sum, zip(*r["requests"].values(), strict=True))) for r in done]
        orders = min(r["orders"] for r in done)
        print(
            f"{n:>3} {_median(done, 'wall_ms'):>8.0f} {max(after_search):>13} {max(total):>8} "
            f"{_median(done, 'cpu_ms'):>14.0f} {max(r['rss_mb'] for r in done):>12.1f} "
            f"{_median(done, 'store_cpu_ms'):>13.0f} {orders:>4}/{n:<2} | "
            f"{_median(done, 'floor_wall_ms'):>8.0f} {_median(done, 'floor_cpu_ms'):>10.0f} "
            f"{_median(done, 'floor_store_cpu_ms'):>9.0f}"
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
    floor = _median(runs[high], "floor_wall_ms") / _median(runs[low], "floor_wall_ms")
    print(
        f"floor: the same purchase requests replayed by httpx2 alone (json.loads, no models, no "
        f"local store, unsigned), all merchants at once per step: ratio {high}/{low} = "
        f"{floor:.2f}x; Pannier / floor at N={high}: "
        f"{_median(runs[high], 'wall_ms') / _median(runs[high], 'floor_wall_ms'):.2f}x"
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
                run = await asyncio.to_thread(
                    _child,
                    urls[:n],
                    home / f"pannier-{n}.db",
                    f"n{n}-r{repeat + 1}",
                    home,
                    sandbox.process.pid,
                )
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
    if sys.argv[1:2] == ["--run"]:  # a measured run: urls (JSON), database, session, store pid
        urls, db, session = json.loads(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
        print(json.dumps(asyncio.run(run_once(urls, db, session, int(sys.argv[5])))))
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
