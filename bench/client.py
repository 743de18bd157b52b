"""Client bench: the UCP client's CPU per call against a raw httpx2 call sending the same bytes.

Run: .venv/bin/python bench/client.py [--flows 60] [--rounds 5] [--transports rest,mcp]

Starts ``python -m merchants serve`` in a subprocess (the stores meet the client only on the
wire) and serves our platform profile from this process. Each flow buys one item at the flowers
store through the real client (``connect_merchant``, the SQLite store holding idempotency keys,
the event bus), over REST and over MCP: ``create_cart``, ``create_checkout`` (from the cart, with
buyer and destination), ``update_checkout`` (the delivery option), ``complete_checkout``, then
``get_checkout`` and ``search_catalog`` as the reads. The raw side replays each flow's requests
with httpx2 (the same method, URL, headers and body bytes; only ids and idempotency keys are the
raw flow's own) and parses the answer with ``json.loads``. Client and raw flows alternate; the
figure per operation is the median over rounds of the mean CPU (``time.process_time``) per call;
the write path's ratio (the four writes together) is the median of the rounds' ratios, held to
<= 1.2x raw (issue 16); all six calls together, to <= 1.3x raw (issue 12).

Signing (issue 17): a second client names a platform profile that publishes our signing key, so
the store negotiates RFC 9421 signatures: each of its requests is signed and each answer's
signature verified. It buys the same way in the same rounds; its CPU against the raw unsigned
replay is held to <= 1.3x, and the difference from the unsigned client, per request, is what
signing costs. A fourth client keeps no local store, so its keys are never written (it is not
how Pannier runs: no key would survive a crash): its write path against raw is the client's cost
without the key writes, and the difference from the first client what those writes cost.
A fifth side replays the same bytes with httpx2 but first puts each write's key on disk off the
loop (``replay.DurableKeys``: one thread, one INSERT and COMMIT, one wake-up): no client that keeps
the guide's rule (a key persisted before its write is sent) and issue 16's (local writes off the
event loop) can cost less than that. Discovery with a warm cache must make zero requests.
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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx2
from orchestrator import machine  # the bench next door
from replay import DurableKeys, Recorder, Sent, replay

from assistant.config import Config, MerchantConfig, demo_buyer
from assistant.domain import Buyer, Cart, Checkout, Payment, PaymentInstrument
from assistant.events import EventBus
from assistant.profile import serve_profile
from assistant.store import Store
from assistant.ucp.client import UcpClient
from assistant.ucp.connect import connect_merchant
from assistant.ucp.discovery import Discovery
from assistant.ucp.requests import (
    CartRequest,
    CheckoutRequest,
    FulfillmentMethodRequest,
    LineItemRequest,
)
from assistant.ucp.signing_keys import KeyRing

WRITES: Final = ("create_cart", "create_checkout", "update_checkout", "complete_checkout")
READS: Final = ("get_checkout", "search_catalog")
TARGET: Final = 1.2  # the write path (issue 16)
TARGET_CALL: Final = 1.3  # any call, unsigned (issue 12) and signed (issue 17)
QUERY: Final = "rose"
BUYER: Final = Buyer(email="ada@example.com", first_name="Ada", last_name="Lovelace")
ADDRESS: Final = demo_buyer().addresses[0]
PAYMENT: Final = Payment(
    instruments=[
        PaymentInstrument(
            id="card_4242",
            handler_id="sandbox_card",
            type="card",
            credential={"type": "token", "token": "tok_sandbox_approved"},
            display={"brand": "visa", "last_digits": "4242"},
        )
    ]
)
BATCH: Final = 10  # flows between pauses: the store allows 200 checkout calls/s (burst 400)


async def client_flow(
    client: UcpClient, recorder: Recorder, variant: str, samples: dict[str, list[float]]
) -> list[Sent]:
    """One purchase through the client: the requests it sent (token fetches aside), each naming
    the id its answer created."""
    recorder.sent = []

    async def op(operation: str, call: Awaitable[Any]) -> Any:
        recorder.operation, recorder.recording = operation, True
        started = time.process_time()
        try:
            return await call
        finally:
            samples.setdefault(operation, []).append(time.process_time() - started)
            recorder.recording = False

    lines = [LineItemRequest(item_id=variant, quantity=1)]
    cart = await op("create_cart", client.create_cart(CartRequest(line_items=lines)))
    assert isinstance(cart, Cart), cart
    shipping = FulfillmentMethodRequest(type="shipping", destinations=[ADDRESS])
    request = CheckoutRequest(line_items=lines, buyer=BUYER, fulfillment_methods=[shipping])
    created = await op("create_checkout", client.create_checkout(request, cart_id=cart.id))
    assert isinstance(created, Checkout), created
    base = CheckoutRequest.from_checkout(created)
    assert created.fulfillment is not None and base.fulfillment_methods is not None
    for group, offered in zip(
        base.fulfillment_methods[0].groups, created.fulfillment.methods[0].groups, strict=True
    ):
        group.selected_option_id = min(offered.options, key=lambda o: o.cost).id
    updated = await op("update_checkout", client.update_checkout(created.id, base))
    assert isinstance(updated, Checkout) and updated.status == "ready_for_complete", updated
    done = await op("complete_checkout", client.complete_checkout(created.id, PAYMENT))
    assert isinstance(done, Checkout) and done.status == "completed", done
    await op("get_checkout", client.get_checkout(created.id))
    await op("search_catalog", client.search_catalog(QUERY))
    sent = [s for s in recorder.sent if not s.url.endswith("/access_token")]
    created_ids = {"create_cart": cart.id, "create_checkout": created.id}
    for request in sent:
        request.creates = created_ids.get(request.operation)
    return sent


async def _variant(client: UcpClient) -> str:
    found = await client.search_catalog(QUERY, limit=3)
    return next(v.id for p in found.products for v in p.variants if v.availability.available)


@dataclass
class Figures:
    """Per operation, CPU microseconds per call (medians over rounds), and the rounds' ratios."""

    client: dict[str, float]
    raw: dict[str, float]
    signed: dict[str, float]
    write_ratio: float  # the four writes, client / raw
    call_ratio: float  # all six calls, client / raw
    signed_ratio: float  # all six calls, signed client / raw
    keyless_write_ratio: float  # the four writes, a client keeping no keys / raw
    durable_write_ratio: float  # the four writes, raw with each key on disk first / raw
    signing_us: float  # what signing adds per request (signed - client, all six calls)


