"""Benchmark the sandbox stores: full checkout flows over loopback, against a floor server.

Run: `.venv/bin/python bench/merchants.py [--sequential 3000] [--flows 800] [--clients 8]
[--chunk 200] [--binding rest|mcp] [--release 2026-04-08|2026-08-25] [--idempotency-rows 100000]
[--no-floor]`.

`--release` is the UCP release the flows speak: the platform profile they name is of that release
(every entry at its version), so the stores answer in it; 2026-08-25 flows also type their
shipping destinations. The default, 2026-04-08, keeps figures comparable with earlier runs.

Starts `python -m merchants serve --port-base 0 --json --rate-limit-scale 100` in a subprocess
(the stores' own limits answer 429 past ~50 flows/s per store; its databases first filled with
`--idempotency-rows` idempotency records, written oldest first as a store writes them, the first
half past their 48 h TTL so the stores have pruning to do) and serves a platform profile from
this process. 20 warm-up flows record the stores' answers for `bench/floor_server.py` (same HTTP
stack, one SQLite row per request), which then runs beside them. The flows run sequentially and
then with N concurrent clients, each phase in turns of `--chunk` flows, stores then floor, so both
see the same neighbours on a shared or drifting machine; a server's CPU is counted over the whole
phase (so work it defers to the other's turn still counts). Per phase and server it prints
flows/s, server CPU per flow (user + system) and client CPU per flow, p50/p95/max latency per
operation and the worst request overall, then the
stores' server CPU per flow as a multiple of the floor's, and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2

# This script shares its name with the package it measures; import the package, not the script.
sys.path[:] = [p for p in sys.path if Path(p).resolve() != Path(__file__).resolve().parent]
from merchants.business.storage import Storage  # noqa: E402
from merchants.business.storage_idempotency import IDEMPOTENCY_TTL_SECONDS  # noqa: E402

STORES = ("flowers", "coffee")
ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "street_address": "1 Main St",
    "address_locality": "Springfield",
    "address_region": "IL",
    "postal_code": "62701",
    "address_country": "US",
}
CREDENTIALS = {
    "grant_type": "client_credentials",
    "client_id": "pannier-sandbox",
    "client_secret": "sandbox-secret",
}
REST = {
    "search_catalog": ("POST", "/catalog/search", "catalog"),
    "create_cart": ("POST", "/carts", "cart"),
    "create_checkout": ("POST", "/checkout-sessions", "checkout"),
    "update_checkout": ("PUT", "/checkout-sessions/{id}", "checkout"),
    "complete_checkout": ("POST", "/checkout-sessions/{id}/complete", "checkout"),
}


RELEASES = ("2026-04-08", "2026-08-25")


def _capability(name: str, release: str) -> list[dict[str, Any]]:
    entry: dict[str, Any] = {
        "version": release,
        "spec": "https://ucp.dev/",
        "schema": "https://ucp.dev/",
    }
    if name == "fulfillment":
        entry["extends"] = "dev.ucp.shopping.checkout"
    if name == "discount":
        entry["extends"] = ["dev.ucp.shopping.checkout", "dev.ucp.shopping.cart"]
    return [entry]


def _profile(release: str) -> bytes:
    names = [
        "checkout",
        "cart",
        "catalog.search",
        "catalog.lookup",
        "order",
        "fulfillment",
        "discount",
    ]
    handlers = {
        "dev.pannier.sandbox_card": "sandbox_card",
        "dev.pannier.sandbox_wallet": "sandbox_wallet",
    }
    document = {
        "ucp": {
            "version": release,
            "services": {},
            "capabilities": {f"dev.ucp.shopping.{n}": _capability(n, release) for n in names},
            "payment_handlers": {k: [{"id": v, "version": release}] for k, v in handlers.items()},
        }
    }
    return json.dumps(document).encode()


class _ProfileHandler(BaseHTTPRequestHandler):
    body = b""  # the profile of the release benchmarked, set in main()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "public, max-age=3600")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Client:
    """One benchmark client: its own token per store, one transport."""

    _ids = itertools.count(1)

    def __init__(
        self,
        http: httpx2.AsyncClient,
        stores: dict[str, str],
        profile: str,
        binding: str,
        release: str = RELEASES[0],
    ) -> None:
        self.http = http
        self.address = (
            ADDRESS if release < "2026-08-25" else {**ADDRESS, "type": "shipping_address"}
        )
        self.stores = stores
        self.profile = profile
        self.binding = binding
        self.tokens: dict[str, str] = {}
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.recorded: dict[str, Any] = {}  # last answer per operation, for the floor

    async def login(self) -> None:
        for slug, url in self.stores.items():
            response = await self.http.post(f"{url}/auth/access_token", data=CREDENTIALS)
            self.recorded.setdefault("token", response.json())
            self.tokens[slug] = response.json()["access_token"]

    async def call(
        self, slug: str, op: str, args: dict[str, Any], key: str | None = None
    ) -> dict[str, Any]:
        base = self.stores[slug]
        headers = {"Authorization": f"Bearer {self.tokens[slug]}"}
        started = time.perf_counter()
        if self.binding == "mcp":
            meta: dict[str, Any] = {"ucp-agent": {"profile": self.profile}}
            if key:
                meta["idempotency-key"] = key
            message = {
                "jsonrpc": "2.0",
                "id": next(self._ids),
                "method": "tools/call",
                "params": {"name": op, "arguments": {"meta": meta, **args}},
            }
            response = await self.http.post(f"{base}/api/ucp/mcp", json=message, headers=headers)
            payload = response.json()["result"]["structuredContent"]
        else:
            method, path, body_key = REST[op]
            headers["UCP-Agent"] = f'profile="{self.profile}"'
            headers["Idempotency-Key"] = key or str(uuid.uuid4())
            body = args.get(body_key) or {}
            if "cart_id" in args:
                body = {**body, "cart_id": args["cart_id"]}
            response = await self.http.request(
                method,
                f"{base}/api/ucp/v1{path.format(id=args.get('id', ''))}",
                json=body,
                headers=headers,
            )
            payload = response.json()
        self.timings[op].append(time.perf_counter() - started)
        if response.status_code >= 400:
            raise RuntimeError(f"{op} → {response.status_code}: {response.text[:300]}")
        self.recorded[op] = payload  # the last: the second update is the ready one
        return dict(payload)

    async def flow(self, slug: str, variant: str) -> None:
        cart = await self.call(
            slug,
            "create_cart",
            {"cart": {"line_items": [{"item": {"id": variant}, "quantity": 1}]}},
        )
        checkout = await self.call(slug, "create_checkout", {"cart_id": cart["id"]})
        lines = [
            {"id": li["id"], "item": {"id": li["item"]["id"]}, "quantity": li["quantity"]}
            for li in checkout["line_items"]
        ]
        update = {
            "line_items": lines,
            "buyer": {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"},
            "fulfillment": {
                "methods": [
                    {
                        "type": "shipping",
                        "line_item_ids": [li["id"] for li in lines],
                        "destinations": [self.address],
                    }
                ]
            },
        }
        checkout = await self.call(
            slug, "update_checkout", {"id": checkout["id"], "checkout": update}
        )
        method = checkout["fulfillment"]["methods"][0]
        update["fulfillment"] = {
            "methods": [
                {
                    "id": method["id"],
                    "type": "shipping",
                    "line_item_ids": method["line_item_ids"],
                    "destinations": method["destinations"],
                    "groups": [
                        {"id": g["id"], "selected_option_id": g["options"][0]["id"]}
                        for g in method["groups"]
                    ],
                }
            ]
        }
        checkout = await self.call(
            slug, "update_checkout", {"id": checkout["id"], "checkout": update}
        )
        if checkout["status"] != "ready_for_complete":
            raise RuntimeError(f"not ready: {checkout.get('messages')}")
        instrument = {
            "id": "instr_1",
            "handler_id": "sandbox_card",
            "type": "card",
            "credential": {"type": "token", "token": "tok_sandbox_approved"},
            "display": {"brand": "visa", "last_digits": "4242"},
        }
        done = await self.call(
            slug,
            "complete_checkout",
            {"id": checkout["id"], "checkout": {"payment": {"instruments": [instrument]}}},
            key=str(uuid.uuid4()),
        )
        if done["status"] != "completed":
            raise RuntimeError(f"not completed: {done.get('messages')}")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _server_cpu_s(pid: int) -> tuple[float, float]:
    """A process's user and system CPU so far, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def _client_cpu_s() -> float:
    own = os.times()
    return own.user + own.system


