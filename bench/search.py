"""Benchmark catalog search at the store: the five sandbox stores and a generated 2,000-product one.

Run: `.venv/bin/python bench/search.py [--products 2000] [--rounds 200]`.
Times the store's own ``search_catalog`` work (index query, filters, rendering the page; no HTTP)
for a set of shopper queries, and prints p50/p95 per catalog. The 2,000-product catalog is made
from the sandbox stores' own words with a fixed seed, so runs compare. Target: p95 < 20 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

# bench/merchants.py would shadow the merchants package: import it from the project, not here.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from merchants.business.catalog import Catalog  # noqa: E402
from merchants.business.specs import STORES_DIR, load_store_specs, parse_store_spec  # noqa: E402

QUERIES = (
    "red roses",
    "espresso beans",
    "barolo",
    "noise cancelling headphones",
    "linen dress 8",
    "red wine",
    "bluetooth speaker",
    "tulips",
    "organic cotton tee",
    "gift",
    "usb-c charger",
    "dried lavender",
)
PRICE_FILTER = {"price": {"max": 3000}}


def generated_store(products: int, seed: int = 7) -> Catalog:
    """A store with ``products`` products whose titles mix the sandbox catalogs' vocabulary."""
    rng = random.Random(seed)
    raw = json.loads((STORES_DIR / "flowers.json").read_text())
    pool = [
        p
        for path in sorted(STORES_DIR.glob("*.json"))
        for p in json.loads(path.read_text())["products"]
    ]
    words = sorted({w for p in pool for w in p["title"].split() if w.isalpha()})
    made = []
    for index in range(products):
        base = rng.choice(pool)
        title = " ".join(rng.sample(words, 2)) + " " + base["title"]
        made.append(
            {
                **base,
                "id": f"prod_gen_{index}",
                "handle": f"gen-{index}",
                "title": title,
                "variants": [
                    {**v, "id": f"var_gen_{index}_{j}", "sku": f"GEN-{index}-{j}"}
                    for j, v in enumerate(base["variants"])
                ],
            }
        )
    raw["products"] = made
    return Catalog(parse_store_spec(raw))


def timings(catalog: Catalog, rounds: int) -> list[float]:
    """Milliseconds per search, every query with and without a price filter, ``rounds`` times."""
    requests: list[dict[str, Any]] = []
    for query in QUERIES:
        requests.append({"query": query, "pagination": {"limit": 20}})
        requests.append({"query": query, "filters": PRICE_FILTER, "pagination": {"limit": 20}})
    samples = []
    for _ in range(rounds):
        for request in requests:
            start = time.perf_counter()
            catalog.search(request)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(name: str, samples: list[float]) -> None:
    cuts = statistics.quantiles(samples, n=100)
    print(f"{name:<28} {len(samples):>6} searches  p50 {cuts[49]:7.3f} ms  p95 {cuts[94]:7.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    everything: list[float] = []
    for spec in load_store_specs():
        samples = timings(Catalog(spec), args.rounds)
        everything += samples
        report(f"{spec.slug} ({len(spec.products)} products)", samples)
    report("five stores together", everything)
    started = time.perf_counter()
    big = generated_store(args.products)
    print(f"generated {args.products} products, indexed in {time.perf_counter() - started:.2f} s")
    report(f"generated ({args.products} products)", timings(big, max(args.rounds // 5, 5)))


if __name__ == "__main__":
    main()