async def _compare(
    url: str, profiles: tuple[str, str], transport: str, flows: int, rounds: int, data_dir: Path
) -> Figures:
    """The client, the raw replay of its requests, the signed client and a client with no local
    store (its keys are never written: what the key writes cost), flow after flow; ``profiles``
    is (our profile without keys, our profile publishing the signing key)."""
    recorder, raw_recorder, signed_recorder = Recorder(), Recorder(), Recorder()
    keyless_recorder, durable_recorder = Recorder(), Recorder()
    recorders = (recorder, raw_recorder, signed_recorder, keyless_recorder, durable_recorder)
    # The raw sides record too (and throw it away), so the hooks cost every side the same.
    raw_recorder.recording = durable_recorder.recording = True
    durable_keys = DurableKeys(data_dir / f"keys-{transport}.db")
    store = Store.open(data_dir / f"client-{transport}.db")
    signed_store = Store.open(data_dir / f"signed-{transport}.db")
    async with (
        httpx2.AsyncClient(event_hooks=_hooks(recorder)) as http,
        httpx2.AsyncClient(event_hooks=_hooks(raw_recorder)) as raw_http,
        httpx2.AsyncClient(event_hooks=_hooks(signed_recorder)) as signed_http,
        httpx2.AsyncClient(event_hooks=_hooks(keyless_recorder)) as keyless_http,
        httpx2.AsyncClient(event_hooks=_hooks(durable_recorder)) as durable_http,
    ):
        client = await connect_merchant(
            MerchantConfig(url=url, transport=transport),
            http=http,
            store=store,
            profile_url=profiles[0],
            bus=EventBus(),
        )
        signed = await connect_merchant(
            MerchantConfig(url=url, transport=transport),
            http=signed_http,
            store=signed_store,
            profile_url=profiles[1],
            bus=EventBus(),
            keys=KeyRing(data_dir / "platform-signing-keys.json"),
        )
        keyless = await connect_merchant(
            MerchantConfig(url=url, transport=transport),
            http=keyless_http,
            store=None,
            profile_url=profiles[0],
            bus=EventBus(),
        )
        variant = await _variant(client)
        per_round: dict[str, list[tuple[float, ...]]] = {}
        for round_number in range(rounds + 1):  # round 0 warms every path up
            mine: dict[str, list[float]] = {}
            raw: dict[str, list[float]] = {}
            theirs: dict[str, list[float]] = {}
            keyless_calls: dict[str, list[float]] = {}
            durable: dict[str, list[float]] = {}
            for flow in range(flows):
                if flow and flow % BATCH == 0:
                    await asyncio.sleep(1.0)  # let the store's rate-limit bucket refill
                sent = await client_flow(client, recorder, variant, mine)
                raw_recorder.sent = []
                await replay(raw_http, sent, raw)
                signed_sent = await client_flow(signed, signed_recorder, variant, theirs)
                if not all(s.headers_named(b"signature") for s in signed_sent):
                    raise SystemExit("the signed client sent a request without a signature")
                await client_flow(keyless, keyless_recorder, variant, keyless_calls)
                durable_recorder.sent = []
                await replay(durable_http, sent, durable, keys=durable_keys)
            if round_number:
                for operation in (*WRITES, *READS):
                    sides = (
                        statistics.fmean(mine[operation]),
                        statistics.fmean(raw[operation]),
                        statistics.fmean(theirs[operation]),
                        statistics.fmean(keyless_calls[operation]),
                        statistics.fmean(durable[operation]),
                    )
                    per_round.setdefault(operation, []).append(sides)
    store.close()
    signed_store.close()
    durable_keys.close()
    limited = sum(r.statuses[429] + r.statuses[503] for r in recorders)
    if limited:
        print(f"  warning: {limited} answers were 429/503 (retries skew the client's figures)")

    def median(op: str, side: int) -> float:
        return float(statistics.median(t[side] for t in per_round[op])) * 1e6

    def ratio(ops: tuple[str, ...], side: int, over: int) -> float:
        return float(
            statistics.median(
                sum(per_round[op][n][side] for op in ops)
                / sum(per_round[op][n][over] for op in ops)
                for n in range(rounds)
            )
        )

    every = (*WRITES, *READS)
    return Figures(
        client={op: median(op, 0) for op in every},
        raw={op: median(op, 1) for op in every},
        signed={op: median(op, 2) for op in every},
        write_ratio=ratio(WRITES, 0, 1),
        call_ratio=ratio(every, 0, 1),
        signed_ratio=ratio(every, 2, 1),
        keyless_write_ratio=ratio(WRITES, 3, 1),
        durable_write_ratio=ratio(WRITES, 4, 1),
        signing_us=statistics.median(
            sum(per_round[op][n][2] - per_round[op][n][0] for op in every) / len(every)
            for n in range(rounds)
        )
        * 1e6,
    )


