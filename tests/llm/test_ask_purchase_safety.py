"""`pannier ask` as a shopper re-runs it: orders are never placed twice, approvals never stretch."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fake_anthropic import Call, FakeAnthropic, Reply
from test_ask import ASK_TIMEOUT_S, ask, ask_claude

from assistant import locations, session_lock
from merchants.serve import RunningStore
from tests.shopping.shopping_helpers import orders_at, submit_continue_page


def test_buy_run_again_after_the_order_was_placed_buys_nothing_more(
    sandbox_stores: dict[str, RunningStore], sandbox_data_dir: Path, tmp_path: Path
) -> None:
    urls = [sandbox_stores["flowers"].url]
    found = json.loads(ask(tmp_path, "find tulips", "--json", "--session", "r", urls=urls).stdout)
    ask(tmp_path, f"add {found['results'][0]['handle']}", "--session", "r", urls=urls)
    before = orders_at(sandbox_data_dir, "flowers")

    bought = ask(tmp_path, "buy", "--approve", "--session", "r", urls=urls)
    assert bought.returncode == 0, bought.stderr
    # The summary is printed before anything else, and says it is being approved.
    assert bought.stdout.startswith("Approving this purchase (--approve):")
    again = ask(tmp_path, "buy", "--approve", "--json", "--session", "r", urls=urls)
    assert again.returncode == 0, again.stderr
    payload = json.loads(again.stdout)
    assert payload["purchases"] == []
    [state] = payload["merchants"]
    assert [line["stage"] for line in state["lines"]] == ["ordered"]
    assert state["order"]["order_id"]
    assert orders_at(sandbox_data_dir, "flowers") == before + 1
    # Said in words, a shopper is told it is done, not that something is not ready yet.
    told = ask(tmp_path, "buy", "--session", "r", urls=urls)
    assert "Everything in your basket is already ordered" in told.stdout
    assert "Nothing is ready to buy yet" not in told.stdout

    # Asking for it again by name is a new purchase, shown as one.
    handle = found["results"][0]["handle"]
    rebuy = ask(tmp_path, f"buy {handle} again", "--session", "r", urls=urls)
    assert rebuy.returncode == 0, rebuy.stderr
    shown = ask(tmp_path, "buy", "--session", "r", urls=urls)
    assert "again: you already ordered this" in shown.stdout
    assert orders_at(sandbox_data_dir, "flowers") == before + 1


def test_an_order_paid_on_the_store_page_is_not_bought_again_by_ask(
    sandbox_stores: dict[str, RunningStore], sandbox_data_dir: Path, tmp_path: Path
) -> None:
    urls = [sandbox_stores["wine"].url]
    found = json.loads(ask(tmp_path, "find barolo", "--json", "--session", "p", urls=urls).stdout)
    ask(tmp_path, f"add {found['results'][0]['handle']}", "--session", "p", urls=urls)
    checkout = json.loads(ask(tmp_path, "checkout", "--json", "--session", "p", urls=urls).stdout)
    [state] = checkout["merchants"]
    assert state["status"] == "requires_escalation" and state["continue_url"]
    before = orders_at(sandbox_data_dir, "wine")
    page = asyncio.run(submit_continue_page(state["continue_url"], pay_here=True))
    assert page.status_code == 200

    bought = ask(tmp_path, "buy", "--approve", "--json", "--session", "p", urls=urls)
    assert bought.returncode == 0, bought.stderr
    [state] = json.loads(bought.stdout)["merchants"]
    assert state["status"] == "completed" and state["order"]["order_id"]
    assert [line["stage"] for line in state["lines"]] == ["ordered"]
    assert orders_at(sandbox_data_dir, "wine") == before + 1
    escalations = ask(tmp_path, "escalations", "--session", "p", urls=urls)
    assert "Nothing needs you right now." in escalations.stdout


async def test_approve_covers_only_the_first_purchase_a_model_attempts_in_a_turn(
    fake_anthropic: FakeAnthropic,
    sandbox_stores: dict[str, RunningStore],
    sandbox_data_dir: Path,
    tmp_path: Path,
) -> None:
    def buy(ref: str, quantity: int) -> Reply:
        return Reply(
            "",
            (
                Call("set_basket", {"items": [{"ref": ref, "quantity": quantity}]}),
                Call("prepare_checkout", {}),
                Call("complete_purchase", {}),
            ),
        )

    # A misbehaving model buys one bouquet, then swaps the basket for three vased ones and buys.
    fake_anthropic.script(
        Reply("", (Call("search_products", {"query": "rose"}),)),
        buy("red-rose-bouquet--petite-no-vase", 1),
        buy("red-rose-bouquet--grand-glass-vase", 3),
        Reply("All bought!"),
    )
    before = orders_at(sandbox_data_dir, "flowers")
    code, out, err = await ask_claude(
        fake_anthropic, tmp_path, sandbox_stores["flowers"].url, "buy a rose", "--approve"
    )
    assert code == 0, err
    assert out.startswith("Approving this purchase (--approve):")
    first, second = out.split("Purchase to approve:")
    assert "Red Rose Bouquet" in first and "× " in second
    assert "--approve covers only the first one shown" in out
    assert orders_at(sandbox_data_dir, "flowers") == before + 1


async def test_a_second_ask_on_a_session_in_use_says_so_and_runs_nothing(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PANNIER_HOME", str(tmp_path))
    config = tmp_path / "config.toml"
    config.write_text("[policy]\nsession_wait_s = 0.2\n", encoding="utf-8")
    urls = [sandbox_stores["flowers"].url]
    held = await session_lock.acquire(locations.database_path(), "busy", wait_s=0)
    try:
        refused = ask(
            tmp_path, "find tulips", "--session", "busy", "--config", str(config), urls=urls
        )
    finally:
        held.release()
    assert refused.returncode == 1
    assert "Session in use" in refused.stderr and "'busy'" in refused.stderr
    assert "Traceback" not in refused.stderr and refused.stdout == ""
    after = ask(tmp_path, "find tulips", "--session", "busy", "--config", str(config), urls=urls)
    assert after.returncode == 0, after.stderr


def test_two_asks_at_once_on_one_session_place_one_order_and_never_crash(
    sandbox_stores: dict[str, RunningStore], sandbox_data_dir: Path, tmp_path: Path
) -> None:
    urls = [sandbox_stores["flowers"].url]
    found = json.loads(ask(tmp_path, "find tulips", "--json", "--session", "two", urls=urls).stdout)
    ask(tmp_path, f"add {found['results'][0]['handle']}", "--session", "two", urls=urls)
    before = orders_at(sandbox_data_dir, "flowers")
    merchants = [part for url in urls for part in ("--merchant", url)]
    env = {**os.environ, "PANNIER_HOME": str(tmp_path)}
    env.pop("ANTHROPIC_API_KEY", None)
    command = [sys.executable, "-m", "assistant", "ask", "buy", "--approve", "--session", "two"]
    both = [
        subprocess.Popen(
            [*command, *merchants],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=ASK_TIMEOUT_S), *p.communicate()) for p in both]
    for code, _out, err in results:
        assert code in (0, 1), err  # never an internal error (70)
        assert "Traceback" not in err and "ExceptionGroup" not in err
        assert code == 0 or "Session in use" in err
    assert orders_at(sandbox_data_dir, "flowers") == before + 1
    status = ask(tmp_path, "orders", "--json", "--session", "two", urls=urls)
    assert len(json.loads(status.stdout)["orders"]) == 1
