"""The orchestrator bench's own figures hold together (its speed is printed, never tested here)."""

from __future__ import annotations

import os
from pathlib import Path

from assistant.sandbox import start
from bench.orchestrator import generate_stores, run_once


async def test_the_orchestrator_bench_buys_at_each_generated_store_and_counts_requests_per_merchant(
    tmp_path: Path,
) -> None:
    slugs = generate_stores(2, tmp_path / "stores")
    assert slugs == ["flowers-01", "coffee-02"]
    sandbox = await start(
        stores=slugs, stores_dir=str(tmp_path / "stores"), data_dir=str(tmp_path / "merchants")
    )
    try:
        urls = [sandbox.by_slug()[slug] for slug in slugs]
        pid = sandbox.process.pid if sandbox.process is not None else os.getpid()
        one = await run_once(urls[:1], tmp_path / "one.db", "one", pid)
        two = await run_once(urls, tmp_path / "two.db", "two", pid)
    finally:
        await sandbox.stop()
    assert (one["orders"], two["orders"]) == (1, 2)
    assert one["statuses"] == {"completed": 1}
    # A fresh database per run: each merchant costs the same requests whatever the trip's size.
    for phase in ("connect", "search", "purchase"):
        assert one["requests"][phase][0] == two["requests"][phase][0] > 0, phase
    assert two["requests"]["purchase"][1] > 0
    assert len(one["sequence"]) == one["requests"]["purchase"][0]
    assert one["sequence"][-1] == "complete_checkout"
    assert one["cpu_ms"] > 0 and one["wall_ms"] > 0 and one["rss_mb"] > 10
    # The floor replayed the same purchase by httpx2 alone: one more order per store.
    assert two["floor_wall_ms"] > 0 and two["floor_cpu_ms"] > 0
