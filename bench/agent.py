"""Agent bench: model calls and tokens per purchase, and the peak RSS of one `pannier ask`.

Scenario: "2 items from 2 stores, ship to my default address" (and the same with 3 stores, to
show the call count does not grow with stores), driven through the real Trip, real sandbox stores
on loopback and the real ``anthropic`` SDK against the local fake Messages API
(tests/llm/fake_anthropic.py) with a scripted model that calls the right tool each round.
Tokens are the fake server's usage numbers, which are a char/4 estimate of each request body
(input) and of the scripted reply (output) - not a real tokenizer.

    .venv/bin/python bench/agent.py
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "llm")]

from fake_anthropic import FakeAnthropic, competent_claude  # noqa: E402

from assistant.config import Config  # noqa: E402
from assistant.domain import Approval, PurchaseSummary  # noqa: E402
from assistant.llm.anthropic import AnthropicModel  # noqa: E402
from assistant.llm.loop import build_agent  # noqa: E402
from assistant.shopping.compose import open_trip  # noqa: E402
from assistant.store import Store  # noqa: E402
from merchants.serve import StoresInThread  # noqa: E402

CONFIG = Config()
TARGET_CALLS = 4
TARGET_RSS_MB = 200
WANTED = {
    "flowers": ("tulip", "red"),
    "coffee": ("colombia", "whole bean"),
    "electronics": ("cable", "1 m"),
}


async def approve_all(summary: PurchaseSummary) -> Approval:
    return summary.approve()


async def purchase(fake: FakeAnthropic, urls: dict[str, str], slugs: list[str], db: Path) -> None:
    fake.script(*[competent_claude([WANTED[slug] for slug in slugs])] * 8)
    store = Store.open(db)
    trip = await open_trip(
        CONFIG, session="-".join(slugs), store=store, merchant_urls=[urls[s] for s in slugs]
    )
    try:
        model = AnthropicModel(CONFIG.model, retry_delays=(0.0,))
        agent = build_agent(CONFIG, trip, model=model)
        await agent.turn(
            f"Buy {' and '.join(WANTED[s][0] for s in slugs)}, ship to my default address",
            approve_all,
        )
        statuses = sorted({s.status or "-" for s in trip.state()})
    finally:
        await trip.aclose()
        store.close()
    input_tokens = sum(
        u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens
        for u in fake.usage
    )
    output_tokens = sum(u.output_tokens for u in fake.usage)
    calls = len(fake.requests)
    verdict = "OK" if calls <= TARGET_CALLS else "OVER TARGET"
    print(
        f"{len(slugs)} items from {len(slugs)} stores: {calls} model calls ({verdict}, target <= "
        f"{TARGET_CALLS}); tokens in {input_tokens} / out {output_tokens} (char/4 estimate); "
        f"per call in: {[u.input_tokens for u in fake.usage]}; final status {statuses}"
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
            await purchase(fake, urls, ["flowers", "coffee"], Path(tmp) / "a.db")
            await purchase(fake, urls, ["flowers", "coffee", "electronics"], Path(tmp) / "b.db")
            # RUSAGE_CHILDREN reports the largest child so far: offline first, then Claude.
            await ask_rss(fake, urls, Path(tmp) / "home-offline", offline=True)
            await ask_rss(fake, urls, Path(tmp) / "home-claude", offline=False)
        finally:
            await fake.stop()


if __name__ == "__main__":
    asyncio.run(main())
