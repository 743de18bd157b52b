"""Agent bench on the faithful fake Messages API: calls, tokens, cache, bytes, latency, RSS.

Everything runs through the real Trip, real sandbox stores on loopback and the real
``anthropic`` SDK against tests/llm/fake_anthropic.py, which holds claude-sonnet-5-5's
documented contract (thinking blocks sent back, prompt-cache accounting). The scripted model
calls the right tool each round. Tokens are the fake's char/4 estimate, not a tokenizer.

1. Model calls per purchase at 1, 3 and 5 stores (target <= 4 and flat), the prompt tokens of
   each call and the share of them read from the cache.
2. Bytes sent to the API over a 9-call trip: find -> add -> buy -> orders (target <= 75 kB,
   half of the 150 kB measured before this bench's issue).
3. Latency Pannier adds per model round: a round whose model answers at once, end to end
   through the loop, history, SDK and loopback HTTP (median of 30).
4. Peak RSS of one `pannier ask` (offline planner, then Claude via the fake).

    .venv/bin/python bench/agent.py
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "llm")]

from fake_anthropic import (  # noqa: E402
    Call,
    FakeAnthropic,
    Reply,
    competent_claude,
    last_results,
    pick_handle,
)

from assistant.config import Config  # noqa: E402
from assistant.domain import Approval, PurchaseSummary  # noqa: E402
from assistant.llm.anthropic import AnthropicModel  # noqa: E402
from assistant.llm.loop import Agent, build_agent  # noqa: E402
from assistant.llm.prompt import SYSTEM_PROMPT  # noqa: E402
from assistant.llm.tools import TOOL_SPECS  # noqa: E402
from assistant.shopping.compose import open_trip  # noqa: E402
from assistant.store import Store  # noqa: E402
from merchants.serve import StoresInThread  # noqa: E402

CONFIG = Config()
TARGET_CALLS = 4
TARGET_TRIP_BYTES = 75_000
TARGET_RSS_MB = 200
# USD per million tokens, claude-sonnet-5-5 (migration guide: as Sonnet 5, cache reads $0.10;
# a 5-minute cache write costs 1.25 times input, as on earlier models).
PRICE_IN, PRICE_OUT, PRICE_CACHE_READ, PRICE_CACHE_WRITE = 2.0, 10.0, 0.10, 2.5
WANTED = {
    "flowers": ("tulip", "red"),
    "coffee": ("colombia", "whole bean"),
    "electronics": ("cable", "1 m"),
    "apparel": ("organic tee", "m / white"),
    "wine": ("bordeaux", "2019 / 75 cl"),
}
STORE_SETS = (["flowers"], ["flowers", "coffee", "electronics"], list(WANTED))


async def approve_all(summary: PurchaseSummary) -> Approval:
    return summary.approve()


async def decline(summary: PurchaseSummary) -> Approval:
    return Approval.declined()


def prompt_tokens(fake: FakeAnthropic) -> list[int]:
    return [
        u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens
        for u in fake.usage
    ]


def cache_share(fake: FakeAnthropic) -> float:
    return sum(u.cache_read_input_tokens for u in fake.usage) / max(1, sum(prompt_tokens(fake)))


async def agent_for(urls: dict[str, str], slugs: list[str], db: Path) -> tuple[Agent, Store]:
    store = Store.open(db)
    trip = await open_trip(
        CONFIG, session="-".join(slugs), store=store, merchant_urls=[urls[s] for s in slugs]
    )
    model = AnthropicModel(CONFIG.model, retry_delays=(0.0,))
    return build_agent(CONFIG, trip, model=model), store


async def close(agent: Agent, store: Store) -> None:
    await agent.trip.aclose()  # type: ignore[attr-defined]
    store.close()


async def purchase(fake: FakeAnthropic, urls: dict[str, str], slugs: list[str], db: Path) -> None:
    fake.script(*[competent_claude([WANTED[slug] for slug in slugs])] * 8)
    agent, store = await agent_for(urls, slugs, db)
    try:
        await agent.turn(
            f"Buy {' and '.join(WANTED[s][0] for s in slugs)}, ship to my default address",
            approve_all,
        )
        statuses = sorted({s.status or "-" for s in agent.trip.state()})
    finally:
        await close(agent, store)
    calls = len(fake.requests)
    verdict = "OK" if calls <= TARGET_CALLS else "OVER TARGET"
    print(
        f"{len(slugs)} store{'s' if len(slugs) > 1 else ''}: {calls} model calls ({verdict}, "
        f"target <= {TARGET_CALLS}); prompt tokens per call {prompt_tokens(fake)}, "
        f"cache hit share {cache_share(fake):.0%}; statuses {statuses}"
    )


def trip_model(body: dict[str, object]) -> Reply:
    """find -> add -> buy -> orders, two or three calls per shopper turn."""
    results = last_results(body)  # type: ignore[arg-type]
    said = body["messages"][-1]["content"][-1].get("text", "")  # type: ignore[index]
    if "search_products" in results:
        return Reply("Red tulips and Colombia beans are in stock.")
    if "set_basket" in results:
        return Reply("Both are in your basket.")
    if "prepare_checkout" in results:
        return Reply("Asking you to approve.", (Call("complete_purchase"),))
    if "complete_purchase" in results:
        return Reply("Bought.")
    if "order_status" in results:
        return Reply("Two orders, both confirmed.")
    if said.startswith("find"):
        calls = (
            Call("search_products", {"query": "tulips"}),
            Call("search_products", {"query": "colombia"}),
        )
        return Reply("Searching.", calls)
    if said.startswith("add"):
        return Reply("Adding.", (Call("set_basket", {"items": ADDED}),))
    if said.startswith("buy"):
        return Reply("Checking out.", (Call("prepare_checkout"),))
    return Reply("Looking.", (Call("order_status"),))


ADDED: list[dict[str, object]] = []


async def nine_call_trip(fake: FakeAnthropic, urls: dict[str, str], db: Path) -> None:
    agent, store = await agent_for(urls, ["flowers", "coffee"], db)
    sent = 0
    calls = 0
    try:
        fake.script(trip_model, trip_model)
        await agent.turn("find red tulips and colombia beans", decline)
        searches = [r for r, _ in last_results(fake.requests[1])["search_products"]]
        ADDED[:] = [
            {"ref": pick_handle(searches[0], "red"), "quantity": 1},
            {"ref": pick_handle(searches[1], "whole bean"), "quantity": 1},
        ]
        sent, calls = sent + sum(map(len, fake.raw_requests)), calls + len(fake.requests)
        for words, rounds in (("add both", 2), ("buy them", 3), ("orders?", 2)):
            fake.script(*[trip_model] * rounds)
            await agent.turn(words, approve_all)
            sent, calls = sent + sum(map(len, fake.raw_requests)), calls + len(fake.requests)
    finally:
        await close(agent, store)
    verdict = "OK" if sent <= TARGET_TRIP_BYTES else "OVER TARGET"
    usage = agent.usage
    prefix = prefix_bytes() * calls
    print(
        f"{calls}-call trip (find, add, buy, orders): {sent / 1000:.1f} kB sent to the API "
        f"({verdict}, target <= {TARGET_TRIP_BYTES / 1000:.0f} kB), of which the tools + system "
        f"prefix resent each call {prefix / 1000:.1f} kB and the conversation "
        f"{(sent - prefix) / 1000:.1f} kB"
    )
    cached = (
        usage.input_tokens * PRICE_IN
        + usage.cache_write_tokens * PRICE_CACHE_WRITE
        + usage.cache_read_tokens * PRICE_CACHE_READ
        + usage.output_tokens * PRICE_OUT
    ) / 1e6
    uncached = (usage.prompt_tokens * PRICE_IN + usage.output_tokens * PRICE_OUT) / 1e6
    print(
        f"  prompt tokens {usage.prompt_tokens}: cache reads {usage.cache_read_tokens} "
        f"({usage.cache_read_tokens / max(1, usage.prompt_tokens):.0%}), writes "
        f"{usage.cache_write_tokens}, uncached {usage.input_tokens}; input+output cost at "
        f"Sonnet 5.5 prices ${cached:.4f} (without caching ${uncached:.4f})"
    )


def prefix_bytes() -> int:
    """What every request repeats before the conversation: the tools and the system prompt."""
    tools = [
        {"name": t.name, "description": t.description, "input_schema": t.input_schema}
        for t in TOOL_SPECS
    ]
    return len(json.dumps(tools)) + len(json.dumps(SYSTEM_PROMPT))


async def added_latency(fake: FakeAnthropic, urls: dict[str, str], db: Path) -> None:
    agent, store = await agent_for(urls, ["flowers"], db)
    rounds: list[float] = []
    try:
        for index in range(30):
            fake.script(Reply("Hello."))
            started = time.perf_counter()
            await agent.turn(f"hello {index}", decline)
            rounds.append((time.perf_counter() - started) * 1000)
    finally:
        await close(agent, store)
    print(
        f"added latency per model round (model answers at once, 30 rounds): median "
        f"{statistics.median(rounds):.1f} ms, p90 {sorted(rounds)[26]:.1f} ms"
    )


async def ask_rss(fake: FakeAnthropic, urls: dict[str, str], home: Path, *, offline: bool) -> None:
    fake.script(*[competent_claude([WANTED["flowers"], WANTED["coffee"]])] * 8)
    env = {
        **os.environ,
        "PANNIER_HOME": str(home),
        "ANTHROPIC_API_KEY": "sk-ant-bench",
        "ANTHROPIC_BASE_URL": fake.url,
    }
    message = (
        "find tulips" if offline else "Buy tulips and colombia coffee, ship to my default address"
    )
    args = [sys.executable, "-m", "assistant", "ask", message, "--approve"]
    args += ["--offline"] if offline else []
    args += [part for slug in ("flowers", "coffee") for part in ("--merchant", urls[slug])]
    process = await asyncio.create_subprocess_exec(
        *args, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    mode = "offline planner" if offline else f"Claude via fake API, {len(fake.requests)} calls"
    verdict = "OK" if peak_mb < TARGET_RSS_MB else "OVER TARGET"
    print(
        f"pannier ask ({mode}): exit {process.returncode}, peak RSS of children so far "
        f"{peak_mb:.0f} MB ({verdict}, target < {TARGET_RSS_MB} MB)"
        + (f"; stderr: {stderr.decode().strip()}" if process.returncode else "")
    )


async def main() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        StoresInThread(None, port_base=None, data_dir=Path(tmp) / "stores") as stores,
    ):
        urls = {store.slug: store.url for store in stores}
        fake = await FakeAnthropic().start()
        os.environ["ANTHROPIC_API_KEY"] = "sk-ant-bench"  # the fake server ignores it
        os.environ["ANTHROPIC_BASE_URL"] = fake.url
        try:
            for index, slugs in enumerate(STORE_SETS):
                await purchase(fake, urls, slugs, Path(tmp) / f"buy{index}.db")
            await nine_call_trip(fake, urls, Path(tmp) / "trip.db")
            await added_latency(fake, urls, Path(tmp) / "latency.db")
            # RUSAGE_CHILDREN reports the largest child so far: offline first, then Claude.
            await ask_rss(fake, urls, Path(tmp) / "home-offline", offline=True)
            await ask_rss(fake, urls, Path(tmp) / "home-claude", offline=False)
        finally:
            await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