def _hooks(recorder: Recorder) -> dict[str, list[Callable[..., Any]]]:
    return {"request": [recorder.request], "response": [recorder.response]}


def _print(transport: str, figures: Figures, flows: int, rounds: int) -> None:
    print(
        f"{transport}: client CPU per call vs raw httpx2 (same bytes, unsigned), "
        f"{rounds} rounds x {flows} flows; 'signed' is the client signing every request "
        f"and verifying every answer"
    )
    for operation, client in figures.client.items():
        raw, signed = figures.raw[operation], figures.signed[operation]
        print(
            f"  {operation:<18} client {client:7.0f} us  raw {raw:7.0f} us  {client / raw:5.2f}x"
            f"   signed {signed:7.0f} us  {signed / raw:5.2f}x"
        )
    client = sum(figures.client[op] for op in WRITES)
    raw = sum(figures.raw[op] for op in WRITES)
    print(
        f"  write path (4 writes) client {client:7.0f} us  raw {raw:7.0f} us  "
        f"{figures.write_ratio:5.2f}x (median of the rounds' ratios; "
        f"{_verdict(figures.write_ratio, TARGET)} the <= {TARGET}x target)"
    )
    print(
        f"  all 6 calls: client {figures.call_ratio:.2f}x raw "
        f"({_verdict(figures.call_ratio, TARGET_CALL)} <= {TARGET_CALL}x); signed "
        f"{figures.signed_ratio:.2f}x raw unsigned ({_verdict(figures.signed_ratio, TARGET_CALL)}"
        f" <= {TARGET_CALL}x); signing adds {figures.signing_us:.0f} us per request"
    )
    print(
        f"  write path of a client keeping no keys (none written: what the key writes cost): "
        f"{figures.keyless_write_ratio:.2f}x raw"
    )
    print(
        f"  write path of raw httpx2 with each key on disk before its write leaves, off the loop "
        f"(DurableKeys: the least those two rules cost any client): "
        f"{figures.durable_write_ratio:.2f}x raw"
    )


def _verdict(ratio: float, target: float) -> str:
    return "meets" if ratio <= target else "misses"


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


async def _run(stores: dict[str, str], args: argparse.Namespace, data_dir: Path) -> None:
    server = await serve_profile(Config())
    ring = KeyRing(data_dir / "platform-signing-keys.json")
    signing_server = await serve_profile(Config(), keys=ring.published_jwks())
    print(f"machine: {machine()}")
    try:
        for transport in args.transports.split(","):
            figures = await _compare(
                stores["flowers"],
                (server.url, signing_server.url),
                transport,
                args.flows,
                args.rounds,
                data_dir,
            )
            _print(transport, figures, args.flows, args.rounds)
        await _warm_discovery(stores["coffee"], data_dir)
        print(f"machine at the end: {machine()}")
    finally:
        await signing_server.aclose()
        await server.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=60, help="purchases per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--transports", default="rest,mcp")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        command = [sys.executable, "-m", "merchants", "serve", "--port-base", "0", "--json"]
        command += ["--data-dir", data_dir, "--stores", "flowers", "coffee"]
        server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            stores = {}
            for _ in range(2):
                line = json.loads(server.stdout.readline())
                stores[line["slug"]] = line["url"]
            asyncio.run(_run(stores, args, Path(data_dir)))
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
