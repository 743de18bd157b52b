"""Benchmark the sandbox stores: full checkout flows over loopback, against a floor server.

Run: `.venv/bin/python bench/merchants.py [--sequential 3000] [--flows 800] [--clients 8]
[--binding rest|mcp] [--release 2026-04-08|2026-08-25] [--idempotency-rows 100000] [--no-floor]`.

`--release` is the UCP release the flows speak: the platform profile they name is of that release
(every entry at its version), so the stores answer in it; 2026-08-25 flows also type their
shipping destinations. The default, 2026-04-08, keeps figures comparable with earlier runs.

Starts `python -m merchants serve --port-base 0 --json --rate-limit-scale 100` in a subprocess
(the stores' own limits answer 429 past ~50 flows/s per store; its databases first filled with
`--idempotency-rows` idempotency records, half of them past their 48 h TTL so the stores have
pruning to do), serves a platform profile from this process, runs the flows
sequentially and then with N concurrent clients, and prints per phase: flows/s, client and server
CPU per flow, p50/p95/max latency per operation and the worst request overall. Then it runs the
same flows against `bench/floor_server.py` (same HTTP stack, one SQLite row per request, answers
recorded from the stores) and prints the stores' server CPU per flow as a multiple of the floor's.
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
from dataclasses import dataclass
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


def _server_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _client_cpu_s() -> float:
    own = os.times()
    return own.user + own.system


@dataclass
class Phase:
    """What one phase measured."""

    label: str
    flows: int
    elapsed_s: float
    client_cpu_s: float
    server_cpu_s: float
    timings: dict[str, list[float]]

    @property
    def server_ms_per_flow(self) -> float:
        return self.server_cpu_s * 1000 / self.flows

    def report(self) -> None:
        print(
            f"{self.label}: {self.flows} flows in {self.elapsed_s:.2f} s = "
            f"{self.flows / self.elapsed_s:.1f} flows/s; CPU per flow: server "
            f"{self.server_ms_per_flow:.2f} ms, "
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


async def _measure(label: str, pid: int, clients: list[Client], work: Any, flows: int) -> Phase:
    for client in clients:
        client.timings.clear()
    server_before, client_before = _server_cpu_s(pid), _client_cpu_s()
    started = time.perf_counter()
    await work()
    elapsed = time.perf_counter() - started
    merged: dict[str, list[float]] = defaultdict(list)
    for client in clients:
        for op, samples in client.timings.items():
            merged[op].extend(samples)
    return Phase(
        label,
        flows,
        elapsed,
        _client_cpu_s() - client_before,
        _server_cpu_s(pid) - server_before,
        merged,
    )


async def _run(
    args: argparse.Namespace, stores: dict[str, str], profile: str, pid: int
) -> tuple[list[Phase], dict[str, Any]]:
    # One connection pool per client, not one shared 64-slot pool: each client waits for every
    # answer before its next request, so it needs one kept-alive connection per store, and
    # httpcore scans its whole pool on every request (most of the bench client's pool overhead).
    limits = httpx2.Limits(max_connections=len(stores), max_keepalive_connections=len(stores))
    phases = []
    async with contextlib.AsyncExitStack() as stack:
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
        for i in range(20):  # warm-up
            await clients[0].flow(STORES[i % 2], variants[STORES[i % 2]])

        async def sequential() -> None:
            for i in range(args.sequential):
                slug = STORES[i % len(STORES)]
                await clients[0].flow(slug, variants[slug])

        phases.append(
            await _measure(
                f"sequential ({args.binding})", pid, clients[:1], sequential, args.sequential
            )
        )
        per_client = args.flows // args.clients

        async def worker(client: Client, offset: int) -> None:
            for i in range(per_client):
                slug = STORES[(i + offset) % len(STORES)]
                await client.flow(slug, variants[slug])

        async def concurrent() -> None:
            async with asyncio.TaskGroup() as group:
                for index, client in enumerate(clients):
                    group.create_task(worker(client, index))

        phases.append(
            await _measure(
                f"{args.clients} concurrent clients ({args.binding})",
                pid,
                clients,
                concurrent,
                per_client * args.clients,
            )
        )
    return phases, clients[0].recorded


def _prefill_idempotency(data_dir: Path, rows: int) -> None:
    """Fill each benchmarked store's database with `rows` idempotency records (half expired)."""
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
                        now - (IDEMPOTENCY_TTL_SECONDS + 3600 if n % 2 else 0) - n * 0.01,
                    )
                    for n in range(rows)
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
    with tempfile.TemporaryDirectory() as data_dir:
        _prefill_idempotency(Path(data_dir), args.idempotency_rows)
        serve = ["serve", "--port-base", "0", "--json", "--data-dir", data_dir]
        # The stores' limits (200 checkout requests/s per client) stop a quiet machine's run.
        serve += ["--rate-limit-scale", "100"]
        # A profiling wrapper is given the same arguments as `python -m merchants`.
        command = [sys.executable, *([args.server] if args.server else ["-m", "merchants"]), *serve]
        server, stores = _start(command)
        try:
            phases, recorded = asyncio.run(_run(args, stores, profile, server.pid))
            rss = _peak_rss_mb(server.pid)
        finally:
            _stop(server)
        print(
            f"== sandbox stores, UCP {args.release} over {args.binding} "
            f"({args.idempotency_rows} idempotency rows before the run)"
        )
        for phase in phases:
            phase.report()
        print(f"server peak RSS (VmHWM): {rss:.1f} MB")
        if args.no_floor:
            return
        responses = Path(data_dir) / "floor-responses.json"
        responses.write_text(json.dumps(recorded))
        floor_command = [sys.executable, str(Path(__file__).with_name("floor_server.py"))]
        floor_command += ["--responses", str(responses), "--data-dir", data_dir]
        floor, floor_urls = _start(floor_command)
        try:
            floor_phases, _ = asyncio.run(_run(args, floor_urls, profile, floor.pid))
        finally:
            _stop(floor)
            profile_server.shutdown()
    print("== floor server (uvicorn + httptools, one SQLite row per request)")
    for phase in floor_phases:
        phase.report()
    for ours, floor_phase in zip(phases, floor_phases, strict=True):
        ratio = ours.server_ms_per_flow / floor_phase.server_ms_per_flow
        print(f"server CPU per flow vs floor, {ours.label}: {ratio:.2f}x")


if __name__ == "__main__":
    main()
