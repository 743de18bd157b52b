"""`pannier ucp discover` says where a merchant's dev.ucp.common service (its locations) answers."""

from __future__ import annotations

import subprocess
import sys

from merchants.serve import RunningStore


def test_discover_names_the_common_service_endpoint_beside_the_shopping_one(
    sandbox_stores: dict[str, RunningStore],
) -> None:
    url = sandbox_stores["flowers"].url
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "ucp", "discover", "--business", url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"transport: mcp at {url}/api/ucp/mcp" in done.stderr
    assert f"dev.ucp.common: mcp at {url}/api/ucp/common/mcp (pickup locations)" in done.stderr


def test_discover_says_a_store_without_pickup_locations_offers_no_common_service(
    sandbox_stores: dict[str, RunningStore],
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "ucp", "discover", "--business",
         sandbox_stores["coffee"].url],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "dev.ucp.common: not offered" in done.stderr
