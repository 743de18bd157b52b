"""`pannier ask` at a real store made to misbehave: a checkout in another currency than its cart,
or whose totals do not add up, is shown to the shopper with the reason and never paid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_ask import ask

from merchants.serve import RunningStore
from tests.shopping.store_proxy import store_proxy


def in_euros(checkout: dict[str, Any]) -> None:
    checkout["currency"] = "EUR"


def totals_off_by_a_dollar(checkout: dict[str, Any]) -> None:
    for entry in checkout.get("totals", []):
        if entry.get("type") == "total":
            entry["amount"] += 100


@pytest.mark.parametrize(
    ("misbehaviour", "reason"),
    [
        (in_euros, "priced your cart in USD but asks for EUR"),
        (totals_off_by_a_dollar, "totals do not add up"),
    ],
    ids=["usd-cart-eur-checkout", "totals-do-not-add-up"],
)
def test_ask_shows_why_a_misbehaving_checkout_needs_the_shopper_and_never_pays_it(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path, misbehaviour: Any, reason: str
) -> None:
    with store_proxy(sandbox_stores["flowers"].url) as proxy:
        urls = [proxy.url]
        found = ask(tmp_path, "find tulips", "--json", urls=urls)
        assert found.returncode == 0, found.stderr
        handle = json.loads(found.stdout)["results"][0]["handle"]
        added = ask(tmp_path, f"add {handle}", urls=urls)
        assert added.returncode == 0, added.stderr
        proxy.rewrite_checkout = misbehaviour

        checkout = ask(tmp_path, "checkout", "--json", urls=urls)
        assert checkout.returncode == 0, checkout.stderr
        payload = json.loads(checkout.stdout)
        [state] = payload["merchants"]
        assert state["status"] == "requires_escalation"
        [escalation] = payload["escalations"]
        assert reason in json.dumps(escalation["messages"])

        bought = ask(tmp_path, "buy it all", "--approve", urls=urls)
        assert bought.returncode == 0, bought.stderr
        assert reason in bought.stdout
        assert "Approving this purchase" not in bought.stdout
        back = ask(tmp_path, "I'm back", "--approve", urls=urls)
        assert back.returncode == 0, back.stderr
        assert reason in back.stdout
        assert not proxy.asked("complete_checkout")


def test_ask_reopens_a_session_whose_shop_vanished_mid_payment_and_learns_the_order_later(
    sandbox_stores: dict[str, RunningStore], tmp_path: Path
) -> None:
    with store_proxy(sandbox_stores["flowers"].url) as proxy:
        urls = [proxy.url]
        found = ask(tmp_path, "find tulips", "--json", urls=urls)
        handle = json.loads(found.stdout)["results"][0]["handle"]
        ask(tmp_path, f"add {handle}", urls=urls)
        proxy.down_after = "complete_checkout"
        ask(tmp_path, "buy it all", "--approve", urls=urls)

        reopened = ask(tmp_path, "show my orders", urls=urls)
        assert reopened.returncode == 0, reopened.stderr
        assert "Traceback" not in reopened.stderr
        basket = ask(tmp_path, "what's in my basket", urls=urls)
        assert "does not answer" in basket.stdout and "not known yet" in basket.stdout

        proxy.down = False
        back = ask(tmp_path, "I'm back", "--json", urls=urls)
        assert back.returncode == 0, back.stderr
        [order] = json.loads(back.stdout)["orders"]
        assert order["order_id"]
        assert proxy.operations.count("complete_checkout") == 1
