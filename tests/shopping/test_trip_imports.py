"""What opening a trip imports, seen in a fresh process: only what the trip will use.

The constraint checkers (jsonschema, jsonpath-rfc9535: ~100 ms of imports) are loaded on a
thread once the trip starts shopping (here a search) at a store that declares
``ucp.request_constraints`` (Cellar Door's wallet needs a billing address), so a purchase there
does not wait for them; not while the trip opens (a TUI paints then), and never at stores that
declare none. authlib is loaded only by a sign-in (``pannier link``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from merchants.serve import RunningStore

PROBE = """
import asyncio, json, sys, threading
from pathlib import Path
from assistant.config import Config
from assistant.shopping.compose import open_trip
from assistant.store import Store

async def main(urls, profile, db):
    store = Store.open(Path(db))
    trip = await open_trip(Config(), store=store, merchant_urls=urls, profile_url=profile)
    opened = sorted(m for m in ("jsonschema", "jsonpath_rfc9535", "authlib") if m in sys.modules)
    await trip.search("gift")
    for thread in threading.enumerate():
        if thread.name == "pannier-constraint-checkers":
            thread.join()
    loaded = sorted(m for m in ("jsonschema", "jsonpath_rfc9535") if m in sys.modules)
    await trip.aclose()
    store.close()
    print(json.dumps({"at_open": opened, "loaded": loaded}))

asyncio.run(main(json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]))
"""


def _imports(urls: list[str], profile_url: str, db: Path) -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(urls), profile_url, str(db)],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ | {"PANNIER_HOME": str(db.parent)},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout.splitlines()[-1]))


def test_shopping_at_a_store_with_payment_constraints_loads_their_checkers_before_the_purchase(
    sandbox_stores: dict[str, RunningStore], platform_profile_url: str, tmp_path: Path
) -> None:
    urls = [sandbox_stores[slug].url for slug in ("flowers", "wine")]
    found = _imports(urls, platform_profile_url, tmp_path / "pannier.db")
    assert found == {"at_open": [], "loaded": ["jsonpath_rfc9535", "jsonschema"]}


def test_shopping_at_stores_without_payment_constraints_never_loads_the_checkers_or_authlib(
    sandbox_stores: dict[str, RunningStore], platform_profile_url: str, tmp_path: Path
) -> None:
    urls = [sandbox_stores[slug].url for slug in ("flowers", "coffee", "electronics")]
    found = _imports(urls, platform_profile_url, tmp_path / "pannier.db")
    assert found == {"at_open": [], "loaded": []}
