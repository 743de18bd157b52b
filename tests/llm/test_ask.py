"""`pannier ask` as the shopper runs it: a child process, offline, state kept in the session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from merchants.serve import RunningStore

ASK_TIMEOUT_S = 60


def ask(home: Path, *args: str, urls: list[str]) -> subprocess.CompletedProcess[str]:
    merchants = [part for url in urls for part in ("--merchant", url)]
    env = {**os.environ, "PANNIER_HOME": str(home)}
    env.pop("ANTHROPIC_API_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "assistant", "ask", *args, *merchants],
        capture_output=True,
        text=True,
        env=env,
        timeout=ASK_TIMEOUT_S,
        check=False,
    )


def test_consecutive_asks_continue_the_same_trip_and_json_has_results_and_state(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    urls = [sandbox_stores["flowers"].url, sandbox_stores["coffee"].url]
    found = ask(tmp_path, "find tulips", "--json", "--session", "t1", urls=urls)
    assert found.returncode == 0, found.stderr
    payload = json.loads(found.stdout)
    first = payload["results"][0]
    assert set(first) >= {"handle", "store", "product", "variant_id", "price"}
    assert payload["merchants"] == []

    added = ask(tmp_path, f"add {first['handle']}", "--session", "t1", urls=urls)
    assert added.returncode == 0 and "cart — 1 item" in added.stdout

    checkout = ask(tmp_path, "checkout", "--json", "--session", "t1", urls=urls)
    (state,) = json.loads(checkout.stdout)["merchants"]
    assert state["status"] == "ready_for_complete"
    assert state["cart_id"] and state["checkout_id"]
    assert {t["type"] for t in state["totals"]} >= {"subtotal", "total"}

    unapproved = ask(tmp_path, "buy", "--session", "t1", urls=urls)
    assert "--approve" in unapproved.stdout and "Nothing was bought" in unapproved.stdout
    # The shopper sees what --approve would charge: the store, the card and every totals line.
    assert "Purchase to approve:" in unapproved.stdout
    assert "paid with visa •••• 4242" in unapproved.stdout
    total_display = next(t["display"] for t in state["totals"] if t["type"] == "total")
    assert total_display in unapproved.stdout

    bought = ask(tmp_path, "buy", "--approve", "--json", "--session", "t1", urls=urls)
    (state,) = json.loads(bought.stdout)["merchants"]
    assert state["status"] == "completed" and state["order"]["order_id"]


def test_errors_are_one_readable_line_and_a_nonzero_exit(tmp_path: Path) -> None:
    result = ask(tmp_path, "find tulips", "--config", str(tmp_path / "missing.toml"), urls=[])
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "missing.toml" in result.stderr and "Traceback" not in result.stderr