@dataclass
class Phase:
    """What one phase measured against one server."""

    label: str
    flows: int = 0
    elapsed_s: float = 0.0
    client_cpu_s: float = 0.0
    server_user_s: float = 0.0
    server_system_s: float = 0.0
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    @property
    def server_ms_per_flow(self) -> float:
        return (self.server_user_s + self.server_system_s) * 1000 / self.flows

    def report(self) -> None:
        print(
            f"{self.label}: {self.flows} flows in {self.elapsed_s:.2f} s = "
            f"{self.flows / self.elapsed_s:.1f} flows/s; CPU per flow: server "
            f"{self.server_ms_per_flow:.2f} ms (user {self.server_user_s * 1000 / self.flows:.2f}"
            f" + system {self.server_system_s * 1000 / self.flows:.2f}), "
            f"client {self.client_cpu_s * 1000 / self.flows:.2f} ms"
        )
        worst = 0.0
        for op, samples in self.timings.items():
            samples.sort()
            p50 = statistics.median(samples) * 1000
            p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))] * 1000
            worst = max(worst, samples[-1])
            print(
                f"  {op:<18} n={len(samples):<6} p50={p50:6.2f} ms  p95={p95:6.2f} ms  "
                f"max={samples[-1] * 1000:7.2f} ms"
            )
        print(f"  worst request: {worst * 1000:.2f} ms")


