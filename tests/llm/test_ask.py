"""`pannier ask` as the shopper runs it: a child process, offline, state kept in the session."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fake_anthropic import Call, FakeAnthropic, Reply

from merchants.serve import RunningStore
from tests.shopping import shopping_helpers

ASK_TIMEOUT_S = 60
SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "ask.schema.json").read_text())


def valid_document(stdout: str) -> dict[str, Any]:
    """The one JSON document ask printed, checked against the schema kept in the repo."""
    payload: dict[str, Any] = json.loads(stdout)
    jsonschema.validate(payload, SCHEMA)
    return payload


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
    payload = valid_document(found.stdout)
    assert payload["ok"] is True and payload["error"] is None
    first = payload["results"][0]
    assert first["price"]["amount"] > 0 and first["price"]["currency"] == "USD"
    assert payload["merchants"] == []

    added = ask(tmp_path, f"add {first['handle']}", "--session", "t1", urls=urls)
    assert added.returncode == 0 and "cart — 1 item" in added.stdout

    checkout = ask(tmp_path, "checkout", "--json", "--session", "t1", urls=urls)
    checked_out = valid_document(checkout.stdout)
    assert checked_out["results"] == []  # this turn did not search: no stale hits
    (state,) = checked_out["merchants"]
    assert state["status"] == "ready_for_complete"
    assert state["cart_id"] and state["checkout_id"]
    assert {t["type"] for t in state["totals"]} >= {"subtotal", "total"}

    unapproved = ask(tmp_path, "buy", "--session", "t1", urls=urls)
    assert "--approve" in unapproved.stdout and "Nothing was bought" in unapproved.stdout
    # The shopper sees what --approve would charge: the store, the card and every totals line.
    assert "Purchase to approve:" in unapproved.stdout
    assert "paid with visa •••• 4242" in unapproved.stdout
    total_display = next(t["display"] for t in state["totals"] if t["type"] == "total")
    assert unapproved.returncode == 0  # a declined purchase is an outcome, not a failure
    assert total_display in unapproved.stdout

    bought = ask(tmp_path, "buy", "--approve", "--json", "--session", "t1", urls=urls)
    document = valid_document(bought.stdout)
    (state,) = document["merchants"]
    assert state["status"] == "completed" and state["order"]["order_id"]
    (order,) = document["orders"]
    assert order["placed_this_turn"] and order["order_id"] == state["order"]["order_id"]
    assert order["total"]["display"] == total_display

    # One view per record: the text ask prints for the order is its view's line, built from
    # the very fields --json gives for it (the TUI's /orders and the offline reply use it too).
    listed = valid_document(
        ask(tmp_path, "show my orders", "--json", "--session", "t1", urls=urls).stdout
    )
    (order,) = listed["orders"]
    parts = [f"{order['store']}: order {order['order_id']}", order["total"]["display"]]
    parts += [p for p in (order["status"], order["url"]) if p]
    assert listed["reply"] == " — ".join(parts)


def test_an_order_reads_the_same_the_moment_it_is_bought_and_the_next_time_it_is_shown(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    urls = [sandbox_stores["flowers"].url]
    for said in ("find tulips", "add 1"):
        assert ask(tmp_path, said, "--session", "o1", urls=urls).returncode == 0
    bought = valid_document(
        ask(tmp_path, "buy it all", "--approve", "--json", "--session", "o1", urls=urls).stdout
    )
    # "completed" is the checkout's word; the shop reads "placed" and the order its own status.
    assert "Petal & Stem: placed" in bought["reply"], bought["reply"]
    assert "completed" not in bought["reply"], bought["reply"]
    (just_bought,) = bought["orders"]
    shown = valid_document(
        ask(tmp_path, "show my orders", "--json", "--session", "o1", urls=urls).stdout
    )
    (later,) = shown["orders"]
    assert just_bought["status"] == later["status"] == "processing", (just_bought, later)
    assert bought["merchants"][0]["order"]["status"] == "processing"


def test_shipping_wine_to_my_paris_address_before_checkout_reaches_the_age_check(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    urls = [sandbox_stores["wine"].url]
    for said in ("find barolo", "add 1"):
        assert ask(tmp_path, said, "--session", "paris", urls=urls).returncode == 0
    shipped = ask(tmp_path, "ship to my Paris address", "--session", "paris", urls=urls)
    # It used to stop at "Choose a delivery option": each round re-sent the address, which
    # cleared the option the round before had chosen.
    assert "Choose a delivery option" not in shipped.stdout, shipped.stdout
    assert "Cellar Door Wines: needs you" in shipped.stdout, shipped.stdout
    fastest = ask(tmp_path, "fastest shipping", "--json", "--session", "paris", urls=urls)
    (state,) = valid_document(fastest.stdout)["merchants"]
    shipping = [t for t in state["totals"] if t["type"] == "fulfillment"]
    assert shipping and shipping[0]["amount"] > 990, state["totals"]  # dearer than Standard
    assert state["status"] == "requires_escalation", state


def test_back_from_confirming_my_age_on_the_page_says_the_wine_is_ready_to_buy(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    urls = [sandbox_stores["wine"].url]
    found = valid_document(ask(tmp_path, "find barolo", "--json", urls=urls).stdout)
    assert ask(tmp_path, f"add {found['results'][0]['handle']}", urls=urls).returncode == 0
    assert "Cellar Door Wines: needs you" in ask(tmp_path, "checkout", urls=urls).stdout
    shown = valid_document(ask(tmp_path, "escalations", "--json", urls=urls).stdout)
    [entry] = shown["escalations"]
    # The page's primary action: tick the age box, "Confirm and return to your assistant".
    confirmed = asyncio.run(shopping_helpers.submit_continue_page(entry["continue_url"]))
    assert confirmed.status_code == 200, confirmed.text

    # It used to answer only "Nothing needs you right now.": a dead end, with the wine unpaid.
    back = ask(tmp_path, "I'm back", urls=urls)
    assert back.stdout.strip() == (
        "Nothing needs you right now.\n"
        'Cellar Door Wines is ready to buy. Say "buy" to review the totals and approve the payment.'
    ), back.stdout


def test_errors_are_one_readable_line_and_an_exit_status_for_their_kind(tmp_path: Path) -> None:
    result = ask(tmp_path, "find tulips", "--config", str(tmp_path / "missing.toml"), urls=[])
    assert result.returncode == 3
    assert result.stderr.strip().count("\n") == 0
    assert "missing.toml" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("arguments", "code", "status"),
    [
        (["--config", "missing.toml"], "config", 3),
        (["--merchant", "http://127.0.0.1:9"], "merchant_unavailable", 4),
    ],
)
def test_a_failed_turn_still_prints_one_json_document_with_ok_false_and_its_code(
    tmp_path: Path, arguments: list[str], code: str, status: int
) -> None:
    arguments = [str(tmp_path / a) if a.endswith(".toml") else a for a in arguments]
    result = ask(tmp_path, "find tulips", "--json", *arguments, urls=[])
    document = valid_document(result.stdout)
    assert result.returncode == status
    assert document["ok"] is False and document["error"]["code"] == code
    assert document["reply"] is None and "Traceback" not in result.stderr


def test_a_store_that_does_not_answer_is_reported_while_the_others_shop(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    urls = [sandbox_stores["flowers"].url, "http://127.0.0.1:9"]
    result = ask(tmp_path, "find tulips", "--json", urls=urls)
    assert result.returncode == 0, result.stderr
    document = valid_document(result.stdout)
    assert document["ok"] and document["results"]
    (failure,) = document["failures"]
    assert failure["store"] == "127.0.0.1:9" and failure["operation"] == "discover"


def test_the_message_may_be_given_without_quotes(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    urls = [sandbox_stores["flowers"].url]
    result = ask(tmp_path, "find", "red", "roses", "--json", urls=urls)
    assert result.returncode == 0, result.stderr
    products = {hit["product"] for hit in valid_document(result.stdout)["results"]}
    assert "Red Rose Bouquet" in products


def test_a_reader_that_closes_the_pipe_early_ends_ask_quietly(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` that has already exited: every write gets EPIPE
    env = {**os.environ, "PANNIER_HOME": str(tmp_path)}
    env.pop("ANTHROPIC_API_KEY", None)
    flowers = sandbox_stores["flowers"].url
    try:
        done = subprocess.run(
            [sys.executable, "-m", "assistant", "ask", "find tulips", "--merchant", flowers],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=ASK_TIMEOUT_S,
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 141
    assert done.stderr == ""


async def ask_claude(
    fake: FakeAnthropic, home: Path, url: str, *args: str, **env_extra: str
) -> tuple[int, str, str]:
    env = {**os.environ, "PANNIER_HOME": str(home), **env_extra}
    env.update(ANTHROPIC_API_KEY="sk-ant-test", ANTHROPIC_BASE_URL=fake.url)
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "assistant", "ask", *args, "--merchant", url],
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(process.communicate(), ASK_TIMEOUT_S)
    return process.returncode or 0, out.decode(), err.decode()


async def test_ask_json_reports_model_calls_and_cache_tokens(
    fake_anthropic: FakeAnthropic, sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    fake_anthropic.script(
        Reply("Searching.", (Call("search_products", {"query": "tulips"}),)),
        Reply("Red tulips are in stock."),
    )
    code, out, err = await ask_claude(
        fake_anthropic, tmp_path, sandbox_stores["flowers"].url, "find tulips", "--json"
    )
    assert code == 0, err
    usage = valid_document(out)["usage"]
    assert usage["model_calls"] == 2
    assert usage["cache_write_tokens"] > 0 and usage["cache_read_tokens"] > 0
    assert usage["output_tokens"] > 0


async def test_pannier_model_chooses_the_model_sent_to_the_api(
    fake_anthropic: FakeAnthropic, sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    fake_anthropic.script(Reply("never"))
    code, _, err = await ask_claude(
        fake_anthropic,
        tmp_path,
        sandbox_stores["flowers"].url,
        "find tulips",
        PANNIER_MODEL="claude-sonnet-9-9",
    )
    assert code != 0
    assert "PANNIER_MODEL" in err and "Traceback" not in err
    (body,) = fake_anthropic.requests
    assert body["model"] == "claude-sonnet-9-9"


async def test_the_model_flag_wins_over_pannier_model(
    fake_anthropic: FakeAnthropic, sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    fake_anthropic.script(Reply("Tulips are in."))
    url = sandbox_stores["flowers"].url
    code, _, err = await ask_claude(
        fake_anthropic,
        tmp_path,
        url,
        "find tulips",
        "--model",
        "claude-sonnet-5-5",
        PANNIER_MODEL="claude-sonnet-9-9",
    )
    assert code == 0, err
    (body,) = fake_anthropic.requests
    assert body["model"] == "claude-sonnet-5-5"