@dataclass
class Target:
    """One server under test (the stores, or the floor), with its own clients."""

    name: str
    pid: int
    clients: list[Client]
    variants: dict[str, str]


async def _target(
    stack: contextlib.AsyncExitStack,
    args: argparse.Namespace,
    name: str,
    server: tuple[int, dict[str, str]],
    profile: str,
) -> Target:
    """Clients logged in to ``server`` (pid, URLs), its variants found, 20 flows of warm-up."""
    pid, stores = server
    # One connection pool per client, not one shared 64-slot pool: each client waits for every
    # answer before its next request, so it needs one kept-alive connection per store, and
    # httpcore scans its whole pool on every request (most of the bench client's pool overhead).
    limits = httpx2.Limits(max_connections=len(stores), max_keepalive_connections=len(stores))
    clients = []
    for _ in range(args.clients):
        http = await stack.enter_async_context(httpx2.AsyncClient(timeout=30.0, limits=limits))
        clients.append(Client(http, stores, profile, args.binding, args.release))
    for client in clients:
        await client.login()
    variants = {}
    for slug in STORES:
        found = await clients[0].call(slug, "search_catalog", {"catalog": {"query": ""}})
        variants[slug] = found["products"][0]["variants"][0]["id"]
    for i in range(20):  # warm-up; against the stores, it records the floor's answers
        await clients[0].flow(STORES[i % 2], variants[STORES[i % 2]])
    return Target(name, pid, clients, variants)


async def _interleaved(
    label: str, targets: list[Target], chunks: list[int], clients: int
) -> list[Phase]:
    """Run each chunk of flows on every target in turn, so all see the same neighbours.

    A server's CPU is counted over the whole phase, its idle time during the others' chunks
    included (work it deferred counts); elapsed time and latencies over its own chunks.
    """
    phases = [Phase(f"{label} [{t.name}]") for t in targets]
    before = [_server_cpu_s(t.pid) for t in targets]
    done = 0
    for size in chunks:
        for target, phase in zip(targets, phases, strict=True):
            active = target.clients[:clients]
            for client in active:
                client.timings.clear()
            client_before = _client_cpu_s()
            started = time.perf_counter()
            per_client = size // clients
            async with asyncio.TaskGroup() as group:
                for index, client in enumerate(active):
                    group.create_task(_flows(client, per_client, done + index, target.variants))
            phase.elapsed_s += time.perf_counter() - started
            phase.client_cpu_s += _client_cpu_s() - client_before
            phase.flows += per_client * clients
            for client in active:
                for op, samples in client.timings.items():
                    phase.timings[op].extend(samples)
        done += size
    for target, phase, (user, system) in zip(targets, phases, before, strict=True):
        user_after, system_after = _server_cpu_s(target.pid)
        phase.server_user_s, phase.server_system_s = user_after - user, system_after - system
    return phases


async def _flows(client: Client, count: int, offset: int, variants: dict[str, str]) -> None:
    for i in range(count):
        slug = STORES[(i + offset) % len(STORES)]
        await client.flow(slug, variants[slug])


def _chunks(total: int, size: int) -> list[int]:
    return [min(size, total - start) for start in range(0, total, size)]


async def _run(
    args: argparse.Namespace, stores: tuple[int, dict[str, str]], profile: str, data_dir: Path
) -> tuple[list[list[Phase]], float]:
    """The phases (each a list: stores first, then the floor), and the stores' peak RSS."""
    async with contextlib.AsyncExitStack() as stack:
        targets = [await _target(stack, args, "stores", stores, profile)]
        floor_server = None
        try:
            if not args.no_floor:
                responses = data_dir / "floor-responses.json"
                responses.write_text(json.dumps(targets[0].clients[0].recorded))
                floor_command = [sys.executable, str(Path(__file__).with_name("floor_server.py"))]
                floor_command += ["--responses", str(responses), "--data-dir", str(data_dir)]
                floor_server, floor_urls = _start(floor_command)
                floor = (floor_server.pid, floor_urls)
                targets.append(await _target(stack, args, "floor", floor, profile))
            sequential = await _interleaved(
                f"sequential ({args.binding})",
                targets,
                _chunks(args.sequential, args.chunk),
                clients=1,
            )
            per_chunk = max(args.clients, args.chunk // args.clients * args.clients)
            concurrent = await _interleaved(
                f"{args.clients} concurrent clients ({args.binding})",
                targets,
                _chunks(args.flows // args.clients * args.clients, per_chunk),
                clients=args.clients,
            )
            return [sequential, concurrent], _peak_rss_mb(targets[0].pid)
        finally:
            if floor_server is not None:
                _stop(floor_server)


def _prefill_idempotency(data_dir: Path, rows: int) -> None:
    """Fill each benchmarked store's database with `rows` idempotency records, as a store writes
    them: oldest first, the first half past their TTL (so the stores have a backlog to prune)."""
    if not rows:
        return
    body = json.dumps({"id": "chk_prefill", "padding": "x" * 3300})
    now = time.time()
    for slug in STORES:
        Storage(data_dir / f"{slug}.sqlite3").close()  # the stores' own schema
        db = sqlite3.connect(data_dir / f"{slug}.sqlite3")
        with db:
            db.executemany(
                "INSERT INTO idempotency (scope, key, request_hash, status_code, body, created)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    (
                        "client:pannier-sandbox|update_checkout",
                        f"prefill-{n}",
                        "0" * 64,
                        200,
                        body,
                        now
                        - (rows - n) * 0.01
                        - (IDEMPOTENCY_TTL_SECONDS + 3600 if expired else 0),
                    )
                    for n in range(rows)
                    for expired in (n < rows // 2,)
                ),
            )
        db.close()


def _start(command: list[str]) -> tuple[subprocess.Popen[str], dict[str, str]]:
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    stores: dict[str, str] = {}
    while not set(STORES) <= set(stores):
        line = json.loads(server.stdout.readline())
        stores[line["slug"]] = line["url"]
    return server, {s: stores[s] for s in STORES}


def _stop(server: subprocess.Popen[str]) -> None:
    server.terminate()
    server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flows", type=int, default=800, help="flows in the concurrent phase")
    parser.add_argument(
        "--sequential", type=int, default=3000, help="flows in the sequential phase"
    )
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--chunk", type=int, default=200, help="flows per turn when stores and floor alternate"
    )
    parser.add_argument("--binding", choices=("rest", "mcp"), default="rest")
    parser.add_argument("--release", choices=RELEASES, default=RELEASES[0])
    parser.add_argument(
        "--idempotency-rows", type=int, default=0, help="records already in each store's table"
    )
    parser.add_argument("--no-floor", action="store_true", help="skip the floor-server run")
    parser.add_argument(
        "--server",
        default=None,
        help="a script run instead of `-m merchants`, same arguments (profiling)",
    )
    args = parser.parse_args()

    _ProfileHandler.body = _profile(args.release)
    profile_server = ThreadingHTTPServer(("127.0.0.1", 0), _ProfileHandler)
    threading.Thread(target=profile_server.serve_forever, daemon=True).start()
    profile = f"http://127.0.0.1:{profile_server.server_address[1]}/.well-known/ucp"
    started_at = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    with tempfile.TemporaryDirectory() as data_dir:
        _prefill_idempotency(Path(data_dir), args.idempotency_rows)
        serve = ["serve", "--port-base", "0", "--json", "--data-dir", data_dir]
        # The stores' limits (200 checkout requests/s per client) stop a quiet machine's run.
        serve += ["--rate-limit-scale", "100"]
        # A profiling wrapper is given the same arguments as `python -m merchants`.
        command = [sys.executable, *([args.server] if args.server else ["-m", "merchants"]), *serve]
        server, stores = _start(command)
        try:
            phases, rss = asyncio.run(_run(args, (server.pid, stores), profile, Path(data_dir)))
        finally:
            _stop(server)
            profile_server.shutdown()
    print(
        f"== sandbox stores, UCP {args.release} over {args.binding} "
        f"({args.idempotency_rows} idempotency rows before the run), from {started_at}; "
        + ("no floor" if args.no_floor else f"against the floor server in turns of {args.chunk}")
    )
    for per_target in phases:
        for phase in per_target:
            phase.report()
    print(f"stores' peak RSS (VmHWM): {rss:.1f} MB")
    for ours, *floor in phases:
        if floor:
            ratio = ours.server_ms_per_flow / floor[0].server_ms_per_flow
            print(f"server CPU per flow vs floor, {ours.label}: {ratio:.2f}x")
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
